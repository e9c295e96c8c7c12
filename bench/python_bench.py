"""kafkaso against confluent-kafka, side by side on one broker, 100-byte
messages: produce()+poll(0), poll(), consume(1000), and kafkaso's
consume_columns(1000) with and without headers. Each package runs with
its defaults (kafkaso's consumer sets fetch.queue.backoff.ms to 10 ms). Prints messages per second and the ratios.

    python3 bench/python_bench.py [BOOTSTRAP] [--messages N] [--rounds R]

BOOTSTRAP defaults to $KAFKA_BOOTSTRAP. Each figure is the best of R rounds
(the machine is shared), each round on a fresh topic and group."""
import argparse
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "build" / "python" / "site"))  # make python-wheel + tests/python/conftest.py install it
import confluent_kafka  # noqa: E402
import confluent_kafka.admin  # noqa: E402
import kafkaso  # noqa: E402
import kafkaso.admin  # noqa: E402

VALUE = b"x" * 100


def topic_with_one_partition(admin_mod, bootstrap):
    name = f"pybench-{uuid.uuid4().hex[:10]}"
    admin = admin_mod.AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([admin_mod.NewTopic(name, num_partitions=1, replication_factor=1)])[name].result()
    return name


def produce(mod, bootstrap, topic, n):
    p = mod.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    start = time.perf_counter()
    for _ in range(n):
        while True:
            try:
                p.produce(topic, VALUE)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(60)
    return n / (time.perf_counter() - start)


SAME_BACKOFF = {}


def consumer(mod, bootstrap, topic):
    c = mod.Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", **SAME_BACKOFF})
    c.assign([mod.TopicPartition(topic, 0, mod.OFFSET_BEGINNING)])
    return c


def timed(read, n):
    """Messages per second from the first message to the n-th."""
    got = read(10.0)
    start = time.perf_counter()
    while got < n:
        got += read(1.0)
    return (n - 1) / (time.perf_counter() - start)


def by_poll(mod, bootstrap, topic, n):
    c = consumer(mod, bootstrap, topic)

    def read(timeout):
        m = c.poll(timeout)
        return 1 if m is not None and m.error() is None else 0
    rate = timed(read, n)
    c.close()
    return rate


def by_consume(mod, bootstrap, topic, n):
    c = consumer(mod, bootstrap, topic)
    rate = timed(lambda timeout: sum(1 for m in c.consume(1000, timeout) if m.error() is None), n)
    c.close()
    return rate


def by_columns(mod, bootstrap, topic, n, headers=True):
    c = consumer(mod, bootstrap, topic)
    rate = timed(lambda timeout: len(c.consume_columns_raw(1000, timeout, headers)), n)
    c.close()
    return rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap", nargs="?", default=os.environ.get("KAFKA_BOOTSTRAP"))
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--same-backoff", action="store_true",
                    help="give both consumers kafkaso's fetch.queue.backoff.ms (10 ms)")
    args = ap.parse_args()
    if args.same_backoff:
        SAME_BACKOFF["fetch.queue.backoff.ms"] = 10
    if not args.bootstrap:
        sys.exit("give a bootstrap address or set KAFKA_BOOTSTRAP")
    n = args.messages
    best = {}
    for _ in range(args.rounds):
        topics = {}
        for name, mod, admin in (("confluent-kafka", confluent_kafka, confluent_kafka.admin),
                                 ("kafkaso", kafkaso, kafkaso.admin)):
            topics[name] = topic = topic_with_one_partition(admin, args.bootstrap)
            rates = {"produce()+poll(0)": produce(mod, args.bootstrap, topic, n),
                     "poll()": by_poll(mod, args.bootstrap, topic, n),
                     "consume(1000)": by_consume(mod, args.bootstrap, topic, n)}
            if mod is kafkaso:
                rates["consume_columns(1000)"] = by_columns(mod, args.bootstrap, topic, n)
                rates["consume_columns(1000, headers=False)"] = by_columns(mod, args.bootstrap, topic, n, False)
            for what, rate in rates.items():
                best[(name, what)] = max(best.get((name, what), 0), rate)
        admin = kafkaso.admin.AdminClient({"bootstrap.servers": args.bootstrap})
        admin.delete_topics(list(topics.values()))
    same = ", both with fetch.queue.backoff.ms=10" if args.same_backoff else ""
    print(f"{n} messages of {len(VALUE)} B, best of {args.rounds} rounds{same}, messages/s:")
    print(f"{'':38}{'confluent-kafka':>16}{'kafkaso':>12}{'ratio':>8}")
    for what in ("produce()+poll(0)", "poll()", "consume(1000)"):
        ck, ks = best[("confluent-kafka", what)], best[("kafkaso", what)]
        print(f"{what:38}{ck:16,.0f}{ks:12,.0f}{ks / ck:8.2f}")
    for what in ("consume_columns(1000)", "consume_columns(1000, headers=False)"):
        ck, ks = best[("confluent-kafka", "consume(1000)")], best[("kafkaso", what)]
        print(f"{what:38}{ck:16,.0f}{ks:12,.0f}{ks / ck:8.2f}  (vs its consume(1000))")


if __name__ == "__main__":
    main()
