//! Real-broker tests of issue 9 (batches, headers, timestamps, rich
//! delivery reports) through the exported C ABI: ProduceBatch, ProduceWith,
//! ConsumeBatch, ConsumeWith, DeliveryReports.
//!
//! Run: `tests/broker/broker.sh run -- env KAFKA_REQUIRE_BROKER=1 cargo test
//! --release --test batch_real`. Without KAFKA_BOOTSTRAP each test prints
//! "skipped" and returns (a failure with KAFKA_REQUIRE_BROKER=1), as
//! tests/real_broker.rs does. Every test makes its own topics and groups
//! (through CreateTopics, which is faster than a JVM tool), so they run in
//! parallel; every wait polls a condition against a deadline.
//!
//! Other clients: kcat, and confluent-kafka through tests/interop/headers.py.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use kafka::ffi::admin::CreateTopics;
use kafka::ffi::metadata::Metadata;

// ------------------------------------------------------------- helpers ----

fn bootstrap() -> Option<String> {
    match std::env::var("KAFKA_BOOTSTRAP") {
        Ok(b) if !b.trim().is_empty() => Some(b.trim().to_string()),
        _ => {
            assert!(
                std::env::var("KAFKA_REQUIRE_BROKER").map_or(true, |v| v != "1"),
                "KAFKA_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP is not set"
            );
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

/// A fresh topic with `partitions` partitions and topic `config` lines;
/// returns once every partition has a leader.
fn new_topic(boot: &str, prefix: &str, partitions: i32, config: &str) -> String {
    let name = unique(prefix);
    let h = client(&[("bootstrap.servers", boot)]);
    let (t, cfg) = (c(&name), c(config));
    let mut errors = [0i32];
    let s = with_text(|e, l| unsafe {
        CreateTopics(h, t.as_ptr(), &partitions, std::ptr::null(), 1, cfg.as_ptr(), 0, 30000, errors.as_mut_ptr(), e, l)
    });
    assert_eq!((s.code, errors[0]), (0, 0), "CreateTopics {name}: {}", s.text);
    // A metadata request of its own each time: a cached answer from before
    // the topic existed can keep Watermarks saying "unknown partition".
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut buf = vec![0u8; 1 << 16];
        let mut len = buf.len() as i32;
        let s = with_text(|e, l| unsafe {
            Metadata(h, t.as_ptr(), 5000, buf.as_mut_ptr() as *mut libc::c_char, &mut len, e, l)
        });
        let json = if s.code == 0 { text(&buf[..len as usize]) } else { String::new() };
        let led = json.matches("\"leader\":").count() - json.matches("\"leader\":-").count();
        if json.contains(&format!("\"topic\":\"{name}\"")) && led == partitions as usize {
            break;
        }
        assert!(Instant::now() < deadline, "{name}: not every partition has a leader after 30 s: {} {json}", s.text);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(uninit_producer(h), 0);
    name
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A child process, killed when `limit` passes.
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
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}: {}", text(&err.join().unwrap()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn require(tool: &str, args: &[&str], install: &str) {
    let ok =
        Command::new(tool).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    assert!(ok, "{tool} {args:?} failed: install with `{install}` (the interop tests need it)");
}

fn headers_py(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(format!("{}/tests/interop/headers.py", env!("CARGO_MANIFEST_DIR"))).args(args);
    let o = run_with_timeout(cmd, stdin, Duration::from_secs(60));
    assert!(o.status.success(), "headers.py {args:?}: {}\n{}", o.status, text(&o.stderr));
    o
}

fn hex(b: Option<&[u8]>) -> String {
    match b {
        None => "-".into(),
        Some([]) => ".".into(),
        Some(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

fn hex_headers(hs: &[Hdr]) -> String {
    if hs.is_empty() {
        return ".".into();
    }
    hs.iter().map(|(n, v)| format!("{}:{}", hex(Some(n)), hex(v.as_deref()))).collect::<Vec<_>>().join(",")
}

fn h(name: &[u8], value: Option<&[u8]>) -> Hdr {
    (name.to_vec(), value.map(<[u8]>::to_vec))
}

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| if self.below(5) == 0 { 0 } else { self.next() as u8 }).collect()
    }
}

/// Produces `msgs` with ProduceBatch in chunks of `chunk`, retrying exactly
/// the positions refused with queue full after taking reports; returns the
/// reports by message index (all successes).
fn produce_batches(p: Handle, msgs: &[Msg], chunk: usize) -> Vec<Report> {
    let mut id_of = vec![0u64; msgs.len()];
    let mut reports: HashMap<u64, Report> = HashMap::new();
    let take = |wait: i32, reports: &mut HashMap<u64, Report>| {
        let (s, got) = delivery_reports(p, 8192, wait);
        assert_eq!(s.code, 0, "DeliveryReports: {}", s.text);
        for r in got {
            assert!(reports.insert(r.id, r).is_none(), "two reports for message {}", r.id);
        }
    };
    for start in (0..msgs.len()).step_by(chunk) {
        let mut todo: Vec<usize> = (start..(start + chunk).min(msgs.len())).collect();
        while !todo.is_empty() {
            let batch: Vec<Msg> = todo.iter().map(|&i| msgs[i].clone()).collect();
            let out = produce_batch(p, &batch);
            let mut again = Vec::new();
            for (j, &i) in todo.iter().enumerate() {
                match out.statuses[j] {
                    0 => {
                        assert_ne!(out.ids[j], 0, "an enqueued message without an id");
                        id_of[i] = out.ids[j];
                    }
                    -184 => {
                        assert_eq!(out.ids[j], 0, "a refused message with an id");
                        again.push(i);
                    }
                    st => panic!("ProduceBatch: message {i}: {st} ({})", out.status.text),
                }
            }
            assert_eq!(
                out.status.code == 0,
                again.is_empty(),
                "status {} with {} refused",
                out.status.code,
                again.len()
            );
            todo = again;
            take(if todo.is_empty() { 0 } else { 100 }, &mut reports);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while reports.len() < msgs.len() {
        assert!(Instant::now() < deadline, "only {} of {} reports after 60 s", reports.len(), msgs.len());
        take(200, &mut reports);
    }
    let unique: HashSet<u64> = id_of.iter().copied().collect();
    assert_eq!(unique.len(), msgs.len(), "message ids are not distinct");
    id_of
        .iter()
        .map(|id| {
            let r = reports.remove(id).unwrap_or_else(|| panic!("no report for message id {id}"));
            assert_eq!(r.status, 0, "message {id} failed: {}", r.status);
            r
        })
        .collect()
}

/// The message index carried in the "seq" header.
fn seq_of(g: &Got) -> usize {
    let (_, v) = g.headers.iter().find(|(n, _)| n == b"seq").expect("no seq header");
    text(v.as_deref().unwrap()).parse().unwrap()
}

/// `got` is `msgs` exactly: each once, every field, at the place its report
/// gave; per partition, offsets 0.. in produce order.
fn assert_same(msgs: &[Msg], reports: &[Report], got: &[Got]) {
    assert_eq!(got.len(), msgs.len(), "got {} of {} messages", got.len(), msgs.len());
    let mut seen = HashSet::new();
    let mut next: HashMap<i32, i64> = HashMap::new();
    for g in got {
        let i = seq_of(g);
        assert!(seen.insert(i), "message {i} consumed twice");
        let (m, r) = (&msgs[i], &reports[i]);
        assert_eq!(g.topic, m.topic);
        assert_eq!(g.payload, m.payload, "payload of message {i} (None = null)");
        assert_eq!(g.key, m.key, "key of message {i} (None = null)");
        assert_eq!(g.headers, m.headers, "headers of message {i}");
        assert_eq!((g.partition, g.offset), (r.partition, r.offset), "message {i}: consumer vs delivery report");
        if m.partition >= 0 {
            assert_eq!(g.partition, m.partition, "explicit partition of message {i}");
        }
        assert_eq!(g.tstype, 1, "message {i}: timestamp type (1: create time)");
        assert_eq!(g.timestamp, r.timestamp, "message {i}: timestamp vs delivery report");
        if m.timestamp != 0 {
            assert_eq!(g.timestamp, m.timestamp, "explicit timestamp of message {i}");
        }
        let n = next.entry(g.partition).or_insert(0);
        assert_eq!(g.offset, *n, "partition {}: offsets in consumption order", g.partition);
        *n += 1;
    }
    // Per partition, the produce order.
    let mut order: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for g in got {
        order.entry(g.partition).or_default().push(seq_of(g));
    }
    for (p, seqs) in order {
        let mut sorted = seqs.clone();
        sorted.sort();
        assert_eq!(seqs, sorted, "partition {p}: not in produce order");
    }
}

/// One more call finds nothing.
fn assert_nothing_more(cons: Handle) {
    let (s, got, _) = consume_batch(cons, 1000, Caps::big(10));
    assert_eq!((s.code, got.len()), (0, 0), "expected nothing more: {} {:?}", s.text, got.first());
}

fn committed_of(cons: Handle, topic: &str, partition: i32) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (rc, off) = committed(cons, topic, partition);
        if rc == 0 {
            return off;
        }
        assert!(Instant::now() < deadline, "Committed: {rc}");
    }
}

// --------------------------------------------------------------- tests ----

/// Payloads of 0 B to 1 MiB, NUL bytes in keys, payloads and header values,
/// null vs empty keys, values and header values, duplicate header names,
/// explicit and default timestamps, explicit and chosen partitions: through
/// two ProduceBatch calls and ProduceWith in between, read back with
/// ConsumeBatch (7 per call) exactly, in partition order, at the partition
/// and offset each rich delivery report gave.
#[test]
fn mixed_sizes_nul_bytes_null_and_empty_round_trip_in_partition_order() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-mixed", 3, "max.message.bytes=3145728");
    let sizes = [0usize, 1, 2, 15, 100, 255, 1000, 4096, 65535, 65536, 300_000, 1 << 20];
    let keys: [Option<&[u8]>; 5] = [None, Some(b""), Some(b"k\0ey\0"), Some(b"\0"), Some(b"plain")];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = now_ms();
    let msgs: Vec<Msg> = (0..40)
        .map(|i| {
            let size = sizes[i % sizes.len()];
            let payload = if i % 13 == 5 { None } else { Some(rng.bytes(size)) };
            let mut headers = vec![h(b"seq", Some(i.to_string().as_bytes()))];
            match i % 4 {
                0 => headers.extend([h(b"bin", Some(b"\0a\0\0b\0")), h(b"nullv", None), h(b"empty", Some(b""))]),
                1 => headers.extend([h(b"dup", Some(b"1")), h(b"dup", Some(b"2")), h(b"dup", None)]),
                2 => headers.push(h("n\u{e9}\u{2192}".as_bytes(), Some(&rng.bytes(300)))),
                _ => {}
            }
            Msg {
                topic: topic.clone(),
                payload,
                key: keys[i % keys.len()].map(<[u8]>::to_vec),
                partition: if i % 7 == 3 { -1 } else { (i % 3) as i32 },
                timestamp: if i % 2 == 0 { 1_600_000_000_000 + 1000 * i as i64 } else { 0 },
                headers,
            }
        })
        .collect();

    let p = client(&[
        ("bootstrap.servers", &boot),
        ("message.max.bytes", "2097152"),
        ("batch.size", "2097152"),
        ("linger.ms", "5"),
    ]);
    let first = produce_batch(p, &msgs[..30]);
    assert_eq!(first.status.code, 0, "ProduceBatch: {}", first.status.text);
    let mut ids = first.ids.clone();
    assert!(first.statuses.iter().all(|&s| s == 0), "{:?}", first.statuses);
    for m in &msgs[30..34] {
        let (s, id) = produce_with(p, m);
        assert_eq!(s.code, 0, "ProduceWith: {}", s.text);
        ids.push(id);
    }
    let last = produce_batch(p, &msgs[34..]);
    assert_eq!(last.status.code, 0, "ProduceBatch: {}", last.status.text);
    ids.extend(&last.ids);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), msgs.len(), "ids not distinct: {ids:?}");

    let got = collect_delivery_reports(p, msgs.len(), Duration::from_secs(60));
    let t1 = now_ms();
    let by_id: HashMap<u64, Report> = got.iter().map(|r| (r.id, *r)).collect();
    assert_eq!((got.len(), by_id.len()), (msgs.len(), msgs.len()), "one report per message");
    let reports: Vec<Report> = ids.iter().map(|id| by_id[id]).collect();
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.status, 0, "message {i} failed: {}", r.status);
        if msgs[i].timestamp == 0 {
            assert!((t0 - 1000..=t1 + 1000).contains(&r.timestamp), "report timestamp {} of message {i}", r.timestamp);
        }
    }
    assert_eq!(uninit_producer(p), 0);

    let cons = consumer(&boot, &unique("batch-mixed-g"), &[&topic], &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut all = Vec::new();
    while all.len() < msgs.len() {
        assert!(Instant::now() < deadline, "only {} of {} within 60 s", all.len(), msgs.len());
        let (s, got, _) = consume_batch(cons, 500, Caps { count: 7, ..Caps::big(7) });
        assert_eq!(s.code, 0, "ConsumeBatch: {}", s.text);
        assert!(got.len() <= 7);
        all.extend(got);
    }
    assert_nothing_more(cons);
    assert_eq!(uninit_consumer(cons), 0);
    assert_same(&msgs, &reports, &all);
}

