//! The catalog at `/`: course cards, filtered by language and organisation.

use crate::error::AppResult;
use crate::format;
use crate::handlers::html_response;
use crate::page::{Cx, Page};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_core::course::Effort;
use lyceum_store::repo::courses::{self, CourseRow};
use serde::Deserialize;

const PAGE_SIZE: usize = 24;

#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub org: String,
    /// `archived` lists archived courses; anything else the published ones.
    #[serde(default)]
    pub status: String,
    pub page: Option<usize>,
}

pub struct Card {
    pub org_name: String,
    /// The organisation's logo URL, if it has one.
    pub org_logo: Option<String>,
    pub code: String,
    pub title: String,
    pub short_description: String,
    pub language: String,
    pub language_name: String,
    pub dir: &'static str,
    pub start: Option<Timestamp>,
    /// The start is past: the card says "Started", not "Starts".
    pub started: bool,
    pub effort: Option<String>,
    pub about_url: String,
    pub published: bool,
    /// The card image's URL.
    pub image_url: Option<String>,
    pub may_be_outdated: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "catalog/index.html")]
struct CatalogView {
    p: Page,
    title: String,
    cards: Vec<Card>,
    languages: Vec<Choice>,
    orgs: Vec<Choice>,
    filtered: bool,
    archived: bool,
    total: usize,
    page: usize,
    pages: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub fn effort_of(row: &CourseRow) -> Option<Effort> {
    match (row.effort_minutes_per_week, row.effort_weeks) {
        (Some(m), Some(w)) if m > 0 && w > 0 => Some(Effort {
            minutes_per_week: m as u32,
            weeks: w as u32,
        }),
        _ => None,
    }
}

pub fn content_dir(language: &str) -> &'static str {
    lyceum_i18n::direction(language).as_str()
}

fn filter(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

pub async fn index(cx: Cx, Query(q): Query<CatalogQuery>) -> AppResult<Response> {
    let mut c = cx.app.store().conn().await?;
    let archived = q.status == "archived";
    let status = if archived { "archived" } else { "published" };
    let facets = cx.app.catalog_facets(&mut c, status).await?;
    let p = &cx.page;
    let mut languages: Vec<Choice> = Vec::new();
    let mut orgs: Vec<Choice> = Vec::new();
    let mut total = 0;
    for f in facets.iter() {
        if !languages.iter().any(|c| c.value == f.language) {
            languages.push(Choice {
                value: f.language.clone(),
                label: format::language_name(&f.language),
                selected: f.language == q.language,
            });
        }
        if !orgs.iter().any(|c| c.value == f.org_slug) {
            orgs.push(Choice {
                value: f.org_slug.clone(),
                label: f.org_name.clone(),
                selected: f.org_slug == q.org,
            });
        }
        // A course counts once in all, and once in each language it is offered in.
        let counted = if q.language.is_empty() {
            !f.translated
        } else {
            f.language == q.language
        };
        if counted && (q.org.is_empty() || f.org_slug == q.org) {
            total += usize::try_from(f.courses).unwrap_or(0);
        }
    }
    languages.sort_by(|a, b| a.label.cmp(&b.label));
    orgs.sort_by(|a, b| a.label.cmp(&b.label));

    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let interval = cx.app.settings().await?.review_interval();
    let rows = courses::catalog(
        &mut c,
        status,
        filter(&q.language),
        filter(&q.org),
        PAGE_SIZE as i64,
        ((page - 1) * PAGE_SIZE) as i64,
    )
    .await?;
    drop(c);
    let page_url = |n: usize| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !q.language.is_empty() {
            s.append_pair("language", &q.language);
        }
        if !q.org.is_empty() {
            s.append_pair("org", &q.org);
        }
        if archived {
            s.append_pair("status", "archived");
        }
        s.append_pair("page", &n.to_string());
        format!("/?{}", s.finish())
    };
    let now = cx.app.now();
    // Organisations' logos come with the facets: no statement of their own.
    let logos: std::collections::HashMap<&str, String> = facets
        .iter()
        .filter_map(|f| {
            f.org_logo.as_deref().map(|h| {
                (
                    f.org_slug.as_str(),
                    crate::handlers::orgs::logo_url(&f.org_slug, h),
                )
            })
        })
        .collect();
    let cards = rows
        .iter()
        .map(|row| (row, &row.course))
        .map(|(row, r)| Card {
            image_url: row.card_image.as_ref().map(|(name, sha)| {
                format!(
                    "/courses/{}/media/{}/{name}",
                    r.course_key,
                    &sha[..12.min(sha.len())]
                )
            }),
            may_be_outdated: lyceum_app::course_admin::may_be_outdated(
                &r.status,
                row.last_reviewed_at,
                row.last_published_at,
                now,
                interval,
            ),
            org_logo: logos.get(r.org_slug.as_str()).cloned(),
            org_name: r.org_name.clone(),
            code: r.code.clone(),
            title: r.title.clone(),
            short_description: r.short_description.clone(),
            language_name: format::language_name(&r.language),
            dir: content_dir(&r.language),
            language: r.language.clone(),
            start: r.start_at.map(from_millis),
            started: r.start_at.is_some_and(|t| from_millis(t) <= now),
            effort: effort_of(r).map(|e| format::effort(p, e)),
            // Found under one of its translations: its About page in that language.
            about_url: if q.language.is_empty() {
                format!("/courses/{}/about", r.course_key)
            } else {
                format!(
                    "/courses/{}/about?content_lang={}",
                    r.course_key,
                    url::form_urlencoded::byte_serialize(q.language.as_bytes()).collect::<String>()
                )
            },
            published: r.published,
        })
        .collect();
    let view = CatalogView {
        title: p.text("lyceum-catalog-title"),
        cards,
        languages,
        orgs,
        filtered: !q.language.is_empty() || !q.org.is_empty() || archived,
        archived,
        total,
        page,
        pages,
        prev_url: (page > 1).then(|| page_url(page - 1)),
        next_url: (page < pages).then(|| page_url(page + 1)),
        p: cx.page.clone(),
    };
    Ok(html_response(
        view.render().map_err(crate::error::AppError::internal)?,
    ))
}
