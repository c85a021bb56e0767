//! The pages: the residents' page (phone, large type), the desk (staff and
//! volunteers), the tablet (a paired kiosk: very large type and buttons),
//! the corner's screen (a page of its own, readable from 3 m) and the
//! settings form. No inline script: each page's code is a file under
//! `/seniors/assets/`, its texts and data in a JSON data block.

use crate::acts;
use crate::config::Config;
use crate::db::{self, local_day};
use crate::signup::Signup;
use linli_sdk::Fail;
use linli_sdk::input::hhmm;
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[
    ("resident.js", include_str!("pages/resident.js")),
    ("desk.js", include_str!("pages/desk.js")),
    ("tablet.js", include_str!("pages/tablet.js")),
    ("board.js", include_str!("pages/board.js")),
    ("settings.js", linli_sdk::settings_page::SCRIPT),
];

const STYLE: &str = r#"<style>
.sn { font-size: 1.2rem; }
.sn h1 { font-size: 2rem; }
.sn-week { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; }
.sn-day h3 { margin: .2em 0; }
.sn-day.closed { opacity: .6; }
.sn-act { border: 2px solid var(--line, #ccc); border-radius: 10px; padding: 10px; margin: 8px 0; }
.sn-act b { font-size: 1.25rem; }
.sn-act button { display: block; font-size: 1.15rem; padding: 10px 16px; min-height: 48px; margin-top: 6px; }
.sn-left { font-weight: 700; }
.sn-full { color: var(--danger, #b3261e); font-weight: 700; }
.sn-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.sn-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.sn-code { font-size: 2.6rem; font-weight: 800; letter-spacing: .15em; color: var(--brand); }
.sn-help { display: block; color: var(--muted); font-size: .95rem; }
.sn-field { margin: 10px 0; }
.sn-field input, .sn-field select { font-size: 1.2rem; padding: 8px; min-height: 44px; }
.sn-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0 16px; }
.sn table { width: 100%; border-collapse: collapse; }
.sn td, .sn th { border-bottom: 1px solid var(--line, #ddd); padding: 6px; text-align: left; }
.sn-tablet { font-size: 2rem; }
.sn-tablet h1 { font-size: 3rem; }
.sn-tablet input { font-size: 2.6rem; width: 100%; padding: 12px; box-sizing: border-box; }
.sn-keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 16px 0; }
.sn-keys button, .sn-big { font-size: 2.6rem; min-height: 96px; border-radius: 14px; }
.sn-big { width: 100%; margin: 8px 0; }
.sn-result { font-size: 2.4rem; font-weight: 800; }
@media print { .sn-noprint, header, nav, footer { display: none !important; } .sn-slip { border: 2px dashed #000; padding: 16px; } }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/seniors/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn weekdays(lang: &str) -> serde_json::Value {
    if lang == "en" { json!(["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) } else { json!(["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]) }
}

/// Texts the scripts share.
fn texts(lang: &str) -> serde_json::Value {
    json!({
        "en": lang == "en",
        "weekdays": weekdays(lang),
        "closed": t(lang, "休息", "Closed"),
        "none": t(lang, "没有活动", "No activities"),
        "left": t(lang, "余 {n} 个名额", "{n} places left"),
        "full": t(lang, "已满", "Full"),
        "waitlist": t(lang, "已满，可候补（还剩 {n} 个候补位）", "Full; waiting list ({n} left)"),
        "sign": t(lang, "报名", "Sign up"),
        "join_wait": t(lang, "加入候补", "Join the waiting list"),
        "started": t(lang, "已开始", "Started"),
        "over": t(lang, "已结束", "Over"),
        "not_open": t(lang, "尚未开放报名", "Not open yet"),
        "booked": t(lang, "报名成功！请记下报名码：", "Signed up! Keep your sign-up code:"),
        "waiting": t(lang, "名额已满，您在候补名单第 {n} 位。报名码：", "Full: you are number {n} on the waiting list. Code:"),
        "need_phone": t(lang, "请先在上面填写手机号码", "Enter your phone number above first"),
        "cancel": t(lang, "取消报名", "Cancel"),
        "cancelled": t(lang, "已取消", "Cancelled"),
        "confirm_cancel": t(lang, "确定取消这个报名吗？", "Cancel this sign-up?"),
        "status": {"booked": t(lang, "已报名", "Signed up"), "waiting": t(lang, "候补中", "Waiting list"), "checked_in": t(lang, "已签到", "Checked in"), "cancelled": t(lang, "已取消", "Cancelled")},
        "proxy_by": t(lang, "代办：", "Signed up by: "),
        "stop": t(lang, "停止活动", "Take off"),
        "edit": t(lang, "修改", "Edit"),
        "roster": t(lang, "报名名单", "Who signed up"),
        "confirm_stop": t(lang, "停止后，以后的报名都会取消并通知居民。确定吗？", "Taking it off cancels the sign-ups to come and tells the residents. Go ahead?"),
        "saved": t(lang, "已保存", "Saved"),
        "slip": t(lang, "打印报名条", "Print the slip"),
        "weekly": t(lang, "每周", "Weekly"),
        "once": t(lang, "单次", "Once"),
        "welcome": t(lang, "签到成功，欢迎！", "Checked in. Welcome!"),
        "clear": t(lang, "清除", "Clear"),
        "back": t(lang, "退格", "Back"),
    })
}

/// The residents' page: this week and the next on the phone, sign-up by
/// phone, and their sign-ups by code + phone.
pub fn resident(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let html = format!(
        r#"{STYLE}<div class="sn"><section class="card"><h1>{title}</h1><p class="sn-help">{intro}</p>
<div class="sn-row"><div class="sn-field"><label for="sn-phone">{phone_l}</label><input id="sn-phone" type="tel" autocomplete="tel" inputmode="tel"></div>
<div class="sn-field"><label for="sn-name">{name_l}</label><input id="sn-name" autocomplete="name"><span class="sn-help">{name_h}</span></div></div>
<p class="sn-err" id="sn-err" role="alert"></p><div id="sn-done" aria-live="polite"></div>
<p><button type="button" id="sn-prev">{prev}</button> <button type="button" id="sn-next">{next}</button></p><div id="sn-week" class="sn-week"></div></section>
<section class="card"><h2>{mine_h}</h2><p class="sn-help">{mine_help}</p><form id="sn-mine"><div class="sn-row"><div class="sn-field"><label for="sn-mcode">{code_l}</label><input id="sn-mcode" autocomplete="off" required></div>
<div class="sn-field"><label for="sn-mphone">{mphone_l}</label><input id="sn-mphone"></div></div><p><button class="primary" type="submit">{find}</button></p></form>
<p class="sn-err" id="sn-merr" role="alert"></p><div id="sn-list"></div></section></div>{data}{script}"#,
        title = tr("老年活动角", "Seniors' corner"),
        intro = esc(&if lang == "en" {
            format!("Health talks, chess, calligraphy, exercise and more, on the days the hall is open. Sign up with your phone up to {} weeks ahead; when an activity is full you can join the waiting list and we will tell you if a place frees up. Check in on the corner's tablet with your phone or your code.", cfg.weeks_ahead)
        } else {
            format!("健康讲座、棋牌、书法、健身操等活动，大厅开放日举行。用手机号报名，最多提前 {} 周；名额满了可以候补，有人取消时会通知您。到了活动角，在平板上输入手机号或报名码签到。", cfg.weeks_ahead)
        }),
        phone_l = tr("手机号码", "Phone number"),
        name_l = tr("称呼（选填）", "Your name (optional)"),
        name_h = tr("方便带领人点名", "Helps the leader call the roll"),
        prev = tr("上一周", "Previous week"),
        next = tr("下一周", "Next week"),
        mine_h = tr("我的报名", "My sign-ups"),
        mine_help = tr("输入报名码和报名时的手机号（代办报名的老人填姓名），查看或取消报名。", "Enter your sign-up code and the phone you used (or the name, for a resident signed up by a volunteer) to see or cancel your sign-ups."),
        code_l = tr("报名码", "Sign-up code"),
        mphone_l = tr("手机号码（没有手机的填姓名）", "Phone number (or the name, for a resident without a phone)"),
        find = tr("查询", "Find"),
        data = json_block("sn-data", &json!({"t": texts(lang)})),
        script = script("resident"),
    );
    Ok(Response::page(t(lang, "老年活动角", "Seniors' corner"), html))
}

/// The desk: the calendar's activities (enter, change, take off), 代办
/// sign-up for a resident without a phone, and who signed up.
pub fn desk(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let kinds: String = cfg.kinds.iter().map(|k| format!("<option value=\"{}\">{}</option>", esc(&k.code), esc(if lang == "en" { &k.name_en } else { &k.name_zh }))).collect();
    let wd = weekdays(lang);
    let days: String = (1..=7).map(|i| format!("<option value=\"{i}\">{}</option>", esc(wd[i].as_str().unwrap_or("")))).collect();
    let html = format!(
        r#"{STYLE}<div class="sn"><section class="card"><h1>{title}</h1><p class="sn-help">{intro}</p></section>
<section class="card"><h2 id="sn-form-title">{new_h}</h2><form id="sn-act"><input type="hidden" id="sn-id">
<div class="sn-row"><div class="sn-field"><label for="sn-kind">{kind_l}</label><select id="sn-kind">{kinds}</select></div>
<div class="sn-field"><label for="sn-title">{title_l}</label><input id="sn-title" maxlength="40" required></div>
<div class="sn-field"><label for="sn-place">{place_l}</label><input id="sn-place" maxlength="40"></div>
<div class="sn-field"><label for="sn-leader">{leader_l}</label><input id="sn-leader" maxlength="40"></div>
<div class="sn-field"><label for="sn-repeat">{repeat_l}</label><select id="sn-repeat"><option value="weekly">{weekly}</option><option value="once">{once}</option></select></div>
<div class="sn-field"><label for="sn-weekday">{weekday_l}</label><select id="sn-weekday">{days}</select></div>
<div class="sn-field"><label for="sn-day">{day_l}</label><input id="sn-day" type="date"><span class="sn-help">{day_h}</span></div>
<div class="sn-field"><label for="sn-until">{until_l}</label><input id="sn-until" type="date"></div>
<div class="sn-field"><label for="sn-start">{start_l}</label><input id="sn-start" type="time" required></div>
<div class="sn-field"><label for="sn-end">{end_l}</label><input id="sn-end" type="time" required></div>
<div class="sn-field"><label for="sn-cap">{cap_l}</label><input id="sn-cap" type="number" min="1" max="500" value="20" required></div></div>
<div class="sn-field"><label for="sn-note">{note_l}</label><input id="sn-note" maxlength="300" style="width:100%"></div>
<p><button class="primary" type="submit">{save}</button> <button type="button" id="sn-reset">{new_b}</button></p><p class="sn-err" id="sn-aerr" role="alert"></p></form>
<table><thead><tr><th>{when_h}</th><th>{title_l}</th><th>{place_l}</th><th>{cap_l}</th><th></th></tr></thead><tbody id="sn-acts"></tbody></table></section>
<section class="card"><h2>{proxy_h}</h2><p class="sn-help">{proxy_help}</p><form id="sn-proxy"><div class="sn-row">
<div class="sn-field"><label for="sn-occ">{occ_l}</label><select id="sn-occ" required></select></div>
<div class="sn-field"><label for="sn-pname">{pname_l}</label><input id="sn-pname" maxlength="20" required></div>
<div class="sn-field"><label for="sn-pphone">{pphone_l}</label><input id="sn-pphone" type="tel"><span class="sn-help">{pphone_h}</span></div></div>
<p><button class="primary" type="submit">{proxy_b}</button></p><p class="sn-err" id="sn-perr" role="alert"></p><div id="sn-pdone" aria-live="polite"></div></form></section>
<section class="card"><h2>{roster_h}</h2><div class="sn-field"><label for="sn-rocc">{occ_l}</label><select id="sn-rocc"></select></div><p id="sn-rsum"></p>
<table><thead><tr><th>{who_h}</th><th>{status_h}</th><th>{code_l}</th><th></th></tr></thead><tbody id="sn-roster"></tbody></table><p class="sn-err" id="sn-rerr" role="alert"></p></section></div>{data}{script}"#,
        title = tr("活动角管理", "Corner desk"),
        intro = tr("工作人员和志愿者在这里维护每周活动表、为没有手机的老人代办报名、查看报名名单。大厅休息日（周末、节假日）没有活动。", "Staff and volunteers keep the weekly calendar here, sign up residents who have no phone and see who signed up. There are no activities on days the hall is closed."),
        new_h = tr("新增活动", "New activity"),
        kind_l = tr("类别", "Kind"),
        title_l = tr("活动名称", "Title"),
        place_l = tr("地点", "Place"),
        leader_l = tr("主讲或带领人", "Led by"),
        repeat_l = tr("重复", "Repeat"),
        weekly = tr("每周", "Weekly"),
        once = tr("单次", "Once"),
        weekday_l = tr("每周几", "Day of the week"),
        day_l = tr("日期 / 开始日期", "Date / first date"),
        day_h = tr("单次活动的日期；每周活动从这天开始（留空为今天）", "The date of a one-off; a weekly one starts this day (empty: today)"),
        until_l = tr("结束日期（每周活动，选填）", "Last date (weekly, optional)"),
        start_l = tr("开始时间", "Starts"),
        end_l = tr("结束时间", "Ends"),
        cap_l = tr("名额", "Places"),
        note_l = tr("说明（选填）", "Note (optional)"),
        save = tr("保存", "Save"),
        new_b = tr("清空表单", "Clear the form"),
        when_h = tr("时间", "When"),
        proxy_h = tr("代办报名（没有手机的老人）", "Sign up a resident (no phone)"),
        proxy_help = tr("记录是谁代办的。报名后打印或抄下报名条交给老人：签到时报名码加姓名即可。", "Who signed up whom is kept. Print or write down the slip for the resident: the code and the name are enough to check in."),
        occ_l = tr("活动场次", "Activity and day"),
        pname_l = tr("老人姓名", "Resident's name"),
        pphone_l = tr("手机号（选填）", "Phone (optional)"),
        pphone_h = tr("有家人手机可填，用于提醒", "A family member's phone, for reminders"),
        proxy_b = tr("代办报名", "Sign up"),
        roster_h = tr("报名名单", "Who signed up"),
        who_h = tr("报名人", "Who"),
        status_h = tr("状态", "Status"),
        code_l = tr("报名码", "Code"),
        data = json_block("sn-data", &json!({"t": texts(lang)})),
        script = script("desk"),
    );
    Ok(Response::page(t(lang, "活动角管理", "Corner desk"), html))
}

/// The corner's tablet (a paired kiosk): a keypad for the phone, or the
/// sign-up code and name; very large type and buttons.
pub fn tablet(_cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let keys: String = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].iter().map(|k| format!("<button type=\"button\" data-key=\"{k}\">{k}</button>")).collect();
    let html = format!(
        r#"{STYLE}<div class="sn-tablet"><section class="card"><h1>{title}</h1><p>{intro}</p>
<p class="sn-result sn-err" id="sn-terr" role="alert"></p><div class="sn-result sn-ok" id="sn-tok" aria-live="polite"></div>
<form id="sn-phone-form"><label for="sn-tphone">{phone_l}</label><input id="sn-tphone" inputmode="numeric" autocomplete="off" readonly>
<div class="sn-keys">{keys}<button type="button" data-key="clear">{clear}</button><button type="button" data-key="0">0</button><button type="button" data-key="back">{back}</button></div>
<button class="primary sn-big" type="submit">{check}</button></form>
<details id="sn-code-box"><summary>{nophone}</summary><form id="sn-code-form"><label for="sn-tcode">{code_l}</label><input id="sn-tcode" autocomplete="off">
<label for="sn-tname">{name_l}</label><input id="sn-tname" autocomplete="off"><button class="primary sn-big" type="submit">{check}</button></form></details></section></div>{data}{script}"#,
        title = tr("活动签到", "Activity check-in"),
        intro = tr("请输入报名时的手机号，按“签到”。", "Type the phone you signed up with and press Check in."),
        phone_l = tr("手机号码", "Phone number"),
        clear = tr("清除", "Clear"),
        back = tr("退格", "Back"),
        check = tr("签到", "Check in"),
        nophone = tr("没有手机？用报名码签到", "No phone? Check in with your code"),
        code_l = tr("报名码", "Sign-up code"),
        name_l = tr("姓名", "Name"),
        data = json_block("sn-data", &json!({"t": texts(lang)})),
        script = script("tablet"),
    );
    Ok(Response::page(t(lang, "活动签到", "Activity check-in"), html))
}

/// The corner's screen: a page of its own (no navigation), black on
/// white in very large type; today's activities fill the top without
/// scrolling, the week below in smaller (still large) type. Reloads every
/// minute (board.js).
pub fn board(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = if req.query_param("lang").as_deref() == Some("en") { "en" } else { "zh-CN" };
    let (today, minute) = local_day(now);
    let wd = weekdays(lang);
    let mut rows = String::new();
    let list = acts::on_day(&today)?;
    for a in list.iter().take(6) {
        let (booked, _) = acts::counts(a.id, &today)?;
        let left = (a.capacity - booked).max(0);
        let done = (a.end_min as u32) <= minute;
        let places = if done {
            t(lang, "已结束", "Over").to_owned()
        } else if left == 0 {
            t(lang, "已满", "Full").to_owned()
        } else if lang == "en" {
            format!("{left} left")
        } else {
            format!("余 {left} 位")
        };
        rows.push_str(&format!(
            "<tr class=\"{cls}\"><td class=\"tm\">{s}–{e}</td><td><b>{title}</b><small>{kind} · {place}</small></td><td class=\"pl\">{places}</td></tr>",
            cls = if done { "done" } else { "" },
            s = hhmm(a.start_min as u32),
            e = hhmm(a.end_min as u32),
            title = esc(&a.title),
            kind = esc(&cfg.kind_name(&a.kind, lang)),
            place = esc(if a.place.is_empty() { t(lang, "活动角", "the corner") } else { &a.place }),
            places = esc(&places),
        ));
    }
    if list.len() > 6 {
        rows.push_str(&format!("<tr><td></td><td><small>{}</small></td><td></td></tr>", esc(&if lang == "en" { format!("and {} more", list.len() - 6) } else { format!("另有 {} 项", list.len() - 6) })));
    }
    if list.is_empty() {
        rows = format!("<tr><td colspan=\"3\"><b>{}</b></td></tr>", esc(if db::open_on(&today) { t(lang, "今天没有活动", "No activities today") } else { t(lang, "今天休息", "Closed today") }));
    }
    let monday = acts::monday_of(&today);
    let mut week = String::new();
    for i in 0..7 {
        let Some(day) = db::add_days(&monday, i) else { continue };
        let w = db::weekday(&day).unwrap_or(1) as usize;
        let items: Vec<String> = acts::on_day(&day)?.iter().take(4).map(|a| format!("<li>{} {}</li>", hhmm(a.start_min as u32), esc(&a.title))).collect();
        let body = if !db::open_on(&day) { format!("<li class=\"off\">{}</li>", esc(t(lang, "休息", "Closed"))) } else if items.is_empty() { String::new() } else { items.join("") };
        week.push_str(&format!("<div class=\"d{}\"><h3>{} {}</h3><ul>{}</ul></div>", if day == today { " now" } else { "" }, esc(wd[w].as_str().unwrap_or("")), esc(&day[5..]), body));
    }
    let title = t(lang, "老年活动角", "Seniors' corner");
    let html = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title><style>
html, body {{ margin: 0; background: #fff; color: #000; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
body {{ height: 100vh; overflow: hidden; display: flex; flex-direction: column; padding: 1.5vh 2vw; box-sizing: border-box; }}
header {{ display: flex; justify-content: space-between; align-items: baseline; border-bottom: .6vh solid #000; }}
h1 {{ font-size: 5.2vh; margin: 0; }} .date {{ font-size: 4.2vh; font-weight: 700; }}
h2 {{ font-size: 4.2vh; margin: 1vh 0 .5vh; background: #000; color: #fff; display: inline-block; padding: 0 1vw; }}
table {{ width: 100%; border-collapse: collapse; }}
td {{ font-size: 5vh; padding: .7vh 1vw; border-bottom: .3vh solid #000; vertical-align: middle; }}
td.tm {{ white-space: nowrap; font-weight: 800; width: 1%; }} td.pl {{ white-space: nowrap; text-align: right; font-weight: 800; width: 1%; }}
td small {{ display: block; font-size: 3.2vh; }}
tr.done td {{ color: #555; }}
.week {{ display: grid; grid-template-columns: repeat(7, 1fr); gap: .6vw; margin-top: auto; }}
.week div {{ border: .3vh solid #000; padding: .5vh .5vw; min-height: 16vh; }}
.week div.now {{ border-width: .8vh; }}
.week h3 {{ font-size: 3vh; margin: 0; }} .week ul {{ list-style: none; margin: 0; padding: 0; font-size: 2.4vh; }}
.week .off {{ color: #555; }}
</style></head><body><header><h1>{title}</h1><span class="date">{today} {wday}</span></header>
<section><h2>{today_h}</h2><table id="sn-today">{rows}</table></section>
<section class="week-wrap"><h2>{week_h}</h2><div class="week">{week}</div></section>
<script src="/seniors/assets/board.js?v={v}"></script></body></html>"#,
        lang = if lang == "en" { "en" } else { "zh-CN" },
        title = esc(title),
        today = esc(&today),
        wday = esc(wd[db::weekday(&today).unwrap_or(1) as usize].as_str().unwrap_or("")),
        today_h = esc(t(lang, "今天的活动", "Today")),
        week_h = esc(t(lang, "本周活动", "This week")),
        v = env!("CARGO_PKG_VERSION"),
    );
    Ok(Response::asset("text/html; charset=utf-8", html.as_bytes()).with_header("cache-control", "no-store"))
}

/// The slip a volunteer prints (or copies by hand) for a resident signed
/// up without a phone: name, activity, day, time, place, the code.
pub fn slip(cfg: &Config, req: &Request, s: &Signup) -> Result<Response, Fail> {
    let lang = req.lang();
    let a = acts::get(s.activity)?;
    let html = format!(
        r#"{STYLE}<div class="sn"><p class="sn-noprint"><button type="button" id="sn-print">{print}</button></p><section class="card sn-slip"><h1>{title}</h1>
<p><b>{name_l}</b> {name}</p><p><b>{act_l}</b> {act}（{kind}）</p><p><b>{when_l}</b> {day} {start}–{end}</p><p><b>{place_l}</b> {place}</p>
<p>{code_l}</p><p class="sn-code" id="sn-slip-code">{code}</p><p class="sn-help">{help}</p><p class="sn-help">{by}</p></section></div>{data}{script}"#,
        print = esc(t(lang, "打印", "Print")),
        title = esc(t(lang, "老年活动角报名条", "Seniors' corner sign-up slip")),
        name_l = esc(t(lang, "姓名：", "Name:")),
        name = esc(&s.name),
        act_l = esc(t(lang, "活动：", "Activity:")),
        act = esc(&a.title),
        kind = esc(&cfg.kind_name(&a.kind, lang)),
        when_l = esc(t(lang, "时间：", "When:")),
        day = esc(&s.day),
        start = hhmm(a.start_min as u32),
        end = hhmm(a.end_min as u32),
        place_l = esc(t(lang, "地点：", "Place:")),
        place = esc(if a.place.is_empty() { t(lang, "老年活动角", "the seniors' corner") } else { &a.place }),
        code_l = esc(t(lang, "报名码", "Sign-up code")),
        code = esc(&s.code),
        help = esc(t(lang, "到了活动角，在平板上点“没有手机？用报名码签到”，输入报名码和姓名。", "At the corner, tap \"No phone? Check in with your code\" on the tablet and enter the code and the name.")),
        by = esc(&format!("{}{}", t(lang, "代办：", "Signed up by: "), s.signed_by_name.as_deref().unwrap_or(""))),
        data = json_block("sn-data", &json!({"t": texts(lang), "slip": true})),
        script = script("desk"),
    );
    Ok(Response::page(t(lang, "报名条", "Sign-up slip"), html))
}

/// The settings form (linli_sdk::settings_page): each field with a label
/// and a line of help, the kinds as rows; never raw JSON.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, List, body};
    let lang = req.lang();
    let fields = [
        Field::number("weeks_ahead", "可提前报名的周数", "Weeks ahead", "居民最多可以报名几周以内的活动（1 至 8）", "How many weeks ahead residents may sign up (1 to 8)").bounds(1, 8),
        Field::number("waitlist_max", "候补名额", "Waiting list places", "每场活动满员后还能排几位候补；0 表示不设候补（0 至 100）", "How many may wait for a place once an activity is full; 0 for no waiting list (0 to 100)").bounds(0, 100),
        Field::number("check_in_early_minutes", "提前签到（分钟）", "Early check-in (minutes)", "活动开始前多少分钟起可以在平板上签到（0 至 120）", "Check-in on the tablet opens this many minutes before the start (0 to 120)").bounds(0, 120),
        Field::text("remind_day_before_at", "前一天提醒时间", "Day-before reminder at", "前一天几点起发提醒短信，如 18:00；留空不发", "When to send the day-before reminder, e.g. 18:00; empty for none"),
        Field::checkbox("remind_hour_before", "开始前一小时提醒", "Reminder an hour before", "活动开始前一小时再提醒一次", "Remind again an hour before the start"),
    ];
    let kinds = List::new("kinds", "活动类别", "Kinds of activity")
        .buttons("添加类别", "Add a kind", "删除", "Remove")
        .help("每个类别：编号（小写字母）、中文名称、英文名称。", "Each kind: a code (lower-case letters), its Chinese and English names.")
        .field(Field::text("code", "编号", "Code", "", ""))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "", ""))
        .field(Field::text("name_en", "英文名称", "English name", "", ""));
    let form = body(lang, "/api/seniors/config", &format!("/seniors/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), Config::from_json, &[kinds], &fields)?;
    let html = format!(
        r#"{STYLE}<div class="sn"><section class="card"><h1>{title}</h1><p class="sn-help">{intro}</p></section>{form}</div>"#,
        title = esc(t(lang, "活动角设置", "Corner settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.seniors.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.seniors.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "活动角设置", "Corner settings"), html))
}
