//! Running a district (issue 14, item 6): a backup made with `pg_dump` and
//! restored into a new PostgreSQL server carries on where it stopped; Debian's
//! HAProxy with `deploy/haproxy.cfg` as shipped (only addresses, ports and
//! the certificate replaced) in front of two real `linli serve` processes of
//! one hall keeps answering when one is killed; `linli migrate`.
//!
//! Needs Debian's `postgresql` (server and client programs) and `haproxy`.
//! Under `CI=true` a missing one fails the test; elsewhere the test prints a
//! SKIP line naming the package.

use linli_tests::{TestServer, fixtures, free_port, http, http_json, linli_binary, postgres, sign_in, store_settings, wait_for};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The hall open around the clock, with two services (as the queue's tests).
const OPEN_ALL_DAY: &str = r#"
[http]
rate_per_minute = 0
metrics_token = "test-metrics-token-abcdefghijk"

[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
services = [
  { code = "A", name_zh = "民政事务", name_en = "Civil affairs" },
  { code = "B", name_zh = "劳动保障", name_en = "Labour and social security" },
  { code = "C", name_zh = "卫生健康", name_en = "Health" },
  { code = "D", name_zh = "综合/证明开具", name_en = "General / certificates" },
]
"#;

// ---- tools of the Debian packages ----

/// The folder of PostgreSQL's client programs (`pg_dump`, `pg_restore`,
/// `psql`): `LINLI_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
fn pg_bin() -> Option<PathBuf> {
    if let Ok(b) = std::env::var("LINLI_PG_BIN") {
        return Some(PathBuf::from(b));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_string_lossy().parse().ok()?, e.path().join("bin"))))
        .filter(|(_, b): &(u32, PathBuf)| b.join("pg_dump").exists() && b.join("pg_restore").exists() && b.join("psql").exists())
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

/// Debian's `haproxy` (`/usr/sbin` is not on every user's PATH).
fn haproxy_bin() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")]).map(|d| d.join("haproxy")).find(|p| p.exists())
}

/// The value of `key` in a libpq connection string.
fn conn_field(url: &str, key: &str) -> String {
    url.split_whitespace().find_map(|kv| kv.strip_prefix(&format!("{key}="))).unwrap_or_default().to_owned()
}

