//! The pages, drawn inside the host's shared shell: server-rendered and
//! escaped, zh-CN first with English by the language switch. No inline
//! script (the host's CSP is `script-src 'self'`): the pages' code is
//! `/applications/assets/app.js` and the SDK's upload script, and a page
//! hands its texts to them in a JSON data block (never run).

use crate::apply::{action_label, material_label, status_label};
use crate::cert::{self, Cert};
use crate::config::Config;
use crate::db::{self, App};
use crate::fail::Fail;
use crate::items;
use linli_sdk::prelude::*;
use serde_json::json;

const APP_JS: &str = include_str!("pages/app.js");

const STYLE: &str = r#"<style>
.ac-help { display: block; color: var(--muted); font-size: .9em; }
.ac-field { margin: 10px 0; }
.ac-field input[type=text], .ac-field input:not([type]), .ac-field select, .ac-field textarea { width: 100%; max-width: 32em; }
.ac-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.ac-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.ac-mat { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.ac-mat h3 { margin: 0 0 4px; font-size: 1.05rem; }
.ac-st { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #eee; font-size: .9em; }
.ac-st-accepted, .ac-st-on_file, .ac-st-done { background: #e3f2e5; }
.ac-st-correction, .ac-st-refused { background: #fde7e5; }
.ac-reasons { color: var(--danger, #b3261e); }
.ac-timeline { list-style: none; padding: 0; }
.ac-timeline li { border-left: 3px solid var(--line); padding: 2px 10px; margin: 4px 0; }
.ac-timeline time { color: var(--muted); margin-right: 8px; }
.ac-due { font-weight: 700; }
.ac-detail { color: var(--muted); }
.ac-stage { padding-top: 8px; padding-bottom: 8px; }
.ac-stage h2 { margin: 4px 0; font-size: 1.15rem; }
.ac-stage .ac-timeline { margin: 4px 0; }
.ac-stage .ac-timeline li { margin: 2px 0; padding: 1px 10px; }
progress { width: 14em; }
.ac-verdict label, .ac-choice label, .ac-check label { display: inline-flex; align-items: center; gap: 6px; margin: 4px 14px 4px 0; font-weight: normal; width: auto; }
.ac-verdict input[type=radio], .ac-verdict input[type=checkbox], .ac-choice input, .ac-check input { width: auto; margin: 0; }
.ac-verdict textarea { display: block; width: 100%; max-width: 32em; }
.ac-verdict label.ac-note { display: block; }
.ac-issuer { text-align: right; }
.ac-cert { max-width: 720px; margin: 0 auto; padding: 40px; border: 1px solid #999; background: #fff; }
.ac-cert h1 { text-align: center; letter-spacing: .5em; }
.ac-cert p.body { font-size: 1.2rem; line-height: 2.2; text-indent: 2em; }
.ac-cert .foot { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 40px; }
@media print { .topbar, nav, footer, .ac-noprint { display: none !important; } .ac-cert { border: 0; } }
</style>"#;

fn scripts(upload: bool) -> String {
    let v = env!("CARGO_PKG_VERSION");
    let mut s = String::new();
    if upload {
        s.push_str(&format!("<script src=\"/applications/assets/upload.js?v={v}\"></script>"));
    }
    s.push_str(&format!("<script src=\"/applications/assets/app.js?v={v}\"></script>"));
    s
}

/// JSON in a data block (the SDK's `json_block`).
fn data(v: &serde_json::Value) -> String {
    linli_sdk::json_block("ac-data", v)
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, &[("app.js", APP_JS), ("upload.js", linli_sdk::files::UPLOAD_SCRIPT)])
}

fn texts(lang: &str) -> serde_json::Value {
    json!({
        "saved": t(lang, "已保存", "Saved"),
        "confirm_refuse": t(lang, "确定不予受理吗？", "Refuse this application?"),
        "confirm_revoke": t(lang, "确定作废这份证明吗？作废后公开验证将显示“已作废”，不能撤销。", "Revoke this certificate? The public check will say it is revoked; this cannot be undone."),
        "pick_all": t(lang, "请对每份材料选择“通过”或“需补正”", "Choose accept or correct for every material"),
        "found": t(lang, "已从居民档案填入", "Filled from the resident record"),
        "not_found": t(lang, "居民档案中没有这个身份证号码", "No resident record has this ID card number"),
        "created": t(lang, "申请已建立。居民的申请页面：", "Application opened. The resident's page:"),
    })
}

fn field(id: &str, label: &str, help: &str, input: &str) -> String {
    format!("<div class=\"ac-field\"><label for=\"{id}\">{}</label>{input}{}</div>", esc(label), if help.is_empty() { String::new() } else { format!("<span class=\"ac-help\">{}</span>", esc(help)) })
}

/// The form to apply (resident) or to apply for a resident (desk).
fn form(cfg: &Config, req: &Request, desk: bool) -> String {
    let lang = req.lang();
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let list = items::list(cfg, lang);
    // From the booking page: `?item=…&booking=…` (the visit booked first).
    let chosen = req.query_param("item").unwrap_or_default();
    let booked: String = req.query_param("booking").unwrap_or_default().chars().filter(|c| c.is_ascii_alphanumeric()).take(20).collect();
    let opts: String = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let code = i["code"].as_str().unwrap_or("");
                    format!("<option value=\"{}\"{}>{}</option>", esc(code), if code == chosen { " selected" } else { "" }, esc(i["name"].as_str().unwrap_or("")))
                })
                .collect()
        })
        .unwrap_or_default();
    let consent = if desk {
        format!(
            "<fieldset class=\"ac-field ac-check\"><legend>{}</legend><label><input type=\"checkbox\" id=\"ac-consent\" name=\"consent\"> {}</label><span class=\"ac-help\">{}</span><p><button type=\"button\" id=\"ac-prefill\">{}</button></p></fieldset>",
            esc(tr("居民档案", "Resident record")),
            esc(tr("居民已同意从居民档案调取信息填表", "The resident agrees that the form is filled from their record")),
            esc(tr("未经同意不会读取档案；每次读取都记入审计日志。", "The record is never read without consent; every read is in the audit log.")),
            esc(tr("从居民档案填入", "Fill from the resident record")),
        )
    } else {
        String::new()
    };
    format!(
        "<form id=\"ac-apply\" data-api=\"{api}\">{item}{booking}{id}{consent}{name}{phone}{addr}{purpose}<p><button class=\"primary\" type=\"submit\">{submit}</button></p><p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p><div id=\"ac-done\" aria-live=\"polite\"></div></form>",
        api = if desk { "/api/applications/desk" } else { "/api/applications" },
        item = field("ac-item", tr("申请事项", "Service item"), "", &format!("<select id=\"ac-item\" name=\"item\">{opts}</select>")),
        id = field("ac-id", tr("身份证号码（选填）", "ID card number (optional)"), tr("填写后，大厅已存档的材料不再重复要求提交。", "With it, materials the hall already holds are not asked again."), "<input id=\"ac-id\" name=\"id_number\" autocomplete=\"off\" maxlength=\"40\">"),
        consent = consent,
        booking = field(
            "ac-booking",
            tr("预约码（选填）", "Booking code (optional)"),
            tr("已预约办理时间的，填写预约码，申请和预约在同一办事进度中显示。", "If you booked a time, its code links the booking to this application on one progress page."),
            &format!("<input id=\"ac-booking\" name=\"booking\" autocomplete=\"off\" maxlength=\"40\" value=\"{}\">", esc(&booked))
        ),
        name = field("ac-name", tr("申请人姓名", "Applicant's name"), "", "<input id=\"ac-name\" name=\"name\" maxlength=\"50\">"),
        phone = field("ac-phone", tr("手机号码", "Phone number"), tr("补正通知和办理结果发送到这个号码。", "Correction notices and the outcome are sent to this number."), "<input id=\"ac-phone\" name=\"phone\" type=\"tel\" maxlength=\"30\">"),
        addr = field("ac-address", tr("居住地址（选填）", "Address (optional)"), "", "<input id=\"ac-address\" name=\"address\" maxlength=\"200\">"),
        purpose = field("ac-purpose", tr("用途说明（选填，开具证明时填写）", "Purpose (optional, for certificates)"), "", "<input id=\"ac-purpose\" name=\"purpose\" maxlength=\"200\">"),
        submit = esc(tr("建立申请", "Open the application")),
    )
}

pub fn start(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>{h}</h1><p class=\"ac-help\">{intro}</p>{form}</section>{data}{js}",
        h = esc(t(lang, "预受理申请", "Apply online")),
        intro = esc(t(
            lang,
            "先在网上提交材料，窗口人员逐项审核；缺什么一次告诉您，补齐后到大厅一次办好。每份材料支持 PDF、JPEG、PNG，最大 20 MiB。",
            "Send your materials first; a clerk checks each one and tells you everything missing at once, so one visit is enough. PDF, JPEG or PNG, up to 20 MiB each."
        )),
        form = form(cfg, req, false),
        data = data(&json!({"page": "start", "t": texts(lang)})),
        js = scripts(false),
    );
    Ok(Response::page(t(lang, "预受理申请", "Apply online"), html))
}

pub fn desk(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>{h}</h1><p class=\"ac-help\">{intro}</p>{form}</section>{data}{js}",
        h = esc(t(lang, "代办申请", "Apply for a resident")),
        intro = esc(t(lang, "为来电或到场的居民建立预受理申请（记为代办）；居民同意后可从居民档案填表。", "Open an application for a resident who calls or comes in (recorded as done for them); with their consent the form fills from their record.")),
        form = form(cfg, req, true),
        data = data(&json!({"page": "desk", "t": texts(lang)})),
        js = scripts(false),
    );
    Ok(Response::page(t(lang, "代办申请", "Apply for a resident"), html))
}

