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
static void *mock;

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

/* Consumes the next message into payload (capacity 64), or gives its status after 20 s of nothing. */
static int consume_next(void *c, char payload[64], int32_t *partition, int64_t *offset)
{
    char topic[64], key[16], err[256];
    time_t give_up = time(NULL) + 20;
    int rc;
    do {
        uint32_t tl = sizeof topic, pl = 63, kl = sizeof key;
        int len = sizeof err;
        rc = Consume(c, topic, &tl, payload, &pl, key, &kl, partition, offset, err, &len);
        if (rc == 0)
            payload[pl] = '\0';
    } while (rc == KAFKA_CONSUME_NO_MESSAGE && time(NULL) < give_up);
    return rc;
}

static void produce_to_partition0(const char *topic, int from, int to)
{
    void *p = new_client(NULL);
    char err[256];
    for (int i = from; i < to; i++) {
        char payload[32];
        uint64_t id;
        int len = sizeof err;
        snprintf(payload, sizeof payload, "cc %d", i);
        int rc = Produce(p, topic, payload, (uint32_t)strlen(payload), NULL, 0, 0, &id, err, &len);
        CHECK(rc == 0, "Produce %d: %.*s", rc, len, err);
    }
    int inflight = -1;
    CHECK(Flush(p, 10000, &inflight) == 0 && inflight == 0, "Flush: %d in flight", inflight);
    UninitProducer(p);
}

/* Assign without group.id, Assignment, Position, Seek back, Pause/Resume, Watermarks on the mock cluster. */
static void test_consumer_control(void)
{
    char err[256];
    int len = sizeof err;
    MockCreateTopic(mock, "cc-topic", 2, 1, err, &len);
    produce_to_partition0("cc-topic", 0, 10);

    void *c = new_client(NULL); /* no group.id: Assign needs none */
    int32_t every = -1;
    int64_t beginning = -2;
    len = sizeof err;
    int rc = Assign(c, "cc-topic", &every, &beginning, 1, err, &len);
    CHECK(rc == 0, "Assign from the beginning: %d %.*s", rc, len, err);

    char topics[64];
    uint32_t topicslen = sizeof topics;
    int32_t partitions[4], errors[4], count = 4;
    int64_t offsets[4];
    len = sizeof err;
    rc = Assignment(c, topics, &topicslen, partitions, offsets, errors, &count, err, &len);
    CHECK(rc == 0 && count == 2 && partitions[0] + partitions[1] == 1, "Assignment %d: %d entries", rc, count);
    CHECK(topicslen == 17 && memcmp(topics, "cc-topic\ncc-topic", 17) == 0, "Assignment topics %.*s",
          (int)topicslen, topics);
    topicslen = sizeof topics, count = 1;
    len = sizeof err;
    rc = Assignment(c, topics, &topicslen, partitions, offsets, errors, &count, err, &len);
    CHECK(rc == KAFKA_ERR_TOO_SMALL && count == 2 && topicslen >= 17, "Assignment into 1 entry: %d %d %u", rc,
          count, topicslen);
    topicslen = sizeof topics, count = 4;
    len = sizeof err;
    rc = Subscription(c, topics, &topicslen, &count, err, &len);
    CHECK(rc == 0 && count == 0, "Subscription of an assign-only consumer: %d, %d topics", rc, count);

    char payload[64];
    int32_t partition;
    int64_t offset;
    for (int i = 0; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "cc %d", i);
        rc = consume_next(c, payload, &partition, &offset);
        CHECK(rc == 0 && partition == 0 && offset == i && strcmp(payload, want) == 0, "message %d: %d %s@%lld", i,
              rc, payload, (long long)offset);
    }

    topicslen = sizeof topics, count = 4;
    len = sizeof err;
    rc = Position(c, topics, &topicslen, partitions, offsets, errors, &count, err, &len);
    CHECK(rc == 0 && count == 2, "Position %d: %d entries", rc, count);
    for (int i = 0; i < count; i++)
        CHECK(offsets[i] == (partitions[i] == 0 ? 10 : -1001), "Position of partition %d: %lld", partitions[i],
              (long long)offsets[i]);

    len = sizeof err;
    rc = Seek(c, "other-topic", 0, 3, err, &len);
    CHECK(rc == KAFKA_ERR_STATE && len > 0, "Seek of an unassigned partition: %d", rc);
    len = sizeof err;
    rc = Seek(c, "cc-topic", 0, 3, err, &len);
    CHECK(rc == 0, "Seek back to 3: %d %.*s", rc, len, err);
    rc = consume_next(c, payload, &partition, &offset);
    CHECK(rc == 0 && offset == 3 && strcmp(payload, "cc 3") == 0, "after Seek: %d %s@%lld", rc, payload,
          (long long)offset);
    for (int i = 4; i < 10; i++)
        consume_next(c, payload, &partition, &offset);
    CHECK(offset == 9, "re-read up to offset %lld", (long long)offset);

    len = sizeof err;
    rc = Pause(c, "cc-topic", &every, 1, err, &len);
    CHECK(rc == 0, "Pause every partition of cc-topic: %d %.*s", rc, len, err);
    produce_to_partition0("cc-topic", 10, 12);
    int64_t low = -1, high = -1;
    len = sizeof err;
    rc = Watermarks(c, "cc-topic", 0, 10000, &low, &high, err, &len);
    CHECK(rc == 0 && low == 0 && high == 12, "Watermarks %d: %lld %lld", rc, (long long)low, (long long)high);
    char topic[64], key[16];
    uint32_t tl = sizeof topic, pl = sizeof payload, kl = sizeof key;
    len = sizeof err;
    rc = Consume(c, topic, &tl, payload, &pl, key, &kl, &partition, &offset, err, &len);
    CHECK(rc == KAFKA_CONSUME_NO_MESSAGE, "Consume while paused: %d", rc);
    len = sizeof err;
    rc = Resume(c, NULL, NULL, 0, err, &len);
    CHECK(rc == 0, "Resume: %d %.*s", rc, len, err);
    for (int i = 10; i < 12; i++) {
        rc = consume_next(c, payload, &partition, &offset);
        CHECK(rc == 0 && offset == i, "after Resume: %d @%lld", rc, (long long)offset);
    }

    len = sizeof err;
    CHECK(Assign(c, NULL, NULL, NULL, 0, err, &len) == 0, "unassign: %.*s", len, err);
    topicslen = sizeof topics, count = 4;
    len = sizeof err;
    rc = Assignment(c, topics, &topicslen, partitions, offsets, errors, &count, err, &len);
    CHECK(rc == 0 && count == 0, "Assignment after unassign: %d, %d entries", rc, count);
    CHECK(UninitConsumer(c) == 0, "UninitConsumer of an assign-only consumer");
}

