//! Tests of speaker attribution (`observant::speakers`): the GE2E encoder against the model
//! card's synthetic test vector, robustness on odd input, same-vs-different speaker on small
//! committed clips, clustering, enrollment and the online attributor. Tests that read
//! `../shared` are `#[ignore]`d (run them with `cargo test --test speakers -- --ignored`).

use std::path::PathBuf;

use observant::speakers::mel;
use observant::speakers::{Embedding, VoiceEncoder};

fn model_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join("voice-encoder-ge2e.safetensors")
}

fn encoder() -> VoiceEncoder {
    VoiceEncoder::load(model_path()).expect("bundled voice encoder model")
}

/// The model card's synthetic test vector: 2.0 s of two sines.
fn test_signal() -> Vec<f32> {
    (0..32000)
        .map(|n| {
            let t = n as f64 / 16000.0;
            (0.1 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.05 * (2.0 * std::f64::consts::PI * 1375.0 * t).sin()) as f32
        })
        .collect()
}

fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn partial_windows_match_resemblyzer() {
    assert_eq!(mel::partial_starts(0), vec![0]);
    assert_eq!(mel::partial_starts(16000), vec![0]);
    assert_eq!(mel::partial_starts(24000), vec![0]);
    assert_eq!(mel::partial_starts(25600), vec![0]);
    assert_eq!(mel::partial_starts(40000), vec![0, 77]);
    assert_eq!(mel::partial_starts(32000), vec![0, 77]);
    let starts = mel::partial_starts(32000);
    assert_eq!(mel::padded_len(32000, &starts), 37920);
}

#[test]
fn mel_matches_test_vector() {
    let x = test_signal();
    // The volume step leaves this signal unchanged (Resemblyzer's increase-only mode).
    let p = mel::prepare(&x, mel::VolumeNorm::IncreaseOnly);
    assert_eq!(p.starts, vec![0, 77]);
    assert_eq!(p.mel.len(), 238);
    let sum: f64 = p.mel.iter().flatten().map(|&v| f64::from(v)).sum();
    assert!((sum - 479.634).abs() < 0.01, "mel sum {sum}");
    let want0 = [0.056912, 0.263272, 0.498473];
    for (j, w) in want0.iter().enumerate() {
        assert!(
            close(p.mel[0][j], *w, 2e-6),
            "mel[0][{j}] = {}",
            p.mel[0][j]
        );
    }
    let want50 = [0.308544, 1.440761, 0.288816];
    for (j, w) in want50.iter().enumerate() {
        assert!(
            close(p.mel[50][j + 1], *w, 5e-6),
            "mel[50][{}] = {}",
            j + 1,
            p.mel[50][j + 1]
        );
    }
}

#[test]
fn embedding_matches_test_vector() {
    let enc = encoder().with_volume_norm(mel::VolumeNorm::IncreaseOnly);
    let e = enc.embed_utterance(&test_signal());
    assert!(close(e.norm(), 1.0, 1e-5));
    let want = [0.029934, 0.0, 0.0, 0.0, 0.001775, 0.022048, 0.024755, 0.0];
    for (j, w) in want.iter().enumerate() {
        assert!(close(e.0[j], *w, 2e-6), "e[{j}] = {}", e.0[j]);
    }
    let mut idx: Vec<usize> = (0..256).collect();
    idx.sort_by(|&a, &b| e.0[b].total_cmp(&e.0[a]));
    assert_eq!(&idx[..3], &[87, 245, 220]);
    assert!(close(e.0[87], 0.248411, 2e-6), "e[87] = {}", e.0[87]);
    assert!(close(e.0[245], 0.244576, 2e-6));
    assert!(close(e.0[220], 0.239769, 2e-6));
    // The default both-ways normalisation lowers this -22 dBFS signal to -30 dBFS, which
    // changes the (linear) mel input and so the embedding; it stays a unit vector.
    let both = encoder().embed_utterance(&test_signal());
    assert!(close(both.norm(), 1.0, 1e-5));
    assert!(both.cosine(&e) < 0.9999);
}

