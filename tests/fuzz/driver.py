#!/usr/bin/env python3
"""Randomised driver over every export of kafka.so (issue 12): random
sequences of calls with random handles (live, released, of the wrong kind,
garbage integers, NULL), random lengths and buffer sizes, NULL pointers and
random configuration, on embedded mock clusters, with faults injected.

The caller keeps its side of the C contract so that any crash is the
library's: every pointer it passes points to a buffer at least as large as
any length or count it passes (counts and capacities at most 4096, input
arrays of 65536 elements whose entries are small, strings in 64 KiB
buffers), and no call is given a wait above about 4 s.

Each run is a child process (a crash cannot take the driver with it) that
logs every call before making it. Invariants checked:
- no crash (the child dies of a signal or aborts) and no hang (no call
  returns within HANG_S seconds);
- every non-zero status of a call with an error buffer of 16 bytes or more
  comes with a text;
- every message enqueued through a producer still alive at the end gets
  exactly one delivery report, and no report names a message never made;
- every handle made is refused (-300) once released: there is no export
  that counts live handles, so each release call is tried again on every
  handle the run ever made.

  tests/fuzz/driver.py                      # seed 12, about 60 s
  tests/fuzz/driver.py --seconds 1800 --seed random
  tests/fuzz/driver.py --replay LOG         # the calls of a run's log, in order
A finding prints the seed, the reason and the last calls of the log, and
keeps the log under build/fuzz/."""

import argparse
import ctypes
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "apl"))
from na import DESCRIBE_PATTERN, NA, Pattern  # noqa: E402

LIB = Path(os.environ.get("KAFKA_SO") or REPO / "build" / "kafka.so").resolve()
OUT = Path(os.environ.get("KAFKA_FUZZ_OUT") or REPO / "build" / "fuzz")  # logs and summary.json
HANG_S = 30  # UninitConsumer's 10 s and message.timeout.ms's 3 s + reconnect backoff fit well inside
BAD_HANDLE = -300
CAP = 4096  # largest count or capacity passed
ARRAY = 65536  # elements of every array passed
TEXT = 65536  # bytes of every char buffer passed

# Which kind of handle a function expects first (the rest get any kind).
CLIENT_FUNCS = None  # every P-first function not listed below
LIST_FUNCS = {"SetTopicPartitionList", "SetOffset", "DelTopicPartitionList"}
TCONF_FUNCS = {"SetTopicConf", "DelTopicConf"}
MOCK_FUNCS = {"MockCreateTopic", "DestroyMockCluster", "MockBrokerDown", "MockBrokerUp", "MockSetRtt",
              "MockPushRequestErrors", "MockSetLeader"}
RELEASE = {"UninitProducer": "client", "UninitConsumer": "client", "DelTopicPartitionList": "list",
           "DelTopicConf": "tconf", "DestroyMockCluster": "mock"}
# Calls that take a list handle given as their second argument, whatever the outcome.
TAKES_LIST = {"SubscribeConsumerTPList": 1, "Committed": 1}
# Statuses that are not failures, per function (the rest need a text).
NOT_ERRORS = {"Consume": {1}, "ConsumeWith": {1}}
# librdkafka aborts (eonce->refcnt > 0, in rd_kafka_admin_coord_response_parse)
# when a coordinator admin request fails after its call timed out, e.g. a
# group described while the broker is down, then the broker comes back
# (librdkafka issues 3663 and 4605). Held as an xfail regression test in
# tests/python/test_fuzz.py; left out of random runs unless --include-known,
# so that they can find anything else.
KNOWN_CRASHERS = {"DescribeGroup", "GroupLag", "DeleteGroup"}
# MockSetLeader's partition must stay checked by the library: librdkafka's
# mock aborts on -1001 or 2^31-1 (it makes the unknown topic with
# partition + 1 partitions) and corrupts its heap on -1 or -2 (it writes
# before the partition array; the seed-14 SIGSEGV). Random runs keep it small.
SMALL_PARTITIONS = [-2, -1, 0, 1, 5]
HOT = ["Produce", "Produce", "ProduceWith", "ProduceBatch", "DeliveryReport", "DeliveryReportWait",
       "DeliveryReports", "Flush", "Consume", "ConsumeBatch", "ConsumeWith"]
NO_TEXT_CHECK = {"Describe", "Version", "LibraryVersion", "ErrorName", "DRMessageError", "ErrorCodes"}

