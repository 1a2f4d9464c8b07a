//! The eframe application: the start screen, then a session (live, demo or review) shown in
//! the observer or the facilitator view. It drains the pipeline's events into the
//! [`SessionModel`] every frame and turns clicks into pipeline [`Command`]s.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::{Align, Key, Layout, RichText, Ui};

use crate::app::core::{self, MethodInfo};
use crate::i18n::UiLang;
use crate::pipeline::scripted::ScriptedPipeline;
use crate::pipeline::{Command, LiveConfig, PipelineHandle, PipelineStarter};
use crate::transcript::Transcript;
use crate::ui::AppOptions;
use crate::ui::devices::DeviceProbe;
use crate::ui::facilitator;
use crate::ui::model::{BannerKind, SessionModel};
use crate::ui::observer::{ObserverAction, ObserverState};
use crate::ui::start::{StartAction, StartForm};
use crate::ui::theme;
use crate::ui::widgets;

/// Replay speed of the demo session.
pub const DEMO_SPEED: f64 = 10.0;
/// At most this many events are applied per frame, so a flood never freezes the UI.
const MAX_EVENTS_PER_FRAME: usize = 5000;

/// Which view of a session is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Observer,
    Facilitator,
}

/// Where a session comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionKind {
    /// Live capture through the pipeline starter.
    Live,
    /// The bundled demo, replayed through the scripted pipeline.
    Demo,
    /// A file opened for review.
    Review(PathBuf),
}

/// A running or finished session on screen.
pub struct Session {
    pub kind: SessionKind,
    pub model: SessionModel,
    pub handle: Option<PipelineHandle>,
    pub tab: Tab,
    pub method: Option<MethodInfo>,
    pub observer: ObserverState,
    pub paused: bool,
    /// Commands sent, newest last (tests read this; the pipeline gets them too).
    pub sent: Vec<Command>,
    /// Where a live session is saved (reviewed from there when it ends).
    pub saved_in: Option<PathBuf>,
    /// The device chosen in the "microphone lost" banner (`None`: the system default).
    pub reconnect_device: Option<String>,
}

impl Session {
    fn new(kind: SessionKind, config: &LiveConfig, handle: PipelineHandle, lang: UiLang) -> Self {
        Session {
            kind,
            model: SessionModel::new(config.participants.clone()),
            handle: Some(handle),
            tab: Tab::Observer,
            method: config.method.as_deref().and_then(|m| core::method(m, lang)),
            observer: ObserverState::default(),
            paused: false,
            sent: Vec::new(),
            saved_in: config.save_dir.clone(),
            reconnect_device: config.device.clone(),
        }
    }

    /// Sends a command to the pipeline (kept in `sent` too).
    pub fn send(&mut self, cmd: Command) {
        if let Some(h) = &self.handle {
            let _ = h.commands.send(cmd.clone());
        }
        self.sent.push(cmd);
    }

    fn is_live(&self) -> bool {
        !matches!(self.kind, SessionKind::Review(_)) && !self.model.stopped
    }

    /// Applies pending pipeline events; returns whether any arrived.
    fn drain(&mut self, ui_time: f64, lang: UiLang) -> bool {
        let Some(h) = &self.handle else {
            return false;
        };
        let mut any = false;
        let mut gone = false;
        for _ in 0..MAX_EVENTS_PER_FRAME {
            match h.events.try_recv() {
                Ok(mut e) => {
                    // Flags come as facts: their words are written here, in the UI's language.
                    if let crate::pipeline::Event::Flag { flag, .. } = &mut e {
                        let method = self.method.as_ref().map(|m| m.id.as_str());
                        crate::report::words::write_flag_of(flag, method, lang);
                    }
                    self.model.apply(e, ui_time);
                    any = true;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    gone = true;
                    break;
                }
            }
        }
        if gone {
            self.handle = None;
            if !self.model.stopped && !matches!(self.kind, SessionKind::Review(_)) {
                self.model.apply(
                    crate::pipeline::Event::Error {
                        t: self.model.now,
                        message: lang
                            .t(
                                "De verwerking is onverwacht gestopt.",
                                "Processing stopped unexpectedly.",
                            )
                            .to_string(),
                        fatal: true,
                    },
                    ui_time,
                );
                self.model.stopped = true;
            }
        }
        if any {
            self.observer.settle(&self.model);
        }
        any
    }
}

impl Drop for Session {
    /// Closing the window or leaving a running session stops capture cleanly.
    fn drop(&mut self) {
        if let Some(h) = &self.handle
            && !self.model.stopped
        {
            let _ = h.commands.send(Command::Stop);
        }
    }
}

