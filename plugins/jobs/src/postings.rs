//! Postings: entered by staff for an employer, checked by a second staff
//! member, live until the end of their expiry day (or until staff close
//! them), shown on the kiosk, phones and screens without the contact; a
//! resident who registers interest with a phone gets the contact, and
//! staff see whom to call.

use crate::check;
use linli_sdk::{audit, input};
use crate::config::Config;
use linli_sdk::prelude::*;
use linli_sdk::sql::{Value, int, text};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

const DAY: i64 = 86_400_000;

/// The pay units a posting's range is given in.
pub const UNITS: &[(&str, &str, &str)] = &[("month", "元/月", "yuan a month"), ("day", "元/天", "yuan a day"), ("hour", "元/小时", "yuan an hour"), ("piece", "元/件", "yuan a piece")];

#[derive(Debug, Clone, Deserialize)]
pub struct Posting {
    pub id: i64,
    pub title: String,
    pub employer: String,
    pub category: String,
    pub pay_min: i64,
    pub pay_max: i64,
    pub pay_unit: String,
    pub place: String,
    pub hours: String,
    pub requirements: String,
    pub contact: String,
    pub status: String,
    pub expires_day: String,
    pub expires_at: i64,
    pub created_by: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub reviewed_by_name: Option<String>,
    pub review_note: Option<String>,
}

const COLUMNS: &str = "id, title, employer, category, pay_min, pay_max, pay_unit, place, hours, requirements, contact, status, expires_day, expires_at, created_by, created_by_name, created_at, reviewed_by_name, review_note";

/// What staff type for a new posting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPosting {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub employer: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub pay_min: i64,
    #[serde(default)]
    pub pay_max: i64,
    #[serde(default)]
    pub pay_unit: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub requirements: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub expires: String,
}

/// A resident's interest.
#[derive(Debug, Deserialize)]
pub struct Interest {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

pub fn pay_text(p: &Posting, lang: &str) -> String {
    let unit = UNITS.iter().find(|u| u.0 == p.pay_unit).map(|u| t(lang, u.1, u.2)).unwrap_or("");
    match (p.pay_min, p.pay_max) {
        (0, 0) => t(lang, "面议", "Negotiable").to_owned(),
        (a, b) if a == b => format!("{a} {unit}"),
        (a, b) => format!("{a}–{b} {unit}"),
    }
}

/// The status as shown: a live posting past its day is `expired` at once.
pub fn status_now(p: &Posting, now: i64) -> &str {
    if p.status == "live" && p.expires_at <= now { "expired" } else { &p.status }
}

pub fn status_name(status: &str, lang: &str) -> &'static str {
    match status {
        "pending" => t(lang, "待审核", "Waiting for review"),
        "live" => t(lang, "发布中", "Live"),
        "rejected" => t(lang, "已退回", "Sent back"),
        "closed" => t(lang, "已下架", "Taken down"),
        "expired" => t(lang, "已过期", "Expired"),
        _ => "",
    }
}

/// What everyone may see: never the contact.
pub fn public_json(cfg: &Config, p: &Posting, lang: &str) -> Json {
    json!({
        "id": p.id,
        "title": p.title,
        "employer": p.employer,
        "category": p.category,
        "category_name": cfg.category_name(&p.category, lang),
        "pay": pay_text(p, lang),
        "place": p.place,
        "hours": p.hours,
        "requirements": p.requirements,
        "expires": p.expires_day,
    })
}

pub fn staff_json(cfg: &Config, p: &Posting, lang: &str, now: i64, caller: &Caller) -> Result<Json, Fail> {
    let mut v = public_json(cfg, p, lang);
    let st = status_now(p, now);
    v["contact"] = json!(p.contact);
    v["status"] = json!(st);
    v["status_name"] = json!(status_name(st, lang));
    v["created_by_name"] = json!(p.created_by_name);
    v["created_at"] = json!(clock::format_local(p.created_at));
    v["reviewed_by_name"] = json!(p.reviewed_by_name);
    v["review_note"] = json!(p.review_note);
    v["own"] = json!(caller.id.as_deref() == Some(p.created_by.as_str()));
    v["interested"] = json!(sql::query_i64("SELECT COUNT(*) AS n FROM interests WHERE posting_id = ?1", &[int(p.id)])?);
    Ok(v)
}

