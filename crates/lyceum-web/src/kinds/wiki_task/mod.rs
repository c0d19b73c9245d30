//! STAND-IN for the web helper's module (h/wweb owns this file): only what the editor
//! needs to compile and be tested. At the merge, keep h/wweb's `mod.rs` and add to it
//! `mod editor;` and the editor methods of the `WebKind` impl below.

mod editor;

use super::{AddEntry, BlockCtx, BlockState, EditorCtx, EditorForm, FieldErrors, WebKind};
use crate::page::Page;
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::wiki_task::WikiTask;

pub struct WikiTaskBlock;

impl WebKind for WikiTaskBlock {
    fn kind(&self) -> &'static str {
        WikiTask::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-olx"
    }

    fn render(&self, _: &BlockCtx<'_>, _: usize, _: &BlockState) -> askama::Result<String> {
        Ok(String::new())
    }

    // --- the editor (editor.rs) ---

    fn add_entries(&self) -> &'static [AddEntry] {
        editor::ADD_ENTRIES
    }

    fn new_content(&self, p: &Page, variant: &str) -> Option<serde_json::Value> {
        editor::new_content(p, variant)
    }

    fn editor_fields(&self, content: &serde_json::Value) -> EditorForm {
        editor::fields(content)
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        editor::render(cx, form)
    }

    fn read_editor(
        &self,
        form: &EditorForm,
        old: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldErrors> {
        editor::read(form, old)
    }

    fn editor_text(&self, content: &serde_json::Value) -> String {
        editor::text(content)
    }
}
