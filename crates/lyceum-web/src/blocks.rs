//! The learner view of each block kind: one template per kind, chosen here. A kind this
//! build does not know, or content that no longer decodes, shows a clear notice instead
//! of breaking the page (staff also see what it was).

use crate::courses::CourseCx;
use crate::format;
use crate::page::{Html, Page};
use askama::Template;
use lyceum_core::blocks::{
    DiscussionContent, LeafContent, MediaRef, OlxContent, TextContent, VideoContent,
};
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
    /// Their work on an open response.
    pub open_response: Option<crate::handlers::open_responses::learner::OrState>,
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
    /// A refused open-response post (text, review) for one block, with why.
    pub or_overlay: Option<(
        lyceum_core::BlockId,
        crate::handlers::open_responses::learner::Overlay,
    )>,
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
    /// The part of the file that is played (`start_secs`/`end_secs`); progress counts
    /// within it.
    clip: Option<(f64, f64)>,
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

/// What staff see of a kept Open edX block.
struct OlxStaffView<'a> {
    tag: &'a str,
    source_path: &'a str,
    error: &'a str,
    xml: &'a str,
}

#[derive(Template)]
#[template(path = "blocks/olx.html")]
struct OlxView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    notice: Html,
    broken: bool,
    staff: Option<OlxStaffView<'a>>,
}

#[derive(Template)]
#[template(path = "blocks/discussion.html")]
struct DiscussionView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    category: &'a str,
    target: &'a str,
    staff_id: Option<&'a str>,
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
        Some(Ok(LeafContent::Text(t))) => text(p, course, id, &node.title, t),
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
        Some(Ok(LeafContent::Olx(o))) => olx(p, id, &node.title, o, ctx.staff),
        Some(Ok(LeafContent::Discussion(d))) => DiscussionView {
            p,
            id,
            title: &node.title,
            content_lang: &course.row.language,
            content_dir: crate::handlers::catalog::content_dir(&course.row.language),
            category: d.category.trim(),
            target: d.target.trim(),
            staff_id: discussion_staff_id(d, ctx.staff),
        }
        .render(),
        Some(Ok(LeafContent::OpenResponse(c))) => crate::handlers::open_responses::learner::render(
            ctx,
            idx,
            c,
            state.open_response.as_ref(),
        ),
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

fn text(
    p: &Page,
    course: &CourseCx,
    id: i64,
    title: &str,
    t: &TextContent,
) -> askama::Result<String> {
    TextView {
        id,
        title,
        html: course.author_html(p, &t.html),
    }
    .render()
}

fn discussion_staff_id(d: &DiscussionContent, staff: bool) -> Option<&str> {
    (staff && !d.discussion_id.is_empty()).then_some(d.discussion_id.as_str())
}

/// What a kept Open edX block is, in words a learner understands (a message key).
fn olx_kind_key(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "lti" | "lti_consumer" => "lyceum-olx-kind-lti",
        "drag-and-drop-v2" => "lyceum-olx-kind-drag-and-drop",
        "poll" | "poll_question" => "lyceum-olx-kind-poll",
        "survey" => "lyceum-olx-kind-survey",
        "openassessment" => "lyceum-olx-kind-openassessment",
        "library_content" => "lyceum-olx-kind-library-content",
        // Kept problems are those Lyceum cannot grade: Python-checked, or an unknown form.
        "problem" => "lyceum-olx-kind-problem",
        "annotatable" => "lyceum-olx-kind-annotatable",
        "word_cloud" => "lyceum-olx-kind-word-cloud",
        "edx_sga" | "staffgradedxblock" => "lyceum-olx-kind-staff-graded",
        "done" => "lyceum-olx-kind-done",
        "split_test" => "lyceum-olx-kind-split-test",
        "conditional" => "lyceum-olx-kind-conditional",
        _ => return None,
    })
}

/// A kept block: learners learn what it is and that it does not hold them back; staff
/// also see where it came from, why it is kept, and its OLX.
fn olx(p: &Page, id: i64, title: &str, o: &OlxContent, staff: bool) -> askama::Result<String> {
    // A block of a kind Lyceum runs (html, video…) that failed to load is not an
    // "activity": say it could not be loaded.
    let broken = olx_kind_key(&o.tag).is_none() && !o.error.is_empty();
    let notice = match olx_kind_key(&o.tag) {
        _ if broken => p.t("lyceum-block-broken"),
        Some(key) => p.t1("lyceum-olx-notice", p.t(key)),
        None => p.t1(
            "lyceum-olx-notice",
            p.t1("lyceum-olx-kind-other", o.tag.as_str()),
        ),
    };
    OlxView {
        p,
        id,
        title,
        notice,
        broken,
        staff: staff.then_some(OlxStaffView {
            tag: &o.tag,
            source_path: &o.source_path,
            error: &o.error,
            xml: &o.xml,
        }),
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
    let fragment = media_fragment(v.start_secs, v.end_secs);
    let sources: Vec<SourceView> = v
        .sources
        .iter()
        .filter_map(|s| {
            cache.media_url(key, &s.media).map(|url| SourceView {
                url: format!("{url}{fragment}"),
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
                    clock: p
                        .app
                        .i18n()
                        .digits(&p.lang, &format::clock_time(c.start_ms)),
                    text: c.text.clone(),
                })
                .collect(),
        })
        .collect();
    if let (true, Some(yt)) = (v.sources.is_empty(), &v.youtube_id) {
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
