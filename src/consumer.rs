//! The group consumer: subscribes, hands out messages into caller buffers,
//! and commits.

use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka_sys as rd;

use crate::config::Config;
use crate::error::{check, cstr_lossy, errstr_text, Error, Result, KAFKA_ERR_CREATE};
use crate::messages::{message_headers, Header};
use crate::partition_list::{PartitionList, RawList};
use crate::producer::millis;

/// How long `Committed` waits for the group coordinator.
pub const COMMITTED_TIMEOUT: Duration = Duration::from_secs(5);

/// A message owned by the application side; destroyed on drop.
struct Message(*mut rd::rd_kafka_message_t);

// SAFETY: a message may be destroyed from any thread.
unsafe impl Send for Message {}

impl Message {
    fn get(&self) -> &rd::rd_kafka_message_t {
        // SAFETY: non-null and live while we own it.
        unsafe { &*self.0 }
    }

    fn payload(&self) -> &[u8] {
        let m = self.get();
        bytes(m.payload as *const u8, m.len)
    }

    fn key(&self) -> &[u8] {
        let m = self.get();
        bytes(m.key as *const u8, m.key_len)
    }

    /// The partition an error or event belongs to (partition EOF, say):
    /// topic, partition, offset; `None` for one of the whole client.
    fn location(&self) -> Option<(&[u8], i32, i64)> {
        let m = self.get();
        (!m.rkt.is_null() && m.partition >= 0).then(|| (self.topic(), m.partition, m.offset))
    }

    fn topic(&self) -> &[u8] {
        // SAFETY: rkt is the message's live topic handle.
        unsafe { CStr::from_ptr(rd::rd_kafka_topic_name(self.get().rkt)) }.to_bytes()
    }

    /// A Kafka error or event carried as a message becomes an `Err`.
    fn check(&self) -> Result<()> {
        let m = self.get();
        if m.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Ok(());
        }
        // SAFETY: the message is live.
        let text = unsafe { cstr_lossy(rd::rd_kafka_message_errstr(self.0)) };
        Err(Error::new(m.err as i32, text))
    }

    /// Every field, borrowed from the message.
    ///
    /// # Safety
    /// The view must not outlive the message.
    unsafe fn view<'a>(&self, with_headers: bool) -> Incoming<'a> {
        let m = &*self.0;
        let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        let timestamp = rd::rd_kafka_message_timestamp(self.0, &mut kind);
        Incoming {
            topic: CStr::from_ptr(rd::rd_kafka_topic_name(m.rkt)).to_bytes(),
            partition: m.partition,
            offset: m.offset,
            timestamp,
            timestamp_type: kind as i32,
            payload: (!m.payload.is_null()).then(|| bytes(m.payload as *const u8, m.len)),
            key: (!m.key.is_null()).then(|| bytes(m.key as *const u8, m.key_len)),
            headers: if with_headers { message_headers(self.0) } else { Vec::new() },
        }
    }
}

/// A consumed message as a batch sink sees it. `payload` and `key` are
/// `None` when null (distinct from empty).
pub struct Incoming<'a> {
    pub topic: &'a [u8],
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    /// 0 not available, 1 create time (the producer's), 2 log-append time.
    pub timestamp_type: i32,
    pub payload: Option<&'a [u8]>,
    pub key: Option<&'a [u8]>,
    pub headers: Vec<Header<'a>>,
}

/// Where a batch goes; `push` refuses a message that does not fit and
/// says the capacities that would have held it.
pub trait Sink {
    fn push(&mut self, message: &Incoming<'_>) -> std::result::Result<(), Needed>;
    /// Whether the sink takes headers: reading them costs librdkafka a
    /// parse and us an allocation per message.
    fn wants_headers(&self) -> bool {
        true
    }
    /// Where the error the batch stops at belongs, when it is a partition's.
    fn locate(&mut self, _topic: &[u8], _partition: i32, _offset: i64) {}
}

/// Capacities that would hold one more message (bytes, or entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needed {
    pub topics: usize,
    pub payloads: usize,
    pub keys: usize,
    pub header_data: usize,
    pub header_lengths: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// This many messages went into the sink (0: none arrived).
    Messages(usize),
    /// The first message did not fit: it is kept; these would hold it.
    TooSmall(Needed),
    /// A rebalance waits for the application (`application.rebalance`).
    Rebalance,
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: we own the message.
        unsafe { rd::rd_kafka_message_destroy(self.0) }
    }
}

fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: librdkafka guarantees ptr/len describe the message's data.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Where `consume` copies a message: three caller buffers.
pub struct Buffers<'a> {
    pub topic: &'a mut [u8],
    pub payload: &'a mut [u8],
    pub key: &'a mut [u8],
}

/// Sizes of topic, payload and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lengths {
    pub topic: usize,
    pub payload: usize,
    pub key: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    /// Copied into the buffers.
    Message { lengths: Lengths, partition: i32, offset: i64 },
    /// Nothing arrived within the wait.
    Nothing,
    /// A buffer was too small; the message is kept for the next call.
    TooSmall { needed: Lengths },
    /// A rebalance waits for the application (`application.rebalance`).
    Rebalance,
}

pub struct Consumer {
    pub(crate) rk: *mut rd::rd_kafka_t,
    /// Messages handed back because the caller's buffers were too small.
    kept: Mutex<VecDeque<Message>>,
    /// Whether `kept` may hold a message, so the common path skips the lock.
    any_kept: AtomicBool,
    /// Whether the application set `group.id`: only then may it subscribe
    /// or commit (an assign-only consumer runs under a private group name).
    has_group: bool,
    /// Whether this library stores offsets as messages reach the caller:
    /// librdkafka would store them as they leave its queue, which counts a
    /// message kept for a too-small buffer as consumed. Off when the
    /// application stores offsets itself (`enable.auto.offset.store=false`).
    store_on_handout: bool,
    /// Outcomes of `CommitAsync`, as librdkafka posts them, and what has
    /// been read from there but not yet taken by the application.
    pub(crate) commit_queue: *mut rd::rd_kafka_queue_t,
    /// librdkafka's consumer queue, for taking many ready messages at once.
    consumer_queue: *mut rd::rd_kafka_queue_t,
    pub(crate) commit_reports: Mutex<VecDeque<crate::partition_list::Entry>>,
    pub(crate) commits_in_flight: std::sync::atomic::AtomicU64,
    /// Set once `close` has run; `left_open` when it could not finish.
    closed: AtomicBool,
    left_open: AtomicBool,
    /// The application's part in group rebalances.
    pub(crate) rebalance: crate::rebalance::Participation,
    /// Where librdkafka's callbacks write (their opaque): kept until the
    /// instance is destroyed, which may be on a thread of its own.
    events: std::sync::Arc<crate::events::EventQueue>,
}

/// How long closing may wait to leave the group (and commit, with
/// auto-commit): librdkafka alone waits up to `session.timeout.ms` (45 s)
/// when the brokers are gone.
pub const CLOSE_WAIT: Duration = Duration::from_secs(10);

// SAFETY: rd_kafka_t is thread-safe for poll/commit/committed; `kept` is
// behind a mutex.
unsafe impl Send for Consumer {}
unsafe impl Sync for Consumer {}

