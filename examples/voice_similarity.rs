//! Calibration aid for group voice matching (README "Groepen / Groups"): the voices a
//! transcript names in one recording (the profile) against the voices named in others, as
//! a cosine-similarity table. Same names should be high, different names low; the gap
//! between them is where `groups::MATCH_SIMILARITY` belongs.
//!
//! `cargo run --release --example voice_similarity -- PROFILE.wav PROFILE.json OTHER.wav OTHER.json [...]`

use anyhow::{Context, Result};
use observant::groups::learn::learn_voices;
use observant::speakers::encoder::VoiceEncoder;
use observant::transcript::parse::load_transcript;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        args.len() >= 4 && args.len().is_multiple_of(2),
        "usage: voice_similarity PROFILE.wav PROFILE.json OTHER.wav OTHER.json [...]"
    );
    let enc = VoiceEncoder::load_default()?;
    let mut sets = Vec::new();
    for pair in args.chunks(2) {
        let pcm = observant::audio::decode::load_16k_mono(std::path::Path::new(&pair[0]), None)
            .with_context(|| pair[0].clone())?;
        let t = load_transcript(std::path::Path::new(&pair[1]))?;
        sets.push((pair[0].clone(), learn_voices(&enc, &pcm, &t).voices));
    }
    let centre = std::env::var("CENTRE").is_ok();
    let centred = |vs: &[observant::groups::learn::LearntVoice]| -> Vec<(String, observant::speakers::Embedding)> {
        let mut mean = observant::speakers::Embedding::default();
        for v in vs {
            let e = v.embedding.normalized();
            for (m, x) in mean.0.iter_mut().zip(e.0.iter()) {
                *m += x / vs.len() as f32;
            }
        }
        vs.iter()
            .map(|v| {
                let mut e = v.embedding.normalized();
                if centre {
                    for (x, m) in e.0.iter_mut().zip(mean.0.iter()) {
                        *x -= m;
                    }
                }
                (v.name.clone(), e.normalized())
            })
            .collect()
    };
    let profile = centred(&sets[0].1);
    let (mut same, mut diff) = (Vec::new(), Vec::new());
    for (file, voices) in &sets[1..] {
        println!("{file}");
        for v in centred(voices) {
            let row: Vec<String> = profile
                .iter()
                .map(|p| {
                    let s = p.1.cosine(&v.1);
                    if p.0 == v.0 {
                        same.push(s);
                    } else {
                        diff.push(s);
                    }
                    format!("{}={s:.3}", p.0)
                })
                .collect();
            println!("  {:12} {}", v.0, row.join(" "));
        }
    }
    let min = |v: &[f32]| v.iter().copied().fold(f32::INFINITY, f32::min);
    let max = |v: &[f32]| v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    println!(
        "same voice: {} pairs, min {:.3}; different voices: {} pairs, max {:.3}",
        same.len(),
        min(&same),
        diff.len(),
        max(&diff)
    );
    Ok(())
}
