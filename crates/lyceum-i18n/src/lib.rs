//! Interface messages in the banana JSON format, CLDR plurals, language fallbacks, text direction, autonyms and Accept-Language negotiation.
//!
//! Messages use the syntax MediaWiki and translatewiki.net use (`$1`, `{{PLURAL:…}}`,
//! `{{GENDER:…}}`, `{{GRAMMAR:…}}`, `{{BIDI:…}}`, `{{formatnum:…}}`, `[[Page|text]]`,
//! `[https://url text]`, a whitelisted inline HTML subset) and behave like the `banana-i18n`
//! JavaScript library; `tests/banana_conformance.rs` runs that library's test vectors.
//!
//! Everything here is pure: callers pass in the JSON text of the message files.
//!
//! ```
//! use lyceum_i18n::{Arg, Catalog};
//!
//! let catalog = Catalog::from_sources([
//!     ("en", r#"{"files": "{{PLURAL:$1|One file|$1 files}} by <b>$2</b>"}"#),
//! ])
//! .unwrap();
//! assert_eq!(
//!     catalog.html("en", "files", &[Arg::from(3), Arg::from("<script>")]),
//!     "3 files by <b>&lt;script&gt;</b>"
//! );
//! assert_eq!(catalog.text("en", "files", &[Arg::from(1), Arg::from("Ann")]), "One file by Ann");
//! ```

mod arg;
mod bidi;
mod catalog;
mod grammar;
mod language;
mod markup;
mod negotiate;
mod number;
mod parser;
mod plural;
mod render;

pub use arg::Arg;
pub use catalog::{Catalog, CatalogError};
pub use language::{
    Direction, autonym, bcp47, direction, fallback_chain, fallback_chain_with_final, languages,
};
pub use negotiate::negotiate;
pub use number::Digits;
pub use parser::ParseError;
pub use render::{FormatOptions, Rendered, format_message};
