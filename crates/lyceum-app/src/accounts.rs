//! Accounts: local ones (username + Argon2id password hash). Wikimedia logins stay with
//! the web, which holds the OAuth exchange.

use crate::{Error, Result};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use lyceum_core::user::{username_key, validate_username};
use lyceum_core::{DomainError, UserId};
use lyceum_store::repo::users;
use lyceum_store::{Store, StoreError};
use std::sync::OnceLock;

/// How long a failed login counts against the limits (the window of the login limiter).
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long an address an account logged in from stays exempt from the account-wide limit.
pub const LOGIN_TRUST_MS: i64 = 90 * 24 * 3600 * 1000;

/// A local account to create.
#[derive(Clone, Copy, Debug)]
pub struct NewLocalUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    /// A site administrator.
    pub admin: bool,
}

/// Hash a password with Argon2id (default parameters: 19 MiB, 2 passes). Slow on
/// purpose, so it runs off the async threads.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)
}

/// Check a password. With no stored hash a dummy one is checked anyway, so a wrong
/// username takes as long as a wrong password and names cannot be probed by timing.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    Argon2::default()
                        .hash_password(b"dummy password")
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// Create a local account (`lyceum user add`, the demo, tests), in one transaction. Needs
/// only the store: it runs before anything else of a site exists. A taken name (in any
/// case) is `Invalid` (`lyceum-error-username-taken`).
pub async fn create_local_user(store: &Store, user: &NewLocalUser<'_>, now: i64) -> Result<UserId> {
    let name = validate_username(user.username).map_err(Error::invalid)?;
    validate_new_password(user.password, &name).map_err(Error::invalid)?;
    let hash = hash_password(user.password.to_owned()).await?;
    let mut tx = store.begin().await?;
    let id = match users::create_user(
        &mut tx,
        &name,
        &username_key(&name),
        user.display_name,
        user.admin,
        now,
    )
    .await
    {
        Err(StoreError::Conflict) => {
            return Err(Error::invalid(
                DomainError::new("lyceum-error-username-taken").with_arg(name),
            ));
        }
        other => other?,
    };
    users::set_password_hash(&mut tx, id, &hash, now).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// Self-service: sign-up, e-mail verification, password reset and change, login methods,
// deletion.

use crate::Env;
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::user::{validate_email, validate_new_password};
use lyceum_store::repo::accounts::{self as account_repo, Purpose};
use lyceum_store::repo::{audit, login_limits, settings};

/// The site setting that opens self-service sign-up: `"true"` (the default when unset) or
/// `"false"`. Admins change it; [`signup_enabled`] reads it.
pub const SIGNUP_SETTING: &str = "signup_enabled";
/// Sign-ups per address (IPv6: per /64) in [`SIGNUP_WINDOW_MS`].
pub const SIGNUPS_PER_ADDRESS: i64 = 5;
pub const SIGNUP_WINDOW_MS: i64 = 3600 * 1000;
/// Password-reset requests per address in an hour (answered 429 beyond it).
pub const RESET_REQUESTS_PER_ADDRESS: i64 = 10;
/// Reset mails one account receives in an hour at most (beyond it, requests are answered
/// as usual and nothing is sent: the answer never tells whether an account exists).
pub const RESET_MAILS_PER_ACCOUNT: i64 = 3;
/// A password-reset link lives an hour, an e-mail verification link a week.
pub const RESET_TOKEN_MS: i64 = 3600 * 1000;
pub const VERIFY_TOKEN_MS: i64 = 7 * 24 * 3600 * 1000;
/// Usernames beginning with this are the tombstones of deleted accounts.
pub const DELETED_PREFIX: &str = "deleted-user-";

/// Is self-service sign-up open? Unset means yes; anything but `"false"` too.
pub async fn signup_enabled(env: &Env) -> Result<bool> {
    let mut c = env.store.conn().await?;
    Ok(settings::get(&mut c, SIGNUP_SETTING).await?.as_deref() != Some("false"))
}

/// A link to mail: the person, the address, and the secret that goes into the URL (only
/// its hash is stored). The caller mails it (the web holds the mailer and the messages).
#[derive(Clone, Debug)]
pub struct MailLink {
    pub user: UserId,
    pub username: String,
    pub language: Option<String>,
    pub email: String,
    pub token: String,
}

fn new_token() -> (String, String) {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// A rate-limit bucket in one-hour windows (see `login_limits::HOURLY_PREFIX`): the kind
/// and the address, hashed, so the table does not list where people signed up from.
fn hourly_bucket(kind: &str, address: &str, limit: i64) -> login_limits::Bucket {
    use sha2::{Digest, Sha256};
    let h = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update([0u8])
        .chain_update(address.as_bytes())
        .finalize();
    login_limits::Bucket {
        key: format!("{}{kind}:{h:x}", login_limits::HOURLY_PREFIX),
        limit,
    }
}

/// Take a slot in an hourly bucket inside `tx`; `Err(seconds to wait)` when it is full.
async fn take_hourly(
    tx: &mut lyceum_store::Tx,
    bucket: login_limits::Bucket,
    now: i64,
) -> Result<Result<(), u64>> {
    match login_limits::reserve(tx, &[bucket], now, SIGNUP_WINDOW_MS).await? {
        login_limits::Reservation::Granted(_) => Ok(Ok(())),
        login_limits::Reservation::Limited { until } => {
            let ms = (until - now).max(1000);
            Ok(Err(u64::try_from(ms).map_or(1, |ms| ms.div_ceil(1000))))
        }
    }
}

/// Too many requests from one address: wait this many seconds.
#[derive(Debug)]
pub struct RateLimited(pub u64);

/// What a person types to sign up.
#[derive(Clone, Copy, Debug)]
pub struct SignUp<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub email: Option<&'a str>,
    /// The address (network) the request came from, as the web counts it
    /// (`login_limits::address_key`): at most [`SIGNUPS_PER_ADDRESS`] accounts per hour.
    pub address: &'a str,
    /// The interface language the person used, kept as their preference.
    pub language: Option<&'a str>,
}

#[derive(Clone, Debug)]
pub struct SignedUp {
    pub user: UserId,
    pub username: String,
    /// A verification link to mail, when an address was given and `mail` was on.
    pub verification: Option<MailLink>,
}

/// Self-service sign-up of a local account. Refused (`Forbidden`,
/// `lyceum-signup-error-closed`) when the site setting closes it; bad input is `Invalid`
/// with the rule that failed (`Conflict` for a taken name); the account never gets a grant
/// (no site admin, no course creation). With `mail`, an address given is mailed a
/// verification link; without, it is kept unverified. The address's slot is taken in the
/// transaction that creates the account, so refused attempts do not use up the limit.
pub async fn sign_up(
    env: &Env,
    input: &SignUp<'_>,
    mail: bool,
) -> Result<Result<SignedUp, RateLimited>> {
    if !signup_enabled(env).await? {
        return Err(Error::forbidden("lyceum-signup-error-closed"));
    }
    let name = validate_username(input.username).map_err(Error::invalid)?;
    let key = username_key(&name);
    if key.starts_with(DELETED_PREFIX) {
        return Err(Error::invalid(
            DomainError::new("lyceum-signup-error-username-reserved").with_arg(name),
        ));
    }
    validate_new_password(input.password, &name).map_err(Error::invalid)?;
    let email = validate_email(input.email.unwrap_or("")).map_err(Error::invalid)?;
    let hash = hash_password(input.password.to_owned()).await?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let bucket = hourly_bucket("signup", input.address, SIGNUPS_PER_ADDRESS);
    if let Err(wait) = take_hourly(&mut tx, bucket, now).await? {
        return Ok(Err(RateLimited(wait)));
    }
    let user = match users::create_user(&mut tx, &name, &key, "", false, now).await {
        Err(StoreError::Conflict) => {
            return Err(Error::new(
                crate::ErrorKind::Conflict,
                DomainError::new("lyceum-error-username-taken").with_arg(name),
            ));
        }
        other => other?,
    };
    users::set_password_hash(&mut tx, user, &hash, now).await?;
    if let Some(lang) = input.language {
        users::set_language(&mut tx, user, lang).await?;
    }
    let mut verification = None;
    if let Some(email) = &email {
        users::set_email(&mut tx, user, Some(email)).await?;
        if mail {
            verification = Some(
                issue_link(
                    &mut tx,
                    user,
                    &name,
                    input.language,
                    email,
                    Purpose::VerifyEmail,
                    now,
                )
                .await?,
            );
        }
    }
    tx.commit().await?;
    Ok(Ok(SignedUp {
        user,
        username: name,
        verification,
    }))
}

async fn issue_link(
    tx: &mut lyceum_store::Tx,
    user: UserId,
    username: &str,
    language: Option<&str>,
    email: &str,
    purpose: Purpose,
    now: i64,
) -> Result<MailLink> {
    account_repo::void_tokens(tx, user, purpose, now).await?;
    let (token, hash) = new_token();
    let ttl = match purpose {
        Purpose::VerifyEmail => VERIFY_TOKEN_MS,
        Purpose::ResetPassword => RESET_TOKEN_MS,
    };
    account_repo::insert_token(tx, &hash, user, purpose, email, now, now + ttl).await?;
    Ok(MailLink {
        user,
        username: username.to_owned(),
        language: language.map(str::to_owned),
        email: email.to_owned(),
        token,
    })
}

async fn live_user(db: &mut impl lyceum_store::Db, user: UserId) -> Result<users::UserRow> {
    users::get_user(db, user)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(Error::not_found)
}

/// Set (or remove, with an empty string) the account's e-mail address from Preferences.
/// A changed address is unverified; with `mail` it is sent a new verification link (the
/// links to the old one stop working). The same address again changes nothing.
pub async fn set_email(
    env: &Env,
    user: UserId,
    email: &str,
    mail: bool,
) -> Result<Option<MailLink>> {
    let email = validate_email(email).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let row = live_user(&mut tx, user).await?;
    if row.email.as_deref() == email.as_deref() {
        return Ok(None);
    }
    account_repo::set_unverified_email(&mut tx, user, email.as_deref()).await?;
    account_repo::void_tokens(&mut tx, user, Purpose::VerifyEmail, now).await?;
    let link = match (&email, mail) {
        (Some(e), true) => Some(
            issue_link(
                &mut tx,
                user,
                &row.username,
                row.language.as_deref(),
                e,
                Purpose::VerifyEmail,
                now,
            )
            .await?,
        ),
        _ => None,
    };
    tx.commit().await?;
    Ok(link)
}

/// "Resend": a new verification link for the account's unverified address (the older
/// links stop working). `Conflict` when there is no address or it is already verified.
pub async fn resend_verification(env: &Env, user: UserId) -> Result<MailLink> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let row = live_user(&mut tx, user).await?;
    let Some(email) = row
        .email
        .clone()
        .filter(|_| row.email_verified_at.is_none())
    else {
        return Err(Error::conflict("lyceum-account-error-nothing-to-verify"));
    };
    // At most a few mails an hour, like reset links: a button is easy to press often.
    if account_repo::tokens_since(&mut tx, user, Purpose::VerifyEmail, now - SIGNUP_WINDOW_MS)
        .await?
        >= RESET_MAILS_PER_ACCOUNT
    {
        return Err(Error::conflict("lyceum-account-error-verify-too-often"));
    }
    let link = issue_link(
        &mut tx,
        user,
        &row.username,
        row.language.as_deref(),
        &email,
        Purpose::VerifyEmail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// Open a verification link: spends it and marks the address it was sent to verified (if
/// the account still has that address). `NotFound` for an unknown, used or expired link.
pub async fn verify_email(env: &Env, token: &str) -> Result<UserId> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let Some((user, email)) =
        account_repo::spend_token(&mut tx, &token_hash(token), Purpose::VerifyEmail, now).await?
    else {
        return Err(Error::not_found());
    };
    if !account_repo::mark_email_verified(&mut tx, user, &email, now).await? {
        // The address changed since the link was sent: it proves nothing now.
        return Err(Error::not_found());
    }
    tx.commit().await?;
    Ok(user)
}

/// "Forgot your password": `who` is a username or an e-mail address. Answers the same
/// (`Ok(links)`, possibly none) whether or not an account matches, so the form cannot be
/// used to find accounts; only the per-address limit is told (`RateLimited`). A link goes
/// to an account's *verified* address only (an unverified one may be someone else's), at
/// most [`RESET_MAILS_PER_ACCOUNT`] an hour, and only to accounts with a local password
/// or none at all (a Wikimedia-only account may add one this way).
pub async fn request_password_reset(
    env: &Env,
    who: &str,
    address: &str,
) -> Result<Result<Vec<MailLink>, RateLimited>> {
    let who = who.trim();
    if who.is_empty() || who.chars().count() > lyceum_core::limits::EMAIL.max_chars {
        return Err(Error::invalid(DomainError::new(
            "lyceum-account-error-reset-who",
        )));
    }
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let bucket = hourly_bucket("reset", address, RESET_REQUESTS_PER_ADDRESS);
    if let Err(wait) = take_hourly(&mut tx, bucket, now).await? {
        return Ok(Err(RateLimited(wait)));
    }
    let ids: Vec<UserId> = if who.contains('@') {
        account_repo::users_with_verified_email(&mut tx, who, 5)
            .await?
            .into_iter()
            .map(|(id,)| UserId(id))
            .collect()
    } else {
        users::find_user_by_key(&mut tx, &username_key(who))
            .await?
            .map(|u| u.id())
            .into_iter()
            .collect()
    };
    let mut links = Vec::new();
    for id in ids {
        let Some(row) = users::get_user(&mut tx, id).await? else {
            continue;
        };
        let Some(email) = row
            .email
            .clone()
            .filter(|_| row.email_verified_at.is_some())
        else {
            continue;
        };
        if row.deleted_at.is_some() || row.blocked_at.is_some() {
            continue;
        }
        if account_repo::tokens_since(&mut tx, id, Purpose::ResetPassword, now - SIGNUP_WINDOW_MS)
            .await?
            >= RESET_MAILS_PER_ACCOUNT
        {
            continue;
        }
        links.push(
            issue_link(
                &mut tx,
                id,
                &row.username,
                row.language.as_deref(),
                &email,
                Purpose::ResetPassword,
                now,
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(Ok(links))
}

/// The account a reset link would reset (for its form), without spending it.
pub async fn reset_link_account(env: &Env, token: &str) -> Result<users::UserRow> {
    let mut c = env.store.conn().await?;
    let Some((user, _)) = account_repo::live_token(
        &mut c,
        &token_hash(token),
        Purpose::ResetPassword,
        env.now_ms(),
    )
    .await?
    else {
        return Err(Error::not_found());
    };
    live_user(&mut c, user).await
}

/// Set a new password through a reset link: the link is spent (single use, an hour at
/// most), every other reset link of the account voided, and every session of the account
/// ended. A password the policy refuses leaves the link usable.
pub async fn reset_password(env: &Env, token: &str, password: &str) -> Result<UserId> {
    let row = reset_link_account(env, token).await?;
    validate_new_password(password, &row.username).map_err(Error::invalid)?;
    let hash = hash_password(password.to_owned()).await?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let Some((user, _)) =
        account_repo::spend_token(&mut tx, &token_hash(token), Purpose::ResetPassword, now).await?
    else {
        return Err(Error::not_found());
    };
    users::set_password_hash(&mut tx, user, &hash, now).await?;
    account_repo::void_tokens(&mut tx, user, Purpose::ResetPassword, now).await?;
    account_repo::end_sessions(&mut tx, user, None).await?;
    tx.commit().await?;
    Ok(user)
}

/// Change the password from Preferences: the current one is required (`Invalid`,
/// `lyceum-account-error-current-password` when wrong); every session of the account but
/// `keep` (the one asking) ends.
pub async fn change_password(
    env: &Env,
    user: UserId,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> Result<()> {
    let (row, stored) = {
        let mut c = env.store.conn().await?;
        (
            live_user(&mut c, user).await?,
            account_repo::password_hash(&mut c, user).await?,
        )
    };
    if stored.is_none() {
        return Err(Error::conflict("lyceum-account-error-no-password"));
    }
    if !verify_password(current.to_owned(), stored).await {
        return Err(Error::invalid(DomainError::new(
            "lyceum-account-error-current-password",
        )));
    }
    if current == new {
        return Err(Error::invalid(DomainError::new(
            "lyceum-password-error-unchanged",
        )));
    }
    validate_new_password(new, &row.username).map_err(Error::invalid)?;
    let hash = hash_password(new.to_owned()).await?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    users::set_password_hash(&mut tx, user, &hash, now).await?;
    account_repo::void_tokens(&mut tx, user, Purpose::ResetPassword, now).await?;
    account_repo::end_sessions(&mut tx, user, keep).await?;
    tx.commit().await?;
    Ok(())
}

/// A Wikimedia-only account adds a local login: a password (and the username it already
/// has). `Conflict` when it already has one (change it instead).
pub async fn add_local_password(
    env: &Env,
    user: UserId,
    new: &str,
    keep: Option<&str>,
) -> Result<()> {
    let row = {
        let mut c = env.store.conn().await?;
        if account_repo::password_hash(&mut c, user).await?.is_some() {
            return Err(Error::conflict("lyceum-account-error-has-password"));
        }
        live_user(&mut c, user).await?
    };
    validate_new_password(new, &row.username).map_err(Error::invalid)?;
    let hash = hash_password(new.to_owned()).await?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    users::set_password_hash(&mut tx, user, &hash, now).await?;
    account_repo::end_sessions(&mut tx, user, keep).await?;
    tx.commit().await?;
    Ok(())
}

/// The Wikimedia identity to attach (what the OAuth callback learnt).
#[derive(Clone, Copy, Debug)]
pub struct WikimediaIdentity<'a> {
    pub central_id: i64,
    pub username: &'a str,
    pub registered_at: Option<i64>,
}

/// Attach a Wikimedia account to the logged-in `user` (Preferences → "Link Wikimedia
/// account"). Refused with `Conflict` when that Wikimedia account already belongs to
/// another account here (`lyceum-account-error-wikimedia-taken`) or `user` already has a
/// different one; linking the same one again changes nothing.
pub async fn link_wikimedia(env: &Env, user: UserId, id: &WikimediaIdentity<'_>) -> Result<()> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    live_user(&mut tx, user).await?;
    if let Some(owner) = users::find_wikimedia_account(&mut tx, id.central_id).await? {
        if owner.user_id == user.0 {
            return Ok(());
        }
        return Err(Error::new(
            crate::ErrorKind::Conflict,
            DomainError::new("lyceum-account-error-wikimedia-taken").with_arg(id.username),
        ));
    }
    if users::find_wikimedia_account_of_user(&mut tx, user)
        .await?
        .is_some()
    {
        return Err(Error::conflict("lyceum-account-error-wikimedia-already"));
    }
    users::insert_wikimedia_account(
        &mut tx,
        id.central_id,
        user,
        id.username,
        id.registered_at,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Detach the Wikimedia account: only when a local password remains to log in with
/// (`Conflict`, `lyceum-account-error-last-login` otherwise).
pub async fn unlink_wikimedia(env: &Env, user: UserId) -> Result<()> {
    let mut tx = env.store.begin().await?;
    live_user(&mut tx, user).await?;
    if account_repo::password_hash(&mut tx, user).await?.is_none() {
        return Err(Error::conflict("lyceum-account-error-last-login"));
    }
    if !account_repo::unlink_wikimedia(&mut tx, user).await? {
        return Err(Error::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// How the person confirms deleting their own account.
#[derive(Clone, Copy, Debug)]
pub enum Confirmation<'a> {
    /// Their password (accounts with a local login).
    Password(&'a str),
    /// Their username typed out (accounts without a password: Wikimedia-only).
    Username(&'a str),
}

/// Self-service deletion (Preferences → "Delete my account"), confirmed by the password,
/// or for an account without one by typing the username. Then as [`delete_account`].
pub async fn delete_own_account(
    env: &Env,
    user: UserId,
    confirm: Confirmation<'_>,
) -> Result<String> {
    let (row, stored) = {
        let mut c = env.store.conn().await?;
        (
            live_user(&mut c, user).await?,
            account_repo::password_hash(&mut c, user).await?,
        )
    };
    let confirmed = match (confirm, stored) {
        (Confirmation::Password(p), Some(h)) => verify_password(p.to_owned(), Some(h)).await,
        (Confirmation::Username(n), None) => username_key(n) == username_key(&row.username),
        (_, Some(_)) => false,
        (Confirmation::Password(_), None) => false,
    };
    if !confirmed {
        return Err(Error::invalid(DomainError::new(
            "lyceum-account-error-delete-confirm",
        )));
    }
    let actor = Actor::user(user, false);
    delete_account(env, &actor, user, "").await
}

/// Delete an account, by its owner or a site admin (`can(…, Edit, Account)`; anyone else
/// gets `NotFound`), with a reason for the audit log (`user.delete`). The personal data
/// is erased table by table (`lyceum_store::repo::accounts::ERASED`, documented there and
/// in docs/ACCOUNTS.md) and the row becomes the tombstone `deleted-user-ID`: published
/// content keeps it as its author, shown as "deleted user". One transaction; returns the
/// tombstone's name. Deleting a deleted account is `NotFound`.
pub async fn delete_account(
    env: &Env,
    actor: &Actor,
    user: UserId,
    reason: &str,
) -> Result<String> {
    if !can(actor, Action::Edit, Resource::Account(user)).allowed() {
        return Err(Error::not_found());
    }
    let reason =
        lyceum_core::limits::clean(reason, lyceum_core::limits::REASON).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let row = live_user(&mut tx, user).await?;
    let removed = account_repo::erase_personal_data(&mut tx, user).await?;
    let tombstone = account_repo::tombstone(&mut tx, user, now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "user.delete",
            target_type: "user",
            target_id: &user.0.to_string(),
            reason: &reason,
            // The old name is not kept: the log must not undo the erasure.
            details: serde_json::json!({
                "self": actor.user == Some(user),
                "rows_removed": removed,
                "was_admin": row.is_admin,
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tombstone)
}
