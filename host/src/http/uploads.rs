//! Uploads to a plugin's upload route and files a plugin asks the host to
//! serve (capability `files`; the store is `crate::files`).
//!
//! An upload route's body never reaches the plugin: it is streamed here,
//! piece by piece, into the store (hashed, sniffed, sealed when personal),
//! refused as soon as it passes the route's cap or the plugin's quota or
//! shows a type the route does not accept; the plugin is then called with
//! an empty body and `x-linli-file: <id>`. The file's name comes from the
//! `x-linli-file-name` header (percent-encoded UTF-8), sanitised, and is
//! never used as a path. A plugin's answer with `x-linli-serve-file: <id>`
//! is replaced by that file, streamed (the plugin's own route has passed
//! its audience check already; an id not of this plugin is not found).

use super::ApiError;
use crate::auth::Caller;
use crate::files::{FileError, FileMeta, UploadRule};
use crate::host::Host;
use crate::runtime::LoadedPlugin;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;

/// The request header the plugin reads its upload's id from.
pub const FILE_HEADER: &str = "x-linli-file";
/// The request header carrying the file's name (percent-encoded).
pub const NAME_HEADER: &str = "x-linli-file-name";
/// The response header that asks the host to serve a file.
pub const SERVE_HEADER: &str = "x-linli-serve-file";

/// A refusal of the files layer as the API's error.
pub fn file_error(e: &FileError) -> ApiError {
    match e {
        FileError::TooLarge { plugin, limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!("文件过大：插件 {plugin} 的此接口最多接受 {limit} 字节"),
            e.to_string(),
        ),
        FileError::WrongType { plugin, allowed, .. } => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_type",
            format!("文件类型不符：插件 {plugin} 的此接口只接受 {allowed}（按文件内容识别，不看文件名）"),
            e.to_string(),
        ),
        FileError::Quota { plugin, limit, .. } => ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "file_quota",
            format!("插件 {plugin} 的文件存储已满（上限 {limit}），请联系管理员"),
            e.to_string(),
        ),
        FileError::Incomplete { plugin } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "upload_incomplete",
            format!("上传未完成（插件 {plugin}），请重新上传"),
            e.to_string(),
        ),
        FileError::NotFound { plugin, .. } => ApiError::new(StatusCode::NOT_FOUND, "file_not_found", format!("文件不存在（插件 {plugin}）"), e.to_string()),
        FileError::Io(_) => ApiError::internal("storing or reading a file", e),
    }
}

/// The plugin's rule for this route, if it is an upload route.
pub fn rule_for<'a>(plugin: &'a LoadedPlugin, method: &str, route_path: &str) -> Option<&'a UploadRule> {
    plugin.uploads.iter().find(|r| r.method == method && r.path == route_path)
}

