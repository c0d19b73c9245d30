//! OLX → Lyceum's course model, following Open edX's own importer
//! (`olx-and-capa.md` §1; edx-platform `xmodule/modulestore/xml.py`, `xml_block.py`).
//!
//! The outline maps chapter → section, sequential → subsection, vertical → unit; leaves
//! map html → text, problem → problem, video → video, discussion → discussion,
//! openassessment → open_response (one module per kind in `kinds/`, found through one
//! registry), and every other block is kept as raw
//! OLX (`olx` kind) so that nothing is lost and export writes it back. A file that is
//! missing or does not parse becomes a kept block with the error (Open edX's error block)
//! and the import goes on; only a course without a readable `course.xml` fails.

use crate::kinds::{self, Leaf, kept};
use crate::xml::{self, element_text, elements, is_pointer};
use crate::{CoursePage, Imported, ImportedAsset, IssueKind, OlxFiles, PageKind, Report};
use jiff::Timestamp;
use lyceum_core::course::spec::{NewAsset, NewBlock, NewCourse, structure};
use lyceum_core::course::{CourseKey, Effort, License, StructureSettings};
use lyceum_core::error::DomainError;
use lyceum_core::grading::GradingPolicy;
use lyceum_core::limits;
use lyceum_core::media::{content_type_for, normalize_asset_name};
use lyceum_core::sanitize::{MAX_NESTING, escaped_text, line_containers, try_sanitize_html};
use roxmltree::Node;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Choices the caller makes for an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Use this organisation instead of the one in `course.xml`.
    pub org: Option<String>,
}

/// Open edX's default `start` (`course_metadata_utils.py` `DEFAULT_START_DATE`).
const DEFAULT_START: &str = "2030-01-01T00:00:00Z";

/// Blocks hidden from learners (`visible_to_staff_only`) get a release date nobody
/// reaches: staff see unreleased content, learners do not.
const STAFF_ONLY_RELEASE: &str = "9999-01-01T00:00:00Z";

/// Containers that Open edX treats as subsections in old exports.
const SUBSECTION_TAGS: [&str; 4] = ["sequential", "videosequence", "section", "problemset"];

/// How deep blocks may nest, counting every container on the way down (course, chapter,
/// sequential, verticals inside verticals, a kept block's inlined children…), whether
/// written inline or behind pointers. Real courses stay under a dozen levels; the cap
/// keeps a hostile archive (a vertical nested tens of thousands of times) from exhausting
/// the importer's stack, which would abort the whole process.
pub const MAX_DEPTH: usize = 64;

/// How many blocks one import may resolve. Pointers may name one file many times, so a
/// few small files could otherwise unfold into billions of blocks.
pub const MAX_BLOCKS: usize = 100_000;

/// The largest kept Open edX block, with its pointer children inlined (as the `olx`
/// block kind accepts it).
const MAX_KEPT_BYTES: usize = 2 * 1024 * 1024;

/// Turn the files of one OLX course into a course ready to store. Errors only when there
/// is no course at all (no readable `course.xml`); anything else becomes a report entry.
pub fn import(files: &OlxFiles, options: &ImportOptions) -> Result<Imported, DomainError> {
    let root_text = text_of(files, "course.xml")
        .ok_or_else(|| DomainError::new("lyceum-error-olx-no-course-xml"))?;
    let doc = xml::parse(root_text).map_err(|e| {
        DomainError::new("lyceum-error-olx-course-xml").with_arg(format!("course.xml: {e}"))
    })?;
    let pointer = doc.root_element();
    if !pointer.has_tag_name("course") {
        return Err(DomainError::new("lyceum-error-olx-course-xml")
            .with_arg(format!("course.xml: <{}>", pointer.tag_name().name())));
    }
    let mut im = Importer::new(files);
    let run = ["url_name", "slug", "name"]
        .iter()
        .find_map(|a| pointer.attribute(*a))
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::new("lyceum-error-olx-course-xml").with_arg("course.xml: url_name")
        })?;
    let org = match (&options.org, pointer.attribute("org")) {
        (Some(o), _) => o.clone(),
        (None, Some(o)) => o.to_owned(),
        (None, None) => {
            im.report.push(
                IssueKind::InvalidValue,
                "course.xml",
                "org missing; using \"edx\"",
            );
            "edx".to_owned()
        }
    };
    let code = pointer.attribute("course").unwrap_or("course").to_owned();
    let key = CourseKey::new(&org, &code, &run)?;
    im.load_policy(&run);

    // The course definition: course/RUN.xml for a pointer, else course.xml itself.
    let (course_path, course_text) = if xml::is_pointer(pointer) {
        let path = format!("course/{}.xml", run.replace(':', "/"));
        let t = text_of(files, &path).ok_or_else(|| {
            DomainError::new("lyceum-error-olx-course-xml").with_arg(format!("{path}: missing"))
        })?;
        (path, t)
    } else {
        ("course.xml".to_owned(), root_text)
    };
    let course_doc = xml::parse(course_text).map_err(|e| {
        DomainError::new("lyceum-error-olx-course-xml").with_arg(format!("{course_path}: {e}"))
    })?;
    let course_node = course_doc.root_element();
    im.open.push(Open {
        tag: "course".to_owned(),
        url_name: run.clone(),
        file: Some(course_path.clone()),
    });
    let mut attrs = own_attrs(course_node);
    im.apply_policy("course", &run, &mut attrs);
    let inherited = Inherited::default().child(&attrs);

    im.collect_assets();
    let mut blocks = Vec::new();
    for child in elements(course_node) {
        match child.tag_name().name() {
            "chapter" => {
                if let Some(b) = im.section(child, course_text, &course_path, &inherited) {
                    blocks.push(b);
                }
            }
            // Not part of the outline (course_block.py definition_from_xml).
            "wiki" | "textbook" => {}
            other => {
                // Outside any chapter: Open edX shows nothing of it; keep it in a section
                // of its own so it is not lost.
                im.report.push(
                    IssueKind::InvalidValue,
                    &course_path,
                    format!("<{other}> directly in the course; put in a section of its own"),
                );
                let sub =
                    im.synthetic_subsection(&[child], course_text, &course_path, &inherited, "");
                blocks.push(structure(
                    "section",
                    im.claim(
                        "chapter",
                        &format!("{}_section", sub.url_name),
                        &course_path,
                    ),
                    "Section".to_owned(),
                    None,
                    vec![sub],
                ));
            }
        }
    }
    if let Some(e) = im.fatal.take() {
        return Err(e);
    }
    im.check_static_links();

    let title = attr_string(&attrs, "display_name").unwrap_or_default();
    let title = im.title_or_default(&title, &course_path, &run, "Empty");
    let start = im.date(&attrs, "start", &course_path);
    let end = im.date(&attrs, "end", &course_path);
    let self_paced = attr_bool(&attrs, "self_paced").unwrap_or(false);
    let language = match attr_string(&attrs, "language") {
        Some(l) if lyceum_core::blocks::video::is_language_code(&l) => l.to_ascii_lowercase(),
        other => {
            im.report.push(
                IssueKind::InvalidValue,
                &course_path,
                format!("language {:?}; using \"en\"", other.unwrap_or_default()),
            );
            "en".to_owned()
        }
    };
    let license = License::from_olx(&attr_string(&attrs, "license").unwrap_or_default());
    let grading = im.grading(&run, &attrs, &course_path);
    let (pages, about) = im.pages(&run, &attrs);
    let effort = im.effort(&about);

    let course = NewCourse {
        key,
        grading,
        title,
        short_description: about
            .get("short_description")
            .map(|s| plain_text(s))
            .unwrap_or_default(),
        overview_html: about
            .get("overview")
            .map(|s| {
                try_sanitize_html(s).unwrap_or_else(|_| {
                    im.report.push(
                        IssueKind::InvalidValue,
                        "about/overview.html",
                        too_deep_detail("the course overview"),
                    );
                    escaped_text(s)
                })
            })
            .unwrap_or_default(),
        overview_source: about.get("overview").cloned().unwrap_or_default(),
        outcomes: learning_info(&attrs),
        language,
        license,
        effort,
        start: start.or_else(|| DEFAULT_START.parse().ok()),
        end,
        published: false,
        self_paced,
    };
    for path in files.text.keys().filter(|p| p.starts_with("drafts/")) {
        im.report.push(
            IssueKind::Skipped,
            path,
            "unpublished Studio draft; not imported",
        );
    }
    Ok(Imported {
        course,
        blocks,
        pages,
        assets: im.assets.into_values().collect(),
        generated: im.generated.into_values().collect(),
        report: im.report,
    })
}

