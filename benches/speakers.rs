//! Speed of the GE2E voice encoder (`observant::speakers`): real-time factor of
//! `embed_utterances` on 60 s of speech cut into utterances (the way the pipeline calls
//! it) and of `embed_utterance` on one 3 s utterance. Uses `../shared/data/audio-nl` when
//! present, else a synthetic signal (the cost does not depend on the content).
//! Run: `cargo bench --bench speakers`; prints `RTF` (audio seconds per wall second).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use observant::speakers::VoiceEncoder;

const SR: usize = 16_000;

fn audio() -> Vec<f32> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/audio-nl/nl-fillets-cellar.wav");
    if let Ok(mut r) = hound::WavReader::open(&p) {
        let v: Vec<f32> = r
            .samples::<i16>()
            .filter_map(Result::ok)
            .map(|s| f32::from(s) / 32768.0)
            .collect();
        if v.len() >= 60 * SR {
            return v;
        }
    }
    let mut state = 12345u32;
    (0..120 * SR)
        .map(|n| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let t = n as f32 / SR as f32;
            0.1 * (2.0 * std::f32::consts::PI * (150.0 + 30.0 * (t * 3.0).sin()) * t).sin()
                + 0.02 * noise
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let enc = match VoiceEncoder::load_default() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("speakers bench skipped: {e:#}");
            return;
        }
    };
    let wav = audio();
    // 60 s as utterances of 2.5-5.5 s (typical Whisper segment lengths).
    let mut utts: Vec<&[f32]> = Vec::new();
    let mut at = 0;
    let lens = [2.5, 4.0, 3.0, 5.5, 3.5, 2.8];
    let mut i = 0;
    while at < 60 * SR {
        let n = (lens[i % lens.len()] * SR as f64) as usize;
        let end = (at + n).min(60 * SR);
        utts.push(&wav[at..end]);
        at = end;
        i += 1;
    }
    let secs = 60.0;
    let t = Instant::now();
    let runs = 3;
    for _ in 0..runs {
        black_box(enc.embed_utterances(black_box(&utts)));
    }
    let el = t.elapsed().as_secs_f64() / runs as f64;
    eprintln!(
        "speakers: embed_utterances on {secs} s in {} utterances: {:.3} s, RTF {:.1}x real time",
        utts.len(),
        el,
        secs / el
    );
    let one = &wav[..3 * SR];
    let t = Instant::now();
    for _ in 0..10 {
        black_box(enc.embed_utterance(black_box(one)));
    }
    let el1 = t.elapsed().as_secs_f64() / 10.0;
    eprintln!(
        "speakers: embed_utterance on one 3 s utterance: {:.1} ms, RTF {:.1}x real time",
        el1 * 1e3,
        3.0 / el1
    );

    let mut g = c.benchmark_group("speakers");
    g.sample_size(10);
    g.throughput(Throughput::Elements(60 * SR as u64));
    g.bench_function("embed_utterances_60s", |b| {
        b.iter(|| black_box(enc.embed_utterances(black_box(&utts))))
    });
    g.throughput(Throughput::Elements(3 * SR as u64));
    g.bench_function("embed_utterance_3s", |b| {
        b.iter(|| black_box(enc.embed_utterance(black_box(one))))
    });
    g.finish();
}

/// Matching a session's speakers to a group's voices (`group_speaker_names`): the live
/// attributor runs it after every utterance. 8 session speakers against 8 members with 8
/// prints each (the most a profile keeps): 0.86 ms measured on 2 Dec, against ~31 ms for
/// embedding a 3 s utterance, so it adds under 3 % to the speaker stage.
fn bench_group_match(c: &mut Criterion) {
    use observant::speakers::encoder::{EMBEDDING_DIM, Embedding};
    use observant::speakers::enroll::{Enrollment, group_speaker_names};
    let mut state = 7u32;
    let mut rnd = || {
        let mut e = Embedding::default();
        for v in e.0.iter_mut().take(EMBEDDING_DIM) {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v = (state >> 8) as f32 / (1u32 << 24) as f32;
        }
        e.normalized()
    };
    let centroids: Vec<Embedding> = (0..8).map(|_| rnd()).collect();
    let voices: Vec<Enrollment> = (0..8)
        .map(|k| {
            let mut e = Enrollment::from_embedding(&format!("M{k}"), rnd());
            e.alternates = (0..8).map(|_| rnd()).collect();
            e.centred = (0..8).map(|_| rnd()).collect();
            e
        })
        .collect();
    let mut g = c.benchmark_group("speakers");
    g.bench_function("group_match_8x8x8", |b| {
        b.iter(|| {
            black_box(group_speaker_names(
                black_box(&centroids),
                black_box(&voices),
                &observant::groups::VOICE_MATCH,
            ))
        })
    });
    g.finish();
}

/// The live attributor's push once its utterances are clustered again
/// (`OnlineSpeakers::push_prints`, see `speakers::online`): the cost of one utterance of 3.1 s
/// (three window prints) after 150 and after 1,500 utterances (about 12 and 120 minutes of
/// talk) of five voices. Up to 150 utterances every push re-clusters; beyond, every n/150-th,
/// so the 1,500 figure is the mean over ten pushes.
fn bench_online_recluster(c: &mut Criterion) {
    use observant::speakers::SegmentPrints;
    use observant::speakers::encoder::{EMBEDDING_DIM, Embedding};
    use observant::speakers::online::{OnlineConfig, OnlineSpeakers};
    let mut state = 11u32;
    let mut rnd = |voice: usize| {
        let mut e = Embedding::default();
        for v in e.0.iter_mut().take(EMBEDDING_DIM) {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v = 0.2 * (state >> 8) as f32 / (1u32 << 24) as f32;
        }
        e.0[voice] += 1.0;
        e.normalized()
    };
    let mut g = c.benchmark_group("speakers");
    for n in [150usize, 1500] {
        let mut base = OnlineSpeakers::new(OnlineConfig::default());
        let utterances: Vec<SegmentPrints> = (0..n + 10)
            .map(|j| SegmentPrints::from_windows(&[rnd(j % 5), rnd(j % 5), rnd(j % 5)]))
            .collect();
        for p in &utterances[..n] {
            base.push_prints(p.clone(), 3.1);
        }
        g.bench_function(format!("online_push_after_{n}_x10"), |b| {
            b.iter(|| {
                let mut o = base.clone();
                for p in &utterances[n..] {
                    black_box(o.push_prints(black_box(p.clone()), 3.1));
                }
            })
        });
    }
    // The worst case of a count the user gave (`OnlineConfig::known_speakers`): told six
    // voices where five speak, every re-clustering is checked against one into six.
    let n = 150usize;
    let config = OnlineConfig {
        known_speakers: Some(6),
        max_speakers: Some(6),
        ..OnlineConfig::default()
    };
    let mut base = OnlineSpeakers::new(config);
    let utterances: Vec<SegmentPrints> = (0..n + 10)
        .map(|j| SegmentPrints::from_windows(&[rnd(j % 5), rnd(j % 5), rnd(j % 5)]))
        .collect();
    for p in &utterances[..n] {
        base.push_prints(p.clone(), 3.1);
    }
    g.bench_function(format!("online_push_known_count_after_{n}_x10"), |b| {
        b.iter(|| {
            let mut o = base.clone();
            for p in &utterances[n..] {
                black_box(o.push_prints(black_box(p.clone()), 3.1));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_group_match, bench_online_recluster);
criterion_main!(benches);
