//! The sandbox: wasmtime's component model running plugin components.
//!
//! One [`Engine`] (pooling allocator, epoch interruption) serves every
//! plugin. A plugin is compiled once (and cached on disk), pre-linked into an
//! [`InstancePre`](wasmtime::component::InstancePre), and every call gets a
//! fresh instance in a fresh store: state lives in storage, so a trap in one
//! request cannot corrupt the next.

pub mod bindings;
pub mod capabilities;
pub mod engine;
pub mod lane;
pub mod limits;
pub mod plugin;

pub use engine::SandboxEngine;
pub use limits::Limits;
pub use plugin::{CallError, LoadError, LoadedPlugin};
