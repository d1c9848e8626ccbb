#!/usr/bin/env bash
# The server's own start, with and without its AOT cache (the one ./aloft trains after each build):
# alternating starts of `./aloft up` on a fresh data directory, each timed until "Aloft is running",
# then its first deploy and first invocation (a Node.js hello), and the requests/s of its first
# seconds under `wrk -c8`, while the JIT is still at work. Prints medians and their ratios.
# Usage: bench/server-start.sh      (env: ROUNDS=5 LOAD_SECONDS=10)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

ROUNDS=${ROUNDS:-5}
LOAD_SECONDS=${LOAD_SECONDS:-10}
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $LOAD_SECONDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS and LOAD_SECONDS must be positive whole numbers"
PORT=${ALOFT_BENCH_PORT:-18181}
WORK=/tmp/aloft-bench-server-start
rm -rf "$WORK"; mkdir -p "$WORK"
make_zip "$BENCH_DIR/functions/hello-node" "$WORK/hello-node.zip"
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# one_start with|without: one start, measured; appends "ready_ms cpu_ms deploy_ms invoke_ms rps rss_mb"
one_start() {
    local mode=$1 data="$WORK/data-$1" began token
    rm -rf "$data"
    # Emptied here, not by the background start's redirection: that one may come after the first look.
    : >"$WORK/$mode.log"
    began=$(date +%s%N)
    ALOFT_AOT_CACHE=$([[ $mode == with ]] && echo on || echo off) \
        "$ROOT/aloft" up --port "$PORT" --data "$data" --no-examples >"$WORK/$mode.log" 2>&1 &
    ALOFT_PID=$!
    until grep -q "Aloft is running" "$WORK/$mode.log"; do
        kill -0 "$ALOFT_PID" 2>/dev/null || { cat "$WORK/$mode.log" >&2; die "aloft exited during start-up"; }
        sleep 0.01
    done
    local ready_ms cpu_ms deploy_ms invoke_ms rps rss_mb
    ready_ms=$(ms_since "$began")
    cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$ALOFT_PID/stat")
    if [[ $mode == with ]] && ! grep -q "server start: AOT cache .*aloft.aot$" "$WORK/$mode.log"; then
        die "the server did not start with its AOT cache: $(grep 'server start:' "$WORK/$mode.log")"
    fi
    ALOFT_URL="http://127.0.0.1:$PORT"
    TOKEN=$(cat "$data/admin-token")
    began=$(date +%s%N)
    deploy_json hello '{"runtime":"nodejs20","handler":"index.handler","public":true}' "$WORK/hello-node.zip"
    deploy_ms=$(ms_since "$began")
    invoke_ms=$(curl -s -o /dev/null -w '%{time_total}' "$ALOFT_URL/fn/hello" | awk '{ printf "%.0f", $1 * 1000 }')
    rps=$(wrk -t2 -c8 -d"${LOAD_SECONDS}s" "$ALOFT_URL/fn/hello" | awk '/Requests\/sec:/ { printf "%.0f", $2 }')
    rss_mb=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$ALOFT_PID/status")
    echo "$ready_ms $cpu_ms $deploy_ms $invoke_ms $rps $rss_mb" >>"$WORK/$mode.results"
    cleanup; ALOFT_PID=""
}

echo "# server start: ./aloft up with its AOT cache vs without; $ROUNDS starts each, alternating"
machine_note
log "== a first start with the cache, so the launcher trains it if this build has none"
one_start with; rm -f "$WORK/with.results"
for round in $(seq 1 "$ROUNDS"); do
    log "== round $round/$ROUNDS"
    one_start without
    one_start with
done

median() { # FILE COLUMN
    awk -v c="$2" '{ print $c }' "$1" | stats | awk '{ print $2 }'
}
echo
printf '%-44s %10s %10s %8s\n' "median of $ROUNDS starts" "no cache" "AOT cache" ratio
column=1
for what in "ready, from launch to 'Aloft is running' (ms)" "server CPU until ready (ms)" "first deploy (ms)" \
            "first invocation, cold (ms)" "req/s in the first ${LOAD_SECONDS} s of wrk -c8" "server RSS after that (MB)"; do
    without=$(median "$WORK/without.results" "$column"); with=$(median "$WORK/with.results" "$column")
    printf '%-44s %10s %10s %7sx\n' "$what" "$without" "$with" "$(ratio "$with" "$without")"
    column=$((column + 1))
done
