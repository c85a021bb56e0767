//! Issue 15, item 1: the service guides (办事指南) plugin. Search by
//! Chinese words, pinyin and initials (低保 / dibao / db); the text in
//! force on a date (`?date=`) after an editor's change; bad input refused
//! naming the field with nothing stored; the checklist other plugins read
//! (and a real service call to it); all on SQLite and again on
//! PostgreSQL. In Chromium: the guide page, the printable one-time notice,
//! and the editors' form changing a field while the old version still
//! shows for an earlier date.

use linli_host::runtime::capabilities::ManualClock;
use linli_tests::browser::Browser;
use linli_tests::{Staff, TestServer, fixtures, http_json, postgres, sign_in, store_settings};
use serde_json::{Value, json};
use std::sync::Arc;

/// Tuesday 10 March 2026, 10:00 in the hall (UTC+8).
const TUESDAY: i64 = 1_773_108_000_000;

fn start(settings: &str, extra: &[&str]) -> TestServer {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(TUESDAY)));
    let mut plugins = vec![fixtures::PLUGIN_GUIDES];
    plugins.extend_from_slice(extra);
    TestServer::start_custom(&plugins, settings, None, clock)
}

fn get(s: &TestServer, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let mut r = ureq::get(&format!("{}{path}", s.url));
    for (k, v) in query {
        r = r.query(k, v);
    }
    let (code, body) = linli_tests::http(r);
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn post(s: &TestServer, staff: &Staff, path: &str, body: &Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), body)
}

fn search_first(s: &TestServer, q: &str) -> String {
    let (code, r) = get(s, "/api/guides/items", &[("q", q)]);
    assert_eq!(code, 200, "{r}");
    r["items"][0]["code"].as_str().unwrap_or_default().to_owned()
}

fn versions(s: &TestServer, code: &str) -> usize {
    let (c, v) = get(s, &format!("/api/guides/items/{code}/versions"), &[]);
    assert_eq!(c, 200, "{v}");
    v["versions"].as_array().map(Vec::len).unwrap_or(0)
}

/// The whole item as the editors' form sends it (the stored one, changed).
fn editable(s: &TestServer, code: &str) -> Value {
    let (c, mut v) = get(s, &format!("/api/guides/items/{code}"), &[]);
    assert_eq!(c, 200, "{v}");
    let keep = ["name", "name_en", "category", "keywords", "pinyin", "summary", "conditions", "materials", "steps", "window", "role", "time_limit_days", "fees", "legal_basis", "faqs", "source"];
    let obj = v.as_object_mut().unwrap();
    obj.retain(|k, _| keep.contains(&k.as_str()));
    v
}

fn error_field(v: &Value) -> (&str, &str) {
    (v["error"]["field"].as_str().unwrap_or_default(), v["error"]["message_zh"].as_str().unwrap_or_default())
}

