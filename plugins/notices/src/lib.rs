//! Community notices (社区通知公告): staff post, edit, pin or unpin and
//! delete; residents read; every change is an event that pages and
//! screens follow live.
//!
//! This is the example the SDK guide in the README walks through.

use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};

struct Notices;

/// A stored notice.
#[derive(Serialize, Deserialize, Clone)]
struct Notice {
    id: i64,
    title: String,
    body: String,
    pinned: bool,
    author: String,
    created: i64,
    /// When it was last edited, and by whom (absent until edited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    editor: Option<String>,
}

/// What staff send to post a notice.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewNotice {
    title: String,
    body: String,
    #[serde(default)]
    pinned: bool,
}

/// What staff send to change a notice: only the fields given change (so
/// `{"pinned": false}` unpins it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeChange {
    title: Option<String>,
    body: Option<String>,
    pinned: Option<bool>,
}

const EDITORS: &[&str] = &["editor", "guide", "supervisor"];

/// Longest title and body, in characters.
const MAX_TITLE: usize = 100;
const MAX_BODY: usize = 5000;

fn key(id: i64) -> String {
    // Zero-padded so key order is id order.
    format!("notice/{id:010}")
}

impl Plugin for Notices {
    fn manifest() -> Manifest {
        Manifest::new("notices", "通知公告", "Notices", env!("CARGO_PKG_VERSION"))
            .description("社区通知公告：工作人员发布、修改、置顶和删除，居民查看 / community notices")
            .capability("kv")
            .capability("events")
            .capability("clock")
            .capability("log")
            .route(Route::get("/notices", Audience::Public))
            .route(Route::get("/notices/notices.js", Audience::Public))
            .route(Route::get("/api/notices", Audience::Public))
            .route(Route::get("/api/notices/{id}", Audience::Public))
            .route(Route::post("/api/notices", Audience::Staff).roles(EDITORS))
            .route(Route::post("/api/notices/{id}", Audience::Staff).roles(EDITORS))
            .route(Route::delete("/api/notices/{id}", Audience::Staff).roles(EDITORS))
            .page(Page::new("/notices", "通知公告", "Notices", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        match (req.method.as_str(), req.route.as_str()) {
            ("GET", "/api/notices") => match list() {
                Ok(items) => Response::json(200, &serde_json::json!({ "notices": items.iter().map(view).collect::<Vec<_>>() })),
                Err(e) => storage_error(e),
            },
            ("GET", "/api/notices/{id}") => {
                let Some(id) = notice_id(&req) else {
                    return Response::error(400, "公告编号无效", "invalid notice id");
                };
                match kv::get_json::<Notice>(&key(id)) {
                    Ok(Some(n)) => Response::json(200, &view(&n)),
                    Ok(None) => Response::error(404, "公告不存在", "no such notice"),
                    Err(e) => storage_error(e),
                }
            }
            ("POST", "/api/notices") => create(&req),
            ("POST", "/api/notices/{id}") => update(&req),
            ("DELETE", "/api/notices/{id}") => {
                let Some(id) = notice_id(&req) else {
                    return Response::error(400, "公告编号无效", "invalid notice id");
                };
                match kv::delete(&key(id)) {
                    Ok(true) => {
                        let _ = events::publish("notices.deleted", &serde_json::json!({ "id": id }));
                        log::info(&format!("notice {id} deleted"));
                        Response::json(200, &serde_json::json!({ "deleted": id }))
                    }
                    Ok(false) => Response::error(404, "公告不存在", "no such notice"),
                    Err(e) => storage_error(e),
                }
            }
            ("GET", "/notices") => page(&req),
            ("GET", "/notices/notices.js") => Response {
                status: 200,
                headers: vec![
                    ("content-type".into(), "application/javascript; charset=utf-8".into()),
                    ("cache-control".into(), "max-age=300".into()),
                ],
                body: SCRIPT.as_bytes().to_vec(),
            },
            _ => Response::not_found(&req),
        }
    }
}

/// The page's script (no inline script on the page).
const SCRIPT: &str = include_str!("notices.js");

fn notice_id(req: &Request) -> Option<i64> {
    req.param("id").and_then(|s| s.parse::<i64>().ok()).filter(|id| *id > 0)
}

fn storage_error(e: linli_sdk::store::HostError) -> Response {
    log::error(&format!("storage: {e}"));
    Response::error(500, "存储出错，请稍后再试", "storage error; try again later")
}

/// A notice as the API gives it: with its times in the hall's time.
fn view(n: &Notice) -> serde_json::Value {
    let mut v = serde_json::to_value(n).unwrap_or_default();
    v["created_local"] = clock::format_local(n.created).into();
    if let Some(u) = n.updated {
        v["updated_local"] = clock::format_local(u).into();
    }
    v
}

/// Newest first, pinned ones on top.
fn list() -> Result<Vec<Notice>, linli_sdk::store::HostError> {
    let mut items: Vec<Notice> = kv::scan_json::<Notice>("notice/", 1000)?.into_iter().map(|(_, n)| n).collect();
    items.sort_by(|a, b| b.pinned.cmp(&a.pinned).then(b.id.cmp(&a.id)));
    Ok(items)
}

/// A character that must not be in a notice: NUL and the other control
/// characters (a line break is allowed in the body), and the invisible
/// direction marks and overrides (U+202E and kin) that make text read
/// differently from what it is.
fn forbidden(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The field's text checked and tidied (line breaks as `\n`, no space at
/// either end), or the 422 that says which field and why.
fn clean(field_zh: &str, field_en: &str, text: &str, max: usize, multiline: bool, required: bool) -> Result<String, Response> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if let Some(c) = text.chars().find(|c| forbidden(*c, multiline)) {
        let code = format!("U+{:04X}", c as u32);
        return Err(Response::error(
            422,
            &format!("{field_zh}含有不允许的控制字符（{code}），请删除后再提交"),
            &format!("the {field_en} contains a control character ({code}) that is not allowed; remove it and try again"),
        ));
    }
    let n = text.chars().count();
    if required && n == 0 {
        return Err(Response::error(422, &format!("{field_zh}不能为空"), &format!("the {field_en} must not be empty")));
    }
    if n > max {
        return Err(Response::error(
            422,
            &format!("{field_zh}不能超过 {max} 个字（现在 {n} 个）"),
            &format!("the {field_en} must be at most {max} characters (it has {n})"),
        ));
    }
    Ok(text.to_owned())
}

fn create(req: &Request) -> Response {
    let new: NewNotice = match req.json() {
        Ok(n) => n,
        Err(r) => return r,
    };
    let title = match clean("标题", "title", &new.title, MAX_TITLE, false, true) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = match clean("正文", "text", &new.body, MAX_BODY, true, false) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let id = match kv::increment("seq", 1) {
        Ok(id) => id,
        Err(e) => return storage_error(e),
    };
    let notice = Notice {
        id,
        title,
        body,
        pinned: new.pinned,
        author: req.caller.name.clone().unwrap_or_default(),
        created: clock::now(),
        updated: None,
        editor: None,
    };
    if let Err(e) = kv::set_json(&key(id), &notice) {
        return storage_error(e);
    }
    let _ = events::publish("notices.created", &serde_json::json!({ "id": id, "title": notice.title, "pinned": notice.pinned }));
    log::info(&format!("notice {id} posted"));
    Response::json(201, &view(&notice))
}

fn update(req: &Request) -> Response {
    let Some(id) = notice_id(req) else {
        return Response::error(400, "公告编号无效", "invalid notice id");
    };
    let change: NoticeChange = match req.json() {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut n = match kv::get_json::<Notice>(&key(id)) {
        Ok(Some(n)) => n,
        Ok(None) => return Response::error(404, "公告不存在（可能已被删除）", "no such notice (it may have been deleted)"),
        Err(e) => return storage_error(e),
    };
    if let Some(t) = &change.title {
        match clean("标题", "title", t, MAX_TITLE, false, true) {
            Ok(t) => n.title = t,
            Err(r) => return r,
        }
    }
    if let Some(b) = &change.body {
        match clean("正文", "text", b, MAX_BODY, true, false) {
            Ok(b) => n.body = b,
            Err(r) => return r,
        }
    }
    if let Some(p) = change.pinned {
        n.pinned = p;
    }
    n.updated = Some(clock::now());
    n.editor = req.caller.name.clone();
    if let Err(e) = kv::set_json(&key(id), &n) {
        return storage_error(e);
    }
    let _ = events::publish("notices.updated", &serde_json::json!({ "id": id, "title": n.title, "pinned": n.pinned }));
    log::info(&format!("notice {id} changed"));
    Response::json(200, &view(&n))
}

fn page(req: &Request) -> Response {
    let lang = req.lang();
    let items = list().unwrap_or_default();
    let can_edit = req.caller.is_staff() && EDITORS.iter().any(|r| req.caller.has_role(r));
    let mut html = format!(
        "<section class=\"card\"><h1>{}</h1><ul class=\"notice-list\" id=\"notices\" data-edit=\"{}\">",
        t(lang, "通知公告", "Notices"),
        if can_edit { "1" } else { "0" }
    );
    if items.is_empty() {
        html.push_str(&format!("<li class=\"empty\">{}</li>", t(lang, "暂无公告。", "No notices yet.")));
    }
    for n in &items {
        let actions = if can_edit {
            format!(
                "<div class=\"actions\"><button type=\"button\" data-act=\"edit\">{}</button> <button type=\"button\" data-act=\"pin\">{}</button> <button type=\"button\" data-act=\"delete\">{}</button></div>",
                t(lang, "修改", "Edit"),
                if n.pinned { t(lang, "取消置顶", "Unpin") } else { t(lang, "置顶", "Pin") },
                t(lang, "删除", "Delete"),
            )
        } else {
            String::new()
        };
        html.push_str(&format!(
            "<li data-id=\"{}\" data-pinned=\"{}\"><strong>{}<span class=\"title\">{}</span></strong><div class=\"body\">{}</div><div class=\"meta\">{}{}</div>{actions}</li>",
            n.id,
            n.pinned,
            if n.pinned { format!("<span class=\"pinned\">{}</span> ", t(lang, "【置顶】", "[Pinned]")) } else { String::new() },
            esc(&n.title),
            esc(&n.body).replace('\n', "<br>"),
            esc(&clock::format_local(n.created)),
            n.updated.map(|u| format!(" · {}{}", t(lang, "修改于 ", "edited "), esc(&clock::format_local(u)))).unwrap_or_default(),
        ));
    }
    html.push_str("</ul></section>");
    if can_edit {
        html.push_str(&format!(
            r#"<section class="card"><h2 id="notice-form-title">{}</h2><form id="post-notice">
<label>{}<input name="title" required maxlength="{MAX_TITLE}"></label>
<label>{}<textarea name="body" maxlength="{MAX_BODY}" rows="6"></textarea></label>
<label><input type="checkbox" name="pinned" style="display:inline;width:auto"> {}</label>
<button class="primary" type="submit">{}</button> <button type="button" id="cancel-edit" style="display:none">{}</button> <span id="post-status" role="status"></span></form></section>"#,
            t(lang, "发布公告", "Post a notice"),
            t(lang, "标题（不超过 100 个字）", "Title (at most 100 characters)"),
            t(lang, "正文（不超过 5000 个字）", "Text (at most 5000 characters)"),
            t(lang, "置顶", "Pin to the top"),
            t(lang, "发布", "Post"),
            t(lang, "取消修改", "Cancel editing"),
        ));
    }
    html.push_str(&format!("<script src=\"/notices/notices.js?v={}\"></script>", env!("CARGO_PKG_VERSION")));
    Response::page(t(lang, "通知公告", "Notices"), html)
}

export_plugin!(Notices);
