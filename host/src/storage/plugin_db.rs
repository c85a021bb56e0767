//! A plugin's SQL database, whichever backend keeps it: a SQLite file of
//! its own (one hall, the default) or a schema of its own in PostgreSQL (a
//! district). The `sql` capability and the plugin lane see only this.

use super::postgres::{PgPluginSql, PgUnit};
use super::sqlite::{PluginSql, SqlUnit};
use super::{Result, StorageError};
use std::ops::ControlFlow;
use std::sync::Arc;

/// One value of a plugin's SQL (the five kinds SQLite has).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Why a statement failed, the same for both backends.
#[derive(Debug, Clone)]
pub enum SqlFailure {
    /// It ran past the call's time limit and was stopped.
    Interrupted,
    /// It would take the database past its quota.
    QuotaFull,
    /// A statement the plugin may not run (the database refused it).
    Denied(String),
    /// It needed more memory than the host allows.
    OutOfMemory,
    /// The call's transaction is gone (the connection was lost).
    Broken(String),
    /// Anything else (syntax, constraints): the plugin's own mistake.
    Other(String),
}

/// Which backend a plugin's SQL is in (for the plugins page and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub enum PluginDb {
    Sqlite(Arc<PluginSql>),
    Postgres(Arc<PgPluginSql>),
}

pub enum Unit {
    Sqlite(SqlUnit),
    Postgres(PgUnit),
}

