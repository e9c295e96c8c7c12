"""Handles are plain numbers in APL, so any number can come back: NULL, a
number never issued, a released handle, a handle of another kind. Every
call that takes a handle must answer with a non-zero status (the header's
KAFKA_ERR_BAD_HANDLE) and never crash.

The calls run in a child process, so a crash fails this test (with the
signal) instead of taking the whole suite down.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KAFKA_ERR_BAD_HANDLE = -300


def placeholder(arg, handle):
    """An argument as an APL caller would pass it, the handle aside."""
    if arg.direction == "" and arg.type == "P":
        return handle
    if arg.direction == "<":
        return b"x" if arg.type == "0T1" else 0
    if arg.direction == ">" and (arg.type in ("0T1", "T1") or arg.array):
        return 64
    if arg.direction == "=":
        return 64  # capacities of the buffers before
    return 0


def child(lib, bootstrap_wanted):
    """Runs in the child: every handle-taking function with every kind of
    bad handle. Prints one JSON line per call."""
    sys.path.insert(0, str(HERE))
    from na import NA

    na = NA(lib)
    live = {}
    rc, live["client"] = na.InitKafka(0)
    rc, live["list"] = na.NewTopicPartitionList(0)
    rc, live["topicconf"] = na.NewTopicConf(0)
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    live["mock"] = mock
    # A producer: a client that has produced (to the mock cluster).
    rc, producer = na.InitKafka(0)
    na.SetKafkaConf(producer, b"bootstrap.servers", address, 256, 256)
    na.Produce(producer, b"bad-handles", b"p", 1, b"k", 1, -1, 0, 256, 256)
    live["producer"] = producer
    # A consumer: a client that has subscribed.
    rc, consumer = na.InitKafka(0)
    na.SetKafkaConf(consumer, b"bootstrap.servers", address, 256, 256)
    na.SetKafkaConf(consumer, b"group.id", b"bad-handles", 256, 256)
    rc, lst = na.NewTopicPartitionList(0)
    na.SetTopicPartitionList(lst, b"bad-handles", 0)
    assert na.SubscribeConsumerTPList(consumer, lst, 256, 256)[0] == 0
    live["consumer"] = consumer

    released = {}
    for kind, make, release in (
        ("client", "InitKafka", "UninitProducer"),
        ("list", "NewTopicPartitionList", "DelTopicPartitionList"),
        ("topicconf", "NewTopicConf", "DelTopicConf"),
    ):
        if make in na.functions and release in na.functions:
            rc, h = na[make](0)
            assert na[release](h) == 0
            released[kind] = h
    rc, m2, _ = na.NewMockCluster(1, 0, 256, 256)[:3]
    na.DestroyMockCluster(m2)
    released["mock"] = m2

    rng = random.Random(4)
    bad = {
        "NULL": 0,
        "one": 1,
        "all ones": 2**64 - 1,
        "random": rng.getrandbits(64),
        "random small": rng.randrange(2, 2**31),
        "never issued": max(live.values()) + 16 * 1000,
        "inside a handle": live["client"] + 8,
    }
    bad.update({f"released {k}": h for k, h in released.items()})

    # Which kind each function's handle arguments take, for wrong-kind calls.
    kinds = {
        "UninitProducer": ["client"], "UninitConsumer": ["client"], "SetKafkaConf": ["client"],
        "SetTopicPartitionList": ["list"], "SetOffset": ["list"], "DelTopicPartitionList": ["list"],
        "SubscribeConsumerTPList": ["client", "list"], "Produce": ["client"], "DeliveryReport": ["client"],
        "Consume": ["client"], "Commit": ["client", "list"], "Committed": ["client", "list"],
        "SetTopicConf": ["topicconf"], "DelTopicConf": ["topicconf"], "Flush": ["client"],
        "MockCreateTopic": ["mock"], "DestroyMockCluster": ["mock"],
    }
    for p in na.patterns:
        slots = [i for i, a in enumerate(p.args) if a.direction == "" and a.type == "P"]
        if not slots:
            continue
        cases = [(label, [h] * len(slots)) for label, h in bad.items()]
        # wrong kinds: a live handle of every other kind in each slot
        for s, want in enumerate(kinds.get(p.name, [])):
            for kind, h in live.items():
                if kind == want or (want == "client" and kind in ("producer", "consumer")):
                    continue
                if p.name in ("Produce", "UninitProducer", "DeliveryReport", "Flush") and kind == "producer":
                    continue
                # the other slots get a bad handle so that nothing is consumed
                handles = [bad["never issued"]] * len(slots)
                handles[s] = h
                cases.append((f"a live {kind} as {want}", handles))
        if p.name in ("UninitConsumer", "Consume", "Commit", "Committed", "SubscribeConsumerTPList"):
            handles = [bad["never issued"]] * len(slots)
            handles[0] = live["producer"]
            cases.append(("a producer as consumer", handles))
        if p.name in ("UninitProducer", "Produce"):
            cases.append(("a consumer as producer", [live["consumer"]]))
        for label, handles in cases:
            values = []
            it = iter(handles)
            for a in p.args:
                values.append(next(it) if a.direction == "" and a.type == "P" else placeholder(a, None))
            print(json.dumps({"call": p.name, "case": label}), flush=True)  # names a crash
            result = na[p.name](*values)
            rc = result[0] if isinstance(result, list) else result
            text = b""
            # the text of the errtxt/plen pair: the last >0T1 before an =I4
            for i, a in enumerate(p.args):
                if str(a) == ">0T1" and i + 1 < len(p.args) and str(p.args[i + 1]) == "=I4":
                    outs = [j for j, b in enumerate(p.args) if b.is_output]
                    k = outs.index(i)
                    text = result[1 + k][: result[2 + k]]
            print(json.dumps({"call": p.name, "case": label, "rc": rc, "text": text.decode("utf-8", "replace")}), flush=True)
    # A producer cannot subscribe (the list is taken whatever the outcome).
    rc, lst = na.NewTopicPartitionList(0)
    na.SetTopicPartitionList(lst, b"bad-handles", 0)
    rc, text, n = na.SubscribeConsumerTPList(producer, lst, 256, 256)
    print(json.dumps({"call": "SubscribeConsumerTPList", "case": "a producer as consumer", "rc": rc,
                      "text": text[:n].decode()}), flush=True)
    # The live ones still work after all that.
    assert na.DestroyMockCluster(live["mock"]) == 0
    assert na.UninitConsumer(live["client"]) == 0
    assert na.UninitConsumer(live["consumer"]) == 0
    assert na.DelTopicConf(live["topicconf"]) == 0
    if "DelTopicPartitionList" in na.functions:
        assert na.DelTopicPartitionList(live["list"]) == 0
    print(json.dumps({"done": True}), flush=True)


def test_bad_handles_never_crash_and_fail_clearly(lib_path):
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
         f"import test_bad_handles as t; t.child({str(lib_path)!r}, False)"],
        capture_output=True, text=True, timeout=120, cwd=HERE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0:
        last = lines[-1] if lines else {}
        raise AssertionError(
            f"the child died with status {proc.returncode} during {last.get('call')} ({last.get('case')}):\n"
            f"{proc.stderr[-3000:]}"
        )
    results = [line for line in lines if "rc" in line]
    assert lines[-1] == {"done": True}
    assert len(results) > 100, f"only {len(results)} bad-handle calls made"
    # A producer where a consumer belongs is the right kind (a client) in the
    # wrong state: any error will do there; everything else is a bad handle.
    wrong = [
        f"{r['call']} with {r['case']}: rc {r['rc']}"
        for r in results
        if (r["rc"] == 0 if r["case"] in WRONG_STATE else r["rc"] != KAFKA_ERR_BAD_HANDLE)
    ]
    assert not wrong, "calls that did not answer KAFKA_ERR_BAD_HANDLE (-300):\n" + "\n".join(wrong)
    silent = [f"{r['call']} with {r['case']}" for r in results if r["text"] == "" and r["call"] in TEXT_FUNCTIONS]
    assert not silent, "bad-handle errors without a text:\n" + "\n".join(silent)


#: the right kind of handle (a client) in the wrong role: any error will do
WRONG_STATE = {"a producer as consumer", "a consumer as producer"}

#: functions with an errtxt buffer, which must say what was wrong
TEXT_FUNCTIONS = {"SetKafkaConf", "SubscribeConsumerTPList", "Produce", "Consume", "SetTopicConf", "MockCreateTopic"}
