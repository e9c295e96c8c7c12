"""Consumer, as confluent-kafka's, over ConsumeBatch.

poll() takes every ready message in one ConsumeBatch call and hands them
out one by one. The library would store a message's offset as ConsumeBatch
hands it over, so this consumer turns that off (enable.auto.offset.store
false) and stores offsets itself, only of messages the application has been
given: before every ConsumeBatch (where rebalances happen), before commit,
close, unsubscribe and assign. Messages fetched but not yet given out are
never stored, so a commit, close or rebalance neither loses nor duplicates
them: the next owner reads them from the committed offset."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from ._core import (OFFSET_INVALID, SLICE_MS, TEXT, Client, KafkaError, KafkaException, Text, TopicPartition,
                    call, call_json, headers_out, output_vectors, raise_for, timeout_ms, vectors)
from ._kafka import ffi, lib
from ._message import Message
from ._messages import build, last_offsets

RebalanceCallback = Callable[[Any, List[TopicPartition]], None]


def _TP(m: Message) -> Tuple[str, int]:
    return (m.topic(), m.partition())


def _addr(ptr: Any) -> int:
    return int(ffi.cast("uintptr_t", ptr))
_PREFETCH = 1000
# Longest a subscribed consumer serves its buffer without calling the
# library: rebalances and max.poll.interval.ms are served inside that call.
_SERVE_S = 0.1
_now = time.monotonic


_COMMITS = 64  # commit outcomes taken per library call


class _Batch:
    """ConsumeBatch's output buffers, kept and grown as messages need."""

    def __init__(self, count: int, payloads: int = 1 << 20, keys: int = 1 << 16, hdata: int = 1 << 16):
        self.cap = count
        self.topics = ffi.new("char[]", 1 << 14)
        self.tcap = 1 << 14
        self.topicidx = ffi.new("int32_t[]", count)
        self.partitions = ffi.new("int32_t[]", count)
        self.offsets = ffi.new("int64_t[]", count)
        self.timestamps = ffi.new("int64_t[]", count)
        self.tstypes = ffi.new("int32_t[]", count)
        self.paylens = ffi.new("int32_t[]", count)
        self.keylens = ffi.new("int32_t[]", count)
        self.hcounts = ffi.new("int32_t[]", count)
        self.lens = ffi.new("uint32_t[5]")  # topics, payloads, keys, hdata capacities / lengths
        self.nhlens = ffi.new("int32_t *")
        self.count = ffi.new("int32_t *")
        self.text = Text()
        self._size(payloads, keys, hdata, 4096)

    def _size(self, payloads: int, keys: int, hdata: int, hlens: int) -> None:
        self.pcap, self.kcap, self.hcap, self.hlcap = payloads, keys, hdata, hlens
        self.payloads = ffi.new("char[]", payloads)
        self.keys = ffi.new("char[]", keys)
        self.hdata = ffi.new("char[]", hdata)
        self.hlens = ffi.new("int32_t[]", hlens)

    def fetch(self, h: Any, wait_ms: int, want: int, headers: bool = True) -> int:
        """Runs ConsumeBatch for up to `want` messages; returns how many, or
        -1 when a rebalance waits, raising KafkaException for an error or
        event met first. Without headers the library skips parsing them
        (about half its work)."""
        lens = self.lens
        while True:
            lens[0], lens[1], lens[2], lens[3] = self.tcap, self.pcap, self.kcap, self.hcap
            self.nhlens[0] = self.hlcap
            self.count[0] = min(want, self.cap)
            text = self.text
            text.len[0] = TEXT
            if headers:
                hcounts, hdata, hdatalen, hlens, nhlens = self.hcounts, self.hdata, lens + 3, self.hlens, self.nhlens
            else:
                hcounts = hdata = hdatalen = hlens = nhlens = ffi.NULL
                lens[3] = self.nhlens[0] = 0
            rc = lib.ConsumeBatch(h, wait_ms, self.topics, lens, self.topicidx, self.partitions, self.offsets,
                                  self.timestamps, self.tstypes, self.payloads, lens + 1, self.paylens, self.keys,
                                  lens + 2, self.keylens, hcounts, hdata, hdatalen, hlens, nhlens,
                                  self.count, text.buf, text.len)
            if rc == 0:
                return self.count[0]
            if rc == lib.KAFKA_CONSUME_REBALANCE:
                return -1
            if rc == lib.KAFKA_ERR_TOO_SMALL:
                # Not even one message fitted: grow to what it needs and ask again.
                if lens[0] > self.tcap:
                    self.tcap = 2 * lens[0]
                    self.topics = ffi.new("char[]", self.tcap)
                self._size(max(self.pcap, 2 * lens[1]), max(self.kcap, 2 * lens[2]), max(self.hcap, 2 * lens[3]),
                           max(self.hlcap, 2 * self.nhlens[0]))
                continue
            error = KafkaException(KafkaError(rc, text.text()))
            # A partition's error or event (partition EOF) says which.
            error.where = (self.names()[0], self.partitions[0], self.offsets[0]) if lens[0] else None
            raise error

    def names(self) -> List[str]:
        return ffi.unpack(self.topics, self.lens[0]).decode().split("\n")

    def messages(self, n: int) -> Tuple[List[Message], int]:
        """The n messages written, and how many distinct partitions they
        have (-1: many), built in C straight from the buffers."""
        headers = None
        if self.nhlens[0] > 0:
            headers = _headers(ffi.unpack(self.hdata, self.lens[3]), ffi.unpack(self.hlens, self.nhlens[0]),
                               ffi.unpack(self.hcounts, n))
        return build(n, self.names(), _addr(self.topicidx), _addr(self.partitions), _addr(self.offsets),
                     _addr(self.timestamps), _addr(self.tstypes), _addr(self.payloads), _addr(self.paylens),
                     _addr(self.keys), _addr(self.keylens), headers)


