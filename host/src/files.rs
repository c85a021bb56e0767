//! Uploaded files (capability `files`): stored outside the database under
//! content addresses, personal ones encrypted at rest, swept when no
//! plugin keeps them.
//!
//! - Layout: `DATA/files/<plugin>/<ab>/<cdef…>`: the address of a file is
//!   its SHA-256 (hex), or for a personal file an HMAC of it under the
//!   files key (so a file name never confirms a known document), ending in
//!   `.sealed`. The same content uploaded twice to one plugin is stored once.
//! - Metadata (id, size, sniffed type, sha256, sanitised name, kept…) is
//!   in the host's store, namespace [`STORE_NS`], key `<plugin>/<id>`.
//! - An upload is streamed: [`Upload::write`] takes the body piece by
//!   piece into a temporary file under `DATA/files/tmp/` while hashing and
//!   sniffing it, and refuses it as soon as it is too large or of a type
//!   the route does not accept. The temporary file is removed when the
//!   upload is dropped unfinished (a cut connection), so nothing is kept.
//! - Personal files are sealed with AES-256-GCM in chunks of [`CHUNK`]
//!   bytes (nonce = random prefix and chunk number, the last chunk marked),
//!   so a 20 MiB file is never whole in memory and any range can be read.
//!   The key is `DATA/keys/files.key`, created 0600 on first run like the
//!   resident key; back it up apart from the data.
//! - A file no plugin keeps (never kept, or released) is removed by
//!   [`FileStore::sweep`] once [`FileStore::grace_ms`] has passed.

use crate::storage::Storage;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The host store's namespace for file metadata (a plugin id has no colon).
pub const STORE_NS: &str = "host:files";
/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 * 1024;
/// AES-GCM's tag after each chunk.
const TAG: usize = 16;
/// A sealed file starts with this and the 8-byte nonce prefix.
const MAGIC: &[u8; 4] = b"LLF1";
const HEADER: usize = 12;
/// The largest cap a route may declare (a route's own cap is usually far less).
pub const MAX_UPLOAD_BYTES: u64 = 256 * 1024 * 1024;
/// How long a file nobody keeps stays, by default.
pub const DEFAULT_GRACE_MS: i64 = 24 * 3600 * 1000;
/// Longest kept file name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Bytes looked at to sniff a type.
const SNIFF_BYTES: usize = 512;

/// A type a route may accept, always found from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Webp,
    Heic,
    Text,
}

impl FileType {
    pub const ALL: [FileType; 6] = [FileType::Pdf, FileType::Jpeg, FileType::Png, FileType::Webp, FileType::Heic, FileType::Text];

    pub fn name(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
            FileType::Webp => "webp",
            FileType::Heic => "heic",
            FileType::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<FileType> {
        let s = s.trim().to_ascii_lowercase();
        let s = if s == "jpg" { "jpeg".to_owned() } else { s };
        FileType::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Heic => "image/heic",
            FileType::Text => "text/plain; charset=utf-8",
        }
    }
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Known(FileType),
    /// Markup (HTML, SVG, XML): never accepted, it could run script.
    Markup,
    /// A Windows program (`MZ`).
    Program,
    /// Something else.
    Unknown,
}

impl Sniffed {
    /// How an error names it.
    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Known(t) => t.name(),
            Sniffed::Markup => "HTML/XML markup",
            Sniffed::Program => "a Windows program",
            Sniffed::Unknown => "an unknown type",
        }
    }
}

