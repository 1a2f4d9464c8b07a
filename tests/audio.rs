//! Tests of `observant::audio`: decoding every WAV flavour and the compressed formats, bad
//! input, streaming, resampling, Silero VAD against onnxruntime, the energy VAD, the
//! segmenter, the test signal, and capture without a sound card. Fixtures: tests/fixtures/audio
//! (see its README); WAV files are generated here in a temporary directory.

use std::path::{Path, PathBuf};

use observant::audio::{
    AudioFile, AudioSource, Capture, CaptureError, CaptureOptions, EnergyVad, FRAME, FileSource,
    ScriptedVad, Segmenter, SegmenterConfig, Segments, SignalPart, SileroVad, SourceRead,
    SpeechSegment, TestSignal, UnusableAudio, Vad, list_input_devices, load_16k_mono,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// Write `channels` (each the same length, in [-1, 1]) as one 16-bit WAV at `rate`.
fn write_pcm16(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for t in 0..channels[0].len() {
        for c in channels {
            w.write_sample((c[t].clamp(-1.0, 1.0) * 32767.0) as i16)
                .unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Write a WAV with hound: `channels` channels of a 440 Hz sine with per-channel amplitude.
fn write_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    bits: u16,
    float: bool,
    seconds: f64,
    amps: &[f32],
) -> usize {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let n = (seconds * f64::from(rate)) as usize;
    let full = ((1i64 << (bits - 1)) - 1) as f64;
    for i in 0..n {
        let s = (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin();
        for c in 0..channels as usize {
            let v = s * f64::from(amps[c % amps.len()]);
            if float {
                w.write_sample(v as f32).unwrap();
            } else if bits == 8 {
                w.write_sample((v * full).round() as i8).unwrap();
            } else if bits == 16 {
                w.write_sample((v * full).round() as i16).unwrap();
            } else {
                w.write_sample((v * full).round() as i32).unwrap();
            }
        }
    }
    w.finalize().unwrap();
    n
}

/// Peak amplitude and 440 Hz-ness of a 16 kHz signal, measured away from the edges.
fn tone_stats(x: &[f32]) -> (f32, f32) {
    let mid = &x[x.len() / 5..x.len() * 4 / 5];
    let rms = (mid.iter().map(|v| v * v).sum::<f32>() / mid.len() as f32).sqrt();
    // Correlation with the best-phase 440 Hz sine.
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for (i, &v) in mid.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * 440.0 * i as f64 / 16000.0;
        s += f64::from(v) * ph.sin();
        c += f64::from(v) * ph.cos();
    }
    let amp440 = 2.0 * (s * s + c * c).sqrt() / mid.len() as f64;
    (rms * std::f32::consts::SQRT_2, amp440 as f32)
}

fn expected_len(n: usize, rate: u32) -> usize {
    ((n as u64 * 16000 + u64::from(rate) / 2) / u64::from(rate)) as usize
}

#[test]
fn wav_every_bit_depth_rate_and_channel_count() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(u16, bool, u32, u16)] = &[
        (8, false, 8000, 1),
        (16, false, 16000, 1),
        (16, false, 44100, 2),
        (24, false, 48000, 2),
        (32, false, 22050, 1),
        (32, true, 96000, 6),
        (16, false, 11025, 3),
        (16, false, 7919, 1),
    ];
    for &(bits, float, rate, channels) in cases {
        let p = dir
            .path()
            .join(format!("t-{bits}-{float}-{rate}-{channels}.wav"));
        let n = write_wav(&p, rate, channels, bits, float, 0.4, &[0.5]);
        let f = AudioFile::open(&p).unwrap();
        assert_eq!(f.info().sample_rate, rate);
        assert_eq!(f.info().channels, u32::from(channels));
        assert_eq!(f.info().frames, Some(n as u64));
        let x = load_16k_mono(&p, None).unwrap();
        assert_eq!(x.len(), expected_len(n, rate), "{p:?}");
        let (peak, amp440) = tone_stats(&x);
        let tol = if bits == 8 { 0.03 } else { 0.01 };
        assert!((peak - 0.5).abs() < tol, "{p:?}: peak {peak}");
        assert!(
            (amp440 - 0.5).abs() < tol,
            "{p:?}: 440 Hz amplitude {amp440}"
        );
    }
}

#[test]
fn wav_16k_16bit_channels_that_do_not_hear_one_source_come_out_as_their_mean() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("exact.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for i in 0..20_000i32 {
        w.write_sample(((i * 37) % 30000 - 15000) as i16).unwrap();
        w.write_sample(((i * 11) % 20000 - 10000) as i16).unwrap();
    }
    w.finalize().unwrap();
    let x = load_16k_mono(&p, None).unwrap();
    assert_eq!(x.len(), 20_000);
    // Unrelated channels (not one voice at two microphones): whatever delay the beamformer
    // measures, it shifts a channel by less than 1 ms, and the result is their mean but at
    // the sawtooth's jumps.
    let (mut err, mut sig) = (0.0f64, 0.0f64);
    for (i, v) in x.iter().enumerate() {
        let i = i as i32;
        let l = ((i * 37) % 30000 - 15000) as f32 / 32768.0;
        let r = ((i * 11) % 20000 - 10000) as f32 / 32768.0;
        let mean = (l + r) * 0.5;
        err += f64::from(v - mean).powi(2);
        sig += f64::from(mean).powi(2);
    }
    assert!(
        err < 0.01 * sig,
        "error power {:.4} of the mean's",
        err / sig
    );
    // A limit cuts exactly.
    assert_eq!(load_16k_mono(&p, Some(0.5)).unwrap().len(), 8000);
}

