//! Service guides (办事指南): every service item's conditions, materials,
//! steps, window, promised time limit, fees, legal basis and FAQs; search
//! by Chinese words, pinyin and pinyin initials (低保, dibao, db); a
//! printable one-time notice (一次性告知书) per item; editors keep items
//! in forms, and every change is a version, so the text in force on any
//! date can be shown (`?date=2026-03-01`). Other plugins (appointments,
//! applications) read an item through the callable routes.

mod model;
mod pages;
mod pinyin;
mod search;
mod store;

use linli_sdk::prelude::*;
use model::{Invalid, Item, valid_code, valid_date};
use serde::Deserialize;

struct Guides;

pub const EDITORS: &[&str] = &["editor"];

impl Plugin for Guides {
    fn manifest() -> Manifest {
        Manifest::new("guides", "办事指南", "Service guides", env!("CARGO_PKG_VERSION"))
            .description("办事指南：事项的条件、材料、流程、时限，搜索（中文、拼音、首字母），一次性告知书，按日期查看历史版本 / service guides")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("calendar")
            .capability("events")
            .capability("log")
            .route(Route::get("/guides", Audience::Public))
            .route(Route::get("/guides/item/{code}", Audience::Public))
            .route(Route::get("/guides/item/{code}/notice", Audience::Public))
            .route(Route::get("/guides/assets/{file}", Audience::Public))
            .route(Route::get("/guides/admin", Audience::Staff).roles(EDITORS))
            .route(Route::get("/guides/admin/new", Audience::Staff).roles(EDITORS))
            .route(Route::get("/guides/admin/item/{code}", Audience::Staff).roles(EDITORS))
            // Read by residents' pages and by other plugins (services).
            .route(Route::get("/api/guides/items", Audience::Public).callable())
            .route(Route::get("/api/guides/items/{code}", Audience::Public).callable())
            .route(Route::get("/api/guides/items/{code}/checklist", Audience::Public).callable())
            .route(Route::get("/api/guides/items/{code}/versions", Audience::Public).callable())
            .route(Route::post("/api/guides/items", Audience::Staff).roles(EDITORS))
            .route(Route::post("/api/guides/items/{code}", Audience::Staff).roles(EDITORS))
            .page(Page::new("/guides", "办事指南", "Service guides", Audience::Public))
            .page(Page::new("/guides/admin", "指南维护", "Edit guides", Audience::Staff).roles(EDITORS))
    }

    fn handle(req: Request) -> Response {
        if req.route == "/guides/assets/{file}" {
            return pages::asset(&req);
        }
        if let Err(e) = store::ensure() {
            return storage_error(e);
        }
        match (req.method.as_str(), req.route.as_str()) {
            ("GET", "/guides") => pages::list(&req),
            ("GET", "/guides/item/{code}") => pages::item(&req),
            ("GET", "/guides/item/{code}/notice") => pages::notice(&req),
            ("GET", "/guides/admin") => pages::admin_list(&req),
            ("GET", "/guides/admin/new") => pages::admin_edit(&req, None),
            ("GET", "/guides/admin/item/{code}") => pages::admin_edit(&req, req.param("code")),
            ("GET", "/api/guides/items") => api_search(&req),
            ("GET", "/api/guides/items/{code}") => api_item(&req),
            ("GET", "/api/guides/items/{code}/checklist") => api_checklist(&req),
            ("GET", "/api/guides/items/{code}/versions") => api_versions(&req),
            ("POST", "/api/guides/items") => api_save(&req, None),
            ("POST", "/api/guides/items/{code}") => api_save(&req, req.param("code")),
            _ => Response::not_found(&req),
        }
    }
}

pub fn storage_error(e: linli_sdk::store::HostError) -> Response {
    log::error(&format!("guides storage: {e}"));
    Response::error(500, "存储出错，请稍后再试", "storage error; try again later")
}

/// The date asked for (`?date=YYYY-MM-DD`, default today), or the 400 naming it.
pub fn asked_date(req: &Request) -> Result<(String, bool), Response> {
    match req.query_param("date").filter(|d| !d.is_empty()) {
        None => Ok((calendar::today(), false)),
        Some(d) if valid_date(&d) => Ok((d, true)),
        Some(_) => Err(Invalid { status: 400, field: "date".into(), zh: "日期（date）须为 YYYY-MM-DD 格式的有效日期，如 2026-03-01".into(), en: "date must be a real date as YYYY-MM-DD, e.g. 2026-03-01".into() }.into_response()),
    }
}

