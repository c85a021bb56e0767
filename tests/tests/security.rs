//! Staff, devices and the security of residents' data.

use linli_host::runtime::capabilities::ManualClock;
use linli_tests::{Staff, TestServer, fixtures, http, http_json, sign_in};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

fn post(s: &TestServer, staff: &Staff, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
}

fn get_as(s: &TestServer, staff: &Staff, path: &str) -> (u16, String) {
    http(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie))
}

fn records_server() -> (TestServer, Staff) {
    let s = TestServer::start(&[fixtures::RECORDS]);
    let admin = sign_in(&s, "admin", &["admin"]);
    (s, admin)
}

#[test]
fn residents_needs_an_explicit_grant_and_role_checks_apply() {
    let (s, admin) = records_server();
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    // Asked for, but sensitive: not granted until an admin says so.
    let (code, body) = post(&s, &clerk, "/records", json!({"name": "张三明", "id_number": "11010519491231002X", "phone": "13812341234"}));
    assert_eq!(code, 403);
    assert!(body["error"].as_str().unwrap().contains("capability `residents` was not granted"), "{body}");

    let (code, body) = post(&s, &admin, "/api/host/plugins/records/grants", json!({"capabilities": ["residents"]}));
    assert_eq!(code, 200, "{body}");
    let (code, body) = post(&s, &clerk, "/records", json!({"name": "张三明", "id_number": "11010519491231002X", "phone": "13812341234"}));
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().unwrap();

    // Clerks read in full; volunteers see masked values; the public nothing.
    let (_, full) = get_as(&s, &clerk, "/records/find?phone=13812341234");
    assert!(full.contains("11010519491231002X") && full.contains("张三明"), "{full}");
    let volunteer = sign_in(&s, "vol", &["volunteer"]);
    let (_, masked) = get_as(&s, &volunteer, "/records/find?phone=13812341234");
    // At most a third of each value shows (linli_shared::mask).
    assert!(masked.contains("张**") && masked.contains("********234") && masked.contains("11************002X"), "{masked}");
    assert!(!masked.contains("13812341234") && !masked.contains("幸福路"), "{masked}");
    let (code, body) = s.get("/records/public-find?phone=13812341234");
    assert_eq!(code, 403);
    assert!(body.contains("signed-in staff"), "{body}");
    // Bad input is refused with the field named.
    let (code, body) = post(&s, &clerk, "/records", json!({"name": "李四", "id_number": "110105194912310021"}));
    assert_eq!(code, 403);
    assert!(body["error"].as_str().unwrap().contains("id-number"), "{body}");

    // Every access is in the audit log, with who did it.
    let supervisor = sign_in(&s, "sup", &["supervisor"]);
    let (code, log) = get_as(&s, &supervisor, &format!("/api/host/audit?target=resident:{id}"));
    assert_eq!(code, 200);
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"residents.save") && actions.iter().filter(|a| **a == "residents.read").count() >= 2, "{actions:?}");
    assert_eq!(log["intact"], true);
    let (_, all) = get_as(&s, &supervisor, "/api/host/audit?action=plugin.grants");
    assert!(all.contains("plugin:records"), "grant changes are audited: {all}");
}

#[test]
fn the_database_file_alone_reveals_no_id_or_phone_numbers() {
    let (s, admin) = records_server();
    post(&s, &admin, "/api/host/plugins/records/grants", json!({"capabilities": ["residents"]}));
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    for (name, id, phone) in [("王五", "11010519491231002X", "13912345678"), ("赵六", "440524188001010014", "13698765432")] {
        let (code, _) = post(&s, &clerk, "/records", json!({"name": name, "id_number": id, "phone": phone}));
        assert_eq!(code, 201);
    }
    let data = s.host.config.data_dir.clone();
    let mut raw = Vec::new();
    for f in std::fs::read_dir(&data).unwrap().flatten() {
        if f.file_name().to_string_lossy().starts_with("linli.db") {
            raw.extend(std::fs::read(f.path()).unwrap());
        }
    }
    assert!(!raw.is_empty());
    let hay = String::from_utf8_lossy(&raw);
    assert!(hay.contains("王五"), "names are stored (so the grep is looking at the right bytes)");
    for secret in ["11010519491231002X", "440524188001010014", "13912345678", "13698765432", "12345678", "98765432"] {
        assert!(!hay.contains(secret), "`{secret}` is in the database file in clear text");
    }
    // The key lives in a file of its own.
    assert!(data.join("keys/residents.key").exists());
}

