"""Issue 10 through the APL binding: Consumer.commit_async, commit_report,
commit_offsets, store_offsets, committed_offsets; Producer's transactions;
events, logs and errors on both; kafka.error_name and error_codes.
Replayed through the ⎕NA caller with the arguments the APL passes, against
the real broker ($KAFKA_BOOTSTRAP) or the mock cluster (which supports
commits and transactions, but not fencing: that one is in
tests/python/test_commit_txn_real.py)."""

import json
import time
import uuid

import pytest

import apl_source
from apl_mirror import Consumer, MockCluster, Producer, Table

PATIENCE = 60


def group_consumer(kafka, cluster, group, topic, *extra):
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("group.id", group),
                                ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false"), *extra])
    assert consumer.subscribe(topic)[0] == 0
    return consumer


def fill(kafka, cluster, topic, per_partition, partitions):
    """per_partition messages in each partition, 'p<partition>-<i>'."""
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    for p in range(partitions):
        for i in range(per_partition):
            assert producer.produce(topic, f"p{p}-{i}", "k", p)[0] == 0
    rc, outstanding = producer.flush(30000)
    assert rc == 0 and outstanding == []
    producer.close()


def consume(consumer, n):
    """n messages (consume_batch rows, the header row aside)."""
    rows, deadline = [], time.monotonic() + PATIENCE
    while len(rows) < n:
        assert time.monotonic() < deadline, f"only {len(rows)} of {n} messages: {consumer.LastError!r}"
        rc, table = consumer.consume_batch(n - len(rows))
        assert rc == 0, (rc, consumer.LastError)
        rows += table[1:]
    return rows


def reports(consumer, n):
    """commit_report until n rows came."""
    got, deadline = Table(), time.monotonic() + PATIENCE
    while len(got) < n:
        assert time.monotonic() < deadline, f"only {got} of {n} commit reports"
        rc, table = consumer.commit_report(100)
        assert rc == 0
        got += table
    return got


def committed(consumer, *args):
    rc, table = consumer.committed_offsets(*args)
    assert rc == 0, consumer.LastError
    return sorted((row[0], row[1], row[2]) for row in table)


def test_commit_async_reports_one_row_per_partition(kafka, cluster):
    (topic,) = cluster.new_topics(3, prefix="apl-async")
    fill(kafka, cluster, topic, 4, 3)
    consumer = group_consumer(kafka, cluster, f"g-{uuid.uuid4().hex[:8]}", topic)
    try:
        consume(consumer, 12)
        assert consumer.commit_async("") == [0, b""]
        got = reports(consumer, 3)
        assert sorted(got) == [[topic, p, 4, 0] for p in range(3)]
        assert consumer.commit_report(100) == [0, Table()], "each outcome is reported once"
        assert committed(consumer, "") == [(topic, p, 4) for p in range(3)]
        assert consumer.committed(topic, 1) == [0, 4]  # Dyalog's call agrees

        # Explicit offsets, as topic partitions offsets, then as a matrix.
        assert consumer.commit_async(topic, [0, 2], [1, 3])[0] == 0
        assert sorted(reports(consumer, 2)) == [[topic, 0, 1, 0], [topic, 2, 3, 0]]
        assert committed(consumer, topic, [0, 1, 2]) == [(topic, 0, 1), (topic, 1, 4), (topic, 2, 3)]
        assert consumer.commit_offsets(Table([[topic, 1, 2], [topic, 2, 0]])) == [0, b""]
        assert committed(consumer, Table([[topic, 1], [topic, 2]])) == [(topic, 1, 2), (topic, 2, 0)]

        # commit_report_wait: the wait is the caller's; 0 returns at once.
        assert consumer.commit_async(topic, [0, 1], [2, 2])[0] == 0
        rc, first, err = kafka.commit_report_wait(consumer.handle, 100, 0)
        assert rc == 0 and err == b""
        rows, deadline = Table(first), time.monotonic() + PATIENCE
        while len(rows) < 2:
            assert time.monotonic() < deadline, rows
            rc, table, err = kafka.commit_report_wait(consumer.handle, 100, 5000)
            assert rc == 0, err
            rows += table
        assert sorted(rows) == [[topic, 0, 2, 0], [topic, 1, 2, 0]]
        assert kafka.commit_report_wait(consumer.handle, 100, -1)[0] == -301
    finally:
        consumer.close()


