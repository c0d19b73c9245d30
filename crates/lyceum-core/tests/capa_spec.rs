//! Table tests of every scoring rule of `shared/specs/olx-and-capa.md` §2 (capa problems)
//! that the worked examples (`capa_examples.rs`, `demo_problems.rs`) leave open, and of
//! edge cases: whitespace, Unicode, decimal commas, empty and missing answers, `inf`,
//! `nan`, huge numbers, signs, percent signs, show-answer rules, weights.
//!
//! The expected outcomes of the numerical and text tables are Open edX's own: they were
//! produced by running the learner answers through openedx-calc 5.1 (`calc.evaluator`)
//! and the `NumericalResponse.get_score`, `compare_with_tolerance` and
//! `StringResponse.check_string` logic of `xblocks-contrib` (`xblocks_contrib/problem/
//! capa/responsetypes.py`, `util.py`) on CPython 3.11.
#![allow(clippy::unwrap_used)]

use lyceum_core::capa::{
    self, AnswerValue, Answers, AttemptState, Correctness, GradeError, ShowAnswer, ShowCorrectness,
};

/// What grading one answer of input `1_2_1` must give.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Correct, earning 1 point.
    C,
    /// Incorrect, 0 points.
    I,
    /// Partially correct with these points (`npoints`).
    P(f64),
    /// Correct with these points (`npoints` set by the grader, e.g. halves).
    Cp(f64),
    /// Refused as a student input error with the key `lyceum-error-capa-{0}`: the message
    /// is shown and no attempt is used (spec §2.7, §2.8).
    E(&'static str),
    /// The problem itself is broken (a problem error, no attempt used); in Open edX a
    /// LoncapaProblemError/ResponseError or "problem with the staff answer".
    Staff,
    /// The problem does not load at all (Open edX fails in `LoncapaProblem.__init__`).
    Load,
}

use Want::{C, Cp, E, I, P, Staff};

fn one(v: &str) -> Option<AnswerValue> {
    Some(AnswerValue::One(v.to_owned()))
}

fn many(v: &[&str]) -> Option<AnswerValue> {
    Some(AnswerValue::Many(
        v.iter().map(|s| (*s).to_owned()).collect(),
    ))
}

