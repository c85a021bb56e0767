//! A service item (事项) as editors keep it and residents read it, and the
//! checks every saved version passes (each refusal names its field).

use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// One service item. The whole item is one version: a change stores a new
/// copy, so the text in force on any date can be shown as it was.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub category: String,
    #[serde(default)]
    pub keywords: String,
    /// Pinyin an editor gives (`dibao db`): found by search besides the
    /// pinyin the plugin's table gives for the name and keywords, for
    /// characters the table lacks or a reading it gets wrong.
    #[serde(default)]
    pub pinyin: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub materials: Vec<Material>,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub role: String,
    /// 承诺时限 in working days; 0 = done on the spot (即办).
    #[serde(default)]
    pub time_limit_days: u32,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub faqs: Vec<Faq>,
    /// Where the text was written from (a city's 政务服务网 guide).
    #[serde(default)]
    pub source: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Stable within the item (m1, m2…): appointments and applications
    /// refer to a material by it.
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// `original` (原件), `copy` (复印件) or `both` (原件及复印件).
    #[serde(default = "original")]
    pub kind: String,
    #[serde(default = "one")]
    pub copies: u32,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub issuer: String,
    /// A sample picture: a path in the hall (`/guides/assets/…`) or an https address.
    #[serde(default)]
    pub sample: String,
    /// The hall holds it for its residents (shared records): no need to bring.
    #[serde(default)]
    pub on_file: bool,
    #[serde(default)]
    pub note: String,
}

fn original() -> String {
    "original".into()
}
fn one() -> u32 {
    1
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub q: String,
    pub a: String,
}

pub const CATEGORIES: &[(&str, &str, &str)] = &[
    ("minzheng", "民政", "Civil affairs"),
    ("laodong", "劳动保障", "Labour and social security"),
    ("weijian", "卫生健康", "Health"),
    ("zhengming", "社区证明", "Community certificates"),
    ("qita", "其他", "Other"),
];

pub fn category_label(code: &str, lang: &str) -> String {
    CATEGORIES.iter().find(|c| c.0 == code).map(|c| t(lang, c.1, c.2).to_owned()).unwrap_or_else(|| code.to_owned())
}

pub fn kind_label(kind: &str, lang: &str) -> &'static str {
    match kind {
        "copy" => t(lang, "复印件", "copy"),
        "both" => t(lang, "原件及复印件", "original and copy"),
        _ => t(lang, "原件", "original"),
    }
}

/// A refusal naming the field (`materials[2].name`) in the host's error
/// format, with the field's path added for the form to point at.
pub struct Invalid {
    pub status: u16,
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl Invalid {
    pub fn new(field: &str, zh: String, en: String) -> Invalid {
        Invalid { status: 422, field: field.to_owned(), zh, en }
    }
    pub fn into_response(self) -> Response {
        Response::json(
            self.status,
            &serde_json::json!({"error": {"code": "invalid", "field": self.field, "message_zh": self.zh, "message_en": self.en}}),
        )
    }
}

/// NUL and the other control characters (a line break and a tab allowed
/// in long text), and the invisible direction marks that make text read
/// differently from what it is.
fn forbidden(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// One text field checked and tidied, or the refusal naming it.
pub fn clean(field: &str, zh: &str, en: &str, text: &str, max: usize, multiline: bool, required: bool) -> Result<String, Invalid> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if let Some(c) = text.chars().find(|c| forbidden(*c, multiline)) {
        let code = format!("U+{:04X}", c as u32);
        return Err(Invalid::new(
            field,
            format!("“{zh}”含有不允许的控制字符（{code}），请删除后再保存"),
            format!("“{en}” contains a control character ({code}) that is not allowed; remove it and save again"),
        ));
    }
    let n = text.chars().count();
    if required && n == 0 {
        return Err(Invalid::new(field, format!("“{zh}”不能为空"), format!("“{en}” must not be empty")));
    }
    if n > max {
        return Err(Invalid::new(
            field,
            format!("“{zh}”不能超过 {max} 个字（现在 {n} 个）"),
            format!("“{en}” must be at most {max} characters (it has {n})"),
        ));
    }
    Ok(text.to_owned())
}

fn clean_list(field: &str, zh: &str, en: &str, list: &[String], max_items: usize, max: usize) -> Result<Vec<String>, Invalid> {
    if list.len() > max_items {
        return Err(Invalid::new(field, format!("“{zh}”最多 {max_items} 条（现在 {} 条）", list.len()), format!("“{en}” may have at most {max_items} entries (it has {})", list.len())));
    }
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let v = clean(&format!("{field}[{i}]"), &format!("{zh}第 {} 条", i + 1), &format!("{en} #{}", i + 1), s, max, false, false)?;
        if !v.is_empty() {
            out.push(v);
        }
    }
    Ok(out)
}

