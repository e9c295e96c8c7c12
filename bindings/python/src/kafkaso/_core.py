"""Plumbing shared by the clients: the loaded library, errors, the
configuration dictionary, partition vectors and JSON answers."""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ._kafka import ffi, lib

TEXT = 512
OFFSET_BEGINNING = lib.KAFKA_OFFSET_BEGINNING
OFFSET_END = lib.KAFKA_OFFSET_END
OFFSET_STORED = lib.KAFKA_OFFSET_STORED
OFFSET_INVALID = lib.KAFKA_OFFSET_INVALID
TIMESTAMP_NOT_AVAILABLE = 0
TIMESTAMP_CREATE_TIME = 1
TIMESTAMP_LOG_APPEND_TIME = 2
# Longest single wait inside a blocking call, so Ctrl-C is seen between waits.
SLICE_MS = 100


def _error_table() -> Dict[int, Tuple[str, str]]:
    size = ffi.new("int32_t *", 1 << 16)
    while True:
        buf = ffi.new("char[]", size[0])
        err, n = ffi.new("char[]", TEXT), ffi.new("int *", TEXT)
        rc = lib.ErrorCodes(buf, size, err, n)
        if rc != lib.KAFKA_ERR_TOO_SMALL:
            break
    codes = json.loads(ffi.string(buf, size[0]))["codes"]
    return {c["code"]: (c["name"], c["description"]) for c in codes}


_ERRORS = _error_table()


class KafkaError:
    """An error or event: a code (librdkafka's, negative local, positive
    broker, or the library's own KAFKA_ERR_*), its name and a text."""

    __slots__ = ("_code", "_reason", "_fatal", "_retriable", "_abort")

    def __init__(self, error: int, reason: Optional[str] = None, fatal: bool = False, retriable: bool = False,
                 txn_requires_abort: bool = False):
        self._code = int(error)
        self._reason = reason
        self._fatal, self._retriable, self._abort = bool(fatal), bool(retriable), bool(txn_requires_abort)

    def code(self) -> int:
        return self._code

    def name(self) -> str:
        entry = _ERRORS.get(self._code)
        return entry[0] if entry else f"ERR_{self._code}"

    def str(self) -> str:
        if self._reason:
            return self._reason
        entry = _ERRORS.get(self._code)
        return entry[1] if entry else f"Err-{self._code}"

    def fatal(self) -> bool:
        return self._fatal

    def retriable(self) -> bool:
        return self._retriable

    def txn_requires_abort(self) -> bool:
        return self._abort

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KafkaError):
            return self._code == other._code
        return isinstance(other, int) and self._code == other

    def __hash__(self) -> int:
        return hash(self._code)

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.str()

    def __repr__(self) -> str:
        return f'KafkaError{{code={self.name()},val={self._code},str="{self.str()}"}}'


# The code names as class attributes, as confluent-kafka has them
# (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART, ...).
for _code, (_name, _) in _ERRORS.items():
    if _name.isidentifier() and not hasattr(KafkaError, _name):
        setattr(KafkaError, _name, _code)


class KafkaException(Exception):
    """Raised with a KafkaError as its first argument."""

    def __init__(self, kafka_error: Any = None, *args: Any, **kwargs: Any):
        if not isinstance(kafka_error, KafkaError) and isinstance(kafka_error, int):
            kafka_error = KafkaError(kafka_error, *args, **kwargs)
            args = ()
        super().__init__(kafka_error, *args)


def raise_for(rc: int, text: Optional[str] = None, flags: int = 0) -> None:
    """Raises KafkaException for a non-zero status; -184 is BufferError as in
    confluent-kafka (the local queue is full: poll, then retry)."""
    if rc == 0:
        return
    if rc == -184:
        raise BufferError(text or KafkaError(rc).str())
    raise KafkaException(KafkaError(rc, text or None, fatal=bool(flags & lib.KAFKA_TXN_FATAL),
                                    retriable=bool(flags & lib.KAFKA_TXN_RETRIABLE),
                                    txn_requires_abort=bool(flags & lib.KAFKA_TXN_ABORTABLE)))