/// The Observant app.
pub struct ObservantApp {
    pub lang: UiLang,
    /// Thresholds and cue words of live sessions, reviews and progress (one setup path).
    pub setup: crate::analysis::setup::AnalysisSetup,
    pub form: StartForm,
    /// What is shown: the start screen, a live session or a review.
    pub screen: Screen,
    starter: Arc<Mutex<PipelineStarter>>,
    /// A live session being started in the background (the model loads, the device opens).
    starting: Option<Starting>,
    demo_path: PathBuf,
    methods: Vec<MethodInfo>,
    /// A message for the start screen (e.g. the demo file is missing).
    pub start_message: Option<String>,
    /// A recording being transcribed for review.
    transcribing: Option<Transcribing>,
    /// Where saved sessions are listed from (`None`: no listing, e.g. in tests).
    sessions_root: Option<PathBuf>,
    /// Learns voices for a group from a reviewed session.
    voice_learner: crate::ui::groups::VoiceLearner,
    /// Start the second pass when a live session ends.
    second_pass_after_live: bool,
}

/// What the app shows (one at a time).
pub enum Screen {
    /// The start screen: set up or open a session (a starting pipeline or a transcription
    /// shows its progress here).
    Start,
    /// A live, demo or replayed session.
    Live(Box<Session>),
    /// A finished session under review.
    Review(Box<crate::ui::review::ReviewScreen>),
}

/// A live session whose pipeline is starting.
struct Starting {
    config: LiveConfig,
    rx: crossbeam_channel::Receiver<anyhow::Result<PipelineHandle>>,
}

/// A recording being turned into a transcript in the background, or an interrupted
/// session's missing tail being transcribed.
struct Transcribing {
    path: PathBuf,
    job: Job,
    since: std::time::Instant,
    progress: Arc<crate::pipeline::offline::ProgressCounter>,
}

/// What [`Transcribing`] waits for.
enum Job {
    Recording(crossbeam_channel::Receiver<Result<Transcript, String>>),
    Recovery {
        rx: crossbeam_channel::Receiver<Result<crate::pipeline::recover::Recovery, String>>,
        /// Seconds of audio without transcript.
        missing: f64,
    },
}

impl ObservantApp {
    /// Builds the app from its options (installing its style on `ctx`): opens `opts.open`
    /// for review or starts the demo.
    pub fn new(ctx: &egui::Context, opts: AppOptions) -> ObservantApp {
        theme::install(ctx);
        let devices = if let Some((list, opener)) = opts.microphones.clone() {
            DeviceProbe::stand_in(list, opener)
        } else if opts.probe_devices {
            DeviceProbe::start()
        } else {
            DeviceProbe::fixed(Default::default())
        };
        let mut app = ObservantApp {
            lang: opts.ui_lang,
            setup: opts.setup.clone(),
            form: StartForm::new(
                devices,
                crate::ui::groups::GroupVault::new(opts.groups_dir.clone()),
            ),
            screen: Screen::Start,
            starter: Arc::new(Mutex::new(opts.starter)),
            starting: None,
            demo_path: opts.demo_path,
            methods: core::all_methods(opts.ui_lang),
            start_message: None,
            transcribing: None,
            sessions_root: opts.sessions_root.clone(),
            voice_learner: opts.voice_learner.clone(),
            second_pass_after_live: opts.second_pass_after_live,
        };
        app.form.picker = opts.file_picker.clone();
        app.refresh_saved();
        if let Some(path) = opts.open {
            app.open(&path);
        } else if opts.demo {
            app.start_demo();
        }
        app
    }

    /// The live, demo or replayed session on screen.
    pub fn session(&self) -> Option<&Session> {
        match &self.screen {
            Screen::Live(s) => Some(s),
            _ => None,
        }
    }

    /// The review on screen.
    pub fn review(&self) -> Option<&crate::ui::review::ReviewScreen> {
        match &self.screen {
            Screen::Review(r) => Some(r),
            _ => None,
        }
    }

    /// The review on screen, to change.
    pub fn review_mut(&mut self) -> Option<&mut crate::ui::review::ReviewScreen> {
        match &mut self.screen {
            Screen::Review(r) => Some(r),
            _ => None,
        }
    }

