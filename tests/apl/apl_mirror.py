"""The APL binding (bindings/apl) re-enacted in Python over the ⎕NA caller.

`Kafka` mirrors the `kafka` namespace: each wrapper makes its ⎕NA call with
the argument strand read from the wrapper's own .aplf file (so a replay
passes exactly what the APL passes) and shapes the result as the APL does.
`Producer`, `Consumer`, `Record` and `MockCluster` mirror the classes
method by method; the constants they pass (buffer sizes, batch sizes) are
read from the .aplc files too.

APL character vectors are Python `bytes` on the way into the library and
`str` on the way out of the classes (what `kafka.text` decodes); `bytes`
given as a payload or key stand for a numeric byte vector in APL.
"""

import re

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
    """kafka.text: decoded from UTF-8 when valid, else one char per byte."""
    if any(b > 127 for b in data):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


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

    def destroy_mock_cluster(self, mock):
        return self._na("destroy_mock_cluster", mock=mock)


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
        topic, payload, key, partition, offset = list(args) + ["", "", "", -1, -1][len(args):]
        self.Topic, self.Payload, self.Key, self.Partition, self.Offset = topic, payload, key, partition, offset

    def asArg(self):
        return [self.Topic, self.Payload, self.Key, self.Partition]


class _Client:
    KIND = ""

    def __init__(self, kafka, config=None):
        self.kafka = kafka
        self.LastError = b""
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
        return self.produce(*record.asArg())

    def delivery_report(self, count):
        rc, reports = self.kafka.delivery_report(self.handle, count)
        self._note(reports)
        return [rc, reports]

    def _note(self, reports):
        if reports:
            delivered = {i for i, e in reports if e == 0}
            failed = {i: e for i, e in reports if e != 0}
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

    def commit(self):
        return self.kafka.commit(self.handle, 0)

    def commit_topic_partition(self, lst):
        return self.kafka.commit(self.handle, lst)

    def committed(self, topic, partition):
        lst = self.topic_partition()
        self.set_topic_partition(lst, topic, partition)
        rc, offset = self.kafka.committed(self.handle, lst)
        return [rc, offset] if rc == 0 else [rc, ""]


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

    def close(self):
        r = 0
        if self.handle != 0:
            r = self.kafka.destroy_mock_cluster(self.handle)
            self.handle = 0
        return r
