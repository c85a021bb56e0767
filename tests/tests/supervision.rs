//! Issue 16, item 4: the supervisors' dashboards (`supervision`, 督查评估).
//! A day and a second day of tickets, window spans, ratings, 差评 cases
//! and complaints are made through the real queue, ratings and feedback
//! plugins; every dashboard figure is checked against what this test
//! works out itself from the records it made (never a number written
//! down). The CSV and the Excel workbook (read back with python3's zipfile
//! and XML parser) hold the page's figures, numbers as numbers; the SVG
//! charts are well-formed; a clerk is refused; a link an admin has not
//! allowed is a clear refusal naming it. The harness tests (`sandbox::`)
//! run again on PostgreSQL; the last test draws the dashboard and the
//! printable report in Chromium.

use linli_host::auth::{Caller, CallerKind};
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::{fixtures, postgres};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Wednesday 2026-03-04 (March 2026 has no public holiday).
const MAR04: i64 = DAY1 + 62 * DAY;
const MAR05: i64 = MAR04 + DAY;

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

/// `YYYY-MM-DD` of a March 2026 instant (+08:00).
fn day_name(ms: i64) -> String {
    format!("2026-03-{:02}", (ms - (MAR04 - 3 * DAY)) / DAY + 1)
}

mod sandbox {
    use super::*;

    pub fn anyone() -> Caller {
        Caller::anonymous("zh-CN")
    }

    /// A clerk signed in at `window`; the name carries markup, which every
    /// page must show as text.
    pub fn clerk(window: &str) -> Caller {
        let mut c = Caller::staff(&["clerk"]);
        c.window = Some(window.into());
        c.id = Some(format!("clerk-{window}"));
        c.name = Some(format!("办事员{window}<i>&"));
        c
    }

    pub fn supervisor(id: &str) -> Caller {
        let mut c = Caller::staff(&["supervisor"]);
        c.id = Some(id.into());
        c.name = Some(format!("主管{id}"));
        c
    }

    pub fn evaluator(window: &str) -> Caller {
        Caller { kind: CallerKind::Device { device_kind: "evaluator".into() }, id: Some(format!("ev-{window}")), name: Some("评价器".into()), roles: vec![], window: Some(window.into()), lang: "zh-CN".into() }
    }

    fn settings() -> PluginSettings {
        let mut s = PluginSettings::default();
        // On PostgreSQL every statement is a round trip on busy cores.
        s.limits.time_ms = if std::env::var_os("LINLI_TEST_POSTGRES").is_some() { 10_000 } else { 5_000 };
        s
    }

    /// Supervision with the real queue, ratings and feedback beside it;
    /// the links an admin allows, except those named in `unlinked`. The
    /// harness's own plugin (the one its tick and SQL reach) is ratings
    /// (its tick gives the default ratings), or the queue with `queue_main`.
    pub fn harness_with(unlinked: &[&str], queue_main: bool) -> PluginHarness {
        harness_set(unlinked, queue_main, settings())
    }

    pub fn harness_set(unlinked: &[&str], queue_main: bool, settings: PluginSettings) -> PluginHarness {
        let (main, rest) = if queue_main {
            (fixtures::PLUGIN_QUEUE, [fixtures::PLUGIN_RATINGS, fixtures::PLUGIN_FEEDBACK, fixtures::PLUGIN_SUPERVISION])
        } else {
            (fixtures::PLUGIN_RATINGS, [fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_FEEDBACK, fixtures::PLUGIN_SUPERVISION])
        };
        let h = PluginHarness::load_with(main, settings.clone()).expect("plugin loads");
        for p in rest {
            h.add_plugin(p, settings.clone()).expect("plugin loads");
        }
        h.allow_call("ratings", "queue");
        for callee in ["queue", "ratings", "feedback"] {
            if !unlinked.contains(&callee) {
                h.allow_call("supervision", callee);
            }
        }
        h
    }

    pub fn harness(unlinked: &[&str]) -> PluginHarness {
        harness_with(unlinked, false)
    }

    /// One ticket as this test saw it happen.
    #[derive(Clone, Debug)]
    pub struct Seen {
        pub label: String,
        pub day: String,
        pub service: String,
        pub window: Option<String>,
        pub issued: i64,
        pub called: Option<i64>,
        pub finished: Option<i64>,
        pub level: Option<i64>,
    }

    /// What the test made, to work the figures out from.
    #[derive(Default)]
    pub struct Made {
        pub tickets: Vec<Seen>,
        /// (day, created, first reply, first due day, kind)
        pub complaints: Vec<(String, i64, Option<i64>, String)>,
    }

    fn ok(r: &TestResponse, status: u16) -> Value {
        assert_eq!(r.status, status, "{}", r.text());
        r.json()
    }

