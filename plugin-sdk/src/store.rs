//! Typed wrappers over the host capabilities.

use crate::bindings::linli::plugin as wit;

/// Why a host call failed.
pub use wit::types::Error as HostError;

// wit-bindgen derives Display and Error for it.


/// Key-value storage in the plugin's own namespace.
pub mod kv {
    use super::{HostError, wit};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// Raw bytes under `key`.
    pub fn get(key: &str) -> Result<Option<Vec<u8>>, HostError> {
        wit::kv::get(key)
    }
    /// Store raw bytes.
    pub fn set(key: &str, value: &[u8]) -> Result<(), HostError> {
        wit::kv::set(key, value)
    }
    /// Delete; returns whether the key existed.
    pub fn delete(key: &str) -> Result<bool, HostError> {
        wit::kv::delete(key)
    }
    /// Keys with `prefix`, in order, after `after`, at most `limit`.
    pub fn scan(prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>, HostError> {
        wit::kv::scan(prefix, after, limit)
    }
    /// Atomic compare-and-swap; `None` means absent.
    pub fn compare_and_swap(key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool, HostError> {
        wit::kv::compare_and_swap(key, expected, new)
    }
    /// Atomically add to a counter and return the new value (never twice the same).
    pub fn increment(key: &str, delta: i64) -> Result<i64, HostError> {
        wit::kv::increment(key, delta)
    }
    /// A JSON value under `key`.
    pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, HostError> {
        match get(key)? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| HostError::Invalid(format!("`{key}` holds invalid JSON: {e}"))),
        }
    }
    /// Store a JSON value.
    pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), HostError> {
        let b = serde_json::to_vec(value).map_err(|e| HostError::Invalid(e.to_string()))?;
        set(key, &b)
    }
    /// Every JSON value under `prefix` (at most `limit`), in key order.
    pub fn scan_json<T: DeserializeOwned>(prefix: &str, limit: u32) -> Result<Vec<(String, T)>, HostError> {
        scan(prefix, None, limit)?
            .into_iter()
            .map(|(k, v)| serde_json::from_slice(&v).map(|t| (k.clone(), t)).map_err(|e| HostError::Invalid(format!("`{k}`: {e}"))))
            .collect()
    }
}

/// SQL on the plugin's own database (bound parameters only).
///
/// Each call (request, event, tick) is one transaction: everything it
/// writes is committed together when it returns, and rolled back if it
/// traps or hits a limit. Within a call, no other call of the same plugin
/// reads or writes in between, so "check, then write" is safe (also in a
/// district where several hosts serve the hall). A statement that fails
/// (a unique key taken) is undone alone; the call goes on.
///
/// # One dialect, two databases
///
/// A hall keeps the database in a SQLite file; a district keeps it in
/// PostgreSQL (a schema of the plugin's own). Write the SQL both run. The
/// host translates only this for PostgreSQL: `?1`/`?` placeholders, the
/// type names `INTEGER` (64-bit), `REAL`, `BLOB`, `INTEGER PRIMARY KEY`
/// ids (with or without `AUTOINCREMENT`), `WITHOUT ROWID`. Everything else
/// must already be common ground:
///
/// - upserts: `INSERT … ON CONFLICT (key) DO NOTHING` or
///   `DO UPDATE SET n = counts.n + 1, m = excluded.m` (the table's name
///   before a column it reads), never `INSERT OR IGNORE`/`REPLACE`;
/// - new ids: `INSERT … RETURNING id`, never `last_insert_rowid()`;
/// - `COALESCE`, `CASE WHEN … END`, `||`, `LIKE` (case-sensitive in
///   PostgreSQL: compare `lower(x)`), `SUM`, `AVG` (a real), `COUNT`;
///   no `printf`, `strftime`, `date()`, `ifnull`, `iif`, `group_concat`,
///   `randomblob`, `hex`, scalar `MAX(a, b)`;
/// - times as INTEGER milliseconds from [`crate::clock`], dates as TEXT
///   `YYYY-MM-DD` made in the plugin, booleans as INTEGER 0/1 compared
///   with `= 1`, `WHERE 1 = 1` rather than `WHERE 1`;
/// - names PostgreSQL reserves (`window`, `user`, `order`, `group`…)
///   in double quotes, a subquery in `FROM` with a name (`AS s`), every
///   selected column that is not aggregated in the `GROUP BY`;
/// - a `SUM` of integers is a NUMERIC in PostgreSQL (it comes back as an
///   integer when whole): before dividing it, `CAST(SUM(x) AS INTEGER)`,
///   or integer division will not round down; `SUM(a = b)` counts only in
///   SQLite: `SUM(CASE WHEN a = b THEN 1 ELSE 0 END)`;
/// - result column names are lower case in PostgreSQL: alias them in
///   lower case (`COUNT(*) AS n`) when reading rows by name.
///
/// On SQLite the host checks each statement once and logs what would not
/// run on PostgreSQL, and why; the plugin's own tests (the host's
/// `PluginHarness`) refuse such a statement, so it is found before a
/// district runs the plugin.
pub mod sql {
    use super::{HostError, wit};
    pub use wit::sql::{Rows, Value};

