//! The `files` capability: uploads are streamed into the host's store
//! (outside the database, under content addresses, personal ones sealed),
//! their type read from the bytes, and served only through the owning
//! plugin's routes after their audience check. Hostile use is refused
//! with an error naming the plugin, and nothing else is disturbed: a
//! spoofed type, an oversized and a truncated upload, names with `../`
//! and NUL, a full quota, another plugin or an anonymous caller asking
//! for a file. Files nobody keeps are swept after the grace period.

use linli_host::runtime::capabilities::ManualClock;
use linli_tests::{Staff, TestServer, fixtures, sign_in, wait_for};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89 a tiny picture";

fn start(settings: &str) -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_782_864_000_000)));
    let s = TestServer::start_custom(&[fixtures::FILES, fixtures::FILES_B], settings, None, clock.clone());
    (s, clock)
}

/// POST `body` to `path` with these headers; any status is an answer.
fn post(s: &TestServer, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value, Vec<(String, String)>) {
    let mut req = ureq::post(&format!("{}{path}", s.url)).timeout(Duration::from_secs(30));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.send_bytes(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = resp.status();
    let heads = resp.headers_names().into_iter().map(|n| (n.clone(), resp.header(&n).unwrap_or("").to_owned())).collect();
    let text = resp.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), heads)
}

fn get_bytes(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>, Vec<(String, String)>) {
    let mut req = ureq::get(&format!("{}{path}", s.url)).timeout(Duration::from_secs(30));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = resp.status();
    let heads = resp.headers_names().into_iter().map(|n| (n.clone(), resp.header(&n).unwrap_or("").to_owned())).collect();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).unwrap();
    (status, body, heads)
}