pub fn get(id: i64) -> Result<Posting, Fail> {
    sql::query_one::<Posting>(&format!("SELECT {COLUMNS} FROM postings WHERE id = ?1"), &[int(id)])?
        .ok_or_else(|| Fail::user(404, "posting_not_found", "没有这个招聘信息", "no such job posting"))
}

/// A live posting a resident may see, or why not: gone (404), not yet
/// checked (404: residents never see it), expired or taken down (410).
pub fn get_live(id: i64, now: i64) -> Result<Posting, Fail> {
    let p = get(id)?;
    match status_now(&p, now) {
        "live" => Ok(p),
        "expired" => Err(Fail::user(410, "posting_expired", format!("该招聘信息已于 {} 过期，不能再登记意向", p.expires_day), format!("this posting expired on {}; interest can no longer be registered", p.expires_day))),
        "closed" => Err(Fail::user(410, "posting_closed", "该招聘信息已下架，不能再登记意向", "this posting was taken down; interest can no longer be registered")),
        _ => Err(Fail::user(404, "posting_not_found", "没有这个招聘信息", "no such job posting")),
    }
}

/// The live postings, newest first, in `category` and matching every word
/// of `q` (in the title, employer, place, hours, requirements or category).
pub fn live(cfg: &Config, q: &str, category: &str, now: i64) -> Result<Vec<Posting>, Fail> {
    let mut sql_text = format!("SELECT {COLUMNS} FROM postings WHERE status = 'live' AND expires_at > ?1");
    let mut params: Vec<Value> = vec![int(now)];
    if !category.is_empty() {
        if cfg.category(category).is_none() {
            return Err(Fail::field(422, "bad_category", "category", "没有这个类别", "no such category"));
        }
        params.push(text(category));
        sql_text.push_str(&format!(" AND category = ?{}", params.len()));
    }
    for w in check::search_terms(q) {
        params.push(text(&format!("%{w}%")));
        sql_text.push_str(&format!(" AND words LIKE ?{}", params.len()));
    }
    sql_text.push_str(" ORDER BY id DESC LIMIT 200");
    Ok(sql::query_as::<Posting>(&sql_text, &params)?)
}

fn words(cfg: &Config, n: &NewPosting) -> String {
    let cat = cfg.category(&n.category).map(|c| format!("{} {}", c.name_zh, c.name_en)).unwrap_or_default();
    format!("{} {} {} {} {} {}", n.title, n.employer, n.place, n.hours, n.requirements, cat).to_lowercase()
}

fn who(caller: &Caller) -> (String, String) {
    let id = caller.id.clone().unwrap_or_else(|| "?".into());
    let name = caller.name.clone().unwrap_or_else(|| id.clone());
    (id, name)
}

