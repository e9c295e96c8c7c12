"""Interop between kafkaso and confluent-kafka on the real broker: messages,
keys, headers and timestamps written by either are read back identically
by the other, and a consumer group handed from one to the other resumes
exactly where the first left off."""
import importlib
import time
import uuid

import pytest
from realkafka import broker_address

MODULES = ["confluent_kafka", "kafkaso"]


@pytest.mark.parametrize("writer", MODULES)
@pytest.mark.parametrize("first_reader", MODULES)
def test_written_by_one_read_by_the_other_in_one_group(writer, first_reader):
    bootstrap = broker_address()
    w = importlib.import_module(writer)
    readers = [importlib.import_module(first_reader), importlib.import_module(MODULES[1 - MODULES.index(first_reader)])]
    topic = f"interop-{uuid.uuid4().hex[:10]}"
    admin = importlib.import_module(writer + ".admin")
    a = admin.AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the future is done
    a.create_topics([admin.NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    sent = []
    for i in range(20):
        key = None if i == 3 else b"" if i == 4 else bytes([i, 0, 255])
        value = None if i == 5 else b"" if i == 6 else bytes(range(i, i + 40)) + b"\x00"
        headers = [("bin", bytes([0, i, 255])), ("nil", None), ("bin", b"again")] if i % 2 else None
        sent.append((key, value, headers, 1_650_000_000_000 + 7 * i))
    p = w.Producer({"bootstrap.servers": bootstrap})
    for key, value, headers, ts in sent:
        p.produce(topic, value, key, partition=0, timestamp=ts, headers=headers)
    assert p.flush(30) == 0
    group = f"interop-{uuid.uuid4().hex[:10]}"
    got = []
    for reader, count in zip(readers, (8, 12)):
        c = reader.Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                             "enable.auto.commit": False})
        c.subscribe([topic])
        mine, deadline = [], time.time() + 30
        while len(mine) < count and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None:
                assert m.error() is None, m.error()
                mine.append(m)
        c.commit(asynchronous=False)
        c.close()
        got += mine
    assert [m.offset() for m in got] == list(range(20))
    assert [(m.key(), m.value(), m.headers(), m.timestamp()) for m in got] == \
        [(k, v, h, (1, ts)) for k, v, h, ts in sent]
