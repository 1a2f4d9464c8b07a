//! Speech as a room would let a table microphone hear it: a stochastic room impulse response
//! (Polack's model: the direct sound, then reflections as Gaussian noise under an exponential
//! decay that falls 60 dB in RT60; Polack, Acustica 1993; the form used to augment speaker and
//! speech models with simulated reverberation, e.g. Ko et al., ICASSP 2017) and a fast
//! convolution (FFT overlap-add). Used to give a voice print learnt from close speech
//! companions "heard in a room" (with the room's noise, [`SimulatedRoom::add_noise`]); never
//! on the audio that is recognised or saved.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex32;

/// A simulated room: how long its echo lasts and how loud it is against the direct sound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimulatedRoom {
    /// Reverberation time: seconds for the echo to fall by 60 dB.
    pub rt60_s: f32,
    /// Direct-to-reverberant ratio (dB): the direct sound's energy over the echo's. About
    /// +5 dB for a talker close to the microphone, 0 dB at the critical distance of a
    /// meeting room, negative further away.
    pub drr_db: f32,
    /// Seed of the echo's noise (the same seed gives the same response).
    pub seed: u64,
    /// The room's steady noise (ventilation, traffic, a projector's fan) as heard by the
    /// microphone: pink noise this many dB below the speech ([`SimulatedRoom::add_noise`]);
    /// `None` for a quiet room.
    pub noise_snr_db: Option<f32>,
}

/// The first reflection arrives this long after the direct sound (seconds).
const FIRST_REFLECTION_S: f32 = 0.003;

impl SimulatedRoom {
    /// The impulse response at `sample_rate`: 1.0 at time zero, then the echo's noise from
    /// [`FIRST_REFLECTION_S`] until it has fallen by 72 dB (1.2 x RT60).
    pub fn impulse_response(&self, sample_rate: u32) -> Vec<f32> {
        let sr = sample_rate as f32;
        let rt60 = self.rt60_s.max(0.01);
        let n = ((1.2 * rt60 * sr) as usize).max(2);
        let first = ((FIRST_REFLECTION_S * sr) as usize).clamp(1, n - 1);
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut h = vec![0.0f32; n];
        // ln(1e-3) = -6.908: the amplitude falls by 60 dB over rt60.
        let decay = -6.908 / (rt60 * sr);
        for (i, v) in h.iter_mut().enumerate().skip(first) {
            *v = gaussian(&mut rng) * (decay * i as f32).exp();
        }
        let tail: f64 = h.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
        if tail > 0.0 {
            let want = 10f64.powf(-f64::from(self.drr_db) / 10.0);
            let scale = (want / tail).sqrt() as f32;
            h.iter_mut().for_each(|v| *v *= scale);
        }
        h[0] = 1.0;
        h
    }

    /// `pcm` as heard in this room (see [`convolve`]), without its noise.
    pub fn apply(&self, pcm: &[f32], sample_rate: u32) -> Vec<f32> {
        convolve(pcm, &self.impulse_response(sample_rate))
    }

    /// Adds the room's noise ([`SimulatedRoom::noise_snr_db`]) to `pcm`, a stretch of speech:
    /// pink noise (Kellet's filter of white noise, -3 dB per octave as most room noise
    /// falls) at the stretch's RMS level minus the SNR. `seed` picks the noise, so that every
    /// stretch gets its own. Nothing for a quiet room or a silent stretch.
    pub fn add_noise(&self, pcm: &mut [f32], seed: u64) {
        let Some(snr) = self.noise_snr_db else {
            return;
        };
        let rms = |v: &[f32]| {
            (v.iter().map(|s| f64::from(*s) * f64::from(*s)).sum::<f64>() / v.len().max(1) as f64)
                .sqrt()
        };
        let level = rms(pcm);
        if level <= 0.0 || !level.is_finite() {
            return;
        }
        let mut rng = fastrand::Rng::with_seed(self.seed ^ seed.rotate_left(17));
        let (mut b0, mut b1, mut b2) = (0.0f32, 0.0f32, 0.0f32);
        let noise: Vec<f32> = (0..pcm.len())
            .map(|_| {
                let w = gaussian(&mut rng);
                b0 = 0.99765 * b0 + w * 0.099_046;
                b1 = 0.963 * b1 + w * 0.296_516_4;
                b2 = 0.57 * b2 + w * 1.052_691_3;
                b0 + b1 + b2 + w * 0.1848
            })
            .collect();
        let gain = (level / rms(&noise).max(1e-12) * 10f64.powf(-f64::from(snr) / 20.0)) as f32;
        for (x, n) in pcm.iter_mut().zip(noise) {
            *x += gain * n;
        }
    }
}

