//! Topic-partition lists (`rd_kafka_topic_partition_list_t`).

use std::ffi::{CStr, CString};

use parking_lot::Mutex;
use rdkafka_sys as rd;

use crate::error::{check, Result};

/// An owned raw list; destroyed on drop.
pub(crate) struct RawList(pub(crate) *mut rd::rd_kafka_topic_partition_list_t);

// SAFETY: the list is plain data; whoever holds RawList owns it.
unsafe impl Send for RawList {}

impl RawList {
    pub(crate) fn new(capacity: usize) -> Self {
        // SAFETY: always returns a fresh list.
        RawList(unsafe { rd::rd_kafka_topic_partition_list_new(capacity as libc::c_int) })
    }

    pub(crate) fn entries(&self) -> &[rd::rd_kafka_topic_partition_t] {
        // SAFETY: elems/cnt describe the list's live entries.
        unsafe {
            let list = &*self.0;
            if list.cnt <= 0 || list.elems.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(list.elems, list.cnt as usize)
            }
        }
    }
}

impl RawList {
    /// The entries of a list librdkafka owns.
    ///
    /// # Safety
    /// `list` must be live for as long as the slice is used.
    pub(crate) unsafe fn borrowed_entries<'a>(
        list: *const rd::rd_kafka_topic_partition_list_t,
    ) -> &'a [rd::rd_kafka_topic_partition_t] {
        let list = &*list;
        if list.cnt <= 0 || list.elems.is_null() {
            &[]
        } else {
            std::slice::from_raw_parts(list.elems, list.cnt as usize)
        }
    }
}

impl Drop for RawList {
    fn drop(&mut self) {
        // SAFETY: we own the list.
        unsafe { rd::rd_kafka_topic_partition_list_destroy(self.0) }
    }
}

/// One entry of a list, as the application sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub status: i32,
}

/// A list shared behind a handle; the mutex serialises callers' edits.
pub struct PartitionList {
    raw: Mutex<RawList>,
}

impl PartitionList {
    pub fn new() -> Self {
        PartitionList { raw: Mutex::new(RawList::new(4)) }
    }

    /// Appends (topic, partition) with an unset offset.
    pub fn add(&self, topic: &CStr, partition: i32) {
        let raw = self.raw.lock();
        // SAFETY: the list is live and locked; topic is NUL-terminated.
        unsafe { rd::rd_kafka_topic_partition_list_add(raw.0, topic.as_ptr(), partition) };
    }

    /// Sets the offset of an existing entry; `_UNKNOWN_PARTITION` when the
    /// entry is not in the list.
    pub fn set_offset(&self, topic: &CStr, partition: i32, offset: i64) -> Result<()> {
        let raw = self.raw.lock();
        // SAFETY: the list is live and locked.
        check(unsafe { rd::rd_kafka_topic_partition_list_set_offset(raw.0, topic.as_ptr(), partition, offset) })
    }

    /// The distinct topic names, in first-seen order.
    pub fn topics(&self) -> Vec<CString> {
        let raw = self.raw.lock();
        let mut topics: Vec<CString> = Vec::new();
        for entry in raw.entries() {
            // SAFETY: every entry's topic is a NUL-terminated string.
            let topic = unsafe { CStr::from_ptr(entry.topic) }.to_owned();
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        topics
    }

    pub fn entries(&self) -> Vec<Entry> {
        self.raw.lock().entries().iter().map(entry_of).collect()
    }

    pub fn len(&self) -> usize {
        self.raw.lock().entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A private copy, so that blocking librdkafka calls hold no lock.
    pub(crate) fn snapshot(&self) -> RawList {
        let raw = self.raw.lock();
        // SAFETY: the list is live and locked.
        RawList(unsafe { rd::rd_kafka_topic_partition_list_copy(raw.0) })
    }
}

impl Default for PartitionList {
    fn default() -> Self {
        PartitionList::new()
    }
}

pub(crate) fn entry_of(e: &rd::rd_kafka_topic_partition_t) -> Entry {
    Entry {
        // SAFETY: librdkafka keeps a NUL-terminated topic in every entry.
        topic: unsafe { CStr::from_ptr(e.topic) }.to_string_lossy().into_owned(),
        partition: e.partition,
        offset: e.offset,
        status: e.err as i32,
    }
}

impl crate::registry::Kind for PartitionList {
    const NAME: &'static str = "topic-partition list";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_offset_needs_an_existing_entry() {
        let list = PartitionList::new();
        list.add(c"a", 0);
        list.add(c"b", 1);
        list.add(c"a", 2);
        list.set_offset(c"a", 2, 42).unwrap();
        let err = list.set_offset(c"a", 5, 1).unwrap_err();
        assert_eq!(err.code, rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION as i32);
        assert_eq!(list.topics(), vec![c"a".to_owned(), c"b".to_owned()]);
        assert_eq!(list.entries()[2].offset, 42);
    }
}
