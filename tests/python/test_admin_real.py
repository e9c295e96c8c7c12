"""Issue 8 on a real broker: admin, metadata, configs, groups, lag and
consumer control through kafka.so, called as APL's ⎕NA calls it (na.py),
each outcome checked against the broker itself or an independent tool
(kcat, confluent-kafka, Kafka's ConsumerGroupCommand).

Runs under `make test` (tests/suite.sh sets KAFKA_BOOTSTRAP)."""

import os
import time

import pytest

import realkafka as rk
from test_bad_handles import ISSUE8  # tests/apl: the 21 exports of issue 8
from realkafka import NULL, TEXT, TOO_SMALL, Client, unique, wait_for

BAD_HANDLE, INVALID = -300, -301
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
PIDS = os.path.join(os.environ.get("KAFKA_BROKER_DIR", "/nonexistent"), "pids")
THREE = os.path.exists(PIDS) and len(open(PIDS).read().split()) == 3

if not BOOTSTRAP and os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
    raise RuntimeError("KAFKA_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP is not set: run under tests/broker/broker.sh run")
pytestmark = [
    pytest.mark.skipif(not BOOTSTRAP, reason="needs a real broker (KAFKA_BOOTSTRAP)"),
    # the three-broker step runs test_replicas3.py instead
    pytest.mark.skipif(THREE, reason="single-broker expectations"),
]


@pytest.fixture(scope="module")
def na():
    return rk.load()


@pytest.fixture(scope="module")
def admin(na):
    client = Client(na, BOOTSTRAP)
    yield client
    client.close()


def topic_names(doc):
    return {t["topic"] for t in doc["topics"]}


def partition_count(admin, topic):
    (entry,) = admin.metadata(topic.encode())["topics"]
    return len(entry["partitions"]) if entry["error"] == 0 else 0


def create(admin, topic, partitions):
    """Creates a topic and waits until the broker serves all of it."""
    assert admin.create_topics([topic], [partitions], [1])[:2] == (0, [0])
    wait_for(lambda: partition_count(admin, topic) == partitions, what=f"{topic} with {partitions} partitions")


def failed_lines(text):
    """errtxt of a per-item call: {name: reason}, one line per failure."""
    return dict(line.split(": ", 1) for line in text.split("\n") if line)


# ---------------------------------------------------------------- topics ----


def test_create_topics_gives_each_topic_its_own_outcome(admin):
    existing, new = unique("exists"), unique("new")
    zero, negative, too_many, bad = unique("zero"), unique("neg"), unique("rf"), "bad name!"
    create(admin, existing, 1)
    brokers = len(admin.metadata()["brokers"])
    names = [new, existing, zero, negative, too_many, bad]
    rc, errors, text = admin.create_topics(names, [3, 1, 0, -5, 1, 1], [1, 1, 1, 1, brokers + 1, 1])
    assert errors == [0, 36, 37, 37, 38, 17]
    assert rc == 36  # the first failure
    reasons = failed_lines(text)
    assert set(reasons) == {existing, zero, negative, too_many, bad}, text
    assert existing in reasons[existing]
    # the valid one of the batch was really created, the others were not
    wait_for(lambda: partition_count(admin, new) == 3, what=f"{new} with 3 partitions")
    listed = {t["topic"]: len(t["partitions"]) for t in rk.kcat_metadata(BOOTSTRAP)["topics"]}
    assert listed.get(new) == 3 and listed.get(existing) == 1
    assert not {zero, negative, too_many, bad} & (set(listed) | topic_names(admin.metadata()))


def test_create_topics_validate_only_creates_nothing(admin):
    name = unique("validate")
    assert admin.create_topics([name], [2], [1], validate_only=1) == (0, [0], "")
    # asked with the same name for real afterwards: it did not exist
    create(admin, name, 2)
    rc, errors, text = admin.create_topics([unique("validate"), name], [1, 1], [1, 1], validate_only=1)
    assert errors == [0, 36] and name in text


def test_create_topics_validate_only_leaves_metadata_unchanged(admin):
    name = unique("validate")
    assert admin.create_topics([name], [2], [1], validate_only=1)[:2] == (0, [0])
    assert name not in topic_names(admin.metadata())
    assert name not in {t["topic"] for t in rk.kcat_metadata(BOOTSTRAP)["topics"]}


