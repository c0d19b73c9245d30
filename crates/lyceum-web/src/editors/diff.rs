//! A line diff for the side-by-side view of two versions of a block (longest common
//! subsequence of lines; texts too long for that are shown as wholly replaced).

/// One row of the side-by-side view: a line of theirs, of yours, or of both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// `same`, `changed` (a line of theirs beside one of yours), `theirs` or `yours`.
    pub kind: &'static str,
    pub theirs: Option<(usize, String)>,
    pub yours: Option<(usize, String)>,
}

/// Beyond this many lines on each side the comparison is not worth its cost.
const MAX_LINES: usize = 3_000;

pub fn line_diff(theirs: &str, yours: &str) -> Vec<DiffRow> {
    let a: Vec<&str> = theirs.lines().collect();
    let b: Vec<&str> = yours.lines().collect();
    let (n, m) = (a.len(), b.len());
    let common =
        if n.saturating_mul(m) <= MAX_LINES * MAX_LINES / 4 && n <= MAX_LINES && m <= MAX_LINES {
            // lcs[i][j]: common lines of a[i..] and b[j..].
            let mut lcs = vec![vec![0u32; m + 1]; n + 1];
            for i in (0..n).rev() {
                for j in (0..m).rev() {
                    lcs[i][j] = if a[i] == b[j] {
                        lcs[i + 1][j + 1] + 1
                    } else {
                        lcs[i + 1][j].max(lcs[i][j + 1])
                    };
                }
            }
            Some(lcs)
        } else {
            None
        };
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut gone: Vec<(usize, String)> = Vec::new();
    let mut added: Vec<(usize, String)> = Vec::new();
    let flush = |out: &mut Vec<DiffRow>,
                 gone: &mut Vec<(usize, String)>,
                 added: &mut Vec<(usize, String)>| {
        let len = gone.len().max(added.len());
        let mut g = gone.drain(..);
        let mut a = added.drain(..);
        for _ in 0..len {
            let (t, y) = (g.next(), a.next());
            let kind = match (&t, &y) {
                (Some(_), Some(_)) => "changed",
                (Some(_), None) => "theirs",
                _ => "yours",
            };
            out.push(DiffRow {
                kind,
                theirs: t,
                yours: y,
            });
        }
    };
    while i < n || j < m {
        let same = i < n && j < m && a[i] == b[j];
        if same {
            flush(&mut out, &mut gone, &mut added);
            out.push(DiffRow {
                kind: "same",
                theirs: Some((i + 1, a[i].to_owned())),
                yours: Some((j + 1, b[j].to_owned())),
            });
            i += 1;
            j += 1;
        } else if j >= m
            || (i < n && common.as_ref().is_some_and(|l| l[i + 1][j] >= l[i][j + 1]))
            || (common.is_none() && i < n)
        {
            gone.push((i + 1, a[i].to_owned()));
            i += 1;
        } else {
            added.push((j + 1, b[j].to_owned()));
            j += 1;
        }
    }
    flush(&mut out, &mut gone, &mut added);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_pair_up_side_by_side() {
        let rows = line_diff("a\nb\nc\nd", "a\nB\nc\nd\ne");
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["same", "changed", "same", "same", "yours"]);
        assert_eq!(rows[1].theirs, Some((2, "b".into())));
        assert_eq!(rows[1].yours, Some((2, "B".into())));
        assert_eq!(rows[4].yours, Some((5, "e".into())));
        assert!(line_diff("x", "x").iter().all(|r| r.kind == "same"));
        let rows = line_diff("x\ny", "");
        assert!(rows.iter().all(|r| r.kind == "theirs"));
    }
}
