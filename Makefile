# Driven by build.sh; `make` alone builds the release tree. Every folder under
# functions/ becomes one binary, every folder under tools/ with a main.c one tool (tools/lib is the
# offline library they share), every tests/unit/<concern>/*_test.c one test program, all
# linking the static core library; `all` also
# builds $(BUILD)/lib/libcs-store-mongo.so, the MongoDB store loaded at run time.
BUILD   ?= build/release
CC      := $(if $(filter default,$(origin CC)),gcc,$(CC))
OPT     ?= -O2
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wvla -Wno-unused-parameter
PKGS    := json-c libsodium libcurl sqlite3 libexttextcat nettle
CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) -g -fno-omit-frame-pointer \
           -Ishared/include -Ishared/src -Itools/lib/include -Iruntime \
           $(shell pkg-config --cflags $(PKGS))
# libcurl is compiled against but not linked: shared/src/net/curl_lazy.c loads it on the
# first HTTP call (why: see that file).
# libcsv (dataset uploads, shared/src/lifecycle/dataset.c) only where a binary uses it.
LDLIBS  := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS))) -Wl,--as-needed -lcsv -Wl,--no-as-needed \
           -ldl -lpthread -lm
# The functions link json-c, libsodium, SQLite, libexttextcat and nettle statically and
# without PIE: the dynamic loader then maps and relocates two shared libraries fewer than
# five (cold start, see README Performance). json-c whole, so that every json-c call the
# MongoDB plugin makes resolves to this copy (runtime/plugin_exports.list exports them):
# its libjson-c.so is loaded but never called. Tools and tests stay dynamic.
FUNC_LDLIBS := -no-pie -Wl,--dynamic-list=runtime/plugin_exports.list \
           -Wl,-Bstatic -Wl,--whole-archive -ljson-c -Wl,--no-whole-archive \
           -lsodium -lsqlite3 -lexttextcat-2.0 -lnettle -Wl,-Bdynamic \
           -Wl,--as-needed -lcsv -Wl,--no-as-needed -ldl -lpthread -lm
# libmongoc stays out of LDLIBS: loading it initialises OpenSSL, ICU, SASL... and
# doubled every function's cold start. Only the MongoDB store plugin links it (loaded
# by store/store_plugin.c when a mongodb:// URI is opened), plus the operator tool and the
# tests that talk to a server or check the BSON translation.
MONGO_CFLAGS := $(shell pkg-config --cflags libmongoc-1.0)
MONGO_LIBS   := $(shell pkg-config --libs libmongoc-1.0)
BSON_LIBS    := $(shell pkg-config --libs libbson-1.0)

# shared/src/<concern>/*.c is the core library; shared/src/store/mongo/ is the plugin's.
CORE_SRC := $(filter-out shared/src/store/mongo/%,$(shell find shared/src -name '*.c' | LC_ALL=C sort))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
MONGO_DIR := $(BUILD)/obj/shared/src/store/mongo
MQ_OBJ   := $(MONGO_DIR)/store_mongo_query.o
MADMIN_OBJ := $(MONGO_DIR)/store_mongo_admin.o
PLUGIN_OBJ := $(addprefix $(MONGO_DIR)/,store_mongo.o store_mongo_query.o store_mongo_host.o \
              store_mongo_rp.o store_mongo_reporting.o)
# Offline code (trainer, CSV reader) in a tools-only library. Only a function that fits
# models on a tenant's data (a training worker, a refit) links it, marked by a file
# named TRAINS in its folder; every other function stays free of it.
TLIB_SRC := $(wildcard tools/lib/src/*.c)
TLIB     := $(BUILD)/lib/libcstools.a
PLUGIN   := $(BUILD)/lib/libcs-store-mongo.so
RT_SRC   := $(wildcard runtime/*.c)
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/obj/%.o)
FUNCS    := $(notdir $(patsubst %/,%,$(wildcard functions/*/)))
FUNC_BIN := $(FUNCS:%=$(BUILD)/bin/%)
TOOLS    := $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
TOOL_BIN := $(TOOLS:%=$(BUILD)/tools/%)
TEST_SRC := $(shell find tests/unit -name '*_test.c') $(wildcard tests/handler/*_test.c) \
            $(wildcard tests/e2e/*_test.c) $(wildcard tests/runtime/*_test.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC)) $(BUILD)/tests/bench/lambda_bench
SUPPORT_SRC := $(filter-out tests/support/test.h,$(wildcard tests/support/*.c))
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/lib/libcs.a
RTLIB    := $(BUILD)/lib/libcsrt.a

FUZZ_SRC := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all functions tools tests fuzz plugins
all: functions tools plugins
fuzz: $(FUZZ_BIN)
functions: $(FUNC_BIN)
plugins: $(PLUGIN)
tools: $(TOOL_BIN)
tests: $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The MongoDB objects are position-independent (they go into the plugin; the BSON
# translation also into its unit test) and hide everything but the plugin's entry point.
$(PLUGIN_OBJ) $(MADMIN_OBJ): CFLAGS += $(MONGO_CFLAGS) -fPIC -fvisibility=hidden
$(BUILD)/obj/tests/unit/store/store_contract_test.o $(BUILD)/obj/tests/unit/store/mongo/store_mongo_query_test.o \
$(BUILD)/obj/tools/cs-mongo-indexes/main.o: CFLAGS += $(MONGO_CFLAGS)

# -z defs: a core function the plugin calls without going through the host table
# (store_plugin.h) fails here, not at dlopen. Clang's sanitizer runtimes live in the
# executable, so the sanitizer trees cannot check that; the release tree does.
# $ORIGIN: libraries shipped beside the plugin (a Lambda zip's lib/) are found even
# without LD_LIBRARY_PATH.
$(PLUGIN): $(PLUGIN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -shared -Wl,-soname,$(notdir $@) $(if $(SAN),,-Wl,-z,defs) \
	    -Wl,-rpath,'$$ORIGIN' -o $@ $^ $(MONGO_LIBS) \
	    $(shell pkg-config --libs json-c libsodium) -lpthread -lm

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TLIB): $(TLIB_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# main.c stays out of the archive so tests can link the other transports.
$(RTLIB): $(filter-out $(BUILD)/obj/runtime/main.o,$(RT_OBJ))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(addprefix $(BUILD)/obj/,$$(subst .c,.o,$$(wildcard functions/$$*/*.c))) $(BUILD)/obj/runtime/main.o $(RTLIB) $$(if $$(wildcard functions/$$*/TRAINS),$(TLIB)) $(LIB) runtime/plugin_exports.list
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(RTLIB) $(if $(wildcard functions/$*/TRAINS),$(TLIB)) $(LIB) $(FUNC_LDLIBS)

