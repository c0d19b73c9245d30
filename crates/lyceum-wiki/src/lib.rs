//! Wikimedia integration: OAuth 2.0 login against Extension:OAuth (and, with `standin`, a
//! local stand-in provider), and reading learners' work on the wikis through the Action API
//! (`action`, the wikis a site reads in `registry`).

pub mod action;
pub mod oauth;
pub mod registry;

#[cfg(feature = "standin")]
pub mod standin;

#[cfg(feature = "testing")]
pub mod testing;

/// Make ring the process's TLS crypto provider (reqwest is built without a bundled one,
/// to avoid a C build of aws-lc). Harmless when one is installed already.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
