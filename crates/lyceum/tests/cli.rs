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

/// A pool size out of range is refused before anything is opened, naming the option.
#[test]
fn serve_refuses_a_database_pool_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["0", "1001", "many"] {
        let (ok, _, err) = lyceum(&["serve", "--database-pool", n], dir.path());
        assert!(!ok && err.contains("--database-pool"), "{n}: {err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing created"
    );
}

/// `lyceum serve` on a free port of loopback, on the PostgreSQL database `url`, with
/// `more` arguments.
fn serve_on_postgres(url: &str, data: &std::path::Path, more: &[&str]) -> (Killed, String) {
    let mut args = vec![
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        url,
        "--data",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    start(&args)
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
        4,
        "four published demo courses (Editing basics among them)"
    );
    for l in ["en", "fr", "ar"] {
        assert!(langs.contains(&l), "{l}");
    }
    // Partnership Building comes in French, complete; Arabic is begun but not published,
    // so visitors do not see it.
    let table: serde_json::Value = http
        .get(format!(
            "{url}/api/v1/courses/course-v1:COMMONPLACE+PB101+2026/translations"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let langs = table.as_array().unwrap();
    assert_eq!(langs.len(), 1, "{table}");
    assert_eq!(langs[0]["lang"], "fr");
    assert_eq!(langs[0]["published"], true);
    assert_eq!(langs[0]["translated"], langs[0]["segments"], "{table}");
    assert_eq!(langs[0]["outdated"], 0, "{table}");
    let detail: serde_json::Value = http
        .get(format!(
            "{url}/api/v1/courses/course-v1:COMMONPLACE+PB101+2026?lang=fr"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["title"], "Construire des partenariats");
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
    // The seeding answers every problem of the subsections it works on: a "wrong" answer
    // must still be an answer (an empty one is refused and would leave a gap).
    for (course, subsections) in [
        (
            "course-v1:COMMONPLACE+PB101+2026",
            &["Why partnerships matter", "Checking fit and capacity"][..],
        ),
        (
            "course-v1:RIVAGES+WD101+2026",
            &["Le modèle de données"][..],
        ),
    ] {
        let progress: serde_json::Value = client
            .get(format!("{url}/api/v1/me/courses/{course}/progress"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for title in subsections {
            let s = progress["subsections"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["title"] == *title)
                .unwrap_or_else(|| panic!("{title}: {progress}"));
            let attempts: Vec<i64> = s["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["attempts"].as_i64().unwrap())
                .collect();
            assert!(
                !attempts.is_empty() && attempts.iter().all(|&a| a > 0),
                "a problem left unanswered in {title}: {attempts:?}"
            );
        }
    }
    assert!(
        progress["percent"].as_f64().unwrap() > 0.0 && progress["letter_grade"].is_null()
            || progress["passed"] == true
    );

    // PB101's confidence surveys have real numbers: the instructor's report of the
    // "after" survey compares at least twenty learners with their "before" answers.
    let r = client
        .post(format!("{url}/login"))
        .form(&[("username", "instructor"), ("password", "demo password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let staff = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let pb = "course-v1:COMMONPLACE+PB101+2026";
    let outline = client
        .get(format!("{url}/api/v1/courses/{pb}"))
        .header("cookie", &staff)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The survey blocks of the outline, in course order (ids grow with it).
    let v: serde_json::Value = serde_json::from_str(&outline).unwrap();
    let mut surveys = Vec::new();
    let mut stack = vec![&v];
    while let Some(x) = stack.pop() {
        match x {
            serde_json::Value::Object(o) => {
                if o.get("kind") == Some(&serde_json::json!("survey")) {
                    surveys.push(o["id"].as_i64().unwrap());
                }
                stack.extend(o.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    surveys.sort_unstable();
    assert_eq!(surveys.len(), 2, "{outline}");
    let report: serde_json::Value = client
        .get(format!(
            "{url}/api/v1/courses/{pb}/surveys/{}/report",
            surveys[1]
        ))
        .header("cookie", &staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(report["responses"].as_i64().unwrap() >= 20, "{report}");
    let paired = &report["questions"][0]["paired"];
    assert!(paired["learners"].as_i64().unwrap() >= 20, "{report}");
    assert!(paired["improved"].as_i64().unwrap() > paired["declined"].as_i64().unwrap());
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
    let (_server, base) = serve_on_postgres(&url, dir.path(), &[]);
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

/// Two `serve` nodes on one PostgreSQL share the background work: each period's jobs
/// (mail, digests, settling, the sweeps, the wiki sync) are enqueued once and run once,
/// by one node or the other; SIGTERM stops a node cleanly.
#[tokio::test]
async fn two_serve_nodes_run_each_background_job_once() {
    use lyceum_store::Db;
    lyceum_wiki::install_tls_provider();
    let db = lyceum_store::testing::postgres().await.unwrap();
    let url = db.url.clone().unwrap();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, _) = serve_on_postgres(&url, a_dir.path(), &[]);
    // The second node with a pool of its own size (`--database-pool`), as /metrics shows.
    let (_b, b_url) = serve_on_postgres(&url, b_dir.path(), &["--database-pool", "3"]);
    let metrics = reqwest::get(format!("{b_url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("lyceum_db_pool_max_connections{backend=\"postgres\"} 3\n"),
        "{metrics}"
    );
    // Both schedule at start: one job per kind and slot, all done, each on its first try.
    let kinds = [
        "digests",
        "mail",
        "media-sweep",
        "settle-open-responses",
        "sweep",
        "wiki-sync",
    ];
    let mut jobs: Vec<(String, String, i64)> = Vec::new();
    for _ in 0..300 {
        let mut c = db.store.conn().await.unwrap();
        jobs = c
            .all(lyceum_store::q(
                "SELECT kind, state, attempts FROM jobs ORDER BY kind, id",
            ))
            .await
            .unwrap();
        let done = |k: &str| {
            jobs.iter()
                .any(|(kind, state, _)| kind == k && state == "done")
        };
        if kinds.iter().all(|k| done(k)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for k in kinds {
        assert!(
            jobs.iter()
                .any(|(kind, state, _)| kind == k && state == "done"),
            "{k}: {jobs:?}"
        );
    }
    assert!(
        jobs.iter()
            .all(|(_, state, attempts)| state != "failed" && *attempts <= 1),
        "{jobs:?}"
    );
    let mut c = db.store.conn().await.unwrap();
    let slots: i64 = c
        .scalar(lyceum_store::q(
            "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'sweep:%'",
        ))
        .await
        .unwrap();
    assert!(
        slots <= 2,
        "one sweep per hour, whatever the nodes: {jobs:?}"
    );
    drop(c);
    // SIGTERM: the node stops taking requests and jobs and exits cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &a.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let mut exited = None;
    for _ in 0..300 {
        if let Some(status) = a.0.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(exited.is_some_and(|s| s.success()), "{exited:?}");
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

/// A small Open edX course as a directory, with `statics` under `static/`.
fn small_olx(dir: &std::path::Path, statics: &[(&str, Vec<u8>)]) {
    let files: [(&str, &str); 6] = [
        (
            "course.xml",
            r#"<course url_name="2026" org="CLIORG" course="C101"/>"#,
        ),
        (
            "course/2026.xml",
            r#"<course display_name="CLI course" language="en"><chapter url_name="ch1"/></course>"#,
        ),
        (
            "chapter/ch1.xml",
            r#"<chapter display_name="Week"><sequential url_name="s1"/></chapter>"#,
        ),
        (
            "sequential/s1.xml",
            r#"<sequential display_name="Lesson"><vertical url_name="v1"/></sequential>"#,
        ),
        (
            "vertical/v1.xml",
            r#"<vertical display_name="Unit"><html url_name="h1"/></vertical>"#,
        ),
        (
            "html/h1.xml",
            r#"<html display_name="Text">&lt;p&gt;Hello&lt;/p&gt;</html>"#,
        ),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    for (name, bytes) in statics {
        let p = dir.join("static").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Every file under `dir` with its bytes.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(
                    format!("{}/", p.strip_prefix(dir).unwrap().display()),
                    vec![],
                );
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Make a file look `hours` old.
fn age(path: &std::path::Path, hours: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

/// `lyceum import` refused over the size limit leaves the media directory byte for byte
/// as it was; `lyceum media gc` removes files nothing refers to, reports them, and keeps
/// every file a row refers to.
#[test]
fn refused_imports_leave_media_alone_and_media_gc_removes_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site");
    let course = dir.path().join("course");
    small_olx(&course, &[("notes.txt", b"Course notes".to_vec())]);
    let (ok, _, err) = lyceum(&["import", course.to_str().unwrap()], &data);
    assert!(ok, "{err}");
    let media_dir = data.join("media");
    let before = tree(&media_dir);

    // Five files of 300 KB, each under the cap, together over it.
    let big = dir.path().join("big");
    let statics: Vec<(String, Vec<u8>)> = (0..5u8)
        .map(|i| (format!("part{i}.bin"), vec![i; 300 * 1024]))
        .collect();
    let statics: Vec<(&str, Vec<u8>)> = statics
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    small_olx(&big, &statics);
    let (ok, _, err) = lyceum(
        &["import", big.to_str().unwrap(), "--max-total-mb", "1"],
        &data,
    );
    assert!(!ok);
    assert!(err.contains("big"), "{err}");
    assert_eq!(tree(&media_dir), before, "the media directory is unchanged");

    // Orphans: one old, one new; a staging area a crashed process left behind.
    let media = lyceum_store::MediaStore::new(&media_dir).unwrap();
    let (orphan, _) = media.put(b"nobody refers to me").unwrap();
    let (young, _) = media.put(b"just written").unwrap();
    age(&media.local_path(&orphan).unwrap(), 2);
    let referenced: Vec<String> = media
        .list()
        .unwrap()
        .into_iter()
        .map(|f| f.sha256)
        .collect();
    for f in media.list().unwrap() {
        if f.sha256 != young {
            age(&media.local_path(&f.sha256).unwrap(), 2);
        }
    }
    let crashed = media_dir.join("staging").join("123-0-abc");
    std::fs::create_dir_all(&crashed).unwrap();
    std::fs::write(crashed.join("lock"), b"").unwrap();
    std::fs::write(crashed.join(".part-1"), b"half a file").unwrap();

    let (ok, out, err) = lyceum(&["media", "gc"], &data);
    assert!(ok, "{err}");
    assert!(
        out.contains("Removed 2 files (30 bytes) that nothing refers to."),
        "{out}"
    );
    assert!(out.contains(&format!("  {orphan}  19 bytes")), "{out}");
    assert!(
        out.contains("  staging/123-0-abc/.part-1  11 bytes"),
        "{out}"
    );
    assert!(out.contains("Kept 1 file in use."), "{out}");
    assert!(
        out.contains("Left 1 unused file younger than 60 minutes for a later sweep."),
        "{out}"
    );
    assert!(!media.exists(&orphan).unwrap());
    assert!(!crashed.exists());
    assert!(media.exists(&young).unwrap());
    for sha in referenced.iter().filter(|s| **s != orphan && **s != young) {
        assert_eq!(media.read(sha).unwrap(), b"Course notes");
    }

    // Nothing more to do.
    let (ok, out, _) = lyceum(&["media", "gc"], &data);
    assert!(ok);
    assert!(out.contains("Removed 0 files (0 bytes)"), "{out}");
}

#[tokio::test]
async fn media_gc_runs_on_postgresql() {
    let db = lyceum_store::testing::postgres().await.unwrap();
    let url = db.url.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let course = dir.path().join("course");
    small_olx(&course, &[("notes.txt", b"Course notes".to_vec())]);
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .args(["--database-url", &url, "--data"])
            .arg(dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = run(&["import", course.to_str().unwrap()]);
    assert!(ok, "{err}");
    let media = lyceum_store::MediaStore::new(dir.path().join("media")).unwrap();
    let (orphan, _) = media.put(b"orphan").unwrap();
    for f in media.list().unwrap() {
        age(&media.local_path(&f.sha256).unwrap(), 2);
    }
    let (ok, out, err) = run(&["media", "gc"]);
    assert!(ok, "{err}");
    assert!(out.contains("Removed 1 file (6 bytes)"), "{out}");
    assert!(out.contains(&orphan), "{out}");
    assert!(out.contains("Kept 1 file in use."), "{out}");
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

/// The demo learner's enrolments and PB101 progress, as the API shows them.
async fn learner_view(url: &str) -> (serde_json::Value, serde_json::Value) {
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
    assert_eq!(r.status(), 303, "the demo learner logs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let get = |path: &str| {
        client
            .get(format!("{url}{path}"))
            .header("cookie", &cookie)
            .send()
    };
    let enrolments: serde_json::Value = get("/api/v1/me/enrollments")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let progress: serde_json::Value =
        get("/api/v1/me/courses/course-v1:COMMONPLACE+PB101+2026/progress")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    (enrolments, progress)
}

/// The content files of a media directory (`ab/abcd…`), with their bytes.
fn media_files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|(name, _)| {
            name.split_once('/').is_some_and(|(prefix, file)| {
                prefix.len() == 2 && file.len() == 64 && file.starts_with(prefix)
            })
        })
        .collect()
}

/// Every row of every table of a SQLite database, as text, table by table.
fn sqlite_rows(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let c = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = std::collections::BTreeMap::new();
    for t in tables {
        let mut stmt = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

/// `lyceum backup` of the demo site while it serves, and `lyceum restore` into a new
/// directory: the restored site shows the learner the same work; a backup of the
/// stopped site restores to the same rows in every table and the same media files; and
/// bad restores are refused with the site left untouched.
#[tokio::test]
async fn backup_and_restore_a_sqlite_site() {
    lyceum_wiki::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let site_arg = site.to_str().unwrap();
    let (demo, _) = start(&[
        "demo",
        "--addr",
        "127.0.0.1:0",
        "--data",
        site_arg,
        "--no-wikimedia-standin",
    ]);
    drop(demo);

    // Online: the site serves while it is backed up.
    let (server, url) = start(&["serve", "--addr", "127.0.0.1:0", "--data", site_arg]);
    let seen = learner_view(&url).await;
    assert!(
        seen.1["subsections"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "the learner has graded work: {}",
        seen.1
    );
    let online = dir.path().join("online");
    let (ok, out, err) = lyceum(&["backup", online.to_str().unwrap()], &site);
    assert!(ok, "{err}");
    assert!(out.contains("Backed up the sqlite database"), "{out}");
    drop(server);
    let restored = dir.path().join("restored");
    let (ok, out, err) = lyceum(&["restore", online.to_str().unwrap()], &restored);
    assert!(ok, "{err}");
    assert!(out.contains("Restored the sqlite database"), "{out}");
    let (server, url) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(
        learner_view(&url).await,
        seen,
        "the learner's work is all there"
    );
    drop(server);

    // Offline: exactly the same rows and files.
    let offline = dir.path().join("offline");
    let (ok, _, err) = lyceum(&["backup", offline.to_str().unwrap()], &site);
    assert!(ok, "{err}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(offline.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "lyceum-backup");
    assert_eq!(manifest["database"]["backend"], "sqlite");
    assert_eq!(manifest["media"]["missing"], serde_json::json!([]));
    let again = dir.path().join("again");
    let (ok, _, err) = lyceum(&["restore", offline.to_str().unwrap()], &again);
    assert!(ok, "{err}");
    let original = sqlite_rows(&site.join("lyceum.sqlite"));
    assert!(
        !original["or_submissions"].is_empty(),
        "open responses seeded"
    );
    assert_eq!(sqlite_rows(&again.join("lyceum.sqlite")), original);
    let files = media_files(&site.join("media"));
    assert!(!files.is_empty());
    assert_eq!(media_files(&again.join("media")), files);
    assert_eq!(
        manifest["media"]["files"].as_u64(),
        Some(files.len() as u64)
    );

    // Refusals, each leaving the target as it was.
    let (ok, _, err) = lyceum(&["restore", offline.to_str().unwrap()], &again);
    assert!(!ok && err.contains("already has a database"), "{err}");
    let (ok, _, err) = lyceum(&["backup", offline.to_str().unwrap()], &site);
    assert!(!ok && err.contains("is not empty"), "{err}");
    let (ok, _, err) = lyceum(&["restore", site_arg], &dir.path().join("x"));
    assert!(!ok && err.contains("not a complete Lyceum backup"), "{err}");
    // A damaged media file: nothing reaches the database.
    let (name, _) = files.iter().next().unwrap();
    let damaged = offline.join("media").join(name);
    std::fs::write(&damaged, b"not what was stored").unwrap();
    let target = dir.path().join("damaged");
    let (ok, _, err) = lyceum(&["restore", offline.to_str().unwrap()], &target);
    assert!(!ok && err.contains("is damaged"), "{err}");
    assert!(!target.join("lyceum.sqlite").exists());
}

/// The same on PostgreSQL: the demo seeded into a new database, backed up with pg_dump
/// while it serves, restored into another new database; every table holds the same rows.
#[tokio::test]
async fn backup_and_restore_a_postgresql_site() {
    lyceum_wiki::install_tls_provider();
    let source = lyceum_store::testing::postgres_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("site");
    let media_arg = media.to_str().unwrap();
    let (demo, _) = start(&[
        "demo",
        "--addr",
        "127.0.0.1:0",
        "--data",
        media_arg,
        "--database-url",
        &source,
        "--no-wikimedia-standin",
    ]);
    drop(demo);
    let (server, url) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data",
        media_arg,
        "--database-url",
        &source,
    ]);
    let seen = learner_view(&url).await;
    let backup = dir.path().join("backup");
    let (ok, out, err) = lyceum(
        &[
            "backup",
            backup.to_str().unwrap(),
            "--database-url",
            &source,
        ],
        &media,
    );
    assert!(ok, "{err}");
    assert!(out.contains("Backed up the postgres database"), "{out}");
    drop(server);
    assert!(backup.join("database.pgdump").is_file());

    let target = lyceum_store::testing::postgres_database().await.unwrap();
    let restored = dir.path().join("restored");
    let (ok, out, err) = lyceum(
        &[
            "restore",
            backup.to_str().unwrap(),
            "--database-url",
            &target,
        ],
        &restored,
    );
    assert!(ok, "{err}");
    assert!(out.contains("Restored the postgres database"), "{out}");
    let (server, url) = start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data",
        restored.to_str().unwrap(),
        "--database-url",
        &target,
    ]);
    assert_eq!(
        learner_view(&url).await,
        seen,
        "the learner's work is all there"
    );
    drop(server);
    assert_eq!(
        media_files(&restored.join("media")),
        media_files(&media.join("media"))
    );

    // Offline, every row of every table.
    let offline = dir.path().join("offline");
    let (ok, _, err) = lyceum(
        &[
            "backup",
            offline.to_str().unwrap(),
            "--database-url",
            &source,
        ],
        &media,
    );
    assert!(ok, "{err}");
    let again = lyceum_store::testing::postgres_database().await.unwrap();
    let (ok, _, err) = lyceum(
        &[
            "restore",
            offline.to_str().unwrap(),
            "--database-url",
            &again,
        ],
        &dir.path().join("again"),
    );
    assert!(ok, "{err}");
    assert_eq!(pg_rows(&again).await, pg_rows(&source).await);

    // Refusals: a database with tables; a backup of the other kind.
    let (ok, _, err) = lyceum(
        &[
            "restore",
            offline.to_str().unwrap(),
            "--database-url",
            &again,
        ],
        &dir.path().join("again2"),
    );
    assert!(!ok && err.contains("not empty"), "{err}");
    let (ok, _, err) = lyceum(
        &["restore", offline.to_str().unwrap()],
        &dir.path().join("y"),
    );
    assert!(!ok && err.contains("--database-url"), "{err}");
}

/// Each table's rows of a PostgreSQL database, as a digest per table.
async fn pg_rows(url: &str) -> std::collections::BTreeMap<String, (i64, String)> {
    use lyceum_store::{Db, q, q_built};
    let store = lyceum_store::Store::open_postgres(url).await.unwrap();
    let mut c = store.conn().await.unwrap();
    let tables: Vec<(String,)> = c
        .all(q(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
        ))
        .await
        .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for (t,) in tables {
        let (n, digest): (i64, Option<String>) = c
            .one(q_built(format!(
                "SELECT COUNT(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM \"{t}\" x"
            )))
            .await
            .unwrap();
        out.insert(t, (n, digest.unwrap_or_default()));
    }
    assert!(out["or_submissions"].0 >= 1, "open responses seeded");
    out
}

/// A site whose media are in a bucket: `lyceum import --media-url s3://…` stores the
/// course's files there, and `lyceum serve` with the same URL answers for them, byte
/// ranges included (the `AWS_*` variables reach a test S3 server).
#[tokio::test]
async fn import_and_serve_with_media_on_s3() {
    lyceum_wiki::install_tls_provider();
    let Some(s3) = lyceum_store::testing::TestS3::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let olx = dir.path().join("olx");
    let notes: Vec<u8> = (0..5000u32).flat_map(|i| i.to_le_bytes()).collect();
    small_olx(&olx, &[("notes.bin", notes.clone())]);
    let media_url = s3.url();
    let out = Command::new(BIN)
        .args([
            "import",
            olx.to_str().unwrap(),
            "--media-url",
            &media_url,
            "--data",
        ])
        .arg(&site)
        .envs(s3.env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&notes))
    };
    assert!(
        s3.root()
            .join(&s3.bucket)
            .join(&sha[..2])
            .join(&sha)
            .is_file(),
        "the file is in the bucket"
    );
    assert!(
        !site.join("media").join(&sha[..2]).exists(),
        "and not in the data directory"
    );
    let added = user_add(&site, "Admin", "bucket keeper 4096", true);
    assert!(added.status.success(), "{added:?}");

    let mut cmd = Command::new(BIN);
    cmd.args([
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--media-url",
        &media_url,
        "--data",
    ])
    .arg(&site)
    .envs(s3.env())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    let mut child = Killed(cmd.spawn().unwrap());
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server prints its URL").unwrap();
        if let Some(u) = line.strip_prefix("Lyceum is listening on ") {
            break u.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{url}/login"))
        .form(&[("username", "Admin"), ("password", "bucket keeper 4096")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the admin logs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let file = format!(
        "{url}/courses/course-v1:CLIORG+C101+2026/media/{}/notes.bin",
        &sha[..16]
    );
    let r = client
        .get(&file)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), notes);
    let r = client
        .get(&file)
        .header("cookie", &cookie)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", notes.len())
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), &notes[100..200]);
    drop(child);

    // `lyceum backup` reads the files from the bucket.
    let backup = dir.path().join("backup");
    let out = Command::new(BIN)
        .args([
            "backup",
            backup.to_str().unwrap(),
            "--media-url",
            &media_url,
            "--data",
        ])
        .arg(&site)
        .envs(s3.env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(backup.join("media").join(&sha[..2]).join(&sha)).unwrap(),
        notes
    );
}
