//! The handle `InitKafka` issues: a configuration that becomes a producer on
//! its first `Produce` or a consumer on `SubscribeConsumerTPList`.

use std::ffi::{CStr, CString};
use std::sync::Arc;
// once_cell's OnceCell rather than std's OnceLock: the same acquire load to
// read, and compiled with this crate, so a ThreadSanitizer build (where std
// is not instrumented) sees the handover.
use once_cell::sync::OnceCell;

use parking_lot::Mutex;

use crate::config::Config;
use crate::connection::{Connection, Helper};
use crate::consumer::Consumer;
use crate::error::{Error, Result, KAFKA_ERR_BAD_HANDLE};
use crate::events::EventQueue;
use crate::producer::Producer;
use crate::registry::Kind;

/// This library's own property: also print logs and errors on stderr.
pub const STDERR_KEY: &CStr = c"events.stderr";

pub enum Role {
    Producer(Producer),
    Consumer(Consumer),
}

pub struct Client {
    /// Edited until the role is set; also serialises creating the role.
    config: Mutex<Config>,
    /// Set once and never changed, so every call after the first reads it
    /// with one atomic load: no lock, no reference count.
    role: OnceCell<Role>,
    /// Serves admin and inspection calls made before the role is set.
    helper: OnceCell<Helper>,
    /// Whether the application takes part in rebalances (`application.rebalance`).
    application_rebalance: std::sync::atomic::AtomicBool,
    /// Logs, errors and statistics of the client's librdkafka instances.
    /// Declared last, so it is dropped after them; shared, so its address
    /// (their callbacks' opaque) stays put when the client moves, and so a
    /// consumer destroyed on a thread of its own keeps it alive.
    events: Arc<EventQueue>,
}

impl Kind for Client {
    const NAME: &'static str = "Kafka client";
}

impl Client {
    pub fn new() -> Self {
        let events = Arc::<EventQueue>::default();
        let mut config = Config::new();
        config.route_events(&events);
        Client {
            config: Mutex::new(config),
            role: OnceCell::new(),
            helper: OnceCell::new(),
            application_rebalance: Default::default(),
            events,
        }
    }

    pub fn events(&self) -> &EventQueue {
        &self.events
    }

    /// Lets librdkafka run the error and statistics callbacks that wait in
    /// the queue of an instance nobody else polls (a consumer's are run by
    /// `Consume`, which must not be bypassed).
    pub fn serve_events(&self) {
        match self.role.get() {
            Some(Role::Producer(p)) => p.serve_events(),
            Some(Role::Consumer(_)) => {}
            None => {
                if let Some(helper) = self.helper.get() {
                    helper.connection();
                }
            }
        }
    }

    /// Sets a configuration property; only before the client is a producer
    /// or consumer, since librdkafka fixes its configuration at creation.
    pub fn set_config(&self, key: &CStr, value: &CStr) -> Result<()> {
        if key == STDERR_KEY {
            self.events.set_stderr(boolean(key, value)?);
            return Ok(());
        }
        let mut config = self.config.lock();
        if key == crate::rebalance::APPLICATION_KEY && self.role.get().is_none() {
            let on = boolean(key, value)?;
            self.application_rebalance.store(on, std::sync::atomic::Ordering::Relaxed);
            return Ok(());
        }
        match self.role.get() {
            None => config.set(key, value),
            Some(Role::Producer(_)) => {
                Err(Error::state("the handle is already a producer; its configuration is fixed"))
            }
            Some(Role::Consumer(_)) => {
                Err(Error::state("the handle is already a consumer; its configuration is fixed"))
            }
        }
    }

    fn new_consumer(&self, config: &Config) -> Result<Consumer> {
        let application_rebalance = self.application_rebalance.load(std::sync::atomic::Ordering::Relaxed);
        Consumer::new(config, application_rebalance, Arc::clone(&self.events))
    }

    /// The producer, created from the configuration on first use.
    pub fn producer(&self) -> Result<&Producer> {
        if let Some(role) = self.role.get() {
            return as_producer(role);
        }
        let config = self.config.lock();
        if self.role.get().is_none() {
            let producer = Producer::new(&config)?;
            let _ = self.role.set(Role::Producer(producer));
        }
        as_producer(self.role.get().expect("role set under the config lock"))
    }

