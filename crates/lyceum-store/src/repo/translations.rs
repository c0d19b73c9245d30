//! One course, many languages (issue 17): the course's source segments with their ids,
//! its target languages, and each language's translations.

use crate::db::{Db, Elem, list_rows, q, q_built, row, texts};
use crate::{Result, StoreError};
use lyceum_core::translation::Segment;
use lyceum_core::{CourseId, UserId};

/// The course's source segments as last given ids, and the content version they were
/// taken from.
pub async fn segments(db: &mut impl Db, course: CourseId) -> Result<Option<(i64, Vec<Segment>)>> {
    let row: Option<(i64, String)> = db
        .optional(
            q("SELECT content_version, segments FROM course_segments WHERE course_id = $1")
                .bind(course.0),
        )
        .await?;
    row.map(|(version, json)| {
        serde_json::from_str(&json)
            .map(|s| (version, s))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    })
    .transpose()
}

/// Store the course's segments as taken from `version`, and drop the translations of
/// segments it no longer has (so an id given again later brings none back).
pub async fn save_segments(
    db: &mut impl Db,
    course: CourseId,
    version: i64,
    segments: &[Segment],
    now: i64,
) -> Result<()> {
    let json = serde_json::to_string(segments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    db.exec(
        q(
            "INSERT INTO course_segments (course_id, content_version, segments, updated_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (course_id) DO UPDATE SET content_version = excluded.content_version,
             segments = excluded.segments, updated_at = excluded.updated_at",
        )
        .bind(course.0)
        .bind(version)
        .bind(json)
        .bind(now),
    )
    .await?;
    let ids: Vec<&str> = segments.iter().map(|s| s.id.as_str()).collect();
    db.exec(
        q_built(format!(
            "DELETE FROM translations WHERE course_id = $1 AND segment_id NOT IN ({})",
            list_rows(db.backend(), "$2", Elem::Text)
        ))
        .bind(course.0)
        .bind(texts(&ids)),
    )
    .await?;
    Ok(())
}

row! {
    /// A target language of a course.
    pub struct LanguageRow {
        pub lang: String,
        pub published: bool,
        pub published_at: Option<i64>,
        pub created_at: i64,
    }
}

/// The course's target languages, by code.
pub async fn languages(db: &mut impl Db, course: CourseId) -> Result<Vec<LanguageRow>> {
    db.all(
        q(
            "SELECT lang, published, published_at, created_at FROM course_languages
           WHERE course_id = $1 ORDER BY lang",
        )
        .bind(course.0),
    )
    .await
}

/// The published languages of a course, by code.
pub async fn published_languages(db: &mut impl Db, course: CourseId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .all(
            q("SELECT lang FROM course_languages WHERE course_id = $1 AND published ORDER BY lang")
                .bind(course.0),
        )
        .await?;
    Ok(rows.into_iter().map(|(l,)| l).collect())
}

/// Make `lang` a target language of the course (nothing if it is one).
pub async fn add_language(db: &mut impl Db, course: CourseId, lang: &str, now: i64) -> Result<()> {
    db.exec(
        q(
            "INSERT INTO course_languages (course_id, lang, published, created_at)
           VALUES ($1, $2, FALSE, $3) ON CONFLICT (course_id, lang) DO NOTHING",
        )
        .bind(course.0)
        .bind(lang)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Publish (or withdraw) a language for learners; `false` when it is no target language.
pub async fn set_published(
    db: &mut impl Db,
    course: CourseId,
    lang: &str,
    published: bool,
    now: i64,
) -> Result<bool> {
    bump(db, course).await?;
    let n = db
        .exec(
            q("UPDATE course_languages SET published = $3,
                 published_at = CASE WHEN $3 THEN $4 ELSE published_at END
               WHERE course_id = $1 AND lang = $2")
            .bind(course.0)
            .bind(lang)
            .bind(published)
            .bind(now),
        )
        .await?;
    Ok(n > 0)
}

row! {
    /// One translation of a segment, with the source text it was made from.
    pub struct TranslationRow {
        pub lang: String,
        pub segment_id: String,
        pub text: String,
        pub source_text: String,
        pub author_id: Option<i64>,
        pub author_name: Option<String>,
        pub updated_at: i64,
    }
}

const TRANSLATION_COLUMNS: &str = "t.lang, t.segment_id, t.text, t.source_text, t.author_id,
    COALESCE(NULLIF(u.display_name, ''), u.username) AS author_name, t.updated_at
    FROM translations t LEFT JOIN users u ON u.id = t.author_id";

/// A language's translations of the course.
pub async fn of_language(
    db: &mut impl Db,
    course: CourseId,
    lang: &str,
) -> Result<Vec<TranslationRow>> {
    db.all(
        q_built(format!(
            "SELECT {TRANSLATION_COLUMNS} WHERE t.course_id = $1 AND t.lang = $2"
        ))
        .bind(course.0)
        .bind(lang),
    )
    .await
}

/// Every language's translations of the course (for the per-language table).
pub async fn of_course(db: &mut impl Db, course: CourseId) -> Result<Vec<TranslationRow>> {
    db.all(
        q_built(format!(
            "SELECT {TRANSLATION_COLUMNS} WHERE t.course_id = $1"
        ))
        .bind(course.0),
    )
    .await
}

/// Store a translation of a segment, made from `source_text`, by `author`.
#[allow(clippy::too_many_arguments)]
pub async fn put(
    db: &mut impl Db,
    course: CourseId,
    lang: &str,
    segment_id: &str,
    text: &str,
    source_text: &str,
    author: UserId,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO translations (course_id, lang, segment_id, text, source_text, author_id, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (course_id, lang, segment_id) DO UPDATE SET text = excluded.text,
             source_text = excluded.source_text, author_id = excluded.author_id,
             updated_at = excluded.updated_at")
        .bind(course.0)
        .bind(lang)
        .bind(segment_id)
        .bind(text)
        .bind(source_text)
        .bind(author.0)
        .bind(now),
    )
    .await?;
    bump(db, course).await
}

/// A new translations version for the course: nodes build their translated copies again.
async fn bump(db: &mut impl Db, course: CourseId) -> Result<()> {
    db.exec(
        q("UPDATE courses SET translations_version = translations_version + 1 WHERE id = $1")
            .bind(course.0),
    )
    .await?;
    Ok(())
}

/// The language an enrolled learner reads the course in (`None`: the default); `false`
/// when they are not enrolled.
pub async fn set_content_language(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
    lang: Option<&str>,
) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE enrollments SET content_lang = $3 WHERE user_id = $1 AND course_id = $2 AND active")
                .bind(user.0)
                .bind(course.0)
                .bind(lang),
        )
        .await?;
    Ok(n > 0)
}

/// What learners reading a language see where its translation is outdated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutdatedShows {
    /// The translation made from the earlier source, with a notice.
    #[default]
    Translation,
    /// The source as it is now.
    Source,
}

impl OutdatedShows {
    pub fn as_str(self) -> &'static str {
        match self {
            OutdatedShows::Translation => "translation",
            OutdatedShows::Source => "source",
        }
    }

    pub fn parse(s: &str) -> Option<OutdatedShows> {
        match s {
            "translation" => Some(OutdatedShows::Translation),
            "source" => Some(OutdatedShows::Source),
            _ => None,
        }
    }
}

