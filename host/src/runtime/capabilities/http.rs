//! `http`: outbound requests to the hosts an admin allowed for a plugin
//! (`http_allow` under `[plugins.ID]` in `linli.toml`).
//!
//! A plugin is code the hall did not write; one that can reach any address
//! from inside the hall's network can read the router's admin page, the
//! cloud's metadata service (credentials) or another service on this
//! machine. So every request, and every redirect it is sent on, must name
//! a host on the plugin's list; the host resolves that name itself, checks
//! every address it got, and connects to exactly those addresses (no
//! second lookup for an attacker's DNS to answer differently). Loopback,
//! link-local, private, shared (CGNAT) and metadata addresses are refused
//! unless the admin listed that very address (`127.0.0.1:9000`): a name
//! that resolves to one is refused. The time is bounded by the call's own
//! deadline (the guest cannot be interrupted while the host works for it),
//! the answer by `http_response_bytes`.
//!
//! `https://` goes through rustls (ring) with the certificate checked
//! against the webpki roots (Mozilla's list, built in: every hall's host
//! trusts the same roots whatever its OS image carries, and ureq's TLS
//! already brings them) plus, per plugin, the CAs an admin gave in
//! `http_ca_file` (a hall's internal gateway); the name checked (and sent
//! as SNI) is the allowed host name of the URL, while the connection still
//! goes to the addresses checked here. A redirect from https to http is
//! refused: what the plugin sent over TLS must not travel on in the clear.

use super::*;
use crate::runtime::bindings::linli::plugin::http;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Redirects followed for one request (each to an allowed host).
pub const MAX_REDIRECTS: usize = 3;
/// Connecting may take at most this long (less when the call's time is
/// nearly up).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Headers a plugin may send with one request.
const MAX_HEADERS: usize = 64;

/// The hosts a plugin may reach, from `http_allow`, and the extra CAs its
/// https requests trust (`http_ca_file`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowList {
    entries: Vec<AllowEntry>,
    ca: Option<ExtraCa>,
}

/// The TLS client of a plugin whose admin gave it a CA file.
#[derive(Clone)]
struct ExtraCa {
    file: PathBuf,
    config: Arc<rustls::ClientConfig>,
}

impl PartialEq for ExtraCa {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
    }
}

impl std::fmt::Debug for ExtraCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraCa").field("file", &self.file).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct AllowEntry {
    /// As the admin wrote it (trimmed, lower-case), for the plugins page.
    text: String,
    /// Lower-case name, or the address when the entry is one.
    host: String,
    ip: Option<IpAddr>,
    /// None: the scheme's default port only.
    port: Option<u16>,
}

