//! Batches, headers and timestamps: `ProduceBatch`, `ProduceWith`,
//! `ConsumeBatch`, `ConsumeWith`, `DeliveryReports`.
//!
//! Byte fields travel packed: one buffer plus a length per item, -1 for
//! null (distinct from empty, length 0). Headers travel as a count per
//! message, one buffer, and two lengths per header (name, then value).

use std::ffi::CString;
use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::arrays::{input_array, input_count, input_names, required_array, timeout};
use super::{guard, input_str, output_array, output_bytes, required, ErrorText};
use crate::batch::{self, names_text, Columns, OutgoingBatch, Packed, Wanted};
use crate::client::Client;
use crate::consumer::{Batch, Needed};
use crate::error::{rebalance_waiting, Error, Result, KAFKA_CONSUME_NO_MESSAGE, KAFKA_ERR_TOO_SMALL};
use crate::messages::{parse_headers, Outgoing};
use crate::registry;

/// Input bytes given as a pointer and a length (-1: null).
fn nullable_bytes<'a>(ptr: *const c_char, len: i32, what: &str) -> Result<Option<&'a [u8]>> {
    match len {
        -1 => Ok(None),
        n if n < -1 => Err(Error::invalid_argument(format!("{what} length is {n} (-1 is null)"))),
        0 => Ok(Some(&[])),
        n => {
            if ptr.is_null() {
                return Err(Error::invalid_argument(format!("{what} is NULL but its length is {n}")));
            }
            // SAFETY: the caller promises `n` readable bytes at ptr.
            Ok(Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, n as usize) }))
        }
    }
}

/// A packed input buffer whose size is the sum of the non-null lengths.
fn packed<'a>(data: *const c_char, lengths: &'a [i32], what: &str) -> Result<Packed<'a>> {
    let total: i64 = lengths.iter().map(|&l| i64::from(l.max(0))).sum();
    let data = nullable_bytes(data, i32::try_from(total).map_err(|_| too_big(what))?, what)?.unwrap_or_default();
    Ok(Packed { data, lengths })
}

fn too_big(what: &str) -> Error {
    Error::invalid_argument(format!("the {what} of one call add up to 2 GiB or more"))
}

/// Enqueues `count` messages in one call. `topics`: one name for all, or
/// one per message (LF-separated). `payloads` holds the values back to back,
/// `paylens[i]` the length of message i's (-1: null value). `keys`/`keylens`
/// likewise; `keylens` NULL: no keys. `partitions` holds `npartitions`
/// entries: 0 (the partitioner chooses by key), 1 (for every message) or
/// `count`. `timestamps` (NULL, or 0 for a message: now) in ms since the
/// epoch. Headers (`hcounts` NULL: none): `hcounts[i]` headers for message
/// i, their names and values back to back in `hdata`, and in `hlens` two
/// lengths per header, name then value (-1: null value).
///
/// Writes per message an id (`msgids`; 0 when not enqueued), carried by
/// its delivery report, and a status (`statuses`; 0 enqueued). Returns 0
/// when all were enqueued; else the first refusal's status (e.g. -184
/// queue full even after serving reports: collect reports and retry
/// exactly the messages whose status is not 0), with a text. Bad arrays, a
/// partition below -1 or a negative timestamp: `KAFKA_ERR_INVALID_ARGUMENT`
/// and nothing enqueued.
#[no_mangle]
pub unsafe extern "C" fn ProduceBatch(
    prod: *mut c_void,
    topics: *const c_char,
    count: i32,
    payloads: *const c_char,
    paylens: *const i32,
    keys: *const c_char,
    keylens: *const i32,
    partitions: *const i32,
    npartitions: i32,
    timestamps: *const i64,
    hcounts: *const i32,
    hdata: *const c_char,
    hlens: *const i32,
    msgids: *mut u64,
    statuses: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let n = input_count(count, "count")?;
        // One name for all: one copy, not one per message.
        let one = n > 0 && !topics.is_null() && !std::ffi::CStr::from_ptr(topics).to_bytes().contains(&b'\n');
        let topics: Vec<CString> = if one {
            vec![CString::from(input_str(topics, "topics")?)]
        } else {
            let names = input_names(topics, n, "topics")?;
            if names.len() > 1 && names.iter().all(|t| *t == names[0]) {
                vec![CString::new(names[0].clone()).expect("from a C string")]
            } else {
                names.into_iter().map(|t| CString::new(t).expect("from a C string")).collect()
            }
        };
        let payloads = packed(payloads, required_array(paylens, n, "paylens")?, "payloads")?.split("payload")?;
        let keys = match input_array(keylens, n) {
            Some(lengths) => Some(packed(keys, lengths, "keys")?.split("key")?),
            None => None,
        };
        let partitions = match npartitions {
            0 => &[][..],
            1 => required_array(partitions, 1, "partitions")?,
            p if p == count => required_array(partitions, n, "partitions")?,
            p => return Err(Error::invalid_argument(format!("npartitions is {p}: give 0, 1 or count ({count})"))),
        };
        let headers = match input_array(hcounts, n) {
            None => Vec::new(),
            Some(counts) => {
                let pairs: i64 = counts.iter().map(|&c| 2 * i64::from(c.max(0))).sum();
                let lengths = required_array(hlens, pairs as usize, "hlens")?;
                let bytes: i64 = lengths.iter().map(|&l| i64::from(l.max(0))).sum();
                let data = nullable_bytes(hdata, i32::try_from(bytes).map_err(|_| too_big("headers"))?, "hdata")?;
                OutgoingBatch::split_headers(n, counts, data.unwrap_or_default(), lengths)?
            }
        };
        let timestamps = input_array(timestamps, n);
        check_positions(partitions, timestamps.unwrap_or_default())?;
        let batch = OutgoingBatch { topics, payloads, keys, partitions, timestamps, headers };
        let ids = output_array(msgids, n, "msgids")?;
        let statuses = output_array(statuses, n, "statuses")?;
        let client = registry::get::<Client>(prod)?;
        batch::produce_batch(client.producer()?, &batch, ids, statuses)?;
        Ok(0)
    })
}

