"""The lecture notebook's own sequence (lecture_notebook.py) with
confluent_kafka and with kafkaso, only the import lines changed (plus the
broker address and fresh topic names): admin, 9 messages with delivery
callbacks, two endless consumer loops ended by Ctrl-C within a second."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from realkafka import broker_address

HERE = Path(__file__).resolve().parent
SITE = HERE.parents[1] / "build" / "python" / "site"


@pytest.mark.parametrize("module", ["confluent_kafka", "kafkaso"])
def test_the_notebook_runs_unchanged(module, tmp_path):
    bootstrap = broker_address()
    run = uuid.uuid4().hex[:8]
    names = {n: f"{n}-{run}" for n in ("test1p", "test2p", "test2die")}
    source = (HERE / "lecture_notebook.py").read_text()
    source = re.sub(r"\bconfluent_kafka\b", module, source)
    source = source.replace('"kafka1:9092,kafka2:9093"', repr(bootstrap))
    source = source.replace('["test1p", "test2p", "test2die"]', repr(list(names.values())))
    script = tmp_path / "notebook.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(SITE))
    # The notebook ends its loops on Ctrl-C: give it SIGINT's default even
    # when this run was started in the background, where it is ignored.
    proc = subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    out, values, interrupted = [], 0, []
    deadline = time.time() + 120
    # A notebook that never stops printing nothing must not hang the suite.
    watchdog = threading.Timer(150, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            out.append(line.rstrip("\n"))
            # The first loop prints b'1'..b'9'; the second "... at offset ... b'N'".
            if re.fullmatch(r"b'\d'", out[-1]) or " at offset " in out[-1]:
                values += 1
                if values in (9, 18):
                    interrupted.append(time.time())
                    proc.send_signal(signal.SIGINT)
            assert time.time() < deadline, "\n".join(out)
        proc.wait(30)
    finally:
        watchdog.cancel()
        proc.kill()
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    text = "\n".join(out)
    for name in names.values():
        assert f"Topic {name} created" in text
    assert f"Topic {names['test2die']} deleted" in text
    assert f"Additional partitions created for topic {names['test2p']}" in text
    # The notebook lists right after adding the partition; KRaft's metadata may not show it yet.
    assert re.search(f"Topic {names['test2p']} has [12] partitions", text), text
    assert sorted(line for line in out if re.fullmatch(r"b'\d'", line)) == [f"b'{n}'" for n in range(1, 10)]
    second = [line for line in out if " at offset " in line]
    assert sorted(line[-4:] for line in second) == [f"b'{n}'" for n in range(1, 10)]
    # Which partitions: librdkafka's sticky partitioner keeps null-key messages on one partition
    # for sticky.partitioning.linger.ms, so a fast flush may put all nine on one.
    assert {line.split(" [")[1][0] for line in second} <= {"0", "1"}
    assert err.count("% Message delivered to ") == 18, err
    assert err.count("%% Aborted by user") == 2, err
