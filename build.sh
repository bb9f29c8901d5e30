#!/usr/bin/env bash
# One entry point: deps | build | test | serve | invoke | package | bench | gen | admin
#                  | train | eval | predict | models
set -euo pipefail
CALLER=$PWD # where the user called from: their relative paths mean paths from here
cd "$(dirname "$0")"
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)
DEBS=(build-essential pkg-config clang clang-format libclang-rt-14-dev libjson-c-dev
      libcurl4-openssl-dev libmongoc-dev libsodium-dev libsqlite3-dev libexttextcat-dev libcsv-dev nginx-light
      wrk zip unzip curl python3-jsonschema nettle-dev python3-websockets libjs-chart.js chromium
      chromium-driver python3-selenium)
REL=build/release
ASAN=build/asan
FUZZ=build/fuzz
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

log() { printf '== %s\n' "$*" >&2; }

# A path the user typed, as they meant it: relative to the folder build.sh was called
# from, not the repository root it works in.
from_caller() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$CALLER/$1" ;; esac; }

# The first port from $1 up that nothing on 127.0.0.1 listens on, so concurrent test
# and bench runs do not collide (a port they ask for by CS_TEST_PORT / CS_PORT wins).
free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# The state folder: CS_VAR (from the caller's folder), else var/ in the repository.
var_dir() { realpath -m "$( [ -n "${CS_VAR:-}" ] && from_caller "$CS_VAR" || echo "$ROOT/var")"; }

