# Sourced by build.sh: `build.sh test` builds the sanitizer and fuzz trees and runs
# every step below, then prints one closing "N passed, N failed, N skipped" line.
# Each test program prints "ok"/"not ok"/"skip" lines and a "tally:" line; shell steps
# count as one test each.

T_PASS=0
T_FAIL=0
T_SKIP=0
T_FAILED_NAMES=()

t_add_tally() { # name, output file, exit code
    local line; line=$(grep -E '^tally: ' "$2" | tail -1 || true)
    if [ -z "$line" ]; then
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("$1 (no tally; exit $3)")
        tail -20 "$2" >&2
        return
    fi
    local p f s
    read -r p f s <<<"$(echo "$line" | sed -E 's/tally: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')"
    T_PASS=$((T_PASS + p)); T_FAIL=$((T_FAIL + f)); T_SKIP=$((T_SKIP + s))
    if [ "$f" -gt 0 ] || [ "$3" -ne 0 ]; then
        [ "$f" -gt 0 ] || { T_FAIL=$((T_FAIL + 1)); }
        T_FAILED_NAMES+=("$1")
        grep -E '^(not ok|  )' "$2" >&2 || tail -30 "$2" >&2
    fi
    grep -E '^skip ' "$2" >&2 || true
}

# Runs one test program; its output goes to the log and is summed.
t_program() {
    local name=$1; shift
    local out="$T_LOG/$(echo "$name" | tr '/ ' '__').log" rc=0
    "$@" >"$out" 2>&1 || rc=$?
    t_add_tally "$name" "$out" "$rc"
    printf '   %-40s %s\n' "$name" "$(grep -E '^tally:' "$out" | tail -1 | sed 's/tally: //')" >&2
}

# A shell-level check that passes or fails as a whole.
t_step() {
    local name=$1; shift
    local out="$T_LOG/step_$(echo "$name" | tr '/ ' '__').log"
    if "$@" >"$out" 2>&1; then
        T_PASS=$((T_PASS + 1)); printf '   %-40s ok\n' "$name" >&2
    else
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("$name"); printf '   %-40s FAILED\n' "$name" >&2
        tail -30 "$out" >&2
    fi
}

t_generated_fresh() {
    local tmp; tmp=$(mktemp -d)
    mkdir -p "$tmp/infra/nginx"
    cmd_gen "$tmp"
    diff -u infra/nginx/routes.conf "$tmp/infra/nginx/routes.conf" &&
        diff -u infra/nginx/families.conf "$tmp/infra/nginx/families.conf" &&
        diff -u infra/nginx/upstreams.conf "$tmp/infra/nginx/upstreams.conf" &&
        diff -u template.yaml "$tmp/template.yaml" &&
        diff -u infra/openapi/openapi.json "$tmp/infra/openapi/openapi.json" &&
        diff -u README.md "$tmp/README.md" &&
        echo "generated files are up to date"
    local rc=$?
    rm -rf "$tmp"
    [ $rc -eq 0 ] || echo "stale: run ./build.sh gen and commit infra/nginx/*.conf, infra/openapi/openapi.json, template.yaml and README.md"
    return $rc
}

