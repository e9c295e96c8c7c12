//! Integration tests against a REAL Kafka broker (Apache Kafka 3.9 from
//! tests/broker/broker.sh), through the exported C ABI.
//!
//! Run: `tests/broker/broker.sh run -- env KAFKA_REQUIRE_BROKER=1 cargo test
//! --release --test real_broker`. Without KAFKA_BOOTSTRAP each test prints
//! "skipped: KAFKA_BOOTSTRAP not set" and returns, unless
//! KAFKA_REQUIRE_BROKER=1, which turns that into a failure.
//!
//! Every test creates its own topics (explicit partition counts) and groups,
//! so the tests run in parallel. Nothing waits with a bare sleep: every wait
//! polls for a condition against a deadline.
//!
//! Other clients used (installed by tests/install-deps.sh; a test fails with
//! the install command when one is missing): kcat, and the Python packages
//! confluent-kafka and kafka-python through tests/interop/clients.py (also
//! used to ask the broker for a consumer group's assignment).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use common::*;

// ------------------------------------------------------------- helpers ----

/// The broker address, or `None` (test skipped) when KAFKA_BOOTSTRAP is unset.
fn bootstrap() -> Option<String> {
    match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(b) if !b.trim().is_empty() => Some(b.trim().to_string()),
        _ => {
            if std::env::var("KAFKA_REQUIRE_BROKER").is_ok_and(|v| v == "1") {
                panic!(
                    "KAFKA_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP is not set: the real-broker suite must run \
                     against a broker, e.g. `tests/broker/broker.sh run -- cargo test --release --test real_broker`"
                );
            }
            println!("skipped: KAFKA_BOOTSTRAP not set");
            None
        }
    }
}

macro_rules! broker {
    () => {
        match bootstrap() {
            Some(b) => b,
            None => return,
        }
    };
}

fn manifest_path(rel: &str) -> String {
    format!("{}/{}", env!("CARGO_MANIFEST_DIR"), rel)
}

/// Creates a fresh topic named after `prefix` with `partitions` partitions;
/// returns once every partition has a leader.
fn new_topic(boot: &str, prefix: &str, partitions: i32) -> String {
    let name = unique(prefix);
    let out = Command::new(manifest_path("tests/broker/broker.sh"))
        .args(["topic", boot, &name, &partitions.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("cannot run tests/broker/broker.sh");
    assert!(out.status.success(), "creating topic {name}: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    name
}

fn err_text(code: i32) -> String {
    with_text(|t, l| unsafe { DRMessageError(&code, t, l) }).text
}

/// Collects the reports of `ids`: exactly one each, no stranger.
fn await_reports(h: Handle, ids: &[u64], limit: Duration) -> HashMap<u64, i32> {
    let got = collect_reports(h, ids.len(), limit);
    let mut map = HashMap::new();
    for (id, status) in &got {
        assert!(map.insert(*id, *status).is_none(), "two delivery reports for message {id}");
    }
    let wanted: HashSet<u64> = ids.iter().copied().collect();
    for id in map.keys() {
        assert!(wanted.contains(id), "a delivery report for message {id}, which was never produced");
    }
    assert_eq!(map.len(), ids.len(), "only {} of {} delivery reports within {limit:?}", map.len(), ids.len());
    map
}

/// Waits for the reports of `ids` and asserts every one is a success.
fn assert_delivered(h: Handle, ids: &[u64]) {
    for (id, status) in await_reports(h, ids, Duration::from_secs(30)) {
        assert_eq!(status, 0, "message {id} failed: {}", err_text(status));
    }
}

/// One message to produce.
#[derive(Clone, Debug)]
struct Out {
    topic: String,
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    partition: i32,
}

fn out(topic: &str, key: Option<&[u8]>, payload: Option<&[u8]>, partition: i32) -> Out {
    Out { topic: topic.into(), key: key.map(<[u8]>::to_vec), payload: payload.map(<[u8]>::to_vec), partition }
}

/// Produces `msgs` through one producer, waits for every report to be a
/// success and releases the producer (status 0).
fn produce_all(boot: &str, msgs: &[Out]) {
    let h = producer(boot);
    let mut ids = Vec::new();
    for m in msgs {
        let (s, id) = produce(h, &m.topic, m.payload.as_deref(), m.key.as_deref(), m.partition);
        assert_eq!(s.code, 0, "Produce to {} partition {}: {}", m.topic, m.partition, s.text);
        ids.push(id);
    }
    assert_delivered(h, &ids);
    assert_eq!(uninit_producer(h), 0);
}

/// One Consume call must find nothing more.
fn assert_nothing_more(h: Handle, who: &str) {
    let (s, m, _) = consume_with(h, (256, 4096, 256));
    assert_eq!(s.code, 1, "{who}: expected no further message, got status {} ({}) {m:?}", s.code, s.text);
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Dyalog's test data: 15 messages to `t1`, 20 to `t2`, keys key0..key4,
/// distinct payloads, partitioner's choice.
fn dyalog_messages(t1: &str, t2: &str, tag: &str) -> Vec<Out> {
    let mut v = Vec::new();
    for (topic, n) in [(t1, 15), (t2, 20)] {
        for i in 0..n {
            let key = format!("key{}", i % 5);
            let payload = format!("{tag} {topic} message {i}");
            v.push(out(topic, Some(key.as_bytes()), Some(payload.as_bytes()), -1));
        }
    }
    v
}

/// Every produced message consumed exactly once, and per (topic, key) in
/// produce order; one partition per (topic, key); offsets increase per
/// partition in consumption order.
fn assert_all_in_key_order(sent: &[Out], got: &[Received], who: &str) {
    let expected: HashSet<(String, Vec<u8>, Vec<u8>)> =
        sent.iter().map(|m| (m.topic.clone(), m.key.clone().unwrap(), m.payload.clone().unwrap())).collect();
    let mut seen = HashSet::new();
    for r in got {
        let id = (r.topic.clone(), r.key.clone(), r.payload.clone());
        assert!(
            expected.contains(&id),
            "{who}: unexpected message {:?} key {:?} on {}",
            text(&r.payload),
            text(&r.key),
            r.topic
        );
        assert!(seen.insert(id), "{who}: message {:?} delivered twice", text(&r.payload));
    }
    assert_eq!(got.len(), sent.len(), "{who}: got {} of {} messages", got.len(), sent.len());

    let mut want: BTreeMap<(String, Vec<u8>), Vec<Vec<u8>>> = BTreeMap::new();
    for m in sent {
        want.entry((m.topic.clone(), m.key.clone().unwrap())).or_default().push(m.payload.clone().unwrap());
    }
    let mut have: BTreeMap<(String, Vec<u8>), Vec<Vec<u8>>> = BTreeMap::new();
    let mut key_partition: HashMap<(String, Vec<u8>), i32> = HashMap::new();
    let mut last_offset: HashMap<(String, i32), i64> = HashMap::new();
    for r in got {
        have.entry((r.topic.clone(), r.key.clone())).or_default().push(r.payload.clone());
        let p = *key_partition.entry((r.topic.clone(), r.key.clone())).or_insert(r.partition);
        assert_eq!(
            p,
            r.partition,
            "{who}: key {} of {} seen in partitions {p} and {}",
            text(&r.key),
            r.topic,
            r.partition
        );
        if let Some(prev) = last_offset.insert((r.topic.clone(), r.partition), r.offset) {
            assert!(r.offset > prev, "{who}: {} [{}] offset {} after {prev}", r.topic, r.partition, r.offset);
        }
    }
    for (k, seq) in &want {
        let got_seq: Vec<String> = have.get(k).map(|v| v.iter().map(|p| text(p)).collect()).unwrap_or_default();
        let want_seq: Vec<String> = seq.iter().map(|p| text(p)).collect();
        assert_eq!(got_seq, want_seq, "{who}: order of key {} on {}", text(&k.1), k.0);
    }
}

/// A child process killed when its deadline passes.
fn run_with_timeout(mut cmd: Command, stdin: Option<Vec<u8>>, limit: Duration) -> Output {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let what = format!("{cmd:?}");
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let readers = spawn_readers(&mut child);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let (o, e) = (readers.0.join().unwrap(), readers.1.join().unwrap());
            panic!("{what} did not finish within {limit:?}\nstdout: {}\nstderr: {}", text(&o), text(&e));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: readers.0.join().unwrap(), stderr: readers.1.join().unwrap() }
}

type Readers = (std::thread::JoinHandle<Vec<u8>>, std::thread::JoinHandle<Vec<u8>>);

fn spawn_readers(child: &mut Child) -> Readers {
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    (
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = so.read_to_end(&mut v);
            v
        }),
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = se.read_to_end(&mut v);
            v
        }),
    )
}

