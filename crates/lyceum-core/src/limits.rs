//! The longest text a person may enter, per kind of string, the range of every number staff
//! type, and the one normaliser names pass through. The table is docs/LIMITS.md.
//!
//! Text is either *normalised* (file names: cleaned and shortened, because a person cannot
//! easily rename a file on a phone) or *refused* with a message quoting the start of what was
//! typed and the maximum (everything else: silently cutting a reason or feedback would lose
//! what the person meant).

use crate::error::DomainError;

/// One kind of string a person supplies: how long it may be and whether it holds lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimit {
    /// Maximum, in characters (Unicode scalar values).
    pub max_chars: usize,
    /// Multi-line text keeps its newlines and tabs; a one-line name loses every control.
    pub multiline: bool,
}

const fn line(max_chars: usize) -> TextLimit {
    TextLimit {
        max_chars,
        multiline: false,
    }
}

const fn lines(max_chars: usize) -> TextLimit {
    TextLimit {
        max_chars,
        multiline: true,
    }
}

/// External links one piece of content (a text block, an About page) by an untrusted
/// author may hold (issue 13, trust; `sanitize::Links`).
pub const UNTRUSTED_EXTERNAL_LINKS: usize = 10;
/// A site's code of conduct (Markdown).
pub const CONDUCT_TEXT: TextLimit = lines(50_000);
/// The reason given when trusting an account or revoking its trust.
pub const TRUST_REASON: TextLimit = line(500);

/// A local username (MediaWiki's limit).
pub const USERNAME: TextLimit = line(85);
/// A display name.
pub const DISPLAY_NAME: TextLimit = line(100);
/// An e-mail address (RFC 5321's path limit).
pub const EMAIL: TextLimit = line(254);
/// A title staff give (an assignment, a criterion, an option, an assignment type).
pub const TITLE: TextLimit = line(200);
/// A short label (an assignment type's abbreviation, a letter grade).
pub const SHORT_LABEL: TextLimit = line(50);
/// A reason recorded with a staff action (an override, a cancelled review).
pub const REASON: TextLimit = line(500);
/// The text describing an attached file for people who cannot see it.
pub const ALT_TEXT: TextLimit = line(1_000);
/// Terms typed into a search or filter box.
pub const SEARCH: TextLimit = line(200);
/// An organisation code typed on the import page: a course key's part, so no longer than
/// one ([`crate::course::key::KEY_PART_MAX`]).
pub const ORG_CODE: TextLimit = line(crate::course::key::KEY_PART_MAX);
/// An organisation's name.
pub const ORG_NAME: TextLimit = line(100);
/// An organisation's description (plain text, shown on its page).
pub const ORG_DESCRIPTION: TextLimit = lines(5_000);
/// A web address (an organisation's website).
pub const URL: TextLimit = line(2_000);
/// A rubric's prompts and option explanations, a feedback question.
pub const RUBRIC_TEXT: TextLimit = lines(2_000);
/// What a person writes when reporting something to the moderators.
pub const REPORT_TEXT: TextLimit = lines(5_000);
/// What a person writes when appealing a moderator's action.
pub const APPEAL_TEXT: TextLimit = lines(5_000);
/// A moderator's reason for an action (shown to the person affected; required).
pub const MODERATION_REASON: TextLimit = lines(2_000);
/// The longest suspension a moderator may give, in days (longer: block the account).
pub const MAX_SUSPENSION_DAYS: i64 = 366;
/// Feedback in a review, per criterion and overall, and a note returning a response.
pub const FEEDBACK: TextLimit = lines(20_000);
/// A learner's response text.
pub const RESPONSE: TextLimit = lines(100_000);
/// A course's title (Open edX's display names run long; the catalog card wraps it).
pub const COURSE_TITLE: TextLimit = line(200);
/// A course's short description, shown on its catalog card.
pub const COURSE_SHORT_DESCRIPTION: TextLimit = lines(1_000);
/// A course's About page, in Markdown.
pub const COURSE_ABOUT: TextLimit = lines(100_000);
/// A reviewer's comment on a course (approving, sending back, commenting).
pub const REVIEW_COMMENT: TextLimit = lines(5_000);
/// The largest card image a course may have, in bytes.
pub const CARD_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// A wiki task (issue 14): the wiki it is done on (a domain or a site-configured name).
pub const WIKI_ID: TextLimit = line(100);
/// A wiki task's instructions (Markdown or HTML).
pub const WIKI_TASK_INSTRUCTIONS: TextLimit = lines(20_000);
/// A page title or title pattern on a wiki (MediaWiki allows 255 bytes; a pattern's
/// `{username}` and `*` make room for more).
pub const WIKI_TITLE: TextLimit = line(300);
/// An edit summary pre-filled for the learner (MediaWiki's own limit).
pub const WIKI_SUMMARY: TextLimit = line(500);
/// One text a wiki task's edit must contain (`<ref`, `{{Infobox`).
pub const WIKI_SNIPPET: TextLimit = line(200);
/// A change tag a wiki task's edit must carry.
pub const WIKI_TAG: TextLimit = line(100);
/// A category or licence template an upload's file page must use.
pub const WIKI_PAGE_NAME: TextLimit = line(255);