/// Search, read, edit with a version, the text in force on a date, bad
/// input, the checklist: the same on either SQL backend.
fn main_flow(s: &TestServer) {
    // Seeded on first start: at least 12 items across the four groups.
    let (code, all) = get(s, "/api/guides/items", &[]);
    assert_eq!(code, 200, "{all}");
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= 12, "{} items", items.len());
    for cat in ["minzheng", "laodong", "weijian", "zhengming"] {
        assert!(items.iter().any(|i| i["category"] == cat), "an item in {cat}");
    }
    // 低保, its pinyin and its initials all find it first.
    for q in ["低保", "dibao", "db", "DiBao", "di bao"] {
        assert_eq!(search_first(s, q), "dibao", "search {q}");
    }
    assert_eq!(search_first(s, "临时救助"), "linshi-jiuzhu");
    assert_eq!(search_first(s, "sydj"), "shiye-dengji");
    assert_eq!(search_first(s, "亲属关系"), "qinshu-zhengming");
    let (code, r) = get(s, "/api/guides/items", &[("q", &"低".repeat(51))]);
    assert_eq!((code, error_field(&r).0), (400, "q"), "{r}");
    let (_, none) = get(s, "/api/guides/items", &[("q", "火星移民")]);
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0), "{none}");

    // The guide: 20 working days, falling (from Tuesday 10 March, across
    // the Qingming holiday of 4–6 April) on Wednesday 8 April.
    let (code, item) = get(s, "/api/guides/items/dibao", &[]);
    assert_eq!(code, 200, "{item}");
    assert_eq!(item["time_limit_days"], 20);
    assert_eq!(item["time_limit_text"], "20 个工作日");
    assert_eq!(item["due_if_accepted_today"], "2026-04-08", "{item}");
    assert_eq!(item["version"], 1);
    assert!(item["materials"].as_array().unwrap().len() >= 4);
    assert!(!item["source"].as_str().unwrap().is_empty());
    let old_window = item["window"].as_str().unwrap().to_owned();

    // An editor changes the window: version 2, from today.
    let editor = sign_in(s, "editor1", &["editor"]);
    let mut doc = editable(s, "dibao");
    doc["window"] = json!("5号窗口（社会救助）");
    let (code, r) = post(s, &editor, "/api/guides/items/dibao", &json!({"item": doc, "note": "窗口调整"}));
    assert_eq!(code, 200, "{r}");
    assert_eq!((r["version"].as_i64(), r["effective"].as_str()), (Some(2), Some("2026-03-10")), "{r}");
    let (_, now) = get(s, "/api/guides/items/dibao", &[]);
    assert_eq!((now["window"].as_str(), now["version"].as_i64()), (Some("5号窗口（社会救助）"), Some(2)));
    let (_, then) = get(s, "/api/guides/items/dibao", &[("date", "2026-03-01")]);
    assert_eq!((then["window"].as_str(), then["version"].as_i64()), (Some(old_window.as_str()), Some(1)), "{then}");
    // Exactly the version a case followed.
    let (_, v1) = get(s, "/api/guides/items/dibao", &[("version", "1")]);
    assert_eq!((v1["window"].as_str(), v1["version"].as_i64()), (Some(old_window.as_str()), Some(1)), "{v1}");
    assert_eq!(get(s, "/api/guides/items/dibao", &[("version", "9")]).0, 404);
    let (code, r) = get(s, "/api/guides/items/dibao", &[("version", "x")]);
    assert_eq!((code, error_field(&r).0), (400, "version"), "{r}");
    let (_, page) = s.get("/guides/item/dibao?date=2026-03-01");
    assert!(page.contains(&old_window) && page.contains("2026-03-01 施行的文本"), "the page shows the old text for the earlier date");
    // Saving the same text again stores nothing.
    let (code, r) = post(s, &editor, "/api/guides/items/dibao", &json!({"item": doc}));
    assert_eq!((code, r["unchanged"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(versions(s, "dibao"), 2);
    // Residents see when and why the text changed, not which staff member
    // changed it; the editors see who.
    let (_, public) = get(s, "/api/guides/items/dibao/versions", &[]);
    assert_eq!(public["versions"][0]["note"], "窗口调整", "{public}");
    assert!(!public.to_string().contains("测试员") && public["versions"][0].get("editor").is_none(), "no editor's name in public: {public}");
    let (_, staff_view) = linli_tests::http(ureq::get(&format!("{}/api/guides/items/dibao/versions", s.url)).set("Cookie", &editor.cookie));
    let staff_view: Value = serde_json::from_str(&staff_view).unwrap_or(Value::Null);
    assert_eq!(staff_view["versions"][0]["editor"], "测试员", "{staff_view}");

    // Bad input: each a 4xx naming the field; nothing stored.
    let bad = |change: &dyn Fn(&mut Value), extra: Value| {
        let mut d = doc.clone();
        change(&mut d);
        let mut body = json!({"item": d});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(s, &editor, "/api/guides/items/dibao", &body)
    };
    let (code, r) = bad(&|d| d["name"] = json!("低保\u{0}申请"), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "name"), "{r}");
    assert!(error_field(&r).1.contains("事项名称") && error_field(&r).1.contains("控制字符"), "{r}");
    let (code, r) = bad(&|d| d["legal_basis"] = json!("法".repeat(100_000)), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "legal_basis"), "{r}");
    assert!(r["error"]["message_en"].as_str().unwrap().contains("at most 2000"), "{r}");
    let (code, r) = bad(&|d| d["name"] = json!("   "), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "name"), "{r}");
    assert!(error_field(&r).1.contains("不能为空"), "{r}");
    let (code, r) = bad(&|d| d["materials"][1]["name"] = json!(""), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "materials[1].name"), "{r}");
    let (code, r) = bad(&|d| d["materials"][0]["sample"] = json!("//evil.example/x.png"), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "materials[0].sample"), "a sample picture from another site: {r}");
    let (code, r) = bad(&|d| d["time_limit_days"] = json!(-3), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "time_limit_days"), "{r}");
    let (code, r) = bad(&|d| d["materials"][2]["copies"] = json!("两份"), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "materials[2].copies"), "{r}");
    let (code, r) = bad(&|d| d["colour"] = json!("red"), json!({}));
    assert_eq!((code, error_field(&r).0), (422, "colour"), "an unknown field is named: {r}");
    let (code, r) = bad(&|_| {}, json!({"effective": "2026-02-01"}));
    assert_eq!((code, error_field(&r).0), (422, "effective"), "a version in force is never rewritten: {r}");
    let (code, r) = post(s, &editor, "/api/guides/items", &json!({"item": {"code": "x", "name": "新事项", "category": "qita"}}));
    assert_eq!((code, error_field(&r).0), (422, "code"), "{r}");
    let (code, r) = post(s, &editor, "/api/guides/items", &json!({"item": {"code": "dibao", "name": "重复", "category": "qita"}}));
    assert_eq!((code, error_field(&r).0), (409, "code"), "{r}");
    assert_eq!(versions(s, "dibao"), 2, "nothing stored");
    let (_, still) = get(s, "/api/guides/items/dibao", &[]);
    assert_eq!(still["name"], item["name"]);
    let (code, r) = get(s, "/api/guides/items/dibao", &[("date", "2026-02-30")]);
    assert_eq!((code, error_field(&r).0), (400, "date"), "{r}");
    // Only editors change guides.
    let clerk = sign_in(s, "clerk1", &["clerk"]);
    let (code, _) = post(s, &clerk, "/api/guides/items/dibao", &json!({"item": doc}));
    assert_eq!(code, 403);

    // A new item, searchable by the editor's pinyin at once.
    let (code, r) = post(s, &editor, "/api/guides/items", &json!({"item": {"code": "zz-test", "name": "犇羴鱻证明", "category": "zhengming", "pinyin": "benshanxian bsx"}}));
    assert_eq!(code, 201, "{r}");
    assert_eq!(search_first(s, "bsx"), "zz-test");

    // The checklist another plugin reads: what this resident must bring.
    let (code, c) = get(s, "/api/guides/items/dibao/checklist", &[("on_file", "m2")]);
    assert_eq!(code, 200, "{c}");
    let bring: Vec<(&str, bool)> = c["materials"].as_array().unwrap().iter().map(|m| (m["id"].as_str().unwrap(), m["bring"].as_bool().unwrap())).collect();
    assert_eq!(&bring[..3], &[("m1", true), ("m2", false), ("m3", false)], "m2 said on file, m3 on file for everyone: {c}");
    let (code, r) = get(s, "/api/guides/items/dibao/checklist", &[("on_file", "m99")]);
    assert_eq!((code, error_field(&r).0), (422, "on_file"), "{r}");
}