impl AllowList {
    /// Read `http_allow` entries: `name`, `name:port`, `1.2.3.4:port`,
    /// `[::1]:port`. A scheme, a path or a bad port is refused, naming the
    /// entry.
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        let mut out = Vec::new();
        for raw in entries {
            let e = raw.trim().to_ascii_lowercase();
            let bad = |why: &str| format!("http_allow entry `{raw}`: {why}");
            if e.is_empty() || e.contains("://") || e.contains('/') || e.contains('@') || e.contains(char::is_whitespace) {
                return Err(bad("write a host name or address, optionally with :port (e.g. `sms.example.com` or `127.0.0.1:9000`), without scheme or path"));
            }
            // Let the URL parser split host and port the same way it does
            // for the requests the entry is matched against.
            let url = url::Url::parse(&format!("http://{e}/")).map_err(|err| bad(&err.to_string()))?;
            let (host, ip) = match url.host() {
                Some(url::Host::Domain(d)) => (d.to_owned(), None),
                Some(url::Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
                Some(url::Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
                None => return Err(bad("no host")),
            };
            // `host:port` or `[v6]:port` (the parser drops a written `:80`,
            // so look at the text).
            let explicit_port = e.rsplit_once(':').is_some_and(|(h, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (!h.contains(':') || h.ends_with(']')));
            let port = if explicit_port { url.port_or_known_default() } else { None };
            out.push(AllowEntry { text: e.clone(), host, ip, port });
        }
        Ok(AllowList { entries: out, ca: None })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Trust the CA certificates (PEM) in `file` too for https, beside the
    /// built-in roots: `http_ca_file` under `[plugins.ID]`. An absolute
    /// path (the host's working directory is no place to look a file up);
    /// a file that cannot be read or holds no certificate is refused when
    /// the plugin loads, naming the file.
    pub fn with_ca_file(mut self, file: Option<&Path>) -> Result<AllowList, String> {
        let Some(file) = file else { return Ok(self) };
        let bad = |why: String| format!("http_ca_file `{}`: {why}", file.display());
        let config = crate::tls::client_config(crate::tls::read_ca_file(file).map_err(bad)?).map_err(bad)?;
        self.ca = Some(ExtraCa { file: file.to_owned(), config });
        Ok(self)
    }

    /// The CA file given for the plugin, if any (for the plugins page).
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(|c| c.file.as_path())
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        match &self.ca {
            Some(c) => Ok(c.config.clone()),
            None => crate::tls::default_client_config(),
        }
    }

    /// The entries as written (for the plugins page and `plugin list`).
    pub fn entries(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.text.clone()).collect()
    }

    /// The entry that allows `host:port`, if any.
    fn find(&self, host: &url::Host<&str>, port: u16, default_port: u16) -> Option<&AllowEntry> {
        self.entries.iter().find(|e| {
            let same_host = match (host, e.ip) {
                (url::Host::Domain(d), None) => d.eq_ignore_ascii_case(&e.host),
                (url::Host::Ipv4(a), Some(ip)) => IpAddr::V4(*a) == ip,
                (url::Host::Ipv6(a), Some(ip)) => IpAddr::V6(*a) == ip,
                _ => false,
            };
            same_host && e.port.unwrap_or(default_port) == port
        })
    }
}

/// Addresses no plugin reaches through a name: this machine, the local
/// network, link-local (and the cloud metadata service on it), shared
/// carrier space (Alibaba Cloud's metadata at 100.100.100.200), multicast,
/// broadcast and unspecified.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_special_v4(a),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_special_v4(v4);
            }
            let s = a.segments();
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (incl. fd00:ec2::254)
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 64:ff9b::/96 reaches IPv4 inside
                || (s[0] == 0x2002) // 6to4 embeds an IPv4 address
        }
    }
}

fn is_special_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || o[0] == 0 // 0.0.0.0/8
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 (IETF, incl. some metadata)
        || o[0] >= 240 // reserved
}

/// Why a request was not answered, as the plugin sees it.
fn denied(plugin: &str, why: String) -> Error {
    Error::Denied(format!("plugin `{plugin}`: {why}"))
}

/// One request on the way: where it goes and what the host checked.
struct Target {
    url: url::Url,
    /// `host[:port]` as written, for messages and the log.
    netloc: String,
    addrs: Vec<SocketAddr>,
}

