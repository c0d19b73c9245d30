//! Open edX course archives (OLX) on the site: site administrators import courses
//! (`/import`); a course team downloads its course as an archive and its instructors
//! update it in place from one (`/courses/{key}/instructor/olx`). The work itself is
//! `lyceum_app::courses`, shared with the command line and the demo.

use super::courseware::{CourseHead, head};
use super::instructor::{NavLink, nav};
use crate::courses::{self, CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::handlers::catalog::content_dir;
use crate::handlers::html_response;
use crate::page::{Cx, Html, Page, Piece, escape};
use askama::Template;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyceum_app::courses::{self as courses_app, ImportSummary};
use lyceum_core::DomainError;
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_olx::IssueKind;
use std::io::{Seek, SeekFrom};
use tokio::io::AsyncWriteExt;

/// Form fields other than the file are short; anything longer is not from our form. (The
/// organisation code has its own, shorter limit: `limits::ORG_CODE`.)
const MAX_FIELD_BYTES: usize = 1024;

// ---------- Shared: the upload, the limits, the result ----------

/// An import form as posted. The archive waits in a temporary file that is deleted when
/// this is dropped, whatever happens to the import.
struct Upload {
    file: tempfile::NamedTempFile,
    org: String,
    publish: bool,
}

fn invalid(key: &'static str) -> AppError {
    AppError::invalid(DomainError::new(key))
}

fn too_large(cx: &Cx) -> AppError {
    AppError::invalid(
        DomainError::new("lyceum-error-olx-upload-too-large")
            .with_arg(size_text(&cx.page, cx.app.config().import.max_total_mb)),
    )
}

fn storage(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "course import: cannot write the uploaded archive");
    invalid("lyceum-error-olx-storage")
}

fn multipart_error(cx: &Cx, e: &MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(cx)
    } else {
        AppError::invalid(DomainError::new("lyceum-error-olx-read").with_arg(e.body_text()))
    }
}

/// Read the form, streaming the file to disk and counting: past the upload cap it stops
/// reading and refuses, so a huge upload never fills the disk.
async fn read_upload(cx: &Cx, form: Result<Multipart, MultipartRejection>) -> AppResult<Upload> {
    let mut form = form.map_err(|_| invalid("lyceum-error-olx-no-file"))?;
    let cap = cx.app.config().import.max_upload_bytes();
    let mut file = None;
    let mut org = String::new();
    let mut publish = false;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| multipart_error(cx, &e))?
    {
        match field.name() {
            Some("archive") => {
                let tmp = tempfile::Builder::new()
                    .prefix("import-")
                    .tempfile_in(cx.app.media().temp_dir())
                    .map_err(storage)?;
                let mut out = tokio::fs::File::from_std(tmp.reopen().map_err(storage)?);
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(cx, &e))? {
                    size = size.saturating_add(chunk.len() as u64);
                    if size > cap {
                        return Err(too_large(cx));
                    }
                    out.write_all(&chunk).await.map_err(storage)?;
                }
                out.flush().await.map_err(storage)?;
                if size > 0 {
                    file = Some(tmp);
                }
            }
            Some("org") => org = small_text(cx, &mut field).await?.trim().to_owned(),
            Some("publish") => publish = !small_text(cx, &mut field).await?.is_empty(),
            _ => {}
        }
    }
    // One limit for the organisation code, the input box's and this one: a course key's
    // part (docs/LIMITS.md); its characters are checked with the key.
    let org = limits::clean(&org, limits::ORG_CODE).map_err(AppError::invalid)?;
    Ok(Upload {
        file: file.ok_or_else(|| invalid("lyceum-error-olx-no-file"))?,
        org,
        publish,
    })
}

async fn small_text(cx: &Cx, field: &mut Field<'_>) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(cx, &e))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(AppError::bad_request("lyceum-error-bad-form"));
        }
    }
    String::from_utf8(bytes).map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

/// Read the uploaded archive, store it, and say what was done. `reimport`: only this
/// course may be updated (a course team's re-import).
async fn run_import(cx: &Cx, upload: Upload, reimport: Option<&str>) -> AppResult<ImportSummary> {
    let author = cx.require_user()?.id();
    let archive = courses_app::Archive {
        source: upload.file.path().to_path_buf(),
        org: (!upload.org.is_empty()).then(|| upload.org.clone()),
        limits: cx.app.config().import.limits(),
    };
    let env = cx.app.env();
    let summary = match reimport {
        Some(key) => courses_app::reimport(&env, key, archive, Some(author)).await,
        None => courses_app::import(&env, archive, Some(author), upload.publish).await,
    };
    // The archive's temporary file goes with `upload`, whether that worked or not.
    drop(upload);
    Ok(summary?)
}

/// A size given in MB, in the unit a person would use.
fn size_text(p: &Page, mb: u64) -> String {
    if mb >= 1024 {
        let gb = (mb as f64 / 1024.0 * 10.0).round() / 10.0;
        p.text1("lyceum-size-gb", gb)
    } else {
        p.text1("lyceum-size-mb", mb)
    }
}

