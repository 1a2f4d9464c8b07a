//! Process-evaluation reports (HTML with inline SVG, Markdown) and pseudonymisation.
//!
//! A [`Report`] is built from a transcript, its [`Analysis`], the observer's notes and the
//! flag verdicts of review mode. Every number in it is taken from the analysis as is
//! (speaker statistics, flags, step timings); the report only selects, groups and orders:
//! flags marked wrong in review are left out, the hand-out's evaluation questions and the
//! facilitator's feedback points are derived from the remaining flags.
//!
//! The report is built once as a [`doc::Document`] ([`document::document`]) and rendered by
//! [`to_html`] (one self-contained file: inline CSS and SVG, no scripts, no external assets,
//! print CSS) and [`to_markdown`]. Dutch by default, English with
//! [`UiLang::En`]. [`progress`] compares several sessions of one facilitator.
//!
//! Pseudonymisation ([`generate`] with `pseudonymize`): the transcript is pseudonymised
//! *before* the analysis (flag messages are generated with names), and every string of the
//! finished report passes through a [`Redactor`] as a safety net, so no participant name
//! survives in text, quotes, notes, flag messages, evidence, titles or chart labels.

pub mod analysis_text;
pub mod colors;
pub mod doc;
pub mod document;
pub mod feedback;
pub mod html;
pub mod labels;
pub mod markdown;
pub mod progress;
pub mod svg;
pub mod words;

use std::collections::HashMap;

use serde::Serialize;

use observant_analysis::classify::Classifier;
use observant_analysis::config::Config;
use observant_analysis::session::analyze;
use observant_analysis::{
    Analysis, Flag, FlagDetail, FlagKind, QuestionCategory, QuestionFocus, QuestionType,
};
use observant_model::i18n::UiLang;
use observant_model::transcript::{Role, Transcript};
use observant_store::session::{FlagVerdict, Note, Session};

pub use feedback::{Feedback, evaluation_prompts};
pub use html::to_html;
pub use markdown::to_markdown;

/// A conversation pause at least this long (seconds) is listed as a silent stretch.
pub const PAUSE_MIN_SECONDS: f64 = 8.0;
/// At most this many pauses are listed (the longest ones).
pub const MAX_PAUSES: usize = 10;
/// At most this many good examples are quoted.
pub const MAX_EXAMPLES: usize = 6;
/// Flags of one kind shown in full (message, quotes, evidence); the rest in a compact list.
pub const FULL_FLAGS_PER_KIND: usize = 8;
/// The episodes every report shows, also when there are none.
pub const MAIN_KINDS: [FlagKind; 3] = [FlagKind::Advice, FlagKind::RapidFire, FlagKind::Dominance];
/// A verdict belongs to a flag of its kind starting within this many seconds.
const VERDICT_TOLERANCE_SECONDS: f64 = 0.05;

/// Everything a report is made from, before analysis.
#[derive(Debug, Clone, Default)]
pub struct ReportSource {
    pub transcript: Transcript,
    pub notes: Vec<Note>,
    pub verdicts: Vec<FlagVerdict>,
    /// Shown as the report's title (a session's title, or a file name).
    pub title: String,
    /// When the session took place (seconds since the Unix epoch), when known.
    pub created_unix: Option<u64>,
    /// The room check of the recording, when it was made (the report then says when the
    /// room may have cost words, speakers and flags).
    pub room: Option<observant_model::room::RoomEstimate>,
}

impl ReportSource {
    /// A transcript without notes or verdicts.
    pub fn from_transcript(transcript: Transcript, title: impl Into<String>) -> ReportSource {
        ReportSource {
            transcript,
            title: title.into(),
            ..Default::default()
        }
    }

    /// A saved session: its transcript, notes, verdicts, title and date.
    pub fn from_session(s: &Session) -> ReportSource {
        ReportSource {
            transcript: s.transcript(),
            notes: s.notes.clone(),
            verdicts: s.verdicts.clone(),
            title: s.meta.title.clone(),
            created_unix: (s.meta.created_unix > 0).then_some(s.meta.created_unix),
            room: None,
        }
    }
}

/// Replaces participant names (whole words, case-insensitive, Unicode word boundaries) by
/// their pseudonyms: the same rule as [`observant_model::transcript::replace_names`], compiled once
/// into a single pattern so that redacting thousands of strings stays cheap.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    pairs: Vec<(String, String)>,
    lookup: HashMap<String, String>,
    re: Option<regex::Regex>,
}