impl CallState {
    /// Check `raw` against the plugin's list and resolve it to addresses
    /// that may be reached.
    fn http_target(&self, raw: &str) -> Result<Target, Error> {
        let plugin = &*self.plugin_id;
        let url = url::Url::parse(raw).map_err(|e| Error::Invalid(format!("plugin `{plugin}`: url `{raw}`: {e}")))?;
        let default_port = match url.scheme() {
            "http" => 80,
            "https" => 443,
            other => return Err(Error::Invalid(format!("plugin `{plugin}`: url `{raw}`: scheme `{other}` is not allowed (only http and https)"))),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Invalid(format!("plugin `{plugin}`: url `{raw}`: credentials in the URL are not allowed; send an Authorization header")));
        }
        let host = url.host().ok_or_else(|| Error::Invalid(format!("plugin `{plugin}`: url `{raw}` has no host")))?;
        let port = url.port_or_known_default().unwrap_or(default_port);
        let netloc = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        // An entry without a port allows the scheme's own (80 or 443).
        let Some(entry) = self.http_allow.find(&host, port, default_port) else {
            return Err(denied(plugin, format!("host `{netloc}` is not on its http_allow list in linli.toml")));
        };
        let addrs: Vec<SocketAddr> = match entry.ip {
            // Listed by its address: the admin meant exactly this one.
            Some(ip) => vec![SocketAddr::new(ip, port)],
            None => {
                let name = entry.host.clone();
                let addrs = resolve(&name, port, self.http_budget().unwrap_or_default().min(CONNECT_TIMEOUT))
                    .map_err(|e| Error::Internal(format!("plugin `{plugin}`: resolving `{name}` failed: {e}")))?;
                if addrs.is_empty() {
                    return Err(Error::Internal(format!("plugin `{plugin}`: `{name}` has no address")));
                }
                if let Some(bad) = addrs.iter().find(|a| is_special(a.ip())) {
                    return Err(denied(
                        plugin,
                        format!(
                            "host `{netloc}` resolves to {}, a loopback, private or link-local address; list that address itself in http_allow to allow it",
                            bad.ip()
                        ),
                    ));
                }
                addrs
            }
        };
        Ok(Target { url, netloc, addrs })
    }

    /// The time one attempt may take: `http_timeout_ms`, and never past
    /// the call's deadline.
    fn http_budget(&self) -> Option<Duration> {
        let left = self.deadline.checked_duration_since(Instant::now())?;
        Some(left.min(Duration::from_millis(self.limits.http_timeout_ms)))
    }

    fn http_send(&mut self, req: http::OutboundRequest) -> HostResult<http::OutboundResponse> {
        let plugin = self.plugin_id.clone();
        let mut method = req.method.trim().to_ascii_uppercase();
        if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: method `{}` is not allowed (GET, HEAD, POST, PUT, PATCH, DELETE)", req.method))));
        }
        if let Err(e) = self.check_size("the request body", req.body.len()) {
            return Ok(Err(e));
        }
        if req.headers.len() > MAX_HEADERS {
            return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: more than {MAX_HEADERS} request headers"))));
        }
        for (name, value) in &req.headers {
            // A line break would end the header and start another (or a
            // second request) of the plugin's choosing.
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) || value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: header `{}` is not a valid header name or value", name.escape_debug()))));
            }
            let n = name.to_ascii_lowercase();
            // The host writes these itself: a plugin choosing them could
            // smuggle a second request or reach another virtual host.
            if ["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "expect"].contains(&n.as_str()) || n.starts_with("proxy-") {
                return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: header `{name}` is set by the host"))));
            }
        }
        let started = Instant::now();
        let mut body = req.body;
        let mut headers = req.headers;
        let mut target = match self.http_target(&req.url) {
            Ok(t) => t,
            Err(e) => return Ok(Err(refused(&plugin, &method, &req.url, e))),
        };
        let first_host = target.url.host_str().map(str::to_owned);
        let mut hops = 0;
        loop {
            let Some(budget) = self.http_budget() else {
                // Classified as the time limit, like an interrupted guest.
                return Err(wasmtime::Trap::Interrupt.into());
            };
            let addrs = target.addrs.clone();
            let tls = match self.http_allow.tls_config() {
                Ok(c) => c,
                Err(e) => return Ok(Err(Error::Internal(format!("plugin `{plugin}`: {e}")))),
            };
            // The resolver hands ureq the addresses checked above; the URL
            // keeps the allowed name, which is what the certificate must
            // name (and the SNI sent).
            let agent = ureq::AgentBuilder::new()
                .resolver(move |_: &str| Ok(addrs.clone()))
                .tls_config(tls)
                .redirects(0)
                .timeout_connect(budget.min(CONNECT_TIMEOUT))
                .timeout(budget)
                .max_idle_connections(0)
                .user_agent(&format!("linli-plugin/{plugin}"))
                .build();
            let mut r = agent.request_url(&method, &target.url);
            for (k, v) in &headers {
                r = r.set(k, v);
            }
            let sent = if body.is_empty() && matches!(method.as_str(), "GET" | "HEAD" | "DELETE") { r.call() } else { r.send_bytes(&body) };
            let resp = match sent {
                Ok(r) | Err(ureq::Error::Status(_, r)) => r,
                Err(ureq::Error::Transport(t)) => {
                    let ms = started.elapsed().as_millis() as u64;
                    let err = if is_timeout(&t) || self.http_budget().is_none_or(|b| b.is_zero()) {
                        Error::Limit(format!(
                            "plugin `{plugin}`: `{}` did not answer within {ms} ms (limit http_timeout_ms = {} ms, and the call's time_ms = {} ms)",
                            target.netloc, self.limits.http_timeout_ms, self.limits.time_ms
                        ))
                    } else if let Some(tls) = tls_error(&t) {
                        Error::Internal(tls_text(&plugin, &target.netloc, &tls))
                    } else {
                        Error::Internal(format!("plugin `{plugin}`: request to `{}` failed: {}", target.netloc, transport_text(&t)))
                    };
                    tracing::warn!(plugin = %plugin, method = %method, host = %target.netloc, ms, error = %err_text(&err), "outbound http request failed");
                    return Ok(Err(err));
                }
            };
            let status = resp.status();
            if (300..400).contains(&status) && status != 304 && let Some(location) = resp.header("location").map(str::to_owned) {
                hops += 1;
                tracing::info!(plugin = %plugin, method = %method, host = %target.netloc, status, location = %location, ms = started.elapsed().as_millis() as u64, "outbound http redirect");
                if hops > MAX_REDIRECTS {
                    return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: more than {MAX_REDIRECTS} redirects from `{}`", req.url))));
                }
                // Each hop is another request made for the plugin.
                self.count()?;
                let next = match target.url.join(&location) {
                    Ok(u) => u,
                    Err(e) => return Ok(Err(Error::Invalid(format!("plugin `{plugin}`: redirect to `{location}`: {e}")))),
                };
                // What was sent over TLS (a body, a token) must not be sent
                // again in the clear, nor the answer come back unprotected.
                // http -> https is an upgrade, checked like any other hop.
                if target.url.scheme() == "https" && next.scheme() == "http" {
                    let e = denied(&plugin, format!("`{}` redirected from https to http (`{location}`); a request sent over TLS is not sent on without it", target.netloc));
                    return Ok(Err(refused(&plugin, &method, next.as_str(), e)));
                }
                target = match self.http_target(next.as_str()) {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(refused(&plugin, &method, next.as_str(), redirect_err(e, &location)))),
                };
                // 303, and 301/302 after anything but GET/HEAD, turn into a
                // GET without body (what browsers do).
                if status == 303 || (matches!(status, 301 | 302) && method != "GET" && method != "HEAD") {
                    method = "GET".into();
                    body.clear();
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
                }
                // Credentials meant for one host are not handed to another.
                if target.url.host_str().map(str::to_owned) != first_host {
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie"));
                }
                continue;
            }
            let cap = self.limits.http_response_bytes;
            let mut out_headers = Vec::new();
            for name in resp.headers_names() {
                let lower = name.to_ascii_lowercase();
                if out_headers.iter().any(|(k, _): &(String, String)| *k == lower) {
                    continue;
                }
                for v in resp.all(&name) {
                    out_headers.push((lower.clone(), v.to_owned()));
                }
            }
            let too_large = |n: String| {
                Error::Limit(format!("plugin `{plugin}`: the answer from `{}` is {n} bytes; the limit is {cap} bytes (limit http_response_bytes)", target.netloc))
            };
            if let Some(len) = resp.header("content-length").and_then(|v| v.trim().parse::<u64>().ok())
                && len > cap as u64
            {
                tracing::warn!(plugin = %plugin, method = %method, host = %target.netloc, status, bytes = len, ms = started.elapsed().as_millis() as u64, "outbound http answer too large");
                return Ok(Err(too_large(len.to_string())));
            }
            let mut data = Vec::new();
            let read = resp.into_reader().take(cap as u64 + 1).read_to_end(&mut data);
            let ms = started.elapsed().as_millis() as u64;
            if let Err(e) = read {
                let err = if e.kind() == std::io::ErrorKind::TimedOut || e.kind() == std::io::ErrorKind::WouldBlock {
                    Error::Limit(format!(
                        "plugin `{plugin}`: the answer from `{}` did not arrive within {ms} ms (limit http_timeout_ms = {} ms, and the call's time_ms = {} ms)",
                        target.netloc, self.limits.http_timeout_ms, self.limits.time_ms
                    ))
                } else {
                    Error::Internal(format!("plugin `{plugin}`: reading the answer from `{}` failed: {e}", target.netloc))
                };
                tracing::warn!(plugin = %plugin, method = %method, host = %target.netloc, status, bytes = data.len(), ms, error = %err_text(&err), "outbound http request failed");
                return Ok(Err(err));
            }
            if data.len() > cap {
                tracing::warn!(plugin = %plugin, method = %method, host = %target.netloc, status, bytes = data.len(), ms, "outbound http answer too large");
                return Ok(Err(too_large(format!("more than {cap}"))));
            }
            tracing::info!(plugin = %plugin, method = %method, host = %target.netloc, status, bytes = data.len(), ms, "outbound http request");
            return Ok(Ok(http::OutboundResponse { status, headers: out_headers, body: data }));
        }
    }
}

