//! Many messages per call: producing from arrays, and consuming into
//! columns (every payload packed in one buffer with a length vector, and
//! likewise keys and headers), which is how an array language or a
//! dataframe wants them, at one foreign call per batch.

use std::ffi::CString;

use crate::consumer::{Incoming, Needed, Sink};
use crate::error::{Error, Result};
use crate::messages::{headers_size, parse_headers, Header, Outgoing};
use crate::producer::Producer;

/// Byte fields of a batch: one buffer and a length per message (-1: null).
pub struct Packed<'a> {
    pub data: &'a [u8],
    pub lengths: &'a [i32],
}

impl<'a> Packed<'a> {
    /// Splits `data` by `lengths`; fails when a length is below -1 or the
    /// lengths run past the buffer.
    pub fn split(&self, what: &str) -> Result<Vec<Option<&'a [u8]>>> {
        let mut at = 0usize;
        self.lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                if len == -1 {
                    return Ok(None);
                }
                let n = usize::try_from(len)
                    .map_err(|_| Error::invalid_argument(format!("message {i}: {what} length {len} (-1 is null)")))?;
                let piece = self.data.get(at..at + n).ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "message {i}: its {what} runs past the {} bytes given",
                        self.data.len()
                    ))
                })?;
                at += n;
                Ok(Some(piece))
            })
            .collect()
    }
}

/// A batch to produce, as the caller's arrays give it.
pub struct OutgoingBatch<'a> {
    /// One topic for every message, or one per message.
    pub topics: Vec<CString>,
    pub payloads: Vec<Option<&'a [u8]>>,
    /// None: no keys at all.
    pub keys: Option<Vec<Option<&'a [u8]>>>,
    /// Empty: the partitioner chooses; one: for every message; else one each.
    pub partitions: &'a [i32],
    pub timestamps: Option<&'a [i64]>,
    /// Per message, its headers.
    pub headers: Vec<Vec<Header<'a>>>,
}

impl<'a> OutgoingBatch<'a> {
    /// Splits header columns (`counts` per message, `data`, two `lengths`
    /// per header) into per-message lists.
    pub fn split_headers(
        count: usize,
        counts: &[i32],
        data: &'a [u8],
        lengths: &[i32],
    ) -> Result<Vec<Vec<Header<'a>>>> {
        let total: usize = counts
            .iter()
            .map(|&c| usize::try_from(c).map_err(|_| Error::invalid_argument(format!("a header count is {c}"))))
            .sum::<Result<usize>>()?;
        let all = parse_headers(data, lengths, total)?;
        let mut out = Vec::with_capacity(count);
        let mut at = 0;
        for &c in counts {
            out.push(all[at..at + c as usize].to_vec());
            at += c as usize;
        }
        Ok(out)
    }

    fn message(&self, i: usize) -> Outgoing<'_> {
        Outgoing {
            topic: if self.topics.len() == 1 { &self.topics[0] } else { &self.topics[i] },
            payload: self.payloads[i],
            key: self.keys.as_ref().and_then(|k| k[i]),
            partition: match self.partitions.len() {
                0 => -1,
                1 => self.partitions[0],
                _ => self.partitions[i],
            },
            timestamp: self.timestamps.map_or(0, |t| t[i]),
            headers: self.headers.get(i).map_or(&[], Vec::as_slice),
        }
    }
}

/// Enqueues every message of `batch`, writing an id (0 when not enqueued)
/// and a status per message. A message refused because the queue is full
/// gets one more try after delivery reports are served. Succeeds when all
/// went in; else fails with the first refusal's code, saying which.
pub fn produce_batch(
    producer: &Producer,
    batch: &OutgoingBatch<'_>,
    ids: &mut [u64],
    statuses: &mut [i32],
) -> Result<()> {
    let full = rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__QUEUE_FULL as i32;
    let mut first: Option<(usize, Error)> = None;
    let mut refused = 0;
    for i in 0..batch.payloads.len() {
        let message = batch.message(i);
        let (mut id, mut outcome) = producer.produce_message(&message);
        if matches!(&outcome, Err(e) if e.code == full) {
            (id, outcome) = producer.produce_message(&message);
        }
        match outcome {
            Ok(()) => {
                ids[i] = id;
                statuses[i] = 0;
            }
            Err(e) => {
                ids[i] = 0;
                statuses[i] = e.code;
                refused += 1;
                first.get_or_insert((i, e));
            }
        }
    }
    match first {
        None => Ok(()),
        Some((i, e)) => Err(Error::new(
            e.code,
            format!(
                "{refused} of {} messages were not enqueued (status per message; retry those); the first, message {i}: {}",
                batch.payloads.len(),
                e.text
            ),
        )),
    }
}