#[test]
fn a_reverberant_two_microphone_file_loses_its_late_echo_when_dereverberation_is_on() {
    // Bursts of noise (0.2 s on, 0.3 s off) in a room: each microphone hears the direct
    // sound and an exponentially decaying tail (RT60 0.4 s). With dereverberation the gaps
    // between the bursts are quieter; the file keeps its length either way.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("room.wav");
    let n = 5 * 16_000;
    let mut x: u64 = 99;
    let mut rnd = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f32 / (1u64 << 31) as f32 * 2.0 - 1.0
    };
    let src: Vec<f32> = (0..n)
        .map(|i| if i % 8000 < 3200 { rnd() * 0.1 } else { 0.0 })
        .collect();
    let decay = (-6.9f32 / (0.4 * 16_000.0)).exp();
    let rirs: Vec<Vec<f32>> = (0..2)
        .map(|m| {
            let mut g = 0.3;
            let mut h: Vec<f32> = (0..3000)
                .map(|_| {
                    g *= decay;
                    rnd() * g
                })
                .collect();
            h[m] = 1.0;
            h
        })
        .collect();
    let mut mics = vec![vec![0.0f32; n]; 2];
    for (mic, h) in mics.iter_mut().zip(&rirs) {
        for (i, s) in src.iter().enumerate().filter(|(_, s)| **s != 0.0) {
            for (k, v) in h.iter().enumerate().take(n - i) {
                mic[i + k] += s * v;
            }
        }
    }
    write_pcm16(&p, 16_000, &mics);
    let read = |on: bool| {
        let mut f = AudioFile::open(&p).unwrap().with_dereverb(on);
        let (mut all, mut chunk) = (Vec::new(), Vec::new());
        while f.read_chunk(&mut chunk).unwrap() > 0 {
            all.extend_from_slice(&chunk);
        }
        all
    };
    let (plain, clean) = (read(false), read(true));
    assert_eq!(plain.len(), n);
    assert_eq!(clean.len(), n);
    // Energy from 60 ms after each burst to the next, relative to all (after the first second).
    let late = |y: &[f32]| {
        let (mut l, mut a) = (0.0f32, 0.0f32);
        for (i, v) in y.iter().enumerate().skip(16_000) {
            a += v * v;
            if i % 8000 >= 3200 + 960 {
                l += v * v;
            }
        }
        l / a
    };
    assert!(
        late(&clean) < late(&plain) * 0.7,
        "late echo {} -> {}",
        late(&plain),
        late(&clean)
    );
}

#[test]
fn a_file_says_whether_its_channels_were_dereverberated_so_whisper_does_not_get_it_twice() {
    // Several microphones are dereverberated together before they become one, and the
    // offline path then leaves the one channel alone; one microphone is left to it.
    let dir = tempfile::tempdir().unwrap();
    let tone: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
    let (mono, stereo) = (dir.path().join("mono.wav"), dir.path().join("stereo.wav"));
    write_pcm16(&mono, 16_000, std::slice::from_ref(&tone));
    write_pcm16(&stereo, 16_000, &[tone.clone(), tone]);
    let said = |p: &Path, on: bool| {
        FileSource::open(p)
            .unwrap()
            .with_dereverb(on)
            .dereverberated()
    };
    assert!(said(&stereo, true));
    assert!(!said(&stereo, false));
    assert!(!said(&mono, true));
    assert!(!said(&mono, false));
    // And the time it took, which `transcribe --stats` reports apart from decoding.
    let took = |p: &Path, on: bool| {
        let mut s = FileSource::open(p).unwrap().with_dereverb(on);
        let mut buf = Vec::new();
        while !matches!(s.read(&mut buf).unwrap(), SourceRead::End) {}
        s.dereverb_seconds()
    };
    assert!(took(&stereo, true) > 0.0);
    assert_eq!(took(&stereo, false), 0.0);
    assert_eq!(took(&mono, true), 0.0);
}

#[test]
fn a_file_played_as_a_live_input_keeps_each_of_its_channels_at_16k() {
    // A 48-kHz stereo file: a 440-Hz tone on the left, a quieter one on the right. Played as
    // a live input with its channels kept (a microphone array saved for the second pass),
    // every channel comes out at 16 kHz as itself, as long as the one channel delivered.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("array.wav");
    let n = 48_000;
    let tone = |amp: f32| -> Vec<f32> {
        (0..n)
            .map(|t| amp * (2.0 * std::f32::consts::PI * 440.0 * t as f32 / 48_000.0).sin())
            .collect()
    };
    write_pcm16(&p, 48_000, &[tone(0.5), tone(0.1)]);
    let read_all = |mut s: Box<dyn AudioSource>| {
        let (mut mono, mut frames, mut buf, mut ch) = (0usize, Vec::new(), Vec::new(), Vec::new());
        loop {
            let r = s.read(&mut buf).unwrap();
            s.take_channels(&mut ch);
            frames.extend_from_slice(&ch);
            match r {
                SourceRead::Samples(k) => mono += k,
                SourceRead::Pending => {}
                SourceRead::End => break,
            }
        }
        (s.kept_channels(), mono, frames)
    };
    let kept = || FileSource::open(&p).unwrap().keep_channels(true);
    for source in [
        Box::new(kept()) as Box<dyn AudioSource>,
        Box::new(observant::audio::source::Paced::new(kept())),
    ] {
        let (channels, mono, frames) = read_all(source);
        assert_eq!(channels, 2);
        assert_eq!(mono, expected_len(n, 48_000));
        assert_eq!(
            frames.len(),
            2 * mono,
            "every channel as long as the recording"
        );
        let left: Vec<f32> = frames.iter().step_by(2).copied().collect();
        let right: Vec<f32> = frames.iter().skip(1).step_by(2).copied().collect();
        let (l, r) = (tone_stats(&left), tone_stats(&right));
        assert!(
            (l.1 - 0.5).abs() < 0.02 && (r.1 - 0.1).abs() < 0.01,
            "{l:?} {r:?}"
        );
    }
    // Not asked for (a file transcribed offline): nothing is kept.
    let (channels, _, frames) = read_all(Box::new(FileSource::open(&p).unwrap()));
    assert_eq!((channels, frames.len()), (0, 0));
}

