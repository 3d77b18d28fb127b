//! TLS for the SMTP client: rustls with the system's trusted roots.
//!
//! The roots come from the file named by `SSL_CERT_FILE`, else from the
//! usual bundle locations of Linux distributions and BSDs. The mail
//! server's certificate must be valid for the configured `host`; there is no
//! switch to turn checking off, since the code mails are login secrets.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::MailError;

/// Where distributions keep the bundle of trusted roots.
const BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
];

pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// Starts TLS on `tcp` for `host`, trusting the roots in `ca_file` when
/// given, else the system's. The handshake runs on first use.
pub fn wrap(host: &str, tcp: TcpStream, ca_file: Option<&Path>) -> Result<TlsStream, MailError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| MailError::Tls(format!("`{host}` is not a valid server name")))?;
    let connection = ClientConnection::new(client_config(ca_file)?, name)
        .map_err(|e| MailError::Tls(e.to_string()))?;
    Ok(StreamOwned::new(connection, tcp))
}

fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, MailError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailError::Tls(e.to_string()))?
        .with_root_certificates(roots(ca_file)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, MailError> {
    let file = ca_file
        .map(Path::to_path_buf)
        .or_else(bundle_file)
        .ok_or_else(|| MailError::Tls("no file of trusted root certificates found".into()))?;
    let pem = std::fs::read(&file)
        .map_err(|e| MailError::Tls(format!("cannot read `{}`: {e}", file.display())))?;
    let mut store = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()).flatten() {
        // A root rustls cannot use is skipped, as browsers skip them.
        store.add(cert).ok();
    }
    if store.is_empty() {
        return Err(MailError::Tls(format!(
            "`{}` holds no usable root certificate",
            file.display()
        )));
    }
    Ok(store)
}

fn bundle_file() -> Option<PathBuf> {
    if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
        return Some(PathBuf::from(file));
    }
    BUNDLES
        .iter()
        .map(Path::new)
        .find(|path| path.is_file())
        .map(Path::to_path_buf)
}
