# Shared by the bench scripts (sourced): start/stop a private Aloft node, call its API, deploy,
# and small statistics. Each script runs its own node on its own data directory and stops it on exit.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PY=/usr/bin/python3            # the real interpreter: pyenv's shim on PATH adds ~50 ms per start
[[ -x $PY ]] || PY=python3
ALOFT_PID=""
CLEANUP_PIDS=()

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stops everything this script started, by pid. Installed as the EXIT trap by bench_init.
cleanup() {
    local pid
    for pid in "${CLEANUP_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ -n $ALOFT_PID ]] && kill -0 "$ALOFT_PID" 2>/dev/null; then
        kill "$ALOFT_PID" 2>/dev/null || true
        # The server stops its instances on shutdown; give it a moment before giving up.
        for _ in $(seq 1 100); do kill -0 "$ALOFT_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$ALOFT_PID" 2>/dev/null || true
    fi
}

bench_init() {
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    command -v curl >/dev/null || die "curl is missing"
}

# start_aloft PORT DATA_DIR [--set K=V ...]: fresh data directory, waits until it answers.
start_aloft() {
    local port=$1 data=$2
    shift 2
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        die "port $port is already in use; set ALOFT_BENCH_PORT to a free port"
    fi
    rm -rf "$data"
    mkdir -p "$data"
    # Build first (if needed) so start-up time is not build time.
    "$ROOT/aloft" --version >/dev/null
    "$ROOT/aloft" up --port "$port" --data "$data" --no-examples "$@" >"$data.log" 2>&1 &
    ALOFT_PID=$!
    ALOFT_URL="http://127.0.0.1:$port"
    # Up to 2 minutes: the first start after a build also trains the server's AOT cache (~30 s).
    for _ in $(seq 1 1200); do
        if [[ -s $data/admin-token ]] && grep -q "Aloft is running" "$data.log"; then
            TOKEN="$(cat "$data/admin-token")"
            return 0
        fi
        kill -0 "$ALOFT_PID" 2>/dev/null || { cat "$data.log" >&2; die "aloft exited during start-up"; }
        sleep 0.1
    done
    die "aloft did not start within 2 minutes (log: $data.log)"
}

# api METHOD PATH [curl args...]: prints the body; fails on HTTP errors.
api() {
    local method=$1 path=$2
    shift 2
    curl -sS --max-time "${API_TIMEOUT:-60}" --fail-with-body -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$ALOFT_URL$path"
}

# make_zip DIR OUT.zip: the function code as a zip (the native API takes a base64 zip).
make_zip() {
    rm -f "$2"
    (cd "$1" && zip -q -r -X "$2" .)
}

# deploy_json NAME SPEC_JSON CODE_FILE: PUT /api/v1/functions/NAME with the spec plus the code.
# SPEC_JSON holds runtime, handler and any other settings, e.g. {"runtime":"nodejs20",...}.
deploy_json() {
    local name=$1 spec=$2 code=$3 body
    body="$(mktemp)"
    $PY - "$spec" "$code" >"$body" <<'PYEOF'
import base64, json, sys
spec = json.loads(sys.argv[1])
spec["zipBase64"] = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
print(json.dumps(spec))
PYEOF
    api PUT "/api/v1/functions/$name" -H 'Content-Type: application/json' --data-binary @"$body" >/dev/null
    rm -f "$body"
}

# stats: reads numbers (one a line) and prints "n median p90 min max" (nearest-rank percentiles).
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "0 nan nan nan nan"; exit }
        m = int((NR + 1) / 2); p = int(NR * 0.9 + 0.999999); if (p < 1) p = 1
        printf "%d %.1f %.1f %.1f %.1f\n", NR, v[m], v[p], v[1], v[NR] }'
}

# ratio A B [digits]: A/B
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.*f\n", d, a / b }'; }

# verdict OK_EXPR: "met" or "MISSED" from an awk boolean expression.
verdict() { awk "BEGIN { print (($1) ? \"met\" : \"MISSED\") }"; }

machine_note() {
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM," \
         "load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $(date -u +%Y-%m-%dT%H:%MZ)"
}
