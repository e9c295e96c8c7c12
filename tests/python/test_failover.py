"""Failover on a three-broker cluster (tests/broker/broker.sh run3): a
broker stops while messages are produced with acks=all, and none is lost.
Runs only where the test command started the three brokers itself."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
from kafkaso import Consumer, Producer  # noqa: E402

STATE = os.environ.get("KAFKA_BROKER_DIR")
PIDS = Path(STATE, "pids").read_text().split() if STATE and Path(STATE, "pids").exists() else []
pytestmark = pytest.mark.skipif(len(PIDS) != 3, reason="needs the three brokers of `broker.sh run3`")


def produce(producer, topic, values):
    for value in values:
        producer.produce(topic, value, key=value[-1:])
    assert producer.flush(60000) == 0
    return producer.delivery_reports(len(values) + 10)


def test_messages_survive_a_broker_stopping():
    bootstrap = os.environ["KAFKA_BOOTSTRAP"]
    topic = f"failover-{uuid.uuid4().hex[:10]}"
    subprocess.run([str(REPO / "tests/broker/broker.sh"), "topic", bootstrap, topic, "3", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = [b"before-%03d" % i for i in range(100)]
    after = [b"after-%03d" % i for i in range(100)]
    with Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": "60000"}) as producer:
        assert all(status == 0 for _, status in produce(producer, topic, before))
        # Stop one broker (it leads some partitions); the others take over.
        os.kill(int(PIDS[0]), signal.SIGTERM)
        reports = produce(producer, topic, after)
        assert len(reports) == 100 and all(status == 0 for _, status in reports), reports[:5]
    config = {"bootstrap.servers": bootstrap, "group.id": topic, "auto.offset.reset": "earliest"}
    with Consumer(config, [topic]) as consumer:
        got, deadline = set(), time.time() + 60
        while len(got) < 200 and time.time() < deadline:
            message = consumer.consume()
            if message:
                got.add(message.value)
    assert got == set(before) | set(after)
