/*
 * Consume, transform, produce, exactly once: reads INPUT in the consumer
 * group "c-transform", writes each payload in upper case (key kept) to
 * OUTPUT, and commits the offsets it read in the same transaction as what
 * it wrote, so that a crash neither loses nor repeats a message. A batch
 * whose transaction fails is aborted and read again; a fatal error (a
 * newer producer with the same transactional.id took over) stops it.
 * Stops after 5 s without a message.
 *
 *   transform [INPUT OUTPUT]             (default: orders orders-upper)
 *
 * Runs on the broker named by KAFKA_BOOTSTRAP, else on an embedded mock
 * cluster, which it first fills with 10 orders. Prints
 * "transformed N messages in T transactions (A aborted)".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"

#define BATCH 100
#define MAX_PARTITIONS 256
#define WAIT_MS 30000

static void die(const char *what, int status, const char *text)
{
    fprintf(stderr, "transform: %s failed with status %d: %s\n", what, status, text ? text : "");
    exit(1);
}

static void set(void *h, const char *key, const char *value)
{
    char err[512];
    int len = sizeof err;
    int rc = SetKafkaConf(h, key, value, err, &len);
    if (rc != 0)
        die(key, rc, err);
}

/* The mock cluster's input: ten orders over two partitions. */
static void fill(const char *bootstrap, const char *topic)
{
    void *producer = NULL;
    char err[512];
    InitKafka(&producer);
    set(producer, "bootstrap.servers", bootstrap);
    for (int i = 1; i <= 10; i++) {
        char payload[32];
        uint64_t id;
        int len = sizeof err;
        snprintf(payload, sizeof payload, "order %d", i);
        int rc = Produce(producer, topic, payload, (uint32_t)strlen(payload), "shop", 4, i % 2, &id, err, &len);
        if (rc != 0)
            die("Produce", rc, err);
    }
    int inflight = 0;
    if (Flush(producer, WAIT_MS, &inflight) != 0)
        die("Flush", inflight, "messages still in flight");
    UninitProducer(producer);
}

/* Delivery reports are kept until collected: take them after each
 * transaction (a commit delivered them all; an abort failed them all). */
static void drain_reports(void *producer)
{
    unsigned long long ids[BATCH];
    int statuses[BATCH], n;
    do {
        n = BATCH;
        DeliveryReportWait(producer, ids, statuses, &n, 0);
    } while (n > 0);
}

