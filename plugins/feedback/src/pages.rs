//! The pages, drawn inside the host's shared shell, zh-CN first with the
//! English of the language switch. No inline script: each page's code is a
//! file served under `/feedback/assets/`, and a page hands its texts and
//! data to it in a JSON data block (never run). Everything a resident or
//! staff member typed is escaped where it is drawn (`esc`, or
//! `textContent` in the scripts).

use crate::cases::{self, STATUSES, code_shown, status_name};
use crate::config::{Config, KINDS, kind_name};
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[
    ("submit.js", include_str!("pages/submit.js")),
    ("track.js", include_str!("pages/track.js")),
    ("console.js", include_str!("pages/console.js")),
    ("settings.js", linli_sdk::settings_page::SCRIPT),
    ("upload.js", linli_sdk::files::UPLOAD_SCRIPT),
];

const STYLE: &str = r#"<style>
.fb-help { display: block; color: var(--muted); font-size: .9em; }
.fb-field { margin: 10px 0; }
.fb-field textarea, .fb-field input[type=text], .fb-field input[type=tel], .fb-field select { width: 100%; max-width: 40rem; }
.fb-kinds label { display: inline-block; margin-right: 1.2em; font-size: 1.15rem; }
.fb-code { font-size: 2.4rem; font-weight: 800; letter-spacing: .12em; color: var(--brand); font-family: monospace; }
.fb-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.fb-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.fb-late { color: var(--danger, #b3261e); font-weight: 700; }
.fb-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.fb-filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; }
.fb-counts span { margin-right: 1.2em; }
table.fb-list td { vertical-align: top; }
.fb-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0 16px; }
/* `display: grid` above beats the browser's own rule for `hidden`: without
   this the name and phone fields showed under a ticked “anonymous”. */
.fb-row[hidden] { display: none; }
/* The shell draws every input as a full-width block: a tick box or a
   radio button then sat alone, centred, a line above its words. */
.fb-kinds input, .fb-field input[type=checkbox] { display: inline-block; width: auto; margin: 0 .4em 0 0; vertical-align: middle; }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/feedback/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

