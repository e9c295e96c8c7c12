"""The Python package kafkaso (bindings/python) on the embedded mock
cluster and, when KAFKA_BOOTSTRAP is set, on that broker: the checks the
old ctypes module had, through the confluent-kafka API it now offers."""
import os
import time
import uuid

import pytest
from kafkaso import OFFSET_INVALID, Consumer, KafkaError, KafkaException, MockCluster, Producer, TopicPartition, version
from realkafka import broker_address


@pytest.fixture(scope="module", params=["mock", "broker"])
def bootstrap(request):
    if request.param == "broker":
        yield broker_address()
    else:
        with MockCluster() as cluster:
            yield cluster.bootstrap


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def consume_all(consumer, count, limit=30):
    got, deadline = [], time.time() + limit
    while len(got) < count and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            got.append(message)
    return got


def subscribed(bootstrap, topic, **extra):
    config = {"bootstrap.servers": bootstrap, "group.id": unique("g"), "auto.offset.reset": "earliest",
              "enable.auto.commit": "false"}
    config.update(extra)
    consumer = Consumer(config)
    consumer.subscribe([topic])
    return consumer


def test_round_trip_keeps_bytes_keys_and_order(bootstrap):
    topic = unique("py")
    values = [bytes([i, 0, 255 - i]) * (i + 1) for i in range(20)]
    reports = []
    producer = Producer({"bootstrap.servers": bootstrap})
    for i, v in enumerate(values):
        producer.produce(topic, v, key=b"k\x00" + bytes([i % 2]), on_delivery=lambda e, m: reports.append((e, m)))
    assert producer.flush(30) == 0
    assert len(reports) == 20 and all(e is None for e, _ in reports)
    assert sorted(m.value() for _, m in reports) == sorted(values)
    consumer = subscribed(bootstrap, topic)
    got = consume_all(consumer, 20)
    consumer.close()
    assert len(got) == 20
    for parity in (0, 1):
        sent = [v for i, v in enumerate(values) if i % 2 == parity]
        assert [m.value() for m in got if m.key() == b"k\x00" + bytes([parity])] == sent


def test_large_message_grows_the_buffers(bootstrap):
    topic = unique("big")
    # Bigger than the consumer's first key buffer (64 KiB); within the broker's 1 MB limit.
    value = os.urandom(800_000)
    errors = []
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, value, key=b"x" * 100_000, on_delivery=lambda e, m: errors.append(e))
    assert producer.flush(30) == 0 and errors == [None]
    consumer = subscribed(bootstrap, topic)
    (message,) = consume_all(consumer, 1)
    consumer.close()
    assert message.value() == value and message.key() == b"x" * 100_000


def test_commit_and_committed(bootstrap):
    topic = unique("commit")
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(6):
        producer.produce(topic, b"v%d" % i, partition=0)
    producer.flush(30)
    consumer = subscribed(bootstrap, topic)
    tp = TopicPartition(topic, 0)
    got = consume_all(consumer, 4)
    assert len(got) == 4
    assert consumer.committed([tp])[0].offset == OFFSET_INVALID
    consumer.commit(asynchronous=False)
    assert consumer.committed([tp])[0].offset == 4
    consumer.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    assert consumer.committed([tp])[0].offset == 2
    consumer.close()


def test_errors_raise_with_code_and_text(bootstrap):
    with pytest.raises(KafkaException) as unknown:
        Producer({"bootstrap.servers": bootstrap, "no.such.property": "1"})
    assert unknown.value.args[0].code() == -2 and "no.such.property" in unknown.value.args[0].str()
    consumer = Consumer({"bootstrap.servers": bootstrap})
    with pytest.raises(KafkaException) as no_group:
        consumer.subscribe(["t"])
    assert "group.id" in no_group.value.args[0].str()
    assert "queue full" in KafkaError(-184).str().lower()
    assert KafkaError(-184).name() == "_QUEUE_FULL" and KafkaError._QUEUE_FULL == -184
    assert version()[0].count(".") == 2


def test_a_lost_message_is_reported_and_close_is_idempotent():
    errors = []
    producer = Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "1000"})
    producer.produce("nowhere", b"x", on_delivery=lambda e, m: errors.append(e))
    assert producer.flush(10) == 0
    assert [e.code() for e in errors] == [KafkaError._MSG_TIMED_OUT]
    assert producer.close() is True
    assert producer.close() is True
    with pytest.raises(RuntimeError):
        producer.produce("nowhere", b"y")
