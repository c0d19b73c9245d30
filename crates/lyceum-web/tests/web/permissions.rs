//! Who may see what, over HTTP: anonymous, an enrolled learner, another learner, course
//! staff and a site admin, for each kind of page and API call. Private things are 404
//! to those who may not know they exist.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;

const WHO: [&str; 5] = ["anonymous", "learner", "other", "staff", "admin"];

struct World {
    t: TestApp,
    clients: Vec<Client>,
    video_block: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let draft = t.seed(sample_course("DRAFT", false)).await;
    let learner = t.user("learner", false).await;
    t.user("other", false).await;
    let staff = t.user("staff", false).await;
    t.user("admin", true).await;
    t.enroll(learner, course).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    t.make_staff(staff, draft, CourseRole::Staff).await;
    let mut clients = vec![t.client()];
    for name in &WHO[1..] {
        clients.push(t.login(name).await);
    }
    let detail = clients[1]
        .get(&format!("/api/v1/courses/{KEY}"))
        .await
        .json();
    let video_block = detail["outline"][0]["subsections"][0]["units"][0]["blocks"][1]["id"]
        .as_i64()
        .unwrap();
    World {
        t,
        clients,
        video_block,
    }
}

/// Expected outcome per actor: a status, with `"login"`/`"about"` for redirects.
async fn check(
    w: &mut World,
    what: &str,
    expected: [&str; 5],
    send: impl AsyncFn(&mut Client) -> Resp,
) {
    for (i, want) in expected.iter().enumerate() {
        let r = send(&mut w.clients[i]).await;
        let got = match r.status {
            StatusCode::SEE_OTHER if r.location().starts_with("/login") => "login".to_string(),
            StatusCode::SEE_OTHER if r.location().ends_with("/about") => "about".to_string(),
            s => s.as_u16().to_string(),
        };
        assert_eq!(got, *want, "{what} as {}", WHO[i]);
    }
}

#[tokio::test]
async fn pages_matrix() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    check(&mut w, "about", ["200"; 5], async |c| {
        c.get(&format!("/courses/{KEY}/about")).await
    })
    .await;
    check(
        &mut w,
        "unpublished about",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/courses/{draft}/about")).await,
    )
    .await;
    check(
        &mut w,
        "courseware",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/courseware")).await,
    )
    .await;
    check(
        &mut w,
        "unit",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&unit_path("s1-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "unreleased unit",
        // The enrolled learner is told when it opens (not what it holds: see pages.rs).
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&unit_path("s3-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "unpublished unit",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/courses/{draft}/unit/s1-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "bookmarks",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/bookmarks")).await,
    )
    .await;
    check(
        &mut w,
        "dates",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/dates")).await,
    )
    .await;
    check(
        &mut w,
        "dashboard",
        ["login", "200", "200", "200", "200"],
        async |c| c.get("/dashboard").await,
    )
    .await;
    check(
        &mut w,
        "preferences",
        ["login", "200", "200", "200", "200"],
        async |c| c.get("/preferences").await,
    )
    .await;
    for path in [
        "/admin",
        "/admin/orgs",
        "/admin/users",
        "/admin/users/learner",
        "/admin/courses",
        "/admin/audit",
        "/admin/settings",
    ] {
        check(
            &mut w,
            path,
            ["login", "404", "404", "404", "200"],
            async |c| c.get(path).await,
        )
        .await;
    }
    check(&mut w, "organisation page", ["200"; 5], async |c| {
        c.get("/orgs/TESTORG").await
    })
    .await;
    for path in ["/orgs/TESTORG/edit", "/orgs/TESTORG/people"] {
        check(
            &mut w,
            path,
            ["login", "404", "404", "404", "200"],
            async |c| c.get(path).await,
        )
        .await;
    }
    // Trust (issue 13): the code of conduct is for everyone to read; trusting someone is
    // for site admins and the organisation's admins.
    check(&mut w, "code of conduct", ["200"; 5], async |c| {
        c.get("/code-of-conduct").await
    })
    .await;
    for path in [
        "/admin/users/other/trust",
        "/orgs/TESTORG/people/other/trust",
        "/admin/users/other/untrust",
    ] {
        check(
            &mut w,
            path,
            ["login", "404", "404", "404", "303"],
            async |c| c.post_form(path, &[("reason", "known")]).await,
        )
        .await;
    }
    // Forks: anyone logged in who sees the course may open the fork form; moving is
    // for those who run a course in a personal space (this one is in an organisation).
    check(
        &mut w,
        "fork form",
        ["login", "200", "200", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/fork")).await,
    )
    .await;
    check(
        &mut w,
        "unpublished fork form",
        ["login", "404", "404", "200", "200"],
        async |c| c.get(&format!("/courses/{draft}/fork")).await,
    )
    .await;
    check(
        &mut w,
        "move page",
        ["login", "403", "403", "403", "404"],
        async |c| c.get(&format!("/courses/{KEY}/move")).await,
    )
    .await;
    check(
        &mut w,
        "enrol in unpublished",
        ["404", "404", "404", "303", "303"],
        async |c| c.post_empty(&format!("/courses/{draft}/enroll")).await,
    )
    .await;
}

