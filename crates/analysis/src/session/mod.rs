//! Session analysis: from a transcript and its utterance classifications to flags
//! (pitfalls) and per-speaker statistics, role- and method-aware.
//!
//! [`analyze`] classifies and analyses; [`analyze_classified`] takes precomputed
//! classifications, so the rules are testable without the classifier. Both are
//! deterministic, do no I/O and never panic, whatever the input (unsorted, overlapping or
//! non-finite times are tolerated: times are sanitised and utterances visited in time order).
//!
//! The four contract flags follow `shared/contract.md` exactly:
//! * `why_question` / `advice`: by anyone but the inbrenger; advice not in the method steps
//!   where ideas are expected (CREA step 3, Roddel step 3; needs step marks).
//! * `rapid_fire`: 3 or more question sentences from others than the target within 60 s, the
//!   target speaking < 5 s in total between consecutive questions; target = the inbrenger,
//!   else the last other speaker before the first question; one flag per burst. With step
//!   marks, questions in a step where the inbrenger only listens do not count (the group
//!   talks among itself there).
//! * `dominance`: rolling 5-minute window holding >= 2 min of speech, a non-inbrenger's share
//!   reaching max(0.4, 2/N); one flag per episode, from the first qualifying window's start to the
//!   last one's end. The share, as a function of the window position, is a ratio of piecewise
//!   linear functions, so it is extreme where a window edge meets an utterance edge: only
//!   those positions are evaluated, each in O(speakers · log n) with prefix sums.
//!
//! Further kinds: closed_question, stacked_questions, iwab, discussion, silent_participant,
//! long_monologue and the method-step rules (phase_overrun,
//! inbrenger_spoke_in_listening_phase, questions_in_silent_phase, non_informative_question).

use super::classify::Classifier;
use super::config::Config;
use super::types::{Analysis, Classification, LangHint};
use observant_model::transcript::Transcript;

mod ctx;
mod detect;
mod output;

use ctx::Ctx;

/// Classifies every utterance and analyses the session. The classification language comes
/// from the transcript's `language` ("nl", "en"), else it is decided per utterance.
pub fn analyze(t: &Transcript, classifier: &Classifier, cfg: &Config) -> Analysis {
    let hint = lang_hint(t.language.as_deref());
    let cls = classify_all(t, classifier, hint);
    analyze_classified(t, &cls, cfg)
}

/// Classifies every utterance of a transcript.
pub fn classify_all(
    t: &Transcript,
    classifier: &Classifier,
    hint: LangHint,
) -> Vec<Classification> {
    t.utterances
        .iter()
        .map(|u| classifier.classify(&u.text, hint))
        .collect()
}

/// The classifier hint for a transcript language tag ("nl", "nl-BE", "en-GB", "Dutch" ...).
pub fn lang_hint(language: Option<&str>) -> LangHint {
    LangHint::from_code(language)
}

/// Analyses a transcript with one classification per utterance (missing ones count as
/// "nothing detected"). Flags carry facts ([`crate::FlagDetail`]), not words: the report/UI
/// layer writes their message and evidence in the reader's language.
pub fn analyze_classified(t: &Transcript, cls: &[Classification], cfg: &Config) -> Analysis {
    let mut ctx = Ctx::new(t, cls, cfg);
    let mut flags = Vec::new();
    for d in detect::DETECTORS {
        d.detect(&ctx, &mut flags);
    }
    flags.sort_by(|a, b| {
        a.start
            .total_cmp(&b.start)
            .then(a.end.total_cmp(&b.end))
            .then(a.kind.cmp(&b.kind))
            .then(a.speaker.cmp(&b.speaker))
    });
    Analysis {
        utterances: ctx.analyzed_utterances(),
        flags,
        speakers: ctx.speaker_stats(),
        language: ctx.language(),
        method: t.method.clone(),
        steps: std::mem::take(&mut ctx.steps),
        duration_seconds: round(ctx.end, 3),
    }
}