fn timeline(app: &App, lang: &str) -> Result<String, Fail> {
    let steps: Vec<(i64, String, String, String)> = db::rows("SELECT at, who, action, detail FROM timeline WHERE app_id = ?1 ORDER BY id", &[sql::int(app.id)])?;
    let items: String = steps
        .iter()
        .map(|(at, who, action, detail)| {
            format!(
                "<li><time>{}</time><strong>{}</strong> · {}{}</li>",
                esc(&clock::format_local(*at)),
                esc(action_label(action, lang)),
                esc(who),
                if detail.is_empty() { String::new() } else { format!("<br><span class=\"ac-help\">{}</span>", esc(detail).replace('\n', "<br>")) }
            )
        })
        .collect();
    Ok(format!("<section class=\"card\"><h2>{}</h2><ol class=\"ac-timeline\" id=\"ac-timeline\">{items}</ol></section>", esc(t(lang, "办理过程", "Timeline"))))
}

fn reasons_text(cfg: &Config, m: &db::Material, lang: &str) -> String {
    let codes: Vec<String> = m.reasons.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
    let mut out: Vec<String> = codes.iter().map(|c| cfg.reason(c).map(|r| t(lang, &r.zh, &r.en).to_owned()).unwrap_or_else(|| c.clone())).collect();
    if let Some(n) = m.note.as_deref().filter(|n| !n.is_empty()) {
        out.push(n.to_owned());
    }
    out.join("；")
}