$(BUILD)/tools/%: $$(addprefix $(BUILD)/obj/,$$(subst .c,.o,$$(wildcard tools/$$*/*.c))) $(TLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(TLIB) $(LIB) $(LDLIBS) $(XLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SUPPORT_OBJ) $(RTLIB) $(TLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $< $(XOBJ) $(SUPPORT_OBJ) $(RTLIB) $(TLIB) $(LIB) $(LDLIBS) $(XLIBS)

# Counts the store's reads under the handler (a session message reads the session once).
$(BUILD)/tests/handler/cs_messages_test: XLIBS = -Wl,--wrap=cs_store_get
# a store failing while the worker stores a trained model
$(BUILD)/tests/unit/tools/ml_worker_test: XLIBS = -Wl,--wrap=cs_ml_blob_put_file

# The few programs that link libmongoc/libbson themselves (XOBJ/XLIBS are theirs only).
# The operator tool is not a function: its cold start does not matter.
$(BUILD)/tools/cs-mongo-indexes: $(MADMIN_OBJ)
$(BUILD)/tools/cs-mongo-indexes: XLIBS = $(MONGO_LIBS)
# The contract suite prepares and inspects the test database directly; the store under
# test still comes from the plugin. The plugin is an order-only prerequisite: the test
# loads it at run time.
$(BUILD)/tests/unit/store/store_contract_test: $(MADMIN_OBJ) | $(PLUGIN)
$(BUILD)/tests/unit/store/store_contract_test: XOBJ = $(MADMIN_OBJ)
$(BUILD)/tests/unit/store/store_contract_test: XLIBS = $(MONGO_LIBS)
$(BUILD)/tests/unit/store/store_plugin_test: | $(PLUGIN)
$(BUILD)/tests/unit/store/mongo/store_mongo_query_test: $(MQ_OBJ)
$(BUILD)/tests/unit/store/mongo/store_mongo_query_test: XOBJ = $(MQ_OBJ)
$(BUILD)/tests/unit/store/mongo/store_mongo_query_test: XLIBS = $(BSON_LIBS)
# The reporting queries' BSON, checked the same way.
MRP_OBJ := $(MONGO_DIR)/store_mongo_reporting.o
$(MRP_OBJ) $(BUILD)/obj/tests/unit/store/mongo/store_mongo_reporting_test.o: CFLAGS += $(MONGO_CFLAGS)
$(BUILD)/tests/unit/store/mongo/store_mongo_reporting_test: $(MRP_OBJ)
$(BUILD)/tests/unit/store/mongo/store_mongo_reporting_test: XOBJ = $(MRP_OBJ)
$(BUILD)/tests/unit/store/mongo/store_mongo_reporting_test: XLIBS = $(BSON_LIBS)

# Benchmark programs (build.sh bench); not part of `all`.
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(TLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $< $(TLIB) $(LIB) $(LDLIBS)

# The lifecycle bench trains, so it links the trainer library too.
$(BUILD)/bench/lifecycle_bench: $(BUILD)/obj/tests/bench/lifecycle_bench.o $(TLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $< $(TLIB) $(LIB) $(LDLIBS)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(RTLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -fsanitize=fuzzer -o $@ $< $(RTLIB) $(LIB) $(LDLIBS)

# The training steps' parser lives in the trainer library.
$(BUILD)/fuzz/ml_step_fuzz: $(BUILD)/obj/tests/fuzz/ml_step_fuzz.o $(TLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -fsanitize=fuzzer -o $@ $< $(TLIB) $(LIB) $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