/// 100,000 messages of random sizes (keys, payloads and headers, with null
/// and empty ones), read with ConsumeBatch into random, mostly too small
/// buffers (topic table, payloads, keys, header bytes and lengths, count),
/// growing to the sizes announced on -304: every message exactly once,
/// intact, at contiguous offsets, and the group's committed offsets end at
/// each partition's end.
#[test]
fn consume_batch_too_small_loses_and_duplicates_nothing_over_100000_random_messages() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-random", 3, "");
    const N: usize = 100_000;
    let seed = std::env::var("BATCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_0009_u64);
    println!("seed {seed} (BATCH_SEED replays it)");
    let mut rng = Rng(seed);
    let msgs: Vec<Msg> = (0..N)
        .map(|i| {
            let size = if rng.below(25) == 0 { rng.below(20_000) } else { rng.below(300) } as usize;
            let payload = if rng.below(50) == 0 { None } else { Some(rng.bytes(size)) };
            let key = match rng.below(10) {
                0 => None,
                1 => Some(Vec::new()),
                _ => {
                    let n = rng.below(40) as usize;
                    Some(rng.bytes(n))
                }
            };
            let mut headers = vec![h(b"seq", Some(i.to_string().as_bytes()))];
            for j in 0..rng.below(4) {
                let n = rng.below(60) as usize;
                let value = if rng.below(6) == 0 { None } else { Some(rng.bytes(n)) };
                headers.push((format!("h{j}").into_bytes(), value));
            }
            Msg { topic: topic.clone(), payload, key, partition: -1, timestamp: 0, headers }
        })
        .collect();
    let p = client(&[("bootstrap.servers", &boot), ("linger.ms", "20")]);
    let t = Instant::now();
    let reports = produce_batches(p, &msgs, 5000);
    assert_eq!(uninit_producer(p), 0);
    println!("produced {N} in {:?}", t.elapsed());

    let cons = consumer(&boot, &unique("batch-random-g"), &[&topic], &[("enable.auto.commit", "false")]);
    let t = Instant::now();
    let (mut all, mut calls, mut too_small) = (Vec::with_capacity(N), 0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(120);
    while all.len() < N {
        assert!(Instant::now() < deadline, "only {} of {N} within 120 s", all.len());
        let pick = |rng: &mut Rng, choices: &[u32]| choices[rng.below(choices.len() as u64) as usize];
        let mut caps = Caps {
            count: 1 + rng.below(300) as i32,
            topics: pick(&mut rng, &[0, topic.len() as u32 - 1, topic.len() as u32, 4096]),
            payloads: rng.below(4000) as u32,
            keys: rng.below(200) as u32,
            hdata: rng.below(400) as u32,
            nhlens: rng.below(12) as i32,
        };
        let (s, got, out) = consume_batch(cons, 1000, caps);
        calls += 1;
        if s.code == -304 {
            too_small += 1;
            assert!(s.text.contains("kept"), "-304 text: {}", s.text);
            let grew = out.topics > caps.topics
                || out.payloads > caps.payloads
                || out.keys > caps.keys
                || out.hdata > caps.hdata
                || out.nhlens > caps.nhlens;
            assert!(grew, "-304 but nothing needs more than {caps:?}: {out:?}");
            caps = Caps {
                count: caps.count,
                topics: caps.topics.max(out.topics),
                payloads: caps.payloads.max(out.payloads),
                keys: caps.keys.max(out.keys),
                hdata: caps.hdata.max(out.hdata),
                nhlens: caps.nhlens.max(out.nhlens),
            };
            let (s, got, _) = consume_batch(cons, 1000, caps);
            calls += 1;
            assert_eq!(s.code, 0, "ConsumeBatch with the sizes announced: {}", s.text);
            assert!(!got.is_empty(), "the kept message did not come with the sizes it announced");
            all.extend(got);
            continue;
        }
        assert_eq!(s.code, 0, "ConsumeBatch: {}", s.text);
        all.extend(got);
    }
    println!("consumed {N} in {:?}: {calls} calls, {too_small} too small", t.elapsed());
    assert_nothing_more(cons);
    assert_same(&msgs, &reports, &all);

    // Only handed-out messages count as consumed: all of them by now.
    let rc = unsafe { Commit(cons, std::ptr::null_mut()) };
    assert!(rc == 0 || rc == -168, "Commit: {rc}");
    for part in 0..3 {
        let end = all.iter().filter(|g| g.partition == part).count() as i64;
        assert_eq!(committed_of(cons, &topic, part), end, "committed offset of partition {part}");
    }
    assert_eq!(uninit_consumer(cons), 0);
}

/// A message kept because it did not fit is not counted as consumed: the
/// group commits the offset before it (ConsumeBatch and ConsumeWith both
/// keep it), and whichever call hands it out next (here the Dyalog
/// `Consume`) moves the committed offset past it.
#[test]
fn kept_message_is_not_committed_until_handed_out() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-kept", 1, "");
    let sizes = [10usize, 5000, 10, 10];
    let msgs: Vec<Msg> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| Msg {
            topic: topic.clone(),
            payload: Some(vec![b'a' + i as u8; n]),
            key: Some(format!("k{i}").into_bytes()),
            partition: 0,
            timestamp: 0,
            headers: vec![h(b"seq", Some(i.to_string().as_bytes()))],
        })
        .collect();
    let p = producer(&boot);
    produce_batches(p, &msgs, 10);
    assert_eq!(uninit_producer(p), 0);

    let cons = consumer(&boot, &unique("batch-kept-g"), &[&topic], &[("enable.auto.commit", "false")]);
    let small = Caps { payloads: 100, ..Caps::big(10) };
    // The first message alone fits; wait until the big one is next.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut first = Vec::new();
    let needed = loop {
        assert!(Instant::now() < deadline, "the big message never came");
        let (s, got, out) = consume_batch(cons, 500, small);
        match s.code {
            0 => first.extend(got),
            -304 => break out,
            code => panic!("ConsumeBatch: {code} {}", s.text),
        }
    };
    assert_eq!(first.iter().map(seq_of).collect::<Vec<_>>(), vec![0], "before the big one");
    assert_eq!(needed.payloads, 5000, "payload bytes needed: {needed:?}");
    let commit = || unsafe { Commit(cons, std::ptr::null_mut()) };
    assert_eq!(commit(), 0);
    assert_eq!(committed_of(cons, &topic, 0), 1, "committed while message 1 is kept");
    // ConsumeWith keeps it too.
    let (s, _, lens) = consume_with_all(cons, 500, (256, 100, 64, 256, 16));
    assert_eq!((s.code, lens.1), (-304, 5000), "ConsumeWith: {}", s.text);
    let rc = commit();
    assert!(rc == 0 || rc == -168, "Commit: {rc}");
    assert_eq!(committed_of(cons, &topic, 0), 1, "committed after ConsumeWith kept it");
    // The Dyalog Consume hands it out.
    let (s, m, _) = consume_with(cons, (256, 8192, 256));
    assert_eq!(s.code, 0, "Consume: {}", s.text);
    let m = m.unwrap();
    assert_eq!((m.offset, m.payload.len()), (1, 5000));
    assert_eq!(commit(), 0);
    assert_eq!(committed_of(cons, &topic, 0), 2, "committed once handed out");
    let rest = consume_batch_n(cons, 2, Duration::from_secs(20));
    assert_eq!(rest.iter().map(|g| g.offset).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(commit(), 0);
    assert_eq!(committed_of(cons, &topic, 0), 4);
    assert_eq!(uninit_consumer(cons), 0);
}

