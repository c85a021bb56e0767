//! The `screens` capability: a plugin's items reach the index the player
//! reads (`/api/content/index`) beside the content folder's, with the
//! plugin's prefix and their validity, and a `content.changed` event tells
//! the players at once. Hostile use is refused with an error naming the
//! plugin (a zone no layout has, a huge title, a text-direction override,
//! too many items), and a call that traps publishes nothing.

use linli_tests::{copy_dir};
use linli_tests::{TestServer, fixtures, wait_for};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;


/// The host with the greedy plugin (it has `screens`) and a copy of the
/// shipped content folder (its layouts have `carousel` and `ticker`).
fn start() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"), &content);
    (TestServer::start_full(&[fixtures::GREEDY], "", Some(content)), dir)
}

fn call(s: &TestServer, path: &str) -> Value {
    let (code, v) = s.get_json(path);
    assert_eq!(code, 200, "{path}: {v}");
    v
}

/// The error of the first publish of a `/greedy/screen` answer.
fn publish_err(v: &Value) -> String {
    v["publish"][0]["err"].as_str().unwrap_or_else(|| panic!("expected an error: {v}")).to_owned()
}

fn index(s: &TestServer) -> Value {
    let (code, v) = s.get_json("/api/content/index");
    assert_eq!(code, 200, "{v}");
    v
}

fn plugin_items(s: &TestServer) -> Vec<String> {
    index(s)["items"].as_object().unwrap().keys().filter(|k| k.starts_with("plugin/")).cloned().collect()
}

fn content_changed_from_greedy(s: &TestServer) -> usize {
    s.host.bus().since(0, 100_000).unwrap().iter().filter(|e| e.topic == "content.changed" && e.payload.contains("plugin/greedy")).count()
}

#[test]
fn a_published_item_reaches_the_players_index_with_its_validity() {
    let (s, _dir) = start();
    let before = index(&s);
    let rev0 = before["revision"].as_u64().unwrap();
    let folder_items = before["items"].as_object().unwrap().len();

    let v = call(&s, "/greedy/screen?id=job-17&zone=carousel&kind=notice&title=%E7%A4%BE%E5%8C%BA%E6%8B%9B%E8%81%98&body=%E4%BF%9D%E6%B4%81%E5%91%98&from=1782864000000&until=1785542400000&priority=5&sql=1");
    assert_eq!(v["publish"][0]["ok"], true, "{v}");

    let after = index(&s);
    let item = &after["items"]["plugin/greedy/job-17"];
    assert_eq!(item["title"], "社区招聘", "{after}");
    assert_eq!(item["body"], "保洁员");
    assert_eq!(item["kind"], "notice");
    assert_eq!(item["zones"], serde_json::json!(["carousel"]));
    assert_eq!(item["priority"], 5);
    assert_eq!(item["valid_from"], "2026-07-01T00:00:00Z");
    assert_eq!(item["valid_until"], "2026-08-01T00:00:00Z");
    assert_eq!(after["items"].as_object().unwrap().len(), folder_items + 1, "the folder's items are all still there");
    assert!(after["revision"].as_u64().unwrap() > rev0, "the revision goes up, so a player refetches");
    assert_eq!(content_changed_from_greedy(&s), 1, "one content.changed for the players");
    // Editors see it on the screen-content page too, by its id.
    let editor = linli_tests::sign_in(&s, "editor1", &["editor"]);
    let (code, page) = linli_tests::http(ureq::get(&format!("{}/admin/host/content", s.url)).set("Cookie", &editor.cookie));
    assert_eq!(code, 200);
    assert!(page.contains("plugin/greedy/job-17") && page.contains("社区招聘"), "{page}");

    // Replacing keeps one item; withdrawing takes it off.
    call(&s, "/greedy/screen?id=job-17&zone=ticker&kind=ticker&title=%E6%8B%9B%E8%81%98");
    assert_eq!(plugin_items(&s), vec!["plugin/greedy/job-17".to_owned()]);
    assert_eq!(index(&s)["items"]["plugin/greedy/job-17"]["zones"], serde_json::json!(["ticker"]));
    let v = call(&s, "/greedy/screen-withdraw?id=job-17");
    assert_eq!(v["withdraw"]["ok"], true, "{v}");
    assert!(plugin_items(&s).is_empty());
    let v = call(&s, "/greedy/screen-withdraw?id=job-17");
    assert_eq!(v["withdraw"]["ok"], false, "nothing left to withdraw: {v}");
    assert_eq!(content_changed_from_greedy(&s), 3);
}

