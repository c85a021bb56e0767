//! The audit log's tamper evidence, end to end: entries changed in the
//! database file behind the API's back show on the audit page and in the
//! API, both when the chain is left broken and when it is rehashed.

use linli_tests::{Staff, TestServer, fixtures, http, http_json, sign_in};
use serde_json::{Value, json};

fn get_as(s: &TestServer, staff: &Staff, path: &str) -> (u16, String) {
    http(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie))
}

/// What the API says: (intact, broken_at).
fn verdict(s: &TestServer, staff: &Staff) -> (bool, Value) {
    let (code, body) = get_as(s, staff, "/api/host/audit");
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    (v["intact"].as_bool().expect("intact is a boolean"), v["broken_at"].clone())
}

/// Zh and en pages both carry the warning, or both the all-clear.
fn page_says(s: &TestServer, staff: &Staff) -> (bool, bool) {
    let (code, zh) = get_as(s, staff, "/admin/host/audit");
    assert_eq!(code, 200);
    let (_, en) = get_as(s, staff, "/admin/host/audit?lang=en");
    let warned = zh.contains("警告：日志校验失败") && zh.contains(r#"class="alert""#);
    let clear = zh.contains("日志完整，未发现篡改。");
    assert_eq!(warned, !clear, "the page says one or the other: {zh}");
    let en_warned = en.contains("hash chain is broken") || en.contains("警告：日志校验失败");
    assert_eq!(en_warned, warned, "both languages say the same");
    (warned, clear)
}

/// What someone with write access to the database file does: drop the
/// triggers that refuse changes, change the rows, put the triggers back.
fn tamper(s: &TestServer, sql: &str) {
    s.host
        .db
        .with_writer(|c| {
            c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")?;
            c.execute_batch(sql)?;
            c.execute_batch(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                 CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
            )
        })
        .expect("tampered");
}

fn audited_server() -> (TestServer, Staff) {
    let s = TestServer::start(&[fixtures::RECORDS]);
    let admin = sign_in(&s, "admin", &["admin"]);
    for caps in [json!(["residents"]), json!([]), json!(["residents"])] {
        let (code, body) = http_json(
            ureq::post(&format!("{}/api/host/plugins/records/grants", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
            &json!({"capabilities": caps}),
        );
        assert_eq!(code, 200, "grants saved: {body}");
    }
    (s, admin)
}

#[test]
fn a_changed_entry_shows_on_the_audit_page_and_in_the_api() {
    let (s, admin) = audited_server();
    assert_eq!(verdict(&s, &admin), (true, Value::Null), "an untouched log is intact");
    assert_eq!(page_says(&s, &admin), (false, true));

    // Who changed the grants, rewritten to someone else.
    tamper(&s, "UPDATE audit SET actor_name = '别人' WHERE action = 'plugin.grants' AND id = (SELECT MIN(id) FROM audit WHERE action = 'plugin.grants')");
    let (intact, at) = verdict(&s, &admin);
    assert!(!intact, "the API reports the change");
    assert!(at.as_i64().is_some(), "and names the first entry that does not match: {at}");
    assert_eq!(page_says(&s, &admin), (true, false), "the page warns");
}

#[test]
fn a_cut_log_shows_on_the_audit_page_and_in_the_api() {
    let (s, admin) = audited_server();
    assert!(verdict(&s, &admin).0);
    // The newest entry removed: every remaining link still matches; only
    // the head file beside the key tells.
    tamper(&s, "DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)");
    assert!(!verdict(&s, &admin).0, "the API reports the cut");
    assert_eq!(page_says(&s, &admin), (true, false), "the page warns");
}

/// What staff change through a plugin is in the audit log with who did it
/// (a notice published by an editor, shown in Chinese on the page).
#[test]
fn changes_made_through_plugins_are_audited() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let editor = sign_in(&s, "editor1", &["editor"]);
    let (code, body) = http_json(
        ureq::post(&format!("{}/api/notices", s.url)).set("Cookie", &editor.cookie).set("X-CSRF-Token", &editor.csrf),
        &json!({"title": "停水通知", "body": "周三停水"}),
    );
    assert_eq!(code, 201, "{body}");
    let supervisor = sign_in(&s, "super1", &["supervisor"]);
    let (_, log) = get_as(&s, &supervisor, "/api/host/audit");
    let log: Value = serde_json::from_str(&log).unwrap();
    let entries = log["entries"].as_array().expect("entries");
    let change = entries.iter().find(|e| e["action"] == "plugin.change").unwrap_or_else(|| panic!("no plugin.change in {log}"));
    assert_eq!(change["target"], "notices: POST /api/notices", "{change}");
    assert_eq!(change["actor_kind"], "staff", "{change}");
    assert!(change["actor_id"].is_string(), "who did it: {change}");
    let (_, page) = get_as(&s, &supervisor, "/admin/host/audit");
    assert!(page.contains("在服务中修改数据"), "the action in Chinese on the page");
}

/// The plugin entries (capability `audit`) in the log, oldest first.
fn plugin_entries(s: &TestServer, staff: &Staff) -> (Vec<Value>, bool) {
    let (code, body) = get_as(s, staff, "/api/host/audit");
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    let mut list: Vec<Value> = v["entries"].as_array().expect("entries").iter().filter(|e| e["action"].as_str().unwrap_or("").starts_with("records: ")).cloned().collect();
    list.reverse();
    (list, v["intact"] == json!(true))
}

/// A plugin's own reads of personal data (capability `audit`) go into the
/// host's chain in the caller's name, marked with the plugin; a call that
/// traps leaves none; anonymous callers, bad fields, too many entries and
/// a plugin without the grant are refused, naming the plugin.
#[test]
fn plugins_record_their_reads_in_the_host_audit_log() {
    let s = TestServer::start(&[fixtures::RECORDS]);
    let clerk = sign_in(&s, "clerk-audit", &["clerk"]);
    let supervisor = sign_in(&s, "super-audit", &["supervisor"]);
    let (code, body) = get_as(&s, &clerk, "/records/audited?action=card.read");
    assert_eq!(code, 200, "{body}");
    let (list, intact) = plugin_entries(&s, &supervisor);
    assert!(intact, "the chain still verifies");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["action"], "records: card.read");
    assert_eq!((&list[0]["actor_kind"], &list[0]["target"], &list[0]["detail"]), (&json!("staff"), &json!("resident:0"), &json!("测试")));
    let (_, page) = get_as(&s, &supervisor, "/admin/host/audit");
    assert!(page.contains("插件记录：records: card.read"), "the page marks it as a plugin's entry in Chinese");
    let (_, page) = get_as(&s, &supervisor, "/admin/host/audit?lang=en");
    assert!(page.contains("plugin record: records: card.read"));

    // Recorded, then trapped: the call's entries go with it.
    let (code, _) = get_as(&s, &clerk, "/records/audited?n=3&trap=1");
    assert_eq!(code, 500);
    assert_eq!(plugin_entries(&s, &supervisor).0.len(), 1, "a trapped call leaves no entry");

    // At most 20 entries in one call; the 21st is refused naming the plugin.
    let (code, body) = get_as(&s, &clerk, "/records/audited?n=21");
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("plugin `records`") && body.contains("more than 20 audit entries"), "{body}");
    assert_eq!(plugin_entries(&s, &supervisor).0.len(), 21, "the 20 before the limit are kept with the call");

    // A bad action is refused, naming the plugin and the field.
    let (code, body) = get_as(&s, &clerk, "/records/audited?action=Card%20Read");
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("plugin `records`") && body.contains("audit action"), "{body}");

    // Anonymous callers have nobody to name: refused, nothing written.
    let (code, body) = http(ureq::get(&format!("{}/records/public-audited", s.url)));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("anonymous") && body.contains("plugin `records`"), "{body}");

    // Without the grant: denied.
    let admin = sign_in(&s, "admin-audit", &["admin"]);
    let (code, body) = http_json(
        ureq::post(&format!("{}/api/host/plugins/records/grants", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
        &json!({"capabilities": ["sql"]}),
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = get_as(&s, &clerk, "/records/audited");
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("capability `audit` was not granted to plugin `records`"), "{body}");
    let (list, intact) = plugin_entries(&s, &supervisor);
    assert_eq!(list.len(), 21, "no entry from the refused calls");
    assert!(intact);
}
