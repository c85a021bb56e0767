//! Pages and reports through the harness: the kiosk, the resident's page
//! and printable slip, the consoles, statistics with CSV and estimate
//! accuracy, and the admin's settings with their checks.

use super::kit::*;
use serde_json::json;

#[test]
fn resident_pages_show_the_ticket_the_policy_and_print() {
    let h = harness();
    let kiosk = h.get("/queue/kiosk").text();
    assert!(kiosk.contains("民政事务") && kiosk.contains("data-service=\"D\""), "{kiosk}");
    assert!(kiosk.contains("优先叫号"), "the policy is shown to residents");
    let en = h.request("GET", "/queue/kiosk", b"", &linli_host::auth::Caller::anonymous("en")).text();
    assert!(en.contains("Civil affairs") && en.contains("Choose your service"));
    ticket(&h, "A");
    let t = ticket(&h, "A");
    let token = t["token"].as_str().unwrap();
    assert_eq!(token.len(), 32, "an unguessable token");
    let page = h.get(&format!("/queue/t/{token}")).text();
    assert!(page.contains("A002") && page.contains("/queue/assets/ticket.js"), "live page");
    let s = h.get(&format!("/api/queue/t/{token}")).json();
    assert_eq!(s["ahead"], 1);
    assert_eq!(s["status"], "waiting");
    assert!(s["wait_minutes"].as_i64().unwrap() > 0);
    let print = h.get(&format!("/queue/t/{token}/print?paper=58")).text();
    assert!(print.contains("<svg") && print.contains("/queue/assets/print.js") && print.contains("size: 58mm"));
    assert_eq!(h.get("/queue/t/not-a-token").status, 404);
    assert_eq!(h.get("/api/queue/t/0123456789abcdef0123456789abcdef").status, 404);
}

#[test]
fn consoles_need_their_roles_and_a_window() {
    let h = harness();
    let page = h.request("GET", "/queue/counter", b"", &clerk("3")).text();
    assert!(page.contains("3 号窗口") && page.contains("<kbd>N</kbd>"), "{page}");
    let nowin = h.request("GET", "/queue/counter", b"", &linli_host::auth::Caller::staff(&["clerk"])).text();
    assert!(nowin.contains("没有填写窗口号"));
    assert_eq!(h.request("GET", "/queue/counter", b"", &guide()).status, 403);
    assert_eq!(h.request("GET", "/queue/guide", b"", &guide()).status, 200);
    assert_eq!(h.request("GET", "/queue/stats", b"", &clerk("1")).status, 403);
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    assert_eq!(h.request("GET", "/queue/admin", b"", &admin).status, 200);
    ticket(&h, "B");
    let state = h.request("GET", "/api/queue/counter", b"", &clerk("3")).json();
    assert_eq!(state["window"], "3");
    assert_eq!(state["services"][0]["code"], "B");
    assert_eq!(state["services"][0]["waiting"], 1);
}

#[test]
fn statistics_count_every_stage_and_show_how_good_the_estimates_were() {
    let h = harness();
    let sup = linli_host::auth::Caller::staff(&["supervisor"]);
    // Window 2 opens first, so estimates count it.
    h.request("GET", "/api/queue/counter", b"", &clerk("2"));
    for i in 0..4 {
        h.set_time(at(DAY1, 9, i));
        ticket(&h, "A");
    }
    // Each takes ten minutes at window 2.
    for i in 0..3 {
        serve(&h, "2", at(DAY1, 10, i * 10), at(DAY1, 10, i * 10 + 8));
    }
    h.set_time(at(DAY1, 10, 40));
    call(&h, "2");
    act(&h, "2", "skip", json!({}));
    let r = h.request("GET", "/api/queue/stats?from=2026-01-01&to=2026-01-01", b"", &sup);
    assert_eq!(r.status, 200, "{}", r.text());
    let s = r.json();
    assert_eq!(s["total"]["issued"], 4);
    assert_eq!(s["total"]["served"], 3);
    assert_eq!(s["total"]["no_shows"], 1);
    assert_eq!(s["total"]["handling_min"]["avg"], 8.0);
    assert_eq!(s["total"]["wait_min"]["max"], 97.0, "A004 waited from 09:03 to 10:40: {s}");
    assert_eq!(s["by_window"][0]["key"], "2");
    assert_eq!(s["by_window"][0]["served"], 3);
    assert!(s["by_clerk"][0]["key"].as_str().unwrap().contains("办事员2"));
    assert_eq!(s["hours"][9]["issued"], 4);
    assert_eq!(s["estimate"]["samples"], 4);
    let csv = h.request("GET", "/api/queue/stats.csv?from=2026-01-01", b"", &sup);
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.contains("scope,key,issued") && text.contains("window,\"2\""), "{text}");
    let page = h.request("GET", "/queue/stats?from=2026-01-01", b"", &sup).text();
    assert!(page.contains("id=\"q-hours\"") && page.contains("预计等候时间准确度"));
    assert_eq!(h.request("GET", "/api/queue/stats?from=2026-13-01", b"", &sup).status, 422);
}

