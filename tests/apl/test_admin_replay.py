"""The Admin class, replayed through the ⎕NA caller with the arguments the
APL passes: the lecture's admin sequence, per-topic outcomes, configs,
metadata, groups and the lag table. The admin API needs a real broker
($KAFKA_BOOTSTRAP); on the mock cluster, which has none, each call must
fail at once with a status and a sentence saying so."""

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from apl_mirror import Admin, Consumer, Kafka, Producer, Table

PATIENCE = 60


def fresh(prefix="apl-admin"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def admin(kafka, cluster):
    a = Admin(kafka, cluster.bootstrap)
    yield a
    assert a.close() == 0


@pytest.fixture
def real(cluster):
    if not cluster.real:
        pytest.skip("the mock cluster has no admin API (test_mock_refuses_admin_calls checks what it says)")


def eventually(check, what, patience=PATIENCE):
    """Metadata spreads asynchronously: ask until check() is true."""
    deadline = time.monotonic() + patience
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not {what} after {patience} s"
        time.sleep(0.2)


def test_mock_refuses_admin_calls(admin, cluster):
    if cluster.real:
        pytest.skip("a real broker has the admin API")
    rc, table = admin.create_topics(fresh(), 1, 1)
    assert rc != 0 and table[0][1] == rc and table[0][2], table
    assert b"mock" in admin.LastError, admin.LastError
    for rc, _ in (admin.list_groups(), admin.lag("g"), admin.describe_group("g"), admin.delete_group("g")):
        assert rc != 0
    # Metadata is not admin: the mock answers it.
    rc, md = admin.metadata("")
    assert rc == 0 and len(md.Brokers) == 1


def test_lecture_admin_sequence(admin, real):
    """Create three topics, list, delete one, add partitions to another,
    list again with leaders, replicas and in-sync replicas."""
    a, b, c = (fresh("apl-lecture") for _ in range(3))
    rc, table = admin.create_topics([a, b, c], 3, 1)
    assert rc == 0, table
    assert table == [[a, 0, ""], [b, 0, ""], [c, 0, ""]]
    eventually(lambda: {a, b, c} <= set(admin.list_topics()[1]), "listed")
    rc, names = admin.list_topics()
    assert rc == 0 and names == sorted(names)

    assert admin.delete_topics(b) == [0, [[b, 0, ""]]]
    assert admin.create_partitions(c, 5) == [0, [[c, 0, ""]]]
    eventually(lambda: b not in admin.list_topics()[1], "deleted")

    def grown():
        rc, md = admin.metadata(c)
        return rc == 0 and len(md.Topics[0].Partitions) == 5 and md

    md = eventually(grown, "grown to 5 partitions")
    (t,) = md.Topics
    assert t.Name == c and t.Error == 0
    brokers = [row[0] for row in md.Brokers]
    assert md.Controller in brokers
    for partition, leader, replicas, isrs, error in t.Partitions:
        assert error == 0 and leader in brokers and leader in replicas and set(isrs) <= set(replicas)
    assert [row[0] for row in t.Partitions] == list(range(5))

    rc, md = admin.metadata("")
    names = [t.Name for t in md.Topics]
    assert rc == 0 and a in names and c in names and names == sorted(names)
    assert admin.delete_topics([a, c])[0] == 0


def test_one_failure_does_not_hide_the_others(admin, real):
    """Per-topic outcomes: an existing topic (36), zero partitions (37), a
    replication factor above the broker count (38), an invalid name (17);
    the good topic of the same call is still created."""
    exists, good = fresh(), fresh()
    assert admin.create_topics(exists)[0] == 0
    names = [exists, fresh(), fresh(), "bad name!", good]
    rc, table = admin.create_topics(names, [1, 0, 1, 1, 2], [1, 1, 99, 1, 1])
    assert [row[1] for row in table] == [36, 37, 38, 17, 0], table
    assert rc == 36, "rc: the first failure"
    assert all(row[2] for row in table[:4]) and table[4][2] == ""
    assert all(row[0] == name for row, name in zip(table, names))
    eventually(lambda: good in admin.list_topics()[1], "created")

    # Deleting a missing topic: 3, and the existing one still goes.
    rc, table = admin.delete_topics([fresh("apl-missing"), good, exists])
    assert rc == 3 and [row[1] for row in table] == [3, 0, 0], table
    # Fewer partitions than now: 37.
    keep = fresh()
    assert admin.create_topics(keep, 2)[0] == 0
    rc, table = admin.create_partitions(keep, 1)
    assert rc == 37 and table[0][2], table
    assert admin.delete_topics(keep)[0] == 0


def test_validate_only_creates_nothing(admin, real):
    name = fresh("apl-validate")
    admin.ValidateOnly = 1
    assert admin.create_topics(name, 3, 1) == [0, [[name, 0, ""]]]
    admin.ValidateOnly = 0
    rc, md = admin.metadata(name)
    assert rc == 0 and md.Topics[0].Error == 3 and md.Topics[0].ErrorText, "validated, not created"


def test_configs(admin, real):
    """Topic configuration given at creation, changed, and returned to its
    default; the other settings stay as they are."""
    name = fresh("apl-configs")
    rc, table = admin.create_topics(name, 1, 1, Table([["cleanup.policy", "compact"]]))
    assert rc == 0, table

    def setting(key, check, what):
        """The row of a setting once check(row) holds. One answer per try:
        brokers may answer in turn and learn of a topic or a change one
        after another."""

        def row():
            rc, configs = admin.describe_configs(name)
            r = rc == 0 and {row[0]: row for row in configs}.get(key)
            return r and check(r) and r

        return eventually(row, what)

    setting("cleanup.policy", lambda r: r[1] == "compact", "configured at creation")
    row = setting("retention.ms", lambda r: True, "described")
    assert row[3] == 1 and row[2] == "DEFAULT_CONFIG", row
    assert admin.alter_configs(name, ["retention.ms", 86400000]) == [0, b""]
    row = setting("retention.ms", lambda r: r[1] == "86400000", "altered")
    assert row[2] == "DYNAMIC_TOPIC_CONFIG" and row[3] == 0, row
    setting("cleanup.policy", lambda r: r[1] == "compact", "kept: other settings stay")
    # A value ⍬ (None here) returns the setting to its default.
    assert admin.alter_configs(name, Table([["retention.ms", None]]))[0] == 0
    setting("retention.ms", lambda r: r[3] == 1, "back to the default")
    assert admin.describe_configs("broker", 1)[0] == 0
    rc, err = admin.alter_configs(name, ["no.such.setting", 1])
    assert rc != 0 and err
    assert admin.delete_topics(name)[0] == 0


def test_lag_table_mid_consumption(kafka, admin, cluster, real):
    """The lag of a group that consumed and committed part of a topic, with
    its member still there: the CLI's columns, its '-' where nothing is
    committed; then the group's life: listed, described, not deletable while
    it has a member, deletable after."""
    topic, group = fresh("apl-lag"), fresh("apl-lag-group")
    assert admin.create_topics(topic, 3, 1)[0] == 0
    eventually(lambda: topic in admin.list_topics()[1], "created")
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    for i in range(20):
        assert producer.produce(topic, f"m{i}", f"k{i}", i % 2)[0] == 0  # partitions 0 and 1 only
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0

    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("group.id", group),
                                ("client.id", "apl-lag-client"), ("enable.auto.commit", "false"),
                                ("auto.offset.reset", "earliest")])
    assert consumer.subscribe(topic)[0] == 0
    got, deadline = [], time.monotonic() + PATIENCE
    while len(got) < 8:
        assert time.monotonic() < deadline, "no messages"
        r = consumer.consume_record()
        if r[0] == 0:
            got.append(r[1])
    assert consumer.commit() == 0
    read = {p: max((r.Offset + 1 for r in got if r.Partition == p), default=None) for p in range(3)}

    rc, table = admin.lag(group)
    assert rc == 0, admin.LastError
    assert table[0] == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                        "HOST", "CLIENT-ID"]
    rows = {row[2]: row for row in table[1:]}
    assert sorted(rows) == [0, 1, 2], "every partition a member owns"
    for p, row in rows.items():
        g, t, _, current, end, lag, member, host, client = row
        assert (g, t) == (group, topic)
        assert end == 10 * (p < 2)
        if read[p] is None:
            assert current == "-" and lag == "-"
        else:
            assert current == read[p] and lag == end - current
        assert member != "-" and host != "-" and client == "apl-lag-client"

    rc, groups = admin.list_groups()
    assert rc == 0 and [group, "Stable", 0] in groups
    rc, described = admin.describe_group(group)
    assert rc == 0 and described.Group == group and described.State == "Stable"
    assert described.Protocol and len(described.Coordinator) == 3
    ((member_id, client_id, host, owned),) = described.Members
    assert client_id == "apl-lag-client" and sorted(map(tuple, owned)) == [(topic, p) for p in range(3)]
    assert member_id == rows[0][6]

    rc, err = admin.delete_group(group)
    assert rc == 68 and err, "a group with a member cannot go"
    assert consumer.close() == 0
    rc, table = admin.lag(group)
    assert rc == 0 and all(row[6] == "-" for row in table[1:]), "no member owns a partition now"
    assert admin.delete_group(group) == [0, b""]
    assert admin.delete_group(group)[0] == 69
    rc, described = admin.describe_group(group)
    assert rc == 0 and described.State == "Dead" and described.Members == []
    assert admin.delete_topics(topic)[0] == 0


