//! Faults injected into the embedded mock cluster, so tests of "nothing
//! lost" run on every `make test` without a real broker: brokers down and
//! up, network delay, request errors, leader changes.

use std::ffi::CStr;

use rdkafka_sys as rd;

use crate::error::{check, Error, Result};
use crate::mock_cluster::MockCluster;

impl MockCluster {
    fn broker(&self, id: i32) -> Result<i32> {
        if (1..=self.brokers).contains(&id) {
            Ok(id)
        } else {
            Err(Error::invalid_argument(format!("the mock cluster's brokers are 1 to {}, not {id}", self.brokers)))
        }
    }

    /// Takes a broker down (its connections close, new ones are refused),
    /// or brings it back up.
    pub fn set_broker_up(&self, id: i32, up: bool) -> Result<()> {
        let id = self.broker(id)?;
        // SAFETY: the cluster is live.
        check(unsafe {
            if up {
                rd::rd_kafka_mock_broker_set_up(self.cluster, id)
            } else {
                rd::rd_kafka_mock_broker_set_down(self.cluster, id)
            }
        })
    }

    /// Delays every answer of a broker by `rtt_ms`.
    pub fn set_rtt(&self, id: i32, rtt_ms: i32) -> Result<()> {
        let id = self.broker(id)?;
        if rtt_ms < 0 {
            return Err(Error::invalid_argument(format!("a round-trip time cannot be negative ({rtt_ms} ms)")));
        }
        // SAFETY: the cluster is live.
        check(unsafe { rd::rd_kafka_mock_broker_set_rtt(self.cluster, id, rtt_ms) })
    }

    /// Makes the next requests of Kafka API `api_key` (0 Produce, 1 Fetch,
    /// 8 OffsetCommit, 10 FindCoordinator, …) fail with `errors`, in order.
    pub fn push_request_errors(&self, api_key: i32, errors: &[i32]) -> Result<()> {
        let key = i16::try_from(api_key)
            .ok()
            .filter(|k| *k >= 0)
            .ok_or_else(|| Error::invalid_argument(format!("{api_key} is not a Kafka API key")))?;
        let codes = errors
            .iter()
            .map(|&e| {
                rd::rd_kafka_resp_err_t::try_from(e)
                    .map_err(|_| Error::invalid_argument(format!("{e} is not a Kafka error code")))
            })
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: the cluster is live; the array is copied.
        unsafe { rd::rd_kafka_mock_push_request_errors_array(self.cluster, key, codes.len(), codes.as_ptr()) };
        Ok(())
    }

    /// Moves the leadership of a partition to broker `id`.
    pub fn set_leader(&self, topic: &CStr, partition: i32, id: i32) -> Result<()> {
        let id = self.broker(id)?;
        // librdkafka makes an unknown topic with partition + 1 partitions
        // and aborts on counts it cannot allocate; and its
        // rd_kafka_mock_partition_get checks only the upper bound, so a
        // negative partition writes through &partitions[-1] (heap
        // corruption, a SIGSEGV much later: tests/fuzz/regressions/seed-14).
        // Keep the lower bound.
        crate::admin::check_topic_name(&topic.to_string_lossy()).map_err(Error::invalid_argument)?;
        if !(0..crate::mock_cluster::MAX_PARTITIONS).contains(&partition) {
            return Err(Error::invalid_argument(format!(
                "a mock partition is 0 to {}, not {partition}",
                crate::mock_cluster::MAX_PARTITIONS - 1
            )));
        }
        // SAFETY: the cluster is live; topic is NUL-terminated.
        check(unsafe { rd::rd_kafka_mock_partition_set_leader(self.cluster, topic.as_ptr(), partition, id) })
    }
}
