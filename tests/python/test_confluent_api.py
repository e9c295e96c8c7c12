"""One test suite, two implementations: written against confluent-kafka's
API and run with `confluent_kafka` and with `kafkaso` on the real broker
(KAFKA_BOOTSTRAP); whatever confluent-kafka passes, kafkaso must pass."""
import importlib
import time
import uuid

import pytest
from realkafka import broker_address

IMPLEMENTATIONS = ["confluent_kafka", "kafkaso"]


@pytest.fixture(scope="module")
def bootstrap():
    return broker_address()


@pytest.fixture(params=IMPLEMENTATIONS)
def ck(request):
    """The implementation under test, as `confluent_kafka` would be imported."""
    return importlib.import_module(request.param)


@pytest.fixture
def admin(ck):
    return importlib.import_module(ck.__name__ + ".admin")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(admin, bootstrap, topic, partitions=1):
    a = admin.AdminClient({"bootstrap.servers": bootstrap})
    a.create_topics([admin.NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result()
    deadline = time.time() + 20
    while time.time() < deadline:
        t = a.list_topics(topic, timeout=5).topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == partitions and \
                all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.2)
    raise AssertionError(f"{topic} never got {partitions} partitions with leaders")


def produce(ck, bootstrap, topic, messages, **conf):
    """messages: dicts of produce() keyword arguments; the delivered Messages."""
    reports = []
    p = ck.Producer({"bootstrap.servers": bootstrap, **conf})
    for m in messages:
        p.produce(topic, on_delivery=lambda err, msg: reports.append((err, msg)), **m)
    assert p.flush(30) == 0
    assert len(p) == 0
    assert [err for err, _ in reports] == [None] * len(messages)
    return [msg for _, msg in reports]


def new_consumer(ck, bootstrap, group=None, **conf):
    return ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group or unique("g"),
                        "auto.offset.reset": "earliest", **conf})


def read(consumer, n, limit=30):
    got, deadline = [], time.time() + limit
    while len(got) < n and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is not None:
            assert m.error() is None, m.error()
            got.append(m)
    return got


def fields(m):
    return (m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.headers(), m.timestamp())


# -- producer


def test_produce_keys_partitions_timestamps_headers_and_callbacks(ck, admin, bootstrap):
    topic = unique("prod")
    create(admin, bootstrap, topic, 3)
    sent = [dict(value=b"v%d" % i, key=b"k%d" % (i % 4), partition=i % 3, timestamp=1_600_000_000_000 + i,
                 headers=[("n", b"%d" % i), ("nil", None)]) for i in range(30)]
    delivered = produce(ck, bootstrap, topic, sent)
    assert sorted((m.partition(), m.value()) for m in delivered) == sorted((s["partition"], s["value"]) for s in sent)
    assert all(m.topic() == topic and m.offset() >= 0 for m in delivered)
    c = new_consumer(ck, bootstrap)
    c.subscribe([topic])
    got = read(c, 30)
    c.close()
    assert len(got) == 30
    by_value = {m.value(): m for m in got}
    for s in sent:
        m = by_value[s["value"]]
        assert (m.key(), m.partition(), m.timestamp()) == (s["key"], s["partition"], (ck.TIMESTAMP_CREATE_TIME, s["timestamp"]))
        assert m.headers() == [("n", s["headers"][0][1]), ("nil", None)]
        assert len(m) == len(s["value"])


def test_null_and_empty_values_and_keys_and_str(ck, admin, bootstrap):
    topic = unique("nulls")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=None, key=None), dict(value=b"", key=b""), dict(value="text", key="ké")])
    c = new_consumer(ck, bootstrap)
    c.subscribe([topic])
    got = read(c, 3)
    c.close()
    assert [(m.key(), m.value(), m.headers()) for m in got] == [(None, None, None), (b"", b"", None),
                                                               ("ké".encode(), b"text", None)]


