//! The producer: enqueues messages and keeps their delivery reports until
//! the application asks for them.
//!
//! Delivery reports are served by `rd_kafka_poll` on the calling thread (no
//! callback ever reaches the host language): the callback stages them in a
//! thread-local buffer, and when the poll returns they move, under one lock,
//! into a compact queue of reports (id, status, partition, offset,
//! timestamp), 32 bytes each.
//! `Produce` serves them too, every few calls, so reports the application
//! has not collected yet never fill librdkafka's own queue
//! (`queue.buffering.max.messages`), and `Produce` does not fail with
//! queue-full merely because nobody called `DeliveryReport`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::CStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use libc::c_void;
use parking_lot::Mutex;
use rdkafka_sys as rd;

use crate::config::Config;
use crate::error::{errstr_text, Error, Result, KAFKA_ERR_CREATE};
use crate::messages::{raw_headers, Outgoing};

/// Message ids are unique per loaded library, across all producers.
static NEXT_MESSAGE_ID: AtomicU64 = AtomicU64::new(1);

/// `Produce` serves delivery reports on one call in this many: enough to
/// keep librdkafka's queue from filling, and reports arrive in batches.
const SERVE_EVERY: u64 = 16;

/// Staged reports above this capacity are given back to the allocator.
const STAGED_KEEP: usize = 4096;

/// The outcome of one produced message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub message_id: u64,
    /// 0 when delivered, else librdkafka's error code.
    pub status: i32,
    /// Where the message went: -1 and -1001 when that is not known.
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch (the producer's or the broker's, as the
    /// topic's `message.timestamp.type` says); -1 when not known.
    pub timestamp: i64,
}

thread_local! {
    /// Reports served by the poll running on this thread. librdkafka calls
    /// the delivery callback only inside our own polls, so after one
    /// returns, everything here belongs to the producer that polled.
    static STAGED: RefCell<Vec<Report>> = const { RefCell::new(Vec::new()) };
}

pub struct Producer {
    pub(crate) rk: *mut rd::rd_kafka_t,
    /// Reports served and not yet taken by the application, oldest first.
    reports: Mutex<VecDeque<Report>>,
    /// Messages enqueued, and reports served: their difference is in flight.
    enqueued: AtomicU64,
    reported: AtomicU64,
    /// librdkafka fails a message this long after `Produce` at the latest.
    message_timeout: Duration,
}

// SAFETY: rd_kafka_t is thread-safe for produce/poll/flush; the report
// queue is behind its mutex.
unsafe impl Send for Producer {}
unsafe impl Sync for Producer {}

unsafe extern "C" fn on_delivery(
    _rk: *mut rd::rd_kafka_t,
    message: *const rd::rd_kafka_message_t,
    _opaque: *mut c_void,
) {
    // No panic may unwind into librdkafka's C frames.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: message is valid for the callback's duration.
        let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        let timestamp = rd::rd_kafka_message_timestamp(message, &mut kind);
        let message = &*message;
        let report = Report {
            message_id: message._private as u64,
            status: message.err as i32,
            partition: message.partition,
            offset: message.offset,
            timestamp,
        };
        STAGED.with(|staged| staged.borrow_mut().push(report));
    });
}

impl Producer {
    /// Creates a producer from a copy of `config`.
    pub fn new(config: &Config) -> Result<Self> {
        let timeout_ms = config.get("message.timeout.ms").and_then(|v| v.parse::<u64>().ok()).unwrap_or(300_000);
        let conf = config.duplicate_raw();
        let mut errstr = [0 as libc::c_char; 512];
        // SAFETY: conf is our fresh copy; on success rd_kafka_new owns it.
        let rk = unsafe {
            rd::rd_kafka_conf_set_dr_msg_cb(conf, Some(on_delivery));
            rd::rd_kafka_new(rd::rd_kafka_type_t::RD_KAFKA_PRODUCER, conf, errstr.as_mut_ptr(), errstr.len())
        };
        if rk.is_null() {
            // SAFETY: rd_kafka_new left the conf with us on failure.
            unsafe { rd::rd_kafka_conf_destroy(conf) };
            return Err(Error::new(KAFKA_ERR_CREATE, format!("cannot create producer: {}", errstr_text(&errstr))));
        }
        Ok(Producer {
            rk,
            reports: Mutex::new(VecDeque::new()),
            enqueued: AtomicU64::new(0),
            reported: AtomicU64::new(0),
            message_timeout: Duration::from_millis(timeout_ms),
        })
    }

    /// Enqueues one message (payload and key are copied). Returns the
    /// message's id, which is issued even when the enqueue fails, and the
    /// enqueue's outcome. `None` payload or key means NULL (no value, no key).
    pub fn produce(
        &self,
        topic: &CStr,
        payload: Option<&[u8]>,
        key: Option<&[u8]>,
        partition: i32,
    ) -> (u64, Result<()>) {
        self.produce_message(&Outgoing { topic, payload, key, partition, timestamp: 0, headers: &[] })
    }

