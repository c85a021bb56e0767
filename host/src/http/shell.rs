//! The shared design system: the page shell every page is drawn in, the
//! stylesheet and the small script pages use for the API and live events.

use super::resolve_caller;
use crate::auth::Caller;
use crate::host::Host;
use crate::registry::audience_allows;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

const CSS: &str = include_str!("../../assets/linli.css");
const JS: &str = include_str!("../../assets/linli.js");
const ADMIN_JS: &str = include_str!("../../assets/admin.js");

pub fn router() -> Router<Arc<Host>> {
    Router::new()
        .route("/", get(home))
        .route("/static/linli.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=300")], CSS) }))
        .route("/static/linli.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=300")], JS) }))
        .route("/static/admin.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=300")], ADMIN_JS) }))
        .route("/admin/host/plugins", get(plugins_page))
}

/// Pick the Chinese or the English text.
pub fn tr<'a>(zh: bool, zh_text: &'a str, en_text: &'a str) -> &'a str {
    if zh { zh_text } else { en_text }
}

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The host's page templates, embedded at compile time so the binary
/// stays self-contained. Every `.html` template escapes what it prints;
/// only values made with [`Value::from_safe_string`] (HTML the engine
/// itself rendered, or a plugin's fragment) go out as they are.
const TEMPLATES: &[(&str, &str)] = &[
    ("shell.html", include_str!("../../templates/shell.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("not_found.html", include_str!("../../templates/not_found.html")),
    ("revoked.html", include_str!("../../templates/revoked.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("window.html", include_str!("../../templates/window.html")),
    ("staff.html", include_str!("../../templates/staff.html")),
    ("devices.html", include_str!("../../templates/devices.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("content.html", include_str!("../../templates/content.html")),
    ("plugins.html", include_str!("../../templates/plugins.html")),
    ("notify.html", include_str!("../../templates/notify.html")),
    ("district.html", include_str!("../../templates/district.html")),
    ("hall.html", include_str!("../../templates/hall.html")),
];

static PAGES: std::sync::LazyLock<minijinja::Environment<'static>> = std::sync::LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    // A name a template uses but the page did not give is a bug, not an
    // empty string: the tests that render every page find it.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // The same escaping as before (`'` as `&#39;`, `/` left alone so links
    // read as written); text marked safe passes unchanged.
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            return out.write_str(&esc(s)).map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()));
        }
        minijinja::escape_formatter(out, state, value)
    });
    // `t("中文", "English")`: the text in the page's language (`zh`).
    env.add_function("t", |state: &minijinja::State, zh_text: String, en_text: String| {
        if state.lookup("zh").is_some_and(|z| z.is_true()) { zh_text } else { en_text }
    });
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // Only a broken template file gets here; the unit test below
            // compiles every one, so a release never ships one.
            tracing::error!(template = name, error = %e, "a page template does not compile");
        }
    }
    env
});

/// Any serializable value (rows of a table) for a template's context.
pub fn ser<T: serde::Serialize>(v: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// Render a page template with `ctx` and `zh` (the caller's language).
/// A template that fails (a bug the unit tests catch) is logged and drawn
/// as a short bilingual notice, never with the engine's detail.
pub fn render(name: &str, zh: bool, ctx: minijinja::Value) -> String {
    let ctx = minijinja::context! { zh => zh, ..ctx };
    match PAGES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(template = name, error = %e, "a page could not be drawn");
            format!("<section class=\"card\"><p class=\"alert\">{}</p></section>", tr(zh, "页面无法显示，请稍后再试", "The page could not be drawn; try again shortly"))
        }
    }
}

/// A host page: its body template rendered with `ctx`, drawn in the shell.
pub fn render_page(host: &Host, caller: &Caller, csrf: Option<&str>, title: &str, template: &str, ctx: minijinja::Value) -> String {
    let body = render(template, caller.lang != "en", ctx);
    render_shell(host, caller, csrf, title, &body)
}