/// ours -> kcat: headers and explicit timestamps from ProduceBatch, read by
/// kcat at the partitions and offsets the rich reports gave. kcat -> ours:
/// kcat's headers (-H) read with ConsumeWith (first with no room: -304 and
/// the sizes), its create-time timestamps in the window of the run.
#[test]
fn headers_and_timestamps_round_trip_with_kcat_both_ways() {
    let boot = broker!();
    require("kcat", &["-V"], "apt-get install -y kcat");
    let (mine, theirs) = (new_topic(&boot, "hdr-kcat-reads", 2, ""), new_topic(&boot, "hdr-kcat-writes", 1, ""));

    // kcat -f prints headers as name=value CSV: text values, no ',' or '='.
    let msgs: Vec<Msg> = (0..6)
        .map(|i| Msg {
            topic: mine.clone(),
            payload: Some(format!("value {i}").into_bytes()),
            key: Some(format!("key{i}").into_bytes()),
            partition: i % 2,
            timestamp: 1_650_000_000_000 + 37 * i as i64,
            headers: vec![h(b"seq", Some(i.to_string().as_bytes())), h(b"trace", Some(format!("t-{i}").as_bytes()))],
        })
        .collect();
    let p = producer(&boot);
    let reports = produce_batches(p, &msgs, 6);
    assert_eq!(uninit_producer(p), 0);
    let mut cmd = Command::new("kcat");
    cmd.args(["-b", &boot, "-t", &mine, "-C", "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%T\t%h\t%k\t%s\n"]);
    let o = run_with_timeout(cmd, None, Duration::from_secs(30));
    assert!(o.status.success(), "kcat -C: {}", text(&o.stderr));
    let lines: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), msgs.len(), "kcat read:\n{}", text(&o.stdout));
    for (i, (m, r)) in msgs.iter().zip(&reports).enumerate() {
        let want = format!("{}\t{}\t{}\tseq={i},trace=t-{i}\tkey{i}\tvalue {i}", r.partition, r.offset, m.timestamp);
        assert!(lines.contains(&want), "kcat did not print {want:?}:\n{}", lines.join("\n"));
    }

    let before = now_ms();
    let mut cmd = Command::new("kcat");
    cmd.args(["-b", &boot, "-t", &theirs, "-P", "-q", "-K", "\t", "-H", "trace=abc", "-H", "empty=", "-H", "n2=x y"]);
    let o = run_with_timeout(cmd, Some(b"k1\tfrom kcat 1\nk2\tfrom kcat 2\n".to_vec()), Duration::from_secs(30));
    assert!(o.status.success(), "kcat -P: {}", text(&o.stderr));
    let after = now_ms();
    let cons = consumer(&boot, &unique("hdr-kcat-g"), &[&theirs], &[]);
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < 2 {
        assert!(Instant::now() < deadline, "ours read {} of kcat's 2", got.len());
        let (s, _, needed) = consume_with_all(cons, 500, (0, 0, 0, 0, 0));
        match s.code {
            1 => continue,
            -304 => {}
            code => panic!("ConsumeWith with no room: {code} {}", s.text),
        }
        let (s, m, lens) = consume_with_all(cons, 500, needed);
        assert_eq!(s.code, 0, "ConsumeWith with the sizes announced {needed:?}: {}", s.text);
        assert_eq!(lens, needed, "the message has the sizes announced");
        got.push(m.unwrap());
    }
    for (i, g) in got.iter().enumerate() {
        assert_eq!((g.topic.as_str(), g.partition, g.offset), (theirs.as_str(), 0, i as i64));
        assert_eq!(g.key.as_deref(), Some(format!("k{}", i + 1).as_bytes()));
        assert_eq!(g.payload.as_deref(), Some(format!("from kcat {}", i + 1).as_bytes()));
        assert_eq!(
            g.headers,
            vec![h(b"trace", Some(b"abc")), h(b"empty", Some(b"")), h(b"n2", Some(b"x y"))],
            "kcat's headers"
        );
        assert_eq!(g.tstype, 1, "create time");
        assert!((before - 1000..=after + 1000).contains(&g.timestamp), "timestamp {} not in the run", g.timestamp);
    }
    assert_eq!(uninit_consumer(cons), 0);
}

