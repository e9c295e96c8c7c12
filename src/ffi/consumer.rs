//! Consuming: `SubscribeConsumerTPList`, `Consume`, `Commit`, `Committed`,
//! `UninitConsumer`.

use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::{guard, output_bytes, required, set_optional, ErrorText};
use crate::client::Client;
use crate::consumer::{Buffers, Consumed, COMMITTED_TIMEOUT};
use crate::error::{rebalance_waiting, Error, KAFKA_CONSUME_BUFFER_TOO_SMALL, KAFKA_CONSUME_NO_MESSAGE};
use crate::partition_list::PartitionList;
use crate::registry;

/// How long `Consume` waits for a message.
const CONSUME_WAIT: Duration = Duration::from_millis(500);

/// Makes the client handle `kafka` a group consumer with its configuration
/// (`group.id` is required) and subscribes it to the topic names in the
/// list `subscr` (partitions are ignored; the group assigns them). Called
/// again on a consumer, it replaces the subscription.
///
/// Takes ownership of `subscr` whenever it is a live list, whatever the
/// outcome (except a negative `*plen`, which does nothing at all): the
/// caller must not use or release it afterwards.
///
/// Returns 0; `KAFKA_ERR_CREATE` (1) or librdkafka's error when the consumer
/// cannot be created or subscribed (the handle then stays configurable);
/// `KAFKA_ERR_BAD_HANDLE`. The reason goes to `errtxt` (capacity `*plen` on
/// entry, length written on return).
#[no_mangle]
pub unsafe extern "C" fn SubscribeConsumerTPList(
    kafka: *mut c_void,
    subscr: *mut c_void,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let list = registry::release::<PartitionList>(subscr)?;
        let client = registry::get::<Client>(kafka)?;
        client.subscribe(&list.topics())?;
        Ok(0)
    })
}

/// Waits up to 500 ms for the next message of the subscription.
///
/// On entry `*topiclen`, `*paylen` and `*keylen` hold the capacities of
/// `topic`, `payload` and `key`. Statuses:
/// - 0: the message was copied; the three lengths are set to the actual
///   sizes (bytes are copied verbatim, a NUL is added after each when there
///   is room), `*partition` and `*offset` are set.
/// - 1 (`KAFKA_CONSUME_NO_MESSAGE`): nothing arrived; `errtxt` is "no msg".
/// - 2 (`KAFKA_CONSUME_BUFFER_TOO_SMALL`): a buffer is too small; the three
///   lengths are set to the sizes needed and the message is kept: the next
///   call hands it out, so retry with bigger buffers and nothing is lost.
/// - 3 (`KAFKA_CONSUME_REBALANCE`): only with `application.rebalance` set
///   to "true": a rebalance waits for the application (see `Rebalance`).
/// - other: a Kafka error or event (e.g. -191 partition EOF when
///   `enable.partition.eof` is set) with its text in `errtxt`.
///
/// `partition` and `offset` may be NULL when not wanted.
#[no_mangle]
pub unsafe extern "C" fn Consume(
    cons: *mut c_void,
    topic: *mut c_char,
    topiclen: *mut u32,
    payload: *mut c_char,
    paylen: *mut u32,
    key: *mut c_char,
    keylen: *mut u32,
    partition: *mut i32,
    offset: *mut i64,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic_len = required(topiclen, "topiclen")?;
        let payload_len = required(paylen, "paylen")?;
        let key_len = required(keylen, "keylen")?;
        let topic = output_bytes(topic, *topic_len as usize, "topic")?;
        let payload = output_bytes(payload, *payload_len as usize, "payload")?;
        let key = output_bytes(key, *key_len as usize, "key")?;
        // A message already fetched is handed out without waiting, and so
        // without taking a reference on the handle; otherwise wait for one.
        let ready = registry::with::<Client, _>(cons, |client| {
            client
                .consumer()?
                .consume(Duration::ZERO, Buffers { topic: &mut *topic, payload: &mut *payload, key: &mut *key })
        })??;
        let outcome = match ready {
            Consumed::Nothing => {
                let buffers = Buffers { topic, payload, key };
                registry::get::<Client>(cons)?.consumer()?.consume(CONSUME_WAIT, buffers)?
            }
            done => done,
        };
        let mut set_lengths = |l: crate::consumer::Lengths| {
            *topic_len = l.topic as u32;
            *payload_len = l.payload as u32;
            *key_len = l.key as u32;
        };
        match outcome {
            Consumed::Message { lengths, partition: p, offset: o } => {
                set_lengths(lengths);
                set_optional(partition, p);
                set_optional(offset, o);
                Ok(0)
            }
            Consumed::Nothing => Err(Error::new(KAFKA_CONSUME_NO_MESSAGE, "no msg")),
            Consumed::Rebalance => Err(rebalance_waiting()),
            Consumed::TooSmall { needed } => {
                set_lengths(needed);
                Err(Error::new(
                    KAFKA_CONSUME_BUFFER_TOO_SMALL,
                    format!(
                        "buffer too small: topic needs {}, payload {}, key {} bytes; the message is kept for the next call",
                        needed.topic, needed.payload, needed.key
                    ),
                ))
            }
        }
    })
}

