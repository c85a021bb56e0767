//! The Debian packages (issue 18.5): `scripts/package.sh --profile dev`
//! builds `linli` and `linli-signage` from the debug binaries already built;
//! dpkg installs them into a root folder of their own (`dpkg --root DIR
//! --force-script-chrootless`: the maintainer scripts run with DPKG_ROOT=DIR
//! and touch nothing of this machine); the host is started from the
//! installed files exactly as the installed unit's ExecStart says (paths
//! taken inside DIR); the package is upgraded to a rebuilt version and the
//! data, the settings and the content are still there.

use linli_tests::{free_port, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";
const METRICS_TOKEN: &str = "package-test-metrics-token";

fn has_program(name: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {name}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// `scripts/package.sh --profile dev`, against the target folder these tests
/// were built in; the .deb files it wrote.
fn package(target: &Path, out: &Path, version: &str, only: Option<&str>) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(out);
    let mut cmd = Command::new("bash");
    cmd.current_dir(repo_root()).arg("scripts/package.sh").args(["--profile", "dev", "--version", version, "--out"]).arg(out);
    if let Some(p) = only {
        cmd.args(["--only", p]);
    }
    let o = cmd.env("CARGO_TARGET_DIR", target).output().expect("bash runs scripts/package.sh");
    assert!(
        o.status.success(),
        "scripts/package.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let mut debs: Vec<PathBuf> = std::fs::read_dir(out).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "deb")).collect();
    debs.sort();
    debs
}

/// The packages of version 0.1.0-1 (both) and 0.1.0-2 (the host's: the
/// same package rebuilt with a higher version), built once for the tests
/// here (in the target folder, replaced on each run).
fn packages() -> &'static (Vec<PathBuf>, Vec<PathBuf>) {
    static DEBS: std::sync::OnceLock<(Vec<PathBuf>, Vec<PathBuf>)> = std::sync::OnceLock::new();
    DEBS.get_or_init(|| {
        let target = linli_tests::linli_binary().parent().and_then(Path::parent).expect("target folder").to_path_buf();
        let dir = target.join("package-test");
        let v1 = package(&target, &dir.join("v1"), "0.1.0-1", None);
        let v2 = package(&target, &dir.join("v2"), "0.1.0-2", Some("linli"));
        (v1, v2)
    })
}

/// A root folder as a fresh Debian system has it for dpkg: an empty package
/// database and the passwd and group files of base-passwd.
fn fresh_root(root: &Path) {
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log", "etc"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\n").unwrap();
}

/// `dpkg -i` into `root` only: the maintainer scripts run unchrooted with
/// DPKG_ROOT set (they prefix every path with it); the log goes inside the
/// root too (dpkg's default is this machine's /var/log/dpkg.log). The
/// dependencies (libc6, passwd…) are not in the empty root's database.
fn dpkg_install(root: &Path, debs: &[PathBuf]) -> String {
    let o = Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .arg(format!("--log={}", root.join("var/log/dpkg.log").display()))
        .args(["--force-not-root", "--force-script-chrootless", "--force-depends", "--force-confold", "-i"])
        .args(debs)
        .stdin(Stdio::null())
        .output()
        .expect("dpkg runs");
    let text = format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "dpkg -i {debs:?} failed:\n{text}");
    text
}

fn installed_version(root: &Path, pkg: &str) -> String {
    let o = Command::new("dpkg-query")
        .arg(format!("--admindir={}", root.join("var/lib/dpkg").display()))
        .args(["-W", "-f=${Version} ${Status}", pkg])
        .output()
        .expect("dpkg-query runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The uid and gid of the service user `linli` in the root's passwd file
/// when this test runs as root (the service and `linli admin create` then
/// run as that user, so a folder the package left unwritable to it shows);
/// otherwise None and everything runs as the caller, who owns every file
/// dpkg --force-not-root wrote.
fn service_user(root: &Path) -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let line = passwd.lines().find(|l| l.starts_with("linli:")).expect("the user linli in the root's passwd");
    let f: Vec<&str> = line.split(':').collect();
    Some((f[2].parse().expect("uid"), f[3].parse().expect("gid")))
}

fn as_service_user(cmd: &mut Command, root: &Path) {
    if let Some((uid, gid)) = service_user(root) {
        std::os::unix::process::CommandExt::uid(std::os::unix::process::CommandExt::gid(cmd, gid), uid);
    }
}

fn unit_value<'a>(unit: &'a str, key: &str) -> Option<&'a str> {
    unit.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The host as linli.service starts it: its ExecStart, each absolute path
