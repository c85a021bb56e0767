//! Property tests over the parsers that take untrusted input: plugin
//! manifests, route patterns, cookies and languages from request headers,
//! and the audit log's CSV export. Each runs a bounded number of cases
//! (PROPTEST_CASES, default 256); failures found are kept as regression
//! cases in `fuzz.proptest-regressions` beside this file. The manifest tests
//! count how many cases reached each assertion and fail when too few did, so
//! a generator that stops producing (valid) manifests cannot pass unnoticed.

use axum::http::{HeaderMap, HeaderValue, header};
use linli_host::manifest::{Audience, Manifest, Page, RESERVED_PREFIXES, Route, validate_manifest};
use linli_host::manifest::Capability;

/// Every capability name a manifest may ask for.
fn known_capabilities() -> Vec<&'static str> {
    Capability::ALL.iter().map(|c| c.name()).collect()
}
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;

/// The runner of the manifest tests: PROPTEST_CASES (default 256) cases,
/// failures kept beside this file like the `proptest!` tests'.
fn runner() -> TestRunner {
    TestRunner::new(Config { source_file: Some(file!()), ..Config::default() })
}

/// A route pattern the host accepts: literal segments and whole-segment
/// parameters, never under a prefix the host keeps for itself.
fn arb_valid_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![3 => "[a-z0-9_-]{1,8}", 1 => "[a-z]{1,6}".prop_map(|p| format!("{{{p}}}"))];
    (proptest::collection::vec(segment, 1..5), proptest::option::of("[a-z]{1,6}"))
        .prop_map(|(segments, rest)| {
            // Parameter names must differ within one pattern: number them.
            let mut out = String::new();
            for (i, s) in segments.iter().enumerate() {
                out.push('/');
                match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => out.push_str(&format!("{{{name}{i}}}")),
                    None => out.push_str(s),
                }
            }
            if let Some(rest) = rest {
                out.push_str(&format!("/{{*{rest}}}"));
            }
            out
        })
        .prop_filter("reserved for the host", |p| !RESERVED_PREFIXES.iter().any(|r| p.starts_with(r) || p == r.trim_end_matches('/')))
}

fn arb_audience() -> impl Strategy<Value = Audience> {
    prop_oneof![Just(Audience::Public), Just(Audience::Staff)]
}

