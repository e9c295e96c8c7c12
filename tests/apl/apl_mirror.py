"""The APL binding (bindings/apl) re-enacted in Python over the ⎕NA caller.

`Kafka` mirrors the `kafka` namespace: each wrapper makes its ⎕NA call with
the argument strand read from the wrapper's own .aplf file (so a replay
passes exactly what the APL passes) and shapes the result as the APL does.
`Producer`, `Consumer`, `Admin`, `Record` and `MockCluster` mirror the
classes method by method; the constants they pass (buffer sizes, batch
sizes) are read from the .aplc/.aplf files too.

APL character vectors are Python `bytes` on the way into the library and
`str` on the way out of the classes (what `kafka.text` decodes); `bytes`
given as a payload or key stand for a numeric byte vector in APL. An APL
matrix is a `Table` (a list of rows), so that it stays distinct from a
vector of vectors. ⎕JSON's namespaces are `SimpleNamespace`s, and its
⊂'null', ⊂'true', ⊂'false' the markers `JNULL`, `JTRUE`, `JFALSE`.
"""

import json
import re
from types import SimpleNamespace

import apl_source


class AplSignal(Exception):
    """What ⎕SIGNAL raises in the APL code."""


def cstr(value):
    """kafka.cstr: text as UTF-8, numbers formatted ('¯' as '-')."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value).encode()
    return str(value).encode("utf-8")


def to_bytes(data):
    """kafka.bytes: text as UTF-8; numbers (here: bytes) as byte values."""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, (list, tuple)):
        return bytes(v % 256 for v in data)
    return str(data).encode("utf-8")


def text(data):
    """kafka.text: decoded from UTF-8 when valid, else one char per byte;
    ⎕NULL (None) unchanged."""
    if data is None:
        return None
    if any(b > 127 for b in data):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def pack(items):
    """kafka.pack: items (text, bytes, None for ⎕NULL) as data lengths,
    the bytes back to back and a length per item, -1 for None."""
    items = list(items)
    data = b"".join(b"" if i is None else to_bytes(i) for i in items)
    return [data, [-1 if i is None else len(to_bytes(i)) for i in items]]


def unpack(data, lengths):
    """kafka.unpack: packed bytes as items, None (⎕NULL) for -1."""
    out, start = [], 0
    for n in ravel(lengths):
        out.append(None if n < 0 else data[start:start + n])
        start += max(n, 0)
    return out


class Table(list):
    """An APL matrix: a list of rows."""

    def column(self, i):
        return [row[i] for row in self]

    def columns(self, *idx):
        return Table([[row[i] for i in idx] for row in self])


class _Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"⊂'{self.name}'"


JNULL, JTRUE, JFALSE = _Marker("null"), _Marker("true"), _Marker("false")


def from_json(data):
    """kafka.from_json: ⎕JSON of the library's UTF-8 JSON."""

    def apl(v):
        if v is None:
            return JNULL
        if v is True:
            return JTRUE
        if v is False:
            return JFALSE
        if isinstance(v, dict):
            return SimpleNamespace(**{k: apl(x) for k, x in v.items()})
        if isinstance(v, list):
            return [apl(x) for x in v]
        return v

    return apl(json.loads(text(data)))


def is_text(x):
    """kafka.is_text: a simple character array (one name)."""
    return isinstance(x, (str, bytes))


def is_null(x):
    return x is JNULL


def is_true(x):
    return x is JTRUE


def enlist(x):
    """⊆: one name as a one-item list."""
    return [x] if is_text(x) else list(x)


def ravel(x):
    return list(x) if isinstance(x, (list, tuple, range)) else [x]


def reshape(n, x):
    """n⍴x for a scalar or a vector (cycling; ⍬ gives zeros)."""
    v = ravel(x)
    return [v[i % len(v)] if v else 0 for i in range(n)]


def lines(names):
    """kafka.lines: names, UTF-8, LF-separated."""
    return b"\n".join(cstr(n) for n in enlist(names))


def split(data):
    """kafka.split: LF-separated bytes as texts (empty parts dropped, as
    APL's partition drops them)."""
    return [text(part) for part in data.split(b"\n") if part]


def settings(config):
    """kafka.settings: an N×2 matrix (or one pair) as key=value lines; a
    value ⍬ (here None) gives the key alone."""
    if not config:
        return b""
    rows = config if isinstance(config, Table) else [config]
    return b"\n".join(cstr(k) + (b"" if v is None else b"=" + cstr(v)) for k, v in rows)


def pack_headers(count, headers):
    """kafka.pack_headers: one Table (N×2) for all messages or a list of
    them, one per message; empty for none. Returns counts data lengths."""
    if not headers:
        headers = [Table()] * count
    elif isinstance(headers, Table):
        headers = [headers] * count
    headers = [h if isinstance(h, Table) else Table() if not h else Table([h]) for h in headers]
    data, lengths = pack([cell for h in headers for row in h for cell in row])
    return [[len(h) for h in headers], data, lengths]


def unpack_headers(counts, data, lengths):
    """kafka.unpack_headers: a Table of name value rows per message."""
    cells = unpack(data, lengths[: 2 * sum(counts)])
    rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
    out, start = [], 0
    for n in counts:
        out.append(Table(rows[start:start + n]))
        start += n
    return out


def tp_table(topics, tl, partitions, offsets, errors, n):
    """kafka.tp_table: partition vectors as rows topic partition offset error."""
    names = split(topics[:tl])
    names += [""] * (n - len(names))
    return Table([[names[i], partitions[i], offsets[i], errors[i]] for i in range(n)])


