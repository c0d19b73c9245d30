//! Which wikis this site reads, and where their endpoints are. Any Wikimedia wiki by its
//! domain (when the site allows Wikimedia's wikis: production sites do, the demo and tests
//! never), and wikis the operator configures by name and base URL (a local MediaWiki).
//! Authors name a wiki; nothing else decides which hosts the server contacts, so an
//! author cannot point the server at an arbitrary address.

use url::Url;

/// One wiki's endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wiki {
    /// The name tasks use: a Wikimedia domain or the configured name.
    pub id: String,
    /// `…/w/api.php`
    pub api: Url,
    /// `…/w/index.php`
    pub index: Url,
}

impl Wiki {
    /// A wiki laid out as Wikimedia's are, from its base URL (`http://127.0.0.1:18080`):
    /// `BASE/w/api.php` and `BASE/w/index.php`. A base with a path (`http://host/sub`)
    /// keeps it (`http://host/sub/w/api.php`); its query and fragment are dropped.
    pub fn at(id: &str, base: &Url) -> Wiki {
        let mut base = base.clone();
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        // Joining a relative path onto an http(s) URL cannot fail.
        let join = |rel: &str| base.join(rel).unwrap_or_else(|_| base.clone());
        Wiki {
            id: id.to_owned(),
            api: join("w/api.php"),
            index: join("w/index.php"),
        }
    }

    /// `index.php?diff=REVID`: MediaWiki shows the change from the previous revision.
    pub fn diff_url(&self, revid: i64) -> String {
        format!("{}?diff={revid}", self.index)
    }

    /// `index.php?title=TITLE`
    pub fn page_url(&self, title: &str) -> String {
        format!("{}?title={}", self.index, encode_title(title))
    }

    /// The edit form for `title`, with `summary` pre-filled (`action=edit&summary=`).
    /// MediaWiki reads `summary` from the URL of the edit form (and `preloadtitle` for new
    /// sections); change tags cannot be pre-filled through the URL.
    pub fn edit_url(&self, title: &str, summary: &str) -> String {
        let mut url = format!("{}?title={}&action=edit", self.index, encode_title(title));
        if !summary.is_empty() {
            url.push_str("&summary=");
            url.push_str(&encode(summary));
        }
        url
    }

    /// `Special:Upload`, `Special:Contributions/USER`, … : a special page.
    pub fn special_url(&self, page: &str) -> String {
        self.page_url(&format!("Special:{page}"))
    }
}

/// A title as MediaWiki writes it in URLs: underscores for spaces, then percent-encoded.
fn encode_title(title: &str) -> String {
    encode(&title.trim().replace(' ', "_"))
}

/// Percent-encoding for a query value. Keeps RFC 3986's unreserved characters and `:`
/// and `/` (legal in a query, and common in titles); encodes everything else, so `&`,
/// `=`, `+`, `#` and `%` in a title or summary cannot change the URL's meaning.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The wikis this site may read.
#[derive(Clone, Debug, Default)]
pub struct WikiRegistry {
    /// Wikimedia's production wikis, by domain.
    pub wikimedia: bool,
    /// Wikis the operator configured, by name.
    pub sites: Vec<Wiki>,
}

impl WikiRegistry {
    /// The wiki a task names, if this site may read it: a configured wiki by its exact
    /// name first, else (when this site reads Wikimedia's wikis) a Wikimedia domain, read
    /// at `https://DOMAIN/w/api.php`. Anything else is `None`: the server never contacts a
    /// host an author typed.
    pub fn get(&self, id: &str) -> Option<Wiki> {
        if let Some(site) = self.sites.iter().find(|w| w.id == id) {
            return Some(site.clone());
        }
        if self.wikimedia && Self::is_wikimedia(id) {
            let base = Url::parse(&format!("https://{id}/")).ok()?;
            return Some(Wiki::at(id, &base));
        }
        None
    }

    /// Whether `id` is the domain of a Wikimedia wiki (`en.wikipedia.org`,
    /// `commons.wikimedia.org`, `www.wikidata.org`…), whether or not this site reads them.
    /// Exact lower-case domains only: no port, user, path, IP address or other host.
    pub fn is_wikimedia(id: &str) -> bool {
        const SINGLE: [&str; 7] = [
            "commons.wikimedia.org",
            "meta.wikimedia.org",
            "species.wikimedia.org",
            "incubator.wikimedia.org",
            "www.wikidata.org",
            "www.mediawiki.org",
            "www.wikifunctions.org",
        ];
        const PROJECTS: [&str; 8] = [
            "wikipedia",
            "wiktionary",
            "wikibooks",
            "wikinews",
            "wikiquote",
            "wikisource",
            "wikiversity",
            "wikivoyage",
        ];
        if SINGLE.contains(&id) {
            return true;
        }
        let mut parts = id.split('.');
        let (Some(lang), Some(project), Some("org"), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        PROJECTS.contains(&project) && is_language_label(lang)
    }
}

/// A language subdomain (`en`, `zh-min-nan`, `be-tarask`, `simple`): 1–20 of `[a-z0-9-]`,
/// not starting or ending with `-` (a DNS label). `www` is the portal, not a wiki.
fn is_language_label(label: &str) -> bool {
    (1..=20).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label != "www"
}

/// The ActionApi and the registry together, as use cases take them.
#[derive(Clone, Debug)]
pub struct Wikis {
    pub api: crate::action::ActionApi,
    pub registry: WikiRegistry,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Wiki {
        Wiki::at("local", &Url::parse("http://127.0.0.1:18080").unwrap())
    }

