"""Round trip through kafka.so from Python: produce, collect delivery
reports, consume in a group, commit. Uses the embedded mock cluster unless
KAFKA_BOOTSTRAP is set.

    python3 bindings/python/example.py
"""
import os
import time

from kafkaso import Consumer, MockCluster, Producer, version

cluster = None if os.environ.get("KAFKA_BOOTSTRAP") else MockCluster()
bootstrap = os.environ.get("KAFKA_BOOTSTRAP") or cluster.bootstrap
topic = f"python-example-{int(time.time())}"
print(f"kafka.so over librdkafka {version()}, broker {bootstrap}")

with Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": "30000"}) as producer:
    ids = [producer.produce(topic, f"message {i}".encode(), key=f"key{i % 3}".encode()) for i in range(10)]
    producer.flush()
    reports = producer.delivery_reports()
    print(f"delivered {sum(1 for _, status in reports if status == 0)} of {len(ids)}")

config = {"bootstrap.servers": bootstrap, "group.id": f"{topic}-group", "auto.offset.reset": "earliest",
          "enable.auto.commit": "false"}
with Consumer(config, [topic]) as consumer:
    received, deadline = [], time.time() + 30
    while len(received) < len(ids) and time.time() < deadline:
        message = consumer.consume()
        if message:
            received.append(message)
            print(f"  {message.topic}[{message.partition}]@{message.offset} {message.key!r} {message.value!r}")
    consumer.commit()
    print(f"consumed {len(received)}, committed")

if cluster:
    cluster.close()
