//! TLS for the tests, made at test time: a throwaway CA and a server
//! certificate it signs for `127.0.0.1` and `localhost`, written to a
//! temporary folder (a CA file to configure), and a TLS-terminating proxy
//! in front of a plain-HTTP server (the host serves HTTP only; a district
//! puts TLS at its load balancer).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::rustls;

/// A CA and one server certificate it signed.
pub struct TestCa {
    /// The CA certificate (PEM): what a client is told to trust.
    pub ca_pem: String,
    /// The server's certificate (PEM), then the CA's: its chain.
    pub chain_pem: String,
    /// The server's private key (PEM).
    pub key_pem: String,
    /// `ca_pem` written to a file, for `http_ca_file` or `--ca-file`.
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// A fresh CA named `name` and a server certificate for 127.0.0.1 and
    /// localhost. Each call makes a CA no other trusts.
    pub fn new(name: &str) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server params");
        server.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("server key");
        let cert = server.signed_by(&key, &ca_cert, &ca_key).expect("server certificate");
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("write the CA file");
        TestCa { ca_pem: ca_cert.pem(), chain_pem: format!("{}{}", cert.pem(), ca_cert.pem()), key_pem: key.serialize_pem(), ca_file, _dir: dir }
    }

    /// A rustls server presenting the certificate.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(self.chain_pem.as_bytes()).collect::<Result<Vec<_>, _>>().expect("chain");
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).expect("key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config");
        Arc::new(config)
    }
}

/// A TLS-terminating proxy on 127.0.0.1: each connection's TLS ends here
/// and its bytes go on, as they are, to `upstream` (plain HTTP). Runs until
/// dropped; while closed ([`TlsProxy::set_open`]) it drops new connections
/// at once, like a load balancer with no host behind it.
pub struct TlsProxy {
    pub addr: SocketAddr,
    open: Arc<std::sync::atomic::AtomicBool>,
    _rt: tokio::runtime::Runtime,
}

impl TlsProxy {
    pub fn start(ca: &TestCa, upstream: SocketAddr) -> TlsProxy {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let acceptor = tokio_rustls::TlsAcceptor::from(ca.server_config());
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("address");
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let is_open = open.clone();
        rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                if !is_open.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the client sees a closed connection
                }
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends it here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                });
            }
        });
        TlsProxy { addr, open, _rt: rt }
    }

    /// Let new connections through, or turn them away.
    pub fn set_open(&self, open: bool) {
        self.open.store(open, std::sync::atomic::Ordering::SeqCst);
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}
