//! Courses in and out of a site as Open edX archives (OLX): [`import`] (a new course, or
//! an existing one updated in place), [`reimport`] (a course team updating its own
//! course) and [`export`]. The one implementation behind `lyceum import` / `lyceum
//! export`, the staff pages and the demo. Each stores in one transaction; files read from
//! the archive enter the media store only after the commit.

use crate::{Env, Error, Result};
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::olx::Olx;
use lyceum_core::course::spec::{NewBlock, NewCourse};
use lyceum_core::course::{CourseKey, Effort, License};
use lyceum_core::error::DomainError;
use lyceum_core::{CourseId, UserId};
use lyceum_olx::import::ImportOptions;
use lyceum_olx::{BlobSink, CoursePage, Imported, Issue, Limits, PageKind};
use lyceum_store::Staging;
use lyceum_store::repo::{assets, courses, media as media_refs, orgs, pages};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// An archive to import, as the caller received it.
#[derive(Clone, Debug, Default)]
pub struct Archive {
    /// A `.tar.gz`, a `.tar` or a directory.
    pub source: PathBuf,
    /// Use this organisation instead of the archive's.
    pub org: Option<String>,
    pub limits: Limits,
}

/// Static files go to a staging area while the archive is read; they enter the media
/// store only once the course that refers to them is committed (`store`).
struct MediaSink<'a>(&'a mut Staging);

impl BlobSink for MediaSink<'_> {
    fn put(&mut self, reader: &mut dyn std::io::Read) -> std::io::Result<(String, u64)> {
        self.0.put_reader(reader)
    }
}

/// A subtitle converted to WebVTT on import, staged: (name, content type, sha256, size).
type GeneratedAsset = (String, String, String, u64);

/// An archive read and turned into a course, not stored yet: the caller checks who may
/// store it (a new course, or an update of an existing one) in between. Its files are
/// staged: dropping it (a refused or failed import) leaves the media store as it was.
pub struct Prepared {
    pub imported: Imported,
    staged: Staging,
    generated: Vec<GeneratedAsset>,
}

impl Prepared {
    pub fn key(&self) -> String {
        self.imported.course.key.to_string()
    }
}

/// Read an archive (`.tar.gz`, `.tar` or a directory) safely and convert it. Runs on a
/// blocking thread: it reads and hashes files.
pub async fn prepare(env: &Env, archive: Archive) -> Result<Prepared> {
    let media = env.media.clone();
    tokio::task::spawn_blocking(move || -> Result<Prepared> {
        let Archive {
            source,
            org,
            limits,
        } = archive;
        // On any error below, `staged` is dropped and its files deleted.
        let mut staged = media.stage().map_err(Error::internal)?;
        let files = lyceum_olx::archive::read_path(&source, &limits, &mut MediaSink(&mut staged))
            .map_err(Error::invalid)?;
        let imported =
            lyceum_olx::import::import(&files, &ImportOptions { org }).map_err(Error::invalid)?;
        // Converted subtitles are small; they are staged with the rest.
        let mut generated = Vec::with_capacity(imported.generated.len());
        for a in &imported.generated {
            let (sha, size) = staged.put(&a.bytes).map_err(Error::internal)?;
            generated.push((a.name.clone(), a.content_type.clone(), sha, size));
        }
        Ok(Prepared {
            imported,
            staged,
            generated,
        })
    })
    .await
    .map_err(Error::internal)?
}

/// Import an archive: a new course (unpublished unless `publish`, with `author` as its
/// instructor), or — when a course has its key — that course updated in place.
pub async fn import(
    env: &Env,
    archive: Archive,
    author: Option<UserId>,
    publish: bool,
) -> Result<ImportSummary> {
    let prepared = prepare(env, archive).await?;
    store(env, prepared, author, publish).await
}

/// A course team updating its own course from an archive: refused (before anything is
/// stored) unless the archive is that course, under its own key; the publication stays
/// as it is.
pub async fn reimport(
    env: &Env,
    course_key: &str,
    archive: Archive,
    author: Option<UserId>,
) -> Result<ImportSummary> {
    let archive = Archive {
        org: None,
        ..archive
    };
    let prepared = prepare(env, archive).await?;
    let key = prepared.key();
    if key != course_key {
        return Err(Error::invalid(
            DomainError::new("lyceum-error-olx-other-course")
                .with_arg(key)
                .with_arg(course_key),
        ));
    }
    store(env, prepared, author, false).await
}

