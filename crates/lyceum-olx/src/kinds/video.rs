//! Open edX's `<video>` ↔ video blocks: HTML5 sources, YouTube ids, transcripts
//! (converted to WebVTT on import), and Lyceum's poster and duration in attributes of
//! their own.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::IssueKind;
use crate::export::{clock, element, json_list, json_object, media_url, open_tag, pointer};
use crate::import::{Importer, attr_bool, attr_f64, attr_string, clock_secs, plain_text, text_of};
use crate::xml::elements;
use lyceum_core::blocks::video::Video;
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::blocks::{LeafContent, MediaRef, SubtitleTrack, VideoContent, VideoSource};
use lyceum_core::course::spec::{NewAsset, NewBlock};
use lyceum_core::error::DomainError;
use lyceum_core::media::{content_type_for, normalize_asset_name};
use lyceum_core::subtitles::{self, Cue};
use serde_json::Value;
use std::collections::HashSet;

pub(super) const OLX: OlxKind = OlxKind {
    kind: Video::KIND,
    tags: &["video"],
    import,
    export,
    title: None,
    filename_is_content: false,
};

/// Attributes for what Lyceum has and Open edX does not: a video's poster image and
/// duration. Open edX keeps unknown attributes and writes them back.
const POSTER_ATTR: &str = "lyceum_poster";
const DURATION_ATTR: &str = "lyceum_duration";