    /// A day in the hall, minute by minute from `start` to `end`: the
    /// consoles of windows 1–3 refresh every minute (window 3's clerk is
    /// away 10:30–10:45, window 2 pauses 10:00–10:20), residents take
    /// tickets for A and B, clerks call, serve for a few minutes, finish
    /// (every seventh is skipped as a no-show) and the evaluator rates
    /// most of them.
    pub fn run_day(h: &PluginHarness, made: &mut Made, day: i64, start: (i64, i64), end: (i64, i64)) {
        let levels = [5, 4, 5, 3, 2, 5, 1, 4, 5, 5, 3, 2];
        let mut serving: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
        let mut seed = 7u64;
        let mut rnd = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % n) as i64
        };
        let mut m = at(day, start.0, start.1);
        let stop = at(day, end.0, end.1);
        let mut k = 0;
        let today = day_name(day);
        // Residents come until 20 minutes before `end`; the windows go on
        // until nobody waits.
        while m <= stop || !serving.is_empty() || made.tickets.iter().any(|t| t.day == today && t.called.is_none()) {
            let hm = (m - day) / MINUTE;
            for w in ["1", "2", "3"] {
                let away = w == "3" && (10 * 60 + 30..10 * 60 + 45).contains(&hm);
                if away {
                    continue;
                }
                h.set_time(m);
                ok(&h.request("GET", "/api/queue/counter", b"", &clerk(w)), 200);
            }
            if hm == 10 * 60 {
                h.set_time(m + 5_000);
                ok(&h.post_json("/api/queue/counter/pause", &json!({}), &clerk("2")), 200);
            }
            if hm == 10 * 60 + 20 {
                h.set_time(m + 5_000);
                ok(&h.post_json("/api/queue/counter/resume", &json!({}), &clerk("2")), 200);
            }
            // A resident or two, from opening time.
            if hm >= 8 * 60 + 30 && m <= stop - 20 * MINUTE && rnd(5) < 2 {
                let service = if rnd(3) == 0 { "B" } else { "A" };
                let t = m + 10_000 + rnd(5) * 1000;
                h.set_time(t);
                let v = ok(&h.post_json("/api/queue/tickets", &json!({"service": service}), &anyone()), 201);
                made.tickets.push(Seen { label: v["ticket"].as_str().unwrap().into(), day: day_name(day), service: service.into(), window: None, issued: t, called: None, finished: None, level: None });
            }
            for w in ["1", "2", "3"] {
                let away = w == "3" && (10 * 60 + 30..10 * 60 + 45).contains(&hm);
                let paused = w == "2" && (10 * 60..10 * 60 + 20).contains(&hm);
                if away || paused {
                    continue;
                }
                if let Some(&(i, until)) = serving.get(w) {
                    if m < until {
                        continue;
                    }
                    let t = m + 30_000 + rnd(20) * 1000;
                    h.set_time(t);
                    k += 1;
                    if k % 7 == 3 {
                        ok(&h.post_json("/api/queue/counter/skip", &json!({}), &clerk(w)), 200);
                    } else {
                        ok(&h.post_json("/api/queue/counter/finish", &json!({"outcome": "done"}), &clerk(w)), 200);
                        made.tickets[i].finished = Some(t);
                        h.deliver_events().expect("ratings takes queue.finished");
                        // Most residents rate at the window; some do not.
                        if k % 5 != 0 {
                            let level = levels[k % levels.len()];
                            let reasons: Vec<&str> = if level <= 2 { vec!["attitude"] } else { vec![] };
                            let r = h.post_json("/api/ratings/evaluator/rate", &json!({"ticket": made.tickets[i].label, "level": level, "reasons": reasons}), &evaluator(w));
                            ok(&r, 201);
                            made.tickets[i].level = Some(level);
                        }
                    }
                    serving.remove(w);
                }
                let t = m + 20_000 + rnd(9) * 1000;
                h.set_time(t);
                let v = ok(&h.post_json("/api/queue/counter/call-next", &json!({}), &clerk(w)), 200);
                if let Some(label) = v["ticket"]["ticket"].as_str() {
                    let i = made.tickets.iter().rposition(|s| s.label == label && s.day == day_name(day)).expect("a ticket this test took");
                    made.tickets[i].window = Some(w.into());
                    made.tickets[i].called.get_or_insert(t);
                    serving.insert(w, (i, m + (2 + rnd(6)) * MINUTE));
                }
            }
            m += MINUTE;
        }
    }

    /// Complaints (and a suggestion, which does not count): submitted,
    /// replied at various delays, one reopened and replied again, one
    /// never replied.
    pub fn complaints(h: &PluginHarness, made: &mut Made) {
        let sup = supervisor("s1");
        // (submitted, replied after, kind)
        let plan: [(i64, Option<i64>, &str); 6] = [
            (at(MAR04, 9, 5), Some(3 * HOUR + 7 * MINUTE), "complaint"),
            (at(MAR04, 10, 40), Some(DAY + 2 * HOUR), "complaint"),
            (at(MAR04, 16, 20), Some(6 * DAY + HOUR), "complaint"),
            (at(MAR04, 11, 0), None, "complaint"),
            (at(MAR04, 11, 30), Some(HOUR), "suggestion"),
            (at(MAR05, 9, 15), Some(4 * HOUR), "complaint"),
        ];
        let mut ids = Vec::new();
        for (when, _, kind) in plan {
            h.set_time(when);
            let v = ok(&h.post_json("/api/feedback", &json!({"kind": kind, "category": "attitude", "text": "窗口工作人员态度生硬。", "anonymous": true}), &anyone()), 201);
            ids.push((v["id"].as_i64().unwrap(), v["code"].as_str().unwrap().to_owned(), v["due_day"].as_str().unwrap().to_owned()));
        }
        let mut replies: Vec<(i64, usize)> = plan.iter().enumerate().filter_map(|(i, p)| p.1.map(|d| (p.0 + d, i))).collect();
        replies.sort();
        for (t, i) in replies {
            h.set_time(t);
            ok(&h.post_json(&format!("/api/feedback/cases/{}/reply", ids[i].0), &json!({"text": "已核实并整改。"}), &sup), 200);
        }
        // The first complaint is reopened and replied to again: its first
        // reply is what counts.
        h.set_time(at(MAR05, 15, 0));
        ok(&h.post_json("/api/feedback/track/reopen", &json!({"code": ids[0].1, "reason": "没有解决"}), &anyone()), 200);
        h.set_time(at(MAR05, 16, 0));
        ok(&h.post_json(&format!("/api/feedback/cases/{}/reply", ids[0].0), &json!({"text": "再次整改。"}), &sup), 200);
        for (i, (when, after, kind)) in plan.iter().enumerate() {
            if *kind == "complaint" {
                made.complaints.push((day_name(*when), *when, after.map(|a| when + a), ids[i].2.clone()));
            }
        }
    }

    /// Work the poor-rating cases: some put right, called back and closed
    /// at various times, one appealed and upheld, the rest left open.
    /// Returns (case day, window, clerk, opened, closed, deadline) of the
    /// cases that count (the upheld appeal's does not).
    pub fn follow_up(h: &PluginHarness) -> Vec<(String, String, Option<i64>, i64, String)> {
        let list = ok(&h.request("GET", "/api/ratings/cases?status=all", b"", &supervisor("s1")), 200);
        let cases = list["cases"].as_array().cloned().unwrap_or_default();
        assert!(cases.len() >= 4, "enough 差评 to follow up: {list}");
        let mut counted = Vec::new();
        for (n, c) in cases.iter().enumerate() {
            let id = c["id"].as_i64().unwrap();
            let window = c["window"].as_str().unwrap().to_owned();
            let day = c["day"].as_str().unwrap().to_owned();
            let opened = c["opened_at"].as_i64().unwrap_or_else(|| panic!("opened_at in {c}"));
            let deadline = c["deadline"].as_str().unwrap().to_owned();
            if n == 0 {
                // The clerk appeals; a second supervisor upholds it.
                h.set_time(opened + HOUR);
                ok(&h.post_json(&format!("/api/ratings/cases/{id}/appeal"), &json!({"text": "群众误评"}), &clerk(&window)), 200);
                ok(&h.post_json(&format!("/api/ratings/cases/{id}/decide"), &json!({"uphold": true, "note": "核实为误评"}), &supervisor("s2")), 200);
                continue;
            }
            let closed = if n % 3 != 0 {
                let t = opened + (n as i64) * 7 * HOUR + 11 * MINUTE;
                h.set_time(t - 2 * HOUR);
                ok(&h.post_json(&format!("/api/ratings/cases/{id}/fix"), &json!({"text": "已批评教育"}), &supervisor("s1")), 200);
                h.set_time(t - HOUR);
                ok(&h.post_json(&format!("/api/ratings/cases/{id}/callback"), &json!({"result": "satisfied", "note": ""}), &supervisor("s1")), 200);
                h.set_time(t);
                ok(&h.post_json(&format!("/api/ratings/cases/{id}/close"), &json!({}), &supervisor("s1")), 200);
                Some(t)
            } else {
                None
            };
            counted.push((day, window, closed, opened, deadline));
        }
        counted
    }

    pub fn figures(h: &PluginHarness, query: &str) -> Value {
        ok(&h.request("GET", &format!("/api/supervision/figures?{query}"), b"", &supervisor("s1")), 200)
    }

    // ---- the test's own arithmetic -------------------------------------

    fn r1(x: f64) -> f64 {
        (x * 10.0).round() / 10.0
    }

    /// (n, mean, median, p90) in minutes, nearest-rank.
    pub fn dist(ms: &[i64]) -> (i64, Value, Value, Value) {
        if ms.is_empty() {
            return (0, Value::Null, Value::Null, Value::Null);
        }
        let mut v = ms.to_vec();
        v.sort();
        let n = v.len();
        let nth = |p: f64| json!(r1(v[((p * n as f64).ceil() as usize).max(1) - 1] as f64 / 60_000.0));
        (n as i64, json!(r1(v.iter().sum::<i64>() as f64 / n as f64 / 60_000.0)), nth(0.5), nth(0.9))
    }

    fn pct(a: i64, b: i64) -> Value {
        if b == 0 { Value::Null } else { json!(r1(a as f64 * 100.0 / b as f64)) }
    }

    fn hours(ms: &[i64]) -> Value {
        if ms.is_empty() { Value::Null } else { json!(r1(ms.iter().sum::<i64>() as f64 / ms.len() as f64 / 3_600_000.0)) }
    }

    /// The working days after `a` up to and including `b` (weekdays: March
    /// 2026 has no holiday and no make-up day).
    fn working_days(a: &str, b: &str) -> i64 {
        let (x, y): (i64, i64) = (a[8..].parse().unwrap(), b[8..].parse().unwrap());
        // 2026-03-01 is a Sunday.
        (x + 1..=y).filter(|d| (d - 1) % 7 != 0 && (d - 1) % 7 != 6).count() as i64
    }

    /// The expected row of a group of tickets and cases, keyed like the page.
    pub fn expect_group(tickets: &[&Seen], cases: &[&(String, String, Option<i64>, i64, String)], defaults: i64) -> BTreeMap<&'static str, Value> {
        let waits: Vec<i64> = tickets.iter().filter_map(|t| t.called.map(|c| c - t.issued)).collect();
        let handles: Vec<i64> = tickets.iter().filter_map(|t| Some(t.finished? - t.called?)).collect();
        let (wn, wm, wmed, w90) = dist(&waits);
        let (hn, hm, hmed, h90) = dist(&handles);
        let rated: Vec<i64> = tickets.iter().filter_map(|t| t.level).collect();
        let good = rated.iter().filter(|l| **l >= 3).count() as i64;
        let poor = rated.iter().filter(|l| **l <= 2).count() as i64;
        let resolved: Vec<i64> = cases.iter().filter_map(|c| c.2.map(|t| t - c.3)).collect();
        let on_time = cases.iter().filter(|c| c.2.is_some_and(|t| day_name(t) <= c.4)).count() as i64;
        BTreeMap::from([
            ("wait_n", json!(wn)),
            ("wait_mean", wm),
            ("wait_median", wmed),
            ("wait_p90", w90),
            ("handle_n", json!(hn)),
            ("handle_mean", hm),
            ("handle_median", hmed),
            ("handle_p90", h90),
            ("rated", json!(rated.len())),
            ("good", json!(good)),
            ("poor", json!(poor)),
            ("satisfaction", pct(good, rated.len() as i64)),
            ("defaults", json!(defaults)),
            ("cases", json!(cases.len())),
            ("resolved", json!(resolved.len())),
            ("followup", pct(resolved.len() as i64, cases.len() as i64)),
            ("close_hours", hours(&resolved)),
            ("on_time", json!(on_time)),
        ])
    }

    pub fn expect_complaints(c: &[(String, i64, Option<i64>, String)], today: &str) -> BTreeMap<&'static str, Value> {
        let replied: Vec<&(String, i64, Option<i64>, String)> = c.iter().filter(|x| x.2.is_some()).collect();
        let hrs: Vec<i64> = replied.iter().map(|x| x.2.unwrap() - x.1).collect();
        let wd: Vec<i64> = replied.iter().map(|x| working_days(&x.0, &day_name(x.2.unwrap()))).collect();
        let due = c.iter().filter(|x| x.2.is_some() || today > x.3.as_str()).count() as i64;
        let within = replied.iter().filter(|x| day_name(x.2.unwrap()) <= x.3).count() as i64;
        BTreeMap::from([
            ("complaints", json!(c.len())),
            ("replied", json!(replied.len())),
            ("reply_hours", hours(&hrs)),
            ("reply_working_days", if wd.is_empty() { Value::Null } else { json!(r1(wd.iter().sum::<i64>() as f64 / wd.len() as f64)) }),
            ("due", json!(due)),
            ("within", json!(within)),
            ("within_rate", pct(within, due)),
        ])
    }

    pub fn row<'a>(figs: &'a Value, table: &str, key: &str) -> &'a Value {
        figs["tables"][table]["rows"].as_array().unwrap().iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no row {key} in {table}: {}", figs["tables"][table]))
    }

    pub fn check(figs: &Value, table: &str, key: &str, want: &BTreeMap<&'static str, Value>) {
        let got = row(figs, table, key);
        for (k, v) in want {
            assert_eq!(&got[*k], v, "{table} / {key} / {k}: {got}");
        }
    }

    /// The seeded month: two days of the hall, complaints, follow-ups,
    /// and the default ratings six days on.
    pub fn seeded(h: &PluginHarness) -> (Made, Vec<(String, String, Option<i64>, i64, String)>) {
        let mut made = Made::default();
        run_day(h, &mut made, MAR04, (8, 20), (11, 30));
        run_day(h, &mut made, MAR05, (9, 0), (9, 50));
        complaints(h, &mut made);
        let cases = follow_up(h);
        // Six days on, the unrated tickets get their default rating.
        h.set_time(at(MAR05 + 6 * DAY, 9, 0));
        h.tick().expect("tick");
        h.set_time(at(MAR05 + 7 * DAY, 9, 0));
        (made, cases)
    }

    #[test]
    fn every_figure_matches_what_the_test_works_out_from_its_records() {
        let h = harness(&[]);
        let (made, cases) = seeded(&h);
        let upheld_day_window = {
            // The upheld appeal's rating is voided: not a real rating.
            let list = ok(&h.request("GET", "/api/ratings/cases?status=all", b"", &supervisor("s1")), 200);
            let c = list["cases"].as_array().unwrap().iter().find(|c| c["outcome"] == "appeal_upheld").cloned().expect("the upheld appeal");
            (c["day"].as_str().unwrap().to_owned(), c["ticket"].as_str().unwrap().to_owned())
        };
        let mut tickets = made.tickets.clone();
        for t in tickets.iter_mut() {
            if t.day == upheld_day_window.0 && t.label == upheld_day_window.1 {
                t.level = None;
            }
        }
        let defaults_of = |sel: &dyn Fn(&Seen) -> bool| tickets.iter().filter(|t| sel(t) && t.finished.is_some() && t.level.is_none() && !(t.day == upheld_day_window.0 && t.label == upheld_day_window.1)).count() as i64;
        assert!(tickets.len() > 50, "a busy morning: {} tickets", tickets.len());

        for (query, days) in [("day=2026-03-04", vec!["2026-03-04"]), ("month=2026-03", vec!["2026-03-04", "2026-03-05"])] {
            let figs = figures(&h, query);
            let in_range: Vec<&Seen> = tickets.iter().filter(|t| days.contains(&t.day.as_str())).collect();
            let cases_in: Vec<_> = cases.iter().filter(|c| days.contains(&c.0.as_str())).collect();
            let all_key = "全部";
            check(&figs, "total", all_key, &expect_group(&in_range, &cases_in, defaults_of(&|t| days.contains(&t.day.as_str()))));
            for w in ["1", "2", "3"] {
                let ts: Vec<&Seen> = in_range.iter().copied().filter(|t| t.window.as_deref() == Some(w)).collect();
                let cs: Vec<_> = cases_in.iter().copied().filter(|c| c.1 == w).collect();
                let want = expect_group(&ts, &cs, defaults_of(&|t| days.contains(&t.day.as_str()) && t.window.as_deref() == Some(w)));
                check(&figs, "by_window", w, &want);
                // The clerk of window w served exactly its tickets.
                check(&figs, "by_clerk", &format!("clerk-{w}"), &want);
                assert_eq!(row(&figs, "by_clerk", &format!("clerk-{w}"))["name"], format!("办事员{w}<i>&"));
            }
            for s in ["A", "B"] {
                let ts: Vec<&Seen> = in_range.iter().copied().filter(|t| t.service == s).collect();
                let waits: Vec<i64> = ts.iter().filter_map(|t| t.called.map(|c| c - t.issued)).collect();
                let (n, mean, med, p90) = dist(&waits);
                let got = row(&figs, "by_service", s);
                assert_eq!((got["wait_n"].clone(), got["wait_mean"].clone(), got["wait_median"].clone(), got["wait_p90"].clone()), (json!(n), mean, med, p90), "{s}: {got}");
            }
            for d in &days {
                let ts: Vec<&Seen> = in_range.iter().copied().filter(|t| t.day == *d).collect();
                let cs: Vec<_> = cases_in.iter().copied().filter(|c| c.0 == *d).collect();
                check(&figs, "by_day", d, &expect_group(&ts, &cs, defaults_of(&|t| t.day == *d)));
            }
            // Complaints: only those submitted in the range.
            let cs: Vec<_> = made.complaints.iter().filter(|c| days.contains(&c.0.as_str())).cloned().collect();
            check(&figs, "complaints", all_key, &expect_complaints(&cs, "2026-03-12"));
            // The ranking: the windows in order of the formula on the page.
            let mut want: Vec<(String, f64)> = ["1", "2", "3"]
                .iter()
                .map(|w| {
                    let g = row(&figs, "by_window", w);
                    let t = row(&figs, "total", all_key);
                    let sat = g["satisfaction"].as_f64().unwrap_or(t["satisfaction"].as_f64().unwrap());
                    let ws = match (t["wait_mean"].as_f64(), g["wait_mean"].as_f64()) {
                        (Some(a), Some(b)) if b > 0.0 => r1(100.0 * (a / b).min(1.0)),
                        _ => 100.0,
                    };
                    let f = g["followup"].as_f64().unwrap_or(100.0);
                    (w.to_string(), r1(0.6 * sat + 0.2 * ws + 0.2 * f))
                })
                .collect();
            want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let got: Vec<(String, f64)> = figs["tables"]["ranking"]["rows"].as_array().unwrap().iter().map(|r| (r["key"].as_str().unwrap().to_owned(), r["score"].as_f64().unwrap())).collect();
            assert_eq!(got, want, "{query}");
        }
    }

    /// Attendance from the spans the queue recorded: the test reads them
    /// raw, cuts them to 08:30–17:00 itself and compares.
    #[test]
    fn attendance_is_the_open_time_at_a_window_within_opening_hours() {
        let h = harness(&[]);
        let mut made = Made::default();
        run_day(&h, &mut made, MAR04, (8, 20), (11, 30));
        let spans = ok(&h.request("GET", "/api/queue/export/spans?from=2026-03-04&to=2026-03-04", b"", &supervisor("s1")), 200);
        let spans = spans["rows"].as_array().unwrap().clone();
        // Window 2's pause is its own span, and window 3's clerk away for
        // a quarter of an hour splits that window's time in two.
        let of = |w: &str| spans.iter().filter(|s| s["window"] == w).collect::<Vec<_>>();
        assert_eq!(of("1").len(), 1, "{spans:?}");
        assert_eq!(of("2").iter().map(|s| s["paused"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 1, 0], "{spans:?}");
        assert_eq!(of("3").len(), 2, "{spans:?}");
        let open = at(MAR04, 8, 30);
        let close = at(MAR04, 17, 0);
        let figs = figures(&h, "day=2026-03-04");
        for w in ["1", "2", "3"] {
            let (mut o, mut p) = (0i64, 0i64);
            for s in of(w) {
                let ms = (s["seen_at"].as_i64().unwrap().min(close) - s["started_at"].as_i64().unwrap().max(open)).max(0);
                if s["paused"] == 1 { p += ms } else { o += ms }
            }
            let got = row(&figs, "attendance", &format!("clerk-{w}"));
            let hall = 510;
            assert_eq!(got["hall_minutes"], hall, "{got}");
            assert_eq!(got["open_minutes"], json!(r1(o as f64 / 60_000.0)), "{got}");
            assert_eq!(got["paused_minutes"], json!(r1(p as f64 / 60_000.0)), "{got}");
            assert_eq!(got["rate"], pct(o, hall * 60_000), "{got}");
            assert_eq!(got["windows"], w);
            // Most of the morning from 08:30 at the window.
            assert!(o > 120 * MINUTE && o <= 240 * MINUTE, "window {w}: {o}");
        }
    }

    #[test]
    fn the_csv_and_the_workbook_hold_the_pages_figures() {
        let h = harness(&[]);
        let (_made, _) = seeded(&h);
        let figs = figures(&h, "month=2026-03");
        let by_window = &figs["tables"]["by_window"];
        // CSV: the by-window block, row for row.
        let r = h.request("GET", "/api/supervision/export.csv?month=2026-03", b"", &supervisor("s1"));
        assert_eq!(r.status, 200, "{}", r.text());
        let csv = r.text();
        assert!(csv.starts_with('\u{feff}'), "a byte-order mark for spreadsheets");
        let block: Vec<&str> = csv.split("\r\n\r\n").find(|b| b.trim_start_matches('\u{feff}').starts_with("按窗口")).expect("the by-window block").lines().collect();
        let cols: Vec<String> = by_window["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        assert_eq!(block[1].split(',').count(), cols.len(), "{}", block[1]);
        assert!(block[1].starts_with("项目,名称,等候 人次,等候 平均（分钟）"), "{}", block[1]);
        for (line, row) in block[2..].iter().zip(by_window["rows"].as_array().unwrap()) {
            let want: Vec<String> = cols.iter().map(|c| match &row[c] { Value::Null => String::new(), Value::String(s) => s.clone(), v => v.to_string() }).collect();
            assert_eq!(line.split(',').map(str::to_owned).collect::<Vec<_>>(), want);
        }
        // The workbook, read back by python3's zip and XML readers.
        let r = h.request("GET", "/api/supervision/export.xlsx?month=2026-03", b"", &supervisor("s1"));
        assert_eq!(r.status, 200, "{}", r.text());
        let xlsx = r.body.clone();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.xlsx");
        std::fs::write(&file, &xlsx).unwrap();
        let Some(sheets) = read_xlsx(&file) else { return };
        let names: Vec<&str> = sheets.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["总体", "按业务", "按窗口", "按工作人员", "按日", "投诉答复", "在岗情况", "窗口排名"]);
        let sheet = &sheets[2]["rows"];
        assert_eq!(sheet[0][0], json!({"t": "s", "v": "项目"}));
        for (i, row) in by_window["rows"].as_array().unwrap().iter().enumerate() {
            for (j, c) in cols.iter().enumerate() {
                let cell = &sheet[i + 1][j];
                match &row[c] {
                    Value::Null => assert_eq!(cell, &Value::Null, "{c}"),
                    Value::String(s) => assert_eq!(cell, &json!({"t": "s", "v": s}), "{c}"),
                    Value::Number(n) => assert_eq!(cell, &json!({"t": "n", "v": n.as_f64().unwrap()}), "{c}: numbers are numbers"),
                    other => panic!("{other}"),
                }
            }
        }
        // Chinese text intact, markup kept as text in the clerk's name.
        let clerks = &sheets[3]["rows"];
        assert!(clerks.as_array().unwrap().iter().any(|r| r[1] == json!({"t": "s", "v": "办事员1<i>&"})), "{clerks}");
    }

    /// Python's zipfile (checks each entry's CRC-32) and XML parser read
    /// the workbook: each sheet's cells as `{"t": "s"|"n", "v": …}` or null.
    fn read_xlsx(file: &std::path::Path) -> Option<Value> {
        let script = r#"
import json, sys, zipfile, re
import xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "a CRC-32 does not match"
assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
ET.fromstring(z.read("[Content_Types].xml"))
rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
out = []
for s in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
    target = rels[s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
    sheet = ET.fromstring(z.read("xl/" + target))
    rows = []
    for row in sheet.find("m:sheetData", ns):
        cells = {}
        for c in row:
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            idx = 0
            for ch in col: idx = idx * 26 + ord(ch) - 64
            if c.get("t") == "inlineStr":
                cells[idx - 1] = {"t": "s", "v": "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))}
            else:
                cells[idx - 1] = {"t": "n", "v": float(c.find("m:v", ns).text)}
        rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
    out.append({"name": s.get("name"), "rows": rows})
print(json.dumps(out, ensure_ascii=False))
"#;
        let out = match std::process::Command::new("python3").arg("-c").arg(script).arg(file).output() {
            Ok(o) => o,
            Err(e) => {
                linli_shared::skip::unavailable(&format!("python3 reads the workbook back: {e}; install the Debian package python3"));
                return None;
            }
        };
        assert!(out.status.success(), "python3 could not read the workbook: {}", String::from_utf8_lossy(&out.stderr));
        let mut v: Value = serde_json::from_slice(&out.stdout).expect("json");
        // Pad each row to the table's width with nulls.
        for s in v.as_array_mut().unwrap() {
            let width = s["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().len()).max().unwrap_or(0);
            for r in s["rows"].as_array_mut().unwrap() {
                while r.as_array().unwrap().len() < width {
                    r.as_array_mut().unwrap().push(Value::Null);
                }
            }
        }
        Some(v)
    }

    #[test]
    fn the_page_draws_well_formed_charts_and_escapes_every_text() {
        let h = harness(&[]);
        let (_made, _) = seeded(&h);
        for path in ["/supervision?month=2026-03", "/supervision?day=2026-03-04", "/supervision/report?month=2026-03"] {
            let r = h.request("GET", path, b"", &supervisor("s1"));
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            let page = r.text();
            assert!(!page.contains("<i>&"), "{path}: the clerk's name is shown as text");
            assert!(page.contains("办事员1&lt;i&gt;&amp;"), "{path}");
            // No script at all, and no outside resource.
            assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href=\"http"), "{path}");
            let svgs: Vec<&str> = page.split("<svg ").skip(1).map(|s| &s[..s.find("</svg>").expect("closed") + 6]).collect();
            assert!(svgs.len() >= 3, "{path}: {} charts", svgs.len());
            for s in &svgs {
                assert!(s.contains("role=\"img\"") && s.contains("<title id="), "{path}: an accessible name: {s}");
                well_formed(&format!("<svg {s}"));
            }
        }
        let report = h.request("GET", "/supervision/report?month=2026-03", b"", &supervisor("s1")).text();
        assert!(report.contains("@page { size: A4") && report.contains("@media print"), "print CSS");
        assert!(report.contains("<h1 id=\"sv-hall\">邻里社区便民服务大厅</h1>") && report.contains("2026年3月"));
        // The help says which levels are 好评 and what happens to defaults.
        let page = h.request("GET", "/supervision", b"", &supervisor("s1")).text();
        assert!(page.contains("国办发〔2019〕51号") && page.contains("“非常满意、满意、基本满意”为好评") && page.contains("默认评价不计入"));
        assert!(page.contains("综合得分 = 0.6×满意率 + 0.2×等候得分 + 0.2×整改率"));
    }

    fn well_formed(svg: &str) {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys, xml.etree.ElementTree as ET; ET.fromstring(sys.stdin.read())"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let Ok(mut child) = out else {
            linli_shared::skip::unavailable("python3 parses the charts: install the Debian package python3");
            return;
        };
        use std::io::Write;
        child.stdin.take().unwrap().write_all(svg.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "not well-formed XML: {}\n{svg}", String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn a_clerk_is_refused_and_a_missing_link_says_what_the_admin_must_do() {
        let h = harness(&["feedback"]);
        h.set_time(at(MAR04, 9, 0));
        for path in ["/supervision", "/api/supervision/figures", "/api/supervision/export.xlsx", "/supervision/report"] {
            let r = h.request("GET", path, b"", &clerk("1"));
            assert_eq!(r.status, 403, "{path}: {}", r.text());
        }
        // An admin passes.
        let admin = Caller::staff(&["admin"]);
        let r = h.request("GET", "/api/supervision/figures?day=2026-03-04", b"", &admin);
        assert_eq!(r.status, 503, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], "not_linked", "{v}");
        let zh = v["error"]["message_zh"].as_str().unwrap();
        assert!(zh.contains("意见箱") && zh.contains("插件管理") && zh.contains("允许“督查评估”调用“意见箱”"), "{zh}");
        assert!(v["error"]["message_en"].as_str().unwrap().contains("allow supervision to call feedback"), "{v}");
        // The page says it too, instead of figures.
        let page = h.request("GET", "/supervision?day=2026-03-04", b"", &admin).text();
        assert!(page.contains("id=\"sv-error\"") && page.contains("允许“督查评估”调用“意见箱”"), "{page}");
        // Allowed: the figures come.
        h.allow_call("supervision", "feedback");
        assert_eq!(h.request("GET", "/api/supervision/figures?day=2026-03-04", b"", &admin).status, 200);
        // A disabled plugin is named as such.
        h.set_enabled("ratings", false).unwrap();
        let v = h.request("GET", "/api/supervision/figures?day=2026-03-04", b"", &admin).json();
        assert_eq!(v["error"]["code"], "plugin_missing", "{v}");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("服务评价"), "{v}");
        // A bad month names its field.
        h.set_enabled("ratings", true).unwrap();
        let r = h.request("GET", "/api/supervision/figures?month=2026-13", b"", &admin);
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("month")), "{}", r.text());
    }

    /// `n` tickets of service A finished at window 1 on `day`, written
    /// straight into the queue's table (the harness's own plugin); waits
    /// cycle through 0–599 s. False where the tables are in PostgreSQL.
    fn insert_finished(h: &PluginHarness, day: &str, base: i64, n: i64) -> bool {
        let insert = format!(
            "INSERT INTO tickets (day, origin_service, number, label, service, token, kind, channel, status, sort_time, \"window\", clerk_id, clerk_name, issued_at, called_at, last_called_at, finished_at, period)
             SELECT '{day}', 'A', 1000 + x, 'A' || (1000 + x), 'A', '{day}-' || x, 'walk-in', 'kiosk', 'finished', {base} + x, '1', 'clerk-1', 'c', {base} + x, {base} + x + (x % 600) * 1000, {base} + x + (x % 600) * 1000, {base} + x + (x % 600) * 1000 + 60000 + (x % 7) * 1000, 'am'
             FROM (WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) SELECT x FROM s) AS q"
        );
        h.sql(|c| c.execute(&insert, [])).is_ok()
    }

    /// A busy month (three closed days of 8,000 tickets, more than one
    /// request may read) is summed a share per request: the first two say
    /// it is still summing (the API and the page), the next gives the
    /// month, exact, from the days kept. A single day over the limit is refused at once, saying so.
    #[test]
    fn a_busy_month_is_summed_a_share_per_request_and_kept() {
        let h = harness_set(&[], true, PluginSettings::default());
        h.set_time(at(MAR04, 9, 0));
        // The queue makes its tables on its first call.
        ok(&h.request("GET", "/api/queue/services", b"", &anyone()), 200);
        if !(insert_finished(&h, "2026-03-03", at(MAR04 - DAY, 8, 30), 8_000)
            && insert_finished(&h, "2026-03-04", at(MAR04, 8, 30), 8_000)
            && insert_finished(&h, "2026-03-05", at(MAR05, 8, 30), 8_000))
        {
            return;
        }
        h.set_time(at(MAR05 + 4 * DAY, 9, 0));
        let r = h.request("GET", "/api/supervision/figures?month=2026-03", b"", &supervisor("s1"));
        assert_eq!(r.status, 503, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], "summing_up", "{v}");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("请稍后刷新"), "{v}");
        let page = h.request("GET", "/supervision?month=2026-03", b"", &supervisor("s1")).text();
        assert!(page.contains("id=\"sv-error\"") && page.contains("正在汇总"), "{page}");
        let figs = figures(&h, "month=2026-03");
        let t = row(&figs, "total", "全部");
        assert_eq!(t["handle_n"], 24_000, "{t}");
        let waits: Vec<i64> = (1..=8_000).chain(1..=8_000).chain(1..=8_000).map(|x: i64| (x % 600) * 1000).collect();
        let (_, mean, med, p90) = dist(&waits);
        assert_eq!((t["wait_mean"].clone(), t["wait_median"].clone(), t["wait_p90"].clone()), (mean, med, p90), "{t}");
        assert_eq!(row(&figs, "by_day", "2026-03-05")["handle_n"], 8_000);
        // Kept: asked again, the same figures.
        assert_eq!(figures(&h, "month=2026-03")["tables"], figs["tables"]);
        // One day over the limit: refused at once, naming the limit.
        // (Yesterday: not kept yet, read afresh.)
        assert!(insert_finished(&h, "2026-03-08", at(MAR05 + 3 * DAY, 8, 30), 15_001));
        let r = h.request("GET", "/api/supervision/figures?day=2026-03-08", b"", &supervisor("s1"));
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (413, Some("too_many_records")), "{}", r.text());
        assert!(r.json()["error"]["message_zh"].as_str().unwrap().contains("15000"), "{}", r.text());
    }

    /// The tick keeps last month's and this month's closed days, so the
    /// month's page need not read their tickets again.
    #[test]
    fn the_tick_keeps_the_closed_days_of_the_month() {
        let h = PluginHarness::load_with(fixtures::PLUGIN_SUPERVISION, settings()).expect("supervision loads");
        for p in [fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_RATINGS, fixtures::PLUGIN_FEEDBACK] {
            h.add_plugin(p, settings()).expect("plugin loads");
        }
        // Before the links, the tick does nothing and does not fail.
        h.set_time(at(MAR05 + 5 * DAY, 9, 0));
        h.tick().expect("a tick without links");
        for callee in ["queue", "ratings", "feedback"] {
            h.allow_call("supervision", callee);
        }
        h.allow_call("ratings", "queue");
        for (day, label) in [(MAR04, "A001"), (MAR05, "A001")] {
            h.set_time(at(day, 9, 0));
            ok(&h.post_json("/api/queue/tickets", &json!({"service": "A"}), &anyone()), 201);
            h.set_time(at(day, 9, 4));
            assert_eq!(ok(&h.post_json("/api/queue/counter/call-next", &json!({}), &clerk("1")), 200)["ticket"]["ticket"], label);
            h.set_time(at(day, 9, 10));
            ok(&h.post_json("/api/queue/counter/finish", &json!({"outcome": "done"}), &clerk("1")), 200);
        }
        // Monday 03-09: 03-04 and 03-05 are over, and so is the day after.
        h.set_time(at(MAR05 + 4 * DAY, 9, 0));
        h.tick().expect("tick");
        let kept: Vec<String> = match h.sql(|c| c.prepare("SELECT day FROM days ORDER BY day")?.query_map([], |r| r.get(0))?.collect()) {
            Ok(k) => k,
            // On PostgreSQL the harness reads no table directly.
            Err(_) => return,
        };
        assert!(kept.contains(&"2026-03-04".to_owned()) && kept.contains(&"2026-03-05".to_owned()), "{kept:?}");
        assert!(kept.iter().all(|d| d.as_str() < "2026-03-08"), "yesterday and today are not kept: {kept:?}");
        assert!(kept.contains(&"2026-02-01".to_owned()), "last month too: {kept:?}");
        let figs = figures(&h, "month=2026-03");
        let t = row(&figs, "total", "全部");
        assert_eq!((t["handle_n"].clone(), t["wait_mean"].clone(), t["handle_mean"].clone()), (json!(2), json!(4.0), json!(6.0)), "{t}");
    }

    /// 10,001 tickets in one day: the figures come in one request under
    /// the default limits (1 s a call; the queue answers in pages of 5000)
    /// and count every ticket.
    #[test]
    fn a_day_of_10001_tickets_is_summed_in_one_request() {
        let h = harness_set(&[], true, PluginSettings::default());
        h.set_time(at(MAR04, 9, 0));
        // One real ticket makes the queue's tables; the rest are written
        // straight into them (taking 10,001 through the kiosk would take
        // minutes), finished at window 1, waits cycling through 0–599 s.
        ok(&h.post_json("/api/queue/tickets", &json!({"service": "A"}), &anyone()), 201);
        let n = 10_001i64;
        if !insert_finished(&h, "2026-03-04", at(MAR04, 8, 30), n) {
            // On PostgreSQL the harness has no direct handle on the
            // queue's tables; the SQLite run covers this.
            return;
        }
        let started = std::time::Instant::now();
        let figs = figures(&h, "day=2026-03-04");
        println!("10,001 tickets summed in {:?} (limit 1 s)", started.elapsed());
        let t = row(&figs, "total", "全部");
        assert_eq!(t["wait_n"], n, "{t}");
        assert_eq!(t["handle_n"], n, "{t}");
        let waits: Vec<i64> = (1..=n).map(|x| (x % 600) * 1000).collect();
        let (_, mean, med, p90) = dist(&waits);
        assert_eq!(t["wait_mean"], mean, "{t}");
        assert_eq!((t["wait_median"].clone(), t["wait_p90"].clone()), (med, p90), "{t}");
    }
}