pub(crate) fn text_of<'f>(files: &'f OlxFiles, path: &str) -> Option<&'f str> {
    files
        .text
        .get(path)
        .map(|b| std::str::from_utf8(b).unwrap_or_default())
        .map(|t| t.trim_start_matches('\u{feff}'))
}

/// Attributes as written, decoded the way Open edX decodes field values: JSON when it
/// parses (`"\"2030-01-01\""` → `2030-01-01`, `true`, `1.5`), the raw string otherwise.
pub(crate) type Attrs = BTreeMap<String, Value>;

fn own_attrs(node: Node<'_, '_>) -> Attrs {
    node.attributes()
        .map(|a| {
            let v = serde_json::from_str::<Value>(a.value())
                .unwrap_or_else(|_| Value::String(a.value().to_owned()));
            (a.name().to_owned(), v)
        })
        .collect()
}

pub(crate) fn attr_string(attrs: &Attrs, name: &str) -> Option<String> {
    match attrs.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        v => Some(v.to_string()),
    }
}

pub(crate) fn attr_bool(attrs: &Attrs, name: &str) -> Option<bool> {
    match attrs.get(name)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn attr_f64(attrs: &Attrs, name: &str) -> Option<f64> {
    match attrs.get(name)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Settings inherited down the tree unless set on the child (`inheritance.py`): those
/// Lyceum uses. `weight`, `format` and `display_name` are not inherited.
const INHERITED: [&str; 8] = [
    "due",
    "graded",
    "showanswer",
    "show_correctness",
    "rerandomize",
    "max_attempts",
    "show_reset_button",
    "visible_to_staff_only",
];

/// The inherited settings in effect at a block.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inherited(pub(crate) Attrs);

impl Inherited {
    fn child(&self, attrs: &Attrs) -> Inherited {
        let mut next = self.0.clone();
        for name in INHERITED {
            if let Some(v) = attrs.get(name) {
                next.insert(name.to_owned(), v.clone());
            }
        }
        Inherited(next)
    }
}

pub(crate) struct Importer<'f> {
    pub(crate) files: &'f OlxFiles,
    pub(crate) report: Report,
    /// `TYPE/URL_NAME` → field overrides from policy.json.
    policy: serde_json::Map<String, Value>,
    /// url_name → the OLX tag that has it (Lyceum's names are unique per course).
    names: HashMap<String, String>,
    pub(crate) assets: BTreeMap<String, ImportedAsset>,
    pub(crate) generated: BTreeMap<String, NewAsset>,
    /// Files whose text holds `/static/` links, to check they resolve.
    pub(crate) linking: Vec<(String, String)>,
    /// The blocks being resolved, outermost first: the path from the course down to the
    /// block at hand, to find cycles and to cap the depth.
    open: Vec<Open>,
    /// Blocks resolved so far (see [`MAX_BLOCKS`]).
    resolved_blocks: usize,
    /// Bytes of definitions still to be read through pointers: twice the archive's text
    /// and some room. A course reads each file about once; more means its pointers
    /// unfold the same files over and over.
    read_budget: usize,
    /// Set when the archive cannot be imported at all (a cycle, too deep, too many
    /// blocks): from then on nothing more is resolved, and `import` returns it.
    fatal: Option<DomainError>,
    /// Next suffix to try for a renamed url_name, so that renaming stays linear.
    rename_next: HashMap<String, usize>,
}

/// One block on the path being resolved.
struct Open {
    tag: String,
    url_name: String,
    /// The file its definition was loaded from, for a pointer; `None` inline.
    file: Option<String>,
}

impl Open {
    fn describe(&self) -> String {
        format!("{} \"{}\"", self.tag, self.url_name)
    }
}

/// A path of blocks as people read it: `chapter "a" → vertical "b"`, the middle left out
/// when it is long.
fn describe_path(path: &[Open]) -> String {
    const ENDS: usize = 3;
    let parts: Vec<String> = if path.len() > 2 * ENDS + 1 {
        path[..ENDS]
            .iter()
            .map(Open::describe)
            .chain(std::iter::once("…".to_owned()))
            .chain(path[path.len() - ENDS..].iter().map(Open::describe))
            .collect()
    } else {
        path.iter().map(Open::describe).collect()
    };
    parts.join(" → ")
}

/// A block whose definition could not be loaded (a missing or unparsable file).
struct Unloaded {
    tag: String,
    /// The text an error block keeps: the pointer, or the file that does not parse.
    kept: String,
    why: String,
    url_name: String,
}

/// A block's definition: the element and the text and file it is in.
pub(crate) struct Def<'a, 'i> {
    pub(crate) node: Node<'a, 'i>,
    pub(crate) text: &'i str,
    pub(crate) path: String,
    pub(crate) url_name: String,
    pub(crate) attrs: Attrs,
}

impl<'f> Importer<'f> {
    fn new(files: &'f OlxFiles) -> Self {
        Importer {
            files,
            report: Report::default(),
            policy: serde_json::Map::new(),
            names: HashMap::new(),
            assets: BTreeMap::new(),
            generated: BTreeMap::new(),
            linking: Vec::new(),
            open: Vec::new(),
            resolved_blocks: 0,
            read_budget: files
                .text
                .values()
                .map(Vec::len)
                .sum::<usize>()
                .saturating_mul(2)
                .saturating_add(64 * 1024 * 1024),
            fatal: None,
            rename_next: HashMap::new(),
        }
    }

    /// policy.json: `policies/RUN/policy.json`, else (missing or invalid) the old
    /// `policies/RUN.json`; invalid JSON counts as `{}`.
    fn load_policy(&mut self, run: &str) {
        for path in [
            format!("policies/{run}/policy.json"),
            format!("policies/{run}.json"),
        ] {
            let Some(t) = text_of(self.files, &path) else {
                continue;
            };
            match serde_json::from_str::<Value>(t) {
                Ok(Value::Object(m)) if !m.is_empty() => {
                    self.policy = m;
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    self.report
                        .push(IssueKind::ParseError, &path, format!("not valid JSON: {e}"))
                }
            }
        }
    }

    fn apply_policy(&self, tag: &str, url_name: &str, attrs: &mut Attrs) {
        if let Some(Value::Object(fields)) = self.policy.get(&format!("{tag}/{url_name}")) {
            for (k, v) in fields {
                attrs.insert(k.clone(), v.clone());
            }
        }
    }

    /// Give a block its Lyceum name: its url_name, unless another kind already has it.
    fn claim(&mut self, tag: &str, url_name: &str, path: &str) -> String {
        let mut name = url_name.to_owned();
        if self.names.contains_key(&name) {
            let base = format!("{tag}_{url_name}");
            name = base.clone();
            let next = self.rename_next.entry(base.clone()).or_insert(2);
            while self.names.contains_key(&name) {
                name = format!("{base}_{next}");
                *next += 1;
            }
            self.report.push(
                IssueKind::Renamed,
                path,
                format!("{tag} {url_name:?} is also the name of another block; renamed {name:?}"),
            );
        }
        self.names.insert(name.clone(), tag.to_owned());
        name
    }

    /// A structural block whose definition could not be loaded: reported and left out
    /// (a section, subsection or unit cannot be kept as a leaf).
    fn skip<T>(&mut self, path: &str, r: Result<T, Unloaded>) -> Option<T> {
        match r {
            Ok(b) => Some(b),
            Err(u) => {
                self.report.push(
                    IssueKind::Skipped,
                    path,
                    format!("<{} url_name={:?}> left out: {}", u.tag, u.url_name, u.why),
                );
                None
            }
        }
    }

    /// Resolve a child element to its definition (loading the pointer's file), then run
    /// `f` on it. `Err` is what an error block keeps.
    fn with_def<R>(
        &mut self,
        node: Node<'_, '_>,
        text: &str,
        path: &str,
        f: impl FnOnce(&mut Self, Def<'_, '_>) -> R,
    ) -> Result<R, Unloaded> {
        let tag = node.tag_name().name().to_owned();
        let url_name = self.url_name_of(node, text);
        let pointer_file =
            is_pointer(node).then(|| format!("{tag}/{}.xml", url_name.replace(':', "/")));
        if let Err(why) = self.check_open(&tag, &url_name, pointer_file.as_deref()) {
            return Err(Unloaded {
                tag,
                kept: element_text(node, text).to_owned(),
                why,
                url_name,
            });
        }
        if let Some(file) = pointer_file {
            let Some(def_text) = text_of(self.files, &file) else {
                self.report.push(
                    IssueKind::MissingFile,
                    path,
                    format!("{file} (for <{tag} url_name={url_name:?}>)"),
                );
                return Err(Unloaded {
                    tag,
                    kept: element_text(node, text).to_owned(),
                    why: format!("missing file {file}"),
                    url_name,
                });
            };
            match self.read_budget.checked_sub(def_text.len()) {
                Some(left) => self.read_budget = left,
                None => {
                    self.fatal = Some(
                        DomainError::new("lyceum-error-olx-too-many-blocks")
                            .with_arg(MAX_BLOCKS.to_string()),
                    );
                    return Err(Unloaded {
                        tag,
                        kept: String::new(),
                        why: "too much to read".to_owned(),
                        url_name,
                    });
                }
            }
            let doc = match xml::parse(def_text) {
                Ok(d) => d,
                Err(e) => {
                    self.report.push(IssueKind::ParseError, &file, e.clone());
                    return Err(Unloaded {
                        tag,
                        kept: def_text.to_owned(),
                        why: e,
                        url_name,
                    });
                }
            };
            let mut def_node = doc.root_element();
            // Legacy `filename=`: the real definition is in TAG/FILENAME.xml.
            let legacy;
            let legacy_doc;
            let filename_is_content = kinds::for_tag(&tag).is_some_and(|k| k.filename_is_content);
            if let Some(other) = def_node
                .attribute("filename")
                .filter(|_| !filename_is_content)
            {
                let other_path = format!("{tag}/{other}.xml");
                match text_of(self.files, &other_path).map(xml::parse) {
                    Some(Ok(d)) => {
                        legacy_doc = d;
                        legacy = Some(other_path);
                        def_node = legacy_doc.root_element();
                    }
                    _ => legacy = None,
                }
            } else {
                legacy = None;
            }
            let def_path = legacy.unwrap_or_else(|| file.clone());
            let def_src = text_of(self.files, &def_path).unwrap_or(def_text);
            let mut attrs = own_attrs(def_node);
            if def_path != format!("{tag}/{}.xml", url_name.replace(':', "/")) {
                // Merge the pointer file's own attributes over the legacy file's.
                for (k, v) in own_attrs(doc.root_element()) {
                    attrs.insert(k, v);
                }
            }
            self.apply_policy(&tag, &url_name, &mut attrs);
            self.open.push(Open {
                tag,
                url_name: url_name.clone(),
                file: Some(file),
            });
            let r = f(
                self,
                Def {
                    node: def_node,
                    text: def_src,
                    path: def_path,
                    url_name,
                    attrs,
                },
            );
            self.open.pop();
            Ok(r)
        } else {
            let mut attrs = own_attrs(node);
            self.apply_policy(&tag, &url_name, &mut attrs);
            self.open.push(Open {
                tag,
                url_name: url_name.clone(),
                file: None,
            });
            let r = f(
                self,
                Def {
                    node,
                    text,
                    path: path.to_owned(),
                    url_name,
                    attrs,
                },
            );
            self.open.pop();
            Ok(r)
        }
    }

    /// Whether the block named by `tag` and `url_name` (defined in `file`, for a pointer)
    /// may be resolved where the import stands. A cycle (a block that contains itself,
    /// directly or through others), nesting deeper than [`MAX_DEPTH`] or more than
    /// [`MAX_BLOCKS`] blocks stop the whole import: there is no sensible course to make
    /// of such an archive, and following it would never end or exhaust the stack. `Err`
    /// says why this block is not resolved.
    fn check_open(&mut self, tag: &str, url_name: &str, file: Option<&str>) -> Result<(), String> {
        if self.fatal.is_some() {
            return Err("the import stopped".to_owned());
        }
        let here = Open {
            tag: tag.to_owned(),
            url_name: url_name.to_owned(),
            file: file.map(str::to_owned),
        };
        if let Some(start) =
            file.and_then(|f| self.open.iter().position(|o| o.file.as_deref() == Some(f)))
        {
            let cycle: Vec<String> = self.open[start..]
                .iter()
                .chain(std::iter::once(&here))
                .map(Open::describe)
                .collect();
            let cycle = cycle.join(" → ");
            self.fatal = Some(DomainError::new("lyceum-error-olx-cycle").with_arg(cycle.clone()));
            return Err(format!("contains itself: {cycle}"));
        }
        if self.open.len() >= MAX_DEPTH {
            self.open.push(here);
            let path = describe_path(&self.open);
            self.open.pop();
            self.fatal = Some(
                DomainError::new("lyceum-error-olx-too-deep")
                    .with_arg(MAX_DEPTH.to_string())
                    .with_arg(path.clone()),
            );
            return Err(format!("nested too deeply: {path}"));
        }
        self.resolved_blocks += 1;
        if self.resolved_blocks > MAX_BLOCKS {
            self.fatal = Some(
                DomainError::new("lyceum-error-olx-too-many-blocks")
                    .with_arg(MAX_BLOCKS.to_string()),
            );
            return Err("too many blocks".to_owned());
        }
        Ok(())
    }

    /// An inline element's url_name (`xml.py` `make_name_unique` fallbacks).
    fn url_name_of(&self, node: Node<'_, '_>, text: &str) -> String {
        if let Some(n) = ["url_name", "slug", "name"]
            .iter()
            .find_map(|a| node.attribute(*a))
            .filter(|n| !n.is_empty())
        {
            return n.to_owned();
        }
        if let Some(d) = node.attribute("display_name") {
            let cleaned = clean_name(d);
            if !cleaned.is_empty() && !self.names.contains_key(&cleaned) {
                return cleaned;
            }
        }
        // Open edX hashes the element with SHA-1; SHA-256 here (a name only needs to be
        // stable for the same XML).
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(element_text(node, text).as_bytes());
        let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        format!("{}_{hex}", node.tag_name().name())
    }

    fn section(
        &mut self,
        node: Node<'_, '_>,
        text: &str,
        path: &str,
        parent: &Inherited,
    ) -> Option<NewBlock> {
        let r = self.with_def(node, text, path, |im, def| {
            let inh = parent.child(&def.attrs);
            let name = im.claim("chapter", &def.url_name, &def.path);
            let mut subs = Vec::new();
            let mut loose: Vec<Node<'_, '_>> = Vec::new();
            let kids: Vec<Node<'_, '_>> = elements(def.node).collect();
            for child in kids {
                if SUBSECTION_TAGS.contains(&child.tag_name().name()) {
                    if !loose.is_empty() {
                        subs.push(
                            im.synthetic_subsection(&loose, def.text, &def.path, &inh, &name),
                        );
                        loose.clear();
                    }
                    if let Some(s) = im.subsection(child, def.text, &def.path, &inh) {
                        subs.push(s);
                    }
                } else {
                    loose.push(child);
                }
            }
            if !loose.is_empty() {
                subs.push(im.synthetic_subsection(&loose, def.text, &def.path, &inh, &name));
            }
            let title = im.title_or(&def, "Section");
            let release = im.release(&def);
            structure("section", name, title, release, subs)
        });
        self.skip(path, r)
    }

    fn subsection(
        &mut self,
        node: Node<'_, '_>,
        text: &str,
        path: &str,
        parent: &Inherited,
    ) -> Option<NewBlock> {
        let r = self.with_def(node, text, path, |im, def| {
            let inh = parent.child(&def.attrs);
            let name = im.claim("sequential", &def.url_name, &def.path);
            let kids: Vec<Node<'_, '_>> = elements(def.node).collect();
            let units = im.units(&kids, def.text, &def.path, &inh, &name);
            let graded = attr_bool(&inh.0, "graded").unwrap_or(false);
            let format = attr_string(&def.attrs, "format").filter(|f| !f.is_empty());
            let settings = StructureSettings {
                graded,
                format,
                due: im.date_value(inh.0.get("due"), &def.path),
            };
            let release = im.release(&def);
            let mut block = structure(
                "subsection",
                name,
                im.title_or(&def, "Subsection"),
                release,
                units,
            );
            block.content = serde_json::to_string(&settings).unwrap_or_else(|_| "{}".to_owned());
            block
        });
        self.skip(path, r)
    }

    /// Children of a subsection as units: verticals are units; leaves placed directly in
    /// the subsection are gathered into units of their own.
    fn units(
        &mut self,
        kids: &[Node<'_, '_>],
        text: &str,
        path: &str,
        inh: &Inherited,
        parent_name: &str,
    ) -> Vec<NewBlock> {
        let mut units = Vec::new();
        let mut loose: Vec<NewBlock> = Vec::new();
        for &child in kids {
            if child.has_tag_name("vertical") {
                if !loose.is_empty() {
                    units.push(self.synthetic_unit(parent_name, std::mem::take(&mut loose), path));
                }
                let r = self.with_def(child, text, path, |im, def| {
                    let inh = inh.child(&def.attrs);
                    let name = im.claim("vertical", &def.url_name, &def.path);
                    let mut leaves = Vec::new();
                    im.leaves_into(def.node, def.text, &def.path, &inh, &mut leaves);
                    let release = im.release(&def);
                    let title = im.title_or(&def, "Unit");
                    structure("unit", name, title, release, leaves)
                });
                units.extend(self.skip(path, r));
            } else {
                loose.push(self.leaf(child, text, path, inh));
            }
        }
        if !loose.is_empty() {
            units.push(self.synthetic_unit(parent_name, loose, path));
        }
        units
    }

    fn synthetic_unit(&mut self, parent_name: &str, leaves: Vec<NewBlock>, path: &str) -> NewBlock {
        let name = self.claim("vertical", &format!("{parent_name}_unit"), path);
        structure("unit", name, "Unit".to_owned(), None, leaves)
    }

    fn synthetic_subsection(
        &mut self,
        kids: &[Node<'_, '_>],
        text: &str,
        path: &str,
        inh: &Inherited,
        parent_name: &str,
    ) -> NewBlock {
        let base = if parent_name.is_empty() {
            kids.first()
                .map_or_else(|| "loose".to_owned(), |k| self.url_name_of(*k, text))
        } else {
            parent_name.to_owned()
        };
        let name = self.claim("sequential", &format!("{base}_subsection"), path);
        let units = self.units(kids, text, path, inh, &name);
        let mut b = structure("subsection", name, "Subsection".to_owned(), None, units);
        b.content = "{}".to_owned();
        b
    }

    /// The leaves of a unit, in order; a vertical nested in a vertical gives its leaves.
    fn leaves_into(
        &mut self,
        unit: Node<'_, '_>,
        text: &str,
        path: &str,
        inh: &Inherited,
        out: &mut Vec<NewBlock>,
    ) {
        let kids: Vec<Node<'_, '_>> = elements(unit).collect();
        for child in kids {
            if child.has_tag_name("vertical") {
                let _ = self.with_def(child, text, path, |im, def| {
                    let inh = inh.child(&def.attrs);
                    im.leaves_into(def.node, def.text, &def.path, &inh, out);
                });
            } else {
                out.push(self.leaf(child, text, path, inh));
            }
        }
    }

    fn leaf(&mut self, node: Node<'_, '_>, text: &str, path: &str, parent: &Inherited) -> NewBlock {
        let r = self.with_def(node, text, path, |im, def| {
            let inherited = parent.child(&def.attrs);
            let tag = def.node.tag_name().name().to_owned();
            let kind = kinds::for_tag(&tag);
            let title = attr_string(&def.attrs, "display_name")
                .filter(|t| !t.trim().is_empty())
                .or_else(|| kind.and_then(|k| k.title).and_then(|title| title(def.node)))
                .unwrap_or_default();
            let content = match kind {
                Some(k) => (k.import)(
                    im,
                    &Leaf {
                        def: &def,
                        inherited: &inherited,
                        parent,
                    },
                ),
                None => Err(String::new()),
            };
            let content = content.and_then(|c| {
                c.validate().map_err(|e| {
                    if e.key.0 == "lyceum-error-content-too-deep" {
                        too_deep_detail(&format!("url_name {:?}", def.url_name))
                    } else {
                        e.to_string()
                    }
                })
            });
            let content = match content {
                Ok(c) => c,
                Err(why) => {
                    if why.is_empty() {
                        im.report
                            .push(IssueKind::Unsupported, &def.path, format!("<{tag}>"));
                    } else {
                        im.report.push(
                            IssueKind::Unsupported,
                            &def.path,
                            format!("<{tag}>: {why}"),
                        );
                    }
                    kept::keep(im, &def, &tag, why)
                }
            };
            let name = im.claim(&tag, &def.url_name, &def.path);
            let release = if kept::is_kept(&content) {
                None
            } else {
                im.release(&def)
            };
            NewBlock {
                kind: content.kind().to_owned(),
                url_name: name,
                title: im.title(&title, &def.path, &def.url_name),
                release_at: release,
                content: content.encode(),
                children: Vec::new(),
            }
        });
        match r {
            Ok(b) => b,
            Err(Unloaded {
                tag,
                kept,
                why,
                url_name,
            }) => {
                let name = self.claim(&tag, &url_name, path);
                let c = kept::unloaded(tag, kept, why, path);
                NewBlock {
                    kind: c.kind().to_owned(),
                    url_name: name,
                    title: String::new(),
                    release_at: None,
                    content: c.encode(),
                    children: Vec::new(),
                }
            }
        }
    }

    /// The block's own release date (`start` set on it, not inherited), or the far
    /// future for blocks hidden from learners.
    fn release(&mut self, def: &Def<'_, '_>) -> Option<Timestamp> {
        if attr_bool(&def.attrs, "visible_to_staff_only") == Some(true) {
            self.report.push(
                IssueKind::InvalidValue,
                &def.path,
                "visible_to_staff_only: hidden from learners by a release date in the year 9999",
            );
            return STAFF_ONLY_RELEASE.parse().ok();
        }
        self.date(&def.attrs, "start", &def.path)
    }

    fn date(&mut self, attrs: &Attrs, name: &str, path: &str) -> Option<Timestamp> {
        self.date_value(attrs.get(name), path)
    }

    pub(crate) fn date_value(&mut self, v: Option<&Value>, path: &str) -> Option<Timestamp> {
        let s = match v? {
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        let t = parse_date(&s);
        if t.is_none() {
            self.report.push(
                IssueKind::InvalidValue,
                path,
                format!("date {s:?} not understood; ignored"),
            );
        }
        t
    }

    /// A kept block's XML with the definitions of its pointer children inlined (a
    /// `library_content` block's problems, a `split_test`'s verticals), and its url_name
    /// on the root, so that export writes one self-contained element. `None` when that
    /// grows beyond what a kept block may hold (pointers can name one file many times).
    fn resolved(&mut self, def: &Def<'_, '_>) -> Option<String> {
        let own = element_text(def.node, def.text);
        let start = def.node.range().start;
        let mut out = String::with_capacity(own.len());
        let mut at = 0;
        for child in elements(def.node) {
            if !is_pointer(child) {
                continue;
            }
            let r = child.range();
            out.push_str(&own[at..r.start - start]);
            let inlined = match self.with_def(child, def.text, &def.path, |im, d| im.resolved(&d)) {
                Ok(Some(t)) => t,
                Ok(None) => return None,
                Err(u) => u.kept,
            };
            out.push_str(&inlined);
            at = r.end - start;
            if out.len() > MAX_KEPT_BYTES {
                return None;
            }
        }
        out.push_str(&own[at..]);
        (out.len() <= MAX_KEPT_BYTES).then(|| xml::with_attr(&out, "url_name", &def.url_name))
    }

    /// A kept block's XML: [`Self::resolved`], or its own element alone when that is too
    /// large (reported).
    pub(crate) fn kept_xml(&mut self, def: &Def<'_, '_>) -> String {
        match self.resolved(def) {
            Some(xml) => xml,
            None => {
                self.report.push(
                    IssueKind::Unsupported,
                    &def.path,
                    format!(
                        "<{}>: larger than {} MB with the blocks it includes; kept without them",
                        def.node.tag_name().name(),
                        MAX_KEPT_BYTES / (1024 * 1024)
                    ),
                );
                xml::with_attr(element_text(def.node, def.text), "url_name", &def.url_name)
            }
        }
    }

    /// Every file under `static/` is an asset, named as Open edX names it.
    /// A display name from the archive made fit to show: control and bidi-override
    /// characters stripped and, past [`limits::TITLE`], cut at a character boundary with a
    /// report entry. A long title is no reason to refuse a whole course (nobody can shorten
    /// it in the archive there and then); a cut title can be edited after the import.
    fn title(&mut self, raw: &str, path: &str, url_name: &str) -> String {
        let (title, cut) = limits::clean_cut(raw, limits::TITLE);
        if cut {
            self.report.push(
                IssueKind::InvalidValue,
                path,
                format!(
                    "display_name of url_name {url_name:?} cut to {} characters",
                    limits::TITLE.max_chars
                ),
            );
        }
        title
    }

    /// The block's display name as [`Self::title`] makes it, or `default` when it has none.
    fn title_or(&mut self, def: &Def<'_, '_>, default: &str) -> String {
        let raw = attr_string(&def.attrs, "display_name").unwrap_or_default();
        self.title_or_default(&raw, &def.path, &def.url_name, default)
    }

    /// [`Self::title`], or `default` when nothing is left of it.
    fn title_or_default(&mut self, raw: &str, path: &str, url_name: &str, default: &str) -> String {
        let title = self.title(raw, path, url_name);
        if title.is_empty() {
            default.to_owned()
        } else {
            title
        }
    }

    fn collect_assets(&mut self) {
        for f in &self.files.statics {
            let name = normalize_asset_name(&f.path);
            if !lyceum_core::media::is_valid_asset_name(&name) {
                self.report.push(
                    IssueKind::InvalidValue,
                    format!("static/{}", f.path),
                    "file name not usable; left out",
                );
                continue;
            }
            if self.assets.contains_key(&name) {
                self.report.push(
                    IssueKind::Renamed,
                    format!("static/{}", f.path),
                    format!("another file is also named {name:?} after normalising; this one is left out"),
                );
                continue;
            }
            self.assets.insert(
                name.clone(),
                ImportedAsset {
                    content_type: content_type_for(&name).to_owned(),
                    name,
                    sha256: f.sha256.clone(),
                    size: f.size,
                },
            );
        }
    }

    /// Report `/static/` links of HTML and problems that name no file of the archive.
    fn check_static_links(&mut self) {
        let mut missing: BTreeMap<(String, String), ()> = BTreeMap::new();
        for (path, text) in &self.linking {
            for name in static_links(text) {
                if !self.assets.contains_key(&name) {
                    missing.insert((path.clone(), name), ());
                }
            }
        }
        for (path, name) in missing.into_keys() {
            self.report
                .push(IssueKind::MissingFile, path, format!("static/{name}"));
        }
    }

    fn grading(&mut self, run: &str, attrs: &Attrs, path: &str) -> GradingPolicy {
        let text = [
            format!("policies/{run}/grading_policy.json"),
            "grading_policy.json".to_owned(),
        ]
        .iter()
        .find_map(|p| text_of(self.files, p))
        .unwrap_or("");
        let (mut policy, warnings) = GradingPolicy::from_edx_json(text);
        for w in warnings {
            self.report.push(
                IssueKind::InvalidValue,
                format!("policies/{run}/grading_policy.json"),
                w,
            );
        }
        if let Some(g) = attr_string(attrs, "graceperiod").filter(|g| !g.trim().is_empty()) {
            match parse_duration(&g) {
                Some(secs) => policy.grace_period_secs = secs,
                None => self.report.push(
                    IssueKind::InvalidValue,
                    path,
                    format!("graceperiod {g:?} not understood; none used"),
                ),
            }
        }
        if let Err(e) = policy.validate() {
            self.report.push(
                IssueKind::InvalidValue,
                format!("policies/{run}/grading_policy.json"),
                format!("{e}; using Pass at 50 %"),
            );
            policy = GradingPolicy::default();
        }
        policy
    }

    /// about/, info/ and tabs/ (files in `DIR/RUN/` override `DIR/`). Returns the pages
    /// to keep and the about texts by slug (overview, short_description, effort…).
    fn pages(&mut self, run: &str, attrs: &Attrs) -> (Vec<CoursePage>, BTreeMap<String, String>) {
        let tab_names: HashMap<String, String> = match attrs.get("tabs") {
            Some(Value::Array(tabs)) => tabs
                .iter()
                .filter(|t| t.get("type").and_then(Value::as_str) == Some("static_tab"))
                .filter_map(|t| {
                    Some((
                        t.get("url_slug")?.as_str()?.to_owned(),
                        t.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    ))
                })
                .collect(),
            _ => HashMap::new(),
        };
        let mut found: BTreeMap<(&'static str, String), String> = BTreeMap::new();
        for (dir, kind) in [("about", "about"), ("info", "info"), ("tabs", "tab")] {
            for prefix in [format!("{dir}/"), format!("{dir}/{run}/")] {
                for (path, bytes) in self.files.text.range(prefix.clone()..) {
                    let Some(file) = path.strip_prefix(&prefix) else {
                        break;
                    };
                    if file.contains('/') || file.ends_with('~') || file.is_empty() {
                        continue;
                    }
                    let slug = if file == "updates.items.json" {
                        file.to_owned()
                    } else {
                        match file.rsplit_once('.') {
                            Some((s, "html" | "xml" | "txt")) => s.to_owned(),
                            Some((_, _)) if file.ends_with(".json") => continue,
                            _ => file.to_owned(),
                        }
                    };
                    let text = String::from_utf8_lossy(bytes).into_owned();
                    found.insert((kind, slug), text);
                }
            }
        }
        let mut about = BTreeMap::new();
        let mut pages = Vec::new();
        for ((kind, slug), content) in found {
            if kind == "about"
                && matches!(
                    slug.as_str(),
                    "overview" | "short_description" | "effort" | "duration"
                )
            {
                about.insert(slug, content);
                continue;
            }
            let kind = PageKind::parse(kind).unwrap_or(PageKind::About);
            let title = if kind == PageKind::Tab {
                let raw = tab_names.get(&slug).unwrap_or(&slug);
                self.title_or_default(raw, "policy.json", &slug, &slug)
            } else {
                String::new()
            };
            // Pages are sanitised when shown; content too deep to parse is kept as its
            // text, and said so.
            let content = if lyceum_core::sanitize::check_html_nesting(&content).is_err() {
                self.report.push(
                    IssueKind::InvalidValue,
                    format!("{kind}/{slug}", kind = kind.as_str()),
                    too_deep_detail(&format!("page {slug:?}")),
                );
                escaped_text(&content)
            } else {
                content
            };
            pages.push(CoursePage {
                kind,
                slug,
                title,
                content,
            });
        }
        // Static tabs in the order of the policy's tab list.
        let order: Vec<String> = match attrs.get("tabs") {
            Some(Value::Array(tabs)) => tabs
                .iter()
                .filter_map(|t| t.get("url_slug").and_then(Value::as_str).map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        pages.sort_by_key(|p| {
            (
                p.kind.as_str(),
                order
                    .iter()
                    .position(|s| *s == p.slug)
                    .unwrap_or(usize::MAX),
            )
        });
        (pages, about)
    }

    /// about/effort.html ("H:MM" per week) and about/duration.html ("N weeks").
    fn effort(&mut self, about: &BTreeMap<String, String>) -> Option<Effort> {
        let effort = about.get("effort").map(|e| plain_text(e));
        let duration = about.get("duration").map(|d| plain_text(d));
        let minutes = effort.as_deref().and_then(effort_minutes);
        let weeks = duration
            .as_deref()
            .and_then(|d| {
                d.split(|c: char| !c.is_ascii_digit())
                    .find(|s| !s.is_empty())
            })
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|w| *w > 0);
        match (minutes, weeks) {
            (Some(m), Some(w)) if m > 0 && m <= 168 * 60 => Some(Effort {
                minutes_per_week: m,
                weeks: w,
            }),
            (None, None) => None,
            _ => {
                if effort.is_some() || duration.is_some() {
                    self.report.push(
                        IssueKind::InvalidValue,
                        "about/effort.html",
                        format!(
                            "effort {:?} and duration {:?} do not give hours per week and weeks; not shown",
                            effort.unwrap_or_default(),
                            duration.unwrap_or_default()
                        ),
                    );
                }
                None
            }
        }
    }
}

/// Whether a Markdown source from an archive is worth rendering: Markdown's containers
/// (quotes, lists) cost time with their nesting, so a source longer than a text may be,
/// or with a line opening dozens of containers, is not rendered (the text is imported as
/// the HTML beside it). Sources Lyceum exports are far below both.
/// The report's words for author content nesting deeper than the sanitiser accepts.
fn too_deep_detail(what: &str) -> String {
    format!(
        "{what}: content nests more than {MAX_NESTING} levels deep (lists, quotes or HTML \
         elements inside one another); refused"
    )
}

pub(crate) fn markdown_is_tame(md: &str) -> bool {
    const MAX_BYTES: usize = 512 * 1024;
    const MAX_CONTAINERS: usize = 32;
    md.len() <= MAX_BYTES && md.lines().all(|l| line_containers(l) <= MAX_CONTAINERS)
}

/// Studio's "What you'll learn" list (the course's `learning_info` field): the course's
/// learning outcomes, blank entries left out.
fn learning_info(attrs: &Attrs) -> Vec<String> {
    match attrs.get("learning_info") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// `display_name` cleaned into a url_name (`[\w.%-]`, runs of `_` collapsed).
fn clean_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '_' | '.' | '%' | '-') {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out
}

/// ISO-8601 dates as Open edX writes them: with `Z` or an offset, naive (UTC), or a date.
pub fn parse_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    s.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// Open edX's duration strings: `"2 days 5 hours 59 minutes 59 seconds"`.
pub fn parse_duration(s: &str) -> Option<u64> {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return None;
    }
    let mut total = 0u64;
    for pair in words.chunks(2) {
        let n: u64 = pair[0].parse().ok()?;
        let unit = pair[1].trim_end_matches('s');
        let secs = match unit {
            "week" => 7 * 86_400,
            "day" => 86_400,
            "hour" => 3_600,
            "minute" => 60,
            "second" => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(secs)?)?;
    }
    Some(total)
}

/// `HH:MM:SS` (or `MM:SS`, or seconds) → seconds.
pub(crate) fn clock_secs(s: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in s.trim().split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(total).filter(|t: &f64| t.is_finite())
}

/// `"1:30"` hours per week, `"5"` hours, or `"90 minutes"`… → minutes.
fn effort_minutes(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some((h, m)) = s.split_once(':') {
        let h: u32 = h.trim().parse().ok()?;
        let m: u32 = m.trim().parse().ok()?;
        return Some(h * 60 + m);
    }
    let n: f64 = s.split_whitespace().next()?.parse().ok()?;
    (n.is_finite() && n > 0.0).then(|| (n * 60.0).round() as u32)
}

/// Old exports' `/c4x/ORG/NUM/asset/NAME` links, as Studio rewrites them on import
/// (`store_utilities.py` `rewrite_nonportable_content_links`).
pub(crate) fn rewrite_c4x(text: &str) -> String {
    if !text.contains("/c4x/") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/c4x/") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 5..];
        // ORG/NUM/asset/NAME
        let parts: Vec<&str> = after.splitn(4, '/').collect();
        if parts.len() == 4 && parts[2] == "asset" {
            out.push_str("/static/");
            rest = parts[3];
        } else {
            out.push_str("/c4x/");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Asset names of the quoted `/static/…` links of a text (spec §1.7).
fn static_links(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("/static/") {
        let quote = rest[..i].chars().last();
        let after = &rest[i + 8..];
        rest = after;
        let Some(q) = quote.filter(|q| matches!(q, '"' | '\'')) else {
            continue;
        };
        let Some(end) = after.find(q) else {
            continue;
        };
        let target = &after[..end];
        if target.starts_with("xblock") || target.ends_with("?raw") {
            continue;
        }
        let path = target.split(['?', '#']).next().unwrap_or(target);
        let path = path.trim_end_matches('\\');
        if path.is_empty() {
            continue;
        }
        names.push(normalize_asset_name(path));
    }
    names
}

/// Tags stripped, entities decoded, whitespace collapsed.
pub(crate) fn plain_text(html: &str) -> String {
    let out = lyceum_core::sanitize::strip_tags(html)
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_durations() {
        for s in [
            "2013-02-05T05:00:00Z",
            "2013-02-05T05:00:00+00:00",
            "2013-02-05T05:00",
            "2013-02-05T05:00:00",
        ] {
            assert_eq!(
                parse_date(s).unwrap().to_string(),
                "2013-02-05T05:00:00Z",
                "{s}"
            );
        }
        assert_eq!(
            parse_date("2013-02-05").unwrap().to_string(),
            "2013-02-05T00:00:00Z"
        );
        assert_eq!(parse_date("soon"), None);
        assert_eq!(
            parse_duration("2 days 5 hours 59 minutes 59 seconds"),
            Some(2 * 86400 + 5 * 3600 + 59 * 60 + 59)
        );
        assert_eq!(parse_duration("1 hour"), Some(3600));
        assert_eq!(parse_duration("often"), None);
        assert_eq!(clock_secs("00:11:39"), Some(699.0));
        assert_eq!(effort_minutes("1:30"), Some(90));
        assert_eq!(effort_minutes("2"), Some(120));
    }

    #[test]
    fn markdown_nesting() {
        assert_eq!(line_containers("> - 1. > text"), 4);
        assert_eq!(line_containers("-not a list"), 0);
        assert_eq!(line_containers("2026 was a year"), 0);
        assert_eq!(line_containers("*emphasis*"), 0);
        assert!(markdown_is_tame("### Title\n\n- one\n  - two\n> quote"));
        assert!(!markdown_is_tame(&"- ".repeat(100)));
        assert!(!markdown_is_tame(&"> ".repeat(100)));
        assert!(!markdown_is_tame(&"a".repeat(600 * 1024)));
    }

    #[test]
    fn links() {
        assert_eq!(
            static_links(
                r#"<img src="/static/Brain green.png"> <a href='/static/images/a b.pdf?x=1'> /static/bare.png "/static/x.js?raw" "/static/xblock/a""#
            ),
            ["Brain_green.png", "images_a_b.pdf"]
        );
        assert_eq!(
            rewrite_c4x(r#"<img src="/c4x/Org/Num/asset/pic.png">"#),
            r#"<img src="/static/pic.png">"#
        );
        assert_eq!(clean_name("Week 1: Intro!"), "Week_1_Intro_");
        assert_eq!(
            plain_text("<p>Learn <b>fast</b> &amp; well</p>"),
            "Learn fast & well"
        );
    }
}
