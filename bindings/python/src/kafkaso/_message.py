"""Message, as confluent-kafka's: a consumed or produced message, or an error."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from ._core import TIMESTAMP_NOT_AVAILABLE, KafkaError

Headers = Optional[List[Tuple[str, Optional[bytes]]]]


class Message:
    """Read with methods, as in confluent-kafka: topic(), partition(),
    offset(), key(), value(), headers(), timestamp(), error(), len()."""

    __slots__ = ("_topic", "_partition", "_offset", "_key", "_value", "_headers", "_tstype", "_ts", "_error",
                 "_latency")

    def __init__(self, topic: Optional[str] = None, partition: Optional[int] = None, offset: Optional[int] = None,
                 key: Any = None, value: Any = None, headers: Headers = None, error: Optional[KafkaError] = None,
                 timestamp: Optional[Tuple[int, int]] = None, latency: Optional[float] = None, leader_epoch: Any = None):
        self._topic, self._partition, self._offset = topic, partition, offset
        self._key, self._value, self._headers, self._error = key, value, headers, error
        self._tstype, self._ts = timestamp if timestamp else (TIMESTAMP_NOT_AVAILABLE, -1)
        self._latency = latency

    def topic(self) -> Optional[str]:
        return self._topic

    def partition(self) -> Optional[int]:
        return self._partition

    def offset(self) -> Optional[int]:
        return self._offset

    def key(self) -> Any:
        return self._key

    def value(self) -> Any:
        return self._value

    def headers(self) -> Headers:
        return self._headers

    def timestamp(self) -> Tuple[int, int]:
        """(type, ms since the epoch): TIMESTAMP_NOT_AVAILABLE, _CREATE_TIME or _LOG_APPEND_TIME."""
        return (self._tstype, self._ts)

    def error(self) -> Optional[KafkaError]:
        return self._error

    def latency(self) -> Optional[float]:
        return self._latency

    def leader_epoch(self) -> Optional[int]:
        return None

    def set_headers(self, headers: Headers) -> None:
        self._headers = headers

    def set_key(self, key: Any) -> None:
        self._key = key

    def set_value(self, value: Any) -> None:
        self._value = value

    def set_error(self, error: Optional[KafkaError]) -> None:
        self._error = error

    def __len__(self) -> int:
        return len(self._value) if self._value is not None else 0

    def __repr__(self) -> str:
        if self._error is not None:
            return f"Message(error={self._error!r})"
        return f"Message({self._topic}[{self._partition}]@{self._offset} key={self._key!r} value={self._value!r})"
