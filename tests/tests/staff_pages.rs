//! Headless Chromium over the host's staff and devices pages, as an admin
//! uses them: an account needs a role (the error shows beside the roles),
//! disabling asks first and can be undone, a clerk's windows are assigned;
//! a new device shows in the list at once, "从未连接", with its pairing QR
//! code and a copy button. The pages run under `script-src 'self'`: their
//! forms work only if the served script does.

use linli_tests::browser::Browser;
use linli_tests::{TestServer, fixtures};

const PASSWORD: &str = "correct horse battery";

#[test]
fn staff_and_devices_pages_in_chromium() {
    let Some(b) = Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", PASSWORD, &["admin".to_string()], s.host.now_ms()).expect("admin");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js(&format!(
        "var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = {PASSWORD:?}; f.submit(); return 1;"
    ));
    b.until("signed in", "document.querySelector('.who') && document.querySelector('.who').textContent.includes('管理员')");

    // ---- staff ----
    b.open(&format!("{}/admin/host/staff", s.url));
    b.until("the staff page", "document.getElementById('new-staff')");
    b.js(&format!(
        "var f = document.getElementById('new-staff'); f.username.value = 'wang'; f.elements.name.value = '王五'; f.windows.value = '1,2'; \
         f.password.value = {PASSWORD:?}; f.querySelector('button').click(); return 1;"
    ));
    let err = b.until("the roles error beside the roles", "document.querySelector('fieldset + .field-error') && document.querySelector('fieldset + .field-error').textContent");
    assert_eq!(err, "请至少选择一个角色");
    b.js("var f = document.getElementById('new-staff'); f.querySelector('input[value=clerk]').click(); f.querySelector('button.primary').click(); return 1;");
    let row = b.until("the new account in the list", "Array.from(document.querySelectorAll('tr[data-staff]')).map(r => r.innerText).find(t => t.includes('王五'))");
    let row = row.as_str().unwrap().to_owned();
    assert!(row.contains("窗口办事员") && row.contains("1、2") && row.contains("启用中"), "{row}");
    // Disable asks first: answered no, nothing happens.
    b.js("window.confirm = function (m) { window.__asked = m; return false; }; \
          Array.from(document.querySelectorAll('tr[data-staff]')).find(r => r.innerText.includes('王五')).querySelector('[data-disable]').click(); return 1;");
    let asked = b.js("return window.__asked;");
    assert!(asked.as_str().unwrap_or("").starts_with("确定停用“王五”（wang）的账号吗？"), "{asked}");
    // Answered yes, it is disabled, and can be enabled again.
    b.js("window.confirm = function () { return true; }; return 1;");
    b.js("Array.from(document.querySelectorAll('tr[data-staff]')).find(r => r.innerText.includes('王五')).querySelector('[data-disable]').click(); return 1;");
    b.until("disabled", "Array.from(document.querySelectorAll('tr[data-staff]')).some(r => r.innerText.includes('王五') && r.innerText.includes('已停用'))");
    b.js("Array.from(document.querySelectorAll('tr[data-staff]')).find(r => r.innerText.includes('王五')).querySelector('[data-enable]').click(); return 1;");
    b.until("enabled again", "Array.from(document.querySelectorAll('tr[data-staff]')).some(r => r.innerText.includes('王五') && r.innerText.includes('启用中'))");
    let audit = s.host.db.with_reader(|c| c.query_row("SELECT group_concat(action) FROM audit", [], |r| r.get::<_, String>(0))).unwrap();
    assert!(audit.contains("staff.disable") && audit.contains("staff.enable"), "{audit}");

    // ---- devices ----
    b.open(&format!("{}/admin/host/devices", s.url));
    b.until("the devices page", "document.getElementById('new-device')");
    b.js("var f = document.getElementById('new-device'); f.elements.name.value = '大厅 1 号取号机'; f.kind.value = 'kiosk'; f.querySelector('button').click(); return 1;");
    b.until("the pairing panel", "!document.getElementById('device-paired').hidden");
    let first = b.js("return document.querySelector('#device-table tbody tr').innerText;");
    let first = first.as_str().unwrap_or("");
    assert!(first.contains("大厅 1 号取号机") && first.contains("自助取号机") && first.contains("从未连接") && first.contains("使用中"), "listed at once: {first}");
    let link = b.js("return document.getElementById('device-link').textContent;");
    assert!(link.as_str().unwrap().starts_with(&format!("{}/device/pair?token=dev_", s.url)), "{link}");
    let qr = b.js("var p = document.querySelector('#device-qr svg path'); return p ? p.getAttribute('d').length : 0;");
    assert!(qr.as_u64().unwrap_or(0) > 100, "a QR code is drawn: {qr}");
    b.js("document.getElementById('device-copy').click(); return 1;");
    b.until("the copy button says so", "document.getElementById('device-copy').textContent === '已复制'");
    // The device list stays right after a reload, and revoking asks first.
    b.open(&format!("{}/admin/host/devices", s.url));
    b.js("window.confirm = function (m) { window.__asked = m; return true; }; document.querySelector('[data-revoke]').click(); return 1;");
    b.until("revoked", "document.querySelector('#device-table tbody tr') && document.querySelector('#device-table tbody tr').innerText.includes('已停用')");
}

