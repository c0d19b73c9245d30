//! Build the front-end assets from the npm packages (Codex CSS, design tokens, icons) and
//! embed the interface message files. Node is only needed here, never at run time.
//!
//! - CSS: the CSS-only Codex components we use, LTR and RTL, followed by our own
//!   stylesheet; only the design tokens actually referenced are emitted, light and dark.
//! - Icons: the Codex icons we use, as SVG strings (RTL variants where an icon flips).
//! - Messages: every `i18n/*.json` file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Codex components with a CSS-only version that our templates use.
const CODEX_MODULES: &[&str] = &[
    "Icon",
    "CdxButton",
    "CdxCard",
    "CdxField",
    "CdxLabel",
    "CdxTextInput",
    "CdxTextArea",
    "CdxSelect",
    "CdxCheckbox",
    "CdxRadio",
    "CdxMessage",
    "CdxProgressBar",
    "CdxTable",
    "CdxInfoChip",
    "CdxSearchInput",
];

/// Codex icons used by templates (`icon("…")`), by their Codex name without `cdxIcon`.
const ICONS: &[&str] = &[
    "Next",
    "Previous",
    "Check",
    "Bookmark",
    "BookmarkOutline",
    "Download",
    "Language",
    "UserAvatar",
    "LogOut",
    "LogIn",
    "Home",
    "Calendar",
    "Clock",
    "Globe",
    "Search",
    "Play",
    "Collapse",
    "Expand",
    "Alert",
    "Error",
    "Success",
    "Info",
    "Notice",
    "Menu",
    "Settings",
    "Article",
    "Book",
    "Subtitle",
    "Lock",
    "Flag",
    "ListBullet",
    "Close",
    "Funnel",
    "SpeechBubbles",
    "LinkExternal",
    "Eye",
    "Add",
    "ArrowUp",
    "ArrowDown",
];

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let wm = root.join("node_modules/@wikimedia");

    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=../../i18n");
    println!("cargo:rerun-if-changed=../../package-lock.json");
    ensure_node_modules(&root, &wm);

    let ours =
        std::fs::read_to_string(manifest.join("static/lyceum.css")).expect("static/lyceum.css");
    let light = read_tokens(&wm.join("codex-design-tokens/dist/theme-wikimedia-ui.css"));
    let dark = read_tokens(&wm.join("codex-design-tokens/dist/theme-wikimedia-ui-mode-dark.css"));
    for (dir, suffix) in [("ltr", ""), ("rtl", "-rtl")] {
        let mut css = String::new();
        for m in CODEX_MODULES {
            let path = wm.join(format!("codex/dist/modules/{m}{suffix}.css"));
            css.push_str(
                &std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            );
            css.push('\n');
        }
        // Codex gives Arabic notices a light bulb with `.cdx-message .cdx-message__icon:lang(ar)`,
        // which outranks `.cdx-message--success .cdx-message__icon` and the like: in Arabic,
        // every success, warning and error message showed the grey notice bulb. Only
        // notices get it (every message here names its type).
        let css = css.replace(
            ".cdx-message .cdx-message__icon:lang(ar)",
            ".cdx-message--notice .cdx-message__icon:lang(ar)",
        );
        let mut css = css;
        css.push_str(&ours);
        let tokens = tokens_block(&css, &ours, &light, &dark);
        std::fs::write(
            out.join(format!("lyceum-{dir}.css")),
            format!("{tokens}\n{css}"),
        )
        .expect("write css");
    }
    std::fs::copy(manifest.join("static/lyceum.js"), out.join("lyceum.js")).expect("copy js");
    std::fs::copy(manifest.join("static/favicon.svg"), out.join("favicon.svg"))
        .expect("copy favicon");

    write_icons(
        &wm.join("codex-icons/dist/codex-icons.json"),
        &out.join("icons.rs"),
    );
    write_message_files(&root.join("i18n"), &out.join("messages.rs"));
}

/// Install the npm packages when they are missing, so `cargo build` works on a fresh clone.
fn ensure_node_modules(root: &Path, wm: &Path) {
    if wm.join("codex/dist/modules").is_dir()
        && wm.join("codex-icons/dist/codex-icons.json").is_file()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!(
            "Codex assets are missing and `npm ci` failed ({other:?}). Install Node.js and npm (Debian: apt-get install nodejs npm), \
             then run `npm ci --ignore-scripts` in {}.",
            root.display()
        ),
    }
}

