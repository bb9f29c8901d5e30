# Driven by build.sh; `make` alone builds the release tree. Every folder under
# functions/ becomes one binary, every folder under tools/ one tool, every
# tests/unit/*_test.c one test program, all linking the static core library.
BUILD   ?= build/release
CC      := $(if $(filter default,$(origin CC)),gcc,$(CC))
OPT     ?= -O2
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wvla -Wno-unused-parameter
PKGS    := json-c libsodium libcurl sqlite3 fcgi libmongoc-1.0
CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) -g -fno-omit-frame-pointer \
           -Ishared/include -Iruntime $(shell pkg-config --cflags $(PKGS))
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lpthread -lm

CORE_SRC := $(wildcard shared/src/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
RT_SRC   := $(wildcard runtime/*.c)
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/obj/%.o)
FUNCS    := $(notdir $(patsubst %/,%,$(wildcard functions/*/)))
FUNC_BIN := $(FUNCS:%=$(BUILD)/bin/%)
TOOLS    := $(notdir $(patsubst %/,%,$(wildcard tools/*/)))
TOOL_BIN := $(TOOLS:%=$(BUILD)/tools/%)
TEST_SRC := $(wildcard tests/unit/*_test.c) $(wildcard tests/e2e/*_test.c) $(wildcard tests/runtime/*_test.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
SUPPORT_SRC := $(filter-out tests/support/test.h,$(wildcard tests/support/*.c))
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/lib/libcs.a
RTLIB    := $(BUILD)/lib/libcsrt.a

FUZZ_SRC := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all functions tools tests fuzz
all: functions tools
fuzz: $(FUZZ_BIN)
functions: $(FUNC_BIN)
tools: $(TOOL_BIN)
tests: $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# main.c stays out of the archive so tests can link the other transports.
$(RTLIB): $(filter-out $(BUILD)/obj/runtime/main.o,$(RT_OBJ))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(addprefix $(BUILD)/obj/,$$(subst .c,.o,$$(wildcard functions/$$*/*.c))) $(BUILD)/obj/runtime/main.o $(RTLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(RTLIB) $(LIB) $(LDLIBS)

$(BUILD)/tools/%: $$(addprefix $(BUILD)/obj/,$$(subst .c,.o,$$(wildcard tools/$$*/*.c))) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SUPPORT_OBJ) $(RTLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $< $(SUPPORT_OBJ) $(RTLIB) $(LIB) $(LDLIBS)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(RTLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -fsanitize=fuzzer -o $@ $< $(RTLIB) $(LIB) $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