impl Redactor {
    /// A redactor for (name, pseudonym) pairs; empty names are ignored.
    pub fn new(pairs: Vec<(String, String)>) -> Redactor {
        let mut pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(n, a)| (n.trim().to_string(), a))
            .filter(|(n, _)| !n.is_empty())
            .collect();
        // Longest names first, so "Jan" does not eat into "Janneke".
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0.chars().count()));
        let mut lookup = HashMap::new();
        for (n, a) in &pairs {
            lookup.entry(n.to_lowercase()).or_insert_with(|| a.clone());
        }
        let re = if pairs.is_empty() {
            None
        } else {
            let alts: Vec<String> = pairs.iter().map(|(n, _)| regex::escape(n)).collect();
            regex::Regex::new(&format!(r"(?i)\b(?:{})\b", alts.join("|"))).ok()
        };
        Redactor { pairs, lookup, re }
    }

    /// The (name, pseudonym) pairs, longest name first.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The text with every name replaced by its pseudonym.
    pub fn apply(&self, text: &str) -> String {
        let Some(re) = &self.re else {
            return text.to_string();
        };
        if !re.is_match(text) {
            return text.to_string();
        }
        re.replace_all(text, |c: &regex::Captures<'_>| {
            let m = &c[0];
            self.lookup
                .get(&m.to_lowercase())
                .cloned()
                .unwrap_or_else(|| {
                    // Case folding that changes length: fall back to the slow comparison.
                    self.pairs
                        .iter()
                        .find(|(n, _)| n.to_lowercase() == m.to_lowercase())
                        .map(|(_, a)| a.clone())
                        .unwrap_or_else(|| m.to_string())
                })
        })
        .into_owned()
    }

    fn apply_in_place(&self, s: &mut String) {
        if self.re.as_ref().is_some_and(|re| re.is_match(s)) {
            *s = self.apply(s);
        }
    }
}

/// Speaker labels from attribution ("S1", "S2") are not names and stay as they are.
fn is_attribution_label(s: &str) -> bool {
    let mut c = s.chars();
    c.next() == Some('S') && {
        let rest: Vec<char> = c.collect();
        !rest.is_empty() && rest.iter().all(char::is_ascii_digit)
    }
}

/// Pseudonymises a report source in place and returns the redactor that maps every name it
/// replaced. Participants become their role (with a letter when the role occurs more than
/// once, see [`observant_model::transcript::pseudonymize`]); named speakers who are not listed as
/// participants become "spreker A", "spreker B" ("speaker A" with [`UiLang::En`]). Names
/// are also replaced in the utterances' text, the notes and the title.
pub fn pseudonymize_source(src: &mut ReportSource, ui: UiLang) -> Redactor {
    let before: Vec<String> = src
        .transcript
        .participants
        .iter()
        .map(|p| p.name.clone())
        .collect();
    // The aliases follow `transcript::pseudonymize`; it runs on the participant list only,
    // because it compiles a pattern per name and utterance (seconds for a 3-hour session).
    // The utterances are redacted below with one compiled pattern.
    let mut shell = Transcript {
        participants: std::mem::take(&mut src.transcript.participants),
        ..Default::default()
    };
    observant_model::transcript::pseudonymize(&mut shell);
    src.transcript.participants = shell.participants;
    let mut pairs: Vec<(String, String)> = before
        .into_iter()
        .zip(src.transcript.participants.iter().map(|p| p.name.clone()))
        .filter(|(n, a)| n != a)
        .collect();
    // Every spelling (lowercase) that is already a participant's name or pseudonym.
    let mut known: std::collections::HashSet<String> = pairs
        .iter()
        .map(|(n, _)| n.to_lowercase())
        .chain(
            src.transcript
                .participants
                .iter()
                .map(|p| p.name.to_lowercase()),
        )
        .collect();
    // Named speakers outside the participant list.
    let mut extra: Vec<String> = Vec::new();
    for u in &src.transcript.utterances {
        let s = u.speaker.trim();
        if s.is_empty() || is_attribution_label(s) || !known.insert(s.to_lowercase()) {
            continue;
        }
        extra.push(s.to_string());
    }
    for (k, name) in extra.iter().enumerate() {
        let letter = letters(k);
        pairs.push((
            name.clone(),
            format!("{} {letter}", ui.t("spreker", "speaker")),
        ));
    }
    let r = Redactor::new(pairs);
    if r.is_empty() {
        return r;
    }
    for u in &mut src.transcript.utterances {
        let speaker = u.speaker.trim().to_lowercase();
        if let Some((_, a)) = r.pairs().iter().find(|(n, _)| n.to_lowercase() == speaker) {
            u.speaker = a.clone();
        }
        r.apply_in_place(&mut u.text);
    }
    for n in &mut src.notes {
        r.apply_in_place(&mut n.text);
    }
    r.apply_in_place(&mut src.title);
    r
}

