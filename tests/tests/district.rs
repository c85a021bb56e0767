//! A district on PostgreSQL (issue 14): each plugin's SQL in a schema of
//! its own under a login role of its own, on a real PostgreSQL server the
//! test starts (Debian's `postgresql`). The plugin SQL dialect runs there
//! unchanged; a plugin can reach neither another plugin's tables nor the
//! host's; the sandbox's limits (the call's time, the storage quota) hold
//! for the work PostgreSQL does for the plugin.

use linli_tests::{TestServer, fixtures, postgres, store_settings};
use serde_json::Value;

fn err_of(v: &Value) -> String {
    v["sql"]["err"].as_str().unwrap_or_else(|| panic!("expected a refusal, got {v}")).to_owned()
}

fn sql(s: &TestServer, statement: &str) -> Value {
    let q: String = url_escape(statement);
    let (code, body) = s.get_json(&format!("/greedy/sql?q={q}"));
    assert_eq!(code, 200, "{body}");
    body
}

fn exec(s: &TestServer, statement: &str) -> Value {
    let (code, body) = s.get_json(&format!("/greedy/sql?exec=1&q={}", url_escape(statement)));
    assert_eq!(code, 200, "{body}");
    body
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_plugins_sql_runs_on_postgres_in_a_schema_of_its_own() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::GREEDY], &store_settings(&pg, "north"));
    // The dialect: SQLite's type names and row ids, ?N placeholders.
    let made = exec(&s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER, r REAL, b BLOB)");
    assert!(made["sql"].get("ok").is_some(), "{made}");
    for (name, n) in [("甲", 5), ("乙", 8)] {
        let r = exec(&s, &format!("INSERT INTO t (name, n, r) VALUES ('{name}', {n}, 1.5)"));
        assert_eq!(r["sql"]["ok"], 1, "{r}");
    }
    // A unique key taken: that statement fails alone, with the database's reason.
    let dup = exec(&s, "INSERT INTO t (name, n) VALUES ('甲', 1)");
    assert!(err_of(&dup).contains("duplicate key"), "{dup}");
    let rows = sql(&s, "SELECT id, name, n, r, n IS NULL FROM t ORDER BY id");
    assert_eq!(rows["sql"]["ok"], serde_json::json!([[1, "甲", 5, 1.5, 0], [2, "乙", 8, 1.5, 0]]), "ids from 1, integers, reals, booleans as 0/1");
    let agg = sql(&s, "SELECT SUM(n), AVG(n), COUNT(*), MAX(name) FROM t");
    let a = &agg["sql"]["ok"][0];
    assert_eq!(a[0], 13, "SUM of integers is an integer: {agg}");
    assert_eq!(a[1].as_f64(), Some(6.5), "AVG is a real: {agg}");
    assert_eq!(a[2], 2);
    // The table is in the hall's schema of the plugin, owned by its role;
    // there is no SQLite file for it.
    let mut c = pg.client().expect("client");
    let owner: String = c.query_one("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'h_north__greedy' AND tablename = 't'", &[]).expect("table in its schema").get(0);
    assert_eq!(owner, "linli_north__greedy");
    assert!(!s.host.config.data_dir.join("plugins").join("greedy.sqlite").exists());
}

