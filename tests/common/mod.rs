//! Test helpers: thin safe wrappers over the exported C functions, so test
//! bodies read as what they check. Every call goes through the same
//! `extern "C"` functions that kafka.so exports.
#![allow(dead_code)]

use std::ffi::{c_void, CString};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

pub use kafka::ffi::config::*;
pub use kafka::ffi::consumer::*;
#[allow(unused_imports)]
pub use kafka::ffi::describe::*;
pub use kafka::ffi::mock_cluster::*;
pub use kafka::ffi::partition_list::*;
pub use kafka::ffi::producer::*;

pub type Handle = *mut c_void;

pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A status with the error text the call wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: i32,
    pub text: String,
}

pub struct TextBuf {
    pub buf: Vec<u8>,
    pub len: i32,
}

impl TextBuf {
    pub fn new(capacity: usize) -> Self {
        TextBuf { buf: vec![0xAA; capacity], len: capacity as i32 }
    }
    pub fn ptr(&mut self) -> *mut libc::c_char {
        self.buf.as_mut_ptr() as *mut libc::c_char
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf[..self.len.max(0) as usize]).into_owned()
    }
}

/// Runs `f(errtxt, plen)` with a fresh 512-byte error buffer.
pub fn with_text(f: impl FnOnce(*mut libc::c_char, *mut i32) -> i32) -> Status {
    let mut t = TextBuf::new(512);
    let ptr = t.ptr();
    let code = f(ptr, &mut t.len);
    Status { code, text: t.text() }
}

pub fn init() -> Handle {
    let mut h = null_mut();
    assert_eq!(unsafe { InitKafka(&mut h) }, 0);
    h
}

pub fn set_conf(h: Handle, key: &str, val: &str) -> Status {
    let (k, v) = (c(key), c(val));
    with_text(|t, l| unsafe { SetKafkaConf(h, k.as_ptr(), v.as_ptr(), t, l) })
}

/// A client handle with every setting applied (panics on a refused one).
pub fn client(settings: &[(&str, &str)]) -> Handle {
    let h = init();
    for (k, v) in settings {
        let s = set_conf(h, k, v);
        assert_eq!(s.code, 0, "{k}={v}: {}", s.text);
    }
    h
}

pub fn produce(h: Handle, topic: &str, payload: Option<&[u8]>, key: Option<&[u8]>, partition: i32) -> (Status, u64) {
    let t = c(topic);
    let mut id = 0u64;
    let (pp, pl) = payload.map_or((std::ptr::null(), 0), |p| (p.as_ptr() as *const libc::c_char, p.len() as u32));
    let (kp, kl) = key.map_or((std::ptr::null(), 0), |k| (k.as_ptr() as *const libc::c_char, k.len() as u32));
    let s = with_text(|e, l| unsafe { Produce(h, t.as_ptr(), pp, pl, kp, kl, partition, &mut id, e, l) });
    (s, id)
}

/// Produces one keyed text message and asserts it was enqueued.
pub fn produce_ok(h: Handle, topic: &str, payload: &str, key: &str) -> u64 {
    let (s, id) = produce(h, topic, Some(payload.as_bytes()), Some(key.as_bytes()), -1);
    assert_eq!(s.code, 0, "Produce: {}", s.text);
    id
}

/// One `DeliveryReport` call with room for `max` reports.
pub fn reports(h: Handle, max: usize) -> (i32, Vec<(u64, i32)>) {
    let mut ids = vec![0u64; max];
    let mut errs = vec![0i32; max];
    let mut n = max as i32;
    let rc = unsafe { DeliveryReport(h, ids.as_mut_ptr() as *mut libc::c_ulonglong, errs.as_mut_ptr(), &mut n) };
    (rc, ids.into_iter().zip(errs).take(n.max(0) as usize).collect())
}

/// Collects reports until `count` have arrived (or `limit` passes).
pub fn collect_reports(h: Handle, count: usize, limit: Duration) -> Vec<(u64, i32)> {
    let deadline = Instant::now() + limit;
    let mut all = Vec::new();
    while all.len() < count && Instant::now() < deadline {
        let (rc, batch) = reports(h, 100);
        assert_eq!(rc, 0);
        all.extend(batch);
    }
    all
}

