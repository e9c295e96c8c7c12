"""kafkaso as a package: its declarations come from the header and match
Describe's export table, it imports from anywhere with its own kafka.so,
and what it offers beyond confluent-kafka (consume_columns, lag, Ctrl-C)."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import kafkaso
from kafkaso._kafka import ffi, lib
from kafkaso.admin import AdminClient, NewTopic
from realkafka import broker_address

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
from _cdef import exported_names  # noqa: E402


def bootstrap():
    return broker_address()


def test_the_declarations_are_the_header_and_describe_lists_the_same_exports():
    header = exported_names((REPO / "include" / "kafka.h").read_text())
    size = ffi.new("int32_t *", 1 << 16)
    buf = ffi.new("char[]", size[0])
    assert lib.Describe(buf, size) == 0
    described = [p.split("|", 1)[1].split(" ", 1)[0] for p in json.loads(ffi.string(buf))["Patterns"]]
    assert sorted(header) == sorted(described)
    assert all(hasattr(lib, name) for name in header)
    assert lib.KAFKA_ERR_TOO_SMALL == -304 and lib.KAFKA_OFFSET_INVALID == kafkaso.OFFSET_INVALID


def test_it_imports_from_any_directory_with_its_own_library(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_SO", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = str(Path(kafkaso.__file__).parents[1])
    code = ("import kafkaso, kafkaso.admin; p = kafkaso.Producer({'bootstrap.servers': '127.0.0.1:1'}); "
            "print(kafkaso.__file__); print(kafkaso.version()[0]); "
            "print([l.split()[-1] for l in open('/proc/self/maps') if 'libkafka' in l][0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    package = Path(out[0]).parent
    assert out[1] == kafkaso.version()[0]
    assert Path(out[2]).parent == package  # the copy inside the package, not build/ nor /usr/local


def produced_topic(n, partitions=1):
    address = bootstrap()
    topic = f"cols-{uuid.uuid4().hex[:10]}"
    a = AdminClient({"bootstrap.servers": address})
    a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result()
    p = kafkaso.Producer({"bootstrap.servers": address})
    for i in range(n):
        p.produce(topic, None if i == 2 else b"value-%d" % i, key=None if i == 3 else b"k%d" % i, partition=0,
                  timestamp=1_600_000_000_000 + i, headers=[("h", b"%d" % i)] if i % 2 else None)
    assert p.flush(30) == 0
    return address, topic


def test_consume_columns_gives_the_batch_as_columns_and_counts_it_consumed():
    address, topic = produced_topic(50)
    group = f"g-{uuid.uuid4().hex[:8]}"
    c = kafkaso.Consumer({"bootstrap.servers": address, "group.id": group, "auto.offset.reset": "earliest",
                          "enable.auto.commit": False})
    c.subscribe([topic])
    cols, deadline = [], time.time() + 30
    while sum(len(x) for x in cols) < 50 and time.time() < deadline:
        cols.append(c.consume_columns_raw(20, 1.0))
    assert [len(x) for x in cols if len(x)][0] <= 20
    offsets = [o for x in cols for o in x.offset]
    values = [v for x in cols for v in x.values()]
    keys = [k for x in cols for k in x.keys()]
    headers = [h for x in cols for h in x.headers()]
    assert offsets == list(range(50))
    assert values[2] is None and values[5] == b"value-5" and keys[3] is None and keys[4] == b"k4"
    assert headers[0] is None and headers[1] == [("h", b"1")]
    assert [t for x in cols for t in x.timestamp] == [1_600_000_000_000 + i for i in range(50)]
    assert all(x.topic() == [topic] * len(x) for x in cols)
    c.commit(asynchronous=False)
    assert c.committed([kafkaso.TopicPartition(topic, 0)])[0].offset == 50
    # Again without headers: the same columns, headers all None.
    c.seek(kafkaso.TopicPartition(topic, 0, 0))
    bare, deadline = [], time.time() + 30
    while sum(len(x) for x in bare) < 50 and time.time() < deadline:
        bare.append(c.consume_columns_raw(50, 1.0, headers=False))
    assert [v for x in bare for v in x.values()] == values
    assert [h for x in bare for h in x.headers()] == [None] * 50
    row = [r for r in c.lag() if r["topic"] == topic][0]
    assert (row["committed"], row["end"], row["lag"]) == (50, 50, 0)
    c.close()


def test_consume_columns_commits_each_partitions_last_offset():
    address = bootstrap()
    topic = f"cols3-{uuid.uuid4().hex[:10]}"
    a = AdminClient({"bootstrap.servers": address})
    a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result()
    p = kafkaso.Producer({"bootstrap.servers": address})
    for i in range(60):
        p.produce(topic, b"%d" % i, partition=i % 3)
    assert p.flush(30) == 0
    c = kafkaso.Consumer({"bootstrap.servers": address, "group.id": f"g-{uuid.uuid4().hex[:8]}",
                          "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    got, deadline = 0, time.time() + 30
    while got < 45 and time.time() < deadline:
        got += len(c.consume_columns_raw(7, 1.0))
    c.commit(asynchronous=False)
    committed = c.committed([kafkaso.TopicPartition(topic, i) for i in range(3)])
    # What was handed out, partition by partition, is what the group committed.
    assert sum(tp.offset for tp in committed if tp.offset >= 0) == got
    c.close()


def test_consume_columns_is_an_arrow_record_batch_with_pyarrow():
    pa = pytest.importorskip("pyarrow")
    address, topic = produced_topic(10)
    c = kafkaso.Consumer({"bootstrap.servers": address, "group.id": uuid.uuid4().hex, "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    batch, deadline = None, time.time() + 30
    while (batch is None or batch.num_rows == 0) and time.time() < deadline:
        batch = c.consume_columns(10, 1.0)
    c.close()
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema.names == ["key", "value", "topic", "partition", "offset", "timestamp", "headers"]
    assert batch.column("value").to_pylist()[2] is None and batch.column("key").to_pylist()[0] == b"k0"


def test_lag_of_a_group_from_the_admin_client():
    address, topic = produced_topic(10)
    group = f"g-{uuid.uuid4().hex[:8]}"
    c = kafkaso.Consumer({"bootstrap.servers": address, "group.id": group, "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    got, deadline = 0, time.time() + 30
    while got < 4 and time.time() < deadline:
        m = c.poll(0.5)
        got += m is not None
    c.commit(asynchronous=False)
    c.close()
    rows = AdminClient({"bootstrap.servers": address}).lag(group)
    assert [(r["topic"], r["partition"], r["committed"], r["end"], r["lag"]) for r in rows] == [(topic, 0, 4, 10, 6)]


@pytest.mark.parametrize("call", ["consumer.poll", "consumer.consume", "producer.flush"])
def test_ctrl_c_interrupts_a_wait_within_a_fraction_of_a_second(call):
    address = bootstrap()
    if call == "producer.flush":
        client = kafkaso.Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 2000})
        client.produce("nowhere", b"x")
        wait = lambda: client.flush()  # noqa: E731
    else:
        client = kafkaso.Consumer({"bootstrap.servers": address, "group.id": uuid.uuid4().hex})
        client.subscribe([f"empty-{uuid.uuid4().hex[:8]}"])
        wait = (lambda: client.poll()) if call == "consumer.poll" else (lambda: client.consume(10))
    sent = []
    # A job started in the background has SIGINT ignored, and Python then
    # installs no handler: install it, so the test needs no terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: (sent.append(time.monotonic()), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            give_up = time.monotonic() + 10
            while time.monotonic() < give_up:  # an error or event returned early is not the end of the wait
                wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    late = time.monotonic() - sent[0]
    assert late < 0.3, f"{call} took {late:.3f}s to see Ctrl-C"
    if call != "producer.flush":
        client.close()


def test_pip_install_of_the_source_folder_works_as_a_user_runs_it(tmp_path):
    """`pip install ./bindings/python` in a fresh venv (build isolation: pip
    fetches setuptools, wheel and cffi), then an import from elsewhere."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(REPO / "bindings" / "python")], check=True, cwd=tmp_path)
    out = subprocess.run([str(python), "-c", "import kafkaso.admin, kafkaso; print(kafkaso.__file__)"],
                         cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out.startswith(str(tmp_path / "venv"))


def test_a_dropped_producer_is_released_at_once_and_a_closed_one_refuses():
    """produce()'s C fast path must not tie the producer into a cycle: a
    producer dropped without close() is released when its last reference
    goes, as in confluent-kafka, not whenever the cycle collector runs."""
    import gc
    import weakref
    gc.disable()
    try:
        p = kafkaso.Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 1000})
        p.produce("t", b"v", on_delivery=lambda err, msg: None)
        gone = weakref.ref(p)
        del p
        assert gone() is None
    finally:
        gc.enable()
    p = kafkaso.Producer({"bootstrap.servers": "127.0.0.1:1"})
    p.close(0)
    with pytest.raises(RuntimeError):
        p.produce("t", b"v")
