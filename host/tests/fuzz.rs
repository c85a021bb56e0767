//! Property tests over the parsers that take untrusted input: plugin
//! manifests, route patterns, cookies and languages from request headers,
//! and the audit log's CSV export. Each runs a bounded number of cases
//! (PROPTEST_CASES, default 256); failures found are kept as regression
//! cases in `proptest-regressions/`.

use axum::http::{HeaderMap, HeaderValue, header};
use linli_host::manifest::{Audience, Manifest, Route, validate_manifest};
use proptest::prelude::*;

fn arb_route() -> impl Strategy<Value = Route> {
    (prop_oneof!["GET", "POST", "PUT", "DELETE", ".*"], ".{0,40}", prop_oneof![Just(Audience::Public), Just(Audience::Staff)]).prop_map(|(method, path, audience)| Route {
        method,
        path,
        audience,
        roles: vec![],
    })
}

proptest! {
    #[test]
    fn manifests_never_panic_and_accepted_paths_are_safe(
        id in ".{0,45}",
        version in ".{0,12}",
        caps in proptest::collection::vec(".{0,10}", 0..4),
        routes in proptest::collection::vec(arb_route(), 0..6),
        schema in ".{0,20}",
    ) {
        let m = Manifest { id, name_zh: "名".into(), name_en: "n".into(), version, capabilities: caps, routes, config_schema: schema, ..Default::default() };
        if validate_manifest(&m).is_ok() {
            for r in &m.routes {
                prop_assert!(r.path.starts_with('/'));
                prop_assert!(!r.path.contains(".."));
                prop_assert!(!r.path.starts_with("/static/") && !r.path.starts_with("/api/host/"));
            }
            prop_assert!(m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        }
    }

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
