/*
 * Benchmark driver for OUR ABI: kafka.so through include/kafka.h, called the
 * way a C or APL (⎕NA) caller does. Its twin bench_raw.c does the same work
 * with librdkafka directly; bench/run.sh runs both against the same broker
 * with the same configuration and compares them.
 *
 * Modes (options in common.h):
 *   produce      N x Produce (one message per call); delivery reports
 *                collected with DeliveryReport (-B per call, default 8192)
 *                when Produce says queue full (-184) and after the loop,
 *                until every id has reported. The reports wait meanwhile in
 *                the library's compact queue (16 bytes each).
 *   produce-interleaved
 *                as produce, and also one DeliveryReportWait(..., 0) call
 *                whenever -B messages are outstanding: collects reports
 *                while producing without ever blocking (keeps memory flat).
 *   produce-apl  as Dyalog's APL Producer does: one Produce per message,
 *                reports collected 100 per DeliveryReport call
 *                (Producer.update_outstanding loops until a call returns
 *                none), on queue full and after the loop.
 *   consume      a fresh group (-g) reads N messages with Consume into
 *                buffers big enough; timed from the first message.
 *   latency      producer thread at -r msg/s for -d s (after -w s of
 *                warm-up), consumer on the main thread; the payload carries
 *                the send time.
 *
 * Under valgrind (callgrind) the statistics are zeroed after the warm-up,
 * so `--collect-atstart=no --toggle-collect=Produce ...` counts only the
 * measured calls.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>

#include "kafka.h"

static const char SIDE[] = "ours";

static void *client_new(const struct opts *o, char role, const char *const extra[][2], int nextra)
{
    void *h = NULL;
    char err[512];
    int rc = InitKafka(&h);
    if (rc != 0)
        die("InitKafka: %d", rc);
    int len = sizeof err;
    rc = SetKafkaConf(h, "bootstrap.servers", o->bootstrap, err, &len);
    if (rc != 0)
        die("SetKafkaConf bootstrap.servers: %.*s", len, err);
    for (int i = 0; i < nextra; i++) {
        len = sizeof err;
        rc = SetKafkaConf(h, extra[i][0], extra[i][1], err, &len);
        if (rc != 0)
            die("SetKafkaConf %s: %.*s", extra[i][0], len, err);
    }
    for (int i = 0; i < o->nconf; i++) {
        if (!conf_applies(o, i, role))
            continue;
        len = sizeof err;
        rc = SetKafkaConf(h, o->conf_key[i], o->conf_val[i], err, &len);
        if (rc != 0)
            die("SetKafkaConf %s: %.*s", o->conf_key[i], len, err);
    }
    return h;
}

/* ------------------------------------------------------------- produce -- */

struct reports {
    unsigned long long *ids;
    int *status;
    int cap;
    long reported, failed, calls;
    uint64_t wait_ns; /* time spent inside DeliveryReport */
};

/* One DeliveryReport call (returns at once when reports are ready, waits
 * up to 500 ms when messages are in flight and none has reported). */
static long collect(void *h, struct reports *r, int cap);

/* One DeliveryReportWait(..., 0) call: never waits. */
static long collect_now(void *h, struct reports *r, int cap);

static long collect_with(void *h, struct reports *r, int cap, int wait_ms)
{
    int n = cap;
    uint64_t t = now_ns();
    int rc = wait_ms < 0 ? DeliveryReport(h, r->ids, r->status, &n)
                         : DeliveryReportWait(h, r->ids, r->status, &n, wait_ms);
    r->wait_ns += now_ns() - t;
    if (rc != 0)
        die("DeliveryReport: %d", rc);
    r->calls++;
    for (int i = 0; i < n; i++)
        if (r->status[i] != 0) {
            if (r->failed++ == 0) {
                char text[256];
                int len = sizeof text;
                DRMessageError(&r->status[i], text, &len);
                fprintf(stderr, "bench: message %llu failed: %.*s\n", r->ids[i], len, text);
            }
        }
    r->reported += n;
    return n;
}

static long collect(void *h, struct reports *r, int cap)
{
    return collect_with(h, r, cap, -1);
}

static long collect_now(void *h, struct reports *r, int cap)
{
    return collect_with(h, r, cap, 0);
}

