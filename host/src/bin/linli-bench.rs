//! `linli-bench`: figures for the README, measured side by side in one run.
//!
//! 1. Sandbox cost per request: instantiate + handle + drop of a real plugin
//!    (`notices`, a storage-read route) against the same handler logic
//!    compiled natively (the same SQLite read and JSON work, no sandbox).
//! 2. Host start time with 12 plugins (copies of the example), cold (every
//!    plugin compiled) and warm (from the on-disk compile cache).
//! 3. HTTP throughput and latency to a plugin route: the real `linli serve`
//!    process and a load generator on loopback; with `--store both
//!    --hosts 2`, the storage-read route on SQLite, on PostgreSQL with one
//!    host and with two hosts of one hall, with CPU per request.
//! 4. `--only queue`: issue + call pairs through the queue plugin (same
//!    `--store` and `--hosts` choices).
//!
//! Run: `cargo build --release -p linli && target/release/linli-bench --plugin plugins/dist/notices.wasm`

use linli_host::runtime::bindings::ToWit;
use linli_host::auth::Caller;
use linli_host::registry::Routed;
use linli_host::runtime::bindings::types;
use linli_host::storage::KvStore;
use linli_host::storage::sqlite::Durability;
use linli_host::{Host, HostConfig};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let plugin = arg(&args, "--plugin").unwrap_or_else(|| "plugins/dist/notices.wasm".into());
    let secs: u64 = arg(&args, "--seconds").and_then(|s| s.parse().ok()).unwrap_or(10);
    let conns: usize = arg(&args, "--connections").and_then(|s| s.parse().ok()).unwrap_or(16);
    let plugin = PathBuf::from(plugin);
    anyhow::ensure!(plugin.exists(), "{} not found: run scripts/build-plugins.sh first", plugin.display());
    println!("linli-bench · {} · {} CPUs", plugin.display(), std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    // `--only queue` (or sandbox, startup, http) runs one part.
    let only = arg(&args, "--only");
    let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if part("sandbox") {
        sandbox_cost(&plugin)?;
    }
    if part("startup") {
        startup(&plugin)?;
    }
    // `--store postgres` puts the plugins' data in a throwaway PostgreSQL
    // server (a district's backend), `--store both` runs SQLite and then
    // PostgreSQL, side by side in one run; `--hosts 2` adds two hosts of
    // one hall on PostgreSQL.
    let stores: Vec<bool> = match arg(&args, "--store").as_deref() {
        Some("postgres") => vec![true],
        Some("both") => vec![false, true],
        _ => vec![false],
    };
    let hosts: usize = arg(&args, "--hosts").and_then(|s| s.parse().ok()).unwrap_or(1);
    if part("http") {
        http_load(&plugin, secs, conns)?;
        if stores.contains(&true) {
            http_store_compare(&plugin, secs, conns, &stores, hosts)?;
        }
    }
    let queue = plugin.with_file_name("queue.wasm");
    if part("queue-inproc") && queue.exists() {
        queue_inproc(&queue)?;
    }
    if !part("queue") {
    } else if queue.exists() {
        // `--windows N`, or 5, 10 and 20 windows (a community hall to a
        // street hall) one after another.
        let windows: Vec<usize> = match arg(&args, "--windows").and_then(|s| s.parse().ok()) {
            Some(n) => vec![n],
            None => vec![5, 10, 20],
        };
        for n in windows {
            for &pg in &stores {
                let cluster = if pg {
                    Some(linli_host::testing::pg::Cluster::start().map_err(|e| anyhow::anyhow!("--store postgres: {e}"))?)
                } else {
                    None
                };
                // `--separate-finish`: the clerk finishes with its own request.
                queue_load(&queue, secs, n, args.iter().any(|a| a == "--separate-finish"), cluster.as_ref(), 1)?;
                if pg && hosts > 1 {
                    queue_load(&queue, secs, n, args.iter().any(|a| a == "--separate-finish"), cluster.as_ref(), hosts)?;
                }
            }
        }
    } else {
        println!("\n(queue.wasm not found beside {}: queue benchmark skipped)", plugin.display());
    }
    Ok(())
}

