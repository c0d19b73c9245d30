//! How much of a video a learner has played: the player reports the ranges it played,
//! and they are merged so rewatching the same minute twice never counts double and
//! skipping to the end never counts as watching.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WatchedRanges(Vec<(f64, f64)>);

/// Cap on stored ranges, so a hostile client cannot grow one row without bound.
const MAX_RANGES: usize = 200;

impl WatchedRanges {
    pub fn ranges(&self) -> &[(f64, f64)] {
        &self.0
    }

    /// Merge newly played ranges (seconds) into the stored ones. Ranges that are not
    /// finite, inverted or beyond the duration are clipped or dropped.
    pub fn add(&mut self, played: &[(f64, f64)], duration: f64) {
        for &(a, b) in played {
            if !(a.is_finite() && b.is_finite()) {
                continue;
            }
            let (a, b) = (a.max(0.0), b.min(duration));
            if b > a {
                self.0.push((a, b));
            }
        }
        self.0.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(self.0.len());
        for &(a, b) in &self.0 {
            match merged.last_mut() {
                // Gaps under a quarter second are timer jitter, not skipped content.
                Some(last) if a <= last.1 + 0.25 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged.truncate(MAX_RANGES);
        self.0 = merged;
    }

    pub fn watched_seconds(&self) -> f64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// Share of the video played, 0..=1.
    pub fn fraction(&self, duration: f64) -> f64 {
        if !(duration.is_finite() && duration > 0.0) {
            return 0.0;
        }
        (self.watched_seconds() / duration).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_ranges_merge() {
        let mut w = WatchedRanges::default();
        w.add(&[(0.0, 10.0), (5.0, 12.0)], 100.0);
        w.add(&[(11.9, 20.0), (50.0, 60.0)], 100.0);
        assert_eq!(w.ranges(), &[(0.0, 20.0), (50.0, 60.0)]);
        assert_eq!(w.watched_seconds(), 30.0);
        assert!((w.fraction(100.0) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn rewatching_does_not_count_twice() {
        let mut w = WatchedRanges::default();
        for _ in 0..10 {
            w.add(&[(0.0, 10.0)], 20.0);
        }
        assert_eq!(w.fraction(20.0), 0.5);
    }

    #[test]
    fn hostile_values_are_clipped() {
        let mut w = WatchedRanges::default();
        w.add(
            &[(f64::NAN, 5.0), (-10.0, 5.0), (8.0, 1e12), (9.0, 3.0)],
            10.0,
        );
        assert_eq!(w.ranges(), &[(0.0, 5.0), (8.0, 10.0)]);
        assert_eq!(w.fraction(0.0), 0.0);
        assert_eq!(w.fraction(f64::INFINITY), 0.0);
    }

    #[test]
    fn ninety_percent_threshold() {
        let mut w = WatchedRanges::default();
        w.add(&[(0.0, 17.9)], 20.0);
        assert!(w.fraction(20.0) < crate::blocks::video::WATCHED_THRESHOLD);
        w.add(&[(17.9, 18.0)], 20.0);
        assert!(w.fraction(20.0) >= crate::blocks::video::WATCHED_THRESHOLD);
    }
}
