//! The host's own data (staff, sessions, devices, grants, the audit log…)
//! behind one interface, whichever engine keeps it: this host's SQLite
//! file (a hall alone, the default) or the hall's schema in PostgreSQL (a
//! district, where every host of the hall shares it; see
//! [`super::host_pg`]).
//!
//! Each statement is written once, in the plugins' SQL dialect (`?N`
//! placeholders, SQLite's type names, `ON CONFLICT … DO`, `RETURNING`),
//! and translated for PostgreSQL by [`super::postgres::translate`]. A
//! piece of work is one transaction:
//!
//! ```ignore
//! let id: i64 = db.write(|tx| {
//!     tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", sql_args![id])?;
//!     tx.query_one("INSERT INTO … RETURNING id", sql_args![…])?.get(0)
//! })?;
//! ```
//!
//! A write takes SQLite's one writer (an IMMEDIATE transaction) or a
//! PostgreSQL transaction; a read uses a pooled reader and runs its
//! statements as they come.

pub use super::plugin_db::{Backend, SqlValue};
use super::host_pg::{Conn, HostPg};
use super::postgres::PgTarget;
use super::sqlite::SqliteStorage;
use super::{Result, StorageError};
use std::sync::Arc;

/// Values for a statement's `?1, ?2…`: `sql_args![id, name, None::<i64>]`.
macro_rules! sql_args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::storage::host_db::SqlValue::from($v)),*][..]
    };
}
pub(crate) use sql_args;

pub struct HostDb {
    /// This host's SQLite file: every host table of a hall alone, and the
    /// plugins' key-value data and event log of a hall alone.
    local: Arc<SqliteStorage>,
    /// A district: the host tables of the hall in PostgreSQL.
    pg: Option<HostPg>,
    /// This host among the hall's (random, per start): what it announces
    /// on the hall's bus carries it, so it does not act on its own news.
    instance: String,
}

impl HostDb {
    /// The host tables in this host's SQLite file.
    pub fn sqlite(local: Arc<SqliteStorage>) -> HostDb {
        HostDb { local, pg: None, instance: crate::auth::sessions::random_token()[..16].to_owned() }
    }

    /// The host tables in PostgreSQL when `target` is given (its schema
    /// made and migrated now), else in the SQLite file.
    pub fn open(local: Arc<SqliteStorage>, target: Option<&PgTarget>) -> Result<HostDb> {
        let pg = target.map(HostPg::open).transpose()?;
        Ok(HostDb { pg, ..HostDb::sqlite(local) })
    }

    /// This host's SQLite file (kept in a district too, for the plugins'
    /// data of a hall alone and the tests that reach into the file).
    pub fn local(&self) -> &Arc<SqliteStorage> {
        &self.local
    }

    /// This host's id among the hall's hosts (random, per start).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Where the host tables are.
    pub fn backend(&self) -> Backend {
        if self.pg.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    /// The PostgreSQL side, in a district.
    pub fn postgres(&self) -> Option<&HostPg> {
        self.pg.as_ref()
    }

    /// Read: `f`'s statements on a pooled reader.
    pub fn read<T: Send>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &self.pg {
            Some(pg) => pg.transaction(false, |c, db| f(&mut Tx(Inner::Pg(c, db)))),
            None => self.local.with_reader(|c| Ok(f(&mut Tx(Inner::Sqlite(c)))))?,
        }
    }