/// ours -> confluent-kafka: binary header values (NUL bytes), null and empty
/// header values, duplicate names, null and empty keys and values, explicit
/// timestamps; confluent-kafka -> ours: the same kinds of fields with its
/// timestamps, read with ConsumeBatch at the offsets its reports gave.
#[test]
fn headers_and_timestamps_round_trip_with_confluent_kafka_both_ways() {
    let boot = broker!();
    require("python3", &["-c", "import confluent_kafka"], "pip install confluent-kafka");
    let (mine, theirs) = (new_topic(&boot, "hdr-ck-reads", 3, ""), new_topic(&boot, "hdr-ck-writes", 3, ""));
    let mut rng = Rng(77);
    let fields: Vec<(Option<Vec<u8>>, Option<Vec<u8>>, Vec<Hdr>)> = (0..12)
        .map(|i| {
            let key = match i % 4 {
                0 => None,
                1 => Some(Vec::new()),
                _ => Some(rng.bytes(1 + i)),
            };
            let value = match i % 5 {
                0 => None,
                1 => Some(Vec::new()),
                _ => Some(rng.bytes(10 * i)),
            };
            let mut hs = vec![h(b"seq", Some(i.to_string().as_bytes()))];
            match i % 3 {
                0 => hs.extend([h(b"bin", Some(b"\0\x01\0")), h(b"nullv", None), h(b"empty", Some(b""))]),
                1 => hs.extend([h(b"dup", Some(b"x")), h(b"dup", Some(b"y"))]),
                _ => {}
            }
            (key, value, hs)
        })
        .collect();

    // Ours -> confluent-kafka.
    let msgs: Vec<Msg> = fields
        .iter()
        .enumerate()
        .map(|(i, (k, v, hs))| Msg {
            topic: mine.clone(),
            payload: v.clone(),
            key: k.clone(),
            partition: (i % 3) as i32,
            timestamp: 1_700_000_000_000 + i as i64,
            headers: hs.clone(),
        })
        .collect();
    let p = producer(&boot);
    let reports = produce_batches(p, &msgs, 12);
    assert_eq!(uninit_producer(p), 0);
    let o = headers_py(&["consume", &boot, &mine, "30"], None);
    let mut seen: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    let mut want: Vec<String> = msgs
        .iter()
        .zip(&reports)
        .map(|(m, r)| {
            format!(
                "{} {} 1 {} {} {} {}",
                r.partition,
                r.offset,
                m.timestamp,
                hex(m.key.as_deref()),
                hex(m.payload.as_deref()),
                hex_headers(&m.headers)
            )
        })
        .collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "confluent-kafka read differently what ours produced");

    // confluent-kafka -> ours.
    let input: String = fields
        .iter()
        .enumerate()
        .map(|(i, (k, v, hs))| {
            let partition = if i % 4 == 3 { -1 } else { (i % 3) as i32 };
            let ts = if i % 2 == 0 { 1_710_000_000_000 + i as i64 } else { 0 };
            format!("{partition} {ts} {} {} {}\n", hex(k.as_deref()), hex(v.as_deref()), hex_headers(hs))
        })
        .collect();
    let before = now_ms();
    let o = headers_py(&["produce", &boot, &theirs], Some(input.into_bytes()));
    let after = now_ms();
    let delivered: Vec<(i32, i64, i64)> = text(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<i64> = l.split(' ').map(|x| x.parse().unwrap()).collect();
            (f[0] as i32, f[1], f[2])
        })
        .collect();
    assert_eq!(delivered.len(), fields.len());
    let cons = consumer(&boot, &unique("hdr-ck-g"), &[&theirs], &[]);
    let got = consume_batch_n(cons, fields.len(), Duration::from_secs(30));
    assert_nothing_more(cons);
    assert_eq!(uninit_consumer(cons), 0);
    assert_eq!(got.len(), fields.len());
    for g in &got {
        let i = seq_of(g);
        let (k, v, hs) = &fields[i];
        let (dp, doff, dts) = delivered[i];
        assert_eq!((g.partition, g.offset), (dp, doff), "message {i}: where confluent-kafka's report put it");
        assert_eq!((&g.key, &g.payload, &g.headers), (k, v, hs), "message {i} from confluent-kafka");
        assert_eq!((g.tstype, g.timestamp), (1, dts), "message {i}: timestamp");
        if i % 2 == 0 {
            assert_eq!(g.timestamp, 1_710_000_000_000 + i as i64);
        } else {
            assert!((before - 1000..=after + 1000).contains(&g.timestamp));
        }
    }
}

