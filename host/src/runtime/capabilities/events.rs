//! `events`: topics under the plugin's own id, held until the call
//! returns; budgets per call and per minute.

use super::*;
use crate::runtime::bindings::linli::plugin::events;

impl events::Host for CallState {
    fn publish(&mut self, topic: String, payload: String) -> HostResult<u64> {
        guard!(self, Events);
        let own = format!("{}.", self.plugin_id);
        if !topic.starts_with(&own) || topic.len() == own.len() {
            return Ok(Err(Error::Invalid(format!("topic `{topic}` must start with `{own}`"))));
        }
        if let Err(e) = self.check_size("payload", payload.len()) {
            return Ok(Err(e));
        }
        // Checked without building the value.
        if serde_json::from_str::<serde::de::IgnoredAny>(&payload).is_err() {
            return Ok(Err(Error::Invalid("payload is not valid JSON".into())));
        }
        if self.events.len() >= MAX_EVENTS_PER_CALL {
            return Ok(Err(Error::Limit(format!("plugin `{}`: more than {MAX_EVENTS_PER_CALL} events in one call", self.plugin_id))));
        }
        let bytes = topic.len() + payload.len();
        if self.event_bytes + bytes > self.limits.event_bytes_per_call {
            return Ok(Err(Error::Limit(format!(
                "plugin `{}`: events of one call may take {} bytes in all (limit event_bytes_per_call); this one would make {}",
                self.plugin_id,
                self.limits.event_bytes_per_call,
                self.event_bytes + bytes
            ))));
        }
        let now = self.services.clock.now_ms();
        if !self.budgets.event_bytes.spend(now, bytes as u64, self.limits.event_bytes_per_minute as u64) {
            return Ok(Err(Error::Limit(format!(
                "plugin `{}`: published more than {} bytes of events this minute (limit event_bytes_per_minute); try again next minute",
                self.plugin_id, self.limits.event_bytes_per_minute
            ))));
        }
        self.event_bytes += bytes;
        // Stored and sent when the call returns, with its SQL changes.
        self.events.push(NewEvent { topic, payload, time: now });
        Ok(Ok(self.events.len() as u64))
    }
}