/// "A", "B", ... "Z", "AA", "AB", ...
fn letters(mut k: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (k % 26) as u8) as char);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    out.iter().rev().collect()
}

/// Facts about the session that are not in the analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportMeta {
    pub title: String,
    pub created_unix: Option<u64>,
    pub pseudonymized: bool,
    /// The room check of the recording, when there was one (see `observant_audio::room`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<observant_model::room::RoomEstimate>,
}

/// A quoted utterance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// Index into the analysis' utterances.
    pub index: usize,
    pub speaker: String,
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// A flag as the report shows it: the analysis' flag with its quotes and review verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFlag {
    pub flag: Flag,
    pub quotes: Vec<Quote>,
    /// The observer or trainer confirmed this flag in review.
    pub confirmed: bool,
}

impl ReportFlag {
    /// Rests on uncertain recognition and nobody confirmed it in review.
    pub fn uncertain(&self) -> bool {
        self.flag.uncertain && !self.confirmed
    }
}

/// A speaker's longest stretch holding the floor (`SpeakerStats::longest_monologue_seconds`),
/// with its place in the session when the analysis flagged it as a long monologue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monologue {
    pub speaker: String,
    pub role: Option<Role>,
    pub seconds: f64,
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// Flagged as a long monologue by the analysis (the inbrenger never is).
    pub flagged: bool,
    pub quote: Option<String>,
}

/// A stretch in which nobody spoke.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pause {
    pub start: f64,
    pub end: f64,
}

/// One speaker's continuous speech on the timeline (utterances merged when the gap between
/// them is too small to see).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Span {
    /// Index into [`Report::speakers`].
    pub speaker: usize,
    pub start: f64,
    pub end: f64,
}

/// A good example worth repeating: a strong open question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub quote: Quote,
    pub category: Option<QuestionCategory>,
    pub focus: Option<QuestionFocus>,
}

/// Sums over all speakers of the analysis' per-speaker counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub talk_seconds: f64,
    pub questions: u32,
    pub open_questions: u32,
    pub closed_questions: u32,
    pub why_questions: u32,
    pub advice: u32,
    pub informative_questions: u32,
    pub experience_questions: u32,
    pub categories: [u32; 4],
}

impl Totals {
    /// The question table's columns (questions, open, closed, why, advice, informative,
    /// experience, the four categories), in the order both renderings show them.
    pub fn question_columns(&self) -> [u32; 11] {
        let c = self.categories;
        [
            self.questions,
            self.open_questions,
            self.closed_questions,
            self.why_questions,
            self.advice,
            self.informative_questions,
            self.experience_questions,
            c[0],
            c[1],
            c[2],
            c[3],
        ]
    }
}

/// One speaker's row of the question table, in [`Totals::question_columns`]' order.
pub fn speaker_question_columns(s: &observant_analysis::SpeakerStats) -> [u32; 11] {
    let c = s.categories;
    [
        s.questions,
        s.open_questions,
        s.closed_questions,
        s.why_questions,
        s.advice,
        s.informative_questions,
        s.experience_questions,
        c[0],
        c[1],
        c[2],
        c[3],
    ]
}

/// The process-evaluation report of one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub meta: ReportMeta,
    /// The transcript's participants with their roles (may be empty for audio input).
    pub participants: Vec<observant_model::transcript::Participant>,
    /// Method id (`analysis::methods`), when known.
    pub method: Option<String>,
    pub language: Option<String>,
    pub duration_seconds: f64,
    pub utterance_count: usize,
    /// The analysis' speaker statistics, unchanged and in its order.
    pub speakers: Vec<observant_analysis::SpeakerStats>,
    pub totals: Totals,
    /// The analysis' flags in its order, without the ones marked wrong in review.
    pub flags: Vec<ReportFlag>,
    /// Flags left out because they were marked wrong in review.
    pub excluded_flags: usize,
    /// Longest floor hold per speaker, longest first (speakers who spoke).
    pub monologues: Vec<Monologue>,
    /// Longest conversation pauses (>= [`PAUSE_MIN_SECONDS`]), in time order.
    pub pauses: Vec<Pause>,
    /// All pauses >= [`PAUSE_MIN_SECONDS`], of which `pauses` lists the longest.
    pub pause_count: usize,
    pub steps: Vec<observant_analysis::StepTiming>,
    pub examples: Vec<Example>,
    pub notes: Vec<Note>,
    pub feedback: Vec<Feedback>,
    pub timeline: Vec<Span>,
}

