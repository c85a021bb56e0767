//! `log`: lines in the host's log, capped per call and per minute, with
//! control characters escaped.

use super::*;
use crate::runtime::bindings::linli::plugin::log;

impl log::Host for CallState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.enter_or_trap(Capability::Log)?;
        // The host's log is shared by every plugin and the host itself: a
        // plugin's lines are capped per call and per minute, and control
        // characters (a forged line, terminal escapes) are shown escaped.
        let plugin = &*self.plugin_id;
        let within_call = self.log_bytes < self.limits.log_bytes_per_call;
        self.log_bytes += message.len().min(4096);
        if !within_call {
            return Ok(());
        }
        let mut shown = String::with_capacity(message.len().min(4096));
        for c in message.chars().take(4096) {
            if c.is_control() {
                shown.extend(c.escape_default());
            } else {
                shown.push(c);
            }
        }
        let message = shown;
        if self.log_bytes >= self.limits.log_bytes_per_call {
            tracing::warn!(plugin, "plugin wrote more than {} bytes of log in one call (limit log_bytes_per_call); its further lines in this call are dropped", self.limits.log_bytes_per_call);
        }
        let now = self.services.clock.now_ms();
        if let Err(first) = self.budgets.log_lines.try_spend(now, 1, u64::from(self.limits.log_lines_per_minute)) {
            if first {
                tracing::warn!(plugin, "plugin wrote more than {} log lines this minute (limit log_lines_per_minute); its further lines this minute are dropped", self.limits.log_lines_per_minute);
            }
            return Ok(());
        }
        match level {
            log::Level::Trace => tracing::trace!(plugin, "{message}"),
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
        Ok(())
    }
}