/// Receive the body of an upload to `plugin` under `rule` into the store.
pub async fn receive(host: &Arc<Host>, plugin: &LoadedPlugin, rule: &UploadRule, headers: &HeaderMap, body: Body, caller: &Caller) -> Result<FileMeta, Response> {
    let id = plugin.manifest.id.as_str();
    if !plugin.grants.contains(crate::manifest::Capability::Files.name()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "capability_denied",
            format!("插件 {id} 未获准接收文件（权限 files）"),
            format!("plugin `{id}` was not granted `files`, so it cannot take uploads"),
        )
        .into_response());
    }
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("multipart/") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "upload_raw_only",
            "请直接以请求内容发送文件（页面的上传脚本会这样做）",
            format!("plugin `{id}`: send the file itself as the request body, its name in `{NAME_HEADER}` (the upload script does), not a multipart form"),
        )
        .into_response());
    }
    let expected = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // Percent-encoded (the script), or raw UTF-8 from another client.
    let name = headers.get(NAME_HEADER).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).unwrap_or_default();
    let quota = (plugin.limits.files_count, plugin.limits.files_mib.saturating_mul(1024 * 1024));
    // Each refusal is also in the log with the plugin (a cut connection
    // has nobody to answer).
    let refuse = |e: FileError| {
        tracing::warn!(plugin = id, route = %rule.path, error = %e, "upload refused");
        file_error(&e).into_response()
    };
    // A declared length over the cap is refused before a byte is read.
    if expected.is_some_and(|n| n > rule.max_bytes) {
        linger(body, expected);
        return Err(refuse(FileError::TooLarge { plugin: id.into(), limit: rule.max_bytes }));
    }
    // The disk work (quota, temporary file, hashing, sealing, the rename)
    // runs on a blocking thread; this task hands it the body piece by
    // piece through a short queue, so a slow disk holds the client back
    // rather than the body piling up in memory.
    enum Piece {
        Data(bytes::Bytes),
        End,
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Piece>(4);
    let (files, h, pid, rule_owned) = (host.services.files.clone(), host.clone(), id.to_owned(), rule.clone());
    let writer = tokio::task::spawn_blocking(move || -> Result<FileMeta, FileError> {
        let mut up = files.begin(&pid, &rule_owned, quota, expected)?;
        loop {
            match rx.blocking_recv() {
                Some(Piece::Data(d)) => up.write(&d)?,
                Some(Piece::End) => break,
                // The connection was cut: `up` is dropped, its temporary
                // file with it.
                None => return Err(FileError::Incomplete { plugin: pid }),
            }
        }
        if expected.is_some_and(|n| n != up.size()) {
            return Err(FileError::Incomplete { plugin: pid });
        }
        up.finish(&name, h.now_ms())
    });
    let mut body = body;
    loop {
        // The writer may refuse the file (too large) while the client is
        // still sending or has paused: answer then, without more body.
        let next = tokio::select! {
            f = body.frame() => f,
            _ = tx.closed() => break,
        };
        match next {
            None => {
                let _ = tx.send(Piece::End).await;
                break;
            }
            Some(Err(_)) => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data()
                    && tx.send(Piece::Data(data)).await.is_err()
                {
                    break; // the writer refused the file; its answer says why
                }
            }
        }
    }
    drop(tx);
    let meta = match writer.await {
        Ok(Err(e)) => {
            linger(body, expected);
            return Err(refuse(e));
        }
        Ok(r) => r.map_err(refuse)?,
        Err(e) => return Err(ApiError::internal("receiving an upload", e).into_response()),
    };
    if meta.personal {
        audit(host, caller, &meta, "file.upload").await;
    }
    Ok(meta)
}

/// After a refusal answered before the whole body came (too large, over
/// the quota): read and drop the rest in the background, so that a client
/// still sending gets to read the answer instead of a reset connection
/// (what nginx calls a lingering close). Bounded: at most 16 MiB and 10 s,
/// and not at all for a declared body past that.
fn linger(mut body: Body, expected: Option<u64>) {
    const MAX: u64 = 16 * 1024 * 1024;
    if expected.is_some_and(|n| n > MAX) {
        return;
    }
    tokio::spawn(async move {
        let mut read = 0u64;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(Ok(frame)) = body.frame().await {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
                if read > MAX {
                    break;
                }
            }
        })
        .await;
    });
}

/// Write an access to a personal file to the audit log.
async fn audit(host: &Arc<Host>, caller: &Caller, m: &FileMeta, action: &'static str) {
    let (h, caller, target, detail) = (host.clone(), caller.clone(), format!("file {}/{}", m.plugin, m.id), format!("via plugin {}", m.plugin));
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = crate::audit::record(&h.db, h.services.vault.audit_chain(), &caller, h.now_ms(), action, Some(&target), Some(&detail)) {
            tracing::error!(error = %e, "could not write the audit log");
        }
    })
    .await;
}

/// The file id a plugin's answer asks the host to serve, if any.
pub fn serve_request(headers: &[(String, String)]) -> Option<String> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(SERVE_HEADER)).map(|(_, v)| v.trim().to_owned())
}

