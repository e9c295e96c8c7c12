//! Self-description: `Version`, `Describe`, and the table of every export
//! with its `⎕NA` pattern, the one source of truth for the ABI as APL sees it.

use libc::{c_char, c_int};
use once_cell::sync::Lazy;

use super::{guard, output_bytes, required, ErrorText};

/// One exported function as APL declares it.
pub struct Export {
    pub name: &'static str,
    /// The argument part of the `⎕NA` pattern (the result is always `I4`).
    pub args: &'static str,
    /// Part of Dyalog's original ABI, answered to old loaders' 1024-byte call.
    pub dyalog: bool,
}

const fn dyalog(name: &'static str, args: &'static str) -> Export {
    Export { name, args, dyalog: true }
}

const fn added(name: &'static str, args: &'static str) -> Export {
    Export { name, args, dyalog: false }
}

/// Every export, in the order `Describe` lists them. Adding an export means
/// one function plus one row here; a test checks each row against the header.
pub const EXPORTS: &[Export] = &[
    dyalog("Version", ">0T1 I4"),
    added("LibraryVersion", ">0T1 I4"),
    dyalog("Describe", ">0T1 =I4"),
    dyalog("InitKafka", ">P"),
    dyalog("UninitProducer", "P"),
    dyalog("UninitConsumer", "P"),
    dyalog("SetKafkaConf", "P <0T1 <0T1 >0T1 =I4"),
    dyalog("NewTopicPartitionList", ">P"),
    dyalog("SetTopicPartitionList", "P <0T1 I4"),
    dyalog("SetOffset", "P <0T1 I4 I8"),
    dyalog("SubscribeConsumerTPList", "P P >0T1 =I4"),
    dyalog("Produce", "P <0T1 <0T1 U4 <0T1 U4 I4 >U8 >0T1 =I4"),
    dyalog("DeliveryReport", "P >U8[] >I4[] =I4"),
    dyalog("DRMessageError", "<I4 >0T1 =I4"),
    // >T1[] keeps every byte of binary payloads and keys (>0T1 would cut at NUL).
    dyalog("Consume", "P >0T1 =U4 >T1[] =U4 >T1[] =U4 >I4 >I8 >0T1 =I4"),
    dyalog("Commit", "P P"),
    dyalog("Committed", "P P >I8"),
    added("NewTopicConf", ">P"),
    added("SetTopicConf", "P <0T1 <0T1 >0T1 =I4"),
    added("DelTopicConf", "P"),
    added("DelTopicPartitionList", "P"),
    added("DeliveryReportWait", "P >U8[] >I4[] =I4 I4"),
    added("Flush", "P I4 >I4"),
    added("Purge", "P I4 >0T1 =I4"),
    added("NewMockCluster", "I4 >P >0T1 =I4"),
    added("MockCreateTopic", "P <0T1 I4 I4 >0T1 =I4"),
    added("DestroyMockCluster", "P"),
    added("MockBrokerDown", "P I4 >0T1 =I4"),
    added("MockBrokerUp", "P I4 >0T1 =I4"),
    added("MockSetRtt", "P I4 I4 >0T1 =I4"),
    added("MockPushRequestErrors", "P I4 <I4[] I4 >0T1 =I4"),
    added("MockSetLeader", "P <0T1 I4 I4 >0T1 =I4"),
    // Consumer control; partition vectors out are Dyalog's CommitReport shape.
    added("Assign", "P <0T1 <I4[] <I8[] I4 >0T1 =I4"),
    added("Assignment", "P >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    added("Rebalance", "P >I4 >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    added("Unsubscribe", "P >0T1 =I4"),
    added("Subscription", "P >0T1 =U4 >I4 >0T1 =I4"),
    added("Seek", "P <0T1 I4 I8 >0T1 =I4"),
    added("OffsetsForTimes", "P <0T1 <I4[] <I8[] I4 I4 >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    added("Position", "P >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    added("Pause", "P <0T1 <I4[] I4 >0T1 =I4"),
    added("Resume", "P <0T1 <I4[] I4 >0T1 =I4"),
    added("Watermarks", "P <0T1 I4 I4 >I8 >I8 >0T1 =I4"),
    // Administration and inspection.
    added("CreateTopics", "P <0T1 <I4[] <I4[] I4 <0T1 I4 I4 >I4[] >0T1 =I4"),
    added("DeleteTopics", "P <0T1 I4 I4 >I4[] >0T1 =I4"),
    added("CreatePartitions", "P <0T1 <I4[] I4 I4 I4 >I4[] >0T1 =I4"),
    added("DeleteRecords", "P <0T1 <I4[] <I8[] I4 I4 >I4[] >0T1 =I4"),
    added("DescribeConfigs", "P <0T1 <0T1 I4 >0T1 =I4 >0T1 =I4"),
    added("AlterConfigs", "P <0T1 <0T1 <0T1 I4 >0T1 =I4"),
    added("Metadata", "P <0T1 I4 >0T1 =I4 >0T1 =I4"),
    added("ListGroups", "P I4 >0T1 =I4 >0T1 =I4"),
    added("DescribeGroup", "P <0T1 I4 >0T1 =I4 >0T1 =I4"),
    added("DeleteGroup", "P <0T1 I4 >0T1 =I4"),
    added("GroupLag", "P <0T1 I4 >0T1 =I4 >0T1 =I4"),
    // Batches, headers, timestamps; byte fields packed with lengths (-1 null).
    added("ProduceBatch", "P <0T1 I4 <T1[] <I4[] <T1[] <I4[] <I4[] I4 <I8[] <I4[] <T1[] <I4[] >U8[] >I4[] >0T1 =I4"),
    added("ProduceWith", "P <0T1 <T1[] I4 <T1[] I4 I4 I8 I4 <T1[] <I4[] >U8 >0T1 =I4"),
    added(
        "ConsumeBatch",
        "P I4 >0T1 =U4 >I4[] >I4[] >I8[] >I8[] >I4[] >T1[] =U4 >I4[] >T1[] =U4 >I4[] >I4[] >T1[] =U4 >I4[] =I4 =I4 >0T1 =I4",
    ),
    added(
        "ConsumeWith",
        "P I4 >0T1 =U4 >T1[] =I4 >T1[] =I4 >I4 >I8 >I8 >I4 >I4 >T1[] =U4 >I4[] =I4 >0T1 =I4",
    ),
    added("DeliveryReports", "P I4 >U8[] >I4[] >I4[] >I8[] >I8[] =I4 >0T1 =I4"),
    // Commits beyond Dyalog's; CommitReport is the shape of Dyalog's unfinished branch.
    added("CommitAsync", "P <0T1 <I4[] <I8[] I4 >0T1 =I4"),
    added("CommitReport", "P >0T1 =U4 >I4[] >I8[] >I4[] =I4"),
    added("CommitReportWait", "P I4 >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    added("CommitOffsets", "P <0T1 <I4[] <I8[] I4 >0T1 =I4"),
    added("StoreOffsets", "P <0T1 <I4[] <I8[] I4 >0T1 =I4"),
    added("CommittedOffsets", "P <0T1 <I4[] I4 I4 >0T1 =U4 >I4[] >I8[] >I4[] =I4 >0T1 =I4"),
    // Transactions; flags say fatal (1), retriable (2), abortable (4).
    added("InitTransactions", "P I4 >I4 >0T1 =I4"),
    added("BeginTransaction", "P >I4 >0T1 =I4"),
    added("CommitTransaction", "P I4 >I4 >0T1 =I4"),
    added("AbortTransaction", "P I4 >I4 >0T1 =I4"),
    added("SendOffsetsToTransaction", "P P <0T1 <I4[] <I8[] I4 I4 >I4 >0T1 =I4"),
    added("FatalError", "P >0T1 =I4"),
    // Logs, errors and statistics, pulled.
    added("Events", "P I4 >I4[] >I4[] >I4[] >T1[] =U4 >I4[] =I4 >I4 >0T1 =I4"),
    // Status codes by name.
    added("ErrorName", "I4 >0T1 =I4"),
    added("ErrorCodes", ">0T1 =I4 >0T1 =I4"),
];

/// The `⎕NA` pattern of an export; `%P` stands for the library path.
pub fn pattern(export: &Export) -> String {
    format!("I4 %P|{} {}", export.name, export.args)
}

fn answer(only_dyalog: bool) -> String {
    let patterns: Vec<String> =
        EXPORTS.iter().filter(|e| e.dyalog || !only_dyalog).map(|e| format!("\"{}\"", pattern(e))).collect();
    format!("{{\"Version\":\"{}\",\"Patterns\":[{}]}}", env!("CARGO_PKG_VERSION"), patterns.join(","))
}

/// Every export's pattern.
pub static FULL_ANSWER: Lazy<String> = Lazy::new(|| answer(false));
/// Dyalog's exports only: what a loader written for the original library
/// gets when its buffer is too small for the full answer.
pub static DYALOG_ANSWER: Lazy<String> = Lazy::new(|| answer(true));

/// Writes librdkafka's version string (e.g. "2.12.1") into `version`, of
/// capacity `len` bytes, truncated to fit and NUL-terminated when there is
/// room. Returns librdkafka's numeric version (hex 0xMMmmrrxx).
#[no_mangle]
pub unsafe extern "C" fn Version(version: *mut c_char, len: c_int) -> c_int {
    guard(ErrorText::none(), |_| {
        // SAFETY: rd_kafka_version_str returns a static string.
        let text = unsafe { std::ffi::CStr::from_ptr(rdkafka_sys::rd_kafka_version_str()) }.to_bytes();
        let buffer = output_bytes(version, len.max(0) as usize, "version")?;
        let n = text.len().min(buffer.len());
        buffer[..n].copy_from_slice(&text[..n]);
        if let Some(slot) = buffer.get_mut(n) {
            *slot = 0;
        }
        // SAFETY: no preconditions.
        Ok(unsafe { rdkafka_sys::rd_kafka_version() })
    })
}

/// This library's version (`Version` gives librdkafka's), as numbers for
/// C's preprocessor. Cargo.toml's version is the one source; a test checks
/// that these agree with it.
pub const KAFKA_VERSION_MAJOR: i32 = 0;
pub const KAFKA_VERSION_MINOR: i32 = 2;
pub const KAFKA_VERSION_PATCH: i32 = 0;

/// Writes this library's version string (e.g. "0.2.0", the same as
/// `Describe`'s "Version") into `version`, of capacity `len` bytes,
/// truncated to fit and NUL-terminated when there is room. Returns it as a
/// number, 0x00MMmmpp (major, minor, patch), for comparisons.
#[no_mangle]
pub unsafe extern "C" fn LibraryVersion(version: *mut c_char, len: c_int) -> c_int {
    guard(ErrorText::none(), |_| {
        let text = env!("CARGO_PKG_VERSION").as_bytes();
        let buffer = output_bytes(version, len.max(0) as usize, "version")?;
        let n = text.len().min(buffer.len());
        buffer[..n].copy_from_slice(&text[..n]);
        if let Some(slot) = buffer.get_mut(n) {
            *slot = 0;
        }
        Ok((KAFKA_VERSION_MAJOR << 16) | (KAFKA_VERSION_MINOR << 8) | KAFKA_VERSION_PATCH)
    })
}

/// Describes the library to APL as JSON:
/// `{"Version":"…","Patterns":["I4 %P|Name args", …]}`, one `⎕NA` pattern
/// per export (`%P` stands for the library path).
///
/// `*psize` holds the capacity of `buffer` on entry. When the full answer
/// fits, it is written (NUL-terminated), `*psize` is set to its length and
/// 0 is returned. When it does not fit but Dyalog's original exports do
/// (loaders written for the original pass 1024 bytes), those are written,
/// 0 is returned and `*psize` is set to the full answer's length plus one,
/// so a newer loader can see that more is available and call again.
/// Otherwise nothing is written and the size needed (length plus one for
/// the NUL) is returned and stored in `*psize`.
#[no_mangle]
pub unsafe extern "C" fn Describe(buffer: *mut c_char, psize: *mut i32) -> i32 {
    guard(ErrorText::none(), |_| {
        let size = required(psize, "psize")?;
        let capacity = (*size).max(0) as usize;
        let full = FULL_ANSWER.as_bytes();
        let text = if full.len() < capacity {
            full
        } else if DYALOG_ANSWER.len() < capacity {
            DYALOG_ANSWER.as_bytes()
        } else {
            *size = (full.len() + 1) as i32;
            return Ok(*size);
        };
        let out = output_bytes(buffer, capacity, "buffer")?;
        out[..text.len()].copy_from_slice(text);
        out[text.len()] = 0;
        *size = if text.len() == full.len() { text.len() } else { full.len() + 1 } as i32;
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_version_is_cargos() {
        let parts: Vec<i32> = env!("CARGO_PKG_VERSION").split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts, [KAFKA_VERSION_MAJOR, KAFKA_VERSION_MINOR, KAFKA_VERSION_PATCH]);
    }
}
