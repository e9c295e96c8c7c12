//! Issue 12: faults injected on the embedded mock cluster (brokers down and
//! up, request errors, leader moves, slow answers). What is produced is
//! delivered exactly once and read back once, in order per partition; the
//! consumer follows a moved leader; every blocking call keeps its bound
//! while the brokers are gone. Each scenario's figures go to
//! `$KAFKA_RELIABILITY_DIR` (default `build/reliability`) for
//! docs/reliability.md.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ptr::null;
use std::time::{Duration, Instant};

use common::*;
use kafka::ffi::commit::*;
use kafka::ffi::consumer_control::*;
use kafka::ffi::events::*;
use kafka::ffi::groups::*;
use kafka::ffi::metadata::*;
use kafka::ffi::mock_faults::*;

const NOT_LEADER: i32 = 6;
const REQUEST_TIMED_OUT: i32 = 7;
const API_PRODUCE: i32 = 0;
const API_FETCH: i32 = 1;

fn ok(what: &str, s: Status) {
    assert_eq!(s.code, 0, "{what}: {}", s.text);
}

fn down(m: &Mock, broker: i32) {
    ok("MockBrokerDown", with_text(|e, l| unsafe { MockBrokerDown(m.handle, broker, e, l) }));
}

fn up(m: &Mock, broker: i32) {
    ok("MockBrokerUp", with_text(|e, l| unsafe { MockBrokerUp(m.handle, broker, e, l) }));
}

fn rtt(m: &Mock, broker: i32, ms: i32) {
    ok("MockSetRtt", with_text(|e, l| unsafe { MockSetRtt(m.handle, broker, ms, e, l) }));
}

fn push_errors(m: &Mock, api: i32, errors: &[i32]) {
    let s =
        with_text(|e, l| unsafe { MockPushRequestErrors(m.handle, api, errors.as_ptr(), errors.len() as i32, e, l) });
    ok("MockPushRequestErrors", s);
}

fn set_leader(m: &Mock, topic: &str, partition: i32, broker: i32) {
    let t = c(topic);
    ok("MockSetLeader", with_text(|e, l| unsafe { MockSetLeader(m.handle, t.as_ptr(), partition, broker, e, l) }));
}

fn mock_topic(m: &Mock, name: &str, partitions: i32, replication: i32) {
    let n = c(name);
    let s = with_text(|e, l| unsafe { MockCreateTopic(m.handle, n.as_ptr(), partitions, replication, e, l) });
    ok("MockCreateTopic", s);
}

/// One scenario's figures, as docs/reliability.md shows them.
struct Figures<'a> {
    scenario: &'a str,
    produced: usize,
    delivered: usize,
    in_topic: usize,
    lost: usize,
    duplicated: usize,
    command: &'a str,
}

fn record(f: &Figures) {
    let dir = std::env::var("KAFKA_RELIABILITY_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/build/reliability").to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let json = format!(
        "{{\"scenario\":\"{}\",\"produced\":{},\"delivered\":{},\"in_topic\":{},\"lost\":{},\"duplicated\":{},\"bad_inputs\":0,\"crashes\":0,\"command\":\"{}\"}}\n",
        f.scenario, f.produced, f.delivered, f.in_topic, f.lost, f.duplicated, f.command
    );
    let file: String = f.scenario.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    std::fs::write(format!("{dir}/mock-{file}.json"), json).unwrap();
}

fn payload(seq: usize) -> String {
    format!("{seq:06}")
}

/// Every message of `partitions` partitions of `topic`, read from the
/// beginning by a consumer without a group, until `expect` arrived (and a
/// little longer, to see duplicates) or `limit` passed.
fn read_all(bootstrap: &str, topic: &str, partitions: i32, expect: usize, limit: Duration) -> Vec<Got> {
    let h = client(&[("bootstrap.servers", bootstrap), ("enable.partition.eof", "false")]);
    let names = c(&vec![topic; partitions as usize].join("\n"));
    let parts: Vec<i32> = (0..partitions).collect();
    let offsets = vec![-2i64; partitions as usize];
    let s = with_text(|e, l| unsafe { Assign(h, names.as_ptr(), parts.as_ptr(), offsets.as_ptr(), partitions, e, l) });
    ok("Assign", s);
    let mut all = consume_batch_n(h, expect, limit);
    // Anything more would be a duplicate: give it a moment to show.
    let (s, more, _) = consume_batch(h, 500, Caps::big(1000));
    ok("ConsumeBatch", s);
    all.extend(more);
    assert_eq!(uninit_consumer(h), 0);
    all
}

