//! Request-level protections: cross-site request forgery checks on every state-changing
//! request, security headers on every response, and rate limiting of failed logins.

use crate::error::AppError;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refuse state-changing requests that a browser sent from another site. Browsers say
/// where a request comes from (`Sec-Fetch-Site`, or at least `Origin`); clients that send
/// neither (curl, apps using the JSON API) are not browsers and cannot carry a victim's
/// cookies, so they pass. Together with SameSite=Lax cookies this needs no tokens.
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || same_origin(&req) {
        next.run(req).await
    } else {
        AppError::Forbidden("lyceum-error-csrf").into_response()
    }
}

fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match h.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest);
            matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
    }
}

/// Author content is untrusted even after sanitising, so pages run no inline script and
/// load nothing from elsewhere except media (Commons videos) and images.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src 'self' https:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Counts failed logins per account and per client address in a sliding window.
/// In-process: with several servers each keeps its own counts, which still bounds
/// guessing to a small multiple of the limit.
pub struct RateLimiter {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            per_account,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: Option<&str>) -> [(String, bool); 2] {
        [
            (format!("u:{account}"), true),
            (format!("a:{}", address.unwrap_or("-")), false),
        ]
    }

    /// `Err(seconds)` to wait when either limit is reached.
    pub fn check(&self, account: &str, address: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, is_account) in Self::keys(account, address) {
            if !is_account && address.is_none() {
                continue;
            }
            let limit = if is_account {
                self.per_account
            } else {
                self.per_address
            } as usize;
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= limit {
                    let oldest = times.first().copied().unwrap_or(now);
                    let wait = self.window.saturating_sub(now.duration_since(oldest));
                    return Err(wait.as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, account: &str, address: Option<&str>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        for (key, is_account) in Self::keys(account, address) {
            if is_account || address.is_some() {
                map.entry(key).or_default().push(now);
            }
        }
    }

    pub fn record_success(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("u:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_account_and_address() {
        let rl = RateLimiter::new(3, 5, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(rl.check("ada", Some("1.2.3.4")).is_ok());
            rl.record_failure("ada", Some("1.2.3.4"));
        }
        assert!(
            rl.check("ada", Some("9.9.9.9")).is_err(),
            "account limit applies from any address"
        );
        assert!(rl.check("bob", Some("1.2.3.4")).is_ok());
        rl.record_failure("bob", Some("1.2.3.4"));
        rl.record_failure("cy", Some("1.2.3.4"));
        assert!(rl.check("dan", Some("1.2.3.4")).is_err(), "address limit");
        rl.record_success("ada");
        assert!(rl.check("ada", Some("9.9.9.9")).is_ok());
    }
}
