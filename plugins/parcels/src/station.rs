//! The station's rules: registering a parcel (one tracking number once, a
//! location by the shelf rule or typed), the pickup code sent to the
//! resident, the handover by code or by ID card (代取 recorded), the lock
//! after too many wrong codes, reminders, returns and the day's counts.

use crate::config::Config;
use crate::db::{self, COLUMNS, Parcel, day_of};
use linli_sdk::input;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;
/// Messages per tick and kind: well under the host's per-call limit.
const BATCH: i64 = 9;

fn status_name(status: &str, lang: &str) -> &'static str {
    match status {
        "waiting" => t(lang, "待取件", "waiting"),
        "picked" => t(lang, "已取件", "picked up"),
        "returned" => t(lang, "退回", "returned"),
        _ => "",
    }
}

/// The host's pseudonym of a phone: what matching a resident needs.
pub struct Resident {
    pub key: String,
    pub phone: String,
    pub shown: String,
}

pub fn resident(field: &str, phone: &str) -> Result<Resident, Fail> {
    let p = input::phone(field, phone)?;
    Ok(Resident { key: pseudonyms::of("phone", &p), shown: mask::phone(&p), phone: p })
}

/// A pickup code as stored: its pseudonym, bound to the resident, so one
/// resident's code says nothing about another's.
fn code_hash(resident: &str, code: &str) -> String {
    pseudonyms::of("pickup-code", &format!("{resident}|{code}"))
}

/// Six digits a resident reads out at the desk.
fn new_code() -> Result<String, Fail> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| Fail::internal(format!("no random bytes for a pickup code: {e}")))?;
    Ok(format!("{:06}", u32::from_le_bytes(b) % 1_000_000))
}

/// A fresh code for a waiting parcel, different from the resident's other
/// waiting parcels' codes (so a code names one parcel).
fn fresh_code(resident: &str) -> Result<(String, String), Fail> {
    loop {
        let code = new_code()?;
        let hash = code_hash(resident, &code);
        let taken = db::int("SELECT COUNT(*) AS n FROM parcels WHERE resident = ?1 AND status = 'waiting' AND code_hash = ?2", &[sql::text(resident), sql::text(&hash)])?;
        if taken == 0 {
            return Ok((code, hash));
        }
    }
}

/// The tracking number in one form: no spaces, upper case.
fn tracking(raw: &str) -> Result<String, Fail> {
    let t: String = input::required("tracking", "运单号", raw, 40)?.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(6..=40).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Fail::field(422, "tracking_invalid", "tracking", "运单号应为 6 至 40 位字母或数字", "the tracking number must be 6 to 40 letters or digits"));
    }
    Ok(t)
}

pub fn view(p: &Parcel, lang: &str, now: i64) -> Value {
    json!({
        "id": p.id,
        "tracking": p.tracking,
        "carrier": p.carrier,
        "phone": p.phone_shown,
        "location": p.location,
        "status": p.status,
        "status_name": status_name(&p.status, lang),
        "arrived_at": p.arrived_at,
        "arrived": clock::format_local(p.arrived_at),
        "days_waiting": if p.status == "waiting" { (now - p.arrived_at) / DAY } else { 0 },
        "registered_by": p.registered_by_name,
        "notified": p.notified == 1,
        "handover": p.picked_at.map(|at| json!({
            "at": clock::format_local(at),
            "by": p.handed_by_name,
            "how": p.picked_how,
            "id_number": p.id_shown,
            "proxy": p.proxy == 1,
            "proxy_name": p.proxy_name,
            "proxy_phone": p.proxy_phone_shown,
        })),
        "returned": p.returned_at.map(|at| json!({"at": clock::format_local(at), "by": p.returned_by, "note": p.return_note})),
    })
}

fn get(id: i64) -> Result<Parcel, Fail> {
    db::row(&format!("SELECT {COLUMNS} FROM parcels WHERE id = ?1"), &[sql::int(id)])?.ok_or_else(|| Fail::user(404, "parcel_not_found", "没有这个快递", "no such parcel"))
}

