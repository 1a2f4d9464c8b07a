//! Timeline geometry for review mode, as pure functions: session time <-> x, one lane per
//! speaker, merged speech spans per lane (so a 3-hour session draws a few hundred rectangles,
//! not thousands), step bands, flag markers, and hit-testing (which line is at a time).

use crate::analysis::{AnalyzedUtterance, Flag};
use crate::transcript::StepMark;

/// Maps session time `[0, duration]` onto `[left, left + width]` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub duration: f64,
    pub left: f32,
    pub width: f32,
}

impl Scale {
    /// A scale for a session of `duration` seconds (at least one second) over `width` px.
    pub fn new(duration: f64, left: f32, width: f32) -> Scale {
        Scale {
            duration: if duration.is_finite() && duration > 1.0 {
                duration
            } else {
                1.0
            },
            left,
            width: width.max(1.0),
        }
    }

    /// x of session time `t` (clamped to the session).
    pub fn x_of(&self, t: f64) -> f32 {
        let f = (t / self.duration).clamp(0.0, 1.0);
        self.left + (f * f64::from(self.width)) as f32
    }

    /// Session time at `x` (clamped to the session).
    pub fn t_of(&self, x: f32) -> f64 {
        let f = f64::from((x - self.left) / self.width).clamp(0.0, 1.0);
        f * self.duration
    }

    /// Seconds one pixel covers.
    pub fn seconds_per_px(&self) -> f64 {
        self.duration / f64::from(self.width)
    }
}

/// One lane's continuous speech.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub lane: usize,
    pub start: f64,
    pub end: f64,
}

/// Speech spans per lane, merging a speaker's utterances whose gap is below `min_gap`
/// seconds (about a pixel). `lane_of` maps a speaker to its lane (`None`: not drawn).
pub fn spans(
    utterances: &[AnalyzedUtterance],
    lane_of: impl Fn(&str) -> Option<usize>,
    min_gap: f64,
) -> Vec<Span> {
    let mut per_lane: Vec<Vec<(f64, f64)>> = Vec::new();
    for u in utterances {
        let Some(l) = lane_of(&u.speaker) else {
            continue;
        };
        if !(u.start.is_finite() && u.end.is_finite()) {
            continue;
        }
        if per_lane.len() <= l {
            per_lane.resize(l + 1, Vec::new());
        }
        per_lane[l].push((u.start, u.end.max(u.start)));
    }
    let mut out = Vec::new();
    for (lane, mut v) in per_lane.into_iter().enumerate() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cur: Option<(f64, f64)> = None;
        for (s, e) in v {
            cur = match cur {
                Some((cs, ce)) if s - ce <= min_gap => Some((cs, ce.max(e))),
                Some((cs, ce)) => {
                    out.push(Span {
                        lane,
                        start: cs,
                        end: ce,
                    });
                    Some((s, e))
                }
                None => Some((s, e)),
            };
        }
        if let Some((s, e)) = cur {
            out.push(Span {
                lane,
                start: s,
                end: e,
            });
        }
    }
    out
}

/// Method steps as bands `(step, start, end)`, in time order, the last one running to
/// `duration`.
pub fn step_bands(steps: &[StepMark], duration: f64) -> Vec<(u32, f64, f64)> {
    let mut marks: Vec<&StepMark> = steps.iter().filter(|s| s.start.is_finite()).collect();
    marks.sort_by(|a, b| a.start.total_cmp(&b.start));
    marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let end = marks.get(i + 1).map_or(duration, |n| n.start);
            (m.step, m.start, end.max(m.start))
        })
        .collect()
}

/// The line to show for time `t`: the utterance being spoken at `t`, else the last one that
/// started before `t`, else the first. `utterances` must be in time order.
pub fn line_at(utterances: &[AnalyzedUtterance], t: f64) -> Option<usize> {
    if utterances.is_empty() {
        return None;
    }
    let after = utterances.partition_point(|u| u.start <= t);
    Some(after.saturating_sub(1))
}