/// JSON in a data block (the SDK's `json_block`).
fn data(id: &str, v: &serde_json::Value) -> String {
    linli_sdk::json_block(id, v)
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

/// The form residents send from (the kiosk, a phone, the QR poster's
/// link `/feedback?from=poster`).
pub fn submit(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let kinds: String = KINDS
        .iter()
        .enumerate()
        .map(|(i, (k, zh, en))| format!("<label><input type=\"radio\" name=\"kind\" value=\"{k}\"{}> {}</label>", if i == 0 { " checked" } else { "" }, esc(t(lang, zh, en))))
        .collect();
    let cats: String = cfg.categories.iter().map(|c| format!("<option value=\"{}\">{}</option>", esc(&c.code), esc(c.name(lang)))).collect();
    let from_poster = req.query_param("from").as_deref() == Some("poster");
    let texts = json!({
        "channel": if from_poster { "poster" } else { "" },
        "sent": t(lang, "已提交。请记下您的跟踪码：", "Sent. Keep your tracking code:"),
        "due": t(lang, "答复期限", "Reply due by"),
        "follow": t(lang, "查看办理进度", "Follow it"),
        "photo_ok": t(lang, "照片已附上", "Photo attached"),
    });
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="fb-help">{intro}</p>
<form id="fb-form"><fieldset class="fb-kinds"><legend>{kind_l}</legend>{kinds}</fieldset>
<div class="fb-field"><label for="fb-category">{cat_l}</label><select id="fb-category" name="category">{cats}</select></div>
<div class="fb-field"><label for="fb-text">{text_l}</label><textarea id="fb-text" name="text" rows="6" maxlength="{max}" required></textarea><span class="fb-help">{text_h}</span></div>
<div class="fb-field"><label><input type="checkbox" id="fb-anon" name="anonymous" checked> {anon_l}</label><span class="fb-help">{anon_h}</span></div>
<div id="fb-contact" class="fb-row" hidden><div class="fb-field"><label for="fb-name">{name_l}</label><input type="text" id="fb-name" name="name" maxlength="20" autocomplete="name"></div>
<div class="fb-field"><label for="fb-phone">{phone_l}</label><input type="tel" id="fb-phone" name="phone" autocomplete="tel"><span class="fb-help">{phone_h}</span></div></div>
<input type="hidden" id="fb-photo-id" name="photo"></form>
<form id="fb-photo" data-linli-upload method="post" action="/api/feedback/photo"><div class="fb-field"><label for="fb-file">{photo_l}</label><input type="file" id="fb-file" accept="image/jpeg,image/png,image/webp,image/heic"> <button type="submit">{upload}</button> <progress max="100" value="0"></progress> <span data-status role="status"></span><span class="fb-help">{photo_h}</span></div></form>
<p><button class="primary" type="submit" form="fb-form" id="fb-send">{send}</button></p><p class="fb-err" id="fb-err" role="alert"></p>
<div id="fb-done" hidden aria-live="polite"><p id="fb-done-text"></p><p class="fb-code" id="fb-code"></p><p id="fb-due"></p><p><a id="fb-follow" href="/feedback/track">{follow}</a></p></div></section>{data}{upload_js}{script}"#,
        title = tr("意见箱", "Feedback"),
        intro = tr(
            "欢迎提出建议、投诉或表扬。提交后会得到一个跟踪码，凭它查看办理进度和答复；不满意可申请重新办理一次。",
            "Send a suggestion, a complaint or praise. You get a tracking code to follow it and read the reply; if you are not satisfied you may reopen it once."
        ),
        kind_l = tr("类型", "Kind"),
        cat_l = tr("类别", "Category"),
        text_l = tr("内容", "What happened, or what you suggest"),
        max = cases::MAX_TEXT,
        text_h = tr("最多 2000 字。请写清时间、窗口或事项，便于核实。", "At most 2000 characters. Say when, which window or which service, so it can be checked."),
        anon_l = tr("匿名提交", "Send anonymously"),
        anon_h = tr("匿名时不留姓名和电话，只能凭跟踪码查看答复。", "Anonymous messages carry no name or phone; read the reply with the tracking code."),
        name_l = tr("姓名", "Name"),
        phone_l = tr("手机号码（选填）", "Mobile phone (optional)"),
        phone_h = tr("答复后会发短信提醒您。", "You get a text message when it is answered."),
        photo_l = tr("照片（选填）", "Photo (optional)"),
        upload = tr("上传照片", "Upload photo"),
        photo_h = tr("JPEG、PNG、WebP 或 HEIC 图片，最大 5 MB；先上传再提交。", "A JPEG, PNG, WebP or HEIC picture of at most 5 MB; upload it before sending."),
        send = tr("提交", "Send"),
        follow = tr("查看办理进度", "Follow it"),
        data = data("fb-data", &texts),
        upload_js = script("upload"),
        script = script("submit"),
    );
    Ok(Response::page(t(lang, "意见箱", "Feedback"), html))
}

/// The tracking page: the code (from the slip's link or typed), then the
/// case as its resident sees it, with accept and reopen.
pub fn track(req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let code = req.query_param("code").unwrap_or_default().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect::<String>();
    let texts = json!({
        "kind": t(lang, "类型", "Kind"),
        "category": t(lang, "类别", "Category"),
        "status": t(lang, "状态", "Status"),
        "sent": t(lang, "提交时间", "Sent"),
        "due": t(lang, "答复期限", "Reply due by"),
        "overdue": t(lang, "已超期", "overdue"),
        "text": t(lang, "您的意见", "Your message"),
        "reply": t(lang, "答复", "Reply"),
        "steps": t(lang, "办理过程", "Steps"),
        "accept": t(lang, "满意，办结", "Satisfied: close it"),
        "reopen": t(lang, "不满意，重新办理", "Not satisfied: reopen"),
        "reason": t(lang, "不满意的原因（必填）", "Why you are not satisfied (required)"),
        "once": t(lang, "每件意见只能重新办理一次。", "A case can be reopened only once."),
        "reopen_used": t(lang, "您已申请过一次重新办理，不能再次申请；如仍不满意，请到大厅服务台或拨打监督电话。", "You have already reopened this case once and cannot reopen it again; if you are still not satisfied, ask at the hall's service desk or call the supervision line."),
        "accepted": t(lang, "您已认可答复，意见已办结。", "You accepted the reply; the case is closed."),
    });
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="fb-help">{intro}</p><form id="fb-track"><div class="fb-field"><label for="fb-code-in">{code_l}</label><input type="text" id="fb-code-in" value="{code}" autocomplete="off" required style="font-size:1.4rem;max-width:16rem"></div><p><button class="primary" type="submit">{find}</button></p></form><p class="fb-err" id="fb-err" role="alert"></p><div id="fb-case" aria-live="polite"></div></section>{data}{script}"#,
        title = tr("查询意见办理", "Follow my feedback"),
        intro = tr("输入提交时得到的跟踪码（10 位字母和数字，不含 0、O、1、I）。", "Enter the tracking code you got when you sent it (10 letters and digits, never 0, O, 1 or I)."),
        code_l = tr("跟踪码", "Tracking code"),
        code = esc(&code),
        find = tr("查询", "Find"),
        data = data("fb-data", &texts),
        script = script("track"),
    );
    Ok(Response::page(t(lang, "查询意见办理", "Follow my feedback"), html))
}

