//! Small pure helpers every part of Linli needs in the same form, with no
//! dependencies so they build for the host and for `wasm32-wasip2` plugins
//! alike: [`mask`] for residents' personal data, [`time`] for the hall's
//! local time.

#![deny(missing_docs)]

pub mod mask;
pub mod time;