#[test]
fn a_microphone_array_recording_is_lined_up_before_it_becomes_one_channel() {
    // One voice-like source heard by four microphones at 48 kHz, each 4 samples after the
    // previous one (a talker beside a 4-mic laptop array). A plain average of the channels
    // would lose its high frequencies (a comb filter); lined up, the channel is the source.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("array.wav");
    let n = 3 * 48_000;
    let mut x: u64 = 12345;
    let src: Vec<f32> = (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 0.5
        })
        .collect();
    let mics: Vec<Vec<f32>> = (0..4)
        .map(|c| {
            (0..n)
                .map(|t| if t >= 4 * c { src[t - 4 * c] } else { 0.0 })
                .collect()
        })
        .collect();
    write_pcm16(&p, 48_000, &mics);
    let out = load_16k_mono(&p, None).unwrap();
    assert_eq!(out.len(), n / 3, "one second of 16 kHz per second of audio");
    // The source's power (its 0-8 kHz part survives the resampling to 16 kHz) is kept: the
    // plain average of four white channels 4 samples apart keeps about a quarter.
    let power = |v: &[f32]| v.iter().map(|s| s * s).sum::<f32>() / v.len() as f32;
    let src_16k = {
        let mut r = observant::audio::StreamResampler::new(48_000).unwrap();
        let mut o = Vec::new();
        r.push(&src, &mut o).unwrap();
        r.finish(&mut o).unwrap();
        o
    };
    let (a, b) = (8_000, 40_000);
    let ratio = power(&out[a..b]) / power(&src_16k[a..b]);
    assert!(ratio > 0.9, "kept {ratio:.2} of the source's power");
}

#[test]
fn stereo_channels_are_averaged_before_resampling() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lr.wav");
    write_wav(&p, 44100, 2, 16, false, 0.5, &[0.6, 0.2]);
    let (peak, amp440) = tone_stats(&load_16k_mono(&p, None).unwrap());
    assert!(
        (peak - 0.4).abs() < 0.01 && (amp440 - 0.4).abs() < 0.01,
        "{peak} {amp440}"
    );
}

#[test]
fn compressed_formats_and_wav_variants_hound_rejects() {
    for (name, amp, rate, channels) in [
        ("tone-44k1-stereo.mp3", 0.4, 44100, 2),
        ("tone-44k1-stereo.m4a", 0.4, 44100, 2),
        ("tone-44k1-stereo.ogg", 0.4, 44100, 2),
        ("tone-48k-mono.flac", 0.4, 48000, 1),
        ("tone-22k05-mono-alaw.wav", 0.4, 22050, 1),
        ("tone-22k05-mono-ima-adpcm.wav", 0.4, 22050, 1),
    ] {
        let f = AudioFile::open(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        assert_eq!(f.info().sample_rate, rate, "{name}");
        assert_eq!(f.info().channels, channels, "{name}");
        let x = load_16k_mono(fixture(name), None).unwrap();
        let secs = x.len() as f64 / 16000.0;
        assert!((0.45..0.60).contains(&secs), "{name}: {secs} s");
        let (_, amp440) = tone_stats(&x);
        assert!(
            (amp440 - amp).abs() < 0.06,
            "{name}: 440 Hz amplitude {amp440}"
        );
    }
}

fn assert_unusable(path: &Path, nl: &str, en: &str) {
    let err = AudioFile::open(path).expect_err(&format!("{path:?} should fail"));
    let msg = format!("{err:#}");
    assert!(!msg.contains('\n'), "{path:?}: not one line: {msg}");
    assert!(
        err.downcast_ref::<UnusableAudio>().is_some(),
        "{path:?}: {msg}"
    );
    assert!(
        msg.contains("geen bruikbare audio") && msg.contains("not usable audio"),
        "{msg}"
    );
    assert!(msg.contains(nl) && msg.contains(en), "{path:?}: {msg}");
    // load_16k_mono says the same.
    assert!(load_16k_mono(path, None).is_err());
}

#[test]
fn bad_files_give_one_line_errors() {
    assert_unusable(&fixture("empty.wav"), "leeg", "empty");
    assert_unusable(&fixture("truncated-header.wav"), "afgebroken", "truncated");
    assert_unusable(&fixture("zero-channels.wav"), "0 kanalen", "0 channels");
    assert_unusable(&fixture("rate-zero.wav"), "0 Hz", "0 Hz");
    assert_unusable(
        &fixture("rate-absurd.wav"),
        "4000000000 Hz",
        "implausible sample rate",
    );
    assert_unusable(
        &fixture("rate-too-low.wav"),
        "500 Hz",
        "implausible sample rate",
    );
    assert_unusable(&fixture("text.wav"), "tekst", "text");

    // Random bytes: an error or (if some frames happen to parse) audio, never a panic.
    if let Err(e) = load_16k_mono(fixture("garbage.mp3"), None) {
        assert!(!format!("{e:#}").contains('\n'));
    }
    // Missing file and a directory.
    let e = AudioFile::open(fixture("does-not-exist.wav")).unwrap_err();
    assert!(!format!("{e:#}").contains('\n'));
    assert!(AudioFile::open(fixture("")).is_err());
}

#[test]
fn text_without_wav_extension_and_riff_non_wave() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.m4a");
    std::fs::write(&p, "Dit is een notitie, geen opname.\n").unwrap();
    assert_unusable(&p, "tekst", "text");
    let p = dir.path().join("avi.wav");
    let mut b = b"RIFF\x20\x00\x00\x00AVI LIST".to_vec();
    b.extend_from_slice(&[0u8; 24]);
    std::fs::write(&p, b).unwrap();
    assert_unusable(&p, "geen WAVE", "not WAVE");
}