/* Subscription and Unsubscribe of a group consumer; Assignment of a client that is no consumer. */
static void test_subscription(void)
{
    char err[256], topics[64];
    int len = sizeof err;
    uint32_t topicslen = sizeof topics;
    int32_t partitions[1], errors[1], count = 1;
    int64_t offsets[1];
    void *c = new_client("sub-group");
    int rc = Assignment(c, topics, &topicslen, partitions, offsets, errors, &count, err, &len);
    CHECK(rc == 0 && count == 0, "Assignment before subscribing: %d, %d entries", rc, count);
    void *list = NULL;
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, "c-topic", 0);
    len = sizeof err;
    CHECK(SubscribeConsumerTPList(c, list, err, &len) == 0, "subscribe: %.*s", len, err);
    topicslen = 2, count = 1;
    len = sizeof err;
    rc = Subscription(c, topics, &topicslen, &count, err, &len);
    CHECK(rc == KAFKA_ERR_TOO_SMALL && topicslen >= 7, "Subscription into 2 bytes: %d, needs %u", rc, topicslen);
    topicslen = sizeof topics, count = 1;
    len = sizeof err;
    rc = Subscription(c, topics, &topicslen, &count, err, &len);
    CHECK(rc == 0 && count == 1 && topicslen == 7 && strcmp(topics, "c-topic") == 0, "Subscription %d: %d %.*s", rc,
          count, (int)topicslen, topics);
    len = sizeof err;
    CHECK(Unsubscribe(c, err, &len) == 0, "Unsubscribe: %.*s", len, err);
    topicslen = sizeof topics, count = 1;
    len = sizeof err;
    rc = Subscription(c, topics, &topicslen, &count, err, &len);
    CHECK(rc == 0 && count == 0, "Subscription after Unsubscribe: %d, %d topics", rc, count);
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

