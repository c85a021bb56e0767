//! Faults of a district on PostgreSQL (issue 14, item 4), on a real server
//! the test starts (Debian's `postgresql`; under `CI=true` a missing server
//! fails the test):
//! - PostgreSQL restarted under running hosts: they reconnect by
//!   themselves; while it is down a plugin call is refused at once with a
//!   503 naming the store (nothing half-done, nothing hanging past the
//!   call's time), and afterwards the first request works again, events
//!   included (each host's listener comes back and reads the log from the
//!   last event it delivered);
//! - three hosts of one hall in a morning rush, one of them killed
//!   (SIGKILL) and PostgreSQL restarted mid-run: clients that lose their
//!   host retry on another; no ticket issued or called twice, none that was
//!   acknowledged lost, numbers contiguous per service;
//! - one host cut off from the database (a TCP proxy of the test between it
//!   and PostgreSQL): it refuses (503) instead of answering wrongly, the
//!   other host goes on, and it recovers when the link returns.

// ureq's error is large; the helpers of the queue tests return it as is.
#![allow(clippy::result_large_err)]

#[allow(dead_code)]
#[path = "queue/kit.rs"]
mod kit;

use kit::{Desk, OPEN_ALL_DAY, PASSWORD, assert_contiguous, kiosk_take};
use linli_tests::{TestServer, fixtures, free_port, hall_folders, postgres, store_settings, wait_for};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a refusal for a store that cannot be reached may take: the
/// queue's calls have 1 s (`time_ms`), and a refusal must not wait longer.
const FAST: Duration = Duration::from_millis(2500);

fn host(settings: &str) -> TestServer {
    TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], settings)
}

fn label(t: &Value) -> String {
    t["ticket"].as_str().unwrap_or_else(|| panic!("a ticket: {t}")).to_owned()
}

/// A refusal because the store cannot be reached: 503, the code, the store
/// named in both languages.
fn assert_store_refusal(code: u16, body: &Value, took: Duration, what: &str) {
    assert_eq!(code, 503, "{what}: {body}");
    assert_eq!(body["error"]["code"], "store_unavailable", "{what}: {body}");
    let zh = body["error"]["message_zh"].as_str().unwrap_or_default();
    let en = body["error"]["message_en"].as_str().unwrap_or_default();
    assert!(zh.contains("数据库") && zh.contains("稍后"), "{what}: the Chinese message names the database: {zh}");
    assert!(en.contains("PostgreSQL") && en.contains("queue"), "{what}: the English message names the store and plugin: {en}");
    assert!(took < FAST, "{what}: refused after {took:?}, not at once");
}

