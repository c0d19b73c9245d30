//! Studio's course pages: create a course (`/courses/new`), its settings
//! (`/courses/{key}/settings`, with the card image and the status), a rerun
//! (`/courses/{key}/rerun`), its team (`team.rs`) and its review (`review.rs`). Handlers
//! parse the form, call one `lyceum_app::course_admin` use case and render; a refused form
//! comes back with what was typed and the reason.

pub mod review;
pub mod team;

use crate::courses::{self, CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, nav};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, Piece};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use lyceum_app::course_admin::{self as uc, NewCourseInput, SettingsInput, rerun::RerunInput};
use lyceum_app::{Error as UcError, ErrorKind};
use lyceum_core::clock::from_millis;
use lyceum_core::course::{CourseStatus, License, StatusChange};
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{DomainError, limits};
use lyceum_store::repo::course_admin as repo;
use serde::Deserialize;

/// Forms with a card image and a long About text; the image itself is capped lower.
const FORM_BYTES: usize = 4 * 1024 * 1024;

pub fn routes() -> Router<App> {
    let upload = DefaultBodyLimit::max(FORM_BYTES);
    Router::new()
        .route("/courses/new", get(new_page).post(create).layer(upload))
        .route("/courses/about-preview", post(preview))
        .route(
            "/courses/{key}/settings",
            get(settings_page).post(save_settings).layer(upload),
        )
        .route("/courses/{key}/status", post(change_status))
        .route("/courses/{key}/rerun", get(rerun_page).post(rerun))
        .route("/courses/{key}/team", get(team::page).post(team::save))
        .route("/courses/{key}/team/remove", post(team::remove))
        .route(
            "/courses/{key}/review",
            get(review::page).post(review::decide),
        )
        .route("/review", get(review::queue))
        .merge(crate::api::course_admin::routes())
}

/// A refused use case's message in the viewer's language.
pub(crate) fn message(p: &Page, e: &DomainError) -> Html {
    let args: Vec<Piece> = e
        .args
        .iter()
        .map(|a| Piece::Arg(lyceum_i18n::Arg::from(a.clone())))
        .collect();
    p.tn(e.key.0, &args)
}

