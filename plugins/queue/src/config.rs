//! The hall's queue configuration: services, windows, hours, issuing
//! periods and the call-next policy.
//!
//! The effective configuration is the manifest default, merged (top-level
//! keys) with `[plugins.queue.config]` in `data/linli.toml`, and then with
//! what an admin saved on `/queue/admin` (kept in kv so it survives without
//! touching the host's settings file).

use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where the admin page keeps its top-level overrides.
pub const OVERRIDE_KEY: &str = "config/override";

/// The most tickets a service's daily limit or a period's quota may allow.
pub const MAX_TICKETS: u32 = 100_000;

// Defaults per field, not for the whole struct: a whole default
// configuration built and thrown away on every call (every call reads the
// configuration) showed up in the profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "defaults::services")]
    pub services: Vec<Service>,
    #[serde(default = "defaults::windows")]
    pub windows: Vec<Window>,
    #[serde(default)]
    pub hours: Hours,
    #[serde(default = "defaults::periods")]
    pub periods: Vec<Period>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub tickets: TicketRules,
    /// Base of the URL printed in the QR code (`http://192.168.1.10:8080`):
    /// the queue's own override; empty = the hall's public address
    /// (大厅信息, see [`Config::public_base`]), else the request's Host.
    #[serde(default)]
    pub public_url: String,
}

impl Config {
    /// The QR code's base address: the queue's own `public_url` when set,
    /// else the hall's (大厅信息 on `/admin/host/hall`), else empty.
    pub fn public_base(&self) -> String {
        linli_sdk::hall::public_url_or(&self.public_url)
    }
}

mod defaults {
    pub fn services() -> Vec<super::Service> {
        super::Config::default().services
    }
    pub fn windows() -> Vec<super::Window> {
        super::Config::default().windows
    }
    pub fn periods() -> Vec<super::Period> {
        super::Config::default().periods
    }
    pub fn handling_minutes() -> u32 {
        8
    }
    pub fn until() -> String {
        "24:00".into()
    }
}

/// One service (业务) with its ticket prefix and limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    #[serde(default)]
    pub code: String,
    /// Ticket prefix; empty = the code.
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Tickets a day (限号); 0 = no limit.
    #[serde(default)]
    pub daily_limit: u32,
    /// Tickets per issuing period code (`am`, `pm`); absent or 0 = no quota.
    #[serde(default)]
    pub quota: BTreeMap<String, u32>,
    /// Handling time assumed before any ticket of the day was finished.
    #[serde(default = "defaults::handling_minutes")]
    pub handling_minutes: u32,
}

/// One window (窗口) and the services it serves, main service first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hours {
    /// `HH:MM` local time.
    pub open: String,
    pub close: String,
    /// No ticket is issued at or after this time.
    pub last_ticket: String,
    /// ISO weekdays the hall opens (Monday = 1 … Sunday = 7).
    pub days: Vec<u8>,
    /// `YYYY-MM-DD` dates the hall stays closed (holidays).
    pub closed_dates: Vec<String>,
    /// Follow the national working-day calendar (capability `calendar`,
    /// `content/calendar/`): closed on public holidays that fall on a
    /// weekday, open on the official make-up working days (调休上班) even
    /// on a weekend. Where the calendar has no year, `days` alone decides.
    pub follow_calendar: bool,
    /// At closing: `clear` (waiting tickets leave unserved) or `carry`
    /// (they stay in the queue for the next opening, keeping their time).
    pub at_close: String,
}

/// An issuing period for quotas: from the previous period's end (or
/// opening) until `until`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default = "defaults::until")]
    pub until: String,
}

/// How "call next" picks a ticket; see `policy.rs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Appointment tickets are called first once their time has come.
    pub appointments_first: bool,
    /// An appointment counts as due this many minutes before its time.
    pub appointment_early_minutes: u32,
    /// Checked in later than this after the slot: queued as a walk-in.
    pub appointment_late_minutes: u32,
    /// Priority tickets (elderly, disabled, pregnant) are called first.
    pub priority_first: bool,
    /// At most this many appointment/priority calls in a row at a window
    /// while walk-ins wait; 0 = no limit.
    pub max_in_row: u32,
    /// `main-first`: the window's main service, then its secondary ones in
    /// order; `oldest`: the oldest ticket among all the window's services.
    pub window_order: String,
    /// Recalls (重呼) allowed per call.
    pub max_recalls: u32,
    /// A skipped (过号) ticket whose resident returns: `requeue` puts it
    /// back `requeue_places` places behind the head; `expire` refuses.
    pub missed: String,
    pub requeue_places: u32,
    /// A skipped ticket leaves unserved after this many minutes.
    pub missed_keep_minutes: u32,
    /// A window with no activity for this long does not count as open.
    pub window_idle_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRules {
    /// One live ticket per phone per service (never for 代办 tickets).
    pub one_per_phone: bool,
}

