//! Shared helpers for the end-to-end tests: the built plugin fixtures, a
//! host served on a real loopback socket, and a staff sign-in.

use linli_host::storage::sqlite::Durability;
use linli_host::{Host, HostConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub mod browser;
/// Certificates made at test time and a TLS-terminating proxy.
pub mod tls;

/// Paths of the wasm fixtures built by `build.rs`.
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// The `[http] metrics_token` every test server has (unless a test sets its own).
// Letters only: tests grep the data folder for digit runs (phone numbers).
pub const METRICS_TOKEN: &str = "test-metrics-token-abcdefghijk";

/// The host's warnings and errors (and the plugins' log lines at those
/// levels) go to the test's captured output, which the test runner shows
/// for a test that fails: a 500 in CI then comes with its cause. Threads
/// the test starts (the server's runtime, the plugins' lanes) inherit the
/// capture. `RUST_LOG` chooses other levels. Lines at INFO and above are
/// also kept (the last few MiB) for [`host_log`].
pub fn host_log_in_test_output() {
    use tracing_subscriber::prelude::*;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let shown = tracing_subscriber::fmt::layer().with_test_writer().with_ansi(false).with_filter(filter);
        let kept = tracing_subscriber::fmt::layer()
            .with_writer(|| KeptLog)
            .with_ansi(false)
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
        let _ = tracing_subscriber::registry().with(shown).with(kept).try_init();
    });
}