/// Every harness test above again with the plugins' SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_supervision_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["sandbox::", "--test-threads", "1"])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the supervision tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "on PostgreSQL:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(passed >= 5, "{passed} tests passed:\n{stdout}");
}

// ---- On a real host, in Chromium ------------------------------------------

/// A screenshot to DIR/NAME.png.b64 when `LINLI_SCREENSHOTS=DIR` (for the
/// README's pictures).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

fn browse_as(b: &linli_tests::browser::Browser, who: &linli_tests::Staff) {
    b.call("DELETE", "/cookie", None);
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": "lang", "value": "zh-CN", "path": "/"}})));
    let (name, value) = who.cookie.split_once('=').expect("name=value");
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": name, "value": value, "path": "/", "httpOnly": true}})));
}

fn login(s: &linli_tests::TestServer, username: &str, window: Option<&str>) -> linli_tests::Staff {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut form = vec![("username", username), ("password", "correct horse battery"), ("next", "/")];
    if let Some(w) = window {
        form.push(("window", w));
    }
    let r = agent.post(&format!("{}/login", s.url)).send_form(&form).expect("login answers");
    assert_eq!(r.status(), 303);
    let cookie = r.header("set-cookie").expect("session").split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", s.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_owned();
    linli_tests::Staff { cookie, csrf }
}

