//! Open edX's open response assessments (`<openassessment>`) beyond the demo course:
//! staff steps, file uploads, plain-text prompts, learner training, the WikiLearn scale,
//! and elements that cannot be mapped (kept as OLX) — imported, exported and imported again.
#![allow(clippy::unwrap_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::blocks::open_response::{
    Aggregate, FileRules, OpenResponseContent, PeerRules, Requirement, Step, wikilearn_scale,
};
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::export::{ExportCourse, export};
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{BlobSink, Imported, IssueKind, Limits, OlxFiles, StaticFile, archive};
use std::io::Read;

/// Peer, self and a required staff step, learner training first; required uploads of
/// PDFs and images, one file; plain-text prompts; a feedback-only criterion and the
/// WikiLearn scale as Lyceum exports it.
const STAFFED: &str = r#"<openassessment url_name="staffed" display_name="Essay" weight="5" leaderboard_show="0" allow_multiple_files="False"
    file_upload_response="required" file_upload_type="pdf-and-image" submission_due="not a date">
    <title>Ignored: display_name wins</title>
    <assessments>
      <assessment name="student-training">
        <example>
          <answer><part>A sample &amp; answer</part></answer>
          <select criterion="scale" option="wikilearn-good"/>
        </example>
      </assessment>
      <assessment name="peer-assessment" must_grade="3" must_be_graded_by="2" grading_strategy="mean"
        enable_flexible_grading="False" start="2001-01-01T00:00:00+00:00" due="2029-01-01T00:00:00+00:00"/>
      <assessment name="self-assessment"/>
      <assessment name="staff-assessment" required="True"/>
    </assessments>
    <prompts>
      <prompt><description>Line one &amp; &lt;b&gt;not bold&lt;/b&gt;
line two

Second paragraph</description></prompt>
      <prompt><description>   </description></prompt>
      <prompt><description>Part two</description></prompt>
    </prompts>
    <rubric>
      <criterion feedback="required">
        <name>notes</name>
        <label>Notes</label>
        <prompt>Anything to add?</prompt>
      </criterion>
      <criterion feedback="optional">
        <name>scale</name>
        <label>Overall</label>
        <prompt/>
        <option points="0"><name>wikilearn-poor</name><label>Poor</label><explanation/></option>
        <option points="1"><name>wikilearn-needs-improvement</name><label>Needs improvement</label><explanation/></option>
        <option points="2"><name>wikilearn-good</name><label>Good</label><explanation></explanation></option>
        <option points="3"><name>wikilearn-excellent</name><label>Excellent</label><explanation/></option>
      </criterion>
    </rubric>
  </openassessment>"#;

/// Optional text and custom uploads; an optional staff step (dropped); the prompt in the
/// rubric, as the oldest ORAs have it; no `<title>`.
const CUSTOM: &str = r#"<openassessment url_name="custom" text_response="optional" file_upload_response="optional"
    file_upload_type="custom" white_listed_file_types=".PDF, odt ,," submission_start="2026-09-01">
    <assessments>
      <assessment name="self-assessment"/>
      <assessment name="staff-assessment" required="False"/>
    </assessments>
    <rubric>
      <prompt>Describe your plan.</prompt>
      <criterion>
        <name>plan</name>
        <prompt>Is there a plan?</prompt>
        <option points="0"><name>no</name><explanation>None.</explanation></option>
        <option points="2"><name>yes</name><label>Yes</label><explanation>Clear.</explanation></option>
      </criterion>
    </rubric>
  </openassessment>"#;

