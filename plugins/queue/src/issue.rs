//! Issuing tickets: at the kiosk, at the guide desk and on an appointment
//! check-in. One INSERT both numbers the ticket and enforces the limits,
//! so numbers are contiguous per service and day and never repeat.

use crate::announce;
use crate::config::Config;
use crate::day::{self, Local};
use crate::db;
use crate::estimate::Board;
use crate::fail::Fail;
use crate::ticket::Ticket;
use linli_sdk::prelude::*;

/// What someone asked for.
#[derive(Debug, Default)]
pub struct Ask {
    pub service: String,
    /// `walk-in` or `appointment`.
    pub kind: &'static str,
    pub priority: bool,
    /// 代办: taken on someone's behalf; never limited per phone.
    pub proxy: bool,
    /// `kiosk`, `guide` or `appointment`.
    pub channel: &'static str,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub appointment_id: Option<String>,
    pub appointment_time: Option<i64>,
    /// The client's idempotency key: a retry returns the same ticket.
    pub idem_key: Option<String>,
}

pub struct Issued {
    pub ticket: Ticket,
    pub ahead: i64,
    pub wait_minutes: i64,
    /// True when the key had already issued this ticket (nothing new).
    pub replayed: bool,
}

/// Check a phone number and turn it into the host's pseudonym for it: the
/// plugin only ever compares phones, so its database never holds one. The
/// number is normalised first (separators, full-width digits, `+86`/`0086`),
/// so one phone typed two ways is still one phone for the one-ticket rule.
pub fn clean_phone(p: Option<&str>) -> Result<Option<String>, Fail> {
    let Some(p) = p.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
    let phone = linli_sdk::normalise::phone(p).map_err(|_| {
        Fail::status(422, "手机号码格式不正确，应为 7 至 15 位数字", "That phone number does not look right (7 to 15 digits)")
    })?;
    // Stored as "masked#pseudonym": the same phone gives the same value, so
    // the one-ticket rule is a plain equality, and staff see it masked.
    Ok(Some(format!("{}#{}", mask::phone(&phone), linli_sdk::pseudonyms::of("phone", &phone))))
}

/// The part of a stored phone value that may be shown, masked again under
/// the current rule (rows written under an older rule kept 7 digits).
pub fn shown_phone(stored: &str) -> String {
    mask::remask(stored.split('#').next().unwrap_or(""), 4)
}

/// Whether `ask` is the request that issued `t` (what a retry repeats):
/// the service, the phone (its pseudonym), the name, 代办, priority and
/// the appointment. Not the kind: a late appointment check-in retried may
/// fall on the other side of the lateness rule.
fn same_request(t: &Ticket, ask: &Ask) -> bool {
    let pseudonym = |p: Option<&str>| p.map(|p| p.split_once('#').map(|(_, h)| h.to_owned()).unwrap_or_else(|| p.to_owned()));
    t.origin_service == ask.service
        && (t.proxy != 0) == ask.proxy
        && (t.priority != 0) == ask.priority
        && pseudonym(t.phone.as_deref()) == pseudonym(ask.phone.as_deref())
        && t.name.as_deref() == ask.name.as_deref()
        && t.appointment_id.as_deref() == ask.appointment_id.as_deref()
}

/// How long after issuing a kiosk's key still replays its ticket (a retry
/// after a lost answer, a double tap): 10 minutes.
pub const REPLAY_WINDOW_MS: i64 = 10 * 60_000;

/// The longest idempotency key a client may send, in characters (the
/// plugin's own prefix, `kiosk:` or `guide:`, does not count).
pub const MAX_IDEM_KEY: usize = 100;

/// The internal key for a client's idempotency key: `prefix:key`, or none
/// when the client sent none. Refused when longer than [`MAX_IDEM_KEY`]
/// characters or holding control characters.
pub fn idem_key(prefix: &str, key: Option<String>) -> Result<Option<String>, Fail> {
    let Some(key) = key.filter(|k| !k.is_empty()) else { return Ok(None) };
    if key.chars().count() > MAX_IDEM_KEY || key.chars().any(char::is_control) {
        return Err(Fail::status(
            422,
            format!("请求标识（idem_key）应为不超过 {MAX_IDEM_KEY} 个字符的可见文字"),
            format!("idem_key must be at most {MAX_IDEM_KEY} visible characters"),
        ));
    }
    Ok(Some(format!("{prefix}:{key}")))
}

