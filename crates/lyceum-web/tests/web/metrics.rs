//! `GET /metrics` (issue 16): Prometheus' text format, labels bounded by the router's
//! templates, histograms that add up, and only for whoever may see the traffic.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_store::Backend;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;

const UNIT_ROUTE: &str = "/courses/{key}/unit/{unit}";

fn local() -> Option<SocketAddr> {
    Some("127.0.0.1:40000".parse().unwrap())
}

/// A scrape, from this machine (allowed without a token); checked against the format.
async fn scrape(t: &TestApp) -> Scrape {
    let mut c = t.client();
    c.peer = local();
    let r = c.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(r.header("cache-control"), "no-store");
    parse(&r.body)
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let ana = t.user("ana", false).await;
    t.enroll(ana, course).await;
    let mut c = t.login("ana").await;
    for unit in ["s1-1-1", "s1-1-2", "s1-2-1", "s2-1-1", "s1-1-1"] {
        let r = c.get(&format!("/courses/{KEY}/unit/{unit}")).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(
        c.get(&format!("/courses/{KEY}/unit/no-such-unit"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(c.get("/wp-login.php").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.post_form("/healthz", &[]).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );

    let s = scrape(&t).await;
    let requests = |method: &str, route: &str, status: &str| {
        s.value(
            "lyceum_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("GET", UNIT_ROUTE, "200"), Some(5.0));
    assert_eq!(requests("GET", UNIT_ROUTE, "404"), Some(1.0));
    assert_eq!(requests("GET", "unmatched", "404"), Some(1.0));
    assert_eq!(requests("POST", "/login", "303"), Some(1.0));
    assert_eq!(requests("POST", "/healthz", "405"), Some(1.0));
    assert_eq!(
        s.value(
            "lyceum_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", UNIT_ROUTE)]
        ),
        Some(6.0)
    );
    // The raw paths appear nowhere: only templates.
    assert!(!s.text.contains("s1-1-1") && !s.text.contains("wp-login"));
    // The scrape itself is the request in flight.
    assert_eq!(s.value("lyceum_http_requests_in_flight", &[]), Some(1.0));
    assert_eq!(
        s.value(
            "lyceum_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );

    // The database, as the store counts it (no statement is run to read these).
    let backend = match t.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let queries = s
        .value("lyceum_db_queries_total", &[("backend", backend)])
        .unwrap();
    assert!(queries > 0.0 && queries <= t.queries() as f64);
    assert!(
        s.value("lyceum_db_writes_total", &[("backend", backend)])
            .unwrap()
            > 0.0
    );
    let max = s
        .value("lyceum_db_pool_max_connections", &[("backend", backend)])
        .unwrap();
    let open: f64 = ["idle", "in_use"]
        .iter()
        .map(|state| {
            s.value(
                "lyceum_db_pool_connections",
                &[("backend", backend), ("state", state)],
            )
            .unwrap()
        })
        .sum();
    assert!(max >= 1.0 && open <= max, "{open} of {max}");
    let sqlite_writer = s.value("lyceum_db_sqlite_writer_waits_total", &[]);
    match t.store.backend() {
        Backend::Sqlite => assert!(sqlite_writer.is_some()),
        Backend::Postgres => {
            assert!(sqlite_writer.is_none());
            assert_eq!(max, 4.0, "the test harness's pool");
        }
    }
    if cfg!(target_os = "linux") {
        for name in [
            "process_resident_memory_bytes",
            "process_cpu_seconds_total",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(s.value(name, &[]).unwrap() > 0.0, "{name}");
        }
    }
}

/// However many ids, keys and junk paths are requested, the series stay the same set:
/// labels come from the router's templates, not from what clients send.
#[tokio::test]
async fn distinct_ids_and_junk_paths_add_no_series() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let round = |from: usize, to: usize| {
        let mut c = t.client();
        async move {
            for i in from..to {
                c.get(&format!("/courses/{KEY}/unit/unit-{i}")).await;
                c.get(&format!("/courses/course-v1:ORG+C{i}+2026/about"))
                    .await;
                c.get(&format!("/probe-{i}/wp-admin.php?x={i}")).await;
                c.get(&format!("/static/app-{i}.css")).await;
                c.request(
                    axum::http::Method::from_bytes(format!("X{i}").as_bytes()).unwrap(),
                    &format!("/courses/{KEY}"),
                    axum::body::Body::empty(),
                    None,
                    &[],
                )
                .await;
            }
        }
    };
    round(0, 3).await;
    scrape(&t).await;
    round(3, 6).await;
    let before = scrape(&t).await;
    round(6, 80).await;
    let after = scrape(&t).await;
    assert_eq!(
        before.series(),
        after.series(),
        "the same series, only their values grew"
    );
    assert_eq!(
        after.sum(
            "lyceum_http_requests_total",
            &[("method", "other"), ("route", "/courses/{key}")]
        ),
        80.0,
        "unknown methods count as other"
    );
    assert_eq!(
        after.value(
            "lyceum_http_requests_total",
            &[("method", "GET"), ("route", "unmatched"), ("status", "404")],
        ),
        Some(80.0)
    );
}

/// Who may read: without a token, only this machine and not through a proxy; with one,
/// only its bearer. Everyone else gets the site's 404, as for a path that does not exist.
#[tokio::test]
async fn only_this_machine_or_the_token_bearer_may_read() {
    let t = TestApp::new().await;
    let not_found = t.client().get("/no-such-page").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    let hidden = |r: &Resp| {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.header("content-type"), not_found.header("content-type"));
        assert!(!r.body.contains("lyceum_"), "{}", r.body);
    };

    let mut c = t.client();
    // No address known (as in-process callers): not allowed.
    hidden(&c.get("/metrics").await);
    c.peer = Some("203.0.113.9:5000".parse().unwrap());
    hidden(&c.get("/metrics").await);
    c.peer = Some("[::1]:5000".parse().unwrap());
    assert_eq!(c.get("/metrics").await.status, StatusCode::OK);
    // A proxy on this machine connects from loopback, but says it forwards.
    for h in ["X-Forwarded-For", "Forwarded", "X-Real-IP"] {
        hidden(&c.get_with("/metrics", &[(h, "203.0.113.9")]).await);
    }

    let token = "b5f1c0de-metrics-token-for-tests";
    let t = TestApp::with(backend(), |config| {
        config.metrics_token = Some(lyceum_wiki::oauth::Secret::new(token));
    })
    .await;
    let mut c = t.client();
    c.peer = Some("203.0.113.9:5000".parse().unwrap());
    let r = c
        .get_with("/metrics", &[("Authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    parse(&r.body);
    for wrong in [
        format!("Bearer {token}x"),
        format!("Bearer {}", &token[..token.len() - 1]),
        format!("Basic {token}"),
        token.to_owned(),
        String::new(),
    ] {
        hidden(&c.get_with("/metrics", &[("Authorization", &wrong)]).await);
    }
    // With a token, this machine needs it too.
    c.peer = local();
    hidden(&c.get("/metrics").await);
}

/// An empty token is refused at start, rather than read as "anyone" or "no one".
#[tokio::test]
async fn an_empty_token_is_a_configuration_error() {
    let db = lyceum_store::testing::sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = lyceum_web::WebConfig::new("http://lyceum.test");
    config.metrics_token = Some(lyceum_wiki::oauth::Secret::new(" "));
    let made = lyceum_web::App::new(lyceum_web::AppParts {
        store: db.store.clone(),
        media: lyceum_store::MediaStore::new(dir.path()).unwrap(),
        config,
        clock: std::sync::Arc::new(lyceum_core::FixedClock::new(NOW.parse().unwrap())),
    });
    assert!(made.err().unwrap().contains("metrics_token"));
}

// ---- A checker of the text exposition format 0.0.4 ----

type Labels = Vec<(String, String)>;

#[derive(Debug)]
struct Scrape {
    text: String,
    /// Series name and its sorted labels → value.
    samples: BTreeMap<(String, Labels), f64>,
}

impl Scrape {
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.sort();
        self.samples.get(&(name.to_owned(), labels)).copied()
    }

    /// The total of the series of `name` that have these labels (and any others).
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|((n, ls), _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| ls.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|(_, v)| v)
            .sum()
    }

    fn series(&self) -> BTreeSet<&(String, Labels)> {
        self.samples.keys().collect()
    }
}

fn is_name(s: &str, metric: bool) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (metric && c == ':')
            || (!first && c.is_ascii_digit())
    };
    let mut chars = s.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

fn number(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => s.parse().ok(),
        _ => None,
    }
}

/// `{a="x",b="y"}`: names checked, values unescaped (only `\\`, `\"` and `\n`).
fn labels<'a>(line: &str, mut rest: &'a str) -> (Labels, &'a str) {
    let mut out = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (out, r);
        }
        let (name, r) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label in: {line}"));
        assert!(is_name(name, false), "label name {name:?} in: {line}");
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?} in: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in: {line}"),
            }
        };
        assert!(
            !out.iter().any(|(n, _)| n == name),
            "label {name} twice in: {line}"
        );
        out.push((name.to_owned(), value));
        rest = &r[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Parse a whole scrape, failing on any line outside the grammar, on a family without
/// its TYPE first or split in two, on a series given twice, and on a histogram whose
/// buckets decrease, lack `+Inf`, or whose `+Inf` differs from `_count`.
fn parse(text: &str) -> Scrape {
    assert!(text.ends_with('\n'), "the last line ends too");
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helps: BTreeSet<String> = BTreeSet::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut samples = BTreeMap::new();
    let mut order: Vec<(String, Labels)> = Vec::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "no empty lines expected");
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (kw, name, rest) = (words.next(), words.next(), words.next());
            let name = name.unwrap_or_else(|| panic!("comment: {line}"));
            assert!(is_name(name, true), "name in: {line}");
            match kw {
                Some("HELP") => {
                    let help = rest.unwrap_or("");
                    assert!(
                        !help.replace("\\\\", "").replace("\\n", "").contains('\\'),
                        "HELP escapes: {line}"
                    );
                    assert!(helps.insert(name.to_owned()), "HELP twice: {line}");
                }
                Some("TYPE") => {
                    let kind = rest.unwrap_or("");
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "type in: {line}"
                    );
                    assert!(
                        types.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "TYPE twice: {line}"
                    );
                    if let Some(prev) = current.replace(name.to_owned()) {
                        done.insert(prev);
                    }
                }
                _ => {}
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("sample: {line}"));
        let name = &line[..name_end];
        assert!(is_name(name, true), "name in: {line}");
        let (mut labels, rest) = match line[name_end..].strip_prefix('{') {
            Some(r) => labels(line, r),
            None => (Vec::new(), &line[name_end..]),
        };
        let mut fields = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("space before the value: {line}"))
            .split(' ');
        let value =
            number(fields.next().unwrap_or("")).unwrap_or_else(|| panic!("value in: {line}"));
        if let Some(ts) = fields.next() {
            assert!(ts.parse::<i64>().is_ok(), "timestamp in: {line}");
        }
        assert!(fields.next().is_none(), "trailing fields: {line}");
        let family = current
            .as_deref()
            .unwrap_or_else(|| panic!("sample before any TYPE: {line}"));
        assert!(!done.contains(family), "family split: {line}");
        let ok = match types[family].as_str() {
            "histogram" => ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| name == format!("{family}{s}")),
            _ => name == family,
        };
        assert!(ok, "{name} under family {family}");
        labels.sort();
        let key = (name.to_owned(), labels);
        assert!(
            samples.insert(key.clone(), value).is_none(),
            "series twice: {line}"
        );
        order.push(key);
    }

    // Histograms: per series (labels without `le`), cumulative buckets in increasing
    // `le`, ending at +Inf equal to the count, with a sum.
    for (family, _) in types.iter().filter(|(_, k)| *k == "histogram") {
        let bucket = format!("{family}_bucket");
        let mut by_series: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for (name, labels) in &order {
            if *name != bucket {
                continue;
            }
            let le = labels
                .iter()
                .find(|(k, _)| k == "le")
                .map(|(_, v)| number(v).expect("le is a number"))
                .expect("a bucket has le");
            let rest: Vec<_> = labels.iter().filter(|(k, _)| k != "le").cloned().collect();
            by_series
                .entry(rest.clone())
                .or_default()
                .push((le, samples[&(name.clone(), labels.clone())]));
        }
        for (series, buckets) in by_series {
            assert!(
                buckets
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{family} {series:?}: {buckets:?}"
            );
            let (le, last) = *buckets.last().unwrap();
            assert_eq!(le, f64::INFINITY, "{family} {series:?} ends at +Inf");
            let count = samples[&(format!("{family}_count"), series.clone())];
            assert_eq!(last, count, "{family} {series:?}: +Inf = count");
            assert!(samples.contains_key(&(format!("{family}_sum"), series.clone())));
        }
    }
    for family in types.keys() {
        assert!(helps.contains(family), "HELP for {family}");
    }
    Scrape {
        text: text.to_owned(),
        samples,
    }
}

