//! Video blocks: sources, subtitle tracks per language, transcript, downloads, and the
//! learner's place in the video (a YouTube-only video is a link and its transcript).

use super::{BlockCtx, BlockState, WebKind};
use crate::courses::CourseCx;
use crate::format;
use crate::page::Page;
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::routing::post;
use lyceum_core::blocks::video::Video;
use lyceum_core::blocks::{MediaRef, VideoContent};
use lyceum_core::media::content_type_for;

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

    /// Where the learner stopped, and "watched" once enough is played.
    fn routes(&self) -> Router<App> {
        Router::new().route(
            "/api/v1/blocks/{block_id}/progress",
            post(crate::api::courses::video_progress),
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
    let course_lang = &course.row.language;
    // Subtitles switch on by themselves only when they translate: the video is in the
    // course's language, the viewer reads another one.
    let default_lang = (p.lang != *course_lang && v.tracks.iter().any(|t| t.lang == p.lang))
        .then(|| p.lang.clone());
    let tracks: Vec<TrackView> = v
        .tracks
        .iter()
        .filter_map(|t| {
            cache.media_url(key, &t.media).map(|url| TrackView {
                url,
                lang: t.lang.clone(),
                label: format::language_name(&t.lang),
                default: default_lang.as_deref() == Some(t.lang.as_str()),
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
        for t in &v.tracks {
            if let Some(url) = cache.media_url(key, &t.media) {
                let size = asset_of(&t.media)
                    .map(|a| size_label(p, a.size))
                    .unwrap_or_default();
                downloads.push(DownloadView {
                    url: download_url(&url),
                    filename: file_name(&t.media),
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
    let open_lang = [p.lang.as_str(), course_lang.as_str()]
        .into_iter()
        .find(|l| v.tracks.iter().any(|t| t.lang == *l))
        .or(v.tracks.first().map(|t| t.lang.as_str()))
        .map(str::to_owned);
    let transcripts = v
        .tracks
        .iter()
        .filter(|t| !t.cues.is_empty())
        .map(|t| TranscriptView {
            lang: t.lang.clone(),
            dir: lyceum_i18n::direction(&t.lang).as_str(),
            label: format::language_name(&t.lang),
            open: open_lang.as_deref() == Some(t.lang.as_str()),
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
