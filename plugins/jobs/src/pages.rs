//! The pages, drawn inside the host's shell, zh-CN first with English on
//! the language switch. No inline script: the code is in files under
//! `/jobs/assets/`, each page's texts and data in a JSON block. Everything
//! typed by staff is escaped where it is drawn; the contact is never on
//! these pages until a resident registers interest (then the script shows
//! what the API answered).

use crate::config::Config;
use crate::postings::{self, Posting, UNITS};
use linli_sdk::prelude::*;
use serde_json::json;

const ASSETS: &[(&str, &str)] = &[("board.js", include_str!("pages/board.js")), ("staff.js", include_str!("pages/staff.js")), ("settings.js", linli_sdk::settings_page::SCRIPT)];

const STYLE: &str = r#"<style>
.jb-help { display: block; color: var(--muted); font-size: .9em; }
.jb-search { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.jb-search input[type=search] { flex: 1 1 14rem; }
.jb-cats { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0; }
.jb-cats a { padding: 6px 12px; border-radius: 16px; border: 1px solid var(--line, #ccd); text-decoration: none; }
.jb-cats a.on { background: var(--brand); color: #fff; }
.jb-list { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 12px; }
.jb-post h2 { margin: 0 0 6px; font-size: 1.25rem; }
.jb-pay { color: var(--brand); font-weight: 800; font-size: 1.15rem; }
.jb-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.jb-field { margin: 10px 0; }
.jb-field input, .jb-field select, .jb-field textarea { width: 100%; max-width: 32rem; }
.jb-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0 16px; }
.jb-err { color: var(--danger, #b3261e); font-weight: 700; min-height: 1.2em; }
.jb-ok { color: var(--ok, #2e7d32); font-weight: 700; }
.jb-contact { font-size: 1.5rem; font-weight: 800; }
.jb-kiosk { font-size: 1.3rem; }
.jb-kiosk button, .jb-kiosk .jb-cats a, .jb-kiosk input { min-height: 64px; font-size: 1.3rem; }
.jb-kiosk .jb-post h2 { font-size: 1.6rem; }
table.jb-table td { vertical-align: top; }
</style>"#;

fn script(name: &str) -> String {
    format!("<script src=\"/jobs/assets/{name}.js?v={}\"></script>", env!("CARGO_PKG_VERSION"))
}

pub fn asset(req: &Request) -> Response {
    Response::script_from(req, ASSETS)
}

fn lang_q(lang: &str) -> &'static str {
    if lang == "en" { "&lang=en" } else { "" }
}

/// One posting as residents see it (no contact).
fn card(cfg: &Config, p: &Posting, lang: &str, base: &str, detail: bool) -> String {
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let reqs = if detail && !p.requirements.is_empty() { format!("<p><b>{}</b></p><p class=\"jb-text\">{}</p>", tr("岗位要求", "Requirements"), esc(&p.requirements)) } else { String::new() };
    let more = if detail { String::new() } else { format!("<p><a class=\"button\" href=\"{base}?id={}{}\">{}</a></p>", p.id, lang_q(lang), tr("查看详情并登记意向", "Details and register interest")) };
    format!(
        "<article class=\"card jb-post\" data-posting=\"{id}\"><h2>{title}</h2><p>{employer} · {cat}</p><p class=\"jb-pay\">{pay}</p><p>{place_l}：{place}<br>{hours_l}：{hours}<br>{until_l}：{until}</p>{reqs}{more}</article>",
        id = p.id,
        title = esc(&p.title),
        employer = esc(&p.employer),
        cat = esc(&cfg.category_name(&p.category, lang)),
        pay = esc(&postings::pay_text(p, lang)),
        place_l = tr("地点", "Place"),
        place = esc(&p.place),
        hours_l = tr("时间", "Hours"),
        hours = esc(&p.hours),
        until_l = tr("截止", "Closes"),
        until = esc(&p.expires_day),
    )
}

/// The residents' board (phone, or the kiosk with big touch targets):
/// search and categories, the live postings; `?id=` one posting with the
/// interest form.
pub fn board(cfg: &Config, req: &Request, kiosk: bool, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let base = if kiosk { "/jobs/kiosk" } else { "/jobs" };
    let title = t(lang, "就业信息", "Jobs");
    let wrap = if kiosk { "jb-kiosk" } else { "jb-phone" };
    if let Some(id) = req.query_param("id") {
        let id = id.parse::<i64>().unwrap_or(0);
        let body = match postings::get_live(id, now) {
            Ok(p) => format!(
                r#"{card}<section class="card" id="jb-interest-box"><h2>{reg}</h2><p class="jb-help">{reg_h}</p><form id="jb-interest" data-posting="{id}"><div class="jb-row"><div class="jb-field"><label for="jb-phone">{phone_l}</label><input type="tel" id="jb-phone" autocomplete="tel" required maxlength="40"></div><div class="jb-field"><label for="jb-name">{name_l}</label><input type="text" id="jb-name" maxlength="20" autocomplete="name"></div></div><p><button class="primary" type="submit">{send}</button></p></form><p class="jb-err" id="jb-err" role="alert"></p><div id="jb-done" hidden aria-live="polite"><p class="jb-ok" id="jb-done-text"></p><p>{contact_l}</p><p class="jb-contact" id="jb-contact"></p></div></section>"#,
                card = card(cfg, &p, lang, base, true),
                reg = tr("登记意向，获取联系方式", "Register interest to get the contact"),
                reg_h = tr("留下手机号码后即可看到用人单位的联系方式；工作人员也可能打电话联系您。同一号码对同一岗位只登记一次。", "Leave your phone to see the employer's contact; staff may also call you. One phone registers once per posting."),
                phone_l = tr("手机号码", "Mobile phone"),
                name_l = tr("称呼（选填）", "Name (optional)"),
                send = tr("登记意向", "Register interest"),
                contact_l = tr("联系方式：", "Contact:"),
            ),
            Err(Fail::User(_, _, zh, en)) => format!("<section class=\"card\"><p class=\"jb-err\">{}</p></section>", esc(t(lang, &zh, &en))),
            Err(e) => return Err(e),
        };
        let html = format!(
            r#"{STYLE}<div class="{wrap}"><p><a href="{base}{lq}">← {back}</a></p>{body}</div>{data}{script}"#,
            lq = if lang == "en" { "?lang=en" } else { "" },
            back = tr("返回全部岗位", "All postings"),
            data = linli_sdk::json_block("jb-data", &json!({"done": t(lang, "已登记意向。", "Interest registered."), "again": t(lang, "您之前已登记过此岗位。", "You had already registered for this posting."), "kiosk": kiosk, "home": base})),
            script = script("board"),
        );
        return Ok(Response::page(title, html));
    }
    let q: String = req.query_param("q").unwrap_or_default().chars().take(100).collect();
    let cat = req.query_param("category").unwrap_or_default();
    let cat = if cfg.category(&cat).is_some() { cat } else { String::new() };
    let list = postings::live(cfg, &q, &cat, now)?;
    let lq = lang_q(lang);
    let qq = if q.is_empty() { String::new() } else { format!("&q={}", url_encode(&q)) };
    let mut cats = format!("<a href=\"{base}?category={qq}{lq}\" class=\"{}\">{}</a>", if cat.is_empty() { "on" } else { "" }, tr("全部", "All"));
    for c in &cfg.categories {
        cats.push_str(&format!("<a href=\"{base}?category={}{qq}{lq}\" class=\"{}\">{}</a>", esc(&c.code), if cat == c.code { "on" } else { "" }, esc(c.name(lang))));
    }
    let cards: String = list.iter().map(|p| card(cfg, p, lang, base, false)).collect();
    let empty = if list.is_empty() { format!("<p class=\"card\">{}</p>", tr("暂时没有符合条件的招聘信息。", "No postings match right now.")) } else { String::new() };
    let html = format!(
        r#"{STYLE}<div class="{wrap}"><section class="card"><h1>{h1}</h1><p class="jb-help">{intro}</p><form class="jb-search" method="get" action="{base}"><input type="hidden" name="category" value="{cat_v}">{lang_in}<input type="search" name="q" value="{q_v}" placeholder="{ph}" aria-label="{ph}" maxlength="100"><button type="submit">{find}</button></form><nav class="jb-cats" aria-label="{cats_l}">{cats}</nav><p>{count}</p></section><div class="jb-list">{cards}</div>{empty}</div>"#,
        h1 = tr("就业信息", "Jobs"),
        intro = tr("以下岗位由社区工作人员核实后发布。看中的岗位请点“查看详情并登记意向”，留下手机号即可看到联系方式。", "These postings were checked by community staff. Open one and leave your phone to see the employer's contact."),
        cat_v = esc(&cat),
        lang_in = if lang == "en" { "<input type=\"hidden\" name=\"lang\" value=\"en\">" } else { "" },
        q_v = esc(&q),
        ph = tr("搜索岗位、单位、地点，如：保洁 朝阳", "Search title, employer, place"),
        find = tr("搜索", "Search"),
        cats_l = tr("类别", "Categories"),
        count = esc(&if lang == "en" { format!("{} postings", list.len()) } else { format!("共 {} 个岗位", list.len()) }),
    );
    Ok(Response::page(title, html))
}

fn url_encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// The staff page: enter a posting, review others' postings, take one
/// down, see who is interested.
pub fn staff(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tr = |zh: &str, en: &str| esc(t(lang, zh, en));
    let cats: String = cfg.categories.iter().map(|c| format!("<option value=\"{}\">{}</option>", esc(&c.code), esc(c.name(lang)))).collect();
    let units: String = UNITS.iter().map(|u| format!("<option value=\"{}\">{}</option>", u.0, esc(t(lang, u.1, u.2)))).collect();
    let list = postings::all(now)?;
    let mut rows = String::new();
    for p in &list {
        let v = postings::staff_json(cfg, p, lang, now, &req.caller)?;
        let st = v["status"].as_str().unwrap_or("");
        let own = v["own"].as_bool().unwrap_or(false);
        let mut actions = String::new();
        if st == "pending" {
            if own {
                actions.push_str(&format!("<span class=\"jb-help\">{}</span>", tr("等待另一位工作人员审核", "Waiting for another staff member")));
            } else {
                actions.push_str(&format!("<button type=\"button\" class=\"primary\" data-act=\"approve\" data-id=\"{}\">{}</button> <button type=\"button\" data-act=\"reject\" data-id=\"{}\">{}</button>", p.id, tr("审核通过并发布", "Approve and publish"), p.id, tr("退回", "Send back")));
            }
        }
        if st == "pending" || st == "live" {
            actions.push_str(&format!(" <button type=\"button\" data-act=\"close\" data-id=\"{}\">{}</button>", p.id, tr("下架", "Take down")));
        }
        actions.push_str(&format!(" <button type=\"button\" data-act=\"interests\" data-id=\"{}\">{} ({})</button>", p.id, tr("意向居民", "Interested residents"), v["interested"]));
        rows.push_str(&format!(
            "<tr data-row=\"{id}\"><td>{id}</td><td><b>{title}</b><br>{employer} · {cat}<br>{pay} · {place} · {hours}<br><span class=\"jb-help\">{contact_l}：{contact}</span></td><td>{status}<br><span class=\"jb-help\">{by_l}：{by}{rev}</span></td><td>{until}</td><td>{actions}</td></tr>",
            id = p.id,
            title = esc(&p.title),
            employer = esc(&p.employer),
            cat = esc(&cfg.category_name(&p.category, lang)),
            pay = esc(&postings::pay_text(p, lang)),
            place = esc(&p.place),
            hours = esc(&p.hours),
            contact_l = tr("联系方式", "Contact"),
            contact = esc(&p.contact),
            status = esc(postings::status_name(st, lang)),
            by_l = tr("录入", "Entered by"),
            by = esc(&p.created_by_name),
            rev = match (&p.reviewed_by_name, &p.review_note) {
                (Some(r), Some(n)) if !n.is_empty() => format!("<br>{}：{}（{}）", tr("审核", "Reviewed by"), esc(r), esc(n)),
                (Some(r), _) => format!("<br>{}：{}", tr("审核", "Reviewed by"), esc(r)),
                _ => String::new(),
            },
            until = esc(&p.expires_day),
        ));
    }
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{h1}</h1><p class="jb-help">{intro}</p>
</section>
<section class="card"><h2>{list_h}</h2><table class="jb-table"><thead><tr><th>#</th><th>{post_h}</th><th>{st_h}</th><th>{until_h}</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>
<section class="card"><h2>{new_h}</h2><form id="jb-new"><div class="jb-row">
<div class="jb-field"><label for="f-title">{title_l}</label><input id="f-title" name="title" maxlength="40" required></div>
<div class="jb-field"><label for="f-employer">{employer_l}</label><input id="f-employer" name="employer" maxlength="60" required></div>
<div class="jb-field"><label for="f-category">{cat_l}</label><select id="f-category" name="category">{cats}</select></div>
<div class="jb-field"><label for="f-pay_min">{pmin_l}</label><input id="f-pay_min" name="pay_min" type="number" min="0" max="1000000" value="0"></div>
<div class="jb-field"><label for="f-pay_max">{pmax_l}</label><input id="f-pay_max" name="pay_max" type="number" min="0" max="1000000" value="0"><span class="jb-help">{pay_h}</span></div>
<div class="jb-field"><label for="f-pay_unit">{unit_l}</label><select id="f-pay_unit" name="pay_unit">{units}</select></div>
<div class="jb-field"><label for="f-place">{place_l}</label><input id="f-place" name="place" maxlength="60" required></div>
<div class="jb-field"><label for="f-hours">{hours_l}</label><input id="f-hours" name="hours" maxlength="60" required></div>
<div class="jb-field"><label for="f-contact">{contact_l}</label><input id="f-contact" name="contact" maxlength="60" required><span class="jb-help">{contact_h}</span></div>
<div class="jb-field"><label for="f-expires">{exp_l}</label><input id="f-expires" name="expires" type="date" required><span class="jb-help">{exp_h}</span></div>
</div><div class="jb-field"><label for="f-requirements">{req_l}</label><textarea id="f-requirements" name="requirements" rows="3" maxlength="500"></textarea></div>
<p><button class="primary" type="submit">{save}</button> <span id="jb-status" role="status" class="jb-ok"></span></p></form><p class="jb-err" id="jb-err" role="alert"></p></section>
<section class="card" id="jb-people" hidden><h2 id="jb-people-title"></h2><p><button type="button" id="jb-full">{full}</button> <span class="jb-help">{full_h}</span></p><table class="jb-table"><thead><tr><th>{ph_h}</th><th>{name_h}</th><th>{ch_h}</th><th>{at_h}</th></tr></thead><tbody id="jb-people-rows"></tbody></table><p class="jb-help" id="jb-lookups"></p></section>{data}{script}"#,
        h1 = tr("招聘信息录入与审核", "Job postings: entry and review"),
        intro = tr("录入后须由另一位工作人员审核通过才会发布；发布后在自助机、居民手机和信息屏展示到截止日当天结束。联系方式只给登记意向的居民看。", "A posting goes live only after another staff member approves it; then it is on the kiosk, phones and screens until the end of its closing day. Only residents who register interest see the contact."),
        new_h = tr("录入招聘信息", "Enter a posting"),
        title_l = tr("岗位名称", "Job title"),
        employer_l = tr("用人单位", "Employer"),
        cat_l = tr("类别", "Category"),
        pmin_l = tr("最低工资（元）", "Lowest pay (yuan)"),
        pmax_l = tr("最高工资（元）", "Highest pay (yuan)"),
        pay_h = tr("都填 0 表示面议。", "Both 0: negotiable."),
        unit_l = tr("工资单位", "Pay per"),
        place_l = tr("工作地点", "Place of work"),
        hours_l = tr("工作时间", "Working hours"),
        contact_l = tr("联系方式", "Contact"),
        contact_h = tr("只给登记意向的居民看，不上公开页面和信息屏。", "Shown only to residents who register interest, never on public pages or screens."),
        exp_l = tr("截止日期", "Closing date"),
        exp_h = tr(&format!("截止日当天结束后自动下架；最长 {} 天。", cfg.max_days), &format!("Taken down at the end of that day; at most {} days ahead.", cfg.max_days)),
        req_l = tr("岗位要求", "Requirements"),
        save = tr("提交审核", "Send for review"),
        list_h = tr("全部招聘信息", "All postings"),
        post_h = tr("岗位", "Posting"),
        st_h = tr("状态", "Status"),
        until_h = tr("截止", "Closes"),
        full = tr("显示完整号码（将被记录）", "Show full phones (recorded)"),
        full_h = tr("默认只显示部分号码；查看完整号码会记录查看人和时间。", "Phones are masked; reading them in full records who and when."),
        ph_h = tr("电话", "Phone"),
        name_h = tr("称呼", "Name"),
        ch_h = tr("渠道", "Channel"),
        at_h = tr("登记时间", "Registered"),
        data = linli_sdk::json_block("jb-data", &json!({
            "saved": t(lang, "已提交，等待另一位工作人员审核。", "Sent; waiting for another staff member's review."),
            "reason": t(lang, "请输入退回理由：", "Why is it sent back?"),
            "people": t(lang, "意向居民：", "Interested residents: "),
            "lookups": t(lang, "查看过完整号码：", "Full phones read by: "),
            "none": t(lang, "还没有居民登记意向。", "Nobody has registered interest yet."),
            "cleared": t(lang, "（已过保留期，号码已删除）", "(kept time over; phone deleted)"),
            "acted": t(lang, "代办：", "registered by "),
            "channels": {"kiosk": t(lang, "自助机", "Kiosk"), "phone": t(lang, "手机", "Phone"), "staff": t(lang, "工作人员", "Staff")},
        })),
        script = script("staff"),
    );
    Ok(Response::page(t(lang, "招聘信息录入与审核", "Job postings"), html))
}

/// The settings form (the SDK's settings page: every field explained,
/// problems named per field).
pub fn admin(req: &Request) -> Result<Response, Fail> {
    use linli_sdk::settings_page::{Field, List, body};
    let lang = req.lang();
    let cats = List::new("categories", "类别", "Categories")
        .field(Field::text("code", "类别编号", "Category code", "小写字母、数字或短横线；筛选用它，已用过的编号不要改。", "Lower-case letters, digits or dashes; filters use it, so keep codes already in use."))
        .field(Field::text("name_zh", "中文名称", "Chinese name", "居民看到的名称。", "The name residents see."))
        .field(Field::text("name_en", "英文名称", "English name", "英文界面显示的名称。", "The name on the English pages."));
    let fields = [
        Field::number("max_days", "最长发布天数", "Longest a posting runs (days)", "截止日期最多可以填今天之后多少天，1 至 365。", "How many days ahead a closing date may be, 1 to 365."),
        Field::text("screen_zone", "信息屏区域", "Screen zone", "carousel（轮播区）或 ticker（底部滚动字幕）；留空则不上信息屏。", "carousel or ticker (the scrolling line); empty: not on the screens."),
        Field::number("keep_days", "电话保留天数", "Days phones are kept", "岗位下架或过期后，意向居民的电话再保留多少天供回访，之后删除，1 至 365。", "Days the interested residents' phones are kept after a posting ends, for calling back; then deleted. 1 to 365."),
    ];
    let form = body(lang, "/api/jobs/config", &format!("/jobs/assets/settings.js?v={}", env!("CARGO_PKG_VERSION")), Config::from_json, &[cats], &fields)?;
    let html = format!(
        r#"<section class="card"><h1>{title}</h1><p>{intro}</p></section>{form}"#,
        title = esc(t(lang, "就业信息设置", "Jobs settings")),
        intro = esc(t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.jobs.config]；这里保存的修改优先，逐项检查后立即生效。", "Defaults come from the plugin and [plugins.jobs.config] in data/linli.toml; changes saved here take precedence, are checked field by field and apply at once.")),
    );
    Ok(Response::page(t(lang, "就业信息设置", "Jobs settings"), html))
}