class Kafka:
    """The `kafka` namespace after `Init`."""

    def __init__(self, na):
        self.na = na
        names = set(na.functions)
        self.calls = {}
        for call in apl_source.find_calls(names):
            if call.file.parent.name == "kafka" and call.function != "load":
                assert call.function not in self.calls, f"{call.where}: one ⎕NA call per wrapper"
                self.calls[call.function] = call
        #: every ⎕NA call made: (function, arguments, result)
        self.trace = []

    def _na(self, wrapper, **env):
        call = self.calls[wrapper]
        args = call.evaluate(env)
        result = self.na[call.name](*args)
        self.trace.append((call.name, args, result))
        return result

    def version(self):
        number, string = self._na("version")
        return [number, string]

    def describe(self, size):
        rc, json, got = self._na("describe", size=size)
        return [rc, json, got]

    def init_kafka(self):
        rc, handle = self._na("init_kafka")
        return [rc, handle]

    def set_kafka_conf(self, handle, key, value):
        rc, err, n = self._na("set_kafka_conf", handle=handle, key=cstr(key), value=cstr(value))
        return [rc, err[:n]]

    def new_topic_conf(self):
        rc, handle = self._na("new_topic_conf")
        return [rc, handle]

    def set_topic_conf(self, handle, key, value):
        rc, err, n = self._na("set_topic_conf", handle=handle, key=cstr(key), value=cstr(value))
        return [rc, err[:n]]

    def del_topic_conf(self, handle):
        return self._na("del_topic_conf", handle=handle)

    def uninit_producer(self, handle):
        return self._na("uninit_producer", handle=handle)

    def uninit_consumer(self, handle):
        return self._na("uninit_consumer", handle=handle)

    def new_topic_partition_list(self):
        rc, lst = self._na("new_topic_partition_list")
        return [rc, lst]

    def set_topic_partition_list(self, lst, topic, partition):
        return self._na("set_topic_partition_list", list=lst, topic=cstr(topic), partition=partition)

    def del_topic_partition_list(self, lst):
        return self._na("del_topic_partition_list", list=lst)

    def set_offset(self, lst, topic, partition, offset):
        return self._na("set_offset", list=lst, topic=cstr(topic), partition=partition, offset=offset)

    def subscribe_consumer_tp_list(self, handle, lst):
        rc, err, n = self._na("subscribe_consumer_tp_list", handle=handle, list=lst)
        return [rc, err[:n]]

    def produce(self, handle, topic, payload, key, partition):
        rc, msgid, err, n = self._na(
            "produce", handle=handle, topic=cstr(topic), payload=to_bytes(payload), key=to_bytes(key), partition=partition
        )
        return [rc, msgid, err[:n]]

    def delivery_report(self, handle, count):
        rc, ids, errs, n = self._na("delivery_report", handle=handle, count=count)
        return [rc, [[i, e] for i, e in zip(ids[:n], errs[:n])]]

    def delivery_report_wait(self, handle, count, ms):
        rc, ids, errs, n = self._na("delivery_report_wait", handle=handle, count=count, ms=ms)
        return [rc, [[i, e] for i, e in zip(ids[:n], errs[:n])]]

    def library_version(self):
        number, string = self._na("library_version")
        return string

    def purge(self, handle, flags):
        rc, err, n = self._na("purge", handle=handle, flags=flags)
        return [rc, err[:n]]

    def dr_message_error(self, code):
        rc, err, n = self._na("dr_message_error", code=code)
        return [rc, err[:n]]

    def consume(self, handle, tl, pl, kl):
        rc, topic, tl, payload, pl, key, kl, partition, offset, err, n = self._na(
            "consume", handle=handle, tl=tl, pl=pl, kl=kl
        )
        if rc == 0:
            return [0, topic[:tl], payload[:pl], key[:kl], partition, offset]
        if rc == 2:
            return [2, err[:n], [tl, pl, kl]]
        return [rc, err[:n]]

    def commit(self, handle, lst):
        return self._na("commit", handle=handle, list=lst)

    def committed(self, handle, lst):
        rc, offset = self._na("committed", handle=handle, list=lst)
        return [rc, offset]

    def flush(self, handle, ms):
        rc, inflight = self._na("flush", handle=handle, ms=ms)
        return [rc, inflight]

    def new_mock_cluster(self, brokers):
        rc, mock, address, n = self._na("new_mock_cluster", brokers=brokers)
        return [rc, mock, address[:n]]

    def mock_create_topic(self, mock, topic, partitions, replication):
        rc, err, n = self._na(
            "mock_create_topic", mock=mock, topic=cstr(topic), partitions=partitions, replication=replication
        )
        return [rc, err[:n]]

    def mock_broker_down(self, mock, broker):
        rc, err, n = self._na("mock_broker_down", mock=mock, broker=broker)
        return [rc, err[:n]]

    def mock_broker_up(self, mock, broker):
        rc, err, n = self._na("mock_broker_up", mock=mock, broker=broker)
        return [rc, err[:n]]

    def mock_set_rtt(self, mock, broker, ms):
        rc, err, n = self._na("mock_set_rtt", mock=mock, broker=broker, ms=ms)
        return [rc, err[:n]]

    def mock_push_request_errors(self, mock, apikey, errors):
        rc, err, n = self._na("mock_push_request_errors", mock=mock, apikey=apikey, errors=ravel(errors))
        return [rc, err[:n]]

    def mock_set_leader(self, mock, topic, partition, broker):
        rc, err, n = self._na("mock_set_leader", mock=mock, topic=cstr(topic), partition=partition, broker=broker)
        return [rc, err[:n]]

    def destroy_mock_cluster(self, mock):
        return self._na("destroy_mock_cluster", mock=mock)

    # -- issue 8: consumer control, admin, metadata, group lag --------------

    #: The first buffer sizes are read from each wrapper's .aplf file; a
    #: test may cap them (CAP) to replay the ¯304 path.
    CAP = None

    def _first(self, wrapper, pattern):
        line = next(l for l in apl_source.method_lines(f"kafka/{wrapper}.aplf", wrapper) if re.search(pattern, l))
        sizes = [int(x) for x in re.search(pattern, line).groups()]
        return [min(x, self.CAP) for x in sizes] if self.CAP is not None else sizes

    def _tries(self, wrapper):
        return _int_after(f"kafka/{wrapper}.aplf", wrapper, r":For tries :In ⍳(\d+)")

    def _tp_loop(self, wrapper, **env):
        """The loop of assignment, position and offsets_for_times: ask, and
        on ¯304 ask again with the sizes the library asked for."""
        tl, n = self._first(wrapper, r"\(tl n\)←(\d+) ?\(?(\d+)")
        if "count" in env:
            n = max(n, env["count"])  # 64⌈count
        for _ in range(self._tries(wrapper)):
            result = self._na(wrapper, tl=tl, n=n, **env)
            rc, topics, tl, partitions, offsets, errors, n, err, length = result
            if rc != -304:
                break
            tl += 1
        n *= rc == 0
        return [rc, tp_table(topics, tl, partitions, offsets, errors, n), err[:length]]

    def _json_loop(self, wrapper, **env):
        (size,) = self._first(wrapper, r"^\s*size←(\d+)")
        for _ in range(self._tries(wrapper)):
            rc, result, size, err, length = self._na(wrapper, size=size, **env)
            if rc != -304:
                break
        return [rc, from_json(result) if rc == 0 else [], err[:length]]

    def assign(self, handle, topics, partitions, offsets):
        partitions = ravel(partitions)
        offsets = reshape(len(partitions), offsets)
        rc, err, n = self._na("assign", handle=handle, topics=lines(topics), partitions=partitions, offsets=offsets)
        return [rc, err[:n]]

    def assignment(self, handle):
        return self._tp_loop("assignment", handle=handle)

    def position(self, handle):
        return self._tp_loop("position", handle=handle)

    def rebalance(self, handle):
        tl, n = self._first("rebalance", r"\(tl n\)←(\d+) ?\(?(\d+)")
        for _ in range(self._tries("rebalance")):
            rc, kind, topics, tl, partitions, offsets, errors, n, err, length = self._na("rebalance", handle=handle,
                                                                                        tl=tl, n=n)
            if rc != -304:
                break
            tl += 1
        n *= rc == 0
        return [rc, kind, tp_table(topics, tl, partitions, offsets, errors, n), err[:length]]

    def offsets_for_times(self, handle, topics, partitions, times, timeout):
        partitions = ravel(partitions)
        times = reshape(len(partitions), times)
        return self._tp_loop("offsets_for_times", handle=handle, topics=lines(topics), partitions=partitions,
                             times=times, count=len(partitions), timeout=timeout)

    def unsubscribe(self, handle):
        rc, err, n = self._na("unsubscribe", handle=handle)
        return [rc, err[:n]]

    def subscription(self, handle):
        (tl,) = self._first("subscription", r"^\s*tl←(\d+)")
        for _ in range(self._tries("subscription")):
            rc, topics, tl, count, err, n = self._na("subscription", handle=handle, tl=tl)
            if rc != -304:
                break
            tl += 1
        names = split(topics[:tl])[:count] if rc == 0 else []
        return [rc, names, err[:n]]

    def seek(self, handle, topic, partition, offset):
        rc, err, n = self._na("seek", handle=handle, topic=cstr(topic), partition=partition, offset=offset)
        return [rc, err[:n]]

    def pause(self, handle, topics, partitions):
        rc, err, n = self._na("pause", handle=handle, topics=lines(topics), partitions=ravel(partitions))
        return [rc, err[:n]]

    def resume(self, handle, topics, partitions):
        rc, err, n = self._na("resume", handle=handle, topics=lines(topics), partitions=ravel(partitions))
        return [rc, err[:n]]

    def watermarks(self, handle, topic, partition, timeout):
        rc, low, high, err, n = self._na("watermarks", handle=handle, topic=cstr(topic), partition=partition,
                                         timeout=timeout)
        return [rc, low, high, err[:n]]

    def create_topics(self, handle, topics, partitions, replication, config, validate, timeout):
        count = len(enlist(topics))
        rc, errors, err, n = self._na(
            "create_topics", handle=handle, topics=lines(topics), partitions=reshape(count, partitions),
            replication=reshape(count, replication), count=count, config=settings(config), validate=validate,
            timeout=timeout)
        return [rc, errors, err[:n]]

    def delete_topics(self, handle, topics, timeout):
        count = len(enlist(topics))
        rc, errors, err, n = self._na("delete_topics", handle=handle, topics=lines(topics), count=count,
                                      timeout=timeout)
        return [rc, errors, err[:n]]

    def create_partitions(self, handle, topics, totals, validate, timeout):
        count = len(enlist(topics))
        rc, errors, err, n = self._na("create_partitions", handle=handle, topics=lines(topics),
                                      totals=reshape(count, totals), count=count, validate=validate, timeout=timeout)
        return [rc, errors, err[:n]]

    def delete_records(self, handle, topics, partitions, offsets, timeout):
        partitions = ravel(partitions)
        count = len(partitions)
        rc, errors, err, n = self._na("delete_records", handle=handle, topics=lines(topics), partitions=partitions,
                                      offsets=reshape(count, offsets), count=count, timeout=timeout)
        return [rc, errors, err[:n]]

    def describe_configs(self, handle, type_, name, timeout):
        return self._json_loop("describe_configs", handle=handle, type=cstr(type_), name=cstr(name), timeout=timeout)

    def alter_configs(self, handle, type_, name, config, timeout):
        rc, err, n = self._na("alter_configs", handle=handle, type=cstr(type_), name=cstr(name),
                              config=settings(config), timeout=timeout)
        return [rc, err[:n]]

    def metadata(self, handle, topic, timeout):
        return self._json_loop("metadata", handle=handle, topic=cstr(topic), timeout=timeout)

    def list_groups(self, handle, timeout):
        return self._json_loop("list_groups", handle=handle, timeout=timeout)

    def describe_group(self, handle, group, timeout):
        return self._json_loop("describe_group", handle=handle, group=cstr(group), timeout=timeout)

    def group_lag(self, handle, group, timeout):
        return self._json_loop("group_lag", handle=handle, group=cstr(group), timeout=timeout)

    def delete_group(self, handle, group, timeout):
        rc, err, n = self._na("delete_group", handle=handle, group=cstr(group), timeout=timeout)
        return [rc, err[:n]]

    # -- issue 9: batches, headers, timestamps, rich delivery reports -------

    def produce_batch(self, handle, topics, payloads, keys, partitions, timestamps, headers):
        payloads = [payloads] if is_text(payloads) or payloads is None else list(payloads)
        count = len(payloads)
        keys = reshape(count, [keys] if is_text(keys) or keys is None else keys)
        payloads, paylens = pack(payloads)
        keys, keylens = pack(keys)
        hcounts, hdata, hlens = pack_headers(count, headers)
        rc, ids, statuses, err, n = self._na(
            "produce_batch", handle=handle, topics=lines(topics), count=count, payloads=payloads, paylens=paylens,
            keys=keys, keylens=keylens, partitions=ravel(partitions), timestamps=reshape(count, timestamps),
            hcounts=hcounts, hdata=hdata, hlens=hlens)
        statuses = [s or (rc if i == 0 else 0) for i, s in zip(ids, statuses)]
        return [rc, ids, statuses, err[:n]]

    def produce_with(self, handle, topic, payload, key, partition, timestamp, headers):
        payload, (paylen,) = pack([payload])
        key, (keylen,) = pack([key])
        hcounts, hdata, hlens = pack_headers(1, headers)
        rc, msgid, err, n = self._na(
            "produce_with", handle=handle, topic=cstr(topic), payload=payload, paylen=paylen, key=key, keylen=keylen,
            partition=partition, timestamp=timestamp, nheaders=hcounts[0], hdata=hdata, hlens=hlens)
        return [rc, msgid, err[:n]]

    def consume_batch(self, handle, n, timeout, sizes):
        sizes = list(sizes)
        for _ in range(self._tries("consume_batch")):
            tl, pl, kl, hl, hn = sizes
            (rc, topics, tl, topicidx, partitions, offsets, timestamps, tstypes, payloads, pl, paylens, keys, kl,
             keylens, hcounts, hdata, hl, hlens, hn, got, err, length) = self._na(
                "consume_batch", handle=handle, timeout=timeout, tl=tl, n=n, pl=pl, kl=kl, hl=hl, hn=hn)
            if rc != -304:
                break
            sizes = [max(a, b) for a, b in zip(sizes, [tl + 1, pl, kl, hl, hn])]
        got *= rc == 0
        if rc == 0 and got < n:  # the buffers may have cut the batch short
            sizes[1:] = [s * 2 if used > s / 2 else s for s, used in zip(sizes[1:], [pl, kl, hl, hn])]
        names = split(topics[:tl])
        columns = [[names[i] for i in topicidx[:got]], unpack(payloads, paylens[:got]), unpack(keys, keylens[:got]),
                   partitions[:got], offsets[:got], timestamps[:got], unpack_headers(hcounts[:got], hdata, hlens),
                   tstypes[:got]]
        return [rc, columns, err[:length], sizes]

    def consume_with(self, handle, timeout, sizes):
        sizes = list(sizes)
        for _ in range(self._tries("consume_with")):
            tl, pl, kl, hl, hn = sizes
            (rc, topic, tl, payload, pl, key, kl, partition, offset, timestamp, tstype, nheaders, hdata, hl, hlens, hn,
             err, length) = self._na("consume_with", handle=handle, timeout=timeout, tl=tl, pl=pl, kl=kl, hl=hl,
                                     hn=hn)
            if rc != -304:
                break
            sizes = [max(a, b) for a, b in zip(sizes, [tl + 1, pl, kl, hl, hn])]
        message = []
        if rc == 0:
            message = [topic[:tl], unpack(payload, pl)[0], unpack(key, kl)[0], partition, offset, timestamp, tstype,
                       unpack_headers([nheaders], hdata, hlens)[0]]
        return [rc, message, err[:length], sizes]

    def delivery_reports(self, handle, count, timeout):
        rc, ids, statuses, partitions, offsets, timestamps, n, err, length = self._na(
            "delivery_reports", handle=handle, count=count, timeout=timeout)
        return [rc, Table([list(r) for r in zip(ids, statuses, partitions, offsets, timestamps)][:n]), err[:length]]

    def events(self, handle, count, ms):
        (size,) = self._first("events", r"^\s*size←(\d+)")
        for _ in range(self._tries("events")):
            rc, kinds, levels, codes, texts, size, lens, n, dropped, err, length = self._na(
                "events", handle=handle, count=count, ms=ms, size=size)
            if rc != -304:
                break
        if rc != 0:
            return [rc, err[:length], 0]
        pieces, at = [], 0
        for ln in lens[:n]:
            pieces.append(text(texts[at:at + ln]))
            at += ln
        return [rc, Table([list(r) for r in zip(kinds[:n], levels[:n], codes[:n], pieces)]), dropped]

    def error_name(self, code):
        rc, name, n = self._na("error_name", code=code)
        return [rc, name[:n]]

    def error_codes(self):
        rc, data, err = self._json_loop("error_codes")
        if rc != 0:
            return [rc, err]
        return [rc, Table([c.code, c.name, c.description] for c in data.codes)]

    # -- issue 10: async commit, stored offsets, transactions ---------------

    def _offsets_call(self, wrapper, handle, topics, partitions, offsets):
        """commit_async, commit_offsets, store_offsets: partition vectors in."""
        partitions = ravel(partitions)
        offsets = reshape(len(partitions), offsets)
        rc, err, n = self._na(wrapper, handle=handle, topics=lines(topics), partitions=partitions, offsets=offsets)
        return [rc, err[:n]]

    def commit_async(self, handle, topics, partitions, offsets):
        return self._offsets_call("commit_async", handle, topics, partitions, offsets)

    def commit_offsets(self, handle, topics, partitions, offsets):
        return self._offsets_call("commit_offsets", handle, topics, partitions, offsets)

    def store_offsets(self, handle, topics, partitions, offsets):
        return self._offsets_call("store_offsets", handle, topics, partitions, offsets)

    def commit_report(self, handle, count):
        (tl,) = self._first("commit_report", r"^\s*tl←(\d+)")
        for _ in range(self._tries("commit_report")):
            rc, topics, tl, partitions, offsets, errors, n = self._na("commit_report", handle=handle, tl=tl,
                                                                       count=count)
            if rc != -304:
                break
            tl += 1
        n *= rc == 0
        # every name, empty ones too (a -168 row's), so rows stay aligned
        names = [text(name) for name in topics[:tl].split(b"\n")]
        names += [""] * (n - len(names))
        return [rc, Table([[names[i], partitions[i], offsets[i], errors[i]] for i in range(n)])]

    def commit_report_wait(self, handle, count, timeout):
        (tl,) = self._first("commit_report_wait", r"^\s*tl←(\d+)")
        for _ in range(self._tries("commit_report_wait")):
            rc, topics, tl, partitions, offsets, errors, n, err, length = self._na(
                "commit_report_wait", handle=handle, timeout=timeout, tl=tl, count=count)
            if rc != -304:
                break
            tl += 1
        n *= rc == 0
        names = [text(name) for name in topics[:tl].split(b"\n")]
        names += [""] * (n - len(names))
        return [rc, Table([[names[i], partitions[i], offsets[i], errors[i]] for i in range(n)]), err[:length]]

    def committed_offsets(self, handle, topics, partitions, timeout):
        partitions = ravel(partitions)
        return self._tp_loop("committed_offsets", handle=handle, topics=lines(topics), partitions=partitions,
                             count=len(partitions), timeout=timeout)

    def _txn(self, wrapper, **env):
        rc, flags, err, n = self._na(wrapper, **env)
        return [rc, flags, err[:n]]

    def init_transactions(self, handle, timeout):
        return self._txn("init_transactions", handle=handle, timeout=timeout)

    def begin_transaction(self, handle):
        return self._txn("begin_transaction", handle=handle)

    def commit_transaction(self, handle, timeout):
        return self._txn("commit_transaction", handle=handle, timeout=timeout)

    def abort_transaction(self, handle, timeout):
        return self._txn("abort_transaction", handle=handle, timeout=timeout)

    def send_offsets_to_transaction(self, handle, consumer, topics, partitions, offsets, timeout):
        partitions = ravel(partitions)
        offsets = reshape(len(partitions), offsets)
        return self._txn("send_offsets_to_transaction", handle=handle, consumer=consumer, topics=lines(topics),
                         partitions=partitions, offsets=offsets, timeout=timeout)

    def fatal_error(self, handle):
        rc, err, n = self._na("fatal_error", handle=handle)
        return [rc, err[:n]]