fn require_kcat() {
    let ok =
        Command::new("kcat").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    assert!(ok, "kcat is missing: install it with `apt-get install -y kcat` (the interop tests need it)");
}

fn require_python_module(module: &str, package: &str) {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 with the module {module} is missing: install it with `pip install {package}` \
         (the interop tests need it; python3 itself from your distribution)"
    );
}

fn clients_py(args: &[&str], stdin: Option<Vec<u8>>, limit: Duration) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(manifest_path("tests/interop/clients.py")).args(args);
    run_with_timeout(cmd, stdin, limit)
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return ".".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    match s {
        "-" => None,
        "." => Some(Vec::new()),
        _ => Some((0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()),
    }
}

/// A message as another client saw it: partition, offset, key, payload
/// (None = NULL).
type Seen = (i32, i64, Option<Vec<u8>>, Option<Vec<u8>>);

fn parse_seen(stdout: &[u8]) -> Vec<Seen> {
    text(stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 4, "bad line from clients.py: {l:?}");
            (f[0].parse().unwrap(), f[1].parse().unwrap(), unhex(f[2]), unhex(f[3]))
        })
        .collect()
}

// --------------------------------------------- 1. Dyalog's scenarios ----

/// (a) One consumer subscribed to two 3-partition topics gets all 35
/// messages, each once, with per-(topic, key) order kept.
#[test]
fn dyalog_a_one_consumer_two_topics_per_key_order() {
    let boot = broker!();
    let (t1, t2) = (new_topic(&boot, "dy-a-topic1", 3), new_topic(&boot, "dy-a-topic2", 3));
    let sent = dyalog_messages(&t1, &t2, "a");
    produce_all(&boot, &sent);

    let h = consumer(&boot, &unique("dy-a-group"), &[&t1, &t2], &[]);
    let got = consume_n(h, 35, Duration::from_secs(30));
    assert_nothing_more(h, "consumer");
    assert_all_in_key_order(&sent, &got, "consumer");
    assert_eq!(uninit_consumer(h), 0);
}

