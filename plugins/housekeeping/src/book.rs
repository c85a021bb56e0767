//! Providers, their services and prices, slots, bookings and ratings.

use crate::config::Config;
use crate::db::{self, day_of, minutes};
use linli_sdk::input;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;

fn status_name(s: &str, lang: &str) -> &'static str {
    match s {
        "pending" => t(lang, "待服务商确认", "awaiting the provider"),
        "confirmed" => t(lang, "已确认", "confirmed"),
        "declined" => t(lang, "服务商已婉拒", "declined by the provider"),
        "cancelled" => t(lang, "已取消", "cancelled"),
        _ => "",
    }
}

fn yuan(cents: i64) -> String {
    if cents % 100 == 0 { format!("{}", cents / 100) } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

// ---- Providers and services (staff) ---------------------------------------

#[derive(Deserialize)]
pub struct Provider {
    pub id: i64,
    pub name: String,
    pub contact: String,
    pub intro: String,
    pub active: i64,
}

pub fn provider(id: i64) -> Result<Provider, Fail> {
    db::row("SELECT id, name, contact, intro, active FROM providers WHERE id = ?1", &[sql::int(id)])?
        .ok_or_else(|| Fail::user(404, "provider_not_found", "没有这个服务商", "no such provider"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    name: String,
    contact: String,
    #[serde(default)]
    intro: Option<String>,
}

/// Staff add a partner provider: its one-time sign-in code comes back
/// once, in this answer only.
pub fn add_provider(p: NewProvider, caller: &Caller, now: i64) -> Result<Value, Fail> {
    let name = input::required("name", "服务商名称", &p.name, 40)?;
    let contact = input::phone("contact", &p.contact)?;
    let intro = input::optional("intro", "简介", p.intro.as_deref(), 300)?.unwrap_or_default();
    if db::int("SELECT COUNT(*) AS n FROM providers WHERE name = ?1", &[sql::text(&name)])? > 0 {
        return Err(Fail::field(409, "provider_exists", "name", format!("已有名为“{name}”的服务商"), format!("a provider named {name} exists")));
    }
    let ids: Vec<i64> = sql::query_as(
        "INSERT INTO providers (name, contact, intro, active, created_at, created_by) VALUES (?1, ?2, ?3, 1, ?4, ?5) RETURNING id",
        &[sql::text(&name), sql::text(&contact), sql::text(&intro), sql::int(now), db::opt(caller.id.as_deref())],
    )?;
    let id = ids.first().copied().ok_or_else(|| Fail::internal("no provider id returned"))?;
    let code = crate::access::new_code(id, caller.id.as_deref(), now)?;
    log::info(&format!("provider {id} added"));
    Ok(json!({"id": id, "name": name, "sign_in": sign_in_view(&code)}))
}

pub fn sign_in_view(code: &str) -> Value {
    json!({"code": code, "link": format!("/housekeeping/provider#{code}")})
}

pub fn ratings(provider_id: i64) -> Result<Value, Fail> {
    #[derive(Deserialize)]
    struct R {
        total: Option<i64>,
        n: i64,
    }
    let r = db::row::<R>("SELECT CAST(SUM(rating) AS INTEGER) AS total, COUNT(rating) AS n FROM bookings WHERE provider_id = ?1 AND rating IS NOT NULL", &[sql::int(provider_id)])?
        .unwrap_or(R { total: None, n: 0 });
    let avg = if r.n > 0 { Some(((r.total.unwrap_or(0) as f64 / r.n as f64) * 10.0).round() / 10.0) } else { None };
    Ok(json!({"average": avg, "count": r.n}))
}

#[derive(Deserialize)]
struct Service {
    id: i64,
    provider_id: i64,
    name: String,
    price_cents: i64,
    unit: String,
    active: i64,
}

fn service_view(s: &Service) -> Value {
    json!({"id": s.id, "provider": s.provider_id, "name": s.name, "price": yuan(s.price_cents), "price_cents": s.price_cents, "unit": s.unit, "active": s.active == 1})
}

/// Providers with their services, prices and ratings: for residents the
/// active ones (no contact phone), for staff all with their access state.
pub fn providers(staff: bool) -> Result<Value, Fail> {
    let list: Vec<Provider> = db::rows(&format!("SELECT id, name, contact, intro, active FROM providers {} ORDER BY id", if staff { "" } else { "WHERE active = 1" }), &[])?;
    let mut out = Vec::new();
    for p in &list {
        let services: Vec<Service> = db::rows(
            &format!("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE provider_id = ?1 {} ORDER BY id", if staff { "" } else { "AND active = 1" }),
            &[sql::int(p.id)],
        )?;
        let mut v = json!({"id": p.id, "name": p.name, "intro": p.intro, "active": p.active == 1, "services": services.iter().map(service_view).collect::<Vec<_>>(), "ratings": ratings(p.id)?});
        if staff {
            v["contact"] = json!(p.contact);
            v["access"] = crate::access::state(p.id)?;
        }
        out.push(v);
    }
    Ok(json!({"providers": out}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    name: String,
    /// Yuan, e.g. 60 or 59.5.
    price: f64,
    #[serde(default)]
    unit: Option<String>,
}

pub fn add_service(provider_id: i64, s: NewService) -> Result<Value, Fail> {
    let p = provider(provider_id)?;
    let name = input::required("name", "服务名称", &s.name, 30)?;
    let unit = input::optional("unit", "计价单位", s.unit.as_deref(), 10)?.unwrap_or_else(|| "次".into());
    if !s.price.is_finite() || s.price <= 0.0 || s.price > 100_000.0 {
        return Err(Fail::field(422, "price_invalid", "price", "价格应为 0.01 至 100000 元", "the price must be 0.01 to 100000 yuan"));
    }
    let cents = (s.price * 100.0).round() as i64;
    if db::int("SELECT COUNT(*) AS n FROM services WHERE provider_id = ?1 AND name = ?2", &[sql::int(p.id), sql::text(&name)])? > 0 {
        return Err(Fail::field(409, "service_exists", "name", format!("{}已有“{name}”这项服务", p.name), format!("{} already offers {name}", p.name)));
    }
    let svc: Option<Service> = db::row(
        "INSERT INTO services (provider_id, name, price_cents, unit, active) VALUES (?1, ?2, ?3, ?4, 1) RETURNING id, provider_id, name, price_cents, unit, active",
        &[sql::int(p.id), sql::text(&name), sql::int(cents), sql::text(&unit)],
    )?;
    let svc = svc.ok_or_else(|| Fail::internal("no service returned"))?;
    Ok(service_view(&svc))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceChange {
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    active: Option<bool>,
}

pub fn change_service(id: i64, c: ServiceChange) -> Result<Value, Fail> {
    let s: Service = db::row("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE id = ?1", &[sql::int(id)])?
        .ok_or_else(|| Fail::user(404, "service_not_found", "没有这项服务", "no such service"))?;
    if let Some(p) = c.price {
        if !p.is_finite() || p <= 0.0 || p > 100_000.0 {
            return Err(Fail::field(422, "price_invalid", "price", "价格应为 0.01 至 100000 元", "the price must be 0.01 to 100000 yuan"));
        }
        sql::execute("UPDATE services SET price_cents = ?2 WHERE id = ?1", &[sql::int(s.id), sql::int((p * 100.0).round() as i64)])?;
    }
    if let Some(a) = c.active {
        sql::execute("UPDATE services SET active = ?2 WHERE id = ?1", &[sql::int(s.id), sql::int(a as i64)])?;
    }
    let s: Option<Service> = db::row("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE id = ?1", &[sql::int(id)])?;
    Ok(s.as_ref().map(service_view).unwrap_or(Value::Null))
}

// ---- Slots -----------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSlot {
    service: i64,
    day: String,
    start: String,
    end: String,
    #[serde(default)]
    capacity: Option<i64>,
}

pub fn add_slot(s: NewSlot, now: i64) -> Result<Value, Fail> {
    let svc: Service = db::row("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE id = ?1", &[sql::int(s.service)])?
        .ok_or_else(|| Fail::field(422, "service_not_found", "service", "没有这项服务", "no such service"))?;
    let day = s.day.trim();
    if calendar::days_of(day).is_none() {
        return Err(Fail::field(422, "day_invalid", "day", "日期格式应为 YYYY-MM-DD", "the day must be YYYY-MM-DD"));
    }
    let (Some(a), Some(b)) = (minutes(s.start.trim()), minutes(s.end.trim())) else {
        return Err(Fail::field(422, "time_invalid", "start", "时间格式应为 HH:MM", "times must be HH:MM"));
    };
    if a >= b {
        return Err(Fail::field(422, "end_before_start", "end", "结束时间应晚于开始时间", "the end must come after the start"));
    }
    let capacity = s.capacity.unwrap_or(1);
    if !(1..=20).contains(&capacity) {
        return Err(Fail::field(422, "capacity_invalid", "capacity", "名额应为 1 至 20", "the capacity must be 1 to 20"));
    }
    let start_ms = calendar::instant(day, a).ok_or_else(|| Fail::internal("slot start"))?;
    let end_ms = calendar::instant(day, b).ok_or_else(|| Fail::internal("slot end"))?;
    if start_ms <= now {
        return Err(Fail::field(422, "slot_in_past", "day", "不能添加已经过去的时段", "the slot is in the past"));
    }
    let id: Vec<i64> = sql::query_as(
        "INSERT INTO slots (provider_id, service_id, day, start_time, end_time, start_ms, end_ms, capacity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (service_id, day, start_time) DO NOTHING RETURNING id",
        &[sql::int(svc.provider_id), sql::int(svc.id), sql::text(day), sql::text(s.start.trim()), sql::text(s.end.trim()), sql::int(start_ms), sql::int(end_ms), sql::int(capacity)],
    )?;
    let Some(id) = id.first().copied() else {
        return Err(Fail::field(409, "slot_exists", "start", format!("{}在 {day} {} 已有时段", svc.name, s.start.trim()), format!("{} already has a slot on {day} at {}", svc.name, s.start.trim())));
    };
    Ok(json!({"id": id, "service": svc.id, "day": day, "start": s.start.trim(), "end": s.end.trim(), "capacity": capacity}))
}

#[derive(Deserialize)]
struct Slot {
    id: i64,
    provider_id: i64,
    service_id: i64,
    day: String,
    start_time: String,
    end_time: String,
    start_ms: i64,
    end_ms: i64,
    capacity: i64,
}

const SLOT_COLUMNS: &str = "id, provider_id, service_id, day, start_time, end_time, start_ms, end_ms, capacity";

fn taken(slot: i64) -> Result<i64, Fail> {
    db::int("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?1 AND seat IS NOT NULL", &[sql::int(slot)])
}

/// A service's slots from now to `days_ahead`, with the places left.
pub fn slots(cfg: &Config, service: i64, now: i64) -> Result<Value, Fail> {
    let list: Vec<Slot> = db::rows(
        &format!("SELECT {SLOT_COLUMNS} FROM slots WHERE service_id = ?1 AND start_ms > ?2 AND start_ms <= ?3 ORDER BY start_ms"),
        &[sql::int(service), sql::int(now), sql::int(now + cfg.days_ahead as i64 * DAY)],
    )?;
    let mut out = Vec::new();
    for s in &list {
        let left = (s.capacity - taken(s.id)?).max(0);
        out.push(json!({"id": s.id, "day": s.day, "start": s.start_time, "end": s.end_time, "capacity": s.capacity, "left": left}));
    }
    Ok(json!({"service": service, "slots": out}))
}

// ---- Bookings --------------------------------------------------------------

#[derive(Deserialize, Clone)]
pub struct Booking {
    pub id: i64,
    pub code: String,
    pub slot_id: i64,
    pub provider_id: i64,
    pub service_id: i64,
    pub phone: String,
    pub phone_shown: String,
    pub address: String,
    pub note: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub decline_reason: Option<String>,
    pub rating: Option<i64>,
    pub rating_words: Option<String>,
}

const BOOKING_COLUMNS: &str = "id, code, slot_id, provider_id, service_id, phone, phone_shown, address, note, status, created_at, decline_reason, rating, rating_words";

fn slot(id: i64) -> Result<Option<Slot>, Fail> {
    db::row(&format!("SELECT {SLOT_COLUMNS} FROM slots WHERE id = ?1"), &[sql::int(id)])
}

/// A booking as the resident, the provider (`phone_full` once confirmed) or staff see it.
pub fn view(b: &Booking, lang: &str, phone_full: bool) -> Result<Value, Fail> {
    let s = slot(b.slot_id)?;
    let svc: Option<Service> = db::row("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE id = ?1", &[sql::int(b.service_id)])?;
    let p = provider(b.provider_id)?;
    Ok(json!({
        "id": b.id,
        "code": b.code,
        "status": b.status,
        "status_name": status_name(&b.status, lang),
        "provider": p.name,
        "provider_id": p.id,
        "service": svc.as_ref().map(|s| s.name.clone()),
        "price": svc.as_ref().map(|s| format!("{} {}/{}", yuan(s.price_cents), t(lang, "元", "yuan"), s.unit)),
        "day": s.as_ref().map(|s| s.day.clone()),
        "start": s.as_ref().map(|s| s.start_time.clone()),
        "end": s.as_ref().map(|s| s.end_time.clone()),
        "phone": if phone_full { b.phone.clone() } else { b.phone_shown.clone() },
        "address": b.address,
        "note": b.note,
        "decline_reason": b.decline_reason,
        "rating": b.rating,
        "rating_words": b.rating_words,
        "booked_at": clock::format_local(b.created_at),
    }))
}

fn booking_by_code(code: &str, phone: &str) -> Result<Booking, Fail> {
    let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    let p = input::phone("phone", phone)?;
    let b: Option<Booking> = db::row(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE code = ?1 AND resident = ?2"), &[sql::text(&code), sql::text(&pseudonyms::of("phone", &p))])?;
    b.ok_or_else(|| Fail::user(404, "booking_not_found", "预约码和手机号对不上", "no booking with this code and phone"))
}

fn get(id: i64) -> Result<Booking, Fail> {
    db::row(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = ?1"), &[sql::int(id)])?.ok_or_else(|| Fail::user(404, "booking_not_found", "没有这个预约", "no such booking"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    slot: i64,
    phone: String,
    address: String,
    #[serde(default)]
    note: Option<String>,
}

/// A resident books a slot: refused when the provider's slot is full or
/// the same resident already holds it (the same booking sent twice).
pub fn book(cfg: &Config, a: Ask, lang: &str, now: i64) -> Result<Value, Fail> {
    let phone = input::phone("phone", &a.phone)?;
    let address = input::required("address", "服务地址", &a.address, 100)?;
    let note = input::optional("note", "备注", a.note.as_deref(), 200)?;
    let s = slot(a.slot)?.ok_or_else(|| Fail::field(404, "slot_not_found", "slot", "没有这个时段", "no such slot"))?;
    if s.start_ms <= now {
        return Err(Fail::field(409, "slot_past", "slot", "这个时段已经开始或过去", "this slot has started or passed"));
    }
    if s.start_ms > now + cfg.days_ahead as i64 * DAY {
        return Err(Fail::field(409, "slot_not_open", "slot", format!("只能预约 {} 天内的时段", cfg.days_ahead), format!("only slots within {} days can be booked", cfg.days_ahead)));
    }
    let svc: Service = db::row("SELECT id, provider_id, name, price_cents, unit, active FROM services WHERE id = ?1", &[sql::int(s.service_id)])?
        .ok_or_else(|| Fail::internal("slot without service"))?;
    let p = provider(s.provider_id)?;
    if svc.active != 1 || p.active != 1 {
        return Err(Fail::field(409, "service_closed", "slot", "这项服务暂停预约", "this service is not taking bookings"));
    }
    let resident = pseudonyms::of("phone", &phone);
    let key = format!("{}|{resident}", s.id);
    if db::int("SELECT COUNT(*) AS n FROM bookings WHERE active_key = ?1", &[sql::text(&key)])? > 0 {
        return Err(Fail::field(409, "already_booked", "slot", format!("该手机号已预约{} {} {} 的{}", p.name, s.day, s.start_time, svc.name), format!("this phone already booked {} {} at {} with {}", svc.name, s.day, s.start_time, p.name)));
    }
    let seats: Vec<(i64,)> = db::rows("SELECT seat FROM bookings WHERE slot_id = ?1 AND seat IS NOT NULL", &[sql::int(s.id)])?;
    let Some(seat) = (1..=s.capacity).find(|n| !seats.iter().any(|(x,)| x == n)) else {
        return Err(Fail::field(409, "slot_full", "slot", format!("{}{} {} 的时段已约满，请选择其他时段", p.name, s.day, s.start_time), format!("{}'s slot on {} at {} is full; choose another", p.name, s.day, s.start_time)));
    };
    let code = db::random_code(8)?;
    let b: Option<Booking> = db::row(
        &format!(
            "INSERT INTO bookings (code, slot_id, service_id, provider_id, resident, phone, phone_shown, address, note, status, seat, active_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?11, ?12) ON CONFLICT DO NOTHING RETURNING {BOOKING_COLUMNS}"
        ),
        &[
            sql::text(&code),
            sql::int(s.id),
            sql::int(svc.id),
            sql::int(p.id),
            sql::text(&resident),
            sql::text(&phone),
            sql::text(&mask::phone(&phone)),
            sql::text(&address),
            db::opt(note.as_deref()),
            sql::int(seat),
            sql::text(&key),
            sql::int(now),
        ],
    )?;
    let Some(b) = b else {
        return Err(Fail::user(409, "conflict", "预约未成功（名额刚被占用），请重新选择", "the booking did not go through (the place was just taken); choose again"));
    };
    let sent = notify::Message::to_phone(&phone, "housekeeping-booked", "您已预约{provider}的{service}（{day} {start}），预约码 {code}，等待服务商确认。", "You booked {service} with {provider} ({day} {start}), booking code {code}; waiting for the provider to confirm.")
        .param("provider", &p.name)
        .param("service", &svc.name)
        .param("day", &s.day)
        .param("start", &s.start_time)
        .param("code", &b.code)
        .send();
    if let Err(e) = sent {
        log::warn(&format!("booking notice held back: {e}"));
    }
    // The provider hears of it on its contact phone (never the resident's).
    if let Err(e) = notify::Message::to_phone(&p.contact, "housekeeping-new", "有新的家政预约：{service} {day} {start}，请登录服务商页面确认或婉拒。", "A new booking: {service} {day} {start}; please sign in to the provider page to confirm or decline.")
        .param("service", &svc.name)
        .param("day", &s.day)
        .param("start", &s.start_time)
        .send()
    {
        log::warn(&format!("provider notice held back: {e}"));
    }
    view(&b, lang, false)
}

pub fn lookup(code: &str, phone: &str, lang: &str) -> Result<Value, Fail> {
    let b = booking_by_code(code, phone)?;
    view(&b, lang, false)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    phone: String,
}

pub fn cancel(code: &str, o: Owner, lang: &str, now: i64) -> Result<Value, Fail> {
    let b = booking_by_code(code, &o.phone)?;
    let s = slot(b.slot_id)?;
    if !matches!(b.status.as_str(), "pending" | "confirmed") {
        return Err(Fail::user(409, "booking_not_active", format!("这个预约{}，不能取消", status_name(&b.status, "zh-CN")), format!("this booking is {}; it cannot be cancelled", status_name(&b.status, "en"))));
    }
    if s.as_ref().map(|s| s.start_ms <= now).unwrap_or(true) {
        return Err(Fail::user(409, "slot_past", "服务时间已到，不能取消", "the visit has begun; it cannot be cancelled"));
    }
    sql::execute("UPDATE bookings SET status = 'cancelled', seat = NULL, active_key = NULL, decided_at = ?2 WHERE id = ?1", &[sql::int(b.id), sql::int(now)])?;
    view(&get(b.id)?, lang, false)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    phone: String,
    stars: i64,
    #[serde(default)]
    words: Option<String>,
}

/// The resident rates a confirmed visit once its time has passed, once.
pub fn rate(code: &str, r: Rating, lang: &str, now: i64) -> Result<Value, Fail> {
    let b = booking_by_code(code, &r.phone)?;
    if !(1..=5).contains(&r.stars) {
        return Err(Fail::field(422, "stars_invalid", "stars", "评分应为 1 至 5 星", "the rating must be 1 to 5 stars"));
    }
    let words = input::optional("words", "评价", r.words.as_deref(), 300)?;
    if b.status != "confirmed" {
        return Err(Fail::user(409, "not_confirmed", "只有服务商确认过的预约才能评价", "only a booking the provider confirmed can be rated"));
    }
    if slot(b.slot_id)?.map(|s| s.end_ms > now).unwrap_or(true) {
        return Err(Fail::user(409, "visit_not_over", "服务结束后才能评价", "rate the visit once it is over"));
    }
    let n = sql::execute(
        "UPDATE bookings SET rating = ?2, rating_words = ?3, rated_at = ?4 WHERE id = ?1 AND rating IS NULL",
        &[sql::int(b.id), sql::int(r.stars), db::opt(words.as_deref()), sql::int(now)],
    )?;
    if n == 0 {
        return Err(Fail::user(409, "already_rated", "这个预约已经评价过了", "this booking was rated already"));
    }
    view(&get(b.id)?, lang, false)
}

// ---- The provider's side ---------------------------------------------------

/// The provider's bookings from yesterday on, and its ratings.
pub fn provider_bookings(pid: i64, lang: &str, now: i64) -> Result<Value, Fail> {
    let p = provider(pid)?;
    let list: Vec<Booking> = db::rows(
        &format!("SELECT b.{} FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.provider_id = ?1 AND s.end_ms > ?2 ORDER BY s.start_ms, b.id", BOOKING_COLUMNS.replace(", ", ", b.")),
        &[sql::int(pid), sql::int(now - DAY)],
    )?;
    let mut out = Vec::new();
    for b in &list {
        // The booking code is the resident's (it cancels and rates): not the provider's.
        let mut v = view(b, lang, b.status == "confirmed")?;
        if let Some(o) = v.as_object_mut() {
            o.remove("code");
        }
        out.push(v);
    }
    Ok(json!({"provider": p.name, "bookings": out, "ratings": ratings(pid)?}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub key: String,
    #[serde(default)]
    reason: Option<String>,
}

/// The provider confirms or declines one of its own pending bookings; the
/// resident is told through `notify`.
pub fn decide(pid: i64, id: i64, confirm: bool, d: Decision, lang: &str, now: i64) -> Result<Value, Fail> {
    let reason = input::optional("reason", "原因", d.reason.as_deref(), 100)?;
    let b = get(id)?;
    if b.provider_id != pid {
        return Err(Fail::user(404, "booking_not_found", "没有这个预约", "no such booking"));
    }
    if b.status != "pending" {
        return Err(Fail::user(409, "booking_decided", format!("这个预约{}，不能再更改", status_name(&b.status, "zh-CN")), format!("this booking is {}; it cannot change", status_name(&b.status, "en"))));
    }
    let s = slot(b.slot_id)?.ok_or_else(|| Fail::internal("booking without slot"))?;
    let p = provider(pid)?;
    if confirm {
        sql::execute("UPDATE bookings SET status = 'confirmed', decided_at = ?2 WHERE id = ?1", &[sql::int(id), sql::int(now)])?;
    } else {
        sql::execute("UPDATE bookings SET status = 'declined', decided_at = ?2, decline_reason = ?3, seat = NULL, active_key = NULL WHERE id = ?1", &[sql::int(id), sql::int(now), db::opt(reason.as_deref())])?;
    }
    let (tpl, zh, en) = if confirm {
        ("housekeeping-confirmed", "{provider}已确认您 {day} {start} 的家政预约（预约码 {code}），届时将上门服务。", "{provider} confirmed your booking on {day} at {start} (code {code}) and will come then.")
    } else {
        ("housekeeping-declined", "很抱歉，{provider}婉拒了您 {day} {start} 的家政预约（预约码 {code}）{reason}。请另选时段或服务商。", "Sorry, {provider} declined your booking on {day} at {start} (code {code}){reason_en}. Please choose another slot or provider.")
    };
    let mut m = notify::Message::to_phone(&b.phone, tpl, zh, en).param("provider", &p.name).param("day", &s.day).param("start", &s.start_time).param("code", &b.code);
    if !confirm {
        m = m.param("reason", &reason.as_deref().map(|r| format!("，原因：{r}")).unwrap_or_default()).param("reason_en", &reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default());
    }
    if let Err(e) = m.send() {
        log::warn(&format!("decision notice held back: {e}"));
    }
    let mut v = view(&get(id)?, lang, confirm)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("code");
    }
    Ok(v)
}

/// Staff's view of recent and coming bookings.
pub fn staff_bookings(lang: &str, now: i64) -> Result<Value, Fail> {
    let list: Vec<Booking> = db::rows(
        &format!("SELECT b.{} FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE s.end_ms > ?1 ORDER BY s.start_ms, b.id LIMIT 300", BOOKING_COLUMNS.replace(", ", ", b.")),
        &[sql::int(now - 7 * DAY)],
    )?;
    let mut out = Vec::new();
    for b in &list {
        let mut v = view(b, lang, false)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("code");
        }
        out.push(v);
    }
    Ok(json!({"bookings": out, "today": day_of(now)}))
}

/// How long after a visit the resident's phone is kept (for the provider
/// to call back about it); then only its pseudonym and masked form stay,
/// which is all that looking up, cancelling and rating need.
pub const KEEP_PHONE_DAYS: i64 = 30;

pub fn forget_phones(now: i64) -> Result<(), Fail> {
    let n = sql::execute(
        "UPDATE bookings SET phone = '' WHERE phone <> '' AND slot_id IN (SELECT id FROM slots WHERE end_ms < ?1)",
        &[sql::int(now - KEEP_PHONE_DAYS * DAY)],
    )?;
    if n > 0 {
        log::info(&format!("{n} residents' phones forgotten {KEEP_PHONE_DAYS} days after their visits"));
    }
    Ok(())
}
