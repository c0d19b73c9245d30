//! A course's own pages as learners see them — static tabs and the Course info tab
//! (handouts, updates) — prepared once per content version and cached with the course's
//! tree, so the tab list costs unit pages no query. Author HTML is sanitised here, once;
//! course links in it are rewritten when a page is shown.

use jiff::civil::Date;
use lyceum_core::sanitize::{sanitize_html, strip_tags};
use lyceum_store::repo::pages::PageRow;

/// Open edX's updates list: `info/updates.items.json`.
pub const UPDATES_ITEMS_SLUG: &str = "updates.items.json";

pub struct TabPage {
    pub slug: String,
    pub title: String,
    /// Sanitised; links not yet rewritten.
    pub html: String,
}

pub struct Update {
    /// `None`: a date edx could not read either (shown as written).
    pub date: Option<Date>,
    pub date_text: String,
    pub html: String,
}

#[derive(Default)]
pub struct CoursePages {
    pub tabs: Vec<TabPage>,
    pub handouts: Option<String>,
    /// The old form of updates: one HTML page.
    pub updates_html: Option<String>,
    /// The updates list, newest first; when it has items it replaces `updates_html`.
    pub updates: Vec<Update>,
}

impl CoursePages {
    /// From the stored rows (by kind, then position). About pages are not shown here: the
    /// import puts their texts on the course's About page.
    pub fn from_rows(rows: Vec<PageRow>) -> CoursePages {
        let mut pages = CoursePages::default();
        for row in rows {
            // Studio's empty handouts are `<ol></ol>`: a page with nothing to see is absent.
            let present = || Some(sanitize_html(&row.content)).filter(|h| shows_something(h));
            match (row.kind.as_str(), row.slug.as_str()) {
                ("tab", _) => pages.tabs.push(TabPage {
                    html: sanitize_html(&row.content),
                    title: if row.title.trim().is_empty() {
                        row.slug.clone()
                    } else {
                        row.title.clone()
                    },
                    slug: row.slug,
                }),
                ("info", "handouts") => pages.handouts = present(),
                ("info", "updates") => pages.updates_html = present(),
                ("info", UPDATES_ITEMS_SLUG) => pages.updates = parse_updates(&row.content),
                _ => {}
            }
        }
        pages
    }

    /// Whether the course has a Course info tab.
    pub fn has_info(&self) -> bool {
        self.handouts.is_some() || self.updates_html.is_some() || !self.updates.is_empty()
    }

    pub fn tab(&self, slug: &str) -> Option<&TabPage> {
        self.tabs.iter().find(|t| t.slug == slug)
    }
}

fn shows_something(html: &str) -> bool {
    !strip_tags(html).trim().is_empty() || html.contains("<img")
}

/// edx's list of `{id, date, content, status}`: deleted items are dropped, the rest sorted
/// newest first by their `"January 1, 2013"` date (edx's `CourseInfoBlock.order_updates`;
/// an unreadable date counts as today there, so it comes first). Anything that is not such
/// a list shows nothing rather than breaking the page.
fn parse_updates(json: &str) -> Vec<Update> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(json) else {
        tracing::warn!("course info updates: not a JSON list; none shown");
        return Vec::new();
    };
    let mut updates: Vec<(usize, Update)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.get("status").and_then(|s| s.as_str()) != Some("deleted"))
        .filter_map(|(n, i)| {
            let content = i.get("content")?.as_str()?;
            let date_text = i.get("date").and_then(|d| d.as_str()).unwrap_or_default();
            Some((
                n,
                Update {
                    date: parse_date(date_text),
                    date_text: date_text.trim().to_owned(),
                    html: sanitize_html(content),
                },
            ))
        })
        .collect();
    // Newest first; unreadable dates first; among equal dates, the later item first.
    updates.sort_by(|(na, a), (nb, b)| {
        let key = |d: Option<Date>| d.unwrap_or(Date::MAX);
        key(b.date).cmp(&key(a.date)).then(nb.cmp(na))
    });
    updates.into_iter().map(|(_, u)| u).collect()
}

fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    Date::strptime("%B %d, %Y", s)
        .or_else(|_| Date::strptime("%b %d, %Y", s))
        .or_else(|_| s.get(..10).unwrap_or(s).parse::<Date>())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, slug: &str, title: &str, content: &str) -> PageRow {
        PageRow {
            course_id: 1,
            kind: kind.into(),
            slug: slug.into(),
            title: title.into(),
            content: content.into(),
            position: 0,
        }
    }

    #[test]
    fn updates_newest_first_and_bad_json_shows_nothing() {
        let json = r#"[
            {"id": 1, "date": "January 5, 2013", "content": "<p>First</p>"},
            {"id": 2, "date": "2014-02-01", "content": "<p>Second<script>x</script></p>"},
            {"id": 3, "date": "March 1, 2013", "content": "<p>Gone</p>", "status": "deleted"},
            {"id": 4, "date": "sometime", "content": "<p>Undated</p>"},
            {"id": 5, "content": 7}
        ]"#;
        let u = parse_updates(json);
        let texts: Vec<&str> = u.iter().map(|u| u.html.as_str()).collect();
        assert_eq!(texts, ["<p>Undated</p>", "<p>Second</p>", "<p>First</p>"]);
        assert_eq!(u[2].date, Some(jiff::civil::date(2013, 1, 5)));
        assert_eq!(u[0].date_text, "sometime");
        for bad in ["", "{", r#"{"a": 1}"#, "null", "[1, 2]"] {
            assert!(parse_updates(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn tabs_and_info_from_rows() {
        let p = CoursePages::from_rows(vec![
            row("about", "overview", "", "<p>About</p>"),
            row(
                "info",
                "handouts",
                "",
                "<a href=\"/static/x.pdf\" onclick=\"x()\">x</a>",
            ),
            row("info", "updates", "", " <ol>\n</ol> "),
            row(
                "tab",
                "syllabus",
                "Syllabus",
                "<p>S</p><iframe src=\"x\"></iframe>",
            ),
            row("tab", "faq", "", "<p>F</p>"),
        ]);
        assert!(p.has_info());
        assert_eq!(
            p.handouts.as_deref(),
            Some("<a href=\"/static/x.pdf\" rel=\"noopener noreferrer nofollow\">x</a>")
        );
        assert!(p.updates_html.is_none(), "blank pages are absent");
        assert_eq!(p.tabs.len(), 2);
        assert_eq!(p.tab("syllabus").unwrap().html, "<p>S</p>");
        assert_eq!(
            p.tab("faq").unwrap().title,
            "faq",
            "a tab without a name shows its slug"
        );
        assert!(!CoursePages::from_rows(vec![]).has_info());
    }
}