impl PluginDb {
    pub fn backend(&self) -> Backend {
        match self {
            PluginDb::Sqlite(_) => Backend::Sqlite,
            PluginDb::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn begin_until(&self, deadline: Option<std::time::Instant>) -> Result<Unit> {
        match self {
            PluginDb::Sqlite(db) => db.begin_until(deadline).map(Unit::Sqlite),
            PluginDb::Postgres(db) => db.begin_until(deadline).map(Unit::Postgres),
        }
    }

    pub fn begin(&self) -> Result<Unit> {
        self.begin_until(None)
    }

    pub fn group_is_full(&self) -> bool {
        match self {
            PluginDb::Sqlite(db) => db.group_is_full(),
            PluginDb::Postgres(db) => db.group_is_full(),
        }
    }

    pub fn commit_group(&self) -> Option<std::result::Result<(), String>> {
        match self {
            PluginDb::Sqlite(db) => db.commit_group(),
            PluginDb::Postgres(db) => db.commit_group(),
        }
    }

    /// Bytes used and the quota.
    pub fn usage(&self) -> (u64, u64) {
        match self {
            PluginDb::Sqlite(db) => db.usage(),
            PluginDb::Postgres(db) => db.usage(),
        }
    }

    pub fn first_warning(&self, statement: &str) -> bool {
        match self {
            PluginDb::Sqlite(db) => db.first_warning(statement),
            PluginDb::Postgres(db) => db.first_warning(statement),
        }
    }

    /// Commits made and the calls they carried (metrics).
    pub fn commit_counts(&self) -> (u64, u64) {
        match self {
            PluginDb::Sqlite(db) => db.book.counts(),
            PluginDb::Postgres(db) => db.book.counts(),
        }
    }

    /// Run a query outside any call (maintenance, tests, the host's own
    /// look at a plugin's data), once no group is open.
    pub fn query_outside(&self, statement: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>> {
        let mut rows = Vec::new();
        let mut unit = self.begin()?;
        let r = unit.query(statement, params, &mut |row| {
            rows.push(row);
            ControlFlow::Continue(())
        });
        unit.finish(false)?;
        r.map_err(|f| StorageError::Backend(failure_text(&f)))?;
        Ok(rows)
    }

    /// Run statements outside any call and commit them.
    pub fn execute_outside(&self, statements: &[(String, Vec<SqlValue>)]) -> Result<Vec<u64>> {
        let mut unit = self.begin()?;
        match unit.transaction(statements) {
            Ok(n) => {
                unit.finish(true)?;
                Ok(n)
            }
            Err((i, f)) => {
                let _ = unit.finish(false);
                Err(StorageError::Backend(format!("statement {}: {}", i + 1, failure_text(&f))))
            }
        }
    }
}

/// The groups of a plugin's database, whichever backend: their numbers,
/// which are settled, and the commits made (metrics). Groups are settled
/// in order (a new one opens only after the last one ended), so one number
/// says which are done.
#[derive(Default)]
pub struct GroupBook {
    numbers: parking_lot::Mutex<(u64, u64)>,
    settled: parking_lot::Condvar,
    /// Commits made, and the calls whose changes they carried.
    pub commit_count: std::sync::atomic::AtomicU64,
    pub committed_calls: std::sync::atomic::AtomicU64,
}

impl GroupBook {
    /// The number of a group being opened.
    pub fn open(&self) -> u64 {
        let mut n = self.numbers.lock();
        n.0 += 1;
        n.0
    }

    /// Group `group_no` ended (committed with `calls` calls when `committed`).
    pub fn settle(&self, group_no: u64, committed: bool, calls: u32) {
        use std::sync::atomic::Ordering::Relaxed;
        if committed && calls > 0 {
            self.commit_count.fetch_add(1, Relaxed);
            self.committed_calls.fetch_add(u64::from(calls), Relaxed);
        }
        let mut n = self.numbers.lock();
        n.1 = n.1.max(group_no);
        drop(n);
        self.settled.notify_all();
    }

    /// Wait (a little) for group `group_no` to be settled.
    pub fn wait_for(&self, group_no: u64) {
        let mut n = self.numbers.lock();
        if n.1 < group_no {
            self.settled.wait_for(&mut n, std::time::Duration::from_millis(50));
        }
    }

    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.commit_count.load(Relaxed), self.committed_calls.load(Relaxed))
    }
}

/// How a call that ended outside a lane went: its changes were kept in
/// the group (`kept`) and the group was committed (`committed`).
pub(super) fn finished(kept: Result<bool>, committed: Option<std::result::Result<(), String>>) -> Result<()> {
    match kept {
        Ok(true) => committed.unwrap_or(Ok(())).map_err(StorageError::Backend),
        Ok(false) => Ok(()),
        Err(e) => Err(e),
    }
}

fn failure_text(f: &SqlFailure) -> String {
    match f {
        SqlFailure::Interrupted => "interrupted at the time limit".into(),
        SqlFailure::QuotaFull => "the storage quota is full".into(),
        SqlFailure::OutOfMemory => "out of memory".into(),
        SqlFailure::Denied(m) | SqlFailure::Broken(m) | SqlFailure::Other(m) => m.clone(),
    }
}

// SQLite's side: rusqlite's values and error codes.

fn to_rusqlite(v: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        SqlValue::Null => V::Null,
        SqlValue::Integer(i) => V::Integer(*i),
        SqlValue::Real(f) => V::Real(*f),
        SqlValue::Text(s) => V::Text(s.clone()),
        SqlValue::Blob(b) => V::Blob(b.clone()),
    }
}

fn from_rusqlite(v: rusqlite::types::ValueRef<'_>) -> SqlValue {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => SqlValue::Null,
        V::Integer(i) => SqlValue::Integer(i),
        V::Real(f) => SqlValue::Real(f),
        V::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

fn sqlite_failure(e: rusqlite::Error) -> SqlFailure {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::OperationInterrupted => SqlFailure::Interrupted,
            ErrorCode::DiskFull => SqlFailure::QuotaFull,
            ErrorCode::AuthorizationForStatementDenied => SqlFailure::Denied(e.to_string()),
            ErrorCode::OutOfMemory => SqlFailure::OutOfMemory,
            _ => SqlFailure::Other(e.to_string()),
        },
        _ => SqlFailure::Other(e.to_string()),
    }
}

impl Unit {
    /// The call's transaction is gone (SQLite rolled it back, or the
    /// connection to PostgreSQL was lost): no statement may run.
    pub fn is_broken(&self) -> bool {
        match self {
            Unit::Sqlite(u) => u.is_autocommit(),
            Unit::Postgres(u) => u.is_broken(),
        }
    }