/// (b) Two consumers of one group, polled in turn from one thread,
/// committing synchronously after every message: together they get every
/// message exactly once, across the rebalance the second one's arrival
/// causes; then, with the group stable, each gets exactly the messages of
/// the partitions the broker assigned to it.
#[test]
fn dyalog_b_two_consumers_one_group_exactly_once() {
    let boot = broker!();
    require_python_module("confluent_kafka", "confluent-kafka");
    let (t1, t2) = (new_topic(&boot, "dy-b-topic1", 3), new_topic(&boot, "dy-b-topic2", 3));
    let sent = dyalog_messages(&t1, &t2, "b1");
    produce_all(&boot, &sent);

    let group = unique("dy-b-group");
    let ids = [unique("dy-b-A"), unique("dy-b-B")];
    let cons: Vec<Handle> = ids
        .iter()
        .map(|id| {
            consumer(
                &boot,
                &group,
                &[&t1, &t2],
                &[("enable.auto.commit", "false"), ("client.id", id), ("heartbeat.interval.ms", "300")],
            )
        })
        .collect();

    // Received messages per consumer; payloads whose commit failed (then a
    // second delivery is Kafka's at-least-once, not a fault).
    let mut got: [Vec<Received>; 2] = [Vec::new(), Vec::new()];
    let mut uncommitted: HashSet<Vec<u8>> = HashSet::new();
    // One round: each consumer in turn, polled until it has nothing (a
    // Consume that waits the full 500 ms), so an idle member costs one wait
    // per round rather than one per message of the other.
    let poll_round = |got: &mut [Vec<Received>; 2], uncommitted: &mut HashSet<Vec<u8>>| -> bool {
        let mut any = false;
        for (i, &h) in cons.iter().enumerate() {
            loop {
                let (s, m, _) = consume_with(h, (256, 4096, 256));
                match s.code {
                    0 => {
                        let m = m.unwrap();
                        let rc = unsafe { Commit(h, null_mut()) };
                        if rc != 0 {
                            println!("note: Commit after {:?} returned {rc} ({})", text(&m.payload), err_text(rc));
                            uncommitted.insert(m.payload.clone());
                        }
                        got[i].push(m);
                        any = true;
                    }
                    1 => break,
                    code => panic!("consumer {i}: Consume {code}: {}", s.text),
                }
            }
        }
        any
    };

    // Phase 1 (Dyalog's order: messages first, then the consumers). Poll
    // until all are in, the group is stable with both members (asked of the
    // broker), and then a round in which neither gets anything.
    let mut group_probe = Some({
        let mut cmd = Command::new("python3");
        cmd.arg(manifest_path("tests/interop/clients.py")).args(["ck-group", &boot, &group, "2", "40"]);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = cmd.spawn().expect("cannot run python3");
        let readers = spawn_readers(&mut child);
        (child, readers)
    });
    let mut assignment: Option<Vec<u8>> = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            Instant::now() < deadline,
            "phase 1 did not settle within 60 s: got {} + {}",
            got[0].len(),
            got[1].len()
        );
        let any = poll_round(&mut got, &mut uncommitted);
        if let Some((child, _)) = group_probe.as_mut() {
            if let Some(st) = child.try_wait().unwrap() {
                let (_, (o, e)) = group_probe.take().unwrap();
                let (o, e) = (o.join().unwrap(), e.join().unwrap());
                assert!(st.success(), "group {group} never became stable with 2 members: {}", text(&e));
                assignment = Some(o);
            }
        }
        if assignment.is_some() && !any && got[0].len() + got[1].len() >= sent.len() {
            break;
        }
    }
    let union: Vec<Received> = got.iter().flatten().cloned().collect();
    check_exactly_once(&sent, &union, &uncommitted, "phase 1");
    println!("phase 1: consumer A got {}, B got {}", got[0].len(), got[1].len());

    // Who owns what, as the broker sees it.
    let mut owner: HashMap<(String, i32), usize> = HashMap::new();
    for line in text(&assignment.unwrap()).lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let who = ids.iter().position(|id| id == f[0]).unwrap_or_else(|| panic!("unknown member {line}"));
        assert!(
            owner.insert((f[1].to_string(), f[2].parse().unwrap()), who).is_none(),
            "partition assigned twice: {line}"
        );
    }
    assert_eq!(owner.len(), 6, "assignment does not cover the 6 partitions: {owner:?}");

    // Phase 2: with the group stable, two messages to every partition.
    let mut sent2 = Vec::new();
    for topic in [&t1, &t2] {
        for i in 0..6 {
            let payload = format!("b2 {topic} message {i}");
            sent2.push(out(topic, Some(format!("key{}", i % 5).as_bytes()), Some(payload.as_bytes()), i % 3));
        }
    }
    produce_all(&boot, &sent2);
    let before = got[0].len() + got[1].len();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            Instant::now() < deadline,
            "phase 2: only {} of {} within 30 s",
            got[0].len() + got[1].len() - before,
            sent2.len()
        );
        let any = poll_round(&mut got, &mut uncommitted);
        if !any && got[0].len() + got[1].len() >= before + sent2.len() {
            break;
        }
    }
    // Over both phases: every message exactly once (a phase-1 message again
    // only if its commit had failed).
    let all_sent: Vec<Out> = sent.iter().chain(&sent2).cloned().collect();
    let union: Vec<Received> = got.iter().flatten().cloned().collect();
    check_exactly_once(&all_sent, &union, &uncommitted, "both phases");
    let phase2: HashSet<Vec<u8>> = sent2.iter().map(|m| m.payload.clone().unwrap()).collect();
    for (i, v) in got.iter().enumerate() {
        let mine: Vec<&Received> = v.iter().filter(|m| phase2.contains(&m.payload)).collect();
        for m in &mine {
            assert_eq!(
                owner[&(m.topic.clone(), m.partition)],
                i,
                "consumer {i} got {:?} from {} [{}], a partition of the other member",
                text(&m.payload),
                m.topic,
                m.partition
            );
        }
        let owned = owner.values().filter(|&&w| w == i).count();
        assert_eq!(mine.len(), 2 * owned, "consumer {i} owns {owned} partitions, 2 new messages each");
    }
    for h in cons {
        assert_eq!(uninit_consumer(h), 0);
    }
}

