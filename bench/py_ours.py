#!/usr/bin/env python3
"""The FFI caller's view: kafka.so called from Python through ctypes, one
message per call against one batch per call, messages per second.

  py_ours.py MODE -b BOOTSTRAP -t TOPIC [-n N] [-s SIZE] [-N PER_CALL]
             [-g GROUP] [-X k=v ...] [-P k=v ...] [-C k=v ...]

Modes:
  produce        N x Produce (the same 100-byte payload object, 10-byte keys
                 from 1024), reports taken 8192 at a time with
                 DeliveryReportWait(..., 0) once 8192 are outstanding and at
                 the end; timed until every message has reported.
  produce-batch  N messages in ProduceBatch calls of PER_CALL (one payload
                 buffer and one key buffer built once, as an array program
                 holds its data), DeliveryReports(..., 0) after each call.
  consume        a fresh group reads N messages with Consume.
  consume-batch  the same with ConsumeBatch, PER_CALL per call.

The produce modes also print enq_msgs_s: the rate until the last message
was enqueued, before waiting for the broker to acknowledge the tail.
Only the calls and the loop around them are timed: neither consume loop
looks at the bytes (a Python loop over the messages of a batch would
measure Python, not the call). Prints one RESULT line as the C drivers do
(side=py-ours).
"""
import ctypes as C
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(os.path.dirname(HERE), "build", "kafka.so")

P, I32, U32, I64, U64 = C.c_void_p, C.c_int32, C.c_uint32, C.c_int64, C.c_uint64
pI32, pU32, pI64, pU64, pChar, pInt = (C.POINTER(I32), C.POINTER(U32), C.POINTER(I64), C.POINTER(U64),
                                       C.c_char_p, C.POINTER(C.c_int))


def load():
    k = C.CDLL(LIB)
    sig = {
        "InitKafka": [C.POINTER(P)],
        "SetKafkaConf": [P, pChar, pChar, C.c_char_p, pInt],
        "Produce": [P, pChar, C.c_char_p, U32, C.c_char_p, U32, I32, pU64, C.c_char_p, pInt],
        "DeliveryReportWait": [P, C.POINTER(C.c_ulonglong), pInt, pInt, I32],
        "ProduceBatch": [P, pChar, I32, C.c_char_p, pI32, C.c_char_p, pI32, pI32, I32, pI64, pI32, C.c_char_p, pI32,
                         pU64, pI32, C.c_char_p, pInt],
        "DeliveryReports": [P, I32, pU64, pI32, pI32, pI64, pI64, pI32, C.c_char_p, pInt],
        "NewTopicPartitionList": [C.POINTER(P)],
        "SetTopicPartitionList": [P, pChar, I32],
        "SubscribeConsumerTPList": [P, P, C.c_char_p, pInt],
        "Consume": [P, C.c_char_p, pU32, C.c_char_p, pU32, C.c_char_p, pU32, pI32, pI64, C.c_char_p, pInt],
        "ConsumeBatch": [P, I32, C.c_char_p, pU32, pI32, pI32, pI64, pI64, pI32, C.c_char_p, pU32, pI32, C.c_char_p,
                         pU32, pI32, pI32, C.c_char_p, pU32, pI32, pI32, pI32, C.c_char_p, pInt],
        "UninitProducer": [P],
        "UninitConsumer": [P],
    }
    for name, args in sig.items():
        f = getattr(k, name)
        f.argtypes = args
        f.restype = C.c_int
    return k


def parse(argv):
    o = {"mode": argv[0], "n": 200000, "size": 100, "per_call": 1000, "group": "bench-py", "conf": []}
    it = iter(argv[1:])
    for a in it:
        v = next(it)
        if a == "-b":
            o["bootstrap"] = v
        elif a == "-t":
            o["topic"] = v
        elif a == "-n":
            o["n"] = int(v)
        elif a == "-s":
            o["size"] = int(v)
        elif a == "-N":
            o["per_call"] = int(v)
        elif a == "-g":
            o["group"] = v
        elif a in ("-X", "-P", "-C"):
            key, val = v.split("=", 1)
            o["conf"].append((a[1], key, val))
        else:
            sys.exit(f"py_ours.py: unknown option {a}")
    return o


