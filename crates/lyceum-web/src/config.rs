//! The web layer's settings, read once at start and passed through the app state.

use lyceum_wiki::oauth::Secret;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// The public address of the site, without a trailing slash (`https://learn.example.org`).
    /// OAuth's redirect URI is built from it; `https://` turns on Secure cookies.
    pub public_url: String,
    #[serde(default = "default_site_name")]
    pub site_name: String,
    /// How Wikimedia's operators can reach whoever runs this site (User-Agent policy).
    #[serde(default = "default_contact")]
    pub contact: String,
    /// Log in with a Wikimedia account; off when absent.
    #[serde(default)]
    pub wikimedia: Option<WikimediaLogin>,
    /// Take the client address from the last `X-Forwarded-For` entry, the one the proxy
    /// appended (only behind a proxy you run: otherwise clients could pick their address).
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// Caps on Open edX course archives uploaded on the site (`[import]`).
    #[serde(default)]
    pub import: ImportLimits,
    /// Mail notices too (`[email]`); in-app only when absent.
    #[serde(default)]
    pub email: Option<crate::mailer::EmailConfig>,
    /// The wikis wiki tasks may be done on (`[wikis]`).
    #[serde(default)]
    pub wikis: WikisConfig,
    /// `GET /metrics` answers requests bearing this token (`Authorization: Bearer …`), from
    /// anywhere; without one, only unproxied requests from this machine. Also
    /// `LYCEUM_METRICS_TOKEN`.
    #[serde(default)]
    pub metrics_token: Option<Secret>,
    /// With media on S3: answer a media request (after its permission check) with a
    /// redirect to a URL signed for a few minutes, so the bytes come straight from the
    /// bucket, instead of streaming them through this node. Off by default; no effect on
    /// a local media directory.
    #[serde(default)]
    pub media_signed_urls: bool,
}

/// Which wikis this site reads for wiki tasks: Wikimedia's, by domain (unless turned
/// off), and MediaWikis the operator names here.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct WikisConfig {
    /// Tasks may name any Wikimedia wiki by its domain (`en.wikipedia.org`).
    pub wikimedia: bool,
    /// Other MediaWikis, by the name tasks use and their base URL
    /// (`{ name = "localwiki", url = "http://127.0.0.1:18080" }`).
    pub sites: Vec<WikiSite>,
}

impl Default for WikisConfig {
    fn default() -> Self {
        WikisConfig {
            wikimedia: true,
            sites: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WikiSite {
    pub name: String,
    /// The wiki's base URL, laid out as Wikimedia's (`…/w/api.php`, `…/w/index.php`).
    pub url: String,
}

impl WikisConfig {
    /// The registry these settings describe; a site whose URL does not parse is an
    /// error at start, not a task that silently never checks.
    pub fn registry(&self) -> Result<lyceum_wiki::registry::WikiRegistry, String> {
        let mut sites = Vec::new();
        for s in &self.sites {
            let base = url::Url::parse(&s.url)
                .map_err(|e| format!("wikis.sites {}: {}: {e}", s.name, s.url))?;
            sites.push(lyceum_wiki::registry::Wiki::at(&s.name, &base));
        }
        Ok(lyceum_wiki::registry::WikiRegistry {
            wikimedia: self.wikimedia,
            sites,
        })
    }
}

/// Caps on an uploaded course archive; an archive over any of them is refused whole.
/// The defaults are those of `lyceum import`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ImportLimits {
    /// Total uncompressed size of the course's files, in MB (also caps the upload).
    pub max_total_mb: u64,
    pub max_files: u64,
    /// Any one file, in MB.
    pub max_file_mb: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_total_mb: 2048,
            max_files: 20_000,
            max_file_mb: 1024,
        }
    }
}

const MB: u64 = 1024 * 1024;

