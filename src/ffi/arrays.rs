//! Shared plumbing of the exports that take or give many items: partition
//! vectors, name lists, per-item outcomes, JSON results and timeouts.
//!
//! Names travel as one text, separated by LF (no topic or group name can
//! hold one), so that APL passes them as one character vector and C as one
//! string; numbers travel as parallel arrays.

use std::time::Duration;

use libc::{c_char, c_int};

use super::{input_str, output_array, output_bytes, required};
use crate::admin::Outcome;
use crate::error::{Error, Result, KAFKA_ERR_TOO_SMALL};
use crate::partition_list::Entry;

/// A count of input items: never negative.
pub(crate) fn input_count(count: i32, what: &str) -> Result<usize> {
    usize::try_from(count).map_err(|_| Error::invalid_argument(format!("{what} is {count}: it cannot be negative")))
}

/// A wait in milliseconds: never negative.
pub(crate) fn timeout(ms: i32) -> Result<Duration> {
    let ms =
        u64::try_from(ms).map_err(|_| Error::invalid_argument(format!("timeout_ms is {ms}: it cannot be negative")))?;
    Ok(Duration::from_millis(ms))
}

/// An input array of `count` elements; NULL means "not given".
pub(crate) fn input_array<'a, T>(ptr: *const T, count: usize) -> Option<&'a [T]> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: the caller promises `count` readable elements at ptr.
        Some(unsafe { std::slice::from_raw_parts(ptr, count) })
    }
}

/// A required input array of `count` elements.
pub(crate) fn required_array<'a, T>(ptr: *const T, count: usize, what: &str) -> Result<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    input_array(ptr, count).ok_or_else(|| Error::invalid_argument(format!("{what} is NULL but count is {count}")))
}

/// `count` names from LF-separated text; one name stands for all `count`.
pub(crate) fn input_names(ptr: *const c_char, count: usize, what: &str) -> Result<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let text = input_str(ptr, what)?.to_str().map_err(|_| Error::invalid_argument(format!("{what} is not UTF-8")))?;
    let names: Vec<String> = text.split('\n').map(str::to_string).collect();
    match names.len() {
        1 => Ok(vec![names[0].clone(); count]),
        n if n == count => Ok(names),
        n => Err(Error::invalid_argument(format!(
            "{what} holds {n} names for {count} items: give one name per item (separated by LF), or one for all"
        ))),
    }
}

/// A list of names, however many the text holds ("" or NULL: none).
pub(crate) fn input_name_list(ptr: *const c_char, what: &str) -> Result<Vec<String>> {
    if ptr.is_null() {
        return Ok(Vec::new());
    }
    let text = input_str(ptr, what)?.to_str().map_err(|_| Error::invalid_argument(format!("{what} is not UTF-8")))?;
    Ok(text.split('\n').filter(|s| !s.is_empty()).map(str::to_string).collect())
}

/// Partition vectors: topic names, partitions and (optional) offsets.
pub(crate) fn input_partitions(
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    default_offset: i64,
) -> Result<Vec<Entry>> {
    let count = input_count(count, "count")?;
    let names = input_names(topics, count, "topics")?;
    let partitions = required_array(partitions, count, "partitions")?;
    let offsets = input_array(offsets, count);
    Ok((0..count).map(|i| Entry::new(&names[i], partitions[i], offsets.map_or(default_offset, |o| o[i]))).collect())
}

/// Partition vectors with required offsets (when count is not 0).
pub(crate) fn input_offsets(
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
) -> Result<Vec<Entry>> {
    if count > 0 && offsets.is_null() {
        return Err(Error::invalid_argument("offsets is NULL but count is not 0"));
    }
    input_partitions(topics, partitions, offsets, count, crate::consumer_control::OFFSET_INVALID)
}

/// `key=value` lines; a line without `=` is a key alone (`None`).
pub(crate) fn input_settings(ptr: *const c_char, what: &str) -> Result<Vec<(String, Option<String>)>> {
    Ok(input_name_list(ptr, what)?
        .into_iter()
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(v.to_string())),
            None => (line.trim().to_string(), None),
        })
        .collect())
}

/// Where partition vectors go: `>0T1 =U4 >I4[] >I8[] >I4[] =I4`.
pub(crate) struct PartitionsOut {
    pub topics: *mut c_char,
    pub topicslen: *mut u32,
    pub partitions: *mut i32,
    pub offsets: *mut i64,
    pub errors: *mut i32,
    pub count: *mut i32,
}

