/*
 * The ABI as a C program uses it, written the way code against Dyalog's
 * original kafka.h is written (plain char buffers, int lengths), built with
 * strict warnings and run under valgrind by the test command.
 *
 * Runs on the embedded mock cluster. Prints "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            passed++;                                                                                                  \
        } else {                                                                                                       \
            failed++;                                                                                                  \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                            \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

static char bootstrap[256];

static void *new_client(const char *group)
{
    void *h = NULL;
    char err[256];
    int len = sizeof err;
    CHECK(InitKafka(&h) == 0, "InitKafka");
    CHECK(SetKafkaConf(h, "bootstrap.servers", bootstrap, err, &len) == 0, "%.*s", len, err);
    if (group) {
        len = sizeof err;
        CHECK(SetKafkaConf(h, "group.id", group, err, &len) == 0, "%.*s", len, err);
        len = sizeof err;
        SetKafkaConf(h, "auto.offset.reset", "earliest", err, &len);
        len = sizeof err;
        SetKafkaConf(h, "enable.auto.commit", "false", err, &len);
    }
    return h;
}

static void test_produce_and_reports(void)
{
    void *p = new_client(NULL);
    char err[256];
    int len;
    uint64_t ids[10];
    for (int i = 0; i < 10; i++) {
        char payload[32], key[8] = "k\0y";
        snprintf(payload, sizeof payload, "payload %d", i);
        len = sizeof err;
        int rc = Produce(p, "c-topic", payload, (uint32_t)strlen(payload), key, 3, -1, &ids[i], err, &len);
        CHECK(rc == 0 && len == 0, "Produce %d: %.*s", rc, len, err);
    }
    unsigned long long got[10];
    int status[10], seen = 0;
    time_t give_up = time(NULL) + 30;
    while (seen < 10 && time(NULL) < give_up) {
        int n = 10 - seen;
        CHECK(DeliveryReport(p, got + seen, status + seen, &n) == 0, "DeliveryReport");
        seen += n;
    }
    CHECK(seen == 10, "reports: %d", seen);
    for (int i = 0; i < seen; i++)
        CHECK(got[i] == ids[i] && status[i] == 0, "report %d: id %llu status %d", i, got[i], status[i]);
    int inflight = -1;
    CHECK(Flush(p, 1000, &inflight) == 0 && inflight == 0, "Flush %d", inflight);
    int none = 10;
    CHECK(DeliveryReportWait(p, got, status, &none, 0) == 0 && none == 0, "DeliveryReportWait: %d left", none);
    CHECK(UninitProducer(p) == 0, "UninitProducer");
    CHECK(UninitProducer(p) == KAFKA_ERR_BAD_HANDLE, "second UninitProducer refused");
}

static void test_consume_commit(void)
{
    void *c = new_client("c-group");
    void *list = NULL;
    char err[256];
    int len = sizeof err;
    CHECK(NewTopicPartitionList(&list) == 0, "NewTopicPartitionList");
    CHECK(SetTopicPartitionList(list, "c-topic", 0) == 0, "SetTopicPartitionList");
    CHECK(SubscribeConsumerTPList(c, list, err, &len) == 0, "%.*s", len, err);

    /* Tiny buffers first: status 2 keeps the message and says what it needs. */
    char topic[4], payload[4], key[2];
    uint32_t tl = sizeof topic, pl = sizeof payload, kl = sizeof key;
    int32_t partition = -1;
    int64_t offset = -1;
    int rc = KAFKA_CONSUME_NO_MESSAGE;
    time_t give_up = time(NULL) + 30;
    while (rc == KAFKA_CONSUME_NO_MESSAGE && time(NULL) < give_up) {
        len = sizeof err;
        tl = sizeof topic, pl = sizeof payload, kl = sizeof key;
        rc = Consume(c, topic, &tl, payload, &pl, key, &kl, &partition, &offset, err, &len);
    }
    CHECK(rc == KAFKA_CONSUME_BUFFER_TOO_SMALL, "status %d: %.*s", rc, len, err);
    CHECK(tl == 7 && pl == 9 && kl == 3, "needed %u %u %u", tl, pl, kl);

    char *big_topic = malloc(tl), *big_payload = malloc(pl), *big_key = malloc(kl);
    int received = 0;
    while (received < 10 && time(NULL) < give_up) {
        len = sizeof err;
        rc = Consume(c, big_topic, &tl, big_payload, &pl, big_key, &kl, &partition, &offset, err, &len);
        if (rc == KAFKA_CONSUME_NO_MESSAGE)
            continue;
        CHECK(rc == 0, "Consume %d: %.*s", rc, len, err);
        if (rc != 0)
            break;
        if (received == 0)
            CHECK(memcmp(big_payload, "payload 0", 9) == 0 && memcmp(big_key, "k\0y", 3) == 0 && offset == 0,
                  "first message kept by the status-2 call");
        received++;
        tl = 7, pl = 9, kl = 3;
    }
    CHECK(received == 10, "received %d", received);
    free(big_topic);
    free(big_payload);
    free(big_key);

    CHECK(Commit(c, NULL) == 0, "Commit");
    void *query = NULL;
    NewTopicPartitionList(&query);
    SetTopicPartitionList(query, "c-topic", 0);
    int64_t committed = 0;
    CHECK(Committed(c, query, &committed) == 0 && committed == 10, "Committed %lld", (long long)committed);

    void *explicit_list = NULL;
    NewTopicPartitionList(&explicit_list);
    SetTopicPartitionList(explicit_list, "c-topic", 0);
    CHECK(SetOffset(explicit_list, "c-topic", 0, 4) == 0, "SetOffset");
    CHECK(SetOffset(explicit_list, "c-topic", 7, 4) == -190, "SetOffset on a missing entry");
    CHECK(Commit(c, explicit_list) == 0, "Commit list");
    CHECK(Committed(c, explicit_list, &committed) == 0 && committed == 4, "Committed %lld", (long long)committed);
    CHECK(DelTopicPartitionList(explicit_list) == KAFKA_ERR_BAD_HANDLE, "Committed took the list");
    void *unused = NULL;
    NewTopicPartitionList(&unused);
    SetTopicPartitionList(unused, "c-topic", 0);
    CHECK(DelTopicPartitionList(unused) == 0, "DelTopicPartitionList");
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