/// The size limits, as a sentence.
fn limits_text(p: &Page) -> Html {
    let l = p.app.config().import;
    p.t3(
        "lyceum-import-limits",
        size_text(p, l.max_total_mb),
        l.max_files,
        size_text(p, l.max_file_mb),
    )
}

pub struct Count {
    pub key: &'static str,
    pub n: usize,
}

pub struct IssueEntry {
    pub path: String,
    pub detail: String,
}

pub struct IssueGroup {
    pub heading_key: &'static str,
    pub help_key: &'static str,
    pub entries: Vec<IssueEntry>,
}

pub struct Kept {
    pub tag: Html,
    pub n: usize,
}

/// What an import did, as the result page shows it.
pub struct Summary {
    pub created: bool,
    /// The course's title, linked to the course.
    pub title: Html,
    pub key_html: Html,
    pub course_url: String,
    pub olx_url: String,
    pub counts: Vec<Count>,
    /// Blocks added, changed, unchanged and removed; for an update only.
    pub outline: Vec<Count>,
    /// Kept Open edX blocks by their OLX tag.
    pub kept: Vec<Kept>,
    pub problems: usize,
    pub groups: Vec<IssueGroup>,
}

/// The report's kinds in the order they matter to a course team, each with its heading
/// and a sentence saying what it means.
const ISSUE_KINDS: [(IssueKind, &str, &str); 6] = [
    (
        IssueKind::MissingFile,
        "lyceum-import-issues-missing-file",
        "lyceum-import-issues-missing-file-help",
    ),
    (
        IssueKind::Unsupported,
        "lyceum-import-issues-unsupported",
        "lyceum-import-issues-unsupported-help",
    ),
    (
        IssueKind::ParseError,
        "lyceum-import-issues-parse-error",
        "lyceum-import-issues-parse-error-help",
    ),
    (
        IssueKind::InvalidValue,
        "lyceum-import-issues-invalid-value",
        "lyceum-import-issues-invalid-value-help",
    ),
    (
        IssueKind::Skipped,
        "lyceum-import-issues-skipped",
        "lyceum-import-issues-skipped-help",
    ),
    (
        IssueKind::Renamed,
        "lyceum-import-issues-renamed",
        "lyceum-import-issues-renamed-help",
    ),
];

/// Technical text (a course ID, an OLX tag) inside a sentence in any language.
fn code(text: &str) -> Html {
    Html(format!(
        r#"<code class="import-code" dir="ltr">{}</code>"#,
        escape(text)
    ))
}

fn summary(s: ImportSummary) -> Summary {
    let (title, language) = (&s.title, &s.language);
    let url = format!("/courses/{}/courseware", s.course_key);
    let title = Html(format!(
        r#"<a href="{}" lang="{}" dir="{}">{}</a>"#,
        escape(&url),
        escape(language),
        content_dir(language),
        escape(title)
    ));
    let count = |key, n| Count { key, n };
    let counts = vec![
        count("lyceum-import-count-sections", s.sections),
        count("lyceum-import-count-subsections", s.subsections),
        count("lyceum-import-count-units", s.units),
        count("lyceum-import-count-blocks", s.blocks.values().sum()),
        count("lyceum-import-count-files", s.assets),
        count("lyceum-import-count-pages", s.pages),
    ];
    let outline = if s.created {
        Vec::new()
    } else {
        vec![
            count("lyceum-import-outline-added", s.outline.added),
            count("lyceum-import-outline-changed", s.outline.changed),
            count("lyceum-import-outline-unchanged", s.outline.unchanged),
            count("lyceum-import-outline-removed", s.outline.removed),
        ]
    };
    let groups = ISSUE_KINDS
        .iter()
        .map(|&(kind, heading_key, help_key)| IssueGroup {
            heading_key,
            help_key,
            entries: s
                .problems
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| IssueEntry {
                    path: i.path.clone(),
                    detail: i.detail.clone(),
                })
                .collect(),
        })
        .filter(|g| !g.entries.is_empty())
        .collect();
    Summary {
        created: s.created,
        title,
        key_html: code(&s.course_key),
        olx_url: format!("/courses/{}/instructor/olx", s.course_key),
        course_url: url,
        counts,
        outline,
        kept: s
            .kept
            .into_iter()
            .map(|(tag, n)| Kept { tag: code(&tag), n })
            .collect(),
        problems: s.problems.len(),
        groups,
    }
}

/// An error an importer can show on its form; anything else goes to the error page.
fn form_error(cx: &Cx, e: AppError) -> Result<(StatusCode, Html), AppError> {
    match e {
        AppError::Invalid { status, error } => {
            let args: Vec<Piece> = error
                .args
                .iter()
                .map(|a| Piece::Arg(a.clone().into()))
                .collect();
            Ok((status, cx.page.tn(error.key.0, &args)))
        }
        other => Err(other),
    }
}

fn with_status(status: StatusCode, body: String) -> Response {
    let mut r = html_response(body);
    *r.status_mut() = status;
    r
}

// ---------- Site administrators: import a course ----------