fn files() -> OlxFiles {
    let vertical = format!(
        r#"<vertical display_name="Assignments">
  {STAFFED}
  {CUSTOM}
  <openassessment url_name="file"/>
  <openassessment url_name="norubric"><title>No rubric</title><assessments><assessment name="self-assessment"/></assessments><rubric/></openassessment>
  <openassessment url_name="ai"><title>AI</title><assessments><assessment name="example-based-assessment"/></assessments>
    <rubric><criterion><name>c</name><prompt/><option points="1"><name>o</name><explanation/></option></criterion></rubric></openassessment>
  <openassessment url_name="twice"><title>Twice</title><assessments><assessment name="self-assessment"/></assessments>
    <rubric><criterion><name>c</name><prompt/><option points="1"><name>o</name><explanation/></option></criterion>
    <criterion><name>c</name><prompt/><option points="1"><name>o</name><explanation/></option></criterion></rubric></openassessment>
  <openassessment url_name="halfpoint"><title>Half</title><assessments><assessment name="self-assessment"/></assessments>
    <rubric><criterion><name>c</name><prompt/><option points="0.5"><name>o</name><explanation/></option></criterion></rubric></openassessment>
</vertical>"#
    );
    let mut f = OlxFiles::default();
    for (path, text) in [
        (
            "course.xml",
            r#"<course url_name="2026" org="Wiki" course="ORA1"/>"#,
        ),
        (
            "course/2026.xml",
            r#"<course display_name="Assignments"><chapter url_name="ch"/></course>"#,
        ),
        (
            "chapter/ch.xml",
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#,
        ),
        (
            "sequential/seq.xml",
            r#"<sequential display_name="Seq"><vertical url_name="v"/></sequential>"#,
        ),
        ("vertical/v.xml", vertical.as_str()),
        // From a file of its own, with HTML prompts.
        (
            "openassessment/file.xml",
            r#"<openassessment prompts_type="html" text_response="required">
  <title>From a file</title>
  <assessments><assessment name="peer-assessment" must_grade="2" must_be_graded_by="2" enable_flexible_grading="True"/></assessments>
  <prompts><prompt><description>&lt;p&gt;See &lt;img src="/static/pic.png"&gt;&lt;/p&gt;</description></prompt></prompts>
  <rubric><criterion feedback="none"><name>c</name><label>C</label><prompt>P</prompt><option points="4"><name>o</name><label>O</label><explanation>E</explanation></option></criterion></rubric>
</openassessment>"#,
        ),
        ("static/pic.png", "png"),
    ] {
        if let Some(s) = path.strip_prefix("static/") {
            f.statics.push(StaticFile {
                path: s.to_owned(),
                sha256: format!("{:064}", 0),
                size: text.len() as u64,
            });
        }
        f.text.insert(path.to_owned(), text.as_bytes().to_vec());
    }
    f
}

fn leaves(im: &Imported) -> Vec<&NewBlock> {
    fn walk<'a>(blocks: &'a [NewBlock], out: &mut Vec<&'a NewBlock>) {
        for b in blocks {
            if b.children.is_empty()
                && !matches!(b.kind.as_str(), "section" | "subsection" | "unit")
            {
                out.push(b);
            }
            walk(&b.children, out);
        }
    }
    let mut out = Vec::new();
    walk(&im.blocks, &mut out);
    out
}

fn content(im: &Imported, name: &str) -> (String, LeafContent) {
    let b = leaves(im)
        .into_iter()
        .find(|b| b.url_name == name)
        .unwrap_or_else(|| panic!("no block {name}"));
    (
        b.title.clone(),
        LeafContent::decode(&b.kind, &b.content).unwrap(),
    )
}

fn open_response(im: &Imported, name: &str) -> (String, OpenResponseContent) {
    match content(im, name) {
        (title, LeafContent::OpenResponse(c)) => (title, c),
        (_, other) => panic!("{name}: {other:?}"),
    }
}

/// Blobs are not needed here: every file is text.
struct NoSink;

impl BlobSink for NoSink {
    fn put(&mut self, reader: &mut dyn Read) -> std::io::Result<(String, u64)> {
        let n = std::io::copy(reader, &mut std::io::sink())?;
        Ok((format!("{n:064}"), n))
    }
}

/// Export, then read the archive back as an import would.
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

