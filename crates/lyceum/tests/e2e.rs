//! End to end in real Chromium (Debian's chromium + chromium-driver), at a phone's width:
//! log in, enrol, open a unit, check the video's subtitle tracks and download links,
//! use the transcript, switch to Arabic and check the page is right-to-left — against
//! the real `lyceum demo` binary. Screenshots land in target/e2e/ for people to look at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_lyceum");
const WIDTH: u32 = 360;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The smallest WebDriver client that does the job.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Killed,
}

impl Browser {
    async fn start() -> Browser {
        let port = free_port();
        let driver = Killed(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver (Debian package chromium-driver)"),
        );
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
            format!("--user-data-dir={}", profile.display()), format!("--window-size={WIDTH},900"), "--lang=en-US"]}}}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_owned();
        Browser {
            http,
            session: format!("{base}/session/{session}"),
            _driver: driver,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.session));
        if method != reqwest::Method::GET {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {v}");
        }
        v["value"].clone()
    }

    /// Forget the session (logging out is a POST with a form; the cookies are enough).
    async fn logout(&self) {
        self.cmd(reqwest::Method::DELETE, "/cookie", json!({}))
            .await;
    }

    async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn js(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    /// Wait until a script returns true (pages load and scripts run asynchronously).
    async fn wait_for(&self, what: &str, script: &str) {
        for _ in 0..100 {
            if self.js(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}");
    }

    async fn screenshot(&self, name: &str) {
        let png = self
            .cmd(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    /// axe-core's serious and critical violations on the page now in the browser, one line
    /// each (rule, what it asks, where). axe is injected through WebDriver, which runs
    /// outside the page's content security policy, so the policy stays as strict as in
    /// production.
    async fn axe(&self, page: &str) -> Vec<String> {
        let axe = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../node_modules/axe-core/axe.min.js"),
        )
        .expect("node_modules/axe-core (npm ci installs the devDependencies)");
        self.js(&format!("{axe}\n;return true")).await;
        let found = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                json!({"script": AXE_RUN, "args": []}),
            )
            .await;
        found
            .as_array()
            .unwrap_or_else(|| panic!("axe on {page}: {found}"))
            .iter()
            .map(|v| format!("{page}: {}", v.as_str().unwrap_or_default()))
            .collect()
    }

    /// What is wrong with the page's layout at phone width: wider than the screen
    /// (`scrollWidth` over 360 px), or, with `tabs`, the open course tab out of view.
    async fn layout(&self, page: &str, tabs: bool) -> Vec<String> {
        let mut out = Vec::new();
        let width = self.js("return document.documentElement.scrollWidth").await;
        if width.as_i64().unwrap_or(i64::MAX) > i64::from(WIDTH) {
            // Name the culprits: the outermost elements reaching past the screen's edge.
            let wide = self.js("var w = document.documentElement.clientWidth, out = []; document.querySelectorAll('body *').forEach(function (e) { var r = e.getBoundingClientRect(); if ((r.right > w + 1 || r.left < -1) && !(e.parentElement && out.indexOf(e.parentElement) >= 0)) { out.push(e); } }); return out.slice(0, 4).map(function (e) { var r = e.getBoundingClientRect(); return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + (e.className || '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right); }).join(', ');").await;
            out.push(format!(
                "{page}: the page is {width}px wide at {WIDTH}px ({wide})"
            ));
        }
        if tabs {
            let r = self.js("var a = document.querySelector('.course-tabs [aria-current=page]'); if (!a) return 'no open tab'; var r = a.getBoundingClientRect(); return r.left >= 0 && r.right <= document.documentElement.clientWidth ? true : ('the open tab is at ' + r.left + '..' + r.right);").await;
            if r != Value::Bool(true) {
                out.push(format!("{page}: {r}"));
            }
        }
        out
    }

    /// Nothing sticks out sideways at phone width.
    async fn assert_fits(&self, page: &str) {
        let over = self.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
        assert!(
            over.as_i64().unwrap() <= 0,
            "{page}: the page is {over}px wider than the screen"
        );
    }
}

/// Runs axe-core (already injected) and returns its serious and critical violations.
const AXE_RUN: &str = r#"
var done = arguments[arguments.length - 1];
// Experimental rules too: label-content-name-mismatch is one of them.
var rules = {};
axe.getRules(['experimental']).forEach(function (r) { rules[r.ruleId] = { enabled: true }; });
axe.run(document, { resultTypes: ['violations'], rules: rules }).then(function (r) {
  if (!r.passes.length) { done(['axe checked nothing']); return; }
  done(r.violations
    .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
    .map(function (v) {
      return v.impact + ' ' + v.id + ' (' + v.help + '): ' + v.nodes.slice(0, 5).map(function (n) {
        return n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ');
      }).join(' | ');
    }));
}, function (e) { done(['axe failed: ' + e]); });
"#;

async fn demo() -> (Killed, String) {
    demo_with(&[]).await
}

/// The demo with more arguments (`--wiki URL`).
async fn demo_with(extra: &[&str]) -> (Killed, String) {
    let (server, url, _) = demo_in(extra).await;
    (server, url)
}

/// The demo, and the directory of its data (`site/lyceum.sqlite`, `site/media`).
async fn demo_in(extra: &[&str]) -> (Killed, String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut child = Killed(
        Command::new(BIN)
            .args(["demo", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir.join("site"))
            .args(extra)
            .env("LYCEUM_DEMO_PASSWORD", "e2e password 123")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if let Some(url) = line.unwrap().strip_prefix("Lyceum is listening on ") {
            let url = url.trim_end_matches('/').to_owned();
            std::thread::spawn(move || for _ in lines {});
            return (child, url, dir.join("site"));
        }
    }
    panic!("the demo did not start");
}

/// A job the demo's worker fails at once (a kind it does not know, named without spaces to
/// wrap), so the background jobs page shows a failed job and its error at phone width.
async fn failed_job(data: &std::path::Path) {
    let store = lyceum_store::Store::open_sqlite(&data.join("lyceum.sqlite"))
        .await
        .unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    let mut c = store.conn().await.unwrap();
    let id = lyceum_store::repo::jobs::enqueue(
        &mut c,
        &lyceum_store::repo::jobs::NewJob {
            kind: "e2e-a-kind-this-node-does-not-know-with-a-rather-long-name",
            dedupe_key: None,
            payload: "{}",
            max_attempts: 1,
            run_after: now,
        },
        now,
    )
    .await
    .unwrap()
    .unwrap();
    for _ in 0..200 {
        let job = lyceum_store::repo::jobs::get(&mut c, id)
            .await
            .unwrap()
            .unwrap();
        if job.state == "failed" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the demo's worker did not fail the job");
}

fn chromium_available() -> bool {
    let found = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok()
        && std::path::Path::new("/usr/bin/chromium").exists();
    if !found && std::env::var("LYCEUM_E2E").is_ok() {
        panic!(
            "LYCEUM_E2E is set but chromium / chromedriver are missing (Debian: apt-get install chromium chromium-driver)"
        );
    }
    found
}

#[tokio::test]
async fn learner_journey_at_phone_width_in_english_and_arabic() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!(
            "skipped: chromium and chromedriver are not installed (scripts/test.sh installs them)"
        );
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;

    // Log in.
    b.go(&format!("{url}/login")).await;
    b.assert_fits("login").await;
    b.type_into("#username", "learner").await;
    b.type_into("#password", "e2e password 123").await;
    b.click("form.form-stack button[type=submit]").await;
    b.wait_for(
        "login",
        "return document.querySelector('.site-nav a[href=\"/dashboard\"]') !== null",
    )
    .await;

    // Enrol in the Arabic course from its About page.
    let arabic = "course-v1:RIVAGES+SAFE101+2026";
    b.go(&format!("{url}/courses/{arabic}/about")).await;
    b.assert_fits("about").await;
    b.click(&format!("form[action=\"/courses/{arabic}/enroll\"] button"))
        .await;
    b.wait_for("enrolment", "return location.pathname.endsWith('/courseware') && document.querySelector('.cdx-message--success') !== null").await;
    b.screenshot("outline-after-enrolment").await;
    // The outline shows each subsection's due date.
    assert!(
        b.js("return document.querySelectorAll('.outline__due .due').length > 0")
            .await
            .as_bool()
            .unwrap(),
        "due dates in the outline"
    );

    // Reading a unit: the page only reads; its script reports that it was shown, and the
    // page says "complete" once the report is taken ("Mark as done" goes away).
    let unit = |u: &str| format!("{url}/courses/{arabic}/unit/{u}");
    b.go(&unit("s1-1-1")).await;
    b.wait_for(
        "the unit recorded as seen",
        "var s = document.querySelector('[data-seen-show]'), f = document.querySelector('[data-seen-hide]'); \
         return s !== null && !s.hidden && f !== null && f.hidden",
    )
    .await;
    // Leaving a page at once: the report (keepalive) still arrives. Progress and "Resume"
    // follow, as the API, the outline and the dashboard tell.
    b.go(&unit("s1-1-2")).await;
    b.go(&format!("{url}/courses/{arabic}/courseware")).await;
    b.wait_for(
        "progress after two units read",
        &format!(
            "var x = new XMLHttpRequest(); x.open('GET', '/api/v1/me/enrollments', false); x.send(); \
             var e = JSON.parse(x.responseText).find(function (e) {{ return e.course.id === '{arabic}'; }}); \
             return !!e && e.progress.completed_units === 2 && e.resume_url === '/courses/{arabic}/unit/s1-1-2'"
        ),
    )
    .await;
    b.go(&format!("{url}/courses/{arabic}/courseware")).await;
    for u in ["s1-1-1", "s1-1-2"] {
        assert!(
            b.js(&format!(
                "var a = document.querySelector('.outline a[href$=\"/unit/{u}\"]'); \
                 return a !== null && a.parentElement.querySelector('.done') !== null"
            ))
            .await
            .as_bool()
            .unwrap(),
            "{u} complete in the outline"
        );
    }
    b.go(&format!("{url}/dashboard")).await;
    assert!(
        b.js(&format!(
            "return document.querySelector('a[href=\"/courses/{arabic}/unit/s1-1-2\"]') !== null"
        ))
        .await
        .as_bool()
        .unwrap(),
        "the dashboard resumes where the learner left off"
    );

    // The Dates tab lists the quizzes' due dates, each with how it stands.
    b.go(&format!("{url}/courses/{arabic}/dates")).await;
    let dates = b
        .js("return Array.from(document.querySelectorAll('.dates-list li')).map(l => l.innerText).join('\\n')")
        .await;
    let dates = dates.as_str().unwrap();
    assert!(dates.contains("Assignment due"), "{dates}");
    assert!(
        b.js("return document.querySelectorAll('.dates-list .due').length >= 2")
            .await
            .as_bool()
            .unwrap(),
        "{dates}"
    );
    b.assert_fits("dates").await;
    b.screenshot("dates-en").await;

    // The dashboard: the next deadlines across courses.
    b.go(&format!("{url}/dashboard")).await;
    assert!(
        b.js("return document.querySelectorAll('.due-list li').length > 0")
            .await
            .as_bool()
            .unwrap(),
        "next deadlines on the dashboard"
    );
    b.assert_fits("dashboard").await;
    b.screenshot("dashboard-en").await;

    // A unit not released yet says when it opens.
    b.go(&format!(
        "{url}/courses/course-v1:COMMONPLACE+PB101+2026/unit/s5-1-1"
    ))
    .await;
    let text = b
        .js("return document.querySelector('main').innerText")
        .await;
    assert!(text.as_str().unwrap().contains("opens on"), "{text}");
    b.assert_fits("not yet open").await;

    // Preferences: the time-zone menu by region, and a private calendar of due dates.
    b.go(&format!("{url}/preferences")).await;
    let groups = b
        .js("return Array.from(document.querySelectorAll('#time_zone optgroup')).map(g => g.label)")
        .await;
    let groups: Vec<String> = serde_json::from_value(groups).unwrap();
    assert_eq!(
        groups.first().map(String::as_str),
        Some("Suggested"),
        "{groups:?}"
    );
    assert!(groups.contains(&"Asia".to_owned()), "{groups:?}");
    b.click("form[action=\"/preferences/calendar\"] button")
        .await;
    b.wait_for(
        "the calendar address",
        "return document.querySelector('#calendar_url') !== null",
    )
    .await;
    let feed = b
        .js("return document.querySelector('#calendar_url').value")
        .await;
    let r = reqwest::get(feed.as_str().unwrap()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert!(ics.contains("BEGIN:VEVENT\r\n"), "{ics}");
    b.assert_fits("preferences").await;
    b.screenshot("preferences-en").await;

    // A unit with a video: subtitle tracks in three languages, download links, transcript.
    b.go(&format!(
        "{url}/courses/course-v1:COMMONPLACE+PB101+2026/unit/s1-1-1"
    ))
    .await;
    b.wait_for(
        "the player",
        "return document.querySelector('video') !== null",
    )
    .await;
    let tracks = b.js("return Array.from(document.querySelectorAll('video track')).map(t => t.srclang).sort()").await;
    assert_eq!(tracks, json!(["ar", "en", "fr"]));
    let text_tracks = b
        .js("return document.querySelector('video').textTracks.length")
        .await;
    assert_eq!(text_tracks, json!(3));
    let downloads = b.js("return Array.from(document.querySelectorAll('.video__downloads a[download]')).map(a => a.getAttribute('download'))").await;
    let downloads: Vec<String> = serde_json::from_value(downloads).unwrap();
    for f in [
        "partnership-intro.webm",
        "partnership-intro.mp4",
        "partnership-intro.en.vtt",
        "partnership-intro.fr.vtt",
        "partnership-intro.ar.vtt",
    ] {
        assert!(
            downloads.contains(&f.to_string()),
            "download link for {f}: {downloads:?}"
        );
    }
    // The download links really serve the files.
    let href = b
        .js("return document.querySelector('.video__downloads a').href")
        .await;
    let r = reqwest::get(href.as_str().unwrap()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // The enhanced player: speed menu shown, transcript lines seek the video.
    b.wait_for(
        "the speed menu",
        "return !document.querySelector('.video__speed').hidden",
    )
    .await;
    b.wait_for(
        "video metadata",
        "return document.querySelector('video').readyState >= 1",
    )
    .await;
    b.js("document.querySelector('details.transcript[open] .cue[data-start=\"10000\"], details.transcript[open] li:nth-child(3) .cue').click(); return true").await;
    b.wait_for(
        "seeking from the transcript",
        "return document.querySelector('video').currentTime >= 4",
    )
    .await;
    b.assert_fits("unit").await;
    b.screenshot("unit-en").await;

    // Switch the interface to Arabic with the language menu.
    b.js("var s = document.querySelector('#lang-select'); s.value = 'ar'; s.dispatchEvent(new Event('change')); return true").await;
    b.wait_for("Arabic", "return document.documentElement.lang === 'ar'")
        .await;
    assert_eq!(
        b.js("return document.documentElement.dir").await,
        json!("rtl")
    );
    assert_eq!(
        b.js("return getComputedStyle(document.body).direction")
            .await,
        json!("rtl")
    );
    assert!(
        b.js("return document.querySelector('link[rel=stylesheet]').href")
            .await
            .as_str()
            .unwrap()
            .contains("style-rtl.")
    );
    // The English course content keeps its own direction.
    assert_eq!(
        b.js("return getComputedStyle(document.querySelector('.unit-blocks')).direction")
            .await,
        json!("ltr")
    );
    b.assert_fits("unit in Arabic").await;
    b.screenshot("unit-ar").await;

    // The Arabic course, in Arabic, right to left.
    b.go(&format!("{url}/courses/{arabic}/courseware")).await;
    assert_eq!(
        b.js("return getComputedStyle(document.querySelector('.outline')).direction")
            .await,
        json!("rtl")
    );
    b.assert_fits("Arabic outline").await;
    b.screenshot("outline-ar").await;
    b.go(&format!("{url}/")).await;
    b.assert_fits("catalog in Arabic").await;
    b.screenshot("catalog-ar").await;
    b.go(&format!("{url}/dashboard")).await;
    b.assert_fits("dashboard in Arabic").await;
    b.screenshot("dashboard-ar").await;
    b.go(&format!("{url}/courses/{arabic}/dates")).await;
    b.assert_fits("dates in Arabic").await;
    b.screenshot("dates-ar").await;
    b.go(&format!("{url}/preferences")).await;
    b.assert_fits("preferences in Arabic").await;
    b.screenshot("preferences-ar").await;

    // The demo learner's mission statement, graded by the instructor with the WikiLearn
    // scale: the result, the private feedback and the way to revise, in Arabic.
    b.go(&format!(
        "{url}/courses/course-v1:COMMONPLACE+PB101+2026/unit/s3-3-4"
    ))
    .await;
    b.wait_for(
        "the open response",
        "return document.querySelector('.open-response') !== null",
    )
    .await;
    let text = b
        .js("return document.querySelector('.open-response').innerText")
        .await;
    let text = text.as_str().unwrap();
    assert!(text.contains("Riverside Town Library"), "{text}");
    assert!(text.contains("A strong first version, Lina"), "{text}");
    // The preset scale's labels are the platform's, in the reader's language.
    assert!(text.contains("ممتاز"), "{text}");
    assert!(
        b.js(
            "return document.querySelector('.open-response form, .open-response details') !== null"
        )
        .await
        .as_bool()
        .unwrap(),
        "revise and resubmit is offered"
    );
    b.assert_fits("open response result in Arabic").await;
    b.screenshot("open-response-ar").await;

    // Leaving a course asks first (no script needed: a <details> opens the confirmation).
    b.go(&format!("{url}/courses/{arabic}/about")).await;
    b.click("details.confirm summary").await;
    b.wait_for(
        "the confirmation",
        "return document.querySelector('details.confirm').open",
    )
    .await;
    b.assert_fits("unenrol confirmation in Arabic").await;
    b.screenshot("unenroll-ar").await;
    b.click("details.confirm form button[type=submit]").await;
    b.wait_for(
        "unenrolment",
        "return location.search.includes('notice=unenrolled')",
    )
    .await;
}

/// Every page a learner or instructor visits, in English and in Arabic, at phone width:
/// axe-core finds no serious or critical violation, nothing is wider than the screen
/// (a wide table in course text scrolls in its own box), and the open course tab is in
/// view even when the tab bar scrolls.
#[tokio::test]
async fn every_page_is_accessible_and_fits_a_phone() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url, data) = demo_in(&[]).await;
    failed_job(&data).await;
    let b = Browser::start().await;
    // A phone's viewport: headless windows do not get narrower than 500 px.
    b.cmd(
        reqwest::Method::POST,
        "/goog/cdp/execute",
        json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {"width": WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": true}}),
    )
    .await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let arabic = "course-v1:RIVAGES+SAFE101+2026";
    let mut violations: Vec<String> = Vec::new();
    let mut fork_key: Option<String> = None;

    for lang in ["en", "ar"] {
        let q = |path: &str| {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{url}{path}{sep}uselang={lang}")
        };
        // Logged out: login, catalog, about.
        b.logout().await;
        for (name, path) in [
            ("login", "/login".to_owned()),
            ("catalog", "/".to_owned()),
            ("about", format!("/courses/{pb}/about")),
            ("code of conduct", "/code-of-conduct".to_owned()),
        ] {
            b.go(&q(&path)).await;
            let page = format!("{name} ({lang})");
            violations.extend(b.layout(&page, false).await);
            violations.extend(b.axe(&page).await);
        }

        // The learner.
        b.go(&q("/login")).await;
        b.type_into("#username", "learner").await;
        b.type_into("#password", "e2e password 123").await;
        b.click("form.form-stack button[type=submit]").await;
        b.wait_for(
            "login",
            "return document.querySelector('.site-nav a[href=\"/dashboard\"]') !== null",
        )
        .await;
        for (name, path) in [
            ("dashboard", "/dashboard".to_owned()),
            ("outline", format!("/courses/{pb}/courseware")),
            ("unit with video", format!("/courses/{pb}/unit/s1-1-1")),
            (
                "unit with a wide table",
                format!("/courses/{pb}/unit/s2-1-1"),
            ),
            ("unit with problems", format!("/courses/{pb}/unit/s1-2-4")),
            ("open response", format!("/courses/{pb}/unit/s3-3-4")),
            ("progress", format!("/courses/{pb}/progress")),
            ("dates", format!("/courses/{pb}/dates")),
            ("bookmarks", format!("/courses/{pb}/bookmarks")),
            ("preferences", "/preferences".to_owned()),
            ("notifications", "/notifications".to_owned()),
            (
                "code of conduct, to accept",
                "/code-of-conduct?next=%2Fdashboard".to_owned(),
            ),
            ("Arabic course", format!("/courses/{arabic}/about")),
            (
                "report form",
                format!("/report?type=course&id={}", pb.replace('+', "%2B")),
            ),
            ("person", "/people/instructor".to_owned()),
            ("fork form", format!("/courses/{pb}/fork")),
            (
                "unit with a wiki task",
                "/courses/course-v1:COMMONPLACE+EB101+2026/unit/s1-1-1".to_owned(),
            ),
            (
                "my work on the wikis",
                "/courses/course-v1:COMMONPLACE+EB101+2026/wiki-activity".to_owned(),
            ),
            // Private messages (issue 15).
            ("messages", "/messages".to_owned()),
            ("a conversation", "/messages/instructor".to_owned()),
        ] {
            b.go(&q(&path)).await;
            let page = format!("{name} ({lang})");
            // The fork form is no page of the course: no course tabs.
            let tabs =
                path.contains("/courses/") && !path.ends_with("/about") && !path.ends_with("/fork");
            violations.extend(b.layout(&page, tabs).await);
            violations.extend(b.axe(&page).await);
            if name == "unit with a wide table" || name == "bookmarks" {
                b.screenshot(&format!("{}-{lang}", name.replace(' ', "-")))
                    .await;
            }
        }
        // The calendar address with its subscribe link, and leaving a course with its
        // confirmation open.
        b.go(&q("/preferences")).await;
        if b.js("return document.querySelector('#calendar_url') === null")
            .await
            == json!(true)
        {
            b.click("form[action='/preferences/calendar'] button").await;
            b.wait_for(
                "the calendar address",
                "return document.querySelector('#calendar_url') !== null",
            )
            .await;
        }
        b.go(&q("/preferences")).await;
        let page = format!("preferences with a calendar ({lang})");
        violations.extend(b.layout(&page, false).await);
        violations.extend(b.axe(&page).await);
        b.go(&q(&format!("/courses/{pb}/about"))).await;
        b.click("details.confirm > summary").await;
        let page = format!("about, leaving the course ({lang})");
        violations.extend(b.layout(&page, false).await);
        violations.extend(b.axe(&page).await);

        // The wide table scrolls inside its own box.
        b.go(&q(&format!("/courses/{pb}/unit/s2-1-1"))).await;
        let boxed = b.js("var t = document.querySelector('.unit-blocks table'); var box = t && t.closest('.table-scroll'); return box ? [box.scrollWidth > box.clientWidth, box.getBoundingClientRect().right <= document.documentElement.clientWidth] : 'no box';").await;
        assert_eq!(
            boxed,
            json!([true, true]),
            "the table scrolls in its box ({lang})"
        );

        // A fork of PB101 in the learner's personal space (she accepts the code of
        // conduct first): its Studio page of the source's changes and its "What they
        // changed" page.
        if fork_key.is_none() {
            let made = b.cmd(
                reqwest::Method::POST,
                "/execute/async",
                json!({"script": format!("var done = arguments[arguments.length - 1]; fetch('/code-of-conduct', {{method: 'POST', headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: ''}}).then(function () {{ return fetch('/api/v1/courses/{pb}/fork', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{org: null}})}}); }}).then(function (r) {{ return r.json(); }}).then(function (j) {{ done(j.id); }}).catch(function (e) {{ done(String(e)); }});"), "args": []}),
            )
            .await;
            fork_key = made.as_str().map(str::to_owned);
        }
        let fork = fork_key.clone().expect("the learner's fork");
        for (name, path) in [
            ("fork upstream", format!("/courses/{fork}/studio/upstream")),
            (
                "what a fork changed",
                format!("/courses/{fork}/fork-changes"),
            ),
        ] {
            b.go(&q(&path)).await;
            let page = format!("{name} ({lang})");
            violations.extend(b.layout(&page, false).await);
            violations.extend(b.axe(&page).await);
        }

        // The instructor: the staff tabs, the gradebook, the grading queue.
        b.logout().await;
        b.go(&q("/login")).await;
        b.type_into("#username", "instructor").await;
        b.type_into("#password", "e2e password 123").await;
        b.click("form.form-stack button[type=submit]").await;
        b.wait_for(
            "login",
            "return document.querySelector('.site-nav a[href=\"/dashboard\"]') !== null",
        )
        .await;
        let mut pages = vec![
            ("dashboard (instructor)", "/dashboard".to_owned()),
            ("instructor", format!("/courses/{pb}/instructor")),
            ("gradebook", format!("/courses/{pb}/instructor/gradebook")),
            ("problems", format!("/courses/{pb}/instructor/problems")),
            ("grading", format!("/courses/{pb}/instructor/grading")),
            (
                "announcements",
                format!("/courses/{pb}/instructor/announcements"),
            ),
            (
                "open responses",
                format!("/courses/{pb}/instructor/open-responses"),
            ),
        ];
        b.go(&q(&format!("/courses/{pb}/instructor/open-responses")))
            .await;
        for (name, pick) in [
            ("open-response settings", "a[href*='/settings']"),
            ("submission", "a[href*='/instructor/submissions/']"),
        ] {
            let href = b.js(&format!("var a = document.querySelector(\"{pick}\"); return a ? a.getAttribute('href') : null")).await;
            if let Some(h) = href.as_str() {
                pages.push((name, h.to_owned()));
            }
        }
        // Studio: the outline editor, a unit's and a block's editor, history, files,
        // settings, the team, the preview.
        pages.extend([
            ("outline editor", format!("/courses/{pb}/studio")),
            ("studio history", format!("/courses/{pb}/studio/history")),
            ("studio files", format!("/courses/{pb}/studio/files")),
            ("studio preview", format!("/courses/{pb}/studio/preview")),
            ("course settings", format!("/courses/{pb}/settings")),
            ("course team", format!("/courses/{pb}/team")),
            ("forks of a course", format!("/courses/{pb}/studio/forks")),
            (
                "wiki activity",
                "/courses/course-v1:COMMONPLACE+EB101+2026/instructor/wiki-activity".to_owned(),
            ),
            (
                "a learner's wiki activity",
                "/courses/course-v1:COMMONPLACE+EB101+2026/instructor/wiki-activity/learner"
                    .to_owned(),
            ),
        ]);
        b.go(&q(&format!("/courses/{pb}/studio"))).await;
        let unit_editor = b.js("var a = document.querySelector(\"a[href*='/studio/unit/']\"); return a ? a.getAttribute('href') : null").await;
        if let Some(h) = unit_editor.as_str() {
            pages.push(("unit editor", h.to_owned()));
            b.go(&q(h)).await;
            let block = b.js(r#"var a = Array.prototype.find.call(document.querySelectorAll("a[href*='/studio/block/']"), function (a) { return /\/studio\/block\/\d+$/.test(a.getAttribute('href')); }); return a ? a.getAttribute('href') : null"#).await;
            if let Some(h) = block.as_str() {
                pages.push(("block editor", h.to_owned()));
            }
        }
        // The wiki task's form editor: the task of Editing basics' second unit.
        b.go(&q("/courses/course-v1:COMMONPLACE+EB101+2026/studio"))
            .await;
        let unit_editor = b.js("var a = document.querySelectorAll(\"a[href*='/studio/unit/']\")[1]; return a ? a.getAttribute('href') : null").await;
        let unit_editor = unit_editor.as_str().expect("Editing basics' second unit");
        b.go(&q(unit_editor)).await;
        let block = b.js(r#"var a = Array.prototype.find.call(document.querySelectorAll("a[href*='/studio/block/']"), function (a) { return /\/studio\/block\/\d+$/.test(a.getAttribute('href')); }); return a ? a.getAttribute('href') : null"#).await;
        let block = block
            .as_str()
            .expect("the wiki task of Editing basics' second unit");
        pages.push(("wiki task editor", block.to_owned()));
        b.go(&q(&format!("/courses/{pb}/instructor/gradebook")))
            .await;
        let learner = b.js("var a = document.querySelector(\"a[href*='/instructor/learners/']\"); return a ? a.getAttribute('href') : null").await;
        if let Some(h) = learner.as_str() {
            pages.push(("learner's grades", h.to_owned()));
        }
        for (name, path) in pages {
            b.go(&q(&path)).await;
            let page = format!("{name} ({lang})");
            // "Instructor" is the last tab: in view even when the bar scrolls.
            violations.extend(b.layout(&page, path.contains("/instructor")).await);
            violations.extend(b.axe(&page).await);
            if name == "gradebook"
                || name == "outline editor"
                || name == "block editor"
                || name == "wiki task editor"
            {
                b.screenshot(&format!("{}-{lang}", name.replace(' ', "-")))
                    .await;
            }
            if name == "submission" {
                // Feedback boxes are Codex text areas, as wide as their field (the browser's
                // default was a third of the width, in monospace).
                let fills = b.js("var t = document.querySelector('.or-rubric textarea'); if (!t) return 'no feedback box'; var f = t.closest('.cdx-field'); return t.getBoundingClientRect().width >= f.getBoundingClientRect().width - 2 && getComputedStyle(t).fontFamily.indexOf('monospace') < 0;").await;
                assert_eq!(
                    fills,
                    json!(true),
                    "feedback box on the submission page ({lang})"
                );
            }
        }
        // The site admin: administration, a new course, the review queue, an
        // organisation's page; and a visitor's sign-up page.
        b.logout().await;
        b.go(&q("/login")).await;
        b.type_into("#username", "admin").await;
        b.type_into("#password", "e2e password 123").await;
        b.click("form.form-stack button[type=submit]").await;
        b.wait_for(
            "login",
            "return document.querySelector('.site-nav a[href=\"/dashboard\"]') !== null",
        )
        .await;
        for (name, path) in [
            ("admin", "/admin"),
            ("admin users", "/admin/users"),
            ("admin user", "/admin/users/learner"),
            ("admin organisations", "/admin/orgs"),
            ("admin courses", "/admin/courses"),
            ("audit log", "/admin/audit"),
            ("site settings", "/admin/settings"),
            ("background jobs", "/admin/jobs"),
            ("new course", "/courses/new"),
            ("review queue", "/review"),
            ("organisation", "/orgs/COMMONPLACE"),
            ("organisation people", "/orgs/COMMONPLACE/people"),
            ("moderation queue", "/moderation"),
        ] {
            b.go(&q(path)).await;
            let page = format!("{name} ({lang})");
            violations.extend(b.layout(&page, false).await);
            violations.extend(b.axe(&page).await);
        }
        b.logout().await;
        for (name, path) in [
            ("sign-up", "/signup"),
            ("password reset", "/password/reset"),
        ] {
            b.go(&q(path)).await;
            let page = format!("{name} ({lang})");
            violations.extend(b.layout(&page, false).await);
            violations.extend(b.axe(&page).await);
        }
    }
    assert!(
        violations.is_empty(),
        "layout problems or serious/critical axe-core violations:\n{}",
        violations.join("\n")
    );
}

/// Set the viewport: a phone (360 px, mobile) or a desktop (1280 px).
async fn viewport(b: &Browser, width: u32) {
    b.cmd(
        reqwest::Method::POST,
        "/goog/cdp/execute",
        json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}}),
    )
    .await;
}

async fn log_in(b: &Browser, url: &str, who: &str) {
    b.logout().await;
    b.go(&format!("{url}/login")).await;
    b.type_into("#username", who).await;
    b.type_into("#password", "e2e password 123").await;
    b.click("form.form-stack button[type=submit]").await;
    b.wait_for(
        "login",
        "return document.querySelector('.site-nav a[href=\"/dashboard\"]') !== null",
    )
    .await;
}

/// Switch the interface language with the header's menu (kept for the session).
async fn language(b: &Browser, lang: &str) {
    b.js(&format!("var s = document.querySelector('#lang-select'); if (s.value !== '{lang}') {{ s.value = '{lang}'; s.dispatchEvent(new Event('change')); }} return true")).await;
    b.wait_for(
        lang,
        &format!("return document.documentElement.lang === '{lang}'"),
    )
    .await;
}

/// Fill the fields of the form holding `within` (name → value; `true`/`false` tick or
/// untick a checkbox) and press its submit button `button` (CSS inside the form), then
/// wait for the next page.
async fn submit(b: &Browser, within: &str, fields: &[(&str, &str)], button: &str) {
    let fields = serde_json::to_string(fields).unwrap();
    let ok = b
        .js(&format!(
            r#"var f = document.querySelector({within:?}); if (!f) return 'no form for ' + {within:?}; f = f.closest('form') || f;
            JSON.parse({fields:?}).forEach(function (kv) {{ var e = f.querySelector('[name="' + kv[0] + '"]'); if (!e) throw new Error('no field ' + kv[0]);
              if (e.type === 'checkbox') {{ e.checked = kv[1] === 'true'; }} else {{ e.value = kv[1]; }} }});
            window.__leaving = true; var btn = f.querySelector({button:?}); if (!btn) return 'no button'; btn.click(); return true;"#
        ))
        .await;
    if ok != json!(true) {
        b.screenshot("studio-failed-submit").await;
        let at = b.js("return location.href").await;
        panic!("{within}: {ok} at {at}");
    }
    b.wait_for(
        "the next page",
        "return window.__leaving !== true && document.readyState === 'complete'",
    )
    .await;
}

/// What a person sees of the page's main content.
async fn main_text(b: &Browser) -> String {
    b.js("return (document.querySelector('main') || document.body).innerText")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Issue 12's journey, in Chromium: an organisation's admin creates a course, adds a unit
/// with a text and a problem through Studio's forms, previews it and publishes it; a
/// learner takes it; the author edits the problem and the learner keeps the published
/// version until the next publish. At phone width in English, at desktop width in Arabic.
#[tokio::test]
async fn a_course_is_written_published_and_taken_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;
    for (width, lang, code) in [(WIDTH, "en", "STUDIO1"), (1280, "ar", "STUDIO2")] {
        viewport(&b, width).await;
        let shot = |name: &str| format!("studio-{name}-{lang}-{width}");
        let key = format!("course-v1:COMMONPLACE+{code}+2027");
        log_in(&b, &url, "orgadmin").await;
        language(&b, lang).await;

        // Create the course.
        b.go(&format!("{url}/courses/new?org=COMMONPLACE")).await;
        b.assert_fits("new course").await;
        submit(
            &b,
            "#code",
            &[
                ("code", code),
                ("run", "2027"),
                ("title", "Licences in practice"),
            ],
            "button[name=action][value=create]",
        )
        .await;
        b.wait_for(
            "the new course's settings",
            &format!("return location.pathname === '/courses/{key}/settings'"),
        )
        .await;

        // The outline: a section, a subsection, a unit.
        b.go(&format!("{url}/courses/{key}/studio")).await;
        b.assert_fits("outline editor").await;
        submit(
            &b,
            "#add-section",
            &[("title", "Basics")],
            "button[type=submit]",
        )
        .await;
        submit(
            &b,
            "form.studio-add input[name=kind][value=subsection]",
            &[("title", "Reusing texts")],
            "button[type=submit]",
        )
        .await;
        submit(
            &b,
            "form.studio-add input[name=kind][value=unit]",
            &[("title", "Attribution")],
            "button[type=submit]",
        )
        .await;
        b.screenshot(&shot("outline")).await;
        let unit_editor = b
            .js("var a = document.querySelector(\"a[href*='/studio/unit/']\"); return a && a.getAttribute('href')")
            .await;
        let unit_editor = unit_editor
            .as_str()
            .expect("a link to the unit editor")
            .to_owned();

        // A text block, then a multiple-choice problem, through their editors.
        b.go(&format!("{url}{unit_editor}")).await;
        b.assert_fits("unit editor").await;
        submit(
            &b,
            "button[name=entry][value^='text']",
            &[],
            "button[name=entry][value^='text']",
        )
        .await;
        submit(
            &b,
            "textarea[name=source]",
            &[("source", "Reusing a text means **crediting** its authors.")],
            "button[name=step][value=save]",
        )
        .await;
        b.go(&format!("{url}{unit_editor}")).await;
        submit(
            &b,
            "button[name=entry][value='problem:multiple_choice']",
            &[],
            "button[name=entry][value='problem:multiple_choice']",
        )
        .await;
        b.assert_fits("problem editor").await;
        b.screenshot(&shot("problem-editor")).await;
        submit(
            &b,
            "textarea[name=question]",
            &[
                ("question", "Which licence do Wikipedia's texts use?"),
                ("choice_0_text", "CC BY-SA"),
                ("choice_0_correct", "true"),
                ("choice_1_text", "All rights reserved"),
                ("choice_1_correct", "false"),
            ],
            "button[name=step][value=save]",
        )
        .await;

        // Preview the draft as a learner, then publish.
        b.go(&format!("{url}/courses/{key}/studio/preview")).await;
        let preview = main_text(&b).await;
        assert!(
            preview.contains("crediting"),
            "preview shows the text ({lang}): {preview}"
        );
        assert!(
            preview.contains("Which licence"),
            "preview shows the problem ({lang})"
        );
        b.assert_fits("preview").await;
        b.go(&format!("{url}/courses/{key}/studio")).await;
        submit(
            &b,
            "form[action$='/studio/publish'] button[type=submit]",
            &[],
            "button[type=submit]",
        )
        .await;
        b.screenshot(&shot("published")).await;

        // A learner takes it.
        log_in(&b, &url, "learner").await;
        language(&b, lang).await;
        b.go(&format!("{url}/courses/{key}/about")).await;
        submit(
            &b,
            &format!("form[action=\"/courses/{key}/enroll\"] button"),
            &[],
            "button",
        )
        .await;
        b.go(&format!("{url}/courses/{key}/courseware")).await;
        let unit = b
            .js("var a = document.querySelector(\"a[href*='/unit/']\"); return a && a.getAttribute('href')")
            .await;
        let unit = format!("{url}{}", unit.as_str().expect("a unit in the outline"));
        b.go(&unit).await;
        let page = main_text(&b).await;
        assert!(
            page.contains("crediting") && page.contains("Which licence"),
            "{page}"
        );
        b.js("var r = Array.prototype.find.call(document.querySelectorAll('.problem__form input[type=radio]'), function (i) { return i.closest('label, .cdx-radio, li').innerText.indexOf('CC BY-SA') >= 0; }); r.click(); return true").await;
        submit(
            &b,
            ".problem__form",
            &[],
            "button[name=action][value=submit]",
        )
        .await;
        b.wait_for("the answer's result", "return document.querySelector('.problem__form .correct, .problem__form [class*=correct]') !== null").await;
        b.assert_fits("unit as a learner").await;
        b.screenshot(&shot("learner")).await;

        // The author changes the question; the learner keeps the published one.
        log_in(&b, &url, "orgadmin").await;
        // The problem is the unit's newest block: its editor is the highest block id there.
        b.go(&format!("{url}{unit_editor}")).await;
        let newest = b
            .js(r#"var ids = Array.prototype.map.call(document.querySelectorAll("a[href*='/studio/block/']"), function (a) { var m = /\/studio\/block\/(\d+)$/.exec(a.getAttribute('href')); return m ? +m[1] : 0; }); return Math.max.apply(null, ids)"#)
            .await;
        let newest = newest.as_i64().expect("block editor links");
        b.go(&format!("{url}/courses/{key}/studio/block/{newest}"))
            .await;
        submit(
            &b,
            "textarea[name=question]",
            &[(
                "question",
                "Under which licence are Wikipedia's texts published?",
            )],
            "button[name=step][value=save]",
        )
        .await;
        log_in(&b, &url, "learner").await;
        b.go(&unit).await;
        let page = main_text(&b).await;
        assert!(
            page.contains("Which licence") && !page.contains("Under which licence"),
            "the learner keeps the published version ({lang})"
        );
        log_in(&b, &url, "orgadmin").await;
        b.go(&format!("{url}/courses/{key}/studio")).await;
        submit(
            &b,
            "form[action$='/studio/publish'] button[type=submit]",
            &[],
            "button[type=submit]",
        )
        .await;
        log_in(&b, &url, "learner").await;
        b.go(&unit).await;
        let page = main_text(&b).await;
        assert!(
            page.contains("Under which licence"),
            "published: the new version ({lang})"
        );
        if lang == "ar" {
            assert_eq!(
                b.js("return document.documentElement.dir").await,
                json!("rtl")
            );
        }
        b.logout().await;
    }
}

/// Issue 13's fork, in Chromium: the organiser (admin of the Commonplace collective and a
/// course creator at Rivages) forks Partnership Building into Rivages from its About page,
/// publishes the fork, and its About page and a unit's footer credit the source: its
/// title linked to it, its authors, its licence. The form also fits a phone in Arabic.
#[tokio::test]
async fn a_course_is_forked_into_another_organisation_with_its_attribution() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let fork = "course-v1:RIVAGES+PB101+2026-fork";
    log_in(&b, &url, "orgadmin").await;
    b.go(&format!("{url}/courses/{pb}/about")).await;
    b.click(&format!("a[href='/courses/{pb}/fork']")).await;
    b.wait_for(
        "the fork form",
        &format!("return location.pathname === '/courses/{pb}/fork'"),
    )
    .await;
    b.assert_fits("fork form").await;
    b.screenshot("fork-form-en").await;
    let picked = b
        .js("var r = document.querySelector('input[name=org][value=RIVAGES]'); if (!r) return false; r.checked = true; return true")
        .await;
    assert_eq!(picked, json!(true), "Rivages is offered");
    submit(
        &b,
        "input[name=org][value=RIVAGES]",
        &[("title", "Partnership Building (Rivages)")],
        "button[type=submit]",
    )
    .await;
    b.wait_for(
        "the fork's outline",
        &format!("return location.pathname === '/courses/{fork}/studio'"),
    )
    .await;
    assert!(main_text(&b).await.contains("Your fork was created"));
    submit(
        &b,
        "form[action$='/studio/publish'] button[type=submit]",
        &[],
        "button[type=submit]",
    )
    .await;
    // The fork's About page credits its source.
    b.go(&format!("{url}/courses/{fork}/about")).await;
    b.assert_fits("fork about").await;
    b.screenshot("fork-about-en").await;
    let about = main_text(&b).await;
    assert!(about.contains("Partnership Building (Rivages)"), "{about}");
    assert!(
        about.contains("Adapted from Partnership Building by")
            && about.contains("Ines Instructor")
            && about.contains("CC BY-SA 4.0"),
        "{about}"
    );
    assert_eq!(
        b.js(&format!(
            "return document.querySelector(\"main a[href='/courses/{pb}/about']\") !== null"
        ))
        .await,
        json!(true),
        "a link to the source"
    );
    // And so does every unit's footer.
    b.go(&format!("{url}/courses/{fork}/unit/s1-1-1")).await;
    let footer = b
        .js("return document.querySelector('.site-footer').innerText")
        .await;
    let footer = footer.as_str().unwrap_or_default();
    assert!(
        footer.contains("Adapted from Partnership Building") && footer.contains("CC BY-SA 4.0"),
        "{footer}"
    );
    // The form in Arabic, at phone width.
    language(&b, "ar").await;
    b.go(&format!("{url}/courses/{pb}/fork")).await;
    b.assert_fits("fork form (ar)").await;
    b.screenshot("fork-form-ar").await;
    assert_eq!(
        b.js("return document.documentElement.dir").await,
        json!("rtl")
    );
    b.logout().await;
}

/// Run `body` (JavaScript with `done` to call with the result) asynchronously in the page:
/// the site's own JSON API from the logged-in browser.
async fn run_async(b: &Browser, body: &str) -> Value {
    b.cmd(
        reqwest::Method::POST,
        "/execute/async",
        json!({"script": format!("var done = arguments[arguments.length - 1]; {body}"), "args": []}),
    )
    .await
}

/// Issue 13's upstream sync in Chromium at 360 px: a volunteer forks PB101 into their
/// personal space; the source's instructor changes a text and publishes; the fork's
/// Studio says there is a change, its upstream page shows it with its diff, the volunteer
/// pulls it, and the fork's preview shows it (its learners would only after a publish).
/// The upstream page is then looked at in Arabic.
#[tokio::test]
async fn a_source_change_is_pulled_into_a_fork_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";

    // The volunteer forks PB101 into their personal space with the fork form.
    log_in(&b, &url, "learner").await;
    b.go(&format!("{url}/courses/{pb}/fork")).await;
    b.assert_fits("fork form").await;
    // Personal space: the radio with an empty value.
    b.js("document.querySelector(\"input[name=org][value='']\").checked = true; return true")
        .await;
    submit(&b, "input[name=org][value='']", &[], "button[type=submit]").await;
    // The learner never accepted the code of conduct (issue 13): the site shows it, and
    // once accepted goes back to the fork form.
    let at = b.js("return location.pathname").await;
    assert_eq!(at, json!("/code-of-conduct"), "sent to the code of conduct");
    b.click("form[action='/code-of-conduct'] button[type=submit]")
        .await;
    b.wait_for(
        "back to the fork form",
        &format!("return location.pathname === '/courses/{pb}/fork'"),
    )
    .await;
    b.js("document.querySelector(\"input[name=org][value='']\").checked = true; return true")
        .await;
    submit(&b, "input[name=org][value='']", &[], "button[type=submit]").await;
    let at = b.js("return location.pathname").await;
    let at = at.as_str().unwrap_or_default().to_owned();
    assert!(at.ends_with("/studio"), "after forking: {at}");
    let fork = at
        .trim_start_matches("/courses/")
        .trim_end_matches("/studio")
        .to_owned();
    assert!(fork.contains("PB101"), "{fork}");

    // The source's instructor changes its first text and publishes.
    log_in(&b, &url, "instructor").await;
    let changed = run_async(
        &b,
        &format!(
            r#"fetch('/api/v1/courses/{pb}/draft').then(function (r) {{ return r.json(); }}).then(function (d) {{
              var t = d.blocks.find(function (b) {{ return b.kind === 'text' && (b.content.markdown || b.content.html); }});
              var content = t.content.markdown ? {{markdown: t.content.markdown + '\n\nRevised upstream for everyone.'}} : {{html: t.content.html + '<p>Revised upstream for everyone.</p>'}};
              var unit = d.blocks.find(function (b) {{ return b.id === t.parent; }});
              return fetch('/api/v1/blocks/' + t.id, {{method: 'PATCH', headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{content: content, summary: 'Clearer'}})}})
                .then(function (r) {{ done([r.status, unit.url_name]); }});
            }}).catch(function (e) {{ done(String(e)); }});"#
        ),
    )
    .await;
    assert_eq!(changed[0], json!(200), "{changed}");
    let unit = changed[1].as_str().unwrap().to_owned();
    b.go(&format!("{url}/courses/{pb}/studio")).await;
    submit(&b, "form.studio-publish", &[], "button[type=submit]").await;
    let version = run_async(
        &b,
        &format!("fetch('/api/v1/courses/{pb}/draft').then(function (r) {{ return r.json(); }}).then(function (d) {{ done(d.changes); }});"),
    )
    .await;
    assert_eq!(version, json!(0), "the source's draft is published");

    // The fork's Studio says so; its upstream page shows the change with its diff.
    log_in(&b, &url, "learner").await;
    b.go(&format!("{url}/courses/{fork}/studio")).await;
    let text = main_text(&b).await;
    // The demo's PB101 may have had other unpublished edits that went out with this
    // publish: at least this one.
    assert!(text.contains("in the source since you forked"), "{text}");
    b.click("a[href$='/studio/upstream']").await;
    b.wait_for(
        "the upstream page",
        "return location.pathname.endsWith('/studio/upstream')",
    )
    .await;
    b.assert_fits("upstream page").await;
    let inserted = b
        .js("return Array.prototype.map.call(document.querySelectorAll('.upstream-change ins'), function (e) { return e.textContent; }).join(' ')")
        .await;
    assert!(
        inserted
            .as_str()
            .unwrap_or_default()
            .contains("Revised upstream"),
        "the diff shows what the source added: {inserted}"
    );
    b.screenshot("upstream-en").await;
    // Tick that change (and only it) and pull it.
    let id = b
        .js("var li = Array.prototype.find.call(document.querySelectorAll('.upstream-change'), function (l) { return l.textContent.indexOf('Revised upstream') >= 0; }); var c = li && li.querySelector('input[name=blocks]'); if (!c) return null; c.checked = true; return c.value;")
        .await;
    let id = id.as_str().expect("the change to tick").to_owned();
    submit(
        &b,
        ".upstream-form button[type=submit]",
        &[],
        "button[type=submit]",
    )
    .await;
    let text = main_text(&b).await;
    assert!(text.contains("One change was taken"), "{text}");
    let left = b
        .js(&format!(
            "return document.querySelector('#c-{id}') === null"
        ))
        .await;
    assert_eq!(left, json!(true), "the pulled change is no longer listed");
    // The fork's preview shows it.
    b.go(&format!("{url}/courses/{fork}/studio/preview/unit/{unit}"))
        .await;
    let text = main_text(&b).await;
    assert!(text.contains("Revised upstream for everyone."), "{text}");
    // The history credits the instructor with the pulled revision.
    b.go(&format!("{url}/courses/{fork}/studio/history")).await;
    let text = main_text(&b).await;
    assert!(text.contains("Taken from the source"), "{text}");

    // In Arabic, right to left, at phone width: the page still fits.
    language(&b, "ar").await;
    b.go(&format!("{url}/courses/{fork}/studio/upstream")).await;
    b.assert_fits("upstream page (ar)").await;
    b.screenshot("upstream-ar").await;
    // The source's team sees the fork listed.
    log_in(&b, &url, "instructor").await;
    b.go(&format!("{url}/courses/{pb}/studio/forks")).await;
    b.assert_fits("forks page").await;
    let text = main_text(&b).await;
    assert!(text.contains("Forks of this course"), "{text}");
    b.screenshot("forks-en").await;
}

