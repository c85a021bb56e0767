//! The plugin's pages, drawn inside the host's shared shell (except the
//! bare printable ticket).
//!
//! No page carries inline script: each page's code is a file of its own,
//! served by the plugin under `/queue/assets/` (so the host can send a
//! Content-Security-Policy without `'unsafe-inline'` for scripts), and a
//! page hands its data to its script as `data-` attributes or a JSON data
//! block (`<script type="application/json">`, which is never run).

pub mod admin;
pub mod counter;
pub mod guide;
pub mod kiosk;
pub mod stats;
pub mod ticket;

use linli_sdk::prelude::*;

/// Styles shared by the queue pages: the ticket slip and its print rules
/// (58 mm and 80 mm thermal paper), big numbers, status colours.
pub const STYLE: &str = r#"<style>
.q-big { font-size: 4rem; font-weight: 800; color: var(--brand); letter-spacing: .05em; line-height: 1.1; }
.q-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: var(--gap); }
.q-svc { display: flex; flex-direction: column; align-items: flex-start; text-align: left; min-height: 150px; padding: 18px 22px; font-size: 1.4rem; border-width: 2px; }
.q-svc .code { font-size: 2.4rem; font-weight: 800; }
.q-svc small { font-weight: 400; color: var(--muted); font-size: 1rem; }
.q-svc:disabled { opacity: .45; }
.q-muted { color: var(--muted); }
.q-policy li { margin: 4px 0; }
.q-alert { padding: 16px 20px; border-radius: 12px; background: #fff4e5; border: 2px solid var(--warn); font-size: 1.3rem; font-weight: 700; }
.q-called { background: #e8f5e9; border-color: var(--ok); animation: q-flash 1s ease-in-out 6; }
@keyframes q-flash { 50% { background: #c8e6c9; } }
.q-slip { width: 72mm; margin: 0 auto; padding: 4mm; background: #fff; color: #000; border: 1px dashed #999; text-align: center; font-family: inherit; }
.q-slip.w58 { width: 54mm; }
.q-slip .num { font-size: 30pt; font-weight: 800; margin: 2mm 0; }
.q-slip .svc { font-size: 13pt; font-weight: 700; }
.q-slip .row { font-size: 10pt; margin: 1mm 0; }
.q-slip svg { width: 32mm; height: 32mm; }
.q-keys kbd { display: inline-block; min-width: 1.6em; padding: 0 4px; border: 1px solid var(--line); border-radius: 4px; background: #f0f0f0; font-size: .85em; }
.q-keys .primary kbd { background: #fff; color: #222; border-color: #fff; }
.q-actions button { margin: 4px 6px 4px 0; }
button:disabled { opacity: .4; cursor: not-allowed; }
.q-err { color: var(--danger, #b3261e); font-size: .9em; display: block; min-height: 1em; }
.q-saved { color: var(--ok, #2e7d32); font-weight: 700; }
.q-field { margin: 10px 0; }
.q-field .q-help { display: block; }
.q-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 0 16px; align-items: start; }
.q-row .q-del { justify-self: start; align-self: end; margin: 10px 0; }
.q-bad input, .q-bad textarea, .q-bad select { border-color: var(--bad); }
@media print {
  @page { margin: 0; }
  body * { visibility: hidden; }
  .q-print, .q-print * { visibility: visible; }
  .q-print { position: absolute; left: 0; top: 0; }
  .q-slip { border: none; }
}
</style>"#;

/// The `<script>` tag of one of the plugin's page scripts; the version in
/// the address makes a browser fetch the new file after an upgrade.
pub fn script(name: &str) -> String {
    format!("<script src=\"/queue/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

/// The page scripts, compiled into the plugin.
const ASSETS: &[(&str, &str)] = &[
    ("kiosk.js", include_str!("pages/kiosk.js")),
    ("ticket.js", include_str!("pages/ticket.js")),
    ("print.js", include_str!("pages/print.js")),
    ("counter.js", include_str!("pages/counter.js")),
    ("guide.js", include_str!("pages/guide.js")),
    ("admin.js", include_str!("pages/admin.js")),
    ("slip.js", include_str!("pages/slip.js")),
];

/// `GET /queue/assets/{file}`: one of the page scripts.
pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

/// JSON inside a `<script type="application/json">` data block (the SDK's).
pub fn json_block(id: &str, v: &serde_json::Value) -> String {
    linli_sdk::json_block(id, v)
}