#[test]
fn guides_search_versions_and_bad_input_on_sqlite() {
    let s = start("", &[fixtures::SVC_A]);
    main_flow(&s);
    // Another plugin reads an item through `services` (the route is callable).
    let admin = sign_in(&s, "admin", &["admin"]);
    let (code, r) = post(&s, &admin, "/api/host/plugins/svc-a/calls", &json!({"callees": ["guides"]}));
    assert_eq!(code, 200, "{r}");
    let step = json!({"note": "read", "call": {"plugin": "guides", "method": "GET", "path": "/api/guides/items/dibao"}});
    let (code, r) = post(&s, &admin, "/api/svc-a/run", &step);
    assert_eq!(code, 200, "{r}");
    assert_eq!((r["call"]["status"].as_u64(), r["call"]["body"]["code"].as_str()), (Some(200), Some("dibao")), "{r}");
}

#[test]
fn guides_search_versions_and_bad_input_on_postgres() {
    let Some(pg) = postgres() else { return };
    let s = start(&store_settings(&pg, "guides"), &[]);
    assert!(!s.host.config.data_dir.join("plugins").join("guides.sqlite").exists(), "no SQLite file for the guides");
    main_flow(&s);
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM h_guides__guides.guide_versions WHERE code = 'dibao'", &[]).expect("the versions in the hall's schema").get(0);
    assert_eq!(n, 2);
    let (_, before) = get(&s, "/api/guides/items", &[]);
    drop(s);
    // Another host of the same hall (its own data folder, so it seeds
    // again): the seed is idempotent, the editor's version stays.
    let s = start(&store_settings(&pg, "guides"), &[]);
    let (_, after) = get(&s, "/api/guides/items", &[]);
    assert_eq!(after["items"].as_array().map(Vec::len), before["items"].as_array().map(Vec::len), "nothing seeded twice");
    assert_eq!(versions(&s, "dibao"), 2);
    let (_, now) = get(&s, "/api/guides/items/dibao", &[]);
    assert_eq!(now["window"], "5号窗口（社会救助）", "the edit is kept");
}

const PASSWORD: &str = "correct horse battery";

