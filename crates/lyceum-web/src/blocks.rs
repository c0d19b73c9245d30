//! The learner view of each block kind: one template per kind, chosen here. A kind this
//! build does not know, or content that no longer decodes, shows a clear notice instead
//! of breaking the page (staff also see what it was).

use crate::courses::CourseCx;
use crate::format;
use crate::page::{Html, Page};
use askama::Template;
use lyceum_core::blocks::{LeafContent, MediaRef, TextContent, VideoContent};
use lyceum_core::course::Node;
use lyceum_core::media::content_type_for;

/// What the unit page knows about the learner, for blocks that show progress.
#[derive(Clone, Debug, Default)]
pub struct LearnerBlockState {
    pub complete: bool,
    /// Where the learner stopped in a video, seconds.
    pub position: f64,
    /// Their work on a problem.
    pub problem: Option<crate::problems::LearnerProblem>,
}

/// What every block on a unit page shares.
pub struct BlockCtx<'a> {
    pub p: &'a Page,
    pub course: &'a CourseCx,
    pub tracking: bool,
    pub staff: bool,
    pub now: jiff::Timestamp,
    /// Answers just submitted that could not be graded, for one block, with why.
    pub overlay: Option<(lyceum_core::BlockId, crate::problems::Overlay)>,
}

#[derive(Template)]
#[template(path = "blocks/text.html")]
struct TextView<'a> {
    id: i64,
    title: &'a str,
    html: Html,
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
}

#[derive(Template)]
#[template(path = "blocks/unsupported.html")]
struct UnsupportedView<'a> {
    p: &'a Page,
    id: i64,
    kind: &'a str,
    broken: bool,
    staff: bool,
}

pub fn render(ctx: &BlockCtx<'_>, idx: usize, state: &LearnerBlockState) -> Html {
    let (p, course) = (ctx.p, ctx.course);
    let node: &Node = course.tree().node(idx);
    let id = node.id.0;
    let out = match &node.content {
        Some(Ok(LeafContent::Text(t))) => text(id, &node.title, t),
        Some(Ok(LeafContent::Video(v))) => {
            video(p, course, id, &node.title, v, state, ctx.tracking)
        }
        Some(Ok(LeafContent::Problem(_))) => {
            let empty = crate::problems::LearnerProblem::default();
            let overlay = ctx
                .overlay
                .as_ref()
                .filter(|(b, _)| *b == node.id)
                .map(|(_, o)| o.clone())
                .unwrap_or_default();
            return crate::problems::render(
                p,
                crate::problems::RenderInput {
                    course,
                    idx,
                    learner: state.problem.as_ref().unwrap_or(&empty),
                    tracking: ctx.tracking,
                    staff: ctx.staff,
                    overlay,
                    now: ctx.now,
                },
            );
        }
        Some(Ok(LeafContent::Unknown { kind, .. })) => UnsupportedView {
            p,
            id,
            kind,
            broken: false,
            staff: ctx.staff,
        }
        .render(),
        Some(Err(_)) | None => UnsupportedView {
            p,
            id,
            kind: "",
            broken: true,
            staff: ctx.staff,
        }
        .render(),
    };
    match out {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(block = id, error = %e, "rendering a block failed");
            Html(String::new())
        }
    }
}

fn text(id: i64, title: &str, t: &TextContent) -> askama::Result<String> {
    TextView {
        id,
        title,
        html: Html(t.html.clone()),
    }
    .render()
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
    state: &LearnerBlockState,
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
    let sources: Vec<SourceView> = v
        .sources
        .iter()
        .filter_map(|s| {
            cache.media_url(key, &s.media).map(|url| SourceView {
                url,
                mime: s.mime.clone(),
            })
        })
        .collect();
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
                    clock: format::clock_time(c.start_ms),
                    text: c.text.clone(),
                })
                .collect(),
        })
        .collect();
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
    }
    .render()
}

fn download_url(url: &str) -> String {
    if url.starts_with('/') {
        format!("{url}?download=1")
    } else {
        url.to_owned()
    }
}