/// Issue 13's moderation journey, in Chromium at phone width: a learner reports a unit
/// from its footer; the demo's site moderator hides it from the queue; the learner no
/// longer finds it; the course team still sees it, with the banner and the way to appeal.
/// The queue, the report form and the notice are checked for layout and accessibility in
/// English and Arabic.
#[tokio::test]
async fn a_reported_unit_is_hidden_by_a_moderator_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let unit = format!("{url}/courses/{pb}/unit/s1-1-1");
    let mut violations: Vec<String> = Vec::new();

    // The learner reports the unit from its footer.
    log_in(&b, &url, "learner").await;
    b.go(&unit).await;
    b.click(".report-link a").await;
    b.wait_for(
        "the report form",
        "return location.pathname === '/report' && document.querySelector('#reason-spam') !== null",
    )
    .await;
    violations.extend(b.layout("report form (unit)", false).await);
    violations.extend(b.axe("report form (unit)").await);
    b.js("document.querySelector('#reason-spam').checked = true; return true")
        .await;
    submit(
        &b,
        "#report-text",
        &[("text", "Links to a shop in every paragraph")],
        "button[type=submit]",
    )
    .await;
    b.wait_for(
        "back at the unit, thanked",
        "return location.pathname.indexOf('/unit/s1-1-1') > 0 && document.querySelector('.cdx-message--success') !== null",
    )
    .await;

    // The moderator finds it in the queue and hides it.
    log_in(&b, &url, "moderator").await;
    for lang in ["en", "ar"] {
        b.go(&format!("{url}/moderation?uselang={lang}")).await;
        let page = format!("moderation queue with a report ({lang})");
        violations.extend(b.layout(&page, false).await);
        violations.extend(b.axe(&page).await);
    }
    b.go(&format!("{url}/moderation")).await;
    let queue = main_text(&b).await;
    assert!(
        queue.contains("Links to a shop in every paragraph"),
        "the report is in the queue: {queue}"
    );
    b.screenshot("moderation-queue-en").await;
    submit(
        &b,
        "form.mod-form select[name=action]",
        &[
            ("action", "hide"),
            ("reason", "Advertising, hidden pending review"),
        ],
        "button[type=submit]",
    )
    .await;
    b.wait_for(
        "the queue, done",
        "return location.pathname === '/moderation' && document.querySelector('.cdx-message--success') !== null",
    )
    .await;

    // Gone for the learner: the unit answers "not found", the outline does not list it.
    log_in(&b, &url, "learner").await;
    b.go(&unit).await;
    let gone = main_text(&b).await;
    assert!(
        !gone.contains("Links to a shop")
            && b.js("return document.querySelector('.unit-blocks') === null")
                .await
                == json!(true),
        "the learner no longer sees the unit: {gone}"
    );
    b.go(&format!("{url}/courses/{pb}/courseware")).await;
    assert_eq!(
        b.js("return document.querySelector('a[href$=\"/unit/s1-1-1\"]') === null")
            .await,
        json!(true),
        "the outline no longer lists the unit"
    );

    // Still there for the team, with the banner; its link leads to the decision.
    log_in(&b, &url, "instructor").await;
    b.go(&unit).await;
    let seen = main_text(&b).await;
    assert!(
        seen.contains("Hidden by a moderator")
            && seen.contains("Advertising, hidden pending review"),
        "the team sees the unit with the banner: {seen}"
    );
    assert_eq!(
        b.js("return document.querySelector('.unit-blocks') !== null")
            .await,
        json!(true)
    );
    b.screenshot("moderation-hidden-unit-en").await;
    violations.extend(b.layout("hidden unit (team)", true).await);
    violations.extend(b.axe("hidden unit (team)").await);
    b.click(".mod-banner a").await;
    b.wait_for(
        "the decision and its appeal form",
        "return location.pathname === '/appeals/new' && document.querySelector('#appeal-text') !== null",
    )
    .await;
    let here = b.js("return location.pathname + location.search").await;
    let here = here.as_str().unwrap_or_default().to_owned();
    for lang in ["en", "ar"] {
        b.go(&format!("{url}{here}&uselang={lang}")).await;
        let page = format!("moderation notice and appeal ({lang})");
        violations.extend(b.layout(&page, false).await);
        violations.extend(b.axe(&page).await);
    }
    assert!(
        violations.is_empty(),
        "layout problems or serious/critical axe-core violations:\n{}",
        violations.join("\n")
    );
}

