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
        let session = crate::session::Session::open_opt(&a.input, secret.as_ref())?;
        if let Some(out) = &a.export_audio {
            export_audio(&session, out)?;
        }
        let mut t = session.transcript();
        if a.pseudonymize {
            crate::transcript::pseudonymize(&mut t);
        }
        return write_out(a, &t);
    }
    anyhow::ensure!(
        a.export_audio.is_none(),
        "--export-audio werkt alleen voor een sessiemap / only works for a session folder"
    );
    let opts =
        offline::options_from_speech(&a.speech.options(a.passphrase_file.as_deref()), verbose)?;
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
            "observant: {:.1} s audio ({:.1} s speech, {} segments) in {:.2} s = {:.1}x real time | decode+VAD {:.2} s{}, dereverberation {:.2} s, whisper {:.2} s ({} decodings stopped early, {} windows decoded again after a loop, {} skipped runs of speech decoded again), speakers {:.2} s | model {} | language {}",
            stats.audio_seconds,
            stats.speech_seconds,
            stats.segments,
            stats.total_seconds,
            rtf(stats.total_seconds),
            stats.decode_vad_seconds,
            if stats.vad_dereverberated {
                " (the VAD heard it dereverberated: the room hid speech from it)"
            } else {
                ""
            },
            stats.dereverb_seconds,
            stats.asr_seconds,
            stats.decodings_stopped,
            stats.windows_redecoded,
            stats.skipped_redecoded,
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

/// Writes a saved session's audio (plain or encrypted) to `out` as a 16-bit WAV, the samples
/// exactly as stored. The file is created owner-only: it holds the session's audio in clear.
fn export_audio(session: &crate::session::Session, out: &std::path::Path) -> anyhow::Result<()> {
    let mut audio = session.audio()?.with_context(|| {
        format!(
            "sessie heeft geen audio / session has no audio: {}",
            session.dir.display()
        )
    })?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.sample_rate(),
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let file = crate::session::create_private(out)?;
    let mut w = hound::WavWriter::new(std::io::BufWriter::new(file), spec)
        .with_context(|| format!("schrijven mislukt / write failed: {}", out.display()))?;
    let mut buf = vec![0.0f32; 1 << 16];
    let mut offset = 0u64;
    loop {
        let n = audio.read(offset, &mut buf)?;
        if n == 0 {
            break;
        }
        for &s in &buf[..n] {
            // The reader gives stored i16 / 32768: this is the stored sample again.
            w.write_sample((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
                .with_context(|| format!("schrijven mislukt / write failed: {}", out.display()))?;
        }
        offset += n as u64;
    }
    w.finalize()
        .with_context(|| format!("schrijven mislukt / write failed: {}", out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{KdfParams, Secret, Session, SessionMeta};

    #[test]
    fn export_audio_gives_the_stored_samples_of_an_encrypted_session() {
        let root = tempfile::tempdir().unwrap();
        let secret = Secret::new("export-test")
            .unwrap()
            .with_kdf(KdfParams::INSECURE_FOR_TESTS);
        let dir = root.path().join("s");
        let (s, _j) = Session::create_in_with(&dir, SessionMeta::default(), Some(&secret)).unwrap();
        let stored: Vec<i16> = (0..40_000i32)
            .map(|i| ((i * 7919) % 65536 - 32768).max(-32767) as i16)
            .collect();
        let mut w = s.create_audio_writer(16000).unwrap();
        // The writer scales by 32767: give it the values that store as `stored`.
        let pcm: Vec<f32> = stored.iter().map(|&v| f32::from(v) / 32767.0).collect();
        w.write(&pcm).unwrap();
        w.finish().unwrap();
        drop(s);

        let back = Session::open_with(&dir, &secret).unwrap();
        let out = root.path().join("out.wav");
        export_audio(&back, &out).unwrap();
        let mut r = hound::WavReader::open(&out).unwrap();
        assert_eq!(r.spec().sample_rate, 16000);
        let got: Vec<i16> = r.samples::<i16>().map(|x| x.unwrap()).collect();
        assert_eq!(got, stored);

        // Without audio: a clear error, no file.
        let plain = root.path().join("p");
        let (p, _j) = Session::create_in(&plain, SessionMeta::default()).unwrap();
        let e = export_audio(&p, &root.path().join("none.wav"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no audio"), "{e}");
    }
}
