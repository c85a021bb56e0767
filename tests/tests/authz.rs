//! The authorisation matrix: every route of every shipped plugin and of the
//! host, against every staff role, every device kind and an anonymous
//! caller, over real HTTP. The expectation is written out here, apart from
//! the host's code. A new route fails `routes_are_reviewed` until its
//! audience is reviewed and recorded in `tests/authz/routes.txt`.

use linli_host::manifest::Audience;
use linli_tests::{Staff, TestServer, fixtures, sign_in};

const ROLES: &[&str] = &["admin", "supervisor", "clerk", "guide", "editor", "maintainer", "volunteer", "district"];
const DEVICES: &[&str] = &["kiosk", "screen", "evaluator"];

enum Who {
    Anonymous,
    Device(&'static str, String),
    Staff(&'static str, Staff),
}

impl Who {
    fn label(&self) -> String {
        match self {
            Who::Anonymous => "anonymous".into(),
            Who::Device(k, _) => format!("device:{k}"),
            Who::Staff(r, _) => format!("staff:{r}"),
        }
    }
}

/// Who may use a route, by the rules in the README.
fn expected(aud: Audience, roles: &[String], who: &Who) -> bool {
    match (aud, who) {
        (Audience::Public, _) => true,
        // A hall's admin may do everything in the hall, but not look at
        // every hall of the district (the district role's pages).
        (_, Who::Staff("admin", _)) => !roles.iter().any(|r| r == "district"),
        (Audience::Kiosk, Who::Device("kiosk", _)) => true,
        (Audience::Screen, Who::Device("screen", _)) => true,
        (Audience::Evaluator, Who::Device("evaluator", _)) => true,
        (Audience::Staff, Who::Staff(role, _)) => roles.is_empty() || roles.iter().any(|r| r == role),
        _ => false,
    }
}

fn all_routes(s: &TestServer) -> Vec<(String, String, Audience, Vec<String>, String)> {
    let mut out = vec![];
    for (m, p, a, r) in linli_host::http::HOST_ROUTES {
        out.push((m.to_string(), p.to_string(), *a, r.iter().map(|s| s.to_string()).collect(), "host".into()));
    }
    for p in s.host.registry.snapshot().plugins.values() {
        for r in &p.manifest.routes {
            out.push((r.method.clone(), r.path.clone(), r.audience, r.roles.clone(), p.manifest.id.clone()));
        }
    }
    out.sort_by(|a, b| (&a.4, &a.1, &a.0).cmp(&(&b.4, &b.1, &b.0)));
    out
}

fn shipped_plugins() -> Vec<&'static str> {
    vec![
        fixtures::PLUGIN_NOTICES,
        fixtures::PLUGIN_QUEUE,
        fixtures::PLUGIN_GUIDES,
        fixtures::PLUGIN_APPOINTMENTS,
        fixtures::PLUGIN_FEEDBACK,
        fixtures::PLUGIN_RATINGS,
        fixtures::PLUGIN_APPLICATIONS,
        fixtures::PLUGIN_SUPERVISION,
        fixtures::PLUGIN_JOBS,
        fixtures::PLUGIN_ACTIVITIES,
        fixtures::PLUGIN_SENIORS,
        fixtures::PLUGIN_VOLUNTEERS,
        fixtures::PLUGIN_PARCELS,
        fixtures::PLUGIN_HOUSEKEEPING,
    ]
}

/// A standard plugin added to `plugins/` but not to `shipped_plugins` would
/// have its routes neither reviewed nor tried: name it.
#[test]
fn every_standard_plugin_is_in_the_matrix() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let s = TestServer::start(&shipped_plugins());
    let mut loaded: Vec<String> = s.host.registry.snapshot().plugins.values().map(|p| p.manifest.id.clone()).collect();
    loaded.sort();
    let missing: Vec<&String> = on_disk.iter().filter(|d| !loaded.contains(d)).collect();
    assert!(missing.is_empty(), "standard plugins not in the authorisation matrix (add them to shipped_plugins in tests/tests/authz.rs): {missing:?}");
}

