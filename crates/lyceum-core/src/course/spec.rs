//! A course written as data (the demo courses are TOML files in this shape): settings plus
//! an outline of sections, subsections, units and blocks. `expand` validates it and turns
//! it into what the store persists; reading files is left to the caller.

use super::StructureSettings;
use super::{CourseKey, Effort, License};
use crate::blocks::{
    LeafContent, MediaRef, ProblemContent, SubtitleTrack, TextContent, VideoContent, VideoSource,
};
use crate::error::DomainError;
use crate::grading::{AssignmentType, GradingPolicy};
use crate::media::{content_type_for, is_valid_asset_name};
use crate::sanitize::markdown_to_html;
use crate::subtitles;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseSpec {
    pub org: String,
    pub code: String,
    pub run: String,
    pub language: String,
    pub title: String,
    #[serde(default)]
    pub short_description: String,
    /// Markdown.
    #[serde(default)]
    pub overview: String,
    #[serde(default)]
    pub outcomes: Vec<String>,
    pub effort_hours_per_week: Option<f64>,
    pub effort_weeks: Option<u32>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub license: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default = "yes")]
    pub self_paced: bool,
    #[serde(default)]
    pub sections: Vec<SectionSpec>,
    /// Assignment types, cutoffs and grace period; Pass at 50 % when absent.
    #[serde(default)]
    pub grading: Option<GradingSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingSpec {
    #[serde(default)]
    pub types: Vec<AssignmentTypeSpec>,
    /// Letter grades and their minimum share, e.g. `{ Pass = 0.6 }`.
    #[serde(default)]
    pub cutoffs: BTreeMap<String, f64>,
    #[serde(default)]
    pub grace_period_hours: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentTypeSpec {
    pub name: String,
    pub short_label: Option<String>,
    pub min_count: u32,
    #[serde(default)]
    pub drop_count: u32,
    pub weight: f64,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub title: String,
    pub release: Option<Timestamp>,
    #[serde(default)]
    pub subsections: Vec<SubsectionSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsectionSpec {
    pub title: String,
    pub release: Option<Timestamp>,
    /// Counts towards the grade, as an assignment of type `format`.
    #[serde(default)]
    pub graded: bool,
    pub format: Option<String>,
    pub due: Option<Timestamp>,
    #[serde(default)]
    pub units: Vec<UnitSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitSpec {
    pub title: String,
    #[serde(default)]
    pub blocks: Vec<BlockSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BlockSpec {
    Text {
        #[serde(default)]
        title: String,
        markdown: Option<String>,
        html: Option<String>,
    },
    /// A capa problem, with Open edX's problem settings.
    Problem {
        #[serde(default)]
        title: String,
        xml: String,
        weight: Option<f64>,
        max_attempts: Option<u32>,
        showanswer: Option<String>,
        show_correctness: Option<String>,
        #[serde(default)]
        show_reset_button: bool,
        rerandomize: Option<String>,
        due: Option<Timestamp>,
    },
    Video {
        #[serde(default)]
        title: String,
        /// Base name: `NAME.webm`, `NAME.mp4` and `NAME.jpg` are used when they exist.
        media: String,
        /// Language → subtitle file (WebVTT or SRT).
        #[serde(default)]
        transcripts: BTreeMap<String, String>,
        #[serde(default)]
        duration_secs: Option<f64>,
    },
}

/// Course settings ready to store.
#[derive(Clone, Debug)]
pub struct NewCourse {
    pub key: CourseKey,
    pub grading: GradingPolicy,
    pub title: String,
    pub short_description: String,
    pub overview_source: String,
    pub overview_html: String,
    pub outcomes: Vec<String>,
    pub language: String,
    pub license: License,
    pub effort: Option<Effort>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub published: bool,
    pub self_paced: bool,
}

/// A block ready to store, with its children in order.
#[derive(Clone, Debug)]
pub struct NewBlock {
    pub kind: String,
    pub url_name: String,
    pub title: String,
    pub release_at: Option<Timestamp>,
    pub content: String,
    pub children: Vec<NewBlock>,
}

#[derive(Clone, Debug)]
pub struct NewAsset {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct Expanded {
    pub course: NewCourse,
    pub blocks: Vec<NewBlock>,
    pub assets: Vec<NewAsset>,
}

/// Validate settings and outline. `read_media(name)` returns a media file's bytes, or
/// `None` when there is no such file.
pub fn expand(
    spec: CourseSpec,
    read_media: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<Expanded, DomainError> {
    let key = CourseKey::new(&spec.org, &spec.code, &spec.run)?;
    if spec.title.trim().is_empty() {
        return Err(DomainError::new("lyceum-error-title-empty"));
    }
    if !crate::blocks::video::is_language_code(&spec.language) {
        return Err(DomainError::new("lyceum-error-language-code").with_arg(spec.language));
    }
    let license = match &spec.license {
        None => License::default(),
        Some(id) => License::parse(id)
            .ok_or_else(|| DomainError::new("lyceum-error-license").with_arg(id.clone()))?,
    };
    if let (Some(s), Some(e)) = (spec.start, spec.end)
        && e < s
    {
        return Err(DomainError::new("lyceum-error-dates-order"));
    }
    let effort = match (spec.effort_hours_per_week, spec.effort_weeks) {
        (Some(h), Some(w)) if h.is_finite() && h > 0.0 && h <= 168.0 && w > 0 => Some(Effort {
            minutes_per_week: (h * 60.0).round() as u32,
            weeks: w,
        }),
        (None, None) => None,
        _ => return Err(DomainError::new("lyceum-error-effort")),
    };
    let grading = match spec.grading {
        None => GradingPolicy::default(),
        Some(g) => {
            let policy = GradingPolicy {
                types: g
                    .types
                    .into_iter()
                    .map(|t| AssignmentType {
                        name: t.name,
                        short_label: t.short_label,
                        min_count: t.min_count,
                        drop_count: t.drop_count,
                        weight: t.weight,
                    })
                    .collect(),
                cutoffs: {
                    let mut c: Vec<(String, f64)> = g.cutoffs.into_iter().collect();
                    c.sort_by(|a, b| b.1.total_cmp(&a.1));
                    c
                },
                grace_period_secs: g.grace_period_hours * 3600,
            };
            policy.validate()?;
            policy
        }
    };
    let course = NewCourse {
        grading,
        key,
        title: spec.title.trim().to_owned(),
        short_description: spec.short_description.trim().to_owned(),
        overview_html: markdown_to_html(&spec.overview),
        overview_source: spec.overview,
        outcomes: spec
            .outcomes
            .into_iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
        language: spec.language,
        license,
        effort,
        start: spec.start,
        end: spec.end,
        published: spec.published,
        self_paced: spec.self_paced,
    };

    let grading_types: Vec<String> = course
        .grading
        .types
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let mut assets: BTreeMap<String, NewAsset> = BTreeMap::new();
    let mut blocks = Vec::new();
    for (si, section) in spec.sections.into_iter().enumerate() {
        let s_name = format!("s{}", si + 1);
        let mut subsections = Vec::new();
        for (ssi, sub) in section.subsections.into_iter().enumerate() {
            let ss_name = format!("{s_name}-{}", ssi + 1);
            let mut units = Vec::new();
            for (ui, unit) in sub.units.into_iter().enumerate() {
                let u_name = format!("{ss_name}-{}", ui + 1);
                let mut leaves = Vec::new();
                for (bi, block) in unit.blocks.into_iter().enumerate() {
                    let b_name = format!("{u_name}-{}", bi + 1);
                    leaves.push(expand_block(block, b_name, read_media, &mut assets)?);
                }
                units.push(structure("unit", u_name, unit.title, None, leaves));
            }
            if sub.graded
                && sub
                    .format
                    .as_deref()
                    .is_none_or(|f| !grading_types.iter().any(|t| t == f))
            {
                return Err(DomainError::new("lyceum-error-grading-format")
                    .with_arg(sub.format.unwrap_or_default())
                    .with_arg(sub.title));
            }
            let mut node = structure("subsection", ss_name, sub.title, sub.release, units);
            let settings = StructureSettings {
                graded: sub.graded,
                format: sub.format,
                due: sub.due,
            };
            node.content = serde_json::to_string(&settings).unwrap_or_else(|_| "{}".to_owned());
            subsections.push(node);
        }
        blocks.push(structure(
            "section",
            s_name,
            section.title,
            section.release,
            subsections,
        ));
    }
    Ok(Expanded {
        course,
        blocks,
        assets: assets.into_values().collect(),
    })
}

/// A section, subsection or unit block (content `{}`), its title trimmed.
pub fn structure(
    kind: &str,
    url_name: String,
    title: String,
    release_at: Option<Timestamp>,
    children: Vec<NewBlock>,
) -> NewBlock {
    NewBlock {
        kind: kind.to_owned(),
        url_name,
        title: title.trim().to_owned(),
        release_at,
        content: "{}".to_owned(),
        children,
    }
}

fn expand_block(
    block: BlockSpec,
    url_name: String,
    read_media: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    assets: &mut BTreeMap<String, NewAsset>,
) -> Result<NewBlock, DomainError> {
    let (title, content) = match block {
        BlockSpec::Text {
            title,
            markdown,
            html,
        } => {
            let c = match (markdown, html) {
                (Some(md), None) => TextContent::markdown(md),
                (None, Some(h)) => TextContent::html(h),
                _ => return Err(DomainError::new("lyceum-error-text-source").with_arg(url_name)),
            };
            (title, LeafContent::Text(c))
        }
        BlockSpec::Problem {
            title,
            xml,
            weight,
            max_attempts,
            showanswer,
            show_correctness,
            show_reset_button,
            rerandomize,
            due,
        } => {
            let mut p = ProblemContent::new(xml);
            p.weight = weight;
            p.max_attempts = max_attempts;
            p.showanswer = showanswer;
            p.show_correctness = show_correctness;
            p.show_reset_button = show_reset_button;
            p.rerandomize = rerandomize;
            p.due = due;
            (title, LeafContent::Problem(p))
        }
        BlockSpec::Video {
            title,
            media,
            transcripts,
            duration_secs,
        } => {
            let mut add = |name: String, bytes: Vec<u8>| {
                assets.insert(
                    name.clone(),
                    NewAsset {
                        content_type: content_type_for(&name).to_owned(),
                        name,
                        bytes,
                    },
                );
            };
            let mut sources = Vec::new();
            for (ext, mime) in [("webm", "video/webm"), ("mp4", "video/mp4")] {
                let name = format!("{media}.{ext}");
                if let Some(bytes) = read_media(&name) {
                    add(name.clone(), bytes);
                    sources.push(VideoSource {
                        media: MediaRef::Asset(name),
                        mime: mime.to_owned(),
                    });
                }
            }
            if sources.is_empty() {
                return Err(DomainError::new("lyceum-error-media-missing").with_arg(media));
            }
            let poster_name = format!("{media}.jpg");
            let poster = read_media(&poster_name).map(|bytes| {
                add(poster_name.clone(), bytes);
                MediaRef::Asset(poster_name)
            });
            let mut tracks = Vec::new();
            for (lang, file) in transcripts {
                let bytes = read_media(&file).ok_or_else(|| {
                    DomainError::new("lyceum-error-media-missing").with_arg(file.clone())
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    DomainError::new("lyceum-error-subtitles-encoding").with_arg(file.clone())
                })?;
                let cues = subtitles::parse(&text)?;
                // Learners always get WebVTT, whatever the author supplied.
                let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
                let vtt_name = format!("{stem}.vtt");
                if !is_valid_asset_name(&vtt_name) {
                    return Err(DomainError::new("lyceum-error-media-reference").with_arg(vtt_name));
                }
                add(vtt_name.clone(), subtitles::to_vtt(&cues).into_bytes());
                tracks.push(SubtitleTrack {
                    lang,
                    media: MediaRef::Asset(vtt_name),
                    cues: cues.into_iter().map(Into::into).collect(),
                });
            }
            let video = VideoContent {
                sources,
                tracks,
                poster,
                download_video: true,
                download_tracks: true,
                duration_secs,
                youtube_id: None,
                edx_video_id: None,
                start_secs: None,
                end_secs: None,
            };
            (title, LeafContent::Video(video))
        }
    };
    let content = content.validate()?;
    Ok(NewBlock {
        kind: content.kind().to_owned(),
        url_name,
        title: title.trim().to_owned(),
        release_at: None,
        content: content.encode(),
        children: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_json() -> serde_json::Value {
        serde_json::json!({
            "org": "LEARNCO", "code": "PB101", "run": "2026", "language": "en",
            "title": "Partnership Building", "overview": "Why *partners* matter",
            "effort_hours_per_week": 1.5, "effort_weeks": 6,
            "start": "2026-09-01T00:00:00Z", "published": true,
            "sections": [{"title": "Start", "subsections": [{"title": "Welcome", "units": [
                {"title": "Hello", "blocks": [
                    {"kind": "text", "markdown": "Hi"},
                    {"kind": "video", "title": "Intro", "media": "intro", "transcripts": {"en": "intro.en.vtt", "fr": "intro.fr.srt"}}
                ]}
            ]}]}]
        })
    }

    fn media(name: &str) -> Option<Vec<u8>> {
        match name {
            "intro.webm" => Some(b"webm".to_vec()),
            "intro.en.vtt" => Some(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n".to_vec()),
            "intro.fr.srt" => Some(b"1\n00:00:00,000 --> 00:00:01,000\nBonjour\n".to_vec()),
            _ => None,
        }
    }

    #[test]
    fn expands_outline_media_and_converts_srt() {
        let spec: CourseSpec = serde_json::from_value(spec_json()).unwrap();
        let e = expand(spec, &mut media).unwrap();
        assert_eq!(e.course.key.to_string(), "course-v1:LEARNCO+PB101+2026");
        assert_eq!(
            e.course.effort,
            Some(Effort {
                minutes_per_week: 90,
                weeks: 6
            })
        );
        assert_eq!(e.course.license, License::CcBySa40);
        assert!(e.course.overview_html.contains("<em>partners</em>"));
        let unit = &e.blocks[0].children[0].children[0];
        assert_eq!(unit.url_name, "s1-1-1");
        assert_eq!(unit.children.len(), 2);
        assert_eq!(unit.children[1].kind, "video");
        let names: Vec<_> = e.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["intro.en.vtt", "intro.fr.vtt", "intro.webm"]);
        let fr = e.assets.iter().find(|a| a.name == "intro.fr.vtt").unwrap();
        assert!(String::from_utf8_lossy(&fr.bytes).starts_with("WEBVTT"));
        assert_eq!(fr.content_type, "text/vtt; charset=utf-8");
    }

    #[test]
    fn missing_media_and_bad_settings_are_errors() {
        let mut j = spec_json();
        j["sections"][0]["subsections"][0]["units"][0]["blocks"][1]["media"] = "nope".into();
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-media-missing"
        );

        let mut j = spec_json();
        j["effort_weeks"] = serde_json::Value::Null;
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-effort"
        );

        let mut j = spec_json();
        j["code"] = "PB 101".into();
        let spec: CourseSpec = serde_json::from_value(j).unwrap();
        assert_eq!(
            expand(spec, &mut media).err().unwrap().key.0,
            "lyceum-error-course-key"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut j = spec_json();
        j["colour"] = "red".into();
        assert!(serde_json::from_value::<CourseSpec>(j).is_err());
    }
}
