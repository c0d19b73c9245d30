//! Test harness: the whole router on a fresh database, driven in-process with
//! `tower::ServiceExt::oneshot`, and clients that keep cookies like a browser.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, FixedClock, UserId};
use lyceum_store::repo::{assets, courses, learner, orgs};
use lyceum_store::testing::{self, TestDb};
use lyceum_store::{Backend, MediaStore, Store};
use lyceum_web::{App, AppParts, WebConfig};
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";
pub const NOW: &str = "2026-11-21T12:00:00Z";
pub const KEY: &str = "course-v1:TESTORG+T101+2026";

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub store: Store,
    pub media: MediaStore,
    pub clock: Arc<FixedClock>,
    _db: TestDb,
    pub media_guard: testing::MediaGuard,
}

impl TestApp {
    /// On SQLite, or on PostgreSQL when `LYCEUM_TEST_BACKEND=postgres` (CI runs both);
    /// media on S3 when `LYCEUM_TEST_MEDIA=s3` (CI's PostgreSQL run: the multi-node setup).
    pub async fn new() -> TestApp {
        Self::with(backend(), |_| {}).await
    }

    pub async fn with(backend: Backend, configure: impl FnOnce(&mut WebConfig)) -> TestApp {
        // A directory, or a bucket on a test S3 server when `LYCEUM_TEST_MEDIA=s3`.
        Self::with_media(backend, testing::media_from_env(), configure).await
    }

    /// Media in a bucket on an S3 server of the test's own, whatever
    /// `LYCEUM_TEST_MEDIA` says; `None` (the test skips, loudly) without `s3s-fs`.
    pub async fn with_s3(configure: impl FnOnce(&mut WebConfig)) -> Option<TestApp> {
        let media = testing::s3_media()?;
        Some(Self::with_media(backend(), media, configure).await)
    }

    async fn with_media(
        backend: Backend,
        (media, media_guard): (MediaStore, testing::MediaGuard),
        configure: impl FnOnce(&mut WebConfig),
    ) -> TestApp {
        let db = match backend {
            Backend::Sqlite => testing::sqlite().await.unwrap(),
            Backend::Postgres => testing::postgres().await.unwrap(),
        };
        let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
        let mut config = WebConfig::new("http://lyceum.test");
        configure(&mut config);
        let app = App::new(AppParts {
            store: db.store.clone(),
            media: media.clone(),
            config,
            clock: clock.clone(),
        })
        .unwrap();
        let router = lyceum_web::router(app.clone());
        TestApp {
            app,
            router,
            store: db.store.clone(),
            media,
            clock,
            _db: db,
            media_guard,
        }
    }

    /// Serve `extra` routes beside the site's, under the same middleware.
    pub fn with_routes(mut self, extra: Router<App>) -> TestApp {
        self.router = lyceum_web::router_with(self.app.clone(), extra);
        self
    }

