//! The dashboard's figures, worked out from the raw records. Every figure
//! the page, the CSV, the workbook and the printable report show comes
//! from the tables made here, so they always agree.
//!
//! - 等候时长 waiting: first call − issue, for every ticket that was called;
//!   办理时长 handling: finish − the last call (the call that brought the
//!   resident to the window; an earlier call they missed is waiting), for
//!   every finished ticket. Count, mean, median and 90th percentile in
//!   minutes, one decimal; the median and p90 are nearest-rank (the
//!   ⌈n/2⌉-th and ⌈0.9·n⌉-th smallest).
//! - 满意率 (好评率) per 国办发〔2019〕51号: five levels; 好评 = 非常满意,
//!   满意, 基本满意; 差评 = 不满意, 非常不满意. Only a resident's own ratings
//!   count: a default rating given after N days is not one (the 意见 asks
//!   that residents rate of their own free will), and one withdrawn by an
//!   upheld appeal is not either; both are counted and shown apart.
//! - 差评整改率: the 差评 cases (less those whose appeal was upheld) closed
//!   as put right, over all of them; 平均办结时长: closed − opened, hours.
//! - 投诉答复: complaints (kind `complaint`) submitted in the range; first
//!   reply − submission in hours, and in working days (the working days
//!   after the submission day up to the reply day); 按期答复率: replied by
//!   the end of the first deadline day, over the complaints replied or
//!   already past that deadline unreplied.
//! - 在岗 attendance: the spans the queue records of a clerk's counter at a
//!   window (open or paused), cut to the hall's opening hours of each
//!   open day; 在岗率 = open (not paused) minutes within opening hours over
//!   the opening minutes of the days the clerk was there.
//! - 窗口排名: see [`ranking`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The queue sends tickets as arrays of these columns, read in the order
/// of [`Ticket`]'s fields.
pub const TICKET_COLUMNS: &[&str] = &["day", "service", "window", "clerk_id", "clerk_name", "status", "issued_at", "called_at", "last_called_at", "finished_at"];

#[derive(Deserialize, Clone)]
pub struct Ticket {
    pub day: String,
    pub service: String,
    pub window: Option<String>,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub status: String,
    pub issued_at: i64,
    pub called_at: Option<i64>,
    pub last_called_at: Option<i64>,
    pub finished_at: Option<i64>,
}

#[derive(Deserialize, Clone)]
pub struct Span {
    pub window: String,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub day: String,
    pub paused: i64,
    pub started_at: i64,
    pub seen_at: i64,
}

#[derive(Deserialize, Clone)]
pub struct HallDay {
    pub day: String,
    pub open: bool,
    pub open_minute: i64,
    pub close_minute: i64,
}

#[derive(Deserialize, Clone)]
pub struct Named {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Deserialize, Clone)]
pub struct Hall {
    pub days: Vec<HallDay>,
    pub services: Vec<Named>,
}

#[derive(Deserialize, Clone)]
pub struct Rating {
    pub day: String,
    pub service: String,
    pub window: String,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub level: i64,
    pub is_default: i64,
    pub voided: i64,
    /// How many ratings this row counts (the ratings plugin groups them).
    #[serde(default = "one")]
    pub n: i64,
}

fn one() -> i64 {
    1
}

#[derive(Deserialize, Clone)]
pub struct Case {
    pub day: String,
    pub service: String,
    pub window: String,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub status: String,
    pub opened_at: i64,
    pub deadline: String,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
}

#[derive(Deserialize, Clone)]
pub struct Complaint {
    pub kind: String,
    pub created_at: i64,
    pub created_day: String,
    pub first_due_day: String,
    pub first_reply_at: Option<i64>,
}

/// One decimal.
pub fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Durations, counted to the second: how many, their exact sum, and how
/// many fell in each whole second. Days merge exactly, so a month's median
/// is that of all its tickets (a closed day is kept as this, see
/// `fetch.rs`). The figures are shown to a tenth of a minute (6 s), whose
/// rounding steps fall on whole seconds, so a value cut to its second shows
/// as the exact one would.
#[derive(Default, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hist {
    pub n: i64,
    pub sum_ms: i64,
    pub bins: BTreeMap<i64, i64>,
}