def test_delete_topics_deletes_the_existing_and_reports_the_missing(admin):
    doomed, missing = unique("doomed"), unique("missing")
    create(admin, doomed, 1)
    rc, errors, text = admin.delete_topics([missing, doomed])
    assert (rc, errors) == (3, [3, 0])
    assert set(failed_lines(text)) == {missing}
    wait_for(lambda: doomed not in topic_names(admin.metadata()), what=f"{doomed} gone")
    assert doomed not in {t["topic"] for t in rk.kcat_metadata(BOOTSTRAP)["topics"]}


def test_create_partitions_grows_and_never_shrinks(admin):
    name = unique("grow")
    create(admin, name, 1)
    assert admin.create_partitions([name], [4]) == (0, [0], "")
    wait_for(lambda: partition_count(admin, name) == 4, what=f"{name} with 4 partitions")
    for total in (2, 4):  # fewer, or the same: not an increase
        rc, errors, text = admin.create_partitions([name], [total])
        assert (rc, errors) == (37, [37]) and text.startswith(name + ": ")
    assert partition_count(admin, name) == 4


# -------------------------------------------------------------- metadata ----


def test_metadata_agrees_with_kcat(admin):
    names = [unique("meta"), unique("meta")]
    assert admin.create_topics(names, [3, 1], [1, 1])[:2] == (0, [0, 0])
    wait_for(lambda: all(partition_count(admin, n) for n in names), what="topics created")
    # polled until both agree: leaders can still be settling just after creation
    wait_for(lambda: rk.metadata_view(admin.metadata(), names) == rk.kcat_view(rk.kcat_metadata(BOOTSTRAP), names),
             what="Metadata (all topics) == kcat -L -J")
    everything = admin.metadata()
    brokers, parts = rk.metadata_view(everything, names)
    assert everything["controller_id"] in {b[0] for b in brokers}
    assert set(parts) == set(names) and [p[0] for p in parts[names[0]]] == [0, 1, 2]
    assert all(p[1] in p[2] and p[1] in p[3] for ps in parts.values() for p in ps)
    for name in names:
        one = admin.metadata(name.encode())
        assert [t["topic"] for t in one["topics"]] == [name]
        assert one["topics"] == [t for t in everything["topics"] if t["topic"] == name]
        assert rk.metadata_view(one, [name]) == rk.kcat_view(rk.kcat_metadata(BOOTSTRAP, name), [name])
    assert [t["topic"] for t in everything["topics"]] == sorted(topic_names(everything))


def test_metadata_of_a_missing_topic_has_error_3(admin):
    name = unique("absent")
    (entry,) = admin.metadata(name.encode())["topics"]
    assert entry["topic"] == name and entry["error"] == 3 and entry["error_text"]
    assert entry["partitions"] == []
    assert name not in topic_names(admin.metadata())  # asking did not create it


# --------------------------------------------------------------- configs ----


def configs(admin, topic):
    rc, doc, err = admin.json("DescribeConfigs", b"topic", topic.encode(), 10000)
    assert rc == 0, err
    assert doc["type"] == "topic" and doc["name"] == topic
    return {c["name"]: c for c in doc["configs"]}


def alter(admin, topic, lines):
    rc, err, m = admin.na.AlterConfigs(admin.h, b"topic", topic.encode(), lines, 10000, TEXT, TEXT)
    assert rc == 0, err[:m]


def test_alter_configs_sets_and_resets_topic_settings(admin):
    name = unique("conf")
    create(admin, name, 1)
    before = configs(admin, name)
    assert before["retention.ms"]["source"] != "DYNAMIC_TOPIC_CONFIG"
    assert before["cleanup.policy"]["value"] == "delete"

    alter(admin, name, b"retention.ms=3600000\ncleanup.policy=compact")
    now = wait_for(lambda: (c := configs(admin, name))["retention.ms"]["value"] == "3600000" and c,
                   what="retention.ms set")
    for key, value in (("retention.ms", "3600000"), ("cleanup.policy", "compact")):
        assert now[key]["value"] == value and now[key]["source"] == "DYNAMIC_TOPIC_CONFIG"
        assert now[key]["default"] is False
    assert {k: v for k, v in now.items() if k not in ("retention.ms", "cleanup.policy")} == \
        {k: v for k, v in before.items() if k not in ("retention.ms", "cleanup.policy")}

    alter(admin, name, b"retention.ms")  # a bare key: back to its default
    after = wait_for(lambda: (c := configs(admin, name))["retention.ms"]["value"] != "3600000" and c,
                     what="retention.ms reset")
    assert after["retention.ms"] == before["retention.ms"]
    assert after["cleanup.policy"]["value"] == "compact"
    assert after["cleanup.policy"]["source"] == "DYNAMIC_TOPIC_CONFIG"


