//! Group rebalances, handled by the library on the thread that consumes:
//! partitions are taken on and given back as librdkafka's default would,
//! and messages kept for a too-small buffer of a partition given back are
//! dropped, since another member now reads that partition from its
//! committed offset (handing them out here would duplicate them).

use std::cell::Cell;
use std::ffi::CStr;

use libc::c_void;
use rdkafka_sys as rd;

use crate::consumer::Consumer;
use crate::partition_list::{entry_of, RawList};

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
    let _ = std::panic::catch_unwind(|| rebalance(rk, err, partitions));
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
    let protocol = rd::rd_kafka_rebalance_protocol(rk);
    let cooperative = !protocol.is_null() && CStr::from_ptr(protocol).to_bytes() == b"COOPERATIVE";
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
            let revoked: Vec<(String, i32)> = if partitions.is_null() {
                Vec::new()
            } else {
                RawList::borrowed_entries(partitions).iter().map(entry_of).map(|e| (e.topic, e.partition)).collect()
            };
            let consumer = POLLING.with(Cell::get);
            if let Some(consumer) = consumer.as_ref() {
                consumer.drop_kept(|topic, p| revoked.iter().any(|(t, q)| t == topic && *q == p));
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
