//! The plugin manifest as the host keeps it, and its validation.

use serde::{Deserialize, Serialize};

/// Who a route or page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Public,
    Kiosk,
    Screen,
    Evaluator,
    Staff,
    Admin,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub audience: Audience,
    pub roles: Vec<String>,
    /// Other plugins may call it (capability `services`), along a link an
    /// admin allowed. In the WIT record it is the reserved entry
    /// [`CALLABLE_MARK`] in `roles` (the record's shape cannot change, so
    /// plugins built before it still load); the host strips it from
    /// `roles` and keeps it here.
    #[serde(default)]
    pub callable: bool,
}

/// The entry in a route's `roles` that marks it callable by other plugins
/// (`Route::callable()` in the SDK). A staff role name never starts with
/// `@` (see [`validate_manifest`]), so no role can be mistaken for it and
/// an old host would only see a role nobody holds: the route stays closed
/// to staff calls rather than opening.
pub const CALLABLE_MARK: &str = "@callable";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Page {
    pub path: String,
    pub title_zh: String,
    pub title_en: String,
    pub audience: Audience,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub version: String,
    pub description: String,
    pub capabilities: Vec<String>,
    pub routes: Vec<Route>,
    pub pages: Vec<Page>,
    pub subscriptions: Vec<String>,
    pub config_schema: String,
    pub config_default: String,
}

/// A capability a plugin can ask for: one WIT interface the host gives it
/// when an admin grants it. The one place their names are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Kv,
    Sql,
    Events,
    Clock,
    Log,
    Config,
    Residents,
    Pseudonyms,
    Calendar,
    Http,
    Screens,
    Notify,
    Files,
    Services,
    Audit,
}

impl Capability {
    /// Every capability, in the order the admin page lists them.
    pub const ALL: &[Capability] = &[
        Capability::Kv,
        Capability::Sql,
        Capability::Events,
        Capability::Clock,
        Capability::Log,
        Capability::Config,
        Capability::Residents,
        Capability::Pseudonyms,
        Capability::Calendar,
        Capability::Http,
        Capability::Screens,
        Capability::Notify,
        Capability::Files,
        Capability::Services,
        Capability::Audit,
    ];

