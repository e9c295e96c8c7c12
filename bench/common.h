/*
 * Shared by the two benchmark drivers, bench_ours.c (kafka.so through
 * include/kafka.h) and bench_raw.c (librdkafka directly, the same librdkafka
 * build linked statically): options, payloads, clocks, statistics and the
 * one-line result format that bench/run.sh parses.
 *
 *   DRIVER MODE -b BOOTSTRAP -t TOPIC [-n N] [-s SIZE] [-K KEYS] [-g GROUP]
 *               [-r RATE] [-d SECONDS] [-w WARMUP] [-p PARTITIONS]
 *               [-B REPORTS] [-W PREFETCH_SECONDS]
 *               [-N PER_CALL]        messages per batch call (batch modes)
 *               [-R SAMPLES]         RSS trace: current RSS at N/SAMPLES steps
 *               [-X key=value ...]   librdkafka property for every client
 *               [-P key=value ...]   ... for producers only
 *               [-C key=value ...]   ... for consumers only
 *
 * Every result is one line on stdout:
 *   RESULT side=ours mode=produce n=... size=... secs=... msgs_s=... mb_s=... rss_kb=...
 * (key=value pairs; MB = 10^6 payload bytes). Diagnostics go to stderr.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS
#define RUNNING_ON_VALGRIND 0
#endif

#define MAX_CONF 64

struct opts {
    const char *mode;
    const char *bootstrap;
    const char *topic;
    const char *group;
    long n;          /* messages */
    long size;       /* payload bytes */
    long keys;       /* distinct keys; 0 = no key */
    long rate;       /* latency: messages per second */
    double seconds;  /* latency: measured duration */
    double warmup;   /* latency: seconds of unmeasured traffic first */
    long partitions; /* mktopic */
    long dr_batch;   /* ours: DeliveryReport capacity per call */
    double prefetch; /* consume: seconds to let librdkafka prefetch after the first message */
    long per_call;   /* batch modes: messages per call */
    long rss_samples; /* 0: no RSS trace; else samples of the current RSS over the run */
    int nconf;
    const char *conf_key[MAX_CONF];
    const char *conf_val[MAX_CONF];
    char conf_role[MAX_CONF]; /* 'X' every client, 'P' producers, 'C' consumers */
};

/* Whether the -X/-P/-C setting i applies to a client of `role` ('P'/'C'). */
static inline int conf_applies(const struct opts *o, int i, char role)
{
    return o->conf_role[i] == 'X' || o->conf_role[i] == role;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#include <stdarg.h>
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->n = 100000;
    o->size = 100;
    o->keys = 1024;
    o->rate = 1000;
    o->seconds = 5;
    o->warmup = 1;
    o->partitions = 3;
    o->dr_batch = 8192;
    o->group = "bench";
    o->per_call = 1000;
    if (argc < 2)
        die("usage: %s MODE -b BOOTSTRAP -t TOPIC [options] (see bench/common.h)", argv[0]);
    o->mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == 0 || a[2] != 0 || i + 1 >= argc)
            die("bad argument %s", a);
        const char *v = argv[++i];
        switch (a[1]) {
        case 'b': o->bootstrap = v; break;
        case 't': o->topic = v; break;
        case 'g': o->group = v; break;
        case 'n': o->n = atol(v); break;
        case 's': o->size = atol(v); break;
        case 'K': o->keys = atol(v); break;
        case 'r': o->rate = atol(v); break;
        case 'd': o->seconds = atof(v); break;
        case 'w': o->warmup = atof(v); break;
        case 'p': o->partitions = atol(v); break;
        case 'B': o->dr_batch = atol(v); break;
        case 'W': o->prefetch = atof(v); break;
        case 'N': o->per_call = atol(v); break;
        case 'R': o->rss_samples = atol(v); break;
        case 'X':
        case 'P':
        case 'C': {
            const char *eq = strchr(v, '=');
            if (!eq || o->nconf >= MAX_CONF)
                die("bad %s %s", a, v);
            o->conf_role[o->nconf] = a[1];
            o->conf_key[o->nconf] = strndup(v, (size_t)(eq - v));
            o->conf_val[o->nconf] = eq + 1;
            o->nconf++;
            break;
        }
        default: die("unknown option %s", a);
        }
    }
    /* A driver that waits for a broker that died must not hang the run. */
    const char *limit = getenv("BENCH_DRIVER_TIMEOUT");
    alarm(limit ? (unsigned)atoi(limit) : 900);
    if (!strcmp(o->mode, "version"))
        return;
    if (!o->bootstrap || !o->topic)
        die("-b BOOTSTRAP and -t TOPIC are required");
    if (o->n < 1 || o->size < 16)
        die("-n must be >= 1 and -s >= 16 (the payload carries a sequence number and a timestamp)");
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Peak resident set size of this process, in KiB. */
static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Current resident set size of this process, in KiB (0 if unknown). */
static long current_rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The RSS trace of a long run: current RSS each time another n/samples
 * messages are through, printed as rss_trace=a,b,... (KiB) on RESULT. */
struct rss_trace {
    long every, next, count;
    char text[2048];
    size_t used;
};

static void rss_trace_init(struct rss_trace *t, const struct opts *o)
{
    memset(t, 0, sizeof *t);
    t->every = o->rss_samples > 0 ? (o->n + o->rss_samples - 1) / o->rss_samples : 0;
    t->next = t->every;
}

