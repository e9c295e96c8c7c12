//! Consumer control: `Assign`, `Assignment`, `Unsubscribe`, `Subscription`,
//! `Seek`, `OffsetsForTimes`, `Position`, `Pause`, `Resume`, `Watermarks`.
//!
//! Partitions travel as partition vectors: input `topics` (LF-separated
//! names, one per entry, or one name for all), `partitions`, `offsets`,
//! `count`; output `topics, topicslen, partitions, offsets, errors, count`
//! (`>0T1 =U4 >I4[] >I8[] >I4[] =I4`), where `*topicslen` and `*count` hold
//! the capacities on entry and the sizes written on return, or the sizes
//! needed with status `KAFKA_ERR_TOO_SMALL`.

use libc::{c_char, c_int, c_void};

use super::arrays::{input_count, input_partitions, timeout, PartitionsOut};
use super::{guard, input_str, output_bytes, required, ErrorText};
use crate::client::Client;
use crate::consumer_control::{self as control, OFFSET_INVALID};
use crate::registry;

/// What `list` says of the consumer behind `kafka`; nothing for a client
/// that is not a consumer (yet).
fn of_consumer(
    kafka: *mut c_void,
    list: impl FnOnce(&crate::consumer::Consumer) -> crate::error::Result<Vec<crate::partition_list::Entry>>,
) -> crate::error::Result<Vec<crate::partition_list::Entry>> {
    let client = registry::get::<Client>(kafka)?;
    match client.existing_consumer()? {
        Some(consumer) => list(consumer),
        None => Ok(Vec::new()),
    }
}

/// A partition number standing for every partition of a topic.
pub const KAFKA_PARTITION_ALL: i32 = -1;
/// Logical offsets: the first message kept, the next message to arrive,
/// the group's committed offset, and "none".
pub const KAFKA_OFFSET_BEGINNING: i64 = -2;
pub const KAFKA_OFFSET_END: i64 = -1;
pub const KAFKA_OFFSET_STORED: i64 = -1000;
pub const KAFKA_OFFSET_INVALID: i64 = -1001;

/// Replaces the consumer's assignment with the partitions given (count 0:
/// unassigns everything). On a client handle that is not a consumer yet,
/// makes it one; it then needs no `group.id` (without one it cannot
/// subscribe or commit).
///
/// `offsets` (may be NULL) says where each partition starts: an offset, -2
/// (the beginning), -1 (the end), or -1001 (the group's committed offset,
/// else `auto.offset.reset`; the same as NULL). A partition of -1 stands for
/// every partition of the topic: `Assign(h, "t", {-1}, {-2}, 1, …)` reads
/// topic t from the beginning, like `--from-beginning`.
///
/// Returns 0; -190 (unknown partition), 3 (unknown topic) or librdkafka's
/// error; `KAFKA_ERR_BAD_HANDLE` for a producer or a dead handle;
/// `KAFKA_ERR_INVALID_ARGUMENT` for a negative count or NULL arrays.
#[no_mangle]
pub unsafe extern "C" fn Assign(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_partitions(topics, partitions, offsets, count, OFFSET_INVALID)?;
        let client = registry::get::<Client>(kafka)?;
        client.consumer_or_new()?.assign(&entries)?;
        Ok(0)
    })
}

/// Writes the consumer's current assignment as partition vectors (offsets
/// -1001, errors 0). A client that is not a consumer has none: count 0.
#[no_mangle]
pub unsafe extern "C" fn Assignment(
    kafka: *mut c_void,
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
        let out = PartitionsOut::checked(topics, topicslen, partitions, offsets, errors, count)?;
        out.write(&of_consumer(kafka, |consumer| consumer.assignment())?)
    })
}

/// Leaves the subscription: the group takes back the consumer's partitions.
/// The handle stays a consumer and may subscribe or assign again.
#[no_mangle]
pub unsafe extern "C" fn Unsubscribe(kafka: *mut c_void, errtxt: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        registry::get::<Client>(kafka)?.consumer()?.unsubscribe()?;
        Ok(0)
    })
}

/// Writes the subscribed topic names, LF-separated, into `topics` (capacity
/// `*topicslen` on entry, length on return; NUL-terminated when there is
/// room) and their number into `*count`. `KAFKA_ERR_TOO_SMALL` sets
/// `*topicslen` to the length needed.
#[no_mangle]
pub unsafe extern "C" fn Subscription(
    kafka: *mut c_void,
    topics: *mut c_char,
    topicslen: *mut u32,
    count: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let len = required(topicslen, "topicslen")?;
        let n = required(count, "count")?;
        let client = registry::get::<Client>(kafka)?;
        let names = match client.existing_consumer()? {
            Some(consumer) => consumer.subscription()?,
            None => Vec::new(),
        };
        let text = names.join("\n");
        if text.len() > *len as usize {
            *len = text.len() as u32;
            return Err(crate::error::Error::new(
                crate::error::KAFKA_ERR_TOO_SMALL,
                format!("the topic names need {} bytes", text.len()),
            ));
        }
        let out = output_bytes(topics, *len as usize, "topics")?;
        out[..text.len()].copy_from_slice(text.as_bytes());
        if let Some(slot) = out.get_mut(text.len()) {
            *slot = 0;
        }
        *len = text.len() as u32;
        *n = names.len() as i32;
        Ok(0)
    })
}

