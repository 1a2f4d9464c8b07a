//! Optimal one-to-one assignment (Hungarian algorithm, O(n^2 m)) for small score
//! matrices: mapping clusters to enrolled names, and scoring speaker labels against a
//! reference.

/// Maximum-total-score matching of rows to columns, one-to-one. `score[r][c]` must be
/// finite (non-finite counts as very low). Returns for each row the column it got, or
/// `None` when there are more rows than columns and the row was left out. Rows of unequal
/// length are treated as padded with very low scores.
pub fn max_score_matching(score: &[Vec<f32>]) -> Vec<Option<usize>> {
    let rows = score.len();
    let cols = score.iter().map(Vec::len).max().unwrap_or(0);
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    let get = |r: usize, c: usize| -> f64 {
        match score.get(r).and_then(|row| row.get(c)) {
            Some(v) if v.is_finite() => f64::from(*v),
            _ => -1e9,
        }
    };
    if rows <= cols {
        hungarian_min(rows, cols, |r, c| -get(r, c))
    } else {
        // Transpose: assign each column a row, then invert.
        let by_col = hungarian_min(cols, rows, |c, r| -get(r, c));
        let mut out = vec![None; rows];
        for (c, r) in by_col.iter().enumerate() {
            if let Some(r) = r {
                out[*r] = Some(c);
            }
        }
        out
    }
}

/// Minimum-cost assignment of `n` rows to `m >= n` columns (e-maxx formulation with
/// potentials, 1-based internally).
fn hungarian_min(n: usize, m: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<Option<usize>> {
    let inf = f64::INFINITY;
    let mut u = vec![0f64; n + 1];
    let mut v = vec![0f64; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            if j1 == 0 {
                // Only possible with NaN costs; stop rather than loop forever.
                break;
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; n];
    for j in 1..=m {
        if p[j] > 0 {
            out[p[j] - 1] = Some(j - 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_and_rectangular() {
        let s = vec![
            vec![1.0, 5.0, 2.0],
            vec![4.0, 3.0, 1.0],
            vec![2.0, 2.0, 9.0],
        ];
        assert_eq!(max_score_matching(&s), vec![Some(1), Some(0), Some(2)]);
        let wide = vec![vec![0.1, 0.9, 0.2], vec![0.8, 0.85, 0.1]];
        assert_eq!(max_score_matching(&wide), vec![Some(1), Some(0)]);
        let tall = vec![vec![0.1], vec![0.9], vec![0.3]];
        assert_eq!(max_score_matching(&tall), vec![None, Some(0), None]);
        assert!(max_score_matching(&[]).is_empty());
        assert_eq!(max_score_matching(&[vec![]]), vec![None]);
        let nan = vec![vec![f32::NAN, 1.0], vec![0.5, f32::NAN]];
        assert_eq!(max_score_matching(&nan), vec![Some(1), Some(0)]);
    }
}