/// taken inside `root`, listening where LINLI_LISTEN says (as
/// /etc/default/linli would set it).
fn start_installed_host(root: &Path, port: u16, log: &Path) -> Child {
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/system/linli.service")).expect("the installed unit");
    let exec = unit_value(&unit, "ExecStart").expect("ExecStart in linli.service");
    let inside = |a: &str| if a.starts_with('/') { root.join(&a[1..]).display().to_string() } else { a.to_owned() };
    let mut words = exec.split_whitespace().map(inside);
    let mut cmd = Command::new(words.next().expect("a program"));
    // User=linli
    as_service_user(&mut cmd, root);
    cmd.args(words).env("LINLI_LISTEN", format!("127.0.0.1:{port}")).env_remove("LINLI_DATA").env_remove("LINLI_PLUGINS").env_remove("LINLI_CONTENT").env_remove("LINLI_KEY_FILE");
    let err = std::fs::File::create(log).unwrap();
    let mut child = cmd.stdout(Stdio::null()).stderr(err).spawn().expect("the installed linli starts");
    let url = format!("http://127.0.0.1:{port}/healthz");
    let up = wait_for(Duration::from_secs(60), || {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the installed host exited ({status}):\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        ureq::get(&url).call().ok().map(|_| ())
    });
    assert!(up.is_some(), "the installed host answers /healthz:\n{}", std::fs::read_to_string(log).unwrap_or_default());
    child
}

/// The installed player as its user unit starts it (ExecStart, settings in
/// the environment as /etc/linli/signage.env would give them), following
/// the installed host, one frame offscreen: what it took from the host is
/// in its cache folder. None when this machine has no graphics device for
/// it (skip::unavailable has failed the test under CI).
fn run_installed_player(root: &Path, base: &str, dir: &Path) -> Option<String> {
    // The same adapter check as the other player tests: names the missing
    // Debian package instead of failing on it.
    drop(linli_signage::gpu::Gpu::headless_for_test("the installed player renders a frame")?);
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/user/linli-signage.service")).expect("the installed user unit");
    let exec = unit_value(&unit, "ExecStart").expect("ExecStart in linli-signage.service");
    let program = root.join(exec.trim().trim_start_matches('/'));
    let cache = dir.join("player-cache");
    let o = Command::new(&program)
        .args(["--headless", "--screenshot"])
        .arg(dir.join("frame.png"))
        .args(["--at", "1"])
        .env("LINLI_SIGNAGE_SERVER", base)
        .env("LINLI_SIGNAGE_SCREEN", "hall-main")
        .env("LINLI_SIGNAGE_CACHE", &cache)
        .env("LINLI_SIGNAGE_VOICE", "off")
        .output()
        .expect("the installed player runs");
    assert!(o.status.success(), "the installed player: {}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("frame.png").is_file(), "the player wrote its frame");
    Some(std::fs::read_to_string(cache.join("hall-main/index.json")).unwrap_or_else(|e| panic!("the player kept the host's content index: {e}")))
}

/// Stop as systemd does with the unit's KillSignal=SIGINT: a clean exit.
fn stop(mut child: Child, log: &Path) {
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = wait_for(Duration::from_secs(30), || child.try_wait().ok().flatten()).unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the host did not stop within 30 s of SIGINT")
    });
    assert!(status.success(), "the host stops cleanly on SIGINT (KillSignal of linli.service): {status}\n{}", std::fs::read_to_string(log).unwrap_or_default());
}

fn sign_in(base: &str, username: &str) -> (String, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{base}/login")).send_form(&[("username", username), ("password", PASSWORD), ("next", "/")]).expect("login answers");
    assert_eq!(r.status(), 303, "{username} signs in");
    let cookie = r.header("set-cookie").expect("a session cookie").split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    assert!(!csrf.is_empty(), "the page carries a CSRF token");
    (cookie, csrf)
}

/// The standard plugins: one crate folder each under plugins/.
fn standard_plugins() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo_root().join("plugins"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// What the installed host serves: healthy, every standard plugin loaded
/// (from /var/lib/linli/plugins), the settings of /etc/linli/linli.toml in
/// force (the metrics token), the content of /var/lib/linli/content.
fn check_serving(base: &str, cookie: &str, content_word: &str) {
    let (s, health) = linli_tests::http(ureq::get(&format!("{base}/healthz")));
    assert_eq!(s, 200);
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    let expected = standard_plugins();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["plugins"].as_u64(), Some(expected.len() as u64), "every standard plugin is loaded: {health}");
    let (s, list) = linli_tests::http(ureq::get(&format!("{base}/api/host/plugins")).set("Cookie", cookie));
    assert_eq!(s, 200, "{list}");
    for p in &expected {
        assert!(list.contains(&format!("\"{p}\"")), "plugin {p} is loaded: {list}");
    }
    let (s, _) = linli_tests::http(ureq::get(&format!("{base}/metrics")).set("Authorization", &format!("Bearer {METRICS_TOKEN}")));
    assert_eq!(s, 200, "the metrics token of /etc/linli/linli.toml opens /metrics (the data folder's linli.toml links to it)");
    let (s, index) = linli_tests::http(ureq::get(&format!("{base}/api/content/index")));
    assert_eq!(s, 200);
    assert!(index.contains(content_word), "the content folder's items are served ({content_word}): {index}");
}