TOPICS = [b"fz-a", b"fz-b", b"fz-c", b"", b".", b"a b/c*", b"x" * 300, b"fz-\xff", b"__consumer_offsets"]
CONF = {
    b"bootstrap.servers": [b"127.0.0.1:9", b"", b"nonsense"],
    b"message.timeout.ms": [b"1", b"500", b"3000", b"-5", b"abc"],
    b"linger.ms": [b"0", b"5", b"100"],
    b"enable.idempotence": [b"true", b"false", b"maybe"],
    b"acks": [b"all", b"0", b"1", b"-1", b"7"],
    b"group.id": [b"g1", b"g2", b""],
    b"auto.offset.reset": [b"earliest", b"latest", b"error", b"sideways"],
    b"enable.auto.commit": [b"true", b"false"],
    b"enable.auto.offset.store": [b"true", b"false"],
    b"enable.partition.eof": [b"true", b"false"],
    b"transactional.id": [b"tx1", b"tx2"],
    b"queue.buffering.max.messages": [b"1", b"10", b"100000"],
    b"statistics.interval.ms": [b"0", b"100"],
    b"debug": [b"broker", b"protocol", b""],
    b"compression.type": [b"none", b"gzip", b"zstd", b"lz4", b"snappy", b"brotli"],
    b"events.stderr": [b"false"],
    b"application.rebalance": [b"true", b"false", b"yes"],
    b"security.protocol": [b"plaintext", b"ssl", b"sasl_plaintext", b"carrier-pigeon"],
    b"sasl.mechanisms": [b"PLAIN", b"GSSAPI"],
    b"isolation.level": [b"read_committed", b"read_uncommitted"],
    b"partition.assignment.strategy": [b"range", b"cooperative-sticky", b"roundrobin"],
    b"no.such.property": [b"1"],
    b"": [b""],
}
INTS = [0, 1, 2, 3, -1, -2, -1001, 5, 100, 1000, 4096, -(2**31), -7]
INT64 = [0, 1, -1, -2, -1001, 2**63 - 1, -(2**63), 10**12, 5]
CAPS = [-1, 0, 1, 2, 7, 16, 64, 300, 4096]


class Pool:
    """Handles the run has made: live per kind, and released ones."""

    def __init__(self):
        self.live = {"client": [], "list": [], "tconf": [], "mock": []}
        self.bootstrap = {}  # mock handle -> address
        self.dead = []
        self.made = []  # (kind, handle)

    def kind_of(self, h):
        for kind, hs in self.live.items():
            if h in hs:
                return kind
        return None

    def add(self, kind, h):
        if h:
            self.live[kind].append(h)
            self.made.append((kind, h))

    def release(self, h):
        kind = self.kind_of(h)
        if kind:
            self.live[kind].remove(h)
            self.dead.append(h)
        return kind


