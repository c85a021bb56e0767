//! Headless Chromium over the real pages, through chromedriver: a kiosk
//! tap prints a ticket (and a reprint issues nothing), the resident's page
//! follows the call live, the counter console works from the keyboard, and
//! the statistics page draws the day. Where Chromium or chromedriver is
//! not installed the tests say so (`linli_shared::skip`): a SKIP line
//! outside CI, a failure naming the packages under CI (which installs both).

use super::kit::*;
use linli_tests::browser::Browser;
use linli_tests::{TestServer, fixtures};
use serde_json::{Value, json};
use std::time::Duration;

/// Sign in through the login form in the browser.
trait SignIn {
    fn sign_in(&self, base: &str, user: &str, window: &str, next: &str);
}

impl SignIn for Browser {
    fn sign_in(&self, base: &str, user: &str, window: &str, next: &str) {
        self.open(&format!("{base}/login?lang=zh-CN"));
        self.js(&format!(
            "var f = document.querySelector('form[action=\"/login\"]'); f.username.value = {user:?}; f.password.value = {PASSWORD:?}; \
             if (f.window) f.window.value = {window:?}; f.next.value = {next:?}; f.submit(); return 1;"
        ));
        self.until("signed in", "document.querySelector('.topbar .who')");
        // In Chinese, whatever language the browser asks for.
        self.open(&format!("{base}{next}?lang=zh-CN"));
    }
}

/// The queue settings that keep the hall open, with the address phones
/// open from the slip's QR code (the kiosk refuses to print without one
/// when it is itself opened at 127.0.0.1).
fn kiosk_ready() -> String {
    format!("{OPEN_ALL_DAY}public_url = \"http://192.168.1.10:8080\"\n")
}


#[test]
fn kiosk_ticket_page_counter_and_statistics_in_chromium() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &kiosk_ready());
    let Some(b) = Browser::start(&[]) else { return };
    // Kiosk: one tap, a printed slip; a reprint prints without issuing.
    // Chinese first, whatever the browser asks for (the choice is kept in a cookie).
    b.open(&format!("{}/queue/kiosk?lang=zh-CN", s.url));
    b.js("window.__printed = 0; window.print = function () { window.__printed++; }; return 1;");
    b.click("button.q-svc[data-service=\"A\"]");
    let slip = b.until("the slip", "!document.getElementById('q-done').hidden && document.getElementById('q-slip').innerText");
    assert!(slip.as_str().unwrap_or("").contains("A001"), "{slip}");
    assert_eq!(b.js("return window.__printed;"), json!(1));
    assert_eq!(b.js("return document.querySelectorAll('#q-slip svg').length;"), json!(1), "QR code on the slip");
    b.click("#q-reprint");
    b.until("the reprint", "window.__printed === 2");
    let (_, board) = s.get_json("/api/queue/services");
    assert_eq!(board["services"][0]["waiting"], 1, "the reprint issued nothing: {board}");
    let page = b.js("return document.getElementById('q-slip').dataset.page;");
    let page = page.as_str().expect("ticket page path").to_owned();

    // The resident's page follows the call live, without a reload.
    b.open(&format!("{}{page}", s.url));
    assert_eq!(b.until("the number", "document.getElementById('q-num').innerText"), json!("A001"));
    b.js("window.__marker = 'same page'; return 1;");
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", PASSWORD, &["admin".to_string()], s.host.now_ms()).expect("admin");
    let clerk = Desk::sign_in(&s.url, "boss", Some("3"));
    let (code, r) = clerk.post("/api/queue/counter/call-next", &json!({})).expect("call");
    assert_eq!((code, r["ticket"]["ticket"].as_str()), (200, Some("A001")), "{r}");
    let status = b.until("the live call", "document.getElementById('q-status').innerText.indexOf('3 号窗口') >= 0 && document.getElementById('q-status').innerText");
    assert!(status.as_str().unwrap_or("").contains("正在叫号"), "{status}");
    assert_eq!(b.js("return window.__marker;"), json!("same page"), "no reload");
    assert_eq!(b.js("return document.getElementById('q-alert').hidden;"), json!(false), "the alert shows");
    clerk.post("/api/queue/counter/finish", &json!({})).expect("finish");

    // The counter console, from the keyboard, signed in at window 2.
    b.open(&format!("{}/login", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.window.value = '2'; f.next.value = '/queue/counter'; f.submit(); return 1;");
    b.until("the console", "document.getElementById('q-counter') && document.getElementById('q-counter').dataset.window");
    let (code, _) = kiosk_take(&s.url, "B", "browser-b").expect("kiosk");
    assert_eq!(code, 201);
    b.until("the waiting count", "document.getElementById('q-waiting').innerText.indexOf('1') >= 0");
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'n'})); return 1;");
    assert_eq!(b.until("the call", "document.getElementById('q-cur').innerText === 'B001' && 'B001'"), json!("B001"));
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'f'})); return 1;");
    b.until("the finish", "document.getElementById('q-cur').innerText === '—'");
    // Enter: 完成并叫下一位 — the current ticket is finished and the next called.
    for key in ["browser-b2", "browser-b3"] {
        assert_eq!(kiosk_take(&s.url, "B", key).expect("kiosk").0, 201);
    }
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'n'})); return 1;");
    b.until("B002 called", "document.getElementById('q-cur').innerText === 'B002'");
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); return 1;");
    let said = b.until("B003 called", "document.getElementById('q-cur').innerText === 'B003' && document.getElementById('q-msg').innerText");
    assert!(said.as_str().unwrap_or("").contains("B002"), "the message names the finished ticket too: {said}");
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); return 1;");
    b.until("nobody left", "document.getElementById('q-cur').innerText === '—'");

    // Statistics for the day: four issued, four served, the hours chart.
    b.open(&format!("{}/queue/stats", s.url));
    let total = b.until("the totals", "document.querySelector('table tbody tr') && document.querySelector('table tbody tr').innerText");
    let cells: Vec<&str> = total.as_str().unwrap_or("").split('\t').collect();
    assert_eq!(&cells[1..4], ["4", "4", "4"], "issued, called, served: {total}");
    assert_eq!(b.js("return document.querySelectorAll('#q-hours rect').length;"), json!(24));
}

