//! `clock`: the host's time (a controllable clock in tests).

use super::*;
use crate::runtime::bindings::linli::plugin::clock;

impl clock::Host for CallState {
    fn now(&mut self) -> wasmtime::Result<i64> {
        self.enter_or_trap(Capability::Clock)?;
        Ok(self.services.clock.now_ms())
    }

    fn utc_offset_minutes(&mut self) -> wasmtime::Result<i32> {
        self.enter_or_trap(Capability::Clock)?;
        Ok(self.services.utc_offset_minutes)
    }
}
