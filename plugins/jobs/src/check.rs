//! The board's search: what a resident typed, as words `LIKE` can take.
//! (Typed text and phones are checked with the SDK's `input` and `form`.)

/// A search's words: lower case, at most five of 20 characters each,
/// without the characters `LIKE` treats specially (so they match
/// themselves nowhere rather than everything).
pub fn search_terms(q: &str) -> Vec<String> {
    q.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .map(|w| w.chars().filter(|c| !matches!(c, '%' | '_' | '\\') && !c.is_control()).take(20).collect::<String>())
        .filter(|w| !w.is_empty())
        .take(5)
        .collect()
}
