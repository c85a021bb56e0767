//! What the host relies on: its config section, serving assets, change events.

use linli_content::{ContentConfig, ErrorCode, UtcOffset};

use crate::common::{Folder, PNG, item};

#[test]
fn config_reads_from_the_hosts_toml_and_refuses_typos() {
    let cfg: ContentConfig =
        toml::from_str("utc_offset = \"+05:30\"\nmax_file_bytes = 2048\n").expect("config");
    assert_eq!(
        cfg.utc_offset,
        UtcOffset::from_minutes(330).expect("offset")
    );
    assert_eq!(cfg.max_file_bytes, 2048);
    assert_eq!(cfg.debounce_ms, 150);
    assert!(toml::from_str::<ContentConfig>("utc_ofset = \"+08:00\"").is_err());
    assert!(toml::from_str::<ContentConfig>("utc_offset = \"+8\"").is_err());
}

#[test]
fn the_size_limit_is_configurable() {
    let folder = Folder::new();
    folder.write("a.md", item("news", &"长".repeat(100)));
    let cfg = ContentConfig {
        max_file_bytes: 64,
        ..ContentConfig::default()
    };
    let store = linli_content::ContentStore::open(folder.path(), cfg).expect("open");
    assert_eq!(store.index().errors["a.md"][0].code, ErrorCode::TooLarge);
}

#[test]
fn assets_resolve_only_inside_the_folder() {
    let folder = Folder::new();
    folder.write("images/a.png", PNG);
    let store = folder.store();
    let path = store.resolve_asset("images/a.png").expect("inside");
    assert!(path.starts_with(store.root()));
    for bad in [
        "../etc/passwd",
        "/etc/passwd",
        "images/../../x",
        "images/missing.png",
    ] {
        assert!(store.resolve_asset(bad).is_err(), "{bad}");
    }
}

#[test]
fn changes_say_what_happened() {
    let folder = Folder::new();
    folder.write("a.md", item("news", "a"));
    let mut store = folder.store();
    folder.write("b.md", "+++\nkind = \"news\"\n+++\n");
    let change = store.reload_file(folder.file("b.md"));
    assert_eq!(change.changed, vec!["b.md".to_string()]);
    assert_eq!(
        change.errors[0].to_string(),
        "b.md:1: title: 缺少必填字段 `title` / missing required field `title`"
    );
    let json = serde_json::to_value(&change).expect("json");
    assert_eq!(json["errors"][0]["line"], 1);
    assert_eq!(json["errors"][0]["field"], "title");
    assert_eq!(json["errors"][0]["code"], "missing_field");
}