#[test]
fn every_prefix_of_a_wav_is_handled_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("full.wav");
    write_wav(&p, 44100, 2, 24, false, 0.05, &[0.5]);
    let bytes = std::fs::read(&p).unwrap();
    let q = dir.path().join("cut.wav");
    for cut in (0..bytes.len()).step_by(7).chain([43, 44, 45, 46, 47, 48]) {
        std::fs::write(&q, &bytes[..cut.min(bytes.len())]).unwrap();
        match load_16k_mono(&q, None) {
            Ok(x) => assert!(cut >= 44, "cut {cut} decoded {} samples", x.len()),
            Err(e) => assert!(!format!("{e:#}").contains('\n')),
        }
    }
    // Flipped bytes in the header: never a panic.
    for i in 0..44 {
        let mut b = bytes.clone();
        b[i] ^= 0xA5;
        std::fs::write(&q, &b).unwrap();
        let _ = load_16k_mono(&q, None);
    }
}

#[test]
fn truncated_data_keeps_the_audio_that_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.wav");
    write_wav(&p, 16000, 1, 16, false, 1.0, &[0.5]);
    let len = std::fs::metadata(&p).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(44 + 8000 * 2).unwrap();
    drop(f);
    assert!(len > 44 + 16000);
    let x = load_16k_mono(&p, None).unwrap();
    assert_eq!(x.len(), 8000);
}

#[test]
fn unfinalised_wav_header_is_read_to_the_end_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("crashed.wav");
    write_wav(&p, 16000, 1, 16, false, 1.0, &[0.5]);
    let mut b = std::fs::read(&p).unwrap();
    // What a recorder that died before finalising leaves: RIFF and data sizes of 0.
    b[4..8].copy_from_slice(&0u32.to_le_bytes());
    b[40..44].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_eq!(load_16k_mono(&p, None).unwrap().len(), 16000);
    // Header says 0.25 s but 1 s follows with no chunk after it: all of it.
    b[40..44].copy_from_slice(&8000u32.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_eq!(load_16k_mono(&p, None).unwrap().len(), 16000);
}

