//! One request to a wiki's `api.php`, the way Wikimedia asks API clients to behave: in
//! series, identified, compressed, `maxlag=5` with Retry-After honoured, bounded in time
//! and size; and continuation, bounded in pages. Every failure becomes an [`ApiError`].

use super::{ApiError, parse};
use crate::registry::Wiki;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How the client treats the wikis. The defaults suit production; tests shorten them.
#[derive(Clone, Debug)]
pub struct Options {
    /// Connecting to the wiki (5 s).
    pub connect_timeout: Duration,
    /// One whole request, answer included (20 s).
    pub timeout: Duration,
    /// Tries of one request while the wiki answers "lagged" (`maxlag`, or 503 with
    /// Retry-After), the first included (3).
    pub max_tries: u32,
    /// The longest wait between two tries, whatever Retry-After says (5 s).
    pub max_retry_wait: Duration,
    /// The longest total wait for one request (15 s): beyond it, the wiki is unavailable.
    pub max_total_wait: Duration,
    /// Items per page of a list (`uclimit`…); `None`: `max`, the API's largest.
    pub page_size: Option<u32>,
    /// Pages read for one query (50): continuation stops there.
    pub max_pages: u32,
    /// The largest answer read (32 MiB; the API itself stops near 8 MiB and continues).
    pub max_body: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_tries: 3,
            max_retry_wait: Duration::from_secs(5),
            max_total_wait: Duration::from_secs(15),
            page_size: None,
            max_pages: 50,
            max_body: 32 * 1024 * 1024,
        }
    }
}

/// The HTTP client, the queue that keeps requests in series, and the options.
#[derive(Clone, Debug)]
pub(super) struct Transport {
    http: reqwest::Client,
    /// Held for the whole of a request, retries and their waits included: one request
    /// at a time per client (and its clones), as Wikimedia's API etiquette asks.
    queue: Arc<Mutex<()>>,
    options: Options,
}

/// What one try gave.
enum Try {
    Answer(Value),
    /// The wiki asked to come back later (replication lag): after this long.
    Lagged(Duration, String),
}

impl Transport {
    pub(super) fn new(contact: &str, options: Options) -> Result<Transport, ApiError> {
        let contact = contact.trim();
        if contact.is_empty() || contact.chars().any(char::is_control) {
            return Err(ApiError::Config(
                "the User-Agent contact must be a non-empty single line".to_owned(),
            ));
        }
        // Format from https://meta.wikimedia.org/wiki/User-Agent_policy, as the OAuth
        // client sends it: <client>/<version> (<contact>) <library>/<version>.
        let user_agent = format!(
            "Lyceum/{} ({contact}) reqwest/0.13",
            env!("CARGO_PKG_VERSION")
        );
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            // gzip: sends `Accept-Encoding: gzip` and inflates the answer.
            .gzip(true)
            // api.php does not redirect; following one could lead anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .build()
            .map_err(|e| ApiError::Config(format!("building the HTTP client: {e}")))?;
        Ok(Transport {
            http,
            queue: Arc::new(Mutex::new(())),
            options,
        })
    }

    pub(super) fn with_page_size(mut self, limit: u32) -> Transport {
        self.options.page_size = Some(limit.max(1));
        self
    }

    /// The value of a `*limit` parameter.
    pub(super) fn limit(&self) -> String {
        self.options
            .page_size
            .map_or_else(|| "max".to_owned(), |n| n.to_string())
    }

    /// A query and its continuations, each answer handed to `each` in order. Stops after
    /// [`Options::max_pages`] answers (logged): what was read is kept.
    pub(super) async fn query_all(
        &self,
        wiki: &Wiki,
        params: &[(&str, String)],
        mut each: impl FnMut(&Value) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut cont: Vec<(String, String)> = Vec::new();
        for _ in 0..self.options.max_pages {
            let mut all: Vec<(&str, &str)> = params
                .iter()
                .filter(|(k, _)| !cont.iter().any(|(c, _)| c == k))
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            all.extend(cont.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let answer = self.call_raw(wiki, &all).await?;
            each(&answer)?;
            match parse::continuation(&answer)? {
                Some(next) => cont = next,
                None => return Ok(()),
            }
        }
        tracing::warn!(
            wiki = %wiki.id,
            pages = self.options.max_pages,
            "stopped following continuation: too many pages for one read"
        );
        Ok(())
    }

    /// One request (retried while the wiki is lagged).
    pub(super) async fn call(
        &self,
        wiki: &Wiki,
        params: &[(&str, String)],
    ) -> Result<Value, ApiError> {
        let all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.call_raw(wiki, &all).await
    }

    async fn call_raw(&self, wiki: &Wiki, params: &[(&str, &str)]) -> Result<Value, ApiError> {
        let mut url = wiki.api.clone();
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            for (k, v) in params {
                q.append_pair(k, v);
            }
            q.append_pair("format", "json");
            q.append_pair("formatversion", "2");
            q.append_pair("maxlag", "5");
        }
        let _turn = self.queue.lock().await;
        let mut waited = Duration::ZERO;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_once(&url).await? {
                Try::Answer(v) => return Ok(v),
                Try::Lagged(after, why) => {
                    // At least a second (Retry-After: 0 is no licence to hammer), at
                    // most `max_retry_wait` (a wiki cannot park the sync for an hour).
                    let wait = after
                        .max(Duration::from_secs(1))
                        .min(self.options.max_retry_wait);
                    if tries >= self.options.max_tries
                        || waited + wait > self.options.max_total_wait
                    {
                        return Err(ApiError::Unavailable(format!(
                            "{why} (still after {tries} tries)"
                        )));
                    }
                    tracing::info!(wiki = %wiki.id, ?wait, %why, "the wiki is lagged; waiting");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }

    async fn try_once(&self, url: &url::Url) -> Result<Try, ApiError> {
        let mut resp = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(describe(&e)))?;
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        if status == StatusCode::SERVICE_UNAVAILABLE
            && let Some(after) = retry_after
        {
            return Ok(Try::Lagged(after, "HTTP 503 with Retry-After".to_owned()));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(ApiError::Unavailable(format!("HTTP {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(ApiError::Garbage(format!("HTTP {}", status.as_u16())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| ApiError::Unavailable(describe(&e)))?
        {
            if body.len() + chunk.len() > self.options.max_body {
                return Err(ApiError::Garbage(format!(
                    "an answer larger than {} bytes",
                    self.options.max_body
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            let kind = if body.trim_ascii_start().starts_with(b"<") {
                "HTML or XML"
            } else {
                "something else"
            };
            ApiError::Garbage(format!("not JSON ({kind}): {e}"))
        })?;
        match parse::error_object(&value)? {
            None => Ok(Try::Answer(value)),
            Some(err) if err.code == "maxlag" => Ok(Try::Lagged(
                retry_after.unwrap_or(Duration::from_secs(5)),
                format!("maxlag: {}", err.info),
            )),
            // Trouble on the wiki's side, not a refusal of this request.
            Some(err)
                if err.code == "ratelimited"
                    || err.code == "readonly"
                    || err.code.starts_with("internal_api_error") =>
            {
                Err(ApiError::Unavailable(format!("{}: {}", err.code, err.info)))
            }
            Some(err) => Err(ApiError::Refused {
                code: err.code,
                info: err.info,
            }),
        }
    }
}

/// Retry-After in seconds (the form MediaWiki and Wikimedia's caches send).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// A transport failure, for logs and the staff's "last error" line.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        format!("network error: {e}")
    }
}
