#!/usr/bin/env bash
# Density. (a) Idle warm instances: K concurrent invokes of a sleeping function per runtime start K
# instances; once idle, sum the memory of each instance's processes (PSS and RSS from
# /proc/PID/smaps_rollup, and the cgroup's memory.usage_in_bytes) -> MB/instance, instances/GB.
# (b) 10,000 deployed-but-idle functions on a fresh node: no instance processes, and the
# registry stays fast (list, get, one cold invoke).
# Usage: bench/density.sh     (env: NODE_K=20 PYTHON_K=20 JAVA_K=5 FUNCTIONS=10000 PARALLEL=8)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

NODE_K=${NODE_K:-20}
PYTHON_K=${PYTHON_K:-20}
JAVA_K=${JAVA_K:-5}
FUNCTIONS=${FUNCTIONS:-10000}
PARALLEL=${PARALLEL:-8}
PORT=${ALOFT_BENCH_PORT:-18181}
WORK=/tmp/aloft-bench-density
mkdir -p "$WORK"

echo "# density"
machine_note

# ---- (a) idle warm instances per GB ----
start_aloft "$PORT" "$WORK/aloft-data-a"
make_zip "$BENCH_DIR/functions/sleep-node" "$WORK/sleep-node.zip"
make_zip "$BENCH_DIR/functions/sleep-python" "$WORK/sleep-python.zip"
deploy_json idle-nodejs20 "{\"runtime\":\"nodejs20\",\"handler\":\"index.handler\",\"concurrency\":$NODE_K}" "$WORK/sleep-node.zip"
deploy_json idle-python3 "{\"runtime\":\"python3\",\"handler\":\"app.handler\",\"concurrency\":$PYTHON_K}" "$WORK/sleep-python.zip"
deploy_json idle-java25 "{\"runtime\":\"java25\",\"handler\":\"example.fixtures.Sleep::handleRequest\",\"concurrency\":$JAVA_K}" \
    "$ROOT/examples/hello-java/target/hello-java.jar"

echo
echo "(a) idle warm instances (default 256 MB functions; measured 3 s after their last invoke)"
printf '%-9s %3s %5s %9s %9s %10s %14s\n' runtime K alive "PSS MB" "RSS MB" "cgroup MB" "instances/GB"
for spec in "nodejs20 $NODE_K 1500" "python3 $PYTHON_K 1500" "java25 $JAVA_K 4000"; do
    read -r rt k sleep_ms <<<"$spec"
    log "== $rt: $k concurrent invokes"
    # Every invoke sleeps long enough that all K overlap, so K instances start.
    seq 1 "$k" | xargs -P "$k" -I{} curl -s -o /dev/null --max-time 60 -X POST -H "Authorization: Bearer $TOKEN" \
        -d "{\"ms\":$sleep_ms}" "$ALOFT_URL/api/v1/functions/idle-$rt/invoke"
    sleep 3
    api GET "/api/v1/invocations?function=idle-$rt&limit=1000" | $PY -c '
import json, sys
ids = {r["instanceId"] for r in json.load(sys.stdin)["invocations"] if r["instanceId"]}
print("\n".join(sorted(ids)))' >"$WORK/$rt.instances"
    $PY - "$rt" "$k" "$WORK/$rt.instances" <<'PYEOF'
import sys
rt, k, ids = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read().split()
def kb(pid, field):
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
alive = pss = rss = cg = 0
for i in ids:
    base = f"/sys/fs/cgroup/memory/aloft/{i}"
    try:
        pids = open(f"{base}/cgroup.procs").read().split()
        usage = int(open(f"{base}/memory.usage_in_bytes").read())
    except OSError:
        continue
    if not pids:
        continue
    alive += 1
    pss += sum(kb(p, "Pss") for p in pids)
    rss += sum(kb(p, "Rss") for p in pids)
    cg += usage / 1024
if alive:
    per = pss / alive / 1024
    print(f"{rt:<9} {k:>3} {alive:>5} {per:>9.1f} {rss / alive / 1024:>9.1f} {cg / alive / 1024:>10.1f} {1024 / per:>14.0f}")