/// The real plugins on a real host: an admin links supervision to the
/// queue, ratings and feedback; two clerks serve a morning's tickets and
/// the evaluators rate them; a complaint is replied to. The supervisor's
/// dashboard and the printable report render in Chromium, with their
/// charts, the figures the API gives, and print CSS for A4.
#[test]
fn the_dashboard_and_the_printable_report_render_in_chromium() {
    use linli_host::runtime::capabilities::ManualClock;
    use linli_tests::{TestServer, http_json, sign_in};
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 8, 40))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_RATINGS, fixtures::PLUGIN_FEEDBACK, fixtures::PLUGIN_SUPERVISION], "", None, clock.clone());
    let admin = sign_in(&s, "admin", &["admin"]);
    let post = |who: &linli_tests::Staff, path: &str, body: Value| http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &who.cookie).set("X-CSRF-Token", &who.csrf), &body);
    assert_eq!(post(&admin, "/api/host/plugins/ratings/calls", json!({"callees": ["queue"]})).0, 200);
    // Before the links: the page says what the admin must do.
    let sup = sign_in(&s, "zhang", &["supervisor"]);
    // Cookies are set on the host's own address.
    b.open(&format!("{}/healthz", s.url));
    browse_as(&b, &sup);
    b.open(&format!("{}/supervision?month=2026-03", s.url));
    let msg = b.until("the missing link", "document.getElementById('sv-error') && document.getElementById('sv-error').textContent");
    assert!(msg.as_str().unwrap().contains("插件管理"), "{msg}");
    assert_eq!(post(&admin, "/api/host/plugins/supervision/calls", json!({"callees": ["queue", "ratings", "feedback"]})).0, 200);
    let now = s.host.now_ms();
    let mut evaluators = Vec::new();
    let mut clerks = Vec::new();
    for (w, user, name) in [("1", "li", "李办事"), ("2", "wang", "王办事")] {
        evaluators.push(linli_host::auth::devices::create(&s.host.db, &format!("{w}号窗口评价器"), "evaluator", Some(w), now).expect("pair").1);
        linli_host::auth::sessions::create_staff(&s.host.db, user, name, "correct horse battery", &["clerk".to_string()], now).expect("clerk");
        clerks.push(login(&s, user, Some(w)));
    }
    let levels = [5, 4, 5, 2, 5, 3, 4, 5, 1, 5, 4, 5];
    // The consoles refresh every minute (that is what attendance counts).
    let minutes = |n: i64| {
        for _ in 0..n {
            clock.0.fetch_add(MINUTE, Ordering::SeqCst);
            for c in &clerks {
                let (code, body) = linli_tests::http(ureq::get(&format!("{}/api/queue/counter", s.url)).set("Cookie", &c.cookie));
                assert_eq!(code, 200, "{body}");
            }
        }
    };
    for (i, level) in levels.iter().enumerate() {
        let w = i % 2;
        clock.0.store(at(MAR04, 9, 0) + i as i64 * 14 * MINUTE, Ordering::SeqCst);
        let (code, t) = http_json(ureq::post(&format!("{}/api/queue/tickets", s.url)), &json!({"service": "A"}));
        assert_eq!(code, 201, "{t}");
        minutes(3 + i as i64 % 5);
        let (code, r) = post(&clerks[w], "/api/queue/counter/call-next", json!({}));
        assert_eq!(code, 200, "{r}");
        minutes(4 + i as i64 % 3);
        assert_eq!(post(&clerks[w], "/api/queue/counter/finish", json!({"outcome": "done"})).0, 200);
        let label = t["ticket"].as_str().unwrap().to_owned();
        let reasons: Vec<&str> = if *level <= 2 { vec!["efficiency"] } else { vec![] };
        let rated = linli_tests::wait_for(std::time::Duration::from_secs(10), || {
            let (code, _) = http_json(ureq::post(&format!("{}/api/ratings/evaluator/rate", s.url)).set("Authorization", &format!("Bearer {}", evaluators[w])), &json!({"ticket": label, "level": level, "reasons": reasons}));
            (code == 201).then_some(())
        });
        assert!(rated.is_some(), "ticket {label} rated");
        minutes(13 - (3 + i as i64 % 5) - (4 + i as i64 % 3));
    }
    clock.0.store(at(MAR04, 11, 0), Ordering::SeqCst);
    let (code, v) = http_json(ureq::post(&format!("{}/api/feedback", s.url)), &json!({"kind": "complaint", "category": "attitude", "text": "等候太久。", "anonymous": true}));
    assert_eq!(code, 201, "{v}");
    clock.0.store(at(MAR04, 15, 30), Ordering::SeqCst);
    assert_eq!(post(&sup, &format!("/api/feedback/cases/{}/reply", v["id"]), json!({"text": "已增开窗口。"})).0, 200);

    b.resize(1280, 2400);
    b.open(&format!("{}/supervision?month=2026-03", s.url));
    b.until("the figures", "document.getElementById('sv-by_window') && document.querySelectorAll('svg.sv-chart').length >= 3");
    // The page's satisfaction is the API's, and the charts have names.
    let (code, body) = linli_tests::http(ureq::get(&format!("{}/api/supervision/figures?month=2026-03", s.url)).set("Cookie", &sup.cookie));
    assert_eq!(code, 200, "{body}");
    let figs: Value = serde_json::from_str(&body).unwrap();
    let sat = figs["tables"]["total"]["rows"][0]["satisfaction"].as_f64().unwrap();
    let good = levels.iter().filter(|l| **l >= 3).count() as f64;
    assert_eq!(sat, ((good * 1000.0 / levels.len() as f64).round()) / 10.0);
    let shown = b.js("return document.querySelector('#sv-k-satisfaction .sv-v').textContent;");
    assert_eq!(shown.as_str().unwrap().parse::<f64>().unwrap(), sat);
    let titles = b.js("return [...document.querySelectorAll('svg.sv-chart')].map(s => s.querySelector('title').textContent).join('|');");
    assert!(titles.as_str().unwrap().contains("各窗口满意率"), "{titles}");
    snap(&b, "supervision-dashboard");
    // The printable report: the hall's name, A4 print CSS, no navigation.
    b.resize(900, 2400);
    b.open(&format!("{}/supervision/report?month=2026-03", s.url));
    b.until("the report", "document.getElementById('sv-hall') && document.querySelectorAll('svg.sv-chart').length >= 3");
    assert_eq!(b.js("return document.getElementById('sv-hall').textContent;"), "邻里社区便民服务大厅");
    assert_eq!(b.js("return document.querySelectorAll('nav, script').length;"), 0);
    let a4 = b.js("return [...document.styleSheets].flatMap(s => [...s.cssRules]).some(r => r.cssText.toLowerCase().includes('a4'));");
    assert_eq!(a4, true);
    snap(&b, "supervision-report");
}
