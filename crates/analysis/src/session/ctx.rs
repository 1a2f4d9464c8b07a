//! The shared context of one session analysis, computed once before any detector runs:
//! sanitised times, speaker timelines (prefix sums of speech), turns, floor holds, method step
//! marks and step timings, plus the small helpers the detectors share (targets, cues, flags).

use std::collections::HashMap;

use crate::config::Config;
use crate::methods::{self, Method, Step};
use crate::types::{Classification, Flag, FlagDetail, FlagKind, QuestionType, StepTiming};
use observant_model::i18n::UiLang;
use observant_model::transcript::{Role, StepMark, Transcript};

pub(crate) struct SpeakerInfo {
    pub(crate) name: String,
    pub(crate) role: Option<Role>,
    /// Union of the speaker's utterance intervals, sorted, disjoint.
    pub(crate) starts: Vec<f64>,
    pub(crate) ends: Vec<f64>,
    /// `prefix[j]` = speech in intervals `0..=j`.
    pub(crate) prefix: Vec<f64>,
}

impl SpeakerInfo {
    /// Speech of this speaker in `(-inf, t]`.
    pub(crate) fn cum(&self, t: f64) -> f64 {
        let j = self.starts.partition_point(|&s| s <= t);
        if j == 0 {
            return 0.0;
        }
        let before = if j >= 2 { self.prefix[j - 2] } else { 0.0 };
        before + (t.min(self.ends[j - 1]) - self.starts[j - 1]).max(0.0)
    }
    /// `cum(t)` for non-decreasing `t` across calls: `cursor` (starting at 0) remembers how
    /// many intervals start at or before the last `t`, so a sweep costs O(n) in total.
    pub(crate) fn cum_sweep(&self, t: f64, cursor: &mut usize) -> f64 {
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
    pub(crate) fn speech(&self, a: f64, b: f64) -> f64 {
        (self.cum(b) - self.cum(a)).max(0.0)
    }
    pub(crate) fn total(&self) -> f64 {
        self.prefix.last().copied().unwrap_or(0.0)
    }
}

/// Consecutive utterances (time order) of one speaker.
pub(crate) struct Turn {
    pub(crate) speaker: usize,
    pub(crate) start: f64,
    pub(crate) end: f64,
    /// Positions in `Ctx::order`.
    pub(crate) first: usize,
    pub(crate) last: usize,
}

/// A stretch in which one speaker holds the floor; short backchannels by others do not
/// interrupt it.
pub(crate) struct Hold {
    pub(crate) speaker: usize,
    pub(crate) start: f64,
    pub(crate) end: f64,
    pub(crate) utterances: Vec<usize>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) t: &'a Transcript,
    pub(crate) cls: &'a [Classification],
    pub(crate) cfg: &'a Config,
    pub(crate) none: Classification,
    /// Sanitised times per utterance.
    pub(crate) s: Vec<f64>,
    pub(crate) e: Vec<f64>,
    /// Speaker id per utterance.
    pub(crate) spk: Vec<usize>,
    pub(crate) speakers: Vec<SpeakerInfo>,
    pub(crate) inbrenger: Option<usize>,
    /// Utterance indices in time order.
    pub(crate) order: Vec<usize>,
    pub(crate) turns: Vec<Turn>,
    /// Per utterance: the speaker of the last utterance by someone else before it.
    pub(crate) prev_other: Vec<Option<usize>>,
    pub(crate) method: Option<&'static Method>,
    /// Valid step marks, sorted by start.
    pub(crate) marks: Vec<StepMark>,
    pub(crate) step_of: Vec<Option<u32>>,
    pub(crate) end: f64,
    /// Floor holds in time order (see [`Hold`]), for monologues and statistics.
    pub(crate) holds: Vec<Hold>,
    /// Time per marked method step.
    pub(crate) steps: Vec<StepTiming>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(t: &'a Transcript, cls: &'a [Classification], cfg: &'a Config) -> Ctx<'a> {
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
        let mut ctx = Ctx {
            t,
            cls,
            cfg,
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
            holds: Vec::new(),
            steps: Vec::new(),
        };
        ctx.holds = ctx.floor_holds();
        ctx.steps = ctx.step_timings();
        ctx
    }

    pub(crate) fn c(&self, i: usize) -> &Classification {
        self.cls.get(i).unwrap_or(&self.none)
    }
    /// Question sentences in utterance `i`.
    pub(crate) fn q(&self, i: usize) -> u32 {
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
    pub(crate) fn burst_q(&self, i: usize) -> u32 {
        if self.inbrenger.is_some() && self.step(i).is_some_and(|s| s.rules.inbrenger_silent) {
            0
        } else {
            self.q(i)
        }
    }
    pub(crate) fn dur(&self, i: usize) -> f64 {
        self.e[i] - self.s[i]
    }
    pub(crate) fn name(&self, sp: usize) -> &str {
        &self.speakers[sp].name
    }
    pub(crate) fn role(&self, sp: usize) -> Option<Role> {
        self.speakers[sp].role
    }
    pub(crate) fn is_inbrenger(&self, sp: usize) -> bool {
        self.role(sp) == Some(Role::Inbrenger)
    }
    pub(crate) fn step(&self, i: usize) -> Option<&'static Step> {
        let m = self.method?;
        m.step(self.step_of[i]?)
    }
    /// The cue behind a label, from the classifier's evidence.
    pub(crate) fn cue(&self, i: usize, labels: &[&str]) -> Option<String> {
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
    pub(crate) fn target_of(&self, i: usize) -> Option<String> {
        if let Some(ib) = self.inbrenger
            && ib != self.spk[i]
        {
            return Some(self.name(ib).to_string());
        }
        self.prev_other[i].map(|sp| self.name(sp).to_string())
    }
    /// An utterance-level flag on utterance `i` (its words are written later, from `detail`).
    pub(crate) fn flag(&self, kind: FlagKind, i: usize, detail: FlagDetail) -> Flag {
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
            message: String::new(),
            evidence: String::new(),
            detail,
            utterances: vec![i],
            uncertain: label.is_some_and(|l| self.unsure(i, l)),
        }
    }

    /// Whether label `label` of utterance `i` rests on a word the recogniser was unsure of:
    /// a word of the label's cue is among the utterance's uncertain words.
    pub(crate) fn unsure(&self, i: usize, label: &str) -> bool {
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

    // -----------------------------------------------------------------------------------
    // Floor holds and long monologues

    pub(crate) fn floor_holds(&self) -> Vec<Hold> {
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

    // -----------------------------------------------------------------------------------
    // Method steps

    pub(crate) fn step_timings(&self) -> Vec<StepTiming> {
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
                // The method's own language; the words layer writes it in the reader's.
                name: st.name(UiLang::Nl).to_string(),
                start: mk.start,
                end,
                budget_min_seconds: lo,
                budget_max_seconds: hi,
            });
        }
        out
    }
}
