//! The hall's own information (大厅信息): its name, the public address
//! residents' phones reach (the base of every QR code the plugins print)
//! and a service phone. One admin form (`/admin/host/hall`) sets them for
//! every plugin, which reads them through the WIT interface `hall`; a
//! plugin's own setting of the same thing is only an override.
//!
//! Kept in the host tables ([`HostDb`]), so the hosts of a district's hall
//! share one value on PostgreSQL as a hall alone keeps it in its SQLite
//! file.

use crate::auth::{Field, InputError, check_line};
use crate::storage::host_db::{HostDb, sql_args};
use crate::storage::Result;
use serde::Serialize;

/// What an admin set; empty texts are "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HallInfo {
    pub name: String,
    /// `http(s)://host[:port]`, no trailing slash, or empty.
    pub public_url: String,
    pub phone: String,
    /// Who changed it last and when (ms), for the form; absent before.
    pub changed_by: Option<String>,
    pub changed_at: Option<i64>,
}

pub const NAME: Field = Field { name: "name", zh: "大厅名称", en: "The hall's name" };
pub const PUBLIC_URL: Field = Field { name: "public_url", zh: "对外地址", en: "Public address" };
pub const PHONE: Field = Field { name: "phone", zh: "服务电话", en: "Service phone" };

pub const NAME_MAX: usize = 60;
pub const URL_MAX: usize = 200;
pub const PHONE_MAX: usize = 30;

/// The hall's information (all empty before an admin saved it).
pub fn load(db: &HostDb) -> Result<HallInfo> {
    db.read(|tx| {
        let row = tx.query_opt("SELECT name, public_url, phone, changed_by, changed_at FROM hall_info WHERE id = 'hall'", sql_args![])?;
        Ok(match row {
            Some(r) => HallInfo { name: r.get(0)?, public_url: r.get(1)?, phone: r.get(2)?, changed_by: Some(r.get(3)?), changed_at: Some(r.get(4)?) },
            None => HallInfo::default(),
        })
    })
}

/// Keep checked values (see [`check`]).
pub fn save(db: &HostDb, info: &HallInfo, by: &str, now_ms: i64) -> Result<()> {
    db.write(|tx| {
        tx.execute(
            "INSERT INTO hall_info (id, name, public_url, phone, changed_by, changed_at) VALUES ('hall', ?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, public_url = excluded.public_url, phone = excluded.phone, \
             changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            sql_args![info.name.clone(), info.public_url.clone(), info.phone.clone(), by.to_owned(), now_ms],
        )?;
        Ok(())
    })
}

/// Check what an admin typed; every problem names its field. Returns the
/// values as kept (trimmed; the address without a trailing `/`).
pub fn check(name: &str, public_url: &str, phone: &str) -> std::result::Result<HallInfo, InputError> {
    let name = check_line(NAME, name, NAME_MAX, true)?;
    let public_url = check_public_url(public_url)?;
    let phone = check_phone(phone)?;
    Ok(HallInfo { name, public_url, phone, changed_by: None, changed_at: None })
}

fn bad(f: Field, zh: &str, en: &str) -> InputError {
    InputError::new("field_invalid", Some(f.name), format!("{}{zh}", f.zh), format!("{} {en}", f.en))
}