    /// Run one statement; returns rows changed.
    pub fn execute(statement: &str, params: &[Value]) -> Result<u64, HostError> {
        wit::sql::execute(statement, params)
    }
    /// Run a query.
    pub fn query(statement: &str, params: &[Value]) -> Result<Rows, HostError> {
        wit::sql::query(statement, params)
    }
    /// Run a query and read each row as a `T`: a struct by column names, a
    /// tuple by position, or the single column's value (see [`Rows::decode`]).
    pub fn query_as<T: serde::de::DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Vec<T>, HostError> {
        query(statement, params)?.decode().map_err(HostError::Invalid)
    }
    /// Several statements, all or nothing.
    pub fn transaction(statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>, HostError> {
        wit::sql::transaction(statements)
    }
    /// The first row as a `T`, if any.
    pub fn query_one<T: serde::de::DeserializeOwned>(statement: &str, params: &[Value]) -> Result<Option<T>, HostError> {
        Ok(query_as(statement, params)?.into_iter().next())
    }
    /// A single integer (a COUNT or SUM); NULL and no row are 0.
    pub fn query_i64(statement: &str, params: &[Value]) -> Result<i64, HostError> {
        Ok(query_one::<Option<i64>>(statement, params)?.flatten().unwrap_or(0))
    }
    /// Make the plugin's tables once per `version`: `statements` (each
    /// idempotent, `CREATE TABLE IF NOT EXISTS …`, `ALTER …` steps guarded
    /// by the version) run all or nothing in the call's transaction, and the
    /// version is recorded in the plugin's table `linli_schema` with them.
    /// The key-value store remembers it (a fast path, needs `kv`) only once
    /// a later call finds it recorded: a key-value write is kept even when
    /// the call's SQL is undone (a call that times out after making the
    /// tables), so remembering it in the same call could skip tables that
    /// were never kept.
    pub fn ensure_schema(version: &str, statements: &[&str]) -> Result<(), HostError> {
        const KEY: &str = "schema";
        if super::kv::get(KEY)?.as_deref() == Some(version.as_bytes()) {
            return Ok(());
        }
        execute("CREATE TABLE IF NOT EXISTS linli_schema (name TEXT PRIMARY KEY, version TEXT NOT NULL)", &[])?;
        let recorded: Option<String> = query_one("SELECT version FROM linli_schema WHERE name = 'tables'", &[])?;
        if recorded.as_deref() == Some(version) {
            return super::kv::set(KEY, version.as_bytes());
        }
        let mut all: Vec<(String, Vec<Value>)> = statements.iter().map(|s| (s.to_string(), Vec::new())).collect();
        all.push((
            "INSERT INTO linli_schema (name, version) VALUES ('tables', ?1) ON CONFLICT (name) DO UPDATE SET version = excluded.version".into(),
            vec![text(version)],
        ));
        transaction(&all)?;
        Ok(())
    }
    /// Text parameter.
    pub fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
    /// Integer parameter.
    pub fn int(i: i64) -> Value {
        Value::Integer(i)
    }
}

/// Publishing events.
pub mod events {
    use super::{HostError, wit};

    /// Publish a JSON payload under `topic` (must start with the plugin id).
    ///
    /// The event is stored and delivered when the current call returns,
    /// after its SQL changes are committed; a call that traps publishes
    /// nothing. Returns the event's position among this call's events.
    pub fn publish<T: serde::Serialize>(topic: &str, payload: &T) -> Result<u64, HostError> {
        let text = serde_json::to_string(payload).map_err(|e| HostError::Invalid(e.to_string()))?;
        wit::events::publish(topic, &text)
    }
}

/// The host's clock.
pub mod clock {
    use super::wit;

