//! Handles: opaque tokens resolved through one table, never pointers we
//! dereference on faith.
//!
//! APL keeps handles as plain numbers, so any integer can come back. A token
//! is issued once and never reused, so a stale token (released, or from an
//! earlier run) fails the lookup instead of reaching a new object. Each entry
//! remembers its kind, so a token of one kind cannot be used as another.
//! Objects are shared (`Arc`): releasing a handle while another thread is
//! inside a call on it only drops the object when that call returns.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use libc::c_void;
use once_cell::sync::Lazy;
use parking_lot::RwLock;

use crate::error::{Error, Result, KAFKA_ERR_BAD_HANDLE};

/// A kind of object that can stand behind a handle.
pub trait Kind: Any + Send + Sync {
    /// What the object is called in error texts ("Kafka client", ...).
    const NAME: &'static str;
}

struct Entry {
    kind: &'static str,
    type_id: TypeId,
    object: Arc<dyn Any + Send + Sync>,
}

/// Tokens are unique integers already, so the table needs no hashing.
#[derive(Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

type Table = HashMap<usize, Entry, BuildHasherDefault<TokenHasher>>;

static TABLE: Lazy<RwLock<Table>> = Lazy::new(|| RwLock::new(Table::default()));

/// Tokens start well above small integers and step by 16, so that 0, 1, -1
/// and other numbers an APL caller might pass by mistake are never valid.
const FIRST_TOKEN: usize = 0x10_0000;
const TOKEN_STEP: usize = 16;
static NEXT_TOKEN: AtomicUsize = AtomicUsize::new(FIRST_TOKEN);

/// Stores `object` and returns its new handle.
pub fn register<T: Kind>(object: T) -> *mut c_void {
    let token = NEXT_TOKEN.fetch_add(TOKEN_STEP, Ordering::Relaxed);
    let entry = Entry { kind: T::NAME, type_id: TypeId::of::<T>(), object: Arc::new(object) };
    TABLE.write().insert(token, entry);
    token as *mut c_void
}

/// Resolves `handle` to its object if it is live and of kind `T`.
pub fn get<T: Kind>(handle: *mut c_void) -> Result<Arc<T>> {
    let token = handle as usize;
    let table = TABLE.read();
    let entry = lookup::<T>(&table, token)?;
    Ok(downcast(entry.object.clone()))
}

/// Runs `f` on the object behind `handle` while the table is read-locked:
/// no reference is taken, which saves two atomic operations per call. Only
/// for work that never blocks, since releasing any handle waits for it.
pub fn with<T: Kind, R>(handle: *mut c_void, f: impl FnOnce(&T) -> R) -> Result<R> {
    let table = TABLE.read();
    let entry = lookup::<T>(&table, handle as usize)?;
    let object = entry.object.downcast_ref::<T>().unwrap_or_else(|| panic!("registry entry is not a {}", T::NAME));
    Ok(f(object))
}

/// Resolves `handle` as `get` does, and releases it if `accept` agrees:
/// afterwards the handle is invalid and the caller holds the last reference
/// the table had.
pub fn release_if<T: Kind>(handle: *mut c_void, accept: impl FnOnce(&T) -> Result<()>) -> Result<Arc<T>> {
    let token = handle as usize;
    let mut table = TABLE.write();
    let entry = lookup::<T>(&table, token)?;
    let object = downcast::<T>(entry.object.clone());
    accept(&object)?;
    table.remove(&token);
    Ok(object)
}

/// Releases `handle` if it is live and of kind `T`.
pub fn release<T: Kind>(handle: *mut c_void) -> Result<Arc<T>> {
    release_if(handle, |_| Ok(()))
}

/// How many handles are live (for tests and leak checks).
pub fn live_count() -> usize {
    TABLE.read().len()
}

fn lookup<T: Kind>(table: &Table, token: usize) -> Result<&Entry> {
    if token == 0 {
        return Err(Error::new(KAFKA_ERR_BAD_HANDLE, format!("NULL handle where a {} was expected", T::NAME)));
    }
    let entry = table.get(&token).ok_or_else(|| {
        Error::new(
            KAFKA_ERR_BAD_HANDLE,
            format!("handle {token:#x} is not live (never issued or already released); a {} was expected", T::NAME),
        )
    })?;
    if entry.type_id != TypeId::of::<T>() {
        return Err(Error::new(
            KAFKA_ERR_BAD_HANDLE,
            format!("handle {token:#x} is a {}, not a {}", entry.kind, T::NAME),
        ));
    }
    Ok(entry)
}

fn downcast<T: Kind>(object: Arc<dyn Any + Send + Sync>) -> Arc<T> {
    // The entry's type was checked against T.
    object.downcast::<T>().unwrap_or_else(|_| panic!("registry entry is not a {}", T::NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Apple(u32);
    impl Kind for Apple {
        const NAME: &'static str = "apple";
    }
    #[derive(Debug)]
    struct Pear;
    impl Kind for Pear {
        const NAME: &'static str = "pear";
    }

    #[test]
    fn issued_handles_resolve_to_their_object() {
        let h = register(Apple(7));
        assert_eq!(get::<Apple>(h).unwrap().0, 7);
        release::<Apple>(h).unwrap();
    }

    #[test]
    fn null_unknown_released_and_wrong_kind_handles_are_refused() {
        let h = register(Apple(1));
        assert_eq!(get::<Pear>(h).unwrap_err().code, KAFKA_ERR_BAD_HANDLE);
        assert!(get::<Pear>(h).unwrap_err().text.contains("is a apple, not a pear"));
        assert_eq!(get::<Apple>(std::ptr::null_mut()).unwrap_err().code, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(get::<Apple>(12345 as *mut c_void).unwrap_err().code, KAFKA_ERR_BAD_HANDLE);
        release::<Apple>(h).unwrap();
        assert_eq!(get::<Apple>(h).unwrap_err().code, KAFKA_ERR_BAD_HANDLE);
        assert_eq!(release::<Apple>(h).unwrap_err().code, KAFKA_ERR_BAD_HANDLE);
    }

    #[test]
    fn tokens_are_never_reused() {
        let a = register(Pear);
        release::<Pear>(a).unwrap();
        let b = register(Pear);
        assert_ne!(a, b);
        release::<Pear>(b).unwrap();
    }

    #[test]
    fn release_if_keeps_the_handle_when_refused() {
        let h = register(Apple(3));
        let refused = release_if::<Apple>(h, |a| if a.0 == 3 { Err(Error::state("busy")) } else { Ok(()) });
        assert_eq!(refused.unwrap_err().text, "busy");
        assert!(get::<Apple>(h).is_ok());
        release::<Apple>(h).unwrap();
    }
}
