//! Commits: `CommitAsync`, `CommitReport(Wait)`, `CommitOffsets`, `StoreOffsets`,
//! `CommittedOffsets`. Every offset here is the next one to read: last
//! consumed (or processed) + 1.

use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::arrays::{input_offsets, input_partitions, timeout, PartitionsOut};
use super::{guard, ErrorText};
use crate::client::Client;
use crate::consumer_control::OFFSET_INVALID;
use crate::error::{Error, Result, KAFKA_ERR_TOO_SMALL};
use crate::registry;

/// How long `CommitReport` waits when commits are in flight and none has
/// reported yet; short, so an APL loop stays interruptible.
const REPORT_WAIT: Duration = Duration::from_millis(500);

/// Starts a commit without waiting for it: of the offsets given as
/// partition vectors (each the next offset to read), or, with count 0, of
/// the offsets stored for the assignment (what `Commit(c, NULL)` commits).
/// Its outcome, one entry per partition, is collected with `CommitReport`.
/// Needs `group.id`.
#[no_mangle]
pub unsafe extern "C" fn CommitAsync(
    cons: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_offsets(topics, partitions, offsets, count)?;
        registry::get::<Client>(cons)?.consumer()?.commit_async(&entries)?;
        Ok(0)
    })
}

/// Serves the outcomes of `CommitAsync`, oldest first, one entry per
/// partition: topic names (LF-separated, in `topics` of capacity
/// `*topicslen`), partitions, committed offsets and statuses (0 committed;
/// -168 when there was nothing to commit: one entry per partition with
/// offset -1001, or a single entry with an empty topic and partition -1
/// when librdkafka names none). Writes up to `*count` entries (its capacity
/// on entry) and sets `*count` and `*topicslen` to what was written; the
/// rest stay for the next call. Returns at once when outcomes are ready or
/// no commit is in flight, else waits at most 500 ms (`CommitReportWait`
/// takes the wait as an argument). `KAFKA_ERR_TOO_SMALL`
/// when not even the first entry fits (`*topicslen` set to what it needs).
/// The shape is that of Dyalog's unfinished `CommitReport`.
#[no_mangle]
pub unsafe extern "C" fn CommitReport(
    cons: *mut c_void,
    topics: *mut c_char,
    topicslen: *mut u32,
    partitions: *mut i32,
    offsets: *mut i64,
    errors: *mut i32,
    count: *mut i32,
) -> c_int {
    guard(ErrorText::none(), |_| {
        serve_commit_reports(cons, REPORT_WAIT, topics, topicslen, partitions, offsets, errors, count)
    })
}

/// `CommitReport` waiting at most `timeout_ms` (0: not at all) for the
/// first outcome when commits are in flight, with an error text.
#[no_mangle]
pub unsafe extern "C" fn CommitReportWait(
    cons: *mut c_void,
    timeout_ms: i32,
    topics: *mut c_char,
    topicslen: *mut u32,
    partitions: *mut i32,
    offsets: *mut i64,
    errors: *mut i32,
    count: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        serve_commit_reports(cons, wait, topics, topicslen, partitions, offsets, errors, count)
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn serve_commit_reports(
    cons: *mut c_void,
    wait: Duration,
    topics: *mut c_char,
    topicslen: *mut u32,
    partitions: *mut i32,
    offsets: *mut i64,
    errors: *mut i32,
    count: *mut i32,
) -> Result<c_int> {
    let out = PartitionsOut::checked(topics, topicslen, partitions, offsets, errors, count)?;
    let (text_room, capacity) = (*topicslen as usize, *count as usize);
    let client = registry::get::<Client>(cons)?;
    let Some(consumer) = client.existing_consumer()? else {
        return out.write(&[]);
    };
    // Take only what fits: the rest stays for the next call.
    let (mut used, mut n, mut refused) = (0usize, 0usize, None);
    let taken = consumer.take_commit_reports(wait, |e| {
        let extra = if n == 0 { e.topic.len() } else { e.topic.len() + 1 };
        if n == capacity || used + extra > text_room {
            if n == 0 && capacity > 0 {
                refused = Some(e.topic.len());
            }
            return false;
        }
        used += extra;
        n += 1;
        true
    });
    match refused {
        Some(needed) if taken.is_empty() => {
            *topicslen = needed as u32;
            Err(Error::new(KAFKA_ERR_TOO_SMALL, format!("the first outcome's topic name needs {needed} bytes")))
        }
        _ => out.write(&taken),
    }
}

/// Commits the offsets given as partition vectors (each the next offset to
/// read) and waits for the outcome, at most 10 s (-185 after that); with
/// count 0, the offsets stored for the assignment. Returns 0, or the first
/// failing partition's status.
#[no_mangle]
pub unsafe extern "C" fn CommitOffsets(
    cons: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_offsets(topics, partitions, offsets, count)?;
        registry::get::<Client>(cons)?.consumer()?.commit_offsets(&entries)?;
        Ok(0)
    })
}

/// Stores offsets (partition vectors; each the next offset to read, so
/// last processed + 1) for the next commit, automatic or explicit. For
/// at-least-once processing set `enable.auto.offset.store` to "false",
/// store after processing, and commit: a consumer that dies in between
/// resumes at the first message not stored. Only assigned partitions can
/// store (-190 otherwise).
#[no_mangle]
pub unsafe extern "C" fn StoreOffsets(
    cons: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_offsets(topics, partitions, offsets, count)?;
        registry::get::<Client>(cons)?.consumer()?.store_offsets(&entries)?;
        Ok(0)
    })
}

/// The group's committed offsets (the next offset it will read; -1001
/// where it has none) of the partitions given, or of the assignment when
/// count is 0, as output partition vectors, waiting up to `timeout_ms` for
/// the coordinator. A handle still being configured becomes a consumer (as
/// with `Assign`), so a group's offsets can be asked before subscribing.
#[no_mangle]
pub unsafe extern "C" fn CommittedOffsets(
    cons: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    count: i32,
    timeout_ms: i32,
    otopics: *mut c_char,
    otopicslen: *mut u32,
    opartitions: *mut i32,
    ooffsets: *mut i64,
    oerrors: *mut i32,
    ocount: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_partitions(topics, partitions, std::ptr::null(), count, OFFSET_INVALID)?;
        let wait = timeout(timeout_ms)?;
        let out = PartitionsOut::checked(otopics, otopicslen, opartitions, ooffsets, oerrors, ocount)?;
        let client = registry::get::<Client>(cons)?;
        let found = client.consumer_or_new()?.committed_offsets(&entries, wait)?;
        out.write(&found)
    })
}
