//! The time-zone menu of Preferences: canonical zones only (the tz database's zone.tab,
//! so no backward-compatible aliases), grouped by region, each with its current offset
//! from UTC, and the zone the browser detected first.

use jiff::Timestamp;
use jiff::tz::TimeZone;

const ZONE_TAB: &str = include_str!("time_zones.txt");

/// Regions of the menu, in order, with the message naming each.
const REGIONS: &[(&str, &str)] = &[
    ("Africa", "lyceum-tz-region-africa"),
    ("America", "lyceum-tz-region-america"),
    ("Antarctica", "lyceum-tz-region-antarctica"),
    ("Arctic", "lyceum-tz-region-arctic"),
    ("Asia", "lyceum-tz-region-asia"),
    ("Atlantic", "lyceum-tz-region-atlantic"),
    ("Australia", "lyceum-tz-region-australia"),
    ("Europe", "lyceum-tz-region-europe"),
    ("Indian", "lyceum-tz-region-indian"),
    ("Pacific", "lyceum-tz-region-pacific"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneOption {
    /// The IANA name, stored as the preference.
    pub name: String,
    /// The place, readable: `Argentina / Buenos Aires`.
    pub place: String,
    /// The offset now: `UTC+05:30`.
    pub offset: String,
}

pub struct ZoneGroup {
    pub label_key: &'static str,
    pub zones: Vec<ZoneOption>,
}

/// Every canonical zone name this build knows (UTC included).
pub fn canonical() -> impl Iterator<Item = &'static str> {
    ZONE_TAB
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .chain(std::iter::once("UTC"))
}

pub fn is_canonical(name: &str) -> bool {
    canonical().any(|z| z == name)
}

/// The offset from UTC at `now`: `UTC+05:30`, `UTC-03:00`, `UTC+00:00`.
pub fn offset_label(tz: &TimeZone, now: Timestamp) -> String {
    let secs = tz.to_offset(now).seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

/// Places whose IANA name is an ASCII squeeze of their real one, beyond `_` for a space
/// (CLDR's exemplar city names).
const SPELLED: &[(&str, &str)] = &[
    ("DumontDUrville", "Dumont d’Urville"),
    ("St_Johns", "St. John’s"),
];

/// One zone as an option (`None` for a name the time-zone database does not know).
pub fn option(name: &str, now: Timestamp) -> Option<ZoneOption> {
    let tz = TimeZone::get(name).ok()?;
    let rest = name.split_once('/').map_or(name, |(_, rest)| rest);
    let place = SPELLED.iter().find(|(id, _)| *id == rest).map_or_else(
        || rest.replace('_', " ").replace('/', " / "),
        |(_, p)| (*p).to_owned(),
    );
    Some(ZoneOption {
        name: name.to_owned(),
        place,
        offset: offset_label(&tz, now),
    })
}

/// The menu: one group per region, places in alphabetical order, and UTC last.
pub fn menu(now: Timestamp) -> Vec<ZoneGroup> {
    let mut groups: Vec<ZoneGroup> = REGIONS
        .iter()
        .map(|&(_, key)| ZoneGroup {
            label_key: key,
            zones: Vec::new(),
        })
        .collect();
    for name in canonical() {
        let Some(region) = name.split_once('/').map(|(r, _)| r) else {
            continue;
        };
        let Some(i) = REGIONS.iter().position(|(r, _)| *r == region) else {
            continue;
        };
        if let Some(o) = option(name, now) {
            groups[i].zones.push(o);
        }
    }
    for g in &mut groups {
        g.zones.sort_by(|a, b| a.place.cmp(&b.place));
    }
    groups.retain(|g| !g.zones.is_empty());
    groups.push(ZoneGroup {
        label_key: "lyceum-tz-region-other",
        zones: option("UTC", now).into_iter().collect(),
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-12-06T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn canonical_zones_only_every_one_known() {
        let names: Vec<&str> = canonical().collect();
        assert!(names.len() > 400 && names.len() < 450, "{}", names.len());
        for old in [
            "Asia/Calcutta",
            "Europe/Kiev",
            "US/Eastern",
            "America/Buenos_Aires",
            "Etc/GMT+3",
            "GB",
        ] {
            assert!(!names.contains(&old), "{old} is an alias");
        }
        for z in &names {
            assert!(TimeZone::get(z).is_ok(), "{z} unknown to jiff");
        }
        let menu = menu(now());
        let total: usize = menu.iter().map(|g| g.zones.len()).sum();
        assert_eq!(total, names.len());
    }

    #[test]
    fn options_read_well_with_current_offsets() {
        assert_eq!(
            option("America/Argentina/Buenos_Aires", now()),
            Some(ZoneOption {
                name: "America/Argentina/Buenos_Aires".into(),
                place: "Argentina / Buenos Aires".into(),
                offset: "UTC-03:00".into(),
            })
        );
        assert_eq!(option("Asia/Kolkata", now()).unwrap().offset, "UTC+05:30");
        assert_eq!(
            option("Antarctica/DumontDUrville", now()).unwrap().place,
            "Dumont d’Urville"
        );
        assert_eq!(
            option("America/St_Johns", now()).unwrap().place,
            "St. John’s"
        );
        assert_eq!(
            option("America/Port_of_Spain", now()).unwrap().place,
            "Port of Spain"
        );
        assert_eq!(option("UTC", now()).unwrap().offset, "UTC+00:00");
        assert_eq!(option("Africa/Abidjan", now()).unwrap().offset, "UTC+00:00");
        // Offsets are today's: summer time counts.
        let july: Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(option("Europe/Paris", now()).unwrap().offset, "UTC+01:00");
        assert_eq!(option("Europe/Paris", july).unwrap().offset, "UTC+02:00");
        assert_eq!(option("Nowhere/Atlantis", now()), None);
    }
}
