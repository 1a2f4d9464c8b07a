//! The LSTM cell update (gates -> new cell and hidden state) for the voice encoder, with
//! an AVX2+FMA version (vectorised `exp`, Cephes polynomial, about 1 ulp) chosen at run
//! time and a scalar fallback. Gate order is PyTorch's: i, f, g, o.

/// Hidden size of the encoder's LSTM.
pub const HIDDEN: usize = 256;
/// Gate values per row (4 x hidden).
pub const GATES: usize = 4 * HIDDEN;

/// One LSTM step for all rows: `gates` `[b][1024]` (i, f, g, o pre-activations), cell
/// state `c` `[b][256]` updated in place, new hidden state written to `h` `[b][256]`.
/// Rows beyond the shortest slice are left alone.
pub fn lstm_cell(gates: &[f32], c: &mut [f32], h: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA (checked above).
            unsafe { lstm_cell_avx2(gates, c, h) };
            return;
        }
    }
    lstm_cell_scalar(gates, c, h);
}

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Portable version (libm `exp` / `tanh`).
pub fn lstm_cell_scalar(gates: &[f32], c: &mut [f32], h: &mut [f32]) {
    for ((g, cr), hr) in gates
        .chunks_exact(GATES)
        .zip(c.chunks_exact_mut(HIDDEN))
        .zip(h.chunks_exact_mut(HIDDEN))
    {
        let (gi, rest) = g.split_at(HIDDEN);
        let (gf, rest) = rest.split_at(HIDDEN);
        let (gg, go) = rest.split_at(HIDDEN);
        for j in 0..HIDDEN {
            let i = sigmoid(gi[j]);
            let f = sigmoid(gf[j]);
            let g = gg[j].tanh();
            let o = sigmoid(go[j]);
            let cn = f * cr[j] + i * g;
            cr[j] = cn;
            hr[j] = o * cn.tanh();
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// `exp(x)` for 8 lanes (Cephes `expf`: range reduction by ln 2, degree-5 polynomial),
    /// inputs clamped to +-88.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn exp8(x: __m256) -> __m256 {
        let x = _mm256_min_ps(
            _mm256_max_ps(x, _mm256_set1_ps(-88.0)),
            _mm256_set1_ps(88.0),
        );
        let fx = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
        );
        let r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693_359_4), x);
        let r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.121_944_4e-4), r);
        let mut y = _mm256_set1_ps(1.987_569_1e-4);
        y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.398_2e-3));
        y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.333_452e-3));
        y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.166_579_6e-2));
        y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.666_666_5e-1));
        y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(0.5));
        let r2 = _mm256_mul_ps(r, r);
        y = _mm256_fmadd_ps(y, r2, r);
        y = _mm256_add_ps(y, _mm256_set1_ps(1.0));
        let e = _mm256_slli_epi32::<23>(_mm256_add_epi32(
            _mm256_cvtps_epi32(fx),
            _mm256_set1_epi32(127),
        ));
        _mm256_mul_ps(y, _mm256_castsi256_ps(e))
    }

    /// `1 / (1 + exp(-x))`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn sigmoid8(x: __m256) -> __m256 {
        let one = _mm256_set1_ps(1.0);
        let e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_div_ps(one, _mm256_add_ps(one, e))
    }

    /// `tanh(x) = 1 - 2 / (1 + exp(2x))` (absolute error about 1e-7).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn tanh8(x: __m256) -> __m256 {
        let one = _mm256_set1_ps(1.0);
        let e = exp8(_mm256_add_ps(x, x));
        _mm256_sub_ps(
            one,
            _mm256_div_ps(_mm256_set1_ps(2.0), _mm256_add_ps(one, e)),
        )
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lstm_cell_avx2(gates: &[f32], c: &mut [f32], h: &mut [f32]) {
    use avx::{sigmoid8, tanh8};
    use std::arch::x86_64::*;
    for ((g, cr), hr) in gates
        .chunks_exact(GATES)
        .zip(c.chunks_exact_mut(HIDDEN))
        .zip(h.chunks_exact_mut(HIDDEN))
    {
        for j in (0..HIDDEN).step_by(8) {
            // SAFETY: j + 8 <= 256, and each row slice holds 1024 (gates) or 256 values.
            unsafe {
                let gp = g.as_ptr();
                let i = sigmoid8(_mm256_loadu_ps(gp.add(j)));
                let f = sigmoid8(_mm256_loadu_ps(gp.add(HIDDEN + j)));
                let gg = tanh8(_mm256_loadu_ps(gp.add(2 * HIDDEN + j)));
                let o = sigmoid8(_mm256_loadu_ps(gp.add(3 * HIDDEN + j)));
                let cp = cr.as_mut_ptr().add(j);
                let cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(cp), _mm256_mul_ps(i, gg));
                _mm256_storeu_ps(cp, cn);
                _mm256_storeu_ps(hr.as_mut_ptr().add(j), _mm256_mul_ps(o, tanh8(cn)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_matches_scalar() {
        let rows = 3;
        let gates: Vec<f32> = (0..rows * GATES)
            .map(|k| ((k * 37 % 1001) as f32 - 500.0) / 40.0)
            .collect();
        let mut c1: Vec<f32> = (0..rows * HIDDEN)
            .map(|k| (k % 13) as f32 / 5.0 - 1.2)
            .collect();
        let mut c2 = c1.clone();
        let mut h1 = vec![0f32; rows * HIDDEN];
        let mut h2 = vec![0f32; rows * HIDDEN];
        lstm_cell(&gates, &mut c1, &mut h1);
        lstm_cell_scalar(&gates, &mut c2, &mut h2);
        for k in 0..rows * HIDDEN {
            assert!((c1[k] - c2[k]).abs() < 1e-6, "c {k}: {} {}", c1[k], c2[k]);
            assert!((h1[k] - h2[k]).abs() < 1e-6, "h {k}: {} {}", h1[k], h2[k]);
        }
        let extreme = vec![1e30f32; GATES];
        let mut c = vec![f32::MAX; HIDDEN];
        let mut h = vec![0f32; HIDDEN];
        lstm_cell(&extreme, &mut c, &mut h);
        assert!(h.iter().all(|v| v.is_finite()));
    }
}
