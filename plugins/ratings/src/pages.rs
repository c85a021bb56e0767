//! The pages, drawn inside the host's shared shell, zh-CN first with
//! English: the window's evaluator, the resident's rating page (by the
//! ticket's token), the supervisors' case console and the settings form.
//! Every text from a person or the queue is escaped; no inline script:
//! the code is `assets/ratings.js`, and a page hands its texts to it in a
//! JSON data block (never run).

use crate::cases::{self, CALLBACK};
use crate::config::{Config, FIELDS};
use linli_sdk::Fail;
use crate::rate::{self, LEVELS, REASONS};
use linli_sdk::prelude::*;
use serde_json::json;

const SCRIPT: &str = include_str!("pages/ratings.js");

const STYLE: &str = r#"<style>
.rt-levels { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin: 16px 0; }
.rt-level { min-height: 120px; font-size: 1.6rem; font-weight: 700; border-radius: 14px; padding: 12px; }
.rt-level[aria-pressed="true"] { outline: 4px solid var(--brand); }
.rt-level.rt-poor { border-color: var(--danger, #b3261e); }
.rt-reasons { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.rt-reasons label { font-size: 1.3rem; padding: 14px 18px; border: 1px solid var(--muted); border-radius: 10px; min-height: 56px; }
.rt-reasons input { width: 1.4em; height: 1.4em; }
.rt-words { width: 100%; min-height: 80px; font-size: 1.2rem; }
.rt-clerk { font-size: 1.5rem; }
.rt-ticket { font-size: 2.4rem; font-weight: 800; color: var(--brand); }
.rt-submit { font-size: 1.5rem; padding: 16px 40px; min-height: 64px; }
.rt-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.rt-ok { color: var(--ok, #2e7d32); font-weight: 700; font-size: 1.6rem; }
.rt-help { display: block; color: var(--muted); font-size: .9em; }
.rt-field { margin: 12px 0; }
.rt-overdue { color: var(--danger, #b3261e); font-weight: 700; }
.rt-case { border-top: 1px solid var(--muted); padding: 10px 0; }
.rt-case textarea { width: 100%; min-height: 50px; }
</style>"#;

fn script() -> String {
    format!("<script src=\"/ratings/assets/ratings.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

/// JSON in a data block (the SDK's `json_block`).
fn data(v: &serde_json::Value) -> String {
    linli_sdk::json_block("rt-data", v)
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, &[("ratings.js", SCRIPT)])
}

/// The five levels as large buttons and, for 不满意 or worse, the reasons
/// and words (shown by the script when a poor level is chosen).
fn rating_form(lang: &str) -> String {
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let levels: String = LEVELS
        .iter()
        .map(|(n, zh, en)| {
            format!(
                "<button type=\"button\" class=\"rt-level{}\" data-level=\"{n}\" aria-pressed=\"false\">{}</button>",
                if *n <= rate::POOR { " rt-poor" } else { "" },
                esc(t(lang, zh, en))
            )
        })
        .collect();
    let reasons: String = REASONS
        .iter()
        .map(|(code, zh, en)| format!("<label><input type=\"checkbox\" name=\"reason\" value=\"{code}\"> {}</label>", esc(t(lang, zh, en))))
        .collect();
    format!(
        r#"<form id="rt-form"><div class="rt-levels" role="group" aria-label="{levels_l}">{levels}</div>
<div id="rt-poor" hidden><p><strong>{why}</strong></p><div class="rt-reasons">{reasons}</div>
<div class="rt-field"><label for="rt-words">{words_l}</label><textarea id="rt-words" class="rt-words" maxlength="500"></textarea></div></div>
<p><button class="primary rt-submit" type="submit" id="rt-send" disabled>{send}</button></p><p class="rt-err" id="rt-err" role="alert"></p></form>"#,
        levels_l = tr("评价等级", "Rating"),
        why = tr("请选择不满意的原因（可多选）", "Why were you dissatisfied? (choose one or more)"),
        words_l = tr("您的意见（选填）", "Your words (optional)"),
        send = tr("提交评价", "Send"),
    )
}

fn texts(lang: &str) -> serde_json::Value {
    json!({
        "thanks": t(lang, "感谢您的评价！", "Thank you for your rating!"),
        "prompt": t(lang, "请您对本次服务进行评价", "Please rate the service you received"),
        "waiting": t(lang, "办结后请在这里评价本次服务", "Rate the service here once it is finished"),
        "clerk_none": t(lang, "本窗口暂无工作人员", "No clerk at this window now"),
        "staff_no": t(lang, "工号", "Staff no."),
        "ticket": t(lang, "号票", "Ticket"),
        "choose_reason": t(lang, "请至少选择一个原因", "Choose at least one reason"),
        "done": t(lang, "已保存", "Saved"),
        "confirm_close": t(lang, "确定办结这个整改单吗？", "Close this case?"),
    })
}

/// The window's evaluator (评价器): the clerk on duty, and the rating
/// prompt as soon as the clerk finishes a ticket.
pub fn evaluator(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let state = rate::evaluator_state(cfg, req, now)?;
    let clerk = match state["clerk"].as_object() {
        Some(c) => format!(
            "{} <strong id=\"rt-clerk-name\">{}</strong> · {} <span id=\"rt-clerk-no\">{}</span>",
            tr("为您服务的是", "Serving you:"),
            esc(c.get("name").and_then(|v| v.as_str()).unwrap_or("")),
            tr("工号", "Staff no."),
            esc(c.get("staff_no").and_then(|v| v.as_str()).unwrap_or("")),
        ),
        None => tr("本窗口暂无工作人员", "No clerk at this window now"),
    };
    let window = state["window"].as_str().unwrap_or("");
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="rt-clerk" id="rt-clerk">{clerk}</p>
<p id="rt-ask">{ask}</p><p class="rt-ticket" id="rt-ticket"></p><p class="rt-ok" id="rt-ok" role="status"></p>
<div id="rt-box" hidden>{form}</div></section>{data}{script}"#,
        title = esc(&if lang == "en" { format!("Rate our service · window {window}") } else { format!("{window} 号窗口 · 服务评价") }),
        ask = tr("办结后请在这里评价本次服务", "Rate the service here once it is finished"),
        form = rating_form(lang),
        data = data(&json!({"page": "evaluator", "window": window, "state": state, "t": texts(lang)})),
        script = script(),
    );
    Ok(Response::page(t(lang, "服务评价", "Rate our service"), html))
}

/// The resident's rating page, opened from the ticket page on the phone.
pub fn resident(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let token = req.param("token").unwrap_or("");
    let (head, body) = match rate::by_token(cfg, token)? {
        Err(q) => (
            format!("{} {}", tr("号票", "Ticket"), esc(&q.ticket)),
            format!("<p>{}</p>", tr("这张号还没有办结，办结后可以在这里评价。", "This ticket is not finished yet; you can rate it here once it is.")),
        ),
        Ok(s) => {
            let head = esc(&if lang == "en" {
                format!("Ticket {} · {} · window {}", s.ticket, s.service_name(lang), s.window)
            } else {
                format!("{} 号 · {} · {} 号窗口", s.ticket, s.service_name(lang), s.window)
            });
            let body = match rate::rating_of(s.id)? {
                Some((_, 1)) => format!("<p>{}</p>", tr("这次服务已超过评价期限，记为默认评价。", "The time to rate this service has passed; it got the default rating.")),
                Some((level, _)) => format!("<p class=\"rt-ok\">{}：{}</p>", tr("您已评价", "You rated it"), esc(rate::level_name(level, lang))),
                None if now > rate::phone_until(cfg, &s) => format!("<p>{}</p>", tr("评价期限已过。", "The time to rate this service has passed.")),
                None => format!(
                    "<p>{}</p>{}<p class=\"rt-help\">{}</p>",
                    tr("请您对本次服务进行评价", "Please rate the service you received"),
                    rating_form(lang),
                    esc(&if lang == "en" {
                        format!("You can rate until {}.", clock::format_local(rate::phone_until(cfg, &s)))
                    } else {
                        format!("评价截止时间：{}", clock::format_local(rate::phone_until(cfg, &s)))
                    })
                ),
            };
            (head, body)
        }
    };
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="rt-ticket">{head}</p>{body}<p class="rt-ok" id="rt-ok" role="status"></p></section>{data}{script}"#,
        title = tr("服务评价", "Rate our service"),
        data = data(&json!({"page": "resident", "token": token, "t": texts(lang)})),
        script = script(),
    );
    Ok(Response::page(t(lang, "服务评价", "Rate our service"), html))
}

/// The case console: supervisors see every case (overdue ones marked)
/// and act on them; a clerk sees their own and may appeal.
pub fn cases_page(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let today = calendar::today();
    let list = cases::list(req, &today)?;
    let supervisor = req.caller.has_role("supervisor");
    let callback_opts: String = CALLBACK.iter().map(|(c, zh, en)| format!("<option value=\"{c}\">{}</option>", esc(t(lang, zh, en)))).collect();
    let mut rows = String::new();
    for c in list["cases"].as_array().into_iter().flatten() {
        let s = |k: &str| esc(c[k].as_str().unwrap_or(""));
        let id = c["id"].as_i64().unwrap_or(0);
        let reasons = c["reasons"].as_array().map(|r| r.iter().filter_map(|x| x["name"].as_str()).map(esc).collect::<Vec<_>>().join("、")).unwrap_or_default();
        let overdue = if c["overdue"] == true { format!(" <span class=\"rt-overdue\">{}</span>", tr("已逾期", "Overdue")) } else { String::new() };
        let open = c["status"] != "closed";
        let mut actions = String::new();
        if open && supervisor {
            actions.push_str(&format!(
                r#"<div class="rt-field"><label>{fix_l}<textarea data-field="fix" data-case="{id}"></textarea></label><button type="button" data-act="fix" data-case="{id}">{save}</button></div>
<div class="rt-field"><label>{cb_l} <select data-field="callback" data-case="{id}">{callback_opts}</select></label> <input data-field="callback-note" data-case="{id}" maxlength="500" placeholder="{cb_note}"> <button type="button" data-act="callback" data-case="{id}">{save}</button></div>
<p><button type="button" class="primary" data-act="close" data-case="{id}">{close}</button></p>"#,
                fix_l = tr("整改情况", "What was put right"),
                cb_l = tr("回访结果", "Call-back result"),
                cb_note = tr("回访记录（选填）", "Call-back note (optional)"),
                save = tr("保存", "Save"),
                close = tr("办结", "Close"),
            ));
            if c["status"] == "appealed" {
                actions.push_str(&format!(
                    r#"<div class="rt-field"><label>{l}<textarea data-field="decide" data-case="{id}"></textarea></label><button type="button" data-act="uphold" data-case="{id}">{up}</button> <button type="button" data-act="reject" data-case="{id}">{rej}</button><span class="rt-help">{help}</span></div>"#,
                    l = tr("申诉裁定意见", "Decision on the appeal"),
                    up = tr("申诉成立（差评不计）", "Uphold (the rating no longer counts)"),
                    rej = tr("申诉不成立", "Reject"),
                    help = tr("须由处理该整改单以外的另一位主管裁定。", "Decided by a supervisor other than the one handling the case."),
                ));
            }
        }
        if open && !supervisor && c["appeal_at"].is_null() {
            actions.push_str(&format!(
                r#"<div class="rt-field"><label>{l}<textarea data-field="appeal" data-case="{id}"></textarea></label><button type="button" data-act="appeal" data-case="{id}">{b}</button></div>"#,
                l = tr("申诉理由", "Reason for the appeal"),
                b = tr("提交申诉", "Appeal"),
            ));
        }
        rows.push_str(&format!(
            r#"<div class="rt-case" id="case-{id}"><p><strong>#{id} · {ticket}</strong> · {win_l} {window} · {clerk} · {level} · {status}{overdue}</p>
<p>{reasons_l}：{reasons}{words}</p><p class="rt-help">{opened_l} {opened} · {deadline_l} {deadline}</p>{fix}{cb}{appeal}{actions}<p class="rt-err" data-err="{id}" role="alert"></p></div>"#,
            ticket = s("ticket"),
            win_l = tr("窗口", "Window"),
            window = s("window"),
            clerk = s("clerk_name"),
            level = s("level_name"),
            status = s("status_name"),
            reasons_l = tr("原因", "Reasons"),
            words = if c["words"].as_str().unwrap_or("").is_empty() { String::new() } else { format!(" · “{}”", s("words")) },
            opened_l = tr("收到", "Received"),
            opened = s("opened_local"),
            deadline_l = tr("整改期限", "Deadline"),
            deadline = s("deadline"),
            fix = if c["fix_text"].is_string() { format!("<p>{}：{}</p>", tr("整改情况", "Put right"), s("fix_text")) } else { String::new() },
            cb = if c["callback_result"].is_string() { format!("<p>{}：{} {}</p>", tr("回访", "Call back"), s("callback_name"), s("callback_note")) } else { String::new() },
            appeal = if c["appeal_reason"].is_string() {
                format!("<p>{}：{} {}</p>", tr("申诉", "Appeal"), s("appeal_reason"), if c["appeal_decision"].is_string() { format!("（{}：{}）", tr("裁定", "decision"), s("appeal_note")) } else { String::new() })
            } else {
                String::new()
            },
        ));
    }
    if rows.is_empty() {
        rows = format!("<p>{}</p>", tr("没有整改单。", "No cases."));
    }
    let filters: String = [("all", "全部", "All"), ("open", "未办结", "Open"), ("overdue", "已逾期", "Overdue"), ("appealed", "申诉中", "Appealed"), ("closed", "已办结", "Closed")]
        .iter()
        .map(|(f, zh, en)| format!("<a href=\"/ratings/cases?status={f}\">{}</a>", esc(t(lang, zh, en))))
        .collect::<Vec<_>>()
        .join(" · ");
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="rt-help">{intro}</p><p>{filters}</p><div id="rt-cases">{rows}</div></section>{data}{script}"#,
        title = tr("差评整改", "Poor-rating cases"),
        intro = tr(
            "每条差评生成一个整改单：在期限内填写整改情况、回访居民并办结。办事员可以对自己的差评申诉一次，由另一位主管裁定。",
            "Each poor rating opens a case: put it right, call the resident back and close it before the deadline. A clerk may appeal a rating once; a second supervisor decides."
        ),
        data = data(&json!({"page": "cases", "t": texts(lang)})),
        script = script(),
    );
    Ok(Response::page(t(lang, "差评整改", "Poor-rating cases"), html))
}

/// The settings form: every field with its label, range and a line of
/// help, filled with the effective value.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let merged = crate::config::merged(None)?;
    let (cfg, problems) = match Config::from_json(&merged) {
        Ok(c) => (c, vec![]),
        Err(p) => (Config::default(), p),
    };
    let fields: String = FIELDS
        .iter()
        .map(|f| {
            let current = merged.get(f.name).and_then(|v| v.as_u64()).map(|v| v as u32).unwrap_or_else(|| cfg.get(f.name));
            format!(
                r#"<div class="rt-field"><label for="rt-{n}">{label}</label> <input id="rt-{n}" name="{n}" type="number" min="{min}" max="{max}" value="{v}"><span class="rt-help">{help}（{min}–{max}）</span></div>"#,
                n = f.name,
                label = esc(t(lang, f.zh, f.en)),
                help = esc(t(lang, f.help_zh, f.help_en)),
                min = f.min,
                max = f.max,
                v = current,
            )
        })
        .collect();
    let problems: String = problems.iter().map(|p| format!("<li>{}：{}</li>", esc(&p.path), esc(if lang == "en" { &p.en } else { &p.zh }))).collect();
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="rt-help">{intro}</p>{problems}<form id="rt-settings">{fields}
<p><button class="primary" type="submit">{save}</button> <span id="rt-status" role="status"></span></p><p class="rt-err" id="rt-err" role="alert"></p></form></section>{data}{script}"#,
        title = tr("评价设置", "Rating settings"),
        intro = tr(
            "默认值来自插件和 data/linli.toml 的 [plugins.ratings.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。评价器和居民手机读取排队叫号的办结记录，需在插件管理中允许“服务评价”调用“排队叫号”。",
            "Defaults come from the plugin and [plugins.ratings.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once. The evaluators and phones read finished tickets from the queue: allow ratings to call queue on the plugins page."
        ),
        problems = if problems.is_empty() { String::new() } else { format!("<ul class=\"rt-err\">{problems}</ul>") },
        save = tr("保存", "Save"),
        data = data(&json!({"page": "admin", "t": texts(lang)})),
        script = script(),
    );
    Ok(Response::page(t(lang, "评价设置", "Rating settings"), html))
}