/// A whole page: head, navigation of the pages the caller may open, the
/// language switch, and `body` (HTML: a rendered template or a plugin's
/// fragment, passed as it is).
pub fn render_shell(host: &Host, caller: &Caller, csrf: Option<&str>, title: &str, body: &str) -> String {
    // The top bar: one entry per service. A service with one page the
    // caller may open is a link to it; one with several is a menu named
    // after the service (a dozen services' pages in one row were a wall).
    #[derive(serde::Serialize)]
    struct Link {
        href: String,
        text: String,
    }
    #[derive(serde::Serialize)]
    struct Entry {
        text: String,
        links: Vec<Link>,
    }
    let zh = caller.lang != "en";
    let snap = host.registry.snapshot();
    let mut nav: Vec<Entry> = Vec::new();
    for p in snap.active() {
        let links: Vec<Link> = p
            .manifest
            .pages
            .iter()
            .filter(|page| audience_allows(page.audience, &page.roles, caller))
            .map(|page| Link { href: page.path.clone(), text: if zh { page.title_zh.clone() } else { page.title_en.clone() } })
            .collect();
        if !links.is_empty() {
            nav.push(Entry { text: if zh { p.manifest.name_zh.clone() } else { p.manifest.name_en.clone() }, links });
        }
    }
    let mut host_links = Vec::new();
    let mut link = |href: &str, text: &str| host_links.push(Link { href: href.to_owned(), text: text.to_owned() });
    if caller.is_admin() || caller.roles.iter().any(|r| r == "editor" || r == "supervisor" || r == "maintainer") {
        link("/admin/host/content", tr(zh, "屏幕内容", "Screen content"));
    }
    if caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer") {
        link("/admin/host/plugins", tr(zh, "插件管理", "Plugins"));
        link("/admin/host/devices", tr(zh, "设备", "Devices"));
        link("/admin/host/fleet", tr(zh, "屏幕状态", "Screens"));
        link("/admin/host/notify", tr(zh, "消息发送", "Messages"));
    }
    if caller.is_admin() {
        link("/admin/host/staff", tr(zh, "工作人员", "Staff"));
        link("/admin/host/hall", tr(zh, "大厅信息", "Hall settings"));
    }
    if caller.is_admin() || caller.roles.iter().any(|r| r == "supervisor") {
        link("/admin/host/audit", tr(zh, "审计日志", "Audit log"));
    }
    if caller.roles.iter().any(|r| r == crate::auth::DISTRICT_ROLE) {
        link("/admin/district", tr(zh, "街道总览", "District"));
    }
    if !host_links.is_empty() {
        nav.push(Entry { text: tr(zh, "系统管理", "Administration").to_owned(), links: host_links });
    }
    // A kiosk clears itself when a resident walks away (see linli.js).
    let kiosk_idle_s = match &caller.kind {
        crate::auth::CallerKind::Device { device_kind } if device_kind == "kiosk" => Some(host.settings.read().kiosk.idle_s),
        _ => None,
    };
    let window = caller.window.as_ref().map(|w| if zh { format!("{w} 号窗口") } else { format!("window {w}") }).unwrap_or_default();
    // The hall's own name (大厅信息) heads the Chinese pages; the English
    // ones keep the English words.
    let hall_name = if zh { crate::hall::load(&host.db).map(|h| h.name).unwrap_or_default() } else { String::new() };
    render(
        "shell.html",
        zh,
        minijinja::context! {
            lang => if zh { "zh-CN" } else { "en" },
            csrf => csrf.unwrap_or(""),
            title => title,
            nav => ser(&nav),
            kiosk_idle_s => kiosk_idle_s,
            hall_name => hall_name,
            name => caller.name.clone(),
            window => window,
            body => minijinja::Value::from_safe_string(body.to_owned()),
        },
    )
}

