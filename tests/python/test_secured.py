"""Issue 12, secured clusters: kafka.so over TLS, SASL_SSL with SCRAM-SHA-512
and SASL_PLAINTEXT with PLAIN, on the listeners `broker.sh start --secure`
adds (their addresses, the test CA and the users are in $KAFKA_BROKER_DIR/secure).
Called as APL's ⎕NA calls it (na.py).

Good credentials: what is produced is delivered and read back on the same
listener. Bad ones (wrong password, unknown user, untrusted CA, certificate
for another host name, TLS against a plaintext port and back): the call
fails within its timeout, the error events name the cause, and nothing is
delivered, so nothing ever goes out in plaintext instead."""

import json
import os
import re
import time
from pathlib import Path

import pytest

import realkafka as rk
from realkafka import TEXT, Client, unique

STATE = os.environ.get("KAFKA_BROKER_DIR")
SECURE_FILE = Path(STATE, "secure") if STATE else None
ONE_NODE = bool(STATE) and Path(STATE, "pids").exists() and len(Path(STATE, "pids").read_text().split()) == 1
if ONE_NODE and os.environ.get("KAFKA_REQUIRE_BROKER") == "1" and not SECURE_FILE.exists():
    raise RuntimeError("the test broker has no secured listeners: start it with broker.sh run --secure")
S = dict(line.split("=", 1) for line in SECURE_FILE.read_text().split("\n") if "=" in line) if (
    SECURE_FILE and SECURE_FILE.exists()) else {}
needs_secure = pytest.mark.skipif(not S, reason="needs the listeners of `broker.sh run --secure`")

AUTHENTICATION, SSL, TRANSPORT, MSG_TIMED_OUT = -169, -181, -195, -192
TIMEOUT_MS = 3000  # the bound every failing call is given
SLACK_S = 2.0  # scheduling slack on a busy 2-core machine


def tls(ca):
    return {"security.protocol": "ssl", "ssl.ca.location": ca}


def scram(user, password):
    return {"security.protocol": "sasl_ssl", "ssl.ca.location": S["ca"], "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": user, "sasl.password": password}


def plain(user, password):
    return {"security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN", "sasl.username": user,
            "sasl.password": password}


def record(scenario, produced, delivered, in_topic, note=""):
    """One row of docs/reliability.md (tests/reliability.py collects them)."""
    out = Path(os.environ.get("KAFKA_RELIABILITY_DIR") or rk.REPO / "build" / "reliability")
    out.mkdir(parents=True, exist_ok=True)
    row = {"scenario": scenario, "produced": produced, "delivered": delivered, "in_topic": in_topic,
           "lost": produced - in_topic if not note else 0, "duplicated": max(0, in_topic - produced),
           "bad_inputs": 0, "crashes": 0, "note": note,
           "command": "tests/broker/broker.sh run --secure -- python3 -m pytest -q tests/python/test_secured.py"}
    (out / ("secure-" + re.sub(r"[^A-Za-z0-9]+", "_", scenario) + ".json")).write_text(json.dumps(row) + "\n")


@pytest.fixture(scope="module")
def na():
    return rk.load()


def events(na, h):
    """Every event so far as (kind, code, text)."""
    rc, kinds, _, codes, texts, _, lens, count, _, err, m = na.Events(h, 0, 1000, 1000, 1000, 1 << 20, 1 << 20, 1000,
                                                                      1000, 0, TEXT, TEXT)
    assert rc == 0, err[:m]
    out, at = [], 0
    for i in range(count):
        out.append((kinds[i], codes[i], texts[at:at + lens[i]].decode(errors="replace")))
        at += lens[i]
    return out


def produce_all(na, c, topic, values):
    for v in values:
        rc, _, err, m = na.Produce(c.h, topic.encode(), v, len(v), b"", 0, 0, 0, TEXT, TEXT)
        assert rc == 0, err[:m]
    rc, inflight = na.Flush(c.h, -1, 0)
    rc, ids, statuses, n = na.DeliveryReport(c.h, len(values) + 10, len(values) + 10, len(values) + 10)
    return statuses[:n]


GOOD = {
    "SSL": lambda: (S["ssl"], tls(S["ca"])),
    "SASL_SSL SCRAM-SHA-512": lambda: (S["sasl_ssl"], scram(S["scram_user"], S["scram_password"])),
    "SASL_PLAINTEXT PLAIN": lambda: (S["sasl_plaintext"], plain(S["plain_user"], S["plain_password"])),
}


@needs_secure
@pytest.mark.parametrize("listener", list(GOOD))
def test_produce_and_consume_on_a_secured_listener(na, listener):
    address, conf = GOOD[listener]()
    topic = unique("secured")
    values = [b"%s-%03d" % (listener.encode(), i) for i in range(50)]
    producer = Client(na, address, **conf, **{"message.timeout.ms": 20000})
    try:
        # Metadata names the secured port: the client speaks on this listener only.
        brokers = producer.metadata()["brokers"]
        assert [f"{b['host']}:{b['port']}" for b in brokers] == [address]
        assert produce_all(na, producer, topic, values) == [0] * 50
    finally:
        assert na.UninitProducer(producer.h) == 0
    consumer = Client(na, address, **conf)
    try:
        consumer.assign([topic], [0], [-2])
        got = consumer.consume_n(50)
        assert [value for _, _, _, value in got] == values
        assert [offset for _, offset, _, _ in got] == list(range(50))
        record(f"secured: {listener}, produce and consume", 50, 50, len(got))
    finally:
        consumer.close()