/// Rich reports and the Dyalog DeliveryReport share one queue: 3000
/// messages, reports taken alternately by both, each exactly once; the
/// partition and offset of every rich report are where a consumer finds
/// the message.
#[test]
fn delivery_reports_agree_with_the_consumer_and_share_the_queue() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-reports", 3, "");
    let msgs: Vec<Msg> = (0..3000)
        .map(|i| Msg {
            topic: topic.clone(),
            payload: Some(format!("payload {i}").into_bytes()),
            key: Some(format!("key{}", i % 17).into_bytes()),
            partition: -1,
            timestamp: 0,
            headers: vec![h(b"seq", Some(i.to_string().as_bytes()))],
        })
        .collect();
    let p = producer(&boot);
    let mut ids = Vec::new();
    for chunk in msgs.chunks(1000) {
        let out = produce_batch(p, chunk);
        assert_eq!(out.status.code, 0, "{}", out.status.text);
        ids.extend(out.ids);
    }
    let (mut rich, mut plain): (HashMap<u64, Report>, HashMap<u64, i32>) = (HashMap::new(), HashMap::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut turn = 0;
    while rich.len() + plain.len() < msgs.len() {
        assert!(Instant::now() < deadline, "{} + {} reports of {}", rich.len(), plain.len(), msgs.len());
        turn += 1;
        if turn % 2 == 0 {
            let (s, got) = delivery_reports(p, 97, 100);
            assert_eq!(s.code, 0, "{}", s.text);
            for r in got {
                assert!(!plain.contains_key(&r.id) && rich.insert(r.id, r).is_none(), "report {} twice", r.id);
            }
        } else {
            let (rc, got) = reports(p, 89);
            assert_eq!(rc, 0);
            for (id, st) in got {
                assert!(!rich.contains_key(&id) && plain.insert(id, st).is_none(), "report {id} twice");
            }
        }
    }
    assert!(!rich.is_empty() && !plain.is_empty(), "both calls served reports");
    assert!(rich.values().all(|r| r.status == 0) && plain.values().all(|&s| s == 0));
    assert_eq!(delivery_reports(p, 10, 0).1.len(), 0, "no report left");
    assert_eq!(uninit_producer(p), 0);

    let cons = consumer(&boot, &unique("batch-reports-g"), &[&topic], &[]);
    let got = consume_batch_n(cons, msgs.len(), Duration::from_secs(60));
    assert_eq!(uninit_consumer(cons), 0);
    assert_eq!(got.len(), msgs.len());
    let mut checked = 0;
    for g in &got {
        let id = ids[seq_of(g)];
        if let Some(r) = rich.get(&id) {
            assert_eq!((g.partition, g.offset, g.timestamp), (r.partition, r.offset, r.timestamp), "message id {id}");
            checked += 1;
        }
    }
    assert_eq!(checked, rich.len());
}

