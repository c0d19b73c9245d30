//! Organisations' pages: `/orgs/{slug}` for everyone (name, logo, description, published
//! courses), and for its admins (and site admins) its edit form, its logo and its
//! People. The work is `lyceum_app::orgs`; every decision is `can` on the organisation.

use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::catalog::content_dir;
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Request};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use lyceum_app::orgs::{self as app, LOGO_MAX_BYTES, OrgEdit, OrgView};
use lyceum_core::DomainError;
use lyceum_core::limits;
use lyceum_core::permissions::{Action, OrgRole};
use lyceum_store::repo::admin as admin_repo;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/orgs/{slug}", get(page))
        .route("/orgs/{slug}/edit", get(edit_page).post(save))
        .route("/orgs/{slug}/logo", post(upload_logo))
        .route("/orgs/{slug}/logo/remove", post(remove_logo))
        .route("/orgs/{slug}/logo/{hash}", get(logo))
        .route("/orgs/{slug}/people", get(people_page).post(add_person))
        .route("/orgs/{slug}/people/{username}/role", post(change_role))
        .route("/orgs/{slug}/people/{username}/remove", post(remove_person))
        .route("/orgs/{slug}/people/{username}/trust", post(trust_person))
}

/// Where an organisation's logo is served: the hash in the URL makes it cacheable for
/// good (a new logo is a new URL).
pub fn logo_url(slug: &str, sha256: &str) -> String {
    format!("/orgs/{slug}/logo/{}", &sha256[..sha256.len().min(16)])
}

async fn load(cx: &Cx, slug: &str) -> AppResult<OrgView> {
    let mut c = cx.app.store().conn().await?;
    Ok(app::find(&mut c, &cx.actor(), slug).await?)
}

