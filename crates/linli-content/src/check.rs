//! `linli content check`: validate a folder and report every problem.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ContentError;
use crate::store::ContentStore;
use crate::{ContentConfig, Error};

/// The outcome of checking a content folder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// How many valid items were found.
    pub items: usize,
    /// How many valid layouts were found.
    pub layouts: usize,
    /// Every problem, sorted by file and line.
    pub errors: Vec<ContentError>,
}

impl Report {
    /// Whether the folder has no problems at all.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Prints one `path:line: field: message` line per problem, then a summary
/// in Chinese and English.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        let files: std::collections::BTreeSet<&str> =
            self.errors.iter().map(|e| e.path.as_str()).collect();
        write!(
            f,
            "{} 条内容、{} 个版式有效；{} 个文件共 {} 处问题 / {} items and {} layouts valid; {} problems in {} files",
            self.items,
            self.layouts,
            files.len(),
            self.errors.len(),
            self.items,
            self.layouts,
            self.errors.len(),
            files.len(),
        )
    }
}

/// Checks a folder with the default settings.
pub fn check_dir(dir: impl AsRef<Path>) -> Result<Report, Error> {
    check_dir_with(dir, ContentConfig::default())
}

/// Checks a folder with the given settings (size limits, UTC offset).
pub fn check_dir_with(dir: impl AsRef<Path>, config: ContentConfig) -> Result<Report, Error> {
    let store = ContentStore::open(dir, config)?;
    let index = store.index();
    let mut errors: Vec<ContentError> = index.all_errors().cloned().collect();
    errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    Ok(Report {
        items: index.items.len(),
        layouts: index.layouts.len(),
        errors,
    })
}
