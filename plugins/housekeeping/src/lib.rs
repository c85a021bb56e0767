//! 家政服务预约 / Housekeeping bookings for the community service hall.
//!
//! Staff manage partner providers, their services with prices and the
//! bookable slots of each service (one booking per slot unless set). A
//! resident books with their phone and address; a full slot is refused,
//! and the same booking sent twice gives one. The provider confirms or
//! declines on a page of its own, reached with a plugin-managed access
//! (see `access.rs`: the host's staff roles all open staff pages, which an
//! outside company must never reach); the resident is told through
//! `notify`. After a confirmed visit the resident rates it once (1–5 and
//! words); each provider's average and count are shown to staff and
//! residents.

mod access;
mod book;
mod config;
mod db;
mod pages;

use config::Config;
use linli_sdk::prelude::*;

struct Housekeeping;

/// Staff who manage providers, services and slots.
const MANAGE: &[&str] = &["supervisor", "clerk"];
/// Staff who see the bookings (and help residents at the desk).
const VIEW: &[&str] = &["supervisor", "clerk", "guide"];

impl Plugin for Housekeeping {
    fn manifest() -> Manifest {
        Manifest::new("housekeeping", "家政服务预约", "Housekeeping", env!("CARGO_PKG_VERSION"))
            .description("家政服务预约：合作服务商、服务项目与价格、可约时段、服务商确认、居民评价 / partner providers, prices, slots, provider confirmation, ratings")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("notify")
            .capability("pseudonyms")
            .config(config::schema(), config::default_json())
            .route(Route::get("/housekeeping", Audience::Public))
            .route(Route::get("/housekeeping/provider", Audience::Public))
            .route(Route::get("/housekeeping/desk", Audience::Staff).roles(VIEW))
            .route(Route::get("/housekeeping/admin", Audience::Admin))
            .route(Route::get("/housekeeping/assets/{file}", Audience::Public))
            .route(Route::get("/api/housekeeping/providers", Audience::Public))
            .route(Route::get("/api/housekeeping/services/{id}/slots", Audience::Public))
            .route(Route::post("/api/housekeeping/bookings", Audience::Public))
            .route(Route::post("/api/housekeeping/lookup", Audience::Public))
            .route(Route::post("/api/housekeeping/bookings/{code}/cancel", Audience::Public))
            .route(Route::post("/api/housekeeping/bookings/{code}/rate", Audience::Public))
            .route(Route::post("/api/housekeeping/provider/sign-in", Audience::Public))
            .route(Route::post("/api/housekeeping/provider/bookings", Audience::Public))
            .route(Route::post("/api/housekeeping/provider/bookings/{id}/confirm", Audience::Public))
            .route(Route::post("/api/housekeeping/provider/bookings/{id}/decline", Audience::Public))
            .route(Route::get("/api/housekeeping/staff/providers", Audience::Staff).roles(VIEW))
            .route(Route::get("/api/housekeeping/staff/bookings", Audience::Staff).roles(VIEW))
            .route(Route::post("/api/housekeeping/providers", Audience::Staff).roles(MANAGE))
            .route(Route::post("/api/housekeeping/providers/{id}/sign-in-code", Audience::Staff).roles(MANAGE))
            .route(Route::post("/api/housekeeping/providers/{id}/revoke", Audience::Staff).roles(MANAGE))
            .route(Route::post("/api/housekeeping/providers/{id}/services", Audience::Staff).roles(MANAGE))
            .route(Route::post("/api/housekeeping/services/{id}", Audience::Staff).roles(MANAGE))
            .route(Route::post("/api/housekeeping/slots", Audience::Staff).roles(MANAGE))
            .route(Route::get("/api/housekeeping/config", Audience::Admin))
            .route(Route::post("/api/housekeeping/config", Audience::Admin))
            .page(Page::new("/housekeeping", "家政服务预约", "Housekeeping", Audience::Public))
            .page(Page::new("/housekeeping/desk", "家政服务管理", "Housekeeping desk", Audience::Staff).roles(VIEW))
            .page(Page::new("/housekeeping/admin", "家政服务设置", "Housekeeping settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        route(&req).unwrap_or_else(Fail::into_response)
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            db::ensure_schema()?;
            book::forget_phones(now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id").and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0).ok_or_else(|| Fail::user(404, "not_found", "没有这个编号", "no such number"))
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/housekeeping/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/housekeeping/config") => return linli_sdk::settings::change(req, Config::from_json, "housekeeping settings changed by an admin"),
        ("GET", "/api/housekeeping/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/housekeeping/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    let code = || req.param("code").unwrap_or("").to_owned();
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/housekeeping") => pages::resident(req),
        ("GET", "/housekeeping/provider") => pages::provider(req),
        ("GET", "/housekeeping/desk") => pages::desk(req),
        ("GET", "/api/housekeeping/providers") => ok(200, book::providers(false)?),
        ("GET", "/api/housekeeping/services/{id}/slots") => ok(200, book::slots(&cfg, id_param(req)?, now)?),
        ("POST", "/api/housekeeping/bookings") => ok(201, book::book(&cfg, req.json()?, lang, now)?),
        ("POST", "/api/housekeeping/lookup") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct L {
                code: String,
                phone: String,
            }
            let l: L = req.json()?;
            ok(200, book::lookup(&l.code, &l.phone, lang)?)
        }
        ("POST", "/api/housekeeping/bookings/{code}/cancel") => ok(200, book::cancel(&code(), req.json()?, lang, now)?),
        ("POST", "/api/housekeeping/bookings/{code}/rate") => ok(200, book::rate(&code(), req.json()?, lang, now)?),
        ("POST", "/api/housekeeping/provider/sign-in") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct S {
                code: String,
            }
            let s: S = req.json()?;
            ok(200, access::sign_in(&cfg, &s.code, now)?)
        }
        ("POST", "/api/housekeeping/provider/bookings") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct K {
                key: String,
            }
            let k: K = req.json()?;
            let pid = access::provider(&cfg, &k.key, now)?;
            ok(200, book::provider_bookings(pid, lang, now)?)
        }
        ("POST", "/api/housekeeping/provider/bookings/{id}/confirm") | ("POST", "/api/housekeeping/provider/bookings/{id}/decline") => {
            let d: book::Decision = req.json()?;
            let pid = access::provider(&cfg, &d.key, now)?;
            let confirm = req.route.ends_with("/confirm");
            ok(200, book::decide(pid, id_param(req)?, confirm, d, lang, now)?)
        }
        ("GET", "/api/housekeeping/staff/providers") => ok(200, book::providers(true)?),
        ("GET", "/api/housekeeping/staff/bookings") => ok(200, book::staff_bookings(lang, now)?),
        ("POST", "/api/housekeeping/providers") => ok(201, book::add_provider(req.json()?, &req.caller, now)?),
        ("POST", "/api/housekeeping/providers/{id}/sign-in-code") => {
            let p = book::provider(id_param(req)?)?;
            let code = access::new_code(p.id, req.caller.id.as_deref(), now)?;
            ok(200, serde_json::json!({"id": p.id, "sign_in": book::sign_in_view(&code)}))
        }
        ("POST", "/api/housekeeping/providers/{id}/revoke") => {
            let p = book::provider(id_param(req)?)?;
            let n = access::revoke(p.id, now)?;
            log::info(&format!("provider {} access revoked ({n} codes and keys)", p.id));
            ok(200, serde_json::json!({"id": p.id, "revoked": n}))
        }
        ("POST", "/api/housekeeping/providers/{id}/services") => ok(201, book::add_service(id_param(req)?, req.json()?)?),
        ("POST", "/api/housekeeping/services/{id}") => ok(200, book::change_service(id_param(req)?, req.json()?)?),
        ("POST", "/api/housekeeping/slots") => ok(201, book::add_slot(req.json()?, now)?),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Housekeeping);
