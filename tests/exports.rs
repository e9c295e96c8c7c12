//! Every export, on the embedded mock cluster: the contract's behaviours
//! and the bad-input cases that must give a status, never a crash.

mod common;

use std::ptr::null_mut;
use std::time::{Duration, Instant};

use common::*;
use kafka::error::*;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn library_version_is_cargos_and_refuses_null() {
    let mut buf = [0 as libc::c_char; 32];
    let v = unsafe { LibraryVersion(buf.as_mut_ptr(), buf.len() as i32) };
    let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(text, env!("CARGO_PKG_VERSION"));
    let parts: Vec<i32> = text.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(v, (parts[0] << 16) | (parts[1] << 8) | parts[2]);
    assert_eq!(unsafe { LibraryVersion(null_mut(), 8) }, KAFKA_ERR_INVALID_ARGUMENT);
}

#[test]
fn version_reports_librdkafka() {
    let mut buf = [0 as libc::c_char; 32];
    let v = unsafe { Version(buf.as_mut_ptr(), buf.len() as i32) };
    assert_eq!(v, unsafe { rdkafka_sys::rd_kafka_version() });
    let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(text, "2.12.1");
    // Truncated to the capacity, never past it.
    let mut small = [0x55 as libc::c_char; 4];
    unsafe { Version(small.as_mut_ptr(), 2) };
    assert_eq!(&small[..], &[b'2' as libc::c_char, b'.' as libc::c_char, 0x55, 0x55]);
    assert_eq!(unsafe { Version(null_mut(), 8) }, KAFKA_ERR_INVALID_ARGUMENT);
}

