"""Message, as confluent-kafka's: a consumed or produced message, or an error.

A Message is a list of its fields (topic, partition, offset, key, value,
headers, timestamp type, timestamp, error) so that a batch of them is
built by one C-level map over zipped columns, with no Python code run per
message; the methods read the fields by position."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from ._core import TIMESTAMP_NOT_AVAILABLE, KafkaError

Headers = Optional[List[Tuple[str, Optional[bytes]]]]
_NO_TIMESTAMP = (TIMESTAMP_NOT_AVAILABLE, -1)


class Message(list):
    """Read with methods, as in confluent-kafka: topic(), partition(),
    offset(), key(), value(), headers(), timestamp(), error(), len()."""

    __slots__ = ()

    def __init__(self, topic: Optional[str] = None, partition: Optional[int] = None, offset: Optional[int] = None,
                 key: Any = None, value: Any = None, headers: Headers = None, error: Optional[KafkaError] = None,
                 timestamp: Optional[Tuple[int, int]] = None, latency: Optional[float] = None, leader_epoch: Any = None):
        tstype, ts = timestamp or _NO_TIMESTAMP
        super().__init__((topic, partition, offset, key, value, headers, tstype, ts, error))

    def topic(self) -> Optional[str]:
        return self[0]

    def partition(self) -> Optional[int]:
        return self[1]

    def offset(self) -> Optional[int]:
        return self[2]

    def key(self) -> Any:
        return self[3]

    def value(self) -> Any:
        return self[4]

    def headers(self) -> Headers:
        return self[5]

    def timestamp(self) -> Tuple[int, int]:
        """(type, ms since the epoch): TIMESTAMP_NOT_AVAILABLE, _CREATE_TIME or _LOG_APPEND_TIME."""
        return (self[6], self[7])

    def error(self) -> Optional[KafkaError]:
        return self[8]

    def latency(self) -> Optional[float]:
        return None

    def leader_epoch(self) -> Optional[int]:
        return None

    def set_headers(self, headers: Headers) -> None:
        self[5] = headers

    def set_key(self, key: Any) -> None:
        self[3] = key

    def set_value(self, value: Any) -> None:
        self[4] = value

    def set_error(self, error: Optional[KafkaError]) -> None:
        self[8] = error

    def __len__(self) -> int:
        value = self[4]
        return len(value) if value is not None else 0

    def __bool__(self) -> bool:
        return True

    # Identity, as confluent-kafka's messages compare, not the list's contents.
    __eq__ = object.__eq__  # type: ignore[assignment]
    __ne__ = object.__ne__  # type: ignore[assignment]
    __hash__ = object.__hash__  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self[8] is not None:
            return f"Message(error={self[8]!r})"
        return f"Message({self[0]}[{self[1]}]@{self[2]} key={self[3]!r} value={self[4]!r})"


class _Consumed(Message):
    """Messages made from a batch: the list's own constructor, run in C."""

    __slots__ = ()
    __init__ = list.__init__  # type: ignore[assignment]


_Consumed.__name__ = _Consumed.__qualname__ = "Message"
