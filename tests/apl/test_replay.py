"""The APL classes' call sequences, replayed through the ⎕NA caller with the
arguments the .aplf/.aplc files pass, against the real broker
($KAFKA_BOOTSTRAP) or the embedded mock cluster.

Besides the basic producer and consumer sequences, this replays Dyalog's
four test scenarios (its aplsource/Tests): one consumer on two topics, two
consumers in one group, two groups, and manual commits.
"""

import time
from collections import Counter, defaultdict

import pytest

from apl_mirror import Consumer, Kafka, Producer, Record, text
from na import NA

#: How long a replay may wait for deliveries or messages.
PATIENCE = 60


@pytest.fixture(scope="module")
def topics(cluster):
    """Fresh topics for every test, created together (in parallel on a real
    broker)."""
    plan = {"produce": (1,), "consume": (1,), "legacy": (1,), "two_topics": (3, 3),
            "same_group": (3, 3), "two_groups": (3, 3), "commit": (3,)}
    counts = [n for ns in plan.values() for n in ns]
    names = iter(cluster.new_topics(*counts))
    return {name: [next(names) for _ in ns] for name, ns in plan.items()}


def group(name):
    return f"{name}-{time.monotonic_ns()}"


def producer_config(cluster, client="producerclient"):
    # as Dyalog's tests configure it; a number as a value exercises kafka.cstr
    return [("bootstrap.servers", cluster.bootstrap), ("client.id", client), ("message.timeout.ms", 30000)]


def consumer_config(cluster, client, group_id, *extra):
    return [("bootstrap.servers", cluster.bootstrap), ("client.id", client), ("group.id", group_id),
            ("auto.offset.reset", "earliest"), *extra]


def wait_delivered(producer):
    """update_outstanding until nothing is outstanding."""
    deadline = time.monotonic() + PATIENCE
    while producer.outstanding:
        assert time.monotonic() < deadline, f"still outstanding after {PATIENCE} s: {producer.outstanding}"
        rc, outstanding = producer.update_outstanding()
        assert rc == 0, rc
        failed = [row for row in outstanding if row[1] != 0]
        assert not failed, f"delivery failed: {failed} {[producer.parse_error(s) for _, s in failed]}"


def produce_like_dyalog(kafka, cluster, messages):
    """Dyalog's tests: produce_record each message, update_outstanding every
    10, then (our addition) until nothing is outstanding, then ⎕EX."""
    producer = Producer(kafka, producer_config(cluster))
    ids = []
    for i, message in enumerate(messages, 1):
        rc, msgid = producer.produce_record(Record(*message))
        assert rc == 0, (rc, producer.LastError)
        ids.append(msgid)
        if i % 10 == 0:
            assert producer.update_outstanding()[0] == 0
    wait_delivered(producer)
    assert len(set(ids)) == len(ids), "message ids must be unique"
    assert producer.close() == 0, "nothing may be lost"
    return ids


def dyalog_messages(topic, n):
    """('topic' 'payload<i>' 'key<5|i>') for i in 1..n, as Dyalog's tests."""
    return [(topic, f"payload{i}", f"key{i % 5}") for i in range(1, n + 1)]


def drain(consumers, expected, settle_rounds=0, ignore=lambda record: False):
    """consume_record until `expected` messages came: each consumer in turn
    until it has nothing (status 1), then the next. Then `settle_rounds`
    more rounds, each consume of which must find nothing (an empty consume
    waits 500 ms). Records for which `ignore` is true are dropped. Returns
    the records per consumer."""
    got = [[] for _ in consumers]
    deadline = time.monotonic() + PATIENCE

    def poll(i):
        r = consumers[i].consume_record()
        assert r[0] in (0, 1), f"consume_record returned {r}"
        if r[0] == 0 and not ignore(r[1]):
            got[i].append(r[1])
        return r[0] == 0

    while sum(map(len, got)) < expected:
        for i in range(len(consumers)):
            while poll(i) and sum(map(len, got)) < expected:
                pass
        assert time.monotonic() < deadline, f"only {sum(map(len, got))} of {expected} messages in {PATIENCE} s"
    for _ in range(settle_rounds):
        for i in range(len(consumers)):
            while poll(i):
                pass
    return got


