//! The queue with its SQL in PostgreSQL (a district's backend): the same
//! plugin, unchanged, on a real server the test starts.

use super::kit::*;
use linli_tests::{TestServer, fixtures, postgres, store_settings};

/// Many kiosks and windows at once: no ticket called twice, none lost,
/// numbers contiguous, with every statement of the queue run by
/// PostgreSQL under the plugin's own role.
#[test]
fn on_postgres_many_windows_and_kiosks_never_call_twice_or_lose_a_ticket() {
    let Some(pg) = postgres() else { return };
    super::concurrency::many_at_once(&format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "east")));
    // The tickets are in the hall's schema of the queue, not in a file.
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM h_east__queue.tickets", &[]).expect("the queue's table in its schema").get(0);
    assert!(n >= 240, "{n} tickets in PostgreSQL");
    let owner: String = c.query_one("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'h_east__queue'", &[]).unwrap().get(0);
    assert_eq!(owner, "linli_east__queue");
}

/// A ticket's life through the pages' API on PostgreSQL, read back
/// exactly as on SQLite (numbers, labels, waiting counts).
#[test]
fn on_postgres_a_ticket_is_issued_called_and_finished() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "west")));
    assert!(!s.host.config.data_dir.join("plugins").join("queue.sqlite").exists(), "no SQLite file for the queue");
    let (code, t1) = kiosk_take(&s.url, "A", "k-1").expect("take");
    assert_eq!(code, 201, "{t1}");
    let (code, t2) = kiosk_take(&s.url, "A", "k-2").expect("take");
    assert_eq!(code, 201, "{t2}");
    assert_ne!(t1["ticket"], t2["ticket"]);
    let (_, board) = s.get_json("/api/queue/services");
    let a = board["services"].as_array().unwrap().iter().find(|x| x["code"] == "A").cloned().unwrap();
    assert_eq!(a["waiting"], 2, "{board}");
    super::concurrency::staff(&s, "clerk1", &["clerk"]);
    let desk = Desk::sign_in(&s.url, "clerk1", Some("1"));
    let (code, r) = desk.post("/api/queue/counter/call-next", &serde_json::json!({})).expect("call");
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["ticket"]["ticket"], t1["ticket"], "the first taken is called first");
    let (code, f) = desk.post("/api/queue/counter/finish", &serde_json::json!({"outcome": "done"})).expect("finish");
    assert_eq!(code, 200, "{f}");
    let (_, board) = s.get_json("/api/queue/services");
    let a = board["services"].as_array().unwrap().iter().find(|x| x["code"] == "A").cloned().unwrap();
    assert_eq!(a["waiting"], 1, "{board}");
}

/// Every test of the queue that runs through the plugin harness, run again
/// with the queue's SQL in PostgreSQL (`LINLI_TEST_POSTGRES`): issuing,
/// calling, the policy, events, statistics and pages. This test runs them
/// in a child process of this test binary, against a server it starts.
/// Left out: the tests that reach into the SQLite file itself (a database
/// from the previous version, 30,000 tickets written straight into it),
/// and those that run on a real server already (browser, durability,
/// concurrency, and this module).
#[test]
fn the_queues_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["queue::", "--test-threads", "2"])
        .args(["--skip", "queue::postgres", "--skip", "queue::browser", "--skip", "queue::durability", "--skip", "queue::concurrency"])
        .args([
            "--skip",
            "queue::issuing::a_district_day_of_30000_tickets_reports_on_the_api_the_csv_and_the_page",
            "--skip",
            "queue::issuing::a_database_from_the_previous_version_keeps_numbers_and_limits",
            "--skip",
            "queue::issuing::a_range_with_too_many_tickets_is_refused_with_what_to_do",
        ])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the queue's tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(
        out.status.success(),
        "the queue's tests on PostgreSQL failed:\n{stdout}\n{}\nPostgreSQL's log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        pg.log()
    );
    assert!(passed >= 30, "only {passed} queue tests ran on PostgreSQL:\n{stdout}");
}
