//! One error type for the plugin: a resident's or clerk's mistake with a
//! message in both languages, or a storage failure that is logged and
//! answered without its details.

use linli_sdk::prelude::*;
use linli_sdk::store::HostError;

#[derive(Debug)]
pub enum Fail {
    /// A 4xx the caller can act on: status, Chinese, English.
    User(u16, String, String),
    /// Storage or another host capability failed.
    Host(HostError),
    /// Our own bug or a broken row; logged, answered as a 500.
    Internal(String),
    /// An error answer made elsewhere (the SDK's, for a body that does not
    /// parse), passed on as it is, with its error code.
    Ready(Response),
}

impl Fail {
    pub fn user(status: u16, zh: impl Into<String>, en: impl Into<String>) -> Fail {
        Fail::User(status, zh.into(), en.into())
    }

    pub fn into_response(self) -> Response {
        match self {
            Fail::User(status, zh, en) => Response::error(status, &zh, &en),
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
    /// A ready error response (e.g. from `Request::json`), kept whole so
    /// its error code (`field_unknown`, `body_not_json`…) reaches the client.
    fn from(r: Response) -> Self {
        Fail::Ready(r)
    }
}

/// The configuration could not be read: the admin must fix it. The
/// message names each field (`services[2].handling_minutes`).
pub fn config_fail(e: crate::config::Invalid) -> Fail {
    log::error(&format!("queue configuration: {e}"));
    Fail::User(503, format!("排队叫号配置有误，请联系管理员：{}", e.zh()), format!("the queue configuration is broken; ask an admin: {}", e.en()))
}