def _int_after(class_file, method, pattern):
    """An integer constant in a method's code, e.g. the batch size in
    `delivery_report 100`."""
    for line in apl_source.method_lines(class_file, method):
        m = re.search(pattern, line)
        if m:
            return int(m.group(1))
    raise LookupError(f"{class_file} {method}: no match for {pattern!r}")


class Record:
    """Record.aplc"""

    def __init__(self, *args):
        fields = list(args) + ["", "", "", -1, -1, 0, Table()][len(args):]
        (self.Topic, self.Payload, self.Key, self.Partition, self.Offset, self.Timestamp,
         self.Headers) = fields
        self.TimestampType = 0

    def asArg(self):
        return [self.Topic, self.Payload, self.Key, self.Partition]

    def asArgWith(self):
        return [self.Topic, self.Payload, self.Key, self.Partition, self.Timestamp, self.Headers]


class _Client:
    KIND = ""

    def __init__(self, kafka, config=None):
        self.kafka = kafka
        self.LastError = b""
        self.Dropped, self.held = 0, Table()
        rc, self.handle = kafka.init_kafka()
        if rc != 0:
            self.handle = 0
            raise AplSignal(f"{self.KIND}: cannot create a Kafka handle (status {rc})")
        if config is not None:
            for key, value in config:
                r = self.configure(key, value)
                if r[0] != 0:
                    self._uninit()
                    self.handle = 0
                    raise AplSignal(f"{self.KIND}: {key}: {r[1]!r}")

    def configure(self, key, value):
        return self.kafka.set_kafka_conf(self.handle, key, value)

    def close(self):
        r = 0
        if self.handle != 0:
            r = self._uninit()
            self.handle = 0
        return r

    def unmake(self):
        """The destructor (⎕EX)."""
        if self.handle != 0:
            self._uninit()
        self.handle = 0

    # -- issue 10: events, in Producer.aplc and Consumer.aplc alike ----------

    def events(self, count, ms=None):
        return self._take_events(count, ms, (1, 2, 3))

    def logs(self, count, ms=None):
        return self._take_events(count, ms, (1,))

    def errors(self, count, ms=None):
        return self._take_events(count, ms, (2,))

    def _take_events(self, count, ms, kinds):
        if ms is None:
            ms = _int_after(f"{self.KIND}.aplc", "take_events", r"2↑args,(\d+)")
        rc, table, dropped = self.kafka.events(self.handle, count, ms)
        if rc != 0:
            self.LastError = table
            return [rc, Table()]
        self.Dropped += dropped
        self.held += table
        mine = Table(row for row in self.held if row[0] in kinds)
        self.held = Table(row for row in self.held if row[0] not in kinds)
        return [0, mine]


