//! Blocking HTTP and HTTPS to the hall's host (GET for the content index,
//! pictures and the event stream; POST for the heartbeat and screenshots),
//! through ureq with rustls.
//!
//! The event stream must notice a dead host (a pulled cable sends no FIN),
//! so every read has an idle timeout on the socket itself (ureq's read
//! timeout applies to each read, not to the whole body: the stream lives
//! for hours). Redirects are not followed: the host never sends one, and a
//! screen's token must not go anywhere else.
//!
//! `https://` checks the host's certificate against the webpki roots
//! (Mozilla's list, built in: a kiosk image needs no CA bundle of its own)
//! and, with `--ca-file`, the CA a district signs its own hosts with.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("unsupported URL {0:?}: use http://host[:port] or https://host[:port], optionally with a path")]
    Url(String),
    #[error("--ca-file {0}")]
    CaFile(String),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("cannot reach the host: {0}")]
    Transport(String),
    #[error("the host's TLS certificate is not trusted ({0}): if the hall or district signs its own certificates, give the player that CA with --ca-file")]
    Untrusted(String),
    #[error("host answered HTTP {0}{hint}", hint = if *.0 == 401 { " (device token revoked or not valid: register this screen again on the host's Devices page and give the player the new --token)" } else { "" })]
    Status(u16),
}

/// "http(s)://host:port/base" split up.
#[derive(Clone, Debug, PartialEq)]
pub struct Url {
    /// `https://`: through TLS.
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing slash ("" for the root).
    pub base: String,
    /// The extra CA given with `--ca-file`, if any.
    ca: Option<ExtraCa>,
}

/// A TLS client that also trusts the certificates of one file.
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

impl Url {
    pub fn parse(s: &str) -> Result<Url, HttpError> {
        let (https, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(HttpError::Url(s.to_string()));
        };
        let (authority, path) = rest
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((rest, String::new()));
        // `[v6]:port`, `[v6]`, `name:port`, `name`.
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, Some(p.parse().map_err(|_| HttpError::Url(s.to_string()))?)),
            _ => (authority, None),
        };
        if host.is_empty() || host.contains(['@', '?', '#']) || path.contains(['?', '#']) {
            return Err(HttpError::Url(s.to_string()));
        }
        Ok(Url {
            https,
            host: host.to_string(),
            port: port.unwrap_or(if https { 443 } else { 80 }),
            base: path.trim_end_matches('/').to_string(),
            ca: None,
        })
    }

    /// Trusts the CA certificates (PEM) in `file` too, beside the built-in
    /// roots: a hall's or district's own CA. Only for an `https://` URL.
    pub fn with_ca_file(mut self, file: &Path) -> Result<Url, HttpError> {
        let bad = |why: String| HttpError::CaFile(format!("{}: {why}", file.display()));
        if !self.https {
            return Err(bad(format!("is for an https:// host; {} is http://", self)));
        }
        let pem = std::fs::read(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("not a PEM file of certificates: {e}")))?;
        if certs.is_empty() {
            return Err(bad("holds no certificate (-----BEGIN CERTIFICATE-----)".into()));
        }
        let config = client_config(certs).map_err(bad)?;
        self.ca = Some(ExtraCa { file: file.to_owned(), config });
        Ok(self)
    }

    /// The CA file given, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(|c| c.file.as_path())
    }

    fn agent(&self, idle: Duration) -> Result<ureq::Agent, HttpError> {
        let mut b = ureq::AgentBuilder::new()
            .timeout_connect(idle.min(Duration::from_secs(5)))
            .timeout_read(idle)
            .timeout_write(idle)
            .redirects(0)
            .max_idle_connections(0)
            .user_agent(concat!("linli-signage/", env!("CARGO_PKG_VERSION")));
        if self.https {
            let config = match &self.ca {
                Some(c) => c.config.clone(),
                None => default_client_config().map_err(HttpError::Transport)?,
            };
            b = b.tls_config(config);
        }
        Ok(b.build())
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.base)
    }
}

/// A TLS client trusting the webpki roots and `extra`, on ring (named, not
/// left to a process-wide default).
fn client_config(extra: Vec<rustls::pki_types::CertificateDer<'static>>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for (i, cert) in extra.into_iter().enumerate() {
        roots
            .add(cert)
            .map_err(|e| format!("certificate {} is not a usable CA certificate: {e}", i + 1))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn default_client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG.get_or_init(|| client_config(Vec::new())).clone()
}

/// A response whose body is read as it arrives.
pub struct Response {
    pub status: u16,
    pub body: Box<dyn BufRead + Send>,
}

/// GETs `path` (with query) under `url`, failing on non-2xx statuses.
pub fn get(
    url: &Url,
    path: &str,
    headers: &[(&str, &str)],
    idle: Duration,
) -> Result<Response, HttpError> {
    request(url, "GET", path, headers, None, idle)
}

/// POSTs `body` (of `content_type`) and reads the whole answer, up to `max`
/// bytes: the heartbeat and the screenshot upload.
pub fn post(
    url: &Url,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &[u8],
    idle: Duration,
    max: u64,
) -> Result<Vec<u8>, HttpError> {
    let r = request(url, "POST", path, headers, Some((content_type, body)), idle)?;
    let mut out = Vec::new();
    r.body.take(max).read_to_end(&mut out)?;
    Ok(out)
}

