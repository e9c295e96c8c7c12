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
 *   produce-batch
 *                N messages through ProduceBatch, -N per call (default
 *                1000), keyed as in produce; after each call one
 *                DeliveryReports(..., 0) takes every report ready (ids,
 *                statuses, partitions, offsets, timestamps), as raw's
 *                poll(0) per message serves them; positions refused with
 *                queue full (-184) are retried after reports are taken.
 *   consume-batch
 *                as consume, with ConsumeBatch of up to -N per call into
 *                columns (topic index, partition, offset, timestamp, type,
 *                payloads, keys); reads every message's last payload byte
 *                as consume does; timed from the first batch.
 *   (the batch modes print an RSS trace with -R, for the long memory rows)
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
    struct rss_trace tr;
    rss_trace_init(&tr, o);

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
        rss_trace_at(&tr, i + 1);
    }
    while (r.reported < o->n)
        collect(h, &r, cap);
    uint64_t t1 = now_ns();

    char extra_out[2400], trace[2100];
    snprintf(extra_out, sizeof extra_out, "failed=%ld dr_calls=%ld dr_cap=%d dr_ms=%.1f queue_full=%ld%s", r.failed,
             r.calls, cap, (double)r.wait_ns / 1e6, queue_full, rss_trace_text(&tr, trace, sizeof trace));
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
    struct rss_trace tr;
    rss_trace_init(&tr, o);
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
        rss_trace_at(&tr, got);
    }
    uint64_t t1 = now_ns();
    char extra[2200], trace[2100];
    snprintf(extra, sizeof extra, "join_s=%.3f checksum=%" PRIu64 "%s", (double)(joined - start) / 1e9, sum,
             rss_trace_text(&tr, trace, sizeof trace));
    print_throughput(SIDE, o, o->prefetch > 0 ? "consume-prefetched" : "consume", o->n - 1, (double)(t1 - t0) / 1e9, extra);
    UninitConsumer(c.h);
}


/* ------------------------------------------------------------- batches -- */

struct rich_reports {
    uint64_t *ids;
    int32_t *status, *partition;
    int64_t *offset, *timestamp;
    int cap;
    long reported, failed, calls;
};

/* One DeliveryReports call, waiting up to wait_ms; returns how many came. */
static long take_reports(void *h, struct rich_reports *r, int wait_ms)
{
    char err[512];
    int len = sizeof err;
    int32_t n = r->cap;
    int rc = DeliveryReports(h, wait_ms, r->ids, r->status, r->partition, r->offset, r->timestamp, &n, err, &len);
    if (rc != 0)
        die("DeliveryReports: %d %.*s", rc, len, err);
    r->calls++;
    for (int i = 0; i < n; i++)
        if (r->status[i] != 0 && r->failed++ == 0)
            fprintf(stderr, "bench: message %" PRIu64 " failed: %d\n", r->ids[i], r->status[i]);
    r->reported += n;
    return n;
}

/* Every report ready now (never waits). */
static void take_ready_reports(void *h, struct rich_reports *r)
{
    while (take_reports(h, r, 0) == r->cap)
        ;
}

/* One batch of k messages, slots laid out as `size`-byte payloads back to
 * back; keys from `keys` (10 bytes each, back to back) or none. Retries
 * exactly the positions refused with queue full, after taking reports. */
static long send_batch(void *h, const struct opts *o, char *payloads, int32_t *paylens, const char *keys,
                       int32_t *keylens, int k, uint64_t *ids, int32_t *statuses, struct rich_reports *r,
                       char *retry_pay, char *retry_keys)
{
    long queue_full = 0;
    char err[512];
    for (;;) {
        int len = sizeof err;
        int rc = ProduceBatch(h, o->topic, k, payloads, paylens, keys, keys ? keylens : NULL, NULL, 0, NULL, NULL,
                              NULL, NULL, ids, statuses, err, &len);
        if (rc == 0)
            return queue_full;
        /* Compact the refused ones to the front and send them again. */
        int left = 0;
        for (int j = 0; j < k; j++) {
            if (statuses[j] == 0)
                continue;
            if (statuses[j] != -184)
                die("ProduceBatch: message %d: %d (%.*s)", j, statuses[j], len, err);
            memmove(retry_pay + (size_t)left * (size_t)o->size, payloads + (size_t)j * (size_t)o->size, (size_t)o->size);
            if (keys)
                memmove(retry_keys + (size_t)left * 10, keys + (size_t)j * 10, 10);
            left++;
        }
        queue_full += left;
        payloads = retry_pay;
        keys = keys ? retry_keys : NULL;
        k = left;
        take_reports(h, r, 100);
    }
}

