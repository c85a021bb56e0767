//! Headless Chromium over the real pages, through chromedriver: a kiosk
//! tap prints a ticket (and a reprint issues nothing), the resident's page
//! follows the call live, the counter console works from the keyboard, and
//! the statistics page draws the day. Skipped, with the reason printed,
//! where Chromium or chromedriver is not installed (CI installs both).

use super::kit::*;
use linli_tests::{TestServer, fixtures, wait_for};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A minimal W3C WebDriver client: just what these tests use.
struct Browser {
    driver: Child,
    base: String,
    session: String,
}

impl Browser {
    fn start() -> Option<Browser> {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists());
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            println!("skipped: chromium or chromedriver is not installed (apt-get install chromium chromium-driver)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).ok()?;
        let child = Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
        let base = format!("http://127.0.0.1:{port}");
        wait_for(Duration::from_secs(20), || ureq::get(&format!("{base}/status")).call().ok().map(|_| ()))?;
        let profile = tempfile::tempdir().ok()?.keep();
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": chromium, "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
            format!("--user-data-dir={}", profile.display()),
        ]}}}});
        let mut b = Browser { driver: child, base, session: String::new() };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["value"]["sessionId"].as_str().unwrap_or_default().to_owned();
        assert!(!b.session.is_empty(), "chromedriver made a session: {v}");
        Some(b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" { format!("{}{path}", self.base) } else { format!("{}/session/{}{path}", self.base, self.session) };
        let req = ureq::request(method, &url).timeout(Duration::from_secs(60));
        let r = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match status_json(r) {
            Ok((_, v)) => v,
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))["value"].clone()
    }

    fn click(&self, css: &str) {
        let e = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        let id = e["value"][ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {e}")).to_owned();
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Wait until `script` (an expression) is truthy; returns its value.
    fn until(&self, what: &str, script: &str) -> Value {
        let v = wait_for(Duration::from_secs(15), || {
            let v = self.js(&format!("return {script};"));
            (!v.is_null() && v != json!(false) && v != json!("")).then_some(v)
        });
        v.unwrap_or_else(|| panic!("timed out waiting for {what}: {}", self.js("return document.body.innerText;")))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            self.call("DELETE", "", None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn kiosk_ticket_page_counter_and_statistics_in_chromium() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], OPEN_ALL_DAY);
    let Some(b) = Browser::start() else { return };
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
