//! Discussion blocks: where the unit's conversation will be (a card for now).

use super::{BlockCtx, BlockState, WebKind};
use crate::page::Page;
use askama::Template;
use lyceum_core::blocks::DiscussionContent;
use lyceum_core::blocks::discussion::Discussion;

pub struct DiscussionBlock;

impl WebKind for DiscussionBlock {
    fn kind(&self) -> &'static str {
        <Discussion as lyceum_core::blocks::BlockKind>::KIND
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, _: &BlockState) -> askama::Result<String> {
        let (p, course) = (ctx.p, ctx.course);
        let node = course.tree().node(idx);
        let Some(d) = node.content_of::<Discussion>() else {
            return Ok(String::new());
        };
        DiscussionView {
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

fn discussion_staff_id(d: &DiscussionContent, staff: bool) -> Option<&str> {
    (staff && !d.discussion_id.is_empty()).then_some(d.discussion_id.as_str())
}