/// A consumed batch written as columns into the caller's buffers. Arrays
/// the caller did not ask for are empty and skipped.
pub struct Columns<'a> {
    pub topics_capacity: usize,
    pub topic_names: Vec<Vec<u8>>,
    pub topic_index: &'a mut [i32],
    pub partitions: &'a mut [i32],
    pub offsets: &'a mut [i64],
    pub timestamps: &'a mut [i64],
    pub timestamp_types: &'a mut [i32],
    pub payloads: &'a mut [u8],
    pub payload_lengths: &'a mut [i32],
    pub keys: &'a mut [u8],
    pub key_lengths: &'a mut [i32],
    pub header_counts: &'a mut [i32],
    pub header_data: &'a mut [u8],
    pub header_lengths: &'a mut [i32],
    /// Byte columns the caller asked for (a NULL buffer: not wanted; their
    /// lengths are still given).
    pub wanted: Wanted,
    /// What has been written so far.
    pub count: usize,
    pub payloads_used: usize,
    pub keys_used: usize,
    pub header_data_used: usize,
    pub header_lengths_used: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub payloads: bool,
    pub keys: bool,
    /// Header names and values.
    pub header_bytes: bool,
    /// Their lengths (and so the header counts).
    pub header_lengths: bool,
}

impl Wanted {
    pub const ALL: Wanted = Wanted { payloads: true, keys: true, header_bytes: true, header_lengths: true };
}

/// The topic names joined by LF.
pub fn names_text(names: &[Vec<u8>]) -> Vec<u8> {
    names.join(&b'\n')
}

fn put<T: Copy>(column: &mut [T], i: usize, value: T) {
    if let Some(slot) = column.get_mut(i) {
        *slot = value;
    }
}

fn length(bytes: Option<&[u8]>) -> i32 {
    bytes.map_or(-1, |b| b.len() as i32)
}

