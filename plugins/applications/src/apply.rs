//! The resident's side: apply for an item (or a guide for them, 代办),
//! upload each listed material, submit, re-upload only what was asked.

use crate::config::Config;
use crate::db::{self, App, Material};
use crate::fail::Fail;
use crate::items;
use crate::text;
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::Deserialize;
use serde_json::json;

/// What a resident (or a guide for them) sends to apply.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    pub item: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// The resident agreed that the hall fills the form from their record
    /// (代办 at the desk only: the host reads records for staff).
    #[serde(default)]
    pub consent: bool,
    /// The booking code of the visit this application prepares (the
    /// booking page links here with it): checked with the appointments
    /// plugin and recorded for the case thread.
    #[serde(default)]
    pub booking: Option<String>,
}

pub struct Phone {
    pub key: String,
    pub phone: String,
    pub shown: String,
}

pub fn phone(p: &str) -> Result<Phone, Fail> {
    let trimmed = p.trim();
    if trimmed.is_empty() {
        return Err(Fail::field(422, "phone_required", "phone", "请填写手机号码（用于接收补正通知）", "the phone number is required (for the correction notice)"));
    }
    let p = linli_sdk::normalise::phone(trimmed)
        .map_err(|_| Fail::field(422, "phone_invalid", "phone", "手机号码格式不正确，应为 7 至 15 位数字", "that phone number does not look right (7 to 15 digits)"))?;
    Ok(Phone { key: pseudonyms::of("phone", &p), shown: mask::phone(&p), phone: p })
}

/// The checked ID card number, normalised.
pub fn id_number(raw: &str) -> Result<String, Fail> {
    let n = linli_sdk::normalise::id_number(raw);
    if !linli_sdk::normalise::id_check_digit_ok(&n) {
        return Err(Fail::field(422, "id_invalid", "id_number", "身份证号码不正确（应为 18 位，末位校验码需正确）", "that ID card number is not valid (18 characters with a correct check character)"));
    }
    Ok(n)
}

/// The resident record for `id_number`, read only with the resident's
/// consent, on behalf of the signed-in staff member (the host checks the
/// role and audits the read).
pub fn record(id: &str, consent: bool) -> Result<Option<residents::Resident>, Fail> {
    if !consent {
        return Err(Fail::field(
            422,
            "consent_required",
            "consent",
            "调取居民档案前须征得居民同意：请勾选“居民已同意”",
            "the resident's consent is needed before their record is read: tick “the resident agrees”",
        ));
    }
    match residents::find(Some(id), None) {
        Ok(list) => Ok(list.into_iter().next()),
        Err(e) => {
            log::warn(&format!("resident records: {e}"));
            Err(Fail::user(
                409,
                "records_unavailable",
                "无法读取居民档案（管理员尚未授权本插件读取居民档案，或当前岗位无权读取），请手工填写",
                "the resident record cannot be read (an admin has not granted this plugin resident records, or your role may not read them); fill the form by hand",
            ))
        }
    }
}

/// Random letters and digits (no 0/O, 1/I/L) from the sandbox's random source.
pub fn random_code(len: usize) -> Result<String, Fail> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut b = vec![0u8; len];
    getrandom::fill(&mut b).map_err(|e| Fail::Internal(format!("no random bytes: {e}")))?;
    // 31 letters: 248 of 256 values map evenly; the few above are folded
    // (a tiny bias is harmless for an unguessable code of this length).
    Ok(b.iter().map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char).collect())
}

/// Who acts, for the timeline: (display name, actor kind).
pub fn actor(caller: &Caller) -> (String, &'static str) {
    if caller.is_staff() {
        let name = caller.name.clone().or_else(|| caller.id.clone()).unwrap_or_else(|| "staff".into());
        let kind = if caller.has_role("clerk") && !caller.has_role("guide") { "clerk" } else { "staff" };
        (name, kind)
    } else {
        ("居民".into(), "resident")
    }
}

