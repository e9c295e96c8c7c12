//! Commits beyond Dyalog's synchronous one: asynchronous commits whose
//! outcomes are pulled like delivery reports (never called back), explicit
//! offsets, stored offsets for at-least-once processing, and committed
//! offsets of many partitions.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rdkafka_sys as rd;

use crate::consumer::Consumer;
use crate::consumer_control::{first_entry_error, raw_list, OFFSET_INVALID};
use crate::error::{check, Error, Result};
use crate::partition_list::{entry_of, Entry, RawList};
use crate::producer::millis;

/// The longest a synchronous commit waits for its outcome.
pub const COMMIT_WAIT: Duration = Duration::from_secs(10);

impl Consumer {
    /// Starts a commit of `offsets` (each the next offset to read), or of
    /// the stored offsets of the assignment when empty; its outcome comes
    /// back through `take_commit_reports`, one entry per partition.
    pub fn commit_async(&self, offsets: &[Entry]) -> Result<()> {
        self.need_group("CommitAsync")?;
        let list = raw_list(offsets);
        let raw = if offsets.is_empty() { std::ptr::null() } else { list.0 as *const _ };
        self.commits_in_flight.fetch_add(1, Ordering::AcqRel);
        // SAFETY: rk and the queue are live; raw is NULL or our list (copied).
        let err = unsafe { rd::rd_kafka_commit_queue(self.rk, raw, self.commit_queue, None, std::ptr::null_mut()) };
        check(err).inspect_err(|_| {
            self.commits_in_flight.fetch_sub(1, Ordering::AcqRel);
        })
    }

    /// Reads finished commits from librdkafka's queue into the reports.
    fn collect_commits(&self, wait: Duration) {
        let mut wait = wait;
        loop {
            // SAFETY: the queue is live; an event is ours to destroy.
            let event = unsafe { rd::rd_kafka_queue_poll(self.commit_queue, millis(wait)) };
            if event.is_null() {
                return;
            }
            wait = Duration::ZERO;
            // SAFETY: the event and its list are live until destroyed.
            unsafe {
                let err = rd::rd_kafka_event_error(event) as i32;
                let list = rd::rd_kafka_event_topic_partition_list(event);
                let mut entries: Vec<Entry> = if list.is_null() {
                    Vec::new()
                } else {
                    RawList::borrowed_entries(list).iter().map(entry_of).collect()
                };
                for e in &mut entries {
                    if e.status == 0 {
                        e.status = err;
                    }
                }
                if entries.is_empty() {
                    // Nothing to commit (-168) and the like: the outcome
                    // still needs a report, with no partition.
                    entries.push(Entry { topic: String::new(), partition: -1, offset: OFFSET_INVALID, status: err });
                }
                rd::rd_kafka_event_destroy(event);
                self.commit_reports.lock().extend(entries);
            }
            self.commits_in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Hands commit outcomes, oldest first, to `fits` until it refuses one
    /// (that one and the rest stay). Waits up to `wait` for the first only
    /// when commits are in flight and none has reported yet.
    pub fn take_commit_reports(&self, wait: Duration, mut fits: impl FnMut(&Entry) -> bool) -> Vec<Entry> {
        self.collect_commits(Duration::ZERO);
        let deadline = Instant::now() + wait;
        while self.commit_reports.lock().is_empty() && self.commits_in_flight.load(Ordering::Acquire) > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.collect_commits(left);
        }
        let mut reports = self.commit_reports.lock();
        let mut taken = Vec::new();
        while let Some(front) = reports.front() {
            if !fits(front) {
                break;
            }
            taken.push(reports.pop_front().expect("front exists"));
        }
        taken
    }

    /// Synchronous commit of explicit offsets (each the next offset to
    /// read), or of the stored offsets of the assignment when empty.
    pub fn commit_offsets(&self, offsets: &[Entry]) -> Result<()> {
        self.need_group("CommitOffsets")?;
        let list = raw_list(offsets);
        let raw = if offsets.is_empty() { std::ptr::null() } else { list.0 as *const _ };
        self.commit_and_wait(raw)
    }

    /// Commits `offsets` (NULL: the stored offsets of the assignment) and
    /// waits for the outcome, at most `COMMIT_WAIT`: librdkafka's own
    /// synchronous commit waits for a coordinator that is down until the
    /// session times out (45 s by default).
    pub(crate) fn commit_and_wait(&self, offsets: *const rd::rd_kafka_topic_partition_list_t) -> Result<()> {
        // SAFETY: rk is live; the queue is ours (destroyed below: librdkafka
        // keeps its own reference while the commit is in flight); offsets
        // is NULL or a live list, copied; an event is ours to destroy.
        unsafe {
            let queue = rd::rd_kafka_queue_new(self.rk);
            let err = rd::rd_kafka_commit_queue(self.rk, offsets, queue, None, std::ptr::null_mut());
            let event = if err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                rd::rd_kafka_queue_poll(queue, millis(COMMIT_WAIT))
            } else {
                std::ptr::null_mut()
            };
            rd::rd_kafka_queue_destroy(queue);
            check(err)?;
            if event.is_null() {
                return Err(Error::kafka_with(
                    rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT,
                    format!(
                        "the commit got no answer within {} s (is the group coordinator reachable?); it may \
                         still complete",
                        COMMIT_WAIT.as_secs()
                    ),
                ));
            }
            let outcome = check(rd::rd_kafka_event_error(event)).and_then(|()| {
                let list = rd::rd_kafka_event_topic_partition_list(event);
                if list.is_null() {
                    return Ok(());
                }
                // The event keeps its list: look at a copy's entries.
                first_entry_error(&RawList(rd::rd_kafka_topic_partition_list_copy(list)))
            });
            rd::rd_kafka_event_destroy(event);
            outcome
        }
    }

    /// Marks offsets (each the next offset to read: last processed + 1) as
    /// ready for the next commit, automatic or explicit.
    pub fn store_offsets(&self, offsets: &[Entry]) -> Result<()> {
        if offsets.is_empty() {
            return Err(Error::invalid_argument("StoreOffsets needs at least one partition"));
        }
        let list = raw_list(offsets);
        // SAFETY: rk is live; list is ours and gets per-partition results.
        let err = unsafe { rd::rd_kafka_offsets_store(self.rk, list.0) };
        first_entry_error(&list)
            .map_err(|e| Error::new(e.code, format!("{} (only assigned partitions store offsets)", e.text)))?;
        check(err)
    }

    /// The group's committed offsets of `partitions` (the assignment when
    /// empty); -1001 where it has none.
    pub fn committed_offsets(&self, partitions: &[Entry], timeout: Duration) -> Result<Vec<Entry>> {
        self.need_group("CommittedOffsets")?;
        let wanted = if partitions.is_empty() { self.assignment()? } else { partitions.to_vec() };
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let list = raw_list(&wanted);
        // SAFETY: rk is live; list is ours and is updated in place.
        check(unsafe { rd::rd_kafka_committed(self.rk, list.0, millis(timeout)) })?;
        Ok(list.entries().iter().map(entry_of).collect())
    }
}