fn replay(key: &str) -> Result<Option<Issued>, Fail> {
    let Some(ticket) = db::row::<Ticket>(concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE idem_key = ?1"), &[sql::text(key)])? else {
        return Ok(None);
    };
    let ahead = ticket.ahead()?;
    Ok(Some(Issued { ticket, ahead, wait_minutes: 0, replayed: true }))
}

pub fn issue(cfg: &Config, ask: Ask, now: i64) -> Result<Issued, Fail> {
    let Some(svc) = cfg.service(&ask.service) else {
        return Err(Fail::status(404, format!("没有编号为 {} 的业务，请重新选择", ask.service), format!("There is no service `{}`; please choose again", ask.service)));
    };
    if cfg.windows_for(&svc.code).next().is_none() {
        return Err(Fail::status(409, format!("{} 业务暂无窗口办理", svc.name_zh), format!("No window handles {} at present", svc.name_en)));
    }
    if let Some(key) = ask.idem_key.as_deref()
        && let Some(done) = replay(key)?
    {
        // A retry must ask for the same thing; a key reused for another
        // request would otherwise be answered, silently, with the first
        // request's ticket.
        if !same_request(&done.ticket, &ask) {
            return Err(Fail::status(
                422,
                format!("该请求标识已用于另一项取号请求（{} 号），请为新的请求使用新的标识", done.ticket.label),
                format!("This idempotency key was already used for a different request (ticket {}); use a new key for a new request", done.ticket.label),
            ));
        }
        // A retry comes within moments; a key presented long after is not
        // one, and answering it would hand the ticket's token (the
        // resident's key to it) to whoever learnt the key. The public
        // kiosk route only: staff desks act for the holder (a guide checking
        // an appointment in again reprints its ticket).
        if key.starts_with("kiosk:") && now - done.ticket.issued_at > REPLAY_WINDOW_MS {
            return Err(Fail::status(
                409,
                format!("该请求标识已于较早前用于 {} 号，请为新的请求使用新的标识", done.ticket.label),
                format!("This idempotency key was used for ticket {} a while ago; use a new key for a new request", done.ticket.label),
            ));
        }
        return with_wait(cfg, done, now);
    }
    let local = Local::at(now);
    if let Some((zh, en)) = day::issuing_closed(cfg, &local) {
        return Err(Fail::status(409, zh, en));
    }
    let period = day::period(cfg, local.minute);
    let quota = svc.quota.get(&period).copied().unwrap_or(0);
    let one_per_phone = cfg.tickets.one_per_phone && !ask.proxy;
    // The call's SQL is one transaction on the plugin's database, held from
    // the first statement to the end of the call: the checks below and the
    // INSERT see the same state, and no other call slips in between.
    refuse_over_limits(cfg, &ask, &local.day, &period, quota, one_per_phone)?;
    let board = Board::now(cfg, now)?;
    let line = board.line(&svc.code);
    let ahead_before = line.map(|l| l.waiting).unwrap_or(0);
    let est_ms = line.map(|l| l.wait_minutes(ahead_before) * 60_000).unwrap_or(0);
    let windows_open = line.map(|l| l.windows_open).unwrap_or(0);
    // The next number comes from the (day, origin_service, number) unique
    // index: contiguous, never reused. (Written as ORDER BY … LIMIT 1, an
    // index seek: MAX() inside this INSERT … SELECT scanned the whole day.)
    let inserted = db::row::<Ticket>(
        concat!("INSERT INTO tickets (day, origin_service, number, label, service, token, kind, priority, proxy, channel, phone, name,
                              appointment_id, appointment_time, status, sort_time, issued_at, windows_open, est_wait_ms, period, idem_key)
         SELECT ?1, ?2, n, ?3 || CASE WHEN n < 10 THEN '00' WHEN n < 100 THEN '0' ELSE '' END || n, ?2, ?17, ?4, ?5, ?6, ?7, ?8, ?9,
                ?10, ?11, 'waiting', ?12, ?12, ?13, ?14, ?15, ?16
         FROM (SELECT COALESCE((SELECT number FROM tickets WHERE day = ?1 AND origin_service = ?2
                                ORDER BY number DESC LIMIT 1), 0) + 1 AS n) AS next_number
         RETURNING ", crate::ticket_columns!()),
        &[
            sql::text(&local.day),
            sql::text(&svc.code),
            sql::text(svc.prefix()),
            sql::text(ask.kind),
            sql::int(ask.priority as i64),
            sql::int(ask.proxy as i64),
            sql::text(ask.channel),
            db::opt_text(ask.phone.as_deref()),
            db::opt_text(ask.name.as_deref()),
            db::opt_text(ask.appointment_id.as_deref()),
            db::opt_int(ask.appointment_time),
            sql::int(now),
            sql::int(windows_open),
            sql::int(est_ms),
            sql::text(&period),
            db::opt_text(ask.idem_key.as_deref()),
            sql::text(&new_token()?),
        ],
    )?;
    // A key already used was answered by `replay` above, and no other call
    // can issue in between (the call holds the database).
    let ticket = inserted.ok_or_else(|| Fail::Internal("the ticket INSERT returned no row".into()))?;
    sql::execute(
        "INSERT INTO issue_counts (day, service, period, issued) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (day, service, period) DO UPDATE SET issued = issue_counts.issued + 1",
        &[sql::text(&local.day), sql::text(&svc.code), sql::text(&period)],
    )?;
    // Everyone waiting for the service sorts before it (a ticket sorts by
    // its queue time, which is now for this one; a returned no-show is put
    // just behind one already waiting), so the count read above in this same
    // transaction is its place.
    let ahead = ahead_before;
    let wait_minutes = line.map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    announce::issued(&ticket, ahead, wait_minutes);
    announce::board(&board.with_one_more(&svc.code));
    log::info(&format!("issued {} ({}, {})", ticket.label, ticket.kind, ticket.channel));
    Ok(Issued { ticket, ahead, wait_minutes, replayed: false })
}