/// Issue + call throughput through the queue plugin's HTTP API: each of the
/// windows' clerks loops "a kiosk issues a ticket for one of the window's
/// services → the window finishes its current ticket and calls the next"
/// (完成并叫下一位, one request), or with `separate_finish` "→ calls next
/// → finishes it" (two requests).
fn queue_load(wasm: &Path, secs: u64, windows: usize, separate_finish: bool, pg: Option<&linli_host::testing::pg::Cluster>, hosts: usize) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let linli = exe.with_file_name("linli");
    // `hosts` hosts of one hall (with PostgreSQL; each its own data folder,
    // the hall's staff shared through PostgreSQL); window i's clerk uses host i % hosts.
    let hosts = if pg.is_some() { hosts.max(1) } else { 1 };
    let mut halls = Vec::new();
    for _ in 0..hosts {
        let (dir, plugins, data) = queue_hall(wasm, windows)?;
        if let Some(c) = pg {
            let mut toml = std::fs::read_to_string(data.join("linli.toml"))?;
            toml.push_str(&format!("\n[store]\nbackend = \"postgres\"\npostgres_url = \"{}\"\nhall = \"bench\"\n", c.url()));
            std::fs::write(data.join("linli.toml"), toml)?;
        }
        halls.push((dir, plugins, data));
    }
    let store = match (pg.is_some(), hosts) {
        (false, _) => "SQLite (the queue's file)".to_owned(),
        (true, 1) => "PostgreSQL (the queue's schema, same machine), one host".to_owned(),
        (true, n) => format!("PostgreSQL (the queue's schema, same machine), {n} hosts of one hall"),
    };
    let windows: Vec<String> = (1..=windows).map(|w| w.to_string()).collect();
    let mut children = Vec::new();
    let mut ports = Vec::new();
    for (i, (_, plugins, data)) in halls.iter().enumerate() {
        // On PostgreSQL the hall's hosts share their staff: made once.
        if i == 0 || pg.is_none() {
            let host = host_in(data, plugins, true)?;
            for w in &windows {
                linli_host::auth::sessions::create_staff(&host.db, &format!("clerk{w}"), &format!("窗口{w}"), "correct horse battery", &["clerk".into()], host.now_ms())?;
            }
        }
        let (child, port) = spawn_serve(&linli, data, plugins)?;
        children.push(child);
        ports.push(port);
    }
    let port = ports[0];
    let all_cpu = |children: &[std::process::Child]| -> Option<(f64, f64, f64)> {
        children.iter().try_fold((0.0, 0.0, 0.0), |acc, c| process_cpu(c.id()).map(|x| (acc.0 + x.0, acc.1 + x.1, acc.2 + x.2)))
    };
    let cpu_before = all_cpu(&children);
    let pg_before = pg.and_then(|c| c.server_cpu_seconds());
    let deadline = Instant::now() + Duration::from_secs(secs);
    let threads: Vec<_> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let w = w.to_string();
            let port = ports[i % ports.len()];
            std::thread::spawn(move || -> anyhow::Result<(Vec<f64>, Vec<f64>, usize, usize)> {
                let mut c = Conn::open(port)?;
                let form = format!("username=clerk{w}&password=correct+horse+battery&window={w}");
                let (_, head, _) = c.request("POST", "/login", &[("content-type", "application/x-www-form-urlencoded")], form.as_bytes())?;
                let cookie = head
                    .lines()
                    .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
                    .and_then(|v| v.split(';').next())
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow::anyhow!("no session cookie for clerk{w}"))?;
                let (_, _, page) = c.request("GET", "/", &[("cookie", &cookie)], b"")?;
                let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
                let service = window_service(w.parse().unwrap_or(1));
                let (mut issue, mut call, mut cycles, mut errors) = (vec![], vec![], 0, 0);
                let json = [("content-type", "application/json")];
                let staff = [("content-type", "application/json"), ("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let (s1, _, _) = c.request("POST", "/api/queue/tickets", &json, format!("{{\"service\":\"{service}\"}}").as_bytes())?;
                    issue.push(t.elapsed().as_secs_f64() * 1e3);
                    let t = Instant::now();
                    let (s2, _, _) = if separate_finish {
                        c.request("POST", "/api/queue/counter/call-next", &staff, b"{}")?
                    } else {
                        // 完成并叫下一位: the previous ticket is finished by the same request.
                        c.request("POST", "/api/queue/counter/finish-next", &staff, b"{}")?
                    };
                    call.push(t.elapsed().as_secs_f64() * 1e3);
                    let s3 = if separate_finish { c.request("POST", "/api/queue/counter/finish", &staff, b"{}")?.0 } else { 200 };
                    if s1 == 201 && s2 == 200 && s3 == 200 { cycles += 1 } else { errors += 1 }
                }
                Ok((issue, call, cycles, errors))
            })
        })
        .collect();
    let (mut issue, mut call, mut cycles, mut errors) = (vec![], vec![], 0, 0);
    for t in threads {
        match t.join() {
            Ok(Ok((i, c, n, e))) => {
                issue.extend(i);
                call.extend(c);
                cycles += n;
                errors += e;
            }
            Ok(Err(e)) => println!("a window failed: {e:#}"),
            Err(_) => println!("a window thread panicked"),
        }
    }
    // What one plugin call costs on average, from the host's own metrics.
    let per_call = Conn::open(port).and_then(|mut c| c.request("GET", "/metrics", &[("authorization", "Bearer linli-bench-metrics-token")], b"")).map(|(_, _, m)| {
        let get = |name: &str| m.lines().find(|l| l.starts_with(&format!("{name}{{plugin=\"queue\"}}"))).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let calls = get("linli_plugin_calls_total").max(1.0);
        let per_commit = get("linli_plugin_sql_committed_calls_total") / get("linli_plugin_sql_commits_total").max(1.0);
        (get("linli_plugin_call_seconds_total") / calls * 1e3, get("linli_plugin_host_calls_total") / calls, per_commit)
    });
    let cpu_after = all_cpu(&children);
    let pg_after = pg.and_then(|c| c.server_cpu_seconds());
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    let calls = (cycles + errors) as f64 * if separate_finish { 3.0 } else { 2.0 };
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        println!(
            "(CPU of `linli serve`: {:.0} µs per request in all; {:.0} µs of it on the queue plugin's lane, busy {:.0} % of the run; {:.0} µs on its second thread)",
            (b.0 - a.0) / calls * 1e6,
            (b.1 - a.1) / calls * 1e6,
            (b.1 - a.1) / secs as f64 * 100.0,
            (b.2 - a.2) / calls * 1e6
        );
    }
    if let (Some(a), Some(b)) = (pg_before, pg_after) {
        println!("(CPU of the PostgreSQL server: {:.0} µs per request)", (b - a) / calls * 1e6);
    }
    if let Ok((ms, hc, per_commit)) = per_call {
        println!("(inside the sandbox: {ms:.2} ms and {hc:.1} host calls per queue request on average; {per_commit:.2} calls per commit)");
    }
    let (i50, i99) = summarize(issue);
    let (c50, c99) = summarize(call);
    let (loop_text, call_path) = if separate_finish {
        ("issue → call next → finish", "call next (POST /api/queue/counter/call-next)")
    } else {
        ("issue → finish the current ticket and call the next (one request)", "finish + call next (POST /api/queue/counter/finish-next)")
    };
    println!("\n## Queue through HTTP on {store}: {} windows, each looping {loop_text} ({secs} s)", windows.len());
    println!("| | per second | p50 ms | p99 ms |\n|---|---|---|---|");
    println!("| issue + call pairs (each call finishing the window's previous ticket) | {:.0} | | |", cycles as f64 / secs as f64);
    println!("| issue a ticket (POST /api/queue/tickets) | | {i50:.2} | {i99:.2} |");
    println!("| {call_path} | | {c50:.2} | {c99:.2} |");
    println!("cycles with an unexpected status: {errors}");
    Ok(())
}

