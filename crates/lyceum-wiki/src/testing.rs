//! A real MediaWiki for tests (feature `testing`): [`mediawiki`] starts the wiki of
//! `scripts/mediawiki/start-mediawiki.sh` once per process (the script serialises
//! processes with `flock`, so parallel test binaries share one instance), and [`Editor`]
//! writes to it through the Action API the way a learner or an admin would.
//!
//! The platform itself never writes to a wiki; this writer exists only for tests, against
//! the local wiki. Tests share the one wiki: give every page a [`unique`] title (or make
//! a fresh account with [`TestWiki::create_account`]) and read with a `since` taken just
//! before the test's own edits, never relying on what else the wiki holds.
//!
//! Environment: `LYCEUM_TEST_MW_PORT` (default 18091) picks the port, the state lives in
//! `$CARGO_TARGET_DIR/mediawiki-test-PORT` (or `target/…`), and
//! `LYCEUM_TEST_NO_MEDIAWIKI=1` makes [`mediawiki`] return `None` (the tests that need it
//! then skip themselves). Otherwise a wiki that cannot start fails the test, loudly: CI
//! must run these tests.

use crate::action::ActionApi;
use crate::registry::{Wiki, WikiRegistry, Wikis};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use url::Url;

/// The default port of the tests' MediaWiki (`LYCEUM_TEST_MW_PORT` overrides it).
pub const DEFAULT_PORT: u16 = 18091;

/// An account on the test wiki, with its bot password (`User@ci`).
#[derive(Clone, Debug)]
pub struct Account {
    pub user: String,
    pub password: String,
    pub bot_user: String,
    pub bot_password: String,
}

/// The running test wiki: where it is and the accounts the start script made. `Admin` is
/// sysop and bureaucrat; `Learner1` and `Learner2` are plain (autoconfirmed) users.
#[derive(Clone, Debug)]
pub struct TestWiki {
    /// `http://127.0.0.1:PORT`
    pub server: Url,
    pub api: Url,
    pub index: Url,
    pub port: u16,
    /// The instance's state (LocalSettings.php, SQLite files, logs, uploads).
    pub dir: PathBuf,
    pub admin: Account,
    pub learner1: Account,
    pub learner2: Account,
}

/// The test wiki, started on first use (once per process). `None` only when
/// `LYCEUM_TEST_NO_MEDIAWIKI=1`; panics with the script's output when it cannot start.
pub async fn mediawiki() -> Option<TestWiki> {
    if std::env::var("LYCEUM_TEST_NO_MEDIAWIKI").is_ok_and(|v| v == "1") {
        return None;
    }
    static WIKI: OnceLock<Result<TestWiki, String>> = OnceLock::new();
    // Starting takes a few seconds (a minute on a machine that installs the packages);
    // other tests of this process wait here for the same instance.
    match WIKI.get_or_init(start) {
        Ok(w) => Some(w.clone()),
        Err(e) => panic!(
            "the test MediaWiki could not start ({e}). It needs Debian's mediawiki, \
             php-cli, php-sqlite3, php-intl, php-mbstring and php-xml packages (the start \
             script installs them when run as root or with passwordless sudo). Set \
             LYCEUM_TEST_NO_MEDIAWIKI=1 to skip the tests that need it."
        ),
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn start() -> Result<TestWiki, String> {
    let port: u16 = match std::env::var("LYCEUM_TEST_MW_PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("LYCEUM_TEST_MW_PORT={p} is not a port"))?,
        Err(_) => DEFAULT_PORT,
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let dir = target.join(format!("mediawiki-test-{port}"));
    let script = repo_root().join("scripts/mediawiki/start-mediawiki.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .arg(port.to_string())
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{} exited with {}:\n{}",
            script.display(),
            out.status,
            tail.join("\n")
        ));
    }
    let env_file = dir.join("mediawiki.env");
    let text = std::fs::read_to_string(&env_file)
        .map_err(|e| format!("reading {}: {e}", env_file.display()))?;
    let env: BTreeMap<&str, &str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |k: &str| {
        env.get(k)
            .map(|v| (*v).to_owned())
            .ok_or_else(|| format!("{} has no {k}", env_file.display()))
    };
    let url =
        |k: &str| -> Result<Url, String> { Url::parse(&get(k)?).map_err(|e| format!("{k}: {e}")) };
    let account = |who: &str| -> Result<Account, String> {
        Ok(Account {
            user: get(&format!("MW_{who}_USER"))?,
            password: get(&format!("MW_{who}_PASS"))?,
            bot_user: get(&format!("MW_{who}_BOT_USER"))?,
            bot_password: get(&format!("MW_{who}_BOT_PASS"))?,
        })
    };
    Ok(TestWiki {
        server: url("MW_SERVER")?,
        api: url("MW_API_URL")?,
        index: url("MW_INDEX_URL")?,
        port,
        dir,
        admin: account("ADMIN")?,
        learner1: account("LEARNER1")?,
        learner2: account("LEARNER2")?,
    })
}

/// A name no other test (nor an earlier run against the same wiki) uses:
/// `PREFIX PID-MILLIS-N`. Valid in titles, file names and user names.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix} {}-{}-{n}",
        std::process::id(),
        Timestamp::now().as_millisecond()
    )
}

