//! Certificate verification is always on: a TLS server on loopback with a self-signed
//! certificate (`tests/tls/self-signed.*`, a throwaway key made for this test only) is refused
//! during the handshake, so the call is "not sent" and nothing can have been charged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use shiming_core::{Billing, ErrorKind};
use shiming_gateway::{ApiRequest, Credentials, GatewayClient};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

const CERT: &[u8] = include_bytes!("tls/self-signed.crt");
const KEY: &[u8] = include_bytes!("tls/self-signed.key");

#[tokio::test]
async fn a_self_signed_certificate_is_refused_before_anything_is_sent() {
    let cert = CertificateDer::from_pem_slice(CERT).expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("test key");
    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let request_seen = Arc::new(AtomicBool::new(false));
    let connected = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&request_seen);
    let tcp = Arc::clone(&connected);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tcp.store(true, Ordering::SeqCst);
            // A completed handshake would mean the client accepted the certificate.
            if acceptor.accept(stream).await.is_ok() {
                seen.store(true, Ordering::SeqCst);
            }
        }
    });
    let request = ApiRequest::get("tel3", format!("https://localhost:{}/mobile", addr.port()))
        .query("xm", "张三");
    let e = GatewayClient::new()
        .call(&Credentials::app_code("test-code"), &request)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::NotSent, Billing::NotBilled),
        "{e}"
    );
    assert!(
        connected.load(Ordering::SeqCst),
        "the client did reach the server (TCP)"
    );
    assert!(
        !request_seen.load(Ordering::SeqCst),
        "but refused its certificate in the handshake"
    );
}