fn head(app: &App, lang: &str) -> String {
    let due = match (&app.status[..], &app.due_day) {
        ("submitted", Some(d)) => format!(
            "<p class=\"ac-due\">{}</p>",
            esc(&if lang == "en" { format!("Any correction will be told by {d} (5 working days); otherwise it counts as accepted.") } else { format!("如需补正，将在 {d} 前一次告知；逾期未告知即视为受理。") })
        ),
        _ => String::new(),
    };
    format!(
        "<p>{} <span class=\"ac-st ac-st-{}\" id=\"ac-status\">{}</span>{}</p>{due}",
        esc(t(lang, "状态：", "Status: ")),
        esc(&app.status),
        esc(status_label(&app.status, app.deemed == 1, lang)),
        if app.proxy == 1 { format!(" · {}", esc(&format!("{}{}", t(lang, "代办：", "for the resident by: "), app.proxy_by.as_deref().unwrap_or("")))) } else { String::new() },
    )
}

/// The resident's application page: each material with its state and an
/// upload form (with progress) where one is asked for, the corrections
/// with their reasons, the submit button, the timeline.
pub fn resident(cfg: &Config, req: &Request, app: &App) -> Result<Response, Fail> {
    let lang = req.lang();
    let mats = db::materials(app.id)?;
    let mut body = String::new();
    for m in &mats {
        let can = match app.status.as_str() {
            "draft" => m.status != "on_file",
            "correction" => m.status == "correction",
            _ => false,
        };
        let upload = if can {
            format!(
                "<form data-linli-upload method=\"POST\" action=\"/api/applications/a/{tok}/materials/{mid}\"><input type=\"file\" accept=\".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png\" aria-label=\"{label}\"> <button type=\"submit\">{btn}</button> <progress max=\"100\" value=\"0\"></progress> <span data-status role=\"status\"></span></form>",
                tok = esc(&app.token),
                mid = esc(&m.mid),
                label = esc(&m.name),
                btn = esc(if m.status == "correction" { t(lang, "重新上传", "Upload again") } else if m.file_id.is_some() { t(lang, "更换", "Replace") } else { t(lang, "上传", "Upload") }),
            )
        } else {
            String::new()
        };
        let reasons = if m.status == "correction" { format!("<p class=\"ac-reasons\">{} {}</p>", esc(t(lang, "补正原因：", "To correct: ")), esc(&reasons_text(cfg, m, lang))) } else { String::new() };
        body.push_str(&format!(
            "<div class=\"ac-mat\" data-mid=\"{mid}\"><h3>{name}</h3><span class=\"ac-st ac-st-{st}\">{stl}</span> {file}{reasons}{upload}</div>",
            mid = esc(&m.mid),
            name = esc(&m.name),
            st = esc(&m.status),
            stl = esc(material_label(&m.status, lang)),
            file = m.file_name.as_deref().map(|f| format!("<span class=\"ac-help\">{}</span>", esc(f))).unwrap_or_default(),
        ));
    }
    let notices: String = notify::inbox(&format!("app-{}", app.token), 3)?
        .iter()
        .map(|n| format!("<div class=\"ac-mat ac-reasons\">{}</div>", esc(if lang == "en" { &n.text_en } else { &n.text_zh }).replace('\n', "<br>")))
        .collect();
    let submit = if matches!(app.status.as_str(), "draft" | "correction") {
        format!("<p><button class=\"primary\" type=\"button\" id=\"ac-submit\" data-api=\"/api/applications/a/{}/submit\">{}</button></p>", esc(&app.token), esc(if app.status == "correction" { t(lang, "补正完成，重新提交", "Corrected: submit again") } else { t(lang, "提交审核", "Submit for review") }))
    } else {
        String::new()
    };
    let cert = match db::row::<(String,)>("SELECT code FROM certificates WHERE app_id = ?1", &[sql::int(app.id)])? {
        Some((c,)) => format!("<p class=\"ac-ok\">{} <a href=\"/verify/{c}\">{c}</a></p>", esc(t(lang, "证明已开具，验证码：", "Certificate issued, verification code:")), c = esc(&c)),
        // Accepted: the next step is the visit (the appointments plugin
        // takes the same item codes as the guides).
        None if app.status == "accepted" => format!(
            "<p class=\"ac-ok\">{} <a href=\"/appointments?item={}\">{}</a></p>",
            esc(t(lang, "材料已核验，窗口不再重复核验。", "Your materials are checked; the window will not check them again.")),
            esc(&app.item),
            esc(t(lang, "预约办理时间", "Book a time to come"))
        ),
        None => String::new(),
    };
    let links = crate::thread::links(app.id)?;
    let booking = match (&links.booking_code, app.status.as_str()) {
        (Some(code), _) => format!("<p>{} <strong id=\"ac-booking-code\">{}</strong></p>", esc(t(lang, "已关联预约，预约码：", "Booking linked, code:")), esc(code)),
        (None, "done" | "refused") => String::new(),
        (None, _) => format!(
            "<form id=\"ac-link-booking\" data-api=\"/api/applications/a/{tok}/booking\" class=\"ac-field\"><label for=\"ac-booking\">{l}</label><input id=\"ac-booking\" name=\"booking\" maxlength=\"40\" autocomplete=\"off\"> <button type=\"submit\">{b}</button><span class=\"ac-help\">{h}</span></form>",
            tok = esc(&app.token),
            l = esc(t(lang, "已预约？填写预约码关联", "Booked a time? Link it with the booking code")),
            b = esc(t(lang, "关联预约", "Link the booking")),
            h = esc(t(lang, "关联后，预约、取号和办理结果都在“办事进度”一页中显示。", "Once linked, the booking, the ticket and the outcome all show on one progress page.")),
        ),
    };
    let progress = format!("<p><a class=\"button\" id=\"ac-thread\" href=\"/applications/a/{}/thread\">{}</a></p>", esc(&app.token), esc(t(lang, "查看办事进度（预约、取号、办结一页看全）", "See the whole case (booking, ticket, outcome on one page)")));
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>{title}</h1>{head}{reason}{cert}{progress}{booking}{notices}<p class=\"ac-help\">{help}</p><div id=\"ac-materials\">{body}</div>{submit}<p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p></section>{tl}{data}{js}",
        title = esc(&app.item_name),
        head = head(app, lang),
        reason = app.outcome_reason.as_deref().filter(|_| app.status == "refused").map(|r| format!("<p class=\"ac-reasons\">{}{}</p>", esc(t(lang, "理由：", "Reason: ")), esc(r))).unwrap_or_default(),
        help = esc(t(lang, "材料支持 PDF、JPEG、PNG，每份最大 20 MiB；文件类型按内容识别，改扩展名无效。", "PDF, JPEG or PNG, up to 20 MiB each; the type is read from the content, not the file name.")),
        tl = timeline(app, lang)?,
        data = data(&json!({"page": "resident", "t": texts(lang)})),
        js = scripts(true),
    );
    Ok(Response::page(&app.item_name, html))
}

