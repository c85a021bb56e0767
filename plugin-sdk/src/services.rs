//! Calls to routes other plugins marked callable (capability `services`).
//!
//! ```
//! use linli_sdk::services::Call;
//! use serde_json::json;
//!
//! // A pre-acceptance service books a slot with the appointments service,
//! // for the resident being served (the host checks the appointments
//! // route's audience against that person), and names the step so that a
//! // retried flow books it once.
//! let call = Call::post("appointments", "/api/appointments/slots")
//!     .json(&json!({"service": "低保申请", "date": "2026-03-02"}))
//!     .on_behalf()
//!     .idempotency_key("case-17/slot");
//! assert_eq!(call.plugin(), "appointments");
//! // In the plugin: `let reply = call.send()?;` then `reply.status`,
//! // `reply.json::<Slot>()`. Natively, as here, there is no host to call.
//! ```
//!
//! The callee must mark the route with [`Route::callable`](crate::Route::callable),
//! and an admin must allow the link (this plugin → the callee) on the
//! plugins page. Each call is the callee's own unit of work: it is
//! committed before the answer comes, and an error here does not undo
//! what this call did before (return an error status, or trap, to undo
//! it). A chain holds at most 4 plugins, none twice.

use crate::bindings::linli::plugin as wit;
use crate::store::HostError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One call to another plugin's route, built step by step and sent with
/// [`Call::send`].
#[derive(Debug, Clone)]
pub struct Call {
    plugin: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    on_behalf: bool,
    key: Option<String>,
    /// A body that could not be encoded, reported by `send`.
    problem: Option<String>,
}

impl Call {
    /// `method` (GET, POST, PUT, PATCH, DELETE) `path` (with `?query` if
    /// any) of plugin `plugin`.
    pub fn new(plugin: &str, method: &str, path: &str) -> Call {
        Call {
            plugin: plugin.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            on_behalf: false,
            key: None,
            problem: None,
        }
    }
    /// `GET path` of `plugin`.
    pub fn get(plugin: &str, path: &str) -> Call {
        Call::new(plugin, "GET", path)
    }
    /// `POST path` of `plugin`.
    pub fn post(plugin: &str, path: &str) -> Call {
        Call::new(plugin, "POST", path)
    }
    /// `value` as the JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Call {
        match serde_json::to_vec(value) {
            Ok(b) => {
                self.body = b;
                self.headers.push(("content-type".into(), "application/json".into()));
            }
            Err(e) => self.problem = Some(format!("request body: {e}")),
        }
        self
    }
    /// Raw bytes as the body.
    pub fn body(mut self, body: &[u8]) -> Call {
        self.body = body.to_vec();
        self
    }
    /// One more header (names starting with `linli-` are the host's).
    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }
    /// Call on behalf of the person whose request is being handled: the
    /// callee sees them as its caller and the route's audience is checked
    /// against them. Without it the call is made as this plugin itself.
    pub fn on_behalf(mut self) -> Call {
        self.on_behalf = true;
        self
    }
    /// Name this step: the same key to the same plugin gives the answer
    /// kept from the first time (for 24 hours) without running it again.
    pub fn idempotency_key(mut self, key: &str) -> Call {
        self.key = Some(key.to_owned());
        self
    }
    /// The callee's id.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }
    /// Send it and wait for the answer. Any status the callee gives is
    /// `Ok` (404 when it has no such route or is disabled).
    pub fn send(self) -> Result<Reply, HostError> {
        if let Some(p) = self.problem {
            return Err(HostError::Invalid(p));
        }
        let r = wit::services::call(&wit::services::ServiceRequest {
            plugin: self.plugin,
            method: self.method,
            path: self.path,
            headers: self.headers,
            body: self.body,
            on_behalf: self.on_behalf,
            idempotency_key: self.key,
        })?;
        Ok(Reply { status: r.status, headers: r.headers, body: r.body })
    }
}

/// What the callee answered.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status the callee answered.
    pub status: u16,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// 2xx?
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// A header's first value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}
