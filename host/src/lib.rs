//! The Linli host: runs sandboxed WebAssembly plugins and serves the
//! community service hall's HTTP API, pages and live event stream.
//!
//! Overview:
//! - [`runtime`]: wasmtime component model, limits, capabilities.
//! - [`storage`]: the [`storage::Storage`] trait and its SQLite backend.
//! - [`bus`]: the durable, ordered event bus.
//! - [`registry`]: the running plugins and their route table (hot swap).
//! - [`host`]: everything tied together; [`http::app`] serves it.

pub mod audit;
pub mod auth;
pub mod bus;
pub mod content;
/// A district on PostgreSQL: the hall's plugins shared by its hosts.
pub mod district;
pub mod files;
/// The hall's name, public address and phone (大厅信息).
pub mod hall;
pub mod host;
pub mod http;
pub mod manifest;
pub mod notify;
pub mod rate;
pub mod registry;
pub mod residents;
pub mod runtime;
pub mod serve;
pub mod settings;
pub mod storage;
pub mod template;
pub mod tls;
pub mod testing;
pub mod watch;

pub use host::{Host, HostConfig};
