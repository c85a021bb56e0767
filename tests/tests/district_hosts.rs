//! Several hosts of one hall on PostgreSQL (issue 14, items 2 and 3): the
//! host's own tables (staff, sessions, devices, grants, the audit log) are
//! the hall's, shared by its hosts in a schema of the hall's own
//! (`hh_<hall>`): staff made on one host sign in on another, a session
//! opened or ended on one is opened or ended on all, a device revoked on
//! one is refused by all at once, and the audit log written by two hosts
//! at once is one valid chain that refuses changes. Another hall on the
//! same server sees none of it.

use linli_host::auth::{Caller, CallerKind};
use linli_host::host::{Host, HostConfig};
use linli_host::storage::sqlite::Durability;
use linli_tests::{Staff, TestServer, fixtures, http, http_json, postgres, sign_in, store_settings, wait_for};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn whoami(s: &TestServer, header: (&str, &str)) -> (u16, Value) {
    let (code, body) = http(ureq::get(&format!("{}/api/host/whoami", s.url)).set(header.0, header.1));
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn post(s: &TestServer, staff: &Staff, path: &str, body: Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
}

/// Sign in through `s`'s login form; the session cookie, or None when refused.
fn log_in(s: &TestServer, username: &str, password: &str) -> Option<String> {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let resp = match agent.post(&format!("{}/login", s.url)).send_form(&[("username", username), ("password", password), ("next", "/")]) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("login: {e}"),
    };
    (resp.status() == 303).then(|| resp.header("set-cookie").expect("session cookie").split(';').next().expect("cookie").to_owned())
}

#[test]
fn staff_and_sessions_are_the_halls_on_every_host() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let admin = sign_in(&a, "boss", &["admin"]);
    // An account an admin adds on A signs in on B.
    let (code, made) = post(&a, &admin, "/api/host/staff", json!({"username": "clerk1", "name": "王窗口", "password": "correct horse battery", "roles": ["clerk"]}));
    assert!(code == 200 || code == 201, "{made}");
    let on_b = log_in(&b, "clerk1", "correct horse battery").expect("staff made on host A signs in on host B");
    let (_, me) = whoami(&a, ("Cookie", &on_b));
    assert_eq!((me["kind"].as_str(), me["name"].as_str()), (Some("staff"), Some("王窗口")), "and the session from B works on A: {me}");
    // The admin's session from A works on B…
    let (_, me) = whoami(&b, ("Cookie", &admin.cookie));
    assert_eq!(me["kind"], "staff", "{me}");
    assert_eq!(me["roles"], json!(["admin"]), "{me}");
    // …and signing out on A ends it on B at once.
    let (code, _) = http(ureq::post(&format!("{}/logout", a.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf));
    assert!(code == 303 || code == 200, "logout: {code}");
    let (_, me) = whoami(&b, ("Cookie", &admin.cookie));
    assert_eq!(me["kind"], "anonymous", "signed out on A, refused on B: {me}");
    // Disabling an account on B ends its sessions on A.
    let admin2 = sign_in(&b, "boss2", &["admin"]);
    let id = made["id"].as_i64().or_else(|| made["staff"]["id"].as_i64()).expect("the new account's id");
    let (code, v) = post(&b, &admin2, &format!("/api/host/staff/{id}/disable"), json!({}));
    assert_eq!(code, 200, "{v}");
    let (_, me) = whoami(&a, ("Cookie", &on_b));
    assert_eq!(me["kind"], "anonymous", "disabled on B, its session ends on A: {me}");
    assert!(log_in(&a, "clerk1", "correct horse battery").is_none(), "and it cannot sign in on A");
    // The tables are in the hall's schema, not in either host's file.
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM hh_north.staff", &[]).expect("hh_north.staff").get(0);
    assert_eq!(n, 3);
    let n: i64 = a.host.db.with_reader(|c| c.query_row("SELECT count(*) FROM staff", [], |r| r.get(0))).expect("the SQLite file");
    assert_eq!(n, 0, "nothing in host A's SQLite file");
}

