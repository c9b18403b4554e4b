//! TLS with rustls: certificates from PEM files, or a self-signed pair for
//! `--dev`. Handshakes run in each connection's own task
//! (`connections`), so a slow client cannot stall the accept loop.

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn server_config(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<ServerConfig, String> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key do not form a usable pair: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A server configuration from a PEM certificate chain and private key.
pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read certificates from {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
    Ok(Arc::new(server_config(chain, key)?))
}

/// A self-signed certificate for `localhost` and `127.0.0.1` (and
/// `hosts`), as PEM (certificate, key), for `--dev`.
pub fn self_signed(hosts: &[String]) -> Result<(String, zeroize::Zeroizing<String>), String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    names.extend(hosts.iter().cloned());
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok((certified.cert.pem(), zeroize::Zeroizing::new(certified.signing_key.serialize_pem())))
}

/// Who is at the other end of a connection (the connect info every
/// request carries, over plain HTTP and TLS alike).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_loads() {
        let dir = std::env::temp_dir().join(format!("rekey-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = self_signed(&["rekey.test".into()]).unwrap();
        std::fs::write(dir.join("cert.pem"), cert).unwrap();
        std::fs::write(dir.join("key.pem"), key.as_bytes()).unwrap();
        assert!(load(&dir.join("cert.pem"), &dir.join("key.pem")).is_ok());
        let err = load(&dir.join("key.pem"), &dir.join("key.pem")).unwrap_err();
        assert!(err.contains("no certificate"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
