//! The egui desktop app: start screen, observer view, facilitator view, review. Thin: it draws
//! state and sends commands; all computing happens in the core and the pipeline.
//!
//! - [`run_app`] opens the native window; [`AppOptions`] says what to show first.
//! - [`app::ObservantApp`] is the eframe app (also driven by the GUI tests through kittest).
//! - [`model::SessionModel`] holds what the pipeline reported; the views only read it.
//! - [`ScriptedPipeline`] (the pipeline layer's scripted replay) replays a transcript as live events (demo, review, tests).
//! - [`models`]: the speech model picker of the start screen.
//! - [`second_pass`]: the second pass over a live session's recording, in review.
//! - [`room`]: the room check's verdict, advice and figures.
//! - [`groups`]: the group store in the GUI (group choice on the start screen, saving voices
//!   with consent in review).

pub mod app;
pub mod devices;
pub mod facilitator;
pub mod files;
pub mod groups;
pub mod model;
pub mod models;
pub mod observer;
pub mod review;
pub mod room;
pub mod second_pass;
pub mod start;
pub mod theme;
pub mod widgets;

use std::path::PathBuf;

use crate::i18n::UiLang;
use crate::pipeline::PipelineStarter;

pub use crate::pipeline::scripted::ScriptedPipeline;
pub use app::ObservantApp;

/// What the app shows first and how it starts live sessions.
pub struct AppOptions {
    /// User-interface language (Dutch by default).
    pub ui_lang: UiLang,
    /// A transcript or saved session to open in review.
    pub open: Option<PathBuf>,
    /// Open on the bundled demo session, replayed live.
    pub demo: bool,
    /// Starts the live capture pipeline for a new session.
    pub starter: PipelineStarter,
    /// The demo session file (default: `assets/demo/demo-session.json` in the data dir).
    pub demo_path: PathBuf,
    /// Look for microphones on the start screen (off in tests).
    pub probe_devices: bool,
    /// Stand-in microphones (tests): this list, opened through this function instead of the
    /// sound system. Wins over `probe_devices`.
    pub microphones: Option<(devices::DeviceList, devices::DeviceOpener)>,
    /// Where live sessions are saved and listed for review (`None`: no listing, and the
    /// live pipeline picks its own folder).
    pub sessions_root: Option<PathBuf>,
    /// Where the (encrypted) group store lives (default:
    /// [`crate::groups::store::default_groups_dir`]).
    pub groups_dir: PathBuf,
    /// Learns voice prints from a reviewed session's recording (tests inject their own).
    pub voice_learner: groups::VoiceLearner,
    /// Thresholds and cue words for live sessions, review and progress (the binary: the
    /// settings' `[analysis] config`; see [`crate::setup`]).
    pub setup: crate::analysis::setup::AnalysisSetup,
    /// Open and save dialogs (the binary: the desktop's own, [`crate::app::dialog::native`]).
    pub file_picker: crate::app::dialog::FilePicker,
    /// When a live session ends, transcribe its recording again for the review (the second
    /// pass; off in tests that do not look at it).
    pub second_pass_after_live: bool,
}

impl AppOptions {
    /// Options for the binary: the given language, file and demo flag, the real live pipeline.
    pub fn new(ui_lang: UiLang, open: Option<PathBuf>, demo: bool) -> AppOptions {
        AppOptions {
            ui_lang,
            open,
            demo,
            starter: live_starter(),
            demo_path: default_demo_path(),
            probe_devices: true,
            microphones: None,
            sessions_root: Some(crate::session::default_sessions_root()),
            groups_dir: crate::groups::store::default_groups_dir(),
            voice_learner: groups::default_learner(),
            setup: settings_setup(ui_lang),
            file_picker: crate::app::dialog::native(),
            second_pass_after_live: true,
        }
    }
}

/// The analysis setup the settings name; a file that cannot be used is reported and the
/// defaults apply (the app still opens).
fn settings_setup(ui: UiLang) -> crate::analysis::setup::AnalysisSetup {
    let resolved = crate::settings::Settings::load()
        .and_then(|s| crate::setup::resolve_with_settings(None, &s, ui));
    resolved.unwrap_or_else(|e| {
        eprintln!("observant: {}", crate::error::one_line(&e));
        crate::analysis::setup::AnalysisSetup::builtin(ui)
    })
}

/// The bundled demo session.
pub fn default_demo_path() -> PathBuf {
    crate::data_dir()
        .join("assets")
        .join("demo")
        .join("demo-session.json")
}

/// The starter for live sessions: the real capture pipeline.
pub fn live_starter() -> PipelineStarter {
    Box::new(crate::pipeline::live::start)
}

/// Opens the Observant window and runs until it is closed.
pub fn run_app(opts: AppOptions) -> anyhow::Result<()> {
    // Audio retention from the settings, before anything else (a bad settings file is
    // reported and retention skipped; the app still opens).
    if let Err(e) = crate::settings::apply_retention_at_start() {
        eprintln!("observant: {}", crate::error::one_line(&e));
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Observant")
            .with_app_id("observant")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([860.0, 560.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Observant",
        native,
        Box::new(move |cc| Ok(Box::new(ObservantApp::new(&cc.egui_ctx, opts)))),
    )
    .map_err(|e| anyhow::anyhow!("kan het venster niet openen / cannot open the window: {e}"))
}