/// Look `name` up, waiting at most `limit`: the system resolver has no
/// timeout of its own, and the call must answer in time. (A lookup that
/// outlives its wait finishes on its own thread and is dropped.)
fn resolve(name: &str, port: u16, limit: Duration) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let owned = name.to_owned();
    std::thread::Builder::new()
        .name("linli-dns".into())
        .spawn(move || {
            let _ = tx.send((owned.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
        })
        .map_err(|e| e.to_string())?;
    match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", limit.as_millis())),
    }
}

fn is_timeout(t: &ureq::Transport) -> bool {
    use std::error::Error as _;
    let mut src = t.source();
    while let Some(e) = src {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)
        {
            return true;
        }
        src = e.source();
    }
    t.to_string().contains("timed out")
}

/// The TLS failure behind a transport error, if that is what it was
/// (ureq wraps rustls's error in an io::Error, whose `source` skips it).
fn tls_error(t: &ureq::Transport) -> Option<rustls::Error> {
    use std::error::Error as _;
    let mut src = t.source();
    while let Some(e) = src {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r.clone());
        }
        if let Some(r) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return Some(r.clone());
        }
        src = e.source();
    }
    None
}

/// A TLS failure in words an admin can act on.
fn tls_text(plugin: &str, netloc: &str, e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(why) => format!(
            "plugin `{plugin}`: `{netloc}` presented a TLS certificate this host does not trust ({why:?}); \
             for a hall's internal gateway, give its CA certificate (PEM) as http_ca_file under [plugins.{plugin}] in linli.toml"
        ),
        other => format!("plugin `{plugin}`: TLS with `{netloc}` failed: {other}"),
    }
}