fn describe(capacity: usize) -> (i32, i32, String) {
    let mut buf = vec![0u8; capacity];
    let mut size = capacity as i32;
    let rc = unsafe { Describe(buf.as_mut_ptr() as *mut libc::c_char, &mut size) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(0);
    (rc, size, String::from_utf8(buf[..end].to_vec()).unwrap())
}

#[test]
fn describe_answers_dyalogs_1024_byte_call_with_dyalogs_exports() {
    let (rc, size, json) = describe(1024);
    assert_eq!(rc, 0, "a loader written for the original treats non-zero as failure");
    assert!(json.len() < 1024);
    assert!(DYALOG_ANSWER.len() < 1024, "Dyalog's exports always fit the original loader's buffer");
    let everything_fits = FULL_ANSWER.len() < 1024;
    for export in EXPORTS {
        let listed = json.contains(&format!("\"{}\"", pattern(export)));
        assert_eq!(listed, export.dyalog || everything_fits, "{} in the 1024-byte answer", export.name);
    }
    if everything_fits {
        assert_eq!(size as usize, FULL_ANSWER.len());
        return;
    }
    assert!(size as usize > 1024, "*psize tells a newer loader that a fuller answer exists");
    let (rc, full_size, full) = describe(size as usize);
    assert_eq!(rc, 0);
    assert_eq!(full_size as usize, full.len());
    for export in EXPORTS {
        assert!(full.contains(&format!("\"{}\"", pattern(export))), "{} in the full answer", export.name);
    }
    assert!(full.starts_with(&format!("{{\"Version\":\"{}\",\"Patterns\":[", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn describe_returns_the_size_needed_when_nothing_fits() {
    let (rc, size, _) = describe(16);
    assert_eq!(rc, FULL_ANSWER.len() as i32 + 1);
    assert_eq!(size, rc);
    assert_eq!(unsafe { Describe(null_mut(), null_mut()) }, KAFKA_ERR_INVALID_ARGUMENT);
}

#[test]
fn every_exported_function_is_described_once() {
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/kafka.h")).unwrap();
    let exported: Vec<&str> = header
        .lines()
        .filter(|l| l.starts_with("int ") || l.starts_with("int32_t "))
        .map(|l| l.split_whitespace().nth(1).unwrap().split('(').next().unwrap())
        .collect();
    let described: Vec<&str> = EXPORTS.iter().map(|e| e.name).collect();
    let mut a = exported.clone();
    let mut b = described.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "header functions vs Describe table");
    b.dedup();
    assert_eq!(b.len(), described.len(), "each export described once");
}

#[test]
fn set_kafka_conf_returns_librdkafkas_results_with_text() {
    let h = init();
    assert_eq!(set_conf(h, "client.id", "me"), Status { code: 0, text: String::new() });
    let unknown = set_conf(h, "no.such.key", "1");
    assert_eq!(unknown.code, -2);
    assert!(unknown.text.contains("no.such.key"), "{}", unknown.text);
    let invalid = set_conf(h, "acks", "banana");
    assert_eq!(invalid.code, -1);
    assert!(!invalid.text.is_empty());
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn error_text_is_truncated_to_the_capacity_and_its_length_returned() {
    let h = init();
    let (k, v) = (c("no.such.key"), c("1"));
    let mut buf = [0x55u8; 8];
    let mut len = 5;
    let rc = unsafe { SetKafkaConf(h, k.as_ptr(), v.as_ptr(), buf.as_mut_ptr() as *mut libc::c_char, &mut len) };
    assert_eq!(rc, -2);
    assert_eq!(len, 5);
    assert_eq!(buf[5], 0x55, "nothing written past the capacity");
    // A NULL text buffer or length is accepted: the status still tells.
    let rc = unsafe { SetKafkaConf(h, k.as_ptr(), v.as_ptr(), null_mut(), null_mut()) };
    assert_eq!(rc, -2);
    uninit_producer(h);
}

#[test]
fn configuration_is_fixed_once_the_handle_produces() {
    let mock = Mock::start(1);
    let h = producer(&mock.bootstrap);
    produce_ok(h, "fixed", "x", "k");
    let late = set_conf(h, "linger.ms", "7");
    assert_eq!(late.code, KAFKA_ERR_STATE);
    assert!(late.text.contains("already a producer"), "{}", late.text);
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn delivery_report_before_producing_returns_nothing_at_once() {
    let h = init();
    let start = Instant::now();
    let (rc, got) = reports(h, 10);
    assert_eq!((rc, got.len()), (0, 0));
    assert!(start.elapsed() < Duration::from_millis(100));
    let mut left = -1;
    assert_eq!(unsafe { Flush(h, 1000, &mut left) }, 0);
    assert_eq!(left, 0);
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn every_message_gets_exactly_one_report_in_order() {
    let mock = Mock::start(1);
    mock.topic("reports", 1);
    let h = producer(&mock.bootstrap);
    let ids: Vec<u64> = (0..500).map(|i| produce_ok(h, "reports", &format!("m{i}"), "k")).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    // Small batches: the rest is kept for the next call.
    let got = collect_reports(h, ids.len(), WAIT);
    assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), ids, "one report per message, in produce order");
    assert!(got.iter().all(|r| r.1 == 0));
    let start = Instant::now();
    let (rc, none) = reports(h, 10);
    assert_eq!((rc, none.len()), (0, 0));
    assert!(start.elapsed() < Duration::from_millis(100), "nothing in flight: no wait");
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn delivery_report_wait_lets_the_caller_choose_the_wait() {
    let h = client(&[("bootstrap.servers", "127.0.0.1:1"), ("message.timeout.ms", "1000")]);
    let id = produce_ok(h, "nowhere", "x", "k");
    let wait = |timeout_ms: i32| {
        let (mut ids, mut errs, mut n) = ([0 as libc::c_ulonglong; 4], [0i32; 4], 4);
        let start = Instant::now();
        let rc = unsafe { DeliveryReportWait(h, ids.as_mut_ptr(), errs.as_mut_ptr(), &mut n, timeout_ms) };
        (rc, n, ids[0], errs[0], start.elapsed())
    };
    let (rc, n, _, _, took) = wait(0);
    assert_eq!((rc, n), (0, 0));
    assert!(took < Duration::from_millis(50), "0 never waits: {took:?}");
    let (rc, n, got, status, took) = wait(5000);
    assert_eq!((rc, n, got, status), (0, 1, id, -192));
    assert!(took < Duration::from_millis(4000), "returns when the report arrives: {took:?}");
    let mut n = 4;
    assert_eq!(unsafe { DeliveryReportWait(null_mut(), null_mut(), null_mut(), &mut n, 0) }, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn reports_are_served_in_batches_of_the_callers_size() {
    let mock = Mock::start(1);
    let h = producer(&mock.bootstrap);
    for i in 0..30 {
        produce_ok(h, "batches", &format!("m{i}"), "k");
    }
    let mut left = -1;
    assert_eq!(unsafe { Flush(h, 10_000, &mut left) }, 0);
    assert_eq!(left, 0);
    let (rc, first) = reports(h, 7);
    assert_eq!((rc, first.len()), (0, 7));
    let rest = collect_reports(h, 23, WAIT);
    assert_eq!(rest.len(), 23);
    assert_eq!(reports(h, 0).1.len(), 0);
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn message_ids_are_unique_under_concurrent_produce() {
    let mock = Mock::start(1);
    let h = producer(&mock.bootstrap) as usize;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                (0..250).map(|i| produce_ok(h as Handle, "concurrent", &format!("{t}-{i}"), "k")).collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut ids: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let reported = collect_reports(h as Handle, ids.len(), WAIT);
    let mut reported_ids: Vec<u64> = reported.iter().map(|r| r.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
    reported_ids.sort();
    assert_eq!(reported_ids, ids);
    assert_eq!(uninit_producer(h as Handle), 0);
}

#[test]
fn uncollected_reports_never_fill_librdkafkas_queue() {
    let mock = Mock::start(1);
    // A small queue makes the original's failure mode quick to reach.
    let h =
        client(&[("bootstrap.servers", &mock.bootstrap), ("queue.buffering.max.messages", "1000"), ("linger.ms", "1")]);
    let mut produced = 0;
    let deadline = Instant::now() + WAIT;
    while produced < 5000 && Instant::now() < deadline {
        let (s, _) = produce(h, "uncollected", Some(b"x"), None, -1);
        match s.code {
            0 => produced += 1,
            -184 => {
                // Queue full only while messages are truly in flight: serve
                // nothing, just let the broker catch up.
                let mut left = 0;
                unsafe { Flush(h, 100, &mut left) };
            }
            other => panic!("Produce: {other} {}", s.text),
        }
    }
    assert_eq!(produced, 5000);
    assert_eq!(collect_reports(h, 5000, WAIT).len(), 5000, "all reports kept until asked for");
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn produce_checks_its_arguments() {
    let mock = Mock::start(1);
    let h = producer(&mock.bootstrap);
    let mut id = 0u64;
    let s = with_text(|e, l| unsafe {
        Produce(h, std::ptr::null(), std::ptr::null(), 0, std::ptr::null(), 0, -1, &mut id, e, l)
    });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    assert!(s.text.contains("topic"), "{}", s.text);
    let t = c("args");
    let s = with_text(|e, l| unsafe {
        Produce(h, t.as_ptr(), std::ptr::null(), 5, std::ptr::null(), 0, -1, &mut id, e, l)
    });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    assert!(s.text.contains("payload"), "{}", s.text);
    // A NULL msgid is accepted; a NULL payload of length 0 is a null value.
    let rc = unsafe {
        Produce(h, t.as_ptr(), std::ptr::null(), 0, std::ptr::null(), 0, -1, null_mut(), null_mut(), null_mut())
    };
    assert_eq!(rc, 0);
    let got = collect_reports(h, 1, WAIT);
    assert_eq!((got.len(), got[0].1), (1, 0));
    assert!(got[0].0 > id, "ids only grow");
    assert_eq!(uninit_producer(h), 0);
}

#[test]
fn unreachable_brokers_fail_messages_after_the_timeout_and_close_says_so() {
    let h = client(&[("bootstrap.servers", "127.0.0.1:1"), ("message.timeout.ms", "1500")]);
    let id = produce_ok(h, "nowhere", "lost?", "k");
    let start = Instant::now();
    let (rc, first) = reports(h, 10);
    assert_eq!((rc, first.len()), (0, 0));
    assert!(start.elapsed() < Duration::from_millis(900), "DeliveryReport waits at most 500 ms");
    let got = collect_reports(h, 1, WAIT);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, id);
    assert_eq!(got[0].1, -192, "message timed out");
    let mut text = TextBuf::new(128);
    let ptr = text.ptr();
    assert_eq!(unsafe { DRMessageError(&got[0].1, ptr, &mut text.len) }, 0);
    assert!(text.text().contains("timed out"), "{}", text.text());
    // A second message whose failure is never collected: UninitProducer reports it.
    produce_ok(h, "nowhere", "lost", "k");
    let start = Instant::now();
    assert_eq!(uninit_producer(h), -192);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn dr_message_error_describes_librdkafka_and_library_codes() {
    for (code, needle) in [(0, "Success"), (-184, "queue full"), (KAFKA_ERR_BAD_HANDLE, "handle"), (12345, "Unknown")] {
        let mut t = TextBuf::new(256);
        let ptr = t.ptr();
        assert_eq!(unsafe { DRMessageError(&code, ptr, &mut t.len) }, 0);
        assert!(t.text().to_lowercase().contains(&needle.to_lowercase()), "{code}: {}", t.text());
    }
    let mut t = TextBuf::new(64);
    let ptr = t.ptr();
    assert_eq!(unsafe { DRMessageError(std::ptr::null(), ptr, &mut t.len) }, KAFKA_ERR_INVALID_ARGUMENT);
    assert!(t.text().contains("NULL"));
}

#[test]
fn bad_handles_get_a_status_and_text_never_a_crash() {
    let released = init();
    assert_eq!(uninit_producer(released), 0);
    let list = topic_list(&[("t", 0)]);
    let never_issued = 0xdead_beef_usize as Handle;
    for bad in [null_mut(), never_issued, 1 as Handle, released, list] {
        let t = c("t");
        let mut id = 0;
        let s = with_text(|e, l| unsafe {
            Produce(bad, t.as_ptr(), std::ptr::null(), 0, std::ptr::null(), 0, -1, &mut id, e, l)
        });
        assert_eq!(s.code, KAFKA_ERR_BAD_HANDLE, "{bad:?}");
        assert!(s.text.contains("handle") || s.text.contains("NULL"), "{}", s.text);
        assert_eq!(set_conf(bad, "client.id", "x").code, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(reports(bad, 4).0, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(consume_with(bad, (8, 8, 8)).0.code, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(unsafe { Commit(bad, null_mut()) }, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(unsafe { Flush(bad, 0, null_mut()) }, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(uninit_producer(bad), KAFKA_ERR_BAD_HANDLE);
        assert_eq!(uninit_consumer(bad), KAFKA_ERR_BAD_HANDLE);
        assert_eq!(unsafe { DestroyMockCluster(bad) }, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(unsafe { DelTopicConf(bad) }, KAFKA_ERR_BAD_HANDLE);
        if bad != list {
            assert_eq!(unsafe { DelTopicPartitionList(bad) }, KAFKA_ERR_BAD_HANDLE);
        }
        let mut offset = 0;
        assert_eq!(unsafe { Committed(bad, null_mut(), &mut offset) }, KAFKA_ERR_BAD_HANDLE);
    }
    // A client handle where a list is expected, and the reverse.
    let h = init();
    assert_eq!(unsafe { SetTopicPartitionList(h, c("t").as_ptr(), 0) }, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(unsafe { SetOffset(released, c("t").as_ptr(), 0, 1) }, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(with_text(|e, l| unsafe { SubscribeConsumerTPList(h, h, e, l) }).code, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(uninit_producer(h), 0);
    // The list survived all of that and is still usable.
    assert_eq!(unsafe { SetTopicPartitionList(list, c("u").as_ptr(), 1) }, 0);
}

#[test]
fn a_second_uninit_is_refused() {
    let mock = Mock::start(1);
    let p = producer(&mock.bootstrap);
    produce_ok(p, "twice", "x", "k");
    assert_eq!(uninit_producer(p), 0);
    assert_eq!(uninit_producer(p), KAFKA_ERR_BAD_HANDLE);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["twice"], &[]);
    assert_eq!(uninit_consumer(cons), 0);
    assert_eq!(uninit_consumer(cons), KAFKA_ERR_BAD_HANDLE);
    let fresh = init();
    assert_eq!(uninit_consumer(fresh), 0, "a handle that never subscribed");
    assert_eq!(uninit_producer(fresh), KAFKA_ERR_BAD_HANDLE);
}

#[test]
fn producer_and_consumer_handles_refuse_each_others_calls() {
    let mock = Mock::start(1);
    let p = producer(&mock.bootstrap);
    produce_ok(p, "roles", "x", "k");
    let cons = consumer(&mock.bootstrap, &unique("g"), &["roles"], &[]);
    let (s, _) = produce(cons, "roles", Some(b"x"), None, -1);
    assert_eq!(s.code, KAFKA_ERR_BAD_HANDLE);
    assert!(s.text.contains("consumer"), "{}", s.text);
    assert_eq!(reports(cons, 4).0, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(consume_with(p, (8, 8, 8)).0.code, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(subscribe(p, &["roles"]).code, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(unsafe { Commit(p, null_mut()) }, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(uninit_consumer(p), KAFKA_ERR_BAD_HANDLE, "refused, and the producer stays usable");
    produce_ok(p, "roles", "y", "k");
    assert_eq!(uninit_producer(cons), KAFKA_ERR_BAD_HANDLE);
    assert_eq!(uninit_consumer(cons), 0);
    assert_eq!(uninit_producer(p), 0);
}

#[test]
fn consume_before_subscribing_says_what_to_do() {
    let h = init();
    let (s, _, _) = consume_with(h, (8, 8, 8));
    assert_eq!(s.code, KAFKA_ERR_STATE);
    assert!(s.text.contains("SubscribeConsumerTPList"), "{}", s.text);
    assert_eq!(uninit_consumer(h), 0);
}

#[test]
fn subscribing_without_group_id_returns_the_reason_and_the_handle_stays_usable() {
    let mock = Mock::start(1);
    let h = client(&[("bootstrap.servers", &mock.bootstrap)]);
    let s = subscribe(h, &["nogroup"]);
    assert_ne!(s.code, 0);
    assert!(s.text.contains("group.id"), "{}", s.text);
    assert_eq!(set_conf(h, "group.id", &unique("g")).code, 0, "still configurable");
    assert_eq!(subscribe(h, &["nogroup"]).code, 0);
    assert_eq!(uninit_consumer(h), 0);
}

#[test]
fn subscribe_takes_ownership_of_the_list() {
    let mock = Mock::start(1);
    let h = client(&[("bootstrap.servers", &mock.bootstrap), ("group.id", &unique("g"))]);
    let list = topic_list(&[("owned", 0)]);
    assert_eq!(with_text(|e, l| unsafe { SubscribeConsumerTPList(h, list, e, l) }).code, 0);
    assert_eq!(unsafe { SetTopicPartitionList(list, c("x").as_ptr(), 0) }, KAFKA_ERR_BAD_HANDLE);
    // Also when the subscription fails.
    let empty = topic_list(&[]);
    let s = with_text(|e, l| unsafe { SubscribeConsumerTPList(h, empty, e, l) });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    assert_eq!(unsafe { SetTopicPartitionList(empty, c("x").as_ptr(), 0) }, KAFKA_ERR_BAD_HANDLE);
    assert_eq!(uninit_consumer(h), 0);
}

#[test]
fn set_offset_needs_the_entry_in_the_list() {
    let list = topic_list(&[("a", 0), ("a", 1)]);
    assert_eq!(unsafe { SetOffset(list, c("a").as_ptr(), 1, 42) }, 0);
    assert_eq!(unsafe { SetOffset(list, c("a").as_ptr(), 2, 42) }, -190);
    assert_eq!(unsafe { SetOffset(list, std::ptr::null(), 0, 1) }, KAFKA_ERR_INVALID_ARGUMENT);
    let mut out = null_mut();
    assert_eq!(unsafe { NewTopicPartitionList(null_mut()) }, KAFKA_ERR_INVALID_ARGUMENT);
    assert_eq!(unsafe { NewTopicPartitionList(&mut out) }, 0);
}

#[test]
fn topic_configuration_objects() {
    let mut tc = null_mut();
    assert_eq!(unsafe { NewTopicConf(&mut tc) }, 0);
    let s = with_text(|e, l| unsafe { SetTopicConf(tc, c("acks").as_ptr(), c("all").as_ptr(), e, l) });
    assert_eq!(s.code, 0);
    let s = with_text(|e, l| unsafe { SetTopicConf(tc, c("nope").as_ptr(), c("1").as_ptr(), e, l) });
    assert_eq!(s.code, -2);
    assert!(!s.text.is_empty());
    assert_eq!(unsafe { DelTopicConf(tc) }, 0);
    assert_eq!(unsafe { DelTopicConf(tc) }, KAFKA_ERR_BAD_HANDLE);
}

#[test]
fn consume_keeps_the_message_when_a_buffer_is_too_small() {
    let mock = Mock::start(1);
    mock.topic("small", 1);
    let p = producer(&mock.bootstrap);
    let payload = vec![b'p'; 3000];
    let (s, _) = produce(p, "small", Some(&payload), Some(b"a-rather-long-key"), -1);
    assert_eq!(s.code, 0);
    produce_ok(p, "small", "second", "k2");
    assert_eq!(collect_reports(p, 2, WAIT).len(), 2);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["small"], &[]);
    let deadline = Instant::now() + WAIT;
    let needed = loop {
        let (s, m, needed) = consume_with(cons, (64, 100, 4));
        if s.code == KAFKA_CONSUME_BUFFER_TOO_SMALL {
            assert!(m.is_none());
            assert!(s.text.contains("too small"), "{}", s.text);
            break needed;
        }
        assert_eq!(s.code, KAFKA_CONSUME_NO_MESSAGE, "{}", s.text);
        assert_eq!(s.text, "no msg");
        assert!(Instant::now() < deadline);
    };
    assert_eq!(needed, (5, 3000, 17));
    // Asking again with the same small buffers still keeps it.
    assert_eq!(consume_with(cons, (64, 100, 4)).0.code, KAFKA_CONSUME_BUFFER_TOO_SMALL);
    let (s, m, lens) = consume_with(cons, (5, 3000, 17));
    assert_eq!(s.code, 0, "{}", s.text);
    assert_eq!(lens, (5, 3000, 17));
    let m = m.unwrap();
    assert_eq!((m.payload, m.key, m.offset), (payload, b"a-rather-long-key".to_vec(), 0));
    let next = consume_n(cons, 1, WAIT);
    assert_eq!(next[0].payload, b"second");
    assert_eq!(next[0].offset, 1);
    assert_eq!(uninit_consumer(cons), 0);
    assert_eq!(uninit_producer(p), 0);
}

#[test]
fn binary_payloads_keys_and_null_values_come_back_intact() {
    let mock = Mock::start(1);
    mock.topic("binary", 1);
    let p = producer(&mock.bootstrap);
    let payload: Vec<u8> = (0..=255u8).chain([0, 0, 1]).collect();
    let key = b"k\0e\0y".to_vec();
    assert_eq!(produce(p, "binary", Some(&payload), Some(&key), -1).0.code, 0);
    assert_eq!(produce(p, "binary", None, None, -1).0.code, 0, "null value, no key");
    assert_eq!(produce(p, "binary", Some(b""), Some(b""), -1).0.code, 0, "empty value, empty key");
    assert_eq!(collect_reports(p, 3, WAIT).len(), 3);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["binary"], &[]);
    let got = consume_n(cons, 3, WAIT);
    assert_eq!(got.len(), 3);
    assert_eq!((got[0].payload.clone(), got[0].key.clone()), (payload, key));
    assert_eq!((got[1].payload.len(), got[1].key.len()), (0, 0));
    assert_eq!((got[2].payload.len(), got[2].key.len()), (0, 0));
    uninit_consumer(cons);
    uninit_producer(p);
}

#[test]
fn explicit_partitions_and_per_key_order() {
    let mock = Mock::start(1);
    mock.topic("ordered", 3);
    let p = producer(&mock.bootstrap);
    for i in 0..60 {
        produce_ok(p, "ordered", &format!("{}", i), &format!("key{}", i % 5));
    }
    let (s, _) = produce(p, "ordered", Some(b"pinned"), Some(b"key0"), 2);
    assert_eq!(s.code, 0);
    assert_eq!(collect_reports(p, 61, WAIT).len(), 61);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["ordered"], &[]);
    let got = consume_n(cons, 61, WAIT);
    assert_eq!(got.len(), 61);
    assert_eq!(got.iter().find(|m| m.payload == b"pinned").unwrap().partition, 2);
    for k in 0..5 {
        let key = format!("key{k}");
        let seq: Vec<u32> = got
            .iter()
            .filter(|m| m.key == key.as_bytes() && m.payload != b"pinned")
            .map(|m| String::from_utf8_lossy(&m.payload).parse().unwrap())
            .collect();
        let expected: Vec<u32> = (0..60).filter(|i| i % 5 == k).collect();
        assert_eq!(seq, expected, "order of {key}");
        let partitions: Vec<i32> =
            got.iter().filter(|m| m.key == key.as_bytes() && m.payload != b"pinned").map(|m| m.partition).collect();
        assert!(partitions.windows(2).all(|w| w[0] == w[1]), "{key} stays in one partition");
    }
    uninit_consumer(cons);
    uninit_producer(p);
}

#[test]
fn groups_share_partitions_and_separate_groups_each_read_everything() {
    let mock = Mock::start(1);
    mock.topic("groups", 4);
    let p = producer(&mock.bootstrap);
    let shared = unique("shared");
    // The mock cluster keeps a member that rejoined under a new id until its
    // session times out: a short session keeps that wait short.
    let sync = [("enable.auto.commit", "false"), ("session.timeout.ms", "6000"), ("heartbeat.interval.ms", "500")];
    let a = consumer(&mock.bootstrap, &shared, &["groups"], &sync);
    let b = consumer(&mock.bootstrap, &shared, &["groups"], &sync);
    // The group is settled once each member receives a probe: the mock
    // refuses commits while it rebalances, so measure only after that.
    let mut probed = [false, false];
    let mut probes = 0;
    let deadline = Instant::now() + WAIT;
    while probed != [true, true] && Instant::now() < deadline {
        for partition in 0..4 {
            assert_eq!(produce(p, "groups", Some(b"probe"), None, partition).0.code, 0);
            probes += 1;
        }
        for (i, h) in [a, b].into_iter().enumerate() {
            while let (_, Some(_), _) = consume_with(h, (64, 64, 64)) {
                probed[i] = true;
                unsafe { Commit(h, null_mut()) };
            }
        }
    }
    assert_eq!(probed, [true, true], "both members got partitions");
    for i in 0..40 {
        produce_ok(p, "groups", &format!("m{i}"), &format!("key{i}"));
    }
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let deadline = Instant::now() + WAIT;
    while seen.len() < 40 && Instant::now() < deadline {
        for h in [a, b] {
            if let (s, Some(m), _) = consume_with(h, (64, 64, 64)) {
                assert_eq!(s.code, 0);
                if m.payload != b"probe" {
                    seen.push(m.payload);
                }
                assert_eq!(unsafe { Commit(h, null_mut()) }, 0, "no rebalance once settled");
            }
        }
    }
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len()), (40, 40), "each message exactly once across the group");
    let other = consumer(&mock.bootstrap, &unique("other"), &["groups"], &[]);
    let everything = consume_n(other, 40 + probes, WAIT);
    assert_eq!(everything.iter().filter(|m| m.payload != b"probe").count(), 40, "another group reads everything");
    for h in [a, b, other] {
        assert_eq!(uninit_consumer(h), 0);
    }
    uninit_producer(p);
}

#[test]
fn commit_and_committed_count_consumed_messages_per_partition() {
    let mock = Mock::start(1);
    mock.topic("commits", 3);
    let p = producer(&mock.bootstrap);
    for i in 0..30 {
        produce_ok(p, "commits", &format!("m{i}"), &format!("key{}", i % 5));
    }
    assert_eq!(collect_reports(p, 30, WAIT).len(), 30);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["commits"], &[("enable.auto.commit", "false")]);
    assert_eq!(committed(cons, "commits", 0), (0, -1001), "nothing committed yet");
    let mut per_partition = [0i64; 3];
    let mut consumed = 0;
    let deadline = Instant::now() + WAIT;
    while consumed < 30 && Instant::now() < deadline {
        for m in consume_n(cons, 1, Duration::from_secs(2)) {
            per_partition[m.partition as usize] += 1;
            consumed += 1;
            if consumed % 5 == 0 {
                assert_eq!(unsafe { Commit(cons, null_mut()) }, 0);
                for (partition, count) in per_partition.iter().enumerate() {
                    let (rc, offset) = committed(cons, "commits", partition as i32);
                    assert_eq!(rc, 0);
                    let expected = if *count == 0 { -1001 } else { *count };
                    assert_eq!(offset, expected, "partition {partition} after {consumed}");
                }
            }
        }
    }
    assert_eq!(consumed, 30);
    assert_eq!(unsafe { Commit(cons, null_mut()) }, -168, "nothing new to commit");
    // An explicit list commits exactly the offsets in it.
    let list = topic_list(&[("commits", 1)]);
    assert_eq!(unsafe { SetOffset(list, c("commits").as_ptr(), 1, 2) }, 0);
    assert_eq!(unsafe { Commit(cons, list) }, 0);
    assert_eq!(committed(cons, "commits", 1), (0, 2));
    assert_eq!(
        unsafe { SetTopicPartitionList(list, c("still-mine").as_ptr(), 0) },
        0,
        "Commit leaves the list with the caller"
    );
    let mut offset = 0;
    assert_eq!(unsafe { Committed(cons, list, &mut offset) }, 0);
    assert_eq!(
        unsafe { SetTopicPartitionList(list, c("gone").as_ptr(), 0) },
        KAFKA_ERR_BAD_HANDLE,
        "Committed takes the list"
    );
    assert_eq!(unsafe { DelTopicPartitionList(list) }, KAFKA_ERR_BAD_HANDLE);
    let mine = topic_list(&[("commits", 0)]);
    assert_eq!(unsafe { SetOffset(mine, c("commits").as_ptr(), 0, 1) }, 0);
    assert_eq!(unsafe { Commit(cons, mine) }, 0);
    assert_eq!(unsafe { DelTopicPartitionList(mine) }, 0, "a list the caller still owns");
    uninit_consumer(cons);
    uninit_producer(p);
}

#[test]
fn mock_cluster_rejects_bad_arguments() {
    let mut h = null_mut();
    let s = with_text(|e, l| unsafe { NewMockCluster(0, &mut h, e, l) });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    assert!(s.text.contains("1 to 64"), "{}", s.text);
    let mock = Mock::start(3);
    assert_eq!(mock.bootstrap.split(',').count(), 3);
    let s = with_text(|e, l| unsafe { MockCreateTopic(mock.handle, c("t").as_ptr(), 0, 1, e, l) });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    let s = with_text(|e, l| unsafe { MockCreateTopic(mock.handle, c("t").as_ptr(), 2, 3, e, l) });
    assert_eq!(s.code, 0, "{}", s.text);
}

#[test]
fn one_consumer_handle_serves_several_threads_and_survives_release_mid_call() {
    let mock = Mock::start(1);
    mock.topic("threads", 2);
    let p = producer(&mock.bootstrap);
    for i in 0..200 {
        produce_ok(p, "threads", &format!("m{i}"), &format!("key{i}"));
    }
    assert_eq!(collect_reports(p, 200, WAIT).len(), 200);
    let cons = consumer(&mock.bootstrap, &unique("g"), &["threads"], &[]) as usize;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                let deadline = Instant::now() + WAIT;
                // Small buffers on purpose: status-2 retries race between threads.
                let mut caps = (8, 2, 2);
                while done.load(std::sync::atomic::Ordering::SeqCst) < 200 && Instant::now() < deadline {
                    let (s, m, needed) = consume_with(cons as Handle, caps);
                    match s.code {
                        0 => {
                            mine.push(m.unwrap().payload);
                            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        2 => caps = (needed.0 as usize, needed.1 as usize, needed.2 as usize),
                        1 => {}
                        other => panic!("Consume: {other} {}", s.text),
                    }
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<Vec<u8>> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    all.sort();
    let total = all.len();
    all.dedup();
    assert_eq!((total, all.len()), (200, 200), "every message once across threads");

    // Releasing the handle while another thread waits in Consume: that call
    // finishes normally and the consumer closes after it.
    let waiter = std::thread::spawn(move || consume_with(cons as Handle, (64, 64, 64)).0.code);
    assert_eq!(uninit_consumer(cons as Handle), 0);
    let code = waiter.join().unwrap();
    assert!(code == KAFKA_CONSUME_NO_MESSAGE || code == KAFKA_ERR_BAD_HANDLE, "{code}");
    assert_eq!(consume_with(cons as Handle, (64, 64, 64)).0.code, KAFKA_ERR_BAD_HANDLE);
    uninit_producer(p);
}

#[test]
fn purge_fails_every_queued_message_with_a_report_and_refuses_bad_input() {
    let mock = Mock::start(1);
    mock.topic("purged", 1);
    // Nothing produced yet: nothing to purge.
    let fresh = init();
    assert_eq!(with_text(|e, l| unsafe { Purge(fresh, 1, e, l) }).code, 0);
    assert_eq!(uninit_producer(fresh), 0);
    // A long linger keeps the messages queued until the purge.
    let h = client(&[("bootstrap.servers", &mock.bootstrap), ("linger.ms", "60000")]);
    let ids: Vec<u64> = (0..5).map(|i| produce_ok(h, "purged", &format!("m{i}"), "k")).collect();
    let s = with_text(|e, l| unsafe { Purge(h, 8, e, l) });
    assert_eq!(s.code, KAFKA_ERR_INVALID_ARGUMENT);
    assert!(s.text.contains("flags"), "{}", s.text);
    assert_eq!(with_text(|e, l| unsafe { Purge(h, 1 | 2, e, l) }).code, 0);
    let got = collect_reports(h, ids.len(), WAIT);
    assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), ids, "one report per purged message");
    let purged = rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__PURGE_QUEUE as i32;
    assert!(got.iter().all(|r| r.1 == purged), "{got:?}");
    assert_eq!(uninit_producer(h), 0);
    for bad in [null_mut(), 0xdead_beef_usize as Handle] {
        let s = with_text(|e, l| unsafe { Purge(bad, 1, e, l) });
        assert_eq!(s.code, KAFKA_ERR_BAD_HANDLE);
        assert!(!s.text.is_empty());
    }
}
