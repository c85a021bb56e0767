//! A minimal W3C WebDriver client over Debian's Chromium and chromedriver:
//! just what the page tests use (open, run script, click, wait, resize,
//! keys). Where Chromium is not installed a test says so through
//! `linli_shared::skip` (a SKIP line outside CI, a failure under CI);
//! chromedriver installed but not answering is a failure.

use crate::wait_for;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session, ended (and chromedriver stopped) on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
}

impl Browser {
    /// Start chromedriver and a headless Chromium at 1280×900 with these
    /// extra command-line arguments (e.g. `--lang=zh-CN`); `None` when they
    /// are not installed (and the test is reported as not run).
    pub fn start(extra_args: &[&str]) -> Option<Browser> {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists());
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            linli_shared::skip::unavailable("chromium or chromedriver is not installed: install chromium chromium-driver");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let child = match Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
            Ok(c) => c,
            Err(e) => panic!("{driver} is installed but does not start: {e}"),
        };
        let base = format!("http://127.0.0.1:{port}");
        let up = wait_for(Duration::from_secs(20), || ureq::get(&format!("{base}/status")).call().ok().map(|_| ()));
        assert!(up.is_some(), "{driver} started but did not answer on {base} within 20 s");
        let profile = tempfile::tempdir().expect("a profile folder").keep();
        let mut args: Vec<String> = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra_args.iter().map(|s| s.to_string()));
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": chromium, "args": args}}}});
        let mut b = Browser { driver: child, base, session: String::new() };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["value"]["sessionId"].as_str().unwrap_or_default().to_owned();
        assert!(!b.session.is_empty(), "chromedriver made a session: {v}");
        Some(b)
    }

    /// One WebDriver command; its JSON answer.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" { format!("{}{path}", self.base) } else { format!("{}/session/{}{path}", self.base, self.session) };
        let req = ureq::request(method, &url).timeout(Duration::from_secs(60));
        let r = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match r {
            Ok(r) => r.into_json().unwrap_or(Value::Null),
            Err(ureq::Error::Status(_, r)) => r.into_json().unwrap_or(Value::Null),
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    }

    /// Go to `url`.
    pub fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    /// Run `script` in the page; what it returns.
    pub fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))["value"].clone()
    }

    /// Click the element `css` as a user would.
    pub fn click(&self, css: &str) {
        let e = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        let id = e["value"][ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {e}")).to_owned();
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Wait until `script` (an expression) is truthy; returns its value.
    pub fn until(&self, what: &str, script: &str) -> Value {
        let v = wait_for(Duration::from_secs(15), || {
            let v = self.js(&format!("return {script};"));
            (!v.is_null() && v != json!(false) && v != json!("")).then_some(v)
        });
        v.unwrap_or_else(|| panic!("timed out waiting for {what}: {}", self.js("return document.body.innerText;")))
    }

    /// Resize the window (landscape or portrait screen).
    pub fn resize(&self, width: u32, height: u32) {
        self.call("POST", "/window/rect", Some(json!({"width": width, "height": height})));
    }

    /// Press a key on the element `css` (or the document), as a keyboard
    /// would deliver it to whatever has the focus.
    pub fn key_on(&self, css: &str, key: &str) {
        self.js(&format!(
            "var e = document.querySelector({css:?}) || document; if (e.focus) e.focus(); \
             e.dispatchEvent(new KeyboardEvent('keydown', {{key: {key:?}, bubbles: true, cancelable: true}})); return 1;"
        ));
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