/// Issue 13: the demo learner has not accepted the code of conduct; from the footer, in
/// Arabic at phone width, they read it, accept it once, and the page says so.
#[tokio::test]
async fn a_newcomer_accepts_the_code_of_conduct_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    log_in(&b, &url, "learner").await;
    language(&b, "ar").await;
    b.go(&format!("{url}/dashboard")).await;
    b.click("footer a[href='/code-of-conduct']").await;
    b.wait_for(
        "the code of conduct",
        "return document.querySelector('form[action=\"/code-of-conduct\"]') !== null",
    )
    .await;
    b.assert_fits("code of conduct").await;
    let page = main_text(&b).await;
    assert!(page.contains("مدونة السلوك العالمية"), "{page}");
    b.click("form[action='/code-of-conduct'] button[type=submit]")
        .await;
    b.wait_for(
        "the acceptance",
        "return document.querySelector('form[action=\"/code-of-conduct\"]') === null",
    )
    .await;
    let page = main_text(&b).await;
    assert!(page.contains("قبلت مدونة السلوك"), "{page}");
    b.screenshot("code-of-conduct-accepted-ar").await;
}

/// Issue 14's journey, in Chromium at phone width: the demo runs with a real MediaWiki
/// (`--wiki`, the tests' harness); the learner opens the graded draft task of Editing
/// basics, whose link leads to the wiki's edit form of her draft; the edit is made on the
/// wiki (through the harness, as Learner1, the account the demo links her to); "Check my
/// work" finds it done with the edit as evidence; the instructor's dashboard counts it,
/// in English and in Arabic.
#[tokio::test]
async fn a_wiki_task_is_done_on_the_wiki_and_checked_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let Some(w) = lyceum_wiki::testing::mediawiki().await else {
        eprintln!("skipped: LYCEUM_TEST_NO_MEDIAWIKI=1");
        return;
    };
    let (_server, url) = demo_with(&["--wiki", w.server.as_str().trim_end_matches('/')]).await;
    let eb = "course-v1:COMMONPLACE+EB101+2026";
    let unit = format!("{url}/courses/{eb}/unit/s1-1-1");
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    log_in(&b, &url, "learner").await;
    b.go(&unit).await;
    b.assert_fits("a wiki task").await;
    let text = main_text(&b).await;
    assert!(text.contains("User:Learner1/*"), "{text}");
    assert!(text.contains("Not done yet"), "{text}");
    let href = b
        .js("var a = document.querySelector('.wiki-task__go a'); return a ? a.getAttribute('href') : null")
        .await;
    let href = href.as_str().expect("the link to the wiki").to_owned();
    assert!(href.starts_with(w.index.as_str()), "{href}");
    assert!(href.contains("action=edit"), "{href}");
    assert!(href.contains("Learner1"), "{href}");
    // Following it opens the wiki's edit form for the draft (the wiki asks a visitor who
    // is not logged in there to log in first).
    b.go(&href).await;
    let at = b.js("return location.href").await;
    let at = at.as_str().unwrap_or_default();
    assert!(
        at.starts_with(w.index.as_str()) && at.contains("Learner1"),
        "{at}"
    );
    let wiki_page = b
        .js("return document.querySelector('#mw-content-text') !== null")
        .await;
    assert_eq!(wiki_page, json!(true), "a page of the wiki");

    // The edit, made on the wiki as Learner1.
    let mut editor = w.learner1().await;
    let page = format!(
        "User:Learner1/{}",
        lyceum_wiki::testing::unique("Draft").replace(' ', "-")
    );
    let saved = editor
        .create(
            &page,
            "Lyceum is a learning platform.<ref>https://example.org/lyceum</ref>\n\n== References ==\n<references />",
            "Editing basics: my first draft",
            &[],
        )
        .await;

    b.go(&unit).await;
    b.click(".wiki-task__check button[type=submit]").await;
    b.wait_for(
        "the task done",
        "return document.querySelector('.wiki-task__status--done') !== null",
    )
    .await;
    let text = main_text(&b).await;
    assert!(text.contains("Done"), "{text}");
    let diff = b
        .js(&format!(
            "return document.querySelector('.wiki-evidence a[href*=\"diff={}\"]') !== null",
            saved.revid
        ))
        .await;
    assert_eq!(diff, json!(true), "the evidence links to the diff");
    b.assert_fits("a wiki task done").await;
    b.screenshot("wiki-task-done-en").await;

    // The course team's dashboard counts it.
    log_in(&b, &url, "instructor").await;
    b.go(&format!("{url}/courses/{eb}/instructor/wiki-activity"))
        .await;
    let text = main_text(&b).await;
    assert!(text.contains("Learner1"), "{text}");
    b.assert_fits("wiki activity").await;
    language(&b, "ar").await;
    b.go(&format!("{url}/courses/{eb}/instructor/wiki-activity"))
        .await;
    let text = main_text(&b).await;
    assert!(text.contains("النشاط على الويكي"), "{text}");
    b.assert_fits("wiki activity (ar)").await;
    b.screenshot("wiki-activity-ar").await;
    b.go(&format!(
        "{url}/courses/{eb}/instructor/wiki-activity/learner"
    ))
    .await;
    let found = b
        .js(&format!(
            "return document.querySelector('a[href*=\"diff={}\"]') !== null",
            saved.revid
        ))
        .await;
    assert_eq!(found, json!(true), "the learner's page links to the diff");
    b.assert_fits("a learner's wiki activity (ar)").await;
}

