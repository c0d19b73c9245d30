//! Static assets built by build.rs (Codex CSS subset + ours, JS, icons) and the embedded
//! message files. Assets are served under content-hashed names with a one-year immutable
//! cache, gzipped once at start.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;

include!(concat!(env!("OUT_DIR"), "/icons.rs"));
include!(concat!(env!("OUT_DIR"), "/messages.rs"));

const CSS_LTR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lyceum-ltr.css"));
const CSS_RTL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lyceum-rtl.css"));
const JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lyceum.js"));
const FAVICON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/favicon.svg"));
/// The translation pages' own style and script (issue 17), loaded by them only. Written
/// with logical properties, so one file serves both directions.
const TRANSLATE_CSS: &[u8] = include_bytes!("../static/translate.css");
const TRANSLATE_JS: &[u8] = include_bytes!("../static/translate.js");

struct Asset {
    content_type: &'static str,
    raw: &'static [u8],
    gzip: Vec<u8>,
    etag: String,
}

pub struct Assets {
    by_name: HashMap<String, Asset>,
    pub css_ltr: String,
    pub css_rtl: String,
    pub js: String,
    pub favicon: String,
    pub translate_css: String,
    pub translate_js: String,
    icons: HashMap<&'static str, (&'static str, &'static str)>,
}

impl Assets {
    pub fn build() -> Assets {
        let mut by_name = HashMap::new();
        let mut add = |stem: &str, ext: &str, content_type: &'static str, raw: &'static [u8]| {
            let hash = format!("{:x}", Sha256::digest(raw));
            let name = format!("{stem}.{}.{ext}", &hash[..12]);
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing to a Vec cannot fail.
            let gzip = gz
                .write_all(raw)
                .and_then(|_| gz.finish())
                .unwrap_or_default();
            by_name.insert(
                name.clone(),
                Asset {
                    content_type,
                    raw,
                    gzip,
                    etag: format!("\"{}\"", &hash[..16]),
                },
            );
            format!("/static/{name}")
        };
        let css_ltr = add("style-ltr", "css", "text/css; charset=utf-8", CSS_LTR);
        let css_rtl = add("style-rtl", "css", "text/css; charset=utf-8", CSS_RTL);
        let js = add("app", "js", "text/javascript; charset=utf-8", JS);
        let favicon = add("favicon", "svg", "image/svg+xml", FAVICON);
        let translate_css = add("translate", "css", "text/css; charset=utf-8", TRANSLATE_CSS);
        let translate_js = add(
            "translate",
            "js",
            "text/javascript; charset=utf-8",
            TRANSLATE_JS,
        );
        let icons = ICONS.iter().map(|(n, l, r)| (*n, (*l, *r))).collect();
        Assets {
            by_name,
            css_ltr,
            css_rtl,
            js,
            favicon,
            translate_css,
            translate_js,
            icons,
        }
    }

    /// An icon's SVG for a page direction; unknown names give nothing (caught by tests).
    pub fn icon(&self, name: &str, rtl: bool) -> &'static str {
        self.icons
            .get(name)
            .map_or("", |(l, r)| if rtl { r } else { l })
    }

    pub fn has_icon(&self, name: &str) -> bool {
        self.icons.contains_key(name)
    }

    /// Compressed size of what a first visit downloads besides the HTML (for the budget test).
    pub fn first_load_bytes(&self, rtl: bool) -> usize {
        let css = if rtl { &self.css_rtl } else { &self.css_ltr };
        [css, &self.js]
            .iter()
            .filter_map(|u| u.strip_prefix("/static/"))
            .filter_map(|n| self.by_name.get(n))
            .map(|a| a.gzip.len())
            .sum()
    }
}

pub async fn serve(
    State(app): State<crate::state::App>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = app.assets().by_name.get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, v);
    }
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(asset.etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    if gzip_ok && !asset.gzip.is_empty() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (h, Body::from(asset.gzip.clone())).into_response()
    } else {
        (h, Body::from(asset.raw)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::ICONS;

    /// Every `icon("…")` a template or handler asks for is built in: an unknown name renders
    /// as an empty gap where the icon should be.
    #[test]
    fn every_icon_used_is_built() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for part in text.split("icon(\"").skip(1) {
                    let name = part.split('"').next().unwrap_or("");
                    if !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric())
                        && !ICONS.iter().any(|(n, _, _)| *n == name)
                    {
                        missing.push(format!("{}: {name}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "icons not built: {missing:?}");
    }
}
