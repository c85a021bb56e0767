//! Pinyin of item names and keywords for search (低保 → dibao, db), from a
//! table generated for the characters the hall's items use
//! (`tools/gen_pinyin.py`; see there why not a dictionary crate).

#[path = "pinyin_table.rs"]
mod table;

fn reading(c: char) -> Option<&'static str> {
    table::TABLE.binary_search_by(|(k, _)| k.cmp(&c)).ok().map(|i| table::TABLE[i].1)
}

/// The text's syllables: each Chinese character's reading, and runs of
/// ASCII letters and digits as they are (lower-case). A character the
/// table lacks breaks the run (its item is found by the editor's pinyin).
pub fn syllables(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut ascii = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            ascii.push(c.to_ascii_lowercase());
            continue;
        }
        if !ascii.is_empty() {
            out.push(std::mem::take(&mut ascii));
        }
        if let Some(r) = reading(c) {
            out.push(r.to_owned());
        }
    }
    if !ascii.is_empty() {
        out.push(ascii);
    }
    out
}

/// `最低生活保障` → (`zuidishenghuobaozhang`, `zdshbz`).
pub fn full_and_initials(text: &str) -> (String, String) {
    let s = syllables(text);
    (s.concat(), s.iter().filter_map(|x| x.chars().next()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_in_context() {
        assert_eq!(full_and_initials("低保"), ("dibao".into(), "db".into()));
        assert_eq!(full_and_initials("就业困难人员认定").0, "jiuyekunnanrenyuanrending");
        assert!(table::TABLE.windows(2).all(|w| w[0].0 < w[1].0), "sorted for the binary search");
    }
}