/// A poster to print and hang in the hall: a QR code that opens the form
/// on a resident's phone (`/feedback?from=poster`, counted as the poster's).
pub fn poster(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    // The feedback's own override, else the hall's address (大厅信息).
    let base = linli_sdk::hall::public_url_or(&cfg.public_url);
    let base = if base.is_empty() {
        // The address this page was opened at (only a plain host name or address).
        let host = req.header("host").unwrap_or("").to_owned();
        if !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) { format!("http://{host}") } else { String::new() }
    } else {
        base
    };
    let link = format!("{base}/feedback?from=poster");
    let qr = if base.is_empty() { String::new() } else { linli_sdk::qr::svg(&link, 320) };
    let html = format!(
        r#"<style>@media print {{ header, nav, .fb-noprint {{ display: none !important; }} }} .fb-poster {{ text-align: center; }} .fb-poster h1 {{ font-size: 3rem; }} .fb-poster p {{ font-size: 1.4rem; }}</style><section class="card fb-poster"><h1>{title}</h1><p>{lead}</p>{qr}<p>{link_l} <code>{link}</code></p><p>{after}</p></section><p class="fb-noprint fb-help">{help}</p>"#,
        title = tr("意见箱", "Feedback box"),
        lead = tr("扫码提建议、投诉或表扬，可匿名", "Scan to send a suggestion, a complaint or praise — anonymously if you like"),
        link_l = tr("或在手机浏览器打开：", "or open on your phone:"),
        link = esc(&link),
        after = tr("提交后凭跟踪码查看办理进度和答复", "Follow it and read the reply with your tracking code"),
        help = tr("用浏览器的打印功能打印本页（打印时不显示导航）。二维码地址是“系统管理 → 大厅信息”中的对外地址（“意见箱设置”的“大厅网址”填写时以它为准）；都未设置时用打开本页的地址。", "Print this page with the browser's print command (the navigation is not printed). The address in the QR code is the hall's public address from Administration → Hall settings (the hall address in the feedback settings, when filled in, takes precedence), or this page's address when neither is set."),
    );
    Ok(Response::page(t(lang, "意见箱二维码海报", "Feedback QR poster"), html))
}

/// The published replies (personal details masked, confirmed by staff).
pub fn replies(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let list = cases::public_list(cfg, lang, 100)?;
    let items: String = if list.is_empty() {
        format!("<p>{}</p>", tr("暂无公开的答复。", "No published replies yet."))
    } else {
        list.iter()
            .map(|r| {
                let s = |k: &str| esc(r[k].as_str().unwrap_or(""));
                format!(
                    r#"<article class="card"><p class="fb-help">{} · {} · {}</p><h3>{}</h3><p class="fb-text">{}</p><h3>{}</h3><p class="fb-text">{}</p></article>"#,
                    s("kind"),
                    s("category"),
                    s("published"),
                    tr("居民意见", "The message"),
                    s("question"),
                    tr("答复", "Reply"),
                    s("answer")
                )
            })
            .collect()
    };
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="fb-help">{intro}</p></section>{items}"#,
        title = tr("意见答复公开", "Published replies"),
        intro = tr("以下答复经工作人员核对后公开，已隐去电话、身份证号和姓名等个人信息。", "These replies were checked by staff before publishing; phone numbers, ID numbers and names are removed."),
    );
    Ok(Response::page(t(lang, "意见答复公开", "Published replies"), html))
}