fn header<'a>(heads: &'a [(String, String)], name: &str) -> &'a str {
    heads.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn staff_headers(st: &Staff) -> Vec<(&str, &str)> {
    vec![("Cookie", st.cookie.as_str()), ("x-csrf-token", st.csrf.as_str())]
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn data(s: &TestServer) -> PathBuf {
    s.host.config.data_dir.clone()
}

/// The blobs stored for every plugin (not the temporary folder).
fn blobs(s: &TestServer) -> Vec<PathBuf> {
    files_under(&data(s).join("files")).into_iter().filter(|p| !p.starts_with(data(s).join("files/tmp"))).collect()
}

fn temp_files(s: &TestServer) -> Vec<PathBuf> {
    files_under(&data(s).join("files/tmp"))
}

fn stored(s: &TestServer, plugin: &str) -> Vec<linli_host::files::FileMeta> {
    s.host.services.files.list(plugin).unwrap()
}

fn error_text(v: &Value) -> String {
    format!("{} / {}", v["error"]["message_zh"].as_str().unwrap_or(""), v["error"]["message_en"].as_str().unwrap_or(""))
}

#[test]
fn an_upload_is_stored_by_its_content_outside_the_database_and_served_to_the_routes_audience() {
    let (s, _clock) = start("");
    let (code, v, _) = post(&s, "/files/up?keep=1", &[("x-linli-file-name", "%E7%85%A7%E7%89%87.png"), ("content-type", "image/png")], PNG);
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["type"], "image/png");
    assert_eq!(v["name"], "照片.png");
    assert_eq!(v["size"], PNG.len());
    assert_eq!(v["kept"], true, "the keep of the call is applied");
    let sha = v["sha256"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();
    // Stored under its content address, outside the database.
    let path = data(&s).join("files/files").join(&sha[..2]).join(&sha[2..]);
    assert_eq!(std::fs::read(&path).unwrap(), PNG, "{}", path.display());
    assert_eq!(stored(&s, "files")[0].kept, true);

    let (code, body, heads) = get_bytes(&s, &format!("/files/public/{id}"), &[]);
    assert_eq!(code, 200);
    assert_eq!(body, PNG);
    assert_eq!(header(&heads, "content-type"), "image/png");
    assert!(header(&heads, "content-disposition").starts_with("attachment;"), "{heads:?}");
    assert!(header(&heads, "content-security-policy").contains("sandbox"), "{heads:?}");

    // The same picture again is one blob, two files.
    let (code, v2, _) = post(&s, "/files/up?keep=1", &[], PNG);
    assert_eq!(code, 201, "{v2}");
    assert_ne!(v2["id"], v["id"]);
    assert_eq!(blobs(&s).len(), 1, "{:?}", blobs(&s));

    // The upload page shows progress: its script is the SDK's.
    let (code, page) = s.get("/files/page");
    assert_eq!(code, 200);
    assert!(page.contains("<progress") && page.contains("data-linli-upload") && page.contains("src=\"/files/upload.js\""), "{page}");
    let (code, js, heads) = get_bytes(&s, "/files/upload.js", &[]);
    assert_eq!(code, 200);
    assert!(header(&heads, "content-type").starts_with("text/javascript"));
    let js = String::from_utf8(js).unwrap();
    assert!(js.contains("upload.onprogress") && js.contains("x-linli-file-name") && js.contains("已上传"), "{js}");
}

#[test]
fn a_spoofed_type_is_refused_by_its_bytes_whatever_its_name_and_content_type() {
    let (s, _clock) = start("");
    for (what, body) in [
        ("html", &b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"[..]),
        ("exe", &b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0 This program cannot be run in DOS mode"[..]),
    ] {
        let (code, v, _) = post(&s, "/files/up?keep=1", &[("x-linli-file-name", "%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"), ("content-type", "application/pdf")], body);
        assert_eq!(code, 415, "{what}: {v}");
        assert_eq!(v["error"]["code"], "file_type", "{what}: {v}");
        let text = error_text(&v);
        assert!(text.contains("files") && text.contains("png, pdf"), "{what}: the plugin and the accepted types are named: {text}");
    }
    assert!(stored(&s, "files").is_empty(), "nothing recorded");
    assert!(blobs(&s).is_empty() && temp_files(&s).is_empty(), "nothing on disk: {:?}", files_under(&data(&s).join("files")));
    // Text that is markup is not text either.
    let (code, v, _) = post(&s, "/files/text", &[("x-linli-file-name", "readme.txt")], b"  <svg onload=alert(1)>");
    assert_eq!(code, 415, "{v}");
    // Nothing else disturbed: a real PNG still goes in.
    assert_eq!(post(&s, "/files/up", &[], PNG).0, 201);
}

#[test]
fn an_oversized_upload_is_refused_while_it_streams_and_nothing_is_kept() {
    let (s, _clock) = start("");
    // A declared length over the cap is refused before the body is read
    // (the client sends the head and a few bytes, and waits).
    let addr = s.url.trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(conn, "POST /files/up HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 307200\r\n\r\n%PDF-1.7\n").unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let v: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(v["error"]["code"], "file_too_large", "{answer}");
    assert!(error_text(&v).contains("204800") && error_text(&v).contains("files"), "the limit and the plugin are named: {v}");
    assert!(temp_files(&s).is_empty() && blobs(&s).is_empty());

    // Without a length (chunked), the host counts as it reads and stops
    // at the cap: the answer comes while the body has not ended (the
    // client sends a little over the cap, then waits without ending it).
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(conn, "POST /files/up HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nx-linli-file-name: big.pdf\r\n\r\n").unwrap();
    let mut sent = 0usize;
    let mut piece = b"%PDF-1.7\n".to_vec();
    piece.resize(16 * 1024, b'y');
    while sent < 204_800 + 8 * 1024 {
        conn.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).unwrap();
        conn.write_all(&piece).unwrap();
        conn.write_all(b"\r\n").unwrap();
        sent += piece.len();
    }
    conn.flush().unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "413 while streaming (after {sent} bytes): {answer}");
    assert!(answer.contains("204800"), "{answer}");
    assert!(wait_for(Duration::from_secs(5), || temp_files(&s).is_empty().then_some(())).is_some(), "no temporary file left: {:?}", temp_files(&s));
    assert!(stored(&s, "files").is_empty() && blobs(&s).is_empty(), "nothing kept");
    assert_eq!(post(&s, "/files/up", &[], PNG).0, 201, "the next upload works");
}

#[test]
fn a_truncated_upload_keeps_nothing_and_leaves_no_temporary_file() {
    let (s, _clock) = start("");
    let addr = s.url.trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(conn, "POST /files/up?keep=1 HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 150000\r\nx-linli-file-name: cut.pdf\r\n\r\n").unwrap();
    let mut body = b"%PDF-1.7\n".to_vec();
    body.extend(std::iter::repeat_n(b'z', 60_000));
    conn.write_all(&body).unwrap();
    conn.flush().unwrap();
    // The temporary file exists while the body arrives…
    assert!(wait_for(Duration::from_secs(5), || (!temp_files(&s).is_empty()).then_some(())).is_some(), "the upload was being received");
    // …and the connection is cut mid-body.
    drop(conn);
    assert!(wait_for(Duration::from_secs(10), || temp_files(&s).is_empty().then_some(())).is_some(), "no temporary file left: {:?}", temp_files(&s));
    assert!(stored(&s, "files").is_empty(), "nothing recorded");
    assert!(blobs(&s).is_empty(), "nothing stored");
    assert_eq!(post(&s, "/files/up", &[], PNG).0, 201, "the next upload works");
}

#[test]
fn names_with_dot_dot_and_nul_are_sanitised_and_never_a_path() {
    let (s, _clock) = start("");
    for raw in ["..%2F..%2F..%2Fetc%2Fpasswd%00.png", "../../evil.png", "..\\..\\win.png", "%00%00", ".htaccess"] {
        let (code, v, _) = post(&s, "/files/up?keep=1", &[("x-linli-file-name", raw)], PNG);
        assert_eq!(code, 201, "{raw}: {v}");
        let name = v["name"].as_str().unwrap();
        assert!(!name.contains('/') && !name.contains('\\') && !name.contains('\0') && !name.starts_with('.'), "{raw} → {name:?}");
        let (code, _, heads) = get_bytes(&s, &format!("/files/public/{}", v["id"].as_str().unwrap()), &[]);
        assert_eq!(code, 200);
        let cd = header(&heads, "content-disposition");
        assert!(!cd.contains("..") && !cd.contains('/'), "{cd}");
    }
    let names: Vec<String> = stored(&s, "files").into_iter().map(|m| m.name).collect();
    assert!(names.contains(&"passwd.png".to_owned()) && names.contains(&"evil.png".to_owned()) && names.contains(&"win.png".to_owned()), "{names:?}");
    // Nothing was written outside the plugin's folder of blobs.
    let root = data(&s).join("files/files");
    assert!(blobs(&s).iter().all(|p| p.starts_with(&root)), "{:?}", blobs(&s));
    assert!(!data(&s).parent().unwrap().join("etc").exists() && !Path::new(&data(&s)).join("evil.png").exists());
}

#[test]
fn a_full_quota_is_refused_naming_the_plugin_and_the_limit() {
    let (s, _clock) = start("[plugins.files.limits]\nfiles_count = 2\n");
    assert_eq!(post(&s, "/files/up?keep=1", &[], PNG).0, 201);
    assert_eq!(post(&s, "/files/up?keep=1", &[], PNG).0, 201);
    let (code, v, _) = post(&s, "/files/up?keep=1", &[], PNG);
    assert_eq!(code, 507, "{v}");
    assert_eq!(v["error"]["code"], "file_quota");
    assert!(error_text(&v).contains("files") && error_text(&v).contains("files_count"), "{v}");
    assert_eq!(stored(&s, "files").len(), 2);
    // The other plugin's quota is its own.
    assert_eq!(post(&s, "/files-b/up?keep=1", &[], PNG).0, 201);
}

#[test]
fn a_full_byte_quota_is_refused_naming_the_plugin_and_the_limit() {
    let (s, _clock) = start("[plugins.files.limits]\nfiles_mib = 1\n");
    let staff = sign_in(&s, "clerk5", &["clerk"]);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(700 * 1024, b'q');
    let (code, v, _) = post(&s, "/files/big", &staff_headers(&staff), &pdf);
    assert_eq!(code, 201, "{v}");
    let (code, v, _) = post(&s, "/files/big", &staff_headers(&staff), &pdf);
    assert_eq!(code, 507, "{v}");
    assert!(error_text(&v).contains("files") && error_text(&v).contains("files_mib"), "{v}");
    assert_eq!(stored(&s, "files").len(), 1);
    assert!(temp_files(&s).is_empty());
}

#[test]
fn a_file_is_served_only_through_its_plugins_routes_to_their_audience() {
    let (s, _clock) = start("");
    let staff = sign_in(&s, "clerk1", &["clerk"]);
    let pdf = b"%PDF-1.4\n1 0 obj << /Title (Zhang San application) >> endobj\n%%EOF\n";
    let (code, v, _) = post(&s, "/files/personal", &[staff_headers(&staff), vec![("x-linli-file-name", "application.pdf")]].concat(), pdf);
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["personal"], true);

    // Staff read it through the staff route.
    let (code, body, _) = get_bytes(&s, &format!("/files/staff/{id}"), &[("Cookie", &staff.cookie)]);
    assert_eq!(code, 200);
    assert_eq!(body, pdf);
    // Anonymous callers do not pass the staff route's audience check.
    let (code, body, _) = get_bytes(&s, &format!("/files/staff/{id}"), &[]);
    assert_eq!(code, 401, "{}", String::from_utf8_lossy(&body));
    // Another plugin answering "serve this id" gets nothing: the id is not its.
    let (code, body, _) = get_bytes(&s, &format!("/files-b/public/{id}?force=1"), &[]);
    assert_eq!(code, 404, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(error_text(&v).contains("files-b"), "the refusing plugin is named: {v}");
    let (code, body, _) = get_bytes(&s, &format!("/files-b/staff/{id}"), &[("Cookie", &staff.cookie)]);
    assert_eq!(code, 404, "{}", String::from_utf8_lossy(&body));
    // Nor can the other plugin read it through the capability.
    let (code, v) = {
        let (c, b, _) = get_bytes(&s, &format!("/files-b/info/{id}"), &[("Cookie", &staff.cookie)]);
        (c, serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
    };
    assert_eq!((code, &v["file"]), (404, &Value::Null), "{v}");
    // The owner reads it in ranges, never more than 1 MiB at once.
    let (code, body, _) = get_bytes(&s, &format!("/files/info/{id}"), &[("Cookie", &staff.cookie)]);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["head"]["Ok"], "255044462d312e34", "{v}");
    assert!(v["big_read"]["Err"].as_str().is_some_and(|e| e.contains("files") && e.contains("1048576")), "{v}");
    // A client cannot hand the plugin a file id of its choosing.
    let (code, v, _) = post(&s, "/files/up?keep=1", &[("x-linli-file", &id)], PNG);
    assert_eq!(code, 201, "{v}");
    assert_ne!(v["id"].as_str(), Some(id.as_str()));
}

#[test]
fn a_personal_file_is_not_plaintext_on_disk_and_every_access_is_audited() {
    let (s, _clock) = start("");
    let staff = sign_in(&s, "guide1", &["guide"]);
    let marker = "RESIDENT-MATERIAL-ZHANG-SAN-110101199003077777";
    let mut pdf = b"%PDF-1.4\n".to_vec();
    for i in 0..3000 {
        pdf.extend_from_slice(format!("line {i} {marker}\n").as_bytes()); // ~190 KB, several sealed chunks
    }
    let (code, v, _) = post(&s, "/files/personal", &[staff_headers(&staff), vec![("x-linli-file-name", "zhang.pdf")]].concat(), &pdf);
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let sha = v["sha256"].as_str().unwrap().to_owned();
    // No file of the data folder holds the content (or its hash as a name).
    for f in files_under(&data(&s)) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()), "plaintext in {}", f.display());
        assert!(!bytes.windows(9).any(|w| w == b"%PDF-1.4\n"), "plaintext in {}", f.display());
        assert!(!f.to_string_lossy().contains(&sha[2..]), "the content's hash names {}", f.display());
    }
    assert_eq!(blobs(&s).len(), 1);
    let key = data(&s).join("keys/files.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "the key is the owner's only");
    }
    // It reads back whole through the staff route.
    let (code, body, heads) = get_bytes(&s, &format!("/files/staff/{id}"), &[("Cookie", &staff.cookie)]);
    assert_eq!(code, 200);
    assert_eq!(body, pdf);
    assert_eq!(header(&heads, "cache-control"), "private, no-store");
    assert_eq!(header(&heads, "accept-ranges"), "bytes");
    // Ranges, across a sealed chunk's edge too.
    for (range, from, to) in [("bytes=10-19", 10, 20), ("bytes=65530-65560", 65530, 65561), ("bytes=-7", pdf.len() - 7, pdf.len())] {
        let (code, body, heads) = get_bytes(&s, &format!("/files/staff/{id}"), &[("Cookie", &staff.cookie), ("Range", range)]);
        assert_eq!(code, 206, "{range}");
        assert_eq!(body, &pdf[from..to], "{range}");
        assert_eq!(header(&heads, "content-range"), format!("bytes {from}-{}/{}", to - 1, pdf.len()));
    }
    let (code, _, heads) = get_bytes(&s, &format!("/files/staff/{id}"), &[("Cookie", &staff.cookie), ("Range", "bytes=999999-")]);
    assert_eq!(code, 416);
    assert_eq!(header(&heads, "content-range"), format!("bytes */{}", pdf.len()));
    // The upload and the read are in the audit log, with who did it.
    let entries = linli_host::audit::query(&s.host.db, &linli_host::audit::Filter { target: Some(id.clone()), ..Default::default() }).unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"file.upload") && actions.contains(&"file.read"), "{actions:?}");
    assert!(entries.iter().all(|e| e.actor_name.as_deref() == Some("测试员")), "{entries:?}");
    // A damaged sealed file does not open (no silent garbage).
    let blob = blobs(&s).pop().unwrap();
    let mut raw = std::fs::read(&blob).unwrap();
    raw[100] ^= 1;
    std::fs::write(&blob, raw).unwrap();
    let (code, body, _) = get_bytes(&s, &format!("/files/info/{id}"), &[("Cookie", &staff.cookie)]);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 200, "{v}");
    assert!(v["head"]["Err"].is_string(), "a damaged file is an error: {v}");
}