    /// The name a manifest and `linli.toml` use.
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Kv => "kv",
            Capability::Sql => "sql",
            Capability::Events => "events",
            Capability::Clock => "clock",
            Capability::Log => "log",
            Capability::Config => "config",
            Capability::Residents => "residents",
            Capability::Pseudonyms => "pseudonyms",
            Capability::Calendar => "calendar",
            Capability::Http => "http",
            Capability::Screens => "screens",
            Capability::Notify => "notify",
            Capability::Files => "files",
            Capability::Services => "services",
            Capability::Audit => "audit",
        }
    }

    /// The capability of a manifest or settings name.
    pub fn parse(name: &str) -> Option<Capability> {
        Capability::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Granted only when an admin ticks it (residents' personal data);
    /// every other requested capability is granted by default.
    pub const fn sensitive(self) -> bool {
        matches!(self, Capability::Residents)
    }

    /// Its name as people read it (the admin page).
    pub const fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Capability::Kv => ("键值存储", "key-value storage"),
            Capability::Sql => ("数据库", "database"),
            Capability::Events => ("实时消息", "live events"),
            Capability::Clock => ("时钟", "clock"),
            Capability::Log => ("运行日志", "log"),
            Capability::Config => ("配置", "configuration"),
            Capability::Residents => ("居民档案", "resident records"),
            Capability::Pseudonyms => ("化名编号", "pseudonyms"),
            Capability::Calendar => ("工作日历", "working-day calendar"),
            Capability::Http => ("访问外部服务", "outside web services"),
            Capability::Screens => ("候办区显示屏", "waiting-area screens"),
            Capability::Notify => ("发送消息", "messages to residents and staff"),
            Capability::Files => ("接收上传的文件", "uploaded files"),
            Capability::Services => ("调用其他插件", "calls to other plugins"),
            Capability::Audit => ("写入审计日志", "write to the audit log"),
        };
        if zh { z } else { e }
    }

    /// What granting it allows, in plain words (the admin page).
    pub const fn help(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Capability::Kv => ("在插件自己的空间里保存少量数据", "keep small data in the plugin's own space"),
            Capability::Sql => ("使用插件自己的数据库文件，不能读其他插件的数据", "use the plugin's own database file; no other plugin's data"),
            Capability::Events => ("发布实时消息（如叫号）给显示屏和页面", "publish live events (such as calls) to screens and pages"),
            Capability::Clock => ("读取当前时间", "read the time"),
            Capability::Log => ("写运行日志，供维护人员排查问题", "write log lines for maintainers"),
            Capability::Config => ("读取管理员为它填写的设置", "read the settings an admin gave it"),
            Capability::Residents => ("代表已登录的工作人员查看和保存居民档案（身份证、电话），每次访问都记入审计日志", "read and save resident records (ID, phone) for the signed-in staff member; every access is audited"),
            Capability::Pseudonyms => ("把手机号等个人信息换成固定的化名编号，用于统计而看不到原文", "turn a phone number or other personal value into a fixed pseudonym, to count without seeing it"),
            Capability::Calendar => ("按大厅的工作日（含法定假日和调休上班日）计算办理时限", "count deadlines in the hall's working days (public holidays and make-up working days included)"),
            Capability::Http => ("只向管理员在设置文件中为它列出的外部地址发送请求（如短信网关），其他地址一律拒绝，每次请求都记入日志", "send requests to the hosts an admin listed for it in linli.toml (an SMS gateway…); every other address is refused and every request is logged"),
            Capability::Screens => ("在候办区显示屏的轮播区或滚动字幕上发布条目（如招聘信息、活动、快递通知），可设有效期和优先级；停用插件即撤下", "show items (a job posting, an activity, a parcel notice) in the carousel or ticker of the waiting-area screens, with validity and priority; disabling the plugin takes them down"),
            Capability::Notify => ("给居民（手机号）或工作人员发送短信、微信等模板消息，由主机按设置的渠道发送、失败重试，每人每小时有条数上限，发送情况可在“消息发送”页查看", "send template messages (SMS, WeChat…) to residents by phone number or to staff, delivered by the host through the channel the admin set, with retries and a per-person hourly limit; delivery is shown on the messages page"),
            Capability::Files => ("接收居民和工作人员上传的文件（申请材料、照片），只收它声明的类型和大小，按内容识别类型；个人材料加密保存，每次查看都记入审计日志；文件只经它自己的页面、按页面的访问范围提供", "take files residents and staff upload (application materials, photos), only of the types and sizes it declared, the type read from the content; personal material is encrypted and every access audited; files are served only through its own pages, to their audience"),
            Capability::Services => ("调用其他插件开放的接口（如预约、评价），只能调用管理员在本页逐一允许的插件，可代表当前办事的居民或工作人员调用，对方按其本人的权限检查", "call the open routes of other plugins (appointments, ratings…), only those an admin allowed one by one on this page, as itself or for the person being served, who is then checked as themselves"),
            Capability::Audit => ("把工作人员或设备查看插件自己保存的个人信息（完整电话、身份证交接、申请材料）的记录写入主机的审计日志，记在当前操作人名下并标明插件", "write an entry to the host's audit log when a staff member or device reads personal data the plugin keeps itself (full phones, an ID-card handover, application materials), in that person's name and marked with the plugin"),
        };
        if zh { z } else { e }
    }

    /// Every name, for an error message.
    pub fn names() -> String {
        Capability::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
    }
}

