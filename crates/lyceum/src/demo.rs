//! `lyceum demo`: a new data directory seeded with organisations, courses (embedded in
//! the binary), users with some progress, and a local stand-in for Wikimedia's login.

use crate::DataArgs;
use crate::site::{self, Result};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{SystemClock, UserId};
use lyceum_store::repo::{assets, courses, learner, orgs};
use lyceum_store::{MediaStore, Store};
use lyceum_web::{App, AppParts, WikimediaLogin};
use lyceum_wiki::oauth::Secret;
use lyceum_wiki::standin::{Standin, StandinConfig, StandinUser};
use rand::Rng;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

fn demo_file(path: &str) -> Option<&'static [u8]> {
    DEMO_FILES.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

#[derive(Deserialize)]
struct Organizations {
    organization: Vec<Organization>,
}

#[derive(Deserialize)]
struct Organization {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    website: Option<String>,
}

/// The demo's courses in a store, the instructor on their teams; returns course ids by code.
pub async fn seed_content(
    store: &Store,
    media: &MediaStore,
    instructor: Option<UserId>,
    now: i64,
) -> Result<Vec<(String, lyceum_core::CourseId)>> {
    let orgs_text =
        std::str::from_utf8(demo_file("organizations.toml").ok_or("organizations.toml missing")?)
            .map_err(|e| e.to_string())?;
    let list: Organizations =
        toml::from_str(orgs_text).map_err(|e| format!("organizations.toml: {e}"))?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    for o in &list.organization {
        orgs::upsert(
            &mut tx,
            &o.slug,
            &o.name,
            &o.description,
            o.website.as_deref(),
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let mut created = Vec::new();
    for (path, bytes) in DEMO_FILES
        .iter()
        .filter(|(p, _)| p.starts_with("courses/") && p.ends_with(".toml"))
    {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
        let spec: CourseSpec = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let code = spec.code.clone();
        let expanded = expand(spec, &mut |name| {
            demo_file(&format!("media/{name}")).map(<[u8]>::to_vec)
        })
        .map_err(|e| format!("{path}: {e}"))?;
        let org = orgs::find_by_slug(&mut tx, &expanded.course.key.org)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{path}: unknown organisation {}", expanded.course.key.org))?;
        let course = courses::create(&mut tx, lyceum_core::OrgId(org.id), &expanded.course, now)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        courses::insert_blocks(&mut tx, course, None, &expanded.blocks, instructor, now)
            .await
            .map_err(|e| e.to_string())?;
        for a in &expanded.assets {
            let (sha, size) = media.put(&a.bytes).map_err(|e| e.to_string())?;
            assets::put(
                &mut tx,
                course,
                &a.name,
                &a.content_type,
                size as i64,
                &sha,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        if let Some(i) = instructor {
            courses::set_role(&mut tx, course, i, CourseRole::Instructor, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        created.push((code, course));
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(created)
}

/// Give the demo learner a course in progress and another just started.
async fn seed_progress(
    store: &Store,
    learner_id: UserId,
    courses_by_code: &[(String, lyceum_core::CourseId)],
    now: i64,
) -> Result<()> {
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    for (code, course) in courses_by_code {
        if code != "PB101" && code != "WD101" {
            continue;
        }
        learner::enroll(&mut c, learner_id, *course, now)
            .await
            .map_err(|e| e.to_string())?;
        if code == "PB101" {
            let tree = courses::load_tree(&mut c, *course)
                .await
                .map_err(|e| e.to_string())?;
            // The first three units read, the fourth marked as the place to resume.
            let mut done = Vec::new();
            for &u in tree.units().iter().take(3) {
                done.extend(tree.children(u).iter().map(|&b| tree.node(b).id));
            }
            learner::record_completions(
                &mut c,
                learner_id,
                *course,
                &done,
                learner::CompletionSource::View,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(&u) = tree.units().get(3) {
                learner::set_last_unit(&mut c, learner_id, *course, tree.node(u).id)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn new_temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..10 {
        let dir = base.join(format!("lyceum-demo-{:08x}", rand::rng().random::<u32>()));
        if std::fs::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err("cannot create a temporary directory".to_owned())
}

pub async fn run(addr: &str, data: Option<PathBuf>, standin: bool) -> Result<()> {
    let dir = match data {
        Some(d) => {
            if d.exists()
                && std::fs::read_dir(&d)
                    .map_err(|e| format!("{}: {e}", d.display()))?
                    .next()
                    .is_some()
            {
                return Err(format!(
                    "{} is not empty: the demo only seeds a new, empty directory (choose another --data, or run `lyceum serve --data {}`)",
                    d.display(),
                    d.display()
                ));
            }
            d
        }
        None => new_temp_dir()?,
    };
    let site = site::open(&DataArgs {
        data: Some(dir.clone()),
        database_url: None,
    })
    .await?;
    let (listener, bound) = site::bind(addr).await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let password = std::env::var("LYCEUM_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(random_password);
    let mk = |name: &'static str, display: &'static str, admin: bool| {
        let store = site.store.clone();
        let password = password.clone();
        async move {
            lyceum_web::create_local_user(&store, name, display, &password, admin, now)
                .await
                .map_err(|e| lyceum_web::describe_error(&e))
        }
    };
    let learner_id = mk("learner", "Lina Learner", false).await?;
    let instructor = mk("instructor", "Ines Instructor", false).await?;
    mk("admin", "Ada Admin", true).await?;
    let created = seed_content(&site.store, &site.media, Some(instructor), now).await?;
    seed_progress(&site.store, learner_id, &created, now).await?;

    let mut config = site::load_config(None, &site.dir, bound)?;
    let _standin = if standin && config.wikimedia.is_none() {
        let users = vec![
            StandinUser::new(3, "Learner1"),
            StandinUser::new(4, "Learner2"),
            StandinUser::new(12345678, "Wiki Volunteer"),
        ];
        let s = Standin::start(StandinConfig {
            client_id: "lyceum-demo".into(),
            client_secret: "demo-secret".into(),
            redirect_uri: config.oauth_redirect_uri(),
            users,
        })
        .await
        .map_err(|e| format!("cannot start the Wikimedia login stand-in: {e}"))?;
        config.wikimedia = Some(WikimediaLogin {
            rest_base: s.base.to_string(),
            client_id: "lyceum-demo".into(),
            client_secret: Secret::new("demo-secret"),
            scopes: vec![],
        });
        Some(s)
    } else {
        None
    };
    let app = App::new(AppParts {
        store: site.store,
        media: site.media,
        config,
        clock: Arc::new(SystemClock),
    })?;
    println!(
        "Lyceum demo: {} courses seeded in {}",
        created.len(),
        dir.display()
    );
    println!(
        "Log in as learner, instructor (staff on the demo courses) or admin, password: {password}"
    );
    if let Some(s) = &_standin {
        println!(
            "\"Log in with Wikimedia\" goes to a local stand-in of Wikimedia's login at {}",
            s.base
        );
    }
    println!("Lyceum is listening on http://{bound}/");
    site::run(listener, app).await
}
