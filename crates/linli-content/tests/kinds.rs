//! Each kind of item parses into the fields the screens need.

use linli_content::{ImageFormat, Kind, ZoneKind};

use crate::common::{Folder, JPEG, PNG, at, item, shipped_content};

#[test]
fn every_simple_kind_parses_with_defaults() {
    let folder = Folder::new();
    for kind in ["news", "policy", "procedure", "notice"] {
        folder.write(
            &format!("{kind}/one.md"),
            item(kind, &format!("{kind} 标题")),
        );
    }
    let store = folder.store();
    let index = store.index();
    assert_eq!(index.error_count(), 0, "{:?}", index.errors);
    for kind in [Kind::News, Kind::Policy, Kind::Procedure, Kind::Notice] {
        let id = format!("{}/one", kind.name());
        let it = &index.items[&id];
        assert_eq!(it.kind, kind);
        assert_eq!(it.path, format!("{id}.md"));
        assert_eq!(it.lang, "zh-CN");
        assert_eq!(it.zones, vec![ZoneKind::Carousel]);
        assert_eq!(it.duration, kind.default_duration());
        assert_eq!(it.body, "正文 body");
        assert!(!it.stale);
    }
}

#[test]
fn chinese_kind_names_are_accepted() {
    let folder = Folder::new();
    folder.write("a.md", item("新闻", "社区新闻"));
    folder.write("b.md", item("办事流程", "流程"));
    let store = folder.store();
    assert_eq!(store.index().items["a"].kind, Kind::News);
    assert_eq!(store.index().items["b"].kind, Kind::Procedure);
}

#[test]
fn all_fields_of_a_procedure() {
    let folder = Folder::new();
    folder.write(
        "procedures/a.md",
        "+++\ntitle = \"A 民政事务\"\nkind = \"procedure\"\nlang = \"zh-CN\"\nservice = \"A\"\nguide = \"/services/A/guide\"\n\
         valid_from = 2026-12-01T08:00:00+08:00\nvalid_until = \"2026-12-31\"\npriority = 7\nscreens = [\"hall-main\"]\n\
         zones = [\"carousel\", \"叫号\"]\nduration = \"1m\"\n\n[schedule]\ndays = [\"周一-周五\", 6]\nhours = [\"08:30-12:00\"]\n+++\n# 步骤\n1. 取号\n",
    );
    let store = folder.store();
    let index = store.index();
    assert_eq!(index.error_count(), 0, "{:?}", index.errors);
    let it = &index.items["procedures/a"];
    assert_eq!(it.service.as_deref(), Some("A"));
    assert_eq!(it.guide.as_deref(), Some("/services/A/guide"));
    assert_eq!(it.valid_from, Some(at("2026-12-01 08:00")));
    assert_eq!(it.valid_until, Some(at("2027-01-01 00:00")));
    assert_eq!(it.priority, 7);
    assert_eq!(it.screens, vec!["hall-main".to_string()]);
    assert_eq!(it.zones, vec![ZoneKind::Carousel, ZoneKind::Calls]);
    assert_eq!(it.duration, 60);
    assert_eq!(it.schedule.days, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(it.schedule.hours[0].to_string(), "08:30-12:00");
    assert!(it.shows_on("hall-main") && !it.shows_on("portrait-1"));
}

#[test]
fn ticker_lines_come_from_body_or_lines() {
    let folder = Folder::new();
    folder.write(
        "t1.md",
        "+++\ntitle = \"提示\"\nkind = \"ticker\"\n+++\n第一条\n\n- 第二条\n",
    );
    folder.write(
        "t2.md",
        "+++\ntitle = \"提示2\"\nkind = \"ticker\"\nlines = [\"甲\", \"乙\"]\n+++\n",
    );
    let store = folder.store();
    let index = store.index();
    assert_eq!(index.items["t1"].lines, vec!["第一条", "第二条"]);
    assert_eq!(index.items["t1"].zones, vec![ZoneKind::Ticker]);
    assert_eq!(index.items["t2"].lines, vec!["甲", "乙"]);
    let lines = index.ticker_lines(at("2026-12-01 09:00"), "any");
    assert_eq!(lines, vec!["第一条", "第二条", "甲", "乙"]);
}

#[test]
fn images_are_checked_by_magic_bytes() {
    let folder = Folder::new();
    folder.write("images/a.png", PNG);
    folder.write("images/b.jpg", JPEG);
    folder.write("p.md", "+++\ntitle = \"图\"\nkind = \"image\"\nimage = \"images/a.png\"\ncaption = \"大厅\"\n+++\n");
    folder.write("j.md", "+++\ntitle = \"图\"\nkind = \"image\"\nimage = \"images/b.jpg\"\ncaption = \"大厅\"\n+++\n");
    let store = folder.store();
    let index = store.index();
    assert_eq!(index.error_count(), 0, "{:?}", index.errors);
    let png = index.items["p"].image.as_ref().expect("image");
    assert_eq!(
        (png.path.as_str(), png.format),
        ("images/a.png", ImageFormat::Png)
    );
    assert_eq!(
        index.items["j"].image.as_ref().map(|i| i.format),
        Some(ImageFormat::Jpeg)
    );
    assert_eq!(index.items["p"].caption.as_deref(), Some("大厅"));
}

#[test]
fn alerts_take_over_until_they_expire() {
    let folder = Folder::new();
    folder.write(
        "alert.md",
        "+++\ntitle = \"停水\"\nkind = \"alert\"\nvalid_from = \"2026-12-05 07:00\"\nvalid_until = \"2026-12-05 18:00\"\n+++\n停水通知\n",
    );
    folder.write("news.md", item("news", "新闻"));
    let store = folder.store();
    let index = store.index();
    let alert = &index.items["alert"];
    assert_eq!(alert.zones, vec![ZoneKind::Alert]);
    assert_eq!(index.alert_at(at("2026-12-05 06:59"), "s"), None);
    assert_eq!(
        index
            .alert_at(at("2026-12-05 07:00"), "s")
            .map(|i| i.id.as_str()),
        Some("alert")
    );
    assert_eq!(
        index
            .alert_at(at("2026-12-05 17:59"), "s")
            .map(|i| i.id.as_str()),
        Some("alert")
    );
    assert_eq!(index.alert_at(at("2026-12-05 18:00"), "s"), None);
}

#[test]
fn shipped_content_has_every_kind_and_the_four_services() {
    let store =
        linli_content::ContentStore::open(shipped_content(), Default::default()).expect("open");
    let index = store.index();
    for kind in Kind::ALL {
        assert!(
            index.items.values().any(|i| i.kind == kind),
            "no {kind:?} item shipped"
        );
    }
    let services: Vec<&str> = index
        .items
        .values()
        .filter_map(|i| i.service.as_deref())
        .collect();
    assert_eq!(services, vec!["A", "B", "C", "D"]);
    assert!(
        index
            .items
            .values()
            .filter(|i| i.kind == Kind::Policy)
            .count()
            >= 3
    );
    assert!(index.items.values().any(|i| i.lang == "en"));
}

#[test]
fn index_round_trips_through_json() {
    let store =
        linli_content::ContentStore::open(shipped_content(), Default::default()).expect("open");
    let json = serde_json::to_string(store.index()).expect("serialise");
    let back: linli_content::Index = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(&back, store.index());
    assert!(json.contains("\"utc_offset\":\"+08:00\""), "{json}");
}
