//! The process-wide HTTP client: rustls with ring and the webpki roots, built on first use.

use std::sync::{Arc, OnceLock};

use super::error::AiError;

/// Installs ring as the process's rustls crypto provider. Idempotent; call it before any TLS.
pub fn install_crypto_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // An error means a provider is already installed, which is all we need.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The TLS settings of every connection pi makes: ring, the webpki roots plus
/// `SSL_CERT_FILE`'s, safe protocol versions, the given ALPN protocols.
pub fn tls_config(alpn: &[&[u8]]) -> Result<rustls::ClientConfig, String> {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // Proxies that inspect TLS bring their own CA; the usual variable names its bundle.
    if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
        add_pem_bundle(&mut roots, std::path::Path::new(&file));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(tls)
}

fn build() -> Result<reqwest::Client, String> {
    let tls = tls_config(&[b"h2", b"http/1.1"])?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("rust-pi/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// Adds the certificates of a PEM bundle to `roots`; unreadable files and bad certificates are
/// logged and skipped.
fn add_pem_bundle(roots: &mut rustls::RootCertStore, file: &std::path::Path) {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = match CertificateDer::pem_file_iter(file) {
        Ok(iter) => iter.filter_map(Result::ok),
        Err(e) => {
            tracing::warn!("cannot read SSL_CERT_FILE {}: {e}", file.display());
            return;
        }
    };
    let (added, skipped) = roots.add_parsable_certificates(certs);
    tracing::debug!(
        added,
        skipped,
        "extra root certificates from {}",
        file.display()
    );
}

/// The shared client (cheap to clone: it is a handle to one connection pool).
pub fn client() -> Result<reqwest::Client, AiError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(build)
        .clone()
        .map_err(AiError::HttpClient)
}

/// A reqwest error with its chain of causes, on one line.
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    super::convert::one_line(&text, 300)
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_builds_twice() {
        super::install_crypto_provider();
        super::install_crypto_provider();
        assert!(super::client().is_ok());
        assert!(super::client().is_ok());
    }
}
