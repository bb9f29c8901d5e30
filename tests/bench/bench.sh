# Sourced by build.sh: `build.sh bench` measures, in one run on this machine,
#  - throughput and latency of POST /api/v1/tickets/process through nginx (wrk, 32
#    connections) beside nginx answering a fixed body from the same config (ceiling);
#  - cold start of a function (exec to first answered request, via local invoke) beside
#    exec of /bin/true;
#  - resident memory of every function process after the load.
# Figures are printed as ratios to the baselines measured in the same run.

bench_wrk() { # url, extra args... -> prints "rps p50_ms p99_ms"
    local out; out=$(wrk -t2 -c32 -d"${CS_BENCH_SECONDS:-10}"s --latency "$@" 2>&1)
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    if echo "$out" | grep -q "Non-2xx"; then echo "bench: non-2xx answers: $(echo "$out" | grep Non-2xx)" >&2; fi
    echo "$rps $(bench_ms "$p50") $(bench_ms "$p99")"
}

bench_ms() { # wrk latency ("812.00us", "1.20ms", "2.00s") -> ms
    echo "$1" | awk '/us$/{sub("us","");print $1/1000;next} /ms$/{sub("ms","");print $1;next} /s$/{sub("s","");print $1*1000}'
}

bench_median_ms() { # runs a command N times, prints the median wall time in ms
    local n=$1; shift
    local i t0 t1 times=()
    for i in $(seq "$n"); do
        t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{printf "%.3f\n", a[int((NR+1)/2)]/1000}'
}

bench_cpu_ticks() { # pids... -> summed user+system clock ticks
    local p t=0
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}

# Memory of one process from smaps_rollup: "rss pss private" in kB. RSS counts shared
# pages (libraries, the mmapped model files, the SQLite mapping) in full in every
# process; PSS shares them out; private is what this process alone costs.
bench_mem() {
    awk '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Private_Clean:|^Private_Dirty:/{v+=$2} END{print r, p, v}' \
        "/proc/$1/smaps_rollup"
}

cmd_bench() {
    cmd_build
    local port=${CS_PORT:-18090} var; var=$(mktemp -d /tmp/cs-bench.XXXXXX)
    local secret; secret=$(head -c 32 /dev/urandom | base64)
    ( CS_BUILD=$REL CS_PORT=$port CS_VAR=$var CS_JWT_SECRET=$secret CS_RATE_LIMIT=10000000 \
          CS_LOG_LEVEL=warn cmd_serve ) >"$var/serve.log" 2>&1 &
    local serve_pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break; sleep 0.1; done
    local key; key=$(CS_VAR=$var CS_STORE_URI=sqlite://$var/cs.db $REL/tools/cs-admin create-key --tenant bench)
    local api_key api_secret
    api_key=$(echo "$key" | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
    api_secret=$(echo "$key" | sed -n 's/.*"api_secret": *"\([^"]*\)".*/\1/p')
    export CS_BENCH_TOKEN
    CS_BENCH_TOKEN=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
        -H 'Content-Type: application/json' \
        -d "{\"api_key\":\"$api_key\",\"api_secret\":\"$api_secret\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    log "ceiling: nginx fixed body"
    read -r c_rps c_p50 c_p99 <<<"$(bench_wrk "http://127.0.0.1:$port/__ceiling")"
    log "POST /api/v1/tickets/process"
    local fn_pids ng_pids; fn_pids=$(pgrep -f "$var/run/tickets-process" | tr '\n' ' ')
    ng_pids="$(cat "$var/nginx/nginx.pid") $(pgrep -P "$(cat "$var/nginx/nginx.pid")" | tr '\n' ' ')"
    local f0 n0 f1 n1
    f0=$(bench_cpu_ticks $fn_pids); n0=$(bench_cpu_ticks $ng_pids)
    read -r t_rps t_p50 t_p99 <<<"$(bench_wrk -s tests/bench/post.lua "http://127.0.0.1:$port/api/v1/tickets/process")"
    f1=$(bench_cpu_ticks $fn_pids); n1=$(bench_cpu_ticks $ng_pids)
    local hz; hz=$(getconf CLK_TCK)
    local nreq; nreq=$(awk -v r="$t_rps" -v s="${CS_BENCH_SECONDS:-10}" 'BEGIN{printf "%d", r*s}')
    local mem_rows p
    mem_rows=$(for p in $(pgrep -f "$var/run/"); do
        echo "$(tr '\0' ' ' <"/proc/$p/cmdline" | awk '{print $1}' | xargs basename) $(bench_mem "$p")"
    done | sort -k2 -n)
    kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true

    log "cold start (exec to first answer, local invoke)"
    local ev="$var/ev.json"
    sed "s|REPLACE_WITH_TOKEN|$CS_BENCH_TOKEN|" events/tickets-process.json > "$ev"
    local cold base
    cold=$(CS_VAR=$var CS_JWT_SECRET=$secret CS_DATA_DIR=$ROOT/data CS_LOG_LEVEL=warn \
        bench_median_ms 21 "$REL/bin/tickets-process" --invoke "$ev")
    base=$(bench_median_ms 21 /bin/true)
    log "escalation cues and six-level sentiment per message (CPU time)"
    local cues_out=""
    # shellcheck disable=SC2046
    ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Ishared/include -Ishared/src tests/bench/cues_bench.c \
        $REL/lib/libcs.a $(pkg-config --libs json-c libsodium libcurl sqlite3) -lpthread -lm \
        -o "$var/cues_bench" && cues_out=$("$var/cues_bench" data/models)
    rm -rf "$var"
    echo
    printf '%-44s %12s %12s %10s\n' "" "req/s" "p50 ms" "p99 ms"
    printf '%-44s %12.0f %12.3f %10.3f\n' "nginx fixed body (ceiling)" "$c_rps" "$c_p50" "$c_p99"
    printf '%-44s %12.0f %12.3f %10.3f\n' "POST /api/v1/tickets/process" "$t_rps" "$t_p50" "$t_p99"
    awk -v a="$t_rps" -v b="$c_rps" 'BEGIN{printf "throughput ratio to ceiling: %.3f\n", a/b}'
    awk -v a="$t_p99" -v b="$c_p99" 'BEGIN{printf "p99 ratio to ceiling:        %.2f\n", a/b}'
    printf 'cold start tickets-process: %s ms (exec of /bin/true: %s ms; ratio %s)\n' "$cold" "$base" \
        "$(awk -v a="$cold" -v b="$base" 'BEGIN{printf "%.1f", a/b}')"
    awk -v f=$((f1 - f0)) -v g=$((n1 - n0)) -v n="$nreq" -v hz="$hz" 'BEGIN{
        printf "CPU per request: function %.0f us, nginx %.0f us (2 cores => at most %.0f req/s)\n",
               f / hz / n * 1e6, g / hz / n * 1e6, 2 / ((f + g) / hz / n)}'
    [ -n "$cues_out" ] && echo "$cues_out"
    echo "memory per function process after the load (kB): name rss pss private"
    echo "$mem_rows" | awk '{printf "  %-22s %8d %8d %8d\n", $1, $2, $3, $4}'
    echo "$mem_rows" | awk '$2>m{m=$2;n=$1} END{printf "largest function RSS after load: %s kB (%s)\n", m, n}' 
    echo "targets (2 cores): >= 20000 req/s, p99 < 5 ms, cold start < 15 ms, RSS < 10 MB"
    echo "note: other load on the machine during the run lowers req/s and raises latency;"
    echo "      CPU per request and memory are the figures least affected by it."
}
