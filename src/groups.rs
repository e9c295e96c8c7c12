//! Consumer groups: list, describe, delete, and the lag table of
//! `kafka-consumer-groups --describe --offsets`.

use std::ffi::CString;
use std::time::Duration;

use rdkafka_sys as rd;
use rdkafka_sys::rd_kafka_admin_op_t as Op;

use crate::connection::{c_string, opt_text, text, Connection};
use crate::consumer_control::raw_list;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::partition_list::{entry_of, Entry};

/// # Safety
/// `error` must be NULL or a live error object owned by a result event.
unsafe fn borrowed_error(error: *const rd::rd_kafka_error_t, context: &str) -> Result<()> {
    if error.is_null() {
        return Ok(());
    }
    let code = rd::rd_kafka_error_code(error) as i32;
    if code == 0 {
        return Ok(());
    }
    Err(Error::new(code, format!("{context}: {}", text(rd::rd_kafka_error_string(error)))))
}

/// # Safety
/// `list` must be NULL or a live topic-partition list.
unsafe fn list_entries(list: *const rd::rd_kafka_topic_partition_list_t) -> Vec<Entry> {
    if list.is_null() || (*list).cnt <= 0 {
        return Vec::new();
    }
    std::slice::from_raw_parts((*list).elems, (*list).cnt as usize).iter().map(entry_of).collect()
}

pub fn list_groups(conn: Connection<'_>, timeout: Duration) -> Result<Json> {
    let event = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
        // SAFETY: rk is live.
        |options, queue| unsafe { rd::rd_kafka_ListConsumerGroups(conn.raw(), options, queue) },
    )?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_ListConsumerGroups_result(event.0);
        let mut nerr = 0;
        let errors = rd::rd_kafka_ListConsumerGroups_result_errors(result, &mut nerr);
        if nerr > 0 {
            borrowed_error(*errors, "listing groups")?;
        }
        let mut count = 0;
        let listings = rd::rd_kafka_ListConsumerGroups_result_valid(result, &mut count);
        let mut groups: Vec<(String, Json)> = (0..count)
            .map(|i| {
                let g = *listings.add(i);
                let name = text(rd::rd_kafka_ConsumerGroupListing_group_id(g));
                let state = text(rd::rd_kafka_consumer_group_state_name(rd::rd_kafka_ConsumerGroupListing_state(g)));
                let simple = rd::rd_kafka_ConsumerGroupListing_is_simple_consumer_group(g) != 0;
                let json = Json::object(vec![
                    ("group", name.clone().into()),
                    ("state", state.into()),
                    ("simple", simple.into()),
                ]);
                (name, json)
            })
            .collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Json::object(vec![("groups", Json::Array(groups.into_iter().map(|g| g.1).collect()))]))
    }
}

/// A member of a group and the partitions it owns.
#[derive(Debug, Clone)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub state: String,
    pub protocol: String,
    pub simple: bool,
    pub coordinator: Option<(i32, String, i32)>,
    pub members: Vec<Member>,
}

pub fn describe_group(conn: Connection<'_>, group: &str, timeout: Duration) -> Result<Group> {
    let name = c_string(group);
    let mut names = [name.as_ptr()];
    let event = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
        // SAFETY: the name is NUL-terminated; the call copies it.
        |options, queue| unsafe {
            rd::rd_kafka_DescribeConsumerGroups(conn.raw(), names.as_mut_ptr(), 1, options, queue)
        },
    )?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_DescribeConsumerGroups_result(event.0);
        let mut count = 0;
        let descriptions = rd::rd_kafka_DescribeConsumerGroups_result_groups(result, &mut count);
        if count == 0 {
            return Err(Error::new(crate::error::KAFKA_ERR_INTERNAL, "the cluster described no group"));
        }
        let d = *descriptions;
        borrowed_error(rd::rd_kafka_ConsumerGroupDescription_error(d), &format!("group '{group}'"))?;
        let node = rd::rd_kafka_ConsumerGroupDescription_coordinator(d);
        let coordinator = (!node.is_null()).then(|| {
            (rd::rd_kafka_Node_id(node), text(rd::rd_kafka_Node_host(node)), i32::from(rd::rd_kafka_Node_port(node)))
        });
        let members = (0..rd::rd_kafka_ConsumerGroupDescription_member_count(d))
            .map(|i| {
                let m = rd::rd_kafka_ConsumerGroupDescription_member(d, i);
                let assignment = rd::rd_kafka_MemberDescription_assignment(m);
                let partitions = if assignment.is_null() {
                    Vec::new()
                } else {
                    list_entries(rd::rd_kafka_MemberAssignment_partitions(assignment))
                };
                Member {
                    member_id: text(rd::rd_kafka_MemberDescription_consumer_id(m)),
                    client_id: text(rd::rd_kafka_MemberDescription_client_id(m)),
                    host: text(rd::rd_kafka_MemberDescription_host(m)),
                    assignment: partitions,
                }
            })
            .collect();
        Ok(Group {
            name: group.to_string(),
            state: text(rd::rd_kafka_consumer_group_state_name(rd::rd_kafka_ConsumerGroupDescription_state(d))),
            protocol: opt_text(rd::rd_kafka_ConsumerGroupDescription_partition_assignor(d)).unwrap_or_default(),
            simple: rd::rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0,
            coordinator,
            members,
        })
    }
}

