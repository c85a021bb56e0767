//! 老年活动角 (the seniors' corner) of the community service hall.
//!
//! A weekly activity calendar (health talks, chess, calligraphy, exercise
//! …) that staff and volunteers keep: weekly entries and one-offs, never
//! on a day the hall is closed (the hall's `calendar`). Residents sign up
//! by phone; each activity has places and a waiting list, and a place
//! freed by a cancellation goes to the first on the list, who is told
//! through `notify`. A volunteer or guide signs up a resident who has no
//! phone (代办: who signed up whom is kept; the resident is then known by
//! name and the sign-up code written on a slip). Check-in is at the
//! corner's tablet (a paired kiosk: big type, big buttons, by phone or
//! code). Reminders go the day before and an hour before, once each. The
//! corner's screen shows today's and this week's activities in very large
//! type.

mod acts;
mod config;
mod db;
mod pages;
mod remind;
mod signup;

use config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;


struct Seniors;

/// Staff who keep the calendar and sign up residents (代办).
const STAFF: &[&str] = &["volunteer", "guide", "clerk", "supervisor"];

impl Plugin for Seniors {
    fn manifest() -> Manifest {
        Manifest::new("seniors", "老年活动角", "Seniors' corner", env!("CARGO_PKG_VERSION"))
            .description("老年活动角：每周活动表、报名与候补、平板签到、代办报名、提醒和大字屏 / the seniors' corner: weekly activities, sign-up with a waiting list, tablet check-in, sign-up for residents without a phone, reminders and a large-type screen")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("pseudonyms")
            .capability("notify")
            .config(config::schema(), config::default_json())
            .route(Route::get("/seniors", Audience::Public))
            .route(Route::get("/seniors/board", Audience::Public))
            .route(Route::get("/seniors/assets/{file}", Audience::Public))
            .route(Route::get("/seniors/tablet", Audience::Kiosk))
            .route(Route::get("/seniors/desk", Audience::Staff).roles(STAFF))
            .route(Route::get("/seniors/slip/{code}", Audience::Staff).roles(STAFF))
            .route(Route::get("/seniors/admin", Audience::Admin))
            .route(Route::get("/api/seniors/week", Audience::Public))
            .route(Route::post("/api/seniors/signups", Audience::Public))
            .route(Route::post("/api/seniors/lookup", Audience::Public))
            .route(Route::post("/api/seniors/signups/{code}/cancel", Audience::Public))
            .route(Route::post("/api/seniors/check-in", Audience::Kiosk))
            .route(Route::get("/api/seniors/activities", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/seniors/activities", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/seniors/activities/{id}", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/seniors/activities/{id}/stop", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/seniors/desk/signups", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/seniors/desk/signups/{code}/cancel", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/seniors/roster", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/seniors/config", Audience::Admin))
            .route(Route::post("/api/seniors/config", Audience::Admin))
            .page(Page::new("/seniors", "老年活动角", "Seniors' corner", Audience::Public))
            .page(Page::new("/seniors/board", "活动角大屏", "Corner screen", Audience::Public))
            .page(Page::new("/seniors/tablet", "活动签到", "Activity check-in", Audience::Kiosk))
            .page(Page::new("/seniors/desk", "活动角管理", "Corner desk", Audience::Staff).roles(STAFF))
            .page(Page::new("/seniors/admin", "活动角设置", "Corner settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        route(&req).unwrap_or_else(Fail::into_response)
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            let cfg = Config::load()?;
            db::ensure_schema()?;
            remind::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id").and_then(|s| s.parse().ok()).ok_or_else(|| Fail::field(404, "activity_unknown", "id", "没有这项活动", "there is no such activity"))
}

fn by(req: &Request) -> (String, String) {
    (req.caller.id.clone().unwrap_or_else(|| "staff".into()), req.caller.name.clone().unwrap_or_default())
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/seniors/assets/{file}" {
        return Ok(pages::asset(req));
    }
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/seniors/config") => return linli_sdk::settings::change(req, Config::from_json, "seniors' corner settings changed by an admin"),
        ("GET", "/api/seniors/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/seniors/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/seniors") => pages::resident(&cfg, req),
        ("GET", "/seniors/desk") => pages::desk(&cfg, req),
        ("GET", "/seniors/tablet") => pages::tablet(&cfg, req),
        ("GET", "/seniors/board") => pages::board(&cfg, req, now),
        ("GET", "/seniors/slip/{code}") => {
            let s = signup::by_code(req.param("code").unwrap_or(""))?.ok_or_else(|| Fail::user(404, "signup_not_found", "没有这个报名码", "no such sign-up code"))?;
            pages::slip(&cfg, req, &s)
        }
        ("GET", "/api/seniors/week") => {
            let from = match req.query_param("from") {
                Some(d) if calendar::days_of(&d).is_some() => d,
                Some(_) => return Err(Fail::field(422, "day_invalid", "from", "日期不正确，应为 YYYY-MM-DD", "from must be a date YYYY-MM-DD")),
                None => acts::monday_of(&db::local_day(now).0),
            };
            ok(200, acts::week(&cfg, &from, lang, now)?)
        }
        ("POST", "/api/seniors/signups") => ok(201, signup::sign_up(&cfg, req.json()?, None, lang, now)?),
        ("POST", "/api/seniors/desk/signups") => {
            let (id, name) = by(req);
            ok(201, signup::sign_up(&cfg, req.json()?, Some((&id, &name)), lang, now)?)
        }
        ("POST", "/api/seniors/lookup") => {
            let s = signup::owned(&req.json()?)?;
            ok(200, signup::mine(&cfg, &s, lang, now)?)
        }
        ("POST", "/api/seniors/signups/{code}/cancel") => {
            let mut p: signup::Proof = req.json()?;
            p.code = req.param("code").unwrap_or("").to_owned();
            let s = signup::owned(&p)?;
            ok(200, signup::cancel(&cfg, &s, "resident", lang, now)?)
        }
        ("POST", "/api/seniors/desk/signups/{code}/cancel") => {
            let s = signup::by_code(req.param("code").unwrap_or(""))?.ok_or_else(|| Fail::user(404, "signup_not_found", "没有这个报名码", "no such sign-up code"))?;
            let who = format!("staff:{}", by(req).0);
            ok(200, signup::cancel(&cfg, &s, &who, lang, now)?)
        }
        ("POST", "/api/seniors/check-in") => ok(200, signup::check_in(&cfg, req.json()?, lang, now)?),
        ("GET", "/api/seniors/activities") => ok(200, acts::all(&cfg, lang)?),
        ("POST", "/api/seniors/activities") => ok(201, acts::create(&cfg, req, now)?),
        ("POST", "/api/seniors/activities/{id}") => ok(200, acts::update(&cfg, req, id_param(req)?, now)?),
        ("POST", "/api/seniors/activities/{id}/stop") => ok(200, acts::stop(req, id_param(req)?, now)?),
        ("GET", "/api/seniors/roster") => {
            let activity = req.query_param("activity").and_then(|s| s.parse().ok()).ok_or_else(|| Fail::field(422, "activity_required", "activity", "请选择活动", "choose an activity"))?;
            let day = req.query_param("day").filter(|d| calendar::days_of(d).is_some()).ok_or_else(|| Fail::field(422, "day_invalid", "day", "日期不正确，应为 YYYY-MM-DD", "day must be a date YYYY-MM-DD"))?;
            ok(200, signup::roster(&cfg, activity, &day, lang, now)?)
        }
        _ => Ok(Response::not_found(req)),
    }
}


export_plugin!(Seniors);
