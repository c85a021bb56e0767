//! The plugin's pages: the search and list, one item's guide, its
//! printable one-time notice (bare, for paper), and the editors' forms.
//! No page carries inline script (the host's Content-Security-Policy):
//! scripts are files under `/guides/assets/`.

use crate::model::{CATEGORIES, Item, category_label, kind_label};
use crate::store::{self, VersionInfo};
use crate::{EDITORS, find, storage_error, time_limit};
use linli_sdk::prelude::*;

const STYLE: &str = r#"<style>
.g-search { display: flex; gap: 8px; align-items: center; }
.g-search input { flex: 1; font-size: 1.2rem; }
.g-list { list-style: none; padding: 0; }
.g-list li { padding: 10px 0; border-bottom: 1px solid var(--line, #ddd); }
.g-list a { font-size: 1.15rem; font-weight: 700; }
.g-muted { color: var(--muted, #666); font-size: .92em; }
.g-facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
.g-facts dt { font-weight: 700; }
.g-facts dd { margin: 0; }
.g-table { width: 100%; border-collapse: collapse; }
.g-table th, .g-table td { border: 1px solid var(--line, #ccc); padding: 6px 8px; text-align: left; vertical-align: top; }
.g-onfile { color: var(--ok, #2e7d32); font-weight: 700; }
.g-old { padding: 10px 14px; background: #fff4e5; border: 1px solid #e0a040; border-radius: 8px; }
.g-field { margin: 14px 0; }
.g-field > label { display: block; font-weight: 700; }
.g-field small { display: block; color: var(--muted, #666); }
.g-field input[type=text], .g-field input:not([type]), .g-field textarea, .g-field select { width: 100%; }
.g-bad { outline: 3px solid #c62828; }
.g-mat, .g-faq { border: 1px solid var(--line, #ccc); border-radius: 8px; margin: 8px 0; padding: 8px 12px; }
.g-mat .g-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px; }
</style>"#;

pub fn asset(req: &Request) -> Response {
    match req.param("file").unwrap_or_default() {
        "sample-idcard.svg" => Response::asset("image/svg+xml", include_bytes!("assets/sample-idcard.svg")),
        "sample-form.svg" => Response::asset("image/svg+xml", include_bytes!("assets/sample-form.svg")),
        _ => Response::script_from(req, &[("admin.js", include_str!("assets/admin.js")), ("notice.js", include_str!("assets/notice.js")), ("item.js", include_str!("assets/item.js"))]),
    }
}

fn name_of(item: &Item, lang: &str) -> String {
    if lang == "en" && !item.name_en.is_empty() { item.name_en.clone() } else { item.name.clone() }
}

fn date_suffix(date: &str, asked: bool) -> String {
    if asked { format!("?date={date}") } else { String::new() }
}

/// The same selection for the page's links: a version asked for, or a date.
fn selection(req: &Request, v: &VersionInfo, date: &str, asked: bool) -> String {
    if req.query_param("version").is_some_and(|x| !x.is_empty()) { format!("?version={}", v.version) } else { date_suffix(date, asked) }
}

/// `/guides`: search, or every item by category.
pub fn list(req: &Request) -> Response {
    let lang = req.lang();
    let (date, asked) = match crate::asked_date(req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let q = req.query_param("q").unwrap_or_default();
    let q: String = q.chars().filter(|c| !c.is_control()).take(50).collect();
    let all = match store::all_in_force(&date) {
        Ok(a) => a,
        Err(e) => return storage_error(e),
    };
    let mut html = format!(
        "{STYLE}<section class=\"card\"><h1>{}</h1><form class=\"g-search\" id=\"g-search\" action=\"/guides\" method=\"get\">\
         <input name=\"q\" value=\"{}\" placeholder=\"{}\" aria-label=\"{}\" autofocus> <button class=\"primary\" type=\"submit\">{}</button></form>\
         <p class=\"g-muted\">{}</p>",
        t(lang, "办事指南", "Service guides"),
        esc(&q),
        t(lang, "输入事项名称、拼音或首字母，如 低保 / dibao / db", "Name, pinyin or initials, e.g. 低保 / dibao / db"),
        t(lang, "搜索事项", "Search items"),
        t(lang, "搜索", "Search"),
        t(lang, "办事前先看指南，材料一次带齐，最多跑一次。", "Read the guide first and bring everything at once: one visit is enough."),
    );
    let row = |i: &Item, v: &VersionInfo| {
        format!(
            "<li data-code=\"{}\"><a href=\"/guides/item/{}{}\">{}</a> <span class=\"g-muted\">{} · {}</span><div class=\"g-muted\">{}</div></li>",
            esc(&i.code),
            esc(&i.code),
            date_suffix(&date, asked),
            esc(&name_of(i, lang)),
            esc(&category_label(&i.category, lang)),
            esc(&time_limit_short(i.time_limit_days, lang)),
            esc(&i.summary.chars().take(80).collect::<String>()) + if i.summary.chars().count() > 80 { "…" } else { "" },
        ) + &format!("<!-- v{} -->", v.version)
    };
    if !q.trim().is_empty() {
        let hits = crate::search::search(&all, &q);
        html.push_str(&format!(
            "<h2>{}</h2><ul class=\"g-list\" id=\"g-results\">",
            if lang == "en" { format!("{} items found for “{}”", hits.len(), esc(&q)) } else { format!("“{}”找到 {} 个事项", esc(&q), hits.len()) }
        ));
        if hits.is_empty() {
            html.push_str(&format!("<li class=\"empty\">{}</li>", t(lang, "没有找到，请换个词试试，或到导办台咨询。", "Nothing found; try other words or ask at the guide desk.")));
        }
        for (i, v) in hits {
            html.push_str(&row(i, v));
        }
        html.push_str("</ul>");
    } else {
        for (cat, _, _) in CATEGORIES {
            let items: Vec<&(Item, VersionInfo)> = all.iter().filter(|(i, _)| i.category == *cat).collect();
            if items.is_empty() {
                continue;
            }
            html.push_str(&format!("<h2>{}</h2><ul class=\"g-list\">", esc(&category_label(cat, lang))));
            for (i, v) in items {
                html.push_str(&row(i, v));
            }
            html.push_str("</ul>");
        }
    }
    html.push_str("</section>");
    Response::page(t(lang, "办事指南", "Service guides"), html)
}

fn time_limit_short(days: u32, lang: &str) -> String {
    match (days, lang) {
        (0, "en") => "on the spot".into(),
        (0, _) => "即办".into(),
        (n, "en") => format!("{n} working days"),
        (n, _) => format!("{n} 个工作日"),
    }
}

fn due_line(days: u32, lang: &str) -> String {
    let (text, due, err) = time_limit(days, lang);
    match (due, err) {
        (Some(d), _) => format!(
            "{}{}<span class=\"g-muted\" id=\"g-due\">{}</span>",
            esc(&text),
            if lang == "en" { " " } else { "" },
            if lang == "en" { format!("(accepted today: done by {d})") } else { format!("（今天受理的，{d} 前办结）") }
        ),
        (None, Some(e)) => {
            log::warn(&format!("working-day calendar: {e}"));
            format!("{} <span class=\"g-muted\">{}</span>", esc(&text), t(lang, "（日历未配置，无法推算日期）", "(no calendar for this year: the date cannot be worked out)"))
        }
        _ => esc(&text),
    }
}

fn lines(list: &[String], ordered: bool) -> String {
    if list.is_empty() {
        return "<p class=\"g-muted\">—</p>".into();
    }
    let tag = if ordered { "ol" } else { "ul" };
    format!("<{tag}>{}</{tag}>", list.iter().map(|s| format!("<li>{}</li>", esc(s))).collect::<String>())
}

fn para(s: &str) -> String {
    if s.is_empty() { "—".into() } else { esc(s).replace('\n', "<br>") }
}

fn sample_link(sample: &str, lang: &str) -> String {
    if sample.is_empty() {
        return String::new();
    }
    format!("<a href=\"{}\" target=\"_blank\" rel=\"noopener\">{}</a>", esc(sample), t(lang, "样例", "sample"))
}

/// `/guides/item/{code}`: the guide, as in force today or on `?date=`.
pub fn item(req: &Request) -> Response {
    let lang = req.lang();
    let (item, v, date, asked) = match find(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let history = store::history(&item.code).unwrap_or_default();
    let newest = history.first().map(|h| h.version).unwrap_or(v.version);
    let mut html = format!("{STYLE}<article class=\"card\" id=\"g-item\" data-code=\"{}\" data-version=\"{}\">", esc(&item.code), v.version);
    if asked || v.version != newest {
        html.push_str(&format!(
            "<p class=\"g-old\" id=\"g-asof\">{}</p>",
            if lang == "en" {
                format!("The text in force on {date}: version {} (from {}). <a href=\"/guides/item/{}\">Today's text</a>", v.version, esc(&v.effective), esc(&item.code))
            } else {
                format!("以下为 {date} 施行的文本：第 {} 版（自 {} 起施行）。<a href=\"/guides/item/{}\">查看现行文本</a>", v.version, esc(&v.effective), esc(&item.code))
            }
        ));
    }
    html.push_str(&format!(
        "<h1>{}</h1><p class=\"g-muted\">{} · {}</p><p>{}</p>",
        esc(&name_of(&item, lang)),
        esc(&category_label(&item.category, lang)),
        if lang == "en" { format!("version {} · in force from {}", v.version, esc(&v.effective)) } else { format!("第 {} 版 · 自 {} 起施行", v.version, esc(&v.effective)) },
        para(&item.summary),
    ));
    html.push_str(&format!(
        "<p><a class=\"button primary\" id=\"g-print\" href=\"/guides/item/{}/notice{}\">{}</a></p>",
        esc(&item.code),
        selection(req, &v, &date, asked),
        t(lang, "打印一次性告知书", "Print the one-time notice")
    ));
    // Booking and handing in the materials ahead: shown by item.js when
    // those services are on and offer this item.
    html.push_str(&format!(
        "<p id=\"g-next\" hidden><a class=\"button primary\" id=\"g-book\" hidden href=\"/appointments?item={code}\">{}</a> <a class=\"button\" id=\"g-apply\" hidden href=\"/applications?item={code}\">{}</a></p><script src=\"/guides/assets/item.js\"></script>",
        t(lang, "预约办理时间", "Book a time"),
        t(lang, "网上预受理（提前提交材料）", "Hand in the materials online first"),
        code = esc(&item.code),
    ));
    html.push_str(&format!(
        "<dl class=\"g-facts\"><dt>{}</dt><dd id=\"g-window\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id=\"g-limit\">{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(lang, "受理窗口", "Window"),
        para(&item.window),
        t(lang, "负责岗位", "Responsible role"),
        para(&item.role),
        t(lang, "承诺时限", "Promised time limit"),
        due_line(item.time_limit_days, lang),
        t(lang, "收费标准", "Fees"),
        para(&item.fees),
    ));
    html.push_str(&format!("<h2>{}</h2>{}", t(lang, "申请条件", "Conditions"), lines(&item.conditions, false)));
    html.push_str(&format!(
        "<h2>{}</h2><table class=\"g-table\" id=\"g-materials\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "申请材料", "Materials"),
        t(lang, "材料名称", "Material"),
        t(lang, "原件/复印件", "Original / copy"),
        t(lang, "份数", "Copies"),
        t(lang, "格式要求", "Format"),
        t(lang, "出具单位", "Issued by"),
        t(lang, "备注", "Notes"),
    ));
    for (n, m) in item.materials.iter().enumerate() {
        let mut note = para(&m.note);
        if m.on_file {
            note = format!("<span class=\"g-onfile\">{}</span> {}", t(lang, "大厅已存档，无需携带", "on file at the hall: no need to bring"), if m.note.is_empty() { String::new() } else { esc(&m.note) });
        }
        html.push_str(&format!(
            "<tr data-material=\"{}\"><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.id),
            n + 1,
            esc(&m.name),
            sample_link(&m.sample, lang),
            kind_label(&m.kind, lang),
            m.copies,
            para(&m.format),
            para(&m.issuer),
            note
        ));
    }
    html.push_str("</tbody></table>");
    html.push_str(&format!("<h2>{}</h2>{}", t(lang, "办理流程", "Steps"), lines(&item.steps, true)));
    html.push_str(&format!("<h2>{}</h2><p>{}</p>", t(lang, "设定依据", "Legal basis"), para(&item.legal_basis)));
    if !item.faqs.is_empty() {
        html.push_str(&format!("<h2>{}</h2><dl>", t(lang, "常见问题", "Frequent questions")));
        for f in &item.faqs {
            html.push_str(&format!("<dt><strong>{}</strong></dt><dd>{}</dd>", esc(&f.q), para(&f.a)));
        }
        html.push_str("</dl>");
    }
    html.push_str(&format!("<p class=\"g-muted\">{}{}</p>", t(lang, "指南来源：", "Source: "), para(&item.source)));
    html.push_str(&format!("<h2>{}</h2><ul id=\"g-versions\">", t(lang, "历史版本", "Versions")));
    for h in &history {
        html.push_str(&format!(
            "<li><a href=\"/guides/item/{}?version={}\">{}</a> <span class=\"g-muted\">{}</span></li>",
            esc(&item.code),
            h.version,
            if lang == "en" { format!("version {} from {}", h.version, esc(&h.effective)) } else { format!("第 {} 版，自 {} 起施行", h.version, esc(&h.effective)) },
            esc(&h.note)
        ));
    }
    html.push_str("</ul></article>");
    Response::page(&name_of(&item, lang), html)
}

/// `/guides/item/{code}/notice`: the one-time notice (一次性告知书), a bare
/// page for A4 paper: everything the resident must bring, with a box to
/// tick for each, the window, the time limit and the version it follows.
pub fn notice(req: &Request) -> Response {
    let lang = req.lang();
    let (item, v, date, asked) = match find(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let today = calendar::today();
    let mut rows = String::new();
    for (n, m) in item.materials.iter().enumerate() {
        let what = format!("{} · {} {}", kind_label(&m.kind, lang), m.copies, t(lang, "份", "cop."));
        let extra = if m.on_file { format!(" <strong>{}</strong>", t(lang, "（大厅已存档，无需携带）", "(on file at the hall: no need to bring)")) } else { String::new() };
        rows.push_str(&format!(
            "<tr><td class=\"box\">☐</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            esc(&m.name),
            extra,
            esc(&what),
            esc(&m.format),
            esc(&m.issuer)
        ));
    }
    let (limit, due, _) = time_limit(item.time_limit_days, lang);
    let title = t(lang, "一次性告知书", "One-time notice");
    let html = format!(
        r#"<!doctype html><html lang="{lang_attr}"><head><meta charset="utf-8"><title>{title} · {name}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; color: #000; background: #fff; max-width: 190mm; margin: 10mm auto; font-size: 11pt; }}
h1 {{ text-align: center; font-size: 20pt; margin: 0 0 2mm; letter-spacing: .3em; }}
h2 {{ font-size: 13pt; margin: 5mm 0 2mm; border-bottom: 1px solid #000; }}
.sub {{ text-align: center; font-size: 14pt; margin: 0 0 4mm; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }}
td.box {{ width: 6mm; text-align: center; font-size: 13pt; }}
.meta {{ display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; }}
.sign {{ margin-top: 8mm; display: flex; justify-content: space-between; }}
.bar {{ margin-bottom: 6mm; display: flex; gap: 8px; }}
.bar button, .bar a {{ font-size: 12pt; padding: 6px 14px; }}
@page {{ size: A4; margin: 15mm; }}
@media print {{ .noprint {{ display: none !important; }} body {{ margin: 0; max-width: none; }} h2, tr {{ break-inside: avoid; }} }}
</style></head><body>
<div class="bar noprint"><button type="button" id="g-print-now">{print}</button> <a href="/guides/item/{code}{ds}">{back}</a></div>
<main class="g-notice" id="g-notice" data-code="{code}" data-version="{version}">
<h1>{title}</h1><p class="sub">{name}</p>
<div class="meta"><strong>{l_window}</strong><span>{window}</span><strong>{l_role}</strong><span>{role}</span><strong>{l_limit}</strong><span id="n-limit">{limit}{due}</span><strong>{l_fees}</strong><span>{fees}</span></div>
<h2>{l_cond}</h2>{conditions}
<h2>{l_mat}</h2><table id="n-materials"><thead><tr><th></th><th>#</th><th>{l_mname}</th><th>{l_kind}</th><th>{l_format}</th><th>{l_issuer}</th></tr></thead><tbody>{rows}</tbody></table>
<h2>{l_steps}</h2>{steps}
<h2>{l_basis}</h2><p>{basis}</p>
<p>{promise}</p>
<div class="sign"><span>{l_clerk}</span><span>{l_resident}</span><span>{l_date}{today}</span></div>
<p style="font-size:9pt">{follows}</p>
</main><script src="/guides/assets/notice.js"></script></body></html>"#,
        lang_attr = if lang == "en" { "en" } else { "zh-CN" },
        name = esc(&name_of(&item, lang)),
        code = esc(&item.code),
        ds = selection(req, &v, &date, asked),
        version = v.version,
        print = t(lang, "打印", "Print"),
        back = t(lang, "返回指南", "Back to the guide"),
        l_window = t(lang, "受理窗口", "Window"),
        window = para(&item.window),
        l_role = t(lang, "负责岗位", "Responsible role"),
        role = para(&item.role),
        l_limit = t(lang, "承诺时限", "Promised time limit"),
        limit = esc(&limit),
        due = due.map(|d| if lang == "en" { format!(" (accepted today: done by {d})") } else { format!("（今天受理的，{d} 前办结）") }).unwrap_or_default(),
        l_fees = t(lang, "收费标准", "Fees"),
        fees = para(&item.fees),
        l_cond = t(lang, "一、申请条件", "1. Conditions"),
        conditions = lines(&item.conditions, false),
        l_mat = t(lang, "二、需要携带的材料（请逐项勾选）", "2. What to bring (tick each)"),
        l_mname = t(lang, "材料名称", "Material"),
        l_kind = t(lang, "原件/复印件 · 份数", "Original / copy · copies"),
        l_format = t(lang, "格式要求", "Format"),
        l_issuer = t(lang, "出具单位", "Issued by"),
        l_steps = t(lang, "三、办理流程", "3. Steps"),
        steps = lines(&item.steps, true),
        l_basis = t(lang, "四、设定依据", "4. Legal basis"),
        basis = para(&item.legal_basis),
        promise = t(lang, "以上为办理本事项需要的全部材料。材料齐全的当场受理；本告知书未列的材料，窗口不再要求提供。", "These are all the materials this item needs. Complete materials are accepted at once; nothing not listed here will be asked for."),
        l_clerk = t(lang, "告知人：__________", "Given by: __________"),
        l_resident = t(lang, "申请人签收：__________", "Received by: __________"),
        l_date = t(lang, "告知日期：", "Date: "),
        today = esc(&today),
        follows = if lang == "en" { format!("Follows the guide's version {} (in force from {}). {}", v.version, esc(&v.effective), esc(&item.source)) } else { format!("依据本事项办事指南第 {} 版（自 {} 起施行）。{}", v.version, esc(&v.effective), esc(&item.source)) },
    );
    Response { status: 200, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: html.into_bytes() }
}

pub fn can_edit(req: &Request) -> bool {
    req.caller.is_staff() && EDITORS.iter().any(|r| req.caller.has_role(r))
}

/// `/guides/admin`: every item's newest version, with links to edit.
pub fn admin_list(req: &Request) -> Response {
    let lang = req.lang();
    let all = match store::all_latest() {
        Ok(a) => a,
        Err(e) => return storage_error(e),
    };
    let mut html = format!(
        "{STYLE}<section class=\"card\"><h1>{}</h1><p class=\"g-muted\">{}</p><p><a class=\"button primary\" href=\"/guides/admin/new\" id=\"g-new\">{}</a></p>\
         <table class=\"g-table\" id=\"g-admin-list\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        t(lang, "指南维护", "Edit guides"),
        t(lang, "每次保存都成为新版本，旧版本保留，可按日期查看当时施行的文本。", "Every save is a new version; old versions stay and the text in force on any date can be shown."),
        t(lang, "新建事项", "New item"),
        t(lang, "事项名称", "Item"),
        t(lang, "类别", "Category"),
        t(lang, "最新版本", "Newest version"),
        t(lang, "生效日期", "In force from"),
    );
    for (i, v) in &all {
        html.push_str(&format!(
            "<tr data-code=\"{c}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/guides/admin/item/{c}\">{}</a> · <a href=\"/guides/item/{c}\">{}</a></td></tr>",
            esc(&i.name),
            esc(&category_label(&i.category, lang)),
            v.version,
            esc(&v.effective),
            t(lang, "编辑", "Edit"),
            t(lang, "查看", "View"),
            c = esc(&i.code),
        ));
    }
    html.push_str("</tbody></table></section>");
    Response::page(t(lang, "指南维护", "Edit guides"), html)
}

/// One form field: its label, a one-line explanation, and the control.
fn field(name: &str, label: &str, help: &str, control: String) -> String {
    format!("<div class=\"g-field\" data-field=\"{name}\"><label for=\"f-{name}\">{label}</label>{control}<small>{help}</small></div>")
}

fn input(name: &str, value: &str, max: usize, extra: &str) -> String {
    format!("<input type=\"text\" id=\"f-{name}\" name=\"{name}\" value=\"{}\" maxlength=\"{max}\" {extra}>", esc(value))
}

fn textarea(name: &str, value: &str, rows: u32) -> String {
    format!("<textarea id=\"f-{name}\" name=\"{name}\" rows=\"{rows}\">{}</textarea>", esc(value))
}

fn material_block(m: &crate::model::Material, lang: &str) -> String {
    let kinds = ["original", "copy", "both"]
        .iter()
        .map(|k| format!("<option value=\"{k}\"{}>{}</option>", if m.kind == *k { " selected" } else { "" }, kind_label(k, lang)))
        .collect::<String>();
    format!(
        "<fieldset class=\"g-mat\"><input type=\"hidden\" name=\"id\" value=\"{}\"><div class=\"g-row\">\
         <label>{}<input type=\"text\" name=\"name\" value=\"{}\" maxlength=\"100\"></label>\
         <label>{}<select name=\"kind\">{kinds}</select></label>\
         <label>{}<input type=\"number\" name=\"copies\" min=\"0\" max=\"20\" value=\"{}\"></label>\
         <label>{}<input type=\"text\" name=\"format\" value=\"{}\" maxlength=\"100\"></label>\
         <label>{}<input type=\"text\" name=\"issuer\" value=\"{}\" maxlength=\"100\"></label>\
         <label>{}<input type=\"text\" name=\"sample\" value=\"{}\" maxlength=\"300\"></label>\
         <label>{}<input type=\"text\" name=\"note\" value=\"{}\" maxlength=\"300\"></label>\
         <label><input type=\"checkbox\" name=\"on_file\"{}> {}</label></div>\
         <button type=\"button\" data-act=\"remove\">{}</button></fieldset>",
        esc(&m.id),
        t(lang, "材料名称", "Name"),
        esc(&m.name),
        t(lang, "原件/复印件", "Original / copy"),
        t(lang, "份数", "Copies"),
        m.copies,
        t(lang, "格式要求（纸张、签字、盖章）", "Format (paper, signature, seal)"),
        esc(&m.format),
        t(lang, "出具单位", "Issued by"),
        esc(&m.issuer),
        t(lang, "样例图片（/ 开头的路径或 https 地址）", "Sample picture (a path from / or an https address)"),
        esc(&m.sample),
        t(lang, "备注", "Notes"),
        esc(&m.note),
        if m.on_file { " checked" } else { "" },
        t(lang, "大厅已存档，居民无需携带", "On file at the hall: residents need not bring it"),
        t(lang, "删除此材料", "Remove this material"),
    )
}

fn faq_block(f: &crate::model::Faq, lang: &str) -> String {
    format!(
        "<fieldset class=\"g-faq\"><label>{}<input type=\"text\" name=\"q\" value=\"{}\" maxlength=\"200\"></label><label>{}<textarea name=\"a\" rows=\"2\">{}</textarea></label>\
         <button type=\"button\" data-act=\"remove\">{}</button></fieldset>",
        t(lang, "问题", "Question"),
        esc(&f.q),
        t(lang, "回答", "Answer"),
        esc(&f.a),
        t(lang, "删除此问题", "Remove this question")
    )
}

/// The editors' form: a control per field, each with a line saying what
/// it is for; materials and questions as repeatable groups. The script
/// sends it as the item (editors never see JSON).
pub fn admin_edit(req: &Request, code: Option<&str>) -> Response {
    let lang = req.lang();
    if !can_edit(req) {
        return Response::error(403, "只有内容编辑可以修改指南", "only editors may change guides");
    }
    let (item, version) = match code {
        None => (Item { category: "minzheng".into(), ..Item::default() }, None),
        Some(c) => match store::latest(c) {
            Ok(Some((i, v))) => (i, Some(v)),
            Ok(None) => return Response::error(404, "没有这个事项", "no such service item"),
            Err(e) => return storage_error(e),
        },
    };
    let today = calendar::today();
    let cats = CATEGORIES
        .iter()
        .map(|(c, zh, en)| format!("<option value=\"{c}\"{}>{}</option>", if item.category == *c { " selected" } else { "" }, t(lang, zh, en)))
        .collect::<String>();
    let title = match &version {
        Some(v) => {
            if lang == "en" { format!("Edit: {} (newest: version {} from {})", esc(&item.name), v.version, esc(&v.effective)) } else { format!("编辑：{}（最新第 {} 版，自 {} 起施行）", esc(&item.name), v.version, esc(&v.effective)) }
        }
        None => t(lang, "新建事项", "New item").to_owned(),
    };
    let mut f = String::new();
    f.push_str(&field(
        "code",
        t(lang, "事项编号", "Item code"),
        t(lang, "网址中的编号，小写字母、数字和连字符，如 dibao；建好后不能改", "the item's id in its address: lower-case letters, digits, hyphens (e.g. dibao); fixed once created"),
        input("code", &item.code, 40, if version.is_some() { "readonly" } else { "required" }),
    ));
    f.push_str(&field("name", t(lang, "事项名称", "Item name"), t(lang, "居民看到的名称，不超过 60 个字", "the name residents see, at most 60 characters"), input("name", &item.name, 60, "required")));
    f.push_str(&field("name_en", t(lang, "英文名称", "English name"), t(lang, "英文界面显示的名称，可不填", "shown in the English interface; optional"), input("name_en", &item.name_en, 120, "")));
    f.push_str(&field("category", t(lang, "类别", "Category"), t(lang, "事项所属的业务类别，决定在列表中的分组", "the group the item is listed under"), format!("<select id=\"f-category\" name=\"category\">{cats}</select>")));
    f.push_str(&field("keywords", t(lang, "搜索关键词", "Search keywords"), t(lang, "居民常说的叫法，用逗号分隔，如 低保, 低保金", "what residents call it, separated by commas"), input("keywords", &item.keywords, 200, "")));
    f.push_str(&field("pinyin", t(lang, "拼音关键词", "Pinyin keywords"), t(lang, "补充拼音或首字母（如 dibao db），名称中有生僻字或多音字时填写", "extra pinyin or initials (dibao db), for rare characters or other readings"), input("pinyin", &item.pinyin, 200, "")));
    f.push_str(&field("summary", t(lang, "事项简介", "Summary"), t(lang, "一两句话说明谁可以办、办了有什么用", "one or two sentences: who may apply and what it gives"), textarea("summary", &item.summary, 3)));
    f.push_str(&field("conditions", t(lang, "申请条件", "Conditions"), t(lang, "每行一条", "one per line"), textarea("conditions", &item.conditions.join("\n"), 4)));
    f.push_str(&format!(
        "<div class=\"g-field\" data-field=\"materials\"><label>{}</label><small>{}</small><div id=\"g-materials\">{}</div><button type=\"button\" id=\"g-add-mat\">{}</button></div>",
        t(lang, "申请材料", "Materials"),
        t(lang, "每项材料一组：名称、原件或复印件、份数、格式、出具单位、样例图片、是否大厅已存档", "one group per material: name, original or copy, copies, format, issuer, sample, on file at the hall"),
        item.materials.iter().map(|m| material_block(m, lang)).collect::<String>(),
        t(lang, "添加材料", "Add a material"),
    ));
    f.push_str(&field("steps", t(lang, "办理流程", "Steps"), t(lang, "每行一步，按先后顺序", "one step per line, in order"), textarea("steps", &item.steps.join("\n"), 4)));
    f.push_str(&field("window", t(lang, "受理窗口", "Window"), t(lang, "居民去哪个窗口办，如 2号窗口（民政综合）", "where residents go, e.g. window 2 (civil affairs)"), input("window", &item.window, 60, "")));
    f.push_str(&field("role", t(lang, "负责岗位", "Responsible role"), t(lang, "负责办理的岗位，如 社区民政专干", "who handles it, e.g. the civil-affairs officer"), input("role", &item.role, 60, "")));
    f.push_str(&field(
        "time_limit_days",
        t(lang, "承诺时限（工作日）", "Promised time limit (working days)"),
        t(lang, "受理后多少个工作日内办结，0 表示即办", "working days from acceptance to done; 0 = on the spot"),
        format!("<input type=\"number\" id=\"f-time_limit_days\" name=\"time_limit_days\" min=\"0\" max=\"365\" value=\"{}\">", item.time_limit_days),
    ));
    f.push_str(&field("fees", t(lang, "收费标准", "Fees"), t(lang, "不收费的写“不收费”", "write 不收费 when free"), input("fees", &item.fees, 500, "")));
    f.push_str(&field("legal_basis", t(lang, "设定依据", "Legal basis"), t(lang, "法律法规和政策文件；不确定时写“依据以当地政务服务网公布为准”", "laws and policy documents; when unsure, say it follows the local government service portal"), textarea("legal_basis", &item.legal_basis, 3)));
    f.push_str(&format!(
        "<div class=\"g-field\" data-field=\"faqs\"><label>{}</label><small>{}</small><div id=\"g-faqs\">{}</div><button type=\"button\" id=\"g-add-faq\">{}</button></div>",
        t(lang, "常见问题", "Frequent questions"),
        t(lang, "居民常问的问题和回答", "questions residents often ask, with answers"),
        item.faqs.iter().map(|q| faq_block(q, lang)).collect::<String>(),
        t(lang, "添加问题", "Add a question"),
    ));
    f.push_str(&field("source", t(lang, "指南来源", "Source"), t(lang, "据哪份公开办事指南整理，如 某市政务服务网", "the public guide this follows, e.g. a city's government service portal"), input("source", &item.source, 300, "")));
    f.push_str(&field("effective", t(lang, "生效日期", "In force from"), t(lang, "这一版从哪天起施行，不能早于今天；此前的日期仍显示旧版本", "the day this version applies from, today or later; earlier dates keep showing the old text"), format!("<input type=\"date\" id=\"f-effective\" name=\"effective\" value=\"{today}\" min=\"{today}\">")));
    f.push_str(&field("note", t(lang, "修改说明", "Change note"), t(lang, "这次改了什么，记入版本历史", "what changed, kept in the version history"), input("note", "", 200, "")));
    let html = format!(
        "{STYLE}<section class=\"card\"><h1>{title}</h1><form id=\"g-form\" novalidate data-code=\"{}\" data-new=\"{}\">{f}\
         <p><button class=\"primary\" type=\"submit\" id=\"g-save\">{}</button> <span id=\"g-status\" role=\"status\"></span></p></form>\
         <template id=\"g-mat-tpl\">{}</template><template id=\"g-faq-tpl\">{}</template></section>\
         <script src=\"/guides/assets/admin.js?v={}\"></script>",
        esc(&item.code),
        if version.is_none() { "1" } else { "0" },
        t(lang, "保存为新版本", "Save as a new version"),
        material_block(&crate::model::Material { kind: "original".into(), copies: 1, ..Default::default() }, lang),
        faq_block(&crate::model::Faq::default(), lang),
        env!("CARGO_PKG_VERSION"),
    );
    Response::page(t(lang, "指南维护", "Edit guides"), html)
}