def _headers(data: bytes, lens: List[int], counts: List[int]) -> List[Any]:
    out, at, hl = [], 0, 0
    for c in counts:
        if c:
            h, at = headers_out(data, lens, hl, c, at)
            hl += 2 * c
            out.append(h)
        else:
            out.append(None)
    return out


class Columns:
    """A batch as columns, no Python object per message: arrays of
    partitions, offsets, timestamps; values, keys and headers as one bytes
    object each with lengths (-1: null); topics as names and an index."""

    __slots__ = ("topics", "topic_index", "partition", "offset", "timestamp", "timestamp_type", "value_data",
                 "value_length", "key_data", "key_length", "header_count", "header_data", "header_length")

    def __len__(self) -> int:
        return len(self.offset)

    def _cut(self, data: bytes, lengths: Sequence[int]) -> List[Optional[bytes]]:
        out, at = [], 0
        for n in lengths:
            if n < 0:
                out.append(None)
            else:
                out.append(data[at:at + n])
                at += n
        return out

    def values(self) -> List[Optional[bytes]]:
        return self._cut(self.value_data, self.value_length)

    def keys(self) -> List[Optional[bytes]]:
        return self._cut(self.key_data, self.key_length)

    def topic(self) -> List[str]:
        return [self.topics[i] for i in self.topic_index]

    def headers(self) -> List[Optional[List[Tuple[str, Optional[bytes]]]]]:
        out, at, hl = [], 0, 0
        for c in self.header_count:
            if c:
                h, at = headers_out(self.header_data, self.header_length, hl, c, at)
                hl += 2 * c
                out.append(h)
            else:
                out.append(None)
        return out

    def to_arrow(self) -> Any:
        """A pyarrow.RecordBatch: key, value, topic, partition, offset, timestamp, headers."""
        import pyarrow as pa
        import pyarrow.compute as pc

        def binary(data: bytes, lengths: Any) -> Any:
            lens = pa.array(lengths, pa.int32())
            valid = pc.not_equal(lens, -1)
            sizes = pc.max_element_wise(lens, 0)
            ends = pc.cumulative_sum(sizes)
            offsets = pa.concat_arrays([pa.array([0], pa.int32()), ends.cast(pa.int32())])
            return pa.Array.from_buffers(pa.binary(), len(lens), [valid.buffers()[1], offsets.buffers()[1],
                                                                  pa.py_buffer(data)])
        topic = pa.DictionaryArray.from_arrays(pa.array(self.topic_index, pa.int32()), pa.array(self.topics))
        header_type = pa.list_(pa.struct([("key", pa.string()), ("value", pa.binary())]))
        headers = pa.array([None if h is None else [{"key": k, "value": v} for k, v in h] for h in self.headers()],
                           header_type) if any(self.header_count) else pa.nulls(len(self), header_type)
        return pa.RecordBatch.from_arrays(
            [binary(self.key_data, self.key_length), binary(self.value_data, self.value_length), topic,
             pa.array(self.partition, pa.int32()), pa.array(self.offset, pa.int64()),
             pa.array(self.timestamp, pa.timestamp("ms")), headers],
            names=["key", "value", "topic", "partition", "offset", "timestamp", "headers"])


