//! Topic administration: create and delete topics, add partitions, delete
//! records, describe and change configurations. Requests carry many items;
//! each item gets its own outcome, so one failing topic never hides what
//! happened to the others.

use std::ffi::CString;
use std::time::Duration;

use rdkafka_sys as rd;
use rdkafka_sys::rd_kafka_admin_op_t as Op;

use crate::connection::{c_string, opt_text, text, Connection, Event};
use crate::error::{describe_code, errstr_text, Error, Result};
use crate::json::Json;
use crate::partition_list::{entry_of, Entry};

use rd::rd_kafka_resp_err_t as Code;

/// What happened to one item of a request (a topic, a partition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    pub code: i32,
    pub text: String,
}

impl Outcome {
    fn ok(name: &str) -> Self {
        Outcome { name: name.to_string(), code: 0, text: String::new() }
    }

    fn failed(name: &str, code: i32, text: impl Into<String>) -> Self {
        Outcome { name: name.to_string(), code, text: text.into() }
    }
}

/// A topic to create; -1 partitions or replication means the broker's default.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication: i32,
}

/// Kafka's rule for topic names: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or
/// `..`. Checked here so the mock cluster refuses what a broker refuses.
pub fn check_topic_name(name: &str) -> std::result::Result<(), String> {
    if topic_name_is_legal(name.as_bytes()) {
        return Ok(());
    }
    let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() {
        Err("the topic name is empty".into())
    } else if name == "." || name == ".." {
        Err(format!("'{name}' cannot be a topic name"))
    } else if name.len() > 249 {
        Err(format!("a topic name has at most 249 characters, not {}", name.len()))
    } else if let Some(c) = name.chars().find(|&c| !legal(c)) {
        Err(format!("topic name '{name}' has '{c}': only letters, digits, '.', '_' and '-' are allowed"))
    } else {
        Ok(())
    }
}

