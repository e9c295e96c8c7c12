/* Issue 12, concurrency: eight threads produce on one handle while two
 * drain delivery reports, one consumes and commits, and one keeps making
 * and releasing handles, all on the embedded mock cluster. Checks: message
 * ids unique, every report served exactly once and successful, every
 * message consumed once. `make test` runs it natively; under helgrind
 * (`valgrind --tool=helgrind build/concurrency_test 100`) it runs clean of
 * our invariants, but helgrind cannot see futex-based locks (Rust's
 * OnceLock, parking_lot), so its race reports there are not conclusive.
 *
 * Usage: concurrency_test [MESSAGES_PER_THREAD]   (default 2000) */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"

#define PRODUCERS 8
#define REPORTERS 2
#define TOPIC "concurrency"

static void *producer;
static char bootstrap[256];
static int per_thread = 2000;
static int total;
static uint64_t *produced_ids;  /* PRODUCERS * per_thread, by thread */
static uint64_t *reported_ids;  /* every id served, in any order */
static atomic_int reported;
static atomic_int failed_reports;
static atomic_int producing = PRODUCERS;
static atomic_int errors;

static void fail(const char *what, int rc, const char *text) {
    fprintf(stderr, "%s: %d %s\n", what, rc, text ? text : "");
    atomic_fetch_add(&errors, 1);
}

static void nap_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void set(void *h, const char *key, const char *value) {
    char err[512];
    int len = sizeof err;
    int rc = SetKafkaConf(h, key, value, err, &len);
    if (rc != 0) fail(key, rc, err);
}

static void *produce_thread(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < per_thread; i++) {
        char payload[32], err[512];
        int n = snprintf(payload, sizeof payload, "%d-%d", t, i);
        for (;;) {
            uint64_t id = 0;
            int len = sizeof err;
            int rc = Produce(producer, TOPIC, payload, (uint32_t)n, payload, 1, -1, &id, err, &len);
            if (rc == -184) { /* queue full: the reporters drain it */
                nap_ms(1);
                continue;
            }
            if (rc != 0) fail("Produce", rc, err);
            produced_ids[t * per_thread + i] = id;
            break;
        }
    }
    atomic_fetch_sub(&producing, 1);
    return NULL;
}

static void *report_thread(void *arg) {
    (void)arg;
    double deadline = now() + 120;
    while (atomic_load(&reported) < total && now() < deadline) {
        unsigned long long ids[128];
        int errs[128], n = 128;
        int rc = DeliveryReport(producer, ids, errs, &n);
        if (rc != 0) fail("DeliveryReport", rc, NULL);
        for (int i = 0; i < n; i++) {
            int at = atomic_fetch_add(&reported, 1);
            if (at < total) reported_ids[at] = ids[i];
            if (errs[i] != 0) atomic_fetch_add(&failed_reports, 1);
        }
    }
    return NULL;
}

static atomic_int consumed;
static char *seen; /* one flag per message: thread * per_thread + i */
static atomic_int duplicates;

static void *consume_thread(void *arg) {
    (void)arg;
    void *c, *list;
    InitKafka(&c);
    set(c, "bootstrap.servers", bootstrap);
    set(c, "group.id", "concurrency");
    set(c, "auto.offset.reset", "earliest");
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, TOPIC, 0);
    char err[512];
    int len = sizeof err;
    int rc = SubscribeConsumerTPList(c, list, err, &len);
    if (rc != 0) fail("SubscribeConsumerTPList", rc, err);
    double deadline = now() + 120;
    while (atomic_load(&consumed) < total && now() < deadline) {
        char topic[64], payload[64], key[16];
        uint32_t tl = sizeof topic, pl = sizeof payload, kl = sizeof key;
        int32_t partition;
        int64_t offset;
        len = sizeof err;
        rc = Consume(c, topic, &tl, payload, &pl, key, &kl, &partition, &offset, err, &len);
        if (rc == 1) continue;
        if (rc != 0) {
            fail("Consume", rc, err);
            continue;
        }
        payload[pl < sizeof payload ? pl : sizeof payload - 1] = 0;
        int t, i;
        if (sscanf(payload, "%d-%d", &t, &i) != 2 || t < 0 || t >= PRODUCERS || i < 0 || i >= per_thread) {
            fail("Consume: unexpected payload", 0, payload);
            continue;
        }
        if (seen[t * per_thread + i]++) atomic_fetch_add(&duplicates, 1);
        if (atomic_fetch_add(&consumed, 1) % 500 == 499) {
            rc = Commit(c, NULL);
            if (rc != 0 && rc != -168) fail("Commit", rc, NULL);
        }
    }
    rc = UninitConsumer(c);
    if (rc != 0) fail("UninitConsumer", rc, NULL);
    return NULL;
}

static int churn_rounds;