#[test]
fn files_nobody_keeps_are_swept_after_the_grace_period_and_a_failed_call_keeps_nothing() {
    let (s, clock) = start("");
    let (_, loose, _) = post(&s, "/files/up", &[], PNG);
    let (_, kept, _) = post(&s, "/files/up?keep=1", &[], b"%PDF-1.7\nkept one\n");
    assert_eq!((loose["kept"].as_bool(), kept["kept"].as_bool()), (Some(false), Some(true)));
    // A call that refuses its upload, or traps after keeping it, leaves nothing.
    let (code, _, _) = post(&s, "/files/up?fail=1", &[], b"%PDF-1.7\nrefused\n");
    assert_eq!(code, 422);
    let (code, _, _) = post(&s, "/files/up?keep=1&trap=1", &[], b"%PDF-1.7\ntrapped\n");
    assert_eq!(code, 500);
    assert_eq!(stored(&s, "files").len(), 2, "{:?}", stored(&s, "files"));
    assert_eq!(blobs(&s).len(), 2);

    let files = &s.host.services.files;
    let hour = 3_600_000;
    clock.0.fetch_add(23 * hour, Ordering::SeqCst);
    assert_eq!(files.sweep(s.host.now_ms()).unwrap(), 0, "within the grace period nothing goes");
    clock.0.fetch_add(2 * hour, Ordering::SeqCst);
    assert_eq!(files.sweep(s.host.now_ms()).unwrap(), 1);
    let left: Vec<String> = stored(&s, "files").into_iter().map(|m| m.id).collect();
    assert_eq!(left, [kept["id"].as_str().unwrap()]);
    assert_eq!(blobs(&s).len(), 1, "the loose file's blob is gone");
    assert_eq!(get_bytes(&s, &format!("/files/public/{}", loose["id"].as_str().unwrap()), &[]).0, 404);

    // Released, the kept one goes a grace period later (a new sign-in:
    // the clock moved past the first session's 12 hours).
    let staff = sign_in(&s, "clerk3", &["clerk"]);
    let kid = kept["id"].as_str().unwrap();
    let (code, v, _) = post(&s, &format!("/files/release/{kid}"), &staff_headers(&staff), b"");
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["released"]["Ok"], true, "{v}");
    assert_eq!(files.sweep(s.host.now_ms()).unwrap(), 0);
    clock.0.fetch_add(25 * hour, Ordering::SeqCst);
    assert_eq!(files.sweep(s.host.now_ms()).unwrap(), 1);
    assert!(stored(&s, "files").is_empty() && blobs(&s).is_empty());
}