def client(k, o, role, extra):
    h = P()
    assert k.InitKafka(C.byref(h)) == 0
    err = C.create_string_buffer(512)
    settings = [("bootstrap.servers", o["bootstrap"])] + extra
    settings += [(key, val) for r, key, val in o["conf"] if r in ("X", role)]
    for key, val in settings:
        n = C.c_int(512)
        rc = k.SetKafkaConf(h, key.encode(), val.encode(), err, C.byref(n))
        if rc != 0:
            sys.exit(f"SetKafkaConf {key}: {err.raw[:n.value].decode()}")
    return h


def payload(size):
    x, out = 2463534242, bytearray(size)
    for i in range(size):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = 97 + x % 26
    return bytes(out)


KEYS = [b"key-%06d" % i for i in range(1024)]


def result(o, mode, n, secs, extra=""):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rate = n / secs
    print(f"RESULT side=py-ours mode={mode} n={n} size={o['size']} secs={secs:.6f} msgs_s={rate:.1f} "
          f"mb_s={rate * o['size'] / 1e6:.3f} rss_kb={rss}{extra}", flush=True)


def produce(k, o):
    h = client(k, o, "P", [("acks", "all")])
    topic, value, n = o["topic"].encode(), payload(o["size"]), o["n"]
    mid, err, elen = U64(), C.create_string_buffer(512), C.c_int()
    cap = 8192
    ids, sts, cnt = (C.c_ulonglong * cap)(), (C.c_int * cap)(), C.c_int()
    reported = failed = 0

    def collect(wait):
        nonlocal reported, failed
        cnt.value = cap
        assert k.DeliveryReportWait(h, ids, sts, C.byref(cnt), wait) == 0
        failed += sum(1 for i in range(cnt.value) if sts[i])
        reported += cnt.value

    elen.value = 512
    assert k.Produce(h, topic, value, len(value), KEYS[0], 10, -1, C.byref(mid), err, C.byref(elen)) == 0
    while reported < 1:
        collect(500)
    reported = 0
    produce_call = k.Produce
    t0 = time.perf_counter()
    for i in range(n):
        elen.value = 512
        while produce_call(h, topic, value, len(value), KEYS[i & 1023], 10, -1, C.byref(mid), err,
                           C.byref(elen)) == -184:
            collect(100)
        if i + 1 - reported >= cap:
            collect(0)
    enq = time.perf_counter() - t0
    while reported < n:
        collect(500)
    secs = time.perf_counter() - t0
    result(o, "produce", n, secs, f" failed={failed} enq_msgs_s={n / enq:.1f}")
    assert k.UninitProducer(h) == 0


def produce_batch(k, o):
    h = client(k, o, "P", [("acks", "all")])
    topic, n, per, size = o["topic"].encode(), o["n"], o["per_call"], o["size"]
    value = payload(size)
    pays = C.create_string_buffer(value * per, per * size)
    keys = C.create_string_buffer(b"".join(KEYS[i % 1024] for i in range(per)), per * 10)
    paylens, keylens = (I32 * per)(*[size] * per), (I32 * per)(*[10] * per)
    ids, sts = (U64 * per)(), (I32 * per)()
    cap = 8192
    rids, rsts, rparts, roffs, rts = (U64 * cap)(), (I32 * cap)(), (I32 * cap)(), (I64 * cap)(), (I64 * cap)()
    cnt, err, elen = I32(), C.create_string_buffer(512), C.c_int()
    reported = failed = calls = 0

    def collect(wait):
        nonlocal reported, failed
        while True:
            cnt.value = cap
            elen.value = 512
            assert k.DeliveryReports(h, wait, rids, rsts, rparts, roffs, rts, C.byref(cnt), err, C.byref(elen)) == 0
            got = cnt.value
            if got:
                failed += sum(1 for i in range(got) if rsts[i])
            reported += got
            if got < cap:
                return

    def send(count):
        nonlocal calls
        p, kb = pays, keys
        slots = list(range(count))
        while True:
            elen.value = 512
            calls += 1
            rc = k.ProduceBatch(h, topic, len(slots), p, paylens, kb, keylens, None, 0, None, None, None, None, ids,
                                sts, err, C.byref(elen))
            if rc == 0:
                return
            # Queue full: send exactly the refused ones again, after reports.
            refused = [i for i in range(len(slots)) if sts[i]]
            if any(sts[i] != -184 for i in refused):
                sys.exit(f"ProduceBatch: {rc} {err.raw[:elen.value].decode()}")
            slots = [slots[i] for i in refused]
            p = C.create_string_buffer(value * len(slots), len(slots) * size)
            kb = C.create_string_buffer(b"".join(KEYS[s % 1024] for s in slots), len(slots) * 10)
            collect(100)

    send(1)
    while reported < 1:
        collect(500)
    reported = calls = 0
    t0 = time.perf_counter()
    i = 0
    while i < n:
        c = min(per, n - i)
        send(c)
        i += c
        collect(0)
    enq = time.perf_counter() - t0
    while reported < n:
        collect(500)
    secs = time.perf_counter() - t0
    result(o, "produce-batch", n, secs, f" failed={failed} per_call={per} calls={calls} enq_msgs_s={n / enq:.1f}")
    assert k.UninitProducer(h) == 0