pub fn topic_list(entries: &[(&str, i32)]) -> Handle {
    let mut list = null_mut();
    assert_eq!(unsafe { NewTopicPartitionList(&mut list) }, 0);
    for (topic, partition) in entries {
        let t = c(topic);
        assert_eq!(unsafe { SetTopicPartitionList(list, t.as_ptr(), *partition) }, 0);
    }
    list
}

pub fn subscribe(h: Handle, topics: &[&str]) -> Status {
    let entries: Vec<(&str, i32)> = topics.iter().map(|t| (*t, 0)).collect();
    let list = topic_list(&entries);
    with_text(|e, l| unsafe { SubscribeConsumerTPList(h, list, e, l) })
}

/// A group consumer subscribed to `topics`, reading from the start.
pub fn consumer(bootstrap: &str, group: &str, topics: &[&str], extra: &[(&str, &str)]) -> Handle {
    let mut settings = vec![("bootstrap.servers", bootstrap), ("group.id", group), ("auto.offset.reset", "earliest")];
    settings.extend_from_slice(extra);
    let h = client(&settings);
    let s = subscribe(h, topics);
    assert_eq!(s.code, 0, "subscribe: {}", s.text);
    h
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    pub key: Vec<u8>,
    pub partition: i32,
    pub offset: i64,
}

/// One `Consume` call with the given buffer capacities.
pub fn consume_with(h: Handle, caps: (usize, usize, usize)) -> (Status, Option<Received>, (u32, u32, u32)) {
    let (mut topic, mut payload, mut key) = (vec![0u8; caps.0], vec![0u8; caps.1], vec![0u8; caps.2]);
    let (mut tl, mut pl, mut kl) = (caps.0 as u32, caps.1 as u32, caps.2 as u32);
    let (mut partition, mut offset) = (0i32, 0i64);
    let s = with_text(|e, l| unsafe {
        Consume(
            h,
            topic.as_mut_ptr() as *mut libc::c_char,
            &mut tl,
            payload.as_mut_ptr() as *mut libc::c_char,
            &mut pl,
            key.as_mut_ptr() as *mut libc::c_char,
            &mut kl,
            &mut partition,
            &mut offset,
            e,
            l,
        )
    });
    let message = (s.code == 0).then(|| Received {
        topic: String::from_utf8_lossy(&topic[..tl as usize]).into_owned(),
        payload: payload[..pl as usize].to_vec(),
        key: key[..kl as usize].to_vec(),
        partition,
        offset,
    });
    (s, message, (tl, pl, kl))
}

/// Consumes until `count` messages arrived or `limit` passed, growing the
/// buffers on status 2 as an APL caller does.
pub fn consume_n(h: Handle, count: usize, limit: Duration) -> Vec<Received> {
    let deadline = Instant::now() + limit;
    let mut caps = (256, 4096, 256);
    let mut out = Vec::new();
    while out.len() < count && Instant::now() < deadline {
        let (s, m, needed) = consume_with(h, caps);
        match s.code {
            0 => out.push(m.unwrap()),
            1 => {}
            2 => caps = (needed.0 as usize, needed.1 as usize, needed.2 as usize),
            code => panic!("Consume: {code} {}", s.text),
        }
    }
    out
}

pub fn committed(h: Handle, topic: &str, partition: i32) -> (i32, i64) {
    let list = topic_list(&[(topic, partition)]);
    let mut offset = 0i64;
    let rc = unsafe { Committed(h, list, &mut offset) };
    (rc, offset)
}

/// A mock cluster for one test; destroyed on drop.
pub struct Mock {
    pub handle: Handle,
    pub bootstrap: String,
}

impl Mock {
    pub fn start(brokers: i32) -> Mock {
        let mut handle = null_mut();
        let mut t = TextBuf::new(256);
        let ptr = t.ptr();
        let rc = unsafe { NewMockCluster(brokers, &mut handle, ptr, &mut t.len) };
        assert_eq!(rc, 0, "NewMockCluster: {}", t.text());
        Mock { handle, bootstrap: t.text() }
    }

