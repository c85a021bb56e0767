//! Files residents and staff upload (capability `files`).
//!
//! ```
//! use linli_sdk::prelude::*;
//! use linli_sdk::files::{self, Upload};
//!
//! struct Apply;
//! impl Plugin for Apply {
//!     fn manifest() -> Manifest {
//!         Manifest::new("apply", "申请材料", "Applications", "0.1.0")
//!             .capability("files")
//!             // The host takes the body: only PDF or JPEG by content, at
//!             // most 20 MiB, encrypted at rest, every access audited.
//!             .upload(Upload::post("/api/apply/material", Audience::Public).types(&["pdf", "jpeg"]).max_mib(20).personal())
//!             .route(Route::get("/api/apply/material/{id}", Audience::Staff))
//!     }
//!     fn handle(req: Request) -> Response {
//!         match req.route.as_str() {
//!             "/api/apply/material" => match files::uploaded(&req) {
//!                 Some(Ok(f)) => {
//!                     files::keep(&f.id).ok(); // kept when this call's changes are
//!                     Response::json(201, &serde_json::json!({"id": f.id, "type": f.content_type}))
//!                 }
//!                 _ => Response::error(400, "没有收到文件", "no file received"),
//!             },
//!             // Staff only (the route's audience): the host streams it.
//!             _ => files::serve(req.param("id").unwrap_or("")),
//!         }
//!     }
//! }
//! export_plugin!(Apply);
//! # fn main() {
//! #     let m = linli_sdk::__private::manifest::<Apply>();
//! #     assert_eq!(m.routes[0].method, "POST");
//! #     assert_eq!(m.routes[0].path, "/api/apply/material");
//! #     let r = files::serve("f_0");
//! #     assert_eq!(r.headers, [("x-linli-serve-file".to_string(), "f_0".to_string())]);
//! # }
//! ```
//!
//! The upload reaches the plugin as a request with an empty body and the
//! header `x-linli-file` (read it with [`uploaded`]); the host has stored
//! the file, checked its type from its bytes and its size. A file the
//! plugin does not [`keep`] is removed after a grace period (24 hours), at
//! once when the call answers an error. Pages show progress with
//! [`UPLOAD_SCRIPT`] served as a `.js` route of the plugin.

use crate::bindings::linli::plugin as wit;
use crate::store::HostError;
use crate::{Audience, Manifest, Request, Response, Route};

/// A stored file, as this plugin sees it.
pub use wit::files::FileInfo;

/// An upload route: its method and path, audience, accepted types (read
/// from the bytes: `pdf`, `jpeg`, `png`, `webp`, `heic`, `text`), its size
/// cap and whether the material is personal (encrypted at rest, audited).
#[derive(Debug, Clone)]
pub struct Upload {
    route: Route,
    rule: wit::files::UploadRule,
}

impl Upload {
    /// `POST path` taking one file as the request body.
    pub fn post(path: &str, audience: Audience) -> Upload {
        Self::new("POST", path, audience)
    }

    /// `PUT path` taking one file as the request body.
    pub fn put(path: &str, audience: Audience) -> Upload {
        Self::new("PUT", path, audience)
    }

    fn new(method: &str, path: &str, audience: Audience) -> Upload {
        Upload {
            route: Route::new(method, path, audience),
            rule: wit::files::UploadRule { method: method.into(), path: path.into(), types: vec![], max_bytes: 10 * 1024 * 1024, personal: false },
        }
    }

    /// The accepted types (`pdf`, `jpeg`, `png`, `webp`, `heic`, `text`).
    pub fn types(mut self, types: &[&str]) -> Upload {
        self.rule.types = types.iter().map(|t| t.to_string()).collect();
        self
    }

    /// The largest file, in MiB (10 by default).
    pub fn max_mib(mut self, mib: u64) -> Upload {
        self.rule.max_bytes = mib.saturating_mul(1024 * 1024);
        self
    }

    /// The largest file, in bytes.
    pub fn max_bytes(mut self, bytes: u64) -> Upload {
        self.rule.max_bytes = bytes;
        self
    }

    /// Residents' personal material: encrypted at rest, every access audited.
    pub fn personal(mut self) -> Upload {
        self.rule.personal = true;
        self
    }

    /// Narrow a staff route to these roles.
    pub fn roles(mut self, roles: &[&str]) -> Upload {
        self.route = self.route.roles(roles);
        self
    }
}