#[test]
fn an_upload_route_of_a_plugin_without_the_grant_is_refused_by_name() {
    let (s, _clock) = start("[plugins.files]\ngrants = []\n");
    let (code, v, _) = post(&s, "/files/up", &[], PNG);
    assert_eq!(code, 403, "{v}");
    assert!(error_text(&v).contains("files"), "{v}");
    assert!(temp_files(&s).is_empty() && blobs(&s).is_empty());
}

/// The harness takes files from bytes, with the server's checks.
#[test]
fn the_harness_uploads_files_from_bytes() {
    use linli_host::auth::Caller;
    use linli_host::testing::PluginHarness;
    let h = PluginHarness::load(fixtures::FILES).unwrap();
    let r = h.upload("/files/up?keep=1", "a.png", PNG, &Caller::anonymous("zh-CN"));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(h.file_bytes(&id).unwrap(), PNG);
    assert_eq!(h.files().len(), 1);
    let r = h.upload("/files/up", "x.pdf", b"<html>", &Caller::anonymous("zh-CN"));
    assert_eq!(r.status, 415, "{}", r.text());
    assert!(r.text().contains("plugin `files`"), "{}", r.text());
    let r = h.upload("/files/up", "big.png", &[PNG, &vec![0u8; 300 * 1024]].concat(), &Caller::anonymous("zh-CN"));
    assert_eq!(r.status, 413, "{}", r.text());
    let r = h.upload("/files/personal", "p.pdf", b"%PDF-1.4\n", &Caller::anonymous("zh-CN"));
    assert_eq!(r.status, 401, "the route's audience is checked");
    let r = h.upload("/files/up", "loose.png", PNG, &Caller::anonymous("zh-CN"));
    assert_eq!(r.status, 201);
    h.set_time(1_767_225_600_000 + 25 * 3_600_000);
    assert_eq!(h.sweep_files(), 1, "the loose file goes after the grace period");
    assert_eq!(h.files().len(), 1);
}