/// Issue 15, in Chromium at phone width: a learner asks a question in a unit's
/// discussion, the instructor answers it on the thread page, and the learner marks the
/// answer. The unit and the thread are checked for layout and accessibility in English
/// and Arabic, and a script in the question stays inert.
#[tokio::test]
async fn a_question_asked_in_a_unit_is_answered_and_marked_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let unit = format!("{url}/courses/{pb}/unit/s1-2-1");
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    let mut violations: Vec<String> = Vec::new();

    // The learner asks in the unit: its discussion block holds the form.
    log_in(&b, &url, "learner").await;
    for lang in ["en", "ar"] {
        b.go(&format!("{unit}?uselang={lang}")).await;
        assert_eq!(
            b.js("var d = document.querySelector('.block--discussion details.discussion__ask'); if (!d) return false; d.open = true; return true")
                .await,
            json!(true),
            "the unit's discussion block offers to ask ({lang})"
        );
        let page = format!("unit with its discussion ({lang})");
        violations.extend(b.layout(&page, true).await);
        violations.extend(b.axe(&page).await);
        b.screenshot(&format!("discussion-unit-{lang}")).await;
    }
    b.go(&unit).await;
    b.js("document.querySelector('.discussion__ask').open = true; return true")
        .await;
    submit(
        &b,
        ".discussion__ask textarea[name=body]",
        &[
            ("title", "Is a room booking ever a partnership?"),
            (
                "body",
                "Our library lends us a room every month.<script>window.__pwned = 1</script><img src=x alt=\"\" onerror=\"window.__pwned = 2\"> Is that a **partnership**?",
            ),
        ],
        "button[type=submit]:not([name=action])",
    )
    .await;
    b.wait_for(
        "the new thread",
        "return document.querySelector('.discussion__post') !== null",
    )
    .await;
    let thread = b.js("return location.pathname").await;
    let thread = format!("{url}{}", thread.as_str().unwrap_or_default());
    let text = main_text(&b).await;
    assert!(
        text.contains("Is a room booking ever a partnership?")
            && text.contains("Our library lends us a room every month."),
        "the question, posted: {text}"
    );
    assert_eq!(
        b.js("return window.__pwned === undefined").await,
        json!(true),
        "the question's markup stays inert"
    );

    // The instructor answers on the thread page.
    log_in(&b, &url, "instructor").await;
    b.go(&thread).await;
    submit(
        &b,
        "#post-body",
        &[(
            "body",
            "On its own a room booking is hosting. It becomes a partnership when the library plans the event with you.",
        )],
        "button[name=action][value=reply]",
    )
    .await;
    b.wait_for(
        "the reply on the thread",
        "return document.querySelectorAll('.discussion__post').length >= 2",
    )
    .await;

    // The learner, who asked, marks it as the answer.
    log_in(&b, &url, "learner").await;
    b.go(&thread).await;
    let text = main_text(&b).await;
    assert!(
        text.contains("It becomes a partnership when the library plans"),
        "the learner sees the answer: {text}"
    );
    b.click("form:has(input[name=action][value=answer]) button")
        .await;
    b.wait_for(
        "the answer marked",
        "return document.querySelector('.discussion__post--answer') !== null",
    )
    .await;
    let marked = b
        .js("return document.querySelector('.discussion__post--answer').innerText")
        .await;
    assert!(
        marked
            .as_str()
            .unwrap_or_default()
            .contains("plans the event with you"),
        "the instructor's reply is the answer: {marked}"
    );
    for lang in ["en", "ar"] {
        b.go(&format!("{thread}?uselang={lang}")).await;
        let page = format!("answered question ({lang})");
        violations.extend(b.layout(&page, true).await);
        violations.extend(b.axe(&page).await);
        b.screenshot(&format!("discussion-thread-{lang}")).await;
        b.go(&format!("{url}/courses/{pb}/discussion?uselang={lang}"))
            .await;
        let page = format!("discussion tab ({lang})");
        violations.extend(b.layout(&page, true).await);
        violations.extend(b.axe(&page).await);
        b.screenshot(&format!("discussion-list-{lang}")).await;
    }

    // The instructor mutes the learner for a week: the learner keeps reading, and the
    // pages say why and until when rather than offer a form that would be refused.
    log_in(&b, &url, "instructor").await;
    b.go(&thread).await;
    let status = b
        .js(&format!(
            "return fetch('/api/v1/courses/{pb}/discussions/mutes', {{method: 'POST', \
             headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{username: 'learner', \
             until: new Date(Date.now() + 7 * 86400000).toISOString(), reason: 'Off-topic posts, three times'}})}}) \
             .then(r => r.status)"
        ))
        .await;
    assert_eq!(status, json!(201), "the mute is made");
    log_in(&b, &url, "learner").await;
    for lang in ["en", "ar"] {
        b.go(&format!("{thread}?uselang={lang}")).await;
        let banner = b
            .js("var m = document.querySelector('.cdx-message--warning'); return m ? m.innerText : ''")
            .await;
        assert!(
            banner
                .as_str()
                .unwrap_or_default()
                .contains("Off-topic posts, three times"),
            "the muted learner reads why ({lang}): {banner}"
        );
        assert_eq!(
            b.js("return document.querySelector('textarea[name=body]') === null")
                .await,
            json!(true),
            "no reply form for the muted learner ({lang})"
        );
        let page = format!("thread, muted ({lang})");
        violations.extend(b.layout(&page, true).await);
        violations.extend(b.axe(&page).await);
        b.screenshot(&format!("discussion-muted-{lang}")).await;
    }
    assert!(
        violations.is_empty(),
        "layout problems or serious/critical axe-core violations:\n{}",
        violations.join("\n")
    );
}