#[test]
fn packages_install_serve_and_upgrade_keeping_data() {
    for tool in ["dpkg", "dpkg-deb", "dpkg-query", "useradd", "sha256sum"] {
        if !has_program(tool) {
            linli_shared::skip::unavailable(&format!(
                "{tool} is missing: the package test builds and installs the Debian packages with dpkg (Debian packages dpkg, passwd, coreutils)"
            ));
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    // The service user must reach the root folder inside it.
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (v1, v2) = packages();
    let names: Vec<String> = v1.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|n| n.starts_with("linli_0.1.0-1_")) && names.iter().any(|n| n.starts_with("linli-signage_0.1.0-1_")), "{names:?}");

    let root = tmp.path().join("root");
    fresh_root(&root);
    dpkg_install(&root, v1);
    assert!(installed_version(&root, "linli").starts_with("0.1.0-1 install ok installed"));
    assert!(installed_version(&root, "linli-signage").starts_with("0.1.0-1 install ok installed"));

    // What the packages put in place.
    for f in ["usr/bin/linli", "usr/bin/linli-signage"] {
        let mode = std::fs::metadata(root.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")).permissions();
        assert!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o111 != 0, "{f} is executable");
    }
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/system/linli.service")).unwrap();
    assert_eq!(unit_value(&unit, "User"), Some("linli"));
    assert!(unit_value(&unit, "ExecStart").is_some_and(|e| e.starts_with("/usr/bin/linli serve ") && e.contains("--data /var/lib/linli/data")), "{unit}");
    assert_eq!(std::fs::read_link(root.join("etc/systemd/system/multi-user.target.wants/linli.service")).unwrap(), Path::new("/usr/lib/systemd/system/linli.service"), "enabled on install");
    // A district's template unit (disabled) and balancer example.
    let template = std::fs::read_to_string(root.join("usr/lib/systemd/system/linli@.service")).expect("linli@.service installed");
    assert!(unit_value(&template, "ExecStart").is_some_and(|e| e.contains("--data /var/lib/linli/%i/data")), "{template}");
    assert!(!root.join("etc/systemd/system/multi-user.target.wants/linli@.service").exists(), "the template is not enabled");
    assert!(root.join("usr/share/doc/linli/examples/haproxy.cfg").is_file(), "the HAProxy example");
    let player = std::fs::read_to_string(root.join("usr/lib/systemd/user/linli-signage.service")).unwrap();
    assert_eq!(unit_value(&player, "Restart"), Some("on-failure"));
    assert_eq!(unit_value(&player, "ExecStart"), Some("/usr/bin/linli-signage"));
    assert_eq!(unit_value(&player, "WantedBy"), Some("graphical-session.target"));
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(passwd.lines().any(|l| l.starts_with("linli:") && l.contains(":/var/lib/linli:")), "the service user, made in the root: {passwd}");
    for p in standard_plugins() {
        let shipped = root.join(format!("usr/share/linli/plugins/{p}.wasm"));
        let live = root.join(format!("var/lib/linli/plugins/{p}.wasm"));
        assert_eq!(std::fs::read(&live).unwrap_or_else(|e| panic!("{}: {e}", live.display())), std::fs::read(&shipped).unwrap(), "{p} copied to the live plugins folder");
    }
    assert!(root.join("var/lib/linli/content/screens").is_dir(), "the sample content seeded");
    assert!(root.join("usr/share/linli/content/README.md").is_file());

    // The hall's admin at work: settings, its own content, an account.
    let conffile = root.join("etc/linli/linli.toml");
    let mut settings = std::fs::read_to_string(&conffile).unwrap();
    settings.push_str(&format!("\n[http]\nmetrics_token = \"{METRICS_TOKEN}\"\n"));
    std::fs::write(&conffile, &settings).unwrap();
    let ticker = root.join("var/lib/linli/content/ticker/our-hall.md");
    std::fs::write(&ticker, "+++\ntitle = \"本厅提示\"\nkind = \"ticker\"\n+++\n升级后仍在\n").unwrap();
    let data = root.join("var/lib/linli/data");
    let installed_linli = root.join("usr/bin/linli");
    // As README says: `sudo -u linli linli admin create …` (a database file
    // made by root would be read-only to the service).
    let mut admin_create = Command::new(&installed_linli);
    as_service_user(&mut admin_create, &root);
    let mut c = admin_create
        .args(["admin", "create", "--username", "admin", "--name", "管理员", "--roles", "admin,editor", "--password-stdin", "--data"])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut c.stdin.take().unwrap(), format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(c.wait().unwrap().success(), "the installed linli creates the first admin");

    let log = tmp.path().join("host.log");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let host = start_installed_host(&root, port, &log);
    let (cookie, csrf) = sign_in(&base, "admin");
    check_serving(&base, &cookie, "本厅提示");
    let (s, notice) = linli_tests::http_json(
        ureq::post(&format!("{base}/api/notices")).set("Cookie", &cookie).set("X-CSRF-Token", &csrf),
        &serde_json::json!({"title": "升级前发布的通知", "body": "包裹升级后应仍在"}),
    );
    assert_eq!(s, 201, "{notice}");
    if let Some(index) = run_installed_player(&root, &base, tmp.path()) {
        let head: String = index.chars().take(600).collect();
        assert!(index.contains("本厅提示"), "the installed player followed the installed host's content: {head}…");
    }
    stop(host, &log);

    // The upgrade.
    dpkg_install(&root, v2);
    assert!(installed_version(&root, "linli").starts_with("0.1.0-2 install ok installed"));
    assert!(std::fs::read_to_string(&conffile).unwrap().contains(METRICS_TOKEN), "the admin's settings kept (conffile)");
    assert!(ticker.is_file(), "the hall's own content kept");
    assert!(data.join("linli.db").is_file());

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let host = start_installed_host(&root, port, &log);
    let (cookie, _) = sign_in(&base, "admin");
    check_serving(&base, &cookie, "本厅提示");
    let (s, list) = linli_tests::http(ureq::get(&format!("{base}/api/notices")));
    assert_eq!(s, 200);
    assert!(list.contains("升级前发布的通知"), "the notice written before the upgrade: {list}");
    stop(host, &log);
}

