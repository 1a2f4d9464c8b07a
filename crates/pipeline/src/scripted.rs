//! A scripted pipeline: replays a [`Transcript`] as live pipeline [`Event`]s on its own thread,
//! at a speed factor (e.g. 20x) or all at once, running the core analysis on the
//! transcript-so-far as utterances arrive. Used by `observant --demo`, by review mode (all at
//! once, so re-assigning a speaker re-runs the analysis) and by the GUI tests. It speaks the
//! same [`Event`]/[`Command`] protocol as the real capture pipeline.

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::publish::Publisher;
use crate::{Command, Event, LiveConfig, PipelineHandle, PipelineStarter, Stage, StageStatus};
use observant_analysis::incremental::SessionAnalyzer;
use observant_analysis::setup::AnalysisSetup;
use observant_model::i18n::UiLang;
use observant_model::transcript::{StepMark, Transcript};

/// Length of the "recent" statistics window (s), as the live pipeline uses.
pub const RECENT_WINDOW_SECONDS: f64 = 300.0;

/// Replays a transcript as a live session. Build it, then [`ScriptedPipeline::start`] it.
#[derive(Clone)]
pub struct ScriptedPipeline {
    transcript: Transcript,
    /// Session seconds per wall-clock second; `None` = everything at once.
    speed: Option<f64>,
    stop_at_end: bool,
    lang: UiLang,
    tick: Duration,
    /// Session time at which the "device" is lost (tests of the failure path).
    lose_device_at: Option<f64>,
    /// Thresholds and cue words (flag messages follow `lang`).
    setup: AnalysisSetup,
}

impl ScriptedPipeline {
    /// Replays `transcript` at real time, stopping at its end, with Dutch messages.
    pub fn new(transcript: Transcript) -> ScriptedPipeline {
        ScriptedPipeline {
            transcript,
            speed: Some(1.0),
            stop_at_end: true,
            lang: UiLang::Nl,
            tick: Duration::from_millis(50),
            lose_device_at: None,
            setup: AnalysisSetup::default(),
        }
    }

    /// Loses the input device at session time `t` (paced replay): everything up to `t` is
    /// released, then [`Event::DeviceLost`]; the replay waits for [`Command::Reconnect`]
    /// (then [`Event::Reconnected`] and it continues) or [`Command::Stop`].
    pub fn lose_device_at(mut self, t: f64) -> ScriptedPipeline {
        self.lose_device_at = Some(t);
        self
    }

    /// Replay speed: session seconds per wall-clock second (20.0 = twenty times real time).
    pub fn speed(mut self, factor: f64) -> ScriptedPipeline {
        self.speed = if factor.is_finite() && factor > 0.0 {
            Some(factor)
        } else {
            None
        };
        self
    }

    /// Emit the whole session at once (review mode, tests).
    pub fn instant(mut self) -> ScriptedPipeline {
        self.speed = None;
        self
    }

    /// Whether to send `Stopped` after the last utterance (default true). Without it the
    /// pipeline keeps answering commands (re-assignments) until `Stop` or until dropped.
    pub fn stop_at_end(mut self, stop: bool) -> ScriptedPipeline {
        self.stop_at_end = stop;
        self
    }

    /// Language of flag messages.
    pub fn ui_lang(mut self, lang: UiLang) -> ScriptedPipeline {
        self.lang = lang;
        self
    }

    /// Analyses with `setup` (thresholds, cue words), as a live session would.
    pub fn setup(mut self, setup: AnalysisSetup) -> ScriptedPipeline {
        self.setup = setup;
        self
    }

    /// Starts the replay thread.
    pub fn start(self) -> PipelineHandle {
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded();
        let spawned = thread::Builder::new()
            .name("observant-scripted".into())
            .spawn(move || Replay::new(self, ev_tx, cmd_rx).run());
        if let Err(e) = spawned {
            // No thread: report it through a channel the UI already reads.
            let (tx, rx) = crossbeam_channel::unbounded();
            let _ = tx.send(Event::Error {
                t: 0.0,
                message: format!("kon de demo niet starten / could not start the demo: {e}"),
                fatal: true,
            });
            return PipelineHandle {
                events: rx,
                commands: cmd_tx,
            };
        }
        PipelineHandle {
            events: ev_rx,
            commands: cmd_tx,
        }
    }