def test_produce_argument_forms_and_refusals(ck, admin, bootstrap):
    topic = unique("args")
    create(admin, bootstrap, topic, 2)
    seen = []
    def note(err, msg):
        seen.append((err, msg.value(), msg.key(), msg.partition()))
    p = ck.Producer({"bootstrap.servers": bootstrap})
    p.produce(topic, b"positional", b"k", 1, note)
    p.produce(partition=0, on_delivery=note, key=None, value=b"keywords", topic=topic)
    p.produce(topic, b"alias", callback=note, partition=1)
    p.produce(topic, value=b"headers none", headers=None, on_delivery=note, partition=0)
    for args, kwargs in [((topic, 5), {}), ((topic,), {"bogus": 1}), ((topic, b"v"), {"value": b"x"}),
                         ((topic.encode(), b"v"), {}), ((topic, b"v"), {"partition": "0"}), ((), {})]:
        with pytest.raises(TypeError):
            p.produce(*args, **kwargs)
    assert p.flush(30) == 0
    assert sorted(seen, key=lambda s: s[1]) == [(None, b"alias", None, 1), (None, b"headers none", None, 0),
                                                (None, b"keywords", None, 0), (None, b"positional", b"k", 1)]


def test_poll_serves_callbacks_and_len_counts_what_is_waiting(ck, admin, bootstrap):
    topic = unique("poll")
    create(admin, bootstrap, topic)
    seen = []
    p = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 100})
    for i in range(5):
        p.produce(topic, b"%d" % i, callback=lambda err, msg: seen.append(msg.value()))
    assert len(p) == 5 and seen == []
    deadline = time.time() + 20
    while len(seen) < 5 and time.time() < deadline:
        p.poll(0.1)
    assert seen == [b"0", b"1", b"2", b"3", b"4"] and len(p) == 0
    assert p.flush(1) == 0 and p.poll(0) == 0


def test_flush_serves_every_report_however_many(ck, admin, bootstrap):
    """More reports come in at once than one library call hands over:
    flush() still serves them all and returns 0."""
    topic = unique("many")
    create(admin, bootstrap, topic)
    p = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 50})
    for _ in range(50000):
        p.produce(topic, b"x")
    assert p.flush(60) == 0 and len(p) == 0


def test_purge_fails_what_was_still_queued(ck, admin, bootstrap):
    topic = unique("purge")
    create(admin, bootstrap, topic)
    reports = []
    p = ck.Producer({"bootstrap.servers": bootstrap, "linger.ms": 60000})
    for i in range(5):
        p.produce(topic, value=b"v%d" % i, on_delivery=lambda err, msg: reports.append(err))
    p.purge(in_queue=True, in_flight=False)
    assert p.flush(10) == 0
    assert len(reports) == 5
    assert {e.code() for e in reports} == {ck.KafkaError._PURGE_QUEUE}


def test_a_full_queue_raises_buffer_error(ck, bootstrap):
    p = ck.Producer({"bootstrap.servers": bootstrap, "queue.buffering.max.messages": 10, "linger.ms": 1000})
    with pytest.raises(BufferError):
        for i in range(11):
            p.produce(unique("full"), b"x")
    p.flush(10)


def test_produce_batch(ck, admin, bootstrap):
    topic = unique("batch")
    create(admin, bootstrap, topic, 2)
    seen = []
    p = ck.Producer({"bootstrap.servers": bootstrap})
    msgs = [{"value": b"b%d" % i, "key": b"k", "headers": {"i": b"%d" % i}} for i in range(10)]
    assert p.produce_batch(topic, msgs, partition=1, on_delivery=lambda err, msg: seen.append((err, msg.partition()))) == 10
    assert p.flush(30) == 0
    assert seen == [(None, 1)] * 10
    c = new_consumer(ck, bootstrap)
    c.assign([ck.TopicPartition(topic, 1, ck.OFFSET_BEGINNING)])
    got = read(c, 10)
    c.close()
    assert [m.value() for m in got] == [b"b%d" % i for i in range(10)]
    if ck.__name__ == "kafkaso":  # confluent-kafka 2.16's produce_batch drops headers; kafkaso keeps them
        assert [m.headers() for m in got] == [[("i", b"%d" % i)] for i in range(10)]


