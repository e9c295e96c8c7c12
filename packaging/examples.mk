# Builds the C examples against the installed library, found by pkg-config
# (for an unpacked archive: PKG_CONFIG_PATH=<archive>/lib/pkgconfig).
# topics, metadata and group_lag parse JSON with cJSON (Debian: libcjson-dev).
CC ?= cc
CFLAGS ?= -O2
KAFKA := $(shell pkg-config --cflags --libs kafka) -Wl,-rpath,$(shell pkg-config --variable=libdir kafka)
PROGRAMS := demo mock_broker batch_produce batch_consume topics metadata group_lag

all: $(PROGRAMS)

demo mock_broker batch_produce batch_consume: %: %.c
	$(CC) $(CFLAGS) -o $@ $< $(KAFKA)

topics metadata group_lag: %: %.c example.h
	$(CC) $(CFLAGS) -o $@ $< $(KAFKA) -lcjson

clean:
	rm -f $(PROGRAMS)
