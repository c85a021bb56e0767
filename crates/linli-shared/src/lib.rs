//! Small pure helpers and contracts every part of Linli needs in the same
//! form, depending on serde only (which the host, the SDK, the plugins and
//! the player all use anyway) so they build for the host and for
//! `wasm32-wasip2` plugins alike: [`mask`] and [`normalise`] for residents'
//! personal data, [`time`] for the hall's local time, [`calendar`] for the
//! hall's working days, [`events`] for the bus's envelope and the queue's
//! payloads (encoded by the plugin, decoded by the player), [`speech`] for how
//! a call is read aloud; and, for the test suites, [`skip`]: what a test does
//! when its subject cannot run on the machine.

#![deny(missing_docs)]

pub mod calendar;
pub mod events;
pub mod mask;
pub mod normalise;
pub mod skip;
pub mod speech;
pub mod time;