/// Follow `/api/events?topics=queue.` as a screen does: when the stream
/// ends (the host could not read the log, or is gone), it comes back
/// after the last id it saw, to the next of `bases` when one does not
/// answer. Sends each event's JSON.
fn screen(bases: Vec<String>, after: u64) -> std::sync::mpsc::Receiver<Value> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut last = after;
        let mut failures = 0;
        let mut at = 0;
        while failures < 100 {
            let base = &bases[at % bases.len()];
            let Ok(resp) = ureq::get(&format!("{base}/api/events?topics=queue.&after={last}")).call() else {
                failures += 1;
                at += 1;
                std::thread::sleep(Duration::from_millis(200));
                continue;
            };
            failures = 0;
            for line in std::io::BufReader::new(resp.into_reader()).lines() {
                let Ok(line) = line else { break };
                if let Some(data) = line.strip_prefix("data:")
                    && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                {
                    last = v["id"].as_u64().unwrap_or(last);
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    rx
}

/// The tickets issued that a screen saw, waiting until it saw all of
/// `issued` (each once).
fn assert_screen_saw(screen: &std::sync::mpsc::Receiver<Value>, issued: &[String], which: &str) {
    let mut seen = Vec::new();
    let want: BTreeSet<&String> = issued.iter().collect();
    while seen.iter().collect::<BTreeSet<_>>() != want {
        let ev = screen.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("{which} saw {} of {} tickets: {seen:?}", seen.len(), issued.len()));
        if ev["topic"] == "queue.issued" {
            seen.push(ev["payload"]["ticket"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(seen.len(), issued.len(), "{which} saw a ticket twice: {seen:?}");
}

/// Tickets in the hall's queue schema.
fn tickets_in_db(pg: &linli_host::testing::pg::Cluster, hall: &str) -> (i64, i64) {
    let mut c = pg.client().expect("client");
    let row = c
        .query_one(&format!("SELECT count(*), count(*) FILTER (WHERE status <> 'finished') FROM h_{hall}__queue.tickets"), &[])
        .expect("the queue's tickets");
    (row.get(0), row.get(1))
}

/// PostgreSQL restarted under two running hosts of one hall.
#[test]
fn postgres_restarted_under_running_hosts_they_reconnect_and_meanwhile_refuse_at_once() {
    let Some(pg) = postgres() else { return };
    let settings = format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "reboot"));
    let hosts = [host(&settings), host(&settings)];
    let from = hosts[1].host.bus().last_id().expect("last id");
    let screen_b = screen(vec![hosts[1].url.clone()], from);
    let mut issued = Vec::new();
    let mut n = 0;
    let mut take = |s: &TestServer| {
        n += 1;
        let key = format!("reboot-{n}");
        let t = Instant::now();
        // A call that ran out of its time on these two busy cores (504,
        // nothing kept) is tried again with the same key; any other
        // failure is the answer.
        for _ in 0..3 {
            let (code, body) = kiosk_take(&s.url, ["A", "B"][n % 2], &key).expect("the host answers");
            if code != 504 {
                return (code, body, t.elapsed());
            }
        }
        panic!("{key}: three calls out of time");
    };
    for i in 0..6 {
        let (code, t, _) = take(&hosts[i % 2]);
        assert_eq!(code, 201, "{t}");
        issued.push(label(&t));
    }

    // A restart between two requests: the connections the hosts keep are
    // dead, and the first request after it must not be handed one.
    pg.restart(Duration::from_millis(300)).expect("restart");
    for (i, s) in hosts.iter().enumerate() {
        let (code, t, took) = take(s);
        assert_eq!(code, 201, "host {i}'s first request after PostgreSQL restarted: {t}");
        eprintln!("host {i}: first ticket after the restart in {took:?}");
        issued.push(label(&t));
    }

    // Down: every call that needs the store is refused at once, naming it;
    // reads too (no answer made up without the data).
    pg.stop().expect("stop");
    for (i, s) in hosts.iter().enumerate() {
        for _ in 0..2 {
            let (code, body, took) = take(s);
            assert_store_refusal(code, &body, took, &format!("host {i}, a ticket while PostgreSQL is down"));
        }
        let t = Instant::now();
        let (code, body) = s.get_json("/api/queue/services");
        assert_store_refusal(code, &body, t.elapsed(), &format!("host {i}, the board while PostgreSQL is down"));
    }

    // Back: no restart of the hosts; the first request of each works.
    pg.start_server().expect("start");
    let back = Instant::now();
    for (i, s) in hosts.iter().enumerate() {
        let (code, t, _) = take(s);
        assert_eq!(code, 201, "host {i}'s first request once PostgreSQL is back: {t}");
        issued.push(label(&t));
    }
    eprintln!("both hosts issued again {:?} after PostgreSQL was back", back.elapsed());
    for i in 0..6 {
        let (code, t, _) = take(&hosts[i % 2]);
        assert_eq!(code, 201, "{t}");
        issued.push(label(&t));
    }
    // Each host listens again (one events session each), and host B's
    // screen saw every ticket, issued through either host, once.
    let listening = wait_for(Duration::from_secs(10), || {
        let s = pg.sessions().ok()?;
        (s.iter().filter(|a| a.as_str() == "linli host (events)").count() == 2).then_some(())
    });
    assert!(listening.is_some(), "both hosts listen for events again: {:?}", pg.sessions());
    assert_screen_saw(&screen_b, &issued, "host B's screen");
    assert_contiguous(&issued);
    let (in_db, open) = tickets_in_db(&pg, "reboot");
    assert_eq!(in_db, issued.len() as i64, "no ticket issued by a refused request");
    assert_eq!(open, in_db);
}

/// How a [`Proxy`] treats the link.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Link {
    Open,
    /// Its connections closed, new ones closed at once (a link that is down).
    Cut,
    /// Its connections closed, and new ones never answered: nothing listens
    /// but a socket whose queue is full, so the kernel drops their SYNs, as a
    /// firewall that drops packets does.
    Silent,
}

/// A TCP proxy between one host and PostgreSQL that the test can cut,
/// silence and mend.
struct Proxy {
    port: u16,
    link: Arc<Mutex<Link>>,
    /// The mode the proxy's thread has taken up.
    now: Arc<Mutex<Link>>,
    open: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

/// A socket listening on `port` of 127.0.0.1 with no room in its queue
/// (backlog 0, filled by one connection never accepted): every further
/// SYN is dropped. Closed when both are dropped.
fn silent_listener(port: u16) -> (std::os::fd::OwnedFd, std::net::TcpStream) {
    use std::os::fd::FromRawFd;
    let fd = loop {
        // SAFETY: plain socket calls on a descriptor made here, owned below.
        let fd = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket");
            let one: libc::c_int = 1;
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, (&one as *const libc::c_int).cast(), std::mem::size_of::<libc::c_int>() as libc::socklen_t);
            let addr = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: port.to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes([127, 0, 0, 1]) },
                sin_zero: [0; 8],
            };
            if libc::bind(fd, (&addr as *const libc::sockaddr_in).cast(), std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t) == 0 && libc::listen(fd, 0) == 0 {
                Some(std::os::fd::OwnedFd::from_raw_fd(fd))
            } else {
                libc::close(fd);
                None
            }
        };
        match fd {
            Some(fd) => break fd,
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let filler = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the one connection the queue holds");
    (fd, filler)
}

impl Proxy {
    fn start(upstream: u16) -> Proxy {
        use std::net::{Shutdown, TcpListener, TcpStream};
        // One listener for the proxy's whole life, with no room in its
        // queue (backlog 0): it is never closed and bound again, so no
        // other socket of the busy machine can take its port meanwhile
        // (that made the link's mending wait for ever under load).
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port();
        let (fd, first_filler) = silent_listener(port);
        drop(first_filler); // its queued end is accepted (and ends) below
        let listener = TcpListener::from(fd);
        listener.set_nonblocking(true).expect("non-blocking");
        let link = Arc::new(Mutex::new(Link::Open));
        let now = Arc::new(Mutex::new(Link::Open));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (l, o, n) = (link.clone(), open.clone(), now.clone());
        std::thread::spawn(move || {
            // While silent: one connection left unaccepted fills the queue,
            // so the kernel drops every further SYN.
            let mut filler: Option<Option<TcpStream>> = None;
            loop {
                let mode = *l.lock().unwrap();
                if mode == Link::Silent {
                    if filler.is_none() {
                        // Fails when the queue is full already (a host's
                        // attempt waiting in it): silent all the same.
                        filler = Some(TcpStream::connect_timeout(&std::net::SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(200)).ok());
                    }
                    *n.lock().unwrap() = Link::Silent;
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                // Mended: what waited in the queue is accepted from now on
                // (the filler's end is proxied and ends at once).
                drop(filler.take());
                *n.lock().unwrap() = mode;
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    }
                };
                let _ = client.set_nonblocking(false);
                if mode == Link::Cut {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let pipe = |mut from: TcpStream, mut to: TcpStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                        let _ = from.shutdown(Shutdown::Both);
                    });
                };
                let mut kept = o.lock().unwrap();
                for s in [&client, &server] {
                    if let Ok(s) = s.try_clone() {
                        kept.push(s);
                    }
                }
                pipe(client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                pipe(server, client);
            }
        });
        Proxy { port, link, now, open }
    }

    /// Change the link, once the proxy has taken the change up.
    fn set(&self, link: Link) {
        *self.link.lock().unwrap() = link;
        if link != Link::Open {
            for s in self.open.lock().unwrap().drain(..) {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
        assert!(wait_for(Duration::from_secs(10), || (*self.now.lock().unwrap() == link).then_some(())).is_some(), "the proxy took up {link:?}");
    }
}

/// One host cut off from the database while the other goes on.
#[test]
fn a_host_cut_off_from_the_database_refuses_instead_of_answering_wrongly_and_recovers() {
    let Some(pg) = postgres() else { return };
    let proxy = Proxy::start(pg.port());
    let direct = format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "island"));
    let through_proxy = direct.replace(&pg.url(), &pg.url_at(proxy.port));
    assert_ne!(direct, through_proxy);
    let (a, b) = (host(&direct), host(&through_proxy));
    let from = a.host.bus().last_id().expect("last id");
    let screen_a = screen(vec![a.url.clone()], from);
    let mut issued = Vec::new();
    let mut n = 0;
    let mut take = |s: &TestServer| {
        n += 1;
        let t = Instant::now();
        let (code, body) = kiosk_take(&s.url, ["A", "B"][n % 2], &format!("island-{n}")).expect("the host answers");
        (code, body, t.elapsed())
    };
    for s in [&a, &b, &a, &b] {
        let (code, t, _) = take(s);
        assert_eq!(code, 201, "{t}");
        issued.push(label(&t));
    }

    proxy.set(Link::Cut);
    for round in 0..3 {
        let (code, body, took) = take(&b);
        assert_store_refusal(code, &body, took, &format!("host B cut off, ticket {round}"));
        let (code, t, _) = take(&a);
        assert_eq!(code, 201, "host A goes on while B is cut off: {t}");
        issued.push(label(&t));
    }
    let t = Instant::now();
    let (code, body) = b.get_json("/api/queue/services");
    assert_store_refusal(code, &body, t.elapsed(), "host B's board while cut off");

    proxy.set(Link::Open);
    let back = Instant::now();
    let (code, t, _) = take(&b);
    assert_eq!(code, 201, "host B's first request once the link is back: {t}");
    issued.push(label(&t));
    eprintln!("host B issued again {:?} after the link was mended", back.elapsed());
    for s in [&b, &a, &b] {
        let (code, t, _) = take(s);
        assert_eq!(code, 201, "{t}");
        issued.push(label(&t));
    }
    assert_screen_saw(&screen_a, &issued, "host A's screen");
    // Host B listens for events again (its listener's session ended
    // without a word from the server when the link was cut).
    let listening = wait_for(Duration::from_secs(10), || {
        let s = pg.sessions().ok()?;
        (s.iter().filter(|a| a.as_str() == "linli host (events)").count() == 2).then_some(())
    });
    assert!(listening.is_some(), "both hosts listen for events again: {:?}", pg.sessions());

    // Silent: new connections get no answer at all. Host B is refused
    // within the call's time (not after the connection string's 5 s
    // connect_timeout, nor never), host A goes on, and B comes back.
    proxy.set(Link::Silent);
    for round in 0..2 {
        let (code, body, took) = take(&b);
        assert_store_refusal(code, &body, took, &format!("host B's link silent, ticket {round}"));
        eprintln!("host B's link silent: refused in {took:?}");
        let (code, t, _) = take(&a);
        assert_eq!(code, 201, "host A goes on while B's link is silent: {t}");
        issued.push(label(&t));
    }
    proxy.set(Link::Open);
    let back = Instant::now();
    let (code, t, _) = take(&b);
    assert_eq!(code, 201, "host B's first request once its link answers again: {t}");
    issued.push(label(&t));
    eprintln!("host B issued again {:?} after its silent link was mended", back.elapsed());
    assert_contiguous(&issued);
    let (in_db, _) = tickets_in_db(&pg, "island");
    assert_eq!(in_db, issued.len() as i64, "no ticket issued by a refused request");
}