#[test]
fn audit_log_is_for_supervisors_and_cannot_be_changed() {
    let (s, admin) = records_server();
    post(&s, &admin, "/api/host/plugins/records/grants", json!({"capabilities": ["residents"]}));
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let (code, _) = get_as(&s, &clerk, "/api/host/audit");
    assert_eq!(code, 403, "a clerk cannot read the audit log");
    let (code, _) = get_as(&s, &clerk, "/api/host/audit.csv");
    assert_eq!(code, 403);
    // No API edits or deletes entries.
    for method in ["PUT", "DELETE", "PATCH"] {
        let (code, _) = http(ureq::request(method, &format!("{}/api/host/audit", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf));
        assert_eq!(code, 405, "{method} /api/host/audit");
    }
    // Not even SQL on the file: the table refuses UPDATE and DELETE.
    let err = s.host.db.with_writer(|c| c.execute("UPDATE audit SET action = 'nothing'", [])).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = s.host.db.with_writer(|c| c.execute("DELETE FROM audit", [])).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    // The CSV export works for an admin and carries the entries.
    let (code, csv) = get_as(&s, &admin, "/api/host/audit.csv");
    assert_eq!(code, 200);
    assert!(csv.contains("plugin.grants"), "{csv}");
}

#[test]
fn sessions_expire_and_sign_out_needs_the_csrf_token() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_767_225_600_000)));
    let s = TestServer::start_custom(&[fixtures::RECORDS], "", None, clock.clone());
    let staff = sign_in(&s, "clerk", &["clerk"]);
    let whoami = |st: &Staff| -> serde_json::Value { serde_json::from_str(&get_as(&s, st, "/api/host/whoami").1).unwrap() };
    assert_eq!(whoami(&staff)["kind"], "staff");
    clock.0.fetch_add(13 * 3600 * 1000, Ordering::SeqCst);
    assert_eq!(whoami(&staff)["kind"], "anonymous", "a session ends after 12 hours");

    let staff = fresh_session(&s, "clerk");
    assert_eq!(whoami(&staff)["kind"], "staff");
    // Another site cannot sign a staff member out: no CSRF token, no sign-out.
    let (code, body) = http(ureq::post(&format!("{}/logout", s.url)).set("Cookie", &staff.cookie));
    assert_eq!(code, 403, "{body}");
    assert_eq!(whoami(&staff)["kind"], "staff", "the session is still there");
    // The page's sign-out form carries the token, as a form field.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{}/logout", s.url)).set("Cookie", &staff.cookie).send_form(&[("csrf", &staff.csrf)]).unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(whoami(&staff)["kind"], "anonymous", "logout revokes the session on the server");
}

/// Sign in again (the account exists) through the form; the cookie and CSRF token.
fn fresh_session(s: &TestServer, user: &str) -> Staff {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{}/login", s.url)).send_form(&[("username", user), ("password", "correct horse battery")]).unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.all("set-cookie").into_iter().find(|c| c.starts_with("linli_session=")).unwrap().split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", s.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    Staff { cookie, csrf }
}

/// A sign-in attempt: status, body, Location and the cookies set.
fn try_login(s: &TestServer, user: &str, password: &str, cookie: Option<&str>, extra: &[(&str, &str)]) -> (u16, String, String, Vec<String>) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut req = agent.post(&format!("{}/login", s.url));
    if let Some(c) = cookie {
        req = req.set("Cookie", c);
    }
    let mut form = vec![("username", user), ("password", password)];
    form.extend_from_slice(extra);
    let r = match req.send_form(&form) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let (code, loc, cookies) = (r.status(), r.header("location").unwrap_or("").to_owned(), r.all("set-cookie").into_iter().map(str::to_owned).collect());
    (code, r.into_string().unwrap_or_default(), loc, cookies)
}

#[test]
fn a_lockout_is_per_client_answers_alike_for_unknown_names_and_spares_a_known_browser() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_767_225_600_000)));
    let s = TestServer::start_custom(&[fixtures::RECORDS], "", None, clock.clone());
    sign_in(&s, "clerk", &["clerk"]);
    // The staff member's own browser signed in before: it got a known-device cookie.
    let (code, _, _, cookies) = try_login(&s, "clerk", "correct horse battery", None, &[]);
    assert_eq!(code, 303);
    let known = cookies.iter().find(|c| c.starts_with("linli_known=")).expect("a known-device cookie").split(';').next().unwrap().to_owned();
    assert!(cookies.iter().any(|c| c.starts_with("linli_known=") && c.contains("HttpOnly")));

    // Someone at the same address guesses: a known name and an unknown one
    // get the same answers, status and body alike.
    for i in 0..5 {
        let (a, body_a, _, _) = try_login(&s, "clerk", "wrong-password", None, &[]);
        let (b, body_b, _, _) = try_login(&s, "nobody", "wrong-password", None, &[]);
        assert_eq!((a, b), (401, 401), "attempt {i}");
        assert_eq!(body_a, body_b, "the answer does not tell whether the name exists");
    }
    let (a, body_a, _, _) = try_login(&s, "clerk", "correct horse battery", None, &[]);
    let (b, body_b, _, _) = try_login(&s, "nobody", "correct horse battery", None, &[]);
    assert_eq!((a, b), (429, 429), "that client is locked out for both names");
    assert_eq!(body_a, body_b);
    assert!(body_a.contains("15 分钟"), "{body_a}");

    // The staff member's own browser still signs in: the lock was the guesser's.
    let (code, body, _, _) = try_login(&s, "clerk", "correct horse battery", Some(&known), &[]);
    assert_eq!(code, 303, "{body}");
    // A forged known-device cookie is worth nothing.
    let (code, _, _, _) = try_login(&s, "clerk", "correct horse battery", Some("linli_known=1.00112233445566778899aabbccddeeff"), &[]);
    assert_eq!(code, 429);
    // Guessing on does not renew the lock for ever: it ends 15 minutes after it began.
    clock.0.fetch_add(10 * 60 * 1000, Ordering::SeqCst);
    assert_eq!(try_login(&s, "clerk", "wrong-password", None, &[]).0, 429);
    clock.0.fetch_add(6 * 60 * 1000, Ordering::SeqCst);
    assert_eq!(try_login(&s, "clerk", "correct horse battery", None, &[]).0, 303, "the lock ends after 15 minutes");
}