def is_probe(record):
    return record.Key == "probe"


def until_all_assigned(producer, consumers, topics, partitions):
    """Produces a probe to every partition and drains the consumers, round
    after round, until each consumer has received one: then each holds
    partitions and the group is stable. (Messages consumed during a
    rebalance can legitimately come again: Kafka promises exactly-once
    sharing only within a stable group.)"""
    seen = [False] * len(consumers)
    deadline = time.monotonic() + PATIENCE
    while not all(seen):
        assert time.monotonic() < deadline, f"consumers that never got a partition: {[i for i, s in enumerate(seen) if not s]}"
        for topic in topics:
            for p in range(partitions):
                assert producer.produce(topic, "probe", "probe", p)[0] == 0
        wait_delivered(producer)
        for i, consumer in enumerate(consumers):
            while True:
                r = consumer.consume_record()
                assert r[0] in (0, 1), r
                if r[0] == 1:
                    break
                assert is_probe(r[1]), f"a message before the group was stable: {as_tuples([r[1]])}"
                seen[i] = True


def as_tuples(records):
    return [(r.Topic, r.Payload, r.Key) for r in records]


def assert_same_messages(produced, records):
    assert Counter(as_tuples(records)) == Counter(produced), (
        f"missing: {sorted((Counter(produced) - Counter(as_tuples(records))).elements())}, "
        f"extra: {sorted((Counter(as_tuples(records)) - Counter(produced)).elements())}"
    )


def assert_per_key_order(produced, records):
    """Every (topic, key) arrives in the order produced, from one partition."""
    want, got, partitions = defaultdict(list), defaultdict(list), defaultdict(set)
    for topic, payload, key in produced:
        want[topic, key].append(payload)
    for r in records:
        got[r.Topic, r.Key].append(r.Payload)
        partitions[r.Topic, r.Key].add(r.Partition)
    for k, payloads in got.items():
        it = iter(want[k])
        assert all(p in it for p in payloads), f"{k}: order {payloads}, produced {want[k]}"
        assert len(partitions[k]) == 1, f"{k} came from partitions {partitions[k]}"


def close_all(*clients):
    for c in clients:
        assert c.close() == 0


# ---------------------------------------------------------------------------
# The basic sequences


def test_producer_sequence(kafka, cluster, topics):
    """configure → produce → update_outstanding until nothing is outstanding."""
    (topic,) = topics["produce"]
    producer = Producer(kafka, producer_config(cluster))
    # Asking for reports before anything was produced crashed the original.
    assert producer.delivery_report(10) == [0, []]
    assert producer.update_outstanding() == [0, []]
    results = [
        producer.produce(topic, "tiger", "cats"),
        producer.produce(topic, "no key"),
        producer.produce(topic, "partition 0", "k", 0),
        producer.produce_record(Record(topic, "blackbird", "birds")),
        producer.produce(topic, "naïve € text", "ключ"),
    ]
    assert [rc for rc, _ in results] == [0] * 5, producer.LastError
    ids = [msgid for _, msgid in results]
    assert len(set(ids)) == 5
    assert sorted(row[0] for row in producer.outstanding) == sorted(ids)
    wait_delivered(producer)
    assert producer.flush(5000) == [0, []]
    rc, message = producer.parse_error(-184)
    assert rc == 0 and b"full" in message.lower(), message
    assert producer.configure("linger.ms", 5)[0] != 0, "configuring a producer after it produced must fail"
    assert producer.close() == 0
    assert producer.close() == 0  # the handle is gone: close again does nothing


def test_bad_configuration_is_reported(kafka):
    handle = kafka.init_kafka()[1]
    rc, err = kafka.set_kafka_conf(handle, "no.such.property", "1")
    assert rc != 0 and err, (rc, err)
    assert kafka.uninit_producer(handle) == 0
    with pytest.raises(Exception, match="no.such.property"):
        Producer(kafka, [("no.such.property", "1")])


