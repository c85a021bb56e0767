//! `audit`: a plugin's own reads of personal data in the host's audit log
//! (`crate::audit`, the chain `/admin/host/audit` shows). The entry is the
//! request's caller's (staff member or device), its action prefixed with
//! the plugin's id so that no plugin can pass for the host or for another
//! plugin. Entries are held with the call, like notify's messages, and
//! written only when its changes are kept: a call that fails or traps
//! records nothing it did not do.

use super::*;
use crate::runtime::bindings::linli::plugin::audit;

/// Entries one call may record.
pub const MAX_PER_CALL: usize = 20;
/// Characters of an action (before the plugin prefix).
pub const MAX_ACTION: usize = 64;
/// Characters of a subject.
pub const MAX_SUBJECT: usize = 128;
/// Characters of a detail.
pub const MAX_DETAIL: usize = 1_000;

/// One entry held until the call's changes are kept.
pub struct Held {
    pub actor: crate::auth::Caller,
    pub time: i64,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Entries kept where there is no audit database, for the harness to show.
#[derive(Default)]
pub struct Captured(pub parking_lot::Mutex<Vec<crate::audit::Entry>>);

/// The most [`Captured`] keeps (the oldest go first).
const MAX_CAPTURED: usize = 10_000;

/// Write a kept call's entries into the chain. A host without the audit
/// database (the in-memory test harness) keeps them in memory instead, so
/// that a plugin's tests can see them (`PluginHarness::audit`).
pub fn apply_kept(services: &HostServices, plugin: &str, held: Vec<Held>) {
    if held.is_empty() {
        return;
    }
    let Some(r) = &services.residents else {
        let mut list = services.audit_kept.0.lock();
        for h in held {
            let id = list.last().map_or(1, |e| e.id + 1);
            list.push(crate::audit::Entry {
                id,
                time: h.time,
                actor_kind: h.actor.kind_str().to_owned(),
                actor_id: h.actor.id,
                actor_name: h.actor.name,
                action: h.action,
                target: h.subject,
                detail: h.detail,
            });
        }
        let extra = list.len().saturating_sub(MAX_CAPTURED);
        list.drain(..extra);
        tracing::debug!(plugin, "no audit database on this host; plugin entries kept in memory");
        return;
    };
    for h in held {
        if let Err(e) = crate::audit::record(&r.db, r.vault.audit_chain(), &h.actor, h.time, &h.action, h.subject.as_deref(), h.detail.as_deref()) {
            tracing::error!(plugin, action = %h.action, error = %e, "could not write the audit log");
        }
    }
}

/// Check one entry's fields; the message names the plugin and the field.
pub fn check(plugin: &str, action: &str, subject: Option<&str>, detail: Option<&str>) -> Result<(), String> {
    let n = action.chars().count();
    if n == 0 || n > MAX_ACTION || !action.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err(format!(
            "plugin `{plugin}`: audit action must be 1 to {MAX_ACTION} characters of a-z, 0-9, `.`, `_`, `-` (got {n} characters)"
        ));
    }
    for (field, value, max) in [("subject", subject, MAX_SUBJECT), ("detail", detail, MAX_DETAIL)] {
        let Some(v) = value else { continue };
        let n = v.chars().count();
        if n > max {
            return Err(format!("plugin `{plugin}`: audit {field} is {n} characters; the limit is {max}"));
        }
        if v.chars().any(char::is_control) {
            return Err(format!("plugin `{plugin}`: audit {field} contains a control character"));
        }
    }
    Ok(())
}

impl audit::Host for CallState {
    fn record(&mut self, action: String, subject: Option<String>, detail: Option<String>) -> HostResult<()> {
        guard!(self, Audit);
        Ok(self.hold_audit(action, subject, detail))
    }
}

impl CallState {
    fn hold_audit(&mut self, action: String, subject: Option<String>, detail: Option<String>) -> Result<(), Error> {
        let plugin = self.plugin_id.to_string();
        // Only a person or a device signed in can be named as the reader;
        // a resident reading their own data needs no entry, and an entry
        // in the plugin's own name would say nothing about who saw what.
        let actor = match &self.caller {
            Some(c) if matches!(c.kind, crate::auth::CallerKind::Staff | crate::auth::CallerKind::Device { .. }) => c.clone(),
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "plugin `{plugin}`: audit entries are written for a signed-in staff member or a registered device; this request's caller is anonymous"
                )));
            }
            None => {
                return Err(Error::Invalid(format!(
                    "plugin `{plugin}`: audit entries are written for the person or device a request comes from; this call has none (an event, a tick, or a call from another plugin as itself)"
                )));
            }
        };
        check(&plugin, &action, subject.as_deref(), detail.as_deref()).map_err(Error::Invalid)?;
        if self.audit_held.len() >= MAX_PER_CALL {
            return Err(Error::Limit(format!("plugin `{plugin}`: more than {MAX_PER_CALL} audit entries in one call (the host's limit per call; the entries before it are kept with the call)")));
        }
        self.audit_held.push(Held { actor, time: self.services.clock.now_ms(), action: format!("{plugin}: {action}"), subject, detail });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_short_lower_case_codes() {
        assert!(check("jobs", "phones.viewed", Some("posting:17"), None).is_ok());
        assert!(check("jobs", "id_card-read.2", None, Some("窗口 3 交接")).is_ok());
        for bad in ["", "Phones", "phones viewed", "phones:viewed", "电话", &"a".repeat(65)] {
            let e = check("jobs", bad, None, None).unwrap_err();
            assert!(e.contains("plugin `jobs`") && e.contains("audit action"), "{bad:?}: {e}");
        }
        assert!(check("jobs", &"a".repeat(64), None, None).is_ok());
    }

    #[test]
    fn subject_and_detail_have_limits_and_no_control_characters() {
        assert!(check("jobs", "x", Some(&"字".repeat(128)), Some(&"字".repeat(1000))).is_ok());
        let e = check("jobs", "x", Some(&"a".repeat(129)), None).unwrap_err();
        assert!(e.contains("subject is 129 characters; the limit is 128"), "{e}");
        let e = check("jobs", "x", None, Some(&"a".repeat(1001))).unwrap_err();
        assert!(e.contains("detail is 1001 characters; the limit is 1000"), "{e}");
        let e = check("parcels", "x", Some("a\nb"), None).unwrap_err();
        assert!(e.contains("plugin `parcels`") && e.contains("subject contains a control character"), "{e}");
        let e = check("parcels", "x", None, Some("a\u{1b}[31m")).unwrap_err();
        assert!(e.contains("detail contains a control character"), "{e}");
    }
}
