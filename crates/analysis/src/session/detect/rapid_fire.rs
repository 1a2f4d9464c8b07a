//! Rapid fire (spervuur): bursts of questions at a target who hardly gets room to answer.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Rapid fire

    pub(crate) fn rapid_fire(&self, out: &mut Vec<Flag>) {
        let rf = &self.cfg.rapid_fire;
        if !rf.enabled {
            return;
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
            self.bursts_in_chain(&chain, target, out);
            k = m.max(k + 1);
        }
    }

    /// Finds the bursts (runs covered by windows with enough questions) in one chain.
    pub(crate) fn bursts_in_chain(&self, chain: &[usize], target: usize, out: &mut Vec<Flag>) {
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
            let askers_names: Vec<String> =
                askers.iter().map(|&sp| self.name(sp).to_string()).collect();
            out.push(Flag {
                kind: FlagKind::RapidFire,
                start: self.s[first],
                end: self.e[last],
                speaker: (askers.len() == 1).then(|| self.name(askers[0]).to_string()),
                target: Some(tname),
                message: String::new(),
                evidence: String::new(),
                detail: FlagDetail::RapidFire {
                    questions: n_q,
                    span_seconds: span,
                    askers: askers_names,
                    target_talk_seconds: target_talk,
                },
                // The burst's questions, not the target's "eh..." between them.
                utterances: chain[a..=b].iter().map(|&p| self.order[p]).collect(),
                uncertain: false,
            });
        }
    }
}
