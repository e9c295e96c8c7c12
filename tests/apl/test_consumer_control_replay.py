"""Consumer's issue-8 methods (assign, from_beginning, assignment, seek,
seek_to_time, position, pause, resume, watermarks, subscription,
unsubscribe), replayed through the ⎕NA caller with the arguments the APL
passes, against the real broker ($KAFKA_BOOTSTRAP) or the mock cluster."""

import time

import pytest

from apl_mirror import Consumer, Kafka, Producer, Table

PATIENCE = 60


@pytest.fixture(scope="module")
def topics(cluster):
    plan = {"beginning": 3, "seek": 1, "pause": 2, "time": 1, "subscription": 1, "subscription2": 1, "grow": 1,
            "rebalance": 2}
    names = cluster.new_topics(*plan.values(), prefix="apl-control")
    return dict(zip(plan, names))


def produce(kafka, cluster, topic, payloads, partition=-1):
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    for i, payload in enumerate(payloads):
        assert producer.produce(topic, payload, f"key{i}", partition)[0] == 0, producer.LastError
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0


def assigner(kafka, cluster, *extra):
    """A consumer that assigns: no group.id."""
    return Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), *extra])


def read(consumer, n, patience=PATIENCE):
    """consume_record until n records came."""
    got, deadline = [], time.monotonic() + patience
    while len(got) < n:
        assert time.monotonic() < deadline, f"only {len(got)} of {n} messages: {consumer.LastError!r}"
        r = consumer.consume_record()
        assert r[0] in (0, 1), r
        if r[0] == 0:
            got.append(r[1])
    return got


def read_nothing(consumer, rounds=3):
    for _ in range(rounds):
        r = consumer.consume()
        assert r[0] == 1, f"expected nothing, got {r}"


def test_from_beginning_without_group_id(kafka, cluster, topics):
    """--from-beginning: every partition of the topic from its first
    message, with no group.id and without knowing the partitions."""
    topic = topics["beginning"]
    payloads = [f"m{i}" for i in range(12)]
    produce(kafka, cluster, topic, payloads)
    consumer = assigner(kafka, cluster)
    assert consumer.from_beginning(topic) == [0, b""]
    rc, table = consumer.assignment()
    assert rc == 0 and isinstance(table, Table)
    assert sorted(map(tuple, table)) == [(topic, p) for p in range(3)]
    got = read(consumer, len(payloads))
    assert sorted(r.Payload for r in got) == sorted(payloads)
    assert {r.Partition for r in got} <= {0, 1, 2}
    read_nothing(consumer, 1)
    # Commit needs a group: without one it fails, with a status, not a crash.
    assert consumer.commit() != 0
    # '' unassigns everything.
    assert consumer.assign("") == [0, b""]
    assert consumer.assignment() == [0, []]
    assert consumer.close() == 0


def test_assign_forms(kafka, cluster, topics):
    """assign takes a topic, topic partitions [offsets], or assignment's
    matrix; each replaces the assignment."""
    topic = topics["beginning"]
    consumer = assigner(kafka, cluster)
    assert consumer.assign(topic, [0, 2], -2)[0] == 0
    assert sorted(map(tuple, consumer.assignment()[1])) == [(topic, 0), (topic, 2)]
    assert consumer.assign(topic, 1)[0] == 0
    assert consumer.assignment()[1] == [[topic, 1]]
    table = Table([[topic, 0, -2], [topic, 1, -2]])
    assert consumer.assign(table)[0] == 0
    assert sorted(map(tuple, consumer.assignment()[1])) == [(topic, 0), (topic, 1)]
    # The round trip: assignment's result is assign's argument.
    assert consumer.assign(consumer.assignment()[1])[0] == 0
    assert consumer.close() == 0


