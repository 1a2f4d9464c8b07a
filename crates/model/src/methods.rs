//! The werkvormen (intervisie methods) of the hand-out's Bijlage 2: ids, Dutch and English
//! names, steps with their time budgets, and the per-step rules the session analysis applies
//! (ideas expected, the inbrenger only listens, no spoken questions, informative questions
//! only, no discussion, silence expected).
//!
//! Budgets are the hand-out's minutes; a step without a budget in the hand-out has
//! `budget: None` and is never reported as over time. Everything here is static data.

use crate::i18n::UiLang;
use crate::transcript::StepMark;

/// What the method expects of one step; the session analysis turns these into flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepRules {
    /// Ideas, suggestions and advice are the point of this step: no `advice` flags.
    pub advice_expected: bool,
    /// The inbrenger only listens: speech by the inbrenger is a flag.
    pub inbrenger_silent: bool,
    /// Nobody asks questions out loud (silent writing, silence).
    pub no_spoken_questions: bool,
    /// Only informative questions (wie, wat, waar, hoe): experience questions are a flag.
    pub informative_questions_only: bool,
    /// No discussion between participants.
    pub no_discussion: bool,
    /// The group is expected to be quiet or to listen: long silences are not flagged.
    pub silence_expected: bool,
}

/// One step of a method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// 1-based step number as in the hand-out.
    pub number: u32,
    pub name_nl: &'static str,
    pub name_en: &'static str,
    /// Time budget in minutes (min, max), when the hand-out gives one.
    pub budget: Option<(f64, f64)>,
    pub rules: StepRules,
}

impl Step {
    /// The step's name in the UI language.
    pub fn name(&self, ui: UiLang) -> &'static str {
        ui.t(self.name_nl, self.name_en)
    }
    /// Budget in seconds (min, max), `(0, 0)` when the hand-out gives none.
    pub fn budget_seconds(&self) -> (f64, f64) {
        self.budget
            .map(|(lo, hi)| (lo * 60.0, hi * 60.0))
            .unwrap_or((0.0, 0.0))
    }
}

/// A werkvorm with its steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Method {
    /// Canonical id, used in transcripts and `--method`.
    pub id: &'static str,
    pub name_nl: &'static str,
    pub name_en: &'static str,
    /// Other accepted names (compared after normalisation, see [`find`]).
    pub aliases: &'static [&'static str],
    pub steps: &'static [Step],
}

impl Method {
    /// The method's name in the UI language.
    pub fn name(&self, ui: UiLang) -> &'static str {
        ui.t(self.name_nl, self.name_en)
    }
    /// Step by its 1-based number.
    pub fn step(&self, number: u32) -> Option<&'static Step> {
        self.steps.iter().find(|s| s.number == number)
    }
}

const NONE: StepRules = StepRules {
    advice_expected: false,
    inbrenger_silent: false,
    no_spoken_questions: false,
    informative_questions_only: false,
    no_discussion: false,
    silence_expected: false,
};

const fn step(
    number: u32,
    name_nl: &'static str,
    name_en: &'static str,
    budget: Option<(f64, f64)>,
    rules: StepRules,
) -> Step {
    Step {
        number,
        name_nl,
        name_en,
        budget,
        rules,
    }
}

const CREA_STEPS: &[Step] = &[
    step(1, "Opening", "Opening", Some((5.0, 5.0)), NONE),
    step(
        2,
        "Verkenning en probleemoriëntatie",
        "Exploration and problem orientation",
        Some((10.0, 15.0)),
        NONE,
    ),
    step(
        3,
        "Gezamenlijke reflectie",
        "Shared reflection",
        Some((10.0, 15.0)),
        StepRules {
            advice_expected: true,
            inbrenger_silent: true,
            ..NONE
        },
    ),
    step(
        4,
        "Individuele bewustwording en actieplan",
        "Individual awareness and action plan",
        Some((5.0, 10.0)),
        NONE,
    ),
    step(
        5,
        "Gezamenlijke bewustwording en actieplan",
        "Shared awareness and action plan",
        Some((10.0, 15.0)),
        NONE,
    ),
    step(
        6,
        "Evaluatie: product, proces en feedback",
        "Evaluation: product, process and feedback",
        Some((5.0, 5.0)),
        NONE,
    ),
    step(
        7,
        "Afronding en vervolgafspraak",
        "Closing and follow-up",
        Some((5.0, 5.0)),
        NONE,
    ),
];

