//! Wiki task use cases without HTTP, against a REAL MediaWiki (Debian's packages, started
//! by `scripts/mediawiki/start-mediawiki.sh` on `LYCEUM_TEST_MW_PORT`, default 18391) —
//! on SQLite and PostgreSQL: a draft with and without a reference, work before enrolment,
//! reverted and deleted work with confirmed and unconfirmed credit, an upload, a JSON item
//! statement with and without a reference, a wiki that is down, an unknown account, rate
//! limits, permissions, renames, and the sync job over two learners with the dashboard's
//! numbers.
//!
//! The tests share one wiki, so they take turns (`WIKI`) and each starts its learners'
//! windows at a fresh second: work from another test (or an earlier run of the suite on the
//! same wiki) is out of their window. Titles carry a per-run suffix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use lyceum_app::surveys::CourseRef;
use lyceum_app::wiki_tasks::{self, CheckNote, Status};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::blocks::wiki_task::{
    Criteria, EditCriteria, UploadCriteria, WikiTask, WikiTaskContent, WikidataCriteria,
};
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::course::spec::{CourseSpec, NewBlock, expand};
use lyceum_core::course::{CourseTree, Visibility};
use lyceum_core::permissions::{Actor, CourseFacts, CourseRole};
use lyceum_core::{BlockId, CourseId, FixedClock, UserId};
use lyceum_store::repo::{courses, learner, orgs, users};
use lyceum_store::{MediaStore, Store, q, testing};
use lyceum_wiki::action::ActionApi;
use lyceum_wiki::registry::{Wiki, WikiRegistry, Wikis};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::OnceLock;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::sqlite().await.unwrap().store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::postgres().await.unwrap().store).await })*
        }
    };
}

both!(
    a_draft_with_a_reference_is_done_with_evidence_and_credit,
    work_out_of_the_window_or_by_an_unknown_account_is_nothing_found_yet,
    reverted_work_is_flagged_and_only_unconfirmed_credit_withdrawn,
    a_deleted_page_is_flagged_deleted,
    uploads_and_item_statements_are_checked,
    a_wiki_that_is_down_is_a_note_not_an_error,
    renames_are_followed_through_the_central_id,
    sync_reads_only_what_is_new_and_fills_the_dashboard,
    confirmation_is_for_staff_and_audited,
);

// ---- the wiki ----

/// Tests take turns on the one wiki.
static WIKI: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Mw {
    base: String,
    env: HashMap<String, String>,
}

/// The test MediaWiki, started once per test process (the script reuses a running one).
fn mw() -> &'static Mw {
    static MW: OnceLock<Mw> = OnceLock::new();
    MW.get_or_init(|| {
        let port = std::env::var("LYCEUM_TEST_MW_PORT").unwrap_or_else(|_| "18391".into());
        let dir = std::env::var("LYCEUM_TEST_MW_DIR").unwrap_or_else(|_| {
            format!(
                "{}/lyceum-test-mediawiki-{port}",
                std::env::temp_dir().display()
            )
        });
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/mediawiki/start-mediawiki.sh"
        );
        let out = std::process::Command::new("bash")
            .arg(script)
            .arg(&dir)
            .arg(&port)
            .env(
                "MW_SKIP_APT",
                std::env::var("MW_SKIP_APT").unwrap_or_default(),
            )
            .output()
            .expect("run scripts/mediawiki/start-mediawiki.sh");
        assert!(
            out.status.success(),
            "the test MediaWiki did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(format!("{dir}/mediawiki.env"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect::<HashMap<_, _>>();
        Mw {
            base: env["MW_SERVER"].clone(),
            env,
        }
    })
}

/// Something unique to each call in this run, for titles (both databases' tests share the
/// wiki, and earlier runs may have left pages there).
fn run_id() -> String {
    static START: OnceLock<i64> = OnceLock::new();
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let start = START.get_or_init(|| Timestamp::now().as_millisecond());
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{start}-{}-{n}", std::process::id())
}

/// A logged-in account on the test wiki (bot password), editing through the Action API.
struct Editor {
    http: reqwest::Client,
    api: String,
    cookies: String,
    name: String,
    id: i64,
}

impl Editor {
    async fn login(who: &str) -> Editor {
        lyceum_wiki::install_tls_provider();
        let m = mw();
        let user = &m.env[&format!("MW_{who}_BOT_USER")];
        let pass = &m.env[&format!("MW_{who}_BOT_PASS")];
        let mut e = Editor {
            http: reqwest::Client::new(),
            api: format!("{}/w/api.php", m.base),
            cookies: String::new(),
            name: m.env[&format!("MW_{who}_USER")].clone(),
            id: 0,
        };
        let t = e
            .get(&[("action", "query"), ("meta", "tokens"), ("type", "login")])
            .await;
        let token = t["query"]["tokens"]["logintoken"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = e
            .post(&[
                ("action", "login"),
                ("lgname", user),
                ("lgpassword", pass),
                ("lgtoken", &token),
            ])
            .await;
        assert_eq!(r["login"]["result"], "Success", "{r}");
        e.id = r["login"]["lguserid"].as_i64().unwrap();
        e
    }

    fn keep_cookies(&mut self, resp: &reqwest::Response) {
        let mut jar: Vec<(String, String)> = self
            .cookies
            .split("; ")
            .filter_map(|c| c.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        for h in resp.headers().get_all("set-cookie") {
            let Some((k, v)) = h
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|kv| kv.split_once('='))
            else {
                continue;
            };
            jar.retain(|(n, _)| n != k);
            jar.push((k.to_owned(), v.to_owned()));
        }
        self.cookies = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
    }

    async fn get(&mut self, params: &[(&str, &str)]) -> Value {
        let mut all = params.to_vec();
        all.extend([("format", "json"), ("formatversion", "2")]);
        let resp = self
            .http
            .get(reqwest::Url::parse_with_params(&self.api, &all).unwrap())
            .header("cookie", &self.cookies)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&resp);
        resp.json().await.unwrap()
    }