/// The type of a file from its first bytes (`head`: the first
/// [`SNIFF_BYTES`], or all of a shorter file). Text is only a candidate
/// here: the whole file must be UTF-8 without control characters.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(b"%PDF-") {
        return Sniffed::Known(FileType::Pdf);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Known(FileType::Jpeg);
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Sniffed::Known(FileType::Png);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Sniffed::Known(FileType::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" && [&b"heic"[..], b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"].contains(&&head[8..12]) {
        return Sniffed::Known(FileType::Heic);
    }
    if head.starts_with(b"MZ") {
        return Sniffed::Program;
    }
    // Text: UTF-8 (a character cut at the end of the head is fine), no
    // control characters but tab, newlines and form feed; markup is not
    // text (a browser could be made to run it).
    let valid = match std::str::from_utf8(head) {
        Ok(s) => Some(s),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match valid {
        Some(s) if !s.chars().any(bad_text_char) => {
            let start = s.trim_start_matches('\u{feff}').trim_start();
            if start.starts_with('<') { Sniffed::Markup } else { Sniffed::Known(FileType::Text) }
        }
        _ => Sniffed::Unknown,
    }
}

fn bad_text_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What an upload route accepts (declared by the plugin from `manifest()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRule {
    pub method: String,
    pub path: String,
    pub types: Vec<FileType>,
    pub max_bytes: u64,
    pub personal: bool,
}

impl UploadRule {
    /// From the plugin's words; the problem named when they are wrong.
    pub fn parse(method: &str, path: &str, types: &[String], max_bytes: u64, personal: bool) -> Result<UploadRule, String> {
        let method = method.to_ascii_uppercase();
        if method != "POST" && method != "PUT" {
            return Err(format!("upload route `{method} {path}`: an upload is a POST or PUT"));
        }
        if types.is_empty() {
            return Err(format!("upload route `{method} {path}`: no file types given (known: pdf, jpeg, png, webp, heic, text)"));
        }
        let mut parsed = Vec::new();
        for t in types {
            let Some(ft) = FileType::parse(t) else {
                return Err(format!("upload route `{method} {path}`: unknown file type `{t}` (known: pdf, jpeg, png, webp, heic, text)"));
            };
            if !parsed.contains(&ft) {
                parsed.push(ft);
            }
        }
        if max_bytes == 0 || max_bytes > MAX_UPLOAD_BYTES {
            return Err(format!("upload route `{method} {path}`: max-bytes must be 1 to {MAX_UPLOAD_BYTES}"));
        }
        Ok(UploadRule { method, path: path.to_owned(), types: parsed, max_bytes, personal })
    }

    pub fn type_names(&self) -> String {
        self.types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
    }
}

/// Every upload rule must name a route of the manifest.
pub fn check_rules(routes: &[crate::manifest::Route], rules: &[UploadRule]) -> Result<(), String> {
    for r in rules {
        if !routes.iter().any(|x| x.method == r.method && x.path == r.path) {
            return Err(format!("upload route `{} {}` is not a route of this plugin", r.method, r.path));
        }
    }
    Ok(())
}

/// One stored file's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileMeta {
    pub id: String,
    pub plugin: String,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
    pub name: String,
    pub personal: bool,
    pub kept: bool,
    pub created_ms: i64,
    /// When nobody kept it from (upload, or release).
    pub loose_since_ms: i64,
    /// The blob's name under the plugin's folder.
    pub address: String,
}

/// Why an upload or a file operation was refused. Messages name the
/// plugin and the limit; none carries a path of the data folder.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("plugin `{plugin}`: the file is larger than the {limit} bytes this route accepts")]
    TooLarge { plugin: String, limit: u64 },
    #[error("plugin `{plugin}`: the file is {found}, not one of the types this route accepts ({allowed}); the type is read from the content, not the name")]
    WrongType { plugin: String, found: &'static str, allowed: String },
    #[error("plugin `{plugin}`: its files reached their quota ({what}, limit {limit})")]
    Quota { plugin: String, what: String, limit: &'static str },
    #[error("plugin `{plugin}`: the upload ended before all of it arrived")]
    Incomplete { plugin: String },
    #[error("plugin `{plugin}`: no file `{id}`")]
    NotFound { plugin: String, id: String },
    #[error("storing files: {0}")]
    Io(String),
}

impl FileError {
    /// The HTTP status that answers it.
    pub fn status(&self) -> u16 {
        match self {
            FileError::TooLarge { .. } => 413,
            FileError::WrongType { .. } => 415,
            FileError::Quota { .. } => 507,
            FileError::Incomplete { .. } => 400,
            FileError::NotFound { .. } => 404,
            FileError::Io(_) => 500,
        }
    }
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        FileError::Io(e.to_string())
    }
}

impl From<crate::storage::StorageError> for FileError {
    fn from(e: crate::storage::StorageError) -> Self {
        FileError::Io(e.to_string())
    }
}

/// A name as the uploader gave it, made harmless: percent-decoded, only
/// its last path part, no control or text-direction characters, no
/// leading dots, at most [`MAX_NAME_CHARS`]. It is only ever shown.
pub fn sanitise_name(raw: &str) -> String {
    let decoded = String::from_utf8_lossy(&linli_shared::normalise::percent_decode(raw)).into_owned();
    let last = decoded.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !bad_text_char(*c) && *c != '\u{0}').collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let out: String = clean.chars().take(MAX_NAME_CHARS).collect();
    if out.is_empty() { "file".into() } else { out }
}


/// Files of every plugin: the folder, the key, the metadata.
pub struct FileStore {
    root: PathBuf,
    cipher: Aes256Gcm,
    address_key: [u8; 32],
    storage: Arc<dyn Storage>,
    /// Held from a blob's rename to its record's write, and from a
    /// record's removal to its blob's: a sweep cannot remove a blob that
    /// an upload of the same content has just come to use.
    blob_lock: parking_lot::Mutex<()>,
    /// How long a file nobody keeps stays before [`sweep`](Self::sweep).
    pub grace_ms: std::sync::atomic::AtomicI64,
    /// In a district, the hall's copy of every blob (the data folder is
    /// then this host's cache of it).
    remote: Option<crate::storage::pg_blobs::PgBlobs>,
}

impl FileStore {
    /// Open `root` (made if missing; leftover temporary files of a crash
    /// are removed) with the key in `key_file` (made, 0600, on first run).
    pub fn open(root: &Path, key_file: &Path, storage: Arc<dyn Storage>) -> anyhow::Result<FileStore> {
        use anyhow::Context;
        std::fs::create_dir_all(root.join("tmp")).with_context(|| format!("creating {}", root.display()))?;
        for e in std::fs::read_dir(root.join("tmp"))?.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        let bytes = crate::residents::load_or_create_key(key_file, "files key", "created the key of personal files; back it up apart from the data folder")?;
        let cipher = Aes256Gcm::new_from_slice(&bytes[..32]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut address_key = [0u8; 32];
        address_key.copy_from_slice(&bytes[32..]);
        Ok(FileStore { root: root.to_owned(), cipher, address_key, storage, blob_lock: parking_lot::Mutex::new(()), grace_ms: std::sync::atomic::AtomicI64::new(DEFAULT_GRACE_MS), remote: None })
    }

    /// Keep every blob in the hall's PostgreSQL too, so each host of the
    /// hall reads what any of them stored.
    pub fn with_remote(mut self, remote: crate::storage::pg_blobs::PgBlobs) -> FileStore {
        self.remote = Some(remote);
        self
    }

    /// The blob's path here, fetched from the hall first when this host
    /// does not have it (a file uploaded through another host).
    fn local_blob(&self, plugin: &str, address: &str) -> Result<PathBuf, FileError> {
        let path = self.blob_path(plugin, address);
        if path.exists() {
            return Ok(path);
        }
        let Some(remote) = &self.remote else { return Ok(path) };
        let Some(bytes) = remote.get(plugin, address).map_err(FileError::Io)? else { return Ok(path) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_data()?;
        tmp.persist(&path).map_err(|e| FileError::Io(e.error.to_string()))?;
        Ok(path)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, plugin: &str, address: &str) -> PathBuf {
        self.root.join(plugin).join(&address[..2]).join(&address[2..])
    }

    /// The file `id` of `plugin` (never another plugin's).
    pub fn get(&self, plugin: &str, id: &str) -> Result<Option<FileMeta>, FileError> {
        if !valid_id(id) {
            return Ok(None);
        }
        Ok(match self.storage.kv_get(STORE_NS, &format!("{plugin}/{id}"))? {
            Some(b) => serde_json::from_slice(&b).ok(),
            None => None,
        })
    }

    fn put_meta(&self, m: &FileMeta) -> Result<(), FileError> {
        let bytes = serde_json::to_vec(m).map_err(|e| FileError::Io(e.to_string()))?;
        Ok(self.storage.kv_set(STORE_NS, &format!("{}/{}", m.plugin, m.id), &bytes)?)
    }

    /// Every file of `plugin` (all plugins' for "").
    pub fn list(&self, plugin: &str) -> Result<Vec<FileMeta>, FileError> {
        let prefix = if plugin.is_empty() { String::new() } else { format!("{plugin}/") };
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.storage.kv_scan(STORE_NS, &prefix, after.as_deref(), 500)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            let n = page.len();
            out.extend(page.into_iter().filter_map(|(_, v)| serde_json::from_slice::<FileMeta>(&v).ok()));
            if n < 500 {
                break;
            }
        }
        Ok(out)
    }

    /// Files and bytes `plugin` holds now.
    pub fn usage(&self, plugin: &str) -> Result<(u64, u64), FileError> {
        let files = self.list(plugin)?;
        Ok((files.len() as u64, files.iter().map(|f| f.size).sum()))
    }

    /// Start receiving an upload for `plugin` under `rule`, within its quota
    /// (`max_count` files, `max_bytes` in all). `expected`: the declared
    /// length, if any (refused at once when over a limit).
    pub fn begin(&self, plugin: &str, rule: &UploadRule, quota: (u64, u64), expected: Option<u64>) -> Result<Upload<'_>, FileError> {
        if let Some(len) = expected
            && len > rule.max_bytes
        {
            return Err(FileError::TooLarge { plugin: plugin.into(), limit: rule.max_bytes });
        }
        let (count, bytes) = self.usage(plugin)?;
        let (max_count, max_bytes) = quota;
        if count >= max_count {
            return Err(FileError::Quota { plugin: plugin.into(), what: format!("{count} of {max_count} files"), limit: "files_count" });
        }
        if bytes + expected.unwrap_or(0) > max_bytes {
            return Err(FileError::Quota { plugin: plugin.into(), what: format!("{bytes} of {max_bytes} bytes in use"), limit: "files_mib" });
        }
        let tmp = tempfile::Builder::new().prefix("up-").tempfile_in(self.root.join("tmp"))?;
        let sealer = if rule.personal {
            let mut prefix = [0u8; 8];
            OsRng.fill_bytes(&mut prefix);
            Some(prefix)
        } else {
            None
        };
        let mut up = Upload {
            store: self,
            plugin: plugin.into(),
            rule: rule.clone(),
            room: max_bytes.saturating_sub(bytes),
            tmp,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(SNIFF_BYTES),
            sniffed: None,
            utf8_tail: Vec::new(),
            sealer,
            pending: Vec::new(),
            chunk_no: 0,
        };
        if let Some(prefix) = up.sealer {
            up.tmp.write_all(MAGIC)?;
            up.tmp.write_all(&prefix)?;
        }
        Ok(up)
    }

    /// Mark files kept (true) or loose (false), as a kept call asked.
    pub fn set_kept(&self, plugin: &str, id: &str, kept: bool, now_ms: i64) -> Result<bool, FileError> {
        let _g = self.blob_lock.lock();
        let Some(mut m) = self.get(plugin, id)? else { return Ok(false) };
        if m.kept != kept {
            m.kept = kept;
            if !kept {
                m.loose_since_ms = now_ms;
            }
            self.put_meta(&m)?;
        }
        Ok(true)
    }

    /// Remove a file nobody keeps now (an upload whose call failed), and
    /// its blob when no other file of the plugin has the same content.
    /// Returns whether it went (a kept file stays).
    pub fn discard(&self, plugin: &str, id: &str) -> Result<bool, FileError> {
        let _g = self.blob_lock.lock();
        match self.get(plugin, id)? {
            Some(m) if !m.kept => {
                self.storage.kv_delete(STORE_NS, &format!("{plugin}/{id}"))?;
                self.drop_blob_if_unused(&m)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn drop_blob_if_unused(&self, m: &FileMeta) -> Result<(), FileError> {
        if !self.list(&m.plugin)?.iter().any(|o| o.address == m.address) {
            if let Some(remote) = &self.remote {
                remote.delete(&m.plugin, &m.address).map_err(FileError::Io)?;
            }
            match std::fs::remove_file(self.blob_path(&m.plugin, &m.address)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Remove every file nobody kept for longer than the grace period.
    /// Returns how many went.
    pub fn sweep(&self, now_ms: i64) -> Result<usize, FileError> {
        let grace = self.grace_ms.load(std::sync::atomic::Ordering::Relaxed);
        let mut n = 0;
        let expired = |m: &FileMeta| !m.kept && now_ms.saturating_sub(m.loose_since_ms) >= grace;
        for m in self.list("")? {
            if !expired(&m) {
                continue;
            }
            let _g = self.blob_lock.lock();
            // Kept, or gone, since the list was read: left alone.
            if let Some(m) = self.get(&m.plugin, &m.id)?.filter(|m| expired(m)) {
                self.storage.kv_delete(STORE_NS, &format!("{}/{}", m.plugin, m.id))?;
                self.drop_blob_if_unused(&m)?;
                tracing::info!(plugin = %m.plugin, file = %m.id, "removed a file no plugin kept");
                n += 1;
            }
        }
        Ok(n)
    }

    /// Read the file's content from `offset`, at most `len` bytes.
    pub fn read_range(&self, m: &FileMeta, offset: u64, len: usize) -> Result<Vec<u8>, FileError> {
        let mut r = self.reader(m)?;
        r.seek_to(offset)?;
        let mut out = vec![0u8; len.min(m.size.saturating_sub(offset) as usize)];
        let mut got = 0;
        while got < out.len() {
            let n = r.read(&mut out[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        out.truncate(got);
        Ok(out)
    }

    /// A reader of the file's content (opened and checked chunk by chunk
    /// for a personal file).
    pub fn reader(&self, m: &FileMeta) -> Result<FileReader<'_>, FileError> {
        let f = std::fs::File::open(self.local_blob(&m.plugin, &m.address)?)?;
        let mut prefix = [0u8; 8];
        let mut f = f;
        if m.personal {
            let mut head = [0u8; HEADER];
            f.read_exact(&mut head)?;
            if &head[..4] != MAGIC {
                return Err(FileError::Io(format!("file `{}` of plugin `{}` is not sealed as it should be", m.id, m.plugin)));
            }
            prefix.copy_from_slice(&head[4..]);
        }
        Ok(FileReader { store: self, file: f, personal: m.personal, prefix, size: m.size, pos: 0, buf: Vec::new(), buf_start: 0, id: m.id.clone() })
    }
}

fn valid_id(id: &str) -> bool {
    id.len() == 34 && id.starts_with("f_") && id[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn nonce(prefix: &[u8; 8], chunk: u32) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(&chunk.to_be_bytes());
    n
}

/// The last chunk is sealed as the last, so a file cut after a whole
/// chunk does not open.
fn aad(last: bool) -> &'static [u8] {
    if last { b"linli-file last" } else { b"linli-file more" }
}

/// An upload being received.
pub struct Upload<'a> {
    store: &'a FileStore,
    plugin: String,
    rule: UploadRule,
    /// Bytes left in the plugin's quota.
    room: u64,
    tmp: tempfile::NamedTempFile,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    sniffed: Option<Sniffed>,
    /// The bytes of a UTF-8 character cut at the end of the last piece.
    utf8_tail: Vec<u8>,
    sealer: Option<[u8; 8]>,
    /// Plaintext not yet sealed (less than a chunk, or a chunk that may be
    /// the last).
    pending: Vec<u8>,
    chunk_no: u32,
}

impl Upload<'_> {
    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Take the next piece of the body. An error ends the upload (dropping
    /// it removes the temporary file).
    pub fn write(&mut self, piece: &[u8]) -> Result<(), FileError> {
        self.size += piece.len() as u64;
        if self.size > self.rule.max_bytes {
            return Err(FileError::TooLarge { plugin: self.plugin.clone(), limit: self.rule.max_bytes });
        }
        if self.size > self.room {
            return Err(FileError::Quota { plugin: self.plugin.clone(), what: format!("this file would pass its {} bytes left", self.room), limit: "files_mib" });
        }
        if self.sniffed.is_none() {
            let want = SNIFF_BYTES - self.head.len();
            self.head.extend_from_slice(&piece[..want.min(piece.len())]);
            if self.head.len() >= SNIFF_BYTES {
                self.decide()?;
            }
        }
        if self.sniffed == Some(Sniffed::Known(FileType::Text)) || (self.sniffed.is_none() && self.rule.types.contains(&FileType::Text)) {
            self.check_text(piece)?;
        }
        self.hasher.update(piece);
        match self.sealer {
            None => self.tmp.write_all(piece)?,
            Some(_) => {
                self.pending.extend_from_slice(piece);
                while self.pending.len() > CHUNK {
                    let rest = self.pending.split_off(CHUNK);
                    let chunk = std::mem::replace(&mut self.pending, rest);
                    self.seal_chunk(&chunk, false)?;
                }
            }
        }
        Ok(())
    }

    fn decide(&mut self) -> Result<(), FileError> {
        let s = sniff(&self.head);
        self.sniffed = Some(s);
        match s {
            Sniffed::Known(t) if self.rule.types.contains(&t) => Ok(()),
            other => Err(FileError::WrongType { plugin: self.plugin.clone(), found: other.describe(), allowed: self.rule.type_names() }),
        }
    }

    fn check_text(&mut self, piece: &[u8]) -> Result<(), FileError> {
        let mut buf = std::mem::take(&mut self.utf8_tail);
        buf.extend_from_slice(piece);
        let (good, tail) = match std::str::from_utf8(&buf) {
            Ok(s) => (s, &[][..]),
            Err(e) if e.error_len().is_none() => (std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or(""), &buf[e.valid_up_to()..]),
            Err(_) => return self.not_text(),
        };
        if good.chars().any(bad_text_char) {
            return self.not_text();
        }
        self.utf8_tail = tail.to_vec();
        Ok(())
    }

    fn not_text(&self) -> Result<(), FileError> {
        if self.rule.types.len() == 1 || self.sniffed == Some(Sniffed::Known(FileType::Text)) {
            return Err(FileError::WrongType { plugin: self.plugin.clone(), found: Sniffed::Unknown.describe(), allowed: self.rule.type_names() });
        }
        Ok(())
    }

    fn seal_chunk(&mut self, chunk: &[u8], last: bool) -> Result<(), FileError> {
        let Some(prefix) = self.sealer else { return Ok(()) };
        let n = nonce(&prefix, self.chunk_no);
        let sealed = self
            .store
            .cipher
            .encrypt(Nonce::from_slice(&n), Payload { msg: chunk, aad: aad(last) })
            .map_err(|_| FileError::Io("sealing a chunk failed".into()))?;
        self.tmp.write_all(&sealed)?;
        self.chunk_no = self.chunk_no.checked_add(1).ok_or_else(|| FileError::Io("file too large to seal".into()))?;
        Ok(())
    }

    /// The whole body arrived: check it, store it under its address and
    /// record it (loose until the plugin keeps it).
    pub fn finish(mut self, name: &str, now_ms: i64) -> Result<FileMeta, FileError> {
        if self.sniffed.is_none() {
            self.decide()?;
        }
        if self.sniffed == Some(Sniffed::Known(FileType::Text)) && !self.utf8_tail.is_empty() {
            return Err(FileError::WrongType { plugin: self.plugin.clone(), found: Sniffed::Unknown.describe(), allowed: self.rule.type_names() });
        }
        if self.sealer.is_some() {
            let last = std::mem::take(&mut self.pending);
            self.seal_chunk(&last, true)?;
        }
        self.tmp.as_file().sync_data()?;
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let address = if self.rule.personal {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.store.address_key).unwrap_or_else(|_| unreachable!("any key length works"));
            mac.update(sha256.as_bytes());
            format!("{}.sealed", hex::encode(mac.finalize().into_bytes()))
        } else {
            sha256.clone()
        };
        let path = self.store.blob_path(&self.plugin, &address);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let _g = self.store.blob_lock.lock();
        if !path.exists() {
            self.tmp.persist(&path).map_err(|e| FileError::Io(e.error.to_string()))?;
        }
        if let Some(remote) = &self.store.remote {
            remote.put(&self.plugin, &address, &std::fs::read(&path)?).map_err(FileError::Io)?;
        }
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let Sniffed::Known(t) = self.sniffed.unwrap_or(Sniffed::Unknown) else {
            return Err(FileError::Io("unreachable: an upload of no known type".into()));
        };
        let meta = FileMeta {
            id: format!("f_{}", hex::encode(id)),
            plugin: self.plugin.clone(),
            size: self.size,
            content_type: t.mime().into(),
            sha256,
            name: sanitise_name(name),
            personal: self.rule.personal,
            kept: false,
            created_ms: now_ms,
            loose_since_ms: now_ms,
            address,
        };
        self.store.put_meta(&meta)?;
        Ok(meta)
    }
}

/// Reads a stored file's content (a personal one opened chunk by chunk).
pub struct FileReader<'a> {
    store: &'a FileStore,
    file: std::fs::File,
    personal: bool,
    prefix: [u8; 8],
    size: u64,
    pos: u64,
    /// The open chunk's plaintext and where it starts.
    buf: Vec<u8>,
    buf_start: u64,
    id: String,
}

impl FileReader<'_> {
    /// Go to `offset` of the content (the end at most).
    pub fn seek_to(&mut self, offset: u64) -> std::io::Result<()> {
        self.pos = offset.min(self.size);
        if !self.personal {
            self.file.seek(SeekFrom::Start(self.pos))?;
        }
        Ok(())
    }

    fn load_chunk(&mut self, index: u64) -> std::io::Result<()> {
        let last_index = if self.size == 0 { 0 } else { (self.size - 1) / CHUNK as u64 };
        let start = HEADER as u64 + index * (CHUNK + TAG) as u64;
        self.file.seek(SeekFrom::Start(start))?;
        let plain_len = if index == last_index { (self.size - index * CHUNK as u64) as usize } else { CHUNK };
        let mut sealed = vec![0u8; plain_len + TAG];
        self.file.read_exact(&mut sealed)?;
        let n = nonce(&self.prefix, index as u32);
        self.buf = self
            .store
            .cipher
            .decrypt(Nonce::from_slice(&n), Payload { msg: &sealed, aad: aad(index == last_index) })
            .map_err(|_| std::io::Error::other(format!("file `{}` does not open with the files key (changed or damaged)", self.id)))?;
        self.buf_start = index * CHUNK as u64;
        Ok(())
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        if !self.personal {
            let n = self.file.read(out)?;
            self.pos += n as u64;
            return Ok(n);
        }
        let index = self.pos / CHUNK as u64;
        if self.buf.is_empty() || self.buf_start != index * CHUNK as u64 {
            self.load_chunk(index)?;
        }
        let at = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - at);
        out[..n].copy_from_slice(&self.buf[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(&dir.path().join("files"), &dir.path().join("keys/files.key"), Arc::new(crate::storage::memory::MemoryStorage::default())).unwrap();
        (dir, s)
    }

    fn rule(types: &[&str], max: u64, personal: bool) -> UploadRule {
        UploadRule::parse("POST", "/up", &types.iter().map(|s| s.to_string()).collect::<Vec<_>>(), max, personal).unwrap()
    }

    #[test]
    fn types_are_sniffed_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Known(FileType::Pdf));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Sniffed::Known(FileType::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Sniffed::Known(FileType::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Sniffed::Known(FileType::Webp));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Sniffed::Known(FileType::Heic));
        assert_eq!(sniff(b"MZ\x90\0\x03"), Sniffed::Program);
        assert_eq!(sniff(b"  <!DOCTYPE html><script>"), Sniffed::Markup);
        assert_eq!(sniff("申请说明：第一页\n".as_bytes()), Sniffed::Known(FileType::Text));
        assert_eq!(sniff(b"abc\0def"), Sniffed::Unknown);
    }

    #[test]
    fn a_wrong_upload_rule_is_named() {
        let types = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(UploadRule::parse("GET", "/up", &types(&["pdf"]), 10, false).unwrap_err().contains("POST or PUT"));
        assert!(UploadRule::parse("POST", "/up", &types(&["exe"]), 10, false).unwrap_err().contains("unknown file type `exe`"));
        assert!(UploadRule::parse("POST", "/up", &types(&[]), 10, false).unwrap_err().contains("no file types"));
        assert!(UploadRule::parse("POST", "/up", &types(&["pdf"]), 0, false).is_err());
        assert_eq!(UploadRule::parse("post", "/up", &types(&["JPG", "jpeg", "pdf"]), 10, true).unwrap().types, [FileType::Jpeg, FileType::Pdf]);
        let routes: Vec<crate::manifest::Route> = serde_json::from_str(r#"[{"method":"POST","path":"/up","audience":"public","roles":[]}]"#).unwrap();
        let rule = UploadRule::parse("POST", "/other", &types(&["pdf"]), 10, false).unwrap();
        assert!(check_rules(&routes, &[rule]).unwrap_err().contains("`POST /other` is not a route of this plugin"));
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitise_name("../../etc/passwd\0.pdf"), "passwd.pdf");
        assert_eq!(sanitise_name("..%2F..%2Fsecret%00.pdf"), "secret.pdf");
        assert_eq!(sanitise_name("C:\\Users\\a\\申请表.pdf"), "申请表.pdf");
        assert_eq!(sanitise_name("a\u{202e}fdp.exe"), "afdp.exe");
        assert_eq!(sanitise_name(".."), "file");
    }

    #[test]
    fn a_personal_file_is_sealed_and_reads_back_in_ranges() {
        let (_dir, s) = store();
        let body: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..200_000u32).map(|i| (i % 251) as u8)).collect();
        let mut up = s.begin("p", &rule(&["pdf"], 1 << 20, true), (10, 1 << 30), None).unwrap();
        for piece in body.chunks(7_000) {
            up.write(piece).unwrap();
        }
        let m = up.finish("a.pdf", 5).unwrap();
        assert_eq!(m.size, body.len() as u64);
        let raw = std::fs::read(s.blob_path("p", &m.address)).unwrap();
        assert!(!raw.windows(9).any(|w| w == b"%PDF-1.4\n"), "sealed on disk");
        assert_eq!(s.read_range(&m, 0, body.len()).unwrap(), body);
        assert_eq!(s.read_range(&m, 65_530, 20).unwrap(), &body[65_530..65_550]);
        let mut all = Vec::new();
        s.reader(&m).unwrap().read_to_end(&mut all).unwrap();
        assert_eq!(all, body);
    }

    #[test]
    fn a_dropped_upload_leaves_nothing() {
        let (dir, s) = store();
        let mut up = s.begin("p", &rule(&["pdf"], 1 << 20, false), (10, 1 << 30), None).unwrap();
        up.write(b"%PDF-1.4 partial").unwrap();
        drop(up);
        assert_eq!(std::fs::read_dir(dir.path().join("files/tmp")).unwrap().count(), 0);
        assert!(s.list("p").unwrap().is_empty());
    }
}
