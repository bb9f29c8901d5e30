#!/usr/bin/env bash
# One entry point: deps | build | test | serve | invoke | package | bench | gen | admin
#                  | train | eval | predict | models
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)
DEBS=(build-essential pkg-config clang libclang-rt-14-dev libfcgi-dev libjson-c-dev
      libcurl4-openssl-dev libmongoc-dev libsodium-dev libsqlite3-dev libexttextcat-dev nginx-light wrk zip curl)
REL=build/release
ASAN=build/asan
FUZZ=build/fuzz
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

log() { printf '== %s\n' "$*" >&2; }

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
    $REL/tools/cs-gen sam < "$out/.routes.jsonl.tmp" > "$out/template.yaml"
    rm -f "$out/.routes.jsonl.tmp"
}

# ---- serve: nginx in front of every function as a FastCGI process ----

serve_stop() {
    trap - INT TERM EXIT
    [ -f "$var/nginx/nginx.pid" ] && kill -QUIT "$(cat "$var/nginx/nginx.pid")" 2>/dev/null || true
    local p
    for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -f "$var"/run/*.sock
}

cmd_serve() {
    local bindir=${CS_BUILD:-$REL}
    [ -n "${CS_BUILD:-}" ] || cmd_build
    var=$(realpath -m "${CS_VAR:-$ROOT/var}")  # global: the EXIT trap reads it
    local port=${CS_PORT:-8080}
    mkdir -p "$var/run" "$var/nginx/logs" "$var/nginx/tmp"
    chmod 755 "$var" "$var/run"
    if [ -z "${CS_JWT_SECRET:-}" ]; then
        [ -s "$var/jwt.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$var/jwt.key")
        CS_JWT_SECRET=$(cat "$var/jwt.key")
    fi
    export CS_JWT_SECRET CS_VAR="$var" CS_DATA_DIR="${CS_DATA_DIR:-$ROOT/data}"
    export CS_STORE_URI="${CS_STORE_URI:-sqlite://$var/cs.db}"
    "$REL/tools/cs-admin" load-kb --system --file "$CS_DATA_DIR/kb/sample_kb.jsonl" >/dev/null

    SERVE_PIDS=()
    trap serve_stop INT TERM EXIT
    rm -f "$var"/run/*.sock
    local loops=" "
    for f in $(LC_ALL=C ls "$bindir/bin"); do
        # Scheduled functions (webhook-dispatch) have no socket: they loop until SIGTERM.
        if "$bindir/bin/$f" --routes | grep -q '"schedule"'; then
            "$bindir/bin/$f" --loop 2>>"$var/functions.log" &
            loops+="$f "
        else
            "$bindir/bin/$f" --fcgi "$var/run/$f.sock" 2>>"$var/functions.log" &
        fi
        SERVE_PIDS+=($!)
    done
    for f in $(LC_ALL=C ls "$bindir/bin"); do
        [[ "$loops" == *" $f "* ]] && continue
        for _ in $(seq 100); do [ -S "$var/run/$f.sock" ] && break; sleep 0.05; done
        [ -S "$var/run/$f.sock" ] || { log "function $f did not start (see $var/functions.log)"; exit 1; }
    done
    local user=""
    [ "$(id -u)" -eq 0 ] && user="user root root;"
    sed -e "s|@PORT@|$port|g" -e "s|@VAR@|$var|g" -e "s|@RUN@|$var/run|g" \
        -e "s|@USER@|$user|g" -e "s|@ROUTES@|$ROOT/infra/nginx/routes.conf|g" \
        infra/nginx/nginx.conf.in > "$var/nginx/nginx.conf"
    cp /etc/nginx/fastcgi_params "$var/nginx/fastcgi_params"
    nginx -p "$var/nginx" -c "$var/nginx/nginx.conf" -e "$var/nginx/logs/error.log" -g 'daemon off;' &
    SERVE_PIDS+=($!)
    log "serving on http://127.0.0.1:$port (state in $var; Ctrl-C stops)"
    wait -n "${SERVE_PIDS[@]}" || true
    log "a process exited; stopping"
}

cmd_invoke() {
    [ $# -eq 2 ] || { echo "usage: build.sh invoke FUNCTION EVENT.json" >&2; exit 2; }
    cmd_build
    local var; var=$(realpath -m "${CS_VAR:-$ROOT/var}")
    mkdir -p "$var"
    [ -s "$var/jwt.key" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$var/jwt.key")
    CS_JWT_SECRET=${CS_JWT_SECRET:-$(cat "$var/jwt.key")} CS_VAR="$var" \
        CS_DATA_DIR="${CS_DATA_DIR:-$ROOT/data}" "$REL/bin/$1" --invoke "$2"
}

cmd_admin() {
    [ -x "$REL/tools/cs-admin" ] || cmd_build
    local var; var=$(realpath -m "${CS_VAR:-$ROOT/var}")
    mkdir -p "$var"
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
    bench) cmd_bench ;;
    gen) cmd_build; cmd_gen . ;;
    admin) cmd_admin "$@" ;;
    train|eval|predict|models) "cmd_$cmd" "$@" ;;
    *) sed -n '2,3p' "$0" | sed 's/^# //'; exit 2 ;;
esac
