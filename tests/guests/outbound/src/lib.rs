//! A plugin that asks the host to reach out (capability `http`): to the
//! upstream it was allowed, and to places it was not (this machine, the
//! cloud's metadata service, a redirect elsewhere). Each route reports what
//! the host call answered (`{"ok": …}` or `{"err": …}`), so a test can tell
//! "refused with a clear error" from "the host call broke".

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
            .route(Route::get("/outbound/get", Audience::Public))
            .route(Route::get("/outbound/post", Audience::Public))
            .route(Route::get("/outbound/send", Audience::Public))
    }

    fn handle(req: Request) -> Response {
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

export_plugin!(Outbound);