static void test_bad_input(void)
{
    char err[256];
    int len = sizeof err;
    void *stale = NULL;
    InitKafka(&stale);
    UninitProducer(stale);
    void *bad[] = {NULL, (void *)0x1234, stale};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t id;
        len = sizeof err;
        CHECK(Produce(bad[i], "t", "x", 1, NULL, 0, -1, &id, err, &len) == KAFKA_ERR_BAD_HANDLE && len > 0,
              "Produce on a bad handle");
        int n = 4;
        unsigned long long ids[4];
        int st[4];
        CHECK(DeliveryReport(bad[i], ids, st, &n) == KAFKA_ERR_BAD_HANDLE, "DeliveryReport on a bad handle");
        CHECK(UninitConsumer(bad[i]) == KAFKA_ERR_BAD_HANDLE, "UninitConsumer on a bad handle");
        CHECK(Commit(bad[i], NULL) == KAFKA_ERR_BAD_HANDLE, "Commit on a bad handle");
    }
    void *h = NULL;
    InitKafka(&h);
    len = sizeof err;
    CHECK(SetKafkaConf(h, "no.such.property", "1", err, &len) == -2 && len > 0, "unknown property");
    len = sizeof err;
    CHECK(SetKafkaConf(h, NULL, "1", err, &len) == KAFKA_ERR_INVALID_ARGUMENT, "NULL key");
    void *list = NULL;
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, "t", 0);
    len = sizeof err;
    CHECK(SubscribeConsumerTPList(h, list, err, &len) != 0 && strstr(err, "group.id") != NULL,
          "no group.id: %.*s", len, err);
    int code = -184;
    len = sizeof err;
    CHECK(DRMessageError(&code, err, &len) == 0 && len > 0, "DRMessageError");
    CHECK(UninitConsumer(h) == 0, "UninitConsumer on a never-subscribed handle");

    void *tc = NULL;
    CHECK(NewTopicConf(&tc) == 0, "NewTopicConf");
    len = sizeof err;
    CHECK(SetTopicConf(tc, "acks", "all", err, &len) == 0, "SetTopicConf");
    CHECK(DelTopicConf(tc) == 0 && DelTopicConf(tc) == KAFKA_ERR_BAD_HANDLE, "DelTopicConf");

    int size = 1024;
    char describe[1024];
    CHECK(Describe(describe, &size) == 0 && strstr(describe, "Produce") != NULL, "Describe");
    char version[16];
    CHECK(Version(version, sizeof version) > 0 && strchr(version, '.') != NULL, "Version");
}

int main(void)
{
    void *mock = NULL;
    int len = sizeof bootstrap;
    if (NewMockCluster(1, &mock, bootstrap, &len) != 0) {
        fprintf(stderr, "cannot start the mock cluster: %.*s\n", len, bootstrap);
        return 1;
    }
    char err[128];
    len = sizeof err;
    MockCreateTopic(mock, "c-topic", 1, 1, err, &len);
    test_produce_and_reports();
    test_consume_commit();
    test_bad_input();
    CHECK(DestroyMockCluster(mock) == 0, "DestroyMockCluster");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