/// `Produce` with a timestamp and headers. `paylen` and `keylen` of -1 mean
/// a null value and no key (distinct from an empty one, length 0).
/// `timestamp`: ms since the epoch, 0 for now. `nheaders` headers: names
/// and values back to back in `hdata`, two lengths per header in `hlens`
/// (name, then value; -1: null value). `*msgid` receives the message's id
/// whatever the outcome (`msgid` may be NULL). A partition below -1 or a
/// negative timestamp: `KAFKA_ERR_INVALID_ARGUMENT`. Statuses as `Produce`.
#[no_mangle]
pub unsafe extern "C" fn ProduceWith(
    prod: *mut c_void,
    topic: *const c_char,
    payload: *const c_char,
    paylen: i32,
    key: *const c_char,
    keylen: i32,
    partition: i32,
    timestamp: i64,
    nheaders: i32,
    hdata: *const c_char,
    hlens: *const i32,
    msgid: *mut u64,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic = input_str(topic, "topic")?;
        let payload = nullable_bytes(payload, paylen, "payload")?;
        let key = nullable_bytes(key, keylen, "key")?;
        let count = input_count(nheaders, "nheaders")?;
        let lengths = required_array(hlens, 2 * count, "hlens")?;
        let bytes: i64 = lengths.iter().map(|&l| i64::from(l.max(0))).sum();
        let data = nullable_bytes(hdata, i32::try_from(bytes).map_err(|_| too_big("headers"))?, "hdata")?;
        let headers = parse_headers(data.unwrap_or_default(), lengths, count)?;
        check_positions(&[partition], &[timestamp])?;
        let message = Outgoing { topic, payload, key, partition, timestamp, headers: &headers };
        let (id, outcome) =
            registry::with::<Client, _>(prod, |client| Ok::<_, Error>(client.producer()?.produce_message(&message)))??;
        super::set_optional(msgid, id);
        outcome.map(|()| 0)
    })
}

/// Partitions are -1 (the partitioner's choice) or a number; timestamps
/// are 0 (now) or ms since the epoch: anything else is refused whole.
fn check_positions(partitions: &[i32], timestamps: &[i64]) -> Result<()> {
    if let Some((i, p)) = partitions.iter().enumerate().find(|(_, &p)| p < -1) {
        return Err(Error::invalid_argument(format!("partition {p} (entry {i}): give -1 or a partition number")));
    }
    if let Some((i, t)) = timestamps.iter().enumerate().find(|(_, &t)| t < 0) {
        return Err(Error::invalid_argument(format!("timestamp {t} (entry {i}): give 0 (now) or ms since the epoch")));
    }
    Ok(())
}