class Producer(_Client):
    """Producer.aplc"""

    KIND = "Producer"
    #: update_outstanding asks for this many reports a call
    BATCH = None

    def __init__(self, kafka, config=None):
        if Producer.BATCH is None:
            Producer.BATCH = _int_after("Producer.aplc", "update_outstanding", r"delivery_report (\d+)")
        self.outstanding = []
        super().__init__(kafka, config)

    def _uninit(self):
        return self.kafka.uninit_producer(self.handle)

    def produce(self, *args):
        topic, payload, key, partition = list(args) + ["", "", "", -1][len(args):]
        rc, msgid, err = self.kafka.produce(self.handle, topic, payload, key, partition)
        if rc == 0:
            self.outstanding.append([msgid, 0])
        else:
            self.LastError = err
        return [rc, msgid]

    def produce_record(self, record):
        if record.Timestamp == 0 and not record.Headers and record.Key is not None and record.Payload is not None:
            return self.produce(*record.asArg())
        return self.produce_with(*record.asArgWith())

    def produce_with(self, *args):
        topic, payload, key, partition, timestamp, headers = list(args) + ["", "", None, -1, 0, Table()][len(args):]
        rc, msgid, err = self.kafka.produce_with(self.handle, topic, payload, key, partition, timestamp, headers)
        if rc == 0:
            self.outstanding.append([msgid, 0])
        else:
            self.LastError = err
        return [rc, msgid]

    def produce_batch(self, *args):
        topics, payloads, keys, partitions, timestamps, headers = list(args) + ["", "", None, -1, 0, ""][len(args):]
        rc, ids, statuses, err = self.kafka.produce_batch(self.handle, topics, payloads, keys, partitions, timestamps,
                                                          headers)
        self.outstanding += [[i, 0] for i in ids if i != 0]
        if rc != 0:
            self.LastError = err
        return [rc, ids, statuses]

    def delivery_reports(self, count, ms=None):
        if ms is None:
            ms = _int_after("Producer.aplc", "delivery_reports", r"2↑args,(\d+)")
        rc, reports, err = self.kafka.delivery_reports(self.handle, count, ms)
        self._note(reports)
        if rc != 0:
            self.LastError = err
        return [rc, reports]

    def produce_sync(self, *args):
        rc, msgid = self.produce(*args)
        r = rc
        while rc == 0:
            self.update_outstanding()
            rows = [row for row in self.outstanding if row[0] == msgid]
            if not rows:
                break
            r = rows[0][1]
            if r != 0:
                break
        return r

    def delivery_report(self, count):
        rc, reports = self.kafka.delivery_report(self.handle, count)
        self._note(reports)
        return [rc, reports]

    def _note(self, reports):
        if reports:
            delivered = {r[0] for r in reports if r[1] == 0}
            failed = {r[0]: r[1] for r in reports if r[1] != 0}
            self.outstanding = [row for row in self.outstanding if row[0] not in delivered]
            for row in self.outstanding:
                if row[0] in failed:
                    row[1] = failed[row[0]]

    def update_outstanding(self):
        while True:
            rc, reports = self.delivery_report(self.BATCH)
            if rc != 0 or not reports:
                break
        return [rc, self.outstanding]

    def flush(self, ms):
        rc, _ = self.kafka.flush(self.handle, ms)
        self.update_outstanding()
        return [rc, self.outstanding]

    def parse_error(self, code):
        return self.kafka.dr_message_error(code)

    # -- issue 10: transactions ----------------------------------------------

    def _timeout(self):
        (timeout,) = apl_source.field_value("Producer.aplc", "Timeout")
        return timeout

    def _flags(self, result):
        rc, flags, err = result
        self.LastError = err
        return [rc, flags]

    def init_transactions(self):
        return self._flags(self.kafka.init_transactions(self.handle, self._timeout()))

    def begin_transaction(self):
        return self._flags(self.kafka.begin_transaction(self.handle))

    def send_offsets_to_transaction(self, consumer, table=None):
        table = Table() if table is None else table
        return self._flags(self.kafka.send_offsets_to_transaction(
            self.handle, consumer.handle, table.column(0), table.column(1), table.column(2), self._timeout()))

    def commit_transaction(self):
        r = self._flags(self.kafka.commit_transaction(self.handle, self._timeout()))
        self.update_outstanding()
        return r

    def abort_transaction(self):
        r = self._flags(self.kafka.abort_transaction(self.handle, self._timeout()))
        self.update_outstanding()
        return r

    def fatal_error(self):
        return self.kafka.fatal_error(self.handle)