#[test]
fn odd_input_never_panics() {
    let enc = encoder();
    let cases: Vec<Vec<f32>> = vec![
        vec![],
        vec![0.0; 1],
        vec![0.0; 16000],
        vec![f32::NAN; 8000],
        vec![f32::INFINITY, f32::NEG_INFINITY, 0.5],
        vec![1e-30; 4000],
        vec![5.0; 20000],
        (0..100).map(|i| (i as f32 * 0.1).sin()).collect(),
    ];
    for c in &cases {
        let e = enc.embed_utterance(c);
        assert!(e.0.iter().all(|v| v.is_finite()));
        let n = e.norm();
        assert!(n == 0.0 || close(n, 1.0, 1e-4), "norm {n}");
        let w = enc.embed_windows(c);
        assert!(!w.is_empty());
    }
    let batch: Vec<&[f32]> = cases.iter().map(|c| c.as_slice()).collect();
    assert_eq!(enc.embed_utterances(&batch).len(), cases.len());
    assert!(enc.embed_utterances(&[]).is_empty());
}

#[test]
fn batch_equals_single() {
    let enc = encoder();
    let x = test_signal();
    let y: Vec<f32> = x.iter().rev().map(|v| v * 0.5).collect();
    let z: Vec<f32> = x.iter().cycle().take(90_000).copied().collect();
    let single: Vec<Embedding> = [&x, &y, &z]
        .iter()
        .map(|s| enc.embed_utterance(s))
        .collect();
    let batch = enc.embed_utterances(&[&x, &y, &z]);
    for (a, b) in single.iter().zip(batch.iter()) {
        assert!(a.cosine(b) > 0.99999);
    }
}

#[test]
fn threads_give_the_same_window_embeddings() {
    let one = encoder();
    let mut two = encoder();
    two.set_threads(2);
    let mut three = encoder();
    three.set_threads(3);
    let x = test_signal();
    let long: Vec<f32> = x.iter().cycle().take(200_000).copied().collect();
    for clip in [&x[..], &long[..], &x[..20_000]] {
        let a = one.embed_windows(clip);
        for other in [&two, &three] {
            let b = other.embed_windows(clip);
            assert_eq!(a.len(), b.len());
            for (wa, wb) in a.iter().zip(b.iter()) {
                assert_eq!((wa.start, wa.end), (wb.start, wb.end));
                assert!(wa.embedding.cosine(&wb.embedding) > 0.99999);
            }
        }
    }
}

#[test]
fn bad_model_files_give_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = VoiceEncoder::load(dir.path().join("nope.safetensors")).unwrap_err();
    assert!(
        format!("{missing:#}").contains("cannot read"),
        "{missing:#}"
    );
    let text = dir.path().join("text.safetensors");
    std::fs::write(&text, "hello, not a model").expect("write");
    let err = format!("{:#}", VoiceEncoder::load(&text).unwrap_err());
    assert!(err.contains("not the GE2E voice encoder"), "{err}");
    assert!(!err.contains('\n'));
    // A real safetensors file that is a different model.
    let bytes = std::fs::read(model_path()).expect("model");
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let err = format!("{:#}", VoiceEncoder::load(&truncated).unwrap_err());
    assert!(err.contains("not the GE2E voice encoder"), "{err}");
    let other = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("models")
        .join("silero_vad_16k.safetensors");
    if other.exists() {
        let err = format!("{:#}", VoiceEncoder::load(&other).unwrap_err());
        assert!(err.contains("missing"), "{err}");
    }
}

fn fixture(name: &str) -> Vec<f32> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/speakers")
        .join(name);
    let mut r = hound::WavReader::open(&p).expect("fixture wav");
    r.samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect()
}

fn fixtures() -> [Vec<f32>; 4] {
    [
        fixture("big-1.wav"),
        fixture("big-2.wav"),
        fixture("small-1.wav"),
        fixture("small-2.wav"),
    ]
}

#[test]
fn same_speaker_is_closer_than_different() {
    let enc = encoder();
    let [b1, b2, s1, s2] = fixtures();
    let e = enc.embed_utterances(&[&b1, &b2, &s1, &s2]);
    let same = [e[0].dot(&e[1]), e[2].dot(&e[3])];
    let diff = [
        e[0].dot(&e[2]),
        e[0].dot(&e[3]),
        e[1].dot(&e[2]),
        e[1].dot(&e[3]),
    ];
    for s in same {
        assert!(s > 0.75, "same-speaker cosine {s}");
    }
    for d in diff {
        assert!(d < 0.68, "different-speaker cosine {d}");
    }
    // Level does not matter with the default both-ways volume normalisation.
    let quiet: Vec<f32> = b1.iter().map(|v| v * 0.1).collect();
    assert!(enc.embed_utterance(&quiet).dot(&e[0]) > 0.999);
}

