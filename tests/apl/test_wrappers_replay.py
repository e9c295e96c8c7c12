"""Wrappers the class replays do not reach, replayed on their own with the
arguments their .aplf files pass."""

import re

from apl_mirror import Producer


def test_error_name_and_codes(kafka):
    assert kafka.error_name(-184) == [0, b"_QUEUE_FULL"]
    assert kafka.error_name(-300) == [0, b"KAFKA_ERR_BAD_HANDLE"]
    assert kafka.error_name(3) == [0, b"UNKNOWN_TOPIC_OR_PART"]
    assert kafka.error_name(123456)[0] != 0
    rc, codes = kafka.error_codes()
    assert rc == 0
    by_code = {row[0]: row for row in codes}
    assert by_code[-304][1] == "KAFKA_ERR_TOO_SMALL" and by_code[-184][1] == "_QUEUE_FULL"
    assert all(row[2] for row in codes if row[1] not in ("_BEGIN", "_END")), "a description each"
    assert [row[0] for row in codes] == sorted(row[0] for row in codes)


def test_library_version(kafka):
    assert re.fullmatch(rb"\d+\.\d+\.\d+\S*", kafka.library_version())


def test_delivery_report_wait_and_produce_sync(kafka, cluster):
    topic = cluster.new_topics(1, prefix="apl-wrappers")[0]
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    assert kafka.delivery_report_wait(producer.handle, 10, 0) == [0, []], "nothing in flight: at once"
    assert producer.produce_sync(topic, "sync", "k") == 0
    rc, msgid = producer.produce(topic, "waited", "k")
    assert rc == 0
    rc, reports = kafka.delivery_report_wait(producer.handle, 10, 30000)
    assert rc == 0 and reports == [[msgid, 0]]
    assert producer.close() == 0
