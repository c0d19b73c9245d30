//! Video blocks: HTML5 sources, subtitle tracks in several languages with their cues (for
//! the interactive transcript), and download links — learners on poor connections must be
//! able to take the recording with them.

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use crate::media::is_valid_asset_name;
use crate::subtitles::Cue;
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
}

pub struct Video;

const VIDEO_MIMES: [&str; 3] = ["video/webm", "video/mp4", "video/ogg"];

/// Share of a video a learner must play for it to count as watched.
pub const WATCHED_THRESHOLD: f64 = 0.9;

impl BlockKind for Video {
    const KIND: &'static str = "video";
    type Content = VideoContent;

    fn validate(c: VideoContent) -> Result<VideoContent, DomainError> {
        if let Some(id) = &c.youtube_id
            && !is_youtube_id(id)
        {
            return Err(DomainError::new("lyceum-error-media-reference").with_arg(id.clone()));
        }
        if c.sources.is_empty() && c.youtube_id.is_none() {
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
                },
                SubtitleTrack {
                    lang: "fr".into(),
                    media: MediaRef::Asset("intro.fr.vtt".into()),
                    cues: vec![],
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
