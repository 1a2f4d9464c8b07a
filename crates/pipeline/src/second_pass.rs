//! The second pass after a live session: the whole saved recording transcribed again with the
//! offline pipeline, which is slower but better than live (speech packed into full 30-s
//! windows with context instead of short segments one by one, and speakers clustered over the
//! whole recording instead of online). On `audio-nl` played live, the live path's word error
//! rate is about 0.63 and the offline path's 0.44.
//!
//! The new lines keep the session's names: each voice the second pass finds takes the name
//! of the live speaker it shares the most speech time with (each name once; a voice that
//! matches none gets a fresh `S<n>`), so names given during the session (a guest named on the
//! spot, a group member recognised) stay. [`name_like`] does that mapping and measures how
//! much speech time changed speaker. The session's own files are not rewritten: the caller
//! keeps the result beside them (review's sidecar).

use anyhow::{Context, Result, bail};

use super::offline::{OfflineOptions, transcribe_source_with_vad, vad_for};
use observant_audio::source::AudioSource;
use observant_audio::vad::default_vad;
use observant_model::transcript::{Transcript, Utterance};
use observant_speech::asr::Transcriber;
use observant_speech::asr::whisper::WhisperTranscriber;
use observant_speech::speakers::encoder::VoiceEncoder;
use observant_store::groups::is_anonymous_label;
use observant_store::session::Session;
use observant_store::session::audio_reader::SessionChannelsSource;

/// Beam width of the second pass (live and `transcribe` decode greedily). On `audio-nl`
/// beam 5 took 1.85x the time of greedy decoding for WER 0.429 against 0.441 and the first
/// word of a turn found 0.73 against 0.67: worth it when nobody waits for it.
pub const BEAM: usize = 5;

/// What the second pass produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondPass {
    /// The live transcript's participants, method, language and step marks with the new lines.
    pub transcript: Transcript,
    /// Lines live and now.
    pub live_lines: usize,
    pub lines: usize,
    /// Share of the new lines' speech time whose speaker differs from who live had speaking
    /// then (0..1).
    pub reattributed: f64,
    /// Seconds of audio transcribed.
    pub audio_seconds: f64,
    /// Microphone channels heard: 1, or each channel of an array the session kept.
    pub channels: usize,
    /// The number of voices the pass clustered into, when one was given: for this pass
    /// (`OfflineOptions::speakers`) or when the session was started
    /// (`SessionMeta::known_speakers`). `None`: estimated.
    pub voices: Option<usize>,
}

/// Transcribes the session's whole recording again (see the module docs) with the model and
/// settings of `opts`, decoding with a beam of [`BEAM`]; `live` is the session's transcript
/// as live made it.
pub fn second_pass(
    session: &Session,
    live: &Transcript,
    opts: &OfflineOptions,
) -> Result<SecondPass> {
    let mut whisper = opts.whisper.clone();
    whisper.beam_size = whisper.beam_size.max(BEAM);
    let mut transcriber = WhisperTranscriber::load(whisper)?;
    let encoder = super::offline::voice_encoder(opts)?;
    second_pass_with(session, live, &mut transcriber, encoder.as_ref(), opts)
}

/// [`second_pass`] with the transcriber and voice encoder given (tests pass fakes).
pub fn second_pass_with(
    session: &Session,
    live: &Transcript,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    opts: &OfflineOptions,
) -> Result<SecondPass> {
    if Session::is_being_recorded(&session.dir) {
        bail!(
            "deze sessie wordt nog opgenomen / this session is still being recorded: {}",
            session.dir.display()
        );
    }
    let Some(audio) = session.audio()? else {
        bail!(
            "deze sessie heeft geen opname / this session has no recording: {}",
            session.dir.display()
        );
    };
    let audio_seconds = audio.duration_seconds();
    // A microphone of several channels kept each of them: they are dereverberated together and
    // lined up as a multi-channel file is, better than the one channel live made of them.
    let (source, channels): (Box<dyn AudioSource>, usize) = match session.channel_audio()? {
        Some(chs) => {
            let s = SessionChannelsSource::new(chs, opts.dereverb)?;
            let n = s.channels();
            (Box::new(s), n)
        }
        None => (Box::new(audio.into_source_from(0)?), 1),
    };
    // One channel: the VAD hears it dereverberated where the room hides speech from it (the
    // channels of an array were dereverberated together already).
    let vad = if channels == 1 {
        let picked = vad_for(
            || {
                session
                    .audio()?
                    .context("de opname is weg / the recording is gone")?
                    .into_source_from(0)
            },
            opts,
        )?;
        picked.vad
    } else {
        default_vad(opts.vad)
    };
    // The count the session was started with holds here too: a count the user gave is the
    // number of voices, a cap stays a cap.
    let mut opts = opts.clone();
    if opts.speakers.is_none() && opts.max_speakers.is_none() {
        opts.speakers = session.meta.known_speakers;
        if opts.speakers.is_none() {
            opts.max_speakers = session.meta.max_speakers;
        }
    }
    let (fresh, _) = transcribe_source_with_vad(source, vad, transcriber, encoder, &[], &opts)?;
    let mut utterances = fresh.utterances;
    let reattributed = name_like(&live.utterances, &mut utterances);
    let transcript = Transcript {
        utterances,
        language: live.language.clone().or(fresh.language),
        ..live.clone()
    };
    Ok(SecondPass {
        live_lines: live.utterances.len(),
        lines: transcript.utterances.len(),
        transcript,
        reattributed,
        audio_seconds,
        channels,
        voices: opts.speakers,
    })
}

