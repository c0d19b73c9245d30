//! Lyceum's wiki tasks go out as `<wiki_task>` (an element Open edX keeps without knowing
//! it) and come back in as the same tasks; a broken element is kept as OLX and reported.
#![allow(clippy::unwrap_used)]

use lyceum_core::blocks::wiki_task::{Criteria, WikiTask, WikiTaskContent, WindowStart};
use lyceum_core::blocks::{LeafContent, Registered};
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::export::{ExportCourse, export};
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{BlobSink, Imported, Limits, OlxFiles, archive};
use std::io::Read;

fn small_course(vertical: &str) -> OlxFiles {
    let mut f = OlxFiles::default();
    for (path, text) in [
        (
            "course.xml",
            r#"<course url_name="2026" org="Wiki" course="TASK1"/>"#,
        ),
        (
            "course/2026.xml",
            r#"<course display_name="Tasks"><chapter url_name="ch"/></course>"#,
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#,
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq" due="2026-06-01T00:00:00Z"><vertical url_name="v"/></sequential>"#,
        ),
        ("vertical/v.xml", vertical),
    ] {
        f.text.insert(path.to_owned(), text.as_bytes().to_vec());
    }
    f
}

fn leaves(blocks: &[NewBlock], out: &mut Vec<NewBlock>) {
    for b in blocks {
        if b.children.is_empty() && !matches!(b.kind.as_str(), "section" | "subsection" | "unit") {
            out.push(b.clone());
        }
        leaves(&b.children, out);
    }
}

fn tasks(im: &Imported) -> Vec<(String, String, WikiTaskContent)> {
    let mut all = Vec::new();
    leaves(&im.blocks, &mut all);
    all.into_iter()
        .filter(|b| b.kind == "wiki_task")
        .map(|b| {
            let c = LeafContent::decode(&b.kind, &b.content).unwrap();
            (b.url_name, b.title, WikiTask::of(&c).unwrap().clone())
        })
        .collect()
}

struct NoSink;

impl BlobSink for NoSink {
    fn put(&mut self, reader: &mut dyn Read) -> std::io::Result<(String, u64)> {
        let n = std::io::copy(reader, &mut std::io::sink())?;
        Ok((format!("{n:064}"), n))
    }
}

fn export_files(im: &Imported) -> OlxFiles {
    let mut out = Vec::new();
    export(
        &ExportCourse {
            course: &im.course,
            blocks: &im.blocks,
            pages: &im.pages,
            assets: &[],
        },
        &mut out,
    )
    .unwrap();
    archive::read_tar_gz(out.as_slice(), &Limits::default(), &mut NoSink).unwrap()
}

fn text(files: &OlxFiles, path: &str) -> String {
    String::from_utf8(files.text[path].clone()).unwrap()
}

const VERTICAL: &str = r#"<vertical display_name="V">
  <wiki_task url_name="draft" display_name="Your first draft" wiki="FR.wikipedia.org" graded="true" weight="2" window_from="unit_opened">
    <instructions format="markdown">Write a draft in your user space with **one** reference.</instructions>
    <criteria>{"type":"edit","namespaces":[2],"title_pattern":"User:{username}/*","page":"created","must_contain":["&lt;ref"]}</criteria>
    <prefill title="User:{username}/Brouillon" summary="Mon brouillon"/>
  </wiki_task>
  <wiki_task url_name="statement" wiki="www.wikidata.org" due="2026-06-01T00:00:00Z"><criteria>{"type":"wikidata","property":"p31","with_reference":true}</criteria></wiki_task>
  <wiki_task url_name="map" wiki="commons.wikimedia.org" due="2026-05-01T00:00:00Z"><instructions>&lt;p onclick="x()"&gt;Upload a map&lt;/p&gt;</instructions><criteria>{"type":"upload","category":"Category:Maps of France"}</criteria></wiki_task>
  <lyceum_wiki_task url_name="early" display_name="Early" content='{"wiki":"fr.wikipedia.org","instructions":"&lt;p&gt;Old&lt;/p&gt;","criteria":{"type":"edit","tag":"visualeditor"},"due":"2026-05-02T00:00:00Z"}'/>
  <wiki_task url_name="broken" wiki="fr.wikipedia.org"><criteria>{"type":"edit","min_edits":0}</criteria></wiki_task>
  <wiki_task url_name="nowiki"><criteria>{"type":"edit"}</criteria></wiki_task>
</vertical>"#;

#[test]
fn wiki_tasks_import_validated_and_go_back_out_unchanged() {
    let im = import(&small_course(VERTICAL), &ImportOptions::default()).unwrap();
    let found = tasks(&im);
    let names: Vec<&str> = found.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["draft", "statement", "map", "early"]);

    let (_, title, draft) = &found[0];
    assert_eq!(title, "Your first draft");
    assert_eq!(draft.wiki, "fr.wikipedia.org", "normalised on import");
    assert!(draft.graded);
    assert_eq!(draft.weight, Some(2.0));
    assert_eq!(draft.window.from, WindowStart::UnitOpened);
    assert!(
        draft.instructions.contains("<strong>one</strong>"),
        "{}",
        draft.instructions
    );
    let Criteria::Edit(e) = &draft.criteria else {
        panic!("{:?}", draft.criteria)
    };
    assert_eq!(e.must_contain, ["<ref"]);
    assert_eq!(draft.prefill.title, "User:{username}/Brouillon");

    let statement = &found[1].2;
    assert_eq!(
        statement.due, None,
        "the subsection's due date is not its own"
    );
    let Criteria::Wikidata(w) = &statement.criteria else {
        panic!()
    };
    assert_eq!(w.property, "P31");
    let map = &found[2].2;
    assert_eq!(map.due, Some("2026-05-01T00:00:00Z".parse().unwrap()));
    assert_eq!(map.instructions, "<p>Upload a map</p>", "sanitised");

    // The element an early build wrote, with the whole content in one attribute.
    let early = &found[3].2;
    assert_eq!(early.instructions, "<p>Old</p>");
    assert_eq!(early.due, Some("2026-05-02T00:00:00Z".parse().unwrap()));

    // The ones that do not make a task are kept as OLX, each reported.
    let mut all = Vec::new();
    leaves(&im.blocks, &mut all);
    let kept: Vec<&str> = all
        .iter()
        .filter(|b| b.kind == "olx")
        .map(|b| b.url_name.as_str())
        .collect();
    assert_eq!(kept, ["broken", "nowiki"]);
    let details: Vec<&str> = im
        .report
        .issues
        .iter()
        .filter(|i| i.path == "vertical/v.xml")
        .map(|i| i.detail.as_str())
        .collect();
    assert_eq!(
        details,
        [
            "<wiki_task>: lyceum-error-number-range (0, 1, 100)",
            "<wiki_task>: no wiki"
        ]
    );

    let files = export_files(&im);
    let v = text(&files, "vertical/v.xml");
    assert!(v.contains("<wiki_task url_name=\"draft\""), "{v}");
    assert!(v.contains("&lt;ref"), "{v}");
    let again = import(&files, &ImportOptions::default()).unwrap();
    assert_eq!(tasks(&again), found);
}
