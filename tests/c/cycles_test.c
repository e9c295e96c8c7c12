/* Issue 12, memory: producers and consumers that did real work, made and
 * released over and over against one mock cluster, leave nothing behind.
 *
 * Each cycle: a producer sends 3 messages and collects their 3 reports,
 * then is released; a consumer starts from its group's committed offset
 * (Assign; a subscription every SUBSCRIBE_EVERY cycles), must read exactly
 * the messages produced since, in order, commits, and is released. So
 * every commit is checked by a later cycle: nothing lost, nothing read
 * twice.
 *
 * Measured after a warm-up and at the end: RSS (/proc/self/statm) and
 * malloc's bytes in use (mallinfo2: fragmentation-free, so it sees small
 * leaks RSS hides). After every cycle: threads (/proc/self/task) and open
 * fds (/proc/self/fd) are back to their value before the first client: a
 * consumer left alive keeps 4 threads and 10 fds (the mock's ends of its
 * connections included).
 * No export counts live handles; a handle never released keeps its
 * instance alive, so the thread check covers it.
 *
 * Payloads are 4000 bytes so that the mock's log of the one partition
 * reaches its 5 MiB cap (it then drops its oldest batches) within the
 * warm-up (about 440 cycles): after it, the cluster's own memory stays
 * flat and any growth is the clients'. A subscriber reading 400 cycles
 * back still finds its messages in the log.
 *
 * Usage: cycles_test [--no-memory-bounds] [CYCLES [WARMUP [SUBSCRIBE_EVERY]]]
 *        (default 10000, 500, 200). Under valgrind or TSan, whose
 *        allocators and shadow memory make RSS and mallinfo meaningless,
 *        pass --no-memory-bounds: the rest is still checked. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka.h"

#define TOPIC "cycles"
#define PER_CYCLE 3
#define PAYLOAD 4000
/* Allowed growth from the warm-up to the end (measured over 10,000
 * cycles: RSS +264 KiB, heap +8 KiB). A leaked client is far bigger (its
 * threads alone are caught exactly), so these bound what a cycle may lose:
 * over 9,500 cycles, 2 MiB of RSS is under 230 bytes a cycle and leaves
 * room for malloc's arenas settling; 256 KiB of heap is under 28 bytes a
 * cycle, less than one registry entry or one kept report (32 bytes). */
#define RSS_BOUND_KIB 2048
#define HEAP_BOUND_KIB 256

static char bootstrap[256];
static int errors;
static long delivered; /* successful reports */

static void fail(const char *what, int cycle, int rc, const char *text) {
    fprintf(stderr, "cycle %d: %s: %d %s\n", cycle, what, rc, text ? text : "");
    errors++;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void nap_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static long rss_kib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    if (f) fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long heap_kib(void) {
    struct mallinfo2 m = mallinfo2();
    return (long)((m.uordblks + m.hblkhd) / 1024);
}

static int entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] != '.';
    closedir(d);
    return n - (strcmp(dir, "/proc/self/fd") == 0); /* opendir's own fd */
}

/* librdkafka's threads may still be exiting when destroy returns: poll
 * for a bounded while, and count how often that was needed. */
static int lingered;

static int back_to(int threads, int fds) {
    double deadline = now() + 5;
    int waited = 0;
    while (entries("/proc/self/task") != threads || entries("/proc/self/fd") != fds) {
        if (now() > deadline) return 0;
        waited = 1;
        nap_ms(1);
    }
    lingered += waited;
    return 1;
}

#ifdef __SANITIZE_THREAD__
static void *nothing(void *arg) { return arg; }
#endif

static void *client(int cycle, const char *const settings[][2], int n) {
    void *h = NULL;
    if (InitKafka(&h) != 0) fail("InitKafka", cycle, 1, NULL);
    for (int i = 0; i < n; i++) {
        char err[512];
        int len = sizeof err;
        int rc = SetKafkaConf(h, settings[i][0], settings[i][1], err, &len);
        if (rc != 0) fail(settings[i][0], cycle, rc, err);
    }
    return h;
}

static void payload_of(char *buf, int cycle, int i) {
    memset(buf, 'x', PAYLOAD);
    snprintf(buf, 32, "%d-%d", cycle, i);
}

