#!/usr/bin/env bash
# Load-independent cost of one ticket in the tickets-process function (issue 15):
# system calls (strace -c -f) and CPU (perf stat task-clock, or /proc ticks without
# perf) of the function process over a fixed number of requests through nginx (curl, 8
# in parallel on kept connections, a new ticket id each).
#   tests/bench/ticket_cost.sh [BUILD_DIR] [REQUESTS] [isolated|full]   (port: CS_PORT, default 19310)
# isolated (the default): only nginx, auth-token and tickets-process run, so the figures
# do not depend on the rest of the stack. full: the whole `build.sh serve` stack of the
# tree BUILD_DIR belongs to (BUILD_DIR/../..), as `build.sh bench` runs it, scheduled
# loops included; it also counts, per other process, the SQLite write transactions
# (successful WAL write locks) and WAL writes made during a burst of REQUESTS tickets.
# Prints "calls_per_ticket cpu_us_per_ticket answered_200" and the strace table.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$(realpath "${1:-build/release}")
N=${2:-2000}
MODE=${3:-isolated}
PORT=${CS_PORT:-19310}
var=$(mktemp -d /tmp/cs-tcost.XXXXXX)
pids=()
others=()
serve_pid=""
cleanup() {
    local p
    if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -f "$var/nginx/nginx.pid" ]; then kill "$(cat "$var/nginx/nginx.pid")" 2>/dev/null || true; fi
    sleep 0.2
    rm -rf "$var"
}
trap cleanup EXIT
export CS_VAR=$var CS_DATA_DIR=$ROOT/data CS_STORE_URI=sqlite://$var/cs.db CS_LOG_LEVEL=warn
export CS_JWT_SECRET; CS_JWT_SECRET=$(head -c 32 /dev/urandom | base64)
export CS_RATE_LIMIT=10000000
start_isolated() {
    mkdir -p "$var/run" "$var/nginx/logs" "$var/nginx/tmp"
    "$BIN/tools/cs-admin" load-kb --system --file "$CS_DATA_DIR/kb/sample_kb.jsonl" >/dev/null
    local f
    # CS_TCOST_WRAP: a command the function runs under (e.g. valgrind --tool=callgrind).
    local w
    for f in tickets-process auth-token; do
        w=""; [ "$f" = tickets-process ] && w=${CS_TCOST_WRAP:-}
        $w "$BIN/bin/$f" --fcgi "$var/run/$f.sock" 2>>"$var/functions.log" &
        pids+=($!)
    done
    for f in tickets-process auth-token; do
        for _ in $(seq 600); do [ -S "$var/run/$f.sock" ] && break; sleep 0.05; done
    done
    local user=""; [ "$(id -u)" -eq 0 ] && user="user root root;"
    sed -e "s|@PORT@|$PORT|g" -e "s|@VAR@|$var|g" -e "s|@RUN@|$var/run|g" \
        -e "s|@USER@|$user|g" -e "s|@ROUTES@|$ROOT/infra/nginx/routes.conf|g" \
        -e "s|@FAMILIES@|$ROOT/infra/nginx/families.conf|g" -e "s|@STATIC@|$ROOT/infra|g" \
        -e "s|@UPSTREAMS@|$var/nginx/upstreams.conf|g" -e "s|@CONSOLE@|$ROOT/console|g" \
        infra/nginx/nginx.conf.in >"$var/nginx/nginx.conf"
    sed -e "s|@RUN@|$var/run|g" infra/nginx/upstreams.conf >"$var/nginx/upstreams.conf"
    cp /etc/nginx/fastcgi_params "$var/nginx/fastcgi_params"
    nginx -p "$var/nginx" -c "$var/nginx/nginx.conf" -e "$var/nginx/logs/error.log"
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
    fn=${pids[0]}
}

descendants() { # pid -> every process below it
    local c
    for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}

