#!/usr/bin/env python3
"""Kafka clients nobody here wrote, for the interop tests in tests/real_broker.rs.

Keys and payloads travel as hex on stdin and stdout, so binary data (NUL
bytes included) survives; "-" stands for NULL and "." for empty.

  clients.py ck-consume BOOTSTRAP TOPIC [TIMEOUT_S]
      confluent-kafka: reads TOPIC from the beginning of every partition up
      to its end and prints one line per message:
          PARTITION OFFSET KEY_HEX PAYLOAD_HEX
      Exits 3 when the ends were not all reached within TIMEOUT_S (def. 30).

  clients.py kp-consume BOOTSTRAP TOPIC [TIMEOUT_S]
      kafka-python (a pure-Python protocol implementation, not librdkafka):
      same as ck-consume.

  clients.py ck-group BOOTSTRAP GROUP MEMBERS [TIMEOUT_S]
      confluent-kafka AdminClient: waits until the consumer group GROUP is
      Stable with MEMBERS members, each with at least one partition, and
      prints one line per assigned partition: CLIENT_ID TOPIC PARTITION.
      Exits 3 when that did not happen within TIMEOUT_S.

  clients.py ck-produce BOOTSTRAP TOPIC < lines "PARTITION KEY_HEX PAYLOAD_HEX"
      confluent-kafka: produces one message per input line (PARTITION -1 lets
      the partitioner choose), waits for every delivery report and prints,
      in input order, "PARTITION OFFSET" per message. Exits 4 when a
      delivery failed (the error goes to stderr).
"""

import sys
import time


def unhex(s):
    if s == "-":
        return None
    return b"" if s == "." else bytes.fromhex(s)


def tohex(b):
    return "-" if b is None else (b.hex() if b else "")


def emit(partition, offset, key, value):
    # An empty hex string would collapse the columns: "." stands for empty.
    k = tohex(key) or "."
    v = tohex(value) or "."
    print(f"{partition} {offset} {k} {v}")


def ck_consume(bootstrap, topic, timeout):
    from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"interop-ck-{time.time_ns()}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    md = c.list_topics(topic, timeout=10)
    parts = sorted(md.topics[topic].partitions)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    pending = set(parts)
    deadline = time.monotonic() + timeout
    rows = []
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
        rows.append((m.partition(), m.offset(), m.key(), m.value()))
    c.close()
    for r in rows:
        emit(*r)
    if pending:
        print(f"partitions {sorted(pending)} not read to their end within {timeout}s", file=sys.stderr)
        return 3
    return 0


def kp_consume(bootstrap, topic, timeout):
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                      group_id=None, consumer_timeout_ms=500)
    deadline = time.monotonic() + timeout
    parts = None
    while time.monotonic() < deadline:
        parts = c.partitions_for_topic(topic)
        if parts:
            break
        time.sleep(0.1)
    if not parts:
        print(f"no metadata for {topic}", file=sys.stderr)
        return 3
    tps = [TopicPartition(topic, p) for p in sorted(parts)]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    ends = c.end_offsets(tps)
    rows = []
    while time.monotonic() < deadline:
        if all(c.position(tp) >= ends[tp] for tp in tps):
            break
        for batch in c.poll(timeout_ms=500).values():
            for m in batch:
                rows.append((m.partition, m.offset, m.key, m.value))
    done = all(c.position(tp) >= ends[tp] for tp in tps)
    c.close()
    for r in rows:
        emit(*r)
    if not done:
        print(f"partitions not read to their end within {timeout}s", file=sys.stderr)
        return 3
    return 0


def ck_group(bootstrap, group, members, timeout):
    from confluent_kafka import ConsumerGroupState
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            d = admin.describe_consumer_groups([group], request_timeout=5)[group].result()
        except Exception as e:  # coordinator not ready yet, etc.
            last = repr(e)
            time.sleep(0.1)
            continue
        last = f"state {d.state}, {len(d.members)} members"
        if (d.state == ConsumerGroupState.STABLE and len(d.members) == members
                and all(m.assignment.topic_partitions for m in d.members)):
            for m in d.members:
                for tp in m.assignment.topic_partitions:
                    print(f"{m.client_id} {tp.topic} {tp.partition}")
            return 0
        time.sleep(0.1)
    print(f"group {group} not stable with {members} members within {timeout}s (last: {last})", file=sys.stderr)
    return 3


def ck_produce(bootstrap, topic):
    from confluent_kafka import Producer

    specs = []
    for line in sys.stdin.read().splitlines():
        if line.strip():
            p, k, v = line.split(" ")
            specs.append((int(p), unhex(k), unhex(v)))
    prod = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    results = [None] * len(specs)

    def report(i):
        def cb(err, msg):
            results[i] = (err, None if err else (msg.partition(), msg.offset()))
        return cb

    for i, (p, k, v) in enumerate(specs):
        kwargs = {"key": k, "value": v, "on_delivery": report(i)}
        if p >= 0:
            kwargs["partition"] = p
        prod.produce(topic, **kwargs)
    left = prod.flush(30)
    if left:
        print(f"{left} messages undelivered after 30 s", file=sys.stderr)
        return 4
    failed = [(i, r[0]) for i, r in enumerate(results) if r is None or r[0] is not None]
    if failed:
        print(f"delivery failed: {failed[:5]}", file=sys.stderr)
        return 4
    for _, (p, o) in results:
        print(f"{p} {o}")
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, bootstrap, topic = argv[0], argv[1], argv[2]
    timeout = float(argv[3]) if len(argv) > 3 else 30.0
    if cmd == "ck-consume":
        return ck_consume(bootstrap, topic, timeout)
    if cmd == "kp-consume":
        return kp_consume(bootstrap, topic, timeout)
    if cmd == "ck-group":
        timeout = float(argv[4]) if len(argv) > 4 else 30.0
        return ck_group(bootstrap, topic, int(argv[3]), timeout)
    if cmd == "ck-produce":
        return ck_produce(bootstrap, topic)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
