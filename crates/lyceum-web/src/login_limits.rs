//! How many password guesses a login may take, from where, and for whom.
//!
//! Two dangers pull in opposite directions on a public site: someone guessing a learner's
//! password (from one address, or spread over many), and someone locking a learner out by
//! failing their logins on purpose. Every attempt takes a slot *before* its password is
//! checked (in the database, atomically: `lyceum_store::repo::login_limits`), so requests
//! sent together cannot all slip past the count; a successful login hands its slots back.
//! In each 15-minute window:
//!
//! - **account and address: 5.** The limit a guesser meets first. It only ever blocks that
//!   address for that account, so a stranger's failures elsewhere never touch the learner.
//! - **account, from addresses it has not logged in from lately: 10.** Bounds guessing
//!   spread over many addresses (10 guesses per window for the account, whatever the number
//!   of addresses). Addresses the account logged in from in the last 90 days skip it: a
//!   learner at home or at school keeps logging in while a stranger hammers their account.
//!   The cost: while such an attack runs, the learner cannot log in with a password from a
//!   *new* address for up to 15 minutes (Wikimedia login still works).
//! - **address: 30.** Bounds one address trying many accounts (password spraying). It is
//!   high enough for a classroom behind one NAT address mistyping passwords.
//!
//! Addresses are those of `client_ip`; IPv6 addresses count by their /64 network, since one
//! subscriber commonly holds a whole /64 and could otherwise take a fresh address per guess.
//! Keys and addresses are stored as SHA-256 hashes: the tables do not list what people
//! typed into the username field (sometimes their password) or where they logged in from.

use crate::error::AppResult;
use crate::state::App;
use axum::http::HeaderMap;
use lyceum_core::UserId;
use lyceum_store::Db;
use lyceum_store::repo::login_limits::{self, Bucket, Reservation, Slot};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};

pub const WINDOW_MS: i64 = lyceum_app::accounts::LOGIN_WINDOW_MS;
pub const PER_ACCOUNT_AND_ADDRESS: i64 = 5;
pub const PER_ACCOUNT_FROM_NEW_ADDRESSES: i64 = 10;
pub const PER_ADDRESS: i64 = 30;
/// How long an address an account logged in from stays exempt from the account-wide limit.
pub const TRUST_MS: i64 = lyceum_app::accounts::LOGIN_TRUST_MS;

/// The client's address. Behind a reverse proxy of the operator's (`trust_forwarded_for`),
/// the address that proxy saw: the *last* `X-Forwarded-For` entry, which it appended.
/// Entries before it were sent by the client and prove nothing, so they are never used (a
/// client could otherwise pick a fresh address for every guess, or take its victim's).
/// Without the setting, or without a usable header, the socket's peer.
pub fn client_ip(
    trust_forwarded_for: bool,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(last) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
        && let Some(ip) = parse_ip(last)
    {
        return Some(ip);
    }
    if trust_forwarded_for {
        // Every client then counts as the proxy's one address: say so once, loudly.
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                "trust_forwarded_for is on but a login came without a usable X-Forwarded-For: \
                 logins are limited by the proxy's address (configure the proxy to append it)"
            );
        }
    }
    peer.map(|p| p.ip())
}

