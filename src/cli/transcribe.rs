//! `observant transcribe FILE`: a recording in, a speaker-attributed transcript out
//! (JSON in the contract's transcript format, WebVTT, SRT or plain text).

use std::io::Write;

use anyhow::Context;

use super::{TranscribeArgs, TranscriptFormat};
use crate::pipeline::offline;
use crate::transcript::export;

pub fn run(a: &TranscribeArgs, verbose: bool) -> anyhow::Result<()> {
    if crate::session::Session::is_session_dir(&a.input) {
        let secret = crate::session::Secret::resolve(a.passphrase_file.as_deref())?;
        let mut t = crate::session::Session::open_opt(&a.input, secret.as_ref())?.transcript();
        if a.pseudonymize {
            crate::transcript::pseudonymize(&mut t);
        }
        return write_out(a, &t);
    }
    let opts = offline::options_from_cli(&a.speech, verbose)?;
    let (mut t, stats) = offline::transcribe_file(&a.input, &opts)?;
    if a.pseudonymize {
        crate::transcript::pseudonymize(&mut t);
    }
    write_out(a, &t)?;
    if a.stats || verbose {
        let rtf = |s: f64| {
            if s > 0.0 {
                stats.audio_seconds / s
            } else {
                f64::INFINITY
            }
        };
        eprintln!(
            "observant: {:.1} s audio ({:.1} s speech, {} segments) in {:.2} s = {:.1}x real time | decode+VAD {:.2} s, whisper {:.2} s, speakers {:.2} s | model {} | language {}",
            stats.audio_seconds,
            stats.speech_seconds,
            stats.segments,
            stats.total_seconds,
            rtf(stats.total_seconds),
            stats.decode_vad_seconds,
            stats.asr_seconds,
            stats.speaker_seconds,
            stats.model,
            stats.language.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

/// Writes the transcript in the asked format to `-o FILE` or stdout.
fn write_out(a: &TranscribeArgs, t: &crate::transcript::Transcript) -> anyhow::Result<()> {
    let out = match a.format {
        TranscriptFormat::Json => export::to_json(t) + "\n",
        TranscriptFormat::Vtt => export::to_vtt(t),
        TranscriptFormat::Srt => export::to_srt(t),
        TranscriptFormat::Text => export::to_text(t),
    };
    match &a.output {
        Some(p) => crate::session::write_atomic(p, out.as_bytes())?,
        None => {
            let mut so = std::io::stdout().lock();
            if let Err(e) = so.write_all(out.as_bytes()).and_then(|_| so.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e).context("stdout");
            }
        }
    }
    Ok(())
}