static void produce_cycle(int cycle) {
    const char *const settings[][2] = {
        {"bootstrap.servers", bootstrap}, {"linger.ms", "1"}, {"message.timeout.ms", "10000"}};
    void *p = client(cycle, settings, 3);
    uint64_t ids[PER_CYCLE];
    static char payload[PAYLOAD];
    for (int i = 0; i < PER_CYCLE; i++) {
        char err[512];
        int len = sizeof err;
        payload_of(payload, cycle, i);
        int rc = Produce(p, TOPIC, payload, PAYLOAD, "k", 1, 0, &ids[i], err, &len);
        if (rc != 0) fail("Produce", cycle, rc, err);
    }
    int got = 0;
    double deadline = now() + 15;
    while (got < PER_CYCLE && now() < deadline) {
        unsigned long long rid[PER_CYCLE];
        int st[PER_CYCLE], n = PER_CYCLE - got;
        int rc = DeliveryReportWait(p, rid, st, &n, 1000);
        if (rc != 0) fail("DeliveryReportWait", cycle, rc, NULL);
        for (int i = 0; i < n; i++, got++) {
            if (rid[i] != ids[got] || st[i] != 0) fail("report (id mismatch or failed)", cycle, st[i], NULL);
            else delivered++;
        }
    }
    if (got != PER_CYCLE) fail("reports collected", cycle, got, NULL);
    int rc = UninitProducer(p);
    if (rc != 0) fail("UninitProducer", cycle, rc, NULL);
}

/* An assigning consumer of group "cycles" reads the messages since the
 * offset its group committed (one or two cycles back). Every
 * subscribe_every cycles a subscriber of group "cycles-sub" does so
 * instead, that many cycles back (the mock refuses commits of non-members
 * to a group that has had members, so the two need groups of their own). */
static int subscribe_every = 200;
/* The first cycle whose messages each group has not read yet: each group
 * reads every cycle's messages once, in order, or the test fails. */
static int next_assigned = 1, next_subscribed = 1;

static void consume_cycle(int cycle) {
    int subscribing = cycle % subscribe_every == 0;
    const char *const settings[][2] = {{"bootstrap.servers", bootstrap},
                                       {"group.id", subscribing ? "cycles-sub" : "cycles"},
                                       {"enable.auto.commit", "false"},
                                       {"auto.offset.reset", "earliest"},
                                       /* After its last member leaves, the mock holds a
                                        * group in a rebalance for the session timeout
                                        * less 1 s (45 s by default) before the next
                                        * member can join; a real broker does not. */
                                       {"session.timeout.ms", "6000"}};
    void *c = client(cycle, settings, 5);
    char err[512];
    int len = sizeof err, rc;
    if (subscribing) {
        void *list;
        NewTopicPartitionList(&list);
        SetTopicPartitionList(list, TOPIC, 0);
        rc = SubscribeConsumerTPList(c, list, err, &len); /* takes the list */
        if (rc != 0) fail("SubscribeConsumerTPList", cycle, rc, err);
    } else {
        int32_t partition = 0;
        int64_t offset = -1001; /* the group's committed offset */
        rc = Assign(c, TOPIC, &partition, &offset, 1, err, &len);
        if (rc != 0) fail("Assign", cycle, rc, err);
    }
    int *next = subscribing ? &next_subscribed : &next_assigned;
    int first = *next, want = (cycle + 1 - first) * PER_CYCLE;
    int got = 0;
    double deadline = now() + 30;
    while (got < want && now() < deadline) {
        static char payload[PAYLOAD + 1], expected[PAYLOAD];
        char topic[64], key[8];
        uint32_t tl = sizeof topic, pl = sizeof payload, kl = sizeof key;
        int32_t partition;
        int64_t offset;
        len = sizeof err;
        rc = Consume(c, topic, &tl, payload, &pl, key, &kl, &partition, &offset, err, &len);
        if (rc == KAFKA_CONSUME_NO_MESSAGE) continue;
        if (rc != 0) {
            fail("Consume", cycle, rc, err);
            break;
        }
        payload_of(expected, first + got / PER_CYCLE, got % PER_CYCLE);
        if (pl != PAYLOAD || memcmp(payload, expected, PAYLOAD) != 0) {
            payload[32] = 0;
            fail("Consume: not the next message expected (lost or read twice)", cycle, got, payload);
            break;
        }
        got++;
    }
    if (got != want) fail("messages consumed", cycle, got, NULL);
    rc = Commit(c, NULL);
    if (rc != 0) fail("Commit", cycle, rc, NULL);
    *next = cycle + 1;
    rc = UninitConsumer(c);
    if (rc != 0) fail("UninitConsumer", cycle, rc, NULL);
}