/// A new posting from staff: checked field by field, then waiting for a
/// second staff member. The same posting sent twice (a double tap) is one.
pub fn create(cfg: &Config, mut n: NewPosting, caller: &Caller, now: i64) -> Result<i64, Fail> {
    n.title = input::required("title", "岗位名称", &n.title, 40)?;
    n.employer = input::required("employer", "用人单位", &n.employer, 60)?;
    if cfg.category(&n.category).is_none() {
        return Err(Fail::field(422, "bad_category", "category", "请选择类别", "choose a category"));
    }
    if !UNITS.iter().any(|u| u.0 == n.pay_unit) {
        return Err(Fail::field(422, "bad_pay_unit", "pay_unit", "请选择工资单位（元/月、元/天、元/小时或元/件）", "choose the pay unit (a month, a day, an hour or a piece)"));
    }
    if !(0..=1_000_000).contains(&n.pay_min) {
        return Err(Fail::field(422, "bad_pay", "pay_min", "最低工资应为 0 至 1000000 元（都填 0 表示面议）", "the lowest pay must be 0 to 1000000 yuan (both 0: negotiable)"));
    }
    if !(0..=1_000_000).contains(&n.pay_max) || n.pay_max < n.pay_min {
        return Err(Fail::field(422, "bad_pay", "pay_max", "最高工资应不低于最低工资，且不超过 1000000 元", "the highest pay must be at least the lowest and at most 1000000 yuan"));
    }
    n.place = input::required("place", "工作地点", &n.place, 60)?;
    n.hours = input::required("hours", "工作时间", &n.hours, 60)?;
    n.requirements = input::text("requirements", "岗位要求", &n.requirements, 500, true)?;
    n.contact = input::required("contact", "联系方式", &n.contact, 60)?;
    let today = calendar::today();
    let (Some(day), Some(first)) = (calendar::days_of(n.expires.trim()), calendar::days_of(&today)) else {
        return Err(Fail::field(422, "bad_expiry", "expires", "截止日期应写成 2026-03-31 这样的日期", "the closing date must be a date like 2026-03-31"));
    };
    if day < first || day > first + i64::from(cfg.max_days) {
        return Err(Fail::field(422, "bad_expiry", "expires", format!("截止日期应在今天到 {} 天后之间", cfg.max_days), format!("the closing date must be from today to {} days ahead", cfg.max_days)));
    }
    let expires_day = n.expires.trim().to_owned();
    let expires_at = calendar::instant(&expires_day, 0).ok_or_else(|| Fail::internal("closing date without an instant"))? + DAY;
    let dup: Option<i64> = sql::query_one(
        "SELECT id FROM postings WHERE title = ?1 AND employer = ?2 AND contact = ?3 AND status IN ('pending', 'live') AND expires_at > ?4",
        &[text(&n.title), text(&n.employer), text(&n.contact), int(now)],
    )?;
    if let Some(id) = dup {
        return Err(Fail::user(409, "duplicate_posting", format!("同一岗位已录入（编号 {id}），请勿重复提交"), format!("the same posting is already entered (number {id}); it is not entered twice")));
    }
    let (by, by_name) = who(caller);
    let id: Option<i64> = sql::query_one(
        "INSERT INTO postings (title, employer, category, pay_min, pay_max, pay_unit, place, hours, requirements, contact, words, status, expires_day, expires_at, created_by, created_by_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, ?14, ?15, ?16, ?16) RETURNING id",
        &[
            text(&n.title),
            text(&n.employer),
            text(&n.category),
            int(n.pay_min),
            int(n.pay_max),
            text(&n.pay_unit),
            text(&n.place),
            text(&n.hours),
            text(&n.requirements),
            text(&n.contact),
            text(&words(cfg, &n)),
            text(&expires_day),
            int(expires_at),
            text(&by),
            text(&by_name),
            int(now),
        ],
    )?;
    let id = id.ok_or_else(|| Fail::internal("insert returned no id"))?;
    events::publish("jobs.entered", &json!({"posting": id}))?;
    Ok(id)
}

/// A second staff member's check: approve (it goes live and onto the
/// screens) or send back with a note. The author may not check their own.
pub fn review(cfg: &Config, id: i64, approve: bool, note: &str, caller: &Caller, now: i64) -> Result<Posting, Fail> {
    let p = get(id)?;
    if p.status != "pending" {
        return Err(Fail::user(409, "not_pending", format!("该招聘信息现在是“{}”，不需要审核", status_name(status_now(&p, now), "zh-CN")), format!("this posting is {}; there is nothing to review", status_name(status_now(&p, now), "en").to_lowercase())));
    }
    let (by, by_name) = who(caller);
    if by == p.created_by {
        return Err(Fail::user(403, "own_posting", "不能审核自己录入的招聘信息，请另一位工作人员审核", "you cannot review a posting you entered; another staff member must check it"));
    }
    if p.expires_at <= now {
        return Err(Fail::user(410, "posting_expired", format!("该招聘信息已于 {} 过期，不能再发布", p.expires_day), format!("this posting expired on {}; it can no longer go live", p.expires_day)));
    }
    let note = if approve { input::text("note", "退回理由", note, 200, false)? } else { input::required("note", "退回理由", note, 200)? };
    let status = if approve { "live" } else { "rejected" };
    sql::execute(
        "UPDATE postings SET status = ?1, reviewed_by = ?2, reviewed_by_name = ?3, reviewed_at = ?4, review_note = ?5, updated_at = ?4 WHERE id = ?6",
        &[text(status), text(&by), text(&by_name), int(now), text(&note), int(id)],
    )?;
    let p = get(id)?;
    if approve {
        show_on_screens(cfg, &p);
        events::publish("jobs.published", &json!({"posting": id}))?;
    }
    Ok(p)
}

