"""Python binding for kafka.so, through ctypes.

    from kafkaso import Producer, Consumer, MockCluster

    with MockCluster() as cluster:                 # or a real bootstrap address
        with Producer({"bootstrap.servers": cluster.bootstrap}) as p:
            p.produce("animals", b"tiger", key=b"cats")
            p.flush()                              # reports kept for delivery_reports()
            print(p.delivery_reports())            # [(msgid, 0)]
        with Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "g",
                       "auto.offset.reset": "earliest"}, ["animals"]) as c:
            print(c.consume())                     # Message(topic=..., value=b'tiger', ...)

Errors raise KafkaError(code, text). The library is found at $KAFKA_SO, or
build/kafka.so next to this repository's bindings/ folder.
"""
from __future__ import annotations

import ctypes as C
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

_TEXT = 512
KAFKA_CONSUME_NO_MESSAGE = 1
KAFKA_CONSUME_BUFFER_TOO_SMALL = 2
OFFSET_INVALID = -1001


class KafkaError(Exception):
    """A non-zero status from kafka.so, with its text."""

    def __init__(self, code: int, text: str):
        super().__init__(f"{text} ({code})")
        self.code = code
        self.text = text


def _load(path: Optional[str] = None) -> C.CDLL:
    default = Path(__file__).resolve().parents[2] / "build" / "kafka.so"
    lib = C.CDLL(path or os.environ.get("KAFKA_SO") or str(default))
    P, PP, S, I, IP = C.c_void_p, C.POINTER(C.c_void_p), C.c_char_p, C.c_int, C.POINTER(C.c_int)
    U32, U32P, I32P, I64P, U64P = C.c_uint32, C.POINTER(C.c_uint32), C.POINTER(C.c_int32), C.POINTER(C.c_int64), C.POINTER(C.c_uint64)
    signatures = {
        "Version": [S, I],
        "InitKafka": [PP],
        "SetKafkaConf": [P, S, S, S, IP],
        "Produce": [P, S, S, U32, S, U32, C.c_int32, U64P, S, IP],
        "DeliveryReport": [P, U64P, IP, IP],
        "DeliveryReportWait": [P, U64P, IP, IP, C.c_int32],
        "DRMessageError": [IP, S, IP],
        "Flush": [P, C.c_int32, I32P],
        "UninitProducer": [P],
        "NewTopicPartitionList": [PP],
        "SetTopicPartitionList": [P, S, C.c_int32],
        "SetOffset": [P, S, C.c_int32, C.c_int64],
        "SubscribeConsumerTPList": [P, P, S, IP],
        "Consume": [P, S, U32P, S, U32P, S, U32P, I32P, I64P, S, IP],
        "Commit": [P, P],
        "DelTopicPartitionList": [P],
        "Committed": [P, P, I64P],
        "UninitConsumer": [P],
        "NewMockCluster": [C.c_int32, PP, S, I32P],
        "MockCreateTopic": [P, S, C.c_int32, C.c_int32, S, I32P],
        "DestroyMockCluster": [P],
    }
    for name, args in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, C.c_int
    return lib


_lib: Optional[C.CDLL] = None


def lib() -> C.CDLL:
    """The loaded library (loaded on first use)."""
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def error_text(code: int) -> str:
    buf, n = C.create_string_buffer(_TEXT), C.c_int(_TEXT)
    lib().DRMessageError(C.byref(C.c_int(code)), buf, C.byref(n))
    return buf.raw[: n.value].decode(errors="replace")


def version() -> str:
    buf = C.create_string_buffer(64)
    lib().Version(buf, 64)
    return buf.value.decode()


def _call_with_text(fn, *args) -> None:
    """Calls fn(*args, errtxt, plen) and raises on a non-zero status."""
    buf, n = C.create_string_buffer(_TEXT), C.c_int(_TEXT)
    rc = fn(*args, buf, C.byref(n))
    if rc != 0:
        raise KafkaError(rc, buf.raw[: n.value].decode(errors="replace"))


def _check(rc: int) -> None:
    if rc != 0:
        raise KafkaError(rc, error_text(rc))


def _b(s) -> Optional[bytes]:
    return s.encode() if isinstance(s, str) else s


def _topic_list(entries: Iterable[tuple]) -> C.c_void_p:
    handle = C.c_void_p()
    _check(lib().NewTopicPartitionList(C.byref(handle)))
    for entry in entries:
        topic, partition = entry[0], entry[1]
        _check(lib().SetTopicPartitionList(handle, _b(topic), partition))
        if len(entry) > 2:
            _check(lib().SetOffset(handle, _b(topic), partition, entry[2]))
    return handle