/// A plugin's HTML fragment drawn in the shell, keeping the plugin's status
/// and headers; a `?lang=` switch is remembered in a cookie.
pub fn page_response(
    host: &Host,
    caller: &Caller,
    csrf: Option<&str>,
    title: &str,
    head: axum::http::response::Builder,
    fragment: &[u8],
) -> Result<Response, axum::http::Error> {
    let html = render_shell(host, caller, csrf, title, &String::from_utf8_lossy(fragment));
    let mut r = head.body(axum::body::Body::from(html))?;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    remember_lang(caller, &mut r);
    Ok(r)
}

pub fn remember_lang(caller: &Caller, r: &mut Response) {
    let v = format!("lang={}; Path=/; SameSite=Lax; Max-Age=31536000", caller.lang);
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub fn not_found(host: &Host, caller: &Caller) -> Response {
    let zh = caller.lang != "en";
    let html = render_page(host, caller, None, tr(zh, "页面不存在", "Not found"), "not_found.html", minijinja::context! {});
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}

async fn home(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    let zh = caller.lang != "en";
    let snap = host.registry.snapshot();
    // One card per service (plugin) with the pages this caller may open:
    // with a dozen services enabled a flat list of pages reads as noise.
    #[derive(serde::Serialize)]
    struct Link<'a> {
        href: &'a str,
        title: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Service<'a> {
        name: &'a str,
        links: Vec<Link<'a>>,
    }
    let mut services = Vec::new();
    for p in snap.active() {
        let links: Vec<Link> = p
            .manifest
            .pages
            .iter()
            .filter(|pg| audience_allows(pg.audience, &pg.roles, &caller))
            .map(|page| Link { href: &page.path, title: if zh { &page.title_zh } else { &page.title_en } })
            .collect();
        if !links.is_empty() {
            services.push(Service { name: if zh { &p.manifest.name_zh } else { &p.manifest.name_en }, links });
        }
    }
    let html = render_page(&host, &caller, csrf.as_deref(), tr(zh, "首页", "Home"), "home.html", minijinja::context! { services => ser(&services) });
    let mut r = Html(html).into_response();
    if q.as_deref().is_some_and(|q| q.contains("lang=")) {
        remember_lang(&caller, &mut r);
    }
    r
}

async fn plugins_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    let zh = caller.lang != "en";
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return axum::response::Redirect::to("/login?next=/admin/host/plugins").into_response();
    }
    let status = super::host_api::plugin_status(&host);
    let sep = if zh { "、" } else { ", " };
    let texts = |v: &serde_json::Value| -> Vec<String> { v.as_array().into_iter().flatten().filter_map(|c| c.as_str()).map(str::to_owned).collect() };
    let plugins: Vec<serde_json::Value> = status["plugins"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let healthy = p["healthy"].as_bool().unwrap_or(false);
            let (state_class, state) = super::admin::plugin_state(p, healthy, zh);
            let requested = texts(&p["requested"]);
            let granted = texts(&p["granted"]);
            let caps: Vec<serde_json::Value> = requested
                .iter()
                .map(|c| serde_json::json!({ "value": c, "name": capability_name(c, zh), "help": capability_help(c, zh), "checked": granted.contains(c) }))
                .collect();
            serde_json::json!({
                "id": p["id"].as_str().unwrap_or(""),
                "name": p[if zh { "name_zh" } else { "name_en" }].as_str().unwrap_or(""),
                "version": p["version"].as_str().unwrap_or(""),
                "requested": requested.iter().map(|c| capability_name(c, zh)).collect::<Vec<_>>().join(sep),
                "caps": caps,
                // Where `http` may go: set in linli.toml, shown beside the grant.
                "http": requested.iter().any(|c| c == crate::manifest::Capability::Http.name()),
                "http_allow": texts(&p["http_allow"]).join(sep),
                // Which plugins it may call (`services`), each link allowed here.
                "services": requested.iter().any(|c| c == crate::manifest::Capability::Services.name()),
                "call_links": super::admin::call_links(&host, p["id"].as_str().unwrap_or(""), zh),
                "state_class": state_class,
                "state": state,
                "enabled": p["enabled"].as_bool().unwrap_or(true),
                "confirm": super::admin::plugin_confirm(p, zh),
                "failures": p["failures"],
                "calls": p["calls"],
                "storage": storage_lines(&p["storage"], zh),
                "last_error": p["last_error"].as_str().unwrap_or(""),
            })
        })
        .collect();
    let errors: Vec<String> = status["errors"].as_array().into_iter().flatten().map(|e| e["error"].as_str().unwrap_or("").to_owned()).collect();
    let ctx = minijinja::context! { plugins => ser(&plugins), errors => errors, admin => caller.is_admin() };
    Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "插件管理", "Plugins"), "plugins.html", ctx)).into_response()
}