static int produce_one(void *h, const struct opts *o, char *payload, char (*keys)[16], long i)
{
    char err[512];
    int len = sizeof err;
    uint64_t id = 0;
    const char *key = o->keys > 0 ? keys[i % o->keys] : NULL;
    uint32_t keylen = o->keys > 0 ? 10 : 0;
    int rc = Produce(h, o->topic, payload, (uint32_t)o->size, key, keylen, -1, &id, err, &len);
    if (rc != 0 && rc != -184)
        die("Produce: %d %.*s", rc, len, err);
    return rc;
}

static void mode_produce(const struct opts *o, const char *mode, int apl, int interleave)
{
    const char *const extra[][2] = {{"acks", "all"}};
    void *h = client_new(o, 'P', extra, 1);
    char *payload = make_payload(o->size);
    char(*keys)[16] = make_keys(o->keys);
    int cap = apl ? 100 : (int)o->dr_batch;
    struct reports r = {calloc((size_t)cap, sizeof *r.ids), calloc((size_t)cap, sizeof *r.status), cap, 0, 0, 0, 0};

    /* Warm-up: creates the producer, connects, fetches metadata. */
    stamp_payload(payload, 0, now_ns());
    while (produce_one(h, o, payload, keys, 0) != 0)
        collect(h, &r, cap);
    while (r.reported < 1)
        collect(h, &r, cap);
    r.reported = r.failed = r.calls = 0;
    r.wait_ns = 0;
    long queue_full = 0;

    CALLGRIND_ZERO_STATS;
    uint64_t t0 = now_ns();
    for (long i = 0; i < o->n; i++) {
        stamp_payload(payload, (uint64_t)i, 0);
        while (produce_one(h, o, payload, keys, i) != 0) {
            queue_full++;
            collect(h, &r, cap);
        }
        if (interleave && i + 1 - r.reported >= cap)
            collect_now(h, &r, cap);
    }
    while (r.reported < o->n)
        collect(h, &r, cap);
    uint64_t t1 = now_ns();

    char extra_out[200];
    snprintf(extra_out, sizeof extra_out, "failed=%ld dr_calls=%ld dr_cap=%d dr_ms=%.1f queue_full=%ld", r.failed,
             r.calls, cap, (double)r.wait_ns / 1e6, queue_full);
    print_throughput(SIDE, o, mode, o->n, (double)(t1 - t0) / 1e9, extra_out);
    int rc = UninitProducer(h);
    if (rc != 0)
        die("UninitProducer: %d", rc);
    if (r.failed)
        exit(2);
}

/* ------------------------------------------------------------- consume -- */

struct consumer {
    void *h;
    char topic[256], *payload, key[256];
    uint32_t paycap;
};

static void consumer_open(struct consumer *c, const struct opts *o, const char *reset)
{
    const char *const extra[][2] = {{"group.id", o->group}, {"auto.offset.reset", reset}};
    c->h = client_new(o, 'C', extra, 2);
    c->paycap = (uint32_t)o->size + 1024;
    c->payload = malloc(c->paycap);
    void *list = NULL;
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, o->topic, 0);
    char err[512];
    int len = sizeof err;
    int rc = SubscribeConsumerTPList(c->h, list, err, &len);
    if (rc != 0)
        die("SubscribeConsumerTPList: %d %.*s", rc, len, err);
}

/* 1 when a message was read into the buffers, 0 when none arrived. */
static int consumer_next(struct consumer *c, uint32_t *paylen, int32_t *partition)
{
    char err[512];
    int len = sizeof err;
    uint32_t topiclen = sizeof c->topic, keylen = sizeof c->key;
    int64_t offset;
    *paylen = c->paycap;
    int rc = Consume(c->h, c->topic, &topiclen, c->payload, paylen, c->key, &keylen, partition, &offset, err, &len);
    if (rc == KAFKA_CONSUME_NO_MESSAGE)
        return 0;
    if (rc != 0)
        die("Consume: %d %.*s", rc, len, err);
    return 1;
}

