//! librdkafka's logs, client-level errors and statistics, kept per client
//! handle for the application to pull (`Events`) instead of printed on the
//! process's stderr, where they would land in an APL session or a C
//! program's output.
//!
//! The queue is bounded: when full, the oldest event goes and a count of
//! dropped events says so. Callbacks never reach the host language: they
//! only push here, from whichever thread librdkafka calls them on.

use std::collections::VecDeque;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use libc::{c_char, c_int, c_void};
use parking_lot::{Condvar, Mutex};
use rdkafka_sys as rd;

/// Kinds of event.
pub(crate) const EVENT_LOG: i32 = 1;
pub(crate) const EVENT_ERROR: i32 = 2;
pub(crate) const EVENT_STATS: i32 = 3;

/// Events kept per client before the oldest are dropped.
pub(crate) const CAPACITY: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: i32,
    /// Syslog level: 0 emergency … 7 debug. Errors are 3, fatal ones 2;
    /// statistics 6.
    pub level: i32,
    /// The error code for errors, else 0.
    pub code: i32,
    pub text: String,
}

#[derive(Default)]
struct Inner {
    events: VecDeque<Event>,
    dropped: u64,
}

#[derive(Default)]
pub struct EventQueue {
    inner: Mutex<Inner>,
    arrived: Condvar,
    /// Also print log lines and errors on stderr (the application asked).
    stderr: AtomicBool,
}

impl EventQueue {
    pub fn set_stderr(&self, on: bool) {
        self.stderr.store(on, Ordering::Relaxed);
    }

    pub fn push(&self, event: Event) {
        if self.stderr.load(Ordering::Relaxed) && event.kind != EVENT_STATS {
            eprintln!("kafka.so: {}", event.text);
        }
        let mut inner = self.inner.lock();
        if inner.events.len() == CAPACITY {
            inner.events.pop_front();
            inner.dropped += 1;
        }
        inner.events.push_back(event);
        self.arrived.notify_all();
    }

    /// Takes events, oldest first, while `accept` agrees (it sees each in
    /// turn and says whether it fits), waiting up to `wait` for the first.
    /// Returns them and the count dropped since the last call.
    pub fn take(&self, wait: Duration, mut accept: impl FnMut(&Event) -> bool) -> (Vec<Event>, u64) {
        let deadline = Instant::now() + wait;
        let mut inner = self.inner.lock();
        while inner.events.is_empty() && !self.arrived.wait_until(&mut inner, deadline).timed_out() {}
        let mut taken = Vec::new();
        while let Some(front) = inner.events.front() {
            if !accept(front) {
                break;
            }
            taken.push(inner.events.pop_front().expect("front exists"));
        }
        let dropped = std::mem::take(&mut inner.dropped);
        (taken, dropped)
    }

    /// Installs the callbacks on `conf`, with this queue as the client's
    /// opaque. The queue must outlive every client made from `conf`.
    pub(crate) fn install(&self, conf: *mut rd::rd_kafka_conf_t) {
        // SAFETY: conf is live; the callbacks only read the opaque, which
        // the caller keeps alive.
        unsafe {
            rd::rd_kafka_conf_set_opaque(conf, self as *const EventQueue as *mut c_void);
            rd::rd_kafka_conf_set_log_cb(conf, Some(on_log));
            rd::rd_kafka_conf_set_error_cb(conf, Some(on_error));
            rd::rd_kafka_conf_set_stats_cb(conf, Some(on_stats));
        }
    }
}

/// The queue behind a client instance, if it has one.
///
/// # Safety
/// `rk` must be a live client whose opaque is NULL or an `EventQueue`.
unsafe fn queue_of<'a>(rk: *const rd::rd_kafka_t) -> Option<&'a EventQueue> {
    let opaque = rd::rd_kafka_opaque(rk) as *const EventQueue;
    opaque.as_ref()
}

fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        String::new()
    } else {
        // SAFETY: librdkafka passes NUL-terminated strings.
        unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn on_log(rk: *const rd::rd_kafka_t, level: c_int, facility: *const c_char, message: *const c_char) {
    // No panic may unwind into librdkafka's C frames.
    let _ = std::panic::catch_unwind(|| {
        if let Some(queue) = queue_of(rk) {
            let text = format!("{}: {}", text(facility), text(message));
            queue.push(Event { kind: EVENT_LOG, level, code: 0, text });
        }
    });
}

unsafe extern "C" fn on_error(rk: *mut rd::rd_kafka_t, code: c_int, reason: *const c_char, _opaque: *mut c_void) {
    let _ = std::panic::catch_unwind(|| {
        if let Some(queue) = queue_of(rk) {
            let fatal = code == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__FATAL as c_int;
            queue.push(Event { kind: EVENT_ERROR, level: if fatal { 2 } else { 3 }, code, text: text(reason) });
        }
    });
}

unsafe extern "C" fn on_stats(rk: *mut rd::rd_kafka_t, json: *mut c_char, len: usize, _opaque: *mut c_void) -> c_int {
    let _ = std::panic::catch_unwind(|| {
        if let Some(queue) = queue_of(rk) {
            let bytes = if json.is_null() { &[][..] } else { std::slice::from_raw_parts(json as *const u8, len) };
            let text = String::from_utf8_lossy(bytes).into_owned();
            queue.push(Event { kind: EVENT_STATS, level: 6, code: 0, text });
        }
    });
    0 // librdkafka frees the JSON
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> Event {
        Event { kind: EVENT_LOG, level: 7, code: 0, text: n.to_string() }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let q = EventQueue::default();
        for n in 0..CAPACITY + 5 {
            q.push(log(n));
        }
        let (first, dropped) = q.take(Duration::ZERO, |_| true);
        assert_eq!((first.len(), dropped), (CAPACITY, 5));
        assert_eq!(first[0].text, "5");
        assert_eq!(q.take(Duration::ZERO, |_| true), (vec![], 0));
    }

    #[test]
    fn take_stops_where_the_caller_has_no_room() {
        let q = EventQueue::default();
        (0..3).for_each(|n| q.push(log(n)));
        let mut room = 2;
        let (some, _) = q.take(Duration::ZERO, |_| {
            room -= 1;
            room >= 0
        });
        assert_eq!(some.len(), 2);
        assert_eq!(q.take(Duration::ZERO, |_| true).0, vec![log(2)]);
    }
}
