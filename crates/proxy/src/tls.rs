//! The TLS listener (`--listen`, `listen_tls`): rustls with libvirt's certificate files, a
//! client certificate required and checked against the CA (and the CRL), its DN against
//! `tls_allowed_dn_list`; then libvirt's one-byte confirmation, and the connection is served
//! like a local one over a socket pair, with the DN as its identity.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::conf::ListenConfig;
use crate::service::ProxyService;
use crate::{dn, ProxyError};
use oxvirt_rpc::server::{Origin, Server};

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The TLS side of the proxy: its certificates and its checks.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    allowed: Option<Arc<[String]>>,
    verify: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("allowed", &self.allowed)
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

fn pem_error(path: &std::path::Path, e: impl std::fmt::Display) -> ProxyError {
    ProxyError::Tls(format!("{}: {e}", path.display()))
}

impl Tls {
    /// Load the certificate, key, CA (and CRL) the configuration names.
    pub fn new(c: &ListenConfig) -> Result<Self, ProxyError> {
        // ring: it builds with a C compiler alone (aws-lc-rs wants cmake); what it lacks,
        // post-quantum key exchange, libvirt 9.0's gnutls clients do not offer either
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certs = CertificateDer::pem_file_iter(&c.cert_file)
            .map_err(|e| pem_error(&c.cert_file, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error(&c.cert_file, e))?;
        if certs.is_empty() {
            return Err(pem_error(&c.cert_file, "no certificate"));
        }
        let key =
            PrivateKeyDer::from_pem_file(&c.key_file).map_err(|e| pem_error(&c.key_file, e))?;
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(&c.ca_file).map_err(|e| pem_error(&c.ca_file, e))? {
            let ca = ca.map_err(|e| pem_error(&c.ca_file, e))?;
            roots.add(ca).map_err(|e| pem_error(&c.ca_file, e))?;
        }
        let mut crls = Vec::new();
        if let Some(crl) = &c.crl_file {
            for r in
                CertificateRevocationListDer::pem_file_iter(crl).map_err(|e| pem_error(crl, e))?
            {
                crls.push(r.map_err(|e| pem_error(crl, e))?);
            }
        }
        let mut verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .with_crls(crls);
        if c.tls_no_verify_certificate {
            verifier = verifier.allow_unauthenticated();
        }
        let verifier = verifier.build().map_err(|e| pem_error(&c.ca_file, e))?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ProxyError::Tls(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .map_err(|e| pem_error(&c.cert_file, e))?;
        // No TLS 1.3 session tickets: libvirt's client reads the confirmation byte right after
        // the handshake, and a ticket record arriving alone makes that read fail with EAGAIN.
        config.send_tls13_tickets = 0;
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            allowed: c.tls_allowed_dn_list.clone().map(Arc::from),
            verify: !c.tls_no_verify_certificate,
        })
    }

    /// Accept on `listener` until `stop`, serving each client with `server`.
    pub async fn serve(
        self,
        listener: TcpListener,
        server: Arc<Server<ProxyService>>,
        stop: CancellationToken,
    ) {
        if let Ok(a) = listener.local_addr() {
            info!(address = %a, "listening (TLS)");
        }
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stop.cancelled() => return,
            };
            match accepted {
                Ok((tcp, addr)) => {
                    let me = self.clone();
                    let server = server.clone();
                    tokio::spawn(async move {
                        if let Err(e) = me.client(tcp, addr, server).await {
                            warn!(%addr, "TLS client refused: {e}");
                        }
                    });
                }
                Err(e) => {
                    warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// One client: the handshake, libvirt's checks and confirmation, then the bridge.
    async fn client(
        &self,
        tcp: TcpStream,
        addr: SocketAddr,
        server: Arc<Server<ProxyService>>,
    ) -> Result<(), ProxyError> {
        let _ = tcp.set_nodelay(true);
        let mut tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(tcp))
            .await
            .map_err(|_| ProxyError::Tls("handshake timed out".into()))?
            .map_err(|e| ProxyError::Tls(format!("handshake: {e}")))?;
        let dname = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| dn::subject(c));
        if self.verify {
            let Some(d) = &dname else {
                return Err(ProxyError::Tls("no client certificate".into()));
            };
            if !dn::allowed(self.allowed.as_deref(), d) {
                // as libvirtd: no confirmation byte, the connection just ends
                let _ = tls.shutdown().await;
                return Err(ProxyError::Tls(format!(
                    "client's Distinguished Name is not on the list of allowed clients (tls_allowed_dn_list): {d}"
                )));
            }
        }
        // libvirt's confirmation: one byte, 1, in an encrypted record
        tls.write_all(&[1])
            .await
            .map_err(|e| ProxyError::Tls(format!("confirmation: {e}")))?;
        tls.flush()
            .await
            .map_err(|e| ProxyError::Tls(format!("confirmation: {e}")))?;
        debug!(%addr, dn = ?dname, "TLS client");
        let (mut ours, theirs) = UnixStream::pair()
            .map_err(|e| ProxyError::Io("cannot create a socket pair".into(), e))?;
        tokio::spawn(async move {
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut ours).await;
            let _ = tls.shutdown().await;
        });
        let origin = Origin {
            x509_dname: dname,
            remote_addr: Some(format!("{};{}", addr.ip(), addr.port())),
        };
        server.serve_stream_from(theirs, "tls", false, origin).await;
        Ok(())
    }
}

/// Bind the TLS port: `listen_addr` (every address by default), `tls_port`.
pub async fn bind(c: &ListenConfig) -> Result<TcpListener, ProxyError> {
    let port: u16 = c
        .tls_port
        .parse()
        .map_err(|_| ProxyError::Config(format!("tls_port '{}' is not a port", c.tls_port)))?;
    let host = c.listen_addr.as_deref().unwrap_or("::");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    TcpListener::bind((host, port))
        .await
        .map_err(|e| ProxyError::Io(format!("cannot listen on {host} port {port}"), e))
}