/// Every message of `sent` is in `got` exactly once (duplicates only of
/// messages whose commit failed) and nothing else.
fn check_exactly_once(sent: &[Out], got: &[Received], uncommitted: &HashSet<Vec<u8>>, what: &str) {
    let expected: HashSet<Vec<u8>> = sent.iter().map(|m| m.payload.clone().unwrap()).collect();
    let mut count: HashMap<Vec<u8>, usize> = HashMap::new();
    for r in got {
        assert!(expected.contains(&r.payload), "{what}: unexpected message {:?}", text(&r.payload));
        *count.entry(r.payload.clone()).or_default() += 1;
    }
    for p in &expected {
        let n = count.get(p).copied().unwrap_or(0);
        assert!(n >= 1, "{what}: message {:?} never delivered", text(p));
        assert!(n == 1 || uncommitted.contains(p), "{what}: message {:?} delivered {n} times", text(p));
    }
}

/// (c) Two consumers in different groups each get all 35 messages, in
/// per-key order.
#[test]
fn dyalog_c_two_groups_each_get_everything() {
    let boot = broker!();
    let (t1, t2) = (new_topic(&boot, "dy-c-topic1", 3), new_topic(&boot, "dy-c-topic2", 3));
    let sent = dyalog_messages(&t1, &t2, "c");
    produce_all(&boot, &sent);

    let a = consumer(&boot, &unique("dy-c-group1"), &[&t1, &t2], &[]);
    let b = consumer(&boot, &unique("dy-c-group2"), &[&t1, &t2], &[]);
    let mut got: [Vec<Received>; 2] = [Vec::new(), Vec::new()];
    let deadline = Instant::now() + Duration::from_secs(30);
    while (got[0].len() < 35 || got[1].len() < 35) && Instant::now() < deadline {
        for (i, &h) in [a, b].iter().enumerate() {
            let (s, m, _) = consume_with(h, (256, 4096, 256));
            match s.code {
                0 => got[i].push(m.unwrap()),
                1 => {}
                code => panic!("consumer {i}: Consume {code}: {}", s.text),
            }
        }
    }
    assert_nothing_more(a, "group 1");
    assert_nothing_more(b, "group 2");
    assert_all_in_key_order(&sent, &got[0], "group 1");
    assert_all_in_key_order(&sent, &got[1], "group 2");
    assert_eq!(uninit_consumer(a), 0);
    assert_eq!(uninit_consumer(b), 0);
}

/// (d) Manual commits: with enable.auto.commit=false, Commit(h, NULL) every
/// 5 messages sets each partition's committed offset to exactly the number
/// of messages consumed from it (last consumed offset + 1); a consumer of
/// the same group started later resumes there.
#[test]
fn dyalog_d_manual_commit_every_5_moves_committed_offsets_exactly() {
    let boot = broker!();
    let (t1, t2) = (new_topic(&boot, "dy-d-topic1", 3), new_topic(&boot, "dy-d-topic2", 3));
    let sent = dyalog_messages(&t1, &t2, "d");
    produce_all(&boot, &sent);

    let group = unique("dy-d-group");
    let h = consumer(&boot, &group, &[&t1, &t2], &[("enable.auto.commit", "false")]);
    let partitions: Vec<(String, i32)> =
        [&t1, &t2].iter().flat_map(|t| (0..3).map(move |p| (t.to_string(), p))).collect();
    for (t, p) in &partitions {
        assert_eq!(committed(h, t, *p), (0, -1001), "{t} [{p}] before any commit");
    }

    // (count consumed, last offset) per partition.
    let mut progress: HashMap<(String, i32), (i64, i64)> = HashMap::new();
    let mut all = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while all.len() < sent.len() {
        assert!(Instant::now() < deadline, "only {} of {} messages within 30 s", all.len(), sent.len());
        let batch = consume_n(h, 1, Duration::from_millis(600));
        let Some(m) = batch.into_iter().next() else { continue };
        let e = progress.entry((m.topic.clone(), m.partition)).or_insert((0, -1));
        e.0 += 1;
        e.1 = m.offset;
        all.push(m);
        if all.len() % 5 == 0 {
            let rc = unsafe { Commit(h, null_mut()) };
            assert_eq!(rc, 0, "Commit after {} messages: {}", all.len(), err_text(rc));
            for (t, p) in &partitions {
                let want = match progress.get(&(t.clone(), *p)) {
                    Some(&(count, last)) => {
                        assert_eq!(last + 1, count, "{t} [{p}]: offsets of a fresh partition are 0, 1, ...");
                        last + 1
                    }
                    None => -1001,
                };
                assert_eq!(committed(h, t, *p), (0, want), "{t} [{p}] after {} messages", all.len());
            }
        }
    }
    assert_nothing_more(h, "consumer");
    assert_all_in_key_order(&sent, &all, "consumer");
    let rc = unsafe { Commit(h, null_mut()) };
    assert_eq!(rc, -168, "Commit with nothing new to commit: {}", err_text(rc));
    assert_eq!(uninit_consumer(h), 0);

    // A later member of the group starts at the committed offsets: it gets
    // only a message produced after them.
    let extra = out(&t1, Some(b"key0"), Some(b"d after the commits"), 0);
    produce_all(&boot, &[extra]);
    let h2 = consumer(&boot, &group, &[&t1, &t2], &[("enable.auto.commit", "false")]);
    let got = consume_n(h2, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "the new member got nothing");
    let expected_offset = progress.get(&(t1.clone(), 0)).map_or(0, |&(count, _)| count);
    assert_eq!(
        (text(&got[0].payload), got[0].topic.clone(), got[0].partition, got[0].offset),
        ("d after the commits".to_string(), t1.clone(), 0, expected_offset)
    );
    assert_nothing_more(h2, "second member");
    assert_eq!(uninit_consumer(h2), 0);
}

// ----------------------------------- 2. Large and binary payloads ----

/// A deterministic byte pattern with NUL bytes and every byte value.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i as u32).wrapping_mul(31).wrapping_add(seed as u32) % 256) as u8).collect()
}

