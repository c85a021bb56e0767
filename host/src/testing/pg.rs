//! A throwaway PostgreSQL server for tests: a cluster made with `initdb` in
//! a temporary folder, listening on a free port of 127.0.0.1 with password
//! authentication (scram), stopped and deleted when dropped. It uses
//! Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`).
//! As root (CI containers) the server runs as the `postgres` user, since
//! PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    password: String,
    /// Run the server's programs as this user (when we are root).
    run_as: Option<(u32, u32)>,
}

/// The folder with `initdb` and `pg_ctl`: `LINLI_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin`, else whatever `PATH` has.
fn find_bin() -> Option<PathBuf> {
    if let Ok(b) = std::env::var("LINLI_PG_BIN") {
        return Some(PathBuf::from(b));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, b)) = versions.pop() {
        return Some(b);
    }
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists()))
}

/// The uid and gid of user `name` (from /etc/passwd).
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&name) && f.len() > 3).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

impl Cluster {
    /// Make and start a server. `Err` says what is missing (the
    /// `postgresql` package, the `postgres` user) or what failed.
    pub fn start() -> Result<Cluster, String> {
        let bin = find_bin().ok_or("PostgreSQL is not installed (Debian package `postgresql`: initdb and pg_ctl not found)")?;
        let run_as = if is_root() { Some(user_ids("postgres").ok_or("running as root, and there is no `postgres` user to run the server as")?) } else { None };
        let dir = tempfile::Builder::new().prefix("linli-pg-").tempdir().map_err(|e| e.to_string())?;
        let password = {
            use rand_core::RngCore;
            let mut b = [0u8; 12];
            rand_core::OsRng.fill_bytes(&mut b);
            hex::encode(b)
        };
        std::fs::write(dir.path().join("pw"), &password).map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = run_as {
            for p in [dir.path().to_owned(), dir.path().join("pw")] {
                std::os::unix::fs::chown(&p, Some(uid), Some(gid)).map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let c = Cluster { dir, bin, port, password, run_as };
        let data = c.data();
        c.run(
            "initdb",
            &[
                "-D", &data.to_string_lossy(), "-U", "linli", "--auth=scram-sha-256", &format!("--pwfile={}", c.dir.path().join("pw").display()),
                // Binary order of text, as SQLite compares it.
                "-E", "UTF8", "--locale=C", "--no-sync",
            ],
        )?;
        c.start_server()?;
        let mut admin = postgres::Config::new();
        admin.host("127.0.0.1").port(port).user("linli").password(c.password.as_bytes()).dbname("postgres");
        let mut client = admin.connect(postgres::NoTls).map_err(|e| format!("connecting to the test server: {e}"))?;
        client.batch_execute("CREATE DATABASE linli").map_err(|e| format!("CREATE DATABASE: {e}"))?;
        Ok(c)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd.args(args).env("LC_ALL", "C").output().map_err(|e| format!("{}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!("{program} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        Ok(())
    }

    /// Start (again) the server: after [`stop`](Self::stop), or to
    /// restart it under running hosts.
    pub fn start_server(&self) -> Result<(), String> {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=32MB -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        self.run("pg_ctl", &["-D", &self.data().to_string_lossy(), "-l", &log.to_string_lossy(), "-o", &opts, "-w", "-t", "60", "start"])
    }

    /// Stop the server (`fast`: sessions are cut, transactions rolled back).
    pub fn stop(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.data().to_string_lossy(), "-m", "fast", "-w", "stop"])
    }

    /// Restart the server under running hosts (`fast`: their sessions are
    /// cut, open transactions rolled back), as an operator's
    /// `pg_ctl restart -m fast` does; `down` is how long it stays stopped.
    pub fn restart(&self, down: std::time::Duration) -> Result<(), String> {
        self.stop()?;
        std::thread::sleep(down);
        self.start_server()
    }

    /// The host role's connection string (a superuser of this cluster).
    pub fn url(&self) -> String {
        self.url_at(self.port)
    }

    /// The host role's connection string through another port of
    /// 127.0.0.1 (a proxy in front of this server).
    pub fn url_at(&self, port: u16) -> String {
        format!("host=127.0.0.1 port={port} user=linli password={} dbname=linli connect_timeout=5", self.password)
    }

    /// End every session whose `application_name` starts with `prefix`
    /// (`pg_terminate_backend`, as an operator cutting a host off would);
    /// returns how many were ended.
    pub fn terminate(&self, prefix: &str) -> Result<u64, String> {
        let mut c = self.client().map_err(|e| e.to_string())?;
        let rows = c
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 || '%' AND pid <> pg_backend_pid()",
                &[&prefix],
            )
            .map_err(|e| e.to_string())?;
        Ok(rows.len() as u64)
    }

    /// The sessions now open, by `application_name` (for a test to see who
    /// is connected).
    pub fn sessions(&self) -> Result<Vec<String>, String> {
        let mut c = self.client().map_err(|e| e.to_string())?;
        let rows = c
            .query("SELECT application_name FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", &[])
            .map_err(|e| e.to_string())?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// CPU seconds the server has used so far: the postmaster, the
    /// sessions that ended (reaped into it) and those still running (for a
    /// benchmark's CPU per request, from /proc).
    pub fn server_cpu_seconds(&self) -> Option<f64> {
        let pid: u32 = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?.lines().next()?.trim().parse().ok()?;
        let fields = |pid: &str| -> Option<Vec<String>> {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some(stat.rsplit_once(')')?.1.split_whitespace().map(str::to_owned).collect())
        };
        let tick = 100.0; // USER_HZ
        let num = |f: &[String], i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // After the name: ppid is the 2nd field, utime 12th, stime 13th,
        // cutime 14th, cstime 15th.
        let main = fields(&pid.to_string())?;
        let mut total = (num(&main, 11) + num(&main, 12) + num(&main, 13) + num(&main, 14)) / tick;
        for e in std::fs::read_dir("/proc").ok()?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if let Some(f) = fields(&name)
                && f.get(1).map(String::as_str) == Some(pid.to_string().as_str())
            {
                total += (num(&f, 11) + num(&f, 12)) / tick;
            }
        }
        Some(total)
    }

    /// A client of the host role, for a test to look at the data.
    pub fn client(&self) -> Result<postgres::Client, postgres::Error> {
        self.url().parse::<postgres::Config>()?.connect(postgres::NoTls)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // A failing test shows what the server refused (its errors and
        // their statements), the first thing one wants to know.
        if std::thread::panicking() {
            let errors: Vec<String> = self.log().lines().filter(|l| l.contains("ERROR:") || l.contains("STATEMENT:") || l.contains("FATAL:")).take(40).map(str::to_owned).collect();
            eprintln!("PostgreSQL's log (errors):\n{}", errors.join("\n"));
        }
        let _ = self.run("pg_ctl", &["-D", &self.data().to_string_lossy(), "-m", "immediate", "-w", "stop"]);
    }
}
