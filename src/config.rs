//! Configuration objects: librdkafka's global and topic configurations.

use std::ffi::{CStr, CString};

use rdkafka_sys as rd;

use crate::error::{errstr_text, Error, Result};

const ERRSTR_SIZE: usize = 512;

/// A librdkafka global configuration (`rd_kafka_conf_t`), owned.
pub struct Config {
    raw: *mut rd::rd_kafka_conf_t,
}

// SAFETY: a conf object is plain data; the owner serialises access (`&mut`).
unsafe impl Send for Config {}
unsafe impl Sync for Config {}

impl Config {
    pub fn new() -> Self {
        // SAFETY: rd_kafka_conf_new never fails.
        Config { raw: unsafe { rd::rd_kafka_conf_new() } }
    }

    /// Sets one property. Fails with librdkafka's own result code:
    /// -2 (`RD_KAFKA_CONF_UNKNOWN`) or -1 (`RD_KAFKA_CONF_INVALID`).
    pub fn set(&mut self, key: &CStr, value: &CStr) -> Result<()> {
        let mut errstr = [0 as libc::c_char; ERRSTR_SIZE];
        // SAFETY: raw is live; key/value are NUL-terminated; errstr is sized.
        let res =
            unsafe { rd::rd_kafka_conf_set(self.raw, key.as_ptr(), value.as_ptr(), errstr.as_mut_ptr(), errstr.len()) };
        set_result(res, &errstr)
    }

    /// Reads one property as librdkafka would report it.
    pub fn get(&self, key: &str) -> Option<String> {
        let key = CString::new(key).ok()?;
        let mut buf = [0 as libc::c_char; 256];
        let mut size = buf.len();
        // SAFETY: raw is live; buf and size describe a writable buffer.
        let res = unsafe { rd::rd_kafka_conf_get(self.raw, key.as_ptr(), buf.as_mut_ptr(), &mut size) };
        (res == rd::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK).then(|| errstr_text(&buf))
    }

    /// Routes logs, errors and statistics of every client made from this
    /// configuration to `queue`, which must outlive them.
    pub(crate) fn route_events(&mut self, queue: &crate::events::EventQueue) {
        queue.install(self.raw);
    }

    /// A copy that librdkafka may take ownership of (`rd_kafka_new`).
    pub(crate) fn duplicate_raw(&self) -> *mut rd::rd_kafka_conf_t {
        // SAFETY: raw is live.
        unsafe { rd::rd_kafka_conf_dup(self.raw) }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: we own raw and nobody else refers to it.
        unsafe { rd::rd_kafka_conf_destroy(self.raw) }
    }
}

/// librdkafka's result of setting a property, with its reason on failure.
fn set_result(res: rd::rd_kafka_conf_res_t, errstr: &[libc::c_char]) -> Result<()> {
    match res {
        rd::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK => Ok(()),
        other => Err(Error::new(other as i32, errstr_text(errstr))),
    }
}

/// A librdkafka topic configuration (`rd_kafka_topic_conf_t`), owned.
pub struct TopicConfig {
    raw: *mut rd::rd_kafka_topic_conf_t,
    /// Serialises edits from several threads.
    edit: parking_lot::Mutex<()>,
}

// SAFETY: as for Config.
unsafe impl Send for TopicConfig {}
unsafe impl Sync for TopicConfig {}

impl TopicConfig {
    pub fn new() -> Self {
        // SAFETY: rd_kafka_topic_conf_new never fails.
        TopicConfig { raw: unsafe { rd::rd_kafka_topic_conf_new() }, edit: parking_lot::Mutex::new(()) }
    }

    /// Sets one topic property; fails as `Config::set` does.
    pub fn set(&self, key: &CStr, value: &CStr) -> Result<()> {
        let _edit = self.edit.lock();
        let mut errstr = [0 as libc::c_char; ERRSTR_SIZE];
        // SAFETY: raw is live and locked; key/value are NUL-terminated.
        let res = unsafe {
            rd::rd_kafka_topic_conf_set(self.raw, key.as_ptr(), value.as_ptr(), errstr.as_mut_ptr(), errstr.len())
        };
        set_result(res, &errstr)
    }
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig::new()
    }
}

impl Drop for TopicConfig {
    fn drop(&mut self) {
        // SAFETY: we own raw.
        unsafe { rd::rd_kafka_topic_conf_destroy(self.raw) }
    }
}

impl crate::registry::Kind for TopicConfig {
    const NAME: &'static str = "topic configuration";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_invalid_properties_return_librdkafkas_codes() {
        let mut conf = Config::new();
        conf.set(c"client.id", c"me").unwrap();
        let unknown = conf.set(c"no.such.property", c"1").unwrap_err();
        assert_eq!(unknown.code, -2);
        assert!(unknown.text.contains("No such configuration property"), "{}", unknown.text);
        let invalid = conf.set(c"acks", c"banana").unwrap_err();
        assert_eq!(invalid.code, -1);
        assert!(!invalid.text.is_empty());
        assert_eq!(conf.get("client.id").as_deref(), Some("me"));
    }
}
