//! Issue 15, the first "must show" bullet: the whole one-visit flow in real
//! headless Chromium, on one real host with the guides, appointments,
//! applications and queue plugins linked by an admin, on a controllable
//! clock. A resident searches 低保, reads the guide, books a slot, applies
//! with the booking and uploads the materials (a JPEG and PDFs); the clerk
//! asks for one correction; the resident uploads it again; the clerk
//! accepts; on the day the resident checks in at the kiosk with the code
//! and gets an appointment ticket, which the counter calls at its time
//! ahead of the walk-ins who took theirs earlier; the clerk finishes and
//! completes the application; the certificate verifies at /verify/CODE;
//! and the resident's case page (and the staff's) shows every step.
//! Under CI=true a missing Chromium fails (`linli_tests::browser`).

use linli_host::runtime::capabilities::ManualClock;
use linli_tests::browser::Browser;
use linli_tests::{Staff, TestServer, fixtures, http_json, sign_in};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Wednesday 2026-03-04; the visit is booked for Thursday 03-05.
const MAR04: i64 = DAY1 + 62 * DAY;
const PASSWORD: &str = "correct horse battery";

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

/// The hall's settings: the certificate the hall prints for an accepted
/// 低保 application (a 受理回执 with a verification code, as community
/// halls hand over before the street office decides), and the public
/// address the QR code points to.
const SETTINGS: &str = r#"
[plugins.applications.config]
public_url = "http://192.168.1.10:8080"
certificates = [
  { item = "dibao", title_zh = "最低生活保障申请受理回执", title_en = "Receipt of the minimum living allowance application", text_zh = "兹证明{name}（身份证号：{id}）的最低生活保障申请材料已经本社区逐项核验齐全，予以受理，并报街道办事处审核。" },
]
"#;

fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0 a photo of a document");
    b.resize(4096, 0x11);
    b
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as base64 PNG in DIR/NAME.png.b64.
fn snap(b: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

/// The resident: no staff session in this browser.
fn as_resident(b: &Browser) {
    b.call("DELETE", "/cookie", None);
}

/// The clerk 王窗口 signs in through the login form at window 1.
fn as_clerk(b: &Browser, base: &str) {
    b.call("DELETE", "/cookie", None);
    b.open(&format!("{base}/login?lang=zh-CN"));
    b.js(&format!("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'wang'; f.password.value = {PASSWORD:?}; if (f.window) f.window.value = '1'; f.submit(); return 1;"));
    b.until("signed in", "document.querySelector('.topbar .who')");
}

/// Choose `bytes` (as a file named `name`) in material `mid`'s file input,
/// as a person picking it, and send it with the page's upload button.
fn pick_and_upload(b: &Browser, dir: &std::path::Path, mid: &str, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a file to upload");
    let css = format!(".ac-mat[data-mid=\"{mid}\"] input[type=file]");
    let e = b.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
    let id = e["value"]["element-6066-11e4-a52e-4f735466cecf"].as_str().unwrap_or_else(|| panic!("no file input for {mid}: {e}")).to_owned();
    b.call("POST", &format!("/element/{id}/value"), Some(json!({"text": path.display().to_string()})));
    b.click(&format!(".ac-mat[data-mid=\"{mid}\"] button[type=submit]"));
    b.until(&format!("{mid} uploaded"), &format!("document.querySelector('.ac-mat[data-mid=\"{mid}\"] .ac-st-uploaded')"));
}

#[test]
fn one_visit_from_the_guide_to_the_verified_certificate_in_chromium() {
    let Some(b) = Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let set = |ms: i64| clock.0.store(ms, Ordering::SeqCst);
    let s = TestServer::start_custom(&[fixtures::PLUGIN_GUIDES, fixtures::PLUGIN_APPOINTMENTS, fixtures::PLUGIN_APPLICATIONS, fixtures::PLUGIN_QUEUE], SETTINGS, None, clock.clone());
    // The admin's links (HTTP: an admin's one-time set-up, not the flow).
    let admin = sign_in(&s, "admin", &["admin"]);
    for (from, to) in [("applications", json!(["guides", "appointments", "queue"])), ("appointments", json!(["queue"]))] {
        let (code, v) = post(&s, Some(&admin), &format!("/api/host/plugins/{from}/calls"), &json!({"callees": to}));
        assert_eq!(code, 200, "{from}: {v}");
    }
    linli_host::auth::sessions::create_staff(&s.host.db, "wang", "王窗口", PASSWORD, &["clerk".to_string()], s.host.now_ms()).expect("the clerk");
    let dir = tempfile::tempdir().expect("a folder for the files");
    b.resize(1280, 1600);

    // 1. The guide: search 低保, read it.
    b.open(&format!("{}/guides?lang=zh-CN", s.url));
    b.js("var f = document.getElementById('g-search'); f.q.value = '低保'; f.submit(); return 1;");
    b.until("the results", "document.querySelector('#g-results li[data-code=\"dibao\"] a')");
    b.click("#g-results li[data-code=\"dibao\"] a");
    let guide = b.until("the guide", "document.getElementById('g-item') && document.getElementById('g-item').innerText");
    assert!(guide.as_str().unwrap().contains("居民身份证"), "the materials list: {guide}");

    // 2. Book a slot, from the guide's own link (shown because the hall's
    // appointments and pre-acceptance both offer 低保).
    b.until("the guide's next steps", "!document.getElementById('g-book').hidden && !document.getElementById('g-apply').hidden");
    b.click("#g-book");
    b.until("the booking page", "location.pathname === '/appointments' && location.search.includes('item=dibao')");
    b.until("the days", "document.querySelector('#ap-days button')");
    b.click("#ap-days button");
    b.until("the slots", "document.querySelector('#ap-slots button')");
    b.click("#ap-slots button");
    b.js("document.getElementById('ap-phone').value = '138 0013 8000'; return 1;");
    b.click("#ap-book button[type=submit]");
    let booking = b.until("the booking code", "document.getElementById('ap-code') && document.getElementById('ap-code').textContent");
    let booking = booking.as_str().unwrap().to_owned();
    let when = b.js("return document.getElementById('ap-done').innerText;");
    assert!(when.as_str().unwrap().contains("2026-03-05 09:00"), "{when}");

    // 3. Apply from the booking page's link: the booking code comes along.
    b.until("the link to apply", "document.getElementById('ap-apply')");
    b.click("#ap-apply");
    b.until("the form", "document.getElementById('ac-item') && document.getElementById('ac-item').value === 'dibao'");
    assert_eq!(b.js("return document.getElementById('ac-booking').value;"), json!(booking), "the booking code filled in");
    b.js("document.getElementById('ac-name').value = '张三明'; document.getElementById('ac-phone').value = '13800138000'; return 1;");
    b.click("#ac-apply button[type=submit]");
    let path = b.until("the resident's page", "location.pathname.startsWith('/applications/a/') && location.pathname");
    let token = path.as_str().unwrap().trim_start_matches("/applications/a/").to_owned();
    assert_eq!(b.js("return document.getElementById('ac-booking-code').textContent;"), json!(booking), "the booking linked");
    // The materials: a JPEG and PDFs (居民户口簿 is on file at the hall).
    pick_and_upload(&b, dir.path(), "m1", "申请书.jpg", &jpeg());
    pick_and_upload(&b, dir.path(), "m2", "身份证.pdf", &pdf());
    pick_and_upload(&b, dir.path(), "m4", "收入说明.pdf", &pdf());
    pick_and_upload(&b, dir.path(), "m5", "病历.pdf", &pdf());
    b.click("#ac-submit");
    b.until("submitted", "document.getElementById('ac-status').textContent.includes('待审核')");
    let (_, v) = http_json(ureq::get(&format!("{}/api/applications/a/{token}", s.url)), &Value::Null);
    let id = v["id"].as_i64().unwrap();

    // 4. The clerk asks to correct one.
    set(at(MAR04, 10, 0));
    as_clerk(&b, &s.url);
    b.open(&format!("{}/applications/review/{id}?lang=zh-CN", s.url));
    b.until("the verdicts", "document.querySelectorAll('fieldset.ac-verdict').length === 4");
    b.js("['m1', 'm4', 'm5'].forEach(function (m) { document.querySelector('input[name=\"v-' + m + '\"][value=accept]').checked = true; }); \
          var fs = document.querySelector('fieldset.ac-verdict[data-mid=\"m2\"]'); fs.querySelector('input[value=correct]').checked = true; \
          fs.querySelector('input[name=reason][value=incomplete]').checked = true; fs.querySelector('textarea').value = '请上传身份证正反两面'; return 1;");
    b.click("#ac-review");
    b.until("correction asked", "document.getElementById('ac-status').textContent.includes('待补正')");

    // 5. The resident uploads it again; only it is open.
    set(at(MAR04, 14, 0));
    as_resident(&b);
    b.open(&format!("{}/applications/a/{token}?lang=zh-CN", s.url));
    b.until("the page", "document.getElementById('ac-materials')");
    let open = b.js("return Array.prototype.map.call(document.querySelectorAll('form[data-linli-upload]'), function (f) { return f.closest('.ac-mat').getAttribute('data-mid'); });");
    assert_eq!(open, json!(["m2"]), "only the material asked for");
    pick_and_upload(&b, dir.path(), "m2", "身份证正反面.jpg", &jpeg());
    b.click("#ac-submit");
    b.until("resubmitted", "document.getElementById('ac-status').textContent.includes('待审核')");

    // 6. The clerk accepts it.
    set(at(MAR04, 15, 0));
    as_clerk(&b, &s.url);
    b.open(&format!("{}/applications/review/{id}?lang=zh-CN", s.url));
    b.until("one verdict", "document.querySelectorAll('fieldset.ac-verdict').length === 1");
    b.js("document.querySelector('input[name=\"v-m2\"][value=accept]').checked = true; return 1;");
    b.click("#ac-review");
    b.until("accepted", "document.getElementById('ac-status').textContent.includes('已受理')");

    // 7. The day: two walk-ins take tickets before the resident comes
    // (HTTP: the kiosk's tap adds nothing here; the kiosk page has its own
    // Chromium test), then the resident checks in at the kiosk.
    set(at(MAR04 + DAY, 8, 35));
    let mut walk_ins = Vec::new();
    for _ in 0..2 {
        let (code, v) = post(&s, None, "/api/queue/tickets", &json!({"service": "A"}));
        assert_eq!(code, 201, "{v}");
        walk_ins.push(v["ticket"].as_str().unwrap_or_default().to_owned());
    }
    set(at(MAR04 + DAY, 8, 50));
    as_resident(&b);
    b.open(&format!("{}/appointments/kiosk?lang=zh-CN", s.url));
    b.until("the kiosk", "document.getElementById('ap-key')");
    b.js(&format!("document.getElementById('ap-key').value = '{}'; return 1;", booking.to_lowercase()));
    b.click("#ap-checkin button[type=submit]");
    let ticket = b.until("the ticket", "document.getElementById('ap-ticket') && document.getElementById('ap-ticket').textContent");
    let ticket = ticket.as_str().unwrap().to_owned();
    assert!(!walk_ins.contains(&ticket), "{ticket} {walk_ins:?}");

    // 8. At 09:00 the counter calls it ahead of the walk-ins; the clerk
    // finishes it and completes the application.
    set(at(MAR04 + DAY, 9, 0));
    as_clerk(&b, &s.url);
    b.open(&format!("{}/queue/counter?lang=zh-CN", s.url));
    b.until("the counter ready", "document.getElementById('q-next') && !document.getElementById('q-next').disabled");
    b.click("#q-next");
    let called = b.until("a ticket called", "document.getElementById('q-cur').innerText !== '—' && document.getElementById('q-cur').innerText");
    assert_eq!(called, json!(ticket), "the appointment first, ahead of {walk_ins:?}");
    set(at(MAR04 + DAY, 9, 12));
    b.until("finish enabled", "!document.getElementById('q-done').disabled");
    b.click("#q-done");
    b.until("finished", "document.getElementById('q-cur').innerText === '—'");
    b.open(&format!("{}/applications/review/{id}?lang=zh-CN", s.url));
    b.until("the outcome form", "document.getElementById('ac-decide')");
    b.click("#ac-decide button[type=submit]");
    let code = b.until("the certificate", "document.querySelector('.ac-cert') && location.pathname.split('/').pop()");
    let code = code.as_str().unwrap().to_owned();
    let printed = b.js("return document.querySelector('.ac-cert').innerText;");
    assert!(printed.as_str().unwrap().contains(&format!("http://192.168.1.10:8080/verify/{code}")), "the printed address: {printed}");
    // The staff's case thread.
    b.open(&format!("{}/applications/review/{id}/thread?lang=zh-CN", s.url));
    b.until("the thread", "document.querySelectorAll('.ac-stage').length === 5");
    let staff_text = b.js("return document.getElementById('ac-thread').innerText;");
    let staff_text = staff_text.as_str().unwrap();
    assert!(staff_text.contains("居民本人") && staff_text.contains("王窗口") && staff_text.contains(&ticket) && staff_text.contains("1 号窗口"), "{staff_text}");
    // The whole thread in one picture of README size (under 300 KB).
    b.resize(1280, 1540);
    b.js("document.body.style.zoom = '0.85'; return 1;");
    snap(&b, "one-visit-staff-thread");

    // 9. Anyone verifies the certificate at /verify/CODE.
    as_resident(&b);
    b.open(&format!("{}/verify/{}?lang=zh-CN", s.url, code.to_lowercase()));
    let check = b.until("the check", "document.getElementById('ac-verdict') && document.body.innerText");
    let check = check.as_str().unwrap();
    assert!(check.contains("证明有效") && check.contains("张**") && check.contains("最低生活保障申请受理回执") && !check.contains("张三明"), "{check}");

    // 10. The resident's case page: every step, with who and when.
    b.open(&format!("{}/applications/a/{token}?lang=zh-CN", s.url));
    b.click("#ac-thread");
    b.until("the thread", "document.querySelectorAll('.ac-stage').length === 5");
    let done = b.js("return Array.prototype.map.call(document.querySelectorAll('.ac-stage'), function (s) { return s.dataset.stage + ':' + s.dataset.done; });");
    assert_eq!(done, json!(["guide:true", "appointment:true", "application:true", "ticket:true", "outcome:true"]));
    let text = b.js("return document.getElementById('ac-thread').innerText;");
    let text = text.as_str().unwrap();
    for needle in [
        "版办事指南",
        "2026-03-04 09:00",
        "本人",
        &booking,
        "一次性告知补正",
        "补正上传",
        "受理",
        "2026-03-05 08:50",
        &ticket,
        "2026-03-05 09:00",
        "1 号窗口",
        "2026-03-05 09:12",
        "办结",
        &code,
    ] {
        assert!(text.contains(needle), "the resident's case page shows {needle}: {text}");
    }
    assert!(!text.contains("13800138000") && !text.contains("wang"), "no phone, no staff account: {text}");
    b.resize(1280, 1540);
    b.js("document.body.style.zoom = '0.85'; return 1;");
    snap(&b, "one-visit-resident-case");
}
