# Builds the C examples against the installed library, found by pkg-config
# (for an unpacked archive: PKG_CONFIG_PATH=<archive>/lib/pkgconfig).
# The ones that include example.h parse JSON with cJSON (Debian: libcjson-dev).
CC ?= cc
CFLAGS ?= -O2
KAFKA := $(shell pkg-config --cflags --libs kafka) -Wl,-rpath,$(shell pkg-config --variable=libdir kafka)
JSON_PROGRAMS := $(basename $(shell grep -l '"example.h"' *.c))
PROGRAMS := $(basename $(wildcard *.c))

all: $(PROGRAMS)

$(filter-out $(JSON_PROGRAMS),$(PROGRAMS)): %: %.c
	$(CC) $(CFLAGS) -o $@ $< $(KAFKA)

$(JSON_PROGRAMS): %: %.c example.h
	$(CC) $(CFLAGS) -o $@ $< $(KAFKA) -lcjson

clean:
	rm -f $(PROGRAMS)
