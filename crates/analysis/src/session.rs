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

use std::collections::HashMap;

use super::classify::Classifier;
use super::config::Config;
use super::methods::{self, Method, Step};
use super::types::{
    Analysis, AnalyzedUtterance, Classification, Flag, FlagKind, Lang, LangHint, QuestionCategory,
    QuestionFocus, QuestionType, SpeakerStats, StepTiming, UtteranceExtra,
};
use observant_model::i18n::UiLang;
use observant_model::text::capitalise;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};
use observant_model::transcript::{Role, StepMark, Transcript};

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
    let Some(l) = language else {
        return LangHint::Auto;
    };
    let l = l.trim().to_lowercase();
    if l == "nl"
        || l.starts_with("nl-")
        || l.starts_with("nl_")
        || l == "dutch"
        || l == "nederlands"
        || l == "vlaams"
    {
        LangHint::Fixed(Lang::Nl)
    } else if l == "en"
        || l.starts_with("en-")
        || l.starts_with("en_")
        || l == "english"
        || l == "engels"
    {
        LangHint::Fixed(Lang::En)
    } else {
        LangHint::Auto
    }
}

/// Analyses a transcript with one classification per utterance (missing ones count as
/// "nothing detected"). Flag messages are in `cfg.ui`.
pub fn analyze_classified(t: &Transcript, cls: &[Classification], cfg: &Config) -> Analysis {
    let ctx = Ctx::new(t, cls, cfg);
    let mut flags = Vec::new();
    ctx.utterance_flags(&mut flags);
    let rapid = ctx.rapid_fire();
    ctx.stacked_questions(&rapid, &mut flags);
    flags.extend(rapid);
    ctx.dominance(&mut flags);
    ctx.discussion(&mut flags);
    ctx.silent_participants(&mut flags);
    let holds = ctx.floor_holds();
    ctx.long_monologues(&holds, &mut flags);
    let steps = ctx.step_timings();
    ctx.phase_flags(&steps, &mut flags);
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
        speakers: ctx.speaker_stats(&holds),
        language: ctx.language(),
        method: t.method.clone(),
        steps,
        duration_seconds: round(ctx.end, 3),
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

struct SpeakerInfo {
    name: String,
    role: Option<Role>,
    /// Union of the speaker's utterance intervals, sorted, disjoint.
    starts: Vec<f64>,
    ends: Vec<f64>,
    /// `prefix[j]` = speech in intervals `0..=j`.
    prefix: Vec<f64>,
}

impl SpeakerInfo {
    /// Speech of this speaker in `(-inf, t]`.
    fn cum(&self, t: f64) -> f64 {
        let j = self.starts.partition_point(|&s| s <= t);
        if j == 0 {
            return 0.0;
        }
        let before = if j >= 2 { self.prefix[j - 2] } else { 0.0 };
        before + (t.min(self.ends[j - 1]) - self.starts[j - 1]).max(0.0)
    }
    /// `cum(t)` for non-decreasing `t` across calls: `cursor` (starting at 0) remembers how
    /// many intervals start at or before the last `t`, so a sweep costs O(n) in total.
    fn cum_sweep(&self, t: f64, cursor: &mut usize) -> f64 {
        while *cursor < self.starts.len() && self.starts[*cursor] <= t {
            *cursor += 1;
        }
        let j = *cursor;
        if j == 0 {
            return 0.0;
        }
        let before = if j >= 2 { self.prefix[j - 2] } else { 0.0 };
        before + (t.min(self.ends[j - 1]) - self.starts[j - 1]).max(0.0)
    }
    fn speech(&self, a: f64, b: f64) -> f64 {
        (self.cum(b) - self.cum(a)).max(0.0)
    }
    fn total(&self) -> f64 {
        self.prefix.last().copied().unwrap_or(0.0)
    }
}

/// Consecutive utterances (time order) of one speaker.
struct Turn {
    speaker: usize,
    start: f64,
    end: f64,
    /// Positions in `Ctx::order`.
    first: usize,
    last: usize,
}

/// A stretch in which one speaker holds the floor; short backchannels by others do not
/// interrupt it.
struct Hold {
    speaker: usize,
    start: f64,
    end: f64,
    utterances: Vec<usize>,
}

struct Ctx<'a> {
    t: &'a Transcript,
    cls: &'a [Classification],
    cfg: &'a Config,
    ui: UiLang,
    none: Classification,
    /// Sanitised times per utterance.
    s: Vec<f64>,
    e: Vec<f64>,
    /// Speaker id per utterance.
    spk: Vec<usize>,
    speakers: Vec<SpeakerInfo>,
    inbrenger: Option<usize>,
    /// Utterance indices in time order.
    order: Vec<usize>,
    turns: Vec<Turn>,
    /// Per utterance: the speaker of the last utterance by someone else before it.
    prev_other: Vec<Option<usize>>,
    method: Option<&'static Method>,
    /// Valid step marks, sorted by start.
    marks: Vec<StepMark>,
    step_of: Vec<Option<u32>>,
    end: f64,
}

