//! Dates, durations and efforts in the viewer's language and time zone. Month names and
//! date patterns are interface messages, so translators decide the order and forms.

use crate::page::Page;
use jiff::Timestamp;
use lyceum_core::course::Effort;
use lyceum_i18n::Arg;

/// Month names inside dates, by month number − 1.
const MONTH_KEYS: [&str; 12] = [
    "lyceum-date-month-1",
    "lyceum-date-month-2",
    "lyceum-date-month-3",
    "lyceum-date-month-4",
    "lyceum-date-month-5",
    "lyceum-date-month-6",
    "lyceum-date-month-7",
    "lyceum-date-month-8",
    "lyceum-date-month-9",
    "lyceum-date-month-10",
    "lyceum-date-month-11",
    "lyceum-date-month-12",
];

pub fn date(p: &Page, t: &Timestamp) -> String {
    civil_date(p, t.to_zoned(p.tz.clone()).date())
}

/// A calendar date as written, in no time zone (a course update's "January 5, 2013").
pub fn civil_date(p: &Page, d: jiff::civil::Date) -> String {
    let month = p.text(MONTH_KEYS[usize::try_from(d.month() - 1).unwrap_or(0).min(11)]);
    // Day and year through the one number formatter, without group separators (2026,
    // not 2,026), so a date's digits match every other number on the page.
    let i18n = p.app.i18n();
    i18n.text(
        &p.lang,
        "lyceum-date-format",
        &[
            Arg::from(i18n.number_plain(&p.lang, i64::from(d.day()))),
            Arg::from(month),
            Arg::from(i18n.number_plain(&p.lang, i64::from(d.year()))),
        ],
    )
}

pub fn datetime(p: &Page, t: &Timestamp) -> String {
    let z = t.to_zoned(p.tz.clone());
    let time = p
        .app
        .i18n()
        .digits(&p.lang, &format!("{:02}:{:02}", z.hour(), z.minute()));
    let zone = z.strftime("%Z").to_string();
    p.app.i18n().text(
        &p.lang,
        "lyceum-datetime-format",
        &[Arg::from(date(p, t)), Arg::from(time), Arg::from(zone)],
    )
}

/// "2 hours per week for 6 weeks".
pub fn effort(p: &Page, e: Effort) -> String {
    let hours = f64::from(e.minutes_per_week) / 60.0;
    let hours_arg = if e.minutes_per_week.is_multiple_of(60) {
        Arg::from(i64::from(e.minutes_per_week / 60))
    } else {
        Arg::from((hours * 10.0).round() / 10.0)
    };
    p.app.i18n().text(
        &p.lang,
        "lyceum-effort-value",
        &[hours_arg, Arg::from(i64::from(e.weeks))],
    )
}

/// Whole hours in total, rounded up: "about 12 hours in all".
pub fn effort_total(p: &Page, e: Effort) -> String {
    let hours = i64::from(e.total_minutes().div_ceil(60));
    p.app
        .i18n()
        .text(&p.lang, "lyceum-effort-total", &[Arg::from(hours)])
}

/// The name of a language in the viewer's interface language when we have it, else its
/// own name.
pub fn language_name(code: &str) -> String {
    lyceum_i18n::autonym(code).unwrap_or(code).to_owned()
}

/// A number in the viewer's language: the one formatter every number on a page goes
/// through (grouping and digits as in messages).
pub fn number(p: &Page, n: f64) -> String {
    p.app.i18n().number(&p.lang, n)
}

/// Seconds as m:ss or h:mm:ss, for transcripts.
pub fn clock_time(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times() {
        assert_eq!(clock_time(0), "0:00");
        assert_eq!(clock_time(61_500), "1:01");
        assert_eq!(clock_time(3_725_000), "1:02:05");
    }
}
