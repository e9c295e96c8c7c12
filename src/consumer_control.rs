//! Consumer control: assign, seek, pause and resume, positions, offsets
//! for times and watermarks. A partition of -1 in a request stands for
//! every partition of the topic: of the cluster for `assign` and
//! `offsets_for_times`, of the current assignment for the rest.

use std::ffi::CStr;
use std::time::Duration;

use rdkafka_sys as rd;

use crate::connection::{c_string, Connection};
use crate::consumer::Consumer;
use crate::error::{check, Error, Result};
use crate::metadata;
use crate::partition_list::{entry_of, Entry, RawList};
use crate::producer::millis;

/// Stands for every partition of a topic in a request.
pub(crate) const ALL_PARTITIONS: i32 = -1;
/// librdkafka's "no offset" (`RD_KAFKA_OFFSET_INVALID`).
pub(crate) const OFFSET_INVALID: i64 = -1001;

/// How long a call may wait for metadata when it expands a partition of -1.
const METADATA_WAIT: Duration = Duration::from_secs(10);
/// How long `seek` waits for the fetcher to take the new position.
const SEEK_WAIT: Duration = Duration::from_secs(5);

impl Entry {
    pub fn new(topic: &str, partition: i32, offset: i64) -> Self {
        Entry { topic: topic.to_string(), partition, offset, status: 0 }
    }
}

pub(crate) fn raw_list(entries: &[Entry]) -> RawList {
    let list = RawList::new(entries.len());
    for e in entries {
        let topic = c_string(&e.topic);
        // SAFETY: list is ours; add returns the new element, live in the list.
        unsafe { (*rd::rd_kafka_topic_partition_list_add(list.0, topic.as_ptr(), e.partition)).offset = e.offset };
    }
    list
}

fn entries(list: &RawList) -> Vec<Entry> {
    list.entries().iter().map(entry_of).collect()
}

/// Replaces every entry of partition -1 by one entry per partition of its
/// topic in the cluster, each with the entry's offset.
fn expand_from_cluster(conn: Connection<'_>, requested: &[Entry]) -> Result<Vec<Entry>> {
    let mut out = Vec::with_capacity(requested.len());
    for e in requested {
        if e.partition == ALL_PARTITIONS {
            for p in metadata::partitions_of(conn, &e.topic, METADATA_WAIT)? {
                out.push(Entry::new(&e.topic, p, e.offset));
            }
        } else {
            out.push(e.clone());
        }
    }
    Ok(out)
}