# The whole stack, started by the build tree's own `build.sh serve` (its routes, its
# loops); fn is the tickets-process process, others the rest of the functions.
start_full() {
    local tree; tree=$(realpath "$BIN/../..")
    (cd "$tree" && CS_BUILD=$BIN CS_PORT=$PORT ./build.sh serve) >"$var/serve.log" 2>&1 &
    serve_pid=$!
    for _ in $(seq 600); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/health/live" && break; sleep 0.1; done
    sleep 2 # the loops' first rounds
    local p exe
    others=()
    for p in $(descendants "$serve_pid"); do
        exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
        case $exe in "$BIN"/bin/tickets-process) fn=$p ;; "$BIN"/bin/*) others+=("$p") ;; esac
    done
    [ -n "${fn:-}" ] || { echo "ticket_cost: tickets-process not found" >&2; cat "$var/serve.log" >&2; exit 1; }
}

if [ "$MODE" = full ]; then start_full; else start_isolated; fi
key=$("$BIN/tools/cs-admin" create-key --tenant bench)
ak=$(echo "$key" | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
as=$(echo "$key" | sed -n 's/.*"api_secret": *"\([^"]*\)".*/\1/p')
tok=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"api_key\":\"$ak\",\"api_secret\":\"$as\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
url="http://127.0.0.1:$PORT/api/v1/tickets/process"
cfg() { # prefix n -> a curl config of n ticket requests
    local i
    for i in $(seq "$2"); do
        printf 'url = "%s"\ndata = "{\\"customer_email\\":\\"john.doe@example.com\\",\\"customer_name\\":\\"John Doe\\",\\"raw_message\\":\\"I was charged twice for my subscription this month. Please help!\\",\\"ticket_id\\":\\"TKT-%s-%d\\"}"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$url" "$1" "$i" "$tok"
        if [ "$i" -lt "$2" ]; then echo next; fi
    done
}
cfg W 200 >"$var/warm.curl"
cfg C "$N" >"$var/cpu.curl"
cfg S "$N" >"$var/sys.curl"
curl -s --parallel --parallel-max 8 -K "$var/warm.curl" >/dev/null 2>&1 # warm caches
# CPU: perf stat's task-clock and instructions of the function process (all threads).
# The other functions' CPU over the same requests (full: the loops' work per ticket).
# CS_TCOST_PERF=FILE also records a call-graph profile of that phase into FILE.
ticks() { local p t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
if [ -n "${CS_TCOST_PERF:-}" ]; then
    perf record -q -g -F 2000 -p "$fn" -o "$CS_TCOST_PERF" 2>/dev/null &
    rpid=$!
fi
perf stat -x, -e task-clock,instructions -p "$fn" -o "$var/perf.txt" &
ppid=$!
sleep 0.5
o0=$(ticks "${others[@]}")
ok_cpu=$(curl -s --parallel --parallel-max 8 -K "$var/cpu.curl" 2>/dev/null | grep -c '^200$' || true)
sleep 1 # the loops' relays of the last tickets
o1=$(ticks "${others[@]}")
kill -INT "$ppid"; wait "$ppid" 2>/dev/null || true
if [ -n "${rpid:-}" ]; then kill -INT "$rpid"; wait "$rpid" 2>/dev/null || true; fi
cpu_ms=$(awk -F, '/task-clock/{print $1}' "$var/perf.txt")
insns=$(awk -F, '/instructions/{print $1}' "$var/perf.txt")
strace -c -f -q -o "$var/strace.txt" -p "$fn" &
spid=$!
sleep 1
ok=$(curl -s --parallel --parallel-max 8 -K "$var/sys.curl" 2>/dev/null | grep -c '^200$' || true)
sleep 0.2
kill -INT "$spid"; wait "$spid" 2>/dev/null || true
if [ -n "${CS_TCOST_TRACE:-}" ]; then # a full trace of 200 more requests, kept
    cfg T 200 >"$var/trace.curl"
    strace -f -q -y -o "$CS_TCOST_TRACE" -p "$fn" &
    tpid=$!
    sleep 1
    curl -s --parallel --parallel-max 8 -K "$var/trace.curl" >/dev/null 2>&1
    sleep 0.2
    kill -INT "$tpid"; wait "$tpid" 2>/dev/null || true
fi
if [ -n "${CS_TCOST_WRK:-}" ]; then # wall clock too: wrk -c32 for that many seconds
    CS_BENCH_TOKEN=$tok wrk -t2 -c32 -d"${CS_TCOST_WRK}s" --latency -s tests/bench/post.lua "$url" |
        grep -E "Requests/sec|99%|non-200|Non-2xx" || true
fi
if [ "$MODE" = full ]; then # who writes the database during a burst of N more tickets
    cfg X "$N" >"$var/writers.curl"
    wpids=()
    for p in "$fn" "${others[@]}"; do
        strace -f -q -y -e trace=fcntl,pwrite64,pwritev,fdatasync,fsync -o "$var/w.$p" -p "$p" &
        wpids+=($!)
    done
    sleep 1
    okw=$(curl -s --parallel --parallel-max 8 -K "$var/writers.curl" 2>/dev/null | grep -c '^200$' || true)
    sleep 0.2
    for p in "${wpids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${wpids[@]}"; do wait "$p" 2>/dev/null || true; done
    echo "database writers over $okw tickets (per ticket): write transactions (WAL write locks taken), WAL pwrites, database pwrites (checkpoints), syncs, failed lock attempts"
    for p in "$fn" "${others[@]}"; do
        name=$(basename "$(readlink "/proc/$p/exe" 2>/dev/null || echo "$p")")
        awk -v name="$name" -v n="$okw" '
            /F_SETLK.*F_WRLCK.*l_start=120, l_len=1/ && /-shm>/ && / = 0$/ {tx++}
            /F_SETLK/ && /= -1 EAGAIN/ {busy++}
            /^[0-9]+ +pwrite/ && /-wal>/ {wal++}
            /^[0-9]+ +pwrite/ && /\.db>/ {db++}
            /^[0-9]+ +f(data)?sync/ {sync++}
            END {if (tx + wal + db + busy) printf "  %-22s %7.3f %7.3f %7.3f %7.3f %7.3f\n", name, tx/n, wal/n, db/n, sync/n, busy/n}' "$var/w.$p"
    done
fi
calls=$(awk '$NF=="total"{print $4}' "$var/strace.txt")
awk -v c="$calls" -v n="$ok" -v t="$cpu_ms" -v m="$ok_cpu" -v i="${insns:-0}" \
    'BEGIN{printf "syscalls/ticket %.2f  cpu_us/ticket %.0f  kinsns/ticket %.0f  answered 200: %d + %d\n", c/n, t*1000/m, (i ~ /^[0-9]+$/ ? i/m/1000 : 0), n, m}'
if [ "$MODE" = full ]; then
    awk -v t=$((o1 - o0)) -v hz="$(getconf CLK_TCK)" -v m="$ok_cpu" \
        'BEGIN{printf "other functions CPU/ticket %.0f us (from /proc ticks)\n", t / hz / m * 1e6}'
fi
sort -k4 -n -r "$var/strace.txt" | awk 'NF>=5 && $NF!="total" && $NF!="syscall"' | head -14
