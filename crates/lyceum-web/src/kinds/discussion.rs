//! Discussion blocks: a unit's discussion topic, inline (issue 15): its latest threads,
//! an "ask a question" form and a link to the whole topic on the Discussion tab. Members
//! of the course see it; others see where the conversation is.

use super::{
    AddEntry, BlockCtx, BlockState, EditorCtx, EditorForm, FieldError, FieldErrors, WebKind,
};
use crate::page::Page;
use askama::Template;
use lyceum_core::blocks::DiscussionContent;
use lyceum_core::blocks::discussion::Discussion;
use serde_json::Value;

/// The topic's latest threads, read with the unit (one statement per discussion block).
pub struct TopicState {
    pub threads: Vec<lyceum_app::discussions::ThreadSummary>,
}

/// Threads shown inline.
const LATEST: usize = 5;

pub struct DiscussionBlock;

impl WebKind for DiscussionBlock {
    fn kind(&self) -> &'static str {
        <Discussion as lyceum_core::blocks::BlockKind>::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-discussion"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        let (p, course) = (ctx.p, ctx.course);
        let node = course.tree().node(idx);
        let Some(d) = node.content_of::<Discussion>() else {
            return Ok(String::new());
        };
        let key = lyceum_app::discussions::unit_topic_key(d, &node.url_name);
        let topic_url = format!(
            "{}?topic={}",
            course.url("discussion"),
            crate::handlers::discussions::enc(&key)
        );
        let threads: Vec<(String, String, i64, bool)> = state
            .own::<TopicState>()
            .map(|s| {
                s.threads
                    .iter()
                    .take(LATEST)
                    .map(|t| {
                        (
                            t.title.clone(),
                            course.url(&format!("discussion/threads/{}", t.id)),
                            t.reply_count,
                            t.answered,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        DiscussionView {
            member: state.own::<TopicState>().is_some(),
            threads,
            topic_key: key,
            topic_url,
            ask_url: course.url("discussion/new"),
            discussion_url: course.url("discussion"),
            p,
            id: node.id.0,
            title: &node.title,
            content_lang: &course.row.language,
            content_dir: crate::handlers::catalog::content_dir(&course.row.language),
            category: d.category.trim(),
            target: d.target.trim(),
            staff_id: discussion_staff_id(d, ctx.staff),
        }
        .render()
    }

    fn unit_state<'a>(
        &'a self,
        cx: &'a crate::page::Cx,
        course: &'a crate::courses::CourseCx,
        _user: lyceum_core::UserId,
        unit: usize,
    ) -> super::BoxFuture<'a, crate::error::AppResult<Vec<(lyceum_core::BlockId, super::Own)>>>
    {
        Box::pin(async move {
            let tree = course.tree();
            let h = crate::api::discussions::here(cx, course);
            let env = cx.app.env();
            let mut out: Vec<(lyceum_core::BlockId, super::Own)> = Vec::new();
            for &i in tree.children(unit) {
                let node = tree.node(i);
                let Some(d) = node.content_of::<Discussion>() else {
                    continue;
                };
                let key = lyceum_app::discussions::unit_topic_key(d, &node.url_name);
                let list = lyceum_app::discussions::threads(
                    &env,
                    &h,
                    &lyceum_app::discussions::ListQuery {
                        topic: Some(&key),
                        words: "",
                        filter: lyceum_app::discussions::Filter::All,
                        sort: lyceum_app::discussions::Sort::Recent,
                        page: 1,
                    },
                )
                .await;
                match list {
                    Ok(l) => out.push((node.id, Box::new(TopicState { threads: l.threads }))),
                    // Not a member of the discussions (a site moderator reading): no inline topic.
                    Err(e) if e.kind == lyceum_app::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(out)
        })
    }

    fn add_entries(&self) -> &'static [AddEntry] {
        &[AddEntry {
            variant: "",
            label_key: "lyceum-editor-add-discussion",
            icon: "SpeechBubbles",
        }]
    }

    fn editor_fields(&self, content: &Value) -> EditorForm {
        let mut f = EditorForm::default();
        for k in ["target", "category"] {
            f.set(k, content.get(k).and_then(Value::as_str).unwrap_or(""));
        }
        f
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        DiscussionEditor {
            cx,
            target: form.get("target"),
            category: form.get("category"),
        }
        .render()
    }

    /// The topic's name and category; its id stays (a forum keys its posts on it).
    fn read_editor(&self, form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
        let mut out = old.clone();
        if !out.is_object() {
            out = serde_json::json!({});
        }
        let mut errors = Vec::new();
        for k in ["target", "category"] {
            match lyceum_core::limits::clean(form.get(k), lyceum_core::limits::TITLE) {
                Ok(v) => out[k] = Value::String(v.trim().to_owned()),
                Err(e) => errors.push(FieldError::at(k, e, None)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "editors/kinds/discussion.html")]
struct DiscussionEditor<'a> {
    cx: &'a EditorCtx<'a>,
    target: &'a str,
    category: &'a str,
}

#[derive(Template)]
#[template(path = "blocks/discussion.html")]
struct DiscussionView<'a> {
    p: &'a Page,
    /// The viewer may read and post (the topic's threads were read for them).
    member: bool,
    /// Title, link, replies, answered.
    threads: Vec<(String, String, i64, bool)>,
    topic_key: String,
    topic_url: String,
    ask_url: String,
    discussion_url: String,
    id: i64,
    title: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    category: &'a str,
    target: &'a str,
    staff_id: Option<&'a str>,
}

fn discussion_staff_id(d: &DiscussionContent, staff: bool) -> Option<&str> {
    (staff && !d.discussion_id.is_empty()).then_some(d.discussion_id.as_str())
}