/// Checks a produced-and-read-back run and returns (in topic, lost, duplicated).
fn check_exactly_once(sent: usize, got: &[Got]) -> (usize, usize, usize) {
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut last: BTreeMap<i32, (usize, i64)> = BTreeMap::new();
    for m in got {
        let seq: usize = String::from_utf8(m.payload.clone().unwrap()).unwrap().parse().unwrap();
        *seen.entry(seq).or_default() += 1;
        // Per partition, offsets and sequence numbers both rise: order kept.
        if let Some(&(prev_seq, prev_off)) = last.get(&m.partition) {
            assert!(
                seq > prev_seq && m.offset > prev_off,
                "partition {}: {seq}@{} after {prev_seq}@{prev_off}",
                m.partition,
                m.offset
            );
        }
        last.insert(m.partition, (seq, m.offset));
    }
    let lost = (0..sent).filter(|s| !seen.contains_key(s)).count();
    let duplicated = seen.values().map(|&n| n - 1).sum();
    (got.len(), lost, duplicated)
}

/// Produces `count` keyed messages from `next`, serving reports without waiting.
fn produce_round(h: Handle, topic: &str, next: &mut usize, count: usize, ids: &mut Vec<u64>) {
    for _ in 0..count {
        let p = payload(*next);
        let key = format!("k{}", *next % 13);
        loop {
            let (s, id) = produce(h, topic, Some(p.as_bytes()), Some(key.as_bytes()), -1);
            if s.code == -184 {
                std::thread::sleep(Duration::from_millis(5)); // queue full: let it drain
                continue;
            }
            assert_eq!(s.code, 0, "Produce: {}", s.text);
            ids.push(id);
            break;
        }
        *next += 1;
    }
}

fn flush(h: Handle, timeout_ms: i32) -> (i32, i32) {
    let mut inflight = -1;
    let rc = unsafe { Flush(h, timeout_ms, &mut inflight) };
    (rc, inflight)
}

