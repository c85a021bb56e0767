//! Loads only the fonts the screens need.
//!
//! `FontSystem::new()` scans every installed font, which takes seconds on a
//! small PC (and longer in debug builds); a hall screen needs one CJK family
//! in regular and bold, plus one Latin/symbol family as fallback.

use std::path::{Path, PathBuf};
use std::process::Command;

use glyphon::{FontSystem, fontdb};

/// The family every zone asks for.
pub const FAMILY: &str = "Noto Sans CJK SC";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "no CJK font found (looked for Noto Sans CJK and WenQuanYi); install the Debian package `fonts-noto-cjk`"
    )]
    NoCjkFont,
}

const CJK_CANDIDATES: [&str; 8] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

const FALLBACK_CANDIDATES: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/// The font files the player would load, or why there are none.
pub fn find_font_files() -> Result<Vec<PathBuf>, FontError> {
    let mut files: Vec<PathBuf> = CJK_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    if files.is_empty() {
        // Other distributions put the same fonts elsewhere; fontconfig knows where.
        for pattern in ["Noto Sans CJK SC", "Noto Sans CJK SC:bold"] {
            if let Some(p) = fc_match(pattern)
                && !files.contains(&p)
            {
                files.push(p);
            }
        }
    }
    if files.is_empty() {
        return Err(FontError::NoCjkFont);
    }
    files.extend(
        FALLBACK_CANDIDATES
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists()),
    );
    Ok(files)
}

fn fc_match(pattern: &str) -> Option<PathBuf> {
    let out = Command::new("fc-match")
        .args(["-f", "%{file}", pattern])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    // fc-match always answers something; only take it if it is really CJK.
    (name.contains("cjk") || name.contains("wqy")).then_some(path)
}

/// A font system holding just the screen fonts.
pub fn font_system() -> Result<FontSystem, FontError> {
    let files = find_font_files()?;
    Ok(font_system_from(&files))
}

fn font_system_from(files: &[PathBuf]) -> FontSystem {
    let mut db = fontdb::Database::new();
    for f in files {
        load(&mut db, f);
    }
    let family = if db
        .faces()
        .any(|f| f.families.iter().any(|(n, _)| n == FAMILY))
    {
        FAMILY.to_string()
    } else {
        db.faces()
            .next()
            .and_then(|f| f.families.first().map(|(n, _)| n.clone()))
            .unwrap_or_default()
    };
    db.set_sans_serif_family(family);
    FontSystem::new_with_locale_and_db("zh-CN".to_string(), db)
}

fn load(db: &mut fontdb::Database, path: &Path) {
    // A font that fails to load only narrows the fallback; the check for a CJK
    // family happened when the files were chosen.
    let _ = db.load_font_file(path);
}
