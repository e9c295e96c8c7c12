//! One error model for the whole library: a status code plus a sentence.
//!
//! Codes pass librdkafka's `rd_kafka_resp_err_t` through unchanged (negative:
//! local, positive: broker). The few codes of our own sit in -300..-399, a
//! range librdkafka never uses, and are exported to the header below.

use std::ffi::CStr;
use std::fmt;

use rdkafka_sys as rd;

/// Status: a handle argument is NULL, was never issued, was already
/// released, or is of another kind (for example a consumer passed to
/// `Produce`). Nothing was done.
pub const KAFKA_ERR_BAD_HANDLE: i32 = -300;
/// Status: a required pointer argument is NULL, or a length is negative.
/// Nothing was done.
pub const KAFKA_ERR_INVALID_ARGUMENT: i32 = -301;
/// Status: the call does not fit the handle's current state (for example
/// `SetKafkaConf` after the handle became a producer). Nothing was done.
pub const KAFKA_ERR_STATE: i32 = -302;
/// Status: an internal fault was caught at the library boundary. The call
/// had no effect that can be relied on; please report it.
pub const KAFKA_ERR_INTERNAL: i32 = -303;
/// Status: an output buffer is too small. The length arguments hold the
/// sizes needed; nothing else was done, so ask again with bigger buffers.
pub const KAFKA_ERR_TOO_SMALL: i32 = -304;
/// Status of `Produce` and `SubscribeConsumerTPList`: librdkafka refused to
/// create the producer or consumer from the handle's configuration; the
/// reason is in `errtxt`. The handle stays configurable.
pub const KAFKA_ERR_CREATE: i32 = 1;
/// Status of `Consume`: no message arrived within the wait ("no msg").
pub const KAFKA_CONSUME_NO_MESSAGE: i32 = 1;
/// Status of `Consume`: a buffer was too small. The three lengths hold the
/// sizes needed and the message is kept for the next call.
pub const KAFKA_CONSUME_BUFFER_TOO_SMALL: i32 = 2;
/// Status of `Consume`, `ConsumeWith` and `ConsumeBatch` on a consumer with
/// `application.rebalance`: the group is rebalancing and waits for the
/// application. Nothing was consumed; `Rebalance` tells what changes, and
/// the next consume call (or an `Assign`) lets the rebalance go on.
pub const KAFKA_CONSUME_REBALANCE: i32 = 3;

/// What a consume call returns when a rebalance waits for the application.
pub fn rebalance_waiting() -> Error {
    Error::new(
        KAFKA_CONSUME_REBALANCE,
        "the group is rebalancing: Rebalance tells which partitions come or go; consume again to go on",
    )
}

/// A failed call: the status code returned to C and the text for `errtxt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: i32,
    pub text: String,
}

impl Error {
    pub fn new(code: i32, text: impl Into<String>) -> Self {
        Error { code, text: text.into() }
    }

    /// A librdkafka error code with librdkafka's own description.
    pub fn kafka(code: rd::rd_kafka_resp_err_t) -> Self {
        Error::new(code as i32, describe_code(code as i32))
    }