#[test]
fn a_zone_no_layout_has_is_refused_naming_the_plugin_and_the_zones() {
    let (s, _dir) = start();
    let err = publish_err(&call(&s, "/greedy/screen?id=a&zone=sidebar"));
    assert!(err.contains("greedy") && err.contains("sidebar") && err.contains("carousel") && err.contains("ticker"), "{err}");
    // A zone the layouts have that shows no items (the clock).
    let err = publish_err(&call(&s, "/greedy/screen?id=a&zone=clock"));
    assert!(err.contains("greedy") && err.contains("clock") && err.contains("carousel"), "{err}");
    // A kind that takes the screens over is the editors' alone.
    let err = publish_err(&call(&s, "/greedy/screen?id=a&kind=alert"));
    assert!(err.contains("greedy") && err.contains("alert"), "{err}");
    assert!(plugin_items(&s).is_empty(), "nothing published");
    assert_eq!(content_changed_from_greedy(&s), 0);
}

#[test]
fn huge_or_direction_overriding_text_and_too_many_items_are_refused() {
    let (s, _dir) = start();
    let err = publish_err(&call(&s, "/greedy/screen?id=long&title_len=100000"));
    assert!(err.contains("greedy") && err.contains("title") && err.contains("100000"), "{err}");
    // U+202E (RIGHT-TO-LEFT OVERRIDE) would make the title read backwards.
    let err = publish_err(&call(&s, "/greedy/screen?id=bidi&title=%E6%8B%9B%E2%80%AE%E8%81%98"));
    assert!(err.contains("greedy") && err.contains("title") && err.contains("U+202E"), "{err}");
    let err = publish_err(&call(&s, "/greedy/screen?id=ctl&body=a%1B%5B31mb"));
    assert!(err.contains("greedy") && err.contains("body"), "{err}");
    assert!(plugin_items(&s).is_empty());

    // 250 in one call: the first 200 are kept, the rest refused by name.
    let v = call(&s, "/greedy/screen?id=many&n=250");
    let results = v["publish"].as_array().unwrap();
    assert!(results[..200].iter().all(|r| r["ok"] == true), "{}", results[199]);
    let err = results[200]["err"].as_str().unwrap_or_else(|| panic!("{}", results[200]));
    assert!(err.contains("greedy") && err.contains("200"), "{err}");
    assert_eq!(plugin_items(&s).len(), 200);
    // Replacing one of them is still allowed at the limit.
    let v = call(&s, "/greedy/screen?id=many-3&title=%E6%96%B0");
    assert_eq!(v["publish"][0]["ok"], true, "{v}");
    assert_eq!(index(&s)["items"]["plugin/greedy/many-3"]["title"], "新");
}

#[test]
fn a_call_that_traps_after_publishing_publishes_nothing() {
    let (s, _dir) = start();
    let (code, _) = s.get_json("/greedy/screen?id=ghost&trap=1");
    assert_eq!(code, 500);
    let (code, _) = s.get_json("/greedy/screen?id=ghost2&trap=1&sql=1");
    assert_eq!(code, 500);
    assert!(plugin_items(&s).is_empty(), "{:?}", plugin_items(&s));
    assert_eq!(content_changed_from_greedy(&s), 0);
    let v = call(&s, "/greedy/screen-list");
    assert_eq!(v["list"]["ok"], serde_json::json!([]), "{v}");
}