/// A batch where message 2 names partition 7 of a 3-partition topic and
/// message 5 is 2 MiB, above the producer's message.max.bytes: exactly
/// those two are refused (-190 and 10, id 0), the status is the first
/// refusal's with a text naming the count, and the other 8 go in, in order.
#[test]
fn batch_with_refused_messages_reports_exactly_those_positions() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-refused", 3, "");
    let p = client(&[("bootstrap.servers", &boot), ("message.max.bytes", "1048588"), ("linger.ms", "5")]);
    // Metadata first, so that the partition count is known at enqueue.
    let warm = Msg {
        topic: topic.clone(),
        payload: Some(b"warm".to_vec()),
        partition: 0,
        headers: vec![h(b"seq", Some(b"100"))],
        ..Msg::default()
    };
    produce_batches(p, &[warm], 1);

    let msgs: Vec<Msg> = (0..10)
        .map(|i| Msg {
            topic: topic.clone(),
            payload: Some(if i == 5 { vec![7u8; 2 << 20] } else { format!("m{i}").into_bytes() }),
            key: Some(b"k".to_vec()),
            partition: if i == 2 { 7 } else { 1 },
            timestamp: 0,
            headers: vec![h(b"seq", Some(i.to_string().as_bytes()))],
        })
        .collect();
    let out = produce_batch(p, &msgs);
    println!("ProduceBatch: {} {:?}", out.status.code, out.status.text);
    let mut want = vec![0; 10];
    want[2] = -190;
    want[5] = 10;
    assert_eq!(out.statuses, want, "per-message statuses");
    assert_eq!(out.status.code, -190, "the first refusal's status");
    assert!(out.status.text.contains("2 of 10"), "text: {}", out.status.text);
    for (i, id) in out.ids.iter().enumerate() {
        assert_eq!(*id == 0, want[i] != 0, "id of message {i}: {id}");
    }
    let good: Vec<u64> = out.ids.iter().copied().filter(|&id| id != 0).collect();
    let got = collect_delivery_reports(p, good.len(), Duration::from_secs(30));
    assert_eq!(got.iter().map(|r| r.id).collect::<HashSet<_>>(), good.iter().copied().collect::<HashSet<_>>());
    assert!(got.iter().all(|r| r.status == 0 && r.partition == 1));
    assert_eq!(delivery_reports(p, 10, 300).1.len(), 0, "no report for a refused message");
    assert_eq!(uninit_producer(p), 0);

    let cons = consumer(&boot, &unique("batch-refused-g"), &[&topic], &[]);
    let got = consume_batch_n(cons, 9, Duration::from_secs(30));
    assert_nothing_more(cons);
    assert_eq!(uninit_consumer(cons), 0);
    let mut order: Vec<usize> = got.iter().filter(|g| g.partition == 1).map(seq_of).collect();
    assert_eq!(order, vec![0, 1, 3, 4, 6, 7, 8, 9], "partition 1 holds the accepted ones, in order");
    order = got.iter().filter(|g| g.partition != 1).map(seq_of).collect();
    assert_eq!(order, vec![100], "only the warm-up message elsewhere");
}