#[test]
fn a_device_revoked_on_one_host_is_refused_by_the_others_at_once() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let admin = sign_in(&a, "boss", &["admin"]);
    let (code, body) = post(&a, &admin, "/api/host/devices", json!({"name": "大厅取号机", "kind": "kiosk"}));
    assert_eq!(code, 201, "{body}");
    let (token, id) = (body["token"].as_str().expect("token").to_owned(), body["device"]["id"].as_i64().expect("id"));
    let bearer = format!("Bearer {token}");
    let (code, me) = whoami(&b, ("Authorization", &bearer));
    assert_eq!((code, me["kind"].as_str()), (200, Some("device")), "paired on A, known on B: {me}");
    assert_eq!(post(&a, &admin, &format!("/api/host/devices/{id}/revoke"), json!({})).0, 200);
    let (code, v) = whoami(&b, ("Authorization", &bearer));
    assert_eq!((code, v["error"]["code"].as_str()), (401, Some("device_revoked")), "revoked on A, refused on B: {v}");
    // B's device list shows it revoked.
    let admin_b = sign_in(&b, "boss2", &["admin"]);
    let (code, list) = http(ureq::get(&format!("{}/api/host/devices", b.url)).set("Cookie", &admin_b.cookie));
    assert_eq!(code, 200, "{list}");
    let list: Value = serde_json::from_str(&list).expect("json");
    let devices = list.as_array().or_else(|| list["devices"].as_array()).expect("a list");
    assert!(devices.iter().any(|d| d["id"] == id && !d["revoked_at"].is_null()), "{list}");
}

/// A host with no HTTP, on hall `hall`, with the key file `key` (the hosts
/// of a hall share the resident-data key, which also keys the audit chain).
fn bare_host(dir: &std::path::Path, settings: &str, key: &std::path::Path) -> Arc<Host> {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("data");
    std::fs::write(data.join("linli.toml"), settings).expect("settings");
    let config = HostConfig {
        data_dir: data,
        plugins_dir: dir.join("plugins"),
        content_dir: None,
        durability: Durability::Normal,
        utc_offset_minutes: 480,
        compile_cache: false,
        key_file: Some(key.to_owned()),
    };
    Host::new(config).expect("host starts")
}

#[test]
fn the_audit_log_of_two_hosts_is_one_chain_that_refuses_changes() {
    let Some(pg) = postgres() else { return };
    let (da, db) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let key_a = da.path().join("residents.key");
    let a = bare_host(da.path(), &store_settings(&pg, "north"), &key_a);
    // Host B gets a copy of the hall's key (its own head file beside it).
    let key_b = db.path().join("residents.key");
    std::fs::copy(&key_a, &key_b).expect("copy the key");
    let b = bare_host(db.path(), &store_settings(&pg, "north"), &key_b);
    const EACH: usize = 40;
    std::thread::scope(|s| {
        for (name, host) in [("a", &a), ("b", &b)] {
            for t in 0..2 {
                s.spawn(move || {
                    let actor = Caller { kind: CallerKind::Anonymous, id: Some(format!("{name}{t}")), name: Some(format!("主机{name}")), roles: vec![], window: None, lang: "zh".into() };
                    for i in 0..EACH / 2 {
                        linli_host::audit::record(&host.db, host.services.vault.audit_chain(), &actor, host.now_ms(), "test.append", Some(&format!("{name}{t}:{i}")), None).expect("append");
                    }
                });
            }
        }
    });
    let entries = linli_host::audit::query(&a.db, &linli_host::audit::Filter { action: Some("test.append".into()), ..Default::default() }).expect("query");
    assert_eq!(entries.len(), 2 * EACH, "every entry of both hosts is there");
    assert_eq!(linli_host::audit::verify_chain(&a.db, a.services.vault.audit_chain()).expect("verify"), None, "one unbroken chain, as host A checks it");
    assert_eq!(linli_host::audit::verify_chain(&b.db, b.services.vault.audit_chain()).expect("verify"), None, "and as host B checks it");
    // The table refuses changes, even from the host's own role.
    let pg_side = a.db.postgres().expect("the host tables are in PostgreSQL");
    for statement in ["UPDATE audit SET action = 'nothing'", "DELETE FROM audit", "TRUNCATE audit"] {
        let err = pg_side.batch(statement).expect_err(statement).to_string();
        assert!(err.contains("append-only"), "{statement}: {err}");
    }
    // A change made behind the triggers' back shows in the chain.
    pg_side
        .batch("ALTER TABLE audit DISABLE TRIGGER audit_no_update; UPDATE audit SET detail = 'changed' WHERE id = 7; ALTER TABLE audit ENABLE TRIGGER audit_no_update;")
        .expect("tamper");
    assert_eq!(linli_host::audit::verify_chain(&b.db, b.services.vault.audit_chain()).expect("verify"), Some(7));
}