/// The organisation if the viewer may `action` it: visitors log in first; to anyone else
/// the page does not exist.
async fn load_for(cx: &Cx, slug: &str, action: Action) -> AppResult<OrgView> {
    cx.require_user()?;
    let view = load(cx, slug).await?;
    if view.may(&cx.actor(), action) {
        Ok(view)
    } else {
        Err(AppError::NotFound)
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

pub struct CourseLine {
    pub title: String,
    pub url: String,
    pub language: String,
    pub dir: &'static str,
    pub description: String,
    /// The status, for those who see unpublished courses.
    pub status_key: Option<&'static str>,
}

fn status_key(status: &str) -> &'static str {
    match status {
        "review" => "lyceum-admin-status-review",
        "published" => "lyceum-admin-status-published",
        "archived" => "lyceum-admin-status-archived",
        _ => "lyceum-admin-status-draft",
    }
}

#[derive(Template)]
#[template(path = "orgs/page.html")]
struct OrgPage {
    p: Page,
    title: String,
    slug: String,
    logo: Option<String>,
    description: Vec<String>,
    website: Option<String>,
    courses: Vec<CourseLine>,
    can_edit: bool,
    can_manage: bool,
    /// The organisation's moderators and admins: a link to their moderation queue.
    can_moderate: bool,
    create_url: Option<String>,
}

pub async fn page(cx: Cx, Path(slug): Path<String>) -> AppResult<Response> {
    let view = load(&cx, &slug).await?;
    let actor = cx.actor();
    let sees_all = view.may(&actor, Action::Review) || view.may(&actor, Action::Edit);
    let rows = {
        let mut c = cx.app.store().conn().await?;
        admin_repo::org_courses(&mut c, view.org.id(), sees_all).await?
    };
    let org = &view.org;
    render(&OrgPage {
        title: org.name.clone(),
        slug: org.slug.clone(),
        logo: org.logo_sha256.as_deref().map(|h| logo_url(&org.slug, h)),
        description: paragraphs(&org.description),
        website: org.website.clone(),
        courses: rows
            .into_iter()
            .map(|r| CourseLine {
                url: format!("/courses/{}/about", r.course_key),
                dir: content_dir(&r.language),
                status_key: sees_all.then(|| status_key(&r.status)),
                title: r.title,
                language: r.language,
                description: r.short_description,
            })
            .collect(),
        can_edit: view.may(&actor, Action::Edit),
        can_manage: view.may(&actor, Action::ManageTeam),
        can_moderate: view.may(&actor, Action::Moderate),
        create_url: view
            .may(&actor, Action::CreateCourse)
            .then(|| format!("/courses/new?org={}", org.slug)),
        p: cx.page.clone(),
    })
}

// ---------- Edit ----------

#[derive(Deserialize, Default)]
pub struct EditForm {
    /// Only on a site administrator's form.
    name: Option<String>,
    /// A checkbox on a site administrator's form; `review_field` says it was shown.
    requires_review: Option<String>,
    review_field: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
}

#[derive(Template)]
#[template(path = "orgs/edit.html")]
struct EditPage {
    p: Page,
    title: String,
    slug: String,
    org_url: String,
    /// A site administrator renames and sets review.
    administer: bool,
    name: String,
    requires_review: bool,
    description: String,
    website: String,
    logo: Option<String>,
    error: Option<Html>,
    logo_error: Option<Html>,
    name_max: usize,
    description_max: usize,
    url_max: usize,
    logo_max_kb: usize,
}

fn edit_view(cx: &Cx, view: &OrgView) -> EditPage {
    let org = &view.org;
    EditPage {
        title: cx
            .page
            .text1("lyceum-org-edit-title", cx.page.bdi(&org.name)),
        slug: org.slug.clone(),
        org_url: format!("/orgs/{}", org.slug),
        administer: view.may(&cx.actor(), Action::Administer),
        name: org.name.clone(),
        requires_review: org.requires_review,
        description: org.description.clone(),
        website: org.website.clone().unwrap_or_default(),
        logo: org.logo_sha256.as_deref().map(|h| logo_url(&org.slug, h)),
        error: None,
        logo_error: None,
        name_max: limits::ORG_NAME.max_chars,
        description_max: limits::ORG_DESCRIPTION.max_chars,
        url_max: limits::URL.max_chars,
        logo_max_kb: LOGO_MAX_BYTES / 1024,
        p: cx.page.clone(),
    }
}

pub async fn edit_page(cx: Cx, Path(slug): Path<String>) -> AppResult<Response> {
    let view = load_for(&cx, &slug, Action::Edit).await?;
    render(&edit_view(&cx, &view))
}

pub async fn save(
    cx: Cx,
    Path(slug): Path<String>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    let view = load_for(&cx, &slug, Action::Edit).await?;
    let requires_review = f.review_field.as_ref().map(|_| f.requires_review.is_some());
    let result = app::update(
        &cx.app.env(),
        &cx.actor(),
        &slug,
        &OrgEdit {
            name: f.name.as_deref(),
            requires_review,
            description: &f.description,
            website: &f.website,
        },
    )
    .await;
    match result {
        Ok(()) => Ok(see_other(&with_notice(&format!("/orgs/{slug}"), "saved"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let mut page = edit_view(&cx, &view);
            if let Some(n) = f.name {
                page.name = n;
            }
            page.requires_review = requires_review.unwrap_or(page.requires_review);
            page.description = f.description;
            page.website = f.website;
            page.error = Some(message);
            render_status(status, &page)
        }
    }
}

// ---------- Logo ----------

/// Read the uploaded logo, stopping one byte past the limit (the use case refuses it
/// with the limit in its message; nothing is stored).
async fn read_logo(form: Result<Multipart, MultipartRejection>) -> Result<Vec<u8>, DomainError> {
    let too_big = || {
        DomainError::new("lyceum-org-error-logo-size").with_arg((LOGO_MAX_BYTES / 1024).to_string())
    };
    let mut form = form.map_err(|_| DomainError::new("lyceum-org-error-logo-missing"))?;
    let mut bytes = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => return Err(DomainError::new("lyceum-org-error-logo-missing")),
        };
        if field.name() != Some("logo") {
            continue;
        }
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > LOGO_MAX_BYTES {
                        return Err(too_big());
                    }
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
                Err(_) => return Err(DomainError::new("lyceum-org-error-logo-missing")),
            }
        }
    }
    Ok(bytes)
}

