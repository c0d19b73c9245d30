//! Running courses as Studio does: creating a course in an organisation, its settings and
//! card image, reruns, its team, and its status through review (approve, send back, mark
//! reviewed, archive, reopen). Every use case checks `can()`, owns its transaction and
//! writes its audit row in it. Content (drafts, blocks, publishing) is `authoring`'s.

pub mod rerun;
pub mod review;
pub mod team;

use crate::{Env, Error, ErrorKind, Result};
use jiff::Timestamp;
use lyceum_core::course::{CourseKey, CourseStatus, License};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Decision, OrgFacts, Resource, can};
use lyceum_core::{CourseId, DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::course_admin::{self as repo, Settings};
use lyceum_store::repo::courses::{self, CourseRow, ViewerRow};
use lyceum_store::repo::{assets, audit};

/// A course's settings as a person or a client sends them. Dates are instants (the web
/// reads them in the viewer's time zone).
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub title: String,
    /// A language code the site knows (`lyceum_i18n::autonym`).
    pub language: String,
    /// A licence id (`CC-BY-SA-4.0`, `CC-BY-4.0`, `CC0-1.0`); CC BY-SA 4.0 when absent.
    pub license: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub enrollment_start: Option<Timestamp>,
    pub enrollment_end: Option<Timestamp>,
    pub effort_hours_per_week: Option<f64>,
    pub effort_weeks: Option<u32>,
    pub short_description: String,
    /// The About page in Markdown.
    pub about_markdown: String,
    pub self_paced: bool,
}

/// A course to create.
#[derive(Clone, Debug, Default)]
pub struct NewCourseInput {
    /// The organisation's slug.
    pub org: String,
    pub code: String,
    pub run: String,
    pub settings: SettingsInput,
}

/// What was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub id: CourseId,
    pub key: String,
}

fn err(kind: ErrorKind, e: DomainError) -> Error {
    Error::new(kind, e)
}

/// The licences a course may be given here (all free; CC BY-SA 4.0 first, the default).
pub fn licences() -> [License; 3] {
    License::ALL
}

/// Check and clean a course's settings: lengths, a known language and licence, dates in
/// order, effort in range, the About page rendered (sanitised) from its Markdown.
pub fn validate_settings(s: &SettingsInput) -> Result<Settings, DomainError> {
    let title = limits::clean(&s.title, limits::COURSE_TITLE)?;
    if title.is_empty() {
        return Err(DomainError::new("lyceum-course-settings-error-title-empty"));
    }
    let language = s.language.trim();
    if lyceum_i18n::autonym(language).is_none() {
        return Err(DomainError::new("lyceum-course-settings-error-language").with_arg(language));
    }
    let license = match s.license.as_deref().map(str::trim) {
        None | Some("") => License::default(),
        Some(id) => License::parse(id)
            .filter(|l| License::ALL.contains(l))
            .ok_or_else(|| DomainError::new("lyceum-course-settings-error-license").with_arg(id))?,
    };
    if let (Some(a), Some(b)) = (s.start, s.end)
        && b <= a
    {
        return Err(DomainError::new(
            "lyceum-course-settings-error-end-before-start",
        ));
    }
    if let (Some(a), Some(b)) = (s.enrollment_start, s.enrollment_end)
        && b <= a
    {
        return Err(DomainError::new(
            "lyceum-course-settings-error-enrollment-end-before-start",
        ));
    }
    if let (Some(a), Some(b)) = (s.enrollment_start, s.end)
        && b <= a
    {
        return Err(DomainError::new(
            "lyceum-course-settings-error-enrollment-after-end",
        ));
    }
    let hours = s.effort_hours_per_week.filter(|h| *h > 0.0);
    if let Some(h) = hours
        && !(h.is_finite() && h <= limits::range::EFFORT_HOURS_PER_WEEK)
    {
        return Err(DomainError::new("lyceum-course-settings-error-effort"));
    }
    if s.effort_weeks
        .is_some_and(|w| w > limits::range::EFFORT_WEEKS)
    {
        return Err(DomainError::new("lyceum-course-settings-error-effort"));
    }
    let weeks = s.effort_weeks.filter(|w| *w > 0);
    let (minutes, weeks) = match (hours, weeks) {
        (Some(h), Some(w)) => (Some((h * 60.0).round() as i64), Some(i64::from(w))),
        (None, None) => (None, None),
        _ => return Err(DomainError::new("lyceum-course-settings-error-effort")),
    };
    let short_description = limits::clean(&s.short_description, limits::COURSE_SHORT_DESCRIPTION)?
        .trim()
        .to_owned();
    let about = limits::clean(&s.about_markdown, limits::COURSE_ABOUT)?;
    let about_html = if about.trim().is_empty() {
        String::new()
    } else {
        lyceum_core::sanitize::try_markdown_to_html(&about)?
    };
    Ok(Settings {
        title,
        language: language.to_owned(),
        license: license.id().to_owned(),
        start_at: s.start.map(|t| t.as_millisecond()),
        end_at: s.end.map(|t| t.as_millisecond()),
        enrollment_start_at: s.enrollment_start.map(|t| t.as_millisecond()),
        enrollment_end_at: s.enrollment_end.map(|t| t.as_millisecond()),
        effort_minutes_per_week: minutes,
        effort_weeks: weeks,
        short_description,
        overview_source: about,
        overview_html: about_html,
        self_paced: s.self_paced,
    })
}