    /// A librdkafka error code with a more specific text.
    pub fn kafka_with(code: rd::rd_kafka_resp_err_t, text: impl Into<String>) -> Self {
        Error::new(code as i32, text)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    ///
    /// # Safety
    /// `error` must be a live error object returned by librdkafka.
    pub(crate) unsafe fn from_rd_error(error: *mut rd::rd_kafka_error_t) -> Self {
        let code = rd::rd_kafka_error_code(error) as i32;
        let text = cstr_lossy(rd::rd_kafka_error_string(error));
        rd::rd_kafka_error_destroy(error);
        Error::new(code, text)
    }

    pub fn invalid_argument(text: impl Into<String>) -> Self {
        Error::new(KAFKA_ERR_INVALID_ARGUMENT, text)
    }

    pub fn state(text: impl Into<String>) -> Self {
        Error::new(KAFKA_ERR_STATE, text)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.text, self.code)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Converts a status that librdkafka returned into a `Result`.
pub(crate) fn check(code: rd::rd_kafka_resp_err_t) -> Result<()> {
    if code == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        Ok(())
    } else {
        Err(Error::kafka(code))
    }
}

/// The human text for any status this library returns: our own codes, then
/// librdkafka's.
pub fn describe_code(code: i32) -> String {
    let ours = match code {
        0 => Some("Success"),
        KAFKA_ERR_BAD_HANDLE => Some("Invalid handle: NULL, never issued, already released, or of another kind"),
        KAFKA_ERR_INVALID_ARGUMENT => Some("Invalid argument: a required pointer is NULL or a length is negative"),
        KAFKA_ERR_STATE => Some("The call does not fit the handle's current state"),
        KAFKA_ERR_INTERNAL => Some("Internal error caught at the library boundary"),
        KAFKA_ERR_TOO_SMALL => Some("An output buffer is too small: the sizes needed were set"),
        _ => None,
    };
    if let Some(text) = ours {
        return text.to_string();
    }
    match rd::rd_kafka_resp_err_t::try_from(code) {
        // SAFETY: err2str returns a static string for every enum value.
        Ok(err) => unsafe { cstr_lossy(rd::rd_kafka_err2str(err)) },
        Err(_) => format!("Unknown error code {code}"),
    }
}

/// The library's own codes: (code, name as in kafka.h, description).
const OWN_CODES: [(i32, &str); 5] = [
    (KAFKA_ERR_BAD_HANDLE, "KAFKA_ERR_BAD_HANDLE"),
    (KAFKA_ERR_INVALID_ARGUMENT, "KAFKA_ERR_INVALID_ARGUMENT"),
    (KAFKA_ERR_STATE, "KAFKA_ERR_STATE"),
    (KAFKA_ERR_INTERNAL, "KAFKA_ERR_INTERNAL"),
    (KAFKA_ERR_TOO_SMALL, "KAFKA_ERR_TOO_SMALL"),
];

/// One status code with its enum name and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: i32,
    pub name: String,
    pub description: String,
}

/// Every status this library can return, sorted by code: librdkafka's
/// (names as in its enum, without the `RD_KAFKA_RESP_ERR_` prefix: local
/// ones start with `_`) and ours (named as in kafka.h).
pub fn all_codes() -> Vec<CodeInfo> {
    let mut codes: Vec<CodeInfo> = OWN_CODES
        .iter()
        .map(|&(code, name)| CodeInfo { code, name: name.to_string(), description: describe_code(code) })
        .collect();
    let mut descs: *const rd::rd_kafka_err_desc = std::ptr::null();
    let mut count = 0usize;
    // SAFETY: librdkafka hands out its static table.
    unsafe { rd::rd_kafka_get_err_descs(&mut descs, &mut count) };
    if !descs.is_null() {
        // SAFETY: the table has `count` entries; gaps have a NULL name.
        for d in unsafe { std::slice::from_raw_parts(descs, count) } {
            if d.name.is_null() {
                continue;
            }
            // SAFETY: static NUL-terminated strings.
            let (name, description) = unsafe { (cstr_lossy(d.name), cstr_lossy(d.desc)) };
            codes.push(CodeInfo { code: d.code as i32, name, description });
        }
    }
    codes.sort_by_key(|c| c.code);
    codes.dedup_by_key(|c| c.code);
    codes
}

/// The enum name of a status code, if it has one.
pub fn code_name(code: i32) -> Option<String> {
    if let Some((_, name)) = OWN_CODES.iter().find(|(c, _)| *c == code) {
        return Some(name.to_string());
    }
    all_codes().into_iter().find(|c| c.code == code).map(|c| c.name)
}

/// Copies a C string owned by librdkafka into an owned `String`.
///
/// # Safety
/// `ptr` must be NULL or a valid NUL-terminated string.
pub(crate) unsafe fn cstr_lossy(ptr: *const libc::c_char) -> String {
    if ptr.is_null() {
        String::new()
    } else {
        CStr::from_ptr(ptr).to_string_lossy().into_owned()
    }
}

/// Reads librdkafka's `errstr` output buffer.
pub(crate) fn errstr_text(buf: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = buf.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_name() {
        let codes = all_codes();
        assert_eq!(code_name(-184).as_deref(), Some("_QUEUE_FULL"));
        assert_eq!(code_name(3).as_deref(), Some("UNKNOWN_TOPIC_OR_PART"));
        assert_eq!(code_name(KAFKA_ERR_BAD_HANDLE).as_deref(), Some("KAFKA_ERR_BAD_HANDLE"));
        assert_eq!(code_name(123_456), None);
        assert!(codes.windows(2).all(|w| w[0].code < w[1].code));
        assert!(codes.iter().any(|c| c.code == 0 && c.name == "NO_ERROR"));
    }
}