/// The fast check, for every produced message.
pub fn topic_name_is_legal(name: &[u8]) -> bool {
    (1..=249).contains(&name.len())
        && name != b"."
        && name != b".."
        && name.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

fn invalid_topic(name: &str, why: String) -> Outcome {
    Outcome::failed(name, Code::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION as i32, why)
}

/// Puts outcomes in the order of `names`: librdkafka's results come in any
/// order. Items refused before sending keep their outcome.
fn in_order(names: &[String], mut early: Vec<Option<Outcome>>, results: Vec<Outcome>) -> Vec<Outcome> {
    for slot in early.iter_mut().enumerate() {
        if slot.1.is_none() {
            let found = results.iter().find(|r| r.name == names[slot.0]).cloned();
            *slot.1 = Some(found.unwrap_or_else(|| {
                Outcome::failed(&names[slot.0], crate::error::KAFKA_ERR_INTERNAL, "no result for this item")
            }));
        }
    }
    early.into_iter().map(|o| o.expect("every slot filled")).collect()
}

/// The whole request failed: every item not refused earlier shares its error.
fn all_failed(names: &[String], early: Vec<Option<Outcome>>, error: &Error) -> Vec<Outcome> {
    early
        .into_iter()
        .zip(names)
        .map(|(o, n)| o.unwrap_or_else(|| Outcome::failed(n, error.code, error.text.clone())))
        .collect()
}

/// # Safety
/// `results` must be librdkafka's array of `count` live topic results.
unsafe fn topic_outcomes(results: *mut *const rd::rd_kafka_topic_result_t, count: usize) -> Vec<Outcome> {
    (0..count)
        .map(|i| {
            let r = *results.add(i);
            let name = text(rd::rd_kafka_topic_result_name(r));
            let code = rd::rd_kafka_topic_result_error(r) as i32;
            let why = opt_text(rd::rd_kafka_topic_result_error_string(r)).unwrap_or_else(|| describe_code(code));
            if code == 0 {
                Outcome::ok(&name)
            } else {
                Outcome::failed(&name, code, why)
            }
        })
        .collect()
}

/// One of the three topic requests, as librdkafka spells it.
struct TopicRequest<T> {
    op: Op,
    event: rd::rd_kafka_event_type_t,
    send: unsafe extern "C" fn(
        *mut rd::rd_kafka_t,
        *mut *mut T,
        usize,
        *const rd::rd_kafka_AdminOptions_t,
        *mut rd::rd_kafka_queue_t,
    ),
    destroy: unsafe extern "C" fn(*mut *mut T, usize),
    results: unsafe fn(*mut rd::rd_kafka_event_t, &mut usize) -> *mut *const rd::rd_kafka_topic_result_t,
}

impl<T> TopicRequest<T> {
    /// Sends `requests` (items the caller refused already have an outcome
    /// in `early`) and gives every item its outcome, in the caller's order.
    /// The requests are destroyed whatever happens.
    fn run(
        &self,
        conn: Connection<'_>,
        names: &[String],
        early: Vec<Option<Outcome>>,
        mut requests: Vec<*mut T>,
        validate_only: bool,
        timeout: Duration,
    ) -> Vec<Outcome> {
        if requests.is_empty() {
            return in_order(names, early, Vec::new());
        }
        let sent = crate::metadata::require_controller(conn, timeout).and_then(|()| {
            conn.admin(self.op, timeout, validate_only, self.event, |options, queue| {
                // SAFETY: the requests are live; librdkafka copies them.
                unsafe { (self.send)(conn.raw(), requests.as_mut_ptr(), requests.len(), options, queue) }
            })
        });
        // SAFETY: the requests are ours and no longer used.
        unsafe { (self.destroy)(requests.as_mut_ptr(), requests.len()) };
        match sent {
            Err(e) => all_failed(names, early, &e),
            Ok(event) => {
                let mut count = 0;
                // SAFETY: the event, and the results in it, live while `event` does.
                unsafe { in_order(names, early, topic_outcomes((self.results)(event.0, &mut count), count)) }
            }
        }
    }
}

unsafe fn created(event: *mut rd::rd_kafka_event_t, count: &mut usize) -> *mut *const rd::rd_kafka_topic_result_t {
    rd::rd_kafka_CreateTopics_result_topics(rd::rd_kafka_event_CreateTopics_result(event), count)
}

unsafe fn deleted(event: *mut rd::rd_kafka_event_t, count: &mut usize) -> *mut *const rd::rd_kafka_topic_result_t {
    rd::rd_kafka_DeleteTopics_result_topics(rd::rd_kafka_event_DeleteTopics_result(event), count)
}

unsafe fn grown(event: *mut rd::rd_kafka_event_t, count: &mut usize) -> *mut *const rd::rd_kafka_topic_result_t {
    rd::rd_kafka_CreatePartitions_result_topics(rd::rd_kafka_event_CreatePartitions_result(event), count)
}

pub fn create_topics(
    conn: Connection<'_>,
    topics: &[NewTopic],
    config: &[(String, String)],
    validate_only: bool,
    timeout: Duration,
) -> Vec<Outcome> {
    let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
    let mut early: Vec<Option<Outcome>> = vec![None; topics.len()];
    let mut requests = Vec::new();
    let mut errstr = [0 as libc::c_char; 512];
    for (i, t) in topics.iter().enumerate() {
        if let Err(why) = check_topic_name(&t.name) {
            early[i] = Some(invalid_topic(&t.name, why));
            continue;
        }
        if let Some(other) = topics[..i].iter().find(|o| o.name == t.name) {
            early[i] = Some(Outcome::failed(
                &t.name,
                crate::error::KAFKA_ERR_INVALID_ARGUMENT,
                format!("topic '{}' appears twice in the request", other.name),
            ));
            continue;
        }
        let name = c_string(&t.name);
        // SAFETY: name is NUL-terminated; errstr is writable.
        let new = unsafe {
            rd::rd_kafka_NewTopic_new(name.as_ptr(), t.partitions, t.replication, errstr.as_mut_ptr(), errstr.len())
        };
        if new.is_null() {
            let code = if t.partitions == 0 || t.partitions < -1 {
                Code::RD_KAFKA_RESP_ERR_INVALID_PARTITIONS
            } else {
                Code::RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR
            };
            early[i] = Some(Outcome::failed(&t.name, code as i32, errstr_text(&errstr)));
            continue;
        }
        for (key, value) in config {
            let (k, v) = (c_string(key), c_string(value));
            // SAFETY: new is live; strings are NUL-terminated and copied.
            unsafe { rd::rd_kafka_NewTopic_set_config(new, k.as_ptr(), v.as_ptr()) };
        }
        requests.push(new);
    }
    let request = TopicRequest {
        op: Op::RD_KAFKA_ADMIN_OP_CREATETOPICS,
        event: rd::RD_KAFKA_EVENT_CREATETOPICS_RESULT,
        send: rd::rd_kafka_CreateTopics,
        destroy: rd::rd_kafka_NewTopic_destroy_array,
        results: created,
    };
    request.run(conn, &names, early, requests, validate_only, timeout)
}

pub fn delete_topics(conn: Connection<'_>, names: &[String], timeout: Duration) -> Vec<Outcome> {
    let early: Vec<Option<Outcome>> =
        names.iter().map(|n| check_topic_name(n).err().map(|why| invalid_topic(n, why))).collect();
    let c_names: Vec<CString> =
        names.iter().zip(&early).filter(|(_, e)| e.is_none()).map(|(n, _)| c_string(n)).collect();
    // SAFETY: each name is NUL-terminated; the requests go to `run`.
    let requests: Vec<_> = c_names.iter().map(|n| unsafe { rd::rd_kafka_DeleteTopic_new(n.as_ptr()) }).collect();
    let request = TopicRequest {
        op: Op::RD_KAFKA_ADMIN_OP_DELETETOPICS,
        event: rd::RD_KAFKA_EVENT_DELETETOPICS_RESULT,
        send: rd::rd_kafka_DeleteTopics,
        destroy: rd::rd_kafka_DeleteTopic_destroy_array,
        results: deleted,
    };
    request.run(conn, names, early, requests, false, timeout)
}

/// Grows each topic to `total` partitions.
pub fn create_partitions(
    conn: Connection<'_>,
    topics: &[(String, i32)],
    validate_only: bool,
    timeout: Duration,
) -> Vec<Outcome> {
    let names: Vec<String> = topics.iter().map(|t| t.0.clone()).collect();
    let mut early: Vec<Option<Outcome>> = vec![None; topics.len()];
    let mut requests = Vec::new();
    let mut errstr = [0 as libc::c_char; 512];
    for (i, (name, total)) in topics.iter().enumerate() {
        if let Err(why) = check_topic_name(name) {
            early[i] = Some(invalid_topic(name, why));
            continue;
        }
        let new = if *total < 1 {
            std::ptr::null_mut()
        } else {
            let c_name = c_string(name);
            // SAFETY: c_name is NUL-terminated; errstr is writable.
            unsafe {
                rd::rd_kafka_NewPartitions_new(c_name.as_ptr(), *total as usize, errstr.as_mut_ptr(), errstr.len())
            }
        };
        if new.is_null() {
            let why = if *total < 1 {
                format!("a topic has at least 1 partition, not {total}")
            } else {
                errstr_text(&errstr)
            };
            early[i] = Some(Outcome::failed(name, Code::RD_KAFKA_RESP_ERR_INVALID_PARTITIONS as i32, why));
            continue;
        }
        requests.push(new);
    }
    let request = TopicRequest {
        op: Op::RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
        event: rd::RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
        send: rd::rd_kafka_CreatePartitions,
        destroy: rd::rd_kafka_NewPartitions_destroy_array,
        results: grown,
    };
    request.run(conn, &names, early, requests, validate_only, timeout)
}

/// Deletes the records before each entry's offset (-1: all of them). The
/// returned entries carry the new low watermark and a status each.
pub fn delete_records(conn: Connection<'_>, entries: &[Entry], timeout: Duration) -> Vec<Entry> {
    let list = crate::consumer_control::raw_list(entries);
    // SAFETY: list is ours; DeleteRecords_new copies it.
    let mut request = [unsafe { rd::rd_kafka_DeleteRecords_new(list.0) }];
    let sent = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_DELETERECORDS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_DELETERECORDS_RESULT,
        // SAFETY: the request is live; the call copies it.
        |options, queue| unsafe { rd::rd_kafka_DeleteRecords(conn.raw(), request.as_mut_ptr(), 1, options, queue) },
    );
    // SAFETY: the request is ours and no longer used.
    unsafe { rd::rd_kafka_DeleteRecords_destroy_array(request.as_mut_ptr(), 1) };
    match sent {
        Err(e) => entries.iter().map(|x| Entry { status: e.code, ..x.clone() }).collect(),
        // SAFETY: the event and its offsets list are live while `event` is.
        Ok(event) => unsafe {
            let result = rd::rd_kafka_event_DeleteRecords_result(event.0);
            let offsets = &*rd::rd_kafka_DeleteRecords_result_offsets(result);
            let got: Vec<Entry> = if offsets.cnt > 0 {
                std::slice::from_raw_parts(offsets.elems, offsets.cnt as usize).iter().map(entry_of).collect()
            } else {
                Vec::new()
            };
            entries
                .iter()
                .map(|x| {
                    got.iter()
                        .find(|g| g.topic == x.topic && g.partition == x.partition)
                        .cloned()
                        .unwrap_or(Entry { status: crate::error::KAFKA_ERR_INTERNAL, ..x.clone() })
                })
                .collect()
        },
    }
}

