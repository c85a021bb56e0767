//! Helpers shared by the tests: temporary content folders and a fixed clock.

use std::fs;
use std::path::{Path, PathBuf};

use linli_content::{ContentConfig, ContentStore, Timestamp, UtcOffset};

/// The shipped sample content at the repository root.
pub fn shipped_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content")
}

/// A temporary content folder that is deleted when dropped.
pub struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    pub fn new() -> Self {
        Folder {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file, creating its folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.file(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create folders");
        }
        fs::write(&path, contents).expect("write file");
        path
    }

    pub fn store(&self) -> ContentStore {
        ContentStore::open(self.path(), ContentConfig::default()).expect("open store")
    }
}

/// Hall time (+08:00) from `YYYY-MM-DD HH:MM`.
pub fn at(text: &str) -> Timestamp {
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().expect("number");
    let year = i32::try_from(num(0..4)).expect("year");
    Timestamp::from_local(
        UtcOffset::CHINA,
        year,
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        0,
    )
    .expect("valid time")
}

/// A minimal valid item of some kind.
pub fn item(kind: &str, title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nkind = \"{kind}\"\n+++\n正文 body\n")
}

/// The smallest valid PNG header, enough for the magic-byte check.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
/// The start of a JPEG file.
pub const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