#[test]
fn admins_change_the_configuration_and_bad_settings_are_refused() {
    let h = harness();
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    let bad = h.post_json("/api/queue/config", &json!({"windows": [{"number": "1", "services": ["Q"]}]}), &admin);
    assert_eq!(bad.status, 422);
    assert!(message(&bad).contains("unknown service `Q`"));
    let r = h.post_json("/api/queue/config", &json!({"policy": {"max_recalls": 0, "missed": "expire"}}), &admin);
    assert_eq!(r.status, 200, "{}", r.text());
    ticket(&h, "A");
    call(&h, "1");
    assert_eq!(act(&h, "1", "recall", json!({})).status, 409, "no recalls allowed now");
    let kiosk = h.get("/queue/kiosk").text();
    assert!(kiosk.contains("过号作废"), "residents read the new policy");
    // Back to the default.
    assert_eq!(h.post_json("/api/queue/config", &json!({"policy": null}), &admin).status, 200);
    assert_eq!(act(&h, "1", "recall", json!({})).status, 200);
    assert_eq!(h.post_json("/api/queue/config", &json!({"policy": null}), &guide()).status, 403);
    // The manifest declares the schema and the shipped defaults.
    let m = h.manifest();
    assert!(m.config_schema.contains("window_order"));
    assert!(m.config_default.contains("民政事务"));
}

/// The estimated wait uses the service's handling time from the day's
/// finished tickets (the configured minutes until there are some), and the
/// windows open for the service.
#[test]
fn waits_are_estimated_from_the_days_handling_times() {
    let h = harness();
    h.set_time(at(DAY1, 9, 0));
    // Only window 2 (A and B) is open.
    h.request("GET", "/api/queue/counter", b"", &clerk("2"));
    ticket(&h, "A");
    let second = ticket(&h, "A");
    assert_eq!(second["ahead"], 1);
    assert_eq!(second["wait_minutes"], 8, "the configured 8 minutes while nothing is finished: {second}");
    // Two residents take 20 minutes each at window 2.
    for i in 0..2 {
        serve(&h, "2", at(DAY1, 10, i * 20), at(DAY1, 10, i * 20 + 20));
    }
    ticket(&h, "A");
    let next = ticket(&h, "A");
    assert_eq!(next["ahead"], 1);
    assert_eq!(next["wait_minutes"], 20, "one ahead × 20 minutes at one open window: {next}");
    let services = h.get("/api/queue/services").json();
    let a = services["services"].as_array().unwrap().iter().find(|s| s["code"] == "A").unwrap().clone();
    assert_eq!(a["waiting"], 2);
    assert_eq!(a["wait_minutes"], 40, "{a}");
    // The next day starts again from the configured time.
    h.set_time(at(DAY1 + 86_400_000, 9, 0));
    h.request("GET", "/api/queue/counter", b"", &clerk("2"));
    let services = h.get("/api/queue/services").json();
    let a = services["services"].as_array().unwrap().iter().find(|s| s["code"] == "A").unwrap().clone();
    assert_eq!(a["wait_minutes"], a["waiting"].as_i64().unwrap() * 8, "{a}");
}

/// A service name with markup, as an admin might paste it (or an attacker
/// with a settings file): it must reach every page as text.
const EVIL: &str = "<img src=x onerror=alert(1)>民政";

fn evil_config() -> serde_json::Value {
    json!({
        "public_url": "http://hall.example:8080",
        "services": [
            {"code": "A", "name_zh": EVIL, "name_en": EVIL},
            {"code": "B", "name_zh": "劳动保障", "name_en": "Labour"},
        ],
        "windows": [{"number": "1", "services": ["A", "B"]}],
    })
}

