//! Turns a parsed message and its arguments into HTML and plain text.

use crate::arg::Arg;
use crate::markup;
use crate::number::Digits;
use crate::parser::{self, Magic, Node, ParseError};
use crate::{bidi, grammar, number, plural};

/// How messages are parsed and rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOptions {
    /// Whether `[[Page|text]]` and `[https://url text]` are links (`true`) or plain text
    /// (`false`, banana-i18n's default).
    pub wikilinks: bool,
    /// Where `[[Page]]` points: `$1` is replaced by the URL-encoded title. Default `./$1`,
    /// as banana-i18n; e.g. `https://meta.wikimedia.org/wiki/$1`.
    pub article_path: String,
    /// Languages whose numbers are written with Latin digits even where CLDR or MediaWiki
    /// use native ones, as MediaWiki's `$wgTranslateNumerals = false` does for a wiki
    /// (Arabic Wikipedia writes `34,242`, not `٣٤٬٢٤٢`). Empty by default.
    pub latin_digits: Vec<String>,
    /// Whether a number argument used as a plain `$n` is written for the locale, as
    /// `{{formatnum:$n}}` would (MediaWiki's `numParams`). Off by default: banana-i18n
    /// writes `$n` as JavaScript's `String(n)`.
    pub localized_numbers: bool,
    /// Which digits numbers are written with (see [`Digits`]).
    pub digits: Digits,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            wikilinks: false,
            article_path: "./$1".to_owned(),
            latin_digits: Vec::new(),
            localized_numbers: false,
            digits: Digits::MediaWiki,
        }
    }
}

impl FormatOptions {
    pub fn with_latin_digits(mut self, languages: &[&str]) -> Self {
        self.latin_digits = languages.iter().map(|l| l.to_ascii_lowercase()).collect();
        self
    }

    pub fn with_digits(mut self, digits: Digits) -> Self {
        self.digits = digits;
        self
    }

    pub fn with_localized_numbers(mut self, localized: bool) -> Self {
        self.localized_numbers = localized;
        self
    }

    pub fn with_wikilinks(mut self, wikilinks: bool) -> Self {
        self.wikilinks = wikilinks;
        self
    }

    pub fn with_article_path(mut self, article_path: impl Into<String>) -> Self {
        self.article_path = article_path.into();
        self
    }
}

/// A rendered message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    html: String,
    text: String,
}

impl Rendered {
    /// Text shown as it is: escaped in HTML.
    pub(crate) fn plain(text: String) -> Rendered {
        let mut html = String::with_capacity(text.len());
        markup::escape_full(&text, &mut html);
        Rendered { html, text }
    }

    /// HTML for element content: allowed markup and links kept, everything else escaped.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// Plain text without markup and without escaping.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn into_html(self) -> String {
        self.html
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// Parses and renders one message for `locale` (used for PLURAL, GRAMMAR and formatnum).
pub fn format_message(
    locale: &str,
    message: &str,
    args: &[Arg],
    opts: &FormatOptions,
) -> Result<Rendered, ParseError> {
    let nodes = parser::parse(message, opts.wikilinks)?;
    Ok(render(&nodes, locale, args, opts))
}

pub(crate) fn render(nodes: &[Node], locale: &str, args: &[Arg], opts: &FormatOptions) -> Rendered {
    let ctx = Ctx { locale, args, opts };
    let mut segs = Vec::new();
    ctx.nodes(nodes, &mut segs);
    let mut html = String::new();
    let mut text = String::new();
    for seg in &segs {
        match seg {
            Seg::Markup(m) => html.push_str(m),
            Seg::Lit(s) => {
                markup::escape_text(s, &mut html);
                text.push_str(s);
            }
            Seg::Val(s) => {
                markup::escape_full(s, &mut html);
                text.push_str(s);
            }
        }
    }
    Rendered { html, text }
}

/// Output pieces; text keeps track of whether the message author wrote it, because
/// anything else (arguments, markup shown as text) is escaped more strictly.
#[derive(Clone, Debug)]
enum Seg {
    Markup(String),
    Lit(String),
    Val(String),
}

fn plain(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        if let Seg::Lit(s) | Seg::Val(s) = seg {
            out.push_str(s);
        }
    }
    out
}

