//! Topic-partition lists: `NewTopicPartitionList`, `SetTopicPartitionList`,
//! `SetOffset`, `DelTopicPartitionList`.

use libc::{c_char, c_int, c_void};

use super::{guard, input_str, required, ErrorText};
use crate::partition_list::PartitionList;
use crate::registry;

/// Creates an empty topic-partition list in `*subscr`. A list is released by
/// the call that takes ownership of it (`SubscribeConsumerTPList`,
/// `Committed`), or else by `DelTopicPartitionList`.
#[no_mangle]
pub unsafe extern "C" fn NewTopicPartitionList(subscr: *mut *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let out = required(subscr, "subscr")?;
        *out = registry::register(PartitionList::new());
        Ok(0)
    })
}

/// Appends (`topic`, `partition`) to the list, with no offset set.
#[no_mangle]
pub unsafe extern "C" fn SetTopicPartitionList(subscr: *mut c_void, topic: *const c_char, partition: i32) -> c_int {
    guard(ErrorText::none(), |_| {
        let list = registry::get::<PartitionList>(subscr)?;
        list.add(input_str(topic, "topic")?, partition);
        Ok(0)
    })
}

/// Sets the offset of the entry (`topic`, `partition`) already in the list.
/// Returns 0, or -190 (unknown partition) when there is no such entry.
#[no_mangle]
pub unsafe extern "C" fn SetOffset(subscr: *mut c_void, topic: *const c_char, partition: i32, offset: i64) -> c_int {
    guard(ErrorText::none(), |_| {
        let list = registry::get::<PartitionList>(subscr)?;
        list.set_offset(input_str(topic, "topic")?, partition, offset)?;
        Ok(0)
    })
}

/// Releases a topic-partition list that is still the caller's: one never
/// passed to a call that takes ownership, or one used with `Commit`.
/// Returns 0, or `KAFKA_ERR_BAD_HANDLE` (for example when a call already
/// took it).
#[no_mangle]
pub unsafe extern "C" fn DelTopicPartitionList(subscr: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        registry::release::<PartitionList>(subscr)?;
        Ok(0)
    })
}
