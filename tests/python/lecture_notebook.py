# The code cells of the Kafka lecture notebook this product is built for
# (shared/seeds), in order and unchanged. test_lecture_notebook.py runs it
# with the import lines, the broker address and the topic names replaced,
# and ends each endless consumer loop with Ctrl-C (SIGINT), as in class.

from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions
from confluent_kafka import KafkaException
import sys
from uuid import uuid4

brokers = "kafka1:9092,kafka2:9093" # Brokers act as cluster entripoints

conf = {'bootstrap.servers': brokers}

a = AdminClient(conf)

md = a.list_topics(timeout=10)

print(" {} topics:".format(len(md.topics)))
for t in iter(md.topics.values()):
    if t.error is not None:
        errstr = ": {}".format(t.error)
    else:
        errstr = ""
    print("  \"{}\" with {} partition(s){}".format(t, len(t.partitions), errstr))

topic_names = ["test1p", "test2p", "test2die"]

new_topics = [NewTopic(topic, num_partitions=1, replication_factor=1) for topic in topic_names]

fs = a.create_topics(new_topics)

for topic, f in fs.items():
    try:
        f.result()  # The result itself is None
        print("Topic {} created".format(topic))
    except Exception as e:
        print("Failed to create topic {}: {}".format(topic, e))

md = a.list_topics(timeout=10)
print(" {} topics:".format(len(md.topics)))
for t in iter(md.topics.values()):
    if t.error is not None:
        errstr = ": {}".format(t.error)
    else:
        errstr = ""
    print("  \"{}\" with {} partition(s){}".format(t, len(t.partitions), errstr))

ds = a.delete_topics([topic_names[2]], operation_timeout=30)
for topic, f in ds.items():
    try:
        f.result()  # The result itself is None
        print("Topic {} deleted".format(topic))
    except Exception as e:
        print("Failed to delete topic {}: {}".format(topic, e))

topic = topic_names[1]

new_parts = [NewPartitions(topic, int(2))]

fs = a.create_partitions(new_parts, validate_only=False)
# Wait for operation to finish.
for topic, f in fs.items():
    try:
        f.result()  # The result itself is None
        print("Additional partitions created for topic {}".format(topic))
    except Exception as e:
        print("Failed to add partitions to topic {}: {}".format(topic, e))

md = a.list_topics(timeout=10)
for t in iter(md.topics.values()):
    if str(t)==topic:
        l = t.partitions.values()
        print("Topic {} has {} partitions".format(t, len(l)))
        for p in iter(l):
            if p.error is not None:
                errstr = ": {}".format(p.error)
            else:
                errstr = ""
            print("partition {} leader: {}, replicas: {},"
                  " isrs: {} errstr: {}".format(p.id, p.leader, p.replicas, p.isrs, errstr))

from confluent_kafka import Producer
import sys
conf = {'bootstrap.servers': brokers}

p = Producer(**conf)

def delivery_callback(err, msg):
        if err:
            sys.stderr.write('%% Message failed delivery: %s\n' % err)
        else:
            sys.stderr.write('%% Message delivered to %s [%d] @ %d\n' %
                             (msg.topic(), msg.partition(), msg.offset()))

for n in range(1,10):
    try:
        # Produce line (without newline)
        print(n)
        p.produce(topic_names[0], str(n), callback=delivery_callback)
        p.poll(0)
    except BufferError:
        sys.stderr.write('%% Local producer queue is full (%d messages awaiting delivery): try again\n' % len(p))

p.flush()

from confluent_kafka import Consumer, KafkaException

conf = {
    'bootstrap.servers': brokers,
    'group.id': str(uuid4()),
    'session.timeout.ms': 6000,
    'auto.offset.reset': 'earliest'
}

c = Consumer(conf)

c.subscribe([topic_names[0]])

# Read messages from Kafka, print to stdout
try:
    while True: #Consumer run forever
        msg = c.poll(timeout=1.0)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        else:
            # Proper message
            sys.stderr.write('%% %s [%d] at offset %d with key %s:\n' %
             (msg.topic(), msg.partition(), msg.offset(), str(msg.key())))
            print(msg.value())
except KeyboardInterrupt:
    sys.stderr.write('%% Aborted by user\n')
finally:
    # Close down consumer to commit final offsets.
    c.close()

conf = {'bootstrap.servers': brokers}
p = Producer(**conf)

for n in range(1,10):
    try:
        # Produce line (without newline)
        print(n)
        p.produce(topic_names[1], str(n), callback=delivery_callback)
        p.poll(0)
        p.flush()
    except BufferError:
        sys.stderr.write('%% Local producer queue is full (%d messages awaiting delivery): try again\n' % len(p))

conf = {
    'bootstrap.servers': brokers,
    'group.id': str(uuid4()),
    'session.timeout.ms': 6000,
    'auto.offset.reset': 'earliest'
}

c = Consumer(conf)
c.subscribe([topic_names[1]])

# Read messages from Kafka, print to stdout
try:
    while True:
        msg = c.poll(timeout=1.0)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        else:
            # Proper message
            print("{} [{}] at offset {} with key  {}:  {}".format(msg.topic(), msg.partition(), msg.offset(), str(msg.key()), str(msg.value())))
except KeyboardInterrupt:
    sys.stderr.write('%% Aborted by user\n')
finally:
    # Close down consumer to commit final offsets.
    c.close()