class Run:
    def __init__(self, seed, log, include_known=False):
        self.rng = random.Random(seed)
        self.log = log
        self.cdll = ctypes.CDLL(str(LIB))
        self.patterns = {p.name: p for p in NA(LIB).patterns}
        self.names = [n for n in self.patterns if include_known or n not in KNOWN_CRASHERS]
        self.include_known = include_known
        self.pool = Pool()
        self.enqueued = {}  # client -> set of ids enqueued
        self.reported = {}  # client -> list of ids reported
        self.untracked = set()  # clients whose reports could not all be seen
        self.findings = []
        self.calls = 0
        self.texts = [ctypes.create_string_buffer(TEXT) for _ in range(2)]
        blob = bytes(self.rng.getrandbits(8) for _ in range(4096)) * 256
        self.t1_inputs = [ctypes.create_string_buffer(b"\0" * (1 << 20)), ctypes.create_string_buffer(blob)]
        self.i4_inputs = [self._array(ctypes.c_int32, f) for f in
                          (lambda i: 0, lambda i: 1, lambda i: -1, lambda i: self.rng.randint(-3, 8))]
        self.i8_inputs = [self._array(ctypes.c_int64, f) for f in
                          (lambda i: -2, lambda i: 0, lambda i: self.rng.choice(INT64))]

    @staticmethod
    def _array(ctype, fill):
        a = (ctype * ARRAY)()
        for i in range(ARRAY):
            a[i] = fill(i)
        return a

    # ---------------------------------------------------------------- args --

    def handle(self, name, position):
        rng, live = self.rng, self.pool.live
        roll = rng.random()
        if position == 0 and roll < 0.6:
            want = ("list" if name in LIST_FUNCS else "tconf" if name in TCONF_FUNCS else
                    "mock" if name in MOCK_FUNCS else "client")
            if live[want]:
                return rng.choice(live[want])
        if position == 1 and name in TAKES_LIST and roll < 0.6 and live["list"]:
            return rng.choice(live["list"])
        if name == "SendOffsetsToTransaction" and position == 1 and roll < 0.6 and live["client"]:
            return rng.choice(live["client"])
        roll = rng.random()
        everyone = [h for hs in live.values() for h in hs]
        if roll < 0.4 and everyone:
            return rng.choice(everyone)
        if roll < 0.6 and self.pool.dead:
            return rng.choice(self.pool.dead)
        if roll < 0.75:
            return 0
        return rng.choice([1, 2, 3, 0xDEADBEEF, 2**63 - 1, rng.getrandbits(64), rng.getrandbits(16)])

    def make_args(self, p):
        """ctypes arguments and a description of each for the log."""
        rng = self.rng
        args, desc, keep = [], [], []
        texts = iter(self.texts)
        conf_pair = None
        for i, a in enumerate(p.args):
            t = f"{a.direction}{a.type}{'[]' if a.array else ''}"
            null = rng.random() < 0.06
            if t == "P":
                h = self.handle(p.name, i)
                args.append(ctypes.c_void_p(h))
                desc.append(h)
            elif t in ("I4", "U4"):
                v = rng.choice(INTS) if rng.random() < 0.7 else rng.randint(0, 3000)
                if t == "U4":
                    v = max(0, min(v, CAP))
                v = min(v, CAP)
                args.append(ctypes.c_int32(v) if t == "I4" else ctypes.c_uint32(v))
                desc.append(v)
            elif t == "I8":
                v = rng.choice(INT64)
                args.append(ctypes.c_int64(v))
                desc.append(v)
            elif null and a.direction in "<>=":
                args.append(None)
                desc.append(None)
            elif t == "<0T1":
                if p.name in ("SetKafkaConf", "SetTopicConf"):
                    if conf_pair is None:
                        key = rng.choice(list(CONF))
                        conf_pair = [key, rng.choice(CONF[key])]
                    s = conf_pair.pop(0)
                elif rng.random() < 0.7:
                    s = rng.choice(TOPICS)
                else:
                    s = b"\n".join(rng.choice(TOPICS[:3]) for _ in range(rng.randint(0, 4)))
                buf = ctypes.create_string_buffer(s, TEXT)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
                desc.append(s.decode("latin-1"))
            elif t == "<T1[]":
                k = rng.randrange(len(self.t1_inputs))
                args.append(ctypes.cast(self.t1_inputs[k], ctypes.c_void_p))
                desc.append(f"T1[{k}]")
            elif t in ("<I4[]", "<I4"):
                k = rng.randrange(len(self.i4_inputs))
                args.append(ctypes.cast(self.i4_inputs[k], ctypes.c_void_p))
                desc.append(f"I4[{k}]")
            elif t == "<I8[]":
                k = rng.randrange(len(self.i8_inputs))
                args.append(ctypes.cast(self.i8_inputs[k], ctypes.c_void_p))
                desc.append(f"I8[{k}]")
            elif t in (">0T1", ">T1[]"):
                buf = next(texts, None) or ctypes.create_string_buffer(TEXT)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
                desc.append("out")
            elif t in ("=I4", "=U4"):
                v = rng.choice(CAPS)
                cell = ctypes.c_int32(v) if t == "=I4" else ctypes.c_uint32(max(v, 0))
                keep.append(cell)
                args.append(ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p))
                desc.append(f"&{cell.value}")
            elif a.direction == ">":
                ctype = {"I4": ctypes.c_int32, "I8": ctypes.c_int64, "U8": ctypes.c_uint64, "P": ctypes.c_void_p}[a.type]
                buf = (ctype * (ARRAY if a.array else 1))()
                if a.type == "I4" and a.array:
                    ctypes.memset(buf, 0x7F, ctypes.sizeof(buf))  # "not written" marks for statuses
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
                desc.append("out[]" if a.array else "out")
            else:
                raise ValueError(f"{p.name}: argument type {t}")
        return args, desc, keep

    # ---------------------------------------------------------------- call --

    def call(self, name, args, desc):
        self.log.write(json.dumps([name, desc]) + "\n")
        self.log.flush()
        f = getattr(self.cdll, name)
        f.restype = ctypes.c_int32
        f.argtypes = [ctypes.c_void_p if not isinstance(a, (ctypes.c_int32, ctypes.c_uint32, ctypes.c_int64))
                      else type(a) for a in args]
        self.calls += 1
        return f(*args)

    def out_int(self, arg, ctype=ctypes.c_int32):
        return None if arg is None else ctypes.cast(arg, ctypes.POINTER(ctype))[0]

    def text_check(self, name, p, args, rc):
        if name in NO_TEXT_CHECK or rc == 0 or rc in NOT_ERRORS.get(name, ()):
            return
        if len(p.args) < 2 or str(p.args[-1]) != "=I4" or str(p.args[-2]) != ">0T1":
            return
        buf, plen = args[-2], args[-1]
        if buf is None or plen is None:
            return
        # capacity on entry was recorded in the log; here the length written
        written = self.out_int(plen)
        if self.entry_cap >= 16 and written <= 0:
            self.findings.append(f"{name} returned {rc} with an empty error text (capacity {self.entry_cap})")

    def one(self, name):
        p = self.patterns[name]
        args, desc, keep = self.make_args(p)
        if name == "MockSetLeader" and not self.include_known:
            desc[2] = self.rng.choice(SMALL_PARTITIONS)
            args[2] = ctypes.c_int32(desc[2])
        self.entry_cap = (self.out_int(args[-1]) or 0) if p.args and str(p.args[-1]) == "=I4" else 0
        released = None
        if name in RELEASE and desc[0]:
            released = desc[0]
        rc = self.call(name, args, desc)
        self.after(name, p, args, desc, rc, released)
        self.text_check(name, p, args, rc)
        del keep
        return rc

    def after(self, name, p, args, desc, rc, released):
        pool = self.pool
        if name in ("InitKafka", "NewTopicPartitionList", "NewTopicConf", "NewMockCluster") and rc == 0:
            out = args[1] if name == "NewMockCluster" else args[0]
            if out is not None:
                h = ctypes.cast(out, ctypes.POINTER(ctypes.c_void_p))[0]
                kind = {"InitKafka": "client", "NewTopicPartitionList": "list", "NewTopicConf": "tconf",
                        "NewMockCluster": "mock"}[name]
                pool.add(kind, h)
                n = self.out_int(args[3]) if kind == "mock" and args[2] is not None else None
                if n and 0 < n < TEXT:
                    pool.bootstrap[h] = ctypes.string_at(args[2], n)
                if kind == "client":
                    self.setup_client(h)
        if released and rc != BAD_HANDLE and pool.kind_of(released) == RELEASE[name]:
            pool.release(released)
            self.enqueued.pop(released, None)
            self.reported.pop(released, None)
        # The header: taken "whenever it is a live list, whatever the outcome".
        # (but a negative error-text capacity gives -301 and nothing is done).
        refused = rc == -301 and len(args) > 3 and args[3] is not None and self.entry_cap < 0
        if name in TAKES_LIST and desc[1] and pool.kind_of(desc[1]) == "list" and not refused:
            pool.release(desc[1])
        h = desc[0] if p.args and str(p.args[0]) == "P" else None
        if pool.kind_of(h) != "client":
            return
        ids = self.enqueued.setdefault(h, set())
        if name in ("Produce", "ProduceWith") and rc == 0:
            idp = args[7] if name == "Produce" else args[11]
            if idp is None:
                self.untracked.add(h)
            else:
                ids.add(self.out_int(idp, ctypes.c_uint64))
        elif name == "ProduceBatch" and rc not in (BAD_HANDLE, -301, -302, -303, -304, 1):
            count, msgids, statuses = desc[2], args[13], args[14]
            if msgids is None or statuses is None:
                self.untracked.add(h)
            elif isinstance(count, int) and count > 0:
                st = ctypes.cast(statuses, ctypes.POINTER(ctypes.c_int32))
                mi = ctypes.cast(msgids, ctypes.POINTER(ctypes.c_uint64))
                ids.update(mi[i] for i in range(count) if st[i] == 0)
        elif name in ("DeliveryReport", "DeliveryReportWait", "DeliveryReports") and rc == 0:
            a_ids, a_n = (args[1], args[3]) if name != "DeliveryReports" else (args[2], args[7])
            n = self.out_int(a_n) if a_n is not None else 0
            if n and a_ids is None:
                self.untracked.add(h)
            elif n:
                got = ctypes.cast(a_ids, ctypes.POINTER(ctypes.c_uint64))
                self.reported.setdefault(h, []).extend(got[i] for i in range(n))

    def setup_client(self, h):
        """The driver's own settings for a new client: a live mock cluster
        and bounded waits, so that only the library can make a call hang."""
        mocks = [m for m in self.pool.live["mock"] if m in self.pool.bootstrap]
        boot = self.pool.bootstrap[self.rng.choice(mocks)] if mocks else b"127.0.0.1:9"
        for k, v in ((b"bootstrap.servers", boot), (b"message.timeout.ms", b"3000"),
                     (b"reconnect.backoff.max.ms", b"1000"), (b"group.id", self.rng.choice([b"g1", b"g2"])),
                     # Commit and CommitOffsets wait this long for a coordinator that is down.
                     (b"session.timeout.ms", b"6000")):
            self.call_simple("SetKafkaConf", h, k, v)

    def call_simple(self, name, *values):
        """A call with well-formed arguments (the driver's setup and checks)."""
        p = self.patterns[name]
        args, desc, keep = [], [], []
        values = list(values)
        for a in p.args:
            t = str(a)
            if t == "P":
                v = values.pop(0)
                args.append(ctypes.c_void_p(v))
                desc.append(v)
            elif t == "<0T1":
                v = values.pop(0)
                buf = ctypes.create_string_buffer(v)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
                desc.append(v.decode("latin-1"))
            elif t in ("I4", "U4"):
                v = values.pop(0)
                args.append(ctypes.c_int32(v))
                desc.append(v)
            elif t in ("=I4", "=U4"):
                cell = ctypes.c_int32(CAP if not values or not isinstance(values[0], int) else values.pop(0))
                keep.append(cell)
                args.append(ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p))
                desc.append(f"&{cell.value}")
            elif a.direction == ">":
                size = TEXT if a.type in ("0T1", "T1") else 8 * (ARRAY if a.array else 1)
                buf = ctypes.create_string_buffer(size)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
                desc.append("out")
            else:
                raise ValueError(f"call_simple {name}: {t}")
        rc = self.call(name, args, desc)
        return rc, args

    # ----------------------------------------------------------------- run --

    def step(self):
        rng, live = self.rng, self.pool.live
        names = self.names
        # Keep some handles around, so that most calls reach the library's logic.
        if len(live["mock"]) < 1 or (len(live["mock"]) < 3 and rng.random() < 0.02):
            name = "NewMockCluster"
        elif len(live["client"]) < 2 or (len(live["client"]) < 8 and rng.random() < 0.05):
            name = "InitKafka"
        elif len(live["list"]) < 1 and rng.random() < 0.3:
            name = "NewTopicPartitionList"
        else:
            # A third of the calls move messages, so that the report invariant has messages to count.
            name = rng.choice(HOT if rng.random() < 0.33 else names)
            if name in ("NewMockCluster", "InitKafka") and len(live["client"]) + len(live["mock"]) > 10:
                name = "Metadata"
        if name == "NewMockCluster":
            p = self.patterns[name]
            args, desc, keep = self.make_args(p)
            n = rng.choice([1, 1, 3, 3, 0, -1, 65])
            args[0], desc[0] = ctypes.c_int32(n), n
            if rng.random() < 0.8:  # mostly a buffer that fits
                args[1] = ctypes.cast(ctypes.pointer(ctypes.c_void_p()), ctypes.c_void_p)
                keep.append(args[1])
                buf = ctypes.create_string_buffer(TEXT)
                cell = ctypes.c_int32(256)
                keep += [buf, cell]
                args[2], args[3] = ctypes.cast(buf, ctypes.c_void_p), ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p)
                desc[1:4] = ["out", "out", "&256"]
            self.entry_cap = 0
            rc = self.call(name, args, desc)
            self.after(name, p, args, desc, rc, None)
            if rc == 0 and self.pool.live["mock"]:
                m = self.pool.live["mock"][-1]
                for t in (b"fz-a", b"fz-b"):
                    self.call_simple("MockCreateTopic", m, t, 2, 1)
            return
        if name == "Produce" and live["client"] and rng.random() < 0.5:
            self.produce_well_formed(rng.choice(live["client"]))
            return
        self.one(name)

    def produce_well_formed(self, h):
        """A message a producer should take, so that reports have messages to count."""
        payload = bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 100)))
        rc, args = self.call_simple("Produce", h, self.rng.choice([b"fz-a", b"fz-b"]), payload, len(payload), b"k", 1,
                                    self.rng.choice([-1, -1, 0, 1]))
        self.after("Produce", self.patterns["Produce"], args, [h], rc, None)

    def finish(self):
        """Faults healed, every producer flushed and drained; then every
        handle released, and each release tried again on all of them."""
        pool = self.pool
        for m in list(pool.live["mock"]):
            for b in (1, 2, 3):
                self.call_simple("MockBrokerUp", m, b)
                self.call_simple("MockSetRtt", m, b, 0)
        for h in list(pool.live["client"]):
            ids = self.enqueued.get(h, set())
            if not ids and not self.reported.get(h):
                continue
            self.call_simple("Flush", h, 10000)
            for _ in range(3):
                cap = 4096
                rc, args = self.call_simple("DeliveryReports", h, 200, cap)
                n = ctypes.cast(args[7], ctypes.POINTER(ctypes.c_int32))[0] if rc == 0 else 0
                got = ctypes.cast(args[2], ctypes.POINTER(ctypes.c_uint64))
                self.reported.setdefault(h, []).extend(got[i] for i in range(n))
            reported = self.reported.get(h, [])
            dup = len(reported) - len(set(reported))
            if dup:
                self.findings.append(f"client {h:#x}: {dup} delivery reports served twice")
            if h in self.untracked:
                continue
            missing, unknown = ids - set(reported), set(reported) - ids
            if missing:
                self.findings.append(f"client {h:#x}: {len(missing)} of {len(ids)} messages never reported")
            if unknown:
                self.findings.append(f"client {h:#x}: reports for {len(unknown)} ids never enqueued")
        self.messages = sum(len(v) for k, v in self.enqueued.items() if k in pool.live["client"])
        order = [("client", "UninitConsumer"), ("client", "UninitProducer"), ("list", "DelTopicPartitionList"),
                 ("tconf", "DelTopicConf"), ("mock", "DestroyMockCluster")]
        for kind, fn in order:
            for h in list(pool.live[kind]):
                rc, _ = self.call_simple(fn, h)
                if rc != BAD_HANDLE:
                    pool.release(h)
        left = {k: len(v) for k, v in pool.live.items() if v}
        if left:
            self.findings.append(f"handles not released: {left}")
        for kind, h in pool.made:
            for fn in RELEASE:
                rc, _ = self.call_simple(fn, h)
                if rc != BAD_HANDLE:
                    self.findings.append(f"{fn} on released {kind} handle {h:#x} gave {rc}, not -300")


