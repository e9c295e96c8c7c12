# kafka.so: build, demo, tests, benchmarks.
#   make          build build/kafka.so and the C programs
#   make demo     produce and consume through the library (embedded mock
#                 cluster, or KAFKA_BOOTSTRAP=host:port)
#   make test     every test (installs what it needs; starts a real broker)
#   make header   regenerate include/kafka.h
#   make bench    benchmarks (see bench/)

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -pedantic
BUILD   := build
LIB     := $(BUILD)/kafka.so
CARGO_LIB := target/release/libkafka.so
LDLIB   := -L$(BUILD) -l:kafka.so -Wl,-rpath,'$$ORIGIN'
# The admin examples parse the library's JSON results with cJSON.
JSON_PROGRAMS := $(BUILD)/topics $(BUILD)/metadata $(BUILD)/group_lag
C_PROGRAMS := $(BUILD)/demo $(BUILD)/mock_broker $(JSON_PROGRAMS)

.PHONY: all lib demo test header check-header bench clean programs

all: lib programs

lib: $(LIB)

$(LIB): $(shell find src -name '*.rs') Cargo.toml
	cargo build --release
	@mkdir -p $(BUILD)
	@# A new file, renamed into place: copying over the old one in place
	@# would change the code under every process that has it loaded.
	cp $(CARGO_LIB) $(LIB).new && mv -f $(LIB).new $(LIB)

programs: $(C_PROGRAMS)

$(BUILD)/%: bindings/c/%.c include/kafka.h $(LIB)
	$(CC) $(WARN) $(CFLAGS) -Iinclude -o $@ $< $(LDLIB)

$(JSON_PROGRAMS): $(BUILD)/%: bindings/c/%.c bindings/c/example.h include/kafka.h $(LIB)
	$(CC) $(WARN) $(CFLAGS) -Iinclude -o $@ $< $(LDLIB) -lcjson

demo: all
	$(BUILD)/demo

header:
	cbindgen -q --config cbindgen.toml --crate kafka --output include/kafka.h

test:
	tests/run-all.sh

bench: all
	bench/run.sh

clean:
	cargo clean
	rm -rf $(BUILD)
