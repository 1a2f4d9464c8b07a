//! Benchmarks of the analysis core on a synthetic 3-hour session (about 4,000 utterances,
//! 6 speakers), generated deterministically from realistic Dutch and English sentences.
//! Target (issue 2): the whole analysis, classification included, in < 50 ms.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::session::{analyze, analyze_classified, classify_all, lang_hint};
use observant::analysis::synthetic::session as synthetic_session;

fn benches(c: &mut Criterion) {
    let t = synthetic_session(3.0);
    let classifier = Classifier::new();
    let cfg = Config::default();
    eprintln!(
        "synthetic session: {} utterances, {:.0} s",
        t.utterances.len(),
        t.utterances.last().map_or(0.0, |u| u.end)
    );
    let mut g = c.benchmark_group("session_3h");
    g.sample_size(20);
    g.throughput(Throughput::Elements(t.utterances.len() as u64));
    g.bench_function("analyze_with_classification", |b| {
        b.iter(|| analyze(black_box(&t), &classifier, &cfg))
    });
    let cls = classify_all(&t, &classifier, lang_hint(None));
    g.bench_function("analyze_classified", |b| {
        b.iter(|| analyze_classified(black_box(&t), black_box(&cls), &cfg))
    });
    g.bench_function("classify_only", |b| {
        b.iter(|| classify_all(black_box(&t), &classifier, lang_hint(None)))
    });
    g.finish();
}

criterion_group!(analysis, benches);
criterion_main!(analysis);