    /// Milliseconds since the Unix epoch.
    pub fn now() -> i64 {
        wit::clock::now()
    }
    /// The hall's offset from UTC in minutes. Asked of the host once per
    /// call (an instance serves one call), however often it is used.
    pub fn utc_offset_minutes() -> i32 {
        static OFFSET: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
        *OFFSET.get_or_init(wit::clock::utc_offset_minutes)
    }
    /// Local date and time of `ms` as (y, m, d, hh, mm) in the hall's zone.
    pub fn local(ms: i64) -> (i32, u32, u32, u32, u32) {
        let t = linli_shared::time::local(ms, utc_offset_minutes());
        (t.year, t.month, t.day, t.hour, t.minute)
    }
    /// `YYYY-MM-DD HH:MM` in the hall's local time.
    pub fn format_local(ms: i64) -> String {
        linli_shared::time::format(ms, utc_offset_minutes())
    }
}

/// The hall's working days (capability `calendar`): deadlines in
/// "N 个工作日" across weekends, public holidays and make-up working days.
/// Dates are `YYYY-MM-DD` in the hall's own time.
pub mod calendar {
    use super::{HostError, wit};
    /// A calendar date (`Date::parse("2026-02-14")`, `days_since_epoch`, `weekday`).
    pub use linli_shared::calendar::Date;

    /// Days since 1970-01-01 of `YYYY-MM-DD` naming a day that exists
    /// (`None` for `2026-02-30`, `2026-2-1` or anything else).
    pub fn days_of(date: &str) -> Option<i64> {
        if date.len() != 10 {
            return None;
        }
        Date::parse(date).ok().map(Date::days_since_epoch)
    }

    /// The instant (ms since the Unix epoch) of local time `minute` after
    /// midnight on the hall's day `date` (see [`days_of`]).
    pub fn instant(date: &str, minute: u32) -> Option<i64> {
        let offset = i64::from(super::clock::utc_offset_minutes());
        Some((days_of(date)? * 1440 + i64::from(minute) - offset) * 60_000)
    }

    /// Is `date` a working day of the hall?
    pub fn is_working_day(date: &str) -> Result<bool, HostError> {
        wit::calendar::is_working_day(date)
    }
    /// The `days`-th working day after `date` (before it when negative).
    pub fn add_working_days(date: &str, days: i32) -> Result<String, HostError> {
        wit::calendar::add_working_days(date, days)
    }
    /// Working days after `from` up to and including `to`.
    pub fn working_days_between(from: &str, to: &str) -> Result<i32, HostError> {
        wit::calendar::working_days_between(from, to)
    }
    /// The hall's date today.
    pub fn today() -> String {
        wit::calendar::today()
    }
}

/// Requests to web services outside the hall (capability `http`), only to
/// the hosts an admin listed for this plugin (`http_allow = ["sms.example.com",
/// "127.0.0.1:9000"]` under `[plugins.ID]` in `linli.toml`). Only `http://`
/// for now. An answer with any status is `Ok`; a host not allowed, a
/// loopback or private address reached through a name, a timeout (at most
/// `http_timeout_ms`, and never past the call's own time) or an answer over
/// `http_response_bytes` is an `Err` naming the plugin and the reason.
///
/// ```
/// use linli_sdk::http;
/// use linli_sdk::store::HostError;
///
/// /// Ask the SMS gateway to send a code; `false` when it said no.
/// fn send_code(phone: &str) -> Result<bool, HostError> {
///     let r = http::post_json("http://sms.example.com/send", &serde_json::json!({"to": phone}))?;
///     Ok(r.status == 200)
/// }
/// # // Natively there is no host to send through: only the types are checked
/// # // here; tests/tests/outbound.rs runs such calls in the real sandbox.
/// # let _ = send_code;
/// ```
pub mod http {
    use super::{HostError, wit};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// The answer of an outbound request.
    pub use wit::http::OutboundResponse as Reply;

    /// Send a request: `method` (GET, HEAD, POST, PUT, PATCH, DELETE),
    /// `url` (`http://host[:port]/path?query`), headers and body.
    pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Reply, HostError> {
        wit::http::send(&wit::http::OutboundRequest {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.to_vec(),
        })
    }

    /// `GET url`.
    pub fn get(url: &str) -> Result<Reply, HostError> {
        send("GET", url, &[], &[])
    }

