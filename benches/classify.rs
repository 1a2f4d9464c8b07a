//! Classification throughput: the dev-set utterances (as written and with punctuation
//! stripped and lowercased, as a transcriber delivers them) classified over and over on one
//! core. Target: >= 100,000 utterances/s. Criterion reports the figure as "thrpt" in
//! elements (utterances) per second; a plain wall-clock figure is printed as well.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use observant::analysis::LangHint;
use observant::analysis::classify::Classifier;

fn strip(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

fn utterances() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/utterances-dev.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("tests/fixtures/utterances-dev.jsonl");
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
            && let Some(t) = v["text"].as_str()
        {
            out.push(t.to_string());
            out.push(strip(t));
        }
    }
    assert!(!out.is_empty(), "no utterances in the dev set");
    out
}

fn bench(c: &mut Criterion) {
    let classifier = Classifier::new();
    let texts = utterances();

    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("dev_set_auto_lang", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(classifier.classify(black_box(t), LangHint::Auto));
            }
        })
    });
    g.finish();

    // Plain figure for the closing note: ~200,000 classifications on this thread.
    let rounds = (200_000 / texts.len()).max(1);
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            black_box(classifier.classify(black_box(t), LangHint::Auto));
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "classify: {n} utterances in {secs:.3} s = {:.0} utterances/s on one core",
        n as f64 / secs
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
