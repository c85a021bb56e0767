//! 大厅信息 / Hall settings: the hall's name, public address and service
//! phone, set once by an admin on `/admin/host/hall` (or
//! `POST /api/host/hall`) and read by every plugin through the WIT
//! interface `hall`. A plugin's own `public_url` / `hall_name` is only an
//! override. On SQLite and on PostgreSQL (the host tables of a district).

use linli_tests::{Staff, TestServer, fixtures, http, http_json, postgres, sign_in, store_settings};
use serde_json::{Value, json};

fn post(s: &TestServer, staff: &Staff, body: Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}/api/host/hall", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
}

fn get(s: &TestServer, staff: &Staff, path: &str) -> (u16, String) {
    http(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie))
}

/// The queue open all day with the default windows' four services, and no address of its own.
const QUEUE_OPEN: &str = r#"
[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
services = [
  { code = "A", name_zh = "民政事务", name_en = "Civil affairs" },
  { code = "B", name_zh = "劳动保障", name_en = "Labour and social security" },
  { code = "C", name_zh = "卫生健康", name_en = "Health" },
  { code = "D", name_zh = "综合/证明开具", name_en = "General / certificates" },
]
"#;

/// Only an admin reads or changes it; each field is checked and a refusal
/// names it; a change is in the audit log; the top bar links the form for
/// the admin only.
fn admin_only_checked_and_audited(settings: &str) {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], settings);
    let admin = sign_in(&s, "boss", &["admin"]);
    let sup = sign_in(&s, "sup", &["supervisor"]);

    // Nothing set yet.
    let (code, body) = get(&s, &admin, "/api/host/hall");
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!((v["hall"]["name"].as_str(), v["hall"]["public_url"].as_str()), (Some(""), Some("")), "{v}");

    // A supervisor may neither read nor write, nor open the form.
    assert_eq!(get(&s, &sup, "/api/host/hall").0, 403);
    let (code, body) = post(&s, &sup, json!({"name": "某某社区便民服务大厅", "public_url": "http://hall.test:8080"}));
    assert_eq!(code, 403, "{body}");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let (code, _) = http(agent.get(&format!("{}/admin/host/hall", s.url)).set("Cookie", &sup.cookie));
    assert!(code == 303 || code == 403, "a supervisor is not shown the form ({code})");
    assert!(!get(&s, &sup, "/").1.contains("/admin/host/hall"), "no link for a supervisor");
    // Without the CSRF token: refused.
    let (code, _) = http_json(ureq::post(&format!("{}/api/host/hall", s.url)).set("Cookie", &admin.cookie), &json!({"name": "x"}));
    assert_eq!(code, 403);

    // Each bad value: 422 naming its field, nothing kept.
    let long = "a".repeat(100_000);
    for (body, field) in [
        (json!({"public_url": "http://hall.test:8080/queue"}), "public_url"),
        (json!({"public_url": "https://hall.test?x=1"}), "public_url"),
        (json!({"public_url": "javascript:alert(1)"}), "public_url"),
        (json!({"public_url": "hall.test"}), "public_url"),
        (json!({"public_url": "http://hall.test\u{7}"}), "public_url"),
        (json!({"public_url": format!("http://{long}")}), "public_url"),
        (json!({"name": "大厅\u{1b}[31m"}), "name"),
        (json!({"name": long}), "name"),
        (json!({"name": 7}), "name"),
        (json!({"phone": "call us"}), "phone"),
        (json!({"phone": long}), "phone"),
    ] {
        let (code, r) = post(&s, &admin, body.clone());
        assert_eq!((code, r["error"]["field"].as_str()), (422, Some(field)), "{body:.80}: {r}");
        assert!(r["error"]["message_zh"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    let (_, body) = get(&s, &admin, "/api/host/hall");
    assert!(body.contains("\"public_url\":\"\""), "nothing kept: {body}");

    // A good one, trailing slash dropped, kept and audited.
    let (code, r) = post(&s, &admin, json!({"name": " 某某社区便民服务大厅 ", "public_url": "http://hall.test:8080/", "phone": "010-12345678"}));
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["hall"]["public_url"], "http://hall.test:8080");
    assert_eq!(r["hall"]["name"], "某某社区便民服务大厅");
    let (_, body) = get(&s, &admin, "/api/host/audit");
    assert!(body.contains("hall.update") && body.contains("public_url=http://hall.test:8080"), "{body}");

    // The form: each field explained, zh first; the admin's top bar links it.
    let (code, page) = get(&s, &admin, "/admin/host/hall?lang=zh-CN");
    assert_eq!(code, 200);
    for text in ["大厅名称", "对外地址", "服务电话", "value=\"http://hall.test:8080\"", "value=\"某某社区便民服务大厅\"", "不要带路径"] {
        assert!(page.contains(text), "{text} on the form: {page}");
    }
    assert!(page.contains("href=\"/admin/host/hall\""), "the top bar links the form");
    let (_, page) = get(&s, &admin, "/admin/host/hall?lang=en");
    assert!(page.contains("Public address") && page.contains("Service phone"), "{page}");

    // A name with markup is text on the form; an address can be cleared.
    let (code, r) = post(&s, &admin, json!({"name": "<i>厅</i>\"", "public_url": ""}));
    assert_eq!(code, 200, "{r}");
    let (_, page) = get(&s, &admin, "/admin/host/hall");
    assert!(page.contains("value=\"&lt;i&gt;厅&lt;/i&gt;&quot;\"") && !page.contains("<i>厅"), "{page}");
    assert!(page.contains("name=\"public_url\" value=\"\""), "cleared: {page}");
}

#[test]
fn hall_settings_are_for_the_admin_checked_and_audited() {
    admin_only_checked_and_audited("");
}

#[test]
fn hall_settings_are_for_the_admin_checked_and_audited_on_postgres() {
    let Some(pg) = postgres() else { return };
    admin_only_checked_and_audited(&store_settings(&pg, "hallinfo"));
}

/// The admin sets the hall's address once: the queue's kiosk, which
/// refused to print, prints a slip whose QR code opens that address and
/// shows the hall's name, the feedback poster points there too and the
/// supervision's monthly report carries the name —
/// without any plugin setting touched. A plugin's own address still wins.
fn set_once_used_everywhere(settings: &str) {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_FEEDBACK, fixtures::PLUGIN_SUPERVISION], &format!("{settings}{QUEUE_OPEN}"));
    let admin = sign_in(&s, "boss", &["admin"]);

    // Opened at 127.0.0.1 with no address anywhere: the kiosk refuses and
    // says where to set it.
    let (_, kiosk) = s.get("/queue/kiosk?lang=zh-CN");
    assert!(kiosk.contains("id=\"q-setup\"") && kiosk.contains("大厅信息"), "{kiosk}");
    assert!(kiosk.contains("data-service=\"A\" disabled"), "{kiosk}");

    let (code, r) = post(&s, &admin, json!({"name": "某某社区便民服务大厅", "public_url": "http://hall.test:8080"}));
    assert_eq!(code, 200, "{r}");

    // Every Chinese page is headed by the hall's name; the English ones keep English words.
    let (_, home) = s.get("/?lang=zh-CN");
    assert!(home.contains("<a class=\"brand\" href=\"/\">某某社区便民服务大厅</a>") && home.contains("· 某某社区便民服务大厅</title>"), "{home}");
    let (_, home) = s.get("/?lang=en");
    assert!(home.contains("<a class=\"brand\" href=\"/\">Linli · Community Service Hall</a>"), "{home}");

    let (_, kiosk) = s.get("/queue/kiosk?lang=zh-CN");
    assert!(!kiosk.contains("id=\"q-setup\"") && !kiosk.contains("data-service=\"A\" disabled"), "the kiosk prints now: {kiosk}");
    let (code, t) = http_json(ureq::post(&format!("{}/api/queue/tickets?paper=80", s.url)), &json!({"service": "A", "idem_key": "hall-1"}));
    assert_eq!(code, 201, "{t}");
    let token = t["token"].as_str().expect("token");
    let want = linli_sdk::qr::svg(&format!("http://hall.test:8080/queue/t/{token}"), 120);
    let html = t["print_html"].as_str().expect("printed slip");
    assert!(!want.is_empty() && html.contains(&want), "the slip's QR code opens the hall's address: {html}");
    assert!(html.contains("某某社区便民服务大厅"), "the hall's name on the slip: {html}");
    assert_eq!(t["slip"]["hall"], "某某社区便民服务大厅", "{t}");

    let (code, poster) = get(&s, &admin, "/feedback/poster?lang=zh-CN");
    assert_eq!(code, 200, "{poster}");
    assert!(poster.contains("http://hall.test:8080/feedback?from=poster"), "the poster points at the hall's address: {poster}");
    assert!(poster.contains(&linli_sdk::qr::svg("http://hall.test:8080/feedback?from=poster", 320)), "its QR code too");

    // The supervision's monthly report carries the hall's name.
    let (code, report) = get(&s, &admin, "/supervision/report?month=2026-03");
    assert_eq!(code, 200, "{report}");
    assert!(report.contains("<h1 id=\"sv-hall\">某某社区便民服务大厅</h1>"), "{report}");

    // The queue's own override still wins.
    let (code, r) = http_json(
        ureq::post(&format!("{}/api/queue/config", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
        &json!({"public_url": "https://queue.hall.test"}),
    );
    assert_eq!(code, 200, "{r}");
    let (_, t) = http_json(ureq::post(&format!("{}/api/queue/tickets?paper=80", s.url)), &json!({"service": "A", "idem_key": "hall-2"}));
    let token = t["token"].as_str().expect("token");
    assert!(t["print_html"].as_str().unwrap_or("").contains(&linli_sdk::qr::svg(&format!("https://queue.hall.test/queue/t/{token}"), 120)), "{t}");
}

#[test]
fn the_halls_address_set_once_reaches_the_kiosk_slip_and_the_feedback_poster() {
    set_once_used_everywhere("");
}

#[test]
fn the_halls_address_set_once_reaches_the_kiosk_slip_and_the_feedback_poster_on_postgres() {
    let Some(pg) = postgres() else { return };
    set_once_used_everywhere(&store_settings(&pg, "hallqr"));
}

/// The form in Chromium, as an admin uses it from the top bar's 系统管理
/// menu: a path in the address is refused beside the field, a good one is
/// saved and read back after a reload. The page runs under
/// `script-src 'self'`: the form works only if the served script does.
#[test]
fn the_hall_form_in_chromium() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who') && document.querySelector('.who').textContent.includes('管理员')");
    let href = b.js("var a = Array.from(document.querySelectorAll('a')).find(a => a.textContent.trim() === '大厅信息'); return a ? a.getAttribute('href') : null;");
    assert_eq!(href, "/admin/host/hall", "the top bar's 系统管理 menu links the form");
    b.open(&format!("{}/admin/host/hall", s.url));
    b.until("the form", "document.getElementById('hall-form')");
    b.js("var f = document.getElementById('hall-form'); f.elements.name.value = '某某社区便民服务大厅'; f.public_url.value = 'http://192.168.1.10:8080/queue'; f.querySelector('button').click(); return 1;");
    let err = b.until("the error beside the address", "document.querySelector('[name=public_url] + .field-error') && document.querySelector('[name=public_url] + .field-error').textContent");
    assert!(err.as_str().unwrap_or("").contains("对外地址") && err.as_str().unwrap_or("").contains("不要带路径"), "{err}");
    b.js("var f = document.getElementById('hall-form'); f.public_url.value = 'http://192.168.1.10:8080/'; f.phone.value = '010-12345678'; f.querySelector('button').click(); return 1;");
    b.until("saved", "document.querySelector('#hall-form .status').textContent === '已保存'");
    assert_eq!(b.js("return document.querySelectorAll('#hall-form .field-error').length;"), 0, "the old error is gone");
    b.open(&format!("{}/admin/host/hall", s.url));
    let kept = b.until("the saved values", "document.getElementById('hall-form') && [document.getElementById('hall-form').elements.name.value, document.getElementById('hall-form').public_url.value, document.getElementById('hall-form').phone.value].join('|')");
    assert_eq!(kept, "某某社区便民服务大厅|http://192.168.1.10:8080|010-12345678");
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/admin-hall.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}