#[test]
fn a_plugin_cannot_reach_another_plugins_tables_or_the_hosts() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE, fixtures::GREEDY], &store_settings(&pg, "north"));
    // The queue makes its tables on its first call.
    let (code, body) = s.get("/api/queue/services");
    assert_eq!(code, 200, "{body}");
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'h_north__queue'", &[]).unwrap().get(0);
    assert!(n >= 3, "the queue's tables exist: {n}");
    for (what, statement, is_exec) in [
        ("another plugin's table", "SELECT count(*) FROM h_north__queue.tickets", false),
        ("the host's table of roles", "SELECT password FROM linli.plugin_roles", false),
        ("becoming the host's role", "SET ROLE linli", true),
        ("becoming it through set_config", "SELECT set_config('role', 'linli', false)", false),
        ("a temporary table outside its quota", "CREATE TEMP TABLE x (a INTEGER)", true),
        ("a table in the public schema", "CREATE TABLE public.x (a INTEGER)", true),
        // Without a table of anyone's: another plugin's lane lock held for
        // the session, code the host never sees, a large object outside
        // the quota, a message on the server's notification channels.
        ("another plugin's lane lock", "SELECT pg_advisory_lock(1)", false),
        ("a session-long sleep", "SELECT pg_catalog.pg_sleep(1)", false),
        ("code the host never sees", "DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$", true),
        ("a function of its own", "CREATE FUNCTION f() RETURNS BIGINT LANGUAGE sql AS 'SELECT 1'", true),
        ("a large object", "SELECT lo_create(0)", false),
        ("a notification", "NOTIFY linli", true),
    ] {
        let r = if is_exec { exec(&s, statement) } else { sql(&s, statement) };
        let e = err_of(&r);
        assert!(e.contains("greedy") && (e.contains("not allowed") || e.contains("permission denied")), "{what}: {e}");
    }
    // Both plugins go on working.
    assert_eq!(s.get("/api/queue/services").0, 200);
    let r = exec(&s, "CREATE TABLE IF NOT EXISTS mine (a INTEGER)");
    assert!(r["sql"].get("ok").is_some(), "{r}");
}

#[test]
fn the_calls_time_and_the_storage_quota_hold_on_postgres() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::GREEDY], &format!("[plugins.greedy.limits]\ntime_ms = 800\nstorage_mib = 1\n{}", store_settings(&pg, "south")));
    // A query that never ends is stopped at the call's deadline.
    let (code, body) = s.get_json("/greedy/endless");
    let text = body.to_string();
    assert_eq!(code, 504, "{text}");
    assert!(text.contains("time limit") && text.contains("greedy"), "{text}");
    // The quota: 3 MB in one call into a 1 MiB database is undone whole.
    assert!(exec(&s, "CREATE TABLE big (n INTEGER, t TEXT)")["sql"].get("ok").is_some());
    let filler = "x".repeat(1000);
    let (code, body) = s.get_json(&format!(
        "/greedy/sql?exec=1&q={}",
        url_escape(&format!("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) INSERT INTO big SELECT x, '{filler}' || x FROM c"))
    ));
    let text = body.to_string();
    assert!(code >= 400 && text.contains("storage_mib") && text.contains("greedy"), "{code} {text}");
    assert_eq!(sql(&s, "SELECT COUNT(*) FROM big")["sql"]["ok"], serde_json::json!([[0]]), "nothing of it stayed");
    // Small writes go on.
    assert_eq!(exec(&s, "INSERT INTO big VALUES (1, 'small')")["sql"]["ok"], 1);
    assert_eq!(sql(&s, "SELECT COUNT(*) FROM big")["sql"]["ok"], serde_json::json!([[1]]));
}