/// A value the page's session reads from the API (synchronously, with its cookie).
async fn api(b: &Browser, path: &str) -> Value {
    let text = b
        .js(&format!(
            "var x = new XMLHttpRequest(); x.open('GET', {path:?}, false); x.send(); return x.responseText"
        ))
        .await;
    serde_json::from_str(text.as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

/// Issue 17's journey, in Chromium at phone width: a volunteer translates a unit of
/// Partnership Building into Arabic in the side-by-side editor (saving with the button,
/// then with Ctrl+Enter), the author publishes Arabic, a learner switches the course to
/// it and reads the unit right to left (what is not translated marked as English), then
/// reads in French and answers a problem that counts in Progress; the instructor renames
/// the unit in Studio and publishes, and the French title is flagged outdated for the
/// translator and noted for the learner.
#[tokio::test]
async fn a_course_is_translated_published_and_read_in_another_language_in_the_browser() {
    lyceum_wiki::install_tls_provider();
    if !chromium_available() {
        eprintln!("skipped: chromium and chromedriver are not installed");
        return;
    }
    let (_server, url) = demo().await;
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let b = Browser::start().await;
    viewport(&b, WIDTH).await;
    let mut violations: Vec<String> = Vec::new();

    // The translator's editor, one unit of the course, Arabic as the target.
    log_in(&b, &url, "translator").await;
    b.go(&format!("{url}/courses/{pb}/translate")).await;
    violations.extend(b.layout("translations table", true).await);
    violations.extend(b.axe("translations table").await);
    b.screenshot("translate-table-en").await;
    assert_eq!(
        b.js("return document.querySelector('.course-tabs a[href$=\"/instructor/gradebook\"]') === null && document.querySelector('.course-tabs [aria-current=page]').getAttribute('href').endsWith('/translate')")
            .await,
        json!(true),
        "a translator's tab is Translate, not the instructor's"
    );
    b.go(&format!(
        "{url}/courses/{pb}/translate/ar?part=s3-1-1&state=untranslated"
    ))
    .await;
    violations.extend(b.layout("translation editor", true).await);
    violations.extend(b.axe("translation editor").await);
    assert_eq!(
        b.js("var t = document.querySelector('[data-tseg-form] textarea'); return t.lang + ' ' + t.dir")
            .await,
        json!("ar rtl"),
        "an Arabic translation is typed right to left"
    );
    let ids = b
        .js("return Array.from(document.querySelectorAll('[data-tseg]')).slice(0, 2).map(function (a) { return a.id.slice(4); })")
        .await;
    let (first, second) = (
        ids[0].as_str().unwrap().to_owned(),
        ids[1].as_str().unwrap().to_owned(),
    );
    // Saved with "Save and next": the page comes back at the next text.
    submit(
        &b,
        &format!("[id='seg-{first}'] textarea"),
        &[("text", "قم بواجبك")],
        "button[type=submit]",
    )
    .await;
    assert_eq!(
        b.js("return decodeURIComponent(location.hash)").await,
        json!(format!("#seg-{second}"))
    );
    b.screenshot("translate-editor-ar").await;
    // Saved with the keyboard: in the background, announced, and on to the next one.
    b.js(&format!(
        "var f = document.querySelector(\"[id='seg-{second}'] [data-tseg-form]\"); var t = f.querySelector('textarea'); \
         t.focus(); t.value = 'الرسالة الأولى التي تُظهر أنك تعرف المنظمة أكثر حظًا في الحصول على رد.'; \
         t.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', ctrlKey: true, bubbles: true }})); return true"
    ))
    .await;
    b.wait_for(
        "the background save",
        "var l = document.querySelector('[data-translate-live]'); return l && l.textContent.length > 0",
    )
    .await;
    let list = api(
        &b,
        &format!("/api/v1/courses/{pb}/translations/ar/segments?state=all"),
    )
    .await;
    for id in [&first, &second] {
        let s = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap();
        assert_eq!(s["state"], "translated", "{id}: {s}");
    }

    // The author publishes Arabic from the table.
    log_in(&b, &url, "author").await;
    b.go(&format!("{url}/courses/{pb}/translate")).await;
    submit(
        &b,
        &format!("form[action='/courses/{pb}/translate/ar/publish']"),
        &[],
        "button[type=submit]",
    )
    .await;
    assert!(
        main_text(&b)
            .await
            .contains("learners can read the course in it"),
        "published"
    );

    // The learner switches the unit to Arabic: right to left, the rest marked English.
    log_in(&b, &url, "learner").await;
    b.go(&format!("{url}/courses/{pb}/unit/s3-1-1")).await;
    b.click("form.course-languages button[value=ar]").await;
    b.wait_for(
        "the unit in Arabic",
        "var u = document.querySelector('.unit-blocks'); return u !== null && u.lang === 'ar'",
    )
    .await;
    assert_eq!(
        b.js("var u = document.querySelector('.unit-blocks'); return [u.dir, getComputedStyle(u).direction].join(' ')")
            .await,
        json!("rtl rtl")
    );
    let page = main_text(&b).await;
    assert!(page.contains("قم بواجبك"), "{page}");
    assert!(
        b.js("return document.querySelector('.unit-blocks span[lang=en][dir=ltr]') !== null && document.querySelector('.translation-note') !== null")
            .await
            .as_bool()
            .unwrap(),
        "untranslated text marked as English, and the page says so"
    );
    violations.extend(b.layout("unit in Arabic", true).await);
    violations.extend(b.axe("unit in Arabic").await);
    b.screenshot("translated-unit-ar").await;

    // In French, a problem answered as in English counts in Progress.
    b.click("form.course-languages button[value=fr]").await;
    b.wait_for(
        "the unit in French",
        "var u = document.querySelector('.unit-blocks'); return u !== null && u.lang === 'fr'",
    )
    .await;
    let outline = api(&b, &format!("/api/v1/courses/{pb}?lang=en")).await;
    let quiz = outline["outline"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["subsections"].as_array().unwrap())
        .flat_map(|ss| ss["units"].as_array().unwrap())
        .find(|u| u["title"] == "Quiz: sustaining partnerships")
        .expect("the quiz unit");
    let quiz_url = quiz["url"].as_str().unwrap().to_owned();
    b.go(&format!("{url}{quiz_url}")).await;
    let page = main_text(&b).await;
    assert!(page.contains("images"), "{page}");
    assert!(
        page.contains("159") && !page.contains("What percentage of the released images"),
        "the question in French: {page}"
    );
    b.js("var i = document.querySelector('.problem__form input[type=text]'); i.value = '75'; return true")
        .await;
    submit(
        &b,
        ".problem__form input[type=text]",
        &[],
        "button[name=action][value=submit]",
    )
    .await;
    let progress = api(&b, &format!("/api/v1/me/courses/{pb}/progress")).await;
    let s42 = progress["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "s4-2")
        .expect("the quiz's subsection");
    assert!(s42["earned"].as_f64().unwrap() >= 1.0, "{s42}");
    b.go(&format!("{url}/courses/{pb}/progress")).await;
    b.screenshot("progress-fr").await;

    // The instructor renames the unit and publishes: the French title is outdated.
    let en = api(&b, &format!("/api/v1/courses/{pb}?lang=en")).await;
    let unit_title = en["outline"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["subsections"].as_array().unwrap())
        .flat_map(|ss| ss["units"].as_array().unwrap())
        .find(|u| u["url_name"] == "s3-1-1")
        .map(|u| u["title"].as_str().unwrap().to_owned())
        .expect("unit s3-1-1");
    log_in(&b, &url, "instructor").await;
    b.go(&format!("{url}/courses/{pb}/studio")).await;
    b.js(&format!(
        "var i = Array.from(document.querySelectorAll('form[action$=\"/rename\"] input[name=title]')).find(function (i) {{ return i.value === {unit_title:?}; }}); \
         i.closest('details').open = true; i.value = {renamed:?}; i.form.querySelector('button[type=submit]').click(); window.__leaving = true; return true",
        renamed = format!("{unit_title} (revised)")
    ))
    .await;
    b.wait_for(
        "the renamed unit",
        "return window.__leaving !== true && document.readyState === 'complete'",
    )
    .await;
    submit(&b, "form.studio-publish", &[], "button[type=submit]").await;

    log_in(&b, &url, "translator").await;
    b.go(&format!("{url}/courses/{pb}/translate/fr?state=outdated"))
        .await;
    let page = main_text(&b).await;
    assert!(page.contains("(revised)"), "{page}");
    assert!(
        b.js("return document.querySelector('.tseg--outdated ins') !== null")
            .await
            .as_bool()
            .unwrap(),
        "the source's change is shown"
    );
    b.screenshot("translate-outdated").await;

    log_in(&b, &url, "learner").await;
    b.go(&format!("{url}/courses/{pb}/unit/s3-1-1")).await;
    let note = b
        .js("var n = document.querySelector('.translation-note'); return n && n.innerText")
        .await;
    assert!(
        note.as_str().is_some_and(|n| n.contains("earlier version")),
        "{note}"
    );
    b.screenshot("translated-unit-outdated-fr").await;
    assert!(
        violations.is_empty(),
        "layout problems or serious/critical axe-core violations:\n{}",
        violations.join("\n")
    );
}