/// What the clients of the rush saw.
#[derive(Default)]
struct Rush {
    issued: Mutex<Vec<String>>,
    called: Mutex<Vec<String>>,
    /// Requests answered 5xx or not at all, tried again elsewhere.
    retries: AtomicU64,
    /// Those failures by kind: `503 store_unavailable`, `no answer`…
    failures: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Rush {
    fn failed(&self, what: String) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        *self.failures.lock().unwrap().entry(what).or_default() += 1;
    }
}

/// What a failed request was: its status and error code, or no answer.
fn failure_kind<E>(r: &Result<(u16, Value), E>) -> String {
    match r {
        Ok((code, body)) => format!("{code} {}", body["error"]["code"].as_str().unwrap_or("?")),
        Err(_) => "no answer".into(),
    }
}

/// Send `request` to the hosts from `start` on until one answers other
/// than 5xx or a broken connection (a host killed, the store restarting),
/// for at most 60 s; returns the answer and the host that gave it.
fn on_any_host<E: std::fmt::Display>(urls: &[String], start: usize, rush: &Rush, what: &str, mut request: impl FnMut(usize) -> Result<(u16, Value), E>) -> (u16, Value, usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut h = start;
    let mut last: String;
    loop {
        let r = request(h);
        if let Ok((code, body)) = &r
            && *code < 500
        {
            return (*code, body.clone(), h);
        }
        let kind = failure_kind(&r);
        last = match r {
            Ok((_, body)) => format!("{kind}: {body}"),
            Err(e) => e.to_string(),
        };
        rush.failed(kind);
        assert!(Instant::now() < deadline, "{what}: no host answered in 60 s; last: {last}");
        h = (h + 1) % urls.len();
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Make a clerk with `linli admin create` in a host's data folder; where
/// the staff are shared by the hall's hosts, the second host finds the
/// name taken, which is as good.
fn clerk_account(data: &std::path::Path, username: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut c = Command::new(linli_tests::linli_binary())
        .args(["admin", "create", "--username", username, "--name", username, "--roles", "clerk", "--password-stdin", "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("linli admin create");
    c.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("password");
    c.wait().expect("admin create ends");
}

/// Start the real `linli serve` on `port` with its warnings and errors in
/// `log` (shown when the test fails), and wait until it answers.
fn spawn_host(data: &std::path::Path, plugins: &std::path::Path, port: u16, log: &std::path::Path) -> std::process::Child {
    let child = std::process::Command::new(linli_tests::linli_binary())
        .args(["serve", "--no-hot-reload", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .arg("--plugins")
        .arg(plugins)
        .env("LINLI_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(log).expect("log file"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("linli starts");
    let url = format!("http://127.0.0.1:{port}/healthz");
    assert!(wait_for(Duration::from_secs(60), || ureq::get(&url).call().ok().map(|_| ())).is_some(), "linli serve came up");
    child
}

/// The ERROR lines of the hosts' logs other than "the store cannot be
/// reached" (for a failing assertion).
fn host_errors(logs: &[std::path::PathBuf]) -> String {
    let expected = ["PostgreSQL unreachable", "cannot be reached", "storage failure; see the host log"];
    logs.iter()
        .flat_map(|l| {
            let text = std::fs::read_to_string(l).unwrap_or_default();
            text.lines().filter(|l| l.contains("ERROR") && !expected.iter().any(|e| l.contains(e))).take(20).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sign in at a window through the login form; `None` when the host does
/// not answer (killed) or refuses.
fn try_sign_in(base: &str, username: &str, window: &str) -> Option<Desk> {
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(10)).build();
    let form = [("username", username), ("password", PASSWORD), ("next", "/"), ("window", window)];
    let r = agent.post(&format!("{base}/login")).send_form(&form).ok().filter(|r| r.status() == 303)?;
    let cookie = r.header("set-cookie")?.split(';').next()?.to_owned();
    let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().ok()?.into_string().ok()?;
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next())?.to_owned();
    Some(Desk { base: base.to_owned(), cookie, csrf })
}

/// A clerk at one window, signed in on each host as it is first needed
/// (and again when a host no longer knows the session).
struct Clerk {
    username: String,
    window: String,
    urls: Arc<Vec<String>>,
    desks: Vec<Option<Desk>>,
}

impl Clerk {
    /// A request of the window on `host`; `Err` when the host did not
    /// answer (or could not sign the clerk in).
    fn request(&mut self, host: usize, post: Option<&str>) -> Result<(u16, Value), String> {
        for _ in 0..2 {
            if self.desks[host].is_none() {
                self.desks[host] = try_sign_in(&self.urls[host], &self.username, &self.window);
            }
            let Some(desk) = &self.desks[host] else { return Err(format!("{}: could not sign in", self.urls[host])) };
            let r = match post {
                Some(action) => desk.post(&format!("/api/queue/counter/{action}"), &json!({"outcome": "done"})),
                None => desk.get("/api/queue/counter"),
            };
            match r {
                Ok((401, _)) => self.desks[host] = None,
                r => return r.map_err(|e| e.to_string()),
            }
        }
        Err(format!("{}: signed out twice", self.urls[host]))
    }
}

/// Three hosts of one hall (real `linli serve` processes), kiosks and
/// windows on all of them at once; one host is killed and PostgreSQL is
/// restarted mid-run.
#[test]
fn three_hosts_in_a_rush_one_killed_and_postgres_restarted_lose_and_repeat_nothing() {
    const KIOSKS: usize = 6;
    const EACH: usize = 25;
    let Some(pg) = postgres() else { return };
    let settings = format!("{OPEN_ALL_DAY}{}", store_settings(&pg, "rush"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut children = Vec::new();
    let mut urls = Vec::new();
    let mut logs = Vec::new();
    let started = Instant::now();
    for h in 0..3 {
        let f = hall_folders(&dir.path().join(format!("host{h}")), &settings, "早高峰");
        for w in 1..=4 {
            clerk_account(&f.data, &format!("clerk{w}"));
        }
        let port = free_port();
        logs.push(dir.path().join(format!("host{h}.log")));
        children.push(spawn_host(&f.data, &f.plugins, port, &logs[h]));
        urls.push(format!("http://127.0.0.1:{port}"));
    }
    eprintln!("three hosts up in {:?}", started.elapsed());
    // A waiting-room screen on host 2, which is killed: it goes on from
    // host 0 after the last event it saw.
    let screen_2 = screen(vec![urls[2].clone(), urls[0].clone()], 0);
    let urls = Arc::new(urls);
    let rush = Arc::new(Rush::default());
    let kiosks_done = Arc::new(AtomicBool::new(false));
    let kiosks: Vec<_> = (0..KIOSKS)
        .map(|k| {
            let (urls, rush) = (urls.clone(), rush.clone());
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let service = ["A", "B", "C"][(k + i) % 3];
                    let key = format!("rush-{k}-{i}");
                    // The same key on every try: a ticket whose answer was
                    // lost with its host is handed back, not issued again.
                    let (code, t, _) = on_any_host(&urls, k % 3, &rush, &key, |h| kiosk_take(&urls[h], service, &key));
                    assert!(code == 201 || code == 200, "{key}: {code} {t}");
                    rush.issued.lock().unwrap().push(label(&t));
                }
            })
        })
        .collect();
    let windows: Vec<_> = (1..=4)
        .map(|w| {
            let (urls, rush, kiosks_done) = (urls.clone(), rush.clone(), kiosks_done.clone());
            let mut clerk = Clerk { username: format!("clerk{w}"), window: w.to_string(), urls: urls.clone(), desks: vec![None, None, None] };
            std::thread::spawn(move || {
                let mut h = w % 3;
                let mut mine: Vec<String> = Vec::new();
                loop {
                    let done = kiosks_done.load(Ordering::SeqCst);
                    let answer = clerk.request(h, Some("call-next"));
                    let current = match answer {
                        Ok((200, r)) => r["ticket"]["ticket"].as_str().map(str::to_owned),
                        Ok((code, r)) if code < 500 => panic!("window {w}: call next: {code} {r}"),
                        failed => {
                            // No answer: whether the call was made is read
                            // back from the window itself, on another host.
                            rush.failed(failure_kind(&failed));
                            let (code, state, at) = on_any_host(&urls, (h + 1) % 3, &rush, "the window's state", |i| clerk.request(i, None));
                            assert_eq!(code, 200, "window {w}: {state}");
                            h = at;
                            state["current"]["ticket"].as_str().map(str::to_owned)
                        }
                    };
                    let Some(label) = current else {
                        if done {
                            return mine;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    if !mine.contains(&label) {
                        mine.push(label.clone());
                        rush.called.lock().unwrap().push(label.clone());
                    }
                    let mut tries = 0;
                    let (code, r, at) = on_any_host(&urls, h, &rush, "finish", |i| {
                        tries += 1;
                        clerk.request(i, Some("finish"))
                    });
                    // A 409 only after a try whose answer was lost (it
                    // finished the ticket already).
                    assert!(code == 200 || (code == 409 && tries > 1), "window {w}: finish {label}: {code} {r}");
                    h = at;
                }
            })
        })
        .collect();

    // Mid-run: kill host 2 (no goodbye: SIGKILL), later restart PostgreSQL.
    let total = KIOSKS * EACH;
    let count = || rush.issued.lock().unwrap().len();
    assert!(wait_for(Duration::from_secs(60), || (count() >= total / 4).then_some(())).is_some(), "the rush started");
    let mut killed = children.pop().expect("host 2");
    killed.kill().expect("kill host 2");
    let _ = killed.wait();
    let at_kill = (count(), rush.called.lock().unwrap().len());
    // Twice: each restart cuts the calls in flight at that moment, and a
    // call refused then must not take the calls kept beside it along.
    let mut restarts = Vec::new();
    for share in [45, 75] {
        assert!(wait_for(Duration::from_secs(60), || (count() >= total * share / 100).then_some(())).is_some(), "the rush went on");
        let at = (count(), rush.called.lock().unwrap().len());
        let outage = Instant::now();
        pg.restart(Duration::from_secs(1)).expect("restart PostgreSQL");
        restarts.push((at, outage.elapsed()));
    }
    for k in kiosks {
        k.join().expect("kiosk thread");
    }
    kiosks_done.store(true, Ordering::SeqCst);
    let mut per_window = Vec::new();
    for w in windows {
        per_window.push(w.join().expect("window thread").len());
    }

    let issued = rush.issued.lock().unwrap().clone();
    let called = rush.called.lock().unwrap().clone();
    eprintln!(
        "rush: {} tickets issued, {} called ({per_window:?} per window) by 3 hosts; host 2 killed at {at_kill:?} (issued, called), \
         PostgreSQL restarted at and down for {restarts:?}; {} requests tried again on another host; {:?} in all",
        issued.len(),
        called.len(),
        rush.retries.load(Ordering::Relaxed),
        started.elapsed()
    );
    // Every failure a client saw was a host gone (no answer) or a clear
    // refusal with nothing kept: "the store cannot be reached" (503), or a
    // call out of its time on these two busy cores (504); never a plugin
    // failure (500) or a request left hanging.
    let failures = rush.failures.lock().unwrap().clone();
    eprintln!("rush: failures seen by clients: {failures:?}");
    let clear = ["no answer", "503 store_unavailable", "504 plugin_timeout"];
    assert!(failures.keys().all(|k| clear.contains(&k.as_str())), "failures other than a lost host or a clear refusal: {failures:?}; the hosts' errors:\n{}", host_errors(&logs));
    assert_eq!(issued.len(), total, "every kiosk request acknowledged");
    let mut seen = BTreeSet::new();
    let twice: Vec<&String> = issued.iter().filter(|l| !seen.insert(*l)).collect();
    if !twice.is_empty() {
        let mut c = pg.client().expect("client");
        let rows: Vec<String> = c
            .query("SELECT label || ' ' || COALESCE(idem_key, '-') || ' ' || status FROM h_rush__queue.tickets WHERE label = ANY($1)", &[&twice.iter().map(|s| s.to_string()).collect::<Vec<_>>()])
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .unwrap_or_default();
        panic!("tickets handed to two requests: {twice:?}; in the database: {rows:?}; all: {issued:?}; the hosts' errors:\n{}", host_errors(&logs));
    }
    assert_contiguous(&issued);
    let (in_db, open) = tickets_in_db(&pg, "rush");
    assert_eq!(in_db, total as i64, "no ticket issued twice for one request (or left behind by a lost one)");
    assert_eq!(called.iter().collect::<BTreeSet<_>>().len(), called.len(), "a ticket was called twice");
    assert_eq!(called.iter().collect::<BTreeSet<_>>(), issued.iter().collect::<BTreeSet<_>>(), "every ticket called, nothing else");
    assert_eq!(open, 0, "every ticket finished");
    // The screen that lost its host saw exactly what the log holds, in
    // order: nothing missed across the move, nothing twice.
    let mut c = pg.client().expect("client");
    let logged: Vec<(i64, String)> = c
        .query("SELECT id, topic FROM linli.events WHERE hall = 'rush' AND topic LIKE 'queue.%' ORDER BY id", &[])
        .expect("the event log")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut shown: Vec<(i64, String)> = Vec::new();
    while shown.len() < logged.len() {
        let Ok(ev) = screen_2.recv_timeout(Duration::from_secs(10)) else { break };
        shown.push((ev["id"].as_i64().unwrap_or(-1), ev["topic"].as_str().unwrap_or_default().to_owned()));
    }
    assert_eq!(shown, logged, "the screen of the killed host, moved to another, against the log");
    let announced: BTreeSet<String> = c
        .query("SELECT payload FROM linli.events WHERE hall = 'rush' AND topic = 'queue.issued'", &[])
        .expect("the event log")
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.get::<_, String>(0)).ok()?["ticket"].as_str().map(str::to_owned))
        .collect();
    let unannounced: Vec<&String> = issued.iter().filter(|t| !announced.contains(*t)).collect();
    eprintln!("rush: the screen saw {} events, as logged; tickets kept without their event (a commit whose answer was lost): {unannounced:?}", shown.len());
    for (i, u) in urls.iter().take(2).enumerate() {
        let (code, _) = linli_tests::http(ureq::get(&format!("{u}/healthz")));
        assert_eq!(code, 200, "host {i} still up");
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}