#[test]
fn three_hour_file_is_streamed_in_small_chunks() {
    // A sparse file: a WAV header for 3 hours of 8 kHz 8-bit mono, then a hole (zeros).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.wav");
    let frames: u32 = 3 * 3600 * 8000;
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + frames).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&8000u32.to_le_bytes());
    h.extend_from_slice(&8000u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&8u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&frames.to_le_bytes());
    std::fs::write(&p, &h).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(44 + u64::from(frames)).unwrap();
    drop(f);

    let mut src = FileSource::open(&p).unwrap();
    assert_eq!(src.total_samples(), Some(3 * 3600 * 16000));
    assert_eq!(src.file().info().duration_seconds(), Some(10800.0));
    // Read the first 10 minutes: chunks stay small, positions add up.
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut biggest = 0;
    while total < 600 * 16000 {
        match src.read(&mut buf).unwrap() {
            SourceRead::Samples(n) => {
                total += n as u64;
                biggest = biggest.max(n);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(biggest <= 64_000, "chunk of {biggest} samples");
    assert_eq!(src.file().position(), total);
    // The limit stops a long file early.
    let mut src = FileSource::open(&p).unwrap().with_limit_seconds(2.0);
    let mut got = 0;
    while let SourceRead::Samples(n) = src.read(&mut buf).unwrap() {
        got += n;
    }
    assert_eq!(got, 32000);
}

/// The reference probabilities from onnxruntime (scripts/silero_reference.py).
fn reference_probs() -> Vec<f32> {
    std::fs::read_to_string(fixture("nl-cabin1-clip.silero.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn silero_matches_onnxruntime_on_real_speech() {
    let audio = load_16k_mono(fixture("nl-cabin1-clip.wav"), None).unwrap();
    let reference = reference_probs();
    assert_eq!(audio.len().div_ceil(FRAME), reference.len());
    let mut vad = SileroVad::bundled().unwrap();
    let mut max_diff = 0.0f32;
    for (frame, want) in audio.chunks(FRAME).zip(&reference) {
        let got = vad.speech_probability(frame);
        max_diff = max_diff.max((got - want).abs());
    }
    eprintln!("silero vs onnxruntime: max abs difference {max_diff:e}");
    assert!(max_diff < 1e-3, "max abs difference {max_diff}");
    // Both speech and non-speech are in the clip.
    assert!(reference.iter().any(|&p| p > 0.9) && reference.iter().any(|&p| p < 0.01));

    // Reset gives the same track again; a clone is independent.
    vad.reset();
    let mut other = vad.clone();
    for frame in audio.chunks(FRAME).take(60) {
        assert_eq!(
            vad.speech_probability(frame),
            other.speech_probability(frame)
        );
    }
}

#[test]
fn silero_loads_from_file_and_rejects_bad_models() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/silero_vad_v6_16k.safetensors");
    assert!(SileroVad::load(&model).is_ok());
    let e = SileroVad::load(fixture("text.wav")).unwrap_err();
    assert!(!format!("{e:#}").contains('\n'));
    assert!(SileroVad::load(fixture("missing.safetensors")).is_err());
}

fn ramp(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

fn scripted(probs: &[f32], config: SegmenterConfig) -> Segmenter {
    Segmenter::new(Box::new(ScriptedVad::new(probs.to_vec())), config)
}

/// Segments of `audio` pushed in chunks of `chunk`, then flushed.
/// The default segmenter's segments of `audio` whose frames the VAD scores `probs`, fed in
/// chunks of 1600 samples (100 ms).
fn segments(probs: &[f32], audio: &[f32]) -> Vec<SpeechSegment> {
    run(
        &mut scripted(probs, SegmenterConfig::default()),
        audio,
        1600,
    )
}

fn run(seg: &mut Segmenter, audio: &[f32], chunk: usize) -> Vec<SpeechSegment> {
    let mut out = Vec::new();
    for c in audio.chunks(chunk) {
        out.extend(seg.push(c));
    }
    out.extend(seg.flush());
    out
}

fn frames(spec: &[(f32, usize)]) -> Vec<f32> {
    spec.iter()
        .flat_map(|&(p, n)| std::iter::repeat_n(p, n))
        .collect()
}

#[test]
fn an_open_segment_can_be_looked_at_before_it_ends_and_matches_the_closed_one() {
    // Two segments: the second one is looked at while it is still open.
    let probs = frames(&[(0.0, 10), (0.9, 20), (0.0, 40), (0.9, 60), (0.0, 30)]);
    let audio = ramp(probs.len() * FRAME);
    let mut seg = scripted(&probs, SegmenterConfig::default());
    let open_at = (70 + 40) * FRAME; // 40 frames into the second stretch of speech
    let mut closed = seg.push(&audio[..open_at]);
    assert_eq!(closed.len(), 1, "the first segment is over");
    let snap = seg.open_segment().expect("a segment is open");
    assert_eq!(
        seg.open_speech(),
        Some(70 * FRAME as u64..110 * FRAME as u64)
    );
    assert_eq!(snap.speech_start, 70 * FRAME as u64);
    assert_eq!(snap.end_sample(), open_at as u64);
    closed.extend(seg.push(&audio[open_at..]));
    closed.extend(seg.flush());
    assert_eq!(closed.len(), 2);
    let whole = &closed[1];
    // Same start (so the two can be matched), and the snapshot is the start of the segment.
    assert_eq!(snap.start_sample, whole.start_sample);
    assert_eq!(snap.samples[..], whole.samples[..snap.samples.len()]);
    assert!(seg.open_segment().is_none());
    assert_eq!(seg.open_speech(), None);
}

#[test]
fn a_short_pause_inside_a_segment_is_found_where_speech_resumes() {
    // Speech, a 5-frame dip (160 ms: too short to end the segment), speech again.
    let probs = frames(&[(0.0, 5), (0.9, 30), (0.1, 5), (0.9, 20), (0.0, 2)]);
    let audio = ramp(probs.len() * FRAME);
    let mut seg = scripted(&probs, SegmenterConfig::default());
    assert!(seg.push(&audio[..37 * FRAME]).is_empty());
    assert_eq!(seg.last_pause_end(100), None, "the dip is not over yet");
    assert!(seg.push(&audio[37 * FRAME..45 * FRAME]).is_empty());
    assert_eq!(seg.last_pause_end(100), Some(40 * FRAME as u64));
    assert_eq!(seg.last_pause_end(200), None, "shorter than asked for");
    assert!(seg.push(&audio[45 * FRAME..]).is_empty());
    assert!(seg.in_speech());
}

#[test]
fn segmenter_exact_positions_padding_and_content() {
    let probs = frames(&[(0.0, 10), (0.9, 20), (0.0, 20)]);
    let audio = ramp(probs.len() * FRAME);
    let segs = run(
        &mut scripted(&probs, SegmenterConfig::default()),
        &audio,
        1000,
    );
    assert_eq!(segs.len(), 1);
    let s = &segs[0];
    assert_eq!(s.speech_start, 10 * 512);
    assert_eq!(s.speech_end, 30 * 512);
    assert_eq!(s.start_sample, 10 * 512 - 3200);
    assert_eq!(s.end_sample(), 30 * 512 + 3200);
    assert!(!s.split);
    // The samples are the stream's samples at exactly those positions.
    assert_eq!(
        s.samples,
        audio[s.start_sample as usize..s.end_sample() as usize]
    );
    assert!((s.start_seconds() - 0.12).abs() < 1e-9);
}

#[test]
fn segmenter_hysteresis_min_silence_and_min_speech() {
    let cfg = SegmenterConfig::default();
    // 0.4 is between off (0.35) and on (0.5): it neither starts nor ends speech.
    let probs = frames(&[
        (0.0, 5),
        (0.4, 5),
        (0.9, 10),
        (0.4, 30),
        (0.9, 10),
        (0.0, 20),
    ]);
    let segs = run(&mut scripted(&probs, cfg), &ramp(probs.len() * 512), 512);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].speech_start, 10 * 512);
    assert_eq!(segs[0].speech_end, 60 * 512);

    // A pause of 12 frames (384 ms) < 400 ms keeps one segment; 13 frames (416 ms) splits.
    for (gap, want) in [(12, 1), (13, 2)] {
        let probs = frames(&[(0.0, 10), (0.9, 20), (0.05, gap), (0.9, 20), (0.0, 20)]);
        let segs = run(&mut scripted(&probs, cfg), &ramp(probs.len() * 512), 333);
        assert_eq!(segs.len(), want, "gap {gap}");
        if want == 2 {
            // Padding never overlaps: the second starts where the first ended at the latest.
            assert!(segs[1].start_sample >= segs[0].end_sample());
            assert_eq!(segs[0].speech_end, 30 * 512);
            assert_eq!(segs[1].speech_start, (30 + gap as u64) * 512);
        }
    }

    // 7 frames = 224 ms of speech is dropped, 8 frames = 256 ms kept.
    for (n, want) in [(7, 0), (8, 1)] {
        let probs = frames(&[(0.0, 10), (0.9, n), (0.0, 20)]);
        let segs = run(&mut scripted(&probs, cfg), &ramp(probs.len() * 512), 4096);
        assert_eq!(segs.len(), want, "{n} frames");
    }
}

/// A 200 Hz tone over a faint deterministic hiss: per `(amplitude, n)`, `n` frames at that
/// amplitude (0: the hiss alone), continuous in phase.
fn tones(spec: &[(f32, usize)]) -> Vec<f32> {
    let n: usize = spec.iter().map(|&(_, k)| k * FRAME).sum();
    let level = spec
        .iter()
        .flat_map(|&(a, k)| std::iter::repeat_n(a, k * FRAME));
    (1..=n)
        .zip(level)
        .map(|(i, a)| {
            let t = i as f32 / 16000.0;
            let hiss = 0.001 * (((i * 7919) % 1000) as f32 / 500.0 - 1.0);
            a * (2.0 * std::f32::consts::PI * 200.0 * t).sin() + hiss
        })
        .collect()
}

#[test]
fn a_far_talker_scored_low_but_plainly_audible_stays_one_segment() {
    // Room noise, then a voice 30 dB above it that the VAD scores 0.8 for three frames and
    // 0.2 after that (a far talker in a reverberant room), then room noise scored 0.2 too.
    let audio = tones(&[(0.0, 120), (0.05, 90), (0.0, 60)]);
    let probs = frames(&[(0.0, 120), (0.8, 3), (0.2, 87), (0.2, 60)]);
    let segs = segments(&probs, &audio);
    assert_eq!(segs.len(), 1, "{segs:?}");
    // The whole turn, not its first three frames; and it ends where the voice ends, not at
    // the end of the stream (the noise after it is scored 0.2 as well, but is not loud).
    assert_eq!(segs[0].speech_start, 120 * 512);
    assert_eq!(segs[0].speech_end, 210 * 512);

    // Without the hold (and without the weak start, which would open on the 0.2s) the
    // turn is three frames long and dropped as too short.
    let off = SegmenterConfig {
        hold_snr_db: f32::INFINITY,
        weak_on_snr_db: f32::INFINITY,
        ..SegmenterConfig::default()
    };
    assert!(run(&mut scripted(&probs, off), &audio, 1600).is_empty());
}

#[test]
fn a_far_talker_never_scored_as_speech_still_opens_a_segment() {
    // Room hiss, then a whole sentence 30 dB above it that the VAD scores only 0.2-0.3
    // (never the 0.5 that starts a segment), then hiss scored 0.2 as well.
    let audio = tones(&[(0.0, 100), (0.05, 60), (0.0, 60)]);
    let mut probs = frames(&[(0.02, 100), (0.2, 60), (0.2, 60)]);
    for (k, p) in probs.iter_mut().enumerate().skip(100).take(60) {
        *p = if k % 3 == 0 { 0.3 } else { 0.2 };
    }
    let segs = segments(&probs, &audio);
    assert_eq!(segs.len(), 1, "{segs:?}");
    // It starts where the voice starts (not 320 ms later, when the stretch is complete),
    // and the hiss after it, scored the same, is not speech: it is not above the floor.
    assert_eq!(segs[0].speech_start, 100 * 512);
    assert_eq!(segs[0].speech_end, 160 * 512);
    // The padding before it is there too: the audio was kept while the stretch was judged.
    assert_eq!(segs[0].start_sample, 100 * 512 - 3200);

    // Hiss alone scored 0.2 for seconds opens nothing; nor does the voice with the weak
    // start turned off.
    let hiss = tones(&[(0.0, 200)]);
    let segs = run(
        &mut scripted(&frames(&[(0.2, 200)]), SegmenterConfig::default()),
        &hiss,
        1600,
    );
    assert!(segs.is_empty(), "{segs:?}");
    let off = SegmenterConfig {
        weak_on_snr_db: f32::INFINITY,
        ..SegmenterConfig::default()
    };
    assert!(run(&mut scripted(&probs, off), &audio, 1600).is_empty());
}

#[test]
fn a_talker_across_a_large_room_scored_barely_above_noise_still_opens_a_segment() {
    // A talker 3 m away in a large reverberant room: Silero scores the sentence 0.08-0.12
    // frame after frame (room noise and the pauses: 0.00-0.02), while it stands 20 dB above
    // the room noise. Measured that way on simulated rooms (RT60 0.65-0.7 s, 2.5-3 m).
    let audio = tones(&[(0.002, 100), (0.02, 60), (0.002, 60)]);
    let mut probs = frames(&[(0.01, 100), (0.1, 60), (0.01, 60)]);
    for (k, p) in probs.iter_mut().enumerate().skip(100).take(60) {
        *p = [0.08, 0.12, 0.09, 0.1][k % 4];
    }
    let segs = segments(&probs, &audio);
    assert_eq!(segs.len(), 1, "{segs:?}");
    assert_eq!(segs[0].speech_start, 100 * 512);
    // A sound just as loud that the VAD scores as noise (0.04) opens nothing.
    let probs = frames(&[(0.01, 100), (0.04, 60), (0.01, 60)]);
    let segs = segments(&probs, &audio);
    assert!(segs.is_empty(), "{segs:?}");
}

#[test]
fn audible_speech_after_a_short_gap_ends_the_gap() {
    // Close speech, a 256 ms gap at the hiss, a far voice held for 640 ms (scored 0.2,
    // 30 dB above the hiss), another 256 ms gap, speech again: one segment. Before, the
    // held voice only kept the segment open frame by frame, and the second gap ended it
    // 400 ms after the first gap began, dropping the held voice from the segment.
    let audio = tones(&[
        (0.0, 30),
        (0.05, 40),
        (0.0, 8),
        (0.05, 20),
        (0.0, 8),
        (0.05, 40),
        (0.0, 30),
    ]);
    let probs = frames(&[
        (0.0, 30),
        (0.9, 40),
        (0.02, 8),
        (0.2, 20),
        (0.02, 8),
        (0.9, 40),
        (0.0, 30),
    ]);
    let segs = segments(&probs, &audio);
    assert_eq!(segs.len(), 1, "{segs:?}");
    assert_eq!(segs[0].speech_start, 30 * 512);
    assert_eq!(segs[0].speech_end, 146 * 512);
}

#[test]
fn a_quiet_pause_in_close_speech_still_ends_the_segment() {
    // Close speech, a 0.6 s pause the VAD scores 0.2 whose level is 34 dB below the speech
    // (breath, the room's tail: well above the hiss, but far below the voice), then speech
    // again: two segments, as without the hold.
    let audio = tones(&[(0.0, 30), (0.3, 40), (0.006, 19), (0.3, 40), (0.0, 30)]);
    let probs = frames(&[(0.0, 30), (0.9, 40), (0.2, 19), (0.9, 40), (0.0, 30)]);
    let segs = segments(&probs, &audio);
    assert_eq!(segs.len(), 2, "{segs:?}");
    assert_eq!(segs[0].speech_end, 70 * 512);
    assert_eq!(segs[1].speech_start, 89 * 512);
}

#[test]
fn a_segment_tells_up_to_where_its_silence_was_heard() {
    // Closed by 400 ms of silence: heard up to the frame that completed it; at the end of
    // the stream: up to the end.
    let probs = frames(&[(0.0, 10), (0.9, 30), (0.05, 20), (0.9, 20)]);
    let segs = run(
        &mut scripted(&probs, SegmenterConfig::live()),
        &ramp(probs.len() * 512),
        512,
    );
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].speech_end, 40 * 512);
    assert_eq!(segs[0].heard_until, (40 + 13) * 512);
    assert_eq!(segs[1].heard_until, 80 * 512);
}