/// Sets the capacities a too-small call needs and says so.
fn too_small(needed: &Needed, set: impl FnOnce(&Needed)) -> Error {
    set(needed);
    Error::new(
        KAFKA_ERR_TOO_SMALL,
        format!(
            "the next message does not fit: it needs {} bytes of topic names, {} of payload, {} of key, {} of \
             header data and {} header lengths; it is kept for the next call",
            needed.topics, needed.payloads, needed.keys, needed.header_data, needed.header_lengths
        ),
    )
}

/// Writes the topic names table: LF-separated, NUL-terminated if room.
fn write_names(names: &[Vec<u8>], out: *mut c_char, capacity: usize) -> Result<usize> {
    let text = names_text(names);
    let buffer = output_bytes(out, capacity, "topics")?;
    buffer[..text.len()].copy_from_slice(&text);
    if let Some(slot) = buffer.get_mut(text.len()) {
        *slot = 0;
    }
    Ok(text.len())
}

/// Consumes up to `*count` messages (its capacity on entry), waiting up to
/// `timeout_ms` for the first and then taking only what is ready, into
/// columns: `topics` lists the distinct topic names once (LF-separated;
/// capacity `*topicslen`) and `topicidx[i]` is message i's, from 0;
/// `partitions`, `offsets`, `timestamps` (ms since the epoch) and `tstypes`
/// (0 none, 1 create time, 2 log-append time) per message; payloads back to
/// back in `payloads` (capacity `*payloadslen`) with `paylens[i]` (-1:
/// null); keys likewise; headers as `hcounts[i]` per message, names and
/// values back to back in `hdata` (capacity `*hdatalen`) and two lengths
/// per header in `hlens` (capacity `*nhlens` entries; name, then value, -1:
/// null). Any per-message array may be NULL when not wanted, and so may
/// `payloads`, `keys`, `hdata` and `hlens`: bytes not wanted are skipped,
/// their lengths still given where asked for (headers with `hlens` NULL
/// are skipped whole, `hcounts` 0); every capacity that is given is
/// respected.
///
/// On return `*count` and the capacities hold what was written. Status 0,
/// with `*count` 0 when nothing arrived; fewer messages than asked when no
/// more were ready or the next did not fit (it is kept: nothing is lost or
/// reordered). `KAFKA_ERR_TOO_SMALL` when not even the first fits: the
/// capacities are set to what it needs, and it is kept. A Kafka error or
/// event (e.g. -191 partition EOF) is returned with its text when met
/// first, else kept for the next call; when it is a partition's, the first
/// entry of `topics`, `topicidx`, `partitions` and `offsets` says which
/// (`*topicslen` 0 when not, `*count` 0). A message counts as consumed (its
/// offset stored for commit) only once written here. With
/// `application.rebalance`: `KAFKA_CONSUME_REBALANCE` (3) when a rebalance
/// waits (see `Rebalance`); the messages before it come first, with 0.
#[no_mangle]
pub unsafe extern "C" fn ConsumeBatch(
    cons: *mut c_void,
    timeout_ms: i32,
    topics: *mut c_char,
    topicslen: *mut u32,
    topicidx: *mut i32,
    partitions: *mut i32,
    offsets: *mut i64,
    timestamps: *mut i64,
    tstypes: *mut i32,
    payloads: *mut c_char,
    payloadslen: *mut u32,
    paylens: *mut i32,
    keys: *mut c_char,
    keyslen: *mut u32,
    keylens: *mut i32,
    hcounts: *mut i32,
    hdata: *mut c_char,
    hdatalen: *mut u32,
    hlens: *mut i32,
    nhlens: *mut i32,
    count: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        let count = required(count, "count")?;
        let max = input_count(*count, "*count")?;
        let capacity = |p: *mut u32| if p.is_null() { 0 } else { *p as usize };
        let topics_capacity = *required(topicslen, "topicslen")? as usize;
        let hlens_capacity = if nhlens.is_null() { 0 } else { input_count(*nhlens, "*nhlens")? };
        let optional = |p: *mut i32| if p.is_null() { &mut [][..] } else { std::slice::from_raw_parts_mut(p, max) };
        let mut columns = Columns {
            topics_capacity,
            topic_names: Vec::new(),
            topic_index: optional(topicidx),
            partitions: optional(partitions),
            offsets: if offsets.is_null() { &mut [] } else { std::slice::from_raw_parts_mut(offsets, max) },
            timestamps: if timestamps.is_null() { &mut [] } else { std::slice::from_raw_parts_mut(timestamps, max) },
            timestamp_types: optional(tstypes),
            payloads: output_bytes(payloads, capacity(payloadslen), "payloads")?,
            payload_lengths: optional(paylens),
            keys: output_bytes(keys, capacity(keyslen), "keys")?,
            key_lengths: optional(keylens),
            header_counts: optional(hcounts),
            header_data: output_bytes(hdata, capacity(hdatalen), "hdata")?,
            header_lengths: output_array(hlens, hlens_capacity, "hlens")?,
            wanted: Wanted {
                payloads: !payloads.is_null(),
                keys: !keys.is_null(),
                header_bytes: !hdata.is_null(),
                header_lengths: !hlens.is_null(),
            },
            count: 0,
            payloads_used: 0,
            keys_used: 0,
            header_data_used: 0,
            header_lengths_used: 0,
        };
        let client = registry::get::<Client>(cons)?;
        let outcome = match client.consumer()?.consume_batch(max, wait, &mut columns) {
            Ok(outcome) => outcome,
            Err(error) => {
                *count = 0;
                *topicslen = write_names(&columns.topic_names, topics, topics_capacity)? as u32;
                return Err(error);
            }
        };
        if outcome == Batch::Rebalance {
            return Err(rebalance_waiting());
        }
        let set_capacity = |p: *mut u32, v: usize| super::set_optional(p, v as u32);
        if let Batch::TooSmall(needed) = outcome {
            return Err(too_small(&needed, |n| {
                set_capacity(topicslen, n.topics);
                set_capacity(payloadslen, n.payloads);
                set_capacity(keyslen, n.keys);
                set_capacity(hdatalen, n.header_data);
                super::set_optional(nhlens, n.header_lengths as i32);
            }));
        }
        *topicslen = write_names(&columns.topic_names, topics, topics_capacity)? as u32;
        set_capacity(payloadslen, columns.payloads_used);
        set_capacity(keyslen, columns.keys_used);
        set_capacity(hdatalen, columns.header_data_used);
        super::set_optional(nhlens, columns.header_lengths_used as i32);
        *count = columns.count as i32;
        Ok(0)
    })
}

