//! Entries in the host's audit log (capability `audit`) for reads of
//! personal data the plugin keeps itself.
//!
//! The host writes the entry in the name of the request's caller (the
//! signed-in staff member or the registered device) and puts the plugin's
//! id before the action: `record("phones.viewed", Some("posting:17"), None)`
//! in plugin `jobs` shows on the audit page (`/admin/host/audit`) as
//! 插件记录：jobs: phones.viewed, by that person, in the same tamper-evident
//! chain as the host's own entries.
//!
//! ```no_run
//! use linli_sdk::audit;
//!
//! // Staff asked for the full phones of a posting's interested residents:
//! // the read is in the audit log before the numbers leave the plugin.
//! audit::record("phones.viewed", Some("posting:17"), Some("3 phones")).expect("audited");
//! ```
//!
//! The entry is held with the call and written only when its changes are
//! kept: a handler that fails (a trap, an undone call) leaves no entry, so
//! record the read, then answer. Refused (`HostError::Invalid`): an
//! anonymous caller (a resident reading their own data needs no entry), an
//! event or a tick (nobody to name); an action other than 1 to 64
//! characters of `a-z 0-9 . _ -`; a subject over 128 or a detail over
//! 1,000 characters; control characters. At most 20 entries per call
//! (`HostError::Limit`).

use crate::bindings::linli::plugin as wit;
use crate::store::HostError;

/// Record that the caller read personal data: `action` (`phones.viewed`),
/// what was read (`subject`, `posting:17`) and a `detail` without the data
/// itself (never the phone number or ID card in the log).
pub fn record(action: &str, subject: Option<&str>, detail: Option<&str>) -> Result<(), HostError> {
    wit::audit::record(action, subject, detail)
}
