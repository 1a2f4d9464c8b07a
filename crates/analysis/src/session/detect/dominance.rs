//! Dominance: a non-inbrenger holding a large share of the speech in a rolling window.

use super::super::ctx::Ctx;
use crate::types::{Flag, FlagDetail, FlagKind};

impl Ctx<'_> {
    // -----------------------------------------------------------------------------------
    // Dominance

    pub(crate) fn dominance(&self, out: &mut Vec<Flag>) {
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
                message: String::new(),
                evidence: String::new(),
                detail: FlagDetail::Dominance {
                    share: m,
                    talk_seconds: talk,
                    threshold: thr,
                    speakers: spoke.len(),
                },
                utterances,
                uncertain: false,
            });
        }
    }
}