/// The queue's issue → call → finish cycle called in-process, one at a time:
/// what the plugin itself costs, without HTTP, sessions or other requests.
fn queue_inproc(wasm: &Path) -> anyhow::Result<()> {
    let (_dir, plugins, data) = queue_hall(wasm, 5)?;
    let host = host_in(&data, &plugins, true)?;
    host.load_all()?;
    let kiosk = Caller::anonymous("zh-CN");
    let clerk = Caller {
        kind: linli_host::auth::CallerKind::Staff,
        id: Some("1".into()),
        name: Some("窗口1".into()),
        roles: vec!["clerk".into()],
        window: Some("1".into()),
        lang: "zh-CN".into(),
    };
    let call = |caller: &Caller, path: &str, body: &str| -> anyhow::Result<(u16, f64)> {
        let snap = host.registry.snapshot();
        let Routed::Found { target, params } = snap.route("POST", path) else { anyhow::bail!("no route {path}") };
        let req = types::Request {
            method: "POST".into(),
            path: path.into(),
            route: target.route.path.clone(),
            params,
            query: String::new(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            caller: caller.to_wit(),
        };
        let t = Instant::now();
        let r = target.plugin.handle(caller, req).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((r.status, t.elapsed().as_secs_f64() * 1e3))
    };
    let n = 3000;
    let (mut ti, mut tc, mut tf) = (vec![], vec![], vec![]);
    for i in 0..n {
        let (s1, a) = call(&kiosk, "/api/queue/tickets", "{\"service\":\"A\"}")?;
        let (s2, b) = call(&clerk, "/api/queue/counter/call-next", "{}")?;
        let (s3, c) = call(&clerk, "/api/queue/counter/finish", "{}")?;
        anyhow::ensure!(s1 == 201 && s2 == 200 && s3 == 200, "cycle {i}: statuses {s1} {s2} {s3}");
        if i >= 200 {
            ti.push(a);
            tc.push(b);
            tf.push(c);
        }
    }
    let snap = host.registry.snapshot();
    let Routed::Found { target, .. } = snap.route("POST", "/api/queue/tickets") else { anyhow::bail!("no queue") };
    let h = &target.plugin.health;
    let health = Some((h.calls.load(std::sync::atomic::Ordering::Relaxed), h.host_calls.load(std::sync::atomic::Ordering::Relaxed)));
    // What every queue call pays before its own work: a fresh instance,
    // the configuration parsed, the schema version checked (a route the
    // plugin does not know, so it answers 404 at once).
    let mut tb = vec![];
    for _ in 0..2000 {
        let req = types::Request {
            method: "GET".into(),
            path: "/none".into(),
            route: "/none".into(),
            params: vec![],
            query: String::new(),
            headers: vec![],
            body: vec![],
            caller: kiosk.to_wit(),
        };
        let t = Instant::now();
        target.plugin.handle(&kiosk, req).map_err(|e| anyhow::anyhow!("{e}"))?;
        tb.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (b50, b99) = summarize(tb);
    let (i50, i99) = summarize(ti);
    let (c50, c99) = summarize(tc);
    let (f50, f99) = summarize(tf);
    println!("\n## Queue in-process, one call at a time ({} cycles after 200 warm-up)", n - 200);
    println!("| call | p50 ms | p99 ms |\n|---|---|---|");
    println!("| issue | {i50:.3} | {i99:.3} |\n| call next | {c50:.3} | {c99:.3} |\n| finish | {f50:.3} | {f99:.3} |");
    println!("| (every call's share: instance + configuration + schema check) | {b50:.3} | {b99:.3} |");
    if let Some((calls, host_calls)) = health {
        println!("host calls per plugin call: {:.1}", host_calls as f64 / calls.max(1) as f64);
    }
    Ok(())
}

/// A temporary hall with the queue plugin: (the folder, plugins, data).
/// No daily limits or closing time, no per-client rate limit (every
/// simulated kiosk is on 127.0.0.1).
fn queue_hall(wasm: &Path, windows: usize) -> anyhow::Result<(tempfile::TempDir, PathBuf, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins)?;
    std::fs::copy(wasm, plugins.join("queue.wasm"))?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(data.join("linli.toml"), queue_config(windows))?;
    Ok((dir, plugins, data))
}

/// The benchmark hall: four services, open all day, no limits.
fn queue_config(windows: usize) -> String {
    let mut cfg = String::from("[http]\nrate_per_minute = 0\nmetrics_token = \"linli-bench-metrics-token\"\n[plugins.queue.config]\nhours = { open = \"00:00\", close = \"23:59\", last_ticket = \"23:59\", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false }\n");
    for (code, name) in [("A", "民政事务"), ("B", "劳动保障"), ("C", "卫生健康"), ("D", "综合")] {
        cfg.push_str(&format!("[[plugins.queue.config.services]]\ncode = \"{code}\"\nname_zh = \"{name}\"\nname_en = \"{code}\"\ndaily_limit = 0\n"));
    }
    // Windows 1 and 2 serve A, then B, C, D, and round again.
    for w in 1..=windows.max(5) {
        cfg.push_str(&format!("[[plugins.queue.config.windows]]\nnumber = \"{w}\"\nservices = [\"{}\"]\n", window_service(w)));
    }
    cfg
}

fn window_service(window: usize) -> &'static str {
    ["A", "A", "B", "C", "D"][(window.max(1) - 1) % 5]
}

