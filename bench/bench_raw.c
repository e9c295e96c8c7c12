/*
 * Benchmark driver for RAW librdkafka: the same work as bench_ours.c, done
 * the way a C program using librdkafka directly does it, linked statically
 * against the very librdkafka.a that rdkafka-sys built into kafka.so (same
 * version, same build options).
 *
 * Modes (options in common.h):
 *   produce   N x rd_kafka_producev(F_COPY) + rd_kafka_poll(rk, 0);
 *             dr_msg_cb counts; on queue full rd_kafka_poll(rk, 100) and
 *             retry; at the end rd_kafka_poll until every message reported.
 *   consume   a fresh group (-g) reads N messages with
 *             rd_kafka_consumer_poll + rd_kafka_message_destroy.
 *   (produce and consume print an RSS trace with -R, as the batch modes of
 *   bench_ours.c do, for the long memory rows.)
 *   latency   as bench_ours.c.
 *   mktopic   creates -t with -p partitions (admin API; no JVM needed) and
 *             waits until every partition has a leader.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>

#include "rdkafka.h"

static const char SIDE[] = "raw";

static rd_kafka_conf_t *conf_new(const struct opts *o, char role, const char *const extra[][2], int nextra)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK)
        die("conf bootstrap.servers: %s", err);
    for (int i = 0; i < nextra; i++)
        if (rd_kafka_conf_set(conf, extra[i][0], extra[i][1], err, sizeof err) != RD_KAFKA_CONF_OK)
            die("conf %s: %s", extra[i][0], err);
    for (int i = 0; i < o->nconf; i++)
        if (conf_applies(o, i, role) && rd_kafka_conf_set(conf, o->conf_key[i], o->conf_val[i], err, sizeof err) != RD_KAFKA_CONF_OK)
            die("conf %s: %s", o->conf_key[i], err);
    return conf;
}

/* ------------------------------------------------------------- produce -- */

struct counts {
    long reported, failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct counts *c = opaque;
    c->reported++;
    if (m->err && c->failed++ == 0)
        fprintf(stderr, "bench: message failed: %s\n", rd_kafka_err2str(m->err));
}

static rd_kafka_t *producer_new(const struct opts *o, struct counts *c)
{
    const char *const extra[][2] = {{"acks", "all"}};
    rd_kafka_conf_t *conf = conf_new(o, 'P', extra, 1);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, c);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new: %s", err);
    return rk;
}

static rd_kafka_resp_err_t produce_one(rd_kafka_t *rk, const struct opts *o, char *payload, char (*keys)[16], long i)
{
    const char *key = o->keys > 0 ? keys[i % o->keys] : NULL;
    size_t keylen = o->keys > 0 ? 10 : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(intptr_t)(i + 1)),
        RD_KAFKA_V_VALUE(payload, (size_t)o->size), RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_END);
    if (err && err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die("rd_kafka_producev: %s", rd_kafka_err2str(err));
    return err;
}

static void mode_produce(const struct opts *o)
{
    struct counts c = {0, 0};
    rd_kafka_t *rk = producer_new(o, &c);
    char *payload = make_payload(o->size);
    char(*keys)[16] = make_keys(o->keys);

    /* Warm-up: connects, fetches metadata. */
    stamp_payload(payload, 0, now_ns());
    while (produce_one(rk, o, payload, keys, 0))
        rd_kafka_poll(rk, 100);
    while (c.reported < 1)
        rd_kafka_poll(rk, 500);
    c.reported = c.failed = 0;
    long queue_full = 0;
    struct rss_trace tr;
    rss_trace_init(&tr, o);

    CALLGRIND_ZERO_STATS;
    uint64_t t0 = now_ns();
    for (long i = 0; i < o->n; i++) {
        stamp_payload(payload, (uint64_t)i, 0);
        while (produce_one(rk, o, payload, keys, i)) {
            queue_full++;
            rd_kafka_poll(rk, 100);
        }
        rd_kafka_poll(rk, 0);
        rss_trace_at(&tr, i + 1);
    }
    while (c.reported < o->n)
        rd_kafka_poll(rk, 500);
    uint64_t t1 = now_ns();

    char extra[2200], trace[2100];
    snprintf(extra, sizeof extra, "failed=%ld queue_full=%ld%s", c.failed, queue_full,
             rss_trace_text(&tr, trace, sizeof trace));
    print_throughput(SIDE, o, "produce", o->n, (double)(t1 - t0) / 1e9, extra);
    rd_kafka_flush(rk, 10000);
    rd_kafka_destroy(rk);
    if (c.failed)
        exit(2);
}

/* ------------------------------------------------------------- consume -- */