class Consumer(_Client):
    """Consumer.aplc"""

    KIND = "Consumer"
    SIZES = None
    TRIES = None

    def __init__(self, kafka, config=None):
        if Consumer.SIZES is None:
            Consumer.SIZES = apl_source.field_value("Consumer.aplc", "sizes")
            Consumer.TRIES = _int_after("Consumer.aplc", "consume", r":For tries :In ⍳(\d+)")
        self.sizes = list(Consumer.SIZES)
        self.Decode = 1
        if Consumer.TIMEOUT is None:
            (Consumer.TIMEOUT,) = apl_source.field_value("Consumer.aplc", "Timeout")
        self.Timeout = Consumer.TIMEOUT
        super().__init__(kafka, config)

    def _uninit(self):
        return self.kafka.uninit_consumer(self.handle)

    def topic_partition(self):
        rc, lst = self.kafka.new_topic_partition_list()
        return lst

    def set_topic_partition(self, lst, topic, partition):
        return self.kafka.set_topic_partition_list(lst, topic, partition)

    def set_offset(self, lst, topic, partition, offset):
        return self.kafka.set_offset(lst, topic, partition, offset)

    def del_topic_partition(self, lst):
        return self.kafka.del_topic_partition_list(lst)

    def subscribe_topic_partition(self, lst):
        r = self.kafka.subscribe_consumer_tp_list(self.handle, lst)
        self.LastError = r[1]
        return r

    def subscribe(self, *topics):
        topics = [t for t in topics if t != ""]
        if not topics:
            return [-301, "subscribe: no topic names"]
        lst = self.topic_partition()
        for topic in topics:
            self.set_topic_partition(lst, topic, 0)
        return self.subscribe_topic_partition(lst)

    def consume(self):
        for _ in range(self.TRIES):
            r = self.kafka.consume(self.handle, *self.sizes)
            if r[0] != 2:
                break
            self.sizes = [max(s, 1 + n) for s, n in zip(self.sizes, r[2])]
        if r[0] == 0:
            if self.Decode:
                r[1:4] = [text(x) for x in r[1:4]]
        else:
            self.LastError = r[1]
        return r

    def consume_record(self):
        r = self.consume()
        if r[0] == 0:
            r = [0, Record(*r[1:])]
        return r

    #: consume_batch's and consume_with's first buffer sizes (the fields)
    BATCH_SIZES = WITH_SIZES = None
    FIELDS = None

    def _sizes(self):
        if Consumer.BATCH_SIZES is None:
            Consumer.BATCH_SIZES = apl_source.field_value("Consumer.aplc", "batch_sizes")
            Consumer.WITH_SIZES = apl_source.field_value("Consumer.aplc", "with_sizes")
        if not hasattr(self, "batch_sizes"):
            self.batch_sizes, self.with_sizes = list(Consumer.BATCH_SIZES), list(Consumer.WITH_SIZES)
        if Consumer.FIELDS is None:
            line = next(line for line in apl_source.method_lines("Consumer.aplc", "consume_batch") if "table←1 7⍴" in line)
            Consumer.FIELDS = re.findall(r"'([^']*)'", line)

    def consume_with(self):
        self._sizes()
        wait = _int_after("Consumer.aplc", "consume_with", r"kafka\.consume_with handle (\d+)")
        rc, message, err, self.with_sizes = self.kafka.consume_with(self.handle, wait, self.with_sizes)
        if rc != 0:
            self.LastError = err
            return [rc, err]
        if self.Decode:
            message[0:3] = [text(x) for x in message[0:3]]
            message[7] = Table([[text(c) for c in row] for row in message[7]])
        record = Record(*(message[0:6] + [message[7]]))
        record.TimestampType = message[6]
        return [0, record]

    def consume_batch(self, n, ms=None):
        self._sizes()
        if ms is None:
            ms = _int_after("Consumer.aplc", "consume_batch", r"2↑args,(\d+)")
        rc, columns, err, self.batch_sizes = self.kafka.consume_batch(self.handle, n, ms, self.batch_sizes)
        if rc != 0:
            self.LastError = err
        if self.Decode:
            columns[1:3] = [[text(x) for x in col] for col in columns[1:3]]
            columns[6] = [Table([[text(c) for c in row] for row in h]) for h in columns[6]]
        return [rc, Table([list(self.FIELDS)] + [list(row) for row in zip(*columns[:7])])]

    def commit(self):
        return self.kafka.commit(self.handle, 0)

    def commit_topic_partition(self, lst):
        return self.kafka.commit(self.handle, lst)

    def committed(self, topic, partition):
        lst = self.topic_partition()
        self.set_topic_partition(lst, topic, partition)
        rc, offset = self.kafka.committed(self.handle, lst)
        return [rc, offset] if rc == 0 else [rc, ""]

    # -- issue 8: choosing partitions and moving in them --------------------

    TIMEOUT = None

    @staticmethod
    def partition_args(args):
        """topics partitions offsets from the forms assign takes."""
        if isinstance(args, Table):
            if not args:
                return ["", [], []]
            r = [args.column(0), args.column(1), [-1001] * len(args)]
            if len(args[0]) >= 3:
                r[2] = args.column(2)
            return r
        if is_text(args):
            return ["", [], []] if len(args) == 0 else [args, -1, -1001]
        args = list(args)
        if not args:
            return ["", [], []]
        if all(is_text(a) for a in args):
            return [args, [-1] * len(args), [-1001] * len(args)]
        return (args + ["", -1, -1001][len(args):])[:3]

    @staticmethod
    def _one(args):
        """A method's right argument: a strand of several items, or one."""
        return args[0] if len(args) == 1 else list(args)

    def assign(self, *args):
        topics, partitions, offsets = self.partition_args(self._one(args))
        r = self.kafka.assign(self.handle, topics, partitions, offsets)
        self.LastError = r[1]
        return r

    def from_beginning(self, *topics):
        topics = enlist(self._one(topics))
        r = self.kafka.assign(self.handle, topics, [-1] * len(topics), [-2] * len(topics))
        self.LastError = r[1]
        return r

    def assignment(self):
        rc, table, err = self.kafka.assignment(self.handle)
        self.LastError = err
        return [rc, table.columns(0, 1)]

    def rebalance(self):
        rc, kind, table, err = self.kafka.rebalance(self.handle)
        self.LastError = err
        return [rc, kind, table.columns(0, 1)]

    def unsubscribe(self):
        r = self.kafka.unsubscribe(self.handle)
        self.LastError = r[1]
        return r

    def subscription(self):
        rc, names, err = self.kafka.subscription(self.handle)
        self.LastError = err
        return [rc, names]

    def seek(self, topic, partition, offset):
        r = self.kafka.seek(self.handle, topic, partition, offset)
        self.LastError = r[1]
        return r

    def seek_to_time(self, topic, partition, time):
        rc, table, err = self.kafka.offsets_for_times(self.handle, topic, partition, time, self.Timeout)
        if rc != 0:
            self.LastError = err
            return [rc, Table()]
        if partition == -1:  # only the partitions this consumer reads
            mine = [tuple(row) for row in self.assignment()[1]]
            table = Table(row for row in table if (row[0], row[1]) in mine)
        for row in table:
            offset = row[2] if row[2] >= 0 else -1  # every message older: the end
            s = self.kafka.seek(self.handle, row[0], row[1], offset)
            if rc == 0 and row[3] != 0:
                rc = row[3]
            elif rc == 0 and s[0] != 0:
                rc = s[0]
                self.LastError = s[1]
            row[2] = offset
        return [rc, table.columns(0, 1, 2)]

    def position(self):
        rc, table, err = self.kafka.position(self.handle)
        self.LastError = err
        return [rc, table.columns(0, 1, 2)]

    def pause(self, *args):
        topics, partitions, _ = self.partition_args(self._one(args))
        r = self.kafka.pause(self.handle, topics, partitions)
        self.LastError = r[1]
        return r

    def resume(self, *args):
        topics, partitions, _ = self.partition_args(self._one(args))
        r = self.kafka.resume(self.handle, topics, partitions)
        self.LastError = r[1]
        return r

    def watermarks(self, topic, partition=0):
        rc, low, high, err = self.kafka.watermarks(self.handle, topic, partition, self.Timeout)
        self.LastError = err
        return [rc, low, high]

    # -- issue 10: async commit, stored offsets ------------------------------

    def commit_async(self, *args):
        topics, partitions, offsets = self.partition_args(self._one(args))
        r = self.kafka.commit_async(self.handle, topics, partitions, offsets)
        self.LastError = r[1]
        return r

    def commit_report(self, count):
        rc, table = self.kafka.commit_report(self.handle, count)
        return [rc, table]

    def commit_offsets(self, *args):
        topics, partitions, offsets = self.partition_args(self._one(args))
        r = self.kafka.commit_offsets(self.handle, topics, partitions, offsets)
        self.LastError = r[1]
        return r

    def store_offsets(self, *args):
        topics, partitions, offsets = self.partition_args(self._one(args))
        r = self.kafka.store_offsets(self.handle, topics, partitions, offsets)
        self.LastError = r[1]
        return r

    def committed_offsets(self, *args):
        topics, partitions, _ = self.partition_args(self._one(args))
        rc, table, err = self.kafka.committed_offsets(self.handle, topics, partitions, self.Timeout)
        self.LastError = err
        return [rc, table]