#[test]
fn guide_page_printable_notice_and_editor_form_in_chromium() {
    let s = start("", &[]);
    linli_host::auth::sessions::create_staff(&s.host.db, "editor2", "编辑", PASSWORD, &["editor".to_owned()], s.host.now_ms()).expect("editor");
    let Some(b) = Browser::start(&[]) else { return };
    // Search by initials, open the guide.
    b.open(&format!("{}/guides?lang=zh-CN", s.url));
    b.js("var f = document.getElementById('g-search'); f.q.value = 'db'; f.submit(); return 1;");
    let first = b.until("the results", "document.querySelector('#g-results li') && document.querySelector('#g-results li').dataset.code");
    assert_eq!(first, json!("dibao"));
    b.click("#g-results li a");
    b.until("the guide", "document.getElementById('g-item')");
    let text = b.js("return document.getElementById('g-item').innerText;");
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("最低生活保障申请") && text.contains("申请材料") && text.contains("办理流程") && text.contains("常见问题"), "{text}");
    assert!(b.js("return document.getElementById('g-limit').innerText;").as_str().unwrap().contains("20 个工作日（今天受理的，2026-04-08 前办结）"));
    assert!(text.contains("大厅已存档，无需携带"), "the on-file flag shows");
    // The one-time notice: printable, with a box per material.
    b.click("#g-print");
    b.until("the notice", "document.getElementById('g-notice')");
    let notice = b.js("return document.getElementById('g-notice').innerText;");
    assert!(notice.as_str().unwrap().contains("一次性告知书") && notice.as_str().unwrap().contains("需要携带的材料"), "{notice}");
    assert!(b.js("return document.querySelectorAll('#n-materials td.box').length;").as_u64().unwrap() >= 4);
    let print_rule = b.js(
        "return Array.from(document.styleSheets).some(function (s) { return Array.from(s.cssRules).some(function (r) { \
         return r.media && r.media.mediaText === 'print' && r.cssText.indexOf('.noprint') >= 0; }); });",
    );
    assert_eq!(print_rule, json!(true), "print CSS hides the button bar");
    b.js("window.__printed = 0; window.print = function () { window.__printed++; }; return 1;");
    b.click("#g-print-now");
    assert_eq!(b.until("printed", "window.__printed"), json!(1));
    let pdf = b.call("POST", "/print", Some(json!({"background": true})));
    assert!(pdf["value"].as_str().map_or(0, str::len) > 1000, "Chromium prints the notice to PDF: {}", pdf.to_string().chars().take(200).collect::<String>());

    // The editor changes the window in the form.
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js(&format!(
        "var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'editor2'; f.password.value = {PASSWORD:?}; f.next.value = '/guides/admin'; f.submit(); return 1;"
    ));
    b.until("signed in", "document.querySelector('.topbar .who')");
    b.open(&format!("{}/guides/admin/item/dibao?lang=zh-CN", s.url));
    b.until("the form", "document.getElementById('g-form')");
    let helps = b.js("return Array.from(document.querySelectorAll('.g-field')).filter(function (f) { return f.querySelector('small') && f.querySelector('small').innerText.length > 3; }).length;");
    assert!(helps.as_u64().unwrap() >= 18, "every field has its one-line explanation: {helps}");
    assert_eq!(b.js("return document.querySelectorAll('textarea').length > 0 && !document.body.innerText.includes('{\"');"), json!(true), "no raw JSON");
    // An empty name is refused naming the field, and marks it.
    b.js("document.getElementById('f-name').value = ''; return 1;");
    b.click("#g-save");
    let msg = b.until("the refusal", "document.getElementById('g-status').innerText.includes('不能为空') && document.getElementById('g-status').innerText");
    assert!(msg.as_str().unwrap().contains("事项名称"), "{msg}");
    assert_eq!(b.js("return document.querySelector('[data-field=\"name\"]').classList.contains('g-bad');"), json!(true));
    // Then the real change.
    b.js("document.getElementById('f-name').value = '最低生活保障申请'; document.getElementById('f-window').value = '6号窗口（低保专窗）'; document.getElementById('f-note').value = '设立低保专窗'; return 1;");
    b.click("#g-save");
    b.until("saved", "document.getElementById('g-status').innerText.includes('已保存为第 2 版')");
    b.open(&format!("{}/guides/item/dibao", s.url));
    assert_eq!(b.until("the new window", "document.getElementById('g-window').innerText"), json!("6号窗口（低保专窗）"));
    b.open(&format!("{}/guides/item/dibao?date=2026-03-01", s.url));
    let old = b.until("the old window", "document.getElementById('g-window').innerText");
    assert_eq!(old, json!("2号窗口（民政综合）"), "the earlier date shows the old version");
    assert!(b.js("return document.getElementById('g-asof').innerText;").as_str().unwrap().contains("第 1 版"));
    // English through the host's language switch.
    b.open(&format!("{}/guides/item/dibao?lang=en", s.url));
    let en = b.until("English", "document.getElementById('g-item').innerText");
    assert!(en.as_str().unwrap().contains("Promised time limit") && en.as_str().unwrap().contains("20 working days"), "{en}");
}
