//! One error type: a resident's or staff member's mistake with a code and a
//! message in both languages (a 4xx), or a storage failure that is logged
//! and answered without its details.

use linli_sdk::prelude::*;
use linli_sdk::store::HostError;

#[derive(Debug)]
pub enum Fail {
    /// A 4xx the caller can act on: status, code, Chinese, English.
    User(u16, &'static str, String, String),
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

    pub fn into_response(self) -> Response {
        match self {
            Fail::User(status, code, zh, en) => Response::error_code(status, code, &zh, &en),
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
