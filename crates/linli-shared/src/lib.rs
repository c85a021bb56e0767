//! Small pure helpers every part of Linli needs in the same form, with no
//! dependencies so they build for the host and for `wasm32-wasip2` plugins
//! alike: [`mask`] and [`normalise`] for residents' personal data, [`time`] for the hall's
//! local time, [`calendar`] for the hall's working days; and, for the test suites, [`skip`]: what a test does when its
//! subject cannot run on the machine.

#![deny(missing_docs)]

pub mod calendar;
pub mod mask;
pub mod normalise;
pub mod skip;
pub mod time;
