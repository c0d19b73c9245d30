//! Pure parsing of the Action API's `formatversion=2` answers into facts: no I/O, so every
//! shape is tested on answers recorded from a real MediaWiki (see the tests below).

use super::{ApiError, RevisionState, WikiUser};
use jiff::Timestamp;
use lyceum_core::wiki::{WikiEdit, WikiUpload};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An API error object: `{"error":{"code":"…","info":"…"}}` (the default error format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ErrorObject {
    pub code: String,
    pub info: String,
}

/// The error object of an answer, if it is one. Not a JSON object at all is garbage.
pub(super) fn error_object(v: &Value) -> Result<Option<ErrorObject>, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::Garbage("the answer is not a JSON object".to_owned()))?;
    let Some(err) = obj.get("error") else {
        return Ok(None);
    };
    let code = err
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::Garbage("an error without a code".to_owned()))?;
    let info = err.get("info").and_then(Value::as_str).unwrap_or_default();
    Ok(Some(ErrorObject {
        code: code.to_owned(),
        info: info.to_owned(),
    }))
}

/// The `continue` object to merge into the next request, `None` when the answer is the
/// last. Values are strings (numbers are accepted: some modules send offsets).
pub(super) fn continuation(v: &Value) -> Result<Option<Vec<(String, String)>>, ApiError> {
    let Some(cont) = v.get("continue") else {
        return Ok(None);
    };
    let obj = cont
        .as_object()
        .ok_or_else(|| ApiError::Garbage("`continue` is not an object".to_owned()))?;
    let mut out = Vec::with_capacity(obj.len());
    for (k, val) in obj {
        let val = match val {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(ApiError::Garbage(format!("`continue.{k}` is not a string"))),
        };
        out.push((k.clone(), val));
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// `query.KEY`, deserialised. Missing `query` or `KEY` is garbage: the module answered
/// something else (or the wiki does not have it).
fn query_part<T: DeserializeOwned>(v: &Value, key: &str) -> Result<T, ApiError> {
    let part = v
        .get("query")
        .and_then(|q| q.get(key))
        .ok_or_else(|| ApiError::Garbage(format!("the answer has no `query.{key}`")))?;
    T::deserialize(part).map_err(|e| ApiError::Garbage(format!("`query.{key}`: {e}")))
}

/// `query.KEY` when it may be absent (e.g. `pages` when every id was bad).
fn optional_query_part<T: DeserializeOwned + Default>(v: &Value, key: &str) -> Result<T, ApiError> {
    match v.get("query").and_then(|q| q.get(key)) {
        None => Ok(T::default()),
        Some(part) => {
            T::deserialize(part).map_err(|e| ApiError::Garbage(format!("`query.{key}`: {e}")))
        }
    }
}

#[derive(Deserialize)]
struct Contrib {
    user: String,
    revid: i64,
    #[serde(default)]
    parentid: i64,
    pageid: i64,
    ns: i64,
    title: String,
    timestamp: Timestamp,
    #[serde(default)]
    size: i64,
    sizediff: Option<i64>,
    #[serde(default)]
    new: bool,
    #[serde(default)]
    tags: Vec<String>,
}

/// `list=usercontribs` (`ucprop=ids|title|timestamp|size|sizediff|flags|tags`): each edit
/// with the user name it was made under.
pub(super) fn contributions(v: &Value) -> Result<Vec<(String, WikiEdit)>, ApiError> {
    let items: Vec<Contrib> = query_part(v, "usercontribs")?;
    Ok(items
        .into_iter()
        .map(|c| {
            // MediaWiki sends `sizediff` whenever it knows the parent; a page's first
            // revision changes the size by all of it.
            let sizediff = c
                .sizediff
                .unwrap_or(if c.parentid == 0 { c.size } else { 0 });
            let edit = WikiEdit {
                revid: c.revid,
                parentid: c.parentid,
                pageid: c.pageid,
                ns: c.ns,
                title: c.title,
                timestamp: c.timestamp,
                size: c.size,
                sizediff,
                new: c.new,
                tags: c.tags,
            };
            (c.user, edit)
        })
        .collect())
}

#[derive(Deserialize)]
struct User {
    name: Option<String>,
    userid: Option<i64>,
    #[serde(default)]
    editcount: i64,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    invalid: bool,
}

/// `list=users&usprop=editcount`: missing and invalid names have no id. For `ususerids`
/// a missing id comes back without a name; it is left out (there is no one to name).
pub(super) fn users(v: &Value) -> Result<Vec<WikiUser>, ApiError> {
    let raw: Vec<User> = query_part(v, "users")?;
    Ok(raw
        .into_iter()
        .filter_map(|u| {
            let exists = !u.missing && !u.invalid;
            Some(WikiUser {
                name: u.name?,
                userid: if exists { u.userid } else { None },
                editcount: if exists { u.editcount } else { 0 },
            })
        })
        .collect())
}

/// What `meta=globaluserinfo` said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum GlobalUser {
    /// The wiki has no CentralAuth (it warned "Unrecognized value for parameter meta").
    Unsupported,
    Missing,
    Named(String),
}

pub(super) fn global_user(v: &Value) -> Result<GlobalUser, ApiError> {
    let Some(info) = v.get("query").and_then(|q| q.get("globaluserinfo")) else {
        return Ok(GlobalUser::Unsupported);
    };
    if info
        .get("missing")
        .is_some_and(|m| m != &Value::Bool(false))
    {
        return Ok(GlobalUser::Missing);
    }
    match info.get("name").and_then(Value::as_str) {
        Some(name) => Ok(GlobalUser::Named(name.to_owned())),
        None => Err(ApiError::Garbage(
            "`globaluserinfo` has neither a name nor `missing`".to_owned(),
        )),
    }
}

/// A revision as `prop=revisions&rvprop=ids|content|contentmodel|size|tags|sha1`
/// (whichever of these were asked) gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Revision {
    pub revid: i64,
    pub parentid: i64,
    pub content_model: String,
    pub content: Option<String>,
    pub tags: Vec<String>,
    /// Its text was deleted (revision deletion) or cannot be read.
    pub hidden: bool,
}

