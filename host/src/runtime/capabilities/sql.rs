//! `sql`: the plugin's own database file. Each call is one unit of work
//! (a savepoint in the lane's group); statements are stopped at the call's
//! deadline, writes at the database's quota, and the PRAGMAs, ATTACH and
//! extensions that would reach past it are refused.

use super::*;
use crate::runtime::bindings::linli::plugin::sql;
use crate::storage::plugin_db::{PluginDb, SqlFailure, SqlValue, Unit};
use crate::storage::sqlite::Portable;

fn to_value(v: &sql::Value) -> SqlValue {
    match v {
        sql::Value::Null => SqlValue::Null,
        sql::Value::Integer(i) => SqlValue::Integer(*i),
        sql::Value::Real(f) => SqlValue::Real(*f),
        sql::Value::Text(s) => SqlValue::Text(s.clone()),
        sql::Value::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

fn from_value(v: SqlValue) -> sql::Value {
    match v {
        SqlValue::Null => sql::Value::Null,
        SqlValue::Integer(i) => sql::Value::Integer(i),
        SqlValue::Real(f) => sql::Value::Real(f),
        SqlValue::Text(t) => sql::Value::Text(t),
        SqlValue::Blob(b) => sql::Value::Blob(b),
    }
}

/// A statement's failure, as the plugin is told it: the limits by name,
/// everything else (syntax, constraints) as the plugin's own mistake.
fn sql_err(f: SqlFailure, plugin: &str, limits: &Limits, statement: &str) -> Error {
    match f {
        SqlFailure::Interrupted => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement ran past the call's time limit of {} ms and was stopped (limit time_ms): {}",
            limits.time_ms,
            statement_head(statement)
        )),
        SqlFailure::QuotaFull => Error::Limit(format!(
            "plugin `{plugin}`: its database reached its storage quota of {} MiB (limit storage_mib); nothing of this statement was written: {}",
            limits.storage_mib,
            statement_head(statement)
        )),
        SqlFailure::Denied(why) => Error::Denied(format!(
            "plugin `{plugin}`: this statement is not allowed for plugins ({why}; PRAGMAs that change the database, ATTACH, extensions, other plugins' or the host's tables are not either): {}",
            statement_head(statement)
        )),
        SqlFailure::OutOfMemory => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement needed more memory than the host allows: {}",
            statement_head(statement)
        )),
        SqlFailure::Broken(m) => Error::Internal(format!("plugin `{plugin}`: {m}")),
        SqlFailure::Other(m) => Error::Invalid(m),
    }
}

/// The start of a statement, on one line, for an error message.
fn statement_head(statement: &str) -> String {
    let one_line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut head: String = one_line.chars().take(120).collect();
    if head.len() < one_line.len() {
        head.push('…');
    }
    head
}

impl CallState {
    /// On SQLite: is the statement in the dialect PostgreSQL runs too? A
    /// plugin that works in one hall must work in a district: the first
    /// time a statement is not, the log says why and what to write (a
    /// plugin's own tests, through the harness, are refused it).
    fn check_portable(&self, statement: &str) -> Result<(), Error> {
        let Some(PluginDb::Sqlite(db)) = &self.sql else { return Ok(()) };
        match db.portable(statement) {
            Portable::Yes | Portable::Known => Ok(()),
            Portable::WarnOnce(why) => {
                tracing::warn!(plugin = %self.plugin_id, statement = %statement_head(statement), "SQL that would not run on PostgreSQL (a district's backend): {why}");
                Ok(())
            }
            Portable::Refuse(why) => Err(Error::Invalid(format!(
                "plugin `{}`: this statement would not run on PostgreSQL (a district's backend): {why}: {}",
                self.plugin_id,
                statement_head(statement)
            ))),
        }
    }

    /// The call's connection, inside its transaction (opened on first use).
    fn sql_unit(&mut self, statement_bytes: usize) -> Result<&mut Unit, Error> {
        self.check_size("statement", statement_bytes)?;
        if self.sql_unit.is_none() {
            let db = self.sql.as_ref().ok_or_else(|| Error::Internal("the plugin's SQL database is not open".into()))?;
            let unit = db.begin_until(Some(self.deadline));
            match unit {
                Ok(unit) => self.sql_unit = Some(unit),
                // PostgreSQL cannot be reached: the whole call is refused
                // (503); any other refusal is the plugin's to handle.
                Err(StorageError::Backend(m)) if m.contains(crate::storage::postgres::UNREACHABLE_MARK) => {
                    return Err(self.store_failed(StorageError::Backend(m)));
                }
                Err(e) => return Err(Error::Invalid(e.to_string())),
            }
        }
        let unit = self.sql_unit.as_mut().expect("opened above");
        if unit.is_broken() {
            // SQLite rolled the call's transaction back (an interrupted
            // write, a full disk): a further statement would run outside
            // it and be kept even though the call fails.
            return Err(Error::Invalid(format!(
                "plugin `{}`: this call's SQL transaction was rolled back after an earlier error; the call cannot write any more",
                self.plugin_id
            )));
        }
        Ok(unit)
    }
}

