"""Producer, as confluent-kafka's, over ProduceWith, ProduceBatch and the
pulled DeliveryReports: delivery callbacks run inside poll() and flush(),
on the caller's thread, never on librdkafka's."""
from __future__ import annotations

import functools
import time
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._core import (SLICE_MS, TEXT, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Client, KafkaError,
                    KafkaException, Text, TopicPartition, b, call, headers_in, raise_for, timeout_ms, vectors)
from ._kafka import ffi, lib
from ._message import Message
from ._messages import Sender

DeliveryCallback = Callable[[Optional[KafkaError], Message], None]
_REPORTS = 4096
_NULL = ffi.NULL


def _remaining(deadline: Optional[float]) -> int:
    """ms left until deadline (None: forever), cut to one slice."""
    if deadline is None:
        return SLICE_MS
    return max(0, min(SLICE_MS, int((deadline - time.monotonic()) * 1000)))


class Producer(Client):
    """Producer(conf) or Producer(**conf), as confluent-kafka's."""

    def __init__(self, conf: Optional[Dict[str, Any]] = None, **kwargs: Any):
        super().__init__(conf, **kwargs)
        self._default_cb: Optional[DeliveryCallback] = self._callbacks.get("on_delivery")
        # msgid -> (callback, topic, key, value, headers): only for messages with a callback.
        self._waiting: Dict[int, Tuple[Any, ...]] = {}
        # Reports taken from the library by len() and not yet served by poll().
        self._taken: List[Tuple[int, int, int, int, int]] = []
        self._topics: Dict[str, bytes] = {}
        self._msgid = ffi.new("uint64_t *")
        self._text = Text()
        self._ids = ffi.new("uint64_t[]", _REPORTS)
        self._statuses = ffi.new("int32_t[]", _REPORTS)
        self._parts = ffi.new("int32_t[]", _REPORTS)
        self._offsets = ffi.new("int64_t[]", _REPORTS)
        self._times = ffi.new("int64_t[]", _REPORTS)
        self._count = ffi.new("int32_t *")
        self._inflight = ffi.new("int32_t *")
        self._polled = 0.0
        # The common case of produce() in C; anything else reaches _produce,
        # through a proxy so that the producer is freed when dropped (no cycle).
        general = functools.partial(type(self)._produce, weakref.proxy(self))
        self._sender = Sender(int(ffi.cast("uintptr_t", self._h)), self._waiting, self._default_cb, general,
                              raise_for)
        self.produce = self._sender.produce

    # -- producing

    def produce(self, topic: str, value: Any = None, key: Any = None, partition: int = -1,
                on_delivery: Optional[DeliveryCallback] = None, timestamp: int = 0, headers: Any = None,
                callback: Optional[DeliveryCallback] = None) -> None:
        """Enqueues one message; raises BufferError when the local queue is
        full (poll() to make room) and KafkaException on other refusals."""
        self._produce(topic, value, key, partition, on_delivery, timestamp, headers, callback)

    def _produce(self, topic: str, value: Any = None, key: Any = None, partition: int = -1,
                 on_delivery: Optional[DeliveryCallback] = None, timestamp: int = 0, headers: Any = None,
                 callback: Optional[DeliveryCallback] = None) -> None:
        t = self._topics.get(topic)
        if t is None:
            if not isinstance(topic, str):
                raise TypeError(f"topic must be str, not {type(topic).__name__}")
            t = self._topics[topic] = topic.encode()
        value, key = _payload(value), _payload(key)
        text = self._text
        text.len[0] = TEXT
        h = self._h
        if h is None:
            self._handle()
        if not headers and not timestamp:
            # Produce: four arguments fewer to convert than ProduceWith.
            if value is None:
                rc = lib.Produce(h, t, _NULL, 0, _NULL if key is None else key, 0 if key is None else len(key),
                                 partition, self._msgid, text.buf, text.len)
            else:
                rc = lib.Produce(h, t, value, len(value), _NULL if key is None else key, 0 if key is None else len(key),
                                 partition, self._msgid, text.buf, text.len)
        else:
            nh, hdata, hlens = headers_in(headers) if headers else (0, ffi.NULL, ffi.NULL)
            rc = lib.ProduceWith(h, t, _NULL if value is None else value, -1 if value is None else len(value),
                                 _NULL if key is None else key, -1 if key is None else len(key),
                                 partition, timestamp, nh, hdata, hlens, self._msgid, text.buf, text.len)
        if rc:
            raise_for(rc, text.text())
        cb = on_delivery or callback or self._default_cb
        if cb is not None:
            self._waiting[self._msgid[0]] = (cb, topic, key, value, _header_list(headers))

    def produce_batch(self, topic: str, messages: List[Dict[str, Any]], partition: int = -1,
                      callback: Optional[DeliveryCallback] = None, on_delivery: Optional[DeliveryCallback] = None) -> int:
        """Enqueues a list of dicts (value, key, partition, timestamp, headers,
        callback) in one call; returns how many were enqueued. A message the
        library refused gets its KafkaError under "_error", as in confluent-kafka."""
        n = len(messages)
        if n == 0:
            return 0
        values, keys = [], []
        paylens, keylens, parts, stamps, hcounts = [], [], [], [], []
        hdata, hlens, any_headers = bytearray(), [], False
        for m in messages:
            v, k = m.get("value"), m.get("key")
            v, k = _payload(v), _payload(k)
            values.append(v or b"")
            paylens.append(-1 if v is None else len(v))
            keys.append(k or b"")
            keylens.append(-1 if k is None else len(k))
            parts.append(partition)  # confluent-kafka too takes the call's partition, not the message's
            stamps.append(m.get("timestamp", 0) or 0)
            h = m.get("headers")
            if h:
                any_headers = True
                count, data, lens = headers_in(h)
                hdata += data
                hlens.extend(ffi.unpack(lens, 2 * count))
                hcounts.append(count)
            else:
                hcounts.append(0)
        ids, statuses = ffi.new("uint64_t[]", n), ffi.new("int32_t[]", n)
        text = Text()
        lib.ProduceBatch(self._handle(), topic.encode(), n, b"".join(values), ffi.new("int32_t[]", paylens),
                         b"".join(keys), ffi.new("int32_t[]", keylens), ffi.new("int32_t[]", parts), n,
                         ffi.new("int64_t[]", stamps),
                         ffi.new("int32_t[]", hcounts) if any_headers else ffi.NULL,
                         bytes(hdata) if any_headers else ffi.NULL,
                         ffi.new("int32_t[]", hlens or [0]) if any_headers else ffi.NULL,
                         ids, statuses, text.buf, text.len)
        enqueued = 0
        default = on_delivery or callback or self._default_cb
        for i, m in enumerate(messages):
            if statuses[i]:
                m["_error"] = KafkaError(statuses[i])
                continue
            enqueued += 1
            cb = m.get("callback") or m.get("on_delivery") or default
            if cb is not None:
                self._waiting[ids[i]] = (cb, topic, m.get("key"), m.get("value"), _header_list(m.get("headers")))
        return enqueued

    # -- delivery reports

    def _take(self, wait_ms: int) -> List[Tuple[int, int, int, int, int]]:
        """Up to 4096 reports from the library, waiting up to wait_ms for the first."""
        self._count[0] = _REPORTS
        text = self._text
        text.len[0] = TEXT
        rc = lib.DeliveryReports(self._handle(), wait_ms, self._ids, self._statuses, self._parts, self._offsets,
                                 self._times, self._count, text.buf, text.len)
        if rc:
            raise_for(rc, text.text())
        n = self._count[0]
        if n == 0:
            return []
        return list(zip(ffi.unpack(self._ids, n), ffi.unpack(self._statuses, n), ffi.unpack(self._parts, n),
                        ffi.unpack(self._offsets, n), ffi.unpack(self._times, n)))

    def _serve(self, wait_ms: int) -> int:
        """Serves delivery callbacks for the reports ready; returns how many."""
        served = self._serve_events() if len(self._callbacks) > 0 else 0
        if self._taken:
            reports, self._taken = self._taken, []
        elif not self._waiting:
            # No callback waits: only drain, so the library keeps no reports.
            self._count[0] = _REPORTS
            self._text.len[0] = TEXT
            lib.DeliveryReports(self._h, wait_ms, self._ids, self._statuses, ffi.NULL, ffi.NULL, ffi.NULL,
                                self._count, self._text.buf, self._text.len)
            return served + self._count[0]
        else:
            reports = self._take(wait_ms)
        waiting, only_errors = self._waiting, self._only_errors
        for msgid, status, partition, offset, stamp in reports:
            entry = waiting.pop(msgid, None)
            if entry is None or (only_errors and status == 0):
                continue
            cb, topic, key, value, headers = entry
            err = KafkaError(status) if status else None
            tstype = TIMESTAMP_CREATE_TIME if stamp >= 0 else 0
            cb(err, Message(topic, partition, offset, key, value, headers, None, (tstype, stamp)))
        return served + len(reports)

    def poll(self, timeout: Optional[float] = None) -> int:
        """Serves delivery callbacks (and error_cb, stats_cb), waiting up to
        timeout seconds (None or negative: until one comes) for the first;
        returns how many were served."""
        ms = timeout_ms(timeout)
        if ms == 0:
            # A loop of produce()+poll(0) would pay a library call per message for
            # reports that come in bursts: ask at most once a millisecond.
            now = time.monotonic()
            if now - self._polled < 0.001 and not self._taken:
                return 0
            self._polled = now
            return self._serve(0)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        while True:
            served = self._serve(_remaining(deadline))
            if served or (deadline is not None and time.monotonic() >= deadline):
                return served
            if self._in_flight() == 0:
                # The library returns at once when nothing is in flight: wait here, in slices.
                if ms < 0:
                    return 0
                time.sleep(_remaining(deadline) / 1000)

    def _in_flight(self) -> int:
        lib.Flush(self._handle(), 0, self._inflight)
        return self._inflight[0]

    def flush(self, timeout: Optional[float] = None) -> int:
        """Waits until every message is delivered or failed, serving their
        callbacks; returns how many are still waiting (0 when all are done)."""
        ms = timeout_ms(timeout)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        while True:
            self._serve_ready()
            rc = lib.Flush(self._handle(), _remaining(deadline), self._inflight)
            if rc == 0 and self._inflight[0] == 0:
                self._serve_ready()
                if not self._taken:
                    return len(self)
            if deadline is not None and time.monotonic() >= deadline:
                self._serve_ready()
                return len(self)

    def _serve_ready(self) -> None:
        """Serves every report ready: one call takes at most _REPORTS."""
        while self._serve(0) >= _REPORTS:
            pass

    def __len__(self) -> int:
        """Messages not yet delivered, plus reports whose callbacks poll() has not served."""
        if self._h is None:
            return 0
        while True:
            reports = self._take(0)
            self._taken.extend(reports)
            if len(reports) < _REPORTS:
                break
        return self._in_flight() + len(self._taken)

    def __bool__(self) -> bool:
        return True

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        """Drops messages not yet delivered; their delivery callbacks, served
        by the next poll() or flush(), get error _PURGE_QUEUE or _PURGE_INFLIGHT."""
        if self._h is None:
            return
        flags = (1 if in_queue else 0) | (2 if in_flight else 0) | (0 if blocking else 4)
        text = Text()
        rc = lib.Purge(self._handle(), flags, text.buf, text.len)
        if rc != 0:
            raise_for(rc, text.text())

    # -- transactions

    def _txn(self, fn: Callable[..., int], *args: Any) -> None:
        flags, text = ffi.new("int32_t *"), Text()
        rc = fn(self._handle(), *args, flags, text.buf, text.len)
        if rc:
            raise_for(rc, text.text(), flags[0])

    def init_transactions(self, timeout: Optional[float] = None) -> None:
        self._txn(lib.InitTransactions, timeout_ms(timeout, 60))

    def begin_transaction(self) -> None:
        self._txn(lib.BeginTransaction)

    def commit_transaction(self, timeout: Optional[float] = None) -> None:
        self._txn(lib.CommitTransaction, timeout_ms(timeout, 60))

    def abort_transaction(self, timeout: Optional[float] = None) -> None:
        self._txn(lib.AbortTransaction, timeout_ms(timeout, 60))

    def send_offsets_to_transaction(self, positions: List[TopicPartition], group_metadata: Any,
                                    timeout: Optional[float] = None) -> None:
        """positions: the next offsets to read; group_metadata: the consumer's
        consumer_group_metadata()."""
        names, parts, offs, n = vectors(positions)
        self._txn_with(group_metadata._consumer._handle(), names, parts, offs, n, timeout_ms(timeout, 60))

    def _txn_with(self, cons: Any, names: bytes, parts: Any, offs: Any, n: int, ms: int) -> None:
        flags, text = ffi.new("int32_t *"), Text()
        rc = lib.SendOffsetsToTransaction(self._handle(), cons, names, parts, offs, n, ms, flags, text.buf, text.len)
        if rc:
            raise_for(rc, text.text(), flags[0])

    # -- lifetime

    def _release(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            sender = self.__dict__.get("_sender")
            if sender is not None:
                sender.detach()
            lib.UninitProducer(h)

    def close(self, timeout: Optional[float] = None) -> bool:
        """Flushes, then releases the producer; True when nothing was left."""
        if self._h is None:
            return True
        left = self.flush(timeout)
        self._release()
        return left == 0

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:
            pass


def _payload(value: Any) -> Optional[bytes]:
    """A value or key as bytes: str as UTF-8, bytes-likes copied; anything
    else (an int) is a TypeError, as in confluent-kafka."""
    if value is None or type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode()
    return bytes(memoryview(value))


def _header_list(headers: Any) -> Any:
    if not headers:
        return None
    items = headers.items() if isinstance(headers, dict) else headers
    return [(k, b(v)) for k, v in items]


def fatal_error(client: Client) -> Optional[KafkaError]:
    text = Text()
    rc = lib.FatalError(client._handle(), text.buf, text.len)
    return KafkaError(rc, text.text(), fatal=True) if rc else None


__all__ = ["Producer", "KafkaException", "call"]
