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
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
KAFKA_ERR_BAD_HANDLE = -300


#: Input strings that must be well-formed for the handle to be what is wrong
#: (a config line needs its '='): (function, argument index) -> value.
VALID_STRINGS = {("CreateTopics", 5): b"x=1", ("AlterConfigs", 3): b"x=1"}


def placeholder(arg, handle, where=None):
    """An argument as an APL caller would pass it, the handle aside."""
    if arg.direction == "" and arg.type == "P":
        return handle
    if arg.direction == "<" and arg.array:
        return b"x" if arg.type == "T1" else [0]
    if arg.direction == "<":
        return VALID_STRINGS.get(where, b"x") if arg.type == "0T1" else 0
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
    # issue 8: every consumer-control and admin call takes a client handle; issue 9's too
    kinds.update({name: ["client"] for name in ISSUE8 | ISSUE9})
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
        if p.name in ("UninitConsumer", "Consume", "Commit", "Committed", "SubscribeConsumerTPList", "ConsumeBatch",
                      "ConsumeWith"):
            handles = [bad["never issued"]] * len(slots)
            handles[0] = live["producer"]
            cases.append(("a producer as consumer", handles))
        if p.name in ("UninitProducer", "Produce"):
            cases.append(("a consumer as producer", [live["consumer"]]))
        for label, handles in cases:
            values = []
            it = iter(handles)
            for i, a in enumerate(p.args):
                values.append(next(it) if a.direction == "" and a.type == "P" else placeholder(a, None, (p.name, i)))
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
    assert ISSUE8 <= {r["call"] for r in results}, "every issue-8 export is called with bad handles"
    assert ISSUE9 <= {r["call"] for r in results}, "every issue-9 export is called with bad handles"
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

#: the exports of issue 8 (consumer control, admin, metadata, group lag)
ISSUE8 = {
    "Assign", "Assignment", "Unsubscribe", "Subscription", "Seek", "OffsetsForTimes", "Position", "Pause", "Resume",
    "Watermarks", "CreateTopics", "DeleteTopics", "CreatePartitions", "DeleteRecords", "DescribeConfigs",
    "AlterConfigs", "Metadata", "ListGroups", "DescribeGroup", "DeleteGroup", "GroupLag",
}

#: the exports of issue 9 (batches, headers, timestamps, rich delivery reports)
ISSUE9 = {"ProduceBatch", "ProduceWith", "ConsumeBatch", "ConsumeWith", "DeliveryReports"}

#: exports of the Python package's needs (issue 11)
ISSUE11 = {"Rebalance", "CommitReportWait"}

#: functions with an errtxt buffer, which must say what was wrong
TEXT_FUNCTIONS = {"SetKafkaConf", "SubscribeConsumerTPList", "Produce", "Consume", "SetTopicConf",
                  "MockCreateTopic"} | ISSUE8 | ISSUE9 | ISSUE11


def parameter_names():
    """The C parameter names of every export, from include/kafka.h."""
    header = (HERE.parents[1] / "include" / "kafka.h").read_text()
    return {
        m.group(1): [re.search(r"(\w+)\s*$", p).group(1) for p in m.group(2).split(",") if p.strip() not in ("", "void")]
        for m in re.finditer(r"^\w[\w ]*?\s+\**(\w+)\(([^)]*)\);", header, re.M)
    }


#: Plain arguments of the NULL test by C name: one entry, a live wait.
PLAIN = {"count": 1, "timeout_ms": 5000, "validate_only": 1, "code": -184}