#[derive(Template)]
#[template(path = "olx/import.html")]
struct ImportView {
    p: Page,
    title: String,
    limits: Html,
    org: String,
    /// The longest organisation code, for the input box.
    org_max: usize,
    publish: bool,
    error: Option<Html>,
    summary: Option<Summary>,
}

/// Site administrators only: log in first, and to anyone else the page does not exist.
fn require_admin(cx: &Cx) -> AppResult<()> {
    match can(&cx.actor(), Action::Administer, Resource::Site) {
        lyceum_core::permissions::Decision::Allow => Ok(()),
        lyceum_core::permissions::Decision::NeedLogin => Err(AppError::LoginRequired {
            return_to: "/import".to_owned(),
        }),
        _ => Err(AppError::NotFound),
    }
}

fn import_view(cx: &Cx) -> ImportView {
    ImportView {
        title: cx.page.text("lyceum-import-title"),
        limits: limits_text(&cx.page),
        org: String::new(),
        org_max: limits::ORG_CODE.max_chars,
        publish: false,
        error: None,
        summary: None,
        p: cx.page.clone(),
    }
}

pub async fn import_page(cx: Cx) -> AppResult<Response> {
    require_admin(&cx)?;
    let view = import_view(&cx);
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub async fn import(cx: Cx, form: Result<Multipart, MultipartRejection>) -> AppResult<Response> {
    require_admin(&cx)?;
    let mut view = import_view(&cx);
    let result = match read_upload(&cx, form).await {
        Ok(upload) => {
            view.org = upload.org.clone();
            view.publish = upload.publish;
            run_import(&cx, upload, None).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => {
            view.title = cx.page.text("lyceum-import-result-title");
            view.summary = Some(summary(s));
            Ok(html_response(view.render().map_err(AppError::internal)?))
        }
        Err(e) => {
            let (status, message) = form_error(&cx, e)?;
            view.error = Some(message);
            Ok(with_status(
                status,
                view.render().map_err(AppError::internal)?,
            ))
        }
    }
}

// ---------- The course team: export, and re-import in place ----------

/// A course whose team the viewer is on (or a site admin); to anyone else, as for the
/// other instructor pages, it does not exist.
async fn load_team(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    if can(
        &cx.actor(),
        Action::ViewUnreleased,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        Ok(course)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Template)]
#[template(path = "instructor/olx.html")]
struct TeamView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    course_key: Html,
    /// The command-line option that imports a copy under another organisation.
    cli_org: Html,
    export_url: String,
    import_url: String,
    can_edit: bool,
    limits: Html,
    error: Option<Html>,
    summary: Option<Summary>,
}

fn team_view(cx: &Cx, course: &CourseCx) -> TeamView {
    TeamView {
        title: cx.page.text("lyceum-instructor-olx"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "olx"),
        course_key: code(course.key()),
        cli_org: code("lyceum import --org"),
        export_url: course.url("instructor/export.tar.gz"),
        import_url: course.url("instructor/import"),
        can_edit: can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed(),
        limits: limits_text(&cx.page),
        error: None,
        summary: None,
        p: cx.page.clone(),
    }
}

pub async fn team_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load_team(&cx, &key).await?;
    let view = team_view(&cx, &course);
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub async fn reimport(
    cx: Cx,
    Path(key): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let course = load_team(&cx, &key).await?;
    // Before a byte of the upload is read.
    decide(
        can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)),
        &cx,
        "lyceum-error-olx-edit",
    )?;
    let result = match read_upload(&cx, form).await {
        // Only this course, under its own key: an organisation cannot be overridden here.
        Ok(upload) => {
            let upload = Upload {
                org: String::new(),
                publish: false,
                ..upload
            };
            run_import(&cx, upload, Some(course.key())).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => {
            // Title and outline may have changed: show the course as it is now.
            let course = load_team(&cx, &key).await?;
            let mut view = team_view(&cx, &course);
            view.summary = Some(summary(s));
            Ok(html_response(view.render().map_err(AppError::internal)?))
        }
        Err(e) => {
            let (status, message) = form_error(&cx, e)?;
            let mut view = team_view(&cx, &course);
            view.error = Some(message);
            Ok(with_status(
                status,
                view.render().map_err(AppError::internal)?,
            ))
        }
    }
}

/// The course as an Open edX archive. It is written to an unnamed temporary file (gone
/// once closed, even if the download is abandoned) and streamed from there, so a course
/// with large files never sits in memory.
pub async fn export(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load_team(&cx, &key).await?;
    let file = tempfile::tempfile_in(cx.app.media().temp_dir()).map_err(AppError::internal)?;
    let writer = file.try_clone().map_err(AppError::internal)?;
    courses_app::export(&cx.app.env(), course.id(), std::io::BufWriter::new(writer)).await?;
    let mut file = file;
    let len = file.seek(SeekFrom::End(0)).map_err(AppError::internal)?;
    file.seek(SeekFrom::Start(0)).map_err(AppError::internal)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut r = crate::handlers::download(
        Body::from_stream(stream).into_response(),
        "application/gzip",
        &courses_app::archive_name(course.key()),
    );
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(r)
}