#[test]
fn segmenter_splits_long_speech_at_the_quietest_frame() {
    let cfg = SegmenterConfig::default();
    // 40 s of speech with one weak frame (0.45, still speech) at 15 s and a weaker one (0.36)
    // at 17 s: the split goes to the 0.36 frame (in the second half of the first 22 s).
    let mut probs = frames(&[(0.0, 10), (0.97, 1250), (0.0, 30)]);
    let f15 = 10 + (15 * 16000 / 512);
    let f17 = 10 + (17 * 16000 / 512);
    probs[f15] = 0.45;
    probs[f17] = 0.36;
    let audio = ramp(probs.len() * 512);
    let segs = run(&mut scripted(&probs, cfg), &audio, 1600);
    assert!(segs.len() >= 2, "{} segments", segs.len());
    assert!(segs[0].split);
    assert_eq!(segs[0].speech_end, f17 as u64 * 512 + 256);
    // Contiguous parts, each within the maximum, together covering the speech.
    for w in segs.windows(2) {
        assert_eq!(w[0].end_sample(), w[1].start_sample);
        assert_eq!(w[0].speech_end, w[1].speech_start);
    }
    for s in &segs {
        assert!(s.speech_end - s.speech_start <= 22 * 16000);
        assert_eq!(
            s.samples,
            audio[s.start_sample as usize..s.end_sample() as usize]
        );
    }
    assert_eq!(segs.last().unwrap().speech_end, (10 + 1250) * 512);
}