/// The review console: every application not being prepared, and for
/// supervisors the ones about to go overdue.
pub fn console(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let sup = req.caller.has_role("supervisor");
    let due = if sup {
        format!("<section class=\"card\"><h2>{}</h2><p class=\"ac-help\">{}</p><table><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody id=\"ac-due\"></tbody></table></section>",
            esc(t(lang, "即将逾期", "About to go overdue")),
            esc(t(lang, "五个工作日内须一次告知补正，否则视为受理。", "Corrections must be told within 5 working days, or the application counts as accepted.")),
            esc(t(lang, "事项", "Item")), esc(t(lang, "申请人", "Applicant")), esc(t(lang, "告知期限", "Tell by")), esc(t(lang, "审核人", "Clerk")))
    } else {
        String::new()
    };
    let html = format!(
        "{STYLE}{due}<section class=\"card\"><h1>{h}</h1><table><thead><tr><th>#</th><th>{item}</th><th>{who}</th><th>{st}</th><th>{clerk}</th><th>{upd}</th></tr></thead><tbody id=\"ac-cases\"></tbody></table><p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p></section>{data}{js}",
        h = esc(t(lang, "材料审核", "Review materials")),
        item = esc(t(lang, "事项", "Item")),
        who = esc(t(lang, "申请人", "Applicant")),
        st = esc(t(lang, "状态", "Status")),
        clerk = esc(t(lang, "审核人", "Clerk")),
        upd = esc(t(lang, "更新时间", "Updated")),
        data = data(&json!({"page": "console", "supervisor": sup, "t": texts(lang), "open": t(lang, "打开", "Open")})),
        js = scripts(false),
    );
    Ok(Response::page(t(lang, "材料审核", "Review materials"), html))
}

