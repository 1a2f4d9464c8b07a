//! Voice prints from what exists: a recording (16 kHz mono) and a transcript that names its
//! speakers (a reviewed session, or a transcript file). Each named speaker's utterances are
//! embedded with the voice encoder; stretches where another speaker talks at the same time
//! are left out, and utterances whose voice is far from the speaker's own mean (a wrong
//! name, a cough, someone else's barge-in) are dropped before the final mean. Anonymous
//! labels (`S1`, `S2`, ...) teach nothing.
//!
//! A print learnt from close speech would meet the same voice in a meeting room as a laptop
//! on the table hears it, and there it scores far lower (README "Groepen / Groups"). So when
//! the recording is close (the room check's clarity), each voice also gets companions: the
//! same utterances played through [`PRINT_ROOMS`], simulated rooms ([`SimulatedRoom`]: echo,
//! and in one of them noise), embedded again. A voice heard in a real room then meets a
//! print heard in a room.

use observant_audio::reverb::{Convolver, SimulatedRoom};
use observant_audio::room::check_pcm;
use observant_model::room::REVERBERANT_CLARITY;
use observant_model::transcript::Transcript;
use observant_speech::speakers::encoder::{Embedding, VoiceEncoder};

use super::is_anonymous_label;

/// A speaker needs at least this much clean speech (seconds) for a print.
pub const MIN_LEARN_S: f32 = 3.0;
/// Utterances shorter than this (seconds) are too short for a reliable embedding.
const MIN_UTTERANCE_S: f64 = 0.8;
/// An utterance less similar than this to its speaker's first mean is dropped.
const OUTLIER_SIMILARITY: f32 = 0.55;
/// Weight cap per utterance (seconds), so one long monologue does not drown the rest.
const WEIGHT_CAP_S: f32 = 10.0;

/// The simulated rooms a print from close speech is also heard through: an ordinary
/// meeting room with the talker at about its critical distance (RT60 0.5 s, as much echo as
/// direct sound), a hard, echoing one with the talker further away (RT60 0.8 s, echo 4 dB
/// above the direct sound), and one with a steady noise floor (RT60 0.6 s, echo 2 dB above
/// the direct sound, pink noise 15 dB below the speech: ventilation or a projector's fan, as
/// a laptop on the table hears it). Generic rooms, not fitted to any recording; reverberation
/// and noise together are how speaker-embedding models are made robust to rooms
/// (multi-condition augmentation: Ko et al., ICASSP 2017; Snyder et al., ICASSP 2018). The
/// noisy room's print was added when far voices in noisy rooms (SNR 12-15 dB) met prints
/// heard only in quiet rooms too far below the naming bar (README "Groepen / Groups").
pub const PRINT_ROOMS: [SimulatedRoom; 3] = [
    SimulatedRoom {
        rt60_s: 0.5,
        drr_db: 0.0,
        seed: 0x0b5e_0001,
        noise_snr_db: None,
    },
    SimulatedRoom {
        rt60_s: 0.8,
        drr_db: -4.0,
        seed: 0x0b5e_0002,
        noise_snr_db: None,
    },
    SimulatedRoom {
        rt60_s: 0.6,
        drr_db: -2.0,
        seed: 0x0b5e_0003,
        noise_snr_db: Some(15.0),
    },
];
/// How a print heard in a simulated room names that room (stored with the print).
pub fn room_label(room: &SimulatedRoom) -> String {
    let nl = format!("{:.1}", room.rt60_s).replace('.', ",");
    let en = format!("{:.1}", room.rt60_s);
    match room.noise_snr_db {
        Some(snr) => format!(
            "gesimuleerde galm {nl} s en ruis {snr:.0} dB / simulated echo {en} s and noise {snr:.0} dB"
        ),
        None => format!("gesimuleerde galm {nl} s / simulated echo {en} s"),
    }
}

/// Speech per voice (seconds) played through each simulated room: enough for a stable
/// print, and bounded for a long session.
const ROOM_PRINT_MAX_S: f32 = 120.0;
/// Speech before an utterance that is played through the room with it (seconds), so its
/// start carries the echo of what came before, as in a real room.
const ROOM_CONTEXT_S: f64 = 0.5;
/// Length of the room check's windows over the recording (seconds).
const CLARITY_WINDOW_S: f64 = 30.0;

