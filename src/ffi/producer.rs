//! Producing: `Produce`, `DeliveryReport`, `DRMessageError`, `Flush`,
//! `UninitProducer`.

use std::time::Duration;

use libc::{c_char, c_int, c_ulonglong, c_void};

use super::{guard, input_bytes, input_str, output_array, required, set_optional, ErrorText};
use crate::client::Client;
use crate::error::{describe_code, Error};
use crate::producer::Report;
use crate::registry;

/// The longest `DeliveryReport` waits when messages are in flight and none
/// has reported yet; short, so an APL loop stays interruptible.
const REPORT_WAIT: Duration = Duration::from_millis(500);

/// Enqueues one message for `topic`. On the first call the client handle
/// becomes a producer (if librdkafka refuses its configuration: status
/// `KAFKA_ERR_CREATE` (1) and the reason in `errtxt`).
///
/// `payload` (`paylen` bytes) and `key` (`keylen` bytes) are copied and may
/// contain NUL bytes. A NULL `key` means no key; a non-NULL `key` with
/// `keylen` 0 is an empty key. A NULL `payload` with `paylen` 0 is a null
/// value. `partition` -1 lets the partitioner choose by key.
///
/// `*msgid` always receives a fresh id, unique within the loaded library,
/// that the message's delivery report will carry. Returns 0 when enqueued,
/// else librdkafka's error (e.g. -184 queue full: collect delivery reports
/// and retry) with its text in `errtxt` (capacity `*plen` on entry, length
/// written on return).
#[no_mangle]
pub unsafe extern "C" fn Produce(
    prod: *mut c_void,
    topic: *const c_char,
    payload: *const c_char,
    paylen: u32,
    key: *const c_char,
    keylen: u32,
    partition: i32,
    msgid: *mut u64,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let topic = input_str(topic, "topic")?;
        let payload = input_bytes(payload, paylen, "payload")?;
        let key = input_bytes(key, keylen, "key")?;
        // Enqueueing never blocks, so no reference on the handle is needed.
        let (id, outcome) = registry::with::<Client, _>(prod, |client| {
            Ok::<_, Error>(client.producer()?.produce(topic, payload, key, partition))
        })??;
        set_optional(msgid, id);
        outcome.map(|()| 0)
    })
}

/// Serves delivery reports, oldest first: writes up to `*plength` (message
/// id, status) pairs into `msgid` and `err` and sets `*plength` to how many
/// were written; the rest are kept for the next call. Every produced message
/// gets exactly one report: status 0 when delivered, else librdkafka's error
/// (see `DRMessageError`).
///
/// Returns at once when reports are ready or nothing is in flight; waits at
/// most 500 ms only when messages are in flight and none has reported yet.
/// On a handle that has not produced yet: returns 0 with `*plength` 0.
/// Reports not yet collected are kept in memory, 32 bytes each.
#[no_mangle]
pub unsafe extern "C" fn DeliveryReport(
    prod: *mut c_void,
    msgid: *mut c_ulonglong,
    err: *mut c_int,
    plength: *mut c_int,
) -> c_int {
    guard(ErrorText::none(), |_| take_reports(prod, msgid, err, plength, Wait::For(REPORT_WAIT)))
}

/// As `DeliveryReport`, but waits at most `timeout_ms` (0: never; negative:
/// until a report comes, which `message.timeout.ms` bounds) for the first
/// report when messages are in flight and none has reported yet. A
/// producing loop that collects reports as it goes passes 0.
#[no_mangle]
pub unsafe extern "C" fn DeliveryReportWait(
    prod: *mut c_void,
    msgid: *mut c_ulonglong,
    err: *mut c_int,
    plength: *mut c_int,
    timeout_ms: i32,
) -> c_int {
    guard(ErrorText::none(), |_| take_reports(prod, msgid, err, plength, Wait::of(timeout_ms)))
}

fn take_reports(
    prod: *mut c_void,
    msgid: *mut c_ulonglong,
    err: *mut c_int,
    plength: *mut c_int,
    wait: Wait,
) -> Result<c_int, Error> {
    // Reports that are ready are served without waiting, and so without
    // taking a reference on the handle; only an empty answer may wait.
    let (served, length, ids, statuses) = registry::with::<Client, _>(prod, |client| {
        let length = required(plength, "plength")?;
        if *length < 0 {
            return Err(Error::invalid_argument(format!("plength is negative ({})", *length)));
        }
        let capacity = *length as usize;
        let ids = output_array(msgid.cast::<u64>(), capacity, "msgid")?;
        let statuses = output_array(err, capacity, "err")?;
        let served = client
            .existing_producer()?
            .map(|p| (p.take_reports(capacity, Duration::ZERO, pairs(ids, statuses)), p.in_flight()));
        Ok((served, length, ids, statuses))
    })??;
    *length = match served {
        Some((0, in_flight)) if in_flight > 0 && !ids.is_empty() && !matches!(wait, Wait::For(Duration::ZERO)) => {
            let client = registry::get::<Client>(prod)?;
            let capacity = ids.len();
            client.existing_producer()?.map_or(0, |p| p.take_reports(capacity, wait.on(p), pairs(ids, statuses)))
                as c_int
        }
        Some((count, _)) => count as c_int,
        None => 0,
    };
    Ok(0)
}