    /// `POST url` with `value` as a JSON body.
    pub fn post_json<T: Serialize + ?Sized>(url: &str, value: &T) -> Result<Reply, HostError> {
        let body = serde_json::to_vec(value).map_err(|e| HostError::Invalid(format!("request body: {e}")))?;
        send("POST", url, &[("content-type", "application/json")], &body)
    }

    impl Reply {
        /// A header's first value (names are lower-case).
        pub fn header(&self, name: &str) -> Option<&str> {
            let name = name.to_ascii_lowercase();
            self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
        }
        /// The body as text (invalid UTF-8 replaced).
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
        /// The body as JSON of type `T`.
        pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
            serde_json::from_slice(&self.body)
        }
    }
}

/// Logging through the host's tracing.
pub mod log {
    use super::wit::log::{Level, log};
    /// Info line.
    pub fn info(msg: &str) {
        log(Level::Info, msg)
    }
    /// Warning line.
    pub fn warn(msg: &str) {
        log(Level::Warn, msg)
    }
    /// Error line.
    pub fn error(msg: &str) {
        log(Level::Error, msg)
    }
}

/// The plugin's configuration.
pub mod config {
    /// The configuration parsed into `T`.
    pub fn get<T: serde::de::DeserializeOwned>() -> Result<T, String> {
        serde_json::from_str(&super::wit::config::get()).map_err(|e| format!("configuration: {e}"))
    }
}

/// Resident records (needs the `residents` capability, granted by an admin).
/// Calls act on behalf of the signed-in staff member making the request;
/// the host checks their role and audits every read and write.
pub mod residents {
    use super::{HostError, wit};
    pub use wit::residents::Resident;

    /// Look up by ID card number or phone.
    pub fn find(id_number: Option<&str>, phone: Option<&str>) -> Result<Vec<Resident>, HostError> {
        wit::residents::find(id_number, phone)
    }
    /// One resident by id.
    pub fn get(id: u64) -> Result<Option<Resident>, HostError> {
        wit::residents::get(id)
    }
    /// Create (id 0) or update; returns the id.
    pub fn save(r: &Resident) -> Result<u64, HostError> {
        wit::residents::save(r)
    }
}

/// Pseudonyms for personal values (needs the `pseudonyms` capability): store
/// `pseudonyms::of("phone", p)` instead of the phone to match it later.
pub mod pseudonyms {
    use super::wit;

    /// The host's keyed pseudonym of `value` for this plugin and `kind`.
    pub fn of(kind: &str, value: &str) -> String {
        wit::pseudonyms::of(kind, value)
    }
}

/// Messages to residents and staff (needs the `notify` capability). A
/// message is sent only if the call's changes are kept: one that traps
/// afterwards sends nothing. The host delivers it with retries.
///
/// ```
/// use linli_sdk::notify;
/// use linli_sdk::store::HostError;
///
/// /// Tell a resident their number is near.
/// fn remind(phone: &str) -> Result<u64, HostError> {
///     notify::Message::to_phone(phone, "ticket-near", "您的 {number} 号还有 {ahead} 位", "{number}: {ahead} ahead of you")
///         .param("number", "A012")
///         .param("ahead", "3")
///         .send()
/// }
/// # // Natively there is no host: only the types are checked here;
/// # // tests/tests/notify.rs sends through the real sandbox.
/// # let _ = remind;
/// ```
pub mod notify {
    use super::{HostError, wit};
    pub use wit::notify::Recipient;

    /// One message: a template id, its Chinese and English texts with
    /// `{name}` placeholders, and their values.
    #[derive(Debug, Clone)]
    pub struct Message(wit::notify::Message);

    impl Message {
        /// A message to `recipient` from `template`, in Chinese and English.
        pub fn new(recipient: Recipient, template: &str, text_zh: &str, text_en: &str) -> Message {
            Message(wit::notify::Message {
                recipient,
                template: template.to_owned(),
                text_zh: text_zh.to_owned(),
                text_en: text_en.to_owned(),
                params: Vec::new(),
                channel: None,
            })
        }
        /// To a resident's mobile phone.
        pub fn to_phone(phone: &str, template: &str, text_zh: &str, text_en: &str) -> Message {
            Message::new(Recipient::Phone(phone.to_owned()), template, text_zh, text_en)
        }
        /// To a staff account.
        pub fn to_staff(id: &str, template: &str, text_zh: &str, text_en: &str) -> Message {
            Message::new(Recipient::Staff(id.to_owned()), template, text_zh, text_en)
        }
        /// To an in-page inbox (a ticket number, a case id…).
        pub fn to_inbox(key: &str, template: &str, text_zh: &str, text_en: &str) -> Message {
            Message::new(Recipient::Inbox(key.to_owned()), template, text_zh, text_en)
        }
        /// The value of `{name}`.
        pub fn param(mut self, name: &str, value: &str) -> Message {
            self.0.params.push((name.to_owned(), value.to_owned()));
            self
        }
        /// `log`, `webhook` or `inbox` instead of the host's default.
        pub fn channel(mut self, channel: &str) -> Message {
            self.0.channel = Some(channel.to_owned());
            self
        }
        /// Queue it; its number within this call.
        pub fn send(&self) -> Result<u64, HostError> {
            wit::notify::send(&self.0)
        }
    }