    async fn post(&mut self, params: &[(&str, &str)]) -> Value {
        let mut all = params.to_vec();
        all.extend([("format", "json"), ("formatversion", "2")]);
        let resp = self
            .http
            .post(&self.api)
            .form(&all)
            .header("cookie", &self.cookies)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&resp);
        resp.json().await.unwrap()
    }

    async fn csrf(&mut self) -> String {
        let t = self.get(&[("action", "query"), ("meta", "tokens")]).await;
        t["query"]["tokens"]["csrftoken"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Save `text` as `title`; the new revision id.
    async fn edit(&mut self, title: &str, text: &str) -> i64 {
        let token = self.csrf().await;
        let r = self
            .post(&[
                ("action", "edit"),
                ("title", title),
                ("text", text),
                ("summary", "Lyceum test"),
                ("token", &token),
            ])
            .await;
        assert_eq!(r["edit"]["result"], "Success", "{r}");
        r["edit"]["newrevid"].as_i64().unwrap()
    }

    /// Undo one revision (as a patroller would).
    async fn undo(&mut self, title: &str, revid: i64) {
        let token = self.csrf().await;
        let rev = revid.to_string();
        let r = self
            .post(&[
                ("action", "edit"),
                ("title", title),
                ("undo", &rev),
                ("token", &token),
            ])
            .await;
        assert_eq!(r["edit"]["result"], "Success", "{r}");
    }

    async fn delete(&mut self, title: &str) {
        let token = self.csrf().await;
        let r = self
            .post(&[
                ("action", "delete"),
                ("title", title),
                ("reason", "Lyceum test"),
                ("token", &token),
            ])
            .await;
        assert!(r["delete"].is_object(), "{r}");
    }

    /// Upload a small PNG as `File:name` with `text` on its page.
    async fn upload(&mut self, name: &str, text: &str) {
        let token = self.csrf().await;
        let boundary = "lyceumtestboundary7c9090f";
        let mut body = Vec::new();
        let fields = [
            ("action", "upload"),
            ("filename", name),
            ("text", text),
            ("comment", "Lyceum test"),
            ("ignorewarnings", "1"),
            ("format", "json"),
            ("formatversion", "2"),
            ("token", token.as_str()),
        ];
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&png(name));
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .http
            .post(&self.api)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("cookie", &self.cookies)
            .body(body)
            .send()
            .await
            .unwrap();
        let r: Value = resp.json().await.unwrap();
        assert_eq!(r["upload"]["result"], "Success", "{r}");
    }

    /// The wiki's own account of `user`'s edits since `since`: (edits, pages created,
    /// distinct pages, bytes added), as `list=usercontribs` reports them.
    async fn sums(&mut self, user: &str, since: Timestamp) -> (i64, i64, i64, i64) {
        let start = since.to_string();
        let r = self
            .get(&[
                ("action", "query"),
                ("list", "usercontribs"),
                ("ucuser", user),
                ("ucdir", "newer"),
                ("ucstart", &start),
                ("uclimit", "500"),
                ("ucprop", "ids|title|timestamp|size|sizediff|flags"),
            ])
            .await;
        let list = r["query"]["usercontribs"].as_array().unwrap().clone();
        let mut pages: Vec<i64> = list.iter().map(|c| c["pageid"].as_i64().unwrap()).collect();
        pages.sort_unstable();
        pages.dedup();
        (
            list.len() as i64,
            list.iter().filter(|c| c["new"] == true).count() as i64,
            pages.len() as i64,
            list.iter()
                .map(|c| c["sizediff"].as_i64().unwrap().max(0))
                .sum(),
        )
    }

    /// Read pages until MediaWiki's job queue has tagged `revid` reverted.
    async fn wait_reverted(&mut self, revid: i64) {
        let rev = revid.to_string();
        for _ in 0..50 {
            let _ = self
                .http
                .get(format!("{}/wiki/Main_Page", mw().base))
                .send()
                .await;
            let r = self
                .get(&[
                    ("action", "query"),
                    ("prop", "revisions"),
                    ("revids", &rev),
                    ("rvprop", "ids|tags"),
                ])
                .await;
            let tags = &r["query"]["pages"][0]["revisions"][0]["tags"];
            if tags
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "mw-reverted"))
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("revision {revid} was never tagged mw-reverted");
    }
}

