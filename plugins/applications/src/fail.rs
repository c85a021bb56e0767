//! The SDK's one error type for handlers (a 4xx with a code, optionally a
//! field, in both languages; a failed capability logged and answered 500).

pub use linli_sdk::Fail;
