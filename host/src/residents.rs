//! Resident records with their sensitive fields encrypted at rest.
//!
//! ID card numbers and phone numbers are sealed with AES-256-GCM under a key
//! kept in a file of its own (never in the database), and found again
//! through keyed hashes (HMAC-SHA-256), so the database file alone reveals
//! neither. Every read and write is audited by the capability that calls
//! this module.

use crate::storage::host_db::sql_args;
use crate::storage::host_db::{HostDb, Row, is_unique_violation};
use crate::storage::{Result, StorageError};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::Serialize;
use std::path::Path;

/// The encryption and lookup keys.
pub struct Vault {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
    /// The audit chain's key (derived from the same file, so one secret is
    /// kept apart and backed up) and its head file beside the key file.
    audit: crate::audit::ChainKey,
}

impl Vault {
    /// Load the key file, creating it (mode 0600) on first run.
    pub fn open(path: &Path) -> anyhow::Result<Vault> {
        let bytes = load_or_create_key(path, "resident key", "created the resident data key; back it up apart from the database")?;
        let cipher = Aes256Gcm::new_from_slice(&bytes[..32]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut index_key = [0u8; 32];
        index_key.copy_from_slice(&bytes[32..]);
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&index_key).unwrap_or_else(|_| unreachable!("any key length works"));
        // A label no lookup hash uses ("kind:value"), so the derived key is
        // independent of every index value.
        mac.update(b"linli audit chain key v1");
        let audit_key: [u8; 32] = mac.finalize().into_bytes().into();
        let mut head = path.as_os_str().to_owned();
        head.push(".audit-head");
        let audit = crate::audit::ChainKey::new(audit_key, head.into());
        Ok(Vault { cipher, index_key, audit })
    }

    /// The audit chain's key and head file.
    pub fn audit_chain(&self) -> &crate::audit::ChainKey {
        &self.audit
    }

    fn seal(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption with a fresh nonce cannot fail for inputs this small.
        out.extend(self.cipher.encrypt(Nonce::from_slice(&nonce), plain.as_bytes()).unwrap_or_default());
        out
    }

    fn open_sealed(&self, sealed: &[u8]) -> Option<String> {
        if sealed.len() < 12 {
            return None;
        }
        let plain = self.cipher.decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..]).ok()?;
        String::from_utf8(plain).ok()
    }

    /// `plain` encrypted with the resident key, as text (`sealed:` and
    /// hex): for personal values kept outside the resident records (a
    /// phone number in the notify outbox).
    pub fn seal_text(&self, plain: &str) -> String {
        format!("sealed:{}", hex::encode(self.seal(plain)))
    }

    /// The value [`seal_text`](Self::seal_text) sealed; None when it is not
    /// sealed text or was sealed under another key.
    pub fn open_text(&self, sealed: &str) -> Option<String> {
        self.open_sealed(&hex::decode(sealed.strip_prefix("sealed:")?).ok()?)
    }

    /// A plugin's pseudonym for a personal value: distinct per plugin and
    /// kind, stable across restarts (it depends only on the key file).
    pub fn pseudonym(&self, plugin: &str, kind: &str, value: &str) -> String {
        let norm: String = value.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
        self.index(&format!("plugin:{plugin}:{kind}"), &norm)
    }

    /// The lookup hash of a normalised value.
    fn index(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.index_key).unwrap_or_else(|_| unreachable!("any key length works"));
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The 64-byte key in `path` (128 hex digits), made at random and written
/// 0600 on first run (`what` names it in errors, `made` is logged then).
pub(crate) fn load_or_create_key(path: &Path, what: &str, made: &str) -> anyhow::Result<Vec<u8>> {
    let hex_text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut key = [0u8; 64];
            OsRng.fill_bytes(&mut key);
            let text = hex::encode(key);
            write_private(path, &text).with_context(|| format!("creating the {what} {}", path.display()))?;
            tracing::info!(key = %path.display(), "{made}");
            text
        }
        Err(e) => return Err(e).with_context(|| format!("reading the {what} {}", path.display())),
    };
    let bytes = hex::decode(hex_text.trim()).with_context(|| format!("{}: not a hex key", path.display()))?;
    anyhow::ensure!(bytes.len() == 64, "{}: the key must be 64 bytes (128 hex digits)", path.display());
    Ok(bytes)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// One resident, decrypted.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Resident {
    pub id: i64,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tags: Vec<String>,
}

/// One form per ID number before it is checked, sealed and indexed
/// (full-width digits, spaces, a lower-case `x`), so the same number typed
/// another way finds the same resident.
fn norm_id(s: &str) -> String {
    linli_shared::normalise::id_number(s)
}

/// One form per phone (`+86 139-0000-1111` = `13900001111`); a value that
/// is not a phone keeps its digits, for the length check to refuse.
fn norm_phone(s: &str) -> String {
    linli_shared::normalise::phone(s).unwrap_or_else(|_| s.chars().filter(|c| c.is_ascii_digit()).collect())
}

/// Check the shape of a mainland ID card number (18 characters with the
/// ISO 7064 check digit).
pub fn valid_id_number(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    if c.len() != 18 || !c[..17].iter().all(|d| d.is_ascii_digit()) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = c[..17].iter().zip(W).map(|(d, w)| d.to_digit(10).unwrap_or(0) * w).sum();
    CHECK[(sum % 11) as usize] == c[17].to_ascii_uppercase()
}