    /// Write: `f`'s statements in one transaction, committed when it
    /// returns Ok and rolled back when it fails.
    pub fn write<T: Send>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &self.pg {
            Some(pg) => pg.transaction(true, |c, db| f(&mut Tx(Inner::Pg(c, db)))),
            None => self.local.with_writer(|c| {
                let tx = match c.transaction() {
                    Ok(tx) => tx,
                    Err(e) => return Ok(Err(e.into())),
                };
                let r = f(&mut Tx(Inner::Sqlite(&tx)));
                Ok(match r {
                    Ok(v) => tx.commit().map(|()| v).map_err(StorageError::from),
                    // Dropping the transaction rolls it back.
                    Err(e) => Err(e),
                })
            })?,
        }
    }

    /// The SQLite file's writer connection, as before the host tables
    /// could move (tests that change the file behind the host's back).
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.local.with_writer(f)
    }

    /// A reader of the SQLite file (see [`HostDb::with_writer`]).
    pub fn with_reader<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.local.with_reader(f)
    }
}

/// The plugins' key-value data of a hall alone (the SQLite file), for the
/// callers that reached it through the host's database before.
impl super::KvStore for HostDb {
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.local.kv_get(ns, key)
    }
    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
        self.local.kv_set(ns, key, value)
    }
    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        self.local.kv_delete(ns, key)
    }
    fn kv_usage(&self, ns: &str) -> Result<u64> {
        self.local.kv_usage(ns)
    }
    fn kv_scan(&self, ns: &str, prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>> {
        self.local.kv_scan(ns, prefix, after, limit)
    }
    fn kv_cas(&self, ns: &str, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
        self.local.kv_cas(ns, key, expected, new)
    }
    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64> {
        self.local.kv_increment(ns, key, delta)
    }
}

/// One transaction (or, for a read, one connection) of the host tables.
pub struct Tx<'a>(Inner<'a>);

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(&'a mut Conn, &'a HostPg),
}

impl Tx<'_> {
    pub fn backend(&self) -> Backend {
        match self.0 {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Pg(..) => Backend::Postgres,
        }
    }

    /// Run one statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        match &mut self.0 {
            Inner::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))? as u64)
            }
            Inner::Pg(c, db) => db.execute(c, sql, params),
        }
    }

    /// Run one query; returns its rows.
    pub fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        match &mut self.0 {
            Inner::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(Row((0..n).map(|i| r.get_ref(i).map(from_sqlite)).collect::<rusqlite::Result<_>>()?));
                }
                Ok(out)
            }
            Inner::Pg(c, db) => Ok(db.query(c, sql, params)?.into_iter().map(Row).collect()),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[SqlValue]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first row of a query, which must have one.
    pub fn query_one(&mut self, sql: &str, params: &[SqlValue]) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or_else(|| StorageError::Backend(format!("no row from `{}`", sql.trim())))
    }

    /// Until this transaction ends, no other transaction (of any host)
    /// appends to `table`; readers go on. SQLite's write transaction
    /// already holds the one writer lock; PostgreSQL takes a table lock
    /// that conflicts with itself (`SHARE ROW EXCLUSIVE`).
    pub fn lock_appends(&mut self, table: &str) -> Result<()> {
        match &mut self.0 {
            Inner::Sqlite(_) => Ok(()),
            Inner::Pg(c, _) => {
                let ok = table.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_');
                if !ok {
                    return Err(StorageError::Invalid(format!("table name `{table}`")));
                }
                c.client.batch_execute(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")).map_err(|e| StorageError::Backend(super::postgres::describe(&e)))
            }
        }
    }
}

/// One row of a query's result.
#[derive(Debug, Clone)]
pub struct Row(Vec<SqlValue>);

impl Row {
    /// Column `i` as `T`; a NULL or another kind of value is an error
    /// naming the column (read `Option<T>` where NULL is allowed).
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or_else(|| StorageError::Backend(format!("no column {i}")))?;
        T::from_value(v).ok_or_else(|| StorageError::Backend(format!("column {i}: {v:?} is not a {}", std::any::type_name::<T>())))
    }
}

