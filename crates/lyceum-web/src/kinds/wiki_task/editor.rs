//! The wiki task's form editor: the wiki, the instructions (Markdown), what counts — an
//! edit, an upload or a Wikidata statement, each with its own fields — when work counts,
//! what the link to the wiki pre-fills, and grading. Every field is checked where it is
//! typed (the rules are `lyceum_core::blocks::wiki_task::check`'s), faults are shown
//! beside their field with what was typed kept. The due date is in UTC, as the survey's
//! closing date is (the form has no time zone of its own).
//!
//! The kind's `WebKind` impl delegates to the free functions here: [`fields`],
//! [`render`], [`read`], [`text`], [`ADD_ENTRIES`], [`new_content`].

use crate::kinds::{AddEntry, EditorCtx, EditorForm, FieldError, FieldErrors};
use crate::page::Page;
use askama::Template;
use lyceum_core::DomainError;
use lyceum_core::blocks::wiki_task::check;
use lyceum_core::blocks::wiki_task::{
    Criteria, EditCriteria, PageRule, Prefill, UploadCriteria, WikiTaskContent, WikidataCriteria,
    Window, WindowStart,
};
use lyceum_core::limits::{self, range};
use serde_json::{Value, json};

/// The "Add a block" menu's entries: one per kind of criteria.
pub(super) const ADD_ENTRIES: &[AddEntry] = &[
    AddEntry {
        variant: "edit",
        label_key: "lyceum-wikitask-editor-add-edit",
        icon: "Globe",
    },
    AddEntry {
        variant: "upload",
        label_key: "lyceum-wikitask-editor-add-upload",
        icon: "LinkExternal",
    },
    AddEntry {
        variant: "wikidata",
        label_key: "lyceum-wikitask-editor-add-wikidata",
        icon: "Flag",
    },
];

/// The Wikipedia of the author's language, when the interface language names one.
fn wikipedia_of(p: &Page) -> String {
    let lang = p.lang.to_ascii_lowercase();
    let plausible = (2..=12).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        && !matches!(lang.as_str(), "qqq" | "qqx");
    format!("{}.wikipedia.org", if plausible { &lang } else { "en" })
}

/// The wikis to suggest in the form: those the site configures, and (when it reads
/// Wikimedia's) the author's Wikipedia, Commons and Wikidata.
fn suggested_wikis(p: &Page) -> Vec<String> {
    let registry = &p.app.wikis().registry;
    let mut out: Vec<String> = registry.sites.iter().map(|w| w.id.clone()).collect();
    if registry.wikimedia {
        out.extend([
            wikipedia_of(p),
            "commons.wikimedia.org".to_owned(),
            "www.wikidata.org".to_owned(),
        ]);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out
}

/// A new task of the kind the menu entry names, ready to save and in the author's
/// language: a draft with a reference in the user's space on their Wikipedia, a photo on
/// Commons, an "instance of" statement with a reference on Wikidata — or, on a site that
/// reads only wikis it configures, on the first of those.
pub(super) fn new_content(p: &Page, variant: &str) -> Option<Value> {
    let registry = &p.app.wikis().registry;
    let only_site = (!registry.wikimedia)
        .then(|| registry.sites.first().map(|w| w.id.clone()))
        .flatten();
    let wiki = |wikimedia: String| only_site.clone().unwrap_or(wikimedia);
    let c = match variant {
        "edit" => json!({
            "wiki": wiki(wikipedia_of(p)),
            "instructions_markdown": p.text("lyceum-wikitask-editor-new-edit"),
            "criteria": {
                "type": "edit",
                "namespaces": [2],
                "title_pattern": "User:{username}/*",
                "page": "created",
                "must_contain": ["<ref"],
                "min_edits": 1,
            },
            "prefill": {
                "title": format!("User:{{username}}/{}", p.text("lyceum-wikitask-editor-new-edit-page")),
                "summary": p.text("lyceum-wikitask-editor-new-edit-summary"),
            },
        }),
        "upload" => json!({
            "wiki": wiki("commons.wikimedia.org".to_owned()),
            "instructions_markdown": p.text("lyceum-wikitask-editor-new-upload"),
            "criteria": {"type": "upload", "min_uploads": 1},
        }),
        "wikidata" => json!({
            "wiki": wiki("www.wikidata.org".to_owned()),
            "instructions_markdown": p.text("lyceum-wikitask-editor-new-wikidata"),
            "criteria": {
                "type": "wikidata",
                "property": "P31",
                "with_reference": true,
                "min_edits": 1,
            },
        }),
        _ => return None,
    };
    Some(c)
}

fn utc_input(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

fn on(f: &mut EditorForm, name: &str, yes: bool) {
    if yes {
        f.set(name, "on");
    } else {
        f.remove(name);
    }
}

fn page_rule(p: PageRule) -> &'static str {
    match p {
        PageRule::Any => "any",
        PageRule::Created => "created",
        PageRule::Edited => "edited",
    }
}

fn window_start(w: WindowStart) -> &'static str {
    match w {
        WindowStart::Enrolment => "enrolment",
        WindowStart::UnitOpened => "unit_opened",
    }
}