#[test]
fn sign_in_goes_only_to_a_path_on_this_host() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    sign_in(&s, "boss", &["admin"]);
    sign_in(&s, "clerk", &["clerk"]);
    for evil in ["/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "/\n/evil.example", "/a\r\nSet-Cookie: x=1"] {
        let (code, body, loc, _) = try_login(&s, "boss", "correct horse battery", None, &[("next", evil)]);
        assert_eq!(code, 303, "{evil:?}: {body}");
        assert_eq!(loc, "/", "{evil:?} goes to the home page instead");
    }
    let (_, _, loc, _) = try_login(&s, "boss", "correct horse battery", None, &[("next", "/queue/stats?day=2026-11-25")]);
    assert_eq!(loc, "/queue/stats?day=2026-11-25", "a local path is kept");
    // A clerk lands on the counter.
    let (_, _, loc, _) = try_login(&s, "clerk", "correct horse battery", None, &[("window", "3")]);
    assert_eq!(loc, "/queue/counter");
    // The sign-in page itself never writes such a `next` into its form.
    let (_, page) = s.get("/login?next=%2F%09%2Fevil.example");
    assert!(!page.contains("evil.example"), "{page}");
}

/// The visible text of a page: tags, scripts and attributes removed.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// No inline script and no `on…=` handler in a page.
fn inline_scripts(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = vec![];
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..i + lower[i..].find('>').unwrap_or(0)];
        if !tag.contains(" src=") {
            found.push(lower[i..].chars().take(80).collect());
        }
    }
    for (i, _) in lower.match_indices(" on") {
        let name: String = lower[i + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if name.len() > 2 && lower[i + 1 + name.len()..].trim_start().starts_with('=') {
            found.push(name);
        }
    }
    found
}

#[test]
fn host_pages_run_no_inline_script_under_a_strict_policy_and_speak_one_language() {
    let s = TestServer::start(&[fixtures::RECORDS]);
    let admin = sign_in(&s, "boss", &["admin"]);
    post(&s, &admin, "/api/host/devices", json!({"name": "大厅取号机", "kind": "kiosk"}));
    post(&s, &admin, "/api/host/staff", json!({"username": "wang", "name": "王五", "roles": ["clerk", "guide"], "password": "correct horse battery"}));
    for path in ["/", "/login", "/admin/host/staff", "/admin/host/devices", "/admin/host/plugins", "/admin/host/audit", "/admin/host/content"] {
        let r = ureq::get(&format!("{}{path}", s.url)).set("Cookie", &admin.cookie).call().unwrap();
        let csp = r.header("content-security-policy").unwrap_or("").to_owned();
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("").trim().to_owned();
        assert_eq!(script_src, "script-src 'self'", "{path}: {csp}");
        let html = r.into_string().unwrap();
        assert!(inline_scripts(&html).is_empty(), "{path} runs inline script: {:?}", inline_scripts(&html));
    }
    // The admin pages' script is a file of this host.
    let (code, js) = s.get("/static/admin.js");
    assert_eq!(code, 200);
    assert!(js.contains("/api/host/staff"));

    // The Chinese pages carry no English words for roles, kinds, states.
    let english = ["admin", "supervisor", "clerk", "guide", "editor", "maintainer", "volunteer", "kiosk", "screen", "evaluator", "active", "disabled", "revoked", "never", "kv", "sql", "events", "residents"];
    for path in ["/admin/host/staff?lang=zh-CN", "/admin/host/devices?lang=zh-CN", "/admin/host/plugins?lang=zh-CN"] {
        let text = visible_text(&get_as(&s, &admin, path).1);
        let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| english.contains(&w.to_ascii_lowercase().as_str())).collect();
        assert!(words.is_empty(), "{path} shows English words {words:?} in: {text}");
    }
    // The audit log names the host's actions in Chinese (the codes stay for filters and export).
    let text = visible_text(&get_as(&s, &admin, "/admin/host/audit?lang=zh-CN").1);
    assert!(text.contains("登记设备") && text.contains("新增工作人员") && !text.contains("device.create"), "{text}");
    let text = visible_text(&get_as(&s, &admin, "/admin/host/staff?lang=zh-CN").1);
    assert!(text.contains("窗口办事员") && text.contains("导办员") && text.contains("管理员"), "{text}");
    let text = visible_text(&get_as(&s, &admin, "/admin/host/devices?lang=zh-CN").1);
    assert!(text.contains("自助取号机") && text.contains("使用中") && text.contains("从未连接"), "{text}");
    // And the English pages no Chinese ones.
    let text = visible_text(&get_as(&s, &admin, "/admin/host/staff?lang=en").1);
    let rest = text.replace("王五", "").replace("测试员", "").replace("中文", "");
    assert!(!rest.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "only names and the language switch are Chinese: {text}");
}

