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
