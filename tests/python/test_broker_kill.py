"""Issue 12: the broker is killed (kill -9) while an idempotent producer
(enable.idempotence, acks=all) is producing through kafka.so, then started
again on the same data. Every message is delivered once: N produced = N
reported delivered = N in the topic (read by kcat), no duplicates, order
kept per partition.

Needs a broker of its own, since it kills it: run by `make test` as
`tests/broker/broker.sh run -- python3 -m pytest -q tests/python/test_broker_kill.py`
(it skips when the broker is not one that `broker.sh run` started with one node)."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import realkafka as rk
from realkafka import TEXT, Client, unique

STATE = os.environ.get("KAFKA_BROKER_DIR")
PIDS = Path(STATE, "pids") if STATE else None
ALONE = os.environ.get("KAFKA_BROKER_KILLABLE") == "1"  # this broker serves no other test
pytestmark = pytest.mark.skipif(not (ALONE and PIDS and len(PIDS.read_text().split()) == 1),
                                reason="needs a one-node broker of its own (KAFKA_BROKER_KILLABLE=1 under broker.sh run)")

N = 20000
KILL_AT = 6250  # between two drains: the kill comes right after a run of produce calls
QUEUE_FULL = -184


def restart(cmdline, cwd, log):
    """Starts the broker JVM again, same command line and data; waits until it serves."""
    proc = subprocess.Popen(cmdline, cwd=cwd, stdin=subprocess.DEVNULL, stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    PIDS.write_text(f"{proc.pid}\n")  # so that broker.sh stops this one
    return proc


def drain(na, h, into):
    """Every report ready now."""
    while True:
        rc, ids, statuses, _, _, _, n, err, m = na.DeliveryReports(h, 0, 4096, 4096, 4096, 4096, 4096, 4096, TEXT,
                                                                   TEXT)
        assert rc == 0, err[:m]
        into.extend(zip(ids[:n], statuses[:n]))
        if n == 0:
            return


def test_idempotent_producer_survives_kill_9_of_the_broker():
    bootstrap = os.environ["KAFKA_BOOTSTRAP"]
    topic = unique("killed")
    subprocess.run([str(rk.REPO / "tests/broker/broker.sh"), "topic", bootstrap, topic, "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = int(PIDS.read_text().split()[0])
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    cwd = os.readlink(f"/proc/{pid}/cwd")
    log = Path(STATE, "node1", "kafka.log")

    na = rk.load()
    p = Client(na, bootstrap, **{"enable.idempotence": "true", "acks": "all", "linger.ms": 5,
                                 "message.timeout.ms": 120000})
    ids, reports, killed_at = [], [], None
    for i in range(N):
        if i == KILL_AT // 2:  # the first half acknowledged, so the kill hits some acked, some in flight
            deadline = time.monotonic() + 30
            while len(reports) < i and time.monotonic() < deadline:
                drain(na, p.h, reports)
                time.sleep(0.01)
        if i == KILL_AT:
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
        if killed_at and time.monotonic() - killed_at > 2 and pid:
            drain(na, p.h, reports)  # what the broker acknowledged before it died has reported by now
            reported_before_restart = len(reports)
            restart(cmdline, cwd, log)  # back after about 2 s of producing into the void
            pid = 0
        value = b"%06d" % i
        while True:
            rc, msgid, err, m = na.Produce(p.h, topic.encode(), value, len(value), value[-1:], 1, -1, 0, TEXT, TEXT)
            if rc != QUEUE_FULL:
                break
            drain(na, p.h, reports)
            time.sleep(0.01)
        assert rc == 0, err[:m]
        ids.append(msgid)
        if i % 500 == 0:
            drain(na, p.h, reports)
    if pid:  # produced faster than 2 s: restart now
        while time.monotonic() - killed_at < 2:
            time.sleep(0.1)
        drain(na, p.h, reports)
        reported_before_restart = len(reports)
        restart(cmdline, cwd, log)
    rc, inflight = na.Flush(p.h, -1, 0)
    assert (rc, inflight) == (0, 0)
    drain(na, p.h, reports)
    assert na.UninitProducer(p.h) == 0
    p.h = 0

    delivered = [i for i, status in reports if status == 0]
    # In flight at the kill: produced before it, reported only once the broker was back.
    before_kill = set(ids[:KILL_AT])
    unreported = sum(1 for i, _ in reports[reported_before_restart:] if i in before_kill)
    assert len(reports) == N and sorted(i for i, _ in reports) == sorted(ids), "one report per message"
    out = subprocess.run(["kcat", "-q", "-b", bootstrap, "-t", topic, "-C", "-e", "-o", "beginning", "-f", "%p %o %s\n"],
                         capture_output=True, text=True, timeout=120, check=True).stdout.split("\n")
    rows = [line.split() for line in out if line]
    values = [int(v) for _, _, v in rows]
    last = {}
    for part, offset, v in rows:  # kcat prints each partition in offset order
        assert int(v) > last.get(part, -1), f"partition {part}: {v} after {last[part]}"
        last[part] = int(v)
    duplicated = len(values) - len(set(values))
    lost = N - len(set(values))
    figures = {"scenario": "real broker killed (kill -9) mid-produce and restarted, idempotent producer, acks=all",
               "produced": N, "delivered": len(delivered), "in_topic": len(values), "lost": lost,
               "duplicated": duplicated, "bad_inputs": 0, "crashes": 0,
               "note": f"{unreported} messages unreported at the kill",
               "command": "KAFKA_BROKER_KILLABLE=1 tests/broker/broker.sh run -- python3 -m pytest -q "
                          "tests/python/test_broker_kill.py"}
    out_dir = Path(os.environ.get("KAFKA_RELIABILITY_DIR") or rk.REPO / "build" / "reliability")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "real-broker-kill-9.json").write_text(json.dumps(figures) + "\n")
    assert (len(delivered), len(values), lost, duplicated) == (N, N, 0, 0), figures
    assert unreported > 0, "the broker died with nothing in flight: the test proved nothing"