/// A distinct 1×1 PNG per name (the wiki refuses nothing, but duplicates warn).
fn png(seed: &str) -> Vec<u8> {
    // A valid PNG with a tEXt chunk carrying the seed (chunk CRCs are not checked by
    // MediaWiki's type detection, but are computed anyway).
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffff_u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(seed.as_bytes());
    chunk(&mut out, b"tEXt", &text);
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0xda, 0x63, 0x60, 0x60, 0xf8, 0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0x9b,
            0x6b, 0x5c,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Wait for the next full second: the wiki's timestamps are whole seconds, so a window
/// starting there holds exactly what is done from now on.
async fn fresh_second() -> Timestamp {
    let now = Timestamp::now().as_millisecond();
    let next = (now / 1000 + 1) * 1000;
    tokio::time::sleep(std::time::Duration::from_millis(
        u64::try_from(next - now).unwrap() + 20,
    ))
    .await;
    Timestamp::from_millisecond(next).unwrap()
}

// ---- the course ----

const WIKI_ID: &str = "testwiki";

fn leaf(url_name: &str, c: WikiTaskContent) -> NewBlock {
    let c = WikiTask::into_leaf(WikiTask::validate(c).unwrap());
    NewBlock {
        kind: c.kind().to_owned(),
        url_name: url_name.to_owned(),
        title: format!("Task {url_name}"),
        release_at: None,
        content: c.encode(),
        children: Vec::new(),
    }
}

fn task(wiki: &str, criteria: Criteria, graded: bool) -> WikiTaskContent {
    WikiTaskContent {
        wiki: wiki.to_owned(),
        instructions: String::new(),
        instructions_markdown: String::new(),
        criteria,
        window: Default::default(),
        prefill: Default::default(),
        graded,
        weight: None,
        due: None,
    }
}

fn draft_criteria() -> Criteria {
    Criteria::Edit(EditCriteria {
        namespaces: vec![2],
        title_pattern: "User:{username}/*".into(),
        must_contain: vec!["<ref".into()],
        min_edits: 1,
        ..EditCriteria::default()
    })
}

struct World {
    start: Timestamp,
    env: Env,
    clock: Arc<FixedClock>,
    course: CourseId,
    tree: CourseTree,
    wikis: Wikis,
    _media: tempfile::TempDir,
}

fn registry_at(base: &str) -> WikiRegistry {
    WikiRegistry {
        wikimedia: false,
        sites: vec![Wiki::at(WIKI_ID, &base.parse().unwrap())],
    }
}

async fn world(store: Store, start: Timestamp) -> World {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "TASKS", "run": "2026", "language": "en",
        "title": "Editing basics", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "SS", "units": [
            {"title": "U", "blocks": [{"kind": "text", "markdown": "Edit the wiki"}]}
        ]}]}]
    }))
    .unwrap();
    let mut e = expand(spec, &mut |_| None).unwrap();
    let unit = &mut e.blocks[0].children[0].children[0];
    unit.children
        .push(leaf("draft", task(WIKI_ID, draft_criteria(), true)));
    unit.children.push(leaf(
        "upload",
        task(
            WIKI_ID,
            Criteria::Upload(UploadCriteria {
                category: "Lyceum tests".into(),
                licence_template: "Cc-by-sa-4.0".into(),
                min_uploads: 1,
            }),
            true,
        ),
    ));
    unit.children.push(leaf(
        "item",
        task(
            WIKI_ID,
            Criteria::Wikidata(WikidataCriteria {
                property: "P31".into(),
                with_reference: true,
                min_edits: 1,
            }),
            false,
        ),
    ));
    unit.children.push(leaf(
        "elsewhere",
        task("nowhere.example.org", draft_criteria(), false),
    ));
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let course = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, course, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    drop(c);
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(start));
    World {
        start,
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        course,
        tree,
        wikis: Wikis {
            api: ActionApi::new("lyceum-tests@example.org").unwrap(),
            registry: registry_at(&mw().base),
        },
        _media: media,
    }
}

impl World {
    fn id(&self, name: &str) -> BlockId {
        self.tree.node(self.tree.find_url_name(name).unwrap()).id
    }

    /// A Lyceum account enrolled now (the clock's time), linked to a wiki account.
    async fn learner(&self, name: &str, wiki: Option<(i64, &str)>) -> UserId {
        let mut c = self.env.store.conn().await.unwrap();
        let u = users::create_user(&mut c, name, &name.to_lowercase(), "", false, 0)
            .await
            .unwrap();
        learner::enroll(&mut c, u, self.course, self.env.now_ms())
            .await
            .unwrap();
        if let Some((central, username)) = wiki {
            users::insert_wikimedia_account(&mut c, central, u, username, None, 0)
                .await
                .unwrap();
        }
        u
    }

    async fn staff(&self, name: &str) -> UserId {
        let mut c = self.env.store.conn().await.unwrap();
        users::create_user(&mut c, name, &name.to_lowercase(), "", false, 0)
            .await
            .unwrap()
    }

    fn vis(&self) -> Visibility {
        Visibility {
            now: self.env.now(),
            course_start: None,
            see_unreleased: false,
        }
    }

    fn as_<'a>(
        &'a self,
        user: UserId,
        enrolled: bool,
        role: Option<CourseRole>,
        vis: &'a Visibility,
    ) -> CourseRef<'a> {
        CourseRef {
            id: self.course,
            tree: &self.tree,
            vis,
            facts: CourseFacts {
                published: true,
                enrollment_open: true,
                enrolled,
                role,
                org_role: None,
                hidden: false,
            },
            actor: Actor {
                user: Some(user),
                ..Actor::ANONYMOUS
            },
        }
    }

    /// Move the clock past the per-task wait and to the wall clock at least (the wiki's
    /// timestamps are real).
    fn later(&self) {
        let now = Timestamp::now().max(self.env.now());
        self.clock.set(now);
        self.clock.advance(SignedDuration::from_secs(16));
    }

    async fn check(
        &self,
        user: UserId,
        block: BlockId,
    ) -> lyceum_app::Result<wiki_tasks::TaskView> {
        self.later();
        let vis = self.vis();
        wiki_tasks::check(
            &self.env,
            &self.wikis,
            &self.as_(user, true, None, &vis),
            block,
        )
        .await
    }

    async fn credit(&self, user: UserId, block: BlockId) -> Option<f64> {
        let mut c = self.env.store.conn().await.unwrap();
        let rows: Vec<(Option<f64>,)> = c
            .all(
                q("SELECT raw_earned FROM problem_states WHERE user_id = $1 AND block_id = $2")
                    .bind(user.0)
                    .bind(block.0),
            )
            .await
            .unwrap();
        rows.first().and_then(|r| r.0)
    }

    async fn completed(&self, user: UserId, block: BlockId) -> bool {
        let mut c = self.env.store.conn().await.unwrap();
        learner::completed_in_course(&mut c, user, self.course)
            .await
            .unwrap()
            .contains(&block)
    }

    async fn notices(&self, user: UserId) -> Vec<String> {
        let mut c = self.env.store.conn().await.unwrap();
        let rows: Vec<(String,)> = c
            .all(q("SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id").bind(user.0))
            .await
            .unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }

    async fn count(&self, sql: &'static str, user: UserId) -> i64 {
        let mut c = self.env.store.conn().await.unwrap();
        c.scalar(q(sql).bind(user.0)).await.unwrap()
    }
}