def test_alter_configs_of_a_missing_topic_fails_with_a_text(admin):
    rc, err, m = admin.na.AlterConfigs(admin.h, b"topic", unique("none").encode(), b"retention.ms=1", 10000,
                                        TEXT, TEXT)
    assert rc != 0 and m > 0


# ---------------------------------------------------------------- groups ----


def group_consumer(na, group, client_id, topic, **conf):
    consumer = Client(na, BOOTSTRAP, **{"group.id": group, "client.id": client_id, "auto.offset.reset": "earliest",
                                        "enable.auto.commit": "false", **conf})
    consumer.subscribe(topic)
    return consumer


def test_groups_list_describe_delete(na, admin):
    topic, group, client_id = unique("grp"), unique("g"), unique("cid")
    create(admin, topic, 2)
    rk.produce(BOOTSTRAP, topic, [b"m%d" % i for i in range(4)])
    consumer = group_consumer(na, group, client_id, topic)
    try:
        consumer.consume_n(4)  # joined, assigned and reading
        rc, groups, err = admin.json("ListGroups", 10000)
        assert rc == 0, err
        assert {"group": group, "state": "Stable", "simple": False} in groups["groups"]

        rc, desc, err = admin.json("DescribeGroup", group.encode(), 10000)
        assert rc == 0, err
        assert desc["group"] == group and desc["state"] == "Stable" and desc["protocol"]
        (member,) = desc["members"]
        assert member["client_id"] == client_id and "127.0.0.1" in member["host"]
        assert sorted((a["topic"], a["partition"]) for a in member["assignment"]) == [(topic, 0), (topic, 1)]
        assert desc["coordinator"]["id"] in {b["id"] for b in admin.metadata()["brokers"]}

        rc, err, m = na.DeleteGroup(admin.h, group.encode(), 10000, TEXT, TEXT)
        assert rc == 68 and m > 0, (rc, err[:m])
    finally:
        consumer.close()
    # closing left the group: now it can go
    rc, err, m = na.DeleteGroup(admin.h, group.encode(), 10000, TEXT, TEXT)
    assert rc == 0, err[:m]
    rc, groups, _ = admin.json("ListGroups", 10000)
    assert group not in {g["group"] for g in groups["groups"]}
    rc, err, m = na.DeleteGroup(admin.h, group.encode(), 10000, TEXT, TEXT)
    assert rc == 69 and m > 0
    rc, desc, _ = admin.json("DescribeGroup", unique("nogroup").encode(), 10000)
    assert rc == 0 and desc["state"] == "Dead" and desc["members"] == []


def consumer_groups_tool(group):
    """Kafka's own `kafka-consumer-groups --describe` as {(topic, partition): row}."""
    out = rk.kafka_tool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                        "--bootstrap-server", BOOTSTRAP, "--describe", "--group", group)
    rows = [line.split() for line in out.splitlines() if line.strip()]
    header = next(i for i, r in enumerate(rows) if r[:2] == ["GROUP", "TOPIC"])
    names = rows[header]
    table = [dict(zip(names, r)) for r in rows[header + 1:]]
    return {(r["TOPIC"], int(r["PARTITION"])): r for r in table if r["GROUP"] == group}


