//! The handle `InitKafka` issues: a configuration that becomes a producer on
//! its first `Produce` or a consumer on `SubscribeConsumerTPList`.

use std::ffi::{CStr, CString};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::config::Config;
use crate::consumer::Consumer;
use crate::error::{Error, Result, KAFKA_ERR_BAD_HANDLE};
use crate::producer::Producer;
use crate::registry::Kind;

pub enum Role {
    Configuring(Config),
    Producer(Arc<Producer>),
    Consumer(Arc<Consumer>),
}

pub struct Client {
    role: RwLock<Role>,
}

impl Kind for Client {
    const NAME: &'static str = "Kafka client";
}

impl Client {
    pub fn new() -> Self {
        Client { role: RwLock::new(Role::Configuring(Config::new())) }
    }

    /// Sets a configuration property; only before the client is a producer
    /// or consumer, since librdkafka fixes its configuration at creation.
    pub fn set_config(&self, key: &CStr, value: &CStr) -> Result<()> {
        match &mut *self.role.write() {
            Role::Configuring(config) => config.set(key, value),
            Role::Producer(_) => Err(Error::state("the handle is already a producer; its configuration is fixed")),
            Role::Consumer(_) => Err(Error::state("the handle is already a consumer; its configuration is fixed")),
        }
    }

    /// The producer, created from the configuration on first use.
    pub fn producer(&self) -> Result<Arc<Producer>> {
        if let Role::Producer(p) = &*self.role.read() {
            return Ok(p.clone());
        }
        let mut role = self.role.write();
        match &*role {
            Role::Producer(p) => Ok(p.clone()),
            Role::Consumer(_) => Err(wrong_role("a consumer", "a producer")),
            Role::Configuring(config) => {
                let producer = Arc::new(Producer::new(config)?);
                *role = Role::Producer(producer.clone());
                Ok(producer)
            }
        }
    }

    /// The producer if the client has produced; `None` if it is still
    /// being configured.
    pub fn existing_producer(&self) -> Result<Option<Arc<Producer>>> {
        match &*self.role.read() {
            Role::Producer(p) => Ok(Some(p.clone())),
            Role::Configuring(_) => Ok(None),
            Role::Consumer(_) => Err(wrong_role("a consumer", "a producer")),
        }
    }

    /// The consumer, once the client has subscribed.
    pub fn consumer(&self) -> Result<Arc<Consumer>> {
        match &*self.role.read() {
            Role::Consumer(c) => Ok(c.clone()),
            Role::Producer(_) => Err(wrong_role("a producer", "a consumer")),
            Role::Configuring(_) => Err(Error::state("the handle is not a consumer yet: call SubscribeConsumerTPList first")),
        }
    }

    /// Becomes a group consumer subscribed to `topics`, or replaces the
    /// subscription of an existing consumer. On failure the client stays
    /// configurable.
    pub fn subscribe(&self, topics: &[CString]) -> Result<()> {
        if topics.is_empty() {
            return Err(Error::invalid_argument("the topic list is empty: nothing to subscribe to"));
        }
        let existing = match &*self.role.read() {
            Role::Consumer(c) => Some(c.clone()),
            Role::Producer(_) => return Err(wrong_role("a producer", "a consumer")),
            Role::Configuring(_) => None,
        };
        if let Some(consumer) = existing {
            return consumer.subscribe(topics);
        }
        let mut role = self.role.write();
        match &*role {
            Role::Configuring(config) => {
                let consumer = Arc::new(Consumer::new(config, topics)?);
                *role = Role::Consumer(consumer);
                Ok(())
            }
            Role::Consumer(c) => c.subscribe(topics),
            Role::Producer(_) => Err(wrong_role("a producer", "a consumer")),
        }
    }

    pub fn is_producer(&self) -> bool {
        matches!(&*self.role.read(), Role::Producer(_))
    }

    pub fn is_consumer(&self) -> bool {
        matches!(&*self.role.read(), Role::Consumer(_))
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

fn wrong_role(is: &str, wanted: &str) -> Error {
    Error::new(KAFKA_ERR_BAD_HANDLE, format!("the handle is {is}, but this call needs {wanted}"))
}