fn send_code(cfg: &Config, p: &Parcel, code: &str) -> Result<u64, linli_sdk::store::HostError> {
    notify::Message::to_phone(
        p.phone.as_deref().unwrap_or(""),
        "parcel-arrived",
        "您的{carrier}快递（运单尾号 {tail}）已到{station}，取件码 {code}。请凭取件码或身份证取件，{days} 天内未取将退回快递公司。",
        "Your {carrier} parcel (tracking ending {tail}) has arrived at the {station_en}; pickup code {code}. Bring the code or your ID card; after {days} days it goes back to the carrier.",
    )
    .param("carrier", &p.carrier)
    .param("tail", &tail(&p.tracking))
    .param("station", &cfg.station)
    .param("station_en", "parcel station")
    .param("code", code)
    .param("days", &cfg.return_after_days.to_string())
    .send()
}

fn tail(tracking: &str) -> String {
    let c: Vec<char> = tracking.chars().collect();
    c[c.len().saturating_sub(4)..].iter().collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    tracking: String,
    carrier: String,
    phone: String,
    #[serde(default)]
    location: Option<String>,
}

/// A staff member registers an arriving parcel.
pub fn register(cfg: &Config, a: Arrival, caller: &Caller, lang: &str, now: i64) -> Result<Value, Fail> {
    let tracking = tracking(&a.tracking)?;
    let carrier = input::required("carrier", "快递公司", &a.carrier, 20)?;
    if !cfg.carriers.contains(&carrier) {
        return Err(Fail::field(422, "carrier_unknown", "carrier", format!("请从列表中选择快递公司（{}）", cfg.carriers.join("、")), "choose the carrier from the list"));
    }
    let r = resident("phone", &a.phone)?;
    let typed = input::optional("location", "存放位置", a.location.as_deref(), 20)?;
    #[derive(Deserialize)]
    struct Seen {
        status: String,
        arrived_day: String,
    }
    if let Some(s) = db::row::<Seen>("SELECT status, arrived_day FROM parcels WHERE tracking = ?1", &[sql::text(&tracking)])? {
        return Err(Fail::field(
            409,
            "tracking_taken",
            "tracking",
            format!("运单号 {tracking} 已于 {} 登记过（{}），不能重复登记", s.arrived_day, status_name(&s.status, "zh-CN")),
            format!("tracking number {tracking} was registered on {} ({}); it cannot be registered twice", s.arrived_day, status_name(&s.status, "en")),
        ));
    }
    let (location, place) = match typed {
        Some(l) => (l, None),
        None => {
            let p = free_place(cfg)?;
            (p.clone(), Some(p))
        }
    };
    let (code, hash) = fresh_code(&r.key)?;
    let inserted = db::row::<Parcel>(
        &format!(
            "INSERT INTO parcels (tracking, carrier, resident, phone, phone_shown, location, waiting_place, code_hash, status, arrived_at, arrived_day, registered_by, registered_by_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'waiting', ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        ),
        &[
            sql::text(&tracking),
            sql::text(&carrier),
            sql::text(&r.key),
            sql::text(&r.phone),
            sql::text(&r.shown),
            sql::text(&location),
            db::opt(place.as_deref()),
            sql::text(&hash),
            sql::int(now),
            sql::text(&day_of(now)),
            db::opt(caller.id.as_deref()),
            db::opt(caller.name.as_deref()),
        ],
    )?;
    // The checks above saw every parcel (the plugin's calls run one at a
    // time); a row the UNIQUE constraints still turned away came from
    // another writer of a district's shared database.
    let Some(p) = inserted else {
        return Err(Fail::user(409, "conflict", "登记未成功（运单号或货架位置刚被占用），请重试", "not registered (the tracking number or the place was just taken); try again"));
    };
    // Held back by the host's message limits: the tick sends a fresh code.
    match send_code(cfg, &p, &code) {
        Ok(_) => {
            sql::execute("UPDATE parcels SET notified = 1 WHERE id = ?1", &[sql::int(p.id)])?;
        }
        Err(e) => log::warn(&format!("pickup code for parcel {} held back: {e}", p.id)),
    }
    log::info(&format!("parcel {} registered at {}", p.id, p.location));
    Ok(view(&get(p.id)?, lang, now))
}

/// The shelf rule: the first free place, shelf by shelf in the order the
/// settings list them, place by place (`A-001`, `A-002` … then `B-001`).
fn free_place(cfg: &Config) -> Result<String, Fail> {
    let taken: Vec<(String,)> = db::rows("SELECT waiting_place FROM parcels WHERE status = 'waiting' AND waiting_place IS NOT NULL", &[])?;
    let taken: std::collections::HashSet<String> = taken.into_iter().map(|(p,)| p).collect();
    for s in &cfg.shelves {
        for n in 1..=cfg.places_per_shelf {
            let p = format!("{s}-{n:03}");
            if !taken.contains(&p) {
                return Ok(p);
            }
        }
    }
    Err(Fail::field(409, "shelves_full", "location", "货架已满，请填写存放位置（如 地面大件区）", "every shelf place is taken; type where the parcel is kept"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pickup {
    phone: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    id_number: Option<String>,
    /// With the ID card: which of the phone's parcels (all when absent).
    #[serde(default)]
    parcels: Option<Vec<i64>>,
    /// 代取: the person who came for the resident.
    #[serde(default)]
    proxy_name: Option<String>,
    #[serde(default)]
    proxy_phone: Option<String>,
}

#[derive(Deserialize)]
struct Lock {
    fails: i64,
    locked_until: i64,
}

fn lock_of(resident: &str) -> Result<Option<Lock>, Fail> {
    db::row("SELECT fails, locked_until FROM locks WHERE resident = ?1", &[sql::text(resident)])
}

fn locked(until: i64) -> Fail {
    let at = clock::format_local(until);
    Fail::field(
        423,
        "pickup_locked",
        "code",
        format!("取件码错误次数过多，该手机号的快递已锁定至 {at}；请出示身份证取件，或请工作人员解锁"),
        format!("too many wrong pickup codes: this phone's parcels are locked until {at}; pick up with your ID card, or ask the staff to lift the lock"),
    )
}

/// Check `code` against the resident's waiting parcels: the one it opens,
/// or a refusal that counts towards the lock (committed with the answer,
/// which is a normal return).
fn check_code(cfg: &Config, r: &Resident, code: &str, now: i64) -> Result<Parcel, Fail> {
    let lock = lock_of(&r.key)?;
    if let Some(l) = &lock
        && l.locked_until > now
    {
        return Err(locked(l.locked_until));
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let found = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        db::row::<Parcel>(&format!("SELECT {COLUMNS} FROM parcels WHERE resident = ?1 AND status = 'waiting' AND code_hash = ?2"), &[sql::text(&r.key), sql::text(&code_hash(&r.key, &code))])?
    } else {
        None
    };
    if let Some(p) = found {
        sql::execute("UPDATE locks SET fails = 0 WHERE resident = ?1", &[sql::text(&r.key)])?;
        return Ok(p);
    }
    let fails = lock.as_ref().map(|l| l.fails).unwrap_or(0) + 1;
    if fails >= cfg.code_tries as i64 {
        let until = now + cfg.lock_minutes as i64 * 60_000;
        sql::execute(
            "INSERT INTO locks (resident, phone_shown, fails, locked_until, locked_at) VALUES (?1, ?2, 0, ?3, ?4)
             ON CONFLICT (resident) DO UPDATE SET fails = 0, locked_until = excluded.locked_until, locked_at = excluded.locked_at, lifted_by = NULL, lifted_at = NULL",
            &[sql::text(&r.key), sql::text(&r.shown), sql::int(until), sql::int(now)],
        )?;
        log::warn(&format!("pickups by code for phone {} locked after {} wrong codes", r.shown, cfg.code_tries));
        return Err(locked(until));
    }
    sql::execute(
        "INSERT INTO locks (resident, phone_shown, fails, locked_until) VALUES (?1, ?2, 1, 0) ON CONFLICT (resident) DO UPDATE SET fails = locks.fails + 1",
        &[sql::text(&r.key), sql::text(&r.shown)],
    )?;
    let left = cfg.code_tries as i64 - fails;
    Err(Fail::field(422, "code_wrong", "code", format!("取件码不对，还可再试 {left} 次"), format!("wrong pickup code; {left} tries left")))
}

/// The staff member hands parcels over: by the code (one parcel) or by
/// the ID card with the phone (the phone's parcels), 代取 recorded.
pub fn pickup(cfg: &Config, p: Pickup, caller: &Caller, lang: &str, now: i64) -> Result<Value, Fail> {
    let r = resident("phone", &p.phone)?;
    let proxy_name = input::optional("proxy_name", "代取人姓名", p.proxy_name.as_deref(), 20)?;
    let proxy_phone = match input::optional("proxy_phone", "代取人手机号", p.proxy_phone.as_deref(), 40)? {
        Some(ph) => Some(mask::phone(&input::phone("proxy_phone", &ph)?)),
        None => None,
    };
    if proxy_phone.is_some() && proxy_name.is_none() {
        return Err(Fail::field(422, "proxy_name_required", "proxy_name", "代取时请填写代取人姓名", "enter the name of the person picking up for the resident"));
    }
    let code = input::optional("code", "取件码", p.code.as_deref(), 20)?;
    let id_number = input::optional("id_number", "身份证号", p.id_number.as_deref(), 30)?;
    let waiting = db::int("SELECT COUNT(*) AS n FROM parcels WHERE resident = ?1 AND status = 'waiting'", &[sql::text(&r.key)])?;
    let (how, parcels, id_shown, id_key) = match (code, id_number) {
        (Some(_), Some(_)) => return Err(Fail::field(422, "code_or_id", "code", "取件码和身份证号只填一项", "give either the pickup code or the ID card number, not both")),
        (None, None) => return Err(Fail::field(422, "code_required", "code", "请填写取件码，或改用身份证号取件", "enter the pickup code, or use the ID card number")),
        (Some(code), None) => {
            if waiting == 0 {
                return Err(no_parcels());
            }
            ("code", vec![check_code(cfg, &r, &code, now)?], None, None)
        }
        (None, Some(idn)) => {
            let n = linli_sdk::normalise::id_number(&idn);
            if !linli_sdk::normalise::id_check_digit_ok(&n) {
                return Err(Fail::field(422, "id_invalid", "id_number", "身份证号不对（18 位，末位校验码不符）", "not a valid ID card number (18 characters with the right check character)"));
            }
            let mut all: Vec<Parcel> = db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE resident = ?1 AND status = 'waiting' ORDER BY id"), &[sql::text(&r.key)])?;
            if let Some(ids) = &p.parcels {
                if ids.is_empty() || ids.iter().any(|id| !all.iter().any(|x| x.id == *id)) {
                    return Err(Fail::field(422, "parcels_not_waiting", "parcels", "所选快递不是该手机号的待取快递", "a chosen parcel is not one of this phone's waiting parcels"));
                }
                all.retain(|x| ids.contains(&x.id));
            }
            if all.is_empty() {
                return Err(no_parcels());
            }
            ("id", all, Some(mask::id_number(&n)), Some(pseudonyms::of("id_number", &n)))
        }
    };
    if how == "id" {
        // A handover by ID card is a staff member reading a resident's ID:
        // in the host's audit log (kept only if this handover is), masked,
        // or no handover at all.
        let ids: Vec<String> = parcels.iter().map(|x| x.id.to_string()).collect();
        let subject: String = format!("parcel:{}", ids.join(",")).chars().take(128).collect();
        let detail = format!("{} parcel(s) for {} by ID card {}{}", parcels.len(), r.shown, id_shown.as_deref().unwrap_or(""), if proxy_name.is_some() { ", picked up by a proxy" } else { "" });
        if let Err(e) = linli_sdk::audit::record("handover.id_card", Some(&subject), Some(&detail)) {
            log::error(&format!("parcels: the audit log refused a handover by ID card: {e}"));
            return Err(Fail::user(503, "audit_unavailable", "无法写入审计日志，暂不能凭身份证交付", "the audit log cannot be written; handing over by ID card is not possible now"));
        }
    }
    let mut handed = Vec::new();
    for x in &parcels {
        sql::execute(
            "UPDATE parcels SET status = 'picked', picked_at = ?2, picked_day = ?3, handed_by = ?4, handed_by_name = ?5, picked_how = ?6, id_shown = ?7, id_key = ?8,
                proxy = ?9, proxy_name = ?10, proxy_phone_shown = ?11, phone = NULL, code_hash = NULL, waiting_place = NULL
             WHERE id = ?1 AND status = 'waiting'",
            &[
                sql::int(x.id),
                sql::int(now),
                sql::text(&day_of(now)),
                db::opt(caller.id.as_deref()),
                db::opt(caller.name.as_deref()),
                sql::text(how),
                db::opt(id_shown.as_deref()),
                db::opt(id_key.as_deref()),
                sql::int(proxy_name.is_some() as i64),
                db::opt(proxy_name.as_deref()),
                db::opt(proxy_phone.as_deref()),
            ],
        )?;
        handed.push(view(&get(x.id)?, lang, now));
    }
    // The resident learns at once when someone else took their parcel.
    let tails: Vec<String> = parcels.iter().map(|x| tail(&x.tracking)).collect();
    let who_zh = proxy_name.as_deref().map(|n| format!("代取人 {}", mask::name(n))).unwrap_or_else(|| "本人".into());
    let who_en = proxy_name.as_deref().map(|n| format!("{} for you", mask::name(n))).unwrap_or_else(|| "you".into());
    if let Err(e) = notify::Message::to_phone(&r.phone, "parcel-picked", "您的快递（运单尾号 {tails}）已于 {at} 由{who}取走。如非本人所知，请联系代收点。", "Your parcel (tracking ending {tails}) was picked up at {at} by {who_en}. If you did not expect this, contact the station.")
        .param("tails", &tails.join("、"))
        .param("at", &clock::format_local(now))
        .param("who", &who_zh)
        .param("who_en", &who_en)
        .send()
    {
        log::warn(&format!("pickup notice held back: {e}"));
    }
    let left = db::int("SELECT COUNT(*) AS n FROM parcels WHERE resident = ?1 AND status = 'waiting'", &[sql::text(&r.key)])?;
    log::info(&format!("{} parcel(s) handed over by {how}", handed.len()));
    Ok(json!({"handed": handed, "still_waiting": left}))
}

fn no_parcels() -> Fail {
    Fail::field(404, "no_parcels", "phone", "该手机号没有待取的快递", "this phone has no parcel waiting")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mine {
    phone: String,
    code: String,
}

/// A resident sees their waiting parcels with the phone and one of their
/// codes (a wrong code counts towards the lock, as at the desk). The
/// location is the staff's; the codes are never shown.
pub fn mine(cfg: &Config, m: Mine, lang: &str, now: i64) -> Result<Value, Fail> {
    let r = resident("phone", &m.phone)?;
    let code = input::required("code", "取件码", &m.code, 20)?;
    // A phone without parcels answers like a wrong code (and counts like
    // one): this public page must not tell a stranger whether a number
    // has parcels waiting.
    check_code(cfg, &r, &code, now)?;
    let all: Vec<Parcel> = db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE resident = ?1 AND status = 'waiting' ORDER BY arrived_at"), &[sql::text(&r.key)])?;
    let list: Vec<Value> = all
        .iter()
        .map(|p| {
            json!({"carrier": p.carrier, "tracking_tail": tail(&p.tracking), "arrived": clock::format_local(p.arrived_at), "status_name": status_name(&p.status, lang),
                   "return_on": day_of(p.arrived_at + cfg.return_after_days as i64 * DAY)})
        })
        .collect();
    Ok(json!({"phone": r.shown, "parcels": list}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resend {
    phone: String,
}

/// "I lost my code": each waiting parcel of the phone gets a fresh code,
/// sent to that phone only. The answer is the same whether or not the
/// phone has parcels, so it tells a stranger nothing.
pub fn resend(cfg: &Config, r: Resend) -> Result<Value, Fail> {
    let r = resident("phone", &r.phone)?;
    let all: Vec<Parcel> = db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE resident = ?1 AND status = 'waiting' ORDER BY id LIMIT {BATCH}"), &[sql::text(&r.key)])?;
    for p in all {
        let (code, hash) = fresh_code(&r.key)?;
        if send_code(cfg, &p, &code).is_err() {
            // Over the host's message limits: the old code stays valid.
            break;
        }
        sql::execute("UPDATE parcels SET code_hash = ?2, notified = 1 WHERE id = ?1", &[sql::int(p.id), sql::text(&hash)])?;
    }
    Ok(json!({"ok": true}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    #[serde(default)]
    note: Option<String>,
}

/// A staff member sends a waiting parcel back to the carrier (refused,
/// wrong address, or before the days run out).
pub fn give_back(cfg: &Config, id: i64, b: Return, caller: &Caller, lang: &str, now: i64) -> Result<Value, Fail> {
    let note = input::optional("note", "备注", b.note.as_deref(), 100)?;
    let p = get(id)?;
    if p.status != "waiting" {
        return Err(Fail::user(409, "parcel_not_waiting", format!("这个快递{}，不能退回", status_name(&p.status, "zh-CN")), format!("this parcel is {}; it cannot be returned", status_name(&p.status, "en"))));
    }
    let by = caller.name.clone().or_else(|| caller.id.clone()).unwrap_or_else(|| "staff".into());
    returned(cfg, &p, &by, note.as_deref(), now)?;
    Ok(view(&get(id)?, lang, now))
}

fn returned(cfg: &Config, p: &Parcel, by: &str, note: Option<&str>, now: i64) -> Result<(), Fail> {
    if let Some(phone) = p.phone.as_deref()
        && let Err(e) = notify::Message::to_phone(phone, "parcel-returned", "您的{carrier}快递（运单尾号 {tail}）已退回快递公司。", "Your {carrier} parcel (tracking ending {tail}) has gone back to the carrier.")
            .param("carrier", &p.carrier)
            .param("tail", &tail(&p.tracking))
            .send()
    {
        log::warn(&format!("return notice held back: {e}"));
    }
    let _ = cfg;
    sql::execute(
        "UPDATE parcels SET status = 'returned', returned_at = ?2, returned_day = ?3, returned_by = ?4, return_note = ?5, phone = NULL, code_hash = NULL, waiting_place = NULL WHERE id = ?1 AND status = 'waiting'",
        &[sql::int(p.id), sql::int(now), sql::text(&day_of(now)), sql::text(by), db::opt(note)],
    )?;
    Ok(())
}

/// Every minute: codes the message limits held back, reminders after N
/// days, returns after M days.
pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    let due = |cond: &str, p: Vec<sql::Value>| db::rows::<Parcel>(&format!("SELECT {COLUMNS} FROM parcels WHERE status = 'waiting' AND {cond} ORDER BY id LIMIT {BATCH}"), &p);
    for p in due("notified = 0", vec![])? {
        let (code, hash) = fresh_code(&p.resident)?;
        if let Err(e) = send_code(cfg, &p, &code) {
            log::warn(&format!("pickup codes paused: {e}"));
            break;
        }
        sql::execute("UPDATE parcels SET code_hash = ?2, notified = 1 WHERE id = ?1", &[sql::int(p.id), sql::text(&hash)])?;
    }
    let return_before = now - cfg.return_after_days as i64 * DAY;
    for p in due("arrived_at <= ?1", vec![sql::int(return_before)])? {
        // `auto` and no note: the pages say "自动" / "auto" in the reader's language.
        returned(cfg, &p, "auto", None, now)?;
    }
    for p in due("reminded = 0 AND arrived_at <= ?1", vec![sql::int(now - cfg.remind_after_days as i64 * DAY)])? {
        let sent = notify::Message::to_phone(
            p.phone.as_deref().unwrap_or(""),
            "parcel-reminder",
            "提醒：您的{carrier}快递（运单尾号 {tail}）已在{station}存放 {days} 天，请尽快凭取件码或身份证取件；{return_on} 起将退回快递公司。",
            "Reminder: your {carrier} parcel (tracking ending {tail}) has waited {days} days; please pick it up with the code or your ID card. It goes back to the carrier on {return_on}.",
        )
        .param("carrier", &p.carrier)
        .param("tail", &tail(&p.tracking))
        .param("station", &cfg.station)
        .param("days", &((now - p.arrived_at) / DAY).to_string())
        .param("return_on", &day_of(p.arrived_at + cfg.return_after_days as i64 * DAY))
        .send();
        if let Err(e) = sent {
            log::warn(&format!("parcel reminders paused: {e}"));
            break;
        }
        sql::execute("UPDATE parcels SET reminded = 1 WHERE id = ?1", &[sql::int(p.id)])?;
    }
    Ok(())
}

/// The day's counts (arrived, picked up, returned that day; waiting now)
/// and its handovers and returns.
pub fn day(day: &str, lang: &str, now: i64) -> Result<Value, Fail> {
    let n = |col: &str| db::int(&format!("SELECT COUNT(*) AS n FROM parcels WHERE {col} = ?1"), &[sql::text(day)]);
    let waiting = db::int("SELECT COUNT(*) AS n FROM parcels WHERE status = 'waiting'", &[])?;
    let done: Vec<Parcel> = db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE picked_day = ?1 OR returned_day = ?1 ORDER BY id DESC LIMIT 200"), &[sql::text(day)])?;
    Ok(json!({
        "day": day,
        "counts": {"arrived": n("arrived_day")?, "picked": n("picked_day")?, "returned": n("returned_day")?, "waiting": waiting},
        "done": done.iter().map(|p| view(p, lang, now)).collect::<Vec<_>>(),
    }))
}

/// Waiting parcels, oldest first; `q` narrows to a tracking number's end
/// or a phone (whole, in any spelling).
pub fn waiting(q: Option<&str>, lang: &str, now: i64) -> Result<Value, Fail> {
    let q = input::optional("q", "查找内容", q, 40)?;
    let list: Vec<Parcel> = match q.as_deref() {
        None => db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE status = 'waiting' ORDER BY arrived_at LIMIT 500"), &[])?,
        Some(q) => match input::phone("q", q) {
            Ok(p) if p.len() >= 11 => db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE status = 'waiting' AND resident = ?1 ORDER BY arrived_at"), &[sql::text(&pseudonyms::of("phone", &p))])?,
            _ => {
                let needle = format!("%{}", q.to_ascii_uppercase().replace(['%', '_'], ""));
                db::rows(&format!("SELECT {COLUMNS} FROM parcels WHERE status = 'waiting' AND tracking LIKE ?1 ORDER BY arrived_at LIMIT 100"), &[sql::text(&needle)])?
            }
        },
    };
    Ok(json!({"parcels": list.iter().map(|p| view(p, lang, now)).collect::<Vec<_>>()}))
}

/// Phones whose code pickups are locked now, for the staff page.
pub fn locks(now: i64) -> Result<Value, Fail> {
    #[derive(Deserialize)]
    struct L {
        phone_shown: String,
        locked_until: i64,
        locked_at: Option<i64>,
        n: i64,
    }
    let list: Vec<L> = db::rows(
        "SELECT l.phone_shown AS phone_shown, l.locked_until AS locked_until, l.locked_at AS locked_at,
                (SELECT COUNT(*) FROM parcels p WHERE p.resident = l.resident AND p.status = 'waiting') AS n
         FROM locks l WHERE l.locked_until > ?1 ORDER BY l.locked_until",
        &[sql::int(now)],
    )?;
    Ok(json!({"locks": list.iter().map(|l| json!({"phone": l.phone_shown, "until": clock::format_local(l.locked_until), "since": l.locked_at.map(clock::format_local), "parcels": l.n})).collect::<Vec<_>>()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lift {
    phone: String,
}

/// A staff member lifts a lock (after checking the resident in person);
/// who did it is kept on the row and in the host's audit log.
pub fn lift(l: Lift, caller: &Caller, now: i64) -> Result<Value, Fail> {
    let r = resident("phone", &l.phone)?;
    let by = caller.name.clone().or_else(|| caller.id.clone()).unwrap_or_else(|| "staff".into());
    let n = sql::execute(
        "UPDATE locks SET locked_until = 0, fails = 0, lifted_by = ?2, lifted_at = ?3 WHERE resident = ?1 AND locked_until > ?3",
        &[sql::text(&r.key), sql::text(&by), sql::int(now)],
    )?;
    if n == 0 {
        return Err(Fail::field(404, "not_locked", "phone", "该手机号没有被锁定", "this phone is not locked"));
    }
    Ok(json!({"phone": r.shown, "lifted": true}))
}