#[test]
fn clustering_fixtures_known_and_auto() {
    use observant::speakers::{ClusterConfig, Item, cluster};
    let enc = encoder();
    let [b1, b2, s1, s2] = fixtures();
    // Order of appearance: small, big, big, small.
    let clips = [&s1, &b1, &b2, &s2];
    let embs = enc.embed_utterances(&clips.map(|c| c.as_slice()));
    let items: Vec<Item> = embs
        .iter()
        .zip(clips.iter())
        .map(|(e, c)| Item {
            embedding: *e,
            duration_s: c.len() as f32 / 16000.0,
        })
        .collect();
    for cfg in [ClusterConfig::with_speakers(2), ClusterConfig::default()] {
        let c = cluster(&items, &cfg);
        assert_eq!(c.labels, vec![0, 1, 1, 0], "{cfg:?}");
        assert_eq!(c.label_names(), vec!["S1", "S2", "S2", "S1"]);
    }
}

#[test]
fn diarize_splits_joined_turns_and_uses_enrolled_names() {
    use observant::speakers::{DiarizeConfig, Enrollment, Segment, diarize};
    let enc = encoder();
    let [b1, b2, s1, s2] = fixtures();
    let enrolled = vec![
        Enrollment::from_pcm(&enc, "Bram", &b1).expect("enroll"),
        Enrollment::from_pcm(&enc, "Anna", &s1).expect("enroll"),
    ];
    assert!(Enrollment::from_pcm(&enc, "Kort", &b1[..8000]).is_err());
    assert!(Enrollment::from_pcm(&enc, "", &b1).is_err());
    // A recording: s1, pause, b1, pause, one segment holding b2 then s2 (no pause).
    let pause = vec![0f32; 8000];
    let mut pcm = Vec::new();
    let mut segs = Vec::new();
    for clip in [&s1, &b1] {
        segs.push(Segment {
            start: pcm.len(),
            end: pcm.len() + clip.len(),
        });
        pcm.extend_from_slice(clip);
        pcm.extend_from_slice(&pause);
    }
    let joined_start = pcm.len();
    pcm.extend_from_slice(&b2);
    let boundary = pcm.len();
    pcm.extend_from_slice(&s2);
    segs.push(Segment {
        start: joined_start,
        end: pcm.len(),
    });
    let cfg = DiarizeConfig {
        cluster: observant::speakers::ClusterConfig::with_speakers(2),
        enrolled,
        ..DiarizeConfig::default()
    };
    let d = diarize(&enc, &pcm, &segs, &cfg);
    assert_eq!(d.names, vec!["Anna", "Bram"]);
    let last: Vec<_> = d.turns.iter().filter(|t| t.segment == 2).collect();
    assert_eq!(last.len(), 2, "{:?}", d.turns);
    assert_eq!(d.names[last[0].speaker], "Bram");
    assert_eq!(d.names[last[1].speaker], "Anna");
    let err = last[1].start.abs_diff(boundary) as f64 / 16000.0;
    assert!(err < 0.8, "change found {err} s from the true boundary");
    // Odd segments are harmless.
    let odd = [
        Segment { start: 5, end: 2 },
        Segment {
            start: pcm.len() + 10,
            end: pcm.len() + 20,
        },
        Segment {
            start: 0,
            end: usize::MAX,
        },
    ];
    let d = diarize(&enc, &pcm, &odd, &DiarizeConfig::default());
    assert!(d.turns.len() >= 3);
    let d = diarize(&enc, &[], &[], &DiarizeConfig::default());
    assert!(d.turns.is_empty());
}

#[test]
fn online_attribution_of_fixtures() {
    use observant::speakers::{Enrollment, OnlineConfig, OnlineSpeakers};
    let enc = encoder();
    let [b1, b2, s1, s2] = fixtures();
    let mut o = OnlineSpeakers::new(OnlineConfig::default());
    let labels: Vec<String> = [&b1, &s1, &b2, &s2]
        .iter()
        .map(|c| {
            o.push(&enc.embed_utterance(c), c.len() as f32 / 16000.0)
                .label
        })
        .collect();
    assert_eq!(labels, vec!["S1", "S2", "S1", "S2"]);
    let anna = Enrollment::from_pcm(&enc, "Anna", &s1).expect("enroll");
    let mut o = OnlineSpeakers::with_enrollments(OnlineConfig::default(), &[anna]);
    let a = o.push(&enc.embed_utterance(&b2), 3.1);
    assert_eq!(a.label, "S1");
    assert_eq!(o.push(&enc.embed_utterance(&s2), 3.7).label, "Anna");
    o.reassign(a.utterance, 0).expect("reassign");
    assert_eq!(o.speaker_of(a.utterance), Some(0));
}