fn import(im: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let def = leaf.def;
    let a = &def.attrs;
    let mut srcs: Vec<String> = match a.get("html5_sources") {
        Some(Value::Array(v)) => v
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let mut tracks_files: Vec<(String, String)> = match a.get("transcripts") {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(l, f)| f.as_str().map(|f| (l.clone(), f.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    for child in elements(def.node) {
        match child.tag_name().name() {
            "source" => {
                if let Some(s) = child.attribute("src") {
                    srcs.push(s.to_owned());
                }
            }
            "transcript" => {
                if let (Some(l), Some(s)) = (child.attribute("language"), child.attribute("src")) {
                    tracks_files.push((l.to_owned(), s.to_owned()));
                }
            }
            _ => {}
        }
    }
    if let Some(sub) = attr_string(a, "sub").filter(|s| !s.is_empty()) {
        tracks_files.push(("en".to_owned(), format!("subs_{sub}.srt.sjson")));
    }
    let mut sources = Vec::new();
    let mut seen = HashSet::new();
    for src in srcs {
        if !seen.insert(src.clone()) {
            continue;
        }
        let ext = src
            .split(['?', '#'])
            .next()
            .and_then(|s| s.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let mime = match ext.as_str() {
            "mp4" | "m4v" => "video/mp4",
            "webm" => "video/webm",
            "ogv" | "ogg" => "video/ogg",
            _ => {
                im.report.push(
                    IssueKind::InvalidValue,
                    &def.path,
                    format!("video source {src:?} is not an MP4, WebM or Ogg file; left out"),
                );
                continue;
            }
        };
        let media = if let Some(rest) = src.strip_prefix("/static/") {
            let name = normalize_asset_name(rest.split(['?', '#']).next().unwrap_or(rest));
            if !im.assets.contains_key(&name) {
                im.report
                    .push(IssueKind::MissingFile, &def.path, format!("static/{rest}"));
                continue;
            }
            MediaRef::Asset(name)
        } else if src.starts_with("https://") || src.starts_with("http://") {
            MediaRef::Url(src.clone())
        } else {
            im.report.push(
                IssueKind::InvalidValue,
                &def.path,
                format!("video source {src:?}"),
            );
            continue;
        };
        sources.push(VideoSource {
            media,
            mime: mime.to_owned(),
        });
    }
    let youtube = attr_string(a, "youtube_id_1_0")
        .filter(|s| !s.is_empty())
        .or_else(|| {
            attr_string(a, "youtube").and_then(|y| {
                y.split(',')
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("1.00:")
                            .or(p.trim().strip_prefix("1.0:"))
                    })
                    .map(str::to_owned)
            })
        })
        .filter(|s| !s.is_empty());
    let mut tracks = Vec::new();
    let mut langs = HashSet::new();
    for (lang, file) in tracks_files {
        let lang = lang.to_ascii_lowercase();
        if !langs.insert(lang.clone()) {
            continue;
        }
        match transcript(im, &lang, &file, &def.path) {
            Some(t) => tracks.push(t),
            None => {
                langs.remove(&lang);
            }
        }
    }
    // Lyceum's own export writes these; Open edX has neither.
    let poster = match attr_string(a, POSTER_ATTR) {
        Some(src) => poster(im, &src, &def.path),
        None => None,
    };
    let duration_secs = attr_f64(a, DURATION_ATTR).filter(|d| d.is_finite() && *d > 0.0);
    let video = VideoContent {
        sources,
        tracks,
        poster,
        download_video: attr_bool(a, "download_video").unwrap_or(false),
        download_tracks: attr_bool(a, "download_track").unwrap_or(false),
        duration_secs,
        youtube_id: youtube,
        edx_video_id: attr_string(a, "edx_video_id").filter(|s| !s.is_empty()),
        start_secs: attr_string(a, "start_time")
            .and_then(|t| clock_secs(&t))
            .filter(|s| *s > 0.0),
        end_secs: attr_string(a, "end_time")
            .and_then(|t| clock_secs(&t))
            .filter(|s| *s > 0.0),
        commons: Default::default(),
    };
    if video.sources.is_empty() && video.youtube_id.is_none() {
        return Err("no video file or YouTube id that Lyceum can play".to_owned());
    }
    Ok(Video::into_leaf(video))
}

/// A video's poster image: a file of the course (`/static/NAME`) or a web address.
fn poster(im: &mut Importer<'_>, src: &str, path: &str) -> Option<MediaRef> {
    if let Some(rest) = src.strip_prefix("/static/") {
        let name = normalize_asset_name(rest.split(['?', '#']).next().unwrap_or(rest));
        if im.assets.contains_key(&name) {
            return Some(MediaRef::Asset(name));
        }
        im.report
            .push(IssueKind::MissingFile, path, format!("static/{rest}"));
        return None;
    }
    if src.starts_with("https://") || src.starts_with("http://") {
        Some(MediaRef::Url(src.to_owned()))
    } else {
        im.report.push(
            IssueKind::InvalidValue,
            path,
            format!("poster {src:?}; left out"),
        );
        None
    }
}

/// One subtitle file of `static/`, converted to WebVTT as a generated asset.
fn transcript(im: &mut Importer<'_>, lang: &str, file: &str, path: &str) -> Option<SubtitleTrack> {
    if !lyceum_core::blocks::video::is_language_code(lang) {
        im.report.push(
            IssueKind::InvalidValue,
            path,
            format!("transcript language {lang:?}"),
        );
        return None;
    }
    let file = file.trim_start_matches("/static/");
    let Some(text) = text_of(im.files, &format!("static/{file}")) else {
        im.report
            .push(IssueKind::MissingFile, path, format!("static/{file}"));
        return None;
    };
    let cues = if file.ends_with(".sjson") {
        sjson_cues(text)
    } else {
        subtitles::parse(text).map_err(|e| e.to_string())
    };
    let cues = match cues {
        Ok(c) => c,
        Err(e) => {
            im.report
                .push(IssueKind::ParseError, format!("static/{file}"), e);
            return None;
        }
    };
    let stem = file.strip_suffix(".sjson").unwrap_or(file);
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let name = normalize_asset_name(&format!("{stem}.vtt"));
    im.generated.insert(
        name.clone(),
        NewAsset {
            name: name.clone(),
            content_type: content_type_for(&name).to_owned(),
            bytes: subtitles::to_vtt(&cues).into_bytes(),
        },
    );
    Some(SubtitleTrack {
        lang: lang.to_owned(),
        media: MediaRef::Asset(name),
        cues: cues.into_iter().map(Into::into).collect(),
        generated: false,
    })
}

/// Open edX's JSON transcripts: `{"start": [ms…], "end": [ms…], "text": […]}`.
fn sjson_cues(text: &str) -> Result<Vec<Cue>, String> {
    #[derive(serde::Deserialize)]
    struct Sjson {
        start: Vec<u64>,
        end: Vec<u64>,
        text: Vec<String>,
    }
    let s: Sjson = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if s.start.len() != s.end.len() || s.start.len() != s.text.len() {
        return Err("start, end and text lists differ in length".to_owned());
    }
    Ok(s.start
        .into_iter()
        .zip(s.end)
        .zip(s.text)
        .map(|((start_ms, end_ms), text)| Cue {
            start_ms,
            end_ms,
            text: plain_text(&text),
        })
        .collect())
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let video = leaf.content::<Video>()?;
    leaf.add_file("video", "xml", video_xml(leaf.block, &video))?;
    Ok(pointer("video", leaf.name()))
}

fn video_xml(block: &NewBlock, v: &VideoContent) -> String {
    let mut attrs = vec![("url_name", block.url_name.clone())];
    if !block.title.is_empty() {
        attrs.push(("display_name", block.title.clone()));
    }
    if let Some(id) = &v.youtube_id {
        attrs.push(("youtube", format!("1.00:{id}")));
        attrs.push(("youtube_id_1_0", id.clone()));
    }
    let sources: Vec<String> = v.sources.iter().map(|s| media_url(&s.media)).collect();
    attrs.push(("html5_sources", json_list(&sources)));
    attrs.push(("download_video", v.download_video.to_string()));
    attrs.push(("download_track", v.download_tracks.to_string()));
    if let Some(id) = &v.edx_video_id {
        attrs.push(("edx_video_id", id.clone()));
    }
    if let Some(t) = v.start_secs {
        attrs.push(("start_time", clock(t)));
    }
    if let Some(t) = v.end_secs {
        attrs.push(("end_time", clock(t)));
    }
    // Lyceum's own settings, which Open edX keeps without using.
    if let Some(poster) = &v.poster {
        attrs.push((POSTER_ATTR, media_url(poster)));
    }
    if let Some(secs) = v.duration_secs {
        attrs.push((DURATION_ATTR, secs.to_string()));
    }
    // Open edX finds transcripts by file name in the course's static files; a track at
    // an outside URL has no such name and is left out.
    let tracks: Vec<(&str, &str)> = v
        .tracks
        .iter()
        .filter_map(|t| match &t.media {
            MediaRef::Asset(name) => Some((t.lang.as_str(), name.as_str())),
            MediaRef::Url(_) => None,
        })
        .collect();
    if !tracks.is_empty() {
        attrs.push(("transcripts", json_object(&tracks)));
    }
    let mut children: Vec<String> = sources
        .iter()
        .map(|src| format!("{}/>", open_tag("source", &[("src", src.clone())])))
        .collect();
    children.extend(tracks.iter().map(|(lang, src)| {
        format!(
            "{}/>",
            open_tag(
                "transcript",
                &[("language", (*lang).to_owned()), ("src", (*src).to_owned())]
            )
        )
    }));
    element("video", &attrs, &children)
}