def test_group_lag_matches_kafka_consumer_groups(na, admin):
    topic, group = unique("lag"), unique("lagg")
    create(admin, topic, 3)
    for p in range(3):
        rk.produce(BOOTSTRAP, topic, [b"p%d-%d" % (p, i) for i in range(10)], partition=p)
    consumer = group_consumer(na, group, "lag-client", topic)
    try:
        consumer.consume_n(12)
        assert na.Commit(consumer.h, 0) == 0
        # the consumer stays in the group; nothing is produced or committed
        # from here, so both views describe the same moment
        rc, lag, err = admin.json("GroupLag", group.encode(), 10000)
        assert rc == 0, err
        tool = consumer_groups_tool(group)
        rc, again, err = admin.json("GroupLag", group.encode(), 10000)
        assert again == lag
    finally:
        consumer.close()

    assert lag["group"] == group and lag["state"] == "Stable"
    rows = {(r["topic"], r["partition"]): r for r in lag["partitions"]}
    assert list(rows) == sorted(rows) == [(topic, 0), (topic, 1), (topic, 2)]
    assert rows.keys() == tool.keys()

    def dash(v):
        return "-" if v is None else str(v)

    for key, row in rows.items():
        cli = tool[key]
        assert (cli["CURRENT-OFFSET"], cli["LOG-END-OFFSET"], cli["LAG"]) == \
            (dash(row["committed"]), dash(row["end"]), dash(row["lag"])), key
        assert (cli["CONSUMER-ID"], cli["HOST"], cli["CLIENT-ID"]) == \
            (row["member_id"], row["host"], row["client_id"]), key
    assert sum(r["end"] for r in rows.values()) == 30
    assert sum(r["committed"] or 0 for r in rows.values()) == 12
    assert sum(r["lag"] if r["lag"] is not None else r["end"] for r in rows.values()) == 18


# ------------------------------------------------------- consumer control ----


def test_assign_seek_position_without_group(na, admin):
    topic = unique("assign")
    create(admin, topic, 2)
    values = {p: [b"%d-%d" % (p, i) for i in range(6)] for p in range(2)}
    for p in range(2):
        rk.produce(BOOTSTRAP, topic, values[p], partition=p)

    reader = Client(na, BOOTSTRAP)  # no group.id
    try:
        reader.assign([topic], [-1], [-2])  # --from-beginning
        assert reader.vectors("Assignment") == [(topic, 0, -1001), (topic, 1, -1001)]
        got = reader.consume_n(12)
        for p in range(2):
            assert [(m[1], m[3]) for m in got if m[0] == p] == list(enumerate(values[p]))
        assert reader.vectors("Position") == [(topic, 0, 6), (topic, 1, 6)]

        reader.assign([topic], [0], [-2])  # one partition: Position counts what was read
        first = reader.consume_n(4)
        assert reader.vectors("Position") == [(topic, 0, 4)]
        rc, err, m = na.Seek(reader.h, topic.encode(), 0, 1, TEXT, TEXT)
        assert rc == 0, err[:m]
        again = reader.consume_n(3)
        assert again == first[1:4]  # same offsets, keys and bytes
        assert reader.vectors("Position") == [(topic, 0, 4)]
        rc, err, m = na.Seek(reader.h, topic.encode(), 1, 0, TEXT, TEXT)
        assert rc == -302 and m > 0  # partition 1 is not assigned now

        rc, low, high, err, m = na.Watermarks(reader.h, topic.encode(), 1, 10000, 0, 0, TEXT, TEXT)
        assert (rc, low, high) == (0, 0, 6), err[:m]
    finally:
        reader.close()


def test_pause_stops_delivery_and_resume_loses_nothing(na, admin):
    topic = unique("pause")
    create(admin, topic, 1)
    rk.produce(BOOTSTRAP, topic, [b"a%d" % i for i in range(5)])
    reader = Client(na, BOOTSTRAP)
    try:
        reader.assign([topic], [0], [-2])
        assert [m[1] for m in reader.consume_n(5)] == [0, 1, 2, 3, 4]
        rc, err, m = na.Pause(reader.h, topic.encode(), [0], 1, TEXT, TEXT)
        assert rc == 0, err[:m]
        rk.produce(BOOTSTRAP, topic, [b"b%d" % i for i in range(5)])
        wait_for(lambda: na.Watermarks(admin.h, topic.encode(), 0, 5000, 0, 0, TEXT, TEXT)[2] == 10,
                 what="the new messages on the broker")
        # paused: several empty polls while the messages wait on the broker
        assert [reader.consume() for _ in range(4)] == [None] * 4
        rc, err, m = na.Resume(reader.h, topic.encode(), [0], 1, TEXT, TEXT)
        assert rc == 0, err[:m]
        after = reader.consume_n(5)
        assert [(m[1], m[3]) for m in after] == [(5 + i, b"b%d" % i) for i in range(5)]
        assert reader.consume() is None  # and nothing twice
    finally:
        reader.close()


