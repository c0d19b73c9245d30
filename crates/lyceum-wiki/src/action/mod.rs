//! Reading the wikis through the Action API, as a guest: read-only, requests in series,
//! `format=json&formatversion=2`, `maxlag=5` honoured with backoff (Retry-After), gzip, a
//! descriptive User-Agent with the operator's contact (Wikimedia's User-Agent policy),
//! continuation followed, timeouts. Never writes to a wiki.
//!
//! Answers become `lyceum_core::wiki` facts. A wiki that is down, slow or answering
//! garbage is an [`ApiError`], never a panic; callers keep the page working.
//! `transport` sends requests (etiquette, retries, error mapping, continuation), `parse`
//! reads the answers (pure, tested on answers recorded from a real MediaWiki).

mod parse;
mod transport;

use crate::registry::Wiki;
use jiff::Timestamp;
use lyceum_core::wiki::{FileFacts, RevisionText, WikiEdit, WikiUpload};
use std::collections::{BTreeMap, BTreeSet, HashMap};
pub use transport::Options;

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

/// The Action API client. Cheap to clone: clones share one connection pool and one
/// queue, so all of a process's reads go to the wikis one at a time.
#[derive(Clone, Debug)]
pub struct ActionApi {
    transport: transport::Transport,
}

/// At most this many values in one multi-value parameter (`ucuser`, `revids`, `titles`):
/// the API's limit for clients without `apihighlimits`.
const BATCH: usize = 50;

/// What `list=usercontribs` is asked for each edit.
const UCPROP: &str = "ids|title|timestamp|size|sizediff|flags|tags";

