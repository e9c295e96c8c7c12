/*
 * The demo: produce a batch of keyed messages, wait for every delivery
 * report, then consume them back in a consumer group and commit.
 *
 * Runs on the library's embedded mock cluster, or on the broker named by
 * KAFKA_BOOTSTRAP (host:port) when that is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"

#define MESSAGES 20
#define KEYS 5

static int fail(const char *what, int status, const char *text)
{
    fprintf(stderr, "demo: %s failed with status %d: %s\n", what, status, text ? text : "");
    return 1;
}

static int configure(void *client, const char *const settings[][2], size_t n)
{
    char err[512];
    for (size_t i = 0; i < n; i++) {
        int len = sizeof err;
        int rc = SetKafkaConf(client, settings[i][0], settings[i][1], err, &len);
        if (rc != 0)
            return fail(settings[i][0], rc, err);
    }
    return 0;
}

static int produce_all(const char *bootstrap, const char *topic)
{
    void *producer = NULL;
    char err[512];
    InitKafka(&producer);
    const char *const settings[][2] = {{"bootstrap.servers", bootstrap},
                                       {"acks", "all"},
                                       {"linger.ms", "5"},
                                       /* fail undeliverable messages after 30 s, not the default 300 s */
                                       {"message.timeout.ms", "30000"}};
    if (configure(producer, settings, 4))
        return 1;

    for (int i = 0; i < MESSAGES; i++) {
        char key[16], payload[64];
        snprintf(key, sizeof key, "key%d", i % KEYS);
        snprintf(payload, sizeof payload, "message %d for %s", i, key);
        uint64_t id = 0;
        int len = sizeof err;
        int rc = Produce(producer, topic, payload, (uint32_t)strlen(payload), key, (uint32_t)strlen(key), -1,
                         &id, err, &len);
        if (rc != 0)
            return fail("Produce", rc, err);
    }
    printf("produced %d messages to %s\n", MESSAGES, topic);

    /* Collect one report per message; each call returns at once when reports are ready. */
    int delivered = 0, failed = 0;
    time_t give_up = time(NULL) + 60;
    while (delivered + failed < MESSAGES && time(NULL) < give_up) {
        unsigned long long ids[8];
        int statuses[8], n = 8;
        int rc = DeliveryReport(producer, ids, statuses, &n);
        if (rc != 0)
            return fail("DeliveryReport", rc, NULL);
        for (int i = 0; i < n; i++) {
            if (statuses[i] == 0) {
                delivered++;
            } else {
                int len = sizeof err;
                DRMessageError(&statuses[i], err, &len);
                printf("message %llu failed: %s\n", ids[i], err);
                failed++;
            }
        }
    }
    printf("delivery reports: %d delivered, %d failed\n", delivered, failed);
    int rc = UninitProducer(producer);
    if (rc != 0)
        return fail("UninitProducer", rc, NULL);
    return delivered == MESSAGES ? 0 : 1;
}

static int consume_all(const char *bootstrap, const char *topic)
{
    void *consumer = NULL, *topics = NULL;
    char err[512];
    InitKafka(&consumer);
    char group[64];
    snprintf(group, sizeof group, "demo-group-%ld", (long)time(NULL));
    const char *const settings[][2] = {{"bootstrap.servers", bootstrap},
                                       {"group.id", group},
                                       {"auto.offset.reset", "earliest"},
                                       {"enable.auto.commit", "false"}};
    if (configure(consumer, settings, 4))
        return 1;
    NewTopicPartitionList(&topics);
    SetTopicPartitionList(topics, topic, 0);
    int len = sizeof err;
    int rc = SubscribeConsumerTPList(consumer, topics, err, &len); /* takes the list */
    if (rc != 0)
        return fail("SubscribeConsumerTPList", rc, err);

    int received = 0;
    time_t give_up = time(NULL) + 60;
    while (received < MESSAGES && time(NULL) < give_up) {
        char name[256], payload[1024], key[256];
        uint32_t namelen = sizeof name, paylen = sizeof payload, keylen = sizeof key;
        int32_t partition = 0;
        int64_t offset = 0;
        len = sizeof err;
        rc = Consume(consumer, name, &namelen, payload, &paylen, key, &keylen, &partition, &offset, err, &len);
        if (rc == KAFKA_CONSUME_NO_MESSAGE)
            continue;
        if (rc != 0)
            return fail("Consume", rc, err);
        printf("  %.*s[%d]@%lld key=%.*s value=%.*s\n", (int)namelen, name, partition, (long long)offset,
               (int)keylen, key, (int)paylen, payload);
        received++;
    }
    rc = Commit(consumer, NULL);
    if (rc != 0)
        return fail("Commit", rc, NULL);
    printf("consumed %d messages in group %s and committed\n", received, group);
    UninitConsumer(consumer);
    return received == MESSAGES ? 0 : 1;
}

int main(void)
{
    char version[32];
    Version(version, sizeof version);
    printf("kafka.so over librdkafka %s\n", version);

    void *mock = NULL;
    char bootstrap[256];
    const char *env = getenv("KAFKA_BOOTSTRAP");
    if (env && *env) {
        snprintf(bootstrap, sizeof bootstrap, "%s", env);
        printf("broker: %s (KAFKA_BOOTSTRAP)\n", bootstrap);
    } else {
        int len = sizeof bootstrap;
        int rc = NewMockCluster(1, &mock, bootstrap, &len);
        if (rc != 0)
            return fail("NewMockCluster", rc, bootstrap);
        printf("broker: embedded mock cluster at %s\n", bootstrap);
    }

    char topic[64];
    snprintf(topic, sizeof topic, "demo-%ld", (long)time(NULL));
    if (mock) {
        char err[256];
        int len = sizeof err;
        int rc = MockCreateTopic(mock, topic, 3, 1, err, &len);
        if (rc != 0)
            return fail("MockCreateTopic", rc, err);
    }

    int status = produce_all(bootstrap, topic) || consume_all(bootstrap, topic);
    if (mock)
        DestroyMockCluster(mock);
    printf(status ? "demo failed\n" : "demo finished\n");
    return status;
}
