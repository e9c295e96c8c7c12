"""Replicas and in-sync replicas on the three-broker cluster of
`tests/broker/broker.sh run3` (tests/run-all.sh runs it beside the failover
test): a topic created through kafka.so with replication factor 3 shows
three replicas and three ISRs per partition in Metadata, as kcat sees it."""

import os

import pytest

import realkafka as rk

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
PIDS = os.path.join(os.environ.get("KAFKA_BROKER_DIR", "/nonexistent"), "pids")
pytestmark = pytest.mark.skipif(
    not (os.path.exists(PIDS) and len(open(PIDS).read().split()) == 3),
    reason="needs the three brokers of `broker.sh run3`",
)


def test_replication_factor_3_shows_in_metadata_and_kcat():
    na = rk.load()
    admin = rk.Client(na, BOOTSTRAP)
    try:
        doc = admin.metadata()
        ids = sorted(b["id"] for b in doc["brokers"])
        assert len(ids) == 3 and doc["controller_id"] in ids
        topic = rk.unique("rf3")
        rc, errors, text = admin.create_topics([topic], [4], [3])
        assert (rc, errors) == (0, [0]), text
        # four replicas are more than three brokers: refused, per topic
        assert admin.create_topics([rk.unique("rf4")], [1], [4])[1] == [38]

        def settled():
            (entry,) = admin.metadata(topic.encode())["topics"]
            parts = entry["partitions"]
            full = len(parts) == 4 and all(sorted(p["isrs"]) == ids for p in parts)
            return full and entry

        entry = rk.wait_for(settled, what=f"{topic}: 4 partitions, every ISR complete")
        for p in entry["partitions"]:
            assert sorted(p["replicas"]) == ids and p["error"] == 0
            assert p["leader"] in p["replicas"] and p["leader"] in p["isrs"]
        # the preferred leaders are spread over the brokers
        assert len({p["replicas"][0] for p in entry["partitions"]}) > 1
        rk.wait_for(lambda: rk.metadata_view(admin.metadata(), [topic])
                    == rk.kcat_view(rk.kcat_metadata(BOOTSTRAP), [topic]), what="Metadata == kcat -L -J")
        assert rk.metadata_view(admin.metadata(topic.encode()), [topic]) == \
            rk.kcat_view(rk.kcat_metadata(BOOTSTRAP, topic), [topic])
    finally:
        admin.close()
