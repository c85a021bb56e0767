//! A plugin that asks the host to reach out (capability `http`): to the
//! upstream it was allowed, and to places it was not (this machine, the
//! cloud's metadata service, a redirect elsewhere). Each route reports what
//! the host call answered (`{"ok": …}` or `{"err": …}`), so a test can tell
//! "refused with a clear error" from "the host call broke". It also sends
//! messages (`/outbound/notify`, capability `notify`) without a lane (no
//! `sql`), committed where the call ran.

use linli_sdk::prelude::*;
use serde_json::{Value as J, json};

struct Outbound;

fn outcome(r: Result<http::Reply, linli_sdk::store::HostError>) -> J {
    match r {
        Ok(r) => json!({"ok": {"status": r.status, "body": r.text(), "bytes": r.body.len(), "type": r.header("Content-Type")}}),
        Err(e) => json!({"err": e.to_string()}),
    }
}

impl Plugin for Outbound {
    fn manifest() -> Manifest {
        Manifest::new("outbound", "外部请求测试", "Outbound", "0.1.0")
            .capability("http")
            .capability("notify")
            .route(Route::get("/outbound/get", Audience::Public))
            .route(Route::get("/outbound/post", Audience::Public))
            .route(Route::get("/outbound/send", Audience::Public))
            .route(Route::get("/outbound/notify", Audience::Public))
            .route(Route::get("/outbound/inbox", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        if req.path == "/outbound/notify" {
            return notify_route(&req);
        }
        // `?key=`: the inbox as the plugin's page would show it.
        if req.path == "/outbound/inbox" {
            let r = notify::inbox(&req.query_param("key").unwrap_or_default(), 50).map(|m| m.into_iter().map(|m| json!({"id": m.id, "text": m.text_zh})).collect::<Vec<J>>());
            return Response::json(200, &match r {
                Ok(v) => json!({"ok": v}),
                Err(e) => json!({"err": e.to_string()}),
            });
        }
        let url = req.query_param("url").unwrap_or_default();
        let r = match req.path.as_str() {
            // `?url=`: a plain GET.
            "/outbound/get" => http::get(&url),
            // `?url=`: a JSON POST.
            "/outbound/post" => http::post_json(&url, &json!({"to": "13900000000", "text": "您的号码快到了"})),
            // `?url=&method=&header=`: anything the plugin may choose.
            "/outbound/send" => {
                let method = req.query_param("method").unwrap_or_else(|| "GET".into());
                let header = req.query_param("header").unwrap_or_default();
                let headers: Vec<(&str, &str)> = header.split_once(':').map(|(k, v)| vec![(k, v)]).unwrap_or_default();
                http::send(&method, &url, &headers, b"")
            }
            _ => return Response::not_found(&req),
        };
        Response::json(200, &outcome(r))
    }
}

/// `?to=&n=&channel=&trap=1`: `n` messages (1 by default) to the phone
/// `to` (an inbox key with `inbox=`), each answer reported; with `trap=1`
/// the call panics afterwards, so none of them may be sent.
fn notify_route(req: &Request) -> Response {
    let n: usize = req.query_param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
    let results: Vec<J> = (0..n)
        .map(|i| {
            let mut m = match req.query_param("inbox") {
                Some(key) => notify::Message::to_inbox(&key, "ticket-near", "您的 {number} 号快到了", "Number {number} is nearly up"),
                None => notify::Message::to_phone(&req.query_param("to").unwrap_or_default(), "ticket-near", "您的 {number} 号快到了", "Number {number} is nearly up"),
            }
            .param("number", &format!("A{i:03}"));
            if let Some(c) = req.query_param("channel") {
                m = m.channel(&c);
            }
            match m.send() {
                Ok(v) => json!({"ok": v}),
                Err(e) => json!({"err": e.to_string()}),
            }
        })
        .collect();
    if req.query_param("trap").as_deref() == Some("1") {
        panic!("trapping after sending {n} messages");
    }
    Response::json(200, &json!({"results": results}))
}

export_plugin!(Outbound);
