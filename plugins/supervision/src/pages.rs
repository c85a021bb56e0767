//! The dashboard, the printable monthly report, and the same tables as CSV
//! and as an Excel workbook. All drawn on the server: tables, SVG charts,
//! no script at all.

use crate::config::Config;
use crate::figures::{Col, Figures, Table};
use crate::svg::{self, Series};
use crate::{fetch, figures};
use linli_sdk::prelude::*;
use linli_sdk::xlsx::{Cell, Workbook};
use serde_json::{Value, json};

/// The days a request asks for: `?day=YYYY-MM-DD`, or `?month=YYYY-MM`
/// (the current month when neither is given).
pub struct Period {
    pub from: String,
    pub to: String,
    pub month: Option<String>,
    pub day: Option<String>,
}

impl Period {
    pub fn parse(req: &Request) -> Result<Period, Fail> {
        let q = |k: &str| req.query_param(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if let Some(day) = q("day") {
            if calendar::days_of(&day).is_none() {
                return Err(Fail::field(422, "bad_day", "day", "日期须为 YYYY-MM-DD，例如 2026-03-04", "day must be YYYY-MM-DD, e.g. 2026-03-04"));
            }
            return Ok(Period { from: day.clone(), to: day.clone(), month: None, day: Some(day) });
        }
        let month = q("month").unwrap_or_else(|| calendar::today().chars().take(7).collect());
        let first = format!("{month}-01");
        let Some(start) = calendar::days_of(&first).filter(|_| month.len() == 7) else {
            return Err(Fail::field(422, "bad_month", "month", "月份须为 YYYY-MM，例如 2026-03", "month must be YYYY-MM, e.g. 2026-03"));
        };
        // The last day: the day before the next month's first.
        let (y, m): (i32, u32) = (month[..4].parse().unwrap_or(1970), month[5..].parse().unwrap_or(1));
        let next = if m == 12 { format!("{:04}-01-01", y + 1) } else { format!("{y:04}-{:02}-01", m + 1) };
        let end = calendar::days_of(&next).unwrap_or(start + 31) - 1;
        let to = day_name(end);
        Ok(Period { from: first, to, month: Some(month), day: None })
    }

    pub fn label(&self, lang: &str) -> String {
        match (&self.day, &self.month) {
            (Some(d), _) => d.clone(),
            (_, Some(m)) if lang == "en" => m.clone(),
            (_, Some(m)) => format!("{}年{}月", &m[..4], m[5..].trim_start_matches('0')),
            _ => format!("{} – {}", self.from, self.to),
        }
    }

    fn query(&self) -> String {
        match (&self.day, &self.month) {
            (Some(d), _) => format!("day={d}"),
            (_, Some(m)) => format!("month={m}"),
            _ => String::new(),
        }
    }
}

/// `YYYY-MM-DD` of days since 1970-01-01.
fn day_name(days: i64) -> String {
    let ms = (days * 1440 + 720 - clock::utc_offset_minutes() as i64) * 60_000;
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

fn day_of(ms: i64) -> String {
    let (y, m, d, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The figures of a period, read from the other plugins.
pub fn figures(cfg: &Config, p: &Period, lang: &str) -> Result<Figures, Fail> {
    let records = fetch::records(cfg, &p.from, &p.to)?;
    let working = |a: &str, b: &str| -> i64 { calendar::working_days_between(a, b).map(i64::from).unwrap_or(0) };
    Ok(figures::work(&records, lang, &calendar::today(), &day_of, &working))
}

/// The figures as JSON: each table as a list of rows keyed by column.
pub fn json(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let p = Period::parse(req)?;
    let f = figures(cfg, &p, req.lang())?;
    let tables: serde_json::Map<String, Value> = f.tables.iter().map(|t| (t.id.to_owned(), t.json())).collect();
    Ok(Response::json(200, &json!({"from": p.from, "to": p.to, "tables": tables})))
}

fn heading(lang: &str, c: &Col) -> String {
    t(lang, c.1, c.2).to_owned()
}

fn title(lang: &str, t_: &Table) -> String {
    t(lang, t_.zh, t_.en).to_owned()
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// CSV: one block per table (its title, its header, its rows), a blank
/// line between; UTF-8 with a byte-order mark so a spreadsheet opened on
/// Windows reads the Chinese.
pub fn csv(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let p = Period::parse(req)?;
    let lang = req.lang();
    let f = figures(cfg, &p, lang)?;
    let cell = |s: &str| {
        // A leading = + - @ would be a formula in a spreadsheet.
        let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    };
    let mut out = String::from("\u{feff}");
    for tb in &f.tables {
        out.push_str(&cell(&title(lang, tb)));
        out.push_str("\r\n");
        out.push_str(&tb.cols.iter().map(|c| cell(&heading(lang, c))).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        for r in &tb.rows {
            out.push_str(&r.iter().map(|v| if v.is_null() { String::new() } else { cell(&shown(v)) }).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
    Ok(Response::asset("text/csv; charset=utf-8", out.as_bytes())
        .with_header("content-disposition", &format!("attachment; filename=\"supervision-{}.csv\"", p.query().replace('=', "-"))))
}

/// The same tables as an Excel workbook, one sheet per table; numbers are
/// numbers.
pub fn xlsx(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let p = Period::parse(req)?;
    let lang = req.lang();
    let f = figures(cfg, &p, lang)?;
    let mut book = Workbook::new();
    for tb in &f.tables {
        let mut rows = vec![tb.cols.iter().map(|c| Cell::text(heading(lang, c))).collect::<Vec<_>>()];
        for r in &tb.rows {
            rows.push(
                r.iter()
                    .zip(tb.cols)
                    .map(|(v, c)| match v {
                        Value::Null => Cell::Empty,
                        Value::Number(n) if c.3 => Cell::maybe(n.as_f64()),
                        other => Cell::text(shown(other)),
                    })
                    .collect(),
            );
        }
        book.sheet(&title(lang, tb), rows);
    }
    Ok(Response::asset(linli_sdk::xlsx::CONTENT_TYPE, &book.to_bytes())
        .with_header("content-disposition", &format!("attachment; filename=\"supervision-{}.xlsx\"", p.query().replace('=', "-"))))
}

fn table_html(lang: &str, tb: &Table) -> String {
    let mut h = format!("<h2>{}</h2><div class=\"sv-scroll\"><table class=\"sv-table\" id=\"sv-{}\"><thead><tr>", esc(&title(lang, tb)), tb.id);
    for c in tb.cols {
        h.push_str(&format!("<th scope=\"col\" data-col=\"{}\">{}</th>", c.0, esc(&heading(lang, c))));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &tb.rows {
        h.push_str("<tr>");
        for (v, c) in r.iter().zip(tb.cols) {
            h.push_str(&format!("<td data-col=\"{}\"{}>{}</td>", c.0, if c.3 { " class=\"n\"" } else { "" }, esc(&shown(v))));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    h
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn find<'a>(f: &'a Figures, id: &str) -> &'a Table {
    f.tables.iter().find(|t| t.id == id).unwrap_or(&f.tables[0])
}

fn col(tb: &Table, key: &str) -> usize {
    tb.cols.iter().position(|c| c.0 == key).unwrap_or(0)
}

fn charts(lang: &str, f: &Figures, month: bool) -> String {
    let w = find(f, "by_window");
    let labels: Vec<String> = w.rows.iter().map(|r| format!("{}{}", t(lang, "窗口 ", "Window "), shown(&r[0]))).collect();
    let pick = |tb: &Table, key: &str| tb.rows.iter().map(|r| num(&r[col(tb, key)])).collect::<Vec<_>>();
    let mut o = svg::bars(
        "sv-chart-times",
        t(lang, "各窗口平均等候与办理时长（分钟）", "Mean waiting and handling time per window (minutes)"),
        t(lang, "每个窗口两条横条：平均等候时长与平均办理时长，单位分钟", "Two bars per window: mean waiting time and mean handling time, in minutes"),
        t(lang, " 分", " min"),
        &labels,
        &[
            Series { name: t(lang, "平均等候", "Mean wait"), color: "#1f6fb2", values: pick(w, "wait_mean") },
            Series { name: t(lang, "平均办理", "Mean handling"), color: "#e08a1e", values: pick(w, "handle_mean") },
        ],
    );
    o.push_str(&svg::bars(
        "sv-chart-satisfaction",
        t(lang, "各窗口满意率（%）", "Satisfaction per window (%)"),
        t(lang, "每个窗口的满意率：好评（非常满意、满意、基本满意）占真实评价的百分比", "Each window's satisfaction: good ratings (very satisfied, satisfied, fairly satisfied) as a share of real ratings"),
        "%",
        &labels,
        &[Series { name: t(lang, "满意率", "Satisfaction"), color: "#2e7d32", values: pick(w, "satisfaction") }],
    ));
    if month {
        let d = find(f, "by_day");
        let days: Vec<String> = d.rows.iter().map(|r| shown(&r[0]).chars().skip(5).collect()).collect();
        o.push_str(&svg::bars(
            "sv-chart-days",
            t(lang, "每日办结件数", "Tickets served per day"),
            t(lang, "本月每一天办结的号数", "Tickets served on each day of the month"),
            t(lang, " 件", ""),
            &days,
            &[Series { name: t(lang, "办结", "Served"), color: "#6a4c93", values: pick(d, "handle_n") }],
        ));
    }
    let r = find(f, "ranking");
    let rl: Vec<String> = r.rows.iter().map(|x| format!("{}. {}{}", shown(&x[0]), t(lang, "窗口 ", "Window "), shown(&x[1]))).collect();
    o.push_str(&svg::bars(
        "sv-chart-ranking",
        t(lang, "窗口排名（综合得分）", "Window ranking (score)"),
        t(lang, "按综合得分排列的窗口，得分 = 0.6×满意率 + 0.2×等候得分 + 0.2×整改率", "Windows by score = 0.6 × satisfaction + 0.2 × wait score + 0.2 × follow-up rate"),
        "",
        &rl,
        &[Series { name: t(lang, "综合得分", "Score"), color: "#b3261e", values: pick(r, "score") }],
    ));
    o
}

/// The key figures of the whole period, as a row of tiles.
fn tiles(lang: &str, f: &Figures) -> String {
    let tot = find(f, "total");
    let g = |k: &str| shown(&tot.rows[0][col(tot, k)]);
    let c = find(f, "complaints");
    let call = c.rows.last().cloned().unwrap_or_default();
    let cg = |k: &str| call.get(col(c, k)).map(shown).unwrap_or_else(|| "—".into());
    let a = find(f, "attendance");
    let (open, hall): (f64, f64) = a.rows.iter().fold((0.0, 0.0), |(o, h), r| (o + num(&r[col(a, "open_minutes")]).unwrap_or(0.0), h + num(&r[col(a, "hall_minutes")]).unwrap_or(0.0)));
    let att = if hall > 0.0 { format!("{}", figures::r1(open * 100.0 / hall)) } else { "—".into() };
    let items = [
        ("wait", t(lang, "等候 平均 / 中位 / 90%（分钟）", "Wait mean / median / p90 (min)"), format!("{} / {} / {}", g("wait_mean"), g("wait_median"), g("wait_p90"))),
        ("handle", t(lang, "办理 平均 / 中位 / 90%（分钟）", "Handling mean / median / p90 (min)"), format!("{} / {} / {}", g("handle_mean"), g("handle_median"), g("handle_p90"))),
        ("satisfaction", t(lang, "满意率（%）", "Satisfaction (%)"), g("satisfaction")),
        ("poor", t(lang, "差评（条）", "Poor ratings"), g("poor")),
        ("followup", t(lang, "差评整改率（%）", "Follow-up rate (%)"), g("followup")),
        ("close", t(lang, "差评平均办结（小时）", "Mean time to close (h)"), g("close_hours")),
        ("reply", t(lang, "投诉平均首次答复（小时 / 工作日）", "Complaint first reply (h / working days)"), format!("{} / {}", cg("reply_hours"), cg("reply_working_days"))),
        ("within", t(lang, "投诉按期答复率（%）", "Complaints replied in time (%)"), cg("within_rate")),
        ("attendance", t(lang, "在岗率（%）", "Attendance (%)"), att),
    ];
    let mut h = String::from("<div class=\"sv-tiles\">");
    for (id, label, value) in items {
        h.push_str(&format!("<div class=\"sv-tile\" id=\"sv-k-{id}\"><span class=\"sv-v\">{}</span><span class=\"sv-l\">{}</span></div>", esc(&value), esc(label)));
    }
    h.push_str("</div>");
    h
}

/// What each figure means, and the rules it follows.
fn help(lang: &str) -> String {
    if lang == "en" {
        return r#"<details class="sv-help" id="sv-help"><summary>How the figures are worked out</summary><ul>
<li><b>Waiting</b>: from taking the ticket to its first call; <b>handling</b>: from the last call (the one that brought the resident to the window) to finishing. Mean, median (the ⌈n/2⌉-th smallest) and 90th percentile (the ⌈0.9·n⌉-th smallest), in minutes.</li>
<li><b>Satisfaction</b> follows the national 好差评 rule (国办发〔2019〕51号, Opinions of the General Office of the State Council on the good/poor rating system for government services): five levels; good = very satisfied, satisfied, fairly satisfied; poor = dissatisfied, very dissatisfied. Satisfaction = good ÷ real ratings. A default rating given when a resident did not rate within the set days is <b>not</b> counted (the Opinions ask that residents rate of their own free will; a default is not their verdict): it is shown apart, as are ratings withdrawn by an upheld appeal.</li>
<li><b>Follow-up rate</b>: poor-rating cases closed as put right ÷ all poor-rating cases (less those withdrawn on appeal); mean time to close from opening to closing; on time = closed by its deadline day.</li>
<li><b>Complaint replies</b>: complaints submitted in the period; first reply − submission in hours and in working days (working days after the submission day up to the reply day); replied in time = first reply by the first deadline day, over complaints replied or already past that deadline.</li>
<li><b>Attendance</b>: the queue records when a clerk's counter console is open at a window (open or paused; it refreshes every minute, a gap over 3 minutes ends a span). Open minutes inside the hall's opening hours ÷ the opening minutes of the days the clerk was present.</li>
<li><b>Window ranking</b>: score = 0.6 × satisfaction + 0.2 × wait score + 0.2 × follow-up rate; wait score = 100 × min(1, the hall's mean wait ÷ the window's mean wait). A window without real ratings counts the hall's satisfaction, one without poor ratings a follow-up rate of 100. Ties: more tickets served, then window number. Only windows that served a ticket are ranked.</li>
</ul></details>"#.into();
    }
    r#"<details class="sv-help" id="sv-help"><summary>各项指标怎么算</summary><ul>
<li><b>等候时长</b>：从取号到第一次叫号；<b>办理时长</b>：从最后一次叫号（把群众叫到窗口的那一次）到办结。给出平均、中位数（从小到大第 ⌈n/2⌉ 个）和 90% 分位（第 ⌈0.9n⌉ 个），单位分钟。</li>
<li><b>满意率</b>按《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）：评价分“非常满意、满意、基本满意、不满意、非常不满意”五个等级；“非常满意、满意、基本满意”为好评，“不满意、非常不满意”为差评。满意率 = 好评数 ÷ 真实评价数。群众在规定天数内未评价而由系统给出的<b>默认评价不计入</b>（意见要求保障群众自愿自主评价，默认评价不是群众的评价），单列显示；申诉成立而撤销的评价也不计入。</li>
<li><b>差评整改率</b>：已整改办结的差评整改单 ÷ 全部差评整改单（申诉成立的除外）；平均办结时长为从生成到办结；按期 = 在整改期限当日或之前办结。</li>
<li><b>投诉答复</b>：本期提交的投诉；首次答复时长以小时和工作日计（提交日之后到答复日的工作日数）；按期答复率 = 在首个答复期限内答复的件数 ÷（已答复 + 已过期未答复）件数。</li>
<li><b>在岗率</b>：排队叫号记录工作人员在窗口打开叫号台的时段（开放或暂停；叫号台每分钟刷新，间隔超过 3 分钟即视为离开）。在办公时间内开放的分钟数 ÷ 其在岗各日的办公分钟数。</li>
<li><b>窗口排名</b>：综合得分 = 0.6×满意率 + 0.2×等候得分 + 0.2×整改率；等候得分 = 100×min(1，全厅平均等候 ÷ 本窗口平均等候)。没有真实评价的窗口按全厅满意率计，没有差评的窗口整改率按 100 计；得分相同时办结件数多者在前，再按窗口号。只排有办结的窗口。</li>
</ul></details>"#.into()
}

const STYLE: &str = r#"<style>
.sv-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin: 12px 0; }
.sv-tile { border: 1px solid #ccc; border-radius: 10px; padding: 10px; display: flex; flex-direction: column; }
.sv-v { font-size: 1.5rem; font-weight: 700; }
.sv-l { color: #555; font-size: .9em; }
.sv-scroll { overflow-x: auto; }
.sv-table { border-collapse: collapse; font-size: .9em; }
.sv-table th, .sv-table td { border: 1px solid #ccc; padding: 4px 6px; }
.sv-table td.n { text-align: right; font-variant-numeric: tabular-nums; }
.sv-chart { max-width: 760px; display: block; margin: 10px 0; }
.sv-bar { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; }
.sv-alert { color: #b3261e; font-weight: 700; }
</style>"#;

fn error_card(lang: &str, f: Fail) -> Result<String, Fail> {
    match f {
        Fail::User(_, _, zh, en) | Fail::Field(_, _, _, zh, en) => Ok(format!("<p class=\"sv-alert\" id=\"sv-error\" role=\"alert\">{}</p>", esc(t(lang, &zh, &en)))),
        other => Err(other),
    }
}

/// `/supervision`: the dashboard.
pub fn dashboard(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let p = match Period::parse(req) {
        Ok(p) => p,
        Err(e) => {
            let html = format!("{STYLE}<section class=\"card\"><h1>{}</h1>{}<a href=\"/supervision\">{}</a></section>", t(lang, "督查评估", "Supervision"), error_card(lang, e)?, t(lang, "返回本月", "Back to this month"));
            return Ok(Response::page(t(lang, "督查评估", "Supervision"), html));
        }
    };
    let q = p.query();
    let form = format!(
        r#"<form method="get" class="sv-bar"><label>{ml}<input type="month" name="month" value="{m}"></label><button class="primary">{show}</button></form>
<form method="get" class="sv-bar"><label>{dl}<input type="date" name="day" value="{d}"></label><button>{show}</button></form>
<p class="sv-bar"><a class="button" id="sv-csv" href="/api/supervision/export.csv?{q}">{csv}</a><a class="button" id="sv-xlsx" href="/api/supervision/export.xlsx?{q}">{xlsx}</a>{report}</p>"#,
        ml = t(lang, "月份", "Month"),
        m = esc(p.month.as_deref().unwrap_or(&p.from[..7])),
        dl = t(lang, "或某一天", "or one day"),
        d = esc(p.day.as_deref().unwrap_or("")),
        show = t(lang, "查看", "Show"),
        csv = t(lang, "导出 CSV", "Export CSV"),
        xlsx = t(lang, "导出 Excel", "Export Excel"),
        report = format!("<a class=\"button\" id=\"sv-report\" href=\"/supervision/report?month={}\">{}</a>", esc(&p.from[..7]), t(lang, "打印月报", "Printable monthly report")),
    );
    let body = match figures(cfg, &p, lang) {
        Ok(f) => {
            let mut b = tiles(lang, &f);
            b.push_str(&help(lang));
            b.push_str("</section><section class=\"card\">");
            b.push_str(&charts(lang, &f, p.month.is_some()));
            b.push_str("</section><section class=\"card\">");
            for tb in &f.tables {
                b.push_str(&table_html(lang, tb));
            }
            b
        }
        Err(e) => error_card(lang, e)?,
    };
    let html = format!("{STYLE}<section class=\"card\"><h1>{} · {}</h1>{form}{body}</section>", t(lang, "督查评估", "Supervision"), esc(&p.label(lang)));
    Ok(Response::page(t(lang, "督查评估", "Supervision"), html))
}

/// `/supervision/report?month=YYYY-MM`: the monthly report as an A4
/// document of its own (no navigation), to print or save as PDF.
pub fn report(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let p = Period::parse(req)?;
    let f = figures(cfg, &p, lang);
    let body = match f {
        Ok(f) => {
            let mut b = tiles(lang, &f);
            b.push_str(&charts(lang, &f, p.month.is_some()));
            for id in ["ranking", "by_window", "by_clerk", "by_service", "complaints", "attendance"] {
                b.push_str(&table_html(lang, find(&f, id)));
            }
            b.push_str(&help(lang).replace("<details ", "<details open "));
            b
        }
        Err(e) => error_card(lang, e)?,
    };
    let html = format!(
        r#"<!doctype html><html lang="{hl}"><head><meta charset="utf-8"><title>{title}</title><style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; margin: 0 auto; max-width: 180mm; color: #000; font-size: 10pt; }}
h1 {{ text-align: center; font-size: 18pt; margin: 0 0 2mm; }}
.sv-sub {{ text-align: center; margin: 0 0 5mm; }}
h2 {{ font-size: 12pt; border-bottom: 1px solid #000; margin: 5mm 0 2mm; }}
.sv-tiles {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; }}
.sv-tile {{ border: 1px solid #000; padding: 2mm; display: flex; flex-direction: column; }}
.sv-v {{ font-size: 13pt; font-weight: 700; }}
.sv-table {{ width: 100%; border-collapse: collapse; font-size: 8pt; }}
.sv-table th, .sv-table td {{ border: 1px solid #000; padding: 1mm; }}
.sv-table td.n {{ text-align: right; }}
.sv-chart {{ width: 100%; max-width: 170mm; break-inside: avoid; }}
.sv-help {{ font-size: 8pt; }}
.sv-noprint {{ margin: 4mm 0; }}
@media print {{ .sv-noprint {{ display: none !important; }} h2, tr, .sv-tile {{ break-inside: avoid; }} body {{ max-width: none; }} }}
</style></head><body>
<p class="sv-noprint"><a href="/supervision?{q}">{back}</a> · {hint}</p>
<h1 id="sv-hall">{hall}</h1><p class="sv-sub">{title}</p>
<main id="sv-report">{body}</main>
<p class="sv-sub">{made} {now}</p>
</body></html>"#,
        hl = if lang == "en" { "en" } else { "zh-CN" },
        title = esc(&format!("{} {}", p.label(lang), t(lang, "服务质量月报", "monthly service report"))),
        q = esc(&p.query()),
        back = t(lang, "返回督查评估", "Back to the dashboard"),
        hint = t(lang, "用浏览器的“打印”（Ctrl+P）打印或存为 PDF，纸张 A4。", "Print it or save it as PDF with the browser's Print (Ctrl+P), A4 paper."),
        hall = esc(&cfg.hall()),
        made = t(lang, "制表时间", "Made"),
        now = clock::format_local(clock::now()),
    );
    Ok(Response { status: 200, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: html.into_bytes() })
}
