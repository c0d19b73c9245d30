//! Block kinds are Lyceum's extension point: each kind is one module here that says what
//! its content is, how it is validated on save, and what completion means for it. The
//! rest of the system dispatches through [`LeafContent`] and never matches on kinds itself.

pub mod discussion;
pub mod olx;
pub mod open_response;
pub mod problem;
pub mod survey;
pub mod text;
pub mod video;

use crate::error::DomainError;
use serde::{Serialize, de::DeserializeOwned};

pub use discussion::DiscussionContent;
pub use olx::OlxContent;
pub use open_response::OpenResponseContent;
pub use problem::{GradingMethod, ProblemContent};
pub use survey::SurveyContent;
pub use text::{TextContent, TextFormat};
pub use video::{MediaRef, SubtitleTrack, VideoContent, VideoSource};

/// What makes a block count as done for a learner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CompletionRule {
    /// Done once the learner has seen the unit that holds it.
    OnView,
    /// Done once this share (0..=1) of the media has been played.
    Watched(f64),
    /// Done once the learner has submitted an answer (right or wrong).
    Submitted,
}

/// The contract every leaf block kind implements.
pub trait BlockKind {
    /// The value stored in `blocks.kind` and used in OLX-like names.
    const KIND: &'static str;
    type Content: Serialize + DeserializeOwned + Clone;

    /// Normalise and check content before it is stored (sanitising author HTML,
    /// converting subtitles). Runs on every save, never on read.
    fn validate(content: Self::Content) -> Result<Self::Content, DomainError>;

    /// `None`: the block does not count towards completion.
    fn completion(content: &Self::Content) -> Option<CompletionRule>;
}

/// Content of a leaf block of any kind, as stored and cached.
#[derive(Clone, Debug)]
pub enum LeafContent {
    Text(TextContent),
    Video(VideoContent),
    Problem(ProblemContent),
    Discussion(DiscussionContent),
    OpenResponse(OpenResponseContent),
    Survey(SurveyContent),
    /// Kept from an Open edX course: raw OLX that Lyceum cannot run.
    Olx(OlxContent),
    /// A kind this build does not know (written by a newer version, or imported): kept
    /// verbatim so nothing is lost, shown to learners as "not supported here yet".
    Unknown {
        kind: String,
        raw: String,
    },
}

macro_rules! dispatch_kinds {
    ($($variant:ident => $kind:ty),* $(,)?) => {
        impl LeafContent {
            /// Decode stored content. Undecodable content of a known kind is an error (the
            /// caller decides whether to show an error block); unknown kinds are kept.
            pub fn decode(kind: &str, json: &str) -> Result<LeafContent, DomainError> {
                match kind {
                    $(<$kind as BlockKind>::KIND => serde_json::from_str(json)
                        .map(LeafContent::$variant)
                        .map_err(|e| DomainError::new("lyceum-error-block-content").with_arg(e.to_string())),)*
                    _ => Ok(LeafContent::Unknown { kind: kind.to_owned(), raw: json.to_owned() }),
                }
            }

            /// Validate (and normalise) content for storage.
            pub fn validate(self) -> Result<LeafContent, DomainError> {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::validate(c).map(LeafContent::$variant),)*
                    unknown @ LeafContent::Unknown { .. } => Ok(unknown),
                }
            }

            pub fn kind(&self) -> &str {
                match self {
                    $(LeafContent::$variant(_) => <$kind as BlockKind>::KIND,)*
                    LeafContent::Unknown { kind, .. } => kind,
                }
            }

            pub fn encode(&self) -> String {
                match self {
                    // Serialising these plain data structs cannot fail.
                    $(LeafContent::$variant(c) => serde_json::to_string(c).unwrap_or_default(),)*
                    LeafContent::Unknown { raw, .. } => raw.clone(),
                }
            }

            /// `None`: the block does not count towards completion.
            pub fn completion(&self) -> Option<CompletionRule> {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::completion(c),)*
                    LeafContent::Unknown { .. } => None,
                }
            }
        }
    };
}

/// How a scored block counts in the grade: its raw points possible now and its weight
/// (`None` = its raw points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scoring {
    pub raw_possible: f64,
    pub weight: Option<f64>,
}

impl LeafContent {
    /// `Some` for blocks that count in the grade (problems this platform can score, open
    /// responses); their scores live in one table, so grades treat them alike.
    pub fn scoring(&self) -> Option<Scoring> {
        match self {
            LeafContent::Problem(p) => {
                let parsed = p.parsed.as_ref()?;
                parsed.unsupported.is_none().then(|| Scoring {
                    raw_possible: p.possible().0,
                    weight: p.weight,
                })
            }
            LeafContent::OpenResponse(o) => Some(Scoring {
                raw_possible: o.possible().0,
                weight: o.weight,
            }),
            LeafContent::Survey(c) => survey::Survey::scoring(c),
            _ => None,
        }
    }

    /// Make decoded content ready to use: a problem is parsed once, with its block's
    /// url_name (its inputs are named after it).
    pub fn prepare(self, url_name: &str) -> Result<LeafContent, DomainError> {
        match self {
            LeafContent::Problem(mut p) => {
                p.parse(url_name)?;
                Ok(LeafContent::Problem(p))
            }
            other => Ok(other),
        }
    }
}

dispatch_kinds! {
    Text => text::Text,
    Video => video::Video,
    Problem => problem::ProblemKind,
    Discussion => discussion::Discussion,
    Olx => olx::Olx,
    OpenResponse => open_response::OpenResponse,
    Survey => survey::Survey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kinds_round_trip_verbatim() {
        let raw = r#"{"xml":"<poll/>"}"#;
        let c = LeafContent::decode("poll", raw).unwrap();
        assert_eq!(c.kind(), "poll");
        assert_eq!(c.encode(), raw);
        assert_eq!(c.completion(), None);
    }

    #[test]
    fn bad_content_of_a_known_kind_is_an_error() {
        let err = LeafContent::decode("text", "[1,2]").unwrap_err();
        assert_eq!(err.key.0, "lyceum-error-block-content");
    }

    #[test]
    fn text_round_trips() {
        let c = LeafContent::Text(TextContent::markdown("Hello *world*"))
            .validate()
            .unwrap();
        let back = LeafContent::decode("text", &c.encode()).unwrap();
        match back {
            LeafContent::Text(t) => assert_eq!(t.html, "<p>Hello <em>world</em></p>\n"),
            other => panic!("{other:?}"),
        }
    }
}
