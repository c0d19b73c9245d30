//! Discussion blocks: a place in a unit where learners discuss it (Open edX's inline
//! `discussion` block). Its identifiers are kept so export and a later forum keep the
//! topic; until the forum exists, the block shows where the conversation happens.

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscussionContent {
    /// Open edX's `discussion_id`: the topic's stable id.
    #[serde(default)]
    pub discussion_id: String,
    /// Grouping shown in the forum (`discussion_category`).
    #[serde(default)]
    pub category: String,
    /// The topic's name (`discussion_target`).
    #[serde(default)]
    pub target: String,
}

pub struct Discussion;

impl BlockKind for Discussion {
    const KIND: &'static str = "discussion";
    type Content = DiscussionContent;

    fn validate(c: DiscussionContent) -> Result<DiscussionContent, DomainError> {
        let too_long = [&c.discussion_id, &c.category, &c.target]
            .iter()
            .any(|s| s.len() > 1000);
        if too_long {
            return Err(DomainError::new("lyceum-error-block-content").with_arg("discussion"));
        }
        Ok(c)
    }

    fn completion(_: &DiscussionContent) -> Option<CompletionRule> {
        None
    }

    /// A topic with no name yet: the unit's title names it.
    fn blank() -> Option<serde_json::Value> {
        Some(serde_json::json!({}))
    }
}