/* Calls every export of issue 8 on `h` with valid arguments: each must give `want` and a text. */
static void expect_from_every_export(void *h, int want, const char *what)
{
    char err[256], out[256];
    int len, rc;
    uint32_t outlen;
    int32_t partitions[2] = {0, 0}, errors[2], count, size;
    int64_t offsets[2] = {0, 0}, low, high;
#define EXPECT(call)                                                                                                   \
    do {                                                                                                               \
        len = sizeof err, outlen = sizeof out, count = 2, size = sizeof out;                                           \
        rc = (call);                                                                                                   \
        CHECK(rc == want && len > 0, "%s: %s gave %d: %.*s", what, #call, rc, len, err);                               \
    } while (0)
    EXPECT(Assign(h, "t", partitions, offsets, 1, err, &len));
    EXPECT(Assignment(h, out, &outlen, partitions, offsets, errors, &count, err, &len));
    EXPECT(Unsubscribe(h, err, &len));
    EXPECT(Subscription(h, out, &outlen, &count, err, &len));
    EXPECT(Seek(h, "t", 0, 0, err, &len));
    EXPECT(OffsetsForTimes(h, "t", partitions, offsets, 1, 1000, out, &outlen, partitions, offsets, errors, &count,
                           err, &len));
    EXPECT(Position(h, out, &outlen, partitions, offsets, errors, &count, err, &len));
    EXPECT(Pause(h, "t", partitions, 1, err, &len));
    EXPECT(Resume(h, "t", partitions, 1, err, &len));
    EXPECT(Watermarks(h, "t", 0, 1000, &low, &high, err, &len));
    EXPECT(CreateTopics(h, "t", partitions, NULL, 1, NULL, 0, 1000, errors, err, &len));
    EXPECT(DeleteTopics(h, "t", 1, 1000, errors, err, &len));
    EXPECT(CreatePartitions(h, "t", partitions, 1, 0, 1000, errors, err, &len));
    EXPECT(DeleteRecords(h, "t", partitions, offsets, 1, 1000, errors, err, &len));
    EXPECT(DescribeConfigs(h, "topic", "t", 1000, out, &size, err, &len));
    EXPECT(AlterConfigs(h, "topic", "t", "retention.ms=1000", 1000, err, &len));
    EXPECT(Metadata(h, NULL, 1000, out, &size, err, &len));
    EXPECT(ListGroups(h, 1000, out, &size, err, &len));
    EXPECT(DescribeGroup(h, "g", 1000, out, &size, err, &len));
    EXPECT(DeleteGroup(h, "g", 1000, err, &len));
    EXPECT(GroupLag(h, "g", 1000, out, &size, err, &len));
#undef EXPECT
}

static void test_bad_handles_issue8(void)
{
    void *stale = new_client(NULL);
    UninitConsumer(stale);
    void *list = NULL, *topic_conf = NULL;
    NewTopicPartitionList(&list);
    NewTopicConf(&topic_conf);
    expect_from_every_export(NULL, KAFKA_ERR_BAD_HANDLE, "NULL handle");
    expect_from_every_export((void *)0x1234, KAFKA_ERR_BAD_HANDLE, "never issued");
    expect_from_every_export(stale, KAFKA_ERR_BAD_HANDLE, "released client");
    expect_from_every_export(list, KAFKA_ERR_BAD_HANDLE, "topic-partition list");
    expect_from_every_export(topic_conf, KAFKA_ERR_BAD_HANDLE, "topic configuration");
    expect_from_every_export(mock, KAFKA_ERR_BAD_HANDLE, "mock cluster");
    void *producer = new_client(NULL);
    char err[256];
    uint64_t id;
    int len = sizeof err;
    Produce(producer, "c-topic", "x", 1, NULL, 0, 0, &id, err, &len);
    int32_t partition = 0;
    len = sizeof err;
    CHECK(Assign(producer, "c-topic", &partition, NULL, 1, err, &len) == KAFKA_ERR_BAD_HANDLE && len > 0,
          "Assign on a producer: %.*s", len, err);
    UninitProducer(producer);
    DelTopicPartitionList(list);
    DelTopicConf(topic_conf);
}

/* NULL required buffers and negative counts or timeouts, on a live consumer: -301 and a text, nothing done. */
static void test_bad_arguments_issue8(void)
{
    void *c = new_client(NULL);
    char err[256], out[256];
    int len, rc;
    uint32_t outlen;
    int32_t partitions[1] = {0}, errors[1], count, size;
    int64_t offsets[1] = {-2}, low, high;
    len = sizeof err;
    CHECK(Assign(c, "c-topic", partitions, offsets, 1, err, &len) == 0, "Assign: %.*s", len, err);
#define INVALID(call)                                                                                                  \
    do {                                                                                                               \
        len = sizeof err, outlen = sizeof out, count = 1, size = sizeof out;                                           \
        rc = (call);                                                                                                   \
        CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "%s gave %d: %.*s", #call, rc, len, err);                   \
    } while (0)
    INVALID(Assign(c, NULL, partitions, offsets, 1, err, &len));
    INVALID(Assign(c, "c-topic", NULL, offsets, 1, err, &len));
    INVALID(Assign(c, "c-topic", partitions, offsets, -1, err, &len));
    INVALID(Assignment(c, out, NULL, partitions, offsets, errors, &count, err, &len));
    INVALID(Assignment(c, out, &outlen, partitions, offsets, errors, NULL, err, &len));
    INVALID(Subscription(c, out, NULL, &count, err, &len));
    INVALID(Subscription(c, out, &outlen, NULL, err, &len));
    INVALID(Seek(c, NULL, 0, 0, err, &len));
    INVALID(OffsetsForTimes(c, NULL, partitions, offsets, 1, 1000, out, &outlen, partitions, offsets, errors, &count,
                            err, &len));
    INVALID(OffsetsForTimes(c, "c-topic", partitions, offsets, -1, 1000, out, &outlen, partitions, offsets, errors,
                            &count, err, &len));
    INVALID(OffsetsForTimes(c, "c-topic", partitions, offsets, 1, -1, out, &outlen, partitions, offsets, errors,
                            &count, err, &len));
    INVALID(OffsetsForTimes(c, "c-topic", partitions, offsets, 1, 1000, out, NULL, partitions, offsets, errors,
                            &count, err, &len));
    INVALID(Position(c, out, &outlen, partitions, offsets, errors, NULL, err, &len));
    INVALID(Pause(c, NULL, partitions, 1, err, &len));
    INVALID(Pause(c, "c-topic", partitions, -1, err, &len));
    INVALID(Resume(c, "c-topic", NULL, 1, err, &len));
    INVALID(Watermarks(c, NULL, 0, 1000, &low, &high, err, &len));
    INVALID(Watermarks(c, "c-topic", 0, -1, &low, &high, err, &len));
    INVALID(Watermarks(c, "c-topic", 0, 1000, NULL, &high, err, &len));
    INVALID(CreateTopics(c, NULL, partitions, NULL, 1, NULL, 0, 1000, errors, err, &len));
    INVALID(CreateTopics(c, "t", partitions, NULL, -1, NULL, 0, 1000, errors, err, &len));
    INVALID(CreateTopics(c, "t", partitions, NULL, 1, NULL, 0, -1, errors, err, &len));
    INVALID(CreateTopics(c, "t", partitions, NULL, 1, NULL, 0, 1000, NULL, err, &len));
    INVALID(DeleteTopics(c, NULL, 1, 1000, errors, err, &len));
    INVALID(DeleteTopics(c, "t", 1, -5, errors, err, &len));
    INVALID(DeleteTopics(c, "t", 1, 1000, NULL, err, &len));
    INVALID(CreatePartitions(c, "t", NULL, 1, 0, 1000, errors, err, &len));
    INVALID(CreatePartitions(c, "t", partitions, -1, 0, 1000, errors, err, &len));
    INVALID(DeleteRecords(c, "t", NULL, offsets, 1, 1000, errors, err, &len));
    INVALID(DeleteRecords(c, "t", partitions, offsets, 1, -1, errors, err, &len));
    INVALID(DescribeConfigs(c, NULL, "t", 1000, out, &size, err, &len));
    INVALID(DescribeConfigs(c, "topic", NULL, 1000, out, &size, err, &len));
    INVALID(DescribeConfigs(c, "topic", "t", 1000, out, NULL, err, &len));
    INVALID(DescribeConfigs(c, "no-such-type", "t", 1000, out, &size, err, &len));
    INVALID(AlterConfigs(c, "topic", NULL, "retention.ms=1", 1000, err, &len));
    INVALID(AlterConfigs(c, "topic", "t", "retention.ms=1", -1, err, &len));
    INVALID(Metadata(c, NULL, -1, out, &size, err, &len));
    INVALID(Metadata(c, NULL, 1000, out, NULL, err, &len));
    INVALID(ListGroups(c, -1, out, &size, err, &len));
    INVALID(ListGroups(c, 1000, out, NULL, err, &len));
    INVALID(DescribeGroup(c, NULL, 1000, out, &size, err, &len));
    INVALID(DescribeGroup(c, "g", -1, out, &size, err, &len));
    INVALID(DescribeGroup(c, "g", 1000, out, NULL, err, &len));
    INVALID(DeleteGroup(c, NULL, 1000, err, &len));
    INVALID(DeleteGroup(c, "g", -1, err, &len));
    INVALID(GroupLag(c, NULL, 1000, out, &size, err, &len));
    INVALID(GroupLag(c, "g", 1000, out, NULL, err, &len));
#undef INVALID
    /* No error buffer at all: the status alone. */
    size = sizeof out;
    CHECK(Metadata(NULL, NULL, 1000, out, &size, NULL, NULL) == KAFKA_ERR_BAD_HANDLE, "Metadata, no errtxt");
    CHECK(Assign(c, NULL, partitions, NULL, 1, NULL, NULL) == KAFKA_ERR_INVALID_ARGUMENT, "Assign, no errtxt");
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

/* The size-needed convention of JSON results, and per-item outcomes of a mutating call. */
static void test_admin_results(void)
{
    void *h = new_client(NULL);
    char err[512], tiny[1];
    int len = sizeof err;
    int32_t size = sizeof tiny;
    int rc = Metadata(h, "cc-topic", 10000, tiny, &size, err, &len);
    CHECK(rc == KAFKA_ERR_TOO_SMALL && size > 1, "Metadata into 1 byte: %d, needs %d", rc, size);
    char *json = malloc(size);
    int32_t needed = size;
    len = sizeof err;
    rc = Metadata(h, "cc-topic", 10000, json, &size, err, &len);
    /* Not always needed - 1: the answer can change between calls (another broker answers). */
    CHECK(rc == 0 && size < needed && (int32_t)strlen(json) == size, "Metadata: %d, %d of %d bytes, %zu: %.*s",
          rc, size, needed, strlen(json), len, err);
    CHECK(strstr(json, "\"topic\":\"cc-topic\"") != NULL, "Metadata names cc-topic: %s", json);
    free(json);

    /* One bad name does not hide the other item's outcome, and is named in the text. */
    int32_t errors[2] = {-1, -1};
    len = sizeof err;
    rc = CreateTopics(h, "fine-name\nbad name!", NULL, NULL, 2, NULL, 1, 500, errors, err, &len);
    CHECK(rc != 0 && errors[1] == 17 && strstr(err, "bad name!: ") != NULL, "CreateTopics: %d [%d %d] %.*s", rc,
          errors[0], errors[1], len, err);
    CHECK(UninitConsumer(h) == 0, "UninitConsumer");
}

/* Issue 9's five exports on `h` with valid arguments: each must give `want` and a text. */
static void expect_from_issue9(void *h, int want, const char *what)
{
    char err[256], topic[64], payloads[64], keys[64], hdata[64];
    int len, rc;
    uint32_t topicslen, payloadslen, keyslen, hdatalen;
    int32_t paylens[1] = {1}, keylens[1] = {1}, partitions[1] = {0}, hcounts[1] = {1}, hlens[2] = {1, 1};
    int32_t statuses[1], topicidx[1], tstypes[1], count, nhlens, paylen, keylen, partition, tstype, nheaders;
    int64_t timestamps[1] = {0}, offsets[1], offset, timestamp;
    uint64_t ids[1], id;
#define EXPECT(call)                                                                                                   \
    do {                                                                                                               \
        len = sizeof err, count = 1, nhlens = 2, paylen = keylen = 64;                                                 \
        topicslen = payloadslen = keyslen = hdatalen = 64;                                                             \
        rc = (call);                                                                                                   \
        CHECK(rc == want && len > 0, "%s: %s gave %d: %.*s", what, #call, rc, len, err);                               \
    } while (0)
    EXPECT(ProduceBatch(h, "c-topic", 1, "p", paylens, "k", keylens, partitions, 1, timestamps, hcounts, "hv", hlens,
                        ids, statuses, err, &len));
    EXPECT(ProduceWith(h, "c-topic", "p", 1, "k", 1, 0, 0, 1, "hv", hlens, &id, err, &len));
    EXPECT(ConsumeBatch(h, 100, topic, &topicslen, topicidx, partitions, offsets, timestamps, tstypes, payloads,
                        &payloadslen, paylens, keys, &keyslen, keylens, hcounts, hdata, &hdatalen, hlens, &nhlens,
                        &count, err, &len));
    EXPECT(ConsumeWith(h, 100, topic, &topicslen, payloads, &paylen, keys, &keylen, &partition, &offset, &timestamp,
                       &tstype, &nheaders, hdata, &hdatalen, hlens, &nhlens, err, &len));
    EXPECT(DeliveryReports(h, 100, ids, statuses, partitions, offsets, timestamps, &count, err, &len));
#undef EXPECT
}

static void test_bad_handles_issue9(void)
{
    void *stale = new_client(NULL);
    UninitConsumer(stale);
    void *list = NULL, *topic_conf = NULL;
    NewTopicPartitionList(&list);
    NewTopicConf(&topic_conf);
    expect_from_issue9(NULL, KAFKA_ERR_BAD_HANDLE, "NULL handle");
    expect_from_issue9((void *)0x1234, KAFKA_ERR_BAD_HANDLE, "never issued");
    expect_from_issue9(stale, KAFKA_ERR_BAD_HANDLE, "released client");
    expect_from_issue9(list, KAFKA_ERR_BAD_HANDLE, "topic-partition list");
    expect_from_issue9(topic_conf, KAFKA_ERR_BAD_HANDLE, "topic configuration");
    expect_from_issue9(mock, KAFKA_ERR_BAD_HANDLE, "mock cluster");
    DelTopicPartitionList(list);
    DelTopicConf(topic_conf);

    /* The right kind in the wrong role: a consumer cannot produce, a producer cannot consume. */
    char err[256];
    int len = sizeof err;
    void *consumer = new_client(NULL);
    int32_t partition = 0, paylen = 1, count = 1;
    int64_t beginning = -2;
    CHECK(Assign(consumer, "c-topic", &partition, &beginning, 1, err, &len) == 0, "Assign: %.*s", len, err);
    uint64_t id;
    int32_t status;
    len = sizeof err;
    int rc = ProduceBatch(consumer, "c-topic", 1, "p", &paylen, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, &id,
                          &status, err, &len);
    CHECK(rc != 0 && len > 0, "ProduceBatch on a consumer: %d %.*s", rc, len, err);
    len = sizeof err;
    rc = ProduceWith(consumer, "c-topic", "p", 1, NULL, -1, 0, 0, 0, NULL, NULL, &id, err, &len);
    CHECK(rc != 0 && len > 0, "ProduceWith on a consumer: %d %.*s", rc, len, err);
    len = sizeof err;
    rc = DeliveryReports(consumer, 0, &id, &status, NULL, NULL, NULL, &count, err, &len);
    CHECK(rc != 0 && len > 0, "DeliveryReports on a consumer: %d %.*s", rc, len, err);
    CHECK(UninitConsumer(consumer) == 0, "UninitConsumer");

    void *producer = new_client(NULL);
    len = sizeof err;
    ProduceWith(producer, "c-topic", "p", 1, NULL, -1, 0, 0, 0, NULL, NULL, &id, err, &len);
    char topic[64], payload[64];
    uint32_t topiclen = sizeof topic, payloadslen = sizeof payload, hdatalen = 0;
    int32_t keylen = 0, nhlens = 0;
    len = sizeof err;
    rc = ConsumeBatch(producer, 100, topic, &topiclen, NULL, NULL, NULL, NULL, NULL, payload, &payloadslen, NULL, NULL,
                      NULL, NULL, NULL, NULL, NULL, NULL, NULL, &count, err, &len);
    CHECK(rc != 0 && len > 0, "ConsumeBatch on a producer: %d %.*s", rc, len, err);
    paylen = sizeof payload;
    len = sizeof err;
    rc = ConsumeWith(producer, 100, topic, &topiclen, payload, &paylen, NULL, &keylen, NULL, NULL, NULL, NULL, NULL,
                     NULL, &hdatalen, NULL, &nhlens, err, &len);
    CHECK(rc != 0 && len > 0, "ConsumeWith on a producer: %d %.*s", rc, len, err);
    CHECK(UninitProducer(producer) == 0, "UninitProducer");
}

/* NULL required pointers, negative counts, lengths and timeouts, arrays that do not add up: -301 and a text,
 * nothing enqueued or consumed. */
static void test_bad_arguments_issue9(void)
{
    void *p = new_client(NULL);
    char err[256], topic[64], payloads[64], keys[64], hdata[64];
    int len, rc;
    int32_t paylens[3] = {1, 1, 1}, keylens[3] = {1, 1, 1}, partitions[3] = {0, 0, 0}, hcounts[3] = {1, 0, 0};
    int32_t hlens[2] = {1, 1}, statuses[3], count, nhlens, paylen, keylen;
    int64_t timestamps[3] = {0, 0, 0}, offsets[3];
    uint64_t ids[3], id;
    uint32_t topicslen, payloadslen, keyslen, hdatalen;
#define INVALID(call)                                                                                                  \
    do {                                                                                                               \
        len = sizeof err, count = 3, nhlens = 2, paylen = keylen = 64;                                                 \
        topicslen = payloadslen = keyslen = hdatalen = 64;                                                             \
        rc = (call);                                                                                                   \
        CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "%s gave %d: %.*s", #call, rc, len, err);                   \
    } while (0)
    INVALID(ProduceBatch(p, "c-topic", -1, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses,
                         err, &len));
    INVALID(ProduceBatch(p, NULL, 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses, err,
                         &len));
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses, err,
                         &len));
    INVALID(ProduceBatch(p, "c-topic", 3, NULL, paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses,
                         err, &len));
    INVALID(ProduceBatch(p, "a\nb", 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses, err,
                         &len)); /* two topics for three messages */
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, "kkk", keylens, partitions, 2, NULL, NULL, NULL, NULL, ids,
                         statuses, err, &len)); /* npartitions neither 0, 1 nor count */
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, NULL, keylens, NULL, 0, NULL, NULL, NULL, NULL, ids,
                         statuses, err, &len)); /* key lengths but no key bytes */
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, hcounts, "hv", NULL, ids,
                         statuses, err, &len)); /* a header but no lengths */
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, statuses,
                         err, &len));
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, NULL, err,
                         &len));
    paylens[1] = -2;
    INVALID(ProduceBatch(p, "c-topic", 3, "ppp", paylens, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ids, statuses,
                         err, &len));
    paylens[1] = 1;
    INVALID(ProduceWith(p, NULL, "p", 1, NULL, -1, 0, 0, 0, NULL, NULL, &id, err, &len));
    INVALID(ProduceWith(p, "c-topic", "p", -2, NULL, -1, 0, 0, 0, NULL, NULL, &id, err, &len));
    INVALID(ProduceWith(p, "c-topic", NULL, 3, NULL, -1, 0, 0, 0, NULL, NULL, &id, err, &len));
    INVALID(ProduceWith(p, "c-topic", "p", 1, NULL, 2, 0, 0, 0, NULL, NULL, &id, err, &len));
    INVALID(ProduceWith(p, "c-topic", "p", 1, NULL, -1, 0, 0, -1, NULL, NULL, &id, err, &len));
    INVALID(ProduceWith(p, "c-topic", "p", 1, NULL, -1, 0, 0, 1, "hv", NULL, &id, err, &len));
    INVALID(DeliveryReports(p, -1, ids, statuses, NULL, NULL, NULL, &count, err, &len));
    INVALID(DeliveryReports(p, 0, ids, statuses, NULL, NULL, NULL, NULL, err, &len));
    INVALID(DeliveryReports(p, 0, NULL, statuses, NULL, NULL, NULL, &count, err, &len));
    INVALID(DeliveryReports(p, 0, ids, NULL, NULL, NULL, NULL, &count, err, &len));
    count = -1;
    len = sizeof err;
    rc = DeliveryReports(p, 0, ids, statuses, NULL, NULL, NULL, &count, err, &len);
    CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "DeliveryReports with *count -1: %d", rc);
    /* None of that enqueued anything: nothing in flight, no reports. */
    int inflight = -1;
    CHECK(Flush(p, 1000, &inflight) == 0 && inflight == 0, "Flush: %d in flight", inflight);
    count = 3, len = sizeof err;
    CHECK(DeliveryReports(p, 0, ids, statuses, NULL, NULL, NULL, &count, err, &len) == 0 && count == 0,
          "DeliveryReports after refused calls: %d reports", count);
    CHECK(UninitProducer(p) == 0, "UninitProducer");

    void *c = new_client(NULL);
    int32_t all = 0, topicidx[3], tstypes[3], partition, tstype, nheaders;
    int64_t beginning = -2, offset, timestamp;
    len = sizeof err;
    CHECK(Assign(c, "c-topic", &all, &beginning, 1, err, &len) == 0, "Assign: %.*s", len, err);
    INVALID(ConsumeBatch(c, -1, topic, &topicslen, topicidx, partitions, offsets, timestamps, tstypes, payloads,
                         &payloadslen, paylens, keys, &keyslen, keylens, hcounts, hdata, &hdatalen, hlens, &nhlens,
                         &count, err, &len));
    INVALID(ConsumeBatch(c, 100, topic, &topicslen, topicidx, partitions, offsets, timestamps, tstypes, payloads,
                         &payloadslen, paylens, keys, &keyslen, keylens, hcounts, hdata, &hdatalen, hlens, &nhlens,
                         NULL, err, &len));
    INVALID(ConsumeBatch(c, 100, topic, NULL, topicidx, partitions, offsets, timestamps, tstypes, payloads,
                         &payloadslen, paylens, keys, &keyslen, keylens, hcounts, hdata, &hdatalen, hlens, &nhlens,
                         &count, err, &len));
    INVALID(ConsumeBatch(c, 100, topic, &topicslen, topicidx, partitions, offsets, timestamps, tstypes, NULL,
                         &payloadslen, paylens, keys, &keyslen, keylens, hcounts, hdata, &hdatalen, hlens, &nhlens,
                         &count, err, &len)); /* a capacity for a NULL buffer */
    INVALID(ConsumeWith(c, -1, topic, &topicslen, payloads, &paylen, keys, &keylen, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, &hdatalen, hlens, &nhlens, err, &len));
    INVALID(ConsumeWith(c, 100, topic, NULL, payloads, &paylen, keys, &keylen, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, &hdatalen, hlens, &nhlens, err, &len));
    INVALID(ConsumeWith(c, 100, topic, &topicslen, payloads, NULL, keys, &keylen, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, &hdatalen, hlens, &nhlens, err, &len));
    INVALID(ConsumeWith(c, 100, topic, &topicslen, payloads, &paylen, keys, NULL, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, &hdatalen, hlens, &nhlens, err, &len));
    INVALID(ConsumeWith(c, 100, topic, &topicslen, payloads, &paylen, keys, &keylen, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, NULL, hlens, &nhlens, err, &len));
    INVALID(ConsumeWith(c, 100, topic, &topicslen, payloads, &paylen, keys, &keylen, &partition, &offset, &timestamp,
                        &tstype, &nheaders, hdata, &hdatalen, hlens, NULL, err, &len));