    pub fn topic(&self, name: &str, partitions: i32) {
        let n = c(name);
        let s = with_text(|e, l| unsafe { MockCreateTopic(self.handle, n.as_ptr(), partitions, 1, e, l) });
        assert_eq!(s.code, 0, "MockCreateTopic: {}", s.text);
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        unsafe { DestroyMockCluster(self.handle) };
    }
}

/// A topic name no other test uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

pub fn producer(bootstrap: &str) -> Handle {
    client(&[("bootstrap.servers", bootstrap), ("linger.ms", "1")])
}

pub fn uninit_producer(h: Handle) -> i32 {
    unsafe { UninitProducer(h) }
}

pub fn uninit_consumer(h: Handle) -> i32 {
    unsafe { UninitConsumer(h) }
}

// ------------------------------------------------- batches (issue 9) ----

pub use kafka::ffi::batch::*;

/// A header: name and value (None: a null value).
pub type Hdr = (Vec<u8>, Option<Vec<u8>>);

/// A message for `ProduceBatch` / `ProduceWith`; None stands for null.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Msg {
    pub topic: String,
    pub payload: Option<Vec<u8>>,
    pub key: Option<Vec<u8>>,
    pub partition: i32,
    pub timestamp: i64,
    pub headers: Vec<Hdr>,
}

/// The packed form of an optional byte field: bytes back to back, -1 for null.
fn pack(fields: &mut dyn Iterator<Item = Option<&[u8]>>, data: &mut Vec<u8>, lengths: &mut Vec<i32>) {
    for f in fields {
        match f {
            None => lengths.push(-1),
            Some(b) => {
                data.extend_from_slice(b);
                lengths.push(b.len() as i32);
            }
        }
    }
}

/// Header columns of `msgs`: counts, data, two lengths per header.
fn pack_headers<'a>(msgs: impl Iterator<Item = &'a [Hdr]>) -> (Vec<i32>, Vec<u8>, Vec<i32>) {
    let (mut counts, mut data, mut lengths) = (Vec::new(), Vec::new(), Vec::new());
    for hs in msgs {
        counts.push(hs.len() as i32);
        for (name, value) in hs {
            data.extend_from_slice(name);
            lengths.push(name.len() as i32);
            pack(&mut std::iter::once(value.as_deref()), &mut data, &mut lengths);
        }
    }
    (counts, data, lengths)
}

/// What `ProduceBatch` said: the status and text, an id and a status per message.
#[derive(Debug)]
pub struct Enqueued {
    pub status: Status,
    pub ids: Vec<u64>,
    pub statuses: Vec<i32>,
}

/// One `ProduceBatch` call with every column given (a topic per message
/// unless all share one; partitions and timestamps per message).
pub fn produce_batch(h: Handle, msgs: &[Msg]) -> Enqueued {
    let same = msgs.iter().all(|m| m.topic == msgs[0].topic);
    let topics = c(&if same {
        msgs[0].topic.clone()
    } else {
        msgs.iter().map(|m| m.topic.as_str()).collect::<Vec<_>>().join("\n")
    });
    let (mut pays, mut paylens, mut keys, mut keylens) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    pack(&mut msgs.iter().map(|m| m.payload.as_deref()), &mut pays, &mut paylens);
    pack(&mut msgs.iter().map(|m| m.key.as_deref()), &mut keys, &mut keylens);
    let partitions: Vec<i32> = msgs.iter().map(|m| m.partition).collect();
    let timestamps: Vec<i64> = msgs.iter().map(|m| m.timestamp).collect();
    let (hcounts, hdata, hlens) = pack_headers(msgs.iter().map(|m| m.headers.as_slice()));
    let n = msgs.len();
    let (mut ids, mut statuses) = (vec![u64::MAX; n], vec![i32::MIN; n]);
    let status = with_text(|e, l| unsafe {
        ProduceBatch(
            h,
            topics.as_ptr(),
            n as i32,
            pays.as_ptr() as *const libc::c_char,
            paylens.as_ptr(),
            keys.as_ptr() as *const libc::c_char,
            keylens.as_ptr(),
            partitions.as_ptr(),
            n as i32,
            timestamps.as_ptr(),
            hcounts.as_ptr(),
            hdata.as_ptr() as *const libc::c_char,
            hlens.as_ptr(),
            ids.as_mut_ptr(),
            statuses.as_mut_ptr(),
            e,
            l,
        )
    });
    Enqueued { status, ids, statuses }
}

