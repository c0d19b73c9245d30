//! Wikimedia integration: OAuth 2.0 login against Extension:OAuth (and, with `standin`, a local stand-in provider).

pub mod oauth;

#[cfg(feature = "standin")]
pub mod standin;