#[test]
fn plugin_pages_get_the_strict_policy_too() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_NOTICES]);
    let admin = sign_in(&s, "boss", &["admin"]);
    for path in ["/queue/kiosk", "/queue/counter", "/queue/admin", "/queue/stats", "/notices"] {
        let r = ureq::get(&format!("{}{path}", s.url)).set("Cookie", &admin.cookie).call().unwrap();
        let csp = r.header("content-security-policy").unwrap_or("").to_owned();
        assert!(csp.contains("script-src 'self';") && !csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe")), "{path}: {csp}");
        let html = r.into_string().unwrap().replace("<script type=\"application/json\"", "<data");
        assert!(inline_scripts(&html).is_empty(), "{path} has script the policy refuses: {:?}", inline_scripts(&html));
    }
}

#[test]
fn errors_are_one_json_format_without_internal_detail() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let admin = sign_in(&s, "boss", &["admin"]);
    let send = |method: &str, path: &str, ctype: &str, body: &str| -> (u16, serde_json::Value, String) {
        let (code, text) = if body.len() > 1024 * 1024 {
            // Over the body limit: the host answers from the headers alone and
            // closes; a client still writing the body would see a broken pipe
            // (which one depends on socket buffers), so only the head is sent.
            oversized(&s.url, method, path, ctype, body.len(), &admin)
        } else {
            // A connection of its own per request (none reused after an
            // answer that closed it).
            let agent = ureq::AgentBuilder::new().max_idle_connections(0).build();
            let req = agent.request(method, &format!("{}{path}", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf).set("Content-Type", ctype);
            match req.send_string(body) {
                Ok(r) => (r.status(), r.into_string().unwrap()),
                Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap()),
                Err(e) => panic!("{method} {path}: {e}"),
            }
        };
        (code, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}")), text)
    };
    let new = json!({"username": "wang", "name": "王五", "roles": ["clerk"], "password": "correct horse battery"}).to_string();
    assert_eq!(send("POST", "/api/host/staff", "application/json", &new).0, 201);
    let (code, v, text) = send("POST", "/api/host/staff", "application/json", &new);
    assert_eq!(code, 409, "{text}");
    assert_eq!(v["error"]["code"], "username_taken");
    assert_eq!(v["error"]["message_zh"], "该用户名已存在");
    assert_eq!(v["error"]["field"], "username");
    let cases = [
        ("POST", "/api/host/staff", "application/json", "{\"username\": 5}"),
        ("POST", "/api/host/staff", "application/json", "[1, 2]"),
        ("POST", "/api/host/staff", "application/json", "{not json"),
        ("POST", "/api/host/staff", "text/plain", "hello"),
        ("POST", "/api/host/staff/abc/disable", "application/json", "{}"),
        ("POST", "/api/host/devices", "application/json", "{\"name\": [\"x\"], \"kind\": \"kiosk\"}"),
        ("POST", "/api/host/plugins/notices/grants", "application/json", "{\"capabilities\": \"kv\"}"),
        ("PUT", "/api/host/audit", "application/json", "{}"),
        ("GET", "/api/host/audit?from=yesterday", "application/json", ""),
        ("POST", "/login", "application/json", "{}"),
        ("GET", "/api/nothing/here", "application/json", ""),
        // A plugin's body parse errors (the SDK's `req.json()`) too.
        ("POST", "/api/notices", "application/json", "{\"title\": 5, \"body\": \"x\"}"),
        ("POST", "/api/notices", "application/json", "{oops"),
        ("POST", "/api/host/staff", "application/json", &format!("{{\"username\": \"{}\"}}", "x".repeat(2 * 1024 * 1024))),
    ];
    for (method, path, ctype, body) in cases {
        let (code, v, text) = send(method, path, ctype, body);
        assert!((400..500).contains(&code), "{method} {path}: {code} {text}");
        let e = &v["error"];
        assert!(e["code"].is_string() && e["message_zh"].is_string() && e["message_en"].is_string(), "{method} {path}: {text}");
        for leak in ["storage", "UNIQUE", "invalid type", "expected", "Failed to", "struct", "at line", "serde", "axum", "Json"] {
            assert!(!text.contains(leak), "{method} {path} leaks `{leak}`: {text}");
        }
        // The Chinese message is Chinese (JSON may be named).
        let zh = e["message_zh"].as_str().unwrap().replace("JSON", "");
        assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{method} {path}: {zh}");
    }
}

