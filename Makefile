# kafka.so: build, demo, tests, benchmarks.
#   make          build build/kafka.so and the C programs
#   make demo     produce and consume through the library (embedded mock
#                 cluster, or KAFKA_BOOTSTRAP=host:port)
#   make test     every test (installs what it needs; starts a real broker)
#   make header   regenerate include/kafka.h
#   make bench    benchmarks (see bench/)
#   make reliability  fault, secured-cluster and randomised-call tests, then
#                 docs/reliability.md from their figures
#   make fuzz     the randomised driver for FUZZ_SECONDS (default 1800)
#   make tsan     the C tests under ThreadSanitizer (needs nightly Rust)
#   make install  the library (with its soname links and Dyalog's kafka.so
#                 name), header, pkg-config file, APL package, C examples and
#                 docs under PREFIX (/usr/local); DESTDIR for packagers
#   make uninstall
#   make dist     kafka-VERSION-linux-x86_64.tar.gz in build/
#   make python-wheel  the Python package (bindings/python) as a wheel in
#                 build/python; make python-site installs it in build/python/site

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -pedantic
BUILD   := build
LIB     := $(BUILD)/kafka.so
CARGO_LIB := target/release/libkafka.so

# Cargo.toml holds the one version; build.rs gives the library the same
# soname: libkafka.so.MAJOR, or libkafka.so.0.MINOR before 1.0.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR   := $(word 1,$(subst ., ,$(VERSION)))
MINOR   := $(word 2,$(subst ., ,$(VERSION)))
SONAME  := libkafka.so.$(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
REALNAME := libkafka.so.$(VERSION)
# What we ship: debug info moved to a file of its own, linked by name.
STRIPPED := $(BUILD)/stripped/$(REALNAME)
DEBUGINFO := $(STRIPPED).debug
LDLIB   := -L$(BUILD) -l:kafka.so -Wl,-rpath,'$$ORIGIN'
# The admin examples parse the library's JSON results with cJSON.
JSON_PROGRAMS := $(BUILD)/topics $(BUILD)/metadata $(BUILD)/group_lag
C_PROGRAMS := $(BUILD)/demo $(BUILD)/mock_broker $(BUILD)/batch_produce $(BUILD)/batch_consume $(BUILD)/transform \
  $(JSON_PROGRAMS)

.PHONY: all lib demo test header check-header bench clean programs install uninstall dist python-wheel python-site

all: lib programs

lib: $(LIB)

$(LIB): $(shell find src -name '*.rs') Cargo.toml
	cargo build --release
	@mkdir -p $(BUILD)
	@# A new file, renamed into place: copying over the old one in place
	@# would change the code under every process that has it loaded (a
	@# name of its own: concurrent makes each rename their own copy).
	cp $(CARGO_LIB) $(LIB).$$$$ && mv -f $(LIB).$$$$ $(LIB)
	@# Programs linked here record the soname; this link resolves it.
	ln -sf kafka.so $(BUILD)/$(SONAME)

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

FUZZ_SECONDS ?= 1800
.PHONY: reliability fuzz tsan

reliability: lib
	cargo test --release --test faults_mock
	tests/broker/broker.sh run --secure -- python3 -m pytest -q tests/python/test_secured.py
	python3 tests/fuzz/driver.py --seconds 60 --seed 12
	$(CC) $(WARN) -O1 -g -pthread -Iinclude -o $(BUILD)/concurrency_test tests/c/concurrency_test.c $(LDLIB)
	$(BUILD)/concurrency_test 2000
	$(CC) $(WARN) -O1 -g -Iinclude -o $(BUILD)/cycles_test tests/c/cycles_test.c $(LDLIB)
	$(BUILD)/cycles_test 10000
	KAFKA_BROKER_KILLABLE=1 tests/broker/broker.sh run -- python3 -m pytest -q tests/python/test_broker_kill.py
	tests/broker/broker.sh run3 -- python3 -m pytest -q tests/python/test_leader_kill.py
	tests/broker/broker.sh run -- python3 -m pytest -q tests/python/test_txn_kill.py
	python3 tests/reliability.py

# The C tests under ThreadSanitizer (nightly Rust; builds target/tsan).
tsan:
	tests/c/tsan.sh

fuzz: lib
	python3 tests/fuzz/driver.py --seconds $(FUZZ_SECONDS) --seed random --keep-going

# The Python package (confluent-kafka's API, bindings/python): a wheel
# carrying its own kafka.so, built with the toolchain already here (no
# build isolation, so no download); `pip install ./bindings/python` works too.
PYTHON_WHEEL_STAMP := $(BUILD)/python/.built
python-wheel: $(PYTHON_WHEEL_STAMP)

$(PYTHON_WHEEL_STAMP): $(LIB) include/kafka.h $(shell find bindings/python/src bindings/python/*.py bindings/python/*.toml -type f)
	rm -rf $(BUILD)/python && mkdir -p $(BUILD)/python
	python3 -m pip wheel -q --no-deps --no-build-isolation --disable-pip-version-check -w $(BUILD)/python bindings/python
	touch $@

# The wheel installed into build/python/site, where the tests and the
# benchmarks import it from (as a user gets it, without touching the system).
PYTHON_SITE_STAMP := $(BUILD)/python/site/.installed
python-site: $(PYTHON_SITE_STAMP)

$(PYTHON_SITE_STAMP): $(PYTHON_WHEEL_STAMP)
	python3 -m pip install -q --no-deps --upgrade --disable-pip-version-check --target $(BUILD)/python/site \
	  $(BUILD)/python/kafkaso-*.whl 2>&1 | { grep -v "Running pip as the 'root' user" || true; }
	touch $@

clean:
	cargo clean
	rm -rf $(BUILD)

$(STRIPPED): $(LIB)
	@mkdir -p $(@D)
	objcopy --only-keep-debug --compress-debug-sections=zlib $(LIB) $(DEBUGINFO)
	cd $(@D) && objcopy --strip-unneeded --add-gnu-debuglink=$(REALNAME).debug $(CURDIR)/$(LIB) $(REALNAME)
	@echo "$(REALNAME): $$(stat -c %s $@) bytes stripped, $$(stat -c %s $(LIB)) built"

# Install layout (GNU names; override any of them).
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR  ?= $(DATADIR)/doc/kafka
APLDIR  ?= $(DATADIR)/kafka/apl
EXAMPLEDIR ?= $(DATADIR)/kafka/examples
# The pkg-config file's prefix, and the folder APL's Init '' loads from.
PC_PREFIX ?= $(PREFIX)
APL_LIBRARY_FOLDER ?= $(LIBDIR)
D := $(DESTDIR)
# Every C example, with the Makefile that builds them through pkg-config.
EXAMPLES := $(notdir $(wildcard bindings/c/*.c bindings/c/*.h))
LICENSES := $(BUILD)/licenses

# Third-party licenses of what is linked in (see packaging/licenses.sh).
$(LICENSES): $(LIB) packaging/licenses.sh
	rm -rf $@ && packaging/licenses.sh $@

install: $(STRIPPED) $(LICENSES)
	install -d $(D)$(LIBDIR)/.debug $(D)$(INCLUDEDIR) $(D)$(PKGCONFIGDIR) $(D)$(DOCDIR) \
	  $(D)$(APLDIR) $(D)$(EXAMPLEDIR)/c $(D)$(EXAMPLEDIR)/python
	install -m 755 $(STRIPPED) $(D)$(LIBDIR)/$(REALNAME)
	install -m 644 $(DEBUGINFO) $(D)$(LIBDIR)/.debug/$(REALNAME).debug
	ln -sf $(REALNAME) $(D)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(D)$(LIBDIR)/libkafka.so
	@# The name Dyalog's ⎕NA loads ('kafka' + .so).
	ln -sf $(SONAME) $(D)$(LIBDIR)/kafka.so
	install -m 644 include/kafka.h $(D)$(INCLUDEDIR)/kafka.h
	sed -e 's|@PREFIX@|$(PC_PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	  $(if $(filter $(PREFIX)/lib,$(LIBDIR)),,-e 's|^libdir=.*|libdir=$(LIBDIR)|') \
	  $(if $(filter $(PREFIX)/include,$(INCLUDEDIR)),,-e 's|^includedir=.*|includedir=$(INCLUDEDIR)|') \
	  packaging/kafka.pc.in >$(D)$(PKGCONFIGDIR)/kafka.pc
	@# The APL package: Tatin's description beside the Link source folder.
	rm -rf $(D)$(APLDIR)/APLSource
	mkdir -p $(D)$(APLDIR)/APLSource
	tar -C bindings/apl --exclude=README.md -cf - . | tar -C $(D)$(APLDIR)/APLSource -xf -
	sed 's|@VERSION@|$(VERSION)|' packaging/apl-package.json.in >$(D)$(APLDIR)/apl-package.json
	install -m 644 bindings/apl/README.md $(D)$(APLDIR)/README.md
	sed "/^ folder←''/s|''|'$(APL_LIBRARY_FOLDER)'|" bindings/apl/kafka/library_folder.aplf \
	  >$(D)$(APLDIR)/APLSource/kafka/library_folder.aplf
	install -m 644 $(addprefix bindings/c/,$(EXAMPLES)) packaging/examples.mk $(D)$(EXAMPLEDIR)/c/
	mv $(D)$(EXAMPLEDIR)/c/examples.mk $(D)$(EXAMPLEDIR)/c/Makefile
	install -m 644 $(wildcard bindings/python/example*.py) $(D)$(EXAMPLEDIR)/python/
	install -m 644 README.md LICENSE CHANGELOG.md $(LICENSES)/* $(D)$(DOCDIR)/

uninstall:
	rm -f $(D)$(LIBDIR)/$(REALNAME) $(D)$(LIBDIR)/.debug/$(REALNAME).debug $(D)$(LIBDIR)/$(SONAME) \
	  $(D)$(LIBDIR)/libkafka.so $(D)$(LIBDIR)/kafka.so $(D)$(INCLUDEDIR)/kafka.h $(D)$(PKGCONFIGDIR)/kafka.pc
	rm -rf $(D)$(APLDIR) $(D)$(EXAMPLEDIR) $(D)$(DOCDIR)
	-rmdir $(D)$(LIBDIR)/.debug $(D)$(DATADIR)/kafka 2>/dev/null

# The release archive: the install tree (relocatable: the pkg-config file
# finds itself, APL's Init is given the lib folder), the Python wheel, and
# the docs at the top. The debug info goes in an archive of its own that
# unpacks beside it (lib/.debug), so users do not download it by default.
DIST_NAME := kafka-$(VERSION)-linux-$(shell uname -m)
DIST_DIR := $(BUILD)/dist/$(DIST_NAME)
DIST := $(BUILD)/$(DIST_NAME).tar.gz
DIST_DEBUG := $(BUILD)/$(DIST_NAME)-debug.tar.gz
TAR := tar --sort=name --owner=0 --group=0

dist: $(DIST)

$(DIST): $(STRIPPED) $(LICENSES) include/kafka.h packaging/* $(shell find bindings/python bindings/apl -type f) \
         bindings/c/* README.md CHANGELOG.md LICENSE Makefile
	rm -rf $(BUILD)/dist && mkdir -p $(DIST_DIR)
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DIST_DIR) PREFIX= \
	  PC_PREFIX='$$$${pcfiledir}/../..' APL_LIBRARY_FOLDER=
	cp README.md LICENSE CHANGELOG.md $(LICENSES)/LICENSES.librdkafka $(DIST_DIR)/
	mkdir -p $(DIST_DIR)/python
	@# The Python package builds itself (as make python-wheel does), with
	@# the shipped library inside.
	KAFKASO_LIBRARY=$(CURDIR)/$(STRIPPED) KAFKASO_HEADER=$(CURDIR)/include/kafka.h \
	  python3 -m pip wheel -q --no-deps --no-build-isolation --disable-pip-version-check \
	  -w $(DIST_DIR)/python bindings/python
	chmod 644 $(DIST_DIR)/python/*.whl
	$(TAR) -C $(BUILD)/dist -czf $(DIST_DEBUG) $(DIST_NAME)/lib/.debug
	$(TAR) -C $(BUILD)/dist -czf $@ --exclude=.debug $(DIST_NAME)
	@echo "$@: $$(stat -c %s $@) bytes; debug info: $(DIST_DEBUG), $$(stat -c %s $(DIST_DEBUG)) bytes"
