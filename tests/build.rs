//! Builds the guest plugins the tests run (the standard plugins and the
//! fixtures in `guests/`) for wasm32-wasip2, and hands their paths to the
//! tests as constants, so no fixture is forgotten or stale.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo_wasm(root: &Path, target_dir: &Path, pkgs: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        // A target directory of its own: the outer cargo holds the main one.
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("LINLI_FIXTURE_VERSION")
        .env_remove("LINLI_FIXTURE_BROKEN")
        .env_remove("LINLI_FIXTURE_FILES_OTHER")
        .env_remove("LINLI_FIXTURE_CLASH")
        .env_remove("LINLI_SVC_ID");
    for p in pkgs {
        cmd.args(["-p", p]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().expect("running cargo for the wasm fixtures (is the wasm32-wasip2 target installed? `rustup target add wasm32-wasip2`)");
    assert!(status.success(), "building wasm fixtures {pkgs:?} failed");
    target_dir.join("wasm32-wasip2/release")
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = root.join("target/fixtures");
    let mut consts = String::new();

    let plugins: Vec<String> = std::fs::read_dir(root.join("plugins"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // `LINLI_TEST_PLUGINS=queue,appointments`: build only these standard
    // plugins (a developer's shortcut while another plugin is half-written;
    // the others' constants name a file that is not there, so a test that
    // loads one fails saying so). Never set in CI.
    let only: Option<Vec<String>> = std::env::var("LINLI_TEST_PLUGINS").ok().map(|v| v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect());
    let (plugins, skipped): (Vec<String>, Vec<String>) = plugins.into_iter().partition(|p| only.as_ref().is_none_or(|o| o.contains(p)));
    for p in &skipped {
        consts.push_str(&format!("pub const PLUGIN_{}: &str = {:?};\n", p.to_uppercase().replace('-', "_"), format!("{p}.wasm (not built: LINLI_TEST_PLUGINS)")));
    }
    let mut pkgs: Vec<&str> = plugins.iter().map(String::as_str).collect();
    pkgs.push("guest-hostile");
    pkgs.push("guest-records");
    pkgs.push("guest-greedy");
    pkgs.push("guest-outbound");
    pkgs.push("guest-files");
    let dir = cargo_wasm(&root, &target_dir, &pkgs, &[]);
    for p in &plugins {
        let f = out.join(format!("{p}.wasm"));
        std::fs::copy(dir.join(format!("{}.wasm", p.replace('-', "_"))), &f).unwrap();
        consts.push_str(&format!("pub const PLUGIN_{}: &str = {:?};\n", p.to_uppercase().replace('-', "_"), f.display().to_string()));
    }
    std::fs::copy(dir.join("guest_hostile.wasm"), out.join("hostile.wasm")).unwrap();
    consts.push_str(&format!("pub const HOSTILE: &str = {:?};\n", out.join("hostile.wasm").display().to_string()));
    std::fs::copy(dir.join("guest_greedy.wasm"), out.join("greedy.wasm")).unwrap();
    consts.push_str(&format!("pub const GREEDY: &str = {:?};\n", out.join("greedy.wasm").display().to_string()));
    std::fs::copy(dir.join("guest_outbound.wasm"), out.join("outbound.wasm")).unwrap();
    consts.push_str(&format!("pub const OUTBOUND: &str = {:?};\n", out.join("outbound.wasm").display().to_string()));
    std::fs::copy(dir.join("guest_records.wasm"), out.join("records.wasm")).unwrap();
    consts.push_str(&format!("pub const RECORDS: &str = {:?};\n", out.join("records.wasm").display().to_string()));
    std::fs::copy(dir.join("guest_files.wasm"), out.join("files.wasm")).unwrap();
    consts.push_str(&format!("pub const FILES: &str = {:?};\n", out.join("files.wasm").display().to_string()));
    // The same plugin again as `files-b`: another plugin for the files tests.
    let files_b = cargo_wasm(&root, &target_dir, &["guest-files"], &[("LINLI_FIXTURE_FILES_OTHER", "1")]);
    std::fs::copy(files_b.join("guest_files.wasm"), out.join("files_b.wasm")).unwrap();
    consts.push_str(&format!("pub const FILES_B: &str = {:?};\n", out.join("files_b.wasm").display().to_string()));

    // Three builds of one plugin for the hot-reload tests.
    for (name, env) in [
        ("VERSIONED_V1", vec![("LINLI_FIXTURE_VERSION", "1.0.0")]),
        ("VERSIONED_V2", vec![("LINLI_FIXTURE_VERSION", "2.0.0")]),
        ("VERSIONED_BROKEN", vec![("LINLI_FIXTURE_VERSION", "3.0.0"), ("LINLI_FIXTURE_BROKEN", "1")]),
        ("CLASH", vec![("LINLI_FIXTURE_VERSION", "1.0.0"), ("LINLI_FIXTURE_CLASH", "1")]),
    ] {
        let dir = cargo_wasm(&root, &target_dir, &["guest-versioned"], &env);
        let f = out.join(format!("{}.wasm", name.to_lowercase()));
        std::fs::copy(dir.join("guest_versioned.wasm"), &f).unwrap();
        consts.push_str(&format!("pub const {name}: &str = {:?};\n", f.display().to_string()));
    }
    // One build per id of the services guest (tests/tests/services.rs).
    for id in ["svc-a", "svc-b", "svc-c", "svc-d", "svc-e"] {
        let dir = cargo_wasm(&root, &target_dir, &["guest-services"], &[("LINLI_SVC_ID", id)]);
        let f = out.join(format!("{id}.wasm"));
        std::fs::copy(dir.join("guest_services.wasm"), &f).unwrap();
        consts.push_str(&format!("pub const {}: &str = {:?};\n", id.to_uppercase().replace('-', "_"), f.display().to_string()));
    }
    std::fs::write(out.join("fixtures.rs"), consts).unwrap();

    println!("cargo:rerun-if-changed=../plugins");
    println!("cargo:rerun-if-changed=../plugin-sdk/src");
    println!("cargo:rerun-if-changed=../plugin-sdk/wit");
    println!("cargo:rerun-if-changed=guests");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=LINLI_TEST_PLUGINS");
}
