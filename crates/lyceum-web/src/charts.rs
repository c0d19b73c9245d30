//! Server-rendered SVG charts for the Progress page: horizontal bars, one row per score,
//! so they read on a 360 px phone as on a desktop, need no script, and mirror for
//! right-to-left languages (bars grow from the right, labels sit on the right).
//! Colours come from the stylesheet (classes), as the content security policy forbids
//! inline styles.

use crate::page::{Html, escape};
use std::fmt::Write;

/// One row of a bar chart.
pub struct Bar {
    /// Short label at the start of the row ("Q 1"), and the full name for the tooltip.
    pub label: String,
    pub title: String,
    /// 0..=1.
    pub value: f64,
    /// The value as shown at the end of the bar ("80%").
    pub value_text: String,
    pub kind: BarKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    Score,
    /// Dropped by the grading policy: drawn faded and struck through.
    Dropped,
    /// The average or total row, drawn strong.
    Total,
}

/// A marker across the bars (a grade cutoff).
pub struct Marker {
    pub label: String,
    pub value: f64,
}

const WIDTH: f64 = 320.0;
const LABEL: f64 = 72.0;
const VALUE: f64 = 92.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;
/// Room above the bars for marker labels, in two staggered rows.
const TOP_WITH_MARKERS: f64 = 34.0;
/// Marker labels closer than this go to the other row.
const MARKER_GAP: f64 = 30.0;

