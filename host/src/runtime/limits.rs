//! Per-call sandbox limits, configurable per plugin with safe defaults.

use serde::{Deserialize, Serialize};

/// Limits applied to every call into a plugin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Wall-clock time one call may run, in milliseconds (epoch interruption).
    pub time_ms: u64,
    /// Linear memory, in MiB.
    pub memory_mib: u64,
    /// Table elements.
    pub table_elements: usize,
    /// Instances, memories and tables a component may create.
    pub instances: usize,
    /// Largest response body, in bytes.
    pub response_bytes: usize,
    /// Host calls (storage, events, log…) one call may make.
    pub host_calls: u32,
    /// Largest value or statement a plugin may hand the host, in bytes.
    pub value_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time_ms: 1_000,
            memory_mib: 64,
            table_elements: 20_000,
            instances: 32,
            response_bytes: 4 * 1024 * 1024,
            host_calls: 10_000,
            value_bytes: 1024 * 1024,
        }
    }
}

/// The most any plugin may be configured to use; the pooling allocator
/// reserves slots of this size.
pub const MAX_MEMORY_MIB: u64 = 256;
