#!/usr/bin/env bash
# Redeploys under load: wrk -c8 on a Node.js hello function for DURATION, first left alone (the
# baseline), then redeployed every 2 s with a changed setting (each a new revision: every
# instance retires and the new ones start under load), with an async event sent after each.
# Reports req/s of both phases and their ratio, errors, the instances started per redeploy, and
# whether every async event ran.
# Usage: bench/redeploy.sh      (env: DURATION=40 seconds per phase)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

DURATION=${DURATION:-40}
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 10 ]] || die "DURATION must be whole seconds, at least 10 (got $DURATION)"
PORT=${ALOFT_BENCH_PORT:-18181}
WORK=/tmp/aloft-bench-redeploy
mkdir -p "$WORK"
command -v sqlite3 >/dev/null || die "sqlite3 is missing (it counts the async events): run bench/setup.sh"
SPEC='{"runtime":"nodejs20","handler":"index.handler","public":true,"concurrency":16'

echo "# redeploy under load: wrk -t2 -c8 -d${DURATION}s on /fn/hello, alone, then redeployed every 2 s"
machine_note
# The ledger keeps every record of the run, so the async events can be counted at the end.
start_aloft "$PORT" "$WORK/aloft-data" --set ledger-max-records=10000000
make_zip "$BENCH_DIR/functions/hello-node" "$WORK/hello-node.zip"
deploy_json hello "$SPEC}" "$WORK/hello-node.zip" >/dev/null

started() { # instances started so far for hello, from the server's metrics
    api GET /metrics | awk -F' ' '/^aloft_instances_started_total\{function="hello"\}/ { print $2 + 0 }'
}

# phase NAME: wrk for DURATION; with REDEPLOY=1 redeploys every 2 s meanwhile. Leaves
# "rps errors starts redeploys" in $WORK/NAME.result.
phase() {
    local name=$1 before redeploys=0 memory
    before=$(started)
    wrk -t2 -c8 -d"${DURATION}s" "$ALOFT_URL/fn/hello" >"$WORK/$name.wrk" &
    local load=$!
    if [[ ${REDEPLOY:-0} == 1 ]]; then
        while kill -0 "$load" 2>/dev/null && ((redeploys < DURATION / 2 - 1)); do
            sleep 2
            redeploys=$((redeploys + 1))
            memory=$((128 + (redeploys % 2) * 64))
            deploy_json hello "$SPEC,\"memoryMb\":$memory}" "$WORK/hello-node.zip" >/dev/null
            api POST /api/v1/functions/hello/invoke -H "X-Amz-Invocation-Type: Event" -d "{\"n\":$redeploys}" >/dev/null
        done
    fi
    wait "$load"
    sed 's/^/    /' "$WORK/$name.wrk" >&2
    awk -v starts=$(( $(started) - before )) -v redeploys="$redeploys" '
        /Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx/ { errors += $NF }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        END { printf "%.0f %d %d %d\n", rps, errors, starts, redeploys }' "$WORK/$name.wrk" >"$WORK/$name.result"
}

log "== left alone"
REDEPLOY=0 phase alone
log "== redeployed every 2 s"
REDEPLOY=1 phase redeployed
sleep 3 # the last async event runs
api GET "/api/v1/invocations?function=hello&limit=1" >/dev/null # a ledger read stores what is still batched
async_ran=$(sqlite3 -readonly "$WORK/aloft-data/aloft.db" \
    "SELECT count(*) FROM invocations WHERE trigger_type = 'async' AND status = 'success'")
read -r a_rps a_err a_starts _ <"$WORK/alone.result"
read -r r_rps r_err r_starts r_redeploys <"$WORK/redeployed.result"
echo
printf '%-32s %8s %8s %8s %10s\n' phase req/s errors starts redeploys
printf '%-32s %8s %8s %8s %10s\n' "left alone" "$a_rps" "$a_err" "$a_starts" 0
printf '%-32s %8s %8s %8s %10s\n' "redeployed every 2 s" "$r_rps" "$r_err" "$r_starts" "$r_redeploys"
echo
awk -v a="$a_rps" -v r="$r_rps" -v s="$r_starts" -v n="$r_redeploys" \
    'BEGIN { printf "redeployed/alone = %.2fx req/s; %.1f instances started per redeploy\n", r / a, s / (n > 0 ? n : 1) }'
echo "async events sent during redeploys: $r_redeploys, ran successfully: $async_ran"
