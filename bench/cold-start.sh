#!/usr/bin/env bash
# Cold starts per runtime: N requests to /fn/NAME, each right after a redeploy with a changed
# environment variable (a new revision, so no instance can serve it warm); client-side time from
# request to response (curl %{time_total}) and the server's initMs from the ledger. Each runtime is
# measured twice: "prewarmed" (each request waits until the pool has a ready process again, as
# between cold starts that are not a burst) and "fresh" (a second Aloft node with the pool switched
# off, `prewarm=none`, so a process starts per cold start). Baseline in the same run: a fresh
# process of that runtime that starts and answers one HTTP request by itself.
# Usage: bench/cold-start.sh [nodejs20|python3|java25 ...]     (env: RUNS=30)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init

RUNS=${RUNS:-30}
PORT=${ALOFT_BENCH_PORT:-18181}
WORK=/tmp/aloft-bench-cold
JDK=/usr/lib/jvm/temurin-25-jdk-amd64
NODE=$(command -v node)
runtimes=("$@")
((${#runtimes[@]})) || runtimes=(nodejs20 python3 java25)
mkdir -p "$WORK"

echo "# cold start: $RUNS cold requests per runtime (redeploy with a new env value before each)"
machine_note

make_zip "$BENCH_DIR/functions/hello-node" "$WORK/node.zip"
make_zip "$BENCH_DIR/functions/hello-python" "$WORK/python.zip"
java_jar="$ROOT/examples/hello-java/target/hello-java.jar"
[[ -f $java_jar ]] || die "$java_jar is missing; build Aloft (./aloft --version builds it)"
mkdir -p "$WORK/tiny-java"
"$JDK/bin/javac" -d "$WORK/tiny-java" "$BENCH_DIR/baselines/TinyServer.java"

# Same interpreters and JVM flags as Aloft's instances (RuntimeCommands), minus the sandbox.
baseline_command() {
    case $1 in
        nodejs20) echo "$NODE $BENCH_DIR/baselines/tiny-server.js {port}" ;;
        python3) echo "$PY $BENCH_DIR/baselines/tiny-server.py {port}" ;;
        java25) echo "$JDK/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Xss512k -Xmx179m -XX:-UsePerfData -cp $WORK/tiny-java TinyServer {port}" ;;
    esac
}
bare_start_command() {
    case $1 in
        nodejs20) echo "$NODE -e 0" ;;
        python3) echo "$PY -c pass" ;;
        java25) echo "$JDK/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -XX:-UsePerfData -version" ;;
    esac
}