/// Take a posting down (its author or a supervisor): off every page and
/// screen at once.
pub fn close(id: i64, caller: &Caller, now: i64) -> Result<Posting, Fail> {
    let p = get(id)?;
    let (by, _) = who(caller);
    if by != p.created_by && !caller.has_role("supervisor") {
        return Err(Fail::user(403, "not_yours", "只有录入人或主管可以下架", "only the staff member who entered it or a supervisor can take it down"));
    }
    if !matches!(p.status.as_str(), "pending" | "live") {
        return Err(Fail::user(409, "not_open", "该招聘信息已经结束", "this posting has already ended"));
    }
    sql::execute("UPDATE postings SET status = 'closed', ended_at = ?1, updated_at = ?1 WHERE id = ?2", &[int(now), int(id)])?;
    withdraw(id);
    events::publish("jobs.closed", &json!({"posting": id}))?;
    get(id)
}

fn screen_id(id: i64) -> String {
    format!("job-{id}")
}

/// The posting on the screens' zone (Chinese: the hall's signage speaks
/// it), until the end of its day. A hall whose layouts lack the zone still
/// has the posting on the kiosk and phones: the failure is logged.
pub fn show_on_screens(cfg: &Config, p: &Posting) {
    if cfg.screen_zone.is_empty() {
        return;
    }
    let pay = pay_text(p, "zh-CN");
    let item = if cfg.screen_zone == "ticker" {
        screens::Item::new(&screen_id(p.id), "ticker", &cut(&format!("招聘：{}｜{}｜{}｜{}", p.title, p.employer, pay, p.place), 190)).kind("ticker")
    } else {
        screens::Item::new(&screen_id(p.id), &cfg.screen_zone, &cut(&format!("招聘：{}", p.title), 190))
            .body(&cut(&format!("{}\n工资：{}\n地点：{}\n时间：{}\n有意者请在自助机或手机“就业信息”登记，获取联系方式。", p.employer, pay, p.place, p.hours), 600))
    };
    if let Err(e) = screens::publish(&item.until(p.expires_at).priority(1)) {
        log::warn(&format!("jobs: posting {} not shown on the screens: {e:?}", p.id));
    }
}

