//! The plugin's errors: the SDK's [`Fail`] (a resident's or clerk's mistake
//! in both languages, a storage failure logged and answered without its
//! details), and the one the queue adds.

pub use linli_sdk::Fail;
use linli_sdk::prelude::*;

/// The configuration could not be read: the admin must fix it. The
/// message names each field (`services[2].handling_minutes`).
pub fn config_fail(e: crate::config::Invalid) -> Fail {
    log::error(&format!("queue configuration: {e}"));
    Fail::status(503, format!("排队叫号配置有误，请联系管理员：{}", e.zh()), format!("the queue configuration is broken; ask an admin: {}", e.en()))
}
