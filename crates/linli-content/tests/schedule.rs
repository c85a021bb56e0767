//! Validity and weekly schedules, evaluated against a controllable clock.

use std::time::Duration;

use linli_content::{ContentConfig, ContentStore, Timestamp, UtcOffset};

use crate::common::{Folder, at};

const QUEUE_RULES: &str = "+++\ntitle = \"取号须知\"\nkind = \"notice\"\nvalid_from = \"2026-12-01\"\nvalid_until = \"2026-12-31\"\n\n[schedule]\ndays = [\"周一-周五\"]\nhours = [\"08:30-12:00\", \"13:30-17:00\"]\n+++\n";

fn live(store: &ContentStore, when: &str) -> bool {
    store
        .index()
        .live_at(at(when), "hall-main")
        .iter()
        .any(|i| i.id == "rules")
}

#[test]
fn weekdays_and_office_hours() {
    let folder = Folder::new();
    folder.write("rules.md", QUEUE_RULES);
    let store = folder.store();
    // 2026-12-07 is a Monday, 2026-12-12 a Saturday.
    assert!(!live(&store, "2026-12-07 08:29"));
    assert!(live(&store, "2026-12-07 08:30"));
    assert!(live(&store, "2026-12-07 11:59"));
    assert!(!live(&store, "2026-12-07 12:00"));
    assert!(!live(&store, "2026-12-07 13:00"));
    assert!(live(&store, "2026-12-07 13:30"));
    assert!(live(&store, "2026-12-11 16:59"));
    assert!(!live(&store, "2026-12-12 09:00"));
    assert!(!live(&store, "2026-12-13 09:00"));
}

#[test]
fn validity_window_bounds() {
    let folder = Folder::new();
    folder.write("rules.md", QUEUE_RULES);
    let store = folder.store();
    // 2026-11-30 is a Monday, before valid_from; 2026-12-31 a Thursday, the
    // last valid day (a bare valid_until date includes the whole day).
    assert!(!live(&store, "2026-11-30 09:00"));
    assert!(live(&store, "2026-12-01 09:00"));
    assert!(live(&store, "2026-12-31 16:00"));
    assert!(!live(&store, "2027-01-01 09:00"));
}

#[test]
fn schedule_is_read_in_the_hall_offset_not_the_machine_zone() {
    let folder = Folder::new();
    folder.write("rules.md", QUEUE_RULES);
    let cst = folder.store();
    let utc = ContentStore::open(
        folder.path(),
        ContentConfig {
            utc_offset: UtcOffset::UTC,
            ..Default::default()
        },
    )
    .expect("open");
    // 09:00 in Beijing is 01:00 UTC: open in the hall, closed in a UTC hall.
    let t = at("2026-12-07 09:00");
    assert!(cst.index().items["rules"].is_live(t));
    assert!(!utc.index().items["rules"].is_live(t));
    assert!(utc.index().items["rules"].is_live(Timestamp(t.0 + 8 * 3600)));
}

#[test]
fn overnight_hours_and_chinese_day_names() {
    let folder = Folder::new();
    folder.write(
        "night.md",
        "+++\ntitle = \"夜间\"\nkind = \"notice\"\n[schedule]\ndays = [\"星期六\", \"周日\"]\nhours = [\"22:00-06:00\"]\n+++\n",
    );
    let store = folder.store();
    let it = &store.index().items["night"];
    assert_eq!(it.schedule.days, vec![6, 7]);
    assert!(it.is_live(at("2026-12-12 23:00")));
    assert!(it.is_live(at("2026-12-13 05:59")));
    assert!(!it.is_live(at("2026-12-13 06:00")));
    assert!(!it.is_live(at("2026-12-14 23:00")));
}

#[test]
fn priority_orders_what_is_live() {
    let folder = Folder::new();
    folder.write(
        "low.md",
        "+++\ntitle = \"低\"\nkind = \"news\"\npriority = -1\n+++\n",
    );
    folder.write(
        "high.md",
        "+++\ntitle = \"高\"\nkind = \"news\"\npriority = 9\n+++\n",
    );
    folder.write("mid.md", "+++\ntitle = \"中\"\nkind = \"news\"\n+++\n");
    folder.write(
        "other.md",
        "+++\ntitle = \"别的屏\"\nkind = \"news\"\nscreens = [\"portrait\"]\n+++\n",
    );
    let store = folder.store();
    let ids: Vec<&str> = store
        .index()
        .live_at(at("2026-12-07 09:00"), "hall-main")
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, vec!["high", "mid", "low"]);
}

#[test]
fn next_change_points_at_the_next_edge() {
    let folder = Folder::new();
    folder.write(
        "a.md",
        "+++\ntitle = \"a\"\nkind = \"news\"\nvalid_from = \"2026-12-07 09:00\"\n+++\n",
    );
    let store = folder.store();
    let now = Timestamp(at("2026-12-07 09:00").0 - 20);
    assert_eq!(
        store.index().next_change_within(now),
        Duration::from_secs(20)
    );
}

#[test]
fn rfc3339_and_local_forms_agree() {
    let t = at("2026-12-05 07:00");
    let json = serde_json::to_string(&t).expect("json");
    assert_eq!(json, "\"2026-12-04T23:00:00Z\"");
    let back: Timestamp = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, t);
    let local = t.local(UtcOffset::CHINA);
    assert_eq!(
        (
            local.year,
            local.month,
            local.day,
            local.weekday,
            local.minute_of_day
        ),
        (2026, 12, 5, 6, 7 * 60)
    );
}
