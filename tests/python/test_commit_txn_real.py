"""Issue 10 on a real broker: asynchronous commits with their reports,
explicit and stored offsets, kept messages and auto-commit, transactions
(aborted, committed, fenced), events instead of stderr, error names, and
bad input on every new export. kafka.so is called as APL's ⎕NA calls it
(na.py); outcomes are checked against the broker, Kafka's
ConsumerGroupCommand and confluent-kafka.

Runs under `make test` (tests/suite.sh sets KAFKA_BOOTSTRAP)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import realkafka as rk
from realkafka import NULL, TEXT, Client, unique, wait_for
from test_admin_real import consumer_groups_tool, create, group_consumer

BAD_HANDLE, INVALID, NO_OFFSET, ALL_BROKERS_DOWN = -300, -301, -168, -187
TXN_FATAL, TXN_RETRIABLE, TXN_ABORTABLE = 1, 2, 4
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
HERE = Path(__file__).resolve().parent
V = 64  # entries of every output vector

if not BOOTSTRAP and os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
    raise RuntimeError("KAFKA_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP is not set: run under tests/broker/broker.sh run")
pytestmark = pytest.mark.skipif(not BOOTSTRAP, reason="needs a real broker (KAFKA_BOOTSTRAP)")


@pytest.fixture(scope="module")
def na():
    return rk.load()


@pytest.fixture(scope="module")
def admin(na):
    client = Client(na, BOOTSTRAP)
    yield client
    client.close()


def lines(names):
    return "\n".join(names).encode()


def entries(topics, tl, parts, offs, errs, n):
    names = topics[:tl].decode().split("\n") if n else []
    return sorted(zip(names, parts[:n], offs[:n], errs[:n]))


def commit_reports(na, h, n, timeout=30):
    """CommitReport until n entries came: [(topic, partition, offset, status)]."""
    got = []

    def more():
        rc, topics, tl, parts, offs, errs, count = na.CommitReport(h, 4096, 4096, V, V, V, V)
        assert rc == 0
        got.extend(entries(topics, tl, parts, offs, errs, count))
        return len(got) >= n

    wait_for(more, timeout, f"{n} commit reports (got {got})")
    return sorted(got)


def committed_offsets(na, h, topic=None, partitions=()):
    """CommittedOffsets of the partitions given, or of the assignment."""
    count = len(partitions)
    rc, topics, tl, parts, offs, errs, n, err, m = na.CommittedOffsets(
        h, lines([topic] * count) if count else b"", list(partitions) or [0], count, 10000, 4096, 4096, V, V, V, V,
        TEXT, TEXT)
    assert rc == 0, err[:m]
    return [(t, p, o) for t, p, o, e in entries(topics, tl, parts, offs, errs, n)]


def offsets_call(na, name, h, topic, partitions, offsets):
    """CommitAsync, CommitOffsets or StoreOffsets: (rc, errtxt)."""
    rc, err, m = na[name](h, lines([topic] * len(partitions)), partitions, offsets, len(partitions), TEXT, TEXT)
    return rc, err[:m].decode()


def tool_offsets(group):
    """CURRENT-OFFSET per partition, as kafka-consumer-groups shows it."""
    return {p: int(row["CURRENT-OFFSET"]) if row["CURRENT-OFFSET"] != "-" else None
            for (t, p), row in consumer_groups_tool(group).items()}


def fill(topic, partitions, per_partition, prefix=b"m"):
    for p in range(partitions):
        rk.produce(BOOTSTRAP, topic, [b"%s%d-%d" % (prefix, p, i) for i in range(per_partition)], partition=p)


# ------------------------------------------------------------ commits ----


def test_async_commit_reports_one_entry_per_partition(na, admin):
    topic, group = unique("async"), unique("asyncg")
    create(admin, topic, 3)
    fill(topic, 3, 5)
    consumer = group_consumer(na, group, "async", topic)
    try:
        consumer.consume_n(15)
        assert offsets_call(na, "CommitAsync", consumer.h, topic, [], []) == (0, "")
        reports = commit_reports(na, consumer.h, 3)
        assert reports == [(topic, p, 5, 0) for p in range(3)]
        # each outcome is served once; nothing more is in flight, so no wait
        started = time.monotonic()
        assert na.CommitReport(consumer.h, 4096, 4096, V, V, V, V)[6] == 0
        assert time.monotonic() - started < 0.4
        assert committed_offsets(na, consumer.h) == [(topic, p, 5) for p in range(3)]
        rc, lst = na.NewTopicPartitionList(0)
        na.SetTopicPartitionList(lst, topic.encode(), 2)
        assert na.Committed(consumer.h, lst, 0) == [0, 5]  # Dyalog's call agrees

        # nothing consumed since: every partition says so, asynchronously too
        assert offsets_call(na, "CommitAsync", consumer.h, topic, [], []) == (0, "")
        assert {r[3] for r in commit_reports(na, consumer.h, 1)} == {NO_OFFSET}
    finally:
        consumer.close()
    assert tool_offsets(group) == {0: 5, 1: 5, 2: 5}


def test_explicit_offsets_move_the_group_exactly_there(na, admin):
    topic, group = unique("explicit"), unique("explicitg")
    create(admin, topic, 3)
    fill(topic, 3, 6)
    consumer = group_consumer(na, group, "explicit", topic)
    try:
        consumer.consume_n(18)
        # backwards and forwards, synchronously
        assert offsets_call(na, "CommitOffsets", consumer.h, topic, [0, 1, 2], [1, 6, 0]) == (0, "")
        assert committed_offsets(na, consumer.h, topic, [0, 1, 2]) == [(topic, 0, 1), (topic, 1, 6), (topic, 2, 0)]
        # asynchronously, two partitions only: the third stays where it was
        assert offsets_call(na, "CommitAsync", consumer.h, topic, [0, 2], [4, 3]) == (0, "")
        assert commit_reports(na, consumer.h, 2) == [(topic, 0, 4, 0), (topic, 2, 3, 0)]
        assert committed_offsets(na, consumer.h) == [(topic, 0, 4), (topic, 1, 6), (topic, 2, 3)]
    finally:
        consumer.close()
    assert tool_offsets(group) == {0: 4, 1: 6, 2: 3}
    # the next member starts exactly there
    again = group_consumer(na, group, "explicit2", topic)
    try:
        got = again.consume_n(2 + 0 + 3)
        assert sorted((p, o) for p, o, k, v in got) == [(0, 4), (0, 5), (2, 3), (2, 4), (2, 5)]
    finally:
        again.close()


def half_batch_child(group, topic):
    """Runs in a child: consumes all 10 messages of topic, processes
    (stores) only the first 5, waits until auto-commit has committed them,
    says so, and waits to be killed."""
    na = rk.load()
    consumer = group_consumer(na, group, "half", topic, **{
        "enable.auto.commit": "true", "enable.auto.offset.store": "false", "auto.commit.interval.ms": "100",
        "session.timeout.ms": "6000"})
    got = consumer.consume_n(10)
    assert [o for p, o, k, v in got] == list(range(10))
    for p, o, k, v in got[:5]:
        assert offsets_call(na, "StoreOffsets", consumer.h, topic, [p], [o + 1]) == (0, "")
    wait_for(lambda: committed_offsets(na, consumer.h, topic, [0]) == [(topic, 0, 5)], what="5 committed")
    print("stored 5 of 10", flush=True)
    time.sleep(600)  # killed long before


def test_stored_offsets_resume_after_sigkill_at_first_unstored(na, admin):
    topic, group = unique("store"), unique("storeg")
    create(admin, topic, 1)
    fill(topic, 1, 10)
    child = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_commit_txn_real as t; "
                               f"t.half_batch_child({group!r}, {topic!r})"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        line = child.stdout.readline()
        assert line == "stored 5 of 10\n", (line, child.stderr.read() if child.poll() is not None else "")
        # commits run every 100 ms: give them time to (wrongly) commit all 10
        probe = Client(na, BOOTSTRAP, **{"group.id": group, "enable.auto.commit": "false"})
        probe.assign([topic], [0], [-1001])  # a consumer outside the group's membership
        try:
            deadline = time.monotonic() + 1
            while time.monotonic() < deadline:
                assert committed_offsets(na, probe.h, topic, [0]) == [(topic, 0, 5)]
        finally:
            probe.close()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    again = group_consumer(na, group, "resumed", topic)
    try:
        got = again.consume_n(5, timeout=60)  # the dead member's session ends first
        assert [(o, v) for p, o, k, v in got] == [(i, b"m0-%d" % i) for i in range(5, 10)]
    finally:
        again.close()


def kept_child(group, topic):
    """Runs in a child (closing once aborted the process): the first member
    of the group takes the first message, is refused the second (too big:
    status 2, kept), and closes with auto-commit on. Prints what it saw."""
    na = rk.load()
    consumer = Client(na, BOOTSTRAP, **{"group.id": group, "auto.offset.reset": "earliest",
                                        "enable.auto.commit": "true", "auto.commit.interval.ms": "100"})
    consumer.subscribe(topic)

    def consume(capacity):
        rc, t, tl, value, vl, key, kl, part, off, err, m = na.Consume(consumer.h, 256, 256, capacity, capacity, 256,
                                                                        256, 0, 0, TEXT, TEXT)
        return None if rc == 1 else [rc, off, value[:vl].decode()] if rc == 0 else [rc, vl]

    seen = {"first": wait_for(lambda: consume(100), 30, "the first message"),
            "kept": wait_for(lambda: consume(100), 30, "the big message")}
    # auto-commit runs meanwhile: it may commit 1 (after "small"), never 2
    seen["committed"], deadline = set(), time.monotonic() + 1
    while time.monotonic() < deadline:
        seen["committed"] |= {o for t, p, o in committed_offsets(na, consumer.h, topic, [0])}
    seen["committed"] = sorted(seen["committed"])
    print(json.dumps(seen), flush=True)
    print(json.dumps({"uninit": na.UninitConsumer(consumer.h)}), flush=True)


def test_kept_message_is_where_the_next_member_starts(na, admin):
    """Consume status 2 keeps a message that did not fit: it was never
    handed out, so closing with auto-commit must not commit past it."""
    topic, group = unique("kept"), unique("keptg")
    create(admin, topic, 1)
    rk.produce(BOOTSTRAP, topic, [b"small", b"x" * 5000, b"after"])
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_commit_txn_real as t; "
                               f"t.kept_child({group!r}, {topic!r})"],
        capture_output=True, text=True, timeout=120, cwd=HERE, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen, closed = out
    assert seen["first"] == [0, 0, "small"]
    assert seen["kept"] == [2, 5000]  # status 2 and the size needed
    assert set(seen["committed"]) <= {-1001, 1}, seen
    assert closed == {"uninit": 0}
    assert tool_offsets(group) == {0: 1}
    again = group_consumer(na, group, "next", topic)
    try:
        rc, t, tl, value, vl, key, kl, part, off, err, m = wait_for(
            lambda: (lambda r: r if r[0] != 1 else None)(
                na.Consume(again.h, 256, 256, 8192, 8192, 256, 256, 0, 0, TEXT, TEXT)), 30, "the kept message")
        assert (rc, off, value[:vl]) == (0, 1, b"x" * 5000)
    finally:
        again.close()


# ------------------------------------------------------- transactions ----


def txn(na, name, h, *args):
    """A transaction call: (rc, flags, errtxt)."""
    rc, flags, err, m = na[name](h, *args, 0, TEXT, TEXT)
    return rc, flags, err[:m].decode()


def read_all(na, topic, partitions, isolation):
    """Every message of topic, read from the beginning until each partition
    reports its end (for read_committed: the last stable offset)."""
    reader = Client(na, BOOTSTRAP, **{"isolation.level": isolation, "enable.partition.eof": "true"})
    reader.assign([topic] * partitions, list(range(partitions)), [-2] * partitions)
    got, ended = [], 0  # EOFs: each partition reports its end once (no partition is given with it)
    deadline = time.monotonic() + 60
    try:
        while ended < partitions:
            assert time.monotonic() < deadline, f"{topic}: {ended} ends only"
            rc, t, tl, value, vl, key, kl, part, off, err, m = na.Consume(reader.h, 256, 256, 4096, 4096, 256, 256,
                                                                            0, 0, TEXT, TEXT)
            if rc == 0:
                got.append(value[:vl])
            elif rc == -191:  # partition EOF
                ended += 1
            else:
                assert rc == 1, (rc, err[:m])
    finally:
        reader.close()
    return sorted(got)


def test_aborted_invisible_committed_visible_once_with_offsets(na, admin):
    src, out, group = unique("txsrc"), unique("txout"), unique("txg")
    create(admin, src, 2)
    create(admin, out, 2)
    fill(src, 2, 5)
    consumer = group_consumer(na, group, "tx", src)
    producer = Client(na, BOOTSTRAP, **{"transactional.id": unique("txid")})
    try:
        got = consumer.consume_n(10)
        assert txn(na, "InitTransactions", producer.h, 30000) == (0, 0, "")
        # aborted: 4 messages, and the consumer's positions sent with them
        assert txn(na, "BeginTransaction", producer.h) == (0, 0, "")
        for i in range(4):
            assert na.Produce(producer.h, out.encode(), b"aborted-%d" % i, 9, b"k", 1, i % 2, 0, TEXT, TEXT)[0] == 0
        assert txn(na, "SendOffsetsToTransaction", producer.h, consumer.h, b"", [0], [0], 0, 30000) == (0, 0, "")
        assert txn(na, "AbortTransaction", producer.h, 30000) == (0, 0, "")
        assert committed_offsets(na, consumer.h, src, [0, 1]) == [(src, 0, -1001), (src, 1, -1001)]
        # committed: one output per input, offsets given explicitly
        assert txn(na, "BeginTransaction", producer.h) == (0, 0, "")
        for p, o, k, v in got:
            up = v.upper()
            assert na.Produce(producer.h, out.encode(), up, len(up), k, len(k), -1, 0, TEXT, TEXT)[0] == 0
        assert txn(na, "SendOffsetsToTransaction", producer.h, consumer.h, lines([src, src]), [0, 1], [5, 4], 2,
                   30000) == (0, 0, "")
        assert txn(na, "CommitTransaction", producer.h, 30000) == (0, 0, "")
        # every report is ready: the committed 10 delivered (the aborted 4
        # report 0 if they reached the log before the abort, else -152)
        ids, statuses, n = na.DeliveryReport(producer.h, 64, 64, 64)[1:]
        assert n == 14 and statuses[4:n] == [0] * 10, statuses[:n]
        assert committed_offsets(na, consumer.h) == [(src, 0, 5), (src, 1, 4)]
    finally:
        assert na.UninitProducer(producer.h) == 0
        consumer.close()
    committed_values = sorted(b"M%d-%d" % (p, i) for p in range(2) for i in range(5))
    assert read_all(na, out, 2, "read_committed") == committed_values
    # read_uncommitted sees the committed ones and those aborted ones that
    # reached the log before the abort (all, usually; none on a slow machine)
    uncommitted = read_all(na, out, 2, "read_uncommitted")
    aborted = {b"aborted-%d" % i for i in range(4)}
    assert set(committed_values) <= set(uncommitted) and set(uncommitted) - set(committed_values) <= aborted
    assert len(uncommitted) == len(set(uncommitted)), uncommitted
    assert tool_offsets(group) == {0: 5, 1: 4}


def test_fenced_producer_gets_a_fatal_error(na, admin):
    topic, txid = unique("fence"), unique("fenceid")
    create(admin, topic, 1)
    old = Client(na, BOOTSTRAP, **{"transactional.id": txid})
    new = Client(na, BOOTSTRAP, **{"transactional.id": txid})
    try:
        assert txn(na, "InitTransactions", old.h, 30000)[0] == 0
        assert txn(na, "BeginTransaction", old.h)[0] == 0
        assert na.Produce(old.h, topic.encode(), b"old", 3, b"", 0, 0, 0, TEXT, TEXT)[0] == 0
        assert na.Flush(old.h, 10000, 0)[0] == 0
        assert na.FatalError(old.h, TEXT, TEXT)[0] == 0
        assert txn(na, "InitTransactions", new.h, 30000) == (0, 0, "")  # fences old
        # the old one learns on its next produce or commit
        assert na.Produce(old.h, topic.encode(), b"old2", 4, b"", 0, 0, 0, TEXT, TEXT)[0] in (0, -150)
        rc, flags, text = txn(na, "CommitTransaction", old.h, 30000)
        fatal, ftext, m = na.FatalError(old.h, TEXT, TEXT)
        assert rc != 0 and text, (rc, flags, text)
        assert flags & TXN_FATAL and fatal != 0 and ftext[:m], (rc, flags, text, fatal)
        assert fatal in (-144, 47, 90), fatal  # _FENCED, INVALID_PRODUCER_EPOCH, PRODUCER_FENCED
        # the new one works
        assert txn(na, "BeginTransaction", new.h)[0] == 0
        assert na.Produce(new.h, topic.encode(), b"new", 3, b"", 0, 0, 0, TEXT, TEXT)[0] == 0
        assert txn(na, "CommitTransaction", new.h, 30000) == (0, 0, "")
    finally:
        na.DeliveryReport(old.h, 64, 64, 64)
        na.UninitProducer(old.h)
        na.DeliveryReport(new.h, 64, 64, 64)
        assert na.UninitProducer(new.h) == 0
    assert read_all(na, topic, 1, "read_committed") == [b"new"]


# ------------------------------------------------------------- events ----


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_child(port, to_stderr):
    """Runs in a child: a producer whose broker is not there; polls Events
    until a log line, the all-brokers-down error and statistics came, then
    prints what it found as JSON."""
    na = rk.load()
    conf = {"message.timeout.ms": "3000", "statistics.interval.ms": "300"}
    if to_stderr:
        conf["events.stderr"] = "true"
    producer = Client(na, f"127.0.0.1:{port}", **conf)
    assert na.Produce(producer.h, b"nowhere", b"x", 1, b"", 0, -1, 0, TEXT, TEXT)[0] == 0
    seen = {"logs": [], "errors": [], "stats": []}

    def complete():
        rc, kinds, levels, codes, texts, tl, lens, n, dropped, err, m = na.Events(
            producer.h, 200, V, V, V, 1 << 20, 1 << 20, V, V, 0, TEXT, TEXT)
        assert rc == 0, err[:m]
        at = 0
        for i in range(n):
            text = texts[at:at + lens[i]].decode()
            at += lens[i]
            key = {1: "logs", 2: "errors", 3: "stats"}[kinds[i]]
            seen[key].append([levels[i], codes[i], text])
        return seen["logs"] and ALL_BROKERS_DOWN in [c for _, c, _ in seen["errors"]] and seen["stats"]

    wait_for(complete, 30, "a log line, error -187 and statistics")
    # its report (timed out) is collected, so closing has nothing to say
    reports = wait_for(lambda: na.DeliveryReportWait(producer.h, 1, 1, 1, 1000)[3], 30, "the report")
    assert reports == 1
    assert na.UninitProducer(producer.h) == 0
    print(json.dumps(seen), flush=True)


def run_unreachable(to_stderr):
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_commit_txn_real as t; "
                               f"t.unreachable_child({free_port()}, {to_stderr})"],
        capture_output=True, text=True, timeout=120, cwd=HERE, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1]), proc.stderr


def test_unreachable_broker_writes_nothing_to_stderr_and_tells_events(na):
    seen, stderr = run_unreachable(False)
    assert stderr == ""
    assert any("Connect to" in text and level <= 4 for level, code, text in seen["logs"]), seen["logs"]
    down = [e for e in seen["errors"] if e[1] == ALL_BROKERS_DOWN]
    assert down and all(level == 3 for level, _, _ in down) and "brokers are down" in down[0][2]
    stats = json.loads(seen["stats"][0][2])
    assert stats["type"] == "producer" and stats["msg_cnt"] >= 0
    # the opt-in: the same log lines on stderr
    seen, stderr = run_unreachable(True)
    assert "Connect to" in stderr and seen["logs"]


def test_error_names_agree_with_confluent_kafka(na):
    from confluent_kafka import KafkaError

    rc, doc, size, err, m = na.ErrorCodes(1 << 20, 1 << 20, TEXT, TEXT)
    assert rc == 0, err[:m]
    table = {c["code"]: c for c in json.loads(doc[:size])["codes"]}
    sample = [-199, -195, -191, -187, -185, -184, -172, -168, -152, -150, -144, 0, 1, 3, 6, 15, 25, 27, 47, 48,
              51, 53, 79, 90]
    for code in sample:
        name = KafkaError(code).name()
        rc, got, n = na.ErrorName(code, 256, 256)
        assert (rc, got[:n].decode()) == (0, name), code
        assert table[code]["name"] == name and table[code]["description"] == KafkaError(code).str(), code
    ours = {c: e["name"] for c, e in table.items() if c <= -300}
    assert ours[-300] == "KAFKA_ERR_BAD_HANDLE" and ours[-301] == "KAFKA_ERR_INVALID_ARGUMENT"
    assert na.ErrorName(-12345, 256, 256)[0] == INVALID


# ---------------------------------------------------------- bad input ----


def test_every_new_export_refuses_bad_input(na, admin):
    topic = unique("bad10")
    create(admin, topic, 1)
    t = topic.encode()
    # One valid call per export after its handle(s); then which arguments
    # (indexes after the handle) are required pointers, counts, timeouts.
    calls = {
        "CommitAsync": ([t, [0], [1], 1, TEXT, TEXT], [0, 1, 2], [3], []),
        "CommitOffsets": ([t, [0], [1], 1, TEXT, TEXT], [0, 1, 2], [3], []),
        "StoreOffsets": ([t, [0], [1], 1, TEXT, TEXT], [0, 1, 2], [3], []),
        "CommittedOffsets": ([t, [0], 1, 10000, 4096, 4096, V, V, V, V, TEXT, TEXT], [0, 1, 4, 5, 6, 7, 8, 9], [2],
                             [3]),
        "CommitReport": ([4096, 4096, V, V, V, V], [0, 1, 2, 3, 4, 5], [], []),
        # flags is optional (src/ffi/transactions.rs says so; the header does not)
        "InitTransactions": ([10000, 0, TEXT, TEXT], [], [], [0]),
        "BeginTransaction": ([0, TEXT, TEXT], [], [], []),
        "CommitTransaction": ([10000, 0, TEXT, TEXT], [], [], [0]),
        "AbortTransaction": ([10000, 0, TEXT, TEXT], [], [], [0]),
        "SendOffsetsToTransaction": (["CONSUMER", t, [0], [1], 1, 10000, 0, TEXT, TEXT], [1, 2], [4], [5]),
        "FatalError": ([TEXT, TEXT], [], [], []),
        "Events": ([0, V, V, V, 4096, 4096, V, V, 0, TEXT, TEXT], [1, 2, 3, 4, 5, 6, 7], [], [0]),
    }
    rc, stale = na.InitKafka(0)
    assert na.UninitConsumer(stale) == 0
    rc, tplist = na.NewTopicPartitionList(0)
    consumer = Client(na, BOOTSTRAP, **{"group.id": unique("badg")})
    consumer.assign([topic], [0], [-2])
    producer = Client(na, BOOTSTRAP)
    problems = []

    def outcome(name, values):
        result = na[name](*values)
        text = b"" if name == "CommitReport" else result[-2][: result[-1]]
        return result[0], text

    try:
        for name, (args, pointers, counts, timeouts) in calls.items():
            own = producer.h if "Transaction" in name else consumer.h
            args = [consumer.h if a == "CONSUMER" else a for a in args]
            cases = [(f"handle {label}", [bad] + args, BAD_HANDLE)
                     for label, bad in (("NULL", 0), ("stale", stale), ("of a list", tplist))]
            if name == "SendOffsetsToTransaction":
                cases += [(f"consumer {label}", [own, bad] + args[1:], BAD_HANDLE)
                          for label, bad in (("NULL", 0), ("stale", stale), ("of a list", tplist))]
            for i in pointers:
                cases.append((f"NULL argument {i + 2}", [own] + args[:i] + [NULL] + args[i + 1:], INVALID))
            for i in counts + timeouts:
                cases.append((f"argument {i + 2} = -1", [own] + args[:i] + [-1] + args[i + 1:], INVALID))
            for label, values, want in cases:
                rc, text = outcome(name, values)
                if rc != want or (not text and name != "CommitReport"):
                    problems.append(f"{name} with {label}: {rc} {text!r} (expected {want} and a text)")
        # Events' dropped is optional; ErrorName and ErrorCodes take no handle
        assert na.Events(producer.h, 0, V, V, V, 4096, 4096, V, V, NULL, TEXT, TEXT)[0] == 0
        for values in ([-184, NULL, 256], [-184, 256, NULL]):
            if na.ErrorName(*values)[0] != INVALID:
                problems.append(f"ErrorName{values}: not refused")
        for i in (0, 1):
            values = [4096, 4096, TEXT, TEXT]
            values[i] = NULL
            if na.ErrorCodes(*values)[0] not in (INVALID, rk.TOO_SMALL):
                problems.append(f"ErrorCodes with argument {i + 1} NULL: not refused")
    finally:
        consumer.close()
        na.UninitProducer(producer.h)
        na.DelTopicPartitionList(tplist)
    assert not problems, "\n".join(problems)


def test_send_offsets_refuses_null_offsets(na, admin):
    topic = unique("badsend")
    create(admin, topic, 1)
    consumer = Client(na, BOOTSTRAP, **{"group.id": unique("badsendg")})
    consumer.assign([topic], [0], [-2])
    producer = Client(na, BOOTSTRAP, **{"transactional.id": unique("badsendid")})
    try:
        assert txn(na, "InitTransactions", producer.h, 30000)[0] == 0
        assert txn(na, "BeginTransaction", producer.h)[0] == 0
        rc, flags, text = txn(na, "SendOffsetsToTransaction", producer.h, consumer.h, topic.encode(), [0], NULL, 1,
                              10000)
        txn(na, "AbortTransaction", producer.h, 30000)
        assert rc == INVALID and text, (rc, flags, text)
    finally:
        consumer.close()
        na.UninitProducer(producer.h)