    /// Another server on the same database, media store and clock, with caches of its
    /// own (as a second `lyceum serve` behind a load balancer).
    pub fn another_node(&self) -> App {
        App::new(AppParts {
            store: self.store.clone(),
            media: self.media.clone(),
            config: WebConfig::new("http://lyceum.test"),
            clock: self.clock.clone(),
        })
        .unwrap()
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: HashMap::new(),
            headers: HeaderMap::new(),
            peer: None,
        }
    }

    /// A local account with the test password, created long ago, that has accepted the
    /// code of conduct (the fixture for people who work on courses; see `newcomer`).
    pub async fn user(&self, name: &str, admin: bool) -> UserId {
        let id = lyceum_web::create_local_user(&self.store, name, "", PASSWORD, admin, 0)
            .await
            .unwrap();
        let mut c = self.store.conn().await.unwrap();
        lyceum_store::repo::trust::accept_conduct(&mut c, id, "default", 0)
            .await
            .unwrap();
        id
    }

    /// A Wikimedia volunteer's account (a `user`, autoconfirmed on the home wiki): trusted
    /// to fork into a personal space without any role (issue 13).
    pub async fn volunteer(&self, name: &str) -> UserId {
        let id = self.user(name, false).await;
        let mut c = self.store.conn().await.unwrap();
        lyceum_store::repo::trust::set_wiki_standing(
            &mut c,
            id,
            r#"["*","user","autoconfirmed"]"#,
            50,
            0,
        )
        .await
        .unwrap();
        lyceum_store::repo::trust::stamp(&mut c, id, "wiki", 0)
            .await
            .unwrap();
        id
    }

    /// A brand-new local account (created now, no activity, no role): not trusted, and
    /// it has not accepted the code of conduct.
    pub async fn newcomer(&self, name: &str) -> UserId {
        lyceum_web::create_local_user(&self.store, name, "", PASSWORD, false, self.app.now_ms())
            .await
            .unwrap()
    }

    /// A client logged in as `name` (created if needed).
    pub async fn login(&self, name: &str) -> Client {
        let mut c = self.client();
        let r = c
            .post_form(
                "/login",
                &[
                    ("username", name),
                    ("password", PASSWORD),
                    ("return_to", "/"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login as {name}: {}",
            r.body
        );
        c
    }

    pub async fn seed(&self, spec: serde_json::Value) -> CourseId {
        let spec: CourseSpec = serde_json::from_value(spec).unwrap();
        let e = expand(spec, &mut |name| sample_media(name)).unwrap();
        let mut tx = self.store.begin().await.unwrap();
        let org = orgs::upsert(&mut tx, &e.course.key.org, "Test Organisation", "", None, 0)
            .await
            .unwrap();
        let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
        courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
            .await
            .unwrap();
        for a in &e.assets {
            let (sha, size) = self.media.put(&a.bytes).unwrap();
            assets::put(&mut tx, id, &a.name, &a.content_type, size as i64, &sha, 0)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        id
    }

    /// The standard test course, its key in `KEY`.
    pub async fn seed_sample(&self) -> CourseId {
        self.seed(sample_course("T101", true)).await
    }

    pub async fn enroll(&self, user: UserId, course: CourseId) {
        let mut c = self.store.conn().await.unwrap();
        learner::enroll(&mut c, user, course, 0).await.unwrap();
    }

    pub async fn make_staff(&self, user: UserId, course: CourseId, role: CourseRole) {
        let mut c = self.store.conn().await.unwrap();
        courses::set_role(&mut c, course, user, role, 0)
            .await
            .unwrap();
    }

    pub fn queries(&self) -> u64 {
        self.store.query_count()
    }
}

pub fn backend() -> Backend {
    match std::env::var("LYCEUM_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// Media files the sample course refers to.
pub fn sample_media(name: &str) -> Option<Vec<u8>> {
    match name {
        "intro.webm" => Some(b"\x1aE\xdf\xa3 not really a webm, but bytes to serve".repeat(100)),
        "intro.mp4" => Some(b"....ftypisom not really an mp4".to_vec()),
        "intro.jpg" => Some(b"\xff\xd8\xff poster".to_vec()),
        "intro.en.vtt" => Some(b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the course.\n\n00:00:04.000 --> 00:00:09.000\nLibraries &amp; museums &lt;3 volunteers.\n".to_vec()),
        "intro.fr.srt" => Some("1\n00:00:00,000 --> 00:00:04,000\nBienvenue dans le cours.\n\n2\n00:00:04,000 --> 00:00:09,000\nLes bibliothèques aiment les bénévoles.\n".as_bytes().to_vec()),
        _ => None,
    }
}

/// Two released sections (a video in the first unit) and one released in 2030.
pub fn sample_course(code: &str, published: bool) -> serde_json::Value {
    serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "en",
        "title": format!("Sample course {code}"), "short_description": "A course for tests",
        "overview": "Learn *everything*.", "outcomes": ["One thing", "Another"],
        "effort_hours_per_week": 2, "effort_weeks": 6,
        "start": "2026-09-01T00:00:00Z", "end": "2027-06-30T00:00:00Z", "published": published,
        "sections": [
            {"title": "First section", "subsections": [
                {"title": "Sub 1.1", "units": [
                    {"title": "Unit with video", "blocks": [
                        {"kind": "text", "markdown": "Read **this**."},
                        {"kind": "video", "title": "Intro video", "media": "intro", "duration_secs": 9.0,
                         "transcripts": {"en": "intro.en.vtt", "fr": "intro.fr.srt"}}
                    ]},
                    {"title": "Second unit", "blocks": [{"kind": "text", "markdown": "Two"}]}
                ]},
                {"title": "Sub 1.2", "units": [
                    {"title": "Third unit", "blocks": [{"kind": "text", "markdown": "Three"}]}
                ]}
            ]},
            {"title": "Second section", "subsections": [
                {"title": "Sub 2.1", "units": [{"title": "Fourth unit", "blocks": [{"kind": "text", "markdown": "Four"}]}]}
            ]},
            {"title": "Future section", "release": "2030-01-01T00:00:00Z", "subsections": [
                {"title": "Sub 3.1", "units": [{"title": "Secret unit", "blocks": [{"kind": "text", "markdown": "Not yet"}]}]}
            ]}
        ]
    })
}

/// A course with `units` units of one text block each, for size-independence tests.
pub fn big_course(code: &str, units: usize) -> serde_json::Value {
    let per_sub = 10;
    let subs: Vec<serde_json::Value> = (0..units.div_ceil(per_sub))
        .map(|s| {
            let n = per_sub.min(units - s * per_sub);
            serde_json::json!({"title": format!("Sub {s}"), "units": (0..n).map(|u| serde_json::json!({"title": format!("Unit {s}.{u}"), "blocks": [{"kind": "text", "markdown": format!("Text {s}.{u}")}]})).collect::<Vec<_>>()})
        })
        .collect();
    let sections: Vec<serde_json::Value> = subs
        .chunks(5)
        .enumerate()
        .map(|(i, c)| serde_json::json!({"title": format!("Section {i}"), "subsections": c}))
        .collect();
    serde_json::json!({"org": "TESTORG", "code": code, "run": "2026", "language": "en", "title": format!("Big {code}"),
        "start": "2026-01-01T00:00:00Z", "published": true, "sections": sections})
}

pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    /// Extra headers sent with every request (e.g. Accept-Language).
    pub headers: HeaderMap,
    /// The socket address requests come from, as the server started by `lyceum serve`
    /// sees it (none by default, like a router called directly).
    pub peer: Option<std::net::SocketAddr>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

impl Client {
    /// A client of another router, e.g. a second server over the same database.
    pub fn for_router(router: Router) -> Client {
        Client {
            router,
            cookies: HashMap::new(),
            headers: HeaderMap::new(),
            peer: None,
        }
    }

    pub fn session_cookie(&self) -> Option<&String> {
        self.cookies.get("lyceum_session")
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Body,
        content_type: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, "lyceum.test");
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header(header::COOKIE, c);
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        if let Some(peer) = self.peer {
            req = req.extension(axum::extract::ConnectInfo(peer));
        }
        // Like a browser submitting a form on this site.
        if method != Method::GET
            && !extra
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("sec-fetch-site"))
        {
            req = req.header("sec-fetch-site", "same-origin");
        }
        // An empty value means: do not send this header at all (like curl).
        for (k, v) in extra.iter().filter(|(_, v)| !v.is_empty()) {
            req = req.header(*k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let s = sc.to_str().unwrap();
            let (pair, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Resp {
            status,
            headers,
            bytes,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request(Method::GET, path, Body::empty(), None, &[])
            .await
    }

    pub async fn get_with(&mut self, path: &str, extra: &[(&str, &str)]) -> Resp {
        self.request(Method::GET, path, Body::empty(), None, extra)
            .await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.request(
            Method::POST,
            path,
            Body::from(body),
            Some("application/x-www-form-urlencoded"),
            &[],
        )
        .await
    }

    pub async fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.request(
            Method::POST,
            path,
            Body::from(body),
            Some("application/x-www-form-urlencoded"),
            extra,
        )
        .await
    }

    pub async fn post_json(&mut self, path: &str, json: serde_json::Value) -> Resp {
        self.request(
            Method::POST,
            path,
            Body::from(json.to_string()),
            Some("application/json"),
            &[],
        )
        .await
    }

    pub async fn put_json(&mut self, path: &str, json: serde_json::Value) -> Resp {
        self.request(
            Method::PUT,
            path,
            Body::from(json.to_string()),
            Some("application/json"),
            &[],
        )
        .await
    }

    pub async fn post_empty(&mut self, path: &str) -> Resp {
        self.request(Method::POST, path, Body::empty(), None, &[])
            .await
    }

    pub async fn delete(&mut self, path: &str) -> Resp {
        self.request(Method::DELETE, path, Body::empty(), None, &[])
            .await
    }
}

pub fn set_accept_language(c: &mut Client, v: &'static str) {
    c.headers
        .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(v));
}

/// The number between `marker` and the next non-digit.
pub fn unit_path(name: &str) -> String {
    format!("/courses/{KEY}/unit/{name}")
}

impl Client {
    pub async fn post_json_with(
        &mut self,
        path: &str,
        json: serde_json::Value,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.request(
            Method::POST,
            path,
            Body::from(json.to_string()),
            Some("application/json"),
            extra,
        )
        .await
    }
}

pub const QUIZ_KEY: &str = "course-v1:TESTORG+Q101+2026";

const MC: &str = r#"<problem><multiplechoiceresponse><label>Which licence do Wikipedia's texts use?</label><choicegroup type="MultipleChoice">
<choice correct="false">CC0<choicehint>CC0 is Wikidata's.</choicehint></choice><choice correct="true">CC BY-SA 4.0</choice><choice correct="false">All rights reserved</choice>
</choicegroup></multiplechoiceresponse><demandhint><hint>Think of share-alike.</hint><hint>It is a Creative Commons licence.</hint></demandhint>
<solution><p>CC BY-SA 4.0, since 2023.</p></solution></problem>"#;
const CHECKBOX: &str = r#"<problem><choiceresponse partial_credit="EDC"><label>Which are Wikimedia projects?</label><checkboxgroup>
<choice correct="true">Wikidata</choice><choice correct="false">OpenStreetMap</choice><choice correct="true">Wikisource</choice><choice correct="false">Fandom</choice>
</checkboxgroup></choiceresponse></problem>"#;
const NUMERICAL: &str = r#"<problem><numericalresponse answer="3.14"><label>Pi to two decimals</label><responseparam type="tolerance" default="1%"/><formulaequationinput/></numericalresponse></problem>"#;
const TEXT: &str = r#"<problem><stringresponse answer="Wikidata" type="ci"><label>The free knowledge base?</label><additional_answer answer="WD"/><textline size="20"/></stringresponse></problem>"#;
const DROPDOWN: &str = r#"<problem><optionresponse><label>Wikidata's licence</label><optioninput options="('CC0','CC BY-SA','GFDL')" correct="CC0"/></optionresponse></problem>"#;

/// A graded course: Homework (2 expected, one past due) and an Exam, a practice
/// subsection; every kind of input. Problem url_names are `sS-SS-U-B`; the first input
/// of a problem is `{url_name}_2_1`.
pub fn quiz_course(code: &str) -> serde_json::Value {
    let p = |xml: &str| serde_json::json!({"kind": "problem", "xml": xml});
    serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "en",
        "title": format!("Quiz course {code}"), "short_description": "Graded",
        "overview": "Graded course.", "start": "2026-09-01T00:00:00Z", "end": "2027-06-30T00:00:00Z", "published": true,
        "grading": {
            "types": [{"name": "Homework", "short_label": "HW", "min_count": 2, "drop_count": 0, "weight": 0.5},
                      {"name": "Exam", "min_count": 1, "weight": 0.5}],
            "cutoffs": {"A": 0.9, "Pass": 0.5}, "grace_period_hours": 24
        },
        "sections": [
            {"title": "Homework", "subsections": [
                {"title": "HW one", "graded": true, "format": "Homework", "due": "2026-12-01T00:00:00Z", "units": [
                    {"title": "Quiz one", "blocks": [
                        {"kind": "problem", "title": "Licence", "xml": MC, "max_attempts": 2, "showanswer": "attempted"},
                        p(CHECKBOX), p(NUMERICAL), p(TEXT),
                        {"kind": "problem", "xml": DROPDOWN, "show_reset_button": true}
                    ]}
                ]},
                {"title": "HW two", "graded": true, "format": "Homework", "due": "2026-11-01T00:00:00Z", "units": [
                    {"title": "Closed quiz", "blocks": [p(TEXT)]}
                ]}
            ]},
            {"title": "Exam", "subsections": [
                {"title": "Final", "graded": true, "format": "Exam", "units": [
                    {"title": "Final exam", "blocks": [
                        {"kind": "problem", "xml": DROPDOWN, "weight": 10},
                        {"kind": "problem", "xml": TEXT, "show_correctness": "never"}
                    ]}
                ]},
                {"title": "Practice", "units": [{"title": "Try it", "blocks": [p(MC)]}]}
            ]}
        ]
    })
}

impl TestApp {
    /// Block ids by url_name.
    pub async fn block_ids(&self, course: CourseId) -> HashMap<String, i64> {
        let mut c = self.store.conn().await.unwrap();
        let tree = courses::load_tree(&mut c, course).await.unwrap();
        (0..tree.len())
            .map(|i| (tree.node(i).url_name.clone(), tree.node(i).id.0))
            .collect()
    }
}

/// A graded course of `problems` one-point problems, ten per graded subsection.
pub fn graded_course(code: &str, problems: usize) -> serde_json::Value {
    let xml = r#"<problem><stringresponse answer="yes" type="ci"><label>Yes?</label><textline/></stringresponse></problem>"#;
    let subs: Vec<serde_json::Value> = (0..problems.div_ceil(10))
        .map(|s| {
            let n = 10.min(problems - s * 10);
            serde_json::json!({"title": format!("Quiz {s}"), "graded": true, "format": "Homework",
                "units": [{"title": format!("Questions {s}"), "blocks": (0..n).map(|_| serde_json::json!({"kind": "problem", "xml": xml})).collect::<Vec<_>>()}]})
        })
        .collect();
    let count = subs.len();
    let sections: Vec<serde_json::Value> = subs
        .chunks(5)
        .enumerate()
        .map(|(i, c)| serde_json::json!({"title": format!("Part {i}"), "subsections": c}))
        .collect();
    serde_json::json!({"org": "TESTORG", "code": code, "run": "2026", "language": "en", "title": format!("Graded {code}"),
        "start": "2026-01-01T00:00:00Z", "published": true,
        "grading": {"types": [{"name": "Homework", "short_label": "HW", "min_count": count, "drop_count": 1, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
        "sections": sections})
}

/// Everything the media store keeps, with the files' bytes (a directory's tree, or a
/// bucket's objects and scratch files): two snapshots are equal only if the store is byte
/// for byte the same.
pub fn media_snapshot(t: &TestApp) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    t.media.snapshot().unwrap()
}
