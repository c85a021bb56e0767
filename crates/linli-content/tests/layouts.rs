//! Screen layouts: the shipped ones load, bad ones are named by line and field.

use linli_content::{Color, ErrorCode, Orientation, ZoneKind};

use crate::common::{Folder, shipped_content};

#[test]
fn shipped_layouts_have_every_zone() {
    let store =
        linli_content::ContentStore::open(shipped_content(), Default::default()).expect("open");
    let index = store.index();
    for (id, orientation) in [
        ("landscape", Orientation::Landscape),
        ("portrait", Orientation::Portrait),
    ] {
        let layout = index.layout(id).expect(id);
        assert_eq!(layout.orientation, orientation);
        // Every zone but the window display's own, which is for the small
        // screen above a window.
        for kind in ZoneKind::ALL.into_iter().filter(|k| *k != ZoneKind::Window) {
            assert!(layout.zone(kind).is_some(), "{id} has no {kind:?} zone");
        }
        let qr = layout.zone(ZoneKind::Qr).expect("qr");
        assert_eq!(qr.options["url"], "/resident");
    }
    let window = index.layout("window").expect("window display layout");
    let zone = window.zone(ZoneKind::Window).expect("window zone");
    assert_eq!(zone.options["show_clerk"], true);
    assert_eq!(ZoneKind::parse("窗口"), Some(ZoneKind::Window));
}

#[test]
fn fractions_scale_to_1080p_and_4k() {
    let store =
        linli_content::ContentStore::open(shipped_content(), Default::default()).expect("open");
    let ticker = store
        .index()
        .layout("landscape")
        .and_then(|l| l.zone(ZoneKind::Ticker))
        .expect("ticker")
        .clone();
    let hd = ticker.rect(1920, 1080);
    let uhd = ticker.rect(3840, 2160);
    assert_eq!((hd.x, hd.y, hd.w, hd.h), (0, 994, 1920, 86));
    assert_eq!((uhd.w, uhd.h), (hd.w * 2, 173));
    assert!((ticker.font_px(2160) - 2.0 * ticker.font_px(1080)).abs() < 0.01);
    assert_eq!(ticker.background, Color::parse("#c62828"));
}

#[test]
fn bad_layout_names_line_and_field() {
    let folder = Folder::new();
    folder.write(
        "screens/wall.toml",
        "name = \"墙\"\norientation = \"sideways\"\nbackground = \"navy\"\n\n[[zones]]\nkind = \"calls\"\nx = 0.5\ny = 0.0\nw = 0.6\nh = 1.0\n\n[[zones]]\nkind = \"clocks\"\nx = 0\ny = 0\nw = 1\nh = 1.5\nfont_sise = 0.1\n",
    );
    let store = folder.store();
    assert!(store.index().layouts.is_empty());
    let errs = &store.index().errors["screens/wall.toml"];
    let found: Vec<(Option<u32>, &str, ErrorCode)> = errs
        .iter()
        .map(|e| (e.line, e.field.as_deref().unwrap_or(""), e.code))
        .collect();
    for expected in [
        (Some(2), "orientation", ErrorCode::InvalidValue),
        (Some(3), "background", ErrorCode::InvalidValue),
        (Some(9), "zones[1].w", ErrorCode::InvalidValue),
        (Some(13), "zones[2].kind", ErrorCode::InvalidValue),
        (Some(17), "zones[2].h", ErrorCode::InvalidValue),
        (Some(18), "zones[2].font_sise", ErrorCode::UnknownField),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    let clocks = errs
        .iter()
        .find(|e| e.field.as_deref() == Some("zones[2].kind"))
        .expect("kind error");
    assert!(
        clocks
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("`clock`")),
        "{clocks}"
    );
}

#[test]
fn broken_layout_keeps_last_good_version() {
    let folder = Folder::new();
    folder.write(
        "screens/s.toml",
        "[[zones]]\nkind = \"clock\"\nx = 0\ny = 0\nw = 1\nh = 1\n",
    );
    let mut store = folder.store();
    assert_eq!(store.index().layouts["s"].zones.len(), 1);
    folder.write(
        "screens/s.toml",
        "[[zones]]\nkind = \"clock\"\nx = 0\ny = 0\nw = 1\nh = \n",
    );
    store.reload_file("screens/s.toml");
    assert!(store.index().layouts["s"].stale);
    assert_eq!(store.index().errors["screens/s.toml"][0].line, Some(6));
}