/// ureq's text without the URL it repeats (the message names the host).
fn transport_text(t: &ureq::Transport) -> String {
    match t.message() {
        Some(m) => format!("{:?}: {m}", t.kind()),
        None => format!("{:?}", t.kind()),
    }
}

fn err_text(e: &Error) -> &str {
    match e {
        Error::Denied(m) | Error::Invalid(m) | Error::Limit(m) | Error::Internal(m) => m,
    }
}

fn redirect_err(e: Error, location: &str) -> Error {
    match e {
        Error::Denied(m) => Error::Denied(format!("{m} (redirected to `{location}`)")),
        Error::Invalid(m) => Error::Invalid(format!("{m} (redirected to `{location}`)")),
        other => other,
    }
}

/// Log a refusal with the plugin and hand it on.
fn refused(plugin: &str, method: &str, url: &str, e: Error) -> Error {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    tracing::warn!(plugin = %plugin, method = %method, host = %host, error = %err_text(&e), "outbound http request refused");
    e
}

impl http::Host for CallState {
    fn send(&mut self, req: http::OutboundRequest) -> HostResult<http::OutboundResponse> {
        guard!(self, Http);
        self.http_send(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(e: &[&str]) -> AllowList {
        AllowList::parse(&e.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("valid list")
    }

    fn allows(l: &AllowList, url: &str) -> bool {
        let u = url::Url::parse(url).expect("url");
        let default = if u.scheme() == "https" { 443 } else { 80 };
        l.find(&u.host().expect("host"), u.port_or_known_default().expect("port"), default).is_some()
    }

    #[test]
    fn entries_match_host_and_port() {
        let l = list(&["SMS.example.com", "127.0.0.1:9000", "[::1]:9001", "gw.example.com:8080"]);
        assert!(allows(&l, "http://sms.example.com/send"));
        assert!(!allows(&l, "http://sms.example.com:8080/send"), "no port written: the default port only");
        assert!(allows(&l, "http://127.0.0.1:9000/x"));
        assert!(!allows(&l, "http://127.0.0.1:9001/x"));
        assert!(allows(&l, "http://[::1]:9001/"));
        assert!(allows(&l, "http://gw.example.com:8080/"));
        assert!(!allows(&l, "http://gw.example.com/"));
        assert!(!allows(&l, "http://evil.sms.example.com/"));
        // Another spelling of the same address is the same address.
        assert!(allows(&l, "http://2130706433:9000/"));
        let l = list(&["127.0.0.1:80"]);
        assert!(allows(&l, "http://127.0.0.1/"));
        assert!(!allows(&l, "https://127.0.0.1/"), "https's own port is 443");
        // No port written: each scheme's default port.
        let l = list(&["sms.example.com", "gw.example.com:8443"]);
        assert!(allows(&l, "https://sms.example.com/send"));
        assert!(allows(&l, "http://sms.example.com/send"));
        assert!(!allows(&l, "https://sms.example.com:8443/send"));
        assert!(allows(&l, "https://gw.example.com:8443/"));
        assert!(!allows(&l, "https://gw.example.com/"));
    }

    #[test]
    fn a_bad_ca_file_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let none = dir.path().join("missing.pem");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        for (file, why) in [(Path::new("hall-ca.pem"), "absolute path"), (none.as_path(), "cannot be read"), (empty.as_path(), "holds no certificate")] {
            let err = list(&["gw.example.com"]).with_ca_file(Some(file)).expect_err(why);
            assert!(err.contains(&format!("http_ca_file `{}`", file.display())) && err.contains(why), "{err}");
        }
        let l = list(&["gw.example.com"]).with_ca_file(None).expect("no file: the built-in roots");
        assert!(l.ca_file().is_none() && l.tls_config().is_ok());
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in ["http://x.example.com", "x.example.com/path", "x:99999", "", "a b"] {
            let err = AllowList::parse(&[bad.to_string()]).expect_err(bad);
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn special_addresses() {
        for a in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "::1", "::", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:169.254.169.254"] {
            assert!(is_special(a.parse().expect(a)), "{a}");
        }
        for a in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_special(a.parse().expect(a)), "{a}");
        }
    }
}
