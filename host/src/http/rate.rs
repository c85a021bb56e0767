//! Per-client rate limits for the endpoints anyone can reach (public and
//! kiosk writes, sign-in): who a client is, and the answer when its bucket
//! is empty. The buckets themselves are [`crate::rate`].

pub use crate::rate::RateLimiter;

/// The client key of a request: the device, or the peer address. Behind
/// a load balancer listed in `[http] trusted_proxies`, the peer is the
/// balancer for every client, so the address it appended last to
/// `X-Forwarded-For` is the client's (anything before it came from the
/// client and could be made up).
pub fn client_key(host: &crate::host::Host, caller: &crate::auth::Caller, headers: &axum::http::HeaderMap, req_ext: &axum::http::Extensions) -> String {
    if let (crate::auth::CallerKind::Device { .. }, Some(id)) = (&caller.kind, &caller.id) {
        return format!("device:{id}");
    }
    let Some(peer) = req_ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip()) else {
        return "ip:unknown".into();
    };
    if host.settings.read().http.trusted_proxies.contains(&peer)
        && let Some(client) = forwarded_for(headers)
    {
        return format!("ip:{client}");
    }
    format!("ip:{peer}")
}

/// The last address of the last `X-Forwarded-For` line (the one the
/// trusted proxy added).
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<std::net::IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

pub fn too_many(retry_after: u64) -> axum::response::Response {
    let mut r = super::error_json(axum::http::StatusCode::TOO_MANY_REQUESTS, "操作过于频繁，请稍后再试", "too many requests; try again shortly");
    if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}