impl Consumer {
    /// Creates a consumer from a copy of `config`. librdkafka consumes only
    /// within a group, so without the application's `group.id` it gets a
    /// private one, with auto-commit off: such a consumer assigns
    /// partitions itself and never commits.
    pub fn new(
        config: &Config,
        application_rebalance: bool,
        events: std::sync::Arc<crate::events::EventQueue>,
    ) -> Result<Self> {
        let has_group = config.get("group.id").is_some_and(|g| !g.is_empty());
        let store_on_handout = config.get("enable.auto.offset.store").as_deref() != Some("false");
        let conf = config.duplicate_raw();
        let mut errstr = [0 as libc::c_char; 512];
        if store_on_handout {
            // SAFETY: conf is our fresh copy; both strings are NUL-terminated.
            unsafe {
                rd::rd_kafka_conf_set(
                    conf,
                    c"enable.auto.offset.store".as_ptr(),
                    c"false".as_ptr(),
                    errstr.as_mut_ptr(),
                    errstr.len(),
                )
            };
        }
        if !has_group {
            let group = private_group_name();
            for (key, value) in [(c"group.id", group.as_c_str()), (c"enable.auto.commit", c"false")] {
                // SAFETY: conf is our fresh copy; both strings are NUL-terminated.
                unsafe { rd::rd_kafka_conf_set(conf, key.as_ptr(), value.as_ptr(), errstr.as_mut_ptr(), errstr.len()) };
            }
        }
        crate::rebalance::install(conf);
        // SAFETY: conf is our fresh copy; on success rd_kafka_new owns it.
        let rk = unsafe {
            rd::rd_kafka_new(rd::rd_kafka_type_t::RD_KAFKA_CONSUMER, conf, errstr.as_mut_ptr(), errstr.len())
        };
        if rk.is_null() {
            // SAFETY: rd_kafka_new left the conf with us on failure.
            unsafe { rd::rd_kafka_conf_destroy(conf) };
            return Err(Error::new(KAFKA_ERR_CREATE, format!("cannot create consumer: {}", errstr_text(&errstr))));
        }
        let consumer = Consumer {
            rk,
            kept: Mutex::new(VecDeque::new()),
            any_kept: AtomicBool::new(false),
            has_group,
            store_on_handout,
            // SAFETY: rk is live; the queue is destroyed before rk.
            commit_queue: unsafe { rd::rd_kafka_queue_new(rk) },
            // SAFETY: rk is live; the reference is destroyed before rk.
            consumer_queue: unsafe { rd::rd_kafka_queue_get_consumer(rk) },
            commit_reports: Mutex::new(VecDeque::new()),
            commits_in_flight: std::sync::atomic::AtomicU64::new(0),
            closed: AtomicBool::new(false),
            left_open: AtomicBool::new(false),
            rebalance: crate::rebalance::Participation::new(application_rebalance),
            events,
        };
        // SAFETY: rk is live. Routes all events to the consumer queue.
        check(unsafe { rd::rd_kafka_poll_set_consumer(rk) })?;
        Ok(consumer)
    }

    /// Refuses what needs the application's own consumer group.
    pub(crate) fn need_group(&self, what: &str) -> Result<()> {
        if self.has_group {
            Ok(())
        } else {
            Err(Error::kafka_with(
                rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__UNKNOWN_GROUP,
                format!("group.id is not set: {what} needs a consumer group (SetKafkaConf 'group.id')"),
            ))
        }
    }

    /// Replaces the subscription with `topics`.
    pub fn subscribe(&self, topics: &[CString]) -> Result<()> {
        self.need_group("a subscribing consumer")?;
        let list = RawList::new(topics.len());
        for topic in topics {
            // SAFETY: list is ours; topic is NUL-terminated.
            unsafe {
                rd::rd_kafka_topic_partition_list_add(list.0, topic.as_ptr(), -1 /* RD_KAFKA_PARTITION_UA */)
            };
        }
        // SAFETY: rk and list are live; subscribe copies the list.
        let err = unsafe { rd::rd_kafka_subscribe(self.rk, list.0) };
        check(err).map_err(|e| Error::new(e.code, format!("cannot subscribe: {}", e.text)))
    }