/// The item `code` as in force on the asked date, or the answer saying why not.
pub fn find(req: &Request) -> Result<(Item, store::VersionInfo, String, bool), Response> {
    let code = req.param("code").unwrap_or_default().to_owned();
    let (date, asked) = asked_date(req)?;
    if !valid_code(&code) {
        return Err(Response::error(404, "没有这个事项", "no such service item"));
    }
    // `?version=N`: exactly the text a case followed (an appointment or
    // an application records the item's code and version).
    if let Some(n) = req.query_param("version").filter(|v| !v.is_empty()) {
        let Some(n) = n.parse::<i64>().ok().filter(|n| (1..=1_000_000).contains(n)) else {
            return Err(Invalid { status: 400, field: "version".into(), zh: "版本号（version）须为正整数".into(), en: "version must be a positive whole number".into() }.into_response());
        };
        return match store::by_version(&code, n) {
            Ok(Some((item, v))) => {
                let d = v.effective.clone();
                Ok((item, v, d, true))
            }
            Ok(None) => Err(Response::error(404, &format!("该事项没有第 {n} 版"), &format!("this item has no version {n}"))),
            Err(e) => Err(storage_error(e)),
        };
    }
    match store::in_force(&code, &date) {
        Ok(Some((item, v))) => Ok((item, v, date, asked)),
        Ok(None) => match store::exists(&code) {
            Ok(true) => Err(Response::error(404, &format!("该事项在 {date} 尚未施行"), &format!("this item was not yet in force on {date}"))),
            Ok(false) => Err(Response::error(404, "没有这个事项", "no such service item")),
            Err(e) => Err(storage_error(e)),
        },
        Err(e) => Err(storage_error(e)),
    }
}

/// What the promised time limit means from today: "N 个工作日" and the
/// working day it falls on (or 即办).
pub fn time_limit(days: u32, lang: &str) -> (String, Option<String>, Option<String>) {
    if days == 0 {
        return (t(lang, "即办（材料齐全当场办结）", "on the spot (done at once when the materials are complete)").to_owned(), None, None);
    }
    let text = if lang == "en" { format!("{days} working days") } else { format!("{days} 个工作日") };
    match calendar::add_working_days(&calendar::today(), days as i32) {
        Ok(d) => (text, Some(d), None),
        Err(e) => (text, None, Some(e.to_string())),
    }
}

fn item_json(item: &Item, v: &store::VersionInfo, date: &str, lang: &str) -> serde_json::Value {
    let (text, due, _) = time_limit(item.time_limit_days, lang);
    let mut j = serde_json::to_value(item).unwrap_or_default();
    j["version"] = v.version.into();
    j["effective"] = v.effective.clone().into();
    j["as_of"] = date.into();
    j["category_label"] = model::category_label(&item.category, lang).into();
    j["time_limit_text"] = text.into();
    j["due_if_accepted_today"] = due.into();
    j["url"] = format!("/guides/item/{}", item.code).into();
    j["notice_url"] = format!("/guides/item/{}/notice", item.code).into();
    j
}