fn service(code: &str, zh: &str, en: &str, limit: u32, am: u32, pm: u32, minutes: u32) -> Service {
    Service {
        code: code.into(),
        prefix: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        daily_limit: limit,
        quota: [("am".to_string(), am), ("pm".to_string(), pm)].into_iter().collect(),
        handling_minutes: minutes,
    }
}

fn window(number: &str, services: &[&str]) -> Window {
    Window { number: number.into(), services: services.iter().map(|s| s.to_string()).collect() }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            services: vec![
                service("A", "民政事务", "Civil affairs", 200, 120, 80, 8),
                service("B", "劳动保障", "Labour and social security", 200, 120, 80, 10),
                service("C", "卫生健康", "Health", 150, 90, 60, 6),
                service("D", "综合/证明开具", "General / certificates", 300, 180, 120, 5),
            ],
            windows: vec![
                window("1", &["A", "D"]),
                window("2", &["A", "B"]),
                window("3", &["B", "A"]),
                window("4", &["C", "D"]),
                window("5", &["D", "C", "A", "B"]),
            ],
            hours: Hours::default(),
            periods: vec![
                Period { code: "am".into(), name_zh: "上午".into(), name_en: "Morning".into(), until: "12:00".into() },
                Period { code: "pm".into(), name_zh: "下午".into(), name_en: "Afternoon".into(), until: "24:00".into() },
            ],
            policy: Policy::default(),
            tickets: TicketRules::default(),
            public_url: String::new(),
        }
    }
}

impl Default for Hours {
    fn default() -> Self {
        Hours {
            open: "08:30".into(),
            close: "17:00".into(),
            last_ticket: "16:30".into(),
            days: vec![1, 2, 3, 4, 5, 6],
            closed_dates: vec![],
            follow_calendar: true,
            at_close: "clear".into(),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            appointments_first: true,
            appointment_early_minutes: 5,
            appointment_late_minutes: 30,
            priority_first: true,
            max_in_row: 3,
            window_order: "main-first".into(),
            max_recalls: 2,
            missed: "requeue".into(),
            requeue_places: 3,
            missed_keep_minutes: 30,
            window_idle_minutes: 30,
        }
    }
}

impl Default for TicketRules {
    fn default() -> Self {
        TicketRules { one_per_phone: true }
    }
}

impl Config {
    /// The effective configuration: host config, then the admin's overrides.
    pub fn load() -> Result<Config, Invalid> {
        match kv::get_json::<serde_json::Value>(OVERRIDE_KEY) {
            Ok(Some(serde_json::Value::Object(over))) if !over.is_empty() => {
                let mut base: serde_json::Value = config::get().map_err(Invalid::host)?;
                if let serde_json::Value::Object(b) = &mut base {
                    for (k, v) in over {
                        b.insert(k, v);
                    }
                }
                Config::from_json(&base)
            }
            // No admin overrides: straight from the host's text, without
            // building a JSON tree first (this runs on every call); only a
            // configuration that fails is read again, to say where.
            _ => match config::get::<Config>() {
                Ok(cfg) => cfg.check().map(|()| cfg),
                Err(e) => Err(config::get::<serde_json::Value>().map(|v| locate(&v)).ok().filter(|p| !p.0.is_empty()).unwrap_or_else(|| Invalid::host(e))),
            },
        }
    }

    /// Read and check a configuration; every problem is named by its path.
    pub fn from_json(v: &serde_json::Value) -> Result<Config, Invalid> {
        match Config::deserialize(v) {
            Ok(cfg) => cfg.check().map(|()| cfg),
            Err(e) => {
                let found = locate(v);
                Err(if found.0.is_empty() { Invalid(vec![Problem::new(String::new(), "格式不正确".into(), e.to_string())]) } else { found })
            }
        }
    }