    /// A [`PipelineStarter`] that starts a copy of this replay for each session; the live
    /// config's participants and method, when given, replace the transcript's.
    pub fn into_starter(self) -> PipelineStarter {
        Box::new(move |config: LiveConfig| {
            let mut p = self.clone();
            p.setup = config.setup.clone();
            if !config.participants.is_empty() {
                p.transcript.participants = config.participants.clone();
            }
            if config.method.is_some() {
                p.transcript.method = config.method.clone();
            }
            Ok(p.start())
        })
    }
}

/// Session clock of the replay: scaled wall time, pausable.
struct Clock {
    speed: Option<f64>,
    base: f64,
    since: Instant,
    paused: bool,
}

impl Clock {
    fn now(&self) -> f64 {
        match self.speed {
            None => f64::INFINITY,
            Some(_) if self.paused => self.base,
            Some(s) => self.base + self.since.elapsed().as_secs_f64() * s,
        }
    }
    /// Stops the clock at session time `t` (not later than now).
    fn hold_at(&mut self, t: f64) {
        self.base = self.now().min(t);
        self.since = Instant::now();
        self.paused = true;
    }
    fn set_paused(&mut self, paused: bool) {
        if paused != self.paused {
            self.base = self.now();
            self.since = Instant::now();
            self.paused = paused;
        }
    }
}

struct Replay {
    script: Transcript,
    analyzer: SessionAnalyzer,
    stop_at_end: bool,
    tick: Duration,
    clock: Clock,
    events: Sender<Event>,
    commands: Receiver<Command>,
    /// The transcript so far (utterances released, step marks passed or given).
    so_far: Transcript,
    next: usize,
    publisher: Publisher,
    last_status: Option<Instant>,
    lose_device_at: Option<f64>,
    /// The device is lost (waiting for a reconnect).
    lost: bool,
}

impl Replay {
    fn new(p: ScriptedPipeline, events: Sender<Event>, commands: Receiver<Command>) -> Replay {
        let mut script = p.transcript;
        // Session order (by start), as the analysis indexes utterances; each is released once
        // its end has passed.
        script
            .utterances
            .sort_by(|a, b| a.start.total_cmp(&b.start));
        let so_far = Transcript {
            language: script.language.clone(),
            participants: script.participants.clone(),
            utterances: Vec::new(),
            method: script.method.clone(),
            steps: Vec::new(),
        };
        Replay {
            script,
            analyzer: SessionAnalyzer::new(p.setup.with_ui(p.lang)),
            stop_at_end: p.stop_at_end,
            tick: p.tick,
            clock: Clock {
                speed: p.speed,
                base: 0.0,
                since: Instant::now(),
                paused: false,
            },
            events,
            commands,
            so_far,
            next: 0,
            publisher: Publisher::new(),
            last_status: None,
            lose_device_at: p.lose_device_at,
            lost: false,
        }
    }

    /// Session time for event stamps: the clock, or the last released utterance's end when
    /// replaying all at once.
    fn stamp(&self) -> f64 {
        let now = self.clock.now();
        if now.is_finite() {
            now
        } else {
            self.so_far.utterances.last().map_or(0.0, |u| u.end)
        }
    }

    fn send(&self, e: Event) -> bool {
        self.events.send(e).is_ok()
    }