/// One application for staff: the materials with their files and the
/// review controls, the outcome at the window, the timeline.
pub fn case(cfg: &Config, req: &Request, app: &App) -> Result<Response, Fail> {
    let lang = req.lang();
    let mats = db::materials(app.id)?;
    let reviewing = app.status == "submitted";
    let mut body = String::new();
    for m in &mats {
        let file = match &m.file_id {
            Some(_) => format!(
                " <a href=\"/api/applications/cases/{}/materials/{}/file\" target=\"_blank\" rel=\"noopener\">{}</a> <span class=\"ac-help\">{} · {}</span>",
                app.id,
                esc(&m.mid),
                esc(m.file_name.as_deref().unwrap_or("")),
                esc(m.file_type.as_deref().unwrap_or("")),
                esc(&m.uploaded_by.clone().unwrap_or_default())
            ),
            None => String::new(),
        };
        let checked = match (&m.reviewed_by, m.reviewed_at) {
            (Some(by), Some(at)) if m.status == "accepted" => format!("<span class=\"ac-help\">{} {} · {}</span>", esc(t(lang, "核验：", "Checked by")), esc(by), esc(&clock::format_local(at))),
            _ => String::new(),
        };
        let held = m.held_from.map(|a| format!(" <span class=\"ac-help\">{}#{a}</span>", esc(t(lang, "已在申请 ", "accepted in application ")))).unwrap_or_default();
        let controls = if reviewing && m.status == "uploaded" {
            let reasons: String = cfg
                .reasons
                .iter()
                .map(|r| format!("<label><input type=\"checkbox\" name=\"reason\" value=\"{}\"> {}</label> ", esc(&r.code), esc(t(lang, &r.zh, &r.en))))
                .collect();
            format!(
                "<fieldset class=\"ac-verdict\" data-mid=\"{mid}\"><label><input type=\"radio\" name=\"v-{mid}\" value=\"accept\"> {ok}</label> <label><input type=\"radio\" name=\"v-{mid}\" value=\"correct\"> {fix}</label><div class=\"ac-field\">{reasons}</div><div class=\"ac-field\"><label class=\"ac-note\">{note_l} <textarea name=\"note\" rows=\"2\" maxlength=\"500\"></textarea></label></div></fieldset>",
                mid = esc(&m.mid),
                ok = esc(t(lang, "通过", "Accept")),
                fix = esc(t(lang, "需补正", "Needs correction")),
                note_l = esc(t(lang, "补充说明", "Note")),
            )
        } else {
            String::new()
        };
        let reasons = if m.status == "correction" { format!("<p class=\"ac-reasons\">{}</p>", esc(&reasons_text(cfg, m, lang))) } else { String::new() };
        body.push_str(&format!(
            "<div class=\"ac-mat\"><h3>{name}</h3><span class=\"ac-st ac-st-{st}\">{stl}</span>{file}{held} {checked}{reasons}{controls}</div>",
            name = esc(&m.name),
            st = esc(&m.status),
            stl = esc(material_label(&m.status, lang)),
        ));
    }
    let mut actions = String::new();
    if reviewing {
        actions.push_str(&format!("<p><button class=\"primary\" type=\"button\" id=\"ac-review\" data-api=\"/api/applications/cases/{}/review\">{}</button></p>", app.id, esc(t(lang, "提交审核意见（需补正的一次性告知居民）", "Send the review (all corrections in one notice)"))));
    }
    if app.status == "accepted" {
        actions.push_str(&format!(
            "<form id=\"ac-decide\" data-api=\"/api/applications/cases/{id}/decide\"><h2>{h}</h2><p class=\"ac-help\">{help}</p><div class=\"ac-field ac-choice\"><label><input type=\"radio\" name=\"outcome\" value=\"done\" checked> {done}</label> <label><input type=\"radio\" name=\"outcome\" value=\"refused\"> {refused}</label></div>{reason}<p><button class=\"primary\" type=\"submit\">{save}</button></p></form>",
            id = app.id,
            h = esc(t(lang, "窗口办理结果", "Outcome at the window")),
            help = esc(t(lang, "材料已逐项核验，窗口无需再次核验。", "The materials were checked one by one; the window need not check them again.")),
            done = esc(t(lang, "办结", "Completed")),
            refused = esc(t(lang, "不予受理", "Not accepted")),
            reason = field("ac-reason", t(lang, "不予受理的理由", "Reason for refusing"), "", "<textarea id=\"ac-reason\" name=\"reason\" rows=\"2\" maxlength=\"500\"></textarea>"),
            save = esc(t(lang, "确认", "Confirm")),
        ));
    }
    if app.status == "accepted" {
        actions.push_str(&format!("<p><button type=\"button\" id=\"ac-ticket\" data-api=\"/api/applications/cases/{}/ticket\">{}</button> <span class=\"ac-help\">{}</span></p>", app.id, esc(t(lang, "取优先号", "Take a priority ticket")), esc(t(lang, "居民到大厅未预约时，为其取一张优先号。", "For a resident who came without a booking."))));
    }
    if matches!(app.status.as_str(), "submitted" | "accepted") && app.clerk.is_none() {
        actions.push_str(&format!("<p><button type=\"button\" id=\"ac-claim\" data-api=\"/api/applications/cases/{}/claim\">{}</button></p>", app.id, esc(t(lang, "领取审核", "Take it for review"))));
    }
    let cert = match db::row::<(String,)>("SELECT code FROM certificates WHERE app_id = ?1", &[sql::int(app.id)])? {
        Some((c,)) => format!("<p class=\"ac-ok\"><a href=\"/applications/certificate/{c}\">{}</a> {c}</p>", esc(t(lang, "打印证明", "Print the certificate")), c = esc(&c)),
        None => String::new(),
    };
    let who = format!(
        "<p>{}{} · {}{}{}</p>",
        esc(t(lang, "申请人：", "Applicant: ")),
        esc(&app.applicant),
        esc(&app.phone_shown),
        app.id_shown.as_deref().map(|i| format!(" · {}", esc(i))).unwrap_or_default(),
        app.clerk_name.as_deref().map(|c| format!(" · {}{}", esc(t(lang, "审核人：", "Clerk: ")), esc(c))).unwrap_or_default()
    );
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>#{id} {title}</h1>{head}{who}{cert}<p><a class=\"button\" id=\"ac-thread\" href=\"/applications/review/{id}/thread\">{thread}</a></p><div id=\"ac-materials\">{body}</div>{actions}<p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p></section>{tl}{data}{js}",
        id = app.id,
        title = esc(&app.item_name),
        head = head(app, lang),
        tl = timeline(app, lang)?,
        thread = esc(t(lang, "办事全程（指南、预约、预受理、取号、办结）", "The whole case (guide, booking, review, ticket, outcome)")),
        data = data(&json!({"page": "case", "t": texts(lang)})),
        js = scripts(false),
    );
    Ok(Response::page(&format!("#{} {}", app.id, app.item_name), html))
}