def test_delete_records(kafka, admin, cluster, real):
    topic = fresh("apl-records")
    assert admin.create_topics(topic, 2, 1)[0] == 0
    eventually(lambda: topic in admin.list_topics()[1], "created")
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    for i in range(5):
        assert producer.produce(topic, f"r{i}", "", 0)[0] == 0
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0
    rc, table = admin.delete_records(topic, [0], 3)
    assert rc == 0 and table == [[0, 0, ""]], table
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    assert consumer.watermarks(topic, 0) == [0, 3, 5]
    assert admin.delete_records(topic, 0, -1)[0] == 0  # everything
    assert consumer.watermarks(topic, 0) == [0, 5, 5]
    assert consumer.close() == 0
    assert admin.delete_topics(topic)[0] == 0


def test_metadata_of_a_missing_topic(admin, real):
    rc, md = admin.metadata(fresh("apl-missing"))
    assert rc == 0 and len(md.Topics) == 1
    assert md.Topics[0].Error == 3 and md.Topics[0].ErrorText and md.Topics[0].Partitions == []


def test_json_answers_grow_on_too_small(kafka, admin, cluster, monkeypatch):
    """With a first result buffer of 16 bytes every JSON answer comes back
    ¯304 first, then whole with the size the library asked for."""
    rc, md = admin.metadata("")
    assert rc == 0
    monkeypatch.setattr(Kafka, "CAP", 16)
    start = len(kafka.trace)
    rc, again = admin.metadata("")
    assert rc == 0 and again.Brokers == md.Brokers
    rc, codes = kafka.error_codes()
    assert rc == 0 and [-300, "KAFKA_ERR_BAD_HANDLE"] in [row[:2] for row in codes]
    calls = [(name, result[0]) for name, _, result in kafka.trace[start:]]
    for name in ("Metadata", "ErrorCodes"):
        assert [rc for n, rc in calls if n == name][:2] == [-304, 0], calls
    if cluster.real:
        assert admin.list_groups()[0] == 0