/// Markdown as the About page would show it (sanitised HTML), for the editor's preview.
pub fn preview(markdown: &str) -> Result<String> {
    let md = limits::clean(markdown, limits::COURSE_ABOUT).map_err(Error::invalid)?;
    lyceum_core::sanitize::try_markdown_to_html(&md).map_err(Error::invalid)
}

/// Turn a permission decision into an error.
pub(crate) fn decide(d: Decision, forbidden_key: &'static str) -> Result<()> {
    match d {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(Error::not_found()),
        Decision::NeedLogin | Decision::Forbidden => Err(Error::forbidden(forbidden_key)),
    }
}

/// A course with the actor's relation to it, as `can` needs it.
pub struct Loaded {
    pub row: CourseRow,
    pub viewer: ViewerRow,
    pub facts: CourseFacts,
}

impl Loaded {
    pub fn id(&self) -> CourseId {
        self.row.id()
    }
}

/// Load a course for `actor`: `NotFound` unless it exists and they may see it.
pub(crate) async fn load(
    db: &mut impl Db,
    key: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Loaded> {
    if key.parse::<CourseKey>().is_err() {
        return Err(Error::not_found());
    }
    let (row, viewer) = courses::find_for_viewer(db, key, actor.user)
        .await?
        .ok_or_else(Error::not_found)?;
    let facts = CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_window(now).is_open(),
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    if !can(actor, Action::View, Resource::Course(&facts)).allowed() {
        return Err(Error::not_found());
    }
    Ok(Loaded { row, viewer, facts })
}

pub(crate) fn user_of(actor: &Actor) -> Result<UserId> {
    actor
        .user
        .ok_or_else(|| Error::forbidden("lyceum-error-login-required"))
}

/// Create a course in an organisation: checked in this order — the key's parts (400),
/// the organisation (unknown: 422), the right to create there (403), the settings (422),
/// the key being free (409). The creator becomes its instructor; it starts as a draft
/// nobody but its team (and the organisation's admins and reviewers) sees.
pub async fn create(env: &Env, actor: &Actor, input: &NewCourseInput) -> Result<Created> {
    let user = user_of(actor)?;
    let (org, code, run) = (input.org.trim(), input.code.trim(), input.run.trim());
    let key = CourseKey::new(org, code, run)
        .map_err(|e| err(ErrorKind::Malformed, e))?
        .to_string();
    let mut tx = env.store.begin().await?;
    let Some(o) = repo::org_with_role(&mut tx, org, user).await? else {
        return Err(Error::invalid(
            DomainError::new("lyceum-newcourse-error-org-unknown").with_arg(org),
        ));
    };
    // A personal space holds its owner's forks; a new course needs an organisation.
    if o.personal {
        return Err(Error::forbidden("lyceum-newcourse-error-forbidden"));
    }
    let now = env.now_ms();
    let actor = &crate::trust::decide(
        &mut tx,
        now,
        actor,
        Action::CreateCourse,
        Resource::Org(&OrgFacts { role: o.role() }),
        "lyceum-newcourse-error-forbidden",
        "lyceum-trust-error-create",
    )
    .await?;
    let settings = crate::trust::with_links_of(actor, || validate_settings(&input.settings))
        .map_err(Error::invalid)?;
    crate::conduct::require(&mut tx, actor).await?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Course).await?;
    if repo::key_exists(&mut tx, &key).await? {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-newcourse-error-exists").with_arg(key),
        ));
    }
    let id = match repo::create(
        &mut tx,
        &repo::NewKey {
            org: o.id(),
            key: &key,
            code,
            run,
        },
        &settings,
        user,
        now,
    )
    .await
    {
        Err(lyceum_store::StoreError::Conflict) => {
            return Err(Error::new(
                ErrorKind::Conflict,
                DomainError::new("lyceum-newcourse-error-exists").with_arg(key),
            ));
        }
        other => other?,
    };
    courses::set_role(
        &mut tx,
        id,
        user,
        lyceum_core::permissions::CourseRole::Instructor,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(user),
            action: "course.create",
            target_type: "course",
            target_id: &key,
            reason: "",
            details: serde_json::json!({
                "org": o.slug,
                "title": settings.title,
                "language": settings.language,
                "license": settings.license,
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Created { id, key })
}

/// Change a course's settings (`Edit`): everything but its key and organisation.
pub async fn update_settings(
    env: &Env,
    actor: &Actor,
    key: &str,
    input: &SettingsInput,
) -> Result<()> {
    let user = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Edit, Resource::Course(&course.facts)),
        "lyceum-course-settings-error-forbidden",
    )?;
    let author = crate::trust::effective(&mut tx, env.now_ms(), actor).await?;
    let mut settings = crate::trust::with_links_of(&author, || validate_settings(input))
        .map_err(Error::invalid)?;
    // A fork keeps a licence its source allows (CC BY-SA stays CC BY-SA).
    crate::forks::check_licence(&mut tx, course.id(), &settings.license).await?;
    let extras = repo::extras(&mut tx, course.id())
        .await?
        .ok_or_else(Error::not_found)?;
    // An imported About page has HTML and no Markdown: an empty editor keeps it.
    if settings.overview_source.trim().is_empty() && extras.overview_source.trim().is_empty() {
        settings.overview_html = course.row.overview_html.clone();
    }
    let now = env.now_ms();
    repo::update_settings(&mut tx, course.id(), &settings, now).await?;
    // Titles and dates are read with the content: caches keyed on the version go stale.
    courses::bump_content_version(&mut tx, course.id(), now).await?;
    let r = &course.row;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(user),
            action: "course.settings",
            target_type: "course",
            target_id: key,
            reason: "",
            details: serde_json::json!({
                "old": {"title": r.title, "language": r.language, "license": r.license,
                        "start": r.start_at, "end": r.end_at, "self_paced": r.self_paced,
                        "enrollment_start": extras.enrollment_start_at, "enrollment_end": extras.enrollment_end_at},
                "new": {"title": settings.title, "language": settings.language, "license": settings.license,
                        "start": settings.start_at, "end": settings.end_at, "self_paced": settings.self_paced,
                        "enrollment_start": settings.enrollment_start_at, "enrollment_end": settings.enrollment_end_at},
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The image types a card may be, recognised by their first bytes (never by the name or
/// the type the browser claims): (content type, extension).
pub fn image_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// Give a course a card image (`Edit`): checked for size and type before anything is
/// stored; stored as one of the course's files (`course-card.EXT`) and named on the
/// course. `None` removes the image from the card (the file stays with the course).
pub async fn set_card_image(
    env: &Env,
    actor: &Actor,
    key: &str,
    bytes: Option<&[u8]>,
) -> Result<()> {
    let user = user_of(actor)?;
    {
        let mut c = env.store.conn().await?;
        let course = load(&mut c, key, actor, env.now()).await?;
        decide(
            can(actor, Action::Edit, Resource::Course(&course.facts)),
            "lyceum-course-settings-error-forbidden",
        )?;
    }
    let now = env.now_ms();
    // Removing the image uploads nothing; a new one is an upload: trusted accounts only.
    let actor = &if bytes.is_some() {
        let mut c = env.store.conn().await?;
        let course = load(&mut c, key, actor, env.now()).await?;
        crate::trust::decide(
            &mut c,
            now,
            actor,
            Action::Upload,
            Resource::Course(&course.facts),
            "lyceum-course-settings-error-forbidden",
            "lyceum-trust-error-upload",
        )
        .await?
    } else {
        *actor
    };
    let Some(bytes) = bytes else {
        let mut tx = env.store.begin().await?;
        let course = load(&mut tx, key, actor, env.now()).await?;
        repo::set_card_image(&mut tx, course.id(), None, now).await?;
        courses::bump_content_version(&mut tx, course.id(), now).await?;
        card_audit(&mut tx, user, key, None, now).await?;
        tx.commit().await?;
        return Ok(());
    };
    if bytes.len() > limits::CARD_IMAGE_BYTES {
        return Err(Error::invalid(
            DomainError::new("lyceum-course-settings-error-image-size")
                .with_arg((limits::CARD_IMAGE_BYTES / (1024 * 1024)).to_string()),
        ));
    }
    let Some((content_type, ext)) = image_type(bytes) else {
        return Err(Error::invalid(DomainError::new(
            "lyceum-course-settings-error-image-type",
        )));
    };
    let name = format!("course-card.{ext}");
    let mut staged = env.media.stage().map_err(Error::internal)?;
    let (sha, size) = staged.put(bytes).map_err(Error::internal)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Upload, Resource::Course(&course.facts)),
        "lyceum-course-settings-error-forbidden",
    )?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Upload).await?;
    let before = lyceum_store::repo::media::course_hashes(&mut tx, course.id()).await?;
    assets::put(
        &mut tx,
        course.id(),
        &name,
        content_type,
        size as i64,
        &sha,
        now,
    )
    .await?;
    repo::set_card_image(&mut tx, course.id(), Some(&name), now).await?;
    courses::bump_content_version(&mut tx, course.id(), now).await?;
    card_audit(&mut tx, user, key, Some(&name), now).await?;
    staged.committing(&mut tx).await?;
    tx.commit().await?;
    if let Err(e) = tokio::task::spawn_blocking(move || staged.publish())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
        tracing::error!(course = %key, error = %e, "cannot move a card image into the media store; the media sweep will finish it");
    }
    // A replaced card image of another type leaves its old file unreferenced.
    if let Err(e) = lyceum_store::media_gc::release(&env.store, &env.media, before).await {
        tracing::warn!(course = %key, error = %e, "cannot release replaced card image; the media sweep will");
    }
    Ok(())
}