#[derive(Deserialize, Default)]
struct Page {
    #[serde(default)]
    revisions: Vec<Rev>,
}

#[derive(Deserialize)]
struct Rev {
    revid: i64,
    #[serde(default)]
    parentid: i64,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    sha1hidden: bool,
    #[serde(default)]
    texthidden: bool,
    #[serde(default)]
    textmissing: bool,
    slots: Option<Slots>,
}

#[derive(Deserialize)]
struct Slots {
    main: Option<Slot>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(default)]
    contentmodel: String,
    content: Option<String>,
    #[serde(default)]
    texthidden: bool,
    #[serde(default)]
    textmissing: bool,
}

/// `prop=revisions&revids=…`: the revisions found, and the ids the wiki does not have
/// (`query.badrevids`: deleted with their page, or never existed).
pub(super) fn revisions(v: &Value) -> Result<(Vec<Revision>, Vec<i64>), ApiError> {
    let pages: Vec<Page> = optional_query_part(v, "pages")?;
    let mut found = Vec::new();
    for page in pages {
        for r in page.revisions {
            let (model, content, slot_hidden) = match r.slots.and_then(|s| s.main) {
                Some(slot) => (
                    slot.contentmodel,
                    slot.content,
                    slot.texthidden || slot.textmissing,
                ),
                None => (String::new(), None, false),
            };
            let hidden = r.sha1hidden || r.texthidden || r.textmissing || slot_hidden;
            found.push(Revision {
                revid: r.revid,
                parentid: r.parentid,
                content_model: model,
                content: if hidden { None } else { content },
                tags: r.tags,
                hidden,
            });
        }
    }
    Ok((found, bad_revids(v)?))
}

