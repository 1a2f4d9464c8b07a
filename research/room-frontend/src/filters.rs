//! Cheap time-domain conditioning: a high-pass against table rumble and handling noise, and
//! level control before recognition.
//!
//! * [`Biquad::highpass`]: 2nd-order Butterworth high-pass (RBJ Audio EQ Cookbook,
//!   transposed direct form II), streaming.
//! * [`Agc`]: slow automatic gain control toward a target speech level, with a noise-floor
//!   tracker so that pauses are not amplified, and a soft peak limit; streaming.
//! * [`normalize_speech_level`]: the offline equivalent, one gain for the whole recording
//!   (speech level taken as the 90th percentile of 20 ms frame levels, as in ITU-T P.56 spirit).

/// One biquad section with state.
#[derive(Clone, Debug)]
pub struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    z: [f32; 2],
}

impl Biquad {
    /// Butterworth high-pass at `cutoff_hz` for sample rate `fs`.
    pub fn highpass(cutoff_hz: f32, fs: f32) -> Self {
        let w0 = 2.0 * std::f32::consts::PI * cutoff_hz / fs;
        let alpha = w0.sin() / (2.0 * std::f32::consts::FRAC_1_SQRT_2);
        let c = w0.cos();
        let a0 = 1.0 + alpha;
        Self {
            b: [(1.0 + c) / 2.0 / a0, -(1.0 + c) / a0, (1.0 + c) / 2.0 / a0],
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    /// Filters `x` in place.
    pub fn process(&mut self, x: &mut [f32]) {
        for s in x {
            let y = self.b[0] * *s + self.z[0];
            self.z[0] = self.b[1] * *s - self.a[0] * y + self.z[1];
            self.z[1] = self.b[2] * *s - self.a[1] * y;
            *s = y;
        }
    }
}

/// Frame length for level measurement (20 ms).
const LEVEL_FRAME: usize = 320;

/// One gain for the whole recording so that the speech level (90th percentile of 20 ms frame
/// RMS) sits at `target_dbfs`; the gain is limited to `max_gain_db` and peaks to -1 dBFS.
pub fn normalize_speech_level(x: &mut [f32], target_dbfs: f32, max_gain_db: f32) {
    let mut levels: Vec<f32> = x
        .chunks(LEVEL_FRAME)
        .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    if levels.is_empty() {
        return;
    }
    levels.sort_by(f32::total_cmp);
    let speech = levels[levels.len() * 9 / 10].max(1e-6);
    let mut gain = 10f32.powf(target_dbfs / 20.0) / speech;
    gain = gain.min(10f32.powf(max_gain_db / 20.0));
    let peak = x.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-9);
    gain = gain.min(0.89 / peak);
    x.iter_mut().for_each(|s| *s *= gain);
}

/// Slow streaming AGC.
#[derive(Clone, Debug)]
pub struct Agc {
    target: f32,
    max_gain: f32,
    gain: f32,
    speech_level: f32,
    noise_floor: f32,
}

impl Agc {
    /// AGC toward `target_dbfs` speech level, gain at most `max_gain_db`.
    pub fn new(target_dbfs: f32, max_gain_db: f32) -> Self {
        Self {
            target: 10f32.powf(target_dbfs / 20.0),
            max_gain: 10f32.powf(max_gain_db / 20.0),
            gain: 1.0,
            speech_level: 0.0,
            noise_floor: 0.0,
        }
    }

    /// Processes `x` in place (any block length).
    pub fn process(&mut self, x: &mut [f32]) {
        for c in x.chunks_mut(LEVEL_FRAME) {
            let rms = (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt() + 1e-9;
            // Noise floor: quick down, slow up.
            self.noise_floor = if self.noise_floor == 0.0 {
                rms
            } else {
                (self.noise_floor * 1.002).min(rms.max(self.noise_floor * 0.95))
            };
            if rms > 3.0 * self.noise_floor {
                // Speech frame: track its level with ~2 s time constant (frames of 20 ms).
                self.speech_level = if self.speech_level == 0.0 {
                    rms
                } else {
                    self.speech_level + (rms - self.speech_level) * 0.01
                };
            }
            let want = if self.speech_level > 0.0 {
                (self.target / self.speech_level).min(self.max_gain)
            } else {
                1.0
            };
            let start = self.gain;
            let n = c.len() as f32;
            for (i, s) in c.iter_mut().enumerate() {
                let g = start + (want - start) * 0.05 * (i as f32 + 1.0) / n;
                let y = *s * g;
                // Soft limit above -3 dBFS.
                *s = if y.abs() > 0.7 {
                    y.signum() * (0.7 + 0.29 * ((y.abs() - 0.7) / 0.29).tanh())
                } else {
                    y
                };
            }
            self.gain = start + (want - start) * 0.05;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f32, amp: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * std::f32::consts::PI * hz * i as f32 / 16000.0).sin())
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn highpass_removes_rumble_keeps_speech_band() {
        let mut low = tone(30.0, 0.5, 32000);
        let mut mid = tone(1000.0, 0.5, 32000);
        Biquad::highpass(90.0, 16000.0).process(&mut low);
        Biquad::highpass(90.0, 16000.0).process(&mut mid);
        assert!(
            rms(&low[16000..]) < 0.5 * 0.707 * 0.15,
            "30 Hz kept {}",
            rms(&low[16000..])
        );
        assert!((rms(&mid[16000..]) / (0.5 * 0.707) - 1.0).abs() < 0.02);
    }

    #[test]
    fn level_normalisation_and_agc_reach_the_target() {
        // Quiet "speech": a 300 Hz tone in 0.5 s bursts at -40 dBFS over a -70 dBFS floor.
        let mut x: Vec<f32> = tone(300.0, 0.01 * 1.414, 16000 * 20)
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if (i / 8000) % 2 == 0 {
                    *s
                } else {
                    0.0003 * s.signum()
                }
            })
            .collect();
        let mut y = x.clone();
        normalize_speech_level(&mut x, -20.0, 30.0);
        let lvl = 20.0 * rms(&x[..8000]).log10();
        assert!((lvl + 20.0).abs() < 1.0, "normalised to {lvl} dBFS");
        Agc::new(-20.0, 30.0).process(&mut y);
        let lvl = 20.0 * rms(&y[16000 * 18..16000 * 18 + 8000]).log10();
        assert!((lvl + 20.0).abs() < 2.0, "AGC settled at {lvl} dBFS");
    }
}
