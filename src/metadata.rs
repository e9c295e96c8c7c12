//! Cluster metadata: brokers, topics, partitions with leaders, replicas and
//! in-sync replicas; what `kcat -L` prints.

use std::time::Duration;

use rdkafka_sys as rd;

use crate::connection::{text, Connection};
use crate::error::{describe_code, Error, Result};
use crate::json::Json;
use crate::producer::millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isrs: Vec<i32>,
    pub error: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub name: String,
    pub partitions: Vec<Partition>,
    pub error: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub orig_broker_id: i32,
    pub brokers: Vec<Broker>,
    pub topics: Vec<Topic>,
}

/// Fetches the metadata of every topic, or of `topic` only. All topics are
/// asked for either way: asking the broker for one topic by name can create
/// it (`auto.create.topics.enable`), and looking must not change anything.
pub fn fetch(conn: Connection<'_>, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
    let mut md: *const rd::rd_kafka_metadata = std::ptr::null();
    // SAFETY: rk is live; on success md is ours until rd_kafka_metadata_destroy.
    let err = unsafe { rd::rd_kafka_metadata(conn.raw(), 1, std::ptr::null_mut(), &mut md, millis(timeout)) };
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(Error::new(err as i32, format!("cannot fetch metadata: {}", describe_code(err as i32))));
    }
    // SAFETY: md is live until destroyed below.
    let mut result = unsafe { convert(&*md) };
    // SAFETY: md came from rd_kafka_metadata.
    unsafe { rd::rd_kafka_metadata_destroy(md) };
    if let Some(name) = topic {
        result.topics.retain(|t| t.name == name);
        if result.topics.is_empty() {
            result.topics.push(Topic {
                name: name.to_string(),
                partitions: Vec::new(),
                error: rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART as i32,
            });
        }
    }
    // SAFETY: rk is live; the cluster id string is ours to free.
    unsafe {
        result.controller_id = rd::rd_kafka_controllerid(conn.raw(), 0);
        let id = rd::rd_kafka_clusterid(conn.raw(), 0);
        if !id.is_null() {
            result.cluster_id = Some(text(id));
            rd::rd_kafka_mem_free(conn.raw(), id as *mut libc::c_void);
        }
    }
    Ok(result)
}

/// Fails at once, with a clear reason, when the cluster has no controller
/// that calls routed to it could reach: librdkafka would otherwise wait out
/// the whole timeout ("waiting for controller"). librdkafka's mock cluster
/// is such a cluster: it names a controller that is none of its brokers.
pub fn require_controller(conn: Connection<'_>, timeout: Duration) -> Result<()> {
    let mut md: *const rd::rd_kafka_metadata = std::ptr::null();
    // SAFETY: rk is live; on success md is ours until destroyed.
    let err = unsafe { rd::rd_kafka_metadata(conn.raw(), 0, std::ptr::null_mut(), &mut md, millis(timeout)) };
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(Error::new(err as i32, format!("cannot reach the cluster: {}", describe_code(err as i32))));
    }
    // SAFETY: md is live until destroyed; rk is live.
    let (brokers, controller) = unsafe {
        let ids: Vec<i32> = slice((*md).brokers, (*md).broker_cnt).iter().map(|b| b.id).collect();
        rd::rd_kafka_metadata_destroy(md);
        (ids, rd::rd_kafka_controllerid(conn.raw(), millis(timeout)))
    };
    if brokers.contains(&controller) {
        Ok(())
    } else {
        Err(Error::new(
            rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE as i32,
            "the cluster has no controller to take this request: this needs a Kafka broker (librdkafka's mock \
             cluster has no admin API; create its topics with MockCreateTopic)",
        ))
    }
}

/// The partition numbers of `topic`, in order.
pub fn partitions_of(conn: Connection<'_>, topic: &str, timeout: Duration) -> Result<Vec<i32>> {
    let md = fetch(conn, Some(topic), timeout)?;
    let t = &md.topics[0];
    if t.error != 0 {
        return Err(Error::new(t.error, format!("topic '{topic}': {}", describe_code(t.error))));
    }
    Ok(t.partitions.iter().map(|p| p.id).collect())
}

fn slice<'a, T>(ptr: *const T, count: libc::c_int) -> &'a [T] {
    if ptr.is_null() || count <= 0 {
        &[]
    } else {
        // SAFETY: librdkafka's metadata arrays are `count` long.
        unsafe { std::slice::from_raw_parts(ptr, count as usize) }
    }
}

/// # Safety
/// `md` must be live metadata from librdkafka.
unsafe fn convert(md: &rd::rd_kafka_metadata) -> Metadata {
    let mut brokers: Vec<Broker> = slice(md.brokers, md.broker_cnt)
        .iter()
        .map(|b| Broker { id: b.id, host: text(b.host), port: b.port })
        .collect();
    brokers.sort_by_key(|b| b.id);
    let mut topics: Vec<Topic> = slice(md.topics, md.topic_cnt)
        .iter()
        .map(|t| {
            let mut partitions: Vec<Partition> = slice(t.partitions, t.partition_cnt)
                .iter()
                .map(|p| Partition {
                    id: p.id,
                    leader: p.leader,
                    replicas: slice(p.replicas, p.replica_cnt).to_vec(),
                    isrs: slice(p.isrs, p.isr_cnt).to_vec(),
                    error: p.err as i32,
                })
                .collect();
            partitions.sort_by_key(|p| p.id);
            Topic { name: text(t.topic), partitions, error: t.err as i32 }
        })
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    Metadata { cluster_id: None, controller_id: -1, orig_broker_id: md.orig_broker_id, brokers, topics }
}

/// An error code, with its text when it is not 0.
fn with_error(mut fields: Vec<(&'static str, Json)>, error: i32) -> Json {
    fields.push(("error", error.into()));
    if error != 0 {
        fields.push(("error_text", describe_code(error).into()));
    }
    Json::object(fields)
}

fn ids(ids: &[i32]) -> Json {
    Json::Array(ids.iter().map(|&i| i.into()).collect())
}

impl Metadata {
    pub fn to_json(&self) -> Json {
        let brokers = self
            .brokers
            .iter()
            .map(|b| Json::object(vec![("id", b.id.into()), ("host", b.host.as_str().into()), ("port", b.port.into())]))
            .collect();
        let topics = self
            .topics
            .iter()
            .map(|t| {
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| {
                        with_error(
                            vec![
                                ("partition", p.id.into()),
                                ("leader", p.leader.into()),
                                ("replicas", ids(&p.replicas)),
                                ("isrs", ids(&p.isrs)),
                            ],
                            p.error,
                        )
                    })
                    .collect();
                with_error(vec![("topic", t.name.as_str().into()), ("partitions", Json::Array(partitions))], t.error)
            })
            .collect();
        Json::object(vec![
            ("cluster_id", Json::opt_str(self.cluster_id.clone())),
            ("controller_id", self.controller_id.into()),
            ("orig_broker_id", self.orig_broker_id.into()),
            ("brokers", Json::Array(brokers)),
            ("topics", Json::Array(topics)),
        ])
    }
}