/// Grade `answer` (for input `1_2_1`; `None` = no answer at all) and compare with `want`.
fn check(label: &str, xml: &str, answer: Option<AnswerValue>, want: Want) {
    let problem = match capa::parse("1", xml) {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(
                want,
                Want::Load,
                "{label}: does not load ({})\n{xml}",
                e.key.0
            );
            return;
        }
    };
    let mut answers = Answers::new();
    if let Some(a) = answer.clone() {
        answers.insert("1_2_1".to_owned(), a);
    }
    let got = capa::grade(&problem, &answers);
    let ctx = format!("{label}: answer {answer:?}\n{xml}\ngot {got:?}");
    match (want, got) {
        (
            E(key),
            Err(GradeError::StudentInput {
                key: k, input_id, ..
            }),
        ) => {
            assert_eq!(k, format!("lyceum-error-capa-{key}"), "{ctx}");
            assert_eq!(input_id, "1_2_1", "{ctx}");
        }
        (Staff, Err(GradeError::Problem(_))) => {}
        (want, Ok(g)) if !matches!(want, E(_) | Staff | Want::Load) => {
            let r = &g.inputs["1_2_1"];
            let (correctness, earned) = match want {
                C => (Correctness::Correct, 1.0),
                Cp(n) => (Correctness::Correct, n),
                I => (Correctness::Incorrect, 0.0),
                P(n) => (Correctness::PartiallyCorrect, n),
                _ => unreachable!(),
            };
            assert_eq!(r.correctness, correctness, "{ctx}");
            assert!((r.earned - earned).abs() < 1e-12, "{ctx}");
        }
        (want, _) => panic!("{ctx}\nwanted {want:?}"),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

// --- §2.1, §2.2: missing answers, points per input --------------------------------------

/// A problem with one input of each kind; nothing answered. Open edX grades a missing
/// answer as incorrect without an error, whatever the response type (the browser sends
/// no value at all for an empty checkbox group).
const EVERY_KIND: &str = r#"<problem>
  <multiplechoiceresponse><choicegroup type="MultipleChoice"><choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse>
  <choiceresponse><checkboxgroup><choice correct="true">A</choice><choice correct="false">B</choice></checkboxgroup></choiceresponse>
  <choiceresponse partial_credit="edc"><checkboxgroup><choice correct="true">A</choice><choice correct="false">B</choice></checkboxgroup></choiceresponse>
  <choiceresponse partial_credit="halves"><checkboxgroup><choice correct="true">A</choice><choice correct="false">B</choice><choice correct="false">C</choice></checkboxgroup></choiceresponse>
  <optionresponse><optioninput options="('a','b')" correct="a"/><optioninput options="('a','b')" correct="b" points="2"/></optionresponse>
  <stringresponse answer="x" type="ci regexp"><textline/></stringresponse>
  <numericalresponse answer="4" partial_credit="close,list"><responseparam partial_answers="2"/><formulaequationinput/></numericalresponse>
  <numericalresponse answer="[1, 2]"><formulaequationinput/></numericalresponse>
</problem>"#;

#[test]
fn s2_1_missing_answers_are_incorrect_without_error() {
    let p = capa::parse("1", EVERY_KIND).unwrap();
    let ids: Vec<&str> = p.inputs().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1_2_1", "1_3_1", "1_4_1", "1_5_1", "1_6_1", "1_6_2", "1_7_1", "1_8_1", "1_9_1"
        ]
    );
    let g = capa::grade(&p, &Answers::new()).unwrap();
    assert_eq!((g.earned, g.possible), (0.0, 10.0));
    for (id, r) in &g.inputs {
        assert_eq!(r.correctness, Correctness::Incorrect, "{id}");
        assert_eq!(r.earned, 0.0, "{id}");
    }
    // Empty values are answers, graded like any other (a blank text is simply wrong; an
    // empty checkbox list is "nothing selected", which is incorrect whatever the scheme).
    let empty: Answers = [
        ("1_2_1", AnswerValue::One(String::new())),
        ("1_3_1", AnswerValue::Many(Vec::new())),
        ("1_4_1", AnswerValue::Many(Vec::new())),
        ("1_5_1", AnswerValue::Many(Vec::new())),
        ("1_6_1", AnswerValue::One(String::new())),
        ("1_7_1", AnswerValue::One(String::new())),
        ("1_8_1", AnswerValue::One(String::new())),
        ("1_9_1", AnswerValue::One(String::new())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let g = capa::grade(&p, &empty).unwrap();
    assert_eq!((g.earned, g.possible), (0.0, 10.0));
}

fn mc(choices: &str, attrs: &str) -> String {
    format!(
        "<problem><multiplechoiceresponse {attrs}><choicegroup type=\"MultipleChoice\">{choices}</choicegroup></multiplechoiceresponse></problem>"
    )
}

fn checkboxes(flags: &str, attrs: &str, group_attrs: &str) -> String {
    let choices: String = flags
        .split(',')
        .enumerate()
        .map(|(i, f)| format!("<choice correct=\"{f}\">Choice {i}</choice>"))
        .collect();
    format!(
        "<problem><choiceresponse {attrs}><checkboxgroup {group_attrs}>{choices}</checkboxgroup></choiceresponse></problem>"
    )
}

/// §2.2: an input is worth `points` (default 1) of the possible score, but a correct input
/// earns `npoints` if the grader set it and otherwise 1, not `points`.
#[test]
fn s2_2_points_per_input() {
    let mc3 = mc(
        r#"<choice correct="true">A</choice><choice correct="partial" point_value="0.6">B</choice><choice correct="false">C</choice>"#,
        r#"partial_credit="points""#,
    )
    .replace("<choicegroup", "<choicegroup points=\"3\"");
    let text3 =
        r#"<problem><stringresponse answer="a"><textline points="3"/></stringresponse></problem>"#;
    let num4 = r#"<problem><numericalresponse answer="4" partial_credit="close"><responseparam type="tolerance" default="0.1"/><formulaequationinput points="4"/></numericalresponse></problem>"#;
    let edc2 = checkboxes(
        "false,false,true,true",
        r#"partial_credit="edc""#,
        r#"points="2""#,
    );
    let halves3 = checkboxes(
        "false,false,true,true",
        r#"partial_credit="halves""#,
        r#"points="3""#,
    );
    let halves5 = checkboxes(
        "false,false,true,true,false",
        r#"partial_credit="halves""#,
        r#"points="3""#,
    );
    let plain3 = checkboxes("false,true", "", r#"points="3""#);
    #[rustfmt::skip]
    let table: &[(&str, &str, Option<AnswerValue>, Want, f64)] = &[
        ("mc correct", &mc3, one("choice_0"), C, 3.0),
        ("mc partial", &mc3, one("choice_1"), P(0.6), 3.0),
        ("text correct", text3, one("a"), C, 3.0),
        ("numeric correct", num4, one("4"), C, 4.0),
        ("numeric close", num4, one("4.15"), P(0.5), 4.0),
        ("all-or-nothing correct", &plain3, many(&["choice_1"]), C, 3.0),
        // EDC scales its partial credit by the response's possible points, but a fully
        // correct answer sets no npoints and so earns 1.
        ("edc partial", &edc2, many(&["choice_2"]), P(1.5), 2.0),
        ("edc correct", &edc2, many(&["choice_2", "choice_3"]), C, 2.0),
        // Halves sets npoints on a correct answer too: the full possible score.
        ("halves correct", &halves3, many(&["choice_2", "choice_3"]), Cp(3.0), 3.0),
        ("halves one error", &halves3, many(&["choice_2"]), P(1.5), 3.0),
        ("halves three errors", &halves5, many(&["choice_0", "choice_1", "choice_2"]), I, 3.0),
        ("halves two errors of five", &halves5, many(&["choice_0", "choice_1", "choice_2", "choice_3"]), P(0.75), 3.0),
    ];
    for (label, xml, answer, want, possible) in table {
        check(label, xml, answer.clone(), *want);
        let p = capa::parse("1", xml).unwrap();
        assert_eq!(capa::max_score(&p), *possible, "{label}");
    }
    // Dropdowns: every optioninput has its own points.
    let two = r#"<problem><optionresponse><optioninput options="('a','b')" correct="a" points="2"/><optioninput options="('a','b')" correct="b" points="3"/></optionresponse></problem>"#;
    let p = capa::parse("1", two).unwrap();
    let a: Answers = [("1_2_1", "a"), ("1_2_2", "b")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AnswerValue::One(v.to_owned())))
        .collect();
    let g = capa::grade(&p, &a).unwrap();
    assert_eq!((g.earned, g.possible), (2.0, 5.0));
    // `points` is read with Python's int(): whole numbers only (Unicode digits too).
    for (points, ok) in [
        (" 2 ", Some(2.0)),
        ("٢", Some(2.0)),
        ("0", Some(0.0)),
        ("1.5", None),
        ("two", None),
        ("", None),
    ] {
        let xml = format!(
            r#"<problem><stringresponse answer="a"><textline points="{points}"/></stringresponse></problem>"#
        );
        assert_eq!(
            capa::parse("1", &xml).ok().map(|p| capa::max_score(&p)),
            ok,
            "{points:?}"
        );
    }
}

// --- §2.3 multiplechoiceresponse ---------------------------------------------------------

#[test]
fn s2_3_multiple_choice_rules() {
    let two_true = mc(
        r#"<choice correct="TRUE">A</choice><choice correct="False">B</choice><choice correct="True">C</choice>"#,
        "",
    );
    let named = mc(
        r#"<choice correct="false">A</choice><choice correct="true" name="x">B</choice><choice correct="true">C</choice><choice correct="false">D</choice>"#,
        "",
    );
    let partial = r#"<choice correct="false">A</choice><choice correct="true">B</choice><choice correct="partial">C</choice><choice correct="Partial" point_value="0.25">D</choice>"#;
    let no_credit = mc(partial, "");
    let credit_off = mc(partial, r#"partial_credit="False""#);
    let credit_spaced = mc(partial, r#"partial_credit=" Points ""#);
    let credit_empty = mc(partial, r#"partial_credit="""#);
    let credit_trailing = mc(partial, r#"partial_credit="points,""#);
    let bad_point_value = mc(
        r#"<choice correct="partial" point_value="half">A</choice>"#,
        r#"partial_credit="points""#,
    );
    #[rustfmt::skip]
    let table: &[(&str, &str, Option<AnswerValue>, Want)] = &[
        // `correct` is compared case-insensitively; several choices may be correct.
        ("upper-case TRUE", &two_true, one("choice_0"), C),
        ("second true", &two_true, one("choice_2"), C),
        ("False", &two_true, one("choice_1"), I),
        // Submitted values must be exact choice names.
        ("upper-case value", &two_true, one("CHOICE_0"), I),
        ("value with a space", &two_true, one("choice_0 "), I),
        ("empty value", &two_true, one(""), I),
        ("a list", &two_true, many(&["choice_0"]), I),
        ("no answer", &two_true, None, I),
        // Unnamed choices are numbered on their own: A, C, D are choice_0, choice_1, choice_2.
        ("named", &named, one("choice_x"), C),
        ("unnamed after named", &named, one("choice_1"), C),
        ("last unnamed", &named, one("choice_2"), I),
        ("no choice_3", &named, one("choice_3"), I),
        // A partial choice is worth nothing without partial_credit="points".
        ("partial, credit absent", &no_credit, one("choice_2"), I),
        ("partial, credit False", &credit_off, one("choice_2"), I),
        ("partial, credit ' Points '", &credit_spaced, one("choice_2"), P(0.5)),
        ("partial point_value", &credit_spaced, one("choice_3"), P(0.25)),
        ("correct with credit", &credit_spaced, one("choice_1"), C),
        // An empty or doubled scheme is refused when grading.
        ("credit ''", &credit_empty, one("choice_1"), Staff),
        ("credit 'points,'", &credit_trailing, one("choice_1"), Staff),
        // point_value is read with float() when the problem loads.
        ("bad point_value", &bad_point_value, one("choice_0"), Want::Load),
    ];
    for (label, xml, answer, want) in table {
        check(label, xml, answer.clone(), *want);
    }
    // truefalseresponse: correct iff the selected set equals the correct set, so with no
    // correct choice an empty submission is correct.
    let tf = |choices: &str| {
        format!(
            "<problem><truefalseresponse><choicegroup>{choices}</choicegroup></truefalseresponse></problem>"
        )
    };
    let none_true = tf(r#"<choice correct="false">A</choice><choice correct="false">B</choice>"#);
    let both_true = tf(r#"<choice correct="true">A</choice><choice correct="true">B</choice>"#);
    check("tf none true, nothing", &none_true, None, C);
    check("tf none true, A", &none_true, one("choice_0"), I);
    check("tf both", &both_true, many(&["choice_1", "choice_0"]), C);
    check("tf one of two", &both_true, one("choice_0"), I);
}

// --- §2.4 choiceresponse ------------------------------------------------------------------

#[test]
fn s2_4_checkbox_rules() {
    let ffft = "false,false,true,true";
    let edc = checkboxes(ffft, r#"partial_credit="edc""#, "");
    let edc_upper = checkboxes(ffft, r#"partial_credit=" EDC ""#, "");
    let edc_off = checkboxes(ffft, r#"partial_credit="false""#, "");
    let edc_empty = checkboxes(ffft, r#"partial_credit="""#, "");
    let edc_comma = checkboxes(ffft, r#"partial_credit="edc,""#, "");
    let edc_bad = checkboxes(ffft, r#"partial_credit="points""#, "");
    let eight = checkboxes(
        "true,false,false,false,false,false,false,false",
        r#"partial_credit="edc""#,
        "",
    );
    let three = checkboxes("true,false,false", r#"partial_credit="edc""#, "");
    let halves2 = checkboxes("true,false", r#"partial_credit="halves""#, "");
    let halves3 = checkboxes("true,false,false", r#"partial_credit="Halves""#, "");
    let halves4 = checkboxes("true,true,false,false", r#"partial_credit="halves""#, "");
    let halves6 = checkboxes(
        "true,true,true,false,false,false",
        r#"partial_credit="halves""#,
        "",
    );
    // A choice whose `correct` is neither true nor false belongs to neither set.
    let odd = checkboxes("true,partial,false", "", "");
    let odd_edc = checkboxes("true,partial,false", r#"partial_credit="edc""#, "");
    let radio = r#"<problem><choiceresponse partial_credit="edc"><radiogroup><choice correct="false">A</choice><choice correct="true">B</choice><choice correct="false">C</choice></radiogroup></choiceresponse></problem>"#;
    #[rustfmt::skip]
    let table: &[(&str, &str, Option<AnswerValue>, Want)] = &[
        // EDC: round_away_from_zero(max·g/n, 2), so 0.125 → 0.13 and 0.625 → 0.63.
        ("edc 1/8", &eight, many(&["choice_0", "choice_1", "choice_2", "choice_3", "choice_4", "choice_5", "choice_6", "choice_7"]), P(0.13)),
        ("edc 3/8", &eight, many(&["choice_0", "choice_1", "choice_2", "choice_3", "choice_4", "choice_5"]), P(0.38)),
        ("edc 5/8", &eight, many(&["choice_0", "choice_1", "choice_2", "choice_3"]), P(0.63)),
        ("edc 1/3", &three, many(&["choice_1"]), P(0.33)),
        ("edc 2/3", &three, many(&["choice_0", "choice_1"]), P(0.67)),
        ("edc 0/3", &three, many(&["choice_1", "choice_2"]), I),
        // The scheme name is trimmed and lower-cased; "false" is all-or-nothing.
        ("EDC", &edc_upper, many(&["choice_2"]), P(0.75)),
        ("false", &edc_off, many(&["choice_2"]), I),
        ("empty scheme", &edc_empty, many(&["choice_2"]), Staff),
        ("two schemes", &edc_comma, many(&["choice_2"]), Staff),
        ("points is no checkbox scheme", &edc_bad, many(&["choice_2"]), Staff),
        // ... but an empty selection is incorrect before the scheme is looked at.
        ("empty scheme, nothing selected", &edc_empty, many(&[]), I),
        // Answers are sets: duplicates collapse, unknown names count as nothing for EDC
        // (and as a wrong extra selection for all-or-nothing).
        ("duplicates", &edc, many(&["choice_2", "choice_2"]), P(0.75)),
        ("unknown name, edc", &edc, many(&["choice_2", "choice_3", "choice_9"]), C),
        ("unknown name, all-or-nothing", &edc_off, many(&["choice_2", "choice_3", "choice_9"]), I),
        // A single string is a one-element list; even "" (which a browser never sends).
        ("one string", &edc, one("choice_2"), P(0.75)),
        ("empty string", &edc, one(""), P(0.5)),
        ("empty string, all-or-nothing", &edc_off, one(""), I),
        // Halves: one error needs more than 2 choices, two errors more than 4.
        ("halves 1 error of 2", &halves2, many(&["choice_0", "choice_1"]), I),
        ("halves 1 error of 3", &halves3, many(&["choice_0", "choice_1"]), P(0.5)),
        ("halves 2 errors of 4", &halves4, many(&["choice_0", "choice_2"]), I),
        ("halves 3 errors of 6", &halves6, many(&["choice_0", "choice_1", "choice_3", "choice_4"]), I),
        ("halves 2 errors of 6", &halves6, many(&["choice_0", "choice_1", "choice_3"]), P(0.25)),
        ("halves correct", &halves6, many(&["choice_0", "choice_1", "choice_2"]), Cp(1.0)),
        // Choices that are neither correct nor incorrect.
        ("odd: exactly the correct ones", &odd, many(&["choice_0"]), C),
        ("odd: plus the odd one", &odd, many(&["choice_0", "choice_1"]), I),
        ("odd edc: the odd one is not counted", &odd_edc, many(&["choice_0", "choice_1"]), C),
        // A radiogroup in a choiceresponse is graded like checkboxes with one selection.
        ("radio edc correct", radio, one("choice_1"), C),
        ("radio edc wrong", radio, one("choice_0"), P(0.33)),
    ];
    for (label, xml, answer, want) in table {
        check(label, xml, answer.clone(), *want);
    }
    // A choice without `correct` stops the problem from loading (Open edX: None.upper()).
    let missing = r#"<problem><choiceresponse><checkboxgroup><choice>A</choice></checkboxgroup></choiceresponse></problem>"#;
    check(
        "no correct attribute",
        missing,
        many(&["choice_0"]),
        Want::Load,
    );
}

// --- §2.5 optionresponse ---------------------------------------------------------------

#[test]
fn s2_5_dropdown_rules() {
    let attr = r#"<problem><optionresponse><optioninput options="('Sydney','Canberra','Melbourne')" correct="Canberra"/></optionresponse></problem>"#;
    let spaced = r#"<problem><optionresponse><optioninput options="('a','b ')" correct="b "/></optionresponse></problem>"#;
    let no_correct =
        r#"<problem><optionresponse><optioninput options="('a','b')"/></optionresponse></problem>"#;
    let arabic = r#"<problem><optionresponse><optioninput>
        <option correct="False"> الإسكندرية </option>
        <option correct="True">
            القاهرة
        </option></optioninput></optionresponse></problem>"#;
    #[rustfmt::skip]
    let table: &[(&str, &str, Option<AnswerValue>, Want)] = &[
        // Exact, case-sensitive, the submission is not trimmed.
        ("exact", attr, one("Canberra"), C),
        ("lower case", attr, one("canberra"), I),
        ("leading space", attr, one(" Canberra"), I),
        ("trailing space", attr, one("Canberra "), I),
        ("empty", attr, one(""), I),
        ("list", attr, many(&["Canberra"]), I),
        ("missing", attr, None, I),
        ("not an option", attr, one("Paris"), I),
        // The `correct` attribute is used as written.
        ("correct with a space", spaced, one("b "), C),
        ("correct with a space, trimmed", spaced, one("b"), I),
        ("no correct attribute", no_correct, one("a"), I),
        // The <option> form: option texts are stripped (Unicode spaces and newlines too).
        ("option form", arabic, one("القاهرة"), C),
        ("option form, untrimmed", arabic, one(" القاهرة"), I),
        ("option form, other", arabic, one("الإسكندرية"), I),
    ];
    for (label, xml, answer, want) in table {
        check(label, xml, answer.clone(), *want);
    }
}

// --- §2.6 stringresponse ----------------------------------------------------------------

fn text_problem(answer: &str, type_attr: &str, additional: &[&str]) -> String {
    let type_attr = if type_attr.is_empty() {
        String::new()
    } else {
        format!(" type=\"{}\"", esc(type_attr))
    };
    let additional: String = additional
        .iter()
        .map(|a| format!("<additional_answer answer=\"{}\"/>", esc(a)))
        .collect();
    format!(
        "<problem><stringresponse answer=\"{}\"{type_attr}>{additional}<textline/></stringresponse></problem>",
        esc(answer)
    )
}

/// (answer, type, additional answers, submission, outcome); `Staff` = the pattern is
/// refused (Open edX: ResponseError, no attempt used).
#[test]
fn s2_6_text_rules() {
    #[rustfmt::skip]
    let table: &[(&str, &str, &[&str], &str, Want)] = &[
        // The type attribute: space-separated words, lower-cased; `cs` is accepted and ignored.
        ("Paris", "CI", &[], "paris", C),
        ("Paris", "cs", &[], "paris", I),
        ("Paris", "ci cs", &[], "PARIS", C),
        ("Par.s", "ci  regexp", &[], "PARIS", C),
        ("Par.s", "ci,regexp", &[], "Paris", I),
        ("Par.s", "ci,regexp", &[], "Par.s", C),
        // Whitespace: the staff answers and the submission are stripped (Python str.strip(): Unicode spaces too, zero-width space not); inner spaces count.
        (" Paris ", "", &[], "Paris", C),
        ("Paris", "", &[], "\u{a0}Paris\u{3000}", C),
        ("Paris", "", &[], "\tParis\n", C),
        ("Paris", "", &[], "Paris\u{200b}", I),
        ("Paris", "", &[], "Par is", I),
        ("Paris", "", &[" Lyon "], " Lyon", C),
        ("Paris", "", &[], "", I),
        ("Paris", "", &[], "  ", I),
        (".*", "regexp", &[], " ", I),
        (".*", "regexp", &[], "x", C),
        // Legacy `_or_` (found case-insensitively, split case-sensitively): literal only, additional answers and regexp ignored.
        ("Second_or_Third", "", &[], "Third", C),
        ("Second_or_Third", "", &[], " Second ", C),
        ("Second_or_Third", "ci", &[], "THIRD", C),
        ("Sec.*_or_x", "regexp", &[], "Second", I),
        ("Sec.*_or_x", "regexp", &[], "Sec.*", C),
        ("a_OR_b", "", &[], "a", I),
        ("a_OR_b", "", &[], "a_OR_b", C),
        ("Second_or_Third", "", &["Fourth"], "Fourth", I),
        // Case-insensitive literal answers compare Python's str.lower() of both sides (full Unicode lower-casing, no case folding).
        ("Äpfel", "ci", &[], "äpfel", C),
        ("Äpfel", "ci", &[], "ÄPFEL", C),
        ("Äpfel", "", &[], "äpfel", I),
        ("Straße", "ci", &[], "STRASSE", I),
        ("Straße", "ci", &[], "STRAẞE", C),
        ("ΟΔΟΣ", "ci", &[], "οδος", C),
        ("ΟΔΟΣ", "ci", &[], "οδοσ", I),
        ("kırmızı", "ci", &[], "KIRMIZI", I),
        ("kırmızı", "ci", &[], "kirmizi", I),
        ("istanbul", "ci", &[], "ISTANBUL", C),
        ("istanbul", "ci", &[], "İSTANBUL", I),
        ("İstanbul", "ci", &[], "i\u{307}stanbul", C),
        ("ǅ", "ci", &[], "ǆ", C),
        ("ﬀ", "ci", &[], "FF", I),
        ("k", "ci", &[], "\u{212a}", C),
        // No Unicode normalisation: precomposed and decomposed letters differ; Arabic is compared as written.
        ("é", "", &[], "e\u{301}", I),
        ("é", "ci", &[], "E\u{301}", I),
        ("é", "ci", &[], "É", C),
        ("القاهرة", "ci", &[], " القاهرة ", C),
        ("القاهرة", "", &[], "القاهره", I),
        ("القاهرة", "", &[], "ﺍﻟﻘﺎﻫﺮﺓ", I),
        ("القاهرة", "", &[], "القاهرة\u{200f}", I),
        ("نعم", "ci", &["أجل"], "أجل", C),
        ("नमस्ते", "", &[], "नमस्ते", C),
        // Regular expressions: Python `re` with re.UNICODE; IGNORECASE makes i, I, İ and ı equal.
        ("kırmızı", "ci regexp", &[], "KIRMIZI", C),
        ("kırmızı", "ci regexp", &[], "kirmizi", C),
        ("İzmir", "ci regexp", &[], "izmir", C),
        ("İzmir", "ci regexp", &[], "IZMIR", C),
        ("İzmir", "regexp", &[], "izmir", I),
        ("[a-z]+", "ci regexp", &[], "ızmır", C),
        ("stra(ß|ss)e", "ci regexp", &[], "STRASSE", C),
        ("ß", "ci regexp", &[], "ẞ", C),
        ("σ", "ci regexp", &[], "ς", C),
        ("ΟΔΟΣ", "ci regexp", &[], "οδος", C),
        ("Ä.*", "ci regexp", &[], "äpfel", C),
        ("\\w+", "regexp", &[], "é", C),
        ("\\w+", "regexp", &[], "e\u{301}", I),
        ("\\w+", "regexp", &[], "नमस्ते", I),
        ("\\w+", "regexp", &[], "مرحبا", C),
        ("\\w+", "regexp", &[], "م\u{64e}رح\u{64e}با", I),
        ("\\d+", "regexp", &[], "٣٤", C),
        ("\\d+", "regexp", &[], "3.5", I),
        ("x\\sy", "regexp", &[], "x\u{a0}y", C),
        ("x\\sy", "regexp", &[], "x\u{1f}y", C),
        ("a\\b.*", "regexp", &[], "a b", C),
        ("a\\b.*", "regexp", &[], "ab", I),
        ("e\\b.*", "regexp", &[], "e\u{301}", C),
        ("\\é", "regexp", &[], "é", C),
        // Regexp syntax Python accepts or refuses (a refused pattern is a problem error, no attempt used).
        ("(?i:kirmizi)", "regexp", &[], "KIRMIZI", C),
        ("(?i)paris", "regexp", &[], "paris", Staff),
        ("a(?i)", "regexp", &[], "a", Staff),
        ("(?P<x>a)b(?P=x)", "regexp", &[], "aba", C),
        ("a{,1}b", "regexp", &[], "ab", C),
        ("a{b", "regexp", &[], "a{b", C),
        ("[]a]+", "regexp", &[], "]a]", C),
        ("a|", "regexp", &[], "a", C),
        ("a|", "regexp", &[], "zzz", C),
        ("(a", "regexp", &[], "a", Staff),
        ("a", "regexp", &["*b"], "a", Staff),
    ];
    for (answer, type_attr, additional, given, want) in table {
        let xml = text_problem(answer, type_attr, additional);
        check(
            &format!("{answer:?} {type_attr:?}"),
            &xml,
            one(given),
            *want,
        );
    }
}

// --- §2.7 numericalresponse ---------------------------------------------------------------

fn numerical(answer: &str, tolerance: &str, attrs: &str, params: &str) -> String {
    let tolerance = if tolerance.is_empty() {
        String::new()
    } else {
        format!(
            "<responseparam type=\"tolerance\" default=\"{}\"/>",
            esc(tolerance)
        )
    };
    format!(
        "<problem><numericalresponse answer=\"{}\" {attrs}>{tolerance}{params}<formulaequationinput/></numericalresponse></problem>",
        esc(answer)
    )
}

/// (answer, tolerance (empty = default 0.001 %), submission, outcome). Unparsable input is
/// a student error: the message is shown and the attempt does not count.
#[test]
fn s2_7_numerical_input_and_tolerance() {
    #[rustfmt::skip]
    let table: &[(&str, &str, &str, Want)] = &[
        // Whitespace: pyparsing skips only space, tab, CR and LF; an answer blank after Python's strip() is NaN (incorrect, not an error).
        ("4", "", " 4 ", C),
        ("4", "", "\t4\n", C),
        ("4", "", "4 . 0", E("numerical-syntax")),
        ("4", "", "4\u{a0}", E("numerical-syntax")),
        ("4", "", "\u{a0}4", E("numerical-syntax")),
        ("4", "", "\u{a0}", I),
        ("4", "", "\u{3000}", I),
        ("4", "", "4\u{200b}", E("numerical-syntax")),
        ("4", "", "", I),
        ("4", "", "   ", I),
        ("4", "", "1 000", E("numerical-syntax")),
        ("4", "", "4 4", E("numerical-syntax")),
        // Signs: one leading + or - per term, also before a number inside a product; spaces allowed after the sign.
        ("4", "", "+4", C),
        ("4", "", "++4", C),
        ("4", "", "+-4", I),
        ("-4", "", "-+4", C),
        ("-4", "", "- 4", C),
        ("4", "", "+ 4", C),
        ("4", "", "--4", C),
        ("4", "", "4-", E("numerical-syntax")),
        ("4", "", "-", E("numerical-syntax")),
        ("4", "", "+", E("numerical-syntax")),
        ("-4", "", "\u{2212}4", E("numerical-syntax")),
        // Decimal separators: only '.'; a comma is a syntax error (no attempt used), also as a thousands separator.
        ("3.14", "", "3,14", E("numerical-syntax")),
        ("4", "", "4,0", E("numerical-syntax")),
        ("1000", "", "1,000", E("numerical-syntax")),
        ("3.14", "", "3.14", C),
        ("4", "", "4.", C),
        ("0.4", "", ".4", C),
        ("4", "", ".4e1", C),
        ("4", "", "4.e0", C),
        ("4", "", "4.0.0", E("numerical-syntax")),
        ("4", "", "4..0", E("numerical-syntax")),
        ("4", "", ".", E("numerical-syntax")),
        // Exponents: E or e, signed, spaces allowed around the E; a dangling E is a syntax error.
        ("4", "", "4e0", C),
        ("4", "", "4E0", C),
        ("4", "", "40e-1", C),
        ("4", "", "4 e 0", C),
        ("4", "", "4e+0", C),
        ("4", "", "4e", E("numerical-syntax")),
        ("4", "", "4e+", E("numerical-syntax")),
        ("4", "", "e4", E("numerical-variable")),
        ("1.9e24", "", "1.9*10^24", C),
        ("1.9e24", "", "1.90001e24", C),
        // Non-ASCII digits and signs: the calculator knows ASCII only.
        ("4", "", "٤", E("numerical-syntax")),
        ("4", "", "４", E("numerical-syntax")),
        ("3.14", "", "٣٫١٤", E("numerical-syntax")),
        // inf and nan are no names the calculator knows; overflowing literals are float inf and simply wrong; Python int overflow is refused.
        ("4", "", "inf", E("numerical-variable")),
        ("4", "", "-inf", E("numerical-variable")),
        ("4", "", "Infinity", E("numerical-variable")),
        ("4", "", "nan", E("numerical-variable")),
        ("4", "", "NaN", E("numerical-variable")),
        ("4", "", "1e400", I),
        ("4", "", "-1e400", I),
        ("4", "", "1E400", I),
        ("4", "", "1e308*10", I),
        ("4", "", "1e-400", I),
        ("0", "", "1e-400", C),
        ("4", "", "10^400", E("numerical-input")),
        ("4", "", "10.0^400", E("numerical-input")),
        ("4", "", "2^1000", I),
        ("4", "", "99999999999999999999999999999999999999999999999999", I),
        ("inf", "", "1e400", C),
        ("inf", "", "1e308*10", C),
        ("-inf", "", "-1e400", C),
        ("inf", "", "inf", E("numerical-variable")),
        // Percent: a suffix worth 0.01, once, after the number (spaces allowed).
        ("4", "", "400%", C),
        ("4", "", "400 %", C),
        ("0.04", "", "4%", C),
        ("4", "", "%4", E("numerical-syntax")),
        ("4", "", "4%%", E("numerical-syntax")),
        ("1", "", "1e2%", C),
        ("1%", "", "0.01", C),
        ("1%", "", "1%", C),
        // Names are case-insensitive; no implicit multiplication.
        ("3.14159265", "", "PI", C),
        ("3.14159265", "", "Pi", C),
        ("2.718281828", "", "E", C),
        ("4", "", "SQRT(16)", C),
        ("4", "", "Sqrt(16)", C),
        ("6.2831853", "", "2*pi", C),
        ("6.2831853", "", "2 pi", E("numerical-syntax")),
        ("6.2831853", "", "2pi", E("numerical-syntax")),
        ("4", "", "4x", E("numerical-syntax")),
        ("4", "", "x", E("numerical-variable")),
        ("4", "", "abc", E("numerical-variable")),
        ("4", "", "foo(4)", E("numerical-function")),
        ("4", "", "pi(4)", E("numerical-function-multiply")),
        // Operators and functions.
        ("4", "", "2^2", C),
        ("4", "", "2**2", E("numerical-syntax")),
        ("4", "", "2^-1*8", C),
        ("4", "", "16^0.5", C),
        ("4", "", "8||8", C),
        ("4", "", "0||4", I),
        ("4", "", "fact(3)+fact(0)-3", C),
        ("4", "", "fact(-1)", E("numerical-factorial")),
        ("4", "", "fact(2.5)", E("numerical-input")),
        ("4", "", "log10(10000)", C),
        ("4", "", "ln(e^4)", C),
        ("4", "", "1/0", E("numerical-input")),
        ("4", "", "1/0.0", E("numerical-input")),
        ("4", "", "0/0", E("numerical-input")),
        ("4", "", "1/sin(0)", I),
        ("4", "", "(4", E("numerical-parens-unclosed")),
        ("4", "", "4)", E("numerical-parens-unopened")),
        ("4", "", "((4))", C),
        ("4", "", "4;", E("numerical-syntax")),
        ("4", "", "'4'", E("numerical-syntax")),
        ("4", "", "0x4", E("numerical-syntax")),
        ("4", "", "1_000", E("numerical-syntax")),
        ("4", "", "4j", E("numerical-syntax")),
        // Complex numbers: i and j; the staff answer may be a Python complex literal.
        ("4", "", "4+0*i", C),
        ("4", "", "4*i", I),
        ("4", "", "4+0i", E("numerical-syntax")),
        ("1+2j", "", "1+2*i", C),
        ("1+2j", "", "2*j+1", C),
        ("1+2j", "", "1+2.00001*i", C),
        ("1+2j", "", "1+2.0001*i", I),
        ("1+2j", "", "1", I),
        ("4", "", "sqrt(-16)/i", C),
        // Default tolerance 0.001 % is relative to the larger of the two; a given tolerance is absolute or relative to the staff answer; Decimal comparison at the boundary.
        ("4", "", "4.00004", C),
        ("4", "", "4.00005", I),
        ("4", "", "3.99996", C),
        ("4", "", "3.99995", I),
        ("0", "", "0.0", C),
        ("0", "", "-0", C),
        ("0", "", "1e-300", I),
        ("4", "0.1", "4.1", C),
        ("4", "0.1", "3.9", C),
        ("4", "0.1", "4.1000001", I),
        ("4", " 0.1 ", "4.05", C),
        ("4", "0", "4.0", C),
        ("4", "0", "4.000001", I),
        ("4", "10%", "4.4", C),
        ("4", "10%", "4.41", I),
        ("-4", "10%", "-4.4", C),
        ("0", "10%", "0.0001", I),
        ("0", "0.1", "0.1", C),
        ("4", "1e-3", "4.001", C),
        ("4", "2%", "4.08", C),
        // Staff answers: Python complex() first (Unicode digits and spaces allowed), then the calculator.
        (" 4 ", "", "4", C),
        ("4.0", "", "4", C),
        ("8/2", "", "4", C),
        ("2*2", "", "4", C),
        ("+4", "", "4", C),
        ("4+0j", "", "4", C),
        ("4%", "", "0.04", C),
        ("٣", "", "3", C),
        ("３", "", "3", C),
        ("1_000", "", "1000", C),
        ("4,0", "", "4", Staff),
        ("nan", "", "4", I),
        ("infinity", "", "1e400", C),
        // Ranges: open or closed ends, bounds parsed like staff answers, complex input refused.
        ("[3, 5)", "", "3", C),
        ("[3, 5)", "", "5", I),
        ("[3, 5)", "", "4.999", C),
        ("[3, 5)", "", "2.999", I),
        ("(3, 4]", "", "3", I),
        ("(3, 4]", "", "4", C),
        ("(3, 4]", "", "3.0000001", C),
        ("[ 3 , 4 ]", "", "4", C),
        ("[3, 5)", "", "", I),
        ("[3, 5)", "", "i", E("numerical-complex-range")),
        ("[3, 5)", "", "4+0*i", E("numerical-complex-range")),
        ("[3, 5)", "", "1e400", I),
        ("[3, 5)", "", "abc", E("numerical-variable")),
    ];
    for (answer, tolerance, given, want) in table {
        let xml = numerical(answer, tolerance, "", "");
        check(
            &format!("{answer:?} ± {tolerance:?}"),
            &xml,
            one(given),
            *want,
        );
    }
    // A missing answer is incorrect, never an error, whatever the partial-credit setting.
    check(
        "missing",
        &numerical("4", "", r#"partial_credit="bongo""#, ""),
        None,
        I,
    );
    // A list for a text field is malformed.
    let p = capa::parse("1", &numerical("4", "", "", "")).unwrap();
    let a: Answers = [("1_2_1".to_owned(), AnswerValue::Many(vec!["4".into()]))].into();
    assert_eq!(
        capa::grade(&p, &a),
        Err(GradeError::InvalidAnswer("1_2_1".into()))
    );
}

/// Partial credit: `close` (within partial_range × tolerance), `list` (within tolerance of
/// a partial answer), both (0.25 within the expanded tolerance of a partial answer);
/// ranges extend by partial_range × width; additional answers are compared exactly.
#[test]
fn s2_7_numerical_partial_credit_and_additional_answers() {
    let t02 = r#"<responseparam type="tolerance" default="0.2"/>"#;
    let t5pct = r#"<responseparam type="tolerance" default="5%"/>"#;
    let both = r#"<responseparam type="tolerance" default="0.2"/><responseparam partial_range="3"/><responseparam partial_answers="2,8"/>"#;
    let num = |answer: &str, attrs: &str, params: &str| numerical(answer, "", attrs, params);
    #[rustfmt::skip]
    let table: &[(String, &str, Want)] = &[
        // The scheme list is trimmed and lower-cased; "false" turns it off; anything
        // else, an empty entry included, is a problem error.
        (num("4", r#"partial_credit=" Close ""#, t02), "4.3", P(0.5)),
        (num("4", r#"partial_credit="FALSE""#, t02), "4.3", I),
        (num("4", r#"partial_credit="close,""#, t02), "4.3", Staff),
        (num("4", r#"partial_credit="""#, t02), "4.3", Staff),
        (num("4", r#"partial_credit="bongo""#, t02), "abc", Staff),
        // close: twice the tolerance by default, partial_range otherwise (a float).
        (num("4", r#"partial_credit="close""#, &format!("{t02}<responseparam partial_range=\"1\"/>")), "4.3", I),
        (num("4", r#"partial_credit="close""#, &format!("{t02}<responseparam partial_range=\"abc\"/>")), "4.3", Staff),
        (num("4", r#"partial_credit="close""#, t5pct), "4.3", P(0.5)),
        (num("4", r#"partial_credit="close""#, t5pct), "4.5", I),
        // The default tolerance doubled is 0.002 %, still relative.
        (num("4", r#"partial_credit="close""#, ""), "4.00007", P(0.5)),
        (num("4", r#"partial_credit="close""#, ""), "4.00009", I),
        (num("4", r#"partial_credit="close""#, t02), "", I),
        // list needs partial_answers; they are staff answers.
        (num("4", r#"partial_credit="list""#, &format!("{t02}<responseparam partial_answers=\"8\"/>")), "8.1", P(0.5)),
        (num("4", r#"partial_credit="list""#, t02), "4", C),
        (num("4", r#"partial_credit="list""#, t02), "8.1", Staff),
        (num("4", r#"partial_credit="close""#, &format!("{t02}<responseparam partial_answers=\"8\"/>")), "8.1", I),
        (num("4", r#"partial_credit="list""#, r#"<responseparam partial_answers="8, abc"/>"#), "8", Staff),
        // close,list with partial_range 3: 0.5 near a partial answer or within the
        // expanded tolerance of the answer, 0.25 within the expanded tolerance of a
        // partial answer.
        (num("4", r#"partial_credit="close,list""#, both), "2", P(0.5)),
        (num("4", r#"partial_credit="close,list""#, both), "4.5", P(0.5)),
        (num("4", r#"partial_credit="close,list""#, both), "8.5", P(0.25)),
        (num("4", r#"partial_credit="close,list""#, both), "9", I),
        // Ranges: close extends [5, 7) to (1, 11) (open); list does nothing for ranges.
        (num("[5, 7)", r#"partial_credit="close""#, ""), "7", I),
        (num("[5, 7)", r#"partial_credit="close""#, ""), "10.9", P(0.5)),
        (num("[5, 7)", r#"partial_credit="close""#, ""), "11", I),
        (num("[5, 7)", r#"partial_credit="close""#, ""), "1", I),
        (num("[5, 7)", r#"partial_credit="close""#, r#"<responseparam partial_range="1"/>"#), "3", I),
        (num("[5, 7)", r#"partial_credit="list""#, r#"<responseparam partial_answers="4"/>"#), "4", I),
        // Additional answers: exact equality after evaluation, only when still incorrect.
        (num("100", "", r#"<additional_answer answer="1"/>"#), "1.0", C),
        (num("100", "", r#"<additional_answer answer="1"/>"#), "1+0*i", C),
        (num("100", "", r#"<additional_answer answer="1"/>"#), "1e0", C),
        (num("100", "", r#"<additional_answer answer="1"/>"#), "1.0000001", I),
        (num("100", "", r#"<additional_answer answer="1"/>"#), "99.9999", C),
        (num("100", "", r#"<additional_answer answer="2*pi"/>"#), "2*pi", C),
        (num("100", "", r#"<additional_answer answer="1j"/>"#), "j", C),
        (num("100", "", r#"<additional_answer answer="nan"/>"#), "", I),
        (num("100", "", r#"<additional_answer answer="abc"/>"#), "5", Staff),
        (num("100", "", r#"<additional_answer answer="abc"/>"#), "100", C),
        (num("[5, 7)", "", r#"<additional_answer answer="1"/>"#), "1", C),
        (num("4", r#"partial_credit="close""#, &format!("{t02}<additional_answer answer=\"4.3\"/>")), "4.3", P(0.5)),
    ];
    for (xml, given, want) in table {
        check(given, xml, one(given), *want);
    }
}

// --- §2.8 show answer, show correctness, closed -----------------------------------------------

fn state(
    attempts: u32,
    max_attempts: Option<u32>,
    is_correct: bool,
    past_due: bool,
    is_staff: bool,
) -> AttemptState {
    AttemptState {
        attempts,
        max_attempts,
        is_correct,
        past_due,
        is_staff,
    }
}

/// (showanswer, attempts_before_showanswer_button, attempts, max_attempts, correct, past
/// due, staff, shown)
type ShowRow = (&'static str, u32, u32, Option<u32>, bool, bool, bool, bool);

/// `ProblemBlock.answer_available` (once correctness is available).
#[test]
fn s2_8_show_answer_rules() {
    #[rustfmt::skip]
    let table: &[ShowRow] = &[
        ("always", 0, 0, None, false, false, false, true),
        ("never", 0, 5, Some(1), true, true, false, false),
        ("never", 0, 5, Some(1), true, true, true, false),
        ("", 0, 5, Some(1), true, true, true, false),
        ("bogus", 0, 5, Some(1), true, true, false, false),
        ("bogus", 0, 0, None, false, false, true, true),
        ("answered", 0, 3, None, false, true, false, false),
        ("answered", 0, 1, None, true, false, false, true),
        ("attempted", 0, 0, None, false, false, false, false),
        ("attempted", 0, 1, None, false, false, false, true),
        ("attempted", 0, 0, None, false, true, false, true),
        ("attempted_no_past_due", 0, 0, None, false, true, false, false),
        ("attempted_no_past_due", 0, 1, None, false, false, false, true),
        ("closed", 0, 1, Some(2), false, false, false, false),
        ("closed", 0, 2, Some(2), false, false, false, true),
        ("closed", 0, 0, None, false, true, false, true),
        ("closed", 0, 0, Some(0), false, false, false, true),
        ("closed", 0, 9, None, true, false, false, false),
        ("closed", 0, 0, None, false, false, true, true),
        ("finished", 0, 1, None, true, false, false, true),
        ("finished", 0, 1, Some(3), false, false, false, false),
        ("finished", 0, 3, Some(3), false, false, false, true),
        ("finished", 0, 0, None, false, true, false, true),
        ("correct_or_past_due", 0, 1, Some(1), false, false, false, false),
        ("correct_or_past_due", 0, 1, None, true, false, false, true),
        ("correct_or_past_due", 0, 0, None, false, true, false, true),
        ("past_due", 0, 1, Some(1), true, false, false, false),
        ("past_due", 0, 0, None, false, true, false, true),
        // after_attempts: capped at max_attempts (unless max_attempts is 0 or unset).
        ("after_attempts", 0, 0, None, false, false, false, true),
        ("after_attempts", 2, 1, None, false, false, false, false),
        ("after_attempts", 2, 2, None, false, false, false, true),
        ("after_attempts", 5, 3, Some(3), false, false, false, true),
        ("after_attempts", 5, 2, Some(3), false, false, false, false),
        ("after_attempts", 5, 2, Some(0), false, false, false, false),
        ("after_attempts", 5, 0, None, true, true, false, false),
        ("after_all_attempts", 0, 9, None, false, true, false, false),
        ("after_all_attempts", 0, 2, Some(3), false, false, false, false),
        ("after_all_attempts", 0, 3, Some(3), false, false, false, true),
        ("after_all_attempts", 0, 0, Some(0), false, false, false, true),
        ("after_all_attempts_or_correct", 0, 1, Some(3), true, false, false, true),
        ("after_all_attempts_or_correct", 0, 1, None, false, true, false, false),
        ("after_all_attempts_or_correct", 0, 3, Some(3), false, false, false, true),
    ];
    for &(rule, before, attempts, max, correct, past_due, staff, shown) in table {
        let s = state(attempts, max, correct, past_due, staff);
        assert_eq!(
            capa::may_show_answer(ShowAnswer::from_olx(rule, before), &s),
            shown,
            "{rule} (before {before}) {s:?}"
        );
    }
    // The OLX values round-trip; an unknown one has none.
    for value in [
        "always",
        "answered",
        "attempted",
        "attempted_no_past_due",
        "closed",
        "finished",
        "correct_or_past_due",
        "past_due",
        "never",
        "after_attempts",
        "after_all_attempts",
        "after_all_attempts_or_correct",
    ] {
        assert_eq!(ShowAnswer::from_olx(value, 1).as_olx(), Some(value));
    }
    assert_eq!(ShowAnswer::from_olx("Always", 0), ShowAnswer::Unknown);
    assert_eq!(ShowAnswer::default(), ShowAnswer::Finished);
}

/// `ShowCorrectness.correctness_available`: `never` hides it even from staff; `past_due`
/// shows it to staff, without a close date, or once the close date has passed.
#[test]
fn s2_8_show_correctness_and_closed() {
    // (show_correctness, staff, has a close date, past due, shown)
    #[rustfmt::skip]
    let table: &[(&str, bool, bool, bool, bool)] = &[
        ("always", false, true, false, true),
        ("", false, true, false, true),
        ("bogus", false, true, false, true),
        ("never", false, false, true, false),
        ("never", true, true, true, false),
        ("past_due", false, true, false, false),
        ("past_due", false, true, true, true),
        ("past_due", false, false, false, true),
        ("past_due", true, true, false, true),
    ];
    for &(rule, staff, has_close_date, past_due, shown) in table {
        let s = state(1, None, false, past_due, staff);
        assert_eq!(
            capa::may_show_correctness(ShowCorrectness::from_olx(rule), &s, has_close_date),
            shown,
            "{rule} staff={staff} close={has_close_date} past={past_due}"
        );
    }
    assert_eq!(ShowCorrectness::default(), ShowCorrectness::Always);
    // Closed: attempts used up (max_attempts 0 means closed at once) or past the close date.
    // (attempts, max_attempts, past due, closed)
    #[rustfmt::skip]
    let closed: &[(u32, Option<u32>, bool, bool)] = &[
        (0, None, false, false),
        (1000, None, false, false),
        (0, None, true, true),
        (0, Some(0), false, true),
        (1, Some(2), false, false),
        (2, Some(2), false, true),
        (3, Some(2), false, true),
        (1, Some(2), true, true),
    ];
    for &(attempts, max, past_due, want) in closed {
        let s = state(attempts, max, false, past_due, true);
        assert_eq!(capa::is_closed(&s), want, "{s:?}");
    }
}

// --- §2.9 weight ----------------------------------------------------------------------------

#[test]
fn s2_9_weighted_scores() {
    // (raw earned, raw possible, weight, weighted earned, weighted possible)
    #[rustfmt::skip]
    let table: &[(f64, f64, Option<f64>, f64, f64)] = &[
        (2.0, 3.0, None, 2.0, 3.0),
        (2.0, 3.0, Some(10.0), 20.0 / 3.0, 10.0),
        (2.0, 3.0, Some(0.0), 0.0, 0.0),
        (0.0, 0.0, Some(5.0), 0.0, 0.0),
        (0.0, 0.0, None, 0.0, 0.0),
        (1.0, 2.0, Some(0.5), 0.25, 0.5),
        (0.0, 3.0, Some(4.0), 0.0, 4.0),
        (3.0, 3.0, Some(1.0), 1.0, 1.0),
        (0.6, 3.0, Some(7.0), 0.6 * 7.0 / 3.0, 7.0),
    ];
    for &(e, p, w, we, wp) in table {
        assert_eq!(capa::weighted(e, p, w), (we, wp), "{e}/{p} weight {w:?}");
    }
}