/// What a column is read as.
pub trait FromValue: Sized {
    fn from_value(v: &SqlValue) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &SqlValue) -> Option<Self> {
        match v {
            SqlValue::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u16 {
    fn from_value(v: &SqlValue) -> Option<Self> {
        i64::from_value(v).and_then(|i| u16::try_from(i).ok())
    }
}

impl FromValue for u32 {
    fn from_value(v: &SqlValue) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}

impl FromValue for bool {
    fn from_value(v: &SqlValue) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: &SqlValue) -> Option<Self> {
        match v {
            SqlValue::Real(f) => Some(*f),
            SqlValue::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &SqlValue) -> Option<Self> {
        match v {
            SqlValue::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &SqlValue) -> Option<Self> {
        match v {
            SqlValue::Blob(b) => Some(b.clone()),
            SqlValue::Text(s) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &SqlValue) -> Option<Self> {
        match v {
            SqlValue::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Integer(v)
    }
}
impl From<i32> for SqlValue {
    fn from(v: i32) -> Self {
        SqlValue::Integer(v.into())
    }
}
impl From<u16> for SqlValue {
    fn from(v: u16) -> Self {
        SqlValue::Integer(v.into())
    }
}
impl From<u32> for SqlValue {
    fn from(v: u32) -> Self {
        SqlValue::Integer(v.into())
    }
}
impl From<bool> for SqlValue {
    fn from(v: bool) -> Self {
        SqlValue::Integer(v.into())
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}
impl From<&[u8]> for SqlValue {
    fn from(v: &[u8]) -> Self {
        SqlValue::Blob(v.to_vec())
    }
}
impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self {
        SqlValue::Blob(v)
    }
}
impl From<&Vec<u8>> for SqlValue {
    fn from(v: &Vec<u8>) -> Self {
        SqlValue::Blob(v.clone())
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

fn to_sqlite(v: &SqlValue) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    ToSqlOutput::Borrowed(match v {
        SqlValue::Null => ValueRef::Null,
        SqlValue::Integer(i) => ValueRef::Integer(*i),
        SqlValue::Real(f) => ValueRef::Real(*f),
        SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
        SqlValue::Blob(b) => ValueRef::Blob(b),
    })
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> SqlValue {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

/// A write refused because a unique key is taken (either engine's words).
pub fn is_unique_violation(e: &StorageError) -> bool {
    let m = e.to_string();
    m.contains("UNIQUE constraint") || m.contains("duplicate key value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, HostDb) {
        let dir = tempfile::tempdir().expect("tempdir");
        let local = SqliteStorage::open(&dir.path().join("linli.db"), super::super::sqlite::Durability::Normal).expect("db");
        (dir, HostDb::sqlite(Arc::new(local)))
    }

    #[test]
    fn a_write_is_one_transaction_on_sqlite() {
        let (_d, db) = db();
        let id: i64 = db
            .write(|tx| tx.query_one("INSERT INTO plugin_state (plugin_id, disabled, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4) RETURNING rowid", sql_args!["a", true, "admin", 5_i64])?.get(0))
            .expect("insert");
        assert!(id > 0);
        // A failing closure leaves nothing behind.
        let r: Result<()> = db.write(|tx| {
            tx.execute("INSERT INTO plugin_state (plugin_id, disabled, changed_by, changed_at) VALUES ('b', 1, 'x', 1)", &[])?;
            Err(StorageError::Invalid("stop".into()))
        });
        assert!(r.is_err());
        let rows = db.read(|tx| tx.query("SELECT plugin_id, disabled, changed_by FROM plugin_state ORDER BY plugin_id", &[])).expect("read");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<String>(0).unwrap(), "a");
        assert!(rows[0].get::<bool>(1).unwrap());
        assert!(rows[0].get::<Option<i64>>(2).is_err(), "text is not an integer, and the error says so");
        // A unique key taken reads as such.
        let dup = db.write(|tx| tx.execute("INSERT INTO plugin_state (plugin_id, disabled, changed_by, changed_at) VALUES ('a', 1, 'x', 1)", &[])).unwrap_err();
        assert!(is_unique_violation(&dup), "{dup}");
    }
}