#[test]
fn idempotent_producer_loses_and_duplicates_nothing_through_faults() {
    let m = Mock::start(3);
    let topic = unique("faults");
    mock_topic(&m, &topic, 4, 3);
    let h = client(&[
        ("bootstrap.servers", &m.bootstrap),
        ("enable.idempotence", "true"),
        ("linger.ms", "5"),
        ("message.timeout.ms", "60000"),
        ("retry.backoff.ms", "20"),
        ("reconnect.backoff.ms", "20"),
        ("reconnect.backoff.max.ms", "200"),
    ]);
    let (mut next, mut ids) = (0usize, Vec::new());
    produce_round(h, &topic, &mut next, 500, &mut ids);
    // A broker dies with messages in flight, and comes back.
    down(&m, 2);
    produce_round(h, &topic, &mut next, 500, &mut ids);
    std::thread::sleep(Duration::from_millis(300));
    up(&m, 2);
    // Produce requests fail: timed out (retried as is), not leader (metadata, then retried).
    push_errors(&m, API_PRODUCE, &[REQUEST_TIMED_OUT, REQUEST_TIMED_OUT, NOT_LEADER, REQUEST_TIMED_OUT, NOT_LEADER]);
    produce_round(h, &topic, &mut next, 500, &mut ids);
    // Elections: every partition's leader moves.
    for p in 0..4 {
        set_leader(&m, &topic, p, 1 + (p + 1) % 3);
    }
    produce_round(h, &topic, &mut next, 500, &mut ids);
    // A slow broker, then a flapping one.
    rtt(&m, 1, 150);
    produce_round(h, &topic, &mut next, 500, &mut ids);
    rtt(&m, 1, 0);
    for _ in 0..3 {
        down(&m, 3);
        produce_round(h, &topic, &mut next, 100, &mut ids);
        std::thread::sleep(Duration::from_millis(100));
        up(&m, 3);
        produce_round(h, &topic, &mut next, 100, &mut ids);
    }
    let sent = next;
    assert_eq!(flush(h, 60_000), (0, 0));
    let reports = collect_delivery_reports(h, sent, Duration::from_secs(10));
    let (more_rc, more) = delivery_reports(h, 100, 0);
    assert_eq!(more_rc.code, 0);
    assert!(more.is_empty(), "reports beyond one per message: {more:?}");
    assert_eq!(reports.len(), sent, "one report per message");
    let failed: Vec<_> = reports.iter().filter(|r| r.status != 0).collect();
    assert!(failed.is_empty(), "failed reports: {:?}", &failed[..failed.len().min(5)]);
    let reported: HashSet<u64> = reports.iter().map(|r| r.id).collect();
    assert_eq!(reported, ids.iter().copied().collect::<HashSet<_>>(), "each id reported once");
    // Reports in id order give rising offsets per partition.
    let mut by_id = reports.clone();
    by_id.sort_by_key(|r| r.id);
    let mut last: HashMap<i32, i64> = HashMap::new();
    for r in &by_id {
        if let Some(&o) = last.get(&r.partition) {
            assert!(r.offset > o, "partition {}: offset {} after {o}", r.partition, r.offset);
        }
        last.insert(r.partition, r.offset);
    }
    assert_eq!(uninit_producer(h), 0);
    let got = read_all(&m.bootstrap, &topic, 4, sent, Duration::from_secs(60));
    let (in_topic, lost, duplicated) = check_exactly_once(sent, &got);
    record(&Figures {
        scenario: "idempotent producer, mock: broker down/up, Produce errors 7 and 6, leader moves, RTT, flapping",
        produced: sent,
        delivered: reports.len(),
        in_topic,
        lost,
        duplicated,
        command: "cargo test --release --test faults_mock idempotent",
    });
    assert_eq!((in_topic, lost, duplicated), (sent, 0, 0));
}

#[test]
fn consumer_reads_through_leader_moves_and_fetch_errors() {
    let m = Mock::start(3);
    let topic = unique("moves");
    mock_topic(&m, &topic, 2, 3);
    let p = client(&[("bootstrap.servers", &m.bootstrap), ("enable.idempotence", "true"), ("linger.ms", "5")]);
    let (mut next, mut ids) = (0usize, Vec::new());
    produce_round(p, &topic, &mut next, 1000, &mut ids);
    assert_eq!(flush(p, 30_000), (0, 0));
    let reports = collect_delivery_reports(p, 1000, Duration::from_secs(10));
    assert!(reports.len() == 1000 && reports.iter().all(|r| r.status == 0));

    let h = client(&[
        ("bootstrap.servers", &m.bootstrap),
        ("message.max.bytes", "1000"),
        ("fetch.max.bytes", "2000"),
        ("max.partition.fetch.bytes", "1000"),
    ]);
    let names = c(&format!("{topic}\n{topic}"));
    let s = with_text(|e, l| unsafe { Assign(h, names.as_ptr(), [0, 1].as_ptr(), [-2i64, -2].as_ptr(), 2, e, l) });
    ok("Assign", s);
    let mut got = consume_batch_n(h, 300, Duration::from_secs(30));
    assert!(got.len() >= 300);
    // Leadership moves while the consumer reads, the old leader dies, and fetches fail once more.
    set_leader(&m, &topic, 0, 2);
    set_leader(&m, &topic, 1, 3);
    push_errors(&m, API_FETCH, &[NOT_LEADER, NOT_LEADER]);
    down(&m, 1);
    got.extend(consume_batch_n(h, 1000 - got.len(), Duration::from_secs(60)));
    let (s, more, _) = consume_batch(h, 500, Caps::big(1000));
    ok("ConsumeBatch", s);
    got.extend(more);
    up(&m, 1);
    assert_eq!(uninit_consumer(h), 0);
    assert_eq!(uninit_producer(p), 0);
    let (in_topic, lost, duplicated) = check_exactly_once(1000, &got);
    record(&Figures {
        scenario: "consumer, mock: leaders move, old leader down, Fetch errors 6",
        produced: 1000,
        delivered: reports.len(),
        in_topic,
        lost,
        duplicated,
        command: "cargo test --release --test faults_mock consumer_reads",
    });
    assert_eq!((in_topic, lost, duplicated), (1000, 0, 0));
}