impl Manifest {
    /// Add an upload route (capability `files`). The route is declared as
    /// usual; what it accepts is told to the host from `manifest()` (the
    /// manifest record has no field for it).
    pub fn upload(self, upload: Upload) -> Manifest {
        // Natively (doc tests, `cargo test` of a plugin's helpers) there is
        // no host to tell; in the sandbox this runs inside manifest().
        #[cfg(target_arch = "wasm32")]
        if let Err(e) = wit::files::accept(&upload.rule) {
            crate::log::error(&format!("upload route {} {}: {e}", upload.rule.method, upload.rule.path));
        }
        self.route(upload.route)
    }
}

/// The file the host received for this request (an upload route), if any.
pub fn uploaded(req: &Request) -> Option<Result<FileInfo, HostError>> {
    let id = req.header("x-linli-file")?;
    Some(get(id).and_then(|f| f.ok_or_else(|| HostError::Invalid(format!("no file `{id}`")))))
}

/// One of this plugin's files (none for an unknown id or another plugin's).
pub fn get(id: &str) -> Result<Option<FileInfo>, HostError> {
    wit::files::get(id)
}

/// Up to `len` bytes (at most 1 MiB) of the file from `offset`.
pub fn read(id: &str, offset: u64, len: u32) -> Result<Vec<u8>, HostError> {
    wit::files::read(id, offset, len)
}

/// Keep the file (this plugin refers to it), once this call's changes are kept.
pub fn keep(id: &str) -> Result<(), HostError> {
    wit::files::keep(id)
}

/// Let the file go: removed after the grace period. False when there was none.
pub fn release(id: &str) -> Result<bool, HostError> {
    wit::files::release(id)
}

/// An answer that makes the host stream the file to the caller (who has
/// passed this route's audience check). An id that is not this plugin's
/// is answered 404 by the host.
pub fn serve(id: &str) -> Response {
    Response { status: 200, headers: vec![("x-linli-serve-file".into(), id.into())], body: vec![] }
}

/// A small script for upload pages: serve it as a `.js` route of the
/// plugin (`Response` with `content-type: text/javascript`) and load it
/// with `<script src=…>`. It takes over each `<form data-linli-upload>`
/// with a file input: the file is sent as the request body to the form's
/// `action` (with the CSRF token of the page and the name in
/// `x-linli-file-name`), and the form's `<progress>` and `[data-status]`
/// element show how far it is, in the page's language.
pub const UPLOAD_SCRIPT: &str = r#"(function () {
  'use strict';
  var en = (document.documentElement.lang || '').indexOf('en') === 0;
  function say(el, zh, e) { if (el) { el.textContent = en ? e : zh; } }
  function csrf() { var m = document.querySelector('meta[name="csrf"]'); return m ? m.getAttribute('content') : ''; }
  document.querySelectorAll('form[data-linli-upload]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = form.querySelector('input[type="file"]');
      var bar = form.querySelector('progress');
      var status = form.querySelector('[data-status]');
      if (!input || !input.files || !input.files[0]) { say(status, '请选择文件', 'Choose a file'); return; }
      var file = input.files[0];
      var xhr = new XMLHttpRequest();
      xhr.open(form.getAttribute('method') || 'POST', form.getAttribute('action'));
      xhr.setRequestHeader('x-csrf-token', csrf());
      xhr.setRequestHeader('x-linli-file-name', encodeURIComponent(file.name));
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.floor(e.loaded * 100 / e.total);
        if (bar) { bar.max = 100; bar.value = pct; }
        say(status, '已上传 ' + pct + '%', 'Uploaded ' + pct + '%');
      };
      xhr.onload = function () {
        var msg = null;
        try { var b = JSON.parse(xhr.responseText); msg = b.error ? (en ? b.error.message_en : b.error.message_zh) : null; } catch (e) { msg = null; }
        if (xhr.status >= 200 && xhr.status < 300) { if (bar) { bar.value = 100; } say(status, '上传完成', 'Upload complete'); form.dispatchEvent(new CustomEvent('linli-uploaded', { detail: xhr.responseText })); }
        else { say(status, msg || '上传失败', msg || 'Upload failed'); }
      };
      xhr.onerror = function () { say(status, '网络中断，上传未完成', 'Network error; the upload did not finish'); };
      xhr.send(file);
    });
  });
})();
"#;
