//! One error type: a resident's or staff member's mistake with a code and a
//! message in both languages (a 4xx), or a storage failure that is logged
//! and answered without its details.

use linli_sdk::prelude::*;
use linli_sdk::store::HostError;

#[derive(Debug)]
pub enum Fail {
    /// A 4xx the caller can act on: status, code, Chinese, English.
    User(u16, &'static str, String, String),
    /// A 4xx about one input field: status, code, field, Chinese, English.
    Field(u16, &'static str, String, String, String),
    /// Storage or another host capability failed.
    Host(HostError),
    /// Our own bug or a broken row; logged, answered as a 500.
    Internal(String),
    /// An error answer made elsewhere (the SDK's, for a body that does not
    /// parse), passed on whole with its error code.
    Ready(Response),
}

impl Fail {
    pub fn user(status: u16, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::User(status, code, zh.into(), en.into())
    }

    pub fn field(status: u16, code: &'static str, field: &str, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::Field(status, code, field.to_owned(), zh.into(), en.into())
    }

    pub fn into_response(self) -> Response {
        match self {
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
                log::error(&format!("storage: {e}"));
                Response::error(500, "存储出错，请稍后再试", "storage error; try again later")
            }
            Fail::Internal(e) => {
                log::error(&format!("internal: {e}"));
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
    fn from(r: Response) -> Self {
        Fail::Ready(r)
    }
}