/// Say no, and which rule says so, when the phone already holds a ticket,
/// today's tickets for the service are gone, or the period's quota is.
fn refuse_over_limits(cfg: &Config, ask: &Ask, day: &str, period: &str, quota: u32, one_per_phone: bool) -> Result<(), Fail> {
    let code = ask.service.as_str();
    let svc_zh = cfg.service(code).map(|s| s.name_zh.as_str()).unwrap_or(code);
    let svc_en = cfg.service(code).map(|s| s.name_en.as_str()).unwrap_or(code);
    if one_per_phone && let Some(phone) = ask.phone.as_deref() {
        let held = db::row::<Ticket>(
            concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE origin_service = ?1 AND phone = ?2 AND proxy = 0 AND status IN ('waiting', 'called', 'serving', 'missed') LIMIT 1"),
            &[sql::text(code), sql::text(phone)],
        )?;
        if let Some(t) = held {
            return Err(Fail::status(
                409,
                format!("该手机号已有 {} 号（{}），每人每项业务限取一个号", t.label, svc_zh),
                format!("This phone already holds ticket {} for {}; one ticket per person per service", t.label, svc_en),
            ));
        }
    }
    let limit = cfg.service(code).map(|s| s.daily_limit).unwrap_or(0);
    if limit == 0 && quota == 0 {
        return Ok(());
    }
    #[derive(serde::Deserialize)]
    struct Counts {
        total: i64,
        in_period: i64,
    }
    let counts = db::row::<Counts>(
        "SELECT COALESCE(SUM(issued), 0) AS total, COALESCE(SUM(CASE WHEN period = ?3 THEN issued ELSE 0 END), 0) AS in_period
         FROM issue_counts WHERE day = ?1 AND service = ?2",
        &[sql::text(day), sql::text(code), sql::text(period)],
    )?
    .unwrap_or(Counts { total: 0, in_period: 0 });
    if limit > 0 && counts.total >= limit as i64 {
        return Err(Fail::status(
            409,
            format!("{svc_zh}今日号源已取完（限 {limit} 个），请明天再来或预约"),
            format!("Today's {limit} tickets for {svc_en} are all taken; please come tomorrow or book an appointment"),
        ));
    }
    if quota > 0 && counts.in_period >= quota as i64 {
        let name = cfg.periods.iter().find(|p| p.code == period);
        return Err(Fail::status(
            409,
            format!("{svc_zh}{}号源已取完（限 {quota} 个），请在下一时段再来", name.map(|p| p.name_zh.as_str()).unwrap_or("本时段")),
            format!("The {} tickets for {svc_en} ({quota}) are all taken; please come in the next period", name.map(|p| p.name_en.as_str()).unwrap_or("period's")),
        ));
    }
    Ok(())
}

fn with_wait(cfg: &Config, mut done: Issued, now: i64) -> Result<Issued, Fail> {
    let board = Board::now(cfg, now)?;
    done.wait_minutes = board.line(&done.ticket.service).map(|l| l.wait_minutes(done.ahead)).unwrap_or(0);
    Ok(done)
}

/// A ticket page's secret: 128 random bits, as 32 hex digits.
fn new_token() -> Result<String, Fail> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| Fail::Internal(format!("no random bytes for a ticket token: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}