/// Makes the next `Consume` of an assigned partition start at `offset`: an
/// offset, -2 (the beginning) or -1 (the end). A `partition` of -1 seeks
/// every assigned partition of the topic. Waits up to 5 s for the fetcher
/// to take the new position. A message kept by a too-small `Consume` of
/// that partition is dropped: it is no longer next.
///
/// Returns 0; `KAFKA_ERR_STATE` when the partition is not assigned (assign
/// it, or wait for the group to); librdkafka's error.
#[no_mangle]
pub unsafe extern "C" fn Seek(
    kafka: *mut c_void,
    topic: *const c_char,
    partition: i32,
    offset: i64,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic = input_str(topic, "topic")?.to_string_lossy().into_owned();
        registry::get::<Client>(kafka)?.consumer()?.seek(&topic, partition, offset)?;
        Ok(0)
    })
}

/// For each partition given, the earliest offset whose message timestamp
/// (ms since the epoch, given in `times`) is at or after that time; -1 when
/// every message is older. A partition of -1 stands for every partition of
/// the topic. Waits up to `timeout_ms`. The answer goes to the output
/// partition vectors `otopics…ocount`, with a status per entry in `oerrors`.
/// Works on every client handle.
#[no_mangle]
pub unsafe extern "C" fn OffsetsForTimes(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    times: *const i64,
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
        let n = input_count(count, "count")?;
        if n > 0 && times.is_null() {
            return Err(crate::error::Error::invalid_argument("times is NULL"));
        }
        let entries = input_partitions(topics, partitions, times, count, 0)?;
        let wait = timeout(timeout_ms)?;
        // Checked before asking the cluster, so bad arguments are said as such.
        let out = PartitionsOut::checked(otopics, otopicslen, opartitions, ooffsets, oerrors, ocount)?;
        let client = registry::get::<Client>(kafka)?;
        let found = control::offsets_for_times(client.connection()?, &entries, wait)?;
        out.write(&found)
    })
}

/// Writes, per assigned partition, the offset the next `Consume` hands out
/// (-1001 before the first message), as partition vectors.
#[no_mangle]
pub unsafe extern "C" fn Position(
    kafka: *mut c_void,
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
        let out = PartitionsOut::checked(topics, topicslen, partitions, offsets, errors, count)?;
        out.write(&of_consumer(kafka, |consumer| consumer.position())?)
    })
}

/// Stops fetching the partitions given (count 0: every assigned partition;
/// partition -1: every assigned partition of the topic). Messages already
/// fetched stay and are handed out after `Resume`: nothing is lost.
#[no_mangle]
pub unsafe extern "C" fn Pause(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_partitions(topics, partitions, std::ptr::null(), count, OFFSET_INVALID)?;
        registry::get::<Client>(kafka)?.consumer()?.pause(&entries)?;
        Ok(0)
    })
}

/// Restarts fetching partitions stopped by `Pause` (count 0: every assigned
/// partition; partition -1: every assigned partition of the topic).
#[no_mangle]
pub unsafe extern "C" fn Resume(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let entries = input_partitions(topics, partitions, std::ptr::null(), count, OFFSET_INVALID)?;
        registry::get::<Client>(kafka)?.consumer()?.resume(&entries)?;
        Ok(0)
    })
}

/// Asks the partition's leader for its low watermark (first offset still
/// kept) and high watermark (the offset the next message will get), waiting
/// up to `timeout_ms`. Works on every client handle.
#[no_mangle]
pub unsafe extern "C" fn Watermarks(
    kafka: *mut c_void,
    topic: *const c_char,
    partition: i32,
    timeout_ms: i32,
    low: *mut i64,
    high: *mut i64,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic = input_str(topic, "topic")?;
        let wait = timeout(timeout_ms)?;
        let low = required(low, "low")?;
        let high = required(high, "high")?;
        let client = registry::get::<Client>(kafka)?;
        (*low, *high) = control::watermarks(client.connection()?, topic, partition, wait)?;
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_constants_are_librdkafkas() {
        assert_eq!(super::KAFKA_PARTITION_ALL, crate::consumer_control::ALL_PARTITIONS);
        assert_eq!(super::KAFKA_OFFSET_INVALID, crate::consumer_control::OFFSET_INVALID);
        assert_eq!(
            (super::KAFKA_OFFSET_BEGINNING, super::KAFKA_OFFSET_END, super::KAFKA_OFFSET_STORED),
            (
                i64::from(rdkafka_sys::RD_KAFKA_OFFSET_BEGINNING),
                i64::from(rdkafka_sys::RD_KAFKA_OFFSET_END),
                i64::from(rdkafka_sys::RD_KAFKA_OFFSET_STORED)
            )
        );
    }
}
