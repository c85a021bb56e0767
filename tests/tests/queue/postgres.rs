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
        // One at a time: a plugin call has 1 s, and each of its statements
        // is a round trip to the server on the same two busy cores.
        .args(["queue::", "--test-threads", "1"])
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

/// Follow `/api/events` of a host in a thread; sends each event's JSON.
fn follow(url: String) -> std::sync::mpsc::Receiver<serde_json::Value> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(resp) = ureq::get(&url).call() else { return };
        for line in std::io::BufReader::new(resp.into_reader()).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data:")
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim())
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Two hosts of one hall, both on PostgreSQL: kiosks and windows spread
/// over both, at once. No ticket issued or called twice, none lost,
/// numbers contiguous (the queue's calls never interleave on its data,
/// whichever host runs them: its lane's lock is in the database), and a
/// screen following one host sees, in order and once each, the tickets
/// issued through the other.
#[test]
fn two_hosts_of_one_hall_never_issue_or_call_twice_and_share_their_events() {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};
    let Some(pg) = postgres() else { return };
    let settings = format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "twin"));
    let hosts = [TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &settings), TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &settings)];
    // A screen on host B, from the log's present on.
    let start = hosts[1].host.bus().last_id().unwrap();
    let screen = follow(format!("{}/api/events?topics=queue.&after={start}", hosts[1].url));
    let issued = Arc::new(Mutex::new(Vec::<String>::new()));
    let kiosks: Vec<_> = (0..6)
        .map(|k| {
            let (base, issued) = (hosts[k % 2].url.clone(), issued.clone());
            std::thread::spawn(move || {
                for i in 0..15 {
                    let service = ["A", "B"][(k + i) % 2];
                    let (code, t) = kiosk_take(&base, service, &format!("twin-{k}-{i}")).expect("kiosk");
                    assert_eq!(code, 201, "{t}");
                    issued.lock().unwrap().push(t["ticket"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    for k in kiosks {
        k.join().expect("kiosk thread");
    }
    let issued = issued.lock().unwrap().clone();
    assert_eq!(issued.len(), 90);
    assert_contiguous(&issued);
    // Host B's screen saw every ticket issued, through either host, once.
    let mut seen = Vec::new();
    while seen.len() < 90 {
        let ev = screen.recv_timeout(std::time::Duration::from_secs(10)).unwrap_or_else(|_| panic!("host B's screen saw {} of 90 tickets", seen.len()));
        if ev["topic"] == "queue.issued" {
            seen.push(ev["payload"]["ticket"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(seen.iter().collect::<BTreeSet<_>>(), issued.iter().collect::<BTreeSet<_>>(), "each issued ticket once on the screen");
    // Windows on both hosts call them all: none twice.
    let called = Arc::new(Mutex::new(Vec::<String>::new()));
    let windows: Vec<_> = ["1", "2", "3", "4"]
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let s = &hosts[i % 2];
            super::concurrency::staff(s, &format!("clerk{w}"), &["clerk"]);
            let desk = Desk::sign_in(&s.url, &format!("clerk{w}"), Some(w));
            let called = called.clone();
            std::thread::spawn(move || {
                loop {
                    let (code, r) = desk.post("/api/queue/counter/call-next", &serde_json::json!({})).expect("call next");
                    assert_eq!(code, 200, "{r}");
                    let Some(label) = r["ticket"]["ticket"].as_str() else { return };
                    called.lock().unwrap().push(label.to_owned());
                    let (code, f) = desk.post("/api/queue/counter/finish", &serde_json::json!({"outcome": "done"})).expect("finish");
                    assert_eq!(code, 200, "{f}");
                }
            })
        })
        .collect();
    for w in windows {
        w.join().expect("window thread");
    }
    let called = called.lock().unwrap().clone();
    let unique: BTreeSet<_> = called.iter().collect();
    assert_eq!(unique.len(), called.len(), "a ticket was called twice");
    assert_eq!(unique, issued.iter().collect::<BTreeSet<_>>(), "every ticket called, nothing else");
}
