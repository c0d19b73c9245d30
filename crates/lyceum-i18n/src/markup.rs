//! HTML escaping, character references and the whitelist of inline HTML a message may use.

/// Elements a message may contain (MediaWiki's Sanitizer list as banana-i18n uses it).
const ALLOWED_ELEMENTS: &[&str] = &[
    "b",
    "bdi",
    "del",
    "i",
    "ins",
    "u",
    "font",
    "big",
    "small",
    "sub",
    "sup",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "cite",
    "code",
    "em",
    "s",
    "strike",
    "strong",
    "tt",
    "var",
    "div",
    "center",
    "blockquote",
    "ol",
    "ul",
    "dl",
    "table",
    "caption",
    "pre",
    "ruby",
    "rb",
    "rp",
    "rt",
    "rtc",
    "p",
    "span",
    "abbr",
    "dfn",
    "kbd",
    "samp",
    "data",
    "time",
    "mark",
    "li",
    "dt",
    "dd",
];

/// Elements without content; banana-i18n has none, but translators use `<br>`.
const VOID_ELEMENTS: &[&str] = &["br", "wbr"];

/// Attributes allowed on any allowed element (HTML, WAI-ARIA, RDFa, microdata).
const ALLOWED_ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "style",
    "lang",
    "dir",
    "title",
    "aria-describedby",
    "aria-flowto",
    "aria-hidden",
    "aria-label",
    "aria-labelledby",
    "aria-owns",
    "role",
    "about",
    "property",
    "resource",
    "datatype",
    "typeof",
    "itemid",
    "itemprop",
    "itemref",
    "itemscope",
    "itemtype",
];

/// URL schemes an external link may use; anything else (`javascript:`, `data:`) stays text.
const URL_PROTOCOLS: &[&str] = &[
    "https://",
    "http://",
    "//",
    "mailto:",
    "ftp://",
    "ftps://",
    "irc://",
    "ircs://",
    "news:",
    "nntp://",
    "tel:",
    "geo:",
    "sip:",
    "sips:",
    "sms:",
    "xmpp:",
    "matrix:",
    "urn:",
    "git://",
    "svn://",
    "ssh://",
    "sftp://",
    "magnet:",
    "gopher://",
    "telnet://",
    "worldwind://",
];

pub(crate) fn is_allowed_element(name: &str) -> bool {
    ALLOWED_ELEMENTS.contains(&name)
}

pub(crate) fn is_void_element(name: &str) -> bool {
    VOID_ELEMENTS.contains(&name)
}

/// Whether an attribute (name already lowercased, value already decoded) may be kept.
pub(crate) fn is_allowed_attribute(name: &str, value: &str) -> bool {
    ALLOWED_ATTRIBUTES.contains(&name) && (name != "style" || is_safe_style(value))
}

/// Rejects CSS that can load resources or run code. CSS escapes and comments could hide
/// those keywords, so a style using either is refused outright instead of decoded.
fn is_safe_style(value: &str) -> bool {
    if value.contains('\\') || value.contains("/*") {
        return false;
    }
    if value
        .chars()
        .any(|c| matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1f}' | '\u{7f}'))
    {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    !(lower.contains("expression")
        || [
            "filter:",
            "accelerator:",
            "-o-link:",
            "-o-link-source:",
            "-o-replace:",
        ]
        .iter()
        .any(|p| compact.contains(p))
        || ["url(", "image(", "image-set("]
            .iter()
            .any(|p| compact.contains(p)))
}

pub(crate) fn has_allowed_protocol(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    URL_PROTOCOLS.iter().any(|p| lower.starts_with(p))
}

/// Escapes everything that could start markup or end an attribute: for argument values
/// and for markup that is shown as text.
pub(crate) fn escape_full(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            _ => out.push(c),
        }
    }
}

/// Escapes message literal text for element content. `>` and quotes cannot start markup
/// there, and banana-i18n (whose vectors we match byte for byte) leaves them as typed.
pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            _ => out.push(c),
        }
    }
}

/// Escapes an attribute value for a double-quoted attribute.
pub(crate) fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

const NAMED_REFERENCES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("shy", '\u{ad}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200c}'),
    ("zwj", '\u{200d}'),
    ("lrm", '\u{200e}'),
    ("rlm", '\u{200f}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201a}'),
    ("ldquo", '\u{201c}'),
    ("rdquo", '\u{201d}'),
    ("bdquo", '\u{201e}'),
    ("bull", '\u{2022}'),
    ("hellip", '\u{2026}'),
    ("laquo", '\u{ab}'),
    ("raquo", '\u{bb}'),
    ("lsaquo", '\u{2039}'),
    ("rsaquo", '\u{203a}'),
    ("middot", '\u{b7}'),
    ("times", '\u{d7}'),
    ("divide", '\u{f7}'),
    ("minus", '\u{2212}'),
    ("copy", '\u{a9}'),
    ("reg", '\u{ae}'),
    ("trade", '\u{2122}'),
    ("deg", '\u{b0}'),
    ("euro", '\u{20ac}'),
    ("larr", '\u{2190}'),
    ("rarr", '\u{2192}'),
    ("uarr", '\u{2191}'),
    ("darr", '\u{2193}'),
    ("harr", '\u{2194}'),
];

/// Decodes the character references translators write (`&nbsp;`, `&#8212;`, `&#x2014;`).
/// Anything that is not a known reference stays as typed, so "AT&T" survives.
pub(crate) fn decode_references(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_one(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes one reference after its `&`; returns the character and the bytes used
/// including the `;`.
fn decode_one(after: &str) -> Option<(char, usize)> {
    let semi = after.find(';')?;
    let body = &after[..semi];
    if body.is_empty() || body.len() > 10 {
        return None;
    }
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        if code == 0 {
            return None;
        }
        char::from_u32(code)?
    } else {
        NAMED_REFERENCES
            .iter()
            .find(|(name, _)| *name == body)
            .map(|(_, c)| *c)?
    };
    Some((c, semi + 1))
}

/// Turns a page title into the path part of a wiki URL the way MediaWiki's
/// `wfUrlencode` does (spaces become underscores; `:/;@$!*(),~` stay readable).
pub(crate) fn encode_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.trim().chars() {
        if c == ' ' {
            out.push('_');
        } else if c.is_ascii_alphanumeric() || "-_.~:/;@$!*(),".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(decode_references("a&nbsp;b"), "a\u{a0}b");
        assert_eq!(
            decode_references("AT&T &amp; &#65;&#x42; &bogus; &"),
            "AT&T & AB &bogus; &"
        );
        assert_eq!(decode_references("&#0; &#xD800;"), "&#0; &#xD800;");
    }

    #[test]
    fn styles() {
        assert!(is_safe_style("color: red; font-family:\"Arial\""));
        assert!(!is_safe_style("background: URL (x)"));
        assert!(!is_safe_style("width: expression(alert(1))"));
        assert!(!is_safe_style("background: u\\72l(x)"));
    }

    #[test]
    fn titles() {
        assert_eq!(encode_title("Main Page"), "Main_Page");
        assert_eq!(encode_title("A&B?c\"d"), "A%26B%3Fc%22d");
        assert_eq!(encode_title("É"), "%C3%89");
    }
}