class Text:
    """An errtxt buffer with its length, for one call at a time."""

    __slots__ = ("buf", "len")

    def __init__(self) -> None:
        self.buf = ffi.new("char[]", TEXT)
        self.len = ffi.new("int *", TEXT)

    def reset(self) -> "Text":
        self.len[0] = TEXT
        return self

    def text(self) -> str:
        return ffi.unpack(self.buf, min(self.len[0], TEXT)).decode("utf-8", "replace")


def call(fn: Callable[..., int], *args: Any) -> None:
    """fn(*args, errtxt, plen), raising on a non-zero status."""
    t = Text()
    rc = fn(*args, t.buf, t.len)
    if rc:
        raise_for(rc, t.text())


def call_json(fn: Callable[..., int], *args: Any) -> Any:
    """fn(*args, result, resultlen, errtxt, plen): the parsed JSON answer,
    asking again with the size needed when the buffer was too small."""
    size = ffi.new("int32_t *", 1 << 16)
    while True:
        capacity = size[0]
        buf = ffi.new("char[]", capacity)
        t = Text()
        rc = fn(*args, buf, size, t.buf, t.len)
        if rc == lib.KAFKA_ERR_TOO_SMALL and size[0] > capacity:
            continue
        if rc:
            raise_for(rc, t.text())
        return json.loads(ffi.unpack(buf, size[0]))


def conf_value(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    return str(value).encode()


def b(value: Any) -> Any:
    """A str as UTF-8 bytes (confluent-kafka's rule), bytes-likes as they are."""
    return value.encode() if isinstance(value, str) else value


def timeout_ms(timeout: Optional[float], default: float = -1) -> int:
    """confluent-kafka's seconds (None or negative: forever) as ms; -1 forever."""
    if timeout is None:
        timeout = default
    if timeout < 0:
        return -1
    return int(timeout * 1000)


class TopicPartition:
    """A topic, partition, offset (and error) as confluent-kafka has it."""

    __slots__ = ("topic", "partition", "offset", "metadata", "leader_epoch", "error")

    def __init__(self, topic: str, partition: int = -1, offset: int = OFFSET_INVALID, metadata: Optional[str] = None,
                 leader_epoch: Optional[int] = None):
        self.topic, self.partition, self.offset = topic, partition, offset
        self.metadata, self.leader_epoch = metadata, leader_epoch
        self.error: Optional[KafkaError] = None

    def _key(self) -> Tuple[str, int]:
        return (self.topic, self.partition)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TopicPartition) and self._key() == other._key()

    def __lt__(self, other: "TopicPartition") -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"TopicPartition{{topic={self.topic},partition={self.partition},offset={self.offset},"
                f"leader_epoch={self.leader_epoch},error={self.error!r}}}")

    __str__ = __repr__


def vectors(partitions: Iterable[TopicPartition], with_offsets: bool = True) -> Tuple[bytes, Any, Any, int]:
    """Partition vectors for the library: LF-separated names, partitions, offsets."""
    items = list(partitions)
    names = "\n".join(tp.topic for tp in items).encode()
    parts = ffi.new("int32_t[]", [tp.partition for tp in items] or [0])
    offs = ffi.new("int64_t[]", [tp.offset for tp in items] or [0]) if with_offsets else ffi.NULL
    return names, parts, offs, len(items)


