//! Per-client rate limits for the endpoints anyone can reach (public and
//! kiosk writes, sign-in): who a client is, and the answer when its bucket
//! is empty. The buckets themselves are [`crate::rate`].

pub use crate::rate::RateLimiter;

/// The client key of a request: the device, or the peer address.
pub fn client_key(caller: &crate::auth::Caller, req_ext: &axum::http::Extensions) -> String {
    if let (crate::auth::CallerKind::Device { .. }, Some(id)) = (&caller.kind, &caller.id) {
        return format!("device:{id}");
    }
    req_ext
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| format!("ip:{}", c.0.ip()))
        .unwrap_or_else(|| "ip:unknown".into())
}

pub fn too_many(retry_after: u64) -> axum::response::Response {
    let mut r = super::error_json(axum::http::StatusCode::TOO_MANY_REQUESTS, "操作过于频繁，请稍后再试", "too many requests; try again shortly");
    if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}