/// Create an application. `by` is the staff member applying for the
/// resident (代办), if any.
pub fn create(cfg: &Config, mut new: NewApp, caller: &Caller, now: i64) -> Result<serde_json::Value, Fail> {
    let proxy = caller.is_staff();
    let item = items::resolve(cfg, new.item.trim())?;
    let id_n = match new.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(id_number(raw)?),
        None => None,
    };
    let mut prefilled = false;
    if proxy && new.consent {
        let Some(id) = id_n.as_deref() else {
            return Err(Fail::field(422, "field_required", "id_number", "从居民档案填表须填写身份证号码", "the ID card number is needed to fill the form from the resident record"));
        };
        if let Some(r) = record(id, true)? {
            prefilled = true;
            if new.name.trim().is_empty() {
                new.name = r.name;
            }
            if new.phone.trim().is_empty() {
                new.phone = r.phone.unwrap_or_default();
            }
            if new.address.as_deref().unwrap_or("").trim().is_empty() {
                new.address = r.address;
            }
        }
    } else if new.consent {
        return Err(Fail::field(
            403,
            "records_staff_only",
            "consent",
            "居民档案只能由窗口或导办人员在征得同意后调取，请在大厅的代办窗口办理，或手工填写",
            "resident records are read by hall staff with the resident's consent; ask at the hall's desk, or fill the form by hand",
        ));
    }
    let name = text::required("name", "申请人姓名", &new.name, 50)?;
    let ph = phone(&new.phone)?;
    let address = text::check("address", "居住地址", new.address.as_deref().unwrap_or(""), 200, false)?;
    let purpose = text::check("purpose", "用途说明", new.purpose.as_deref().unwrap_or(""), 200, false)?;
    let id_key = id_n.as_deref().map(|n| pseudonyms::of("id", n));
    let id_shown = id_n.as_deref().map(mask::id_number);
    // The booking is checked before anything is written.
    let booking = match new.booking.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(raw) => Some(crate::thread::check_booking(cfg, &item.code, &item.name, raw)?),
        None => None,
    };
    let token = random_code(20)?;
    let status = "draft";
    let (who, kind) = actor(caller);
    let rows: Vec<i64> = db::rows(
        "INSERT INTO applications (token, item, item_name, item_version, source, applicant, phone, phone_shown, resident, id_key, id_shown, address, purpose, proxy, proxy_by, prefilled, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18) RETURNING id",
        &[
            sql::text(&token),
            sql::text(&item.code),
            sql::text(&item.name),
            item.version.map(sql::int).unwrap_or(Value::Null),
            sql::text(item.source),
            sql::text(&name),
            sql::text(&ph.phone),
            sql::text(&ph.shown),
            sql::text(&ph.key),
            db::opt_text(id_key.as_deref()),
            db::opt_text(id_shown.as_deref()),
            db::opt_text(Some(address.as_str()).filter(|s| !s.is_empty())),
            db::opt_text(Some(purpose.as_str()).filter(|s| !s.is_empty())),
            sql::int(proxy as i64),
            db::opt_text(if proxy { Some(who.as_str()) } else { None }),
            sql::int(prefilled as i64),
            sql::text(status),
            sql::int(now),
        ],
    )?;
    let id = *rows.first().ok_or_else(|| Fail::Internal("no id for the new application".into()))?;
    // Nothing asked twice: a material the guides mark as held by the hall,
    // or one this resident (by ID card) had accepted in an earlier
    // application, is on file and not asked again.
    // A resident applying alone must also use the same phone as then (an
    // ID card number typed is no proof); at the desk staff saw the card.
    let held = held_materials(id_key.as_deref(), if proxy { None } else { Some(ph.key.as_str()) })?;
    for (pos, (mid, mname, on_file)) in item.materials.iter().enumerate() {
        let earlier = held.iter().find(|(n, _)| n == mname).map(|(_, app)| *app);
        let st = if *on_file || earlier.is_some() { "on_file" } else { "missing" };
        sql::execute(
            "INSERT INTO materials (app_id, mid, name, position, status, held_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[sql::int(id), sql::text(mid), sql::text(mname), sql::int(pos as i64), sql::text(st), earlier.map(sql::int).unwrap_or(Value::Null)],
        )?;
    }
    let detail = if proxy { format!("代办：{}（{}）{}", item.name, who, if prefilled { "，经居民同意从居民档案填表" } else { "" }) } else { item.name.clone() };
    db::step(id, now, &who, kind, "created", &detail)?;
    if let Some((code, b)) = &booking {
        crate::thread::record_booking(id, code, b, &who, kind, now)?;
    }
    notify::Message::to_phone(
        &ph.phone,
        "application-created",
        "您的{item}预受理申请已建立，请打开链接上传材料：/applications/a/{token}",
        "Your pre-acceptance application for {item} is open; upload the materials at /applications/a/{token}",
    )
    .param("item", &item.name)
    .param("token", &token)
    .send()
    .map_err(|e| log::warn(&format!("the creation notice was not sent: {e}")))
    .ok();
    events::publish("applications.created", &json!({"id": id, "item": item.code})).ok();
    let app = db::app_by_id(id)?.ok_or_else(|| Fail::Internal("the new application is gone".into()))?;
    let mut v = view(cfg, &app, "zh-CN", true)?;
    v["token"] = json!(token);
    Ok(v)
}