impl ImportLimits {
    pub fn limits(&self) -> lyceum_olx::Limits {
        lyceum_olx::Limits {
            max_total_bytes: self.max_total_mb.saturating_mul(MB),
            max_files: self.max_files,
            max_file_bytes: self.max_file_mb.saturating_mul(MB),
            ..lyceum_olx::Limits::default()
        }
    }

    /// The most an upload may weigh: the files plus what a plain `.tar` adds around them
    /// (a header and padding per file). A `.tar.gz` of a course within the limits is
    /// smaller still.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_total_mb
            .saturating_mul(MB)
            .saturating_add(self.max_files.saturating_mul(8 * 1024))
            .saturating_add(MB)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WikimediaLogin {
    /// The provider's REST base: `https://meta.wikimedia.org/w/rest.php`.
    #[serde(default = "default_rest_base")]
    pub rest_base: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `mwoauth-authonly` unless e-mail is wanted (`mwoauth-authonlyprivate`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The site's home wiki's Action API (`https://en.wikipedia.org/w/api.php`): at each
    /// Wikimedia login the person's groups there are read, and autoconfirmed (or better)
    /// makes their account trusted (`lyceum_core::trust`). Unset: the groups the login
    /// profile reports (Meta-Wiki's) are used. A wiki that is down never fails a login.
    #[serde(default)]
    pub home_wiki_api: Option<String>,
}

fn default_site_name() -> String {
    "Lyceum".to_owned()
}

fn default_contact() -> String {
    "https://example.invalid/lyceum-operator".to_owned()
}

fn default_rest_base() -> String {
    "https://meta.wikimedia.org/w/rest.php".to_owned()
}

impl WebConfig {
    pub fn new(public_url: impl Into<String>) -> WebConfig {
        WebConfig {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            site_name: default_site_name(),
            contact: default_contact(),
            wikimedia: None,
            trust_forwarded_for: false,
            import: ImportLimits::default(),
            email: None,
            wikis: WikisConfig::default(),
            metrics_token: None,
            media_signed_urls: false,
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn oauth_redirect_uri(&self) -> String {
        format!(
            "{}/auth/wikimedia/callback",
            self.public_url.trim_end_matches('/')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn wikis_default_to_wikimedia_and_configured_sites_parse() {
        let c: WebConfig =
            serde_json::from_value(serde_json::json!({"public_url": "http://x.test"})).unwrap();
        assert!(c.wikis.wikimedia);
        assert!(c.wikis.sites.is_empty());
        let c: WebConfig = serde_json::from_value(serde_json::json!({
            "public_url": "http://x.test",
            "wikis": {"wikimedia": false, "sites": [{"name": "localwiki", "url": "http://127.0.0.1:18080"}]},
        }))
        .unwrap();
        let reg = c.wikis.registry().unwrap();
        assert!(!reg.wikimedia);
        let w = reg.get("localwiki").unwrap();
        assert_eq!(w.api.as_str(), "http://127.0.0.1:18080/w/api.php");
        assert!(reg.get("en.wikipedia.org").is_none());
        // A typo is an error, and so is a URL that does not parse.
        assert!(
            serde_json::from_value::<WebConfig>(serde_json::json!({
                "public_url": "http://x.test", "wikis": {"wikimedai": true},
            }))
            .is_err()
        );
        let bad = WikisConfig {
            wikimedia: false,
            sites: vec![WikiSite {
                name: "w".into(),
                url: "not a url".into(),
            }],
        };
        assert!(bad.registry().is_err());
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_metrics_token_is_read_and_never_printed() {
        let c: WebConfig = serde_json::from_value(serde_json::json!({
            "public_url": "http://x.test", "metrics_token": "hush-0123456789",
        }))
        .unwrap();
        assert_eq!(
            c.metrics_token.as_ref().unwrap().expose(),
            "hush-0123456789"
        );
        assert!(!format!("{c:?}").contains("hush"));
        let c: WebConfig =
            serde_json::from_value(serde_json::json!({"public_url": "http://x.test"})).unwrap();
        assert!(c.metrics_token.is_none());
    }
}