# prewarmed COUNTER RUNTIME: the pool's counter for the runtime from /metrics.
prewarmed() {
    api GET /metrics | awk -v m="aloft_prewarmed_$1{runtime=\"$2\"}" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

summary=()
server_mode=""
for run in "${runtimes[@]/%/:prewarmed}" "${runtimes[@]/%/:fresh}"; do
    rt=${run%%:*}; mode=${run##*:}
    if [[ $server_mode != "$mode" ]]; then   # one node per mode: the fresh one keeps no pool
        [[ -n $ALOFT_PID ]] && { cleanup; ALOFT_PID=""; }
        start_aloft "$PORT" "$WORK/aloft-data" --set "prewarm=$([[ $mode == fresh ]] && echo none || echo nodejs20=1,python3=1,java25=1)"
        server_mode=$mode
    fi
    case $rt in
        nodejs20) spec='{"runtime":"nodejs20","handler":"index.handler"'; code=$WORK/node.zip; target=25 ;;
        python3) spec='{"runtime":"python3","handler":"app.handler"'; code=$WORK/python.zip; target=20 ;;
        java25) spec='{"runtime":"java25","handler":"example.Hello::handleRequest"'; code=$java_jar; target=40 ;;
        *) die "unknown runtime '$rt' (nodejs20, python3 or java25)" ;;
    esac
    name="cold-$rt-$mode"
    log "== $rt ($mode): $RUNS cold starts through Aloft"
    : >"$WORK/$rt.client"; : >"$WORK/$rt.init"; warm=0; errors=0
    taken_before=$(prewarmed taken_total "$rt")
    for i in $(seq 0 "$RUNS"); do
        deploy_json "$name" "$spec,\"public\":true,\"environment\":{\"BENCH_RUN\":\"$i\"}}" "$code"
        if [[ $mode == prewarmed ]]; then
            for _ in $(seq 1 100); do [[ $(prewarmed ready "$rt") -ge 1 ]] && break; sleep 0.1; done
        fi
        read -r status seconds id < <(curl -s -o /dev/null -D "$WORK/headers" -w '%{http_code} %{time_total} ' \
            "$ALOFT_URL/fn/$name"; tr -d '\r' <"$WORK/headers" | awk 'tolower($1) == "x-aloft-invocation-id:" { print $2 }')
        ((i == 0)) && continue     # the first deploy of each runtime also warms the page cache; not counted
        [[ $status == 200 ]] || { errors=$((errors + 1)); continue; }
        read -r cold init_ms < <(api GET "/api/v1/invocations/$id" | $PY -c \
            'import json,sys; r=json.load(sys.stdin); print(str(r["cold"]).lower(), r["initMs"])')
        [[ $cold == true ]] || warm=$((warm + 1))
        awk -v s="$seconds" 'BEGIN { printf "%.1f\n", s * 1000 }' >>"$WORK/$rt.client"
        echo "$init_ms" >>"$WORK/$rt.init"
    done
    taken=$(($(prewarmed taken_total "$rt") - taken_before))
    log "   client ms: $(tr '\n' ' ' <"$WORK/$rt.client")"
    log "   initMs:    $(tr '\n' ' ' <"$WORK/$rt.init")"
    log "   prewarmed processes taken: $taken"

    if [[ $mode == prewarmed ]]; then   # one baseline per runtime, measured right after its first phase
        log "== $rt: $RUNS baseline processes (spawn -> first HTTP answer)"
        # shellcheck disable=SC2046
        $PY "$BENCH_DIR/baselines/first-answer.py" "$RUNS" $((PORT + 100)) -- $(baseline_command "$rt") >"$WORK/$rt.base"
        log "   baseline ms: $(tr '\n' ' ' <"$WORK/$rt.base")"
        hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/$rt.hyperfine.json" "$(bare_start_command "$rt")" >/dev/null 2>&1
    fi
    bare_ms=$($PY -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$WORK/$rt.hyperfine.json")

    read -r n c_med c_p90 _ <<<"$(stats <"$WORK/$rt.client")"
    read -r _ i_med i_p90 _ <<<"$(stats <"$WORK/$rt.init")"
    read -r _ b_med b_p90 _ <<<"$(stats <"$WORK/$rt.base")"
    r=$(ratio "$c_med" "$b_med")
    summary+=("$(printf '%-19s %4s %9s %9s %9s %9s %10s %10s %11s %7s  %s' "$rt $mode" "$n" "$c_med" "$c_p90" "$i_med" "$i_p90" \
        "$b_med" "$b_p90" "$bare_ms" "${r}x" \
        "ratio<=0.5x $(verdict "$r <= 0.5"); <=${target}ms $(verdict "$c_med <= $target"); warm=$warm errors=$errors prewarmed=$taken")")
done

echo
printf '%-19s %4s %9s %9s %9s %9s %10s %10s %11s %7s  %s\n' runtime n "cold p50" "cold p90" "init p50" "init p90" \
    "base p50" "base p90" "bare start" ratio "targets"
printf '%s\n' "${summary[@]}"
echo "(ms; cold = client request->response on /fn; init = ledger initMs; base = fresh process spawn->first"
echo " HTTP answer; bare start = hyperfine median of the runtime starting and exiting; ratio = cold p50/base p50)"
