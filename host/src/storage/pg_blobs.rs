//! Uploaded files' bytes in a district: the hall's copy of every stored
//! blob (as the host wrote it: sealed when personal) in PostgreSQL, so a
//! file uploaded through one host of the hall is read through any. Each
//! host keeps its data folder as a cache: a blob it does not have is
//! fetched once and written there.

use super::postgres::{PgTarget, connect_until, describe, off_runtime};
use parking_lot::Mutex;
use postgres::Client;
use std::time::{Duration, Instant};

const SCHEMA: &str = "CREATE SCHEMA IF NOT EXISTS linli;
CREATE TABLE IF NOT EXISTS linli.file_blobs (
    hall TEXT NOT NULL,
    plugin TEXT NOT NULL,
    address TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (hall, plugin, address)
)";

/// How long one blob operation may wait for the server.
const WAIT: Duration = Duration::from_secs(10);

pub struct PgBlobs {
    config: postgres::Config,
    hall: String,
    conn: Mutex<Option<Client>>,
}

impl PgBlobs {
    /// Open (making the table once) the hall's blobs.
    pub fn open(target: &PgTarget) -> Result<PgBlobs, String> {
        let config: postgres::Config = target.url.parse().map_err(|e: postgres::Error| format!("[store] postgres_url: {e}"))?;
        let blobs = PgBlobs { config, hall: target.hall.clone(), conn: Mutex::new(None) };
        blobs.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('linli.file_blobs'))", &[])?;
            tx.batch_execute(SCHEMA)?;
            tx.commit()
        })?;
        Ok(blobs)
    }

    fn with<T: Send>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send) -> Result<T, String> {
        off_runtime(|| {
            let mut guard = self.conn.lock();
            if guard.as_ref().is_none_or(|c| c.is_closed()) {
                *guard = Some(connect_until(&self.config, Some(Instant::now() + WAIT)).map_err(|e| format!("PostgreSQL (uploaded files): {}", describe(&e)))?);
            }
            let c = guard.as_mut().expect("connected above");
            f(c).map_err(|e| {
                let text = format!("PostgreSQL (uploaded files): {}", describe(&e));
                *guard = None;
                text
            })
        })
    }

    /// Keep `bytes` as the blob `address` of `plugin` (once: content-addressed).
    pub fn put(&self, plugin: &str, address: &str, bytes: &[u8]) -> Result<(), String> {
        self.with(|c| {
            c.execute(
                "INSERT INTO linli.file_blobs (hall, plugin, address, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&self.hall, &plugin, &address, &bytes],
            )
            .map(|_| ())
        })
    }

    /// The blob, if the hall has it.
    pub fn get(&self, plugin: &str, address: &str) -> Result<Option<Vec<u8>>, String> {
        self.with(|c| {
            Ok(c.query_opt("SELECT bytes FROM linli.file_blobs WHERE hall = $1 AND plugin = $2 AND address = $3", &[&self.hall, &plugin, &address])?
                .map(|r| r.get::<_, Vec<u8>>(0)))
        })
    }

    /// Forget the blob (no file of the plugin uses it any more).
    pub fn delete(&self, plugin: &str, address: &str) -> Result<(), String> {
        self.with(|c| c.execute("DELETE FROM linli.file_blobs WHERE hall = $1 AND plugin = $2 AND address = $3", &[&self.hall, &plugin, &address]).map(|_| ()))
    }
}
