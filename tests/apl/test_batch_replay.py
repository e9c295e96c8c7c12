"""Issue 9 through the APL binding: Producer.produce_batch, produce_with,
delivery_reports, Consumer.consume_batch, consume_with and Record's
Timestamp and Headers, replayed through the ⎕NA caller with the arguments
the APL passes, against the real broker ($KAFKA_BOOTSTRAP) or the mock
cluster. Then the five exports with bad handles and NULL pointers, in a
child process so that a crash fails a test instead of the suite."""

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apl_mirror import Consumer, Producer, Record, Table, to_bytes

HERE = Path(__file__).resolve().parent
PATIENCE = 60
ISSUE9 = {"ProduceBatch", "ProduceWith", "ConsumeBatch", "ConsumeWith", "DeliveryReports"}


@pytest.fixture(scope="module")
def topics(cluster):
    plan = {"round": 2, "records": 1, "small": 2, "refused": 2, "full": 1, "shared": 1}
    names = cluster.new_topics(*plan.values(), prefix="apl-batch")
    return dict(zip(plan, names))


def new_producer(kafka, cluster, *extra):
    return Producer(kafka, [("bootstrap.servers", cluster.bootstrap), ("message.timeout.ms", 30000), *extra])


def reader(kafka, cluster, topic):
    """A consumer reading every partition of topic from the beginning."""
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    assert consumer.from_beginning(topic) == [0, b""]
    return consumer


def all_reports(producer, n):
    """delivery_reports until n reports came."""
    got, deadline = Table(), time.monotonic() + PATIENCE
    while len(got) < n:
        assert time.monotonic() < deadline, f"only {len(got)} of {n} reports"
        rc, reports = producer.delivery_reports(100)
        assert rc == 0, producer.LastError
        assert all(len(row) == 5 for row in reports), reports
        got += reports
    return got


def read_rows(consumer, n, batch=1000):
    """consume_batch until n rows (the header row aside) came."""
    rows, deadline = [], time.monotonic() + PATIENCE
    while len(rows) < n:
        assert time.monotonic() < deadline, f"only {len(rows)} of {n} messages: {consumer.LastError!r}"
        rc, table = consumer.consume_batch(batch)
        assert rc == 0, (rc, consumer.LastError)
        assert table[0] == ["Topic", "Payload", "Key", "Partition", "Offset", "Timestamp", "Headers"]
        rows += table[1:]
    return rows


def calls(kafka, name):
    """(arguments, result) of every ⎕NA call of `name` so far."""
    return [(args, result) for n, args, result in kafka.trace if n == name]


# Fields that the library must keep byte for byte: NULs, bytes that are not
# UTF-8, null versus empty, and a payload bigger than consume_batch's first
# buffer (so the ¯304 path runs with real sizes too).
BIG = bytes(random.Random(9).randrange(256) for _ in range(300_000))
MESSAGES = [
    # payload, key, partition, timestamp, headers
    ("tigre ñ", "cats", 0, 1_700_000_000_000, Table([["source", "zoo"]])),
    (b"\x00\x01\xff\x00", b"\x00k\x00", 1, 1_700_000_000_001, Table([["bin", b"\x00\xff\x00"], ["null", None]])),
    (None, None, 0, 0, Table()),
    ("", "", 1, 5, Table([["empty", ""], ["ключ", "значение"]])),
    (b"", None, 0, 0, Table([["only-null", None]])),
    (BIG, "big", 1, 1_700_000_000_002, Table()),
    ("after big", "ключ", 0, 0, Table([["n", b"\x00"]])),
]


def expected_text(value):
    """What the consumer hands back with Decode←1 for what was produced."""
    return None if value is None else to_bytes(value).decode("utf-8") if _utf8(value) else to_bytes(value).decode(
        "latin-1")