/// The flag whose marker is nearest to `x` within `tolerance_px`, by index into `flags`.
pub fn flag_near(flags: &[&Flag], scale: &Scale, x: f32, tolerance_px: f32) -> Option<usize> {
    flags
        .iter()
        .enumerate()
        .map(|(i, f)| (i, (scale.x_of(f.start) - x).abs()))
        .filter(|(_, d)| *d <= tolerance_px)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Tick interval (seconds) giving at least `min_px` between labelled ticks.
pub fn tick_step(scale: &Scale, min_px: f32) -> f64 {
    const STEPS: [f64; 10] = [
        10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    ];
    let need = scale.seconds_per_px() * f64::from(min_px);
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= need)
        .unwrap_or(14400.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::FlagKind;

    fn u(start: f64, end: f64, who: &str) -> AnalyzedUtterance {
        AnalyzedUtterance {
            start,
            end,
            speaker: who.into(),
            text: String::new(),
            question: Default::default(),
            why: false,
            advice: false,
            extra: Default::default(),
        }
    }

    #[test]
    fn time_and_x_round_trip_and_clamp() {
        let s = Scale::new(600.0, 100.0, 300.0);
        assert_eq!(s.x_of(0.0), 100.0);
        assert_eq!(s.x_of(300.0), 250.0);
        assert_eq!(s.x_of(9999.0), 400.0);
        assert!((s.t_of(250.0) - 300.0).abs() < 1e-6);
        assert_eq!(s.t_of(0.0), 0.0);
        assert_eq!(s.t_of(1000.0), 600.0);
        assert_eq!(Scale::new(f64::NAN, 0.0, 10.0).duration, 1.0);
    }

    #[test]
    fn spans_merge_small_gaps_per_lane() {
        let us = [
            u(0.0, 2.0, "A"),
            u(2.5, 4.0, "B"),
            u(2.1, 3.0, "A"),
            u(10.0, 11.0, "A"),
            u(5.0, 6.0, "X"),
        ];
        let lane = |s: &str| match s {
            "A" => Some(0),
            "B" => Some(1),
            _ => None,
        };
        let v = spans(&us, lane, 0.5);
        assert_eq!(
            v,
            vec![
                Span {
                    lane: 0,
                    start: 0.0,
                    end: 3.0
                },
                Span {
                    lane: 0,
                    start: 10.0,
                    end: 11.0
                },
                Span {
                    lane: 1,
                    start: 2.5,
                    end: 4.0
                },
            ]
        );
    }

    #[test]
    fn line_at_finds_the_spoken_or_previous_line() {
        let us = [u(1.0, 3.0, "A"), u(5.0, 9.0, "B"), u(10.0, 12.0, "A")];
        assert_eq!(line_at(&us, 0.0), Some(0));
        assert_eq!(line_at(&us, 2.0), Some(0));
        assert_eq!(line_at(&us, 4.0), Some(0));
        assert_eq!(line_at(&us, 5.0), Some(1));
        assert_eq!(line_at(&us, 99.0), Some(2));
        assert_eq!(line_at(&[], 1.0), None);
    }

    #[test]
    fn steps_become_bands_and_flags_are_hit() {
        let b = step_bands(
            &[
                StepMark {
                    step: 2,
                    start: 30.0,
                },
                StepMark {
                    step: 1,
                    start: 0.0,
                },
            ],
            100.0,
        );
        assert_eq!(b, vec![(1, 0.0, 30.0), (2, 30.0, 100.0)]);
        let f = |start: f64| Flag {
            kind: FlagKind::Advice,
            start,
            end: start + 1.0,
            speaker: None,
            target: None,
            message: String::new(),
            evidence: String::new(),
            utterances: vec![],
            uncertain: false,
            detail: Default::default(),
        };
        let flags = [f(10.0), f(50.0)];
        let refs: Vec<&Flag> = flags.iter().collect();
        let s = Scale::new(100.0, 0.0, 100.0);
        assert_eq!(flag_near(&refs, &s, 49.0, 4.0), Some(1));
        assert_eq!(flag_near(&refs, &s, 30.0, 4.0), None);
        assert_eq!(tick_step(&s, 60.0), 60.0);
    }
}
