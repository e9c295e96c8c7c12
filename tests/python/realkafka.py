"""Small helpers for the real-broker tests of issue 8: kafka.so called
through the ⎕NA caller of tests/apl (na.py), so every call is marshalled as
APL marshals it, plus kcat and Kafka's own tools as independent witnesses."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "apl"))
from na import NA, NULL  # noqa: E402,F401

LIB = Path(os.environ.get("KAFKA_SO") or REPO / "build" / "kafka.so").resolve()
JARS = REPO / "tests" / "broker" / ".cache" / "lib"
TOO_SMALL = -304
BIG = 1 << 20  # JSON buffer that fits every answer of these tests
TEXT = 4096  # errtxt capacity


def load():
    return NA(LIB)


def broker_address():
    """$KAFKA_BOOTSTRAP. Without it the test is skipped, or fails where a
    broker must be there (KAFKA_REQUIRE_BROKER=1, as `make test` sets)."""
    address = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
    if not address:
        if os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
            pytest.fail("KAFKA_BOOTSTRAP is not set but KAFKA_REQUIRE_BROKER=1: run `make test`")
        pytest.skip("KAFKA_BOOTSTRAP not set")
    return address


def read_to_end(bootstrap, topic, partitions, isolation="read_uncommitted", timeout=60):
    """Every message of topic up to its end now, as (partition, offset,
    value), through kafkaso, and the errors met meanwhile. The end is the
    high watermark, or for read_committed the last stable offset."""
    from kafkaso import OFFSET_BEGINNING, Consumer, TopicPartition
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("read-back"),
                       "isolation.level": isolation, "enable.auto.commit": False})
    parts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
    ends = [reader.get_watermark_offsets(tp, 10)[1] for tp in parts]
    reader.assign(parts)
    got, errors, deadline = [], [], time.monotonic() + timeout

    def done():
        return all(end == 0 or at.offset >= end for at, end in zip(reader.position(parts), ends))

    try:
        while not done() and time.monotonic() < deadline:
            for m in reader.consume(500, 0.5):
                if m.error() is None:
                    got.append((m.partition(), m.offset(), m.value()))
                else:
                    errors.append(m.error())
        assert done(), f"{topic}: not read to {ends} within {timeout} s"
    finally:
        reader.close()
    return got, errors


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def lines(names):
    return "\n".join(names).encode()


def wait_for(condition, timeout=30, what="condition"):
    """Polls until condition() is truthy; returns its value."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


