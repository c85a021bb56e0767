//! Statistics for supervisors, drawn on the server (tables and inline SVG
//! bars) so the page works without scripts and prints well.

use crate::day::Local;
use crate::fail::Fail;
use crate::pages::STYLE;
use crate::stats;
use linli_sdk::prelude::*;

fn num(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x}"),
        None => "—".into(),
    }
}

/// A row's key as people read it: a service's code with its name.
fn key_text(lang: &str, names: &[(String, String)], key: &str) -> String {
    // The report's total row is keyed `all`.
    if key == "all" {
        return t(lang, "全部", "All").to_owned();
    }
    match names.iter().find(|(code, _)| code == key) {
        Some((code, name)) => format!("{code} {name}"),
        None => key.to_owned(),
    }
}

fn table(lang: &str, title: &str, rows: &[serde_json::Value], names: &[(String, String)]) -> String {
    let head = [
        t(lang, "项目", "Item"), t(lang, "取号", "Issued"), t(lang, "叫号", "Called"), t(lang, "办结", "Served"),
        t(lang, "过号", "No-shows"), t(lang, "未办离开", "Abandoned"), t(lang, "转移", "Transferred"),
        t(lang, "等候 平均/九成不超过/最长（分钟）", "Wait avg/p90/max (min)"), t(lang, "办理 平均/九成不超过/最长（分钟）", "Handling avg/p90/max (min)"),
    ];
    // Served tickets by outcome (完成 / 需补正 / 转办), when the report
    // breaks them out (`outcomes: {done, incomplete, referred}`).
    let outcome = |r: &serde_json::Value, k: &str| r["outcomes"][k].as_i64().or_else(|| r[k].as_i64());
    let outcomes = rows.iter().any(|r| outcome(r, "incomplete").is_some() || outcome(r, "referred").is_some());
    let mut h = format!("<h2>{}</h2><table><thead><tr>", esc(title));
    for c in head {
        h.push_str(&format!("<th>{c}</th>"));
    }
    if outcomes {
        h.push_str(&format!("<th>{}</th>", t(lang, "办结结果 完成/需补正/转办", "Outcomes done/papers missing/referred")));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        let w = &r["wait_min"];
        let d = &r["handling_min"];
        let o = |k: &str| outcome(r, k).map(|n| n.to_string()).unwrap_or_else(|| "—".into());
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {} / {}</td><td>{} / {} / {}</td>{}</tr>",
            esc(&key_text(lang, names, r["key"].as_str().unwrap_or(""))), r["issued"], r["called"], r["served"], r["no_shows"], r["abandoned"], r["transferred"],
            num(&w["avg"]), num(&w["p90"]), num(&w["max"]), num(&d["avg"]), num(&d["p90"]), num(&d["max"]),
            if outcomes { format!("<td>{} / {} / {}</td>", o("done"), o("incomplete"), o("referred")) } else { String::new() },
        ));
    }
    h.push_str("</tbody></table>");
    h
}

/// Bars of tickets issued per hour, as an inline SVG.
fn hours_chart(lang: &str, hours: &[serde_json::Value]) -> String {
    let max = hours.iter().filter_map(|h| h["issued"].as_i64()).max().unwrap_or(0).max(1);
    let mut bars = String::new();
    for h in hours {
        let hour = h["hour"].as_i64().unwrap_or(0);
        let n = h["issued"].as_i64().unwrap_or(0);
        let height = n * 160 / max;
        let x = hour * 30 + 30;
        bars.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"22\" height=\"{height}\" fill=\"#b3261e\"><title>{hour:02}:00 {n}</title></rect><text x=\"{}\" y=\"195\" font-size=\"10\" text-anchor=\"middle\">{hour}</text>{}",
            180 - height,
            x + 11,
            if n > 0 { format!("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{n}</text>", x + 11, 176 - height) } else { String::new() },
        ));
    }
    // Axes with their names and units: the hour of the day along the
    // bottom, tickets up the side (0 and the busiest hour's count).
    let axes = format!(
        "<line x1=\"26\" y1=\"180\" x2=\"754\" y2=\"180\" stroke=\"#888\"/><line x1=\"26\" y1=\"14\" x2=\"26\" y2=\"180\" stroke=\"#888\"/>\
         <text x=\"22\" y=\"184\" font-size=\"10\" text-anchor=\"end\">0</text><text x=\"22\" y=\"24\" font-size=\"10\" text-anchor=\"end\">{max}</text>\
         <text class=\"q-axis-x\" x=\"390\" y=\"214\" font-size=\"12\" text-anchor=\"middle\">{x}</text>\
         <text class=\"q-axis-y\" x=\"10\" y=\"100\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 10 100)\">{y}</text>",
        x = t(lang, "取号时段（时，0–23 点）", "Hour of the day (0–23)"),
        y = t(lang, "取号量（张）", "Tickets issued"),
    );
    format!(
        "<h2>{}</h2><svg viewBox=\"0 0 760 220\" width=\"100%\" role=\"img\" aria-label=\"{}\" id=\"q-hours\">{axes}{bars}</svg>",
        t(lang, "各时段取号量（最忙时段）", "Tickets issued per hour (busiest hours)"),
        t(lang, "各时段取号量：横轴为时段，纵轴为取号量", "Tickets per hour: hour of the day across, tickets up"),
    )
}