/// A horizontal bar chart. `rtl` mirrors it; `lang`/`dir` mark the labels' language
/// (course content, which can differ from the interface).
pub fn bars(
    id: &str,
    caption: &str,
    rows: &[Bar],
    markers: &[Marker],
    rtl: bool,
    label_lang: &str,
) -> Html {
    let track = WIDTH - LABEL - VALUE;
    let top = if markers.is_empty() {
        4.0
    } else {
        TOP_WITH_MARKERS
    };
    let height = top + ROW * rows.len() as f64 + 4.0;
    // x in a left-to-right layout, mirrored when the page is right-to-left.
    let x = |ltr: f64| if rtl { WIDTH - ltr } else { ltr };
    let rect_x = |ltr: f64, w: f64| if rtl { WIDTH - ltr - w } else { ltr };
    let dir = if rtl { "rtl" } else { "ltr" };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="{id}-title" direction="{dir}"><title id="{id}-title">{}</title>"#,
        escape(caption)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + ROW * i as f64;
        let v = if r.value.is_finite() {
            r.value.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let class = match r.kind {
            BarKind::Score => "chart__bar",
            BarKind::Dropped => "chart__bar chart__bar--dropped",
            BarKind::Total => "chart__bar chart__bar--total",
        };
        let label_class = if r.kind == BarKind::Total {
            "chart__label chart__label--total"
        } else {
            "chart__label"
        };
        let _ = write!(
            s,
            r#"<g><title>{title}: {value}</title><text class="{label_class}" x="{lx}" y="{ty}" lang="{label_lang}">{label}</text><rect class="chart__track" x="{tx}" y="{by}" width="{track}" height="{BAR}" rx="2"/>"#,
            title = escape(&r.title),
            value = escape(&r.value_text),
            lx = x(4.0),
            ty = y + BAR - 3.0,
            label = escape(&truncate(&r.label, 10)),
            tx = rect_x(LABEL, track),
            by = y,
        );
        if v > 0.0 {
            let w = (track * v).max(1.0);
            let _ = write!(
                s,
                r#"<rect class="{class}" x="{}" y="{y}" width="{w}" height="{BAR}" rx="2"/>"#,
                rect_x(LABEL, w)
            );
        }
        if r.kind == BarKind::Dropped {
            let _ = write!(
                s,
                r#"<line class="chart__strike" x1="{}" x2="{}" y1="{my}" y2="{my}"/>"#,
                x(LABEL),
                x(LABEL + track),
                my = y + BAR / 2.0
            );
        }
        let _ = write!(
            s,
            r#"<text class="chart__value" x="{}" y="{}">{}</text></g>"#,
            x(LABEL + track + 6.0),
            y + BAR - 3.0,
            escape(&r.value_text)
        );
    }
    // Cutoffs are often 10 % apart: alternate their labels between two rows.
    let mut last_in_row = [f64::NEG_INFINITY; 2];
    for m in markers {
        let v = if m.value.is_finite() {
            m.value.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let at = LABEL + track * v;
        let row =
            usize::from(at - last_in_row[0] < MARKER_GAP && at - last_in_row[1] >= MARKER_GAP);
        last_in_row[row] = at;
        let label_y = if row == 0 { top - 6.0 } else { top - 19.0 };
        let mx = x(at);
        let _ = write!(
            s,
            r#"<g class="chart__marker"><line x1="{mx}" x2="{mx}" y1="{}" y2="{}"/><text x="{mx}" y="{label_y}" text-anchor="middle">{}</text></g>"#,
            label_y + 2.0,
            height - 2.0,
            escape(&m.label)
        );
    }
    s.push_str("</svg>");
    Html(s)
}

/// At most `max` characters, with an ellipsis when cut (labels have a fixed width).
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: f64, kind: BarKind) -> Bar {
        Bar {
            label: "Q 1".into(),
            title: "Quiz <1>".into(),
            value: v,
            value_text: format!("{}%", (v * 100.0).round()),
            kind,
        }
    }

    #[test]
    fn bars_grow_from_the_start_side() {
        let ltr = bars(
            "c",
            "Quizzes",
            &[row(0.5, BarKind::Score)],
            &[],
            false,
            "en",
        )
        .0;
        let rtl = bars("c", "Quizzes", &[row(0.5, BarKind::Score)], &[], true, "ar").0;
        let track = WIDTH - LABEL - VALUE;
        assert!(
            ltr.contains(&format!(
                r#"<rect class="chart__bar" x="{LABEL}" y="4" width="{}""#,
                track / 2.0
            )),
            "{ltr}"
        );
        assert!(
            rtl.contains(&format!(
                r#"<rect class="chart__bar" x="{}" y="4" width="{}""#,
                WIDTH - LABEL - track / 2.0,
                track / 2.0
            )),
            "{rtl}"
        );
        assert!(rtl.contains(r#"direction="rtl""#));
        assert!(ltr.contains("Quiz &lt;1&gt;"), "titles are escaped");
    }

    #[test]
    fn zero_and_bad_values_draw_no_bar_and_dropped_rows_are_struck() {
        let s = bars(
            "c",
            "x",
            &[
                row(0.0, BarKind::Score),
                row(f64::NAN, BarKind::Score),
                row(0.4, BarKind::Dropped),
            ],
            &[Marker {
                label: "Pass".into(),
                value: 0.6,
            }],
            false,
            "en",
        )
        .0;
        assert_eq!(s.matches(r#"class="chart__bar""#).count(), 0);
        assert_eq!(s.matches("chart__bar--dropped").count(), 1);
        assert_eq!(s.matches("chart__strike").count(), 1);
        assert!(s.contains(">Pass</text>"));
    }

    #[test]
    fn close_cutoff_labels_take_turns_between_two_rows() {
        let m = |l: &str, v| Marker {
            label: l.into(),
            value: v,
        };
        let s = bars(
            "c",
            "x",
            &[row(0.5, BarKind::Total)],
            &[m("Pass", 0.6), m("C", 0.7), m("B", 0.8), m("A", 0.9)],
            false,
            "en",
        )
        .0;
        let ys: Vec<&str> = s.split(r#"text-anchor="middle">"#).skip(1).collect();
        assert_eq!(ys.len(), 4);
        let y_of = |label: &str| {
            s.split("<g class=\"chart__marker\">")
                .find(|g| g.contains(&format!(">{label}</text>")))
                .and_then(|g| g.split(" y=\"").nth(1))
                .map(|y| y.split('"').next().unwrap().to_owned())
                .unwrap()
        };
        assert_ne!(y_of("Pass"), y_of("C"));
        assert_eq!(y_of("Pass"), y_of("B"));
        assert_ne!(y_of("B"), y_of("A"));
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(truncate("Homework assignment", 10), "Homework …");
        assert_eq!(truncate("HW 1", 10), "HW 1");
    }
}
