//! Community notices (社区通知公告): staff post, residents read, and every
//! new notice is an event that pages and screens follow live.
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
}

/// What staff send to post a notice.
#[derive(Deserialize)]
struct NewNotice {
    title: String,
    body: String,
    #[serde(default)]
    pinned: bool,
}

const EDITORS: &[&str] = &["editor", "guide", "supervisor"];

fn key(id: i64) -> String {
    // Zero-padded so key order is id order.
    format!("notice/{id:010}")
}

impl Plugin for Notices {
    fn manifest() -> Manifest {
        Manifest::new("notices", "通知公告", "Notices", env!("CARGO_PKG_VERSION"))
            .description("社区通知公告：工作人员发布，居民查看 / community notices")
            .capability("kv")
            .capability("events")
            .capability("clock")
            .capability("log")
            .route(Route::get("/notices", Audience::Public))
            .route(Route::get("/api/notices", Audience::Public))
            .route(Route::get("/api/notices/{id}", Audience::Public))
            .route(Route::post("/api/notices", Audience::Staff).roles(EDITORS))
            .route(Route::delete("/api/notices/{id}", Audience::Staff).roles(EDITORS))
            .page(Page::new("/notices", "通知公告", "Notices", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        match (req.method.as_str(), req.route.as_str()) {
            ("GET", "/api/notices") => match list() {
                Ok(items) => Response::json(200, &serde_json::json!({ "notices": items })),
                Err(e) => storage_error(e),
            },
            ("GET", "/api/notices/{id}") => {
                let Some(id) = req.param("id").and_then(|s| s.parse::<i64>().ok()) else {
                    return Response::error(400, "公告编号无效", "invalid notice id");
                };
                match kv::get_json::<Notice>(&key(id)) {
                    Ok(Some(n)) => Response::json(200, &n),
                    Ok(None) => Response::error(404, "公告不存在", "no such notice"),
                    Err(e) => storage_error(e),
                }
            }
            ("POST", "/api/notices") => create(&req),
            ("DELETE", "/api/notices/{id}") => {
                let Some(id) = req.param("id").and_then(|s| s.parse::<i64>().ok()) else {
                    return Response::error(400, "公告编号无效", "invalid notice id");
                };
                match kv::delete(&key(id)) {
                    Ok(true) => {
                        let _ = events::publish("notices.deleted", &serde_json::json!({ "id": id }));
                        Response::json(200, &serde_json::json!({ "deleted": id }))
                    }
                    Ok(false) => Response::error(404, "公告不存在", "no such notice"),
                    Err(e) => storage_error(e),
                }
            }
            ("GET", "/notices") => page(&req),
            _ => Response::not_found(&req),
        }
    }
}

fn storage_error(e: linli_sdk::store::HostError) -> Response {
    log::error(&format!("storage: {e}"));
    Response::error(500, "存储出错，请稍后再试", "storage error; try again later")
}

/// Newest first, pinned ones on top.
fn list() -> Result<Vec<Notice>, linli_sdk::store::HostError> {
    let mut items: Vec<Notice> = kv::scan_json::<Notice>("notice/", 1000)?.into_iter().map(|(_, n)| n).collect();
    items.sort_by(|a, b| b.pinned.cmp(&a.pinned).then(b.id.cmp(&a.id)));
    Ok(items)
}

fn create(req: &Request) -> Response {
    let new: NewNotice = match req.json() {
        Ok(n) => n,
        Err(r) => return r,
    };
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Response::error(422, "标题不能为空，且不超过 100 个字", "title must be 1 to 100 characters");
    }
    if new.body.chars().count() > 5000 {
        return Response::error(422, "正文不超过 5000 个字", "body must be at most 5000 characters");
    }
    let id = match kv::increment("seq", 1) {
        Ok(id) => id,
        Err(e) => return storage_error(e),
    };
    let notice = Notice {
        id,
        title: title.to_owned(),
        body: new.body.trim().to_owned(),
        pinned: new.pinned,
        author: req.caller.name.clone().unwrap_or_default(),
        created: clock::now(),
    };
    if let Err(e) = kv::set_json(&key(id), &notice) {
        return storage_error(e);
    }
    let _ = events::publish("notices.created", &serde_json::json!({ "id": id, "title": notice.title, "pinned": notice.pinned }));
    log::info(&format!("notice {id} posted"));
    Response::json(201, &notice)
}

fn page(req: &Request) -> Response {
    let lang = req.lang();
    let items = list().unwrap_or_default();
    let mut html = format!("<section class=\"card\"><h1>{}</h1><ul class=\"notice-list\" id=\"notices\">", t(lang, "通知公告", "Notices"));
    if items.is_empty() {
        html.push_str(&format!("<li>{}</li>", t(lang, "暂无公告。", "No notices yet.")));
    }
    for n in &items {
        html.push_str(&format!(
            "<li data-id=\"{}\"><strong>{}{}</strong><div>{}</div><div class=\"meta\">{}</div></li>",
            n.id,
            if n.pinned { format!("<span class=\"pinned\">{}</span> ", t(lang, "【置顶】", "[Pinned]")) } else { String::new() },
            esc(&n.title),
            esc(&n.body).replace('\n', "<br>"),
            esc(&clock::format_local(n.created)),
        ));
    }
    html.push_str("</ul></section>");
    let can_post = req.caller.is_staff() && EDITORS.iter().any(|r| req.caller.has_role(r));
    if can_post {
        html.push_str(&format!(
            r#"<section class="card"><h2>{}</h2><form id="post-notice">
<label>{}<input name="title" required maxlength="100"></label>
<label>{}<textarea name="body"></textarea></label>
<label><input type="checkbox" name="pinned" style="display:inline;width:auto"> {}</label>
<button class="primary" type="submit">{}</button> <span id="post-status" role="status"></span></form></section>
<script>
document.getElementById('post-notice').addEventListener('submit', async function (e) {{
  e.preventDefault();
  var f = e.target, s = document.getElementById('post-status');
  try {{
    await Linli.api('POST', '/api/notices', {{ title: f.title.value, body: f.body.value, pinned: f.pinned.checked }});
    f.reset(); s.textContent = '{}';
  }} catch (err) {{ s.textContent = err.message; }}
}});
</script>"#,
            t(lang, "发布公告", "Post a notice"),
            t(lang, "标题", "Title"),
            t(lang, "正文", "Text"),
            t(lang, "置顶", "Pin to the top"),
            t(lang, "发布", "Post"),
            t(lang, "已发布", "Posted"),
        ));
    }
    // Live: a new or deleted notice reloads the list without a page reload.
    html.push_str(
        "<script>window.addEventListener('load', function () { Linli.events(['notices.'], function () { \
         fetch(location.pathname + location.search, {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(function (t) { \
         var d = new DOMParser().parseFromString(t, 'text/html'); var n = d.getElementById('notices'); \
         if (n) document.getElementById('notices').replaceWith(n); }); }); });</script>",
    );
    Response::page(t(lang, "通知公告", "Notices"), html)
}

export_plugin!(Notices);
