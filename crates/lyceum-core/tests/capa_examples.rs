//! The worked examples E1–E16 of `shared/specs/olx-and-capa.md` §4 and edge cases, as
//! problem XML → answers → per-input correctness and raw score.
#![allow(clippy::unwrap_used)]

use lyceum_core::capa::{
    self, AnswerValue, Answers, Correctness, GradeError, Problem, Segment, Widget,
};

use Correctness::{Correct as C, Incorrect as I, PartiallyCorrect as P};

fn parse(xml: &str) -> Problem {
    capa::parse("1", xml).unwrap_or_else(|e| panic!("parse failed: {e}\n{xml}"))
}

fn one(v: &str) -> AnswerValue {
    AnswerValue::One(v.to_owned())
}

fn many(v: &[&str]) -> AnswerValue {
    AnswerValue::Many(v.iter().map(|s| (*s).to_owned()).collect())
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// One case: the answer of input `1_2_1` → expected correctness and earned points.
struct Case<'a> {
    xml: &'a str,
    answer: Option<AnswerValue>,
    correctness: Correctness,
    earned: f64,
}

fn run(name: &str, cases: &[Case<'_>]) {
    for (n, case) in cases.iter().enumerate() {
        let p = parse(case.xml);
        let a = match &case.answer {
            Some(v) => answers(&[("1_2_1", v.clone())]),
            None => Answers::new(),
        };
        let g = capa::grade(&p, &a).unwrap_or_else(|e| panic!("{name} #{n}: {e:?}"));
        let r = &g.inputs["1_2_1"];
        assert_eq!(
            r.correctness, case.correctness,
            "{name} #{n}: {:?}",
            case.answer
        );
        assert!(
            (r.earned - case.earned).abs() < 1e-9,
            "{name} #{n}: earned {} expected {}",
            r.earned,
            case.earned
        );
        assert!((g.earned - case.earned).abs() < 1e-9, "{name} #{n}: total");
    }
}

fn case<'a>(xml: &'a str, answer: AnswerValue, correctness: Correctness, earned: f64) -> Case<'a> {
    Case {
        xml,
        answer: Some(answer),
        correctness,
        earned,
    }
}

fn grade_err(xml: &str, answer: &str) -> GradeError {
    let p = parse(xml);
    capa::grade(&p, &answers(&[("1_2_1", one(answer))])).unwrap_err()
}

fn student_key(xml: &str, answer: &str) -> &'static str {
    match grade_err(xml, answer) {
        GradeError::StudentInput { key, input_id, .. } => {
            assert_eq!(input_id, "1_2_1");
            key
        }
        other => panic!("expected a student input error for {answer:?}, got {other:?}"),
    }
}

fn mc(choices: &str, extra: &str) -> String {
    format!(
        "<problem><multiplechoiceresponse {extra}><choicegroup type=\"MultipleChoice\">{choices}</choicegroup></multiplechoiceresponse></problem>"
    )
}

#[test]
fn e1_multiple_choice() {
    let xml = mc(
        r#"<choice correct="false">A</choice><choice correct="true">B</choice><choice correct="false">C</choice>"#,
        "",
    );
    run(
        "E1",
        &[
            case(&xml, one("choice_1"), C, 1.0),
            case(&xml, one("choice_0"), I, 0.0),
            case(&xml, one("choice_3"), I, 0.0),
            Case {
                xml: &xml,
                answer: None,
                correctness: I,
                earned: 0.0,
            },
        ],
    );
    let named = mc(
        r#"<choice correct="false" name="foil_1">A</choice><choice correct="true" name="foil_2">B</choice>"#,
        "",
    );
    run(
        "E1 named",
        &[
            case(&named, one("choice_foil_2"), C, 1.0),
            case(&named, one("choice_foil_1"), I, 0.0),
        ],
    );
    let p = parse(&xml);
    assert_eq!(p.responses[0].inputs[0].id, "1_2_1");
    assert_eq!(capa::max_score(&p), 1.0);
}

#[test]
fn e2_multiple_choice_partial() {
    let xml = mc(
        r#"<choice correct="false">A</choice><choice correct="true">B</choice><choice correct="partial">C</choice>"#,
        r#"partial_credit="points""#,
    );
    let points = mc(
        r#"<choice correct="partial" point_value="1">A</choice><choice correct="partial" point_value="0.6">B</choice><choice correct="partial" point_value="0">C</choice>"#,
        r#"partial_credit="points""#,
    );
    run(
        "E2",
        &[
            case(&xml, one("choice_2"), P, 0.5),
            case(&xml, one("choice_1"), C, 1.0),
            case(&xml, one("choice_0"), I, 0.0),
            case(&points, one("choice_1"), P, 0.6),
            case(&points, one("choice_0"), P, 1.0),
            case(&points, one("choice_2"), P, 0.0),
        ],
    );
    for bad in ["points,points", "bongo"] {
        let xml = mc(
            r#"<choice correct="true">A</choice><choice correct="partial">B</choice>"#,
            &format!("partial_credit=\"{bad}\""),
        );
        assert!(
            matches!(grade_err(&xml, "choice_0"), GradeError::Problem(_)),
            "{bad}"
        );
    }
}

