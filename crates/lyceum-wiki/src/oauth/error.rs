//! Why a login failed: detail for the logs (`Display`), a stable message key for the learner.

/// A failed Wikimedia login.
///
/// `Display` carries internal detail (provider error text, status codes) for logs only; show
/// users the message behind [`OAuthError::message_key`].
///
/// There is deliberately no "blocked" error: `blocked` in the profile is a block on Meta-Wiki,
/// and a blocked editor may still learn. [`crate::oauth::Profile::blocked`] lets callers decide.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The learner pressed Cancel on the consent page.
    #[error("the user declined the authorization")]
    Denied,
    /// The callback's `state` is missing or not the one this session issued (CSRF or a stale tab).
    #[error("callback state does not match the session")]
    StateMismatch,
    /// The wiki could not be reached, timed out, or answered 5xx / 429.
    #[error("wiki unavailable: {0}")]
    ProviderUnavailable(String),
    /// The wiki answered something we cannot use (not JSON, missing fields, unexpected status).
    #[error("unusable answer from the wiki: {0}")]
    InvalidResponse(String),
    /// The code was refused: expired, used twice, PKCE mismatch, other redirect_uri.
    #[error("authorization code rejected: {0}")]
    CodeRejected(String),
    /// The wiki refused our client credentials or registration; an operator must fix the config.
    #[error("client credentials or registration rejected by the wiki")]
    ClientRejected,
    /// The account has no central (SUL) id, so it cannot be keyed.
    #[error("the account has no central id")]
    NoCentralId,
    /// The account is hidden (suppressed); the wiki gives only `{"sub","blocked"}`.
    #[error("the account is suppressed")]
    Suppressed,
    /// The client could not be built (bad User-Agent contact, TLS setup).
    #[error("login client misconfigured: {0}")]
    Config(String),
}

impl OAuthError {
    /// A stable banana message key; the only thing about the error a user should see.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Denied => "lyceum-oauth-error-denied",
            Self::StateMismatch => "lyceum-oauth-error-state",
            Self::ProviderUnavailable(_) => "lyceum-oauth-error-unavailable",
            Self::InvalidResponse(_) => "lyceum-oauth-error-invalid-response",
            Self::CodeRejected(_) => "lyceum-oauth-error-code",
            // Both mean "this site's login is set up wrong": the same message fits.
            Self::ClientRejected | Self::Config(_) => "lyceum-oauth-error-client",
            Self::NoCentralId => "lyceum-oauth-error-no-central-id",
            Self::Suppressed => "lyceum-oauth-error-suppressed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_detail_stays_out() {
        let err = OAuthError::CodeRejected("hint: Authorization code has been revoked".into());
        assert_eq!(err.message_key(), "lyceum-oauth-error-code");
        assert!(!err.message_key().contains("revoked"));
        assert!(err.to_string().contains("revoked"));
        assert_eq!(
            OAuthError::Suppressed.message_key(),
            "lyceum-oauth-error-suppressed"
        );
        assert_eq!(
            OAuthError::ProviderUnavailable(String::new()).message_key(),
            "lyceum-oauth-error-unavailable"
        );
    }
}