impl<'a> Ctx<'a> {
    fn new(t: &'a Transcript, cls: &'a [Classification], cfg: &'a Config) -> Ctx<'a> {
        let n = t.utterances.len();
        let mut s = Vec::with_capacity(n);
        let mut e = Vec::with_capacity(n);
        for u in &t.utterances {
            let a = if u.start.is_finite() {
                u.start.max(0.0)
            } else {
                0.0
            };
            let b = if u.end.is_finite() { u.end.max(a) } else { a };
            s.push(a);
            e.push(b);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| s[a].total_cmp(&s[b]).then(a.cmp(&b)));

        // Speakers: listed participants first, then others by first appearance.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut speakers: Vec<SpeakerInfo> = Vec::new();
        let mut add = |name: &str, role: Option<Role>, speakers: &mut Vec<SpeakerInfo>| -> usize {
            if let Some(&id) = ids.get(name) {
                return id;
            }
            let id = speakers.len();
            ids.insert(name.to_string(), id);
            speakers.push(SpeakerInfo {
                name: name.to_string(),
                role,
                starts: Vec::new(),
                ends: Vec::new(),
                prefix: Vec::new(),
            });
            id
        };
        for p in &t.participants {
            add(&p.name, Some(p.role), &mut speakers);
        }
        let lower_roles: HashMap<String, Role> = t
            .participants
            .iter()
            .map(|p| (p.name.trim().to_lowercase(), p.role))
            .collect();
        let mut spk = vec![0usize; n];
        for &i in &order {
            let name = t.utterances[i].speaker.as_str();
            let role = lower_roles.get(&name.trim().to_lowercase()).copied();
            spk[i] = add(name, role, &mut speakers);
        }
        for &i in &order {
            let sp = &mut speakers[spk[i]];
            match sp.ends.last_mut() {
                Some(last) if s[i] <= *last => *last = last.max(e[i]),
                _ => {
                    sp.starts.push(s[i]);
                    sp.ends.push(e[i]);
                }
            }
        }
        for sp in &mut speakers {
            let mut acc = 0.0;
            sp.prefix = sp
                .starts
                .iter()
                .zip(&sp.ends)
                .map(|(a, b)| {
                    acc += b - a;
                    acc
                })
                .collect();
        }
        let inbrenger = t
            .participants
            .iter()
            .find(|p| p.role == Role::Inbrenger)
            .and_then(|p| ids.get(&p.name).copied());

        let mut turns: Vec<Turn> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            match turns.last_mut() {
                Some(tn) if tn.speaker == spk[i] => {
                    tn.end = tn.end.max(e[i]);
                    tn.last = pos;
                }
                _ => turns.push(Turn {
                    speaker: spk[i],
                    start: s[i],
                    end: e[i],
                    first: pos,
                    last: pos,
                }),
            }
        }

        let mut prev_other = vec![None; n];
        for w in turns.windows(2) {
            for p in w[1].first..=w[1].last {
                prev_other[order[p]] = Some(w[0].speaker);
            }
        }

        let method = t.method.as_deref().and_then(methods::find);
        let mut marks: Vec<StepMark> = match method {
            Some(m) => t
                .steps
                .iter()
                .filter(|mk| mk.start.is_finite() && m.step(mk.step).is_some())
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        marks.sort_by(|a, b| a.start.total_cmp(&b.start));
        let step_of = (0..n)
            .map(|i| method.and_then(|m| methods::step_at(m, &marks, s[i]).map(|st| st.number)))
            .collect();
        let end = e.iter().copied().fold(0.0, f64::max);
        Ctx {
            t,
            cls,
            cfg,
            ui: cfg.ui,
            none: Classification::default(),
            s,
            e,
            spk,
            speakers,
            inbrenger,
            order,
            turns,
            prev_other,
            method,
            marks,
            step_of,
            end,
        }
    }

    fn c(&self, i: usize) -> &Classification {
        self.cls.get(i).unwrap_or(&self.none)
    }
    /// Question sentences in utterance `i`.
    fn q(&self, i: usize) -> u32 {
        let c = self.c(i);
        if c.questions > 0 {
            c.questions
        } else {
            u32::from(c.question != QuestionType::None)
        }
    }
    /// Questions of utterance `i` that count towards a rapid-fire burst: none in a method
    /// step where the inbrenger only listens (CREA/Roddel step 3), since the group then talks
    /// among itself and nobody questions the inbrenger.
    fn burst_q(&self, i: usize) -> u32 {
        if self.inbrenger.is_some() && self.step(i).is_some_and(|s| s.rules.inbrenger_silent) {
            0
        } else {
            self.q(i)
        }
    }
    fn dur(&self, i: usize) -> f64 {
        self.e[i] - self.s[i]
    }
    fn name(&self, sp: usize) -> &str {
        &self.speakers[sp].name
    }
    fn role(&self, sp: usize) -> Option<Role> {
        self.speakers[sp].role
    }
    fn is_inbrenger(&self, sp: usize) -> bool {
        self.role(sp) == Some(Role::Inbrenger)
    }
    fn step(&self, i: usize) -> Option<&'static Step> {
        let m = self.method?;
        m.step(self.step_of[i]?)
    }
    fn tr<'b>(&self, nl: &'b str, en: &'b str) -> &'b str {
        self.ui.t(nl, en)
    }
    /// The cue behind a label, from the classifier's evidence.
    fn cue(&self, i: usize, labels: &[&str]) -> Option<String> {
        self.c(i)
            .evidence
            .iter()
            .find(|ev| {
                let l = ev.label.to_lowercase();
                labels.iter().any(|w| l == *w || l.starts_with(w))
            })
            .map(|ev| ev.cue.clone())
    }
    /// Target of an utterance-level flag: the inbrenger, else the previous other speaker.
    fn target_of(&self, i: usize) -> Option<String> {
        if let Some(ib) = self.inbrenger
            && ib != self.spk[i]
        {
            return Some(self.name(ib).to_string());
        }
        self.prev_other[i].map(|sp| self.name(sp).to_string())
    }
    fn flag(&self, kind: FlagKind, i: usize, message: String, evidence: String) -> Flag {
        let label = match kind {
            FlagKind::WhyQuestion => Some("why"),
            FlagKind::Advice | FlagKind::Iwab => Some("advice"),
            FlagKind::ClosedQuestion | FlagKind::StackedQuestions => Some("question"),
            _ => None,
        };
        Flag {
            kind,
            start: self.s[i],
            end: self.e[i],
            speaker: Some(self.name(self.spk[i]).to_string()),
            target: self.target_of(i),
            message,
            evidence,
            utterances: vec![i],
            uncertain: label.is_some_and(|l| self.unsure(i, l)),
        }
    }

