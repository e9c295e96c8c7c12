//! `Events`: the client's logs, errors and statistics, pulled.

use libc::{c_char, c_int, c_void};

use super::arrays::{input_count, timeout};
use super::{guard, output_array, output_bytes, required, set_optional, ErrorText};
use crate::client::Client;
use crate::error::{Error, KAFKA_ERR_TOO_SMALL};
use crate::registry;

/// Kinds of event `Events` gives.
pub const KAFKA_EVENT_LOG: i32 = 1;
pub const KAFKA_EVENT_ERROR: i32 = 2;
pub const KAFKA_EVENT_STATS: i32 = 3;

/// Takes up to `*count` (its capacity on entry) of the client's events,
/// oldest first, waiting up to `timeout_ms` for the first: librdkafka's log
/// lines, client-level errors (all brokers down, authentication failed, a
/// fatal idempotence error…) and statistics (JSON, every
/// `statistics.interval.ms`). Nothing goes to stderr unless the property
/// `events.stderr` is set to "true" with `SetKafkaConf`.
///
/// Per event: `kinds` (1 log, 2 error, 3 statistics), `levels` (syslog: 0
/// emergency … 7 debug; errors 3, fatal errors 2), `codes` (the error code
/// for errors, else 0), and the text, back to back in `texts` (capacity
/// `*textslen` on entry, bytes written on return) with `textlens`. Events
/// that do not fit stay for the next call; when not even the first fits:
/// `KAFKA_ERR_TOO_SMALL` with `*textslen` set to its length. `*count` is
/// set to how many were written, `*dropped` (optional) to the events lost
/// since the last call because the queue (1000 events) was full: the oldest
/// go first. Works on every client handle; a consumer's errors and
/// statistics are gathered while it consumes.
#[no_mangle]
pub unsafe extern "C" fn Events(
    kafka: *mut c_void,
    timeout_ms: i32,
    kinds: *mut i32,
    levels: *mut i32,
    codes: *mut i32,
    texts: *mut c_char,
    textslen: *mut u32,
    textlens: *mut i32,
    count: *mut i32,
    dropped: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        let count = required(count, "count")?;
        let capacity = input_count(*count, "*count")?;
        let text_capacity = *required(textslen, "textslen")? as usize;
        let kinds = output_array(kinds, capacity, "kinds")?;
        let levels = output_array(levels, capacity, "levels")?;
        let codes = output_array(codes, capacity, "codes")?;
        let lengths = output_array(textlens, capacity, "textlens")?;
        let text = output_bytes(texts, text_capacity, "texts")?;
        let client = registry::get::<Client>(kafka)?;
        client.serve_events();
        let (mut n, mut used, mut first_len) = (0usize, 0usize, None);
        let (taken, lost) = client.events().take(wait, |e| {
            if n == capacity || used + e.text.len() > text_capacity {
                first_len.get_or_insert(e.text.len());
                return false;
            }
            n += 1;
            used += e.text.len();
            true
        });
        set_optional(dropped, lost.min(i32::MAX as u64) as i32);
        let mut at = 0;
        for (i, e) in taken.iter().enumerate() {
            kinds[i] = e.kind;
            levels[i] = e.level;
            codes[i] = e.code;
            lengths[i] = e.text.len() as i32;
            text[at..at + e.text.len()].copy_from_slice(e.text.as_bytes());
            at += e.text.len();
        }
        *count = taken.len() as i32;
        *textslen = at as u32;
        match (taken.is_empty(), first_len) {
            (true, Some(len)) if capacity > 0 => {
                *textslen = len as u32;
                Err(Error::new(KAFKA_ERR_TOO_SMALL, format!("the next event's text needs {len} bytes")))
            }
            _ => Ok(0),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_kinds_are_the_library_kinds() {
        use crate::events::*;
        assert_eq!(
            (super::KAFKA_EVENT_LOG, super::KAFKA_EVENT_ERROR, super::KAFKA_EVENT_STATS),
            (EVENT_LOG, EVENT_ERROR, EVENT_STATS)
        );
    }
}
