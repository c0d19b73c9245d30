//! The stand-in's two HTML pages: the consent form and "Application Connection Error".

use super::StandinUser;

/// Escapes text for element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page the real extension shows, with status 200, for an unknown client or a foreign
/// `redirect_uri`: it must not redirect to an address it cannot trust.
pub(crate) fn connection_error(message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Application Connection Error</title></head>\n<body>\
         <h1>Application Connection Error</h1>\n<p class=\"error\">{}</p>\n</body></html>\n",
        escape(message)
    )
}

/// What the consent form carries through to `/oauth2/approve`.
pub(crate) struct Consent<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub state: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
    /// Already checked to be a plain language tag.
    pub lang: &'a str,
}

/// The consent page: choose an account, then Allow or Cancel. Plain HTML, no script.
pub(crate) fn consent(c: &Consent<'_>, users: &[StandinUser]) -> String {
    let mut hidden = String::new();
    let fields = [
        ("client_id", Some(c.client_id)),
        ("redirect_uri", Some(c.redirect_uri)),
        ("state", c.state),
        ("code_challenge", c.code_challenge),
        ("code_challenge_method", c.code_challenge_method),
        // The wiki keeps the interface language through the form (its `uselang`).
        ("uselang", Some(c.lang)),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                escape(value)
            ));
        }
    }
    hidden.push_str(&format!(
        "<input type=\"hidden\" name=\"scope\" value=\"{}\">\n",
        escape(&c.scopes.join(" "))
    ));

    let options: String = users
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{}\">{} (central id {})</option>\n",
                u.central_id,
                escape(&u.username),
                u.central_id
            )
        })
        .collect();
    let grants: String = c
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();

    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>Authorize application (OAuth stand-in)</title></head>\n<body>\n\
         <h1>Authorize {client}</h1>\n\
         <p>Local stand-in for Wikimedia's Special:OAuth/approve (uselang={lang}).</p>\n\
         <p>The application asks for:</p><ul>{grants}</ul>\n\
         <form method=\"post\" action=\"/w/rest.php/oauth2/approve\">\n{hidden}\
         <label for=\"user\">Log in as</label>\n<select id=\"user\" name=\"user\">\n{options}</select>\n\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n\
         </form>\n</body></html>\n",
        lang = c.lang,
        client = escape(c.client_id),
    )
}