impl Group {
    pub fn to_json(&self) -> Json {
        let members = self
            .members
            .iter()
            .map(|m| {
                let assignment = m
                    .assignment
                    .iter()
                    .map(|e| Json::object(vec![("topic", e.topic.as_str().into()), ("partition", e.partition.into())]))
                    .collect();
                Json::object(vec![
                    ("member_id", m.member_id.as_str().into()),
                    ("client_id", m.client_id.as_str().into()),
                    ("host", m.host.as_str().into()),
                    ("assignment", Json::Array(assignment)),
                ])
            })
            .collect();
        let coordinator = self.coordinator.as_ref().map_or(Json::Null, |(id, host, port)| {
            Json::object(vec![("id", (*id).into()), ("host", host.as_str().into()), ("port", (*port).into())])
        });
        Json::object(vec![
            ("group", self.name.as_str().into()),
            ("state", self.state.as_str().into()),
            ("protocol", self.protocol.as_str().into()),
            ("simple", self.simple.into()),
            ("coordinator", coordinator),
            ("members", Json::Array(members)),
        ])
    }

    fn owner(&self, topic: &str, partition: i32) -> Option<&Member> {
        self.members.iter().find(|m| m.assignment.iter().any(|e| e.topic == topic && e.partition == partition))
    }
}

pub fn delete_group(conn: Connection<'_>, group: &str, timeout: Duration) -> Result<()> {
    // librdkafka 2.12 leaves a queue reference wrong when a broker refuses
    // DeleteGroups as unsupported (the mock cluster does), and the client
    // then aborts when destroyed. Every Kafka broker with a controller has
    // supported it since 1.1, so ask only such a cluster.
    crate::metadata::require_controller(conn, timeout)?;
    let name = c_string(group);
    // SAFETY: the name is NUL-terminated; the request is ours until destroyed.
    let mut request = [unsafe { rd::rd_kafka_DeleteGroup_new(name.as_ptr()) }];
    let sent = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_DELETEGROUPS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_DELETEGROUPS_RESULT,
        // SAFETY: the request is live; the call copies it.
        |options, queue| unsafe { rd::rd_kafka_DeleteGroups(conn.raw(), request.as_mut_ptr(), 1, options, queue) },
    );
    // SAFETY: the request is ours and no longer used.
    unsafe { rd::rd_kafka_DeleteGroup_destroy_array(request.as_mut_ptr(), 1) };
    let event = sent?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_DeleteGroups_result(event.0);
        let mut count = 0;
        let groups = rd::rd_kafka_DeleteGroups_result_groups(result, &mut count);
        for i in 0..count {
            borrowed_error(rd::rd_kafka_group_result_error(*groups.add(i)), &format!("group '{group}'"))?;
        }
    }
    Ok(())
}

/// The group's committed offsets, one entry per partition it committed.
fn committed_offsets(conn: Connection<'_>, group: &str, timeout: Duration) -> Result<Vec<Entry>> {
    let name: CString = c_string(group);
    // SAFETY: the name is NUL-terminated; NULL partitions asks for all.
    let mut request = [unsafe { rd::rd_kafka_ListConsumerGroupOffsets_new(name.as_ptr(), std::ptr::null()) }];
    let sent = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
        // SAFETY: the request is live; the call copies it.
        |options, queue| unsafe {
            rd::rd_kafka_ListConsumerGroupOffsets(conn.raw(), request.as_mut_ptr(), 1, options, queue)
        },
    );
    // SAFETY: the request is ours and no longer used.
    unsafe { rd::rd_kafka_ListConsumerGroupOffsets_destroy_array(request.as_mut_ptr(), 1) };
    let event = sent?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_ListConsumerGroupOffsets_result(event.0);
        let mut count = 0;
        let groups = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &mut count);
        let mut out = Vec::new();
        for i in 0..count {
            let g = *groups.add(i);
            borrowed_error(rd::rd_kafka_group_result_error(g), &format!("offsets of group '{group}'"))?;
            out.extend(list_entries(rd::rd_kafka_group_result_partitions(g)).into_iter().filter(|e| e.offset >= 0));
        }
        Ok(out)
    }
}