def subscribed(k, o):
    h = client(k, o, "C", [("group.id", o["group"]), ("auto.offset.reset", "earliest")])
    lst = P()
    k.NewTopicPartitionList(C.byref(lst))
    k.SetTopicPartitionList(lst, o["topic"].encode(), 0)
    err, elen = C.create_string_buffer(512), C.c_int(512)
    if k.SubscribeConsumerTPList(h, lst, err, C.byref(elen)) != 0:
        sys.exit("subscribe: " + err.raw[:elen.value].decode())
    return h


def consume(k, o):
    h = subscribed(k, o)
    n = o["n"]
    topic, pay, key = C.create_string_buffer(256), C.create_string_buffer(o["size"] + 1024), C.create_string_buffer(256)
    tl, pl, kl, part, off = U32(), U32(), U32(), I32(), I64()
    err, elen = C.create_string_buffer(512), C.c_int()
    call = k.Consume
    got, t0, start = 0, None, time.perf_counter()
    while got < n:
        tl.value, pl.value, kl.value, elen.value = 256, o["size"] + 1024, 256, 512
        rc = call(h, topic, C.byref(tl), pay, C.byref(pl), key, C.byref(kl), C.byref(part), C.byref(off), err,
                  C.byref(elen))
        if rc == 1:
            if time.perf_counter() - start > 120:
                sys.exit(f"consume: {got} of {n} after 120 s")
            continue
        if rc != 0:
            sys.exit(f"Consume: {rc} {err.raw[:elen.value].decode()}")
        got += 1
        if t0 is None:
            t0 = time.perf_counter()
    secs = time.perf_counter() - t0
    result(o, "consume", n - 1, secs)
    k.UninitConsumer(h)


def consume_batch(k, o):
    h = subscribed(k, o)
    n, per = o["n"], o["per_call"]
    topics = C.create_string_buffer(4096)
    idx, parts, tst, plens, klens = (I32 * per)(), (I32 * per)(), (I32 * per)(), (I32 * per)(), (I32 * per)()
    offs, tss = (I64 * per)(), (I64 * per)()
    paycap, keycap = per * o["size"] + 1024, per * 16
    pays, keys = C.create_string_buffer(paycap), C.create_string_buffer(keycap)
    tl, pl, kl, hl, cnt = U32(), U32(), U32(), U32(), I32()
    err, elen = C.create_string_buffer(512), C.c_int()
    call = k.ConsumeBatch
    got = timed = calls = 0
    t0, start = None, time.perf_counter()
    while got < n:
        tl.value, pl.value, kl.value, hl.value, elen.value = 4096, paycap, keycap, 0, 512
        cnt.value = min(per, n - got)
        rc = call(h, 500, topics, C.byref(tl), idx, parts, offs, tss, tst, pays, C.byref(pl), plens, keys,
                  C.byref(kl), klens, None, None, C.byref(hl), None, None, C.byref(cnt), err, C.byref(elen))
        if rc != 0:
            sys.exit(f"ConsumeBatch: {rc} {err.raw[:elen.value].decode()}")
        calls += 1
        c = cnt.value
        if c == 0:
            if time.perf_counter() - start > 120:
                sys.exit(f"consume-batch: {got} of {n} after 120 s")
            continue
        if t0 is None:
            t0, calls = time.perf_counter(), 0
        else:
            timed += c
        got += c
    secs = time.perf_counter() - t0
    result(o, "consume-batch", timed, secs, f" per_call={per} calls={calls}")
    k.UninitConsumer(h)


def main(argv):
    o = parse(argv)
    modes = {"produce": produce, "produce-batch": produce_batch, "consume": consume, "consume-batch": consume_batch}
    if o["mode"] not in modes:
        sys.exit(__doc__)
    modes[o["mode"]](load(), o)


if __name__ == "__main__":
    main(sys.argv[1:])