def _utf8(value):
    try:
        to_bytes(value).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_round_trip_through_batches(kafka, cluster, topics):
    """produce_batch → delivery_reports → consume_batch: every byte, null
    versus empty, headers with binary and null values, timestamps, and the
    partition and offset the reports give are where the consumer finds each
    message, in order."""
    topic = topics["round"]
    producer = new_producer(kafka, cluster)
    payloads, keys, partitions, stamps, headers = (list(x) for x in zip(*MESSAGES))
    rc, ids, statuses = producer.produce_batch(topic, payloads, keys, partitions, stamps, headers)
    assert rc == 0 and statuses == [0] * len(MESSAGES), producer.LastError
    assert len(set(ids)) == len(ids) and 0 not in ids
    assert sorted(row[0] for row in producer.outstanding) == sorted(ids)
    (call_args, _), = calls(kafka, "ProduceBatch")[-1:]
    assert call_args[2] == len(MESSAGES) and call_args[8] == len(MESSAGES)  # count, npartitions

    reports = all_reports(producer, len(MESSAGES))
    assert sorted(r[0] for r in reports) == sorted(ids)
    assert all(r[1] == 0 for r in reports), reports
    assert producer.outstanding == [], "delivery_reports updates outstanding"
    where = {r[0]: (r[2], r[3], r[4]) for r in reports}
    for i, message in enumerate(MESSAGES):
        assert where[ids[i]][0] == message[2], "the partition asked for"
        if cluster.real and message[3]:
            # (the mock cluster reports 1234 as every message's log-append time)
            assert where[ids[i]][2] == message[3], "the report carries the timestamp given"
    assert producer.close() == 0

    consumer = reader(kafka, cluster, topic)
    rows = read_rows(consumer, len(MESSAGES))
    found = {(row[3], row[4]): row for row in rows}
    assert len(found) == len(MESSAGES), "nothing duplicated"
    before = time.time() * 1000 - 600_000
    for i, (payload, key, partition, stamp, hdrs) in enumerate(MESSAGES):
        p, offset, _ = where[ids[i]]
        row = found[(p, offset)]
        assert row[0] == topic
        assert row[1] == expected_text(payload), f"message {i}: payload"
        assert row[2] == expected_text(key), f"message {i}: key {key!r} came back as {row[2]!r}"
        assert row[5] == stamp if stamp else row[5] > before, f"message {i}: timestamp {row[5]}"
        assert row[6] == Table([[n, expected_text(v)] for n, v in hdrs]), f"message {i}: headers"
    for p in (0, 1):
        offsets = [row[4] for row in rows if row[3] == p]
        assert offsets == sorted(offsets), "per-partition order kept"
    # The 300 000-byte payload did not fit the first buffer: asked again with its size.
    asked = [args for args, result in calls(kafka, "ConsumeBatch") if result[0] == -304]
    assert asked, "the big payload took the ¯304 path"
    assert consumer.batch_sizes[1] >= len(BIG)

    # Decode←0: the very bytes, ⎕NULL still null.
    raw = reader(kafka, cluster, topic)
    raw.Decode = 0
    got = {(row[3], row[4]): row for row in read_rows(raw, len(MESSAGES))}
    for i, (payload, key, *_rest) in enumerate(MESSAGES):
        row = got[where[ids[i]][:2]]
        assert row[1] == (None if payload is None else to_bytes(payload))
        assert row[2] == (None if key is None else to_bytes(key))
    assert consumer.close() == 0 and raw.close() == 0


def test_records_with_headers_and_timestamps(kafka, cluster, topics):
    """produce_record sends a Record's Timestamp and Headers (through
    ProduceWith, and through Produce as before when it has neither);
    consume_with gives them back, with null keys and values as ⎕NULL."""
    topic = topics["records"]
    producer = new_producer(kafka, cluster)
    sent = [
        Record(topic, "plain", "k"),
        Record(topic, b"\x00bin\x00", "k2", -1, -1, 1_700_000_000_123, Table([["h", b"\x00\x01"], ["n", None]])),
        Record(topic, "no key", None),
        Record(topic, None, "", 0, -1, 1_700_000_000_124),
    ]
    before = len(kafka.trace)
    for record in sent:
        rc, msgid = producer.produce_record(record)
        assert rc == 0 and msgid > 0, producer.LastError
    names = [name for name, _, _ in kafka.trace[before:]]
    assert names == ["Produce", "ProduceWith", "ProduceWith", "ProduceWith"], names
    # produce_with: a key ⎕NULL by default, one header given as a matrix
    rc, msgid = producer.produce_with(topic, "defaults")
    assert rc == 0
    rc, msgid = producer.produce_with(topic, "with", "key", 0, 1_700_000_000_125, Table([["a", "b"]]))
    assert rc == 0
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0

    consumer = reader(kafka, cluster, topic)
    got, deadline = [], time.monotonic() + PATIENCE
    while len(got) < len(sent) + 2:
        assert time.monotonic() < deadline, f"only {len(got)} records: {consumer.LastError!r}"
        rc, record = consumer.consume_with()
        assert rc in (0, 1), (rc, record)
        if rc == 0:
            got.append(record)
    assert [r.Offset for r in got] == list(range(len(sent) + 2))
    plain, binary, keyless, null, defaults, withkey = got
    assert (plain.Payload, plain.Key, plain.Headers, plain.TimestampType) == ("plain", "k", [], 1)
    assert binary.Payload == "\x00bin\x00" and binary.Timestamp == 1_700_000_000_123
    assert binary.Headers == Table([["h", "\x00\x01"], ["n", None]])
    assert keyless.Key is None and keyless.Payload == "no key"
    assert null.Payload is None and null.Key == "" and null.Timestamp == 1_700_000_000_124
    assert defaults.Key is None and defaults.Headers == []
    assert (withkey.Key, withkey.Partition, withkey.Timestamp, withkey.Headers) == (
        "key", 0, 1_700_000_000_125, Table([["a", "b"]]))
    assert consumer.consume_with()[0] == 1
    assert consumer.close() == 0