    /// Starts a live session through the pipeline starter, on a background thread (loading
    /// the speech model takes a moment); the session appears when the pipeline is up.
    pub fn start_live(&mut self, mut config: LiveConfig) {
        if self.starting.is_some() {
            return;
        }
        config.setup = self.setup.clone().with_ui(self.lang);
        if config.save_dir.is_none()
            && let Some(root) = &self.sessions_root
        {
            config.save_dir = Some(crate::review::store::new_session_dir(root));
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let starter = self.starter.clone();
        let cfg = config.clone();
        let spawned = std::thread::Builder::new()
            .name("observant-start".into())
            .spawn(move || {
                let result = match starter.lock() {
                    Ok(start) => (start)(cfg.clone()),
                    Err(_) => Err(anyhow::anyhow!("interne fout / internal error")),
                };
                // The passphrase is known now: keep the new session's key for this process,
                // so its review opens without asking again (if this fails, it asks).
                if result.is_ok()
                    && let (Some(secret), Some(dir)) = (&cfg.passphrase, &cfg.save_dir)
                    && crate::session::Session::is_encrypted_dir(dir)
                {
                    let _ = crate::session::Session::unlock(dir, secret);
                }
                let _ = tx.send(result);
            });
        match spawned {
            Ok(_) => {
                self.start_message = None;
                self.starting = Some(Starting { config, rx });
            }
            Err(e) => self.start_failed(&anyhow::anyhow!(e)),
        }
    }

    fn start_failed(&mut self, e: &anyhow::Error) {
        self.start_message = Some(format!(
            "{} {}",
            self.lang.t(
                "Kon de sessie niet starten:",
                "Could not start the session:"
            ),
            crate::error::one_line(e)
        ));
    }

    /// Picks up a started pipeline; shows progress while it starts.
    fn poll_starting(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Some(st) = &self.starting else {
            return;
        };
        match st.rx.try_recv() {
            Ok(Ok(handle)) => {
                let config = st.config.clone();
                self.starting = None;
                self.screen = Screen::Live(Box::new(Session::new(
                    SessionKind::Live,
                    &config,
                    handle,
                    lang,
                )));
            }
            Ok(Err(e)) => {
                self.starting = None;
                self.start_failed(&e);
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.starting = None;
                self.start_failed(&anyhow::anyhow!("interne fout / internal error"));
            }
            Err(crossbeam_channel::TryRecvError::Empty) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(lang.t(
                        "Sessie wordt gestart: spraakmodel laden en microfoon openen…",
                        "Starting the session: loading the speech model and opening the microphone…",
                    ));
                });
                ui.add_space(8.0);
                ui.ctx().request_repaint_after(Duration::from_millis(100));
            }
        }
    }

    /// Starts the bundled demo session, replayed at [`DEMO_SPEED`].
    pub fn start_demo(&mut self) {
        let path = self.demo_path.clone();
        match core::load_transcript(&path) {
            Ok(t) => self.start_replay(t, SessionKind::Demo, Some(DEMO_SPEED)),
            Err(e) => {
                self.start_message = Some(format!(
                    "{} {}",
                    self.lang.t(
                        "De demo kon niet worden geladen:",
                        "The demo could not be loaded:"
                    ),
                    crate::error::one_line(&e)
                ));
            }
        }
    }

    /// Replays a transcript: at `speed` (demo) or all at once (`None`, review).
    pub fn start_replay(&mut self, t: Transcript, kind: SessionKind, speed: Option<f64>) {
        let config = LiveConfig {
            participants: t.participants.clone(),
            method: t.method.clone(),
            ..Default::default()
        };
        let pipeline = ScriptedPipeline::new(t)
            .ui_lang(self.lang)
            .setup(self.setup.clone());
        let handle = match speed {
            Some(s) => pipeline.speed(s).start(),
            None => pipeline.instant().stop_at_end(false).start(),
        };
        self.screen = Screen::Live(Box::new(Session::new(kind, &config, handle, self.lang)));
    }

    /// Opens a saved session, transcript or recording in review mode; a recording is
    /// transcribed first (in the background, with progress) unless it was before.
    pub fn open(&mut self, path: &Path) {
        let lang = self.form.lang;
        let model = PathBuf::from(self.form.model_path.trim());
        if core::is_recording(path) && !crate::review::store::transcribed_before(path) {
            self.form.open_message = None;
            let progress = Arc::new(crate::pipeline::offline::ProgressCounter::default());
            self.transcribing = Some(Transcribing {
                path: path.to_path_buf(),
                job: Job::Recording(core::transcribe_recording_with_progress(
                    path,
                    model,
                    (lang, self.form.speakers),
                    Some(progress.clone()),
                )),
                since: std::time::Instant::now(),
                progress,
            });
            return;
        }
        // A session cut off while recording (app killed, power lost): first transcribe the
        // audio its transcript is missing, then review it whole.
        if let Some(cut) = core::interrupted_session(path) {
            self.form.open_message = None;
            let progress = Arc::new(crate::pipeline::offline::ProgressCounter::default());
            self.transcribing = Some(Transcribing {
                path: cut.dir.clone(),
                job: Job::Recovery {
                    rx: core::recover_session_with_progress(
                        &cut.dir,
                        model,
                        lang,
                        Some(progress.clone()),
                    ),
                    missing: cut.to - cut.from,
                },
                since: std::time::Instant::now(),
                progress,
            });
            return;
        }
        let demo = same_file(path, &self.demo_path);
        let opened = if demo {
            // The bundled demo is reviewed without writing next to it.
            core::load_transcript(path).map(|t| {
                crate::review::ReviewDoc::new(
                    crate::review::Origin::Unsaved(path.to_path_buf()),
                    "demo".into(),
                    t,
                    crate::review::History::default(),
                    None,
                    self.lang,
                )
            })
        } else {
            crate::review::ReviewDoc::open(path, self.lang)
        };
        match opened {
            Ok(doc) => {
                self.form.open_message = None;
                self.show_review(doc);
            }
            // A locked encrypted session: the start screen asks for its passphrase.
            Err(e)
                if crate::session::crypt::needs_passphrase(&e)
                    && let Some(dir) = crate::review::store::session_dir_of(path) =>
            {
                self.form.open_message = None;
                self.form.forget = None;
                self.form.unlock = Some((dir, String::new(), None));
            }
            Err(e) => self.form.open_message = Some(crate::error::one_line(&e)),
        }
    }

    /// Opens an interrupted session for review once its recovery ended, saying what it did.
    fn finish_recovery(
        &mut self,
        dir: &Path,
        result: Result<crate::pipeline::recover::Recovery, String>,
    ) {
        let lang = self.lang;
        let message = match &result {
            Ok(r) if r.added_utterances > 0 => {
                let (n, from) = (r.added_utterances, theme::clock(r.from_seconds));
                let text = match (lang, n) {
                    (UiLang::Nl, 1) => format!(
                        "Deze sessie werd onderbroken. Aangevuld: 1 regel toegevoegd vanaf {from}"
                    ),
                    (UiLang::Nl, _) => format!(
                        "Deze sessie werd onderbroken. Aangevuld: {n} regels toegevoegd vanaf {from}"
                    ),
                    (UiLang::En, 1) => {
                        format!("This session was interrupted. Completed: 1 line added from {from}")
                    }
                    (UiLang::En, _) => format!(
                        "This session was interrupted. Completed: {n} lines added from {from}"
                    ),
                };
                (text, false)
            }
            Ok(_) => (
                lang.t(
                    "Deze sessie werd onderbroken; na de laatste regel is niets meer gezegd.",
                    "This session was interrupted; nothing more was said after its last line.",
                )
                .to_string(),
                false,
            ),
            Err(e) => (
                format!(
                    "{} {e}",
                    lang.t(
                        "Deze sessie werd onderbroken en kon niet worden aangevuld:",
                        "This session was interrupted and could not be completed:"
                    )
                ),
                true,
            ),
        };
        match crate::review::ReviewDoc::open(dir, lang) {
            Ok(doc) => {
                self.form.open_message = None;
                self.show_review(doc);
                if let Screen::Review(r) = &mut self.screen {
                    r.state.message = Some(message);
                }
            }
            Err(e) => self.form.open_message = Some(crate::error::one_line(&e)),
        }
    }

    /// Shows `doc` in review mode (leaving any session), playing its audio on the device.
    pub fn show_review(&mut self, mut doc: crate::review::ReviewDoc) {
        doc.set_setup(self.setup.clone().with_ui(self.lang));
        self.show_review_screen(crate::ui::review::ReviewScreen::with_device_audio(doc));
    }

    /// Shows a prepared review screen (tests give it their own player).
    pub fn show_review_screen(&mut self, mut screen: crate::ui::review::ReviewScreen) {
        screen.state.sessions_root = self.sessions_root.clone();
        screen.state.groups = Some(self.form.groups.vault.clone());
        screen.state.voice_learner = Some(self.voice_learner.clone());
        screen.state.picker = Some(self.form.picker.clone());
        let model = PathBuf::from(self.form.model_path.trim());
        screen.state.model = model.is_file().then_some(model);
        self.screen = Screen::Review(Box::new(screen));
    }

    /// Re-reads the saved sessions for the start screen.
    pub fn refresh_saved(&mut self) {
        self.form.saved = self
            .sessions_root
            .as_deref()
            .map(crate::review::store::saved_sessions)
            .unwrap_or_default();
    }

    /// Reviews the session on screen once it has ended: its saved folder, or the demo.
    fn review_ended_session(&mut self) {
        let Screen::Live(s) = &self.screen else {
            return;
        };
        let path = match (&s.kind, &s.saved_in) {
            (SessionKind::Demo, _) => self.demo_path.clone(),
            (SessionKind::Review(p), _) => p.clone(),
            (SessionKind::Live, Some(dir)) => dir.clone(),
            (SessionKind::Live, None) => {
                self.start_message = Some(
                    self.lang
                        .t(
                            "Deze sessie is niet bewaard en kan niet worden teruggekeken.",
                            "This session was not saved and cannot be reviewed.",
                        )
                        .to_string(),
                );
                self.screen = Screen::Start;
                return;
            }
        };
        let live = matches!(s.kind, SessionKind::Live);
        self.screen = Screen::Start;
        self.open(&path);
        match &mut self.screen {
            Screen::Review(r) if live => {
                r.offer_group_voices(self.lang);
                // Live stays fast; the review gets the better pass as soon as it is ready.
                if self.second_pass_after_live {
                    r.start_second_pass();
                }
            }
            Screen::Review(_) | Screen::Live(_) => {}
            Screen::Start => self.start_message = self.form.open_message.take(),
        }
    }

    /// Picks up a finished transcription; draws its progress on the start screen.
    fn transcription(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Some(job) = &self.transcribing else {
            return;
        };
        match &job.job {
            Job::Recording(rx) => match rx.try_recv() {
                Ok(Ok(t)) => {
                    let path = job.path.clone();
                    self.transcribing = None;
                    let doc = crate::review::ReviewDoc::from_recording(&path, t, lang);
                    self.show_review(doc);
                    return;
                }
                Ok(Err(e)) => {
                    self.form.open_message = Some(e);
                    self.transcribing = None;
                    return;
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.transcribing = None;
                    return;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
            },
            Job::Recovery { rx, .. } => {
                let result = match rx.try_recv() {
                    Ok(r) => Some(r),
                    Err(crossbeam_channel::TryRecvError::Disconnected) => {
                        Some(Err(lang.t("afgebroken", "stopped").to_string()))
                    }
                    Err(crossbeam_channel::TryRecvError::Empty) => None,
                };
                if let Some(result) = result {
                    let path = job.path.clone();
                    self.transcribing = None;
                    self.finish_recovery(&path, result);
                    return;
                }
            }
        }
        let name = job
            .path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let secs = job.since.elapsed().as_secs_f64();
        let fraction = job.progress.fraction();
        let mut cancel = false;
        egui::Frame::new()
            .fill(theme::CARD)
            .stroke(egui::Stroke::new(1.0, theme::LINE))
            .corner_radius(8)
            .inner_margin(12)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    let what = match &job.job {
                        Job::Recording(_) => format!(
                            "{} {name}",
                            lang.t("Opname wordt uitgeschreven:", "Transcribing the recording:")
                        ),
                        Job::Recovery { missing, .. } => {
                            let missing = theme::clock(*missing);
                            match lang {
                                UiLang::Nl => format!(
                                    "Onderbroken sessie {name} wordt aangevuld: de laatste {missing} wordt uitgeschreven"
                                ),
                                UiLang::En => format!(
                                    "Completing interrupted session {name}: transcribing its last {missing}"
                                ),
                            }
                        }
                    };
                    ui.label(format!("{what} ({})", theme::clock(secs)));
                    if ui.small_button(lang.t("Annuleren", "Cancel")).clicked() {
                        cancel = true;
                    }
                });
                if let Some(f) = fraction {
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(420.0)
                            .show_percentage(),
                    );
                }
                ui.label(
                    RichText::new(lang.t(
                        "Dit gebeurt op dit apparaat en duurt ongeveer een tiende van de opnameduur.",
                        "This happens on this device and takes about a tenth of the recording's length.",
                    ))
                    .small()
                    .color(theme::MUTED),
                );
            });
        ui.add_space(8.0);
        if cancel {
            // The worker stops at its next segment; its result is dropped. An interrupted
            // session then opens as it is.
            if let Some(t) = self.transcribing.take() {
                t.progress.cancel();
                if matches!(t.job, Job::Recovery { .. }) {
                    self.finish_recovery(
                        &t.path,
                        Err(lang.t("geannuleerd", "cancelled").to_string()),
                    );
                }
            }
        }
        ui.ctx().request_repaint_after(Duration::from_millis(250));
    }

    fn ui_time(ui: &Ui) -> f64 {
        ui.input(|i| i.time)
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        if matches!(self.screen, Screen::Review(_)) {
            self.review_top_bar(ui);
            return;
        }
        let lang = self.lang;
        widgets::top_bar(ui, |ui| {
            let mut back = false;
            let mut review = false;
            if let Screen::Live(s) = &mut self.screen {
                ui.add_space(12.0);
                ui.selectable_value(
                    &mut s.tab,
                    Tab::Observer,
                    lang.t("Observatie", "Observation"),
                );
                ui.selectable_value(
                    &mut s.tab,
                    Tab::Facilitator,
                    lang.t("Facilitator", "Facilitator"),
                );
                ui.add_space(12.0);
                let what = match &s.kind {
                    SessionKind::Live => lang.t("Live", "Live").to_string(),
                    SessionKind::Demo => lang.t("Demo (versneld)", "Demo (sped up)").to_string(),
                    SessionKind::Review(p) => format!(
                        "{} {}",
                        lang.t("Terugkijken:", "Review:"),
                        p.file_name()
                            .map(|f| f.to_string_lossy().to_string())
                            .unwrap_or_default()
                    ),
                };
                ui.label(RichText::new(what).color(theme::MUTED));
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let mut l = self.lang;
                ui.selectable_value(&mut l, UiLang::En, "EN");
                ui.selectable_value(&mut l, UiLang::Nl, "NL");
                if l != self.lang {
                    self.set_lang(l);
                }
                let Screen::Live(s) = &mut self.screen else {
                    return;
                };
                ui.add_space(10.0);
                if s.is_live() {
                    if ui
                        .button(lang.t("Sessie beëindigen", "End session"))
                        .clicked()
                    {
                        s.send(Command::Stop);
                    }
                    let pause = if s.paused {
                        lang.t("Hervatten", "Resume")
                    } else {
                        lang.t("Pauzeren", "Pause")
                    };
                    if ui.button(pause).clicked() {
                        s.paused = !s.paused;
                        let p = s.paused;
                        s.send(Command::SetPaused(p));
                    }
                } else {
                    if ui
                        .button(lang.t("Naar startscherm", "To start screen"))
                        .clicked()
                    {
                        back = true;
                    }
                    if matches!(s.kind, SessionKind::Live | SessionKind::Demo) {
                        if ui
                            .add(
                                egui::Button::new(
                                    RichText::new(
                                        lang.t("Terugkijken en rapport", "Review and report"),
                                    )
                                    .color(egui::Color32::WHITE),
                                )
                                .fill(theme::ACCENT),
                            )
                            .clicked()
                        {
                            review = true;
                        }
                        ui.label(
                            RichText::new(lang.t("Sessie beëindigd", "Session ended"))
                                .color(theme::MUTED),
                        );
                    }
                }
                ui.add_space(10.0);
                status(ui, s, lang);
            });
            if back {
                self.screen = Screen::Start;
                self.refresh_saved();
            }
            if review {
                self.review_ended_session();
            }
        });
    }

    /// The top bar in review mode: what is reviewed, language, back to the start screen.
    fn review_top_bar(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let mut back = false;
        let mut new_lang = lang;
        widgets::top_bar(ui, |ui| {
            let Screen::Review(r) = &self.screen else {
                return;
            };
            ui.add_space(12.0);
            ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.t("Terugkijken:", "Review:"),
                    r.doc.title
                ))
                .strong()
                .color(theme::TEXT),
            );
            let saved = match (&r.doc.origin, r.doc.edits.len()) {
                (crate::review::Origin::Unsaved(_), n) if n > 0 => lang
                    .t(
                        "demo: correcties worden niet bewaard",
                        "demo: corrections are not saved",
                    )
                    .to_string(),
                (_, 0) => String::new(),
                (_, n) => match lang {
                    UiLang::Nl => format!("{n} correcties bewaard"),
                    UiLang::En => format!("{n} corrections saved"),
                },
            };
            if !saved.is_empty() {
                ui.label(RichText::new(saved).small().color(theme::MUTED));
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.selectable_value(&mut new_lang, UiLang::En, "EN");
                ui.selectable_value(&mut new_lang, UiLang::Nl, "NL");
                ui.add_space(10.0);
                if ui
                    .button(lang.t("Naar startscherm", "To start screen"))
                    .clicked()
                {
                    back = true;
                }
                ui.add_space(10.0);
                ui.label(
                    RichText::new(format!(
                        "{} {} · {} {}",
                        r.doc.analysis.utterances.len(),
                        lang.t("uitspraken", "utterances"),
                        lang.t("duur", "duration"),
                        theme::clock(r.doc.duration())
                    ))
                    .color(theme::MUTED),
                );
            });
        });
        if new_lang != lang {
            self.set_lang(new_lang);
        }
        if back {
            self.screen = Screen::Start;
            self.refresh_saved();
        }
    }

    fn set_lang(&mut self, lang: UiLang) {
        self.lang = lang;
        if let Screen::Review(r) = &mut self.screen {
            r.doc.set_lang(lang);
        }
        self.methods = core::all_methods(lang);
        if let Screen::Live(s) = &mut self.screen {
            if let Some(m) = &s.method {
                s.method = core::method(&m.id, lang);
            }
            // The flags' words in the new language; nothing is analysed again.
            let method = s.method.as_ref().map(|m| m.id.clone());
            s.model.write_words(method.as_deref(), lang);
        }
    }

    /// The problem banners ([`SessionModel::banners`] says what they say and offer).
    fn banner(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Screen::Live(s) = &mut self.screen else {
            return;
        };
        let devices = self.form.devices.result.clone().unwrap_or_default();
        let mut refresh = false;
        for b in s.model.banners(lang) {
            let mut dismiss = false;
            let (mut reconnect, mut end) = (false, false);
            let id = match b.kind {
                BannerKind::DeviceLost => "device_banner",
                BannerKind::Disk => "disk_banner",
                BannerKind::Problem(_) => "problem_banner",
            };
            egui::Panel::top(id)
                .frame(
                    egui::Frame::new()
                        .fill(if b.severe {
                            theme::ERROR_BG
                        } else {
                            theme::NOTICE_BG
                        })
                        .inner_margin(egui::Margin::symmetric(16, 10)),
                )
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(22.0, 22.0), egui::Sense::hover());
                        ui.painter().circle_filled(
                            rect.center(),
                            10.0,
                            if b.severe { theme::RED } else { theme::AMBER },
                        );
                        ui.painter().text(
                            rect.center(),
                            egui::Align2::CENTER_CENTER,
                            "!",
                            egui::FontId::proportional(15.0),
                            egui::Color32::WHITE,
                        );
                        ui.vertical(|ui| {
                            ui.set_max_width((ui.available_width() - 90.0).max(200.0));
                            ui.add(
                                egui::Label::new(
                                    RichText::new(&b.title).strong().color(theme::TEXT),
                                )
                                .wrap(),
                            );
                            ui.add(
                                egui::Label::new(RichText::new(&b.detail).color(theme::MUTED))
                                    .wrap(),
                            );
                            if b.reconnect || b.end_session {
                                ui.horizontal(|ui| {
                                    if b.reconnect {
                                        reconnect_choice(
                                            ui,
                                            &devices,
                                            &mut s.reconnect_device,
                                            lang,
                                        );
                                        if ui
                                            .small_button(lang.t("Zoek opnieuw", "Search again"))
                                            .clicked()
                                        {
                                            refresh = true;
                                        }
                                        reconnect = ui
                                            .button(lang.t("Opnieuw verbinden", "Reconnect"))
                                            .clicked();
                                    }
                                    if b.end_session {
                                        end = ui
                                            .button(lang.t("Sessie beëindigen", "End session"))
                                            .clicked();
                                    }
                                });
                            }
                        });
                        if b.dismissable {
                            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                                if ui.button(lang.t("Sluiten", "Dismiss")).clicked() {
                                    dismiss = true;
                                }
                            });
                        }
                    });
                });
            if dismiss
                && let BannerKind::Problem(i) = b.kind
                && let Some(p) = s.model.problems.get_mut(i)
            {
                p.dismissed = true;
            }
            if reconnect {
                s.model.reconnect_requested();
                let device = s.reconnect_device.clone();
                s.send(Command::Reconnect { device });
            }
            if end {
                s.send(Command::Stop);
            }
        }
        if refresh {
            self.form.devices = DeviceProbe::start();
        }
    }

    fn start_screen(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        egui::CentralPanel::default()
            .frame(
                egui::Frame::new()
                    .fill(theme::BG)
                    .inner_margin(egui::Margin::symmetric(24, 8)),
            )
            .show(ui, |ui| {
                if let Some(m) = self.start_message.clone() {
                    egui::Frame::new()
                        .fill(theme::NOTICE_BG)
                        .corner_radius(6)
                        .inner_margin(10)
                        .show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            ui.add(egui::Label::new(RichText::new(m).color(theme::TEXT)).wrap());
                            if ui.small_button(lang.t("Sluiten", "Dismiss")).clicked() {
                                self.start_message = None;
                            }
                        });
                    ui.add_space(6.0);
                }
                self.transcription(ui);
                self.poll_starting(ui);
                if matches!(self.screen, Screen::Live(_)) {
                    return;
                }
                match self.form.show(ui, lang, &self.methods) {
                    StartAction::None => {}
                    StartAction::Start(req) => {
                        self.start_message = None;
                        self.start_live(req.live_config());
                    }
                    StartAction::Open(p) => self.open(&p),
                    StartAction::Demo => self.start_demo(),
                }
            });
    }

    /// Files dropped on the window: a recording, transcript or saved session opens in review
    /// (from the start screen or a review; a live session is never left this way); a speech
    /// model (`.bin`) is checked, added to the model folder and chosen. While files hover
    /// over the window, a hint says what letting go does.
    fn dropped_files(&mut self, ui: &Ui) {
        let (hovering, dropped): (bool, Vec<PathBuf>) = ui.input(|i| {
            (
                !i.raw.hovered_files.is_empty(),
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect(),
            )
        });
        let live = matches!(self.screen, Screen::Live(_));
        let lang = self.lang;
        if hovering && !live {
            let rect = ui.ctx().content_rect();
            let painter = ui.ctx().layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop_hint"),
            ));
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(140));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                lang.t(
                    "Loslaten om te openen (opname, transcript, sessie of spraakmodel)",
                    "Drop to open (recording, transcript, session or speech model)",
                ),
                egui::FontId::proportional(20.0),
                egui::Color32::WHITE,
            );
        }
        for path in dropped {
            match core::FileKind::of(&path) {
                core::FileKind::Model => {
                    self.form.models.add(path);
                    if !live {
                        self.screen = Screen::Start;
                    }
                }
                _ if live => {}
                core::FileKind::SessionDir
                | core::FileKind::Transcript
                | core::FileKind::Recording => {
                    self.screen = Screen::Start;
                    self.start_message = None;
                    self.open(&path);
                }
                core::FileKind::Other => {
                    self.screen = Screen::Start;
                    self.start_message = Some(format!(
                        "{} {}",
                        lang.t(
                            "Dit kan Observant niet openen (geen opname, transcript, sessie of spraakmodel):",
                            "Observant cannot open this (not a recording, transcript, session or speech model):",
                        ),
                        path.display()
                    ));
                }
            }
        }
    }

    fn hotkeys(&mut self, ui: &Ui) {
        let Screen::Live(s) = &mut self.screen else {
            return;
        };
        if !s.is_live() {
            return;
        }
        let typing = ui.ctx().text_edit_focused();
        let (n, ctrl_n) = ui.input_mut(|i| {
            let ctrl = i.consume_key(egui::Modifiers::COMMAND, Key::N);
            let plain = !typing && i.consume_key(egui::Modifiers::NONE, Key::N);
            (plain, ctrl)
        });
        if n || ctrl_n {
            s.tab = Tab::Observer;
            s.observer.focus_note = true;
            if s.observer.note_started.is_none() {
                s.observer.note_started = Some(s.model.now);
            }
        }
    }

    fn session_view(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let ui_time = Self::ui_time(ui);
        let Screen::Live(s) = &mut self.screen else {
            return;
        };
        let live = s.is_live();
        match s.tab {
            Tab::Observer => {
                for a in s.observer.show(ui, &s.model, lang, live) {
                    match a {
                        ObserverAction::Reassign { index, speaker } => {
                            s.send(Command::ReassignSpeaker { index, speaker });
                        }
                        ObserverAction::Rename { from, to } => {
                            s.send(Command::RenameSpeaker { from, to });
                        }
                        ObserverAction::Enroll(name) => s.send(Command::EnrollNext { name }),
                        ObserverAction::Note { t, text } => {
                            s.model.add_note(t, text.clone());
                            s.send(Command::Note { text });
                        }
                    }
                }
            }
            Tab::Facilitator => {
                if facilitator::show(ui, &s.model, s.method.as_ref(), lang, live, ui_time) {
                    let step = s.model.step + 1;
                    let now = s.model.now;
                    s.model.set_step(step, now);
                    s.send(Command::AdvanceStep { step });
                }
            }
        }
    }
}