/// Truth-cut evaluation on `../shared/data/DIR`: per file (name, voices, known accuracy,
/// auto accuracy, speakers found, speech seconds).
fn evaluate_shared(dir: &str) -> Vec<(String, usize, f64, f64, usize, f64)> {
    use observant::speakers::eval::{Labeled, time_accuracy};
    use observant::speakers::{ClusterConfig, DiarizeConfig, Segment, diarize};
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(dir);
    let enc = encoder();
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("shared data (run with ../shared present)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    assert!(!wavs.is_empty());
    let mut out = Vec::new();
    for wav in wavs {
        let mut r = hound::WavReader::open(&wav).expect("wav");
        let pcm: Vec<f32> = r
            .samples::<i16>()
            .map(|s| f32::from(s.expect("sample")) / 32768.0)
            .collect();
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(wav.with_extension("json")).expect("json"),
        )
        .expect("truth json");
        let truth: Vec<Labeled> = json["utterances"]
            .as_array()
            .expect("utterances")
            .iter()
            .map(|u| Labeled {
                start: u["start"].as_f64().expect("start"),
                end: u["end"].as_f64().expect("end"),
                speaker: u["speaker"].as_str().expect("speaker").to_string(),
            })
            .collect();
        let mut voices: Vec<&str> = truth.iter().map(|t| t.speaker.as_str()).collect();
        voices.sort();
        voices.dedup();
        let segs: Vec<Segment> = truth
            .iter()
            .map(|t| Segment::from_secs(t.start, t.end))
            .collect();
        let run = |known: Option<usize>| {
            let cfg = DiarizeConfig {
                cluster: ClusterConfig {
                    num_speakers: known,
                    ..ClusterConfig::default()
                },
                ..DiarizeConfig::default()
            };
            let d = diarize(&enc, &pcm, &segs, &cfg);
            let hyp: Vec<Labeled> = d
                .turns
                .iter()
                .map(|t| Labeled {
                    start: t.start as f64 / 16000.0,
                    end: t.end as f64 / 16000.0,
                    speaker: d.names[t.speaker].clone(),
                })
                .collect();
            (time_accuracy(&hyp, &truth), d.names.len())
        };
        let (known, _) = run(Some(voices.len()));
        let (auto, found) = run(None);
        let speech: f64 = truth.iter().map(|t| t.end - t.start).sum();
        let name = wav
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        eprintln!(
            "{name}: {} voices, known {:.2}%, auto {:.2}% ({found} found)",
            voices.len(),
            known * 100.0,
            auto * 100.0
        );
        out.push((name, voices.len(), known, auto, found, speech));
    }
    out
}

fn by_time(rows: &[(String, usize, f64, f64, usize, f64)]) -> (f64, f64) {
    let tot: f64 = rows.iter().map(|r| r.5).sum();
    (
        rows.iter().map(|r| r.2 * r.5).sum::<f64>() / tot,
        rows.iter().map(|r| r.3 * r.5).sum::<f64>() / tot,
    )
}

/// Issue 3 acceptance on the visible Dutch set: >= 95 % of speech time right with the
/// known count, >= 90 % automatic.
#[test]
#[ignore = "needs ../shared/data/audio-nl"]
fn audio_nl_speaker_accuracy() {
    let rows = evaluate_shared("audio-nl");
    let (known, auto) = by_time(&rows);
    eprintln!(
        "audio-nl: known {:.2}%, auto {:.2}%",
        known * 100.0,
        auto * 100.0
    );
    assert!(known >= 0.95, "known-count accuracy {known}");
    assert!(auto >= 0.90, "automatic accuracy {auto}");
}

/// Multi-speaker (4-5 voices, mixed languages) set: reported, with a floor.
#[test]
#[ignore = "needs ../shared/data/audio-multi"]
fn audio_multi_speaker_accuracy() {
    let rows = evaluate_shared("audio-multi");
    let (known, auto) = by_time(&rows);
    eprintln!(
        "audio-multi: known {:.2}%, auto {:.2}%",
        known * 100.0,
        auto * 100.0
    );
    assert!(known >= 0.90, "known-count accuracy {known}");
    assert!(auto >= 0.85, "automatic accuracy {auto}");
    for r in &rows {
        assert!(r.4 >= 2 && r.4 <= 8, "{}: {} speakers found", r.0, r.4);
    }
}