    /// Waits up to `wait` for the next message and copies it into `buffers`.
    /// Kafka errors and events (partition EOF, ...) come back as `Err`.
    pub fn consume(&self, wait: Duration, buffers: Buffers<'_>) -> Result<Consumed> {
        if self.rebalance_first() {
            return Ok(Consumed::Rebalance);
        }
        let Some(message) = self.next_message(wait) else {
            return Ok(if self.rebalance.report() { Consumed::Rebalance } else { Consumed::Nothing });
        };
        message.check()?;
        let m = message.get();
        let (topic, payload, key) = (message.topic(), message.payload(), message.key());
        let needed = Lengths { topic: topic.len(), payload: payload.len(), key: key.len() };
        if needed.topic > buffers.topic.len()
            || needed.payload > buffers.payload.len()
            || needed.key > buffers.key.len()
        {
            self.keep(message);
            return Ok(Consumed::TooSmall { needed });
        }
        copy_terminated(buffers.topic, topic);
        copy_terminated(buffers.payload, payload);
        copy_terminated(buffers.key, key);
        self.handed_out(&message);
        Ok(Consumed::Message { lengths: needed, partition: m.partition, offset: m.offset })
    }

    /// Up to `max` messages into `sink`: waits up to `wait` for the first,
    /// then takes only what is ready. A message that does not fit, and an
    /// error met after the first message, are kept for the next call, so
    /// nothing is lost or reordered; an error met first is returned.
    pub fn consume_batch(&self, max: usize, wait: Duration, sink: &mut dyn Sink) -> Result<Batch> {
        if self.rebalance_first() {
            return Ok(Batch::Rebalance);
        }
        let mut count = 0;
        // Messages taken from librdkafka many at a time (one lock for all),
        // not yet given to the sink.
        let mut fetched: VecDeque<Message> = VecDeque::new();
        let outcome = loop {
            if count == max {
                break Ok(Batch::Messages(count));
            }
            let next = match fetched.pop_front() {
                Some(m) => Some(m),
                None if count == 0 => self.next_message(wait),
                None if self.any_kept.load(Ordering::Acquire) => self.take_kept(),
                None => {
                    self.fetch_ready(max - count, &mut fetched);
                    if self.rebalance.has_pending() {
                        // The rest waits until the application has seen the rebalance.
                        break Ok(Batch::Messages(count));
                    }
                    fetched.pop_front()
                }
            };
            let Some(message) = next else {
                if count == 0 && self.rebalance.report() {
                    break Ok(Batch::Rebalance);
                }
                break Ok(Batch::Messages(count));
            };
            if let Err(error) = message.check() {
                if count == 0 {
                    if let Some((topic, partition, offset)) = message.location() {
                        sink.locate(topic, partition, offset);
                    }
                    break Err(error);
                }
                fetched.push_front(message);
                break Ok(Batch::Messages(count));
            }
            // SAFETY: the message is live while the view is used.
            let view = unsafe { message.view(sink.wants_headers()) };
            if let Err(needed) = sink.push(&view) {
                fetched.push_front(message);
                break Ok(if count == 0 { Batch::TooSmall(needed) } else { Batch::Messages(count) });
            }
            self.handed_out(&message);
            count += 1;
        };
        // What was taken and not handed out comes first next time, in order.
        while let Some(m) = fetched.pop_back() {
            self.keep(m);
        }
        outcome
    }

    /// Takes up to `max` messages that are ready, without waiting.
    fn fetch_ready(&self, max: usize, into: &mut VecDeque<Message>) {
        let mut raw: Vec<*mut rd::rd_kafka_message_t> = vec![std::ptr::null_mut(); max.min(FETCH_MAX)];
        // SAFETY: the queue is live; librdkafka fills up to raw.len() slots
        // with messages that become ours.
        let n = crate::rebalance::polling(self, || unsafe {
            rd::rd_kafka_consume_batch_queue(self.consumer_queue, 0, raw.as_mut_ptr(), raw.len())
        });
        for &m in raw.iter().take(usize::try_from(n).unwrap_or(0)) {
            into.push_back(Message(m));
        }
    }

    /// A kept message first, else the next one from librdkafka.
    fn next_message(&self, wait: Duration) -> Option<Message> {
        if self.any_kept.load(Ordering::Acquire) {
            if let Some(m) = self.take_kept() {
                return Some(m);
            }
        }
        // SAFETY: rk is live; the returned message is ours.
        let raw = crate::rebalance::polling(self, || unsafe { rd::rd_kafka_consumer_poll(self.rk, millis(wait)) });
        // Built only when non-null: a Message destroys what it holds.
        if raw.is_null() {
            None
        } else {
            Some(Message(raw))
        }
    }