static rd_kafka_t *consumer_open(const struct opts *o, const char *reset)
{
    const char *const extra[][2] = {{"group.id", o->group}, {"auto.offset.reset", reset}};
    rd_kafka_conf_t *conf = conf_new(o, 'C', extra, 2);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new: %s", err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, o->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, list);
    if (e)
        die("rd_kafka_subscribe: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(list);
    return rk;
}

static void consumer_close(rd_kafka_t *rk)
{
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

static void mode_consume(const struct opts *o)
{
    rd_kafka_t *rk = consumer_open(o, "earliest");
    uint64_t start = now_ns(), t0 = 0, joined = 0, sum = 0;
    long got = 0;
    struct rss_trace tr;
    rss_trace_init(&tr, o);
    while (got < o->n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m) {
            if (now_ns() - start > 120 * 1000000000ull)
                die("consume: only %ld of %ld messages after 120 s", got, o->n);
            continue;
        }
        if (m->err)
            die("consume: %s", rd_kafka_message_errstr(m));
        if (got++ == 0) {
            joined = now_ns();
            if (o->prefetch > 0) /* let librdkafka fill its local queue: time the calls alone */
                sleep_until_ns(now_ns() + (uint64_t)(o->prefetch * 1e9));
            CALLGRIND_ZERO_STATS;
            t0 = now_ns();
        }
        sum += ((const unsigned char *)m->payload)[m->len - 1];
        rd_kafka_message_destroy(m);
        rss_trace_at(&tr, got);
    }
    uint64_t t1 = now_ns();
    char extra[2200], trace[2100];
    snprintf(extra, sizeof extra, "join_s=%.3f checksum=%" PRIu64 "%s", (double)(joined - start) / 1e9, sum,
             rss_trace_text(&tr, trace, sizeof trace));
    print_throughput(SIDE, o, o->prefetch > 0 ? "consume-prefetched" : "consume", o->n - 1, (double)(t1 - t0) / 1e9, extra);
    consumer_close(rk);
}

/* ------------------------------------------------------------- latency -- */

static void *latency_producer(void *arg)
{
    struct latency_run *run = arg;
    const struct opts *o = run->o;
    struct counts c = {0, 0};
    rd_kafka_t *rk = producer_new(o, &c);
    char *payload = make_payload(o->size);
    char(*keys)[16] = make_keys(o->keys);
    uint64_t interval = 1000000000ull / (uint64_t)o->rate;
    long measured = (long)(o->seconds * (double)o->rate);
    uint64_t warm_until = now_ns() + (uint64_t)(o->warmup * 1e9), next = now_ns();
    long i = 0;
    while (!atomic_load(&run->consumer_ready) || now_ns() < warm_until) {
        sleep_until_ns(next);
        next += interval;
        stamp_payload(payload, WARMUP_FLAG | (uint64_t)i, now_ns());
        produce_one(rk, o, payload, keys, i++);
        rd_kafka_poll(rk, 0);
        if (now_ns() > warm_until + 60 * 1000000000ull)
            die("latency: the consumer never got its partitions");
    }
    next = now_ns();
    for (long seq = 0; seq < measured; seq++) {
        sleep_until_ns(next);
        next += interval;
        stamp_payload(payload, (uint64_t)seq, now_ns());
        if (produce_one(rk, o, payload, keys, i++))
            die("latency: queue full");
        rd_kafka_poll(rk, 0);
        atomic_store(&run->measured_sent, seq + 1);
    }
    atomic_store(&run->done_producing, 1);
    while (c.reported < i)
        rd_kafka_poll(rk, 500);
    rd_kafka_destroy(rk);
    return NULL;
}

static void mode_latency(const struct opts *o)
{
    struct latency_run run;
    latency_init(&run, o);
    rd_kafka_t *rk = consumer_open(o, "latest");
    pthread_t producer;
    pthread_create(&producer, NULL, latency_producer, &run);
    for (;;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m) {
            if (latency_idle(&run))
                break;
            continue;
        }
        if (m->err) {
            fprintf(stderr, "bench: consumer event: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        uint64_t t = now_ns();
        int done = latency_message(&run, m->payload, m->partition, t);
        rd_kafka_message_destroy(m);
        if (done)
            break;
    }
    pthread_join(producer, NULL);
    print_latency(SIDE, o, run.lat, run.received, run.measured - run.received);
    consumer_close(rk);
}

/* ------------------------------------------------------------- mktopic -- */

static int topic_ready(rd_kafka_t *rk, const char *topic, long partitions)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int ok = 0;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && md->topics[0].err == 0 && md->topics[0].partition_cnt == partitions) {
            ok = 1;
            for (int p = 0; p < md->topics[0].partition_cnt; p++)
                if (md->topics[0].partitions[p].leader < 0)
                    ok = 0;
        }
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    return ok;
}

static void mode_mktopic(const struct opts *o)
{
    rd_kafka_conf_t *conf = conf_new(o, 'A', NULL, 0);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new: %s", err);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, (int)o->partitions, 1, err, sizeof err);
    if (!nt)
        die("NewTopic: %s", err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    if (!ev)
        die("CreateTopics: no answer in 30 s");
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t cnt = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &cnt) : NULL;
    rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
    if (!e && cnt == 1)
        e = rd_kafka_topic_result_error(tr[0]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        die("CreateTopics %s: %s", o->topic, rd_kafka_err2str(e));
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    uint64_t give_up = now_ns() + 60 * 1000000000ull;
    while (!topic_ready(rk, o->topic, o->partitions)) {
        if (now_ns() > give_up)
            die("topic %s has no leaders after 60 s", o->topic);
        usleep(100000);
    }
    rd_kafka_destroy(rk);
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_opts(&o, argc, argv);
    if (!strcmp(o.mode, "version"))
        printf("%s\n", rd_kafka_version_str());
    else if (!strcmp(o.mode, "produce"))
        mode_produce(&o);
    else if (!strcmp(o.mode, "consume"))
        mode_consume(&o);
    else if (!strcmp(o.mode, "latency"))
        mode_latency(&o);
    else if (!strcmp(o.mode, "mktopic"))
        mode_mktopic(&o);
    else
        die("unknown mode %s", o.mode);
    return 0;
}