cmd_deps() {
    local missing=()
    for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cmd_build() {
    cmd_deps
    make -s -j"$JOBS" BUILD=$REL all
}

build_asan() {
    make -s -j"$JOBS" BUILD=$ASAN OPT=-O1 SAN="$SAN_FLAGS" all tests
}

build_fuzz() {
    make -s -j"$JOBS" BUILD=$FUZZ CC=clang OPT=-O1 \
        SAN="-fsanitize=address,undefined,fuzzer-no-link" fuzz
}

# Every built function's declaration, one JSON line each, in name order.
routes_of() {
    local bin=$1
    for f in $(LC_ALL=C ls "$bin"); do "$bin/$f" --routes; done
}

cmd_gen() {
    local out=${1:-.}
    routes_of $REL/bin > "$out/.routes.jsonl.tmp"
    $REL/tools/cs-gen nginx < "$out/.routes.jsonl.tmp" > "$out/infra/nginx/routes.conf"
    $REL/tools/cs-gen families < "$out/.routes.jsonl.tmp" > "$out/infra/nginx/families.conf"
    $REL/tools/cs-gen nginx-upstreams < "$out/.routes.jsonl.tmp" > "$out/infra/nginx/upstreams.conf"
    $REL/tools/cs-gen sam < "$out/.routes.jsonl.tmp" > "$out/template.yaml"
    mkdir -p "$out/infra/openapi"
    $REL/tools/cs-gen openapi . < "$out/.routes.jsonl.tmp" > "$out/infra/openapi/openapi.json"
    # The README's role table, between its <!-- roles --> markers.
    $REL/tools/cs-gen roles < "$out/.routes.jsonl.tmp" > "$out/.roles.md.tmp"
    awk -v t="$out/.roles.md.tmp" '/<!-- roles:end -->/ {skip=0}
        !skip {print} /<!-- roles:begin -->/ {while ((getline l < t) > 0) print l; skip=1}' \
        README.md > "$out/README.md.tmp" && mv "$out/README.md.tmp" "$out/README.md"
    rm -f "$out/.routes.jsonl.tmp" "$out/.roles.md.tmp"
}

# ---- serve: nginx in front of every function as a FastCGI process ----

serve_stop() {
    trap - INT TERM EXIT HUP
    [ -f "$var/nginx/nginx.pid" ] && kill -QUIT "$(cat "$var/nginx/nginx.pid")" 2>/dev/null || true
    local p
    for p in "${!PID_FN[@]}" ${NGINX_PID:-}; do kill "$p" 2>/dev/null || true; done
    for p in "${!PID_FN[@]}" ${NGINX_PID:-}; do wait "$p" 2>/dev/null || true; done
    # The log writer goes last, once every writer is gone and the fifo is drained.
    exec 9>&- 2>/dev/null || true
    if [ -n "${LOGD_PID:-}" ]; then
        for _ in $(seq 40); do kill -0 "$LOGD_PID" 2>/dev/null || break; sleep 0.05; done
        kill -TERM "$LOGD_PID" 2>/dev/null || true
        wait "$LOGD_PID" 2>/dev/null || true
    fi
    rm -f "$var"/run/*.sock "$var/run/log.fifo"
}

# One JSON line in functions.log, in the functions' own log format.
serve_log() { # level msg function exit_code signal restart_in_ms
    printf '{"ts":"%s","level":"%s","fn":"serve","msg":"%s","function":"%s","exit_code":%s,"signal":"%s","restart_in_ms":%s}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" "$2" "$3" "$4" "$5" "$6" >&9 || true
}

# Starts function $1; a scheduled one (webhook-dispatch) has no socket: it loops.
serve_start_fn() {
    local f=$1
    if [[ "$SERVE_LOOPS" == *" $f "* ]]; then
        "$SERVE_BIN/$f" --loop 2>"$var/run/log.fifo" &
    elif [[ "$SERVE_WS" == *" $f "* ]]; then
        # The WebSocket API's routes: behind the local gateway (runtime/ws.c), not FastCGI.
        rm -f "$var/run/$f.sock"
        "$SERVE_BIN/$f" --websocket "$var/run/$f.sock" 2>"$var/run/log.fifo" &
    else
        rm -f "$var/run/$f.sock"
        "$SERVE_BIN/$f" --fcgi "$var/run/$f.sock" 2>"$var/run/log.fifo" &
    fi
    PID_FN[$!]=$f
    FN_SINCE[$f]=$SECONDS
}

serve_start_logd() {
    "$REL/tools/cs-logd" "$var/functions.log" < "$var/run/log.fifo" &
    LOGD_PID=$!
}

# Restarts whatever dies, with a backoff per function (100 ms doubling to 10 s; reset
# after 30 s of life); while one is down nginx answers its routes 503 in the family's
# format (nginx.conf.in). nginx itself dying stops everything.
serve_supervise() {
    local dead rc f sig delay
    while :; do
        dead=""; rc=0
        wait -n -p dead "${!PID_FN[@]}" "$NGINX_PID" "$LOGD_PID" || rc=$?
        [ -n "$dead" ] || continue
        if [ "$dead" = "$NGINX_PID" ]; then log "nginx exited ($rc); stopping"; exit 1; fi
        if [ "$dead" = "$LOGD_PID" ]; then serve_start_logd; continue; fi
        f=${PID_FN[$dead]}; unset "PID_FN[$dead]"
        [ $((SECONDS - FN_SINCE[$f])) -ge 30 ] && FN_FAILS[$f]=0
        delay=$((100 << ${FN_FAILS[$f]:-0})); [ $delay -gt 10000 ] && delay=10000
        FN_FAILS[$f]=$(( ${FN_FAILS[$f]:-0} + 1 ))
        sig=""; [ $rc -gt 128 ] && sig=$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))
        serve_log error "function exited; restarting" "$f" "$rc" "$sig" "$delay"
        log "function $f exited (status $rc${sig:+, SIG$sig}); restarting in ${delay} ms"
        sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))" & wait $! || true
        serve_start_fn "$f"
    done
}

cmd_serve() {
    local bindir=${CS_BUILD:-$REL}
    [ -n "${CS_BUILD:-}" ] || cmd_build
    umask 077 # cs.db, its WAL, functions.log and the sockets' folder: owner-only
    var=$(var_dir)  # global: the EXIT trap reads it
    local port=${CS_PORT:-8080}
    mkdir -p "$var/run" "$var/nginx/logs" "$var/nginx/tmp"
    # nginx runs as this same user (`user root root` when serve runs as root), so a
    # folder only the owner can enter keeps every other local user off the sockets.
    chmod 700 "$var" "$var/run"
    [ -f "$var/functions.log" ] && chmod 600 "$var/functions.log"
    if [ -z "${CS_JWT_SECRET:-}" ]; then
        [ -s "$var/jwt.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$var/jwt.key")
        CS_JWT_SECRET=$(cat "$var/jwt.key")
    fi
    export CS_JWT_SECRET CS_VAR="$var" CS_DATA_DIR="${CS_DATA_DIR:-$ROOT/data}"
    export CS_STORE_URI="${CS_STORE_URI:-sqlite://$var/cs.db}"
    "$REL/tools/cs-admin" load-kb --system --file "$CS_DATA_DIR/kb/sample_kb.jsonl" >/dev/null

    declare -gA PID_FN=() FN_SINCE=() FN_FAILS=()
    NGINX_PID="" LOGD_PID=""
    SERVE_BIN="$bindir/bin" SERVE_LOOPS=" " SERVE_WS=" "
    trap 'serve_stop; exit 0' INT TERM
    trap serve_stop EXIT
    trap '[ -n "$LOGD_PID" ] && kill -HUP "$LOGD_PID"' HUP
    rm -f "$var"/run/*.sock "$var/run/log.fifo"
    # Every function writes its log lines into one fifo read by cs-logd, which appends
    # them to functions.log and rotates it (size, SIGHUP). serve keeps the fifo open
    # itself so that a restarting cs-logd never makes a writer fail.
    mkfifo -m 600 "$var/run/log.fifo"
    exec 9<>"$var/run/log.fifo"
    serve_start_logd
    for f in $(LC_ALL=C ls "$bindir/bin"); do
        "$bindir/bin/$f" --routes | grep -q '"method":"WS"' || continue
        SERVE_WS+="$f "
        export CS_WS_SOCKET="$var/run/$f.sock" # where the broadcaster posts (@connections)
    done
    for f in $(LC_ALL=C ls "$bindir/bin"); do
        "$bindir/bin/$f" --routes | grep -q '"schedule"' && SERVE_LOOPS+="$f "
        serve_start_fn "$f"
    done
    for f in $(LC_ALL=C ls "$bindir/bin"); do
        [[ "$SERVE_LOOPS" == *" $f "* ]] && continue
        for _ in $(seq 100); do [ -S "$var/run/$f.sock" ] && break; sleep 0.05; done
        [ -S "$var/run/$f.sock" ] || { log "function $f did not start (see $var/functions.log)"; exit 1; }
    done
    local user=""
    [ "$(id -u)" -eq 0 ] && user="user root root;"
    sed -e "s|@PORT@|$port|g" -e "s|@VAR@|$var|g" -e "s|@RUN@|$var/run|g" \
        -e "s|@USER@|$user|g" -e "s|@ROUTES@|$ROOT/infra/nginx/routes.conf|g" \
        -e "s|@FAMILIES@|$ROOT/infra/nginx/families.conf|g" -e "s|@STATIC@|$ROOT/infra|g" \
        -e "s|@UPSTREAMS@|$var/nginx/upstreams.conf|g" -e "s|@CONSOLE@|$ROOT/console|g" \
        infra/nginx/nginx.conf.in > "$var/nginx/nginx.conf"
    sed -e "s|@RUN@|$var/run|g" infra/nginx/upstreams.conf > "$var/nginx/upstreams.conf"
    cp /etc/nginx/fastcgi_params "$var/nginx/fastcgi_params"
    nginx -p "$var/nginx" -c "$var/nginx/nginx.conf" -e "$var/nginx/logs/error.log" -g 'daemon off;' &
    NGINX_PID=$!
    log "serving on http://127.0.0.1:$port (state in $var; Ctrl-C stops; SIGHUP to cs-logd rotates functions.log)"
    serve_supervise
}

cmd_invoke() {
    [ $# -eq 2 ] || { echo "usage: build.sh invoke FUNCTION EVENT.json" >&2; exit 2; }
    cmd_build
    local var event; var=$(var_dir); event=$(from_caller "$2")
    mkdir -p "$var"
    [ -s "$var/jwt.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$var/jwt.key")
    CS_JWT_SECRET=${CS_JWT_SECRET:-$(cat "$var/jwt.key")} CS_VAR="$var" \
        CS_DATA_DIR="${CS_DATA_DIR:-$ROOT/data}" "$REL/bin/$1" --invoke "$event"
}

cmd_admin() {
    [ -x "$REL/tools/cs-admin" ] || cmd_build
    local var; var=$(var_dir)
    mkdir -p "$var"
    # --file and --dir name the caller's files.
    local args=() prev=""
    for a in "$@"; do
        case $prev in --file|--dir) a=$(from_caller "$a") ;; esac
        args+=("$a"); prev=$a
    done
    set -- "${args[@]}"
    # The key serve uses: reporting tokens are hashed under it.
    [ -n "${CS_JWT_SECRET:-}" ] || [ -s "$var/jwt.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$var/jwt.key")
    CS_JWT_SECRET=${CS_JWT_SECRET:-$(cat "$var/jwt.key")} \
    CS_VAR="$var" CS_STORE_URI="${CS_STORE_URI:-sqlite://$var/cs.db}" "$REL/tools/cs-admin" "$@"
}

source "$ROOT/tests/run.sh"
source "$ROOT/infra/package.sh"
source "$ROOT/tests/bench/bench.sh"
[ -f "$ROOT/tools/models.sh" ] && source "$ROOT/tools/models.sh"

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    deps) cmd_deps ;;
    build) cmd_build ;;
    test) cmd_test "$@" ;;
    serve) cmd_serve ;;
    invoke) cmd_invoke "$@" ;;
    package) cmd_package ;;
    bench) cmd_bench "$@" ;;
    gen) cmd_build; cmd_gen . ;;
    admin) cmd_admin "$@" ;;
    train|eval|predict|models) "cmd_$cmd" "$@" ;;
    *) sed -n '2,3p' "$0" | sed 's/^# //'; exit 2 ;;
esac
