//! Group rebalances, handled on the thread that consumes: partitions are
//! taken on and given back as librdkafka's default would, and messages kept
//! for a too-small buffer of a partition given back are dropped, since
//! another member now reads that partition from its committed offset
//! (handing them out here would duplicate them).
//!
//! With `application.rebalance` the application takes part: the consume
//! call that meets a rebalance returns `KAFKA_CONSUME_REBALANCE` with the
//! change left pending, so the application can commit what it has done
//! before its partitions go (or prepare for new ones); the next consume
//! call, or an `Assign` of the application's own, settles it.

use std::cell::Cell;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};

use libc::c_void;
use parking_lot::Mutex;
use rdkafka_sys as rd;

use crate::consumer::Consumer;
use crate::partition_list::{entry_of, Entry, RawList};

/// The property that lets the application take part in rebalances.
pub const APPLICATION_KEY: &CStr = c"application.rebalance";

/// What a pending rebalance does to the assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// These partitions are added.
    Assign = 1,
    /// These partitions are taken away; what was consumed from them can
    /// still be committed.
    Revoke = 2,
    /// These partitions were taken away already (the member lost its
    /// place in the group): commits of them fail.
    Lost = 3,
}

/// A rebalance waiting for the application.
pub struct Pending {
    pub change: Change,
    list: RawList,
    /// Whether a consume call has returned `KAFKA_CONSUME_REBALANCE` for it.
    pub reported: bool,
}

impl Pending {
    pub fn entries(&self) -> Vec<Entry> {
        self.list.entries().iter().map(entry_of).collect()
    }
}

/// A consumer's part in rebalances: whether the application takes part,
/// and the rebalance it has not settled yet.
#[derive(Default)]
pub(crate) struct Participation {
    application: bool,
    pending: Mutex<Option<Pending>>,
    /// Whether `pending` may be set, so that consuming skips the lock.
    any: AtomicBool,
}

impl Participation {
    pub(crate) fn new(application: bool) -> Self {
        Participation { application, ..Default::default() }
    }

    pub(crate) fn has_pending(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Runs `f` on the pending rebalance, if any.
    pub(crate) fn with_pending<R>(&self, f: impl FnOnce(Option<&mut Pending>) -> R) -> R {
        f(self.pending.lock().as_mut())
    }

    /// Marks the pending rebalance reported; true if it had not been.
    pub(crate) fn report(&self) -> bool {
        self.has_pending()
            && self.with_pending(|p| p.is_some_and(|p| !std::mem::replace(&mut p.reported, true)))
    }

    pub(crate) fn take(&self) -> Option<Pending> {
        if !self.has_pending() {
            return None;
        }
        let taken = self.pending.lock().take();
        self.any.store(false, Ordering::Release);
        taken
    }

    fn defer(&self, change: Change, list: RawList) {
        *self.pending.lock() = Some(Pending { change, list, reported: false });
        self.any.store(true, Ordering::Release);
    }
}

thread_local! {
    /// The consumer polling on this thread: librdkafka runs the rebalance
    /// callback only inside a poll, on the polling thread.
    static POLLING: Cell<*const Consumer> = const { Cell::new(std::ptr::null()) };
}

/// Runs `poll` with `consumer` known to the rebalance callback.
pub(crate) fn polling<R>(consumer: &Consumer, poll: impl FnOnce() -> R) -> R {
    let previous = POLLING.with(|p| p.replace(consumer as *const Consumer));
    let result = poll();
    POLLING.with(|p| p.set(previous));
    result
}

pub(crate) fn install(conf: *mut rd::rd_kafka_conf_t) {
    // SAFETY: conf is live.
    unsafe { rd::rd_kafka_conf_set_rebalance_cb(conf, Some(on_rebalance)) };
}

unsafe extern "C" fn on_rebalance(
    rk: *mut rd::rd_kafka_t,
    err: rd::rd_kafka_resp_err_t,
    partitions: *mut rd::rd_kafka_topic_partition_list_t,
    _opaque: *mut c_void,
) {
    // No panic may unwind into librdkafka's C frames.
    let _ = std::panic::catch_unwind(|| {
        let consumer = POLLING.with(Cell::get);
        match consumer.as_ref() {
            Some(consumer) if consumer.rebalance.application && !partitions.is_null() => {
                let change = match err {
                    rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => Change::Assign,
                    _ if rd::rd_kafka_assignment_lost(rk) != 0 => Change::Lost,
                    _ => Change::Revoke,
                };
                if change != Change::Assign {
                    drop_kept_of(consumer, partitions);
                }
                consumer.rebalance.defer(change, RawList(rd::rd_kafka_topic_partition_list_copy(partitions)));
                // Back to the application now, before any more messages.
                rd::rd_kafka_yield(rk);
            }
            _ => rebalance(rk, err, partitions),
        }
    });
}

/// Settles a rebalance the application has seen: assigns or gives back its
/// partitions as the group decided.
pub(crate) fn settle(consumer: &Consumer, pending: Pending) {
    let err = match pending.change {
        Change::Assign => rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS,
        Change::Revoke | Change::Lost => rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS,
    };
    // SAFETY: the consumer's rk is live; the list is ours.
    polling(consumer, || unsafe { rebalance(consumer.rk, err, pending.list.0) });
}

/// Drops kept messages of `partitions`, which the consumer gives back.
///
/// # Safety
/// `partitions` must be a live list.
unsafe fn drop_kept_of(consumer: &Consumer, partitions: *const rd::rd_kafka_topic_partition_list_t) {
    let revoked: Vec<(String, i32)> =
        RawList::borrowed_entries(partitions).iter().map(entry_of).map(|e| (e.topic, e.partition)).collect();
    consumer.drop_kept(|topic, p| revoked.iter().any(|(t, q)| t == topic && *q == p));
}

/// Whether the group uses the cooperative (incremental) protocol.
pub(crate) fn cooperative(rk: *mut rd::rd_kafka_t) -> bool {
    // SAFETY: rk is a live consumer; the name is a static string.
    let protocol = unsafe { rd::rd_kafka_rebalance_protocol(rk) };
    // SAFETY: non-null: a NUL-terminated static string.
    !protocol.is_null() && unsafe { CStr::from_ptr(protocol) }.to_bytes() == b"COOPERATIVE"
}

/// Takes on or gives back `partitions`, as the group decided.
///
/// # Safety
/// `rk` must be a live consumer and `partitions` a live list.
pub(crate) unsafe fn rebalance(
    rk: *mut rd::rd_kafka_t,
    err: rd::rd_kafka_resp_err_t,
    partitions: *mut rd::rd_kafka_topic_partition_list_t,
) {
    let cooperative = cooperative(rk);
    let error = match err {
        rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
            if cooperative {
                rd::rd_kafka_incremental_assign(rk, partitions)
            } else {
                rd::rd_kafka_assign(rk, partitions);
                std::ptr::null_mut()
            }
        }
        _ => {
            let consumer = POLLING.with(Cell::get);
            if let (Some(consumer), false) = (consumer.as_ref(), partitions.is_null()) {
                drop_kept_of(consumer, partitions);
            }
            if cooperative && !partitions.is_null() {
                rd::rd_kafka_incremental_unassign(rk, partitions)
            } else {
                rd::rd_kafka_assign(rk, std::ptr::null());
                std::ptr::null_mut()
            }
        }
    };
    if !error.is_null() {
        rd::rd_kafka_error_destroy(error);
    }
}
