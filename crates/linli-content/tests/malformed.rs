//! Each malformed case gives a precise error and keeps the last good version.

use std::fs;

use linli_content::{ContentError, ContentStore, ErrorCode};

use crate::common::{Folder, PNG, item};

const GOOD: &str = "+++\ntitle = \"好的版本\"\nkind = \"news\"\n+++\n正文\n";

/// Loads the good version of `news.md`, swaps in `bad` via `break_it`,
/// reloads, and checks the item survives (stale) with exactly one error.
fn break_news(break_it: impl FnOnce(&Folder)) -> (ContentStore, ContentError) {
    let folder = Folder::new();
    folder.write("news.md", GOOD);
    folder.write("images/ok.png", PNG);
    let mut store = folder.store();
    assert_eq!(store.index().error_count(), 0);
    let rev = store.index().revision;

    break_it(&folder);
    let change = store.reload_file(folder.file("news.md"));
    let index = store.index();
    let kept = index.items.get("news").expect("last good version kept");
    assert_eq!(kept.title, "好的版本");
    assert!(kept.stale, "kept item is flagged stale");
    assert!(index.revision > rev, "revision goes up");
    assert_eq!(change.changed, vec!["news.md".to_string()]);
    let errs = &index.errors["news.md"];
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(change.errors, *errs);
    let err = errs[0].clone();
    // The folder must outlive the checks above only; the store holds no handle.
    drop(folder);
    (store, err)
}

fn write_news(text: &'static str) -> impl FnOnce(&Folder) {
    move |f: &Folder| {
        f.write("news.md", text);
    }
}

#[test]
fn bad_front_matter_syntax_names_line_and_field() {
    let (_, e) = break_news(write_news("+++\nkind = \"news\"\ntitle = 好的版本\n+++\n"));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::Syntax, Some(3), Some("title"))
    );
    assert!(
        e.to_string().starts_with("news.md:3: title: TOML 格式错误"),
        "{e}"
    );
}

#[test]
fn missing_opening_or_closing_fence() {
    let (_, e) = break_news(write_news("---\ntitle = \"x\"\n---\n"));
    assert_eq!((e.code, e.line), (ErrorCode::Syntax, Some(1)));
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("+++")));
    let (_, e) = break_news(write_news("+++\ntitle = \"x\"\nkind = \"news\"\n"));
    assert_eq!((e.code, e.line), (ErrorCode::Syntax, Some(1)));
    assert!(e.message_en.contains("not closed"));
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let (_, e) = break_news(write_news(
        "+++\ntitle = \"新\"\nkind = \"news\"\nvalid_untill = \"2026-12-01\"\n+++\n",
    ));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::UnknownField, Some(4), Some("valid_untill"))
    );
    assert!(
        e.hint
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `valid_until`?")),
        "{e}"
    );
}

#[test]
fn chinese_field_name_gets_a_hint() {
    let (_, e) = break_news(write_news(
        "+++\n标题 = \"新\"\nkind = \"news\"\ntitle = \"t\"\n+++\n",
    ));
    // TOML keys must be ASCII, so this is a syntax error, with a hint.
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::Syntax, Some(2), Some("标题"))
    );
    assert!(
        e.hint.as_deref().is_some_and(|h| h.contains("`title`")),
        "{e}"
    );
}

#[test]
fn bad_dates_are_named() {
    let (_, e) = break_news(write_news(
        "+++\ntitle = \"新\"\nkind = \"news\"\n\nvalid_from = \"2026-13-01\"\n+++\n",
    ));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::BadDate, Some(5), Some("valid_from"))
    );
    let (_, e) = break_news(write_news(
        "+++\ntitle = \"新\"\nkind = \"news\"\nvalid_from = \"2026-12-02\"\nvalid_until = 2026-12-01\n+++\n",
    ));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::BadDate, Some(5), Some("valid_until"))
    );
    let (_, e) = break_news(write_news(
        "+++\ntitle = \"新\"\nkind = \"news\"\n[schedule]\ndays = [\"周八\"]\n+++\n",
    ));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::BadDate, Some(5), Some("schedule.days"))
    );
}

#[test]
fn missing_image_is_named() {
    let (_, e) = break_news(write_news(
        "+++\ntitle = \"图\"\nkind = \"image\"\ncaption = \"c\"\nimage = \"images/gone.png\"\n+++\n",
    ));
    assert_eq!(
        (e.code, e.line, e.field.as_deref()),
        (ErrorCode::BadImage, Some(5), Some("image"))
    );
    assert!(e.message_zh.contains("images/gone.png"), "{e}");
}

