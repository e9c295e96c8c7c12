/*
 * Batch consume: reads every partition of TOPIC from the beginning (no
 * consumer group) with ConsumeBatch, up to 500 messages a call into column
 * buffers, and prints one line per message, as kcat's
 *   -f '%p\t%o\t%T\t%k\t%s\t%h\n'
 * does: partition, offset, timestamp (ms), key, payload, headers as
 * name=value CSV. A null key prints as an empty one. Stops after 3 s
 * without a message.
 *
 *   batch_consume [TOPIC]                (default: batch-example)
 *
 * Runs on the broker named by KAFKA_BOOTSTRAP, else on an embedded mock
 * cluster, which it first fills with a few messages of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"

#define PER_CALL 500

static void die(const char *what, int status, const char *text)
{
    fprintf(stderr, "batch_consume: %s failed with status %d: %s\n", what, status, text ? text : "");
    exit(1);
}

/* The column buffers of one call; the byte buffers grow on demand. */
struct columns {
    char topics[1024];
    int32_t topicidx[PER_CALL], partitions[PER_CALL], tstypes[PER_CALL], paylens[PER_CALL], keylens[PER_CALL],
        hcounts[PER_CALL], *hlens;
    int64_t offsets[PER_CALL], timestamps[PER_CALL];
    char *payloads, *keys, *hdata;
    uint32_t payloads_size, keys_size, hdata_size;
    int32_t hlens_size;
};

static void grow(char **buffer, uint32_t *size, uint32_t needed)
{
    if (needed > *size) {
        *size = needed;
        *buffer = realloc(*buffer, needed);
    }
}

/* Fills the mock cluster's topic: three messages, one without a key. */
static void fill(const char *bootstrap, const char *topic)
{
    void *producer = NULL;
    char err[256];
    int len = sizeof err;
    InitKafka(&producer);
    SetKafkaConf(producer, "bootstrap.servers", bootstrap, err, &len);
    const char payloads[] = "firstsecondthird", keys[] = "ab", hdata[] = "fromc";
    int32_t paylens[] = {5, 6, 5}, keylens[] = {1, -1, 1}, hcounts[] = {1, 0, 0}, hlens[] = {4, 1}, partition = 0;
    uint64_t ids[3];
    int32_t statuses[3];
    len = sizeof err;
    int rc = ProduceBatch(producer, topic, 3, payloads, paylens, keys, keylens, &partition, 1, NULL, hcounts, hdata,
                          hlens, ids, statuses, err, &len);
    if (rc != 0)
        die("ProduceBatch", rc, err);
    Flush(producer, 10000, NULL);
    UninitProducer(producer);
}

int main(int argc, char **argv)
{
    const char *topic = argc > 1 ? argv[1] : "batch-example";
    char err[512], bootstrap[256];
    int len;
    void *mock = NULL, *consumer = NULL;
    const char *env = getenv("KAFKA_BOOTSTRAP");
    if (env && *env) {
        snprintf(bootstrap, sizeof bootstrap, "%s", env);
    } else {
        len = sizeof bootstrap;
        int rc = NewMockCluster(1, &mock, bootstrap, &len);
        if (rc != 0)
            die("NewMockCluster", rc, bootstrap);
        fprintf(stderr, "KAFKA_BOOTSTRAP unset: using an embedded mock cluster at %s\n", bootstrap);
        fill(bootstrap, topic);
    }
    InitKafka(&consumer);
    len = sizeof err;
    int rc = SetKafkaConf(consumer, "bootstrap.servers", bootstrap, err, &len);
    if (rc != 0)
        die("SetKafkaConf", rc, err);
    /* Every partition (-1) from the beginning (-2): no group needed. */
    int32_t all = -1;
    int64_t beginning = -2;
    len = sizeof err;
    rc = Assign(consumer, topic, &all, &beginning, 1, err, &len);
    if (rc != 0)
        die("Assign", rc, err);

    static struct columns c;
    grow(&c.payloads, &c.payloads_size, 64 * 1024);
    grow(&c.keys, &c.keys_size, 4096);
    grow(&c.hdata, &c.hdata_size, 16 * 1024);
    c.hlens_size = 1024;
    c.hlens = malloc(sizeof *c.hlens * (size_t)c.hlens_size);
    long total = 0;
    for (;;) {
        /* Capacities in; lengths written (or, on -304, needed) out. */
        uint32_t topicslen = sizeof c.topics, payloadslen = c.payloads_size, keyslen = c.keys_size,
                 hdatalen = c.hdata_size;
        int32_t nhlens = c.hlens_size, count = PER_CALL;
        len = sizeof err;
        rc = ConsumeBatch(consumer, 3000, c.topics, &topicslen, c.topicidx, c.partitions, c.offsets, c.timestamps,
                          c.tstypes, c.payloads, &payloadslen, c.paylens, c.keys, &keyslen, c.keylens, c.hcounts,
                          c.hdata, &hdatalen, c.hlens, &nhlens, &count, err, &len);
        if (rc == KAFKA_ERR_TOO_SMALL) { /* the next message is kept: grow and ask again */
            grow(&c.payloads, &c.payloads_size, payloadslen);
            grow(&c.keys, &c.keys_size, keyslen);
            grow(&c.hdata, &c.hdata_size, hdatalen);
            if (nhlens > c.hlens_size) {
                c.hlens_size = nhlens;
                c.hlens = realloc(c.hlens, sizeof *c.hlens * (size_t)nhlens);
            }
            continue;
        }
        if (rc != 0)
            die("ConsumeBatch", rc, err);
        if (count == 0)
            break; /* 3 s without a message */
        /* Walk the packed columns: each field's bytes follow the last's. */
        const char *payload = c.payloads, *key = c.keys, *h = c.hdata;
        const int32_t *hlen = c.hlens;
        for (int i = 0; i < count; i++) {
            printf("%d\t%lld\t%lld\t", c.partitions[i], (long long)c.offsets[i], (long long)c.timestamps[i]);
            if (c.keylens[i] > 0) /* -1: no key */
                fwrite(key, 1, (size_t)c.keylens[i], stdout), key += c.keylens[i];
            putchar('\t');
            if (c.paylens[i] > 0)
                fwrite(payload, 1, (size_t)c.paylens[i], stdout), payload += c.paylens[i];
            putchar('\t');
            for (int k = 0; k < c.hcounts[i]; k++, hlen += 2) {
                printf("%s%.*s=", k ? "," : "", hlen[0], h);
                h += hlen[0];
                if (hlen[1] > 0) /* -1: a null value */
                    fwrite(h, 1, (size_t)hlen[1], stdout), h += hlen[1];
            }
            putchar('\n');
        }
        total += count;
    }
    fprintf(stderr, "%ld messages from %s\n", total, topic);
    free(c.payloads), free(c.keys), free(c.hdata), free(c.hlens);
    UninitConsumer(consumer);
    if (mock)
        DestroyMockCluster(mock);
    return 0;
}