/// What an import did, for `lyceum import --json` and the staff page.
#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    pub course_id: i64,
    pub course_key: String,
    /// The course's title and language as imported (for showing it, not in the JSON).
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    pub language: String,
    /// False when an existing course was updated in place.
    pub created: bool,
    pub sections: usize,
    pub subsections: usize,
    pub units: usize,
    /// Leaf blocks by Lyceum kind (`olx` = kept Open edX blocks).
    pub blocks: BTreeMap<String, usize>,
    /// Kept Open edX blocks by their OLX tag.
    pub kept: BTreeMap<String, usize>,
    pub assets: usize,
    pub pages: usize,
    /// Every block's url_name (its OLX url_name) → its Lyceum block id.
    pub url_names: BTreeMap<String, i64>,
    /// Blocks added, changed, unchanged and removed (a re-import).
    pub outline: OutlineCounts,
    /// What could not be used as is, each with the file it is in.
    pub problems: Vec<Issue>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct OutlineCounts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

fn count(blocks: &[NewBlock], s: &mut ImportSummary) {
    for b in blocks {
        match b.kind.as_str() {
            "section" => s.sections += 1,
            "subsection" => s.subsections += 1,
            "unit" => s.units += 1,
            kind => {
                *s.blocks.entry(kind.to_owned()).or_default() += 1;
                if kind == Olx::KIND
                    && let Ok(o) = serde_json::from_str::<<Olx as BlockKind>::Content>(&b.content)
                {
                    *s.kept.entry(o.tag).or_default() += 1;
                }
            }
        }
        count(&b.children, s);
    }
}

/// Store a prepared course in one transaction: a new course, or — same key — the existing
/// one updated in place (blocks matched by url_name keep their ids and learners' state).
/// A new course stays unpublished unless `publish`; an update keeps its publication.
pub async fn store(
    env: &Env,
    prepared: Prepared,
    author: Option<UserId>,
    publish: bool,
) -> Result<ImportSummary> {
    let (store, media, now) = (&env.store, &env.media, env.now_ms());
    let Prepared {
        imported: im,
        mut staged,
        generated,
    } = prepared;
    let key = im.course.key.to_string();
    let mut tx = store.begin().await?;
    let existing = courses::find_by_key(&mut tx, &key).await?;
    let mut outline = OutlineCounts::default();
    // What the course referred to before: files a replaced asset or a removed block's
    // learner files leave unreferenced are released after the commit.
    let mut before = std::collections::BTreeSet::new();
    let (course, created) = match existing {
        Some(row) => {
            let id = row.id();
            // An import replaces the published course; an author's unpublished draft
            // would be silently lost under it.
            if lyceum_store::repo::drafts::count_changes(&mut tx, id).await? > 0 {
                return Err(Error::conflict("lyceum-error-studio-reimport-draft"));
            }
            // Blocks a publish removed are matched by name like the others: an import
            // that has them again brings them (and their learners' work) back.
            lyceum_store::Db::exec(
                &mut tx,
                lyceum_store::q("UPDATE blocks SET live = TRUE WHERE course_id = $1 AND NOT live")
                    .bind(id.0),
            )
            .await?;
            before = media_refs::course_hashes(&mut tx, id).await?;
            courses::update_settings(&mut tx, id, &im.course, now).await?;
            let c = courses::sync_outline(&mut tx, id, &im.blocks, author, now).await?;
            outline = OutlineCounts {
                added: c.added,
                changed: c.changed,
                unchanged: c.unchanged,
                removed: c.removed,
            };
            (id, false)
        }
        None => {
            let org = match orgs::find_by_slug(&mut tx, &im.course.key.org).await? {
                Some(o) => lyceum_core::OrgId(o.id),
                None => {
                    orgs::upsert(
                        &mut tx,
                        &im.course.key.org,
                        &im.course.key.org,
                        "",
                        None,
                        now,
                    )
                    .await?
                }
            };
            let mut course = im.course.clone();
            course.published = publish;
            let id = courses::create(&mut tx, org, &course, now).await?;
            courses::insert_blocks(&mut tx, id, None, &im.blocks, author, now).await?;
            if let Some(a) = author {
                courses::set_role(
                    &mut tx,
                    id,
                    a,
                    lyceum_core::permissions::CourseRole::Instructor,
                    now,
                )
                .await?;
            }
            fn total(b: &[NewBlock]) -> usize {
                b.iter().map(|b| 1 + total(&b.children)).sum()
            }
            outline.added = total(&im.blocks);
            (id, true)
        }
    };
    for a in &im.assets {
        assets::put(
            &mut tx,
            course,
            &a.name,
            &a.content_type,
            a.size as i64,
            &a.sha256,
            now,
        )
        .await?;
    }
    let generated_count = generated.len();
    for (name, ct, sha, size) in &generated {
        assets::put(&mut tx, course, name, ct, *size as i64, sha, now).await?;
    }
    let page_rows: Vec<pages::NewPage<'_>> = im
        .pages
        .iter()
        .map(|p| pages::NewPage {
            kind: p.kind.as_str(),
            slug: &p.slug,
            title: &p.title,
            content: &p.content,
        })
        .collect();
    pages::replace_all(&mut tx, course, &page_rows).await?;
    courses::bump_content_version(&mut tx, course, now).await?;
    // From here, a failed or interrupted commit leaves the staged files to the sweep,
    // which keeps exactly those that committed rows refer to.
    staged.committing(&mut tx).await?;
    tx.commit().await?;
    // Only now do the files become part of the media store.
    match tokio::task::spawn_blocking(move || staged.publish()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(course = %key, error = %e, "cannot move imported files into the media store; the media sweep will finish it")
        }
        Err(e) => tracing::error!(course = %key, error = %e, "moving imported files panicked"),
    }
    if !before.is_empty()
        && let Err(e) = lyceum_store::media_gc::release(store, media, before).await
    {
        tracing::warn!(course = %key, error = %e, "cannot remove media files the import left unreferenced; the media sweep will");
    }

    let mut c = store.conn().await?;
    let tree = courses::load_tree(&mut c, course).await?;
    let url_names = (0..tree.len())
        .map(|i| {
            let n = tree.node(i);
            (n.url_name.clone(), n.id.0)
        })
        .collect();
    let mut summary = ImportSummary {
        course_id: course.0,
        course_key: key,
        title: im.course.title.clone(),
        language: im.course.language.clone(),
        created,
        sections: 0,
        subsections: 0,
        units: 0,
        blocks: BTreeMap::new(),
        kept: BTreeMap::new(),
        assets: im.assets.len() + generated_count,
        pages: im.pages.len(),
        url_names,
        outline,
        problems: im.report.issues,
    };
    count(&im.blocks, &mut summary);
    Ok(summary)
}