#[tokio::test]
async fn api_matrix() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    check(&mut w, "api catalog", ["200"; 5], async |c| {
        c.get("/api/v1/courses").await
    })
    .await;
    check(
        &mut w,
        "api audit log",
        ["401", "404", "404", "404", "200"],
        async |c| c.get("/api/v1/admin/audit").await,
    )
    .await;
    check(
        &mut w,
        "api unpublished course",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/api/v1/courses/{draft}")).await,
    )
    .await;
    check(
        &mut w,
        "api my enrolments",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me/enrollments").await,
    )
    .await;
    check(
        &mut w,
        "api my deadlines",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me/deadlines").await,
    )
    .await;
    check(
        &mut w,
        "api me",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me").await,
    )
    .await;
    let progress = format!("/api/v1/blocks/{}/progress", w.video_block);
    let body = serde_json::json!({"ranges": [[0.0, 1.0]], "duration": 9.0, "position": 1.0});
    // Progress is the learner's own record: only someone enrolled can have one.
    check(
        &mut w,
        "api video progress",
        ["401", "200", "404", "404", "404"],
        async |c| c.post_json(&progress, body.clone()).await,
    )
    .await;
    check(
        &mut w,
        "api enrol in unpublished",
        ["404", "404", "404", "200", "200"],
        async |c| {
            c.post_empty(&format!("/api/v1/courses/{draft}/enrollment"))
                .await
        },
    )
    .await;
    check(
        &mut w,
        "api enrol",
        ["401", "200", "200", "200", "200"],
        async |c| {
            c.post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
                .await
        },
    )
    .await;
    // The catalog lists published courses only, for everyone: drafts are found on their
    // team's dashboard, and a site admin reaches them by their pages.
    let ids = |r: Resp| {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(!ids(w.clients[1].get("/api/v1/courses").await).contains(&draft.to_owned()));
    assert!(!ids(w.clients[4].get("/api/v1/courses").await).contains(&draft.to_owned()));
    let _ = &w.t;
}

#[tokio::test]
async fn unpublished_media_is_private() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    let page = w.clients[3]
        .get(&format!("/courses/{draft}/unit/s1-1-1"))
        .await
        .body;
    let src = page.split("<source src=\"").nth(1).unwrap();
    let url = src[..src.find('"').unwrap()].to_string();
    assert!(url.starts_with(&format!("/courses/{draft}/media/")));
    check(
        &mut w,
        "unpublished media",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&url).await,
    )
    .await;
}

// --- What private reads show, role by role ------------------------------------------------

const ROLES: [&str; 6] = [
    "anonymous",
    "learner",
    "other learner",
    "staff",
    "staff elsewhere",
    "admin",
];
const ANSWER: &str = "SECRET-ANSWER-7f3a";
const ESSAY: &str = "SECRET-ESSAY-5d1e";
const FEEDBACK: &str = "SECRET-FEEDBACK-44b0";
const FILE_BYTES: &str = "SECRET-FILE-BYTES-91c2";
const NAME: &str = "Lena Quillfeather";
/// Who the learner is (their username `lena` or their name, matched ignoring case): for the
/// course team only. Not a secret to the learner herself, whose name is in every header.
const LENA: &str = "lena";
const NOTICE: &str = "new feedback on";

