#!/usr/bin/env bash
# Warm throughput of a Node.js hello handler: Aloft's /fn/hello against (a) the same handler in a
# bare node:http server (the limit), (b) serverless-offline 13.9 --useInProcess (the peer) and
# (c) the Runtime API floor: a featureless one-thread proxy to 2 runtime processes
# (tools/RuntimeApiFloor.java), what the process hop itself costs.
# Each target gets a warm-up run, then `wrk -t2 -c8 -d10s --latency`; targets run one at a time.
# Usage: bench/warm-throughput.sh        (env: DURATION=10s WARMUP=45s CONNECTIONS=8)
# The warm-up is long because the server JIT-compiles its hot path on the same 2 cores as the
# instances: C2 spends ~13 s of CPU on it, and after a 15 s warm-up it still took 40% of a core
# during the measured run (req/s then ~half the steady state). Every target gets the same warm-up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-45s}
CONNECTIONS=${CONNECTIONS:-8}
[[ $WARMUP =~ ^([0-9]+)s$ && ${BASH_REMATCH[1]} -ge 20 ]] || die "WARMUP must be seconds, at least 20s (got $WARMUP)"
WARMUP_SECONDS=${BASH_REMATCH[1]}
PORT=${ALOFT_BENCH_PORT:-18181}
BARE_PORT=$((PORT + 1))
SLS_PORT=$((PORT + 2))
FLOOR_PORT=$((PORT + 4))
JDK=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
WORK=/tmp/aloft-bench-warm
mkdir -p "$WORK"
[[ -x $BENCH_DIR/serverless-offline/node_modules/.bin/serverless ]] || die "run bench/setup.sh first"

wait_http() { # URL: until it answers 200 (max 60 s)
    for _ in $(seq 1 600); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" == 200 ]] && return 0
        sleep 0.1
    done
    die "$1 did not answer within 60 s"
}

# measure NAME URL [HOOK]: warm-up, then the measured run; leaves "rps p50ms p99ms errors" in
# $WORK/NAME.result. HOOK, when given, is called with "warming" 15 s before the warm-up ends, and
# with "before" and "after" around the measured run.
measure() {
    local name=$1 url=$2 hook=${3:-} out="$WORK/$1.wrk" warmup
    wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null &
    warmup=$!
    if [[ -n $hook ]]; then
        sleep $((WARMUP_SECONDS - 15))
        "$hook" warming
    fi
    wait "$warmup"
    [[ -z $hook ]] || "$hook" before
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out"
    [[ -z $hook ]] || "$hook" after
    sed 's/^/    /' "$out" >&2
    awk '
        function ms(v) { if (v ~ /us$/) return v * 0.001; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx/ { errors += $NF }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, errors }' "$out" >"$WORK/$name.result"
}

echo "# warm throughput: wrk -t2 -c$CONNECTIONS -d$DURATION --latency after a $WARMUP warm-up"
machine_note

# snapshot_instances warming|before|after: while warming, which instances serve hello (from the
# ledger); before and after the measured run, their run/wait times (tools/instance-time.py) and the
# server's CPU and context switches by thread (tools/server-threads.py), /proc only. The ledger
# query runs code the warm path does not (its SQL, its JSON): asked right before the measured run,
# the JIT work it set off (C2 at 23 µs per request) cost that run ~15% of its requests/s, so it is
# asked during the warm-up.
snapshot_instances() {
    if [[ $1 == warming ]]; then
        api GET "/api/v1/invocations?function=hello&limit=200" | $PY -c \
            'import json,sys; print(" ".join({r["instanceId"] for r in json.load(sys.stdin)["invocations"] if r["instanceId"]}))' \
            >"$WORK/instance-ids"
        return
    fi
    # shellcheck disable=SC2046 # one argument per instance id
    $PY "$BENCH_DIR/tools/instance-time.py" snapshot $(cat "$WORK/instance-ids") >"$WORK/instances.$1"
    $PY "$BENCH_DIR/tools/server-threads.py" snapshot "$ALOFT_PID" >"$WORK/server-threads.$1"
}

# (a) Aloft
log "== Aloft /fn/hello"
start_aloft "$PORT" "$WORK/aloft-data"
make_zip "$BENCH_DIR/functions/hello-node" "$WORK/hello-node.zip"
deploy_json hello '{"runtime":"nodejs20","handler":"index.handler","public":true,"concurrency":16}' "$WORK/hello-node.zip"
wait_http "$ALOFT_URL/fn/hello"
measure aloft "$ALOFT_URL/fn/hello" snapshot_instances
instance_time=$($PY "$BENCH_DIR/tools/instance-time.py" compare "$WORK/instances.before" "$WORK/instances.after")
server_threads=$($PY "$BENCH_DIR/tools/server-threads.py" compare "$WORK/server-threads.before" "$WORK/server-threads.after" \
    "$(awk '/requests in/ { print $1 }' "$WORK/aloft.wrk")")
instances=$(api GET "/api/v1/invocations?function=hello&limit=1000" | $PY -c \
    'import json,sys; print(len({r["instanceId"] for r in json.load(sys.stdin)["invocations"] if r["instanceId"]}))')