/// `Consume` with every field: waits up to `timeout_ms`; on entry
/// `*topiclen`, `*paylen`, `*keylen`, `*hdatalen` and `*nhlens` hold
/// capacities; on return the lengths written, `*paylen` and `*keylen` -1
/// for a null value or key. Also `*timestamp` (ms since the epoch),
/// `*tstype` (0 none, 1 create time, 2 log-append time) and the headers as
/// in `ConsumeBatch` (`*nheaders` of them). Statuses: 0; 1 no message;
/// `KAFKA_ERR_TOO_SMALL` with the capacities needed set (the message is
/// kept for the next call); `KAFKA_CONSUME_REBALANCE` (3) with
/// `application.rebalance`, as `Consume`; a Kafka error or event with its
/// text.
#[no_mangle]
pub unsafe extern "C" fn ConsumeWith(
    cons: *mut c_void,
    timeout_ms: i32,
    topic: *mut c_char,
    topiclen: *mut u32,
    payload: *mut c_char,
    paylen: *mut i32,
    key: *mut c_char,
    keylen: *mut i32,
    partition: *mut i32,
    offset: *mut i64,
    timestamp: *mut i64,
    tstype: *mut i32,
    nheaders: *mut i32,
    hdata: *mut c_char,
    hdatalen: *mut u32,
    hlens: *mut i32,
    nhlens: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait = timeout(timeout_ms)?;
        let topic_len = required(topiclen, "topiclen")?;
        let payload_len = required(paylen, "paylen")?;
        let key_len = required(keylen, "keylen")?;
        let data_len = required(hdatalen, "hdatalen")?;
        let lengths_len = required(nhlens, "nhlens")?;
        let capacity = |n: i32, what: &str| input_count(n, what);
        let (mut index, mut part, mut off, mut ts, mut kind) = ([0i32], [0i32], [0i64], [0i64], [0i32]);
        let (mut plens, mut klens, mut counts) = ([0i32], [0i32], [0i32]);
        let mut columns = Columns {
            topics_capacity: *topic_len as usize,
            topic_names: Vec::new(),
            topic_index: &mut index,
            partitions: &mut part,
            offsets: &mut off,
            timestamps: &mut ts,
            timestamp_types: &mut kind,
            payloads: output_bytes(payload, capacity(*payload_len, "*paylen")?, "payload")?,
            payload_lengths: &mut plens,
            keys: output_bytes(key, capacity(*key_len, "*keylen")?, "key")?,
            key_lengths: &mut klens,
            header_counts: &mut counts,
            header_data: output_bytes(hdata, *data_len as usize, "hdata")?,
            header_lengths: output_array(hlens, capacity(*lengths_len, "*nhlens")?, "hlens")?,
            wanted: Wanted::ALL,
            count: 0,
            payloads_used: 0,
            keys_used: 0,
            header_data_used: 0,
            header_lengths_used: 0,
        };
        let client = registry::get::<Client>(cons)?;
        match client.consumer()?.consume_batch(1, wait, &mut columns)? {
            Batch::TooSmall(needed) => {
                return Err(too_small(&needed, |n| {
                    *topic_len = n.topics as u32;
                    *payload_len = n.payloads as i32;
                    *key_len = n.keys as i32;
                    *data_len = n.header_data as u32;
                    *lengths_len = n.header_lengths as i32;
                }))
            }
            Batch::Messages(0) => return Err(Error::new(KAFKA_CONSUME_NO_MESSAGE, "no msg")),
            Batch::Rebalance => return Err(rebalance_waiting()),
            Batch::Messages(_) => {}
        }
        *topic_len = write_names(&columns.topic_names, topic, *topic_len as usize)? as u32;
        if let Some(slot) = columns.payloads.get_mut(columns.payloads_used) {
            *slot = 0;
        }
        let (data_used, lengths_used) = (columns.header_data_used, columns.header_lengths_used);
        drop(columns);
        *payload_len = plens[0];
        *key_len = klens[0];
        *data_len = data_used as u32;
        *lengths_len = lengths_used as i32;
        super::set_optional(partition, part[0]);
        super::set_optional(offset, off[0]);
        super::set_optional(timestamp, ts[0]);
        super::set_optional(tstype, kind[0]);
        super::set_optional(nheaders, counts[0]);
        Ok(0)
    })
}