/// Write a course as an OLX `.tar.gz` to `out` (on a blocking thread).
pub async fn export(
    env: &Env,
    course: CourseId,
    out: impl std::io::Write + Send + 'static,
) -> Result<()> {
    let (store, media) = (&env.store, &env.media);
    let mut c = store.conn().await?;
    let row = courses::get(&mut c, course)
        .await?
        .ok_or_else(Error::not_found)?;
    let blocks = courses::load_outline(&mut c, course).await?;
    let page_rows = pages::list(&mut c, course).await?;
    let asset_rows = assets::list(&mut c, course).await?;
    drop(c);
    let key: CourseKey = row
        .course_key
        .parse()
        .map_err(|e: DomainError| Error::internal(e))?;
    let new_course = NewCourse {
        key,
        grading: row.grading(),
        title: row.title.clone(),
        short_description: row.short_description.clone(),
        overview_source: row.overview_html.clone(),
        overview_html: row.overview_html.clone(),
        outcomes: row.outcomes(),
        language: row.language.clone(),
        license: License::parse(&row.license).unwrap_or_default(),
        effort: match (row.effort_minutes_per_week, row.effort_weeks) {
            (Some(m), Some(w)) => Some(Effort {
                minutes_per_week: m.try_into().unwrap_or(0),
                weeks: w.try_into().unwrap_or(0),
            }),
            _ => None,
        },
        start: row.start_at.map(lyceum_core::clock::from_millis),
        end: row.end_at.map(lyceum_core::clock::from_millis),
        published: row.published,
        self_paced: row.self_paced,
    };
    let course_pages: Vec<CoursePage> = page_rows
        .into_iter()
        .filter_map(|p| {
            Some(CoursePage {
                kind: PageKind::parse(&p.kind)?,
                slug: p.slug,
                title: p.title,
                content: p.content,
            })
        })
        .collect();
    let export_assets: Vec<lyceum_olx::export::ExportAsset> = asset_rows
        .into_iter()
        .map(|a| lyceum_olx::export::ExportAsset {
            path: a.sha256.into(),
            name: a.name,
        })
        .collect();
    let media = media.clone();
    tokio::task::spawn_blocking(move || {
        lyceum_olx::export::export_from(
            &lyceum_olx::export::ExportCourse {
                course: &new_course,
                blocks: &blocks,
                pages: &course_pages,
                assets: &export_assets,
            },
            out,
            &|a: &lyceum_olx::export::ExportAsset| {
                let sha = a.path.to_str().unwrap_or("");
                let (r, len) = media.reader(sha)?.ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "missing from the media store",
                    )
                })?;
                Ok((r as Box<dyn std::io::Read>, len))
            },
        )
        .map_err(Error::invalid)
    })
    .await
    .map_err(Error::internal)?
}

/// The course with this key (`course-v1:Org+Code+Run`), for callers that name courses by
/// key (the command line).
pub async fn find(env: &Env, key: &str) -> Result<Option<CourseId>> {
    let mut c = env.store.conn().await?;
    Ok(courses::find_by_key(&mut c, key).await?.map(|row| row.id()))
}

/// The archive name offered for download: `OpenedX-DemoX-DemoCourse.tar.gz`.
pub fn archive_name(key: &str) -> String {
    let bare = key.strip_prefix("course-v1:").unwrap_or(key);
    format!("{}.tar.gz", bare.replace('+', "-"))
}