#[test]
fn another_hall_on_the_same_server_sees_nothing_of_the_first() {
    let Some(pg) = postgres() else { return };
    let north = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let south = TestServer::start_with_settings(&[], &store_settings(&pg, "south"));
    let admin = sign_in(&north, "boss", &["admin"]);
    let (_, me) = whoami(&south, ("Cookie", &admin.cookie));
    assert_eq!(me["kind"], "anonymous", "a session of hall north is nothing in hall south: {me}");
    assert!(log_in(&south, "boss", "correct horse battery").is_none(), "nor is its account");
    assert_eq!(linli_host::auth::sessions::staff_count(&south.host.db).expect("count"), 0);
    assert!(linli_host::auth::sessions::list_staff(&north.host.db).expect("list").iter().any(|s| s.username == "boss"));
    // South's own admin of the same name is another account.
    let south_admin = sign_in(&south, "boss", &["supervisor"]);
    let (_, me) = whoami(&north, ("Cookie", &south_admin.cookie));
    assert_eq!(me["kind"], "anonymous", "{me}");
    let mut c = pg.client().expect("client");
    let schemas: Vec<String> = c.query("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'hh\\_%' ORDER BY 1", &[]).expect("schemas").iter().map(|r| r.get(0)).collect();
    assert_eq!(schemas, ["hh_north", "hh_south"]);
}

#[test]
fn a_plugins_switch_grants_and_service_links_changed_on_one_host_hold_on_the_others() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[fixtures::PLUGIN_NOTICES], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[fixtures::PLUGIN_NOTICES], &store_settings(&pg, "north"));
    let admin = sign_in(&a, "boss", &["admin"]);
    assert_eq!(b.get("/api/notices").0, 200);
    // Disabled on A: B's routes of it answer 404 too, and it comes back on both.
    assert_eq!(post(&a, &admin, "/api/host/plugins/notices/disable", json!({})).0, 200);
    assert!(wait_for(Duration::from_secs(5), || (b.get("/api/notices").0 == 404).then_some(())).is_some(), "disabled on A, still served by B");
    assert_eq!(post(&a, &admin, "/api/host/plugins/notices/enable", json!({})).0, 200);
    assert!(wait_for(Duration::from_secs(5), || (b.get("/api/notices").0 == 200).then_some(())).is_some(), "enabled on A, still off on B");
    // Grants set on A apply on B (B loads the plugin again with them).
    let granted = |s: &TestServer| -> Vec<String> { s.host.registry.snapshot().plugins.get("notices").map(|p| p.grants.iter().cloned().collect()).unwrap_or_default() };
    assert!(granted(&b).iter().any(|g| g == "kv"), "{:?}", granted(&b));
    let (code, v) = post(&a, &admin, "/api/host/plugins/notices/grants", json!({"capabilities": ["events"]}));
    assert_eq!(code, 200, "{v}");
    assert!(wait_for(Duration::from_secs(5), || (!granted(&b).iter().any(|g| g == "kv")).then_some(())).is_some(), "kv withdrawn on A, still granted on B: {:?}", granted(&b));
    assert_eq!(granted(&a), granted(&b));
    // A service link allowed on A holds on B at once, and its withdrawal too.
    let now = a.host.now_ms();
    a.host.services.calls.set_link("notices", "queue", true, "admin", now).expect("link");
    assert!(b.host.services.calls.linked("notices", "queue"), "allowed on A, refused on B");
    assert!(b.host.services.calls.links().contains(&("notices".to_string(), "queue".to_string())));
    a.host.services.calls.set_link("notices", "queue", false, "admin", now).expect("unlink");
    assert!(!b.host.services.calls.linked("notices", "queue"), "withdrawn on A, still allowed on B");
}

