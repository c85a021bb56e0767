//! `hall`: the hall's name, public address and phone (大厅信息), as an
//! admin set them on `/admin/host/hall`. Public information: no grant is
//! checked, the call only counts against the host-call limit.

use super::*;
use crate::runtime::bindings::linli::plugin::hall;

impl hall::Host for CallState {
    fn info(&mut self) -> wasmtime::Result<hall::HallInfo> {
        self.count()?;
        // Read at each call (one row): an admin's change reaches every
        // plugin, and every host of a district's hall, at once. A host
        // without a database (the in-memory harness) has nothing set.
        let info = match &self.services.residents {
            Some(r) => crate::hall::load(&r.db).unwrap_or_else(|e| {
                tracing::warn!(plugin = %self.plugin_id, error = %e, "could not read the hall's information");
                crate::hall::HallInfo::default()
            }),
            None => crate::hall::HallInfo::default(),
        };
        let some = |s: String| (!s.is_empty()).then_some(s);
        Ok(hall::HallInfo { name: info.name, public_url: some(info.public_url), phone: some(info.phone) })
    }
}