impl TestWiki {
    /// This wiki as the client reads it, under the name `id`.
    pub fn wiki(&self, id: &str) -> Wiki {
        Wiki::at(id, &self.server)
    }

    /// A registry holding only this wiki, under the name `id` (Wikimedia's wikis off).
    pub fn registry(&self, id: &str) -> WikiRegistry {
        WikiRegistry {
            wikimedia: false,
            sites: vec![self.wiki(id)],
        }
    }

    /// The client and a registry holding only this wiki (as `id`), as use cases take
    /// them. Pages of `page_size` items when given (continuation with few edits).
    pub fn wikis(&self, id: &str, page_size: Option<u32>) -> Wikis {
        let api = ActionApi::new("https://lyceum.example/tests (local test wiki)")
            .expect("an Action API client");
        Wikis {
            api: match page_size {
                Some(n) => api.with_page_size(n),
                None => api,
            },
            registry: self.registry(id),
        }
    }

    /// Logs in with a bot password (`User@ci`) or a main password.
    pub async fn login(&self, user: &str, password: &str) -> Editor {
        Editor::login(self, user, password).await
    }

    pub async fn admin(&self) -> Editor {
        self.login(&self.admin.bot_user, &self.admin.bot_password)
            .await
    }

    pub async fn learner1(&self) -> Editor {
        self.login(&self.learner1.bot_user, &self.learner1.bot_password)
            .await
    }

    pub async fn learner2(&self) -> Editor {
        self.login(&self.learner2.bot_user, &self.learner2.bot_password)
            .await
    }

    /// A new account (`PREFIX PID-MILLIS-N`) with a main password, made through the API as
    /// a visitor would; log in with [`TestWiki::login`]`(&a.user, &a.password)`. Its
    /// `bot_*` fields repeat the main ones.
    pub async fn create_account(&self, prefix: &str) -> Account {
        let user = unique(prefix);
        let password = format!("Pass-{}-word", Timestamp::now().as_millisecond());
        let mut s = Session::new(self);
        let token = s
            .get(&[
                ("action", "query"),
                ("meta", "tokens"),
                ("type", "createaccount"),
            ])
            .await["query"]["tokens"]["createaccounttoken"]
            .as_str()
            .expect("a createaccount token")
            .to_owned();
        let back = self.server.to_string();
        let v = s
            .post(&[
                ("action", "createaccount"),
                ("username", &user),
                ("password", &password),
                ("retype", &password),
                ("createreturnurl", &back),
                ("createtoken", &token),
            ])
            .await;
        assert_eq!(
            v["createaccount"]["status"], "PASS",
            "creating the account {user}: {v}"
        );
        Account {
            user: user.clone(),
            password: password.clone(),
            bot_user: user,
            bot_password: password,
        }
    }