const INCIDENT_STEPS: &[Step] = &[
    step(
        1,
        "Introductie en keuze van een incident",
        "Introduction and choice of an incident",
        None,
        NONE,
    ),
    step(
        2,
        "In kaart brengen van het incident",
        "Mapping the incident",
        None,
        NONE,
    ),
    step(
        3,
        "Noteren van vragen om informatie",
        "Writing down questions for information",
        None,
        StepRules {
            no_spoken_questions: true,
            silence_expected: true,
            ..NONE
        },
    ),
    step(
        4,
        "Informatieronde",
        "Information round",
        None,
        StepRules {
            informative_questions_only: true,
            ..NONE
        },
    ),
    step(
        5,
        "Percepties van het vraagstuk",
        "Perceptions of the problem",
        None,
        StepRules {
            silence_expected: true,
            ..NONE
        },
    ),
    step(
        6,
        "Verschillen in percepties onderzoeken",
        "Exploring the differences in perception",
        None,
        NONE,
    ),
    step(
        7,
        "Expliciteren van inzichten",
        "Making insights explicit",
        None,
        NONE,
    ),
    step(
        8,
        "Wat neem je inhoudelijk mee",
        "What you take away (content)",
        None,
        NONE,
    ),
    step(
        9,
        "Wat neem je mee (proces)",
        "What you take away (process)",
        None,
        NONE,
    ),
];

const RODDEL_STEPS: &[Step] = &[
    step(
        1,
        "Vraag introductie",
        "Introducing the question",
        Some((5.0, 5.0)),
        NONE,
    ),
    step(
        2,
        "Probleemverkenning",
        "Exploring the problem",
        Some((10.0, 10.0)),
        NONE,
    ),
    step(
        3,
        "Roddelen",
        "Gossip round",
        Some((10.0, 15.0)),
        StepRules {
            advice_expected: true,
            inbrenger_silent: true,
            ..NONE
        },
    ),
    step(
        4,
        "Reactie van de inbrenger",
        "The presenter responds",
        Some((5.0, 10.0)),
        NONE,
    ),
    step(5, "Evaluatie", "Evaluation", Some((10.0, 10.0)), NONE),
];

const WINST_STEPS: &[Step] = &[
    step(
        1,
        "Introductie succeservaring",
        "The success story",
        Some((15.0, 15.0)),
        StepRules {
            silence_expected: true,
            ..NONE
        },
    ),
    step(
        2,
        "Inventarisatie succesfactoren en contextkenmerken",
        "Listing success factors and context",
        Some((20.0, 20.0)),
        NONE,
    ),
    step(3, "Verdieping", "Deepening", Some((15.0, 15.0)), NONE),
    step(4, "Evaluatie", "Evaluation", Some((10.0, 10.0)), NONE),
];

const SCHOENEN_STEPS: &[Step] = &[
    step(1, "De ervaring", "The experience", None, NONE),
    step(2, "Vragen stellen", "Asking questions", None, NONE),
    step(
        3,
        "In de schoenen van de inbrenger",
        "In the presenter's shoes",
        None,
        StepRules {
            no_discussion: true,
            ..NONE
        },
    ),
    step(4, "De essentie", "The essence", None, NONE),
    step(5, "Afronding", "Closing", None, NONE),
];

const VIJF_VRAGEN_STEPS: &[Step] = &[
    step(
        1,
        "Wat wilde je (hoe) bereiken?",
        "What did you want to achieve (and how)?",
        None,
        NONE,
    ),
    step(2, "Is dat gelukt?", "Did it work?", None, NONE),
    step(3, "Hoe weet je dat?", "How do you know?", None, NONE),
    step(
        4,
        "Kun je dat verklaren?",
        "Can you explain it?",
        None,
        NONE,
    ),
    step(
        5,
        "Wat leer je daarvan voor de volgende keer?",
        "What do you learn from it for next time?",
        None,
        NONE,
    ),
];

