//! Fault injection on the embedded mock cluster: `MockBrokerDown`,
//! `MockBrokerUp`, `MockSetRtt`, `MockPushRequestErrors`, `MockSetLeader`.
//! Brokers are numbered 1 to the count given to `NewMockCluster`.

use libc::{c_char, c_int, c_void};

use super::arrays::{input_count, required_array};
use super::{guard, input_str, ErrorText};
use crate::mock_cluster::MockCluster;
use crate::registry;

/// Takes broker `broker` of the mock cluster down: its connections close
/// and new ones are refused, as when a broker process dies.
#[no_mangle]
pub unsafe extern "C" fn MockBrokerDown(
    mock: *mut c_void,
    broker: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        registry::get::<MockCluster>(mock)?.set_broker_up(broker, false)?;
        Ok(0)
    })
}

/// Brings broker `broker` of the mock cluster back up.
#[no_mangle]
pub unsafe extern "C" fn MockBrokerUp(mock: *mut c_void, broker: i32, errtxt: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        registry::get::<MockCluster>(mock)?.set_broker_up(broker, true)?;
        Ok(0)
    })
}

/// Delays every answer of broker `broker` by `rtt_ms` milliseconds (0: none).
#[no_mangle]
pub unsafe extern "C" fn MockSetRtt(
    mock: *mut c_void,
    broker: i32,
    rtt_ms: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        registry::get::<MockCluster>(mock)?.set_rtt(broker, rtt_ms)?;
        Ok(0)
    })
}

/// Makes the next `count` requests of Kafka API `apikey` (0 Produce, 1
/// Fetch, 2 ListOffsets, 3 Metadata, 8 OffsetCommit, 9 OffsetFetch, 10
/// FindCoordinator, 22 InitProducerId, …) to the mock cluster fail with
/// `errors[0]`, `errors[1]`, … (Kafka error codes, e.g. 6 not leader, 7
/// request timed out), in order; then they succeed again.
#[no_mangle]
pub unsafe extern "C" fn MockPushRequestErrors(
    mock: *mut c_void,
    apikey: i32,
    errors: *const i32,
    count: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        let errors = required_array(errors, n, "errors")?;
        registry::get::<MockCluster>(mock)?.push_request_errors(apikey, errors)?;
        Ok(0)
    })
}

/// Moves the leadership of (`topic`, `partition`) to broker `broker`, as an
/// election after a failure would. The partition is 0 to 9999 and the name
/// one a broker accepts (`KAFKA_ERR_INVALID_ARGUMENT` otherwise); an
/// unknown topic is created with partition + 1 partitions.
#[no_mangle]
pub unsafe extern "C" fn MockSetLeader(
    mock: *mut c_void,
    topic: *const c_char,
    partition: i32,
    broker: i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic = input_str(topic, "topic")?;
        registry::get::<MockCluster>(mock)?.set_leader(topic, partition, broker)?;
        Ok(0)
    })
}