pub(crate) fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Flag, FlagKind, QuestionFocus, QuestionType};
    use observant_model::i18n::UiLang;
    use observant_model::transcript::{Participant, Utterance};
    use observant_model::transcript::{Role, StepMark};

    fn utt(start: f64, end: f64, speaker: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }
    fn part(name: &str, role: Role) -> Participant {
        Participant {
            name: name.into(),
            role,
        }
    }
    fn question(n: u32) -> Classification {
        Classification {
            question: QuestionType::Open,
            questions: n,
            ..Default::default()
        }
    }
    fn transcript(us: Vec<Utterance>) -> Transcript {
        Transcript {
            participants: vec![
                part("F", Role::Facilitator),
                part("I", Role::Inbrenger),
                part("A", Role::Deelnemer),
                part("B", Role::Deelnemer),
                part("O", Role::Observant),
            ],
            utterances: us,
            ..Default::default()
        }
    }
    fn kinds(a: &Analysis, k: FlagKind) -> Vec<&Flag> {
        a.flags.iter().filter(|f| f.kind == k).collect()
    }

    #[test]
    fn why_and_advice_not_for_inbrenger_and_not_in_idea_steps() {
        let mut t = transcript(vec![
            utt(0.0, 5.0, "A"),
            utt(6.0, 10.0, "I"),
            utt(11.0, 15.0, "B"),
            utt(200.0, 205.0, "B"),
        ]);
        let why = Classification {
            why: true,
            question: QuestionType::Open,
            questions: 1,
            ..Default::default()
        };
        let adv = Classification {
            advice: true,
            ..Default::default()
        };
        let cls = vec![why.clone(), why, adv.clone(), adv];
        let a = analyze_classified(&t, &cls, &Config::default());
        let w = kinds(&a, FlagKind::WhyQuestion);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].utterances, vec![0]);
        assert_eq!(w[0].target.as_deref(), Some("I"));
        assert_eq!(kinds(&a, FlagKind::Advice).len(), 2);
        // CREA step 3 from 100 s: the second advice is expected there.
        t.method = Some("crea".into());
        t.steps = vec![
            StepMark {
                step: 2,
                start: 0.0,
            },
            StepMark {
                step: 3,
                start: 100.0,
            },
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        let adv: Vec<_> = kinds(&a, FlagKind::Advice);
        assert_eq!(adv.len(), 1);
        assert_eq!(adv[0].utterances, vec![2]);
        assert_eq!(a.utterances[3].extra.step, Some(3));
    }

    #[test]
    fn rapid_fire_burst_counts_sentences_and_respects_target_talk() {
        // Three askers, the inbrenger says only "eh" in between: one burst.
        let t = transcript(vec![
            utt(0.0, 20.0, "I"),
            utt(21.0, 23.0, "A"),
            utt(23.5, 25.0, "B"),
            utt(25.2, 25.6, "I"),
            utt(26.0, 28.0, "A"),
            utt(29.0, 60.0, "I"),
        ]);
        let cls = vec![
            Classification::default(),
            question(1),
            question(1),
            Classification::default(),
            question(1),
            Classification::default(),
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        let rf = kinds(&a, FlagKind::RapidFire);
        assert_eq!(rf.len(), 1, "{:#?}", a.flags);
        assert_eq!(rf[0].start, 21.0);
        assert_eq!(rf[0].end, 28.0);
        assert_eq!(rf[0].target.as_deref(), Some("I"));
        // If the inbrenger answers for 5 s between, no burst.
        let mut t2 = t.clone();
        t2.utterances[3] = utt(25.1, 30.1, "I");
        t2.utterances[4] = utt(30.5, 32.0, "A");
        t2.utterances[5] = utt(33.0, 60.0, "I");
        let a = analyze_classified(&t2, &cls, &Config::default());
        assert!(kinds(&a, FlagKind::RapidFire).is_empty(), "{:#?}", a.flags);
        // One turn with three question sentences counts three.
        let t3 = transcript(vec![utt(0.0, 10.0, "I"), utt(11.0, 20.0, "A")]);
        let a = analyze_classified(
            &t3,
            &[Classification::default(), question(3)],
            &Config::default(),
        );
        assert_eq!(kinds(&a, FlagKind::RapidFire).len(), 1);
        assert!(kinds(&a, FlagKind::StackedQuestions).is_empty());
    }

    #[test]
    fn a_rapid_fire_burst_marks_its_questions_not_the_inbrengers_hesitations() {
        // The inbrenger's "eh..." (and a participant's remark) inside the burst are not
        // questions of the burst; a chip on them would blame the wrong line.
        for between in ["I", "B"] {
            let t = transcript(vec![
                utt(0.0, 20.0, "I"),
                utt(21.0, 23.0, "A"),
                utt(23.2, 23.6, between),
                utt(23.8, 25.0, "B"),
                utt(25.2, 25.6, "I"),
                utt(26.0, 28.0, "A"),
                utt(29.0, 60.0, "I"),
            ]);
            let cls = vec![
                Classification::default(),
                question(1),
                Classification::default(),
                question(1),
                Classification::default(),
                question(1),
                Classification::default(),
            ];
            let a = analyze_classified(&t, &cls, &Config::default());
            let rf = kinds(&a, FlagKind::RapidFire);
            assert_eq!(rf.len(), 1, "{:#?}", a.flags);
            assert_eq!(rf[0].utterances, vec![1, 3, 5], "between: {between}");
        }
    }

    #[test]
    fn a_flag_resting_on_an_uncertain_word_is_uncertain() {
        let why = |cue: &str| Classification {
            question: QuestionType::Open,
            questions: 1,
            why: true,
            evidence: vec![crate::types::Evidence {
                label: "why".into(),
                cue: cue.into(),
            }],
            ..Default::default()
        };
        for (unsure, cue, expected) in [
            (vec!["waarom"], "Waarom", true),
            (vec!["hoezo"], "hoezo", true),
            (vec!["gedaan"], "waarom", false),
            (vec![], "waarom", false),
        ] {
            let mut u = utt(10.0, 12.0, "A");
            u.uncertain_words = unsure.iter().map(|w| w.to_string()).collect();
            let t = transcript(vec![utt(0.0, 5.0, "I"), u]);
            let a = analyze_classified(
                &t,
                &[Classification::default(), why(cue)],
                &Config::default(),
            );
            let f = kinds(&a, FlagKind::WhyQuestion);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].uncertain, expected, "{unsure:?} / {cue}");
            assert_eq!(
                a.utterances[1].extra.uncertain == vec!["why".to_string()],
                expected
            );
        }
    }

    #[test]
    fn rapid_fire_without_inbrenger_targets_last_other_speaker() {
        let mut t = transcript(vec![
            utt(0.0, 10.0, "X"),
            utt(11.0, 12.0, "A"),
            utt(12.5, 13.0, "B"),
            utt(13.5, 14.0, "A"),
        ]);
        t.participants.clear();
        let cls = vec![
            Classification::default(),
            question(1),
            question(1),
            question(1),
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        let rf = kinds(&a, FlagKind::RapidFire);
        assert_eq!(rf.len(), 1);
        assert_eq!(rf[0].target.as_deref(), Some("X"));
    }

    #[test]
    fn no_rapid_fire_at_a_listening_inbrenger() {
        let mut t = transcript(vec![
            utt(0.0, 20.0, "I"),
            utt(21.0, 23.0, "A"),
            utt(23.5, 25.0, "B"),
            utt(26.0, 28.0, "A"),
        ]);
        let cls = vec![
            Classification::default(),
            question(1),
            question(1),
            question(1),
        ];
        assert_eq!(
            kinds(
                &analyze_classified(&t, &cls, &Config::default()),
                FlagKind::RapidFire
            )
            .len(),
            1
        );
        t.method = Some("crea".into());
        t.steps = vec![StepMark {
            step: 3,
            start: 20.5,
        }];
        let a = analyze_classified(&t, &cls, &Config::default());
        assert!(kinds(&a, FlagKind::RapidFire).is_empty());
    }

    #[test]
    fn rapid_fire_window_is_sixty_seconds() {
        let t = transcript(vec![
            utt(0.0, 5.0, "I"),
            utt(10.0, 12.0, "A"),
            utt(45.0, 47.0, "F"),
            utt(75.0, 77.0, "B"),
        ]);
        let cls = vec![
            Classification::default(),
            question(1),
            question(1),
            question(1),
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        assert!(kinds(&a, FlagKind::RapidFire).is_empty());
    }

    /// Speech pattern: `A` talks `a` s then `B` talks `b` s, repeated, over `total` s.
    fn alternating(total: f64, pattern: &[(&str, f64)]) -> Vec<Utterance> {
        let mut out = Vec::new();
        let mut t = 0.0;
        'outer: loop {
            for &(sp, d) in pattern {
                if t + d > total {
                    break 'outer;
                }
                out.push(utt(t, t + d, sp));
                t += d + 0.5;
            }
        }
        out
    }

    #[test]
    fn dominance_flags_one_episode_and_never_the_inbrenger() {
        // 10 min: I talks a lot; then 10 min where A dominates.
        let mut us = alternating(600.0, &[("I", 40.0), ("B", 10.0), ("F", 5.0)]);
        let off = 600.0;
        for u in alternating(600.0, &[("A", 40.0), ("B", 8.0), ("I", 8.0), ("F", 4.0)]) {
            us.push(utt(u.start + off, u.end + off, &u.speaker));
        }
        let t = transcript(us);
        let cls = vec![Classification::default(); t.utterances.len()];
        let a = analyze_classified(&t, &cls, &Config::default());
        let d = kinds(&a, FlagKind::Dominance);
        assert_eq!(d.len(), 1, "{:#?}", d);
        assert_eq!(d[0].speaker.as_deref(), Some("A"));
        assert!(d[0].start >= 300.0 && d[0].start < 650.0, "{}", d[0].start);
        assert!(d[0].end > 1100.0);
    }

    #[test]
    fn dominance_needs_two_minutes_of_speech() {
        let t = transcript(vec![utt(0.0, 100.0, "A"), utt(101.0, 110.0, "B")]);
        let cls = vec![Classification::default(); 2];
        let a = analyze_classified(&t, &cls, &Config::default());
        assert!(kinds(&a, FlagKind::Dominance).is_empty());
        // Two speakers: the threshold is max(0.4, 2/2) = 100%, never reached.
        let t = transcript(vec![utt(0.0, 130.0, "A"), utt(131.0, 140.0, "B")]);
        let a = analyze_classified(&t, &cls, &Config::default());
        assert!(kinds(&a, FlagKind::Dominance).is_empty());
        let t = transcript(vec![
            utt(0.0, 130.0, "A"),
            utt(131.0, 135.0, "B"),
            utt(136.0, 140.0, "F"),
            utt(141.0, 145.0, "I"),
        ]);
        let cls = vec![Classification::default(); 4];
        let a = analyze_classified(&t, &cls, &Config::default());
        assert_eq!(kinds(&a, FlagKind::Dominance).len(), 1);
        assert_eq!(kinds(&a, FlagKind::LongMonologue).len(), 1);
    }

    #[test]
    fn discussion_between_two_participants() {
        let t = transcript(vec![
            utt(0.0, 4.0, "A"),
            utt(4.5, 7.0, "B"),
            utt(7.5, 10.0, "A"),
            utt(10.5, 13.0, "B"),
            utt(13.5, 16.0, "A"),
            utt(30.0, 40.0, "I"),
        ]);
        let contra = Classification {
            contradiction: true,
            ..Default::default()
        };
        let cls = vec![
            Classification::default(),
            contra.clone(),
            contra.clone(),
            contra,
            Classification::default(),
            Classification::default(),
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        let d = kinds(&a, FlagKind::Discussion);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].utterances, vec![0, 1, 2, 3, 4]);
        // Without contradiction it is dialogue.
        let a = analyze_classified(&t, &vec![Classification::default(); 6], &Config::default());
        assert!(kinds(&a, FlagKind::Discussion).is_empty());
    }

    #[test]
    fn silent_participant_but_not_observant() {
        let mut us = Vec::new();
        for k in 0..70 {
            let t0 = k as f64 * 10.0;
            us.push(utt(t0, t0 + 4.0, if k % 2 == 0 { "I" } else { "A" }));
        }
        us.push(utt(5.0, 6.0, "B"));
        us.sort_by(|a, b| a.start.total_cmp(&b.start));
        let t = transcript(us);
        let cls = vec![Classification::default(); t.utterances.len()];
        let a = analyze_classified(&t, &cls, &Config::default());
        let s: Vec<_> = kinds(&a, FlagKind::SilentParticipant)
            .iter()
            .map(|f| f.speaker.clone().unwrap())
            .collect();
        assert!(s.contains(&"B".to_string()));
        assert!(s.contains(&"F".to_string()));
        assert!(!s.contains(&"O".to_string()));
        assert!(!s.contains(&"A".to_string()));
    }

    #[test]
    fn phase_rules() {
        let mut t = transcript(vec![
            utt(0.0, 10.0, "I"),
            utt(700.0, 705.0, "A"),
            utt(706.0, 710.0, "I"),
            utt(711.0, 711.5, "I"),
            utt(1300.0, 1310.0, "A"),
        ]);
        t.method = Some("crea".into());
        t.steps = vec![
            StepMark {
                step: 2,
                start: 0.0,
            },
            StepMark {
                step: 3,
                start: 650.0,
            },
        ];
        let cls = vec![Classification::default(); 5];
        let a = analyze_classified(&t, &cls, &Config::default());
        let ib = kinds(&a, FlagKind::InbrengerSpokeInListeningPhase);
        assert_eq!(ib.len(), 1);
        assert_eq!(ib[0].utterances, vec![2]);
        // Step 3 (budget 15 min) runs from 650 to 1310 s = 11 min: fine; step 2 ran 10:50.
        assert!(kinds(&a, FlagKind::PhaseOverrun).is_empty());
        assert_eq!(a.steps.len(), 2);
        t.steps = vec![
            StepMark {
                step: 1,
                start: 0.0,
            },
            StepMark {
                step: 3,
                start: 650.0,
            },
        ];
        let a = analyze_classified(&t, &cls, &Config::default());
        let over = kinds(&a, FlagKind::PhaseOverrun);
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].start, 300.0);

        let mut t = transcript(vec![
            utt(0.0, 10.0, "I"),
            utt(20.0, 22.0, "A"),
            utt(40.0, 42.0, "B"),
        ]);
        t.method = Some("incident".into());
        t.steps = vec![
            StepMark {
                step: 3,
                start: 15.0,
            },
            StepMark {
                step: 4,
                start: 30.0,
            },
        ];
        let exp = Classification {
            question: QuestionType::Open,
            questions: 1,
            focus: Some(QuestionFocus::Experience),
            ..Default::default()
        };
        let a = analyze_classified(
            &t,
            &[Classification::default(), question(1), exp],
            &Config::default(),
        );
        assert_eq!(kinds(&a, FlagKind::QuestionsInSilentPhase).len(), 1);
        assert_eq!(kinds(&a, FlagKind::NonInformativeQuestion).len(), 1);
    }

    #[test]
    fn the_pause_after_a_question_is_measured_from_the_speech_when_lines_share_it() {
        // From audio: the question's speech ends at 4.0 s and the answer's starts at 5.2 s;
        // the two lines share the pause between them (cut at 4.6 s).
        let mut q = utt(0.0, 4.6, "A");
        q.speech = Some((0.0, 4.0));
        let mut r = utt(4.6, 8.0, "I");
        r.speech = Some((5.2, 8.0));
        let a = analyze_classified(&transcript(vec![q, r]), &[question(1)], &Config::default());
        let i = a.speakers.iter().find(|s| s.name == "I").unwrap();
        assert_eq!(i.mean_answer_pause, Some(1.2));
    }

    #[test]
    fn stats_and_robustness() {
        let t = transcript(vec![
            utt(0.0, 10.0, "A"),
            utt(10.5, 20.0, "I"),
            utt(21.0, 23.0, "A"),
            utt(50.0, f64::NAN, "Z"),
            utt(30.0, 25.0, "B"),
        ]);
        let cls = vec![question(1)];
        let a = analyze_classified(&t, &cls, &Config::default());
        let i = a.speakers.iter().find(|s| s.name == "I").unwrap();
        assert_eq!(i.mean_answer_pause, Some(0.5));
        let sa = a.speakers.iter().find(|s| s.name == "A").unwrap();
        assert_eq!(sa.talk_seconds, 12.0);
        assert_eq!(sa.turns, 2);
        assert_eq!(
            a.speakers
                .iter()
                .find(|s| s.name == "O")
                .unwrap()
                .talk_seconds,
            0.0
        );
        let empty = analyze_classified(&Transcript::default(), &[], &Config::default());
        assert!(empty.flags.is_empty());
    }

    #[test]
    fn random_transcripts_never_panic() {
        let mut x: u64 = 42;
        let mut rnd = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let names = ["F", "I", "A", "B", "O", "Z"];
        for round in 0..200 {
            let n = rnd(60) as usize;
            let mut us = Vec::new();
            for _ in 0..n {
                let a = match rnd(20) {
                    0 => f64::NAN,
                    1 => -5.0,
                    _ => rnd(2000) as f64 / 3.0,
                };
                let b = if rnd(10) == 0 {
                    a - 3.0
                } else {
                    a + rnd(200) as f64 / 7.0
                };
                us.push(utt(a, b, names[rnd(6) as usize]));
            }
            let mut t = transcript(us);
            if round % 3 == 0 {
                t.participants.clear();
            }
            if round % 2 == 0 {
                t.method = Some(
                    ["crea", "roddel", "incident", "speed", "nonsense"][rnd(5) as usize].into(),
                );
                t.steps = (0..rnd(6))
                    .map(|_| StepMark {
                        step: rnd(10) as u32,
                        start: rnd(700) as f64,
                    })
                    .collect();
            }
            let cls: Vec<Classification> = (0..rnd(70))
                .map(|_| Classification {
                    question: [QuestionType::Open, QuestionType::Closed, QuestionType::None]
                        [rnd(3) as usize],
                    questions: rnd(4) as u32,
                    why: rnd(5) == 0,
                    advice: rnd(5) == 0,
                    corrective: rnd(3) == 0,
                    contradiction: rnd(2) == 0,
                    focus: [
                        None,
                        Some(QuestionFocus::Experience),
                        Some(QuestionFocus::Informative),
                    ][rnd(3) as usize],
                    ..Default::default()
                })
                .collect();
            let a = analyze_classified(&t, &cls, &Config::default());
            assert_eq!(a.utterances.len(), t.utterances.len());
            for f in &a.flags {
                assert!(
                    f.start.is_finite() && f.end.is_finite() && f.end >= f.start,
                    "{f:?}"
                );
                assert!(f.utterances.iter().all(|&i| i < t.utterances.len()));
            }
            assert!(a.flags.windows(2).all(|w| w[0].start <= w[1].start));
        }
    }

    #[test]
    fn detection_does_not_depend_on_the_display_language() {
        // The words are written by the report/UI layer (`observant_report::words`).
        let t = transcript(vec![utt(0.0, 5.0, "A")]);
        let cls = vec![Classification {
            why: true,
            ..Default::default()
        }];
        let cfg = Config {
            ui: UiLang::En,
            ..Default::default()
        };
        let en = analyze_classified(&t, &cls, &cfg);
        let nl = analyze_classified(&t, &cls, &Config::default());
        assert_eq!(en, nl);
        assert_eq!(
            en.flags[0].detail,
            crate::types::FlagDetail::Cue { cue: None }
        );
        assert!(en.flags[0].message.is_empty());
    }
}
