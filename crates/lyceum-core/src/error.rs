//! Domain errors carry a stable message key; the web layer turns the key into a message
//! in the user's language and never shows internal text.

use std::fmt;

/// A stable key of `i18n/en.json`, e.g. `lyceum-error-username-invalid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorKey(pub &'static str);

impl fmt::Display for ErrorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A rule of the domain was broken by the input. `args` fill the message's `$1…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainError {
    pub key: ErrorKey,
    pub args: Vec<String>,
}

impl DomainError {
    pub fn new(key: &'static str) -> Self {
        Self {
            key: ErrorKey(key),
            args: Vec::new(),
        }
    }

    pub fn with_arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key)?;
        if !self.args.is_empty() {
            write!(f, " ({})", self.args.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for DomainError {}
