//! Open edX's course-relative links in author HTML (spec §1.7): quoted `/static/NAME`,
//! `/course/REST` and `/jump_to_id/ID` URLs are rewritten at render time to this course's
//! asset and page URLs, exactly where edx's `static_replace` would rewrite them.
//!
//! The rule is edx's regular expression `(\\?['"])PREFIX(.*?)\1` (no `DOTALL`: a URL never
//! spans a line), applied here by hand in one pass so that HTML without any such link is
//! returned borrowed, without allocating — this runs on every text block and problem of
//! every unit page.

use crate::media::normalize_asset_name;
use std::borrow::Cow;

/// Where a course's links go. The web layer knows its routes; this module only knows which
/// links to rewrite and which asset or page they name.
pub trait CourseLinks {
    /// A course page, for `/course/REST` (`rest` may be empty: the course's home).
    fn course_page(&self, rest: &str) -> String;
    /// The unit showing the block whose `url_name` is `id`, for `/jump_to_id/ID`.
    fn jump_to_id(&self, id: &str) -> String;
    /// The URL of the course's asset named `name` (already normalised), if it has one.
    fn asset(&self, name: &str) -> Option<String>;
    /// A URL for an asset the course does not have: it must answer 404, cleanly.
    fn missing_asset(&self, name: &str) -> String;
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Static,
    Course,
    JumpToId,
}

const PREFIXES: [(&str, Kind); 3] = [
    ("/static/", Kind::Static),
    ("/course/", Kind::Course),
    ("/jump_to_id/", Kind::JumpToId),
];

/// One quoted link: `url` is between the quotes; `end` is just after the closing quote.
struct Found<'h> {
    kind: Kind,
    url_start: usize,
    url_end: usize,
    rest: &'h str,
    end: usize,
}

/// Rewrite every quoted course-relative link in `html`. Unquoted URLs are left alone, as
/// are `/static/…?raw` and `/static/xblock…` (edx serves those itself).
pub fn rewrite_course_links<'h>(html: &'h str, links: &dyn CourseLinks) -> Cow<'h, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `html` before this index are already in `out` (when it exists).
    let mut copied = 0;
    let mut pos = 0;
    while let Some(off) = bytes[pos..].iter().position(|&b| b == b'"' || b == b'\'') {
        let q = pos + off;
        // The regex tries the leftmost start first: a backslash-escaped quote, then the
        // quote alone. A backslash already consumed by the previous match does not count.
        let found = (q > pos && bytes[q - 1] == b'\\')
            .then(|| match_at(html, q - 1, 2))
            .flatten()
            .or_else(|| match_at(html, q, 1));
        let Some(f) = found else {
            pos = q + 1;
            continue;
        };
        if let Some(url) = replacement(&f, links) {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len() + 64));
            o.push_str(&html[copied..f.url_start]);
            o.push_str(&url);
            copied = f.url_end;
        }
        // A link left alone is still consumed, as `re.sub` does.
        pos = f.end;
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
    }
}

/// A link whose opening quote (`quote_len` bytes: `"` or `\"`) starts at `start`.
fn match_at(html: &str, start: usize, quote_len: usize) -> Option<Found<'_>> {
    let quote = &html[start..start + quote_len];
    let url_start = start + quote_len;
    let after = &html[url_start..];
    let (prefix, kind) = PREFIXES.iter().find(|(p, _)| after.starts_with(p))?;
    let rest_start = url_start + prefix.len();
    let line = &html[rest_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let rest_len = line.find(quote)?;
    let url_end = rest_start + rest_len;
    Some(Found {
        kind: *kind,
        url_start,
        url_end,
        rest: &html[rest_start..url_end],
        end: url_end + quote_len,
    })
}

