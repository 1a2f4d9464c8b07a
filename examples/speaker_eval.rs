//! Evaluation of speaker attribution on the shared test recordings
//! (`../shared/data/audio-nl`, two voices, and `../shared/data/audio-multi`, 4-5 voices):
//! each file is cut by its truth `start`/`end`, the segments are attributed with
//! `speakers::diarize` (known count and automatic), and the share of speech time with the
//! right speaker (after the optimal label mapping) is printed. Also: coarser segmentations
//! (two turns per segment with and without the pause between them, fixed 30 s segments),
//! speaker-change splitting on joined pairs of turns, the online attributor, enrollment,
//! and speed.
//!
//! Run: `cargo run --release --example speaker_eval [-- DIR ...]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use observant::speakers::eval::{Labeled, time_accuracy};
use observant::speakers::{
    ChangeConfig, ClusterConfig, DiarizeConfig, Enrollment, OnlineConfig, OnlineSpeakers, Segment,
    VoiceEncoder, diarize, split_segment,
};

const SR: f64 = 16_000.0;

struct Recording {
    name: String,
    pcm: Vec<f32>,
    truth: Vec<Labeled>,
}

fn read_wav(path: &Path) -> Result<Vec<f32>> {
    let mut r = hound::WavReader::open(path).with_context(|| format!("open {}", path.display()))?;
    let spec = r.spec();
    if spec.sample_rate != 16_000 || spec.channels != 1 || spec.bits_per_sample != 16 {
        bail!("{}: expected 16 kHz mono 16-bit", path.display());
    }
    Ok(r.samples::<i16>()
        .filter_map(Result::ok)
        .map(|s| f32::from(s) / 32768.0)
        .collect())
}

