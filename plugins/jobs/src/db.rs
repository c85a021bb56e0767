//! The plugin's tables. The SQL runs unchanged on SQLite and PostgreSQL:
//! `?N` placeholders, INTEGER ms times from the host clock, dates as
//! `YYYY-MM-DD` text made here, booleans as 0/1.

use linli_sdk::prelude::*;

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &[&str] = &[
    // One posting. `status`: pending (waiting for a second staff member),
    // live, rejected, closed (taken down by staff) or expired (set by the
    // tick; every public query also checks `expires_at`, so a posting is
    // gone the moment it expires). `contact` is shown only to a resident
    // who registers interest. `words` is the lower-cased text search reads.
    "CREATE TABLE IF NOT EXISTS postings (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        employer TEXT NOT NULL,
        category TEXT NOT NULL,
        pay_min INTEGER NOT NULL,
        pay_max INTEGER NOT NULL,
        pay_unit TEXT NOT NULL,
        place TEXT NOT NULL,
        hours TEXT NOT NULL,
        requirements TEXT NOT NULL,
        contact TEXT NOT NULL,
        words TEXT NOT NULL,
        status TEXT NOT NULL,
        expires_day TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_by_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        reviewed_by TEXT,
        reviewed_by_name TEXT,
        reviewed_at INTEGER,
        review_note TEXT,
        ended_at INTEGER,
        updated_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS postings_live ON postings (status, expires_at)",
    "CREATE INDEX IF NOT EXISTS postings_category ON postings (category, id)",
    // A resident's interest: one per phone per posting (`phone_key` is the
    // host's pseudonym of the normalised phone). `phone` is what staff
    // call; it is cleared `keep_days` after the posting ends. `acted_by`
    // names the staff member who registered it for the resident (代办).
    "CREATE TABLE IF NOT EXISTS interests (
        id INTEGER PRIMARY KEY,
        posting_id INTEGER NOT NULL,
        phone_key TEXT NOT NULL,
        phone TEXT,
        name TEXT NOT NULL,
        channel TEXT NOT NULL,
        acted_by TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (posting_id, phone_key)
    )",
    // Who read the full phones of a posting's residents, and when, for the
    // page's list of readers; the record is the host's audit log entry
    // (capability `audit`) written with each reading.
    "CREATE TABLE IF NOT EXISTS lookups (
        id INTEGER PRIMARY KEY,
        posting_id INTEGER NOT NULL,
        staff TEXT NOT NULL,
        staff_name TEXT NOT NULL,
        at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS lookups_posting ON lookups (posting_id, id)",
];

pub fn ensure_schema() -> Result<(), Fail> {
    Ok(sql::ensure_schema(SCHEMA_VERSION, SCHEMA)?)
}
