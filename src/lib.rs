//! A C-ABI Kafka client over librdkafka, a drop-in replacement for Dyalog's
//! APL Kafka library (`kafka.so`), callable from APL's `⎕NA`, C, and any
//! language with an FFI.
//!
//! `ffi` is the exported ABI: thin functions that check arguments and
//! resolve handles through `registry`, then call the safe modules, which
//! hold the Kafka logic.

pub mod admin;
pub mod batch;
pub mod client;
pub mod commit;
pub mod config;
pub mod connection;
pub mod consumer;
pub mod consumer_control;
pub mod error;
pub mod events;
pub mod ffi;
pub mod groups;
pub mod json;
pub mod messages;
pub mod metadata;
pub mod mock_cluster;
pub mod mock_faults;
pub mod partition_list;
pub mod producer;
pub mod rebalance;
pub mod registry;
pub mod transactions;
