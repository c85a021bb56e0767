//! `linli plugin new NAME`: a plugin crate that builds and passes its test
//! at once, for authors to grow from.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// The repository this binary was built from (for the SDK's path).
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

pub fn new_plugin(name: &str, parent: &Path) -> anyhow::Result<PathBuf> {
    let ok = name.len() <= 40
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    anyhow::ensure!(ok, "plugin name `{name}` must match [a-z][a-z0-9-]* (it is also the plugin id)");
    let dir = parent.join(name);
    anyhow::ensure!(!dir.exists(), "{} already exists", dir.display());
    let repo = std::fs::canonicalize(REPO).unwrap_or_else(|_| PathBuf::from(REPO));
    let parent_abs = std::fs::canonicalize(parent).with_context(|| format!("{} does not exist", parent.display()))?;
    // Inside this repository's plugins/ folder the crate joins the
    // workspace; anywhere else it is a workspace of its own.
    let in_workspace = parent_abs == repo.join("plugins");
    // A standard plugin depends on the SDK alone (host/tests/layers.rs): its
    // harness test goes to the workspace's tests crate, which builds every
    // plugin in plugins/ and names it `fixtures::PLUGIN_<NAME>`.
    let deps = if in_workspace {
        "linli-sdk.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n".to_owned()
    } else {
        // The workspace's own profile: dependencies optimised without debug
        // information (the host's wasmtime builds in a fraction of the time).
        format!(
            "linli-sdk = {{ path = {sdk:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n[dev-dependencies]\nlinli = {{ path = {host:?} }}\n\n[workspace]\n\n[profile.dev.package.\"*\"]\nopt-level = 2\ndebug = false\n\n[profile.dev]\ndebug = \"line-tables-only\"\n",
            sdk = repo.join("plugin-sdk").display().to_string(),
            host = repo.join("host").display().to_string(),
        )
    };
    let edition = if in_workspace { "edition.workspace = true\nversion.workspace = true" } else { "edition = \"2024\"\nversion = \"0.1.0\"" };
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\n{edition}\npublish = false\n\n[lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n\n[dependencies]\n{deps}"),
    )?;
    let ty: String = name.split('-').map(|p| p[..1].to_ascii_uppercase() + &p[1..]).collect();
    std::fs::write(dir.join("src/lib.rs"), LIB.replace("{{name}}", name).replace("{{Type}}", &ty))?;
    if in_workspace {
        let test = repo.join("tests/tests").join(format!("{}.rs", name.replace('-', "_")));
        anyhow::ensure!(!test.exists(), "{} already exists", test.display());
        let load = format!("PluginHarness::load(linli_tests::fixtures::PLUGIN_{})", name.to_uppercase().replace('-', "_"));
        std::fs::write(&test, TEST.replace("{{name}}", name).replace("PluginHarness::load(build_plugin(env!(\"CARGO_MANIFEST_DIR\")).expect(\"the plugin builds for wasm32-wasip2\"))", &load).replace(", build_plugin}", "}"))?;
        // Its entry in the tests crate (autotests are off there).
        let manifest = repo.join("tests/Cargo.toml");
        let mut text = std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
        text.push_str(&format!("\n[[test]]\nname = \"{0}\"\npath = \"tests/{0}.rs\"\n", name.replace('-', "_")));
        std::fs::write(&manifest, text).with_context(|| format!("writing {}", manifest.display()))?;
    } else {
        std::fs::create_dir_all(dir.join("tests"))?;
        std::fs::write(dir.join("tests/plugin.rs"), TEST.replace("{{name}}", name))?;
        // Pin the dependency versions this host was tested with.
        let _ = std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock"));
        std::fs::write(dir.join(".gitignore"), "/target\n")?;
    }
    Ok(dir)
}

const LIB: &str = r#"//! The {{name}} plugin for Linli.

use linli_sdk::prelude::*;

struct {{Type}};

impl Plugin for {{Type}} {
    fn manifest() -> Manifest {
        Manifest::new("{{name}}", "{{name}}", "{{name}}", env!("CARGO_PKG_VERSION"))
            .description("describe what this service does for residents")
            .capability("kv")
            .capability("events")
            .route(Route::get("/{{name}}", Audience::Public))
            .route(Route::post("/api/{{name}}/visits", Audience::Public))
            .page(Page::new("/{{name}}", "{{name}}", "{{name}}", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        match (req.method.as_str(), req.route.as_str()) {
            ("POST", "/api/{{name}}/visits") => match kv::increment("visits", 1) {
                Ok(n) => {
                    let _ = events::publish("{{name}}.visited", &serde_json::json!({ "visits": n }));
                    Response::json(200, &serde_json::json!({ "visits": n }))
                }
                Err(e) => Response::error(500, "存储出错", &format!("storage: {e}")),
            },
            ("GET", "/{{name}}") => {
                let n = kv::get("visits").ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "0".into());
                Response::page("{{name}}", format!("<section class=\"card\"><h1>{{name}}</h1><p>{}: {}</p></section>", t(req.lang(), "访问次数", "Visits"), esc(&n)))
            }
            _ => Response::not_found(&req),
        }
    }
}

export_plugin!({{Type}});
"#;

const TEST: &str = r#"//! Runs the built component in a real wasmtime host (in-memory store).

use linli_host::auth::Caller;
use linli_host::testing::{PluginHarness, build_plugin};

#[test]
fn counts_visits_and_publishes_an_event() {
    let h = PluginHarness::load(build_plugin(env!("CARGO_MANIFEST_DIR")).expect("the plugin builds for wasm32-wasip2")).expect("the plugin loads");
    assert_eq!(h.manifest().id, "{{name}}");
    let anyone = Caller::anonymous("zh-CN");
    assert_eq!(h.request("POST", "/api/{{name}}/visits", b"", &anyone).json()["visits"], 1);
    assert_eq!(h.request("POST", "/api/{{name}}/visits", b"", &anyone).json()["visits"], 2);
    assert!(h.get("/{{name}}").text().contains("2"));
    assert_eq!(h.events().len(), 2);
}
"#;
