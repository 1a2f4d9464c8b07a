//! Shared harness for the egui_kittest GUI tests (`tests/gui.rs`, `tests/review_gui.rs`,
//! `tests/groups_gui.rs`), and running a live pipeline to its end (`tests/encryption.rs`,
//! `tests/second_pass.rs`):
//! the CREA test session, the app options, building a harness and stepping it until a
//! state is reached.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use observant::groups::learn::Learnt;
use observant::i18n::UiLang;
use observant::pipeline::PipelineStarter;
use observant::transcript::{Participant, Role as PRole, Transcript, Utterance};
use observant::ui::AppOptions;
use observant::ui::app::{ObservantApp, Session};
use observant::ui::groups::Recording;

/// The four participants of the test session.
pub fn participants() -> Vec<Participant> {
    [
        ("Anna", PRole::Facilitator),
        ("Bram", PRole::Inbrenger),
        ("Carla", PRole::Deelnemer),
        ("Dirk", PRole::Deelnemer),
    ]
    .into_iter()
    .map(|(n, r)| Participant::new(n, r))
    .collect()
}

/// A short CREA session with a why-question, a burst of questions and advice.
pub fn session() -> Transcript {
    let lines = [
        (
            0.0,
            6.0,
            "Anna",
            "Welkom allemaal. Bram, wil jij je casus vertellen?",
        ),
        (
            7.0,
            40.0,
            "Bram",
            "Ja. Een collega in mijn team komt steeds te laat op het overleg, en ik weet niet goed hoe ik dat moet aankaarten.",
        ),
        (41.0, 44.0, "Carla", "Waarom heb je dat nog niet gezegd?"),
        (
            45.0,
            48.0,
            "Dirk",
            "Wat gebeurde er bij het laatste overleg?",
        ),
        (48.5, 51.0, "Carla", "Hoe reageerde je collega toen?"),
        (51.5, 54.0, "Dirk", "Wat voelde je op dat moment?"),
        (
            55.0,
            70.0,
            "Bram",
            "Ik voelde me vooral machteloos, eerlijk gezegd.",
        ),
        (
            71.0,
            77.0,
            "Dirk",
            "Je moet gewoon een gesprek met haar plannen, dat zou ik doen.",
        ),
        (78.0, 84.0, "Anna", "Laten we nog even bij vragen blijven."),
    ];
    Transcript {
        language: Some("nl".into()),
        participants: participants(),
        utterances: lines
            .iter()
            .map(|(s, e, who, text)| Utterance {
                start: *s,
                end: *e,
                speaker: (*who).into(),
                text: (*text).into(),
                confidence: None,
                uncertain_words: Vec::new(),
                speech: None,
            })
            .collect(),
        method: Some("crea".into()),
        steps: vec![],
    }
}

/// Dutch UI, no file to open, no demo, no device probing, no sessions folder, no group store.
pub fn options(starter: PipelineStarter) -> AppOptions {
    AppOptions {
        ui_lang: UiLang::Nl,
        open: None,
        demo: false,
        starter,
        demo_path: "/nonexistent/demo.json".into(),
        probe_devices: false,
        microphones: None,
        sessions_root: None,
        // No group store: the tests that need one give their own folder.
        groups_dir: "/nonexistent/observant-groups".into(),
        voice_learner: std::sync::Arc::new(
            |_: &Recording, _: &Transcript| -> anyhow::Result<Learnt> {
                anyhow::bail!("no voice model in tests")
            },
        ),
        setup: Default::default(),
        // No desktop dialog in tests: the views fall back to their typed paths; tests that
        // need a dialog give a stand-in.
        file_picker: std::sync::Arc::new(|_: &observant::app::dialog::Request| {
            anyhow::bail!("geen bestandskiezer in tests / no file dialog in tests")
        }),
        second_pass_after_live: false,
    }
}

/// The app with `opts` in a window of `size`.
pub fn harness_with(size: egui::Vec2, opts: AppOptions) -> Harness<'static, ObservantApp> {
    Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| ObservantApp::new(&cc.egui_ctx, opts))
}

/// Steps the UI until `done` holds (the pipeline runs on its own thread), at most 10 s.
pub fn pump(h: &mut Harness<'static, ObservantApp>, done: impl Fn(&ObservantApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(h.state()) {
        assert!(
            Instant::now() < deadline,
            "the UI did not reach the expected state"
        );
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(3);
}

/// [`pump`] until a live session is on screen and `done` holds for it.
pub fn pump_session(h: &mut Harness<'static, ObservantApp>, done: impl Fn(&Session) -> bool) {
    pump(h, |app| app.session().is_some_and(&done));
}

/// Waits (at most `within`) for a live pipeline fed by a file to report `Stopped`, then joins
/// its stages.
pub fn run_to_end(p: observant::pipeline::live::LivePipeline, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        assert!(Instant::now() < deadline, "pipeline did not stop");
        if let Ok(observant::pipeline::Event::Stopped { .. }) =
            p.handle.events.recv_timeout(Duration::from_millis(100))
        {
            break;
        }
    }
    p.join();
}
