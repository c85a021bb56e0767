//! The pages, drawn inside the host's shared shell. No inline script: each
//! page's code is a file served under `/housekeeping/assets/`, and a page
//! hands its texts to it in a JSON data block (never run).

use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[
    ("resident.js", include_str!("pages/resident.js")),
    ("provider.js", include_str!("pages/provider.js")),
    ("desk.js", include_str!("pages/desk.js")),
    ("settings.js", linli_sdk::settings_page::SCRIPT),
];

const STYLE: &str = r#"<style>
.hk-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0 16px; }
.hk-field { margin: 8px 0; }
.hk-field label { display: block; font-weight: 600; }
.hk-field input, .hk-field select, .hk-field textarea { width: 100%; font-size: 1.1rem; padding: 8px; box-sizing: border-box; }
.hk-help { display: block; color: var(--muted); font-size: .9em; }
.hk-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.hk-ok { color: var(--ok, #2e7d32); font-weight: 700; min-height: 1.2em; }
.hk-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.hk-grid button { padding: 10px; font-size: 1.05rem; }
.hk-grid button[aria-pressed="true"] { outline: 3px solid var(--brand); }
.hk-grid small { display: block; color: var(--muted); }
.hk-stars { color: #c77700; font-weight: 700; }
.hk-secret { font-size: 1.5rem; font-weight: 800; letter-spacing: .08em; color: var(--brand); word-break: break-all; }
.hk-provider { border-top: 1px solid var(--line); padding: 10px 0; }
td, th { padding: 6px 8px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/housekeeping/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn field(id: &str, label: &str, kind: &str, help: &str) -> String {
    let help = if help.is_empty() { String::new() } else { format!("<span class=\"hk-help\">{}</span>", esc(help)) };
    format!("<div class=\"hk-field\"><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"off\">{help}</div>", esc(label))
}

fn common(lang: &str) -> serde_json::Value {
    json!({
        "left": t(lang, "余", "left"), "full": t(lang, "已满", "full"), "none": t(lang, "暂无可约时段", "No slot open"),
        "ratings": t(lang, "评分", "Rating"), "no_ratings": t(lang, "暂无评价", "No ratings yet"), "count": t(lang, "条", "ratings"),
        "yuan": t(lang, "元", "yuan"), "per": "/",
        "confirm": t(lang, "确认", "Confirm"), "decline": t(lang, "婉拒", "Decline"), "reason": t(lang, "婉拒原因（选填）", "Reason (optional)"),
    })
}

/// The resident's page: providers, services, prices and ratings; slots;
/// booking; looking a booking up to cancel or rate it.
pub fn resident(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let mut texts = common(lang);
    texts["booked"] = json!(tr("已提交预约，请记下预约码（服务商确认后会短信通知您）：", "Booked. Keep your booking code (you get a message when the provider confirms):"));
    texts["pick"] = json!(tr("请先选择服务和时段", "Choose a service and a slot first"));
    texts["rated"] = json!(tr("谢谢您的评价", "Thank you for rating"));
    texts["cancelled"] = json!(tr("已取消", "Cancelled"));
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="hk-help">{intro}</p><div id="hk-providers"></div></section>
<section class="card"><h2>{slots_h}</h2><p id="hk-chosen" class="hk-help">{pick}</p><div id="hk-slots" class="hk-grid" role="group"></div>
<form id="hk-book"><div class="hk-row">{phone}{address}{note}</div><p><button class="primary" type="submit">{book}</button></p><p class="hk-err" id="hk-err" role="alert"></p><div id="hk-done" class="hk-ok" aria-live="polite"></div></form></section>
<section class="card"><h2>{mine_h}</h2><form id="hk-find"><div class="hk-row">{code}{mphone}</div><p><button type="submit">{find}</button></p></form>
<div id="hk-mine" hidden><p id="hk-mine-text"></p><p><button type="button" id="hk-cancel">{cancel}</button></p>
<form id="hk-rate" hidden><div class="hk-row"><div class="hk-field"><label for="hk-stars">{stars_l}</label><select id="hk-stars"><option value="5">★★★★★ 5</option><option value="4">★★★★ 4</option><option value="3">★★★ 3</option><option value="2">★★ 2</option><option value="1">★ 1</option></select></div>{words}</div><p><button class="primary" type="submit">{rate}</button></p></form></div>
<p class="hk-err" id="hk-merr" role="alert"></p><p class="hk-ok" id="hk-mok" role="status"></p></section>{data}{script}"#,
        title = esc(tr("家政服务预约", "Housekeeping")),
        intro = esc(tr("社区合作的家政服务商、服务项目和价格。选择时段、填写手机号和地址即可预约；服务商确认或婉拒后会短信通知您；服务完成后可以评价。", "The hall's partner providers with their services and prices. Choose a slot and give your phone and address; you get a message when the provider confirms or declines, and can rate the visit afterwards.")),
        slots_h = esc(tr("选择时段并预约", "Choose a slot and book")),
        pick = esc(tr("请在上方选择一项服务。", "Choose a service above.")),
        phone = field("hk-phone", tr("手机号码", "Phone"), "tel", tr("用于接收预约码和确认短信。", "For the booking code and messages.")),
        address = field("hk-address", tr("服务地址", "Address"), "text", tr("如 幸福小区 3 栋 2 单元 501。", "E.g. building 3, unit 2, flat 501.")),
        note = field("hk-note", tr("备注（选填）", "Note (optional)"), "text", ""),
        book = esc(tr("预约", "Book")),
        mine_h = esc(tr("我的预约：取消或评价", "My booking: cancel or rate")),
        code = field("hk-code", tr("预约码", "Booking code"), "text", ""),
        mphone = field("hk-mphone", tr("手机号码", "Phone"), "tel", ""),
        find = esc(tr("查询", "Find")),
        cancel = esc(tr("取消预约", "Cancel booking")),
        stars_l = esc(tr("评分", "Stars")),
        words = field("hk-words", tr("评价（选填）", "Words (optional)"), "text", ""),
        rate = esc(tr("提交评价", "Rate")),
        data = json_block("hk-data", &texts),
        script = script("resident"),
    );
    Ok(Response::page(tr("家政服务预约", "Housekeeping"), html))
}

/// The provider's page: signed in with the one-time code (the link's
/// `#` part), then its bookings to confirm or decline.
pub fn provider(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let mut texts = common(lang);
    texts["signed_out"] = json!(tr("已退出", "Signed out"));
    texts["empty"] = json!(tr("暂无预约", "No bookings"));
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title} <small id="hk-name"></small></h1><p class="hk-help">{intro}</p>
<form id="hk-signin"><div class="hk-row">{code}</div><p><button class="primary" type="submit">{sign}</button></p></form>
<p class="hk-err" id="hk-err" role="alert"></p><p id="hk-rating" class="hk-stars"></p>
<table id="hk-list" hidden><thead><tr><th>{when}</th><th>{service}</th><th>{who}</th><th>{status}</th><th></th></tr></thead><tbody></tbody></table>
<p><button type="button" id="hk-out" hidden>{out}</button></p></section>{data}{script}"#,
        title = esc(tr("服务商预约确认", "Provider bookings")),
        intro = esc(tr("请用社区工作人员给您的登录码或登录链接登录（登录码只能用一次，本浏览器会记住登录）。不要把登录码转给他人。", "Sign in with the code or link the hall's staff gave you (a code works once; this browser remembers the sign-in). Do not pass the code on.")),
        code = field("hk-code", tr("登录码", "Sign-in code"), "text", ""),
        sign = esc(tr("登录", "Sign in")),
        when = esc(tr("时间", "When")),
        service = esc(tr("服务", "Service")),
        who = esc(tr("居民与地址", "Resident and address")),
        status = esc(tr("状态", "Status")),
        out = esc(tr("退出登录", "Sign out")),
        data = json_block("hk-data", &texts),
        script = script("provider"),
    );
    Ok(Response::page(tr("服务商预约确认", "Provider bookings"), html))
}

/// The staff page: providers (access, ratings), services, slots, bookings.
pub fn desk(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let mut texts = common(lang);
    let manage = req.caller.has_role("clerk") || req.caller.has_role("supervisor");
    texts["manage"] = json!(manage);
    texts["shown_once"] = json!(tr("登录码只显示这一次，请交给服务商（可发送链接）：", "The sign-in code is shown this once; give it to the provider (or send the link):"));
    texts["new_code"] = json!(tr("重发登录码", "New sign-in code"));
    texts["revoke"] = json!(tr("收回访问", "Revoke access"));
    texts["confirm_revoke"] = json!(tr("收回后服务商的登录立即失效，确定吗？", "The provider's sign-ins stop at once. Revoke?"));
    texts["signed_in"] = json!(tr("已登录设备", "signed-in browsers"));
    texts["code_waiting"] = json!(tr("登录码待使用", "code not used yet"));
    texts["add_service"] = json!(tr("添加服务", "Add service"));
    texts["saved"] = json!(tr("已添加", "Added"));
    texts["off"] = json!(tr("停用", "Stop"));
    texts["on"] = json!(tr("启用", "Resume"));
    let forms = if manage {
        format!(
            r#"<section class="card"><h2>{add_h}</h2><p class="hk-help">{add_help}</p><form id="hk-add"><div class="hk-row">{name}{contact}{intro}</div><p><button class="primary" type="submit">{add}</button></p><p class="hk-err" id="hk-add-err" role="alert"></p><div id="hk-secret" aria-live="polite"></div></form></section>
<section class="card"><h2>{slot_h}</h2><form id="hk-slot"><div class="hk-row"><div class="hk-field"><label for="hk-svc">{svc_l}</label><select id="hk-svc"></select></div>{day}{start}{end}{cap}</div><p><button class="primary" type="submit">{add_slot}</button></p><p class="hk-err" id="hk-slot-err" role="alert"></p><p class="hk-ok" id="hk-slot-ok" role="status"></p></form></section>"#,
            add_h = esc(tr("添加合作服务商", "Add a partner provider")),
            add_help = esc(tr("服务商不使用大厅的工作人员账号：添加后得到一个一次性登录码，只显示一次；服务商凭它在自己的页面确认或婉拒预约。可随时重发或收回。", "Providers get no staff account of the hall: adding one gives a one-time sign-in code, shown once, with which it confirms or declines bookings on its own page. Issue a new one or revoke it at any time.")),
            name = field("hk-name", tr("服务商名称", "Provider name"), "text", ""),
            contact = field("hk-contact", tr("联系电话", "Contact phone"), "tel", tr("新预约通知发到这个号码。", "New bookings are announced to this phone.")),
            intro = field("hk-intro", tr("简介（选填）", "About (optional)"), "text", ""),
            add = esc(tr("添加", "Add")),
            slot_h = esc(tr("添加可约时段", "Add a bookable slot")),
            svc_l = esc(tr("服务", "Service")),
            day = field("hk-day", tr("日期", "Day"), "date", ""),
            start = field("hk-start", tr("开始", "Start"), "time", ""),
            end = field("hk-end", tr("结束", "End"), "time", ""),
            cap = field("hk-cap", tr("名额", "Places"), "number", tr("默认 1。", "1 unless set.")),
            add_slot = esc(tr("添加时段", "Add slot")),
        )
    } else {
        String::new()
    };
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><div id="hk-providers"></div><p class="hk-err" id="hk-perr" role="alert"></p></section>{forms}
<section class="card"><h2>{book_h}</h2><table><thead><tr><th>{when}</th><th>{prov}</th><th>{service}</th><th>{phone}</th><th>{status}</th><th>{rating}</th></tr></thead><tbody id="hk-bookings"></tbody></table></section>{data}{script}"#,
        title = esc(tr("家政服务管理", "Housekeeping desk")),
        book_h = esc(tr("预约", "Bookings")),
        when = esc(tr("时间", "When")),
        prov = esc(tr("服务商", "Provider")),
        service = esc(tr("服务", "Service")),
        phone = esc(tr("居民", "Resident")),
        status = esc(tr("状态", "Status")),
        rating = esc(tr("评价", "Rating")),
        data = json_block("hk-data", &texts),
        script = script("desk"),
    );
    Ok(Response::page(tr("家政服务管理", "Housekeeping desk"), html))
}

/// The settings form (linli_sdk::settings_page): every field with a label
/// and a line explaining it, each problem beside its field.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, body};
    let lang = req.lang();
    let fields = [
        Field::number("days_ahead", "可预约天数", "Days ahead", "居民可以看到并预约这么多天内的时段。", "Residents see and book slots up to this many days ahead."),
        Field::number("guess_limit", "服务商登录错误次数上限", "Wrong sign-ins allowed", "同一服务商的登录码或登录凭据错误达到这个次数，登录暂停。", "This many wrong sign-in codes or keys for one provider pause its sign-in."),
        Field::number("lock_minutes", "暂停分钟数", "Pause (minutes)", "错误次数在这段时间内累计；达到上限后暂停到这段时间结束。", "Wrong tries are counted over this time; past the limit, sign-in pauses until it ends."),
    ];
    let form = body(lang, "/api/housekeeping/config", &format!("/housekeeping/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), crate::config::Config::from_json, &[], &fields)?;
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="hk-help">{intro}</p></section>{form}"#,
        title = esc(t(lang, "家政服务设置", "Housekeeping settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.housekeeping.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.housekeeping.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "家政服务设置", "Housekeeping settings"), html))
}