    /// Before consuming: reports a rebalance the application has not seen
    /// (true), or settles the one it has, so that consuming goes on.
    fn rebalance_first(&self) -> bool {
        if !self.rebalance.has_pending() {
            return false;
        }
        if self.rebalance.report() {
            return true;
        }
        self.settle_pending();
        false
    }

    /// Settles a rebalance the application has left pending.
    pub(crate) fn settle_pending(&self) {
        if let Some(pending) = self.rebalance.take() {
            crate::rebalance::settle(self, pending);
        }
    }

    /// Keeps a message for the next call, ahead of everything else.
    fn keep(&self, message: Message) {
        let mut kept = self.kept.lock();
        kept.push_front(message);
        self.any_kept.store(true, Ordering::Release);
    }

    /// The caller has the message: its offset now counts as consumed.
    fn handed_out(&self, message: &Message) {
        if self.store_on_handout {
            // SAFETY: the message is live. A partition revoked meanwhile
            // refuses the store, which is right: it is no longer ours.
            let error = unsafe { rd::rd_kafka_offset_store_message(message.0) };
            if !error.is_null() {
                // SAFETY: ours to destroy.
                unsafe { rd::rd_kafka_error_destroy(error) };
            }
        }
    }

    /// Drops kept messages that `stale` says the caller must no longer
    /// get (a seek moved past them, or their partition left the assignment).
    pub(crate) fn drop_kept(&self, stale: impl Fn(&str, i32) -> bool) {
        if !self.any_kept.load(Ordering::Acquire) {
            return;
        }
        let mut kept = self.kept.lock();
        kept.retain(|m| !stale(&String::from_utf8_lossy(m.topic()), m.get().partition));
        self.any_kept.store(!kept.is_empty(), Ordering::Release);
    }

    /// The offset of the first message kept for (topic, partition).
    pub(crate) fn first_kept_offset(&self, topic: &str, partition: i32) -> Option<i64> {
        if !self.any_kept.load(Ordering::Acquire) {
            return None;
        }
        let kept = self.kept.lock();
        kept.iter().find(|m| m.get().partition == partition && m.topic() == topic.as_bytes()).map(|m| m.get().offset)
    }

    fn take_kept(&self) -> Option<Message> {
        let mut kept = self.kept.lock();
        let message = kept.pop_front();
        self.any_kept.store(!kept.is_empty(), Ordering::Release);
        message
    }

    /// Synchronous commit: of `offsets`, or of the consumed positions of the
    /// current assignment when `None`. The committed offset of a partition is
    /// the next one to read (last consumed + 1).
    pub fn commit(&self, offsets: Option<&PartitionList>) -> Result<()> {
        self.need_group("Commit")?;
        let snapshot = offsets.map(|list| list.snapshot());
        let raw = snapshot.as_ref().map_or(std::ptr::null(), |l| l.0 as *const _);
        self.commit_and_wait(raw)
    }

    /// The group's committed offset for the first entry of `list`
    /// (`RD_KAFKA_OFFSET_INVALID`, -1001, when none).
    pub fn committed(&self, list: &PartitionList, timeout: Duration) -> Result<i64> {
        self.need_group("Committed")?;
        let snapshot = list.snapshot();
        if snapshot.entries().is_empty() {
            return Err(Error::invalid_argument("Committed needs a list with at least one entry"));
        }
        // SAFETY: rk is live; snapshot is our private copy.
        check(unsafe { rd::rd_kafka_committed(self.rk, snapshot.0, millis(timeout)) })?;
        let first = &snapshot.entries()[0];
        check(first.err)?;
        Ok(first.offset)
    }
}

/// The most messages taken from librdkafka in one go.
const FETCH_MAX: usize = 1024;

/// A group name no application uses, for consumers without `group.id`.
fn private_group_name() -> CString {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    CString::new(format!("kafka.so-assign-only-{}-{n}", std::process::id())).expect("no NUL in the name")
}