/// Waits up to `secs` for `ok`, polling.
fn within(secs: u64, mut ok: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < until {
        if ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    ok()
}

/// Issue 14, item 3: a plugin installed on one host of a hall is loaded by
/// every host of that hall (and by none of another hall); removed on one,
/// it goes from all; a host that starts later gets it too; a host that was
/// away while the hall removed a plugin deletes its copy instead of
/// installing it again.
#[test]
fn a_plugin_installed_on_one_host_is_loaded_by_every_host_of_the_hall() {
    let Some(pg) = postgres() else { return };
    let a = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let b = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    let south = TestServer::start_with_settings(&[], &store_settings(&pg, "south"));
    assert_eq!(b.get("/notices").0, 404, "nothing installed yet");
    // An admin installs the notices plugin on host A (a copy, then a rename, as installers do).
    let a_plugins = a.dir.path().join("plugins");
    std::fs::copy(fixtures::PLUGIN_NOTICES, a_plugins.join("notices.part")).unwrap();
    std::fs::rename(a_plugins.join("notices.part"), a_plugins.join("notices.wasm")).unwrap();
    assert!(within(30, || a.get("/notices").0 == 200), "host A loads it");
    assert!(within(30, || b.get("/notices").0 == 200), "host B of the same hall loads it too");
    let b_copy = b.dir.path().join("plugins/notices.wasm");
    assert_eq!(std::fs::read(&b_copy).unwrap(), std::fs::read(fixtures::PLUGIN_NOTICES).unwrap(), "B's folder holds the same file");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(south.get("/notices").0, 404, "another hall does not get it");
    assert!(!south.dir.path().join("plugins/notices.wasm").exists());
    // A host of the hall that starts later gets it at start.
    let c = TestServer::start_with_settings(&[], &store_settings(&pg, "north"));
    assert!(within(30, || c.get("/notices").0 == 200), "a host started later loads it");
    // A host that goes away with its copy (its folder kept).
    let away = tempfile::tempdir().unwrap();
    let c_dir = away.path().to_owned();
    std::fs::copy(c.dir.path().join("plugins/notices.wasm"), c_dir.join("notices.wasm")).unwrap();
    drop(c);
    // Removed on B: gone from A.
    std::fs::remove_file(&b_copy).unwrap();
    assert!(within(30, || a.get("/notices").0 == 404), "removed on B, unloaded on A");
    assert!(!a_plugins.join("notices.wasm").exists(), "and deleted from A's folder");
    // Host C was away: its old copy is deleted when it starts again, not installed again.
    assert!(c_dir.join("notices.wasm").exists(), "C's folder still has its copy");
    // (Away a while: its copy is older than the hall's removal.)
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let sync = linli_host::district::start(Some(&c_dir), &linli_host::storage::postgres::PgTarget { url: pg.url(), hall: "north".into() }).expect("start");
    assert!(!c_dir.join("notices.wasm").exists(), "a copy of a plugin the hall removed is deleted at start");
    drop(sync);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(a.get("/notices").0, 404, "and not installed again on the others");
    assert!(!a_plugins.join("notices.wasm").exists());

    // Files written in place (no rename): installed again on A, then a
    // newer build copied over B's file. The newer one wins everywhere; the
    // hall's older copy never overwrites it.
    let notices = std::fs::read(fixtures::PLUGIN_NOTICES).unwrap();
    let newer = std::fs::read(fixtures::PLUGIN_GUIDES).unwrap();
    std::fs::write(a_plugins.join("notices.wasm"), &notices).unwrap();
    assert!(within(30, || std::fs::read(&b_copy).ok().as_deref() == Some(&notices[..])), "B gets A's in-place copy");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    std::fs::write(&b_copy, &newer).unwrap();
    assert!(within(30, || std::fs::read(a_plugins.join("notices.wasm")).ok().as_deref() == Some(&newer[..])), "A gets B's newer build");
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert_eq!(std::fs::read(&b_copy).unwrap(), newer, "B's newer build was not put back to the hall's older one");
    assert_eq!(std::fs::read(a_plugins.join("notices.wasm")).unwrap(), newer);
}

/// The hall's event log on PostgreSQL is pruned by the same retention rules
/// as on SQLite (the typed cutoffs: every prune failed on PostgreSQL before,
/// `bigint < text`), and only the hall's own events.
#[test]
fn events_past_their_retention_are_pruned_on_postgres_in_the_hall_only() {
    let Some(pg) = postgres() else { return };
    let now = 1_795_917_600_000i64;
    let day = 86_400_000;
    let clock = |t: i64| std::sync::Arc::new(linli_host::runtime::capabilities::ManualClock(std::sync::atomic::AtomicI64::new(t)));
    let s = TestServer::start_custom(&[], &store_settings(&pg, "north"), None, clock(now));
    // The other hall keeps queue events 90 days: only a prune that
    // crossed halls would take its day-old one.
    let other = TestServer::start_custom(&[], &format!("{}[events]\nretention_by_topic = {{}}\n", store_settings(&pg, "south")), None, clock(now));
    other.host.bus().publish("queue.called", "{}", "queue", now - day).unwrap();
    let bus = s.host.bus();
    bus.publish("queue.called", "{}", "queue", now - day).unwrap(); // the queue keeps a day: gone
    bus.publish("queue.called", "{}", "queue", now - 60_000).unwrap(); // kept
    bus.publish("notices.created", "{}", "notices", now - 30 * day).unwrap(); // kept 90 days
    bus.publish("notices.created", "{}", "notices", now - 91 * day).unwrap(); // gone
    s.host.prune_events();
    let left: Vec<(String, i64)> = bus.since(0, 1000).unwrap().into_iter().filter(|e| !e.topic.starts_with("host.")).map(|e| (e.topic, now - e.time)).collect();
    assert_eq!(left, [("queue.called".to_owned(), 60_000), ("notices.created".to_owned(), 30 * day)]);
    let south: Vec<String> = other.host.bus().since(0, 1000).unwrap().into_iter().map(|e| e.topic).filter(|t| !t.starts_with("host.")).collect();
    assert_eq!(south, ["queue.called"], "another hall's log is its own");
}

const QUEUE_OPEN: &str = r#"
[http]
rate_per_minute = 0

[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
services = [
  { code = "A", name_zh = "民政事务", name_en = "Civil affairs" },
  { code = "B", name_zh = "劳动保障", name_en = "Labour and social security" },
  { code = "C", name_zh = "卫生健康", name_en = "Health" },
  { code = "D", name_zh = "综合/证明开具", name_en = "General / certificates" },
]
"#;

/// Sign in through the real form (with a window for a clerk); the cookie
/// and the page's CSRF token.
fn desk(base: &str, username: &str, window: Option<&str>) -> (String, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut form = vec![("username", username), ("password", "correct horse battery"), ("next", "/")];
    if let Some(w) = window {
        form.push(("window", w));
    }
    let r = agent.post(&format!("{base}/login")).send_form(&form).expect("login answers");
    assert_eq!(r.status(), 303, "{username} signs in");
    let cookie = r.header("set-cookie").expect("session cookie").split(';').next().unwrap_or("").to_owned();
    let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    (cookie, csrf)
}

fn get_as(base: &str, path: &str, cookie: &str) -> (u16, String) {
    linli_tests::http(ureq::get(&format!("{base}{path}")).set("Cookie", cookie))
}

/// Issue 14, item 1: halls are first-class. A district supervisor (街道主管)
/// sees every hall of the district, with its hosts and its queue figures of
/// the day; a hall's admin does not, cannot give the district role, and a
/// session of one hall is nothing in another.
#[test]
fn a_district_supervisor_sees_every_hall_and_a_halls_staff_only_their_own() {
    let Some(pg) = postgres() else { return };
    let north_settings = format!("{QUEUE_OPEN}{}", store_settings(&pg, "north"));
    let a = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &north_settings);
    let b = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &north_settings);
    let south = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &format!("{QUEUE_OPEN}{}", store_settings(&pg, "south")));
    let take = |s: &TestServer, key: &str| {
        let (code, body) = linli_tests::http_json(ureq::post(&format!("{}/api/queue/tickets", s.url)), &serde_json::json!({"service": "A", "idem_key": key}));
        assert_eq!(code, 201, "{body}");
    };
    // Three tickets in the north hall through its two hosts, one in the south.
    take(&a, "n1");
    take(&b, "n2");
    take(&a, "n3");
    take(&south, "s1");
    let now = a.host.now_ms();
    let mk = |s: &TestServer, user: &str, roles: &[&str]| {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        linli_host::auth::sessions::create_staff(&s.host.db, user, "测试员", "correct horse battery", &roles, now).expect("staff");
    };
    mk(&a, "clerk1", &["clerk"]);
    mk(&a, "jiedao", &["district"]);
    mk(&a, "north-admin", &["admin"]);
    mk(&south, "south-admin", &["admin"]);
    // A north clerk calls the first ticket.
    let (clerk, clerk_csrf) = desk(&a.url, "clerk1", Some("1"));
    let (code, called) = linli_tests::http_json(ureq::post(&format!("{}/api/queue/counter/call-next", a.url)).set("Cookie", &clerk).set("X-CSRF-Token", &clerk_csrf), &serde_json::json!({}));
    assert_eq!(code, 200, "{called}");

    // The district supervisor, signed in at a north host, sees both halls.
    let (jiedao, _) = desk(&b.url, "jiedao", None);
    let (code, text) = get_as(&b.url, "/api/district/overview", &jiedao);
    assert_eq!(code, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let hall = |id: &str| v["halls"].as_array().unwrap().iter().find(|h| h["hall"] == id).cloned().unwrap_or_else(|| panic!("hall {id} missing: {v}"));
    let (north, south_fig) = (hall("north"), hall("south"));
    assert_eq!((north["issued"].as_i64(), north["called"].as_i64(), north["hosts_online"].as_i64()), (Some(3), Some(1), Some(2)), "{north}");
    assert_eq!((south_fig["issued"].as_i64(), south_fig["called"].as_i64(), south_fig["hosts_online"].as_i64()), (Some(1), Some(0), Some(1)), "{south_fig}");
    assert!(north["avg_wait_min"].as_f64().is_some_and(|m| m >= 0.0), "the wait of the called ticket: {north}");
    assert!(!text.contains("n1") && !text.contains("A001"), "figures only, no tickets: {text}");
    let (code, page) = get_as(&b.url, "/admin/district", &jiedao);
    assert_eq!(code, 200);
    assert!(page.contains("街道总览") && page.contains("data-hall=\"south\"") && page.contains("data-hall=\"north\""), "{page}");
    assert!(!page.contains("Hosts online") && !page.contains("District overview"), "no English on the Chinese page");

    // A hall's admin is refused the district page, and cannot give the role.
    let (admin, admin_csrf) = desk(&a.url, "north-admin", None);
    assert_eq!(get_as(&a.url, "/api/district/overview", &admin).0, 403);
    assert_eq!(get_as(&a.url, "/admin/district", &admin).0, 403);
    let (code, refused) = linli_tests::http_json(
        ureq::post(&format!("{}/api/host/staff", a.url)).set("Cookie", &admin).set("X-CSRF-Token", &admin_csrf),
        &serde_json::json!({"username": "sneaky", "name": "某人", "roles": ["district"], "password": "correct horse battery", "windows": ""}),
    );
    assert_eq!((code, refused["error"]["code"].as_str(), refused["error"]["field"].as_str()), (403, Some("district_role"), Some("roles")), "{refused}");
    let (_, staff_page) = get_as(&a.url, "/admin/host/staff", &admin);
    assert!(!staff_page.contains("value=\"district\""), "the hall admin's form offers no district role");
    // A session of the north hall is nothing in the south hall, and the
    // south admin's is nothing in the north.
    let (south_admin, _) = desk(&south.url, "south-admin", None);
    assert_eq!(get_as(&south.url, "/api/host/staff", &admin).0, 401, "a north session at a south host");
    assert_eq!(get_as(&a.url, "/api/host/staff", &south_admin).0, 401, "a south session at a north host");
    assert_eq!(get_as(&south.url, "/api/host/staff", &south_admin).0, 200);
    // Every look at the district page is audited in the supervisor's hall.
    let filter = linli_host::audit::Filter { action: Some("district.view".into()), ..Default::default() };
    let entries = linli_host::audit::query(&a.host.db, &filter).expect("audit");
    assert!(entries.iter().any(|e| e.action == "district.view"), "district views are audited");
}

/// A hall on its own (SQLite) has no district page: the supervisor is told why.
#[test]
fn a_single_hall_on_sqlite_has_no_district_page() {
    let s = TestServer::start(&[]);
    linli_host::auth::sessions::create_staff(&s.host.db, "jiedao", "测试员", "correct horse battery", &["district".to_string()], s.host.now_ms()).unwrap();
    let (cookie, _) = desk(&s.url, "jiedao", None);
    let (code, text) = get_as(&s.url, "/api/district/overview", &cookie);
    assert_eq!(code, 404, "{text}");
    assert!(text.contains("not_a_district") && text.contains("SQLite"), "{text}");
}
