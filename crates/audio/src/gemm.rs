//! Small single-threaded SGEMM for the neural nets we run ourselves (the GE2E voice encoder,
//! Silero VAD): `C += A * W^T`, where `W` is a PyTorch-layout weight (`[out][in]`) packed
//! once into 16-column panels. An AVX2+FMA micro-kernel (6 rows x 16 columns, chosen at run
//! time) does the work on x86-64; a portable loop that the compiler can vectorise is the
//! fallback.

/// Columns per packed panel.
pub const PANEL: usize = 16;
/// Rows per micro-kernel call.
const ROWS: usize = 6;
/// Rows of `A` handled per outer block (kept in L2 while all panels pass over it).
const ROW_BLOCK: usize = 192;

/// A weight matrix `[n][k]` (PyTorch `Linear`/`LSTM` layout) packed into panels:
/// `data[p][kk][j] = W[p * 16 + j][kk]`, with `n` a multiple of 16.
#[derive(Clone, Debug)]
pub struct PackedWeight {
    n: usize,
    k: usize,
    data: Vec<f32>,
}

impl PackedWeight {
    /// Packs `w` (`n` rows of `k` values, row-major). `n` must be a multiple of [`PANEL`]
    /// and `w.len() == n * k`; otherwise `None`.
    pub fn pack(w: &[f32], n: usize, k: usize) -> Option<Self> {
        if !n.is_multiple_of(PANEL) || w.len() != n * k || k == 0 {
            return None;
        }
        let mut data = vec![0f32; n * k];
        for p in 0..n / PANEL {
            for kk in 0..k {
                for j in 0..PANEL {
                    data[(p * k + kk) * PANEL + j] = w[(p * PANEL + j) * k + kk];
                }
            }
        }
        Some(Self { n, k, data })
    }

    /// Output size (rows of `W`).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Input size (columns of `W`).
    pub fn k(&self) -> usize {
        self.k
    }
}

/// `c[m][n] += a[m][k] * W^T` for all `m` rows (`a.len() == m * k`, `c.len() == m * n`).
/// Mismatched sizes compute only the rows both slices hold.
pub fn gemm_acc(a: &[f32], w: &PackedWeight, c: &mut [f32]) {
    let (n, k) = (w.n, w.k);
    let m = (a.len() / k).min(c.len() / n);
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA (checked above); all slice bounds
            // are checked inside before any raw access.
            unsafe { gemm_avx2(a, w, c, m) };
            return;
        }
    }
    gemm_portable(a, w, c, m);
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}