/// `YYYY-MM-DD HH:MM` in the hall's local time.
pub fn format_local(ms: i64, utc_offset_minutes: i32) -> String {
    linli_shared::time::format(ms, utc_offset_minutes)
}
/// A plugin's storage against its quotas: the database (when it has one)
/// and the key-value space, as `12.3 MB / 512 MB`, red from 90 %.
fn storage_lines(st: &serde_json::Value, zh: bool) -> Vec<serde_json::Value> {
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1_048_576.0);
    let line = |label: &str, used: u64, quota: u64| {
        serde_json::json!({ "label": label, "used": mb(used), "quota": mb(quota), "full": quota > 0 && used * 10 >= quota * 9 })
    };
    let n = |k: &str| st[k].as_u64().unwrap_or(0);
    let mut out = Vec::new();
    if n("sql_quota_bytes") > 0 {
        out.push(line(tr(zh, "数据库", "database"), n("sql_bytes"), n("sql_quota_bytes")));
    }
    out.push(line(tr(zh, "键值", "key-value"), n("kv_bytes"), n("kv_quota_bytes")));
    out
}

/// A capability as people read it.
pub fn capability_name(cap: &str, zh: bool) -> &'static str {
    match crate::manifest::Capability::parse(cap) {
        Some(c) => c.label(zh),
        None => tr(zh, "未知能力", "unknown capability"),
    }
}

/// What granting a capability allows, in plain words.
pub fn capability_help(cap: &str, zh: bool) -> &'static str {
    crate::manifest::Capability::parse(cap).map_or("", |c| c.help(zh))
}

#[cfg(test)]
mod template_tests {
    #[test]
    fn every_page_template_compiles() {
        for (name, _) in super::TEMPLATES {
            if let Err(e) = super::PAGES.get_template(name) {
                panic!("{name}: {e}");
            }
        }
    }

    #[test]
    fn values_are_escaped_and_text_follows_the_language() {
        let services = vec![serde_json::json!({"name": "O'Brien & co", "links": [{"href": "/a\"onmouseover=\"x", "title": "<img src=x onerror=alert(1)>"}]})];
        let html = super::render("home.html", true, minijinja::context! { services => super::ser(&services) });
        assert!(html.contains("href=\"/a&quot;onmouseover=&quot;x\""), "{html}");
        assert!(html.contains("<h2>O&#39;Brien &amp; co</h2><ul><li><a href=\"/a&quot;onmouseover=&quot;x\">&lt;img src=x onerror=alert(1)&gt;</a></li></ul>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("欢迎来到社区便民服务大厅"), "{html}");
        let en = super::render("home.html", false, minijinja::context! { services => super::ser(Vec::<()>::new()) });
        assert!(en.contains("No services are available yet.") && !en.contains("欢迎"), "{en}");
    }

    #[test]
    fn a_missing_value_is_a_bug_not_an_empty_string() {
        // Strict mode: the template names `tiles`, the context lacks it.
        let html = super::render("home.html", true, minijinja::context! {});
        assert!(html.contains("页面无法显示"), "{html}");
    }
}