def test_consumer_sequence(kafka, cluster, topics):
    """configure → subscribe → consume_record loop, retrying with bigger
    buffers on status 2 → commit → committed."""
    (topic,) = topics["consume"]
    binary = bytes(range(256)) * 40  # 10240 bytes: NULs, invalid UTF-8, past the first buffer
    long_key = "k" * 300  # past the first key buffer
    messages = [(topic, f"small {i}", f"key{i}") for i in range(4)]
    messages += [(topic, binary, long_key), (topic, "naïve € text", "ключ"), (topic, "after", "key0")]
    produce_like_dyalog(kafka, cluster, messages)

    consumer = Consumer(kafka, consumer_config(cluster, "consumerclient", group("consume"),
                                               ("enable.auto.commit", "false")))
    assert consumer.subscribe(topic) == [0, b""]
    first_sizes = list(consumer.sizes)
    start = len(kafka.trace)
    (records,) = drain([consumer], len(messages))
    got = [(r.Topic, r.Payload, r.Key) for r in records]
    want = [(t, text(p) if isinstance(p, bytes) else p, k) for t, p, k in messages]
    assert got == want
    assert [r.Offset for r in records] == list(range(len(messages)))
    assert all(r.Partition == 0 for r in records)

    # The big message came back with status 2 first, and was then fetched
    # whole with the sizes it asked for.
    consumes = [(args, result) for name, args, result in kafka.trace[start:] if name == "Consume"]
    too_small = [i for i, (_, result) in enumerate(consumes) if result[0] == 2]
    assert too_small, "the 10240-byte message should not fit the first buffers"
    args, result = consumes[too_small[0]]
    assert args[1:7] == [first_sizes[0], first_sizes[0], first_sizes[1], first_sizes[1], first_sizes[2], first_sizes[2]]
    needed = [result[2], result[4], result[6]]
    assert needed[1:] == [len(binary), len(long_key)]
    retry_args, retry = consumes[too_small[0] + 1]
    assert retry[0] == 0 and [retry_args[1], retry_args[3], retry_args[5]] == [
        max(s, 1 + n) for s, n in zip(first_sizes, needed)
    ]
    assert retry[3][: retry[4]] == binary, ">T1[] must keep every byte"

    assert consumer.commit() == 0
    assert consumer.committed(topic, 0) == [0, len(messages)], "committed = last consumed offset + 1"
    assert consumer.commit() in (0, -168)
    assert consumer.close() == 0


def test_legacy_loader_pointer_types(lib_path, cluster, topics):
    """Interpreters older than 17.0: every pointer declared U8."""
    (topic,) = topics["legacy"]
    legacy = NA(lib_path, legacy="U8")
    assert all(a.type != "P" for p in legacy.patterns for a in p.args)
    kafka = Kafka(legacy)
    produce_like_dyalog(kafka, cluster, [(topic, "old", "apl")])
    consumer = Consumer(kafka, consumer_config(cluster, "old", group("legacy")))
    assert consumer.subscribe(topic)[0] == 0
    (records,) = drain([consumer], 1)
    assert as_tuples(records) == [(topic, "old", "apl")]
    assert consumer.close() == 0


# ---------------------------------------------------------------------------
# Dyalog's four scenarios


def test_one_consumer_two_topics(kafka, cluster, topics):
    """TestTopics: 15 messages on topic1 and 20 on topic2 (3 partitions each,
    keys key0..key4); one consumer on both gets them all, in order per key."""
    t1, t2 = topics["two_topics"]
    produced = dyalog_messages(t1, 15) + dyalog_messages(t2, 20)
    produce_like_dyalog(kafka, cluster, produced)
    consumer = Consumer(kafka, consumer_config(cluster, "consumerclient", group("consumergroup")))
    assert consumer.subscribe(t1, t2)[0] == 0
    (records,) = drain([consumer], len(produced))
    assert_same_messages(produced, records)
    assert_per_key_order(produced, records)
    assert {r.Partition for r in records} <= {0, 1, 2}
    consumer.unmake()  # ⎕EX


