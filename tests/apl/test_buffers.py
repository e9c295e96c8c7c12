"""Output buffers as APL passes them: the library writes at most the capacity
it is given (the caller's guard bytes stay intact), and the returned length
says how much it wrote. Dyalog's original copied error texts ignoring the
buffer size."""

import time

import pytest

from apl_mirror import Consumer, Producer
from na import OverrunError


def test_version_truncates_to_capacity(na):
    number, full = na.Version(64, 64)
    for capacity in (0, 1, 3):
        n, text = na.Version(capacity, capacity)
        assert n == number and text == full[:capacity]


@pytest.mark.parametrize("capacity", [0, 1, 5, 1024])
def test_error_text_respects_capacity(na, capacity):
    rc, text, n = na.DRMessageError(-184, capacity, capacity)
    assert rc == 0
    full = na.DRMessageError(-184, 1024, 1024)[1]
    assert n == min(capacity, len(full)) and text == full[:n]

    rc, handle = na.InitKafka(0)
    rc, text, n = na.SetKafkaConf(handle, b"no.such.property", b"1", capacity, capacity)
    assert rc != 0 and n <= capacity and len(text) <= capacity
    assert na.UninitProducer(handle) == 0


def test_the_harness_sees_overruns(na):
    """The guard bytes work: a buffer declared smaller than the capacity the
    library is told is caught (here by lying about it on purpose)."""
    from na import Function, Pattern

    liar = Function(na.cdll, Pattern.parse("I4 %P|Version >0T1 I4"))
    with pytest.raises(OverrunError):
        liar(2, 40)


def test_consume_with_empty_buffers_keeps_the_message(kafka, cluster):
    """Status 2 with zero-capacity buffers gives the sizes needed and keeps
    the message: the next call with those sizes gets it."""
    topic = cluster.new_topics(1, prefix="apl-buffers")[0]
    producer = Producer(kafka, [("bootstrap.servers", cluster.bootstrap)])
    assert producer.produce(topic, "payload", "key")[0] == 0
    assert producer.flush(30000) == [0, []]
    assert producer.close() == 0
    consumer = Consumer(kafka, [("bootstrap.servers", cluster.bootstrap), ("group.id", topic),
                                ("auto.offset.reset", "earliest")])
    assert consumer.subscribe(topic)[0] == 0
    na = kafka.na
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "no message"
        r = na.Consume(consumer.handle, 0, 0, 0, 0, 0, 0, 0, 0, 16, 16)
        if r[0] != 1:
            break
    assert r[0] == 2, r
    assert [r[2], r[4], r[6]] == [len(topic), len(b"payload"), len(b"key")]
    assert r[10] <= 16
    again = na.Consume(consumer.handle, 0, 0, 0, 0, 0, 0, 0, 0, 16, 16)
    assert again[0] == 2, "still too small: still kept"
    exact = na.Consume(consumer.handle, len(topic), len(topic), 7, 7, 3, 3, 0, 0, 16, 16)
    assert exact[0] == 0, exact
    assert (exact[1], exact[3], exact[5], exact[8]) == (topic.encode(), b"payload", b"key", 0)
    assert consumer.close() == 0


def test_input_arrays_are_copied_and_checked(na):
    """`<I4[]`/`<I8[]` take an APL numeric vector (or a scalar), whole
    numbers that fit, as ⎕NA does; anything else is a DOMAIN ERROR before the
    call is made."""
    from na import DomainError, Function, Pattern, _integers

    assert _integers([1, 2.0, -3], "I4", "x") == [1, 2, -3]
    assert _integers(7, "I8", "x") == [7]
    assert _integers([], "I4", "x") == []
    for bad, type_ in (([1.5], "I4"), ([2**31], "I4"), ([-1], "U4"), (["a"], "I8"), ([2**63], "I8")):
        with pytest.raises(DomainError):
            _integers(bad, type_, "x")
    # Declared through a pattern, a bad value fails before the library sees it.
    liar = Function(na.cdll, Pattern.parse("I4 %P|Version <I4[] I4"))
    with pytest.raises(DomainError):
        liar([0.5], 0)


def test_the_harness_sees_writes_into_inputs(na):
    """An input array declared where the library writes (here Version's
    output buffer, on purpose) is caught: inputs must come back unchanged."""
    from na import Function, Pattern

    liar = Function(na.cdll, Pattern.parse("I4 %P|Version <I4[] I4"))
    with pytest.raises(OverrunError):
        liar([0x41414141] * 4, 16)