impl Report {
    /// Builds the report of an analysed transcript. `verdicts` with `correct: false` remove
    /// their flag; `correct: true` marks it confirmed.
    pub fn build(
        t: &Transcript,
        a: &Analysis,
        notes: &[Note],
        verdicts: &[FlagVerdict],
        meta: ReportMeta,
    ) -> Report {
        let verdict_of = |f: &Flag| -> Option<bool> {
            verdicts
                .iter()
                .rev()
                .find(|v| {
                    v.kind == f.kind && (v.start - f.start).abs() <= VERDICT_TOLERANCE_SECONDS
                })
                .map(|v| v.correct)
        };
        let mut flags = Vec::new();
        let mut excluded = 0;
        for f in &a.flags {
            match verdict_of(f) {
                Some(false) => excluded += 1,
                v => flags.push(ReportFlag {
                    flag: f.clone(),
                    quotes: quotes_of(a, f),
                    confirmed: v == Some(true),
                }),
            }
        }
        let mut notes = notes.to_vec();
        notes.sort_by(|x, y| x.t.total_cmp(&y.t));
        let (pauses, pause_count) = pauses_of(a);
        let mut r = Report {
            meta,
            participants: t.participants.clone(),
            method: a.method.clone(),
            language: a.language.clone(),
            duration_seconds: a.duration_seconds,
            utterance_count: a.utterances.len(),
            speakers: a.speakers.clone(),
            totals: totals_of(a),
            flags,
            excluded_flags: excluded,
            monologues: Vec::new(),
            pauses,
            pause_count,
            steps: a.steps.clone(),
            examples: Vec::new(),
            notes,
            feedback: Vec::new(),
            timeline: timeline_of(a),
        };
        r.monologues = monologues_of(a, &r.flags);
        r.examples = examples_of(a, &r.flags);
        r.feedback = feedback::feedback_of(&r);
        r
    }

    /// Passes every string of the report through the redactor.
    pub fn redact(&mut self, r: &Redactor) {
        if r.is_empty() {
            return;
        }
        let m = &self.meta;
        let mut title = m.title.clone();
        r.apply_in_place(&mut title);
        self.meta.title = title;
        for p in &mut self.participants {
            r.apply_in_place(&mut p.name);
        }
        for s in &mut self.speakers {
            r.apply_in_place(&mut s.name);
        }
        for f in &mut self.flags {
            redact_flag(&mut f.flag, r);
            for q in &mut f.quotes {
                r.apply_in_place(&mut q.speaker);
                r.apply_in_place(&mut q.text);
            }
        }
        for m in &mut self.monologues {
            r.apply_in_place(&mut m.speaker);
            if let Some(q) = &mut m.quote {
                r.apply_in_place(q);
            }
        }
        for s in &mut self.steps {
            r.apply_in_place(&mut s.name);
        }
        for e in &mut self.examples {
            r.apply_in_place(&mut e.quote.speaker);
            r.apply_in_place(&mut e.quote.text);
        }
        for n in &mut self.notes {
            r.apply_in_place(&mut n.text);
        }
        for f in &mut self.feedback {
            f.redact(r);
        }
        if let Some(m) = &mut self.method {
            r.apply_in_place(m);
        }
        if let Some(l) = &mut self.language {
            r.apply_in_place(l);
        }
    }

    /// Index of a speaker in [`Report::speakers`].
    pub fn speaker_index(&self, name: &str) -> Option<usize> {
        self.speakers.iter().position(|s| s.name == name)
    }