    /// Runs the wiki's queued jobs now. MediaWiki tags reverted edits `mw-reverted` from
    /// a job; [`Editor::undo`] and [`Editor::rollback`] call this so the tag is there
    /// when they return.
    pub fn run_jobs(&self) {
        let settings = self.dir.join("LocalSettings.php");
        let mut last = String::new();
        for _ in 0..3 {
            let out = Command::new("php")
                .arg("/usr/share/mediawiki/maintenance/runJobs.php")
                .env("MW_CONFIG_FILE", &settings)
                .output()
                .expect("running php runJobs.php");
            if out.status.success() {
                return;
            }
            // Another process may hold SQLite's write lock for a moment.
            last = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
        }
        panic!("runJobs.php failed: {last}");
    }

    /// Renames an account (Extension:Renameuser's maintenance script), as a steward
    /// would: its id stays, its name changes.
    pub fn rename_user(&self, old: &str, new: &str) {
        let out = Command::new("php")
            .arg("/usr/share/mediawiki/extensions/Renameuser/maintenance/renameUser.php")
            .arg("--oldname")
            .arg(old)
            .arg("--newname")
            .arg(new)
            .env("MW_CONFIG_FILE", self.dir.join("LocalSettings.php"))
            .output()
            .expect("running php renameUser.php");
        assert!(
            out.status.success(),
            "renaming {old} to {new}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A saved edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub pageid: i64,
    pub revid: i64,
    pub timestamp: Timestamp,
    pub title: String,
}

/// A finished upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploaded {
    /// `File:…` as the wiki normalises it.
    pub title: String,
    pub logid: i64,
    pub timestamp: Timestamp,
}

/// A logged-in session on the test wiki that edits, uploads, reverts and deletes. Its
/// methods panic with the wiki's answer when the wiki refuses: they are test steps.
pub struct Editor {
    session: Session,
    wiki: TestWiki,
    csrf: String,
    /// The name the wiki knows the account by.
    pub user: String,
    pub userid: i64,
}

impl Editor {
    async fn login(wiki: &TestWiki, user: &str, password: &str) -> Editor {
        let mut s = Session::new(wiki);
        let token = s
            .get(&[("action", "query"), ("meta", "tokens"), ("type", "login")])
            .await["query"]["tokens"]["logintoken"]
            .as_str()
            .expect("a login token")
            .to_owned();
        let v = s
            .post(&[
                ("action", "login"),
                ("lgname", user),
                ("lgpassword", password),
                ("lgtoken", &token),
            ])
            .await;
        assert_eq!(v["login"]["result"], "Success", "logging in as {user}: {v}");
        let name = v["login"]["lgusername"].as_str().unwrap_or(user).to_owned();
        let userid = v["login"]["lguserid"].as_i64().unwrap_or_default();
        let csrf =
            s.get(&[("action", "query"), ("meta", "tokens")]).await["query"]["tokens"]["csrftoken"]
                .as_str()
                .expect("a csrf token")
                .to_owned();
        Editor {
            session: s,
            wiki: wiki.clone(),
            csrf,
            user: name,
            userid,
        }
    }

