//! The eframe application: the start screen, then a session (live, demo or review) shown in
//! the observer or the facilitator view. It drains the pipeline's events into the
//! [`SessionModel`] every frame and turns clicks into pipeline [`Command`]s.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::{Align, Key, Layout, RichText, Ui};

use crate::i18n::UiLang;
use crate::pipeline::{Command, LiveConfig, PipelineHandle, PipelineStarter};
use crate::transcript::Transcript;
use crate::ui::AppOptions;
use crate::ui::core::{self, MethodInfo};
use crate::ui::devices::DeviceProbe;
use crate::ui::facilitator;
use crate::ui::model::SessionModel;
use crate::ui::observer::{ObserverAction, ObserverState};
use crate::ui::scripted::ScriptedPipeline;
use crate::ui::start::{StartAction, StartForm};
use crate::ui::theme;

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
                Ok(e) => {
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
    pub form: StartForm,
    pub session: Option<Session>,
    starter: Arc<Mutex<PipelineStarter>>,
    /// A live session being started in the background (the model loads, the device opens).
    starting: Option<Starting>,
    demo_path: PathBuf,
    methods: Vec<MethodInfo>,
    /// A message for the start screen (e.g. the demo file is missing).
    pub start_message: Option<String>,
    /// A recording being transcribed for review.
    transcribing: Option<Transcribing>,
}

/// A live session whose pipeline is starting.
struct Starting {
    config: LiveConfig,
    rx: crossbeam_channel::Receiver<anyhow::Result<PipelineHandle>>,
}

/// A recording being turned into a transcript in the background.
struct Transcribing {
    path: PathBuf,
    rx: crossbeam_channel::Receiver<Result<Transcript, String>>,
    since: std::time::Instant,
}

impl ObservantApp {
    /// Builds the app from its options (installing its style on `ctx`): opens `opts.open`
    /// for review or starts the demo.
    pub fn new(ctx: &egui::Context, opts: AppOptions) -> ObservantApp {
        theme::install(ctx);
        let devices = if opts.probe_devices {
            DeviceProbe::start()
        } else {
            DeviceProbe::fixed(Default::default())
        };
        let mut app = ObservantApp {
            lang: opts.ui_lang,
            form: StartForm::new(devices),
            session: None,
            starter: Arc::new(Mutex::new(opts.starter)),
            starting: None,
            demo_path: opts.demo_path,
            methods: core::all_methods(opts.ui_lang),
            start_message: None,
            transcribing: None,
        };
        if let Some(path) = opts.open {
            app.open(&path);
        } else if opts.demo {
            app.start_demo();
        }
        app
    }