/// Run a PostgreSQL client program against the server of `url`, the
/// password in the environment (never on the command line); fails the
/// test with its output when it fails.
fn pg_tool(bin: &Path, program: &str, url: &str, args: &[&str]) -> String {
    let out = Command::new(bin.join(program))
        .args(["-h", "127.0.0.1", "-p", &conn_field(url, "port"), "-U", &conn_field(url, "user")])
        .args(args)
        .env("PGPASSWORD", conn_field(url, "password"))
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

fn take(base: &str, agent: &ureq::Agent, service: &str, key: &str) -> Result<(u16, Value), String> {
    let r = agent.post(&format!("{base}/api/queue/tickets")).timeout(Duration::from_secs(60)).send_json(json!({"service": service, "idem_key": key}));
    match r {
        Ok(r) => Ok((r.status(), r.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Status(code, r)) => Ok((code, r.into_json().unwrap_or(Value::Null))),
        Err(e) => Err(e.to_string()),
    }
}

/// `A012` → ("A", 12).
fn split_label(label: &str) -> (String, u32) {
    let digits = label.trim_start_matches(|c: char| !c.is_ascii_digit());
    (label[..label.len() - digits.len()].to_owned(), digits.parse().unwrap_or(0))
}

/// Each service's numbers are 1..=n, no gap, no repeat.
fn assert_contiguous(labels: &[String]) {
    let mut by: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for l in labels {
        let (p, n) = split_label(l);
        by.entry(p).or_default().push(n);
    }
    for (p, mut ns) in by {
        ns.sort_unstable();
        let want: Vec<u32> = (1..=ns.len() as u32).collect();
        assert_eq!(ns, want, "numbers of service {p} are 1..=n without gaps or repeats");
    }
}

// ---- (a) backup and restore ----

/// A hall's tickets and notices, dumped with `pg_dump` while its host runs,
/// restored with `pg_restore` into a NEW server (its roles first, from
/// `pg_dumpall --roles-only`, as deploy/README.md says): a host started on
/// the restored database with an empty data folder shows the same tickets
/// and notice, and the next tickets and events continue the numbers, no gap
/// and no repeat.
#[test]
fn a_pg_dump_restored_into_a_new_server_carries_on_without_a_gap() {
    let Some(bin) = pg_bin() else {
        linli_shared::skip::unavailable("no pg_dump/pg_restore/psql: install the Debian package postgresql");
        return;
    };
    let Some(pg1) = postgres() else { return };
    let settings1 = format!("{OPEN_ALL_DAY}{}", store_settings(&pg1, "east"));
    let s1 = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_NOTICES], &settings1);
    let agent = ureq::agent();
    let mut tickets = Vec::new();
    for (i, service) in ["A", "A", "B", "A", "B"].iter().enumerate() {
        let (code, t) = take(&s1.url, &agent, service, &format!("backup-{i}")).expect("kiosk");
        assert_eq!(code, 201, "{t}");
        tickets.push(t);
    }
    let editor = sign_in(&s1, "editor", &["editor"]);
    let (code, notice) = http_json(
        ureq::post(&format!("{}/api/notices", s1.url)).set("Cookie", &editor.cookie).set("X-CSRF-Token", &editor.csrf),
        &json!({"title": "备份演练通知", "body": "周六上午数据库维护"}),
    );
    assert_eq!(code, 201, "{notice}");
    let last_event = s1.host.bus().last_id().expect("the log's last id");
    assert!(last_event >= 6, "tickets and the notice were events: {last_event}");

    // The backup, taken while the host runs (pg_dump reads one snapshot).
    let dir = tempfile::tempdir().expect("temp dir");
    let roles = dir.path().join("roles.sql");
    let dump = dir.path().join("linli.dump");
    let url1 = pg1.url();
    let text = pg_tool(&bin, "pg_dumpall", &url1, &["--roles-only", "-f", &roles.to_string_lossy()]);
    assert!(std::fs::read_to_string(&roles).unwrap().contains("linli_east__queue"), "the plugin's role is in the roles file\n{text}");
    pg_tool(&bin, "pg_dump", &url1, &["-d", "linli", "-Fc", "-f", &dump.to_string_lossy()]);
    drop(s1);
    drop(pg1);

    // A new server, as after losing the old machine.
    let Some(pg2) = postgres() else { return };
    let url2 = pg2.url();
    // The roles (the host's own role exists already: psql reports it and
    // goes on; its password becomes the old server's, so linli.toml keeps
    // working with only the address changed).
    let out = pg_tool(&bin, "psql", &url2, &["-d", "postgres", "-q", "-f", &roles.to_string_lossy()]);
    assert!(!out.contains("FATAL"), "{out}");
    let url2 = url2.replace(&format!("password={}", conn_field(&url2, "password")), &format!("password={}", conn_field(&url1, "password")));
    pg_tool(&bin, "pg_restore", &url2, &["-d", "linli", "--exit-on-error", "--single-transaction", &dump.to_string_lossy()]);

    let settings2 = settings1.replace(&url1, &url2);
    assert_ne!(settings1, settings2);
    let s2 = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_NOTICES], &settings2);
    for t in &tickets {
        let (code, now) = s2.get_json(&format!("/api/queue/t/{}", t["token"].as_str().expect("token")));
        assert_eq!(code, 200, "ticket {} after the restore: {now}", t["ticket"]);
        assert_eq!(now["ticket"], t["ticket"], "{now}");
        assert_eq!(now["status"], "waiting", "{now}");
    }
    let (_, board) = s2.get_json("/api/queue/services");
    let waiting = |code: &str| board["services"].as_array().and_then(|a| a.iter().find(|s| s["code"] == code)).map(|s| s["waiting"].clone());
    assert_eq!((waiting("A"), waiting("B")), (Some(json!(3)), Some(json!(2))), "{board}");
    let (code, list) = s2.get("/api/notices");
    assert_eq!(code, 200);
    assert!(list.contains("备份演练通知"), "the notice is back: {list}");
    // The hall's staff came back with the database (the host tables are in
    // it): the editor signs in on the new server.
    let login = ureq::AgentBuilder::new().redirects(0).build().post(&format!("{}/login", s2.url)).send_form(&[("username", "editor"), ("password", "correct horse battery"), ("next", "/")]);
    let status = match login {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("login: {e}"),
    };
    assert_eq!(status, 303, "the editor signs in on the restored database");
    // The next numbers follow the restored ones: no gap, no repeat.
    let (code, a4) = take(&s2.url, &agent, "A", "after-restore-a").expect("kiosk");
    assert_eq!((code, a4["ticket"].as_str()), (201, Some("A004")), "{a4}");
    let (code, b3) = take(&s2.url, &agent, "B", "after-restore-b").expect("kiosk");
    assert_eq!((code, b3["ticket"].as_str()), (201, Some("B003")), "{b3}");
    // A kiosk retrying a request from before the backup gets its ticket, not a new one.
    let (code, again) = take(&s2.url, &agent, "A", "backup-0").expect("kiosk");
    assert!(code == 200 || code == 201, "{again}");
    assert_eq!(again["ticket"], tickets[0]["ticket"], "the idempotency keys came back too");
    // The event log continues after the restored ids (a screen resuming
    // with Last-Event-ID misses nothing and sees nothing twice).
    let ids = s2.host.bus().last_id().expect("last id");
    assert!(ids > last_event, "new events get ids after {last_event}, now {ids}");
    let events = s2.host.services.storage.since(last_event - 1, 100).expect("events");
    assert_eq!(events.first().map(|e| e.id), Some(last_event), "the restored log holds the last event of the backup");
}