fn gemm_portable(a: &[f32], w: &PackedWeight, c: &mut [f32], m: usize) {
    let (n, k) = (w.n, w.k);
    for r0 in (0..m).step_by(ROW_BLOCK) {
        let r1 = (r0 + ROW_BLOCK).min(m);
        for p in 0..n / PANEL {
            let panel = &w.data[p * k * PANEL..(p + 1) * k * PANEL];
            for r in r0..r1 {
                let arow = &a[r * k..(r + 1) * k];
                let mut acc = [0f32; PANEL];
                for (x, wrow) in arow.iter().zip(panel.chunks_exact(PANEL)) {
                    for j in 0..PANEL {
                        acc[j] += x * wrow[j];
                    }
                }
                let crow = &mut c[r * n + p * PANEL..r * n + (p + 1) * PANEL];
                for (cv, av) in crow.iter_mut().zip(acc.iter()) {
                    *cv += av;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_avx2(a: &[f32], w: &PackedWeight, c: &mut [f32], m: usize) {
    let (n, k) = (w.n, w.k);
    if a.len() < m * k || c.len() < m * n || w.data.len() < n * k {
        return;
    }
    let panels = n / PANEL;
    if m <= 2 {
        // Few rows: two panels at a time so that enough accumulators hide FMA latency.
        let mut p = 0;
        while p < panels {
            let wide = p + 1 < panels;
            let pa = w.data[p * k * PANEL..].as_ptr();
            for r in 0..m {
                let ap = a[r * k..].as_ptr();
                let cp = c[r * n + p * PANEL..].as_mut_ptr();
                // SAFETY: row r of `a` and columns p * 16 .. p * 16 + 32 (16 when not
                // wide) of row r of `c` are inside the slices checked above; both panels
                // hold k * 16 values.
                unsafe {
                    if wide {
                        kernel_wide(ap, pa, pa.add(k * PANEL), k, cp);
                    } else {
                        kernel::<1>(ap, k, pa, k, cp, n);
                    }
                }
            }
            p += if wide { 2 } else { 1 };
        }
        return;
    }
    for r0 in (0..m).step_by(ROW_BLOCK) {
        let r1 = (r0 + ROW_BLOCK).min(m);
        for p in 0..panels {
            let panel = w.data[p * k * PANEL..].as_ptr();
            let mut r = r0;
            while r < r1 {
                let rows = (r1 - r).min(ROWS);
                let ap = a[r * k..].as_ptr();
                let cp = c[r * n + p * PANEL..].as_mut_ptr();
                // SAFETY: rows `r..r + rows` of `a` (k values each) and of `c` (columns
                // `p * 16 .. p * 16 + 16`) lie inside the slices checked above, and the
                // panel holds `k * 16` values.
                unsafe {
                    match rows {
                        6 => kernel::<6>(ap, k, panel, k, cp, n),
                        5 => kernel::<5>(ap, k, panel, k, cp, n),
                        4 => kernel::<4>(ap, k, panel, k, cp, n),
                        3 => kernel::<3>(ap, k, panel, k, cp, n),
                        2 => kernel::<2>(ap, k, panel, k, cp, n),
                        _ => kernel::<1>(ap, k, panel, k, cp, n),
                    }
                }
                r += rows;
            }
        }
    }
}

/// `R` rows x 16 columns: `c[r][0..16] += sum_kk a[r][kk] * panel[kk][0..16]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn kernel<const R: usize>(
    a: *const f32,
    lda: usize,
    panel: *const f32,
    k: usize,
    c: *mut f32,
    ldc: usize,
) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees R rows of `a` (stride lda, k values), k rows of the
    // panel (16 values each) and R rows of `c` (stride ldc, 16 values).
    unsafe {
        let mut lo = [_mm256_setzero_ps(); R];
        let mut hi = [_mm256_setzero_ps(); R];
        for r in 0..R {
            lo[r] = _mm256_loadu_ps(c.add(r * ldc));
            hi[r] = _mm256_loadu_ps(c.add(r * ldc + 8));
        }
        for kk in 0..k {
            let b0 = _mm256_loadu_ps(panel.add(kk * PANEL));
            let b1 = _mm256_loadu_ps(panel.add(kk * PANEL + 8));
            for r in 0..R {
                let av = _mm256_broadcast_ss(&*a.add(r * lda + kk));
                lo[r] = _mm256_fmadd_ps(av, b0, lo[r]);
                hi[r] = _mm256_fmadd_ps(av, b1, hi[r]);
            }
        }
        for r in 0..R {
            _mm256_storeu_ps(c.add(r * ldc), lo[r]);
            _mm256_storeu_ps(c.add(r * ldc + 8), hi[r]);
        }
    }
}

/// One row x 32 columns (two panels), split over two k-halves for 8 accumulators.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn kernel_wide(a: *const f32, pa: *const f32, pb: *const f32, k: usize, c: *mut f32) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees k values of `a`, k x 16 values in each panel and 32
    // values of `c`.
    unsafe {
        let mut acc = [_mm256_setzero_ps(); 8];
        let half = k / 2;
        for kk in 0..half {
            let x0 = _mm256_broadcast_ss(&*a.add(kk));
            let x1 = _mm256_broadcast_ss(&*a.add(kk + half));
            let o0 = kk * PANEL;
            let o1 = (kk + half) * PANEL;
            acc[0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pa.add(o0)), acc[0]);
            acc[1] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pa.add(o0 + 8)), acc[1]);
            acc[2] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pb.add(o0)), acc[2]);
            acc[3] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pb.add(o0 + 8)), acc[3]);
            acc[4] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(pa.add(o1)), acc[4]);
            acc[5] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(pa.add(o1 + 8)), acc[5]);
            acc[6] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(pb.add(o1)), acc[6]);
            acc[7] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(pb.add(o1 + 8)), acc[7]);
        }
        for kk in 2 * half..k {
            let x0 = _mm256_broadcast_ss(&*a.add(kk));
            let o0 = kk * PANEL;
            acc[0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pa.add(o0)), acc[0]);
            acc[1] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pa.add(o0 + 8)), acc[1]);
            acc[2] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pb.add(o0)), acc[2]);
            acc[3] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(pb.add(o0 + 8)), acc[3]);
        }
        for (j, off) in [0usize, 8, 16, 24].iter().enumerate() {
            let sum = _mm256_add_ps(acc[j], acc[j + 4]);
            let cp = c.add(*off);
            _mm256_storeu_ps(cp, _mm256_add_ps(_mm256_loadu_ps(cp), sum));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive() {
        for m in [1, 2, 13] {
            check(m, 48, 37);
            check(m, 64, 256);
        }
    }

    fn check(m: usize, n: usize, k: usize) {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 5 % 13) as f32 - 6.0) / 4.0)
            .collect();
        let packed = PackedWeight::pack(&w, n, k).expect("pack");
        let mut c = vec![1f32; m * n];
        gemm_acc(&a, &packed, &mut c);
        let mut c2 = vec![1f32; m * n];
        gemm_portable(&a, &packed, &mut c2, m);
        for r in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|kk| a[r * k + kk] * w[j * k + kk]).sum::<f32>();
                assert!(
                    (c[r * n + j] - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "{r} {j}"
                );
                assert!(
                    (c2[r * n + j] - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "{r} {j}"
                );
            }
        }
    }
}
