//! The watched folder: edits, renames and deletes reach the index within 1 s.

use std::fs;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use linli_content::{Change, ContentStore, Index, watch};

use crate::common::{Folder, item};

const WITHIN: Duration = Duration::from_secs(1);

/// Polls the served index until `cond` holds; returns how long it took.
fn wait_for(store: &RwLock<ContentStore>, what: &str, cond: impl Fn(&Index) -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < WITHIN {
        if cond(store.read().expect("lock").index()) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "index did not follow within 1 s: {what}; index: {:#?}",
        store.read().expect("lock").index().items.keys()
    );
}

fn title(index: &Index, id: &str) -> Option<String> {
    index.items.get(id).map(|i| i.title.clone())
}

#[test]
fn index_follows_edits_renames_and_deletes() {
    let folder = Folder::new();
    folder.write("news/a.md", item("news", "第一版"));
    let store = Arc::new(RwLock::new(folder.store()));
    let (tx, rx) = mpsc::channel::<Change>();
    let guard = watch(store.clone(), move |c| {
        let _ = tx.send(c.clone());
    })
    .expect("watch");
    assert_eq!(
        title(store.read().expect("lock").index(), "news/a").as_deref(),
        Some("第一版")
    );

    // A new file in a new folder.
    folder.write("notices/b.md", item("notice", "新通知"));
    wait_for(&store, "create", |i| {
        title(i, "notices/b").as_deref() == Some("新通知")
    });

    // An edit in place.
    folder.write("news/a.md", item("news", "第二版"));
    wait_for(&store, "edit", |i| {
        title(i, "news/a").as_deref() == Some("第二版")
    });

    // Save-via-rename, the way many editors save: temp file, then rename.
    folder.write("news/.a.md.swp", "half");
    folder.write("news/a.md.tmp", item("news", "第三版"));
    fs::rename(folder.file("news/a.md.tmp"), folder.file("news/a.md")).expect("rename");
    wait_for(&store, "rename into place", |i| {
        title(i, "news/a").as_deref() == Some("第三版")
    });

    // Half-written: the last good version stays, marked stale, until the
    // write completes.
    folder.write("news/a.md", "+++\ntitle = \"第四");
    wait_for(&store, "half-written", |i| {
        i.items.get("news/a").is_some_and(|x| x.stale)
    });
    assert_eq!(
        title(store.read().expect("lock").index(), "news/a").as_deref(),
        Some("第三版")
    );
    folder.write("news/a.md", item("news", "第四版"));
    wait_for(&store, "write completed", |i| {
        i.items
            .get("news/a")
            .is_some_and(|x| x.title == "第四版" && !x.stale)
            && i.errors.is_empty()
    });

    // Renaming a file moves the item to its new id.
    fs::rename(folder.file("notices/b.md"), folder.file("notices/c.md")).expect("rename");
    wait_for(&store, "rename", |i| {
        !i.items.contains_key("notices/b") && i.items.contains_key("notices/c")
    });

    // Deleting a file, then a whole folder.
    fs::remove_file(folder.file("news/a.md")).expect("delete");
    wait_for(&store, "delete", |i| !i.items.contains_key("news/a"));
    fs::remove_dir_all(folder.file("notices")).expect("delete folder");
    wait_for(&store, "delete folder", |i| i.items.is_empty());

    // Events carried the changes, with revisions that only go up.
    drop(guard);
    let changes: Vec<Change> = rx.try_iter().collect();
    assert!(changes.len() >= 6, "{changes:#?}");
    assert!(
        changes.windows(2).all(|w| w[0].revision <= w[1].revision),
        "{changes:#?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.removed.contains(&"news/a.md".to_string()))
    );
    assert!(
        changes.iter().any(|c| !c.errors.is_empty()),
        "the half-written file was reported"
    );
    assert!(changes.iter().all(|c| {
        c.changed
            .iter()
            .all(|p| !p.contains(".swp") && !p.ends_with(".tmp"))
    }));
}

#[test]
fn an_image_arriving_late_fixes_its_item() {
    let folder = Folder::new();
    folder.write("hall.md", "+++\ntitle = \"导览\"\nkind = \"image\"\nimage = \"images/hall.png\"\ncaption = \"大厅\"\n+++\n");
    let store = Arc::new(RwLock::new(folder.store()));
    assert!(store.read().expect("lock").index().items.is_empty());
    let _guard = watch(store.clone(), |_| {}).expect("watch");
    folder.write("images/hall.png", crate::common::PNG);
    wait_for(&store, "image arrives", |i| {
        i.items.contains_key("hall") && i.errors.is_empty()
    });
}

#[test]
fn dropping_the_guard_stops_watching() {
    let folder = Folder::new();
    let store = Arc::new(RwLock::new(folder.store()));
    let guard = watch(store.clone(), |_| {}).expect("watch");
    let start = Instant::now();
    drop(guard);
    assert!(start.elapsed() < WITHIN);
    folder.write("late.md", item("news", "迟到"));
    std::thread::sleep(Duration::from_millis(400));
    assert!(store.read().expect("lock").index().items.is_empty());
}
