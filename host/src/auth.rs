//! Who is asking: staff sessions, device tokens, or nobody.
//!
//! The host resolves the caller from the request before any plugin runs and
//! hands the plugin only the verified result ([`Caller`]): never a password,
//! a session token or a device token.

pub mod devices;
pub mod grants;
pub mod sessions;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CallerKind {
    Anonymous,
    Staff,
    Device { device_kind: String },
}

/// The verified caller of one request.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    #[serde(flatten)]
    pub kind: CallerKind,
    pub id: Option<String>,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub window: Option<String>,
    pub lang: String,
}

impl Caller {
    pub fn anonymous(lang: &str) -> Self {
        Caller { kind: CallerKind::Anonymous, id: None, name: None, roles: vec![], window: None, lang: lang.to_owned() }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.kind, CallerKind::Staff) && self.roles.iter().any(|r| r == "admin")
    }

    pub fn kind_str(&self) -> &'static str {
        match self.kind {
            CallerKind::Anonymous => "anonymous",
            CallerKind::Staff => "staff",
            CallerKind::Device { .. } => "device",
        }
    }
}

/// Staff roles the host knows.
pub const ROLES: &[&str] = &["admin", "supervisor", "clerk", "guide", "editor", "maintainer", "volunteer", DISTRICT_ROLE];

/// The district supervisor (街道主管): sees every hall's figures on the
/// district page. A hall's admin can neither give nor take it (only a
/// district supervisor, or `linli staff` on the command line, can): a
/// hall's staff never see another hall's data.
pub const DISTRICT_ROLE: &str = "district";

/// Input a person typed that the host refuses, with the field named, in
/// both languages, and a stable code for scripts (`username_taken`,
/// `field_invalid`…). Every place text enters the host returns this, so an
/// answer never carries a storage or parser message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{zh} / {en}")]
pub struct InputError {
    pub code: &'static str,
    /// The request field the problem is in (`username`, `name`…).
    pub field: Option<String>,
    pub zh: String,
    pub en: String,
}

impl InputError {
    pub fn new(code: &'static str, field: Option<&str>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        InputError { code, field: field.map(str::to_owned), zh: zh.into(), en: en.into() }
    }

    /// A storage failure behind an input: logged in full, answered without
    /// its text.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "storage failed while handling a staff request");
        InputError::new("internal", None, "服务内部错误，请稍后再试", "internal error; try again shortly")
    }
}

/// A field of a form as people read it: its request name, its Chinese and
/// English labels.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Characters never accepted in a name or a line of text: control
/// characters (NUL, ESC and the rest of C0/C1, DEL) and the bidirectional
/// embedding, override and isolate controls, which can make a name read
/// backwards on a screen or in the audit log.
pub fn forbidden_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Check one line of text: trimmed, not empty (unless `optional`), at
/// most `max` characters, no [`forbidden_char`]. Returns the trimmed text.
pub fn check_line(f: Field, value: &str, max: usize, optional: bool) -> Result<String, InputError> {
    let v = value.trim();
    if v.is_empty() {
        if optional {
            return Ok(String::new());
        }
        return Err(InputError::new("field_required", Some(f.name), format!("请填写{}", f.zh), format!("{} is required", f.en)));
    }
    let n = v.chars().count();
    if n > max {
        return Err(InputError::new(
            "field_too_long",
            Some(f.name),
            format!("{}最多 {max} 个字符（现在 {n} 个）", f.zh),
            format!("{} may be at most {max} characters long (it has {n})", f.en),
        ));
    }
    if let Some(c) = v.chars().find(|c| forbidden_char(*c)) {
        return Err(InputError::new(
            "field_invalid_char",
            Some(f.name),
            format!("{}含有不允许的控制字符（U+{:04X}）", f.zh, c as u32),
            format!("{} contains a control character that is not allowed (U+{:04X})", f.en, c as u32),
        ));
    }
    Ok(v.to_owned())
}

/// A window number as staff type it: 1–10 letters or digits (`3`, `A2`).
pub fn check_window(f: Field, value: &str) -> Result<Option<String>, InputError> {
    let v = check_line(f, value, 10, true)?;
    if v.is_empty() {
        return Ok(None);
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(InputError::new(
            "field_invalid",
            Some(f.name),
            format!("{}只能由字母和数字组成，例如 3", f.zh),
            format!("{} may only use letters and digits, e.g. 3", f.en),
        ));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod text_tests {
    use super::*;
    const F: Field = Field { name: "name", zh: "姓名", en: "Name" };

    #[test]
    fn lines_are_limited_and_control_characters_refused() {
        assert_eq!(check_line(F, "  张三  ", 40, false).unwrap(), "张三");
        let long = "长".repeat(100_000);
        let e = check_line(F, &long, 40, false).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("field_too_long", Some("name")));
        assert!(e.zh.contains("姓名") && e.en.contains("Name"), "{e}");
        for bad in ["a\0b", "a\u{1b}[31mb", "a\u{202E}b", "a\u{2066}b", "a\u{7f}b"] {
            assert_eq!(check_line(F, bad, 40, false).unwrap_err().code, "field_invalid_char", "{bad:?}");
        }
        assert_eq!(check_line(F, " ", 40, false).unwrap_err().code, "field_required");
        assert_eq!(check_window(F, "3").unwrap().as_deref(), Some("3"));
        assert!(check_window(F, "3; drop").is_err());
    }
}

/// A role as people read it, in Chinese or English.
pub fn role_name(r: &str, zh: bool) -> &'static str {
    match (r, zh) {
        ("admin", true) => "管理员",
        ("supervisor", true) => "主管",
        ("clerk", true) => "窗口办事员",
        ("guide", true) => "导办员",
        ("editor", true) => "内容编辑",
        ("maintainer", true) => "系统维护",
        ("volunteer", true) => "志愿者",
        ("district", true) => "街道主管",
        ("admin", false) => "admin",
        ("supervisor", false) => "supervisor",
        ("clerk", false) => "clerk",
        ("guide", false) => "guide",
        ("editor", false) => "content editor",
        ("maintainer", false) => "maintainer",
        ("volunteer", false) => "volunteer",
        ("district", false) => "district supervisor",
        (_, true) => "未知角色",
        (_, false) => "unknown role",
    }
}

/// A device kind as people read it.
pub fn device_kind_name(k: &str, zh: bool) -> &'static str {
    match (k, zh) {
        ("kiosk", true) => "自助取号机",
        ("screen", true) => "等候区显示屏",
        ("evaluator", true) => "窗口评价器",
        ("kiosk", false) => "kiosk",
        ("screen", false) => "signage screen",
        ("evaluator", false) => "window evaluator",
        (_, true) => "未知类型",
        (_, false) => "unknown kind",
    }
}
