//! The Open edX demo course, imported, exported and imported again, gives the same course:
//! structure, settings, problem definitions and scores, open response assessments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::capa::{self, AnswerValue, Answers};
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::export::{ExportAsset, ExportCourse, export};
use lyceum_olx::import::{ImportOptions, import};
use lyceum_olx::{BlobSink, Imported, Limits, archive};
use std::io::Read;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/olx/demo-course")
}

/// Blobs as files named by their hash, as the media store keeps them.
struct DirSink(PathBuf);

impl BlobSink for DirSink {
    fn put(&mut self, reader: &mut dyn Read) -> std::io::Result<(String, u64)> {
        use sha2::{Digest, Sha256};
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        let sha = format!("{:x}", Sha256::digest(&bytes));
        std::fs::write(self.0.join(&sha), &bytes)?;
        Ok((sha, bytes.len() as u64))
    }
}

fn import_from(path: &Path, sink: &mut DirSink) -> Imported {
    let files = archive::read_path(path, &Limits::default(), sink).unwrap();
    import(&files, &ImportOptions::default()).unwrap()
}

fn export_to(im: &Imported, blobs: &Path, out: &Path) {
    for a in &im.generated {
        std::fs::write(blobs.join(format!("gen-{}", a.name)), &a.bytes).unwrap();
    }
    let assets: Vec<ExportAsset> = im
        .assets
        .iter()
        .map(|a| ExportAsset {
            name: a.name.clone(),
            path: blobs.join(&a.sha256),
        })
        .chain(im.generated.iter().map(|a| ExportAsset {
            name: a.name.clone(),
            path: blobs.join(format!("gen-{}", a.name)),
        }))
        .collect();
    let file = std::fs::File::create(out).unwrap();
    export(
        &ExportCourse {
            course: &im.course,
            blocks: &im.blocks,
            pages: &im.pages,
            assets: &assets,
        },
        file,
    )
    .unwrap();
}

fn flatten<'a>(blocks: &'a [NewBlock], depth: usize, out: &mut Vec<(usize, &'a NewBlock)>) {
    for b in blocks {
        out.push((depth, b));
        flatten(&b.children, depth + 1, out);
    }
}

/// Full marks, and a plainly wrong answer, for every input of a problem.
fn answer_sets(p: &capa::Problem) -> Vec<Answers> {
    let right: Answers = capa::correct_answers(p).into_iter().collect();
    let wrong: Answers = right
        .iter()
        .map(|(k, v)| {
            let w = match v {
                AnswerValue::Many(_) => AnswerValue::Many(Vec::new()),
                AnswerValue::One(_) => AnswerValue::One("zzz-not-it".into()),
            };
            (k.clone(), w)
        })
        .collect();
    vec![right, wrong]
}