fn load_dir(dir: &Path) -> Result<Vec<Recording>> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    paths.sort();
    for wav in paths {
        let json = wav.with_extension("json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
        let truth = v["utterances"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|u| Labeled {
                        start: u["start"].as_f64().unwrap_or(0.0),
                        end: u["end"].as_f64().unwrap_or(0.0),
                        speaker: u["speaker"].as_str().unwrap_or("?").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Recording {
            name: wav
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            pcm: read_wav(&wav)?,
            truth,
        });
    }
    Ok(out)
}

fn speakers_in(truth: &[Labeled]) -> Vec<String> {
    let mut s: Vec<String> = Vec::new();
    for t in truth {
        if !s.contains(&t.speaker) {
            s.push(t.speaker.clone());
        }
    }
    s
}

fn segments(truth: &[Labeled]) -> Vec<Segment> {
    truth
        .iter()
        .map(|t| Segment::from_secs(t.start, t.end))
        .collect()
}

/// Returns (accuracy, speakers found).
fn run_diarize(enc: &VoiceEncoder, rec: &Recording, known: Option<usize>) -> (f64, usize) {
    let cfg = DiarizeConfig {
        cluster: ClusterConfig {
            num_speakers: known,
            ..ClusterConfig::default()
        },
        ..DiarizeConfig::default()
    };
    let d = diarize(enc, &rec.pcm, &segments(&rec.truth), &cfg);
    let hyp: Vec<Labeled> = d
        .turns
        .iter()
        .map(|t| Labeled {
            start: t.start as f64 / SR,
            end: t.end as f64 / SR,
            speaker: d.names.get(t.speaker).cloned().unwrap_or_default(),
        })
        .collect();
    (time_accuracy(&hyp, &rec.truth), d.names.len())
}

/// The same recordings with the pauses between turns removed (truth times shifted).
fn without_pauses(rec: &Recording) -> Recording {
    let mut pcm = Vec::new();
    let mut truth = Vec::new();
    for t in &rec.truth {
        let s = Segment::from_secs(t.start, t.end);
        let start = pcm.len() as f64 / SR;
        pcm.extend_from_slice(&rec.pcm[s.start.min(rec.pcm.len())..s.end.min(rec.pcm.len())]);
        truth.push(Labeled {
            start,
            end: pcm.len() as f64 / SR,
            speaker: t.speaker.clone(),
        });
    }
    Recording {
        name: rec.name.clone(),
        pcm,
        truth,
    }
}

/// Diarizes with the given segmentation (known count and automatic) and prints accuracy.
fn coarse(
    enc: &VoiceEncoder,
    all: &[(String, Vec<Recording>)],
    segment: impl Fn(&Recording) -> Vec<Segment>,
) {
    for (dir, recs) in all {
        let (mut tk, mut ta, mut tot) = (0.0, 0.0, 0.0);
        for rec in recs {
            let n = speakers_in(&rec.truth).len();
            let segs = segment(rec);
            let speech: f64 = rec.truth.iter().map(|t| t.end - t.start).sum();
            let mut accs = [0.0; 2];
            for (slot, known) in [Some(n), None].into_iter().enumerate() {
                let cfg = DiarizeConfig {
                    cluster: ClusterConfig {
                        num_speakers: known,
                        ..ClusterConfig::default()
                    },
                    split_min_s: Some(2.4),
                    ..DiarizeConfig::default()
                };
                let d = diarize(enc, &rec.pcm, &segs, &cfg);
                let hyp: Vec<Labeled> = d
                    .turns
                    .iter()
                    .map(|t| Labeled {
                        start: t.start as f64 / SR,
                        end: t.end as f64 / SR,
                        speaker: d.names.get(t.speaker).cloned().unwrap_or_default(),
                    })
                    .collect();
                accs[slot] = time_accuracy(&hyp, &rec.truth);
            }
            println!(
                "{:<28} {n} voices  known {:6.2}%  auto {:6.2}%",
                rec.name,
                accs[0] * 100.0,
                accs[1] * 100.0
            );
            tk += accs[0] * speech;
            ta += accs[1] * speech;
            tot += speech;
        }
        println!(
            "{dir}: coarse, by speech time known {:.2}%  auto {:.2}%",
            tk / tot * 100.0,
            ta / tot * 100.0
        );
    }
}

fn clustering(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) {
    println!("== clustering (segments cut by the truth bounds)");
    for (dir, recs) in all {
        let (mut tk, mut ta, mut tot) = (0.0, 0.0, 0.0);
        for rec in recs {
            let n = speakers_in(&rec.truth).len();
            let speech: f64 = rec.truth.iter().map(|t| t.end - t.start).sum();
            let t0 = Instant::now();
            let (known, _) = run_diarize(enc, rec, Some(n));
            let el = t0.elapsed().as_secs_f64();
            let (auto, found) = run_diarize(enc, rec, None);
            println!(
                "{:<28} {n} voices  known {:6.2}%  auto {:6.2}% ({found} found)  {:.1}x real time",
                rec.name,
                known * 100.0,
                auto * 100.0,
                speech / el
            );
            tk += known * speech;
            ta += auto * speech;
            tot += speech;
        }
        println!(
            "{dir}: by speech time known {:.2}%  auto {:.2}%",
            tk / tot * 100.0,
            ta / tot * 100.0
        );
    }
}

fn coarse_segments(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) {
    println!("== coarse segments: each segment spans two consecutive turns (pause included)");
    coarse(enc, all, |rec| {
        rec.truth
            .chunks(2)
            .map(|c| Segment::from_secs(c[0].start, c[c.len() - 1].end))
            .collect()
    });
    println!("== no pauses: turns joined back to back, segments of two turns");
    let joined: Vec<(String, Vec<Recording>)> = all
        .iter()
        .map(|(dir, recs)| (dir.clone(), recs.iter().map(without_pauses).collect()))
        .collect();
    coarse(enc, &joined, |rec| {
        rec.truth
            .chunks(2)
            .map(|c| Segment::from_secs(c[0].start, c[c.len() - 1].end))
            .collect()
    });
    println!("== no pauses, fixed 30 s segments (like Whisper windows)");
    coarse(enc, &joined, |rec| {
        let n = rec.pcm.len();
        (0..n)
            .step_by(30 * 16_000)
            .map(|a| Segment {
                start: a,
                end: (a + 30 * 16_000).min(n),
            })
            .collect()
    });
}

fn change_splitting(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) {
    println!("== speaker-change splitting on two joined turns (known centroids)");
    for (dir, recs) in all {
        let (mut right, mut total, mut split_same, mut same) = (0.0, 0.0, 0usize, 0usize);
        for rec in recs {
            let d = diarize(
                enc,
                &rec.pcm,
                &segments(&rec.truth),
                &DiarizeConfig {
                    split_min_s: None,
                    ..DiarizeConfig::default()
                },
            );
            for (k, pair) in rec.truth.windows(2).enumerate() {
                let (a, b) = (&pair[0], &pair[1]);
                if a.end - a.start < 1.5 || b.end - b.start < 1.5 {
                    continue;
                }
                let sa = &rec.pcm[Segment::from_secs(a.start, a.end).start
                    ..Segment::from_secs(a.start, a.end).end.min(rec.pcm.len())];
                let sb = &rec.pcm[Segment::from_secs(b.start, b.end).start
                    ..Segment::from_secs(b.start, b.end).end.min(rec.pcm.len())];
                let joined: Vec<f32> = sa.iter().chain(sb.iter()).copied().collect();
                let pieces = split_segment(enc, &joined, &d.centroids, &ChangeConfig::default());
                let (la, lb) = (d.segment_speakers[k], d.segment_speakers[k + 1]);
                if a.speaker == b.speaker {
                    same += 1;
                    if pieces.len() > 1 {
                        split_same += 1;
                    }
                    continue;
                }
                // Time attributed correctly, taking the clustering labels as truth.
                for p in &pieces {
                    let (ps, pe) = (p.start, p.end);
                    let in_a = pe.min(sa.len()).saturating_sub(ps.min(sa.len()));
                    let in_b = (pe - ps) - in_a;
                    if p.speaker == la {
                        right += in_a as f64;
                    }
                    if p.speaker == lb {
                        right += in_b as f64;
                    }
                }
                total += joined.len() as f64;
            }
        }
        println!(
            "{dir}: different-speaker pairs: {:.1}% of time right; same-speaker pairs split: {split_same}/{same}",
            right / total.max(1.0) * 100.0
        );
    }
}

fn online_attribution(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) {
    println!("== online attributor (one utterance at a time)");
    for (dir, recs) in all {
        for rec in recs {
            let mut online = OnlineSpeakers::new(OnlineConfig::default());
            let segs = segments(&rec.truth);
            let audio: Vec<&[f32]> = segs
                .iter()
                .map(|s| &rec.pcm[s.start.min(rec.pcm.len())..s.end.min(rec.pcm.len())])
                .collect();
            let embs = enc.embed_utterances(&audio);
            let hyp: Vec<Labeled> = rec
                .truth
                .iter()
                .zip(embs.iter())
                .map(|(t, e)| Labeled {
                    start: t.start,
                    end: t.end,
                    speaker: online.push(e, (t.end - t.start) as f32).label,
                })
                .collect();
            println!(
                "{dir} {:<28} online {:6.2}% ({} speakers)",
                rec.name,
                time_accuracy(&hyp, &rec.truth) * 100.0,
                online.num_speakers()
            );
        }
    }
}

fn enrollment(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) -> Result<()> {
    println!("== enrollment (first two turns of each voice in the first file enroll it)");
    for (dir, recs) in all {
        let Some(first) = recs.first() else { continue };
        let mut enrolled = Vec::new();
        for name in speakers_in(&first.truth) {
            let clips: Vec<&[f32]> = first
                .truth
                .iter()
                .filter(|t| t.speaker == name)
                .take(2)
                .map(|t| {
                    let s = Segment::from_secs(t.start, t.end);
                    &first.pcm[s.start.min(first.pcm.len())..s.end.min(first.pcm.len())]
                })
                .collect();
            enrolled.push(Enrollment::from_clips(enc, &name, &clips)?);
        }
        for rec in recs.iter().skip(1) {
            let cfg = DiarizeConfig {
                enrolled: enrolled.clone(),
                ..DiarizeConfig::default()
            };
            let d = diarize(enc, &rec.pcm, &segments(&rec.truth), &cfg);
            let mut right = 0.0;
            let mut tot = 0.0;
            for t in &d.turns {
                let secs = (t.end - t.start) as f64 / SR;
                let mid = (t.start + t.end) as f64 / 2.0 / SR;
                let truth = rec.truth.iter().find(|u| u.start <= mid && mid <= u.end);
                if truth.is_some_and(|u| Some(&u.speaker) == d.names.get(t.speaker)) {
                    right += secs;
                }
                tot += secs;
            }
            println!(
                "{dir} {:<28} names {:?}: {:.2}% of time named correctly",
                rec.name,
                d.names,
                right / tot.max(1e-9) * 100.0
            );
        }
    }

    Ok(())
}

fn speed(enc: &VoiceEncoder, all: &[(String, Vec<Recording>)]) {
    println!("== speed");
    let rec = &all[0].1[0];
    let t0 = Instant::now();
    let emb = enc.embed_utterances(&[&rec.pcm]);
    let el = t0.elapsed().as_secs_f64();
    println!(
        "{}: {:.1} s of audio embedded as one utterance in {:.2} s ({:.1}x real time, {} dims)",
        rec.name,
        rec.pcm.len() as f64 / SR,
        el,
        rec.pcm.len() as f64 / SR / el,
        emb[0].0.len()
    );
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("data");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dirs: Vec<PathBuf> = if args.is_empty() {
        vec![root.join("audio-nl"), root.join("audio-multi")]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let enc = VoiceEncoder::load_default()?;
    let mut all: Vec<(String, Vec<Recording>)> = Vec::new();
    for d in &dirs {
        all.push((d.display().to_string(), load_dir(d)?));
    }

    clustering(&enc, &all);
    coarse_segments(&enc, &all);
    change_splitting(&enc, &all);
    online_attribution(&enc, &all);
    enrollment(&enc, &all)?;
    speed(&enc, &all);
    Ok(())
}
