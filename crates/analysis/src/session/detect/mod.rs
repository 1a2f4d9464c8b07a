//! The pitfall detectors, one file per pitfall. Each is a [`Detector`]: it reads the shared
//! [`Ctx`] (computed once per analysis) and appends its flags. [`DETECTORS`] is the order in
//! which they run; the order only matters where a detector reads earlier flags (stacked
//! questions skip the turns of a rapid-fire burst), since the flags are sorted afterwards.

use super::ctx::Ctx;
use crate::types::Flag;

mod discussion;
mod dominance;
mod monologue;
mod phases;
mod rapid_fire;
mod silent;
mod stacked;
mod utterance;

/// One pitfall rule over a whole session.
pub(crate) trait Detector: Sync {
    /// Appends this rule's flags to `out` (which holds the flags of the detectors before it).
    fn detect(&self, ctx: &Ctx, out: &mut Vec<Flag>);
}

/// Runs a context method as a detector.
struct Rule(fn(&Ctx, &mut Vec<Flag>));

impl Detector for Rule {
    fn detect(&self, ctx: &Ctx, out: &mut Vec<Flag>) {
        (self.0)(ctx, out)
    }
}

/// Every detector, in running order.
pub(crate) const DETECTORS: &[&dyn Detector] = &[
    &Rule(|c, out| c.utterance_flags(out)),
    &Rule(|c, out| c.rapid_fire(out)),
    // After rapid fire: reads its bursts.
    &Rule(|c, out| c.stacked_questions(out)),
    &Rule(|c, out| c.dominance(out)),
    &Rule(|c, out| c.discussion(out)),
    &Rule(|c, out| c.silent_participants(out)),
    &Rule(|c, out| c.long_monologues(out)),
    &Rule(|c, out| c.phase_flags(out)),
];
