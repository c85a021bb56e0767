//! Issue 13 item 5: an admin disables and enables plugins on the plugins
//! page. A disabled plugin's routes answer 404, its pages leave the
//! navigation, its ticks and subscriptions stop, its data is kept, and it
//! stays disabled across a restart; enabling it brings everything back
//! without one.

use linli_tests::{Staff, TestServer, fixtures, http, http_json, sign_in};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

fn post(s: &TestServer, staff: &Staff, path: &str, body: Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
}

fn get_as(s: &TestServer, staff: &Staff, path: &str) -> (u16, String) {
    http(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie))
}

/// Calls into a plugin so far (ticks and events count as calls).
fn calls(host: &linli_host::Host, id: &str) -> u64 {
    host.registry.snapshot().plugins[id].health.calls.load(Ordering::Relaxed)
}

/// The queue plugin's subscription: a check-in from the appointments service.
fn check_in_event() -> linli_host::storage::StoredEvent {
    linli_host::storage::StoredEvent {
        id: 1_000_000,
        topic: "appointments.checked-in".into(),
        payload: json!({"service": "none", "name": "测试"}).to_string(),
        source: "appointments".into(),
        time: 0,
    }
}

#[test]
fn a_disabled_plugin_is_gone_until_enabled_again_and_keeps_its_data() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES, fixtures::PLUGIN_QUEUE]);
    let admin = sign_in(&s, "admin", &["admin"]);
    let editor = sign_in(&s, "editor", &["editor"]);
    let (code, n) = post(&s, &editor, "/api/notices", json!({"title": "停水通知", "body": "周三上午停水"}));
    assert_eq!(code, 201, "{n}");

    // Before: served, in the navigation, ticked, subscribed.
    let (code, list) = s.get("/api/notices");
    assert_eq!(code, 200);
    assert!(list.contains("停水通知"), "{list}");
    assert!(s.get("/").1.contains("href=\"/notices\""), "the page is in the navigation");
    assert!(get_as(&s, &admin, "/").1.contains("href=\"/queue/kiosk\""), "the admin sees the queue's pages");
    let before = calls(&s.host, "queue");
    s.host.tick_all();
    assert!(calls(&s.host, "queue") > before, "an enabled plugin is ticked");
    assert!(s.host.has_subscribers(&check_in_event()), "the queue follows check-ins");

    // Only an admin may switch, and only with the CSRF token.
    let (code, err) = post(&s, &editor, "/api/host/plugins/notices/disable", json!({}));
    assert_eq!(code, 403, "{err}");
    let (code, _) = http_json(ureq::post(&format!("{}/api/host/plugins/notices/disable", s.url)).set("Cookie", &admin.cookie), &json!({}));
    assert_eq!(code, 403, "no CSRF token, no switch");
    assert_eq!(s.get("/api/notices").0, 200, "a refused switch changed nothing");
    let (code, err) = post(&s, &admin, "/api/host/plugins/nosuch/disable", json!({}));
    assert_eq!(code, 404, "{err}");
    assert!(err["error"]["message_zh"].as_str().unwrap().contains("nosuch"), "{err}");

    for id in ["notices", "queue"] {
        let (code, r) = post(&s, &admin, &format!("/api/host/plugins/{id}/disable"), json!({}));
        assert_eq!(code, 200, "{r}");
        assert_eq!(r["enabled"], false);
    }

    // Routes: 404 in the error format, pages 404 too, writes as well (not 405).
    let (code, err) = s.get("/api/notices");
    assert_eq!(code, 404, "{err}");
    let err: Value = serde_json::from_str(&err).expect("the JSON error format");
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(post(&s, &editor, "/api/notices", json!({"title": "x", "body": "y"})).0, 404);
    assert_eq!(http(ureq::get(&format!("{}/notices", s.url)).set("Accept", "text/html")).0, 404);
    assert_eq!(s.get("/api/queue/services").0, 404);
    // Navigation and the home page's tiles: gone, for residents and the admin.
    let (_, home) = s.get("/");
    assert!(!home.contains("href=\"/notices\""), "{home}");
    let (_, admin_home) = get_as(&s, &admin, "/");
    assert!(!admin_home.contains("href=\"/notices\"") && !admin_home.contains("href=\"/queue/kiosk\""), "{admin_home}");
    // No tick, no event.
    let before = calls(&s.host, "queue");
    s.host.tick_all();
    assert!(!s.host.has_subscribers(&check_in_event()));
    s.host.deliver_event(&check_in_event());
    assert_eq!(calls(&s.host, "queue"), before, "a disabled plugin is neither ticked nor given events");

    // The plugins page still lists it, disabled, with 启用; English too.
    let (code, page) = get_as(&s, &admin, "/admin/host/plugins");
    assert_eq!(code, 200);
    assert!(page.contains("已停用") && page.contains("data-plugin-enable=\"notices\""), "{page}");
    assert!(page.contains(">启用</button>"), "{page}");
    let (_, en) = get_as(&s, &admin, "/admin/host/plugins?lang=en");
    assert!(en.contains(">disabled<") && en.contains(">Enable</button>"), "{en}");
    let (_, status) = get_as(&s, &admin, "/api/host/plugins");
    let status: Value = serde_json::from_str(&status).unwrap();
    assert!(status["plugins"].as_array().unwrap().iter().any(|p| p["id"] == "notices" && p["enabled"] == false), "{status}");
    // Audited, in Chinese on the audit page.
    let (_, log) = get_as(&s, &admin, "/api/host/audit?action=plugin.disable");
    assert!(log.contains("plugin:notices") && log.contains("plugin:queue"), "{log}");
    assert!(get_as(&s, &admin, "/admin/host/audit").1.contains("停用插件"));

    // A restart (a new host on the same folders) keeps both disabled.
    {
        let again = linli_host::Host::new(s.host.config.clone()).expect("host starts again");
        again.load_all().expect("plugins load");
        let snap = again.registry.snapshot();
        assert!(snap.plugins.contains_key("notices"), "a disabled plugin is still loaded");
        assert!(snap.is_disabled("notices") && snap.is_disabled("queue"));
        assert!(matches!(snap.route("GET", "/api/notices"), linli_host::registry::Routed::NotFound));
        assert!(snap.pages().iter().all(|(id, _)| id != "notices" && id != "queue"));
        let before = calls(&again, "queue");
        again.tick_all();
        assert_eq!(calls(&again, "queue"), before, "still not ticked after a restart");
    }

    // Enabled again: everything is back, without a restart, with its data.
    for id in ["notices", "queue"] {
        let (code, r) = post(&s, &admin, &format!("/api/host/plugins/{id}/enable"), json!({}));
        assert_eq!(code, 200, "{r}");
        assert_eq!(r["enabled"], true);
    }
    let (code, list) = s.get("/api/notices");
    assert_eq!(code, 200, "{list}");
    assert!(list.contains("停水通知"), "the notice written before is still there: {list}");
    assert!(s.get("/").1.contains("href=\"/notices\""));
    assert_eq!(s.get("/api/queue/services").0, 200);
    let before = calls(&s.host, "queue");
    s.host.tick_all();
    assert!(calls(&s.host, "queue") > before, "ticked again");
    assert!(s.host.has_subscribers(&check_in_event()));
    let (_, page) = get_as(&s, &admin, "/admin/host/plugins");
    assert!(!page.contains("已停用") && page.contains("data-plugin-disable=\"notices\""), "{page}");
    let (_, log) = get_as(&s, &admin, "/api/host/audit?action=plugin.enable");
    assert!(log.contains("plugin:notices"), "{log}");
}