    /// The producer if the client has produced; `None` if it is still
    /// being configured.
    pub fn existing_producer(&self) -> Result<Option<&Producer>> {
        self.role.get().map(as_producer).transpose()
    }

    /// The consumer if the client is one; `None` if it is still being
    /// configured.
    pub fn existing_consumer(&self) -> Result<Option<&Consumer>> {
        self.role.get().map(as_consumer).transpose()
    }

    /// The consumer, once the client has subscribed.
    pub fn consumer(&self) -> Result<&Consumer> {
        match self.role.get() {
            Some(role) => as_consumer(role),
            None => Err(Error::state("the handle is not a consumer yet: call SubscribeConsumerTPList or Assign first")),
        }
    }

    /// Becomes a group consumer subscribed to `topics`, or replaces the
    /// subscription of an existing consumer. On failure the client stays
    /// configurable.
    pub fn subscribe(&self, topics: &[CString]) -> Result<()> {
        if topics.is_empty() {
            return Err(Error::invalid_argument("the topic list is empty: nothing to subscribe to"));
        }
        if let Some(role) = self.role.get() {
            return as_consumer(role)?.subscribe(topics);
        }
        let config = self.config.lock();
        match self.role.get() {
            Some(role) => as_consumer(role)?.subscribe(topics),
            None => {
                let consumer = self.new_consumer(&config)?;
                consumer.subscribe(topics)?;
                let _ = self.role.set(Role::Consumer(consumer));
                Ok(())
            }
        }
    }

    /// The consumer, created from the configuration if the client is still
    /// being configured (for `Assign`: no subscription, no group needed).
    pub fn consumer_or_new(&self) -> Result<&Consumer> {
        if let Some(role) = self.role.get() {
            return as_consumer(role);
        }
        let config = self.config.lock();
        if self.role.get().is_none() {
            let consumer = self.new_consumer(&config)?;
            let _ = self.role.set(Role::Consumer(consumer));
        }
        as_consumer(self.role.get().expect("role set under the config lock"))
    }

    /// The librdkafka instance for admin and inspection calls: the
    /// producer's or consumer's, or, on a client still being configured, a
    /// helper made from its configuration, so that asking (say) for
    /// watermarks before subscribing does not fix what the client becomes.
    pub fn connection(&self) -> Result<Connection<'_>> {
        if let Some(role) = self.role.get() {
            return Ok(Connection::of_role(role));
        }
        if let Some(helper) = self.helper.get() {
            return Ok(helper.connection());
        }
        let config = self.config.lock();
        if let Some(role) = self.role.get() {
            return Ok(Connection::of_role(role));
        }
        if self.helper.get().is_none() {
            let _ = self.helper.set(Helper::new(&config)?);
        }
        Ok(self.helper.get().expect("helper set under the config lock").connection())
    }

    /// The producer's or consumer's librdkafka instance, if it exists.
    pub(crate) fn existing_connection(&self) -> Option<Connection<'_>> {
        self.role.get().map(Connection::of_role)
    }

    pub fn is_producer(&self) -> bool {
        matches!(self.role.get(), Some(Role::Producer(_)))
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

/// One of this library's own true/false properties.
fn boolean(key: &CStr, value: &CStr) -> Result<bool> {
    match value.to_bytes() {
        b"true" => Ok(true),
        b"false" => Ok(false),
        _ => Err(Error::new(
            rdkafka_sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_INVALID as i32,
            format!("{} is true or false", key.to_string_lossy()),
        )),
    }
}

fn as_producer(role: &Role) -> Result<&Producer> {
    match role {
        Role::Producer(p) => Ok(p),
        Role::Consumer(_) => Err(wrong_role("a consumer", "a producer")),
    }
}

fn as_consumer(role: &Role) -> Result<&Consumer> {
    match role {
        Role::Consumer(c) => Ok(c),
        Role::Producer(_) => Err(wrong_role("a producer", "a consumer")),
    }
}

fn wrong_role(is: &str, wanted: &str) -> Error {
    Error::new(KAFKA_ERR_BAD_HANDLE, format!("the handle is {is}, but this call needs {wanted}"))
}