class _Client:
    def __init__(self, config: Mapping[str, str]):
        self._h = C.c_void_p()
        _check(lib().InitKafka(C.byref(self._h)))
        for key, value in config.items():
            _call_with_text(lib().SetKafkaConf, self._h, _b(key), _b(str(value)))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Producer(_Client):
    """A producer. Delivery reports are pulled with delivery_reports()."""

    def produce(self, topic: str, value: Optional[bytes], key: Optional[bytes] = None, partition: int = -1) -> int:
        """Enqueues one message; returns its id (reported by delivery_reports)."""
        value, key = _b(value), _b(key)
        msgid = C.c_uint64()
        _call_with_text(
            lib().Produce, self._h, _b(topic), value, len(value or b""), key, len(key or b""), partition, C.byref(msgid)
        )
        return msgid.value

    def delivery_reports(self, max_reports: int = 1000, timeout_ms: int = 0) -> list[tuple[int, int]]:
        """(msgid, status) pairs, oldest first; status 0 means delivered.
        Waits up to timeout_ms for the first one when none is ready."""
        ids, errs, n = (C.c_uint64 * max_reports)(), (C.c_int * max_reports)(), C.c_int(max_reports)
        _check(lib().DeliveryReportWait(self._h, ids, errs, C.byref(n), timeout_ms))
        return list(zip(ids[: n.value], errs[: n.value]))

    def flush(self, timeout_ms: int = 30000) -> int:
        """Waits until every message has its report; returns how many are still in flight."""
        left = C.c_int32()
        lib().Flush(self._h, timeout_ms, C.byref(left))
        return left.value

    def close(self) -> None:
        """Waits for delivery, then releases the producer; raises if messages were lost."""
        if self._h:
            handle, self._h = self._h, C.c_void_p()
            _check(lib().UninitProducer(handle))


@dataclass
class Message:
    topic: str
    value: bytes
    key: bytes
    partition: int
    offset: int


class Consumer(_Client):
    """A group consumer subscribed to `topics`."""

    def __init__(self, config: Mapping[str, str], topics: Iterable[str]):
        super().__init__(config)
        _call_with_text(lib().SubscribeConsumerTPList, self._h, _topic_list((t, 0) for t in topics))
        self._sizes = [256, 64 * 1024, 256]

    def consume(self) -> Optional[Message]:
        """The next message, or None when none arrived within 500 ms."""
        while True:
            bufs = [C.create_string_buffer(n) for n in self._sizes]
            lens = [C.c_uint32(n) for n in self._sizes]
            partition, offset = C.c_int32(), C.c_int64()
            err, n = C.create_string_buffer(_TEXT), C.c_int(_TEXT)
            rc = lib().Consume(
                self._h, bufs[0], C.byref(lens[0]), bufs[1], C.byref(lens[1]), bufs[2], C.byref(lens[2]),
                C.byref(partition), C.byref(offset), err, C.byref(n),
            )
            if rc == 0:
                topic, value, key = (b.raw[: l.value] for b, l in zip(bufs, lens))
                return Message(topic.decode(), value, key, partition.value, offset.value)
            if rc == KAFKA_CONSUME_NO_MESSAGE:
                return None
            if rc == KAFKA_CONSUME_BUFFER_TOO_SMALL:
                # The message is kept by the library: grow and ask again.
                self._sizes = [max(s, l.value) for s, l in zip(self._sizes, lens)]
                continue
            raise KafkaError(rc, err.raw[: n.value].decode(errors="replace"))

    def commit(self, offsets: Optional[Iterable[tuple[str, int, int]]] = None) -> None:
        """Commits consumed positions, or explicit (topic, partition, next offset) triples."""
        if offsets is None:
            _check(lib().Commit(self._h, None))
            return
        handle = _topic_list(offsets)
        try:
            _check(lib().Commit(self._h, handle))
        finally:
            lib().DelTopicPartitionList(handle)  # Commit leaves the list with us

    def committed(self, topic: str, partition: int) -> int:
        """The group's committed offset (next to read), or OFFSET_INVALID."""
        offset = C.c_int64()
        _check(lib().Committed(self._h, _topic_list([(topic, partition)]), C.byref(offset)))
        return offset.value

    def close(self) -> None:
        if self._h:
            handle, self._h = self._h, C.c_void_p()
            _check(lib().UninitConsumer(handle))


class MockCluster:
    """librdkafka's in-process mock cluster: a broker for tests and demos."""

    def __init__(self, brokers: int = 1):
        self._h = C.c_void_p()
        buf, n = C.create_string_buffer(_TEXT), C.c_int32(_TEXT)
        rc = lib().NewMockCluster(brokers, C.byref(self._h), buf, C.byref(n))
        text = buf.raw[: n.value].decode()
        if rc != 0:
            raise KafkaError(rc, text)
        self.bootstrap = text

    def create_topic(self, topic: str, partitions: int = 1, replication: int = 1) -> None:
        buf, n = C.create_string_buffer(_TEXT), C.c_int32(_TEXT)
        rc = lib().MockCreateTopic(self._h, _b(topic), partitions, replication, buf, C.byref(n))
        if rc != 0:
            raise KafkaError(rc, buf.raw[: n.value].decode())

    def close(self) -> None:
        if self._h:
            handle, self._h = self._h, C.c_void_p()
            _check(lib().DestroyMockCluster(handle))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
