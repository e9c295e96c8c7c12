//! Messages as the batch and "with" calls see them: headers and timestamps
//! on the way out, and every field of a consumed message on the way in.
//!
//! Headers travel as one byte buffer plus a length vector holding, per
//! header, the name's length then the value's (-1: a null value), so names
//! and values may hold any bytes and APL, C and Python pass plain arrays.

use std::ffi::CStr;

use rdkafka_sys as rd;

use crate::error::{Error, Result};

/// One header: a name and a value that may be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// A message to produce. `timestamp` 0 means "now" (librdkafka's default).
pub struct Outgoing<'a> {
    pub topic: &'a CStr,
    pub payload: Option<&'a [u8]>,
    pub key: Option<&'a [u8]>,
    pub partition: i32,
    pub timestamp: i64,
    pub headers: &'a [Header<'a>],
}

/// Reads `count` headers from `data` and `lengths` (two per header).
pub fn parse_headers<'a>(data: &'a [u8], lengths: &[i32], count: usize) -> Result<Vec<Header<'a>>> {
    if lengths.len() < 2 * count {
        return Err(Error::invalid_argument(format!(
            "{count} headers need {} lengths (name, value per header), not {}",
            2 * count,
            lengths.len()
        )));
    }
    let mut at = 0usize;
    let mut take = |len: i32, what: &str, i: usize| -> Result<Option<&'a [u8]>> {
        if len == -1 && what == "value" {
            return Ok(None);
        }
        let n = usize::try_from(len)
            .map_err(|_| Error::invalid_argument(format!("header {i}: the {what} length is {len}")))?;
        let piece = data.get(at..at + n).ok_or_else(|| {
            Error::invalid_argument(format!("header {i}: its {what} runs past the {} header bytes given", data.len()))
        })?;
        at += n;
        Ok(Some(piece))
    };
    (0..count)
        .map(|i| {
            let name = take(lengths[2 * i], "name", i)?.unwrap_or_default();
            if name.contains(&0) {
                return Err(Error::invalid_argument(format!("header {i}: a header name cannot hold a NUL byte")));
            }
            let value = take(lengths[2 * i + 1], "value", i)?;
            Ok(Header { name, value })
        })
        .collect()
}

/// librdkafka's copy of `headers`, to hand over with a message.
pub(crate) fn raw_headers(headers: &[Header<'_>]) -> *mut rd::rd_kafka_headers_t {
    // SAFETY: a fresh list; every name and value is copied by header_add.
    unsafe {
        let raw = rd::rd_kafka_headers_new(headers.len());
        for h in headers {
            let (value, size) = match h.value {
                Some(v) => (v.as_ptr() as *const libc::c_void, v.len() as isize),
                None => (std::ptr::null(), 0),
            };
            rd::rd_kafka_header_add(raw, h.name.as_ptr() as *const libc::c_char, h.name.len() as isize, value, size);
        }
        raw
    }
}

/// The headers of a consumed message, borrowed from it.
///
/// # Safety
/// `message` must be a live message; the slices live as long as it does.
pub(crate) unsafe fn message_headers<'a>(message: *const rd::rd_kafka_message_t) -> Vec<Header<'a>> {
    let mut raw = std::ptr::null_mut();
    if rd::rd_kafka_message_headers(message, &mut raw) != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Vec::new();
    }
    let count = rd::rd_kafka_header_cnt(raw);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let (mut name, mut value, mut size) = (std::ptr::null(), std::ptr::null(), 0usize);
        if rd::rd_kafka_header_get_all(raw, i, &mut name, &mut value, &mut size)
            != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
        {
            break;
        }
        let value = (!value.is_null()).then(|| std::slice::from_raw_parts(value as *const u8, size));
        out.push(Header { name: CStr::from_ptr(name).to_bytes(), value });
    }
    out
}

/// Bytes needed to pack `headers`, and lengths (two per header).
pub fn headers_size(headers: &[Header<'_>]) -> usize {
    headers.iter().map(|h| h.name.len() + h.value.map_or(0, <[u8]>::len)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_from_one_buffer_and_lengths() {
        let data = b"traceabc\0\x01id";
        let got = parse_headers(data, &[5, 5, 2, -1, 0, 0], 3).unwrap();
        assert_eq!(got[0], Header { name: b"trace", value: Some(b"abc\0\x01") });
        assert_eq!(got[1], Header { name: b"id", value: None });
        assert_eq!(got[2], Header { name: b"", value: Some(b"") });
        assert!(parse_headers(data, &[5, 50], 1).is_err());
        assert!(parse_headers(data, &[-1, 0], 1).is_err());
        assert!(parse_headers(data, &[5], 1).is_err());
        assert!(parse_headers(b"a\0b", &[3, 0], 1).is_err());
    }
}
