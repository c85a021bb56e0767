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
    assert!(page.contains("A002") && page.contains("Linli.events"), "live page");
    let s = h.get(&format!("/api/queue/t/{token}")).json();
    assert_eq!(s["ahead"], 1);
    assert_eq!(s["status"], "waiting");
    assert!(s["wait_minutes"].as_i64().unwrap() > 0);
    let print = h.get(&format!("/queue/t/{token}/print?paper=58")).text();
    assert!(print.contains("<svg") && print.contains("window.print()") && print.contains("size: 58mm"));
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