impl Hist {
    pub fn push(&mut self, ms: i64) {
        self.n += 1;
        self.sum_ms += ms;
        *self.bins.entry(ms.div_euclid(1000)).or_default() += 1;
    }

    pub fn merge(&mut self, o: &Hist) {
        self.n += o.n;
        self.sum_ms += o.sum_ms;
        for (k, v) in &o.bins {
            *self.bins.entry(*k).or_default() += v;
        }
    }

    /// Count, mean, median, p90 in minutes, one decimal; median and p90
    /// nearest-rank (the ⌈n/2⌉-th and ⌈0.9·n⌉-th smallest).
    pub fn dist(&self) -> (usize, Option<f64>, Option<f64>, Option<f64>) {
        if self.n <= 0 {
            return (0, None, None, None);
        }
        let n = self.n;
        let rank = |p: f64| {
            let k = ((p * n as f64).ceil() as i64).clamp(1, n);
            let mut seen = 0;
            for (sec, c) in &self.bins {
                seen += c;
                if seen >= k {
                    return (*sec * 1000) as f64 / 60_000.0;
                }
            }
            0.0
        };
        let mean = self.sum_ms as f64 / n as f64 / 60_000.0;
        (n as usize, Some(r1(mean)), Some(r1(rank(0.5))), Some(r1(rank(0.9))))
    }
}

/// Count, mean, median, p90 of durations in ms, as minutes.
#[cfg(test)]
pub fn dist(ms: &[i64]) -> (usize, Option<f64>, Option<f64>, Option<f64>) {
    let mut h = Hist::default();
    for m in ms {
        h.push(*m);
    }
    h.dist()
}

fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| r1(part as f64 * 100.0 / whole as f64))
}

fn mean_hours(ms: &[i64]) -> Option<f64> {
    (!ms.is_empty()).then(|| r1(ms.iter().sum::<i64>() as f64 / ms.len() as f64 / 3_600_000.0))
}

/// Everything known of one service, window, clerk or day.
#[derive(Default, Clone)]
pub struct Group {
    pub name: String,
    pub waits: Hist,
    pub handles: Hist,
    /// Real ratings by level (index 1 … 5).
    pub levels: [i64; 6],
    pub defaults: i64,
    pub voided: i64,
    pub cases: i64,
    pub resolved: i64,
    pub on_time: i64,
    pub close_ms: Vec<i64>,
}

impl Group {
    pub fn real(&self) -> i64 {
        self.levels.iter().sum()
    }
    pub fn good(&self) -> i64 {
        self.levels[3] + self.levels[4] + self.levels[5]
    }
    pub fn poor(&self) -> i64 {
        self.levels[1] + self.levels[2]
    }
    pub fn satisfaction(&self) -> Option<f64> {
        pct(self.good(), self.real())
    }
    pub fn followup(&self) -> Option<f64> {
        pct(self.resolved, self.cases)
    }
}