/// The kinds of resource whose configuration can be described or changed.
pub fn resource_type(name: &str) -> Result<rd::rd_kafka_ResourceType_t> {
    use rd::rd_kafka_ResourceType_t as T;
    match name {
        "topic" => Ok(T::RD_KAFKA_RESOURCE_TOPIC),
        "broker" => Ok(T::RD_KAFKA_RESOURCE_BROKER),
        "group" => Ok(T::RD_KAFKA_RESOURCE_GROUP),
        other => {
            Err(Error::invalid_argument(format!("resource type '{other}' is not one of 'topic', 'broker', 'group'")))
        }
    }
}

/// # Safety
/// `resource` must be a live config resource of a result event.
unsafe fn resource_error(resource: *const rd::rd_kafka_ConfigResource_t) -> Result<()> {
    let code = rd::rd_kafka_ConfigResource_error(resource);
    if code == Code::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    let why =
        opt_text(rd::rd_kafka_ConfigResource_error_string(resource)).unwrap_or_else(|| describe_code(code as i32));
    Err(Error::new(code as i32, format!("{}: {why}", text(rd::rd_kafka_ConfigResource_name(resource)))))
}

/// Every configuration entry of a resource, as JSON.
pub fn describe_configs(conn: Connection<'_>, kind: &str, name: &str, timeout: Duration) -> Result<Json> {
    let restype = resource_type(kind)?;
    if restype == rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC {
        check_topic_name(name).map_err(|why| Error::new(Code::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION as i32, why))?;
    }
    crate::metadata::require_controller(conn, timeout)?;
    let c_name = c_string(name);
    // SAFETY: c_name is NUL-terminated; the resource is ours until destroyed.
    let mut resource = [unsafe { rd::rd_kafka_ConfigResource_new(restype, c_name.as_ptr()) }];
    let sent = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
        // SAFETY: the resource is live; the call copies it.
        |options, queue| unsafe { rd::rd_kafka_DescribeConfigs(conn.raw(), resource.as_mut_ptr(), 1, options, queue) },
    );
    // SAFETY: the resource is ours and no longer used.
    unsafe { rd::rd_kafka_ConfigResource_destroy_array(resource.as_mut_ptr(), 1) };
    let event: Event = sent?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_DescribeConfigs_result(event.0);
        let mut count = 0;
        let resources = rd::rd_kafka_DescribeConfigs_result_resources(result, &mut count);
        if count == 0 {
            return Err(Error::new(crate::error::KAFKA_ERR_INTERNAL, "the cluster described no resource"));
        }
        let r = *resources;
        resource_error(r)?;
        let mut n = 0;
        let configs = rd::rd_kafka_ConfigResource_configs(r, &mut n);
        let mut entries: Vec<Json> = Vec::with_capacity(n);
        for i in 0..n {
            let e = *configs.add(i);
            entries.push(Json::object(vec![
                ("name", text(rd::rd_kafka_ConfigEntry_name(e)).into()),
                ("value", Json::opt_str(opt_text(rd::rd_kafka_ConfigEntry_value(e)))),
                ("source", text(rd::rd_kafka_ConfigSource_name(rd::rd_kafka_ConfigEntry_source(e))).into()),
                ("default", (rd::rd_kafka_ConfigEntry_is_default(e) != 0).into()),
                ("read_only", (rd::rd_kafka_ConfigEntry_is_read_only(e) != 0).into()),
                ("sensitive", (rd::rd_kafka_ConfigEntry_is_sensitive(e) != 0).into()),
            ]));
        }
        Ok(Json::object(vec![("type", kind.into()), ("name", name.into()), ("configs", Json::Array(entries))]))
    }
}

