//! Fuzz target: any bytes as a recording ([`AudioFile::from_bytes`], the same code path as a
//! file on disk: our RIFF walk, hound, symphonia's probes and decoders, the resampler).
//! The first byte picks the name's extension (a format hint); the rest is the file.
//! Checks: no panic escapes (decoder panics are caught by the product, see below), errors
//! on one line, only finite samples, bounded output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use observant::audio::AudioFile;

const NAMES: [&str; 6] = [
    "fuzz.wav",
    "fuzz.mp3",
    "fuzz.m4a",
    "fuzz.ogg",
    "fuzz.flac",
    "fuzz",
];
/// Stop reading after this many 16 kHz samples (10 minutes of audio).
const MAX_SAMPLES: usize = 16_000 * 600;

fn one_line(e: &anyhow::Error) {
    let msg = format!("{e:#}");
    assert!(!msg.contains('\n'), "multi-line error: {msg}");
}

fuzz_target!(
    init: {
        // The product runs the third-party decoders under `catch_unwind` and turns their
        // panics into a one-line error (see `audio::decode`); libfuzzer-sys's hook would abort
        // before that. Keep the message, do not abort: a panic that escapes `from_bytes` or
        // `read_chunk` still aborts in libfuzzer-sys's own wrapper, so it is still a crash.
        std::panic::set_hook(Box::new(|info| {
            eprintln!("panic (caught by the decoder guard unless the run aborts): {info}");
        }));
    },
    |data: &[u8]| {
        let Some((&sel, body)) = data.split_first() else {
            return;
        };
        let name = NAMES[usize::from(sel) % NAMES.len()];
        let mut file = match AudioFile::from_bytes(name, body) {
            Ok(f) => f,
            Err(e) => return one_line(&e),
        };
        let info = file.info().clone();
        let _ = (info.duration_seconds(), info.samples_16k());
        let mut chunk = Vec::new();
        let mut total = 0usize;
        loop {
            match file.read_chunk(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    assert!(chunk.iter().all(|s| s.is_finite()), "non-finite sample");
                    total += n;
                    if total > MAX_SAMPLES {
                        break;
                    }
                }
                Err(e) => return one_line(&e),
            }
        }
    }
);
