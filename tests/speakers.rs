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
        assert!(close(p.mel[0][j], *w, 2e-6), "mel[0][{j}] = {}", p.mel[0][j]);
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
    // changes the (linear) mel input and so, a little, the embedding.
    let both = encoder().embed_utterance(&test_signal());
    assert!(both.cosine(&e) > 0.8);
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
fn bad_model_files_give_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = VoiceEncoder::load(dir.path().join("nope.safetensors")).unwrap_err();
    assert!(format!("{missing:#}").contains("cannot read"), "{missing:#}");
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
