//! The guide desk (导办台): tickets on a resident's behalf (priority with
//! its reason, and the 代办 flag, both cleared after each ticket),
//! appointment check-in, and requeueing residents who missed their call.

use crate::config::Config;
use crate::fail::Fail;
use crate::pages::{STYLE, script};
use linli_sdk::prelude::*;

pub fn page(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let options: String = cfg.services.iter().map(|s| format!("<option value=\"{}\">{} {}</option>", esc(&s.code), esc(s.prefix()), esc(s.name(lang)))).collect();
    let reasons: String = crate::api::PRIORITY_REASONS
        .iter()
        .map(|(code, zh, en)| format!("<option value=\"{code}\">{}</option>", t(lang, zh, en)))
        .collect();
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1>
<form id="q-issue"><label>{svc_l}<select name="service" required>{options}</select></label>
<label>{prio}<select name="priority_reason"><option value="">{no_prio}</option>{reasons}</select></label>
<label><input type="checkbox" name="proxy" style="display:inline;width:auto"> {proxy}</label>
<label>{phone_l}<input name="phone" inputmode="tel" autocomplete="off" placeholder="{phone_hint}"></label>
<label>{name_l}<input name="name" autocomplete="off" maxlength="40"></label>
<button class="primary" type="submit">{issue}</button> <span id="q-issue-msg" role="status"></span></form>
<div id="q-issued" hidden><div class="q-print" id="q-slip"></div><p><a class="button" id="q-print" target="_blank">{print}</a></p></div></section>
<section class="card"><h2>{appt_h}</h2><form id="q-appt">
<label>{appt_id}<input name="appointment_id" required maxlength="64"></label>
<label>{svc_l}<select name="service">{options}</select></label>
<label>{appt_time}<input name="time" type="time"></label>
<button type="submit">{checkin}</button> <span id="q-appt-msg" role="status"></span></form></section>
<section class="card"><h2>{missed_h}</h2><table><tbody id="q-missed"></tbody></table></section>
{slip_js}{guide_js}"#,
        title = t(lang, "导办取号", "Guide desk"),
        svc_l = t(lang, "业务", "Service"),
        prio = t(lang, "优先叫号（选择原因）", "Priority (choose the reason)"),
        no_prio = t(lang, "不优先", "No priority"),
        proxy = t(lang, "代办（替他人取号，不受每人一号限制；每取一张号后自动取消）", "On someone's behalf (not limited per phone; cleared after each ticket)"),
        phone_l = t(lang, "手机号（选填，仅用于每人一号）", "Phone (optional; one ticket per person)"),
        phone_hint = t(lang, "例如 13812341234", "e.g. 13812341234"),
        name_l = t(lang, "姓名（选填，屏幕和事件中不显示）", "Name (optional; never shown on screens)"),
        issue = t(lang, "取号", "Issue ticket"),
        print = t(lang, "打印号票", "Print ticket"),
        appt_h = t(lang, "预约签到", "Appointment check-in"),
        appt_id = t(lang, "预约编号", "Appointment number"),
        appt_time = t(lang, "预约时间", "Appointment time"),
        checkin = t(lang, "签到取号", "Check in"),
        missed_h = t(lang, "过号待回", "Missed tickets"),
        slip_js = script("slip"),
        guide_js = script("guide"),
    );
    Ok(Response::page(t(lang, "导办取号", "Guide desk"), html))
}