/* Handles made and released while the others work: the registry is shared. */
static void *churn_thread(void *arg) {
    (void)arg;
    int rounds = 0;
    while (atomic_load(&producing) > 0 || rounds < 100) {
        void *h, *list;
        InitKafka(&h);
        set(h, "bootstrap.servers", bootstrap);
        if (rounds % 2) {
            char err[512];
            int len = sizeof err;
            uint64_t id;
            Produce(h, TOPIC "-churn", "churn", 5, NULL, 0, -1, &id, err, &len);
            int32_t inflight;
            Flush(h, 5000, &inflight);
            unsigned long long ids[4];
            int errs[4], n = 4;
            DeliveryReport(h, ids, errs, &n);
        }
        if (UninitProducer(h) != 0) fail("UninitProducer (churn)", 1, NULL);
        if (UninitProducer(h) != KAFKA_ERR_BAD_HANDLE) fail("second UninitProducer", 1, NULL);
        NewTopicPartitionList(&list);
        SetTopicPartitionList(list, TOPIC, 0);
        if (DelTopicPartitionList(list) != 0) fail("DelTopicPartitionList", 1, NULL);
        int32_t inflight;
        Flush(producer, 0, &inflight); /* the shared producer, from another thread */
        rounds++;
    }
    printf("churn: %d handles made and released during the run\n", 2 * rounds);
    churn_rounds = rounds;
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc > 1) per_thread = atoi(argv[1]);
    total = PRODUCERS * per_thread;
    produced_ids = calloc((size_t)total, sizeof *produced_ids);
    reported_ids = calloc((size_t)total, sizeof *reported_ids);
    seen = calloc((size_t)total, 1);
    void *mock;
    int32_t blen = sizeof bootstrap;
    if (NewMockCluster(3, &mock, bootstrap, &blen) != 0) return 2;
    char err[512];
    int32_t elen = sizeof err;
    if (MockCreateTopic(mock, TOPIC, 4, 1, err, &elen) != 0) return 2;
    InitKafka(&producer);
    set(producer, "bootstrap.servers", bootstrap);
    set(producer, "linger.ms", "5");
    set(producer, "message.timeout.ms", "60000");

    pthread_t p[PRODUCERS], r[REPORTERS], cons, churn;
    for (int i = 0; i < PRODUCERS; i++) pthread_create(&p[i], NULL, produce_thread, (void *)(intptr_t)i);
    for (int i = 0; i < REPORTERS; i++) pthread_create(&r[i], NULL, report_thread, NULL);
    pthread_create(&churn, NULL, churn_thread, NULL);
    pthread_create(&cons, NULL, consume_thread, NULL);
    for (int i = 0; i < PRODUCERS; i++) pthread_join(p[i], NULL);
    pthread_join(churn, NULL);
    int32_t inflight = -1;
    if (Flush(producer, 60000, &inflight) != 0) fail("Flush", inflight, NULL);
    for (int i = 0; i < REPORTERS; i++) pthread_join(r[i], NULL);
    pthread_join(cons, NULL);
    unsigned long long extra_ids[8];
    int extra_errs[8], extra = 8;
    DeliveryReport(producer, extra_ids, extra_errs, &extra);
    if (UninitProducer(producer) != 0) fail("UninitProducer", 1, NULL);
    DestroyMockCluster(mock);

    /* Ids unique, each reported once, the reported set = the produced set. */
    int dup_ids = 0, dup_reports = 0, mismatched = 0, n = atomic_load(&reported);
    qsort(produced_ids, (size_t)total, sizeof *produced_ids, cmp_u64);
    for (int i = 1; i < total; i++) dup_ids += produced_ids[i] == produced_ids[i - 1];
    int kept = n < total ? n : total;
    qsort(reported_ids, (size_t)kept, sizeof *reported_ids, cmp_u64);
    for (int i = 1; i < kept; i++) dup_reports += reported_ids[i] == reported_ids[i - 1];
    for (int i = 0; i < kept; i++) mismatched += reported_ids[i] != produced_ids[i];
    int lost = 0;
    for (int i = 0; i < total; i++) lost += !seen[i];
    printf("produced %d on one handle from %d threads; reports %d (failed %d, served twice %d, beyond one each %d); "
           "ids repeated %d; consumed %d (lost %d, duplicated %d); errors %d\n",
           total, PRODUCERS, n, atomic_load(&failed_reports), dup_reports, extra, dup_ids,
           atomic_load(&consumed), lost, atomic_load(&duplicates), atomic_load(&errors));
    /* A row for docs/reliability.md (tests/reliability.py), when build/reliability exists. */
    const char *dir = getenv("KAFKA_RELIABILITY_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/c-concurrency.json", dir ? dir : "build/reliability");
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f,
                "{\"scenario\":\"%d threads producing on one handle, 2 draining reports, a consumer committing, "
                "%d handles made and released meanwhile (mock)\",\"produced\":%d,\"delivered\":%d,"
                "\"in_topic\":%d,\"lost\":%d,\"duplicated\":%d,\"bad_inputs\":0,\"crashes\":0,"
                "\"command\":\"build/concurrency_test %d\"}\n",
                PRODUCERS, 2 * churn_rounds, total, n - atomic_load(&failed_reports), atomic_load(&consumed), lost,
                atomic_load(&duplicates) + dup_reports, per_thread);
        fclose(f);
    }
    int ok = n == total && extra == 0 && !dup_reports && !mismatched && !dup_ids && !lost &&
             !atomic_load(&duplicates) && !atomic_load(&failed_reports) && !atomic_load(&errors);
    free(produced_ids);
    free(reported_ids);
    free(seen);
    return ok ? 0 : 1;
}