/// How a course offers its translations (defaults when never set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TranslationSettings {
    pub outdated_shows: OutdatedShows,
    /// The share (%) of segments translated from the source as it is now that a
    /// language needs to be published.
    pub publish_threshold: u8,
}

/// The course's translation settings.
pub async fn settings(db: &mut impl Db, course: CourseId) -> Result<TranslationSettings> {
    let row: Option<(String, i64)> = db
        .optional(
            q(
                "SELECT outdated_shows, publish_threshold FROM course_translation_settings
               WHERE course_id = $1",
            )
            .bind(course.0),
        )
        .await?;
    Ok(
        row.map_or_else(TranslationSettings::default, |(shows, threshold)| {
            TranslationSettings {
                outdated_shows: OutdatedShows::parse(&shows).unwrap_or_default(),
                publish_threshold: u8::try_from(threshold.clamp(0, 100)).unwrap_or(0),
            }
        }),
    )
}

/// Keep the course's translation settings (learners' copies are made again).
pub async fn set_settings(
    db: &mut impl Db,
    course: CourseId,
    s: TranslationSettings,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO course_translation_settings (course_id, outdated_shows, publish_threshold, updated_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (course_id) DO UPDATE SET outdated_shows = excluded.outdated_shows,
             publish_threshold = excluded.publish_threshold, updated_at = excluded.updated_at")
        .bind(course.0)
        .bind(s.outdated_shows.as_str())
        .bind(i64::from(s.publish_threshold.min(100)))
        .bind(now),
    )
    .await?;
    bump(db, course).await
}
