//! Text blocks: the author's sanitised HTML, with links to course files resolved.

use super::{BlockCtx, BlockState, WebKind};
use crate::page::Html;
use askama::Template;
use lyceum_core::blocks::text::Text;

pub struct TextBlock;

impl WebKind for TextBlock {
    fn kind(&self) -> &'static str {
        <Text as lyceum_core::blocks::BlockKind>::KIND
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, _: &BlockState) -> askama::Result<String> {
        let node = ctx.course.tree().node(idx);
        let Some(t) = node.content_of::<Text>() else {
            return Ok(String::new());
        };
        TextView {
            id: node.id.0,
            title: &node.title,
            html: ctx.course.author_html(ctx.p, &t.html),
        }
        .render()
    }
}

#[derive(Template)]
#[template(path = "blocks/text.html")]
struct TextView<'a> {
    id: i64,
    title: &'a str,
    html: Html,
}
