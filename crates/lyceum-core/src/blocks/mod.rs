//! Block kinds are Lyceum's extension point: each kind is one module here that says what
//! its content is, how it is validated on save, what completes it, how it scores and when
//! it is due ([`BlockKind`]), registered by one line in the `kinds!` list below. The rest
//! of the system dispatches through [`LeafContent`] and reaches a kind's content through
//! its [`Registered`] accessor; nothing else matches on the list of kinds.

pub mod discussion;
pub mod olx;
pub mod open_response;
pub mod problem;
pub mod survey;
pub mod text;
pub mod video;
pub mod wiki_task;

use crate::error::DomainError;
use crate::translation::Field;
use jiff::Timestamp;
use serde::{Serialize, de::DeserializeOwned};

pub use discussion::DiscussionContent;
pub use olx::OlxContent;
pub use open_response::OpenResponseContent;
pub use problem::{GradingMethod, ProblemContent};
pub use text::{TextContent, TextFormat};
pub use video::{MediaRef, SubtitleTrack, VideoContent, VideoSource};
pub use wiki_task::WikiTaskContent;

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

/// The contract every leaf block kind implements: what its content is, how it is checked
/// on save, what completes it, how it counts in the grade and when it is due. Everything
/// else a kind brings lives beside it in the crates that care (its OLX mapping in
/// `lyceum-olx/src/kinds/`, its views, actions and staff tools in `lyceum-web/src/kinds/`,
/// its use cases in `lyceum-app`), each registered by one line in that crate's registry.
pub trait BlockKind {
    /// The value stored in `blocks.kind` and used in OLX-like names.
    const KIND: &'static str;
    type Content: Serialize + DeserializeOwned + Clone + std::fmt::Debug;

    /// Normalise and check content before it is stored (sanitising author HTML,
    /// converting subtitles). Runs on every save, never on read.
    fn validate(content: Self::Content) -> Result<Self::Content, DomainError>;

    /// `None`: the block does not count towards completion.
    fn completion(content: &Self::Content) -> Option<CompletionRule>;

    /// `Some` for blocks that count in the grade; their scores live in one table, so
    /// grades treat every scored kind alike.
    fn scoring(_content: &Self::Content) -> Option<Scoring> {
        None
    }

    /// Whether due dates apply to this block (its own or its subsection's): work a
    /// learner hands in, listed among their deadlines.
    fn takes_due_date(_content: &Self::Content) -> bool {
        false
    }

    /// The block's own due date, if it has one (else its subsection's applies).
    fn due(_content: &Self::Content) -> Option<Timestamp> {
        None
    }

    /// Make decoded content ready to use (a problem is parsed once, with its block's
    /// url_name, which its inputs are named after).
    fn prepare(content: Self::Content, _url_name: &str) -> Result<Self::Content, DomainError> {
        Ok(content)
    }

    /// What an author sends for this kind — the authoring API's `content`, what a kind's
    /// editor form produces — as content, before `validate`. By default the stored shape.
    fn from_authoring(value: serde_json::Value) -> Result<Self::Content, DomainError> {
        serde_json::from_value(value)
            .map_err(|e| DomainError::new("lyceum-error-block-content").with_arg(e.to_string()))
    }

    /// What a new block of this kind holds before its author writes anything, if the
    /// kind can be empty (a problem cannot: it needs its question).
    fn blank() -> Option<serde_json::Value> {
        None
    }

    /// The content as an author edits it: the draft API's `content`, which
    /// `from_authoring` takes back unchanged.
    fn to_authoring(content: &Self::Content) -> serde_json::Value {
        serde_json::to_value(content).unwrap_or_default()
    }