    /// Everything that would break the hall although the types are right:
    /// a time of 0 minutes, a weekday 8, a date that is no date, the last
    /// ticket before opening, a public address that is not http(s). Each
    /// problem names its field (`services[2].handling_minutes`).
    pub fn check(&self) -> Result<(), Invalid> {
        // Plain scans, no sets, and no path text unless something is wrong:
        // this runs on every call, over a few dozen entries at most.
        let mut c = Checker(Vec::new());
        if self.services.is_empty() {
            c.bad("services".into(), "至少需要一项业务", "at least one service is needed");
        }
        for (i, s) in self.services.iter().enumerate() {
            let at = |f: &str| format!("services[{i}].{f}");
            if !token(&s.code, 8) {
                c.bad(at("code"), "业务编号应为 1 至 8 个英文字母或数字", "the service code must be 1 to 8 letters or digits");
            } else if self.services[..i].iter().any(|o| o.code == s.code) {
                c.bad(at("code"), &format!("业务编号 {} 重复", s.code), &format!("service `{}` is listed twice", s.code));
            }
            if !s.prefix.is_empty() && !token(&s.prefix, 8) {
                c.bad(at("prefix"), "号票前缀应为 1 至 8 个英文字母或数字", "the ticket prefix must be 1 to 8 letters or digits");
            } else if self.services[..i].iter().any(|o| o.prefix() == s.prefix()) {
                c.bad(at("prefix"), &format!("号票前缀 {} 已被其他业务使用，号票会重号", s.prefix()), &format!("ticket prefix `{}` is used by another service: tickets would share numbers", s.prefix()));
            }
            c.text(|| at("name_zh"), &s.name_zh, 40, true);
            c.text(|| at("name_en"), &s.name_en, 80, true);
            if s.daily_limit > MAX_TICKETS {
                c.bad(at("daily_limit"), &format!("每日限号应在 0 至 {MAX_TICKETS} 之间（0 为不限）"), &format!("the daily limit must be 0 to {MAX_TICKETS} (0 = none)"));
            }
            for (p, n) in &s.quota {
                if !self.periods.iter().any(|x| &x.code == p) {
                    c.bad(format!("services[{i}].quota.{p}"), &format!("没有名为 {p} 的取号时段"), &format!("there is no issuing period `{p}`"));
                } else if *n > MAX_TICKETS {
                    c.bad(format!("services[{i}].quota.{p}"), &format!("时段配额应在 0 至 {MAX_TICKETS} 之间"), &format!("the quota must be 0 to {MAX_TICKETS}"));
                }
            }
            if !(1..=480).contains(&s.handling_minutes) {
                c.bad(at("handling_minutes"), "办理时长应为 1 至 480 分钟", "the handling time must be 1 to 480 minutes");
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            if w.number.trim().is_empty() || w.number.chars().count() > 8 || w.number.chars().any(|ch| ch.is_control() || ch.is_whitespace()) {
                c.bad(format!("windows[{i}].number"), "窗口号应为 1 至 8 个字符，不含空格", "the window number must be 1 to 8 characters without spaces");
            } else if self.windows[..i].iter().any(|o| o.number == w.number) {
                c.bad(format!("windows[{i}].number"), &format!("{} 号窗口重复", w.number), &format!("window `{}` is listed twice", w.number));
            }
            for (j, code) in w.services.iter().enumerate() {
                if self.service(code).is_none() {
                    c.bad(format!("windows[{i}].services[{j}]"), &format!("没有编号为 {code} 的业务"), &format!("window {} serves unknown service `{code}`", w.number));
                } else if w.services[..j].contains(code) {
                    c.bad(format!("windows[{i}].services[{j}]"), &format!("业务 {code} 重复"), &format!("service `{code}` is listed twice"));
                }
            }
        }
        let h = &self.hours;
        let open = c.time(|| "hours.open".into(), &h.open, false);
        let close = c.time(|| "hours.close".into(), &h.close, true);
        let last = c.time(|| "hours.last_ticket".into(), &h.last_ticket, true);
        if let (Some(o), Some(cl)) = (open, close)
            && cl <= o
        {
            c.bad("hours.close".into(), "闭厅时间应晚于开门时间", "closing must be after opening");
        }
        if let (Some(o), Some(l)) = (open, last)
            && l <= o
        {
            c.bad("hours.last_ticket".into(), "停止取号时间应晚于开门时间", "the last ticket must be after opening");
        }
        if let (Some(cl), Some(l)) = (close, last)
            && l > cl
        {
            c.bad("hours.last_ticket".into(), "停止取号时间不应晚于闭厅时间", "the last ticket must not be after closing");
        }
        if h.days.is_empty() {
            c.bad("hours.days".into(), "至少选择一个办公日（1 为周一，7 为周日）", "choose at least one opening day (1 = Monday … 7 = Sunday)");
        }
        for (i, d) in h.days.iter().enumerate() {
            if !(1..=7).contains(d) {
                c.bad(format!("hours.days[{i}]"), "办公日应为 1 至 7（1 为周一，7 为周日）", "a weekday must be 1 to 7 (1 = Monday … 7 = Sunday)");
            } else if h.days[..i].contains(d) {
                c.bad(format!("hours.days[{i}]"), &format!("办公日 {d} 重复"), &format!("weekday {d} is listed twice"));
            }
        }
        for (i, d) in h.closed_dates.iter().enumerate() {
            if !is_date(d) {
                c.bad(format!("hours.closed_dates[{i}]"), "应为有效日期，格式 YYYY-MM-DD（例如 2026-10-01）", "must be a real date as YYYY-MM-DD (e.g. 2026-10-01)");
            }
        }
        if !matches!(h.at_close.as_str(), "clear" | "carry") {
            c.bad("hours.at_close".into(), "闭厅处理应为 clear（清空等候）或 carry（留到下次开门）", "must be `clear` or `carry`");
        }
        let mut previous: Option<u32> = None;
        for (i, p) in self.periods.iter().enumerate() {
            if p.code.is_empty() || p.code.len() > 16 || !p.code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
                c.bad(format!("periods[{i}].code"), "时段编号应为 1 至 16 个英文字母、数字、- 或 _", "the period code must be 1 to 16 letters, digits, - or _");
            } else if self.periods[..i].iter().any(|o| o.code == p.code) {
                c.bad(format!("periods[{i}].code"), &format!("时段编号 {} 重复", p.code), &format!("period `{}` is listed twice", p.code));
            }
            c.text(|| format!("periods[{i}].name_zh"), &p.name_zh, 20, false);
            c.text(|| format!("periods[{i}].name_en"), &p.name_en, 40, false);
            let until = c.time(|| format!("periods[{i}].until"), &p.until, true);
            if let (Some(u), Some(prev)) = (until, previous)
                && u <= prev
            {
                c.bad(format!("periods[{i}].until"), "各时段的结束时间应逐个递增", "each period must end after the one before it");
            }
            previous = until.or(previous);
        }
        let pol = &self.policy;
        if !matches!(pol.window_order.as_str(), "main-first" | "oldest") {
            c.bad("policy.window_order".into(), "叫号顺序应为 main-first（主办业务优先）或 oldest（最早取号优先）", "must be `main-first` or `oldest`");
        }
        if !matches!(pol.missed.as_str(), "requeue" | "expire") {
            c.bad("policy.missed".into(), "过号处理应为 requeue（重新排队）或 expire（作废）", "must be `requeue` or `expire`");
        }
        for (name, v, min, max) in [
            ("appointment_early_minutes", pol.appointment_early_minutes, 0, 240),
            ("appointment_late_minutes", pol.appointment_late_minutes, 0, 240),
            ("max_in_row", pol.max_in_row, 0, 100),
            ("max_recalls", pol.max_recalls, 0, 10),
            ("requeue_places", pol.requeue_places, 0, 1000),
            ("missed_keep_minutes", pol.missed_keep_minutes, 0, 1440),
            ("window_idle_minutes", pol.window_idle_minutes, 1, 1440),
        ] {
            if !(min..=max).contains(&v) {
                c.bad(format!("policy.{name}"), &format!("应在 {min} 至 {max} 之间"), &format!("must be {min} to {max}"));
            }
        }
        if let Err((zh, en)) = check_public_url(&self.public_url) {
            c.bad("public_url".into(), zh, en);
        }
        if c.0.is_empty() { Ok(()) } else { Err(Invalid(c.0)) }
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn window(&self, number: &str) -> Option<&Window> {
        self.windows.iter().find(|w| w.number == number)
    }

    /// Windows that serve `code`, in configuration order.
    pub fn windows_for<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Window> + 'a {
        self.windows.iter().filter(move |w| w.services.iter().any(|s| s == code))
    }
}

