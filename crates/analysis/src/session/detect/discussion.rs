//! Discussion (welles-nietes): quick alternating turns of two participants with contradiction.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Discussion (welles-nietes)

    pub(crate) fn discussion(&self, out: &mut Vec<Flag>) {
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
                let no_discussion_step = self
                    .step(first_utt)
                    .filter(|s| s.rules.no_discussion)
                    .map(|s| s.number);
                let cues: Vec<String> = (t..=x)
                    .flat_map(|y| (turns[y].first..=turns[y].last).map(|p| self.order[p]))
                    .filter(|&i| self.c(i).contradiction)
                    .filter_map(|i| self.cue(i, &["contradiction"]))
                    .take(3)
                    .collect();
                out.push(Flag {
                    kind: FlagKind::Discussion,
                    start: turns[t].start,
                    end: turns[x].end,
                    speaker: Some(self.name(a).to_string()),
                    target: Some(self.name(b).to_string()),
                    message: String::new(),
                    evidence: String::new(),
                    detail: FlagDetail::Discussion {
                        turns: len,
                        contradictions: n_contra,
                        cues,
                        no_discussion_step,
                    },
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
}