#[test]
fn names_and_text_are_limited_and_control_characters_refused() {
    let s = TestServer::start(&[fixtures::RECORDS]);
    let admin = sign_in(&s, "boss", &["admin"]);
    let huge = "长".repeat(100_000);
    let staff = |name: &str, username: &str| post(&s, &admin, "/api/host/staff", json!({"username": username, "name": name, "roles": ["clerk"], "password": "correct horse battery"}));
    let (code, v) = staff(&huge, "wang");
    assert_eq!(code, 422, "{v}");
    assert_eq!((v["error"]["code"].as_str(), v["error"]["field"].as_str()), (Some("field_too_long"), Some("name")));
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("姓名"), "{v}");
    for bad in ["王\0五", "王\u{1b}[31m五", "王\u{202E}五", "王\u{2067}五", "王\u{85}五"] {
        let (code, v) = staff(bad, "wang");
        assert_eq!((code, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (422, Some("field_invalid_char"), Some("name")), "{bad:?}: {v}");
    }
    let (code, v) = staff("王五", &"w".repeat(100_000));
    assert_eq!((code, v["error"]["field"].as_str()), (422, Some("username")), "{v}");
    let (code, v) = post(&s, &admin, "/api/host/devices", json!({"name": huge, "kind": "kiosk"}));
    assert_eq!((code, v["error"]["field"].as_str()), (422, Some("name")), "{v}");
    let (code, v) = post(&s, &admin, "/api/host/devices", json!({"name": "取号机\u{1b}[2J", "kind": "kiosk"}));
    assert_eq!((code, v["error"]["code"].as_str()), (422, Some("field_invalid_char")), "{v}");
    let (code, v) = post(&s, &admin, "/api/host/devices", json!({"name": "评价器", "kind": "evaluator", "window": "3\u{0}"}));
    assert_eq!((code, v["error"]["field"].as_str()), (422, Some("window")), "{v}");
    // Nothing of it was stored.
    let (_, list) = get_as(&s, &admin, "/api/host/staff");
    assert!(!list.contains("长长") && !list.contains("\\u001b") && !list.contains("\\u0000"), "{list}");
    // A huge user name at sign-in is just a wrong sign-in.
    assert_eq!(try_login(&s, &"w".repeat(100_000), "x", None, &[]).0, 401);
}

#[test]
fn metrics_are_for_maintainers_or_the_configured_token() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_NOTICES], "[http]\nrate_per_minute = 0\nmetrics_token = \"prometheus-scrape-token-1\"\n");
    assert_eq!(s.get("/metrics").0, 401, "not for anyone");
    let with = |token: &str| http(ureq::get(&format!("{}/metrics", s.url)).set("Authorization", &format!("Bearer {token}")));
    let (code, text) = with("prometheus-scrape-token-1");
    assert_eq!(code, 200);
    assert!(text.contains("linli_plugin_calls_total"));
    assert_eq!(with("prometheus-scrape-token-2").0, 401);
    let maintainer = sign_in(&s, "wei", &["maintainer"]);
    assert_eq!(get_as(&s, &maintainer, "/metrics").0, 200);
    let editor = sign_in(&s, "li", &["editor"]);
    assert_eq!(get_as(&s, &editor, "/metrics").0, 403);
    // A token too short to be a secret is refused when the host starts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("linli.toml"), "[http]\nmetrics_token = \"short\"\n").unwrap();
    let err = linli_host::settings::Settings::load(&dir.path().join("linli.toml")).unwrap_err();
    assert!(format!("{err:#}").contains("metrics_token"), "{err:#}");
}

#[test]
fn head_answers_like_get_on_plugin_routes() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let r = ureq::request("HEAD", &format!("{}/api/notices", s.url)).call().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.header("content-type").unwrap_or("").contains("json"));
    assert_eq!(r.into_string().unwrap(), "", "no body");
    let r = ureq::request("HEAD", &format!("{}/notices", s.url)).call().unwrap();
    assert_eq!(r.status(), 200, "pages too");
}

#[test]
fn a_revoked_kiosk_cannot_issue() {
    // Wednesday 2026-11-25, 10:00 in Beijing: the sample hall is open.
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_795_572_000_000)));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE], "", None, clock);
    let admin = sign_in(&s, "boss", &["admin"]);
    let (_, body) = post(&s, &admin, "/api/host/devices", json!({"name": "大厅取号机", "kind": "kiosk"}));
    let (token, id) = (body["token"].as_str().unwrap().to_owned(), body["device"]["id"].as_i64().unwrap());
    let issue = |auth: Option<(&str, String)>| {
        let mut req = ureq::post(&format!("{}/api/queue/tickets", s.url));
        if let Some((h, v)) = auth {
            req = req.set(h, &v);
        }
        http_json(req, &json!({"service": "A"}))
    };
    assert_eq!(issue(Some(("Authorization", format!("Bearer {token}")))).0, 201, "the kiosk issues");
    assert_eq!(post(&s, &admin, &format!("/api/host/devices/{id}/revoke"), json!({})).0, 200);
    // Taking a ticket is for anyone (a resident's phone too), but a revoked
    // kiosk is refused at once, by token or by its paired cookie.
    for auth in [("Authorization", format!("Bearer {token}")), ("Cookie", format!("linli_device={token}"))] {
        let (code, v) = issue(Some(auth));
        assert_eq!((code, v["error"]["code"].as_str()), (401, Some("device_revoked")), "{v}");
    }
    let (code, page) = http(ureq::get(&format!("{}/queue/kiosk", s.url)).set("Cookie", &format!("linli_device={token}")).set("Accept", "text/html"));
    assert_eq!(code, 401, "{page}");
    assert!(page.contains("此设备已停用"), "the kiosk's screen says so: {page}");
    assert_eq!(issue(None).0, 201, "anyone else still takes a ticket");
}