def test_list_topics_on_clients(ck, admin, bootstrap):
    topic = unique("md")
    create(admin, bootstrap, topic, 2)
    p = ck.Producer({"bootstrap.servers": bootstrap})
    md = p.list_topics(topic, timeout=10)
    assert list(md.topics) == [topic] and sorted(md.topics[topic].partitions) == [0, 1]
    assert md.brokers and all(b.port > 0 for b in md.brokers.values())
    c = new_consumer(ck, bootstrap)
    assert topic in c.list_topics(timeout=10).topics
    c.close()


# -- consumer


def test_assign_position_seek_pause_resume_and_watermarks(ck, admin, bootstrap):
    topic = unique("ctl")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i) for i in range(10)])
    c = new_consumer(ck, bootstrap)
    tp = ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)
    c.assign([tp])
    assert [(a.topic, a.partition) for a in c.assignment()] == [(topic, 0)]
    got = read(c, 3)
    assert [m.offset() for m in got] == [0, 1, 2]
    assert c.position([ck.TopicPartition(topic, 0)])[0].offset == 3
    c.seek(ck.TopicPartition(topic, 0, 7))
    assert [m.offset() for m in read(c, 1)] == [7]
    c.pause([ck.TopicPartition(topic, 0)])
    assert c.poll(1.0) is None
    c.resume([ck.TopicPartition(topic, 0)])
    assert [m.offset() for m in read(c, 2)] == [8, 9]
    assert c.get_watermark_offsets(ck.TopicPartition(topic, 0), timeout=10) == (0, 10)
    c.unassign()
    assert c.assignment() == []
    c.close()
    with pytest.raises(RuntimeError):
        c.poll(0)


def test_consume_returns_up_to_n(ck, admin, bootstrap):
    topic = unique("many")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i) for i in range(25)])
    c = new_consumer(ck, bootstrap)
    c.subscribe([topic])
    got, deadline = [], time.time() + 30
    while len(got) < 25 and time.time() < deadline:
        batch = c.consume(num_messages=10, timeout=1)
        assert len(batch) <= 10
        got += batch
    c.close()
    assert [m.value() for m in got] == [b"%d" % i for i in range(25)]


def test_offsets_for_times(ck, admin, bootstrap):
    topic = unique("times")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i, timestamp=1_700_000_000_000 + 1000 * i) for i in range(5)])
    c = new_consumer(ck, bootstrap)
    found = c.offsets_for_times([ck.TopicPartition(topic, 0, 1_700_000_002_500)], timeout=10)
    assert [(t.topic, t.partition, t.offset) for t in found] == [(topic, 0, 3)]
    c.close()


def test_commit_message_offsets_async_and_committed(ck, admin, bootstrap):
    topic = unique("commit")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i) for i in range(6)])
    c = new_consumer(ck, bootstrap, **{"enable.auto.commit": False})
    c.subscribe([topic])
    got = read(c, 6)
    tp = ck.TopicPartition(topic, 0)
    c.commit(message=got[1], asynchronous=False)
    assert c.committed([tp], timeout=10)[0].offset == 2
    c.commit(offsets=[ck.TopicPartition(topic, 0, 4)], asynchronous=False)
    assert c.committed([tp], timeout=10)[0].offset == 4
    c.commit()  # asynchronous, of what was handed out
    deadline = time.time() + 10
    while c.committed([tp], timeout=10)[0].offset != 6 and time.time() < deadline:
        time.sleep(0.1)
    assert c.committed([tp], timeout=10)[0].offset == 6
    c.close()


