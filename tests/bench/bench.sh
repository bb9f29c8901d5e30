# Sourced by build.sh: `build.sh bench` measures, in one run on this machine,
#  - throughput and latency through nginx (wrk, 32 connections) of POST
#    /api/v1/tickets/process, GET /health/live, one read (GET /api/v1/cs/sessions/{id})
#    and one session message, beside nginx answering a fixed body from the same config
#    (ceiling) and beside the FastAPI peer (tests/bench/peer/app.py, uvicorn, one worker)
#    answering the ticket request;
#  - system calls per ticket in the function (strace -c -f over a fixed number of
#    requests) and CPU per ticket (function and nginx, from /proc);
#  - cold start of a function (exec to first answered request, via local invoke) beside
#    exec of /bin/true, and warm Lambda invokes (billed duration) against the tests'
#    fake Runtime API (tests/bench/lambda_bench.c);
#  - resident memory of every function process after the load;
#  - the whole triage of a ticket in CPU time over the 2,115 training tickets, steady
#    under load (tests/bench/triage_bench.c; issue #14's budget is 150 us);
#  - the reporting family on SQLite (`build.sh bench reporting` runs only that part);
#  - ticket metrics, analytics overview and summary from rollups against a scan
#    (`build.sh bench insights` runs only that part).
# Figures are printed as ratios to the baselines measured in the same run.

BENCH_DEBS=(python3-fastapi python3-uvicorn strace)

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

# Reporting (seed 002) on SQLite, in process: import rate, a filtered list page and the
# segment aggregation over CS_BENCH_RP_CALLS generated calls (default 1,000,000; the
# database is kept in build/bench-reporting.db and reused, generation takes minutes).
bench_reporting() {
    make -s -j"$JOBS" BUILD=$REL "$REL/bench/reporting_bench"
    log "reporting: ${CS_BENCH_RP_CALLS:-1000000} calls in SQLite (CPU time, in process)"
    "$REL/bench/reporting_bench" "$ROOT/build/bench-reporting.db" "${CS_BENCH_RP_CALLS:-1000000}"
}

# Insights and ticket metrics on SQLite, in process: each endpoint's store work from the
# rollups and by scanning the tickets, with their ratio (CS_BENCH_TICKETS, default
# 100,000 per collection; the database is kept in build/bench-insights.db and reused).
bench_insights() {
    make -s -j"$JOBS" BUILD=$REL "$REL/bench/insights_bench"
    log "insights: ${CS_BENCH_TICKETS:-100000} tickets in SQLite (wall time, in process)"
    "$REL/bench/insights_bench" "$ROOT/build/bench-insights.db" "${CS_BENCH_TICKETS:-100000}"
}