/// One `ProduceWith` call.
pub fn produce_with(h: Handle, m: &Msg) -> (Status, u64) {
    let topic = c(&m.topic);
    let (hcounts, hdata, hlens) = pack_headers(std::iter::once(m.headers.as_slice()));
    let field = |f: &Option<Vec<u8>>| {
        f.as_ref().map_or((std::ptr::null(), -1), |b| (b.as_ptr() as *const libc::c_char, b.len() as i32))
    };
    let ((pp, pl), (kp, kl)) = (field(&m.payload), field(&m.key));
    let mut id = 0u64;
    let s = with_text(|e, l| unsafe {
        ProduceWith(
            h,
            topic.as_ptr(),
            pp,
            pl,
            kp,
            kl,
            m.partition,
            m.timestamp,
            hcounts[0],
            hdata.as_ptr() as *const libc::c_char,
            hlens.as_ptr(),
            &mut id,
            e,
            l,
        )
    });
    (s, id)
}

/// A rich delivery report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub id: u64,
    pub status: i32,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
}

/// One `DeliveryReports` call with room for `cap` reports.
pub fn delivery_reports(h: Handle, cap: usize, timeout_ms: i32) -> (Status, Vec<Report>) {
    let (mut ids, mut st, mut parts, mut offs, mut ts) =
        (vec![0u64; cap], vec![0i32; cap], vec![0i32; cap], vec![0i64; cap], vec![0i64; cap]);
    let mut n = cap as i32;
    let s = with_text(|e, l| unsafe {
        DeliveryReports(
            h,
            timeout_ms,
            ids.as_mut_ptr(),
            st.as_mut_ptr(),
            parts.as_mut_ptr(),
            offs.as_mut_ptr(),
            ts.as_mut_ptr(),
            &mut n,
            e,
            l,
        )
    });
    let got = (0..n.max(0) as usize)
        .map(|i| Report { id: ids[i], status: st[i], partition: parts[i], offset: offs[i], timestamp: ts[i] })
        .collect();
    (s, got)
}

/// `DeliveryReports` until `count` reports arrived or `limit` passed.
pub fn collect_delivery_reports(h: Handle, count: usize, limit: Duration) -> Vec<Report> {
    let deadline = Instant::now() + limit;
    let mut all = Vec::new();
    while all.len() < count && Instant::now() < deadline {
        let (s, got) = delivery_reports(h, 4096, 200);
        assert_eq!(s.code, 0, "DeliveryReports: {}", s.text);
        all.extend(got);
    }
    all
}

/// A consumed message with every field; None stands for null.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Got {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub tstype: i32,
    pub payload: Option<Vec<u8>>,
    pub key: Option<Vec<u8>>,
    pub headers: Vec<Hdr>,
}

/// Capacities of a `ConsumeBatch` call (on return: what was written, or
/// on -304 what the next message needs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub count: i32,
    pub topics: u32,
    pub payloads: u32,
    pub keys: u32,
    pub hdata: u32,
    pub nhlens: i32,
}

impl Caps {
    pub fn big(count: i32) -> Caps {
        Caps { count, topics: 4096, payloads: 4 << 20, keys: 1 << 20, hdata: 1 << 20, nhlens: 1 << 16 }
    }
}

/// Bytes past each buffer's capacity, filled with a mark that must survive
/// the call: the library writes only within what it was given.
const GUARD: usize = 64;

fn guarded(cap: usize) -> Vec<u8> {
    vec![0xA5; cap + GUARD]
}

