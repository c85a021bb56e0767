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
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Response> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Response::error(400, &format!("请求内容格式错误：{e}"), &format!("invalid JSON body: {e}"))
        })
    }

    /// Parse an `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_pairs(&String::from_utf8_lossy(&self.body))
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

    /// An error in both languages: `{"error": {"message_zh", "message_en"}}`.
    pub fn error(status: u16, zh: &str, en: &str) -> Self {
        Response::json(status, &serde_json::json!({"error": {"message_zh": zh, "message_en": en}}))
    }

    /// 404 for this request.
    pub fn not_found(req: &Request) -> Self {
        Response::error(404, &format!("找不到 {}", req.path), &format!("{} not found", req.path))
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
