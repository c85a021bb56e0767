//! The plugin's tables; the SQL runs unchanged on SQLite and PostgreSQL.

use linli_sdk::prelude::*;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One activity: `status` open or cancelled; the times are ms, `day`
    // the hall's local date it is on.
    "CREATE TABLE IF NOT EXISTS activities (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        place TEXT NOT NULL,
        description TEXT NOT NULL,
        day TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        capacity INTEGER NOT NULL,
        waitlist INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_by_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS activities_upcoming ON activities (status, ends_at)",
    // A resident's sign-up: one row per phone per activity (`phone_key`
    // the host's pseudonym of the normalised phone); `status` confirmed,
    // waiting or cancelled. `code` is what the QR code carries for
    // check-in (and what the resident's page opens with). `phone` is kept
    // to tell the resident of a promotion, and cleared `keep_days` after
    // the activity. `acted_by` names the staff member or volunteer who
    // signed the resident up (代办). `queued_at` is when the current sign-up was made: the
    // waiting list is promoted in that order.
    "CREATE TABLE IF NOT EXISTS signups (
        id INTEGER PRIMARY KEY,
        activity_id INTEGER NOT NULL,
        phone_key TEXT NOT NULL,
        phone TEXT,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        code TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        promoted_at INTEGER,
        cancelled_at INTEGER,
        checked_in_at INTEGER,
        checked_in_by TEXT,
        acted_by TEXT,
        updated_at INTEGER NOT NULL,
        UNIQUE (activity_id, phone_key)
    )",
    "CREATE INDEX IF NOT EXISTS signups_queue ON signups (activity_id, status, queued_at, id)",
];

pub fn ensure_schema() -> Result<(), Fail> {
    Ok(sql::ensure_schema(SCHEMA_VERSION, SCHEMA)?)
}
