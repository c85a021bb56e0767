//! The pages: residents' shifts and sign-up (phone), their own record, the
//! yearly ranking (names masked), the certificate check (name masked), the
//! desk (shifts, the lead's hours with the timeline, certificates), the
//! certificate's print page and the settings form. No inline script.

use crate::config::Config;
use crate::db::hours;
use crate::work::{self, Cert};
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[("public.js", include_str!("pages/public.js")), ("desk.js", include_str!("pages/desk.js")), ("settings.js", linli_sdk::settings_page::SCRIPT)];

const STYLE: &str = r#"<style>
.vo { font-size: 1.1rem; }
.vo-shift { border: 2px solid var(--line, #ccc); border-radius: 10px; padding: 10px; margin: 8px 0; }
.vo-shift button { min-height: 44px; font-size: 1.05rem; padding: 8px 14px; }
.vo-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.vo-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.vo-help { display: block; color: var(--muted); font-size: .92rem; }
.vo-field { margin: 8px 0; }
.vo-field input, .vo-field select { font-size: 1.1rem; padding: 6px; min-height: 40px; }
.vo-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 0 16px; }
.vo-code { font-size: 2.2rem; font-weight: 800; letter-spacing: .15em; color: var(--brand); }
.vo table { width: 100%; border-collapse: collapse; }
.vo td, .vo th { border-bottom: 1px solid var(--line, #ddd); padding: 6px; text-align: left; }
.vo-cert { max-width: 720px; margin: 0 auto; padding: 40px 56px; border: 3px double #333; background: #fff; color: #000; font-family: "Songti SC", "SimSun", serif; }
.vo-cert h1 { text-align: center; font-size: 2rem; letter-spacing: .3em; }
.vo-cert .body { font-size: 1.25rem; line-height: 2.2; text-indent: 2em; }
.vo-cert .foot { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 40px; }
.vo-cert .issuer { text-align: right; font-size: 1.15rem; line-height: 2; }
@media print { .vo-noprint, header, nav, footer { display: none !important; } body { background: #fff; } .vo-cert { border: none; } @page { size: A4; margin: 20mm; } }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/volunteers/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn texts(lang: &str) -> serde_json::Value {
    json!({
        "en": lang == "en",
        "left": t(lang, "余 {n} 个名额", "{n} places left"),
        "full": t(lang, "已满", "Full"),
        "started": t(lang, "已开始", "Started"),
        "sign": t(lang, "报名", "Sign up"),
        "signed": t(lang, "报名成功：", "Signed up: "),
        "your_code": t(lang, "您的志愿者码（查看时长、取消报名时使用，请记下）：", "Your volunteer code (to see your hours or cancel; keep it):"),
        "need_phone": t(lang, "请先在上面填写手机号码", "Enter your phone number above first"),
        "none": t(lang, "暂时没有可报名的班次", "No shifts to sign up for yet"),
        "lead": t(lang, "带班：", "Lead: "),
        "cancel": t(lang, "取消报名", "Cancel"),
        "confirm_cancel": t(lang, "确定取消这个报名吗？", "Cancel this sign-up?"),
        "year_hours": t(lang, "今年已确认服务时长：{h} 小时", "Confirmed hours this year: {h}"),
        "attended": t(lang, "到岗", "Came"),
        "absent": t(lang, "未到", "Did not come"),
        "pending": t(lang, "待登记", "Not recorded yet"),
        "hours_unit": t(lang, "小时", "h"),
        "roster": t(lang, "名单与时长", "Volunteers and hours"),
        "save_hours": t(lang, "保存时长", "Save hours"),
        "minutes": t(lang, "分钟", "minutes"),
        "saved": t(lang, "已保存", "Saved"),
        "recorded": t(lang, "登记", "recorded"),
        "corrected": t(lang, "更正", "corrected"),
        "not_lead": t(lang, "只有本班次的带班人或主管可以登记时长", "Only the shift's lead or a supervisor may record hours"),
        "print": t(lang, "打开打印页", "Open the print page"),
    })
}

pub fn public(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let positions: Vec<String> = cfg.positions.iter().map(|p| if lang == "en" { p.name_en.clone() } else { p.name_zh.clone() }).collect();
    let html = format!(
        r#"{STYLE}<div class="vo"><section class="card"><h1>{title}</h1><p class="vo-help">{intro}</p><p>{pos_l}{positions}</p>
<div class="vo-row"><div class="vo-field"><label for="vo-phone">{phone_l}</label><input id="vo-phone" type="tel" autocomplete="tel"></div>
<div class="vo-field"><label for="vo-name">{name_l}</label><input id="vo-name" autocomplete="name" maxlength="20"><span class="vo-help">{name_h}</span></div></div>
<p class="vo-err" id="vo-err" role="alert"></p><div id="vo-done" aria-live="polite"></div><div id="vo-shifts"></div></section>
<section class="card"><h2>{me_h}</h2><form id="vo-me"><div class="vo-row"><div class="vo-field"><label for="vo-mphone">{phone_l}</label><input id="vo-mphone" type="tel" required></div>
<div class="vo-field"><label for="vo-mcode">{code_l}</label><input id="vo-mcode" autocomplete="off" required></div></div><p><button class="primary" type="submit">{find}</button></p></form>
<p class="vo-err" id="vo-merr" role="alert"></p><div id="vo-mine"></div><p><a href="/volunteers/ranking">{rank_l}</a> · <a href="/volunteers/verify">{verify_l}</a></p></section></div>{data}{script}"#,
        title = tr("志愿者服务报名", "Volunteer sign-up"),
        intro = tr("选择岗位和班次报名，用手机号识别。同一班次不能重复报名，时间重叠的班次不能同时报名。服务结束后由带班人确认时长，可在大厅开具志愿服务时长证明。", "Choose a shift and sign up with your phone. A shift cannot be signed twice, nor two shifts at the same time. The shift's lead confirms your hours afterwards; the hall prints a certificate of hours."),
        pos_l = tr("岗位：", "Positions: "),
        positions = esc(&positions.join(if lang == "en" { ", " } else { "、" })),
        phone_l = tr("手机号码", "Phone number"),
        name_l = tr("姓名", "Name"),
        name_h = tr("第一次报名时填写，用于服务时长证明", "Needed the first time; it goes on the certificate"),
        me_h = tr("我的服务记录", "My record"),
        code_l = tr("志愿者码", "Volunteer code"),
        find = tr("查询", "Find"),
        rank_l = tr("年度服务时长排行", "This year's ranking"),
        verify_l = tr("验证时长证明", "Check a certificate"),
        data = json_block("vo-data", &json!({"t": texts(lang), "page": "public"})),
        script = script("public"),
    );
    Ok(Response::page(t(lang, "志愿者服务", "Volunteers"), html))
}

pub fn desk(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let office = req.caller.has_role("clerk") || req.caller.has_role("supervisor") || req.caller.has_role("admin");
    let positions: String = cfg.positions.iter().map(|p| format!("<option value=\"{}\">{}</option>", esc(&p.code), esc(if lang == "en" { &p.name_en } else { &p.name_zh }))).collect();
    let office_html = if office {
        format!(
            r#"<section class="card"><h2>{new_h}</h2><form id="vo-new"><div class="vo-row">
<div class="vo-field"><label for="vo-pos">{pos_l}</label><select id="vo-pos">{positions}</select></div>
<div class="vo-field"><label for="vo-day">{day_l}</label><input id="vo-day" type="date" required></div>
<div class="vo-field"><label for="vo-start">{start_l}</label><input id="vo-start" type="time" required></div>
<div class="vo-field"><label for="vo-end">{end_l}</label><input id="vo-end" type="time" required></div>
<div class="vo-field"><label for="vo-place">{place_l}</label><input id="vo-place" maxlength="40" required></div>
<div class="vo-field"><label for="vo-places">{places_l}</label><input id="vo-places" type="number" min="1" max="200" value="5" required></div>
<div class="vo-field"><label for="vo-lead">{lead_l}</label><input id="vo-lead" maxlength="40"><span class="vo-help">{lead_h}</span></div>
<div class="vo-field"><label for="vo-leadname">{leadname_l}</label><input id="vo-leadname" maxlength="20"></div></div>
<p><button class="primary" type="submit">{add}</button></p><p class="vo-err" id="vo-nerr" role="alert"></p></form></section>
<section class="card"><h2>{cert_h}</h2><p class="vo-help">{cert_help}</p><form id="vo-cert"><div class="vo-row"><div class="vo-field"><label for="vo-cphone">{phone_l}</label><input id="vo-cphone" type="tel" required></div>
<div class="vo-field"><label for="vo-cyear">{year_l}</label><input id="vo-cyear" type="number" value="{year}" required></div></div><p><button class="primary" type="submit">{issue}</button></p></form>
<p class="vo-err" id="vo-cerr" role="alert"></p><div id="vo-cdone"></div></section>"#,
            new_h = tr("新增班次", "New shift"),
            pos_l = tr("岗位", "Position"),
            day_l = tr("日期", "Day"),
            start_l = tr("开始时间", "Starts"),
            end_l = tr("结束时间", "Ends"),
            place_l = tr("地点", "Place"),
            places_l = tr("名额", "Places"),
            lead_l = tr("带班人工号（选填）", "Lead's staff id (optional)"),
            lead_h = tr("留空则由您带班", "Empty: you lead it"),
            leadname_l = tr("带班人姓名", "Lead's name"),
            add = tr("新增", "Add"),
            cert_h = tr("开具志愿服务时长证明", "Certificate of hours"),
            cert_help = tr("按志愿者的手机号和年份开具；证明上有验证码和二维码，任何人都可以核验。", "By the volunteer's phone and the year; the certificate carries a verification code and a QR code anyone can check."),
            phone_l = tr("志愿者手机号", "Volunteer's phone"),
            year_l = tr("年份", "Year"),
            year = esc(&crate::db::local_day(now).0[..4]),
            issue = tr("开具证明", "Issue"),
        )
    } else {
        String::new()
    };
    let html = format!(
        r#"{STYLE}<div class="vo"><section class="card"><h1>{title}</h1><p class="vo-help">{intro}</p>
<table><thead><tr><th>{when_h}</th><th>{pos_h}</th><th>{place_h}</th><th>{taken_h}</th><th>{lead_h}</th><th></th></tr></thead><tbody id="vo-shifts"></tbody></table><p class="vo-err" id="vo-serr" role="alert"></p></section>
<section class="card" id="vo-roster-box" hidden><h2 id="vo-roster-title"></h2><p class="vo-help">{roster_help}</p><table><thead><tr><th>{name_h}</th><th>{att_h}</th><th>{min_h}</th></tr></thead><tbody id="vo-roster"></tbody></table>
<div class="vo-field"><label for="vo-reason">{reason_l}</label><input id="vo-reason" maxlength="200" style="width:100%"><span class="vo-help">{reason_h}</span></div>
<p><button class="primary" type="button" id="vo-save">{save}</button> <span id="vo-rstatus" role="status"></span></p><p class="vo-err" id="vo-rerr" role="alert"></p>
<h3>{tl_h}</h3><ul id="vo-timeline"></ul></section>{office_html}
<section class="card"><h2>{rank_h}</h2><p><a href="/volunteers/ranking">{rank_pub}</a></p></section></div>{data}{script}"#,
        title = tr("志愿者管理", "Volunteer desk"),
        intro = tr("班次列表；点“名单与时长”查看报名的志愿者。班次开始后，带班人逐人确认到岗和时长；更正已登记的时长要写明原因，记入时间线。", "The shifts; open one to see its volunteers. Once it has started, the lead confirms attendance and hours per person; correcting recorded hours needs a reason and goes on the timeline."),
        when_h = tr("时间", "When"),
        pos_h = tr("岗位", "Position"),
        place_h = tr("地点", "Place"),
        taken_h = tr("已报名", "Signed up"),
        lead_h = tr("带班人", "Lead"),
        roster_help = tr("时长按分钟填写，不超过班次长度；未到岗填 0。", "Minutes, at most the shift's length; 0 for someone who did not come."),
        name_h = tr("志愿者", "Volunteer"),
        att_h = tr("到岗", "Came"),
        min_h = tr("时长（分钟）", "Minutes"),
        reason_l = tr("更正原因", "Reason for a correction"),
        reason_h = tr("修改已登记的时长时必填", "Required when changing hours already recorded"),
        save = tr("保存时长", "Save hours"),
        tl_h = tr("时间线", "Timeline"),
        rank_h = tr("年度排行", "Yearly ranking"),
        rank_pub = tr("查看公开排行（姓名已隐去部分）", "See the public ranking (names masked)"),
        data = json_block("vo-data", &json!({"t": texts(lang), "page": "desk"})),
        script = script("desk"),
    );
    Ok(Response::page(t(lang, "志愿者管理", "Volunteer desk"), html))
}

/// The yearly ranking, drawn on the server: names masked.
pub fn ranking(req: &Request, year: &str) -> Result<Response, Fail> {
    let lang = req.lang();
    let r = work::ranking(year, false)?;
    let rows: String = r["ranking"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| format!("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", x["rank"], esc(x["name"].as_str().unwrap_or("")), esc(x["hours"].as_str().unwrap_or("")), x["shifts"]))
                .collect()
        })
        .unwrap_or_default();
    let empty = if rows.is_empty() { format!("<p>{}</p>", esc(t(lang, "这一年还没有已确认的服务时长。", "No confirmed hours this year yet."))) } else { String::new() };
    let y: i64 = year.parse().unwrap_or(2026);
    let html = format!(
        r#"{STYLE}<div class="vo"><section class="card"><h1>{title}</h1><p class="vo-help">{help}</p><p><a href="/volunteers/ranking?year={prev}">{prev}</a> · <b>{year}</b> · <a href="/volunteers/ranking?year={next}">{next}</a></p>
<table id="vo-ranking"><thead><tr><th>{rank_h}</th><th>{name_h}</th><th>{hours_h}</th><th>{shifts_h}</th></tr></thead><tbody>{rows}</tbody></table>{empty}</section></div>"#,
        title = esc(&if lang == "en" { format!("Volunteer hours, {year}") } else { format!("{year} 年志愿服务时长排行") }),
        help = esc(t(lang, "按带班人确认的服务时长排序；为保护个人信息，姓名只显示姓氏。", "By hours confirmed by the shift leads; names are partly hidden to protect personal data.")),
        prev = y - 1,
        next = y + 1,
        year = esc(year),
        rank_h = esc(t(lang, "名次", "Rank")),
        name_h = esc(t(lang, "志愿者", "Volunteer")),
        hours_h = esc(t(lang, "时长（小时）", "Hours")),
        shifts_h = esc(t(lang, "班次", "Shifts")),
    );
    Ok(Response::page(t(lang, "志愿者年度排行", "Volunteer ranking"), html))
}

/// The public check of a certificate code: only what it says, masked.
pub fn verify(req: &Request, c: Option<Cert>, asked: bool) -> Result<Response, Fail> {
    let lang = req.lang();
    let body = match (c, asked) {
        (Some(c), _) => {
            let v = work::cert_public(&c);
            let row = |k: &str, val: String| format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&val));
            format!(
                "<p class=\"vo-ok\" id=\"vo-verdict\">{ok}</p><table>{a}{b}{c}{d}{e}{f}</table>",
                ok = esc(t(lang, "证明有效：由本大厅出具", "Valid: issued by this hall")),
                a = row(t(lang, "志愿者", "Volunteer"), v["name"].as_str().unwrap_or("").to_owned()),
                b = row(t(lang, "年度", "Year"), c.year.to_string()),
                c = row(t(lang, "服务时长（小时）", "Hours"), hours(c.minutes)),
                d = row(t(lang, "服务班次", "Shifts"), c.shifts.to_string()),
                e = row(t(lang, "出具单位", "Issued by"), c.issuer.clone()),
                f = row(t(lang, "出具日期", "Issued on"), c.issued_day.clone()),
            )
        }
        (None, true) => format!("<p class=\"vo-err\" id=\"vo-verdict\">{}</p>", esc(t(lang, "没有这个验证码对应的证明，请核对验证码。", "No certificate has this verification code; check the code."))),
        (None, false) => String::new(),
    };
    let html = format!(
        r#"{STYLE}<div class="vo"><section class="card"><h1>{title}</h1><form method="get" action="/volunteers/verify"><div class="vo-field"><label for="vo-vcode">{code_l}</label><input id="vo-vcode" name="code" autocomplete="off" required></div><p><button class="primary" type="submit">{check}</button></p></form>{body}<p class="vo-help">{help}</p></section></div>"#,
        title = esc(t(lang, "志愿服务时长证明验证", "Certificate of hours check")),
        code_l = esc(t(lang, "验证码", "Verification code")),
        check = esc(t(lang, "验证", "Check")),
        help = esc(t(lang, "为保护个人信息，姓名部分隐去，不显示手机号。", "To protect personal data the name is partly hidden and no phone is shown.")),
    );
    Ok(Response::page(t(lang, "时长证明验证", "Certificate check"), html))
}

/// The certificate's print page (A4, print CSS): the full name, the
/// year's hours, the issuer, the verification code and its QR code.
pub fn certificate(cfg: &Config, req: &Request, c: &Cert) -> Result<Response, Fail> {
    let lang = req.lang();
    let url = work::verify_url(cfg, &c.code);
    let warn = if !url.starts_with("http") {
        format!("<p class=\"vo-err vo-noprint\">{}</p>", esc(t(lang, "尚未设置大厅的对外地址（系统管理 → 大厅信息），二维码只含路径，手机扫码可能打不开。", "The hall's public address (Administration → Hall settings) is not set: the QR code holds the path only and phones may not open it.")))
    } else {
        String::new()
    };
    let body = format!("兹证明 {} 同志于 {} 年度在本社区参加志愿服务 {} 次，经带班人确认，累计服务时长 {} 小时。", c.name, c.year, c.shifts, hours(c.minutes));
    let html = format!(
        r#"{STYLE}{warn}<p class="vo-noprint"><button type="button" id="vo-print">{print}</button></p><article class="vo-cert"><h1>志愿服务时长证明</h1><p class="body" id="vo-cert-body">{body}</p><p class="body">特此证明。</p>
<div class="foot"><div>{qr}<br><small>验证码 <b id="vo-cert-code">{code}</b></small><br><small>{url}</small></div><div class="issuer">{issuer}<br>{day}</div></div></article>{data}{script}"#,
        print = esc(t(lang, "打印", "Print")),
        body = esc(&body),
        qr = linli_sdk::qr::svg(&url, 120),
        code = esc(&c.code),
        url = esc(&url),
        issuer = esc(&c.issuer),
        day = esc(&c.issued_day),
        data = json_block("vo-data", &json!({"t": texts(lang), "page": "certificate"})),
        script = script("desk"),
    );
    Ok(Response::page("志愿服务时长证明", html))
}

/// The settings form (linli_sdk::settings_page): each field with a label
/// and a line of help, the positions as rows; never raw JSON.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, List, body};
    let lang = req.lang();
    let fields = [
        Field::text("issuer", "出具单位", "Issuer", "印在服务时长证明上的单位名称", "The name printed on certificates of hours"),
        Field::text("public_url", "大厅公网地址", "Hall's public address", "证明上二维码指向的地址，如 https://hall.example；通常留空：用“系统管理 → 大厅信息”中的对外地址", "Where the certificate's QR code points, e.g. https://hall.example; usually empty: the hall's public address from Administration → Hall settings"),
    ];
    let positions = List::new("positions", "志愿岗位", "Positions")
        .buttons("添加岗位", "Add a position", "删除", "Remove")
        .help("每个岗位：编号（小写字母）、中文名称、英文名称。", "Each position: a code (lower-case letters), its Chinese and English names.")
        .field(Field::text("code", "编号", "Code", "", ""))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "", ""))
        .field(Field::text("name_en", "英文名称", "English name", "", ""));
    let form = body(lang, "/api/volunteers/config", &format!("/volunteers/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), Config::from_json, &[positions], &fields)?;
    let html = format!(
        r#"{STYLE}<div class="vo"><section class="card"><h1>{title}</h1><p class="vo-help">{intro}</p></section>{form}</div>"#,
        title = esc(t(lang, "志愿者设置", "Volunteer settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.volunteers.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.volunteers.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "志愿者设置", "Volunteer settings"), html))
}