/// Seconds `a` and `b` overlap.
fn overlap(a: &Utterance, b: &Utterance) -> f64 {
    (a.end.min(b.end) - a.start.max(b.start)).max(0.0)
}

/// Gives the voices of `fresh` the names of `live`: each fresh label takes the live name it
/// shares the most speech time with, pairs taken greatest overlap first and each name once;
/// labels without a partner get a fresh `S<n>` no live line uses. A fresh label that is
/// already a person's name (the second pass matched a group member's voice) keeps it, and
/// no other voice takes that name. Returns the share of `fresh`'s speech time whose (new)
/// speaker differs from the live speaker at that time.
pub fn name_like(live: &[Utterance], fresh: &mut [Utterance]) -> f64 {
    let labels = |us: &[Utterance]| {
        let mut v: Vec<String> = Vec::new();
        for u in us {
            if !v.contains(&u.speaker) {
                v.push(u.speaker.clone());
            }
        }
        v
    };
    let (old, new) = (labels(live), labels(fresh));
    let mut shared = vec![vec![0.0f64; old.len()]; new.len()];
    for f in fresh.iter() {
        let i = new.iter().position(|n| *n == f.speaker).unwrap_or(0);
        for l in live {
            let j = old.iter().position(|o| *o == l.speaker).unwrap_or(0);
            shared[i][j] += overlap(f, l);
        }
    }
    let mut pairs: Vec<(usize, usize)> = (0..new.len())
        .flat_map(|i| (0..old.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| shared[i][j] > 0.0)
        .collect();
    pairs.sort_by(|a, b| shared[b.0][b.1].total_cmp(&shared[a.0][a.1]));
    let mut name: Vec<Option<String>> = new
        .iter()
        .map(|n| (!is_anonymous_label(n)).then(|| n.clone()))
        .collect();
    let mut taken: Vec<bool> = old
        .iter()
        .map(|o| new.contains(o) && !is_anonymous_label(o))
        .collect();
    for (i, j) in pairs {
        if name[i].is_none() && !taken[j] {
            name[i] = Some(old[j].clone());
            taken[j] = true;
        }
    }
    let mut next = 1;
    for n in name.iter_mut().filter(|n| n.is_none()) {
        while old.contains(&format!("S{next}")) {
            next += 1;
        }
        *n = Some(format!("S{next}"));
        next += 1;
    }
    for f in fresh.iter_mut() {
        if let Some(i) = new.iter().position(|n| *n == f.speaker) {
            f.speaker = name[i].clone().unwrap_or_default();
        }
    }
    let (mut total, mut changed) = (0.0, 0.0);
    for f in fresh.iter() {
        total += f.end - f.start;
        for l in live.iter().filter(|l| l.speaker != f.speaker) {
            changed += overlap(f, l);
        }
    }
    if total > 0.0 {
        (changed / total).min(1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(start: f64, end: f64, who: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: who.into(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    #[test]
    fn fresh_voices_take_the_live_names_they_overlap_most() {
        let live = vec![
            u(0.0, 10.0, "Anna"),
            u(10.0, 20.0, "S2"),
            // Live put Bram's second turn on Anna.
            u(20.0, 30.0, "Anna"),
        ];
        let mut fresh = vec![
            u(0.0, 10.0, "S1"),
            u(10.0, 20.0, "S2"),
            u(20.0, 30.0, "S2"),
            // A voice live never had.
            u(31.0, 33.0, "S3"),
        ];
        let share = name_like(&live, &mut fresh);
        let who: Vec<&str> = fresh.iter().map(|u| u.speaker.as_str()).collect();
        assert_eq!(who, ["Anna", "S2", "S2", "S1"]);
        // The third turn (10 of 32 s) changed speaker.
        assert!((share - 10.0 / 32.0).abs() < 1e-9, "{share}");
    }

    #[test]
    fn two_fresh_voices_never_share_one_name() {
        let live = vec![u(0.0, 20.0, "Anna")];
        let mut fresh = vec![u(0.0, 12.0, "S1"), u(12.0, 20.0, "S2")];
        name_like(&live, &mut fresh);
        assert_eq!(fresh[0].speaker, "Anna");
        assert_eq!(fresh[1].speaker, "S1");
        assert_eq!(name_like(&[], &mut []), 0.0);
    }

    #[test]
    fn voices_the_second_pass_named_from_the_group_keep_their_names() {
        // Live heard Anna and Bram as one voice, "Anna"; Piet was named on the spot.
        let live = vec![
            u(0.0, 10.0, "Anna"),
            u(10.0, 20.0, "Anna"),
            u(20.0, 30.0, "Piet"),
        ];
        // The second pass (with the group's voices) tells them apart.
        let mut fresh = vec![
            u(0.0, 10.0, "Anna"),
            u(10.0, 20.0, "Bram"),
            u(20.0, 30.0, "S1"),
        ];
        name_like(&live, &mut fresh);
        let who: Vec<&str> = fresh.iter().map(|u| u.speaker.as_str()).collect();
        assert_eq!(who, ["Anna", "Bram", "Piet"]);
        // A voice live called Anna that the group does not know is not a second Anna.
        let mut fresh = vec![u(0.0, 10.0, "Anna"), u(10.0, 20.0, "S1")];
        name_like(&live, &mut fresh);
        assert_eq!(fresh[1].speaker, "S1");
    }
}