#[test]
fn devices_have_narrow_revocable_tokens() {
    let (s, admin) = records_server();
    let (code, body) = post(&s, &admin, "/api/host/devices", json!({"name": "大厅 1 号取号机", "kind": "kiosk"}));
    assert_eq!(code, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let id = body["device"]["id"].as_i64().unwrap();
    let as_device = |path: &str| http(ureq::get(&format!("{}{path}", s.url)).set("Authorization", &format!("Bearer {token}")));
    let (code, body) = as_device("/records/kiosk");
    assert_eq!(code, 200);
    assert!(body.contains("device") && body.contains("大厅 1 号取号机"), "{body}");
    assert_eq!(as_device("/records/screen").0, 403, "a kiosk is not a screen");
    assert_eq!(as_device("/records/find?phone=1").0, 403, "a kiosk reads no staff routes");
    assert_eq!(as_device("/api/host/audit").0, 403);
    // Pairing a browser sets an HttpOnly device cookie.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.get(&format!("{}/device/pair?token={token}", s.url)).call().unwrap();
    assert!(r.header("set-cookie").unwrap().contains("HttpOnly"));
    // Revoked: the token stops working at once.
    let (code, _) = post(&s, &admin, &format!("/api/host/devices/{id}/revoke"), json!({}));
    assert_eq!(code, 200);
    assert_eq!(as_device("/records/kiosk").0, 401);
    let (code, _) = http(ureq::get(&format!("{}/device/pair?token={token}", s.url)));
    assert_eq!(code, 403);
}

#[test]
fn public_writes_are_rate_limited() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_NOTICES], "[http]\nrate_per_minute = 60\nrate_burst = 5\n");
    let mut codes = vec![];
    for _ in 0..8 {
        let r = ureq::post(&format!("{}/login", s.url)).send_form(&[("username", "nobody"), ("password", "x")]);
        codes.push(match r {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(c, _)) => c,
            Err(e) => panic!("{e}"),
        });
    }
    assert!(codes[..5].iter().all(|c| *c == 401), "{codes:?}");
    assert!(codes[5..].iter().all(|c| *c == 429), "{codes:?}");
}

#[test]
fn phones_given_at_the_kiosk_are_in_no_file_event_or_public_page() {
    // Wednesday 2026-11-25, 10:00 in Beijing: the sample hall is open.
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_795_572_000_000)));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE], "", None, clock);
    let anyone = |body: serde_json::Value| http_json(ureq::post(&format!("{}/api/queue/tickets", s.url)), &body);
    let (code, ticket) = anyone(json!({"service": "A", "phone": "13812345678"}));
    assert_eq!(code, 201, "{ticket}");
    // The one-ticket rule still works on the pseudonym.
    let (again, _) = anyone(json!({"service": "A", "phone": "138 1234 5678"}));
    assert_eq!(again, 409, "the same phone cannot take a second ticket");
    let page = s.get(ticket["page"].as_str().unwrap()).1;
    assert!(!page.contains("13812345678") && !page.contains("12345678"), "{page}");
    let events = s.host.bus().since(0, 10_000).unwrap();
    assert!(events.iter().all(|e| !e.payload.contains("12345678")), "no event carries the phone");
    let dir = s.host.config.data_dir.clone();
    let mut raw = Vec::new();
    for sub in [dir.clone(), dir.join("plugins")] {
        for f in std::fs::read_dir(&sub).into_iter().flatten().flatten() {
            if f.path().is_file() {
                raw.extend(std::fs::read(f.path()).unwrap());
            }
        }
    }
    let hay = String::from_utf8_lossy(&raw);
    assert!(!hay.contains("13812345678") && !hay.contains("12345678"), "a phone number is stored in clear");
}

#[test]
fn staff_accounts_have_roles_can_be_edited_re_enabled_and_reset() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    let admin = sign_in(&s, "boss", &["admin"]);
    let (code, v) = post(&s, &admin, "/api/host/staff", json!({"username": "wang", "name": "王五", "roles": [], "password": "correct horse battery"}));
    assert_eq!((code, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (422, Some("role_required"), Some("roles")), "no account without a role");
    let (code, v) = post(&s, &admin, "/api/host/staff", json!({"username": "wang", "name": "王五", "roles": ["clerk"], "password": "correct horse battery"}));
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let whoami = |st: &Staff| -> serde_json::Value { serde_json::from_str(&get_as(&s, st, "/api/host/whoami").1).unwrap() };

    // Disable, then enable again: the account signs in again.
    let wang = fresh_session(&s, "wang");
    assert_eq!(post(&s, &admin, &format!("/api/host/staff/{id}/disable"), json!({})).0, 200);
    assert_eq!(whoami(&wang)["kind"], "anonymous", "disabling ends the sessions");
    assert_eq!(try_login(&s, "wang", "correct horse battery", None, &[]).0, 401);
    assert_eq!(post(&s, &admin, &format!("/api/host/staff/{id}/enable"), json!({})).0, 200);
    let wang = fresh_session(&s, "wang");
    assert_eq!(whoami(&wang)["roles"], json!(["clerk"]));
    // The page asks before disabling, and offers to enable a disabled account.
    let page = get_as(&s, &admin, "/admin/host/staff").1;
    assert!(page.contains("data-confirm=\"确定停用“王五”（wang）的账号吗？"), "{page}");

    // Edit the roles: they apply at the next sign-in.
    let (code, v) = post(&s, &admin, &format!("/api/host/staff/{id}/update"), json!({"name": "王小五", "roles": ["guide", "clerk"], "windows": ""}));
    assert_eq!(code, 200, "{v}");
    assert_eq!(whoami(&wang)["kind"], "anonymous");
    let wang = fresh_session(&s, "wang");
    assert_eq!(whoami(&wang)["roles"], json!(["guide", "clerk"]));
    assert_eq!(whoami(&wang)["name"], "王小五");
    let (code, v) = post(&s, &admin, &format!("/api/host/staff/{id}/update"), json!({"name": "王小五", "roles": []}));
    assert_eq!((code, v["error"]["code"].as_str()), (422, Some("role_required")));
    // An admin cannot lock themselves out by accident.
    let me = whoami(&admin)["id"].as_str().unwrap().to_owned();
    assert_eq!(post(&s, &admin, &format!("/api/host/staff/{me}/disable"), json!({})).0, 409);

    // Reset the password: the old one stops working.
    let (code, v) = post(&s, &admin, &format!("/api/host/staff/{id}/password"), json!({"password": "short"}));
    assert_eq!((code, v["error"]["field"].as_str()), (422, Some("password")));
    assert_eq!(post(&s, &admin, &format!("/api/host/staff/{id}/password"), json!({"password": "a new long password"})).0, 200);
    assert_eq!(whoami(&wang)["kind"], "anonymous");
    assert_eq!(try_login(&s, "wang", "correct horse battery", None, &[]).0, 401);
    assert_eq!(try_login(&s, "wang", "a new long password", None, &[]).0, 303);
    let (_, all) = get_as(&s, &admin, "/api/host/audit?target=staff:");
    for action in ["staff.create", "staff.disable", "staff.enable", "staff.update", "staff.password"] {
        assert!(all.contains(action), "{action} is audited: {all}");
    }
}

