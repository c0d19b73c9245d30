//! Archives whose structure contains itself or nests without end: the import refuses them
//! with a message naming the blocks, and never exhausts the stack doing so (a stack
//! overflow aborts the whole server, not just one request).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_core::blocks::LeafContent;
use lyceum_core::course::spec::NewBlock;
use lyceum_olx::OlxFiles;
use lyceum_olx::import::{ImportOptions, MAX_DEPTH, import};
use proptest::prelude::*;

/// The stack tokio gives a blocking thread, where the server runs imports.
const SERVER_STACK: usize = 2 * 1024 * 1024;

fn files(list: &[(String, String)]) -> OlxFiles {
    let mut f = OlxFiles::default();
    for (path, text) in list {
        f.text.insert(path.clone(), text.as_bytes().to_vec());
    }
    f
}

/// A course whose only unit is `vertical/v0.xml`, plus `extra` files.
fn course_with(extra: Vec<(String, String)>) -> OlxFiles {
    let mut list = vec![
        (
            "course.xml".to_owned(),
            r#"<course url_name="r" org="O" course="C"/>"#.to_owned(),
        ),
        (
            "course/r.xml".to_owned(),
            r#"<course display_name="Hostile"><chapter url_name="ch"/></course>"#.to_owned(),
        ),
        (
            "chapter/ch.xml".to_owned(),
            r#"<chapter display_name="Ch"><sequential url_name="seq"/></chapter>"#.to_owned(),
        ),
        (
            "sequential/seq.xml".to_owned(),
            r#"<sequential display_name="Seq"><vertical url_name="v0"/></sequential>"#.to_owned(),
        ),
    ];
    list.extend(extra);
    files(&list)
}

fn file(path: &str, text: &str) -> (String, String) {
    (path.to_owned(), text.to_owned())
}

/// Import on a thread with the server's stack: an overflow fails the test (by aborting
/// it) instead of passing on a roomier test thread.
fn import_on_server_stack(f: OlxFiles) -> Result<lyceum_olx::Imported, (String, Vec<String>)> {
    std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(move || {
            import(&f, &ImportOptions::default()).map_err(|e| (e.key.0.to_owned(), e.args))
        })
        .unwrap()
        .join()
        .unwrap()
}

fn refused(f: OlxFiles) -> (String, Vec<String>) {
    match import_on_server_stack(f) {
        Ok(_) => panic!("the archive was imported"),
        Err(e) => e,
    }
}