def output_vectors(fn: Callable[..., int], *args: Any, capacity: int = 1024) -> List[TopicPartition]:
    """Calls fn(*args, topics, topicslen, partitions, offsets, errors, count,
    errtxt, plen), growing the arrays until the answer fits."""
    while True:
        topics = ffi.new("char[]", capacity * 64)
        tlen = ffi.new("uint32_t *", capacity * 64)
        parts, offs = ffi.new("int32_t[]", capacity), ffi.new("int64_t[]", capacity)
        errs, count = ffi.new("int32_t[]", capacity), ffi.new("int32_t *", capacity)
        t = Text()
        rc = fn(*args, topics, tlen, parts, offs, errs, count, t.buf, t.len)
        if rc == lib.KAFKA_ERR_TOO_SMALL:
            capacity *= 4
            continue
        if rc:
            raise_for(rc, t.text())
        n = count[0]
        names = ffi.unpack(topics, tlen[0]).decode().split("\n") if n else []
        out = []
        for i in range(n):
            tp = TopicPartition(names[i], parts[i], offs[i])
            if errs[i]:
                tp.error = KafkaError(errs[i])
            out.append(tp)
        return out


class Client:
    """One kafka.so client handle made from a confluent-kafka configuration;
    the callables confluent-kafka accepts in it are taken out first."""

    _CALLBACKS = ("error_cb", "throttle_cb", "stats_cb", "logger", "on_delivery", "on_commit", "oauth_cb")

    def __init__(self, conf: Optional[Dict[str, Any]] = None, **kwargs: Any):
        # Keyword arguments spell dots as underscores (bootstrap_servers).
        conf = dict(conf or {})
        conf.update({k if k in self._CALLBACKS else k.replace("_", "."): v for k, v in kwargs.items()})
        self._callbacks = {k: conf.pop(k) for k in self._CALLBACKS if k in conf}
        if "delivery.report.only.error" in conf:
            self._only_errors = str(conf.pop("delivery.report.only.error")).lower() in ("true", "1")
        else:
            self._only_errors = False
        self._conf = conf
        h = ffi.new("void **")
        raise_for(lib.InitKafka(h))
        self._h = h[0]
        try:
            for key, value in conf.items():
                call(lib.SetKafkaConf, self._h, key.encode(), conf_value(value))
        except Exception:
            self._release()
            raise

    def _release(self) -> None:
        raise NotImplementedError

    def _handle(self) -> Any:
        if self._h is None:
            raise RuntimeError(f"{type(self).__name__} has been closed")
        return self._h

    def _serve_events(self) -> int:
        """Hands librdkafka's errors and statistics to error_cb/stats_cb/logger."""
        wanted = self._callbacks
        if not ("error_cb" in wanted or "stats_cb" in wanted or "logger" in wanted):
            return 0
        cap = 64
        kinds, levels, codes = ffi.new("int32_t[]", cap), ffi.new("int32_t[]", cap), ffi.new("int32_t[]", cap)
        texts, tlen = ffi.new("char[]", 1 << 16), ffi.new("uint32_t *", 1 << 16)
        lens, count, dropped = ffi.new("int32_t[]", cap), ffi.new("int32_t *", cap), ffi.new("int32_t *")
        t = Text()
        rc = lib.Events(self._h, 0, kinds, levels, codes, texts, tlen, lens, count, dropped, t.buf, t.len)
        if rc:
            return 0
        data = ffi.unpack(texts, tlen[0])
        at = 0
        for i in range(count[0]):
            text = data[at:at + lens[i]].decode("utf-8", "replace")
            at += lens[i]
            if kinds[i] == lib.KAFKA_EVENT_ERROR and "error_cb" in wanted:
                wanted["error_cb"](KafkaError(codes[i], text, fatal=levels[i] <= 2))
            elif kinds[i] == lib.KAFKA_EVENT_STATS and "stats_cb" in wanted:
                wanted["stats_cb"](text)
            elif kinds[i] == lib.KAFKA_EVENT_LOG and "logger" in wanted:
                logger = wanted["logger"]
                logger.log({0: 50, 1: 50, 2: 50, 3: 40, 4: 30, 5: 20, 6: 20}.get(levels[i], 10), text)
        return count[0]

    def list_topics(self, topic: Optional[str] = None, timeout: float = -1) -> "ClusterMetadata":
        """The cluster's brokers and topics (or one topic), as confluent-kafka's ClusterMetadata."""
        ms = timeout_ms(timeout, 10)
        doc = call_json(lib.Metadata, self._handle(), (topic or "").encode(), 60000 if ms < 0 else ms)
        return ClusterMetadata._from_json(doc)