    /// Role of a speaker, when known.
    pub fn role_of(&self, name: &str) -> Option<Role> {
        self.speakers
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.role)
    }

    /// The kept flags grouped by kind: advice, rapid fire and dominance always (possibly
    /// empty), then the other kinds that occur, most important first; time order within.
    pub fn flag_groups(&self) -> Vec<(FlagKind, Vec<&ReportFlag>)> {
        let mut kinds: Vec<FlagKind> = MAIN_KINDS.to_vec();
        for &k in feedback::PRIORITY {
            if !kinds.contains(&k) && self.flags.iter().any(|f| f.flag.kind == k) {
                kinds.push(k);
            }
        }
        // Kinds unknown to the priority list still appear, last.
        for f in &self.flags {
            if !kinds.contains(&f.flag.kind) {
                kinds.push(f.flag.kind);
            }
        }
        kinds
            .into_iter()
            .map(|k| (k, self.flags.iter().filter(|f| f.flag.kind == k).collect()))
            .collect()
    }

    /// Number of kept flags of a kind that rest on words recognised with confidence (the
    /// uncertain ones are counted apart: [`Report::count_uncertain`]).
    pub fn count(&self, kind: FlagKind) -> usize {
        self.flags
            .iter()
            .filter(|f| f.flag.kind == kind && !f.uncertain())
            .count()
    }

    /// Number of kept flags of a kind whose deciding words were uncertain to the recogniser.
    pub fn count_uncertain(&self, kind: FlagKind) -> usize {
        self.flags
            .iter()
            .filter(|f| f.flag.kind == kind && f.uncertain())
            .count()
    }

    /// "3" or "3 (+1 onzeker)": a kind's count with its uncertain flags apart.
    pub fn count_text(&self, kind: FlagKind, ui: UiLang) -> String {
        counted_apart(self.count(kind), self.count_uncertain(kind), ui)
    }

    /// Share of open questions among open and closed ones of everyone but the inbrenger.
    pub fn open_ratio(&self) -> Option<f64> {
        let (open, closed) = self
            .speakers
            .iter()
            .filter(|s| s.role != Some(Role::Inbrenger))
            .fold((0u32, 0u32), |(o, c), s| {
                (o + s.open_questions, c + s.closed_questions)
            });
        (open + closed > 0).then(|| f64::from(open) / f64::from(open + closed))
    }
}

fn redact_flag(f: &mut Flag, r: &Redactor) {
    if let Some(s) = &mut f.speaker {
        r.apply_in_place(s);
    }
    if let Some(s) = &mut f.target {
        r.apply_in_place(s);
    }
    r.apply_in_place(&mut f.message);
    r.apply_in_place(&mut f.evidence);
    match &mut f.detail {
        FlagDetail::Cue { cue: Some(c) } | FlagDetail::ExperienceQuestion { cue: Some(c), .. } => {
            r.apply_in_place(c)
        }
        FlagDetail::RapidFire { askers, .. } => askers.iter_mut().for_each(|a| r.apply_in_place(a)),
        FlagDetail::Discussion { cues, .. } => cues.iter_mut().for_each(|c| r.apply_in_place(c)),
        _ => {}
    }
}

/// Analyses a report source and builds its report: the whole path from a loaded session,
/// transcript or transcribed recording to the finished [`Report`] (see [`generate_from`]).
/// Flag messages and step names are in `cfg.ui`.
pub fn generate(
    src: ReportSource,
    classifier: &Classifier,
    cfg: &Config,
    pseudonymize: bool,
) -> Report {
    let analysis = analyze(&src.transcript, classifier, cfg);
    generate_from(src, analysis, cfg.ui, pseudonymize)
}

/// Builds the report of a source from its analysis, which is not run again: with
/// `pseudonymize`, the source is pseudonymised, the names in the analysis (speakers, flags'
/// speakers, targets and facts, cues, utterance text) are replaced by the same redactor, and
/// the words are written afterwards, from the pseudonyms, in `ui`.
pub fn generate_from(
    mut src: ReportSource,
    mut analysis: Analysis,
    ui: UiLang,
    pseudonymize: bool,
) -> Report {
    let redactor = if pseudonymize {
        Some(pseudonymize_source(&mut src, ui))
    } else {
        None
    };
    if let Some(r) = &redactor {
        redact_analysis(&mut analysis, r, Some(&src.transcript));
    }
    words::write_analysis(&mut analysis, ui);
    let meta = ReportMeta {
        title: src.title.clone(),
        created_unix: src.created_unix,
        pseudonymized: pseudonymize,
        room: src.room,
    };
    let mut report = Report::build(&src.transcript, &analysis, &src.notes, &src.verdicts, meta);
    if let Some(r) = &redactor {
        report.redact(r);
    }
    report
}