use lyceum_store::Db;

// ---- the scenarios ----

async fn a_draft_with_a_reference_is_done_with_evidence_and_credit(store: Store) {
    let _turn = WIKI.lock().await;
    let mut ed = Editor::login("LEARNER1").await;
    let w = world(store, fresh_second().await).await;
    let draft = w.id("draft");
    let me = w.learner("Ana", Some((ed.id, &ed.name))).await;

    // Nothing done yet; then a draft without a reference: nothing found yet.
    let title = format!("User:{}/Draft {}", ed.name, run_id());
    ed.edit(&title, "A first fact, without a source.").await;
    let v = w.check(me, draft).await.unwrap();
    assert_eq!(v.status, Status::NotStarted);
    assert_eq!(v.note, Some(CheckNote::NothingFoundYet));
    assert_eq!(v.username.as_deref(), Some(ed.name.as_str()));
    assert!(v.checked_at.is_some());
    assert!(w.credit(me, draft).await.is_none());

    // Checking again at once is refused, with the time to wait.
    let vis = w.vis();
    let e = wiki_tasks::check(&w.env, &w.wikis, &w.as_(me, true, None, &vis), draft)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.retry_after_secs.is_some_and(|s| (1..=15).contains(&s)));

    // The reference added: done, with the evidence, the completion and the credit.
    let text = "A first fact.<ref>{{cite web |url=https://example.org |title=Example}}</ref>\n\n== References ==\n<references />";
    let rev = ed.edit(&title, text).await;
    let v = w.check(me, draft).await.unwrap();
    assert_eq!(v.status, Status::Done, "{v:?}");
    assert_eq!(v.note, None);
    assert_eq!(v.evidence.len(), 1);
    let ev = &v.evidence[0];
    assert_eq!(ev.wiki, WIKI_ID);
    assert_eq!(ev.revid, rev);
    assert!(!ev.is_upload);
    assert_eq!(ev.title, title);
    assert_eq!(
        ev.sizediff,
        i64::try_from(text.len()).unwrap() - "A first fact, without a source.".len() as i64
    );
    assert!(ev.timestamp >= v.from.unwrap());
    assert!(ev.tags.is_empty());
    assert_eq!(ev.flag, None);
    assert_eq!(
        ev.diff_url.as_deref(),
        Some(
            w.wikis
                .registry
                .get(WIKI_ID)
                .unwrap()
                .diff_url(rev)
                .as_str()
        )
    );
    assert_eq!(w.credit(me, draft).await, Some(1.0));
    assert!(w.completed(me, draft).await);

    // The view reads the same; a task on a wiki the site does not read says so.
    let vis = w.vis();
    let me_ref = w.as_(me, true, None, &vis);
    let views = wiki_tasks::views_in(
        &w.env,
        &w.wikis,
        &me_ref,
        &[draft, w.id("elsewhere"), BlockId(999_999)],
    )
    .await
    .unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].status, Status::Done);
    assert_eq!(views[1].note, Some(CheckNote::WikiNotAvailable));
    let v = wiki_tasks::check(&w.env, &w.wikis, &me_ref, w.id("elsewhere"))
        .await
        .unwrap();
    assert_eq!(v.note, Some(CheckNote::WikiNotAvailable));

    // A learner without a wiki identity is told to link one; nobody else sees the task.
    let bo = w.learner("Bo", None).await;
    let v = w.check(bo, draft).await.unwrap();
    assert_eq!(v.note, Some(CheckNote::NoIdentity));
    assert_eq!(v.status, Status::NotStarted);
    let stranger = w.staff("Stranger").await;
    let vis = w.vis();
    let e = wiki_tasks::check(&w.env, &w.wikis, &w.as_(stranger, false, None, &vis), draft)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = wiki_tasks::view(&w.env, &w.wikis, &w.as_(stranger, false, None, &vis), draft)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // The team sees the task, not started, and is told to enrol to check.
    let teacher = w.staff("Teacher").await;
    let t = w.as_(teacher, false, Some(CourseRole::Instructor), &vis);
    let v = wiki_tasks::view(&w.env, &w.wikis, &t, draft).await.unwrap();
    assert_eq!(v.status, Status::NotStarted);
    let e = wiki_tasks::check(&w.env, &w.wikis, &t, draft)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