fn private_course() -> serde_json::Value {
    serde_json::json!({
        "org": "TESTORG", "code": "T101", "run": "2026", "language": "en",
        "title": "Private things", "short_description": "", "overview": "",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "grading": {"types": [{"name": "Homework", "min_count": 1, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
        "sections": [{"title": "Week 1", "subsections": [{"title": "Work", "graded": true, "format": "Homework", "units": [
            {"title": "Question", "blocks": [{"kind": "problem", "xml":
                "<problem><stringresponse answer=\"Wikidata\" type=\"ci\"><label>The free knowledge base?</label><textline size=\"20\"/></stringresponse></problem>"}]},
            {"title": "Essay unit", "blocks": [{
                "kind": "open_response", "title": "Essay", "prompts": ["Write."],
                "files": {"requirement": "optional", "allowed": ["txt"], "max_mb": 1, "max_files": 2},
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]}
        ]}]}]
    })
}

struct Private {
    t: TestApp,
    clients: Vec<Client>,
    lena: i64,
    essay: i64,
    submission: i64,
    file: i64,
}

/// Lena answers a problem, writes an essay with a file and gets staff feedback; Omar is in
/// the same course; Stan teaches it; Xena teaches another course; Root is a site admin.
async fn private_world() -> Private {
    let t = TestApp::new().await;
    let course = t.seed(private_course()).await;
    let elsewhere = t.seed(sample_course("ELSEWHERE", true)).await;
    let ids = t.block_ids(course).await;
    let lena = lyceum_web::create_local_user(&t.store, "lena", NAME, PASSWORD, false, 0)
        .await
        .unwrap();
    let omar = t.user("omar", false).await;
    let stan = t.user("stan", false).await;
    let xena = t.user("xena", false).await;
    t.user("root", true).await;
    t.enroll(lena, course).await;
    t.enroll(omar, course).await;
    t.make_staff(stan, course, CourseRole::Staff).await;
    t.make_staff(xena, elsewhere, CourseRole::Instructor).await;
    let mut clients = vec![t.client()];
    for name in ["lena", "omar", "stan", "xena", "root"] {
        clients.push(t.login(name).await);
    }
    let problem = ids["s1-1-1-1"];
    let essay = ids["s1-1-2-1"];
    for (who, answer) in [(1, ANSWER), (2, "omar guesses")] {
        let r = clients[who]
            .post_json(
                &format!("/api/v1/problems/{problem}/submit"),
                serde_json::json!({"answers": {"s1-1-1-1_2_1": answer}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let boundary = "lyceumPrivacyBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n{FILE_BYTES}\r\n--{boundary}--\r\n"
    );
    let r = clients[1]
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/open-responses/{essay}/attachments"),
            axum::body::Body::from(body),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file = r.json()["id"].as_i64().unwrap();
    let r = clients[1]
        .post_json(
            &format!("/api/v1/open-responses/{essay}/submit"),
            serde_json::json!({"text": ESSAY}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let submission = r.json()["id"].as_i64().unwrap();
    let r = clients[3]
        .post_json(
            &format!("/api/v1/submissions/{submission}/staff-assessment"),
            serde_json::json!({"criteria": {"clarity": "wikilearn-good"}, "overall_feedback": FEEDBACK}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Private {
        t,
        clients,
        lena: lena.0,
        essay,
        submission,
        file,
    }
}

/// `show`: 200 with every secret; `blank`: 200 with none of them (the reader's own view);
/// `200` when nothing on the page is secret to this reader; otherwise the status (`404`,
/// `401`, `login` and `about` for redirects) with none of them. Secrets are matched
/// ignoring ASCII case.
async fn outcome(c: &mut Client, path: &str, secrets: &[&str]) -> String {
    let r = c.get(path).await;
    let bytes = if path.ends_with(".tar.gz") && r.status == StatusCode::OK {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.bytes[..]), &mut out)
            .unwrap();
        out
    } else {
        r.bytes.clone()
    };
    let has = |s: &str| {
        bytes
            .windows(s.len())
            .any(|w| w.eq_ignore_ascii_case(s.as_bytes()))
    };
    let found: Vec<&str> = secrets.iter().copied().filter(|s| has(s)).collect();
    match r.status {
        StatusCode::OK if secrets.is_empty() => "200".into(),
        StatusCode::OK if found.len() == secrets.len() => "show".into(),
        StatusCode::OK if found.is_empty() => "blank".into(),
        StatusCode::OK => format!("partial {found:?}"),
        s => {
            let code = match s {
                StatusCode::SEE_OTHER if r.location().starts_with("/login") => "login".to_owned(),
                StatusCode::SEE_OTHER if r.location().ends_with("/about") => "about".to_owned(),
                s => s.as_u16().to_string(),
            };
            if found.is_empty() {
                code
            } else {
                format!("{code} leaking {found:?}")
            }
        }
    }
}

#[tokio::test]
async fn private_reads_show_each_role_exactly_what_it_may_see() {
    let mut w = private_world().await;
    let (lena, essay, sub, file) = (w.lena, w.essay, w.submission, w.file);
    let team = format!("/courses/{KEY}/instructor");
    let all: &[&str] = &[ANSWER, ESSAY, FEEDBACK, FILE_BYTES, LENA];
    #[rustfmt::skip]
    let reads: Vec<(String, Vec<&str>, [&str; 6])> = vec![
        // Pages. The learner's own views show their work; everyone else's own view of the
        // same page shows none of it.
        (unit_path("s1-1-1"), vec![ANSWER], ["login", "show", "blank", "blank", "about", "blank"]),
        (unit_path("s1-1-2"), vec![ESSAY, FEEDBACK], ["login", "show", "blank", "blank", "about", "blank"]),
        (format!("/courses/{KEY}/progress?learner={lena}"), vec![LENA], ["404", "200", "404", "show", "404", "show"]),
        ("/notifications".into(), vec![NOTICE], ["login", "show", "blank", "blank", "blank", "blank"]),
        (format!("/courses/{KEY}/open-response/files/{file}"), vec![FILE_BYTES], ["login", "show", "404", "show", "404", "show"]),
        // The course team's pages and exports: 404 to anyone outside the team.
        (format!("{team}/gradebook"), vec![LENA], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/learners/{lena}"), vec![LENA, ANSWER], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/grades.csv"), vec![LENA], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/answers.csv"), vec![LENA, ANSWER], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/open-responses?filter=all"), vec![LENA], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/submissions/{sub}"), vec![ESSAY, FEEDBACK, LENA], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/open-responses/{essay}/responses.zip"), vec![ESSAY, FILE_BYTES], ["404", "404", "404", "show", "404", "show"]),
        (format!("{team}/open-responses/{essay}/scores.csv"), vec![LENA], ["404", "404", "404", "show", "404", "show"]),
        // The course export is content, never learners' work.
        (format!("{team}/export.tar.gz"), all.to_vec(), ["404", "404", "404", "blank", "404", "blank"]),
        // The JSON API twins.
        (format!("/api/v1/open-responses/{essay}/me"), vec![ESSAY, FEEDBACK], ["401", "show", "blank", "blank", "404", "blank"]),
        (format!("/api/v1/submissions/{sub}"), vec![ESSAY, FEEDBACK], ["401", "show", "404", "show", "404", "show"]),
        (format!("/api/v1/open-responses/attachments/{file}"), vec![FILE_BYTES], ["401", "show", "404", "show", "404", "show"]),
        (format!("/api/v1/courses/{KEY}/open-responses/queue?filter=all"), vec![LENA], ["401", "404", "404", "show", "404", "show"]),
        ("/api/v1/me/notifications".into(), vec![NOTICE], ["401", "show", "blank", "blank", "blank", "blank"]),
        (format!("/api/v1/me/courses/{KEY}/progress"), all.to_vec(), ["401", "blank", "blank", "blank", "404", "blank"]),
    ];
    let mut wrong = Vec::new();
    for (path, secrets, expected) in &reads {
        for (i, want) in expected.iter().enumerate() {
            let mine: Vec<&str> = secrets
                .iter()
                .copied()
                .filter(|s| i != 1 || *s != LENA)
                .collect();
            let got = outcome(&mut w.clients[i], path, &mine).await;
            if got != *want {
                wrong.push(format!(
                    "{path} as {}: expected {want}, got {got}",
                    ROLES[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    let _ = &w.t;
}