/// A column: key, Chinese and English heading, number or text.
pub struct Col(pub &'static str, pub &'static str, pub &'static str, pub bool);

pub const GROUP_COLS: &[Col] = &[
    Col("key", "项目", "Item", false),
    Col("name", "名称", "Name", false),
    Col("wait_n", "等候 人次", "Waited (tickets)", true),
    Col("wait_mean", "等候 平均（分钟）", "Wait mean (min)", true),
    Col("wait_median", "等候 中位数（分钟）", "Wait median (min)", true),
    Col("wait_p90", "等候 90%分位（分钟）", "Wait p90 (min)", true),
    Col("handle_n", "办结 件数", "Served (tickets)", true),
    Col("handle_mean", "办理 平均（分钟）", "Handling mean (min)", true),
    Col("handle_median", "办理 中位数（分钟）", "Handling median (min)", true),
    Col("handle_p90", "办理 90%分位（分钟）", "Handling p90 (min)", true),
    Col("rated", "评价数（真实）", "Ratings (real)", true),
    Col("good", "好评", "Good", true),
    Col("poor", "差评", "Poor", true),
    Col("satisfaction", "满意率（%）", "Satisfaction (%)", true),
    Col("defaults", "默认评价（不计入）", "Default ratings (not counted)", true),
    Col("cases", "差评整改单", "Poor-rating cases", true),
    Col("resolved", "已整改办结", "Put right and closed", true),
    Col("followup", "整改率（%）", "Follow-up rate (%)", true),
    Col("close_hours", "平均办结时长（小时）", "Mean time to close (h)", true),
    Col("on_time", "按期办结", "Closed on time", true),
];

fn group_row(key: &str, g: &Group) -> Vec<Value> {
    let (wn, wm, wmed, w90) = g.waits.dist();
    let (hn, hm, hmed, h90) = g.handles.dist();
    vec![
        json!(key),
        json!(g.name),
        json!(wn),
        json!(wm),
        json!(wmed),
        json!(w90),
        json!(hn),
        json!(hm),
        json!(hmed),
        json!(h90),
        json!(g.real()),
        json!(g.good()),
        json!(g.poor()),
        json!(g.satisfaction()),
        json!(g.defaults),
        json!(g.cases),
        json!(g.resolved),
        json!(g.followup()),
        json!(mean_hours(&g.close_ms)),
        json!(g.on_time),
    ]
}

/// A table of the figures: id, titles, columns, rows.
pub struct Table {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub cols: &'static [Col],
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "title_zh": self.zh, "title_en": self.en,
            "columns": self.cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|r| self.cols.iter().zip(r).map(|(c, v)| (c.0.to_owned(), v.clone())).collect::<serde_json::Map<_, _>>()).collect::<Vec<_>>(),
        })
    }
}

pub const COMPLAINT_COLS: &[Col] = &[
    Col("key", "日期", "Day", false),
    Col("complaints", "投诉件数", "Complaints", true),
    Col("replied", "已答复", "Replied", true),
    Col("reply_hours", "平均首次答复（小时）", "Mean first reply (h)", true),
    Col("reply_working_days", "平均首次答复（工作日）", "Mean first reply (working days)", true),
    Col("due", "已到期或已答复", "Due or replied", true),
    Col("within", "按期答复", "Replied in time", true),
    Col("within_rate", "按期答复率（%）", "Replied in time (%)", true),
];

pub const ATTENDANCE_COLS: &[Col] = &[
    Col("key", "工作人员", "Staff", false),
    Col("name", "姓名", "Name", false),
    Col("windows", "窗口", "Windows", false),
    Col("days", "在岗天数", "Days present", true),
    Col("hall_minutes", "应在岗（分钟）", "Opening time (min)", true),
    Col("open_minutes", "窗口开放（分钟）", "Window open (min)", true),
    Col("paused_minutes", "暂停（分钟）", "Paused (min)", true),
    Col("rate", "在岗率（%）", "Attendance (%)", true),
];

pub const RANK_COLS: &[Col] = &[
    Col("rank", "名次", "Rank", true),
    Col("key", "窗口", "Window", false),
    Col("score", "综合得分", "Score", true),
    Col("satisfaction", "满意率（%）", "Satisfaction (%)", true),
    Col("wait_mean", "平均等候（分钟）", "Mean wait (min)", true),
    Col("wait_score", "等候得分", "Wait score", true),
    Col("followup", "整改率（%）", "Follow-up rate (%)", true),
    Col("served", "办结件数", "Served", true),
];

/// The working days after `from` up to and including `to` (0 the same day).
pub type WorkingDays<'a> = &'a dyn Fn(&str, &str) -> i64;
/// The hall's local day of an instant.
pub type DayOf<'a> = &'a dyn Fn(i64) -> String;

pub struct Figures {
    pub tables: Vec<Table>,
}

fn clerk_key(id: &Option<String>, name: &Option<String>) -> (String, String) {
    (id.clone().unwrap_or_else(|| "—".into()), name.clone().unwrap_or_default())
}

/// What one day's tickets give: waiting and handling times, in all and per
/// service, window, clerk and day (each with a name: the clerk's; a
/// service's is looked up when shown, in the reader's language).
#[derive(Default, Clone, Serialize, Deserialize)]
pub struct Part {
    pub total: [Hist; 2],
    pub dims: [BTreeMap<String, (String, [Hist; 2])>; 4],
}