async fn work_out_of_the_window_or_by_an_unknown_account_is_nothing_found_yet(store: Store) {
    let _turn = WIKI.lock().await;
    let mut ed = Editor::login("LEARNER2").await;
    fresh_second().await;
    // Done before enrolling: it does not count.
    let title = format!("User:{}/Early {}", ed.name, run_id());
    ed.edit(&title, "Early.<ref>A source</ref>").await;
    let w = world(store, fresh_second().await).await;
    let draft = w.id("draft");
    let me = w.learner("Cy", Some((ed.id, &ed.name))).await;
    let v = w.check(me, draft).await.unwrap();
    assert_eq!(v.status, Status::NotStarted);
    assert_eq!(v.note, Some(CheckNote::NothingFoundYet));
    assert_eq!(
        w.count(
            "SELECT COUNT(*) FROM wiki_task_evidence WHERE user_id = $1",
            me
        )
        .await,
        0
    );

    // An account the wiki does not know: nothing found yet, not an error.
    let ghost = w
        .learner("Dee", Some((987_654_321, "Nobody Such Account")))
        .await;
    let v = w.check(ghost, draft).await.unwrap();
    assert_eq!(v.status, Status::NotStarted);
    assert_eq!(v.note, Some(CheckNote::NothingFoundYet));
    assert_eq!(v.username.as_deref(), Some("Nobody Such Account"));
}

async fn reverted_work_is_flagged_and_only_unconfirmed_credit_withdrawn(store: Store) {
    let _turn = WIKI.lock().await;
    let mut l1 = Editor::login("LEARNER1").await;
    let mut l2 = Editor::login("LEARNER2").await;
    let mut admin = Editor::login("ADMIN").await;
    let w = world(store, fresh_second().await).await;
    let draft = w.id("draft");
    let ana = w.learner("Ana", Some((l1.id, &l1.name))).await;
    let bo = w.learner("Bo", Some((l2.id, &l2.name))).await;
    let teacher = w.staff("Teacher").await;

    let t1 = format!("User:{}/Revert {}", l1.name, run_id());
    let t2 = format!("User:{}/Revert {}", l2.name, run_id());
    l1.edit(&t1, "Start.").await;
    l2.edit(&t2, "Start.").await;
    let r1 = l1.edit(&t1, "Start.<ref>One</ref>").await;
    let r2 = l2.edit(&t2, "Start.<ref>Two</ref>").await;
    assert_eq!(w.check(ana, draft).await.unwrap().status, Status::Done);
    assert_eq!(w.check(bo, draft).await.unwrap().status, Status::Done);
    // Staff confirm Bo's task.
    let vis = w.vis();
    wiki_tasks::confirm(
        &w.env,
        &w.as_(teacher, false, Some(CourseRole::Instructor), &vis),
        bo,
        draft,
        true,
    )
    .await
    .unwrap();

    admin.undo(&t1, r1).await;
    admin.undo(&t2, r2).await;
    admin.wait_reverted(r1).await;
    admin.wait_reverted(r2).await;

    // Ana re-checks: flagged, credit withdrawn, a notice; the completion stays.
    let v = w.check(ana, draft).await.unwrap();
    assert_eq!(v.status, Status::Flagged, "{v:?}");
    assert_eq!(v.evidence.len(), 1);
    assert_eq!(v.evidence[0].flag.as_deref(), Some("reverted"));
    assert_eq!(v.evidence[0].revid, r1);
    assert_eq!(w.credit(ana, draft).await, Some(0.0));
    assert!(w.completed(ana, draft).await);
    assert_eq!(w.notices(ana).await, vec!["wikitask-withdrawn".to_owned()]);

    // The job re-checks Bo: flagged, but the confirmed credit stays.
    w.later();
    let report = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(report.tasks_flagged, 1, "{report:?}");
    assert_eq!(report.failures, 0);
    let vis = w.vis();
    let v = wiki_tasks::view(&w.env, &w.wikis, &w.as_(bo, true, None, &vis), draft)
        .await
        .unwrap();
    assert_eq!(v.status, Status::Flagged);
    assert_eq!(v.evidence[0].flag.as_deref(), Some("reverted"));
    assert_eq!(v.confirmed.as_ref().map(|c| c.1.as_str()), Some("Teacher"));
    assert_eq!(w.credit(bo, draft).await, Some(1.0));
    assert_eq!(w.notices(bo).await, vec!["wikitask-flagged".to_owned()]);
    // A later run changes nothing and notifies no one again.
    w.later();
    let again = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(again.tasks_flagged, 0);
    assert_eq!(w.notices(ana).await.len(), 1);

    // New work in the window makes the task done again, with its credit.
    let r3 = l1.edit(&t1, "Start again.<ref>Three</ref>").await;
    let v = w.check(ana, draft).await.unwrap();
    assert_eq!(v.status, Status::Done);
    assert!(v.evidence.iter().any(|e| e.revid == r3 && e.flag.is_none()));
    assert!(
        v.evidence
            .iter()
            .any(|e| e.revid == r1 && e.flag.as_deref() == Some("reverted"))
    );
    assert_eq!(w.credit(ana, draft).await, Some(1.0));
}

