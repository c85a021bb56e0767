//! `linli`: the community service hall host.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use linli_host::storage::sqlite::Durability;
use linli_host::{Host, HostConfig};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "linli", version, about = "邻里 · 社区便民服务大厅平台 — Linli community service hall host", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务大厅主机 — run the host: plugins, HTTP API, pages and live events
    Serve(ServeArgs),
    /// 管理插件 — install, list and check plugins
    #[command(subcommand)]
    Plugin(PluginCmd),
    /// 管理员与工作人员 — staff accounts
    #[command(subcommand)]
    Admin(AdminCmd),
    /// 显示屏内容 — content for the waiting-area screens
    #[command(subcommand)]
    Content(ContentCmd),
    /// 升级数据库结构：执行待执行的迁移并列出 — apply the store's pending schema migrations and list them
    #[command(long_about = "升级数据库结构：对所配置的存储（数据目录中的 SQLite 文件；linli.toml 的 [store] backend = \"postgres\" 时还有 PostgreSQL）执行待执行的迁移，并逐项列出。主机启动时也会自动执行；多台主机的街道部署应先用新版本运行一次本命令，再逐台重启主机。\n\
Apply the pending schema migrations of the configured store (the SQLite file in the data directory and, with [store] backend = \"postgres\" in linli.toml, PostgreSQL) and list each one. A host also applies them when it starts; a district with several hosts runs this once with the new version, then restarts its hosts one by one.\n\n\
退出状态 / exit status: 0 = 已是最新或已执行 / up to date or applied; 1 = --check 发现待执行的迁移 / --check found pending migrations; 2 = 无法读取存储，或存储已由更新的版本升级 / the store cannot be read, or a newer version migrated it")]
    Migrate(MigrateArgs),
}

#[derive(Args)]
struct MigrateArgs {
    /// 数据目录：SQLite 数据库与 linli.toml — data directory (SQLite database, linli.toml)
    #[arg(long, env = "LINLI_DATA", default_value = "data")]
    data: PathBuf,
    /// 只列出待执行的迁移，不做改动；有待执行的则以状态 1 退出（供部署脚本使用）— only list the pending migrations, change nothing; exit 1 when some are pending (for deploy scripts)
    #[arg(long, visible_alias = "dry-run")]
    check: bool,
}