#[test]
fn the_checker_refuses_what_the_format_does_not_allow() {
    let ok = "# HELP a_total As.\n# TYPE a_total counter\na_total{x=\"q\\\"\"} 1\n";
    assert_eq!(parse(ok).value("a_total", &[("x", "q\"")]), Some(1.0));
    for bad in [
        "a_total 1\n",                                    // no TYPE
        "# HELP a As.\n# TYPE a gauge\na{x=\"\\t\"} 1\n", // bad escape
        "# HELP a As.\n# TYPE a gauge\na{1x=\"y\"} 1\n",  // label name
        "# HELP a As.\n# TYPE a gauge\na one\n",          // value
        "# HELP a As.\n# TYPE a gauge\na 1\na 2\n",       // series twice
        "# HELP h Hs.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# HELP h Hs.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse(bad)).is_err(),
            "accepted: {bad}"
        );
    }
}

/// The shared job table's queue by kind and state, and failed attempts by kind.
#[tokio::test]
async fn the_job_queue_is_in_the_scrape() {
    use lyceum_store::repo::jobs;
    let t = TestApp::new().await;
    let mut c = t.store.conn().await.unwrap();
    let job = |key: &'static str| jobs::NewJob {
        kind: "mail",
        dedupe_key: Some(key),
        payload: "{}",
        max_attempts: 5,
        run_after: 0,
    };
    for key in ["mail:a", "mail:b"] {
        jobs::enqueue(&mut c, &job(key), 0).await.unwrap().unwrap();
    }
    // One attempt fails and is queued again for later.
    let claimed = jobs::claim(&mut c, "node-a", 1, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert!(
        jobs::fail(
            &mut c,
            claimed.id,
            "node-a",
            claimed.attempts,
            "mail server down",
            Some(120_000),
            2
        )
        .await
        .unwrap()
    );
    drop(c);
    let s = scrape(&t).await;
    assert_eq!(
        s.value("lyceum_jobs", &[("kind", "mail"), ("state", "queued")]),
        Some(2.0)
    );
    assert_eq!(
        s.value("lyceum_job_failed_attempts", &[("kind", "mail")]),
        Some(1.0)
    );
}