def test_too_small_buffers_lose_and_repeat_nothing(kafka, cluster, topics):
    """consume_batch and consume_with with one-byte buffers: each call that
    cannot hold the next message asks again with the sizes the library
    names (¯304: it keeps the message), and every message comes exactly
    once, in order per partition."""
    topic = topics["small"]
    rng = random.Random(304)
    payloads = [bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 7, 100, 5000]))) for _ in range(60)]
    keys = [None if i % 5 == 0 else f"key-{i}" for i in range(60)]
    headers = [Table([["i", str(i)]] * (i % 3)) for i in range(60)]
    producer = new_producer(kafka, cluster)
    rc, ids, statuses = producer.produce_batch(topic, payloads, keys, [i % 2 for i in range(60)], 0, headers)
    assert rc == 0, producer.LastError
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0

    consumer = reader(kafka, cluster, topic)
    consumer.Decode = 0
    consumer._sizes()
    consumer.batch_sizes = [1, 1, 1, 1, 1]
    first = len(calls(kafka, "ConsumeBatch"))
    rows = read_rows(consumer, 60, batch=7)
    made = calls(kafka, "ConsumeBatch")[first:]
    too_small = [(args, result) for args, result in made if result[0] == -304]
    assert too_small, "one-byte buffers took the ¯304 path"
    for (args, result), (again, _) in zip(made, made[1:]):
        if result[0] == -304:
            needed = [result[2] + 1, result[9], result[12], result[16], result[18]]  # tl pl kl hl hn
            asked = [again[2], again[9], again[12], again[16], again[18]]
            assert all(a >= b for a, b in zip(asked, needed)), f"asked {asked} after ¯304 named {needed}"
    assert max(result[19] for _, result in made if result[0] == 0) > 1, "the buffers grew to hold several"
    sent = sorted(((p, None if k is None else k.encode()) for p, k in zip(payloads, keys)), key=repr)
    assert sorted(((row[1], row[2]) for row in rows), key=repr) == sent, "each message once"
    for p in (0, 1):
        assert [row[1] for row in rows if row[3] == p] == [x for i, x in enumerate(payloads) if i % 2 == p]
    assert consumer.consume_batch(10, 200)[1][1:] == []

    # consume_with: the same from the beginning again, one at a time.
    assert consumer.seek(topic, -1, -2)[0] == 0
    consumer.with_sizes = [1, 1, 1, 1, 1]
    first = len(calls(kafka, "ConsumeWith"))
    got, deadline = [], time.monotonic() + PATIENCE
    while len(got) < 60:
        assert time.monotonic() < deadline, f"only {len(got)} of 60"
        rc, record = consumer.consume_with()
        assert rc in (0, 1), (rc, record)
        if rc == 0:
            got.append(record)
    assert any(result[0] == -304 for _, result in calls(kafka, "ConsumeWith")[first:])
    assert sorted(((r.Payload, r.Key) for r in got), key=repr) == sent
    assert sum(len(r.Headers) for r in got) == sum(len(h) for h in headers)
    assert consumer.close() == 0