    /// Enqueues one message with everything it may carry (all copied).
    pub fn produce_message(&self, m: &Outgoing<'_>) -> (u64, Result<()>) {
        use rd::rd_kafka_vtype_t::*;
        let message_id = NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed);
        // The mock cluster takes names a broker refuses: refuse them here,
        // so both say the same at once.
        if !crate::admin::topic_name_is_legal(m.topic.to_bytes()) {
            let why = crate::admin::check_topic_name(&m.topic.to_string_lossy()).unwrap_err();
            return (
                message_id,
                Err(Error::kafka_with(rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, why)),
            );
        }
        let blank = vu(RD_KAFKA_VTYPE_END, rd::rd_kafka_vu_s__bindgen_ty_1 { i: 0 });
        let mut args = [
            vu(RD_KAFKA_VTYPE_TOPIC, rd::rd_kafka_vu_s__bindgen_ty_1 { cstr: m.topic.as_ptr() }),
            vu(RD_KAFKA_VTYPE_PARTITION, rd::rd_kafka_vu_s__bindgen_ty_1 { i32_: m.partition }),
            vu(RD_KAFKA_VTYPE_MSGFLAGS, rd::rd_kafka_vu_s__bindgen_ty_1 { i: rd::RD_KAFKA_MSG_F_COPY }),
            vu(RD_KAFKA_VTYPE_OPAQUE, rd::rd_kafka_vu_s__bindgen_ty_1 { ptr: message_id as usize as *mut c_void }),
            vu(RD_KAFKA_VTYPE_VALUE, memory(m.payload)),
            blank,
            blank,
            blank,
        ];
        let mut count = 5;
        if m.key.is_some() {
            args[count] = vu(RD_KAFKA_VTYPE_KEY, memory(m.key));
            count += 1;
        }
        if m.timestamp != 0 {
            args[count] = vu(RD_KAFKA_VTYPE_TIMESTAMP, rd::rd_kafka_vu_s__bindgen_ty_1 { i64_: m.timestamp });
            count += 1;
        }
        // librdkafka owns the headers once the message is enqueued.
        let headers = if m.headers.is_empty() { std::ptr::null_mut() } else { raw_headers(m.headers) };
        if !headers.is_null() {
            args[count] = vu(RD_KAFKA_VTYPE_HEADERS, rd::rd_kafka_vu_s__bindgen_ty_1 { headers });
            count += 1;
        }
        // Counted before the enqueue, so its report can never come first.
        let enqueued = self.enqueued.fetch_add(1, Ordering::Relaxed);
        // SAFETY: rk is live; args holds `count` initialised entries whose
        // pointers outlive the call (librdkafka copies with F_COPY).
        let error = unsafe { rd::rd_kafka_produceva(self.rk, args.as_mut_ptr(), count) };
        if error.is_null() {
            if enqueued % SERVE_EVERY == SERVE_EVERY - 1 {
                self.serve(Duration::ZERO);
            }
            return (message_id, Ok(()));
        }
        if !headers.is_null() {
            // SAFETY: not enqueued, so the headers are still ours.
            unsafe { rd::rd_kafka_headers_destroy(headers) };
        }
        self.enqueued.fetch_sub(1, Ordering::Relaxed);
        self.serve(Duration::ZERO);
        // SAFETY: error is ours to destroy.
        (message_id, Err(unsafe { Error::from_rd_error(error) }))
    }

    /// Hands up to `capacity` reports, oldest first, to `sink` (with their
    /// position) and returns how many. Returns at once when reports are
    /// ready or nothing is in flight; otherwise waits up to `wait` for the
    /// first one.
    pub fn take_reports(&self, capacity: usize, wait: Duration, mut sink: impl FnMut(usize, &Report)) -> usize {
        self.serve(Duration::ZERO);
        if capacity > 0 && self.reports.lock().is_empty() {
            let deadline = Instant::now() + wait;
            while self.in_flight() > 0 && self.reports.lock().is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                self.serve(left);
            }
        }
        let mut reports = self.reports.lock();
        let count = capacity.min(reports.len());
        for (i, report) in reports.drain(..count).enumerate() {
            sink(i, &report);
        }
        count
    }

    /// Messages produced whose delivery report has not been served yet.
    pub fn in_flight(&self) -> u64 {
        let reported = self.reported.load(Ordering::Acquire);
        self.enqueued.load(Ordering::Acquire).saturating_sub(reported)
    }

    /// Reports served but not yet taken by the application.
    pub fn reports_waiting(&self) -> usize {
        self.reports.lock().len()
    }

    /// Waits until every produced message has its report (kept for
    /// `take_reports`) or `timeout` passes; returns how many are still in
    /// flight.
    pub fn flush(&self, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        while self.in_flight() > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            STAGED.with(|staged| staged.borrow_mut().clear());
            // SAFETY: rk is live; flush serves delivery reports on this thread.
            unsafe { rd::rd_kafka_flush(self.rk, millis(left)) };
            self.collect_staged();
        }
        self.in_flight()
    }

    /// Waits for every message to reach its outcome, bounded by
    /// `message.timeout.ms` (librdkafka fails a message by then), and says
    /// whether any message the application has no report for was lost.
    pub fn close(&self) -> Result<()> {
        let left = self.flush(self.longest_wait());
        if left > 0 {
            return Err(Error::kafka_with(
                rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT,
                format!("{left} message(s) still undelivered when the producer was closed"),
            ));
        }
        let reports = self.reports.lock();
        let failed: Vec<&Report> = reports.iter().filter(|r| r.status != 0).collect();
        match failed.first() {
            None => Ok(()),
            Some(first) => Err(Error::new(
                first.status,
                format!(
                    "{} message(s) failed and their delivery reports were never collected; first: id {} ({})",
                    failed.len(),
                    first.message_id,
                    crate::error::describe_code(first.status)
                ),
            )),
        }
    }

    /// Drops messages not yet delivered: those still queued (`queued`) and
    /// those sent and awaiting the broker's answer (`in_flight`; their
    /// outcome is then unknown). Each gets a failed report (-152). With
    /// `wait`, returns once librdkafka has let go of them.
    pub fn purge(&self, queued: bool, in_flight: bool, wait: bool) -> Result<()> {
        let flags = if queued { rd::RD_KAFKA_PURGE_F_QUEUE } else { 0 }
            | if in_flight { rd::RD_KAFKA_PURGE_F_INFLIGHT } else { 0 }
            | if wait { 0 } else { rd::RD_KAFKA_PURGE_F_NON_BLOCKING };
        // SAFETY: rk is live; purged messages' reports are served here.
        let err = self.serving(|| unsafe { rd::rd_kafka_purge(self.rk, flags as libc::c_int) });
        self.serve_events();
        crate::error::check(err)
    }

    /// The longest any wait for this producer's messages can need: every
    /// message has its outcome by `message.timeout.ms` (plus a margin).
    pub fn longest_wait(&self) -> Duration {
        self.message_timeout + Duration::from_secs(5)
    }

    /// Runs `call`, which may serve delivery reports on this thread
    /// (librdkafka flushes inside transaction calls), and keeps them.
    pub(crate) fn serving<R>(&self, call: impl FnOnce() -> R) -> R {
        STAGED.with(|staged| staged.borrow_mut().clear());
        let result = call();
        self.collect_staged();
        result
    }

    /// Runs the callbacks waiting in the queue (reports, errors, statistics).
    pub(crate) fn serve_events(&self) {
        self.serve(Duration::ZERO);
    }

    /// Serves delivery reports, waiting up to `wait` for the first event.
    fn serve(&self, wait: Duration) {
        STAGED.with(|staged| staged.borrow_mut().clear());
        // SAFETY: rk is live; callbacks run on this thread, into STAGED.
        unsafe { rd::rd_kafka_poll(self.rk, millis(wait)) };
        self.collect_staged();
    }

    /// Moves the reports the last poll staged into the queue, under one lock.
    fn collect_staged(&self) {
        STAGED.with(|staged| {
            let mut staged = staged.borrow_mut();
            if staged.is_empty() {
                return;
            }
            let count = staged.len() as u64;
            self.reports.lock().extend(staged.drain(..));
            self.reported.fetch_add(count, Ordering::Release);
            if staged.capacity() > STAGED_KEEP {
                staged.shrink_to(STAGED_KEEP);
            }
        });
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        // SAFETY: the last reference is gone.
        unsafe { rd::rd_kafka_destroy(self.rk) }
    }
}

fn vu(vtype: rd::rd_kafka_vtype_t, u: rd::rd_kafka_vu_s__bindgen_ty_1) -> rd::rd_kafka_vu_t {
    rd::rd_kafka_vu_t { vtype, u }
}

fn memory(bytes: Option<&[u8]>) -> rd::rd_kafka_vu_s__bindgen_ty_1 {
    let (ptr, size) = match bytes {
        Some(b) => (b.as_ptr() as *mut c_void, b.len()),
        None => (std::ptr::null_mut(), 0),
    };
    rd::rd_kafka_vu_s__bindgen_ty_1 { mem: rd::rd_kafka_vu_s__bindgen_ty_1__bindgen_ty_1 { ptr, size } }
}

/// Whole milliseconds for librdkafka, rounded up: a wait of 0.3 ms must not
/// become a zero timeout, or a loop waiting for a deadline spins through its
/// last millisecond.
pub(crate) fn millis(d: Duration) -> libc::c_int {
    let ms = d.as_secs().saturating_mul(1000).saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000_000)));
    ms.min(libc::c_int::MAX as u64) as libc::c_int
}