/// Item 14: the kiosk in kiosk mode: no site header, sign-out or links
/// out; the service buttons fill the screen in landscape and in portrait;
/// after a ticket it is back at the start by itself in about 10 s, with
/// elderly mode (which shows whether it is on) off again for the next
/// resident.
#[test]
fn kiosk_in_kiosk_mode_in_chromium() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &kiosk_ready());
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", PASSWORD, &["admin".to_string()], s.host.now_ms()).expect("admin");
    let Some(b) = Browser::start(&[]) else { return };
    b.open(&format!("{}/queue/kiosk?lang=zh-CN", s.url));
    b.until("the kiosk", "document.getElementById('q-kiosk') && document.querySelectorAll('.q-svc').length === 4");
    assert_eq!(b.js("return getComputedStyle(document.querySelector('.topbar')).display;"), json!("none"), "no site header");
    let links = b.js("return Array.from(document.querySelectorAll('a, form')).filter(function (a) { return a.offsetParent !== null && a.id !== 'q-lang'; }).map(function (a) { return a.outerHTML; });");
    assert_eq!(links, json!([]), "no links out, no sign-out");
    // The buttons fill the screen: most of the viewport, in both orientations.
    let share = "(function () { var a = 0; document.querySelectorAll('.q-svc').forEach(function (b) { var r = b.getBoundingClientRect(); \
                 a += Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0)) * Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0)); }); \
                 return a / (innerWidth * innerHeight); })()";
    let landscape = b.js(&format!("return {share};")).as_f64().unwrap_or(0.0);
    assert!(landscape > 0.5, "landscape: the buttons cover {landscape:.2} of the screen");
    b.resize(800, 1280);
    b.until("portrait", "innerHeight > innerWidth");
    let portrait = b.js(&format!("return {share};")).as_f64().unwrap_or(0.0);
    assert!(portrait > 0.5, "portrait: the buttons cover {portrait:.2} of the screen");
    b.resize(1280, 900);

    // Elderly mode shows that it is on, and lasts one visit.
    b.js("window.print = function () {}; return 1;");
    b.click("#q-elderly");
    assert_eq!(b.js("return [document.body.classList.contains('q-elderly'), document.getElementById('q-elderly').getAttribute('aria-pressed')];"), json!([true, "true"]));
    assert!(b.js("return document.getElementById('q-elderly').innerText;").as_str().unwrap_or("").contains("已开启"));
    b.click("button.q-svc[data-service=\"B\"]");
    b.until("the slip", "!document.getElementById('q-done').hidden && document.getElementById('q-slip').innerText.indexOf('B001') >= 0");
    assert_eq!(b.js("return document.querySelectorAll('#q-slip svg path').length;"), json!(1), "the QR code, drawn from its path");
    // Back at the start by itself, elderly mode off, within ~10 s.
    let started = std::time::Instant::now();
    b.until("back to the start", "!document.getElementById('q-choose').hidden && document.getElementById('q-done').hidden");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(13), "back after {took:?}");
    assert_eq!(b.js("return [document.body.classList.contains('q-elderly'), document.getElementById('q-elderly').getAttribute('aria-pressed')];"), json!([false, "false"]));
    assert!(b.js("return document.getElementById('q-elderly').innerText;").as_str().unwrap_or("").contains("未开启"));
    // Reopened (the next morning, a reload): still off.
    b.open(&format!("{}/queue/kiosk", s.url));
    b.until("the kiosk again", "document.getElementById('q-elderly')");
    assert_eq!(b.js("return document.body.classList.contains('q-elderly');"), json!(false));

    // Item 15: the resident's "N ahead" alert follows the queue, and a
    // skipped ticket says what the rule is.
    let mut last = Value::Null;
    for key in ["r1", "r2", "r3", "r4"] {
        let (code, t) = kiosk_take(&s.url, "A", key).expect("kiosk");
        assert_eq!(code, 201, "{t}");
        last = t;
    }
    b.open(&format!("{}/queue/t/{}", s.url, last["token"].as_str().expect("token")));
    let alert = b.until("the near alert", "!document.getElementById('q-alert').hidden && document.getElementById('q-alert').innerText");
    assert!(alert.as_str().unwrap_or("").contains("前面只剩 3 人"), "{alert}");
    let clerk = Desk::sign_in(&s.url, "boss", Some("1"));
    assert_eq!(clerk.post("/api/queue/counter/call-next", &json!({})).expect("call").0, 200);
    b.until("2 ahead", "document.getElementById('q-alert').innerText.indexOf('前面只剩 2 人') >= 0");
    for _ in 0..3 {
        assert_eq!(clerk.post("/api/queue/counter/finish-next", &json!({})).expect("finish-next").0, 200);
    }
    b.until("called", "document.getElementById('q-alert').innerText.indexOf('轮到您了') >= 0");
    assert_eq!(clerk.post("/api/queue/counter/skip", &json!({})).expect("skip").0, 200);
    let alert = b.until("the skipped rule", "document.getElementById('q-alert').innerText.indexOf('导办台') >= 0 && document.getElementById('q-alert').innerText");
    assert!(alert.as_str().unwrap_or("").contains("重新排队"), "{alert}");
}