/// The form's fields for stored authoring content. Every kind of criteria has its
/// fields (the ones not chosen hold their defaults), so switching the kind in the form
/// starts from sensible values.
pub(super) fn fields(content: &Value) -> EditorForm {
    let mut f = EditorForm::default();
    let Ok(c) = serde_json::from_value::<WikiTaskContent>(content.clone()) else {
        // Content this form cannot read (it always can: it was validated): an empty
        // form, whose save tells the author what is missing.
        f.set("type", "edit");
        return f;
    };
    f.set("wiki", &c.wiki);
    // Instructions stored as HTML alone (from the API or an import) are shown as they
    // are: Markdown keeps HTML, so saving them again changes nothing.
    let instructions = if c.instructions_markdown.is_empty() {
        &c.instructions
    } else {
        &c.instructions_markdown
    };
    f.set("instructions", instructions);
    let edit = match &c.criteria {
        Criteria::Edit(e) => e.clone(),
        _ => EditCriteria {
            min_edits: 1,
            ..EditCriteria::default()
        },
    };
    let upload = match &c.criteria {
        Criteria::Upload(u) => u.clone(),
        _ => UploadCriteria {
            min_uploads: 1,
            ..UploadCriteria::default()
        },
    };
    let wikidata = match &c.criteria {
        Criteria::Wikidata(w) => w.clone(),
        _ => WikidataCriteria {
            min_edits: 1,
            ..WikidataCriteria::default()
        },
    };
    f.set(
        "type",
        match c.criteria {
            Criteria::Edit(_) => "edit",
            Criteria::Upload(_) => "upload",
            Criteria::Wikidata(_) => "wikidata",
        },
    );
    f.set(
        "edit_namespaces",
        &edit
            .namespaces
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    f.set("edit_title_pattern", &edit.title_pattern);
    f.set("edit_page", page_rule(edit.page));
    f.set("edit_min_bytes", &edit.min_bytes.to_string());
    f.set("edit_must_contain", &edit.must_contain.join("\n"));
    f.set("edit_tag", &edit.tag);
    f.set("edit_min_edits", &edit.min_edits.to_string());
    f.set("upload_category", &upload.category);
    f.set("upload_licence", &upload.licence_template);
    f.set("upload_min_uploads", &upload.min_uploads.to_string());
    f.set("wd_property", &wikidata.property);
    on(&mut f, "wd_with_reference", wikidata.with_reference);
    f.set("wd_min_edits", &wikidata.min_edits.to_string());
    f.set("window_from", window_start(c.window.from));
    on(&mut f, "until_due", c.window.until_due);
    f.set("prefill_title", &c.prefill.title);
    f.set("prefill_summary", &c.prefill.summary);
    on(&mut f, "graded", c.graded);
    f.set("weight", &c.weight.map_or(String::new(), |w| w.to_string()));
    f.set("due", &c.due.map_or(String::new(), utc_input));
    f
}

/// Faults gathered by field while the form is read.
struct Reader<'a> {
    form: &'a EditorForm,
    errors: FieldErrors,
}

impl Reader<'_> {
    /// The field's value through `check`, or its fault recorded (and `T::default()`).
    fn field<T: Default>(
        &mut self,
        name: &str,
        check: impl FnOnce(&str) -> Result<T, DomainError>,
    ) -> T {
        match check(self.form.get(name)) {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(FieldError::at(name, e, None));
                T::default()
            }
        }
    }

    /// A whole number in `min..=max`; empty is `empty`.
    fn whole(&mut self, name: &str, empty: u32, min: u32, max: u32) -> u32 {
        self.field(name, |s| {
            if s.trim().is_empty() {
                Ok(empty)
            } else {
                limits::whole(s, min, max)
            }
        })
    }
}

fn bad_choice() -> DomainError {
    DomainError::new("lyceum-wikitask-editor-bad-choice")
}

/// Namespace numbers separated by commas (or spaces, semicolons, Arabic commas).
fn parse_namespaces(s: &str) -> Result<Vec<i64>, DomainError> {
    let mut out = Vec::new();
    for part in s
        .split([',', ';', '،', ' ', '\t', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let n = part.parse::<i64>().map_err(|_| {
            limits::out_of_range(
                part,
                &range::WIKI_NAMESPACE_MIN.to_string(),
                &range::WIKI_NAMESPACE_MAX.to_string(),
            )
        })?;
        out.push(n);
    }
    check::namespaces(&out)
}

/// A date and time typed as `YYYY-MM-DDTHH:MM` (a space for the `T` is fine), in UTC.
fn parse_due(s: &str) -> Result<Option<jiff::Timestamp>, DomainError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| Some(z.timestamp()))
        .ok_or_else(|| DomainError::new("lyceum-wikitask-editor-bad-date"))
}