/// The host's log lines at INFO and above of this test binary (all its
/// tests, the last few MiB).
pub fn host_log() -> String {
    host_log_in_test_output();
    String::from_utf8_lossy(&KEPT_LOG.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

static KEPT_LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());
const KEPT_LOG_BYTES: usize = 4 << 20;

struct KeptLog;

impl std::io::Write for KeptLog {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut log = KEPT_LOG.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() + b.len() > KEPT_LOG_BYTES {
            let cut = (log.len() + b.len() - KEPT_LOG_BYTES / 2).min(log.len());
            log.drain(..cut);
        }
        log.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A host serving HTTP on 127.0.0.1 with its own data and plugins folders.
pub struct TestServer {
    pub host: Arc<Host>,
    pub url: String,
    pub dir: tempfile::TempDir,
    rt: Option<tokio::runtime::Runtime>,
    _bg: linli_host::serve::Background,
}

impl TestServer {
    /// Start with copies of these wasm files in the plugins folder.
    pub fn start(plugins: &[&str]) -> TestServer {
        Self::start_with_settings(plugins, "")
    }

    /// Start with a `linli.toml` (grants, limits, configuration).
    pub fn start_with_settings(plugins: &[&str], settings_toml: &str) -> TestServer {
        Self::start_full(plugins, settings_toml, None)
    }

    /// Start with plugins, settings and a content folder.
    pub fn start_full(plugins: &[&str], settings_toml: &str, content: Option<PathBuf>) -> TestServer {
        Self::start_custom(plugins, settings_toml, content, Arc::new(linli_host::runtime::capabilities::SystemClock))
    }

    /// Start with everything chosen, including the clock the host reads.
    /// Rate limiting is off unless the settings have an `[http]` table (the
    /// tests fire hundreds of requests from one address).
    pub fn start_custom(plugins: &[&str], settings_toml: &str, content: Option<PathBuf>, clock: Arc<dyn linli_host::runtime::capabilities::Clock>) -> TestServer {
        host_log_in_test_output();
        let settings_toml = if settings_toml.contains("[http]") { settings_toml.to_owned() } else { format!("[http]\nrate_per_minute = 0\n{settings_toml}") };
        // `/metrics` needs a token or a maintainer; the tests read it with the token.
        let settings_toml =
            if settings_toml.contains("metrics_token") { settings_toml } else { settings_toml.replacen("[http]\n", &format!("[http]\nmetrics_token = \"{METRICS_TOKEN}\"\n"), 1) };
        let dir = tempfile::tempdir().expect("tempdir");
        let plugins_dir = dir.path().join("plugins");
        std::fs::create_dir_all(&plugins_dir).unwrap();
        for p in plugins {
            let name = Path::new(p).file_name().unwrap();
            std::fs::copy(p, plugins_dir.join(name)).unwrap();
        }
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("linli.toml"), &settings_toml).unwrap();
        let config = HostConfig {
            data_dir: data,
            plugins_dir,
            content_dir: content,
            durability: Durability::Normal,
            utc_offset_minutes: 480,
            compile_cache: true,
            key_file: None,
        };
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let host = Host::with_clock(config, clock).expect("host starts");
        let (url, bg) = rt.block_on(async {
            let bg = linli_host::serve::start(&host, Duration::from_secs(3600), true).expect("background starts");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = linli_host::http::app(host.clone());
            tokio::spawn(async move { axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await });
            (format!("http://{addr}"), bg)
        });
        TestServer { host, url, dir, rt: Some(rt), _bg: bg }
    }

    pub fn plugins_dir(&self) -> PathBuf {
        self.host.config.plugins_dir.clone()
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        http(ureq::get(&format!("{}{path}", self.url)))
    }

    /// The Prometheus metrics, read with the test servers' metrics token.
    pub fn metrics(&self) -> String {
        http(ureq::get(&format!("{}/metrics", self.url)).set("Authorization", &format!("Bearer {METRICS_TOKEN}"))).1
    }

    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let (s, b) = self.get(path);
        (s, serde_json::from_str(&b).unwrap_or(serde_json::Value::Null))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Send a request; any status is a result, not an error.
pub fn http(req: ureq::Request) -> (u16, String) {
    let req = req.timeout(Duration::from_secs(30));
    match req.call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("request failed: {e}"),
    }
}

/// Send a JSON body; any status is a result.
pub fn http_json(req: ureq::Request, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let req = req.timeout(Duration::from_secs(30));
    let r = match req.send_json(body.clone()) {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("request failed: {e}"),
    };
    (r.0, serde_json::from_str(&r.1).unwrap_or(serde_json::Value::Null))
}

/// A signed-in staff member: the session cookie and the CSRF token.
pub struct Staff {
    pub cookie: String,
    pub csrf: String,
}

/// Create a staff account and sign in through the real login form.
pub fn sign_in(server: &TestServer, username: &str, roles: &[&str]) -> Staff {
    let roles: Vec<String> = roles.iter().map(|s| s.to_string()).collect();
    linli_host::auth::sessions::create_staff(&server.host.db, username, "测试员", "correct horse battery", &roles, server.host.now_ms())
        .expect("create staff");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let resp = agent
        .post(&format!("{}/login", server.url))
        .send_form(&[("username", username), ("password", "correct horse battery"), ("next", "/")])
        .expect("login answers");
    assert_eq!(resp.status(), 303, "login redirects");
    let set_cookie = resp.header("set-cookie").expect("session cookie").to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", server.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    assert!(!csrf.is_empty(), "the page carries a CSRF token");
    Staff { cookie, csrf }
}

/// Poll `f` until it returns Some or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The folders of a hall run by the real `linli serve` in the tests that
/// start it themselves: `data/` with `linli.toml` = `settings`, `plugins/`
/// with the queue plugin, and `content/` with one ticker line `ticker`.
pub struct HallFolders {
    pub data: PathBuf,
    pub plugins: PathBuf,
    pub content: PathBuf,
}

/// Make the [`HallFolders`] under `dir`.
pub fn hall_folders(dir: &Path, settings: &str, ticker: &str) -> HallFolders {
    let (data, plugins, content) = (dir.join("data"), dir.join("plugins"), dir.join("content"));
    for d in [&data, &plugins, &content.join("ticker")] {
        std::fs::create_dir_all(d).expect("folder");
    }
    std::fs::copy(fixtures::PLUGIN_QUEUE, plugins.join("queue.wasm")).expect("copy plugin");
    std::fs::write(data.join("linli.toml"), settings).expect("settings");
    std::fs::write(content.join("ticker/hall.md"), format!("+++\ntitle = \"提示\"\nkind = \"ticker\"\n+++\n{ticker}\n")).expect("ticker");
    HallFolders { data, plugins, content }
}

/// The `linli` binary built next to the tests (`cargo build -p linli`).
pub fn linli_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("linli");
    assert!(bin.exists(), "{} is missing: run `cargo build -p linli` first (scripts/test.sh does)", bin.display());
    bin
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Start the real `linli serve` on `port` with these folders and wait until
/// it answers (so tests can SIGKILL and restart it).
pub fn spawn_linli(data: &Path, plugins: &Path, port: u16) -> std::process::Child {
    spawn_linli_with_content(data, plugins, None, port)
}

/// [`spawn_linli`] with a content folder (`--content`) when one is given.
pub fn spawn_linli_with_content(data: &Path, plugins: &Path, content: Option<&Path>, port: u16) -> std::process::Child {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(linli_binary());
    cmd.args(["serve", "--no-hot-reload", "--listen", &format!("127.0.0.1:{port}"), "--data"]).arg(data).arg("--plugins").arg(plugins);
    if let Some(content) = content {
        cmd.arg("--content").arg(content);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("linli starts");
    let url = format!("http://127.0.0.1:{port}/healthz");
    assert!(wait_for(Duration::from_secs(60), || ureq::get(&url).call().ok().map(|_| ())).is_some(), "linli serve came up");
    child
}

/// Create a staff account with `linli admin create` (password on stdin).
pub fn create_staff_cli(data: &Path, username: &str, roles: &str, password: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut c = Command::new(linli_binary())
        .args(["admin", "create", "--username", username, "--name", username, "--roles", roles, "--password-stdin", "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("linli admin create");
    c.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password");
    assert!(c.wait().expect("admin create ends").success());
}

/// A throwaway PostgreSQL server for one test (`None` after a SKIP line
/// when PostgreSQL is not installed; under CI that fails instead).
pub fn postgres() -> Option<linli_host::testing::pg::Cluster> {
    match linli_host::testing::pg::Cluster::start() {
        Ok(c) => Some(c),
        Err(e) => {
            linli_shared::skip::unavailable(&format!("no PostgreSQL server for the test: {e}"));
            None
        }
    }
}

/// The `[store]` table that puts a host's plugin SQL in `cluster`, as
/// hall `hall`.
pub fn store_settings(cluster: &linli_host::testing::pg::Cluster, hall: &str) -> String {
    format!("\n[store]\nbackend = \"postgres\"\npostgres_url = \"{}\"\nhall = \"{hall}\"\n", cluster.url())
}

/// `YYYY-MM-DD`, `days` after the host's today in the hall (+08:00).
pub fn today_plus(s: &TestServer, days: i64) -> String {
    linli_shared::calendar::Date::of_ms(s.host.now_ms() + days * 86_400_000, 480).to_string()
}

/// Copy a folder and everything in it (a test's own copy of `content/`).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
