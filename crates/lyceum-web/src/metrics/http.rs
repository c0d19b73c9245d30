//! Requests counted as they are answered: by route template (never the raw path), method
//! and status, with a latency histogram per route and method, and the number in flight.
//!
//! Recording is on every request's path, so it takes no lock but a shared read of the
//! route table and a few relaxed atomic additions. Labels stay bounded: a route is one of
//! the router's templates (a fixed set, interned the first time each is answered), a
//! path no route matched is `unmatched`, a method outside the usual ones is `other`.

use super::exposition::{Exposition, Kind};
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// The route label of requests no route matched (probes for `/wp-login.php` and the like).
pub const UNMATCHED: &str = "unmatched";

const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];

fn method_index(m: &Method) -> usize {
    match *m {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// Upper bounds of the latency buckets, in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// The same bounds in microseconds, compared against on the hot path.
const BUCKETS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// The statuses the site answers with, each with a counter of its own; any other goes to
/// a small locked map (rare by definition).
const STATUSES: [u16; 33] = [
    200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409,
    410, 411, 412, 413, 414, 415, 416, 422, 429, 431, 500, 501, 502, 503,
];

fn status_index(status: u16) -> Option<usize> {
    STATUSES.binary_search(&status).ok()
}

/// One route and method's requests.
struct Series {
    /// Per bucket, not cumulative (one addition per request); the last is above 10 s.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    micros: AtomicU64,
    statuses: [AtomicU64; STATUSES.len()],
}

impl Series {
    fn new() -> Series {
        Series {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            micros: AtomicU64::new(0),
            statuses: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// One route's series, made per method when first used.
#[derive(Default)]
struct RouteStats {
    methods: [OnceLock<Box<Series>>; METHODS.len()],
}

/// A route template, a method's index in `METHODS`, a status not in `STATUSES`.
type OtherStatus = (Box<str>, usize, u16);

#[derive(Default)]
pub struct HttpMetrics {
    routes: RwLock<HashMap<Box<str>, RouteStats>>,
    unmatched: RouteStats,
    /// Statuses not in `STATUSES`, by route, method and status.
    other_statuses: Mutex<BTreeMap<OtherStatus, u64>>,
    in_flight: AtomicI64,
}

/// A request being answered; counted out when dropped, also when its client went away.
struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl HttpMetrics {
    fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// Count one answered request.
    pub fn observe(&self, route: Option<&str>, method: &Method, status: u16, took: Duration) {
        let method = method_index(method);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let record = |stats: &RouteStats| {
            let s = stats.methods[method].get_or_init(|| Box::new(Series::new()));
            let bucket = BUCKETS_MICROS.partition_point(|&le| le < micros);
            s.buckets[bucket].fetch_add(1, Ordering::Relaxed);
            s.micros.fetch_add(micros, Ordering::Relaxed);
            status_index(status).map(|i| s.statuses[i].fetch_add(1, Ordering::Relaxed))
        };
        let counted = match route {
            None => record(&self.unmatched),
            Some(template) => {
                let known = self.routes.read().unwrap_or_else(|e| e.into_inner());
                match known.get(template) {
                    Some(stats) => record(stats),
                    None => {
                        drop(known);
                        // First request to this route: the only write, once per template.
                        let mut all = self.routes.write().unwrap_or_else(|e| e.into_inner());
                        record(all.entry(template.into()).or_default())
                    }
                }
            }
        };
        if counted.is_none() {
            let key = (route.unwrap_or(UNMATCHED).into(), method, status);
            let mut others = self
                .other_statuses
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            *others.entry(key).or_insert(0) += 1;
        }
    }

    /// The request families: counts by status, latency histograms, requests in flight.
    pub fn write(&self, e: &mut Exposition) {
        let routes = self.routes.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(&str, &RouteStats)> =
            routes.iter().map(|(k, v)| (k.as_ref(), v)).collect();
        all.sort_by_key(|(k, _)| *k);
        all.push((UNMATCHED, &self.unmatched));
        let series = || {
            all.iter().flat_map(|(route, stats)| {
                stats
                    .methods
                    .iter()
                    .zip(METHODS)
                    .filter_map(move |(s, m)| s.get().map(|s| (*route, m, s)))
            })
        };

        let mut f = e.family(
            "lyceum_http_requests_total",
            Kind::Counter,
            "HTTP requests answered, by method, route template and status.",
        );
        let others = self
            .other_statuses
            .lock()
            .map(|o| o.clone())
            .unwrap_or_else(|e| e.into_inner().clone());
        for (route, method, s) in series() {
            for (status, n) in STATUSES.iter().zip(&s.statuses) {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let status = status.to_string();
                    f.sample(
                        &[("method", method), ("route", route), ("status", &status)],
                        n,
                    );
                }
            }
        }
        for ((route, method, status), n) in &others {
            let status = status.to_string();
            f.sample(
                &[
                    ("method", METHODS[*method]),
                    ("route", route),
                    ("status", &status),
                ],
                *n,
            );
        }

        let mut f = e.family(
            "lyceum_http_request_duration_seconds",
            Kind::Histogram,
            "Time from a request's arrival to its response's headers, by method and route template.",
        );
        for (route, method, s) in series() {
            let labels = [("method", method), ("route", route)];
            // The count is the buckets' total, so `+Inf` equals `_count` even while
            // requests are being recorded during the scrape.
            let mut cumulative = 0u64;
            for (i, n) in s.buckets.iter().enumerate() {
                cumulative += n.load(Ordering::Relaxed);
                let le = BUCKETS
                    .get(i)
                    .map_or_else(|| "+Inf".to_owned(), f64::to_string);
                f.sample_of("_bucket", &[labels[0], labels[1], ("le", &le)], cumulative);
            }
            let seconds = s.micros.load(Ordering::Relaxed) as f64 / 1e6;
            f.sample_of("_sum", &labels, seconds);
            f.sample_of("_count", &labels, cumulative);
        }

        e.family(
            "lyceum_http_requests_in_flight",
            Kind::Gauge,
            "HTTP requests being answered now.",
        )
        .sample(&[], self.in_flight.load(Ordering::Relaxed));
    }
}

/// The middleware: outermost of the router's layers, so it sees the status the client
/// gets (error pages rendered, panics turned into 500s); inside the router, so axum has
/// already set the route's template.
pub async fn record(State(app): State<crate::state::App>, req: Request, next: Next) -> Response {
    let metrics = app.http_metrics();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let _in_flight = metrics.enter();
    let start = Instant::now();
    let res = next.run(req).await;
    metrics.observe(
        route.as_ref().map(MatchedPath::as_str),
        &method,
        res.status().as_u16(),
        start.elapsed(),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_statuses_are_sorted() {
        assert!(STATUSES.windows(2).all(|w| w[0] < w[1]));
        assert!(BUCKETS_MICROS.windows(2).all(|w| w[0] < w[1]));
        for (s, us) in BUCKETS.iter().zip(BUCKETS_MICROS) {
            assert_eq!((s * 1e6).round() as u64, us);
        }
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_request_lands_in_the_first_bucket_that_holds_it() {
        let m = HttpMetrics::default();
        let d = Duration::from_micros;
        m.observe(Some("/a"), &Method::GET, 200, d(1_000));
        m.observe(Some("/a"), &Method::GET, 200, d(1_001));
        m.observe(Some("/a"), &Method::GET, 418, d(20_000_000));
        m.observe(None, &Method::from_bytes(b"BREW").unwrap(), 404, d(10));
        let mut e = Exposition::default();
        m.write(&mut e);
        let text = e.finish();
        for line in [
            r#"lyceum_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.001"} 1"#,
            r#"lyceum_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.0025"} 2"#,
            r#"lyceum_http_request_duration_seconds_bucket{method="GET",route="/a",le="10"} 2"#,
            r#"lyceum_http_request_duration_seconds_bucket{method="GET",route="/a",le="+Inf"} 3"#,
            r#"lyceum_http_request_duration_seconds_count{method="GET",route="/a"} 3"#,
            r#"lyceum_http_request_duration_seconds_sum{method="GET",route="/a"} 20.002001"#,
            r#"lyceum_http_requests_total{method="GET",route="/a",status="200"} 2"#,
            r#"lyceum_http_requests_total{method="GET",route="/a",status="418"} 1"#,
            r#"lyceum_http_requests_total{method="other",route="unmatched",status="404"} 1"#,
            "lyceum_http_requests_in_flight 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
