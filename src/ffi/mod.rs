//! The exported C ABI: thin functions that check arguments, resolve handles
//! and call the safe modules. Every export runs its body inside `guard`, so
//! a Rust panic never crosses the boundary and every failure becomes a
//! status code plus, where the function has one, a sentence in `errtxt`.
//!
//! Every export's safety contract is its C documentation in kafka.h: each
//! pointer is NULL where allowed, or valid for the length it comes with.
#![allow(clippy::missing_safety_doc)]

use std::cell::Cell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use libc::{c_char, c_int};

use crate::error::{Error, Result, KAFKA_ERR_INTERNAL};

pub mod admin;
mod arrays;
pub mod batch;
pub mod commit;
pub mod config;
pub mod consumer;
pub mod consumer_control;
pub mod describe;
pub mod errors;
pub mod events;
pub mod groups;
pub mod metadata;
pub mod mock_cluster;
pub mod mock_faults;
pub mod partition_list;
pub mod producer;
pub mod rebalance;
pub mod transactions;

/// A caller's error-text buffer: `text` with capacity `*len` on entry; on
/// return `*len` holds the length written (0 when there is none).
pub(crate) struct ErrorText {
    text: *mut c_char,
    len: *mut c_int,
    /// Set when the body wrote a result text that success must keep.
    written: Cell<bool>,
}

impl ErrorText {
    pub(crate) fn new(text: *mut c_char, len: *mut c_int) -> Self {
        ErrorText { text, len, written: Cell::new(false) }
    }

    /// For functions without an error-text buffer.
    pub(crate) fn none() -> Self {
        ErrorText { text: std::ptr::null_mut(), len: std::ptr::null_mut(), written: Cell::new(false) }
    }

    /// Writes `message` truncated to the capacity, NUL-terminated when there
    /// is room, and sets the length written.
    pub(crate) fn write(&self, message: &str) {
        self.written.set(true);
        if self.len.is_null() {
            return;
        }
        // SAFETY: len is non-null and, by the contract, points to the capacity.
        unsafe {
            let capacity = (*self.len).max(0) as usize;
            if self.text.is_null() || capacity == 0 {
                *self.len = 0;
                return;
            }
            let n = message.len().min(capacity);
            std::ptr::copy_nonoverlapping(message.as_ptr(), self.text as *mut u8, n);
            if n < capacity {
                *self.text.add(n) = 0;
            }
            *self.len = n as c_int;
        }
    }

    /// Keeps what the body set in `*len` itself (a size needed) on success.
    pub(crate) fn keep(&self) {
        self.written.set(true);
    }

    /// A negative capacity breaks the contract: the call does nothing.
    fn negative(&self) -> bool {
        // SAFETY: len is NULL or, by the contract, points to the capacity.
        !self.len.is_null() && unsafe { *self.len } < 0
    }

    fn clear(&self) {
        if !self.len.is_null() && !self.written.get() {
            // SAFETY: checked non-null above.
            unsafe {
                if !self.text.is_null() && *self.len > 0 {
                    *self.text = 0;
                }
                *self.len = 0;
            }
        }
    }
}

/// Runs an export's body: success gives its status with an empty text
/// (unless the body wrote a result text into it); an `Error` gives its code
/// and text; a panic gives `KAFKA_ERR_INTERNAL`.
pub(crate) fn guard(errtxt: ErrorText, body: impl FnOnce(&ErrorText) -> Result<c_int>) -> c_int {
    if errtxt.negative() {
        return crate::error::KAFKA_ERR_INVALID_ARGUMENT;
    }
    match catch_unwind(AssertUnwindSafe(|| body(&errtxt))) {
        Ok(Ok(status)) => {
            errtxt.clear();
            status
        }
        Ok(Err(error)) => {
            errtxt.write(&error.text);
            error.code
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            errtxt.write(&format!("internal error in the Kafka library: {detail}"));
            KAFKA_ERR_INTERNAL
        }
    }
}

/// A required NUL-terminated input string.
pub(crate) fn input_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a CStr> {
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{what} is NULL")));
    }
    // SAFETY: non-null and, by the contract, NUL-terminated.
    Ok(unsafe { CStr::from_ptr(ptr) })
}

/// Input bytes of explicit length; NULL means "none" and needs length 0.
pub(crate) fn input_bytes<'a>(ptr: *const c_char, len: u32, what: &str) -> Result<Option<&'a [u8]>> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(Error::invalid_argument(format!("{what} is NULL but its length is {len}")))
        };
    }
    // SAFETY: the caller promises `len` readable bytes at ptr.
    Ok(Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) }))
}

/// An output buffer of `capacity` bytes; NULL is allowed with capacity 0.
pub(crate) fn output_bytes<'a>(ptr: *mut c_char, capacity: usize, what: &str) -> Result<&'a mut [u8]> {
    if capacity == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{what} is NULL but its capacity is {capacity}")));
    }
    // SAFETY: the caller promises `capacity` writable bytes at ptr.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, capacity) })
}

/// An output array of `count` elements; NULL is allowed with count 0.
pub(crate) fn output_array<'a, T>(ptr: *mut T, count: usize, what: &str) -> Result<&'a mut [T]> {
    if count == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{what} is NULL but its length is {count}")));
    }
    // SAFETY: the caller promises `count` writable elements at ptr.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, count) })
}

/// A required in/out or output scalar.
pub(crate) fn required<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{what} is NULL")));
    }
    // SAFETY: non-null; the caller promises it points to a T.
    Ok(unsafe { &mut *ptr })
}

/// Writes an optional output scalar (NULL: the caller does not want it).
pub(crate) fn set_optional<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: non-null; the caller promises it points to a T.
        unsafe { *ptr = value };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(body: impl FnOnce(&ErrorText) -> Result<c_int>) -> (c_int, String) {
        let mut buf = [0u8; 64];
        let mut len: c_int = 64;
        let rc = guard(ErrorText::new(buf.as_mut_ptr() as *mut c_char, &mut len), body);
        (rc, String::from_utf8_lossy(&buf[..len as usize]).into_owned())
    }

    #[test]
    fn a_panic_becomes_a_status_and_text() {
        let (rc, text) = call(|_| panic!("boom"));
        assert_eq!(rc, KAFKA_ERR_INTERNAL);
        assert_eq!(text, "internal error in the Kafka library: boom");
    }

    #[test]
    fn success_clears_the_text_unless_the_body_wrote_a_result() {
        assert_eq!(call(|_| Ok(0)), (0, String::new()));
        assert_eq!(
            call(|t| {
                t.write("result");
                Ok(0)
            }),
            (0, "result".to_string())
        );
        assert_eq!(call(|_| Err(Error::new(-184, "full"))), (-184, "full".to_string()));
    }
}