class Client:
    """One client handle of kafka.so (InitKafka + SetKafkaConf)."""

    def __init__(self, na, bootstrap, **conf):
        self.na = na
        rc, self.h = na.InitKafka(0)
        assert rc == 0
        for key, value in {"bootstrap.servers": bootstrap, **conf}.items():
            rc, err, n = na.SetKafkaConf(self.h, key.encode(), str(value).encode(), TEXT, TEXT)
            assert rc == 0, (key, err[:n])

    def close(self):
        if self.h:
            assert self.na.UninitConsumer(self.h) == 0
            self.h = 0

    # -- JSON answers: (rc, parsed or None, errtxt)
    def json(self, name, *args, size=BIG):
        rc, out, n, err, m = self.na[name](self.h, *args, size, size, TEXT, TEXT)
        return rc, (json.loads(out[:n]) if rc == 0 else None), err[:m].decode()

    def metadata(self, topic=b"", timeout=10000):
        rc, doc, err = self.json("Metadata", topic, timeout)
        assert rc == 0, err
        return doc

    # -- per-item admin calls: (rc, errors, errtxt)
    def create_topics(self, names, partitions, replication, config=b"", validate_only=0, timeout=20000):
        rc, errors, err, m = self.na.CreateTopics(self.h, lines(names), partitions, replication, len(names), config,
                                                  validate_only, timeout, len(names), TEXT, TEXT)
        return rc, errors, err[:m].decode()

    def delete_topics(self, names, timeout=20000):
        rc, errors, err, m = self.na.DeleteTopics(self.h, lines(names), len(names), timeout, len(names), TEXT, TEXT)
        return rc, errors, err[:m].decode()

    def create_partitions(self, names, totals, validate_only=0, timeout=20000):
        rc, errors, err, m = self.na.CreatePartitions(self.h, lines(names), totals, len(names), validate_only, timeout,
                                                      len(names), TEXT, TEXT)
        return rc, errors, err[:m].decode()

    # -- consumer control
    def assign(self, topics, partitions, offsets):
        rc, err, m = self.na.Assign(self.h, lines(topics), partitions, offsets, len(partitions), TEXT, TEXT)
        assert rc == 0, err[:m]

    def vectors(self, name, capacity=64):
        """Assignment or Position as [(topic, partition, offset)], sorted."""
        rc, topics, tl, parts, offs, errs, count, err, m = self.na[name](self.h, 4096, 4096, capacity, capacity,
                                                                         capacity, capacity, TEXT, TEXT)
        assert rc == 0, err[:m]
        names = topics[:tl].decode().split("\n") if count else []
        return sorted(zip(names, parts[:count], offs[:count]))

    def consume(self):
        """One Consume (waits up to 500 ms): (partition, offset, key, value) or None."""
        rc, topic, tl, value, vl, key, kl, part, off, err, m = self.na.Consume(self.h, 256, 256, 65536, 65536, 256,
                                                                                256, 0, 0, TEXT, TEXT)
        if rc == 1:
            return None
        assert rc == 0, (rc, err[:m])
        return part, off, key[:kl], value[:vl]

    def consume_n(self, n, timeout=30):
        got, deadline = [], time.time() + timeout
        while len(got) < n and time.time() < deadline:
            message = self.consume()
            if message:
                got.append(message)
        assert len(got) == n, f"consumed {len(got)} of {n} messages in {timeout}s"
        return got

    def subscribe(self, topic):
        rc, lst = self.na.NewTopicPartitionList(0)
        assert self.na.SetTopicPartitionList(lst, topic.encode(), -1) == 0
        rc, err, m = self.na.SubscribeConsumerTPList(self.h, lst, TEXT, TEXT)
        assert rc == 0, err[:m]


def produce(bootstrap, topic, values, partition=None, timestamps=None):
    """Produces with confluent-kafka (a second, independent client) and
    waits for every delivery."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    failed = []
    for i, value in enumerate(values):
        extra = {} if partition is None else {"partition": partition}
        if timestamps:
            extra["timestamp"] = timestamps[i]
        p.produce(topic, value, key=b"k%d" % i, on_delivery=lambda e, m: e and failed.append(e), **extra)
    assert p.flush(30) == 0 and not failed, failed


def kcat_metadata(bootstrap, topic=None):
    args = ["kcat", "-L", "-J", "-b", bootstrap] + (["-t", topic] if topic else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout)


def kafka_tool(main_class, *args):
    """Runs a class from Kafka's release jars (as broker.sh does: small
    heap, C1 only, warnings to stderr) and returns its stdout."""
    log4j = JARS.parent / "tools-log4j.properties"
    opts = ["-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            "-Djava.net.preferIPv4Stack=true"]
    if log4j.exists():
        opts.append(f"-Dlog4j.configuration=file:{log4j}")
    proc = subprocess.run(["java", *opts, "-cp", f"{JARS}/*", main_class, *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def metadata_view(doc, topics):
    """Library Metadata JSON reduced to what kcat -L -J also shows. Not the
    controller id: a KRaft broker names any live broker there, per request."""
    brokers = sorted((b["id"], f"{b['host']}:{b['port']}") for b in doc["brokers"])
    parts = {t["topic"]: [(p["partition"], p["leader"], p["replicas"], p["isrs"]) for p in t["partitions"]]
             for t in doc["topics"] if t["topic"] in topics}
    return brokers, parts


def kcat_view(doc, topics):
    """kcat -L -J reduced the same way."""
    brokers = sorted((b["id"], b["name"]) for b in doc["brokers"])
    parts = {t["topic"]: sorted((p["partition"], p["leader"], [r["id"] for r in p["replicas"]],
                                 [r["id"] for r in p["isrs"]]) for p in t["partitions"])
             for t in doc["topics"] if t["topic"] in topics}
    return brokers, parts