/// Start the real `linli serve` on a free port and wait until it accepts.
fn spawn_serve(linli: &Path, data: &Path, plugins: &Path) -> anyhow::Result<(std::process::Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = std::process::Command::new(linli)
        .args(["serve", "--no-hot-reload", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .arg("--plugins")
        .arg(plugins)
        // LINLI_BENCH_LOG=<filter>: the server's log, on the bench's stderr.
        .env("LINLI_LOG", std::env::var("LINLI_BENCH_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(if std::env::var_os("LINLI_BENCH_LOG").is_some() { std::io::stderr().into() } else { std::process::Stdio::null() })
        .spawn()?;
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(start.elapsed() < Duration::from_secs(30), "linli serve did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((child, port))
}

/// CPU seconds used so far by process `pid` in all, by its queue lane
/// thread (`lane-queue`) and by that lane's second thread
/// (`lane-queue-out`), from /proc (Linux); None elsewhere.
fn process_cpu(pid: u32) -> Option<(f64, f64, f64)> {
    let tick = 100.0; // USER_HZ on Linux
    let secs = |stat: &str| -> Option<f64> {
        // Fields after the command name: state is 3rd, utime 14th, stime 15th.
        let rest = stat.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / tick)
    };
    let all = secs(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    let (mut lane, mut out) = (0.0, 0.0);
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        let cpu = || std::fs::read_to_string(t.path().join("stat")).ok().as_deref().and_then(secs).unwrap_or(0.0);
        match comm.trim() {
            "lane-queue" => lane += cpu(),
            "lane-queue-out" => out += cpu(),
            _ => {}
        }
    }
    Some((all, lane, out))
}

/// One keep-alive HTTP/1.1 connection for the benchmark clients.
struct Conn {
    s: std::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(port: u16) -> anyhow::Result<Conn> {
        let s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        s.set_nodelay(true)?;
        Ok(Conn { s, buf: vec![0u8; 256 * 1024] })
    }

    /// Send a request; returns (status, head, body).
    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> anyhow::Result<(u16, String, String)> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        self.s.write_all(req.as_bytes())?;
        self.s.write_all(body)?;
        let mut have = 0;
        loop {
            let n = self.s.read(&mut self.buf[have..])?;
            anyhow::ensure!(n > 0, "connection closed");
            have += n;
            if let Some(end) = self.buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                    .unwrap_or(0);
                while have < end + 4 + len {
                    let n = self.s.read(&mut self.buf[have..])?;
                    anyhow::ensure!(n > 0, "connection closed");
                    have += n;
                }
                let body = String::from_utf8_lossy(&self.buf[end + 4..end + 4 + len]).into_owned();
                return Ok((status, head, body));
            }
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn host_in(dir: &Path, plugins: &Path, cache: bool) -> anyhow::Result<Arc<Host>> {
    Host::new(HostConfig {
        data_dir: dir.to_owned(),
        plugins_dir: plugins.to_owned(),
        content_dir: None,
        durability: Durability::Normal,
        utc_offset_minutes: 480,
        compile_cache: cache,
        key_file: None,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summarize(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (percentile(&v, 0.5), percentile(&v, 0.99))
}

fn sandbox_cost(wasm: &Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins)?;
    std::fs::copy(wasm, plugins.join("notices.wasm"))?;
    let host = host_in(&dir.path().join("data"), &plugins, false)?;
    host.load_all()?;
    let notice = serde_json::json!({"id": 1, "title": "停水通知", "body": "周三 9:00-12:00 停水", "pinned": false, "author": "编辑", "created": 0});
    host.db.kv_set("notices", "notice/0000000001", notice.to_string().as_bytes())?;
    let snap = host.registry.snapshot();
    let Routed::Found { target, params } = snap.route("GET", "/api/notices/1") else { anyhow::bail!("route missing") };
    let caller = Caller::anonymous("zh-CN");
    let req = |path: &str, params: Vec<(String, String)>| types::Request {
        method: "GET".into(),
        path: path.into(),
        route: "/api/notices/{id}".into(),
        params,
        query: String::new(),
        headers: vec![],
        body: vec![],
        caller: caller.to_wit(),
    };
    let n = 20_000;
    // Warm up both paths.
    for _ in 0..500 {
        target.plugin.handle(&caller, req("/api/notices/1", params.clone())).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let native = |db: &linli_host::storage::sqlite::SqliteStorage| -> Vec<u8> {
        // The notices handler's work, natively: read, decode, encode.
        let bytes = db.kv_get("notices", "notice/0000000001").ok().flatten().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        serde_json::to_vec(&v).unwrap_or_default()
    };
    let mut t_native = Vec::with_capacity(n);
    let mut t_sandbox = Vec::with_capacity(n);
    let mut t_empty = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(native(host.db.local()));
        t_native.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let r = target.plugin.handle(&caller, req("/api/notices/1", params.clone()));
        t_sandbox.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(r.ok());
        // A route that returns at once (400 for a bad id): instantiate + call + drop only.
        let t = Instant::now();
        let r = target.plugin.handle(&caller, req("/api/notices/x", vec![("id".into(), "x".into())]));
        t_empty.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(r.ok());
    }
    let mut t_wasi = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(wasmtime_wasi::WasiCtx::builder().build());
        t_wasi.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (w50, _) = summarize(t_wasi);
    println!("(of which building a WASI context: p50 {w50:.1} µs)");
    let (n50, n99) = summarize(t_native);
    let (s50, s99) = summarize(t_sandbox);
    let (e50, e99) = summarize(t_empty);
    println!("\n## Sandbox cost per request ({n} requests each, interleaved)");
    println!("| path | p50 µs | p99 µs |\n|---|---|---|");
    println!("| native handler (kv read, from the host's kv cache after the first, + JSON) | {n50:.1} | {n99:.1} |");
    println!("| sandboxed plugin, storage-read route (instantiate + handle + drop) | {s50:.1} | {s99:.1} |");
    println!("| sandboxed plugin, no host call (instantiate + handle + drop) | {e50:.1} | {e99:.1} |");
    println!("sandbox overhead (p50, storage route − native): {:.1} µs; ratio {:.1}×", s50 - n50, s50 / n50.max(0.001));
    Ok(())
}

/// Copies of the example with distinct ids: `notices` → `notic01` … (same
/// length, so the component stays valid; routes and topics follow the id).
fn copies(wasm: &Path, dir: &Path, n: usize) -> anyhow::Result<()> {
    let bytes = std::fs::read(wasm)?;
    for i in 1..=n {
        let id = format!("notic{i:02}");
        let mut b = bytes.clone();
        let mut j = 0;
        while j + 7 <= b.len() {
            if &b[j..j + 7] == b"notices" {
                b[j..j + 7].copy_from_slice(id.as_bytes());
            }
            j += 1;
        }
        std::fs::write(dir.join(format!("{id}.wasm")), b)?;
    }
    Ok(())
}

fn startup(wasm: &Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins)?;
    copies(wasm, &plugins, 12)?;
    let mut cold = vec![];
    let mut warm = vec![];
    for run in 0..3 {
        let data = dir.path().join(format!("data{run}"));
        let t = Instant::now();
        let host = host_in(&data, &plugins, true)?;
        let outcomes = host.load_all()?;
        cold.push(t.elapsed().as_secs_f64() * 1e3);
        let loaded = host.registry.snapshot().plugins.len();
        anyhow::ensure!(loaded == 12, "only {loaded} of 12 copies loaded: {outcomes:?}");
        drop(host);
        for _ in 0..3 {
            let t = Instant::now();
            let host = host_in(&data, &plugins, true)?;
            host.load_all()?;
            warm.push(t.elapsed().as_secs_f64() * 1e3);
            anyhow::ensure!(host.registry.snapshot().plugins.len() == 12);
        }
    }
    let (c50, _) = summarize(cold);
    let (w50, _) = summarize(warm);
    println!("\n## Host start with 12 plugins (engine, SQLite, load, validate, link)");
    println!("| start | median ms |\n|---|---|");
    println!("| cold (compile every plugin) | {c50:.0} |");
    println!("| warm (on-disk compile cache) | {w50:.0} |");
    Ok(())
}

fn http_load(wasm: &Path, secs: u64, conns: usize) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let linli = exe.with_file_name("linli");
    anyhow::ensure!(linli.exists(), "{} is missing: cargo build --release -p linli", linli.display());
    let dir = tempfile::tempdir()?;
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins)?;
    std::fs::copy(wasm, plugins.join("notices.wasm"))?;
    let data = dir.path().join("data");
    {
        let host = host_in(&data, &plugins, true)?;
        let notice = serde_json::json!({"id": 1, "title": "停水通知", "body": "周三 9:00-12:00 停水", "pinned": false, "author": "编辑", "created": 0});
        host.db.kv_set("notices", "notice/0000000001", notice.to_string().as_bytes())?;
    }
    let (mut child, port) = spawn_serve(&linli, &data, &plugins)?;
    println!("\n## HTTP on loopback: `linli serve` and a load generator ({conns} keep-alive connections, {secs} s each, same 2 cores)");
    println!("| route | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
    for path in ["/healthz", "/api/notices/1"] {
        let (rps, p50, p99, errors) = load(&[port], path, secs, conns);
        println!("| GET {path} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} |");
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

/// The storage-read route (`GET /api/notices/1`: the notices plugin reads
/// one key-value entry and answers it) on each store of `stores` (SQLite;
/// PostgreSQL with one host, and with `hosts` hosts of one hall taking the
/// connections in turn): requests/s, latency, and the CPU each request
/// costs the hosts and the database server (two cores cannot show a
/// speed-up from more hosts; CPU per request says what a district needs).
fn http_store_compare(wasm: &Path, secs: u64, conns: usize, stores: &[bool], hosts: usize) -> anyhow::Result<()> {
    let linli = std::env::current_exe()?.with_file_name("linli");
    anyhow::ensure!(linli.exists(), "{} is missing: cargo build --release -p linli", linli.display());
    println!("\n## The storage-read route by store ({conns} keep-alive connections, {secs} s each, same 2 cores)");
    println!("| store | requests/s | p50 ms | p99 ms | errors | host CPU µs/request | PostgreSQL CPU µs/request |\n|---|---|---|---|---|---|---|");
    let mut runs: Vec<(bool, usize)> = stores.iter().map(|&pg| (pg, 1)).collect();
    if stores.contains(&true) && hosts > 1 {
        runs.push((true, hosts));
    }
    for (pg, n) in runs {
        let cluster = if pg { Some(linli_host::testing::pg::Cluster::start().map_err(|e| anyhow::anyhow!("--store postgres: {e}"))?) } else { None };
        let mut dirs = Vec::new();
        let mut children = Vec::new();
        let mut ports = Vec::new();
        for i in 0..n {
            let dir = tempfile::tempdir()?;
            let plugins = dir.path().join("plugins");
            let data = dir.path().join("data");
            std::fs::create_dir_all(&plugins)?;
            std::fs::create_dir_all(&data)?;
            std::fs::copy(wasm, plugins.join("notices.wasm"))?;
            if let Some(c) = &cluster {
                std::fs::write(data.join("linli.toml"), format!("[store]\nbackend = \"postgres\"\npostgres_url = \"{}\"\nhall = \"bench\"\n", c.url()))?;
            }
            // One hall's data: seeded once (on PostgreSQL the hosts share it).
            if i == 0 {
                let host = host_in(&data, &plugins, true)?;
                let notice = serde_json::json!({"id": 1, "title": "停水通知", "body": "周三 9:00-12:00 停水", "pinned": false, "author": "编辑", "created": 0});
                host.services.storage.kv_set("notices", "notice/0000000001", notice.to_string().as_bytes())?;
            }
            let (child, port) = spawn_serve(&linli, &data, &plugins)?;
            children.push(child);
            ports.push(port);
            dirs.push(dir);
        }
        let cpu = |children: &[std::process::Child]| children.iter().try_fold(0.0, |acc, c| process_cpu(c.id()).map(|x| acc + x.0));
        let (host_before, pg_before) = (cpu(&children), cluster.as_ref().and_then(|c| c.server_cpu_seconds()));
        let (rps, p50, p99, errors) = load(&ports, "/api/notices/1", secs, conns);
        let (host_after, pg_after) = (cpu(&children), cluster.as_ref().and_then(|c| c.server_cpu_seconds()));
        let requests = (rps * secs as f64).max(1.0);
        let per = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.0}", (b - a) / requests * 1e6),
            _ => "–".into(),
        };
        let store = match (pg, n) {
            (false, _) => "SQLite, one host".to_owned(),
            (true, 1) => "PostgreSQL, one host".to_owned(),
            (true, n) => format!("PostgreSQL, {n} hosts of one hall"),
        };
        println!("| {store} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | {} | {} |", per(host_before, host_after), per(pg_before, pg_after));
        for mut c in children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
    Ok(())
}

/// Closed-loop load: each connection sends the next request when the last
/// answer arrived. Returns (req/s, p50 ms, p99 ms, errors).
fn load(ports: &[u16], path: &str, secs: u64, conns: usize) -> (f64, f64, f64, usize) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let threads: Vec<_> = (0..conns)
        .map(|i| {
            let req = req.clone();
            let path = path.to_owned();
            // Connections take the hosts in turn, as a load balancer would.
            let port = ports[i % ports.len()];
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut errors = 0;
                let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return (lat, 1) };
                let _ = s.set_nodelay(true);
                let mut buf = vec![0u8; 64 * 1024];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if s.write_all(req.as_bytes()).is_err() {
                        errors += 1;
                        break;
                    }
                    match read_response(&mut s, &mut buf) {
                        Some(200) => lat.push(t.elapsed().as_secs_f64() * 1e3),
                        Some(code) => {
                            if errors == 0 {
                                eprintln!("(GET {path}: answered {code})");
                            }
                            errors += 1;
                        }
                        None => {
                            eprintln!("(GET {path}: the connection closed or the answer could not be read)");
                            errors += 1;
                            break;
                        }
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        if let Ok((l, e)) = t.join() {
            all.extend(l);
            errors += e;
        }
    }
    let n = all.len();
    let (p50, p99) = summarize(all);
    (n as f64 / secs as f64, p50, p99, errors)
}

/// Read one HTTP/1.1 response with a Content-Length body; returns the status.
fn read_response(s: &mut std::net::TcpStream, buf: &mut [u8]) -> Option<u16> {
    let mut have = 0;
    loop {
        let n = s.read(&mut buf[have..]).ok()?;
        if n == 0 {
            return None;
        }
        have += n;
        let text = &buf[..have];
        if let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&text[..end]).ok()?;
            let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
            let len: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while have < end + 4 + len {
                let n = s.read(&mut buf[have..]).ok()?;
                if n == 0 {
                    return None;
                }
                have += n;
            }
            return Some(status);
        }
    }
}
