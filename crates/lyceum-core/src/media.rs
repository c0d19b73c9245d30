//! Names and types of course media files (assets).

/// Asset names are one path segment of safe characters, so they can go straight into
/// URLs and never name a file outside the course (no `/`, no `..`).
pub fn is_valid_asset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'%'))
}

/// Open edX's asset-name rule (spec §1.7): `/` becomes `_`, then every character outside
/// `[\w.%-]` becomes `_`, without collapsing. `\w` here is ASCII, as in edx's regex on
/// the bytes of the name, so non-ASCII letters are replaced too.
pub fn normalize_asset_name(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '%' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Largest file an author uploads to a course's files (a lecture video).
pub const UPLOAD_MAX_BYTES: usize = 100 * 1024 * 1024;

/// Extensions authors may upload to a course's files. SVG is left out: it is a document
/// that can carry script, served from the site's own origin.
pub const UPLOAD_TYPES: [&str; 15] = [
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "webm", "mp4", "m4v", "ogv", "ogg", "mp3",
    "vtt", "srt",
];

/// Check an upload to a course's files before anything is stored: its name (made a
/// safe asset name as Open edX does), its type (by extension, from [`UPLOAD_TYPES`]) and
/// its size. Subtitles must also parse (the caller checks, it has the bytes).
pub fn check_upload(file_name: &str, size: usize) -> Result<String, crate::DomainError> {
    let name = normalize_asset_name(file_name.trim());
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !UPLOAD_TYPES.contains(&ext.as_str()) {
        return Err(crate::DomainError::new("lyceum-files-error-type")
            .with_arg(file_name.to_owned())
            .with_arg(UPLOAD_TYPES.join(", ")));
    }
    if !is_valid_asset_name(&name) {
        return Err(
            crate::DomainError::new("lyceum-files-error-name").with_arg(file_name.to_owned())
        );
    }
    if size == 0 {
        return Err(crate::DomainError::new("lyceum-files-error-empty"));
    }
    if size > UPLOAD_MAX_BYTES {
        return Err(crate::DomainError::new("lyceum-files-error-size")
            .with_arg((UPLOAD_MAX_BYTES / (1024 * 1024)).to_string()));
    }
    Ok(name)
}

/// The MIME type served for an asset, from its extension.
pub fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "webm" => "video/webm",
        "mp4" | "m4v" => "video/mp4",
        "ogv" => "video/ogg",
        "ogg" | "oga" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "vtt" => "text/vtt; charset=utf-8",
        "srt" => "application/x-subrip; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_checked_by_type_size_and_name() {
        assert_eq!(
            check_upload("Brain green.png", 10).unwrap(),
            "Brain_green.png"
        );
        assert_eq!(
            check_upload("a.exe", 10).unwrap_err().key.0,
            "lyceum-files-error-type"
        );
        assert_eq!(
            check_upload("a.svg", 10).unwrap_err().key.0,
            "lyceum-files-error-type"
        );
        assert_eq!(
            check_upload(".png", 10).unwrap_err().key.0,
            "lyceum-files-error-name"
        );
        assert_eq!(
            check_upload("a.vtt", 0).unwrap_err().key.0,
            "lyceum-files-error-empty"
        );
        assert_eq!(
            check_upload("a.mp4", UPLOAD_MAX_BYTES + 1)
                .unwrap_err()
                .key
                .0,
            "lyceum-files-error-size"
        );
        assert!(check_upload("a.mp4", UPLOAD_MAX_BYTES).is_ok());
    }

    #[test]
    fn asset_names() {
        assert!(is_valid_asset_name("intro.en.vtt"));
        assert!(is_valid_asset_name("Brain_green.png"));
        assert!(!is_valid_asset_name("../x"));
        assert!(!is_valid_asset_name("a/b"));
        assert!(!is_valid_asset_name(".hidden"));
        assert!(!is_valid_asset_name(""));
    }

    #[test]
    fn normalisation_follows_open_edx() {
        assert_eq!(normalize_asset_name("images/a b.png"), "images_a_b.png");
        assert_eq!(normalize_asset_name("Brain green.png"), "Brain_green.png");
        assert_eq!(normalize_asset_name("x(1).pdf"), "x_1_.pdf");
    }

    #[test]
    fn types() {
        assert_eq!(content_type_for("a.WEBM"), "video/webm");
        assert_eq!(content_type_for("a.vtt"), "text/vtt; charset=utf-8");
        assert_eq!(content_type_for("noext"), "application/octet-stream");
    }
}