def child(seed, seconds, log_path, include_known):
    with open(log_path, "w") as log:
        log.write(json.dumps({"seed": seed}) + "\n")
        run = Run(seed, log, include_known)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run.step()
        run.finish()
    print(json.dumps({"seed": seed, "calls": run.calls, "messages": run.messages, "findings": run.findings}))
    sys.exit(1 if run.findings else 0)


def replay(log_path, skip=()):
    """Makes a log's calls again, in order, with the same arguments: handles
    are tokens the library issues in sequence, so a fresh process gets the
    same numbers, and the input arrays come from the seed on the first line.
    Calls whose line number is in `skip` are left out (for shrinking)."""
    lines = open(log_path).read().splitlines()
    seed = json.loads(lines[0])["seed"]
    run = Run(seed, open(os.devnull, "w"))
    # The mock clusters listen on new ports: the run's addresses map to them in order.
    new_addresses, address_of = [], {}
    for number, line in enumerate(lines[1:], 1):
        if number in skip or not line.startswith("["):
            continue
        name, desc = json.loads(line)
        p = run.patterns[name]
        args, keep = [], []
        for a, d in zip(p.args, desc):
            t = str(a)
            if d is None and t != "P":
                args.append(None)
            elif t == "P":
                args.append(ctypes.c_void_p(d))
            elif t in ("I4", "U4", "I8"):
                args.append({"I4": ctypes.c_int32, "U4": ctypes.c_uint32, "I8": ctypes.c_int64}[t](d))
            elif t == "<0T1":
                if d.startswith("127.0.0.1:") and d != "127.0.0.1:9":
                    if d not in address_of and new_addresses:
                        address_of[d] = new_addresses.pop(0)
                    d = address_of.get(d, d)
                buf = ctypes.create_string_buffer(d.encode("latin-1"), TEXT)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
            elif isinstance(d, str) and d[:3] in ("T1[", "I4[", "I8["):
                arrays = {"T1": run.t1_inputs, "I4": run.i4_inputs, "I8": run.i8_inputs}[d[:2]]
                args.append(ctypes.cast(arrays[int(d[3:-1])], ctypes.c_void_p))
            elif isinstance(d, str) and d.startswith("&"):
                cell = (ctypes.c_int32 if t == "=I4" else ctypes.c_uint32)(int(d[1:]))
                keep.append(cell)
                args.append(ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p))
            else:  # an output buffer
                buf = ctypes.create_string_buffer(8 * ARRAY)
                keep.append(buf)
                args.append(ctypes.cast(buf, ctypes.c_void_p))
        rc = run.call(name, args, desc)
        if name == "NewMockCluster" and rc == 0 and args[2] is not None:
            new_addresses.append(ctypes.string_at(args[2]).decode())
        print(number, name, desc, "->", rc, flush=True)