/// Material names this resident had accepted before, with the application.
fn held_materials(id_key: Option<&str>, phone_key: Option<&str>) -> Result<Vec<(String, i64)>, Fail> {
    let Some(k) = id_key else { return Ok(vec![]) };
    const HELD: &str = "SELECT m.name, m.app_id FROM materials AS m JOIN applications AS a ON a.id = m.app_id WHERE a.id_key = ?1 AND m.status = 'accepted'";
    match phone_key {
        Some(p) => db::rows(&format!("{HELD} AND a.resident = ?2 ORDER BY m.app_id DESC"), &[sql::text(k), sql::text(p)]),
        None => db::rows(&format!("{HELD} ORDER BY m.app_id DESC"), &[sql::text(k)]),
    }
}

pub fn status_label(status: &str, deemed: bool, lang: &str) -> &'static str {
    match status {
        "draft" => t(lang, "待提交", "not submitted yet"),
        "submitted" => t(lang, "待审核", "awaiting review"),
        "correction" => t(lang, "待补正", "correction needed"),
        "accepted" if deemed => t(lang, "已受理（逾期未告知，视为受理）", "accepted (not told in time: counts as accepted)"),
        "accepted" => t(lang, "已受理", "accepted"),
        "done" => t(lang, "已办结", "completed"),
        "refused" => t(lang, "不予受理", "not accepted"),
        _ => t(lang, "未知", "unknown"),
    }
}

pub fn material_label(status: &str, lang: &str) -> &'static str {
    match status {
        "missing" => t(lang, "未上传", "not uploaded"),
        "uploaded" => t(lang, "已上传，待审核", "uploaded, to be reviewed"),
        "accepted" => t(lang, "已核验通过", "checked and accepted"),
        "correction" => t(lang, "需补正", "needs correction"),
        "on_file" => t(lang, "大厅已存档，无需上传", "on file at the hall: no need to upload"),
        _ => t(lang, "未知", "unknown"),
    }
}

fn material_json(cfg: &Config, m: &Material, lang: &str) -> serde_json::Value {
    let reasons: Vec<String> = m.reasons.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
    let reasons: Vec<serde_json::Value> = reasons
        .iter()
        .map(|c| match cfg.reason(c) {
            Some(r) => json!({"code": c, "text": t(lang, &r.zh, &r.en)}),
            None => json!({"code": c, "text": c}),
        })
        .collect();
    json!({
        "id": m.mid, "name": m.name, "status": m.status, "status_label": material_label(&m.status, lang),
        "file": m.file_name, "type": m.file_type, "size": m.file_size,
        "reasons": reasons, "note": m.note, "held_from": m.held_from,
        "uploaded_at": m.uploaded_at.map(clock::format_local), "uploaded_by": m.uploaded_by,
        "reviewed_at": m.reviewed_at.map(clock::format_local), "reviewed_by": m.reviewed_by,
    })
}