class BrokerMetadata:
    def __init__(self, id: int = -1, host: Optional[str] = None, port: int = -1):
        self.id, self.host, self.port = id, host, port

    def __repr__(self) -> str:
        return f"BrokerMetadata({self.id}, {self.host}:{self.port})"

    def __str__(self) -> str:
        return f"{self.host}:{self.port}/{self.id}"


class PartitionMetadata:
    def __init__(self) -> None:
        self.id = -1
        self.leader = -1
        self.replicas: List[int] = []
        self.isrs: List[int] = []
        self.error: Optional[KafkaError] = None

    def __repr__(self) -> str:
        return f"PartitionMetadata({self.id})"

    def __str__(self) -> str:
        return str(self.id)


class TopicMetadata:
    def __init__(self) -> None:
        self.topic: Optional[str] = None
        self.partitions: Dict[int, PartitionMetadata] = {}
        self.error: Optional[KafkaError] = None

    def __repr__(self) -> str:
        return f'TopicMetadata({self.topic}, {len(self.partitions)} partitions)'

    def __str__(self) -> str:
        return str(self.topic)


class ClusterMetadata:
    def __init__(self) -> None:
        self.cluster_id: Optional[str] = None
        self.controller_id = -1
        self.orig_broker_id = -1
        self.orig_broker_name: Optional[str] = None
        self.brokers: Dict[int, BrokerMetadata] = {}
        self.topics: Dict[str, TopicMetadata] = {}

    def __repr__(self) -> str:
        return f"ClusterMetadata({self.cluster_id})"

    def __str__(self) -> str:
        return str(self.cluster_id)

    @classmethod
    def _from_json(cls, doc: Dict[str, Any]) -> "ClusterMetadata":
        md = cls()
        md.cluster_id = doc.get("cluster_id")
        md.controller_id = doc.get("controller_id", -1)
        md.orig_broker_id = doc.get("orig_broker_id", -1)
        for b_ in doc.get("brokers", []):
            md.brokers[b_["id"]] = BrokerMetadata(b_["id"], b_["host"], b_["port"])
            if b_["id"] == md.orig_broker_id:
                md.orig_broker_name = f'{b_["host"]}:{b_["port"]}/{b_["id"]}'
        for t in doc.get("topics", []):
            tm = TopicMetadata()
            tm.topic = t["topic"]
            if t.get("error"):
                tm.error = KafkaError(t["error"], t.get("error_text"))
            for p in t.get("partitions", []):
                pm = PartitionMetadata()
                pm.id, pm.leader = p["partition"], p["leader"]
                pm.replicas, pm.isrs = list(p["replicas"]), list(p["isrs"])
                if p.get("error"):
                    pm.error = KafkaError(p["error"], p.get("error_text"))
                tm.partitions[pm.id] = pm
            md.topics[tm.topic] = tm
        return md


def headers_in(headers: Any) -> Tuple[int, Any, Any]:
    """confluent-kafka's headers (a dict or a list of (name, value)) packed
    as the library takes them: count, names and values back to back, lengths."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    data, lens = bytearray(), []
    for name, value in items:
        name = b(name)
        data += name
        lens.append(len(name))
        if value is None:
            lens.append(-1)
        else:
            value = b(value)
            data += value
            lens.append(len(value))
    return len(items), bytes(data), ffi.new("int32_t[]", lens or [0])


def headers_out(data: bytes, lens: Sequence[int], start: int, count: int, at: int) -> Tuple[List[Tuple[str, Optional[bytes]]], int]:
    """count headers from data at byte `at`, lengths from lens[start:]."""
    out = []
    for j in range(start, start + 2 * count, 2):
        n, v = lens[j], lens[j + 1]
        name = data[at:at + n].decode("utf-8", "replace")
        at += n
        if v < 0:
            out.append((name, None))
        else:
            out.append((name, data[at:at + v]))
            at += v
    return out, at