fn row(vault: &Vault, r: &Row) -> Result<Resident> {
    let id_enc: Option<Vec<u8>> = r.get(2)?;
    let phone_enc: Option<Vec<u8>> = r.get(3)?;
    let tags: String = r.get(5)?;
    Ok(Resident {
        id: r.get(0)?,
        name: r.get(1)?,
        id_number: id_enc.and_then(|b| vault.open_sealed(&b)),
        phone: phone_enc.and_then(|b| vault.open_sealed(&b)),
        address: r.get(4)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
    })
}

const COLUMNS: &str = "id, name, id_number_enc, phone_enc, address, tags";

pub fn get(db: &HostDb, vault: &Vault, id: i64) -> Result<Option<Resident>> {
    db.read(|tx| tx.query_opt(&format!("SELECT {COLUMNS} FROM residents WHERE id = ?1"), sql_args![id]))?.map(|r| row(vault, &r)).transpose()
}

pub fn find(db: &HostDb, vault: &Vault, id_number: Option<&str>, phone: Option<&str>) -> Result<Vec<Resident>> {
    let idx = id_number.map(|v| vault.index("id", &norm_id(v)));
    let ph = phone.map(|v| vault.index("phone", &norm_phone(v)));
    if idx.is_none() && ph.is_none() {
        return Err(StorageError::Invalid("give an ID card number or a phone number to look up".into()));
    }
    let rows = db.read(|tx| {
        tx.query(
            &format!("SELECT {COLUMNS} FROM residents WHERE (CAST(?1 AS TEXT) IS NOT NULL AND id_number_index = ?1) OR (CAST(?2 AS TEXT) IS NOT NULL AND phone_index = ?2) ORDER BY id LIMIT 50"),
            sql_args![idx, ph],
        )
    })?;
    rows.iter().map(|r| row(vault, r)).collect()
}

/// Create or update; an ID card number already on file updates that record.
pub fn save(db: &HostDb, vault: &Vault, r: &Resident, now: i64) -> Result<i64> {
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(StorageError::Invalid("name: 1 to 50 characters / 姓名为 1 到 50 个字".into()));
    }
    let id_number = r.id_number.as_deref().map(norm_id).filter(|s| !s.is_empty());
    if let Some(n) = &id_number
        && !valid_id_number(n)
    {
        return Err(StorageError::Invalid("id-number: not a valid 18-digit ID card number / 身份证号码格式或校验位不正确".into()));
    }
    let phone = r.phone.as_deref().map(norm_phone).filter(|s| !s.is_empty());
    if let Some(p) = &phone
        && !(7..=15).contains(&p.len())
    {
        return Err(StorageError::Invalid("phone: 7 to 15 digits / 电话号码应为 7 到 15 位数字".into()));
    }
    let id_idx = id_number.as_deref().map(|v| vault.index("id", v));
    let ph_idx = phone.as_deref().map(|v| vault.index("phone", v));
    let id_enc = id_number.as_deref().map(|v| vault.seal(v));
    let ph_enc = phone.as_deref().map(|v| vault.seal(v));
    let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into());
    let once = || {
        db.write(|tx| {
            let existing: Option<i64> = if r.id > 0 {
                Some(r.id)
            } else if let Some(idx) = &id_idx {
                tx.query_opt("SELECT id FROM residents WHERE id_number_index = ?1", sql_args![idx])?.map(|x| x.get(0)).transpose()?
            } else {
                None
            };
            match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE residents SET name = ?2, id_number_enc = COALESCE(?3, id_number_enc), id_number_index = COALESCE(?4, id_number_index),
                            phone_enc = COALESCE(?5, phone_enc), phone_index = COALESCE(?6, phone_index), address = COALESCE(?7, address), tags = ?8, updated_at = ?9
                          WHERE id = ?1",
                        sql_args![id, name, id_enc.clone(), id_idx.as_deref(), ph_enc.clone(), ph_idx.as_deref(), r.address.as_deref(), &tags, now],
                    )?;
                    Ok(id)
                }
                None => tx
                    .query_one(
                        "INSERT INTO residents (name, id_number_enc, id_number_index, phone_enc, phone_index, address, tags, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
                        sql_args![name, id_enc.clone(), id_idx.as_deref(), ph_enc.clone(), ph_idx.as_deref(), r.address.as_deref(), &tags, now],
                    )?
                    .get(0),
            }
        })
    };
    // Two hosts of a district saving the same new ID card number at once:
    // the second insert meets the first's row; the second try updates it.
    match once() {
        Err(e) if is_unique_violation(&e) => once(),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_number_check_digit() {
        assert!(super::valid_id_number("11010519491231002X"));
        assert!(!super::valid_id_number("110105194912310021"));
        assert!(!super::valid_id_number("1101051949"));
    }

    /// A number typed another way is the same number for the lookup index.
    #[test]
    fn numbers_typed_differently_index_alike() {
        for p in ["13900001111", "+86 139-0000-1111", "0086 13900001111", "１３９００００１１１１"] {
            assert_eq!(super::norm_phone(p), "13900001111", "{p}");
        }
        for id in ["11010519491231002X", "11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２ｘ"] {
            assert_eq!(super::norm_id(id), "11010519491231002X", "{id}");
        }
    }
}