#[test]
fn disabling_the_plugin_takes_its_items_off_and_enabling_brings_them_back() {
    let (s, _dir) = start();
    call(&s, "/greedy/screen?id=parcel&kind=news&title=%E5%BF%AB%E9%80%92");
    assert_eq!(plugin_items(&s), vec!["plugin/greedy/parcel".to_owned()]);
    let rev = index(&s)["revision"].as_u64().unwrap();
    s.host.set_enabled("greedy", false, "test").unwrap();
    assert!(plugin_items(&s).is_empty(), "a disabled plugin's items leave the screens");
    assert!(index(&s)["revision"].as_u64().unwrap() > rev);
    s.host.set_enabled("greedy", true, "test").unwrap();
    let back = wait_for(Duration::from_secs(2), || (plugin_items(&s).len() == 1).then_some(()));
    assert!(back.is_some(), "kept while disabled, shown again when enabled");
}

/// The plugin author's harness lists what a plugin published, and its
/// layouts can be narrowed to the hall's own.
#[test]
fn the_harness_lists_published_items_and_follows_the_zones_it_is_given() {
    use linli_host::auth::Caller;
    let h = linli_host::testing::PluginHarness::load(fixtures::GREEDY).unwrap();
    let anyone = Caller::anonymous("zh-CN");
    let r = h.request("GET", "/greedy/screen?id=act&kind=news&title=%E6%B4%BB%E5%8A%A8&priority=2", b"", &anyone);
    assert_eq!(r.json()["publish"][0]["ok"], true, "{}", r.text());
    let items = h.screen_items();
    assert_eq!(items.len(), 1);
    assert_eq!((items[0].id.as_str(), items[0].title.as_str(), items[0].priority), ("plugin/greedy/act", "活动", 2));
    h.set_screen_zones(&["carousel"]);
    let r = h.request("GET", "/greedy/screen?id=line&zone=ticker&kind=ticker", b"", &anyone);
    let err = r.json()["publish"][0]["err"].as_str().unwrap_or_default().to_owned();
    assert!(err.contains("greedy") && err.contains("ticker") && err.contains("carousel"), "{}", r.text());
    assert_eq!(h.screen_items().len(), 1);
}

/// What the signage player draws from the served index (its own decoder
/// and its own choice of live items): the plugin's ticker line and carousel
/// item show while valid and are gone after, with no word of the plugin.
#[test]
fn the_player_shows_plugin_items_in_their_zones_while_valid() {
    let (s, _dir) = start();
    // 2026-07-01 .. 2026-08-01 UTC.
    let valid = "from=1782864000000&until=1785542400000";
    call(&s, &format!("/greedy/screen?id=parcel&zone=ticker&kind=ticker&title=%E5%BF%AB%E9%80%92%E5%B7%B2%E5%88%B0&{valid}"));
    call(&s, &format!("/greedy/screen?id=job&zone=carousel&kind=news&title=%E7%A4%BE%E5%8C%BA%E6%8B%9B%E8%81%98&body=%E4%BF%9D%E6%B4%81%E5%91%98&priority=9&{valid}"));
    // Decoded into the player's own types (inferred from screen_content).
    let index = serde_json::from_value(index(&s)).expect("the player decodes the index");
    let (july, september) = (serde_json::from_value(Value::from("2026-07-15T02:00:00Z")).unwrap(), serde_json::from_value(Value::from("2026-09-01T02:00:00Z")).unwrap());
    let july = linli_signage::content::screen_content(&index, july, "hall-main", None);
    assert!(july.ticker.iter().any(|l| l == "快递已到"), "{:?}", july.ticker);
    let first = july.carousel.first().expect("carousel items");
    assert_eq!((first.title.as_str(), first.body.as_str()), ("社区招聘", "保洁员"), "priority 9 shows first");
    let september = linli_signage::content::screen_content(&index, september, "hall-main", None);
    assert!(!september.ticker.iter().any(|l| l == "快递已到"), "{:?}", september.ticker);
    assert!(!september.carousel.iter().any(|c| c.title == "社区招聘"));
}
