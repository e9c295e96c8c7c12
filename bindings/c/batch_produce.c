/*
 * Batch produce: COUNT messages through ProduceBatch, each with a key
 * (every fifth has none), two headers and a timestamp, then DeliveryReports
 * tells where each one landed.
 *
 *   batch_produce [TOPIC [COUNT]]        (defaults: batch-example, 1000)
 *
 * Runs on the broker named by KAFKA_BOOTSTRAP, else on an embedded mock
 * cluster (which ends with the program: batch_consume fills its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"

/* Messages per ProduceBatch call: big batches cost fewer calls. */
#define PER_CALL 500

static void die(const char *what, int status, const char *text)
{
    fprintf(stderr, "batch_produce: %s failed with status %d: %s\n", what, status, text ? text : "");
    exit(1);
}

/* Message i's fields, written into the packed buffers of one call. */
struct batch {
    char payloads[PER_CALL * 32], keys[PER_CALL * 16], hdata[PER_CALL * 32];
    int32_t paylens[PER_CALL], keylens[PER_CALL], hcounts[PER_CALL], hlens[PER_CALL * 4];
    int64_t timestamps[PER_CALL];
    int count;
    size_t pay, key, hdr; /* bytes used in payloads, keys, hdata */
};

/* Appends message i (time stamped base_ms + i) to the batch. */
static void add(struct batch *b, int i, int64_t base_ms)
{
    int n = b->count++;
    b->paylens[n] = sprintf(b->payloads + b->pay, "message %d", i);
    b->pay += (size_t)b->paylens[n];
    if (i % 5 == 0) {
        b->keylens[n] = -1; /* no key: null, not the empty key (length 0) */
    } else {
        b->keylens[n] = sprintf(b->keys + b->key, "key-%d", i % 5);
        b->key += (size_t)b->keylens[n];
    }
    /* two headers, seq=i and from=c: name then value, a length for each */
    int32_t *len = b->hlens + 4 * n;
    const char *text[4] = {"seq", NULL, "from", "c"};
    char seq[16];
    snprintf(seq, sizeof seq, "%d", i);
    text[1] = seq;
    for (int k = 0; k < 4; k++) {
        len[k] = (int32_t)strlen(text[k]);
        memcpy(b->hdata + b->hdr, text[k], (size_t)len[k]);
        b->hdr += (size_t)len[k];
    }
    b->hcounts[n] = 2;
    b->timestamps[n] = base_ms + i;
}

int main(int argc, char **argv)
{
    const char *topic = argc > 1 ? argv[1] : "batch-example";
    int total = argc > 2 ? atoi(argv[2]) : 1000;
    char err[512], bootstrap[256];
    int len;
    void *mock = NULL, *producer = NULL;
    const char *env = getenv("KAFKA_BOOTSTRAP");
    if (env && *env) {
        snprintf(bootstrap, sizeof bootstrap, "%s", env);
    } else {
        len = sizeof bootstrap;
        int rc = NewMockCluster(1, &mock, bootstrap, &len);
        if (rc != 0)
            die("NewMockCluster", rc, bootstrap);
        fprintf(stderr, "KAFKA_BOOTSTRAP unset: using an embedded mock cluster at %s\n", bootstrap);
    }
    InitKafka(&producer);
    len = sizeof err;
    int rc = SetKafkaConf(producer, "bootstrap.servers", bootstrap, err, &len);
    if (rc != 0)
        die("SetKafkaConf", rc, err);

    /* Enqueue in calls of PER_CALL; messages refused for a full queue are
     * sent again, exactly those, once reports have made room. */
    int *todo = malloc(sizeof *todo * (size_t)total), ntodo = total, calls = 0;
    for (int i = 0; i < total; i++)
        todo[i] = i;
    static struct batch b;
    int64_t base_ms = (int64_t)time(NULL) * 1000;
    while (ntodo > 0) {
        int refused = 0;
        for (int start = 0; start < ntodo; start += PER_CALL) {
            b.count = 0, b.pay = b.key = b.hdr = 0;
            for (int j = start; j < ntodo && j < start + PER_CALL; j++)
                add(&b, todo[j], base_ms);
            uint64_t ids[PER_CALL];
            int32_t statuses[PER_CALL], partition = -1; /* one partition for all: -1, by key */
            len = sizeof err;
            rc = ProduceBatch(producer, topic, b.count, b.payloads, b.paylens, b.keys, b.keylens, &partition, 1,
                              b.timestamps, b.hcounts, b.hdata, b.hlens, ids, statuses, err, &len);
            calls++;
            if (rc != 0 && rc != -184) /* -184: queue full */
                die("ProduceBatch", rc, err);
            for (int j = 0; j < b.count; j++)
                if (statuses[j] != 0)
                    todo[refused++] = todo[start + j]; /* never ahead of the reader: refused <= start + j */
        }
        ntodo = refused;
        if (ntodo > 0)
            Flush(producer, 1000, NULL); /* make room */
    }
    free(todo);
    printf("enqueued %d messages to %s in %d ProduceBatch calls\n", total, topic, calls);

    /* Where each landed: per partition, how many and the offsets. */
    enum { MAX_PARTITIONS = 64 };
    long long first[MAX_PARTITIONS], last[MAX_PARTITIONS];
    int landed[MAX_PARTITIONS] = {0}, reported = 0, failed = 0;
    time_t give_up = time(NULL) + 60;
    while (reported < total && time(NULL) < give_up) {
        uint64_t ids[256];
        int32_t statuses[256], partitions[256], count = 256;
        int64_t offsets[256], timestamps[256];
        len = sizeof err;
        rc = DeliveryReports(producer, 1000, ids, statuses, partitions, offsets, timestamps, &count, err, &len);
        if (rc != 0)
            die("DeliveryReports", rc, err);
        for (int i = 0; i < count; i++, reported++) {
            int p = partitions[i];
            if (statuses[i] != 0 || p < 0 || p >= MAX_PARTITIONS) {
                failed++;
                continue;
            }
            if (landed[p]++ == 0)
                first[p] = offsets[i];
            last[p] = offsets[i];
        }
    }
    for (int p = 0; p < MAX_PARTITIONS; p++)
        if (landed[p])
            printf("  partition %d: %d messages, offsets %lld to %lld\n", p, landed[p], first[p], last[p]);
    printf("delivered %d, failed %d\n", reported - failed, failed);
    rc = UninitProducer(producer);
    if (mock)
        DestroyMockCluster(mock);
    return rc != 0 || failed != 0 || reported != total;
}