pub fn valid_code(code: &str) -> bool {
    let b = code.as_bytes();
    (2..=40).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

impl Item {
    /// The item checked field by field and tidied (blank list entries
    /// dropped, material ids given), or the first refusal.
    pub fn checked(mut self) -> Result<Item, Invalid> {
        if !valid_code(&self.code) {
            return Err(Invalid::new(
                "code",
                "“事项编号”须为 2–40 个小写字母、数字或连字符，以字母开头（如 dibao）".into(),
                "“Item code” must be 2–40 lower-case letters, digits or hyphens, starting with a letter (e.g. dibao)".into(),
            ));
        }
        self.name = clean("name", "事项名称", "Item name", &self.name, 60, false, true)?;
        self.name_en = clean("name_en", "英文名称", "English name", &self.name_en, 120, false, false)?;
        if !CATEGORIES.iter().any(|c| c.0 == self.category) {
            return Err(Invalid::new("category", "“类别”不在可选范围内".into(), "“Category” is not one of the choices".into()));
        }
        self.keywords = clean("keywords", "搜索关键词", "Search keywords", &self.keywords, 200, false, false)?;
        self.pinyin = clean("pinyin", "拼音关键词", "Pinyin keywords", &self.pinyin, 200, false, false)?.to_ascii_lowercase();
        if let Some(c) = self.pinyin.chars().find(|c| !(c.is_ascii_lowercase() || *c == ' ' || *c == ',')) {
            return Err(Invalid::new(
                "pinyin",
                format!("“拼音关键词”只能包含字母、空格和逗号（有“{c}”）"),
                format!("“Pinyin keywords” may hold only letters, spaces and commas (found “{c}”)"),
            ));
        }
        self.summary = clean("summary", "事项简介", "Summary", &self.summary, 1000, true, false)?;
        self.conditions = clean_list("conditions", "申请条件", "Conditions", &self.conditions, 30, 500)?;
        if self.materials.len() > 40 {
            return Err(Invalid::new("materials", "“申请材料”最多 40 项".into(), "“Materials” may have at most 40 entries".into()));
        }
        // Ids the editor's form sent back are kept; a new material gets the
        // first `mN` no other material of the item has.
        let given: Vec<String> = self.materials.iter().map(|m| m.id.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        let mut ids: Vec<String> = Vec::new();
        let mut next = 1;
        for (i, m) in self.materials.iter_mut().enumerate() {
            let f = |s: &str| format!("materials[{i}].{s}");
            let (zh, en) = (format!("材料第 {} 项的", i + 1), format!("material #{}: ", i + 1));
            m.name = clean(&f("name"), &format!("{zh}名称"), &format!("{en}name"), &m.name, 100, false, true)?;
            if !matches!(m.kind.as_str(), "original" | "copy" | "both") {
                return Err(Invalid::new(&f("kind"), format!("{zh}“原件/复印件”不在可选范围内"), format!("{en}“original or copy” is not one of the choices")));
            }
            if m.copies > 20 {
                return Err(Invalid::new(&f("copies"), format!("{zh}份数不能超过 20"), format!("{en}copies must be at most 20")));
            }
            m.format = clean(&f("format"), &format!("{zh}格式要求"), &format!("{en}format"), &m.format, 100, false, false)?;
            m.issuer = clean(&f("issuer"), &format!("{zh}出具单位"), &format!("{en}issuer"), &m.issuer, 100, false, false)?;
            m.sample = clean(&f("sample"), &format!("{zh}样例图片"), &format!("{en}sample picture"), &m.sample, 300, false, false)?;
            if !(m.sample.is_empty() || safe_link(&m.sample)) {
                return Err(Invalid::new(
                    &f("sample"),
                    format!("{zh}样例图片须是本大厅的路径（以 / 开头）或 https:// 地址"),
                    format!("{en}the sample picture must be a path in the hall (starting with /) or an https:// address"),
                ));
            }
            m.note = clean(&f("note"), &format!("{zh}备注"), &format!("{en}note"), &m.note, 300, false, false)?;
            m.id = m.id.trim().to_owned();
            if m.id.is_empty() {
                // Never reuse an id an earlier material had in this version.
                while given.contains(&format!("m{next}")) || ids.contains(&format!("m{next}")) {
                    next += 1;
                }
                m.id = format!("m{next}");
            }
            if m.id.len() > 16 || !m.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') || ids.contains(&m.id) {
                return Err(Invalid::new(&f("id"), format!("{zh}编号无效或重复"), format!("{en}the id is invalid or repeated")));
            }
            ids.push(m.id.clone());
        }
        self.steps = clean_list("steps", "办理流程", "Steps", &self.steps, 30, 500)?;
        self.window = clean("window", "受理窗口", "Window", &self.window, 60, false, false)?;
        self.role = clean("role", "负责岗位", "Responsible role", &self.role, 60, false, false)?;
        if self.time_limit_days > 365 {
            return Err(Invalid::new("time_limit_days", "“承诺时限”不能超过 365 个工作日".into(), "“Promised time limit” must be at most 365 working days".into()));
        }
        self.fees = clean("fees", "收费标准", "Fees", &self.fees, 500, true, false)?;
        self.legal_basis = clean("legal_basis", "设定依据", "Legal basis", &self.legal_basis, 2000, true, false)?;
        if self.faqs.len() > 30 {
            return Err(Invalid::new("faqs", "“常见问题”最多 30 条".into(), "“FAQs” may have at most 30 entries".into()));
        }
        for (i, q) in self.faqs.iter_mut().enumerate() {
            q.q = clean(&format!("faqs[{i}].q"), &format!("常见问题第 {} 条的问题", i + 1), &format!("FAQ #{} question", i + 1), &q.q, 200, false, true)?;
            q.a = clean(&format!("faqs[{i}].a"), &format!("常见问题第 {} 条的回答", i + 1), &format!("FAQ #{} answer", i + 1), &q.a, 2000, true, true)?;
        }
        self.source = clean("source", "指南来源", "Source", &self.source, 300, false, false)?;
        Ok(self)
    }
}

/// The body's fields checked for their JSON type before it is read, so a
/// wrong type (a number given as text, a negative count) is refused naming
/// its field instead of with the parser's line and column.
pub fn check_types(item: &serde_json::Value) -> Result<(), Invalid> {
    use serde_json::Value;
    let Some(obj) = item.as_object() else {
        return Err(Invalid::new("item", "“item”须为事项的各个字段".into(), "“item” must hold the item's fields".into()));
    };
    let wrong = |field: &str, zh: &str, en: &str| Invalid::new(field, format!("“{field}”{zh}"), format!("“{field}” {en}"));
    let text = ["code", "name", "name_en", "category", "keywords", "pinyin", "summary", "window", "role", "fees", "legal_basis", "source"];
    for (k, v) in obj {
        let k = k.as_str();
        match v {
            Value::String(_) if text.contains(&k) => {}
            _ if text.contains(&k) => return Err(wrong(k, "须为文字", "must be text")),
            Value::Array(list) if k == "conditions" || k == "steps" => {
                if let Some(i) = list.iter().position(|x| !x.is_string()) {
                    return Err(wrong(&format!("{k}[{i}]"), "须为文字", "must be text"));
                }
            }
            Value::Number(n) if k == "time_limit_days" && n.as_u64().is_some_and(|d| d <= 365) => {}
            _ if k == "time_limit_days" => return Err(wrong(k, "须为 0 到 365 之间的整数（工作日）", "must be a whole number of working days from 0 to 365")),
            Value::Array(list) if k == "materials" || k == "faqs" => {
                for (i, m) in list.iter().enumerate() {
                    let Some(m) = m.as_object() else { return Err(wrong(&format!("{k}[{i}]"), "须为一组字段", "must be a group of fields")) };
                    for (f, v) in m {
                        let path = format!("{k}[{i}].{f}");
                        let ok = match f.as_str() {
                            "copies" => v.as_u64().is_some_and(|c| c <= 20),
                            "on_file" => v.is_boolean(),
                            _ => v.is_string(),
                        };
                        if !ok {
                            let (zh, en) = match f.as_str() {
                                "copies" => ("须为 0 到 20 之间的整数", "must be a whole number from 0 to 20"),
                                "on_file" => ("须为是或否", "must be true or false"),
                                _ => ("须为文字", "must be text"),
                            };
                            return Err(wrong(&path, zh, en));
                        }
                    }
                }
            }
            _ if ["conditions", "steps", "materials", "faqs"].contains(&k) => return Err(wrong(k, "须为列表", "must be a list")),
            // Unknown fields are named by the reader itself.
            _ => {}
        }
    }
    Ok(())
}

/// A link a page may carry: a path in the hall (not `//host` nor `/\\host`,
/// which browsers read as another site) or an https address; no spaces,
/// quotes or angle brackets.
pub fn safe_link(s: &str) -> bool {
    let local = s.starts_with('/') && !s.starts_with("//") && !s.contains('\\');
    (local || s.starts_with("https://")) && !s.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
}

/// `YYYY-MM-DD` with a real day, or `None`.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit())).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(valid_date("2026-03-01"));
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2026-02-29"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("2026-3-1"));
    }

    #[test]
    fn sample_links() {
        assert!(safe_link("/guides/assets/sample-form.svg") && safe_link("https://example.cn/a.png"));
        assert!(!safe_link("//evil.example/x") && !safe_link("/\\evil.example") && !safe_link("javascript:alert(1)") && !safe_link("http://x"));
    }
}
