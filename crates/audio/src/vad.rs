//! Voice activity detection: the [`Vad`] trait, the energy-based fallback [`EnergyVad`], and
//! [`default_vad`] which picks Silero (see `silero.rs`) when it loads.
//!
//! A VAD scores fixed frames of [`FRAME`] = 512 samples (32 ms at 16 kHz) with a speech
//! probability in [0, 1]. It is stateful (Silero carries an LSTM state and 64 samples of
//! context), so frames must be fed in order; [`Vad::reset`] starts a new stream.

use anyhow::Result;

use super::silero::SileroVad;

/// Samples per VAD frame (32 ms at 16 kHz).
pub const FRAME: usize = 512;

/// A frame-level speech detector over 16 kHz mono audio.
pub trait Vad: Send {
    /// Speech probability of the next 512-sample frame, in [0, 1]. Frames must come in order.
    /// A shorter frame is zero-padded and a longer one cut to 512 samples; never panics.
    fn speech_probability(&mut self, frame: &[f32]) -> f32;

    /// Speech probabilities of consecutive frames, `frames.len() / FRAME` of them (a shorter
    /// tail counts as one more, zero-padded), appended to `out`. The same results as calling
    /// [`Vad::speech_probability`] frame by frame; detectors that can score a batch faster
    /// (Silero) override it.
    fn speech_probabilities(&mut self, frames: &[f32], out: &mut Vec<f32>) {
        for frame in frames.chunks(FRAME) {
            let p = self.speech_probability(frame);
            out.push(p);
        }
    }

    /// Forget all state: the next frame starts a new stream.
    fn reset(&mut self);

    /// Short name for logs ("silero-v6", "energy").
    fn name(&self) -> &'static str;
}

impl<V: Vad + ?Sized> Vad for Box<V> {
    fn speech_probability(&mut self, frame: &[f32]) -> f32 {
        (**self).speech_probability(frame)
    }
    fn speech_probabilities(&mut self, frames: &[f32], out: &mut Vec<f32>) {
        (**self).speech_probabilities(frames, out)
    }
    fn reset(&mut self) {
        (**self).reset()
    }
    fn name(&self) -> &'static str {
        (**self).name()
    }
}

/// Which detector to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VadKind {
    /// Silero VAD v6 (the default; robust to noise, music, clicks).
    #[default]
    Silero,
    /// Energy with an adaptive noise floor (fallback; fine for quiet rooms).
    Energy,
}

impl std::str::FromStr for VadKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "silero" => Ok(VadKind::Silero),
            "energy" | "energie" => Ok(VadKind::Energy),
            other => anyhow::bail!(
                "onbekende VAD '{other}' (kies silero of energy) / unknown VAD '{other}' (choose silero or energy)"
            ),
        }
    }
}

/// A ready VAD of the given kind. Silero uses the embedded weights; if they fail to load
/// (a broken build) this logs a warning and returns the energy VAD instead.
pub fn default_vad(kind: VadKind) -> Box<dyn Vad> {
    match kind {
        VadKind::Silero => match SileroVad::bundled() {
            Ok(v) => Box::new(v),
            Err(e) => {
                tracing::warn!(
                    "Silero VAD niet beschikbaar, energie-VAD gebruikt / Silero VAD unavailable, using energy VAD: {e:#}"
                );
                Box::new(EnergyVad::default())
            }
        },
        VadKind::Energy => Box::new(EnergyVad::default()),
    }
}

/// Settings of [`EnergyVad`], in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyVadConfig {
    /// Frames quieter than this (dBFS RMS) are never speech.
    pub gate_dbfs: f32,
    /// Level above the noise floor where the probability is 0.5.
    pub margin_db: f32,
    /// Width of the soft threshold: +/- this many dB moves the probability to ~0.27/0.73.
    pub slope_db: f32,
    /// The noise floor is the quietest frame of this many most recent seconds: long enough
    /// to span pauses between words, short enough to follow a change of room noise.
    pub floor_window_s: f32,
}

