//! What the microphone hears of the room, as figures, and the advice that follows from them.
//! The figures are measured by `observant_audio::room`; this module only holds them, decides
//! which problems they show (fixed thresholds, calibrated as documented on each constant) and
//! words the advice, Dutch first. Pure data and text: no audio, no clock.

use serde::{Deserialize, Serialize};

use crate::i18n::UiLang;

/// One estimate of the room over the last stretch of audio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoomEstimate {
    /// Level of the loud speech frames: the 95th percentile of 20-ms frame levels, dBFS.
    pub speech_dbfs: f32,
    /// Noise floor: the 5th percentile of the 20-ms frame levels in the speech band
    /// (125-4000 Hz), dBFS. Between words and sentences the floor is what remains.
    pub noise_dbfs: f32,
    /// Speech band level of the loud frames over the noise floor, dB.
    pub snr_db: f32,
    /// Clarity of the speech rhythm: log10 of the envelope modulation energy at 4-12 Hz
    /// (syllables) over that at 20-40 Hz, summed over 12 bands of 125-4000 Hz. Reverberation
    /// and distance smear the syllables and lower it (clean close speech about 0.7-0.8, a far
    /// talker in a reverberant room 0.3-0.5).
    pub clarity: f32,
    /// Share of samples at or near full scale (clipping).
    pub clipped: f32,
    /// Seconds of audio the estimate rests on, and how many of them held speech.
    pub seconds: f32,
    pub speech_seconds: f32,
    /// The recogniser's mean word probability over the recent lines (live only; `None`
    /// before the first line or for a recording checked without transcription). Shown, not
    /// used for the advice: on room recordings that lost half their words it stayed at
    /// 0.80-0.86, as on clean ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// Below this much speech the estimate says nothing about the room yet.
pub const MIN_SPEECH_SECONDS: f32 = 1.0;
/// Loud speech frames below this level: the microphone hears the speakers faintly.
pub const QUIET_SPEECH_DBFS: f32 = -45.0;
/// Above this share of clipped samples the input is overdriven.
pub const CLIPPED_SHARE: f32 = 0.001;
/// A speech band SNR below this is a noisy room. Calibrated on simulated rooms: this
/// measure reads about 6-7 dB above the SNR against the mean active speech level that the
/// room generator sets, so 26 dB here is about 20 dB there, where the base model's word
/// error rate rises clearly (0.40 -> 0.54 at 18 dB, `shared/data/audio-room/README.md`).
pub const NOISY_SNR_DB: f32 = 26.0;
/// Clarity below this is a reverberant room or talkers far from the microphone. Calibrated
/// on simulated rooms (RT60 0.25-0.6 s, talkers 0.4-2.6 m; 10-s windows): close talkers read
/// 0.60-0.80, far or reverberant ones 0.30-0.55.
pub const REVERBERANT_CLARITY: f32 = 0.56;

/// A problem the estimate shows, in order of what to fix first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomProblem {
    /// Not enough speech heard to judge.
    NoSpeech,
    /// The input is overdriven.
    Clipping,
    /// The speakers are faint.
    TooQuiet,
    /// Background noise covers the speech.
    Noise,
    /// Reverberation or distance smears the speech.
    Reverberation,
}

impl RoomEstimate {
    /// The problems these figures show, most urgent first; empty when the sound is good.
    pub fn problems(&self) -> Vec<RoomProblem> {
        if self.speech_seconds < MIN_SPEECH_SECONDS {
            return vec![RoomProblem::NoSpeech];
        }
        let mut out = Vec::new();
        if self.clipped > CLIPPED_SHARE {
            out.push(RoomProblem::Clipping);
        }
        if self.speech_dbfs < QUIET_SPEECH_DBFS {
            out.push(RoomProblem::TooQuiet);
        }
        if self.snr_db < NOISY_SNR_DB {
            out.push(RoomProblem::Noise);
        }
        if self.clarity < REVERBERANT_CLARITY {
            out.push(RoomProblem::Reverberation);
        }
        out
    }
}

impl RoomProblem {
    /// The name used in JSON (`"reverberation"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RoomProblem::NoSpeech => "no_speech",
            RoomProblem::Clipping => "clipping",
            RoomProblem::TooQuiet => "too_quiet",
            RoomProblem::Noise => "noise",
            RoomProblem::Reverberation => "reverberation",
        }
    }

    /// What to do about it, in plain words.
    pub fn advice(self, lang: UiLang) -> &'static str {
        match self {
            RoomProblem::NoSpeech => lang.t(
                "Nog te weinig spraak gehoord: laat een paar mensen een paar zinnen zeggen.",
                "Not enough speech heard yet: let a few people say a few sentences.",
            ),
            RoomProblem::Clipping => lang.t(
                "Het geluid is te hard en vervormt: zet het opnameniveau van de microfoon lager.",
                "The sound is too loud and distorts: turn the microphone's input level down.",
            ),
            RoomProblem::TooQuiet => lang.t(
                "De sprekers klinken zacht: zet de laptop midden op tafel, dichter bij de \
                 sprekers, of zet het opnameniveau hoger.",
                "The speakers sound faint: put the laptop in the middle of the table, closer to \
                 the speakers, or turn the input level up.",
            ),
            RoomProblem::Noise => lang.t(
                "Veel achtergrondgeluid: sluit ramen en deuren, zet de laptop weg van \
                 ventilatoren en typgeluid, of gebruik een vergadermicrofoon.",
                "A lot of background noise: close windows and doors, keep the laptop away from \
                 fans and typing, or use a conference microphone.",
            ),
            RoomProblem::Reverberation => lang.t(
                "De ruimte galmt of de sprekers zitten ver van de microfoon: zet de laptop \
                 midden op tafel, dichter bij de sprekers, of gebruik een vergadermicrofoon.",
                "The room echoes or the speakers sit far from the microphone: put the laptop in \
                 the middle of the table, closer to the speakers, or use a conference \
                 microphone.",
            ),
        }
    }

    /// A short name for a status line.
    pub fn label(self, lang: UiLang) -> &'static str {
        match self {
            RoomProblem::NoSpeech => lang.t("nog geen spraak", "no speech yet"),
            RoomProblem::Clipping => lang.t("te hard", "too loud"),
            RoomProblem::TooQuiet => lang.t("te zacht", "too faint"),
            RoomProblem::Noise => lang.t("rumoerig", "noisy"),
            RoomProblem::Reverberation => lang.t("galmend of ver weg", "echoing or far away"),
        }
    }
}