fn select(name: &str, label: &str, all: &str, options: &[(String, String)], current: Option<&str>) -> String {
    let opts: String = options
        .iter()
        .map(|(v, l)| format!("<option value=\"{}\"{}>{}</option>", esc(v), if current == Some(v.as_str()) { " selected" } else { "" }, esc(l)))
        .collect();
    format!(r#"<div class="fb-field"><label for="fb-f-{name}">{}</label><br><select id="fb-f-{name}" name="{name}"><option value="">{}</option>{opts}</select></div>"#, esc(label), esc(all))
}

/// The staff console: counts, filters (a plain GET form), the list newest
/// first, and the next page by keyset.
pub fn console(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let f = cases::Filter::parse(req, cfg)?;
    let (rows, next) = cases::list(&f, &req.caller, now)?;
    let counts = cases::counts(now)?;
    let count = |k: &str| counts[k].as_i64().unwrap_or(0);
    let bar: String = STATUSES.iter().map(|(s, _, _)| format!("<span>{} <b>{}</b></span>", esc(status_name(s, lang)), count(s))).collect::<String>()
        + &format!("<span class=\"fb-late\">{} <b>{}</b></span>", tr("超期", "Overdue"), count("overdue"));
    let mut statuses: Vec<(String, String)> = vec![("open".into(), t(lang, "待处理（未答复）", "Waiting for staff").into())];
    statuses.extend(STATUSES.iter().map(|(s, _, _)| (s.to_string(), status_name(s, lang).to_string())));
    let kinds: Vec<(String, String)> = KINDS.iter().map(|(k, _, _)| (k.to_string(), kind_name(k, lang).to_string())).collect();
    let cats: Vec<(String, String)> = cfg.categories.iter().map(|c| (c.code.clone(), c.name(lang).to_string())).collect();
    let all = t(lang, "全部", "All");
    let filters = format!(
        r#"<form method="get" action="/feedback/console" class="fb-filters">{}{}{}<div class="fb-field"><label for="fb-f-from">{from_l}</label><br><input type="date" id="fb-f-from" name="from" value="{from}"></div><div class="fb-field"><label for="fb-f-to">{to_l}</label><br><input type="date" id="fb-f-to" name="to" value="{to}"></div><div class="fb-field"><label for="fb-f-q">{q_l}</label><br><input type="text" id="fb-f-q" name="q" maxlength="50" value="{q}"></div><div class="fb-field"><label><input type="checkbox" name="overdue" value="1"{overdue}> {overdue_l}</label><br><label><input type="checkbox" name="mine" value="1"{mine}> {mine_l}</label></div><div class="fb-field"><button type="submit" class="primary">{go}</button> <a href="/feedback/console">{clear}</a></div></form>"#,
        select("status", t(lang, "状态", "Status"), all, &statuses, f.status.as_deref()),
        select("kind", t(lang, "类型", "Kind"), all, &kinds, f.kind.as_deref()),
        select("category", t(lang, "类别", "Category"), all, &cats, f.category.as_deref()),
        from_l = tr("提交日期从", "Sent from"),
        from = esc(f.from.as_deref().unwrap_or("")),
        to_l = tr("至", "to"),
        to = esc(f.to.as_deref().unwrap_or("")),
        q_l = tr("关键词", "Words"),
        q = esc(f.q.as_deref().unwrap_or("")),
        overdue = if f.overdue { " checked" } else { "" },
        overdue_l = tr("只看超期", "Overdue only"),
        mine = if f.mine { " checked" } else { "" },
        mine_l = tr("只看分派给我的", "Assigned to me"),
        go = tr("筛选", "Filter"),
        clear = tr("清除条件", "Clear"),
    );
    let body: String = rows
        .iter()
        .map(|r| {
            let who = if r.anonymous { t(lang, "匿名", "anonymous").to_string() } else { r.name.as_deref().map(mask::name).unwrap_or_default() };
            let preview: String = r.body.chars().take(80).collect();
            let late = r.open_due.is_some_and(|d| d < now);
            format!(
                r#"<tr><td><a href="/feedback/console/{id}">{id}</a></td><td>{kind}</td><td>{cat}</td><td class="fb-text">{text}</td><td>{who}</td><td>{status}{reopened}</td><td{late_cls}>{due}{late}</td><td>{assignee}</td><td>{sent}</td></tr>"#,
                id = r.id,
                kind = esc(kind_name(&r.kind, lang)),
                cat = esc(&cfg.category_name(&r.category, lang)),
                text = esc(&preview),
                who = esc(&who),
                status = esc(status_name(&r.status, lang)),
                reopened = if r.reopened { format!(" · {}", tr("重办", "reopened")) } else { String::new() },
                late_cls = if late { " class=\"fb-late\"" } else { "" },
                due = esc(&r.due_day),
                late = if late { format!(" {}", tr("超期", "overdue")) } else { String::new() },
                assignee = esc(r.assignee_name.as_deref().unwrap_or("")),
                sent = esc(&clock::format_local(r.created_at)),
            )
        })
        .collect();
    let empty = if rows.is_empty() { format!("<p>{}</p>", tr("没有符合条件的意见。", "Nothing matches these filters.")) } else { String::new() };
    let more = match next {
        Some(n) => format!("<p><a href=\"/feedback/console?{}\">{}</a></p>", esc(&f.query(Some(n))), tr("下一页", "Next page")),
        None => String::new(),
    };
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="fb-counts">{bar}</p><p><a href="/feedback/console?status=open">{open}</a> · <a href="/feedback/console?overdue=1">{late}</a> · <a href="/feedback/console?mine=1">{mine}</a></p>{filters}</section>
<section class="card"><table class="fb-list"><thead><tr><th>{h_id}</th><th>{h_kind}</th><th>{h_cat}</th><th>{h_text}</th><th>{h_who}</th><th>{h_status}</th><th>{h_due}</th><th>{h_assignee}</th><th>{h_sent}</th></tr></thead><tbody>{body}</tbody></table>{empty}{more}</section>"#,
        title = tr("意见处理", "Feedback console"),
        open = tr("待处理", "Waiting"),
        late = tr("超期未答复", "Overdue"),
        mine = tr("分派给我的", "Mine"),
        h_id = tr("编号", "No."),
        h_kind = tr("类型", "Kind"),
        h_cat = tr("类别", "Category"),
        h_text = tr("内容", "Text"),
        h_who = tr("提交人", "From"),
        h_status = tr("状态", "Status"),
        h_due = tr("答复期限", "Due"),
        h_assignee = tr("办理人", "Assigned to"),
        h_sent = tr("提交时间", "Sent"),
    );
    Ok(Response::page(t(lang, "意见处理", "Feedback console"), html))
}