#[test]
fn demo_course_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let blobs = tmp.path().join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let mut sink = DirSink(blobs.clone());
    let first = import_from(&fixture(), &mut sink);
    let archive_path = tmp.path().join("demo.tar.gz");
    export_to(&first, &blobs, &archive_path);
    let second = import_from(&archive_path, &mut sink);

    // Course settings.
    let (a, b) = (&first.course, &second.course);
    assert_eq!(a.key, b.key);
    assert_eq!(a.title, b.title);
    assert_eq!(
        (a.start, a.end, a.self_paced, &a.language, a.license),
        (b.start, b.end, b.self_paced, &b.language, b.license)
    );
    assert_eq!(a.grading, b.grading);
    assert_eq!(a.short_description, b.short_description);
    assert_eq!(a.effort, b.effort);

    // Structure and every block, in order.
    let (mut fa, mut fb) = (Vec::new(), Vec::new());
    flatten(&first.blocks, 0, &mut fa);
    flatten(&second.blocks, 0, &mut fb);
    assert_eq!(fa.len(), fb.len());
    let mut problems = 0;
    let mut graded = 0;
    let mut open_responses = 0;
    let mut surveys = 0;
    for ((da, x), (db, y)) in fa.iter().zip(&fb) {
        assert_eq!(
            (da, &x.kind, &x.url_name, &x.title, x.release_at),
            (db, &y.kind, &y.url_name, &y.title, y.release_at)
        );
        let (cx, cy) = (
            LeafContent::decode(&x.kind, &x.content),
            LeafContent::decode(&y.kind, &y.content),
        );
        match (cx, cy) {
            (Ok(LeafContent::Problem(mut p)), Ok(LeafContent::Problem(mut q))) => {
                problems += 1;
                assert_eq!(p.xml, q.xml, "{}", x.url_name);
                assert_eq!(
                    (
                        p.weight,
                        p.max_attempts,
                        &p.showanswer,
                        &p.show_correctness,
                        p.show_reset_button,
                        &p.rerandomize,
                        p.grading_method,
                        p.due
                    ),
                    (
                        q.weight,
                        q.max_attempts,
                        &q.showanswer,
                        &q.show_correctness,
                        q.show_reset_button,
                        &q.rerandomize,
                        q.grading_method,
                        q.due
                    ),
                    "{}",
                    x.url_name
                );
                p.parse(&x.url_name).unwrap();
                q.parse(&y.url_name).unwrap();
                let (pp, qp) = (p.parsed.clone().unwrap(), q.parsed.clone().unwrap());
                for answers in answer_sets(&pp) {
                    let (ga, gb) = (capa::grade(&pp, &answers), capa::grade(&qp, &answers));
                    match (ga, gb) {
                        (Ok(ga), Ok(gb)) => {
                            graded += 1;
                            assert_eq!(
                                (ga.earned, ga.possible),
                                (gb.earned, gb.possible),
                                "{}",
                                x.url_name
                            );
                            assert_eq!(
                                capa::weighted(ga.earned, ga.possible, p.weight),
                                capa::weighted(gb.earned, gb.possible, q.weight)
                            );
                        }
                        (ea, eb) => assert_eq!(ea.is_err(), eb.is_err(), "{}", x.url_name),
                    }
                }
            }
            (Ok(LeafContent::Text(t)), Ok(LeafContent::Text(u))) => {
                assert_eq!(t.source, u.source, "{}", x.url_name)
            }
            (Ok(LeafContent::Olx(o)), Ok(LeafContent::Olx(q))) => {
                assert_eq!((o.tag, o.xml), (q.tag, q.xml), "{}", x.url_name)
            }
            (Ok(LeafContent::Video(v)), Ok(LeafContent::Video(w))) => {
                assert_eq!(
                    (&v.youtube_id, &v.edx_video_id, v.start_secs, v.end_secs),
                    (&w.youtube_id, &w.edx_video_id, w.start_secs, w.end_secs)
                );
                assert_eq!(v.sources, w.sources);
                let langs = |v: &lyceum_core::blocks::VideoContent| {
                    v.tracks
                        .iter()
                        .map(|t| (t.lang.clone(), t.cues.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(langs(&v), langs(&w), "{}", x.url_name);
            }
            (Ok(LeafContent::Discussion(d)), Ok(LeafContent::Discussion(e))) => assert_eq!(d, e),
            (Ok(LeafContent::OpenResponse(o)), Ok(LeafContent::OpenResponse(p))) => {
                open_responses += 1;
                assert_eq!(o, p, "{}", x.url_name);
            }
            (Ok(LeafContent::Survey(a)), Ok(LeafContent::Survey(b))) => {
                surveys += 1;
                assert_eq!(a, b, "{}", x.url_name);
            }
            (Ok(_), Ok(_)) => {
                if !matches!(x.kind.as_str(), "section" | "subsection" | "unit") {
                    panic!("{} changed kind", x.url_name);
                }
                assert_eq!(x.content, y.content, "{}", x.url_name);
            }
            (ra, rb) => panic!("{}: {ra:?} / {rb:?}", x.url_name),
        }
    }
    assert_eq!(problems, 23);
    // Both open response assessments, as open responses on both sides.
    assert_eq!(open_responses, 2);
    // The poll and the survey (xblock-poll), as surveys on both sides.
    assert_eq!(surveys, 2);
    // 12 problems Lyceum grades (the others need Open edX's Python sandbox and are kept,
    // shown with a notice and scoring nothing on both sides), right and wrong answers.
    assert_eq!(graded, 24);
    // Pages and assets.
    let pages = |im: &Imported| {
        im.pages
            .iter()
            .map(|p| (p.kind, p.slug.clone(), p.content.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(pages(&first), pages(&second));
    let names = |im: &Imported| {
        im.assets
            .iter()
            .map(|a| (a.name.clone(), a.sha256.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (na, nb) = (names(&first), names(&second));
    for (name, sha) in &na {
        assert_eq!(nb.get(name), Some(sha), "asset {name}");
    }
}
