//! The live content folder through the host: served index, change events,
//! last good version kept, and `linli content check`.

use linli_tests::{copy_dir};
use linli_tests::{TestServer, wait_for};
use std::path::{Path, PathBuf};
use std::time::Duration;


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

}

/// One request written byte for byte on a socket: HTTP clients (ureq, curl,
/// browsers) resolve `..` in a URL before sending it, so only a raw request
/// reaches the asset handler with the path an attacker would send.
fn raw_get(base: &str, target: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(conn, "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request written");
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).expect("answer read");
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status line for {target}: {text}"));
    let body = answer.windows(4).position(|w| w == b"\r\n\r\n").map(|i| answer[i + 4..].to_vec()).unwrap_or_default();
    (status, body)
}

#[test]
fn assets_are_served_and_paths_out_of_the_folder_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&shipped(), &content);
    // A picture beside the content folder, where `../` would lead: if the
    // handler followed the path, this is what it would serve.
    let picture = std::fs::read(content.join("images/hall-guide.png")).unwrap();
    std::fs::write(dir.path().join("secret.png"), &picture).unwrap();
    let s = TestServer::start_full(&[], "", Some(content.clone()));

    // The raw request itself works: a picture inside the folder is served.
    let (code, body) = raw_get(&s.url, "/api/content/asset/images/hall-guide.png");
    assert_eq!(code, 200, "an asset inside the folder");
    assert!(body.ends_with(&picture[picture.len() - 64..]), "the picture's bytes are served");

    let secret = dir.path().join("secret.png");
    let absolute = format!("/api/content/asset/{}", secret.display().to_string().replace('/', "%2F"));
    for target in [
        "/api/content/asset/../secret.png",
        "/api/content/asset/images/../../secret.png",
        "/api/content/asset/%2e%2e/secret.png",
        "/api/content/asset/..%2Fsecret.png",
        "/api/content/asset/images/..%2F..%2Fsecret.png",
        // Any `..` is refused, even one that would come back inside.
        "/api/content/asset/images/../images/hall-guide.png",
        absolute.as_str(),
    ] {
        let (code, body) = raw_get(&s.url, target);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(code, 404, "{target}: {text}");
        // The asset handler's own refusal, not a route that did not match.
        assert!(text.contains("no such file") || text.contains("文件不存在"), "{target} reached the asset handler: {text}");
    }
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