/// Replaces the names in an analysis as [`pseudonymize_source`] did in its source: a
/// speaker's whole name by its pseudonym, names inside text by the redactor's rule. With the
/// pseudonymised source transcript the analysis was made from (same utterances, same order),
/// the utterances' speakers and text are taken from it instead of being redacted again.
/// Flags are sorted again (their order breaks ties by speaker name).
pub fn redact_analysis(a: &mut Analysis, r: &Redactor, source: Option<&Transcript>) {
    if r.is_empty() {
        return;
    }
    let aliases: HashMap<String, &str> = r
        .pairs()
        .iter()
        .map(|(n, alias)| (n.to_lowercase(), alias.as_str()))
        .collect();
    let name = |s: &mut String| match aliases.get(&s.trim().to_lowercase()) {
        Some(alias) => *s = (*alias).to_string(),
        None => r.apply_in_place(s),
    };
    let aligned = source.filter(|t| t.utterances.len() == a.utterances.len());
    for (i, u) in a.utterances.iter_mut().enumerate() {
        match aligned {
            Some(t) => {
                u.speaker.clone_from(&t.utterances[i].speaker);
                u.text.clone_from(&t.utterances[i].text);
            }
            None => {
                name(&mut u.speaker);
                r.apply_in_place(&mut u.text);
            }
        }
        for e in &mut u.extra.evidence {
            r.apply_in_place(&mut e.cue);
        }
    }
    for s in &mut a.speakers {
        name(&mut s.name);
    }
    for f in &mut a.flags {
        f.speaker
            .iter_mut()
            .chain(f.target.iter_mut())
            .for_each(name);
        if let FlagDetail::RapidFire { askers, .. } = &mut f.detail {
            askers.iter_mut().for_each(name);
        }
        redact_flag(f, r);
    }
    a.flags.sort_by(|x, y| {
        x.start
            .total_cmp(&y.start)
            .then(x.end.total_cmp(&y.end))
            .then(x.kind.cmp(&y.kind))
            .then(x.speaker.cmp(&y.speaker))
    });
}

fn totals_of(a: &Analysis) -> Totals {
    let mut t = Totals::default();
    for s in &a.speakers {
        t.talk_seconds += s.talk_seconds;
        t.questions += s.questions;
        t.open_questions += s.open_questions;
        t.closed_questions += s.closed_questions;
        t.why_questions += s.why_questions;
        t.advice += s.advice;
        t.informative_questions += s.informative_questions;
        t.experience_questions += s.experience_questions;
        for k in 0..4 {
            t.categories[k] += s.categories[k];
        }
    }
    t
}

fn quote(a: &Analysis, i: usize) -> Option<Quote> {
    let u = a.utterances.get(i)?;
    if u.text.trim().is_empty() {
        return None;
    }
    Some(Quote {
        index: i,
        speaker: u.speaker.clone(),
        start: u.start,
        end: u.end,
        text: u.text.trim().to_string(),
    })
}

/// Quotes worth showing with a flag: its utterances, except for kinds about time and
/// presence (dominance, silence, step timing) where the utterances are not the point.
fn quotes_of(a: &Analysis, f: &Flag) -> Vec<Quote> {
    let max = match f.kind {
        FlagKind::Dominance | FlagKind::SilentParticipant | FlagKind::PhaseOverrun => 0,
        FlagKind::LongMonologue => 1,
        FlagKind::RapidFire | FlagKind::Discussion | FlagKind::StackedQuestions => 10,
        _ => 3,
    };
    f.utterances
        .iter()
        .filter_map(|&i| quote(a, i))
        .take(max)
        .collect()
}

/// Pauses in the conversation (nobody speaking), from the analysed utterances in time order.
fn pauses_of(a: &Analysis) -> (Vec<Pause>, usize) {
    let mut spans: Vec<(f64, f64)> = a
        .utterances
        .iter()
        .filter(|u| u.start.is_finite() && u.end.is_finite())
        .map(|u| (u.start.max(0.0), u.end.max(u.start)))
        .collect();
    spans.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut all = Vec::new();
    let mut reach = 0.0f64;
    for (s, e) in spans {
        if s - reach >= PAUSE_MIN_SECONDS {
            all.push(Pause {
                start: reach,
                end: s,
            });
        }
        reach = reach.max(e);
    }
    let count = all.len();
    all.sort_by(|x, y| (y.end - y.start).total_cmp(&(x.end - x.start)));
    all.truncate(MAX_PAUSES);
    all.sort_by(|x, y| x.start.total_cmp(&y.start));
    (all, count)
}

fn monologues_of(a: &Analysis, flags: &[ReportFlag]) -> Vec<Monologue> {
    let mut out: Vec<Monologue> = a
        .speakers
        .iter()
        .filter(|s| s.longest_monologue_seconds > 0.0)
        .map(|s| {
            // The analysis flags holds longer than its threshold; the longest one of this
            // speaker is the flag whose span matches the statistic.
            let flag = flags
                .iter()
                .filter(|f| {
                    f.flag.kind == FlagKind::LongMonologue
                        && f.flag.speaker.as_deref() == Some(s.name.as_str())
                })
                .max_by(|x, y| (x.flag.end - x.flag.start).total_cmp(&(y.flag.end - y.flag.start)));
            let flag = flag
                .filter(|f| (f.flag.end - f.flag.start - s.longest_monologue_seconds).abs() < 0.05);
            Monologue {
                speaker: s.name.clone(),
                role: s.role,
                seconds: s.longest_monologue_seconds,
                start: flag.map(|f| f.flag.start),
                end: flag.map(|f| f.flag.end),
                flagged: flag.is_some(),
                quote: flag.and_then(|f| f.quotes.first().map(|q| q.text.clone())),
            }
        })
        .collect();
    out.sort_by(|x, y| y.seconds.total_cmp(&x.seconds));
    out
}

