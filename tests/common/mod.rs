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
