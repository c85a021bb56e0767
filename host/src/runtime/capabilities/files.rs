//! `files`: uploads the host received for the plugin (see
//! `crate::files` for the store and `http/uploads.rs` for the upload and
//! serving). A plugin sees only its own files; `keep` and `release` are
//! held with the call and applied only when its changes are kept, so a
//! call that traps after `keep` leaves the file loose (and swept).

use super::*;
use crate::files::{FileMeta, UploadRule};
use crate::runtime::bindings::linli::plugin::files;

/// The most one `read` hands over.
pub const MAX_READ_BYTES: usize = 1024 * 1024;

/// A keep (true) or release (false) of one file, applied when the call's
/// changes are kept.
pub type FileOp = (String, bool);

/// Apply a kept call's keeps and releases.
pub fn apply_kept(services: &HostServices, plugin: &str, ops: Vec<FileOp>) {
    let now = services.clock.now_ms();
    for (id, kept) in ops {
        if let Err(e) = services.files.set_kept(plugin, &id, kept, now) {
            tracing::error!(plugin, file = %id, error = %e, "could not mark a file kept or released");
        }
    }
}

fn to_wit(m: FileMeta, kept: bool) -> files::FileInfo {
    files::FileInfo {
        id: m.id,
        size: m.size,
        content_type: m.content_type,
        sha256: m.sha256,
        name: m.name,
        personal: m.personal,
        kept,
        created: m.created_ms,
    }
}

impl CallState {
    fn file(&self, id: &str) -> Result<FileMeta, Error> {
        match self.services.files.get(&self.plugin_id, id) {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(Error::Invalid(format!("plugin `{}` has no file `{}`", self.plugin_id, id.chars().take(80).collect::<String>()))),
            Err(e) => {
                tracing::error!(plugin = %self.plugin_id, error = %e, "reading file metadata");
                Err(Error::Internal("file storage failure; see the host log".into()))
            }
        }
    }

    /// Kept as this call sees it (its own keeps and releases last).
    fn kept_now(&self, m: &FileMeta) -> bool {
        self.file_ops.iter().rev().find(|(id, _)| *id == m.id).map_or(m.kept, |(_, k)| *k)
    }

    /// Every read of a personal file is in the audit log, with the staff
    /// member the call acts for (or the plugin itself for events and ticks).
    fn audit_file(&self, m: &FileMeta, action: &str) {
        let Some(r) = &self.services.residents else { return };
        let actor = self.caller.clone().unwrap_or_else(|| crate::auth::Caller {
            kind: crate::auth::CallerKind::Anonymous,
            id: Some(format!("plugin:{}", self.plugin_id)),
            name: Some(self.plugin_id.to_string()),
            roles: vec![],
            window: None,
            lang: "zh-CN".into(),
        });
        let detail = format!("via plugin {}", self.plugin_id);
        let target = format!("file {}/{}", m.plugin, m.id);
        if let Err(e) = crate::audit::record(&r.db, r.vault.audit_chain(), &actor, self.services.clock.now_ms(), action, Some(&target), Some(&detail)) {
            tracing::error!(error = %e, "could not write the audit log");
        }
    }
}

impl files::Host for CallState {
    fn accept(&mut self, rule: files::UploadRule) -> HostResult<()> {
        // Read from `manifest()`, before any grant is known: a declaration
        // gives nothing (an upload to a plugin without `files` is refused).
        self.count()?;
        match UploadRule::parse(&rule.method, &rule.path, &rule.types, rule.max_bytes, rule.personal) {
            Ok(r) => {
                self.upload_rules.retain(|x| (x.method.as_str(), x.path.as_str()) != (r.method.as_str(), r.path.as_str()));
                self.upload_rules.push(r);
                Ok(Ok(()))
            }
            // A wrong declaration is the plugin's bug: it does not load
            // (the error names the file and the rule), rather than its
            // route quietly taking bodies as an ordinary route.
            Err(e) => wasmtime::bail!("{e}"),
        }
    }

    fn get(&mut self, id: String) -> HostResult<Option<files::FileInfo>> {
        guard!(self, Files);
        match self.services.files.get(&self.plugin_id, &id) {
            Ok(Some(m)) => {
                let kept = self.kept_now(&m);
                Ok(Ok(Some(to_wit(m, kept))))
            }
            Ok(None) => Ok(Ok(None)),
            Err(e) => {
                tracing::error!(plugin = %self.plugin_id, error = %e, "reading file metadata");
                Ok(Err(Error::Internal("file storage failure; see the host log".into())))
            }
        }
    }

    fn read(&mut self, id: String, offset: u64, len: u32) -> HostResult<Vec<u8>> {
        guard!(self, Files);
        let max = MAX_READ_BYTES.min(self.limits.value_bytes);
        if len as usize > max {
            return Ok(Err(Error::Limit(format!("plugin `{}`: a read of {len} bytes; at most {max} per call of read", self.plugin_id))));
        }
        let m = match self.file(&id) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        if m.personal {
            self.audit_file(&m, "file.read");
        }
        Ok(self.services.files.read_range(&m, offset, len as usize).map_err(|e| {
            tracing::error!(plugin = %self.plugin_id, error = %e, "reading a file");
            Error::Internal(format!("plugin `{}`: reading file `{id}` failed; see the host log", self.plugin_id))
        }))
    }

    fn keep(&mut self, id: String) -> HostResult<()> {
        guard!(self, Files);
        if let Err(e) = self.file(&id) {
            return Ok(Err(e));
        }
        self.file_ops.retain(|(x, _)| *x != id);
        self.file_ops.push((id, true));
        Ok(Ok(()))
    }

    fn release(&mut self, id: String) -> HostResult<bool> {
        guard!(self, Files);
        match self.services.files.get(&self.plugin_id, &id) {
            Ok(Some(_)) => {
                self.file_ops.retain(|(x, _)| *x != id);
                self.file_ops.push((id, false));
                Ok(Ok(true))
            }
            Ok(None) => Ok(Ok(false)),
            Err(e) => {
                tracing::error!(plugin = %self.plugin_id, error = %e, "reading file metadata");
                Ok(Err(Error::Internal("file storage failure; see the host log".into())))
            }
        }
    }
}