/* `done` messages are through: samples when a step was crossed. */
static inline void rss_trace_at(struct rss_trace *t, long done)
{
    if (!t->every || done < t->next)
        return;
    while (t->next <= done)
        t->next += t->every;
    if (t->used + 24 < sizeof t->text)
        t->used += (size_t)snprintf(t->text + t->used, sizeof t->text - t->used, "%s%ld", t->count++ ? "," : "",
                                    current_rss_kb());
}

/* " rss_trace=..." for the RESULT line, or "". */
static const char *rss_trace_text(const struct rss_trace *t, char *buf, size_t cap)
{
    if (!t->count)
        return "";
    snprintf(buf, cap, " rss_trace=%s", t->text);
    return buf;
}

/* A payload of `size` bytes: 8-byte sequence number, 8-byte send time, then
 * filler that does not compress trivially. */
static char *make_payload(long size)
{
    char *p = malloc((size_t)size);
    if (!p)
        die("out of memory");
    uint32_t x = 2463534242u;
    for (long i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (char)('a' + x % 26);
    }
    return p;
}

static inline void stamp_payload(char *p, uint64_t seq, uint64_t t)
{
    memcpy(p, &seq, 8);
    memcpy(p + 8, &t, 8);
}

static inline void read_stamp(const char *p, uint64_t *seq, uint64_t *t)
{
    memcpy(seq, p, 8);
    memcpy(t, p + 8, 8);
}

/* Keys "key-000123": 10 bytes, `keys` distinct values, spread over the
 * partitions by the default partitioner. */
static char (*make_keys(long keys))[16]
{
    long n = keys > 0 ? keys : 1;
    if (n > 1000000)
        die("at most 1000000 distinct keys");
    char(*k)[16] = calloc((size_t)n, 16);
    for (int i = 0; i < (int)n; i++)
        snprintf(k[i], 16, "key-%06d", i % 1000000);
    return k;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentile q (0..1) of sorted samples, nearest rank. */
static uint64_t percentile(const uint64_t *sorted, long n, double q)
{
    if (n <= 0)
        return 0;
    long i = (long)(q * (double)n + 0.999999) - 1;
    if (i < 0)
        i = 0;
    if (i >= n)
        i = n - 1;
    return sorted[i];
}

static void print_throughput(const char *side, const struct opts *o, const char *mode, long n, double secs,
                             const char *extra)
{
    double msgs = (double)n / secs;
    printf("RESULT side=%s mode=%s n=%ld size=%ld secs=%.6f msgs_s=%.1f mb_s=%.3f rss_kb=%ld%s%s\n", side, mode, n,
           o->size, secs, msgs, msgs * (double)o->size / 1e6, max_rss_kb(), extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/* Latency samples in ns -> RESULT line in microseconds. */
static void print_latency(const char *side, const struct opts *o, uint64_t *lat, long n, long lost)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += (double)lat[i];
    printf("RESULT side=%s mode=latency n=%ld size=%ld rate=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f "
           "p999_us=%.1f max_us=%.1f mean_us=%.1f lost=%ld rss_kb=%ld\n",
           side, n, o->size, o->rate, percentile(lat, n, 0.50) / 1e3, percentile(lat, n, 0.90) / 1e3,
           percentile(lat, n, 0.99) / 1e3, percentile(lat, n, 0.999) / 1e3, n ? lat[n - 1] / 1e3 : 0.0,
           n ? sum / (double)n / 1e3 : 0.0, lost, max_rss_kb());
    fflush(stdout);
}

/* ------------------------------------------------------------- latency -- */

#define WARMUP_FLAG (1ull << 63)

/* A latency run: the producer thread stamps payloads with their send time
 * (warm-up ones flagged), the consumer on the main thread reads them back. */
struct latency_run {
    const struct opts *o;
    atomic_int consumer_ready;   /* the consumer has read every partition */
    atomic_long measured_sent;   /* measured messages produced so far */
    atomic_int done_producing;
    /* consumer side */
    uint64_t *lat;
    long measured, received, parts_seen;
    unsigned char seen_part[4096];
    uint64_t idle_since;
};

static void latency_init(struct latency_run *run, const struct opts *o)
{
    memset(run, 0, sizeof *run);
    run->o = o;
    run->measured = (long)(o->seconds * (double)o->rate);
    run->lat = calloc((size_t)run->measured, sizeof *run->lat);
}

/* A consumed message, received at time t. Returns 1 when every measured
 * message is in. */
static int latency_message(struct latency_run *run, const void *payload, int32_t partition, uint64_t t)
{
    uint64_t seq, sent;
    read_stamp(payload, &seq, &sent);
    if (seq & WARMUP_FLAG) {
        if (partition >= 0 && partition < 4096 && !run->seen_part[partition]) {
            run->seen_part[partition] = 1;
            if (++run->parts_seen >= run->o->partitions)
                atomic_store(&run->consumer_ready, 1);
        }
        return 0;
    }
    if (run->received < run->measured)
        run->lat[run->received++] = t - sent;
    return run->received >= run->measured;
}

/* No message this time. Returns 1 when the run is over: the producer is
 * done and everything it sent is in, or nothing came for 5 s. */
static int latency_idle(struct latency_run *run)
{
    if (!atomic_load(&run->done_producing))
        return 0;
    if (!run->idle_since)
        run->idle_since = now_ns();
    return run->received >= atomic_load(&run->measured_sent) || now_ns() - run->idle_since > 5000000000ull;
}

#endif