def _array(typecode: str, data: Any) -> Any:
    from array import array
    out = array(typecode)
    out.frombytes(data)
    return out


class ConsumerGroupMetadata:
    """What send_offsets_to_transaction needs: here, the consumer itself."""

    def __init__(self, consumer: "Consumer"):
        self._consumer = consumer


class Consumer(Client):
    """Consumer(conf), as confluent-kafka's."""

    def __init__(self, conf: Optional[Dict[str, Any]] = None, **kwargs: Any):
        super().__init__(conf, **kwargs)
        self._group = bool(self._conf.get("group.id"))
        self._app_stores = str(self._conf.get("enable.auto.offset.store", "true")).lower() == "false"
        self._we_store = self._group and not self._app_stores
        if self._we_store:
            call(lib.SetKafkaConf, self._h, b"enable.auto.offset.store", b"false")
        # Rebalances wait for poll(), so that on_revoke runs while the
        # partitions are still this consumer's (a commit there covers them).
        call(lib.SetKafkaConf, self._h, b"application.rebalance", b"true")
        if "fetch.queue.backoff.ms" not in self._conf:
            # librdkafka 2.12's default (1000 ms) stalls this consumer for 100 ms
            # and more at a time once its queue has filled; confluent-kafka's
            # librdkafka 2.16 does not stall at the same setting.
            call(lib.SetKafkaConf, self._h, b"fetch.queue.backoff.ms", b"10")
        self._batch = _Batch(_PREFETCH)
        self._buf: List[Message] = []
        self._pos = 0
        self._marked = 0  # _buf[:_marked] is in _pending already
        self._distinct = -1  # distinct partitions in _buf, -1 when not known
        self._called = 0.0  # when ConsumeBatch was last called
        self._pending: Dict[Tuple[str, int], int] = {}  # last offset handed out, not yet stored
        self._held: Dict[Tuple[str, int], List[Message]] = {}  # fetched for partitions now paused
        self._active = False
        self._subscribed = False
        self._assigned: Set[Tuple[str, int]] = set()
        self._on_assign: Optional[RebalanceCallback] = None
        self._on_revoke: Optional[RebalanceCallback] = None
        self._on_lost: Optional[RebalanceCallback] = None
        self._async_commits = False  # outcomes of commit(asynchronous=True) may wait in the library

    # -- what counts as consumed

    def _store(self) -> None:
        """Stores the offsets of messages handed out and not yet stored."""
        if self._marked < self._pos:
            # Each partition's last message handed out, found from the end.
            last: Dict[Tuple[str, int], int] = {}
            buf, want = self._buf, self._distinct
            for i in range(self._pos - 1, self._marked - 1, -1):
                m = buf[i]
                tp = (m.topic(), m.partition())
                if tp not in last:
                    last[tp] = m.offset()
                    if len(last) == want:
                        break
            self._pending.update(last)
            self._marked = self._pos
        if self._pending and self._we_store:
            items = self._pending
            names = "\n".join(t for t, _ in items).encode()
            parts = ffi.new("int32_t[]", [p for _, p in items])
            offs = ffi.new("int64_t[]", [o + 1 for o in items.values()])
            text = Text()
            # -190 for a partition no longer assigned: its next owner reads it from the committed offset.
            lib.StoreOffsets(self._h, names, parts, offs, len(items), text.buf, text.len)
        self._pending.clear()

    def _drop(self, which: Optional[Callable[[Tuple[str, int]], bool]] = None) -> None:
        """Forgets fetched messages not handed out (all, or of partitions `which` picks)."""
        self._store()
        if which is None:
            self._buf, self._pos, self._marked = [], 0, 0
            self._held.clear()
            return
        rest = [m for m in self._buf[self._pos:] if not which(_TP(m))]
        self._buf, self._pos, self._marked, self._distinct = rest, 0, 0, -1
        for tp in [tp for tp in self._held if which(tp)]:
            del self._held[tp]

    def _refill(self, wait_ms: int, want: int, keep: bool = False) -> Optional[Message]:
        """Replaces the handed-out part of the buffer with what ConsumeBatch
        gives (keeping the rest when `keep`); returns an error or event as a
        Message, else None."""
        self._store()
        rest = self._buf[self._pos:] if keep else []
        self._called = _now()
        if self._async_commits:
            self._serve_commits(0)
        try:
            n = self._batch.fetch(self._h, wait_ms, want)
        except KafkaException as e:
            self._buf, self._pos, self._marked, self._distinct = rest, 0, 0, -1
            topic, partition, offset = getattr(e, "where", None) or (None, None, None)
            return Message(topic, partition, offset, error=e.args[0])
        new, distinct = self._batch.messages(n) if n > 0 else ([], 0)
        if rest:
            new, distinct = rest + new, -1
        self._buf, self._distinct = new, distinct
        self._pos = self._marked = 0
        if n < 0:
            self._rebalance()
        return None

    def _serve_commits(self, wait_ms: int) -> None:
        """Takes the outcomes of asynchronous commits from the library (which
        keeps them until asked) and hands them to on_commit(err, partitions),
        one call for what came together."""
        on_commit = self._callbacks.get("on_commit")
        while True:
            # Small buffers, since this runs before every fetch; what does not fit waits.
            outcomes = output_vectors(lib.CommitReportWait, self._h, wait_ms, capacity=_COMMITS)
            if outcomes and on_commit is not None:
                errors = [tp.error for tp in outcomes if tp.error is not None]
                on_commit(errors[0] if errors else None, [tp for tp in outcomes if tp.topic])
            if len(outcomes) < _COMMITS:
                return
            wait_ms = 0

    def _stale(self) -> bool:
        """Whether the library has not been called for long enough that a
        rebalance (or max.poll.interval.ms) may be waiting on it."""
        return self._subscribed and _now() - self._called > _SERVE_S

    def _top_up(self) -> Optional[Message]:
        """Calls the library while messages are still buffered, so a
        rebalance is served now, not once the buffer is empty."""
        return self._refill(0, max(1, _PREFETCH - (len(self._buf) - self._pos)), keep=True)

    def _rebalance(self) -> None:
        """Serves the rebalance the library holds for us, before it goes on
        (at the next ConsumeBatch): partitions going have what was handed
        out stored and what was fetched dropped (their next owner reads it)
        before on_revoke (on_lost) runs; partitions coming are announced to
        on_assign before any of their messages."""
        kind = ffi.new("int32_t *")
        partitions = output_vectors(lib.Rebalance, self._h, kind)
        tps = {(tp.topic, tp.partition) for tp in partitions}
        if kind[0] == lib.KAFKA_REBALANCE_ASSIGN:
            self._assigned |= tps
            if self._on_assign:
                self._on_assign(self, partitions)
        elif kind[0] in (lib.KAFKA_REBALANCE_REVOKE, lib.KAFKA_REBALANCE_LOST):
            self._drop(lambda tp: tp in tps)
            self._assigned -= tps
            lost = kind[0] == lib.KAFKA_REBALANCE_LOST and self._on_lost
            callback = self._on_lost if lost else self._on_revoke
            if callback:
                callback(self, partitions)

    # -- consuming

    def poll(self, timeout: Optional[float] = None) -> Optional[Message]:
        """The next message or error/event, waiting up to timeout seconds
        (None or negative: until one comes); None when nothing came."""
        pos = self._pos
        if pos < len(self._buf):
            if self._stale():
                error = self._top_up()
                if error is not None:
                    return error
                if not self._buf:
                    return self._wait(timeout)
                pos = 0
            self._pos = pos + 1
            return self._buf[pos]
        return self._wait(timeout)

    def _wait(self, timeout: Optional[float]) -> Optional[Message]:
        self._handle()
        ms = timeout_ms(timeout)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        while True:
            left = SLICE_MS if deadline is None else max(0, min(SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            if not self._active:
                time.sleep(left / 1000)
            else:
                error = self._refill(left, _PREFETCH)
                if error is not None:
                    return error
                if self._buf:
                    self._pos = 1
                    return self._buf[0]
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def consume(self, num_messages: int = 1, timeout: Optional[float] = None) -> List[Message]:
        """Up to num_messages messages (and errors/events), waiting up to
        timeout seconds (None or negative: until that many came)."""
        self._handle()
        if num_messages < 0 or num_messages > 1000000:
            raise ValueError("num_messages must be between 0 and 1000000 (1M)")
        if self._pos < len(self._buf) and self._stale():
            error = self._top_up()
            if error is not None:
                return [error]
        pos = self._pos
        out = self._buf[pos:pos + num_messages]
        self._pos = pos + len(out)
        if len(out) == num_messages:
            return out
        ms = timeout_ms(timeout)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        while True:
            left = SLICE_MS if deadline is None else max(0, min(SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            if not self._active:
                time.sleep(left / 1000)
            else:
                error = self._refill(left, num_messages - len(out))
                if error is not None:
                    out.append(error)
                else:
                    out.extend(self._buf)
                    self._pos = len(self._buf)
            if len(out) >= num_messages or (deadline is not None and time.monotonic() >= deadline):
                return out

    def consume_columns(self, num_messages: int = 1000, timeout: Optional[float] = None, headers: bool = True) -> Any:
        """Up to num_messages messages as columns, in one ConsumeBatch call:
        a pyarrow.RecordBatch when pyarrow is installed, else Columns.
        Waits up to timeout seconds for the first message; an error or
        event met first raises KafkaException. headers=False leaves the
        headers out (all None), which halves the library's work."""
        cols = self.consume_columns_raw(num_messages, timeout, headers)
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return cols
        return cols.to_arrow()

    def consume_columns_raw(self, num_messages: int = 1000, timeout: Optional[float] = None,
                            headers: bool = True) -> Columns:
        """consume_columns as Columns, whether or not pyarrow is installed."""
        h = self._handle()
        if self._pos < len(self._buf):
            return self._columns_of(self.consume(num_messages, 0))
        batch = self._batch
        if num_messages > batch.cap:
            batch = self._batch = _Batch(num_messages, batch.pcap, batch.kcap, batch.hcap)
        ms = timeout_ms(timeout)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        self._store()
        while True:
            left = SLICE_MS if deadline is None else max(0, min(SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            self._called = _now()
            n = batch.fetch(h, left, num_messages, headers) if self._active else 0
            if n < 0:
                self._rebalance()
                n = 0
            if not self._active:
                time.sleep(left / 1000)
            if n or (deadline is not None and time.monotonic() >= deadline):
                break
        cols = Columns()
        cols.topics = batch.names() if n else []
        cols.topic_index = _array("i", ffi.buffer(batch.topicidx, 4 * n))
        cols.partition = _array("i", ffi.buffer(batch.partitions, 4 * n))
        cols.offset = _array("q", ffi.buffer(batch.offsets, 8 * n))
        cols.timestamp = _array("q", ffi.buffer(batch.timestamps, 8 * n))
        cols.timestamp_type = _array("i", ffi.buffer(batch.tstypes, 4 * n))
        cols.value_data = ffi.unpack(batch.payloads, batch.lens[1]) if n else b""
        cols.value_length = _array("i", ffi.buffer(batch.paylens, 4 * n))
        cols.key_data = ffi.unpack(batch.keys, batch.lens[2]) if n else b""
        cols.key_length = _array("i", ffi.buffer(batch.keylens, 4 * n))
        cols.header_count = _array("i", ffi.buffer(batch.hcounts, 4 * n)) if headers else _array("i", bytes(4 * n))
        cols.header_data = ffi.unpack(batch.hdata, batch.lens[3]) if n else b""
        cols.header_length = _array("i", ffi.buffer(batch.hlens, 4 * batch.nhlens[0])) if n else _array("i", b"")
        if n and self._we_store:
            # All handed out: the last offset per partition is what to store.
            names = cols.topics
            for i, partition, offset in last_offsets(n, _addr(batch.topicidx), _addr(batch.partitions),
                                                     _addr(batch.offsets)):
                self._pending[(names[i], partition)] = offset
        return cols

    def _columns_of(self, messages: List[Message]) -> Columns:
        msgs = [m for m in messages if m.error() is None]
        cols = Columns()
        cols.topics = sorted({m.topic() for m in msgs})
        where = {t: i for i, t in enumerate(cols.topics)}
        cols.topic_index = _array("i", b"")
        cols.topic_index.extend(where[m.topic()] for m in msgs)
        from array import array
        cols.partition = array("i", [m.partition() for m in msgs])
        cols.offset = array("q", [m.offset() for m in msgs])
        cols.timestamp = array("q", [m.timestamp()[1] for m in msgs])
        cols.timestamp_type = array("i", [m.timestamp()[0] for m in msgs])
        cols.value_data = b"".join(m.value() or b"" for m in msgs)
        cols.value_length = array("i", [-1 if m.value() is None else len(m.value()) for m in msgs])
        cols.key_data = b"".join(m.key() or b"" for m in msgs)
        cols.key_length = array("i", [-1 if m.key() is None else len(m.key()) for m in msgs])
        cols.header_count = array("i", [len(m.headers() or ()) for m in msgs])
        data, lens = bytearray(), array("i")
        for m in msgs:
            for k, v in m.headers() or ():
                kb = k.encode()
                data += kb
                lens.append(len(kb))
                lens.append(-1 if v is None else len(v))
                data += v or b""
        cols.header_data, cols.header_length = bytes(data), lens
        return cols

    # -- group and assignment

    def subscribe(self, topics: List[str], on_assign: Optional[RebalanceCallback] = None,
                  on_revoke: Optional[RebalanceCallback] = None, on_lost: Optional[RebalanceCallback] = None) -> None:
        """Joins the group for `topics`. on_assign(consumer, partitions) is
        called from poll/consume before the first message of new partitions,
        on_revoke before partitions go (a commit there still covers them),
        on_lost (else on_revoke) when they were lost already."""
        h = self._handle()
        lst = ffi.new("void **")
        raise_for(lib.NewTopicPartitionList(lst))
        for topic in topics:
            raise_for(lib.SetTopicPartitionList(lst[0], topic.encode(), 0))
        self._drop()
        call(lib.SubscribeConsumerTPList, h, lst[0])
        self._active = self._subscribed = True
        self._on_assign, self._on_revoke, self._on_lost = on_assign, on_revoke, on_lost

    def unsubscribe(self) -> None:
        self._drop()
        if self._active:
            call(lib.Unsubscribe, self._handle())
        if self._subscribed and self._assigned and self._on_revoke:
            self._on_revoke(self, [TopicPartition(t, p) for t, p in sorted(self._assigned)])
        self._assigned = set()
        self._subscribed = False

    def assign(self, partitions: List[TopicPartition]) -> None:
        """Reads exactly these partitions, from each one's offset (OFFSET_INVALID:
        the committed offset, else auto.offset.reset)."""
        self._drop()
        names, parts, offs, n = vectors(partitions)
        call(lib.Assign, self._handle(), names, parts, offs, n)
        self._active = True
        if self._subscribed:
            self._assigned = {(tp.topic, tp.partition) for tp in partitions}

    def unassign(self) -> None:
        self._drop()
        if self._active:
            call(lib.Assign, self._handle(), b"", ffi.NULL, ffi.NULL, 0)

    def _assignment_list(self) -> List[TopicPartition]:
        return output_vectors(lib.Assignment, self._handle())

    def assignment(self) -> List[TopicPartition]:
        return self._assignment_list() if self._active else []

    # -- offsets

    def commit(self, message: Optional[Message] = None, offsets: Optional[List[TopicPartition]] = None,
               asynchronous: bool = True) -> Optional[List[TopicPartition]]:
        """Commits the message's offset + 1, the offsets given (each the next
        to read), or what has been handed out; waits when asynchronous is False
        and then returns the committed partitions."""
        h = self._handle()
        if message is not None and offsets is not None:
            raise ValueError("commit takes a message or offsets, not both")
        if message is not None:
            if message.error() is not None:
                raise KafkaException(message.error())
            offsets = [TopicPartition(message.topic(), message.partition(), message.offset() + 1)]
        if offsets is None:
            self._store()
            names, parts, offs, n = b"", ffi.NULL, ffi.NULL, 0
        else:
            names, parts, offs, n = vectors(offsets)
        if asynchronous:
            call(lib.CommitAsync, h, names, parts, offs, n)
            self._async_commits = True
            return None
        call(lib.CommitOffsets, h, names, parts, offs, n)
        if offsets is not None:
            return [TopicPartition(tp.topic, tp.partition, tp.offset) for tp in offsets]
        return self.committed(self.assignment())

    def committed(self, partitions: List[TopicPartition], timeout: Optional[float] = None) -> List[TopicPartition]:
        """The group's committed offsets (the next offset it will read; OFFSET_INVALID where none)."""
        h = self._handle()
        if not partitions:
            return []
        names, parts, _, n = vectors(partitions, with_offsets=False)
        ms = timeout_ms(timeout, 30)
        return output_vectors(lib.CommittedOffsets, h, names, parts, n, 30000 if ms < 0 else ms,
                              capacity=max(64, n))

    def position(self, partitions: List[TopicPartition]) -> List[TopicPartition]:
        """The offset the application reads next, per partition given
        (fetched messages not yet handed out do not count)."""
        known = {(tp.topic, tp.partition): tp.offset for tp in output_vectors(lib.Position, self._handle())}
        for m in reversed(self._buf[self._pos:]):
            known[_TP(m)] = m.offset()
        for held in self._held.values():
            if held:
                known[_TP(held[0])] = held[0].offset()
        return [TopicPartition(tp.topic, tp.partition, known.get((tp.topic, tp.partition), OFFSET_INVALID))
                for tp in partitions]

    def seek(self, partition: TopicPartition) -> None:
        """Makes the partition's next message the one at partition.offset."""
        key = (partition.topic, partition.partition)
        self._drop(lambda tp: tp == key or (partition.partition == -1 and tp[0] == partition.topic))
        call(lib.Seek, self._handle(), partition.topic.encode(), partition.partition, partition.offset)

    def pause(self, partitions: List[TopicPartition]) -> None:
        """Stops handing out and fetching these partitions until resume()."""
        names, parts, _, n = vectors(partitions, with_offsets=False)
        call(lib.Pause, self._handle(), names, parts, n)
        keys = {(tp.topic, tp.partition) for tp in partitions}
        rest = []
        for m in self._buf[self._pos:]:
            tp = _TP(m)
            if tp in keys:
                self._held.setdefault(tp, []).append(m)
            else:
                rest.append(m)
        self._store()
        self._buf, self._pos, self._marked, self._distinct = rest, 0, 0, -1

    def resume(self, partitions: List[TopicPartition]) -> None:
        names, parts, _, n = vectors(partitions, with_offsets=False)
        call(lib.Resume, self._handle(), names, parts, n)
        back = []
        for tp in partitions:
            back.extend(self._held.pop((tp.topic, tp.partition), []))
        if back:
            self._store()
            self._buf, self._pos, self._marked, self._distinct = back + self._buf[self._pos:], 0, 0, -1

    def store_offsets(self, message: Optional[Message] = None, offsets: Optional[List[TopicPartition]] = None) -> None:
        """Stores message.offset() + 1, or the offsets given, for the next
        commit (with enable.auto.offset.store false)."""
        if message is not None:
            offsets = [TopicPartition(message.topic(), message.partition(), message.offset() + 1)]
        if not offsets:
            raise ValueError("store_offsets needs a message or offsets")
        names, parts, offs, n = vectors(offsets)
        call(lib.StoreOffsets, self._handle(), names, parts, offs, n)

    def get_watermark_offsets(self, partition: TopicPartition, timeout: Optional[float] = None,
                              cached: bool = False) -> Tuple[int, int]:
        """(low, high): the first offset kept and the offset the next message gets."""
        low, high, text = ffi.new("int64_t *"), ffi.new("int64_t *"), Text()
        ms = timeout_ms(timeout, 10)
        rc = lib.Watermarks(self._handle(), partition.topic.encode(), partition.partition, 10000 if ms < 0 else ms,
                            low, high, text.buf, text.len)
        if rc:
            raise_for(rc, text.text())
        return (low[0], high[0])

    def offsets_for_times(self, partitions: List[TopicPartition], timeout: Optional[float] = None) -> List[TopicPartition]:
        """Per partition, the first offset whose timestamp (given as the
        TopicPartition's offset, ms since the epoch) is at or after it."""
        names, parts, offs, n = vectors(partitions)
        ms = timeout_ms(timeout, 10)
        return output_vectors(lib.OffsetsForTimes, self._handle(), names, parts, offs, n, 10000 if ms < 0 else ms,
                              capacity=max(64, n))

    def consumer_group_metadata(self) -> ConsumerGroupMetadata:
        return ConsumerGroupMetadata(self)

    def lag(self, group: Optional[str] = None, timeout: float = 10) -> List[Dict[str, Any]]:
        """The group's lag table (this consumer's group by default): one dict
        per partition with topic, partition, committed, end, lag and the owner."""
        group = group or str(self._conf.get("group.id", ""))
        return call_json(lib.GroupLag, self._handle(), group.encode(), int(timeout * 1000))["partitions"]

    # -- lifetime

    def _release(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            lib.UninitConsumer(h)

    def close(self) -> None:
        """Stores what was handed out, leaves the group (committing with
        auto-commit) and releases the consumer; later calls raise RuntimeError."""
        if self._h is None:
            return
        self._drop()
        if self._subscribed and self._assigned and self._on_revoke:
            self._on_revoke(self, [TopicPartition(t, p) for t, p in sorted(self._assigned)])
        if self._async_commits:
            self._serve_commits(1000)  # what is still in flight, briefly
        self._release()

    def __enter__(self) -> "Consumer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:
            pass


__all__ = ["Consumer", "Columns", "ConsumerGroupMetadata", "Union"]
