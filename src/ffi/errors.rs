//! Status codes by name: `ErrorName` and `ErrorCodes` (beside Dyalog's
//! `DRMessageError`, which gives a code's description).

use libc::{c_char, c_int};

use super::arrays::write_json;
use super::{guard, output_bytes, required, ErrorText};
use crate::error::{all_codes, code_name, Error, KAFKA_ERR_TOO_SMALL};
use crate::json::Json;

/// Writes the enum name of the status `code` into `name` (capacity `*plen`
/// on entry, length on return; NUL-terminated when there is room):
/// librdkafka's name without its `RD_KAFKA_RESP_ERR_` prefix (e.g.
/// "_QUEUE_FULL" for -184, "UNKNOWN_TOPIC_OR_PART" for 3; local errors start
/// with "_"), or ours as in this header ("KAFKA_ERR_BAD_HANDLE" for -300).
/// `Consume`'s 1 and 2 are per-function statuses: their names here are the
/// broker errors 1 and 2. Returns 0; `KAFKA_ERR_INVALID_ARGUMENT` for a
/// code with no name; `KAFKA_ERR_TOO_SMALL` with the length needed in
/// `*plen` (nothing written).
#[no_mangle]
pub unsafe extern "C" fn ErrorName(code: i32, name: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::none(), |_| {
        let len = required(plen, "plen")?;
        let capacity = usize::try_from(*len)
            .map_err(|_| Error::invalid_argument(format!("*plen is {}: it cannot be negative", *len)))?;
        let text = code_name(code).ok_or_else(|| Error::invalid_argument(format!("no status has code {code}")))?;
        if text.len() > capacity {
            *len = text.len() as c_int;
            return Err(Error::new(KAFKA_ERR_TOO_SMALL, ""));
        }
        let out = output_bytes(name, capacity, "name")?;
        out[..text.len()].copy_from_slice(text.as_bytes());
        if let Some(slot) = out.get_mut(text.len()) {
            *slot = 0;
        }
        *len = text.len() as c_int;
        Ok(0)
    })
}

/// Writes every status code this library can return, with its name and
/// description, as JSON into `result` (capacity `*resultlen`; too small:
/// `KAFKA_ERR_TOO_SMALL` and the size needed in `*resultlen`), sorted by
/// code: `{"codes":[{"code":-300,"name":"KAFKA_ERR_BAD_HANDLE",
/// "description":"…"},…,{"code":3,"name":"UNKNOWN_TOPIC_OR_PART",…}]}`.
#[no_mangle]
pub unsafe extern "C" fn ErrorCodes(
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let codes = all_codes()
            .into_iter()
            .map(|c| {
                Json::object(vec![
                    ("code", c.code.into()),
                    ("name", c.name.into()),
                    ("description", c.description.into()),
                ])
            })
            .collect();
        write_json(result, resultlen, &Json::object(vec![("codes", Json::Array(codes))]).text())
    })
}
