"""Round trip through kafka.so from Python, with the kafkaso package
(confluent-kafka's API): produce keyed messages, count their delivery
callbacks, consume them in a group, commit. Uses the embedded mock cluster
unless KAFKA_BOOTSTRAP is set.

    python3 -m pip install kafkaso-*.whl     # or: make python-wheel
    python3 example.py
"""
import os
import time

from kafkaso import Consumer, MockCluster, Producer, libversion, version

cluster = None if os.environ.get("KAFKA_BOOTSTRAP") else MockCluster()
bootstrap = os.environ.get("KAFKA_BOOTSTRAP") or cluster.bootstrap
topic = f"python-example-{int(time.time())}"
print(f"kafka.so {version()[0]} over librdkafka {libversion()[0]}, broker {bootstrap}")

delivered = []
producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": "30000"})
for i in range(10):
    producer.produce(topic, f"message {i}".encode(), key=f"key{i % 3}".encode(),
                     on_delivery=lambda err, msg: delivered.append(err is None))
producer.flush(30)
print(f"delivered {sum(delivered)} of 10")

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-group", "auto.offset.reset": "earliest",
                     "enable.auto.commit": "false"})
consumer.subscribe([topic])
received, deadline = 0, time.time() + 30
while received < 10 and time.time() < deadline:
    message = consumer.poll(1.0)
    if message is None or message.error():
        continue
    received += 1
    print(f"  {message.topic()}[{message.partition()}]@{message.offset()} {message.key()!r} {message.value()!r}")
consumer.commit(asynchronous=False)
consumer.close()
print(f"consumed {received}, committed")

if cluster:
    cluster.close()