def test_refused_messages_are_reported_by_position(kafka, cluster, topics):
    """A message for a partition that does not exist is refused at its
    position; the others go, once. Retrying exactly the refused ones with a
    good partition delivers them. Arrays of the wrong length: ¯301, nothing
    sent."""
    topic = topics["refused"]
    producer = new_producer(kafka, cluster)
    assert producer.produce_sync(topic, "metadata first", "k", 0) == 0
    rc, ids, statuses = producer.produce_batch(topic, ["a", "b", "c", "d"], "k", [0, 7, 1, 9])
    assert rc == -190 and statuses == [0, -190, 0, -190], (rc, statuses)
    assert ids[1] == ids[3] == 0 and 0 not in (ids[0], ids[2])
    assert b"not enqueued" in producer.LastError
    refused = [i for i, s in enumerate(statuses) if s != 0]
    rc, again, statuses = producer.produce_batch(topic, [["a", "b", "c", "d"][i] for i in refused], "k", 0)
    assert rc == 0 and statuses == [0, 0]
    # npartitions must be 0, 1 or count
    rc, none, statuses = producer.produce_batch(topic, ["x", "y", "z"], None, [0, 1])
    assert rc == -301 and none == [0, 0, 0] and statuses == [-301] * 3 and b"npartitions" in producer.LastError
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0
    consumer = reader(kafka, cluster, topic)
    rows = read_rows(consumer, 5)
    assert sorted(row[1] for row in rows) == ["a", "b", "c", "d", "metadata first"]
    assert consumer.consume_batch(10, 500)[1][1:] == [], "nothing else went"
    assert consumer.close() == 0


def test_queue_full_then_retry_exactly_those(kafka, cluster, topics):
    """A batch bigger than the producer's queue: the first ones go, the rest
    are ¯184 by position; retrying those after update_outstanding sends
    every message exactly once, in order."""
    topic = topics["full"]
    producer = new_producer(kafka, cluster, ("queue.buffering.max.messages", 5), ("linger.ms", 100))
    payloads = [f"m{i:02}" for i in range(20)]
    todo, deadline = list(range(20)), time.monotonic() + PATIENCE
    refusals = 0
    while todo:
        assert time.monotonic() < deadline, f"{len(todo)} never enqueued: {producer.LastError!r}"
        rc, ids, statuses = producer.produce_batch(topic, [payloads[i] for i in todo])
        assert rc in (0, -184), producer.LastError
        assert all(s in (0, -184) for s in statuses) and all((s == 0) == (i != 0) for s, i in zip(statuses, ids))
        refusals += sum(s != 0 for s in statuses)
        todo = [i for i, s in zip(todo, statuses) if s != 0]
        producer.update_outstanding()
    assert refusals > 0, "the queue never filled"
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0
    consumer = reader(kafka, cluster, topic)
    rows = read_rows(consumer, 20)
    assert [row[1] for row in rows] == payloads
    assert consumer.consume_batch(10, 500)[1][1:] == []
    assert consumer.close() == 0


def test_each_report_once_from_either_call(kafka, cluster, topics):
    """delivery_report and delivery_reports serve the same reports: each
    comes once, from one or the other."""
    topic = topics["shared"]
    producer = new_producer(kafka, cluster)
    rc, ids, statuses = producer.produce_batch(topic, ["1", "2", "3", "4"])
    assert rc == 0
    assert kafka.flush(producer.handle, 30000) == [0, 0]
    rc, first = producer.delivery_report(1)
    rc, rest = producer.delivery_reports(10, 0)
    assert len(first) == 1 and len(rest) == 3
    assert sorted([first[0][0]] + [r[0] for r in rest]) == sorted(ids)
    assert [r[3] for r in rest] == [1, 2, 3], "offsets in order"
    assert producer.delivery_reports(10, 0) == [0, []]
    assert producer.close() == 0


def test_empty_batches(kafka, cluster, topics):
    """Nothing arrived: a table with the header row only; a batch of no
    messages enqueues nothing."""
    consumer = reader(kafka, cluster, topics["shared"])
    consumer.seek(topics["shared"], 0, -1)
    rc, table = consumer.consume_batch(10, 100)
    assert rc == 0 and len(table) == 1 and table[0][0] == "Topic"
    assert consumer.close() == 0


# -- the five exports with bad handles and NULL pointers (in a child) ----------


