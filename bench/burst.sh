#!/usr/bin/env bash
# Burst: 0 -> 200 concurrent requests at a cold Node.js function deployed with concurrency 200.
# Reports time until all are served, errors, the instances started for it and the distinct ones the
# ledger recorded; then repeats the burst once while those instances are warm, and once at a second,
# never-called function: a cold function on a server that is already running (JIT-compiled), the
# usual case in production. The first burst meets a server that started a second ago.
# Usage: bench/burst.sh      (env: REQUESTS=200)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

REQUESTS=${REQUESTS:-200}
PORT=${ALOFT_BENCH_PORT:-18181}
WORK=/tmp/aloft-bench-burst
mkdir -p "$WORK"

echo "# burst: $REQUESTS simultaneous requests (one connection each) at /fn/burst, concurrency $REQUESTS"
machine_note
start_aloft "$PORT" "$WORK/aloft-data"
make_zip "$BENCH_DIR/functions/hello-node" "$WORK/hello-node.zip"
for name in burst burst-later; do
    deploy_json "$name" "{\"runtime\":\"nodejs20\",\"handler\":\"index.handler\",\"public\":true,\"concurrency\":$REQUESTS}" \
        "$WORK/hello-node.zip"
done

# started FUNCTION: instances started for it so far (scale-out counter).
started() {
    api GET /metrics | awk -v series="aloft_instances_started_total{function=\"$1\"}" '$1 == series { n = $2 } END { print n + 0 }'
}

# report LABEL RESULT_JSON FUNCTION STARTED: joins the client's view with the ledger records of the
# burst; STARTED: instances started for it during the burst.
report() {
    api GET "/api/v1/invocations?function=$3&limit=1000" >"$WORK/ledger.json"
    $PY - "$1" "$2" "$WORK/ledger.json" "$4" <<'PYEOF'
import json, sys
label, result, ledger, started = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), sys.argv[4]
ids = set(result["invocationIds"])
records = [r for r in ledger["invocations"] if r["id"] in ids]
def pct(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(len(values) * p + 0.999999) - 1))] if values else float("nan")
lat = result["latencyMs"]
init = [r["initMs"] for r in records if r["cold"]]
queue = [r["queueMs"] for r in records]
print(f"{label}: all {len(lat)} answered in {result['totalMs']:.0f} ms; ok {result['ok']}, errors {result['errors']} "
      f"(statuses {result['statuses']})")
print(f"  client latency ms: p50 {pct(lat, .5):.0f}, p90 {pct(lat, .9):.0f}, max {max(lat):.0f}")
print(f"  instances started: {started}; ledger: {len(records)} records, {len({r['instanceId'] for r in records})} distinct instances, "
      f"{len(init)} cold; initMs p50 {pct(init, .5)}, max {max(init, default=0)}; "
      f"queueMs p50 {pct(queue, .5)}, max {max(queue, default=0)}")
def alive(instance):
    try:
        return open(f"/sys/fs/cgroup/memory/aloft/{instance}/cgroup.procs").read().strip() != ""
    except OSError:
        return False
print(f"  instances of this burst still running afterwards: {sum(alive(i) for i in {r['instanceId'] for r in records if r['instanceId']})}")
PYEOF
}

# burst LABEL FUNCTION FILE: one burst, then its report.
burst() {
    local before
    before=$(started "$2")
    log "== $1 (t=${SECONDS}s)"
    node "$BENCH_DIR/tools/burst.mjs" "$ALOFT_URL/fn/$2" "$REQUESTS" >"$WORK/$3"
    if curl -s -o /dev/null -m 5 -H "Authorization: Bearer $TOKEN" "$ALOFT_URL/api/v1/functions"; then
        report "$1" "$WORK/$3" "$2" "$(($(started "$2") - before))"
    else
        $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%s: ok %d, errors %d (statuses %s) after %.0f ms" % (sys.argv[2], r["ok"], r["errors"], r["statuses"], r["totalMs"]))' "$WORK/$3" "$1"
        echo "  the server no longer answers its own API (GET /api/v1/functions timed out after 5 s): wedged"
    fi
}

burst "cold burst, server just started" burst cold.json
burst "warm burst" burst warm.json
burst "cold burst, server running" burst-later later.json
log "== done (t=${SECONDS}s)"