/// Most blocks one upstream pull may name (a request naming more is refused whole).
pub const UPSTREAM_PULL: usize = 1_000;

/// Longest file name, in bytes (what every common file system stores).
pub const FILE_NAME_BYTES: usize = 255;

/// Is `c` a character no name should hold: C0 and C1 controls, DEL, the bidi embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), line and paragraph separators and
/// the byte-order mark.
///
/// With `multiline` (prose shown in a block of its own: a response, feedback), newline and
/// tab are kept, and so are the bidi formatting characters: a block ends every embedding
/// opened inside it, so they cannot reorder the page around it, and writers of mixed
/// Arabic and English prose use them.
pub fn is_hostile(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' => !multiline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => !multiline,
        '\u{2028}' | '\u{2029}' | '\u{feff}' => true,
        _ => false,
    }
}

/// `s` without hostile characters; multi-line text has its line ends made `\n`.
pub fn strip(s: &str, multiline: bool) -> String {
    let s = if multiline && s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    };
    if !multiline {
        // A one-line name: a tab or newline reads as a space, not as nothing.
        return s
            .chars()
            .map(|c| {
                if matches!(c, '\t' | '\n' | '\r') {
                    ' '
                } else {
                    c
                }
            })
            .filter(|&c| !is_hostile(c, false))
            .collect();
    }
    s.chars().filter(|&c| !is_hostile(c, true)).collect()
}

/// The error for text over its limit: quotes the start of the text and the maximum.
pub fn too_long(text: &str, max_chars: usize) -> DomainError {
    DomainError::new("lyceum-error-input-too-long")
        .with_arg(quoted(text))
        .with_arg(max_chars.to_string())
}

/// The start of what someone typed, to quote in an error: 30 characters, then `…`.
fn quoted(text: &str) -> String {
    let mut start: String = text.chars().take(30).collect();
    if text.chars().nth(30).is_some() {
        start.push('…');
    }
    start
}

/// `s` cleaned for its kind: hostile characters stripped, a one-line name trimmed.
fn stripped(s: &str, limit: TextLimit) -> String {
    let cleaned = strip(s, limit.multiline);
    if limit.multiline {
        cleaned
    } else {
        cleaned.trim().to_owned()
    }
}

/// Clean `s` for its kind (hostile characters stripped, a name trimmed) and refuse it when
/// it is longer than allowed. Multi-line text keeps its inner spacing.
pub fn clean(s: &str, limit: TextLimit) -> Result<String, DomainError> {
    let cleaned = stripped(s, limit);
    if cleaned.chars().count() > limit.max_chars {
        return Err(too_long(&cleaned, limit.max_chars));
    }
    Ok(cleaned)
}

/// Clean `s` for its kind as [`clean`] does, but cut it to the limit at a character
/// boundary instead of refusing it: for names from a source nobody can be asked to fix
/// there and then (a title in an imported archive). Says whether it was cut.
pub fn clean_cut(s: &str, limit: TextLimit) -> (String, bool) {
    let cleaned = stripped(s, limit);
    match cleaned.char_indices().nth(limit.max_chars) {
        Some((at, _)) => (cleaned[..at].trim_end().to_owned(), true),
        None => (cleaned, false),
    }
}

/// Refuse text over its limit without changing it (for text whose every character is the
/// author's, such as feedback already checked elsewhere).
pub fn check(s: &str, limit: TextLimit) -> Result<(), DomainError> {
    if s.chars().count() > limit.max_chars {
        return Err(too_long(s, limit.max_chars));
    }
    Ok(())
}