fn sha256(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap_or_default().to_owned()
}

/// The standard plugins on upgrade: a file still as the package put it is
/// replaced by the new version's; one an admin replaced is kept; one an
/// admin removed stays removed.
#[test]
fn package_upgrade_updates_only_untouched_standard_plugins() {
    for tool in ["dpkg", "dpkg-deb", "useradd", "sha256sum"] {
        if !has_program(tool) {
            linli_shared::skip::unavailable(&format!("{tool} is missing: the package test installs the Debian packages with dpkg (Debian packages dpkg, passwd, coreutils)"));
            return;
        }
    }
    let plugins = standard_plugins();
    assert!(plugins.len() >= 2, "queue and notices at least: {plugins:?}");
    let tmp = tempfile::tempdir().unwrap();
    let (v1, v2) = packages();
    // The host's package alone: the player's is not needed here.
    let v1: Vec<PathBuf> = v1.iter().filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("linli_"))).cloned().collect();
    let root = tmp.path().join("root");
    fresh_root(&root);
    dpkg_install(&root, &v1);
    let live = root.join("var/lib/linli/plugins");
    let list = live.join(".standard");
    // As if v1 had shipped an older build of the first plugin.
    let (untouched, replaced) = (&plugins[0], &plugins[1]);
    std::fs::write(live.join(format!("{untouched}.wasm")), b"an older standard build").unwrap();
    let old = sha256(&live.join(format!("{untouched}.wasm")));
    let text = std::fs::read_to_string(&list).unwrap();
    let text: String = text
        .lines()
        .map(|l| if l.ends_with(&format!(" {untouched}.wasm")) { format!("{old} {untouched}.wasm\n") } else { format!("{l}\n") })
        .collect();
    std::fs::write(&list, text).unwrap();
    // An admin's own build of the second (`linli plugin install`).
    std::fs::write(live.join(format!("{replaced}.wasm")), b"the admin's build").unwrap();
    let out = dpkg_install(&root, v2);
    assert_eq!(
        std::fs::read(live.join(format!("{untouched}.wasm"))).unwrap(),
        std::fs::read(root.join(format!("usr/share/linli/plugins/{untouched}.wasm"))).unwrap(),
        "the untouched standard plugin {untouched} is upgraded"
    );
    assert_eq!(std::fs::read(live.join(format!("{replaced}.wasm"))).unwrap(), b"the admin's build", "the admin's {replaced} is kept");
    assert!(out.contains(&format!("{replaced}.wasm differs from the standard plugin")), "the upgrade says so: {out}");
    // An admin removes the upgraded one; the package installed again (the
    // same upgrade path) does not bring it back.
    std::fs::remove_file(live.join(format!("{untouched}.wasm"))).unwrap();
    let out = dpkg_install(&root, v2);
    assert!(!live.join(format!("{untouched}.wasm")).exists(), "{untouched}, removed by an admin, stays removed: {out}");
    assert_eq!(std::fs::read(live.join(format!("{replaced}.wasm"))).unwrap(), b"the admin's build");
}