/// The printable certificate (A4; print CSS hides the shell), with the
/// verification code and a QR code of the public check.
pub fn certificate(cfg: &Config, req: &Request, c: &Cert) -> Result<Response, Fail> {
    let lang = req.lang();
    let item: Option<(String,)> = db::row("SELECT item FROM applications WHERE id = ?1", &[sql::int(c.app_id)])?;
    let item = item.map(|i| i.0).unwrap_or_default();
    let url = cert::verify_url(cfg, &c.code);
    let warn = if !url.starts_with("http") {
        format!("<p class=\"ac-err ac-noprint\">{}</p>", esc(t(lang, "尚未设置大厅的对外地址（系统管理 → 大厅信息），二维码只含路径，手机扫码可能打不开。", "The hall's public address (Administration → Hall settings) is not set: the QR code holds the path only and phones may not open it.")))
    } else {
        String::new()
    };
    // Revoked: said at the top, never printed again as if it stood.
    // Supervisors revoke from here (the reason from the fixed list).
    let revoked = if c.revoked != 0 {
        let r = cert::revocation(&c.code)?;
        let (day, reason) = r.map(|r| (r.day, cert::revoke_reason(&r.reason, lang))).unwrap_or_default();
        format!("<p class=\"ac-err\" id=\"ac-revoked\">{}</p>", esc(&if lang == "en" { format!("Revoked on {day}: {reason}. Do not hand it out.") } else { format!("此证明已于 {day} 作废（{reason}），请勿再交付使用。") }))
    } else if req.caller.has_role("supervisor") {
        let opts: String = cert::REVOKE_REASONS.iter().map(|r| format!("<option value=\"{}\">{}</option>", esc(r.0), esc(t(lang, r.1, r.2)))).collect();
        format!(
            "<form id=\"ac-revoke\" class=\"card ac-noprint\" data-api=\"/api/applications/certificates/{code}/revoke\"><h2>{h}</h2>{reason}{note}<p><button type=\"submit\">{b}</button></p><p class=\"ac-err\" id=\"ac-err\" role=\"alert\"></p></form>",
            code = esc(&c.code),
            h = esc(t(lang, "作废证明（主管）", "Revoke the certificate (supervisors)")),
            reason = field("ac-revoke-reason", t(lang, "作废原因（公开验证时显示）", "Reason (shown by the public check)"), "", &format!("<select id=\"ac-revoke-reason\" name=\"reason\">{opts}</select>")),
            note = field("ac-revoke-note", t(lang, "内部说明（仅工作人员可见）", "Internal note (staff only)"), "", "<textarea id=\"ac-revoke-note\" name=\"note\" rows=\"2\" maxlength=\"500\"></textarea>"),
            b = esc(t(lang, "确认作废", "Revoke")),
        )
    } else {
        String::new()
    };
    let html = format!(
        "{STYLE}{warn}{revoked}<p class=\"ac-noprint\"><button type=\"button\" id=\"ac-print\">{print}</button></p><article class=\"ac-cert\"><h1>{title}</h1><p class=\"body\">{body}</p><p class=\"body\">{special}</p><div class=\"foot\"><div>{qr}<br><small>{check} {code}</small><br><small>{url}</small></div><div class=\"ac-issuer\">{issuer}<br>{day}</div></div></article>{data}{js}",
        print = esc(t(lang, "打印", "Print")),
        title = esc(&c.title_zh),
        body = esc(&cert::sentence(cfg, &item, c)),
        special = esc("特此证明。"),
        qr = linli_sdk::qr::svg(&url, 120),
        check = esc(t(lang, "验证码", "Verification code")),
        code = esc(&c.code),
        url = esc(&url),
        issuer = esc(&c.issuer),
        day = esc(&c.issued_day),
        data = data(&json!({"page": "certificate", "t": texts(lang)})),
        js = scripts(false),
    );
    Ok(Response::page(&c.title_zh, html))
}

