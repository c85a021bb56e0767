//! The host's pages are templates that escape every value: a staff name
//! or a search word with markup and quotes shows as text on the staff
//! page, in the top bar and on the audit page, and never becomes an
//! element or leaves its attribute.

use linli_tests::{Staff, TestServer, fixtures, http, http_json, sign_in};
use serde_json::json;

/// Markup, both quotes and an ampersand.
const NAME: &str = "<img src=x onerror=alert(1)>\"'&";
/// The same as the page must write it.
const ESCAPED: &str = "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;";

fn get_as(s: &TestServer, staff: &Staff, path: &str) -> (u16, String) {
    http(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie))
}

#[test]
fn markup_in_a_staff_name_or_a_search_shows_as_text() {
    let s = TestServer::start(&[fixtures::PLUGIN_QUEUE]);
    let admin = sign_in(&s, "boss", &["admin"]);
    let (code, v) = http_json(
        ureq::post(&format!("{}/api/host/staff", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
        &json!({"username": "mark", "name": NAME, "roles": ["supervisor"], "password": "correct horse battery"}),
    );
    assert_eq!(code, 201, "{v}");

    // The staff page: the name in its cell, in the edit form's value and in
    // the question before disabling, escaped each time.
    let (code, page) = get_as(&s, &admin, "/admin/host/staff");
    assert_eq!(code, 200);
    assert!(page.contains(&format!("<td>{ESCAPED}</td>")), "the name's cell: {page}");
    assert!(page.contains(&format!("name=\"name\" value=\"{ESCAPED}\"")), "the edit form: {page}");
    assert!(page.contains(&format!("data-confirm=\"确定停用“{ESCAPED}”（mark）的账号吗？")), "the question: {page}");
    assert!(!page.contains("<img"), "no element from the name: {page}");

    // The account signs in: its name in the top bar, escaped; it exports
    // the audit log, so its name is an actor there.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{}/login", s.url)).send_form(&[("username", "mark"), ("password", "correct horse battery")]).unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.all("set-cookie").into_iter().find(|c| c.starts_with("linli_session=")).unwrap().split(';').next().unwrap().to_owned();
    let mark = Staff { cookie, csrf: String::new() };
    let (_, home) = get_as(&s, &mark, "/");
    assert!(home.contains(&format!("<span class=\"who\">{ESCAPED}</span>")), "the top bar: {home}");
    assert!(!home.contains("<img"), "{home}");
    assert_eq!(get_as(&s, &mark, "/api/host/audit.csv").0, 200);

    // The audit page: the actor escaped; a search with markup is written
    // back into its field as text.
    let (code, audit) = get_as(&s, &admin, "/admin/host/audit");
    assert_eq!(code, 200);
    assert!(audit.contains(&format!("<td>{ESCAPED}</td>")), "the actor: {audit}");
    assert!(!audit.contains("<img"), "{audit}");
    let (code, found) = get_as(&s, &admin, "/admin/host/audit?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert_eq!(code, 200);
    assert!(found.contains("name=\"q\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""), "the search field: {found}");
    assert!(!found.contains("<script>alert"), "{found}");
}