const SPEED_STEPS: &[Step] = &[
    step(
        1,
        "Vraagstuk formuleren",
        "Formulating a question",
        None,
        StepRules {
            silence_expected: true,
            ..NONE
        },
    ),
    step(2, "Stoelen in paren", "Chairs in pairs", None, NONE),
    step(
        3,
        "Vragers en sparringpartners",
        "Askers and sparring partners",
        None,
        NONE,
    ),
    step(
        4,
        "Drie rondes sparren",
        "Three sparring rounds",
        Some((30.0, 30.0)),
        NONE,
    ),
    step(
        5,
        "Stilte",
        "Silence",
        Some((3.0, 3.0)),
        StepRules {
            no_spoken_questions: true,
            silence_expected: true,
            ..NONE
        },
    ),
    step(
        6,
        "Rollen wisselen (stap 4 en 5 opnieuw)",
        "Roles swap (steps 4 and 5 again)",
        Some((33.0, 33.0)),
        NONE,
    ),
];

/// All methods of the hand-out plus the free form (`vrij`).
pub const METHODS: &[Method] = &[
    Method {
        id: "crea",
        name_nl: "CREA-model",
        name_en: "CREA model",
        aliases: &["crea-model", "creamodel", "crea-methode"],
        steps: CREA_STEPS,
    },
    Method {
        id: "incident",
        name_nl: "Incidentmethode",
        name_en: "Incident method",
        aliases: &["incidentmethode", "incident-methode", "incident-method"],
        steps: INCIDENT_STEPS,
    },
    Method {
        id: "roddel",
        name_nl: "Roddelmodel",
        name_en: "Gossip model",
        aliases: &[
            "roddelmodel",
            "roddel-model",
            "roddelen",
            "gossip",
            "gossip-model",
        ],
        steps: RODDEL_STEPS,
    },
    Method {
        id: "winst-van-succes",
        name_nl: "Winst van succes",
        name_en: "Learning from success",
        aliases: &[
            "winst",
            "succes",
            "success",
            "learning-from-success",
            "winst-uit-succes",
        ],
        steps: WINST_STEPS,
    },
    Method {
        id: "in-andermans-schoenen",
        name_nl: "In andermans schoenen",
        name_en: "In someone else's shoes",
        aliases: &[
            "schoenen",
            "andermans-schoenen",
            "in-someone-elses-shoes",
            "someone-elses-shoes",
            "shoes",
        ],
        steps: SCHOENEN_STEPS,
    },
    Method {
        id: "de-5-vragen",
        name_nl: "De 5 vragen",
        name_en: "The five questions",
        aliases: &[
            "5-vragen",
            "vijf-vragen",
            "de-vijf-vragen",
            "five-questions",
            "the-five-questions",
            "5-questions",
        ],
        steps: VIJF_VRAGEN_STEPS,
    },
    Method {
        id: "speed-sparren",
        name_nl: "Speed sparren",
        name_en: "Speed sparring",
        aliases: &["speed", "speedsparren", "sparren", "speed-sparring"],
        steps: SPEED_STEPS,
    },
    Method {
        id: "vrij",
        name_nl: "Vrije vorm",
        name_en: "Free form",
        aliases: &["free", "vrije-vorm", "basis", "none", "geen"],
        steps: &[],
    },
];

/// Lower-case, accents kept, separators (space, underscore, dot) become `-`, apostrophes
/// dropped, repeated dashes collapsed.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '’' | '`' => {}
            ' ' | '_' | '.' | '-' | '/' => {
                if !out.ends_with('-') && !out.is_empty() {
                    out.push('-');
                }
            }
            _ => out.push(c),
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Finds a method by id, name or alias, case-insensitively ("CREA", "Roddel model",
/// "in andermans schoenen", "5 vragen", ...).
pub fn find(name: &str) -> Option<&'static Method> {
    let n = normalise(name);
    if n.is_empty() {
        return None;
    }
    METHODS.iter().find(|m| {
        m.id == n
            || normalise(m.name_nl) == n
            || normalise(m.name_en) == n
            || m.aliases.iter().any(|a| normalise(a) == n)
    })
}

/// The method ids, comma-separated, for error messages.
pub fn valid_ids() -> String {
    METHODS.iter().map(|m| m.id).collect::<Vec<_>>().join(", ")
}

