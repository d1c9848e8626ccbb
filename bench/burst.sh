#!/usr/bin/env bash
# Burst: 0 -> 200 concurrent requests at a cold Node.js function deployed with concurrency 200.
# Reports time until all are served, errors, and the distinct instances the ledger recorded; then
# repeats the burst once while those instances are warm, for comparison.
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
deploy_json burst "{\"runtime\":\"nodejs20\",\"handler\":\"index.handler\",\"public\":true,\"concurrency\":$REQUESTS}" \
    "$WORK/hello-node.zip"

# report LABEL RESULT_JSON: joins the client's view with the ledger records of the burst.
report() {
    api GET "/api/v1/invocations?function=burst&limit=1000" >"$WORK/ledger.json"
    $PY - "$1" "$2" "$WORK/ledger.json" <<'PYEOF'
import json, sys
label, result, ledger = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
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
print(f"  ledger: {len(records)} records, {len({r['instanceId'] for r in records})} distinct instances, "
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

log "== cold burst (t=${SECONDS}s)"
node "$BENCH_DIR/tools/burst.mjs" "$ALOFT_URL/fn/burst" "$REQUESTS" >"$WORK/cold.json"
report "cold burst" "$WORK/cold.json"
log "== warm burst (t=${SECONDS}s)"
node "$BENCH_DIR/tools/burst.mjs" "$ALOFT_URL/fn/burst" "$REQUESTS" >"$WORK/warm.json"
if probe=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$ALOFT_URL/api/v1/functions"); then
    report "warm burst" "$WORK/warm.json"
else
    $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print("warm burst: ok %d, errors %d (statuses %s) after %.0f ms" % (r["ok"], r["errors"], r["statuses"], r["totalMs"]))' "$WORK/warm.json"
    echo "  the server no longer answers its own API (GET /api/v1/functions timed out after 5 s): wedged"
fi
log "== done (t=${SECONDS}s)"