/// The application as its page shows it. `full`: the resident (by the
/// token) or staff; the phone is always masked.
pub fn view(cfg: &Config, app: &App, lang: &str, full: bool) -> Result<serde_json::Value, Fail> {
    let mats: Vec<_> = db::materials(app.id)?.iter().map(|m| material_json(cfg, m, lang)).collect();
    #[derive(Deserialize)]
    struct Step {
        at: i64,
        who: String,
        actor: String,
        action: String,
        detail: String,
    }
    let steps: Vec<Step> = db::rows("SELECT at, who, actor, action, detail FROM timeline WHERE app_id = ?1 ORDER BY id", &[sql::int(app.id)])?;
    let timeline: Vec<_> = steps
        .iter()
        .map(|s| json!({"at": clock::format_local(s.at), "who": s.who, "actor": s.actor, "action": s.action, "action_label": action_label(&s.action, lang), "detail": s.detail}))
        .collect();
    let cert: Option<(String,)> = db::row("SELECT code FROM certificates WHERE app_id = ?1", &[sql::int(app.id)])?;
    let mut v = json!({
        "id": app.id, "item": app.item, "item_name": app.item_name, "item_version": app.item_version, "source": app.source,
        "status": app.status, "status_label": status_label(&app.status, app.deemed == 1, lang), "deemed": app.deemed == 1,
        "applicant": if full { app.applicant.clone() } else { mask::name(&app.applicant) },
        "phone": app.phone_shown, "id_number": app.id_shown, "proxy": app.proxy == 1, "proxy_by": app.proxy_by, "prefilled": app.prefilled == 1,
        "clerk": app.clerk_name, "submitted_at": app.submitted_at.map(clock::format_local), "clock_day": app.clock_day, "due_day": app.due_day,
        "rounds": app.rounds, "outcome_reason": app.outcome_reason, "decided_at": app.decided_at.map(clock::format_local),
        "created_at": clock::format_local(app.created_at),
        "materials": mats, "timeline": timeline, "certificate": cert.map(|c| c.0),
        "reasons": cfg.reasons.iter().map(|r| json!({"code": r.code, "text": t(lang, &r.zh, &r.en)})).collect::<Vec<_>>(),
    });
    if full {
        v["address"] = json!(app.address);
        v["purpose"] = json!(app.purpose);
    }
    Ok(v)
}

pub fn action_label(action: &str, lang: &str) -> &'static str {
    match action {
        "created" => t(lang, "建立申请", "application opened"),
        "uploaded" => t(lang, "上传材料", "material uploaded"),
        "reuploaded" => t(lang, "补正上传", "corrected material uploaded"),
        "submitted" => t(lang, "提交审核", "submitted for review"),
        "resubmitted" => t(lang, "补正后重新提交", "resubmitted after correction"),
        "claimed" => t(lang, "领取审核", "taken for review"),
        "assigned" => t(lang, "主管改派", "reassigned by a supervisor"),
        "material_accepted" => t(lang, "材料核验通过", "material accepted"),
        "material_correction" => t(lang, "材料需补正", "material needs correction"),
        "correction_notice" => t(lang, "一次性告知补正", "correction notice sent (all at once)"),
        "accepted" => t(lang, "受理", "accepted"),
        "deemed_accepted" => t(lang, "逾期未告知，视为受理", "not told in time: counts as accepted"),
        "done" => t(lang, "办结", "completed"),
        "refused" => t(lang, "不予受理", "not accepted"),
        "certificate" => t(lang, "出具证明", "certificate issued"),
        "ticket" => t(lang, "取优先号", "priority ticket taken"),
        "booking" => t(lang, "关联预约", "booking linked"),
        "revoked" => t(lang, "证明作废", "certificate revoked"),
        _ => t(lang, "其他", "other"),
    }
}

fn not_found() -> Fail {
    Fail::user(404, "application_not_found", "找不到这个申请，请检查链接是否完整", "no such application; check that the link is complete")
}

/// The application of a resident's link.
pub fn by_token(token: &str) -> Result<App, Fail> {
    if token.is_empty() || token.len() > 40 {
        return Err(not_found());
    }
    db::app_by_token(&token.to_ascii_uppercase())?.ok_or_else(not_found)
}

