//! The example plugin over real HTTP: pages in the shared shell, the
//! language switch, CSRF on staff writes, and the navigation.

use linli_tests::{TestServer, fixtures, http, http_json, sign_in};

#[test]
fn page_is_drawn_in_the_shared_shell_in_both_languages() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let (code, html) = s.get("/notices");
    assert_eq!(code, 200);
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("/static/linli.css"));
    assert!(html.contains("<a href=\"/notices\">通知公告</a>"), "navigation lists the page");
    assert!(html.contains("暂无公告"));
    let (_, html) = s.get("/notices?lang=en");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("No notices yet."));
    // The home page lists the service too.
    let (_, home) = s.get("/");
    assert!(home.contains("href=\"/notices\""));
}

#[test]
fn staff_writes_need_the_csrf_token() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let staff = sign_in(&s, "editor", &["editor"]);
    let url = format!("{}/api/notices", s.url);
    let body = serde_json::json!({"title": "停电通知", "body": "明天上午停电"});
    let (code, err) = http_json(ureq::post(&url).set("Cookie", &staff.cookie), &body);
    assert_eq!(code, 403, "{err}");
    assert!(err["error"]["message_en"].as_str().unwrap().contains("CSRF"));
    let (code, _) = http_json(ureq::post(&url).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body);
    assert_eq!(code, 201);
    // Without a session: 401, and the notice list is public.
    let (code, _) = http_json(ureq::post(&url), &body);
    assert_eq!(code, 401);
    let (code, page) = http(ureq::get(&format!("{}/notices", s.url)));
    assert_eq!(code, 200);
    assert!(page.contains("停电通知"));
    // Security headers on every response.
    let r = ureq::get(&format!("{}/notices", s.url)).call().unwrap();
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
}