#[test]
fn open_response_settings_are_mapped() {
    let im = import(&files(), &ImportOptions::default()).unwrap();

    let (title, c) = open_response(&im, "staffed");
    assert_eq!(title, "Essay");
    assert_eq!(c.text, Requirement::None, "no text_response: files only");
    assert_eq!(
        c.files,
        Some(FileRules {
            requirement: Requirement::Required,
            allowed: ["pdf", "png", "jpg", "jpeg", "gif"]
                .map(String::from)
                .to_vec(),
            max_mb: 10,
            max_files: 1,
        })
    );
    assert_eq!(
        c.prompts,
        [
            "<p>Line one &amp; &lt;b&gt;not bold&lt;/b&gt;<br>line two</p>\n<p>Second paragraph</p>",
            "<p>Part two</p>"
        ]
    );
    assert_eq!(c.steps, [Step::Peer, Step::SelfReview, Step::Staff]);
    assert_eq!(
        c.peer,
        PeerRules {
            must_grade: 3,
            graded_by: 2,
            fallback: None
        }
    );
    assert_eq!(c.aggregate, Aggregate::Mean);
    assert_eq!(c.weight, Some(5.0));
    assert_eq!(
        (c.submission_start, c.due),
        (None, None),
        "bad date ignored"
    );
    assert_eq!(c.rubric.criteria[0].options, []);
    assert_eq!(c.rubric.criteria[0].feedback, Requirement::Required);
    assert_eq!(
        c.rubric.criteria[1].options,
        wikilearn_scale(),
        "the English labels are the preset's"
    );
    assert_eq!(
        c.olx_attrs.keys().collect::<Vec<_>>(),
        ["leaderboard_show", "student-training"]
    );
    let training = &c.olx_attrs["student-training"];
    assert!(
        training.starts_with("<assessment name=\"student-training\">")
            && training.contains("<part>A sample &amp; answer</part>")
            && training.ends_with("</assessment>"),
        "{training}"
    );

    let (title, c) = open_response(&im, "custom");
    assert_eq!(title, "");
    assert_eq!(c.text, Requirement::Optional);
    assert_eq!(
        c.files,
        Some(FileRules {
            requirement: Requirement::Optional,
            allowed: vec!["pdf".into(), "odt".into()],
            max_mb: 10,
            max_files: 20,
        })
    );
    assert_eq!(c.prompts, ["<p>Describe your plan.</p>"]);
    assert_eq!(
        c.steps,
        [Step::SelfReview],
        "an optional staff step is not a step"
    );
    let plan = &c.rubric.criteria[0];
    assert_eq!(
        (plan.label.as_str(), plan.feedback),
        ("plan", Requirement::None)
    );
    assert_eq!(
        plan.options
            .iter()
            .map(|o| (o.label.as_str(), o.points))
            .collect::<Vec<_>>(),
        [("no", 0), ("Yes", 2)]
    );
    assert_eq!(
        c.submission_start.unwrap().to_string(),
        "2026-09-01T00:00:00Z"
    );
    assert!(c.olx_attrs.is_empty(), "{:?}", c.olx_attrs);

    let (title, c) = open_response(&im, "file");
    assert_eq!(title, "From a file");
    assert_eq!(c.prompts, [r#"<p>See <img src="/static/pic.png"></p>"#]);
    assert_eq!(c.text, Requirement::Required);
    assert_eq!(c.files, None);
    assert_eq!(c.steps, [Step::Peer]);
    assert_eq!(c.peer.fallback.map(|f| f.after_days), Some(7));
    assert!(c.olx_attrs.is_empty(), "{:?}", c.olx_attrs);

    // What cannot be mapped is kept as it was, with the reason, and reported.
    for (name, title, why) in [
        ("norubric", "No rubric", "no rubric criteria"),
        ("ai", "AI", "\"example-based-assessment\" has no equivalent"),
        ("twice", "Twice", "lyceum-error-or-content (rubric)"),
        ("halfpoint", "Half", "option points \"0.5\""),
    ] {
        match content(&im, name) {
            (t, LeafContent::Olx(o)) => {
                assert_eq!((t.as_str(), o.tag.as_str()), (title, "openassessment"));
                assert!(o.error.contains(why), "{name}: {}", o.error);
                assert!(
                    o.xml
                        .starts_with(&format!("<openassessment url_name=\"{name}\">")),
                    "{}",
                    o.xml
                );
                assert!(
                    im.report
                        .issues
                        .iter()
                        .any(|i| i.kind == IssueKind::Unsupported
                            && i.path == "vertical/v.xml"
                            && i.detail.starts_with("<openassessment>: ")
                            && i.detail.contains(why)),
                    "{name}: {:?}",
                    im.report.issues
                );
            }
            (_, other) => panic!("{name}: {other:?}"),
        }
    }
    // The training step Lyceum does not run is reported; the rest is not.
    let ora: Vec<&str> = im
        .report
        .issues
        .iter()
        .filter(|i| i.detail.contains("openassessment"))
        .map(|i| i.detail.as_str())
        .collect();
    assert_eq!(ora.len(), 5, "{ora:?}");
    assert!(
        ora.contains(&"<openassessment>: learner training step not run by Lyceum; kept for export")
    );
}

#[test]
fn open_responses_export_as_openassessment_and_come_back_the_same() {
    let mut first = import(&files(), &ImportOptions::default()).unwrap();
    // One written in Lyceum: staff-graded with the WikiLearn scale.
    let mut authored = OpenResponseContent::staff_graded("<p>Write a mission</p>", "Clarity");
    authored.expected_minutes = Some(30);
    let unit = &mut first.blocks[0].children[0].children[0];
    unit.children.push(NewBlock {
        kind: "open_response".into(),
        url_name: "authored".into(),
        title: "Mission & goals".into(),
        release_at: None,
        content: LeafContent::OpenResponse(authored.clone()).encode(),
        children: Vec::new(),
    });

    let exported = export_files(&first);
    let vertical = std::str::from_utf8(&exported.text["vertical/v.xml"]).unwrap();
    let doc = roxmltree::Document::parse(vertical).unwrap();
    let ora = |name: &str| {
        doc.root_element()
            .children()
            .find(|n| n.attribute("url_name") == Some(name))
            .unwrap_or_else(|| panic!("{name} not inline in {vertical}"))
    };
    let steps = |name: &str| -> Vec<String> {
        ora(name)
            .descendants()
            .filter(|n| n.has_tag_name("assessment"))
            .map(|a| {
                let mut s = a.attribute("name").unwrap().to_owned();
                for k in [
                    "must_grade",
                    "must_be_graded_by",
                    "enable_flexible_grading",
                    "grading_strategy",
                    "required",
                ] {
                    if let Some(v) = a.attribute(k) {
                        s.push_str(&format!(" {k}={v}"));
                    }
                }
                s
            })
            .collect()
    };
    assert_eq!(
        steps("staffed"),
        [
            "student-training",
            "peer-assessment must_grade=3 must_be_graded_by=2 enable_flexible_grading=False grading_strategy=mean",
            "self-assessment",
            "staff-assessment required=True",
        ]
    );
    assert_eq!(
        steps("file"),
        ["peer-assessment must_grade=2 must_be_graded_by=2 enable_flexible_grading=True"]
    );
    assert_eq!(steps("authored"), ["staff-assessment required=True"]);
    let staffed = ora("staffed");
    for (k, v) in [
        ("display_name", None),
        ("weight", Some("5")),
        ("leaderboard_show", Some("0")),
        ("text_response", None),
        ("file_upload_response", Some("required")),
        ("file_upload_type", Some("custom")),
        ("white_listed_file_types", Some("pdf,png,jpg,jpeg,gif")),
        ("allow_multiple_files", Some("False")),
        ("show_rubric_during_response", Some("False")),
        ("prompts_type", Some("html")),
        ("student-training", None),
    ] {
        assert_eq!(staffed.attribute(k), v, "{k}");
    }
    let texts = |node: roxmltree::Node<'_, '_>, tag: &str| -> Vec<String> {
        node.descendants()
            .filter(|n| n.has_tag_name(tag))
            .map(|n| n.text().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(texts(staffed, "title"), ["Essay"]);
    assert_eq!(
        texts(staffed, "description"),
        [
            "<p>Line one &amp; &lt;b&gt;not bold&lt;/b&gt;<br>line two</p>\n<p>Second paragraph</p>",
            "<p>Part two</p>"
        ]
    );
    // Open edX needs labels: the preset's, in English.
    let labels = |name: &str| {
        ora(name)
            .descendants()
            .filter(|n| n.has_tag_name("option"))
            .flat_map(|o| texts(o, "label"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        labels("authored"),
        ["Poor", "Needs improvement", "Good", "Excellent"]
    );
    assert_eq!(labels("custom"), ["no", "Yes"]);
    let authored_el = ora("authored");
    assert_eq!(texts(authored_el, "title"), ["Mission & goals"]);
    assert_eq!(authored_el.attribute("text_response"), Some("required"));
    assert_eq!(
        authored_el
            .descendants()
            .find(|n| n.has_tag_name("criterion"))
            .and_then(|c| c.attribute("feedback")),
        Some("optional")
    );
    // Kept ones go back as they came.
    assert!(vertical.contains("<openassessment url_name=\"ai\"><title>AI</title>"));

    let second = import(&exported, &ImportOptions::default()).unwrap();
    let (a, b) = (leaves(&first), leaves(&second));
    assert_eq!(
        a.iter()
            .map(|l| (&l.url_name, &l.kind, &l.title))
            .collect::<Vec<_>>(),
        b.iter()
            .map(|l| (&l.url_name, &l.kind, &l.title))
            .collect::<Vec<_>>()
    );
    let mut mapped = 0;
    for (x, y) in a.iter().zip(&b) {
        let (cx, cy) = (
            LeafContent::decode(&x.kind, &x.content).unwrap(),
            LeafContent::decode(&y.kind, &y.content).unwrap(),
        );
        match (cx, cy) {
            (LeafContent::OpenResponse(_), LeafContent::OpenResponse(q))
                if x.url_name == "authored" =>
            {
                // Everything, what Open edX has no setting for included (it travels in
                // `lyceum_*` attributes).
                assert_eq!(q, authored);
                mapped += 1;
            }
            (LeafContent::OpenResponse(p), LeafContent::OpenResponse(q)) => {
                assert_eq!(p, q, "{}", x.url_name);
                mapped += 1;
            }
            (LeafContent::Olx(o), LeafContent::Olx(q)) => {
                assert_eq!((o.tag, o.xml), (q.tag, q.xml), "{}", x.url_name);
            }
            (p, q) => panic!("{}: {p:?} / {q:?}", x.url_name),
        }
    }
    assert_eq!(mapped, 4);
}