/// The switch on the page asks before disabling and runs no inline script.
#[test]
fn the_disable_button_asks_first() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let admin = sign_in(&s, "admin", &["admin"]);
    let (_, page) = get_as(&s, &admin, "/admin/host/plugins");
    let button = page.split("data-plugin-disable=\"notices\"").nth(1).expect("a 停用 button").split("</button>").next().unwrap();
    assert!(button.contains("data-confirm=\"确定停用") && button.contains("数据全部保留") && button.ends_with(">停用"), "{button}");
    assert!(!page.contains("onclick"), "no inline handlers (CSP)");
    let (_, en) = get_as(&s, &admin, "/admin/host/plugins?lang=en");
    assert!(en.contains("data-confirm=\"Disable") && en.contains(">Disable</button>"), "{en}");
    // A maintainer sees the state but no switch.
    let maintainer = sign_in(&s, "maint", &["maintainer"]);
    let (code, page) = get_as(&s, &maintainer, "/admin/host/plugins");
    assert_eq!(code, 200);
    assert!(!page.contains("data-plugin-disable"), "{page}");
    let (code, _) = post(&s, &maintainer, "/api/host/plugins/notices/disable", json!({}));
    assert_eq!(code, 403);
    assert_eq!(s.get("/api/notices").0, 200);
}