JARS = Path(__file__).resolve().parents[1] / "broker" / ".cache" / "lib"


def consumer_groups_tool(bootstrap, group):
    """Kafka's own kafka-consumer-groups --describe, as rows of words."""
    opts = ["-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            "-Djava.net.preferIPv4Stack=true"]
    proc = subprocess.run(
        ["java", *opts, "-cp", f"{JARS}/*", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
         "--bootstrap-server", bootstrap, "--describe", "--group", group],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    start = next(i for i, r in enumerate(rows) if r[:2] == ["GROUP", "TOPIC"])
    return rows[start:]


def test_lag_table_is_kafka_consumer_groups_table(kafka, admin, cluster, real):
    """Admin.lag shows what Kafka's own tool shows for the same group at the
    same moment: the same header, and row for row the same words."""
    if not JARS.is_dir() or not shutil.which("java"):
        pytest.skip("Kafka's jars (tests/broker/broker.sh fetch) and java are needed")
    topic, group = fresh("apl-cli"), fresh("apl-cli-group")
    assert admin.create_topics(topic, 3, 1)[0] == 0
    eventually(lambda: topic in admin.list_topics()[1], "created")
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    for i in range(15):
        assert producer.produce(topic, f"m{i}", "", i % 3)[0] == 0
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("group.id", group),
                                ("client.id", "apl-cli-client"), ("enable.auto.commit", "false"),
                                ("auto.offset.reset", "earliest")])
    assert consumer.subscribe(topic)[0] == 0
    n, deadline = 0, time.monotonic() + PATIENCE
    while n < 7:
        assert time.monotonic() < deadline, "no messages"
        n += consumer.consume()[0] == 0
    assert consumer.commit() == 0
    # nothing moves from here on: both views describe the same moment
    rc, table = admin.lag(group)
    assert rc == 0, admin.LastError
    tool = consumer_groups_tool(cluster.bootstrap, group)
    assert table[0] == tool[0]
    ours = sorted([str(x) for x in row] for row in table[1:])
    assert ours == sorted(tool[1:]), f"\nours: {ours}\ntool: {sorted(tool[1:])}"
    assert consumer.close() == 0
    assert admin.delete_topics(topic)[0] == 0


def test_replicas_and_isrs_on_three_brokers(admin, real):
    """On a cluster of three or more brokers (tests/broker/broker.sh run3),
    a topic replicated three times shows three replicas per partition, all
    in sync, each partition led by one of them."""
    rc, md = admin.metadata("")
    brokers = sorted(row[0] for row in md.Brokers)
    if len(brokers) < 3:
        pytest.skip("needs three brokers (tests/broker/broker.sh run3)")
    topic = fresh("apl-rf3")
    assert admin.create_topics(topic, 4, 3) == [0, [[topic, 0, ""]]]

    def replicated():
        rc, md = admin.metadata(topic)
        parts = md.Topics[0].Partitions if rc == 0 else []
        return len(parts) == 4 and all(len(p[3]) == 3 for p in parts) and parts

    for partition, leader, replicas, isrs, error in eventually(replicated, "replicated three times"):
        assert error == 0 and len(set(replicas)) == 3 and set(replicas) <= set(brokers)
        assert leader in replicas and sorted(isrs) == sorted(replicas)
    assert admin.create_topics(fresh(), 1, len(brokers) + 1)[1][0][1] == 38
    assert admin.delete_topics(topic)[0] == 0