impl Service {
    pub fn prefix(&self) -> &str {
        if self.prefix.is_empty() { &self.code } else { &self.prefix }
    }
    pub fn name<'a>(&'a self, lang: &str) -> &'a str {
        t(lang, &self.name_zh, &self.name_en)
    }
}

/// One thing wrong in a configuration: where (`services[2].handling_minutes`)
/// and what, in Chinese and in English.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: String,
    pub message_zh: String,
    pub message_en: String,
}

impl Problem {
    fn new(path: String, zh: String, en: String) -> Problem {
        Problem { path, message_zh: zh, message_en: en }
    }
}

/// A configuration the queue cannot run with: every problem found.
#[derive(Debug)]
pub struct Invalid(pub Vec<Problem>);

impl Invalid {
    /// The host could not hand over a configuration at all.
    fn host(e: String) -> Invalid {
        Invalid(vec![Problem::new(String::new(), "无法读取配置".into(), e)])
    }

    fn joined(&self, zh: bool) -> String {
        let list: Vec<String> = self
            .0
            .iter()
            .map(|p| {
                let m = if zh { &p.message_zh } else { &p.message_en };
                match (p.path.is_empty(), zh) {
                    (true, _) => m.clone(),
                    (false, true) => format!("{}：{m}", p.path),
                    (false, false) => format!("{}: {m}", p.path),
                }
            })
            .collect();
        list.join(if zh { "；" } else { "; " })
    }

