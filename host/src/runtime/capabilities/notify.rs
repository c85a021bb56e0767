//! `notify`: messages to residents and staff, held with the call and written
//! to the host's outbox (`crate::notify`) only when the call's changes are
//! kept. Limits per call, per minute and per recipient per hour, each
//! refusal naming the plugin and the limit.

use super::*;
use crate::notify::{CHANNELS, NewMessage, render};
use crate::runtime::bindings::linli::plugin::notify;

impl notify::Host for CallState {
    fn send(&mut self, msg: notify::Message) -> HostResult<u64> {
        guard!(self, Notify);
        Ok(self.queue_message(msg))
    }

    fn inbox(&mut self, key: String, limit: u32) -> HostResult<Vec<notify::InboxMessage>> {
        guard!(self, Notify);
        let limit = limit.min(100) as usize;
        Ok(self.services.outbox.inbox(&self.plugin_id, &key, limit).map_err(|e| storage_err(crate::storage::StorageError::Backend(e))).map(|rows| {
            rows.into_iter()
                .map(|r| notify::InboxMessage {
                    id: r.id as u64,
                    template: r.message.template,
                    text_zh: r.message.text_zh,
                    text_en: r.message.text_en,
                    time: r.message.time,
                })
                .collect()
        }))
    }
}

impl CallState {
    fn queue_message(&mut self, msg: notify::Message) -> Result<u64, Error> {
        let plugin = self.plugin_id.to_string();
        let (kind, recipient) = match msg.recipient {
            notify::Recipient::Phone(p) => match linli_shared::normalise::phone(&p) {
                Ok(p) => ("phone", p),
                // The number itself stays out of the error (it is personal).
                Err(e) => return Err(Error::Invalid(format!("plugin `{plugin}`: recipient is not a phone number ({e})"))),
            },
            notify::Recipient::Staff(id) => ("staff", id),
            notify::Recipient::Inbox(key) => ("inbox", key),
        };
        if recipient.trim().is_empty() || recipient.len() > 200 {
            return Err(Error::Invalid(format!("plugin `{plugin}`: recipient must be 1 to 200 bytes")));
        }
        if msg.template.trim().is_empty() || msg.template.len() > 100 {
            return Err(Error::Invalid(format!("plugin `{plugin}`: template id must be 1 to 100 bytes")));
        }
        let size = msg.text_zh.len() + msg.text_en.len() + msg.params.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        self.check_size("message", size)?;
        let channel = match (msg.channel, kind) {
            (Some(c), _) => c,
            (None, "inbox") => "inbox".to_owned(),
            (None, _) => self.services.outbox.settings.read().channel.clone(),
        };
        if !CHANNELS.contains(&channel.as_str()) {
            return Err(Error::Invalid(format!("plugin `{plugin}`: channel `{channel}` is not one of {}", CHANNELS.join(", "))));
        }
        let text_zh = render(&msg.text_zh, &msg.params).map_err(|e| Error::Invalid(format!("plugin `{plugin}`: text-zh: {e}")))?;
        let text_en = render(&msg.text_en, &msg.params).map_err(|e| Error::Invalid(format!("plugin `{plugin}`: text-en: {e}")))?;
        if text_zh.trim().is_empty() {
            return Err(Error::Invalid(format!("plugin `{plugin}`: text-zh is empty")));
        }
        // Budgets: the call's, the minute's, then the recipient's hour.
        if self.messages.len() >= self.limits.notify_per_call as usize {
            return Err(Error::Limit(format!(
                "plugin `{plugin}`: more than {} messages in one call (limit notify_per_call)",
                self.limits.notify_per_call
            )));
        }
        let now = self.services.clock.now_ms();
        if !self.budgets.notify.spend(now, 1, u64::from(self.limits.notify_per_minute)) {
            return Err(Error::Limit(format!(
                "plugin `{plugin}`: sent more than {} messages this minute (limit notify_per_minute); try again next minute",
                self.limits.notify_per_minute
            )));
        }
        if !self.services.outbox.take_recipient_slot(&plugin, &recipient, now, self.limits.notify_per_recipient_per_hour) {
            return Err(Error::Limit(format!(
                "plugin `{plugin}`: recipient {} already got {} messages from it this hour (limit notify_per_recipient_per_hour)",
                crate::notify::shown(kind, &recipient),
                self.limits.notify_per_recipient_per_hour
            )));
        }
        self.messages.push(NewMessage {
            plugin,
            recipient_kind: kind.to_owned(),
            recipient,
            channel,
            template: msg.template,
            text_zh,
            text_en,
            params: msg.params,
            time: now,
        });
        Ok(self.messages.len() as u64)
    }
}
