//! Server-Sent Events parsing (the text/event-stream format), line by line.

/// One dispatched message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

#[derive(Default)]
pub struct Parser {
    current: Message,
    has_data: bool,
}

impl Parser {
    /// Feeds one line (without its line ending); returns a message when a
    /// blank line completes one.
    pub fn line(&mut self, line: &str) -> Option<Message> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            let done = std::mem::take(&mut self.current);
            let had = std::mem::take(&mut self.has_data);
            return had.then_some(done);
        }
        if line.starts_with(':') {
            // A comment: the host's keep-alive.
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.current.id = Some(value.to_string()),
            "event" => self.current.event = value.to_string(),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_and_skips_comments() {
        let mut p = Parser::default();
        let mut out = Vec::new();
        for l in [
            ": keep-alive",
            "id: 7",
            "event: queue.called",
            "data: {\"a\":",
            "data: 1}",
            "",
            "",
            "data:x",
            "",
        ] {
            out.extend(p.line(l));
        }
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id.as_deref(), Some("7"));
        assert_eq!(out[0].event, "queue.called");
        assert_eq!(out[0].data, "{\"a\":\n1}");
        assert_eq!(out[1].data, "x");
        assert_eq!(out[1].id, None);
    }
}
