"""Failover on a three-broker cluster (tests/broker/broker.sh run3): a
broker stops while messages are produced with acks=all, and none is lost.
Runs only where the test command started the three brokers itself."""
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from kafkaso import Consumer, Producer

REPO = Path(__file__).resolve().parents[2]

STATE = os.environ.get("KAFKA_BROKER_DIR")
PIDS = Path(STATE, "pids").read_text().split() if STATE and Path(STATE, "pids").exists() else []
pytestmark = pytest.mark.skipif(len(PIDS) != 3, reason="needs the three brokers of `broker.sh run3`")


def produce(producer, topic, values):
    """The delivery errors (None: delivered), one per message."""
    errors = []
    for value in values:
        producer.produce(topic, value, key=value[-1:], on_delivery=lambda err, msg: errors.append(err))
    assert producer.flush(60) == 0
    return errors


def test_messages_survive_a_broker_stopping():
    bootstrap = os.environ["KAFKA_BOOTSTRAP"]
    topic = f"failover-{uuid.uuid4().hex[:10]}"
    subprocess.run([str(REPO / "tests/broker/broker.sh"), "topic", bootstrap, topic, "3", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = [b"before-%03d" % i for i in range(100)]
    after = [b"after-%03d" % i for i in range(100)]
    with Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": "60000"}) as producer:
        assert produce(producer, topic, before) == [None] * 100
        # Stop one broker (it leads some partitions); the others take over.
        os.kill(int(PIDS[0]), signal.SIGTERM)
        errors = produce(producer, topic, after)
        assert errors == [None] * 100, errors[:5]
    config = {"bootstrap.servers": bootstrap, "group.id": topic, "auto.offset.reset": "earliest"}
    with Consumer(config) as consumer:
        consumer.subscribe([topic])
        got, deadline = set(), time.time() + 60
        while len(got) < 200 and time.time() < deadline:
            message = consumer.poll(0.5)
            if message and not message.error():
                got.add(message.value())
    assert got == set(before) | set(after)