async fn a_deleted_page_is_flagged_deleted(store: Store) {
    let _turn = WIKI.lock().await;
    let mut l1 = Editor::login("LEARNER1").await;
    let mut admin = Editor::login("ADMIN").await;
    let w = world(store, fresh_second().await).await;
    let draft = w.id("draft");
    let ana = w.learner("Ana", Some((l1.id, &l1.name))).await;
    let title = format!("User:{}/Doomed {}", l1.name, run_id());
    let rev = l1.edit(&title, "Soon gone.<ref>Gone</ref>").await;
    assert_eq!(w.check(ana, draft).await.unwrap().status, Status::Done);
    admin.delete(&title).await;
    let v = w.check(ana, draft).await.unwrap();
    assert_eq!(v.status, Status::Flagged);
    assert_eq!(v.evidence.len(), 1);
    assert_eq!(v.evidence[0].revid, rev);
    assert_eq!(v.evidence[0].flag.as_deref(), Some("deleted"));
    assert_eq!(w.credit(ana, draft).await, Some(0.0));
    assert_eq!(
        w.count(
            "SELECT COUNT(*) FROM wiki_edits WHERE user_id = $1 AND deleted",
            ana
        )
        .await,
        1
    );
}

async fn uploads_and_item_statements_are_checked(store: Store) {
    let _turn = WIKI.lock().await;
    let mut l1 = Editor::login("LEARNER1").await;
    let w = world(store, fresh_second().await).await;
    let (upload, item) = (w.id("upload"), w.id("item"));
    let ana = w.learner("Ana", Some((l1.id, &l1.name))).await;

    // An upload outside the category does not count; one in it, with the licence, does.
    l1.upload(&format!("Lyceum plain {}.png", run_id()), "A plain file.")
        .await;
    let v = w.check(ana, upload).await.unwrap();
    assert_eq!(v.status, Status::NotStarted);
    assert_eq!(v.note, Some(CheckNote::NothingFoundYet));
    let name = format!("Lyceum test {}.png", run_id());
    l1.upload(
        &name,
        "A test file.\n{{Cc-by-sa-4.0}}\n[[Category:Lyceum tests]]",
    )
    .await;
    let v = w.check(ana, upload).await.unwrap();
    assert_eq!(v.status, Status::Done, "{v:?}");
    assert_eq!(v.evidence.len(), 1);
    assert!(v.evidence[0].is_upload);
    assert_eq!(v.evidence[0].title, format!("File:{name}"));
    assert_eq!(
        v.evidence[0].diff_url.as_deref(),
        Some(
            w.wikis
                .registry
                .get(WIKI_ID)
                .unwrap()
                .page_url(&v.evidence[0].title)
                .as_str()
        )
    );
    assert_eq!(w.credit(ana, upload).await, Some(1.0));

    // A JSON item page: a P31 statement without a reference does not count (the task
    // asks for one), the same with a reference does.
    let page = format!("Item:Q{}", run_id().replace('-', ""));
    let statement = |refs: Value| {
        json!({"claims": {"P31": [{
            "mainsnak": {"snaktype": "value", "property": "P31",
                "datavalue": {"value": {"entity-type": "item", "id": "Q5"}, "type": "wikibase-entityid"}},
            "type": "statement", "rank": "normal", "references": refs
        }]}})
        .to_string()
    };
    l1.edit(&page, &json!({"claims": {}}).to_string()).await;
    l1.edit(&page, &statement(json!([]))).await;
    let v = w.check(ana, item).await.unwrap();
    assert_eq!(v.status, Status::NotStarted, "{v:?}");
    assert_eq!(v.note, Some(CheckNote::NothingFoundYet));
    // Not graded: no credit row, but the completion.
    let referenced = statement(
        json!([{"snaks": {"P854": [{"snaktype": "value", "property": "P854",
        "datavalue": {"value": "https://example.org", "type": "string"}}]}}]),
    );
    l1.edit(&page, &json!({"claims": {}}).to_string()).await;
    let rev = l1.edit(&page, &referenced).await;
    let v = w.check(ana, item).await.unwrap();
    assert_eq!(v.status, Status::Done, "{v:?}");
    assert_eq!(v.evidence.last().map(|e| e.revid), Some(rev));
    assert!(w.credit(ana, item).await.is_none());
    assert!(w.completed(ana, item).await);
}

async fn a_wiki_that_is_down_is_a_note_not_an_error(store: Store) {
    let _turn = WIKI.lock().await;
    let mut l1 = Editor::login("LEARNER1").await;
    let mut w = world(store, fresh_second().await).await;
    let draft = w.id("draft");
    let ana = w.learner("Ana", Some((l1.id, &l1.name))).await;
    let title = format!("User:{}/Before the outage {}", l1.name, run_id());
    l1.edit(&title, "Fact.<ref>Source</ref>").await;
    let done = w.check(ana, draft).await.unwrap();
    assert_eq!(done.status, Status::Done);

    // The wiki goes away (a closed port): the check answers, says so, and keeps everything.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    w.wikis.registry = registry_at(&format!("http://127.0.0.1:{port}"));
    let v = w.check(ana, draft).await.unwrap();
    assert_eq!(v.note, Some(CheckNote::WikiUnavailable));
    assert_eq!(v.status, Status::Done);
    assert_eq!(
        v.evidence,
        done.evidence
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e.diff_url = Some(w.wikis.registry.get(WIKI_ID).unwrap().diff_url(e.revid));
                e
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(
        v.checked_at, done.checked_at,
        "the last successful check is kept"
    );
    assert_eq!(w.credit(ana, draft).await, Some(1.0));

    // The check's failure put the wiki in backoff: the job leaves it alone…
    w.later();
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(
        r,
        wiki_tasks::SyncReport::default(),
        "skipped while backing off"
    );
    // …until its time: then it fails again and backs off twice as long.
    w.clock.advance(SignedDuration::from_secs(6 * 60));
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(r.failures, 1, "{r:?}");
    let (failures, next_at, now): (i64, Option<i64>, i64) = {
        let mut c = w.env.store.conn().await.unwrap();
        let (f, n): (i64, Option<i64>) = c
            .one(q("SELECT failures, next_at FROM wiki_sync_state WHERE user_id = $1").bind(ana.0))
            .await
            .unwrap();
        (f, n, w.env.now_ms())
    };
    assert_eq!(failures, 2, "the check's failure and the job's");
    assert_eq!(next_at, Some(now + wiki_tasks::backoff_ms(1)));
    w.clock.advance(SignedDuration::from_secs(60));
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(
        r,
        wiki_tasks::SyncReport::default(),
        "skipped while backing off"
    );

    // Back up: the next check clears the note.
    w.wikis.registry = registry_at(&mw().base);
    let v = w.check(ana, draft).await.unwrap();
    assert_eq!(v.note, None);
    assert_eq!(v.status, Status::Done);
}

async fn renames_are_followed_through_the_central_id(store: Store) {
    let _turn = WIKI.lock().await;
    let l1 = Editor::login("LEARNER1").await;
    let w = world(store, fresh_second().await).await;
    // Stored under an old name: the wiki knows the account by its id under its current
    // name, which is kept, and the work done under it counts.
    let ana = w.learner("Ana", Some((l1.id, "Old name of learner"))).await;
    let mut l1 = l1;
    let title = format!("User:{}/Renamed {}", l1.name, run_id());
    l1.edit(&title, "Fact.<ref>Source</ref>").await;
    let v = w.check(ana, w.id("draft")).await.unwrap();
    assert_eq!(v.username.as_deref(), Some(l1.name.as_str()));
    assert_eq!(v.status, Status::Done);
    let mut c = w.env.store.conn().await.unwrap();
    let stored = users::find_wikimedia_account_of_user(&mut c, ana)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.username, l1.name);
}