/// Checks that every step mark names a step of `method`, with a one-line error otherwise.
pub fn check_steps(method: &Method, steps: &[StepMark]) -> Result<(), String> {
    for (i, s) in steps.iter().enumerate() {
        if method.step(s.step).is_none() {
            let n = method.steps.len();
            return Err(if n == 0 {
                format!(
                    "steps[{i}]: methode {id} heeft geen stappen / method {id} has no steps",
                    id = method.id
                )
            } else {
                format!(
                    "steps[{i}]: stap {st} bestaat niet in {id} (1..{n}) / step {st} does not exist in {id} (1..{n})",
                    st = s.step,
                    id = method.id
                )
            });
        }
    }
    Ok(())
}

/// The step in force at time `t`, given step marks sorted by start: the last mark at or
/// before `t`. `None` before the first mark or when the mark names no step of the method.
pub fn step_at(method: &Method, marks: &[StepMark], t: f64) -> Option<&'static Step> {
    let i = marks.partition_point(|m| m.start <= t);
    if i == 0 {
        return None;
    }
    method.step(marks[i - 1].step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_methods_by_alias_case_insensitively() {
        assert_eq!(find("CREA").map(|m| m.id), Some("crea"));
        assert_eq!(find("Crea-model").map(|m| m.id), Some("crea"));
        assert_eq!(find("Roddel model").map(|m| m.id), Some("roddel"));
        assert_eq!(
            find("In andermans schoenen").map(|m| m.id),
            Some("in-andermans-schoenen")
        );
        assert_eq!(find("de 5 vragen").map(|m| m.id), Some("de-5-vragen"));
        assert_eq!(find("vijf vragen").map(|m| m.id), Some("de-5-vragen"));
        assert_eq!(find("Speed_sparren").map(|m| m.id), Some("speed-sparren"));
        assert_eq!(find("winst").map(|m| m.id), Some("winst-van-succes"));
        assert_eq!(find("incidentmethode").map(|m| m.id), Some("incident"));
        assert_eq!(find("vrij").map(|m| m.id), Some("vrij"));
        assert_eq!(
            find("In someone else's shoes").map(|m| m.id),
            Some("in-andermans-schoenen")
        );
        assert!(find("").is_none());
        assert!(find("balint").is_none());
    }

    #[test]
    fn phase_rules_follow_the_hand_out() {
        let crea = find("crea").unwrap();
        assert_eq!(crea.steps.len(), 7);
        let s3 = crea.step(3).unwrap();
        assert!(s3.rules.advice_expected && s3.rules.inbrenger_silent);
        assert_eq!(s3.budget, Some((10.0, 15.0)));
        let roddel = find("roddel").unwrap();
        assert!(roddel.step(3).unwrap().rules.inbrenger_silent);
        assert!(roddel.step(3).unwrap().rules.advice_expected);
        let incident = find("incident").unwrap();
        assert_eq!(incident.steps.len(), 9);
        assert!(incident.step(3).unwrap().rules.no_spoken_questions);
        assert!(incident.step(4).unwrap().rules.informative_questions_only);
        let schoenen = find("schoenen").unwrap();
        assert!(schoenen.step(3).unwrap().rules.no_discussion);
        for m in METHODS {
            for (i, s) in m.steps.iter().enumerate() {
                assert_eq!(s.number as usize, i + 1, "{}", m.id);
                if let Some((lo, hi)) = s.budget {
                    assert!(lo <= hi);
                }
            }
        }
    }

    #[test]
    fn step_at_uses_the_last_mark() {
        let crea = find("crea").unwrap();
        let marks = vec![
            StepMark {
                step: 1,
                start: 0.0,
            },
            StepMark {
                step: 2,
                start: 60.0,
            },
            StepMark {
                step: 3,
                start: 300.0,
            },
        ];
        assert_eq!(step_at(crea, &marks, 30.0).map(|s| s.number), Some(1));
        assert_eq!(step_at(crea, &marks, 60.0).map(|s| s.number), Some(2));
        assert_eq!(step_at(crea, &marks, 1000.0).map(|s| s.number), Some(3));
        assert!(step_at(crea, &marks[1..], 10.0).is_none());
        assert!(
            check_steps(
                crea,
                &[StepMark {
                    step: 9,
                    start: 0.0
                }]
            )
            .is_err()
        );
    }
}