/// A 1 MB payload, NUL bytes in payloads and keys, empty key and no key,
/// a NULL payload, explicit partitions: all come back intact, each through
/// the status-2 retry (first call with buffers too small reports the sizes
/// needed and keeps the message; the retry with exactly those sizes hands
/// out the same message).
#[test]
fn payloads_binary_large_keys_and_partitions_round_trip() {
    let boot = broker!();
    let topic = new_topic(&boot, "payloads", 3);
    let big = pattern(1_000_000, 7);
    let binary: Vec<u8> = b"\0lead\0\0mid\0".iter().copied().chain(0..=255u8).chain([0, 0]).collect();
    let binkey: Vec<u8> = vec![b'k', 0, 1, 0xff, 0, b'z'];
    let mut msgs = vec![
        out(&topic, Some(&binkey), Some(&binary), -1),
        out(&topic, Some(b"big"), Some(&big), 1),
        out(&topic, Some(b"null-value"), None, -1),
        out(&topic, Some(b"p0"), Some(b"explicit 0"), 0),
        out(&topic, Some(b"p2"), Some(b"explicit 2"), 2),
        out(&topic, None, Some(b"explicit 1, no key"), 1),
    ];
    for i in 0..4 {
        msgs.push(out(&topic, Some(b""), Some(format!("empty key {i}").as_bytes()), -1));
        msgs.push(out(&topic, None, Some(format!("no key {i}").as_bytes()), -1));
    }

    let h = client(&[("bootstrap.servers", &boot), ("message.max.bytes", "1048588")]);
    let mut ids = Vec::new();
    for m in &msgs {
        let (s, id) = produce(h, &m.topic, m.payload.as_deref(), m.key.as_deref(), m.partition);
        assert_eq!(s.code, 0, "Produce {:?}: {}", m.key, s.text);
        ids.push(id);
    }
    assert_delivered(h, &ids);
    assert_eq!(uninit_producer(h), 0);

    let c = consumer(&boot, &unique("payloads-group"), &[&topic], &[]);
    let mut got: Vec<Received> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < msgs.len() {
        assert!(Instant::now() < deadline, "only {} of {} messages within 30 s", got.len(), msgs.len());
        let (s, m, needed) = consume_with(c, (0, 0, 0));
        match s.code {
            1 => continue,
            2 => {}
            code => panic!("Consume with empty buffers: {code} {} {m:?}", s.text),
        }
        assert!(s.text.contains("too small"), "status 2 text: {:?}", s.text);
        assert_eq!(needed.0 as usize, topic.len(), "topic length needed");
        // Still too small (the topic buffer one byte short): the same sizes
        // again, and the message stays.
        let (s2, _, needed2) = consume_with(c, (needed.0 as usize - 1, needed.1 as usize, needed.2 as usize));
        assert_eq!((s2.code, needed2), (2, needed), "second too-small call: {}", s2.text);
        // Exactly the sizes needed (no room for a NUL): the same message.
        let (s3, m3, lens) = consume_with(c, (needed.0 as usize, needed.1 as usize, needed.2 as usize));
        assert_eq!(s3.code, 0, "retry with the sizes needed: {}", s3.text);
        assert_eq!(lens, needed, "the retry hands out a message of the announced sizes");
        got.push(m3.unwrap());
    }
    assert_nothing_more(c, "consumer");
    assert_eq!(uninit_consumer(c), 0);

    // Match by payload (all distinct; the NULL payload comes back empty).
    assert_eq!(got.len(), msgs.len());
    let mut by_payload: HashMap<Vec<u8>, &Received> = HashMap::new();
    for r in &got {
        assert_eq!(r.topic, topic);
        assert!((0..3).contains(&r.partition), "partition {}", r.partition);
        assert!(
            by_payload.insert(r.payload.clone(), r).is_none(),
            "payload delivered twice ({} bytes)",
            r.payload.len()
        );
    }
    for m in &msgs {
        let payload = m.payload.clone().unwrap_or_default();
        let r = by_payload
            .get(&payload)
            .unwrap_or_else(|| panic!("message with key {:?} ({} bytes) not consumed intact", m.key, payload.len()));
        assert_eq!(r.key, m.key.clone().unwrap_or_default(), "key of the {}-byte message", payload.len());
        if m.partition >= 0 {
            assert_eq!(r.partition, m.partition, "explicit partition of {:?}", text(&payload[..payload.len().min(20)]));
        }
    }
    assert_eq!(by_payload[&big].payload.len(), 1_000_000);
    assert_eq!(by_payload[&binary].key, binkey);
}