    async fn save(&mut self, mut params: Vec<(&str, &str)>) -> Saved {
        let csrf = self.csrf.clone();
        params.push(("token", &csrf));
        let v = self.session.post(&params).await;
        assert_eq!(v["edit"]["result"], "Success", "editing: {v}");
        Saved {
            pageid: v["edit"]["pageid"].as_i64().expect("pageid"),
            revid: v["edit"]["newrevid"]
                .as_i64()
                .unwrap_or_else(|| panic!("a null edit saves nothing: {v}")),
            timestamp: v["edit"]["newtimestamp"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .expect("newtimestamp"),
            title: v["edit"]["title"].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// Saves `text` as `title` (creating or editing it), with change `tags`.
    pub async fn edit(&mut self, title: &str, text: &str, summary: &str, tags: &[&str]) -> Saved {
        let tags = tags.join("|");
        let mut p = vec![
            ("action", "edit"),
            ("title", title),
            ("text", text),
            ("summary", summary),
        ];
        if !tags.is_empty() {
            p.push(("tags", &tags));
        }
        self.save(p).await
    }

    /// Creates `title`; panics if it exists.
    pub async fn create(&mut self, title: &str, text: &str, summary: &str, tags: &[&str]) -> Saved {
        let tags = tags.join("|");
        let mut p = vec![
            ("action", "edit"),
            ("title", title),
            ("text", text),
            ("summary", summary),
            ("createonly", "1"),
        ];
        if !tags.is_empty() {
            p.push(("tags", &tags));
        }
        self.save(p).await
    }

    /// Saves a JSON page (in the `Item:` namespace, the wiki's stand-in for Wikidata
    /// items, pages are JSON by default).
    pub async fn edit_json(&mut self, title: &str, json: &Value, summary: &str) -> Saved {
        let text = serde_json::to_string_pretty(json).expect("JSON");
        let p = vec![
            ("action", "edit"),
            ("title", title),
            ("text", &text),
            ("summary", summary),
            ("contentmodel", "json"),
        ];
        self.save(p).await
    }

    /// Undoes revision `revid` of `title` (an `mw-undo` edit), then runs the job that
    /// tags the undone edit `mw-reverted`.
    pub async fn undo(&mut self, title: &str, revid: i64) -> Saved {
        let revid = revid.to_string();
        let p = vec![
            ("action", "edit"),
            ("title", title),
            ("undo", &revid),
            ("summary", "undo (test)"),
        ];
        let saved = self.save(p).await;
        self.wiki.run_jobs();
        saved
    }

    /// Rolls back `user`'s last edits to `title` (sysops), then runs the job that tags
    /// them `mw-reverted`.
    pub async fn rollback(&mut self, title: &str, user: &str) -> Saved {
        let token = self
            .session
            .get(&[
                ("action", "query"),
                ("meta", "tokens"),
                ("type", "rollback"),
            ])
            .await["query"]["tokens"]["rollbacktoken"]
            .as_str()
            .expect("a rollback token")
            .to_owned();
        let v = self
            .session
            .post(&[
                ("action", "rollback"),
                ("title", title),
                ("user", user),
                ("token", &token),
            ])
            .await;
        let r = &v["rollback"];
        let revid = r["revid"]
            .as_i64()
            .unwrap_or_else(|| panic!("rolling back {user} on {title}: {v}"));
        self.wiki.run_jobs();
        Saved {
            pageid: r["pageid"].as_i64().unwrap_or_default(),
            revid,
            timestamp: Timestamp::now(),
            title: r["title"].as_str().unwrap_or(title).to_owned(),
        }
    }

    /// Deletes `title` (sysops); returns the deletion's log id.
    pub async fn delete(&mut self, title: &str) -> i64 {
        let csrf = self.csrf.clone();
        let v = self
            .session
            .post(&[
                ("action", "delete"),
                ("title", title),
                ("reason", "test"),
                ("token", &csrf),
            ])
            .await;
        v["delete"]["logid"]
            .as_i64()
            .unwrap_or_else(|| panic!("deleting {title}: {v}"))
    }

    /// Hides the text of revision `revid` (revision deletion, sysops here).
    pub async fn hide_text(&mut self, revid: i64) {
        let csrf = self.csrf.clone();
        let ids = revid.to_string();
        let v = self
            .session
            .post(&[
                ("action", "revisiondelete"),
                ("type", "revision"),
                ("ids", &ids),
                ("hide", "content"),
                ("reason", "test"),
                ("token", &csrf),
            ])
            .await;
        assert_eq!(
            v["revisiondelete"]["status"], "Success",
            "hiding {revid}: {v}"
        );
    }

    /// Uploads `bytes` as `File:FILENAME` with `page_text` as its description page
    /// (categories, licence template…). Warnings (a duplicate file) are ignored.
    pub async fn upload(&mut self, filename: &str, bytes: &[u8], page_text: &str) -> Uploaded {
        let v = self
            .session
            .upload(
                &[
                    ("action", "upload"),
                    ("filename", filename),
                    ("text", page_text),
                    ("comment", "upload (test)"),
                    ("ignorewarnings", "1"),
                    ("token", &self.csrf.clone()),
                ],
                filename,
                bytes,
            )
            .await;
        assert_eq!(
            v["upload"]["result"], "Success",
            "uploading {filename}: {v}"
        );
        let title = format!(
            "File:{}",
            v["upload"]["filename"]
                .as_str()
                .expect("filename")
                .replace('_', " ")
        );
        let log = self
            .session
            .get(&[
                ("action", "query"),
                ("list", "logevents"),
                ("letype", "upload"),
                ("letitle", &title),
                ("lelimit", "1"),
            ])
            .await;
        let event = &log["query"]["logevents"][0];
        Uploaded {
            title,
            logid: event["logid"].as_i64().expect("the upload's log id"),
            timestamp: event["timestamp"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .expect("the upload's timestamp"),
        }
    }
}

/// A tiny valid PNG (1×1, one colour from `seed`): different seeds, different files.
pub fn tiny_png(seed: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        let len = u32::try_from(data.len()).expect("a small chunk");
        out.extend_from_slice(&len.to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let [_, r, g, b] = seed.to_be_bytes();
    // One scanline: filter byte 0, then RGB. zlib with one stored (uncompressed) block.
    let raw = [0u8, r, g, b];
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&4u16.to_le_bytes());
    zlib.extend_from_slice(&(!4u16).to_le_bytes());
    zlib.extend_from_slice(&raw);
    let (mut a, mut s2) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65521;
        s2 = (s2 + a) % 65521;
    }
    zlib.extend_from_slice(&((s2 << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// An HTTP session with the test wiki: its cookies kept by hand (MediaWiki's session is
/// a cookie; reqwest's cookie store is not built in).
struct Session {
    http: reqwest::Client,
    api: Url,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Session {
    fn new(wiki: &TestWiki) -> Session {
        crate::install_tls_provider();
        Session {
            http: reqwest::Client::builder()
                .user_agent("Lyceum-tests (local test wiki)")
                .build()
                .expect("an HTTP client"),
            api: wiki.api.clone(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().expect("cookies");
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&self, req: reqwest::RequestBuilder) -> Value {
        let resp = req
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("the test wiki answers");
        {
            let mut jar = self.cookies.lock().expect("cookies");
            for h in resp.headers().get_all(reqwest::header::SET_COOKIE) {
                let Ok(h) = h.to_str() else { continue };
                let pair = h.split(';').next().unwrap_or_default();
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() || v == "deleted" {
                        jar.remove(k.trim());
                    } else {
                        jar.insert(k.trim().to_owned(), v.trim().to_owned());
                    }
                }
            }
        }
        let status = resp.status();
        let text = resp.text().await.expect("a body");
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the test wiki answered {status} non-JSON ({e}): {text}"))
    }

    fn with_format<'a>(params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut all = params.to_vec();
        all.extend([("format", "json"), ("formatversion", "2")]);
        all
    }

    async fn get(&mut self, params: &[(&str, &str)]) -> Value {
        let mut url = self.api.clone();
        url.query_pairs_mut()
            .extend_pairs(Self::with_format(params));
        self.finish(self.http.get(url)).await
    }

    async fn post(&mut self, params: &[(&str, &str)]) -> Value {
        let body = Self::with_format(params);
        self.finish(self.http.post(self.api.clone()).form(&body))
            .await
    }

    async fn upload(&mut self, params: &[(&str, &str)], filename: &str, bytes: &[u8]) -> Value {
        let boundary = format!("lyceumtest{}", Timestamp::now().as_nanosecond());
        let mut body = Vec::new();
        for (k, v) in Self::with_format(params) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let safe_name: String = filename
            .chars()
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{safe_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(self.api.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.finish(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_pngs_are_valid_and_distinct() {
        let a = tiny_png(1);
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        // IHDR's CRC for a 1×1 RGB 8-bit image, as every PNG encoder writes it.
        assert_eq!(&a[29..33], &[0x90, 0x77, 0x53, 0xDE]);
        assert_ne!(a, tiny_png(2));
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique("Page"), unique("Page"));
        assert!(unique("User:X/Draft").starts_with("User:X/Draft "));
    }
}
