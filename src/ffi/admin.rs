//! Topic administration: `CreateTopics`, `DeleteTopics`, `CreatePartitions`,
//! `DeleteRecords`, `DescribeConfigs`, `AlterConfigs`.
//!
//! They work on every client handle (one still being configured keeps its
//! freedom to become a producer or consumer) and wait up to `timeout_ms`.
//! Calls on many items write one status per item into `errors` (count
//! entries): 0 when done. They return 0 when every item was done, else the
//! first failed item's status, with one line `name: reason` per failed item
//! in `errtxt`; a failure of the whole request (no broker, timeout) is every
//! item's status.

use libc::{c_char, c_int, c_void};

use super::arrays::{
    input_count, input_names, input_partitions, input_settings, required_array, timeout, write_json, write_outcomes,
};
use super::{guard, input_str, output_array, ErrorText};
use crate::admin::{self, NewTopic, Outcome};
use crate::client::Client;
use crate::error::Error;
use crate::registry;

fn text_arg(ptr: *const c_char, what: &str) -> crate::error::Result<String> {
    Ok(input_str(ptr, what)?.to_string_lossy().into_owned())
}

/// Creates `count` topics: names in `topics` (LF-separated), partition
/// counts and replication factors in `partitions` and `replication` (NULL,
/// or -1 for an entry: the broker's default). `config` holds `key=value`
/// lines (LF-separated) applied to every topic of the call, e.g.
/// "retention.ms=60000\ncleanup.policy=compact"; NULL or "" for none.
/// `validate_only` 1 checks the request without creating anything.
/// Per-topic statuses go to `errors`: e.g. 36 (topic exists), 37 (invalid
/// partitions), 38 (invalid replication factor), 17 (invalid topic name).
#[no_mangle]
pub unsafe extern "C" fn CreateTopics(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    replication: *const i32,
    count: i32,
    config: *const c_char,
    validate_only: i32,
    timeout_ms: i32,
    errors: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        let names = input_names(topics, n, "topics")?;
        let partitions = super::arrays::input_array(partitions, n);
        let replication = super::arrays::input_array(replication, n);
        let mut settings = Vec::new();
        for (key, value) in input_settings(config, "config")? {
            let value = value.ok_or_else(|| Error::invalid_argument(format!("config line '{key}' has no '='")))?;
            settings.push((key, value));
        }
        let wait = timeout(timeout_ms)?;
        let out = output_array(errors, n, "errors")?;
        let new: Vec<NewTopic> = (0..n)
            .map(|i| NewTopic {
                name: names[i].clone(),
                partitions: partitions.map_or(-1, |p| p[i]),
                replication: replication.map_or(-1, |r| r[i]),
            })
            .collect();
        let client = registry::get::<Client>(kafka)?;
        let outcomes = admin::create_topics(client.connection()?, &new, &settings, validate_only != 0, wait);
        write_outcomes(out, &outcomes)
    })
}

/// Deletes `count` topics named in `topics` (LF-separated). Per-topic
/// statuses go to `errors` (3: no such topic).
#[no_mangle]
pub unsafe extern "C" fn DeleteTopics(
    kafka: *mut c_void,
    topics: *const c_char,
    count: i32,
    timeout_ms: i32,
    errors: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        let names = input_names(topics, n, "topics")?;
        let wait = timeout(timeout_ms)?;
        let out = output_array(errors, n, "errors")?;
        let client = registry::get::<Client>(kafka)?;
        write_outcomes(out, &admin::delete_topics(client.connection()?, &names, wait))
    })
}

/// Grows each of `count` topics (LF-separated names) to `totals[i]`
/// partitions in all (partitions can be added, never removed: 37 when the
/// total is not larger). `validate_only` 1 checks without changing.
#[no_mangle]
pub unsafe extern "C" fn CreatePartitions(
    kafka: *mut c_void,
    topics: *const c_char,
    totals: *const i32,
    count: i32,
    validate_only: i32,
    timeout_ms: i32,
    errors: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        let names = input_names(topics, n, "topics")?;
        let totals = required_array(totals, n, "totals")?;
        let wait = timeout(timeout_ms)?;
        let out = output_array(errors, n, "errors")?;
        let requests: Vec<(String, i32)> = names.into_iter().zip(totals.iter().copied()).collect();
        let client = registry::get::<Client>(kafka)?;
        write_outcomes(out, &admin::create_partitions(client.connection()?, &requests, validate_only != 0, wait))
    })
}

/// Deletes, per partition given (partition vectors), the records before
/// `offsets[i]` (-1: all records up to the high watermark). Per-partition
/// statuses go to `errors`.
#[no_mangle]
pub unsafe extern "C" fn DeleteRecords(
    kafka: *mut c_void,
    topics: *const c_char,
    partitions: *const i32,
    offsets: *const i64,
    count: i32,
    timeout_ms: i32,
    errors: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        let offsets = required_array(offsets, n, "offsets")?;
        let entries = input_partitions(topics, partitions, offsets.as_ptr(), count, 0)?;
        let wait = timeout(timeout_ms)?;
        let out = output_array(errors, n, "errors")?;
        let client = registry::get::<Client>(kafka)?;
        let done = admin::delete_records(client.connection()?, &entries, wait);
        let outcomes: Vec<Outcome> = done
            .iter()
            .map(|e| Outcome {
                name: format!("{} [{}]", e.topic, e.partition),
                code: e.status,
                text: crate::error::describe_code(e.status),
            })
            .collect();
        write_outcomes(out, &outcomes)
    })
}

/// Writes every configuration entry of a resource as JSON into `result`
/// (capacity `*resultlen`; too small: `KAFKA_ERR_TOO_SMALL` and the size
/// needed in `*resultlen`). `restype` is "topic", "broker" (name: the broker
/// id) or "group". Schema:
/// `{"type":"topic","name":"t","configs":[{"name":"retention.ms",
/// "value":"604800000","source":"DEFAULT_CONFIG","default":true,
/// "read_only":false,"sensitive":false},…]}` (value null when sensitive or
/// unset).
#[no_mangle]
pub unsafe extern "C" fn DescribeConfigs(
    kafka: *mut c_void,
    restype: *const c_char,
    name: *const c_char,
    timeout_ms: i32,
    result: *mut c_char,
    resultlen: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let kind = text_arg(restype, "type")?;
        let name = text_arg(name, "name")?;
        let wait = timeout(timeout_ms)?;
        super::required(resultlen, "resultlen")?;
        let client = registry::get::<Client>(kafka)?;
        let json = admin::describe_configs(client.connection()?, &kind, &name, wait)?;
        write_json(result, resultlen, &json.text())
    })
}

/// Changes settings of a resource ("topic", "broker" or "group"), leaving
/// all others as they are: each line of `config` (LF-separated) is
/// `key=value` to set, or `key` alone to return it to its default.
#[no_mangle]
pub unsafe extern "C" fn AlterConfigs(
    kafka: *mut c_void,
    restype: *const c_char,
    name: *const c_char,
    config: *const c_char,
    timeout_ms: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let kind = text_arg(restype, "type")?;
        let name = text_arg(name, "name")?;
        input_str(config, "config")?;
        let changes = input_settings(config, "config")?;
        let wait = timeout(timeout_ms)?;
        let client = registry::get::<Client>(kafka)?;
        admin::alter_configs(client.connection()?, &kind, &name, &changes, wait)?;
        Ok(0)
    })
}