/// Producer errors come back as non-zero statuses: a message too large for
/// the producer (Produce: 10 MSG_SIZE_TOO_LARGE) or for the broker (its
/// report: 10), an unknown partition (-190 from Produce or in the report),
/// an invalid topic name (Produce or report non-zero); nothing of it
/// reaches the topic.
#[test]
fn producer_errors_oversize_unknown_partition_invalid_topic() {
    let boot = broker!();
    let topic = new_topic(&boot, "errors", 3);

    // Too large for the producer's message.max.bytes: refused at once.
    let h = client(&[("bootstrap.servers", &boot), ("message.max.bytes", "1048588"), ("message.timeout.ms", "20000")]);
    let huge = pattern(2_000_000, 1);
    let (s, _) = produce(h, &topic, Some(&huge), Some(b"huge"), -1);
    assert_eq!(s.code, 10, "Produce of 2 MB with message.max.bytes 1048588: {}", s.text);
    assert!(!s.text.is_empty(), "Produce wrote no error text");

    // Unknown partition of a known 3-partition topic: -190, at once or in
    // the report. Warm the metadata first with a good message.
    let (s, good) = produce(h, &topic, Some(b"good"), Some(b"good"), 0);
    assert_eq!(s.code, 0, "{}", s.text);
    let (s, bad) = produce(h, &topic, Some(b"partition 99"), None, 99);
    let mut want = vec![good];
    if s.code == 0 {
        want.push(bad);
    } else {
        assert_eq!(s.code, -190, "Produce to partition 99: {}", s.text);
        assert!(!s.text.is_empty());
    }
    let reports = await_reports(h, &want, Duration::from_secs(25));
    assert_eq!(reports[&good], 0, "{}", err_text(reports[&good]));
    if s.code == 0 {
        assert_eq!(reports[&bad], -190, "report of partition 99: {}", err_text(reports[&bad]));
    }
    println!("partition 99: Produce {} ({})", s.code, s.text);

    // An invalid topic name: Produce or its report says so.
    let (s, id) = produce(h, "no such topic!", Some(b"x"), None, -1);
    if s.code == 0 {
        let r = await_reports(h, &[id], Duration::from_secs(25));
        assert_ne!(r[&id], 0, "message to an invalid topic name was reported delivered");
        println!("invalid topic: report {} ({})", r[&id], err_text(r[&id]));
    } else {
        println!("invalid topic: Produce {} ({})", s.code, s.text);
    }
    assert_eq!(uninit_producer(h), 0, "every report was collected");

    // Too large for the broker (1048588 bytes) but not for the producer:
    // the delivery report carries the broker's 10 (MSG_SIZE_TOO_LARGE).
    let h = client(&[("bootstrap.servers", &boot), ("message.max.bytes", "3000000"), ("message.timeout.ms", "20000")]);
    let (s, id) = produce(h, &topic, Some(&pattern(1_500_000, 2)), Some(b"too big for the broker"), 2);
    assert_eq!(s.code, 0, "{}", s.text);
    let r = await_reports(h, &[id], Duration::from_secs(25));
    assert_eq!(r[&id], 10, "report of a 1.5 MB message: {}", err_text(r[&id]));
    assert!(err_text(10).to_lowercase().contains("too large"), "DRMessageError(10): {}", err_text(10));
    assert_eq!(uninit_producer(h), 0);

    // Only the good message is in the topic.
    let c = consumer(&boot, &unique("errors-group"), &[&topic], &[]);
    let got = consume_n(c, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].payload.as_slice(), got[0].partition, got[0].offset), (&b"good"[..], 0, 0));
    assert_nothing_more(c, "consumer");
    assert_eq!(uninit_consumer(c), 0);
}

/// An unreachable bootstrap: the report carries -192 (MSG_TIMED_OUT) soon
/// after message.timeout.ms; no DeliveryReport call blocks much longer than
/// 500 ms; UninitProducer does not hang, returning 0 when the failure was
/// collected and the failure (non-zero) when it was not.
#[test]
fn unreachable_bootstrap_times_out_in_bounded_time() {
    let _boot = broker!();
    // (log_level 2: librdkafka's expected connection-refused lines stay quiet.)
    let settings = [("bootstrap.servers", "127.0.0.1:1"), ("message.timeout.ms", "2000"), ("log_level", "2")];

    let h = client(&settings);
    let start = Instant::now();
    let (s, id) = produce(h, "unreachable", Some(b"x"), Some(b"k"), -1);
    assert_eq!(s.code, 0, "{}", s.text);
    let mut report = None;
    while report.is_none() {
        assert!(start.elapsed() < Duration::from_secs(8), "no report 8 s after Produce with message.timeout.ms 2000");
        let t = Instant::now();
        let (rc, batch) = reports(h, 10);
        let took = t.elapsed();
        assert_eq!(rc, 0);
        assert!(took < Duration::from_millis(800), "DeliveryReport blocked {took:?}");
        assert!(batch.len() <= 1);
        report = batch.first().copied();
    }
    assert_eq!(report.unwrap(), (id, -192), "{}", err_text(report.unwrap().1));
    let t = Instant::now();
    let (rc, batch) = reports(h, 10);
    assert_eq!((rc, batch.len()), (0, 0));
    assert!(t.elapsed() < Duration::from_millis(100), "DeliveryReport with nothing in flight took {:?}", t.elapsed());
    let t = Instant::now();
    assert_eq!(uninit_producer(h), 0, "the failure was collected");
    assert!(t.elapsed() < Duration::from_secs(3), "UninitProducer took {:?}", t.elapsed());

    // Nobody collects the failure: UninitProducer reports it.
    let h = client(&settings);
    let (s, _) = produce(h, "unreachable", Some(b"y"), None, -1);
    assert_eq!(s.code, 0, "{}", s.text);
    let t = Instant::now();
    let rc = uninit_producer(h);
    let took = t.elapsed();
    assert_ne!(rc, 0, "UninitProducer lost an undelivered message silently");
    assert_eq!(rc, -192, "UninitProducer: the failure of the uncollected message ({})", err_text(rc));
    assert!(took < Duration::from_secs(9), "UninitProducer took {took:?} with message.timeout.ms 2000");
}

// ------------------------------------------------- 3. Interoperability ----

