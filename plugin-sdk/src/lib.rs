//! # Linli plugin SDK
//!
//! Write a plugin for the Linli community service hall as a plain Rust type:
//!
//! ```
//! use linli_sdk::prelude::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn manifest() -> Manifest {
//!         Manifest::new("hello", "你好", "Hello", env!("CARGO_PKG_VERSION"))
//!             .capability("kv")
//!             .route(Route::get("/api/hello", Audience::Public))
//!     }
//!
//!     fn handle(req: Request) -> Response {
//!         let n = kv::increment("visits", 1).unwrap_or(0);
//!         Response::json(200, &serde_json::json!({"hello": "邻里", "visits": n}))
//!     }
//! }
//!
//! export_plugin!(Hello);
//! # // Built natively, as here, the host's calls (kv…) are not there: what
//! # // runs is the manifest the host reads first. The handler runs under
//! # // wasmtime in `plugins/*` tests and `tests/tests/template.rs`.
//! # fn main() {
//! #     let m = linli_sdk::__private::manifest::<Hello>();
//! #     assert_eq!((m.id.as_str(), m.name_zh.as_str(), m.name_en.as_str()), ("hello", "你好", "Hello"));
//! #     assert_eq!(m.capabilities, ["kv"]);
//! #     assert_eq!((m.routes[0].method.as_str(), m.routes[0].path.as_str()), ("GET", "/api/hello"));
//! # }
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release`; the
//! `.wasm` in `target/wasm32-wasip2/release/` is the plugin. The generated
//! WIT bindings stay inside this crate: a plugin author never sees them.

#![deny(missing_docs)]

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "plugin",
        pub_export_macro: true,
        export_macro_name: "__export_linli_plugin",
        default_bindings_module: "linli_sdk::bindings",
        generate_all,
    });
}

// The request a plugin answers; `http` is the outbound capability.
#[path = "http.rs"]
mod inbound;
mod manifest;
mod rows;
/// Masking residents' personal data (at most a third shown): `mask::name("张三明") == "张**"`.
pub use linli_shared::mask;
/// One form for phone and ID card numbers before comparing or hashing them:
/// `normalise::phone("+86 139-0000-1111") == Ok("13900001111".into())`.
pub use linli_shared::normalise;
/// The contracts other plugins and the signage player read: the standard
/// plugins' event payloads (`contracts::events::TicketCalled`…, their
/// topics in `contracts::events::topic`). A plugin depends on this SDK
/// alone, never on a crate of the host.
pub mod contracts {
    pub use linli_shared::events;
}
pub mod store;
/// Uploaded files (capability `files`): upload routes, handles, serving.
pub mod files;
/// Calls to other plugins' callable routes (capability `services`).
pub mod services;
/// The hall's name, public address and phone (大厅信息), set by an admin.
pub mod hall;
/// Entries in the host's audit log for personal data a plugin shows (capability `audit`).
pub mod audit;
/// One error type for handlers: the caller's mistake, a failed capability, a bug.
pub mod fail;
pub use fail::Fail;
/// A plugin's settings form: the host's configuration with the admin's
/// saved changes, checked field by field.
pub mod settings;
/// A plugin's settings page drawn from its field descriptions (no form script of its own).
pub mod settings_page;
/// Checks of typed text (length, control characters), optional fields and
/// phones, each refusal naming the field; short codes and times of day.
pub mod input;
/// QR codes as inline SVG (feature `qr`).
#[cfg(feature = "qr")]
pub mod qr;
/// Excel workbooks (`.xlsx`) of text and numbers (feature `xlsx`).
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use inbound::{Caller, Request, Response};
pub use manifest::{Audience, Manifest, Page, Route};
pub use store::{calendar, clock, config, events, http, kv, log, notify, pseudonyms, residents, screens, sql};

/// An event delivered to [`Plugin::on_event`].
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable, ordered id.
    pub id: u64,
    /// Topic, e.g. `queue.called`.
    pub topic: String,
    /// JSON payload as text.
    pub payload: String,
    /// Plugin that published it (`host` for the host).
    pub source: String,
    /// Milliseconds since the Unix epoch.
    pub time: i64,
}

impl Event {
    /// Parse the payload as JSON into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_str(&self.payload).map_err(|e| format!("event {} payload: {e}", self.id))
    }
}

/// A Linli plugin. Every call runs in a fresh instance, so keep state in
/// [`kv`] or [`sql`], never in statics.
pub trait Plugin {
    /// What the plugin is, needs and serves. Called once at load.
    fn manifest() -> Manifest;
    /// Answer one HTTP request routed to one of the manifest's routes.
    fn handle(req: Request) -> Response {
        Response::not_found(&req)
    }
    /// Receive an event of a subscribed topic.
    fn on_event(_event: Event) -> Result<(), String> {
        Ok(())
    }
    /// Scheduled work (about once a minute), with the host's time in ms.
    fn tick(_now: i64) -> Result<(), String> {
        Ok(())
    }
}

/// Pick the Chinese or English text for the caller's language.
pub fn t<'a>(lang: &str, zh: &'a str, en: &'a str) -> &'a str {
    if lang == "en" { en } else { zh }
}

/// Data for a page's script, as a JSON block it reads with
/// `JSON.parse(document.getElementById(id).textContent)`: no inline script
/// runs, and `<` is escaped so no text can close the block.
pub fn json_block(id: &str, value: &serde_json::Value) -> String {
    format!("<script type=\"application/json\" id=\"{}\">{}</script>", esc(id), value.to_string().replace('<', "\\u003c"))
}

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Everything a plugin usually needs.
pub mod prelude {
    pub use crate::{Audience, Caller, Event, Fail, Manifest, Page, Plugin, Request, Response, Route, esc, export_plugin, json_block, t};
    pub use crate::{calendar, clock, config, events, http, kv, log, mask, notify, pseudonyms, residents, screens, sql};
    pub use crate::files;
    pub use crate::services;
}

#[doc(hidden)]
pub mod __private {
    use crate::bindings::linli::plugin::types as wit;

    pub fn manifest<P: crate::Plugin>() -> wit::Manifest {
        P::manifest().into_wit()
    }
    pub fn handle<P: crate::Plugin>(req: wit::Request) -> wit::Response {
        P::handle(crate::Request::from_wit(req)).into_wit()
    }
    pub fn on_event<P: crate::Plugin>(e: wit::Event) -> Result<(), String> {
        P::on_event(crate::Event { id: e.id, topic: e.topic, payload: e.payload, source: e.source, time: e.time })
    }
    pub fn tick<P: crate::Plugin>(now: i64) -> Result<(), String> {
        P::tick(now)
    }
}

/// Export a type implementing [`Plugin`] as the component's plugin.
#[macro_export]
macro_rules! export_plugin {
    ($t:ty) => {
        const _: () = {
            struct __LinliExport;
            impl $crate::bindings::Guest for __LinliExport {
                fn manifest() -> $crate::bindings::linli::plugin::types::Manifest {
                    $crate::__private::manifest::<$t>()
                }
                fn handle(req: $crate::bindings::linli::plugin::types::Request) -> $crate::bindings::linli::plugin::types::Response {
                    $crate::__private::handle::<$t>(req)
                }
                fn on_event(e: $crate::bindings::linli::plugin::types::Event) -> Result<(), String> {
                    $crate::__private::on_event::<$t>(e)
                }
                fn tick(now: i64) -> Result<(), String> {
                    $crate::__private::tick::<$t>(now)
                }
            }
            $crate::bindings::__export_linli_plugin!(__LinliExport with_types_in $crate::bindings);
        };
    };
}

#[cfg(test)]
mod page_tests {
    #[test]
    fn a_json_block_cannot_be_closed_by_its_text() {
        let b = super::json_block("d", &serde_json::json!({"t": "</script><script>alert(1)</script>"}));
        assert!(b.starts_with("<script type=\"application/json\" id=\"d\">"), "{b}");
        assert_eq!(b.matches("</script>").count(), 1, "{b}");
        assert!(b.contains("\\u003c/script>"));
    }
}
