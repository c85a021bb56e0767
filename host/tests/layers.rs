//! The host in layers: no module of a lower layer names a module of a
//! higher one. Bottom: the manifest, storage, the event bus, callers and
//! sessions, resident records, the audit log, rate buckets, the notify
//! outbox, TLS clients, the hall's information. Middle: the
//! sandbox runtime and its capabilities, the registry, the host itself, the
//! content folder, settings, watchers, the test harness. Top: HTTP, serving,
//! the command line. A new module must be given a layer here.

use std::collections::BTreeMap;
use std::path::Path;

fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "manifest" | "storage" | "bus" | "auth" | "residents" | "audit" | "rate" | "notify" | "files" | "tls" | "hall" => 0,
        "runtime" | "registry" | "host" | "content" | "settings" | "watch" | "testing" | "district" => 1,
        "http" | "serve" | "main" | "bin" | "template" | "lib" => 2,
        _ => return None,
    })
}

/// Every `crate::name` a file's code (not its comments) uses.
fn uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let name: String = rest[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
            rest = &rest[i + 7..];
        }
    }
    out
}

fn walk(dir: &Path, root: &Path, files: &mut BTreeMap<String, String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, root, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(rel, std::fs::read_to_string(&p).unwrap());
        }
    }
}

#[test]
fn no_lower_layer_uses_a_higher_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    walk(&root, &root, &mut files);
    assert!(files.len() > 30, "the host's sources were read ({} files)", files.len());
    // Macros exported at the crate's root (`crate::sql_args`) belong to the
    // layer of the file that defines them.
    let mut macros: BTreeMap<String, u8> = BTreeMap::new();
    for (rel, text) in &files {
        let module = rel.split(['/', '.']).next().unwrap_or("");
        for part in text.split("#[macro_export]").skip(1) {
            if let Some(name) = part.trim_start().strip_prefix("macro_rules!").map(|r| r.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>())
                && let Some(l) = layer(module)
            {
                macros.insert(name, l);
            }
        }
    }
    let layer_of = |name: &str| layer(name).or_else(|| macros.get(name).copied());
    let mut problems = Vec::new();
    let mut checked = 0;
    for (rel, text) in &files {
        let module = rel.split(['/', '.']).next().unwrap_or("");
        let Some(own) = layer(module) else {
            problems.push(format!("{rel}: module `{module}` has no layer (add it to tests/layers.rs)"));
            continue;
        };
        for used in uses(text) {
            checked += 1;
            match layer_of(&used) {
                Some(l) if l > own => problems.push(format!("{rel} (layer {own}) uses crate::{used} (layer {l})")),
                None => problems.push(format!("{rel}: uses crate::{used}, which has no layer")),
                _ => {}
            }
        }
    }
    assert!(checked > 100, "the check saw the host's imports ({checked})");
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

/// The check itself: a lower module naming a higher one is caught.
#[test]
fn the_check_finds_an_upward_use() {
    let found = uses("use crate::http::shell; // crate::runtime in a comment is not a use");
    assert_eq!(found, ["http"]);
    assert!(layer("storage") < layer("http"));
}

/// Every plugin under `plugins/` is written with the public SDK alone: its
/// dependencies are `linli-sdk` and crates from crates.io, never a crate of
/// this workspace (the host, the shared contracts, the content crate) nor a
/// path outside its own folder, and its code names no host crate. What a
/// plugin needs that the SDK lacks goes into the SDK.
#[test]
fn plugins_depend_on_the_sdk_and_nothing_of_the_host() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let workspace_crates = ["linli", "linli-shared", "linli-content", "linli-tests", "linli-signage", "signage"];
    let mut problems = Vec::new();
    let mut checked = 0;
    for e in std::fs::read_dir(root.join("plugins")).unwrap().flatten() {
        let manifest = e.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
        checked += 1;
        let name = e.file_name().to_string_lossy().into_owned();
        let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|err| panic!("plugins/{name}/Cargo.toml: {err}"));
        let mut has_sdk = false;
        for section in ["dependencies", "build-dependencies", "dev-dependencies"] {
            let Some(deps) = doc.get(section).and_then(|d| d.as_table()) else { continue };
            for (dep, spec) in deps {
                let package = spec.get("package").and_then(|p| p.as_str()).unwrap_or(dep);
                if package == "linli-sdk" {
                    has_sdk |= section == "dependencies";
                    continue;
                }
                if workspace_crates.contains(&package) {
                    problems.push(format!("plugins/{name}/Cargo.toml [{section}] `{dep}`: a crate of the host's workspace; use what linli-sdk offers"));
                }
                if spec.get("path").is_some() || spec.get("git").is_some() {
                    problems.push(format!("plugins/{name}/Cargo.toml [{section}] `{dep}`: a path or git dependency; plugins use linli-sdk and crates.io"));
                }
            }
        }
        if !has_sdk {
            problems.push(format!("plugins/{name}/Cargo.toml: does not depend on linli-sdk"));
        }
        let mut files = BTreeMap::new();
        walk_rs(&e.path().join("src"), &mut files);
        for (file, text) in files {
            for host_crate in ["linli_host", "linli_shared", "linli_content", "wasmtime", "rusqlite"] {
                if text.lines().any(|l| l.split("//").next().unwrap_or("").contains(&format!("{host_crate}::"))) {
                    problems.push(format!("{}: names `{host_crate}`", file.strip_prefix(&format!("{}/", root.display())).unwrap_or(&file)));
                }
            }
        }
    }
    assert!(checked >= 4, "the standard plugins were found ({checked})");
    assert!(problems.is_empty(), "plugins must use linli-sdk only:\n{}", problems.join("\n"));
}

fn walk_rs(dir: &Path, files: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk_rs(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.insert(p.display().to_string(), std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
}