/// `query.badrevids`: an object keyed by id in formatversion 2 (`{"999":{"revid":999,
/// "missing":true}}`); a list is accepted too.
fn bad_revids(v: &Value) -> Result<Vec<i64>, ApiError> {
    let Some(bad) = v.get("query").and_then(|q| q.get("badrevids")) else {
        return Ok(Vec::new());
    };
    let entries: Vec<&Value> = match bad {
        Value::Object(map) => map.values().collect(),
        Value::Array(list) => list.iter().collect(),
        _ => {
            return Err(ApiError::Garbage(
                "`badrevids` is neither object nor list".to_owned(),
            ));
        }
    };
    entries
        .into_iter()
        .map(|e| {
            e.get("revid")
                .and_then(Value::as_i64)
                .ok_or_else(|| ApiError::Garbage("a bad revision without its id".to_owned()))
        })
        .collect()
}

/// Revision states from `prop=revisions&rvprop=ids|tags|sha1`: gone when the wiki no
/// longer has the revision or hides its text.
pub(super) fn revision_states(v: &Value) -> Result<Vec<RevisionState>, ApiError> {
    let (found, bad) = revisions(v)?;
    let mut out: Vec<RevisionState> = found
        .into_iter()
        .map(|r| RevisionState {
            revid: r.revid,
            gone: r.hidden,
            tags: r.tags,
        })
        .collect();
    out.extend(bad.into_iter().map(|revid| RevisionState {
        revid,
        gone: true,
        tags: Vec::new(),
    }));
    Ok(out)
}

#[derive(Deserialize)]
struct LogEvent {
    logid: i64,
    title: Option<String>,
    timestamp: Timestamp,
    #[serde(default)]
    action: String,
}

/// `list=logevents&letype=upload`: new files only (`action` `upload`; a new version of
/// an existing file is `overwrite`, a revert `revert`). An entry whose title is hidden
/// (log suppression) is left out.
pub(super) fn uploads(v: &Value) -> Result<Vec<WikiUpload>, ApiError> {
    let events: Vec<LogEvent> = query_part(v, "logevents")?;
    Ok(events
        .into_iter()
        .filter(|e| e.action == "upload")
        .filter_map(|e| {
            Some(WikiUpload {
                logid: e.logid,
                title: e.title?,
                timestamp: e.timestamp,
            })
        })
        .collect())
}

/// One page of `prop=categories|templates&titles=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct PageLinks {
    pub title: String,
    pub missing: bool,
    pub categories: Vec<String>,
    pub templates: Vec<String>,
}

#[derive(Deserialize)]
struct LinksPage {
    title: String,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    invalid: bool,
    #[serde(default)]
    categories: Vec<Link>,
    #[serde(default)]
    templates: Vec<Link>,
}

#[derive(Deserialize)]
struct Link {
    title: String,
}

#[derive(Deserialize)]
struct Normalized {
    from: String,
    to: String,
}

/// The pages of a `prop=categories|templates` answer (names without their namespace
/// prefix, whatever the wiki's language calls it), and the `normalized` title pairs
/// (`from` as sent → `to` as the wiki writes it).
/// Title pairs `(from, to)`: a title as sent, and as the wiki writes it.
pub(super) type Renames = Vec<(String, String)>;

pub(super) fn page_links(v: &Value) -> Result<(Vec<PageLinks>, Renames), ApiError> {
    let pages: Vec<LinksPage> = optional_query_part(v, "pages")?;
    let normalized: Vec<Normalized> = optional_query_part(v, "normalized")?;
    let strip = |l: Link| match l.title.split_once(':') {
        Some((_, name)) => name.to_owned(),
        None => l.title,
    };
    let pages = pages
        .into_iter()
        .map(|p| PageLinks {
            title: p.title,
            missing: p.missing || p.invalid,
            categories: p.categories.into_iter().map(strip).collect(),
            templates: p.templates.into_iter().map(strip).collect(),
        })
        .collect();
    Ok((
        pages,
        normalized.into_iter().map(|n| (n.from, n.to)).collect(),
    ))
}

#[cfg(test)]
mod tests;