def test_seek_back_rereads_the_same_bytes(kafka, cluster, topics):
    topic = topics["seek"]
    payloads = [f"seek {i}" for i in range(6)]
    produce(kafka, cluster, topic, payloads, 0)
    consumer = assigner(kafka, cluster)
    assert consumer.assign(topic, 0, -2)[0] == 0
    first = read(consumer, 6)
    assert [r.Payload for r in first] == payloads
    assert [r.Offset for r in first] == list(range(6))
    # position: the next offset consume hands out, last consumed + 1
    assert consumer.position() == [0, [[topic, 0, 6]]]
    assert consumer.seek(topic, 0, 2) == [0, b""]
    again = read(consumer, 4)
    assert [(r.Offset, r.Payload, r.Key) for r in again] == [(r.Offset, r.Payload, r.Key) for r in first[2:]]
    # ¯2: the beginning, for every assigned partition of the topic (¯1)
    assert consumer.seek(topic, -1, -2)[0] == 0
    assert read(consumer, 1)[0].Offset == 0
    # a partition that is not assigned cannot be sought
    rc, err = consumer.seek(topic, 7, 0)
    assert rc != 0 and err, (rc, err)
    assert consumer.close() == 0


def test_pause_stops_and_resume_loses_nothing(kafka, cluster, topics):
    topic = topics["pause"]
    consumer = assigner(kafka, cluster)
    assert consumer.from_beginning(topic)[0] == 0
    before = [f"before {i}" for i in range(4)]
    produce(kafka, cluster, topic, before)
    assert sorted(r.Payload for r in read(consumer, 4)) == before
    assert consumer.pause("") == [0, b""]  # every assigned partition
    during = [f"paused {i}" for i in range(4)]
    produce(kafka, cluster, topic, during)
    read_nothing(consumer, 4)
    assert consumer.resume(topic) == [0, b""]  # every assigned partition of the topic
    assert sorted(r.Payload for r in read(consumer, 4)) == during
    read_nothing(consumer, 1)
    # partitions by number
    assert consumer.pause(topic, [0, 1])[0] == 0
    assert consumer.resume(topic, [0, 1])[0] == 0
    assert consumer.close() == 0


def test_watermarks_before_subscribing(kafka, cluster, topics):
    topic = topics["time"]
    produce(kafka, cluster, topic, ["early 0", "early 1"], 0)
    consumer = assigner(kafka, cluster)
    assert consumer.watermarks(topic, 0) == [0, 0, 2]
    assert consumer.watermarks(topic) == [0, 0, 2], "the partition defaults to 0"
    rc, low, high = consumer.watermarks("apl-no-such-topic-" + str(time.monotonic_ns()), 0)
    assert rc != 0 and consumer.LastError
    assert consumer.close() == 0


def test_seek_to_time(kafka, cluster, topics):
    """The first message at or after a time; past the end: the end."""
    topic = topics["time"]
    consumer = assigner(kafka, cluster)
    assert consumer.assign(topic, 0, -2)[0] == 0
    early = read(consumer, 2)  # produced by the watermarks test, or now
    time.sleep(0.05)
    cut = int(time.time() * 1000)
    time.sleep(0.05)
    produce(kafka, cluster, topic, ["late 0", "late 1"], 0)
    rc, table = consumer.seek_to_time(topic, 0, cut)
    assert rc == 0, consumer.LastError
    if not cluster.real:
        pytest.skip("the mock cluster answers no offsets by time")
    assert table == [[topic, 0, 2]]
    assert [r.Payload for r in read(consumer, 2)] == ["late 0", "late 1"]
    # every partition of the topic the consumer reads; a time past the end
    rc, table = consumer.seek_to_time(topic, -1, int(time.time() * 1000) + 3_600_000)
    assert rc == 0 and table == [[topic, 0, -1]]
    read_nothing(consumer, 1)
    # the raw answer per partition, as the wrapper gives it
    rc, raw, err = kafka.offsets_for_times(consumer.handle, topic, 0, 0, 10000)
    assert rc == 0 and raw == [[topic, 0, early[0].Offset, 0]]
    assert consumer.close() == 0


def test_subscription_and_unsubscribe(kafka, cluster, topics):
    t1, t2 = topics["subscription"], topics["subscription2"]
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("group.id", f"apl-sub-{t1}")])
    assert consumer.subscription() == [0, []]
    assert consumer.subscribe(t1, t2)[0] == 0
    rc, names = consumer.subscription()
    assert rc == 0 and sorted(names) == sorted([t1, t2])
    assert consumer.unsubscribe() == [0, b""]
    assert consumer.subscription() == [0, []]
    assert consumer.close() == 0


