//! Host-side bindings generated from the one WIT definition in
//! `plugin-sdk/wit/`. `bindgen!` runs here and nowhere else.

wasmtime::component::bindgen!({
    path: "../plugin-sdk/wit",
    world: "plugin",
    imports: { default: trappable },
});

pub use linli::plugin::types;

/// The WIT package version this host speaks.
pub const WIT_PACKAGE: &str = "linli:plugin";
pub const WIT_VERSION: &str = "0.1.0";
