//! Recovery of a live session that was cut off (app killed, machine crashed, power lost).
//!
//! The live pipeline writes audio to disk before it transcribes it, so after a crash the
//! session's audio usually runs on past its last transcribed utterance (Whisper's lag at the
//! moment of the crash). [`recover`] transcribes exactly that tail with the offline pipeline,
//! gives its speakers the session's names (each speaker's voice is learned from their own
//! lines in the session, as an enrollment would), appends the new lines to the session's
//! journal (encrypted when the session is) and marks the transcript complete. Nothing that
//! was already in the session is changed.

use anyhow::{Context, Result, bail};

use super::offline::{OfflineOptions, transcribe_source};
use observant_speech::asr::Transcriber;
use observant_speech::asr::whisper::WhisperTranscriber;
use observant_speech::speakers::encoder::{Embedding, VoiceEncoder};
use observant_store::session::{Entry, Session};

/// A tail shorter than this is not worth a Whisper run (it is the pause after the last line).
pub const MIN_TAIL_SECONDS: f64 = 1.0;
/// Seconds of each speaker's own lines used to learn their voice.
const VOICE_SECONDS: f64 = 40.0;

/// What a recovery found and did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Recovery {
    /// Where the untranscribed audio began (end of the last line), seconds.
    pub from_seconds: f64,
    /// Length of the session's audio, seconds.
    pub audio_seconds: f64,
    /// Lines added to the session.
    pub added_utterances: usize,
}

/// The untranscribed stretch of a session's audio, `(from, to)` in seconds, when it is at
/// least [`MIN_TAIL_SECONDS`] long; `None` when there is no audio or nothing is missing.
pub fn missing_tail(session: &Session) -> Result<Option<(f64, f64)>> {
    let Some(audio) = session.audio()? else {
        return Ok(None);
    };
    let to = audio.duration_seconds();
    let from = last_line_end(session);
    Ok((to - from >= MIN_TAIL_SECONDS).then_some((from, to)))
}

fn last_line_end(session: &Session) -> f64 {
    session.utterances.iter().map(|u| u.end).fold(0.0, f64::max)
}

/// Transcribes the session's untranscribed tail with the bundled (or chosen) Whisper model
/// and voice encoder, and appends it to the session (see the module docs). Refuses a session
/// that is still being recorded; a complete session is only marked so.
pub fn recover(session: &mut Session, opts: &OfflineOptions) -> Result<Recovery> {
    if missing_tail(session)?.is_none() {
        return recover_with(session, &mut NothingToHear, None, opts);
    }
    let mut transcriber = WhisperTranscriber::load(opts.whisper.clone())?;
    let encoder = if opts.diarize {
        Some(VoiceEncoder::load_default().context("stemmodel / voice model")?)
    } else {
        None
    };
    recover_with(session, &mut transcriber, encoder.as_ref(), opts)
}

/// [`recover`] with the transcriber and voice encoder given (tests pass fakes).
pub fn recover_with(
    session: &mut Session,
    transcriber: &mut dyn Transcriber,
    encoder: Option<&VoiceEncoder>,
    opts: &OfflineOptions,
) -> Result<Recovery> {
    refuse_if_recording(session)?;
    let mut out = Recovery {
        from_seconds: last_line_end(session),
        ..Default::default()
    };
    let Some(mut audio) = session.audio()? else {
        observant_store::session::mark_transcribed(&session.dir)?;
        return Ok(out);
    };
    out.audio_seconds = audio.duration_seconds();
    if out.audio_seconds - out.from_seconds < MIN_TAIL_SECONDS {
        observant_store::session::mark_transcribed(&session.dir)?;
        return Ok(out);
    }
    let rate = f64::from(audio.sample_rate());
    let voices = match encoder {
        Some(enc) => session_voices(session, &mut audio, enc)?,
        None => Vec::new(),
    };
    let start = (out.from_seconds * rate).floor() as u64;
    let source = audio.into_source_from(start)?;
    let (tail, _) = transcribe_source(source, transcriber, encoder, &voices, opts)?;
    let offset = start as f64 / rate;
    let mut journal = session.journal_for_append()?;
    for mut u in tail.utterances {
        u.start += offset;
        u.end += offset;
        let index = session.utterances.len();
        journal.append(&Entry::Utterance {
            index,
            utterance: u.clone(),
        })?;
        session.utterances.push(u);
        out.added_utterances += 1;
    }
    journal.append(&Entry::Audio {
        seconds: out.audio_seconds,
    })?;
    journal.flush()?;
    session.captured_seconds = out.audio_seconds;
    observant_store::session::mark_transcribed(&session.dir)?;
    Ok(out)
}

fn refuse_if_recording(session: &Session) -> Result<()> {
    if Session::is_being_recorded(&session.dir) {
        bail!(
            "deze sessie wordt nog opgenomen / this session is still being recorded: {}",
            session.dir.display()
        );
    }
    Ok(())
}

/// Stands in for Whisper when there is nothing to transcribe (no model is loaded then).
struct NothingToHear;

impl Transcriber for NothingToHear {
    fn transcribe(&mut self, _pcm: &[f32]) -> Result<Vec<observant_speech::asr::AsrSegment>> {
        Ok(Vec::new())
    }
    fn describe(&self) -> String {
        "none".into()
    }
    fn language(&self) -> Option<String> {
        None
    }
}

/// Each speaker's voice, learned from up to [`VOICE_SECONDS`] of their own lines (the longest
/// first, lines under a second skipped), for naming the tail's speakers like the session's.
fn session_voices(
    session: &Session,
    audio: &mut observant_store::session::SessionAudio,
    encoder: &VoiceEncoder,
) -> Result<Vec<(String, Embedding)>> {
    let rate = f64::from(audio.sample_rate());
    let mut names: Vec<&str> = session
        .utterances
        .iter()
        .map(|u| u.speaker.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut voices = Vec::new();
    for name in names {
        let mut lines: Vec<_> = session
            .utterances
            .iter()
            .filter(|u| u.speaker == name && u.end - u.start >= 1.0)
            .collect();
        lines.sort_by(|a, b| (b.end - b.start).total_cmp(&(a.end - a.start)));
        let mut pcm: Vec<f32> = Vec::new();
        for u in lines {
            if pcm.len() as f64 >= VOICE_SECONDS * rate {
                break;
            }
            let a = (u.start * rate) as u64;
            let n = ((u.end - u.start) * rate) as usize;
            let mut buf = vec![0.0f32; n];
            let got = audio.read(a, &mut buf)?;
            pcm.extend_from_slice(&buf[..got]);
        }
        if pcm.len() as f64 >= rate {
            voices.push((name.to_string(), encoder.embed_utterance(&pcm)));
        }
    }
    Ok(voices)
}
