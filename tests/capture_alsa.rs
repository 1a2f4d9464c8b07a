//! Drives the real cpal capture path without a sound card: ALSA's `file` plugin plays a raw
//! 16 kHz S16_LE file (made here from the real-speech fixture) as the default capture
//! device, and the samples that come out of `DeviceSource` must equal the fixture's bit for
//! bit. The device takes any channel count, so capture asks for its default's two; the file
//! holds the fixture on both channels (a mono microphone as a sound server hands it over),
//! and the beamformer must pass it through unchanged; the two channels kept for the session
//! must be the file's, bit for bit.
//!
//! `ALSA_CONFIG_PATH` has to be set before anything touches ALSA in the process, so this file
//! holds exactly one test (each integration test file is its own process).

use std::path::Path;
use std::time::{Duration, Instant};

use observant::audio::{AudioSource, Capture, CaptureOptions, SourceRead, list_input_devices};

#[test]
fn alsa_file_plugin_capture_is_bit_exact() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/nl-cabin1-clip.wav");
    let mut reader = hound::WavReader::open(&fixture).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (16000, 1, 16)
    );
    let pcm: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();

    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("input.raw");
    // The file plugin does not deliver zeros after the end of its input: it keeps returning
    // stale ring-buffer contents (arecord shows the same). So the raw file ends in one second
    // of digital silence of its own, and only the file's length is compared.
    let mut pcm = pcm;
    pcm.extend(std::iter::repeat_n(0i16, 16000));
    let bytes: Vec<u8> = pcm
        .iter()
        .flat_map(|s| [s.to_le_bytes(), s.to_le_bytes()])
        .flatten()
        .collect();
    std::fs::write(&raw, bytes).unwrap();
    // What the plugin "records" goes to a file of its own, not to /dev/null: where /dev/null
    // is a plain file (some sandboxes and CI runners), the captured PCM landed in it and every
    // later `rustc -` probe read binary from its stdin (the stop-34 CI failure).
    let sink = dir.path().join("output.raw");
    let conf = dir.path().join("asound.conf");
    std::fs::write(
        &conf,
        format!(
            "</usr/share/alsa/alsa.conf>\n\
             pcm.!default {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  infile \"{}\"\n  format \"raw\"\n}}\n",
            sink.display(),
            raw.display()
        ),
    )
    .unwrap();
    // SAFETY: this is the only test in this process, and nothing else runs yet.
    unsafe { std::env::set_var("ALSA_CONFIG_PATH", &conf) };

    let devices = list_input_devices().unwrap();
    assert!(devices.iter().any(|d| d.is_default), "{devices:?}");

    let capture = Capture::start(&CaptureOptions::default()).unwrap();
    let info = capture.info().clone();
    assert_eq!(info.sample_rate, 16000, "{info:?}");
    assert_eq!(info.channels, 2, "{info:?}");
    assert_eq!(info.sample_format, "i16", "{info:?}");
    assert!(info.converting);
    let meter = capture.level_meter();
    let events = capture.events();
    let mut source = capture.into_source().unwrap().keep_channels(true).unwrap();
    assert!(!source.describe().is_empty());
    // Both channels are also kept as they were heard, for the session to save.
    assert_eq!(source.kept_channels(), 2);
    let mut kept: Vec<f32> = Vec::new();
    let mut frames = Vec::new();

    // The null slave is not paced: the whole file arrives at once (then stale data).
    let want = pcm.len();
    let mut got: Vec<f32> = Vec::with_capacity(want + 100_000);
    let mut buf = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut level_polls = 0usize;
    while got.len() < want {
        assert!(
            Instant::now() < deadline,
            "only {} of {want} samples",
            got.len()
        );
        let read = source.read(&mut buf).unwrap();
        source.take_channels(&mut frames);
        kept.extend_from_slice(&frames);
        match read {
            SourceRead::Samples(_) => got.extend_from_slice(&buf),
            SourceRead::Pending => {}
            SourceRead::End => panic!("capture ended early"),
        }
        // The meter is readable at any time (values depend on timing under the flood).
        let level = meter.level();
        assert!(level.peak >= 0.0 && level.rms_dbfs() <= 0.0);
        level_polls += 1;
    }
    let stats = source.capture().stats();
    source.stop();

    // Bit-exact: every captured sample is the file's sample / 32768.
    let mismatches = pcm
        .iter()
        .zip(&got)
        .enumerate()
        .filter(|(_, (p, g))| f32::from(**p) / 32768.0 != **g)
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first at {}",
        mismatches.len(),
        mismatches[0]
    );
    // And each kept channel is the file's channel, bit for bit.
    assert!(
        kept.len() >= 2 * want,
        "{} kept of {}",
        kept.len(),
        2 * want
    );
    let kept_off = pcm
        .iter()
        .zip(kept.chunks_exact(2))
        .filter(|(p, f)| f[0] != f32::from(**p) / 32768.0 || f[1] != f[0])
        .count();
    assert_eq!(kept_off, 0, "kept channels differ from the file");
    // The flood may overflow the queue long after the file; never within it.
    assert!(
        stats.dropped_frames == 0 || stats.captured_frames >= pcm.len() as u64,
        "{stats:?}"
    );
    assert!(level_polls > 0);
    let evs: Vec<_> = events.try_iter().collect();
    assert!(
        !evs.iter()
            .any(|e| matches!(e, observant::audio::CaptureEvent::Failed(_))),
        "{evs:?}"
    );
    // After stop, the rest of the queue drains and the source ends.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "source did not end after stop");
        if source.read(&mut buf).unwrap() == SourceRead::End {
            break;
        }
    }
}
