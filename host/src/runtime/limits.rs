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
    /// The plugin's own SQL database may grow to this many MiB; a write
    /// past it fails with a clear error (SQLite's `max_page_count`).
    pub storage_mib: u64,
    /// Keys and values of the plugin's key-value namespace together, in MiB.
    pub kv_mib: u64,
    /// Bytes of events (topic and payload) one call may publish.
    pub event_bytes_per_call: usize,
    /// Bytes of events the plugin may publish per minute, all calls together.
    pub event_bytes_per_minute: usize,
    /// Bytes of log messages one call may write; further lines are dropped
    /// (with one line saying so).
    pub log_bytes_per_call: usize,
    /// Log lines the plugin may write per minute, all calls together.
    pub log_lines_per_minute: u32,
    /// Time one outbound request (capability `http`) may take, in
    /// milliseconds; never more than what is left of the call's `time_ms`.
    pub http_timeout_ms: u64,
    /// Largest answer to an outbound request, in bytes.
    pub http_response_bytes: usize,
    /// Messages (capability `notify`) one call may send.
    pub notify_per_call: u32,
    /// Messages the plugin may send per minute, all calls together.
    pub notify_per_minute: u32,
    /// Messages the plugin may send one recipient per hour.
    pub notify_per_recipient_per_hour: u32,
    /// Bytes of uploaded files (capability `files`) the plugin may hold, in MiB.
    pub files_mib: u64,
    /// Uploaded files the plugin may hold.
    pub files_count: u64,
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
            storage_mib: 512,
            kv_mib: 16,
            event_bytes_per_call: 256 * 1024,
            event_bytes_per_minute: 32 * 1024 * 1024,
            log_bytes_per_call: 64 * 1024,
            log_lines_per_minute: 600,
            http_timeout_ms: 5_000,
            http_response_bytes: 1024 * 1024,
            notify_per_call: 20,
            notify_per_minute: 60,
            notify_per_recipient_per_hour: 5,
            files_mib: 1024,
            files_count: 10_000,
        }
    }
}

/// The most any plugin may be configured to use; the pooling allocator
/// reserves slots of this size.
pub const MAX_MEMORY_MIB: u64 = 256;

/// A call stopped because it reached one of its limits (not because the
/// plugin broke): the answer may say which limit, unlike a trap's reason.
#[derive(Debug)]
pub struct LimitReached {
    /// The limit's name in `linli.toml` (`host_calls`, `storage_mib`…).
    pub limit: &'static str,
    pub message: String,
}

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LimitReached {}

/// Use of something a plugin may spend per minute (event bytes, log lines),
/// shared by all its calls: a fixed one-minute window, reset when a new
/// minute starts.
#[derive(Default)]
pub struct MinuteBudget {
    /// (minute, spent in it, refused in it already)
    window: parking_lot::Mutex<(u64, u64, bool)>,
}

impl MinuteBudget {
    /// Spend `amount` at `now_ms` if the minute's total stays within `limit`.
    pub fn spend(&self, now_ms: i64, amount: u64, limit: u64) -> bool {
        self.try_spend(now_ms, amount, limit).is_ok()
    }

    /// [`spend`](Self::spend), telling a refusal apart: `Err(true)` for the
    /// first refusal of the minute (say so once), `Err(false)` after it.
    pub fn try_spend(&self, now_ms: i64, amount: u64, limit: u64) -> Result<(), bool> {
        let minute = (now_ms.max(0) as u64) / 60_000;
        let mut w = self.window.lock();
        if w.0 != minute {
            *w = (minute, 0, false);
        }
        if w.1.saturating_add(amount) > limit {
            let first = !w.2;
            w.2 = true;
            return Err(first);
        }
        w.1 += amount;
        Ok(())
    }
}

/// What a plugin has spent of its per-minute budgets.
#[derive(Default)]
pub struct Budgets {
    pub event_bytes: MinuteBudget,
    pub log_lines: MinuteBudget,
    /// Messages sent (capability `notify`).
    pub notify: MinuteBudget,
}

#[cfg(test)]
mod tests {
    use super::MinuteBudget;

    #[test]
    fn a_minute_budget_refuses_past_its_limit_and_renews_next_minute() {
        let b = MinuteBudget::default();
        assert!(b.spend(60_000, 70, 100));
        assert!(!b.spend(60_500, 31, 100), "70 + 31 is over 100");
        assert!(b.spend(61_000, 30, 100), "70 + 30 fits");
        assert!(!b.spend(119_999, 1, 100), "still the same minute");
        assert!(b.spend(120_000, 100, 100), "a new minute starts from nothing");
    }
}
