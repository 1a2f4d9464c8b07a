//! The matcher: per utterance, over the tokens and the compiled data of its language, finds
//! sentence and question boundaries, cue-pattern hits and decides every label.

use super::compile::*;
use super::tokenize::*;
use crate::types::{Classification, Evidence, Lang, QuestionCategory, QuestionFocus, QuestionType};

// ---------------------------------------------------------------------------------------
// Analysis of one utterance.

/// A cleaned token: hesitations dropped, repeats collapsed.
#[derive(Debug, Clone, Copy)]
pub(super) struct CTok {
    pub(super) tok: usize,
    pub(super) id: u32,
    pub(super) bits: u128,
    pub(super) comma_after: bool,
}

/// A sentence (hard segment or a question detected inside a run).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sub {
    /// First token.
    pub(super) a: usize,
    /// First content token (after openers).
    pub(super) c: usize,
    /// End (exclusive).
    pub(super) b: usize,
    /// An inverting opener ("dus", "toen") was skipped: verb-first is no question.
    pub(super) inverted: bool,
    /// The sentence ends with a question mark.
    pub(super) qmark: bool,
    /// The sentence follows a colon.
    pub(super) after_colon: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub(super) family: u8,
    pub(super) s: usize,
    pub(super) e: usize,
    pub(super) anchored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    None,
    Wh,
    VerbFirst,
    Frame,
    Invitation,
    Elliptic,
    Tag,
    QMark,
}

#[derive(Debug, Clone)]
pub(super) struct SubResult {
    pub(super) q: QuestionType,
    pub(super) shape: Shape,
    pub(super) why: bool,
    pub(super) advice: bool,
    pub(super) tag_only: bool,
    pub(super) q_conf: f32,
    pub(super) a_conf: f32,
    pub(super) category: Option<QuestionCategory>,
    /// Token span of the cue that decided the category.
    pub(super) category_cue: Option<(usize, usize)>,
}

pub(super) struct Analysis<'a> {
    pub(super) c: &'a Compiled,
    pub(super) t: &'a Tokens,
    pub(super) text: &'a str,
    pub(super) ct: Vec<CTok>,
    pub(super) evidence: Vec<Evidence>,
}