    fn run(mut self) {
        if !self.send(Event::Started {
            t: 0.0,
            device: "demo".into(),
            sample_rate: 16_000,
        }) {
            return;
        }
        let mut stopped = false;
        loop {
            let mut now = self.clock.now();
            let losing = self.lose_device_at.filter(|at| now >= *at);
            if let Some(at) = losing {
                now = at;
            }
            let mut changed = false;
            while let Some(u) = self.script.utterances.get(self.next) {
                if u.end > now {
                    break;
                }
                self.so_far.utterances.push(u.clone());
                self.next += 1;
                changed = true;
            }
            for m in &self.script.steps {
                if m.start <= now && !self.so_far.steps.iter().any(|s| s.step == m.step) {
                    self.so_far.steps.push(m.clone());
                    changed = true;
                }
            }
            if changed && !self.publish() {
                return;
            }
            if let Some(at) = losing {
                self.lose_device_at = None;
                self.lost = true;
                self.clock.hold_at(at);
                if !self.send(Event::DeviceLost {
                    t: at,
                    message: "Het invoerapparaat is weggevallen (demo) / The input device was lost (demo)".into(),
                    saved_seconds: at,
                    can_reconnect: true,
                }) {
                    return;
                }
            }
            if !stopped && !self.lost && !self.heartbeat(now) {
                return;
            }
            if !stopped && self.stop_at_end && self.next >= self.script.utterances.len() {
                let t = self.stamp();
                let _ = self.send(Event::Stopped {
                    t,
                    captured_samples: (t * 16_000.0) as u64,
                    written_samples: (t * 16_000.0) as u64,
                });
                stopped = true;
                self.clock.set_paused(true);
            }
            match self.commands.recv_timeout(self.tick) {
                Ok(cmd) => {
                    if !self.handle(cmd, &mut stopped) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Handles one command; false when the replay should end.
    fn handle(&mut self, cmd: Command, stopped: &mut bool) -> bool {
        match cmd {
            Command::Stop => {
                if !*stopped {
                    let t = self.stamp();
                    let _ = self.send(Event::Stopped {
                        t,
                        captured_samples: (t * 16_000.0) as u64,
                        written_samples: (t * 16_000.0) as u64,
                    });
                    *stopped = true;
                }
                false
            }
            Command::SetPaused(p) => {
                if !self.lost {
                    self.clock.set_paused(p);
                }
                true
            }
            Command::AdvanceStep { step } => {
                let start = self.stamp();
                self.so_far.steps.retain(|s| s.step != step);
                self.so_far.steps.push(StepMark { step, start });
                // Scripted marks for this step are superseded by the facilitator's.
                self.script.steps.retain(|s| s.step != step);
                self.publish()
            }
            Command::ReassignSpeaker { index, speaker } => {
                if let Some(u) = self.so_far.utterances.get_mut(index) {
                    u.speaker = speaker;
                    return self.publish();
                }
                true
            }
            Command::RenameSpeaker { from, to } => {
                let to = to.trim().to_string();
                if to.is_empty() || to == from {
                    return true;
                }
                let mut changed = false;
                for u in self
                    .so_far
                    .utterances
                    .iter_mut()
                    .chain(self.script.utterances.iter_mut())
                {
                    if u.speaker == from {
                        u.speaker = to.clone();
                        changed = true;
                    }
                }
                for p in &mut self.so_far.participants {
                    if p.name == from {
                        p.name = to.clone();
                    }
                }
                if changed {
                    return self.publish();
                }
                true
            }
            Command::Reconnect { device } => {
                if self.lost {
                    self.lost = false;
                    self.clock.set_paused(false);
                    return self.send(Event::Reconnected {
                        t: self.stamp(),
                        device: device.unwrap_or_else(|| "default".into()),
                    });
                }
                true
            }
            Command::EnrollNext { .. } | Command::Note { .. } => true,
        }
    }

    /// Re-runs the analysis on the transcript so far and sends what is new or changed
    /// (through the [`Publisher`] the live pipeline uses too).
    fn publish(&mut self) -> bool {
        let t = self.stamp();
        let analysis = self.analyzer.analyze(&self.so_far);
        let recent = self.recent_stats(t);
        let mut publisher = std::mem::take(&mut self.publisher);
        let alive = publisher.publish(t, analysis, recent, &mut |e| self.send(e));
        self.publisher = publisher;
        alive
    }

    /// Statistics over the last [`RECENT_WINDOW_SECONDS`], by the same core analysis.
    fn recent_stats(&mut self, now: f64) -> Vec<observant_analysis::SpeakerStats> {
        let from = now - RECENT_WINDOW_SECONDS;
        let window = Transcript {
            utterances: self
                .so_far
                .utterances
                .iter()
                .filter(|u| u.end > from)
                .cloned()
                .collect(),
            steps: Vec::new(),
            ..self.so_far.clone()
        };
        self.analyzer.analyze(&window).speakers
    }

    /// Level and status events; false when the consumer is gone.
    fn heartbeat(&mut self, now: f64) -> bool {
        if !now.is_finite() {
            return true;
        }
        let speaking = self
            .script
            .utterances
            .iter()
            .skip(self.next.saturating_sub(1))
            .take(3)
            .any(|u| u.start <= now && now < u.end);
        let wobble = ((now * 7.3).sin() * 0.5 + 0.5) as f32;
        let rms = if speaking { 0.12 + 0.10 * wobble } else { 0.01 };
        if !self.send(Event::Level {
            t: now,
            rms,
            peak: (rms * 1.8).min(1.0),
        }) {
            return false;
        }
        let due = self
            .last_status
            .is_none_or(|s| s.elapsed() >= Duration::from_millis(500));
        if due {
            self.last_status = Some(Instant::now());
            return self.send(Event::Status {
                t: now,
                stages: vec![StageStatus {
                    stage: Stage::Replay,
                    queue_len: 0,
                    queue_capacity: 64,
                    lag_seconds: 0.2,
                }],
                captured_seconds: now,
            });
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observant_model::transcript::{Participant, Role, Utterance};

    fn transcript() -> Transcript {
        let u = |start: f64, end: f64, speaker: &str, text: &str| Utterance {
            start,
            end,
            speaker: speaker.into(),
            text: text.into(),
            confidence: None,
            uncertain_words: Vec::new(),
            speech: None,
        };
        Transcript {
            language: Some("nl".into()),
            participants: vec![
                Participant {
                    name: "Bram".into(),
                    role: Role::Inbrenger,
                },
                Participant {
                    name: "Carla".into(),
                    role: Role::Deelnemer,
                },
            ],
            utterances: vec![
                u(0.0, 2.0, "Bram", "Het gaat over mijn team."),
                u(2.5, 4.0, "Carla", "Waarom heb je dat gedaan?"),
            ],
            method: None,
            steps: vec![],
        }
    }

    fn collect_until(rx: &Receiver<Event>, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
        let mut out = Vec::new();
        while let Ok(e) = rx.recv_timeout(Duration::from_secs(5)) {
            let stop = done(&e);
            out.push(e);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn instant_replay_emits_everything_then_stops() {
        let h = ScriptedPipeline::new(transcript()).instant().start();
        let events = collect_until(&h.events, |e| matches!(e, Event::Stopped { .. }));
        let utterances: Vec<usize> = events
            .iter()
            .filter_map(|e| match e {
                Event::Utterance { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        assert_eq!(utterances, vec![0, 1]);
        assert!(matches!(events.first(), Some(Event::Started { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::Stats { .. })));
        assert!(matches!(events.last(), Some(Event::Stopped { .. })));
    }

    #[test]
    fn paced_replay_releases_utterances_in_order_of_time() {
        let h = ScriptedPipeline::new(transcript()).speed(40.0).start();
        let t0 = Instant::now();
        let events = collect_until(&h.events, |e| matches!(e, Event::Stopped { .. }));
        let times: Vec<f64> = events
            .iter()
            .filter_map(|e| match e {
                Event::Utterance { t, .. } => Some(*t),
                _ => None,
            })
            .collect();
        assert_eq!(times.len(), 2);
        assert!(times[0] >= 2.0 && times[1] >= 4.0 && times[1] > times[0]);
        // 4 s of session at 40x: about 0.1 s of wall time.
        assert!(t0.elapsed() < Duration::from_secs(3));
        assert!(events.iter().any(|e| matches!(e, Event::Level { .. })));
    }

    #[test]
    fn reassigning_a_speaker_resends_the_line() {
        let h = ScriptedPipeline::new(transcript())
            .instant()
            .stop_at_end(false)
            .start();
        collect_until(&h.events, |e| matches!(e, Event::Stats { .. }));
        h.commands
            .send(Command::ReassignSpeaker {
                index: 1,
                speaker: "Bram".into(),
            })
            .ok();
        let events = collect_until(&h.events, |e| matches!(e, Event::Stats { .. }));
        let updated = events.iter().find_map(|e| match e {
            Event::Utterance {
                index: 1,
                utterance,
                ..
            } => Some(utterance.speaker.clone()),
            _ => None,
        });
        assert_eq!(updated.as_deref(), Some("Bram"));
        h.commands.send(Command::Stop).ok();
        let end = collect_until(&h.events, |e| matches!(e, Event::Stopped { .. }));
        assert!(matches!(end.last(), Some(Event::Stopped { .. })));
    }
}