def bad_handles_child(lib):
    sys.path.insert(0, str(HERE))
    from na import NA

    na = NA(lib)
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    rc, client = na.InitKafka(0)
    rc, stale = na.InitKafka(0)
    na.UninitProducer(stale)
    rc, lst = na.NewTopicPartitionList(0)
    rc, conf = na.NewTopicConf(0)
    rc, producer = na.InitKafka(0)
    na.SetKafkaConf(producer, b"bootstrap.servers", address, 256, 256)
    na.Produce(producer, b"t", b"p", 1, b"k", 1, -1, 0, 256, 256)
    rc, consumer = na.InitKafka(0)
    na.SetKafkaConf(consumer, b"bootstrap.servers", address, 256, 256)
    assert na.Assign(consumer, b"t", [0], [-2], 1, 256, 256)[0] == 0
    cases = {"NULL": 0, "never issued": 0x5EED0000, "released client": stale, "topic-partition list": lst,
             "topic configuration": conf, "mock cluster": mock, "inside a handle": client + 8}
    # valid arguments but the handle: one message, one header
    args = {
        "ProduceBatch": [b"t", 1, b"pk", [1], b"k", [1], [0], 1, [0], [1], b"hv", [1, 1], 1, 1, 256, 256],
        "ProduceWith": [b"t", b"p", 1, b"k", 1, -1, 0, 1, b"hv", [1, 1], 0, 256, 256],
        "ConsumeBatch": [100, 64, 64, 4, 4, 4, 4, 4, 64, 64, 4, 64, 64, 4, 4, 64, 64, 8, 8, 4, 256, 256],
        "ConsumeWith": [100, 64, 64, 64, 64, 64, 64, 0, 0, 0, 0, 0, 64, 64, 8, 8, 256, 256],
        "DeliveryReports": [100, 4, 4, 4, 4, 4, 4, 256, 256],
    }
    for name, rest in args.items():
        # the right kind (a client) in the wrong role: a consumer cannot
        # produce, a producer cannot consume
        role = [("a producer as consumer", producer)] if name.startswith("Consume") else [
            ("a consumer as producer", consumer)]
        for label, handle in list(cases.items()) + role:
            print(json.dumps({"call": name, "case": label}), flush=True)  # names a crash
            result = na[name](handle, *rest)
            print(json.dumps({"call": name, "case": label, "rc": result[0],
                              "text": result[-2][: result[-1]].decode("utf-8", "replace")}), flush=True)
    for h in (client, consumer):
        assert na.UninitConsumer(h) == 0
    assert na.UninitProducer(producer) == 0
    na.DelTopicPartitionList(lst)
    na.DelTopicConf(conf)
    na.DestroyMockCluster(mock)
    print(json.dumps({"done": True}), flush=True)


def run_child(function, lib_path, timeout=300):
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
         f"import test_batch_replay as t; t.{function}({str(lib_path)!r})"],
        capture_output=True, text=True, timeout=timeout, cwd=HERE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0:
        last = lines[-1] if lines else {}
        raise AssertionError(f"the child died with status {proc.returncode} during {last}:\n{proc.stderr[-3000:]}")
    assert lines[-1] == {"done": True}
    return [line for line in lines if "rc" in line]


def test_bad_handles(lib_path):
    """Each of the five with NULL, forged, released and other kinds of
    handles: KAFKA_ERR_BAD_HANDLE (-300) with a text, never a crash; a
    consumer where a producer belongs (and the reverse) is refused too."""
    results = run_child("bad_handles_child", lib_path)
    assert {r["call"] for r in results} == ISSUE9
    wrong = [f"{r['call']} with {r['case']}: {r['rc']} {r['text']!r}" for r in results
             if (r["rc"] == 0 if " as " in r["case"] else r["rc"] != -300) or not r["text"]]
    assert not wrong, "\n".join(wrong)


#: NULL is allowed there, as the header says (no keys, no timestamps, no
#: headers, a per-message column not wanted, a NULL payload of length 0;
#: ProduceWith's msgid is optional as Produce's is).
NULL_ALLOWED = {
    "ProduceBatch": {"keys", "keylens", "timestamps", "hcounts", "hdata", "hlens", "payloads"},
    "ProduceWith": {"hdata", "msgid"},
    "ConsumeBatch": {"topicidx", "partitions", "offsets", "timestamps", "tstypes", "paylens", "keylens", "hcounts",
                     "payloadslen", "keyslen", "hdatalen", "nhlens", "keys", "hdata", "hlens"},
    "ConsumeWith": {"partition", "offset", "timestamp", "tstype", "nheaders"},
    "DeliveryReports": {"partitions", "offsets", "timestamps"},
}