/// Copies `data` into `buf` and adds a NUL when there is room, so a C caller
/// can print text fields; lengths stay explicit for binary data.
fn copy_terminated(buf: &mut [u8], data: &[u8]) {
    buf[..data.len()].copy_from_slice(data);
    if let Some(slot) = buf.get_mut(data.len()) {
        *slot = 0;
    }
}

impl Consumer {
    /// Leaves the group, committing first when auto-commit is on, waiting
    /// at most `CLOSE_WAIT`. Later calls do nothing.
    pub fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        // A rebalance left pending is settled first, so that leaving the group can go on.
        self.settle_pending();
        // Kept messages were never handed out: they are not consumed.
        self.drop_kept(|_, _| true);
        // SAFETY: rk is live; the queue is ours and destroyed below; an
        // error object is ours.
        unsafe {
            let queue = rd::rd_kafka_queue_new(self.rk);
            let error = rd::rd_kafka_consumer_close_queue(self.rk, queue);
            if !error.is_null() {
                rd::rd_kafka_queue_destroy(queue);
                self.left_open.store(true, Ordering::Release);
                return Err(Error::from_rd_error(error));
            }
            let deadline = std::time::Instant::now() + CLOSE_WAIT;
            // The group's queue now comes here, messages fetched but never
            // handed out included: serve it as events (a callback poll
            // cannot take messages), dropping messages and answering the
            // final rebalance ourselves.
            crate::rebalance::polling(self, || {
                while rd::rd_kafka_consumer_closed(self.rk) == 0 && std::time::Instant::now() < deadline {
                    let event = rd::rd_kafka_queue_poll(queue, 100);
                    if event.is_null() {
                        continue;
                    }
                    if rd::rd_kafka_event_type(event) == rd::RD_KAFKA_EVENT_REBALANCE {
                        crate::rebalance::rebalance(
                            self.rk,
                            rd::rd_kafka_event_error(event),
                            rd::rd_kafka_event_topic_partition_list(event),
                        );
                    }
                    rd::rd_kafka_event_destroy(event);
                }
            });
            let done = rd::rd_kafka_consumer_closed(self.rk) != 0;
            rd::rd_kafka_queue_destroy(queue);
            if done {
                return Ok(());
            }
        }
        self.left_open.store(true, Ordering::Release);
        Err(Error::kafka_with(
            rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT,
            format!(
                "the consumer could not leave its group within {} s (are the brokers reachable?); what was \
                 consumed since the last commit may not be committed",
                CLOSE_WAIT.as_secs()
            ),
        ))
    }
}

/// A consumer instance to destroy away from the caller's thread, with the
/// event queue its callbacks write to until then.
struct Leftover(
    *mut rd::rd_kafka_t,
    *mut rd::rd_kafka_queue_t,
    *mut rd::rd_kafka_queue_t,
    std::sync::Arc<crate::events::EventQueue>,
);

// SAFETY: librdkafka instances and queues may be destroyed from any thread.
unsafe impl Send for Leftover {}

impl Leftover {
    fn destroy(self) {
        let Leftover(rk, commit_queue, consumer_queue, events) = self;
        // SAFETY: the last reference is gone; the queues go before rk.
        unsafe {
            rd::rd_kafka_queue_destroy(commit_queue);
            rd::rd_kafka_queue_destroy(consumer_queue);
            rd::rd_kafka_destroy_flags(rk, rd::RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        }
        // Only now may the callbacks' queue go.
        drop(events);
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        let _ = self.close();
        let leftover = Leftover(self.rk, self.commit_queue, self.consumer_queue, std::sync::Arc::clone(&self.events));
        if self.left_open.load(Ordering::Acquire) {
            // librdkafka still waits for the group it could not leave, up
            // to session.timeout.ms: let that happen off the caller's thread.
            std::thread::spawn(move || leftover.destroy());
        } else {
            leftover.destroy();
        }
    }
}
