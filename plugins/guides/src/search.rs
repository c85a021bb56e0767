//! Finding items by Chinese words, by pinyin and by pinyin initials.

use crate::model::Item;
use crate::pinyin::full_and_initials;

/// The query as compared: lower-case, without spaces or apostrophes
/// (`Di Bao`, `di'bao` and `dibao` are one query).
pub fn normalise(q: &str) -> String {
    q.chars().filter(|c| !c.is_whitespace() && *c != '\'' && *c != '’').flat_map(|c| c.to_lowercase()).collect()
}

fn terms(item: &Item) -> Vec<String> {
    let mut t = vec![item.name.clone()];
    t.extend(item.keywords.split([',', '，', '、', ';', '；', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
    t
}

/// How well `item` matches the normalised query `q` (0: not at all).
/// Whole-word matches rank above a word's start, which ranks above a
/// match inside a word; the item's name and keywords above its text.
pub fn score(item: &Item, q: &str) -> u32 {
    if q.is_empty() {
        return 0;
    }
    let terms = terms(item);
    let mut best = 0;
    let mut hit = |s: u32| best = best.max(s);
    if !q.is_ascii() {
        for (i, term) in terms.iter().enumerate() {
            let term = normalise(term);
            if term == q {
                hit(if i == 0 { 100 } else { 95 });
            } else if term.starts_with(q) {
                hit(if i == 0 { 85 } else { 80 });
            } else if term.contains(q) {
                hit(if i == 0 { 75 } else { 70 });
            }
        }
        let body = [item.summary.as_str(), &item.conditions.join(" "), &item.steps.join(" ")].concat();
        if normalise(&body).contains(q) {
            hit(20);
        }
        return best;
    }
    for term in &terms {
        let (full, initials) = full_and_initials(term);
        if full == q || initials == q {
            hit(90);
        } else if full.starts_with(q) {
            hit(60);
        } else if q.len() >= 2 && initials.starts_with(q) {
            hit(55);
        } else if q.len() >= 3 && full.contains(q) {
            hit(40);
        }
    }
    for word in item.pinyin.split([' ', ',']).filter(|w| !w.is_empty()) {
        if word == q {
            hit(90);
        } else if word.starts_with(q) {
            hit(60);
        } else if q.len() >= 3 && word.contains(q) {
            hit(40);
        }
    }
    if q.len() >= 3 && (item.code.replace('-', "").contains(q) || item.name_en.to_lowercase().replace(' ', "").contains(q)) {
        hit(30);
    }
    best
}

/// The items matching `q`, best first (ties by name).
pub fn search<'a>(items: &'a [(Item, crate::store::VersionInfo)], q: &str) -> Vec<&'a (Item, crate::store::VersionInfo)> {
    let q = normalise(q);
    let mut hits: Vec<(u32, &(Item, crate::store::VersionInfo))> = items.iter().map(|x| (score(&x.0, &q), x)).filter(|(s, _)| *s > 0).collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.0.name.cmp(&b.1.0.name)));
    hits.into_iter().map(|(_, x)| x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> Vec<Item> {
        serde_json::from_str(include_str!("seed.json")).unwrap()
    }

    fn first(q: &str) -> String {
        let items = seeds();
        let q = normalise(q);
        let mut s: Vec<(u32, &Item)> = items.iter().map(|i| (score(i, &q), i)).filter(|x| x.0 > 0).collect();
        s.sort_by(|a, b| b.0.cmp(&a.0));
        s.first().map(|x| x.1.code.clone()).unwrap_or_default()
    }

    #[test]
    fn chinese_pinyin_and_initials_find_dibao() {
        assert_eq!(first("低保"), "dibao");
        assert_eq!(first("dibao"), "dibao");
        assert_eq!(first("DB"), "dibao");
        assert_eq!(first("di bao"), "dibao");
        assert_eq!(first("失业"), "shiye-dengji");
        assert_eq!(first("sydj"), "shiye-dengji");
        assert_eq!(first("jzzm"), "juzhu-zhengming");
        assert_eq!(first("没有这个"), "");
    }

    #[test]
    fn every_seed_item_passes_the_checks() {
        for i in seeds() {
            let code = i.code.clone();
            assert!(i.checked().is_ok(), "{code}");
        }
    }
}
