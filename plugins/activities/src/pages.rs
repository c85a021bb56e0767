//! The pages, inside the host's shell, zh-CN first with English on the
//! language switch; scripts are files under `/activities/assets/`, data
//! in JSON blocks, everything typed escaped where it is drawn.

use crate::acts::{self, Activity};
use crate::config::Config;
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[("board.js", include_str!("pages/board.js")), ("mine.js", include_str!("pages/mine.js")), ("staff.js", include_str!("pages/staff.js")), ("checkin.js", include_str!("pages/checkin.js")), ("settings.js", linli_sdk::settings_page::SCRIPT)];

const STYLE: &str = r#"<style>
.ac-help { display: block; color: var(--muted); font-size: .9em; }
.ac-list { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.ac-item h2 { margin: 0 0 6px; font-size: 1.25rem; }
.ac-left { color: var(--brand); font-weight: 800; }
.ac-full { color: var(--danger, #b3261e); font-weight: 800; }
.ac-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.ac-field { margin: 8px 0; }
.ac-field input, .ac-field select, .ac-field textarea { width: 100%; max-width: 32rem; }
.ac-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0 16px; }
.ac-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.ac-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.ac-code { font-size: 2.2rem; font-weight: 800; letter-spacing: .15em; font-family: monospace; color: var(--brand); }
.ac-qr svg { width: 240px; height: 240px; }
.ac-ticket { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
.ac-kiosk { font-size: 1.3rem; }
.ac-kiosk button, .ac-kiosk input { min-height: 64px; font-size: 1.3rem; }
.ac-desk input { font-size: 2rem; min-height: 72px; width: 100%; max-width: 28rem; letter-spacing: .1em; }
.ac-desk button { min-height: 72px; font-size: 1.5rem; }
.ac-result { font-size: 1.8rem; font-weight: 800; padding: 16px; border-radius: 8px; }
.ac-result.good { background: #e6f4ea; color: #1e6b34; }
.ac-result.bad { background: #fde7e9; color: #a31521; }
table.ac-table td { vertical-align: top; }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/activities/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn item(cfg: &Config, a: &Activity, lang: &str, now: i64) -> Result<String, Fail> {
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let v = acts::public_json(cfg, a, lang)?;
    let left = v["left"].as_i64().unwrap_or(0);
    let wl = v["waitlist_left"].as_i64().unwrap_or(0);
    let seats = if left > 0 {
        format!("<p class=\"ac-left\">{}</p>", esc(&if lang == "en" { format!("{left} of {} places left", a.capacity) } else { format!("剩余名额 {left} / {}", a.capacity) }))
    } else if wl > 0 {
        format!("<p class=\"ac-full\">{}</p>", tr("名额已满，可加入候补", "Full: you may join the waiting list"))
    } else {
        format!("<p class=\"ac-full\">{}</p>", tr("名额和候补都已满", "Full, and so is the waiting list"))
    };
    let form = if now < a.starts_at && (left > 0 || wl > 0) {
        format!(
            r#"<form class="ac-signup" data-activity="{id}" data-full="{full}"><div class="ac-row"><div class="ac-field"><label for="ph-{id}">{phone_l}</label><input type="tel" id="ph-{id}" name="phone" required maxlength="40" autocomplete="tel"></div><div class="ac-field"><label for="nm-{id}">{name_l}</label><input type="text" id="nm-{id}" name="name" maxlength="20" autocomplete="name"></div></div><p><button class="primary" type="submit">{send}</button></p><p class="ac-err" role="alert"></p></form>"#,
            id = a.id,
            full = if left > 0 { "0" } else { "1" },
            phone_l = tr("手机号码", "Mobile phone"),
            name_l = tr("称呼（选填）", "Name (optional)"),
            send = if left > 0 { tr("报名", "Sign up") } else { tr("加入候补", "Join the waiting list") },
        )
    } else {
        String::new()
    };
    Ok(format!(
        "<article class=\"card ac-item\" data-activity=\"{id}\"><h2>{title}</h2><p>{cat} · {when}<br>{place_l}：{place}</p>{desc}{seats}{form}</article>",
        id = a.id,
        title = esc(&a.title),
        cat = esc(&cfg.category_name(&a.category, lang)),
        when = esc(&acts::when(a)),
        place_l = tr("地点", "Place"),
        place = esc(&a.place),
        desc = if a.description.is_empty() { String::new() } else { format!("<p class=\"ac-text\">{}</p>", esc(&a.description)) },
    ))
}

/// The residents' list (phone, or the kiosk with big touch targets).
pub fn board(cfg: &Config, req: &Request, kiosk: bool, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let mut items = String::new();
    let list = acts::upcoming(now)?;
    for a in &list {
        items.push_str(&item(cfg, a, lang, now)?);
    }
    if list.is_empty() {
        items = format!("<p class=\"card\">{}</p>", tr("近期没有可报名的活动。", "No activities to sign up for right now."));
    }
    let html = format!(
        r#"{STYLE}<div class="{wrap}"><section class="card"><h1>{h1}</h1><p class="ac-help">{intro}</p><p><a href="/activities/mine{lq}">{mine}</a></p></section><div class="ac-list">{items}</div></div>{data}{script}"#,
        wrap = if kiosk { "ac-kiosk" } else { "ac-phone" },
        h1 = tr("社区活动报名", "Community activities"),
        intro = tr("用手机号报名，每个号码每个活动报名一次。报名后会得到签到码和二维码，活动当天凭它签到；名额满了可以候补，有人取消时按顺序递补并短信通知。", "Sign up with your phone, once per activity. You get a check-in code and QR code for the day; when it is full you may wait, and places that free up go in order to the waiting list, with a text message."),
        lq = if lang == "en" { "?lang=en" } else { "" },
        mine = tr("查看或取消我的报名", "See or cancel my sign-up"),
        data = linli_sdk::json_block("ac-data", &json!({"mine": "/activities/mine", "lang": lang, "kiosk": kiosk, "code": t(lang, "您的签到码：", "Your check-in code: ")})),
        script = script("board"),
    );
    Ok(Response::page(t(lang, "社区活动报名", "Community activities"), html))
}

/// A resident's sign-up by its code: the QR code for the desk, the
/// status (and place on the waiting list), cancel.
pub fn mine(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let code = acts::clean_code(&req.query_param("code").unwrap_or_default());
    let now = clock::now();
    let cfg = Config::load()?;
    let body = if code.is_empty() {
        String::new()
    } else {
        match acts::mine(&cfg, &code, lang, now) {
            Ok(v) => {
                let a = &v["activity"];
                let st = v["status"].as_str().unwrap_or("");
                let pos = if st == "waiting" { format!("<p>{}</p>", esc(&if lang == "en" { format!("Number {} on the waiting list", v["position"]) } else { format!("候补第 {} 位", v["position"]) })) } else { String::new() };
                let qr = if st == "confirmed" && v["checked_in"].is_null() { format!("<div class=\"ac-qr\">{}</div><p class=\"ac-help\">{}</p>", linli_sdk::qr::svg(v["qr"].as_str().unwrap_or(""), 240), tr("活动当天在签到处出示此二维码或签到码。", "Show this QR code or the code at the check-in desk on the day.")) } else { String::new() };
                let cancel = if v["can_cancel"].as_bool().unwrap_or(false) { format!("<p><button type=\"button\" id=\"ac-cancel\" data-code=\"{}\">{}</button></p>", esc(&code), tr("取消报名", "Cancel my sign-up")) } else { String::new() };
                format!(
                    "<section class=\"card ac-ticket\"><div>{qr}</div><div><h2>{title}</h2><p>{when} · {place}</p><p class=\"ac-ok\">{status}</p>{pos}<p>{code_l}</p><p class=\"ac-code\">{code}</p>{checked}{cancel}<p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p></div></section>",
                    title = esc(a["title"].as_str().unwrap_or("")),
                    when = esc(a["when"].as_str().unwrap_or("")),
                    place = esc(a["place"].as_str().unwrap_or("")),
                    status = esc(v["status_name"].as_str().unwrap_or("")),
                    code_l = tr("签到码：", "Check-in code:"),
                    code = esc(&code),
                    checked = match v["checked_in"].as_str() {
                        Some(at) => format!("<p>{} {}</p>", tr("签到时间：", "Checked in at"), esc(at)),
                        None => String::new(),
                    },
                )
            }
            Err(Fail::User(_, _, zh, en) | Fail::Field(_, _, _, zh, en)) => format!("<section class=\"card\"><p class=\"ac-err\">{}</p></section>", esc(t(lang, &zh, &en))),
            Err(e) => return Err(e),
        }
    };
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{h1}</h1><form method="get" action="/activities/mine"><div class="ac-field"><label for="ac-code-in">{code_l}</label><input id="ac-code-in" name="code" value="{code_v}" maxlength="20" autocomplete="off" required></div>{lang_in}<p><button type="submit">{find}</button></p></form></section>{body}{data}{script}"#,
        h1 = tr("我的活动报名", "My activity sign-up"),
        code_l = tr("签到码（报名时得到，短信里也有）", "Check-in code (from your sign-up, also in the text message)"),
        code_v = esc(&code),
        lang_in = if lang == "en" { "<input type=\"hidden\" name=\"lang\" value=\"en\">" } else { "" },
        find = tr("查看", "Show"),
        data = linli_sdk::json_block("ac-data", &json!({"confirm": t(lang, "确定取消报名吗？名额会让给候补的居民。", "Cancel your sign-up? The place goes to the waiting list.")})),
        script = script("mine"),
    );
    Ok(Response::page(t(lang, "我的活动报名", "My activity sign-up"), html))
}

/// The check-in desk (a tablet or a scanner that types the code and Enter).
pub fn checkin(req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let options: String = acts::upcoming(now)?.iter().map(|a| format!("<option value=\"{}\">{} {}</option>", a.id, esc(&acts::when(a)), esc(&a.title))).collect();
    let html = format!(
        r#"{STYLE}<section class="card ac-desk"><h1>{h1}</h1><p class="ac-help">{intro}</p><div class="ac-field"><label for="ac-activity">{act_l}</label><select id="ac-activity"><option value="">{any}</option>{options}</select></div><form id="ac-checkin"><div class="ac-field"><label for="ac-code">{code_l}</label><input id="ac-code" autocomplete="off" autofocus maxlength="40" required></div><p><button class="primary" type="submit">{go}</button> <button type="button" id="ac-camera" hidden>{camera}</button></p></form><video id="ac-video" hidden playsinline muted style="max-width:100%;width:28rem"></video><div id="ac-result" class="ac-result" role="status" hidden></div><p id="ac-count"></p></section>{data}{script}"#,
        h1 = tr("活动签到", "Activity check-in"),
        intro = tr("扫描居民报名页上的二维码（扫码枪会自动输入并回车），或输入签到码。每个签到码只能签到一次。", "Scan the QR code on the resident's sign-up (a scanner types it and presses Enter), or type the code. Each code checks in once."),
        act_l = tr("本场活动", "This activity"),
        any = tr("（不限）", "(any)"),
        code_l = tr("签到码", "Check-in code"),
        go = tr("签到", "Check in"),
        camera = tr("用摄像头扫码", "Scan with the camera"),
        data = linli_sdk::json_block("ac-data", &json!({"ok": t(lang, "签到成功", "Checked in"), "count": t(lang, "已签到人数：", "Checked in so far: "), "nocamera": t(lang, "无法打开摄像头，请用扫码枪或输入签到码", "the camera cannot be opened; use a scanner or type the code")})),
        script = script("checkin"),
    );
    Ok(Response::page(t(lang, "活动签到", "Activity check-in"), html))
}

/// Staff: publish an activity, see each one's figures and sign-ups, cancel.
pub fn staff(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let cats: String = cfg.categories.iter().map(|c| format!("<option value=\"{}\">{}</option>", esc(&c.code), esc(c.name(lang)))).collect();
    let mut rows = String::new();
    for a in acts::all()? {
        let f = acts::attendance(&a, now)?;
        let no_shows = if f["ended"].as_bool().unwrap_or(false) { f["no_shows"].to_string() } else { "—".into() };
        let cancel = if a.status == "open" && now < a.ends_at { format!("<button type=\"button\" data-act=\"cancel\" data-id=\"{}\">{}</button>", a.id, tr("取消活动", "Cancel the activity")) } else { String::new() };
        rows.push_str(&format!(
            "<tr data-row=\"{id}\"><td>{id}</td><td><b>{title}</b><br>{when} · {place}<br><span class=\"ac-help\">{status} · {by}</span></td><td>{cap}</td><td>{signed}</td><td>{checked}</td><td>{no_shows}</td><td>{waiting}</td><td>{cancelled}</td><td><button type=\"button\" data-act=\"signups\" data-id=\"{id}\">{list}</button> {cancel}</td></tr>",
            id = a.id,
            title = esc(&a.title),
            when = esc(&acts::when(&a)),
            place = esc(&a.place),
            status = if a.status == "open" { tr("报名中", "Open") } else { tr("已取消", "Cancelled") },
            by = esc(&a.created_by_name),
            cap = a.capacity,
            signed = f["signed_up"],
            checked = f["checked_in"],
            waiting = f["waiting"],
            cancelled = f["cancelled"],
            list = tr("报名名单", "Sign-ups"),
        ));
    }
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{h1}</h1><p><a href="/activities/checkin">{desk}</a></p>
</section>
<section class="card"><h2>{list_h}</h2><table class="ac-table"><thead><tr><th>#</th><th>{act_h}</th><th>{cap_h}</th><th>{signed_h}</th><th>{checked_h}</th><th>{noshow_h}</th><th>{wait_h}</th><th>{canc_h}</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>
<section class="card"><h2>{new_h}</h2><form id="ac-new"><div class="ac-row">
<div class="ac-field"><label for="f-title">{title_l}</label><input id="f-title" name="title" maxlength="40" required></div>
<div class="ac-field"><label for="f-category">{cat_l}</label><select id="f-category" name="category">{cats}</select></div>
<div class="ac-field"><label for="f-place">{place_l}</label><input id="f-place" name="place" maxlength="60" required></div>
<div class="ac-field"><label for="f-date">{date_l}</label><input id="f-date" name="date" type="date" required></div>
<div class="ac-field"><label for="f-start">{start_l}</label><input id="f-start" name="start" type="time" required></div>
<div class="ac-field"><label for="f-end">{end_l}</label><input id="f-end" name="end" type="time" required></div>
<div class="ac-field"><label for="f-capacity">{cap_l}</label><input id="f-capacity" name="capacity" type="number" min="1" max="2000" required></div>
<div class="ac-field"><label for="f-waitlist">{wl_l}</label><input id="f-waitlist" name="waitlist" type="number" min="0" max="500" value="{wl}"><span class="ac-help">{wl_h}</span></div>
</div><div class="ac-field"><label for="f-description">{desc_l}</label><textarea id="f-description" name="description" rows="3" maxlength="1000"></textarea></div>
<p><button class="primary" type="submit">{save}</button> <span id="ac-status" class="ac-ok" role="status"></span></p></form><p class="ac-err" id="ac-err" role="alert"></p></section>
<section class="card" id="ac-people" hidden><h2>{people_h}</h2><table class="ac-table"><tbody id="ac-people-rows"></tbody></table></section>{data}{script}"#,
        h1 = tr("活动管理", "Activities"),
        desk = tr("打开签到页", "Open the check-in desk"),
        new_h = tr("发布新活动", "Publish an activity"),
        title_l = tr("活动名称", "Title"),
        cat_l = tr("类别", "Category"),
        place_l = tr("地点", "Place"),
        date_l = tr("日期", "Date"),
        start_l = tr("开始时间", "Starts"),
        end_l = tr("结束时间", "Ends"),
        cap_l = tr("名额（人）", "Places"),
        wl_l = tr("候补人数", "Waiting list"),
        wl = cfg.default_waitlist,
        wl_h = tr("名额满后最多可候补的人数；0 表示不设候补。", "How many may wait once it is full; 0: no waiting list."),
        desc_l = tr("活动介绍", "Description"),
        save = tr("发布活动", "Publish"),
        list_h = tr("活动与出勤统计", "Activities and attendance"),
        act_h = tr("活动", "Activity"),
        cap_h = tr("名额", "Places"),
        signed_h = tr("已报名", "Signed up"),
        checked_h = tr("已签到", "Checked in"),
        noshow_h = tr("未到", "No-shows"),
        wait_h = tr("候补", "Waiting"),
        canc_h = tr("已取消", "Cancelled"),
        people_h = tr("报名名单", "Sign-ups"),
        data = linli_sdk::json_block("ac-data", &json!({
            "saved": t(lang, "已发布。", "Published."),
            "confirm": t(lang, "确定取消这个活动吗？已报名和候补的居民都会收到短信。", "Cancel this activity? Everyone signed up or waiting gets a text message."),
            "statuses": {"confirmed": t(lang, "已报名", "Signed up"), "waiting": t(lang, "候补", "Waiting"), "cancelled": t(lang, "已取消", "Cancelled")},
            "checked": t(lang, "已签到", "Checked in"),
            "acted": t(lang, "代办：", "signed up by "),
            "none": t(lang, "还没有人报名。", "Nobody has signed up yet."),
        })),
        script = script("staff"),
    );
    Ok(Response::page(t(lang, "活动管理", "Activities"), html))
}

/// The settings form (the SDK's settings page).
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, List, body};
    let lang = req.lang();
    let cats = List::new("categories", "类别", "Categories")
        .field(Field::text("code", "类别编号", "Category code", "小写字母、数字或短横线；已用过的编号不要改。", "Lower-case letters, digits or dashes; keep codes already in use."))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "居民看到的名称。", "The name residents see."))
        .field(Field::text("name_en", "英文名称", "English name", "英文界面显示的名称。", "The name on the English pages."));
    let fields = [
        Field::text("screen_zone", "信息屏区域", "Screen zone", "carousel（轮播区）或 ticker（底部滚动字幕）；留空则不上信息屏。", "carousel or ticker (the scrolling line); empty: not on the screens."),
        Field::number("checkin_before", "提前开放签到（分钟）", "Check-in opens (minutes before)", "活动开始前多少分钟可以签到，0 至 1440。", "How many minutes before the start check-in opens, 0 to 1440."),
        Field::number("default_waitlist", "默认候补人数", "Default waiting list", "新活动默认可候补的人数，0 至 500；发布时可以改。", "How many may wait for a new activity, 0 to 500; staff may change it per activity."),
        Field::number("keep_days", "电话保留天数", "Days phones are kept", "活动结束后居民电话再保留多少天，之后删除，1 至 365。", "Days residents' phones are kept after an activity, then deleted; 1 to 365."),
    ];
    let form = body(lang, "/api/activities/config", &format!("/activities/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), Config::from_json, &[cats], &fields)?;
    let html = format!(
        r#"<section class="card"><h1>{title}</h1><p>{intro}</p></section>{form}"#,
        title = esc(t(lang, "社区活动设置", "Activities settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.activities.config]；这里保存的修改优先，逐项检查后立即生效。", "Defaults come from the plugin and [plugins.activities.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "社区活动设置", "Activities settings"), html))
}
