//! Sending a media file as an HTTP response, whichever store holds it. Callers check
//! permissions first, then describe the file; this answers Range requests (seeking in a
//! video), conditional requests and caching the same way on both backends.
//!
//! A local file goes through tower-http's `ServeFile` (Range, Last-Modified,
//! If-Modified-Since). A file on S3 is streamed through this node with `get` and a byte
//! range — 206 with Content-Range, 416 when the range lies outside the file — and, since
//! content is immutable and named by its hash, the ETag is the hash and If-None-Match is
//! answered without asking the bucket. With `media_signed_urls` the node instead answers
//! 302 to a URL signed for a few minutes (the bucket then serves Range itself); that
//! redirect must not be cached (`private, no-store`), the file behind it may be.

use crate::error::{AppError, AppResult};
use crate::state::App;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// How long a signed URL stays valid: long enough to start a download or a video, short
/// enough that a leaked link soon stops working.
const SIGNED_FOR: Duration = Duration::from_secs(5 * 60);

/// The file to send and the headers it goes with.
pub struct MediaFile<'a> {
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub cache_control: &'static str,
    /// `Content-Disposition`, when the file is to be saved rather than shown.
    pub disposition: Option<String>,
    /// `X-Content-Type-Options: nosniff` (files uploaded by learners).
    pub nosniff: bool,
    /// For the log line when the file is missing.
    pub what: &'a str,
}

pub async fn send(app: &App, f: &MediaFile<'_>, req: Request) -> AppResult<Response> {
    let media = app.media();
    let mut res = if let Some(path) = media.local_path(f.sha256) {
        let res = ServeFile::new(path)
            .oneshot(req)
            .await
            .map_err(AppError::internal)?;
        if res.status() == StatusCode::NOT_FOUND {
            return missing(f);
        }
        res.map(Body::new).into_response()
    } else {
        // Only the request's head is needed (and a body is not `Sync`).
        let (req, _) = req.into_parts();
        let etag = format!("\"{}\"", f.sha256);
        if if_none_match(&req.headers, &etag) {
            let mut r = StatusCode::NOT_MODIFIED.into_response();
            r.headers_mut().insert(header::ETAG, value(&etag));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(f.cache_control),
            );
            return Ok(r);
        }
        if app.config().media_signed_urls {
            let url = media
                .signed_url(
                    f.sha256,
                    SIGNED_FOR,
                    f.content_type,
                    f.disposition.as_deref(),
                )
                .await
                .map_err(AppError::internal)?
                .ok_or_else(|| AppError::internal("no signed URL from the media store"))?;
            let mut r = StatusCode::FOUND.into_response();
            let h = r.headers_mut();
            h.insert(header::LOCATION, value(url.as_str()));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            return Ok(r);
        }
        match stream(app, f, &req, &etag).await? {
            Some(r) => r,
            None => return missing(f),
        }
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(f.cache_control),
    );
    if f.nosniff {
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    if let Some(d) = &f.disposition
        && let Ok(v) = HeaderValue::from_str(d)
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn missing(f: &MediaFile<'_>) -> AppResult<Response> {
    tracing::error!(file = %f.what, sha = %f.sha256, "media file missing from the media store");
    Err(AppError::NotFound)
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn if_none_match(h: &HeaderMap, etag: &str) -> bool {
    h.get_all(header::IF_NONE_MATCH).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
    })
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wanted {
    Whole,
    Part(std::ops::Range<u64>),
    Unsatisfiable,
}

/// One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); several ranges or a header
/// that does not parse get the whole file, as RFC 9110 allows.
pub(crate) fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = if a.is_empty() {
        match b.parse::<u64>() {
            Ok(0) => return Wanted::Unsatisfiable,
            Ok(n) => (size.saturating_sub(n), size),
            Err(_) => return Wanted::Whole,
        }
    } else {
        let Ok(start) = a.parse::<u64>() else {
            return Wanted::Whole;
        };
        let end = if b.is_empty() {
            size
        } else {
            match b.parse::<u64>() {
                Ok(e) if e >= start => e.saturating_add(1).min(size),
                _ => return Wanted::Whole,
            }
        };
        if start >= size {
            return Wanted::Unsatisfiable;
        }
        (start, end)
    };
    if parsed.0 >= parsed.1 {
        return Wanted::Unsatisfiable;
    }
    if parsed == (0, size) {
        return Wanted::Whole;
    }
    Wanted::Part(parsed.0..parsed.1)
}

/// Stream an object through this node: 200, 206 or 416; `None` when it is missing.
async fn stream(
    app: &App,
    f: &MediaFile<'_>,
    req: &axum::http::request::Parts,
    etag: &str,
) -> AppResult<Option<Response>> {
    let media = app.media().clone();
    let range = req
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| {
            // If-Range with another validator: the file changed (it cannot: send it whole).
            req.headers
                .get(header::IF_RANGE)
                .is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag))
        })
        .map(str::to_owned);
    let head = req.method == Method::HEAD;
    let wanted = match &range {
        None => Wanted::Whole,
        Some(r) => {
            let sha = f.sha256.to_owned();
            let m = media.clone();
            let Some(stat) = tokio::task::spawn_blocking(move || m.stat(&sha))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?
            else {
                return Ok(None);
            };
            match wanted(Some(r), stat.bytes()) {
                Wanted::Unsatisfiable => {
                    let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                    res.headers_mut().insert(
                        header::CONTENT_RANGE,
                        value(&format!("bytes */{}", stat.bytes())),
                    );
                    return Ok(Some(res));
                }
                w => w,
            }
        }
    };
    let part = match &wanted {
        Wanted::Part(r) => Some(r.clone()),
        _ => None,
    };
    let Some(object) = media
        .get(f.sha256, part.clone())
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let len = object.range.end - object.range.start;
    let mut res = if head {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from_stream(object.body))
    };
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, value(etag));
    h.insert(header::CONTENT_LENGTH, value(&len.to_string()));
    if part.is_some() {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
        res.headers_mut().insert(
            header::CONTENT_RANGE,
            value(&format!(
                "bytes {}-{}/{}",
                object.range.start,
                object.range.end - 1,
                object.size
            )),
        );
    }
    Ok(Some(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let w = |r: &str| wanted(Some(r), 100);
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(w("bytes=0-9"), Wanted::Part(0..10));
        assert_eq!(w("bytes=90-"), Wanted::Part(90..100));
        assert_eq!(w("bytes=-10"), Wanted::Part(90..100));
        assert_eq!(w("bytes=-1000"), Wanted::Whole);
        assert_eq!(w("bytes=95-1000"), Wanted::Part(95..100));
        assert_eq!(w("bytes=0-"), Wanted::Whole);
        assert_eq!(w("bytes=100-"), Wanted::Unsatisfiable);
        assert_eq!(w("bytes=-0"), Wanted::Unsatisfiable);
        assert_eq!(w("bytes=5-2"), Wanted::Whole);
        assert_eq!(w("bytes=0-1,5-6"), Wanted::Whole);
        assert_eq!(w("items=0-1"), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-"), 0), Wanted::Unsatisfiable);
    }
}