def offsets_for_times(na, handle, topics, partitions, times, capacity=16):
    rc, names, nl, parts, offs, errs, count, err, m = na.OffsetsForTimes(
        handle, rk.lines(topics), partitions, times, len(partitions), 10000, 4096, 4096, capacity, capacity, capacity,
        capacity, TEXT, TEXT)
    assert rc == 0, err[:m]
    return list(zip(names[:nl].decode().split("\n"), parts[:count], offs[:count], errs[:count]))


def test_offsets_for_times_on_known_timestamps(na, admin):
    topic = unique("times")
    create(admin, topic, 2)
    base = int(time.time() * 1000) - 3_600_000  # an hour ago, 1 s apart
    stamps = [base + 1000 * i for i in range(10)]
    for p in range(2):
        rk.produce(BOOTSTRAP, topic, [b"t%d" % i for i in range(10)], partition=p, timestamps=stamps)
    times = [base - 1, base, base + 4500, base + 9000, base + 60_000]
    # one call per time: the same partition twice in one call answers once
    answer = [offsets_for_times(na, admin.h, [topic], [0], [when]) for when in times]
    assert answer == [[(topic, 0, o, 0)] for o in (0, 0, 5, 9, -1)]
    # several partitions in one call, each with its own time
    assert offsets_for_times(na, admin.h, [topic, topic], [0, 1], [base + 1500, base + 8000]) == \
        [(topic, 0, 2, 0), (topic, 1, 8, 0)]
    # partition -1: every partition of the topic
    both = offsets_for_times(na, admin.h, [topic], [-1], [base + 2500])
    assert sorted(both) == [(topic, 0, 3, 0), (topic, 1, 3, 0)]
    # the same answer through the consumer handle after Assign
    reader = Client(na, BOOTSTRAP)
    try:
        reader.assign([topic], [1], [-2])
        assert offsets_for_times(na, reader.h, [topic], [1], [base + 7000]) == [(topic, 1, 7, 0)]
        (first,) = reader.consume_n(1)
        assert first[1] == 0
    finally:
        reader.close()


# ------------------------------------------------------------- bad input ----


def test_every_new_export_refuses_bad_input(na, admin):
    topic = unique("bad")
    create(admin, topic, 1)
    t = topic.encode()
    # One valid call per export after its handle; then which arguments
    # (indexes after the handle) are required pointers, counts, timeouts.
    V = 16
    calls = {
        "Assign": ([t, [0], [-2], 1, TEXT, TEXT], [0, 1], [3], []),
        "Assignment": ([4096, 4096, V, V, V, V, TEXT, TEXT], [0, 1, 2, 3, 4, 5], [], []),
        "Unsubscribe": ([TEXT, TEXT], [], [], []),
        "Subscription": ([4096, 4096, 0, TEXT, TEXT], [0, 1, 2], [], []),
        "Seek": ([t, 0, -2, TEXT, TEXT], [0], [], []),
        "OffsetsForTimes": ([t, [0], [0], 1, 10000, 4096, 4096, V, V, V, V, TEXT, TEXT],
                            [0, 1, 2, 5, 6, 7, 8, 9, 10], [3], [4]),
        "Position": ([4096, 4096, V, V, V, V, TEXT, TEXT], [0, 1, 2, 3, 4, 5], [], []),
        "Pause": ([t, [0], 1, TEXT, TEXT], [0, 1], [2], []),
        "Resume": ([t, [0], 1, TEXT, TEXT], [0, 1], [2], []),
        "Watermarks": ([t, 0, 10000, 0, 0, TEXT, TEXT], [0, 3, 4], [], [2]),
        "CreateTopics": ([t, [1], [1], 1, b"", 1, 10000, 1, TEXT, TEXT], [0, 7], [3], [6]),
        "DeleteTopics": ([unique("x").encode(), 1, 10000, 1, TEXT, TEXT], [0, 3], [1], [2]),
        "CreatePartitions": ([t, [2], 1, 1, 10000, 1, TEXT, TEXT], [0, 1, 5], [2], [4]),
        "DeleteRecords": ([t, [0], [0], 1, 10000, 1, TEXT, TEXT], [0, 1, 2, 5], [3], [4]),
        "DescribeConfigs": ([b"topic", t, 10000, rk.BIG, rk.BIG, TEXT, TEXT], [0, 1, 4], [], [2]),
        "AlterConfigs": ([b"topic", t, b"retention.ms", 10000, TEXT, TEXT], [0, 1, 2], [], [3]),
        "Metadata": ([t, 10000, rk.BIG, rk.BIG, TEXT, TEXT], [3], [], [1]),
        "ListGroups": ([10000, rk.BIG, rk.BIG, TEXT, TEXT], [2], [], [0]),
        "DescribeGroup": ([b"g", 10000, rk.BIG, rk.BIG, TEXT, TEXT], [0, 3], [], [1]),
        "DeleteGroup": ([unique("g").encode(), 10000, TEXT, TEXT], [0], [], [1]),
        "GroupLag": ([b"g", 10000, rk.BIG, rk.BIG, TEXT, TEXT], [0, 3], [], [1]),
    }
    assert set(calls) == ISSUE8

    rc, stale = na.InitKafka(0)
    assert na.UninitConsumer(stale) == 0
    rc, tplist = na.NewTopicPartitionList(0)
    reader = Client(na, BOOTSTRAP)  # a consumer (by Assign) for the consumer calls
    reader.assign([topic], [0], [-2])
    problems = []

    def outcome(name, handle, args):
        result = na[name](handle, *args)
        text = result[-2][: result[-1]]
        return result[0], text

    try:
        for name, (args, pointers, counts, timeouts) in calls.items():
            h = reader.h if name in ("Assignment", "Seek", "Position", "Pause", "Resume") else admin.h
            cases = [(f"handle {label}", bad, args, BAD_HANDLE)
                     for label, bad in (("NULL", 0), ("stale", stale), ("of a list", tplist))]
            for i in pointers:
                cases.append((f"NULL argument {i + 2}", h, args[:i] + [NULL] + args[i + 1:], INVALID))
            for i in counts + timeouts:
                cases.append((f"argument {i + 2} = -1", h, args[:i] + [-1] + args[i + 1:], INVALID))
            for label, handle, values, want in cases:
                rc, text = outcome(name, handle, values)
                if rc != want or not text:
                    problems.append(f"{name} with {label}: {rc} {text!r} (expected {want} and a text)")
    finally:
        reader.close()
        na.DelTopicPartitionList(tplist)
    assert not problems, "\n".join(problems)


