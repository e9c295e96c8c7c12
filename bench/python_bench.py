#!/usr/bin/env python3
"""kafkaso against confluent-kafka-python: one measurement per run, as the C
drivers do (`make bench` interleaves the runs and reports medians).

  python_bench.py IMPL PATH -b BOOTSTRAP -t TOPIC [-n N] [-W SECONDS]
                  [-g GROUP] [-C k=v ...]

IMPL: confluent_kafka or kafkaso (the package make python-wheel builds).
PATH, with 100-byte messages:
  produce          N x produce(topic, value) + poll(0), BufferError met
                   with poll(0.01); timed until flush() returns.
  poll             a fresh group reads N messages with poll().
  consume          the same with consume(1000).
  columns          kafkaso's consume_columns(1000) (Columns, so that
                   pyarrow's conversion is not what is timed).
  columns-bare     the same with headers=False.
Consumers assign every partition of TOPIC from the beginning; they are timed
from the first message to the N-th. -R SAMPLES: also the current RSS (KiB)
each time another N/SAMPLES messages are through, as rss_trace=a,b,... -W: sleep that long after the first
message (with the -C settings that let librdkafka prefetch everything), so
that the calls alone are timed. -C settings go to consumers of both
packages alike. Prints one RESULT line (side=py-IMPL).
"""
import argparse
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "build" / "python" / "site"))  # tests/python/conftest.py installs the wheel there

VALUE = b"x" * 100
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


class Trace:
    """The current RSS each time another n/samples messages are through."""

    def __init__(self, n, samples):
        self.step = n // samples if samples else 0
        self.next = self.step or float("inf")  # no samples: never
        self.kib = []

    def at(self, done):
        while done >= self.next:
            with open("/proc/self/statm") as f:
                self.kib.append(int(f.read().split()[1]) * PAGE_KIB)
            self.next += self.step

    def text(self):
        return f" rss_trace={','.join(map(str, self.kib))}" if self.kib else ""



def produce(mod, args):
    p = mod.Producer({"bootstrap.servers": args.bootstrap, "acks": "all"})
    p.produce(args.topic, VALUE)  # connects, as the C drivers' warm-up message
    p.flush(30)
    topic, n, trace = args.topic, args.n, args.trace
    every = trace.step or n
    start = time.perf_counter()
    for i in range(n):
        while True:
            try:
                p.produce(topic, VALUE)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
        if i % every == every - 1:
            trace.at(i + 1)
    left = p.flush(120)
    secs = time.perf_counter() - start
    if left:
        sys.exit(f"python_bench: {left} messages not delivered")
    return n, secs


def consume(mod, args):
    conf = {"bootstrap.servers": args.bootstrap, "group.id": args.group or uuid.uuid4().hex,
            "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    conf.update(kv.split("=", 1) for kv in args.conf)
    c = mod.Consumer(conf)
    parts = c.list_topics(args.topic, timeout=10).topics[args.topic].partitions
    c.assign([mod.TopicPartition(args.topic, p, mod.OFFSET_BEGINNING) for p in parts])
    if args.path == "poll":
        def read(timeout):
            m = c.poll(timeout)
            return 1 if m is not None and m.error() is None else 0
    elif args.path == "consume":
        def read(timeout):
            return sum(1 for m in c.consume(1000, timeout) if m.error() is None)
    else:
        headers = args.path == "columns"

        def read(timeout):
            return len(c.consume_columns_raw(1000, timeout, headers))
    first, deadline = 0, time.monotonic() + 30
    while first == 0 and time.monotonic() < deadline:
        first = read(1.0)
    if first == 0:
        sys.exit("python_bench: no message within 30 s")
    if args.prefetch:
        time.sleep(args.prefetch)
    got, start = 0, time.perf_counter()
    while got < args.n - first:
        got += read(1.0)
        args.trace.at(first + got)
    secs = time.perf_counter() - start
    c.close()
    return got, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("impl", choices=["confluent_kafka", "kafkaso"])
    ap.add_argument("path", choices=["produce", "poll", "consume", "columns", "columns-bare"])
    ap.add_argument("-b", dest="bootstrap", required=True)
    ap.add_argument("-t", dest="topic", required=True)
    ap.add_argument("-n", type=int, default=200_000)
    ap.add_argument("-g", dest="group")
    ap.add_argument("-W", dest="prefetch", type=float, default=0)
    ap.add_argument("-C", dest="conf", action="append", default=[])
    ap.add_argument("-R", dest="samples", type=int, default=0)
    args = ap.parse_args()
    args.trace = Trace(args.n, args.samples)
    if args.impl == "confluent_kafka" and args.path.startswith("columns"):
        ap.error("consume_columns is kafkaso's")
    mod = __import__(args.impl)
    n, secs = (produce if args.path == "produce" else consume)(mod, args)
    mode = args.path + ("-prefetched" if args.prefetch else "")
    version = mod.version()  # confluent-kafka 2.16 gives the string alone
    version = version[0] if isinstance(version, tuple) else version
    print(f"RESULT side=py-{args.impl} mode={mode} n={n} size=100 secs={secs:.6f} msgs_s={n / secs:.1f} "
          f"version={version}{args.trace.text()}")


if __name__ == "__main__":
    main()
