//! A tiny blocking HTTP/1.1 client (GET, and POST for the heartbeat) for the hall's LAN.
//!
//! The event stream must notice a dead host (a pulled cable sends no FIN),
//! so every read has an idle timeout on the socket itself; chunked bodies
//! (what the host's SSE uses) and Content-Length bodies are both read.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("unsupported URL {0:?}: use http://host[:port] (the host is on the hall's LAN)")]
    Url(String),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("bad response from the host: {0}")]
    Protocol(String),
    #[error("host answered HTTP {0}{hint}", hint = if *.0 == 401 { " (device token revoked or not valid: register this screen again on the host's Devices page and give the player the new --token)" } else { "" })]
    Status(u16),
}

/// "http://host:port/base" split up.
#[derive(Clone, Debug, PartialEq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing slash ("" for the root).
    pub base: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, HttpError> {
        let rest = s
            .strip_prefix("http://")
            .ok_or_else(|| HttpError::Url(s.to_string()))?;
        let (authority, path) = rest
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((rest, String::new()));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| HttpError::Url(s.to_string()))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(HttpError::Url(s.to_string()));
        }
        Ok(Url {
            host: host.to_string(),
            port,
            base: path.trim_end_matches('/').to_string(),
        })
    }
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
    let addr = (url.host.as_str(), url.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| HttpError::Protocol(format!("{} does not resolve", url.host)))?;
    let stream = TcpStream::connect_timeout(&addr, idle.min(Duration::from_secs(5)))?;
    stream.set_read_timeout(Some(idle))?;
    stream.set_write_timeout(Some(idle))?;
    let mut request = format!(
        "{method} {}{} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n",
        url.base, path, url.host, url.port
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((ct, b)) = body {
        request.push_str(&format!("Content-Type: {ct}\r\nContent-Length: {}\r\n", b.len()));
    }
    request.push_str("\r\n");
    (&stream).write_all(request.as_bytes())?;
    if let Some((_, b)) = body {
        (&stream).write_all(b)?;
    }

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HttpError::Protocol(format!("status line {:?}", line.trim())))?;
    let mut chunked = false;
    let mut length = None;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(HttpError::Protocol("headers cut short".into()));
        }
        let h = line.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else if k == "content-length" {
                length = v.parse::<u64>().ok();
            }
        }
    }
    if !(200..300).contains(&status) {
        return Err(HttpError::Status(status));
    }
    let body: Box<dyn BufRead + Send> = if chunked {
        Box::new(BufReader::new(Chunked {
            inner: reader,
            left: 0,
            done: false,
        }))
    } else if let Some(n) = length {
        Box::new(reader.take(n))
    } else {
        Box::new(reader)
    };
    Ok(Response { status, body })
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

/// Transfer-Encoding: chunked, decoded.
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            if self.inner.read_line(&mut line)? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "chunk header"));
            }
            let size = line.trim().split(';').next().unwrap_or("");
            self.left = u64::from_str_radix(size.trim(), 16).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, format!("chunk size {size:?}"))
            })?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "chunk body"));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let mut crlf = String::new();
            self.inner.read_line(&mut crlf)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            Url::parse("http://10.0.0.2:8080").ok(),
            Some(Url {
                host: "10.0.0.2".into(),
                port: 8080,
                base: "".into()
            })
        );
        assert_eq!(
            Url::parse("http://hall/linli/").ok(),
            Some(Url {
                host: "hall".into(),
                port: 80,
                base: "/linli".into()
            })
        );
        assert!(Url::parse("https://hall").is_err());
    }

    #[test]
    fn a_refused_token_is_explained() {
        assert!(HttpError::Status(401).to_string().contains("--token"));
        assert_eq!(HttpError::Status(500).to_string(), "host answered HTTP 500");
    }

    #[test]
    fn decodes_chunks() {
        let raw = b"5\r\nhello\r\n7;x=1\r\n, world\r\n0\r\n\r\n";
        let mut out = String::new();
        Chunked {
            inner: &raw[..],
            left: 0,
            done: false,
        }
        .read_to_string(&mut out)
        .expect("decoded");
        assert_eq!(out, "hello, world");
    }
}