#[test]
fn a_message_in_the_halls_outbox_is_sent_once_whichever_host_delivers() {
    let Some(pg) = postgres() else { return };
    let (da, db) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let key_a = da.path().join("residents.key");
    let a = bare_host(da.path(), &store_settings(&pg, "north"), &key_a);
    let key_b = db.path().join("residents.key");
    std::fs::copy(&key_a, &key_b).expect("copy the key");
    let b = bare_host(db.path(), &store_settings(&pg, "north"), &key_b);
    const N: usize = 60;
    let now = a.now_ms();
    let messages: Vec<linli_host::notify::NewMessage> = (0..N)
        .map(|i| linli_host::notify::NewMessage {
            plugin: "appointments".into(),
            recipient_kind: "phone".into(),
            recipient: format!("+861380000{i:04}"),
            channel: "log".into(),
            template: "reminder".into(),
            text_zh: format!("提醒 {i}"),
            text_en: format!("reminder {i}"),
            params: vec![],
            time: now,
        })
        .collect();
    a.services.outbox.write(messages);
    // Written through A, B sees them (the phone sealed with the hall's key).
    let on_b = b.services.outbox.list(1000);
    assert_eq!(on_b.len(), N, "the outbox is the hall's");
    assert!(on_b.iter().any(|r| r.message.recipient == "+8613800000007"), "B opens what A sealed");
    // Both hosts deliver at once: every message is tried once, by one of them.
    let (ta, tb) = std::thread::scope(|s| {
        let ja = s.spawn(|| (0..5).map(|_| a.services.outbox.deliver_due(now)).sum::<usize>());
        let jb = s.spawn(|| (0..5).map(|_| b.services.outbox.deliver_due(now)).sum::<usize>());
        (ja.join().expect("a"), jb.join().expect("b"))
    });
    assert_eq!(ta + tb, N, "each message sent once (A {ta}, B {tb})");
    let rows = a.services.outbox.list(1000);
    assert!(rows.iter().all(|r| r.status == "sent" && r.attempts == 1), "{:?}", rows.iter().map(|r| (r.id, r.status.clone(), r.attempts)).collect::<Vec<_>>());
}

#[test]
fn a_screen_heard_by_one_host_is_on_every_hosts_fleet_page_and_gets_their_commands() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let admin = sign_in(&a, "boss", &["admin", "maintainer"]);
    let (code, body) = post(&a, &admin, "/api/host/devices", json!({"name": "等候区大屏", "kind": "screen"}));
    assert_eq!(code, 201, "{body}");
    let (token, id) = (body["token"].as_str().expect("token").to_owned(), body["device"]["id"].as_i64().expect("id"));
    let beat = |s: &TestServer| http_json(ureq::post(&format!("{}/api/host/fleet/heartbeat", s.url)).set("Authorization", &format!("Bearer {token}")), &json!({"screen": "lobby", "last_event_id": 0}));
    let (code, v) = beat(&b);
    assert_eq!(code, 200, "{v}");
    // A's page shows what B heard.
    let fleet = |s: &TestServer| -> Value {
        let (code, body) = http(ureq::get(&format!("{}/api/host/fleet", s.url)).set("Cookie", &admin.cookie));
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).expect("json")
    };
    let list = fleet(&a);
    let screen = list["screens"].as_array().and_then(|l| l.iter().find(|x| x["id"] == id).cloned()).expect("the screen on A's list");
    assert_eq!(screen["state"], "online", "heard by B, online on A: {list}");
    // A command a maintainer gives through A is handed out by B, once.
    let (code, cmd) = post(&a, &admin, &format!("/api/host/fleet/{id}/command"), json!({"kind": "reload"}));
    assert_eq!(code, 201, "{cmd}");
    let (_, v) = beat(&b);
    assert_eq!(v["commands"][0]["kind"], "reload", "{v}");
    let (_, v) = beat(&a);
    assert_eq!(v["commands"], json!([]), "not handed out twice: {v}");
}

#[test]
fn a_resident_saved_through_one_host_is_found_through_another_of_the_hall_only() {
    let Some(pg) = postgres() else { return };
    let (da, db, dc) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let key_a = da.path().join("residents.key");
    let a = bare_host(da.path(), &store_settings(&pg, "north"), &key_a);
    let key_b = db.path().join("residents.key");
    std::fs::copy(&key_a, &key_b).expect("copy the key");
    let b = bare_host(db.path(), &store_settings(&pg, "north"), &key_b);
    let key_c = dc.path().join("residents.key");
    std::fs::copy(&key_a, &key_c).expect("copy the key");
    let south = bare_host(dc.path(), &store_settings(&pg, "south"), &key_c);
    let r = linli_host::residents::Resident { id: 0, name: "张三明".into(), id_number: Some("11010519491231002X".into()), phone: Some("13812341234".into()), address: None, tags: vec![] };
    let id = linli_host::residents::save(&a.db, &a.services.vault, &r, a.now_ms()).expect("saved through A");
    let found = linli_host::residents::find(&b.db, &b.services.vault, None, Some("138 1234 1234")).expect("find through B");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].id, found[0].id_number.as_deref()), (id, Some("11010519491231002X")), "B opens what A sealed");
    // Saved again through B with the same ID card number: the same record.
    let again = linli_host::residents::save(&b.db, &b.services.vault, &linli_host::residents::Resident { address: Some("幸福路 1 号".into()), ..r.clone() }, b.now_ms()).expect("saved through B");
    assert_eq!(again, id);
    assert!(linli_host::residents::find(&south.db, &south.services.vault, None, Some("13812341234")).expect("find in south").is_empty(), "another hall has no such resident");
}

