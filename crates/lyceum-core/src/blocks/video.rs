//! Video blocks: HTML5 sources, subtitle tracks in several languages with their cues (for
//! the interactive transcript), and download links — learners on poor connections must be
//! able to take the recording with them. The cues of the track in the course's language
//! are translatable (issue 17): a translated copy of the course gets a track made from
//! them in its language, unless one was uploaded for it.

use super::{BlockKind, CompletionRule, Languages};
use crate::error::DomainError;
use crate::media::is_valid_asset_name;
use crate::subtitles::Cue;
use crate::translation::{self, Field};
use serde::{Deserialize, Serialize};

/// Where a media file lives: an asset of this course, or an external URL (e.g. Commons).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaRef {
    Asset(String),
    Url(String),
}

impl MediaRef {
    fn check(&self) -> Result<(), DomainError> {
        match self {
            MediaRef::Asset(name) if is_valid_asset_name(name) => Ok(()),
            MediaRef::Url(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Ok(())
            }
            MediaRef::Asset(s) | MediaRef::Url(s) => {
                Err(DomainError::new("lyceum-error-media-reference").with_arg(s.clone()))
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoSource {
    pub media: MediaRef,
    /// `video/webm`, `video/mp4` or `video/ogg`.
    pub mime: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubtitleTrack {
    /// Language code of the subtitles (`en`, `fr`, `ar`, `pt-br`…).
    pub lang: String,
    /// Always WebVTT (SRT is converted before it is stored).
    pub media: MediaRef,
    /// The cues, copied at save time so the transcript renders without reading files.
    #[serde(default)]
    pub cues: Vec<CueData>,
    /// Made from the source track's cues and their translations, in a translated copy of
    /// the course (never stored): served as WebVTT from its cues, `media` names no file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generated: bool,
}

/// Serialisable form of a subtitle cue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CueData {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

impl From<Cue> for CueData {
    fn from(c: Cue) -> Self {
        Self {
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            text: c.text,
        }
    }
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoContent {
    pub sources: Vec<VideoSource>,
    #[serde(default)]
    pub tracks: Vec<SubtitleTrack>,
    #[serde(default)]
    pub poster: Option<MediaRef>,
    /// Offer the video file for download. On by default: the 2021 pilot's learners on
    /// slow connections could stream recordings but not keep them.
    #[serde(default = "default_true")]
    pub download_video: bool,
    #[serde(default = "default_true")]
    pub download_tracks: bool,
    #[serde(default)]
    pub duration_secs: Option<f64>,
    /// A YouTube video (imported from Open edX). Lyceum links to it rather than embedding
    /// it, so no learner's page loads Google's player unasked; a file source is preferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub youtube_id: Option<String>,
    /// Open edX's video-pipeline id, kept so the course exports back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edx_video_id: Option<String>,
    /// Play only this part of the file (Open edX's `start_time` / `end_time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_secs: Option<f64>,
    /// A Wikimedia Commons file played when there is no file of the course's own.
    #[serde(flatten, default)]
    pub commons: CommonsVideo,
}

/// A video on Wikimedia Commons, by file name, with the attribution its licence asks
/// for. Stored at the top level of the content (`commons_file`, `attribution_author`,
/// `attribution_license`, `attribution_url`); content without them still decodes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommonsVideo {
    /// `File:Name.webm` (or `.ogv`, `.ogg`, `.mp4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commons_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_license: Option<String>,
    /// The file's description page or the author's; `https://` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_url: Option<String>,
}

/// Licences offered by name for a Commons video; any other is written out (at most
/// [`crate::limits::TITLE`]).
pub const COMMONS_LICENSES: [&str; 5] = [
    "CC BY-SA 4.0",
    "CC BY 4.0",
    "CC BY-SA 3.0",
    "CC0",
    "Public domain",
];

impl CommonsVideo {
    /// Where the file plays from (Commons redirects to the file itself).
    pub fn file_url(&self) -> Option<String> {
        self.commons_file.as_ref().map(|f| {
            let name = f.strip_prefix("File:").unwrap_or(f).replace(' ', "_");
            format!(
                "https://commons.wikimedia.org/wiki/Special:FilePath/{}",
                path_escape(&name)
            )
        })
    }

    fn validate(&mut self) -> Result<(), DomainError> {
        let trim = |v: &mut Option<String>| {
            if let Some(s) = v {
                *s = s.trim().to_owned();
                if s.is_empty() {
                    *v = None;
                }
            }
        };
        trim(&mut self.commons_file);
        trim(&mut self.attribution_author);
        trim(&mut self.attribution_license);
        trim(&mut self.attribution_url);
        if let Some(f) = &self.commons_file
            && !is_commons_video_name(f)
        {
            return Err(DomainError::new("lyceum-error-video-commons-file").with_arg(f.clone()));
        }
        for v in [&mut self.attribution_author, &mut self.attribution_license]
            .into_iter()
            .flatten()
        {
            *v = crate::limits::clean(v, crate::limits::TITLE)?;
        }
        if let Some(u) = &self.attribution_url {
            crate::limits::check(u, crate::limits::URL)?;
            let host_ok = u
                .strip_prefix("https://")
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
            if !host_ok || u.chars().any(|c| c.is_whitespace() || c == '"' || c == '<') {
                return Err(DomainError::new("lyceum-error-video-attribution-url"));
            }
        }
        Ok(())
    }
}

/// A file name as one URL path segment (RFC 3986 unreserved characters kept).
fn path_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~()!,'*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `File:Something.webm|ogv|ogg|mp4`: no path, no characters MediaWiki titles refuse.
pub fn is_commons_video_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("File:") else {
        return false;
    };
    let lower = rest.to_ascii_lowercase();
    let ext_ok = [".webm", ".ogv", ".ogg", ".mp4"]
        .iter()
        .any(|e| lower.len() > e.len() && lower.ends_with(e));
    ext_ok
        && rest.chars().count() <= 240
        && !rest
            .chars()
            .any(|c| c.is_control() || "#<>[]|{}/".contains(c))
}

impl VideoContent {
    /// The track whose cues are translated: the one in the course's language `lang`,
    /// else the first.
    pub fn source_track(&self, lang: &str) -> Option<usize> {
        self.tracks
            .iter()
            .position(|t| t.lang.eq_ignore_ascii_case(lang))
            .or((!self.tracks.is_empty()).then_some(0))
    }

    /// The track in `lang`, uploaded or generated.
    pub fn track(&self, lang: &str) -> Option<&SubtitleTrack> {
        self.tracks
            .iter()
            .find(|t| t.lang.eq_ignore_ascii_case(lang))
    }
}

/// For each of `source`'s cues, the one of `other` (subtitles of the same video in
/// another language) whose time range overlaps it most, if any does: how a subtitle
/// file's cues are taken as translations of the source's, whatever their cutting.
pub fn overlapping(source: &[CueData], other: &[Cue]) -> Vec<Option<usize>> {
    source
        .iter()
        .map(|s| {
            let mut best = None;
            let mut most = 0;
            for (i, o) in other.iter().enumerate() {
                let overlap = s
                    .end_ms
                    .min(o.end_ms)
                    .saturating_sub(s.start_ms.max(o.start_ms));
                if overlap > most {
                    (best, most) = (Some(i), overlap);
                }
            }
            best
        })
        .collect()
}

/// A cue's text: one segment of a list, plain text, in time order.
const CUE: Field<'static> = Field::list("cue", false);

pub struct Video;

const VIDEO_MIMES: [&str; 3] = ["video/webm", "video/mp4", "video/ogg"];

/// Share of a video a learner must play for it to count as watched.
pub const WATCHED_THRESHOLD: f64 = 0.9;

impl BlockKind for Video {
    const KIND: &'static str = "video";
    type Content = VideoContent;

    fn validate(mut c: VideoContent) -> Result<VideoContent, DomainError> {
        c.commons.validate()?;
        if let Some(id) = &c.youtube_id
            && !is_youtube_id(id)
        {
            return Err(DomainError::new("lyceum-error-media-reference").with_arg(id.clone()));
        }
        if c.sources.is_empty() && c.youtube_id.is_none() && c.commons.commons_file.is_none() {
            return Err(DomainError::new("lyceum-error-video-no-source"));
        }
        for t in [c.start_secs, c.end_secs].into_iter().flatten() {
            if !(t.is_finite() && t >= 0.0) {
                return Err(DomainError::new("lyceum-error-video-duration"));
            }
        }
        for s in &c.sources {
            s.media.check()?;
            if !VIDEO_MIMES.contains(&s.mime.as_str()) {
                return Err(DomainError::new("lyceum-error-video-type").with_arg(s.mime.clone()));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for t in &c.tracks {
            t.media.check()?;
            if !is_language_code(&t.lang) {
                return Err(DomainError::new("lyceum-error-language-code").with_arg(t.lang.clone()));
            }
            if !seen.insert(t.lang.to_ascii_lowercase()) {
                return Err(
                    DomainError::new("lyceum-error-video-duplicate-track").with_arg(t.lang.clone())
                );
            }
        }
        if let Some(p) = &c.poster {
            p.check()?;
        }
        if let Some(d) = c.duration_secs
            && !(d.is_finite() && d > 0.0)
        {
            return Err(DomainError::new("lyceum-error-video-duration"));
        }
        Ok(c)
    }

    fn completion(c: &VideoContent) -> Option<CompletionRule> {
        if c.sources.is_empty() {
            // Only a link to YouTube: nothing here can tell whether it was watched.
            Some(CompletionRule::OnView)
        } else {
            Some(CompletionRule::Watched(WATCHED_THRESHOLD))
        }
    }

    /// The first track's cues: without the course's language, the first track stands for
    /// its source (see `translatable_in`).
    fn translatable(c: &mut VideoContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        if let Some(t) = c.tracks.first_mut() {
            for cue in &mut t.cues {
                visit(CUE, &mut cue.text);
            }
        }
    }

    /// The source track's cues, one list segment each. On a copy in another language the
    /// translations go into a new track in that language, made from the source's cues
    /// (untranslated ones keep the source's text), which joins the video when at least
    /// one cue is translated and no track was uploaded in that language: a translator's
    /// cues never replace a file someone chose. The source track stays as it is.
    fn translatable_in(
        c: &mut VideoContent,
        langs: Languages<'_>,
        visit: &mut dyn FnMut(Field<'_>, &mut String),
    ) {
        let Some(src) = c.source_track(langs.source) else {
            return;
        };
        let Some(target) = langs.target else {
            for cue in &mut c.tracks[src].cues {
                visit(CUE, &mut cue.text);
            }
            return;
        };
        let source = &c.tracks[src];
        let mut track = SubtitleTrack {
            lang: target.to_owned(),
            media: MediaRef::Url(String::new()),
            cues: source.cues.clone(),
            generated: true,
        };
        let mut translated = false;
        for (cue, from) in track.cues.iter_mut().zip(&source.cues) {
            visit(CUE, &mut cue.text);
            translated |= !translation::is_source_text(&cue.text, &from.text);
        }
        if translated && c.track(target).is_none() {
            c.tracks.push(track);
        }
    }
}

/// YouTube's ids are 11 characters of `[A-Za-z0-9_-]`; a little slack for old ones.
pub fn is_youtube_id(id: &str) -> bool {
    (6..=20).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A MediaWiki-style language code: `en`, `pt-br`, `zh-hans`, `sr-ec`.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VideoContent {
        VideoContent {
            sources: vec![VideoSource {
                media: MediaRef::Asset("intro.webm".into()),
                mime: "video/webm".into(),
            }],
            tracks: vec![
                SubtitleTrack {
                    lang: "en".into(),
                    media: MediaRef::Asset("intro.en.vtt".into()),
                    cues: vec![],
                    generated: false,
                },
                SubtitleTrack {
                    lang: "fr".into(),
                    media: MediaRef::Asset("intro.fr.vtt".into()),
                    cues: vec![],
                    generated: false,
                },
            ],
            poster: None,
            download_video: true,
            download_tracks: true,
            duration_secs: Some(21.5),
            youtube_id: None,
            edx_video_id: None,
            start_secs: None,
            end_secs: None,
            commons: Default::default(),
        }
    }

    #[test]
    fn valid_video_passes() {
        assert!(Video::validate(sample()).is_ok());
    }

    #[test]
    fn rejects_bad_inputs() {
        let mut v = sample();
        v.sources.clear();
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-video-no-source"
        );

        let mut v = sample();
        v.sources[0].mime = "application/x-shockwave-flash".into();
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-video-type"
        );

        let mut v = sample();
        v.tracks[1].lang = "EN".into();
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-video-duplicate-track"
        );

        let mut v = sample();
        v.sources[0].media = MediaRef::Url("javascript:alert(1)".into());
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-media-reference"
        );

        let mut v = sample();
        v.sources[0].media = MediaRef::Asset("../etc/passwd".into());
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-media-reference"
        );

        let mut v = sample();
        v.duration_secs = Some(f64::NAN);
        assert_eq!(
            Video::validate(v).unwrap_err().key.0,
            "lyceum-error-video-duration"
        );
    }

    #[test]
    fn language_codes() {
        for ok in ["en", "fr", "ar", "pt-br", "zh-hans", "sr-ec", "nqo"] {
            assert!(is_language_code(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_", "en--gb", "1a"] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod commons_tests {
    use super::*;

    fn commons(file: &str) -> VideoContent {
        let mut c: VideoContent = serde_json::from_value(serde_json::json!({
            "sources": [],
            "commons_file": file,
            "attribution_author": " Ada ",
            "attribution_license": "CC BY-SA 4.0",
            "attribution_url": "https://commons.wikimedia.org/wiki/File:X.webm"
        }))
        .unwrap();
        c.commons.commons_file = Some(file.to_owned());
        c
    }

    #[test]
    fn stored_content_without_the_commons_fields_still_decodes() {
        let c: VideoContent = serde_json::from_value(serde_json::json!({
            "sources": [{"media": {"asset": "a.webm"}, "mime": "video/webm"}]
        }))
        .unwrap();
        assert_eq!(c.commons, CommonsVideo::default());
        let back = serde_json::to_value(&c).unwrap();
        assert!(back.get("commons_file").is_none());
    }

    #[test]
    fn a_commons_file_alone_is_a_source_and_plays_from_special_filepath() {
        let c = Video::validate(commons("File:Wiki Loves Earth.webm")).unwrap();
        assert_eq!(c.commons.attribution_author.as_deref(), Some("Ada"));
        assert_eq!(
            c.commons.file_url().unwrap(),
            "https://commons.wikimedia.org/wiki/Special:FilePath/Wiki_Loves_Earth.webm"
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["commons_file"], "File:Wiki Loves Earth.webm");
    }

    #[test]
    fn bad_commons_fields_are_refused() {
        for name in [
            "Example.webm",
            "File:.webm",
            "File:a/b.webm",
            "File:x.png",
            "File:x|y.ogv",
        ] {
            let e = Video::validate(commons(name)).unwrap_err();
            assert_eq!(e.key.0, "lyceum-error-video-commons-file", "{name}");
        }
        for name in ["File:x.webm", "File:x.OGV", "File:x.ogg", "File:x.mp4"] {
            assert!(Video::validate(commons(name)).is_ok(), "{name}");
        }
        let mut c = commons("File:x.webm");
        c.commons.attribution_url = Some("http://example.org/".into());
        assert_eq!(
            Video::validate(c).unwrap_err().key.0,
            "lyceum-error-video-attribution-url"
        );
        let mut c = commons("File:x.webm");
        c.commons.attribution_license = Some("x".repeat(201));
        assert!(Video::validate(c).is_err());
        let mut c = commons("File:x.webm");
        c.commons.commons_file = None;
        assert_eq!(
            Video::validate(c).unwrap_err().key.0,
            "lyceum-error-video-no-source"
        );
    }
}

#[cfg(test)]
mod translation_tests {
    use super::*;
    use crate::translation::{Apply, Piece, Segment, assign_ids, collect, isolated};

    fn track(lang: &str, texts: &[&str]) -> SubtitleTrack {
        SubtitleTrack {
            lang: lang.into(),
            media: MediaRef::Asset(format!("v.{lang}.vtt")),
            cues: texts
                .iter()
                .enumerate()
                .map(|(i, t)| CueData {
                    start_ms: i as u64 * 1000,
                    end_ms: i as u64 * 1000 + 900,
                    text: (*t).into(),
                })
                .collect(),
            generated: false,
        }
    }

    fn video(tracks: Vec<SubtitleTrack>) -> VideoContent {
        serde_json::from_value::<VideoContent>(serde_json::json!({
            "sources": [{"media": {"asset": "v.webm"}, "mime": "video/webm"}]
        }))
        .map(|v| VideoContent { tracks, ..v })
        .unwrap()
    }

    fn pieces(v: &VideoContent, lang: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        let langs = Languages {
            source: lang,
            target: None,
        };
        Video::translatable_in(&mut v.clone(), langs, &mut collect("intro", &mut out));
        out
    }

    /// `v` in `target`, with `fr` giving translations by segment id.
    fn copy(
        v: &VideoContent,
        segments: &[Segment],
        target: &str,
        fr: &[(&str, &str)],
    ) -> VideoContent {
        let mut c = v.clone();
        let mut apply = Apply::new(segments, |_, s: &Segment| {
            fr.iter()
                .find(|(id, _)| *id == s.id)
                .map(|(_, t)| (*t).to_owned())
        });
        let langs = Languages {
            source: "en",
            target: Some(target),
        };
        Video::translatable_in(&mut c, langs, &mut |f, t| apply.visit("intro", f, t));
        c
    }

    #[test]
    fn the_course_languages_cues_are_a_list_in_time_order() {
        let v = video(vec![
            track("fr", &["Bonjour", "Au revoir"]),
            track("en", &["Hello", "", "Goodbye"]),
        ]);
        let p = pieces(&v, "en");
        let texts: Vec<&str> = p.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["Hello", "Goodbye"], "an empty cue is no segment");
        assert!(
            p.iter()
                .all(|p| p.group == "intro.cue" && p.list && !p.html)
        );
        let ids: Vec<String> = assign_ids(&[], &p).into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["intro.cue.1", "intro.cue.2"]);
        // No track in the course's language: the first one is the source.
        assert_eq!(pieces(&v, "ar")[0].text, "Bonjour");
        assert!(pieces(&video(vec![]), "en").is_empty());
    }

    #[test]
    fn editing_one_cue_keeps_every_id() {
        let before = assign_ids(
            &[],
            &pieces(&video(vec![track("en", &["A", "B", "C"])]), "en"),
        );
        let edited = video(vec![track("en", &["A", "B, said better", "C"])]);
        let after = assign_ids(&before, &pieces(&edited, "en"));
        let ids: Vec<&str> = after.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["intro.cue.1", "intro.cue.2", "intro.cue.3"]);
        assert_eq!(after[1].text, "B, said better");
    }

    #[test]
    fn a_copy_gets_a_track_in_its_language_from_the_translated_cues() {
        let v = video(vec![track("en", &["Hello", "Goodbye"])]);
        let segments = assign_ids(&[], &pieces(&v, "en"));
        let fr = copy(&v, &segments, "fr", &[("intro.cue.2", "Au revoir")]);
        assert_eq!(fr.tracks.len(), 2);
        assert_eq!(fr.tracks[0], v.tracks[0], "the source track stays as it is");
        let t = fr.track("fr").unwrap();
        assert!(t.generated);
        let texts: Vec<&str> = t.cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Hello", "Au revoir"],
            "untranslated cues keep the source"
        );
        assert_eq!((t.cues[1].start_ms, t.cues[1].end_ms), (1000, 1900));
        // Nothing translated (the source only, as is or between isolates): no track.
        assert_eq!(copy(&v, &segments, "de", &[]).tracks.len(), 1);
        let marked = isolated("Hello", false);
        let ar = copy(&v, &segments, "ar", &[("intro.cue.1", &marked)]);
        assert_eq!(ar.tracks.len(), 1);
        // The generated track is never stored.
        let json = serde_json::to_value(&v).unwrap();
        assert!(json["tracks"][0].get("generated").is_none());
    }

    #[test]
    fn a_files_cues_are_matched_by_the_time_they_overlap_most() {
        let source = track("en", &["A", "B", "C"]).cues; // 0–900, 1000–1900, 2000–2900
        let cue = |start_ms, end_ms| Cue {
            start_ms,
            end_ms,
            text: String::new(),
        };
        let other = [cue(0, 1200), cue(1200, 2100), cue(5000, 6000)];
        assert_eq!(
            overlapping(&source, &other),
            [Some(0), Some(1), Some(1)],
            "B overlaps the second more (700 against 200); C only the second"
        );
        assert_eq!(overlapping(&source, &[cue(3000, 4000)]), [None, None, None]);
    }

    #[test]
    fn an_uploaded_track_in_the_copys_language_wins() {
        let v = video(vec![
            track("en", &["Hello", "Goodbye"]),
            track("fr", &["Salut", "Ciao"]),
        ]);
        let segments = assign_ids(&[], &pieces(&v, "en"));
        let fr = copy(&v, &segments, "fr", &[("intro.cue.1", "Bonjour")]);
        assert_eq!(fr, v);
        // The segments still line up after the video: its walk took both of them.
        let mut after = segments.clone();
        after.push(Segment {
            id: "outro.title".into(),
            text: "Outro".into(),
            html: false,
            list: false,
        });
        let mut apply = Apply::new(&after, |_, _| Some("x".to_owned()));
        let langs = Languages {
            source: "en",
            target: Some("fr"),
        };
        Video::translatable_in(&mut v.clone(), langs, &mut |f, t| {
            apply.visit("intro", f, t)
        });
        let mut title = "Outro".to_owned();
        apply.visit("outro", Field::text("title"), &mut title);
        assert_eq!(title, "x");
    }
}
