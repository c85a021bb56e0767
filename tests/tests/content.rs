//! The live content folder through the host: served index, change events,
//! last good version kept, and `linli content check`.

use linli_tests::{TestServer, wait_for};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

#[test]
fn edits_reach_the_served_index_and_broken_files_keep_their_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&shipped(), &content);
    let s = TestServer::start_full(&[], "", Some(content.clone()));
    let (code, index) = s.get_json("/api/content/index");
    assert_eq!(code, 200);
    let rev0 = index["revision"].as_u64().unwrap();
    let n_items = index["items"].as_object().unwrap().len();
    assert!(n_items >= 10, "shipped sample content is served: {n_items}");
    assert!(index["layouts"].as_object().unwrap().contains_key("landscape"), "{}", index["layouts"]);

    // A new news item appears within a second.
    std::fs::write(
        content.join("news/test-new.md"),
        "+++\ntitle = \"社区义诊活动\"\nkind = \"news\"\n+++\n本周六上午在服务大厅门前举行义诊。\n",
    )
    .unwrap();
    let found = wait_for(Duration::from_secs(2), || {
        let (_, i) = s.get_json("/api/content/index");
        i["items"].get("news/test-new").map(|_| i["revision"].as_u64().unwrap())
    });
    let rev1 = found.expect("the new item is served");
    assert!(rev1 > rev0);

    // Break it: the last good version stays, marked stale; the error names the line.
    std::fs::write(content.join("news/test-new.md"), "+++\ntitle = \"社区义诊活动\"\nkind = \"news\"\nvalid_untill = \"2026-13-01\"\n+++\n正文\n").unwrap();
    let stale = wait_for(Duration::from_secs(2), || {
        let (_, i) = s.get_json("/api/content/index");
        (i["items"]["news/test-new"]["stale"] == true).then_some(i)
    });
    let stale = stale.expect("the item is kept, marked stale");
    assert_eq!(stale["items"]["news/test-new"]["title"], "社区义诊活动");
    // Anonymous screens are not shown the editors' error list.
    assert_eq!(stale["error_count"], 1);
    let errors = s.host.content.get().unwrap().store.read().unwrap().index().all_errors().map(|e| e.to_string()).collect::<Vec<_>>();
    assert!(errors.iter().any(|e| e.contains("news/test-new.md:4") && e.contains("valid_until")), "{errors:?}");

    // An event told the screens.
    let events = s.host.bus().since(0, 1000).unwrap();
    assert!(events.iter().any(|e| e.topic == "content.changed"), "content.changed published");

    // Deleting the file removes the item.
    std::fs::remove_file(content.join("news/test-new.md")).unwrap();
    let gone = wait_for(Duration::from_secs(2), || {
        let (_, i) = s.get_json("/api/content/index");
        i["items"].get("news/test-new").is_none().then_some(())
    });
    assert_eq!(gone, Some(()));

    // Assets are served; escaping the folder is not.
    assert_eq!(s.get("/api/content/asset/../Cargo.toml").0, 404);
    assert_eq!(s.get("/api/content/asset/%2e%2e/%2e%2e/etc/passwd").0, 404);
}

#[test]
fn content_check_command() {
    let out = std::process::Command::new(linli_tests::linli_binary()).args(["content", "check"]).arg(shipped()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let dir = tempfile::tempdir().unwrap();
    copy_dir(&shipped(), dir.path());
    let file = std::fs::read_dir(dir.path().join("news")).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("title", "titel", 1)).unwrap();
    let out = std::process::Command::new(linli_tests::linli_binary()).args(["content", "check"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(stdout.contains(&format!("{name}:2")) && stdout.contains("titel") && stdout.contains("title"), "{stdout}");
}
