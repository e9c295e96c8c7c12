//! The transactional producer: messages produced between `begin` and
//! `commit` become visible to `read_committed` consumers together, with the
//! consumed offsets sent along, or not at all. Failures say whether they
//! are fatal (the producer is done), abortable (abort, then go on) or
//! retriable (call again).

use std::time::Duration;

use rdkafka_sys as rd;

use crate::consumer::Consumer;
use crate::error::{errstr_text, Error};
use crate::partition_list::Entry;
use crate::producer::{millis, Producer};

/// Kinds of failure, as bits of a transaction call's `flags`.
pub(crate) const TXN_FATAL: i32 = 1;
pub(crate) const TXN_RETRIABLE: i32 = 2;
pub(crate) const TXN_ABORTABLE: i32 = 4;

/// A failed transaction call: the error and its kind bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnError {
    pub error: Error,
    pub flags: i32,
}

pub type TxnResult = std::result::Result<(), TxnError>;

/// Takes ownership of librdkafka's error object (NULL: success).
fn outcome(error: *mut rd::rd_kafka_error_t) -> TxnResult {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a live error object; read, then destroyed by from_rd_error.
    unsafe {
        let bit = |set: libc::c_int, flag: i32| if set != 0 { flag } else { 0 };
        let flags = bit(rd::rd_kafka_error_is_fatal(error), TXN_FATAL)
            | bit(rd::rd_kafka_error_is_retriable(error), TXN_RETRIABLE)
            | bit(rd::rd_kafka_error_txn_requires_abort(error), TXN_ABORTABLE);
        Err(TxnError { error: Error::from_rd_error(error), flags })
    }
}

impl Producer {
    /// Registers `transactional.id` with the cluster, fencing any older
    /// producer with the same id. Once per producer, before the first
    /// transaction.
    pub fn init_transactions(&self, timeout: Duration) -> TxnResult {
        // SAFETY: rk is live.
        outcome(unsafe { rd::rd_kafka_init_transactions(self.rk, millis(timeout)) })
    }

    pub fn begin_transaction(&self) -> TxnResult {
        // SAFETY: rk is live.
        outcome(unsafe { rd::rd_kafka_begin_transaction(self.rk) })
    }

    /// Delivers everything produced in the transaction, then commits it.
    pub fn commit_transaction(&self, timeout: Duration) -> TxnResult {
        // librdkafka flushes on this thread: its delivery reports are
        // staged by our callback and must reach the report queue.
        // SAFETY: rk is live.
        self.serving(|| outcome(unsafe { rd::rd_kafka_commit_transaction(self.rk, millis(timeout)) }))
    }

    /// Drops everything produced in the transaction (each message gets a
    /// failed delivery report) and aborts it.
    pub fn abort_transaction(&self, timeout: Duration) -> TxnResult {
        // SAFETY: rk is live.
        self.serving(|| outcome(unsafe { rd::rd_kafka_abort_transaction(self.rk, millis(timeout)) }))
    }

    /// Makes `offsets` (each the next offset to read) part of the
    /// transaction, as commits of `consumer`'s group: they are committed
    /// with it, or not at all. Empty: the consumer's current positions.
    pub fn send_offsets_to_transaction(&self, consumer: &Consumer, offsets: &[Entry], timeout: Duration) -> TxnResult {
        let offsets = if offsets.is_empty() {
            consumer.position().map_err(|error| TxnError { error, flags: 0 })?
        } else {
            offsets.to_vec()
        };
        let offsets: Vec<Entry> = offsets.into_iter().filter(|e| e.offset >= 0).collect();
        let list = crate::consumer_control::raw_list(&offsets);
        // SAFETY: both clients are live; the metadata is ours to destroy.
        unsafe {
            let group = rd::rd_kafka_consumer_group_metadata(consumer.rk);
            if group.is_null() {
                return Err(TxnError {
                    error: Error::state("the consumer has no group metadata: it needs group.id"),
                    flags: 0,
                });
            }
            let result = outcome(rd::rd_kafka_send_offsets_to_transaction(self.rk, list.0, group, millis(timeout)));
            rd::rd_kafka_consumer_group_metadata_destroy(group);
            result
        }
    }
}

/// The client's fatal error, if it has had one (the producer or consumer
/// can then do nothing more: release it and make a new one).
pub fn fatal_error(conn: crate::connection::Connection<'_>) -> Option<Error> {
    let mut errstr = [0 as libc::c_char; 512];
    // SAFETY: rk is live; errstr is writable.
    let code = unsafe { rd::rd_kafka_fatal_error(conn.raw(), errstr.as_mut_ptr(), errstr.len()) };
    (code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR).then(|| Error::new(code as i32, errstr_text(&errstr)))
}