type Params = Vec<(&'static str, String)>;

impl ActionApi {
    /// `contact`: how Wikimedia's operators reach whoever runs this site (a URL or an
    /// e-mail address), put in the User-Agent.
    pub fn new(contact: &str) -> Result<ActionApi, ApiError> {
        Self::with_options(contact, Options::default())
    }

    /// Like [`ActionApi::new`] with other timeouts, retries or page sizes (tests use small
    /// ones).
    pub fn with_options(contact: &str, options: Options) -> Result<ActionApi, ApiError> {
        Ok(ActionApi {
            transport: transport::Transport::new(contact, options)?,
        })
    }

    /// This client with `limit` items per page of a list (`uclimit`, `lelimit`…) instead
    /// of `max`: tests use it to make continuation happen with a few edits.
    pub fn with_page_size(mut self, limit: u32) -> ActionApi {
        self.transport = self.transport.with_page_size(limit);
        self
    }

    /// Edits by `users` (at most 50 names per request; more are batched) since `since`
    /// (inclusive), oldest first, continuation followed. Each with the user name it was
    /// made under (as the wiki writes it: `learner1` comes back as `Learner1`). An unknown
    /// user has none (not an error); so has a name the wiki rejects as invalid.
    ///
    /// At most [`Options::max_pages`] pages are read per batch, so a prolific account
    /// cannot make a read endless. When that cap is reached, what was read is returned:
    /// for each user, all their edits from `since` up to their newest one returned (the
    /// wiki orders by user, then time), so a caller that resumes each user from their
    /// newest edit misses nothing.
    pub async fn contributions(
        &self,
        wiki: &Wiki,
        users: &[&str],
        since: Option<Timestamp>,
    ) -> Result<Vec<(String, WikiEdit)>, ApiError> {
        let names = plausible_names(users);
        let mut out = Vec::new();
        let mut pending: Vec<Vec<&str>> = names.chunks(BATCH).map(<[&str]>::to_vec).collect();
        pending.reverse();
        while let Some(batch) = pending.pop() {
            let mut params: Params = vec![
                ("action", "query".to_owned()),
                ("list", "usercontribs".to_owned()),
                ("ucuser", batch.join("|")),
                ("ucprop", UCPROP.to_owned()),
                ("ucdir", "newer".to_owned()),
                ("uclimit", self.transport.limit()),
            ];
            if let Some(since) = since {
                params.push(("ucstart", api_timestamp(since)));
            }
            let mut edits = Vec::new();
            let read = self
                .transport
                .query_all(wiki, &params, |v| {
                    edits.extend(parse::contributions(v)?);
                    Ok(())
                })
                .await;
            match read {
                Ok(()) => out.extend(edits),
                // One name the wiki rejects (`Talk:Foo`) refuses the whole batch: halve
                // it until the rejected name is alone, then skip that name.
                Err(ApiError::Refused { code, info }) if code == "baduser" => {
                    if batch.len() > 1 {
                        let (a, b) = batch.split_at(batch.len() / 2);
                        pending.push(b.to_vec());
                        pending.push(a.to_vec());
                    } else {
                        tracing::debug!(wiki = %wiki.id, %info, "skipping an invalid user name");
                    }
                }
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|(_, e)| (e.timestamp, e.revid));
        Ok(out)
    }

    /// `list=users`: who exists, with their ids and edit counts. Missing or invalid
    /// names come back with `userid: None`.
    pub async fn users(&self, wiki: &Wiki, names: &[&str]) -> Result<Vec<WikiUser>, ApiError> {
        let names: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !n.contains('|') && !n.trim().is_empty())
            .collect();
        let mut out = Vec::new();
        for batch in names.chunks(BATCH) {
            let params: Params = vec![
                ("action", "query".to_owned()),
                ("list", "users".to_owned()),
                ("ususers", batch.join("|")),
                ("usprop", "editcount".to_owned()),
            ];
            let v = self.transport.call(wiki, &params).await?;
            out.extend(parse::users(&v)?);
        }
        Ok(out)
    }

    /// The current name of the account with this central id (renames followed):
    /// `meta=globaluserinfo&guiid=` where CentralAuth answers, else the local user id
    /// (`list=users&ususerids=`). `None`: no such account.
    ///
    /// A wiki without CentralAuth answers `meta=globaluserinfo` with two warnings
    /// ("Unrecognized parameter: guiid.", "Unrecognized value for parameter "meta":
    /// globaluserinfo") and no `query`: then the local id is read instead.
    pub async fn current_name(
        &self,
        wiki: &Wiki,
        central_id: i64,
    ) -> Result<Option<String>, ApiError> {
        if central_id <= 0 {
            return Ok(None);
        }
        let params: Params = vec![
            ("action", "query".to_owned()),
            ("meta", "globaluserinfo".to_owned()),
            ("guiid", central_id.to_string()),
        ];
        let answer = match self.transport.call(wiki, &params).await {
            Ok(v) => parse::global_user(&v)?,
            // A stricter API may refuse the unknown module outright instead of warning.
            Err(ApiError::Refused { code, .. }) if code == "badvalue" || code == "unknown_meta" => {
                parse::GlobalUser::Unsupported
            }
            // CentralAuth refuses an id it does not know (`apierror-invaliduserid`).
            Err(ApiError::Refused { code, .. }) if code == "invaliduserid" => {
                parse::GlobalUser::Missing
            }
            Err(e) => return Err(e),
        };
        match answer {
            parse::GlobalUser::Named(name) => Ok(Some(name)),
            parse::GlobalUser::Missing => Ok(None),
            parse::GlobalUser::Unsupported => {
                let params: Params = vec![
                    ("action", "query".to_owned()),
                    ("list", "users".to_owned()),
                    ("ususerids", central_id.to_string()),
                ];
                let v = self.transport.call(wiki, &params).await?;
                Ok(parse::users(&v)?
                    .into_iter()
                    .find(|u| u.userid == Some(central_id))
                    .map(|u| u.name))
            }
        }
    }

    /// The text of these revisions and of their parents (`prop=revisions`, main slot;
    /// the parents in a second read). One entry per distinct id asked, in that order. A
    /// revision the wiki no longer has, or whose text is hidden, has `content: None`; so
    /// has a parent that cannot be read.
    pub async fn revision_texts(
        &self,
        wiki: &Wiki,
        revids: &[i64],
    ) -> Result<Vec<RevisionText>, ApiError> {
        const RVPROP: &str = "ids|content|contentmodel|size";
        let wanted = unique_ids(revids);
        let found = self.read_revisions(wiki, &wanted, RVPROP).await?;
        let parents: Vec<i64> = wanted
            .iter()
            .filter_map(|id| found.get(id))
            .map(|r| r.parentid)
            .filter(|p| *p > 0 && !found.contains_key(p))
            .collect();
        let parent_revs = self
            .read_revisions(wiki, &unique_ids(&parents), RVPROP)
            .await?;
        let text_of = |id: i64| {
            found
                .get(&id)
                .or_else(|| parent_revs.get(&id))
                .and_then(|r| r.content.clone())
        };
        Ok(wanted
            .iter()
            .map(|&revid| match found.get(&revid) {
                Some(r) => RevisionText {
                    revid,
                    content_model: r.content_model.clone(),
                    content: r.content.clone(),
                    parent_content: if r.parentid > 0 {
                        text_of(r.parentid)
                    } else {
                        None
                    },
                },
                None => RevisionText {
                    revid,
                    content_model: String::new(),
                    content: None,
                    parent_content: None,
                },
            })
            .collect())
    }

    /// Whether these revisions still exist, and their tags now. Gone: the wiki no longer
    /// has the revision (deleted with its page) or hides its text (revision deletion).
    /// One entry per distinct id asked, in that order.
    pub async fn revision_states(
        &self,
        wiki: &Wiki,
        revids: &[i64],
    ) -> Result<Vec<RevisionState>, ApiError> {
        let wanted = unique_ids(revids);
        let mut states: HashMap<i64, RevisionState> = HashMap::new();
        for batch in wanted.chunks(BATCH) {
            let params: Params = vec![
                ("action", "query".to_owned()),
                ("prop", "revisions".to_owned()),
                ("revids", join_ids(batch)),
                ("rvprop", "ids|tags|sha1".to_owned()),
            ];
            self.transport
                .query_all(wiki, &params, |v| {
                    for s in parse::revision_states(v)? {
                        states.insert(s.revid, s);
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(wanted
            .iter()
            .map(|&revid| {
                // An id the answer does not mention at all is not there any more.
                states.remove(&revid).unwrap_or(RevisionState {
                    revid,
                    gone: true,
                    tags: Vec::new(),
                })
            })
            .collect())
    }

    /// Uploads by `user` since `since` (inclusive), oldest first: new files
    /// (`list=logevents&letype=upload`, action `upload`; new versions of existing files
    /// are not counted). An unknown or invalid user has none.
    pub async fn uploads(
        &self,
        wiki: &Wiki,
        user: &str,
        since: Option<Timestamp>,
    ) -> Result<Vec<WikiUpload>, ApiError> {
        let Some(user) = plausible_names(&[user]).first().copied() else {
            return Ok(Vec::new());
        };
        let mut params: Params = vec![
            ("action", "query".to_owned()),
            ("list", "logevents".to_owned()),
            ("letype", "upload".to_owned()),
            ("leuser", user.to_owned()),
            ("ledir", "newer".to_owned()),
            ("leprop", "ids|title|timestamp|type".to_owned()),
            ("lelimit", self.transport.limit()),
        ];
        if let Some(since) = since {
            params.push(("lestart", api_timestamp(since)));
        }
        let mut out = Vec::new();
        let read = self
            .transport
            .query_all(wiki, &params, |v| {
                out.extend(parse::uploads(v)?);
                Ok(())
            })
            .await;
        match read {
            Ok(()) => {}
            Err(ApiError::Refused { code, .. }) if code == "baduser" => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
        out.sort_by_key(|u| (u.timestamp, u.logid));
        Ok(out)
    }

    /// Categories and templates of these file pages (names without namespace prefix;
    /// templates from the Template namespace only). One entry per distinct title asked,
    /// under the title as asked; a page that does not exist (deleted) is `missing`.
    pub async fn file_facts(
        &self,
        wiki: &Wiki,
        titles: &[&str],
    ) -> Result<Vec<FileFacts>, ApiError> {
        let mut wanted: Vec<&str> = Vec::new();
        for &t in titles {
            if !t.contains('|') && !t.trim().is_empty() && !wanted.contains(&t) {
                wanted.push(t);
            }
        }
        let mut pages: BTreeMap<String, parse::PageLinks> = BTreeMap::new();
        let mut renamed: HashMap<String, String> = HashMap::new();
        for batch in wanted.chunks(BATCH) {
            let params: Params = vec![
                ("action", "query".to_owned()),
                ("prop", "categories|templates".to_owned()),
                ("titles", batch.join("|")),
                ("cllimit", self.transport.limit()),
                ("tllimit", self.transport.limit()),
                ("tlnamespace", "10".to_owned()),
            ];
            self.transport
                .query_all(wiki, &params, |v| {
                    let (links, normalized) = parse::page_links(v)?;
                    renamed.extend(normalized);
                    // Continuation brings more categories or templates of the same pages.
                    for p in links {
                        let entry =
                            pages
                                .entry(p.title.clone())
                                .or_insert_with(|| parse::PageLinks {
                                    title: p.title.clone(),
                                    missing: p.missing,
                                    ..Default::default()
                                });
                        entry.categories.extend(p.categories);
                        entry.templates.extend(p.templates);
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(wanted
            .iter()
            .map(|&asked| {
                let key = renamed.get(asked).map_or(asked, String::as_str);
                match pages.get(key) {
                    Some(p) => FileFacts {
                        title: asked.to_owned(),
                        categories: dedup(p.categories.clone()),
                        templates: dedup(p.templates.clone()),
                        missing: p.missing,
                    },
                    None => FileFacts {
                        title: asked.to_owned(),
                        missing: true,
                        ..Default::default()
                    },
                }
            })
            .collect())
    }

    /// `prop=revisions&revids=…` (batched, continuation followed), by revision id.
    async fn read_revisions(
        &self,
        wiki: &Wiki,
        revids: &[i64],
        rvprop: &str,
    ) -> Result<HashMap<i64, parse::Revision>, ApiError> {
        let mut out = HashMap::new();
        for batch in revids.chunks(BATCH) {
            let params: Params = vec![
                ("action", "query".to_owned()),
                ("prop", "revisions".to_owned()),
                ("revids", join_ids(batch)),
                ("rvprop", rvprop.to_owned()),
                ("rvslots", "main".to_owned()),
            ];
            self.transport
                .query_all(wiki, &params, |v| {
                    let (found, _gone) = parse::revisions(v)?;
                    out.extend(found.into_iter().map(|r| (r.revid, r)));
                    Ok(())
                })
                .await?;
        }
        Ok(out)
    }
}

/// A timestamp as the API reads it (`2026-11-21T11:08:03Z`), rounded down to the second
/// so that an inclusive bound stays inclusive.
fn api_timestamp(t: Timestamp) -> String {
    let secs = Timestamp::from_second(t.as_second()).unwrap_or(t);
    secs.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Names worth asking about: trimmed, unique, non-empty, at most 255 bytes, without the
/// characters no user name can hold (`|` would also split the list parameter). The wiki
/// has more rules; a name it rejects is skipped by [`ActionApi::contributions`].
fn plausible_names<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| {
            !n.is_empty()
                && n.len() <= 255
                && !n
                    .chars()
                    .any(|c| c.is_control() || "#<>[]|{}/%".contains(c))
        })
        .filter(|n| seen.insert(*n))
        .collect()
}

fn unique_ids(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .copied()
        .filter(|id| *id > 0 && seen.insert(*id))
        .collect()
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join("|")
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_sent_to_the_second_rounded_down() {
        let t: Timestamp = "2026-11-21T11:08:03.999Z".parse().unwrap();
        assert_eq!(api_timestamp(t), "2026-11-21T11:08:03Z");
        let t: Timestamp = "2026-11-21T11:08:03Z".parse().unwrap();
        assert_eq!(api_timestamp(t), "2026-11-21T11:08:03Z");
    }

    #[test]
    fn names_that_cannot_be_users_are_not_sent() {
        assert_eq!(
            plausible_names(&[
                " Learner1 ",
                "Learner1",
                "",
                "A|B",
                "Foo#bar",
                "x\ny",
                "Foo/Bar",
                "Ünïcode"
            ]),
            vec!["Learner1", "Ünïcode"]
        );
        let long = "a".repeat(256);
        assert!(plausible_names(&[&long]).is_empty());
    }

    #[test]
    fn ids_are_unique_and_positive() {
        assert_eq!(unique_ids(&[3, 0, 3, -1, 2]), vec![3, 2]);
        assert_eq!(join_ids(&[3, 2]), "3|2");
        assert_eq!(dedup(vec!["A".into(), "B".into(), "A".into()]), ["A", "B"]);
    }
}