#[test]
fn a_clerk_signs_in_at_an_assigned_window() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    let admin = sign_in(&s, "boss", &["admin"]);
    for (user, windows) in [("one", "3"), ("two", "3, 5")] {
        let (code, v) = post(&s, &admin, "/api/host/staff", json!({"username": user, "name": "办事员", "roles": ["clerk"], "windows": windows, "password": "correct horse battery"}));
        assert_eq!(code, 201, "{v}");
    }
    let (_, list) = get_as(&s, &admin, "/api/host/staff");
    assert!(list.contains("\"windows\":[\"3\",\"5\"]"), "{list}");
    let whoami = |cookie: &str| -> serde_json::Value {
        serde_json::from_str(&http(ureq::get(&format!("{}/api/host/whoami", s.url)).set("Cookie", cookie)).1).unwrap()
    };
    let session = |cookies: &[String]| cookies.iter().find(|c| c.starts_with("linli_session=")).unwrap().split(';').next().unwrap().to_owned();
    // One window: taken without asking.
    let (code, _, loc, cookies) = try_login(&s, "one", "correct horse battery", None, &[]);
    assert_eq!((code, loc.as_str()), (303, "/queue/counter"));
    assert_eq!(whoami(&session(&cookies))["window"], "3");
    // A window not assigned is refused, naming the windows.
    let (code, body, _, _) = try_login(&s, "two", "correct horse battery", None, &[("window", "7")]);
    assert_eq!(code, 422);
    assert!(body.contains("3、5"), "{body}");
    // Two windows: the clerk chooses among them after signing in.
    let (code, _, loc, cookies) = try_login(&s, "two", "correct horse battery", None, &[]);
    assert_eq!(code, 303);
    assert!(loc.starts_with("/login/window"), "{loc}");
    let cookie = session(&cookies);
    let page = http(ureq::get(&format!("{}{loc}", s.url)).set("Cookie", &cookie)).1;
    assert!(page.contains("value=\"3\"") && page.contains("value=\"5\"") && !page.contains("inputmode"), "buttons for the windows: {page}");
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let post_window = |w: &str, csrf: &str| match agent.post(&format!("{}/login/window", s.url)).set("Cookie", &cookie).send_form(&[("window", w), ("csrf", csrf), ("next", "/queue/counter")]) {
        Ok(r) => (r.status(), r.header("location").unwrap_or("").to_owned()),
        Err(ureq::Error::Status(c, _)) => (c, String::new()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(post_window("5", "wrong").0, 403, "needs the CSRF token");
    assert_eq!(post_window("7", &csrf).0, 422);
    assert_eq!(post_window("5", &csrf), (303, "/queue/counter".to_owned()));
    assert_eq!(whoami(&cookie)["window"], "5");
    // A typed window that is assigned is taken directly.
    let (_, _, _, cookies) = try_login(&s, "two", "correct horse battery", None, &[("window", "3")]);
    assert_eq!(whoami(&session(&cookies))["window"], "3");
}

#[test]
fn a_new_device_is_listed_at_once_with_a_qr_code_and_never_connected_until_it_has() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    let admin = sign_in(&s, "boss", &["admin"]);
    let (code, v) = post(&s, &admin, "/api/host/devices", json!({"name": "1 号屏", "kind": "screen", "origin": "http://192.168.1.10:8080"}));
    assert_eq!(code, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    assert_eq!(v["pair_link"].as_str().unwrap(), format!("http://192.168.1.10:8080/device/pair?token={token}"));
    assert!(v["qr"]["size"].as_u64().unwrap() > 21 && v["qr"]["path"].as_str().unwrap().starts_with('M'), "{v}");
    assert_eq!((v["view"]["kind"].as_str(), v["view"]["seen"].as_str(), v["view"]["state"].as_str()), (Some("等候区显示屏"), Some("从未连接"), Some("使用中")));
    // A made-up origin is not put into the link.
    let (_, v) = post(&s, &admin, "/api/host/devices", json!({"name": "2 号屏", "kind": "screen", "origin": "javascript:alert(1)//"}));
    assert!(v["pair_link"].as_str().unwrap().starts_with("/device/pair?token="), "{v}");

    let page = get_as(&s, &admin, "/admin/host/devices?lang=zh-CN").1;
    let row = page.split("<tr data-device=").find(|r| r.contains("1 号屏")).unwrap().to_owned();
    assert!(row.contains("从未连接") && row.contains("等候区显示屏"), "{row}");
    assert!(row.contains("data-confirm=\"确定停用设备“1 号屏”吗？"), "revoking asks first: {row}");
    // Once the screen has used its token, the list says when.
    http(ureq::get(&format!("{}/api/host/whoami", s.url)).set("Authorization", &format!("Bearer {token}")));
    let page = get_as(&s, &admin, "/admin/host/devices?lang=zh-CN").1;
    let row = page.split("<tr data-device=").find(|r| r.contains("1 号屏")).unwrap().to_owned();
    assert!(!row.contains("从未连接"), "{row}");
    let (_, list) = get_as(&s, &admin, "/api/host/devices");
    assert!(list.contains("\"last_seen_at\":1"), "{list}");
}

#[test]
fn the_audit_log_filters_by_date_and_by_words_in_either_language() {
    // Wednesday 2026-11-25, 10:00 in Beijing.
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_795_572_000_000)));
    let s = TestServer::start_custom(&[fixtures::RECORDS], "", None, clock.clone());
    let admin = sign_in(&s, "boss", &["admin"]);
    post(&s, &admin, "/api/host/devices", json!({"name": "大厅取号机", "kind": "kiosk"}));
    clock.0.fetch_add(24 * 3600 * 1000, Ordering::SeqCst);
    let admin = fresh_session(&s, "boss");
    post(&s, &admin, "/api/host/staff", json!({"username": "wang", "name": "王五", "roles": ["clerk"], "password": "correct horse battery"}));
    let actions = |query: &str| -> Vec<String> {
        let (code, body) = get_as(&s, &admin, &format!("/api/host/audit?{query}"));
        assert_eq!(code, 200, "{query}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
    };
    // Words in Chinese or English, or the code itself.
    assert_eq!(actions("q=%E7%99%BB%E8%AE%B0%E8%AE%BE%E5%A4%87"), ["device.create"], "登记设备");
    assert_eq!(actions("q=device%20registered"), ["device.create"]);
    assert_eq!(actions("q=staff.create"), ["staff.create"]);
    assert_eq!(actions("q=%E7%8E%8B%E4%BA%94"), Vec::<String>::new(), "王五 is in no entry (the detail has the user name)");
    assert_eq!(actions("q=wang%20clerk"), ["staff.create"], "every word must match");
    // Days in the hall's time.
    assert_eq!(actions("from_date=2026-11-26"), ["staff.create"]);
    assert_eq!(actions("to_date=2026-11-25"), ["device.create"]);
    assert!(actions("from_date=2026-11-27").is_empty());
    let (code, body) = get_as(&s, &admin, "/api/host/audit?from_date=2026-02-30");
    assert_eq!(code, 422, "{body}");
    assert!(body.contains("\"field\":\"from_date\"") && body.contains("开始日期"), "{body}");
    // The page offers the same, and shows the problem with a filter.
    let page = get_as(&s, &admin, "/admin/host/audit?lang=zh-CN&q=%E7%99%BB%E8%AE%B0%E8%AE%BE%E5%A4%87").1;
    assert!(page.contains("登记设备") && !page.contains("新增工作人员"), "{page}");
    assert!(page.contains("name=\"from_date\"") && page.contains("name=\"q\""));
    let page = get_as(&s, &admin, "/admin/host/audit?lang=zh-CN&to_date=%E6%98%A8%E5%A4%A9").1;
    assert!(page.contains("结束日期应为日期"), "{page}");
    // The export carries the filter.
    let (_, csv) = get_as(&s, &admin, "/api/host/audit.csv?q=device.create");
    assert!(csv.contains("device.create") && !csv.contains("staff.create"), "{csv}");
}

/// Send the head of a request whose body would be `len` bytes and only a
/// little more of the body than the host reads (1 MiB), so the write fits
/// in the socket's buffers whatever the host does; the status and body of
/// the answer.
fn oversized(base: &str, method: &str, path: &str, ctype: &str, len: usize, staff: &linli_tests::Staff) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    write!(
        c,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
        staff.cookie, staff.csrf
    )
    .unwrap();
    let part = vec![b'x'; (1024 * 1024 + 64 * 1024).min(len)];
    let _ = c.write_all(&part);
    let mut raw = Vec::new();
    let _ = c.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let code: u16 = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    // A chunked answer: the JSON is between the chunk sizes.
    let body = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if b > a => body[a..=b].to_owned(),
        _ => body,
    };
    (code, body)
}