#[test]
fn a_vertical_listing_itself_is_refused_by_name() {
    let (key, args) = refused(course_with(vec![file(
        "vertical/v0.xml",
        r#"<vertical display_name="Loop"><html url_name="h"/><vertical url_name="v0"/></vertical>"#,
    )]));
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(args, [r#"vertical "v0" → vertical "v0""#]);
}

#[test]
fn a_longer_cycle_names_every_block_on_it() {
    let (key, args) = refused(course_with(vec![
        file(
            "vertical/v0.xml",
            r#"<vertical><vertical url_name="a"/></vertical>"#,
        ),
        file(
            "vertical/a.xml",
            r#"<vertical><vertical url_name="b"/></vertical>"#,
        ),
        file(
            "vertical/b.xml",
            r#"<vertical><html url_name="h"/><vertical url_name="a"/></vertical>"#,
        ),
    ]));
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(
        args,
        [r#"vertical "a" → vertical "b" → vertical "a""#],
        "the cycle, from where it starts"
    );
}

#[test]
fn a_chapter_or_sequential_listing_itself_is_refused() {
    // A chapter among its own children (kept as a block of its own, then inlined).
    let mut f = course_with(vec![]);
    f.text.insert(
        "chapter/ch.xml".into(),
        br#"<chapter><sequential url_name="seq"/><chapter url_name="ch"/></chapter>"#.to_vec(),
    );
    f.text.insert(
        "vertical/v0.xml".into(),
        br#"<vertical><html url_name="h"/></vertical>"#.to_vec(),
    );
    let (key, args) = refused(f);
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(args, [r#"chapter "ch" → chapter "ch""#]);

    let mut f = course_with(vec![]);
    f.text.insert(
        "sequential/seq.xml".into(),
        br#"<sequential><sequential url_name="seq"/></sequential>"#.to_vec(),
    );
    let (key, args) = refused(f);
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(args, [r#"sequential "seq" → sequential "seq""#]);

    // Back to the course itself, through a block Lyceum keeps as OLX.
    let (key, args) = refused(course_with(vec![
        file(
            "vertical/v0.xml",
            r#"<vertical><split_test url_name="t"/></vertical>"#,
        ),
        file(
            "split_test/t.xml",
            r#"<split_test display_name="AB"><course url_name="r" org="O" course="C"/></split_test>"#,
        ),
    ]));
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(
        args,
        [
            r#"course "r" → chapter "ch" → sequential "seq" → vertical "v0" → split_test "t" → course "r""#
        ]
    );
}

#[test]
fn a_kept_block_including_itself_is_refused() {
    let (key, args) = refused(course_with(vec![
        file(
            "vertical/v0.xml",
            r#"<vertical><library_content url_name="lib"/></vertical>"#,
        ),
        file(
            "library_content/lib.xml",
            r#"<library_content display_name="L"><problem url_name="p"/><library_content url_name="lib"/></library_content>"#,
        ),
        file("problem/p.xml", r#"<problem><p>Hi</p></problem>"#),
    ]));
    assert_eq!(key, "lyceum-error-olx-cycle");
    assert_eq!(args, [r#"library_content "lib" → library_content "lib""#]);
}

/// `depth` verticals, each inside the previous one, written inline in one file, with a
/// text at the bottom.
fn nested_inline(depth: usize) -> OlxFiles {
    let mut xml = String::from(r#"<vertical display_name="Deep">"#);
    for i in 0..depth {
        xml.push_str(&format!(r#"<vertical display_name="level {i}">"#));
    }
    xml.push_str(r#"<html url_name="bottom" display_name="Bottom">deep</html>"#);
    for _ in 0..depth {
        xml.push_str("</vertical>");
    }
    xml.push_str("</vertical>");
    course_with(vec![("vertical/v0.xml".to_owned(), xml)])
}

#[test]
fn tens_of_thousands_of_levels_are_refused_with_the_cap() {
    let (key, args) = refused(nested_inline(50_000));
    assert_eq!(key, "lyceum-error-olx-too-deep");
    assert_eq!(args[0], MAX_DEPTH.to_string());
    assert!(
        args[1].starts_with(r#"course "r" → chapter "ch" → sequential "seq" → … → "#),
        "{}",
        args[1]
    );

    // The same through pointers: each vertical in a file of its own.
    let mut extra = Vec::new();
    for i in 0..10_000 {
        extra.push(file(
            &format!("vertical/v{i}.xml"),
            &format!(r#"<vertical><vertical url_name="v{}"/></vertical>"#, i + 1),
        ));
    }
    let (key, args) = refused(course_with(extra));
    assert_eq!(key, "lyceum-error-olx-too-deep");
    // course, chapter, sequential, then v0…v60 fill the 64 levels: v61 is one too many.
    assert!(
        args[1].ends_with(r#"vertical "v60" → vertical "v61""#),
        "{}",
        args[1]
    );
}

#[test]
fn nesting_up_to_the_cap_imports_and_flattens() {
    // course, chapter, sequential, the unit, then `depth` verticals and the text.
    let depth = MAX_DEPTH - 5;
    let im = import_on_server_stack(nested_inline(depth)).unwrap();
    let unit = &im.blocks[0].children[0].children[0];
    assert_eq!(unit.kind, "unit");
    assert_eq!(
        unit.children
            .iter()
            .map(|b| b.url_name.as_str())
            .collect::<Vec<_>>(),
        ["bottom"]
    );
    let (key, _) = refused(nested_inline(depth + 1));
    assert_eq!(key, "lyceum-error-olx-too-deep");
}

#[test]
fn pointers_unfolding_exponentially_are_refused() {
    // v_i lists v_{i+1} twice: 2^40 paths from 41 small files.
    let mut extra = Vec::new();
    for i in 0..40 {
        extra.push(file(
            &format!("vertical/v{i}.xml"),
            &format!(
                r#"<vertical><vertical url_name="v{n}"/><vertical url_name="v{n}"/></vertical>"#,
                n = i + 1
            ),
        ));
    }
    extra.push(file(
        "vertical/v40.xml",
        r#"<vertical><html url_name="h" display_name="x">x</html></vertical>"#,
    ));
    let started = std::time::Instant::now();
    let (key, args) = refused(course_with(extra));
    assert_eq!(key, "lyceum-error-olx-too-many-blocks");
    assert_eq!(args, [lyceum_olx::import::MAX_BLOCKS.to_string()]);
    assert!(started.elapsed().as_secs() < 60, "stopped early");
}

// ---------- Generated structures ----------

/// A generated course: verticals `v0…vN`, each with a text of its own, pointer children
/// (which may form cycles) and an inline nesting depth around those children.
#[derive(Clone, Debug)]
struct Graph {
    children: Vec<Vec<usize>>,
    inline: Vec<usize>,
}

fn graphs() -> impl Strategy<Value = Graph> {
    (1usize..7).prop_flat_map(|n| {
        (
            proptest::collection::vec(proptest::collection::vec(0..n, 0..3), n),
            proptest::collection::vec(0usize..3, n),
        )
            .prop_map(|(children, inline)| Graph { children, inline })
    })
}

impl Graph {
    fn files(&self) -> OlxFiles {
        let mut extra = Vec::new();
        for (i, kids) in self.children.iter().enumerate() {
            let mut xml = format!(
                r#"<vertical display_name="V{i}"><html url_name="h{i}" display_name="T{i}">text {i}</html>"#
            );
            for _ in 0..self.inline[i] {
                xml.push_str("<vertical>");
            }
            for k in kids {
                xml.push_str(&format!(r#"<vertical url_name="v{k}"/>"#));
            }
            for _ in 0..self.inline[i] {
                xml.push_str("</vertical>");
            }
            xml.push_str("</vertical>");
            extra.push((format!("vertical/v{i}.xml"), xml));
        }
        course_with(extra)
    }

    /// A cycle reachable from `v0`.
    fn has_cycle(&self) -> bool {
        fn visit(g: &Graph, v: usize, on_path: &mut Vec<bool>) -> bool {
            if on_path[v] {
                return true;
            }
            on_path[v] = true;
            let found = g.children[v].iter().any(|&k| visit(g, k, on_path));
            on_path[v] = false;
            found
        }
        visit(self, 0, &mut vec![false; self.children.len()])
    }

    /// The texts of the unit, flattened in reading order: each vertical's own, then its
    /// children's, once per path that reaches it.
    fn texts(&self, v: usize, out: &mut Vec<String>) {
        out.push(format!("text {v}"));
        for &k in &self.children[v] {
            self.texts(k, out);
        }
    }
}

fn leaf_texts(blocks: &[NewBlock]) -> Vec<String> {
    blocks
        .iter()
        .map(
            |b| match LeafContent::decode(&b.kind, &b.content).unwrap() {
                LeafContent::Text(t) => t.source,
                other => panic!("{other:?}"),
            },
        )
        .collect()
}

proptest! {
    // Small and few: this runs with every `cargo test`.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any structure of pointers is either imported, flattened as Open edX shows it, or
    /// refused as a cycle exactly when it has one; nothing overflows the stack.
    #[test]
    fn generated_structures_import_or_are_refused_as_cycles(g in graphs()) {
        match import_on_server_stack(g.files()) {
            Ok(im) => {
                prop_assert!(!g.has_cycle(), "a cycle was imported: {g:?}");
                let unit = &im.blocks[0].children[0].children[0];
                let mut want = Vec::new();
                g.texts(0, &mut want);
                prop_assert_eq!(leaf_texts(&unit.children), want);
            }
            Err((key, args)) => {
                prop_assert!(g.has_cycle(), "refused without a cycle: {key} {args:?}");
                prop_assert_eq!(key, "lyceum-error-olx-cycle");
                // Named by url_name, starting and ending at the same block.
                let parts: Vec<&str> = args[0].split(" → ").collect();
                prop_assert!(parts.len() >= 2);
                prop_assert_eq!(parts.first(), parts.last());
                prop_assert!(parts.iter().all(|p| p.starts_with("vertical \"v")));
            }
        }
    }

    /// Nesting of any depth is imported up to the cap and refused beyond it.
    #[test]
    fn generated_depths_import_up_to_the_cap(depth in 0usize..(MAX_DEPTH * 3)) {
        let r = import_on_server_stack(nested_inline(depth));
        // course, chapter, sequential, the unit, the nested verticals, the text.
        if 4 + depth < MAX_DEPTH {
            prop_assert!(r.is_ok(), "{depth}: {:?}", r.err());
        } else {
            prop_assert_eq!(r.err().map(|e| e.0), Some("lyceum-error-olx-too-deep".to_owned()));
        }
    }
}

#[test]
fn renaming_many_duplicates_stays_fast() {
    // One html block named 20,000 times: each copy is renamed without rescanning.
    let mut xml = String::from("<vertical>");
    for _ in 0..20_000 {
        xml.push_str(r#"<html url_name="same" display_name="x">x</html>"#);
    }
    xml.push_str("</vertical>");
    let started = std::time::Instant::now();
    let im =
        import_on_server_stack(course_with(vec![("vertical/v0.xml".to_owned(), xml)])).unwrap();
    let unit = &im.blocks[0].children[0].children[0];
    assert_eq!(unit.children.len(), 20_000);
    let names: std::collections::BTreeSet<&str> =
        unit.children.iter().map(|b| b.url_name.as_str()).collect();
    assert_eq!(names.len(), 20_000, "every name unique");
    assert!(started.elapsed().as_secs() < 30);
}

/// Export walks the stored outline with a stack of its own: an outline nested far deeper
/// than any course (units in units, as no import makes) is written without recursion.
#[test]
fn export_writes_a_deep_outline_without_recursion() {
    use lyceum_core::course::spec::NewCourse;
    use lyceum_core::course::{CourseKey, License};
    use lyceum_olx::export::{ExportCourse, export};

    let depth = 5_000;
    let out = std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(move || {
            let mut root = NewBlock {
                kind: "unit".to_owned(),
                url_name: format!("u{depth}"),
                title: String::new(),
                release_at: None,
                content: "{}".to_owned(),
                children: Vec::new(),
            };
            for i in (0..depth).rev() {
                root = NewBlock {
                    kind: "unit".to_owned(),
                    url_name: format!("u{i}"),
                    title: String::new(),
                    release_at: None,
                    content: "{}".to_owned(),
                    children: vec![root],
                };
            }
            let course = NewCourse {
                key: CourseKey::new("O", "C", "r").unwrap(),
                grading: Default::default(),
                title: "Deep".to_owned(),
                short_description: String::new(),
                overview_source: String::new(),
                overview_html: String::new(),
                outcomes: Vec::new(),
                language: "en".to_owned(),
                license: License::default(),
                effort: None,
                start: None,
                end: None,
                published: false,
                self_paced: true,
            };
            let blocks = vec![root];
            let mut out = Vec::new();
            let r = export(
                &ExportCourse {
                    course: &course,
                    blocks: &blocks,
                    pages: &[],
                    assets: &[],
                },
                &mut out,
            );
            // Taken apart level by level: dropping it whole would recurse.
            let mut next = blocks;
            while let Some(mut b) = next.pop() {
                next.append(&mut b.children);
            }
            r.map(|()| out)
        })
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(out.as_slice()));
    let verticals = archive
        .entries()
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .unwrap()
                .starts_with("course/vertical")
        })
        .count();
    assert_eq!(verticals, depth + 1);
}

/// A text's exported Markdown source is rendered to check it still matches its HTML:
/// one nested absurdly deep (slow to render) is not, and the text comes in as its HTML.
#[test]
fn a_deeply_nested_markdown_source_is_not_rendered() {
    let md = "- ".repeat(200_000);
    let f = course_with(vec![
        file(
            "vertical/v0.xml",
            r#"<vertical><html url_name="t"/></vertical>"#,
        ),
        file(
            "html/t.xml",
            &format!(r#"<html filename="t" lyceum_markdown="{md}"/>"#),
        ),
        file("html/t.html", "<p>Plain</p>"),
    ]);
    let started = std::time::Instant::now();
    let im = import_on_server_stack(f).unwrap();
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let unit = &im.blocks[0].children[0].children[0];
    match LeafContent::decode(&unit.children[0].kind, &unit.children[0].content).unwrap() {
        LeafContent::Text(t) => assert_eq!(t.source, "<p>Plain</p>"),
        other => panic!("{other:?}"),
    }
}