/// `http(s)://host[:port]`: what a phone opens with a path after it. A
/// path, a query, a fragment or a user name would be glued in front of
/// every plugin's path and break every QR code, so they are refused.
pub fn check_public_url(value: &str) -> std::result::Result<String, InputError> {
    let v = check_line(PUBLIC_URL, value, URL_MAX, true)?;
    if v.is_empty() {
        return Ok(v);
    }
    let v = v.strip_suffix('/').unwrap_or(&v).to_owned();
    let lower = v.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return Err(bad(
            PUBLIC_URL,
            "应以 http:// 或 https:// 开头，例如 http://192.168.1.10:8080",
            "must start with http:// or https://, e.g. http://192.168.1.10:8080",
        ));
    };
    if let Some(c) = rest.chars().find(|c| matches!(c, '/' | '?' | '#' | '@' | '\\')) {
        return Err(bad(
            PUBLIC_URL,
            &format!("只填协议、主机和端口（如 https://hall.example 或 http://192.168.1.10:8080），不要带路径或参数（发现“{c}”）"),
            &format!("is the scheme, host and port only (e.g. https://hall.example or http://192.168.1.10:8080), without a path or query (found `{c}`)"),
        ));
    }
    // host[:port], the host a name, an IPv4 address or a bracketed IPv6 one.
    let (host, port) = match rest.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((h, "")) if ipv6(h) => (h, None),
            Some((h, p)) if ipv6(h) && p.starts_with(':') => (h, Some(&p[1..])),
            _ => return Err(bad(PUBLIC_URL, "的主机名无效", "has an invalid host")),
        },
        None => match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        },
    };
    let host_ok = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
        && !host.starts_with(['.', '-'])
        && !host.ends_with('-');
    if !host_ok {
        return Err(bad(PUBLIC_URL, "的主机名无效（只能含字母、数字、点和连字符）", "has an invalid host (letters, digits, dots and hyphens only)"));
    }
    if let Some(p) = port {
        if !matches!(p.parse::<u32>(), Ok(1..=65535)) || p.starts_with('+') {
            return Err(bad(PUBLIC_URL, "的端口应为 1–65535 的数字", "has a port that is not a number from 1 to 65535"));
        }
    }
    Ok(v)
}

fn ipv6(h: &str) -> bool {
    !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
}

/// A phone number as printed: digits with `-`, spaces, `+` or brackets.
pub fn check_phone(value: &str) -> std::result::Result<String, InputError> {
    let v = check_line(PHONE, value, PHONE_MAX, true)?;
    if !v.chars().all(|c| c.is_ascii_digit() || " -+()（）".contains(c)) || (!v.is_empty() && !v.chars().any(|c| c.is_ascii_digit())) {
        return Err(bad(PHONE, "只能含数字、空格、“-”、“+”和括号，例如 010-12345678", "may hold digits, spaces, `-`, `+` and brackets only, e.g. 010-12345678"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: std::result::Result<HallInfo, InputError>) -> String {
        r.err().and_then(|e| e.field).unwrap_or_default()
    }

    #[test]
    fn addresses_are_scheme_host_and_port_only() {
        for ok in ["http://192.168.1.10:8080", "https://hall.example", "https://hall.example/", "http://[::1]:8080", "HTTP://Hall.Example"] {
            assert!(check_public_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_public_url(" https://hall.example/ ").unwrap(), "https://hall.example");
        assert_eq!(check_public_url("").unwrap(), "");
        for bad in [
            "hall.example",
            "javascript:alert(1)",
            "https://hall.example/queue",
            "https://hall.example?x=1",
            "https://hall.example#a",
            "https://user@hall.example",
            "https://hall.example:0",
            "https://hall.example:99999",
            "https://hall.example:80x",
            "https://hall example",
            "https://",
            "https://hall.example\u{7}",
        ] {
            assert_eq!(field(check("", bad, "")), "public_url", "{bad:?}");
        }
        assert_eq!(field(check("", &format!("https://{}", "a".repeat(100_000)), "")), "public_url");
    }

    #[test]
    fn name_and_phone_are_checked_naming_their_field() {
        assert_eq!(field(check("大厅\u{1b}", "", "")), "name");
        assert_eq!(field(check(&"厅".repeat(100_000), "", "")), "name");
        assert_eq!(field(check("", "", "call me")), "phone");
        assert_eq!(field(check("", "", "--")), "phone");
        let ok = check(" 某某社区便民服务大厅 ", "http://10.0.0.2:8080/", "010-1234 5678").unwrap();
        assert_eq!((ok.name.as_str(), ok.public_url.as_str(), ok.phone.as_str()), ("某某社区便民服务大厅", "http://10.0.0.2:8080", "010-1234 5678"));
    }
}