impl Part {
    pub fn of(tickets: &[Ticket]) -> Part {
        let mut p = Part::default();
        let mut add = |t: &Ticket, which: usize, ms: i64| {
            p.total[which].push(ms);
            let (ck, cn) = clerk_key(&t.clerk_id, &t.clerk_name);
            let keys = [(t.service.clone(), String::new()), (t.window.clone().unwrap_or_else(|| "—".into()), String::new()), (ck, cn), (t.day.clone(), String::new())];
            for (i, (k, name)) in keys.into_iter().enumerate() {
                let e = p.dims[i].entry(k).or_insert_with(|| (name, Default::default()));
                e.1[which].push(ms);
            }
        };
        for t in tickets {
            if let Some(c) = t.called_at.filter(|c| *c >= t.issued_at) {
                add(t, 0, c - t.issued_at);
            }
            if t.status == "finished"
                && let (Some(f), Some(c)) = (t.finished_at, t.last_called_at)
                && f >= c
            {
                add(t, 1, f - c);
            }
        }
        p
    }
}

pub fn work(r: &crate::fetch::Records, lang: &str, today: &str, day_of: DayOf, working_days: WorkingDays) -> Figures {
    let en = lang == "en";
    let service_name = |code: &str| {
        r.hall.services.iter().find(|s| s.code == code).map(|s| if en { s.name_en.clone() } else { s.name_zh.clone() }).unwrap_or_default()
    };
    let mut total = Group::default();
    let mut dims: [BTreeMap<String, Group>; 4] = Default::default();
    for part in &r.parts {
        total.waits.merge(&part.total[0]);
        total.handles.merge(&part.total[1]);
        for (i, dim) in part.dims.iter().enumerate() {
            for (k, (name, h)) in dim {
                let g = dims[i].entry(k.clone()).or_default();
                if g.name.is_empty() {
                    g.name = if i == 0 { service_name(k) } else { name.clone() };
                }
                g.waits.merge(&h[0]);
                g.handles.merge(&h[1]);
            }
        }
    }
    // Every rating and case goes to the total and to its service, window,
    // clerk and day.
    let mut each = |service: &str, window: Option<&str>, clerk: (String, String), day: &str, f: &dyn Fn(&mut Group)| {
        f(&mut total);
        let keys = [(service.to_owned(), service_name(service)), (window.unwrap_or("—").to_owned(), String::new()), clerk.clone(), (day.to_owned(), String::new())];
        for (i, (k, name)) in keys.into_iter().enumerate() {
            let g = dims[i].entry(k).or_default();
            if g.name.is_empty() {
                g.name = name;
            }
            f(g);
        }
    };
    for x in &r.ratings {
        let clerk = clerk_key(&x.clerk_id, &x.clerk_name);
        let level = x.level.clamp(1, 5) as usize;
        let (default, voided, n) = (x.is_default != 0, x.voided != 0, x.n);
        each(&x.service, Some(&x.window), clerk, &x.day, &|g| {
            if default {
                g.defaults += n;
            } else if voided {
                g.voided += n;
            } else {
                g.levels[level] += n;
            }
        });
    }
    for c in &r.cases {
        if c.outcome.as_deref() == Some("appeal_upheld") {
            continue;
        }
        let clerk = clerk_key(&c.clerk_id, &c.clerk_name);
        let resolved = c.status == "closed" && c.outcome.as_deref() == Some("resolved");
        let closed = c.closed_at.filter(|_| resolved);
        let on_time = closed.is_some_and(|t| day_of(t) <= c.deadline);
        let opened = c.opened_at;
        each(&c.service, Some(&c.window), clerk, &c.day, &|g| {
            g.cases += 1;
            if let Some(t) = closed {
                g.resolved += 1;
                g.close_ms.push(t - opened);
            }
            if on_time {
                g.on_time += 1;
            }
        });
    }
    let [by_service, by_window, by_clerk, by_day] = dims;
    let rows = |m: &BTreeMap<String, Group>| m.iter().map(|(k, g)| group_row(k, g)).collect::<Vec<_>>();
    let mut tables = vec![
        Table { id: "total", zh: "总体", en: "Overall", cols: GROUP_COLS, rows: vec![group_row(if en { "All" } else { "全部" }, &total)] },
        Table { id: "by_service", zh: "按业务", en: "By service", cols: GROUP_COLS, rows: rows(&by_service) },
        Table { id: "by_window", zh: "按窗口", en: "By window", cols: GROUP_COLS, rows: rows(&by_window) },
        Table { id: "by_clerk", zh: "按工作人员", en: "By clerk", cols: GROUP_COLS, rows: rows(&by_clerk) },
        Table { id: "by_day", zh: "按日", en: "By day", cols: GROUP_COLS, rows: rows(&by_day) },
    ];
    tables.push(complaints(&r.complaints, en, today, day_of, working_days));
    tables.push(attendance(&r.spans, &r.hall));
    tables.push(ranking(&by_window, &total));
    Figures { tables }
}