/// Item 5: configuration text is escaped in the printed slip (the kiosk's
/// and the public print page), and the kiosk and guide desk get the slip
/// as plain texts to build with DOM calls, never as markup to parse.
#[test]
fn configuration_text_is_escaped_on_every_page_and_slip() {
    let h = harness_with(evil_config());
    let r = h.post_json("/api/queue/tickets?paper=80", &json!({"service": "A"}), &anyone());
    assert_eq!(r.status, 201, "{}", r.text());
    let t = r.json();
    let print_html = t["print_html"].as_str().unwrap_or("");
    assert!(!print_html.contains("<img"), "raw markup in the kiosk's slip: {print_html}");
    assert!(print_html.contains("&lt;img"), "{print_html}");
    assert_eq!(t["slip"]["service"], EVIL, "the slip's texts are data: {t}");
    assert!(t["slip"]["qr"]["path"].as_str().unwrap_or("").starts_with('M'), "the QR code as a path: {t}");
    let token = t["token"].as_str().unwrap();
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    let pages = [
        h.get(&format!("/queue/t/{token}/print")).text(),
        h.get(&format!("/queue/t/{token}")).text(),
        h.get("/queue/kiosk").text(),
        h.request("GET", "/queue/counter", b"", &clerk("1")).text(),
        h.request("GET", "/queue/guide", b"", &guide()).text(),
        h.request("GET", "/queue/admin", b"", &admin).text(),
    ];
    for p in &pages {
        assert!(!p.contains("<img"), "raw markup on a page: {p}");
    }
    // No page script assigns server-built HTML.
    for js in ["kiosk", "guide", "counter", "ticket", "admin", "slip"] {
        let body = h.get(&format!("/queue/assets/{js}.js")).text();
        assert!(!body.contains("innerHTML"), "{js}.js uses innerHTML");
    }
}

/// Item 5: no page carries inline script or inline event handlers, so the
/// host can forbid `'unsafe-inline'` scripts; the scripts are served by the
/// plugin as JavaScript.
#[test]
fn pages_carry_no_inline_script() {
    let h = harness_with(evil_config());
    let t = ticket(&h, "A");
    let token = t["token"].as_str().unwrap();
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    let sup = linli_host::auth::Caller::staff(&["supervisor"]);
    let pages = [
        ("kiosk", h.get("/queue/kiosk").text()),
        ("ticket", h.get(&format!("/queue/t/{token}")).text()),
        ("print", h.get(&format!("/queue/t/{token}/print")).text()),
        ("counter", h.request("GET", "/queue/counter", b"", &clerk("1")).text()),
        ("guide", h.request("GET", "/queue/guide", b"", &guide()).text()),
        ("admin", h.request("GET", "/queue/admin", b"", &admin).text()),
        ("stats", h.request("GET", "/queue/stats", b"", &sup).text()),
    ];
    let handler = regex_free_handler;
    for (name, p) in &pages {
        for tag in p.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or("");
            assert!(
                open.contains(" src=\"/queue/assets/") || open.contains("type=\"application/json\""),
                "{name}: inline script <script{open}>"
            );
            if open.contains(" src=") {
                assert!(tag[open.len() + 1..].starts_with("</script>"), "{name}: a script tag with both src and code");
            }
        }
        assert!(!handler(p), "{name}: an inline event handler");
    }
    let r = h.get("/queue/assets/kiosk.js");
    assert_eq!(r.status, 200);
    let ct = r.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(ct.starts_with("application/javascript"), "{ct}");
    assert_eq!(h.get("/queue/assets/nothing.js").status, 404);
}

/// Whether HTML has an attribute like ` onclick=` (an inline handler) in
/// one of its tags (escaped text, `&lt;img onerror=…`, is not a tag).
fn regex_free_handler(html: &str) -> bool {
    html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase()).any(|tag| {
        tag.match_indices(|c: char| c.is_ascii_whitespace()).any(|(i, _)| {
            let rest = &tag[i + 1..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            name.len() > 2 && name.starts_with("on") && rest[name.len()..].starts_with('=')
        })
    })
}