    pub fn note_rollback(&mut self, cause: &str) {
        match self {
            Unit::Sqlite(u) => u.note_rollback(cause),
            Unit::Postgres(u) => u.note_rollback(cause),
        }
    }

    /// Run one statement; returns the rows changed and, for SQLite, how
    /// often the statement had to be compiled again (see the `sql`
    /// capability's warning).
    pub fn execute(&mut self, statement: &str, params: &[SqlValue]) -> std::result::Result<(u64, i32), SqlFailure> {
        match self {
            Unit::Sqlite(c) => {
                let params: Vec<_> = params.iter().map(to_rusqlite).collect();
                c.prepare_cached(statement)
                    .and_then(|mut st| {
                        let n = st.execute(rusqlite::params_from_iter(params))?;
                        Ok((n as u64, st.get_status(rusqlite::StatementStatus::RePrepare)))
                    })
                    .map_err(sqlite_failure)
            }
            Unit::Postgres(u) => u.execute(statement, params).map(|n| (n, 0)),
        }
    }

    /// Run one query, handing each row to `on_row` until it says `Break`;
    /// returns the column names and the recompile count (SQLite).
    pub fn query(
        &mut self,
        statement: &str,
        params: &[SqlValue],
        on_row: &mut dyn FnMut(Vec<SqlValue>) -> ControlFlow<()>,
    ) -> std::result::Result<(Vec<String>, i32), SqlFailure> {
        match self {
            Unit::Sqlite(c) => {
                let params: Vec<_> = params.iter().map(to_rusqlite).collect();
                let run = || -> rusqlite::Result<(Vec<String>, i32)> {
                    let mut st = c.prepare_cached(statement)?;
                    let columns: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
                    let n = columns.len();
                    let mut rows = st.query(rusqlite::params_from_iter(params))?;
                    while let Some(row) = rows.next()? {
                        let mut vals = Vec::with_capacity(n);
                        for i in 0..n {
                            vals.push(from_rusqlite(row.get_ref(i)?));
                        }
                        if on_row(vals).is_break() {
                            break;
                        }
                    }
                    drop(rows);
                    Ok((columns, st.get_status(rusqlite::StatementStatus::RePrepare)))
                };
                run().map_err(sqlite_failure)
            }
            Unit::Postgres(u) => u.query(statement, params, on_row).map(|c| (c, 0)),
        }
    }

    /// Run `statements` all or nothing (a savepoint inside the call's
    /// transaction); on failure, which one failed.
    pub fn transaction(&mut self, statements: &[(String, Vec<SqlValue>)]) -> std::result::Result<Vec<u64>, (usize, SqlFailure)> {
        match self {
            Unit::Sqlite(c) => {
                let mut failed_at = 0;
                let mut run = || -> rusqlite::Result<Vec<u64>> {
                    let sp = c.savepoint()?;
                    let mut counts = Vec::with_capacity(statements.len());
                    for (i, (stmt, params)) in statements.iter().enumerate() {
                        failed_at = i;
                        let params: Vec<_> = params.iter().map(to_rusqlite).collect();
                        counts.push(sp.prepare_cached(stmt)?.execute(rusqlite::params_from_iter(params))? as u64);
                    }
                    sp.commit()?;
                    Ok(counts)
                };
                let r = run();
                r.map_err(|e| (failed_at, sqlite_failure(e)))
            }
            Unit::Postgres(u) => u.transaction(statements),
        }
    }

    pub fn join_group(self, keep: bool) -> Result<bool> {
        match self {
            Unit::Sqlite(u) => u.join_group(keep),
            Unit::Postgres(u) => u.join_group(keep),
        }
    }

    pub fn finish(self, commit: bool) -> Result<()> {
        match self {
            Unit::Sqlite(u) => u.finish(commit),
            Unit::Postgres(u) => u.finish(commit),
        }
    }
}
