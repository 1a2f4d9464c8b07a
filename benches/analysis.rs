//! Benchmarks of the analysis core on a synthetic 3-hour session (about 4,000 utterances,
//! 6 speakers), generated deterministically from realistic Dutch and English sentences.
//! Target (issue 2): the whole analysis, classification included, in < 50 ms.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::session::{analyze, analyze_classified, classify_all, lang_hint};
use observant::transcript::{Participant, Role, StepMark, Transcript, Utterance};

const QUESTIONS: &[&str] = &[
    "Wat gebeurde er precies op dat moment?",
    "Hoe reageerde je teamleider toen je het vertelde?",
    "Wat betekent deze situatie voor jou?",
    "Waarom heb je dat toen niet gezegd?",
    "heb je er al aan gedacht om het gewoon met haar te bespreken",
    "Wat wil je dat er anders wordt?",
    "en hoe voelde dat eh voor jou",
    "Is dat vaker gebeurd?",
    "What did you notice in yourself at that moment?",
    "Why didn't you raise it earlier?",
    "Hoe lang speelt dit al? En wie weet ervan?",
];

const SHORT: &[&str] = &[
    "Ja.",
    "Mm.",
    "Klopt.",
    "Precies.",
    "Nee, niet echt.",
    "Right.",
    "Eh...",
    "Dat snap ik.",
];

const STATEMENTS: &[&str] = &[
    "Ik merk dat ik het lastig vind om daar iets van te zeggen, want ik wil de sfeer niet verpesten.",
    "Het gaat over een collega die steeds te laat komt bij de overdracht, en niemand spreekt haar erop aan.",
    "Ik zou gewoon een gesprek met haar plannen en duidelijk zeggen wat je verwacht.",
    "Ja maar dat is niet zo, volgens mij heeft ze het echt wel gehoord.",
    "nou ik denk dat het meer met de werkdruk te maken heeft dan met haar",
    "Wat mij opvalt is hoeveel verantwoordelijkheid je op je eigen schouders legt.",
    "Dank je, ik vat het even samen voordat we verder gaan.",
    "Mm.",
    "Ja.",
    "I think the team is watching how you handle this, and that matters more than the rota.",
    "Dat herken ik wel, bij ons op de afdeling was het vorig jaar precies hetzelfde.",
    "Volgens mij speelt hier ook mee dat je zelf nog nieuw bent in deze rol.",
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

/// Utterances in the synthetic session (issue 2: "about 4,000" in 3 hours).
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
    let mut utterances = Vec::new();
    let total = hours * 3600.0;
    let mut t = 0.5;
    let mut last = 0usize;
    for _ in 0..UTTERANCES {
        // The inbrenger answers often; participants ask; the observant rarely speaks.
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
        t += dur + 0.1 + rng.below(4) as f64 * 0.1;
    }
    // Stretch to exactly `hours`, keeping the proportions of speech and pauses.
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
        language: None,
        participants,
        utterances,
        method: Some("crea".into()),
        steps,
    }
}

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