/// Serve file `id` of `plugin` (asked for by its answer), streamed.
/// One `Range: bytes=…` (a first-last, first- or -suffix range) is
/// answered with 206; several ranges, or a header that does not parse, get
/// the whole file.
pub async fn serve(host: &Arc<Host>, plugin: &LoadedPlugin, caller: &Caller, id: &str, request: &HeaderMap) -> Response {
    let pid = plugin.manifest.id.clone();
    if !plugin.grants.contains(crate::manifest::Capability::Files.name()) {
        return file_error(&FileError::NotFound { plugin: pid, id: id.into() }).into_response();
    }
    let meta = match host.services.files.get(&pid, id) {
        Ok(Some(m)) => m,
        Ok(None) => {
            tracing::warn!(plugin = %pid, file = %id.chars().take(80).collect::<String>(), "plugin asked to serve a file it does not have");
            return file_error(&FileError::NotFound { plugin: pid, id: id.chars().take(80).collect() }).into_response();
        }
        Err(e) => return file_error(&e).into_response(),
    };
    let range = match request.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|v| parse_range(v, meta.size)) {
        Some(Some(Err(()))) => {
            let mut r = ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range", "请求的范围超出文件", format!("plugin `{pid}`: the range is past the file's {} bytes", meta.size)).into_response();
            r.headers_mut().insert(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{}", meta.size)).unwrap_or(HeaderValue::from_static("bytes */0")));
            return r;
        }
        Some(Some(Ok(r))) => Some(r),
        _ => None,
    };
    if meta.personal {
        audit(host, caller, &meta, "file.read").await;
    }
    let (start, len) = range.map_or((0, meta.size), |(a, b)| (a, b - a + 1));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let (files, m) = (host.services.files.clone(), meta.clone());
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut reader = match files.reader(&m) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(plugin = %m.plugin, file = %m.id, error = %e, "opening a file to serve");
                let _ = tx.blocking_send(Err(std::io::Error::other("file unreadable")));
                return;
            }
        };
        if let Err(e) = reader.seek_to(start) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut reader = reader.take(len);
        let mut buf = vec![0u8; crate::files::CHUNK];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.blocking_send(Ok(bytes::Bytes::copy_from_slice(&buf[..n]))).is_err() {
                        break; // the client went away
                    }
                }
                Err(e) => {
                    tracing::error!(plugin = %m.plugin, file = %m.id, error = %e, "reading a file to serve");
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut r = Response::new(body);
    if let Some((a, b)) = range {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{}", meta.size)) {
            r.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&meta.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&disposition(&meta.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    // Whatever a file holds, it never runs as a page of this host.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    r.extensions_mut().insert(super::PluginAnswer);
    r
}

/// The one range of a `Range` header, first and last byte: None when it
/// is not a single byte range (the whole file is served), `Err` when it
/// starts past the end.
fn parse_range(value: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (first, last) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(n), size.checked_sub(1)?)
    } else {
        let first: u64 = a.parse().ok()?;
        let last = if b.is_empty() { size.saturating_sub(1) } else { b.parse::<u64>().ok()?.min(size.saturating_sub(1)) };
        (first, last)
    };
    if first >= size || first > last {
        return Some(Err(()));
    }
    Some(Ok((first, last)))
}

/// `attachment` with the name as ASCII and as UTF-8 (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
    let utf8: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"._-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

/// After the plugin answered an upload: a file its call did not keep is
/// removed at once when the call failed or refused it (4xx/5xx).
pub async fn settle(host: &Arc<Host>, plugin: &str, meta: &FileMeta, succeeded: bool) {
    if succeeded {
        return;
    }
    let (files, plugin, id) = (host.services.files.clone(), plugin.to_owned(), meta.id.clone());
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = files.discard(&plugin, &id) {
            tracing::error!(plugin, file = %id, error = %e, "removing an upload whose call failed");
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn one_byte_range_is_read_and_others_serve_the_whole_file() {
        assert_eq!(parse_range("bytes=10-19", 100), Some(Ok((10, 19))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-5", 100), Some(Ok((95, 99))));
        assert_eq!(parse_range("bytes=-500", 100), Some(Ok((0, 99))));
        assert_eq!(parse_range("bytes=50-5000", 100), Some(Ok((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=20-10", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=x-y", 100), None);
    }
}
