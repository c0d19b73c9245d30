//! Video blocks: sources, subtitle tracks per language, transcript, downloads, and the
//! learner's place in the video (a YouTube-only video is a link and its transcript).

use super::{BlockCtx, BlockState, WebKind};
use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::format;
use crate::page::Page;
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lyceum_core::BlockId;
use lyceum_core::blocks::video::Video;
use lyceum_core::blocks::{MediaRef, SubtitleTrack, VideoContent};
use lyceum_core::media::content_type_for;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::subtitles::{Cue, to_vtt};

pub struct VideoBlock;

impl WebKind for VideoBlock {
    fn kind(&self) -> &'static str {
        <Video as lyceum_core::blocks::BlockKind>::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-video"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        let node = ctx.course.tree().node(idx);
        let Some(v) = node.content_of::<Video>() else {
            return Ok(String::new());
        };
        video(
            ctx.p,
            ctx.course,
            node.id.0,
            &node.title,
            v,
            state,
            ctx.tracking,
        )
    }

    /// Where the learner stopped, and "watched" once enough is played; the subtitles
    /// made from translated cues.
    fn routes(&self) -> Router<App> {
        Router::new()
            .route(
                "/api/v1/blocks/{block_id}/progress",
                post(crate::api::courses::video_progress),
            )
            .route(
                "/courses/{key}/video/{block}/subtitles/{file}",
                get(subtitles),
            )
    }
}

pub struct SourceView {
    pub url: String,
    pub mime: String,
}

pub struct TrackView {
    pub url: String,
    pub lang: String,
    pub label: String,
    pub default: bool,
}

pub struct DownloadView {
    pub url: String,
    pub filename: String,
    pub mime: String,
    pub label: String,
    pub size: String,
}

pub struct CueView {
    pub start: u64,
    pub end: u64,
    pub clock: String,
    pub text: String,
}

pub struct TranscriptView {
    pub lang: String,
    pub dir: &'static str,
    pub label: String,
    pub open: bool,
    pub cues: Vec<CueView>,
}

#[derive(Template)]
#[template(path = "blocks/video.html")]
struct VideoView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    poster: Option<String>,
    sources: Vec<SourceView>,
    tracks: Vec<TrackView>,
    downloads: Vec<DownloadView>,
    transcripts: Vec<TranscriptView>,
    speeds: [&'static str; 6],
    progress_url: Option<String>,
    position: f64,
    watched: bool,
    /// The part of the file that is played (`start_secs`/`end_secs`); progress counts
    /// within it.
    clip: Option<(f64, f64)>,
    /// A Commons video's credit: the line's text and the link it points to.
    attribution: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "blocks/video_youtube.html")]
struct YoutubeView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    watch_url: String,
    /// The video's page without a start time: transcript lines add their own.
    cue_url: String,
    downloads: Vec<DownloadView>,
    transcripts: Vec<TranscriptView>,
}

fn size_label(p: &Page, bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        p.text1(
            "lyceum-size-mb",
            ((bytes as f64 / (1024.0 * 1024.0)) * 10.0).round() / 10.0,
        )
    } else {
        p.text1("lyceum-size-kb", (bytes as f64 / 1024.0).ceil() as i64)
    }
}

fn format_label(mime: &str) -> &'static str {
    match mime {
        "video/webm" => "WebM",
        "video/mp4" => "MP4",
        "video/ogg" => "Ogg",
        _ => "",
    }
}