#[test]
fn segmenter_flush_closes_open_speech_and_chunking_does_not_matter() {
    let probs = frames(&[(0.0, 10), (0.9, 30)]);
    let n = probs.len() * 512 - 100; // the last frame is partial
    let audio = ramp(n);
    let a = run(&mut scripted(&probs, SegmenterConfig::default()), &audio, 1);
    let b = run(
        &mut scripted(&probs, SegmenterConfig::default()),
        &audio,
        7777,
    );
    assert_eq!(a, b);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].end_sample(), n as u64);
    assert_eq!(a[0].speech_end, n as u64);
    // Nothing at all: no segments, no panic.
    let mut seg = scripted(&[], SegmenterConfig::default());
    assert!(seg.push(&[]).is_empty());
    assert!(seg.flush().is_empty());
}

#[test]
fn segmenter_with_silero_finds_the_utterance_in_real_speech() {
    let audio = load_16k_mono(fixture("nl-cabin1-clip.wav"), None).unwrap();
    let mut seg = Segmenter::new(
        Box::new(SileroVad::bundled().unwrap()),
        SegmenterConfig::default(),
    );
    let segs = run(&mut seg, &audio, 1234);
    // Truth: "Waar zie je die wieg?" from 8.882 to 10.642 s of the source, the clip starts at
    // 7.4 s, so 1.482..3.242 s here.
    let hit = segs
        .iter()
        .find(|s| s.speech_start < 3 * 16000 && s.speech_end > 2 * 16000)
        .expect("the utterance is found");
    let start = hit.speech_start as f64 / 16000.0;
    let end = hit.speech_end as f64 / 16000.0;
    assert!((start - 1.482).abs() < 0.15, "start {start}");
    // The truth end includes the reverb tail (cut at -45 dBFS + 0.15 s); the voice itself
    // stops at about 2.5 s, where Silero drops below 0.35.
    assert!((2.3..3.35).contains(&end), "end {end}");
    // Nothing inside the pause after it (3.3 .. 4.3 s).
    assert!(
        !segs
            .iter()
            .any(|s| s.speech_start > 54_400 && s.speech_end < 68_800)
    );
}

/// Silero scores whole frames of a push as one batch: the segments must not depend on how the
/// audio arrives (one sample at a time, odd chunks, or all at once).
#[test]
fn silero_segments_do_not_depend_on_chunking() {
    let audio = load_16k_mono(fixture("nl-cabin1-clip.wav"), None).unwrap();
    let segs = |chunk: usize| {
        let mut seg = Segmenter::new(
            Box::new(SileroVad::bundled().unwrap()),
            SegmenterConfig::default(),
        );
        run(&mut seg, &audio, chunk)
    };
    let whole = segs(audio.len());
    assert!(!whole.is_empty());
    for chunk in [1, 333, 512, 8192] {
        assert_eq!(segs(chunk), whole, "chunk {chunk}");
    }
}

