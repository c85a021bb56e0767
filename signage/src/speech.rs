//! How calls are read aloud. The reading itself is `linli_shared::speech`,
//! the one the queue plugin writes into each call event's `speak_zh`; the
//! player speaks that sentence as it is and composes one here only for a
//! call that carries none (the demo, a folder, a host older than the shared
//! contract).

pub use linli_shared::speech::{RECALL_PREFIX, ticket, window};

/// How "1" is read inside a ticket number, for calls without a sentence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Digits {
    /// 1 → 幺 (A012 → "A零幺二"), the usual reading of numbers called aloud.
    #[default]
    Yao,
    /// 1 → 一 (A012 → "A零一二").
    Yi,
}

impl From<Digits> for linli_shared::speech::Digits {
    fn from(d: Digits) -> Self {
        match d {
            Digits::Yao => linli_shared::speech::Digits::Yao,
            Digits::Yi => linli_shared::speech::Digits::Yi,
        }
    }
}

/// The sentence announced for a call: "请 A零幺二 号到 三 号窗口办理".
pub fn call_sentence(ticket_no: &str, window_no: &str, digits: Digits) -> String {
    linli_shared::speech::call_sentence(ticket_no, window_no, digits.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_sentence_with_the_chosen_reading() {
        assert_eq!(call_sentence("A012", "3", Digits::Yao), "请 A零幺二 号到 三 号窗口办理");
        assert_eq!(call_sentence("A012", "3", Digits::Yi), "请 A零一二 号到 三 号窗口办理");
    }
}