fn video(
    p: &Page,
    course: &CourseCx,
    id: i64,
    title: &str,
    v: &VideoContent,
    state: &BlockState,
    tracking: bool,
) -> askama::Result<String> {
    let key = course.key();
    let cache = &course.content;
    let asset_of = |m: &MediaRef| match m {
        MediaRef::Asset(name) => cache.assets.get(name),
        MediaRef::Url(_) => None,
    };
    let file_name = |m: &MediaRef| match m {
        MediaRef::Asset(name) => name.clone(),
        MediaRef::Url(u) => u.rsplit('/').next().unwrap_or("video").to_owned(),
    };
    let fragment = media_fragment(v.start_secs, v.end_secs);
    let mut sources: Vec<SourceView> = v
        .sources
        .iter()
        .filter_map(|s| {
            cache.media_url(key, &s.media).map(|url| SourceView {
                url: format!("{url}{fragment}"),
                mime: s.mime.clone(),
            })
        })
        .collect();
    // A Commons file plays when the course has no file of its own.
    let commons = &v.commons;
    if v.sources.is_empty()
        && let (Some(name), Some(url)) = (&commons.commons_file, commons.file_url())
    {
        let lower = name.to_ascii_lowercase();
        let mime = if lower.ends_with(".mp4") {
            "video/mp4"
        } else if lower.ends_with(".webm") {
            "video/webm"
        } else {
            "video/ogg"
        };
        sources.push(SourceView {
            url: format!("{url}{fragment}"),
            mime: mime.to_owned(),
        });
    }
    let attribution = commons.commons_file.as_ref().map(|name| {
        let author = commons.attribution_author.clone().unwrap_or_default();
        let licence = commons.attribution_license.clone().unwrap_or_default();
        let link = commons.attribution_url.clone().unwrap_or_else(|| {
            format!(
                "https://commons.wikimedia.org/wiki/{}",
                name.replace(' ', "_")
            )
        });
        (
            p.text2("lyceum-editor-video-attribution", author, licence),
            link,
        )
    });
    // The language the course is shown in, and the one it is written in (the video's).
    let shown = course.row.language.as_str();
    let video_lang = course.source_language.as_str();
    let all = every_track(course, id, v);
    let has = |lang: &str| all.iter().any(|t| t.lang.eq_ignore_ascii_case(lang));
    // Subtitles switch on by themselves only when they translate: the video is in the
    // course's language, the viewer reads another one.
    let default_lang = [shown, p.lang.as_str()]
        .into_iter()
        .find(|l| !l.eq_ignore_ascii_case(video_lang) && has(l));
    let track_url = |t: &SubtitleTrack| {
        if t.generated {
            Some(course.url(&format!("video/{id}/subtitles/{}.vtt", t.lang)))
        } else {
            cache.media_url(key, &t.media)
        }
    };
    let tracks: Vec<TrackView> = all
        .iter()
        .filter_map(|t| {
            track_url(t).map(|url| TrackView {
                url,
                lang: t.lang.clone(),
                label: format::language_name(&t.lang),
                default: default_lang.is_some_and(|l| l.eq_ignore_ascii_case(&t.lang)),
            })
        })
        .collect();
    let mut downloads = Vec::new();
    if v.download_video {
        for s in &v.sources {
            if let Some(url) = cache.media_url(key, &s.media) {
                let size = asset_of(&s.media)
                    .map(|a| size_label(p, a.size))
                    .unwrap_or_default();
                downloads.push(DownloadView {
                    url: download_url(&url),
                    filename: file_name(&s.media),
                    mime: s.mime.clone(),
                    label: p.text1("lyceum-video-download-video", format_label(&s.mime)),
                    size,
                });
            }
        }
    }
    if v.download_tracks {
        for t in &all {
            if let Some(url) = track_url(t) {
                let (size, filename) = if t.generated {
                    (String::new(), format!("{id}.{}.vtt", t.lang))
                } else {
                    let size = asset_of(&t.media)
                        .map(|a| size_label(p, a.size))
                        .unwrap_or_default();
                    (size, file_name(&t.media))
                };
                downloads.push(DownloadView {
                    url: download_url(&url),
                    filename,
                    mime: content_type_for("x.vtt").to_owned(),
                    label: p.text1(
                        "lyceum-video-download-subtitles",
                        format::language_name(&t.lang),
                    ),
                    size,
                });
            }
        }
    }
    // The transcript open at first: in the language the course is read in, else the
    // interface's, else the first.
    let translated = !shown.eq_ignore_ascii_case(video_lang);
    let open_lang = [
        translated.then_some(shown),
        Some(p.lang.as_str()),
        Some(shown),
    ]
    .into_iter()
    .flatten()
    .find(|l| has(l))
    .or(all.first().map(|t| t.lang.as_str()));
    let transcripts = all
        .iter()
        .filter(|t| !t.cues.is_empty())
        .map(|t| TranscriptView {
            lang: t.lang.clone(),
            dir: lyceum_i18n::direction(&t.lang).as_str(),
            label: format::language_name(&t.lang),
            open: open_lang.is_some_and(|l| l.eq_ignore_ascii_case(&t.lang)),
            cues: t
                .cues
                .iter()
                .map(|c| CueView {
                    start: c.start_ms,
                    end: c.end_ms,
                    clock: p
                        .app
                        .i18n()
                        .digits(&p.lang, &format::clock_time(c.start_ms)),
                    text: c.text.clone(),
                })
                .collect(),
        })
        .collect();
    let no_file = v.sources.is_empty() && v.commons.commons_file.is_none();
    if let (true, Some(yt)) = (no_file, &v.youtube_id) {
        // No player from Google on the page: a link, and the transcript to read.
        return YoutubeView {
            p,
            id,
            title,
            watch_url: youtube_url(yt, v.start_secs),
            cue_url: youtube_url(yt, None),
            downloads,
            transcripts,
        }
        .render();
    }
    VideoView {
        p,
        id,
        title,
        poster: v.poster.as_ref().and_then(|m| cache.media_url(key, m)),
        sources,
        tracks,
        downloads,
        transcripts,
        speeds: ["0.75", "1", "1.25", "1.5", "1.75", "2"],
        progress_url: tracking.then(|| format!("/api/v1/blocks/{id}/progress")),
        position: state.position,
        watched: state.complete,
        clip: (v.start_secs.is_some() || v.end_secs.is_some())
            .then(|| (v.start_secs.unwrap_or(0.0), v.end_secs.unwrap_or(0.0))),
        attribution,
    }
    .render()
}

