"""confluent-kafka's API over kafka.so: change one import line.

    from kafkaso import Producer, Consumer, KafkaException
    from kafkaso.admin import AdminClient, NewTopic

The package carries its own kafka.so beside the compiled cffi extension
that calls it, so it imports from any directory with no environment variable.
Beyond confluent-kafka: Consumer.consume_columns() (a batch as columns, a
pyarrow.RecordBatch when pyarrow is installed) and lag(group)."""
from __future__ import annotations

from typing import Tuple

from ._core import (OFFSET_BEGINNING, OFFSET_END, OFFSET_INVALID, OFFSET_STORED, TIMESTAMP_CREATE_TIME,
                    TIMESTAMP_LOG_APPEND_TIME, TIMESTAMP_NOT_AVAILABLE, KafkaError, KafkaException, TopicPartition)
from ._consumer import Columns, Consumer, ConsumerGroupMetadata
from ._kafka import ffi, lib
from ._message import Message
from ._producer import Producer

__all__ = ["Producer", "Consumer", "Message", "TopicPartition", "KafkaError", "KafkaException", "Columns",
           "ConsumerGroupMetadata", "MockCluster", "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_INVALID", "OFFSET_STORED",
           "TIMESTAMP_CREATE_TIME", "TIMESTAMP_LOG_APPEND_TIME", "TIMESTAMP_NOT_AVAILABLE", "version", "libversion",
           "admin", "ConsumerGroupState", "ConsumerGroupTopicPartitions", "Node"]


def version() -> Tuple[str, int]:
    """This library's version (kafka.so's) as a string and 0x00MMmmpp."""
    buf = ffi.new("char[]", 64)
    n = lib.LibraryVersion(buf, 64)
    return ffi.string(buf).decode(), n


def libversion() -> Tuple[str, int]:
    """librdkafka's version as a string and its hex number."""
    buf = ffi.new("char[]", 64)
    n = lib.Version(buf, 64)
    return ffi.string(buf).decode(), n


class MockCluster:
    """librdkafka's in-process mock cluster (not in confluent-kafka): a
    broker for tests and demos; its address is .bootstrap."""

    def __init__(self, brokers: int = 1):
        h, buf, n = ffi.new("void **"), ffi.new("char[]", 512), ffi.new("int32_t *", 512)
        rc = lib.NewMockCluster(brokers, h, buf, n)
        if rc:
            raise KafkaException(KafkaError(rc, ffi.unpack(buf, n[0]).decode()))
        self._h, self.bootstrap = h[0], ffi.unpack(buf, n[0]).decode()

    def create_topic(self, topic: str, partitions: int = 1, replication: int = 1) -> None:
        buf, n = ffi.new("char[]", 512), ffi.new("int32_t *", 512)
        rc = lib.MockCreateTopic(self._h, topic.encode(), partitions, replication, buf, n)
        if rc:
            raise KafkaException(KafkaError(rc, ffi.unpack(buf, n[0]).decode()))

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            lib.DestroyMockCluster(h)

    def __enter__(self) -> "MockCluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__version__ = version()[0]

from . import admin  # noqa: E402
from .admin import ConsumerGroupState, ConsumerGroupTopicPartitions, Node  # noqa: E402,F401