/// Strong open questions: open, not a why-question, no advice, not part of any kept flag,
/// asked by someone other than the inbrenger; experience and learning questions first,
/// questions about the case situation only while there are fewer than three.
fn examples_of(a: &Analysis, flags: &[ReportFlag]) -> Vec<Example> {
    let flagged: std::collections::HashSet<usize> = flags
        .iter()
        .flat_map(|f| f.flag.utterances.iter().copied())
        .collect();
    let inbrenger: Vec<&str> = a
        .speakers
        .iter()
        .filter(|s| s.role == Some(Role::Inbrenger))
        .map(|s| s.name.as_str())
        .collect();
    let mut candidates: Vec<(u32, usize)> = a
        .utterances
        .iter()
        .enumerate()
        .filter(|(i, u)| {
            u.question == QuestionType::Open
                && !u.why
                && !u.advice
                && !flagged.contains(i)
                && !inbrenger.contains(&u.speaker.as_str())
                && u.text.trim().chars().count() >= 12
        })
        .filter_map(|(i, u)| {
            let score = match (u.extra.category, u.extra.focus) {
                (Some(QuestionCategory::Learning), _) => 4,
                (Some(QuestionCategory::Experience), _) => 3,
                (_, Some(QuestionFocus::Experience)) => 3,
                (Some(QuestionCategory::Actions), _) => 2,
                (Some(QuestionCategory::Situation), _) => 1,
                _ => 0,
            };
            (score > 0).then_some((score, i))
        })
        .collect();
    candidates.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let mut per_speaker: HashMap<&str, usize> = HashMap::new();
    let mut seen_texts: std::collections::HashSet<String> = Default::default();
    let mut chosen = Vec::new();
    for (score, i) in candidates {
        // Situation questions only fill up when there are few stronger ones.
        if score < 2 && chosen.len() >= 3 {
            break;
        }
        let u = &a.utterances[i];
        let n = per_speaker.entry(u.speaker.as_str()).or_default();
        if *n >= 2 || !seen_texts.insert(u.text.trim().to_lowercase()) {
            continue;
        }
        *n += 1;
        chosen.push(i);
        if chosen.len() >= MAX_EXAMPLES {
            break;
        }
    }
    chosen.sort_by(|&x, &y| a.utterances[x].start.total_cmp(&a.utterances[y].start));
    chosen
        .into_iter()
        .filter_map(|i| {
            let u = &a.utterances[i];
            quote(a, i).map(|q| Example {
                quote: q,
                category: u.extra.category,
                focus: u.extra.focus,
            })
        })
        .collect()
}

