//! The decoding guard (`observant::asr::guard`): whisper.cpp asks it before every token of
//! every decoding, so its cost is paid up to 224 times per window. Measured at the worst
//! case, a full 224-token decoding of speech (no loop found, every unit length tried), per
//! call. Whisper itself takes about 20 ms per token with the base model on one core here.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use observant::asr::guard;

const TIMESTAMP_BEGIN: i32 = 50_364;

fn bench_guard(c: &mut Criterion) {
    // Text tokens that never repeat, a timestamp pair every 20 tokens: a window of speech.
    let ids: Vec<i32> = (0..224)
        .map(|i| {
            if i % 20 == 0 {
                TIMESTAMP_BEGIN + i
            } else {
                100 + (i * 7919) % 4000
            }
        })
        .collect();
    let budget = guard::max_tokens(28.0);
    let mut g = c.benchmark_group("asr_guard");
    g.bench_function("decide_after_224_tokens", |b| {
        b.iter(|| black_box(guard::decide(black_box(&ids), TIMESTAMP_BEGIN, budget)))
    });
    g.finish();
}

criterion_group!(benches, bench_guard);
criterion_main!(benches);
