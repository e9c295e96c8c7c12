//! Handles and configuration: `InitKafka`, `SetKafkaConf` and the topic
//! configuration calls.

use libc::{c_char, c_int, c_void};

use super::{guard, input_str, required, ErrorText};
use crate::client::Client;
use crate::config::TopicConfig;
use crate::registry;

/// Creates a Kafka client handle in `*kafka`. The handle is neither producer
/// nor consumer yet: it becomes a producer on its first `Produce`, a
/// consumer on `SubscribeConsumerTPList`. Release it with `UninitProducer`
/// or `UninitConsumer`. Returns 0, or `KAFKA_ERR_INVALID_ARGUMENT` when
/// `kafka` is NULL.
#[no_mangle]
pub unsafe extern "C" fn InitKafka(kafka: *mut *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let out = required(kafka, "kafka")?;
        *out = registry::register(Client::new());
        Ok(0)
    })
}

/// Sets one librdkafka configuration property (see librdkafka's
/// CONFIGURATION.md) on a client handle, before it becomes a producer or
/// consumer. Returns librdkafka's result: 0 set, -2 unknown property, -1
/// invalid value; `KAFKA_ERR_STATE` once the handle is a producer or
/// consumer; `KAFKA_ERR_BAD_HANDLE`. The reason is written to `errtxt`
/// (capacity `*plen` on entry, length written on return).
#[no_mangle]
pub unsafe extern "C" fn SetKafkaConf(
    kafka: *mut c_void,
    key: *const c_char,
    val: *const c_char,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let client = registry::get::<Client>(kafka)?;
        client.set_config(input_str(key, "key")?, input_str(val, "val")?)?;
        Ok(0)
    })
}

/// Creates a topic configuration handle in `*topicconf`; release it with
/// `DelTopicConf`. Topic properties can also be set on the client with
/// `SetKafkaConf`, which applies them to every topic.
#[no_mangle]
pub unsafe extern "C" fn NewTopicConf(topicconf: *mut *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let out = required(topicconf, "topicconf")?;
        *out = registry::register(TopicConfig::new());
        Ok(0)
    })
}

/// Sets one topic property; results as `SetKafkaConf`.
#[no_mangle]
pub unsafe extern "C" fn SetTopicConf(
    topicconf: *mut c_void,
    key: *const c_char,
    val: *const c_char,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let config = registry::get::<TopicConfig>(topicconf)?;
        let (key, val) = (input_str(key, "key")?, input_str(val, "val")?);
        config.set(key, val)?;
        Ok(0)
    })
}

/// Releases a topic configuration handle. Returns 0, or
/// `KAFKA_ERR_BAD_HANDLE` (for example when it was already released).
#[no_mangle]
pub unsafe extern "C" fn DelTopicConf(topicconf: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        registry::release::<TopicConfig>(topicconf)?;
        Ok(0)
    })
}