async fn card_audit(
    db: &mut impl Db,
    user: UserId,
    key: &str,
    name: Option<&str>,
    now: i64,
) -> Result<()> {
    audit::record(
        db,
        &audit::NewEntry {
            actor: Some(user),
            action: "course.card_image",
            target_type: "course",
            target_id: key,
            reason: "",
            details: serde_json::json!({ "image": name }),
            now,
        },
    )
    .await?;
    Ok(())
}

/// Whether a course carries "may be outdated" now.
pub fn may_be_outdated(
    status: &str,
    last_reviewed_at: Option<i64>,
    last_published_at: Option<i64>,
    now: Timestamp,
    interval: jiff::SignedDuration,
) -> bool {
    use lyceum_core::clock::from_millis;
    CourseStatus::parse(status).is_some_and(|s| {
        lyceum_core::course::status::may_be_outdated(
            s,
            last_reviewed_at.map(from_millis),
            last_published_at.map(from_millis),
            now,
            interval,
        )
    })
}

/// Where `actor` may create courses: the organisations, by name, with their slug. Not
/// personal spaces: they hold their owner's forks, and a new course from scratch needs a
/// right to create courses in an organisation.
pub async fn creatable_orgs(env: &Env, actor: &Actor) -> Result<Vec<repo::OrgChoiceRow>> {
    let Some(user) = actor.user else {
        return Ok(Vec::new());
    };
    let mut c = env.store.conn().await?;
    Ok(repo::orgs_with_role(&mut c, user)
        .await?
        .into_iter()
        .filter(|o| !o.personal)
        .filter(|o| {
            can(
                actor,
                Action::CreateCourse,
                Resource::Org(&OrgFacts { role: o.role() }),
            )
            .allowed()
        })
        .collect())
}