def test_on_commit_reports_asynchronous_commits(ck, admin, bootstrap):
    topic = unique("oncommit")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"x")] * 3)
    seen = []
    c = new_consumer(ck, bootstrap, **{"enable.auto.commit": False, "on_commit": lambda err, partitions: seen.append(
        (err, [(tp.topic, tp.partition, tp.offset) for tp in partitions]))})
    c.subscribe([topic])
    got = read(c, 3)
    c.commit(message=got[-1], asynchronous=True)
    deadline = time.time() + 20
    while not seen and time.time() < deadline:
        c.poll(0.2)
    c.close()
    assert seen[0] == (None, [(topic, 0, 3)])


def test_committed_before_subscribing(ck, admin, bootstrap):
    topic = unique("early")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"x")] * 3)
    group = unique("g")
    c = new_consumer(ck, bootstrap, group)
    assert [tp.offset for tp in c.committed([ck.TopicPartition(topic, 0)], timeout=10)] == [ck.OFFSET_INVALID]
    c.commit(offsets=[ck.TopicPartition(topic, 0, 2)], asynchronous=False)
    c.close()
    again = new_consumer(ck, bootstrap, group)
    assert [tp.offset for tp in again.committed([ck.TopicPartition(topic, 0)], timeout=10)] == [2]
    again.close()


def test_store_offsets_decides_what_is_committed(ck, admin, bootstrap):
    topic = unique("store")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i) for i in range(5)])
    group = unique("g")
    c = new_consumer(ck, bootstrap, group, **{"enable.auto.offset.store": False, "enable.auto.commit": False})
    c.subscribe([topic])
    got = read(c, 5)
    c.store_offsets(message=got[2])
    c.commit(asynchronous=False)
    assert c.committed([ck.TopicPartition(topic, 0)], timeout=10)[0].offset == 3
    c.close()


def test_what_was_not_handed_out_is_not_committed(ck, admin, bootstrap):
    """A consumer that took 3 of 10 messages commits 3, and its group's next
    member starts at the 4th: a prefetch never counts as consumed."""
    topic = unique("handed")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"%d" % i) for i in range(10)])
    group = unique("g")
    first = new_consumer(ck, bootstrap, group)
    first.subscribe([topic])
    assert [m.value() for m in read(first, 3)] == [b"0", b"1", b"2"]
    first.close()  # auto-commit on close
    second = new_consumer(ck, bootstrap, group)
    second.subscribe([topic])
    assert [m.value() for m in read(second, 7)] == [b"%d" % i for i in range(3, 10)]
    assert second.poll(1.0) is None
    second.close()


def test_rebalance_callbacks_and_unsubscribe(ck, admin, bootstrap):
    topic = unique("rebal")
    create(admin, bootstrap, topic, 2)
    produce(ck, bootstrap, topic, [dict(value=b"x")])
    assigned, revoked = [], []
    c = new_consumer(ck, bootstrap)
    c.subscribe([topic], on_assign=lambda cons, ps: assigned.extend((p.topic, p.partition) for p in ps),
                on_revoke=lambda cons, ps: revoked.extend((p.topic, p.partition) for p in ps))
    assert len(read(c, 1)) == 1
    assert sorted(assigned) == [(topic, 0), (topic, 1)]
    c.unsubscribe()
    deadline = time.time() + 10
    while not revoked and time.time() < deadline:
        c.poll(0.2)
    assert sorted(revoked) == [(topic, 0), (topic, 1)]
    c.close()