/// The task from the form, with faults by field (only the chosen kind of criteria is
/// read). `old` is the content the editor opened: the form shows every field, so only
/// whether its instructions were HTML is taken from it.
pub(super) fn read(form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
    let mut r = Reader {
        form,
        errors: Vec::new(),
    };
    let wiki = r.field("wiki", check::wiki_id);
    let instructions_markdown = r.field("instructions", |s| {
        let s = limits::clean(s, limits::WIKI_TASK_INSTRUCTIONS)?;
        // Nesting too deep for the renderer is the instructions' fault too.
        lyceum_core::sanitize::try_markdown_to_html(&s)?;
        Ok(if s.trim().is_empty() {
            String::new()
        } else {
            s
        })
    });
    let criteria = match form.get("type") {
        "edit" => Some(Criteria::Edit(EditCriteria {
            namespaces: r.field("edit_namespaces", parse_namespaces),
            title_pattern: r.field("edit_title_pattern", check::title_pattern),
            page: r.field("edit_page", |s| match s {
                "any" | "" => Ok(PageRule::Any),
                "created" => Ok(PageRule::Created),
                "edited" => Ok(PageRule::Edited),
                _ => Err(bad_choice()),
            }),
            min_bytes: i64::from(r.whole(
                "edit_min_bytes",
                0,
                0,
                u32::try_from(range::WIKI_MIN_BYTES).unwrap_or(u32::MAX),
            )),
            must_contain: r.field("edit_must_contain", |s| {
                let lines: Vec<String> = s
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect();
                check::must_contain(&lines)
            }),
            tag: r.field("edit_tag", |s| limits::clean(s, limits::WIKI_TAG)),
            min_edits: r.whole("edit_min_edits", 1, 1, range::WIKI_MIN_COUNT),
        })),
        "upload" => Some(Criteria::Upload(UploadCriteria {
            category: r.field("upload_category", |s| check::page_name(s, "Category")),
            licence_template: r.field("upload_licence", |s| check::page_name(s, "Template")),
            min_uploads: r.whole("upload_min_uploads", 1, 1, range::WIKI_MIN_COUNT),
        })),
        "wikidata" => Some(Criteria::Wikidata(WikidataCriteria {
            property: r.field("wd_property", check::property),
            with_reference: form.checked("wd_with_reference"),
            min_edits: r.whole("wd_min_edits", 1, 1, range::WIKI_MIN_COUNT),
        })),
        _ => {
            r.errors.push(FieldError::at(
                "type",
                DomainError::new("lyceum-wikitask-editor-bad-type"),
                None,
            ));
            None
        }
    };
    let from = r.field("window_from", |s| match s {
        "enrolment" | "" => Ok(WindowStart::Enrolment),
        "unit_opened" => Ok(WindowStart::UnitOpened),
        _ => Err(bad_choice()),
    });
    let prefill = Prefill {
        title: r.field("prefill_title", check::title_pattern),
        summary: r.field("prefill_summary", |s| {
            limits::clean(s, limits::WIKI_SUMMARY)
        }),
    };
    let weight = r.field("weight", |s| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            limits::decimal(s, 0.0, range::WEIGHT).map(Some)
        }
    });
    let due = r.field("due", parse_due);
    let (Some(criteria), true) = (criteria, r.errors.is_empty()) else {
        return Err(r.errors);
    };
    // Instructions stored as HTML alone and left as they were stay HTML (the form shows
    // them as they are); anything typed is Markdown.
    let old_html = serde_json::from_value::<WikiTaskContent>(old.clone())
        .ok()
        .filter(|o| o.instructions_markdown.is_empty() && !o.instructions.is_empty())
        .map(|o| o.instructions);
    let (instructions, instructions_markdown) = match old_html {
        Some(html) if html == instructions_markdown => (html, String::new()),
        _ => (String::new(), instructions_markdown),
    };
    let content = WikiTaskContent {
        wiki,
        instructions,
        instructions_markdown,
        criteria,
        window: Window {
            from,
            until_due: form.checked("until_due"),
        },
        prefill,
        graded: form.checked("graded"),
        weight,
        due,
    };
    match check::validate(content) {
        Ok(c) => Ok(serde_json::to_value(c).unwrap_or_default()),
        Err(e) => Err(vec![FieldError::at("", e, None)]),
    }
}