#[test]
fn an_image_that_is_not_png_or_jpeg() {
    let (_, e) = break_news(|f: &Folder| {
        f.write("images/fake.png", b"GIF89a....");
        f.write("news.md", "+++\ntitle = \"图\"\nkind = \"image\"\ncaption = \"c\"\nimage = \"images/fake.png\"\n+++\n");
    });
    assert_eq!((e.code, e.line), (ErrorCode::BadImage, Some(5)));
}

#[test]
fn a_50_mb_file_is_refused_by_size() {
    let (_, e) = break_news(|f: &Folder| {
        let file = fs::OpenOptions::new()
            .write(true)
            .open(f.file("news.md"))
            .expect("open");
        file.set_len(50 * 1024 * 1024).expect("grow");
    });
    assert_eq!(e.code, ErrorCode::TooLarge);
    assert!(e.message_en.contains("52428800 bytes"), "{e}");
}

#[test]
fn non_utf8_text_names_the_line() {
    // "中文" in GBK, as saved by an old Windows editor.
    let (_, e) = break_news(|f: &Folder| {
        let mut bytes = b"+++\ntitle = \"x\"\nkind = \"news\"\n+++\n".to_vec();
        bytes.extend_from_slice(&[0xD6, 0xD0, 0xCE, 0xC4, b'\n']);
        f.write("news.md", bytes);
    });
    assert_eq!((e.code, e.line), (ErrorCode::NotUtf8, Some(5)));
    assert!(e.message_en.contains("byte 34"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_folder_is_refused() {
    let outside = Folder::new();
    let secret = outside.write("secret.md", GOOD.replace("好的版本", "外面的文件"));
    let (_, e) = break_news(move |f: &Folder| {
        fs::remove_file(f.file("news.md")).expect("remove");
        std::os::unix::fs::symlink(&secret, f.file("news.md")).expect("symlink");
    });
    assert_eq!(e.code, ErrorCode::OutsideFolder);
}

#[test]
fn alert_without_end_is_refused() {
    let (_, e) = break_news(write_news("+++\ntitle = \"紧急\"\nkind = \"alert\"\n+++\n"));
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::MissingField, Some("valid_until"))
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let folder = Folder::new();
    folder.write(
        "bad.md",
        "+++\ntitel = \"x\"\nkind = \"newz\"\npriority = \"high\"\nduration = 0\nlang = \"中文\"\n+++\n",
    );
    let store = folder.store();
    let errs = &store.index().errors["bad.md"];
    let fields: Vec<(Option<u32>, &str)> = errs
        .iter()
        .map(|e| (e.line, e.field.as_deref().unwrap_or("")))
        .collect();
    for expected in [
        (Some(2), "titel"),
        (Some(3), "kind"),
        (Some(4), "priority"),
        (Some(5), "duration"),
        (Some(6), "lang"),
        (Some(1), "title"),
    ] {
        assert!(fields.contains(&expected), "{expected:?} not in {fields:?}");
    }
    assert!(store.index().items.is_empty());
}

#[test]
fn only_deleting_the_file_removes_the_item() {
    let folder = Folder::new();
    folder.write("news.md", GOOD);
    let mut store = folder.store();
    folder.write("news.md", "");
    store.reload_file("news.md");
    assert!(store.index().items["news"].stale);
    folder.write("news.md", GOOD.replace("好的版本", "修好了"));
    store.reload_file("news.md");
    assert_eq!(store.index().items["news"].title, "修好了");
    assert!(!store.index().items["news"].stale);
    assert!(store.index().errors.is_empty());
    fs::remove_file(folder.file("news.md")).expect("remove");
    let change = store.remove_file(folder.file("news.md"));
    assert_eq!(change.removed, vec!["news.md".to_string()]);
    assert!(store.index().items.is_empty());
}

#[test]
fn editor_leftovers_and_readme_are_ignored() {
    let folder = Folder::new();
    for name in [
        ".#news.md",
        "news.md~",
        ".news.md.swp",
        "news.md.tmp",
        ".hidden.md",
        "README.md",
        ".git/x.md",
    ] {
        folder.write(name, "garbage");
    }
    folder.write("notes.txt", "not content");
    let store = folder.store();
    assert!(store.index().items.is_empty());
    assert_eq!(store.index().error_count(), 0, "{:?}", store.index().errors);
}

#[test]
fn nothing_changed_keeps_the_revision() {
    let folder = Folder::new();
    folder.write("a.md", item("news", "a"));
    let mut store = folder.store();
    let rev = store.index().revision;
    let change = store.reload_file("a.md");
    assert!(change.is_empty());
    assert_eq!(store.index().revision, rev);
}
