"""The APL package as `make install` lays it out (tests/dist/run.sh points
KAFKA_APL_PACKAGE at it): Tatin's description names the right version and
source folder, the source is the repository's, `Init ''` would load the
installed library, which answers with the same version, and the
TryWithMockCluster sample runs with it.
"""

import json
import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "apl"))

from na import NA  # noqa: E402

PACKAGE = Path(os.environ.get("KAFKA_APL_PACKAGE", "/nonexistent"))
VERSION = re.search(r'^version = "(.*)"', (REPO / "Cargo.toml").read_text(), re.M).group(1)

pytestmark = pytest.mark.skipif(not PACKAGE.is_dir(), reason="KAFKA_APL_PACKAGE: run tests/dist/run.sh")


def package_config():
    """apl-package.json is JSON5 (bare keys, trailing commas), as Tatin writes it."""
    text = (PACKAGE / "apl-package.json").read_text(encoding="utf-8")
    text = re.sub(r"^(\s*)(\w+):", r'\1"\2":', text, flags=re.M)
    return json.loads(re.sub(r",(\s*})", r"\1", text))


def library_folder():
    """The folder kafka.library_folder returns in the installed copy."""
    lines = (PACKAGE / "APLSource" / "kafka" / "library_folder.aplf").read_text(encoding="utf-8").splitlines()
    values = [m.group(1) for line in lines if (m := re.fullmatch(r" folder←'(.*)'", line))]
    assert len(values) == 1, lines
    return values[0]


def test_description_names_this_version_and_the_source():
    config = package_config()
    assert config["name"] == "kafka" and config["version"] == VERSION
    assert (PACKAGE / config["source"] / "Init.aplf").is_file()


def test_source_is_the_repositorys():
    ours = {p.relative_to(REPO / "bindings" / "apl") for p in (REPO / "bindings" / "apl").rglob("*.apl?")}
    installed = {p.relative_to(PACKAGE / "APLSource") for p in (PACKAGE / "APLSource").rglob("*.apl?")}
    assert ours == installed


def test_init_without_a_path_loads_the_installed_library():
    init = (PACKAGE / "APLSource" / "Init.aplf").read_text(encoding="utf-8")
    assert re.search(r":If 0=≢path\s+path←kafka\.library_folder", init), "Init '' no longer asks library_folder"
    folder = Path(library_folder())
    assert folder.is_absolute() and (folder / "kafka.so").exists(), folder
    # What kafka.load does with it: ⎕NA every pattern Describe lists.
    na = NA(folder / "kafka.so")
    assert na.version == VERSION
    number, text = na.LibraryVersion(64, 64)  # what kafka.library_version calls
    major, minor, patch = map(int, VERSION.split("."))
    assert (number, text.decode()) == ((major << 16) | (minor << 8) | patch, VERSION)


def test_sample_try_with_mock_cluster_runs_from_the_installed_copy():
    """Samples/TryWithMockCluster.aplf, statement by statement through the
    harness's mirror of the classes, with the library `Init ''` loads."""
    sample = (PACKAGE / "APLSource" / "Samples" / "TryWithMockCluster.aplf").read_text(encoding="utf-8")
    # The replay below follows these lines; a changed sample must be replayed anew.
    for line in ("mock.create_topic'animals' 3", "producer.produce'animals'('payload ',⍕i)('key',⍕3|i)",
                 "(rc outstanding)←producer.update_outstanding", "config⍪←'group.id' 'apl-mock'",
                 "consumer.subscribe'animals'", "cr←consumer.consume_record", "consumer.commit"):
        assert line in sample, f"TryWithMockCluster no longer has {line!r}"
    from apl_mirror import Consumer, Kafka, MockCluster, Producer

    kafka = Kafka(NA(Path(library_folder()) / "kafka.so"))
    mock = MockCluster(kafka)
    assert mock.create_topic("animals", 3)[0] == 0
    config = [("bootstrap.servers", mock.Bootstrap)]
    producer = Producer(kafka, config)
    for i in range(1, 11):
        assert producer.produce("animals", f"payload {i}", f"key{i % 3}")[0] == 0
    for _ in range(20):
        rc, outstanding = producer.update_outstanding()
        if not outstanding:
            break
    assert not outstanding
    producer.unmake()
    config += [("group.id", "apl-mock"), ("auto.offset.reset", "earliest")]
    consumer = Consumer(kafka, config)
    consumer.subscribe("animals")
    got = 0
    for _ in range(40):
        if consumer.consume_record()[0] == 0:
            got += 1
        if got == 10:
            break
    assert got == 10
    consumer.commit()
    consumer.unmake()
    mock.close()