/// Terms typed into a search box: cleaned and cut to [`SEARCH`]'s length rather than
/// refused (a search is only a question; the answer says what was searched for).
pub fn search_terms(s: &str) -> String {
    strip(s, false)
        .trim()
        .chars()
        .take(SEARCH.max_chars)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// A file name made safe to store and show: hostile characters and path separators gone,
/// spaces trimmed, at most [`FILE_NAME_BYTES`] bytes cut at a character boundary with the
/// extension kept, and never empty.
pub fn file_name(name: &str) -> String {
    // Browsers send a bare name, but old ones sent a whole path.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean = strip(base, false);
    let clean = clean.trim().trim_start_matches('.').trim();
    let clean = if clean.is_empty() { "file" } else { clean };
    if clean.len() <= FILE_NAME_BYTES {
        return clean.to_owned();
    }
    // An extension is kept when it looks like one (short, after a dot, not the whole name).
    let ext = clean
        .rfind('.')
        .map(|i| &clean[i..])
        .filter(|e| e.len() <= 16 && e.len() > 1);
    let ext = ext.unwrap_or("");
    let budget = FILE_NAME_BYTES - ext.len();
    let stem = &clean[..clean.len() - ext.len()];
    let mut cut = budget.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem[..cut].trim_end())
}

/// A whole number staff type, within `min..=max`: surrounding spaces are fine.
pub fn whole(text: &str, min: u32, max: u32) -> Result<u32, DomainError> {
    let t = text.trim();
    t.parse::<u64>()
        .ok()
        .filter(|n| (u64::from(min)..=u64::from(max)).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| out_of_range(t, &min.to_string(), &max.to_string()))
}

/// A decimal number staff type, within `min..=max`: finite, a decimal comma is fine.
pub fn decimal(text: &str, min: f64, max: f64) -> Result<f64, DomainError> {
    let t = text.trim();
    t.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= min && *x <= max)
        .ok_or_else(|| out_of_range(t, &plain(min), &plain(max)))
}

/// The error for a number outside its range, quoting what was typed.
pub fn out_of_range(typed: &str, min: &str, max: &str) -> DomainError {
    DomainError::new("lyceum-error-number-range")
        .with_arg(quoted(typed))
        .with_arg(min)
        .with_arg(max)
}