    pub use wit::notify::InboxMessage;

    /// What this plugin sent to inbox `key` (kept calls only), newest
    /// first, at most `limit` (100 at most): for its own page to show.
    pub fn inbox(key: &str, limit: u32) -> Result<Vec<InboxMessage>, HostError> {
        wit::notify::inbox(key, limit)
    }
}

/// Items on the waiting-area screens (capability `screens`): a job posting,
/// an activity, a parcel notice, shown among the content folder's items in
/// a zone the hall's layouts have (`carousel` or `ticker`). Changes take
/// effect when the call's changes are kept; a call that fails changes
/// nothing. A zone no layout has, a too long or otherwise bad text, or more
/// than 200 items is an `Err` naming the plugin.
///
/// ```
/// use linli_sdk::screens::{self, Item};
/// use linli_sdk::store::HostError;
///
/// /// Put a job posting on the screens' carousel, then take it off.
/// fn post_and_withdraw() -> Result<(), HostError> {
///     screens::publish(&Item::new("job-17", "carousel", "社区招聘：保洁员两名").body("每周五天，联系居委会。").until(1_780_000_000_000))?;
///     screens::withdraw("job-17")?;
///     Ok(())
/// }
/// # // Natively there is no host: only the types are checked here;
/// # // tests/tests/screens.rs publishes through the real sandbox.
/// # let _ = post_and_withdraw;
/// ```
pub mod screens {
    use super::{HostError, wit};

    /// One item as published (and as [`list`] returns it).
    pub use wit::screens::ScreenItem as Item;

    impl Item {
        /// A `notice` in `zone`, always valid, priority 0.
        pub fn new(id: &str, zone: &str, title: &str) -> Item {
            Item { id: id.into(), zone: zone.into(), kind: "notice".into(), title: title.into(), body: String::new(), valid_from: None, valid_until: None, priority: 0 }
        }
        /// `news`, `notice`, `policy`, `procedure` or `ticker`.
        pub fn kind(mut self, kind: &str) -> Item {
            self.kind = kind.into();
            self
        }
        /// The text under the title.
        pub fn body(mut self, body: &str) -> Item {
            self.body = body.into();
            self
        }
        /// Shown from this instant (ms since the Unix epoch).
        pub fn from(mut self, ms: i64) -> Item {
            self.valid_from = Some(ms);
            self
        }
        /// Shown until this instant (ms, exclusive).
        pub fn until(mut self, ms: i64) -> Item {
            self.valid_until = Some(ms);
            self
        }
        /// Higher shows first (the content folder's items default to 0).
        pub fn priority(mut self, p: i32) -> Item {
            self.priority = p;
            self
        }
    }

    /// Show `item`, or replace the plugin's item with the same id.
    pub fn publish(item: &Item) -> Result<(), HostError> {
        wit::screens::publish(item)
    }
    /// Take an item down; `false` when the plugin had none with this id.
    pub fn withdraw(id: &str) -> Result<bool, HostError> {
        wit::screens::withdraw(id)
    }
    /// The plugin's items, as this call sees them.
    pub fn list() -> Result<Vec<Item>, HostError> {
        wit::screens::published()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_of_takes_only_real_dates_written_in_full() {
        assert_eq!(super::calendar::days_of("1970-01-02"), Some(1));
        assert_eq!(super::calendar::days_of("2026-02-14"), Some(20_498));
        assert_eq!(super::calendar::days_of("2024-02-29"), Some(19_782));
        for bad in ["2026-02-29", "2026-2-14", " 2026-02-14", "2026-02-14 ", "2026/02/14", "2026-13-01", "2026-02-00", ""] {
            assert_eq!(super::calendar::days_of(bad), None, "{bad:?}");
        }
    }
}