fn complaints(all: &[Complaint], en: bool, today: &str, day_of: DayOf, working_days: WorkingDays) -> Table {
    #[derive(Default)]
    struct C {
        n: i64,
        hours: Vec<i64>,
        wdays: Vec<i64>,
        due: i64,
        within: i64,
    }
    let mut days: BTreeMap<String, C> = BTreeMap::new();
    let mut total = C::default();
    for c in all.iter().filter(|c| c.kind == "complaint") {
        for g in [days.entry(c.created_day.clone()).or_default(), &mut total] {
            g.n += 1;
            match c.first_reply_at {
                Some(at) => {
                    let reply_day = day_of(at);
                    g.hours.push(at - c.created_at);
                    g.wdays.push(working_days(&c.created_day, &reply_day));
                    g.due += 1;
                    if reply_day <= c.first_due_day {
                        g.within += 1;
                    }
                }
                None if today > c.first_due_day.as_str() => g.due += 1,
                None => {}
            }
        }
    }
    let row = |k: &str, c: &C| {
        vec![
            json!(k),
            json!(c.n),
            json!(c.hours.len()),
            json!(mean_hours(&c.hours)),
            json!((!c.wdays.is_empty()).then(|| r1(c.wdays.iter().sum::<i64>() as f64 / c.wdays.len() as f64))),
            json!(c.due),
            json!(c.within),
            json!(pct(c.within, c.due)),
        ]
    };
    let mut rows: Vec<_> = days.iter().map(|(k, c)| row(k, c)).collect();
    rows.push(row(if en { "All" } else { "全部" }, &total));
    Table { id: "complaints", zh: "投诉答复", en: "Complaint replies", cols: COMPLAINT_COLS, rows }
}

/// Minutes of `[a, b)` (ms) inside the day's opening hours.
fn within_hours(h: &HallDay, a: i64, b: i64, midnight: i64) -> i64 {
    if !h.open || b <= a {
        return 0;
    }
    let (o, c) = (midnight + h.open_minute * 60_000, midnight + h.close_minute * 60_000);
    (b.min(c) - a.max(o)).max(0)
}

fn attendance(spans: &[Span], hall: &Hall) -> Table {
    #[derive(Default)]
    struct A {
        name: String,
        windows: Vec<String>,
        days: Vec<String>,
        open_ms: i64,
        paused_ms: i64,
    }
    let mut by: BTreeMap<String, A> = BTreeMap::new();
    for s in spans {
        let Some(h) = hall.days.iter().find(|d| d.day == s.day) else { continue };
        let Some(midnight) = linli_sdk::calendar::instant(&s.day, 0) else { continue };
        let (k, name) = clerk_key(&s.clerk_id, &s.clerk_name);
        let a = by.entry(k).or_default();
        if a.name.is_empty() {
            a.name = name;
        }
        if !a.windows.contains(&s.window) {
            a.windows.push(s.window.clone());
        }
        if h.open && !a.days.contains(&s.day) {
            a.days.push(s.day.clone());
        }
        let ms = within_hours(h, s.started_at, s.seen_at, midnight);
        if s.paused != 0 {
            a.paused_ms += ms;
        } else {
            a.open_ms += ms;
        }
    }
    let minutes = |ms: i64| r1(ms as f64 / 60_000.0);
    let rows = by
        .iter()
        .map(|(k, a)| {
            let hall_min: i64 = a.days.iter().filter_map(|d| hall.days.iter().find(|h| &h.day == d)).map(|h| (h.close_minute - h.open_minute).max(0)).sum();
            let mut windows = a.windows.clone();
            windows.sort();
            vec![
                json!(k),
                json!(a.name),
                json!(windows.join("、")),
                json!(a.days.len()),
                json!(hall_min),
                json!(minutes(a.open_ms)),
                json!(minutes(a.paused_ms)),
                json!(pct(a.open_ms, hall_min * 60_000)),
            ]
        })
        .collect();
    Table { id: "attendance", zh: "在岗情况", en: "Attendance", cols: ATTENDANCE_COLS, rows }
}