static void mode_produce_batch(const struct opts *o)
{
    const char *const extra[][2] = {{"acks", "all"}};
    void *h = client_new(o, 'P', extra, 1);
    int per = (int)o->per_call;
    size_t size = (size_t)o->size;
    char *base = make_payload(o->size);
    /* Every slot holds the filler once; a call only stamps the sequence. */
    char *payloads = malloc((size_t)per * size), *retry_pay = malloc((size_t)per * size);
    int32_t *paylens = malloc((size_t)per * sizeof *paylens), *keylens = malloc((size_t)per * sizeof *keylens);
    for (int j = 0; j < per; j++) {
        memcpy(payloads + (size_t)j * size, base, size);
        paylens[j] = (int32_t)o->size;
        keylens[j] = 10;
    }
    /* Keys back to back, wrapping: message i's key is at (i mod K) * 10. */
    long nk = o->keys > 0 ? o->keys : 1;
    char(*kt)[16] = make_keys(nk);
    char *keys = malloc((size_t)(nk + per) * 10), *retry_keys = malloc((size_t)per * 10);
    for (long j = 0; j < nk + per; j++)
        memcpy(keys + j * 10, kt[j % nk], 10);
    uint64_t *ids = malloc((size_t)per * sizeof *ids);
    int32_t *statuses = malloc((size_t)per * sizeof *statuses);
    struct rich_reports r = {calloc(8192, 8), calloc(8192, 4), calloc(8192, 4), calloc(8192, 8), calloc(8192, 8), 8192,
                             0, 0, 0};

    /* Warm-up: one message creates the producer, connects, fetches metadata. */
    stamp_payload(payloads, 0, now_ns());
    send_batch(h, o, payloads, paylens, o->keys > 0 ? keys : NULL, keylens, 1, ids, statuses, &r, retry_pay,
               retry_keys);
    while (r.reported < 1)
        take_reports(h, &r, 500);
    r.reported = r.failed = r.calls = 0;
    long queue_full = 0;
    struct rss_trace tr;
    rss_trace_init(&tr, o);

    CALLGRIND_ZERO_STATS;
    uint64_t t0 = now_ns();
    for (long i = 0; i < o->n;) {
        int k = (int)(o->n - i < per ? o->n - i : per);
        for (int j = 0; j < k; j++)
            stamp_payload(payloads + (size_t)j * size, (uint64_t)(i + j), 0);
        queue_full += send_batch(h, o, payloads, paylens, o->keys > 0 ? keys + (i % nk) * 10 : NULL, keylens, k, ids,
                                 statuses, &r, retry_pay, retry_keys);
        i += k;
        take_ready_reports(h, &r);
        rss_trace_at(&tr, i);
    }
    while (r.reported < o->n)
        take_reports(h, &r, 500);
    uint64_t t1 = now_ns();

    char out[2400], trace[2100];
    snprintf(out, sizeof out, "failed=%ld per_call=%d dr_calls=%ld queue_full=%ld%s", r.failed, per, r.calls,
             queue_full, rss_trace_text(&tr, trace, sizeof trace));
    print_throughput(SIDE, o, "produce-batch", o->n, (double)(t1 - t0) / 1e9, out);
    int rc = UninitProducer(h);
    if (rc != 0)
        die("UninitProducer: %d", rc);
    if (r.failed)
        exit(2);
}

struct columns {
    char topics[4096];
    int32_t *topicidx, *partitions, *tstypes, *paylens, *keylens;
    int64_t *offsets, *timestamps;
    char *payloads, *keys;
    uint32_t paycap, keycap;
};