    #[test]
    fn a_wiki_is_laid_out_as_wikimedias_are() {
        let w = local();
        assert_eq!(w.api.as_str(), "http://127.0.0.1:18080/w/api.php");
        assert_eq!(w.index.as_str(), "http://127.0.0.1:18080/w/index.php");
        let sub = Wiki::at(
            "sub",
            &Url::parse("https://example.org/wiki-farm/one?x=1#y").unwrap(),
        );
        assert_eq!(
            sub.api.as_str(),
            "https://example.org/wiki-farm/one/w/api.php"
        );
        let slash = Wiki::at("s", &Url::parse("https://example.org/").unwrap());
        assert_eq!(slash.index.as_str(), "https://example.org/w/index.php");
    }

    #[test]
    fn links_are_encoded_so_a_title_cannot_change_the_url() {
        let w = local();
        assert_eq!(w.diff_url(42), "http://127.0.0.1:18080/w/index.php?diff=42");
        assert_eq!(
            w.page_url("User:Learner1/My draft"),
            "http://127.0.0.1:18080/w/index.php?title=User:Learner1/My_draft"
        );
        assert_eq!(
            w.page_url("A&action=delete#x+%"),
            "http://127.0.0.1:18080/w/index.php?title=A%26action%3Ddelete%23x%2B%25"
        );
        assert_eq!(
            w.edit_url("Draft:Café", "Exercise 1: add a source"),
            "http://127.0.0.1:18080/w/index.php?title=Draft:Caf%C3%A9&action=edit\
             &summary=Exercise%201:%20add%20a%20source"
        );
        assert_eq!(
            w.edit_url("Sandbox", ""),
            "http://127.0.0.1:18080/w/index.php?title=Sandbox&action=edit"
        );
        assert_eq!(
            w.special_url("Contributions/Learner 1"),
            "http://127.0.0.1:18080/w/index.php?title=Special:Contributions/Learner_1"
        );
        assert_eq!(
            w.special_url("Upload"),
            "http://127.0.0.1:18080/w/index.php?title=Special:Upload"
        );
    }

    #[test]
    fn wikimedia_domains_are_recognised_exactly() {
        for yes in [
            "en.wikipedia.org",
            "fr.wikipedia.org",
            "zh-min-nan.wikipedia.org",
            "simple.wikipedia.org",
            "de.wiktionary.org",
            "fr.wikibooks.org",
            "en.wikinews.org",
            "it.wikiquote.org",
            "fr.wikisource.org",
            "en.wikiversity.org",
            "de.wikivoyage.org",
            "commons.wikimedia.org",
            "meta.wikimedia.org",
            "species.wikimedia.org",
            "incubator.wikimedia.org",
            "www.wikidata.org",
            "www.mediawiki.org",
            "www.wikifunctions.org",
        ] {
            assert!(WikiRegistry::is_wikimedia(yes), "{yes}");
        }
        for no in [
            "",
            "wikipedia.org",
            "www.wikipedia.org",
            "en.m.wikipedia.org",
            "En.wikipedia.org",
            "en.wikipedia.org.",
            "en.wikipedia.org:443",
            "en.wikipedia.org/w/api.php",
            "user@en.wikipedia.org",
            "en.wikipedia.org@evil.example",
            "evil.example",
            "en.wikipedia.com",
            "en.wikipedia.org.evil.example",
            "-en.wikipedia.org",
            "en-.wikipedia.org",
            "abcdefghijklmnopqrstu.wikipedia.org",
            "en_gb.wikipedia.org",
            "en.wikimedia.org",
            "foundation.wikimedia.org",
            "wikidata.org",
            "test.wikidata.org",
            "en.wikidata.org",
            "127.0.0.1",
            "127.0.0.1:18080",
            "localhost",
            "[::1]",
            "http://en.wikipedia.org",
        ] {
            assert!(!WikiRegistry::is_wikimedia(no), "{no}");
        }
    }

    #[test]
    fn configured_wikis_come_first_and_wikimedia_only_when_allowed() {
        let reg = WikiRegistry {
            wikimedia: false,
            sites: vec![local()],
        };
        assert_eq!(reg.get("local"), Some(local()));
        assert_eq!(reg.get("Local"), None);
        assert_eq!(reg.get("en.wikipedia.org"), None);
        assert_eq!(reg.get("127.0.0.1:18080"), None);

        let reg = WikiRegistry {
            wikimedia: true,
            sites: vec![Wiki::at(
                "fr.wikipedia.org",
                &Url::parse("http://127.0.0.1:18080").unwrap(),
            )],
        };
        // A configured name wins over the Wikimedia domain it shares.
        assert_eq!(
            reg.get("fr.wikipedia.org").unwrap().api.as_str(),
            "http://127.0.0.1:18080/w/api.php"
        );
        let en = reg.get("en.wikipedia.org").unwrap();
        assert_eq!(en.id, "en.wikipedia.org");
        assert_eq!(en.api.as_str(), "https://en.wikipedia.org/w/api.php");
        assert_eq!(en.index.as_str(), "https://en.wikipedia.org/w/index.php");
        assert_eq!(
            reg.get("commons.wikimedia.org").unwrap().api.as_str(),
            "https://commons.wikimedia.org/w/api.php"
        );
        assert_eq!(reg.get("evil.example"), None);
        assert_eq!(reg.get("local"), None);
    }
}