fn replacement(f: &Found<'_>, links: &dyn CourseLinks) -> Option<String> {
    match f.kind {
        Kind::Static => {
            if f.rest.ends_with("?raw") || f.rest.starts_with("xblock") {
                return None;
            }
            // The query (and fragment) stay on the new URL.
            let split = f.rest.find(['?', '#']).unwrap_or(f.rest.len());
            let (path, suffix) = f.rest.split_at(split);
            Some(format!("{}{suffix}", asset_url(path, links)))
        }
        Kind::Course => Some(links.course_page(f.rest)),
        Kind::JumpToId => Some(links.jump_to_id(f.rest)),
    }
}

fn asset_url(path: &str, links: &dyn CourseLinks) -> String {
    let name = normalize_asset_name(path);
    if let Some(url) = links.asset(&name) {
        return url;
    }
    // Authors sometimes percent-encode what edx's import named literally
    // (`Brain%20green.png` for the file `Brain green.png`).
    if path.contains('%') {
        let decoded = normalize_asset_name(&percent_decode(path));
        if let Some(url) = links.asset(&decoded) {
            return url;
        }
    }
    links.missing_asset(&name)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routes as the web layer builds them, for course `K` with three assets.
    struct Links;

    impl CourseLinks for Links {
        fn course_page(&self, rest: &str) -> String {
            if rest.is_empty() {
                "/courses/K/courseware".into()
            } else {
                format!("/courses/K/{rest}")
            }
        }
        fn jump_to_id(&self, id: &str) -> String {
            format!("/courses/K/jump_to_id/{id}")
        }
        fn asset(&self, name: &str) -> Option<String> {
            [
                "Brain_green.png",
                "images_a_b.png",
                "a.pdf",
                "caf_.png",
                "x.png",
            ]
            .contains(&name)
            .then(|| format!("/courses/K/media/abc/{name}"))
        }
        fn missing_asset(&self, name: &str) -> String {
            format!("/courses/K/media/missing/{name}")
        }
    }

    fn rw(html: &str) -> Cow<'_, str> {
        rewrite_course_links(html, &Links)
    }

    #[test]
    fn every_case_of_the_spec() {
        let cases: &[(&str, &str)] = &[
            // Quotes: double, single, backslash-escaped (inside a JS string).
            (
                r#"<img src="/static/x.png">"#,
                r#"<img src="/courses/K/media/abc/x.png">"#,
            ),
            (
                "<img src='/static/x.png'>",
                "<img src='/courses/K/media/abc/x.png'>",
            ),
            (
                r#"s = "<img src=\"/static/x.png\">""#,
                r#"s = "<img src=\"/courses/K/media/abc/x.png\">""#,
            ),
            (
                r"s = '<a href=\'/static/a.pdf\'>'",
                r"s = '<a href=\'/courses/K/media/abc/a.pdf\'>'",
            ),
            // Left alone: ?raw, xblock resources, unquoted URLs, unknown prefixes.
            (
                r#"<a href="/static/a.pdf?raw">"#,
                r#"<a href="/static/a.pdf?raw">"#,
            ),
            (
                r#"<script src="/static/xblock/resources/x.js">"#,
                r#"<script src="/static/xblock/resources/x.js">"#,
            ),
            ("<img src=/static/x.png>", "<img src=/static/x.png>"),
            (
                "see /static/x.png and /course/info",
                "see /static/x.png and /course/info",
            ),
            (
                r#"<a href="/courses/other/info">"#,
                r#"<a href="/courses/other/info">"#,
            ),
            (
                r#"<a href="https://example.org/static/x.png">"#,
                r#"<a href="https://example.org/static/x.png">"#,
            ),
            // Query strings and fragments are kept.
            (
                r#"<a href="/static/a.pdf?v=2">"#,
                r#"<a href="/courses/K/media/abc/a.pdf?v=2">"#,
            ),
            (
                r#"<a href="/static/a.pdf#page=3">"#,
                r#"<a href="/courses/K/media/abc/a.pdf#page=3">"#,
            ),
            // Names as edx's import made them: spaces and subfolders become `_`.
            (
                r#"<img src="/static/Brain green.png">"#,
                r#"<img src="/courses/K/media/abc/Brain_green.png">"#,
            ),
            (
                r#"<img src="/static/images/a b.png">"#,
                r#"<img src="/courses/K/media/abc/images_a_b.png">"#,
            ),
            (
                r#"<img src="/static/Brain%20green.png">"#,
                r#"<img src="/courses/K/media/abc/Brain_green.png">"#,
            ),
            // Non-ASCII letters are outside `\w` for asset names; text around them is kept.
            (
                r#"<p>Café ☕ <img src="/static/café.png" alt="é"></p>"#,
                r#"<p>Café ☕ <img src="/courses/K/media/abc/caf_.png" alt="é"></p>"#,
            ),
            // A missing asset gets a URL that answers 404.
            (
                r#"<img src="/static/nope.png">"#,
                r#"<img src="/courses/K/media/missing/nope.png">"#,
            ),
            // Course pages and jump_to_id.
            (
                r#"<a href="/course/">"#,
                r#"<a href="/courses/K/courseware">"#,
            ),
            (
                r#"<a href="/course/info">"#,
                r#"<a href="/courses/K/info">"#,
            ),
            (
                r#"<a href="/jump_to_id/abc123">"#,
                r#"<a href="/courses/K/jump_to_id/abc123">"#,
            ),
            // Several links in one string, of every kind.
            (
                r#"<img src="/static/x.png"><a href='/jump_to_id/u1'>u</a><a href="/course/progress">p</a><img src="/static/a.pdf?raw">"#,
                r#"<img src="/courses/K/media/abc/x.png"><a href='/courses/K/jump_to_id/u1'>u</a><a href="/courses/K/progress">p</a><img src="/static/a.pdf?raw">"#,
            ),
            // The closing quote must be the same as the opening one, on the same line.
            (
                "<a href=\"/static/x.png\n\">",
                "<a href=\"/static/x.png\n\">",
            ),
            (r#"<a href='/static/x.png">"#, r#"<a href='/static/x.png">"#),
            (
                r#"<a title="it's" href="/static/x.png">"#,
                r#"<a title="it's" href="/courses/K/media/abc/x.png">"#,
            ),
            // An escaped quote that does not close falls back to the plain quote.
            (r#"\"/static/x.png""#, r#"\"/courses/K/media/abc/x.png""#),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(rw(input), *want, "{input}");
        }
    }

    #[test]
    fn html_without_links_is_not_copied() {
        for html in [
            "<p>Plain text, \"quotes\" and 'more'.</p>",
            r#"<a href="/courses/x">x</a> /static/x.png"#,
            r#"<a href="/static/a.pdf?raw">raw</a>"#,
        ] {
            assert!(matches!(rw(html), Cow::Borrowed(_)), "{html}");
        }
        assert!(matches!(rw(r#"<img src="/static/x.png">"#), Cow::Owned(_)));
    }

    proptest::proptest! {
        /// Any text, quotes and prefixes included, is handled without panicking, and only
        /// the links themselves change.
        #[test]
        fn arbitrary_text(parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("\"".to_string()),
                proptest::strategy::Just("'".to_string()),
                proptest::strategy::Just("\\".to_string()),
                proptest::strategy::Just("/static/".to_string()),
                proptest::strategy::Just("/course/".to_string()),
                proptest::strategy::Just("/jump_to_id/".to_string()),
                proptest::strategy::Just("?raw".to_string()),
                "\\PC{0,4}",
            ],
            0..12,
        )) {
            let html = parts.concat();
            let out = rw(&html);
            if !html.contains("/static/") && !html.contains("/course/") && !html.contains("/jump_to_id/") {
                proptest::prop_assert!(matches!(out, Cow::Borrowed(_)));
            }
        }
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
    }
}