/// What a recording taught about one named voice.
#[derive(Clone, Debug, PartialEq)]
pub struct LearntVoice {
    pub name: String,
    pub embedding: Embedding,
    /// Seconds of speech used.
    pub seconds: f32,
    /// Utterances used and dropped as outliers.
    pub used: usize,
    pub dropped: usize,
    /// The same voice heard through each of [`PRINT_ROOMS`] (same utterances, played through
    /// the simulated room); empty when the recording is itself reverberant or far.
    pub in_rooms: Vec<Embedding>,
}

/// A named speaker that gave no print, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub name: String,
    pub seconds: f32,
}

/// Result of [`learn_voices`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Learnt {
    pub voices: Vec<LearntVoice>,
    /// Named speakers with less than [`MIN_LEARN_S`] of clean speech.
    pub too_short: Vec<Skipped>,
    /// Mean voice of the recording (plain mean of the learnt voices) when it holds at least
    /// three, else zero: what the prints are centred on when matched.
    pub background: Embedding,
    /// The same for each of [`PRINT_ROOMS`] (the mean of the voices heard in that room).
    pub room_backgrounds: Vec<Embedding>,
    /// The recording's clarity (room check, median over its windows); `None` when too short.
    pub clarity: Option<f32>,
}

/// The clean stretches (sample ranges) of each utterance: the utterance minus the parts
/// where another speaker's utterance overlaps it.
fn clean_spans(t: &Transcript, rate: f64, len: usize) -> Vec<Vec<(usize, usize)>> {
    let at = |s: f64| ((s.max(0.0) * rate) as usize).min(len);
    t.utterances
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut spans = vec![(at(u.start), at(u.end))];
            for (j, o) in t.utterances.iter().enumerate() {
                if j == i || o.speaker == u.speaker || o.end <= u.start || o.start >= u.end {
                    continue;
                }
                let (a, b) = (at(o.start), at(o.end));
                spans = spans
                    .into_iter()
                    .flat_map(|(s, e)| {
                        if b <= s || a >= e {
                            vec![(s, e)]
                        } else {
                            vec![(s, a.max(s)), (b.min(e), e)]
                        }
                    })
                    .filter(|(s, e)| e > s)
                    .collect();
            }
            spans
        })
        .collect()
}

/// Computes a voice print for every named speaker of `transcript` from `pcm_16k`, and when
/// the recording is close (clarity at least [`REVERBERANT_CLARITY`]) the same voices heard
/// through [`PRINT_ROOMS`].
pub fn learn_voices(encoder: &VoiceEncoder, pcm_16k: &[f32], transcript: &Transcript) -> Learnt {
    let clarity = check_pcm(pcm_16k, CLARITY_WINDOW_S)
        .overall
        .map(|e| e.clarity);
    let rooms: &[SimulatedRoom] = if clarity.is_some_and(|c| c >= REVERBERANT_CLARITY) {
        &PRINT_ROOMS
    } else {
        &[]
    };
    Learnt {
        clarity,
        ..learn_voices_in(encoder, pcm_16k, transcript, rooms)
    }
}