async fn sync_reads_only_what_is_new_and_fills_the_dashboard(store: Store) {
    let _turn = WIKI.lock().await;
    let mut l1 = Editor::login("LEARNER1").await;
    let mut l2 = Editor::login("LEARNER2").await;
    let w = world(store, fresh_second().await).await;
    let ana = w.learner("Ana", Some((l1.id, &l1.name))).await;
    let bo = w.learner("Bo", Some((l2.id, &l2.name))).await;
    let cy = w.learner("Cy", None).await;
    let teacher = w.staff("Teacher").await;

    // Ana: a page with two references, then one more; Bo: a page without any, an upload.
    let a = format!("User:{}/Sync {}", l1.name, run_id());
    let a1 = "One.<ref>A</ref> Two.<ref name=\"b\">B</ref>";
    let a2 = "One.<ref>A</ref> Two.<ref name=\"b\">B</ref> Three.<ref>C</ref>";
    l1.edit(&a, a1).await;
    l1.edit(&a, a2).await;
    let b = format!("Sync page {}", run_id());
    let b1 = "Plain text, no sources at all.";
    l2.edit(&b, b1).await;
    l2.upload(
        &format!("Lyceum sync {}.png", run_id()),
        "[[Category:Lyceum tests]] {{Cc-by-sa-4.0}}",
    )
    .await;

    // (The upload made its file page: one more edit of Bo's.)
    w.later();
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(r.learners, 2, "{r:?}");
    assert_eq!(r.edits, 4);
    assert_eq!(r.uploads, 1);
    assert_eq!(r.failures, 0);
    // Ana's draft is done by the job (it has references); Bo's upload task too.
    assert_eq!(r.tasks_done, 2, "{r:?}");
    assert_eq!(w.credit(ana, w.id("draft")).await, Some(1.0));
    assert_eq!(w.credit(bo, w.id("upload")).await, Some(1.0));
    let edits_until = |u: UserId| {
        let store = w.env.store.clone();
        async move {
            let mut c = store.conn().await.unwrap();
            let v: Option<i64> = c
                .scalar(q("SELECT edits_until FROM wiki_sync_state WHERE user_id = $1").bind(u.0))
                .await
                .unwrap();
            v
        }
    };
    let first = edits_until(ana).await.unwrap();

    // A second run finds nothing new and stores nothing again.
    w.later();
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(
        (r.learners, r.edits, r.uploads, r.tasks_done),
        (2, 0, 0, 0),
        "{r:?}"
    );
    assert_eq!(edits_until(ana).await, Some(first));
    // One more edit: only it is new.
    let b2 = "Plain text, no sources at all. More.";
    l2.edit(&b, b2).await;
    w.later();
    let r = wiki_tasks::sync(&w.env, &w.wikis).await.unwrap();
    assert_eq!(r.edits, 1, "{r:?}");
    assert!(edits_until(bo).await.unwrap() >= first);

    // The dashboard, exactly.
    let vis = w.vis();
    let staff_ref = w.as_(teacher, false, Some(CourseRole::Instructor), &vis);
    let act = wiki_tasks::activity(&w.env, &staff_ref).await.unwrap();
    let line = |u: UserId| act.learners.iter().find(|l| l.user == u).unwrap();
    let len = |s: &str| i64::try_from(s.len()).unwrap();
    let la = line(ana);
    assert_eq!(la.wiki_username.as_deref(), Some(l1.name.as_str()));
    assert_eq!(la.total.edits, 2);
    assert_eq!(la.total.pages_created, 1);
    assert_eq!(la.total.pages_edited, 1);
    assert_eq!(la.total.bytes_added, len(a2));
    assert_eq!(la.total.refs_added, 3);
    assert_eq!(la.total.uploads, 0);
    assert_eq!(la.per_wiki.len(), 1);
    assert_eq!(la.per_wiki[0].0, WIKI_ID);
    assert!(la.last_checked.is_some());
    assert_eq!(
        l1.sums(&l1.name.clone(), w.start).await,
        (
            la.total.edits,
            la.total.pages_created,
            la.total.pages_edited,
            la.total.bytes_added
        )
    );
    let lb = line(bo);
    assert_eq!(lb.total.edits, 3);
    assert_eq!(lb.total.pages_created, 2);
    assert_eq!(lb.total.pages_edited, 2);
    assert!(lb.total.bytes_added > len(b2));
    assert_eq!(
        l2.sums(&l2.name.clone(), w.start).await,
        (
            lb.total.edits,
            lb.total.pages_created,
            lb.total.pages_edited,
            lb.total.bytes_added
        )
    );
    assert_eq!(lb.total.refs_added, 0);
    assert_eq!(lb.total.uploads, 1);
    let lc = line(cy);
    assert_eq!(lc.wiki_username, None);
    assert_eq!(lc.total, Default::default());
    assert_eq!(act.learners.len(), 3);
    assert_eq!(act.total.edits, 5);
    assert_eq!(act.total.pages_created, 3);
    assert_eq!(act.total.pages_edited, 3);
    assert_eq!(
        act.total.bytes_added,
        la.total.bytes_added + lb.total.bytes_added
    );
    assert_eq!(act.total.refs_added, 3);
    assert_eq!(act.total.uploads, 1);

    // The same in a fixed number of statements, whatever the cohort.
    let before = w.env.store.query_count();
    wiki_tasks::activity(&w.env, &staff_ref).await.unwrap();
    assert_eq!(w.env.store.query_count() - before, 4);

    // One learner's page: newest first, with diff links; the learner sees their own.
    let mine = wiki_tasks::learner_activity(&w.env, &w.wikis, &w.as_(bo, true, None, &vis), bo)
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 4);
    assert_eq!(mine.items.iter().filter(|i| i.is_upload).count(), 1);
    assert!(
        mine.items
            .windows(2)
            .all(|p| p[0].timestamp >= p[1].timestamp)
    );
    let wiki = w.wikis.registry.get(WIKI_ID).unwrap();
    for i in &mine.items {
        let want = if i.is_upload {
            wiki.page_url(&i.title)
        } else {
            wiki.diff_url(i.revid)
        };
        assert_eq!(i.url.as_deref(), Some(want.as_str()));
    }
    assert_eq!(mine.line.total, lb.total);
    // …but not someone else's, nor the cohort's.
    let e = wiki_tasks::learner_activity(&w.env, &w.wikis, &w.as_(bo, true, None, &vis), ana)
        .await
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = wiki_tasks::activity(&w.env, &w.as_(bo, true, None, &vis))
        .await
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