BAD = {
    # name: (address, settings, code expected in an error event, words of its text)
    "SCRAM wrong password": lambda: (S["sasl_ssl"], scram(S["scram_user"], "wrong"), AUTHENTICATION,
                                     "invalid credentials"),
    "SCRAM unknown user": lambda: (S["sasl_ssl"], scram("mallory", S["scram_password"]), AUTHENTICATION,
                                   "invalid credentials"),
    "PLAIN wrong password": lambda: (S["sasl_plaintext"], plain(S["plain_user"], "wrong"), AUTHENTICATION,
                                     "Invalid username or password"),
    "PLAIN unknown user": lambda: (S["sasl_plaintext"], plain("mallory", S["plain_password"]), AUTHENTICATION,
                                   "Invalid username or password"),
    "untrusted CA": lambda: (S["ssl"], tls(S["untrusted_ca"]), SSL, "certificate verify failed"),
    # librdkafka's text is the same as for an untrusted CA (it does not name
    # the host check); the next test shows the host name is what failed.
    "certificate for another host": lambda: (S["ssl_wrong_host"], tls(S["ca"]), SSL, "certificate verify failed"),
    "TLS to the plaintext port": lambda: (open(Path(STATE, "bootstrap")).read().strip(), tls(S["ca"]), TRANSPORT,
                                          "connecting to a PLAINTEXT broker listener?"),
    "plaintext to the TLS port": lambda: (S["ssl"], {}, None, None),
    "SASL without TLS to the SASL_SSL port": lambda: (S["sasl_ssl"], plain(S["plain_user"], S["plain_password"]),
                                                      None, None),
}


@needs_secure
@pytest.mark.parametrize("case", list(BAD))
def test_bad_credentials_fail_in_time_with_the_cause(na, case):
    address, conf, code, words = BAD[case]()
    c = Client(na, address, **conf, **{"message.timeout.ms": TIMEOUT_MS})
    try:
        topic = unique("refused").encode()
        rc, _, err, m = na.Produce(c.h, topic, b"secret", 6, b"", 0, 0, 0, TEXT, TEXT)
        assert rc == 0, err[:m]  # enqueued; its report tells the outcome
        start = time.monotonic()
        rc, _, _, err, m = na.Metadata(c.h, b"", TIMEOUT_MS, 4096, 4096, TEXT, TEXT)
        assert rc != 0 and err[:m], "Metadata succeeded on a refused connection"
        assert time.monotonic() - start < TIMEOUT_MS / 1000 + SLACK_S
        # Flush(-1) is bounded by message.timeout.ms: the message fails, it is never sent elsewhere.
        rc, inflight = na.Flush(c.h, -1, 0)
        assert (rc, inflight) == (0, 0)
        assert time.monotonic() - start < 2 * TIMEOUT_MS / 1000 + SLACK_S
        rc, _, statuses, n = na.DeliveryReport(c.h, 10, 10, 10)
        assert statuses[:n] == [MSG_TIMED_OUT]
        record(f"secured, refused: {case}", 1, 0, 0, note=f"refused within {TIMEOUT_MS} ms, failed report -192")
        seen = events(na, c.h)
        errors = [(k, t) for kind, k, t in seen if kind == 2]
        assert errors, "no error event"
        if code is not None:
            assert any(k == code and words in t for k, t in errors), errors[:5]
    finally:
        assert na.UninitProducer(c.h) in (0, MSG_TIMED_OUT)


@needs_secure
def test_the_host_name_is_what_fails_on_the_other_hosts_certificate(na):
    """Same CA, same listener: with host checks off (never do this in
    production) it connects, so the failure above was the name."""
    conf = {**tls(S["ca"]), "ssl.endpoint.identification.algorithm": "none"}
    c = Client(na, S["ssl_wrong_host"], **conf)
    try:
        c.metadata(timeout=TIMEOUT_MS * 3)
    finally:
        c.close()


def test_gssapi_is_refused_with_the_reason(na):
    """This build has no Kerberos (no libsasl2): the client cannot be made,
    and the text says so; the handle stays configurable."""
    c = Client(na, "127.0.0.1:9", **{"security.protocol": "sasl_plaintext", "sasl.mechanisms": "GSSAPI"})
    try:
        rc, _, err, m = na.Produce(c.h, b"t", b"x", 1, b"", 0, -1, 0, TEXT, TEXT)
        assert rc == 1
        assert b"No provider for SASL mechanism GSSAPI" in err[:m]
        rc, err, m = na.SetKafkaConf(c.h, b"builtin.features", b"sasl_gssapi", TEXT, TEXT)
        assert rc == -1 and b"libsasl2 not available" in err[:m]
    finally:
        assert na.UninitProducer(c.h) == 0


def test_oidc_is_refused_with_the_reason(na):
    """OAUTHBEARER's OIDC method needs libcurl, which this build leaves out."""
    c = Client(na, "127.0.0.1:9")
    try:
        rc, err, m = na.SetKafkaConf(c.h, b"sasl.oauthbearer.method", b"oidc", TEXT, TEXT)
        assert rc == -1 and b"not supported in this build" in err[:m]
    finally:
        assert na.UninitProducer(c.h) == 0
