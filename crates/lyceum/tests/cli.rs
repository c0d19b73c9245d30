//! The `lyceum` command as people run it: `user add` reading the password from standard
//! input, `demo` refusing to touch existing data, `serve` on what the demo left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lyceum");

fn user_add(
    dir: &std::path::Path,
    name: &str,
    password: &str,
    admin: bool,
) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["user", "add", name, "--data"]).arg(dir);
    if admin {
        cmd.arg("--admin");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_stdin_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let ok = user_add(dir.path(), "Ada", "a long enough password", true);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Created user Ada"));
    let dup = user_add(dir.path(), "ada", "another long password", false);
    assert!(!dup.status.success());
    assert!(
        String::from_utf8_lossy(&dup.stderr).contains("The username \"ada\" is already taken.")
    );
    let short = user_add(dir.path(), "Bob", "short", false);
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));
}

/// Run a server command and wait for the URL it prints.
fn start(args: &[&str]) -> (Killed, String) {
    let mut child = Killed(
        Command::new(BIN)
            .args(args)
            .env("LYCEUM_DEMO_PASSWORD", "demo password 1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let out = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(url) = line.strip_prefix("Lyceum is listening on ") {
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (child, url.trim_end_matches('/').to_owned());
        }
    }
    panic!("the server did not print its URL:\n{printed}");
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_seeds_a_new_directory_and_serve_reopens_it() {
    lyceum_wiki::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site");
    let (child, url) = start(&[
        "demo",
        "--addr",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
        "--no-wikimedia-standin",
    ]);
    let server = child;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let courses: serde_json::Value = http
        .get(format!("{url}/api/v1/courses"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let langs: Vec<&str> = courses
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["language"].as_str().unwrap())
        .collect();
    assert_eq!(
        courses.as_array().unwrap().len(),
        3,
        "three published demo courses"
    );
    for l in ["en", "fr", "ar"] {
        assert!(langs.contains(&l), "{l}");
    }
    drop(server);

    // Running the demo again on the same directory is refused.
    let again = Command::new(BIN)
        .args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // `serve` picks up the same data, with its users.
    let (child, url) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
    ]);
    let _server = child;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{url}/login"))
        .form(&[("username", "learner"), ("password", "demo password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mine: serde_json::Value = client
        .get(format!("{url}/api/v1/me/enrollments"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        mine.as_array().unwrap().len() >= 2,
        "the demo learner has courses in progress: {mine}"
    );
    assert!(
        mine[0]["progress"]["completed_units"].as_u64().unwrap() > 0
            || mine[1]["progress"]["completed_units"].as_u64().unwrap() > 0
    );
    // They have answered graded problems, some right and some wrong.
    let progress: serde_json::Value = client
        .get(format!(
            "{url}/api/v1/me/courses/course-v1:COMMONPLACE+PB101+2026/progress"
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let problems: Vec<&serde_json::Value> = progress["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["problems"].as_array().unwrap())
        .collect();
    let answered: Vec<_> = problems
        .iter()
        .filter(|p| p["attempts"].as_i64().unwrap() > 0)
        .collect();
    assert!(answered.len() >= 5, "{progress}");
    assert!(
        answered.iter().any(|p| p["earned"] == p["possible"])
            && answered
                .iter()
                .any(|p| p["earned"].as_f64() < p["possible"].as_f64()),
        "{progress}"
    );
    assert!(
        progress["percent"].as_f64().unwrap() > 0.0 && progress["letter_grade"].is_null()
            || progress["passed"] == true
    );
}

#[tokio::test]
async fn serve_runs_on_postgresql() {
    lyceum_wiki::install_tls_provider();
    let db = lyceum_store::testing::postgres().await.unwrap();
    let url = db.url.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut add = Command::new(BIN)
        .args(["user", "add", "pg-user", "--database-url", &url, "--data"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"postgres password\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (child, base) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    let _server = child;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}/login"))
        .form(&[("username", "pg-user"), ("password", "postgres password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the account made by `user add` logs in");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

fn lyceum(args: &[&str], dir: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `lyceum import --json` on the Open edX demo course, `lyceum export`, and importing the
/// export again: the same course, updated in place with nothing changed.
#[test]
fn import_and_export_open_edx_courses() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/olx/demo-course"
    );
    let (ok, out, err) = lyceum(&["import", demo, "--json"], dir.path());
    assert!(ok, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["course_key"], "course-v1:OpenedX+DemoX+DemoCourse");
    assert_eq!(s["created"], true);
    assert_eq!(
        (
            s["sections"].as_u64(),
            s["subsections"].as_u64(),
            s["units"].as_u64()
        ),
        (Some(6), Some(17), Some(58))
    );
    assert_eq!(s["blocks"]["text"], 266);
    assert_eq!(s["blocks"]["problem"], 23);
    assert_eq!(s["blocks"]["video"], 11);
    assert_eq!(s["kept"]["lti"], 2);
    // Open response assessments run here: none is kept as Open edX XML.
    assert_eq!(s["blocks"]["open_response"], 2);
    assert!(s["kept"]["openassessment"].is_null());
    // Every block's OLX url_name maps to its Lyceum id (1 discussion, 10 kept blocks).
    let ids = s["url_names"].as_object().unwrap();
    assert_eq!(ids.len(), 6 + 17 + 58 + 266 + 23 + 11 + 2 + 1 + 10);
    assert!(ids["4e1de5e13fc3422997fe246b40a43aa1"].is_i64());
    // The files the fixture's README lists as left out are reported with their paths.
    let problems = s["problems"].as_array().unwrap();
    let missing = |name: &str| {
        problems
            .iter()
            .filter(|p| p["kind"] == "missing-file" && p["detail"] == format!("static/{name}"))
            .count()
    };
    assert_eq!(missing("feedback.js"), 58);
    assert_eq!(missing("demox_js.js"), 2);
    for one in [
        "hx.js",
        "Periodic-Table.js",
        "DiagnosisSimulation.html",
        "ohms_law.html",
        "Learning_Goals.pdf",
    ] {
        assert_eq!(missing(one), 1, "{one}");
    }
    assert!(
        problems
            .iter()
            .all(|p| p["path"].as_str().is_some_and(|p| !p.is_empty()))
    );

    let archive = dir.path().join("demo.tar.gz");
    let (ok, out, err) = lyceum(
        &[
            "export",
            "course-v1:OpenedX+DemoX+DemoCourse",
            archive.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Exported"));
    let (ok, out, err) = lyceum(&["import", archive.to_str().unwrap(), "--json"], dir.path());
    assert!(ok, "{err}");
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(again["created"], false);
    assert_eq!(again["course_id"], s["course_id"]);
    assert_eq!(again["outline"]["changed"], 0, "{}", again["outline"]);
    assert_eq!(again["outline"]["removed"], 0);
    assert_eq!(again["url_names"], s["url_names"], "ids are kept");

    // Bad input: a clear message, exit status 1, nothing created.
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"\x1f\x8b\x08\x00 not really gzip").unwrap();
    let (ok, _, err) = lyceum(&["import", junk.to_str().unwrap()], dir.path());
    assert!(!ok);
    assert!(err.contains("junk.tar.gz"), "{err}");
    let (ok, _, err) = lyceum(
        &["export", "course-v1:No+Such+Course", "/tmp/x.tar.gz"],
        dir.path(),
    );
    assert!(!ok && err.contains("no course"), "{err}");
}

/// Write a small OLX course into `dir` whose one unit is `unit_xml`.
fn olx_dir_with_unit(dir: &std::path::Path, unit_xml: &str) {
    for (path, text) in [
        (
            "course.xml",
            r#"<course url_name="r" org="HOSTILE" course="H1"/>"#,
        ),
        (
            "course/r.xml",
            r#"<course display_name="Hostile"><chapter url_name="ch"/></course>"#,
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#,
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq"><vertical url_name="v1"/></sequential>"#,
        ),
        ("vertical/v1.xml", unit_xml),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// An archive whose structure contains itself, or nests fifty thousand levels deep:
/// `lyceum import` exits non-zero naming the problem (instead of overflowing its stack),
/// and stores nothing.
#[test]
fn import_refuses_cyclic_and_too_deep_courses() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();

    let cyclic = src.path().join("cyclic");
    olx_dir_with_unit(
        &cyclic,
        r#"<vertical><html url_name="h" display_name="x">x</html><vertical url_name="v1"/></vertical>"#,
    );
    let (ok, _, err) = lyceum(&["import", cyclic.to_str().unwrap()], data.path());
    assert!(!ok, "{err}");
    assert!(err.contains("cyclic"), "names the archive: {err}");
    assert!(
        err.contains(r#"The course structure contains itself, so the course cannot be imported: vertical "v1" → vertical "v1"."#),
        "{err}"
    );

    let deep = src.path().join("deep");
    let levels = 50_000;
    olx_dir_with_unit(
        &deep,
        &format!(
            r#"<vertical>{}<html url_name="h" display_name="x">x</html>{}</vertical>"#,
            "<vertical>".repeat(levels),
            "</vertical>".repeat(levels)
        ),
    );
    let (ok, _, err) = lyceum(&["import", deep.to_str().unwrap()], data.path());
    assert!(!ok, "{err}");
    assert!(
        err.contains("The course structure is nested more than 64 levels deep"),
        "{err}"
    );

    let (ok, _, err) = lyceum(
        &[
            "export",
            "course-v1:HOSTILE+H1+r",
            data.path().join("x.tar.gz").to_str().unwrap(),
        ],
        data.path(),
    );
    assert!(
        !ok && err.contains("no course"),
        "nothing was stored: {err}"
    );
}
