//! Checks of what people type: the SDK's (`linli_sdk::input`): length caps
//! and no control or direction-override characters, each refusal naming
//! the field (and no English key inside the Chinese message).

pub use linli_sdk::input::{required, text as check};