#[test]
fn routes_are_reviewed() {
    let s = TestServer::start(&shipped_plugins());
    let now: Vec<String> = all_routes(&s).iter().map(|(m, p, a, r, owner)| format!("{owner} {m} {p} {a:?} [{}]", r.join(","))).collect();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("authz/routes.txt");
    let recorded = std::fs::read_to_string(&file).unwrap_or_default();
    let recorded: Vec<&str> = recorded.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    let new: Vec<&String> = now.iter().filter(|l| !recorded.contains(&l.as_str())).collect();
    let gone: Vec<&&str> = recorded.iter().filter(|l| !now.iter().any(|n| n == **l)).collect();
    if std::env::var("LINLI_UPDATE_ROUTES").is_ok() {
        let text = format!("# Every route and who may use it. Review a change here before accepting it.\n{}\n", now.join("\n"));
        std::fs::write(&file, text).unwrap();
        return;
    }
    assert!(
        new.is_empty() && gone.is_empty(),
        "routes changed; review their audiences, then run with LINLI_UPDATE_ROUTES=1\nnew: {new:#?}\ngone: {gone:#?}"
    );
}

#[test]
fn every_route_against_every_caller() {
    let s = TestServer::start(&shipped_plugins());
    let mut callers = vec![Who::Anonymous];
    let admin = sign_in(&s, "admin", &["admin"]);
    for kind in DEVICES {
        let (code, body) = linli_tests::http_json(
            ureq::post(&format!("{}/api/host/devices", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
            &serde_json::json!({"name": format!("{kind} 1"), "kind": kind}),
        );
        assert_eq!(code, 201);
        callers.push(Who::Device(kind, body["token"].as_str().unwrap().to_owned()));
    }
    for role in ROLES {
        callers.push(Who::Staff(role, if *role == "admin" { sign_in(&s, "admin2", &["admin"]) } else { sign_in(&s, role, &[role]) }));
    }
    // No connection reuse: a server may close a connection after refusing a body.
    let agent = ureq::AgentBuilder::new().redirects(0).max_idle_connections(0).build();
    let mut failures = vec![];
    let mut checked = 0;
    for (method, path, aud, roles, owner) in all_routes(&s) {
        if path == "/logout" {
            continue; // would end the session the rest of the matrix uses; tested in security.rs
        }
        for who in &callers {
            let (code, body) = try_route(&agent, &s.url, &method, &path, who);
            let denied = is_denial(code, &body, &method, &path);
            let allowed = expected(aud, &roles, who);
            checked += 1;
            if allowed == denied {
                failures.push(format!("{owner} {method} {path} ({aud:?} {roles:?}) as {}: got {code}, expected {}", who.label(), if allowed { "allowed" } else { "denied" }));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 300, "{checked}");
}

/// A concrete path for a route pattern: `{name}` → 999999, `{*rest}` → a file name.
/// One request to a route as `who` (an empty JSON body for writes).
fn try_route(agent: &ureq::Agent, base: &str, method: &str, path: &str, who: &Who) -> (u16, String) {
    let url = format!("{base}{}", fill(path));
    let mut req = agent.request(method, &url).set("Accept", "application/json").timeout(std::time::Duration::from_secs(30));
    req = match who {
        Who::Anonymous => req,
        Who::Device(_, token) => req.set("Authorization", &format!("Bearer {token}")),
        Who::Staff(_, st) => req.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf),
    };
    if path == "/api/events" {
        req = req.timeout(std::time::Duration::from_millis(300));
    }
    match if method == "GET" { req.call() } else { req.send_json(serde_json::json!({})) } {
        Ok(r) => (r.status(), String::new()),
        Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap_or_default()),
        Err(_) if path == "/api/events" => (200, String::new()), // a stream: it answered, then timed out
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

/// A denial by the host: 401/403 with its message (a device token it does
/// not know: `device_revoked`), or a redirect to sign in.
fn is_denial(code: u16, body: &str, method: &str, path: &str) -> bool {
    matches!(code, 401 | 403) && (body.contains("please sign in") || body.contains("not allowed") || body.contains("only"))
        || (code == 401 && body.contains("\"device_revoked\""))
        || (code == 303 && body.is_empty() && method == "GET" && path.starts_with("/admin/"))
}

/// Issue 14: the matrix with a second hall. Staff of every role and the
/// devices of hall `south` are strangers at a host of hall `north` on the
/// same PostgreSQL: every route that is not public refuses them, as it
/// refuses an anonymous caller.
#[test]
fn another_halls_staff_and_devices_are_refused_on_every_route() {
    let Some(pg) = linli_tests::postgres() else { return };
    let north = TestServer::start_with_settings(&shipped_plugins(), &linli_tests::store_settings(&pg, "north"));
    let south = TestServer::start_with_settings(&[], &linli_tests::store_settings(&pg, "south"));
    let admin = sign_in(&south, "admin", &["admin"]);
    let mut callers = Vec::new();
    for kind in DEVICES {
        let (code, body) = linli_tests::http_json(
            ureq::post(&format!("{}/api/host/devices", south.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
            &serde_json::json!({"name": format!("{kind} 1"), "kind": kind}),
        );
        assert_eq!(code, 201, "{body}");
        callers.push(Who::Device(kind, body["token"].as_str().unwrap().to_owned()));
    }
    for role in ROLES {
        callers.push(Who::Staff(role, if *role == "admin" { sign_in(&south, "admin2", &["admin"]) } else { sign_in(&south, role, &[role]) }));
    }
    let agent = ureq::AgentBuilder::new().redirects(0).max_idle_connections(0).build();
    let (mut failures, mut checked) = (vec![], 0);
    for (method, path, aud, roles, owner) in all_routes(&north) {
        if aud == Audience::Public || path == "/logout" {
            continue;
        }
        for who in &callers {
            let (code, body) = try_route(&agent, &north.url, &method, &path, who);
            checked += 1;
            if !is_denial(code, &body, &method, &path) {
                failures.push(format!("{owner} {method} {path} ({aud:?} {roles:?}) as south's {}: got {code}", who.label()));
            }
        }
    }
    assert!(checked > 500, "the matrix tried the north hall's routes ({checked})");
    assert!(failures.is_empty(), "{} of {checked} checks let another hall in:\n{}", failures.len(), failures.join("\n"));
}

fn fill(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with("{*") {
                "none.png".to_owned()
            } else if seg.starts_with('{') {
                "999999".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Past the host's gate: a booking (whose phone it is, when, for what) is
/// shown, moved or cancelled only with its code *and* its phone; a code
/// alone, a guessed code or another phone gets the same "not found",
/// saying nothing of the booking.
#[test]
fn a_booking_is_only_for_its_holder() {
    let s = TestServer::start(&shipped_plugins());
    let post = |path: &str, body: serde_json::Value| linli_tests::http_json(ureq::post(&format!("{}{path}", s.url)), &body);
    let get = |path: &str| linli_tests::http_json(ureq::get(&format!("{}{path}", s.url)), &serde_json::Value::Null);
    let (_, items) = get("/api/appointments/items");
    let mut open = None;
    for it in items["items"].as_array().expect("items") {
        let code = it["code"].as_str().unwrap_or_default().to_owned();
        let (_, d) = get(&format!("/api/appointments/items/{code}"));
        for day in d["days"].as_array().into_iter().flatten().filter(|d| d["released"] == true) {
            if let Some(slot) = day["slots"].as_array().into_iter().flatten().find(|s| s["left"].as_i64().unwrap_or(0) > 0) {
                open = Some((code.clone(), day["day"].as_str().unwrap_or_default().to_owned(), slot["start"].as_str().unwrap_or_default().to_owned()));
                break;
            }
        }
        if open.is_some() {
            break;
        }
    }
    let (item, day, slot) = open.expect("a released day with a free place in the default settings");
    let (code, b) = post("/api/appointments/bookings", serde_json::json!({"item": item, "day": day, "slot": slot, "phone": "13800138000"}));
    assert_eq!(code, 201, "{b}");
    let booking = b["code"].as_str().expect("booking code").to_owned();
    let other = "13900139000";
    for (path, body) in [
        ("/api/appointments/lookup".to_owned(), serde_json::json!({"code": booking, "phone": other})),
        ("/api/appointments/lookup".to_owned(), serde_json::json!({"code": "ZZZZZZZZ", "phone": "13800138000"})),
        (format!("/api/appointments/bookings/{booking}/move"), serde_json::json!({"phone": other, "day": day, "slot": slot})),
        (format!("/api/appointments/bookings/{booking}/cancel"), serde_json::json!({"phone": other})),
    ] {
        let (status, v) = post(&path, body);
        assert_eq!((status, v["error"]["code"].as_str()), (404, Some("booking_not_found")), "{path}: {v}");
        let text = v.to_string();
        assert!(!text.contains(&day) && !text.contains("8000"), "{path} told a stranger about the booking: {text}");
    }
    let (status, v) = post("/api/appointments/lookup", serde_json::json!({"code": booking, "phone": "138 0013 8000"}));
    assert_eq!((status, v["status"].as_str(), v["day"].as_str()), (200, Some("booked"), Some(day.as_str())), "the holder still sees it, untouched: {v}");
}