impl Default for EnergyVadConfig {
    fn default() -> Self {
        EnergyVadConfig {
            gate_dbfs: -55.0,
            margin_db: 10.0,
            slope_db: 2.0,
            floor_window_s: 5.0,
        }
    }
}

/// Energy-based VAD with an adaptive noise floor (minimum statistics: the quietest frame of
/// the last few seconds): the probability is a soft step of the frame level above the floor.
/// Cheap and dependency-free; fooled by noise bursts (doors, music) that Silero ignores, and a
/// sound without any dip for longer than the floor window (a held tone) fades to non-speech.
#[derive(Debug, Clone)]
pub struct EnergyVad {
    config: EnergyVadConfig,
    history: std::collections::VecDeque<f32>,
    floor_db: Option<f32>,
}

impl Default for EnergyVad {
    fn default() -> Self {
        EnergyVad::new(EnergyVadConfig::default())
    }
}

impl EnergyVad {
    /// An energy VAD with the given settings.
    pub fn new(config: EnergyVadConfig) -> EnergyVad {
        EnergyVad {
            config,
            history: std::collections::VecDeque::new(),
            floor_db: None,
        }
    }

    /// The current noise floor estimate in dBFS (None before the first frame).
    pub fn noise_floor_db(&self) -> Option<f32> {
        self.floor_db
    }
}

/// RMS level of a frame in dBFS (-120 for digital silence).
pub fn frame_dbfs(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return -120.0;
    }
    let sum: f64 = frame
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| f64::from(v) * f64::from(v))
        .sum();
    let rms = (sum / frame.len() as f64).sqrt();
    (20.0 * (rms + 1e-6).log10()).max(-120.0) as f32
}

impl Vad for EnergyVad {
    fn speech_probability(&mut self, frame: &[f32]) -> f32 {
        let n = frame.len().min(FRAME);
        let mut db = frame_dbfs(&frame[..n]);
        if n < FRAME && n > 0 {
            // Zero padding lowers the RMS of the whole 512-sample frame.
            db += 10.0 * (n as f32 / FRAME as f32).log10();
        }
        let c = self.config;
        let floor_min = c.gate_dbfs - c.margin_db;
        let window = ((c.floor_window_s.max(0.1) * 16_000.0 / FRAME as f32) as usize).max(1);
        self.history.push_back(db);
        while self.history.len() > window {
            self.history.pop_front();
        }
        let quietest = self.history.iter().copied().fold(f32::INFINITY, f32::min);
        // Until a full window has been seen, assume a floor no higher than -40 dBFS so that
        // speech at the very start is not taken for noise.
        let floor = if self.history.len() < window {
            quietest.min(-40.0)
        } else {
            quietest
        }
        .max(floor_min);
        self.floor_db = Some(floor);
        if db < c.gate_dbfs {
            return 0.0;
        }
        1.0 / (1.0 + (-((db - floor) - c.margin_db) / c.slope_db.max(0.1)).exp())
    }

    fn reset(&mut self) {
        self.history.clear();
        self.floor_db = None;
    }

    fn name(&self) -> &'static str {
        "energy"
    }
}

/// A VAD that replays given probabilities, one per frame (then 0). For tests of the
/// segmenter and for replaying a stored VAD track.
#[derive(Debug, Clone)]
pub struct ScriptedVad {
    probs: Vec<f32>,
    next: usize,
}

impl ScriptedVad {
    /// Replays `probs`, one per 512-sample frame.
    pub fn new(probs: Vec<f32>) -> ScriptedVad {
        ScriptedVad { probs, next: 0 }
    }
}

impl Vad for ScriptedVad {
    fn speech_probability(&mut self, _frame: &[f32]) -> f32 {
        let p = self.probs.get(self.next).copied().unwrap_or(0.0);
        self.next += 1;
        p
    }

    fn reset(&mut self) {
        self.next = 0;
    }

    fn name(&self) -> &'static str {
        "scripted"
    }
}