int main(int argc, char **argv) {
    int memory_bounds = !(argc > 1 && strcmp(argv[1], "--no-memory-bounds") == 0);
    if (!memory_bounds) argv++, argc--;
    int cycles = argc > 1 ? atoi(argv[1]) : 10000;
    int warmup = argc > 2 ? atoi(argv[2]) : 500;
    if (argc > 3) subscribe_every = atoi(argv[3]);
    /* The mock's log reaches its cap (5 MiB) after about 440 cycles. */
    if (cycles < 2 || subscribe_every < 1 || subscribe_every > 400 ||
        (memory_bounds && (warmup < 450 || warmup >= cycles))) {
        fprintf(stderr, "usage: cycles_test [--no-memory-bounds] [CYCLES [WARMUP>=450, <CYCLES "
                        "[SUBSCRIBE_EVERY<=400]]]\n");
        return 2;
    }
    if (warmup >= cycles) warmup = cycles / 2;
#ifdef __SANITIZE_THREAD__
    /* TSan starts a thread of its own with the first thread: before counting. */
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) == 0) pthread_join(t, NULL);
#endif
    int threads0 = entries("/proc/self/task"), fds0 = entries("/proc/self/fd");

    void *mock;
    int32_t blen = sizeof bootstrap;
    if (NewMockCluster(1, &mock, bootstrap, &blen) != 0) return 2;
    char err[512];
    int32_t elen = sizeof err;
    if (MockCreateTopic(mock, TOPIC, 1, 1, err, &elen) != 0) return 2;
    int threads = entries("/proc/self/task"), fds = entries("/proc/self/fd");

    long rss_w = 0, heap_w = 0;
    double t0 = now(), tw = t0;
    int stuck = 0, done = 0;
    for (int i = 1; i <= cycles && errors < 10; i++) {
        produce_cycle(i);
        consume_cycle(i);
        if (!back_to(threads, fds)) {
            fprintf(stderr, "cycle %d: threads %d, fds %d, not back to %d and %d: a client left alive\n", i,
                    entries("/proc/self/task"), entries("/proc/self/fd"), threads, fds);
            stuck = 1;
            break;
        }
        done = i;
        if (i == warmup) {
            rss_w = rss_kib();
            heap_w = heap_kib();
            tw = now();
        }
        if (i % 1000 == 0)
            fprintf(stderr, "cycle %d: RSS %ld KiB, heap %ld KiB, %.1f s\n", i, rss_kib(), heap_kib(), now() - t0);
    }
    long rss_end = rss_kib(), heap_end = heap_kib();
    double secs = now() - t0;
    int threads_end = entries("/proc/self/task"), fds_end = entries("/proc/self/fd");
    DestroyMockCluster(mock);
    int released = back_to(threads0, fds0);

    printf("%d producer and %d consumer cycles of %d (%d messages each way) in %.1f s (%.1f ms a cycle after "
           "warm-up)\n",
           done, done, cycles, PER_CYCLE * done, secs, done > warmup ? 1000 * (t0 + secs - tw) / (done - warmup) : 0.0);
    if (!memory_bounds) printf("memory bounds not checked (--no-memory-bounds)\n");
    printf("RSS after cycle %d: %ld KiB, at the end: %ld KiB (growth %+ld KiB, bound %d)\n", warmup, rss_w, rss_end,
           rss_end - rss_w, RSS_BOUND_KIB);
    printf("heap in use after cycle %d: %ld KiB, at the end: %ld KiB (growth %+ld KiB, bound %d)\n", warmup, heap_w,
           heap_end, heap_end - heap_w, HEAP_BOUND_KIB);
    printf("threads: %d before the first client, %d after the last (%d before the mock cluster, %d after it)\n",
           threads, threads_end, threads0, entries("/proc/self/task"));
    printf("fds: %d before the first client, %d after the last (%d before the mock cluster, %d after it); "
           "%d cycles waited for threads to exit; errors %d\n",
           fds, fds_end, fds0, entries("/proc/self/fd"), lingered, errors);

    /* A row for docs/reliability.md (tests/reliability.py), when build/reliability exists. */
    const char *dir = getenv("KAFKA_RELIABILITY_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/c-cycles.json", dir ? dir : "build/reliability");
    FILE *f = memory_bounds ? fopen(path, "w") : NULL;
    long consumed = PER_CYCLE * ((next_assigned > next_subscribed ? next_assigned : next_subscribed) - 1L);
    if (f) {
        fprintf(f,
                "{\"scenario\":\"%d producers and %d consumers made, used and released one after another "
                "(mock)\",\"note\":\"RSS %+ld KiB, heap in use %+ld KiB from cycle %d to the end; threads and fds "
                "back after every cycle\",\"produced\":%d,\"delivered\":%ld,\"in_topic\":%ld,\"lost\":%ld,"
                "\"duplicated\":0,\"bad_inputs\":0,\"crashes\":0,\"command\":\"build/cycles_test %d %d %d\"}\n",
                done, done, rss_end - rss_w, heap_end - heap_w, warmup, PER_CYCLE * done, delivered, consumed,
                PER_CYCLE * done - consumed, cycles, warmup, subscribe_every);
        fclose(f);
    }
    int ok = done == cycles && !errors && !stuck && released && threads_end == threads && fds_end == fds &&
             (!memory_bounds || (rss_end - rss_w < RSS_BOUND_KIB && heap_end - heap_w < HEAP_BOUND_KIB));
    if (!ok) fprintf(stderr, "cycles_test: FAILED\n");
    return ok ? 0 : 1;
}
