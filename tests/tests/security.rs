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
fn sessions_expire_are_revoked_and_logins_lock_out() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_767_225_600_000)));
    let s = TestServer::start_custom(&[fixtures::RECORDS], "", None, clock.clone());
    let staff = sign_in(&s, "clerk", &["clerk"]);
    let whoami = |st: &Staff| -> serde_json::Value { serde_json::from_str(&get_as(&s, st, "/api/host/whoami").1).unwrap() };
    assert_eq!(whoami(&staff)["kind"], "staff");
    clock.0.fetch_add(13 * 3600 * 1000, Ordering::SeqCst);
    assert_eq!(whoami(&staff)["kind"], "anonymous", "a session ends after 12 hours");

    let staff = {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let r = agent.post(&format!("{}/login", s.url)).send_form(&[("username", "clerk"), ("password", "correct horse battery")]).unwrap();
        Staff { cookie: r.header("set-cookie").unwrap().split(';').next().unwrap().to_owned(), csrf: String::new() }
    };
    assert_eq!(whoami(&staff)["kind"], "staff");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    agent.post(&format!("{}/logout", s.url)).set("Cookie", &staff.cookie).call().unwrap();
    assert_eq!(whoami(&staff)["kind"], "anonymous", "logout revokes the session on the server");

    // Five wrong passwords lock the account, even against the right one.
    for _ in 0..5 {
        let r = ureq::post(&format!("{}/login", s.url)).send_form(&[("username", "clerk"), ("password", "wrong-password")]);
        assert!(matches!(r, Err(ureq::Error::Status(401, _))));
    }
    let r = ureq::post(&format!("{}/login", s.url)).send_form(&[("username", "clerk"), ("password", "correct horse battery")]);
    match r {
        Err(ureq::Error::Status(code, _)) => assert_eq!(code, 429, "locked out"),
        other => panic!("expected a lockout, got {:?}", other.map(|r| r.status())),
    }
    clock.0.fetch_add(16 * 60 * 1000, Ordering::SeqCst);
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{}/login", s.url)).send_form(&[("username", "clerk"), ("password", "correct horse battery")]).unwrap();
    assert_eq!(r.status(), 303, "the lock ends after 15 minutes");
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