    /// Every problem, `path：message`, in Chinese.
    pub fn zh(&self) -> String {
        self.joined(true)
    }

    /// Every problem, `path: message`, in English.
    pub fn en(&self) -> String {
        self.joined(false)
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

/// Collects problems; a path is only written when something is wrong.
struct Checker(Vec<Problem>);

impl Checker {
    fn bad(&mut self, path: String, zh: &str, en: &str) {
        self.0.push(Problem::new(path, zh.into(), en.into()));
    }

    /// A name shown to residents: at most `max` characters, no control
    /// characters, and not empty when `required`.
    fn text(&mut self, path: impl FnOnce() -> String, s: &str, max: usize, required: bool) {
        if required && s.trim().is_empty() {
            self.bad(path(), "不能为空", "must not be empty");
        } else if s.chars().count() > max {
            self.bad(path(), &format!("不能超过 {max} 个字"), &format!("must be at most {max} characters"));
        } else if s.chars().any(|ch| ch.is_control() || ('\u{202A}'..='\u{202E}').contains(&ch) || ('\u{2066}'..='\u{2069}').contains(&ch)) {
            self.bad(path(), "不能含控制字符", "must not contain control characters");
        }
    }

    /// `HH:MM` (`24:00` only where `end_of_day` may be), as minutes.
    fn time(&mut self, path: impl FnOnce() -> String, s: &str, end_of_day: bool) -> Option<u32> {
        match crate::day::minutes(s) {
            Some(m) if m < 1440 || end_of_day => Some(m),
            _ => {
                let (zh, en) = if end_of_day { ("00:00 至 24:00", "00:00 to 24:00") } else { ("00:00 至 23:59", "00:00 to 23:59") };
                self.bad(path(), &format!("时间应为 HH:MM 格式，{zh}"), &format!("a time must be HH:MM, {en}"));
                None
            }
        }
    }
}

/// Letters and digits only, 1 to `max` of them.
fn token(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `YYYY-MM-DD` naming a day that exists (2026-02-29 does not).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 2000 && (1..=days).contains(&d)
}

/// The address printed in the QR code: empty (taken from the request), or
/// `http://` / `https://` and a host, with nothing a phone would not open
/// as a plain link (no `javascript:`, no spaces, quotes or angle brackets).
fn check_public_url(u: &str) -> Result<(), (&'static str, &'static str)> {
    if u.is_empty() {
        return Ok(());
    }
    let bad = ("应为以 http:// 或 https:// 开头的网址，例如 http://192.168.1.10:8080", "must be an http:// or https:// address, e.g. http://192.168.1.10:8080");
    let lower = u.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://")) else { return Err(bad) };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if u.len() > 200 || host.is_empty() || host.starts_with(':') || host.contains('@') {
        return Err(bad);
    }
    if u.chars().any(|c| c.is_control() || c.is_whitespace() || "\"'<>\\`{}|^".contains(c)) || rest.contains(['?', '#']) {
        return Err(bad);
    }
    Ok(())
}

/// Find where a configuration fails to read, field by field: a section, an
/// entry of a list, a field of an entry (every field has a default, so a
/// field can be read alone), an element of a list field.
pub fn locate(v: &Value) -> Invalid {
    let mut out = Vec::new();
    let Value::Object(top) = v else {
        out.push(type_problem(String::new(), "a map"));
        return Invalid(out);
    };
    for (k, val) in top {
        if Config::deserialize(&json!({ k.as_str(): val })).is_ok() {
            continue;
        }
        match (k.as_str(), val) {
            ("services", Value::Array(items)) => items.iter().enumerate().for_each(|(i, x)| fields::<Service>(&format!("services[{i}]"), x, &mut out)),
            ("windows", Value::Array(items)) => items.iter().enumerate().for_each(|(i, x)| fields::<Window>(&format!("windows[{i}]"), x, &mut out)),
            ("periods", Value::Array(items)) => items.iter().enumerate().for_each(|(i, x)| fields::<Period>(&format!("periods[{i}]"), x, &mut out)),
            ("services" | "windows" | "periods", _) => out.push(type_problem(k.clone(), "a sequence")),
            ("hours", _) => fields::<Hours>(k, val, &mut out),
            ("policy", _) => fields::<Policy>(k, val, &mut out),
            ("tickets", _) => fields::<TicketRules>(k, val, &mut out),
            _ => {
                if let Err(e) = Config::deserialize(&json!({ k.as_str(): val })) {
                    out.push(serde_problem(k.clone(), &e));
                }
            }
        }
    }
    Invalid(out)
}

/// The fields of one object of type `T` that fail, each read alone; in a
/// list or map field, the element that fails.
fn fields<T: for<'de> Deserialize<'de>>(path: &str, v: &Value, out: &mut Vec<Problem>) {
    let Value::Object(map) = v else {
        out.push(type_problem(path.into(), "a map"));
        return;
    };
    for (k, val) in map {
        let Err(e) = T::deserialize(&json!({ k.as_str(): val })) else { continue };
        let before = out.len();
        match val {
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    if let Err(e) = T::deserialize(&json!({ k.as_str(): [x] })) {
                        out.push(serde_problem(format!("{path}.{k}[{i}]"), &e));
                    }
                }
            }
            Value::Object(m) => {
                for (mk, x) in m {
                    if let Err(e) = T::deserialize(&json!({ k.as_str(): { mk.as_str(): x } })) {
                        out.push(serde_problem(format!("{path}.{k}.{mk}"), &e));
                    }
                }
            }
            _ => {}
        }
        if out.len() == before {
            out.push(serde_problem(format!("{path}.{k}"), &e));
        }
    }
}