def null_child(lib):
    """Each pointer of the five NULL in turn, on live handles with messages
    waiting (so that outputs have something to hold)."""
    sys.path.insert(0, str(HERE))
    from na import NA, NULL
    from test_bad_handles import parameter_names

    na = NA(lib)
    names = parameter_names()
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    assert na.MockCreateTopic(mock, b"t", 1, 1, 256, 256)[0] == 0
    rc, producer = na.InitKafka(0)
    na.SetKafkaConf(producer, b"bootstrap.servers", address, 256, 256)
    args = {
        "ProduceBatch": [producer, b"t", 1, b"pk", [1], b"k", [1], [0], 1, [0], [1], b"hv", [1, 1], 1, 1, 256, 256],
        "ProduceWith": [producer, b"t", b"p", 1, b"k", 1, -1, 0, 1, b"hv", [1, 1], 0, 256, 256],
        "DeliveryReports": [producer, 1000, 4, 4, 4, 4, 4, 4, 256, 256],
    }
    for name in ("ProduceBatch", "ProduceWith", "DeliveryReports", "ConsumeBatch", "ConsumeWith"):
        p = na[name].pattern
        for i, a in enumerate(p.args):
            if a.direction == "":
                continue
            for _ in range(3):  # messages for the consumers to hold
                na.Produce(producer, b"t", b"payload", 7, b"key", 3, 0, 0, 256, 256)
            na.Flush(producer, 5000, 0)
            consumer = None
            if name.startswith("Consume"):
                rc, consumer = na.InitKafka(0)
                na.SetKafkaConf(consumer, b"bootstrap.servers", address, 256, 256)
                assert na.Assign(consumer, b"t", [0], [-2], 1, 256, 256)[0] == 0
                args["ConsumeBatch"] = [consumer, 3000, 64, 64, 4, 4, 4, 4, 4, 64, 64, 4, 64, 64, 4, 4, 64, 64, 8, 8, 4,
                                        256, 256]
                args["ConsumeWith"] = [consumer, 3000, 64, 64, 64, 64, 64, 64, 0, 0, 0, 0, 0, 64, 64, 8, 8, 256, 256]
            values = list(args[name])
            values[i] = NULL
            print(json.dumps({"call": name, "arg": i}), flush=True)
            result = na[name](*values)
            print(json.dumps({"call": name, "arg": i, "name": names[name][i], "type": str(a), "rc": result[0]}),
                  flush=True)
            if consumer:
                # Read what is left first: closing with fetched messages not
                # handed out aborts (test_close_with_messages_left).
                while na.ConsumeBatch(consumer, 200, *args["ConsumeBatch"][2:])[-3] > 0:
                    pass
                print(json.dumps({"call": "UninitConsumer", "after": name, "arg": i}), flush=True)
                na.UninitConsumer(consumer)
            else:
                na.DeliveryReports(producer, 0, 64, 64, 64, 64, 64, 64, 256, 256)  # drain
    na.UninitProducer(producer)
    na.DestroyMockCluster(mock)
    print(json.dumps({"done": True}), flush=True)


def test_null_pointers(lib_path):
    """A NULL input is KAFKA_ERR_INVALID_ARGUMENT (-301) and a NULL output
    never a success, except where the header allows NULL; a NULL errtxt or
    plen only loses the text. Never a crash."""
    results = run_child("null_child", lib_path)
    assert {r["call"] for r in results} == ISSUE9
    wrong = [
        f"{r['call']} with {r['name']} ({r['type']}) NULL: rc {r['rc']}"
        for r in results
        if r["name"] not in NULL_ALLOWED[r["call"]] and r["name"] not in ("errtxt", "plen")
        and (r["rc"] == 0 if r["type"].startswith((">", "=")) else r["rc"] != -301)
    ]
    assert not wrong, "NULL pointers not refused:\n" + "\n".join(wrong)