fn assert_guard(buf: &[u8], cap: usize, what: &str) {
    assert!(buf[cap..].iter().all(|&b| b == 0xA5), "{what}: written past its capacity {cap}");
}

/// Splits packed bytes by lengths (-1: null).
fn unpack(data: &[u8], lengths: &[i32]) -> Vec<Option<Vec<u8>>> {
    let mut at = 0usize;
    lengths
        .iter()
        .map(|&l| {
            if l < 0 {
                assert_eq!(l, -1, "a length below -1");
                return None;
            }
            let v = data[at..at + l as usize].to_vec();
            at += l as usize;
            Some(v)
        })
        .collect()
}

/// One `ConsumeBatch` call with every column, buffers of exactly `caps`
/// (checked not to be written past). Returns the status, the messages and
/// the capacities as the call left them.
pub fn consume_batch(h: Handle, timeout_ms: i32, caps: Caps) -> (Status, Vec<Got>, Caps) {
    let n = caps.count.max(0) as usize;
    let mut topics = guarded(caps.topics as usize);
    let mut payloads = guarded(caps.payloads as usize);
    let mut keys = guarded(caps.keys as usize);
    let mut hdata = guarded(caps.hdata as usize);
    let (mut idx, mut parts, mut tst, mut plens, mut klens, mut hcounts) =
        (vec![-7i32; n], vec![-7i32; n], vec![-7i32; n], vec![-7i32; n], vec![-7i32; n], vec![-7i32; n]);
    let (mut offs, mut ts) = (vec![-7i64; n], vec![-7i64; n]);
    let mut hlens = vec![-7i32; caps.nhlens.max(0) as usize + GUARD];
    let mut out = caps;
    let s = with_text(|e, l| unsafe {
        ConsumeBatch(
            h,
            timeout_ms,
            topics.as_mut_ptr() as *mut libc::c_char,
            &mut out.topics,
            idx.as_mut_ptr(),
            parts.as_mut_ptr(),
            offs.as_mut_ptr(),
            ts.as_mut_ptr(),
            tst.as_mut_ptr(),
            payloads.as_mut_ptr() as *mut libc::c_char,
            &mut out.payloads,
            plens.as_mut_ptr(),
            keys.as_mut_ptr() as *mut libc::c_char,
            &mut out.keys,
            klens.as_mut_ptr(),
            hcounts.as_mut_ptr(),
            hdata.as_mut_ptr() as *mut libc::c_char,
            &mut out.hdata,
            hlens.as_mut_ptr(),
            &mut out.nhlens,
            &mut out.count,
            e,
            l,
        )
    });
    // The topic table may be NUL-terminated within its capacity only.
    assert_guard(&topics, caps.topics as usize, "topics");
    assert_guard(&payloads, caps.payloads as usize, "payloads");
    assert_guard(&keys, caps.keys as usize, "keys");
    assert_guard(&hdata, caps.hdata as usize, "hdata");
    assert!(hlens[caps.nhlens.max(0) as usize..].iter().all(|&x| x == -7), "hlens written past *nhlens");
    if s.code != 0 {
        return (s, Vec::new(), out);
    }
    let count = out.count as usize;
    assert!(count <= n, "*count {count} above the capacity {n}");
    assert!(
        out.payloads <= caps.payloads && out.keys <= caps.keys && out.hdata <= caps.hdata && out.nhlens <= caps.nhlens
    );
    let names: Vec<String> =
        String::from_utf8(topics[..out.topics as usize].to_vec()).unwrap().split('\n').map(str::to_string).collect();
    let pays = unpack(&payloads[..out.payloads as usize], &plens[..count]);
    let ks = unpack(&keys[..out.keys as usize], &klens[..count]);
    assert_eq!(
        pays.iter().flatten().map(Vec::len).sum::<usize>(),
        out.payloads as usize,
        "payload lengths vs bytes written"
    );
    assert_eq!(ks.iter().flatten().map(Vec::len).sum::<usize>(), out.keys as usize, "key lengths vs bytes written");
    let total_headers: usize = hcounts[..count].iter().map(|&c| c as usize).sum();
    assert_eq!(2 * total_headers, out.nhlens as usize, "header counts vs *nhlens");
    let fields = unpack(&hdata[..out.hdata as usize], &hlens[..out.nhlens as usize]);
    let mut at = 0;
    let got = (0..count)
        .map(|i| {
            let headers = (0..hcounts[i] as usize)
                .map(|j| {
                    let name = fields[at + 2 * j].clone().expect("a header name is never null");
                    (name, fields[at + 2 * j + 1].clone())
                })
                .collect();
            at += 2 * hcounts[i] as usize;
            Got {
                topic: names[idx[i] as usize].clone(),
                partition: parts[i],
                offset: offs[i],
                timestamp: ts[i],
                tstype: tst[i],
                payload: pays[i].clone(),
                key: ks[i].clone(),
                headers,
            }
        })
        .collect();
    (s, got, out)
}