static void mode_consume(const struct opts *o)
{
    struct consumer c;
    consumer_open(&c, o, "earliest");
    uint64_t start = now_ns(), t0 = 0, joined = 0, sum = 0;
    long got = 0;
    while (got < o->n) {
        uint32_t paylen;
        int32_t partition;
        if (!consumer_next(&c, &paylen, &partition)) {
            if (now_ns() - start > 120 * 1000000000ull)
                die("consume: only %ld of %ld messages after 120 s", got, o->n);
            continue;
        }
        if (got++ == 0) {
            joined = now_ns();
            if (o->prefetch > 0) /* let librdkafka fill its local queue: time the calls alone */
                sleep_until_ns(now_ns() + (uint64_t)(o->prefetch * 1e9));
            CALLGRIND_ZERO_STATS;
            t0 = now_ns();
        }
        sum += (unsigned char)c.payload[paylen - 1];
    }
    uint64_t t1 = now_ns();
    char extra[96];
    snprintf(extra, sizeof extra, "join_s=%.3f checksum=%" PRIu64, (double)(joined - start) / 1e9, sum);
    print_throughput(SIDE, o, o->prefetch > 0 ? "consume-prefetched" : "consume", o->n - 1, (double)(t1 - t0) / 1e9, extra);
    UninitConsumer(c.h);
}

/* ------------------------------------------------------------- latency -- */

static void *latency_producer(void *arg)
{
    struct latency_run *run = arg;
    const struct opts *o = run->o;
    const char *const extra[][2] = {{"acks", "all"}};
    void *h = client_new(o, 'P', extra, 1);
    char *payload = make_payload(o->size);
    char(*keys)[16] = make_keys(o->keys);
    uint64_t interval = 1000000000ull / (uint64_t)o->rate;
    long measured = (long)(o->seconds * (double)o->rate);
    uint64_t warm_until = now_ns() + (uint64_t)(o->warmup * 1e9), next = now_ns();
    long i = 0, seq = 0;
    /* Warm-up traffic until the consumer reads every partition. */
    while (!atomic_load(&run->consumer_ready) || now_ns() < warm_until) {
        sleep_until_ns(next);
        next += interval;
        stamp_payload(payload, WARMUP_FLAG | (uint64_t)i, now_ns());
        produce_one(h, o, payload, keys, i++);
        if (now_ns() > warm_until + 60 * 1000000000ull)
            die("latency: the consumer never got its partitions");
    }
    next = now_ns();
    for (seq = 0; seq < measured; seq++) {
        sleep_until_ns(next);
        next += interval;
        stamp_payload(payload, (uint64_t)seq, now_ns());
        if (produce_one(h, o, payload, keys, i++) != 0)
            die("latency: queue full");
        atomic_store(&run->measured_sent, seq + 1);
    }
    atomic_store(&run->done_producing, 1);
    /* Reports were kept in the library's compact queue; collect them all. */
    struct reports r = {calloc(8192, sizeof *r.ids), calloc(8192, sizeof *r.status), 8192, 0, 0, 0, 0};
    while (r.reported < i)
        collect(h, &r, 8192);
    UninitProducer(h);
    return NULL;
}

static void mode_latency(const struct opts *o)
{
    struct latency_run run;
    latency_init(&run, o);
    struct consumer c;
    consumer_open(&c, o, "latest");
    pthread_t producer;
    pthread_create(&producer, NULL, latency_producer, &run);
    for (;;) {
        uint32_t paylen;
        int32_t partition;
        if (consumer_next(&c, &paylen, &partition) ? latency_message(&run, c.payload, partition, now_ns())
                                                   : latency_idle(&run))
            break;
    }
    pthread_join(producer, NULL);
    print_latency(SIDE, o, run.lat, run.received, run.measured - run.received);
    UninitConsumer(c.h);
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_opts(&o, argc, argv);
    if (!strcmp(o.mode, "version")) {
        char v[64];
        Version(v, sizeof v);
        printf("%s\n", v);
    } else if (!strcmp(o.mode, "produce"))
        mode_produce(&o, o.mode, 0, 0);
    else if (!strcmp(o.mode, "produce-interleaved"))
        mode_produce(&o, o.mode, 0, 1);
    else if (!strcmp(o.mode, "produce-apl"))
        mode_produce(&o, o.mode, 1, 0);
    else if (!strcmp(o.mode, "consume"))
        mode_consume(&o);
    else if (!strcmp(o.mode, "latency"))
        mode_latency(&o);
    else
        die("unknown mode %s", o.mode);
    return 0;
}