def test_too_small_buffers_say_the_size_needed(na, admin):
    # JSON answers: -304 and the size needed; asked again with it, they fit
    for name, args in (("Metadata", [b""]), ("ListGroups", []), ("DescribeConfigs", [b"broker", b"1"]),
                       ("DescribeGroup", [b"nobody"]), ("GroupLag", [b"nobody"])):
        rc, out, need, err, m = na[name](admin.h, *args, 10000, 8, 8, TEXT, TEXT)
        assert rc == TOO_SMALL and need > 8 and out == b"", (name, rc, err[:m])
        rc, out, got, err, m = na[name](admin.h, *args, 10000, need, need, TEXT, TEXT)
        assert rc == 0 and got == need - 1 == len(out), (name, rc, err[:m])

    topic = unique("small")
    create(admin, topic, 3)
    reader = Client(na, BOOTSTRAP)
    try:
        reader.assign([topic], [-1], [-2])
        # partition vectors: room for 1 entry and 4 bytes of names
        rc, names, nl, parts, offs, errs, count, err, m = na.Assignment(reader.h, 4, 4, 1, 1, 1, 1, TEXT, TEXT)
        assert rc == TOO_SMALL and count == 3 and nl >= 3 * len(topic) + 2, (rc, err[:m])
        rc, names, nl, parts, offs, errs, count, err, m = na.Assignment(reader.h, nl + 1, nl + 1, count, count,
                                                                          count, count, TEXT, TEXT)
        assert rc == 0 and names[:nl].decode().split("\n") == [topic] * 3 and parts[:count] == [0, 1, 2]
        rc, *_, count, err, m = na.Position(reader.h, 4096, 4096, 2, 2, 2, 2, TEXT, TEXT)
        assert (rc, count) == (TOO_SMALL, 3)
        assert len(reader.vectors("Position", capacity=3)) == 3
        def ask(capacity):
            rc, *_, count, err, m = na.OffsetsForTimes(admin.h, topic.encode(), [-1], [0], 1, 10000, 4096, 4096,
                                                        capacity, capacity, capacity, capacity, TEXT, TEXT)
            return rc, count

        # a new topic's leaders can answer 6 (not leader) for a moment
        wait_for(lambda: ask(3) == (0, 3), what="OffsetsForTimes answered by every leader")
        assert ask(1) == (TOO_SMALL, 3)
    finally:
        reader.close()
