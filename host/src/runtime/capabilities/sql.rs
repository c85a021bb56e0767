//! `sql`: the plugin's own database file. Each call is one unit of work
//! (a savepoint in the lane's group); statements are stopped at the call's
//! deadline, writes at the database's quota, and the PRAGMAs, ATTACH and
//! extensions that would reach past it are refused.

use super::*;
use crate::runtime::bindings::linli::plugin::sql;

fn to_sql(v: &sql::Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        sql::Value::Null => V::Null,
        sql::Value::Integer(i) => V::Integer(*i),
        sql::Value::Real(f) => V::Real(*f),
        sql::Value::Text(s) => V::Text(s.clone()),
        sql::Value::Blob(b) => V::Blob(b.clone()),
    }
}

fn from_sql(v: rusqlite::types::ValueRef<'_>) -> sql::Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => sql::Value::Null,
        V::Integer(i) => sql::Value::Integer(i),
        V::Real(f) => sql::Value::Real(f),
        V::Text(t) => sql::Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => sql::Value::Blob(b.to_vec()),
    }
}

/// A statement's failure, as the plugin is told it: the limits by name,
/// everything else (syntax, constraints) as the plugin's own mistake.
fn sql_err(e: rusqlite::Error, plugin: &str, limits: &Limits, statement: &str) -> Error {
    use rusqlite::ErrorCode;
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::OperationInterrupted) => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement ran past the call's time limit of {} ms and was stopped (limit time_ms): {}",
            limits.time_ms,
            statement_head(statement)
        )),
        Some(ErrorCode::DiskFull) => Error::Limit(format!(
            "plugin `{plugin}`: its database reached its storage quota of {} MiB (limit storage_mib); nothing of this statement was written: {}",
            limits.storage_mib,
            statement_head(statement)
        )),
        Some(ErrorCode::AuthorizationForStatementDenied) => Error::Denied(format!(
            "plugin `{plugin}`: this statement is not allowed for plugins (PRAGMAs that change the database, ATTACH, extensions): {}",
            statement_head(statement)
        )),
        Some(ErrorCode::OutOfMemory) => Error::Limit(format!(
            "plugin `{plugin}`: SQL statement needed more memory than the host allows: {}",
            statement_head(statement)
        )),
        _ => Error::Invalid(e.to_string()),
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
    /// The call's connection, inside its transaction (opened on first use).
    fn sql_unit(&mut self, statement_bytes: usize) -> Result<&mut SqlUnit, Error> {
        self.check_size("statement", statement_bytes)?;
        if self.sql_unit.is_none() {
            let db = self.sql.as_ref().ok_or_else(|| Error::Internal("the plugin's SQL database is not open".into()))?;
            self.sql_unit = Some(db.begin_until(Some(self.deadline)).map_err(|e| Error::Invalid(e.to_string()))?);
        }
        let unit = self.sql_unit.as_mut().expect("opened above");
        if unit.is_autocommit() {
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
    fn sql_failed(&mut self, e: rusqlite::Error, statement: &str) -> Error {
        let err = sql_err(e, &self.plugin_id, &self.limits, statement);
        if let Error::Limit(m) = &err
            && m.contains("(limit storage_mib)")
        {
            self.limit_hit = Some(LimitReached { limit: "storage_mib", message: m.clone() });
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
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_sql).collect();
        let started = std::time::Instant::now();
        let r = c.prepare_cached(&statement).and_then(|mut st| {
            let n = st.execute(rusqlite::params_from_iter(params))?;
            Ok((n as u64, st.get_status(rusqlite::StatementStatus::RePrepare)))
        });
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
        let c = match self.sql_unit(statement.len()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params: Vec<_> = params.iter().map(to_sql).collect();
        let started = std::time::Instant::now();
        let mut reprepared = 0;
        let run = || -> rusqlite::Result<Result<sql::Rows, Error>> {
            let mut st = c.prepare_cached(&statement)?;
            let columns: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
            let n = columns.len();
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            let mut bytes = 0usize;
            while let Some(row) = rows.next()? {
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    let v = from_sql(row.get_ref(i)?);
                    bytes += match &v {
                        sql::Value::Text(s) => s.len(),
                        sql::Value::Blob(b) => b.len(),
                        _ => 8,
                    };
                    vals.push(v);
                }
                out.push(vals);
                if out.len() > MAX_SQL_ROWS || bytes > budget {
                    return Ok(Err(Error::Limit(format!(
                        "plugin `{}`: query returned more than {MAX_SQL_ROWS} rows or {budget} bytes; aggregate in SQL or page with LIMIT: {}",
                        plugin_id,
                        statement_head(&statement)
                    ))));
                }
            }
            drop(rows);
            reprepared = st.get_status(rusqlite::StatementStatus::RePrepare);
            Ok(Ok(sql::Rows { columns, rows: out }))
        };
        let r = run();
        if r.is_ok() {
            self.observe_sql(&statement, started, reprepared);
        }
        Ok(r.map_err(|e| self.sql_failed(e, &statement)).and_then(|r| r))
    }

    fn transaction(&mut self, statements: Vec<(String, Vec<sql::Value>)>) -> HostResult<Vec<u64>> {
        guard!(self, Sql);
        let total: usize = statements.iter().map(|(s, _)| s.len()).sum();
        let c = match self.sql_unit(total) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        // All or nothing inside the call's own transaction: a savepoint.
        let mut failed_at = 0;
        let mut run = || -> rusqlite::Result<Vec<u64>> {
            let sp = c.savepoint()?;
            let mut counts = Vec::with_capacity(statements.len());
            for (i, (stmt, params)) in statements.iter().enumerate() {
                failed_at = i;
                let params: Vec<_> = params.iter().map(to_sql).collect();
                counts.push(sp.prepare_cached(stmt)?.execute(rusqlite::params_from_iter(params))? as u64);
            }
            sp.commit()?;
            Ok(counts)
        };
        let r = run();
        let statement = statements.get(failed_at).map_or("", |(s, _)| s.as_str());
        let statement = statement.to_owned();
        Ok(r.map_err(|e| self.sql_failed(e, &statement)))
    }
}