/// Paths the host serves itself; no plugin may claim them.
pub const RESERVED_PREFIXES: &[&str] = &["/static/", "/api/host/", "/api/content/", "/api/events", "/healthz", "/metrics", "/admin/host", "/login", "/logout", "/device/"];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Check a manifest on its own (clashes with other plugins are checked by
/// the registry). Returns the first problem, naming the field.
pub fn validate_manifest(m: &Manifest) -> Result<(), String> {
    let id_ok = m.id.len() <= 40
        && m.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!("id `{}` must match [a-z][a-z0-9-]* (at most 40 characters)", m.id));
    }
    if m.name_zh.trim().is_empty() || m.name_en.trim().is_empty() {
        return Err("name-zh and name-en must both be given".into());
    }
    let v: Vec<&str> = m.version.split(['.', '-', '+']).collect();
    if v.len() < 3 || v[..3].iter().any(|p| p.parse::<u64>().is_err()) {
        return Err(format!("version `{}` is not a semantic version (e.g. 1.2.0)", m.version));
    }
    for c in &m.capabilities {
        if Capability::parse(c).is_none() {
            return Err(format!("capabilities: unknown capability `{c}` (known: {})", Capability::names()));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in m.routes.iter().enumerate() {
        if !METHODS.contains(&r.method.as_str()) {
            return Err(format!("routes[{i}]: method `{}` is not one of {}", r.method, METHODS.join(", ")));
        }
        validate_path(&r.path).map_err(|e| format!("routes[{i}] `{}`: {e}", r.path))?;
        if !seen.insert((r.method.clone(), r.path.clone())) {
            return Err(format!("routes[{i}]: `{} {}` is declared twice", r.method, r.path));
        }
        // `@…` entries are the host's markers, never roles (the one known
        // marker was taken out of `roles` when the manifest was read).
        if let Some(bad) = r.roles.iter().find(|role| role.starts_with('@')) {
            return Err(format!("routes[{i}] `{} {}`: role `{bad}` is not a role (names starting with `@` are reserved; `{CALLABLE_MARK}` marks a route callable)", r.method, r.path));
        }
    }
    for (i, p) in m.pages.iter().enumerate() {
        if !m.routes.iter().any(|r| r.method == "GET" && r.path == p.path) {
            return Err(format!("pages[{i}]: `{}` is not a GET route of this plugin", p.path));
        }
    }
    for s in &m.subscriptions {
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(format!("subscriptions: `{s}` is not a topic pattern"));
        }
    }
    if !m.config_schema.trim().is_empty() && serde_json::from_str::<serde_json::Value>(&m.config_schema).is_err() {
        return Err("config-schema is not valid JSON".into());
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must start with /".into());
    }
    if path.contains("..") || path.contains("//") || path.contains('\\') {
        return Err("must not contain `..`, `//` or `\\`".into());
    }
    if let Some(p) = RESERVED_PREFIXES.iter().find(|p| path.starts_with(*p) || path == p.trim_end_matches('/')) {
        return Err(format!("`{p}` is reserved for the host"));
    }
    let mut probe = matchit::Router::new();
    probe.insert(path, ()).map_err(|e| format!("not a valid route pattern: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            id: "notices".into(),
            name_zh: "通知公告".into(),
            name_en: "Notices".into(),
            version: "0.1.0".into(),
            capabilities: vec!["kv".into()],
            routes: vec![Route { method: "GET".into(), path: "/api/notices/{id}".into(), audience: Audience::Public, roles: vec![], callable: false }],
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_good_manifest() {
        assert_eq!(validate_manifest(&sample()), Ok(()));
    }

    #[test]
    fn names_the_problem() {
        let mut m = sample();
        m.capabilities.push("network".into());
        assert!(validate_manifest(&m).unwrap_err().contains("unknown capability `network`"));
        let mut m = sample();
        m.routes[0].path = "/static/x".into();
        assert!(validate_manifest(&m).unwrap_err().contains("reserved"));
        let mut m = sample();
        m.id = "Bad Id".into();
        assert!(validate_manifest(&m).unwrap_err().contains("id `Bad Id`"));
        let mut m = sample();
        m.routes[0].path = "/a/../b".into();
        assert!(validate_manifest(&m).is_err());
        let mut m = sample();
        m.routes[0].roles = vec!["@admin".into()];
        assert!(validate_manifest(&m).unwrap_err().contains("role `@admin` is not a role"));
    }
}
