//! Benchmarks of the process-evaluation report on a synthetic 3-hour session (about 4,000
//! utterances, 6 speakers, a method with step marks), generated deterministically.
//! Target (issue 5): generating the report of a 3-hour session in < 1 s. Measured: the
//! whole path (analysis, report model, HTML), with and without pseudonymisation, and the
//! HTML and Markdown renderers alone.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::i18n::UiLang;
use observant::report::{self, ReportSource, to_html, to_markdown};
use observant::session::Note;
use observant::transcript::{Participant, Role, StepMark, Transcript, Utterance};

const QUESTIONS: &[&str] = &[
    "Wat gebeurde er precies op dat moment, Bram?",
    "Hoe reageerde je teamleider toen je het vertelde?",
    "Wat betekent deze situatie voor jou?",
    "Waarom heb je dat toen niet gezegd?",
    "heb je er al aan gedacht om het gewoon met haar te bespreken",
    "Wat heb je over jezelf ontdekt, Bram?",
    "en hoe voelde dat eh voor jou",
    "Is dat vaker gebeurd?",
    "Hoe lang speelt dit al? En wie weet ervan? En wat zegt Carla ervan?",
];

const SHORT: &[&str] = &[
    "Ja.",
    "Mm.",
    "Klopt.",
    "Precies.",
    "Nee, niet echt.",
    "Eh...",
];

const STATEMENTS: &[&str] = &[
    "Ik merk dat ik het lastig vind om daar iets van te zeggen, want ik wil de sfeer niet verpesten.",
    "Het gaat over een collega die steeds te laat komt bij de overdracht, en niemand spreekt haar erop aan.",
    "Ik zou gewoon een gesprek met haar plannen en duidelijk zeggen wat je verwacht, Bram.",
    "Ja maar dat is niet zo, volgens mij heeft ze het echt wel gehoord.",
    "Wat mij opvalt is hoeveel verantwoordelijkheid je op je eigen schouders legt.",
    "Dank je Dirk, ik vat het even samen voordat we verder gaan.",
    "Dat herken ik wel, bij ons op de afdeling was het vorig jaar precies hetzelfde.",
];

/// Tiny deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const UTTERANCES: usize = 4000;

fn synthetic_session(hours: f64) -> Transcript {
    let names = ["Anna", "Bram", "Carla", "Dirk", "Eva", "Frank"];
    let roles = [
        Role::Facilitator,
        Role::Inbrenger,
        Role::Deelnemer,
        Role::Deelnemer,
        Role::Deelnemer,
        Role::Observant,
    ];
    let participants = names
        .iter()
        .zip(roles)
        .map(|(n, r)| Participant {
            name: n.to_string(),
            role: r,
        })
        .collect();
    let mut rng = Lcg(0x5eed);
    let mut utterances = Vec::with_capacity(UTTERANCES);
    let total = hours * 3600.0;
    let mut t = 0.5;
    let mut last = 0usize;
    for _ in 0..UTTERANCES {
        let speaker = match rng.below(20) {
            0..=6 => 1,
            7..=9 => 2,
            10..=12 => 3,
            13..=15 => 4,
            16..=18 => 0,
            _ => 5,
        };
        let speaker = if speaker == last {
            (speaker + 1) % 6
        } else {
            speaker
        };
        last = speaker;
        let text = if rng.below(4) == 0 {
            SHORT[rng.below(SHORT.len() as u64) as usize]
        } else if speaker != 1 && rng.below(2) == 0 {
            QUESTIONS[rng.below(QUESTIONS.len() as u64) as usize]
        } else {
            STATEMENTS[rng.below(STATEMENTS.len() as u64) as usize]
        };
        let words = text.split_whitespace().count() as f64;
        let dur = words / 3.0 + rng.below(6) as f64 * 0.1;
        utterances.push(Utterance {
            start: t,
            end: t + dur,
            speaker: names[speaker].to_string(),
            text: text.to_string(),
            confidence: None,
        });
        // Now and then a long pause.
        let pause = if rng.below(200) == 0 { 12.0 } else { 0.0 };
        t += dur + 0.1 + rng.below(4) as f64 * 0.1 + pause;
    }
    let scale = total / t;
    for u in &mut utterances {
        u.start *= scale;
        u.end *= scale;
    }
    let steps = (1..=7)
        .map(|k| StepMark {
            step: k,
            start: (k - 1) as f64 * total / 7.0,
        })
        .collect();
    Transcript {
        language: Some("nl".into()),
        participants,
        utterances,
        method: Some("crea".into()),
        steps,
    }
}

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

criterion_group!(benches, bench_report);
criterion_main!(benches);