/// A manifest that is valid by construction: every field drawn from what
/// the host accepts.
fn arb_valid_manifest() -> impl Strategy<Value = Manifest> {
    let method = proptest::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE"]);
    let routes = proptest::collection::vec((method, arb_valid_path(), arb_audience()), 0..6).prop_map(|rs| {
        let mut seen = std::collections::BTreeSet::new();
        rs.into_iter()
            .filter(|(m, p, _)| seen.insert((m.to_string(), p.clone())))
            .map(|(m, p, audience)| Route { method: m.into(), path: p, audience, roles: vec![], callable: false })
            .collect::<Vec<_>>()
    });
    (
        "[a-z][a-z0-9-]{0,39}",
        (0u64..100, 0u64..100, 0u64..1000, proptest::option::of("(alpha|beta|rc)(\\.[0-9])?")),
        proptest::sample::subsequence(known_capabilities(), 0..=Capability::ALL.len()),
        routes,
        proptest::collection::vec("[a-z]{1,8}(\\.[a-z*]{1,8}){0,2}", 0..3),
        prop_oneof![Just(String::new()), Just(r#"{"type":"object"}"#.to_owned()), "[a-z]{0,8}".prop_map(|s| format!("{{\"title\":\"{s}\"}}"))],
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(id, (major, minor, patch, pre), caps, routes, subscriptions, config_schema, page)| {
            let version = match pre {
                Some(pre) => format!("{major}.{minor}.{patch}-{pre}"),
                None => format!("{major}.{minor}.{patch}"),
            };
            // A page is a GET route of the plugin's own, when it has one.
            let gets: Vec<&Route> = routes.iter().filter(|r| r.method == "GET").collect();
            let pages = if gets.is_empty() {
                vec![]
            } else {
                let r = page.get(&gets);
                vec![Page { path: r.path.clone(), title_zh: "页面".into(), title_en: "Page".into(), audience: r.audience.clone(), roles: vec![] }]
            };
            Manifest {
                id,
                name_zh: "测试插件".into(),
                name_en: "Test plugin".into(),
                version,
                capabilities: caps.into_iter().map(str::to_owned).collect(),
                routes,
                pages,
                subscriptions,
                config_schema,
                ..Default::default()
            }
        })
}

/// The ways a manifest can be wrong, each with the field its error names.
const BREAKS: &[(&str, &str)] = &[
    ("id with a capital", "id `"),
    ("id starting with a digit", "id `"),
    ("id of 41 characters", "id `"),
    ("no English name", "name-en"),
    ("version of two parts", "version `"),
    ("unknown capability", "capabilities"),
    ("unknown method", "routes["),
    ("path without /", "routes["),
    ("path with ..", "routes["),
    ("path with //", "routes["),
    ("reserved path", "reserved"),
    ("route declared twice", "declared twice"),
    ("page that is not a route", "pages["),
    ("subscription with a space", "subscriptions"),
    ("schema that is not JSON", "config-schema"),
];

/// `m` with break number `which` applied.
fn broken(mut m: Manifest, which: usize, pick: usize) -> Manifest {
    let route = |path: &str| Route { method: "GET".into(), path: path.into(), audience: Audience::Public, roles: vec![], callable: false };
    match which {
        0 => m.id = format!("A{}", m.id),
        1 => m.id = format!("{}{}", pick % 10, m.id),
        2 => m.id = "a".repeat(41),
        3 => m.name_en = "  ".into(),
        4 => m.version = format!("{}.{}", pick % 7, pick % 3),
        5 => m.capabilities.push("network".into()),
        6 => m.routes.push(Route { method: "TRACE".into(), ..route("/ok") }),
        7 => m.routes.push(route("no-slash")),
        8 => m.routes.push(route("/files/../etc")),
        9 => m.routes.push(route("/a//b")),
        10 => m.routes.push(route(&format!("{}x", RESERVED_PREFIXES[pick % RESERVED_PREFIXES.len()]))),
        11 => {
            let r = m.routes.first().cloned().unwrap_or_else(|| route("/twice"));
            m.routes.push(r.clone());
            if m.routes.len() == 1 {
                m.routes.push(r);
            }
        }
        12 => m.pages.push(Page { path: "/not-a-route-of-this-plugin".into(), title_zh: "页".into(), title_en: "Page".into(), audience: Audience::Public, roles: vec![] }),
        13 => m.subscriptions.push("queue. called".into()),
        14 => m.config_schema = "{not json".into(),
        _ => unreachable!("{which} is past BREAKS"),
    }
    m
}

#[test]
fn manifests_built_valid_are_accepted_and_keep_their_invariants() {
    let (accepted, routes_checked, pages_checked) = (Cell::new(0u32), Cell::new(0u32), Cell::new(0u32));
    runner()
        .run(&arb_valid_manifest(), |m| {
            prop_assert_eq!(validate_manifest(&m), Ok(()), "a valid manifest was refused: {:?}", m);
            accepted.set(accepted.get() + 1);
            for r in &m.routes {
                prop_assert!(r.path.starts_with('/') && !r.path.contains(".."));
                prop_assert!(!RESERVED_PREFIXES.iter().any(|p| r.path.starts_with(p)));
                routes_checked.set(routes_checked.get() + 1);
            }
            for p in &m.pages {
                prop_assert!(m.routes.iter().any(|r| r.method == "GET" && r.path == p.path));
                pages_checked.set(pages_checked.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let cases = runner().config().cases;
    eprintln!("valid manifests: {} accepted, {} routes and {} pages checked", accepted.get(), routes_checked.get(), pages_checked.get());
    // Every case reached the assertions; routes (2.5 a manifest on average)
    // and pages were checked in many.
    // (More than `cases` when failures kept from earlier runs are replayed.)
    assert!(accepted.get() >= cases, "accepted {} of {cases}", accepted.get());
    assert!(routes_checked.get() >= cases, "routes checked: {}", routes_checked.get());
    // About 2 in 5 manifests have a GET route and so a page; a fifth is far
    // below that, so this never flakes and still fails if pages stop coming.
    assert!(pages_checked.get() >= cases / 5, "pages checked: {}", pages_checked.get());
}

#[test]
fn manifests_broken_one_way_are_refused_naming_the_field() {
    let refused: Vec<Cell<u32>> = BREAKS.iter().map(|_| Cell::new(0)).collect();
    let strategy = (arb_valid_manifest(), 0..BREAKS.len(), any::<usize>());
    runner()
        .run(&strategy, |(m, which, pick)| {
            let m = broken(m, which, pick);
            let (what, field) = BREAKS[which];
            match validate_manifest(&m) {
                Ok(()) => prop_assert!(false, "{what}: accepted {:?}", m),
                Err(e) => prop_assert!(e.contains(field), "{what}: the error names `{field}`: {e}"),
            }
            refused[which].set(refused[which].get() + 1);
            Ok(())
        })
        .unwrap();
    let cases = runner().config().cases;
    let counts: Vec<(&str, u32)> = BREAKS.iter().zip(&refused).map(|((what, _), n)| (*what, n.get())).collect();
    eprintln!("refused, by kind of break: {counts:?}");
    assert!(counts.iter().map(|(_, n)| n).sum::<u32>() >= cases, "every case reached the assertion");
    for (what, n) in counts {
        assert!(n >= cases / (BREAKS.len() as u32 * 4), "{what}: only {n} of {cases} cases");
    }
}

/// Arbitrary text in every field: the validator never panics, and what it
/// accepts keeps the invariants. Mixed with valid manifests so that both
/// branches are taken often (and counted).
fn arb_route() -> impl Strategy<Value = Route> {
    (prop_oneof!["GET", "POST", "PUT", "DELETE", ".*"], prop_oneof![".{0,40}", arb_valid_path()], arb_audience()).prop_map(|(method, path, audience)| Route {
        method,
        path,
        audience,
        roles: vec![],
        callable: false,
    })
}

#[test]
fn manifests_of_any_text_never_panic_and_accepted_ones_are_safe() {
    let arbitrary = (
        prop_oneof![".{0,45}", "[a-z][a-z0-9-]{0,39}"],
        prop_oneof![".{0,12}", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"],
        proptest::collection::vec(prop_oneof![".{0,10}", proptest::sample::select(known_capabilities()).prop_map(str::to_owned)], 0..4),
        proptest::collection::vec(arb_route(), 0..4),
        prop_oneof![".{0,20}", Just(String::new())],
    )
        .prop_map(|(id, version, capabilities, routes, config_schema)| Manifest {
            id,
            name_zh: "名".into(),
            name_en: "n".into(),
            version,
            capabilities,
            routes,
            config_schema,
            ..Default::default()
        });
    let (accepted, refused) = (Cell::new(0u32), Cell::new(0u32));
    runner()
        .run(&prop_oneof![arbitrary, arb_valid_manifest()], |m| {
            if validate_manifest(&m).is_ok() {
                for r in &m.routes {
                    prop_assert!(r.path.starts_with('/'));
                    prop_assert!(!r.path.contains(".."));
                    prop_assert!(!r.path.starts_with("/static/") && !r.path.starts_with("/api/host/"));
                }
                prop_assert!(m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                accepted.set(accepted.get() + 1);
            } else {
                refused.set(refused.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let cases = runner().config().cases;
    eprintln!("arbitrary manifests: {} accepted, {} refused", accepted.get(), refused.get());
    assert!(accepted.get() >= cases / 4, "the accepted branch was reached {} times of {cases}", accepted.get());
    assert!(refused.get() >= cases / 4, "the refused branch was reached {} times of {cases}", refused.get());
}

proptest! {
    #[test]
    fn headers_never_panic(cookie in ".{0,80}", lang in ".{0,30}", query in ".{0,40}") {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.insert(header::COOKIE, v);
        }
        if let Ok(v) = HeaderValue::from_str(&lang) {
            h.insert(header::ACCEPT_LANGUAGE, v);
        }
        let l = linli_host::http::request_lang(&h, Some(&query));
        prop_assert!(l == "zh-CN" || l == "en");
        let _ = linli_host::http::cookie(&h, "linli_session");
    }

    #[test]
    fn audit_csv_keeps_one_row_per_entry(detail in ".{0,60}", name in ".{0,20}") {
        let e = linli_host::audit::Entry {
            id: 1, time: 0, actor_kind: "staff".into(), actor_id: Some("1".into()), actor_name: Some(name),
            action: "x".into(), target: None, detail: Some(detail),
        };
        let csv = linli_host::audit::to_csv(&[e], 480);
        // Quoted fields may hold line breaks; outside quotes there are exactly two rows.
        let mut in_quotes = false;
        let mut rows = 0;
        for c in csv.chars() {
            match c {
                '"' => in_quotes = !in_quotes,
                '\n' if !in_quotes => rows += 1,
                _ => {}
            }
        }
        prop_assert_eq!(rows, 2);
        prop_assert!(!in_quotes);
    }
}