impl PartitionsOut {
    /// Output partition vectors, checked before any work is done: the two
    /// lengths are required and the arrays must hold `*count` entries.
    pub(crate) fn checked(
        topics: *mut c_char,
        topicslen: *mut u32,
        partitions: *mut i32,
        offsets: *mut i64,
        errors: *mut i32,
        count: *mut i32,
    ) -> Result<Self> {
        let text = *required(topicslen, "topicslen")? as usize;
        let room = input_count(*required(count, "count")?, "*count")?;
        output_bytes(topics, text, "topics")?;
        output_array(partitions, room, "partitions")?;
        output_array(offsets, room, "offsets")?;
        output_array(errors, room, "errors")?;
        Ok(PartitionsOut { topics, topicslen, partitions, offsets, errors, count })
    }

    /// Writes `entries`, or sets the sizes needed and fails with
    /// `KAFKA_ERR_TOO_SMALL` when they do not fit.
    pub(crate) fn write(&self, entries: &[Entry]) -> Result<c_int> {
        let text_len = required(self.topicslen, "topicslen")?;
        let count = required(self.count, "count")?;
        let names = entries.iter().map(|e| e.topic.as_str()).collect::<Vec<_>>().join("\n");
        let capacity = usize::try_from(*count).unwrap_or(0);
        if names.len() > *text_len as usize || entries.len() > capacity {
            let needed = (names.len(), entries.len());
            *text_len = needed.0 as u32;
            *count = needed.1 as i32;
            return Err(Error::new(
                KAFKA_ERR_TOO_SMALL,
                format!(
                    "room for {capacity} entries is too little: {} needed, and {} bytes of names",
                    needed.1, needed.0
                ),
            ));
        }
        let text = output_bytes(self.topics, *text_len as usize, "topics")?;
        let partitions = output_array(self.partitions, entries.len(), "partitions")?;
        let offsets = output_array(self.offsets, entries.len(), "offsets")?;
        let errors = output_array(self.errors, entries.len(), "errors")?;
        text[..names.len()].copy_from_slice(names.as_bytes());
        if let Some(slot) = text.get_mut(names.len()) {
            *slot = 0;
        }
        for (i, e) in entries.iter().enumerate() {
            partitions[i] = e.partition;
            offsets[i] = e.offset;
            errors[i] = e.status;
        }
        *text_len = names.len() as u32;
        *count = entries.len() as i32;
        Ok(0)
    }
}

/// Writes a JSON result NUL-terminated, or sets the size needed (length
/// plus one) and fails with `KAFKA_ERR_TOO_SMALL`.
pub(crate) fn write_json(result: *mut c_char, resultlen: *mut i32, json: &str) -> Result<c_int> {
    let len = required(resultlen, "resultlen")?;
    let capacity = usize::try_from(*len).unwrap_or(0);
    if json.len() >= capacity {
        *len = i32::try_from(json.len() + 1).unwrap_or(i32::MAX);
        return Err(Error::new(
            KAFKA_ERR_TOO_SMALL,
            format!("the result needs {} bytes; the buffer has {capacity}", json.len() + 1),
        ));
    }
    let out = output_bytes(result, capacity, "result")?;
    out[..json.len()].copy_from_slice(json.as_bytes());
    out[json.len()] = 0;
    *len = json.len() as i32;
    Ok(0)
}

/// Writes one status per item into `errors`; succeeds when every item did,
/// else fails with the first failure's code and one line per failure.
pub(crate) fn write_outcomes(out: &mut [i32], outcomes: &[Outcome]) -> Result<c_int> {
    for (slot, o) in out.iter_mut().zip(outcomes) {
        *slot = o.code;
    }
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.code != 0).collect();
    let Some(first) = failed.first() else { return Ok(0) };
    // One reason shared by every failure (no broker, say) is said once.
    let text = if failed.iter().all(|o| o.code == first.code && o.text == first.text) {
        let names: Vec<&str> = failed.iter().map(|o| o.name.as_str()).collect();
        format!("{}: {}", names.join(", "), first.text)
    } else {
        failed.iter().map(|o| format!("{}: {}", o.name, o.text)).collect::<Vec<_>>().join("\n")
    };
    Err(Error::new(first.code, text))
}