/// One case for staff: what was sent, the steps, and the actions the
/// caller may take (the buttons post to the API through `console.js`).
pub fn case(cfg: &Config, req: &Request, id: i64, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let c = cases::get(id)?;
    let v = cases::staff_view(cfg, &c, lang, now)?;
    let s = |k: &str| esc(v[k].as_str().unwrap_or(""));
    let supervisor = req.caller.has_role("supervisor");
    let who = if c.anonymous {
        tr("匿名", "Anonymous")
    } else {
        format!("{} {}", esc(c.name.as_deref().unwrap_or("")), esc(v["phone"].as_str().unwrap_or("")))
    };
    let steps: String = v["steps"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|st| {
                    let g = |k: &str| esc(st[k].as_str().unwrap_or(""));
                    format!("<li>{} {} {} <span class=\"fb-text\">{}</span></li>", g("at"), g("name"), g("by"), g("note"))
                })
                .collect()
        })
        .unwrap_or_default();
    let photo = if c.photo.is_some() { format!("<p><a href=\"/api/feedback/cases/{id}/photo\">{}</a></p>", tr("查看照片", "View the photo")) } else { String::new() };
    let base = format!("/api/feedback/cases/{id}");
    let mut actions = String::new();
    if c.is_open() && supervisor {
        actions += &format!(
            r#"<form data-api="{base}/assign" class="card"><h3>{h}</h3><div class="fb-row"><div class="fb-field"><label for="fb-a-id">{id_l}</label><input type="text" id="fb-a-id" name="staff_id" required maxlength="40"><span class="fb-help">{id_h}</span></div><div class="fb-field"><label for="fb-a-name">{name_l}</label><input type="text" id="fb-a-name" name="staff_name" maxlength="40"></div></div><button type="submit">{go}</button></form>"#,
            h = tr("分派", "Assign"),
            id_l = tr("工作人员账号编号", "Staff account number"),
            id_h = tr("在“工作人员”页可以查到；分派后会通知该工作人员。", "Shown on the Staff page; the member is told at once."),
            name_l = tr("工作人员姓名", "Staff member's name"),
            go = tr("分派", "Assign"),
        );
    }
    if c.is_open() {
        if c.status != "in_hand" {
            actions += &format!(r#"<form data-api="{base}/start" class="card"><button type="submit">{}</button></form>"#, tr("开始办理", "Take in hand"));
        }
        actions += &format!(
            r#"<form data-api="{base}/reply" class="card"><h3>{h}</h3><div class="fb-field"><label for="fb-r-text">{l}</label><textarea id="fb-r-text" name="text" rows="5" maxlength="2000" required></textarea><span class="fb-help">{help}</span></div><button type="submit" class="primary">{go}</button></form>"#,
            h = tr("答复居民", "Reply to the resident"),
            l = tr("答复内容", "Reply"),
            help = tr("居民凭跟踪码查看；留了手机号的会收到短信提醒。", "The resident reads it with the tracking code; one who left a phone gets a text message."),
            go = tr("提交答复", "Send reply"),
        );
    }
    if c.status != "closed" && supervisor {
        actions += &format!(
            r#"<form data-api="{base}/close" class="card"><h3>{h}</h3><div class="fb-field"><label for="fb-c-note">{l}</label><input type="text" id="fb-c-note" name="note" maxlength="500"></div><button type="submit" data-confirm="{confirm}">{go}</button></form>"#,
            h = tr("办结", "Close"),
            l = tr("办结说明（选填）", "Note (optional)"),
            confirm = tr("确定办结吗？办结后居民不能再重新办理。", "Close it? The resident can no longer reopen it."),
            go = tr("办结", "Close"),
        );
    }
    if c.reply.is_some() && supervisor && cfg.public_replies {
        actions += &format!(
            r#"<form data-api="{base}/publish" data-preview="{base}/publish/preview" class="card"><h3>{h}</h3><p class="fb-help">{help}</p><p><button type="button" data-load-preview>{load}</button></p><div class="fb-field"><label for="fb-p-q">{q}</label><textarea id="fb-p-q" name="question" rows="4" required></textarea></div><div class="fb-field"><label for="fb-p-a">{a}</label><textarea id="fb-p-a" name="answer" rows="4" required></textarea></div><div class="fb-field"><label><input type="checkbox" name="confirm"> {confirm}</label></div><button type="submit">{go}</button></form>"#,
            h = tr("公开答复", "Publish the reply"),
            help = tr("先生成已隐去电话、身份证号和居民姓名的文字，逐字核对（可修改）后勾选确认再公开。", "First make the text with phone numbers, ID numbers and the resident's name removed, read it (you may edit it), tick to confirm, then publish."),
            load = tr("生成隐去个人信息的文字", "Make the masked text"),
            q = tr("公开的意见内容", "Published message"),
            a = tr("公开的答复", "Published reply"),
            confirm = tr("我已核对，内容中没有个人信息", "I have checked it: no personal details remain"),
            go = tr("公开", "Publish"),
        );
    }
    let html = format!(
        r#"{STYLE}<section class="card"><p><a href="/feedback/console">{back}</a></p><h1>{title} {id}</h1>
<p>{kind} · {cat} · {status}{late}</p><p class="fb-help">{sent_l} {sent} · {due_l} {due} · {from_l} {who} · {code_l} {code}</p>
<h3>{text_l}</h3><p class="fb-text">{text}</p>{photo}{reply}{reopen}<h3>{steps_l}</h3><ol>{steps}</ol></section>{actions}<p class="fb-err" id="fb-err" role="alert"></p>{data}{script}"#,
        back = tr("返回列表", "Back to the list"),
        title = tr("意见", "Feedback"),
        kind = s("kind_name"),
        cat = s("category_name"),
        status = s("status_name"),
        late = if c.overdue(now) { format!(" · <span class=\"fb-late\">{}</span>", tr("已超期", "overdue")) } else { String::new() },
        sent_l = tr("提交", "Sent"),
        sent = s("sent"),
        due_l = tr("答复期限", "due"),
        due = s("due_day"),
        from_l = tr("提交人", "from"),
        code_l = tr("跟踪码", "code"),
        code = esc(&code_shown(&c.code)),
        text_l = tr("居民意见", "The message"),
        text = esc(&c.body),
        reply = c.reply.as_deref().map(|r| format!("<h3>{}</h3><p class=\"fb-text\">{}</p>", tr("答复", "Reply"), esc(r))).unwrap_or_default(),
        reopen = c.reopen_reason.as_deref().map(|r| format!("<h3>{}</h3><p class=\"fb-text\">{}</p>", tr("居民要求重新办理的原因", "Why the resident reopened it"), esc(r))).unwrap_or_default(),
        steps_l = tr("办理过程", "Steps"),
        data = data("fb-data", &json!({"done": t(lang, "已保存", "Saved")})),
        script = script("console"),
    );
    Ok(Response::page(t(lang, "意见处理", "Feedback console"), html))
}