static void mode_consume_batch(const struct opts *o)
{
    const char *const extra[][2] = {{"group.id", o->group}, {"auto.offset.reset", "earliest"}};
    void *h = client_new(o, 'C', extra, 2);
    void *list = NULL;
    NewTopicPartitionList(&list);
    SetTopicPartitionList(list, o->topic, 0);
    char err[512];
    int len = sizeof err;
    int rc = SubscribeConsumerTPList(h, list, err, &len);
    if (rc != 0)
        die("SubscribeConsumerTPList: %d %.*s", rc, len, err);
    int per = (int)o->per_call;
    struct columns c;
    c.topicidx = malloc((size_t)per * 4);
    c.partitions = malloc((size_t)per * 4);
    c.tstypes = malloc((size_t)per * 4);
    c.paylens = malloc((size_t)per * 4);
    c.keylens = malloc((size_t)per * 4);
    c.offsets = malloc((size_t)per * 8);
    c.timestamps = malloc((size_t)per * 8);
    c.paycap = (uint32_t)((size_t)per * (size_t)o->size + 1024);
    c.keycap = (uint32_t)per * 16;
    c.payloads = malloc(c.paycap);
    c.keys = malloc(c.keycap);

    uint64_t start = now_ns(), t0 = 0, joined = 0, sum = 0;
    long got = 0, timed = 0, calls = 0;
    struct rss_trace tr;
    rss_trace_init(&tr, o);
    while (got < o->n) {
        uint32_t topicslen = sizeof c.topics, paylen = c.paycap, keylen = c.keycap, hdatalen = 0;
        int32_t count = (int32_t)(o->n - got < per ? o->n - got : per);
        len = sizeof err;
        rc = ConsumeBatch(h, 500, c.topics, &topicslen, c.topicidx, c.partitions, c.offsets, c.timestamps, c.tstypes,
                          c.payloads, &paylen, c.paylens, c.keys, &keylen, c.keylens, NULL, NULL, &hdatalen, NULL,
                          NULL, &count, err, &len);
        if (rc == KAFKA_ERR_TOO_SMALL) /* fixed-size messages: never expected */
            die("ConsumeBatch: too small: needs %u payload bytes", paylen);
        if (rc != 0)
            die("ConsumeBatch: %d %.*s", rc, len, err);
        calls++;
        if (count == 0) {
            if (now_ns() - start > 120 * 1000000000ull)
                die("consume-batch: only %ld of %ld messages after 120 s", got, o->n);
            continue;
        }
        uint32_t at = 0;
        for (int i = 0; i < count; i++) {
            at += (uint32_t)c.paylens[i];
            sum += (unsigned char)c.payloads[at - 1];
        }
        if (got == 0) {
            joined = now_ns();
            if (o->prefetch > 0) /* let librdkafka fill its local queue: time the calls alone */
                sleep_until_ns(now_ns() + (uint64_t)(o->prefetch * 1e9));
            CALLGRIND_ZERO_STATS;
            t0 = now_ns();
            calls = 0;
        } else
            timed += count;
        got += count;
        rss_trace_at(&tr, got);
    }
    uint64_t t1 = now_ns();
    char out[2400], trace[2100];
    snprintf(out, sizeof out, "join_s=%.3f checksum=%" PRIu64 " per_call=%d calls=%ld%s", (double)(joined - start) / 1e9,
             sum, per, calls, rss_trace_text(&tr, trace, sizeof trace));
    print_throughput(SIDE, o, o->prefetch > 0 ? "consume-batch-prefetched" : "consume-batch", timed,
                     (double)(t1 - t0) / 1e9, out);
    UninitConsumer(h);
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
    else if (!strcmp(o.mode, "produce-batch"))
        mode_produce_batch(&o);
    else if (!strcmp(o.mode, "consume-batch"))
        mode_consume_batch(&o);
    else if (!strcmp(o.mode, "latency"))
        mode_latency(&o);
    else
        die("unknown mode %s", o.mode);
    return 0;
}