/// Commits synchronously: the offsets in the list `subscr` (set with
/// `SetOffset`), or, when `subscr` is NULL, the consumed positions of the
/// current assignment. A committed offset is the next offset to read (last
/// consumed + 1). Does not take ownership of `subscr`. Waits at most 10 s
/// for the outcome (-185 when none came: the coordinator is unreachable;
/// the commit may still complete). Returns librdkafka's result (e.g. -168
/// when there is nothing to commit, or the first failing partition's) or
/// `KAFKA_ERR_BAD_HANDLE`.
#[no_mangle]
pub unsafe extern "C" fn Commit(cons: *mut c_void, subscr: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let client = registry::get::<Client>(cons)?;
        let consumer = client.consumer()?;
        let list = if subscr.is_null() { None } else { Some(registry::get::<PartitionList>(subscr)?) };
        consumer.commit(list.as_deref())?;
        Ok(0)
    })
}

/// Fetches the group's committed offset (the next offset to read) for the
/// first entry of the list `subscr` into `*offset`, waiting up to 5 s for
/// the coordinator; -1001 when the group has none. Takes ownership of
/// `subscr` whenever it is a live list: the caller must not use it again.
#[no_mangle]
pub unsafe extern "C" fn Committed(cons: *mut c_void, subscr: *mut c_void, offset: *mut i64) -> c_int {
    guard(ErrorText::none(), |_| {
        let list = registry::release::<PartitionList>(subscr)?;
        let client = registry::get::<Client>(cons)?;
        let consumer = client.consumer()?;
        let out = required(offset, "offset")?;
        *out = consumer.committed(&list, COMMITTED_TIMEOUT)?;
        Ok(0)
    })
}

/// Closes and releases a consumer handle (or a client handle that never
/// subscribed): leaves the group, committing first when
/// `enable.auto.commit` is on, waiting at most 10 s (librdkafka alone can
/// wait `session.timeout.ms` when the brokers are gone). The handle is
/// released whatever the outcome. Returns 0; -185 when the group could not
/// be left in time (what was consumed since the last commit may then not be
/// committed; also written to stderr, since destructors often ignore the
/// status); `KAFKA_ERR_BAD_HANDLE` when
/// `cons` is not a live client handle or is a producer (then nothing is
/// released), including a second call on the same handle.
#[no_mangle]
pub unsafe extern "C" fn UninitConsumer(cons: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let client = registry::release_if::<Client>(cons, |c| {
            if c.is_producer() {
                Err(Error::new(
                    crate::error::KAFKA_ERR_BAD_HANDLE,
                    "the handle is a producer: release it with UninitProducer",
                ))
            } else {
                Ok(())
            }
        })?;
        // With the last reference, close here and say how it went; else
        // the consumer closes when a call still running on another thread
        // returns.
        if std::sync::Arc::strong_count(&client) == 1 {
            if let Some(consumer) = client.existing_consumer()? {
                consumer.close().inspect_err(|e| eprintln!("kafka.so: UninitConsumer: {}", e.text))?;
            }
        }
        Ok(0)
    })
}