/// The status a refused form comes back with.
pub(crate) fn status_of(e: &UcError) -> StatusCode {
    match e.kind {
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::ConductRequired => StatusCode::FORBIDDEN,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Errors a form shows in place (bad input, a refusal the person can understand); the
/// rest (not found, outages, bugs) become the error page.
pub(crate) fn shown_in_form(e: &UcError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Malformed | ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden
    ) || (e.kind == ErrorKind::NotFound && e.error.key.0 != "lyceum-error-not-found")
}

/// Studio's header for a course page, for those who may edit the course; the course
/// team's header (and navigation) stays for the others (staff, reviewers).
pub(crate) async fn studio_head(
    cx: &Cx,
    key: &str,
    tab: crate::handlers::studio::StudioTab,
) -> AppResult<Option<crate::handlers::studio::StudioHead>> {
    match crate::handlers::studio::load(cx, key).await {
        Ok(draft) => Ok(Some(crate::handlers::studio::StudioHead::new(
            cx, &draft, tab,
        ))),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn rendered(view: impl Template, status: StatusCode) -> AppResult<Response> {
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

// --- The settings form, shared by "new course" and "settings" ---------------------------

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The form as typed (or as stored), every field a string.
#[derive(Clone, Debug, Default)]
pub struct FormValues {
    pub org: String,
    pub code: String,
    pub run: String,
    pub title: String,
    pub language: String,
    pub license: String,
    pub start: String,
    pub end: String,
    pub enrollment_start: String,
    pub enrollment_end: String,
    pub effort_hours: String,
    pub effort_weeks: String,
    pub short_description: String,
    pub about: String,
    pub self_paced: bool,
    pub remove_image: bool,
}

impl FormValues {
    fn from_pairs(pairs: &[(String, String)]) -> FormValues {
        let f = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        FormValues {
            org: f("org"),
            code: f("code"),
            run: f("run"),
            title: f("title"),
            language: f("language"),
            license: f("license"),
            start: f("start"),
            end: f("end"),
            enrollment_start: f("enrollment_start"),
            enrollment_end: f("enrollment_end"),
            effort_hours: f("effort_hours"),
            effort_weeks: f("effort_weeks"),
            short_description: f("short_description"),
            about: f("about"),
            self_paced: f("pacing") != "instructor",
            remove_image: f("remove_image") == "yes",
        }
    }
}

/// `YYYY-MM-DDTHH:MM` in `tz`, for `datetime-local`.
pub(crate) fn local_input(t: Option<i64>, tz: &TimeZone) -> String {
    t.map(|ms| {
        from_millis(ms)
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A date typed into a form, in the viewer's zone: `datetime-local` or a bare date
/// (midnight). Empty is none.
pub(crate) fn parse_local(
    p: &Page,
    text: &str,
    label_key: &str,
) -> Result<Option<Timestamp>, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || DomainError::new("lyceum-course-settings-error-date").with_arg(p.text(label_key));
    let civil: jiff::civil::DateTime = match t.parse() {
        Ok(dt) => dt,
        Err(_) => t
            .parse::<jiff::civil::Date>()
            .map_err(|_| bad())?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    Ok(Some(
        civil.to_zoned(p.tz.clone()).map_err(|_| bad())?.timestamp(),
    ))
}

fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The use case's input from the form, or what is wrong with a field it cannot read.
fn settings_input(p: &Page, v: &FormValues) -> Result<SettingsInput, DomainError> {
    let effort_hours = match v.effort_hours.trim() {
        "" => None,
        h => Some(
            parse_number(h)
                .filter(|h| *h >= 0.0)
                .ok_or_else(|| DomainError::new("lyceum-course-settings-error-effort"))?,
        ),
    };
    let effort_weeks = match v.effort_weeks.trim() {
        "" => None,
        w => Some(
            w.parse::<u32>()
                .map_err(|_| DomainError::new("lyceum-course-settings-error-effort"))?,
        ),
    };
    Ok(SettingsInput {
        title: v.title.clone(),
        language: v.language.clone(),
        license: Some(v.license.clone()),
        start: parse_local(p, &v.start, "lyceum-course-settings-start")?,
        end: parse_local(p, &v.end, "lyceum-course-settings-end")?,
        enrollment_start: parse_local(
            p,
            &v.enrollment_start,
            "lyceum-course-settings-enrollment-start",
        )?,
        enrollment_end: parse_local(
            p,
            &v.enrollment_end,
            "lyceum-course-settings-enrollment-end",
        )?,
        effort_hours_per_week: effort_hours,
        effort_weeks,
        short_description: v.short_description.clone(),
        about_markdown: v.about.clone(),
        self_paced: v.self_paced,
    })
}

/// A form post: its text fields, and the card image if one was chosen (read up to one
/// byte past the limit, so an oversized file is refused without reading it all).
#[derive(Default)]
struct Posted {
    pairs: Vec<(String, String)>,
    image: Option<Vec<u8>>,
    image_too_big: bool,
}

impl Posted {
    fn field(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

async fn read_form(form: Result<Multipart, MultipartRejection>) -> AppResult<Posted> {
    let mut form = form.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let mut out = Posted::default();
    let bad = |_| AppError::bad_request("lyceum-error-bad-form");
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "card_image" {
            if field.file_name().is_none_or(str::is_empty) {
                continue;
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > limits::CARD_IMAGE_BYTES {
                    out.image_too_big = true;
                    break;
                }
            }
            if out.image_too_big {
                break;
            }
            if !bytes.is_empty() {
                out.image = Some(bytes);
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            out.pairs.push((name, text));
        }
    }
    Ok(out)
}

/// The image's problem, checked before anything is stored.
fn image_problem(posted: &Posted) -> Option<DomainError> {
    if posted.image_too_big {
        return Some(
            DomainError::new("lyceum-course-settings-error-image-size")
                .with_arg((limits::CARD_IMAGE_BYTES / (1024 * 1024)).to_string()),
        );
    }
    match &posted.image {
        Some(b) if uc::image_type(b).is_none() => {
            Some(DomainError::new("lyceum-course-settings-error-image-type"))
        }
        _ => None,
    }
}

pub struct LanguageChoices {
    pub site: Vec<Choice>,
    pub other: Vec<Choice>,
}

fn language_choices(p: &Page, selected: &str) -> LanguageChoices {
    let site: Vec<Choice> = p
        .languages()
        .iter()
        .map(|l| Choice {
            value: l.code.clone(),
            label: l.autonym.clone(),
            selected: l.code == selected,
        })
        .collect();
    let other = lyceum_i18n::languages()
        .into_iter()
        .filter(|(code, _)| !site.iter().any(|c| c.value == *code))
        .map(|(code, name)| Choice {
            value: code.to_owned(),
            label: format!("{name} ({code})"),
            selected: code == selected,
        })
        .collect();
    LanguageChoices { site, other }
}

fn license_choices(selected: &str) -> Vec<Choice> {
    let sel = License::parse(selected).unwrap_or_default();
    uc::licences()
        .into_iter()
        .map(|l| Choice {
            value: l.id().to_owned(),
            label: l.short_name().to_owned(),
            selected: l == sel,
        })
        .collect()
}

/// The fields every course form shows.
pub struct Fields {
    pub v: FormValues,
    pub languages: LanguageChoices,
    pub licenses: Vec<Choice>,
    /// The About page rendered from the Markdown, after "Preview".
    pub preview: Option<Html>,
    /// The current card image's URL.
    pub card_url: Option<String>,
    pub image_max_mb: usize,
}

fn fields(p: &Page, v: FormValues, preview: Option<Html>, card_url: Option<String>) -> Fields {
    Fields {
        languages: language_choices(p, &v.language),
        licenses: license_choices(&v.license),
        v,
        preview,
        card_url,
        image_max_mb: limits::CARD_IMAGE_BYTES / (1024 * 1024),
    }
}

/// "Preview": the About page's Markdown as it would show, or why it cannot.
fn preview_of(p: &Page, markdown: &str) -> Html {
    match uc::preview(markdown) {
        Ok(html) => Html(html),
        Err(e) => Html(format!(
            r#"<p class="error-text">{}</p>"#,
            message(p, &e.error).0
        )),
    }
}

// --- Create --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "course_admin/new.html")]
struct NewView {
    p: Page,
    title: String,
    orgs: Vec<Choice>,
    f: Fields,
    error: Option<Html>,
    key_max: usize,
    title_max: usize,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    org: String,
}

async fn new_view(
    cx: &Cx,
    v: FormValues,
    preview: Option<Html>,
    error: Option<Html>,
) -> AppResult<NewView> {
    let orgs = uc::creatable_orgs(&cx.app.env(), &cx.actor()).await?;
    if orgs.is_empty() {
        return Err(AppError::Forbidden("lyceum-newcourse-error-nowhere"));
    }
    let p = &cx.page;
    Ok(NewView {
        title: p.text("lyceum-newcourse-title"),
        orgs: orgs
            .iter()
            .map(|o| Choice {
                value: o.slug.clone(),
                label: o.name.clone(),
                selected: o.slug == v.org,
            })
            .collect(),
        f: fields(p, v, preview, None),
        error,
        key_max: lyceum_core::course::key::KEY_PART_MAX,
        title_max: limits::COURSE_TITLE.max_chars,
        p: p.clone(),
    })
}

pub async fn new_page(cx: Cx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    cx.require_user()?;
    let v = FormValues {
        org: q.org,
        language: cx.page.lang.clone(),
        license: License::default().id().to_owned(),
        self_paced: true,
        ..FormValues::default()
    };
    let view = new_view(&cx, v, None, None).await?;
    rendered(view, StatusCode::OK)
}

pub async fn create(cx: Cx, form: Result<Multipart, MultipartRejection>) -> AppResult<Response> {
    cx.require_user()?;
    let posted = read_form(form).await?;
    let v = FormValues::from_pairs(&posted.pairs);
    let p = &cx.page;
    if posted.field("action") == "preview" {
        let preview = preview_of(p, &v.about);
        let view = new_view(&cx, v, Some(preview), None).await?;
        return rendered(view, StatusCode::OK);
    }
    let refuse = |v: FormValues, e: DomainError, status: StatusCode| {
        let cx = &cx;
        async move {
            let view = new_view(cx, v, None, Some(message(&cx.page, &e))).await?;
            rendered(view, status)
        }
    };
    if let Some(e) = image_problem(&posted) {
        return refuse(v, e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let settings = match settings_input(p, &v) {
        Ok(s) => s,
        Err(e) => return refuse(v, e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let input = NewCourseInput {
        org: v.org.clone(),
        code: v.code.clone(),
        run: v.run.clone(),
        settings,
    };
    let actor = cx.actor();
    let env = cx.app.env();
    let created = match uc::create(&env, &actor, &input).await {
        Ok(c) => c,
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            return refuse(v, e.error, status).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(bytes) = &posted.image {
        uc::set_card_image(&env, &actor, &created.key, Some(bytes)).await?;
    }
    Ok(see_other(&with_notice(
        &format!("/courses/{}/settings", created.key),
        "course-created",
    )))
}

/// `POST /courses/about-preview`: the About page's Markdown rendered and sanitised, for
/// the editor's script (form field `markdown`). For people logged in.
pub async fn preview(cx: Cx, body: axum::body::Bytes) -> AppResult<Response> {
    cx.require_user()?;
    let markdown = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "markdown")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Ok(html_response(preview_of(&cx.page, &markdown).0))
}

// --- Settings ------------------------------------------------------------------------------

pub struct StatusView {
    pub status: &'static str,
    pub label_key: &'static str,
    pub can_archive: bool,
    pub can_reopen: bool,
}

#[derive(Template)]
#[template(path = "course_admin/settings.html")]
struct SettingsView {
    p: Page,
    title: String,
    studio: Option<crate::handlers::studio::StudioHead>,
    head: CourseHead,
    nav: Vec<NavLink>,
    key: String,
    f: Fields,
    error: Option<Html>,
    status: StatusView,
    can_rerun: bool,
    /// In a personal space: "Move to an organisation".
    can_move: bool,
    form_url: String,
    title_max: usize,
}

pub(crate) fn status_label(s: CourseStatus) -> &'static str {
    match s {
        CourseStatus::Draft => "lyceum-review-status-draft",
        CourseStatus::Review => "lyceum-review-status-review",
        CourseStatus::Published => "lyceum-review-status-published",
        CourseStatus::Archived => "lyceum-review-status-archived",
    }
}

/// The settings page's course: for those who may edit it; 404 to anyone who may not see
/// it, 403 to the rest of the team.
async fn load_editable(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    cx.require_user()?;
    decide(
        can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)),
        cx,
        "lyceum-course-settings-error-forbidden",
    )?;
    Ok(course)
}

async fn settings_view(
    cx: &Cx,
    course: &CourseCx,
    v: Option<FormValues>,
    preview: Option<Html>,
    error: Option<Html>,
) -> AppResult<SettingsView> {
    let mut c = cx.app.store().conn().await?;
    let extras = repo::extras(&mut c, course.id())
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let p = &cx.page;
    let r = &course.row;
    let v = v.unwrap_or_else(|| FormValues {
        org: r.org_slug.clone(),
        code: r.code.clone(),
        run: r.run.clone(),
        title: r.title.clone(),
        language: r.language.clone(),
        license: r.license.clone(),
        start: local_input(r.start_at, &p.tz),
        end: local_input(r.end_at, &p.tz),
        enrollment_start: local_input(extras.enrollment_start_at, &p.tz),
        enrollment_end: local_input(extras.enrollment_end_at, &p.tz),
        effort_hours: r
            .effort_minutes_per_week
            .map(|m| crate::handlers::instructor::number_text(m as f64 / 60.0))
            .unwrap_or_default(),
        effort_weeks: r.effort_weeks.map(|w| w.to_string()).unwrap_or_default(),
        short_description: r.short_description.clone(),
        about: extras.overview_source.clone(),
        self_paced: r.self_paced,
        remove_image: false,
    });
    let card_url = extras
        .card_image
        .as_deref()
        .and_then(|name| course.content.assets.get(name))
        .map(|a| courses::asset_url(course.key(), a));
    let status = CourseStatus::parse(&r.status).unwrap_or(CourseStatus::Draft);
    let actor = cx.actor();
    let administer = can(&actor, Action::Administer, Resource::Course(&course.facts)).allowed();
    let create_here = can(
        &actor,
        Action::CreateCourse,
        Resource::Org(&lyceum_core::permissions::OrgFacts {
            role: course.viewer.org_role,
        }),
    )
    .allowed();
    let studio = studio_head(
        cx,
        course.key(),
        crate::handlers::studio::StudioTab::Settings,
    )
    .await?;
    let mut f = fields(p, v, preview, card_url);
    // A fork may carry only the licences its source's allows (CC BY-SA stays CC BY-SA);
    // the source's licence comes with the course row.
    if let Some(src) = r.fork_source() {
        let allowed = License::parse(&src.license)
            .unwrap_or(License::AllRightsReserved)
            .adaptation_licences();
        f.licenses
            .retain(|c| License::parse(&c.value).is_some_and(|l| allowed.contains(&l)));
    }
    Ok(SettingsView {
        studio,
        title: p.text("lyceum-course-settings-title"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "settings"),
        key: course.key().to_owned(),
        f,
        error,
        status: StatusView {
            status: status.as_str(),
            label_key: status_label(status),
            can_archive: administer && status.after(StatusChange::Archive, false).is_some(),
            can_reopen: administer && status.after(StatusChange::Reopen, false).is_some(),
        },
        can_rerun: administer && create_here,
        can_move: administer && r.personal(),
        form_url: course.url("settings"),
        title_max: limits::COURSE_TITLE.max_chars,
        p: p.clone(),
    })
}

pub async fn settings_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load_editable(&cx, &key).await?;
    let view = settings_view(&cx, &course, None, None, None).await?;
    rendered(view, StatusCode::OK)
}

pub async fn save_settings(
    cx: Cx,
    Path(key): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let course = load_editable(&cx, &key).await?;
    let posted = read_form(form).await?;
    let v = FormValues::from_pairs(&posted.pairs);
    let p = &cx.page;
    if posted.field("action") == "preview" {
        let preview = preview_of(p, &v.about);
        let view = settings_view(&cx, &course, Some(v), Some(preview), None).await?;
        return rendered(view, StatusCode::OK);
    }
    let refuse = |v: FormValues, e: DomainError, status: StatusCode| {
        let (cx, course) = (&cx, &course);
        async move {
            let view =
                settings_view(cx, course, Some(v), None, Some(message(&cx.page, &e))).await?;
            rendered(view, status)
        }
    };
    if let Some(e) = image_problem(&posted) {
        return refuse(v, e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let input = match settings_input(p, &v) {
        Ok(s) => s,
        Err(e) => return refuse(v, e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (env, actor) = (cx.app.env(), cx.actor());
    match uc::update_settings(&env, &actor, &key, &input).await {
        Ok(()) => {}
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            return refuse(v, e.error, status).await;
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(bytes) = &posted.image {
        uc::set_card_image(&env, &actor, &key, Some(bytes)).await?;
    } else if v.remove_image {
        uc::set_card_image(&env, &actor, &key, None).await?;
    }
    Ok(see_other(&with_notice(
        &course.url("settings"),
        "course-settings-saved",
    )))
}

/// Archive or reopen (`change=archive|reopen`, optional `reason`).
pub async fn change_status(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    cx.require_user()?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let change = match field("change").as_str() {
        "archive" => StatusChange::Archive,
        "reopen" => StatusChange::Reopen,
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    uc::review::change_status(&cx.app.env(), &cx.actor(), &key, change, &field("reason")).await?;
    let notice = match change {
        StatusChange::Archive => "course-archived",
        _ => "course-reopened",
    };
    Ok(see_other(&with_notice(&course.url("settings"), notice)))
}

// --- Rerun ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "course_admin/rerun.html")]
struct RerunView {
    p: Page,
    title: String,
    studio: Option<crate::handlers::studio::StudioHead>,
    head: CourseHead,
    nav: Vec<NavLink>,
    course_title: String,
    org: String,
    code: String,
    run: String,
    new_title: String,
    start: String,
    end: String,
    enrollment_start: String,
    enrollment_end: String,
    error: Option<Html>,
    form_url: String,
    key_max: usize,
    title_max: usize,
}

async fn load_rerunnable(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    cx.require_user()?;
    let actor = cx.actor();
    decide(
        can(&actor, Action::Administer, Resource::Course(&course.facts)),
        cx,
        "lyceum-course-settings-error-rerun-forbidden",
    )?;
    decide(
        can(
            &actor,
            Action::CreateCourse,
            Resource::Org(&lyceum_core::permissions::OrgFacts {
                role: course.viewer.org_role,
            }),
        ),
        cx,
        "lyceum-course-settings-error-rerun-forbidden",
    )?;
    Ok(course)
}

async fn rerun_view(
    cx: &Cx,
    course: &CourseCx,
    pairs: &[(String, String)],
    error: Option<Html>,
) -> AppResult<RerunView> {
    let f = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let p = &cx.page;
    let studio = studio_head(
        cx,
        course.key(),
        crate::handlers::studio::StudioTab::Settings,
    )
    .await?;
    Ok(RerunView {
        studio,
        title: p.text("lyceum-course-settings-rerun-title"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "settings"),
        course_title: course.row.title.clone(),
        org: course.row.org_slug.clone(),
        code: course.row.code.clone(),
        run: f("run"),
        new_title: f("title"),
        start: f("start"),
        end: f("end"),
        enrollment_start: f("enrollment_start"),
        enrollment_end: f("enrollment_end"),
        error,
        form_url: course.url("rerun"),
        key_max: lyceum_core::course::key::KEY_PART_MAX,
        title_max: limits::COURSE_TITLE.max_chars,
        p: p.clone(),
    })
}

pub async fn rerun_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load_rerunnable(&cx, &key).await?;
    rendered(rerun_view(&cx, &course, &[], None).await?, StatusCode::OK)
}

pub async fn rerun(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load_rerunnable(&cx, &key).await?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let f = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let p = &cx.page;
    let input = (|| -> Result<RerunInput, DomainError> {
        Ok(RerunInput {
            run: f("run"),
            title: f("title"),
            start: parse_local(p, &f("start"), "lyceum-course-settings-start")?,
            end: parse_local(p, &f("end"), "lyceum-course-settings-end")?,
            enrollment_start: parse_local(
                p,
                &f("enrollment_start"),
                "lyceum-course-settings-enrollment-start",
            )?,
            enrollment_end: parse_local(
                p,
                &f("enrollment_end"),
                "lyceum-course-settings-enrollment-end",
            )?,
        })
    })();
    let result = match input {
        Ok(input) => uc::rerun::rerun(&cx.app.env(), &cx.actor(), &key, &input).await,
        Err(e) => Err(UcError::invalid(e)),
    };
    match result {
        Ok(created) => Ok(see_other(&with_notice(
            &format!("/courses/{}/settings", created.key),
            "course-rerun-created",
        ))),
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let view = rerun_view(&cx, &course, &pairs, Some(message(p, &e.error))).await?;
            rendered(view, status)
        }
        Err(e) => Err(e.into()),
    }
}