impl Sink for Columns<'_> {
    fn wants_headers(&self) -> bool {
        !self.header_counts.is_empty() || self.wanted.header_lengths
    }

    fn locate(&mut self, topic: &[u8], partition: i32, offset: i64) {
        if topic.len() <= self.topics_capacity {
            self.topic_names = vec![topic.to_vec()];
            put(self.topic_index, 0, 0);
            put(self.partitions, 0, partition);
            put(self.offsets, 0, offset);
        }
    }

    fn push(&mut self, m: &Incoming<'_>) -> std::result::Result<(), Needed> {
        let known = self.topic_names.iter().position(|t| t == m.topic);
        let topics_len = self.topic_names.iter().map(|t| t.len() + 1).sum::<usize>().saturating_sub(1);
        let topics_needed = match known {
            Some(_) => topics_len,
            None if self.topic_names.is_empty() => m.topic.len(),
            None => topics_len + 1 + m.topic.len(),
        };
        let wanted = self.wanted;
        let payload = if wanted.payloads { m.payload.unwrap_or_default() } else { &[] };
        let key = if wanted.keys { m.key.unwrap_or_default() } else { &[] };
        let headers: &[Header<'_>] = if wanted.header_lengths { &m.headers } else { &[] };
        let needed = Needed {
            topics: topics_needed,
            payloads: self.payloads_used + payload.len(),
            keys: self.keys_used + key.len(),
            header_data: self.header_data_used + if wanted.header_bytes { headers_size(headers) } else { 0 },
            header_lengths: self.header_lengths_used + 2 * headers.len(),
        };
        if needed.topics > self.topics_capacity
            || needed.payloads > self.payloads.len()
            || needed.keys > self.keys.len()
            || needed.header_data > self.header_data.len()
            || needed.header_lengths > self.header_lengths.len()
        {
            return Err(needed);
        }
        let index = known.unwrap_or_else(|| {
            self.topic_names.push(m.topic.to_vec());
            self.topic_names.len() - 1
        });
        let i = self.count;
        put(self.topic_index, i, index as i32);
        put(self.partitions, i, m.partition);
        put(self.offsets, i, m.offset);
        put(self.timestamps, i, m.timestamp);
        put(self.timestamp_types, i, m.timestamp_type);
        self.payloads[self.payloads_used..needed.payloads].copy_from_slice(payload);
        self.payloads_used = needed.payloads;
        put(self.payload_lengths, i, length(m.payload));
        self.keys[self.keys_used..needed.keys].copy_from_slice(key);
        self.keys_used = needed.keys;
        put(self.key_lengths, i, length(m.key));
        put(self.header_counts, i, headers.len() as i32);
        for h in headers {
            if wanted.header_bytes {
                let value = h.value.unwrap_or_default();
                let data = &mut self.header_data[self.header_data_used..];
                data[..h.name.len()].copy_from_slice(h.name);
                data[h.name.len()..h.name.len() + value.len()].copy_from_slice(value);
                self.header_data_used += h.name.len() + value.len();
            }
            self.header_lengths[self.header_lengths_used] = h.name.len() as i32;
            self.header_lengths[self.header_lengths_used + 1] = length(h.value);
            self.header_lengths_used += 2;
        }
        self.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_fields_split_by_length_with_null_distinct_from_empty() {
        let p = Packed { data: b"abcde", lengths: &[2, -1, 0, 3] };
        assert_eq!(p.split("payload").unwrap(), vec![Some(&b"ab"[..]), None, Some(&b""[..]), Some(&b"cde"[..])]);
        assert!(Packed { data: b"ab", lengths: &[3] }.split("payload").is_err());
        assert!(Packed { data: b"ab", lengths: &[-2] }.split("payload").is_err());
    }

    #[test]
    fn columns_refuse_what_does_not_fit_and_say_what_would() {
        let (mut idx, mut part, mut off, mut ts, mut tt) = ([0; 2], [0; 2], [0; 2], [0; 2], [0; 2]);
        let (mut pay, mut plen, mut key, mut klen, mut hc, mut hd, mut hl) =
            ([0u8; 4], [0; 2], [0u8; 0], [0; 2], [0; 2], [0u8; 8], [0; 4]);
        let mut c = Columns {
            topics_capacity: 3,
            topic_names: Vec::new(),
            topic_index: &mut idx,
            partitions: &mut part,
            offsets: &mut off,
            timestamps: &mut ts,
            timestamp_types: &mut tt,
            payloads: &mut pay,
            payload_lengths: &mut plen,
            keys: &mut key,
            key_lengths: &mut klen,
            header_counts: &mut hc,
            header_data: &mut hd,
            header_lengths: &mut hl,
            wanted: Wanted::ALL,
            count: 0,
            payloads_used: 0,
            keys_used: 0,
            header_data_used: 0,
            header_lengths_used: 0,
        };
        let header = [Header { name: b"h", value: Some(b"v") }];
        let m = |payload: &'static [u8]| Incoming {
            topic: b"t",
            partition: 1,
            offset: 7,
            timestamp: 5,
            timestamp_type: 1,
            payload: Some(payload),
            key: None,
            headers: header.to_vec(),
        };
        c.push(&m(b"abc")).unwrap();
        let refused = c.push(&m(b"de")).unwrap_err();
        assert_eq!(refused.payloads, 5);
        assert_eq!(c.count, 1);
        let mut other = m(b"d");
        other.topic = b"uv";
        assert_eq!(c.push(&other).unwrap_err().topics, 4);
        c.push(&m(b"d")).unwrap();
        assert_eq!((&pay, plen, klen, hc), (b"abcd", [3, 1], [-1, -1], [1, 1]));
        assert_eq!((&hd[..4], hl), (&b"hvhv"[..], [1, 1, 1, 1]));
    }
}