fn type_problem(path: String, expected: &str) -> Problem {
    let (zh, en) = expected_words(expected);
    Problem::new(path, format!("应为{zh}"), format!("must be {en}"))
}

/// A reader's error in words for an admin (serde's own are in English and
/// name Rust types).
fn serde_problem(path: String, e: &serde_json::Error) -> Problem {
    let msg = e.to_string();
    if msg.starts_with("unknown field") {
        return Problem::new(path, "没有这一项设置（请检查拼写）".into(), "there is no such setting (check the spelling)".into());
    }
    match msg.rsplit_once("expected ") {
        Some((_, expected)) => type_problem(path, expected.trim_end_matches(|c: char| c == '.' || c.is_whitespace())),
        None => Problem::new(path, "格式不正确".into(), msg),
    }
}

fn expected_words(expected: &str) -> (String, String) {
    let (zh, en) = match expected {
        "u8" => ("0 至 255 的整数", "a whole number from 0 to 255"),
        "u16" | "u32" | "u64" => ("不小于 0 的整数", "a whole number, 0 or more"),
        "i8" | "i16" | "i32" | "i64" => ("整数", "a whole number"),
        "a string" => ("文字", "text"),
        "a boolean" => ("是或否（true 或 false）", "true or false"),
        "a sequence" => ("列表", "a list"),
        e if e == "a map" || e.starts_with("struct ") || e.starts_with("a map") => ("对象（键和值）", "an object (keys and values)"),
        _ => ("其他格式", "of another form"),
    };
    (zh.into(), en.into())
}
