//! `check_dir`: the shipped content passes; a planted error is named by line.

use std::fs;

use linli_content::{ErrorCode, check_dir};

use crate::common::{Folder, shipped_content};

#[test]
fn shipped_content_passes() {
    let report = check_dir(shipped_content()).expect("check runs");
    assert!(report.is_ok(), "shipped content has problems:\n{report}");
    assert!(report.items >= 15, "only {} items", report.items);
    // The hall's two and the window display's.
    assert_eq!(report.layouts, 3);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn planted_error_is_named_by_file_and_line() {
    let folder = Folder::new();
    copy_dir(&shipped_content(), folder.path());
    let path = folder.file("policy/dibao.md");
    let text = fs::read_to_string(&path)
        .expect("read")
        .replace("priority = 5", "priorty = 5");
    fs::write(&path, text).expect("write");

    let report = check_dir(folder.path()).expect("check runs");
    assert!(!report.is_ok());
    assert_eq!(report.errors.len(), 1, "{report}");
    let e = &report.errors[0];
    assert_eq!(e.path, "policy/dibao.md");
    assert_eq!(e.line, Some(4));
    assert_eq!(e.code, ErrorCode::UnknownField);
    let printed = report.to_string();
    assert!(
        printed.starts_with("policy/dibao.md:4: priorty: "),
        "{printed}"
    );
    assert!(printed.contains("did you mean `priority`?"), "{printed}");
    assert!(printed.contains("1 problems in 1 files"), "{printed}");
}
