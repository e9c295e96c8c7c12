//! The transactional producer: `InitTransactions`, `BeginTransaction`,
//! `CommitTransaction`, `AbortTransaction`, `SendOffsetsToTransaction`;
//! and `FatalError` for idempotent and transactional clients.
//!
//! Each transaction call sets `*flags` (optional) to the kind of a failure:
//! `KAFKA_TXN_FATAL` (1: the producer can do nothing more; release it),
//! `KAFKA_TXN_RETRIABLE` (2: call again), `KAFKA_TXN_ABORTABLE` (4: call
//! `AbortTransaction`, then begin anew); 0 on success. `flags` may be NULL.

use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::arrays::{input_offsets, timeout};
use super::{guard, set_optional, ErrorText};
use crate::client::Client;
use crate::error::Result;
use crate::producer::Producer;
use crate::registry;
use crate::transactions::{self as txn, TxnResult};

/// The transaction calls set `*flags` (which may be NULL) to the kind of a
/// failure, as these bits, and to 0 on success. Fatal: the producer can do
/// nothing more; release it.
pub const KAFKA_TXN_FATAL: i32 = 1;
/// A transaction call's failure kind: retriable (call again).
pub const KAFKA_TXN_RETRIABLE: i32 = 2;
/// A transaction call's failure kind: the transaction must be aborted
/// (`AbortTransaction`, then begin anew).
pub const KAFKA_TXN_ABORTABLE: i32 = 4;

/// Runs a transaction call on the producer behind `prod` and reports its
/// failure kind in `flags`.
fn run(prod: *mut c_void, flags: *mut i32, call: impl FnOnce(&Producer) -> Result<TxnResult>) -> Result<c_int> {
    set_optional(flags, 0);
    let client = registry::get::<Client>(prod)?;
    match call(client.producer()?)? {
        Ok(()) => Ok(0),
        Err(failed) => {
            set_optional(flags, failed.flags);
            Err(failed.error)
        }
    }
}

/// Makes the client handle a transactional producer (it needs
/// `transactional.id`), registering with the cluster and fencing older
/// producers with the same id; waits up to `timeout_ms`. Once, before the
/// first transaction.
#[no_mangle]
pub unsafe extern "C" fn InitTransactions(
    prod: *mut c_void,
    timeout_ms: i32,
    flags: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        run(prod, flags, |p| Ok(p.init_transactions(wait)))
    })
}

/// Starts a transaction: what is produced from now on is committed or
/// aborted together.
#[no_mangle]
pub unsafe extern "C" fn BeginTransaction(
    prod: *mut c_void,
    flags: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| run(prod, flags, |p| Ok(p.begin_transaction())))
}

/// Delivers every message of the transaction and commits it, waiting up to
/// `timeout_ms`; the messages' delivery reports are then ready.
#[no_mangle]
pub unsafe extern "C" fn CommitTransaction(
    prod: *mut c_void,
    timeout_ms: i32,
    flags: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        run(prod, flags, |p| Ok(p.commit_transaction(wait)))
    })
}

/// Aborts the transaction: its messages are never visible to
/// `read_committed` consumers. Messages still queued get a failed delivery
/// report (-152, purged); those already sent report success, as written
/// records, yet stay invisible to `read_committed` consumers.
#[no_mangle]
pub unsafe extern "C" fn AbortTransaction(
    prod: *mut c_void,
    timeout_ms: i32,
    flags: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        run(prod, flags, |p| Ok(p.abort_transaction(wait)))
    })
}

/// Makes consumed offsets part of the transaction (consume-transform-
/// produce, exactly once): the offsets given as partition vectors (each the
/// next offset to read), or with count 0 the current positions of the
/// consumer `cons`, are committed for its group with the transaction, or
/// not at all. `cons` should have `enable.auto.commit` "false".
#[no_mangle]
pub unsafe extern "C" fn SendOffsetsToTransaction(
    prod: *mut c_void,
    cons: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    timeout_ms: i32,
    flags: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_offsets(topics, partitions, offsets, count)?;
        let wait: Duration = timeout(timeout_ms)?;
        let consumer_client = registry::get::<Client>(cons)?;
        let consumer = consumer_client.consumer()?;
        run(prod, flags, |p| Ok(p.send_offsets_to_transaction(consumer, &entries, wait)))
    })
}

/// Says whether the client has had a fatal error (an idempotent or
/// transactional producer fenced or out of sequence, say): returns 0 when
/// not, else the underlying error code with its text. After a fatal error
/// the client can do nothing more: release it and make a new one.
#[no_mangle]
pub unsafe extern "C" fn FatalError(kafka: *mut c_void, errtxt: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let client = registry::get::<Client>(kafka)?;
        match client.existing_connection() {
            Some(conn) => match txn::fatal_error(conn) {
                Some(error) => Err(error),
                None => Ok(0),
            },
            None => Ok(0),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_flags_are_the_library_flags() {
        use crate::transactions::*;
        assert_eq!(
            (super::KAFKA_TXN_FATAL, super::KAFKA_TXN_RETRIABLE, super::KAFKA_TXN_ABORTABLE),
            (TXN_FATAL, TXN_RETRIABLE, TXN_ABORTABLE)
        );
    }
}
