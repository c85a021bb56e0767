//! The queue of one speaker zone, kept short when calls outpace speech.

use std::collections::VecDeque;

/// Something to announce, said `repeats` times after one chime.
#[derive(Clone, Debug, PartialEq)]
pub struct Announcement {
    pub text: String,
    pub repeats: u32,
}

/// One thing for the speaker to say now.
#[derive(Clone, Debug, PartialEq)]
pub struct Utterance {
    pub text: String,
    /// The first saying of an announcement: play the chime before it.
    pub first: bool,
}

#[derive(Debug)]
struct Pending {
    text: String,
    left: u32,
    said: u32,
}

#[derive(Debug)]
pub struct VoiceQueue {
    pending: VecDeque<Pending>,
    max_backlog: usize,
}

impl VoiceQueue {
    /// A queue holding at most `max_backlog` utterances (at least 1).
    pub fn new(max_backlog: usize) -> VoiceQueue {
        VoiceQueue {
            pending: VecDeque::new(),
            max_backlog: max_backlog.max(1),
        }
    }

    pub fn push(&mut self, a: Announcement) {
        if a.repeats == 0 {
            return;
        }
        self.pending.push_back(Pending {
            text: a.text,
            left: a.repeats,
            said: 0,
        });
        self.shorten();
    }

    /// Utterances still to say.
    pub fn backlog(&self) -> usize {
        self.pending.iter().map(|p| p.left as usize).sum()
    }

    /// Drops the oldest repeats first (an announcement keeps its first saying
    /// as long as possible), then whole announcements from the oldest; the
    /// newest call is always kept.
    fn shorten(&mut self) {
        while self.backlog() > self.max_backlog {
            let repeat = self
                .pending
                .iter_mut()
                .find(|p| p.left > 1 || (p.said > 0 && p.left > 0));
            if let Some(p) = repeat {
                p.left -= 1;
            } else if self.pending.len() > 1 {
                self.pending.pop_front();
            } else {
                break;
            }
            self.pending.retain(|p| p.left > 0);
        }
    }

    pub fn pop(&mut self) -> Option<Utterance> {
        let p = self.pending.front_mut()?;
        let u = Utterance {
            text: p.text.clone(),
            first: p.said == 0,
        };
        p.said += 1;
        p.left -= 1;
        if p.left == 0 {
            self.pending.pop_front();
        }
        Some(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(text: &str, repeats: u32) -> Announcement {
        Announcement {
            text: text.into(),
            repeats,
        }
    }

    fn drain(q: &mut VoiceQueue) -> Vec<(String, bool)> {
        std::iter::from_fn(|| q.pop())
            .map(|u| (u.text, u.first))
            .collect()
    }

    #[test]
    fn repeats_with_chime_only_first() {
        let mut q = VoiceQueue::new(10);
        q.push(a("A012", 2));
        assert_eq!(
            drain(&mut q),
            [("A012".to_string(), true), ("A012".to_string(), false)]
        );
    }

    #[test]
    fn backlog_drops_oldest_repeats_first() {
        let mut q = VoiceQueue::new(4);
        q.push(a("A1", 2));
        q.push(a("A2", 2));
        q.push(a("A3", 2));
        // 6 wanted, 4 allowed: A1 and A2 lose their repeats, A3 keeps both.
        assert_eq!(q.backlog(), 4);
        let said: Vec<String> = drain(&mut q).into_iter().map(|(t, _)| t).collect();
        assert_eq!(said, ["A1", "A2", "A3", "A3"]);
    }

    #[test]
    fn backlog_then_drops_oldest_calls() {
        let mut q = VoiceQueue::new(2);
        for t in ["A1", "A2", "A3", "A4"] {
            q.push(a(t, 1));
        }
        let said: Vec<String> = drain(&mut q).into_iter().map(|(t, _)| t).collect();
        assert_eq!(said, ["A3", "A4"]);
    }

    #[test]
    fn a_started_announcement_loses_its_repeats_first() {
        let mut q = VoiceQueue::new(3);
        q.push(a("A1", 3));
        assert_eq!(q.pop().map(|u| u.first), Some(true));
        q.push(a("A2", 2));
        // A1 has been said once; its remaining repeats go before A2's.
        assert_eq!(q.backlog(), 3);
        q.push(a("A3", 1));
        let said: Vec<String> = drain(&mut q).into_iter().map(|(t, _)| t).collect();
        assert_eq!(said, ["A2", "A2", "A3"]);
    }

    #[test]
    fn zero_repeats_is_silent() {
        let mut q = VoiceQueue::new(3);
        q.push(a("A1", 0));
        assert_eq!(q.pop(), None);
    }
}
