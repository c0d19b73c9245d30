//! Courses: their keys, settings shown on the About page, and their content tree.

pub mod deadlines;
pub mod key;
pub mod spec;
pub mod status;
pub mod tree;
pub mod upstream;

pub use key::CourseKey;
pub use status::{CourseStatus, StatusChange};
pub use tree::{CourseTree, Node, NodeKind, NodeRow, StructureSettings, Visibility};

use serde::{Deserialize, Serialize};

/// Content licences a course may carry. CC BY-SA 4.0 is the default because it is what
/// Wikimedia projects use, so material can flow between courses and wikis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum License {
    #[default]
    #[serde(rename = "CC-BY-SA-4.0")]
    CcBySa40,
    #[serde(rename = "CC-BY-4.0")]
    CcBy40,
    #[serde(rename = "CC0-1.0")]
    Cc0,
    /// No free licence stated: Open edX's default for a course, kept on import rather
    /// than assumed free. Such a course cannot be reused beyond what its authors allow.
    #[serde(rename = "all-rights-reserved")]
    AllRightsReserved,
}

impl License {
    /// The licences an author can choose for a new course (all free).
    pub const ALL: [License; 3] = [License::CcBySa40, License::CcBy40, License::Cc0];

    pub fn id(self) -> &'static str {
        match self {
            License::CcBySa40 => "CC-BY-SA-4.0",
            License::CcBy40 => "CC-BY-4.0",
            License::Cc0 => "CC0-1.0",
            License::AllRightsReserved => "all-rights-reserved",
        }
    }

    /// Open edX's `license` field: `all-rights-reserved` or
    /// `creative-commons: ver=4.0 BY SA` (attributes BY, NC, ND, SA; CC0 as `ZERO`).
    /// Licences Lyceum has no variant for (NC, ND, older versions) are kept as not free.
    pub fn from_olx(value: &str) -> License {
        let Some(rest) = value.trim().strip_prefix("creative-commons:") else {
            return License::AllRightsReserved;
        };
        let mut ver = "";
        let mut attrs = Vec::new();
        for part in rest.split_whitespace() {
            match part.strip_prefix("ver=") {
                Some(v) => ver = v,
                None => attrs.push(part.to_ascii_uppercase()),
            }
        }
        attrs.sort();
        let attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
        match (ver, attrs.as_slice()) {
            (_, ["ZERO"]) => License::Cc0,
            ("4.0", ["BY"]) => License::CcBy40,
            ("4.0", ["BY", "SA"]) => License::CcBySa40,
            _ => License::AllRightsReserved,
        }
    }

    /// This licence as Open edX writes it.
    pub fn to_olx(self) -> &'static str {
        match self {
            License::CcBySa40 => "creative-commons: ver=4.0 BY SA",
            License::CcBy40 => "creative-commons: ver=4.0 BY",
            License::Cc0 => "creative-commons: ver=1.0 ZERO",
            License::AllRightsReserved => "all-rights-reserved",
        }
    }

    pub fn parse(id: &str) -> Option<License> {
        Self::ALL
            .into_iter()
            .chain([License::AllRightsReserved])
            .find(|l| l.id().eq_ignore_ascii_case(id))
    }

    /// The licence's short name; licence names are not translated.
    pub fn short_name(self) -> &'static str {
        match self {
            License::CcBySa40 => "CC BY-SA 4.0",
            License::CcBy40 => "CC BY 4.0",
            License::Cc0 => "CC0 1.0",
            License::AllRightsReserved => "All rights reserved",
        }
    }

    /// Whether others may adapt (fork) material under this licence: the free licences
    /// yes, "all rights reserved" never.
    pub fn allows_adaptation(self) -> bool {
        self != License::AllRightsReserved
    }

    /// The licences an adaptation of material under this licence may carry, the one it
    /// gets by default first. CC BY-SA is share-alike: adaptations stay CC BY-SA 4.0. CC
    /// BY lets the adapter choose any licence that keeps the attribution (CC BY or CC
    /// BY-SA here; never CC0, which would waive the source authors' credit). CC0 asks
    /// nothing: any licence. "All rights reserved" allows no adaptation at all.
    pub fn adaptation_licences(self) -> &'static [License] {
        match self {
            License::CcBySa40 => &[License::CcBySa40],
            License::CcBy40 => &[License::CcBy40, License::CcBySa40],
            License::Cc0 => &[License::Cc0, License::CcBy40, License::CcBySa40],
            License::AllRightsReserved => &[],
        }
    }

    /// The licence's deed; `""` when there is none.
    pub fn url(self) -> &'static str {
        match self {
            License::CcBySa40 => "https://creativecommons.org/licenses/by-sa/4.0/",
            License::CcBy40 => "https://creativecommons.org/licenses/by/4.0/",
            License::Cc0 => "https://creativecommons.org/publicdomain/zero/1.0/",
            License::AllRightsReserved => "",
        }
    }
}

/// Expected effort, shown on the About page: unclear effort caused half the drop-outs of
/// the 2021 pilot, so a course states hours per week and weeks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effort {
    pub minutes_per_week: u32,
    pub weeks: u32,
}

impl Effort {
    pub fn total_minutes(self) -> u32 {
        self.minutes_per_week.saturating_mul(self.weeks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptations_keep_what_the_licence_asks() {
        assert!(!License::AllRightsReserved.allows_adaptation());
        assert!(License::AllRightsReserved.adaptation_licences().is_empty());
        assert_eq!(
            License::CcBySa40.adaptation_licences(),
            &[License::CcBySa40]
        );
        assert!(
            !License::CcBy40
                .adaptation_licences()
                .contains(&License::Cc0)
        );
        for l in License::ALL {
            assert!(l.allows_adaptation());
            assert_eq!(
                l.adaptation_licences()[0],
                l,
                "{l:?} keeps itself by default"
            );
        }
    }

    #[test]
    fn licence_ids_round_trip() {
        for l in License::ALL {
            assert_eq!(License::parse(l.id()), Some(l));
        }
        assert_eq!(License::parse("cc-by-sa-4.0"), Some(License::CcBySa40));
        assert_eq!(License::parse("GPL"), None);
        assert_eq!(License::default(), License::CcBySa40);
        assert_eq!(
            License::parse("all-rights-reserved"),
            Some(License::AllRightsReserved)
        );
    }

    #[test]
    fn olx_licences() {
        for l in License::ALL.into_iter().chain([License::AllRightsReserved]) {
            assert_eq!(License::from_olx(l.to_olx()), l);
        }
        assert_eq!(
            License::from_olx("creative-commons: ver=4.0 SA BY"),
            License::CcBySa40
        );
        assert_eq!(
            License::from_olx("creative-commons: ver=4.0 BY NC SA"),
            License::AllRightsReserved
        );
        assert_eq!(
            License::from_olx("creative-commons: ver=3.0 BY SA"),
            License::AllRightsReserved
        );
        assert_eq!(License::from_olx(""), License::AllRightsReserved);
    }
}