/// Runs `f` and checks that it returned within `bound` (plus scheduling slack).
fn within<T>(what: &str, bound: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took <= bound + Duration::from_millis(1500), "{what} took {took:?}, bound {bound:?}");
    out
}

fn json_call(what: &str, f: impl FnOnce(*mut libc::c_char, *mut i32, *mut libc::c_char, *mut i32) -> i32) -> Status {
    let mut out = vec![0u8; 65536];
    let mut n = out.len() as i32;
    let s = with_text(|e, l| f(out.as_mut_ptr() as *mut libc::c_char, &mut n, e, l));
    assert!(s.code == 0 || !s.text.is_empty(), "{what}: status {} without a text", s.code);
    s
}

#[test]
fn every_blocking_call_keeps_its_bound_with_the_brokers_down() {
    let m = Mock::start(1);
    let topic = unique("down");
    mock_topic(&m, &topic, 1, 1);
    let t = c(&topic);
    let settings = [
        ("bootstrap.servers", m.bootstrap.as_str()),
        ("message.timeout.ms", "2000"),
        ("group.id", "bounds"),
        ("reconnect.backoff.max.ms", "500"),
    ];
    let p = client(&settings);
    produce_ok(p, &topic, "before", "k");
    assert_eq!(flush(p, 10_000), (0, 0));
    let cons = consumer(&m.bootstrap, "bounds", &[&topic], &[]);
    let _ = consume_n(cons, 1, Duration::from_secs(20));
    // A long session: librdkafka alone would wait that long for the coordinator.
    let patient = consumer(&m.bootstrap, "bounds-commit", &[&topic], &[("session.timeout.ms", "40000")]);
    let _ = consume_n(patient, 1, Duration::from_secs(20));
    down(&m, 1);
    let ms = Duration::from_millis;

    // Producer side: the message in flight fails at message.timeout.ms, never later.
    produce_ok(p, &topic, "while-down", "k");
    let (rc, inflight) = within("Flush(500)", ms(500), || flush(p, 500));
    assert_eq!((rc, inflight), (-185, 1));
    within("DeliveryReportWait(300)", ms(300), || {
        let (mut id, mut err, mut n) = (0u64, 0i32, 1i32);
        unsafe { DeliveryReportWait(p, &mut id as *mut u64 as *mut libc::c_ulonglong, &mut err, &mut n, 300) }
    });
    within("DeliveryReport", ms(500), || reports(p, 10));
    let (rc, inflight) = within("Flush(-1)", ms(2000), || flush(p, -1));
    assert_eq!((rc, inflight), (0, 0));
    let got = collect_reports(p, 1, Duration::from_secs(1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, -192, "the message sent while down timed out");
    within("Metadata(800)", ms(800), || {
        json_call("Metadata", |r, n, e, l| unsafe { Metadata(p, null(), 800, r, n, e, l) })
    });
    within("ListGroups(800)", ms(800), || {
        json_call("ListGroups", |r, n, e, l| unsafe { ListGroups(p, 800, r, n, e, l) })
    });
    within("DescribeGroup(800)", ms(800), || {
        let g = c("bounds");
        json_call("DescribeGroup", |r, n, e, l| unsafe { DescribeGroup(p, g.as_ptr(), 800, r, n, e, l) })
    });
    within("GroupLag(800)", ms(800), || {
        let g = c("bounds");
        json_call("GroupLag", |r, n, e, l| unsafe { GroupLag(p, g.as_ptr(), 800, r, n, e, l) })
    });
    within("Watermarks(800)", ms(800), || {
        let (mut lo, mut hi) = (0i64, 0i64);
        let s = with_text(|e, l| unsafe { Watermarks(p, t.as_ptr(), 0, 800, &mut lo, &mut hi, e, l) });
        assert!(s.code != 0 && !s.text.is_empty(), "Watermarks with the broker down: {s:?}");
    });
    let mut kinds = [0i32; 64];
    let (mut levels, mut codes, mut lens) = ([0i32; 64], [0i32; 64], [0i32; 64]);
    let mut texts = vec![0u8; 1 << 16];
    let (mut tl, mut count, mut dropped) = (texts.len() as u32, 64i32, 0i32);
    within("Events(300)", ms(300), || {
        let s = with_text(|e, l| unsafe {
            Events(
                p,
                300,
                kinds.as_mut_ptr(),
                levels.as_mut_ptr(),
                codes.as_mut_ptr(),
                texts.as_mut_ptr() as *mut libc::c_char,
                &mut tl,
                lens.as_mut_ptr(),
                &mut count,
                &mut dropped,
                e,
                l,
            )
        });
        ok("Events", s);
    });
    // -187 (all brokers down) is among the client's error events.
    assert!((0..count as usize).any(|i| kinds[i] == 2 && codes[i] == -187), "no all-brokers-down event");
    within("UninitProducer", ms(2000), || assert_eq!(uninit_producer(p), 0));

    // Consumer side.
    within("Consume", ms(500), || consume_with(cons, (256, 256, 256)));
    within("ConsumeBatch(300)", ms(300), || consume_batch(cons, 300, Caps::big(10)));
    within("CommitReport", ms(500), || {
        let mut names = vec![0u8; 256];
        let (mut nl, mut part, mut off, mut err, mut n) = (256u32, 0i32, 0i64, 0i32, 1i32);
        unsafe {
            CommitReport(cons, names.as_mut_ptr() as *mut libc::c_char, &mut nl, &mut part, &mut off, &mut err, &mut n)
        }
    });
    within("CommittedOffsets(800)", ms(800), || {
        let mut names = vec![0u8; 256];
        let (mut nl, mut part, mut off, mut err, mut n) = (256u32, 0i32, 0i64, 0i32, 1i32);
        let s = with_text(|e, l| unsafe {
            CommittedOffsets(
                cons,
                t.as_ptr(),
                [0].as_ptr(),
                1,
                800,
                names.as_mut_ptr() as *mut libc::c_char,
                &mut nl,
                &mut part,
                &mut off,
                &mut err,
                &mut n,
                e,
                l,
            )
        });
        assert!(s.code != 0 && !s.text.is_empty(), "CommittedOffsets with the broker down: {s:?}");
    });
    within("Committed (5 s)", Duration::from_secs(5), || committed(cons, &topic, 0));
    within("CommitOffsets (10 s)", Duration::from_secs(10), || {
        let s = with_text(|e, l| unsafe { CommitOffsets(patient, t.as_ptr(), [0].as_ptr(), [1i64].as_ptr(), 1, e, l) });
        assert!(s.code != 0 && !s.text.is_empty(), "CommitOffsets with the broker down: {s:?}");
    });
    within("UninitConsumer (10 s)", Duration::from_secs(10), || uninit_consumer(patient));
    within("Seek (5 s)", Duration::from_secs(5), || with_text(|e, l| unsafe { Seek(cons, t.as_ptr(), 0, -2, e, l) }));
    within("UninitConsumer (10 s)", Duration::from_secs(10), || uninit_consumer(cons));

    // Nothing reachable at all: a port where nobody listens.
    let lone = client(&[("bootstrap.servers", "127.0.0.1:9"), ("message.timeout.ms", "1000")]);
    produce_ok(lone, &topic, "nowhere", "k");
    within("Metadata, no broker", ms(600), || {
        json_call("Metadata", |r, n, e, l| unsafe { Metadata(lone, null(), 600, r, n, e, l) })
    });
    within("UninitProducer, no broker", ms(1000), || uninit_producer(lone));
    up(&m, 1);
}