/// The settings form (linli_sdk::settings_page): every field with a label
/// and a line explaining it, each problem beside its field; never raw JSON.
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, List, body_titled};
    let lang = req.lang();
    let categories = List::new("categories", "类别", "Categories")
        .buttons("添加类别", "Add a category", "删除此类别", "Remove this category")
        .field(Field::text("code", "类别编号", "Category code", "小写字母、数字或短横线，如 attitude；统计和筛选用它，已用过的编号不要改。", "Lower-case letters, digits or dashes, e.g. attitude; statistics and filters use it, so keep codes already in use."))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "居民在意见箱看到的名称。", "The name residents see on the form."))
        .field(Field::text("name_en", "英文名称", "English name", "英文界面显示的名称。", "The name on the English pages."));
    let fields = [
        Field::number("deadlines.complaint", "投诉答复时限（工作日）", "Complaint reply deadline (working days)", "从居民提交当天起算的工作日数（周末、节假日不算，调休上班日算），1 至 60。", "Working days from the day it was sent (weekends and holidays skipped, make-up days counted), 1 to 60."),
        Field::number("deadlines.suggestion", "建议答复时限（工作日）", "Suggestion reply deadline (working days)", "同上，适用于建议。", "The same, for suggestions."),
        Field::number("deadlines.praise", "表扬答复时限（工作日）", "Praise reply deadline (working days)", "同上，适用于表扬。", "The same, for praise."),
        Field::number("reopen_days", "重新办理时限（工作日）", "Deadline after reopening (working days)", "居民不满意申请重新办理后，从当天起算的答复时限。", "The new deadline, from the day a resident reopens a case."),
        Field::number("answer_days", "居民确认期限（工作日）", "Time for the resident to answer (working days)", "答复后居民在这些工作日内可以确认或重新办理；过期自动办结。", "After the reply the resident may accept or reopen it within these working days; then it closes by itself."),
        Field::checkbox("public_replies", "允许公开答复", "Allow published replies", "主管可在隐去个人信息并核对后，把答复公开到“意见答复公开”页。", "A supervisor may publish a reply on the public page after removing personal details and checking it."),
        Field::text("public_url", "大厅网址（二维码海报）", "Hall address (QR poster)", "居民手机能打开的大厅地址，如 http://192.168.1.10:8080；二维码海报指向它。通常留空：用“系统管理 → 大厅信息”中的对外地址；都未设置时用打开海报页时的地址。", "The hall address residents' phones can open, e.g. http://192.168.1.10:8080; the QR poster points there. Usually empty: the hall's public address from Administration → Hall settings; when neither is set, the address the poster page was opened at."),
        Field::checkbox("notify_residents", "短信通知实名居民", "Text named residents", "留了手机号的居民在受理和答复时收到短信。", "Residents who left a phone get a message when it is received and when it is answered."),
    ];
    let src = format!("/feedback/assets/settings.js?v={}", env!("CARGO_PKG_VERSION"));
    let form = body_titled(lang, "/api/feedback/config", &src, Config::from_json, &[categories], ("时限与答复", "Deadlines and replies"), &fields)?;
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="fb-help">{intro}</p></section>{form}"#,
        title = esc(t(lang, "意见箱设置", "Feedback settings")),
        intro = esc(t(
            lang,
            "默认值来自插件和 data/linli.toml 的 [plugins.feedback.config]；这里保存的修改优先，保存前逐项检查，保存后立即生效（已提交的意见保留原来的期限）。",
            "Defaults come from the plugin and [plugins.feedback.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once (feedback already sent keeps its deadline)."
        )),
    );
    Ok(Response::page(t(lang, "意见箱设置", "Feedback settings"), html))
}