    /// Whether label `label` of utterance `i` rests on a word the recogniser was unsure of:
    /// a word of the label's cue is among the utterance's uncertain words.
    fn unsure(&self, i: usize, label: &str) -> bool {
        let Some(u) = self.t.utterances.get(i) else {
            return false;
        };
        !u.uncertain_words.is_empty()
            && self.c(i).evidence.iter().any(|e| {
                e.label == label
                    && e.cue
                        .split_whitespace()
                        .map(observant_model::transcript::uncertain_key)
                        .any(|w| u.uncertain_words.contains(&w))
            })
    }

    fn step_label(&self, st: &Step) -> String {
        format!(
            "{} {} ({})",
            self.tr("stap", "step"),
            st.number,
            st.name(self.ui)
        )
    }

    // -----------------------------------------------------------------------------------
    // Utterance-level flags

    fn utterance_flags(&self, out: &mut Vec<Flag>) {
        let cfg = self.cfg;
        for &i in &self.order {
            let sp = self.spk[i];
            if self.is_inbrenger(sp) {
                continue;
            }
            let c = self.c(i);
            let who = self.name(sp);
            let step = self.step(i);
            if cfg.why_question.enabled && c.why {
                let ev = self
                    .cue(i, &["why"])
                    .unwrap_or_else(|| self.tr("waarom", "why").to_string());
                let msg = format!(
                    "{} {who}: {}",
                    self.tr("Waarom-vraag van", "Why-question by"),
                    self.tr(
                        "kan als oordeel voelen; vraag liever naar wat of hoe.",
                        "can feel judgmental; ask what or how instead."
                    )
                );
                out.push(self.flag(FlagKind::WhyQuestion, i, msg, ev));
            }
            let ideas_step = step.is_some_and(|s| s.rules.advice_expected);
            if cfg.advice.enabled && c.advice && !(cfg.advice.allow_in_idea_steps && ideas_step) {
                let ev = self
                    .cue(i, &["advice"])
                    .unwrap_or_else(|| self.tr("advies", "advice").to_string());
                let msg = format!(
                    "{} {who} {}",
                    self.tr("Advies van", "Advice by"),
                    self.tr(
                        "in plaats van een vraag of reflectie.",
                        "instead of a question or reflection."
                    )
                );
                out.push(self.flag(FlagKind::Advice, i, msg, ev));
            }
            if cfg.iwab.enabled && c.advice && c.corrective {
                let ev = self
                    .cue(i, &["corrective"])
                    .unwrap_or_else(|| self.tr("corrigerend", "corrective").to_string());
                let msg = format!(
                    "{}: {who} {}",
                    self.tr("Ik weet alles beter", "Know-it-all"),
                    self.tr(
                        "geeft advies in absolute of corrigerende termen.",
                        "gives advice in absolute or corrective terms."
                    )
                );
                out.push(self.flag(FlagKind::Iwab, i, msg, ev));
            }
            let facilitator = self.role(sp) == Some(Role::Facilitator);
            if cfg.closed_question.enabled
                && c.question == QuestionType::Closed
                && !c.advice
                && !c.why
                && (!facilitator || cfg.closed_question.include_facilitator)
            {
                let ev = self
                    .cue(i, &["question"])
                    .filter(|c| c.chars().any(char::is_alphanumeric))
                    .unwrap_or_else(|| self.tr("ja/nee-vraag", "yes/no question").to_string());
                let msg = format!(
                    "{} {who}: {}",
                    self.tr("Gesloten vraag van", "Closed question by"),
                    self.tr(
                        "een open vraag (wat, hoe) nodigt meer uit.",
                        "an open question (what, how) invites more."
                    )
                );
                out.push(self.flag(FlagKind::ClosedQuestion, i, msg, ev));
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Rapid fire

    fn rapid_fire(&self) -> Vec<Flag> {
        let rf = &self.cfg.rapid_fire;
        let mut out = Vec::new();
        if !rf.enabled {
            return out;
        }
        let n = self.order.len();
        let mut k = 0;
        while k < n {
            let i = self.order[k];
            if self.burst_q(i) == 0 {
                k += 1;
                continue;
            }
            let target = match self.inbrenger {
                Some(t) => Some(t),
                None => self.prev_other[i],
            };
            let Some(target) = target else {
                k += 1;
                continue;
            };
            if self.spk[i] == target {
                k += 1;
                continue;
            }
            // The chain: consecutive questions with the target speaking < max in between.
            let mut chain = vec![k];
            let mut talk = 0.0;
            let mut last_start = self.s[i];
            let mut m = k + 1;
            while m < n {
                let j = self.order[m];
                if self.spk[j] == target {
                    talk += self.dur(j);
                    if talk >= rf.max_target_talk_seconds {
                        break;
                    }
                } else if self.burst_q(j) > 0 {
                    if self.s[j] - last_start > rf.window_seconds {
                        break;
                    }
                    chain.push(m);
                    talk = 0.0;
                    last_start = self.s[j];
                }
                m += 1;
            }
            self.bursts_in_chain(&chain, target, &mut out);
            k = m.max(k + 1);
        }
        out
    }

    /// Finds the bursts (runs covered by windows with enough questions) in one chain.
    fn bursts_in_chain(&self, chain: &[usize], target: usize, out: &mut Vec<Flag>) {
        let rf = &self.cfg.rapid_fire;
        let times: Vec<f64> = chain.iter().map(|&p| self.s[self.order[p]]).collect();
        let counts: Vec<u32> = chain.iter().map(|&p| self.burst_q(self.order[p])).collect();
        let mut prefix = vec![0u32; chain.len() + 1];
        for (a, c) in counts.iter().enumerate() {
            prefix[a + 1] = prefix[a].saturating_add(*c);
        }
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut r = 0;
        for a in 0..chain.len() {
            r = r.max(a);
            while r + 1 < chain.len() && times[r + 1] - times[a] <= rf.window_seconds {
                r += 1;
            }
            if prefix[r + 1] - prefix[a] >= rf.min_questions {
                match runs.last_mut() {
                    Some(last) if a <= last.1 + 1 => last.1 = last.1.max(r),
                    _ => runs.push((a, r)),
                }
            }
        }
        for (a, b) in runs {
            let first = self.order[chain[a]];
            let last = self.order[chain[b]];
            let n_q = prefix[b + 1] - prefix[a];
            let askers: Vec<usize> = {
                let mut v: Vec<usize> = chain[a..=b]
                    .iter()
                    .map(|&p| self.spk[self.order[p]])
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let target_talk: f64 = (chain[a]..=chain[b])
                .map(|p| self.order[p])
                .filter(|&j| self.spk[j] == target)
                .map(|j| self.dur(j))
                .sum();
            let span = self.e[last] - self.s[first];
            let tname = self.name(target).to_string();
            let msg = format!(
                "{}: {n_q} {} {} {} {tname}, {}",
                self.tr("Spervuur", "Rapid fire"),
                self.tr("vragen in", "questions in"),
                fmt_duration(span),
                self.tr("op", "at"),
                self.tr(
                    "die nauwelijks ruimte krijgt om te antwoorden.",
                    "who hardly gets room to answer."
                )
            );
            let evidence = format!(
                "{n_q} {} {}; {tname} {} {}",
                self.tr("vragen van", "questions from"),
                askers
                    .iter()
                    .map(|&sp| self.name(sp))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.tr("sprak", "spoke"),
                fmt_duration(target_talk)
            );
            out.push(Flag {
                kind: FlagKind::RapidFire,
                start: self.s[first],
                end: self.e[last],
                speaker: (askers.len() == 1).then(|| self.name(askers[0]).to_string()),
                target: Some(tname),
                message: msg,
                evidence,
                // The burst's questions, not the target's "eh..." between them.
                utterances: chain[a..=b].iter().map(|&p| self.order[p]).collect(),
                uncertain: false,
            });
        }
    }

    // -----------------------------------------------------------------------------------
    // Stacked questions

    fn stacked_questions(&self, rapid: &[Flag], out: &mut Vec<Flag>) {
        let sq = &self.cfg.stacked_questions;
        if !sq.enabled {
            return;
        }
        let in_burst: std::collections::HashSet<usize> = rapid
            .iter()
            .flat_map(|f| f.utterances.iter().copied())
            .collect();
        for tn in &self.turns {
            let sp = tn.speaker;
            if self.is_inbrenger(sp)
                || (self.role(sp) == Some(Role::Facilitator) && !sq.include_facilitator)
            {
                continue;
            }
            let idx: Vec<usize> = (tn.first..=tn.last).map(|p| self.order[p]).collect();
            if idx.iter().any(|i| in_burst.contains(i)) {
                continue;
            }
            let n_q = idx.iter().fold(0u32, |n, &i| n.saturating_add(self.q(i)));
            if n_q < sq.min_questions {
                continue;
            }
            let who = self.name(sp);
            out.push(Flag {
                kind: FlagKind::StackedQuestions,
                start: tn.start,
                end: tn.end,
                speaker: Some(who.to_string()),
                target: self.target_of(idx[0]),
                message: format!(
                    "{}: {who} {} {n_q} {}",
                    self.tr("Gestapelde vragen", "Stacked questions"),
                    self.tr("stelt", "asks"),
                    self.tr(
                        "vragen in één beurt; één vraag tegelijk geeft ruimte.",
                        "questions in one turn; one at a time gives room."
                    )
                ),
                evidence: format!("{n_q} {}", self.tr("vragen", "questions")),
                utterances: idx,
                uncertain: false,
            });
        }
    }

    // -----------------------------------------------------------------------------------
    // Dominance

    fn dominance(&self, out: &mut Vec<Flag>) {
        let d = &self.cfg.dominance;
        if !d.enabled || self.order.is_empty() {
            return;
        }
        let w = d.window_seconds;
        let spoke: Vec<usize> = (0..self.speakers.len())
            .filter(|&k| self.speakers[k].total() > 0.0)
            .collect();
        let thr = self.cfg.dominance_threshold(spoke.len());
        let eligible: Vec<usize> = spoke
            .iter()
            .copied()
            .filter(|&k| !self.is_inbrenger(k))
            .collect();
        if eligible.is_empty() {
            return;
        }
        let t0 = 0.0f64;
        let last = (self.end - w).max(t0);
        let mut cands: Vec<f64> = Vec::with_capacity(self.order.len() * 4 + 2);
        cands.push(t0);
        cands.push(last);
        for sp in &self.speakers {
            for (&a, &b) in sp.starts.iter().zip(&sp.ends) {
                for x in [a, b, a - w, b - w] {
                    cands.push(x.clamp(t0, last));
                }
            }
        }
        cands.sort_by(f64::total_cmp);
        cands.dedup();

        // Per eligible speaker: open episode (first window start, last window start, max share).
        let mut open: Vec<Option<(f64, f64, f64)>> = vec![None; eligible.len()];
        let mut episodes: Vec<(usize, f64, f64, f64)> = Vec::new();
        let mut per = vec![0.0; eligible.len()];
        let mut left = vec![0usize; self.speakers.len()];
        let mut right = vec![0usize; self.speakers.len()];
        let mut speech = vec![0.0; self.speakers.len()];
        for &c in &cands {
            let b = c + w;
            let mut total = 0.0;
            for &k in &spoke {
                let sp = &self.speakers[k];
                let v = (sp.cum_sweep(b, &mut right[k]) - sp.cum_sweep(c, &mut left[k])).max(0.0);
                speech[k] = v;
                total += v;
            }
            let enough = total >= d.min_speech_seconds && total > 0.0;
            for (x, &k) in eligible.iter().enumerate() {
                per[x] = if enough { speech[k] / total } else { 0.0 };
                let qualifies = enough && per[x] >= thr - 1e-12;
                match (&mut open[x], qualifies) {
                    (Some(ep), true) => {
                        ep.1 = c;
                        ep.2 = ep.2.max(per[x]);
                    }
                    (slot @ None, true) => *slot = Some((c, c, per[x])),
                    (slot @ Some(_), false) => {
                        if let Some((a, z, m)) = slot.take() {
                            episodes.push((x, a, z, m));
                        }
                    }
                    (None, false) => {}
                }
            }
        }
        for (x, slot) in open.iter().enumerate() {
            if let Some((a, z, m)) = *slot {
                episodes.push((x, a, z, m));
            }
        }
        // Merge overlapping episodes of one speaker.
        episodes.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
        let mut merged: Vec<(usize, f64, f64, f64)> = Vec::new();
        for (x, a, z, m) in episodes {
            let end = (z + w).min(self.end.max(a));
            match merged.last_mut() {
                Some(last) if last.0 == x && a <= last.2 => {
                    last.2 = last.2.max(end);
                    last.3 = last.3.max(m);
                }
                _ => merged.push((x, a, end, m)),
            }
        }
        for (x, a, b, m) in merged {
            let k = eligible[x];
            let who = self.name(k).to_string();
            let pct = (m * 100.0).round();
            let talk = self.speakers[k].speech(a, b);
            let utterances: Vec<usize> = self
                .order
                .iter()
                .copied()
                .filter(|&i| self.spk[i] == k && self.e[i] > a && self.s[i] < b)
                .collect();
            out.push(Flag {
                kind: FlagKind::Dominance,
                start: a,
                end: b,
                speaker: Some(who.clone()),
                target: None,
                message: format!(
                    "{}: {who} {} {pct}% {} ({}–{}).",
                    self.tr("Dominantie", "Dominance"),
                    self.tr("heeft tot", "takes up to"),
                    self.tr("van de spreektijd", "of the speaking time"),
                    fmt_clock(a),
                    fmt_clock(b)
                ),
                evidence: format!(
                    "{} {pct}% ({} {} {}); {} {}%, N = {}",
                    self.tr("aandeel tot", "share up to"),
                    fmt_duration(talk),
                    self.tr("spraak in", "speech in"),
                    fmt_duration(b - a),
                    self.tr("drempel", "threshold"),
                    (thr * 100.0).round(),
                    spoke.len()
                ),
                utterances,
                uncertain: false,
            });
        }
    }

    // -----------------------------------------------------------------------------------
    // Discussion (welles-nietes)

    fn discussion(&self, out: &mut Vec<Flag>) {
        let dc = &self.cfg.discussion;
        if !dc.enabled {
            return;
        }
        let turns = &self.turns;
        let ok_turn = |x: usize| {
            let tn = &turns[x];
            !self.is_inbrenger(tn.speaker) && tn.end - tn.start <= dc.max_turn_seconds
        };
        let contra = |x: usize| {
            (turns[x].first..=turns[x].last).any(|p| self.c(self.order[p]).contradiction)
        };
        let mut t = 0;
        while t + 1 < turns.len() {
            if !ok_turn(t)
                || !ok_turn(t + 1)
                || turns[t + 1].start - turns[t].end > dc.max_gap_seconds
            {
                t += 1;
                continue;
            }
            let (a, b) = (turns[t].speaker, turns[t + 1].speaker);
            let mut x = t + 1;
            while x + 1 < turns.len() {
                let want = if turns[x].speaker == a { b } else { a };
                if turns[x + 1].speaker != want
                    || !ok_turn(x + 1)
                    || turns[x + 1].start - turns[x].end > dc.max_gap_seconds
                {
                    break;
                }
                x += 1;
            }
            let len = (x - t + 1) as u32;
            let n_contra = (t..=x).filter(|&y| contra(y)).count() as u32;
            if len >= dc.min_turns && n_contra >= dc.min_contradictions {
                let first_utt = self.order[turns[t].first];
                let no_disc = self
                    .step(first_utt)
                    .filter(|s| s.rules.no_discussion)
                    .map(|s| {
                        format!(
                            " {} {}.",
                            self.tr("Geen discussie in", "No discussion in"),
                            self.step_label(s)
                        )
                    })
                    .unwrap_or_default();
                let cues: Vec<String> = (t..=x)
                    .flat_map(|y| (turns[y].first..=turns[y].last).map(|p| self.order[p]))
                    .filter(|&i| self.c(i).contradiction)
                    .filter_map(|i| self.cue(i, &["contradiction"]))
                    .take(3)
                    .collect();
                let evidence = if cues.is_empty() {
                    format!(
                        "{n_contra} {} {len}",
                        self.tr("beurten met tegenspraak van", "turns with contradiction of")
                    )
                } else {
                    cues.join(", ")
                };
                out.push(Flag {
                    kind: FlagKind::Discussion,
                    start: turns[t].start,
                    end: turns[x].end,
                    speaker: Some(self.name(a).to_string()),
                    target: Some(self.name(b).to_string()),
                    message: format!(
                        "{} {} {} {}: {len} {}{no_disc}",
                        self.tr(
                            "Discussie (welles-nietes) tussen",
                            "Discussion (yes-no arguing) between"
                        ),
                        self.name(a),
                        self.tr("en", "and"),
                        self.name(b),
                        self.tr(
                            "snelle beurten met tegenspraak, in plaats van dialoog.",
                            "quick turns with contradiction instead of dialogue."
                        )
                    ),
                    evidence,
                    utterances: (turns[t].first..=turns[x].last)
                        .map(|p| self.order[p])
                        .collect(),
                    uncertain: false,
                });
                t = x + 1;
            } else {
                t = x.max(t + 1);
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Silent participants

    /// Intervals (sorted) where the method expects silence or listening.
    fn quiet_steps(&self) -> Vec<(f64, f64)> {
        let Some(m) = self.method else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, mk) in self.marks.iter().enumerate() {
            let end = self.marks.get(k + 1).map_or(self.end, |n| n.start);
            if m.step(mk.step).is_some_and(|s| s.rules.silence_expected) {
                out.push((mk.start, end.max(mk.start)));
            }
        }
        out
    }

    /// Silences of a speaker: gaps before, between and after their speech.
    fn silences(&self, k: usize) -> Vec<(f64, f64)> {
        let sp = &self.speakers[k];
        let mut out = Vec::new();
        let mut prev = 0.0f64;
        for (&a, &b) in sp.starts.iter().zip(&sp.ends) {
            if a > prev {
                out.push((prev, a));
            }
            prev = prev.max(b);
        }
        if self.end > prev {
            out.push((prev, self.end));
        }
        out
    }

    fn silent_participants(&self, out: &mut Vec<Flag>) {
        let sc = &self.cfg.silent_participant;
        if !sc.enabled {
            return;
        }
        let quiet = self.quiet_steps();
        for k in 0..self.speakers.len() {
            match self.role(k) {
                Some(Role::Deelnemer | Role::Facilitator) | None => {}
                Some(Role::Inbrenger | Role::Observant) => continue,
            }
            for (a, b) in self.silences(k) {
                let expected: f64 = quiet
                    .iter()
                    .map(|&(x, y)| (b.min(y) - a.max(x)).max(0.0))
                    .sum();
                let len = b - a - expected;
                if len < sc.min_silence_seconds {
                    continue;
                }
                let who = self.name(k).to_string();
                out.push(Flag {
                    kind: FlagKind::SilentParticipant,
                    start: a,
                    end: b,
                    speaker: Some(who.clone()),
                    target: None,
                    message: match self.ui {
                        UiLang::Nl => format!(
                            "Stil: {who} zei {} lang niets; betrek deze deelnemer erbij.",
                            fmt_duration(b - a)
                        ),
                        UiLang::En => format!(
                            "Silent: {who} said nothing for {}; invite them in.",
                            fmt_duration(b - a)
                        ),
                    },
                    evidence: format!(
                        "{} {}–{}",
                        self.tr("stil van", "silent from"),
                        fmt_clock(a),
                        fmt_clock(b)
                    ),
                    utterances: Vec::new(),
                    uncertain: false,
                });
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Floor holds and long monologues

    fn floor_holds(&self) -> Vec<Hold> {
        let lm = &self.cfg.long_monologue;
        let n = self.order.len();
        let mut holds = Vec::new();
        let mut p = 0;
        while p < n {
            let i = self.order[p];
            let sp = self.spk[i];
            let mut hold = Hold {
                speaker: sp,
                start: self.s[i],
                end: self.e[i],
                utterances: vec![i],
            };
            let mut next = p + 1;
            // Extend while the same speaker continues, across short backchannels of others.
            loop {
                let mut q = next;
                while q < n {
                    let j = self.order[q];
                    // A backchannel is short and asks nothing.
                    if self.spk[j] == sp
                        || self.dur(j) > lm.max_interjection_seconds
                        || self.q(j) > 0
                    {
                        break;
                    }
                    q += 1;
                }
                if q < n {
                    let j = self.order[q];
                    if self.spk[j] == sp && self.s[j] - hold.end <= lm.max_gap_seconds {
                        hold.end = hold.end.max(self.e[j]);
                        hold.utterances.push(j);
                        next = q + 1;
                        continue;
                    }
                }
                break;
            }
            holds.push(hold);
            p = next;
        }
        holds
    }

    fn long_monologues(&self, holds: &[Hold], out: &mut Vec<Flag>) {
        let lm = &self.cfg.long_monologue;
        if !lm.enabled {
            return;
        }
        for h in holds {
            let len = h.end - h.start;
            if len <= lm.max_seconds || self.is_inbrenger(h.speaker) {
                continue;
            }
            let who = self.name(h.speaker).to_string();
            out.push(Flag {
                kind: FlagKind::LongMonologue,
                start: h.start,
                end: h.end,
                speaker: Some(who.clone()),
                target: None,
                message: format!(
                    "{}: {who} {} {} {}",
                    self.tr("Lange monoloog", "Long monologue"),
                    self.tr("spreekt", "speaks for"),
                    fmt_duration(len),
                    self.tr("achter elkaar.", "in one go.")
                ),
                evidence: format!("{} > {}", fmt_duration(len), fmt_duration(lm.max_seconds)),
                utterances: h.utterances.clone(),
                uncertain: false,
            });
        }
    }

    // -----------------------------------------------------------------------------------
    // Method steps

    fn step_timings(&self) -> Vec<StepTiming> {
        let Some(m) = self.method else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, mk) in self.marks.iter().enumerate() {
            let Some(st) = m.step(mk.step) else { continue };
            let end = self
                .marks
                .get(k + 1)
                .map_or(self.end, |n| n.start)
                .max(mk.start);
            let (lo, hi) = st.budget_seconds();
            out.push(StepTiming {
                step: st.number,
                name: st.name(self.ui).to_string(),
                start: mk.start,
                end,
                budget_min_seconds: lo,
                budget_max_seconds: hi,
            });
        }
        out
    }

    fn phase_flags(&self, steps: &[StepTiming], out: &mut Vec<Flag>) {
        let ph = &self.cfg.phases;
        let Some(m) = self.method else { return };
        if !ph.enabled || self.marks.is_empty() {
            return;
        }
        for st in steps {
            let len = st.end - st.start;
            if st.budget_max_seconds > 0.0
                && len > st.budget_max_seconds + ph.overrun_tolerance_seconds
            {
                let budget = if st.budget_min_seconds < st.budget_max_seconds {
                    format!(
                        "{}–{} min",
                        st.budget_min_seconds / 60.0,
                        st.budget_max_seconds / 60.0
                    )
                } else {
                    format!("{} min", st.budget_max_seconds / 60.0)
                };
                let label = m
                    .step(st.step)
                    .map(|s| self.step_label(s))
                    .unwrap_or_default();
                out.push(Flag {
                    kind: FlagKind::PhaseOverrun,
                    start: st.start + st.budget_max_seconds,
                    end: st.end,
                    speaker: None,
                    target: None,
                    message: format!(
                        "{} {} {}; {} {budget}.",
                        capitalise(&label),
                        self.tr("duurde", "took"),
                        fmt_duration(len),
                        self.tr("gepland", "planned")
                    ),
                    evidence: format!("{} > {budget}", fmt_duration(len)),
                    utterances: Vec::new(),
                    uncertain: false,
                });
            }
        }
        // Inbrenger speaking where they only listen: one flag per run of their utterances.
        let mut run: Vec<usize> = Vec::new();
        let flush = |run: &mut Vec<usize>, out: &mut Vec<Flag>| {
            if run.is_empty() {
                return;
            }
            let (first, last) = (run[0], run[run.len() - 1]);
            let Some(st) = self.step(first) else {
                run.clear();
                return;
            };
            let who = self.name(self.spk[first]).to_string();
            out.push(Flag {
                kind: FlagKind::InbrengerSpokeInListeningPhase,
                start: self.s[first],
                end: self.e[last],
                speaker: Some(who.clone()),
                target: None,
                message: format!(
                    "{who} {} {}, {}",
                    self.tr("(inbrenger) spreekt in", "(presenter) speaks in"),
                    self.step_label(st),
                    self.tr(
                        "waarin de inbrenger alleen luistert.",
                        "where the presenter only listens."
                    )
                ),
                evidence: format!(
                    "{} {}",
                    fmt_duration(run.iter().map(|&i| self.dur(i)).sum()),
                    self.tr("spraak", "speech")
                ),
                utterances: std::mem::take(run),
                uncertain: false,
            });
        };
        for &i in &self.order {
            let sp = self.spk[i];
            let st = self.step(i);
            let listening = st.is_some_and(|s| s.rules.inbrenger_silent);
            if self.is_inbrenger(sp) && listening && self.dur(i) >= ph.inbrenger_min_seconds {
                if let Some(&prev) = run.last()
                    && self.step_of[prev] != self.step_of[i]
                {
                    flush(&mut run, out);
                }
                run.push(i);
            } else if !self.is_inbrenger(sp) || !listening {
                flush(&mut run, out);
            }
        }
        flush(&mut run, out);

        for &i in &self.order {
            let Some(st) = self.step(i) else { continue };
            let sp = self.spk[i];
            let who = self.name(sp).to_string();
            if st.rules.no_spoken_questions && self.q(i) > 0 {
                out.push(self.flag(
                    FlagKind::QuestionsInSilentPhase,
                    i,
                    format!(
                        "{} {who} {} {}, {}",
                        self.tr("Vraag van", "Question by"),
                        self.tr("in", "in"),
                        self.step_label(st),
                        self.tr(
                            "waarin geen vragen hardop horen.",
                            "where no questions are asked aloud."
                        )
                    ),
                    format!("{} {}", self.q(i), self.tr("vraag/vragen", "question(s)")),
                ));
            }
            if st.rules.informative_questions_only
                && !self.is_inbrenger(sp)
                && self.q(i) > 0
                && self.c(i).focus == Some(QuestionFocus::Experience)
            {
                let ev = self.cue(i, &["category", "focus"]).unwrap_or_else(|| {
                    self.tr("belevingsvraag", "experience question").to_string()
                });
                out.push(self.flag(
                    FlagKind::NonInformativeQuestion,
                    i,
                    format!(
                        "{} {who} {} {}: {}",
                        self.tr("Belevingsvraag van", "Experience question by"),
                        self.tr("in", "in"),
                        self.step_label(st),
                        self.tr(
                            "hier horen informatieve vragen (wie, wat, waar, hoe).",
                            "this step asks for informative questions (who, what, where, how)."
                        )
                    ),
                    ev,
                ));
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Output

    fn analyzed_utterances(&self) -> Vec<AnalyzedUtterance> {
        self.t
            .utterances
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let c = self.c(i);
                AnalyzedUtterance {
                    start: u.start,
                    end: u.end,
                    speaker: u.speaker.clone(),
                    text: u.text.clone(),
                    question: c.question,
                    why: c.why,
                    advice: c.advice,
                    extra: UtteranceExtra {
                        questions: c.questions,
                        category: c.category,
                        focus: c.focus,
                        not_i: c.not_i,
                        generality: c.generality,
                        lang: c.lang,
                        confidence: c.confidence,
                        evidence: c.evidence.clone(),
                        step: self.step_of[i],
                        asr_confidence: u.confidence,
                        uncertain: ["why", "advice", "question"]
                            .into_iter()
                            .filter(|l| self.unsure(i, l))
                            .map(str::to_string)
                            .collect(),
                    },
                }
            })
            .collect()
    }

    fn language(&self) -> Option<String> {
        if let Some(l) = &self.t.language {
            return Some(l.clone());
        }
        if self.cls.is_empty() {
            return None;
        }
        let en = self.cls.iter().filter(|c| c.lang == Lang::En).count();
        Some(if en * 2 > self.cls.len() { "en" } else { "nl" }.to_string())
    }

    fn speaker_stats(&self, holds: &[Hold]) -> Vec<SpeakerStats> {
        let total: f64 = self.speakers.iter().map(SpeakerInfo::total).sum();
        let minutes = self.end / 60.0;
        let mut stats: Vec<SpeakerStats> = self
            .speakers
            .iter()
            .map(|sp| SpeakerStats {
                name: sp.name.clone(),
                role: sp.role,
                talk_seconds: round(sp.total(), 2),
                share: if total > 0.0 {
                    round(sp.total() / total, 4)
                } else {
                    0.0
                },
                ..Default::default()
            })
            .collect();
        for tn in &self.turns {
            stats[tn.speaker].turns += 1;
        }
        for h in holds {
            let st = &mut stats[h.speaker];
            st.longest_monologue_seconds =
                st.longest_monologue_seconds.max(round(h.end - h.start, 2));
        }
        let mut pauses: Vec<(f64, u32)> = vec![(0.0, 0); self.speakers.len()];
        for (pos, &i) in self.order.iter().enumerate() {
            let st = &mut stats[self.spk[i]];
            let c = self.c(i);
            st.questions = st.questions.saturating_add(self.q(i));
            match c.question {
                QuestionType::Open => st.open_questions += 1,
                QuestionType::Closed => st.closed_questions += 1,
                QuestionType::None => {}
            }
            st.why_questions += u32::from(c.why);
            st.advice += u32::from(c.advice);
            if self.q(i) > 0 {
                match c.focus {
                    Some(QuestionFocus::Informative) => st.informative_questions += 1,
                    Some(QuestionFocus::Experience) => st.experience_questions += 1,
                    None => {}
                }
                if let Some(cat) = c.category {
                    let k = match cat {
                        QuestionCategory::Situation => 0,
                        QuestionCategory::Actions => 1,
                        QuestionCategory::Experience => 2,
                        QuestionCategory::Learning => 3,
                    };
                    st.categories[k] += 1;
                }
            }
            if pos > 0 {
                let p = self.order[pos - 1];
                if self.spk[p] != self.spk[i] && self.q(p) > 0 {
                    let pause = (self.s[i] - self.e[p]).max(0.0);
                    let acc = &mut pauses[self.spk[i]];
                    acc.0 += pause;
                    acc.1 += 1;
                }
            }
        }
        for (k, st) in stats.iter_mut().enumerate() {
            st.turns_per_minute = if minutes > 0.0 {
                round(f64::from(st.turns) / minutes, 2)
            } else {
                0.0
            };
            let (sum, n) = pauses[k];
            st.mean_answer_pause = (n > 0).then(|| round(sum / f64::from(n), 2));
            st.longest_silence_seconds = round(
                self.silences(k)
                    .iter()
                    .map(|(a, b)| b - a)
                    .fold(0.0, f64::max),
                2,
            );
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::{Participant, Utterance};

    fn utt(start: f64, end: f64, speaker: &str) -> Utterance {
        Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: String::new(),
            confidence: None,
            uncertain_words: Vec::new(),
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
    fn english_messages() {
        let t = transcript(vec![utt(0.0, 5.0, "A")]);
        let cls = vec![Classification {
            why: true,
            ..Default::default()
        }];
        let cfg = Config {
            ui: UiLang::En,
            ..Default::default()
        };
        let a = analyze_classified(&t, &cls, &cfg);
        assert!(a.flags[0].message.starts_with("Why-question"));
        let a = analyze_classified(&t, &cls, &Config::default());
        assert!(a.flags[0].message.starts_with("Waarom-vraag"));
    }
}