impl<'a> Analysis<'a> {
    pub(super) fn new(c: &'a Compiled, t: &'a Tokens, text: &'a str) -> Analysis<'a> {
        Analysis {
            c,
            t,
            text,
            ct: Vec::with_capacity(t.toks.len()),
            evidence: Vec::new(),
        }
    }

    #[inline]
    pub(super) fn bits_of(&self, id: u32) -> u128 {
        if id == NO_ID {
            0
        } else {
            self.c.bits.get(id as usize).copied().unwrap_or(0)
        }
    }

    #[inline]
    pub(super) fn word(&self, i: usize) -> &str {
        let tok = &self.t.toks[self.ct[i].tok];
        &self.t.norm[tok.norm.0 as usize..tok.norm.1 as usize]
    }

    #[inline]
    pub(super) fn has(&self, i: usize, mask: u128) -> bool {
        i < self.ct.len() && self.ct[i].bits & mask != 0
    }

    /// Original text of cleaned tokens `s..e`.
    pub(super) fn surface(&self, s: usize, e: usize) -> String {
        if s >= e || e > self.ct.len() {
            return String::new();
        }
        let a = self.t.toks[self.ct[s].tok].span.0;
        let b = self.t.toks[self.ct[e - 1].tok].span.1;
        self.text.get(a..b).unwrap_or_default().to_string()
    }

    pub(super) fn add_evidence(&mut self, label: &str, s: usize, e: usize) {
        let cue = self.surface(s, e);
        self.add_evidence_text(label, cue);
    }

    pub(super) fn add_evidence_text(&mut self, label: &str, cue: String) {
        if cue.is_empty() {
            return;
        }
        if self
            .evidence
            .iter()
            .any(|ev| ev.label == label && ev.cue == cue)
        {
            return;
        }
        self.evidence.push(Evidence {
            label: label.to_string(),
            cue,
        });
    }

    pub(super) fn run(mut self, lang: Lang) -> Classification {
        let segs = self.clean();
        let mut out = Classification {
            lang,
            ..Default::default()
        };
        if self.ct.is_empty() {
            out.confidence = 1.0;
            return out;
        }
        let subs = self.sentences(&segs);
        // Per-sentence analysis.
        let mut hits: Vec<Hit> = Vec::new();
        let mut results: Vec<SubResult> = Vec::with_capacity(subs.len());
        let mut contradiction_hits: Vec<Hit> = Vec::new();
        for (si, sub) in subs.iter().enumerate() {
            hits.clear();
            self.collect_hits(sub, &mut hits);
            let prev_question = si > 0 && results[si - 1].q != QuestionType::None;
            let r = self.analyze_sub(sub, &hits, prev_question);
            self.signals(&hits, &r, &mut out, &mut contradiction_hits);
            results.push(r);
        }
        self.combine(&results, &mut out);
        out.evidence = std::mem::take(&mut self.evidence);
        out
    }

    /// Drops hesitations and immediate repeats into `self.ct`; returns the hard segments as
    /// (start, end, question mark, after a colon) over `self.ct`.
    fn clean(&mut self) -> Vec<(usize, usize, bool, bool)> {
        // Clean: drop hesitations and immediate repeats; map hard segments.
        let mut segs: Vec<(usize, usize, bool, bool)> = Vec::with_capacity(self.t.segs.len());
        for hs in &self.t.segs {
            let start = self.ct.len();
            let mut prev: Option<&str> = None;
            for ti in hs.start..hs.end {
                let tok = self.t.toks[ti];
                let bits = self.bits_of(tok.id);
                if bits & C_HESITATION != 0 {
                    continue;
                }
                let w = &self.t.norm[tok.norm.0 as usize..tok.norm.1 as usize];
                if prev == Some(w) && w.chars().all(char::is_alphabetic) {
                    continue;
                }
                prev = Some(w);
                self.ct.push(CTok {
                    tok: ti,
                    id: tok.id,
                    bits,
                    comma_after: tok.comma_after,
                });
            }
            if self.ct.len() > start {
                segs.push((start, self.ct.len(), hs.qmark, hs.after_colon));
            }
        }
        segs
    }

    /// Cuts the hard segments into sentences (see [`Analysis::split_points`]).
    fn sentences(&self, segs: &[(usize, usize, bool, bool)]) -> Vec<Sub> {
        // Sentences.
        let mut subs: Vec<Sub> = Vec::with_capacity(segs.len() + 2);
        for &(a, b, q, colon) in segs {
            let starts = self.split_points(a, b);
            for (k, &s) in starts.iter().enumerate() {
                let e = starts.get(k + 1).copied().unwrap_or(b);
                let (c, inverted) = self.content_start(s, e);
                subs.push(Sub {
                    a: s,
                    c,
                    b: e,
                    inverted,
                    qmark: q && e == b,
                    after_colon: colon && k == 0,
                });
            }
        }
        subs
    }

    /// Spelregel signals (generality, corrective, not-"ik") and contradiction markers of one
    /// sentence's hits.
    fn signals(
        &mut self,
        hits: &[Hit],
        r: &SubResult,
        out: &mut Classification,
        contradiction_hits: &mut Vec<Hit>,
    ) {
        // Spelregel signals.
        for h in hits {
            match h.family {
                F_GENERALITY => {
                    out.generality = true;
                    self.add_evidence("generality", h.s, h.e);
                }
                F_CORRECTIVE => {
                    out.corrective = true;
                    self.add_evidence("corrective", h.s, h.e);
                }
                F_NOT_I if r.q == QuestionType::None => {
                    out.not_i = true;
                    self.add_evidence("not_i", h.s, h.e);
                }
                F_CONTRADICTION => contradiction_hits.push(*h),
                _ => {}
            }
        }
        let mut last_end = 0usize;
        for h in contradiction_hits.drain(..) {
            if h.s < last_end {
                continue;
            }
            let blocked = hits
                .iter()
                .any(|b| b.family == F_CONTRADICTION_BLOCKER && b.s <= h.s && h.s < b.e);
            if !blocked {
                last_end = h.e;
                out.contradiction = true;
                self.add_evidence("contradiction", h.s, h.e);
            }
        }
    }

    /// Combines the sentence results into the utterance's labels and confidence.
    fn combine(&mut self, results: &[SubResult], out: &mut Classification) {
        // Combine.
        let mut q_conf = 0.85f32;
        let mut a_conf = 1.0f32;
        let mut decided = false;
        for r in results {
            if r.q != QuestionType::None && !r.tag_only {
                out.questions += 1;
            }
            if r.q == QuestionType::Open {
                out.question = QuestionType::Open;
            } else if r.q == QuestionType::Closed && out.question == QuestionType::None {
                out.question = QuestionType::Closed;
            }
            if r.q != QuestionType::None {
                if !decided {
                    q_conf = r.q_conf;
                    decided = true;
                } else {
                    q_conf = q_conf.max(r.q_conf);
                }
                if out.category.is_none() && !r.tag_only {
                    out.category = r.category;
                    if let Some((s, e)) = r.category_cue {
                        self.add_evidence("category", s, e);
                    }
                }
            }
            out.why |= r.why;
            if r.advice {
                out.advice = true;
                a_conf = a_conf.min(r.a_conf);
            }
        }
        if out.question != QuestionType::None && out.questions == 0 {
            out.questions = 1;
        }
        out.focus = out.category.map(|c| match c {
            QuestionCategory::Experience | QuestionCategory::Learning => QuestionFocus::Experience,
            _ => QuestionFocus::Informative,
        });
        if let Some(cat) = out.category {
            let name = match cat {
                QuestionCategory::Situation => "situation",
                QuestionCategory::Actions => "actions",
                QuestionCategory::Experience => "experience",
                QuestionCategory::Learning => "learning",
            };
            if !self.evidence.iter().any(|e| e.label == "category") {
                // No cue word: the category follows from the default rule.
                self.add_evidence_text("category", name.to_string());
            }
        }
        let short = self.ct.len() < 3 && !results.iter().any(|r| r.shape == Shape::Wh);
        let mut conf = q_conf.min(a_conf);
        if short {
            conf = conf.min(0.75);
        }
        out.confidence = (conf * 100.0).round() / 100.0;
    }

    /// Skips openers; returns the first content token and whether an inverting opener was
    /// skipped.
    pub(super) fn content_start(&self, a: usize, b: usize) -> (usize, bool) {
        let mut c = a;
        let mut inverted = false;
        while c < b && self.has(c, C_OPENER | C_INVERTING_OPENER) {
            // Keep a final opener as content when nothing follows ("ja.", "nee").
            if c + 1 == b {
                break;
            }
            // "nou wat ..." vs "dan moet je": an inverting opener inverts.
            if self.has(c, C_INVERTING_OPENER) {
                inverted = true;
            }
            c += 1;
        }
        (c, inverted)
    }

    /// Where new sentences start inside a hard segment `a..b`.
    pub(super) fn split_points(&self, a: usize, b: usize) -> Vec<usize> {
        let mut starts = vec![a];
        if b - a < 4 {
            return starts;
        }
        let mut i = a + 1;
        while i < b {
            let last = *starts.last().unwrap_or(&a);
            let (lc, _) = self.content_start(last, b);
            // At least two content words before a new question can start.
            if i >= lc + 2 && !self.awaits_verb(lc, i) && self.starts_question_midrun(i, b) {
                starts.push(i);
                i += 2;
                continue;
            }
            i += 1;
        }
        starts
    }

    /// The sentence from `c` is a question-word phrase still waiting for its verb ("for
    /// what reason | did you ..."): a verb at `i` belongs to it.
    pub(super) fn awaits_verb(&self, c: usize, i: usize) -> bool {
        let Some(w) = self.wh_start(c, i) else {
            return false;
        };
        !self.has(i, C_WH) && !(w + 1..i).any(|k| self.has(k, C_VERB))
    }

    pub(super) fn starts_question_midrun(&self, i: usize, b: usize) -> bool {
        let prev = i - 1;
        // Indirect question frame ("... ik vraag me af ...").
        if self.frame_at(i, b).is_some() && !self.has(prev, C_NO_SPLIT_BEFORE) {
            return true;
        }
        if self.has(prev, C_NO_SPLIT_BEFORE) {
            return false;
        }
        // Question word + finite verb + subject ("... wat deed jij toen").
        if self.has(i, C_WH) {
            let mut v = i + 1;
            if self.has(i, C_WH_NP) {
                v += 1;
            }
            if v + 1 < b
                && self.has(v, C_VERB)
                && self.has(v + 1, C_SUBJECT | C_DETERMINER)
                && !self.has(v + 1, C_FIRST_PERSON | C_SPEAKER)
            {
                return true;
            }
            return false;
        }
        // Conjunction + verb + addressee ("... en heb je ...").
        if i + 1 < b && self.has(i, C_VERB) && self.has(i + 1, C_PERSONAL) {
            if self.has(prev, C_CONJUNCTION) {
                return self.has(i + 1, C_YOU) || !self.c.split_needs_conjunction;
            }
            if !self.c.split_needs_conjunction
                && !self.has(prev, C_WH | C_VERB | C_SUBJECT | C_WH_PREP)
                && !self.has(i + 1, C_FIRST_PERSON)
            {
                return true;
            }
        }
        false
    }

    /// An indirect-question frame starting at `p`: returns its end.
    pub(super) fn frame_at(&self, p: usize, b: usize) -> Option<usize> {
        let id = self.ct[p].id;
        let cands = self.candidates(id);
        for &pi in cands {
            let pat = &self.c.patterns[pi as usize];
            if pat.family != F_INDIRECT {
                continue;
            }
            if let Some(e) = self.match_elems(&pat.elems, p, b, pat.at_end) {
                return Some(e);
            }
        }
        None
    }

    #[inline]
    pub(super) fn candidates(&self, id: u32) -> &[u32] {
        if id == NO_ID {
            return &[];
        }
        let i = id as usize;
        match (self.c.index_start.get(i), self.c.index_start.get(i + 1)) {
            (Some(&s), Some(&e)) => &self.c.index_flat[s as usize..e as usize],
            _ => &[],
        }
    }

    #[inline(always)]
    pub(super) fn elem_matches(&self, e: &Elem, i: usize) -> bool {
        let ct = &self.ct[i];
        match e {
            Elem::Word(id) => ct.id == *id,
            Elem::Alts(ids) => ct.id != NO_ID && ids.contains(&ct.id),
            Elem::Class(mask) => ct.bits & mask != 0,
            Elem::Gap(_) => true,
            Elem::Opt(inner) => self.elem_matches(inner, i),
            Elem::Not(inner) => !self.elem_matches(inner, i),
            Elem::Prefix(p) => {
                let w = self.word(i);
                w.len() > p.len() && w.starts_with(&**p)
            }
            Elem::Suffix(s) => {
                let w = self.word(i);
                w.len() > s.len() && w.ends_with(&**s)
            }
        }
    }

    /// Matches pattern elements from `pos` within `..limit`; returns the end.
    pub(super) fn match_elems(
        &self,
        elems: &[Elem],
        pos: usize,
        limit: usize,
        must_end: bool,
    ) -> Option<usize> {
        let Some((first, rest)) = elems.split_first() else {
            return if !must_end || pos == limit {
                Some(pos)
            } else {
                None
            };
        };
        match first {
            Elem::Not(inner) => {
                if pos < limit && self.elem_matches(inner, pos) {
                    None
                } else {
                    self.match_elems(rest, pos, limit, must_end)
                }
            }
            Elem::Opt(inner) => {
                if pos < limit
                    && self.elem_matches(inner, pos)
                    && let Some(e) = self.match_elems(rest, pos + 1, limit, must_end)
                {
                    return Some(e);
                }
                self.match_elems(rest, pos, limit, must_end)
            }
            Elem::Gap(g) => {
                for k in 0..=(*g as usize) {
                    if pos + k > limit {
                        break;
                    }
                    if let Some(e) = self.match_elems(rest, pos + k, limit, must_end) {
                        return Some(e);
                    }
                }
                None
            }
            e => {
                if pos < limit && self.elem_matches(e, pos) {
                    self.match_elems(rest, pos + 1, limit, must_end)
                } else {
                    None
                }
            }
        }
    }

    pub(super) fn collect_hits(&self, sub: &Sub, hits: &mut Vec<Hit>) {
        for p in sub.a..sub.b {
            let id = self.ct[p].id;
            let cands = self.candidates(id);
            for &pi in cands.iter().chain(self.c.unindexed.iter()) {
                let pat = &self.c.patterns[pi as usize];
                if pat.at_start && p > sub.c {
                    continue;
                }
                if let Some(e) = self.match_elems(&pat.elems, p, sub.b, pat.at_end) {
                    hits.push(Hit {
                        family: pat.family,
                        s: p,
                        e,
                        anchored: pat.at_start,
                    });
                }
            }
        }
    }

    /// Matches one family at `p` ignoring start anchors (used after a frame).
    pub(super) fn family_at(&self, family: u8, p: usize, b: usize) -> Option<usize> {
        if p >= b {
            return None;
        }
        for &pi in self.candidates(self.ct[p].id) {
            let pat = &self.c.patterns[pi as usize];
            if pat.family == family
                && let Some(e) = self.match_elems(&pat.elems, p, b, pat.at_end)
            {
                return Some(e);
            }
        }
        None
    }

    pub(super) fn ends_with_any(&self, i: usize, suffixes: &[String]) -> bool {
        let w = self.word(i);
        suffixes
            .iter()
            .any(|s| !s.is_empty() && w.len() > s.len() + 1 && w.ends_with(s.as_str()))
    }

    pub(super) fn analyze_sub(
        &mut self,
        sub: &Sub,
        hits: &[Hit],
        prev_question: bool,
    ) -> SubResult {
        let mut r = SubResult {
            q: QuestionType::None,
            shape: Shape::None,
            why: false,
            advice: false,
            tag_only: false,
            q_conf: 0.85,
            a_conf: 1.0,
            category: None,
            category_cue: None,
        };
        let cues = self.shape(sub, hits, prev_question, &mut r);
        self.why(hits, &mut r, cues.why);
        self.advice(sub, hits, &mut r, cues.wh_pos);
        self.question_category(sub, hits, &mut r, cues.question);
        r
    }

    /// 1. Shape: the sentence's question shape and type, and the cues behind it.
    fn shape(
        &mut self,
        sub: &Sub,
        hits: &[Hit],
        prev_question: bool,
        r: &mut SubResult,
    ) -> ShapeCues {
        let (c, b) = (sub.c, sub.b);
        let mut why_cue: Option<(usize, usize)> = None;
        let mut q_cue: Option<(usize, usize)> = None;
        let mut wh_pos: Option<usize> = None;

        // A permission frame ("mag ik iets vragen?", "can I ask something") without a
        // question word after it is just a yes/no question.
        let frame = first_hit(hits, F_INDIRECT).filter(|f| {
            let n = f.e;
            let wh_next = n < b
                && (self.has(n, C_WH | C_WHY_WH | C_IF)
                    || (self.has(n, C_WH_PREP) && self.has(n + 1, C_WH)));
            wh_next || self.family_at(F_WHY, n, b).is_some() || !self.has(c, C_VERB)
        });
        if let Some(f) = frame {
            r.shape = Shape::Frame;
            r.q_conf = 0.85;
            q_cue = Some((f.s, f.e));
            let n = f.e;
            if n < b && self.has(n, C_WHY_WH) {
                r.q = QuestionType::Open;
                why_cue = Some((n, n + 1));
            } else if let Some(e) = self.family_at(F_WHY, n, b) {
                r.q = QuestionType::Open;
                why_cue = Some((n, e));
            } else if n < b && self.has(n, C_IF) {
                r.q = QuestionType::Closed;
            } else {
                r.q = QuestionType::Open;
            }
        } else if let Some(h) = hits
            .iter()
            .find(|h| h.family == F_INVITATION && !(h.s..h.e).any(|k| self.has(k, C_NEGATION)))
            .copied()
        {
            r.shape = Shape::Invitation;
            r.q = QuestionType::Open;
            r.q_conf = 0.85;
            q_cue = Some((h.s, h.e));
        } else if hits.iter().any(|h| h.family == F_STATEMENT && h.anchored) {
            // Fixed expressions that look like questions: "hoe dan ook", "wat mij betreft".
        } else if self.has(c, C_MISHEARD_WHY)
            && c + 2 < b
            && self.has(c + 1, C_VERB)
            && self.has(c + 2, C_SUBJECT)
        {
            // "maar om heb je dat gedaan": the recogniser's "(maar|waar) om" for "waarom";
            // the word stays where it is but counts as the why-word (its cue).
            r.shape = Shape::Wh;
            r.q = QuestionType::Open;
            r.q_conf = 0.7;
            q_cue = Some((c, c + 1));
            wh_pos = Some(c);
            why_cue = Some((c, c + 1));
        } else if let Some(w) = self.wh_start(c, b) {
            if self.wh_is_question(sub, w) {
                r.shape = Shape::Wh;
                r.q = QuestionType::Open;
                r.q_conf = 0.9;
                q_cue = Some((w, w + 1));
                wh_pos = Some(w);
                if self.has(w, C_WHY_WH) {
                    why_cue = Some((w, w + 1));
                }
            }
        } else if !sub.inverted && c + 1 < b {
            q_cue = self.verb_first(sub, r);
        }
        // An advice statement starting at the verb ("moet je maar doen") is no question.
        if r.shape == Shape::VerbFirst
            && hits
                .iter()
                .any(|h| h.family == F_ADVICE && h.anchored && h.s == c && self.has(c, C_VERB))
        {
            r.shape = Shape::None;
            r.q = QuestionType::None;
            q_cue = None;
        }
        if r.shape == Shape::None {
            if let Some(h) = first_hit(hits, F_ELLIPTIC).filter(|_| sub.qmark) {
                r.shape = Shape::Elliptic;
                r.q = QuestionType::Open;
                r.q_conf = 0.8;
                q_cue = Some((h.s, h.e));
            } else if let Some(h) = first_hit(hits, F_TAG) {
                r.shape = Shape::Tag;
                r.q = QuestionType::Closed;
                r.q_conf = 0.8;
                q_cue = Some((h.s, h.e));
                r.tag_only = h.s <= c && prev_question;
            } else if sub.qmark {
                r.shape = Shape::QMark;
                r.q = QuestionType::Closed;
                r.q_conf = 0.7;
                r.tag_only = prev_question && b - c <= 2;
                self.add_evidence_text("question", "?".to_string());
            }
        }
        // "..., or did they?": a tag after a question adds no question of its own.
        if prev_question
            && hits
                .iter()
                .any(|h| h.family == F_TAG && h.s <= c && h.e == b)
        {
            r.tag_only = true;
        }

        ShapeCues {
            why: why_cue,
            question: q_cue,
            wh_pos,
        }
    }

    /// Whether a question word at `w` opens a question, not an embedded clause, a cleft, a
    /// compound subject, a reported thought, an exclamation or a free relative.
    fn wh_is_question(&self, sub: &Sub, w: usize) -> bool {
        let (c, b) = (sub.c, sub.b);
        // "zijn" is a possessive ("ik snap waarom zijn vader ...") and a verb: before a
        // personal pronoun it is the verb ("waar zijn jullie", "hoe zijn ze ...").
        let verb_then_subject = self.has(w + 1, C_VERB) && w + 2 < b && self.has(w + 2, C_PERSONAL);
        let embedded = !sub.qmark
            && !self.has(w, C_WH_NP)
            && w + 1 < b
            && self.has(w + 1, C_EMBED_SUBJECT)
            && !verb_then_subject
            && self.family_at(F_WHY, c, b).is_none();
        // "what strikes me is that you ...": copula + "that" + a clause after the
        // question-word phrase (not "welke afspraak was dat precies").
        let np = usize::from(self.has(w, C_WH_NP));
        let cleft = !sub.qmark
            && (w + 2 + np..b.saturating_sub(2)).any(|k| {
                self.has(k, C_COPULA)
                    && self.has(k + 1, C_COMPLEMENTIZER)
                    && self.has(k + 2, C_SUBJECT | C_DETERMINER | C_EMBED_SUBJECT)
            });
        // "waarom vragen kunnen oordelend overkomen": the question word is part of a
        // compound subject (a lost hyphen), the verb has no subject after it.
        let compound = !sub.qmark
            && !self.has(w, C_WH_NP)
            && w + 2 < b
            && self.ct[w + 1].bits & (C_VERB | C_SUBJECT | C_WH | C_DETERMINER | C_ADVERB) == 0
            && self.has(w + 2, C_VERB)
            && !self.has(w + 2, C_SUBJECT)
            && (w + 3 == b || !self.has(w + 3, C_SUBJECT | C_DETERMINER | C_VERB))
            && self.family_at(F_WHY, c, b).is_none();
        // "je dacht: waar ben ik aan begonnen" is a reported thought, not a question.
        let reported = !sub.qmark
            && sub.after_colon
            && (w + 1..(w + 3).min(b)).any(|k| self.has(k, C_SPEAKER));
        // "wat fijn dat je ...", "hoe jammer": an exclamation.
        let exclamation = !sub.qmark
            && self.has(w, C_EXCLAIM_WH)
            && w + 1 < b
            && !self.has(w + 1, C_VERB | C_WH)
            && !self.ends_with_any(w + 1, &self.c.verb_suffixes)
            && (w + 2 == b || self.has(w + 2, C_COMPLEMENTIZER))
            && self.family_at(F_WHY, c, b).is_none();
        // "wat hier gezegd wordt, blijft in deze groep", "hoe je het aanpakt, is aan
        // jou": a free relative as the subject; its verb comes last and is followed by
        // the main clause's verb (after a comma, or directly when punctuation is lost).
        let free_relative = !sub.qmark
            && !self.has(w, C_WH_NP | C_WHY_WH)
            && w + 1 < b
            && !self.has(w + 1, C_VERB)
            && (w + 2..b.saturating_sub(1)).any(|k| {
                self.has(k, C_VERB)
                    && (self.has(k + 1, C_VERB)
                        || (self.ct[k].comma_after && (self.has(k + 1, C_COMPLEMENTIZER | C_VERB))))
            })
            && self.family_at(F_WHY, c, b).is_none();
        !embedded && !cleft && !reported && !exclamation && !compound && !free_relative
    }

    /// A verb-first (yes/no) question at the content start; returns its cue.
    fn verb_first(&self, sub: &Sub, r: &mut SubResult) -> Option<(usize, usize)> {
        let c = sub.c;
        let mut q_cue = None;
        let next = self.ct[c + 1].bits;
        // "bel je haar nog?": an imperative-like stem before "je" is a question verb.
        let verb = self.has(c, C_VERB) || (self.has(c, C_IMPERATIVE) && next & C_YOU != 0);
        let subj = next & (C_SUBJECT | C_DETERMINER) != 0;
        let first_person_stmt =
            next & C_FIRST_PERSON != 0 && !self.has(c, C_FIRST_PERSON_Q_VERB) && !sub.qmark;
        let imperative = self.has(c, C_IMPERATIVE) && next & C_PERSONAL == 0;
        // A bare stem before a non-addressee is a topic-drop statement: "denk het wel",
        // "ben het met je eens" (a question would read "denkt hij", "is het").
        let stem_stmt = self.has(c, C_STEM) && next & C_YOU == 0 && !sub.qmark;
        // "klopt, dat herken ik": a comma between verb and "subject" breaks the pattern.
        let comma = self.ct[c].comma_after;
        if verb && subj && !first_person_stmt && !imperative && !stem_stmt && !comma {
            r.shape = Shape::VerbFirst;
            r.q = QuestionType::Closed;
            r.q_conf = 0.9;
            q_cue = Some((c, c + 2));
        } else if self.ct[c].bits == 0
            && !comma
            && !self.has(c, C_ADVERB)
            && self.word(c).len() >= 3
            && next & C_SUBJECT != 0
            && next & C_FIRST_PERSON == 0
            && self.ends_with_any(c, &self.c.verb_suffixes)
        {
            // Unknown word with a finite-verb ending + subject pronoun: "gebeurt dit".
            r.shape = Shape::VerbFirst;
            r.q = QuestionType::Closed;
            r.q_conf = 0.65;
            q_cue = Some((c, c + 2));
        }
        q_cue
    }

    /// 2. Why: a why-cue in a question makes it a why-question.
    fn why(&mut self, hits: &[Hit], r: &mut SubResult, mut why_cue: Option<(usize, usize)>) {
        if r.q != QuestionType::None
            && why_cue.is_none()
            && let Some(h) = first_hit(hits, F_WHY)
        {
            why_cue = Some((h.s, h.e));
        }
        if let Some((s, e)) = why_cue
            && r.q != QuestionType::None
        {
            r.why = true;
            if r.q == QuestionType::Closed && r.shape != Shape::VerbFirst {
                r.q = QuestionType::Open;
            }
            self.add_evidence("why", s, e);
        }
    }

    /// 3. Advice: directive and suggestive cues, minus blocked ones.
    fn advice(&mut self, sub: &Sub, hits: &[Hit], r: &mut SubResult, wh_pos: Option<usize>) {
        let (a, c, b) = (sub.a, sub.c, sub.b);
        let structural_question = matches!(
            r.shape,
            Shape::Wh | Shape::VerbFirst | Shape::Frame | Shape::Invitation
        );
        let mut advice_cues: Vec<(usize, usize, f32, bool)> = Vec::new(); // (s, e, conf, blockable)
        for h in hits {
            match h.family {
                F_ADVICE if !structural_question => {
                    advice_cues.push((h.s, h.e, 0.85, true));
                }
                F_ADVICE_Q => advice_cues.push((h.s, h.e, 0.85, false)),
                _ => {}
            }
        }
        // Generic suggestive question: modal + negation + marker ("kun je niet gewoon").
        if r.shape == Shape::VerbFirst && self.has(c, C_SUGGEST_MODAL) {
            let neg = (c..b).any(|k| self.has(k, C_NEGATION));
            let marker = (c + 1..b).find(|&k| self.has(k, C_SUGGEST_MARKER));
            if let (true, Some(m)) = (neg, marker) {
                let e = if m < c + 6 { m + 1 } else { c + 2 };
                advice_cues.push((c, e, 0.75, true));
            }
        }
        // Suggestive why: "waarom app je hem niet gewoon even", "why don't you".
        if r.why
            && let Some(w) = wh_pos.filter(|&w| self.has(w, C_WHY_WH))
        {
            let v = w + 1;
            // The negation must be in the main clause, not in an infinitive ("waarom
            // besloot je om het niet te melden").
            let clause_end = (v + 2..b)
                .find(|&k| self.has(k, C_INFINITIVE_MARKER))
                .unwrap_or(b);
            if v + 1 < b
                && !self.has(v, C_WHY_NO_ADVICE_VERB)
                && !self.ends_with_any(v, &self.c.past_suffixes)
                && self.has(v + 1, C_YOU)
                && (v..clause_end).any(|k| self.has(k, C_NEGATION))
            {
                advice_cues.push((w, v + 2, 0.75, false));
            }
        }
        // Imperative at the start: "bel haar gewoon even", "probeer eens"; also after a
        // name or an interjection of one or two words and a comma, without a verb ("Anna,
        // bel haar gewoon", "voorzichtig, doe het dier geen pijn").
        let after_address = (c..(c + 2).min(b))
            .find(|&k| self.ct[k].comma_after)
            .filter(|&k| (c..=k).all(|j| !self.has(j, C_VERB | C_IMPERATIVE)))
            .map(|k| k + 1);
        let imp = [Some(c), after_address]
            .into_iter()
            .flatten()
            .find(|&k| k < b && self.has(k, C_IMPERATIVE));
        if !structural_question
            && let Some(k) = imp
            && !self.has(k + 1, C_PERSONAL | C_VERB)
            && first_hit(hits, F_INVITATION).is_none()
        {
            advice_cues.push((k, k + 1, 0.65, true));
        }
        // Blockers (empathy, own wish, impersonal): cancel nearby blockable cues.
        let blockers: Vec<Hit> = hits
            .iter()
            .filter(|h| h.family == F_ADVICE_BLOCKER)
            .copied()
            .collect();
        advice_cues.retain(|&(s, e, _, blockable)| {
            !blockable
                || !blockers
                    .iter()
                    .any(|bl| bl.s <= e + 2 && bl.e >= s && bl.s + 1 >= s)
        });
        if r.shape == Shape::Frame || r.shape == Shape::Invitation {
            // "ik zou graag willen weten", "misschien kun je vertellen": asking, not advising.
            advice_cues.retain(|&(_, _, _, blockable)| !blockable);
        }
        if !advice_cues.is_empty() {
            advice_cues.sort_by_key(|a| (a.0, std::cmp::Reverse(a.1)));
            r.advice = true;
            r.a_conf = advice_cues.iter().map(|a| a.2).fold(0.0, f32::max);
            let mut last_end = 0usize;
            for &(s, e, _, _) in &advice_cues {
                // Overlapping cues ("zoudt ge niet" / "zoudt ge niet beter"): show one.
                if s < last_end && s >= a {
                    continue;
                }
                last_end = last_end.max(e);
                self.add_evidence("advice", s, e);
            }
        }
    }

    /// 4. Question evidence and category.
    fn question_category(
        &mut self,
        sub: &Sub,
        hits: &[Hit],
        r: &mut SubResult,
        q_cue: Option<(usize, usize)>,
    ) {
        let (a, b) = (sub.a, sub.b);
        if r.q != QuestionType::None {
            if let Some((s, e)) = q_cue {
                self.add_evidence("question", s, e);
            }
            let cat = [
                (F_CAT_LEARNING, QuestionCategory::Learning),
                (F_CAT_EXPERIENCE, QuestionCategory::Experience),
                (F_CAT_ACTIONS, QuestionCategory::Actions),
                (F_CAT_SITUATION, QuestionCategory::Situation),
            ]
            .into_iter()
            .find_map(|(f, cat)| first_hit(hits, f).map(|h| (cat, h)));
            r.category = Some(match cat {
                Some((cat, h)) => {
                    r.category_cue = Some((h.s, h.e));
                    cat
                }
                None => {
                    if (a..b).any(|k| self.has(k, C_YOU)) {
                        QuestionCategory::Actions
                    } else {
                        QuestionCategory::Situation
                    }
                }
            });
        }
    }

    /// The question word starting the sentence at content token `c`, if any (also after a
    /// preposition: "om welke reden", "met wie").
    pub(super) fn wh_start(&self, c: usize, b: usize) -> Option<usize> {
        if c < b && self.has(c, C_WH) {
            return Some(c);
        }
        if c + 1 < b && self.has(c, C_WH_PREP) && self.has(c + 1, C_WH) {
            return Some(c + 1);
        }
        None
    }
}

/// The cues the shape step found: the why-word, the question cue and the question word.
struct ShapeCues {
    why: Option<(usize, usize)>,
    question: Option<(usize, usize)>,
    wh_pos: Option<usize>,
}

/// The first hit of a pattern family.
fn first_hit(hits: &[Hit], family: u8) -> Option<Hit> {
    hits.iter().find(|h| h.family == family).copied()
}