    /// The block's translatable text, field by field, in reading order (see
    /// [`crate::translation`]). `visit` gets each piece with its field and may change it,
    /// so one walk both lists a block's segments and translates a copy of it. Machine
    /// values — a choice's name, the answers checked against, a file's address — are
    /// never visited. By default a kind has no translatable text.
    fn translatable(_content: &mut Self::Content, _visit: &mut dyn FnMut(Field<'_>, &mut String)) {}

    /// [`translatable`](Self::translatable) told the languages of the walk, for a kind
    /// whose content holds text in several languages (a video's subtitle tracks): which
    /// of them is the source (the course's language), and, on a copy being translated,
    /// where its translations go. It must visit the same fields whatever the target, so
    /// a copy's walk lines up with the one that listed the segments. By default
    /// `translatable`.
    fn translatable_in(
        content: &mut Self::Content,
        _langs: Languages<'_>,
        visit: &mut dyn FnMut(Field<'_>, &mut String),
    ) {
        Self::translatable(content, visit)
    }
}

/// The languages of a walk of a block's translatable text (issue 17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Languages<'a> {
    /// The course's own language.
    pub source: &'a str,
    /// The language of the copy being translated; `None` while listing the segments.
    pub target: Option<&'a str>,
}

/// How code outside a kind's module reaches its content: `ProblemKind::of(&leaf)`, never
/// by naming the [`LeafContent`] variant. Implemented for every registered kind.
pub trait Registered: BlockKind + Sized {
    fn of(leaf: &LeafContent) -> Option<&Self::Content>;
    fn into_leaf(content: Self::Content) -> LeafContent;
}

/// How a scored block counts in the grade: its raw points possible now and its weight
/// (`None` = its raw points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scoring {
    pub raw_possible: f64,
    pub weight: Option<f64>,
}

/// The registry: one line per kind. It defines [`LeafContent`] (the content of a leaf
/// block of any kind, as stored and cached), its dispatch to each kind's [`BlockKind`]
/// methods, and each kind's [`Registered`] accessor.
macro_rules! kinds {
    ($($variant:ident => $kind:ty),* $(,)?) => {
        /// Content of a leaf block of any kind, as stored and cached.
        #[derive(Clone, Debug)]
        pub enum LeafContent {
            $($variant(<$kind as BlockKind>::Content),)*
            /// A kind this build does not know (written by a newer version, or imported):
            /// kept verbatim so nothing is lost, shown to learners as "not supported here yet".
            Unknown {
                kind: String,
                raw: String,
            },
        }

        $(impl Registered for $kind {
            fn of(leaf: &LeafContent) -> Option<&Self::Content> {
                match leaf {
                    LeafContent::$variant(c) => Some(c),
                    _ => None,
                }
            }

            fn into_leaf(content: Self::Content) -> LeafContent {
                LeafContent::$variant(content)
            }
        })*

        impl LeafContent {
            /// The kinds this build knows, by stored name.
            pub const KINDS: &'static [&'static str] = &[$(<$kind as BlockKind>::KIND),*];

            /// An author's content for a block of `kind` (see `BlockKind::from_authoring`),
            /// validated. A kind this build does not know cannot be authored.
            pub fn from_authoring(kind: &str, value: serde_json::Value) -> Result<LeafContent, DomainError> {
                match kind {
                    $(<$kind as BlockKind>::KIND => <$kind as BlockKind>::from_authoring(value)
                        .and_then(<$kind as BlockKind>::validate)
                        .map(LeafContent::$variant),)*
                    _ => Err(DomainError::new("lyceum-error-block-kind-unknown").with_arg(kind.to_owned())),
                }
            }

            /// A new block's authoring content when its author gave none (see `BlockKind::blank`).
            pub fn blank(kind: &str) -> Option<serde_json::Value> {
                match kind {
                    $(<$kind as BlockKind>::KIND => <$kind as BlockKind>::blank(),)*
                    _ => None,
                }
            }

            /// The content as its author edits it (see `BlockKind::to_authoring`); content of
            /// a kind this build does not know is given as stored.
            pub fn to_authoring(&self) -> serde_json::Value {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::to_authoring(c),)*
                    LeafContent::Unknown { raw, .. } => serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.clone())),
                }
            }

            /// The block's translatable text (see `BlockKind::translatable`); a kind this
            /// build does not know has none.
            pub fn translatable(&mut self, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::translatable(c, visit),)*
                    LeafContent::Unknown { .. } => {}
                }
            }

            /// The block's translatable text in a walk in `langs` (see
            /// `BlockKind::translatable_in`).
            pub fn translatable_in(&mut self, langs: Languages<'_>, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::translatable_in(c, langs, visit),)*
                    LeafContent::Unknown { .. } => {}
                }
            }

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

            /// The kind's name as this build registers it; `None` for a kind it does not know.
            pub fn registered_kind(&self) -> Option<&'static str> {
                match self {
                    $(LeafContent::$variant(_) => Some(<$kind as BlockKind>::KIND),)*
                    LeafContent::Unknown { .. } => None,
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

            /// `Some` for blocks that count in the grade.
            pub fn scoring(&self) -> Option<Scoring> {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::scoring(c),)*
                    LeafContent::Unknown { .. } => None,
                }
            }

            /// Whether due dates apply to this block.
            pub fn takes_due_date(&self) -> bool {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::takes_due_date(c),)*
                    LeafContent::Unknown { .. } => false,
                }
            }

            /// The block's own due date.
            pub fn due(&self) -> Option<Timestamp> {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::due(c),)*
                    LeafContent::Unknown { .. } => None,
                }
            }

            /// Make decoded content ready to use.
            pub fn prepare(self, url_name: &str) -> Result<LeafContent, DomainError> {
                match self {
                    $(LeafContent::$variant(c) => <$kind as BlockKind>::prepare(c, url_name).map(LeafContent::$variant),)*
                    unknown @ LeafContent::Unknown { .. } => Ok(unknown),
                }
            }
        }
    };
}

kinds! {
    Text => text::Text,
    Video => video::Video,
    Problem => problem::ProblemKind,
    Discussion => discussion::Discussion,
    Olx => olx::Olx,
    OpenResponse => open_response::OpenResponse,
    Survey => survey::Survey,
    WikiTask => wiki_task::WikiTask,
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
