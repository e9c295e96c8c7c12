"""Fixtures: the library loaded through the ⎕NA caller, and a Kafka cluster.

The library is $KAFKA_SO, else ../../build/kafka.so next to this file
(`make all` builds it). The cluster is the real broker at $KAFKA_BOOTSTRAP
(tests/broker/broker.sh run -- … sets it); without it the embedded mock
cluster, started through the caller, unless KAFKA_REQUIRE_BROKER=1 asks for
a real one.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from apl_mirror import Kafka, MockCluster  # noqa: E402
from na import NA  # noqa: E402

REPO = HERE.parents[1]
BROKER_SH = REPO / "tests" / "broker" / "broker.sh"


def library_path():
    return Path(os.environ.get("KAFKA_SO") or HERE / ".." / ".." / "build" / "kafka.so").resolve()


@pytest.fixture(scope="session")
def lib_path():
    path = library_path()
    if not path.is_file():
        pytest.fail(f"{path} does not exist: build it with `make all`, or point KAFKA_SO at kafka.so.")
    return path


@pytest.fixture(scope="session")
def na(lib_path):
    return NA(lib_path)


@pytest.fixture(scope="session")
def kafka(na):
    return Kafka(na)


class Cluster:
    """Where the replays run: bootstrap address and topic creation."""

    def __init__(self, bootstrap, mock=None):
        self.bootstrap = bootstrap
        self.mock = mock
        self.real = mock is None

    def new_topics(self, *partitions, prefix="apl"):
        """Creates one fresh topic per partition count; returns the names."""
        names = [f"{prefix}-{uuid.uuid4().hex[:10]}" for _ in partitions]
        if self.mock:
            for name, n in zip(names, partitions):
                rc, err = self.mock.create_topic(name, n)
                assert rc == 0, f"MockCreateTopic {name}: {rc} {err!r}"
        else:
            jobs = [
                subprocess.Popen(
                    [str(BROKER_SH), "topic", self.bootstrap, name, str(n)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                for name, n in zip(names, partitions)
            ]
            for name, job in zip(names, jobs):
                out, _ = job.communicate(timeout=120)
                assert job.returncode == 0, f"broker.sh topic {name} failed:\n{out}"
        return names


@pytest.fixture(scope="session")
def cluster(kafka):
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
    if bootstrap:
        yield Cluster(bootstrap)
        return
    if os.environ.get("KAFKA_REQUIRE_BROKER") == "1":
        pytest.fail(
            "KAFKA_REQUIRE_BROKER=1 asks for a real Kafka broker but KAFKA_BOOTSTRAP is not set: "
            "run the suite under `tests/broker/broker.sh run -- …`, or set KAFKA_BOOTSTRAP=host:port."
        )
    mock = MockCluster(kafka, 1)
    yield Cluster(mock.Bootstrap, mock=mock)
    assert mock.close() == 0