/// A standard normal draw (Box-Muller).
fn gaussian(rng: &mut fastrand::Rng) -> f32 {
    let u1 = rng.f32().max(f32::MIN_POSITIVE);
    let u2 = rng.f32();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// `x` convolved with `h`, cut to the length of `x` (the echo after the last sample is
/// dropped) and scaled to the RMS of `x`, so the level a voice encoder sees stays the same.
/// FFT overlap-add in blocks of twice the response's length: O(n log n).
pub fn convolve(x: &[f32], h: &[f32]) -> Vec<f32> {
    Convolver::new(h).apply(x)
}

/// [`convolve`] with one response prepared once (its transform and the FFT plans), for
/// many clips.
pub struct Convolver {
    n_fft: usize,
    taps: usize,
    fwd: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    inv: std::sync::Arc<dyn realfft::ComplexToReal<f32>>,
    spectrum: Vec<Complex32>,
}

impl Convolver {
    /// Prepares response `h`.
    pub fn new(h: &[f32]) -> Convolver {
        let n_fft = (2 * h.len()).next_power_of_two().max(64);
        let mut planner = RealFftPlanner::<f32>::new();
        let fwd = planner.plan_fft_forward(n_fft);
        let inv = planner.plan_fft_inverse(n_fft);
        let mut hbuf = vec![0.0f32; n_fft];
        hbuf[..h.len()].copy_from_slice(h);
        let mut spectrum = fwd.make_output_vec();
        // The buffers have the planner's sizes, so the transforms cannot fail.
        let _ = fwd.process(&mut hbuf, &mut spectrum);
        Convolver {
            n_fft,
            taps: h.len(),
            fwd,
            inv,
            spectrum,
        }
    }

    /// `x` convolved with the response (see [`convolve`]).
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        if x.is_empty() || self.taps == 0 {
            return x.to_vec();
        }
        let hop = self.n_fft - self.taps + 1;
        let mut out = vec![0.0f32; x.len()];
        let mut block = vec![0.0f32; self.n_fft];
        let mut spec = self.fwd.make_output_vec();
        let norm = 1.0 / self.n_fft as f32;
        for start in (0..x.len()).step_by(hop) {
            let end = (start + hop).min(x.len());
            block.fill(0.0);
            for (b, v) in block.iter_mut().zip(&x[start..end]) {
                *b = if v.is_finite() { *v } else { 0.0 };
            }
            let _ = self.fwd.process(&mut block, &mut spec);
            for (s, hs) in spec.iter_mut().zip(&self.spectrum) {
                *s *= *hs;
            }
            // The inverse wants a purely real first and last bin.
            spec[0] = Complex32::new(spec[0].re, 0.0);
            if let Some(last) = spec.last_mut() {
                *last = Complex32::new(last.re, 0.0);
            }
            let _ = self.inv.process(&mut spec, &mut block);
            for (o, b) in out[start..].iter_mut().zip(&block) {
                *o += b * norm;
            }
        }
        let rms = |v: &[f32]| {
            (v.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let (a, b) = (rms(x), rms(&out));
        if b > 0.0 && a.is_finite() {
            let g = (a / b) as f32;
            out.iter_mut().for_each(|v| *v *= g);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct_convolution(x: &[f32], h: &[f32]) -> Vec<f32> {
        (0..x.len())
            .map(|i| (0..h.len().min(i + 1)).map(|k| x[i - k] * h[k]).sum())
            .collect()
    }

    #[test]
    fn fft_convolution_equals_the_direct_sum() {
        let x: Vec<f32> = (0..5000)
            .map(|i| ((i * 7919) % 201) as f32 / 100.0 - 1.0)
            .collect();
        let h = SimulatedRoom {
            rt60_s: 0.02,
            drr_db: 0.0,
            seed: 3,
            noise_snr_db: None,
        }
        .impulse_response(16000);
        let fast = convolve(&x, &h);
        let mut slow = direct_convolution(&x, &h);
        let rms = |v: &[f32]| (v.iter().map(|s| s * s).sum::<f32>() / v.len() as f32).sqrt();
        let g = rms(&x) / rms(&slow);
        slow.iter_mut().for_each(|v| *v *= g);
        assert_eq!(fast.len(), x.len());
        let err = fast
            .iter()
            .zip(&slow)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1e-3, "largest difference {err}");
    }

    #[test]
    fn the_echo_lasts_rt60_and_has_the_asked_energy() {
        let room = SimulatedRoom {
            rt60_s: 0.5,
            drr_db: -3.0,
            seed: 1,
            noise_snr_db: None,
        };
        let h = room.impulse_response(16000);
        assert_eq!(h.len(), 9600);
        assert_eq!(h[0], 1.0);
        let tail: f32 = h[1..].iter().map(|v| v * v).sum();
        assert!((10.0 * tail.log10() - 3.0).abs() < 0.01, "echo {tail}");
        // Energy of 50-ms stretches falls about 6 dB per 50 ms (60 dB in 0.5 s).
        let e = |a: usize| h[a..a + 800].iter().map(|v| v * v).sum::<f32>();
        let fall = 10.0 * (e(1600) / e(4000)).log10();
        assert!((fall - 18.0).abs() < 4.0, "fall over 150 ms: {fall} dB");
        assert_eq!(h, room.impulse_response(16000), "same seed, same response");
    }

    #[test]
    fn room_noise_sits_the_asked_level_below_the_speech() {
        let speech: Vec<f32> = (0..32000)
            .map(|i| 0.3 * (i as f32 * 0.07).sin() * (i as f32 * 0.0011).sin())
            .collect();
        let power = |v: &[f32]| v.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
        let noisy_room = SimulatedRoom {
            rt60_s: 0.6,
            drr_db: -2.0,
            seed: 5,
            noise_snr_db: Some(15.0),
        };
        let mut heard = speech.clone();
        noisy_room.add_noise(&mut heard, 1);
        let noise: Vec<f32> = heard.iter().zip(&speech).map(|(h, s)| h - s).collect();
        let snr = 10.0 * (power(&speech) / power(&noise)).log10();
        assert!((snr - 15.0).abs() < 0.01, "SNR {snr} dB");
        // Pink: more of it in the low band than in the high one (white noise has equal
        // energy per Hz, so the first difference would carry most of it).
        let diff: Vec<f32> = noise.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(power(&diff) < 0.5 * power(&noise), "not pink");
        // Each stretch its own noise, the same one every time.
        let mut again = speech.clone();
        noisy_room.add_noise(&mut again, 1);
        assert_eq!(again, heard);
        let mut other = speech.clone();
        noisy_room.add_noise(&mut other, 2);
        assert_ne!(other, heard);
        // A quiet room and a silent stretch are left as they are.
        let quiet = SimulatedRoom {
            noise_snr_db: None,
            ..noisy_room
        };
        let mut unchanged = speech.clone();
        quiet.add_noise(&mut unchanged, 1);
        assert_eq!(unchanged, speech);
        let mut silence = vec![0.0f32; 1000];
        noisy_room.add_noise(&mut silence, 1);
        assert!(silence.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn a_click_becomes_an_echo_that_keeps_the_level() {
        let mut x = vec![0.0f32; 16000];
        x[100] = 1.0;
        let y = SimulatedRoom {
            rt60_s: 0.4,
            drr_db: 0.0,
            seed: 9,
            noise_snr_db: None,
        }
        .apply(&x, 16000);
        let late: f32 = y[100 + 1600..100 + 4800].iter().map(|v| v * v).sum();
        assert!(late > 0.0, "no echo 0.1-0.3 s after the click");
        let rms = |v: &[f32]| v.iter().map(|s| s * s).sum::<f32>().sqrt();
        assert!((rms(&y) - rms(&x)).abs() < 1e-4);
        assert!(
            y[..100].iter().all(|v| v.abs() < 1e-5),
            "nothing before the click"
        );
    }
}
