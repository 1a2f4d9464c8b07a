//! Synthetic sessions for benchmarks and performance tests: a deterministic 3-hour-style
//! transcript (about 4,000 utterances, 6 speakers, CREA step marks) built from realistic
//! Dutch and English sentences. Not used by the product itself; shared by `benches/` and the
//! review-mode timing test so they all measure the same input.

use observant_model::transcript::{Participant, Role, StepMark, Transcript, Utterance};

/// Utterances in a synthetic session (issue 2: "about 4,000" in 3 hours).
pub const UTTERANCES: usize = 4000;

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

/// Dutch only, with participant names inside the text (for pseudonymisation).
const NAMED_QUESTIONS: &[&str] = &[
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

const NAMED_SHORT: &[&str] = &[
    "Ja.",
    "Mm.",
    "Klopt.",
    "Precies.",
    "Nee, niet echt.",
    "Eh...",
];

const NAMED_STATEMENTS: &[&str] = &[
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

struct Phrases {
    questions: &'static [&'static str],
    short: &'static [&'static str],
    statements: &'static [&'static str],
    /// Now and then (1 in 200) a 12 s pause.
    pauses: bool,
    language: Option<&'static str>,
}

/// The six participants: Anna (facilitator), Bram (inbrenger), Carla, Dirk, Eva
/// (deelnemers) and Frank (observant).
pub fn participants() -> Vec<Participant> {
    let names = ["Anna", "Bram", "Carla", "Dirk", "Eva", "Frank"];
    let roles = [
        Role::Facilitator,
        Role::Inbrenger,
        Role::Deelnemer,
        Role::Deelnemer,
        Role::Deelnemer,
        Role::Observant,
    ];
    names
        .iter()
        .zip(roles)
        .map(|(n, r)| Participant {
            name: n.to_string(),
            role: r,
        })
        .collect()
}

/// A synthetic CREA session of `hours` with [`UTTERANCES`] utterances, Dutch and English
/// mixed, no language set (the analysis benchmark's input).
pub fn session(hours: f64) -> Transcript {
    generate(
        hours,
        &Phrases {
            questions: QUESTIONS,
            short: SHORT,
            statements: STATEMENTS,
            pauses: false,
            language: None,
        },
    )
}

/// Like [`session`], Dutch only, with participant names inside utterances and occasional
/// long pauses (the report benchmark's input: quotes, pauses, pseudonymisation).
pub fn session_with_names(hours: f64) -> Transcript {
    generate(
        hours,
        &Phrases {
            questions: NAMED_QUESTIONS,
            short: NAMED_SHORT,
            statements: NAMED_STATEMENTS,
            pauses: true,
            language: Some("nl"),
        },
    )
}

fn generate(hours: f64, p: &Phrases) -> Transcript {
    let participants = participants();
    let names: Vec<String> = participants.iter().map(|p| p.name.clone()).collect();
    let mut rng = Lcg(0x5eed);
    let mut utterances = Vec::with_capacity(UTTERANCES);
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
            p.short[rng.below(p.short.len() as u64) as usize]
        } else if speaker != 1 && rng.below(2) == 0 {
            p.questions[rng.below(p.questions.len() as u64) as usize]
        } else {
            p.statements[rng.below(p.statements.len() as u64) as usize]
        };
        let words = text.split_whitespace().count() as f64;
        let dur = words / 3.0 + rng.below(6) as f64 * 0.1;
        utterances.push(Utterance {
            start: t,
            end: t + dur,
            speaker: names[speaker].clone(),
            text: text.to_string(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        });
        if p.pauses {
            let pause = if rng.below(200) == 0 { 12.0 } else { 0.0 };
            t += dur + 0.1 + rng.below(4) as f64 * 0.1 + pause;
        } else {
            t += dur + 0.1 + rng.below(4) as f64 * 0.1;
        }
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
        language: p.language.map(str::to_string),
        participants,
        utterances,
        method: Some("crea".into()),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_hours_of_four_thousand_ordered_utterances() {
        let t = session(3.0);
        assert_eq!(t.utterances.len(), UTTERANCES);
        let end = t.utterances.last().map_or(0.0, |u| u.end);
        assert!((end - 3.0 * 3600.0).abs() < 60.0, "{end}");
        assert!(t.utterances.windows(2).all(|w| w[0].start <= w[1].start));
        let named = session_with_names(3.0);
        assert!(named.utterances.iter().any(|u| u.text.contains("Bram")));
        assert_eq!(named.language.as_deref(), Some("nl"));
    }
}
