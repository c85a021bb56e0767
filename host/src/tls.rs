//! TLS clients for the host's outbound requests: a plugin's `http`
//! capability and the notify webhook. The built-in roots are webpki-roots
//! (what ureq's `tls` brings); an admin may add a hall's own CA from a PEM
//! file (an internal SMS gateway, an intranet service).

use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use rustls::ClientConfig;
pub type Certificate = rustls::pki_types::CertificateDer<'static>;

/// A TLS client trusting the webpki roots and `extra`: TLS 1.2 and 1.3 on
/// ring (the one provider in the build; named, not left to a process-wide
/// default another crate could change). No session resumption: clients
/// shared by several plugins must not let one resume another's session.
pub fn client_config(extra: Vec<Certificate>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for (i, cert) in extra.into_iter().enumerate() {
        roots.add(cert).map_err(|e| format!("certificate {} is not a usable CA certificate: {e}", i + 1))?;
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
}

/// The client trusting the built-in roots only, made once.
pub fn default_client_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG.get_or_init(|| client_config(Vec::new())).clone()
}

/// The CA certificates (PEM) in `file`. An absolute path (the host's
/// working directory is no place to look a file up); the error says what
/// is wrong with the file, for the caller to prefix with the setting's name.
pub fn read_ca_file(file: &Path) -> Result<Vec<Certificate>, String> {
    if !file.is_absolute() {
        return Err("write an absolute path (e.g. /etc/linli/hall-ca.pem)".into());
    }
    let pem = std::fs::read(file).map_err(|e| format!("cannot be read: {e}"))?;
    use rustls::pki_types::pem::PemObject;
    let certs = Certificate::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("not a PEM file of certificates: {e}"))?;
    if certs.is_empty() {
        return Err("holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

/// The client for `ca_file` (built-in roots and that file's CAs), or the
/// default one.
pub fn client_with(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    match ca_file {
        Some(f) => client_config(read_ca_file(f)?),
        None => default_client_config(),
    }
}