fn withdraw(id: i64) {
    if let Err(e) = screens::withdraw(&screen_id(id)) {
        log::warn(&format!("jobs: posting {id} not withdrawn from the screens: {e:?}"));
    }
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A resident's interest: once per phone per posting (written any way),
/// answered with the contact. A second registration answers the same.
/// A staff member registering for a resident (代办) is recorded by name.
pub fn register(id: i64, body: Interest, channel: &str, caller: &Caller, now: i64) -> Result<Json, Fail> {
    let phone = input::phone("phone", &body.phone)?;
    let name = input::text("name", "称呼", &body.name, 20, false)?;
    let p = get_live(id, now)?;
    let key = pseudonyms::of("phone", &phone);
    let added = sql::execute(
        "INSERT INTO interests (posting_id, phone_key, phone, name, channel, acted_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (posting_id, phone_key) DO NOTHING",
        &[int(id), text(&key), text(&phone), text(&name), text(channel), if caller.is_staff() { text(&who(caller).1) } else { Value::Null }, int(now)],
    )?;
    if added == 1 {
        events::publish("jobs.interest", &json!({"posting": id}))?;
    }
    Ok(json!({"posting": id, "title": p.title, "employer": p.employer, "contact": p.contact, "already": added == 0, "phone": mask::phone(&phone)}))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Interested {
    pub phone: Option<String>,
    pub name: String,
    pub channel: String,
    pub acted_by: Option<String>,
    pub created_at: i64,
}

/// Whom to call about a posting: masked, or (`full`) the phones as typed
/// in one form, with the reading in the host's audit log (who, when; the
/// page's own list of readers beside it) and logged.
pub fn interested(id: i64, full: bool, caller: &Caller, now: i64) -> Result<Json, Fail> {
    let p = get(id)?;
    let rows: Vec<Interested> = sql::query_as("SELECT phone, name, channel, acted_by, created_at FROM interests WHERE posting_id = ?1 ORDER BY id", &[int(id)])?;
    if full {
        // The host's audit log is the record of who read residents' phones:
        // no entry, no full phones (the host writes it only if this call is
        // kept, so a failure below leaves none either).
        let shown = rows.iter().filter(|r| r.phone.is_some()).count();
        if let Err(e) = audit::record("phones.viewed", Some(&format!("posting:{id}")), Some(&format!("{shown} phones"))) {
            log::error(&format!("jobs: the audit log refused the reading of posting {id}'s phones: {e}"));
            return Err(Fail::user(503, "audit_unavailable", "无法写入审计日志，暂不能显示完整号码", "the audit log cannot be written; full phones are not shown"));
        }
        let (by, by_name) = who(caller);
        sql::execute("INSERT INTO lookups (posting_id, staff, staff_name, at) VALUES (?1, ?2, ?3, ?4)", &[int(id), text(&by), text(&by_name), int(now)])?;
        log::info(&format!("jobs: staff {by} read the full phones of the {} residents interested in posting {id}", rows.len()));
    }
    let list: Vec<Json> = rows
        .iter()
        .map(|r| {
            let phone = match (&r.phone, full) {
                (Some(ph), true) => ph.clone(),
                (Some(ph), false) => mask::phone(ph),
                (None, _) => String::new(),
            };
            json!({"phone": phone, "name": if full { r.name.clone() } else { mask::name(&r.name) }, "channel": r.channel, "acted_by": r.acted_by, "at": clock::format_local(r.created_at), "cleared": r.phone.is_none()})
        })
        .collect();
    #[derive(Deserialize)]
    struct Look {
        staff_name: String,
        at: i64,
    }
    let looks: Vec<Look> = sql::query_as("SELECT staff_name, at FROM lookups WHERE posting_id = ?1 ORDER BY id DESC LIMIT 20", &[int(id)])?;
    Ok(json!({
        "posting": id,
        "title": p.title,
        "full": full,
        "residents": list,
        "lookups": looks.iter().map(|l| json!({"staff": l.staff_name, "at": clock::format_local(l.at)})).collect::<Vec<_>>(),
    }))
}

/// Every posting for the staff page: pending first, then live, then the rest.
pub fn all(now: i64) -> Result<Vec<Posting>, Fail> {
    let _ = now;
    Ok(sql::query_as::<Posting>(
        &format!("SELECT {COLUMNS} FROM postings ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'live' THEN 1 ELSE 2 END, id DESC LIMIT 300"),
        &[],
    )?)
}

/// About once a minute: postings past their day are marked expired and
/// taken off the screens (the screens already stopped showing them at the
/// end of the day); phones are cleared `keep_days` after a posting ended.
pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    let gone: Vec<i64> = sql::query_as("SELECT id FROM postings WHERE status = 'live' AND expires_at <= ?1", &[int(now)])?;
    for id in gone {
        sql::execute("UPDATE postings SET status = 'expired', ended_at = expires_at, updated_at = ?1 WHERE id = ?2", &[int(now), int(id)])?;
        withdraw(id);
        events::publish("jobs.expired", &json!({"posting": id}))?;
    }
    // An admin who moved postings to another zone (or off the screens):
    // the items already shown follow.
    for item in screens::list()? {
        let Some(id) = item.id.strip_prefix("job-").and_then(|x| x.parse::<i64>().ok()) else { continue };
        if item.zone != cfg.screen_zone {
            withdraw(id);
            if let Ok(p) = get_live(id, now) {
                show_on_screens(cfg, &p);
            }
        }
    }
    sql::execute(
        "UPDATE interests SET phone = NULL WHERE phone IS NOT NULL AND posting_id IN (SELECT id FROM postings WHERE status IN ('expired', 'closed', 'rejected') AND COALESCE(ended_at, updated_at) < ?1)",
        &[int(now - i64::from(cfg.keep_days) * DAY)],
    )?;
    Ok(())
}