/// `--name: value;` declarations of a token file's `:root` block.
fn read_tokens(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("--")
            && let Some((name, value)) = rest.split_once(':')
        {
            let value = value
                .split("/*")
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(';')
                .trim();
            out.insert(name.trim().to_string(), value.to_string());
        }
    }
    out
}

fn referenced_tokens(css: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = css;
    while let Some(i) = rest.find("var(--") {
        let after = &rest[i + 6..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        out.insert(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

/// Only the tokens the CSS uses (and the tokens those refer to), light and dark. Our own
/// stylesheet may only use tokens that exist: a typo fails the build.
fn tokens_block(
    css: &str,
    ours: &str,
    light: &BTreeMap<String, String>,
    dark: &BTreeMap<String, String>,
) -> String {
    for name in referenced_tokens(ours) {
        if !light.contains_key(&name) && !name.starts_with("lyceum-") {
            panic!("static/lyceum.css uses --{name}, which is not a Codex design token");
        }
    }
    let mut wanted = referenced_tokens(css);
    loop {
        let more: BTreeSet<String> = wanted
            .iter()
            .filter_map(|n| light.get(n))
            .flat_map(|v| referenced_tokens(v))
            .filter(|n| !wanted.contains(n))
            .collect();
        if more.is_empty() {
            break;
        }
        wanted.extend(more);
    }
    let mut s = String::from(":root{color-scheme:light dark;");
    for n in &wanted {
        if let Some(v) = light.get(n) {
            let _ = write!(s, "--{n}:{v};");
        }
    }
    s.push_str("}\n@media (prefers-color-scheme:dark){:root{");
    for n in &wanted {
        if let Some(v) = dark.get(n) {
            let _ = write!(s, "--{n}:{v};");
        }
    }
    s.push_str("}}");
    s
}

fn write_icons(json_path: &Path, out: &Path) {
    let text = std::fs::read_to_string(json_path)
        .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
    let all: serde_json::Value = serde_json::from_str(&text).expect("codex-icons.json");
    let wrap = |paths: &str| {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">{paths}</svg>"#
        )
    };
    let mut code = String::from(
        "/// Codex icons (MIT), generated by build.rs: (name, LTR SVG, RTL SVG).\npub const ICONS: &[(&str, &str, &str)] = &[\n",
    );
    for name in ICONS {
        let v = all
            .get(format!("cdxIcon{name}"))
            .unwrap_or_else(|| panic!("no Codex icon cdxIcon{name}"));
        let (ltr, rtl) = match v {
            serde_json::Value::String(s) => (s.clone(), s.clone()),
            serde_json::Value::Object(o) => {
                let ltr = o
                    .get("ltr")
                    .or_else(|| o.get("default"))
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_string();
                let rtl = match (
                    o.get("rtl").and_then(|x| x.as_str()),
                    o.get("shouldFlip").and_then(|x| x.as_bool()),
                ) {
                    (Some(r), _) => r.to_string(),
                    // Mirror the drawing for right-to-left pages.
                    (None, Some(true)) => {
                        format!(r#"<g transform="scale(-1,1) translate(-20,0)">{ltr}</g>"#)
                    }
                    _ => ltr.clone(),
                };
                (ltr, rtl)
            }
            _ => panic!("unexpected icon format for {name}"),
        };
        let _ = writeln!(code, "    ({name:?}, {:?}, {:?}),", wrap(&ltr), wrap(&rtl));
    }
    code.push_str("];\n");
    std::fs::write(out, code).expect("write icons.rs");
}

fn write_message_files(dir: &Path, out: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut code = String::from(
        "/// Every interface message file, generated by build.rs: (language code, JSON).\npub const MESSAGE_FILES: &[(&str, &str)] = &[\n",
    );
    for f in files {
        let code_name = f
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name")
            .to_string();
        let _ = writeln!(
            code,
            "    ({code_name:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    std::fs::write(out, code).expect("write messages.rs");
}