/// A caller's wait: milliseconds, or, when negative, as long as the
/// producer's messages can take (librdkafka's -1, "until done", bounded by
/// `message.timeout.ms`).
#[derive(Clone, Copy)]
enum Wait {
    For(Duration),
    UntilDone,
}

impl Wait {
    fn of(ms: i32) -> Wait {
        u64::try_from(ms).map_or(Wait::UntilDone, |ms| Wait::For(Duration::from_millis(ms)))
    }

    fn on(self, producer: &crate::producer::Producer) -> Duration {
        match self {
            Wait::For(d) => d,
            Wait::UntilDone => producer.longest_wait(),
        }
    }
}

/// Dyalog's report: (message id, status) pairs.
fn pairs<'a>(ids: &'a mut [u64], statuses: &'a mut [i32]) -> impl FnMut(usize, &Report) + 'a {
    move |i, r| {
        ids[i] = r.message_id;
        statuses[i] = r.status;
    }
}

/// Writes the human text for the status `*err` (a librdkafka error code or
/// one of this library's `KAFKA_ERR_*`) into `errtxt` (capacity `*plen` on
/// entry, length written on return). Returns 0.
#[no_mangle]
pub unsafe extern "C" fn DRMessageError(err: *const c_int, errtxt: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::new(errtxt, plen), |text| {
        if err.is_null() {
            return Err(Error::invalid_argument("err is NULL"));
        }
        // The text is this function's result.
        text.write(&describe_code(*err));
        Ok(0)
    })
}

/// Waits up to `timeout_ms` (negative: until done, which `message.timeout.ms`
/// bounds) until every message produced on `prod` has its
/// delivery report (kept for `DeliveryReport`), and writes the number still
/// in flight to `*inflight` (optional). Returns 0 when none is left, -185
/// (timed out) when some are. On a handle that has not produced yet:
/// returns 0 with `*inflight` 0.
#[no_mangle]
pub unsafe extern "C" fn Flush(prod: *mut c_void, timeout_ms: i32, inflight: *mut i32) -> c_int {
    guard(ErrorText::none(), |_| {
        let client = registry::get::<Client>(prod)?;
        let left = match client.existing_producer()? {
            Some(producer) => producer.flush(Wait::of(timeout_ms).on(producer)),
            None => 0,
        };
        set_optional(inflight, left.min(i32::MAX as u64) as i32);
        Ok(if left == 0 { 0 } else { rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT as c_int })
    })
}

/// Purges messages not yet delivered (`flags`: 1 those still queued, 2
/// those sent and awaiting the broker's answer, whose outcome is then
/// unknown; 4 do not wait for librdkafka to let go of them). Each gets a
/// failed delivery report (-152, purged); none is lost silently. On a
/// handle that has not produced yet: 0.
#[no_mangle]
pub unsafe extern "C" fn Purge(prod: *mut c_void, flags: i32, errtxt: *mut c_char, plen: *mut c_int) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        if flags & !7 != 0 {
            return Err(Error::invalid_argument(format!("purge flags {flags}: use 1, 2 and 4 only")));
        }
        let client = registry::get::<Client>(prod)?;
        if let Some(producer) = client.existing_producer()? {
            producer.purge(flags & 1 != 0, flags & 2 != 0, flags & 4 == 0)?;
        }
        Ok(0)
    })
}

/// Releases a producer handle (or a client handle that never produced).
/// First waits until every message has reached its outcome, which
/// librdkafka bounds by `message.timeout.ms` (default 300000 ms: lower it to
/// bound this wait when brokers may be unreachable). The handle is released
/// whatever the outcome; the status says whether anything was lost:
/// 0 when every message was delivered or its report was collected;
/// -185 when messages were still undelivered; the error of the first failed
/// message whose report was never collected. A loss is also written to
/// stderr with the number of messages, since destructors often ignore the
/// status. `KAFKA_ERR_BAD_HANDLE` when `prod` is not a live client handle or
/// is a consumer (then nothing is released), including a second call on
/// the same handle.
#[no_mangle]
pub unsafe extern "C" fn UninitProducer(prod: *mut c_void) -> c_int {
    guard(ErrorText::none(), |_| {
        let client = registry::release_if::<Client>(prod, |c| c.existing_producer().map(|_| ()))?;
        // Another thread still inside a call keeps the client alive; the
        // wait below covers every message produced before this point.
        let Some(producer) = client.existing_producer()? else {
            return Ok(0);
        };
        producer.close().map(|()| 0).inspect_err(|lost| eprintln!("kafka.so: UninitProducer: {}", lost.text))
    })
}