fn plain(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// Ranges of the numbers staff set; the same bounds hold on the forms, the JSON API and
/// imports, so a course can always be saved again as it was read.
pub mod range {
    /// Points of one rubric option.
    pub const OPTION_POINTS: u32 = 1_000;
    /// Criteria in one rubric, options in one criterion.
    pub const CRITERIA: usize = 50;
    pub const OPTIONS: usize = 20;
    /// Points a problem or an open response is worth in the grade.
    pub const WEIGHT: f64 = 1_000.0;
    /// Attempts a problem allows.
    pub const ATTEMPTS: u32 = 1_000;
    /// Peer reviews a learner gives or receives.
    pub const PEER_REVIEWS: u32 = 20;
    /// Days before the peer fallback applies.
    pub const FALLBACK_DAYS: u32 = 365;
    /// Minutes an assignment is expected to take.
    pub const EXPECTED_MINUTES: u32 = 10_000;
    /// Subsections an assignment type counts, and drops.
    pub const ASSIGNMENT_COUNT: u32 = 1_000;
    /// Hours of grace after a due date.
    pub const GRACE_HOURS: f64 = 24.0 * 365.0;
    /// Files per response and megabytes per file an author may allow.
    pub const FILES: u32 = 20;
    pub const FILE_MB: u32 = 100;
    /// Hours per week and weeks a course says it takes.
    pub const EFFORT_HOURS_PER_WEEK: f64 = 168.0;
    pub const EFFORT_WEEKS: u32 = 520;
    /// A wiki task: texts the edit must contain, namespaces it may be in (each within
    /// `WIKI_NAMESPACE_MIN..=WIKI_NAMESPACE_MAX`), matching edits or uploads it asks
    /// for, bytes an edit must add.
    pub const WIKI_MUST_CONTAIN: usize = 10;
    pub const WIKI_NAMESPACES: usize = 20;
    pub const WIKI_NAMESPACE_MIN: i64 = -2;
    pub const WIKI_NAMESPACE_MAX: i64 = 10_000;
    pub const WIKI_MIN_COUNT: u32 = 100;
    pub const WIKI_MIN_BYTES: i64 = 1_000_000;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_characters_are_stripped() {
        let table: &[(&str, bool, &str)] = &[
            ("plain", false, "plain"),
            ("a\u{202e}fdp.exe", false, "afdp.exe"),
            ("\u{2066}x\u{2069}", false, "x"),
            ("bell\u{7}\u{1b}[31m", false, "bell[31m"),
            ("c1\u{85}\u{9b}", false, "c1"),
            ("tab\there", false, "tab here"),
            ("two\nlines", false, "two lines"),
            ("two\r\nlines\tkept", true, "two\nlines\tkept"),
            ("nul\u{0}", true, "nul"),
            (
                "prose \u{2067}عربي\u{2069}\n",
                true,
                "prose \u{2067}عربي\u{2069}\n",
            ),
            ("\u{feff}bom", false, "bom"),
            // Marks that order Arabic and English text are kept.
            ("عربي\u{200f} x", false, "عربي\u{200f} x"),
        ];
        for (input, multiline, want) in table {
            assert_eq!(strip(input, *multiline), *want, "{input:?}");
        }
    }

    #[test]
    fn clean_trims_names_and_refuses_long_text() {
        assert_eq!(clean("  Ada \u{202e} ", DISPLAY_NAME).unwrap(), "Ada");
        assert_eq!(clean(" a\n b ", FEEDBACK).unwrap(), " a\n b ");
        let e = clean(&"x".repeat(101), DISPLAY_NAME).unwrap_err();
        assert_eq!(e.key.0, "lyceum-error-input-too-long");
        assert_eq!(e.args[0], format!("{}…", "x".repeat(30)));
        assert_eq!(e.args[1], "100");
        assert!(
            clean(&"é".repeat(100), DISPLAY_NAME).is_ok(),
            "counts characters"
        );
        assert!(check(&"x".repeat(20_001), FEEDBACK).is_err());
    }

    #[test]
    fn clean_cut_cuts_names_at_a_character_boundary() {
        let three = TextLimit {
            max_chars: 3,
            multiline: false,
        };
        let cases = [
            ("  Week\u{202e} one\u{85} ", TITLE, "Week one", false),
            ("\u{2066}\u{2069}", TITLE, "", false),
            ("abc", three, "abc", false),
            ("ab d", three, "ab", true),
            ("ΩΩΩΩ", three, "ΩΩΩ", true),
        ];
        for (input, limit, want, cut) in cases {
            assert_eq!(clean_cut(input, limit), (want.to_owned(), cut), "{input:?}");
        }
        let (t, cut) = clean_cut(&"Ω".repeat(201), TITLE);
        assert!(cut);
        assert_eq!(t, "Ω".repeat(200));
    }

    #[test]
    fn search_terms_are_cut_not_refused() {
        assert_eq!(search_terms("  ada\u{202e} "), "ada");
        assert_eq!(
            search_terms(&"q".repeat(10_000)).chars().count(),
            SEARCH.max_chars
        );
    }

    #[test]
    fn file_names_are_safe_and_keep_their_extension() {
        assert_eq!(file_name("report.pdf"), "report.pdf");
        assert_eq!(file_name("C:\\Users\\ada\\cv.docx"), "cv.docx");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(file_name(" \u{7} "), "file");
        assert_eq!(file_name(".hidden"), "hidden");
        let long = format!("{}.png", "a".repeat(5_000_000));
        let n = file_name(&long);
        assert_eq!(n.len(), FILE_NAME_BYTES);
        assert!(n.ends_with(".png"));
        // Cut at a character boundary: 2-byte letters never split.
        let arabic = format!("{}.pdf", "ع".repeat(300));
        let n = file_name(&arabic);
        assert!(
            n.len() <= FILE_NAME_BYTES && n.ends_with(".pdf"),
            "{}",
            n.len()
        );
        assert!(n.starts_with('ع'));
        // No extension worth keeping: just cut.
        let n = file_name(&"b".repeat(400));
        assert_eq!(n.len(), FILE_NAME_BYTES);
    }

    #[test]
    fn numbers_are_range_checked() {
        assert_eq!(whole(" 5 ", 0, 10).unwrap(), 5);
        for bad in [
            "4294967295",
            "-1",
            "11",
            "1.5",
            "",
            "x",
            "99999999999999999999",
        ] {
            let e = whole(bad, 0, 10).unwrap_err();
            assert_eq!(e.key.0, "lyceum-error-number-range", "{bad}");
            assert_eq!(e.args[1..], ["0".to_string(), "10".to_string()]);
        }
        assert_eq!(decimal("2,5", 0.0, 10.0).unwrap(), 2.5);
        for bad in ["1e308", "NaN", "inf", "-0.5", "10.01"] {
            assert!(decimal(bad, 0.0, 10.0).is_err(), "{bad}");
        }
        assert_eq!(
            decimal("1e308", 0.0, range::WEIGHT).unwrap_err().args,
            ["1e308", "0", "1000"]
        );
    }
}