def test_sample_batches_and_headers(kafka):
    """Samples/BatchesAndHeaders.aplf, statement by statement through the
    mirror, on a mock cluster of its own as the sample starts one."""
    import apl_source
    from apl_mirror import MockCluster

    sample = (apl_source.BINDING / "Samples" / "BatchesAndHeaders.aplf").read_text(encoding="utf-8")
    # The replay below follows these lines; a changed sample must be replayed anew.
    for line in ("mock.create_topic'readings' 2", "pays←{'reading ',⍕⍵}¨⍳100", "keys←{'sensor-',⍕3|⍵}¨⍳100",
                 "hdrs←1 2⍴'unit' 'celsius'",
                 "(rc ids statuses)←producer.produce_batch'readings'pays keys ¯1 0 hdrs", ":While rc=¯184",
                 "(pays keys)←(⊂statuses≠0)/¨pays keys", "reports⍪←2⊃producer.delivery_reports 100",
                 "consumer.from_beginning'readings'", "(rc table)←consumer.consume_batch 1000",
                 "table⍪←1↓2⊃consumer.consume_batch 1000"):
        assert line in sample, f"BatchesAndHeaders no longer has {line!r}"
    mock = MockCluster(kafka)
    assert mock.create_topic("readings", 2)[0] == 0
    config = [("bootstrap.servers", mock.Bootstrap)]
    producer = Producer(kafka, config)
    pays = [f"reading {i}" for i in range(1, 101)]
    keys = [f"sensor-{i % 3}" for i in range(1, 101)]
    hdrs = Table([["unit", "celsius"]])
    rc, ids, statuses = producer.produce_batch("readings", pays, keys, -1, 0, hdrs)
    while rc == -184:
        producer.update_outstanding()
        pays, keys = ([x for x, s in zip(v, statuses) if s != 0] for v in (pays, keys))
        rc, ids, statuses = producer.produce_batch("readings", pays, keys, -1, 0, hdrs)
    assert rc == 0
    reports = Table()
    for _ in range(20):
        reports += producer.delivery_reports(100)[1]
        if len(reports) >= 100:
            break
    assert len(reports) == 100 and all(r[1] == 0 for r in reports)
    assert sum(r[2] == 0 for r in reports) + sum(r[2] == 1 for r in reports) == 100
    producer.unmake()
    consumer = Consumer(kafka, config)
    consumer.from_beginning("readings")
    rc, table = consumer.consume_batch(1000)
    for _ in range(20):
        if len(table) >= 101:
            break
        table += consumer.consume_batch(1000)[1][1:]
    assert len(table) == 101
    assert sorted(row[1] for row in table[1:]) == sorted(f"reading {i}" for i in range(1, 101))
    assert all(row[6] == hdrs for row in table[1:])
    offsets = [row[4] for row in table[1:] if row[3] == 1]
    assert offsets == list(range(len(offsets)))
    consumer.unmake()
    assert mock.close() == 0


def close_child(lib):
    """A consumer reads one of 30 waiting messages, then is released."""
    sys.path.insert(0, str(HERE))
    from na import NA

    na = NA(lib)
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    assert na.MockCreateTopic(mock, b"t", 1, 1, 256, 256)[0] == 0
    rc, producer = na.InitKafka(0)
    na.SetKafkaConf(producer, b"bootstrap.servers", address, 256, 256)
    for _ in range(30):
        na.Produce(producer, b"t", b"payload", 7, b"key", 3, 0, 0, 256, 256)
    assert na.Flush(producer, 10000, 0)[0] == 0
    rc, consumer = na.InitKafka(0)
    na.SetKafkaConf(consumer, b"bootstrap.servers", address, 256, 256)
    assert na.Assign(consumer, b"t", [0], [-2], 1, 256, 256)[0] == 0
    rc = 1
    while rc == 1:
        rc = na.Consume(consumer, 64, 64, 64, 64, 64, 64, 0, 0, 256, 256)[0]
    assert rc == 0
    print(json.dumps({"call": "UninitConsumer", "rc": na.UninitConsumer(consumer)}), flush=True)
    na.UninitProducer(producer)
    na.DestroyMockCluster(mock)
    print(json.dumps({"done": True}), flush=True)


def test_close_with_messages_left(lib_path):
    """Assign from the beginning, Consume one of 30 messages, UninitConsumer:
    0, with the other 29 simply left for the next reader."""
    results = run_child("close_child", lib_path, timeout=60)
    assert results == [{"call": "UninitConsumer", "rc": 0}]