/// In Chromium, as an admin uses the page (under `script-src 'self'`, so
/// the buttons work only through the served script): 停用 asks first and
/// a "no" changes nothing; a "yes" shows 已停用 with 启用, and 启用 brings
/// the plugin back.
#[test]
fn plugins_page_switch_in_chromium() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who') && document.querySelector('.who').textContent.includes('管理员')");
    b.open(&format!("{}/admin/host/plugins", s.url));
    b.until("the plugins page", "document.querySelector('[data-plugin-disable=notices]')");
    b.js("window.confirm = function (m) { window.__asked = m; return false; }; document.querySelector('[data-plugin-disable=notices]').click(); return 1;");
    let asked = b.js("return window.__asked;");
    assert!(asked.as_str().unwrap_or("").starts_with("确定停用“通知公告”吗？"), "{asked}");
    assert_eq!(s.get("/api/notices").0, 200, "answered no: still enabled");
    b.js("window.confirm = function () { return true; }; document.querySelector('[data-plugin-disable=notices]').click(); return 1;");
    b.until("disabled", "document.querySelector('[data-plugin-enable=notices]') && document.body.innerText.includes('已停用')");
    assert_eq!(s.get("/api/notices").0, 404);
    let nav = b.js("return document.querySelector('header nav').innerText;");
    assert!(!nav.as_str().unwrap_or("").contains("通知公告"), "{nav}");
    b.js("document.querySelector('[data-plugin-enable=notices]').click(); return 1;");
    b.until("enabled again", "document.querySelector('[data-plugin-disable=notices]')");
    assert_eq!(s.get("/api/notices").0, 200);
    let nav = b.js("return document.querySelector('header nav').innerText;");
    assert!(nav.as_str().unwrap_or("").contains("通知公告"), "{nav}");
}

/// An upgrade dropped in while a plugin is disabled loads, and stays
/// disabled (the switch is kept by the plugin's id, not its file).
#[test]
fn an_upgrade_of_a_disabled_plugin_stays_disabled() {
    let s = TestServer::start(&[fixtures::VERSIONED_V1]);
    assert_eq!(s.get("/versioned").0, 200);
    assert!(s.host.set_enabled("versioned", false, "test").expect("disabled"));
    assert_eq!(s.get("/versioned").0, 404);
    let file = s.plugins_dir().join("versioned_v1.wasm");
    let tmp = s.plugins_dir().join(".versioned.tmp");
    std::fs::copy(fixtures::VERSIONED_V2, &tmp).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    assert!(matches!(s.host.load_file(&file), linli_host::host::LoadOutcome::Loaded { .. }));
    let snap = s.host.registry.snapshot();
    assert_eq!(snap.plugins["versioned"].manifest.version, "2.0.0");
    assert!(snap.is_disabled("versioned"));
    assert_eq!(s.get("/versioned").0, 404, "the upgrade did not switch it back on");
    assert!(s.host.set_enabled("versioned", true, "test").expect("enabled"));
    let (code, body) = s.get_json("/versioned");
    assert_eq!(code, 200);
    assert_eq!(body["version"], "2.0.0");
}