impl CallState {
    /// Trace each statement's time, and warn (once per statement) about one
    /// that SQLite has to compile again on every run: a bound parameter
    /// where the planner looks at values (for example `LIMIT ?` inside a
    /// subquery) defeats the statement cache and costs tens of µs a run.
    fn observe_sql(&self, statement: &str, started: std::time::Instant, reprepared: i32) {
        tracing::trace!(plugin = %self.plugin_id, micros = started.elapsed().as_micros() as u64, reprepared, statement);
        if reprepared > 1
            && let Some(db) = &self.sql
            && db.first_warning(statement)
        {
            tracing::warn!(
                plugin = %self.plugin_id,
                statement = %statement.split_whitespace().collect::<Vec<_>>().join(" "),
                "SQL statement is recompiled on every run ({reprepared} times so far); write values the planner \
                 depends on (such as LIMIT in a subquery) as literals"
            );
        }
    }
}

impl CallState {
    /// [`sql_err`], and when the failure took the call's transaction with
    /// it, the cause kept for the calls that share it.
    fn sql_failed(&mut self, e: SqlFailure, statement: &str) -> Error {
        if let SqlFailure::Broken(m) = &e
            && m.contains(crate::storage::postgres::UNREACHABLE_MARK)
        {
            self.limit_hit.get_or_insert_with(|| store_unreachable(&self.plugin_id));
        }
        let err = sql_err(e, &self.plugin_id, &self.limits, statement);
        if let Error::Limit(m) = &err {
            // A statement stopped at the call's deadline means the call ran
            // out of time: it fails so (504, "took too long"), whatever the
            // plugin makes of the error, instead of as the plugin's own 500.
            for limit in ["storage_mib", "time_ms"] {
                if m.contains(&format!("(limit {limit})")) {
                    self.limit_hit = Some(LimitReached { limit, message: m.clone() });
                }
            }
        }
        if let Some(unit) = self.sql_unit.as_mut() {
            let text = match &err {
                Error::Limit(m) | Error::Invalid(m) | Error::Denied(m) | Error::Internal(m) => m.clone(),
            };
            unit.note_rollback(&text);
        }
        err
    }
}

impl sql::Host for CallState {
    fn execute(&mut self, statement: String, params: Vec<sql::Value>) -> HostResult<u64> {
        guard!(self, Sql);
        if let Err(e) = self.check_portable(&statement) {
            return Ok(Err(e));
        }
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_value).collect();
        let started = std::time::Instant::now();
        let r = c.execute(&statement, &params);
        let r = r.map(|(n, reprepared)| {
            self.observe_sql(&statement, started, reprepared);
            n
        });
        Ok(r.map_err(|e| self.sql_failed(e, &statement)))
    }

    fn query(&mut self, statement: String, params: Vec<sql::Value>) -> HostResult<sql::Rows> {
        guard!(self, Sql);
        let budget = self.limits.value_bytes * 4;
        let plugin_id = self.plugin_id.clone();
        if let Err(e) = self.check_portable(&statement) {
            return Ok(Err(e));
        }
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_value).collect();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut too_many = false;
        let r = c.query(&statement, &params, &mut |row| {
            let vals: Vec<sql::Value> = row.into_iter().map(from_value).collect();
            for v in &vals {
                bytes += match v {
                    sql::Value::Text(s) => s.len(),
                    sql::Value::Blob(b) => b.len(),
                    _ => 8,
                };
            }
            out.push(vals);
            if out.len() > MAX_SQL_ROWS || bytes > budget {
                too_many = true;
                return std::ops::ControlFlow::Break(());
            }
            std::ops::ControlFlow::Continue(())
        });
        match r {
            Ok(_) if too_many => Ok(Err(Error::Limit(format!(
                "plugin `{}`: query returned more than {MAX_SQL_ROWS} rows or {budget} bytes; aggregate in SQL or page with LIMIT: {}",
                plugin_id,
                statement_head(&statement)
            )))),
            Ok((columns, reprepared)) => {
                self.observe_sql(&statement, started, reprepared);
                Ok(Ok(sql::Rows { columns, rows: out }))
            }
            Err(e) => Ok(Err(self.sql_failed(e, &statement))),
        }
    }

    fn transaction(&mut self, statements: Vec<(String, Vec<sql::Value>)>) -> HostResult<Vec<u64>> {
        guard!(self, Sql);
        let total: usize = statements.iter().map(|(s, _)| s.len()).sum();
        if let Some(e) = statements.iter().find_map(|(s, _)| self.check_portable(s).err()) {
            return Ok(Err(e));
        }
        let c = match self.sql_unit(total) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        // All or nothing inside the call's own transaction: a savepoint.
        let statements: Vec<(String, Vec<SqlValue>)> = statements.into_iter().map(|(s, p)| (s, p.iter().map(to_value).collect())).collect();
        let r = c.transaction(&statements);
        Ok(r.map_err(|(failed_at, e)| {
            let statement = statements.get(failed_at).map_or("", |(s, _)| s.as_str()).to_owned();
            self.sql_failed(e, &statement)
        }))
    }
}
