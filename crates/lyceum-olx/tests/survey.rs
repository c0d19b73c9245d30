//! Open edX's polls and surveys (xblock-poll's `<poll>` and `<survey>`, the older
//! `<poll_question>`) become survey blocks, and go back out as the same elements: the
//! demo course's two, and hand-written ones with what Lyceum adds.
#![allow(clippy::unwrap_used)]

use lyceum_core::blocks::survey::{Question, QuestionType, Survey, SurveyContent};
use lyceum_core::blocks::{LeafContent, Registered};
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::export::{ExportCourse, export};
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{BlobSink, Imported, Limits, OlxFiles, StaticFile, archive};
use std::io::Read;
use std::path::Path;

fn demo_files() -> OlxFiles {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/olx/demo-course"
    ));
    let mut files = OlxFiles::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).unwrap();
            if let Some(s) = rel.strip_prefix("static/") {
                files.statics.push(StaticFile {
                    path: s.to_owned(),
                    sha256: format!("{:064x}", bytes.len()),
                    size: bytes.len() as u64,
                });
            } else {
                files.text.insert(rel, bytes);
            }
        }
    }
    files
}

fn small_course(vertical: &str) -> OlxFiles {
    let mut f = OlxFiles::default();
    for (path, text) in [
        (
            "course.xml",
            r#"<course url_name="2026" org="Wiki" course="POLL1"/>"#,
        ),
        (
            "course/2026.xml",
            r#"<course display_name="Polls"><chapter url_name="ch"/></course>"#,
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#,
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq"><vertical url_name="v"/></sequential>"#,
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

fn surveys(im: &Imported) -> Vec<(String, String, SurveyContent)> {
    let mut all = Vec::new();
    leaves(&im.blocks, &mut all);
    all.into_iter()
        .filter(|b| b.kind == "survey")
        .map(|b| {
            let c = LeafContent::decode(&b.kind, &b.content).unwrap();
            (b.url_name, b.title, Survey::of(&c).unwrap().clone())
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

#[test]
fn the_demo_poll_and_survey_import_and_go_back_out() {
    let im = import(&demo_files(), &ImportOptions::default()).unwrap();
    let found = surveys(&im);
    assert_eq!(found.len(), 2, "{found:?}");
    let (_, title, poll) = found
        .iter()
        .find(|(n, _, _)| n == "6b75d4fab22a4c70afcafc6ec699d64d")
        .unwrap();
    assert_eq!(title, "Poll: Open edX features");
    assert_eq!(poll.questions.len(), 1);
    let q = &poll.questions[0];
    assert_eq!(q.kind, QuestionType::SingleChoice);
    assert!(q.required);
    assert!(q.text.starts_with("From what you've seen so far"));
    let choices: Vec<(&str, &str)> = q
        .choices
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(
        choices,
        [
            ("R", "Assessment Features"),
            ("B", "Social Learning Features"),
            ("G", "Content Creation Tools"),
            ("O", "Something Else")
        ]
    );
    assert!(poll.final_on_submit);
    assert!(poll.thanks.starts_with("Now that you've voted"));
    let origin = poll.olx.as_ref().unwrap();
    assert_eq!(origin.tag, "poll");
    assert_eq!(origin.attrs["private_results"], "false");
    assert_eq!(origin.attrs["xblock-family"], "xblock.v1");

    let (_, _, survey) = found
        .iter()
        .find(|(n, _, _)| n == "6da749b1e81f42faa38bf51a37f7ea32")
        .unwrap();
    let ids: Vec<&str> = survey.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["enjoy", "recommend", "learn"]);
    assert!(
        survey.questions.iter().all(|q| q.choices.len() == 3
            && q.choices[0].id == "Y"
            && q.choices[2].label == "Maybe")
    );
    assert_eq!(survey.olx.as_ref().unwrap().attrs["block_name"], "Survey");

    // Out as the same elements, which read back as the same surveys.
    let files = export_files(&im);
    let polls: Vec<String> = files
        .text
        .iter()
        .filter(|(p, _)| p.starts_with("vertical/"))
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .filter(|v| v.contains("<poll ") || v.contains("<survey "))
        .collect();
    assert_eq!(polls.len(), 2);
    for v in &polls {
        assert!(
            !v.contains("lyceum_survey"),
            "a demo poll needs nothing of Lyceum's: {v}"
        );
        assert!(v.contains("xblock-family=\"xblock.v1\""), "{v}");
    }
    let again = import(&files, &ImportOptions::default()).unwrap();
    assert_eq!(surveys(&again), found);
}

#[test]
fn poll_question_and_lyceum_settings_round_trip() {
    let vertical = r#"<vertical display_name="V">
  <poll_question url_name="old" display_name="Old poll" reset="false"><h3>Did you <em>read</em> it?</h3><answer id="yes">Yes</answer><answer id="no">No</answer></poll_question>
  <poll url_name="bad" question="No answers"/>
  <survey url_name="s" questions='[["a", {"label": "Q1"}], ["b", {"label": "Q2"}]]' answers='[["1", "One"], ["2", "Two"]]' max_submissions="0"/>
</vertical>"#;
    let im = import(&small_course(vertical), &ImportOptions::default()).unwrap();
    let found = surveys(&im);
    assert_eq!(found.len(), 2);
    let old = &found[0].2;
    assert_eq!(old.questions[0].text, "Did you read it?");
    assert!(old.final_on_submit);
    assert!(!found[1].2.final_on_submit);
    // A poll without answers stays kept OLX, reported.
    assert!(im.report.issues.iter().any(|i| i.detail.contains("<poll>")));

    // Lyceum's additions (a Likert question, anonymity, dates, credit) survive export.
    let mut blocks = im.blocks.clone();
    fn edit(blocks: &mut [NewBlock]) {
        for b in blocks {
            if b.kind == "survey" && b.url_name == "s" {
                let c = LeafContent::decode(&b.kind, &b.content).unwrap();
                let mut s = Survey::of(&c).unwrap().clone();
                s.anonymous = true;
                s.weight = Some(2.0);
                s.closes = Some("2030-01-01T00:00:00Z".parse().unwrap());
                let mut q = Question::new("conf", QuestionType::Likert, "Confident?");
                q.points = Some(7);
                s.questions.push(q);
                b.content = Survey::into_leaf(s).validate().unwrap().encode();
            }
            edit(&mut b.children);
        }
    }
    edit(&mut blocks);
    let edited = Imported { blocks, ..im };
    let files = export_files(&edited);
    let v = text(&files, "vertical/v.xml");
    assert!(v.contains("<poll_question url_name=\"old\""), "{v}");
    assert!(v.contains("<lyceum_survey url_name=\"s\""), "{v}");
    let again = import(&files, &ImportOptions::default()).unwrap();
    assert_eq!(surveys(&again), surveys(&edited));
}