/// Messages produced through our library are read intact by kcat (keys,
/// NULL key vs empty key, NULL payload, partitions, offsets), and what kcat
/// produces (keys with -K, a fixed partition with -p) is read intact by ours.
#[test]
fn interop_kcat_both_ways() {
    let boot = broker!();
    require_kcat();
    let (mine, theirs) = (new_topic(&boot, "kcat-reads", 3), new_topic(&boot, "kcat-writes", 3));

    // Ours -> kcat.
    let mut sent = Vec::new();
    for i in 0..18 {
        let key = format!("key{}", i % 4);
        let partition = if i % 3 == 0 { (i / 3) % 3 } else { -1 };
        sent.push(out(&mine, Some(key.as_bytes()), Some(format!("ours to kcat {i}").as_bytes()), partition));
    }
    sent.push(out(&mine, Some(b""), Some(b"empty key"), 0));
    sent.push(out(&mine, None, Some(b"no key"), 1));
    sent.push(out(&mine, Some(b"null value"), None, 2));
    produce_all(&boot, &sent);

    let mut cmd = Command::new("kcat");
    cmd.args(["-b", &boot, "-t", &mine, "-C", "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%K\t%k\t%S\t%s\n"]);
    let o = run_with_timeout(cmd, None, Duration::from_secs(30));
    assert!(o.status.success(), "kcat -C: {}", text(&o.stderr));
    let mut seen: Vec<(i32, i64, i64, String, i64, String)> = text(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "kcat line {l:?}");
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].into(),
                f[4].parse().unwrap(),
                f[5].into(),
            )
        })
        .collect();
    assert_eq!(seen.len(), sent.len(), "kcat read {} of {}:\n{}", seen.len(), sent.len(), text(&o.stdout));
    seen.sort_by_key(|s| (s.0, s.1));
    // Per partition: offsets 0.. in produce order.
    let mut per_partition: BTreeMap<i32, Vec<&(i32, i64, i64, String, i64, String)>> = BTreeMap::new();
    for s in &seen {
        per_partition.entry(s.0).or_default().push(s);
    }
    let mut key_partition = HashMap::new();
    for (p, rows) in &per_partition {
        for (n, r) in rows.iter().enumerate() {
            assert_eq!(r.1, n as i64, "kcat: offsets of partition {p}");
        }
        let order: Vec<String> = rows.iter().map(|r| r.5.clone()).collect();
        let produced: Vec<String> = sent
            .iter()
            .filter(|m| rows.iter().any(|r| r.5 == text(m.payload.as_deref().unwrap_or_default())))
            .map(|m| text(m.payload.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(order, produced, "kcat: order in partition {p}");
    }
    for m in &sent {
        let payload = m.payload.as_deref().map(text);
        let r = seen
            .iter()
            .find(|r| Some(&r.5) == payload.as_ref() || (payload.is_none() && r.4 == -1))
            .unwrap_or_else(|| panic!("kcat did not see {payload:?}"));
        let (klen, key) = match &m.key {
            Some(k) => (k.len() as i64, text(k)),
            None => (-1, String::new()),
        };
        assert_eq!((r.2, &r.3), (klen, &key), "kcat: key of {payload:?} (length -1 = NULL)");
        assert_eq!(r.4, m.payload.as_ref().map_or(-1, |p| p.len() as i64), "kcat: payload length of {payload:?}");
        if m.partition >= 0 {
            assert_eq!(r.0, m.partition, "kcat: partition of {payload:?}");
        } else {
            let p = *key_partition.entry(key.clone()).or_insert(r.0);
            assert_eq!(p, r.0, "kcat: key {key} in two partitions");
        }
    }

    // kcat -> ours: 8 keyed messages to partition 1, 9 keyed by the partitioner.
    let fixed: Vec<(String, String)> =
        (0..8).map(|i| (format!("fixed{i}"), format!("kcat to ours, partition 1, {i}"))).collect();
    let keyed: Vec<(String, String)> =
        (0..9).map(|i| (format!("key{}", i % 3), format!("kcat to ours, keyed, {i}"))).collect();
    for (rows, partition) in [(&fixed, Some("1")), (&keyed, None)] {
        let input: String = rows.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
        let mut cmd = Command::new("kcat");
        cmd.args(["-b", &boot, "-t", &theirs, "-P", "-K", "\t", "-q"]);
        if let Some(p) = partition {
            cmd.args(["-p", p]);
        }
        let o = run_with_timeout(cmd, Some(input.into_bytes()), Duration::from_secs(30));
        assert!(o.status.success(), "kcat -P: {}", text(&o.stderr));
    }
    let c = consumer(&boot, &unique("kcat-group"), &[&theirs], &[]);
    let got = consume_n(c, fixed.len() + keyed.len(), Duration::from_secs(30));
    assert_nothing_more(c, "consumer of kcat's messages");
    assert_eq!(uninit_consumer(c), 0);
    assert_eq!(got.len(), fixed.len() + keyed.len());
    let find =
        |v: &str| got.iter().find(|r| r.payload == v.as_bytes()).unwrap_or_else(|| panic!("ours did not read {v:?}"));
    let mut last_offset = -1;
    for (k, v) in &fixed {
        let r = find(v);
        assert_eq!((text(&r.key), r.partition, r.topic.as_str()), (k.clone(), 1, theirs.as_str()));
        assert!(r.offset > last_offset, "kcat's partition-1 messages out of order");
        last_offset = r.offset;
    }
    let mut key_partition = HashMap::new();
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for r in &got {
        order.entry(text(&r.key)).or_default().push(text(&r.payload));
    }
    for (k, v) in &keyed {
        let r = find(v);
        assert_eq!(text(&r.key), *k);
        assert_eq!(*key_partition.entry(k.clone()).or_insert(r.partition), r.partition, "key {k} in two partitions");
    }
    for k in ["key0", "key1", "key2"] {
        let want: Vec<String> = keyed.iter().filter(|(kk, _)| kk == k).map(|(_, v)| v.clone()).collect();
        assert_eq!(order[k], want, "order of kcat's key {k}");
    }
}

/// Messages produced through our library (binary keys and payloads, NULL
/// key vs empty key, NULL payload, explicit partitions) are read intact by
/// confluent-kafka and by kafka-python (a protocol implementation that is
/// not librdkafka); what confluent-kafka produces with keys and explicit
/// partitions is read intact by ours, at the offsets its reports gave.
#[test]
fn interop_confluent_kafka_and_kafka_python_both_ways() {
    let boot = broker!();
    require_python_module("confluent_kafka", "confluent-kafka");
    require_python_module("kafka", "kafka-python");
    let (mine, theirs) = (new_topic(&boot, "py-reads", 3), new_topic(&boot, "py-writes", 3));

    // Ours -> Python: every message to an explicit partition, so the offsets
    // are known: the n-th message to partition p has offset n.
    let mut sent = Vec::new();
    for i in 0..15u8 {
        let key: Vec<u8> = vec![b'k', 0, i, 0xff];
        let payload: Vec<u8> = pattern(50 + i as usize * 13, i).into_iter().chain([0, i]).collect();
        sent.push(out(&mine, Some(&key), Some(&payload), (i % 3) as i32));
    }
    sent.push(out(&mine, Some(b""), Some(b"empty key"), 0));
    sent.push(out(&mine, None, Some(b"no key"), 1));
    sent.push(out(&mine, Some(b"null value"), None, 2));
    sent.push(out(&mine, Some(b"empty value"), Some(b""), 2));
    produce_all(&boot, &sent);
    let mut expected: Vec<Seen> = Vec::new();
    let mut next = [0i64; 3];
    for m in &sent {
        let p = m.partition as usize;
        expected.push((m.partition, next[p], m.key.clone(), m.payload.clone()));
        next[p] += 1;
    }
    expected.sort();
    for tool in ["ck-consume", "kp-consume"] {
        let o = clients_py(&[tool, &boot, &mine, "30"], None, Duration::from_secs(60));
        assert!(o.status.success(), "{tool}: {}\n{}", o.status, text(&o.stderr));
        let mut seen = parse_seen(&o.stdout);
        seen.sort();
        assert_eq!(seen, expected, "{tool} read differently what ours produced");
    }

    // confluent-kafka -> ours: keyed binary messages, explicit partitions
    // and the partitioner's choice.
    let mut specs = Vec::new();
    for i in 0..15u8 {
        let partition = if i % 4 == 3 { -1 } else { (i % 3) as i32 };
        let key: Vec<u8> = vec![b'c', b'k', 0, i % 5];
        let payload: Vec<u8> = [0u8, 1, 0].into_iter().chain(pattern(30 + i as usize, 100 + i)).chain([i]).collect();
        specs.push((partition, key, payload));
    }
    let input: String = specs.iter().map(|(p, k, v)| format!("{p} {} {}\n", hex(k), hex(v))).collect();
    let o = clients_py(&["ck-produce", &boot, &theirs], Some(input.into_bytes()), Duration::from_secs(60));
    assert!(o.status.success(), "ck-produce: {}\n{}", o.status, text(&o.stderr));
    let delivered: Vec<(i32, i64)> = text(&o.stdout)
        .lines()
        .map(|l| {
            let (p, off) = l.split_once(' ').unwrap();
            (p.parse().unwrap(), off.parse().unwrap())
        })
        .collect();
    assert_eq!(delivered.len(), specs.len());

    let c = consumer(&boot, &unique("py-group"), &[&theirs], &[]);
    let got = consume_n(c, specs.len(), Duration::from_secs(30));
    assert_nothing_more(c, "consumer of confluent-kafka's messages");
    assert_eq!(uninit_consumer(c), 0);
    assert_eq!(got.len(), specs.len());
    let mut want: Vec<Seen> = specs
        .iter()
        .zip(&delivered)
        .map(|((p, k, v), &(dp, doff))| {
            if *p >= 0 {
                assert_eq!(dp, *p, "confluent-kafka's report: partition");
            }
            (dp, doff, Some(k.clone()), Some(v.clone()))
        })
        .collect();
    let mut have: Vec<Seen> = got
        .iter()
        .map(|r| {
            assert_eq!(r.topic, theirs);
            (r.partition, r.offset, Some(r.key.clone()), Some(r.payload.clone()))
        })
        .collect();
    want.sort();
    have.sort();
    assert_eq!(have, want, "ours read differently what confluent-kafka produced");
}

// ------------------------------ 4. UninitProducer loses nothing ----

/// 20,000 small messages (lingering 2 s) and no DeliveryReport call at all:
/// UninitProducer waits for them, returns 0, and a fresh consumer finds every one exactly
/// once, at contiguous offsets from 0 in each partition.
#[test]
fn uninit_producer_right_after_20000_messages_loses_none() {
    let boot = broker!();
    let topic = new_topic(&boot, "uninit-20k", 3);
    const N: usize = 20_000;
    // A long linger: at UninitProducer nearly everything is still queued in
    // the client, so only a real flush delivers it.
    let h = client(&[("bootstrap.servers", &boot), ("linger.ms", "2000")]);
    let t0 = Instant::now();
    for i in 0..N {
        let payload = format!("m{i:05}");
        let key = format!("k{}", i % 7);
        let (s, _) = produce(h, &topic, Some(payload.as_bytes()), Some(key.as_bytes()), -1);
        assert_eq!(s.code, 0, "Produce #{i}: {}", s.text);
    }
    let rc = uninit_producer(h);
    println!("20000 produced and UninitProducer returned {rc} after {:?}", t0.elapsed());
    assert_eq!(rc, 0, "UninitProducer: {}", err_text(rc));

    let c = consumer(&boot, &unique("uninit-20k-group"), &[&topic], &[]);
    let got = consume_n(c, N, Duration::from_secs(60));
    assert_nothing_more(c, "consumer");
    assert_eq!(uninit_consumer(c), 0);
    assert_eq!(got.len(), N, "only {} of {N} messages in the topic", got.len());
    let mut seen = vec![false; N];
    let mut next = [0i64; 3];
    for r in &got {
        let i: usize = std::str::from_utf8(&r.payload[1..]).unwrap().parse().unwrap();
        assert!(!seen[i], "message {i} twice");
        seen[i] = true;
        assert_eq!(r.key, format!("k{}", i % 7).into_bytes());
        assert_eq!(r.offset, next[r.partition as usize], "offsets of partition {}", r.partition);
        next[r.partition as usize] += 1;
    }
}