pub async fn upload_logo(
    cx: Cx,
    Path(slug): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let view = load_for(&cx, &slug, Action::Edit).await?;
    let result = match read_logo(form).await {
        Ok(bytes) => app::set_logo(&cx.app.env(), &cx.actor(), &slug, &bytes)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::invalid(e)),
    };
    match result {
        Ok(()) => Ok(see_other(&with_notice(
            &format!("/orgs/{slug}/edit"),
            "saved",
        ))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let mut page = edit_view(&cx, &view);
            page.logo_error = Some(message);
            render_status(status, &page)
        }
    }
}

pub async fn remove_logo(cx: Cx, Path(slug): Path<String>) -> AppResult<Response> {
    load_for(&cx, &slug, Action::Edit).await?;
    app::remove_logo(&cx.app.env(), &cx.actor(), &slug).await?;
    Ok(see_other(&with_notice(
        &format!("/orgs/{slug}/edit"),
        "saved",
    )))
}

pub async fn logo(
    cx: Cx,
    Path((slug, hash)): Path<(String, String)>,
    req: Request,
) -> AppResult<Response> {
    let view = load(&cx, &slug).await?;
    let (Some(sha), Some(content_type)) = (view.org.logo_sha256, view.org.logo_content_type) else {
        return Err(AppError::NotFound);
    };
    if hash.len() < 12 || !sha.starts_with(&hash) {
        return Err(AppError::NotFound);
    }
    crate::media_files::send(
        &cx.app,
        &crate::media_files::MediaFile {
            sha256: &sha,
            content_type: &content_type,
            cache_control: "public, max-age=31536000, immutable",
            disposition: None,
            nosniff: false,
            what: &slug,
        },
        req,
    )
    .await
}

// ---------- People ----------

/// `POST /orgs/{slug}/people/{username}/trust`: an admin of the organisation trusts one
/// of its people at once (`lyceum_app::trust::grant`, with the reason given).
pub async fn trust_person(
    cx: Cx,
    Path((slug, username)): Path<(String, String)>,
    Form(f): Form<TrustForm>,
) -> AppResult<Response> {
    load_for(&cx, &slug, Action::ManageTeam).await?;
    let env = cx.app.env();
    let target = {
        let mut c = cx.app.store().conn().await?;
        lyceum_store::repo::users::find_user_by_key(
            &mut c,
            &lyceum_core::user::username_key(&username),
        )
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?
    };
    let result = lyceum_app::trust::grant(&env, &cx.actor(), target.id(), &f.reason)
        .await
        .map_err(AppError::from);
    if result.is_ok() {
        cx.app.sessions().forget_user(target.id());
    }
    people_result(&cx, &slug, PersonForm::default(), result).await
}

#[derive(Deserialize, Default)]
pub struct TrustForm {
    #[serde(default)]
    reason: String,
}

pub struct Person {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub since: jiff::Timestamp,
    pub role_url: String,
    pub remove_url: String,
    pub admin_url: Option<String>,
    /// Trusted (`lyceum_core::trust`); if not, `trust_url` trusts them.
    pub trusted: bool,
    pub trust_url: String,
}

#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "orgs/people.html")]
struct PeoplePage {
    p: Page,
    title: String,
    slug: String,
    org_url: String,
    people: Vec<Person>,
    roles: Vec<(&'static str, &'static str)>,
    form: PersonForm,
    error: Option<Html>,
    username_max: usize,
}

const ROLE_KEYS: [(OrgRole, &str); 6] = [
    (OrgRole::Admin, "lyceum-org-role-admin"),
    (OrgRole::Reviewer, "lyceum-org-role-reviewer"),
    (OrgRole::Moderator, "lyceum-org-role-moderator"),
    (OrgRole::Translator, "lyceum-org-role-translator"),
    (OrgRole::Creator, "lyceum-org-role-creator"),
    (OrgRole::Member, "lyceum-org-role-member"),
];

