//! librdkafka's in-process mock cluster: a Kafka-protocol broker set that
//! any client on this machine can reach over TCP, with no Kafka installed.

use std::ffi::CStr;

use rdkafka_sys as rd;

use crate::error::{check, cstr_lossy, errstr_text, Error, Result, KAFKA_ERR_CREATE};
use crate::registry::Kind;

pub struct MockCluster {
    /// The client instance that hosts the cluster's threads.
    pub(crate) host: *mut rd::rd_kafka_t,
    pub(crate) cluster: *mut rd::rd_kafka_mock_cluster_t,
    bootstrap: String,
    pub(crate) brokers: i32,
}

/// The most partitions a mock topic may have: each costs memory up front.
pub(crate) const MAX_PARTITIONS: i32 = 10_000;

// SAFETY: the mock cluster API is thread-safe (it posts to the cluster's
// own thread).
unsafe impl Send for MockCluster {}
unsafe impl Sync for MockCluster {}

impl Kind for MockCluster {
    const NAME: &'static str = "mock cluster";
}

impl MockCluster {
    /// Starts a cluster of `brokers` brokers on loopback ports. Groups
    /// rebalance at once (no initial delay), as on the test broker.
    pub fn start(brokers: i32) -> Result<Self> {
        if !(1..=64).contains(&brokers) {
            return Err(Error::invalid_argument(format!("a mock cluster has 1 to 64 brokers, not {brokers}")));
        }
        let mut errstr = [0 as libc::c_char; 512];
        // SAFETY: a default conf, owned by rd_kafka_new on success.
        let host = unsafe {
            let conf = rd::rd_kafka_conf_new();
            // The host instance has no brokers of its own: keep its
            // "no bootstrap.servers" notice out of the application's log.
            rd::rd_kafka_conf_set(conf, c"log_level".as_ptr(), c"3".as_ptr(), errstr.as_mut_ptr(), errstr.len());
            let host =
                rd::rd_kafka_new(rd::rd_kafka_type_t::RD_KAFKA_PRODUCER, conf, errstr.as_mut_ptr(), errstr.len());
            if host.is_null() {
                rd::rd_kafka_conf_destroy(conf);
            }
            host
        };
        if host.is_null() {
            return Err(Error::new(KAFKA_ERR_CREATE, format!("cannot start mock cluster: {}", errstr_text(&errstr))));
        }
        // SAFETY: host is live.
        let cluster = unsafe { rd::rd_kafka_mock_cluster_new(host, brokers) };
        if cluster.is_null() {
            // SAFETY: host is ours.
            unsafe { rd::rd_kafka_destroy(host) };
            return Err(Error::new(KAFKA_ERR_CREATE, "cannot start mock cluster: librdkafka refused"));
        }
        // SAFETY: cluster is live; the string lives as long as the cluster.
        let bootstrap = unsafe {
            rd::rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
            cstr_lossy(rd::rd_kafka_mock_cluster_bootstraps(cluster))
        };
        Ok(MockCluster { host, cluster, bootstrap, brokers })
    }

    /// The `bootstrap.servers` value for clients of this cluster.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Creates a topic (topics are also created on first use, with librdkafka's
    /// mock default partition count).
    pub fn create_topic(&self, topic: &CStr, partitions: i32, replication: i32) -> Result<()> {
        // librdkafka aborts the process on counts it cannot allocate.
        if !(1..=MAX_PARTITIONS).contains(&partitions) {
            return Err(Error::invalid_argument(format!(
                "a mock topic has 1 to {MAX_PARTITIONS} partitions, not {partitions}"
            )));
        }
        if !(1..=self.brokers).contains(&replication) {
            return Err(Error::invalid_argument(format!(
                "the replication factor is 1 to the broker count ({}), not {replication}",
                self.brokers
            )));
        }
        crate::admin::check_topic_name(&topic.to_string_lossy()).map_err(Error::invalid_argument)?;
        // SAFETY: cluster is live; topic is NUL-terminated.
        check(unsafe { rd::rd_kafka_mock_topic_create(self.cluster, topic.as_ptr(), partitions, replication) })
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        // SAFETY: the cluster goes before the instance that hosts it.
        unsafe {
            rd::rd_kafka_mock_cluster_destroy(self.cluster);
            rd::rd_kafka_destroy(self.host);
        }
    }
}