fn checkboxes(flags: &[bool], extra: &str) -> String {
    let choices: String = flags
        .iter()
        .enumerate()
        .map(|(i, f)| format!("<choice correct=\"{f}\">Choice {i}</choice>"))
        .collect();
    format!(
        "<problem><choiceresponse {extra}><checkboxgroup>{choices}</checkboxgroup></choiceresponse></problem>"
    )
}

#[test]
fn e3_checkboxes_all_or_nothing() {
    let xml = checkboxes(&[false, true, true], "");
    run(
        "E3",
        &[
            case(&xml, many(&["choice_1", "choice_2"]), C, 1.0),
            case(&xml, many(&["choice_1"]), I, 0.0),
            case(&xml, many(&["choice_0", "choice_1"]), I, 0.0),
            case(&xml, many(&[]), I, 0.0),
            case(&xml, one("choice_3"), I, 0.0),
            Case {
                xml: &xml,
                answer: None,
                correctness: I,
                earned: 0.0,
            },
        ],
    );
}

#[test]
fn e4_checkboxes_edc() {
    let xml = checkboxes(&[false, false, true, true], r#"partial_credit="edc""#);
    run(
        "E4",
        &[
            case(&xml, many(&["choice_2"]), P, 0.75),
            case(&xml, many(&["choice_0"]), P, 0.25),
            case(&xml, many(&["choice_0", "choice_1"]), I, 0.0),
            case(
                &xml,
                many(&["choice_0", "choice_1", "choice_2", "choice_3"]),
                P,
                0.5,
            ),
            case(&xml, many(&["choice_2", "choice_3"]), C, 1.0),
            case(&xml, many(&[]), I, 0.0),
        ],
    );
}

#[test]
fn e5_checkboxes_halves() {
    let four = checkboxes(&[false, false, true, true], r#"partial_credit="halves""#);
    let five = checkboxes(
        &[false, false, true, true, false],
        r#"partial_credit="halves""#,
    );
    run(
        "E5",
        &[
            case(&four, many(&["choice_2"]), P, 0.5),
            case(&four, many(&["choice_1", "choice_2", "choice_3"]), P, 0.5),
            case(
                &four,
                many(&["choice_0", "choice_1", "choice_2", "choice_3"]),
                I,
                0.0,
            ),
            case(&four, many(&["choice_2", "choice_3"]), C, 1.0),
            case(
                &five,
                many(&["choice_0", "choice_1", "choice_2", "choice_3"]),
                P,
                0.25,
            ),
            case(
                &five,
                many(&["choice_0", "choice_1", "choice_2", "choice_3", "choice_4"]),
                I,
                0.0,
            ),
            case(&five, many(&["choice_0", "choice_1", "choice_4"]), I, 0.0),
        ],
    );
    let bad = checkboxes(&[false, true], r#"partial_credit="edc,halves""#);
    assert!(matches!(
        capa::grade(&parse(&bad), &answers(&[("1_2_1", many(&["choice_1"]))])),
        Err(GradeError::Problem(_))
    ));
    // An empty selection is graded before the scheme is checked, as in Open edX.
    assert!(capa::grade(&parse(&bad), &answers(&[("1_2_1", many(&[]))])).is_ok());
}

const TWO_DROPDOWNS: &str = r#"<problem><optionresponse>
<optioninput options="('Correct','Incorrect')" correct="Correct"/>
<optioninput options="('Correct','Incorrect')" correct="Correct"/></optionresponse></problem>"#;

#[test]
fn e7_two_dropdowns_and_weight() {
    let p = parse(TWO_DROPDOWNS);
    assert_eq!(p.responses[0].inputs[1].id, "1_2_2");
    let g = capa::grade(
        &p,
        &answers(&[("1_2_1", one("Correct")), ("1_2_2", one("Incorrect"))]),
    )
    .unwrap();
    assert_eq!((g.earned, g.possible), (1.0, 2.0));
    assert_eq!(g.inputs["1_2_2"].correctness, I);
    assert_eq!(capa::weighted(g.earned, g.possible, Some(4.0)), (2.0, 4.0));
    let g = capa::grade(&p, &answers(&[("1_2_1", one("correct"))])).unwrap();
    assert_eq!(g.inputs["1_2_1"].correctness, I);
    assert!(
        matches!(&p.responses[0].inputs[0].widget, Widget::Select { options } if options == &["Correct", "Incorrect"])
    );
}

#[test]
fn e8_dropdown_quotes_and_option_form() {
    let xml = r#"<problem><optionresponse><optioninput options="('hasnot','hasn't','has'nt')" correct="hasn't"/></optionresponse></problem>"#;
    run(
        "E8",
        &[
            case(xml, one("hasn't"), C, 1.0),
            case(xml, one("has'nt"), I, 0.0),
            case(xml, one("hasnot"), I, 0.0),
            case(xml, one(" hasn't"), I, 0.0),
        ],
    );
    let p = parse(xml);
    assert!(
        matches!(&p.responses[0].inputs[0].widget, Widget::Select { options } if options == &["hasnot", "hasn't", "has'nt"])
    );
    let form = r#"<problem><optionresponse><optioninput>
        <option correct="False">Sydney</option>
        <option correct="True">Canberra <optionhint>Yes, the capital.</optionhint></option>
        <option correct="False">Melbourne</option></optioninput></optionresponse></problem>"#;
    run(
        "E8 form",
        &[
            case(form, one("Canberra"), C, 1.0),
            case(form, one("Sydney"), I, 0.0),
        ],
    );
    let g = capa::grade(&parse(form), &answers(&[("1_2_1", one("Canberra"))])).unwrap();
    assert_eq!(
        g.inputs["1_2_1"].feedback.as_deref(),
        Some("Yes, the capital.")
    );
    let two = r#"<problem><optionresponse><optioninput><option correct="True">a</option><option correct="True">b</option></optioninput></optionresponse></problem>"#;
    assert_eq!(
        capa::parse("1", two).unwrap_err().key.0,
        "lyceum-error-capa-dropdown-correct"
    );
}

fn text(answer: &str, type_attr: &str, extra: &str) -> String {
    format!(
        "<problem><stringresponse answer=\"{answer}\" {type_attr}>{extra}<textline size=\"20\"/></stringresponse></problem>"
    )
}

#[test]
fn e9_text_case() {
    let cs = text("Second", "", "");
    let ci = text(
        "sample_answer",
        r#"type="ci""#,
        r#"<additional_answer answer="Third"/><additional_answer>Fourth</additional_answer>"#,
    );
    let legacy = text("Second_or_Third", "", "");
    run(
        "E9",
        &[
            case(&cs, one("Second"), C, 1.0),
            case(&cs, one("second"), I, 0.0),
            case(&cs, one("  Second "), C, 1.0),
            case(&cs, one(""), I, 0.0),
            case(&ci, one("third"), C, 1.0),
            case(&ci, one("FOURTH"), C, 1.0),
            case(&ci, one("Other String"), I, 0.0),
            case(&legacy, one("Third"), C, 1.0),
            case(&legacy, one("third"), I, 0.0),
        ],
    );
}

#[test]
fn e10_text_regexp() {
    let sec = text("sec.*", r#"type="ci regexp""#, "");
    let tree = text("tre+", r#"type="ci regexp""#, "");
    let any_tree = text(".*tre+", r#"type="ci regexp""#, "");
    let sample = text(
        "just_sample",
        r#"type="ci regexp""#,
        r#"<additional_answer answer="^One$"/><additional_answer answer="two"/><additional_answer answer="^thre+"/><additional_answer answer="^4|Four$"/>"#,
    );
    let cs = text("^Sec(ond)?$", r#"type="regexp""#, "");
    run(
        "E10",
        &[
            case(&sec, one("Second"), C, 1.0),
            case(&tree, one("There is a tree"), I, 0.0),
            case(&any_tree, one("There is a tree"), C, 1.0),
            case(&sample, one("!!two!!"), C, 1.0),
            case(&sample, one("threeeee"), C, 1.0),
            case(&sample, one("One"), C, 1.0),
            case(&sample, one("4"), C, 1.0),
            case(&sample, one("Four"), C, 1.0),
            case(&sample, one("Five"), I, 0.0),
            case(&sample, one("|"), I, 0.0),
            case(&cs, one("sec"), I, 0.0),
            case(&cs, one("Sec"), C, 1.0),
            case(&cs, one("Second"), C, 1.0),
        ],
    );
}

fn num(answer: &str, extra: &str, attrs: &str) -> String {
    format!(
        "<problem><numericalresponse answer=\"{answer}\" {attrs}>{extra}<formulaequationinput/></numericalresponse></problem>"
    )
}

fn tol(t: &str) -> String {
    format!("<responseparam type=\"tolerance\" default=\"{t}\"/>")
}

#[test]
fn e11_numeric_tolerances() {
    let abs = num("4", &tol("0.1"), "");
    let pct = num("4", &tol("10%"), "");
    let neg = num("-4", &tol("10%"), "");
    let wide = num("1", &tol("200%"), "");
    run(
        "E11",
        &[
            case(&abs, one("3.91"), C, 1.0),
            case(&abs, one("4.09"), C, 1.0),
            case(&abs, one("4.11"), I, 0.0),
            case(&abs, one(""), I, 0.0),
            case(&pct, one("4.39"), C, 1.0),
            case(&pct, one("4.41"), I, 0.0),
            case(&neg, one("-3.61"), C, 1.0),
            case(&neg, one("-4.41"), I, 0.0),
            case(&wide, one("2.99"), C, 1.0),
            case(&wide, one("-1.01"), I, 0.0),
        ],
    );
    assert_eq!(
        student_key(&abs, "abc"),
        "lyceum-error-capa-numerical-variable"
    );
    assert_eq!(
        student_key(&abs, "4+"),
        "lyceum-error-capa-numerical-syntax"
    );
}

#[test]
fn e12_default_tolerance_and_expressions() {
    let four = num("4", "", "");
    let big = num("1.9e24", "", "");
    let pct = num("1%", "", "");
    run(
        "E12",
        &[
            case(&four, one("4.00004"), C, 1.0),
            case(&four, one("4.00005"), I, 0.0),
            case(&four, one("4.0"), C, 1.0),
            case(&four, one("2*2"), C, 1.0),
            case(&four, one("sqrt(16)"), C, 1.0),
            case(&big, one("1.9*10^24"), C, 1.0),
            case(&big, one("1.9001*10^24"), I, 0.0),
            case(&pct, one("0.01"), C, 1.0),
            case(&pct, one("1.0%"), C, 1.0),
            case(&pct, one("1.00%"), C, 1.0),
        ],
    );
}

#[test]
fn e13_numeric_ranges() {
    let range = num("[5, 7)", "", "");
    let close = num("[5, 7)", "", r#"partial_credit="close""#);
    run(
        "E13",
        &[
            case(&range, one("5"), C, 1.0),
            case(&range, one("6.999"), C, 1.0),
            case(&range, one("7"), I, 0.0),
            case(&range, one("4.999"), I, 0.0),
            case(&close, one("4"), P, 0.5),
            case(&close, one("8"), P, 0.5),
            case(&close, one("0"), I, 0.0),
            case(&close, one("100"), I, 0.0),
            case(&close, one("6"), C, 1.0),
        ],
    );
    assert_eq!(
        student_key(&range, "1+2*i"),
        "lyceum-error-capa-numerical-complex-range"
    );
    let bad_boundary = num("[1j, 5]", "", "");
    assert!(matches!(
        grade_err(&bad_boundary, "3"),
        GradeError::Problem(_)
    ));
    let empty_boundary = num("(1, ]", "", "");
    assert!(matches!(
        grade_err(&empty_boundary, "3"),
        GradeError::Problem(_)
    ));
    assert_eq!(
        capa::parse("1", &num("(1 5)", "", "")).unwrap_err().key.0,
        "lyceum-error-capa-range-answer"
    );
}

#[test]
fn e14_numeric_partial() {
    let close = num("4", &tol("0.2"), r#"partial_credit="close""#);
    let close3 = num(
        "4",
        &format!("{}<responseparam partial_range=\"3\"/>", tol("0.2")),
        r#"partial_credit="close""#,
    );
    let list = num(
        "4",
        r#"<responseparam partial_answers="2,8,-4"/>"#,
        r#"partial_credit="list""#,
    );
    let both = num(
        "4",
        &format!(
            "{}<responseparam partial_range=\"3\"/><responseparam partial_answers=\"2,8,-4\"/>",
            tol("0.2")
        ),
        r#"partial_credit="close,list""#,
    );
    run(
        "E14",
        &[
            case(&close, one("4.1"), C, 1.0),
            case(&close, one("4.3"), P, 0.5),
            case(&close, one("3.7"), P, 0.5),
            case(&close, one("4.5"), I, 0.0),
            case(&close3, one("4.5"), P, 0.5),
            case(&close3, one("3"), I, 0.0),
            case(&list, one("8.0"), P, 0.5),
            case(&list, one("-4"), P, 0.5),
            case(&list, one("3"), I, 0.0),
            case(&both, one("7.5"), P, 0.25),
            case(&both, one("2.1"), P, 0.5),
            case(&both, one("8.1"), P, 0.5),
            case(&both, one("4.5"), P, 0.5),
            case(&both, one("1"), I, 0.0),
        ],
    );
    let bongo = num("4", "", r#"partial_credit="bongo""#);
    assert!(matches!(grade_err(&bongo, "4"), GradeError::Problem(_)));
}

#[test]
fn e15_numeric_additional_answers() {
    let xml = num(
        "100",
        r#"<additional_answer answer="1"><correcthint>One works too.</correcthint></additional_answer>"#,
        "",
    );
    run(
        "E15",
        &[
            case(&xml, one("100"), C, 1.0),
            case(&xml, one("1"), C, 1.0),
            case(&xml, one("2"), I, 0.0),
            case(&xml, one("1.0000001"), I, 0.0),
        ],
    );
    let g = capa::grade(&parse(&xml), &answers(&[("1_2_1", one("1"))])).unwrap();
    assert_eq!(
        g.inputs["1_2_1"].feedback.as_deref(),
        Some("One works too.")
    );
}

#[test]
fn e16_weight() {
    let xml = r#"<problem>
      <stringresponse answer="a"><textline/></stringresponse>
      <stringresponse answer="b"><textline/></stringresponse>
      <stringresponse answer="c"><textline/></stringresponse></problem>"#;
    let p = parse(xml);
    let ids: Vec<&str> = p.inputs().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["1_2_1", "1_3_1", "1_4_1"]);
    let g = capa::grade(
        &p,
        &answers(&[
            ("1_2_1", one("a")),
            ("1_3_1", one("b")),
            ("1_4_1", one("x")),
        ]),
    )
    .unwrap();
    assert_eq!((g.earned, g.possible), (2.0, 3.0));
    assert_eq!(capa::weighted(2.0, 3.0, None), (2.0, 3.0));
    let (e, w) = capa::weighted(2.0, 3.0, Some(10.0));
    assert!((e - 6.666_666_666_666_667).abs() < 1e-12 && w == 10.0);
    assert_eq!(capa::weighted(2.0, 3.0, Some(0.0)), (0.0, 0.0));
    assert_eq!(capa::weighted(0.0, 0.0, Some(5.0)), (0.0, 0.0));
}

// --- edge cases ---------------------------------------------------------------------

#[test]
fn points_attribute_counts_for_possible_only() {
    let xml =
        r#"<problem><stringresponse answer="a"><textline points="3"/></stringresponse></problem>"#;
    let p = parse(xml);
    let g = capa::grade(&p, &answers(&[("1_2_1", one("a"))])).unwrap();
    assert_eq!((g.earned, g.possible), (1.0, 3.0));
    let bad = r#"<problem><stringresponse answer="a"><textline points="1.5"/></stringresponse></problem>"#;
    assert_eq!(
        capa::parse("1", bad).unwrap_err().key.0,
        "lyceum-error-capa-points"
    );
}

#[test]
fn whitespace_and_unicode_text_answers() {
    let arabic = text("القاهرة", r#"type="ci""#, "");
    let hindi = text("नमस्ते", "", "");
    let greek = text("ΣΟΦΙΑ", r#"type="ci""#, "");
    let german = text("Straße", r#"type="ci""#, "");
    let accents = text("é.*", r#"type="ci regexp""#, "");
    run(
        "unicode",
        &[
            case(&arabic, one(" القاهرة "), C, 1.0),
            case(&arabic, one("\u{a0}القاهرة\u{2003}"), C, 1.0),
            case(&arabic, one("القاهره"), I, 0.0),
            case(&hindi, one("नमस्ते"), C, 1.0),
            case(&hindi, one("नमस्त"), I, 0.0),
            case(&greek, one("σοφια"), C, 1.0),
            // lower() is not casefold(): "STRASSE" lowers to "strasse", not "straße".
            case(&german, one("STRASSE"), I, 0.0),
            case(&german, one("STRAßE"), C, 1.0),
            case(&accents, one("Écrire"), C, 1.0),
        ],
    );
    let cs = text("Second", "", "");
    run(
        "whitespace",
        &[
            case(&cs, one("\tSecond\n"), C, 1.0),
            case(&cs, one("Sec ond"), I, 0.0),
        ],
    );
}

#[test]
fn regexp_precedence_and_errors() {
    let alt = text("a|b", r#"type="regexp""#, "");
    run(
        "precedence",
        &[
            case(&alt, one("abc"), C, 1.0),
            case(&alt, one("xb"), C, 1.0),
            case(&alt, one("xa"), I, 0.0),
        ],
    );
    let look = text("(?=.*\\d)[a-z0-9]+", r#"type="regexp""#, "");
    run(
        "lookahead",
        &[
            case(&look, one("abc1"), C, 1.0),
            case(&look, one("abc"), I, 0.0),
        ],
    );
    let backref = text("(a+)b\\1", r#"type="regexp""#, "");
    run(
        "backreference",
        &[
            case(&backref, one("aabaa"), C, 1.0),
            case(&backref, one("aaba"), I, 0.0),
        ],
    );
    let bad = text(
        "a2",
        r#"type="ci regexp""#,
        r#"<additional_answer answer="?\d?"/>"#,
    );
    assert!(
        matches!(grade_err(&bad, "a3"), GradeError::Problem(e) if e.key.0 == "lyceum-error-capa-regexp")
    );
    let brace = text("a{b", r#"type="regexp""#, "");
    run("literal brace", &[case(&brace, one("a{b"), C, 1.0)]);
}

#[test]
fn numerical_edge_cases() {
    let four = num("4", "", "");
    run(
        "numeric edges",
        &[
            case(&four, one(" 4 "), C, 1.0),
            case(&four, one("  "), I, 0.0),
            case(&four, one("1e999"), I, 0.0),
            case(&four, one("-1e999"), I, 0.0),
            case(&four, one("0||1"), I, 0.0),
            case(&four, one("4+0*i"), C, 1.0),
            case(&four, one("2^1000"), I, 0.0),
            case(&four, one("400%"), C, 1.0),
            case(&four, one("1/sin(0)"), I, 0.0),
        ],
    );
    // Open edX's calculator has no decimal comma: "3,5" is a syntax error, not 3.5.
    assert_eq!(
        student_key(&four, "3,5"),
        "lyceum-error-capa-numerical-syntax"
    );
    assert_eq!(
        student_key(&four, "4,0"),
        "lyceum-error-capa-numerical-syntax"
    );
    // inf and nan are not names the calculator knows.
    assert_eq!(
        student_key(&four, "inf"),
        "lyceum-error-capa-numerical-variable"
    );
    assert_eq!(
        student_key(&four, "nan"),
        "lyceum-error-capa-numerical-variable"
    );
    assert_eq!(
        student_key(&four, "1/0"),
        "lyceum-error-capa-numerical-input"
    );
    assert_eq!(
        student_key(&four, "10^400"),
        "lyceum-error-capa-numerical-input"
    );
    assert_eq!(
        student_key(&four, "10.0^400"),
        "lyceum-error-capa-numerical-input"
    );
    assert_eq!(
        student_key(&four, "fact(-2)"),
        "lyceum-error-capa-numerical-factorial"
    );
    assert_eq!(
        student_key(&four, "2k"),
        "lyceum-error-capa-numerical-syntax"
    );
    assert_eq!(
        student_key(&four, "2x"),
        "lyceum-error-capa-numerical-syntax"
    );
    assert_eq!(
        student_key(&four, "pi(2)"),
        "lyceum-error-capa-numerical-function-multiply"
    );
    assert_eq!(
        student_key(&four, "foo(2)"),
        "lyceum-error-capa-numerical-function"
    );
    assert_eq!(
        student_key(&four, "(4"),
        "lyceum-error-capa-numerical-parens-unclosed"
    );
    assert_eq!(
        student_key(&four, "4)"),
        "lyceum-error-capa-numerical-parens-unopened"
    );
    // Hostile input: deep nesting and huge input are refused without overflowing the stack.
    let deep = format!("{}4{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(
        student_key(&four, &deep),
        "lyceum-error-capa-numerical-input"
    );
    let deep_fn = format!("{}4{}", "sqrt(".repeat(5_000), ")".repeat(5_000));
    assert_eq!(
        student_key(&four, &deep_fn),
        "lyceum-error-capa-numerical-input"
    );
    let long = format!("{}0", "1-1+".repeat(10_000));
    run(
        "long flat",
        &[case(&four, one(&format!("{long}+4")), C, 1.0)],
    );
    // A staff answer written as infinity matches an infinite input.
    let inf = num("inf", "", "");
    run(
        "infinite staff answer",
        &[
            case(&inf, one("1e999"), C, 1.0),
            case(&inf, one("1e308"), I, 0.0),
        ],
    );
    // A tolerance Open edX cannot read makes the problem fail, not the learner.
    let bad_tol = num("4", &tol("1/10"), "");
    assert!(
        matches!(grade_err(&bad_tol, "4"), GradeError::Problem(e) if e.key.0 == "lyceum-error-capa-tolerance")
    );
    let bad_staff = num("clearly bad syntax )[+1e", "", "");
    assert!(
        matches!(grade_err(&bad_staff, "1"), GradeError::Problem(e) if e.key.0 == "lyceum-error-capa-staff-answer")
    );
    // A list for a text field is malformed input.
    assert!(matches!(
        capa::grade(&parse(&four), &answers(&[("1_2_1", many(&["4"]))])),
        Err(GradeError::InvalidAnswer(_))
    ));
}

#[test]
fn unknown_inputs_and_values() {
    let xml = mc(
        r#"<choice correct="true">A</choice><choice correct="false">B</choice>"#,
        "",
    );
    let p = parse(&xml);
    assert_eq!(
        capa::grade(&p, &answers(&[("1_9_1", one("choice_0"))])),
        Err(GradeError::UnknownInput("1_9_1".to_owned()))
    );
    run(
        "unknown value",
        &[
            case(&xml, one("choice_99"), I, 0.0),
            case(&xml, one(""), I, 0.0),
        ],
    );
}

#[test]
fn answers_deserialize_from_json() {
    let a: Answers =
        serde_json::from_str(r#"{"1_2_1": "choice_0", "1_3_1": ["choice_1", "choice_2"]}"#)
            .unwrap();
    assert_eq!(a["1_2_1"], one("choice_0"));
    assert_eq!(a["1_3_1"], many(&["choice_1", "choice_2"]));
}

#[test]
fn malformed_problems_are_errors() {
    assert_eq!(
        capa::parse("1", "<problem><p>unclosed</problem>")
            .unwrap_err()
            .key
            .0,
        "lyceum-error-capa-xml"
    );
    assert_eq!(
        capa::parse(
            "1",
            "<!DOCTYPE problem [<!ENTITY a \"b\">]><problem>&a;</problem>"
        )
        .unwrap_err()
        .key
        .0,
        "lyceum-error-capa-dtd"
    );
    let two_inputs =
        r#"<problem><stringresponse answer="a"><textline/><textline/></stringresponse></problem>"#;
    assert_eq!(
        capa::parse("1", two_inputs).unwrap_err().key.0,
        "lyceum-error-capa-too-many-inputs"
    );
    let no_answer = r#"<problem><numericalresponse><textline/></numericalresponse></problem>"#;
    assert_eq!(
        capa::parse("1", no_answer).unwrap_err().key.0,
        "lyceum-error-capa-missing-attribute"
    );
    let both = mc(
        r#"<choice correct="true">A</choice><choice correct="false">B</choice>"#,
        "",
    );
    let both = both.replace(
        "type=\"MultipleChoice\"",
        "shuffle=\"true\" answer-pool=\"2\"",
    );
    assert_eq!(
        capa::parse("1", &both).unwrap_err().key.0,
        "lyceum-error-capa-shuffle-and-pool"
    );
}

#[test]
fn unsupported_problems_parse_with_a_reason() {
    let script = r#"<problem><script type="loncapa/python">x = 1</script><p>Text</p>
        <stringresponse answer="$x"><textline/></stringresponse></problem>"#;
    let p = parse(script);
    assert_eq!(p.unsupported.as_deref(), Some("python-script"));
    assert_eq!(
        capa::grade(&p, &Answers::new()),
        Err(GradeError::Unsupported)
    );
    assert_eq!(capa::max_score(&p), 1.0);
    let segments = capa::layout(&p, 1);
    assert!(segments.iter().all(|s| matches!(s, Segment::Html(_))));
    assert!(
        segments
            .iter()
            .any(|s| matches!(s, Segment::Html(h) if h.contains("Text")))
    );
    let custom = r#"<problem><customresponse cfn="f"><textline/></customresponse></problem>"#;
    assert_eq!(parse(custom).unsupported.as_deref(), Some("customresponse"));
    let js = r#"<problem><script type="text/javascript">x()</script><stringresponse answer="a"><textline/></stringresponse></problem>"#;
    assert_eq!(parse(js).unsupported, None);
}

#[test]
fn layout_places_inputs_in_the_authors_html() {
    let xml = r#"<problem><p>Intro &amp; <b>bold</b></p>
      <multiplechoiceresponse><label>Pick one</label><description>Only one.</description>
        <choicegroup type="MultipleChoice"><choice correct="true">A <choicehint>Yes</choicehint></choice><choice correct="false">B</choice></choicegroup>
        <solution><p>Because A.</p></solution>
      </multiplechoiceresponse>
      <script type="loncapa/javascript">alert(1)</script>
      <table><tr><td><optionresponse><optioninput options="('x','y')" correct="x"/></optionresponse></td></tr></table>
      <demandhint><hint>Think.</hint></demandhint></problem>"#;
    let p = parse(xml);
    let segs = capa::layout(&p, 1);
    let inputs: Vec<&str> = segs
        .iter()
        .filter_map(|s| match s {
            Segment::Input(id) => Some(id.as_str()),
            Segment::Html(_) => None,
        })
        .collect();
    assert_eq!(inputs, ["1_2_1", "1_3_1"]);
    let html: String = segs
        .iter()
        .map(|s| match s {
            Segment::Html(h) => h.clone(),
            Segment::Input(id) => format!("[{id}]"),
        })
        .collect();
    assert!(html.starts_with("<div>"), "{html}");
    assert!(html.contains("Intro &amp; <b>bold</b>"), "{html}");
    assert!(
        !html.contains("Pick one") && !html.contains("Only one."),
        "{html}"
    );
    assert!(
        !html.contains("Because") && !html.contains("Think") && !html.contains("alert"),
        "{html}"
    );
    assert!(html.contains("<td><div>[1_3_1]</div></td>"), "{html}");
    let input = &p.responses[0].inputs[0];
    assert_eq!(input.label.as_deref(), Some("Pick one"));
    assert_eq!(input.description.as_deref(), Some("Only one."));
    match &input.widget {
        Widget::Radio { choices } => {
            assert_eq!(choices[0].html, "A");
            assert_eq!(choices[0].feedback.as_deref(), Some("Yes"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.hints, ["Think."]);
    assert_eq!(
        p.solution_html.as_deref(),
        Some("<div><p>Because A.</p></div>")
    );
    let g = capa::grade(&p, &answers(&[("1_2_1", one("choice_0"))])).unwrap();
    assert_eq!(g.inputs["1_2_1"].feedback.as_deref(), Some("Yes"));
    let correct = capa::correct_answers(&p);
    assert_eq!(correct["1_2_1"], one("choice_0"));
    assert_eq!(correct["1_3_1"], one("x"));
}

#[test]
fn shuffle_and_answer_pool_follow_open_edx_random() {
    let shuffled = r#"<problem><multiplechoiceresponse><choicegroup type="MultipleChoice" shuffle="true">
        <choice correct="false" fixed="true">Fixed</choice><choice correct="true">B</choice>
        <choice correct="false">C</choice><choice correct="false">D</choice><choice correct="false">E</choice>
      </choicegroup></multiplechoiceresponse></problem>"#;
    let p = parse(shuffled);
    assert!(p.has_shuffle);
    let order: Vec<String> = capa::choices_in_order(&p, "1_2_1", 1)
        .into_iter()
        .map(|c| c.value)
        .collect();
    // CPython: Random(1) with the Python 2 shuffle over the four unfixed choices.
    assert_eq!(
        order,
        ["choice_0", "choice_4", "choice_2", "choice_3", "choice_1"]
    );
    assert_eq!(
        capa::choices_in_order(&p, "1_2_1", 1),
        capa::choices_in_order(&p, "1_2_1", 1),
        "stable for a seed"
    );
    // Grading does not depend on the order.
    let g = capa::grade(&p, &answers(&[("1_2_1", one("choice_1"))])).unwrap();
    assert_eq!(g.earned, 1.0);

    let pool = r#"<problem><multiplechoiceresponse><choicegroup type="MultipleChoice" answer-pool="3">
        <choice correct="false">a</choice><choice correct="true" explanation-id="s1">b</choice>
        <choice correct="false">c</choice><choice correct="false">d</choice>
        <choice correct="true" explanation-id="s2">e</choice><choice correct="false">f</choice>
      </choicegroup></multiplechoiceresponse>
      <solutionset><solution explanation-id="s1"><p>One</p></solution><solution explanation-id="s2"><p>Two</p></solution></solutionset></problem>"#;
    let p = parse(pool);
    assert!(p.has_answer_pool);
    let shown: Vec<String> = capa::choices_in_order(&p, "1_2_1", 1)
        .into_iter()
        .map(|c| c.value)
        .collect();
    assert_eq!(shown, ["choice_0", "choice_1", "choice_2"]);
    assert_eq!(
        capa::solution_html_for(&p, 1).as_deref(),
        Some("<div><p>One</p></div>")
    );
    assert_eq!(
        p.solution_html.as_deref(),
        Some("<div><p>One</p></div><div><p>Two</p></div>")
    );
}