pub fn page(req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let today = Local::at(now).day;
    let from = req.query_param("from").filter(|s| !s.is_empty()).unwrap_or_else(|| today.clone());
    let to = req.query_param("to").filter(|s| !s.is_empty()).unwrap_or_else(|| from.clone());
    let report = match stats::report(&from, &to) {
        Ok(r) => r.json(),
        Err(Fail::User(_, _, zh, en)) => {
            let html = format!("<section class=\"card\"><p class=\"alert\">{}</p><a href=\"/queue/stats\">{}</a></section>", esc(if lang == "en" { &en } else { &zh }), t(lang, "返回", "Back"));
            return Ok(Response::page(t(lang, "排队统计", "Queue statistics"), html));
        }
        Err(e) => return Err(e),
    };
    // Services by name as well as code (the report keys rows by code).
    let names: Vec<(String, String)> = crate::config::Config::load()
        .map(|c| c.services.iter().map(|s| (s.code.clone(), s.name(lang).to_owned())).collect())
        .unwrap_or_default();
    let est = &report["estimate"];
    let list = |k: &str| report[k].as_array().cloned().unwrap_or_default();
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1>
<form method="get" style="display:flex;gap:12px;align-items:end;flex-wrap:wrap"><label>{from_l}<input type="date" name="from" value="{from}"></label><label>{to_l}<input type="date" name="to" value="{to}"></label><button class="primary">{show}</button>
<a class="button" href="/api/queue/stats.csv?from={from}&amp;to={to}">{csv}</a></form>
<p id="q-accuracy">{acc_l}：{samples} {samples_l}，{mae_l} {mae} {min}，{within_l} {within}%</p></section>
<section class="card">{total}{by_day}</section><section class="card">{by_service}</section>
<section class="card">{by_window}</section><section class="card">{by_clerk}</section><section class="card">{hours}</section>"#,
        title = t(lang, "排队统计", "Queue statistics"),
        from_l = t(lang, "开始日期", "From"),
        to_l = t(lang, "结束日期", "To"),
        from = esc(&from),
        to = esc(&to),
        show = t(lang, "查看", "Show"),
        csv = t(lang, "导出表格文件", "Export CSV"),
        acc_l = t(lang, "预计等候时间准确度", "Accuracy of wait estimates"),
        samples = est["samples"],
        samples_l = t(lang, "个样本", "samples"),
        mae_l = t(lang, "平均误差", "mean error"),
        mae = num(&est["mean_abs_error_min"]),
        min = t(lang, "分钟", "min"),
        within_l = t(lang, "误差在 5 分钟内的占", "within 5 minutes:"),
        within = num(&est["within_5_min_pct"]),
        total = table(lang, t(lang, "合计", "Total"), &[report["total"].clone()], &[]),
        by_day = table(lang, t(lang, "按日", "By day"), &list("by_day"), &[]),
        by_service = table(lang, t(lang, "按业务", "By service"), &list("by_service"), &names),
        by_window = table(lang, t(lang, "按窗口", "By window"), &list("by_window"), &[]),
        by_clerk = table(lang, t(lang, "按工作人员", "By clerk"), &list("by_clerk"), &[]),
        hours = hours_chart(lang, &list("hours")),
    );
    Ok(Response::page(t(lang, "排队统计", "Queue statistics"), html))
}