#[test]
fn with_the_database_out_of_reach_a_signed_in_request_is_refused_not_served_as_anonymous() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let admin = sign_in(&a, "boss", &["admin", "maintainer"]);
    let (_, body) = post(&a, &admin, "/api/host/devices", json!({"name": "大厅取号机", "kind": "kiosk"}));
    let bearer = format!("Bearer {}", body["token"].as_str().expect("token"));
    // PostgreSQL restarted while the host was quiet: its pooled connections
    // are dead, and the first request after is served all the same.
    assert_eq!(whoami(&a, ("Cookie", &admin.cookie)).1["kind"], "staff");
    pg.restart(Duration::from_millis(300)).expect("restart PostgreSQL");
    std::thread::sleep(Duration::from_millis(600));
    let (code, me) = whoami(&a, ("Cookie", &admin.cookie));
    assert_eq!((code, me["kind"].as_str()), (200, Some("staff")), "the first request after a restart: {me}");
    pg.stop().expect("stop PostgreSQL");
    for (what, header) in [("a staff session", ("Cookie", admin.cookie.as_str())), ("a device token", ("Authorization", bearer.as_str()))] {
        let (code, v) = whoami(&a, header);
        assert_eq!((code, v["error"]["code"].as_str()), (503, Some("store_unavailable")), "{what}: {v}");
    }
    // Nothing to check for a stranger: served as before.
    assert_eq!(http(ureq::get(&format!("{}/api/host/whoami", a.url))).0, 200);
    pg.start_server().expect("start PostgreSQL again");
    let me = wait_for(Duration::from_secs(20), || {
        let (code, v) = whoami(&a, ("Cookie", &admin.cookie));
        (code == 200).then_some(v)
    })
    .expect("the session works again once the database is back");
    assert_eq!(me["kind"], "staff", "{me}");
}

#[test]
fn a_plugin_cannot_reach_the_halls_host_tables_and_its_key_value_use_is_the_halls() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::GREEDY], &format!("[plugins.greedy.limits]\nkv_mib = 1\n{}", store_settings(&pg, "north")));
    let admin = sign_in(&s, "boss", &["admin", "maintainer"]);
    // The host's tables are in hh_north; a plugin's role has no way in.
    let q: String = "SELECT password_hash FROM hh_north.staff".bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let (code, v) = s.get_json(&format!("/greedy/sql?q={q}"));
    assert_eq!(code, 200, "{v}");
    let err = v["sql"]["err"].as_str().unwrap_or_else(|| panic!("read the host's staff table: {v}"));
    assert!(err.contains("permission denied"), "{err}");
    // The plugins page counts the plugin's key-value data where it is: the
    // hall's rows in PostgreSQL (not this host's empty file).
    let (code, v) = s.get_json("/greedy/kv-fill");
    assert_eq!(code, 200, "{v}");
    assert!(v["written"].as_u64().unwrap_or(0) >= 3, "{v}");
    let (code, body) = http(ureq::get(&format!("{}/api/host/plugins", s.url)).set("Cookie", &admin.cookie));
    assert_eq!(code, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    let plugins = list.as_array().or_else(|| list["plugins"].as_array()).expect("a list");
    let greedy = plugins.iter().find(|p| p["id"] == "greedy").expect("greedy listed");
    assert!(greedy["storage"]["kv_bytes"].as_u64().unwrap_or(0) >= 256 * 1024, "{greedy}");
}