# Issue 12: the C sources follow .clang-format (Debian 12's clang-format 14, in DEBS);
# `git ls-files '*.c' '*.h' | xargs clang-format -i` formats them.
t_format() {
    local files
    if git rev-parse --git-dir >/dev/null 2>&1; then
        files=$(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus/')
    else
        files=$(find shared runtime functions tools tests -name '*.[ch]' -not -path 'tests/fuzz/corpus/*')
    fi
    clang-format --version
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files && echo "every C file is formatted"
}

t_banned_calls() {
    # curl's banned list: calls whose safe use cannot be checked locally.
    ! grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)\s*\(' \
        -r --include='*.c' --include='*.h' shared runtime functions tools
}

t_runtime_loaded_libs() {
    # libcurl and libmongoc are loaded when first used (shared/src/net/curl_lazy.c,
    # store_plugin.c); a direct link would put ~30 libraries back into every function's
    # memory and cold start.
    local f rc=0
    for f in $REL/bin/*; do
        if readelf -d "$f" | grep -E 'NEEDED.*(libcurl|libmongoc|libbson)'; then
            echo "links at load time: $f"; rc=1
        fi
    done
    [ $rc -eq 0 ] && echo "no function links libcurl or libmongoc"
    return $rc
}

t_headers_alone() {
    local h rc=0
    for h in shared/include/cs/*.h tools/lib/include/cs/*.h; do
        echo "#include \"cs/$(basename "$h")\"" |
            gcc -std=gnu11 -D_GNU_SOURCE -Wall -Werror -Ishared/include -Itools/lib/include \
                $(pkg-config --cflags json-c) \
                -fsyntax-only -x c - || { echo "not self-contained: $h"; rc=1; }
    done
    return $rc
}

t_unit() {
    local t
    for t in $(find $ASAN/tests/unit -name '*_test' -type f | LC_ALL=C sort); do
        [ -x "$t" ] || continue
        t_program "${t#$ASAN/tests/}" env CS_TEST_TMP="$T_TMP" CS_DATA_DIR="$ROOT/data" "$t"
    done
}

t_fuzz() {
    local f secs=${CS_FUZZ_SECONDS:-15}
    for f in $FUZZ/fuzz/*_fuzz; do
        [ -x "$f" ] || continue
        local name; name=$(basename "$f")
        local corpus="$T_TMP/corpus_$name"
        mkdir -p "$corpus"
        [ -d "tests/fuzz/corpus/${name%_fuzz}" ] && cp -r "tests/fuzz/corpus/${name%_fuzz}/." "$corpus/"
        t_step "fuzz/$name (${secs}s)" "$f" -max_total_time="$secs" -rss_limit_mb=2048 \
            -print_final_stats=1 "$corpus"
    done
}

t_handlers() {
    local t
    for t in $ASAN/tests/handler/*_test; do
        [ -x "$t" ] || continue
        t_program "handler/$(basename "$t")" env CS_TEST_TMP="$T_TMP" CS_DATA_DIR="$ROOT/data" "$t"
    done
}

# The npm reference library, installed for this run only (npm's registry is reachable
# here and in CI); without node or npm the test skips and says so.
t_standardwebhooks() {
    local lib=""
    if command -v npm >/dev/null 2>&1 &&
        npm install --prefix "$T_TMP/npm" --no-audit --no-fund standardwebhooks@1 >"$T_LOG/npm.log" 2>&1; then
        lib="$T_TMP/npm/node_modules/standardwebhooks"
    fi
    t_program "runtime/standardwebhooks_test" env CS_TEST_TMP="$T_TMP" CS_TEST_STANDARDWEBHOOKS="$lib" \
        "$ASAN/tests/runtime/standardwebhooks_test"
}

# The OpenAPI document against the specification, by swagger-parser from npm (installed
# for this run, like standardwebhooks); without npm the test skips and says so.
t_openapi_valid() {
    local out="$T_LOG/openapi_valid.log"
    if ! command -v npm >/dev/null 2>&1 ||
        ! npm install --prefix "$T_TMP/npm" --no-audit --no-fund @apidevtools/swagger-parser@10 >"$T_LOG/npm-swagger.log" 2>&1; then
        T_SKIP=$((T_SKIP + 1))
        echo "skip openapi/valid: npm or @apidevtools/swagger-parser is not available here (see $T_LOG/npm-swagger.log)" >&2
        return
    fi
    t_step "openapi/valid (swagger-parser)" env NODE_PATH="$T_TMP/npm/node_modules" \
        node tests/openapi/validate.js infra/openapi/openapi.json
    grep -h '^valid' "$T_LOG"/step_openapi* >&2 || true
}

# Every example the document carries (request bodies from events/, answers from the
# seeds) against the schema beside it.
t_openapi_examples() {
    "$(debian_python)" tests/openapi/check_responses.py --complete infra/openapi/openapi.json &&
        "$(debian_python)" tests/openapi/check_responses.py --examples infra/openapi/openapi.json
}

# Debian's python3 with python3-jsonschema (DEBS), not whatever python3 is first on PATH.
debian_python() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

# `build.sh package` as a user runs it, each zip unzipped and its bootstrap run with the
# template's environment (tests/runtime/package_test.c says what is checked).
t_packaged() {
    local out="$T_TMP/packaged" host_glibc
    # The MongoDB plugin's libraries from a Debian build host need a newer glibc than
    # provided.al2023's, so the 2.34 check refuses them (as it should for a deployment):
    # here the limit is the host's own, to test the zips' layout and start-up.
    host_glibc=$(ldd --version | awk 'NR==1{print $NF}')
    if ! (CS_PACKAGE_GLIBC_MAX=$host_glibc cmd_package) >"$T_LOG/package.log" 2>&1; then
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("build.sh package"); tail -20 "$T_LOG/package.log" >&2
        return
    fi
    mkdir -p "$out"
    local z
    for z in build/package/*.zip; do
        mkdir -p "$out/$(basename "$z" .zip)"
        unzip -q "$z" -d "$out/$(basename "$z" .zip)"
    done
    t_program "runtime/package_test" env CS_TEST_TMP="$T_TMP" CS_TEST_PACKAGE_DIR="$out" \
        CS_TEST_EVENTS="$ROOT/events" "$ASAN/tests/runtime/package_test"
    rm -rf "$out"
}

# s3rver (npm), the S3-compatible server e2e/lifecycle_s3_test starts for s3:// training
# sources; installed for this run like standardwebhooks (not in quick mode, where
# CS_TEST_S3RVER may name an installed one). Without it that test skips and says why.
t_s3rver() {
    [ -n "${CS_TEST_S3RVER:-}" ] && return
    export CS_TEST_S3RVER_WHY="npm or the s3rver package is not available here (see $T_LOG/npm-s3rver.log)"
    if [ -n "${CS_TEST_QUICK:-}" ]; then
        CS_TEST_S3RVER_WHY="CS_TEST_QUICK: npm packages are not installed (set CS_TEST_S3RVER to an s3rver binary)"
    elif command -v npm >/dev/null 2>&1 &&
        npm install --prefix "$T_TMP/npm" --no-audit --no-fund s3rver@3 >"$T_LOG/npm-s3rver.log" 2>&1; then
        export CS_TEST_S3RVER="$T_TMP/npm/node_modules/.bin/s3rver"
    fi
}

# Waits until the stack serve started (pid $2) answers $1/health/live; on failure counts
# it under name $3, shows the logs given after it, stops serve and returns 1.
# Up to 120 s: some 55 ASan functions start one by one, and a loaded machine took 85 s.
# A stack that died stops the wait at once.
t_stack_up() {
    local base=$1 pid=$2 name=$3
    shift 3
    for _ in $(seq 1200); do
        curl -fs "$base/health/live" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("$name")
    tail -30 "$@" >&2 || true
    kill "$pid" 2>/dev/null || true
    return 1
}

# The real stack: nginx in front of the sanitizer-built functions, on a free port.
t_e2e() {
    local port=${CS_TEST_PORT:-$(free_port 18080)} var="$T_TMP/e2e-var"
    mkdir -p "$var"
    t_s3rver
    # The port s3rver will listen on, started by the test; AWS keys are s3rver's own.
    export CS_TEST_S3_PORT; CS_TEST_S3_PORT=$(free_port $((port + 1)))
    local secret; secret=$(head -c 32 /dev/urandom | base64)
    export CS_TEST_BASE_URL="http://127.0.0.1:$port"
    # 127.0.0.1 (the tests themselves) counts as a trusted proxy, so that the
    # brute-force tests can play several clients by X-Forwarded-For (guard_test.c).
    ( CS_BUILD=$ASAN CS_PORT=$port CS_VAR=$var CS_JWT_SECRET=$secret CS_RATE_LIMIT=100000 CS_WEBHOOK_ALLOW_PRIVATE=1 CS_INSIGHTS_REFIT_POLL=1 \
          CS_TRUSTED_PROXIES=127.0.0.1 CS_REPORTING_RATE_LIMIT=20 CS_TRAINING_LEASE_MS=3000 ASAN_OPTIONS=detect_leaks=1 \
          CS_EVENTS_HEARTBEAT_MS=1000 CS_EVENTS_STATUS_MS=1000 CS_FN_STATS_FLUSH_MS=1000 CS_S3_ENDPOINT=http://127.0.0.1:$CS_TEST_S3_PORT \
          AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 cmd_serve ) >"$T_LOG/serve.log" 2>&1 &
    local serve_pid=$!
    t_stack_up "$CS_TEST_BASE_URL" "$serve_pid" "e2e: stack did not start" "$T_LOG/serve.log" \
        "$var/functions.log" || return 0
    export CS_TEST_JWT_SECRET=$secret CS_TEST_VAR=$var CS_TEST_ROUTES="$T_TMP/routes.jsonl"
    export CS_TEST_ADMIN="env CS_VAR=$var CS_STORE_URI=sqlite://$var/cs.db $REL/tools/cs-admin"
    routes_of $ASAN/bin > "$CS_TEST_ROUTES"
    # Every answer of the run, held against the OpenAPI document afterwards.
    export CS_TEST_RESPONSE_LOG="$T_TMP/exchanges.jsonl"
    : > "$CS_TEST_RESPONSE_LOG"
    t_step "e2e/state files owner-only" t_state_modes "$var"
    local admin="env CS_VAR=$var CS_STORE_URI=sqlite://$var/cs.db $REL/tools/cs-admin"
    export CS_TEST_KEY_A CS_TEST_KEY_B CS_TEST_KEY_C
    CS_TEST_KEY_A=$($admin create-key --tenant acme | tr -d '\n ')
    CS_TEST_KEY_B=$($admin create-key --tenant globex | tr -d '\n ')
    # A tenant no other test writes to: e2e/insights_test compares every analytics
    # figure with its own computation over the history it imports.
    CS_TEST_KEY_C=$($admin create-key --tenant initech | tr -d '\n ')
    $admin create-user --tenant acme --username analyst@acme.test --password 'correct horse 1' \
        --roles analyst >/dev/null
    export CS_TEST_RP_TOKEN
    CS_TEST_RP_TOKEN=$(CS_JWT_SECRET=$secret $admin create-reporting-token --tenant acme | tr -d '\n ')
    for t in $ASAN/tests/e2e/*_test; do
        [ -x "$t" ] || continue
        t_program "e2e/$(basename "$t")" "$t"
    done
    # Real-time events (SSE, WebSocket) with Debian's python3-websockets (issue 20).
    t_program "e2e/realtime_test.py" /usr/bin/python3 tests/e2e/realtime_test.py
    # The console in headless Chromium; screenshots kept with the logs.
    CS_TEST_ARTIFACTS="$T_LOG/console" t_program "e2e/console_test.py" /usr/bin/python3 tests/e2e/console_test.py
    t_step "e2e/every answer matches the OpenAPI document" \
        "$(debian_python)" tests/openapi/check_responses.py infra/openapi/openapi.json "$CS_TEST_RESPONSE_LOG"
    unset CS_TEST_RESPONSE_LOG
    # SIGTERM to serve must stop nginx and every function it started.
    kill -TERM "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    t_step "e2e/serve stops every process" t_nothing_left "$var"
    if grep -q "ERROR: AddressSanitizer\|runtime error:" "$var/functions.log"; then
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("sanitizer report in a function under e2e")
        grep -A20 "ERROR: AddressSanitizer\|runtime error:" "$var/functions.log" | head -60 >&2
    else
        T_PASS=$((T_PASS + 1)); printf '   %-40s ok\n' "e2e/no sanitizer reports" >&2
    fi
    # Issue 15: each function lists the built-in models it uses (cs_function.models); one
    # it asked for without listing it was opened late, and said so (cs/models.h).
    if grep -q "model opened on first use" "$var/functions.log"; then
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("a function used a model it does not declare")
        grep "model opened on first use" "$var/functions.log" | sort | uniq -c | head -20 >&2
    else
        T_PASS=$((T_PASS + 1)); printf '   %-40s ok\n' "e2e/functions declare their models" >&2
    fi
}

# Issue 18: training outputs written to S3 (CS_ML_OUTPUT_URI), on a stack of their own:
# on the main stack every other test's training job would wait for the S3 that
# e2e/lifecycle_s3_test starts and stops. The test runs whole again here (its S3 source
# tests too), now with the outputs' checks, which the main stack leaves as file:// ones.
t_e2e_s3_output() {
    if [ -z "${CS_TEST_S3RVER:-}" ]; then
        T_SKIP=$((T_SKIP + 1)); printf '   %-40s skip (%s)\n' "e2e/training outputs in S3" "$CS_TEST_S3RVER_WHY" >&2
        return
    fi
    local port; port=$(free_port $(( ${CS_TEST_PORT:-18080} + 20 )))
    local s3port; s3port=$(free_port $((port + 1)))
    local var="$T_TMP/e2e-s3-var" root="s3://model-out/models"
    local secret; secret=$(head -c 32 /dev/urandom | base64)
    mkdir -p "$var"
    ( CS_BUILD=$ASAN CS_PORT=$port CS_VAR=$var CS_JWT_SECRET=$secret CS_RATE_LIMIT=100000 \
          CS_TRAINING_LEASE_MS=3000 ASAN_OPTIONS=detect_leaks=1 CS_ML_OUTPUT_URI=$root \
          CS_S3_ENDPOINT=http://127.0.0.1:$s3port AWS_ACCESS_KEY_ID=S3RVER \
          AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 cmd_serve ) >"$T_LOG/serve-s3.log" 2>&1 &
    local pid=$!
    t_stack_up "http://127.0.0.1:$port" "$pid" "e2e: the S3-output stack did not start" \
        "$T_LOG/serve-s3.log" "$var/functions.log" || return 0
    local key; key=$(env CS_VAR="$var" CS_STORE_URI="sqlite://$var/cs.db" $REL/tools/cs-admin \
        create-key --tenant acme | tr -d '\n ')
    t_program "e2e/lifecycle_s3_test (outputs in S3)" env CS_TEST_BASE_URL="http://127.0.0.1:$port" \
        CS_TEST_VAR="$var" CS_TEST_TMP="$var" CS_TEST_JWT_SECRET="$secret" CS_TEST_KEY_A="$key" \
        CS_TEST_ML_OUTPUT_URI="$root" CS_TEST_S3_PORT="$s3port" "$ASAN/tests/e2e/lifecycle_s3_test"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    if grep -q "ERROR: AddressSanitizer\|runtime error:" "$var/functions.log"; then
        T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("sanitizer report on the S3-output stack")
        grep -A20 "ERROR: AddressSanitizer\|runtime error:" "$var/functions.log" | head -60 >&2
    fi
}

# Issue 13.6: the store (tickets, transcripts, password hashes), its WAL/SHM and the
# log are the owner's alone, and so is the folder holding the FastCGI sockets (nginx
# runs as the same user), whatever mode a socket itself has.
t_state_modes() {
    local var=$1 f m rc=0
    for f in "$var/cs.db" "$var/cs.db-wal" "$var/cs.db-shm" "$var/functions.log" "$var/jwt.key"; do
        [ -e "$f" ] || continue
        m=$(stat -c %a "$f"); [ "$m" = 600 ] || { echo "$f is $m, want 600"; rc=1; }
    done
    for f in "$var" "$var/run"; do
        m=$(stat -c %a "$f"); [ "$m" = 700 ] || { echo "$f is $m, want 700"; rc=1; }
    done
    [ -e "$var/cs.db" ] && [ -e "$var/functions.log" ] || { echo "state files missing"; rc=1; }
    [ $rc -eq 0 ] && echo "state files owner-only"
    return $rc
}

# functions.log rotation (tools/cs-logd): on size, and on SIGHUP.
t_logd_rotates() {
    local d; d=$(mktemp -d)
    mkfifo "$d/in"
    CS_LOG_MAX_BYTES=4096 CS_LOG_KEEP=2 $REL/tools/cs-logd "$d/log" < "$d/in" &
    local pid=$!
    exec 8>"$d/in"
    # Four bursts of ~2.6 KB: the size limit (4 KiB) is crossed at burst boundaries.
    local b i; for b in 0 1 2 3; do
        for i in $(seq $((b * 50 + 1)) $((b * 50 + 50))); do
            printf '{"line":%d,"pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}\n' "$i" >&8
        done
        sleep 0.2
    done
    kill -HUP $pid; sleep 0.2
    echo '{"after":"hup"}' >&8
    exec 8>&-
    wait $pid
    local rc=0
    [ -f "$d/log.1" ] && [ -f "$d/log.2" ] && [ ! -e "$d/log.3" ] || { echo "rotated files missing"; rc=1; }
    [ "$(stat -c %s "$d/log.2")" -le 8192 ] && [ "$(stat -c %s "$d/log.1")" -le 8192 ] || { echo "a rotated file is too big"; rc=1; }
    [ "$(cat "$d/log")" = '{"after":"hup"}' ] || { echo "SIGHUP did not start a new file"; rc=1; }
    [ "$(stat -c %a "$d/log")" = 600 ] || { echo "log not 0600"; rc=1; }
    cat "$d/log.2" "$d/log.1" | grep -q '"line":200,' || { echo "last line before SIGHUP lost"; rc=1; }
    rm -rf "$d"
    [ $rc -eq 0 ] && echo "cs-logd rotates on size and SIGHUP"
    return $rc
}

t_nothing_left() {
    sleep 0.5
    local left; left=$(pgrep -f "$1/run/" || true)
    [ -z "$left" ] && ! pgrep -f "$1/nginx/nginx.conf" >/dev/null
}

# `build.sh test store`: only the store suites (SQLite, and MongoDB when
# CS_TEST_MONGODB_URI names a server), for checking a MongoDB deployment.
t_store_only() {
    cmd_deps
    make -s -j"$JOBS" BUILD=$REL all
    build_asan
    T_TMP=$(mktemp -d /tmp/cs-test.XXXXXX)
    T_LOG="$T_TMP/logs"
    mkdir -p "$T_LOG"
    local t
    for t in $(find $ASAN/tests/unit/store -name '*_test' -type f | LC_ALL=C sort); do
        t_program "${t#$ASAN/tests/}" env CS_TEST_TMP="$T_TMP" CS_DATA_DIR="$ROOT/data" "$t"
    done
    echo "logs: $T_LOG"
    echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
    [ "$T_FAIL" -eq 0 ]
}

cmd_test() {
    if [ "${1:-}" = store ]; then t_store_only; return; fi
    cmd_deps
    log "building release, sanitizer and fuzz trees"
    make -s -j"$JOBS" BUILD=$REL all
    build_asan
    # CS_TEST_QUICK=1 (for a developer's inner loop, never CI): no fuzz tree, no
    # packaging, no npm; the closing line says what was left out.
    [ -n "${CS_TEST_QUICK:-}" ] || build_fuzz
    T_TMP=$(mktemp -d /tmp/cs-test.XXXXXX)
    T_LOG="$T_TMP/logs"
    mkdir -p "$T_LOG"
    log "static checks"
    t_step "generated files are fresh" t_generated_fresh
    t_step "no banned calls" t_banned_calls
    t_step "C sources follow .clang-format" t_format
    t_step "every public header compiles alone" t_headers_alone
    t_step "libcurl and libmongoc load on first use" t_runtime_loaded_libs
    t_step "openapi: every route declares answers; examples match" t_openapi_examples
    t_step "functions.log rotates (cs-logd)" t_logd_rotates
    log "unit tests (ASan+UBSan)"
    t_unit
    log "handlers in process, against golden files (ASan+UBSan)"
    t_handlers
    log "lambda runtime, cgi and local invoke"
    for t in $ASAN/tests/runtime/*_test; do
        [ "$(basename "$t")" = package_test ] && continue # t_packaged runs it
        [ "$(basename "$t")" = standardwebhooks_test ] && continue # t_standardwebhooks runs it
        [ -x "$t" ] && t_program "runtime/$(basename "$t")" env CS_TEST_TMP="$T_TMP" \
            CS_DATA_DIR="$ROOT/data" CS_TEST_BIN="$ASAN/bin" "$t"
    done
    if [ -z "${CS_TEST_QUICK:-}" ]; then
        log "Standard Webhooks reference library (npm) against our signatures"
        t_standardwebhooks
        log "OpenAPI document against the specification (npm swagger-parser)"
        t_openapi_valid
        log "packaged zips against a local Runtime API"
        t_packaged
    fi
    log "end to end through nginx"
    t_e2e
    if [ -z "${CS_TEST_QUICK:-}" ]; then
        log "end to end: training outputs in S3"
        t_e2e_s3_output
    fi
    if [ -z "${CS_TEST_QUICK:-}" ]; then
        log "fuzzing (bounded)"
        t_fuzz
    else
        echo "CS_TEST_QUICK: fuzzing, packaging and the npm interop test were not run"
    fi
    echo
    [ ${#T_FAILED_NAMES[@]} -eq 0 ] || printf 'failed: %s\n' "${T_FAILED_NAMES[@]}"
    echo "logs: $T_LOG"
    echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
    [ "$T_FAIL" -eq 0 ]
}