async fn confirmation_is_for_staff_and_audited(store: Store) {
    // No wiki is read: confirmation is the staff's word.
    let w = world(store, Timestamp::now()).await;
    let draft = w.id("draft");
    let ana = w.learner("Ana", None).await;
    let teacher = w.staff("Teacher").await;
    let vis = w.vis();
    let e = wiki_tasks::confirm(&w.env, &w.as_(ana, true, None, &vis), ana, draft, true)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let t = w.as_(teacher, false, Some(CourseRole::Instructor), &vis);
    // Someone not enrolled cannot be confirmed.
    let e = wiki_tasks::confirm(&w.env, &t, teacher, draft, true)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);

    // Confirming a task the check did not find records the credit and the completion…
    wiki_tasks::confirm(&w.env, &t, ana, draft, true)
        .await
        .unwrap();
    assert_eq!(w.credit(ana, draft).await, Some(1.0));
    assert!(w.completed(ana, draft).await);
    let v = wiki_tasks::view(&w.env, &w.wikis, &w.as_(ana, true, None, &vis), draft)
        .await
        .unwrap();
    assert_eq!(v.confirmed.map(|c| c.1), Some("Teacher".to_owned()));
    // …confirming again changes nothing; withdrawing withdraws that credit.
    wiki_tasks::confirm(&w.env, &t, ana, draft, true)
        .await
        .unwrap();
    wiki_tasks::confirm(&w.env, &t, ana, draft, false)
        .await
        .unwrap();
    assert_eq!(w.credit(ana, draft).await, Some(0.0));
    let mut c = w.env.store.conn().await.unwrap();
    let actions: Vec<(String, String)> = c
        .all(
            q("SELECT action, target_id FROM audit_log WHERE actor_id = $1 ORDER BY id")
                .bind(teacher.0),
        )
        .await
        .unwrap();
    assert_eq!(
        actions,
        vec![
            ("wikitask.confirm".to_owned(), ana.0.to_string()),
            ("wikitask.unconfirm".to_owned(), ana.0.to_string()),
        ]
    );
    drop(c);

    // Unit opens are kept once, at the first time.
    let unit = w
        .tree
        .node(
            w.tree
                .unit_of(w.tree.find_url_name("draft").unwrap())
                .unwrap(),
        )
        .id;
    wiki_tasks::record_unit_open(&w.env, ana, w.course, unit)
        .await
        .unwrap();
    let first = w.env.now_ms();
    w.clock.advance(SignedDuration::from_secs(3600));
    wiki_tasks::record_unit_open(&w.env, ana, w.course, unit)
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let at: Vec<(i64,)> = c
        .all(q("SELECT first_at FROM unit_opens WHERE user_id = $1").bind(ana.0))
        .await
        .unwrap();
    assert_eq!(at, vec![(first,)]);
}