/// Changes some settings of a resource, leaving the others as they are:
/// `Some(value)` sets a key, `None` returns it to its default.
pub fn alter_configs(
    conn: Connection<'_>,
    kind: &str,
    name: &str,
    changes: &[(String, Option<String>)],
    timeout: Duration,
) -> Result<()> {
    use rd::rd_kafka_AlterConfigOpType_t as OpType;
    let restype = resource_type(kind)?;
    if changes.is_empty() {
        return Err(Error::invalid_argument("no configuration change given (lines of key=value, or key to reset)"));
    }
    crate::metadata::require_controller(conn, timeout)?;
    let c_name = c_string(name);
    // SAFETY: c_name is NUL-terminated; the resource is ours until destroyed.
    let mut resource = [unsafe { rd::rd_kafka_ConfigResource_new(restype, c_name.as_ptr()) }];
    for (key, value) in changes {
        let k = c_string(key);
        let v = value.as_deref().map(c_string);
        let op = if v.is_some() {
            OpType::RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET
        } else {
            OpType::RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE
        };
        // SAFETY: the resource is live; strings are NUL-terminated and copied.
        let error = unsafe {
            rd::rd_kafka_ConfigResource_add_incremental_config(
                resource[0],
                k.as_ptr(),
                op,
                v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
            )
        };
        if !error.is_null() {
            // SAFETY: the resource is ours; the error is a live error object.
            unsafe { rd::rd_kafka_ConfigResource_destroy_array(resource.as_mut_ptr(), 1) };
            return Err(unsafe { Error::from_rd_error(error) });
        }
    }
    let sent = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT,
        // SAFETY: the resource is live; the call copies it.
        |options, queue| unsafe {
            rd::rd_kafka_IncrementalAlterConfigs(conn.raw(), resource.as_mut_ptr(), 1, options, queue)
        },
    );
    // SAFETY: the resource is ours and no longer used.
    unsafe { rd::rd_kafka_ConfigResource_destroy_array(resource.as_mut_ptr(), 1) };
    let event = sent?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_IncrementalAlterConfigs_result(event.0);
        let mut count = 0;
        let resources = rd::rd_kafka_IncrementalAlterConfigs_result_resources(result, &mut count);
        for i in 0..count {
            resource_error(*resources.add(i))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafkas_rules() {
        assert!(check_topic_name("orders.v2_eu-1").is_ok());
        assert!(check_topic_name(&"a".repeat(249)).is_ok());
        for bad in ["", ".", "..", "a b", "a/c*", &"a".repeat(250)] {
            assert!(check_topic_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