/// Item 14: the kiosk hides the site's header and footer and has no link
/// out; without an address a phone can open, it refuses to issue and says
/// what to set; with one, the buttons work.
#[test]
fn kiosk_is_a_kiosk_and_needs_an_address_phones_can_open() {
    let h = harness();
    let page = h.get("/queue/kiosk").text();
    assert!(page.contains(".topbar, body > footer { display: none !important; }"), "the site header is hidden");
    for link in page.split("href=\"").skip(1) {
        assert!(link.starts_with('?'), "a link out of the kiosk: href=\"{}", &link[..link.len().min(40)]);
    }
    // No Host a phone could reach and no public address: no printing.
    assert!(page.contains("id=\"q-setup\"") && page.contains("二维码地址"), "{page}");
    assert!(page.contains("data-service=\"A\" disabled"), "buttons disabled until the address is set");
    assert!(page.contains("data-back=\"10\""), "back to the start after 10 s");
    assert!(page.contains("aria-pressed=\"false\""), "elderly mode shows its state");
    let h = harness_with(json!({"public_url": "http://192.168.1.10:8080"}));
    let page = h.get("/queue/kiosk").text();
    assert!(!page.contains("id=\"q-setup\""), "{page}");
    assert!(page.contains("data-service=\"A\" >") || !page.contains("data-service=\"A\" disabled"), "{page}");
    assert!(page.contains("--cols-l: 2; --cols-p: 2"), "four services: a 2×2 grid that fills the screen");
}

/// Item 15: the counter's waiting list in calling order (a priority
/// ticket first, with the reason the guide desk recorded), and 特呼 calls
/// a given number of this window's services, and only when it can.
#[test]
fn counter_lists_the_waiting_and_calls_a_given_number() {
    let h = harness();
    ticket(&h, "A");
    ticket(&h, "A");
    ticket(&h, "D");
    ticket(&h, "B");
    let g = h.post_json("/api/queue/guide/tickets", &json!({"service": "A", "priority_reason": "pregnant"}), &guide());
    assert_eq!(g.status, 201, "{}", g.text());
    let bad = h.post_json("/api/queue/guide/tickets", &json!({"service": "A", "priority_reason": "tired"}), &guide());
    assert_eq!(bad.status, 422, "{}", bad.text());
    let state = h.request("GET", "/api/queue/counter", b"", &clerk("1")).json();
    let list: Vec<&str> = state["waiting_list"].as_array().expect("waiting list").iter().map(|t| t["ticket"].as_str().unwrap()).collect();
    assert_eq!(list, ["A003", "A001", "A002", "D001"], "window 1 (A, D): priority first, then main service A, then D: {state}");
    assert_eq!(state["waiting_list"][0]["priority"], true);
    assert_eq!(state["waiting_list"][0]["priority_reason"], "孕妇");
    // 特呼 D001 out of turn.
    let r = act(&h, "1", "call-ticket", json!({"ticket": "d001"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ticket"]["ticket"], "D001");
    assert_eq!(r.json()["ticket"]["status"], "called");
    // Not while a resident is at the window.
    let r = act(&h, "1", "call-ticket", json!({"ticket": "A001"}));
    assert_eq!(r.status, 409, "{}", r.text());
    finish(&h, "1");
    // B is not served at window 1; an unknown number neither.
    let r = act(&h, "1", "call-ticket", json!({"ticket": "B001"}));
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(message(&r).contains("B001"), "{}", message(&r));
    assert_eq!(act(&h, "1", "call-ticket", json!({})).status, 422);
    let r = act(&h, "1", "call-ticket", json!({"ticket": "A002"}));
    assert_eq!(r.json()["ticket"]["ticket"], "A002", "{}", r.text());
    let state = h.request("GET", "/api/queue/counter", b"", &clerk("1")).json();
    assert_eq!(state["current"]["ticket"], "A002");
    assert!(state["current"]["called_at"].as_i64().is_some(), "the console times the current resident: {state}");
}

/// Item 15: the ticket page carries what the rule says a skipped resident
/// should do (go to the guide desk), and the page script keeps the "N
/// ahead" alert in step with the count.
#[test]
fn ticket_page_tells_a_skipped_resident_what_to_do() {
    let h = harness();
    let t = ticket(&h, "A");
    let token = t["token"].as_str().unwrap();
    let page = h.get(&format!("/queue/t/{token}")).text();
    assert!(page.contains("data-missed=\"您已过号。请在 30 分钟内到导办台登记"), "{page}");
    let h2 = harness_with(json!({"policy": {"missed": "expire"}}));
    let t = ticket(&h2, "A");
    let page = h2.get(&format!("/queue/t/{}", t["token"].as_str().unwrap())).text();
    assert!(page.contains("号票已作废"), "{page}");
    let js = h.get("/queue/assets/ticket.js").text();
    assert!(js.contains("t.status === 'missed'") && js.contains("root.dataset.missed"), "the alert shows the rule");
}

/// Item 12: the settings page is forms, not JSON boxes: a section per
/// part, filled by the page script from the configuration.
#[test]
fn settings_page_is_forms_not_json() {
    let h = harness();
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    let page = h.request("GET", "/queue/admin", b"", &admin).text();
    assert!(!page.contains("<textarea"), "no raw JSON boxes: {page}");
    assert!(!page.contains("JSON"), "no JSON in the interface");
    for s in ["services", "windows", "hours", "periods", "policy", "tickets", "public_url"] {
        assert!(page.contains(&format!("data-section=\"{s}\"")), "section {s}");
    }
    let js = h.get("/queue/assets/admin.js").text();
    assert!(js.contains("每日限号") && js.contains("停止取号时间") && js.contains("已保存，立即生效"), "fields explained in Chinese, saves confirmed");
}

/// Items 16 and 17: the hours chart has named axes, services are named in
/// the statistics, and no English header is left in the Chinese page.
#[test]
fn statistics_name_services_and_label_the_chart() {
    let h = harness();
    let sup = linli_host::auth::Caller::staff(&["supervisor"]);
    ticket(&h, "A");
    let page = h.request("GET", "/queue/stats", b"", &sup).text();
    assert!(page.contains("<td>A 民政事务</td>"), "{page}");
    assert!(page.contains("class=\"q-axis-x\"") && page.contains("取号时段") && page.contains("取号量（张）"), "{page}");
    for english in ["P90", "CSV", ">Key<"] {
        assert!(!page.contains(english), "{english} in the Chinese page");
    }
}

/// The words a Chinese page shows, markup, styles and scripts left out.
fn visible_words(html: &str) -> Vec<String> {
    let mut text = String::new();
    let mut rest = html;
    // Drop <script>…</script> and <style>…</style>, then every tag.
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let after = &rest[i..];
        let lower = after.to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            lower.find("</script>").map(|j| j + 9)
        } else if lower.starts_with("<style") {
            lower.find("</style>").map(|j| j + 8)
        } else {
            after.find('>').map(|j| j + 1)
        };
        let Some(n) = skip_to else { break };
        text.push(' ');
        rest = &after[n..];
    }
    text.push_str(rest);
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2).map(str::to_owned).collect()
}