def test_commit_report_rows_stay_aligned(kafka, cluster):
    """Nothing new to commit: every row says -168, and a row whose topic is
    empty does not shift the names of the rows after it."""
    (topic,) = cluster.new_topics(2, prefix="apl-async")
    fill(kafka, cluster, topic, 2, 2)
    consumer = group_consumer(kafka, cluster, f"g-{uuid.uuid4().hex[:8]}", topic)
    try:
        consume(consumer, 4)
        assert consumer.commit_offsets("")[0] == 0
        assert consumer.commit_async("")[0] == 0  # nothing new
        assert consumer.commit_async(topic, 1, 1)[0] == 0
        got = reports(consumer, 1)
        while not any(row[3] == 0 for row in got):
            got += reports(consumer, 1)
        assert all(row[3] == -168 for row in got[:-1]) and got[-1] == [topic, 1, 1, 0], got
        assert all(row[0] in (topic, "") for row in got)
    finally:
        consumer.close()
    call = next(c for c in kafka.calls.values() if c.name == "CommitReport")
    assert [i.text for i in call.items] == ["handle", "tl", "tl", "count", "count", "count", "count"]


def test_store_offsets_decides_what_is_committed(kafka, cluster):
    (topic,) = cluster.new_topics(2, prefix="apl-store")
    fill(kafka, cluster, topic, 5, 2)
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = group_consumer(kafka, cluster, group, topic, ("enable.auto.offset.store", "false"))
    try:
        consume(consumer, 10)
        # consumed, not stored: nothing to commit
        assert consumer.commit_offsets("")[0] == -168
        assert consumer.store_offsets(topic, 0, 3) == [0, b""]
        assert consumer.commit_offsets("") == [0, b""]
        assert committed(consumer, topic, [0, 1]) == [(topic, 0, 3), (topic, 1, -1001)]
        rc, err = consumer.store_offsets(topic, 7, 1)  # a partition not assigned
        assert rc != 0 and err and consumer.LastError == err
    finally:
        consumer.close()
    # the next member starts where the stored offsets say
    again = group_consumer(kafka, cluster, group, topic)
    try:
        rows = consume(again, 7)
        assert sorted((r[3], r[4]) for r in rows) == [(0, 3), (0, 4)] + [(1, i) for i in range(5)]
    finally:
        again.close()


def read_committed(kafka, cluster, topic, n, settle=3):
    """Every message a read_committed reader finds in topic: waits for n,
    then `settle` seconds more for any extra."""
    reader = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("isolation.level", "read_committed")])
    try:
        assert reader.from_beginning(topic)[0] == 0
        rows = consume(reader, n)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            rows += reader.consume_batch(100)[1][1:]
        return sorted(row[1] for row in rows)
    finally:
        reader.close()


def test_transaction_commit_and_abort(kafka, cluster):
    src, out = cluster.new_topics(1, 1, prefix="apl-txn")
    fill(kafka, cluster, src, 6, 1)
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = group_consumer(kafka, cluster, group, src)
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap),
                                ("transactional.id", f"apl-{uuid.uuid4().hex[:8]}")])
    try:
        assert producer.init_transactions() == [0, 0], producer.LastError
        rows = consume(consumer, 6)
        # the first three: committed with their offsets
        assert producer.begin_transaction() == [0, 0]
        for row in rows[:3]:
            assert producer.produce(out, row[1].upper())[0] == 0
        assert producer.send_offsets_to_transaction(consumer, Table([[src, 0, 3]])) == [0, 0]
        assert producer.commit_transaction() == [0, 0], producer.LastError
        assert producer.outstanding == [], "the reports are collected"
        # librdkafka's mock answers TxnOffsetCommit without keeping the offsets
        sent = 3 if cluster.real else -1001
        assert committed(consumer, src, 0) == [(src, 0, sent)]
        # the last three: aborted, offsets too
        assert producer.begin_transaction() == [0, 0]
        for row in rows[3:]:
            assert producer.produce(out, row[1].upper())[0] == 0
        assert producer.send_offsets_to_transaction(consumer) == [0, 0]  # its positions: 6
        assert producer.abort_transaction() == [0, 0], producer.LastError
        # an aborted message sent before the abort was acknowledged (a real
        # broker): delivered; one still queued failed (the mock): outstanding
        assert len(producer.outstanding) <= 3 and all(s != 0 for _, s in producer.outstanding)
        assert committed(consumer, src, 0) == [(src, 0, sent)]
        assert producer.fatal_error() == [0, b""]
    finally:
        producer.close()
        consumer.close()
    assert read_committed(kafka, cluster, out, 3) == ["P0-0", "P0-1", "P0-2"]