/// The public check of a certificate: only what it says, masked; a
/// revoked one says 已作废 with the day and the reason, and nothing of
/// what it certified.
pub fn verify(req: &Request, c: Option<Cert>) -> Result<Response, Fail> {
    let lang = req.lang();
    let row = |k: &str, val: &str| format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(val));
    let body = match c {
        Some(c) if c.revoked != 0 => {
            let v = cert::public_view(&c, lang)?;
            let day = v["revoked_day"].as_str().unwrap_or("");
            format!(
                "<p class=\"ac-err\" id=\"ac-verdict\" data-valid=\"false\">{big}</p><p class=\"ac-reasons\" id=\"ac-revoked\">{when}</p><table>{a}{r}{d}{e}{f}</table>",
                big = esc(t(lang, "此证明已作废，不能作为有效证明使用", "This certificate has been revoked: it is not valid")),
                when = esc(&if lang == "en" { format!("Revoked on {day}.") } else { format!("已于 {day} 作废。") }),
                a = row(t(lang, "证明", "Certificate"), v["title"].as_str().unwrap_or("")),
                r = row(t(lang, "作废原因", "Reason"), v["revoked_reason"].as_str().unwrap_or("")),
                d = row(t(lang, "出具单位", "Issued by"), v["issuer"].as_str().unwrap_or("")),
                e = row(t(lang, "出具日期", "Issued on"), v["issued_day"].as_str().unwrap_or("")),
                f = row(t(lang, "验证码", "Code"), v["code"].as_str().unwrap_or("")),
            )
        }
        Some(c) => {
            let v = cert::public_view(&c, lang)?;
            format!(
                "<p class=\"ac-ok\" id=\"ac-verdict\" data-valid=\"true\">{ok}</p><table>{a}{b}{c}{d}{e}{f}</table>",
                ok = esc(t(lang, "证明有效：由本大厅出具", "Valid: issued by this hall")),
                a = row(t(lang, "证明", "Certificate"), v["title"].as_str().unwrap_or("")),
                b = row(t(lang, "持证人", "Holder"), v["holder"].as_str().unwrap_or("")),
                c = row(t(lang, "用途", "Purpose"), v["purpose"].as_str().unwrap_or("—")),
                d = row(t(lang, "出具单位", "Issued by"), v["issuer"].as_str().unwrap_or("")),
                e = row(t(lang, "出具日期", "Issued on"), v["issued_day"].as_str().unwrap_or("")),
                f = row(t(lang, "验证码", "Code"), v["code"].as_str().unwrap_or("")),
            )
        }
        None => format!("<p class=\"ac-err\" id=\"ac-verdict\">{}</p>", esc(t(lang, "没有这个验证码对应的证明，请核对验证码。", "No certificate has this verification code; check the code."))),
    };
    let html = format!("{STYLE}<section class=\"card\"><h1>{}</h1>{body}<p class=\"ac-help\">{}</p></section>", esc(t(lang, "证明验证", "Certificate check")), esc(t(lang, "为保护个人信息，姓名部分隐去，不显示证件号码和地址。", "To protect personal data the name is partly hidden; no ID number or address is shown.")));
    Ok(Response::page(t(lang, "证明验证", "Certificate check"), html))
}