#[derive(Subcommand)]
enum ContentCmd {
    /// 检查内容目录，逐条列出问题（文件:行号）— check a content folder and print every problem as file:line
    Check {
        /// 内容目录 — the content folder
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
}

#[derive(Args, Clone)]
struct Dirs {
    /// 数据目录：SQLite 数据库、编译缓存、linli.toml — data directory (SQLite database, compile cache, linli.toml)
    #[arg(long, env = "LINLI_DATA", default_value = "data")]
    data: PathBuf,
    /// 插件目录：其中每个 .wasm 都会被加载并监视 — plugins directory; every .wasm in it is loaded and watched
    #[arg(long, env = "LINLI_PLUGINS", default_value = "plugins/dist")]
    plugins: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// 监听地址 — address to listen on
    #[arg(long, env = "LINLI_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    dirs: Dirs,
    /// 显示屏内容目录 — content folder for the waiting-area screens
    #[arg(long, env = "LINLI_CONTENT", default_value = "content")]
    content: PathBuf,
    /// 写入持久性：normal 进程崩溃不丢数据；full 断电也不丢 — durability: normal survives a crash of the host, full also power loss
    #[arg(long, value_enum, default_value_t = Durability::Normal)]
    durability: Durability,
    /// 本地时间与 UTC 的偏移（分钟），北京时间为 480 — local time offset from UTC in minutes (480 = China Standard Time)
    #[arg(long, default_value_t = 480, allow_negative_numbers = true)]
    utc_offset: i32,
    /// 插件定时任务间隔（秒）— seconds between the plugins' scheduled ticks
    #[arg(long, default_value_t = 60)]
    tick_secs: u64,
    /// 居民数据密钥文件（与数据库分开保存并备份）— key file for residents' data; keep and back it up apart from the database [default: DATA/keys/residents.key]
    #[arg(long, env = "LINLI_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// 不监视插件目录（关闭热更新）— do not watch the plugins directory (no hot reload)
    #[arg(long)]
    no_hot_reload: bool,
}

#[derive(Subcommand)]
enum PluginCmd {
    /// 校验并安装插件；正在运行的主机会自动热更新 — validate a plugin and copy it into the plugins directory; a running host swaps it in
    Install {
        file: PathBuf,
        #[command(flatten)]
        dirs: Dirs,
    },
    /// 新建插件工程（可立即构建并通过测试）— create a plugin crate that builds and passes its test at once
    New {
        /// 插件名，也是插件 id — plugin name (also its id), e.g. job-board
        name: String,
        /// 在此目录下创建 — create it in this folder
        #[arg(long, default_value = "plugins")]
        dir: PathBuf,
    },
    /// 列出插件目录中的插件 — list the plugins in the plugins directory
    List {
        #[command(flatten)]
        dirs: Dirs,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// 创建工作人员账号（首个管理员由此创建，没有默认密码）— create a staff account (the first admin is made this way; there is no default password)
    Create {
        #[arg(long)]
        username: String,
        /// 显示姓名 — display name
        #[arg(long)]
        name: String,
        /// 角色，逗号分隔 — roles, comma-separated: admin, supervisor, clerk, guide, editor, maintainer, volunteer, district (街道主管: every hall's figures; only given here or by another district supervisor)
        #[arg(long, default_value = "admin", value_delimiter = ',')]
        roles: Vec<String>,
        #[arg(long, env = "LINLI_DATA", default_value = "data")]
        data: PathBuf,
        /// 从标准输入读取密码 — read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LINLI_LOG").unwrap_or_else(|_| "info,wasmtime=warn,cranelift=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}

fn host_config(dirs: &Dirs, content: Option<PathBuf>, durability: Durability, utc_offset: i32, key_file: Option<PathBuf>) -> HostConfig {
    HostConfig {
        data_dir: dirs.data.clone(),
        plugins_dir: dirs.plugins.clone(),
        content_dir: content,
        durability,
        utc_offset_minutes: utc_offset,
        compile_cache: true,
        key_file,
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Plugin(PluginCmd::Install { file, dirs }) => plugin_install(&file, &dirs),
        Command::Plugin(PluginCmd::List { dirs }) => plugin_list(&dirs),
        Command::Plugin(PluginCmd::New { name, dir }) => {
            let path = linli_host::template::new_plugin(&name, &dir)?;
            // Inside the repository the harness test went to the tests crate.
            let test = match path.parent().and_then(|p| p.parent()).map(|repo| repo.join("tests/tests").join(format!("{}.rs", name.replace('-', "_")))) {
                Some(t) if t.exists() => format!("cargo test -p linli-tests --test {}   ({})", name.replace('-', "_"), t.display()),
                _ => format!("cd {} && cargo test", path.display()),
            };
            println!("已创建 / created {}\n  构建 / build: cd {} && cargo build --release --target wasm32-wasip2\n  测试 / test:  {test}", path.display(), path.display());
            Ok(())
        }
        Command::Content(ContentCmd::Check { dir }) => content_check(&dir),
        Command::Migrate(args) => migrate(&args),
        Command::Admin(AdminCmd::Create { username, name, roles, data, password_stdin }) => admin_create(&username, &name, &roles, data, password_stdin),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // At least four workers: quick plugin calls run on them (see
    // http::dispatch), and one must always be free for the network.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(cores.max(4)).enable_all().build()?;
    rt.block_on(async move {
        let started = std::time::Instant::now();
        let config = host_config(&args.dirs, Some(args.content.clone()), args.durability, args.utc_offset, args.key_file.clone());
        let host = tokio::task::spawn_blocking(move || Host::new(config)).await??;
        let h = host.clone();
        let tick = Duration::from_secs(args.tick_secs.max(1));
        let hot = !args.no_hot_reload;
        let _bg = tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Handle::current();
            let _g = rt.enter();
            linli_host::serve::start(&h, tick, hot)
        })
        .await??;
        let n = host.registry.snapshot().plugins.len();
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
        tracing::info!(listen = %args.listen, plugins = n, startup_ms = started.elapsed().as_millis() as u64, data = %args.dirs.data.display(), "linli is serving");
        println!("邻里服务大厅已启动 / Linli is serving on http://{} ({n} plugins, started in {} ms)", args.listen, started.elapsed().as_millis());
        if linli_host::auth::sessions::staff_count(&host.db).unwrap_or(0) == 0 {
            println!("尚无管理员账号，请运行 / no staff account yet; create the first admin with:\n  linli admin create --username admin --name 管理员 --data {}", args.dirs.data.display());
        }
        axum::serve(listener, linli_host::http::app(host).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

fn offline_host(dirs: &Dirs) -> anyhow::Result<std::sync::Arc<Host>> {
    // A throwaway data directory: checking a plugin must not touch the live one.
    let tmp = std::env::temp_dir().join(format!("linli-check-{}", std::process::id()));
    let mut cfg = host_config(dirs, None, Durability::Normal, 480, None);
    cfg.data_dir = tmp;
    cfg.compile_cache = false;
    Host::new(cfg)
}

fn plugin_install(file: &std::path::Path, dirs: &Dirs) -> anyhow::Result<()> {
    eprintln!("检查 / checking {} …", file.display());
    let host = offline_host(dirs)?;
    let outcome = host.load_file(file);
    let _ = std::fs::remove_dir_all(&host.config.data_dir);
    match outcome {
        linli_host::host::LoadOutcome::Failed(msg) => anyhow::bail!("插件无效，未安装 / not installed: {msg}"),
        linli_host::host::LoadOutcome::Loaded { id, version, .. } => {
            std::fs::create_dir_all(&dirs.plugins)?;
            // The file is named after the plugin's id, so installing a new
            // version replaces the old one wherever it was.
            let dest = dirs.plugins.join(format!("{id}.wasm"));
            let others = other_files_with_id(dirs, &id, &dest)?;
            // Copy to a temporary name, then rename: the watcher of a running
            // host never sees half a file.
            let tmp = dirs.plugins.join(format!(".{id}.wasm.installing"));
            std::fs::copy(file, &tmp).with_context(|| format!("copying to {}", tmp.display()))?;
            for o in &others {
                std::fs::remove_file(o).with_context(|| format!("removing the old version {}", o.display()))?;
            }
            std::fs::rename(&tmp, &dest)?;
            println!("已安装 / installed {id} {version} → {}", dest.display());
            Ok(())
        }
    }
}

/// Files in the plugins folder (other than `dest`) that hold plugin `id`.
fn other_files_with_id(dirs: &Dirs, id: &str, dest: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dirs.plugins.is_dir() {
        return Ok(vec![]);
    }
    let host = offline_host(dirs)?;
    let _ = host.load_all();
    let _ = std::fs::remove_dir_all(&host.config.data_dir);
    Ok(host.registry.snapshot().plugins.values().filter(|p| p.manifest.id == id && p.file != dest).map(|p| p.file.clone()).collect())
}

fn plugin_list(dirs: &Dirs) -> anyhow::Result<()> {
    let host = offline_host(dirs)?;
    let outcomes = host.load_all()?;
    let _ = std::fs::remove_dir_all(&host.config.data_dir);
    let snap = host.registry.snapshot();
    for p in snap.plugins.values() {
        println!("{:<14} {:<8} {} / {}  [{}]", p.manifest.id, p.manifest.version, p.manifest.name_zh, p.manifest.name_en, p.manifest.capabilities.join(", "));
    }
    for o in outcomes {
        if let linli_host::host::LoadOutcome::Failed(msg) = o {
            println!("✗ {msg}");
        }
    }
    Ok(())
}

fn admin_create(username: &str, name: &str, roles: &[String], data: PathBuf, password_stdin: bool) -> anyhow::Result<()> {
    let password = if password_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        eprint!("密码（至少 10 个字符）/ password (at least 10 characters): ");
        let mut s = String::new();
        std::io::stdin().read_line(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    };
    std::fs::create_dir_all(&data)?;
    let local = linli_host::storage::sqlite::SqliteStorage::open(&data.join("linli.db"), Durability::Normal)?;
    // In a district the account goes to the hall's shared tables.
    let settings = linli_host::settings::Settings::load(&data.join("linli.toml"))?;
    let db = linli_host::storage::host_db::HostDb::open(std::sync::Arc::new(local), settings.store.postgres_target().as_ref())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
    let id = linli_host::auth::sessions::create_staff(&db, username, name, &password, roles, now)?;
    println!("已创建 / created staff #{id} {username} ({})", roles.join(","));
    Ok(())
}

/// `linli migrate [--check]`: one block per store, one line per migration.
fn migrate(args: &MigrateArgs) -> anyhow::Result<()> {
    use linli_host::storage::migrate;
    // Exit 2 for a store that cannot be read (or that a newer linli
    // migrated), so a deploy script can tell it from "pending" (1).
    fn fail(e: &dyn std::fmt::Display) -> ! {
        eprintln!("✗ {e}");
        std::process::exit(2)
    }
    let settings = linli_host::settings::Settings::load(&args.data.join("linli.toml")).unwrap_or_else(|e| fail(&format!("{e:#}")));
    let db_path = args.data.join("linli.db");
    let mut pending_total = 0;
    let report = |store: &str, done: &[&str], pending: &[&str], total: usize| {
        println!("{store}:");
        for n in done {
            println!("  已执行 / applied  {n}");
        }
        for n in pending {
            println!("  待执行 / pending  {n}");
        }
        if pending.is_empty() {
            println!("  已是最新 / up to date ({total} 项迁移 / migrations)");
        }
    };
    // The SQLite file: every host has one.
    let sqlite_store = format!("SQLite {}", db_path.display());
    if args.check {
        let s = migrate::sqlite_status_at(&db_path).unwrap_or_else(|e| fail(&e));
        pending_total += s.pending.len();
        report(&sqlite_store, &[], &s.pending, s.applied.len() + s.pending.len());
    } else {
        std::fs::create_dir_all(&args.data).unwrap_or_else(|e| fail(&format!("creating {}: {e}", args.data.display())));
        let applied = migrate::sqlite_apply_at(&db_path).unwrap_or_else(|e| fail(&e));
        report(&sqlite_store, &applied, &[], migrate::sqlite_count());
    }
    if let Some(target) = settings.store.postgres_target() {
        let store = |schema: &str| format!("{} schema {schema} (hall {})", migrate::describe_target(&target), target.hall);
        if args.check {
            for (schema, s) in migrate::postgres_status(&target).unwrap_or_else(|e| fail(&e)) {
                pending_total += s.pending.len();
                report(&store(&schema), &[], &s.pending, s.applied.len() + s.pending.len());
            }
        } else {
            for (schema, applied, total) in migrate::postgres_apply_all(&target).unwrap_or_else(|e| fail(&e)) {
                report(&store(&schema), &applied, &[], total);
            }
        }
    }
    if args.check && pending_total > 0 {
        eprintln!("有 {pending_total} 项迁移待执行，请运行 linli migrate / {pending_total} migrations are pending: run `linli migrate`");
        std::process::exit(1);
    }
    Ok(())
}

fn content_check(dir: &std::path::Path) -> anyhow::Result<()> {
    let report = linli_content::check_dir(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    println!("{report}");
    if report.is_ok() {
        Ok(())
    } else {
        // The report already named every problem; exit 1 without repeating it.
        std::process::exit(1)
    }
}