/// `ConsumeBatch` with big buffers until `count` messages or `limit`.
pub fn consume_batch_n(h: Handle, count: usize, limit: Duration) -> Vec<Got> {
    let deadline = Instant::now() + limit;
    let mut all = Vec::new();
    while all.len() < count && Instant::now() < deadline {
        let (s, got, _) = consume_batch(h, 200, Caps::big(1000));
        assert_eq!(s.code, 0, "ConsumeBatch: {}", s.text);
        all.extend(got);
    }
    all
}

/// One `ConsumeWith` call with the given capacities (topic, payload, key,
/// header data, header lengths); on -304 the capacities needed.
pub fn consume_with_all(
    h: Handle,
    timeout_ms: i32,
    caps: (u32, i32, i32, u32, i32),
) -> (Status, Option<Got>, (u32, i32, i32, u32, i32)) {
    let mut topic = guarded(caps.0 as usize);
    let mut payload = guarded(caps.1.max(0) as usize);
    let mut key = guarded(caps.2.max(0) as usize);
    let mut hdata = guarded(caps.3 as usize);
    let mut hlens = vec![-7i32; caps.4.max(0) as usize + GUARD];
    let mut lens = caps;
    let (mut partition, mut offset, mut timestamp, mut tstype, mut nheaders) = (-7i32, -7i64, -7i64, -7i32, -7i32);
    let s = with_text(|e, l| unsafe {
        ConsumeWith(
            h,
            timeout_ms,
            topic.as_mut_ptr() as *mut libc::c_char,
            &mut lens.0,
            payload.as_mut_ptr() as *mut libc::c_char,
            &mut lens.1,
            key.as_mut_ptr() as *mut libc::c_char,
            &mut lens.2,
            &mut partition,
            &mut offset,
            &mut timestamp,
            &mut tstype,
            &mut nheaders,
            hdata.as_mut_ptr() as *mut libc::c_char,
            &mut lens.3,
            hlens.as_mut_ptr(),
            &mut lens.4,
            e,
            l,
        )
    });
    assert_guard(&topic, caps.0 as usize, "topic");
    assert_guard(&payload, caps.1.max(0) as usize, "payload");
    assert_guard(&key, caps.2.max(0) as usize, "key");
    assert_guard(&hdata, caps.3 as usize, "hdata");
    if s.code != 0 {
        return (s, None, lens);
    }
    let one = |buf: &[u8], len: i32| (len >= 0).then(|| buf[..len as usize].to_vec());
    let fields = unpack(&hdata[..lens.3 as usize], &hlens[..lens.4 as usize]);
    assert_eq!(2 * nheaders, lens.4, "*nheaders vs *nhlens");
    let headers = (0..nheaders as usize).map(|j| (fields[2 * j].clone().unwrap(), fields[2 * j + 1].clone())).collect();
    let got = Got {
        topic: String::from_utf8(topic[..lens.0 as usize].to_vec()).unwrap(),
        partition,
        offset,
        timestamp,
        tstype,
        payload: one(&payload, lens.1),
        key: one(&key, lens.2),
        headers,
    };
    (s, Some(got), lens)
}