bench_deps() {
    local missing=() p
    for p in "${BENCH_DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} (bench only)"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# System calls of the function processes `pids` over a fixed number of ticket requests
# (curl, 8 in parallel on kept connections, each a new ticket id); prints "calls
# requests-answered-200".
bench_syscalls() {
    local url=$1 n=$2 out=$3; shift 3
    local cfg="$out.curl" i
    for i in $(seq "$n"); do
        printf 'url = "%s"\ndata = "{\\"customer_email\\":\\"john.doe@example.com\\",\\"customer_name\\":\\"John Doe\\",\\"raw_message\\":\\"I was charged twice for my subscription this month. Please help!\\",\\"ticket_id\\":\\"TKT-S-%d\\"}"\nheader = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$url" "$i" "$CS_BENCH_TOKEN"
        [ "$i" -lt "$n" ] && echo next
    done > "$cfg"
    strace -c -f -q -o "$out" $(printf -- '-p %s ' "$@") &
    local spid=$!
    sleep 1 # attached
    local ok; ok=$(curl -s --parallel --parallel-max 8 -K "$cfg" 2>/dev/null | grep -c '^200$')
    sleep 0.2
    kill -INT "$spid"; wait "$spid" 2>/dev/null || true
    echo "$(awk '$NF=="total"{print $4}' "$out") $ok"
}

bench_session() { # port -> prints a new session id, one line
    local id; id=$(curl -fs -X POST "http://127.0.0.1:$1/api/v1/cs/sessions" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $CS_BENCH_TOKEN" \
        -d '{"companyId":"bench","customerId":"c-bench","channel":"chat"}' |
        sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
    echo "$id"
}

bench_row() { # label rps p50 p99 ratio-label ratio
    printf '%-44s %10.0f %9.3f %9.3f   %s\n' "$1" "$2" "$3" "$4" "$5"
}

# A progress line per step of the bench (issue 19): "[k/N] step, elapsed, ETA" on a
# terminal, where the ETA assumes the steps left take as long as those done; the plain
# step name when stderr is not a terminal (logs, CI).
# The steps are the bench_step calls of cmd_bench below, counted rather than kept by hand.
BENCH_STEPS=$(grep -c '^    bench_step "' "${BASH_SOURCE[0]}")
bench_step() {
    BENCH_STEP=$((BENCH_STEP + 1))
    if [ -t 2 ]; then
        local el=$(( $(date +%s) - BENCH_T0 )) eta="?"
        [ "$BENCH_STEP" -gt 1 ] && eta=$(( el * (BENCH_STEPS - BENCH_STEP + 1) / (BENCH_STEP - 1) ))
        [ "$eta" = "?" ] || eta=$(printf '%d:%02d' $((eta / 60)) $((eta % 60)))
        printf '== [%d/%d] %s  (elapsed %d:%02d, ETA %s)\n' "$BENCH_STEP" "$BENCH_STEPS" "$*" \
            $((el / 60)) $((el % 60)) "$eta" >&2
    else
        log "$*"
    fi
}

# Tenant model lifecycle (issue 18): training time on 10,000 sentiment rows and what
# loading a tenant model adds to a first request (`build.sh bench lifecycle` runs only
# that part).
bench_lifecycle() {
    make -s -j"$JOBS" BUILD=$REL "$REL/bench/lifecycle_bench"
    log "model lifecycle (in process)"
    "$REL/bench/lifecycle_bench" "$ROOT/data"
}

cmd_bench() {
    cmd_build
    if [ "${1:-}" = reporting ]; then bench_reporting; return; fi
    if [ "${1:-}" = insights ]; then bench_insights; return; fi
    if [ "${1:-}" = lifecycle ]; then bench_lifecycle; return; fi
    bench_deps
    BENCH_STEP=0 BENCH_T0=$(date +%s)
    make -s -j"$JOBS" BUILD=$REL "$REL/tests/bench/lambda_bench"
    local port=${CS_PORT:-$(free_port 18090)} var; var=$(mktemp -d /tmp/cs-bench.XXXXXX)
    local secret; secret=$(head -c 32 /dev/urandom | base64)
    ( CS_BUILD=$REL CS_PORT=$port CS_VAR=$var CS_JWT_SECRET=$secret CS_RATE_LIMIT=10000000 \
          CS_LOG_LEVEL=warn cmd_serve ) >"$var/serve.log" 2>&1 &
    local serve_pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break; sleep 0.1; done
    local key; key=$(CS_VAR=$var CS_STORE_URI=sqlite://$var/cs.db $REL/tools/cs-admin create-key --tenant bench)
    local api_key api_secret
    api_key=$(echo "$key" | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
    api_secret=$(echo "$key" | sed -n 's/.*"api_secret": *"\([^"]*\)".*/\1/p')
    export CS_BENCH_TOKEN CS_BENCH_SESSIONS
    CS_BENCH_TOKEN=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
        -H 'Content-Type: application/json' \
        -d "{\"api_key\":\"$api_key\",\"api_secret\":\"$api_secret\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    # The sessions endpoints take their rate limits from the company's config (seed 003);
    # 10000 a minute is the most it accepts, enough for the 3-second message run.
    curl -fs -o /dev/null -X PUT "http://127.0.0.1:$port/api/v1/cs/config" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $CS_BENCH_TOKEN" -d '{"companyId":"bench","rateLimits":{"createSession":10000,
        "sendMessage":10000,"listSessions":10000,"analytics":10000}}' || log "bench: cs config not set"
    CS_BENCH_SESSIONS=$(for _ in $(seq 64); do bench_session "$port"; done | tr '\n' ' ')
    local base="http://127.0.0.1:$port" one_session=${CS_BENCH_SESSIONS%% *}
    bench_step "ceiling: nginx fixed body"
    read -r c_rps c_p50 c_p99 <<<"$(bench_wrk "$base/__ceiling")"
    bench_step "GET /health/live"
    read -r h_rps h_p50 h_p99 <<<"$(bench_wrk "$base/health/live")"
    bench_step "POST /api/v1/tickets/process"
    local fn_pids ng_pids; fn_pids=$(pgrep -f "$var/run/tickets-process" | tr '\n' ' ')
    ng_pids="$(cat "$var/nginx/nginx.pid") $(pgrep -P "$(cat "$var/nginx/nginx.pid")" | tr '\n' ' ')"
    local f0 n0 f1 n1
    f0=$(bench_cpu_ticks $fn_pids); n0=$(bench_cpu_ticks $ng_pids)
    read -r t_rps t_p50 t_p99 <<<"$(bench_wrk -s tests/bench/post.lua "$base/api/v1/tickets/process")"
    f1=$(bench_cpu_ticks $fn_pids); n1=$(bench_cpu_ticks $ng_pids)
    local hz; hz=$(getconf CLK_TCK)
    local nreq; nreq=$(awk -v r="$t_rps" -v s="${CS_BENCH_SECONDS:-10}" 'BEGIN{printf "%d", r*s}')
    bench_step "GET /api/v1/cs/sessions/{id} (read)"
    read -r r_rps r_p50 r_p99 <<<"$(bench_wrk -H "Authorization: Bearer $CS_BENCH_TOKEN" "$base/api/v1/cs/sessions/$one_session")"
    bench_step "POST /api/v1/cs/sessions/{id}/messages"
    read -r m_rps m_p50 m_p99 <<<"$(CS_BENCH_SECONDS=${CS_BENCH_MSG_SECONDS:-3} bench_wrk -s tests/bench/message.lua "$base/")"
    bench_step "system calls per ticket (strace over a fixed number of requests)"
    local sys_calls sys_reqs
    read -r sys_calls sys_reqs <<<"$(bench_syscalls "$base/api/v1/tickets/process" "${CS_BENCH_SYSCALL_REQS:-2000}" "$var/strace.txt" $fn_pids)"
    local mem_rows p
    mem_rows=$(for p in $(pgrep -f "$var/run/"); do
        echo "$(tr '\0' ' ' <"/proc/$p/cmdline" | awk '{print $1}' | xargs basename) $(bench_mem "$p")"
    done | sort -k2 -n)
    kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true

    bench_step "FastAPI peer (uvicorn, one worker)"
    local peer_port=$((port + 1))
    /usr/bin/python3 -m uvicorn app:app --app-dir tests/bench/peer --workers 1 --host 127.0.0.1 \
        --port "$peer_port" --log-level warning --no-access-log >"$var/peer.log" 2>&1 &
    local peer_pid=$!
    for _ in $(seq 100); do curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d '{"ticket_id":"t","customer_email":"a@b.c","raw_message":"hi"}' \
        "http://127.0.0.1:$peer_port/api/v1/tickets/process" && break; sleep 0.1; done
    read -r p_rps p_p50 p_p99 <<<"$(bench_wrk -s tests/bench/post.lua "http://127.0.0.1:$peer_port/api/v1/tickets/process")"
    kill -TERM "$peer_pid"; wait "$peer_pid" 2>/dev/null || true

    bench_step "cold start (exec to first answer, local invoke)"
    local ev="$var/ev.json"
    sed "s|REPLACE_WITH_TOKEN|$CS_BENCH_TOKEN|" events/tickets-process.json > "$ev"
    local cold base_ms
    cold=$(CS_VAR=$var CS_JWT_SECRET=$secret CS_DATA_DIR=$ROOT/data CS_LOG_LEVEL=warn CS_RATE_LIMIT=10000000 \
        bench_median_ms 21 "$REL/bin/tickets-process" --invoke "$ev")
    base_ms=$(bench_median_ms 21 /bin/true)
    bench_step "warm Lambda invokes (fake Runtime API)"
    # The stack's limit (CS_RATE_LIMIT above): the wrk runs used up the bench tenant's
    # default limit in this minute's window, and a 429 is no measure of an invoke.
    local lam; lam=$(CS_VAR=$var CS_JWT_SECRET=$secret CS_DATA_DIR=$ROOT/data CS_LOG_LEVEL=warn \
        CS_RATE_LIMIT=10000000 CS_STORE_URI=sqlite://$var/cs.db "$REL/tests/bench/lambda_bench" "$REL/bin/tickets-process" "$ev" 201 || echo "failed")
    bench_step "escalation cues and six-level sentiment per message (CPU time)"
    local cues_out=""
    # shellcheck disable=SC2046
    ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Ishared/include -Ishared/src tests/bench/cues_bench.c \
        $REL/lib/libcs.a $(pkg-config --libs json-c libsodium libcurl sqlite3) -lpthread -lm \
        -o "$var/cues_bench" && cues_out=$("$var/cues_bench" data/models)
    bench_step "PII scan per KB of message (CPU time)"
    local pii_out=""
    # shellcheck disable=SC2046
    ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Ishared/include tests/bench/pii_bench.c \
        $REL/lib/libcs.a $(pkg-config --libs json-c libsodium libcurl sqlite3) -lpthread -lm \
        -o "$var/pii_bench" && pii_out=$("$var/pii_bench" data/models)
    bench_step "whole triage of a ticket over the training tickets (CPU time, issue #14: <= 150 us)"
    local triage_out=""
    # exit 2 = over the budget: the figure is still printed
    # shellcheck disable=SC2046
    ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -Ishared/include -Ishared/src tests/bench/triage_bench.c \
        $REL/lib/libcs.a $(pkg-config --libs json-c libsodium libcurl sqlite3 libexttextcat nettle) \
        -lpthread -lm -o "$var/triage_bench" &&
        { triage_out=$("$var/triage_bench" data/models data/triage/train.jsonl) || true; }
    rm -rf "$var"
    echo
    printf '%-44s %10s %9s %9s   %s\n' "" "req/s" "p50 ms" "p99 ms" "ratio"
    bench_row "nginx fixed body (ceiling)" "$c_rps" "$c_p50" "$c_p99" ""
    bench_row "FastAPI peer, POST tickets/process" "$p_rps" "$p_p50" "$p_p99" ""
    bench_row "POST /api/v1/tickets/process" "$t_rps" "$t_p50" "$t_p99" \
        "$(awk -v a="$t_rps" -v b="$c_rps" -v p="$p_rps" 'BEGIN{printf "%.3f of ceiling (>= 0.25), %.1fx peer (>= 10)", a/b, a/p}')"
    bench_row "GET /health/live" "$h_rps" "$h_p50" "$h_p99" \
        "$(awk -v a="$h_rps" -v b="$c_rps" 'BEGIN{printf "%.3f of ceiling (>= 0.5)", a/b}')"
    bench_row "GET /api/v1/cs/sessions/{id}" "$r_rps" "$r_p50" "$r_p99" \
        "$(awk -v a="$r_rps" -v b="$c_rps" 'BEGIN{printf "%.3f of ceiling", a/b}')"
    bench_row "POST /api/v1/cs/sessions/{id}/messages" "$m_rps" "$m_p50" "$m_p99" \
        "$(awk -v a="$m_rps" -v b="$c_rps" 'BEGIN{printf "%.3f of ceiling", a/b}')"
    echo "tickets p99 at 32 connections: $t_p99 ms (target < 5)"
    awk -v f=$((f1 - f0)) -v g=$((n1 - n0)) -v n="$nreq" -v hz="$hz" 'BEGIN{
        printf "CPU per ticket: function %.0f us (target <= 150), nginx %.0f us (2 cores => at most %.0f req/s)\n",
               f / hz / n * 1e6, g / hz / n * 1e6, 2 / ((f + g) / hz / n)}'
    awk -v c="$sys_calls" -v n="$sys_reqs" 'BEGIN{
        printf "system calls per ticket in the function: %.1f (%d over %d requests; target <= 12)\n", c/n, c, n}'
    printf 'cold start tickets-process: %s ms (exec of /bin/true: %s ms; ratio %s, target <= 2)\n' "$cold" "$base_ms" \
        "$(awk -v a="$cold" -v b="$base_ms" 'BEGIN{printf "%.1f", a/b}')"
    echo "$lam" | awk '{ if ($1 == "failed") print "warm Lambda invoke: FAILED"; else
        printf "warm Lambda invoke tickets-process: median %.3f ms, p99 %.3f ms, max %.3f ms; billed %d ms (target <= 1)\n", $1, $2, $3, $4 }'
    [ -n "$cues_out" ] && echo "$cues_out"
    [ -n "$pii_out" ] && echo "$pii_out"
    echo "${triage_out:-triage CPU per ticket: FAILED}"
    echo "memory per function process after the load (kB): name rss pss private"
    echo "$mem_rows" | awk '{printf "  %-22s %8d %8d %8d\n", $1, $2, $3, $4}'
    echo "$mem_rows" | awk '$2>m{m=$2;n=$1} END{printf "largest function RSS after load: %s kB (%s)\n", m, n}'
    echo "note: other load on the machine during the run lowers req/s and raises latency;"
    echo "      ratios within one run, CPU per request and system calls are the figures to compare."
    echo
    bench_reporting
    bench_insights
}
