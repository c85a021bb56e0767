//! The pages, drawn inside the host's shared shell. No inline script: each
//! page's code is a file served under `/appointments/assets/`, and a page
//! hands its texts and data to it in a JSON data block (never run).

use crate::config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[("book.js", include_str!("pages/book.js")), ("kiosk.js", include_str!("pages/kiosk.js")), ("settings.js", linli_sdk::settings_page::SCRIPT)];

const STYLE: &str = r#"<style>
.ap-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; }
.ap-slot { padding: 10px; font-size: 1.1rem; }
.ap-slot small { display: block; color: var(--muted); font-size: .85rem; }
.ap-slot[aria-pressed="true"] { outline: 3px solid var(--brand); }
.ap-code { font-size: 2.4rem; font-weight: 800; letter-spacing: .12em; color: var(--brand); }
.ap-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.ap-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.ap-help { display: block; color: var(--muted); font-size: .9em; }
.ap-field { margin: 10px 0; }
.ap-ticket { font-size: 4rem; font-weight: 800; color: var(--brand); }
.ap-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0 16px; }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/appointments/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

/// JSON in a data block (the SDK's `json_block`).
fn data(id: &str, v: &serde_json::Value) -> String {
    linli_sdk::json_block(id, v)
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

/// The booking page (residents) or the desk (代办, with the pauses list).
pub fn book(cfg: &Config, req: &Request, desk: bool) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let items: String = cfg.items.iter().map(|i| format!("<option value=\"{}\">{}</option>", esc(&i.code), esc(i.name(lang)))).collect();
    let supervisor = desk && req.caller.has_role("supervisor");
    let bans = if supervisor {
        format!(
            r#"<section class="card"><h2>{h}</h2><p class="ap-help">{help}</p><table><thead><tr><th>{p}</th><th>{n}</th><th>{u}</th><th></th></tr></thead><tbody id="ap-bans"></tbody></table><p class="ap-err" id="ap-bans-err" role="alert"></p></section>"#,
            h = tr("暂停预约的居民", "Residents whose booking is paused"),
            help = tr("多次预约未到的居民会被暂停预约；确有特殊情况时可解除，解除操作记入审计日志。", "Residents who missed too many appointments are paused; lift a pause when there is a good reason. Lifting is recorded in the audit log."),
            p = tr("手机号", "Phone"),
            n = tr("未到次数", "No-shows"),
            u = tr("暂停至", "Paused until"),
        )
    } else {
        String::new()
    };
    let texts = json!({
        "desk": desk,
        "supervisor": supervisor,
        "left": t(lang, "余", "left"),
        "weekdays": if lang == "en" { json!(["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]) } else { json!(["周日", "周一", "周二", "周三", "周四", "周五", "周六"]) },
        "full": t(lang, "已满", "full"),
        "opens": t(lang, "放号时间", "opens at"),
        "pick": t(lang, "请选择日期和时段", "Please choose a day and a slot"),
        "booked": t(lang, "预约成功，请记下预约码：", "Booked. Keep your booking code:"),
        "apply": t(lang, "在线提交材料（预受理），到窗口不再重复核验", "Send your materials online first (pre-acceptance): the window will not check them again"),
        "moved": t(lang, "已改约", "Moved"),
        "cancelled": t(lang, "已取消", "Cancelled"),
        "lift": t(lang, "解除", "Lift"),
        "lifted": t(lang, "已解除", "Lifted"),
        "confirm_cancel": t(lang, "确定取消这个预约吗？", "Cancel this booking?"),
    });
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="ap-help">{intro}</p>
<form id="ap-book"><div class="ap-field"><label for="ap-item">{item_l}</label><select id="ap-item" name="item">{items}</select> <a id="ap-guide" hidden>{guide_l}</a></div>
<div class="ap-field"><span>{day_l}</span><div id="ap-days" class="ap-grid" role="group"></div></div>
<div class="ap-field"><span>{slot_l}</span><div id="ap-slots" class="ap-grid" role="group"></div></div>
<div class="ap-field"><label for="ap-phone">{phone_l}</label><input id="ap-phone" name="phone" type="tel" autocomplete="tel" required><span class="ap-help">{phone_h}</span></div>
<div class="ap-field"><label for="ap-id">{id_l}</label><input id="ap-id" name="id_number" autocomplete="off"><span class="ap-help">{id_h}</span></div>
<p><button class="primary" type="submit">{submit}</button></p><p class="ap-err" id="ap-err" role="alert"></p><div id="ap-done" aria-live="polite"></div></form></section>
<section class="card"><h2>{manage_h}</h2><p class="ap-help">{manage_help}</p><form id="ap-manage"><div class="ap-row"><div class="ap-field"><label for="ap-mcode">{code_l}</label><input id="ap-mcode" required></div>
<div class="ap-field"><label for="ap-mphone">{phone_l}</label><input id="ap-mphone" type="tel" required></div></div><p><button type="submit">{find}</button></p></form>
<div id="ap-found" hidden><p id="ap-found-text"></p><p><button type="button" id="ap-move">{move_b}</button> <button type="button" id="ap-cancel">{cancel_b}</button></p></div><p class="ap-err" id="ap-merr" role="alert"></p></section>{bans}{data}{script}"#,
        title = if desk { tr("代办预约", "Book for a resident") } else { tr("预约办事", "Book a time") },
        intro = if desk {
            tr("按居民电话中说的事项和时间代为预约；预约码会以短信发给居民。", "Book for a resident who calls; the booking code is sent to the resident's phone.")
        } else {
            tr("选择事项、日期和时段预约。每人每项事项每天限约一次；到大厅后凭预约码、身份证或手机号签到取号。", "Choose an item, a day and a slot. One booking per person per item per day; at the hall, check in with the booking code, your ID card or your phone.")
        },
        item_l = tr("办理事项", "Service item"),
        guide_l = tr("查看办事指南（需带的材料）", "Read the guide (what to bring)"),
        day_l = tr("日期（仅工作日）", "Day (working days only)"),
        slot_l = tr("时段", "Slot"),
        phone_l = tr("手机号码", "Phone number"),
        phone_h = tr("用于接收预约码和提醒，也是签到凭证之一。", "For the booking code and reminders; you can also check in with it."),
        id_l = tr("身份证号（选填）", "ID card number (optional)"),
        id_h = tr("填写后可在自助机刷身份证签到。", "Lets you check in with your ID card at the kiosk."),
        submit = tr("预约", "Book"),
        manage_h = tr("改约或取消", "Move or cancel"),
        manage_help = tr("输入预约码和预约时的手机号。改约：先在上方选好新的日期和时段。", "Enter the booking code and the phone used. To move: first choose the new day and slot above."),
        code_l = tr("预约码", "Booking code"),
        find = tr("查询", "Find"),
        move_b = tr("改到上方选择的时段", "Move to the slot chosen above"),
        cancel_b = tr("取消预约", "Cancel booking"),
        data = data("ap-data", &texts),
        script = script("book"),
    );
    Ok(Response::page(t(lang, if desk { "代办预约" } else { "预约办事" }, if desk { "Booking desk" } else { "Book a time" }), html))
}

/// The kiosk's check-in page.
pub fn kiosk(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let texts = json!({"ticket": t(lang, "您的号票", "Your ticket"), "wait": t(lang, "请留意叫号", "Please wait to be called"), "follow": t(lang, "查看排队进度", "Follow your place in the queue")});
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="ap-help">{intro}</p><form id="ap-checkin"><div class="ap-field"><label for="ap-key">{key_l}</label><input id="ap-key" autocomplete="off" required style="font-size:1.6rem"></div>
<p><button class="primary" type="submit" style="font-size:1.4rem">{submit}</button></p></form><p class="ap-err" id="ap-err" role="alert"></p><div id="ap-result" aria-live="polite"></div></section>{data}{script}"#,
        title = tr("预约签到", "Appointment check-in"),
        intro = esc(&if lang == "en" {
            format!("Enter your booking code, ID card number or phone. Check-in opens {} minutes before your slot and closes {} minutes after it starts.", cfg.check_in.early_minutes, cfg.check_in.late_minutes)
        } else {
            format!("请输入预约码、身份证号或手机号。签到时间为预约时段开始前 {} 分钟至开始后 {} 分钟。", cfg.check_in.early_minutes, cfg.check_in.late_minutes)
        }),
        key_l = tr("预约码 / 身份证号 / 手机号", "Booking code / ID card number / phone"),
        submit = tr("签到取号", "Check in"),
        data = data("ap-data", &texts),
        script = script("kiosk"),
    );
    Ok(Response::page(t(lang, "预约签到", "Appointment check-in"), html))
}

/// The settings form: every field with a label and a line explaining it,
/// drawn by the SDK's `settings_page` from the effective settings; never raw JSON.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Catalogue, Field, List, Section, body_sections};
    let lang = req.lang();
    // The guides' items (办事指南), when that plugin is there and an admin
    // allowed the link: offered to add as bookable items with their codes
    // and names. Without it the items are kept here alone.
    let guides = match services::Call::get("guides", "/api/guides/items").send() {
        Ok(r) if r.is_success() => Some(
            r.json::<serde_json::Value>()
                .ok()
                .and_then(|v| v.get("items").and_then(|i| i.as_array()).cloned())
                .unwrap_or_default()
                .iter()
                .map(|g| {
                    let s = |k: &str| g.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                    json!({"label": if lang == "en" { s("name_en") } else { s("name") }, "row": {"code": s("code"), "name_zh": s("name"), "name_en": s("name_en"), "queue_service": ""}})
                })
                .collect(),
        ),
        _ => None,
    };
    let slots = List::new("slots", "时段", "Slots")
        .buttons("添加时段", "Add a slot", "删除时段", "Remove slot")
        .new_row(json!({"start": "", "end": "", "capacity": 4}))
        .field(Field::time("start", "开始", "Start", "", ""))
        .field(Field::time("end", "结束", "End", "", ""))
        .field(Field::number("capacity", "容量（人）", "Capacity", "该时段窗口能接待的人数（含现场号）。", "Residents the windows can serve in the slot, walk-ins included."));
    let items = List::new("items", "可预约事项", "Bookable items")
        .buttons("添加可预约事项", "Add a bookable item", "删除此事项", "Remove this item")
        .row_title("可预约事项", "Bookable item", "name_zh")
        .new_row(json!({"days_ahead": 5, "release_time": "08:00", "walk_in_percent": 25, "cancel_hours": 2, "slots": []}))
        .field(Field::text("code", "事项编号", "Item code", "小写字母、数字或短横线，如 dibao；与办事指南的事项编号一致。", "Lower-case letters, digits or dashes, e.g. dibao; the same as the guide's item code."))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "居民在预约页看到的名称。", "The name residents see on the booking page."))
        .field(Field::text("name_en", "英文名称", "English name", "英文界面显示的名称。", "The name on the English pages."))
        .field(Field::text("queue_service", "排队业务编号", "Queue service", "签到后在哪个排队业务出预约号，如 A。", "The queue service the appointment ticket is issued for, e.g. A."))
        .field(Field::number("days_ahead", "可提前预约的工作日数", "Working days ahead", "1 至 5；按工作日日历计算（周末、节假日不算，调休上班日算）。", "1 to 5, counted on the working-day calendar (weekends and holidays skipped, make-up days counted)."))
        .field(Field::time("release_time", "每日放号时间", "Daily release time", "最远一天的号源每天这个时间放出，如 08:00。", "When the furthest day opens each day, e.g. 08:00."))
        .field(Field::number("walk_in_percent", "现场号比例（%）", "Walk-in share (%)", "每个时段留给现场取号的比例（向上取整），预约不会占用。", "The share of each slot (rounded up) kept for walk-ins; booking never takes it."))
        .field(Field::number("cancel_hours", "改约/取消时限（小时）", "Move/cancel limit (hours)", "预约时间前多少小时之前可以改约或取消。", "A booking can be moved or cancelled until this many hours before."))
        .list(slots)
        .catalogue(Catalogue {
            label: ("从办事指南添加事项：".into(), "Add an item from the guides: ".into()),
            key: "code".into(),
            entries: guides,
            hint: ("提示：在插件管理页允许本插件调用“办事指南”后，可在这里直接添加指南中的事项。".into(), "Tip: allow this plugin to call the guides plugin on the plugins page to add the guides' items here.".into()),
        });
    let sections = [
        Section::new("爽约规则", "No-show rule", vec![
            Field::number("no_show.limit", "未到次数", "No-shows", "统计期内预约未到达到这个次数即暂停预约；0 表示不限制。", "This many missed appointments within the period pause booking; 0 turns the rule off."),
            Field::number("no_show.within_days", "统计天数", "Counting period (days)", "往前统计多少天内的未到次数。", "How many days back the no-shows are counted."),
            Field::number("no_show.ban_days", "暂停预约天数", "Pause (days)", "暂停预约多少天；主管可在代办预约页解除。", "How long booking is paused; a supervisor can lift it on the booking desk page."),
        ]),
        Section::new("签到时间", "Check-in limits", vec![
            Field::number("check_in.early_minutes", "最早提前（分钟）", "Earliest (minutes before)", "预约开始前多少分钟起可以签到。", "Check-in opens this many minutes before the slot."),
            Field::number("check_in.late_minutes", "最晚迟到（分钟）", "Latest (minutes after)", "开始后多少分钟内仍可签到；超过即记为未到。", "Check-in closes this many minutes after the slot starts; later counts as a no-show."),
        ]),
        Section::new("提醒", "Reminders", vec![
            Field::time("reminders.day_before_at", "前一天提醒时间", "Day-before reminder at", "前一天从这个时间起发短信提醒；留空不提醒。", "The day before, a message is sent from this time; empty for none."),
            Field::checkbox("reminders.hour_before", "提前一小时提醒", "Reminder an hour before", "预约开始前一小时再提醒一次。", "Another message an hour before the slot."),
        ]),
    ];
    let src = format!("/appointments/assets/settings.js?v={}", env!("CARGO_PKG_VERSION"));
    let form = body_sections(lang, "/api/appointments/config", &src, Config::from_json, &[items], &sections)?;
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="ap-help">{intro}</p></section>{form}"#,
        title = esc(t(lang, "预约设置", "Appointment settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.appointments.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.appointments.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "预约设置", "Appointment settings"), html))
}
