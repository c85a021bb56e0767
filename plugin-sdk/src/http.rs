//! Requests and responses, with typed JSON helpers.

use crate::bindings::linli::plugin::types as wit;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Who is calling, as verified by the host.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `anonymous`, `staff` or `device`.
    pub kind: String,
    /// Account or device id.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Staff roles.
    pub roles: Vec<String>,
    /// The window a clerk signed in at.
    pub window: Option<String>,
    /// `zh-CN` or `en`.
    pub lang: String,
}

impl Caller {
    /// Does the caller hold `role` (admins hold every role)?
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role || r == "admin")
    }
    /// Is this a signed-in staff member?
    pub fn is_staff(&self) -> bool {
        self.kind == "staff"
    }
    /// Is this one of the hall's registered devices of `kind` (`kiosk`,
    /// `screen`, `evaluator`)? A resident's phone never is.
    pub fn is_device(&self, kind: &str) -> bool {
        self.kind == "device" && self.roles.iter().any(|r| r == kind)
    }
}

/// An HTTP request routed to the plugin.
#[derive(Debug, Clone)]
pub struct Request {
    /// GET, POST…
    pub method: String,
    /// The requested path.
    pub path: String,
    /// The route pattern that matched (match on this in `handle`).
    pub route: String,
    /// `{name}` segment values.
    pub params: Vec<(String, String)>,
    /// Raw query string.
    pub query: String,
    /// Lower-case header names.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
    /// The verified caller.
    pub caller: Caller,
}

impl Request {
    pub(crate) fn from_wit(r: wit::Request) -> Self {
        Request {
            method: r.method,
            path: r.path,
            route: r.route,
            params: r.params,
            query: r.query,
            headers: r.headers,
            body: r.body,
            caller: Caller {
                kind: r.caller.kind,
                id: r.caller.id,
                name: r.caller.name,
                roles: r.caller.roles,
                window: r.caller.window,
                lang: r.caller.lang,
            },
        }
    }

    /// A `{name}` path parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        parse_pairs(&self.query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A header (lower-case name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The caller's language, `zh-CN` or `en`.
    pub fn lang(&self) -> &str {
        &self.caller.lang
    }

    /// Parse the body as JSON; the error names the problem for a 400 reply.
    ///
    /// A body that does not parse is answered with the field named where
    /// serde says which (a missing or unknown field) and never with serde's
    /// own text, which is English and names the plugin's Rust types.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Response> {
        serde_json::from_slice(&self.body).map_err(|e| json_error(&e))
    }

    /// Parse an `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_pairs(&String::from_utf8_lossy(&self.body))
    }
}

/// The answer to a JSON body that did not parse.
fn json_error(e: &serde_json::Error) -> Response {
    use serde_json::error::Category;
    let text = e.to_string();
    // serde names the field only in these two messages: "missing field `x`"
    // and "unknown field `x`, expected …".
    let field = |prefix: &str| text.strip_prefix(prefix).and_then(|r| r.split('`').next()).map(str::to_owned);
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => Response::error_code(400, "body_not_json", "请求内容不是有效的 JSON", "the body is not valid JSON"),
        Category::Data => {
            if let Some(f) = field("missing field `") {
                Response::error_code(422, "field_required", &format!("请求缺少字段 {f}"), &format!("the field `{f}` is missing"))
            } else if let Some(f) = field("unknown field `") {
                Response::error_code(422, "field_unknown", &format!("请求中有未知字段 {f}"), &format!("unknown field `{f}`"))
            } else {
                Response::error_code(
                    422,
                    "field_type",
                    &format!("请求中有字段的类型或取值不对（第 {} 行第 {} 列）", e.line(), e.column()),
                    &format!("a field has the wrong type or value (line {}, column {})", e.line(), e.column()),
                )
            }
        }
    }
}

fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Response { status, headers: vec![("content-type".into(), "application/json".into())], body },
            Err(e) => Response::error(500, "结果无法编码", &format!("cannot encode the result: {e}")),
        }
    }

    /// Plain text.
    pub fn text(status: u16, text: &str) -> Self {
        Response { status, headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())], body: text.as_bytes().to_vec() }
    }

    /// A page drawn inside the host's shared page shell (navigation,
    /// language switch, stylesheet). `html` is the page's main content.
    pub fn page(title: &str, html: String) -> Self {
        Response {
            status: 200,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into()), ("linli-page".into(), title.into())],
            body: html.into_bytes(),
        }
    }

    /// An error in both languages, in the host's format:
    /// `{"error": {"code", "message_zh", "message_en"}}` (the code from the
    /// status; [`Response::error_code`] names its own).
    pub fn error(status: u16, zh: &str, en: &str) -> Self {
        let code = match status {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            409 => "conflict",
            422 => "invalid",
            429 => "too_many_requests",
            500..=599 => "internal",
            _ => "error",
        };
        Response::error_code(status, code, zh, en)
    }

    /// An error with a code of the plugin's own (`ticket_taken`…). The
    /// messages often repeat what the client sent (a service code, a path):
    /// control characters and direction overrides in them are shown
    /// escaped (`\u{202e}`), and each message is cut at 300 characters, so
    /// an answer never carries a forged line or text that turns the page
    /// around.
    pub fn error_code(status: u16, code: &str, zh: &str, en: &str) -> Self {
        Response::json(status, &serde_json::json!({"error": {"code": code, "message_zh": shown(zh), "message_en": shown(en)}}))
    }

    /// 404 for this request.
    pub fn not_found(req: &Request) -> Self {
        Response::error(404, &format!("找不到 {}", req.path), &format!("{} not found", req.path))
    }

    /// A file the plugin ships (its pages' scripts, pictures), cached for
    /// five minutes (pages ask for it with `?v=<version>`).
    pub fn asset(content_type: &str, body: &[u8]) -> Self {
        Response {
            status: 200,
            headers: vec![("content-type".into(), content_type.into()), ("cache-control".into(), "max-age=300".into())],
            body: body.to_vec(),
        }
    }

    /// The script named by the route's `{file}` among `scripts` (name,
    /// text), or 404: the usual `/<plugin>/assets/{file}` route.
    pub fn script_from(req: &Request, scripts: &[(&str, &str)]) -> Self {
        let name = req.param("file").unwrap_or("");
        match scripts.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Response::asset("application/javascript; charset=utf-8", text.as_bytes()),
            None => Response::not_found(req),
        }
    }

    /// 303 redirect.
    pub fn redirect(to: &str) -> Self {
        Response { status: 303, headers: vec![("location".into(), to.into())], body: vec![] }
    }

    /// Add a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub(crate) fn into_wit(self) -> wit::Response {
        wit::Response { status: self.status, headers: self.headers, body: self.body }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    fn encode(s: &str) -> String {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct NewThing {
        title: String,
        count: u32,
    }

    #[test]
    fn json_errors_name_the_field_not_the_rust_type() {
        let answer = |body: &str| {
            let e = serde_json::from_str::<NewThing>(body).unwrap_err();
            let r = super::json_error(&e);
            (r.status, String::from_utf8(r.body).unwrap())
        };
        let (status, body) = answer("{\"title\": \"x\"}");
        assert_eq!(status, 422);
        assert!(body.contains("请求缺少字段 count") && body.contains("field_required"), "{body}");
        let (_, body) = answer("{\"title\": \"x\", \"count\": 1, \"colour\": 2}");
        assert!(body.contains("未知字段 colour"), "{body}");
        let (status, body) = answer("{\"title\": 5, \"count\": 1}");
        assert_eq!(status, 422);
        assert!(!body.contains("NewThing") && !body.contains("invalid type") && body.contains("\"code\":\"field_type\""), "{body}");
        let (status, body) = answer("{not json");
        assert_eq!(status, 400);
        assert!(body.contains("body_not_json"), "{body}");
    }

    proptest! {
        /// Form and query decoding takes any bytes without panicking, and
        /// round-trips what a browser encodes.
        #[test]
        fn form_decoding(raw in ".{0,60}", value in ".{0,30}") {
            let _ = super::parse_pairs(&raw);
            let pairs = super::parse_pairs(&format!("k={}", encode(&value)));
            prop_assert_eq!(pairs, vec![("k".to_string(), value)]);
        }
    }
}

/// A message as it may be shown: control characters and bidirectional
/// overrides escaped, at most 300 characters.
fn shown(text: &str) -> String {
    const MAX: usize = 300;
    let mut out = String::with_capacity(text.len().min(MAX * 4));
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod shown_tests {
    #[test]
    fn echoed_input_is_escaped_and_cut() {
        assert_eq!(super::shown("没有编号为 A\u{202e} 的业务"), "没有编号为 A\\u{202e} 的业务");
        assert_eq!(super::shown("a\nb\u{1b}[31m"), "a\\u{a}b\\u{1b}[31m");
        let long = super::shown(&"x".repeat(100_000));
        assert_eq!(long.chars().count(), 301);
    }
}