/// Delivery reports with where each message landed: up to `*count` (its
/// capacity on entry) reports, oldest first, as message id, status (0
/// delivered, else the error: `DRMessageError` gives its text), partition,
/// offset and timestamp (ms since the epoch; -1 when unknown). The same
/// reports `DeliveryReport` serves: each is handed out once, by either.
/// Waits up to `timeout_ms` only when messages are in flight and none has
/// reported yet. `*count` is set to how many were written. Arrays other
/// than `msgids` and `statuses` may be NULL when not wanted.
#[no_mangle]
pub unsafe extern "C" fn DeliveryReports(
    prod: *mut c_void,
    timeout_ms: i32,
    msgids: *mut u64,
    statuses: *mut i32,
    partitions: *mut i32,
    offsets: *mut i64,
    timestamps: *mut i64,
    count: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let wait: Duration = timeout(timeout_ms)?;
        let count = required(count, "count")?;
        let capacity = input_count(*count, "*count")?;
        let ids = output_array(msgids, capacity, "msgids")?;
        let statuses = output_array(statuses, capacity, "statuses")?;
        let mut partitions = (!partitions.is_null()).then(|| std::slice::from_raw_parts_mut(partitions, capacity));
        let mut offsets = (!offsets.is_null()).then(|| std::slice::from_raw_parts_mut(offsets, capacity));
        let mut timestamps = (!timestamps.is_null()).then(|| std::slice::from_raw_parts_mut(timestamps, capacity));
        let client = registry::get::<Client>(prod)?;
        let taken = match client.existing_producer()? {
            None => 0,
            Some(producer) => producer.take_reports(capacity, wait, |i, r| {
                ids[i] = r.message_id;
                statuses[i] = r.status;
                if let Some(p) = partitions.as_deref_mut() {
                    p[i] = r.partition;
                }
                if let Some(o) = offsets.as_deref_mut() {
                    o[i] = r.offset;
                }
                if let Some(t) = timestamps.as_deref_mut() {
                    t[i] = r.timestamp;
                }
            }),
        };
        *count = taken as i32;
        Ok(0)
    })
}