class MockCluster:
    """MockCluster.aplc"""

    def __init__(self, kafka, brokers=1):
        self.kafka = kafka
        rc, self.handle, address = kafka.new_mock_cluster(brokers)
        if rc != 0:
            self.handle = 0
            raise AplSignal(f"MockCluster: {address!r}")
        self.Bootstrap = address.decode()

    def create_topic(self, *args):
        topic, partitions, replication = list(args) + ["", 1, 1][len(args):]
        return self.kafka.mock_create_topic(self.handle, topic, partitions, replication)

    def broker_down(self, broker):
        return self.kafka.mock_broker_down(self.handle, broker)

    def broker_up(self, broker):
        return self.kafka.mock_broker_up(self.handle, broker)

    def set_rtt(self, broker, ms):
        return self.kafka.mock_set_rtt(self.handle, broker, ms)

    def push_request_errors(self, apikey, errors):
        return self.kafka.mock_push_request_errors(self.handle, apikey, errors)

    def set_leader(self, topic, partition, broker):
        return self.kafka.mock_set_leader(self.handle, topic, partition, broker)

    def close(self):
        r = 0
        if self.handle != 0:
            r = self.kafka.destroy_mock_cluster(self.handle)
            self.handle = 0
        return r


class Admin(_Client):
    """Admin.aplc"""

    KIND = "Admin"
    HEADER = None

    def __init__(self, kafka, config):
        if Admin.HEADER is None:
            line = next(line for line in apl_source.method_lines("Admin.aplc", "lag") if "table←1 9⍴" in line)
            Admin.HEADER = re.findall(r"'([^']*)'", line)
        (self.Timeout,) = apl_source.field_value("Admin.aplc", "Timeout")
        (self.ValidateOnly,) = apl_source.field_value("Admin.aplc", "ValidateOnly")
        if is_text(config):
            config = [("bootstrap.servers", config)]
        super().__init__(kafka, config)

    def _uninit(self):
        return self.kafka.uninit_producer(self.handle)

    def outcome(self, names, errors, err):
        """One row per item: name status reason."""
        names = enlist(names)
        lines_ = [line for line in text(err).split("\n") if line]
        heads = [line.split(":", 1)[0] for line in lines_]
        table = Table()
        for i, name in enumerate(names):
            status = errors[i] if i < len(errors) else 0
            reason = ""
            if name in heads:
                reason = lines_[heads.index(name)][len(name) + 2:]
            elif status != 0:
                reason = self.kafka.dr_message_error(status)[1].decode()
            table.append([name, status, reason])
        return table

    def create_topics(self, *args):
        args = list(args)
        if all(is_text(a) for a in args):
            args = [args if len(args) > 1 else args[0]]
        topics, partitions, replication, config = (args + ["", -1, -1, ""][len(args):])[:4]
        rc, errors, err = self.kafka.create_topics(self.handle, topics, partitions, replication, config,
                                                   self.ValidateOnly, self.Timeout)
        self.LastError = err
        return [rc, self.outcome(topics, errors, err)]

    def delete_topics(self, *topics):
        topics = Consumer._one(topics)
        rc, errors, err = self.kafka.delete_topics(self.handle, topics, self.Timeout)
        self.LastError = err
        return [rc, self.outcome(topics, errors, err)]

    def create_partitions(self, topics, totals):
        rc, errors, err = self.kafka.create_partitions(self.handle, topics, totals, self.ValidateOnly, self.Timeout)
        self.LastError = err
        return [rc, self.outcome(topics, errors, err)]

    def delete_records(self, topic, partitions, offsets):
        rc, errors, err = self.kafka.delete_records(self.handle, topic, partitions, offsets, self.Timeout)
        self.LastError = err
        table = self.outcome([str(p) for p in ravel(partitions)], errors, b"")
        for row, p in zip(table, ravel(partitions)):
            row[0] = p
        return [rc, table]

    def describe_configs(self, *args):
        args = Consumer._one(args)
        if is_text(args):
            args = ["topic", args]
        type_, name = args
        rc, data, err = self.kafka.describe_configs(self.handle, type_, name, self.Timeout)
        self.LastError = err
        table = Table()
        if rc == 0:
            for c in data.configs:
                table.append([c.name, "" if is_null(c.value) else c.value, c.source, int(is_true(c.default)),
                              int(is_true(c.read_only)), int(is_true(c.sensitive))])
        return [rc, table]

    def alter_configs(self, name, config, type_="topic"):
        r = self.kafka.alter_configs(self.handle, type_, name, config, self.Timeout)
        self.LastError = r[1]
        return r

    def metadata(self, topic=""):
        rc, data, err = self.kafka.metadata(self.handle, topic, self.Timeout)
        self.LastError = err
        if rc != 0:
            return [rc, []]
        md = SimpleNamespace(ClusterId="" if is_null(data.cluster_id) else data.cluster_id,
                             Controller=data.controller_id, Brokers=Table(), Topics=[])
        for b in data.brokers:
            md.Brokers.append([b.id, b.host, b.port])
        for t in data.topics:
            tns = SimpleNamespace(Name=t.topic, Error=t.error, ErrorText=getattr(t, "error_text", ""),
                                  Partitions=Table())
            for p in t.partitions:
                tns.Partitions.append([p.partition, p.leader, p.replicas, p.isrs, p.error])
            md.Topics.append(tns)
        return [0, md]

    def list_topics(self):
        rc, md = self.metadata("")
        return [rc, [t.Name for t in md.Topics] if rc == 0 else []]

    def list_groups(self):
        rc, data, err = self.kafka.list_groups(self.handle, self.Timeout)
        self.LastError = err
        table = Table()
        if rc == 0:
            for g in data.groups:
                table.append([g.group, g.state, int(is_true(g.simple))])
        return [rc, table]

    def describe_group(self, group):
        rc, data, err = self.kafka.describe_group(self.handle, group, self.Timeout)
        self.LastError = err
        if rc != 0:
            return [rc, []]
        ns = SimpleNamespace(Group=data.group, State=data.state, Protocol=data.protocol,
                             Simple=int(is_true(data.simple)),
                             Coordinator=[data.coordinator.id, data.coordinator.host, data.coordinator.port],
                             Members=Table())
        for m in data.members:
            owned = Table([a.topic, a.partition] for a in m.assignment)
            ns.Members.append([m.member_id, m.client_id, m.host, owned])
        return [0, ns]

    def delete_group(self, group):
        r = self.kafka.delete_group(self.handle, group, self.Timeout)
        self.LastError = r[1]
        return r

    def lag(self, group):
        rc, data, err = self.kafka.group_lag(self.handle, group, self.Timeout)
        self.LastError = err
        table = Table([list(self.HEADER)])
        if rc == 0:
            for p in data.partitions:
                table.append([data.group, p.topic, p.partition] + [
                    "-" if is_null(x) else x for x in (p.committed, p.end, p.lag, p.member_id, p.host, p.client_id)])
        return [rc, table]
