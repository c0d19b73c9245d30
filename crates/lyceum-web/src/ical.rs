//! iCalendar (RFC 5545) text for the calendar feed: escaped TEXT values, lines folded at
//! 75 octets without splitting a character, CRLF line ends, times in UTC.

use jiff::Timestamp;

/// One event: a due date.
pub struct Event {
    /// Globally unique and stable across refreshes, so calendar apps update in place.
    pub uid: String,
    pub start: Timestamp,
    pub summary: String,
    pub description: String,
    /// Absolute URL of the work.
    pub url: String,
}

/// A whole calendar. `stamp` is when this copy was produced (DTSTAMP).
pub fn calendar(name: &str, stamp: Timestamp, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(&fold(s));
    };
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Lyceum//Due dates//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(name)));
    line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    line("X-PUBLISHED-TTL:PT1H");
    let stamp = utc(stamp);
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&e.uid)));
        line(&format!("DTSTAMP:{stamp}"));
        // A moment, not a span: with no DTEND the event ends when it starts (§3.6.1).
        line(&format!("DTSTART:{}", utc(e.start)));
        line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        if !e.description.is_empty() {
            line(&format!("DESCRIPTION:{}", escape_text(&e.description)));
        }
        if !e.url.is_empty() {
            line(&format!("URL:{}", uri(&e.url)));
        }
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// A UTC DATE-TIME (`19980119T070000Z`).
pub fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (§3.3.11): backslash, semicolon and comma escaped, line breaks as `\n`,
/// other control characters (not allowed in a content line) dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value: ours are ASCII already; anything else is percent-encoded so the line
/// stays a valid content line.
fn uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'"' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One content line, folded (§3.1): no physical line longer than 75 octets, excluding
/// the CRLF; continuation lines begin with a space. Folds fall between characters, never
/// inside a UTF-8 sequence.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("Quiz 1; part a, b\\c\r\nnext\nline\u{7}"),
            "Quiz 1\\; part a\\, b\\\\c\\nnext\\nline"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let ascii = format!("SUMMARY:{}", "a".repeat(200));
        let folded = fold(&ascii);
        assert!(folded.ends_with("\r\n"));
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        // Unfolding (remove CRLF + one space) gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), ascii);

        let arabic = format!("SUMMARY:{}", "موعد التسليم ".repeat(20));
        let folded = fold(&arabic);
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
            // Each physical line is valid UTF-8 on its own: no character was cut.
            assert!(std::str::from_utf8(l.as_bytes()).is_ok());
        }
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), arabic);
        assert_eq!(fold("A:b"), "A:b\r\n");
    }

    #[test]
    fn a_calendar_has_the_required_properties_and_crlf_only() {
        let start: Timestamp = "2026-12-01T09:30:00Z".parse().unwrap();
        let cal = calendar(
            "Lyceum: due dates",
            "2026-11-21T00:00:00Z".parse().unwrap(),
            &[Event {
                uid: "deadline-42-subsection@lyceum.example".into(),
                start,
                summary: "Due: Quiz, part 1".into(),
                description: "Course; one".into(),
                url: "https://lyceum.example/courses/course-v1:A+B+C/unit/u1#block-9".into(),
            }],
        );
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(!cal.replace("\r\n", "").contains('\n'), "bare LF");
        for needle in [
            "UID:deadline-42-subsection@lyceum.example\r\n",
            "DTSTAMP:20261121T000000Z\r\n",
            "DTSTART:20261201T093000Z\r\n",
            "SUMMARY:Due: Quiz\\, part 1\r\n",
            "DESCRIPTION:Course\\; one\r\n",
        ] {
            assert!(cal.contains(needle), "{needle} in {cal}");
        }
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 1);
    }
}
