#!/usr/bin/env python3
"""confluent-kafka with headers and timestamps, for tests/batch_real.rs.

Bytes travel as hex ("-" NULL, "." empty). A header list is "." (none) or
comma-separated NAME_HEX:VALUE_HEX pairs, in order.

  headers.py produce BOOTSTRAP TOPIC < lines "PARTITION TS KEY VALUE HEADERS"
      one message per line (PARTITION -1: the partitioner's choice; TS 0:
      now); waits for every report and prints "PARTITION OFFSET TS" per
      message, in input order. Exits 4 when a delivery failed.

  headers.py consume BOOTSTRAP TOPIC [TIMEOUT_S]
      reads every partition from the beginning to its end and prints
      "PARTITION OFFSET TSTYPE TS KEY VALUE HEADERS" per message.
      Exits 3 when the ends were not reached within TIMEOUT_S (def. 30).
"""
import sys
import time


def unhex(s):
    return None if s == "-" else (b"" if s == "." else bytes.fromhex(s))


def tohex(b):
    return "-" if b is None else (b.hex() or ".")


def headers_in(s):
    if s == ".":
        return []
    out = []
    for pair in s.split(","):
        name, value = pair.split(":")
        out.append((unhex(name).decode(), unhex(value)))
    return out


def headers_out(hs):
    if not hs:
        return "."
    return ",".join(f"{tohex(n.encode() if isinstance(n, str) else n)}:{tohex(v)}" for n, v in hs)


def produce(bootstrap, topic):
    from confluent_kafka import Producer

    specs = [line.split(" ") for line in sys.stdin.read().splitlines() if line.strip()]
    prod = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    results = [None] * len(specs)

    def report(i):
        def cb(err, msg):
            results[i] = (err, msg.partition(), msg.offset(), msg.timestamp()[1])
        return cb

    for i, (p, ts, k, v, hs) in enumerate(specs):
        kwargs = {"key": unhex(k), "value": unhex(v), "headers": headers_in(hs), "on_delivery": report(i)}
        if int(p) >= 0:
            kwargs["partition"] = int(p)
        if int(ts) != 0:
            kwargs["timestamp"] = int(ts)
        prod.produce(topic, **kwargs)
    if prod.flush(30):
        print("messages undelivered after 30 s", file=sys.stderr)
        return 4
    bad = [(i, r) for i, r in enumerate(results) if r is None or r[0] is not None]
    if bad:
        print(f"delivery failed: {bad[:5]}", file=sys.stderr)
        return 4
    for _, p, o, ts in results:
        print(f"{p} {o} {ts}")
    return 0


def consume(bootstrap, topic, timeout):
    from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"headers-{time.time_ns()}",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    parts = sorted(c.list_topics(topic, timeout=10).topics[topic].partitions)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    pending, rows = set(parts), []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard(m.partition())
                continue
            print(f"consume error: {m.error()}", file=sys.stderr)
            return 5
        kind, ts = m.timestamp()
        rows.append(f"{m.partition()} {m.offset()} {kind} {ts} {tohex(m.key())} {tohex(m.value())} "
                    f"{headers_out(m.headers())}")
    c.close()
    print("\n".join(rows))
    if pending:
        print(f"partitions {sorted(pending)} not read to their end within {timeout}s", file=sys.stderr)
        return 3
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "produce":
        return produce(argv[1], argv[2])
    if argv[0] == "consume":
        return consume(argv[1], argv[2], float(argv[3]) if len(argv) > 3 else 30.0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