def test_events_logs_and_errors(kafka):
    """A producer that cannot reach its broker: log lines, the
    all-brokers-down error and statistics arrive as events; logs and errors
    take their kind and leave the rest for events."""
    producer = Producer(kafka, [("bootstrap.servers", "127.0.0.1:1"), ("message.timeout.ms", 2000),
                                ("statistics.interval.ms", 200)])
    try:
        assert producer.produce("nowhere", "x")[0] == 0
        errors, deadline = Table(), time.monotonic() + PATIENCE
        while not any(row[2] == -187 for row in errors):
            assert time.monotonic() < deadline, errors
            rc, table = producer.errors(100, 500)
            assert rc == 0
            errors += table
        assert all(row[0] == 2 and row[1] == 3 for row in errors)
        assert any("brokers are down" in row[3] for row in errors)
        logs = Table()
        while not logs:
            assert time.monotonic() < deadline
            logs += producer.logs(100, 200)[1]
        assert all(row[0] == 1 and 0 <= row[1] <= 7 and row[2] == 0 for row in logs)
        assert any("127.0.0.1:1" in row[3] for row in logs)
        rest = Table()
        while not any(row[0] == 3 for row in rest):
            assert time.monotonic() < deadline
            rest += producer.events(100, 200)[1]
        stats = [json.loads(row[3]) for row in rest if row[0] == 3]
        assert stats[0]["type"] == "producer"
        assert producer.Dropped == 0
    finally:
        producer.close()
    take = apl_source.method_lines("Producer.aplc", "take_events")
    assert any("kafka.events handle count ms" in line for line in take)


def test_consumer_events(kafka):
    consumer = Consumer(kafka, [("bootstrap.servers", "127.0.0.1:1"), ("group.id", "nowhere")])
    try:
        assert consumer.subscribe("nowhere")[0] == 0
        got, deadline = Table(), time.monotonic() + PATIENCE
        while not any(row[2] == -187 for row in got):
            assert time.monotonic() < deadline, got
            consumer.consume()  # a consumer's errors are gathered while it consumes
            got += consumer.errors(100)[1]
    finally:
        consumer.close()


def test_error_name_and_codes(kafka):
    assert kafka.error_name(-184) == [0, b"_QUEUE_FULL"]
    assert kafka.error_name(3) == [0, b"UNKNOWN_TOPIC_OR_PART"]
    assert kafka.error_name(-300) == [0, b"KAFKA_ERR_BAD_HANDLE"]
    assert kafka.error_name(123456)[0] != 0
    rc, table = kafka.error_codes()
    assert rc == 0 and len(table) > 100
    codes = [row[0] for row in table]
    assert codes == sorted(codes)
    by_code = {row[0]: row[1] for row in table}
    assert by_code[-184] == "_QUEUE_FULL" and by_code[-301] == "KAFKA_ERR_INVALID_ARGUMENT"
    for code in (-187, -168, 0, 25, 47):
        assert kafka.error_name(code) == [0, by_code[code].encode()]


def test_bad_handles_through_the_wrappers(kafka):
    """What a stale number in an APL variable gets: -300 and a text."""
    rc, handle = kafka.init_kafka()
    assert kafka.uninit_consumer(handle) == 0
    for r in (kafka.commit_async(handle, "t", 0, 1), kafka.commit_offsets(handle, "t", 0, 1),
              kafka.store_offsets(handle, "t", 0, 1), kafka.fatal_error(handle)):
        assert r[0] == -300 and r[1], r
    assert kafka.commit_report(handle, 10) == [-300, Table()]
    rc, table, err = kafka.commit_report_wait(handle, 10, 0)
    assert rc == -300 and table == [] and err
    rc, table, err = kafka.committed_offsets(handle, "t", 0, 1000)
    assert rc == -300 and table == [] and err
    for r in (kafka.init_transactions(handle, 1000), kafka.begin_transaction(handle),
              kafka.commit_transaction(handle, 1000), kafka.abort_transaction(handle, 1000),
              kafka.send_offsets_to_transaction(handle, handle, "t", 0, 1, 1000)):
        assert r[0] == -300 and r[2], r
    assert kafka.events(handle, 10, 0)[0] == -300