#undef INVALID
    count = -1, len = sizeof err, topicslen = sizeof topic;
    rc = ConsumeBatch(c, 100, topic, &topicslen, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                      NULL, NULL, NULL, NULL, &count, err, &len);
    CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "ConsumeBatch with *count -1: %d", rc);
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

/* A batch with NULs, a null key and a binary header, read back through the too-small path of ConsumeBatch. */
static void test_batch_round_trip(void)
{
    MockCreateTopic(mock, "c-batch", 1, 1, NULL, NULL);
    void *p = new_client(NULL);
    char err[256];
    int len = sizeof err;
    const char payloads[] = "a\0b" "" "ccc", keys[] = "k\0", hdata[] = "h\0\xff";
    int32_t paylens[3] = {3, -1, 3}, keylens[3] = {2, -1, 0}, hcounts[3] = {1, 0, 0}, hlens[2] = {1, 2};
    int32_t partition = 0, statuses[3];
    int64_t timestamps[3] = {1700000000000, 0, 0};
    uint64_t ids[3];
    int rc = ProduceBatch(p, "c-batch", 3, payloads, paylens, keys, keylens, &partition, 1, timestamps, hcounts, hdata,
                          hlens, ids, statuses, err, &len);
    CHECK(rc == 0 && statuses[0] == 0 && statuses[2] == 0 && ids[0] != 0, "ProduceBatch: %d %.*s", rc, len, err);
    CHECK(Flush(p, 10000, NULL) == 0, "Flush");
    int32_t count = 3;
    int64_t offsets[3];
    len = sizeof err;
    rc = DeliveryReports(p, 1000, ids, statuses, NULL, offsets, NULL, &count, err, &len);
    CHECK(rc == 0 && count == 3 && offsets[0] == 0 && offsets[2] == 2, "DeliveryReports: %d, %d", rc, count);
    CHECK(UninitProducer(p) == 0, "UninitProducer");

    void *c = new_client(NULL);
    int64_t beginning = -2;
    len = sizeof err;
    CHECK(Assign(c, "c-batch", &partition, &beginning, 1, err, &len) == 0, "Assign");
    /* Zero capacities (NULL buffers would mean "not wanted"): -304 with the sizes the first message needs; it
     * is kept. */
    char topics[64], none[1];
    uint32_t topicslen = 0, payloadslen = 0, keyslen = 0, hdatalen = 0;
    int32_t nhlens = 0, got = 3, plens[3], klens[3], counts[3], lens[8];
    time_t give_up = time(NULL) + 20;
    do {
        topicslen = payloadslen = keyslen = hdatalen = 0, nhlens = 0, got = 3, len = sizeof err;
        rc = ConsumeBatch(c, 500, topics, &topicslen, NULL, NULL, NULL, NULL, NULL, none, &payloadslen, plens, none,
                          &keyslen, klens, counts, none, &hdatalen, lens, &nhlens, &got, err, &len);
    } while (rc == 0 && got == 0 && time(NULL) < give_up);
    CHECK(rc == KAFKA_ERR_TOO_SMALL && topicslen == 7 && payloadslen == 3 && keyslen == 2 && hdatalen == 3 &&
              nhlens == 2,
          "ConsumeBatch into nothing: %d, needs %u %u %u %u %d", rc, topicslen, payloadslen, keyslen, hdatalen, nhlens);
    char pay[16], key[16], hd[16];
    int64_t stamps[3];
    topicslen = sizeof topics, payloadslen = sizeof pay, keyslen = sizeof key, hdatalen = sizeof hd, nhlens = 8;
    got = 3, len = sizeof err;
    rc = ConsumeBatch(c, 500, topics, &topicslen, NULL, NULL, offsets, stamps, NULL, pay, &payloadslen, plens, key,
                      &keyslen, klens, counts, hd, &hdatalen, lens, &nhlens, &got, err, &len);
    CHECK(rc == 0 && got >= 1 && offsets[0] == 0 && stamps[0] == 1700000000000, "ConsumeBatch: %d, %d", rc, got);
    CHECK(plens[0] == 3 && memcmp(pay, "a\0b", 3) == 0 && klens[0] == 2 && memcmp(key, "k\0", 2) == 0,
          "first message's bytes");
    CHECK(counts[0] == 1 && lens[0] == 1 && lens[1] == 2 && memcmp(hd, "h\0\xff", 3) == 0, "its header");
    if (got == 3)
        CHECK(plens[1] == -1 && klens[1] == -1 && klens[2] == 0 && plens[2] == 3, "null and empty fields");
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

/* Issue 10's exports that take a handle, with valid arguments: each must give `want` (and a text where there is an
 * errtxt). `other` is the consumer handed to SendOffsetsToTransaction. */
static void expect_from_issue10(void *h, void *other, int want, const char *what)
{
    char err[256], topics[64], texts[256];
    int len, rc;
    uint32_t topicslen, textslen;
    int32_t partitions[1] = {0}, errors[4], parts[4], count, flags, kinds[4], levels[4], codes[4], lens[4], dropped;
    int64_t offsets[1] = {1}, offs[4];
#define EXPECT(call)                                                                                                   \
    do {                                                                                                               \
        len = sizeof err, count = 4, topicslen = sizeof topics, textslen = sizeof texts;                               \
        rc = (call);                                                                                                   \
        CHECK(rc == want && len > 0, "%s: %s gave %d: %.*s", what, #call, rc, len, err);                               \
    } while (0)
    EXPECT(CommitAsync(h, "c-topic", partitions, offsets, 1, err, &len));
    EXPECT(CommitOffsets(h, "c-topic", partitions, offsets, 1, err, &len));
    EXPECT(StoreOffsets(h, "c-topic", partitions, offsets, 1, err, &len));
    EXPECT(CommittedOffsets(h, "c-topic", partitions, 1, 1000, topics, &topicslen, parts, offs, errors, &count, err,
                            &len));
    EXPECT(InitTransactions(h, 1000, &flags, err, &len));
    EXPECT(BeginTransaction(h, &flags, err, &len));
    EXPECT(CommitTransaction(h, 1000, &flags, err, &len));
    EXPECT(AbortTransaction(h, 1000, &flags, err, &len));
    EXPECT(SendOffsetsToTransaction(h, other, "c-topic", partitions, offsets, 1, 1000, &flags, err, &len));
    EXPECT(FatalError(h, err, &len));
    EXPECT(Events(h, 0, kinds, levels, codes, texts, &textslen, lens, &count, &dropped, err, &len));
#undef EXPECT
    count = 4, topicslen = sizeof topics;
    rc = CommitReport(h, topics, &topicslen, parts, offs, errors, &count);
    CHECK(rc == want, "%s: CommitReport gave %d", what, rc);
}

static void test_bad_handles_issue10(void)
{
    void *stale = new_client(NULL);
    UninitConsumer(stale);
    void *list = NULL, *topic_conf = NULL, *live = new_client("c-group10");
    NewTopicPartitionList(&list);
    NewTopicConf(&topic_conf);
    char err[256];
    int32_t partition = 0, flags = -1;
    int64_t offset = 1, beginning = -2;
    int len = sizeof err;
    CHECK(Assign(live, "c-topic", &partition, &beginning, 1, err, &len) == 0, "Assign: %.*s", len, err);
    void *bad[] = {NULL, (void *)0x1234, stale, list, topic_conf, mock};
    const char *names[] = {"NULL handle", "never issued", "released client", "topic-partition list",
                           "topic configuration", "mock cluster"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_from_issue10(bad[i], live, KAFKA_ERR_BAD_HANDLE, names[i]);
    /* a bad consumer for a live client's SendOffsetsToTransaction */
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        len = sizeof err;
        int rc = SendOffsetsToTransaction(live, bad[i], "c-topic", &partition, &offset, 1, 1000, &flags, err, &len);
        CHECK(rc == KAFKA_ERR_BAD_HANDLE && len > 0, "SendOffsetsToTransaction with a consumer %s: %d", names[i], rc);
    }
    DelTopicPartitionList(list);
    DelTopicConf(topic_conf);
    CHECK(UninitConsumer(live) == 0, "UninitConsumer");
}

/* NULL required pointers and negative counts and timeouts: -301 and a text. */
static void test_bad_arguments_issue10(void)
{
    void *c = new_client("c-group10");
    char err[256], topics[64], texts[256], name[64];
    int len, rc;
    uint32_t topicslen, textslen;
    int32_t all = 0, partitions[1] = {0}, parts[4], errors[4], count, flags, kinds[4], levels[4], codes[4], lens[4];
    int64_t beginning = -2, offsets[1] = {1}, offs[4];
    len = sizeof err;
    CHECK(Assign(c, "c-topic", &all, &beginning, 1, err, &len) == 0, "Assign: %.*s", len, err);
#define INVALID(call)                                                                                                  \
    do {                                                                                                               \
        len = sizeof err, count = 4, topicslen = sizeof topics, textslen = sizeof texts;                               \
        rc = (call);                                                                                                   \
        CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "%s gave %d: %.*s", #call, rc, len, err);                   \
    } while (0)
    INVALID(CommitAsync(c, "c-topic", partitions, offsets, -1, err, &len));
    INVALID(CommitAsync(c, NULL, partitions, offsets, 1, err, &len));
    INVALID(CommitAsync(c, "c-topic", NULL, offsets, 1, err, &len));
    INVALID(CommitAsync(c, "c-topic", partitions, NULL, 1, err, &len));
    INVALID(CommitOffsets(c, "c-topic", partitions, NULL, 1, err, &len));
    INVALID(CommitOffsets(c, "c-topic", partitions, offsets, -1, err, &len));
    INVALID(StoreOffsets(c, "c-topic", partitions, NULL, 1, err, &len));
    INVALID(StoreOffsets(c, NULL, partitions, offsets, 1, err, &len));
    INVALID(CommittedOffsets(c, "c-topic", partitions, -1, 1000, topics, &topicslen, parts, offs, errors, &count, err,
                             &len));
    INVALID(CommittedOffsets(c, "c-topic", partitions, 1, -1, topics, &topicslen, parts, offs, errors, &count, err,
                             &len));
    INVALID(CommittedOffsets(c, "c-topic", partitions, 1, 1000, topics, NULL, parts, offs, errors, &count, err, &len));
    INVALID(CommittedOffsets(c, "c-topic", partitions, 1, 1000, topics, &topicslen, parts, offs, errors, NULL, err,
                             &len));
    INVALID(Events(c, -1, kinds, levels, codes, texts, &textslen, lens, &count, NULL, err, &len));
    INVALID(Events(c, 0, NULL, levels, codes, texts, &textslen, lens, &count, NULL, err, &len));
    INVALID(Events(c, 0, kinds, levels, codes, texts, NULL, lens, &count, NULL, err, &len));
    INVALID(Events(c, 0, kinds, levels, codes, texts, &textslen, lens, NULL, NULL, err, &len));
    INVALID(ErrorCodes(NULL, NULL, err, &len));
#undef INVALID
    count = 4, topicslen = sizeof topics;
    CHECK(CommitReport(c, topics, NULL, parts, offs, errors, &count) == KAFKA_ERR_INVALID_ARGUMENT, "CommitReport");
    CHECK(CommitReport(c, topics, &topicslen, parts, offs, errors, NULL) == KAFKA_ERR_INVALID_ARGUMENT, "CommitReport");
    count = -1;
    CHECK(CommitReport(c, topics, &topicslen, parts, offs, errors, &count) == KAFKA_ERR_INVALID_ARGUMENT,
          "CommitReport with *count -1");
    count = 4;
    CHECK(CommitReport(c, topics, &topicslen, NULL, offs, errors, &count) == KAFKA_ERR_INVALID_ARGUMENT,
          "CommitReport with partitions NULL");
    /* A producer that is not transactional: refused by librdkafka, with a text; flags is optional. */
    void *p = new_client(NULL);
    len = sizeof err;
    rc = InitTransactions(p, -1, &flags, err, &len);
    CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "InitTransactions with timeout -1: %d", rc);
    len = sizeof err;
    rc = BeginTransaction(p, NULL, err, &len);
    CHECK(rc != 0 && len > 0, "BeginTransaction without transactional.id: %d", rc);
    len = sizeof err;
    rc = SendOffsetsToTransaction(p, c, "c-topic", partitions, offsets, -1, 1000, &flags, err, &len);
    CHECK(rc == KAFKA_ERR_INVALID_ARGUMENT && len > 0, "SendOffsetsToTransaction with count -1: %d", rc);
    len = sizeof err;
    CHECK(FatalError(p, err, &len) == 0 && len == 0, "FatalError of a healthy producer");
    /* ErrorName: a name, a code with none, buffers too small or missing. */
    len = sizeof name;
    CHECK(ErrorName(-184, name, &len) == 0 && strcmp(name, "_QUEUE_FULL") == 0, "ErrorName(-184): %s", name);
    len = sizeof name;
    CHECK(ErrorName(-12345, name, &len) == KAFKA_ERR_INVALID_ARGUMENT, "ErrorName of no code");
    len = 3;
    CHECK(ErrorName(-300, name, &len) == KAFKA_ERR_TOO_SMALL && len >= (int)strlen("KAFKA_ERR_BAD_HANDLE"),
          "ErrorName too small: %d", len);
    len = sizeof name;
    CHECK(ErrorName(-184, NULL, &len) != 0, "ErrorName to NULL");
    CHECK(ErrorName(-184, name, NULL) == KAFKA_ERR_INVALID_ARGUMENT, "ErrorName with plen NULL");
    CHECK(UninitProducer(p) == 0, "UninitProducer");
    CHECK(UninitConsumer(c) == 0, "UninitConsumer");
}

int main(void)
{
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
    test_consumer_control();
    test_subscription();
    test_bad_handles_issue8();
    test_bad_arguments_issue8();
    test_admin_results();
    test_bad_handles_issue9();
    test_bad_arguments_issue9();
    test_batch_round_trip();
    test_bad_handles_issue10();
    test_bad_arguments_issue10();
    CHECK(DestroyMockCluster(mock) == 0, "DestroyMockCluster");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