#[test]
fn host_tables_a_newer_linli_migrated_are_refused_naming_its_version() {
    let Some(pg) = postgres() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("residents.key");
    drop(bare_host(dir.path(), &store_settings(&pg, "north"), &key));
    let mut c = pg.client().expect("client");
    c.batch_execute("INSERT INTO hh_north.schema_migrations (name, applied_at, version) VALUES ('9999_future', 0, '9.9.9')").expect("a newer migration");
    let other = tempfile::tempdir().expect("dir");
    let data = other.path().join("data");
    std::fs::create_dir_all(&data).expect("data");
    std::fs::write(data.join("linli.toml"), store_settings(&pg, "north")).expect("settings");
    let config = HostConfig { data_dir: data, plugins_dir: other.path().join("plugins"), content_dir: None, durability: Durability::Normal, utc_offset_minutes: 480, compile_cache: false, key_file: Some(key) };
    let err = match Host::new(config) {
        Ok(_) => panic!("a host started on tables a newer linli migrated"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("hh_north") && err.contains("linli 9.9.9") && err.contains("9999_future") && err.contains("更新版本"), "{err}");
}

/// The status of one sign-in attempt through `s`'s form.
fn attempt(s: &TestServer, username: &str, password: &str) -> u16 {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    match agent.post(&format!("{}/login", s.url)).send_form(&[("username", username), ("password", password), ("next", "/")]) {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("login: {e}"),
    }
}

#[test]
fn guesses_spread_over_the_halls_hosts_are_counted_together() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    linli_host::auth::sessions::create_staff(&a.host.db, "clerk1", "王窗口", "correct horse battery", &["clerk".to_string()], a.host.now_ms()).expect("staff");
    // Five wrong passwords from one client, taking turns between the hosts:
    // each host saw fewer than five, the hall saw five.
    for (i, s) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        assert_eq!(attempt(s, "clerk1", "wrong password!"), 401, "guess {i}");
    }
    for (name, s) in [("A", &a), ("B", &b)] {
        assert_eq!(attempt(s, "clerk1", "correct horse battery"), 429, "host {name}: locked for that client after the hall's fifth failure");
    }
}

/// Issue 14: an uploaded file is the hall's. A personal (sealed) file
/// uploaded through host A is listed and read, byte for byte, through host
/// B, which had no copy of it (the hosts share the hall's key folder); B
/// then keeps one in its data folder; discarded through A, it is gone from
/// both and from the hall's database. Another hall does not see it.
#[test]
fn a_file_uploaded_through_one_host_is_read_through_another() {
    let Some(pg) = postgres() else { return };
    let (da, db, dc) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let key_a = da.path().join("residents.key");
    let a = bare_host(da.path(), &store_settings(&pg, "north"), &key_a);
    for key in ["residents.key", "files.key"] {
        std::fs::copy(da.path().join(key), db.path().join(key)).expect("copy the hall's keys");
    }
    let b = bare_host(db.path(), &store_settings(&pg, "north"), &db.path().join("residents.key"));
    let south = bare_host(dc.path(), &store_settings(&pg, "south"), &dc.path().join("residents.key"));
    let content: Vec<u8> = [&b"%PDF-1.7\n"[..], &"申请表 ".repeat(40_000).into_bytes()].concat();
    let rule = linli_host::files::UploadRule::parse("POST", "/apply/up", &["pdf".to_string()], 4 << 20, true).expect("rule");
    let mut up = a.services.files.begin("applications", &rule, (10, 1 << 30), None).expect("upload begins");
    for piece in content.chunks(64 * 1024) {
        up.write(piece).expect("upload");
    }
    let m = up.finish("申请表.pdf", a.now_ms()).expect("stored");
    assert!(!db.path().join("data/files").join("applications").exists(), "host B had no copy");
    let on_b = b.services.files.get("applications", &m.id).expect("read").expect("host B knows the file");
    assert_eq!((on_b.size, on_b.name.as_str(), on_b.personal), (content.len() as u64, "申请表.pdf", true));
    assert_eq!(b.services.files.read_range(&on_b, 0, 4 << 20).expect("host B reads it"), content, "byte for byte");
    assert!(db.path().join("data/files").join("applications").exists(), "host B keeps a copy now");
    assert_eq!(south.services.files.get("applications", &m.id).expect("read"), None, "another hall has no such file");
    let mut c = pg.client().expect("client");
    let stored: i64 = c.query_one("SELECT count(*) FROM linli.file_blobs WHERE hall = 'north'", &[]).unwrap().get(0);
    assert_eq!(stored, 1, "the hall's copy");
    assert!(a.services.files.discard("applications", &m.id).expect("discard"), "a file nobody kept goes");
    assert_eq!(b.services.files.get("applications", &m.id).expect("read"), None, "gone through host B too");
    let stored: i64 = c.query_one("SELECT count(*) FROM linli.file_blobs WHERE hall = 'north'", &[]).unwrap().get(0);
    assert_eq!(stored, 0, "and from the hall's database");
}
