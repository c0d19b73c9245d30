//! Block kinds on the web, as plug-ins. Each kind is one module here implementing
//! [`WebKind`]: its learner view (one template under `templates/blocks/`), the learner
//! state its view needs on a unit page, its routes and its staff tools. It is registered
//! by one line in [`KINDS`]; the router, the unit page and the instructor navigation ask
//! this registry and never name a kind. This is the only file of the web crate that
//! lists the kinds.
//!
//! A kind's routes ([`WebKind::routes`]) are merged into the site's router here, written
//! out in full so that a URL can be found with grep. They follow one family per kind,
//! named by its path segment (`problem`/`problems`, `open-response`/`open-responses`,
//! `survey`/`surveys`, `wiki-task`/`wiki-tasks`):
//! - pages that act on one block: `/courses/{key}/{segment}/{block}…`;
//! - the JSON API on one block: `/api/v1/{segments}/{block_id}…`, and the course team's
//!   course-wide calls: `/api/v1/courses/{course_id}/{segments}…`;
//! - staff pages under `/courses/{key}/instructor/{segments}…`, with their entries in the
//!   instructor navigation ([`WebKind::staff_tools`]).
//!
//! A kind's handlers are ordinary axum handlers taking the same extractors as every page.

mod discussion;
mod kept;
pub(crate) mod open_response;
pub(crate) mod problem;
mod survey;
mod text;
mod video;
pub(crate) mod wiki_task;

use crate::courses::CourseCx;
use crate::error::AppResult;
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use lyceum_core::{BlockId, UserId};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// The registry: one line per kind.
static KINDS: &[&dyn WebKind] = &[
    &text::TextBlock,
    &video::VideoBlock,
    &problem::ProblemBlock,
    &discussion::DiscussionBlock,
    &kept::KeptBlock,
    &open_response::OpenResponseBlock,
    &survey::SurveyBlock,
    &wiki_task::WikiTaskBlock,
];

/// A kind's own learner state or overlay, which only that kind reads.
pub type Own = Box<dyn Any + Send + Sync>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a kind brings to the web.
pub trait WebKind: Sync {
    /// Its `BlockKind::KIND`.
    fn kind(&self) -> &'static str;

    /// The learner view of block `idx` (a leaf of this kind).
    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String>;

    /// This kind's learner state for its blocks in unit `unit`, read in one go; asked
    /// only when the unit holds a block of this kind and the viewer's work is kept.
    fn unit_state<'a>(
        &'a self,
        _cx: &'a Cx,
        _course: &'a CourseCx,
        _user: UserId,
        _unit: usize,
    ) -> BoxFuture<'a, AppResult<Vec<(BlockId, Own)>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Its pages, API calls and staff pages, with full paths in the kind's family.
    fn routes(&self) -> Router<App> {
        Router::new()
    }

    /// Routes whose bodies are files (already compressed, or byte ranges): served
    /// without the compression layer.
    fn file_routes(&self) -> Router<App> {
        Router::new()
    }

    /// Its course-wide tools in the instructor navigation.
    fn staff_tools(&self) -> &'static [StaffTool] {
        &[]
    }

    /// A notice for the course team at the top of the course outline (work waiting for
    /// them in blocks of this kind), if there is one.
    fn outline_notice<'a>(
        &'a self,
        _cx: &'a Cx,
        _course: &'a CourseCx,
    ) -> BoxFuture<'a, AppResult<Option<Html>>> {
        Box::pin(async { Ok(None) })
    }

    /// The message that introduces a due date of this kind on the Dates page, if due
    /// dates apply to it.
    fn due_label(&self) -> Option<&'static str> {
        None
    }

    // --- The editor side (the Studio's block editor, `crate::editors`) ---

    /// The message naming this kind in the editors ("Text", "Problem"…).
    fn name_key(&self) -> &'static str;

    /// Entries of the unit editor's "Add a block" menu: one per way to start a block of
    /// this kind (a problem per problem type). None: not added from the menu.
    fn add_entries(&self) -> &'static [AddEntry] {
        &[]
    }

    /// The authoring content a block added from the menu entry `variant` starts with,
    /// with any words in the author's language; `None` when there is none.
    fn new_content(&self, _p: &Page, _variant: &str) -> Option<serde_json::Value> {
        lyceum_core::blocks::LeafContent::blank(self.kind())
    }

    /// Whether the editor may change the block (kept Open edX content is read-only).
    fn editable(&self) -> bool {
        true
    }

    /// The editor's fields for a block's authoring content (see
    /// `lyceum_app::authoring::authoring_content`). By default the content itself, as
    /// JSON, in one field.
    fn editor_fields(&self, content: &serde_json::Value) -> EditorForm {
        let mut f = EditorForm::default();
        f.set(
            "content",
            &serde_json::to_string_pretty(content).unwrap_or_default(),
        );
        f
    }

    /// The kind's edit form fields (inside the block editor's form), from field values:
    /// the stored content's or what the author sent.
    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        JsonEditor {
            cx,
            content: form.get("content"),
        }
        .render()
    }

    /// The kind's authoring content from its editor's fields; `old` is the content the
    /// editor was opened with (fields the form does not show are kept from it).
    fn read_editor(
        &self,
        form: &EditorForm,
        _old: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldErrors> {
        serde_json::from_str(form.get("content")).map_err(|e| {
            vec![FieldError::at(
                "content",
                lyceum_core::DomainError::new("lyceum-editor-json").with_arg(e.to_string()),
                Some(e.line() as u32),
            )]
        })
    }

    /// A step of the editor that is not a save (the problem editor's "Edit as OLX"): the
    /// fields to show next, and anything to say about them.
    fn editor_step(&self, _p: &Page, form: EditorForm, _action: &str) -> (EditorForm, FieldErrors) {
        (form, Vec::new())
    }

    /// The content as text, line by line, for the side-by-side comparison when two
    /// authors saved the same block (Markdown for text, OLX for a problem).
    fn editor_text(&self, content: &serde_json::Value) -> String {
        serde_json::to_string_pretty(content).unwrap_or_default()
    }

    /// Whether the editor saves by itself every half minute with script (long texts).
    fn autosaves(&self) -> bool {
        false
    }
}

