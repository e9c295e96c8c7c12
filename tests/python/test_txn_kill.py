"""Issue 12: a consume-transform-produce process (kafkaso, read_committed
consumer, transactional producer, offsets sent in each transaction) is
killed with SIGKILL mid-run, then started again with the same
transactional.id and group: a read_committed reader sees every input
exactly once, and the group's offsets end at the input's end.

Runs under `make test` (tests/suite.sh sets KAFKA_BOOTSTRAP)."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from kafkaso import Consumer, Producer, TopicPartition
from kafkaso.admin import AdminClient, NewTopic
from realkafka import read_to_end

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SITE = REPO / "build" / "python" / "site"
N, PARTS, PER_TXN = 2000, 3, 50

if not BOOTSTRAP and os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
    raise RuntimeError("KAFKA_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP is not set: run under tests/broker/broker.sh run")
pytestmark = pytest.mark.skipif(not BOOTSTRAP, reason="needs a real broker (KAFKA_BOOTSTRAP)")


def transform_child(bootstrap, group, txn_id, source, sink, pace):
    """Runs in a child: copies source to sink as b"out-" + value, PER_TXN
    messages per transaction with the consumed offsets in it, until the
    group's committed offsets reach the source's end; prints each commit."""
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
    # Before consuming: fences a killed predecessor and aborts its open
    # transaction, so the offsets read next are the last committed ones.
    producer.init_transactions(30)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "session.timeout.ms": 6000})  # the killed member's place is freed within 6 s
    consumer.subscribe([source])
    parts = [TopicPartition(source, p) for p in range(PARTS)]
    ends = [consumer.get_watermark_offsets(tp, 10)[1] for tp in parts]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        batch = consumer.consume(PER_TXN, 1.0)
        for m in batch:
            assert m.error() is None, m.error()
        if not batch:
            if [tp.offset for tp in consumer.committed(parts, 10)] == ends:
                break
            continue
        producer.begin_transaction()
        nxt = {}
        for m in batch:
            producer.produce(sink, b"out-" + m.value(), key=m.key(), partition=m.partition())
            nxt[m.partition()] = m.offset() + 1
        if pace:
            assert producer.flush(30) == 0  # this transaction's copies are in the log, not yet committed
            print("open", flush=True)
            time.sleep(pace)  # the work: when the parent's kill lands
        producer.send_offsets_to_transaction([TopicPartition(source, p, o) for p, o in nxt.items()],
                                             consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        print("committed", len(batch), flush=True)
    else:
        raise SystemExit("the source was not all copied within 90 s")
    consumer.close()
    producer.close(30)
    print("done", flush=True)


def start_child(group, txn_id, source, sink, pace):
    code = (f"import sys; sys.path[:0] = [{str(SITE)!r}, {str(HERE)!r}]; import test_txn_kill as t; "
            f"t.transform_child({BOOTSTRAP!r}, {group!r}, {txn_id!r}, {source!r}, {sink!r}, {pace!r})")
    # SIGKILL is what the test sends; SIGINT gets its default back even when
    # the suite runs in the background, where it is ignored.
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=HERE, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    watchdog = threading.Timer(120, proc.kill)  # a hung child must not hang the suite
    watchdog.daemon = True
    watchdog.start()
    return proc, watchdog


def read_all(topic, isolation):
    """Every message of topic up to its end now; no error may come."""
    got, errors = read_to_end(BOOTSTRAP, topic, PARTS, isolation, timeout=30)
    assert errors == [], errors
    return got


def committed_count(topic):
    """Messages in topic that a read_committed reader sees now."""
    return len(read_all(topic, "read_committed"))


def test_consume_transform_produce_is_exactly_once_across_sigkill():
    run = uuid.uuid4().hex[:8]
    source, sink, group, txn_id = f"eos-in-{run}", f"eos-out-{run}", f"eos-g-{run}", f"eos-txn-{run}"
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for name, future in admin.create_topics([NewTopic(t, PARTS, 1) for t in (source, sink)]).items():
        future.result()
    admin.close()
    values = [b"%05d" % i for i in range(N)]
    with Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True}) as producer:
        for v in values:
            producer.produce(source, v, key=v)
        assert producer.flush(60) == 0

    # First run: killed once some transactions are committed, inside the
    # next open one (its copies written, not committed).
    first, watchdog = start_child(group, txn_id, source, sink, 0.1)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in first.stdout], daemon=True).start()
    try:
        before_kill, deadline = 0, time.monotonic() + 60
        while before_kill == 0 and first.poll() is None and time.monotonic() < deadline:
            before_kill = committed_count(sink)
        while not lines.empty():  # only an "open" said from now on counts
            lines.get()
        while first.poll() is None and lines.get(timeout=30) != "open\n":
            pass
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        watchdog.cancel()
        first.kill()
    assert first.returncode == -signal.SIGKILL, (first.returncode, first.stderr.read()[-3000:])
    at_kill = committed_count(sink)
    assert 0 < at_kill < N, f"the kill did not land mid-run: {at_kill} of {N} committed"

    # Second run, same transactional.id and group: finishes the copy.
    second, watchdog = start_child(group, txn_id, source, sink, 0)
    try:
        out, err = second.communicate(timeout=110)
    finally:
        watchdog.cancel()
        second.kill()
    assert second.returncode == 0, err[-3000:]
    assert out.endswith("done\n")

    got = read_all(sink, "read_committed")
    copies = sorted(v for _, _, v in got)
    distinct = set(copies)
    expected = {b"out-" + v for v in values}
    # The killed run's open transaction left aborted records in the log: read_committed must hide them.
    aborted = len(read_all(sink, "read_uncommitted")) - len(got)
    check = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group, "enable.auto.commit": False})
    try:
        parts = [TopicPartition(source, p) for p in range(PARTS)]
        ends = [check.get_watermark_offsets(tp, 10)[1] for tp in parts]
        check.assign(parts)
        offsets = [tp.offset for tp in check.committed(parts, 10)]
    finally:
        check.close()
    figures = {"scenario": "consume-transform-produce process killed (kill -9) mid-run and restarted with the same "
                           "transactional.id and group, read_committed, transactions of 50",
               "produced": N, "delivered": len(copies), "in_topic": len(distinct & expected),
               "lost": len(expected - distinct), "duplicated": len(copies) - len(distinct), "bad_inputs": 0,
               "crashes": 0,
               "note": f"{at_kill} copies committed at the kill, {aborted} aborted copies hidden, "
                       f"group offsets {'=' if offsets == ends else '!='} input ends",
               "command": "tests/broker/broker.sh run -- python3 -m pytest -q tests/python/test_txn_kill.py"}
    out_dir = Path(os.environ.get("KAFKA_RELIABILITY_DIR") or REPO / "build" / "reliability")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "txn-consumer-kill-9.json").write_text(json.dumps(figures) + "\n")
    assert aborted > 0, "the kill left no open transaction: read_committed was not put to the test"
    assert distinct == expected, f"{len(expected - distinct)} lost, {len(distinct - expected)} unexpected"
    assert len(copies) == N, f"{len(copies) - N} duplicated"
    assert offsets == ends and sum(ends) == N, (offsets, ends)