/// The device choice of the "microphone lost" banner: the system default or a listed input.
fn reconnect_choice(
    ui: &mut Ui,
    devices: &crate::ui::devices::DeviceList,
    chosen: &mut Option<String>,
    lang: UiLang,
) {
    let default = lang.t("Standaardmicrofoon", "Default microphone");
    let shown = chosen
        .as_deref()
        .map(|id| devices.name_of(id).unwrap_or(id).to_string())
        .unwrap_or_else(|| default.to_string());
    egui::ComboBox::from_id_salt("reconnect_device")
        .selected_text(shown)
        .width(260.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, default);
            for d in &devices.devices {
                ui.selectable_value(chosen, Some(d.id.clone()), &d.name);
            }
        })
        .response
        .accessible_name(lang.t("Microfoon", "Microphone"));
}

/// Do two paths name the same file?
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Clock, pipeline lag and level meter in the top bar (right-to-left layout).
fn status(ui: &mut Ui, s: &Session, lang: UiLang) {
    if matches!(s.kind, SessionKind::Review(_)) {
        ui.label(
            RichText::new(format!(
                "{} {} · {} {}",
                s.model.utterance_count(),
                lang.t("uitspraken", "utterances"),
                lang.t("duur", "duration"),
                theme::clock(s.model.now)
            ))
            .color(theme::MUTED),
        );
        return;
    }
    if s.is_live() {
        if let Some((estimate, problems)) = &s.model.room {
            let (word, color) = crate::ui::room::verdict(problems, lang);
            ui.label(RichText::new(word).color(color))
                .on_hover_text(crate::ui::room::tooltip(estimate, problems, lang));
        }
        let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 8.0), egui::Sense::hover());
        crate::ui::start::level_bar(ui, rect, s.model.level_rms);
        if let Some(lag) = s.model.lag_seconds() {
            let color = if lag < 2.0 {
                theme::MUTED
            } else if lag < 5.0 {
                theme::AMBER
            } else {
                theme::RED
            };
            let text = format!("{} {:.1} s", lang.t("vertraging", "lag"), lag)
                .replace('.', if lang == UiLang::Nl { "," } else { "." });
            let tip: Vec<String> = s
                .model
                .stages
                .iter()
                .map(|st| {
                    format!(
                        "{}: {:.1} s, {} / {}",
                        st.stage.as_str(),
                        st.lag_seconds,
                        st.queue_len,
                        st.queue_capacity
                    )
                })
                .collect();
            ui.label(RichText::new(text).color(color))
                .on_hover_text(tip.join("\n"));
        }
    }
    if s.paused {
        ui.label(RichText::new(lang.t("gepauzeerd", "paused")).color(theme::AMBER));
    }
    ui.label(
        RichText::new(theme::clock(s.model.now))
            .monospace()
            .size(16.0)
            .color(theme::TEXT),
    );
}

impl eframe::App for ObservantApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ui_time = Self::ui_time(ui);
        let lang = self.lang;
        if let Screen::Live(s) = &mut self.screen {
            s.drain(ui_time, lang);
            if s.handle.is_some() && !s.model.stopped {
                ui.ctx().request_repaint_after(Duration::from_millis(50));
            }
        }
        self.hotkeys(ui);
        self.dropped_files(ui);
        self.top_bar(ui);
        match &mut self.screen {
            Screen::Review(r) => r.show(ui, lang),
            Screen::Live(_) => {
                self.banner(ui);
                self.session_view(ui);
            }
            Screen::Start => self.start_screen(ui),
        }
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        theme::BG.to_normalized_gamma_f32()
    }
}