/// An address as proxies write it: `1.2.3.4`, `2001:db8::1`, `[2001:db8::1]:443`, `1.2.3.4:80`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// The network an address counts under: IPv4 whole, IPv6 by its /64 (IPv4-mapped IPv6 as
/// the IPv4 address it is).
pub fn address_key(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        None => "unknown".to_owned(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

fn hash(kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update(p.as_bytes());
    }
    format!("{kind}:{:x}", h.finalize())
}

/// The buckets a login for `account` (a username key) from `address` counts in, in the
/// fixed order of kinds the store's deadlock argument relies on.
pub fn buckets(account: &str, address: &str, trusted: bool) -> Vec<Bucket> {
    let mut b = vec![Bucket {
        key: hash("pair", &[account, address]),
        limit: PER_ACCOUNT_AND_ADDRESS,
    }];
    if !trusted {
        b.push(Bucket {
            key: hash("account", &[account]),
            limit: PER_ACCOUNT_FROM_NEW_ADDRESSES,
        });
    }
    b.push(Bucket {
        key: hash("address", &[address]),
        limit: PER_ADDRESS,
    });
    b
}

/// A login attempt that may go on to check its password.
pub struct Attempt {
    slots: Vec<Slot>,
    pair: String,
    address_hash: String,
}

/// Take a slot for this attempt in every bucket that applies, or say how many seconds to
/// wait. Two statements and a transaction whatever the outcome.
pub async fn reserve(
    app: &App,
    account: &str,
    ip: Option<IpAddr>,
) -> AppResult<Result<Attempt, u64>> {
    let address = address_key(ip);
    let address_hash = hash("ip", &[&address]);
    let now = app.now_ms();
    let mut tx = app.store().begin().await?;
    let trusted = login_limits::is_trusted(&mut tx, account, &address_hash, now - TRUST_MS).await?;
    let buckets = buckets(account, &address, trusted);
    match login_limits::reserve(&mut tx, &buckets, now, WINDOW_MS).await? {
        Reservation::Granted(slots) => {
            tx.commit().await?;
            Ok(Ok(Attempt {
                pair: buckets[0].key.clone(),
                slots,
                address_hash,
            }))
        }
        // Dropping the transaction hands back the slots taken before the full bucket.
        Reservation::Limited { until } => {
            let wait_ms = (until - now).max(1000);
            Ok(Err(u64::try_from(wait_ms).map_or(1, |ms| ms.div_ceil(1000))))
        }
    }
}

/// The attempt logged `user` in: hand its slots back, forget this address's earlier
/// failures for the account, and remember the address as one the account uses. Runs in the
/// caller's transaction (the one that starts the session).
pub async fn succeeded(
    db: &mut impl Db,
    attempt: &Attempt,
    user: UserId,
    now: i64,
) -> AppResult<()> {
    login_limits::release(db, &attempt.slots).await?;
    login_limits::clear(db, &attempt.pair).await?;
    login_limits::trust(db, user, &attempt.address_hash, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn addresses_count_by_network() {
        let key = |s: &str| address_key(Some(s.parse().unwrap()));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(address_key(None), "unknown");
    }

    #[test]
    fn only_the_proxys_own_forwarded_entry_counts() {
        let peer: SocketAddr = "10.0.0.2:5555".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 198.51.100.4"),
        );
        // Behind a proxy: the entry it appended, never the client's own claims before it.
        assert_eq!(
            client_ip(true, &h, Some(peer)),
            Some("198.51.100.4".parse().unwrap())
        );
        // Not behind a proxy: the header is the client's word and is ignored.
        assert_eq!(client_ip(false, &h, Some(peer)), Some(peer.ip()));
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("[2001:db8::5]:443"),
        );
        assert_eq!(
            client_ip(true, &h, Some(peer)),
            Some("2001:db8::5".parse().unwrap())
        );
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("not an address"),
        );
        assert_eq!(client_ip(true, &h, Some(peer)), Some(peer.ip()));
        assert_eq!(client_ip(true, &HeaderMap::new(), None), None);
    }

    #[test]
    fn trusted_addresses_skip_only_the_account_wide_bucket() {
        let kinds = |b: Vec<Bucket>| {
            b.into_iter()
                .map(|b| (b.key.split(':').next().unwrap_or("").to_owned(), b.limit))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(buckets("ada", "1.2.3.4", false)),
            [
                ("pair".into(), 5),
                ("account".into(), 10),
                ("address".into(), 30)
            ]
        );
        assert_eq!(
            kinds(buckets("ada", "1.2.3.4", true)),
            [("pair".into(), 5), ("address".into(), 30)]
        );
        // The account's name never appears in a key.
        assert!(
            buckets("zoe", "1.2.3.4", false)
                .iter()
                .all(|b| !b.key.contains("zoe"))
        );
        // Keys are unambiguous: ("ab","c") is not ("a","bc").
        assert_ne!(
            buckets("ab", "c", true)[0].key,
            buckets("a", "bc", true)[0].key
        );
    }
}