/// `Authorization: Bearer …` for a paired screen's device token.
pub fn bearer(token: Option<&str>) -> Option<String> {
    token.map(|t| format!("Bearer {t}"))
}

fn request(
    url: &Url,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
    idle: Duration,
) -> Result<Response, HttpError> {
    let agent = url.agent(idle)?;
    let mut req = agent.request(method, &format!("{url}{path}"));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let sent = match body {
        Some((ct, b)) => req.set("Content-Type", ct).send_bytes(b),
        None => req.call(),
    };
    let resp = match sent {
        Ok(r) => r,
        Err(ureq::Error::Status(code, _)) => return Err(HttpError::Status(code)),
        Err(ureq::Error::Transport(t)) => return Err(transport_error(&t)),
    };
    let status = resp.status();
    if !(200..300).contains(&status) {
        return Err(HttpError::Status(status));
    }
    Ok(Response {
        status,
        body: Box::new(BufReader::new(resp.into_reader())),
    })
}

/// A failed connection in words a technician can act on.
fn transport_error(t: &ureq::Transport) -> HttpError {
    use std::error::Error as _;
    let mut src = t.source();
    while let Some(e) = src {
        // ureq wraps rustls's error in an io::Error, whose `source` skips it.
        let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|i| i.downcast_ref::<rustls::Error>())
        });
        match tls {
            Some(rustls::Error::InvalidCertificate(why)) => return HttpError::Untrusted(format!("{why:?}")),
            Some(other) => return HttpError::Transport(format!("TLS: {other}")),
            None => {}
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return HttpError::Io(io::Error::new(io.kind(), t.to_string()));
        }
        src = e.source();
    }
    HttpError::Transport(t.to_string())
}

/// GETs a whole body (the content index) with a size cap; `auth` is an
/// `Authorization` value (a paired screen's device token), if any.
pub fn get_bytes(
    url: &Url,
    path: &str,
    auth: Option<&str>,
    idle: Duration,
    max: u64,
) -> Result<Vec<u8>, HttpError> {
    let mut headers = vec![("Accept", "application/json")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    let r = get(url, path, &headers, idle)?;
    let mut out = Vec::new();
    r.body.take(max).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = Url::parse("http://10.0.0.2:8080").expect("url");
        assert_eq!((u.https, u.host.as_str(), u.port, u.base.as_str()), (false, "10.0.0.2", 8080, ""));
        let u = Url::parse("http://hall/linli/").expect("url");
        assert_eq!((u.https, u.host.as_str(), u.port, u.base.as_str()), (false, "hall", 80, "/linli"));
        let u = Url::parse("https://linli.district.example/").expect("url");
        assert_eq!((u.https, u.host.as_str(), u.port, u.to_string()), (true, "linli.district.example", 443, "https://linli.district.example:443".to_string()));
        let u = Url::parse("https://[::1]:8443").expect("url");
        assert_eq!((u.host.as_str(), u.port), ("[::1]", 8443));
        for bad in ["ftp://hall", "hall:8080", "http://:80", "http://user@hall", "http://hall:x"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refused_token_is_explained() {
        assert!(HttpError::Status(401).to_string().contains("--token"));
        assert_eq!(HttpError::Status(500).to_string(), "host answered HTTP 500");
    }

    /// A host that answers the event stream's head and then goes silent (a
    /// pulled cable: no FIN) is noticed after the idle time, not never; and
    /// the chunked body before the silence arrives.
    #[test]
    fn a_silent_stream_ends_after_the_idle_time() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = Url::parse(&format!("http://{}", listener.local_addr().expect("addr"))).expect("url");
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let body = "id: 1\ndata: {}\n\n";
            write!(conn, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n", body.len()).expect("write");
            conn.flush().expect("flush");
            // Silent, connection open, longer than the idle time.
            std::thread::sleep(Duration::from_secs(2));
            String::from_utf8_lossy(&head).into_owned()
        });
        let started = std::time::Instant::now();
        let resp = get(&url, "/api/events", &[("Last-Event-ID", "41")], Duration::from_millis(400)).expect("stream opens");
        let mut lines = resp.body.lines();
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("id: 1"));
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("data: {}"));
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some(""));
        let err = lines.next().expect("an error, not the end").expect_err("the silence is an error");
        assert!(matches!(err.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock), "{err:?}");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1800), "noticed after the idle time, before the host closed: {took:?}");
        let head = server.join().expect("server");
        assert!(head.starts_with("GET /api/events HTTP/1.1\r\n") && head.to_ascii_lowercase().contains("last-event-id: 41"), "{head}");
    }

    #[test]
    fn a_bad_ca_file_is_named() {
        let dir = std::env::temp_dir().join(format!("linli-signage-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").expect("write");
        let https = Url::parse("https://hall.example").expect("url");
        for (url, file, why) in [
            (https.clone(), dir.join("missing.pem"), "cannot be read"),
            (https.clone(), empty.clone(), "holds no certificate"),
            (Url::parse("http://hall").expect("url"), empty.clone(), "is for an https:// host"),
        ] {
            let e = url.with_ca_file(&file).expect_err(why).to_string();
            assert!(e.starts_with("--ca-file") && e.contains(&file.display().to_string()) && e.contains(why), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