def null_child(lib):
    """Runs in the child: every issue-8 export on a live client that reads
    a mock topic (so that outputs have something to hold), with each pointer
    argument NULL in turn: what a C caller can pass, and APL cannot. Prints
    one JSON line per call."""
    sys.path.insert(0, str(HERE))
    from na import NA, NULL

    na = NA(lib)
    names = parameter_names()
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    assert na.MockCreateTopic(mock, b"t", 2, 1, 256, 256)[0] == 0
    for name in sorted(ISSUE8 | {"ErrorName", "ErrorCodes"}):
        p = na[name].pattern
        for i, a in enumerate(p.args):
            if a.direction == "":
                continue
            rc, client = na.InitKafka(0)
            na.SetKafkaConf(client, b"bootstrap.servers", address, 256, 256)
            assert na.Assign(client, b"t", [0, 1], [-2, -2], 2, 256, 256)[0] == 0
            values = []
            for j, b in enumerate(p.args):
                if j == i:
                    values.append(NULL)
                elif b.direction == "" and b.type == "P":
                    values.append(client)
                elif b.direction == "":
                    values.append(PLAIN.get(names[name][j], 0))
                elif str(b) == "<0T1":
                    values.append(VALID_STRINGS.get((name, j), b"t"))
                else:
                    values.append(placeholder(b, None, (name, j)))
            print(json.dumps({"call": name, "arg": i}), flush=True)  # names a crash
            result = na[name](*values)
            rc = result[0] if isinstance(result, list) else result
            print(json.dumps({"call": name, "arg": i, "name": names[name][i], "type": str(a), "rc": rc}), flush=True)
            assert na.UninitConsumer(client) == 0
    na.DestroyMockCluster(mock)
    print(json.dumps({"done": True}), flush=True)


#: NULL is allowed there (the header says what it means) or harmless (no
#: error text wanted): (function, C name)
NULL_ALLOWED = {("Assign", "offsets"), ("CreateTopics", "partitions"), ("CreateTopics", "replication"),
                ("CreateTopics", "config"), ("Metadata", "topic")}
NULL_HARMLESS = {"errtxt", "plen"}


def run_child(function, lib_path, timeout=300):
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
         f"import test_bad_handles as t; t.{function}({str(lib_path)!r})"],
        capture_output=True, text=True, timeout=timeout, cwd=HERE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, lines


def test_null_pointers_never_crash_and_are_refused(lib_path):
    """Every issue-8 export with each pointer NULL: never a crash; a NULL
    input is KAFKA_ERR_INVALID_ARGUMENT (-301), a NULL output never a
    success, and a NULL errtxt or plen only loses the text."""
    proc, lines = run_child("null_child", lib_path)
    if proc.returncode != 0:
        last = lines[-1] if lines else {}
        raise AssertionError(
            f"the child died with status {proc.returncode} during {last.get('call')} with argument "
            f"{last.get('arg')} NULL:\n{proc.stderr[-3000:]}"
        )
    assert lines[-1] == {"done": True}
    results = [line for line in lines if "rc" in line]
    assert {r["call"] for r in results} == ISSUE8 | {"ErrorName", "ErrorCodes"}
    wrong = [
        f"{r['call']} with {r['name']} ({r['type']}) NULL: rc {r['rc']}"
        for r in results
        if (r["call"], r["name"]) not in NULL_ALLOWED and r["name"] not in NULL_HARMLESS
        # an input: refused; an output: anything but success (-304 asks for a buffer, as
        # librdkafka's size queries do; other errors mean the call never reached it)
        and (r["rc"] == 0 if r["type"].startswith((">", "=")) else r["rc"] != -301)
    ]
    assert not wrong, "NULL pointers not refused:\n" + "\n".join(wrong)


def delete_group_child(lib):
    sys.path.insert(0, str(HERE))
    from na import NA

    na = NA(lib)
    rc, mock, address = na.NewMockCluster(1, 0, 256, 256)[:3]
    rc, client = na.InitKafka(0)
    na.SetKafkaConf(client, b"bootstrap.servers", address, 256, 256)
    print(json.dumps({"rc": na.DeleteGroup(client, b"g", 1000, 256, 256)[0]}), flush=True)
    print(json.dumps({"released": na.UninitConsumer(client)}), flush=True)
    na.DestroyMockCluster(mock)


def test_delete_group_refused_then_release(lib_path):
    """A regression: after the mock cluster refused DeleteGroup, releasing
    the handle aborted inside librdkafka (a queue's refcount)."""
    proc, lines = run_child("delete_group_child", lib_path, timeout=60)
    assert proc.returncode == 0, f"the child died with status {proc.returncode}:\n{proc.stderr[-2000:]}"
    assert lines[-1] == {"released": 0}