/// `GET /courses/{key}/video/{block}/subtitles/{lang}.vtt`: the subtitles a translated
/// copy of the course made for a video in `lang` from its translated cues (issue 17), as
/// WebVTT (`?download=1`: to save). 404 to anyone who may not see the unit holding the
/// video, and for a language the course is not published in or a track uploaded as a
/// file (served as one).
pub async fn subtitles(
    cx: crate::page::Cx,
    Path((key, block, file)): Path<(String, i64, String)>,
    req: Request,
) -> AppResult<Response> {
    let lang = file.strip_suffix(".vtt").ok_or(AppError::NotFound)?;
    let course = crate::courses::load_in(&cx, &key, lang).await?;
    // Who may read the course's units: as the unit page, with no way in shown.
    if !can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        return Err(AppError::NotFound);
    }
    let tree = course.tree();
    let track = tree
        .index_of(BlockId(block))
        .filter(|&i| tree.is_visible(i, &course.vis))
        .and_then(|i| tree.node(i).content_of::<Video>())
        .and_then(|v| v.track(lang))
        .filter(|t| t.generated)
        .ok_or(AppError::NotFound)?;
    let cues: Vec<Cue> = track
        .cues
        .iter()
        .map(|c| Cue {
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            text: c.text.clone(),
        })
        .collect();
    let mut r = to_vtt(&cues).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/vtt; charset=utf-8"),
    );
    // Made from translations that change at any time.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let download = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "download=1"));
    // The language is a checked code (letters, digits, hyphens): nothing to quote.
    if download
        && let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{block}.{}.vtt\"",
            track.lang
        ))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The video's subtitle tracks as the course is shown (uploaded ones, and one made from
/// the translated cues in the language it is read in), then those made in the course's
/// other published languages (issue 17), kept on unit pages.
fn every_track<'a>(course: &'a CourseCx, id: i64, v: &'a VideoContent) -> Vec<&'a SubtitleTrack> {
    let mut all: Vec<&SubtitleTrack> = v.tracks.iter().collect();
    for (lang, copy) in &course.in_languages {
        if all.iter().any(|t| t.lang.eq_ignore_ascii_case(lang)) {
            continue;
        }
        let tree = &copy.tree;
        let made = tree
            .index_of(BlockId(id))
            .and_then(|i| tree.node(i).content_of::<Video>())
            .and_then(|c| c.track(lang))
            .filter(|t| t.generated);
        all.extend(made);
    }
    all
}

/// `#t=start,end` (W3C Media Fragments): the browser plays only that part of the file.
fn media_fragment(start: Option<f64>, end: Option<f64>) -> String {
    match (start, end) {
        (None, None) => String::new(),
        (Some(s), None) => format!("#t={s}"),
        (s, Some(e)) => format!("#t={},{e}", s.unwrap_or(0.0)),
    }
}

fn youtube_url(id: &str, start: Option<f64>) -> String {
    match start.map(|s| s.floor() as u64).filter(|&s| s > 0) {
        Some(s) => format!("https://www.youtube.com/watch?v={id}&t={s}s"),
        None => format!("https://www.youtube.com/watch?v={id}"),
    }
}

fn download_url(url: &str) -> String {
    if url.starts_with('/') {
        format!("{url}?download=1")
    } else {
        url.to_owned()
    }
}