SAMPLE_LINES = (
    "{}mock.create_topic'orders' 2", "{}seed.produce_batch'orders'({'order ',⍕⍵}¨⍳10)",
    "config⍪←'isolation.level' 'read_committed'", "(rc flags)←producer.init_transactions",
    "(rc table)←consumer.consume_batch 100 500",
    "(rc ids statuses)←producer.produce_batch'orders-upper'(1 ⎕C¨rows[;2])(rows[;3])",
    "(rc flags)←producer.send_offsets_to_transaction consumer", "(rc flags)←producer.commit_transaction",
    ":While (rc≠0)∧2⊃bits flags", "(fatal retriable abortable)←bits flags", "{}producer.abort_transaction",
    "tp←∪↓rows[;1 4]", "{}consumer.seek t p(⌊/rows[;5]/⍨(↓rows[;1 4])∊⊂t p)", ":While idle<6")


def replay_sample(kafka, before_first_transaction=None):
    """Samples/TransformInTransaction.aplf, statement by statement through
    the mirror, on a mock cluster of its own as the sample starts one.
    Returns (transformed, aborted, what a read_committed reader finds)."""
    sample = (apl_source.BINDING / "Samples" / "TransformInTransaction.aplf").read_text(encoding="utf-8")
    # The replay below follows these lines; a changed sample must be replayed anew.
    for line in SAMPLE_LINES:
        assert line in sample, f"TransformInTransaction no longer has {line!r}"
    mock = MockCluster(kafka)
    assert mock.create_topic("orders", 2)[0] == 0 and mock.create_topic("orders-upper", 2)[0] == 0
    seed = Producer(kafka, [("bootstrap.servers", mock.Bootstrap)])
    seed.produce_batch("orders", [f"order {i}" for i in range(1, 11)])
    seed.flush(10000)
    seed.unmake()
    consumer = Consumer(kafka, [("bootstrap.servers", mock.Bootstrap), ("group.id", "apl-transform"),
                                ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false"),
                                ("isolation.level", "read_committed")])
    consumer.subscribe("orders")
    producer = Producer(kafka, [("bootstrap.servers", mock.Bootstrap), ("transactional.id", "apl-transform")])
    assert producer.init_transactions() == [0, 0]
    if before_first_transaction:
        before_first_transaction(mock)

    def bits(flags):
        return [flags & 1, flags >> 1 & 1, flags >> 2 & 1]

    done = idle = aborted = 0
    while idle < 6:
        rc, table = consumer.consume_batch(100, 500)
        rows = table[1:]
        if not rows:
            idle += 1
            continue
        idle = 0
        producer.begin_transaction()
        flags = 0
        rc, ids, statuses = producer.produce_batch("orders-upper", [r[1].upper() for r in rows], [r[2] for r in rows])
        if rc == 0:
            rc, flags = producer.send_offsets_to_transaction(consumer)
        if rc == 0:
            rc, flags = producer.commit_transaction()
            while rc != 0 and bits(flags)[1]:
                rc, flags = producer.commit_transaction()
        fatal, retriable, abortable = bits(flags)
        if rc == 0:
            done += len(rows)
        elif fatal:
            break
        else:
            aborted += 1
            producer.abort_transaction()
            for t, p in dict.fromkeys((r[0], r[3]) for r in rows):
                assert consumer.seek(t, p, min(r[4] for r in rows if (r[0], r[3]) == (t, p)))[0] == 0
    rc, table = consumer.committed_offsets("")  # the mock keeps none: -1001
    assert rc == 0 and sorted(row[1] for row in table) == [0, 1]
    producer.unmake()
    consumer.unmake()
    reader = Consumer(kafka, [("bootstrap.servers", mock.Bootstrap), ("isolation.level", "read_committed")])
    reader.from_beginning("orders-upper")
    rows = consume(reader, done)
    end = time.monotonic() + 2
    while time.monotonic() < end:  # and nothing more
        rows += reader.consume_batch(100)[1][1:]
    reader.unmake()
    assert mock.close() == 0
    return done, aborted, sorted(r[1] for r in rows)


def test_sample_transform_in_transaction(kafka):
    done, aborted, found = replay_sample(kafka)
    assert (done, aborted) == (10, 0)
    assert found == sorted(f"ORDER {i}" for i in range(1, 11))


def test_sample_aborts_and_rereads_a_failed_batch(kafka):
    """The first transaction cannot add its partitions (the mock answers
    AddPartitionsToTxn with 29, topic authorization failed: abortable): the
    sample aborts, seeks back, and the batch is transformed once after all."""
    done, aborted, found = replay_sample(kafka, lambda mock: mock.push_request_errors(24, [29]))
    assert done == 10 and aborted >= 1
    assert found == sorted(f"ORDER {i}" for i in range(1, 11))
