//! One error type for a plugin's handlers: the caller's mistake (a 4xx with
//! a code and a message in both languages, optionally naming the field), a
//! host capability that failed (logged, answered as a 500 without its
//! details), the plugin's own bug, or an error answer made elsewhere and
//! passed on whole. `?` turns a [`HostError`] or an error [`Response`] into
//! a `Fail`; a handler ends with [`Fail::into_response`].
//!
//! ```ignore
//! fn book(req: &Request) -> Result<Response, Fail> {
//!     let body: Booking = req.json()?;                  // 422 naming the field
//!     if body.slot.is_empty() {
//!         return Err(Fail::field(422, "slot_required", "slot", "请选择时段", "choose a time slot"));
//!     }
//!     let rows: Vec<i64> = sql::query_as("SELECT …", &[])?; // storage failure: 500, logged
//!     Ok(Response::json(201, &rows))
//! }
//! ```

use crate::Response;
use crate::store::HostError;

/// Why a handler could not answer as asked (see the module's text).
#[derive(Debug)]
pub enum Fail {
    /// A 4xx the caller can act on: status, code, Chinese, English.
    User(u16, &'static str, String, String),
    /// A 4xx about one input field: status, code, field, Chinese, English.
    Field(u16, &'static str, String, String, String),
    /// Storage or another host capability failed.
    Host(HostError),
    /// The plugin's own bug or a broken row; logged, answered as a 500.
    Internal(String),
    /// An error answer made elsewhere (the SDK's, for a body that does not
    /// parse), passed on whole with its error code.
    Ready(Response),
}

impl Fail {
    /// The caller's mistake, with a machine-readable `code`.
    pub fn user(status: u16, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::User(status, code, zh.into(), en.into())
    }

    /// The caller's mistake, coded by its status alone (`bad_request`,
    /// `forbidden`, `not_found`, `conflict`…).
    pub fn status(status: u16, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::User(status, "", zh.into(), en.into())
    }

    /// The caller's mistake in one field of the input (`error.field` in the answer).
    pub fn field(status: u16, code: &'static str, field: &str, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::Field(status, code, field.to_owned(), zh.into(), en.into())
    }

    /// The plugin's own bug or a row it cannot read.
    pub fn internal(what: impl Into<String>) -> Fail {
        Fail::Internal(what.into())
    }

    /// The answer: the caller's mistake as it is; a failure as a 500 whose
    /// details go to the log only.
    pub fn into_response(self) -> Response {
        match self {
            Fail::User(status, "", zh, en) => Response::error(status, &zh, &en),
            Fail::User(status, code, zh, en) => Response::error_code(status, code, &zh, &en),
            Fail::Field(status, code, field, zh, en) => {
                // The SDK's answer (messages escaped and cut), with the field added.
                let mut r = Response::error_code(status, code, &zh, &en);
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&r.body) {
                    v["error"]["field"] = serde_json::Value::String(field);
                    r = Response::json(status, &v);
                }
                r
            }
            Fail::Host(e) => {
                crate::log::error(&format!("storage: {e}"));
                Response::error(500, "存储出错，请稍后再试", "storage error; try again later")
            }
            Fail::Internal(e) => {
                crate::log::error(&format!("internal: {e}"));
                Response::error(500, "服务内部错误，请稍后再试", "internal error; try again later")
            }
            Fail::Ready(r) => r,
        }
    }
}

impl From<HostError> for Fail {
    fn from(e: HostError) -> Self {
        Fail::Host(e)
    }
}

impl From<Response> for Fail {
    /// A ready error answer (e.g. from `Request::json`), kept whole so its
    /// error code (`field_unknown`, `body_not_json`…) reaches the client.
    fn from(r: Response) -> Self {
        Fail::Ready(r)
    }
}

impl From<Fail> for Response {
    fn from(f: Fail) -> Self {
        f.into_response()
    }
}