/// Text computed from `segs` keeps the author's escaping only if no argument went into it.
fn derived(segs: &[Seg], text: String) -> Seg {
    if segs
        .iter()
        .all(|s| matches!(s, Seg::Lit(_) | Seg::Markup(_)))
    {
        Seg::Lit(text)
    } else {
        Seg::Val(text)
    }
}

/// Latin digits (and separators) for languages configured to use them.
pub(crate) fn localize_digits(locale: &str, opts: &FormatOptions, formatted: String) -> String {
    let lang = locale
        .split('-')
        .next()
        .unwrap_or(locale)
        .to_ascii_lowercase();
    if opts.latin_digits.contains(&lang) {
        number::to_latin(&formatted)
    } else {
        formatted
    }
}

struct Ctx<'a, 'b> {
    locale: &'a str,
    args: &'a [Arg<'b>],
    opts: &'a FormatOptions,
}

impl Ctx<'_, '_> {
    /// Latin digits (and separators) for languages configured to use them.
    fn digits(&self, formatted: String) -> String {
        localize_digits(self.locale, self.opts, formatted)
    }

    fn arg(&self, n: usize) -> Option<&Arg<'_>> {
        n.checked_sub(1).and_then(|i| self.args.get(i))
    }

    fn nodes(&self, nodes: &[Node], out: &mut Vec<Seg>) {
        for node in nodes {
            self.node(node, out);
        }
    }

    fn segs(&self, nodes: &[Node]) -> Vec<Seg> {
        let mut out = Vec::new();
        self.nodes(nodes, &mut out);
        out
    }

    fn node(&self, node: &Node, out: &mut Vec<Seg>) {
        match node {
            Node::Text(t) => out.push(Seg::Lit(t.clone())),
            Node::Param(n) => match self.arg(*n) {
                // Numbers passed as numbers are written as {{formatnum:}} writes them
                // (MediaWiki's numParams), so a page never mixes digit systems.
                Some(Arg::Int(i)) if self.opts.localized_numbers => {
                    out.push(Seg::Val(self.digits(number::format_int(
                        self.locale,
                        *i,
                        false,
                        self.opts.digits,
                    ))));
                }
                Some(Arg::Float(f)) if self.opts.localized_numbers => {
                    out.push(Seg::Val(self.digits(number::format_float(
                        self.locale,
                        *f,
                        false,
                        self.opts.digits,
                    ))));
                }
                Some(arg) => out.push(Seg::Val(arg.to_string())),
                None => out.push(Seg::Lit(format!("${n}"))),
            },
            Node::Template { magic, args } => self.template(magic, args, out),
            Node::WikiLink { target, label } => self.wikilink(target, label.as_deref(), out),
            Node::ExtLink {
                target,
                space,
                label,
            } => self.extlink(target, space, label, out),
            Node::Element {
                name,
                attrs,
                children,
                void,
            } => {
                let mut open = format!("<{name}");
                for (attr, value) in attrs {
                    open.push(' ');
                    open.push_str(attr);
                    open.push_str("=\"");
                    markup::escape_attr(value, &mut open);
                    open.push('"');
                }
                open.push('>');
                out.push(Seg::Markup(open));
                if !*void {
                    self.nodes(children, out);
                    out.push(Seg::Markup(format!("</{name}>")));
                }
            }
            Node::Escaped {
                open,
                children,
                close,
            } => {
                out.push(Seg::Val(open.clone()));
                self.nodes(children, out);
                if !close.is_empty() {
                    out.push(Seg::Val(close.clone()));
                }
            }
        }
    }

    fn wikilink(&self, target: &[Node], label: Option<&[Node]>, out: &mut Vec<Seg>) {
        let target_segs = self.segs(target);
        let full = plain(&target_segs);
        // A leading ':' only stops special handling of [[:Category:…]] in wikitext.
        let page = full.strip_prefix(':').unwrap_or(&full).trim().to_owned();
        let href = self
            .opts
            .article_path
            .replace("$1", &markup::encode_title(&page));
        let mut open = String::from("<a href=\"");
        markup::escape_attr(&href, &mut open);
        open.push_str("\" title=\"");
        markup::escape_attr(&page, &mut open);
        open.push_str("\">");
        out.push(Seg::Markup(open));
        match label {
            Some(label) => self.nodes(label, out),
            None => out.push(derived(&target_segs, page)),
        }
        out.push(Seg::Markup("</a>".to_owned()));
    }

    fn extlink(&self, target: &[Node], space: &str, label: &[Node], out: &mut Vec<Seg>) {
        let target_segs = self.segs(target);
        let url = plain(&target_segs);
        if markup::has_allowed_protocol(&url) {
            let mut open = String::from("<a href=\"");
            markup::escape_attr(url.trim(), &mut open);
            open.push_str("\">");
            out.push(Seg::Markup(open));
            self.nodes(label, out);
            out.push(Seg::Markup("</a>".to_owned()));
        } else {
            // MediaWiki leaves bracketed text without a known URL scheme as it is.
            out.push(Seg::Lit("[".to_owned()));
            out.extend(target_segs);
            out.push(Seg::Lit(space.to_owned()));
            self.nodes(label, out);
            out.push(Seg::Lit("]".to_owned()));
        }
    }

    fn template(&self, magic: &Magic, args: &[Vec<Node>], out: &mut Vec<Seg>) {
        match magic {
            Magic::Plural => self.plural(args, out),
            Magic::Gender => self.gender(args, out),
            Magic::Grammar => {
                let form = args
                    .first()
                    .map(|a| plain(&self.segs(a)))
                    .unwrap_or_default();
                let word_segs = args.get(1).map(|a| self.segs(a)).unwrap_or_default();
                let word = plain(&word_segs);
                if form.is_empty() || word.is_empty() {
                    return;
                }
                let converted = grammar::convert(self.locale, form.trim(), &word);
                out.push(derived(&word_segs, converted));
            }
            Magic::Bidi => {
                let segs = args.first().map(|a| self.segs(a)).unwrap_or_default();
                // Embedding controls (not isolates) as MediaWiki and banana-i18n do.
                let wrap = match bidi::strong_direction(&plain(&segs)) {
                    Some(crate::Direction::Ltr) => Some(('\u{202a}', '\u{202c}')),
                    Some(crate::Direction::Rtl) => Some(('\u{202b}', '\u{202c}')),
                    None => None,
                };
                match wrap {
                    Some((open, close)) => {
                        out.push(Seg::Lit(open.to_string()));
                        out.extend(segs);
                        out.push(Seg::Lit(close.to_string()));
                    }
                    None => out.extend(segs),
                }
            }
            Magic::Formatnum => self.formatnum(args, out),
            Magic::Lc | Magic::Uc | Magic::Lcfirst | Magic::Ucfirst => {
                let segs = args.first().map(|a| self.segs(a)).unwrap_or_default();
                let text = plain(&segs);
                let converted = match magic {
                    Magic::Lc => text.to_lowercase(),
                    Magic::Uc => text.to_uppercase(),
                    Magic::Lcfirst => map_first(&text, |c| c.to_lowercase().collect()),
                    _ => map_first(&text, |c| c.to_uppercase().collect()),
                };
                out.push(derived(&segs, converted));
            }
        }
    }

    /// The number an argument list's first entry stands for, when it is exactly `$n`
    /// passed as a number; text otherwise.
    fn numeric_first(&self, args: &[Vec<Node>]) -> (Option<&Arg<'_>>, Vec<Seg>) {
        let Some(first) = args.first() else {
            return (None, Vec::new());
        };
        let arg = match first.as_slice() {
            [Node::Param(n)] => self.arg(*n),
            _ => None,
        };
        (arg, self.segs(first))
    }

    fn plural(&self, args: &[Vec<Node>], out: &mut Vec<Seg>) {
        let (arg, count_segs) = self.numeric_first(args);
        let count = match arg {
            Some(Arg::Int(i)) => plural::Count::Int(*i),
            Some(Arg::Float(f)) => plural::Count::Float(*f),
            _ => plural::Count::parse(&plain(&count_segs)),
        };
        let mut forms: Vec<Vec<Seg>> = args.iter().skip(1).map(|a| self.segs(a)).collect();
        if forms.is_empty() {
            return;
        }
        // Explicit forms ("0=none", "12=a dozen") win when they name the count exactly;
        // the others drop out before the CLDR category picks from the rest.
        let value = count.value();
        let mut regular = Vec::with_capacity(forms.len());
        for form in forms.drain(..) {
            match explicit_prefix(&form) {
                Some((n, prefix_len)) => {
                    if value == Some(n) {
                        out.extend(strip_chars(form, prefix_len));
                        return;
                    }
                }
                None => regular.push(form),
            }
        }
        if regular.is_empty() {
            return;
        }
        let index = plural::form_index(self.locale, &count).min(regular.len() - 1);
        out.extend(regular.swap_remove(index));
    }

    fn gender(&self, args: &[Vec<Node>], out: &mut Vec<Seg>) {
        let gender = args
            .first()
            .map(|a| plain(&self.segs(a)))
            .unwrap_or_default();
        let forms: Vec<&Vec<Node>> = args.iter().skip(1).collect();
        let pick = match (gender.trim(), forms.len()) {
            (_, 0) => return,
            ("male", _) => 0,
            ("female", n) => 1.min(n - 1),
            (_, 3..) => 2,
            _ => 0,
        };
        self.nodes(forms[pick], out);
    }

    fn formatnum(&self, args: &[Vec<Node>], out: &mut Vec<Seg>) {
        let (arg, segs) = self.numeric_first(args);
        let flag = args
            .get(1)
            .map(|a| plain(&self.segs(a)))
            .unwrap_or_default();
        let raw = flag.trim() == "R";
        let result = match (arg, raw) {
            (Some(Arg::Int(i)), true) => i.to_string(),
            (Some(Arg::Float(f)), true) => number::float_to_string(*f),
            (_, true) => number::unformat(&plain(&segs)),
            (Some(Arg::Int(i)), false) => self.digits(number::format_int(
                self.locale,
                *i,
                flag == "NOSEP",
                self.opts.digits,
            )),
            (Some(Arg::Float(f)), false) => self.digits(number::format_float(
                self.locale,
                *f,
                flag == "NOSEP",
                self.opts.digits,
            )),
            (_, false) => self.digits(number::format_text(
                self.locale,
                &plain(&segs),
                flag == "NOSEP",
                self.opts.digits,
            )),
        };
        out.push(derived(&segs, result));
    }
}

fn map_first(s: &str, f: impl Fn(char) -> String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => f(c) + chars.as_str(),
        None => String::new(),
    }
}

/// `12=` at the start of a plural form: its number and prefix length in characters.
fn explicit_prefix(form: &[Seg]) -> Option<(f64, usize)> {
    let text = plain(form);
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || !text[digits..].starts_with('=') {
        return None;
    }
    let n: f64 = text[..digits].parse().ok()?;
    Some((n, digits + 1))
}

/// Drops the first `n` characters of text from a list of pieces.
fn strip_chars(segs: Vec<Seg>, mut n: usize) -> Vec<Seg> {
    let mut out = Vec::with_capacity(segs.len());
    for seg in segs {
        if n == 0 {
            out.push(seg);
            continue;
        }
        match seg {
            Seg::Lit(s) | Seg::Val(s) if s.chars().count() <= n => n -= s.chars().count(),
            Seg::Lit(s) => {
                out.push(Seg::Lit(s.chars().skip(n).collect()));
                n = 0;
            }
            Seg::Val(s) => {
                out.push(Seg::Val(s.chars().skip(n).collect()));
                n = 0;
            }
            Seg::Markup(m) => out.push(Seg::Markup(m)),
        }
    }
    out
}