#[test]
fn energy_vad_segments_bursts_of_sound() {
    let signal = TestSignal::bursts(3, 1.0, 1.0);
    let segs: Vec<_> = Segments::new(
        signal,
        Segmenter::new(Box::new(EnergyVad::default()), SegmenterConfig::default()),
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(segs.len(), 3, "{segs:?}");
    for (i, s) in segs.iter().enumerate() {
        let on = i as f64 * 2.0 * 16000.0;
        assert!(
            (s.speech_start as f64 - on).abs() <= 512.0,
            "{i}: {}",
            s.speech_start
        );
        assert!(
            (s.speech_end as f64 - (on + 16000.0)).abs() <= 1024.0,
            "{i}: {}",
            s.speech_end
        );
    }
    // Stationary noise (after a quiet start) is not speech for long.
    let mut vad = EnergyVad::default();
    let mut src = TestSignal::new(vec![
        SignalPart::Silence { samples: 16000 },
        SignalPart::Noise {
            amplitude: 0.05,
            samples: 16000 * 12,
        },
    ])
    .with_chunk(512);
    let mut buf = Vec::new();
    let mut late_speech = 0;
    let mut i = 0;
    while let SourceRead::Samples(_) = src.read(&mut buf).unwrap() {
        let p = vad.speech_probability(&buf);
        if i > 31 * 8 && p >= 0.5 {
            late_speech += 1;
        }
        i += 1;
    }
    assert_eq!(late_speech, 0);
}

#[test]
fn file_source_and_segments_iterator_match_manual_pushing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bursts.wav");
    let mut sig = TestSignal::bursts(2, 0.8, 0.7);
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while let SourceRead::Samples(_) = sig.read(&mut buf).unwrap() {
        all.extend_from_slice(&buf);
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for v in &all {
        w.write_sample(*v).unwrap();
    }
    w.finalize().unwrap();
    let mk = || Segmenter::new(Box::new(EnergyVad::default()), SegmenterConfig::default());
    let from_file: Vec<_> = Segments::new(FileSource::open(&p).unwrap(), mk())
        .collect::<Result<_, _>>()
        .unwrap();
    let manual = run(&mut mk(), &all, 4000);
    assert_eq!(from_file, manual);
    assert_eq!(from_file.len(), 2);
}

#[test]
fn test_signal_is_deterministic_whatever_the_chunk_size() {
    let parts = vec![
        SignalPart::Tone {
            hz: 300.0,
            amplitude: 0.3,
            samples: 5000,
        },
        SignalPart::Noise {
            amplitude: 0.1,
            samples: 7000,
        },
        SignalPart::Silence { samples: 100 },
        SignalPart::Samples(vec![0.25; 10]),
    ];
    let collect = |chunk: usize| {
        let mut s = TestSignal::new(parts.clone()).with_chunk(chunk);
        assert_eq!(s.total_samples(), Some(12_110));
        let mut all = Vec::new();
        let mut buf = Vec::new();
        while let SourceRead::Samples(n) = s.read(&mut buf).unwrap() {
            assert!(n <= chunk);
            all.extend_from_slice(&buf);
        }
        assert_eq!(s.read(&mut buf).unwrap(), SourceRead::End);
        all
    };
    let a = collect(1);
    assert_eq!(a.len(), 12_110);
    assert_eq!(a, collect(999));
    assert_eq!(a, collect(100_000));
    assert_eq!(&a[12_100..], &[0.25; 10]);
}

#[test]
fn capture_without_a_usable_device_fails_calmly() {
    // Never a panic; listing works (possibly empty).
    let _ = list_input_devices();
    let opts = CaptureOptions {
        device: Some("observant-no-such-device".into()),
        ..Default::default()
    };
    let e = Capture::start(&opts).expect_err("no such device");
    let msg = format!("{e:#}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(e.downcast_ref::<CaptureError>().is_some(), "{msg}");
    // The default device: on a machine without a sound card this is a NoDevice error; on a
    // developer's laptop it may simply work.
    match Capture::start(&CaptureOptions::default()) {
        Ok(c) => drop(c),
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(!msg.contains('\n'), "{msg}");
            assert!(msg.contains(" / "), "Dutch / English: {msg}");
        }
    }
}

/// Evaluation over the real recordings in ../shared (CI runs ignored tests when it exists):
/// Silero + segmenter must find every truth utterance. With `OBSERVANT_DUMP_VAD=FILE` the
/// per-frame probabilities are written as `file frame prob` lines, to compare with
/// `scripts/silero_reference.py --check-all`.
#[test]
#[ignore]
fn silero_segments_cover_the_shared_recordings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/audio-nl");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    let mut dump = String::new();
    let (mut utterances, mut found, mut seg_time, mut outside) = (0usize, 0usize, 0.0f64, 0.0f64);
    for name in &names {
        let audio = load_16k_mono(dir.join(name), None).unwrap();
        let mut vad = SileroVad::bundled().unwrap();
        for (i, f) in audio.chunks(FRAME).enumerate() {
            let p = vad.speech_probability(f);
            dump.push_str(&format!("{name} {i} {p:.7}\n"));
        }
        let mut seg = Segmenter::new(
            Box::new(SileroVad::bundled().unwrap()),
            SegmenterConfig::default(),
        );
        let segs = run(&mut seg, &audio, 16000);
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(name.replace(".wav", ".json"))).unwrap(),
        )
        .unwrap();
        let spans: Vec<(f64, f64)> = truth["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["start"].as_f64().unwrap(), u["end"].as_f64().unwrap()))
            .collect();
        for &(a, b) in &spans {
            utterances += 1;
            let covered: f64 = segs
                .iter()
                .map(|s| (s.end_seconds().min(b) - s.start_seconds().max(a)).max(0.0))
                .sum();
            if covered >= 0.5 * (b - a) {
                found += 1;
            } else {
                eprintln!("{name}: missed {a:.2}-{b:.2} ({covered:.2} s covered)");
            }
        }
        for s in &segs {
            let len = s.end_seconds() - s.start_seconds();
            let inside: f64 = spans
                .iter()
                .map(|&(a, b)| (s.end_seconds().min(b) - s.start_seconds().max(a)).max(0.0))
                .sum();
            seg_time += len;
            outside += len - inside;
            assert!(s.speech_end - s.speech_start <= 22 * 16000);
        }
    }
    if let Ok(path) = std::env::var("OBSERVANT_DUMP_VAD") {
        std::fs::write(path, dump).unwrap();
    }
    eprintln!(
        "{found}/{utterances} utterances found; {:.1}% of {seg_time:.1} s of segments outside utterances",
        100.0 * outside / seg_time.max(1e-9)
    );
    assert!(found * 100 >= utterances * 97, "{found}/{utterances}");
    assert!(
        outside <= 0.15 * seg_time,
        "{outside:.1} of {seg_time:.1} s outside speech"
    );
}
