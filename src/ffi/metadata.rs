//! `Metadata`: brokers, topics and partitions as JSON.

use libc::{c_char, c_int, c_void};

use super::arrays::{timeout, write_json};
use super::{guard, required, ErrorText};
use crate::client::Client;
use crate::metadata;
use crate::registry;

/// Writes the cluster's metadata as JSON into `result` (capacity
/// `*resultlen`; too small: `KAFKA_ERR_TOO_SMALL` and the size needed in
/// `*resultlen`): every topic, or only `topic` when it is neither NULL nor
/// "". Waits up to `timeout_ms`. Works on every client handle. Schema:
/// `{"cluster_id":"…","controller_id":1,"orig_broker_id":1,
/// "brokers":[{"id":1,"host":"…","port":9092}],
/// "topics":[{"topic":"t","partitions":[{"partition":0,"leader":1,
/// "replicas":[1],"isrs":[1],"error":0}],"error":0}]}`, topics sorted by
/// name and partitions by number; an `"error"` other than 0 comes with an
/// `"error_text"` (3: no such topic).
#[no_mangle]
pub unsafe extern "C" fn Metadata(
    kafka: *mut c_void,
    topic: *const c_char,
    timeout_ms: i32,
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        // SAFETY: NULL or NUL-terminated, by the contract.
        let topic =
            (!topic.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(topic) }.to_string_lossy().into_owned());
        let topic = topic.filter(|t| !t.is_empty());
        let wait = timeout(timeout_ms)?;
        required(resultlen, "resultlen")?;
        let client = registry::get::<Client>(kafka)?;
        let md = metadata::fetch(client.connection()?, topic.as_deref(), wait)?;
        write_json(result, resultlen, &md.to_json().text())
    })
}