/// Speech per speaker for the timeline, merging what is closer than the drawing can show.
fn timeline_of(a: &Analysis) -> Vec<Span> {
    let index: HashMap<&str, usize> = a
        .speakers
        .iter()
        .enumerate()
        .map(|(k, s)| (s.name.as_str(), k))
        .collect();
    let merge_gap = (a.duration_seconds / 1500.0).max(0.2);
    let mut spans: Vec<Span> = a
        .utterances
        .iter()
        .filter(|u| u.start.is_finite() && u.end.is_finite() && u.end >= u.start)
        .filter_map(|u| {
            index.get(u.speaker.as_str()).map(|&k| Span {
                speaker: k,
                start: u.start.max(0.0),
                end: u.end.max(0.0),
            })
        })
        .collect();
    spans.sort_by(|x, y| x.speaker.cmp(&y.speaker).then(x.start.total_cmp(&y.start)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let Some(last) = out.last_mut()
            && last.speaker == s.speaker
            && s.start - last.end <= merge_gap
        {
            last.end = last.end.max(s.end);
            continue;
        }
        out.push(s);
    }
    out
}

/// Display name of a method id in the UI language.
pub fn method_name(id: &str, ui: UiLang) -> String {
    observant_analysis::methods::find(id)
        .map(|m| m.name(ui).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A date from seconds since the Unix epoch (UTC): `28-11-2025` in Dutch, `2025-11-28` in
/// English.
pub fn fmt_date(unix: u64, ui: UiLang) -> String {
    let days = (unix / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    match ui {
        UiLang::Nl => format!("{d:02}-{m:02}-{y}"),
        UiLang::En => format!("{y}-{m:02}-{d:02}"),
    }
}

/// Percentage without decimals: `73%`.
pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", x * 100.0)
    } else {
        "-".into()
    }
}

/// "3" or "3 (+1 onzeker)": sure flags, with the uncertain ones apart.
pub fn counted_apart(sure: usize, uncertain: usize, ui: UiLang) -> String {
    if uncertain == 0 {
        sure.to_string()
    } else {
        format!("{sure} (+{uncertain} {})", ui.t("onzeker", "uncertain"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::{Participant, Utterance};

    fn utt(start: f64, speaker: &str, text: &str) -> Utterance {
        Utterance {
            start,
            end: start + 3.0,
            speaker: speaker.into(),
            text: text.into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        }
    }

    fn sample() -> Transcript {
        Transcript {
            language: Some("nl".into()),
            participants: vec![
                Participant::new("Anna", Role::Facilitator),
                Participant::new("Bram", Role::Inbrenger),
                Participant::new("Carla", Role::Deelnemer),
            ],
            utterances: vec![
                utt(0.0, "Anna", "Welkom. Bram, jij brengt vandaag de casus in."),
                utt(4.0, "Bram", "Dank je Anna. Het gaat over een collega."),
                utt(8.0, "Carla", "Waarom heb je dat niet eerder gezegd, Bram?"),
                utt(30.0, "Dirk", "Wat betekent deze situatie voor jou?"),
                utt(34.0, "S1", "Ik zou gewoon met haar praten."),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn redactor_matches_replace_names() {
        let pairs = vec![
            ("Jan".to_string(), "deelnemer A".to_string()),
            ("Janneke".to_string(), "deelnemer B".to_string()),
            ("Zoë".to_string(), "facilitator".to_string()),
        ];
        let r = Redactor::new(pairs.clone());
        for s in [
            "Jan en Janneke gingen met ZOË mee; jan's fiets.",
            "Jantje en Janssen niet",
            "",
            "zoë, JAN!",
        ] {
            assert_eq!(
                r.apply(s),
                observant_model::transcript::replace_names(s, r.pairs()),
                "{s}"
            );
        }
        assert_eq!(r.apply("Janneke"), "deelnemer B");
    }

    #[test]
    fn pseudonymised_source_has_no_names() {
        let mut src = ReportSource::from_transcript(sample(), "Intervisie met Anna en Dirk");
        src.notes.push(Note {
            t: 5.0,
            text: "carla kijkt naar BRAM".into(),
        });
        let r = pseudonymize_source(&mut src, UiLang::Nl);
        let all = format!("{:?} {:?} {}", src.transcript, src.notes, src.title);
        for n in ["Anna", "Bram", "Carla", "Dirk"] {
            assert!(
                !all.to_lowercase().contains(&n.to_lowercase()),
                "{n}: {all}"
            );
        }
        assert!(all.contains("S1"), "attribution labels stay");
        assert!(all.contains("spreker A"));
        assert_eq!(r.apply("Dirk"), "spreker A");
    }

    #[test]
    fn report_numbers_come_from_the_analysis_and_verdicts_filter() {
        let t = sample();
        let cfg = Config::default();
        let a = analyze(&t, Classifier::shared(), &cfg);
        assert!(!a.flags.is_empty());
        let f0 = &a.flags[0];
        let verdicts = vec![FlagVerdict {
            kind: f0.kind,
            start: f0.start,
            correct: false,
        }];
        let r = Report::build(&t, &a, &[], &verdicts, ReportMeta::default());
        assert_eq!(r.speakers, a.speakers);
        assert_eq!(r.excluded_flags, 1);
        assert_eq!(r.flags.len(), a.flags.len() - 1);
        assert_eq!(r.pause_count, 1, "{:?}", r.pauses);
        assert_eq!(r.pauses[0].start, 11.0);
        assert_eq!(r.pauses[0].end, 30.0);
        let q: u32 = a.speakers.iter().map(|s| s.questions).sum();
        assert_eq!(r.totals.questions, q);
    }

    #[test]
    fn dates_and_letters() {
        assert_eq!(fmt_date(0, UiLang::Nl), "01-01-1970");
        assert_eq!(fmt_date(1_764_288_000, UiLang::En), "2025-11-28");
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert!(is_attribution_label("S12") && !is_attribution_label("Sanne"));
    }
}
