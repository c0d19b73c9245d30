//! Which wikis this site reads, and where their endpoints are. Any Wikimedia wiki by its
//! domain (when the site allows Wikimedia's wikis: production sites do, the demo and tests
//! never), and wikis the operator configures by name and base URL (a local MediaWiki).
//! Authors name a wiki; nothing else decides which hosts the server contacts, so an
//! author cannot point the server at an arbitrary address.
//!
//! SKELETON: bodies are filled in by the wiki-client work (issue 14).

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
    /// A wiki laid out as Wikimedia's are, from its base URL (`http://127.0.0.1:18080`).
    pub fn at(_id: &str, _base: &Url) -> Wiki {
        todo!()
    }

    /// `index.php?diff=REVID`
    pub fn diff_url(&self, _revid: i64) -> String {
        todo!()
    }

    /// `index.php?title=TITLE`
    pub fn page_url(&self, _title: &str) -> String {
        todo!()
    }

    /// The edit form for `title`, with `summary` pre-filled (`action=edit&summary=`).
    pub fn edit_url(&self, _title: &str, _summary: &str) -> String {
        todo!()
    }

    /// `Special:Upload`, `Special:Contributions/USER`, … : a special page.
    pub fn special_url(&self, _page: &str) -> String {
        todo!()
    }
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
    /// The wiki a task names, if this site may read it.
    pub fn get(&self, _id: &str) -> Option<Wiki> {
        todo!()
    }

    /// Whether `id` is the domain of a Wikimedia wiki (`en.wikipedia.org`,
    /// `commons.wikimedia.org`, `www.wikidata.org`…), whether or not this site reads them.
    pub fn is_wikimedia(_id: &str) -> bool {
        todo!()
    }
}

/// The ActionApi and the registry together, as use cases take them.
#[derive(Clone, Debug)]
pub struct Wikis {
    pub api: crate::action::ActionApi,
    pub registry: WikiRegistry,
}