def test_on_revoke_runs_while_the_partitions_are_still_ours(ck, admin, bootstrap):
    """on_revoke comes before the partitions go: the assignment still holds
    them and a commit there covers what was read, so the next owner starts
    right after it (auto-commit off: only that commit can tell it)."""
    topic = unique("revoke")
    create(admin, bootstrap, topic, 2)
    produce(ck, bootstrap, topic, [dict(value=b"old-%d" % i, partition=i % 2) for i in range(20)])
    group, seen = unique("g"), {}

    def on_revoke(consumer, partitions):
        if "revoked" not in seen:
            seen["assigned"] = sorted((tp.topic, tp.partition) for tp in consumer.assignment())
            seen["revoked"] = sorted((tp.topic, tp.partition) for tp in partitions)
            consumer.commit(asynchronous=False)

    first = new_consumer(ck, bootstrap, group, **{"enable.auto.commit": False})
    first.subscribe([topic], on_revoke=on_revoke)
    assert len(read(first, 20)) == 20
    second = new_consumer(ck, bootstrap, group, **{"enable.auto.commit": False})
    second.subscribe([topic])
    got = {"first": [], "second": []}

    def poll_both():
        for who, c in (("first", first), ("second", second)):
            m = c.poll(0.1)
            if m is not None and m.error() is None:
                got[who].append(m.value())

    deadline = time.time() + 60
    while not (second.assignment() and "revoked" in seen) and time.time() < deadline:
        poll_both()
    assert seen["revoked"] == [(topic, 0), (topic, 1)] and seen["assigned"] == seen["revoked"]
    produce(ck, bootstrap, topic, [dict(value=b"new-%d" % i, partition=i) for i in range(2)])
    while len(got["first"]) + len(got["second"]) < 2 and time.time() < deadline:
        poll_both()
    first.close()
    second.close()
    assert sorted(got["first"] + got["second"]) == [b"new-0", b"new-1"]


# -- errors


def test_kafka_error_and_exception(ck):
    e = ck.KafkaError(ck.KafkaError._PARTITION_EOF)
    assert e.code() == -191 and e.name() == "_PARTITION_EOF" and not e.fatal() and not e.retriable()
    assert e == ck.KafkaError._PARTITION_EOF
    assert ck.KafkaError(3).name() == "UNKNOWN_TOPIC_OR_PART" and ck.KafkaError.UNKNOWN_TOPIC_OR_PART == 3
    x = ck.KafkaException(ck.KafkaError(ck.KafkaError._TIMED_OUT, "took too long"))
    assert x.args[0].code() == ck.KafkaError._TIMED_OUT and x.args[0].str() == "took too long"


# -- admin