/// An entry of the "Add a block" menu.
pub struct AddEntry {
    /// Passed back to [`WebKind::new_content`].
    pub variant: &'static str,
    pub label_key: &'static str,
    pub icon: &'static str,
}

/// The fields of a kind's editor form, in order, as posted or as the kind fills them.
#[derive(Clone, Debug, Default)]
pub struct EditorForm {
    pairs: Vec<(String, String)>,
}

impl EditorForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> EditorForm {
        EditorForm { pairs }
    }

    /// Each field's first value, by name.
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (k, v) in &self.pairs {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
        out
    }

    /// The field's (first) value; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// A checkbox: present and not "off".
    pub fn checked(&self, name: &str) -> bool {
        self.has(name) && self.get(name) != "off"
    }

    /// Set a field (replacing every value it had).
    pub fn set(&mut self, name: &str, value: &str) {
        self.pairs.retain(|(k, _)| k != name);
        self.pairs.push((name.to_owned(), value.to_owned()));
    }

    pub fn remove(&mut self, name: &str) {
        self.pairs.retain(|(k, _)| k != name);
    }
}

/// A fault in an editor's field (`""`: the form as a whole), at a line of its text when
/// it has one.
#[derive(Clone, Debug)]
pub struct FieldError {
    pub field: String,
    pub error: lyceum_core::DomainError,
    pub line: Option<u32>,
}

impl FieldError {
    pub fn at(field: &str, error: lyceum_core::DomainError, line: Option<u32>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            error,
            line,
        }
    }
}

pub type FieldErrors = Vec<FieldError>;

/// What a kind's editor is shown with.
pub struct EditorCtx<'a> {
    pub p: &'a Page,
    /// The course's content language and its direction, for fields authors write in.
    pub lang: &'a str,
    pub dir: &'static str,
    pub errors: &'a [FieldError],
    /// Learners who have work on this block (answers, responses).
    pub learners: i64,
}

impl EditorCtx<'_> {
    /// The message for a fault in `field`, if there is one.
    pub fn error(&self, field: &str) -> Option<Html> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| message(self.p, &e.error))
    }

    /// The line of a fault in `field`, if it has one.
    pub fn error_line(&self, field: &str) -> Option<u32> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .and_then(|e| e.line)
    }
}

/// A domain error's message in the page's language.
pub fn message(p: &Page, e: &lyceum_core::DomainError) -> Html {
    let args: Vec<crate::page::Piece> =
        crate::page::message_args(&p.app, &p.lang, e.key.0, &e.args)
            .into_iter()
            .map(crate::page::Piece::Arg)
            .collect();
    p.tn(e.key.0, &args)
}

/// The editor of kinds without a form of their own: their authoring content as JSON.
#[derive(Template)]
#[template(path = "editors/kinds/json.html")]
struct JsonEditor<'a> {
    cx: &'a EditorCtx<'a>,
    content: &'a str,
}

/// The message naming kind `name` in the editors.
pub fn name_key(name: &str) -> &'static str {
    kind_named(name).map_or("lyceum-editor-kind-olx", |k| k.name_key())
}

/// The kind registered as `name`, for the editor.
pub fn editor_kind(name: &str) -> Option<&'static dyn WebKind> {
    kind_named(name)
}

/// Every kind's "Add a block" entries, in registry order, with the kind's name.
pub fn add_entries() -> impl Iterator<Item = (&'static str, &'static AddEntry)> {
    KINDS
        .iter()
        .flat_map(|k| k.add_entries().iter().map(move |e| (k.kind(), e)))
}