def skipped_bytes_child(lib):
    """One message with a 3-byte payload and one header ("h", "vv"), read
    with payloads and hdata NULL (bytes not wanted) but their lengths asked
    for."""
    sys.path.insert(0, str(HERE))
    from na import NA, NULL

    na = NA(lib)
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    assert na.MockCreateTopic(mock, b"t", 1, 1, 256, 256)[0] == 0
    rc, producer = na.InitKafka(0)
    na.SetKafkaConf(producer, b"bootstrap.servers", address, 256, 256)
    assert na.ProduceWith(producer, b"t", b"abc", 3, b"k", 1, 0, 0, 1, b"hvv", [1, 2], 0, 256, 256)[0] == 0
    assert na.Flush(producer, 10000, 0)[0] == 0
    rc, consumer = na.InitKafka(0)
    na.SetKafkaConf(consumer, b"bootstrap.servers", address, 256, 256)
    assert na.Assign(consumer, b"t", [0], [-2], 1, 256, 256)[0] == 0
    count = 0
    for _ in range(10):
        r = na.ConsumeBatch(consumer, 1000, 64, 64, 4, 4, 4, 4, 4, NULL, 0, 4, NULL, 0, 4, 4, NULL, 0, 8, 8, 4, 256,
                            256)
        count = r[19]
        if r[0] != 0 or count:
            break
    print(json.dumps({"rc": r[0], "count": count, "paylens": r[10][:count], "hcounts": r[14][:count],
                      "hlens": r[17][:r[18]], "nhlens": r[18]}), flush=True)
    na.UninitConsumer(consumer)
    na.UninitProducer(producer)
    na.DestroyMockCluster(mock)
    print(json.dumps({"done": True}), flush=True)


def test_lengths_given_when_bytes_are_not_wanted(lib_path):
    """payloads and hdata NULL: no bytes, but paylens, hcounts and hlens
    still describe the message, as the header promises."""
    (result,) = run_child("skipped_bytes_child", lib_path, timeout=60)
    assert result["rc"] == 0 and result["count"] == 1
    assert result["paylens"] == [3]
    assert result["hcounts"] == [1] and result["hlens"] == [1, 2] and result["nhlens"] == 2


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is not installed")
def test_kcat_reads_and_writes_the_same(kafka, cluster):
    """An independent client agrees both ways: kcat reads the keys, headers
    and timestamps produce_batch sent, and consume_batch reads the keys and
    headers (a repeated name too) that kcat sent."""
    out_topic, in_topic = cluster.new_topics(1, 1, prefix="apl-kcat")
    producer = new_producer(kafka, cluster)
    stamps = [1_700_000_000_000 + i for i in range(3)]
    rc, ids, statuses = producer.produce_batch(out_topic, ["zero", "one", "два"], ["k0", None, "ключ"], 0, stamps,
                                               [Table([["n", "v0"]]), Table(), Table([["a", "1"], ["b", "2"]])])
    assert rc == 0 and producer.flush(30000) == [0, []]
    assert producer.close() == 0
    read = subprocess.run(["kcat", "-q", "-b", cluster.bootstrap, "-t", out_topic, "-C", "-e", "-o", "beginning",
                           "-f", "%o|%T|%K|%k|%s|%h\\n"], capture_output=True, timeout=60)
    assert read.returncode == 0, read.stderr
    assert read.stdout.decode().splitlines() == [
        "0|1700000000000|2|k0|zero|n=v0", "1|1700000000001|-1||one|", "2|1700000000002|8|ключ|два|a=1,b=2"]

    sent = subprocess.run(["kcat", "-q", "-b", cluster.bootstrap, "-t", in_topic, "-P", "-K", ":", "-H", "h=x",
                           "-H", "h=y", "-H", "bin=é"], input="key1:first\nkey2:second\n".encode(), timeout=60)
    assert sent.returncode == 0
    consumer = reader(kafka, cluster, in_topic)
    rows = read_rows(consumer, 2)
    assert [(row[1], row[2]) for row in rows] == [("first", "key1"), ("second", "key2")]
    assert all(row[6] == Table([["h", "x"], ["h", "y"], ["bin", "é"]]) for row in rows), rows
    assert all(row[5] > 1_700_000_000_000 for row in rows)
    assert consumer.close() == 0