/// Item 17: no English words inside the Chinese pages (the key names on
/// the counter's keys, the language switch and file names excepted).
#[test]
fn chinese_pages_have_no_english_words() {
    let h = harness_with(json!({"public_url": "http://192.168.1.10:8080"}));
    let t = ticket(&h, "A");
    let token = t["token"].as_str().unwrap();
    let admin = linli_host::auth::Caller::staff(&["admin"]);
    let sup = linli_host::auth::Caller::staff(&["supervisor"]);
    ticket(&h, "B");
    let pages = [
        ("kiosk", h.get("/queue/kiosk").text()),
        ("ticket", h.get(&format!("/queue/t/{token}")).text()),
        ("print", h.get(&format!("/queue/t/{token}/print")).text()),
        ("counter", h.request("GET", "/queue/counter", b"", &clerk("1")).text()),
        ("guide", h.request("GET", "/queue/guide", b"", &guide()).text()),
        ("admin", h.request("GET", "/queue/admin", b"", &admin).text()),
        ("stats", h.request("GET", "/queue/stats", b"", &sup).text()),
    ];
    // Key caps, the language switch, the settings file and its table.
    let allowed = ["Enter", "English", "data", "linli", "toml", "plugins", "queue", "config"];
    for (name, p) in &pages {
        let english: Vec<String> = visible_words(p).into_iter().filter(|w| !allowed.contains(&w.as_str())).collect();
        assert!(english.is_empty(), "{name}: English words in the Chinese page: {english:?}");
    }
}
