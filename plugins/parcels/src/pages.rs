//! The pages, drawn inside the host's shared shell. No inline script: each
//! page's code is a file served under `/parcels/assets/`, and a page hands
//! its texts and data to it in a JSON data block (never run).

use crate::config::Config;
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[("desk.js", include_str!("pages/desk.js")), ("mine.js", include_str!("pages/mine.js")), ("settings.js", linli_sdk::settings_page::SCRIPT)];

const STYLE: &str = r#"<style>
.pc-tiles { display: grid; grid-template-columns: repeat(4, minmax(120px, 1fr)); gap: 12px; }
.pc-tile { border: 1px solid var(--line); border-radius: 10px; padding: 12px; text-align: center; }
.pc-tile strong { display: block; font-size: 2.2rem; color: var(--brand); }
.pc-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 0 16px; }
.pc-field { margin: 8px 0; }
.pc-field label { display: block; font-weight: 600; }
.pc-field input, .pc-field select { width: 100%; font-size: 1.15rem; padding: 8px; box-sizing: border-box; }
.pc-help { display: block; color: var(--muted); font-size: .9em; }
.pc-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.pc-ok { color: var(--ok, #2e7d32); font-weight: 700; min-height: 1.2em; }
.pc-loc { font-size: 1.6rem; font-weight: 800; color: var(--brand); }
td, th { padding: 6px 8px; text-align: left; border-bottom: 1px solid var(--line); }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/parcels/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn field(id: &str, label: &str, kind: &str, help: &str) -> String {
    let help = if help.is_empty() { String::new() } else { format!("<span class=\"pc-help\">{}</span>", esc(help)) };
    format!("<div class=\"pc-field\"><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"off\">{help}</div>", esc(label))
}

/// The resident's page: their waiting parcels (phone + one code), and a
/// fresh code sent to their phone when they lost it.
pub fn resident(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let texts = json!({
        "none": tr("没有待取的快递", "No parcel waiting"),
        "resent": tr("如该手机号有待取快递，新的取件码已发送到该手机；旧取件码作废。", "If this phone has parcels waiting, new pickup codes were sent to it; the old ones no longer work."),
        "arrived": tr("到件", "Arrived"), "return_on": tr("退回日期", "Returned on"), "tail": tr("运单尾号", "Tracking ends"),
    });
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="pc-help">{intro}</p>
<form id="pc-mine"><div class="pc-row">{phone}{code}</div><p><button class="primary" type="submit">{find}</button></p><p class="pc-err" id="pc-err" role="alert"></p></form>
<table id="pc-list" hidden><thead><tr><th>{carrier}</th><th>{tail}</th><th>{arrived}</th><th>{ret}</th></tr></thead><tbody></tbody></table></section>
<section class="card"><h2>{lost_h}</h2><p class="pc-help">{lost}</p><form id="pc-resend"><div class="pc-row">{phone2}</div><p><button type="submit">{send}</button></p><p class="pc-ok" id="pc-sent" role="status"></p><p class="pc-err" id="pc-err2" role="alert"></p></form></section>{data}{script}"#,
        title = esc(tr("我的快递", "My parcels")),
        intro = esc(tr("快递到达代收点后，取件码会以短信发到收件手机。凭取件码或身份证到服务台取件；他人代取时请代取人报取件码并登记姓名。", "When a parcel arrives, the pickup code is sent to the recipient's phone. Pick it up at the desk with the code or your ID card; someone picking up for you gives the code and their name.")),
        phone = field("pc-phone", tr("收件手机号", "Recipient phone"), "tel", ""),
        code = field("pc-code", tr("任一取件码", "Any of your pickup codes"), "text", tr("查询待取快递需要一个取件码；连续输错多次会暂时锁定。", "One code shows all your waiting parcels; many wrong codes lock it for a while.")),
        find = esc(tr("查询", "Look up")),
        carrier = esc(tr("快递公司", "Carrier")),
        tail = esc(tr("运单尾号", "Tracking ends")),
        arrived = esc(tr("到件时间", "Arrived")),
        ret = esc(tr("超期退回日期", "Goes back on")),
        lost_h = esc(tr("忘记取件码", "Lost your code")),
        lost = esc(tr("新的取件码只会发到收件手机本身。", "New codes go to the recipient's phone only.")),
        phone2 = field("pc-phone2", tr("收件手机号", "Recipient phone"), "tel", ""),
        send = esc(tr("重新发送取件码", "Send new codes")),
        data = json_block("pc-data", &texts),
        script = script("mine"),
    );
    Ok(Response::page(tr("我的快递", "My parcels"), html))
}

/// The desk: the day's counts, registering, handing over, the waiting
/// shelf, the locks and the day's handovers.
pub fn desk(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let carriers: String = cfg.carriers.iter().map(|c| format!("<option>{}</option>", esc(c))).collect();
    let texts = json!({
        "can_lift": req.caller.has_role("clerk") || req.caller.has_role("supervisor"),
        "registered": tr("已登记，放在", "Registered; put it at"),
        "notified": tr("取件码已发送给收件人", "the pickup code was sent to the recipient"),
        "held": tr("短信暂未发出，稍后自动补发", "the message is held back and will be sent shortly"),
        "handed": tr("已交付：", "Handed over:"),
        "still": tr("该手机号还有待取快递：", "Still waiting for this phone:"),
        "return": tr("退回", "Return"), "confirm_return": tr("确定把这个快递退回快递公司吗？", "Send this parcel back to the carrier?"),
        "lift": tr("解锁", "Lift"), "none": tr("无", "none"),
        "proxy": tr("代取", "for the resident"), "self": tr("本人", "in person"),
        "by_code": tr("取件码", "code"), "by_id": tr("身份证", "ID card"),
        "days": tr("天", "days"), "auto": tr("自动", "auto"),
    });
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title} <small id="pc-day"></small></h1><div class="pc-tiles">
<div class="pc-tile">{t_arr}<strong id="pc-n-arrived">0</strong></div><div class="pc-tile">{t_pick}<strong id="pc-n-picked">0</strong></div>
<div class="pc-tile">{t_wait}<strong id="pc-n-waiting">0</strong></div><div class="pc-tile">{t_ret}<strong id="pc-n-returned">0</strong></div></div></section>
<section class="card"><h2>{reg_h}</h2><form id="pc-reg"><div class="pc-row">{tracking}
<div class="pc-field"><label for="pc-carrier">{carrier_l}</label><select id="pc-carrier" name="carrier">{carriers}</select></div>{phone}{location}</div>
<p><button class="primary" type="submit">{reg_b}</button></p><p class="pc-err" id="pc-reg-err" role="alert"></p><p class="pc-ok" id="pc-reg-ok" role="status"></p></form></section>
<section class="card"><h2>{pick_h}</h2><p class="pc-help">{pick_help}</p><form id="pc-pick"><div class="pc-row">{pphone}{code}{idn}{pname}{pphone2}</div>
<p><button class="primary" type="submit">{pick_b}</button></p><p class="pc-err" id="pc-pick-err" role="alert"></p><div class="pc-ok" id="pc-pick-ok" role="status"></div></form></section>
<section class="card"><h2>{locks_h}</h2><p class="pc-help">{locks_help}</p><table><thead><tr><th>{phone_c}</th><th>{until_c}</th><th>{parcels_c}</th><th></th></tr></thead><tbody id="pc-locks"></tbody></table></section>
<section class="card"><h2>{wait_h}</h2><form id="pc-search"><div class="pc-row">{q}</div></form><table><thead><tr><th>{loc_c}</th><th>{tracking_c}</th><th>{carrier_l}</th><th>{phone_c}</th><th>{arrived_c}</th><th></th></tr></thead><tbody id="pc-waiting"></tbody></table><p class="pc-err" id="pc-wait-err" role="alert"></p></section>
<section class="card"><h2>{done_h}</h2><table><thead><tr><th>{tracking_c}</th><th>{status_c}</th><th>{when_c}</th><th>{who_c}</th><th>{to_c}</th></tr></thead><tbody id="pc-done"></tbody></table></section>{data}{script}"#,
        title = esc(tr("快递代收", "Parcel desk")),
        t_arr = esc(tr("今日到件", "Arrived today")),
        t_pick = esc(tr("今日取件", "Picked up today")),
        t_wait = esc(tr("待取件", "Waiting")),
        t_ret = esc(tr("今日退回", "Returned today")),
        reg_h = esc(tr("登记到件", "Register a parcel")),
        tracking = field("pc-tracking", tr("运单号", "Tracking number"), "text", ""),
        carrier_l = esc(tr("快递公司", "Carrier")),
        phone = field("pc-phone", tr("收件手机号", "Recipient phone"), "tel", ""),
        location = field("pc-location", tr("存放位置（选填）", "Location (optional)"), "text", tr("留空则按货架顺序自动分配，如 A-001。", "Leave empty to take the next free shelf place, e.g. A-001.")),
        reg_b = esc(tr("登记", "Register")),
        pick_h = esc(tr("取件交付", "Hand over")),
        pick_help = esc(tr("填收件手机号和取件码；没有取件码时核对身份证后填身份证号（交付该手机号的全部待取快递）。他人代取时填代取人姓名。", "Enter the recipient's phone and the pickup code; without a code, check the ID card and enter its number (hands over all the phone's waiting parcels). For someone picking up for the resident, enter their name.")),
        pphone = field("pc-pphone", tr("收件手机号", "Recipient phone"), "tel", ""),
        code = field("pc-code", tr("取件码", "Pickup code"), "text", ""),
        idn = field("pc-id", tr("或 身份证号", "or ID card number"), "text", ""),
        pname = field("pc-pname", tr("代取人姓名（代取时填）", "Picked up by (name, if not the resident)"), "text", ""),
        pphone2 = field("pc-pphone2", tr("代取人手机号（选填）", "Their phone (optional)"), "tel", ""),
        pick_b = esc(tr("交付", "Hand over")),
        locks_h = esc(tr("锁定的手机号", "Locked phones")),
        locks_help = esc(tr("取件码连续输错达到上限的手机号，在锁定期内不能凭取件码取件；核对身份证后可凭身份证取件或解锁。", "Phones with too many wrong pickup codes cannot pick up by code while locked; after checking the ID card, hand over by ID card or lift the lock.")),
        wait_h = esc(tr("待取快递", "Waiting parcels")),
        q = field("pc-q", tr("查找（运单号尾号或手机号）", "Find (tracking number end or phone)"), "search", ""),
        loc_c = esc(tr("位置", "Location")),
        tracking_c = esc(tr("运单号", "Tracking")),
        phone_c = esc(tr("手机号", "Phone")),
        arrived_c = esc(tr("到件", "Arrived")),
        until_c = esc(tr("锁定至", "Locked until")),
        parcels_c = esc(tr("待取件数", "Waiting")),
        done_h = esc(tr("今日交付与退回", "Handed over and returned today")),
        status_c = esc(tr("状态", "Status")),
        when_c = esc(tr("时间", "When")),
        who_c = esc(tr("经办人", "Staff")),
        to_c = esc(tr("交给", "To")),
        data = json_block("pc-data", &texts),
        script = script("desk"),
    );
    Ok(Response::page(tr("快递代收", "Parcel desk"), html))
}

