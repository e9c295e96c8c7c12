//! `Rebalance`: the group rebalance a consumer with `application.rebalance`
//! has been told of and not yet settled.

use libc::{c_char, c_int, c_void};

use super::arrays::PartitionsOut;
use super::{guard, set_optional, ErrorText};
use crate::client::Client;
use crate::partition_list::Entry;
use crate::rebalance::Change;
use crate::registry;

/// Kinds of rebalance `Rebalance` gives: none waiting, partitions coming,
/// partitions going (what was consumed from them can still be committed),
/// partitions already lost (commits of them fail).
pub const KAFKA_REBALANCE_NONE: i32 = 0;
pub const KAFKA_REBALANCE_ASSIGN: i32 = 1;
pub const KAFKA_REBALANCE_REVOKE: i32 = 2;
pub const KAFKA_REBALANCE_LOST: i32 = 3;
// The header's numbers are the kinds' own (literals, so cbindgen writes them).
const _: () = assert!(
    KAFKA_REBALANCE_ASSIGN == Change::Assign as i32
        && KAFKA_REBALANCE_REVOKE == Change::Revoke as i32
        && KAFKA_REBALANCE_LOST == Change::Lost as i32
);

/// The rebalance waiting for the application: `*kind` (one of the
/// `KAFKA_REBALANCE_*`) and the partitions it assigns or takes away, as
/// partition vectors (offsets -1001, errors 0; `KAFKA_ERR_TOO_SMALL` sets
/// the sizes needed). Kind 0 and count 0 when none waits.
///
/// A consumer whose handle had the property `application.rebalance` set to
/// "true" before it subscribed takes part in its group's rebalances: the
/// consume call that meets one returns `KAFKA_CONSUME_REBALANCE` (3) and
/// the rebalance waits, so that the application can commit what it has
/// done before its partitions go (a commit now still covers them), or
/// prepare for new ones. The next consume call settles it as the group
/// decided; with the eager protocol an `Assign` of the application's own
/// (say, with offsets it keeps elsewhere) settles it instead. Waiting
/// longer than `max.poll.interval.ms` costs the consumer its place in
/// the group.
#[no_mangle]
pub unsafe extern "C" fn Rebalance(
    cons: *mut c_void,
    kind: *mut i32,
    topics: *mut c_char,
    topicslen: *mut u32,
    partitions: *mut i32,
    offsets: *mut i64,
    errors: *mut i32,
    count: *mut i32,
    errtxt: *mut c_char,
    plen: *mut c_int,
) -> c_int {
    guard(ErrorText::new(errtxt, plen), |_| {
        let out = PartitionsOut::checked(topics, topicslen, partitions, offsets, errors, count)?;
        let client = registry::get::<Client>(cons)?;
        let (change, entries): (i32, Vec<Entry>) = match client.existing_consumer()? {
            Some(consumer) => consumer
                .rebalance
                .with_pending(|p| p.map_or((KAFKA_REBALANCE_NONE, Vec::new()), |p| (p.change as i32, p.entries()))),
            None => (KAFKA_REBALANCE_NONE, Vec::new()),
        };
        let status = out.write(&entries)?;
        set_optional(kind, change);
        Ok(status)
    })
}
