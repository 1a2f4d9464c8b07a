//! The one place where a session's analysis becomes events. The live pipeline's store stage
//! and the scripted replay both hand every fresh [`Analysis`] to a [`Publisher`], so the demo
//! and the GUI tests exercise exactly what a real session sends: the utterances that are new
//! or changed, the flags that are new or changed (an updated flag, e.g. a rapid-fire burst
//! that grew by a question, is sent again under the same identity and replaces the old one),
//! then the session and recent statistics.

use crate::Event;
use observant_analysis::{Analysis, AnalyzedUtterance, Flag, SpeakerStats};

/// Whether two flags are the same finding (an update of one another): same kind and start,
/// and the same speaker and target or the same first line (a line that moved to another
/// voice, by the observer or when live clustered the voices again, keeps its finding).
pub fn same_flag(a: &Flag, b: &Flag) -> bool {
    a.kind == b.kind
        && (a.start - b.start).abs() < 1e-3
        && ((a.speaker == b.speaker && a.target == b.target)
            || (!a.utterances.is_empty() && a.utterances.first() == b.utterances.first()))
}

/// Remembers what was sent, to send only changes.
#[derive(Debug, Default)]
pub struct Publisher {
    utterances: Vec<AnalyzedUtterance>,
    flags: Vec<Flag>,
}

impl Publisher {
    pub fn new() -> Publisher {
        Publisher::default()
    }

    /// Sends the changes of `a` (see [`Publisher::changes`]), then the statistics. `send`
    /// returns false when the consumer is gone; then this stops and returns false.
    pub fn publish(
        &mut self,
        t: f64,
        a: Analysis,
        recent: Vec<SpeakerStats>,
        send: &mut impl FnMut(Event) -> bool,
    ) -> bool {
        self.changes(t, &a, send)
            && send(Event::Stats {
                t,
                session: a.speakers,
                recent,
            })
    }

    /// Sends the utterances of `a` that are new or changed since the last call, then its
    /// flags that are new or changed. False when the consumer is gone.
    pub fn changes(&mut self, t: f64, a: &Analysis, send: &mut impl FnMut(Event) -> bool) -> bool {
        for (index, u) in a.utterances.iter().enumerate() {
            if self.utterances.get(index) == Some(u) {
                continue;
            }
            if !send(Event::Utterance {
                t,
                index,
                utterance: u.clone(),
            }) {
                return false;
            }
            if index < self.utterances.len() {
                self.utterances[index] = u.clone();
            } else {
                self.utterances.push(u.clone());
            }
        }
        for f in &a.flags {
            let send_it = match self.flags.iter().position(|e| same_flag(e, f)) {
                Some(i) if self.flags[i] == *f => false,
                Some(i) => {
                    self.flags[i] = f.clone();
                    true
                }
                None => {
                    self.flags.push(f.clone());
                    true
                }
            };
            if send_it && !send(Event::Flag { t, flag: f.clone() }) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_analysis::FlagKind;

    fn flag(kind: FlagKind, start: f64, end: f64) -> Flag {
        Flag {
            kind,
            start,
            end,
            speaker: Some("Anna".into()),
            target: Some("Bo".into()),
            message: String::new(),
            evidence: String::new(),
            utterances: vec![0],
            uncertain: false,
            detail: Default::default(),
        }
    }

    fn kinds(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::Utterance { index, .. } => format!("u{index}"),
                Event::Flag { flag, .. } => format!("f{}-{}", flag.kind.as_str(), flag.end),
                Event::Stats { .. } => "stats".into(),
                _ => "other".into(),
            })
            .collect()
    }

    #[test]
    fn sends_new_and_changed_flags_once_and_an_update_again() {
        let mut p = Publisher::new();
        let mut out = Vec::new();
        let mut a = Analysis {
            flags: vec![flag(FlagKind::RapidFire, 1.0, 5.0)],
            ..Analysis::default()
        };
        assert!(p.publish(0.0, a.clone(), Vec::new(), &mut |e| {
            out.push(e);
            true
        }));
        assert_eq!(kinds(&out), ["frapid_fire-5", "stats"]);
        out.clear();
        // Nothing changed: only statistics.
        p.publish(1.0, a.clone(), Vec::new(), &mut |e| {
            out.push(e);
            true
        });
        assert_eq!(kinds(&out), ["stats"]);
        out.clear();
        // The burst grew: the same flag is sent again, updated.
        a.flags[0].end = 9.0;
        p.publish(2.0, a, Vec::new(), &mut |e| {
            out.push(e);
            true
        });
        assert_eq!(kinds(&out), ["frapid_fire-9", "stats"]);
        out.clear();
        // Its line moved to another voice: still the same finding, sent as an update.
        let mut moved = Analysis {
            flags: vec![flag(FlagKind::RapidFire, 1.0, 9.0)],
            ..Analysis::default()
        };
        moved.flags[0].speaker = Some("S2".into());
        p.publish(3.0, moved, Vec::new(), &mut |e| {
            out.push(e);
            true
        });
        assert_eq!(kinds(&out), ["frapid_fire-9", "stats"]);
        assert_eq!(p.flags.len(), 1);
        assert_eq!(p.flags[0].speaker.as_deref(), Some("S2"));
    }

    #[test]
    fn stops_when_the_consumer_is_gone() {
        let mut p = Publisher::new();
        let a = Analysis {
            flags: vec![
                flag(FlagKind::WhyQuestion, 1.0, 2.0),
                flag(FlagKind::Advice, 3.0, 4.0),
            ],
            ..Analysis::default()
        };
        let mut n = 0;
        assert!(!p.publish(0.0, a, Vec::new(), &mut |_| {
            n += 1;
            false
        }));
        assert_eq!(n, 1);
    }
}