/// The settings form (linli_sdk::settings_page): every field with a label
/// and a line explaining it, each problem beside its field.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, body};
    let lang = req.lang();
    let fields = [
        Field::text("station", "代收点名称", "Station name", "短信中的代收点名称。", "The station's name in the messages."),
        Field::list("carriers", "快递公司", "Carriers", "登记时可选的快递公司，用顿号或逗号分隔。", "The carriers offered when registering, separated by commas."),
        Field::list("shelves", "货架", "Shelves", "自动分配位置时按此顺序使用的货架名称，用逗号分隔。", "Shelf names, filled in this order when a place is assigned; separated by commas."),
        Field::number("places_per_shelf", "每个货架的位置数", "Places per shelf", "如 50：A-001 至 A-050。", "E.g. 50: A-001 to A-050."),
        Field::number("remind_after_days", "几天未取提醒", "Remind after (days)", "到件后这么多天仍未取，短信提醒一次。", "A reminder goes out once a parcel waited this many days."),
        Field::number("return_after_days", "几天未取退回", "Return after (days)", "到件后这么多天仍未取，自动退回快递公司（状态“退回”）。", "After this many days an unclaimed parcel goes back to the carrier (status returned)."),
        Field::number("code_tries", "取件码错误次数上限", "Wrong codes allowed", "同一手机号连续输错这么多次即锁定凭码取件。", "This many wrong codes in a row lock pickups by code for that phone."),
        Field::number("lock_minutes", "锁定分钟数", "Lock (minutes)", "锁定持续的时间；工作人员可提前解锁。", "How long the lock lasts; staff can lift it earlier."),
    ];
    let form = body(lang, "/api/parcels/config", &format!("/parcels/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), Config::from_json, &[], &fields)?;
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="pc-help">{intro}</p></section>{form}"#,
        title = esc(t(lang, "快递代收设置", "Parcel settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.parcels.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.parcels.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "快递代收设置", "Parcel settings"), html))
}