/// The one case thread: guide → appointment → application → ticket →
/// outcome, each step with who and when (`staff`: the staff page).
pub fn thread(req: &Request, app: &App, v: &serde_json::Value, staff: bool) -> Result<Response, Fail> {
    let lang = req.lang();
    let mut out = String::new();
    for (n, st) in v["stages"].as_array().into_iter().flatten().enumerate() {
        let done = st["done"].as_bool() == Some(true);
        let events: String = st["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let what = esc(e["what"].as_str().unwrap_or(""));
                // Only the plugin's own relative links (the guide's version).
                let what = match e["link"].as_str().filter(|l| l.starts_with("/guides/item/")) {
                    Some(l) => format!("<a href=\"{}\">{what}</a>", esc(l)),
                    None => what,
                };
                format!(
                    "<li><time>{}</time><strong>{what}</strong>{}{}</li>",
                    esc(e["at"].as_str().unwrap_or("")),
                    e["who"].as_str().filter(|w| !w.is_empty()).map(|w| format!(" · <span class=\"ac-who\">{}</span>", esc(w))).unwrap_or_default(),
                    e["detail"].as_str().filter(|d| !d.is_empty()).map(|d| format!(" <span class=\"ac-detail\">— {}</span>", esc(d).replace('\n', "；"))).unwrap_or_default(),
                )
            })
            .collect();
        out.push_str(&format!(
            "<section class=\"card ac-stage\" data-stage=\"{key}\" data-done=\"{done}\"><h2>{n}. {title} <span class=\"ac-st ac-st-{cls}\">{state}</span></h2>{note}<ol class=\"ac-timeline\">{events}</ol></section>",
            key = esc(st["key"].as_str().unwrap_or("")),
            n = n + 1,
            title = esc(st["title"].as_str().unwrap_or("")),
            cls = if done { "done" } else { "pending" },
            state = esc(if done { t(lang, "已完成", "done") } else { t(lang, "未完成", "not yet") }),
            note = st["note"].as_str().filter(|x| !x.is_empty()).map(|x| format!("<p class=\"ac-help\">{}</p>", esc(x))).unwrap_or_default(),
        ));
    }
    let cert = match &v["certificate"] {
        serde_json::Value::Object(c) => {
            let code = c.get("code").and_then(|x| x.as_str()).unwrap_or("");
            let revoked = c.get("revoked").and_then(|x| x.as_bool()) == Some(true);
            format!(
                "<p class=\"{}\">{} <a id=\"ac-verify\" href=\"/verify/{code}\">/verify/{code}</a></p>",
                if revoked { "ac-err" } else { "ac-ok" },
                esc(if revoked { t(lang, "证明已作废。验证：", "The certificate was revoked. Check:") } else { t(lang, "证明验证码：", "Certificate check:") }),
                code = esc(code)
            )
        }
        _ => String::new(),
    };
    let back = if staff {
        format!("<a href=\"/applications/review/{}\">{}</a>", app.id, esc(t(lang, "返回申请审核页", "Back to the application")))
    } else {
        format!("<a href=\"/applications/a/{}\">{}</a>", esc(&app.token), esc(t(lang, "返回申请页面（上传材料）", "Back to the application (uploads)")))
    };
    let who = if staff { format!(" · {}{}", esc(t(lang, "申请人：", "Applicant: ")), esc(v["applicant"].as_str().unwrap_or(""))) } else { String::new() };
    let title = if staff { t(lang, "办事全程", "The whole case") } else { t(lang, "我的办事进度", "My case") };
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>{h}</h1><p><strong>{item}</strong>{who} · <span class=\"ac-st ac-st-{st}\" id=\"ac-status\">{stl}</span></p>{cert}<p class=\"ac-help\">{help}</p><p class=\"ac-noprint\">{back}</p></section><div id=\"ac-thread\">{out}</div>",
        h = esc(title),
        item = esc(&app.item_name),
        st = esc(&app.status),
        stl = esc(v["status_label"].as_str().unwrap_or("")),
        help = esc(t(lang, "办事指南 → 预约 → 预受理 → 取号叫号 → 办理结果，每一步的时间和经办人。", "Guide → booking → pre-acceptance → ticket → outcome: each step with when and who.")),
    );
    Ok(Response::page(&format!("{} · {}", title, app.item_name), html))
}