impl Consumer {
    pub(crate) fn connection(&self) -> Connection<'_> {
        Connection::of_consumer(self)
    }

    /// Replaces the assignment with `requested` (empty: unassign). Offsets
    /// are where consumption starts (-1001: the committed offset, else
    /// `auto.offset.reset`).
    pub fn assign(&self, requested: &[Entry]) -> Result<()> {
        let wanted = expand_from_cluster(self.connection(), requested)?;
        if self.rebalance.has_pending() {
            // The application's own assignment settles the rebalance; the
            // cooperative protocol takes only the group's increments.
            if crate::rebalance::cooperative(self.rk) {
                return Err(Error::state(
                    "a cooperative rebalance is pending: consume again to settle it, then assign",
                ));
            }
            drop(self.rebalance.take());
        }
        let list = raw_list(&wanted);
        let raw = if wanted.is_empty() { std::ptr::null() } else { list.0 as *const _ };
        // SAFETY: rk is live; raw is NULL or our list, which assign copies.
        check(unsafe { rd::rd_kafka_assign(self.rk, raw) })
            .map_err(|e| Error::new(e.code, format!("cannot assign: {}", e.text)))?;
        // A kept message of a partition no longer assigned, or assigned
        // anew at an offset, is not the next one the caller should get.
        self.drop_kept(|topic, partition| {
            !wanted.iter().any(|w| w.topic == topic && w.partition == partition && w.offset == OFFSET_INVALID)
        });
        Ok(())
    }

    /// The current assignment (offsets -1001).
    pub fn assignment(&self) -> Result<Vec<Entry>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: rk is live; on success raw is a new list we own.
        check(unsafe { rd::rd_kafka_assignment(self.rk, &mut raw) })?;
        let list = RawList(raw);
        Ok(entries(&list).into_iter().map(|e| Entry { offset: OFFSET_INVALID, ..e }).collect())
    }

    /// Leaves the subscription; its partitions are revoked.
    pub fn unsubscribe(&self) -> Result<()> {
        self.settle_pending();
        // SAFETY: rk is live.
        check(unsafe { rd::rd_kafka_unsubscribe(self.rk) })?;
        self.drop_kept(|_, _| true);
        Ok(())
    }

    /// The subscribed topic names.
    pub fn subscription(&self) -> Result<Vec<String>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: rk is live; on success raw is a new list we own.
        check(unsafe { rd::rd_kafka_subscription(self.rk, &mut raw) })?;
        let list = RawList(raw);
        let mut topics: Vec<String> = Vec::new();
        for e in entries(&list) {
            if !topics.contains(&e.topic) {
                topics.push(e.topic);
            }
        }
        Ok(topics)
    }

    /// Entries of the assignment that `requested` names: all of them when
    /// empty, every assigned partition of a topic for partition -1.
    fn among_assigned(&self, requested: &[Entry]) -> Result<Vec<Entry>> {
        let assigned = self.assignment()?;
        if requested.is_empty() {
            return Ok(assigned);
        }
        let mut out = Vec::new();
        for r in requested {
            if r.partition == ALL_PARTITIONS {
                let of_topic: Vec<Entry> = assigned
                    .iter()
                    .filter(|a| a.topic == r.topic)
                    .map(|a| Entry { offset: r.offset, ..a.clone() })
                    .collect();
                if of_topic.is_empty() {
                    return Err(not_assigned(&r.topic, None));
                }
                out.extend(of_topic);
            } else {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    /// Moves the next offset of a partition (or, for partition -1, of every
    /// assigned partition of the topic) to `offset`: absolute, or -2
    /// beginning, -1 end.
    pub fn seek(&self, topic: &str, partition: i32, offset: i64) -> Result<()> {
        let targets = self.among_assigned(&[Entry::new(topic, partition, offset)])?;
        let assigned = self.assignment()?;
        for t in &targets {
            if !assigned.iter().any(|a| a.topic == t.topic && a.partition == t.partition) {
                return Err(not_assigned(&t.topic, Some(t.partition)));
            }
        }
        let list = raw_list(&targets);
        // SAFETY: rk is live; list is ours; a returned error is ours.
        let error = unsafe { rd::rd_kafka_seek_partitions(self.rk, list.0, millis(SEEK_WAIT)) };
        if !error.is_null() {
            // SAFETY: a live error object from librdkafka.
            return Err(unsafe { Error::from_rd_error(error) });
        }
        first_entry_error(&list)?;
        self.drop_kept(|topic, p| targets.iter().any(|t| t.topic == topic && t.partition == p));
        Ok(())
    }

    /// The next offset `Consume` hands out, per assigned partition (-1001
    /// before the first message). A message kept for a too-small buffer
    /// counts as not handed out.
    pub fn position(&self) -> Result<Vec<Entry>> {
        let assigned = self.assignment()?;
        let list = raw_list(&assigned);
        // SAFETY: rk is live; list is ours.
        check(unsafe { rd::rd_kafka_position(self.rk, list.0) })?;
        let mut positions = entries(&list);
        for p in &mut positions {
            if let Some(kept) = self.first_kept_offset(&p.topic, p.partition) {
                p.offset = kept;
            }
            p.status = 0;
        }
        Ok(positions)
    }

    /// Stops fetching the partitions named (all assigned ones when empty).
    pub fn pause(&self, requested: &[Entry]) -> Result<()> {
        self.pause_or_resume(requested, true)
    }

    /// Restarts fetching the partitions named (all assigned ones when empty).
    pub fn resume(&self, requested: &[Entry]) -> Result<()> {
        self.pause_or_resume(requested, false)
    }

    fn pause_or_resume(&self, requested: &[Entry], pause: bool) -> Result<()> {
        let targets = self.among_assigned(requested)?;
        let list = raw_list(&targets);
        // SAFETY: rk is live; list is ours.
        check(unsafe {
            if pause {
                rd::rd_kafka_pause_partitions(self.rk, list.0)
            } else {
                rd::rd_kafka_resume_partitions(self.rk, list.0)
            }
        })?;
        first_entry_error(&list)
    }
}

/// Per entry, the earliest offset whose timestamp (ms since the epoch) is at
/// or after the entry's offset field; -1 when there is none. The status of
/// each entry says whether its lookup worked.
pub fn offsets_for_times(conn: Connection<'_>, requested: &[Entry], timeout: Duration) -> Result<Vec<Entry>> {
    let wanted = expand_from_cluster(conn, requested)?;
    // librdkafka keeps one answer per partition, so a partition asked for
    // at several times is asked once per round, each round a partition once.
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (i, e) in wanted.iter().enumerate() {
        let free = rounds
            .iter_mut()
            .find(|r| !r.iter().any(|&j| wanted[j].topic == e.topic && wanted[j].partition == e.partition));
        match free {
            Some(round) => round.push(i),
            None => rounds.push(vec![i]),
        }
    }
    let mut answers = wanted.clone();
    for round in rounds {
        let asked: Vec<Entry> = round.iter().map(|&i| wanted[i].clone()).collect();
        let list = raw_list(&asked);
        // SAFETY: rk is live; list is ours and is updated in place.
        check(unsafe { rd::rd_kafka_offsets_for_times(conn.raw(), list.0, millis(timeout)) })?;
        for got in entries(&list) {
            if let Some(&i) =
                round.iter().find(|&&i| wanted[i].topic == got.topic && wanted[i].partition == got.partition)
            {
                answers[i] = got;
            }
        }
    }
    Ok(answers)
}

/// The low and high watermarks of a partition, asked of its leader.
pub fn watermarks(conn: Connection<'_>, topic: &CStr, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
    let (mut low, mut high) = (0i64, 0i64);
    // SAFETY: rk is live; topic is NUL-terminated; low/high are ours.
    let err = unsafe {
        rd::rd_kafka_query_watermark_offsets(
            conn.raw(),
            topic.as_ptr(),
            partition,
            &mut low,
            &mut high,
            millis(timeout),
        )
    };
    check(err).map_err(|e| {
        Error::new(e.code, format!("watermarks of {} [{partition}]: {}", topic.to_string_lossy(), e.text))
    })?;
    Ok((low, high))
}

/// The first per-partition error librdkafka left in `list`, if any.
pub(crate) fn first_entry_error(list: &RawList) -> Result<()> {
    for e in list.entries() {
        if e.err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            let entry = entry_of(e);
            return Err(Error::new(
                entry.status,
                format!("{} [{}]: {}", entry.topic, entry.partition, crate::error::describe_code(entry.status)),
            ));
        }
    }
    Ok(())
}

fn not_assigned(topic: &str, partition: Option<i32>) -> Error {
    let what = match partition {
        Some(p) => format!("partition {topic} [{p}] is"),
        None => format!("no partition of topic '{topic}' is"),
    };
    Error::state(format!("{what} not assigned to this consumer (Assign it, or wait for the group to assign it)"))
}
