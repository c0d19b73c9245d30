//! Reading the wikis through the Action API, as a guest: read-only, requests in series,
//! `format=json&formatversion=2`, `maxlag=5` honoured with backoff (Retry-After), gzip, a
//! descriptive User-Agent with the operator's contact (Wikimedia's User-Agent policy),
//! continuation followed, timeouts. Never writes to a wiki.
//!
//! Answers become `lyceum_core::wiki` facts. A wiki that is down, slow or answering
//! garbage is an [`ApiError`], never a panic; callers keep the page working.
//!
//! SKELETON: bodies are filled in by the wiki-client work (issue 14).

use crate::registry::Wiki;
use jiff::Timestamp;
use lyceum_core::wiki::{FileFacts, RevisionText, WikiEdit, WikiUpload};

/// Why a read failed. `Display` is for logs.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Unreachable, timed out, 5xx/429, or still lagged after the retries.
    #[error("wiki unavailable: {0}")]
    Unavailable(String),
    /// Not JSON, or not the shape expected.
    #[error("unusable answer from the wiki: {0}")]
    Garbage(String),
    /// The API answered an error object (`{"error":{"code","info"}}`).
    #[error("the wiki refused: {code}: {info}")]
    Refused { code: String, info: String },
    /// The client could not be built (bad User-Agent contact, TLS setup).
    #[error("wiki client misconfigured: {0}")]
    Config(String),
}

/// A user as `list=users` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WikiUser {
    pub name: String,
    /// `None` when the user does not exist on that wiki.
    pub userid: Option<i64>,
    pub editcount: i64,
}

/// A revision's state at a re-check: gone (deleted, or its text hidden), or its tags now
/// (`mw-reverted` appears once a later edit reverted it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionState {
    pub revid: i64,
    pub gone: bool,
    pub tags: Vec<String>,
}

/// The Action API client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ActionApi {
    http: reqwest::Client,
}

impl ActionApi {
    /// `contact`: how Wikimedia's operators reach whoever runs this site (a URL or an
    /// e-mail address), put in the User-Agent.
    pub fn new(_contact: &str) -> Result<ActionApi, ApiError> {
        todo!()
    }

    /// Edits by `users` (at most 50 names per request; more are batched) since `since`
    /// (inclusive), oldest first, continuation followed. Each with the user name it was
    /// made under. An unknown user has none (not an error).
    pub async fn contributions(
        &self,
        _wiki: &Wiki,
        _users: &[&str],
        _since: Option<Timestamp>,
    ) -> Result<Vec<(String, WikiEdit)>, ApiError> {
        let _ = &self.http;
        todo!()
    }

    /// `list=users`: who exists, with their ids and edit counts.
    pub async fn users(&self, _wiki: &Wiki, _names: &[&str]) -> Result<Vec<WikiUser>, ApiError> {
        todo!()
    }

    /// The current name of the account with this central id (renames followed):
    /// `meta=globaluserinfo&guiid=` where CentralAuth answers, else the local user id
    /// (`list=users&ususerids=`). `None`: no such account.
    pub async fn current_name(
        &self,
        _wiki: &Wiki,
        _central_id: i64,
    ) -> Result<Option<String>, ApiError> {
        todo!()
    }

    /// The text of these revisions and of their parents (`prop=revisions`, main slot).
    pub async fn revision_texts(
        &self,
        _wiki: &Wiki,
        _revids: &[i64],
    ) -> Result<Vec<RevisionText>, ApiError> {
        todo!()
    }

    /// Whether these revisions still exist, and their tags now.
    pub async fn revision_states(
        &self,
        _wiki: &Wiki,
        _revids: &[i64],
    ) -> Result<Vec<RevisionState>, ApiError> {
        todo!()
    }

    /// Uploads by `user` since `since` (inclusive), oldest first.
    pub async fn uploads(
        &self,
        _wiki: &Wiki,
        _user: &str,
        _since: Option<Timestamp>,
    ) -> Result<Vec<WikiUpload>, ApiError> {
        todo!()
    }

    /// Categories and templates of these file pages.
    pub async fn file_facts(
        &self,
        _wiki: &Wiki,
        _titles: &[&str],
    ) -> Result<Vec<FileFacts>, ApiError> {
        todo!()
    }
}