cleanup; ALOFT_PID=""

# (b) bare node:http calling the same handler
log "== bare node:http"
node "$BENCH_DIR/baselines/bare-node.mjs" "$BARE_PORT" >/dev/null 2>&1 &
CLEANUP_PIDS+=($!)
wait_http "http://127.0.0.1:$BARE_PORT/hello"
measure bare "http://127.0.0.1:$BARE_PORT/hello"
kill "${CLEANUP_PIDS[-1]}"; wait "${CLEANUP_PIDS[-1]}" 2>/dev/null || true

# (c) serverless-offline, in-process handlers; fake credentials, it never calls AWS.
log "== serverless-offline --useInProcess"
(cd "$BENCH_DIR/serverless-offline" && exec env AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench \
    SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    node_modules/.bin/serverless offline start --useInProcess --noTimeout \
    --httpPort "$SLS_PORT" --lambdaPort "$((SLS_PORT + 1))" >"$WORK/sls.log" 2>&1) &
CLEANUP_PIDS+=($!)
wait_http "http://127.0.0.1:$SLS_PORT/hello"
measure sls "http://127.0.0.1:$SLS_PORT/hello"
kill "${CLEANUP_PIDS[-1]}"; wait "${CLEANUP_PIDS[-1]}" 2>/dev/null || true

# (d) the Runtime API floor, with as many runtime processes as Aloft's pool settles on here (2)
log "== Runtime API floor"
(cd "$ROOT" && exec "$JDK/bin/java" bench/tools/RuntimeApiFloor.java "$FLOOR_PORT" 2 >"$WORK/floor.log" 2>&1) &
CLEANUP_PIDS+=($!)
wait_http "http://127.0.0.1:$FLOOR_PORT/hello"
FLOOR_PID=${CLEANUP_PIDS[-1]}
floor_cpu() { # the floor's and its runtimes' CPU ticks, "server nodes"
    local node_ticks=0 pid
    for pid in $(pgrep -P "$FLOOR_PID"); do node_ticks=$((node_ticks + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done
    echo "$(awk '{ print $14 + $15 }' "/proc/$FLOOR_PID/stat") $node_ticks"
}
floor_snapshot() { [[ $1 == warming ]] || floor_cpu >"$WORK/floor-cpu.$1"; }
measure floor "http://127.0.0.1:$FLOOR_PORT/hello" floor_snapshot
read -r fs0 fn0 <"$WORK/floor-cpu.before"; read -r fs1 fn1 <"$WORK/floor-cpu.after"
floor_requests=$(awk '/requests in/ { print $1 }' "$WORK/floor.wrk")
tick_us=$((1000000 / $(getconf CLK_TCK)))
floor_split="proxy $(((fs1 - fs0) * tick_us / floor_requests)) us, runtime processes $(((fn1 - fn0) * tick_us / floor_requests)) us of CPU per request"
kill "${CLEANUP_PIDS[-1]}"; wait "${CLEANUP_PIDS[-1]}" 2>/dev/null || true

read -r a_rps a_p50 a_p99 a_err <"$WORK/aloft.result"
read -r b_rps b_p50 b_p99 b_err <"$WORK/bare.result"
read -r s_rps s_p50 s_p99 s_err <"$WORK/sls.result"
read -r f_rps f_p50 f_p99 f_err <"$WORK/floor.result"
echo
printf '%-34s %10s %9s %9s %7s\n' target "req/s" "p50 ms" "p99 ms" errors
printf '%-34s %10s %9s %9s %7s\n' "Aloft /fn/hello ($instances instances)" "$a_rps" "$a_p50" "$a_p99" "$a_err"
printf '%-34s %10s %9s %9s %7s\n' "bare node:http (limit)" "$b_rps" "$b_p50" "$b_p99" "$b_err"
printf '%-34s %10s %9s %9s %7s\n' "serverless-offline --useInProcess" "$s_rps" "$s_p50" "$s_p99" "$s_err"
printf '%-34s %10s %9s %9s %7s\n' "Runtime API floor (2 processes)" "$f_rps" "$f_p50" "$f_p99" "$f_err"
echo
r_bare=$(ratio "$a_rps" "$b_rps"); r_sls=$(ratio "$a_rps" "$s_rps")
echo "Aloft/bare               = ${r_bare}x   (target >= 0.5x: $(verdict "$r_bare >= 0.5"))"
echo "Aloft/serverless-offline = ${r_sls}x   (target >= 1.0x: $(verdict "$r_sls >= 1.0"))"
echo "Aloft p99                = ${a_p99} ms (target <= 5 ms at $CONNECTIONS connections: $(verdict "$a_p99 <= 5"))"
echo "Runtime API floor/bare   = $(ratio "$f_rps" "$b_rps")x   (what the process hop leaves; Aloft/floor = $(ratio "$a_rps" "$f_rps")x)"
echo "Runtime API floor: $floor_split"
echo "Aloft instances (measured run): $instance_time"
echo "Aloft server CPU (measured run): $server_threads"