// ---- (b) HAProxy in front of two hosts ----

/// A `linli serve` process of the hall on `port`, its log in `dir/log`.
struct HostProcess {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl HostProcess {
    fn start(dir: &Path, settings: &str, port: u16) -> HostProcess {
        let (data, plugins) = (dir.join("data"), dir.join("plugins"));
        std::fs::create_dir_all(&data).expect("data folder");
        std::fs::create_dir_all(&plugins).expect("plugins folder");
        std::fs::copy(fixtures::PLUGIN_QUEUE, plugins.join("queue.wasm")).expect("copy plugin");
        std::fs::write(data.join("linli.toml"), settings).expect("settings");
        let log = dir.join("log");
        let child = Command::new(linli_binary())
            .args(["serve", "--no-hot-reload", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&data)
            .arg("--plugins")
            .arg(&plugins)
            .env("LINLI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("linli serve starts");
        let mut h = HostProcess { child, port, log: log.clone() };
        let url = format!("http://127.0.0.1:{port}/healthz");
        // Generous: a debug build compiles the plugin on a start with an
        // empty compile cache, on two cores other tests share.
        let up = wait_for(Duration::from_secs(180), || {
            if let Ok(Some(status)) = h.child.try_wait() {
                panic!("linli serve on {port} exited ({status}):\n{}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            ureq::get(&url).call().ok().map(|_| ())
        });
        assert!(up.is_some(), "linli serve on {port} came up:\n{}", h.log());
        h
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Calls into the queue plugin this host has run (from its metrics).
    fn queue_calls(&self) -> u64 {
        let (_, m) = http(ureq::get(&format!("http://127.0.0.1:{}/metrics", self.port)).set("Authorization", "Bearer test-metrics-token-abcdefghijk"));
        m.lines().find_map(|l| l.strip_prefix("linli_plugin_calls_total{plugin=\"queue\"}")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// deploy/haproxy.cfg made runnable here: the two hosts' ports, local
/// ports, the test's certificate, and none of the machine-wide parts (chroot,
/// the haproxy user, syslog, the admin socket, daemon mode). Every
/// replacement must match, so a change to the shipped file that the test
/// would no longer exercise fails here.
fn render_haproxy(http_port: u16, https_port: u16, cert: &Path, hosts: [u16; 2]) -> String {
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/haproxy.cfg")).expect("deploy/haproxy.cfg");
    let mut cfg = String::new();
    let machine_wide = ["log /dev/log", "chroot ", "stats socket ", "stats timeout", "user haproxy", "group haproxy", "daemon"];
    let mut dropped = 0;
    for line in shipped.lines() {
        if machine_wide.iter().any(|p| line.trim_start().starts_with(p)) {
            dropped += 1;
            continue;
        }
        cfg.push_str(line);
        cfg.push('\n');
    }
    assert_eq!(dropped, 8, "the global section's machine-wide lines changed in deploy/haproxy.cfg");
    let mut replace = |from: &str, to: &str, times: usize| {
        assert_eq!(cfg.matches(from).count(), times, "deploy/haproxy.cfg has `{from}` {times} time(s)");
        cfg = cfg.replace(from, to);
    };
    replace("bind :80\n", &format!("bind 127.0.0.1:{http_port}\n"), 1);
    replace("bind :443 ssl crt /etc/haproxy/certs/linli.pem", &format!("bind 127.0.0.1:{https_port} ssl crt {}", cert.display()), 1);
    replace("10.0.0.11:8080", &format!("127.0.0.1:{}", hosts[0]), 2);
    replace("10.0.0.12:8080", &format!("127.0.0.1:{}", hosts[1]), 2);
    cfg
}

/// An HTTPS client that trusts only the test's CA.
fn https_agent(ca: &linli_tests::tls::TestCa) -> ureq::Agent {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca.ca_pem.as_bytes()) {
        roots.add(c.expect("CA certificate")).expect("CA added");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // A quiet event stream gets a comment every 15 s: 30 s without a byte
    // means the stream is gone (and the screen reconnects).
    ureq::AgentBuilder::new().tls_config(Arc::new(config)).redirects(0).timeout_read(Duration::from_secs(30)).build()
}

/// What a screen following `/api/events` through the balancer saw: each
/// event once (by id), reconnecting with Last-Event-ID as browsers do
/// whenever its stream ends.
#[derive(Default)]
struct Screen {
    issued: Vec<(u64, String)>,
    reconnects: u32,
    last_id: Option<u64>,
}

fn follow(agent: ureq::Agent, base: String, screen: Arc<Mutex<Screen>>, stop: Arc<std::sync::atomic::AtomicBool>) -> std::thread::JoinHandle<()> {
    use std::io::BufRead;
    std::thread::spawn(move || {
        let mut first = true;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            if !first {
                screen.lock().unwrap().reconnects += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            first = false;
            let last = screen.lock().unwrap().last_id;
            // From the start of the hall's day the first time, then from the
            // last id seen.
            let mut req = agent.get(&format!("{base}/api/events?topics=queue.issued&after=0"));
            if let Some(id) = last {
                req = req.set("Last-Event-ID", &id.to_string());
            }
            let Ok(resp) = req.call() else { continue };
            let mut id: Option<u64> = None;
            for line in std::io::BufReader::new(resp.into_reader()).lines() {
                let Ok(line) = line else { break };
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(data) = line.strip_prefix("data:")
                    && let Ok(ev) = serde_json::from_str::<Value>(data.trim())
                {
                    let mut s = screen.lock().unwrap();
                    let ev_id = id.or(ev["id"].as_u64()).unwrap_or(0);
                    s.issued.push((ev_id, ev["payload"]["ticket"].as_str().unwrap_or_default().to_owned()));
                    s.last_id = Some(ev_id);
                }
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
            }
        }
    })
}

/// Debian's HAProxy, configured by deploy/haproxy.cfg, in front of two
/// `linli serve` processes of one hall over HTTPS: kiosks take tickets
/// through it and a screen follows the event stream through it; one host is
/// killed (SIGKILL) mid-run. Requests keep being answered by the other (a
/// kiosk retries, with its idempotency key, only a request that was in
/// flight to the killed host), every acknowledged ticket is in the
/// database, the numbers have no gap and no repeat, and the screen saw each
/// ticket once across its reconnect.
#[test]
fn haproxy_in_front_of_two_hosts_survives_one_being_killed() {
    let Some(haproxy) = haproxy_bin() else {
        linli_shared::skip::unavailable("no haproxy: install the Debian package haproxy");
        return;
    };
    let Some(pg) = postgres() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "lb"));
    let mut a = Some(HostProcess::start(&dir.path().join("a"), &settings, free_port()));
    let b = HostProcess::start(&dir.path().join("b"), &settings, free_port());

    let ca = linli_tests::tls::TestCa::new("linli district test CA");
    let pem = dir.path().join("linli.pem");
    std::fs::write(&pem, format!("{}{}", ca.chain_pem, ca.key_pem)).expect("certificate file");
    let (http_port, https_port) = (free_port(), free_port());
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg, render_haproxy(http_port, https_port, &pem, [a.as_ref().unwrap().port, b.port])).expect("config");
    let check = Command::new(&haproxy).args(["-c", "-f"]).arg(&cfg).output().expect("haproxy -c");
    assert!(check.status.success(), "haproxy refuses the config:\n{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    let haproxy_log = dir.path().join("haproxy.log");
    let lb = Command::new(&haproxy)
        .args(["-db", "-f"])
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&haproxy_log).expect("log"))
        .spawn()
        .expect("haproxy starts");
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let lb = Kill(lb);
    let lb_log = || std::fs::read_to_string(&haproxy_log).unwrap_or_default();
    let base = format!("https://127.0.0.1:{https_port}");
    let agent = https_agent(&ca);
    let up = wait_for(Duration::from_secs(60), || agent.get(&format!("{base}/healthz")).call().ok().filter(|r| r.status() == 200).map(|_| ()));
    assert!(up.is_some(), "the hosts answer through HAProxy over HTTPS:\n{}", lb_log());
    // Plain HTTP is sent to HTTPS.
    let r = ureq::AgentBuilder::new().redirects(0).build().get(&format!("http://127.0.0.1:{http_port}/queue/kiosk")).call();
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("port 80 answers: {e}"),
    };
    assert_eq!(r.status(), 301);
    assert!(r.header("location").is_some_and(|l| l.starts_with("https://")), "{:?}", r.header("location"));

    let screen = Arc::new(Mutex::new(Screen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let follower = follow(agent.clone(), base.clone(), screen.clone(), stop.clone());

    // Two kiosks, 30 tickets each, through the balancer.
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let retried = Arc::new(Mutex::new(Vec::<String>::new()));
    let kiosks: Vec<_> = (0..2)
        .map(|k| {
            let (agent, base, acknowledged, retried) = (agent.clone(), base.clone(), acknowledged.clone(), retried.clone());
            std::thread::spawn(move || {
                for i in 0..30 {
                    let service = ["A", "B"][(k + i) % 2];
                    let key = format!("lb-{k}-{i}");
                    let mut tries = 0;
                    let t = loop {
                        tries += 1;
                        match take(&base, &agent, service, &key) {
                            Ok((200 | 201, t)) => break t,
                            other => {
                                // A failure the balancer answered (no JSON
                                // from a host, or no answer at all): only
                                // what was in flight to the killed host may
                                // be one. A host's own refusal (a call late
                                // on a busy machine) is retried as a kiosk
                                // does, and not counted against HAProxy.
                                let from_host = matches!(&other, Ok((_, body)) if body.get("error").is_some());
                                if !from_host {
                                    retried.lock().unwrap().push(format!("{key}: {other:?}"));
                                }
                                assert!(tries < 10, "{key} never answered: {other:?}");
                                std::thread::sleep(Duration::from_millis(300));
                            }
                        }
                    };
                    acknowledged.lock().unwrap().push((t["ticket"].as_str().unwrap_or_default().to_owned(), t["token"].as_str().unwrap_or_default().to_owned()));
                    std::thread::sleep(Duration::from_millis(40));
                }
            })
        })
        .collect();
    // Both hosts served tickets (no stickiness), then one is killed.
    assert!(wait_for(Duration::from_secs(120), || (acknowledged.lock().unwrap().len() >= 16).then_some(())).is_some(), "tickets through HAProxy");
    let (calls_a, calls_b) = (a.as_ref().unwrap().queue_calls(), b.queue_calls());
    assert!(calls_a > 0 && calls_b > 0, "both hosts served the queue: {calls_a} and {calls_b} calls");
    let killed_at = acknowledged.lock().unwrap().len();
    let mut gone = a.take().unwrap();
    gone.child.kill().expect("SIGKILL host A");
    let _ = gone.child.wait();
    for k in kiosks {
        k.join().expect("kiosk");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let retried = retried.lock().unwrap().clone();
    assert_eq!(acknowledged.len(), 60);
    assert!(killed_at < 50, "the kill came mid-run ({killed_at} of 60 issued)");
    assert!(retried.len() <= 2, "only requests in flight to the killed host failed; HAProxy sent the rest to the other host: {retried:?}\n{}", lb_log());
    let labels: Vec<String> = acknowledged.iter().map(|(l, _)| l.clone()).collect();
    assert_contiguous(&labels);
    // Every acknowledged ticket is there, served by the host left.
    for (label, token) in &acknowledged {
        let (code, body) = http(agent.get(&format!("{base}/api/queue/t/{token}")));
        let t: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert_eq!((code, t["ticket"].as_str()), (200, Some(label.as_str())), "{t}");
    }
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM h_lb__queue.tickets", &[]).expect("tickets").get(0);
    assert_eq!(n, 60, "exactly the acknowledged tickets are stored");
    // The screen saw each ticket once, in order, across the reconnect.
    let seen = wait_for(Duration::from_secs(60), || {
        let s = screen.lock().unwrap();
        (s.issued.len() >= 60).then(|| s.issued.clone())
    });
    let s = screen.lock().unwrap();
    let seen = seen.unwrap_or_else(|| panic!("the screen saw {} of 60 tickets ({} reconnects)\n{}", s.issued.len(), s.reconnects, lb_log()));
    let ids: Vec<u64> = seen.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "each event once, in order: {ids:?}");
    let mut on_screen: Vec<String> = seen.iter().map(|(_, l)| l.clone()).collect();
    let mut issued = labels.clone();
    on_screen.sort();
    issued.sort();
    assert_eq!(on_screen, issued, "the screen saw exactly the acknowledged tickets");
    println!("killed host A after {killed_at} tickets; {} kiosk retries; the screen reconnected {} times", retried.len(), s.reconnects);
    drop(s);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    // The balancer's check took host A out; host B alone answers.
    let (code, _) = http(agent.get(&format!("{base}/healthz")));
    assert_eq!(code, 200);
    let marked = wait_for(Duration::from_secs(10), || lb_log().contains("linli_hosts/host1 is DOWN").then_some(()));
    assert!(marked.is_some(), "HAProxy's health check marked the killed host down:\n{}", lb_log());
    assert!(!lb_log().contains("linli_hosts/host2 is DOWN"), "the host left stayed up:\n{}", lb_log());
    drop(lb);
    drop(follower);
    drop(gone);
}

/// `/healthz` answers 503 while the host cannot reach its store (what the
/// balancer's check reads), and 200 again once it can.
#[test]
fn healthz_answers_503_while_the_store_is_unreachable() {
    let Some(pg) = postgres() else { return };
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "health")));
    let (code, body) = s.get_json("/healthz");
    assert_eq!((code, body["store"].as_str()), (200, Some("ok")), "{body}");
    pg.stop().expect("stop PostgreSQL");
    let down = wait_for(Duration::from_secs(10), || {
        let (code, body) = s.get_json("/healthz");
        (code == 503).then_some(body)
    });
    let body = down.expect("503 once PostgreSQL is gone");
    assert_eq!(body["status"], "unavailable", "{body}");
    assert!(!body.to_string().contains("127.0.0.1"), "the public answer names no server: {body}");
    pg.start_server().expect("start PostgreSQL again");
    let up = wait_for(Duration::from_secs(20), || (s.get_json("/healthz").0 == 200).then_some(()));
    assert!(up.is_some(), "200 again once PostgreSQL is back");
}

/// Behind a balancer named in `[http] trusted_proxies`, the rate limits
/// count each client by the address the balancer put in X-Forwarded-For;
/// from anyone else that header changes nothing (it could be made up).
#[test]
fn rate_limits_count_clients_behind_a_trusted_balancer_apart() {
    let settings = |trusted: &str| format!("[http]\nrate_per_minute = 2\nrate_burst = 2\n{trusted}\n{}", &OPEN_ALL_DAY[OPEN_ALL_DAY.find("[plugins").unwrap()..]);
    let take_as = |s: &TestServer, client: &str, i: usize| {
        let r = ureq::post(&format!("{}/api/queue/tickets", s.url)).set("X-Forwarded-For", &format!("203.0.113.9, {client}"));
        http_json(r, &json!({"service": "A", "idem_key": format!("{client}-{i}")})).0
    };
    let behind = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &settings("trusted_proxies = [\"127.0.0.1\"]"));
    let codes: Vec<u16> = (0..3).map(|i| take_as(&behind, "198.51.100.1", i)).collect();
    assert_eq!(codes, [201, 201, 429], "one client's bucket");
    assert_eq!(take_as(&behind, "198.51.100.2", 0), 201, "another client behind the same balancer has its own");
    let open = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &settings(""));
    let codes: Vec<u16> = (0..3).map(|i| take_as(&open, &format!("198.51.100.{}", 10 + i), i)).collect();
    assert_eq!(codes, [201, 201, 429], "without trusted_proxies the header is ignored: one peer, one bucket");
}

// ---- (c) linli migrate ----

/// The host file's migrations, from host/migrations/ (the SQLite files; a
/// `.pg.sql` is a PostgreSQL variant of one of them).
fn sqlite_migrations() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/migrations");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("host/migrations")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".sql")).filter(|n| !n.ends_with(".pg")).map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn linli(args: &[&str], data: &Path) -> (i32, String, String) {
    let out = Command::new(linli_binary()).args(args).arg("--data").arg(data).env("LINLI_LOG", "warn").output().expect("linli runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `linli serve` on `data`, expected to refuse to start; its output.
fn serve_refuses(data: &Path) -> String {
    let plugins = data.parent().unwrap().join("no-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let mut child = Command::new(linli_binary())
        .args(["serve", "--no-hot-reload", "--listen", &format!("127.0.0.1:{}", free_port()), "--data"])
        .arg(data)
        .arg("--plugins")
        .arg(&plugins)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("linli serve");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("linli serve started on a store a newer version migrated");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert!(!out.status.success(), "linli serve must exit with an error");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `linli migrate --check` on a fresh store lists every migration as
/// pending and exits 1 without creating anything; `linli migrate` applies
/// and lists them; then `--check` (and `--dry-run`) exit 0. A file another
/// (newer) linli migrated is refused by `migrate` (exit 2) and by `serve`,
/// naming that version.
#[test]
fn linli_migrate_lists_applies_and_refuses_a_newer_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let names = sqlite_migrations();
    assert!(names.len() >= 9, "{names:?}");
    let (code, out, err) = linli(&["migrate", "--check"], &data);
    assert_eq!(code, 1, "pending migrations: exit 1\n{out}{err}");
    for n in &names {
        assert!(out.contains(&format!("待执行 / pending  {n}")), "{n} listed as pending:\n{out}");
    }
    assert!(!data.join("linli.db").exists(), "--check creates nothing");
    let (code, out, err) = linli(&["migrate"], &data);
    assert_eq!(code, 0, "{out}{err}");
    for n in &names {
        assert!(out.contains(&format!("已执行 / applied  {n}")), "{n} applied:\n{out}");
    }
    for flag in ["--check", "--dry-run"] {
        let (code, out, err) = linli(&["migrate", flag], &data);
        assert_eq!(code, 0, "{flag}: nothing pending\n{out}{err}");
        assert!(!out.contains("pending") && out.contains("up to date"), "{out}");
    }
    let (code, out, _) = linli(&["migrate"], &data);
    assert_eq!(code, 0);
    assert!(!out.contains("applied"), "nothing applied twice:\n{out}");

    // A newer linli added a migration.
    let db = linli_host::storage::sqlite::SqliteStorage::open(&data.join("linli.db"), linli_host::storage::sqlite::Durability::Normal).expect("open");
    db.with_writer(|c| c.execute_batch("INSERT INTO schema_migrations (name, applied_at, version) VALUES ('0999_future', 0, '99.1.0')")).expect("insert");
    drop(db);
    let (code, out, err) = linli(&["migrate", "--check"], &data);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("linli 99.1.0") && err.contains("0999_future"), "names the version and the migration:\n{err}");
    let refused = serve_refuses(&data);
    assert!(refused.contains("linli 99.1.0") && refused.contains("0999_future"), "serve names the version:\n{refused}");
}

/// With `[store] backend = "postgres"`: the district's shared schema and
/// the hall's host tables are listed and migrated too, and a host refuses
/// a database a newer linli migrated (either schema), naming that version.
#[test]
fn linli_migrate_covers_postgres_and_a_host_refuses_a_newer_schema() {
    let Some(pg) = postgres() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("linli.toml"), store_settings(&pg, "mig")).unwrap();
    let (code, out, err) = linli(&["migrate", "--check"], &data);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("PostgreSQL 127.0.0.1:") && out.contains("schema linli") && out.contains("待执行 / pending  0001_district"), "{out}");
    let hall = out.split("schema hh_mig").nth(1).unwrap_or_else(|| panic!("the hall's host tables are listed:\n{out}"));
    for n in sqlite_migrations() {
        assert!(hall.contains(&format!("待执行 / pending  {n}")), "{n} pending in hh_mig:\n{out}");
    }
    assert!(!out.contains(&conn_field(&pg.url(), "password")), "the password is never printed:\n{out}");
    let mut c = pg.client().expect("client");
    let made: bool = c.query_one("SELECT to_regclass('linli.schema_migrations') IS NOT NULL", &[]).unwrap().get(0);
    assert!(!made, "--check changes nothing");
    let (code, out, err) = linli(&["migrate"], &data);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("已执行 / applied  0001_district"), "{out}");
    let hall = out.split("schema hh_mig").nth(1).unwrap_or_default();
    assert!(hall.contains("已执行 / applied  0001_init") && hall.contains("已执行 / applied  0009_services"), "{out}");
    let (code, out, err) = linli(&["migrate", "--check"], &data);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("pending"), "{out}");
    let version: String = c.query_one("SELECT version FROM linli.schema_migrations WHERE name = '0001_district'", &[]).unwrap().get(0);
    assert_eq!(version, env!("CARGO_PKG_VERSION"), "recorded with the version that applied it");

    c.execute("INSERT INTO linli.schema_migrations (name, applied_at, version) VALUES ('0002_future', 0, '99.2.0')", &[]).unwrap();
    let (code, _, err) = linli(&["migrate", "--check"], &data);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("linli 99.2.0"), "{err}");
    let refused = serve_refuses(&data);
    assert!(refused.contains("linli 99.2.0") && refused.contains("0002_future"), "serve names the version:\n{refused}");
    // The hall's host tables migrated by a newer linli.
    c.execute("DELETE FROM linli.schema_migrations WHERE name = '0002_future'", &[]).unwrap();
    c.execute("INSERT INTO hh_mig.schema_migrations (name, applied_at, version) VALUES ('0999_future', 0, '99.3.0')", &[]).unwrap();
    let refused = serve_refuses(&data);
    assert!(refused.contains("linli 99.3.0") && refused.contains("hh_mig"), "serve names the version and the schema:\n{refused}");
    let (code, _, err) = linli(&["migrate"], &data);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("linli 99.3.0"), "{err}");
}