def test_two_consumers_same_group_share(kafka, cluster, topics):
    """TestSameGroup: two consumers in one group get every message exactly
    once between them.

    Unlike Dyalog's test, the messages are produced once both consumers hold
    partitions, so that no rebalance happens while they are read. The short
    session timeout bounds the embedded mock cluster's rebalance, which
    waits a full session timeout (45 s by default) for members to rejoin."""
    t1, t2 = topics["same_group"]
    g = group("consumerABgroup")
    fast = ("session.timeout.ms", 6000)
    a = Consumer(kafka, consumer_config(cluster, "consumerAclient", g, fast))
    b = Consumer(kafka, consumer_config(cluster, "consumerBclient", g, fast))
    assert a.subscribe(t1, t2)[0] == 0
    assert b.subscribe(t1, t2)[0] == 0
    producer = Producer(kafka, producer_config(cluster))
    until_all_assigned(producer, [a, b], [t1, t2], 3)
    assert producer.close() == 0

    produced = dyalog_messages(t1, 15) + dyalog_messages(t2, 20)
    produce_like_dyalog(kafka, cluster, produced)
    got_a, got_b = drain([a, b], len(produced), settle_rounds=2, ignore=is_probe)
    assert_same_messages(produced, got_a + got_b)  # all of them, none twice
    assert got_a and got_b, "both consumers hold partitions"
    assert not {r.Partition for r in got_a if r.Topic == t1} & {r.Partition for r in got_b if r.Topic == t1}
    assert_per_key_order(produced, got_a)
    assert_per_key_order(produced, got_b)
    close_all(a, b)


def test_two_groups_each_get_everything(kafka, cluster, topics):
    """TestDiffGroup: two consumers in different groups each get every
    message."""
    t1, t2 = topics["two_groups"]
    produced = dyalog_messages(t1, 15) + dyalog_messages(t2, 20)
    produce_like_dyalog(kafka, cluster, produced)
    a = Consumer(kafka, consumer_config(cluster, "consumerAclient", group("consumerAgroup")))
    b = Consumer(kafka, consumer_config(cluster, "consumerBclient", group("consumerBgroup")))
    assert a.subscribe(t1, t2)[0] == 0
    assert b.subscribe(t1, t2)[0] == 0
    got_a = drain([a], len(produced))[0]
    got_b = drain([b], len(produced))[0]
    for records in (got_a, got_b):
        assert_same_messages(produced, records)
        assert_per_key_order(produced, records)
    close_all(a, b)


def test_commit_every_five(kafka, cluster, topics):
    """TestCommit: with enable.auto.commit false, commit every 5 messages;
    the committed offset of each partition moves by exactly the number of
    messages consumed from it."""
    (topic,) = topics["commit"]
    consumer = Consumer(kafka, consumer_config(cluster, "consumerclient", group("consumergroup"),
                                               ("enable.auto.commit", "false")))
    assert consumer.subscribe(topic)[0] == 0
    assert consumer.commit() in (0, -168)  # nothing consumed yet
    before = {}
    for p in range(3):
        rc, offset = consumer.committed(topic, p)
        assert rc == 0, (p, rc)
        before[p] = 0 if offset == -1001 else offset  # -1001: nothing committed yet

    produced = dyalog_messages(topic, 20)
    produce_like_dyalog(kafka, cluster, produced)

    records, count = [], 0
    deadline = time.monotonic() + PATIENCE
    while count < len(produced):
        assert time.monotonic() < deadline, f"only {count} of {len(produced)} messages"
        r = consumer.consume_record()
        if r[0] == 1:
            continue
        assert r[0] == 0, r
        records.append(r[1])
        count += 1
        if count % 5 == 0:
            assert consumer.commit() == 0
    assert consumer.commit() in (0, -168)  # one last time: nothing new

    assert_same_messages(produced, records)
    consumed = Counter(r.Partition for r in records)
    for p in range(3):
        rc, after = consumer.committed(topic, p)
        assert rc == 0, (p, rc)
        after = 0 if after == -1001 else after
        assert after - before[p] == consumed[p], f"partition {p}: committed {before[p]} → {after}, consumed {consumed[p]}"
    consumer.unmake()  # ⎕EX