/// [`learn_voices`] with the simulated rooms given.
pub fn learn_voices_in(
    encoder: &VoiceEncoder,
    pcm_16k: &[f32],
    transcript: &Transcript,
    rooms: &[SimulatedRoom],
) -> Learnt {
    const RATE: f64 = 16000.0;
    let min_len = (MIN_UTTERANCE_S * RATE) as usize;
    let spans = clean_spans(transcript, RATE, pcm_16k.len());
    let mut names: Vec<String> = Vec::new();
    // (speaker, first sample, one past the last)
    let mut clips: Vec<(usize, usize, usize)> = Vec::new();
    for (u, spans) in transcript.utterances.iter().zip(&spans) {
        let name = u.speaker.trim();
        if is_anonymous_label(name) {
            continue;
        }
        let k = match names.iter().position(|n| n == name) {
            Some(k) => k,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        for &(s, e) in spans {
            if e - s >= min_len {
                clips.push((k, s, e));
            }
        }
    }
    let pcm: Vec<&[f32]> = clips.iter().map(|&(_, s, e)| &pcm_16k[s..e]).collect();
    let embs = encoder.embed_utterances(&pcm);
    let secs = |(_, s, e): (usize, usize, usize)| (e - s) as f32 / RATE as f32;
    let mut out = Learnt::default();
    // Per learnt voice: the clips (indices into `clips`) its print rests on.
    let mut kept_clips: Vec<Vec<usize>> = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let mine: Vec<usize> = (0..clips.len())
            .filter(|&i| clips[i].0 == k && !embs[i].is_zero())
            .collect();
        let total: f32 = mine.iter().map(|&i| secs(clips[i])).sum();
        let first = Embedding::weighted_mean(
            mine.iter()
                .map(|&i| (&embs[i], secs(clips[i]).min(WEIGHT_CAP_S))),
        );
        let kept: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|&i| embs[i].cosine(&first) >= OUTLIER_SIMILARITY)
            .collect();
        let seconds: f32 = kept.iter().map(|&i| secs(clips[i])).sum();
        if seconds < MIN_LEARN_S || first.is_zero() {
            out.too_short.push(Skipped {
                name: name.clone(),
                seconds: total,
            });
            continue;
        }
        let embedding = Embedding::weighted_mean(
            kept.iter()
                .map(|&i| (&embs[i], secs(clips[i]).min(WEIGHT_CAP_S))),
        );
        out.voices.push(LearntVoice {
            name: name.clone(),
            embedding,
            seconds,
            used: kept.len(),
            dropped: mine.len() - kept.len(),
            in_rooms: Vec::new(),
        });
        kept_clips.push(kept);
    }
    if out.voices.len() >= 3 {
        out.background =
            observant_speech::speakers::enroll::plain_mean(out.voices.iter().map(|v| &v.embedding));
    }
    if out.voices.is_empty() || rooms.is_empty() {
        return out;
    }
    // The clips each voice is heard in the rooms with: its kept clips in order, up to
    // ROOM_PRINT_MAX_S of speech.
    let chosen: Vec<Vec<usize>> = kept_clips
        .iter()
        .map(|kept| {
            let mut sum = 0.0;
            kept.iter()
                .copied()
                .take_while(|&i| {
                    let go = sum < ROOM_PRINT_MAX_S;
                    sum += secs(clips[i]);
                    go
                })
                .collect()
        })
        .collect();
    let context = (ROOM_CONTEXT_S * RATE) as usize;
    for room in rooms {
        let echo = Convolver::new(&room.impulse_response(RATE as u32));
        let heard: Vec<Vec<f32>> = chosen
            .iter()
            .flatten()
            .map(|&i| {
                let (_, s, e) = clips[i];
                let from = s.saturating_sub(context);
                let mut heard = echo.apply(&pcm_16k[from..e]).split_off(s - from);
                room.add_noise(&mut heard, i as u64);
                heard
            })
            .collect();
        let refs: Vec<&[f32]> = heard.iter().map(Vec::as_slice).collect();
        let room_embs = encoder.embed_utterances(&refs);
        let mut at = 0;
        for (v, idx) in out.voices.iter_mut().zip(&chosen) {
            let mine = &room_embs[at..at + idx.len()];
            at += idx.len();
            let e = Embedding::weighted_mean(
                mine.iter()
                    .zip(idx)
                    .filter(|(e, _)| !e.is_zero())
                    .map(|(e, &i)| (e, secs(clips[i]).min(WEIGHT_CAP_S))),
            );
            v.in_rooms.push(e);
        }
        out.room_backgrounds.push(if out.voices.len() >= 3 {
            observant_speech::speakers::enroll::plain_mean(
                out.voices.iter().filter_map(|v| v.in_rooms.last()),
            )
        } else {
            Embedding::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::Utterance;

    fn utt(start: f64, end: f64, speaker: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    #[test]
    fn overlapping_stretches_are_left_out() {
        let t = Transcript {
            utterances: vec![utt(0.0, 4.0, "A"), utt(3.0, 6.0, "B"), utt(7.0, 8.0, "A")],
            ..Transcript::default()
        };
        let spans = clean_spans(&t, 10.0, 100);
        assert_eq!(spans[0], vec![(0, 30)]);
        assert_eq!(spans[1], vec![(40, 60)]);
        assert_eq!(spans[2], vec![(70, 80)]);
    }
}