/// One uploaded material: only while the application is being prepared
/// (any listed material not on file), or, after a correction notice, the
/// materials the clerk asked for — nothing else.
pub fn upload(app: &App, mid: &str, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let lang = req.lang();
    let mats = db::materials(app.id)?;
    let Some(m) = mats.iter().find(|m| m.mid == mid) else {
        let shown: String = mid.chars().take(20).collect();
        return Err(Fail::user(404, "material_unknown", format!("这个申请没有材料 {shown}"), format!("this application has no material `{shown}`")));
    };
    match (app.status.as_str(), m.status.as_str()) {
        (_, "on_file") => {
            return Err(Fail::user(409, "material_on_file", format!("“{}”大厅已存档，无需上传", m.name), format!("material `{}` is on file at the hall: no need to upload it", m.mid)));
        }
        ("draft", _) => {}
        ("correction", "correction") => {}
        ("correction", _) => {
            return Err(Fail::user(
                409,
                "material_not_requested",
                format!("“{}”不在补正通知要求补正的材料中，无需重新上传", m.name),
                format!("material `{}` was not asked for in the correction notice; there is no need to upload it again", m.mid),
            ));
        }
        ("submitted", _) => return Err(Fail::user(409, "under_review", "申请正在审核中，暂不能更换材料", "the application is being reviewed; materials cannot be changed now")),
        _ => {
            return Err(Fail::user(
                409,
                "application_closed",
                format!("申请已{}，不能再上传材料", status_label(&app.status, app.deemed == 1, "zh-CN")),
                format!("the application is {}; no more uploads", status_label(&app.status, app.deemed == 1, "en")),
            ));
        }
    }
    let f = match files::uploaded(req) {
        Some(Ok(f)) => f,
        Some(Err(e)) => return Err(Fail::Host(e)),
        None => return Err(Fail::user(400, "no_file", "没有收到文件", "no file received")),
    };
    files::keep(&f.id)?;
    // The replaced file is not referred to any more.
    if let Some(old) = m.file_id.as_deref().filter(|o| *o != f.id) {
        files::release(old).ok();
    }
    let (who, kind) = actor(&req.caller);
    let again = m.status == "correction";
    sql::execute(
        "UPDATE materials SET status = 'uploaded', file_id = ?1, file_name = ?2, file_type = ?3, file_size = ?4, sha256 = ?5, uploaded_at = ?6, uploaded_by = ?7 WHERE app_id = ?8 AND mid = ?9",
        &[sql::text(&f.id), sql::text(&f.name), sql::text(&f.content_type), sql::int(f.size as i64), sql::text(&f.sha256), sql::int(now), sql::text(&who), sql::int(app.id), sql::text(mid)],
    )?;
    sql::execute("UPDATE applications SET updated_at = ?1 WHERE id = ?2", &[sql::int(now), sql::int(app.id)])?;
    db::step(app.id, now, &who, kind, if again { "reuploaded" } else { "uploaded" }, &format!("{}（{}）", m.name, f.name))?;
    let m = db::materials(app.id)?.into_iter().find(|x| x.mid == mid).ok_or_else(|| Fail::Internal("the material is gone".into()))?;
    let cfg = Config::load();
    Ok(material_json(&cfg, &m, lang))
}

/// Submit (or resubmit after a correction): every material asked for must
/// be there. Starts the legal clock: the correction must be told within
/// `review_days` working days.
pub fn submit(cfg: &Config, app: &App, caller: &Caller, now: i64) -> Result<(), Fail> {
    let again = match app.status.as_str() {
        "draft" => false,
        "correction" => true,
        "submitted" => return Err(Fail::user(409, "already_submitted", "申请已提交，正在审核中", "the application was submitted already and is being reviewed")),
        _ => {
            return Err(Fail::user(
                409,
                "application_closed",
                format!("申请已{}，不能再提交", status_label(&app.status, app.deemed == 1, "zh-CN")),
                format!("the application is {}; it cannot be submitted again", status_label(&app.status, app.deemed == 1, "en")),
            ));
        }
    };
    let mats = db::materials(app.id)?;
    let open: Vec<&Material> = mats.iter().filter(|m| m.status == "missing" || m.status == "correction").collect();
    if !open.is_empty() {
        let names: Vec<&str> = open.iter().map(|m| m.name.as_str()).collect();
        return Err(Fail::user(
            422,
            "materials_missing",
            format!("还有材料未上传：{}", names.join("、")),
            format!("{} material(s) still to upload: {}", names.len(), open.iter().map(|m| m.mid.as_str()).collect::<Vec<_>>().join(", ")),
        ));
    }
    let today = db::local_day(now);
    let due = calendar::add_working_days(&today, cfg.review_days.max(1))?;
    sql::execute(
        "UPDATE applications SET status = 'submitted', submitted_at = ?1, clock_day = ?2, due_day = ?3, updated_at = ?1 WHERE id = ?4",
        &[sql::int(now), sql::text(&today), sql::text(&due), sql::int(app.id)],
    )?;
    let (who, kind) = actor(caller);
    db::step(app.id, now, &who, kind, if again { "resubmitted" } else { "submitted" }, &format!("须在 {due} 前一次告知补正内容 / any correction must be told by {due}"))?;
    events::publish("applications.submitted", &json!({"id": app.id, "item": app.item, "due_day": due})).ok();
    Ok(())
}
