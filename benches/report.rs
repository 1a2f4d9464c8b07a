//! Benchmarks of the process-evaluation report on a synthetic 3-hour session (about 4,000
//! utterances, 6 speakers, a method with step marks), generated deterministically.
//! Target (issue 5): generating the report of a 3-hour session in < 1 s. Measured: the
//! whole path (analysis, report model, HTML), with and without pseudonymisation, and the
//! HTML and Markdown renderers alone; and opening the same session, saved as a session
//! folder, in review mode (target < 2 s).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::synthetic::session_with_names as synthetic_session;
use observant::i18n::UiLang;
use observant::report::{self, ReportSource, to_html, to_markdown};
use observant::session::Note;

fn source() -> ReportSource {
    let mut src = ReportSource::from_transcript(synthetic_session(3.0), "Synthetische sessie");
    src.notes = (0..40)
        .map(|k| Note {
            t: k as f64 * 270.0,
            text: format!("Notitie {k}: Carla kijkt naar Bram"),
        })
        .collect();
    src.created_unix = Some(1_764_288_000);
    src
}

fn bench_report(c: &mut Criterion) {
    let src = source();
    let cfg = Config::default();
    let cls = Classifier::shared();
    let report = report::generate(src.clone(), cls, &cfg, false);
    let html = to_html(&report, UiLang::Nl);
    eprintln!(
        "synthetic 3-hour session: {} utterances, {} flags, {} timeline spans, HTML {} KiB",
        report.utterance_count,
        report.flags.len(),
        report.timeline.len(),
        html.len() / 1024
    );
    let mut g = c.benchmark_group("report_3h");
    g.sample_size(10);
    g.bench_function("generate_and_html", |b| {
        b.iter(|| {
            let r = report::generate(black_box(src.clone()), cls, &cfg, false);
            black_box(to_html(&r, UiLang::Nl))
        })
    });
    g.bench_function("generate_and_html_pseudonymized", |b| {
        b.iter(|| {
            let r = report::generate(black_box(src.clone()), cls, &cfg, true);
            black_box(to_html(&r, UiLang::Nl))
        })
    });
    g.bench_function("html_only", |b| {
        b.iter(|| black_box(to_html(black_box(&report), UiLang::Nl)))
    });
    g.bench_function("markdown_only", |b| {
        b.iter(|| black_box(to_markdown(black_box(&report), UiLang::Nl)))
    });
    g.finish();
}

/// Opening a saved 3-hour session in review mode (journal replay, review edits, analysis,
/// lanes): issue 5 asks for < 2 s.
fn bench_review_open(c: &mut Criterion) {
    use observant::review::ReviewDoc;
    use observant::session::{Entry, Session, SessionMeta};
    let t = synthetic_session(3.0);
    let root = tempfile::tempdir().expect("temp dir");
    let meta = SessionMeta {
        title: "Synthetische sessie".into(),
        participants: t.participants.clone(),
        method: t.method.clone(),
        language: t.language.clone(),
        ..Default::default()
    };
    let (s, mut j) = Session::create(root.path(), meta).expect("session");
    for (index, u) in t.utterances.iter().enumerate() {
        j.append(&Entry::Utterance {
            index,
            utterance: u.clone(),
        })
        .expect("journal");
    }
    for m in &t.steps {
        j.append(&Entry::Step {
            step: m.step,
            t: m.start,
        })
        .expect("journal");
    }
    j.flush().expect("journal");
    let mut g = c.benchmark_group("review_3h");
    g.sample_size(10);
    g.bench_function("open_saved_session", |b| {
        b.iter(|| black_box(ReviewDoc::open(black_box(&s.dir), UiLang::Nl).expect("open")))
    });
    g.finish();
}

criterion_group!(benches, bench_report, bench_review_open);
criterion_main!(benches);
