/*
 * How long a user waits from loading the library to the first message
 * delivered: dlopen, then InitKafka, SetKafkaConf, Produce, and
 * DeliveryReportWait until the broker acknowledges it.
 *
 *   startup LIBRARY BOOTSTRAP TOPIC
 *
 * Prints "dlopen_ms=… delivered_ms=…", both from before dlopen. The library
 * is opened by path at run time, as Dyalog's ⎕NA and Python's ctypes do, so
 * the figure includes the dynamic loader's work on it.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef int (*init_fn)(void **);
typedef int (*conf_fn)(void *, const char *, const char *, char *, int *);
typedef int (*produce_fn)(void *, const char *, const char *, uint32_t, const char *, uint32_t, int32_t, uint64_t *,
                          char *, int *);
typedef int (*reports_fn)(void *, unsigned long long *, int *, int *, int32_t);
typedef int (*uninit_fn)(void *);

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer. */
static void *symbol(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p)
        fprintf(stderr, "startup: %s not found: %s\n", name, dlerror());
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: startup LIBRARY BOOTSTRAP TOPIC\n");
        return 2;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "startup: %s\n", dlerror());
        return 1;
    }
    double loaded = ms_since(&t0);

    init_fn init;
    conf_fn conf;
    produce_fn produce;
    reports_fn reports;
    uninit_fn uninit;
    void *p;
    if (!(p = symbol(lib, "InitKafka")))
        return 1;
    memcpy(&init, &p, sizeof p);
    if (!(p = symbol(lib, "SetKafkaConf")))
        return 1;
    memcpy(&conf, &p, sizeof p);
    if (!(p = symbol(lib, "Produce")))
        return 1;
    memcpy(&produce, &p, sizeof p);
    if (!(p = symbol(lib, "DeliveryReportWait")))
        return 1;
    memcpy(&reports, &p, sizeof p);
    if (!(p = symbol(lib, "UninitProducer")))
        return 1;
    memcpy(&uninit, &p, sizeof p);

    void *producer = NULL;
    char err[512];
    int len = sizeof err;
    init(&producer);
    if (conf(producer, "bootstrap.servers", argv[2], err, &len) != 0) {
        fprintf(stderr, "startup: SetKafkaConf: %.*s\n", len, err);
        return 1;
    }
    uint64_t id = 0;
    len = sizeof err;
    if (produce(producer, argv[3], "hello", 5, NULL, 0, -1, &id, err, &len) != 0) {
        fprintf(stderr, "startup: Produce: %.*s\n", len, err);
        return 1;
    }
    unsigned long long ids[1];
    int status[1], n = 0;
    for (int tries = 0; n == 0 && tries < 100; tries++) {
        n = 1;
        reports(producer, ids, status, &n, 100);
    }
    double delivered = ms_since(&t0);
    if (n != 1 || status[0] != 0) {
        fprintf(stderr, "startup: no delivery report (n=%d status=%d)\n", n, n ? status[0] : 0);
        return 1;
    }
    printf("dlopen_ms=%.2f delivered_ms=%.2f\n", loaded, delivered);
    uninit(producer);
    return 0;
}
