//! The librdkafka instance that admin and inspection calls run on, and the
//! one way those calls wait for their results.
//!
//! Admin requests work on any librdkafka instance, producer or consumer, so
//! a client uses its own; a client still being configured gets a helper
//! instance instead, which leaves it free to become either.

use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::time::Duration;

use rdkafka_sys as rd;

use crate::client::Role;
use crate::config::Config;
use crate::consumer::Consumer;
use crate::error::{cstr_lossy, errstr_text, Error, Result, KAFKA_ERR_CREATE};
use crate::producer::millis;

/// A librdkafka instance borrowed from a client for one call.
#[derive(Clone, Copy)]
pub struct Connection<'a> {
    rk: *mut rd::rd_kafka_t,
    _client: PhantomData<&'a ()>,
}

impl<'a> Connection<'a> {
    pub(crate) fn of_role(role: &'a Role) -> Self {
        match role {
            Role::Producer(p) => Connection { rk: p.rk, _client: PhantomData },
            Role::Consumer(c) => Connection::of_consumer(c),
        }
    }

    pub(crate) fn of_consumer(consumer: &'a Consumer) -> Self {
        Connection { rk: consumer.rk, _client: PhantomData }
    }

    pub(crate) fn raw(&self) -> *mut rd::rd_kafka_t {
        self.rk
    }

    /// Runs one admin request: `start` sends it with the options and queue
    /// given; the result event of type `expected` comes back, or the whole
    /// request's error (timeout, no broker, ...).
    pub(crate) fn admin(
        &self,
        op: rd::rd_kafka_admin_op_t,
        timeout: Duration,
        validate_only: bool,
        expected: rd::rd_kafka_event_type_t,
        start: impl FnOnce(*mut rd::rd_kafka_AdminOptions_t, *mut rd::rd_kafka_queue_t),
    ) -> Result<Event> {
        let mut errstr = [0 as libc::c_char; 512];
        // SAFETY: rk is live for the borrow; options and queue are ours and
        // destroyed below; the request keeps its own references.
        unsafe {
            let options = rd::rd_kafka_AdminOptions_new(self.rk, op);
            let ms = millis(timeout);
            rd::rd_kafka_AdminOptions_set_request_timeout(options, ms, errstr.as_mut_ptr(), errstr.len());
            // Topic and partition changes: the broker answers once they are
            // done (or the time is up), not merely accepted.
            rd::rd_kafka_AdminOptions_set_operation_timeout(options, ms, errstr.as_mut_ptr(), errstr.len());
            if validate_only {
                rd::rd_kafka_AdminOptions_set_validate_only(options, 1, errstr.as_mut_ptr(), errstr.len());
            }
            let queue = rd::rd_kafka_queue_new(self.rk);
            start(options, queue);
            rd::rd_kafka_AdminOptions_destroy(options);
            // librdkafka ends the request itself at the request timeout;
            // the margin only covers its bookkeeping.
            let event = rd::rd_kafka_queue_poll(queue, millis(timeout + Duration::from_secs(1)));
            rd::rd_kafka_queue_destroy(queue);
            if event.is_null() {
                return Err(Error::kafka_with(
                    rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT,
                    format!("no answer from the cluster within {} ms", timeout.as_millis()),
                ));
            }
            let event = Event(event);
            let err = rd::rd_kafka_event_error(event.0);
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                return Err(Error::new(err as i32, cstr_lossy(rd::rd_kafka_event_error_string(event.0))));
            }
            if rd::rd_kafka_event_type(event.0) != expected {
                return Err(Error::new(
                    crate::error::KAFKA_ERR_INTERNAL,
                    format!("unexpected admin event {}", cstr_lossy(rd::rd_kafka_event_name(event.0))),
                ));
            }
            Ok(event)
        }
    }
}

/// An admin result event, destroyed on drop (with everything it holds).
pub(crate) struct Event(pub(crate) *mut rd::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: we own the event.
        unsafe { rd::rd_kafka_event_destroy(self.0) }
    }
}

/// A private librdkafka instance for a client that is neither producer
/// nor consumer yet.
pub struct Helper {
    rk: *mut rd::rd_kafka_t,
}

// SAFETY: librdkafka instances are thread-safe.
unsafe impl Send for Helper {}
unsafe impl Sync for Helper {}

impl Helper {
    pub fn new(config: &Config) -> Result<Self> {
        let conf = config.duplicate_raw();
        let mut errstr = [0 as libc::c_char; 512];
        // SAFETY: conf is our fresh copy; on success rd_kafka_new owns it.
        let rk = unsafe {
            rd::rd_kafka_new(rd::rd_kafka_type_t::RD_KAFKA_PRODUCER, conf, errstr.as_mut_ptr(), errstr.len())
        };
        if rk.is_null() {
            // SAFETY: rd_kafka_new left the conf with us on failure.
            unsafe { rd::rd_kafka_conf_destroy(conf) };
            return Err(Error::new(KAFKA_ERR_CREATE, format!("cannot create a client: {}", errstr_text(&errstr))));
        }
        Ok(Helper { rk })
    }

    pub(crate) fn connection(&self) -> Connection<'_> {
        // Nobody else polls this instance: drop the error and log events
        // that would otherwise pile up in its queue.
        // SAFETY: rk is live.
        unsafe { rd::rd_kafka_poll(self.rk, 0) };
        Connection { rk: self.rk, _client: PhantomData }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // SAFETY: the last reference is gone.
        unsafe { rd::rd_kafka_destroy(self.rk) }
    }
}

/// A C string for librdkafka from text the caller gave (already free of NUL).
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text).unwrap_or_else(|_| CString::new(text.replace('\0', "")).expect("NULs removed"))
}

/// A borrowed C string from librdkafka as text.
///
/// # Safety
/// `ptr` must be NULL or a valid NUL-terminated string.
pub(crate) unsafe fn text(ptr: *const libc::c_char) -> String {
    cstr_lossy(ptr)
}

/// Optional text: NULL gives `None`.
///
/// # Safety
/// `ptr` must be NULL or a valid NUL-terminated string.
pub(crate) unsafe fn opt_text(ptr: *const libc::c_char) -> Option<String> {
    (!ptr.is_null()).then(|| CStr::from_ptr(ptr).to_string_lossy().into_owned())
}