/// The task as lines of `name: value`, for the side-by-side comparison of two saves
/// (the names are the content's own, as in the course API; the instructions follow as
/// written).
pub(super) fn text(content: &Value) -> String {
    let Ok(c) = serde_json::from_value::<WikiTaskContent>(content.clone()) else {
        return serde_json::to_string_pretty(content).unwrap_or_default();
    };
    let mut lines: Vec<String> = vec![format!("wiki: {}", c.wiki)];
    match &c.criteria {
        Criteria::Edit(e) => {
            lines.push("criteria: edit".into());
            let ns: Vec<String> = e.namespaces.iter().map(i64::to_string).collect();
            lines.push(format!("namespaces: {}", ns.join(", ")));
            lines.push(format!("title_pattern: {}", e.title_pattern));
            lines.push(format!("page: {}", page_rule(e.page)));
            lines.push(format!("min_bytes: {}", e.min_bytes));
            for m in &e.must_contain {
                lines.push(format!("must_contain: {m}"));
            }
            lines.push(format!("tag: {}", e.tag));
            lines.push(format!("min_edits: {}", e.min_edits));
        }
        Criteria::Upload(u) => {
            lines.push("criteria: upload".into());
            lines.push(format!("category: {}", u.category));
            lines.push(format!("licence_template: {}", u.licence_template));
            lines.push(format!("min_uploads: {}", u.min_uploads));
        }
        Criteria::Wikidata(w) => {
            lines.push("criteria: wikidata".into());
            lines.push(format!("property: {}", w.property));
            lines.push(format!("with_reference: {}", w.with_reference));
            lines.push(format!("min_edits: {}", w.min_edits));
        }
    }
    lines.push(format!("window.from: {}", window_start(c.window.from)));
    lines.push(format!("window.until_due: {}", c.window.until_due));
    lines.push(format!("prefill.title: {}", c.prefill.title));
    lines.push(format!("prefill.summary: {}", c.prefill.summary));
    lines.push(format!("graded: {}", c.graded));
    lines.push(format!(
        "weight: {}",
        c.weight.map_or(String::new(), |w| w.to_string())
    ));
    lines.push(format!(
        "due: {}",
        c.due.map_or(String::new(), |d| d.to_string())
    ));
    lines.push("instructions:".into());
    let instructions = if c.instructions_markdown.is_empty() {
        &c.instructions
    } else {
        &c.instructions_markdown
    };
    lines.extend(instructions.lines().map(str::to_owned));
    lines.join("\n")
}

/// A select's option: its value, its message, whether chosen.
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn choices(form: &EditorForm, name: &str, options: &[(&'static str, &'static str)]) -> Vec<Choice> {
    let current = form.get(name);
    options
        .iter()
        .enumerate()
        .map(|(i, (value, label))| Choice {
            value,
            label,
            selected: current == *value || (i == 0 && !options.iter().any(|(v, _)| *v == current)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "editors/kinds/wiki_task.html")]
struct WikiTaskEditor<'a> {
    cx: &'a EditorCtx<'a>,
    form: &'a EditorForm,
    types: Vec<Choice>,
    pages: Vec<Choice>,
    starts: Vec<Choice>,
    max_title: usize,
    max_summary: usize,
    max_tag: usize,
    max_name: usize,
    max_wiki: usize,
    /// The wikis to suggest, and whether this site reads the one the form names.
    wikis: Vec<String>,
    unreadable: bool,
}

pub(super) fn render(cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
    WikiTaskEditor {
        cx,
        form,
        types: choices(
            form,
            "type",
            &[
                ("edit", "lyceum-wikitask-editor-type-edit"),
                ("upload", "lyceum-wikitask-editor-type-upload"),
                ("wikidata", "lyceum-wikitask-editor-type-wikidata"),
            ],
        ),
        pages: choices(
            form,
            "edit_page",
            &[
                ("any", "lyceum-wikitask-editor-page-any"),
                ("created", "lyceum-wikitask-editor-page-created"),
                ("edited", "lyceum-wikitask-editor-page-edited"),
            ],
        ),
        starts: choices(
            form,
            "window_from",
            &[
                ("enrolment", "lyceum-wikitask-editor-window-enrolment"),
                ("unit_opened", "lyceum-wikitask-editor-window-unit-opened"),
            ],
        ),
        max_title: limits::WIKI_TITLE.max_chars,
        max_summary: limits::WIKI_SUMMARY.max_chars,
        max_tag: limits::WIKI_TAG.max_chars,
        max_name: limits::WIKI_PAGE_NAME.max_chars,
        max_wiki: limits::WIKI_ID.max_chars,
        wikis: suggested_wikis(cx.p),
        unreadable: check::wiki_id(form.get("wiki"))
            .is_ok_and(|id| cx.p.app.wikis().registry.get(&id).is_none()),
    }
    .render()
}

#[cfg(test)]
mod tests;
