//! What another plugin may read of a served ticket and of a window
//! (capability `services`): the `ratings` plugin (好差评) ties each rating
//! to the ticket, its window, the clerk who served it, its service and
//! day, and shows the clerk on duty on the window's evaluator. The public
//! events carry none of this (never a clerk's name or id), so it is a
//! callable route: read by a plugin as itself along a link an admin
//! allowed, or by a supervisor; never by a resident.

use crate::config::Config;
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Served {
    id: i64,
    day: String,
    label: String,
    service: String,
    status: String,
    window: Option<String>,
    clerk_id: Option<String>,
    clerk_name: Option<String>,
    finished_at: Option<i64>,
    outcome: Option<String>,
    issued_at: i64,
    called_at: Option<i64>,
}

// `issued_at` and `called_at`: the applications plugin's case thread shows
// when the resident's ticket was taken and called.
const COLUMNS: &str = "id, day, label, service, status, \"window\", clerk_id, clerk_name, finished_at, outcome, issued_at, called_at";

/// `GET /api/queue/served?token=…`, `?day=YYYY-MM-DD&ticket=A012` or
/// `?window=3`.
pub fn served(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    if req.caller.kind != "plugin" && !req.caller.has_role("supervisor") {
        return Err(Fail::status(403, "仅供其他插件和主管读取", "for other plugins and supervisors only"));
    }
    let q = |k: &str| req.query_param(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(window) = q("window") {
        #[derive(Deserialize)]
        struct Win {
            clerk_id: Option<String>,
            clerk_name: Option<String>,
            paused: i64,
            last_seen: i64,
        }
        let w = db::row::<Win>("SELECT clerk_id, clerk_name, paused, last_seen FROM windows WHERE number = ?1", &[sql::text(&window)])?;
        let configured = cfg.window(&window).is_some();
        return Ok(Response::json(
            200,
            &match w {
                Some(w) => json!({"window": window, "configured": configured, "clerk_id": w.clerk_id, "clerk_name": w.clerk_name, "paused": w.paused != 0, "last_seen": w.last_seen}),
                None => json!({"window": window, "configured": configured, "clerk_id": null, "clerk_name": null, "paused": false, "last_seen": null}),
            },
        ));
    }
    let t = if let Some(token) = q("token") {
        db::row::<Served>(&format!("SELECT {COLUMNS} FROM tickets WHERE token = ?1"), &[sql::text(&token)])?
    } else if let (Some(day), Some(ticket)) = (q("day"), q("ticket")) {
        db::row::<Served>(&format!("SELECT {COLUMNS} FROM tickets WHERE day = ?1 AND label = ?2"), &[sql::text(&day), sql::text(&ticket.to_uppercase())])?
    } else {
        return Err(Fail::status(422, "请提供 token，或 day 和 ticket，或 window", "give token, or day and ticket, or window"));
    };
    let t = t.ok_or_else(|| Fail::status(404, "没有这个号", "No such ticket"))?;
    let svc = cfg.service(&t.service);
    Ok(Response::json(
        200,
        &json!({
            "id": t.id,
            "day": t.day,
            "ticket": t.label,
            "service": t.service,
            "service_name_zh": svc.map(|s| s.name_zh.as_str()).unwrap_or(""),
            "service_name_en": svc.map(|s| s.name_en.as_str()).unwrap_or(""),
            "status": t.status,
            "window": t.window,
            "clerk_id": t.clerk_id,
            "clerk_name": t.clerk_name,
            "finished_at": t.finished_at,
            "outcome": t.outcome,
            "issued_at": t.issued_at,
            "called_at": t.called_at,
        }),
    ))
}