async fn people_view(
    cx: &Cx,
    slug: &str,
    form: PersonForm,
    error: Option<Html>,
) -> AppResult<PeoplePage> {
    let (view, members) = app::members(&cx.app.env(), &cx.actor(), slug).await?;
    let site_admin = cx.page.viewer.as_ref().is_some_and(|v| v.is_admin);
    let base = format!("/orgs/{}/people", view.org.slug);
    Ok(PeoplePage {
        title: cx
            .page
            .text1("lyceum-org-people-title", cx.page.bdi(&view.org.name)),
        slug: view.org.slug.clone(),
        org_url: format!("/orgs/{}", view.org.slug),
        people: members
            .into_iter()
            .map(|m| {
                let enc: String =
                    url::form_urlencoded::byte_serialize(m.username.as_bytes()).collect();
                Person {
                    role: OrgRole::parse(&m.role).unwrap_or(OrgRole::Member).as_str(),
                    since: lyceum_core::clock::from_millis(m.created_at),
                    role_url: format!("{base}/{enc}/role"),
                    remove_url: format!("{base}/{enc}/remove"),
                    admin_url: site_admin.then(|| format!("/admin/users/{enc}")),
                    trusted: m.trusted,
                    trust_url: format!("{base}/{enc}/trust"),
                    username: m.username,
                    display_name: m.display_name,
                }
            })
            .collect(),
        roles: ROLE_KEYS.iter().map(|(r, k)| (r.as_str(), *k)).collect(),
        form,
        error,
        username_max: limits::USERNAME.max_chars,
        p: cx.page.clone(),
    })
}

pub async fn people_page(cx: Cx, Path(slug): Path<String>) -> AppResult<Response> {
    load_for(&cx, &slug, Action::ManageTeam).await?;
    render(&people_view(&cx, &slug, PersonForm::default(), None).await?)
}

fn parse_role(role: &str) -> Result<OrgRole, AppError> {
    OrgRole::parse(role).ok_or_else(|| AppError::bad_request("lyceum-org-error-role"))
}

/// After a change to the people: back to the list, or the list again with the error.
async fn people_result(
    cx: &Cx,
    slug: &str,
    form: PersonForm,
    result: Result<(), AppError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(see_other(&with_notice(
            &format!("/orgs/{slug}/people"),
            "saved",
        ))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            render_status(status, &people_view(cx, slug, form, Some(message)).await?)
        }
    }
}

pub async fn add_person(
    cx: Cx,
    Path(slug): Path<String>,
    Form(f): Form<PersonForm>,
) -> AppResult<Response> {
    load_for(&cx, &slug, Action::ManageTeam).await?;
    let result = match parse_role(&f.role) {
        Ok(role) => app::add_member(&cx.app.env(), &cx.actor(), &slug, &f.username, role)
            .await
            .map(drop)
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    people_result(&cx, &slug, f, result).await
}

pub async fn change_role(
    cx: Cx,
    Path((slug, username)): Path<(String, String)>,
    Form(f): Form<PersonForm>,
) -> AppResult<Response> {
    load_for(&cx, &slug, Action::ManageTeam).await?;
    let result = match parse_role(&f.role) {
        Ok(role) => app::set_member_role(&cx.app.env(), &cx.actor(), &slug, &username, role)
            .await
            .map(drop)
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    people_result(&cx, &slug, PersonForm::default(), result).await
}

pub async fn remove_person(
    cx: Cx,
    Path((slug, username)): Path<(String, String)>,
) -> AppResult<Response> {
    load_for(&cx, &slug, Action::ManageTeam).await?;
    let result = app::remove_member(&cx.app.env(), &cx.actor(), &slug, &username)
        .await
        .map(drop)
        .map_err(AppError::from);
    people_result(&cx, &slug, PersonForm::default(), result).await
}