/// An entry of the instructor navigation: `/courses/{key}/instructor/{path}`.
pub struct StaffTool {
    pub path: &'static str,
    pub label_key: &'static str,
}

/// What every block on a unit page shares.
pub struct BlockCtx<'a> {
    pub p: &'a Page,
    pub course: &'a CourseCx,
    /// The viewer's work is kept (enrolled, or on the course team).
    pub tracking: bool,
    pub staff: bool,
    pub now: jiff::Timestamp,
    /// What a refused post left to show again, for one block.
    pub overlay: Option<&'a Overlay>,
    /// The editor's preview of the draft: answering a problem checks it without storing.
    pub preview: bool,
}

impl BlockCtx<'_> {
    /// The overlay for `block`, if it is of the kind's type `T`.
    pub fn overlay_for<T: 'static>(&self, block: BlockId) -> Option<&T> {
        self.overlay
            .filter(|o| o.block == block)
            .and_then(|o| o.data.downcast_ref())
    }
}

/// What a refused post (answers that could not be graded, a response too long) leaves for
/// the unit page to show again, in the kind's own type.
pub struct Overlay {
    pub block: BlockId,
    pub data: Own,
}

impl Overlay {
    pub fn new<T: Any + Send + Sync>(block: BlockId, data: T) -> Overlay {
        Overlay {
            block,
            data: Box::new(data),
        }
    }
}

/// What the unit page knows about the learner and one block.
#[derive(Default)]
pub struct BlockState {
    pub complete: bool,
    /// Where the learner stopped in the block's media, seconds.
    pub position: f64,
    /// The kind's own state ([`WebKind::unit_state`]).
    pub own: Option<Own>,
}

impl BlockState {
    pub fn own<T: 'static>(&self) -> Option<&T> {
        self.own.as_ref().and_then(|o| o.downcast_ref())
    }
}

fn kind_named(name: &str) -> Option<&'static dyn WebKind> {
    KINDS.iter().copied().find(|k| k.kind() == name)
}

/// The kinds' own learner state for the blocks of unit `unit`: one read per kind present.
pub async fn unit_states(
    cx: &Cx,
    course: &CourseCx,
    user: UserId,
    unit: usize,
) -> AppResult<HashMap<BlockId, Own>> {
    let tree = course.tree();
    let mut present: Vec<&'static dyn WebKind> = Vec::new();
    for &leaf in tree.children(unit) {
        if let Some(Ok(content)) = &tree.node(leaf).content
            && let Some(k) = kind_named(content.kind())
            && !present.iter().any(|p| p.kind() == k.kind())
        {
            present.push(k);
        }
    }
    let mut out = HashMap::new();
    for k in present {
        out.extend(k.unit_state(cx, course, user, unit).await?);
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "blocks/unsupported.html")]
struct UnsupportedView<'a> {
    p: &'a Page,
    id: i64,
    kind: &'a str,
    broken: bool,
    staff: bool,
}

/// The learner view of leaf `idx`. A kind this build does not know, or content that no
/// longer decodes, shows a clear notice instead of breaking the page (staff also see
/// what it was).
pub fn render(ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> Html {
    let node = ctx.course.tree().node(idx);
    let id = node.id.0;
    let unsupported = |kind: &str, broken: bool| {
        UnsupportedView {
            p: ctx.p,
            id,
            kind,
            broken,
            staff: ctx.staff,
        }
        .render()
    };
    let out = match &node.content {
        Some(Ok(content)) => match kind_named(content.kind()) {
            Some(k) => k.render(ctx, idx, state),
            None => unsupported(content.kind(), false),
        },
        Some(Err(_)) | None => unsupported("", true),
    };
    match out {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(block = id, error = %e, "rendering a block failed");
            Html(String::new())
        }
    }
}

/// Every kind's routes.
pub fn routes() -> Router<App> {
    KINDS.iter().fold(Router::new(), |r, k| r.merge(k.routes()))
}

/// Every kind's file routes (served without compression).
pub fn file_routes() -> Router<App> {
    KINDS
        .iter()
        .fold(Router::new(), |r, k| r.merge(k.file_routes()))
}

/// The kinds' notices for the course team at the top of the outline, in registry order.
pub async fn outline_notices(cx: &Cx, course: &CourseCx) -> AppResult<Vec<Html>> {
    let mut out = Vec::new();
    for k in KINDS {
        out.extend(k.outline_notice(cx, course).await?);
    }
    Ok(out)
}

/// The kinds' tools in the instructor navigation, in registry order.
pub fn staff_tools() -> impl Iterator<Item = &'static StaffTool> {
    KINDS.iter().flat_map(|k| k.staff_tools())
}

/// The Dates page's label for a due date on a block of kind `kind`.
pub fn due_label(kind: &str) -> &'static str {
    kind_named(kind)
        .and_then(|k| k.due_label())
        .unwrap_or("lyceum-dates-due-problem")
}