/// The advice for a set of problems, one sentence each; the all-clear when there are none.
pub fn advice(problems: &[RoomProblem], lang: UiLang) -> Vec<&'static str> {
    if problems.is_empty() {
        return vec![lang.t(
            "Het geluid is goed: de microfoon hoort de sprekers duidelijk.",
            "The sound is good: the microphone hears the speakers clearly.",
        )];
    }
    problems.iter().map(|p| p.advice(lang)).collect()
}

/// The verdict in a few words: "geluid goed", or the problems' short names.
pub fn verdict_words(problems: &[RoomProblem], lang: UiLang) -> String {
    if problems.is_empty() {
        return lang.t("geluid goed", "sound good").to_string();
    }
    let words: Vec<&str> = problems.iter().map(|p| p.label(lang)).collect();
    words.join(", ")
}

/// The figures behind the advice on one line, in the reader's number format.
pub fn figures(e: &RoomEstimate, lang: UiLang) -> String {
    let comma = |s: String| {
        if lang == UiLang::Nl {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let snr = if e.snr_db > 60.0 {
        "> 60 dB".to_string()
    } else {
        format!("{:.0} dB", e.snr_db)
    };
    let mut parts = vec![
        format!("{} {:.0} dBFS", lang.t("spraak", "speech"), e.speech_dbfs),
        format!(
            "{} {:.0} dBFS",
            lang.t("ruisvloer", "noise floor"),
            e.noise_dbfs
        ),
        format!("{} {snr}", lang.t("signaal/ruis", "signal/noise")),
        comma(format!(
            "{} {:.2}",
            lang.t("helderheid", "clarity"),
            e.clarity
        )),
    ];
    if let Some(c) = e.confidence {
        parts.push(format!(
            "{} {:.0} %",
            lang.t("herkenning zeker", "recognition sure"),
            c * 100.0
        ));
    }
    parts.push(comma(format!(
        "{:.0} s {}",
        e.speech_seconds,
        lang.t("spraak gehoord", "of speech heard")
    )));
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RoomEstimate {
        RoomEstimate {
            speech_dbfs: -20.0,
            noise_dbfs: -70.0,
            snr_db: 45.0,
            clarity: 0.75,
            clipped: 0.0,
            seconds: 20.0,
            speech_seconds: 12.0,
            confidence: None,
        }
    }

    #[test]
    fn each_problem_has_its_own_advice() {
        assert!(good().problems().is_empty());
        let cases = [
            (
                RoomEstimate {
                    speech_seconds: 0.5,
                    ..good()
                },
                RoomProblem::NoSpeech,
            ),
            (
                RoomEstimate {
                    clipped: 0.01,
                    ..good()
                },
                RoomProblem::Clipping,
            ),
            (
                RoomEstimate {
                    speech_dbfs: -55.0,
                    ..good()
                },
                RoomProblem::TooQuiet,
            ),
            (
                RoomEstimate {
                    snr_db: 15.0,
                    ..good()
                },
                RoomProblem::Noise,
            ),
            (
                RoomEstimate {
                    clarity: 0.4,
                    ..good()
                },
                RoomProblem::Reverberation,
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (estimate, problem) in cases {
            assert_eq!(estimate.problems(), vec![problem]);
            for lang in [UiLang::Nl, UiLang::En] {
                assert!(
                    seen.insert(problem.advice(lang)),
                    "{problem:?} repeats advice"
                );
            }
        }
        assert!(
            RoomProblem::Reverberation
                .advice(UiLang::Nl)
                .contains("midden op tafel")
        );
        assert!(
            RoomProblem::Noise
                .advice(UiLang::Nl)
                .contains("vergadermicrofoon")
        );
    }

    #[test]
    fn problems_are_written_by_their_names() {
        for p in [
            RoomProblem::NoSpeech,
            RoomProblem::Clipping,
            RoomProblem::TooQuiet,
            RoomProblem::Noise,
            RoomProblem::Reverberation,
        ] {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        let noisy_and_far = RoomEstimate {
            snr_db: 15.0,
            clarity: 0.4,
            ..good()
        };
        assert_eq!(
            noisy_and_far.problems(),
            vec![RoomProblem::Noise, RoomProblem::Reverberation]
        );
        assert_eq!(advice(&[], UiLang::En).len(), 1);
        assert_eq!(advice(&noisy_and_far.problems(), UiLang::Nl).len(), 2);
    }
}