    /// Starts a live session through the pipeline starter, on a background thread (loading
    /// the speech model takes a moment); the session appears when the pipeline is up.
    pub fn start_live(&mut self, config: LiveConfig) {
        if self.starting.is_some() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let starter = self.starter.clone();
        let cfg = config.clone();
        let spawned = std::thread::Builder::new()
            .name("observant-start".into())
            .spawn(move || {
                let result = match starter.lock() {
                    Ok(start) => (start)(cfg),
                    Err(_) => Err(anyhow::anyhow!("interne fout / internal error")),
                };
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
            crate::cli::one_line(e)
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
                self.session = Some(Session::new(SessionKind::Live, &config, handle, lang));
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
                    crate::cli::one_line(&e)
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
        let pipeline = ScriptedPipeline::new(t).ui_lang(self.lang);
        let handle = match speed {
            Some(s) => pipeline.speed(s).start(),
            None => pipeline.instant().stop_at_end(false).start(),
        };
        self.session = Some(Session::new(kind, &config, handle, self.lang));
    }

    /// Opens a transcript or saved session for review; a recording is transcribed first.
    pub fn open(&mut self, path: &Path) {
        if core::is_recording(path) {
            let lang = match self.form.lang {
                crate::ui::start::LangChoice::Nl => Some("nl".to_string()),
                crate::ui::start::LangChoice::En => Some("en".to_string()),
                crate::ui::start::LangChoice::Auto => None,
            };
            let model = PathBuf::from(self.form.model_path.trim());
            self.form.open_message = None;
            self.transcribing = Some(Transcribing {
                path: path.to_path_buf(),
                rx: core::transcribe_recording(path, model, lang),
                since: std::time::Instant::now(),
            });
            return;
        }
        match core::open_for_review(path) {
            Ok(opened) => {
                self.form.open_message = None;
                self.start_replay(
                    opened.transcript,
                    SessionKind::Review(path.to_path_buf()),
                    None,
                );
                if let Some(s) = &mut self.session {
                    for (t, text) in opened.notes {
                        s.model.add_note(t, text);
                    }
                }
            }
            Err(e) => self.form.open_message = Some(crate::cli::one_line(&e)),
        }
    }

    /// Picks up a finished transcription; draws its progress on the start screen.
    fn transcription(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Some(job) = &self.transcribing else {
            return;
        };
        match job.rx.try_recv() {
            Ok(Ok(t)) => {
                let path = job.path.clone();
                self.transcribing = None;
                self.start_replay(t, SessionKind::Review(path), None);
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
        }
        let name = job
            .path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let secs = job.since.elapsed().as_secs_f64();
        let mut cancel = false;
        egui::Frame::new()
            .fill(theme::CARD)
            .stroke(egui::Stroke::new(1.0, theme::LINE))
            .corner_radius(8)
            .inner_margin(12)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!(
                        "{} {name} ({})",
                        lang.t("Opname wordt uitgeschreven:", "Transcribing the recording:"),
                        theme::clock(secs)
                    ));
                    if ui.small_button(lang.t("Annuleren", "Cancel")).clicked() {
                        cancel = true;
                    }
                });
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
            // The worker finishes on its own; its result is dropped.
            self.transcribing = None;
        }
        ui.ctx().request_repaint_after(Duration::from_millis(250));
    }

    fn ui_time(ui: &Ui) -> f64 {
        ui.input(|i| i.time)
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        egui::Panel::top("top_bar")
            .frame(
                egui::Frame::new()
                    .fill(theme::CARD)
                    .inner_margin(egui::Margin::symmetric(14, 8))
                    .stroke(egui::Stroke::new(1.0, theme::LINE)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new("Observant")
                            .size(18.0)
                            .strong()
                            .color(theme::ACCENT),
                    );
                    let mut back = false;
                    if let Some(s) = &mut self.session {
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
                            SessionKind::Demo => {
                                lang.t("Demo (versneld)", "Demo (sped up)").to_string()
                            }
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
                        let Some(s) = &mut self.session else {
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
                        self.session = None;
                    }
                });
            });
    }

    fn set_lang(&mut self, lang: UiLang) {
        self.lang = lang;
        self.methods = core::all_methods(lang);
        if let Some(s) = &mut self.session
            && let Some(m) = &s.method
        {
            s.method = core::method(&m.id, lang);
        }
    }

    fn banner(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let Some(s) = &mut self.session else {
            return;
        };
        let Some((i, p)) = s.model.visible_problem() else {
            return;
        };
        let (message, fatal) = (p.message.clone(), p.fatal);
        let mut dismiss = false;
        egui::Panel::top("problem_banner")
            .frame(
                egui::Frame::new()
                    .fill(if fatal { theme::ERROR_BG } else { theme::NOTICE_BG })
                    .inner_margin(egui::Margin::symmetric(16, 10)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(22.0, 22.0), egui::Sense::hover());
                    ui.painter().circle_filled(
                        rect.center(),
                        10.0,
                        if fatal { theme::RED } else { theme::AMBER },
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
                            egui::Label::new(RichText::new(&message).strong().color(theme::TEXT))
                                .wrap(),
                        );
                        ui.label(
                            RichText::new(if fatal {
                                lang.t(
                                    "De opname is gestopt. Alles tot nu toe blijft zichtbaar en bewaard.",
                                    "Recording has stopped. Everything so far stays visible and saved.",
                                )
                            } else {
                                lang.t(
                                    "De sessie loopt door; alles tot nu toe is bewaard.",
                                    "The session continues; everything so far is kept.",
                                )
                            })
                            .color(theme::MUTED),
                        );
                    });
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        if ui.button(lang.t("Sluiten", "Dismiss")).clicked() {
                            dismiss = true;
                        }
                    });
                });
            });
        if dismiss && let Some(p) = s.model.problems.get_mut(i) {
            p.dismissed = true;
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
                if self.session.is_some() {
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

    fn hotkeys(&mut self, ui: &Ui) {
        let Some(s) = &mut self.session else {
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
        let Some(s) = &mut self.session else {
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
                        st.stage, st.lag_seconds, st.queue_len, st.queue_capacity
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
        if let Some(s) = &mut self.session {
            s.drain(ui_time, lang);
            if s.handle.is_some() && !s.model.stopped {
                ui.ctx().request_repaint_after(Duration::from_millis(50));
            }
        }
        self.hotkeys(ui);
        self.top_bar(ui);
        self.banner(ui);
        if self.session.is_some() {
            self.session_view(ui);
        } else {
            self.start_screen(ui);
        }
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        theme::BG.to_normalized_gamma_f32()
    }
}
