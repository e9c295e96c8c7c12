"""The Python binding (bindings/python/kafkaso.py) on the embedded mock
cluster and, when KAFKA_BOOTSTRAP is set, on that broker."""
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
from kafkaso import OFFSET_INVALID, Consumer, KafkaError, MockCluster, Producer, error_text, version  # noqa: E402


@pytest.fixture(scope="module", params=["mock", "broker"])
def bootstrap(request):
    if request.param == "broker":
        address = os.environ.get("KAFKA_BOOTSTRAP")
        if not address:
            if os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
                pytest.fail("KAFKA_BOOTSTRAP is not set but KAFKA_REQUIRE_BROKER=1: run `make test`")
            pytest.skip("KAFKA_BOOTSTRAP not set")
        yield address
    else:
        with MockCluster() as cluster:
            yield cluster.bootstrap


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def consume_all(consumer, count, limit=30):
    got, deadline = [], time.time() + limit
    while len(got) < count and time.time() < deadline:
        message = consumer.consume()
        if message:
            got.append(message)
    return got


def group_config(bootstrap, **extra):
    config = {"bootstrap.servers": bootstrap, "group.id": unique("g"), "auto.offset.reset": "earliest",
              "enable.auto.commit": "false"}
    config.update(extra)
    return config


def test_round_trip_keeps_bytes_keys_and_order(bootstrap):
    topic = unique("py")
    values = [bytes([i, 0, 255 - i]) * (i + 1) for i in range(20)]
    with Producer({"bootstrap.servers": bootstrap}) as producer:
        ids = [producer.produce(topic, v, key=b"k\x00" + bytes([i % 2])) for i, v in enumerate(values)]
        assert len(set(ids)) == 20
        assert producer.flush() == 0
        reports = producer.delivery_reports()
        assert sorted(r[0] for r in reports) == ids  # per-partition order; partitions interleave
        assert all(status == 0 for _, status in reports)
    with Consumer(group_config(bootstrap), [topic]) as consumer:
        got = consume_all(consumer, 20)
    assert len(got) == 20
    for parity in (0, 1):
        sent = [v for i, v in enumerate(values) if i % 2 == parity]
        assert [m.value for m in got if m.key == b"k\x00" + bytes([parity])] == sent


def test_large_message_grows_the_buffers(bootstrap):
    topic = unique("big")
    value = os.urandom(300_000)
    with Producer({"bootstrap.servers": bootstrap}) as producer:
        producer.produce(topic, value, key=b"x" * 1000)
    with Consumer(group_config(bootstrap), [topic]) as consumer:
        (message,) = consume_all(consumer, 1)
    assert message.value == value and message.key == b"x" * 1000


def test_commit_and_committed(bootstrap):
    topic = unique("commit")
    with Producer({"bootstrap.servers": bootstrap}) as producer:
        for i in range(6):
            producer.produce(topic, b"v%d" % i, partition=0)
    with Consumer(group_config(bootstrap), [topic]) as consumer:
        assert consumer.committed(topic, 0) == OFFSET_INVALID
        assert len(consume_all(consumer, 4)) == 4
        consumer.commit()
        assert consumer.committed(topic, 0) == 4
        consumer.commit([(topic, 0, 2)])
        assert consumer.committed(topic, 0) == 2


def test_errors_raise_with_code_and_text(bootstrap):
    with pytest.raises(KafkaError) as unknown:
        Producer({"bootstrap.servers": bootstrap, "no.such.property": "1"})
    assert unknown.value.code == -2 and "no.such.property" in unknown.value.text
    with pytest.raises(KafkaError) as no_group:
        Consumer({"bootstrap.servers": bootstrap}, ["t"])
    assert "group.id" in no_group.value.text
    assert "queue full" in error_text(-184).lower()
    assert version().count(".") == 2


def test_close_is_idempotent_and_reports_loss():
    producer = Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "1000"})
    producer.produce("nowhere", b"x")
    with pytest.raises(KafkaError) as lost:
        producer.close()
    assert lost.value.code == -192
    producer.close()