int main(int argc, char **argv)
{
    const char *input = argc > 2 ? argv[1] : "orders", *output = argc > 2 ? argv[2] : "orders-upper";
    const char *bootstrap = getenv("KAFKA_BOOTSTRAP");
    char address[256], err[512];
    void *mock = NULL;
    int rc, len;
    int32_t flags = 0;

    if (!bootstrap || !*bootstrap) {
        int32_t size = sizeof address;
        rc = NewMockCluster(1, &mock, address, &size);
        if (rc != 0)
            die("NewMockCluster", rc, address);
        for (int t = 0; t < 2; t++) {
            int32_t elen = sizeof err;
            rc = MockCreateTopic(mock, t ? output : input, 2, 1, err, &elen);
            if (rc != 0)
                die("MockCreateTopic", rc, err);
        }
        bootstrap = address;
        fill(bootstrap, input);
    }

    /* The consumer reads only committed input and never commits by itself:
     * its offsets are committed by the producer's transactions. */
    void *consumer = NULL, *list = NULL;
    InitKafka(&consumer);
    set(consumer, "bootstrap.servers", bootstrap);
    set(consumer, "group.id", "c-transform");
    set(consumer, "auto.offset.reset", "earliest");
    set(consumer, "enable.auto.commit", "false");
    set(consumer, "isolation.level", "read_committed");
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, input, 0);
    len = sizeof err;
    if ((rc = SubscribeConsumerTPList(consumer, list, err, &len)) != 0)
        die("SubscribeConsumerTPList", rc, err);

    void *producer = NULL;
    InitKafka(&producer);
    set(producer, "bootstrap.servers", bootstrap);
    set(producer, "transactional.id", "c-transform");
    len = sizeof err;
    if ((rc = InitTransactions(producer, WAIT_MS, &flags, err, &len)) != 0)
        die("InitTransactions", rc, err);

    uint32_t capacity = 65536;
    char *payload = malloc(capacity), topic[256], key[256];
    long done = 0, transactions = 0, aborted = 0;
    int idle = 0;
    while (idle < 10) {
        /* Where each partition's batch starts, to read it again on abort. */
        int64_t first[MAX_PARTITIONS];
        for (int p = 0; p < MAX_PARTITIONS; p++)
            first[p] = -1;
        int n = 0;
        while (n < BATCH) {
            uint32_t tl = sizeof topic, pl = capacity, kl = sizeof key;
            int32_t partition;
            int64_t offset;
            len = sizeof err;
            rc = Consume(consumer, topic, &tl, payload, &pl, key, &kl, &partition, &offset, err, &len);
            if (rc == KAFKA_CONSUME_NO_MESSAGE)
                break;
            if (rc == KAFKA_CONSUME_BUFFER_TOO_SMALL) { /* kept: grow and ask again */
                capacity = pl + 1;
                payload = realloc(payload, capacity);
                continue;
            }
            if (rc != 0) {
                fprintf(stderr, "transform: Consume: %d %.*s\n", rc, len, err);
                continue;
            }
            if (n == 0) {
                len = sizeof err;
                if ((rc = BeginTransaction(producer, &flags, err, &len)) != 0)
                    die("BeginTransaction", rc, err);
            }
            if (partition >= 0 && partition < MAX_PARTITIONS && first[partition] < 0)
                first[partition] = offset;
            for (uint32_t i = 0; i < pl; i++)
                payload[i] = (char)toupper((unsigned char)payload[i]);
            uint64_t id;
            do {
                len = sizeof err;
                rc = Produce(producer, output, payload, pl, key, kl, -1, &id, err, &len);
                if (rc == -184) /* queue full: let the queue drain */
                    Flush(producer, 1000, NULL);
            } while (rc == -184);
            if (rc != 0)
                fprintf(stderr, "transform: Produce: %d %.*s\n", rc, len, err);
            n++;
        }
        if (n == 0) {
            idle++;
            continue;
        }
        idle = 0;
        transactions++;

        /* count 0: the consumer's positions, just past what it handed out. */
        len = sizeof err;
        rc = SendOffsetsToTransaction(producer, consumer, "", NULL, NULL, 0, WAIT_MS, &flags, err, &len);
        if (rc == 0) {
            do {
                len = sizeof err;
                rc = CommitTransaction(producer, WAIT_MS, &flags, err, &len);
            } while (rc != 0 && (flags & KAFKA_TXN_RETRIABLE));
        }
        if (rc == 0) {
            done += n;
        } else if (flags & KAFKA_TXN_FATAL) {
            die("the transaction", rc, err);
        } else {
            fprintf(stderr, "transform: aborting a batch of %d: %d %.*s\n", n, rc, len, err);
            aborted++;
            len = sizeof err;
            if ((rc = AbortTransaction(producer, WAIT_MS, &flags, err, &len)) != 0)
                die("AbortTransaction", rc, err);
            for (int p = 0; p < MAX_PARTITIONS; p++) {
                len = sizeof err;
                if (first[p] >= 0 && (rc = Seek(consumer, input, p, first[p], err, &len)) != 0)
                    die("Seek", rc, err);
            }
        }
        drain_reports(producer);
    }
    printf("transformed %ld messages in %ld transactions (%ld aborted)\n", done, transactions, aborted);
    free(payload);
    UninitConsumer(consumer);
    rc = UninitProducer(producer);
    if (mock)
        DestroyMockCluster(mock);
    return rc == 0 ? 0 : 1;
}