/// 20 MiB of a PDF, made as it is read (the client never holds it whole either).
struct BigPdf {
    pos: usize,
    len: usize,
}

impl BigPdf {
    fn byte(i: usize) -> u8 {
        const HEAD: &[u8] = b"%PDF-1.7\n";
        if i < HEAD.len() { HEAD[i] } else { (i.wrapping_mul(31) ^ (i >> 9)) as u8 }
    }
}

impl Read for BigPdf {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out.len().min(self.len - self.pos).min(64 * 1024);
        for (k, b) in out[..n].iter_mut().enumerate() {
            *b = Self::byte(self.pos + k);
        }
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_20_mib_personal_upload_streams_in_and_back_out() {
    let (s, _clock) = start("");
    let staff = sign_in(&s, "clerk9", &["clerk"]);
    let len = 20 * 1024 * 1024;
    let resp = ureq::post(&format!("{}/files/big?keep=1", s.url))
        .timeout(Duration::from_secs(120))
        .set("Cookie", &staff.cookie)
        .set("x-csrf-token", &staff.csrf)
        .set("x-linli-file-name", "scan.pdf")
        .send(BigPdf { pos: 0, len });
    let v: Value = match resp {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(c, r)) => panic!("{c}: {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(v["size"], len, "{v}");
    assert_eq!(v["personal"], true);
    let id = v["id"].as_str().unwrap();
    // Sealed on disk: a little more than the content (a tag per 64 KiB chunk).
    let blob = blobs(&s).pop().unwrap();
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), (len + 12 + 16 * (len / (64 * 1024))) as u64);
    let r = ureq::get(&format!("{}/files/staff/{id}", s.url)).timeout(Duration::from_secs(120)).set("Cookie", &staff.cookie).call().unwrap();
    assert_eq!(r.header("content-length"), Some(len.to_string().as_str()));
    let mut reader = r.into_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(buf[..n].iter().enumerate().all(|(k, b)| *b == BigPdf::byte(at + k)), "the bytes from {at} differ");
        at += n;
    }
    assert_eq!(at, len);
}

/// The upload page in a real browser: the SDK's script sends the chosen
/// file as the body with its name, and the page shows the progress.
#[test]
fn the_upload_page_sends_the_file_and_shows_progress() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let (s, _clock) = start("");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("门牌照片.png");
    std::fs::write(&file, PNG).unwrap();
    b.open(&format!("{}/files/page?lang=zh-CN", s.url));
    b.until("the upload form", "document.querySelector('form[data-linli-upload] input[type=file]')");
    let e = b.call("POST", "/element", Some(serde_json::json!({"using": "css selector", "value": "input[type=file]"})));
    let id = e["value"]["element-6066-11e4-a52e-4f735466cecf"].as_str().unwrap().to_owned();
    b.call("POST", &format!("/element/{id}/value"), Some(serde_json::json!({"text": file.display().to_string()})));
    b.click("form[data-linli-upload] button");
    b.until("the upload to finish", "document.querySelector('[data-status]').textContent === '上传完成'");
    assert_eq!(b.js("return document.querySelector('progress').value;"), serde_json::json!(100));
    let files = stored(&s, "files");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].name, "门牌照片.png");
    assert_eq!(files[0].content_type, "image/png");
    assert!(files[0].kept);
}