/// Bad input on each of the five exports: a clear status (-300 bad handle,
/// -301 invalid argument) and a text naming what is wrong, nothing
/// enqueued or consumed, and the handles still work afterwards.
#[test]
fn bad_input_on_every_batch_export_gives_a_status_and_a_text() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-bad", 1, "");
    let p = producer(&boot);
    // A producer for real (a handle that never produced is neither kind).
    let warm = Msg {
        topic: topic.clone(),
        payload: Some(b"warm".to_vec()),
        headers: vec![h(b"seq", Some(b"0"))],
        partition: -1,
        ..Msg::default()
    };
    let warm = produce_batches(p, &[warm], 1);
    let cons = consumer(&boot, &unique("batch-bad-g"), &[&topic], &[]);
    let null = std::ptr::null::<libc::c_char>();
    let t = c(&topic);
    let two = c(&format!("{topic}\n{topic}"));
    let data = b"abcdef";
    let d = data.as_ptr() as *const libc::c_char;
    let (mut ids, mut sts) = ([0u64; 4], [0i32; 4]);
    let (lens3, lens_neg, lens_long) = ([1i32, 2, 3], [1i32, -2, 3], [1i32, 2, 30]);

    // ProduceBatch: (what, handle, topics, count, payloads, paylens, keylens, npartitions, hcounts, hlens, hdata, outputs).
    type Pb<'a> = (
        &'a str,
        Handle,
        *const libc::c_char,
        i32,
        *const libc::c_char,
        *const i32,
        *const i32,
        i32,
        *const i32,
        *const i32,
        *const libc::c_char,
        bool,
    );
    let hc_one = [1i32, 0, 0];
    let hl_nul = [3i32, 1];
    let hname = b"a\0bv";
    let bad_handle = 12345usize as Handle;
    let cases: Vec<(Pb, i32, &str)> = vec![
        (
            (
                "null handle",
                std::ptr::null_mut(),
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -300,
            "",
        ),
        (
            (
                "stale handle",
                bad_handle,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -300,
            "",
        ),
        (
            (
                "consumer handle",
                cons,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -300,
            "",
        ),
        (
            (
                "NULL topics",
                p,
                null,
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "topics",
        ),
        (
            (
                "2 names for 3",
                p,
                two.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "names",
        ),
        (
            (
                "negative count",
                p,
                t.as_ptr(),
                -1,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "count",
        ),
        (
            (
                "NULL paylens",
                p,
                t.as_ptr(),
                3,
                d,
                std::ptr::null(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "paylens",
        ),
        (
            (
                "length -2",
                p,
                t.as_ptr(),
                3,
                d,
                lens_neg.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "-2",
        ),
        (
            (
                "NULL payloads",
                p,
                t.as_ptr(),
                3,
                null,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "payloads",
        ),
        (
            (
                "keys NULL with lengths",
                p,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                lens3.as_ptr(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "keys",
        ),
        (
            (
                "npartitions 2",
                p,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                2,
                std::ptr::null(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "npartitions",
        ),
        (
            (
                "hlens NULL",
                p,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                hc_one.as_ptr(),
                std::ptr::null(),
                null,
                true,
            ),
            -301,
            "hlens",
        ),
        (
            (
                "NUL in a header name",
                p,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                hc_one.as_ptr(),
                hl_nul.as_ptr(),
                hname.as_ptr() as *const libc::c_char,
                true,
            ),
            -301,
            "NUL",
        ),
        (
            (
                "NULL outputs",
                p,
                t.as_ptr(),
                3,
                d,
                lens3.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
                null,
                false,
            ),
            -301,
            "msgids",
        ),
    ];
    for ((what, hd, topics, count, pays, plens, klens, np, hcounts, hlens, hdata, outputs), code, word) in cases {
        let s = with_text(|e, l| unsafe {
            let (ip, sp) = if outputs {
                (ids.as_mut_ptr(), sts.as_mut_ptr())
            } else {
                (std::ptr::null_mut(), std::ptr::null_mut())
            };
            ProduceBatch(
                hd,
                topics,
                count,
                pays,
                plens,
                null,
                klens,
                std::ptr::null(),
                np,
                std::ptr::null(),
                hcounts,
                hdata,
                hlens,
                ip,
                sp,
                e,
                l,
            )
        });
        assert_eq!(s.code, code, "ProduceBatch, {what}: {}", s.text);
        assert!(!s.text.is_empty(), "ProduceBatch, {what}: no text");
        assert!(s.text.contains(word), "ProduceBatch, {what}: {:?} does not mention {word:?}", s.text);
    }
    // Lengths running past the data given cannot be checked (the caller
    // gives no size), but -2 and overflow are caught; a payload longer than
    // the lengths' sum is simply not read past.
    let _ = lens_long;

    // ProduceWith.
    let hl = [1i32, 1];
    for (what, hd, topic, pay, plen, nh, hlens, code, word) in [
        ("consumer handle", cons, t.as_ptr(), d, 3, 0, std::ptr::null(), -300, ""),
        ("NULL topic", p, null, d, 3, 0, std::ptr::null(), -301, "topic"),
        ("paylen -2", p, t.as_ptr(), d, -2, 0, std::ptr::null(), -301, "-2"),
        ("NULL payload with length", p, t.as_ptr(), null, 3, 0, std::ptr::null(), -301, "payload"),
        ("nheaders -1", p, t.as_ptr(), d, 3, -1, hl.as_ptr(), -301, "nheaders"),
        ("hlens NULL", p, t.as_ptr(), d, 3, 1, std::ptr::null(), -301, "hlens"),
    ] {
        let mut id = 0u64;
        let s = with_text(|e, l| unsafe {
            ProduceWith(hd, topic, pay, plen, null, -1, -1, 0, nh, d, hlens, &mut id, e, l)
        });
        assert_eq!(s.code, code, "ProduceWith, {what}: {}", s.text);
        assert!(s.text.contains(word) && !s.text.is_empty(), "ProduceWith, {what}: {:?}", s.text);
    }

    // DeliveryReports.
    let (mut rid, mut rst) = ([0u64; 4], [0i32; 4]);
    let mut n: i32;
    for (what, hd, count_ptr, with_ids, timeout, code, word) in [
        ("consumer handle", cons, true, true, 0, -300, ""),
        ("NULL count", p, false, true, 0, -301, "count"),
        ("NULL msgids", p, true, false, 0, -301, "msgids"),
        ("negative timeout", p, true, true, -5, -301, "timeout"),
    ] {
        n = 4;
        let s = with_text(|e, l| unsafe {
            DeliveryReports(
                hd,
                timeout,
                if with_ids { rid.as_mut_ptr() } else { std::ptr::null_mut() },
                rst.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                if count_ptr { &mut n } else { std::ptr::null_mut() },
                e,
                l,
            )
        });
        assert_eq!(s.code, code, "DeliveryReports, {what}: {}", s.text);
        assert!(s.text.contains(word) && !s.text.is_empty(), "DeliveryReports, {what}: {:?}", s.text);
    }
    n = -1;
    let s = with_text(|e, l| unsafe {
        DeliveryReports(
            p,
            0,
            rid.as_mut_ptr(),
            rst.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut n,
            e,
            l,
        )
    });
    assert_eq!(s.code, -301, "DeliveryReports, *count -1: {}", s.text);

    // ConsumeBatch: NULL count, *count -1, NULL topicslen, payload buffer
    // NULL with a capacity, negative timeout, a producer handle.
    let mut names = [0u8; 64];
    let mut pays = [0u8; 64];
    let (mut plens, mut idx) = ([0i32; 4], [0i32; 4]);
    for (what, hd, timeout, count, topicslen_ok, pay_ok, code, word) in [
        ("producer handle", p, 0, 4, true, true, -300, ""),
        ("NULL count", cons, 0, i32::MIN, true, true, -301, "count"),
        ("*count -1", cons, 0, -1, true, true, -301, "count"),
        ("NULL topicslen", cons, 0, 4, false, true, -301, "topicslen"),
        ("NULL payloads with a capacity", cons, 0, 4, true, false, -301, "payloads"),
        ("negative timeout", cons, -1, 4, true, true, -301, "timeout"),
    ] {
        let (mut tl, mut pl, mut cnt) = (64u32, 64u32, count);
        let s = with_text(|e, l| unsafe {
            ConsumeBatch(
                hd,
                timeout,
                names.as_mut_ptr() as *mut libc::c_char,
                if topicslen_ok { &mut tl } else { std::ptr::null_mut() },
                idx.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                if pay_ok { pays.as_mut_ptr() as *mut libc::c_char } else { std::ptr::null_mut() },
                &mut pl,
                plens.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                if count == i32::MIN { std::ptr::null_mut() } else { &mut cnt },
                e,
                l,
            )
        });
        assert_eq!(s.code, code, "ConsumeBatch, {what}: {}", s.text);
        assert!(s.text.contains(word) && !s.text.is_empty(), "ConsumeBatch, {what}: {:?}", s.text);
    }

    // ConsumeWith: a producer handle, NULL length pointers, negative
    // capacities, negative timeout.
    for (what, hd, timeout, null_arg, neg_paylen, code, word) in [
        ("producer handle", p, 0, "", false, -300, ""),
        ("NULL topiclen", cons, 0, "topiclen", false, -301, "topiclen"),
        ("NULL paylen", cons, 0, "paylen", false, -301, "paylen"),
        ("NULL hdatalen", cons, 0, "hdatalen", false, -301, "hdatalen"),
        ("NULL nhlens", cons, 0, "nhlens", false, -301, "nhlens"),
        ("*paylen -3", cons, 0, "", true, -301, "paylen"),
        ("negative timeout", cons, -2, "", false, -301, "timeout"),
    ] {
        let (mut tl, mut pl, mut kl, mut dl, mut nl) = (64u32, if neg_paylen { -3 } else { 64i32 }, 64i32, 0u32, 0i32);
        let mut buf = [0u8; 64];
        let mut kb = [0u8; 64];
        let (mut part, mut off, mut ts, mut tt, mut nh) = (0i32, 0i64, 0i64, 0i32, 0i32);
        let s = with_text(|e, l| unsafe {
            ConsumeWith(
                hd,
                timeout,
                names.as_mut_ptr() as *mut libc::c_char,
                if null_arg == "topiclen" { std::ptr::null_mut() } else { &mut tl },
                buf.as_mut_ptr() as *mut libc::c_char,
                if null_arg == "paylen" { std::ptr::null_mut() } else { &mut pl },
                kb.as_mut_ptr() as *mut libc::c_char,
                &mut kl,
                &mut part,
                &mut off,
                &mut ts,
                &mut tt,
                &mut nh,
                std::ptr::null_mut(),
                if null_arg == "hdatalen" { std::ptr::null_mut() } else { &mut dl },
                std::ptr::null_mut(),
                if null_arg == "nhlens" { std::ptr::null_mut() } else { &mut nl },
                e,
                l,
            )
        });
        assert_eq!(s.code, code, "ConsumeWith, {what}: {}", s.text);
        assert!(s.text.contains(word) && !s.text.is_empty(), "ConsumeWith, {what}: {:?}", s.text);
    }

    // Nothing was enqueued by the refused calls; both handles still work.
    let mut inflight = -1;
    assert_eq!(unsafe { Flush(p, 5000, &mut inflight) }, 0);
    assert_eq!((inflight, delivery_reports(p, 10, 0).1.len()), (0, 0), "a refused call enqueued something");
    let ok = Msg {
        topic: topic.clone(),
        payload: Some(b"after".to_vec()),
        headers: vec![h(b"seq", Some(b"1"))],
        partition: -1,
        ..Msg::default()
    };
    let reports = produce_batches(p, &[ok], 1);
    let got = consume_batch_n(cons, 2, Duration::from_secs(30));
    let seen: Vec<(Option<&[u8]>, i64)> = got.iter().map(|g| (g.payload.as_deref(), g.offset)).collect();
    assert_eq!(seen, vec![(Some(&b"warm"[..]), warm[0].offset), (Some(&b"after"[..]), reports[0].offset)]);
    assert_nothing_more(cons);
    assert_eq!(uninit_producer(p), 0);
    assert_eq!(uninit_consumer(cons), 0);
}

/// Columns a caller leaves NULL are not wanted (the header says so): a
/// message with a key and headers still comes, into the columns given,
/// when keys and headers are not asked for.
#[test]
fn consume_batch_skips_columns_not_asked_for() {
    let boot = broker!();
    let topic = new_topic(&boot, "batch-partial", 1, "");
    let m = Msg {
        topic: topic.clone(),
        payload: Some(b"payload only".to_vec()),
        key: Some(b"a key".to_vec()),
        partition: 0,
        timestamp: 0,
        headers: vec![h(b"seq", Some(b"0")), h(b"other", Some(b"v"))],
    };
    let p = producer(&boot);
    produce_batches(p, &[m], 1);
    assert_eq!(uninit_producer(p), 0);
    let cons = consumer(&boot, &unique("batch-partial-g"), &[&topic], &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut names, mut pays) = ([0u8; 256], [0u8; 256]);
    let (mut plens, mut offs) = ([0i32; 4], [0i64; 4]);
    loop {
        assert!(Instant::now() < deadline, "nothing within 20 s");
        let (mut tl, mut pl, mut n) = (256u32, 256u32, 4i32);
        let null = std::ptr::null_mut();
        let s = with_text(|e, l| unsafe {
            ConsumeBatch(
                cons,
                500,
                names.as_mut_ptr() as *mut libc::c_char,
                &mut tl,
                null,
                null,
                offs.as_mut_ptr(),
                std::ptr::null_mut(),
                null,
                pays.as_mut_ptr() as *mut libc::c_char,
                &mut pl,
                plens.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                null,
                null,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                null,
                null,
                &mut n,
                e,
                l,
            )
        });
        assert_eq!(s.code, 0, "ConsumeBatch with keys and headers not asked for: {}", s.text);
        if n == 0 {
            continue;
        }
        assert_eq!((n, plens[0], &pays[..pl as usize], offs[0]), (1, 12, &b"payload only"[..], 0));
        break;
    }
    assert_eq!(uninit_consumer(cons), 0);
}