else:
    print(f"{rt:<9} {k:>3} {alive:>5}  (no live instances found)")
PYEOF
done
echo "(per instance; PSS counts shared pages pro rata and is the basis of instances/GB; each instance is"
echo " bwrap + the runtime process; cgroup = memory.usage_in_bytes, which also counts page cache it touched)"
cleanup; ALOFT_PID=""

# ---- (b) 10,000 deployed-but-idle functions ----
log "== deploying $FUNCTIONS functions"
start_aloft "$PORT" "$WORK/aloft-data-b"
$PY - "$WORK/hello-node.zip" "$WORK/deploy.json" "$BENCH_DIR/functions/hello-node" <<'PYEOF'
import base64, json, os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(os.path.join(sys.argv[3], "index.mjs"), "index.mjs")
json.dump({"runtime": "nodejs20", "handler": "index.handler", "public": True,
           "zipBase64": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}, open(sys.argv[2], "w"))
PYEOF
node "$BENCH_DIR/tools/deploy-many.mjs" "$ALOFT_URL" "$TOKEN" "$WORK/deploy.json" f "$FUNCTIONS" "$PARALLEL" >"$WORK/deploy.result"
read -r deployed failed retried seconds first_error < <($PY -c 'import json,sys; r=json.load(open(sys.argv[1]));
print(r["deployed"], r["failed"], r["retried"], "%.1f" % r["seconds"], r.get("firstError") or "")' "$WORK/deploy.result")
get_name=f$(printf '%05d' $((FUNCTIONS / 2)))
cold_name=f$(printf '%05d' $((FUNCTIONS * 7777 / 10000)))

# time_ms N URL [curl args]: median of N requests' time_total, in ms
time_ms() {
    local n=$1 url=$2
    shift 2
    for _ in $(seq 1 "$n"); do
        curl -s -o /dev/null --max-time 60 -w '%{time_total}\n' "$@" "$url" | awk '{ printf "%.1f\n", $1 * 1000 }'
    done | stats | awk '{ print $2 }'
}
listed=$(api GET /api/v1/functions | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["functions"]))')
list_bytes=$(curl -s -H "Authorization: Bearer $TOKEN" "$ALOFT_URL/api/v1/functions" | wc -c)
children=$(pgrep -P "$ALOFT_PID" | wc -l || true)
# The prewarm pool's unbound processes (a fixed few per node, not per function).
pooled=$(api GET /metrics | awk '/^aloft_prewarmed_(ready|starting)\{/ { n += $2 } END { print n + 0 }')
records=$(api GET "/api/v1/invocations?limit=1000" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["invocations"]))')
list_ms=$(time_ms 5 "$ALOFT_URL/api/v1/functions" -H "Authorization: Bearer $TOKEN")
get_ms=$(time_ms 20 "$ALOFT_URL/api/v1/functions/$get_name" -H "Authorization: Bearer $TOKEN")
cold=$(curl -s -o /dev/null --max-time 60 -w '%{http_code} %{time_total}' "$ALOFT_URL/fn/$cold_name")
warm_ms=$(time_ms 20 "$ALOFT_URL/fn/$cold_name")
rss_mb=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$ALOFT_PID/status")

echo
echo "(b) $FUNCTIONS deployed-but-idle functions (tiny Node.js function, $PARALLEL deploys in parallel)"
echo "  deployed $deployed, failed $failed in ${seconds} s ($(ratio "$deployed" "$seconds" 0) deploys/s);" \
     "$retried PUTs failed once and were retried${first_error:+; first error: ${first_error:0:300}}"
echo "  processes (children of the server): $children, of which $pooled the prewarm pool's, bound to no function;" \
     "invocation records: $records; server RSS ${rss_mb} MB"
echo "  GET /api/v1/functions (one page: $listed functions, $list_bytes bytes): median ${list_ms} ms of 5"
echo "  GET /api/v1/functions/$get_name: median ${get_ms} ms of 20"
echo "  first (cold) request to /fn/$cold_name: HTTP ${cold% *} in $(awk -v s="${cold#* }" 'BEGIN { printf "%.1f", s * 1000 }') ms;" \
     "then warm: median ${warm_ms} ms of 20"