def supervise(seed, seconds, keep_going, include_known=False):
    """Runs children until `seconds` have passed; returns the findings."""
    OUT.mkdir(parents=True, exist_ok=True)
    findings, stats = [], {"runs": 0, "calls": 0, "messages": 0}
    deadline = time.monotonic() + seconds
    base = random.randrange(1 << 30) if seed == "random" else int(seed)
    n = 0
    per_child = min(20.0, seconds)
    while time.monotonic() < deadline or n == 0:
        s = base + n
        n += 1
        log = OUT / f"seed-{s}.log"
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(s), "--seconds", str(per_child), "--log",
                                 str(log)] + (["--include-known"] if include_known else []), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        last_size, last_change = -1, time.monotonic()
        while proc.poll() is None:
            time.sleep(0.5)
            size = log.stat().st_size if log.exists() else 0
            if size != last_size:
                last_size, last_change = size, time.monotonic()
            elif time.monotonic() - last_change > HANG_S:
                proc.kill()
                break
        out, err = proc.communicate()
        stats["runs"] += 1
        tail = log.read_text().splitlines()[-8:] if log.exists() else []
        result = None
        for line in out.splitlines():
            if line.startswith("{"):
                result = json.loads(line)
        if result:
            stats["calls"] += result["calls"]
            stats["messages"] += result["messages"]
        if proc.returncode == 0 and result:
            log.unlink()
            continue
        if proc.returncode == -9 and not result:
            reason = f"hang: no call returned for {HANG_S} s"
        elif proc.returncode < 0:
            said = [line for line in err.splitlines() if "Assertion" in line or "panicked" in line]
            reason = f"crash: signal {-proc.returncode}" + (f": {said[-1]}" if said else "")
        elif result and result["findings"]:
            reason = "; ".join(result["findings"])
        else:
            reason = f"child exited {proc.returncode}: {err.strip()[-500:]}"
        findings.append({"seed": s, "reason": reason, "last_calls": tail, "log": str(log)})
        print(f"FINDING seed {s}: {reason}\n  last calls:\n    " + "\n    ".join(tail), file=sys.stderr)
        if not keep_going:
            break
    stats["findings"] = len(findings)
    (OUT / "summary.json").write_text(json.dumps({**stats, "details": findings}, indent=1))
    print(json.dumps(stats))
    return findings


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", default=os.environ.get("KAFKA_FUZZ_SEED", "12"))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("KAFKA_FUZZ_SECONDS", "60")))
    ap.add_argument("--keep-going", action="store_true", help="do not stop at the first finding")
    ap.add_argument("--include-known", action="store_true", help="also call the exports of known librdkafka crashes")
    ap.add_argument("--child", type=int)
    ap.add_argument("--log")
    ap.add_argument("--replay", metavar="LOG")
    ap.add_argument("--skip", help="line numbers of the log to leave out, comma-separated")
    a = ap.parse_args()
    if a.child is not None:
        child(a.child, a.seconds, a.log, a.include_known)
    elif a.replay:
        skip = {int(x) for x in a.skip.split(",") if x} if a.skip else set()
        replay(a.replay, skip)
    else:
        sys.exit(1 if supervise(a.seed, a.seconds, a.keep_going, a.include_known) else 0)


if __name__ == "__main__":
    main()