/// The log-end offset (high watermark) of each partition, in one request.
fn end_offsets(conn: Connection<'_>, partitions: &[Entry], timeout: Duration) -> Result<Vec<Entry>> {
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<Entry> = partitions
        .iter()
        .map(|e| Entry { offset: rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_LATEST as i64, ..e.clone() })
        .collect();
    let list = raw_list(&wanted);
    let event = conn.admin(
        Op::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
        timeout,
        false,
        rd::RD_KAFKA_EVENT_LISTOFFSETS_RESULT,
        // SAFETY: the list is ours; the call copies it.
        |options, queue| unsafe { rd::rd_kafka_ListOffsets(conn.raw(), list.0, options, queue) },
    )?;
    // SAFETY: everything read here lives as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_ListOffsets_result(event.0);
        let mut count = 0;
        let infos = rd::rd_kafka_ListOffsets_result_infos(result, &mut count);
        Ok((0..count).map(|i| entry_of(&*rd::rd_kafka_ListOffsetsResultInfo_topic_partition(*infos.add(i)))).collect())
    }
}

/// One row of the lag table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagRow {
    pub topic: String,
    pub partition: i32,
    pub committed: Option<i64>,
    pub end: Option<i64>,
    pub member_id: Option<String>,
    pub client_id: Option<String>,
    pub host: Option<String>,
}

impl LagRow {
    pub fn lag(&self) -> Option<i64> {
        Some(self.end? - self.committed?).map(|l| l.max(0))
    }
}

/// The group's lag per partition: every partition it committed or that a
/// member owns, with the committed offset, the log-end offset and the
/// owner; sorted by topic, then partition.
pub fn group_lag(conn: Connection<'_>, group: &str, timeout: Duration) -> Result<(Group, Vec<LagRow>)> {
    let description = describe_group(conn, group, timeout)?;
    let committed = committed_offsets(conn, group, timeout)?;
    let mut partitions: Vec<Entry> = committed.clone();
    for m in &description.members {
        for e in &m.assignment {
            if !partitions.iter().any(|p| p.topic == e.topic && p.partition == e.partition) {
                partitions.push(e.clone());
            }
        }
    }
    partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    let ends = end_offsets(conn, &partitions, timeout)?;
    let rows = partitions
        .iter()
        .map(|p| {
            let owner = description.owner(&p.topic, p.partition);
            let end = ends.iter().find(|e| e.topic == p.topic && e.partition == p.partition && e.status == 0);
            LagRow {
                topic: p.topic.clone(),
                partition: p.partition,
                committed: committed
                    .iter()
                    .find(|c| c.topic == p.topic && c.partition == p.partition)
                    .map(|c| c.offset),
                end: end.map(|e| e.offset),
                member_id: owner.map(|m| m.member_id.clone()),
                client_id: owner.map(|m| m.client_id.clone()),
                host: owner.map(|m| m.host.clone()),
            }
        })
        .collect();
    Ok((description, rows))
}

pub fn lag_json(group: &Group, rows: &[LagRow]) -> Json {
    let rows = rows
        .iter()
        .map(|r| {
            Json::object(vec![
                ("topic", r.topic.as_str().into()),
                ("partition", r.partition.into()),
                ("committed", Json::opt_int(r.committed)),
                ("end", Json::opt_int(r.end)),
                ("lag", Json::opt_int(r.lag())),
                ("member_id", Json::opt_str(r.member_id.clone())),
                ("client_id", Json::opt_str(r.client_id.clone())),
                ("host", Json::opt_str(r.host.clone())),
            ])
        })
        .collect();
    Json::object(vec![
        ("group", group.name.as_str().into()),
        ("state", group.state.as_str().into()),
        ("partitions", Json::Array(rows)),
    ])
}
