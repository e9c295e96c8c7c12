"""Issue 12 on the three brokers of `tests/broker/broker.sh run3`: the
broker leading partitions of a topic (replication 3, min.insync.replicas=2)
is killed (kill -9) while an idempotent producer (acks=all) writes and a
consumer in a group reads. Nothing is lost, nothing duplicated, order is
kept per partition, and the same consumer reads what was produced after
the kill. The broker is then started again on its data, so that the
failover test that follows finds three brokers (it stops the first).

Runs in `make test`'s three-broker step (tests/run-all.sh)."""

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from kafkaso import Consumer, KafkaException, Producer
from kafkaso.admin import AdminClient, NewTopic
from realkafka import read_to_end

REPO = Path(__file__).resolve().parents[2]
STATE = os.environ.get("KAFKA_BROKER_DIR")
PIDS = Path(STATE, "pids") if STATE else None
pytestmark = pytest.mark.skipif(not (PIDS and PIDS.exists() and len(PIDS.read_text().split()) == 3),
                                reason="needs the three brokers of `broker.sh run3`")

PARTS, BEFORE, AFTER = 3, 1000, 1000  # AFTER: produced once the new leaders serve


def wait_for(what, timeout, check, pause=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(pause)


def brokers():
    """{node id: pid} of the brokers broker.sh started (pids file order)."""
    out = {}
    for pid in PIDS.read_text().split():
        props = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")[-1].decode()
        node = next(line for line in Path(props).read_text().splitlines() if line.startswith("node.id="))
        out[int(node.split("=")[1])] = int(pid)
    return out


def restart(pid):
    """Starts the killed broker's JVM again (same command line and data) and
    puts its new pid in broker.sh's pids file, so that broker.sh stops it."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    cwd = os.readlink(f"/proc/{pid}/cwd")
    log = Path(cmdline[-1].decode()).parent / "kafka.log"

    def again():
        with open(log, "ab") as out:
            proc = subprocess.Popen(cmdline, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        PIDS.write_text(PIDS.read_text().replace(f"{pid}\n", f"{proc.pid}\n"))
    return again


class Reader(threading.Thread):
    """One consumer instance in a group, reading until told to stop."""

    def __init__(self, bootstrap, topic):
        super().__init__(daemon=True)
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-g",
                                  "auto.offset.reset": "earliest"})
        self.consumer.subscribe([topic])
        self.got, self.errors, self.stop = [], [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            for m in self.consumer.consume(500, 0.2):
                if m.error() is None:
                    self.got.append((m.partition(), m.offset(), m.value()))
                else:
                    self.errors.append(str(m.error()))  # transport errors while a leader is gone
        self.consumer.close()

    def values(self):
        return {v for _, _, v in list(self.got)}


def test_leader_killed_while_producing_and_consuming_loses_nothing():
    bootstrap = os.environ["KAFKA_BOOTSTRAP"]
    topic = f"leaderkill-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTS, 3, config={"min.insync.replicas": "2"})])[topic].result()

    def partitions():
        return admin.list_topics(topic, 2).topics[topic].partitions.values()

    wait_for("3 leaders, every ISR complete", 30,
             lambda: len(partitions()) == PARTS and all(len(p.isrs) == 3 and p.leader >= 0 for p in partitions()))
    pids = brokers()
    # The failover test after this one stops the first broker of the pids file: kill another.
    spared = int(PIDS.read_text().split()[0])
    leaders = [p.leader for p in partitions() if pids[p.leader] != spared]
    assert leaders, "every partition is led by the broker the failover test stops"
    victim = max(set(leaders), key=leaders.count)
    led = sorted(p.id for p in partitions() if p.leader == victim)
    start_again = restart(pids[victim])

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 5, "message.timeout.ms": 60000})
    errors, sent = [], []

    def send(phase):
        value = b"%06d-%s" % (len(sent), phase)  # the sequence number first: order is checked on it
        producer.produce(topic, value, partition=len(sent) % PARTS, on_delivery=lambda err, msg: errors.append(err))
        sent.append(value)
        producer.poll(0)

    reader = Reader(bootstrap, topic)
    reader.start()
    killed = restarted = False
    try:
        for i in range(BEFORE):
            send(b"before")
        assert producer.flush(60) == 0
        wait_for("the consumer read the first messages", 60, lambda: len(reader.values()) >= BEFORE)

        for i in range(200):  # some in flight when the leader dies
            send(b"at-kill")
        os.kill(pids[victim], signal.SIGKILL)
        unreported = len(sent) - len(errors)
        killed = True
        killed_at = time.monotonic()
        # Keep producing while the controller notices and elects new leaders.
        during = timeouts = 0

        def led_by_victim():
            nonlocal timeouts
            try:
                return any(p.leader == victim or p.leader < 0 for p in partitions())
            except KafkaException:  # a metadata request can time out while the cluster elects
                timeouts += 1
                return True

        while led_by_victim():
            assert time.monotonic() - killed_at < 45, f"broker {victim} still leads after 45 s"
            for _ in range(20):
                send(b"during")
                during += 1
            time.sleep(0.05)
        elected = time.monotonic() - killed_at
        for i in range(AFTER):
            send(b"after")
            if i % 100 == 99:
                time.sleep(0.02)  # spread over time, as an application writes
        assert producer.flush(60) == 0
        delivered = sum(e is None for e in errors)
        wait_for("the same consumer read every delivered message", 60,
                 lambda: reader.values() >= set(sent), pause=0.5)
    finally:
        reader.stop.set()
        reader.join(30)
        producer.close(30)
        try:
            if killed:
                start_again()
                restarted = True
            # Back in every ISR, so that the next test may stop another broker.
            def whole():
                try:
                    return all(len(p.isrs) == len(p.replicas) for t in admin.list_topics(timeout=5).topics.values()
                               for p in t.partitions.values())
                except KafkaException:  # while the broker starts
                    return False

            wait_for(f"broker {victim} back in every ISR", 90, whole, pause=0.5)
        finally:
            admin.close()

    in_topic, _ = read_to_end(bootstrap, topic, PARTS)  # transport errors while leaders move are expected
    values = [v for _, _, v in in_topic]
    last, disorder = {}, 0
    for part, offset, value in sorted(in_topic):  # offset order per partition
        disorder += int(value[:6]) < last.get(part, -1)  # sent in order per partition
        last[part] = int(value[:6])
    seen = reader.values()
    read_twice = len(reader.got) - len(seen)
    figures = {"scenario": "leader killed (kill -9) on three brokers, replication 3, min.insync.replicas=2, acks=all, "
                           "idempotent producer, a group consumer reading throughout",
               "produced": len(sent), "delivered": delivered, "in_topic": len(values),
               "lost": len(set(sent) - (seen & set(values))),  # missed by the consumer or missing in the topic
               "duplicated": len(values) - len(set(values)), "bad_inputs": 0, "crashes": 0,
               "note": f"broker {victim} led partitions {led}; new leaders after {elected:.1f} s; {during + AFTER} "
                       f"messages produced after the kill and {unreported} unreported at it, all read by the same consumer; "
                       f"it read {read_twice} twice; "
                       f"{timeouts} metadata requests timed out meanwhile",
               "command": "tests/broker/broker.sh run3 -- python3 -m pytest -q tests/python/test_leader_kill.py"}
    out_dir = Path(os.environ.get("KAFKA_RELIABILITY_DIR") or REPO / "build" / "reliability")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "real-leader-kill-9.json").write_text(json.dumps(figures) + "\n")
    assert restarted
    assert delivered == len(sent) and errors.count(None) == len(errors) == len(sent), figures
    assert set(sent) <= seen, f"{len(set(sent) - seen)} delivered messages never reached the consumer"
    assert sorted(values) == sorted(sent), f"in topic: {len(values)}, {len(set(values))} distinct, of {len(sent)}"
    assert disorder == 0, f"{disorder} messages out of order within their partition"
    assert unreported > 0, "nothing was in flight at the kill: the test proved less than it says"
