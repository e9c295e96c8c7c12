//! The embedded broker: `NewMockCluster`, `MockCreateTopic`,
//! `DestroyMockCluster`.

use libc::{c_char, c_int, c_void};

use super::{guard, input_str, required, ErrorText};
use crate::mock_cluster::MockCluster;
use crate::registry;

/// Starts librdkafka's in-process mock cluster with `brokers` brokers (1 to
/// 64) on loopback ports, and writes its handle to `*mock` and its bootstrap
/// address (for `bootstrap.servers`) to `bootstrap` (capacity `*plen` on
/// entry, length written on return; errors are written there too). Any
/// client on this machine can use it, in this process or another, for as
/// long as the handle lives. Topics are created on first use, or with
/// `MockCreateTopic`. It keeps about 5 MiB per partition; older data is
/// dropped. Not a replacement for a real broker in production. When
/// `bootstrap` is NULL or too small for the address and its NUL, no cluster
/// is kept: returns `KAFKA_ERR_TOO_SMALL` with the size needed in `*plen`.
#[no_mangle]
pub unsafe extern "C" fn NewMockCluster(
    brokers: i32,
    mock: *mut *mut c_void,
    bootstrap: *mut c_char,
    plen: *mut i32,
) -> c_int {
    guard(ErrorText::new(bootstrap, plen), |address| {
        let out = required(mock, "mock")?;
        let capacity = *required(plen, "plen")? as usize;
        let cluster = MockCluster::start(brokers)?;
        let text = cluster.bootstrap().to_string();
        if bootstrap.is_null() || text.len() >= capacity {
            // Nothing is kept: the cluster stops, and the size needed
            // (with the NUL) is the answer.
            drop(cluster);
            *plen = (text.len() + 1) as i32;
            address.keep();
            return Ok(crate::error::KAFKA_ERR_TOO_SMALL);
        }
        *out = registry::register(cluster);
        // The address is this function's result, written on success.
        address.write(&text);
        Ok(0)
    })
}

/// Creates `topic` with `partitions` partitions (1 to 10000) and replication
/// factor `replication` (1 to the broker count) on a mock cluster; the name
/// must be one a Kafka broker accepts (1 to 249 of `a-z A-Z 0-9 . _ -`, not
/// "." or ".."). Returns 0, `KAFKA_ERR_INVALID_ARGUMENT` for counts or names
/// out of range, or librdkafka's error, with its text in `errtxt`.
#[no_mangle]
pub unsafe extern "C" fn MockCreateTopic(
    mock: *mut c_void,
    topic: *const c_char,
    partitions: i32,
    replication: i32,
    errtxt: *mut c_char,
    plen: *mut i32,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let cluster = registry::get::<MockCluster>(mock)?;
        cluster.create_topic(input_str(topic, "topic")?, partitions, replication)?;
        Ok(0)
    })
}

/// Stops a mock cluster and releases its handle. Its clients then see the
/// brokers as down.
#[no_mangle]
pub unsafe extern "C" fn DestroyMockCluster(mock: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        registry::release::<MockCluster>(mock)?;
        Ok(0)
    })
}
