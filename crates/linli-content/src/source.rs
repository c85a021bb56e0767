//! Which files in the content folder count, and reading them defensively.
//!
//! Editors save from many tools: some write temp files and rename them into
//! place, some leave backups, some save in GBK. None of that may blank a
//! screen, so temp files are ignored, oversized files are refused before they
//! are read, and text must be UTF-8 with the bad byte's line named.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{ContentError, ErrorCode, line_at};
use crate::item::ImageFormat;

/// What a file in the content folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `*.md` anywhere: one content item.
    Item,
    /// `screens/*.toml`: one screen layout.
    Layout,
    /// Anything else (images, docs, editor leftovers): not loaded by itself.
    Other,
}

/// Whether a file or folder name is an editor leftover or hidden.
///
/// Covers Emacs locks (`.#x`), backups (`x~`), Vim swap files (`.x.swp`),
/// `*.tmp` files written before a rename, and dot files in general.
pub(crate) fn is_ignored_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || lower.ends_with(".tmp")
        || lower.ends_with(".swp")
        || lower.ends_with(".swx")
        || lower.ends_with(".bak")
        || lower.ends_with(".part")
}

/// The role of a path relative to the content folder.
pub(crate) fn role_of(rel: &str) -> Role {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let Some(name) = parts.pop() else {
        return Role::Other;
    };
    if name.is_empty() || parts.iter().chain([&name]).any(|p| is_ignored_name(p)) {
        return Role::Other;
    }
    let lower = name.to_lowercase();
    // README.md documents the folder for editors; it is not shown on screens.
    if lower == "readme.md" {
        return Role::Other;
    }
    if lower.ends_with(".md") {
        return Role::Item;
    }
    if parts == ["screens"] && lower.ends_with(".toml") {
        return Role::Layout;
    }
    Role::Other
}

/// A path relative to `root` with `/` separators, if it lies under `root`.
pub(crate) fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Resolves a relative path inside `root`, refusing anything that escapes it,
/// directly (`..`, absolute) or through a symbolic link.
pub(crate) fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, ContentError> {
    let outside = || {
        ContentError::new(
            rel,
            ErrorCode::OutsideFolder,
            "文件指向内容文件夹以外（符号链接或 ..），为安全起见不予显示",
            "the file points outside the content folder (symlink or ..) and is not shown",
        )
    };
    let joined = root.join(rel);
    if Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(outside());
    }
    match fs::canonicalize(&joined) {
        Ok(real) if real.starts_with(root) => Ok(real),
        Ok(_) => Err(outside()),
        Err(e) => Err(io_error(rel, &e)),
    }
}

/// An I/O failure as an editor-facing error.
pub(crate) fn io_error(rel: &str, e: &std::io::Error) -> ContentError {
    if e.kind() == std::io::ErrorKind::NotFound {
        return ContentError::new(rel, ErrorCode::Io, "文件不存在", "the file does not exist");
    }
    ContentError::new(
        rel,
        ErrorCode::Io,
        format!("无法读取文件：{e}"),
        format!("cannot read the file: {e}"),
    )
}

/// Opens a file inside `root` whose size is at most `limit`; larger files
/// are refused from their size alone, so a 50 MB upload costs nothing.
fn open_limited(root: &Path, rel: &str, limit: u64) -> Result<fs::File, ContentError> {
    let path = resolve_inside(root, rel)?;
    let file = fs::File::open(&path).map_err(|e| io_error(rel, &e))?;
    let meta = file.metadata().map_err(|e| io_error(rel, &e))?;
    if !meta.is_file() {
        return Err(io_error(rel, &std::io::Error::other("not a regular file")));
    }
    if meta.len() > limit {
        return Err(too_large(rel, meta.len(), limit));
    }
    Ok(file)
}

fn too_large(rel: &str, size: u64, limit: u64) -> ContentError {
    ContentError::new(
        rel,
        ErrorCode::TooLarge,
        format!("文件太大（{size} 字节），上限为 {limit} 字节"),
        format!("the file is too large ({size} bytes); the limit is {limit} bytes"),
    )
}

/// Reads a whole file inside `root` of at most `limit` bytes.
pub(crate) fn read_bytes(root: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, ContentError> {
    let file = open_limited(root, rel, limit)?;
    // The file may grow between the size check and the read; never read more.
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(rel, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(rel, bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Checks that `rel` is a PNG or JPEG inside the folder by its first bytes,
/// without reading the rest: screens decode it, this only vets it.
pub(crate) fn image_format(
    root: &Path,
    rel: &str,
    limit: u64,
) -> Result<ImageFormat, ContentError> {
    let file = open_limited(root, rel, limit)?;
    let mut head = Vec::with_capacity(8);
    file.take(8)
        .read_to_end(&mut head)
        .map_err(|e| io_error(rel, &e))?;
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(ImageFormat::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else {
        Err(ContentError::new(
            rel,
            ErrorCode::BadImage,
            "不是 PNG 或 JPEG 图片",
            "not a PNG or JPEG image",
        ))
    }
}

/// Reads a text file: size-limited, UTF-8 (a leading BOM is dropped).
pub(crate) fn read_text(root: &Path, rel: &str, limit: u64) -> Result<String, ContentError> {
    let bytes = read_bytes(root, rel, limit)?;
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes)
        .to_vec();
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or("");
        ContentError::new(
            rel,
            ErrorCode::NotUtf8,
            format!("文件不是 UTF-8 编码（第 {offset} 字节）；请在编辑器中另存为 UTF-8"),
            format!("the file is not UTF-8 (byte {offset}); save it as UTF-8 in your editor"),
        )
        .at_line(line_at(valid, offset, 1))
    })
}

/// Every file under `root` worth loading, as sorted relative paths.
///
/// Symbolic links to files are listed (and checked when read); linked folders
/// are not entered, so a link loop cannot hang the scan.
pub(crate) fn list_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_str().is_none_or(is_ignored_name) {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                dirs.push(path);
            } else if let Some(rel) = relative(root, &path)
                && role_of(&rel) != Role::Other
            {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}
