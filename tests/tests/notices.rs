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

/// Item 16: a notice can be edited, unpinned and deleted by its editors,
/// each change an event; the page offers the three, and residents see the
/// change.
#[test]
fn notices_are_edited_unpinned_and_deleted() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let staff = sign_in(&s, "editor", &["editor"]);
    let post = |path: &str, body: serde_json::Value| {
        http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
    };
    let (code, n) = post("/api/notices", serde_json::json!({"title": "停水通知", "body": "周三停水", "pinned": true}));
    assert_eq!(code, 201, "{n}");
    let id = n["id"].as_i64().unwrap();
    let (code, n) = post(&format!("/api/notices/{id}"), serde_json::json!({"title": "停水通知（改期）", "body": "改为周四停水"}));
    assert_eq!(code, 200, "{n}");
    assert_eq!((n["title"].as_str(), n["pinned"].as_bool()), (Some("停水通知（改期）"), Some(true)), "only the given fields change: {n}");
    assert!(n["updated_local"].as_str().is_some(), "{n}");
    let (code, n) = post(&format!("/api/notices/{id}"), serde_json::json!({"pinned": false}));
    assert_eq!((code, n["pinned"].as_bool()), (200, Some(false)), "unpinned: {n}");
    let (_, page) = http(ureq::get(&format!("{}/notices", s.url)).set("Cookie", &staff.cookie));
    assert!(page.contains("改为周四停水") && !page.contains("【置顶】"), "{page}");
    assert!(page.contains("data-act=\"edit\"") && page.contains("data-act=\"pin\"") && page.contains("data-act=\"delete\""), "{page}");
    // Residents get no editing buttons.
    let (_, public) = http(ureq::get(&format!("{}/notices", s.url)));
    assert!(!public.contains("data-act="), "{public}");
    // Without a session nobody edits.
    let (code, _) = http_json(ureq::post(&format!("{}/api/notices/{id}", s.url)), &serde_json::json!({"pinned": true}));
    assert_eq!(code, 401);
    let (code, _) = http(ureq::delete(&format!("{}/api/notices/{id}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf));
    assert_eq!(code, 200);
    let (code, _) = post(&format!("/api/notices/{id}"), serde_json::json!({"pinned": true}));
    assert_eq!(code, 404, "a deleted notice cannot be edited");
    let (_, public) = http(ureq::get(&format!("{}/notices", s.url)));
    assert!(!public.contains("停水"), "{public}");
}

/// Item 8: notice text has limits: lengths, and no control characters
/// (NUL, ANSI escapes, direction overrides), each refused with a message
/// that names the field; the page has no inline script (item 5).
#[test]
fn notice_text_is_limited_and_control_characters_refused() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let staff = sign_in(&s, "editor", &["editor"]);
    let post = |path: &str, body: serde_json::Value| {
        http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
    };
    let cases = [
        (serde_json::json!({"title": "a\u{0}b", "body": ""}), "标题", "U+0000"),
        (serde_json::json!({"title": "\u{1b}[31m红字", "body": ""}), "标题", "U+001B"),
        (serde_json::json!({"title": "通知", "body": "abc\u{202e}fed"}), "正文", "U+202E"),
        (serde_json::json!({"title": "x".repeat(100_000), "body": ""}), "标题", "100"),
        (serde_json::json!({"title": "通知", "body": "长".repeat(5001)}), "正文", "5000"),
        (serde_json::json!({"title": "   ", "body": ""}), "标题", "不能为空"),
    ];
    for (body, field, what) in cases {
        let (code, err) = post("/api/notices", body);
        assert_eq!(code, 422, "{err}");
        let zh = err["error"]["message_zh"].as_str().unwrap_or("");
        assert!(zh.contains(field) && (zh.contains(what) || err["error"]["message_en"].as_str().unwrap_or("").contains(what)), "{err}");
    }
    let (code, n) = post("/api/notices", serde_json::json!({"title": "通知", "body": "第一行\r\n第二行\t完"}));
    assert_eq!(code, 201, "line breaks and tabs are fine in the body: {n}");
    let id = n["id"].as_i64().unwrap();
    let (code, err) = post(&format!("/api/notices/{id}"), serde_json::json!({"title": "x\u{2066}y"}));
    assert_eq!(code, 422, "edits are checked too: {err}");
    let (_, page) = http(ureq::get(&format!("{}/notices", s.url)));
    for tag in page.split("<script").skip(1) {
        assert!(tag.starts_with(" src="), "inline script on the notices page: <script{}", &tag[..tag.len().min(80)]);
    }
}
