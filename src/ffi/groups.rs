//! Consumer groups: `ListGroups`, `DescribeGroup`, `DeleteGroup`, `GroupLag`.
//! They work on every client handle and wait up to `timeout_ms`; results
//! are JSON in `result` (capacity `*resultlen`; too small:
//! `KAFKA_ERR_TOO_SMALL` and the size needed in `*resultlen`).

use libc::{c_char, c_int, c_void};

use super::arrays::{timeout, write_json};
use super::{guard, input_str, required, ErrorText};
use crate::client::Client;
use crate::groups;
use crate::registry;

fn group_arg(ptr: *const c_char) -> crate::error::Result<String> {
    let group = input_str(ptr, "group")?.to_string_lossy().into_owned();
    if group.is_empty() {
        return Err(crate::error::Error::invalid_argument("the group name is empty"));
    }
    Ok(group)
}

/// Lists the cluster's consumer groups, sorted by name:
/// `{"groups":[{"group":"g","state":"Stable","simple":false},…]}`
/// (`simple`: a group that only commits offsets, with no members).
#[no_mangle]
pub unsafe extern "C" fn ListGroups(
    kafka: *mut c_void,
    timeout_ms: i32,
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        required(resultlen, "resultlen")?;
        let client = registry::get::<Client>(kafka)?;
        write_json(result, resultlen, &groups::list_groups(client.connection()?, wait)?.text())
    })
}

/// Describes a consumer group: `{"group":"g","state":"Stable",
/// "protocol":"range","simple":false,"coordinator":{"id":1,"host":"…",
/// "port":9092},"members":[{"member_id":"…","client_id":"…",
/// "host":"/127.0.0.1","assignment":[{"topic":"t","partition":0}]}]}`.
/// A group that does not exist has state "Dead" and no members.
#[no_mangle]
pub unsafe extern "C" fn DescribeGroup(
    kafka: *mut c_void,
    group: *const c_char,
    timeout_ms: i32,
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let group = group_arg(group)?;
        let wait = timeout(timeout_ms)?;
        required(resultlen, "resultlen")?;
        let client = registry::get::<Client>(kafka)?;
        let description = groups::describe_group(client.connection()?, &group, wait)?;
        write_json(result, resultlen, &description.to_json().text())
    })
}

/// Deletes a consumer group and its committed offsets. Only a group with no
/// active members can go: 68 (group not empty), 69 (no such group).
#[no_mangle]
pub unsafe extern "C" fn DeleteGroup(
    kafka: *mut c_void,
    group: *const c_char,
    timeout_ms: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let group = group_arg(group)?;
        let wait = timeout(timeout_ms)?;
        let client = registry::get::<Client>(kafka)?;
        groups::delete_group(client.connection()?, &group, wait)?;
        Ok(0)
    })
}

/// The group's lag, as `kafka-consumer-groups --describe --offsets` shows
/// it: one row per partition the group committed or a member owns, sorted
/// by topic and partition: `{"group":"g","state":"Stable","partitions":[
/// {"topic":"t","partition":0,"committed":5,"end":9,"lag":4,
/// "member_id":"…","client_id":"…","host":"/127.0.0.1"},…]}`. `committed`
/// is the next offset the group will read (last consumed + 1); it and `lag`
/// are null where the group committed nothing; the member fields are null
/// for a partition no member owns.
#[no_mangle]
pub unsafe extern "C" fn GroupLag(
    kafka: *mut c_void,
    group: *const c_char,
    timeout_ms: i32,
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let group = group_arg(group)?;
        let wait = timeout(timeout_ms)?;
        required(resultlen, "resultlen")?;
        let client = registry::get::<Client>(kafka)?;
        let (description, rows) = groups::group_lag(client.connection()?, &group, wait)?;
        write_json(result, resultlen, &groups::lag_json(&description, &rows).text())
    })
}