/// 窗口排名: windows that served at least one ticket, by
/// score = 0.6 × 满意率 + 0.2 × 等候得分 + 0.2 × 整改率, where 等候得分 =
/// 100 × min(1, the hall's mean wait ÷ the window's mean wait) (a window
/// whose residents waited no longer than the hall's average gets 100), a
/// window without real ratings counts the hall's 满意率 and one without
/// 差评 cases an 整改率 of 100. Ties: more tickets served first, then the
/// window's number.
pub fn ranking(by_window: &BTreeMap<String, Group>, total: &Group) -> Table {
    let hall_wait = total.waits.dist().1;
    let hall_sat = total.satisfaction().unwrap_or(100.0);
    let mut scored: Vec<(String, f64, Option<f64>, Option<f64>, f64, Option<f64>, usize)> = by_window
        .iter()
        .filter(|(k, g)| k.as_str() != "—" && g.handles.n > 0)
        .map(|(k, g)| {
            let sat = g.satisfaction();
            let wait = g.waits.dist().1;
            let wait_score = match (hall_wait, wait) {
                (Some(h), Some(w)) if w > 0.0 => r1(100.0 * (h / w).min(1.0)),
                _ => 100.0,
            };
            let follow = g.followup();
            let score = r1(0.6 * sat.unwrap_or(hall_sat) + 0.2 * wait_score + 0.2 * follow.unwrap_or(100.0));
            (k.clone(), score, sat, wait, wait_score, follow, g.handles.n as usize)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.6.cmp(&a.6)).then(a.0.cmp(&b.0)));
    let rows = scored
        .into_iter()
        .enumerate()
        .map(|(i, (k, score, sat, wait, ws, follow, served))| vec![json!(i + 1), json!(k), json!(score), json!(sat), json!(wait), json!(ws), json!(follow), json!(served)])
        .collect();
    Table { id: "ranking", zh: "窗口排名", en: "Window ranking", cols: RANK_COLS, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_are_nearest_rank() {
        // 1..=10 minutes: the 5th and the 9th smallest.
        let ms: Vec<i64> = (1..=10).rev().map(|m| m * 60_000).collect();
        assert_eq!(dist(&ms), (10, Some(5.5), Some(5.0), Some(9.0)));
        assert_eq!(dist(&[90_000]), (1, Some(1.5), Some(1.5), Some(1.5)));
        assert_eq!(dist(&[]), (0, None, None, None));
    }

    #[test]
    fn the_ranking_follows_the_formula_on_the_page() {
        let mut a = Group::default();
        a.waits.push(10 * 60_000);
        a.handles.push(1);
        a.levels[5] = 9;
        a.levels[1] = 1;
        a.cases = 1;
        let mut b = Group::default();
        b.waits.push(5 * 60_000);
        b.handles.push(1);
        b.handles.push(1);
        b.levels[4] = 10;
        let mut total = Group::default();
        total.waits.push(10 * 60_000);
        total.waits.push(5 * 60_000);
        total.levels = [0, 1, 0, 0, 10, 9];
        let windows = BTreeMap::from([("1".to_owned(), a), ("2".to_owned(), b)]);
        let t = ranking(&windows, &total);
        // 1: 0.6×90 + 0.2×75 (7.5 ÷ 10) + 0.2×0 = 69; 2: 0.6×100 + 0.2×100 + 0.2×100 = 100.
        assert_eq!(t.rows[0][1], "2");
        assert_eq!(t.rows[0][2], 100.0);
        assert_eq!(t.rows[1][2], 69.0);
        assert_eq!(t.rows[1][5], 75.0);
    }
}