def test_admin_topics_partitions_configs_and_groups(ck, admin, bootstrap):
    a = admin.AdminClient({"bootstrap.servers": bootstrap})
    topic = unique("adm")
    create(admin, bootstrap, topic)
    with pytest.raises(ck.KafkaException) as exists:
        a.create_topics([admin.NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    assert exists.value.args[0].code() == ck.KafkaError.TOPIC_ALREADY_EXISTS
    a.create_partitions([admin.NewPartitions(topic, 3)])[topic].result()
    deadline = time.time() + 20
    while len(a.list_topics(topic, timeout=5).topics[topic].partitions) != 3 and time.time() < deadline:
        time.sleep(0.2)
    md = a.list_topics(timeout=10)
    parts = md.topics[topic].partitions
    assert sorted(parts) == [0, 1, 2] and all(p.leader in p.replicas and p.isrs for p in parts.values())
    resource = admin.ConfigResource(admin.ResourceType.TOPIC, topic)
    resource.set_config("retention.ms", "3600000")
    a.alter_configs([resource])[resource].result()
    deadline = time.time() + 20
    while True:
        entries = a.describe_configs([admin.ConfigResource(admin.ResourceType.TOPIC, topic)])
        configs = list(entries.values())[0].result()
        if configs["retention.ms"].value == "3600000" or time.time() > deadline:
            break
        time.sleep(0.2)
    assert configs["retention.ms"].value == "3600000" and not configs["retention.ms"].is_default
    # A group with a committed offset and a live member.
    produce(ck, bootstrap, topic, [dict(value=b"g", partition=0)])
    group = unique("grp")
    c = new_consumer(ck, bootstrap, group, **{"client.id": "the-member"})
    c.subscribe([topic])
    read(c, 1)
    c.commit(asynchronous=False)
    listed = a.list_consumer_groups(request_timeout=10).result()
    assert group in [g.group_id for g in listed.valid]
    desc = a.describe_consumer_groups([group], request_timeout=10)[group].result()
    assert desc.group_id == group and [m.client_id for m in desc.members] == ["the-member"]
    assert sorted(tp.partition for tp in desc.members[0].assignment.topic_partitions) == [0, 1, 2]
    request = [ck.ConsumerGroupTopicPartitions(group, [ck.TopicPartition(topic, 0)])]
    offsets = a.list_consumer_group_offsets(request)[group].result()
    assert [(tp.topic, tp.partition, tp.offset) for tp in offsets.topic_partitions] == [(topic, 0, 1)]
    c.close()
    a.delete_topics([topic], operation_timeout=30)[topic].result()


def test_partition_eof_is_an_error_message(ck, admin, bootstrap):
    topic = unique("eof")
    create(admin, bootstrap, topic)
    produce(ck, bootstrap, topic, [dict(value=b"only")])
    c = new_consumer(ck, bootstrap, **{"enable.partition.eof": True})
    c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
    seen, deadline = [], time.time() + 20
    while time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            assert m.error().code() == ck.KafkaError._PARTITION_EOF
            assert (m.topic(), m.partition(), m.offset()) == (topic, 0, 1)  # where the end is
            break
        seen.append(m.value())
    c.close()
    assert seen == [b"only"] and m.error() is not None


def test_producer_poll_waits_its_timeout_when_idle(ck, bootstrap):
    p = ck.Producer({"bootstrap.servers": bootstrap})
    start = time.process_time(), time.monotonic()
    assert p.poll(0.5) == 0
    cpu, wall = time.process_time() - start[0], time.monotonic() - start[1]
    assert 0.4 < wall < 1.5 and cpu < 0.25  # waited, without spinning


def test_transactions_abort_commit_and_send_offsets(ck, admin, bootstrap):
    src, dst = unique("txn-in"), unique("txn-out")
    create(admin, bootstrap, src)
    create(admin, bootstrap, dst)
    produce(ck, bootstrap, src, [dict(value=b"in-%d" % i) for i in range(3)])
    group = unique("g")
    c = new_consumer(ck, bootstrap, group, **{"enable.auto.commit": False})
    c.subscribe([src])
    taken = read(c, 3)
    p = ck.Producer({"bootstrap.servers": bootstrap, "transactional.id": unique("tx")})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(dst, b"aborted")
    p.abort_transaction(30)
    p.begin_transaction()
    for m in taken:
        p.produce(dst, m.value().replace(b"in", b"out"))
    p.send_offsets_to_transaction([ck.TopicPartition(src, 0, taken[-1].offset() + 1)], c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    assert c.committed([ck.TopicPartition(src, 0)], timeout=10)[0].offset == 3
    c.close()
    reader = new_consumer(ck, bootstrap, **{"isolation.level": "read_committed"})
    reader.subscribe([dst])
    assert [m.value() for m in read(reader, 3)] == [b"out-0", b"out-1", b"out-2"]
    assert reader.poll(1.0) is None
    reader.close()


def test_a_member_joining_mid_stream_loses_and_repeats_nothing(ck, admin, bootstrap):
    """The first member has fetched ahead when the second joins: what it had
    not handed out goes to the new owner of the partition, once."""
    topic = unique("join")
    create(admin, bootstrap, topic, 2)
    sent = [b"%03d" % i for i in range(200)]
    produce(ck, bootstrap, topic, [dict(value=v, partition=i % 2) for i, v in enumerate(sent)])
    group = unique("g")
    first = new_consumer(ck, bootstrap, group)
    first.subscribe([topic])
    got = [m.value() for m in read(first, 5)]
    second = new_consumer(ck, bootstrap, group)
    second.subscribe([topic])
    deadline, owners = time.time() + 60, set()
    while len(got) < 200 and time.time() < deadline:
        for who, c in (("first", first), ("second", second)):
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                got.append(m.value())
                owners.add(who)
                # A slow first member until the second has joined: the rebalance
                # lands while the first holds a prefetch.
                if "second" not in owners and len(got) % 5 == 0:
                    time.sleep(0.2)
    first.close()
    second.close()
    assert sorted(got) == sent  # nothing lost, nothing twice
    assert owners == {"first", "second"}
