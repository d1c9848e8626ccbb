#!/usr/bin/env bash
# Installs what the benchmarks need; safe to run again (installs only what is missing).
#   apt: wrk, hyperfine, curl, zip, sqlite3   npm (pinned, lockfile): serverless 3.40.0, serverless-offline 13.9.0
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for tool in wrk hyperfine curl zip sqlite3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

command -v node >/dev/null || { echo "error: Node.js 20 is needed (apt-get install nodejs)" >&2; exit 1; }
if [[ ! -x serverless-offline/node_modules/.bin/serverless ]] \
    || ! grep -q '"version": "13.9.0"' serverless-offline/node_modules/serverless-offline/package.json 2>/dev/null; then
    echo "installing serverless@3.40.0 + serverless-offline@13.9.0 (npm ci)"
    (cd serverless-offline && npm ci --no-audit --no-fund --loglevel=error)
fi

# Aloft itself (the first ./aloft run builds it, including the Java example jar cold-start uses).
../aloft --version >/dev/null
echo "bench setup complete: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(hyperfine --version)," \
     "serverless $(node -p "require('./serverless-offline/node_modules/serverless/package.json').version")," \
     "serverless-offline $(node -p "require('./serverless-offline/node_modules/serverless-offline/package.json').version")"