fn api_search(req: &Request) -> Response {
    let (date, _) = match asked_date(req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let q = req.query_param("q").unwrap_or_default();
    if q.chars().count() > 50 || q.chars().any(char::is_control) {
        return Invalid { status: 400, field: "q".into(), zh: "搜索词（q）不能超过 50 个字，也不能含控制字符".into(), en: "the search words (q) must be at most 50 characters without control characters".into() }.into_response();
    }
    let all = match store::all_in_force(&date) {
        Ok(a) => a,
        Err(e) => return storage_error(e),
    };
    let hits: Vec<&(Item, store::VersionInfo)> = if q.trim().is_empty() { all.iter().collect() } else { search::search(&all, &q) };
    let lang = req.lang();
    let items: Vec<serde_json::Value> = hits
        .iter()
        .map(|(i, v)| {
            serde_json::json!({"code": i.code, "name": i.name, "name_en": i.name_en, "category": i.category,
                "category_label": model::category_label(&i.category, lang), "summary": i.summary, "version": v.version,
                "effective": v.effective, "time_limit_days": i.time_limit_days, "url": format!("/guides/item/{}", i.code)})
        })
        .collect();
    Response::json(200, &serde_json::json!({"q": q, "as_of": date, "items": items}))
}

fn api_item(req: &Request) -> Response {
    match find(req) {
        Ok((item, v, date, _)) => Response::json(200, &item_json(&item, &v, &date, req.lang())),
        Err(r) => r,
    }
}

fn api_versions(req: &Request) -> Response {
    let code = req.param("code").unwrap_or_default();
    match store::exists(code) {
        Ok(true) => {}
        Ok(false) => return Response::error(404, "没有这个事项", "no such service item"),
        Err(e) => return storage_error(e),
    }
    match store::history(code) {
        Ok(mut h) => {
            // Who edited is the hall's business: residents see when and why.
            if !pages::can_edit(req) {
                for v in &mut h {
                    v.editor.clear();
                }
            }
            Response::json(200, &serde_json::json!({"code": code, "versions": h}))
        }
        Err(e) => storage_error(e),
    }
}

/// The materials a resident must bring: `on_file=m2,m3` names those the
/// hall holds for this resident (the caller, e.g. the applications plugin,
/// knows from the resident's record); materials the item marks as on file
/// for every resident count too. This is the hook the resident record
/// will feed; until then the caller says.
fn api_checklist(req: &Request) -> Response {
    let (item, v, date, _) = match find(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let held: Vec<String> = req.query_param("on_file").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if let Some(bad) = held.iter().find(|h| !item.materials.iter().any(|m| &m.id == *h)) {
        let bad: String = bad.chars().take(20).collect();
        return Invalid {
            status: 422,
            field: "on_file".into(),
            zh: format!("on_file 中的材料编号 {bad} 不是该事项的材料"),
            en: format!("on_file names {bad}, which is not a material of this item"),
        }
        .into_response();
    }
    let lang = req.lang();
    let materials: Vec<serde_json::Value> = item
        .materials
        .iter()
        .map(|m| {
            let on_file = m.on_file || held.contains(&m.id);
            serde_json::json!({"id": m.id, "name": m.name, "kind": m.kind, "kind_label": model::kind_label(&m.kind, lang),
                "copies": m.copies, "format": m.format, "issuer": m.issuer, "sample": m.sample, "note": m.note,
                "on_file": on_file, "bring": !on_file})
        })
        .collect();
    Response::json(200, &serde_json::json!({"code": item.code, "name": item.name, "version": v.version, "effective": v.effective, "as_of": date,
        "time_limit_days": item.time_limit_days, "materials": materials}))
}

/// What the editor's form sends: the item, from when it applies, and why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Save {
    item: serde_json::Value,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    note: String,
}

fn api_save(req: &Request, code: Option<&str>) -> Response {
    let body: Save = match req.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(e) = model::check_types(&body.item) {
        return e.into_response();
    }
    let mut item: Item = match serde_json::from_value(body.item) {
        Ok(i) => i,
        Err(e) => {
            // Types were checked: what is left is a missing or unknown field.
            let text = e.to_string();
            let field = text.split('`').nth(1).unwrap_or("item").to_owned();
            return Invalid::new(&field, format!("事项中缺少字段或有未知字段：{field}"), format!("the item lacks or has an unknown field: {field}")).into_response();
        }
    };
    if let Some(code) = code {
        item.code = code.to_owned();
    }
    let item = match item.checked() {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let today = calendar::today();
    let effective = if body.effective.trim().is_empty() { today.clone() } else { body.effective.trim().to_owned() };
    if !valid_date(&effective) {
        return Invalid::new("effective", "“生效日期”须为有效日期（YYYY-MM-DD）".into(), "“Effective from” must be a real date (YYYY-MM-DD)".into()).into_response();
    }
    if effective < today {
        return Invalid::new(
            "effective",
            format!("“生效日期”不能早于今天（{today}）：已施行的版本不能改写"),
            format!("“Effective from” cannot be before today ({today}): a version already in force is never rewritten"),
        )
        .into_response();
    }
    let note = match model::clean("note", "修改说明", "Change note", &body.note, 200, false, false) {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    let editor = req.caller.name.clone().or(req.caller.id.clone()).unwrap_or_default();
    match code {
        None => match store::create(&item, &effective, &editor, &note) {
            Ok(true) => {
                let _ = events::publish("guides.changed", &serde_json::json!({"code": item.code, "version": 1, "effective": effective}));
                log::info(&format!("guide item {} created", item.code));
                Response::json(201, &serde_json::json!({"code": item.code, "version": 1, "effective": effective}))
            }
            Ok(false) => Invalid { status: 409, field: "code".into(), zh: format!("事项编号 {} 已被使用", item.code), en: format!("the item code {} is taken", item.code) }.into_response(),
            Err(e) => storage_error(e),
        },
        Some(code) => {
            let latest = match store::latest(code) {
                Ok(Some(l)) => l,
                Ok(None) => return Response::error(404, "没有这个事项", "no such service item"),
                Err(e) => return storage_error(e),
            };
            if latest.0 == item && latest.1.effective == effective {
                return Response::json(200, &serde_json::json!({"code": code, "version": latest.1.version, "effective": effective, "unchanged": true}));
            }
            match store::save_version(&item, &effective, &editor, &note) {
                Ok(version) => {
                    let _ = events::publish("guides.changed", &serde_json::json!({"code": code, "version": version, "effective": effective}));
                    log::info(&format!("guide item {code} version {version} saved"));
                    Response::json(200, &serde_json::json!({"code": code, "version": version, "effective": effective}))
                }
                Err(e) => storage_error(e),
            }
        }
    }
}

export_plugin!(Guides);
