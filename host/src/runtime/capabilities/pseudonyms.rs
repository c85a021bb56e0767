//! `pseudonyms`: a fixed pseudonym per plugin for a personal value.

use super::*;
use crate::runtime::bindings::linli::plugin::pseudonyms;

impl pseudonyms::Host for CallState {
    fn of(&mut self, kind: String, value: String) -> wasmtime::Result<String> {
        self.enter_or_trap(Capability::Pseudonyms)?;
        Ok(self.services.vault.pseudonym(&self.plugin_id, &kind, &value))
    }
}
