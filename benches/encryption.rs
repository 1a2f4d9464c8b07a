//! Benchmarks of encryption at rest (criterion): writing an hour of 16 kHz audio into an
//! encrypted session (0.5 s sealed records, XChaCha20-Poly1305) and reading it all back
//! (decrypting every record), against the plain WAV path; plus the Argon2id key derivation a
//! session open costs. Run with `cargo bench --bench encryption`; the real-time factor is
//! 3600 s divided by the time per iteration.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use observant::session::{Secret, Session, SessionMeta};

const HOUR: usize = 3600 * 16000;

fn audio() -> Vec<f32> {
    (0..16000 * 10)
        .map(|i| ((i as f32) * 0.013).sin() * 0.4)
        .cycle()
        .take(HOUR)
        .collect()
}

fn write_hour(root: &std::path::Path, secret: Option<&Secret>, pcm: &[f32]) -> Session {
    let (s, j) = Session::create_with(root, SessionMeta::default(), secret).unwrap();
    drop(j);
    let mut w = s.create_audio_writer(16000).unwrap();
    // As the live pipeline does: a capture buffer at a time, a flush every second.
    for (i, chunk) in pcm.chunks(1600).enumerate() {
        w.write(chunk).unwrap();
        if i % 10 == 9 {
            w.flush().unwrap();
        }
    }
    w.finish().unwrap();
    s
}

fn bench(c: &mut Criterion) {
    let pcm = audio();
    let secret = Secret::new("bench passphrase").unwrap();
    let mut g = c.benchmark_group("hour_of_audio");
    g.sample_size(10);
    for (name, sec) in [("encrypted", Some(&secret)), ("plain_wav", None)] {
        g.bench_function(format!("write_{name}"), |b| {
            b.iter_with_large_drop(|| {
                let root = tempfile::tempdir().unwrap();
                write_hour(root.path(), sec, &pcm);
                root
            })
        });
        let root = tempfile::tempdir().unwrap();
        let s = write_hour(root.path(), sec, &pcm);
        let dir = s.dir.clone();
        drop(s);
        let s = match sec {
            Some(k) => Session::open_with(&dir, k).unwrap(),
            None => Session::open(&dir).unwrap(),
        };
        g.bench_function(format!("read_all_{name}"), |b| {
            b.iter(|| {
                let mut a = s.audio().unwrap().unwrap();
                black_box(a.read_all().unwrap().len())
            })
        });
        g.bench_function(format!("seek_and_read_1s_{name}"), |b| {
            let mut a = s.audio().unwrap().unwrap();
            let mut buf = vec![0.0f32; 16000];
            let mut at = 0u64;
            b.iter(|| {
                at = (at + 7_777_777) % (HOUR as u64 - 16000);
                black_box(a.read(at, &mut buf).unwrap())
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("key");
    g.sample_size(10);
    let root = tempfile::tempdir().unwrap();
    let (s, j) = Session::create_with(root.path(), SessionMeta::default(), Some(&secret)).unwrap();
    drop(j);
    let dir = s.dir.clone();
    drop(s);
    g.bench_function("open_session_argon2id_64MiB_t3", |b| {
        b.iter(|| black_box(Session::open_with(&dir, &secret).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
