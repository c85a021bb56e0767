//! `config`: the plugin's configuration (its defaults with the admin's
//! settings over them).

use super::*;
use crate::runtime::bindings::linli::plugin::config;

impl config::Host for CallState {
    fn get(&mut self) -> wasmtime::Result<String> {
        self.enter_or_trap(Capability::Config)?;
        Ok(self.config_json.to_string())
    }
}