/// A resident walks away from a kiosk halfway through: the kiosk warns,
/// then clears what was typed and goes back to its start page; a touch
/// during the warning keeps the visit. Staff pages never do this.
#[test]
fn a_kiosk_left_untouched_warns_then_clears_itself_and_goes_back_to_its_start() {
    let Some(b) = Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_APPOINTMENTS], "[kiosk]\nidle_s = 6\n");
    // Registered with the appointment check-in as its start page.
    let admin = linli_tests::sign_in(&s, "root", &["admin"]);
    let register = |body: serde_json::Value| {
        linli_tests::http_json(ureq::post(&format!("{}/api/host/devices", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf), &body)
    };
    let (code, err) = register(serde_json::json!({"name": "签到机", "kind": "kiosk", "start": "/admin/host/staff"}));
    assert_eq!((code, err["error"]["field"].as_str()), (422, Some("start")), "only a kiosk page of an enabled service: {err}");
    let (code, err) = register(serde_json::json!({"name": "评价器", "kind": "evaluator", "window": "1", "start": "/appointments/kiosk"}));
    assert_eq!(code, 422, "a start page is for kiosks only: {err}");
    let (code, r) = register(serde_json::json!({"name": "签到机", "kind": "kiosk", "start": "/appointments/kiosk"}));
    assert_eq!(code, 201, "{r}");
    b.open(&format!("{}{}", s.url, r["pair_url"].as_str().unwrap()));
    b.until("paired: the start page chosen", "location.pathname === '/appointments/kiosk' && document.getElementById('ap-key')");
    // A resident types an ID number and is called away.
    b.open(&format!("{}/appointments/kiosk?lang=zh-CN", s.url));
    b.until("the check-in page", "document.getElementById('ap-key')");
    assert_eq!(b.js("return document.body.dataset.kioskIdle;"), serde_json::json!("6"));
    b.js("document.getElementById('ap-key').value = '11010519491231002X'; return 1;");
    // A touch while warned keeps what was typed.
    b.until("the warning", "document.querySelector('.kiosk-idle') && document.querySelector('.kiosk-idle').textContent.includes('秒后将清除')");
    b.click(".kiosk-idle button");
    assert_eq!(b.js("return [!!document.querySelector('.kiosk-idle'), document.getElementById('ap-key').value];"), serde_json::json!([false, "11010519491231002X"]));
    // Then nobody: back at the start, nothing of the resident left.
    b.until("the warning again", "document.querySelector('.kiosk-idle')");
    b.until("back at the kiosk's start, emptied", "location.search === '' && location.pathname === '/appointments/kiosk' && document.getElementById('ap-key')");
    assert_eq!(b.js("return [document.getElementById('ap-key').value, document.body.innerHTML.includes('11010519491231002X')];"), serde_json::json!(["", false]));

    // Signed-in staff's pages are not kiosks.
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", PASSWORD, &["admin".to_string()], s.host.now_ms()).expect("admin");
    let Some(staff) = Browser::start(&["--lang=zh-CN"]) else { return };
    staff.open(&format!("{}/login?lang=zh-CN", s.url));
    staff.js(&format!(
        "var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = {PASSWORD:?}; f.submit(); return 1;"
    ));
    staff.until("signed in", "document.querySelector('.who')");
    assert_eq!(staff.js("return document.body.hasAttribute('data-kiosk-idle');"), serde_json::json!(false));
    // The admin's top bar: a menu per service with several pages, the host's pages under 系统管理.
    let menus = staff.js("return Array.from(document.querySelectorAll('.topbar details.menu summary')).map(function (s) { return s.textContent; });");
    assert!(menus.as_array().is_some_and(|m| m.iter().any(|t| t == "排队叫号") && m.iter().any(|t| t == "系统管理")), "{menus}");
    staff.click(".topbar details.menu:last-of-type summary");
    staff.click(".topbar details.menu:last-of-type a[href='/admin/host/staff']");
    staff.until("the staff page from the menu", "location.pathname === '/admin/host/staff'");
}