def test_buffers_grow_on_too_small(kafka, cluster, topics, monkeypatch):
    """With first buffers of 1 byte and 1 entry, assignment, position,
    subscription and offsets_for_times get ¯304 and ask again with the sizes
    the library names; the answer is the same."""
    topic = topics["grow"]
    consumer = assigner(kafka, cluster)
    assert consumer.from_beginning(topic)[0] == 0
    normal = consumer.assignment()
    monkeypatch.setattr(Kafka, "CAP", 1)
    start = len(kafka.trace)
    assert consumer.assignment() == normal
    assert consumer.position()[0] == 0
    assert kafka.offsets_for_times(consumer.handle, topic, -1, 0, 10000)[0] == 0
    calls = [(name, result[0]) for name, _, result in kafka.trace[start:]]
    for name in ("Assignment", "Position", "OffsetsForTimes"):
        rcs = [rc for n, rc in calls if n == name]
        assert rcs[:2] == [-304, 0], f"{name}: {rcs}"
    assert consumer.close() == 0


def test_application_rebalance(kafka, cluster, topics, monkeypatch):
    """application.rebalance: consume returns 3 when the group assigns or
    revokes, rebalance names the partitions, and while a revoke waits the
    partitions are still assigned, so a commit covers what was consumed:
    the member that takes over starts right after it."""
    if cluster.mock:
        pytest.skip("the mock cluster holds a second member back until its session times out")
    topic = topics["rebalance"]
    produce(kafka, cluster, topic, [f"old{i}" for i in range(10)])
    conf = [("bootstrap.servers", cluster.bootstrap), ("group.id", f"apl-rebalance-{topic}"),
            ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false"), ("application.rebalance", "true")]
    both = [(topic, 0), (topic, 1)]

    def until_rebalance(consumer, others=(), patience=PATIENCE):
        """Consumes until a rebalance waits; returns its kind, partitions and the messages read before it."""
        read, deadline = [], time.monotonic() + patience
        while True:
            assert time.monotonic() < deadline, f"no rebalance: {consumer.LastError!r}"
            for other in others:
                if other.consume()[0] == 3:
                    assert other.rebalance()[0] == 0
            r = consumer.consume()
            assert r[0] in (0, 1, 3), r
            if r[0] == 0:
                read.append(r[2])
            if r[0] == 3:
                rc, kind, table = consumer.rebalance()
                assert rc == 0
                return kind, sorted(tuple(row) for row in table), read

    first = Consumer(kafka, conf)
    assert first.subscribe(topic)[0] == 0
    assert until_rebalance(first)[:2] == (1, both)
    # Asked again with room for 1 entry and 1 byte: ¯304, then the sizes the library names.
    monkeypatch.setattr(Kafka, "CAP", 1)
    start = len(kafka.trace)
    rc, kind, table = first.rebalance()
    assert (rc, kind, sorted(tuple(row) for row in table)) == (0, 1, both)
    assert [r[0] for name, _, r in kafka.trace[start:] if name == "Rebalance"][0] == -304
    monkeypatch.setattr(Kafka, "CAP", None)
    assert len(read(first, 10)) == 10
    second = Consumer(kafka, conf)
    assert second.subscribe(topic)[0] == 0
    kind, revoked, late = until_rebalance(first, [second])
    assert (kind, revoked, late) == (2, both, [])
    assert sorted(tuple(row) for row in first.assignment()[1]) == both  # still ours while the revoke waits
    assert first.commit() == 0
    produce(kafka, cluster, topic, ["new0", "new1"], partition=0)
    got, deadline = [], time.monotonic() + PATIENCE
    while len(got) < 2:
        assert time.monotonic() < deadline, f"read {got}"
        for consumer in (first, second):
            r = consumer.consume()
            if r[0] == 3:
                assert consumer.rebalance()[0] == 0
            elif r[0] == 0:
                got.append(r[2])
    assert sorted(got) == ["new0", "new1"]  # the old ten were committed before the revoke
    assert first.close() == 0 and second.close() == 0