/// Items 12 and 15: the settings forms (a wrong value is refused beside
/// its field, a right one saved and confirmed), then the counter's waiting
/// list with 特呼, the timer, disabled buttons, Enter on a focused button
/// meaning 完成并叫下一位, and outcomes confirmed as such.
#[test]
fn settings_forms_and_counter_waiting_list_in_chromium() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], &kiosk_ready());
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", PASSWORD, &["admin".to_string()], s.host.now_ms()).expect("admin");
    let Some(b) = Browser::start(&[]) else { return };
    b.sign_in(&s.url, "boss", "1", "/queue/admin");
    b.until("the settings", "document.querySelector('[data-path=\"services.0.handling_minutes\"] input')");
    assert_eq!(b.js("return document.querySelectorAll('#q-admin textarea:not([placeholder])').length;"), json!(0), "no JSON boxes");
    let help = b.js("return document.querySelector('[data-path=\"services.0.daily_limit\"]').innerText;");
    assert!(help.as_str().unwrap_or("").contains("0 表示不限"), "each field explained: {help}");
    // A wrong value: refused beside the field, nothing saved.
    b.js("var i = document.querySelector('[data-path=\"services.0.handling_minutes\"] input'); i.value = '0'; return 1;");
    b.click("#q-sec-services .q-save");
    let err = b.until("the error", "document.querySelector('[data-path=\"services.0.handling_minutes\"] .q-err').innerText");
    assert!(err.as_str().unwrap_or("").contains("不能小于 1"), "{err}");
    let desk = Desk::sign_in(&s.url, "boss", None);
    let (_, c) = desk.get("/api/queue/config").expect("config");
    assert!(c["override"].get("services").is_none(), "nothing saved: {c}");
    // A window serving an unknown service: said beside that field.
    b.js("var i = document.querySelector('[data-path=\"windows.0.services\"] input'); i.value = 'A,Q'; return 1;");
    b.click("#q-sec-windows .q-save");
    let err = b.until("the window error", "document.querySelector('[data-path=\"windows.0.services\"] .q-err').innerText");
    assert!(err.as_str().unwrap_or("").contains("Q"), "{err}");
    // A right value: saved, confirmed, in effect.
    b.js("var i = document.querySelector('[data-path=\"services.0.handling_minutes\"] input'); i.value = '12'; return 1;");
    b.click("#q-sec-services .q-save");
    // (Wait for the confirmation itself: the section still shows the
    // refusal of the wrong value until the answer comes.)
    let ok = b.until("the confirmation", "(function () { var t = document.querySelector('#q-sec-services .q-status').innerText; return t.indexOf('已保存') >= 0 ? t : ''; })()");
    assert!(ok.as_str().unwrap_or("").contains("已保存"), "{ok}");
    let (_, c) = desk.get("/api/queue/config").expect("config");
    assert_eq!(c["effective"]["services"][0]["handling_minutes"], 12, "{c}");
    assert_eq!(c["effective"]["services"][0]["name_zh"], "民政事务", "the other fields kept: {c}");

    // The guide desk: priority with its reason and 代办 are for one ticket
    // only, cleared once it is issued.
    b.open(&format!("{}/queue/guide?lang=zh-CN", s.url));
    b.until("the guide desk", "document.getElementById('q-issue')");
    b.js("var f = document.getElementById('q-issue'); f.service.value = 'C'; f.priority_reason.value = 'elderly'; f.proxy.checked = true; f.requestSubmit(); return 1;");
    b.until("issued", "document.getElementById('q-issue-msg').innerText.indexOf('已取号') >= 0");
    assert_eq!(b.js("var f = document.getElementById('q-issue'); return [f.proxy.checked, f.priority_reason.value];"), json!([false, ""]), "代办 and priority cleared for the next resident");
    let slip = b.js("return document.getElementById('q-slip').innerText;");
    assert!(slip.as_str().unwrap_or("").contains("C001") && slip.as_str().unwrap_or("").contains("优先"), "{slip}");

    // The counter at window 1 (A and D).
    for (svc, key) in [("A", "w1"), ("A", "w2"), ("A", "w3"), ("D", "w4"), ("B", "w5")] {
        assert_eq!(kiosk_take(&s.url, svc, key).expect("kiosk").0, 201);
    }
    b.sign_in(&s.url, "boss", "1", "/queue/counter");
    let rows = b.until("the waiting list", "document.querySelectorAll('#q-list tr[data-ticket]').length === 4 && Array.from(document.querySelectorAll('#q-list tr[data-ticket]')).map(function (r) { return r.dataset.ticket; }).join(',')");
    assert_eq!(rows, json!("A001,A002,A003,D001"), "in calling order, window 1's services only");
    assert_eq!(b.js("return [document.getElementById('q-recall').disabled, document.getElementById('q-done').disabled, document.getElementById('q-next').disabled];"), json!([true, true, false]), "nothing to recall or finish yet");
    // 特呼 D001 from the list.
    b.click("#q-list tr[data-ticket=\"D001\"] button");
    b.until("D001 called", "document.getElementById('q-cur').innerText === 'D001'");
    b.until("the timer", "document.getElementById('q-timer').innerText.indexOf('已叫号') >= 0");
    assert_eq!(b.js("return [document.getElementById('q-next').disabled, document.getElementById('q-recall').disabled, document.querySelector('#q-list button').disabled];"), json!([true, false, true]));
    // Enter with the recall button focused: 完成并叫下一位, not a recall.
    b.key_on("#q-recall", "Enter");
    let said = b.until("A001 called", "document.getElementById('q-cur').innerText === 'A001' && document.getElementById('q-msg').innerText");
    assert!(said.as_str().unwrap_or("").contains("D001 已办结，结果：完成"), "{said}");
    // 需补正, confirmed as such.
    b.key_on("body", "i");
    let said = b.until("需补正", "document.getElementById('q-cur').innerText === '—' && document.getElementById('q-msg').innerText");
    assert!(said.as_str().unwrap_or("").contains("A001 已办结，结果：需补正"), "{said}");
    // 特呼 by typing the number; Enter in that box calls it.
    b.js("document.getElementById('q-special-no').value = 'a003'; return 1;");
    b.key_on("#q-special-no", "Enter");
    b.js("document.getElementById('q-special').requestSubmit(); return 1;");
    b.until("A003 called", "document.getElementById('q-cur').innerText === 'A003'");
    b.key_on("body", "z");
    let said = b.until("转办", "document.getElementById('q-cur').innerText === '—' && document.getElementById('q-msg').innerText");
    assert!(said.as_str().unwrap_or("").contains("A003 已办结，结果：转办"), "{said}");
}
