//! The review view: a finished session on a timeline (one lane per speaker, flag markers,
//! method steps shaded; click to jump and listen), the transcript beside it (virtualised,
//! following the playhead), and the corrections: rename and merge speakers, fix a line's
//! text or speaker, mark a flag right or wrong. Buttons write the report, export the
//! transcript and show progress over saved sessions; "Stemmen bewaren voor groep…" asks
//! consent per speaker and keeps their voices for a group ([`crate::ui::groups::SaveVoices`]).
//! Thin: the [`ReviewDoc`] does the work
//! (edits, re-analysis, files); [`crate::review::timeline`] the geometry; this module draws
//! and turns clicks into [`ReviewAction`]s.

use std::path::PathBuf;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError};
use egui::{Align, Color32, Layout, Rect, RichText, Sense, Stroke, Ui, pos2, vec2};

use crate::analysis::{Flag, QuestionType};
use crate::audio::playback::{Player, PlayerStatus};
use crate::i18n::UiLang;
use crate::report::progress::ProgressRow;
use crate::review::store::{self, ExportFormat};
use crate::review::timeline::{self, Scale, Span};
use crate::review::{Edit, ReviewDoc};
use crate::ui::theme;
use crate::ui::widgets::{self, bar, section, short};

/// What the user asked for in this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewAction {
    /// A correction for the document.
    Edit(Edit),
    /// Take back the last correction.
    Undo,
    /// Go to session time `t`: select the line there and play from there.
    Jump(f64),
    /// Select a line (and play from its start).
    SelectLine(usize),
    Play,
    Pause,
    /// Write the HTML report to the path in the form.
    WriteReport,
    /// Write the transcript in a format, to its usual place beside the session.
    Export(ExportFormat),
    /// Write the transcript in a format to a chosen file.
    ExportTo(ExportFormat, PathBuf),
    /// Compute the progress overview over the saved sessions.
    Progress,
    /// Open the dialog that keeps the named speakers' voices for a group (with consent).
    SaveVoices,
}

/// The review view's own state.
#[derive(Default)]
pub struct ReviewState {
    /// The selected line (utterance index).
    pub selected: Option<usize>,
    /// Where the playhead is drawn when nothing plays (s).
    pub cursor: f64,
    /// Scroll the transcript to this line in the next frame.
    scroll_to: Option<usize>,
    rows: widgets::RowHeights,
    /// Line whose text is being edited, with the draft.
    pub text_edit: Option<(usize, String)>,
    /// Speaker being renamed, with the draft name.
    pub rename: Option<(String, String)>,
    /// Focus (and scroll to) the rename field in the next frame.
    rename_focus: bool,
    /// What the last action did (file written, problem), shown under the toolbar.
    pub message: Option<(String, bool)>,
    pub pseudonymize: bool,
    /// Report path in the form (prefilled with the obvious place).
    pub report_path: String,
    /// Saved sessions for the progress view.
    pub sessions_root: Option<PathBuf>,
    pub progress: Option<ProgressView>,
    /// Timeline spans cached per (document revision, width).
    spans: Option<(u64, u32, Vec<Span>)>,
    /// The group store voices are saved into (`None`: no saving voices).
    pub groups: Option<crate::ui::groups::GroupVault>,
    /// Learns the voices from the recording.
    pub voice_learner: Option<crate::ui::groups::VoiceLearner>,
    /// The save dialog for the report's place (set by the app).
    pub picker: Option<crate::app::dialog::FilePicker>,
    report_choice: crate::ui::files::FileChoice,
    export_choice: crate::ui::files::FileChoice,
    /// The format of the export whose save dialog is open.
    export_format: Option<ExportFormat>,
    /// The "save voices for group" dialog, while it is open.
    pub voices: Option<crate::ui::groups::SaveVoices>,
    /// The document has a recording (checked once, when the review opens).
    pub has_recording: bool,
    /// The second pass while it runs ([`crate::ui::second_pass`]).
    pub pass_job: Option<crate::ui::second_pass::PassJob>,
    /// Why the last second pass failed.
    pub pass_error: Option<String>,
    /// The number of voices the user sets for running the second pass again (0: not chosen
    /// yet; the bar then starts from the voices the lines have).
    pub pass_voices: usize,
    /// The room check of the recording while it runs (its result goes to `doc.room`).
    pub room_job: Option<Receiver<Result<crate::audio::room::RoomCheck, String>>>,
    /// The speech model a second pass uses (the start screen's choice; `None`: the session's
    /// own, else the bundled one).
    pub model: Option<PathBuf>,
}

/// The progress overview (coaching over time): read and analysed in the background, then
/// shown.
pub enum ProgressView {
    /// The saved sessions are being decrypted and analysed ([`progress_job`]).
    Busy(Receiver<Result<ProgressRows, String>>),
    /// The overview arrived.
    Ready(ProgressRows),
    /// The job failed (one line).
    Failed(String),
}

impl ProgressView {
    /// Takes the job's result when it arrived (a vanished worker is a failure).
    fn poll(&mut self) {
        if let ProgressView::Busy(rx) = self {
            match rx.try_recv() {
                Ok(Ok(rows)) => *self = ProgressView::Ready(rows),
                Ok(Err(e)) => *self = ProgressView::Failed(e),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    *self = ProgressView::Failed("afgebroken / stopped".into())
                }
            }
        }
    }

    /// The overview, once it arrived.
    pub fn rows(&self) -> Option<&ProgressRows> {
        match self {
            ProgressView::Ready(r) => Some(r),
            _ => None,
        }
    }
}

/// The progress numbers of the saved sessions, with what could not be read and where the
/// HTML overview was written.
pub struct ProgressRows {
    pub rows: Vec<ProgressRow>,
    pub problems: Vec<String>,
    pub written: Option<PathBuf>,
}

/// Opens (decrypting where needed) and analyses every saved session under `root` with
/// `setup` on a background thread, writing `voortgang.html` beside them when there are any.
fn progress_job(
    root: PathBuf,
    setup: crate::analysis::setup::AnalysisSetup,
    lang: UiLang,
) -> Receiver<Result<ProgressRows, String>> {
    crate::app::core::in_background("observant-progress", move || {
        let dirs: Vec<PathBuf> = store::saved_sessions(&root)
            .into_iter()
            .map(|s| s.dir)
            .collect();
        let (rows, problems) = store::progress_rows_with(&dirs, &setup);
        let path = root.join("voortgang.html");
        let written = (!rows.is_empty())
            .then(|| {
                crate::session::write_atomic(
                    &path,
                    crate::report::progress::to_html(&rows, lang).as_bytes(),
                )
                .ok()
                .map(|_| path)
            })
            .flatten();
        Ok(ProgressRows {
            rows,
            problems,
            written,
        })
    })
}

/// A session in review: the document, the view state and the audio player (if any).
pub struct ReviewScreen {
    pub doc: ReviewDoc,
    pub state: ReviewState,
    pub player: Option<Box<dyn Player>>,
    /// Actions handled, newest last (tests read this).
    pub handled: Vec<ReviewAction>,
}

const LANE_H: f32 = 16.0;
const LANE_GAP: f32 = 4.0;
const NAME_W: f32 = 96.0;
const MARKS_H: f32 = 14.0;
const AXIS_H: f32 = 30.0;
const ESTIMATE: f32 = 44.0;
/// Step labels on the axis.
const ACCENT_SOFT: Color32 = Color32::from_rgb(0x8A, 0x7A, 0x5A);
const TIME_W: f32 = 60.0;
const SPEAKER_W: f32 = 118.0;

impl ReviewScreen {
    /// Writes the transcript as `f` to `path` and says so under the toolbar.
    fn export(&mut self, f: ExportFormat, path: &std::path::Path, lang: UiLang) {
        self.state.message = Some(
            match store::write_export(&self.doc, path, f, self.state.pseudonymize, lang) {
                Ok(()) => (
                    format!(
                        "{} {}",
                        lang.t("Transcript geschreven naar", "Transcript written to"),
                        path.display()
                    ),
                    false,
                ),
                Err(e) => (crate::error::one_line(&e), true),
            },
        );
    }

    /// "Kiezen…" beside the report's path: the desktop's save dialog, proposing that path.
    fn report_place(&mut self, ui: &mut Ui, lang: UiLang) {
        use crate::ui::files::Chosen;
        if let Some(picker) = self.state.picker.clone()
            && ui
                .add_enabled(
                    !self.state.report_choice.open(),
                    egui::Button::new(lang.t("Kiezen…", "Browse…")),
                )
                .on_hover_text(lang.t("Kies waar het rapport komt", "Choose where the report goes"))
                .clicked()
        {
            let path = PathBuf::from(self.state.report_path.trim());
            let filters = vec![
                crate::app::dialog::Filter::new("HTML", &["*.html"]),
                crate::app::dialog::Filter::new("Markdown", &["*.md"]),
            ];
            self.state.report_choice.ask(
                &picker,
                crate::app::dialog::Request::save(
                    lang.t("Rapport opslaan", "Save the report"),
                    &path,
                    filters,
                ),
            );
        }
        if self.state.report_choice.open() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        match self.state.report_choice.poll() {
            Some(Chosen::File(p)) => self.state.report_path = p.display().to_string(),
            Some(Chosen::Unavailable(e)) => self.state.message = Some((e, true)),
            Some(Chosen::Cancelled) | None => {}
        }
    }

    /// A review of `doc`; plays its audio through `player` when given.
    pub fn new(doc: ReviewDoc, player: Option<Box<dyn Player>>) -> ReviewScreen {
        let mut state = ReviewState {
            report_path: store::default_report_path(&doc, false)
                .display()
                .to_string(),
            ..Default::default()
        };
        state.selected = (!doc.analysis.utterances.is_empty()).then_some(0);
        state.has_recording =
            doc.audio.is_some() || doc.session.as_ref().is_some_and(|s| s.has_audio());
        state.room_job = crate::app::core::room_check_of(doc.session.clone(), doc.audio.clone());
        ReviewScreen {
            doc,
            state,
            player,
            handled: Vec::new(),
        }
    }

    /// A review of `doc` playing its recording through the default output device: the file,
    /// or a saved session's audio when it has no plain file (encrypted: decrypted as played).
    pub fn with_device_audio(doc: ReviewDoc) -> ReviewScreen {
        use crate::audio::playback::CpalPlayer;
        let player = match (&doc.audio, &doc.session) {
            (Some(p), _) => Some(CpalPlayer::new(p.clone())),
            (None, Some(s)) if s.has_audio() => Some(crate::session::playback::player(s.clone())),
            _ => None,
        }
        .map(|p| Box::new(p) as Box<dyn Player>);
        ReviewScreen::new(doc, player)
    }

    fn player_status(&self) -> Option<PlayerStatus> {
        self.player.as_ref().map(|p| p.status())
    }

    /// Carries out one action.
    pub fn apply(&mut self, a: ReviewAction, lang: UiLang) {
        match &a {
            ReviewAction::Edit(e) => {
                self.doc.edit(e.clone());
                self.state.spans = None;
                if let Some(err) = &self.doc.save_error {
                    self.state.message = Some((
                        format!(
                            "{} {err}",
                            lang.t("Correctie niet bewaard:", "Correction not saved:")
                        ),
                        true,
                    ));
                }
            }
            ReviewAction::Undo => {
                self.doc.undo();
                self.state.spans = None;
            }
            ReviewAction::Jump(t) => {
                let t = t.clamp(0.0, self.doc.duration());
                self.go_to(t);
                if let Some(p) = &mut self.player {
                    p.play_from(t);
                }
            }
            ReviewAction::SelectLine(i) => {
                if let Some(u) = self.doc.analysis.utterances.get(*i) {
                    let t = u.start;
                    self.state.selected = Some(*i);
                    self.state.cursor = t;
                    if let Some(p) = &mut self.player {
                        p.play_from(t);
                    }
                }
            }
            ReviewAction::Play => {
                let t = self
                    .player_status()
                    .map_or(self.state.cursor, |s| s.position);
                let t = if t >= self.doc.duration() { 0.0 } else { t };
                if let Some(p) = &mut self.player {
                    p.play_from(t);
                }
            }
            ReviewAction::Pause => {
                if let Some(p) = &mut self.player {
                    p.pause();
                }
            }
            ReviewAction::WriteReport => {
                let path = PathBuf::from(self.state.report_path.trim());
                self.state.message = Some(
                    match store::write_report(&self.doc, &path, self.state.pseudonymize, lang) {
                        Ok(()) => (
                            format!(
                                "{} {}",
                                lang.t("Rapport geschreven naar", "Report written to"),
                                path.display()
                            ),
                            false,
                        ),
                        Err(e) => (crate::error::one_line(&e), true),
                    },
                );
            }
            ReviewAction::Export(f) => {
                let path = store::default_export_path(&self.doc, *f, self.state.pseudonymize);
                self.export(*f, &path, lang);
            }
            ReviewAction::ExportTo(f, path) => self.export(*f, path, lang),
            ReviewAction::Progress => {
                let root = self
                    .state
                    .sessions_root
                    .clone()
                    .unwrap_or_else(crate::session::default_sessions_root);
                let setup = self.doc.setup().clone().with_ui(lang);
                self.state.progress = Some(ProgressView::Busy(progress_job(root, setup, lang)));
            }
            ReviewAction::SaveVoices => {
                use crate::ui::groups::{Recording, SaveVoices};
                if let (Some(vault), Some(learner), Some(recording)) = (
                    self.state.groups.clone(),
                    self.state.voice_learner.clone(),
                    Recording::of(&self.doc),
                ) {
                    let group = self.doc.session.as_ref().and_then(|s| s.meta.group.clone());
                    let source = self
                        .doc
                        .origin
                        .path()
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    self.state.voices = Some(SaveVoices::new(
                        vault,
                        learner,
                        recording,
                        self.doc.transcript.clone(),
                        source,
                        group,
                    ));
                }
            }
        }
        self.handled.push(a);
    }

    /// At the end of a live session for a group: opens the "save voices" dialog for that
    /// group, so the members who consented before get this session's voice and a guest
    /// named during it is offered as a new member. Nothing when the session had no group or
    /// named nobody.
    pub fn offer_group_voices(&mut self, lang: UiLang) {
        let has_group = self
            .doc
            .session
            .as_ref()
            .is_some_and(|s| s.meta.group.is_some());
        if !has_group || crate::ui::groups::named_speakers(&self.doc.transcript).is_empty() {
            return;
        }
        self.apply(ReviewAction::SaveVoices, lang);
        if let Some(v) = self.state.voices.take() {
            self.state.voices = Some(v.for_session_end());
        }
    }

    /// Selects the line at `t` and scrolls to it.
    fn go_to(&mut self, t: f64) {
        self.state.cursor = t;
        let line = timeline::line_at(&self.doc.analysis.utterances, t);
        self.state.selected = line;
        self.state.scroll_to = line;
    }

    /// Draws the review and carries out what was asked.
    pub fn show(&mut self, ui: &mut Ui, lang: UiLang) {
        let status = self.player_status();
        // The transcript follows the playhead.
        if let Some(s) = &status
            && s.playing
        {
            let line = timeline::line_at(&self.doc.analysis.utterances, s.position);
            if line != self.state.selected {
                self.state.selected = line;
                self.state.scroll_to = line;
            }
            self.state.cursor = s.position;
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
        let mut actions = Vec::new();
        self.toolbar(ui, lang, status.as_ref(), &mut actions);
        self.second_pass_bar(ui, lang);
        self.timeline_panel(ui, lang, &mut actions);
        self.side_panel(ui, lang, &mut actions);
        self.transcript(ui, lang, &mut actions);
        if self.state.progress.is_some() {
            self.progress_window(ui, lang);
        }
        if let Some(v) = &mut self.state.voices {
            v.show(ui.ctx(), lang);
            if !v.open {
                self.state.voices = None;
            }
        }
        for a in actions {
            self.apply(a, lang);
        }
    }

    fn toolbar(
        &mut self,
        ui: &mut Ui,
        lang: UiLang,
        status: Option<&PlayerStatus>,
        actions: &mut Vec<ReviewAction>,
    ) {
        egui::Panel::top("review_bar")
            .frame(
                egui::Frame::new()
                    .fill(theme::BG)
                    .inner_margin(egui::Margin::symmetric(14, 8)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    match status {
                        Some(s) if s.problem.is_none() => {
                            let (text, act) = if s.playing {
                                (lang.t("Pauze", "Pause"), ReviewAction::Pause)
                            } else {
                                (lang.t("Afspelen", "Play"), ReviewAction::Play)
                            };
                            if ui.button(text).clicked() {
                                actions.push(act);
                            }
                        }
                        _ => {}
                    }
                    let pos = status.map_or(self.state.cursor, |s| {
                        if s.playing {
                            s.position
                        } else {
                            self.state.cursor
                        }
                    });
                    ui.label(
                        RichText::new(format!(
                            "{} / {}",
                            theme::clock(pos),
                            theme::clock(self.doc.duration())
                        ))
                        .monospace()
                        .color(theme::TEXT),
                    );
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        self.toolbar_actions(ui, lang, actions);
                    });
                });
                ui.horizontal(|ui| {
                    let audio_note = match status {
                        None => Some(lang.t(
                            "Geen opname bij deze sessie: klikken springt in het transcript.",
                            "No recording with this session: clicking jumps in the transcript.",
                        )),
                        Some(s) if s.problem.is_some() => Some(lang.t(
                            "Geen geluidsuitvoer: klikken springt in het transcript.",
                            "No audio output: clicking jumps in the transcript.",
                        )),
                        Some(_) => None,
                    };
                    if let Some(n) = audio_note {
                        let r = ui.label(RichText::new(n).small().color(theme::MUTED));
                        if let Some(p) = status.and_then(|s| s.problem.clone()) {
                            r.on_hover_text(p);
                        }
                    }
                    ui.add_space(16.0);
                    if let Some((m, bad)) = &self.state.message {
                        ui.label(RichText::new(m).small().color(if *bad {
                            theme::RED
                        } else {
                            theme::OK
                        }));
                    }
                });
            });
    }

    /// The toolbar's right side: export, report (with pseudonyms and its path), undo, saving
    /// voices for a group, progress.
    fn toolbar_actions(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        ui.menu_button(lang.t("Exporteren", "Export"), |ui| {
            for (f, label) in [
                (ExportFormat::Vtt, "WebVTT (.vtt)"),
                (ExportFormat::Srt, "SRT (.srt)"),
                (ExportFormat::Json, "JSON (.json)"),
            ] {
                if ui.button(label).clicked() {
                    match self.state.picker.clone() {
                        // The desktop's save dialog, proposing the usual place.
                        Some(picker) => {
                            let path =
                                store::default_export_path(&self.doc, f, self.state.pseudonymize);
                            let ext = path
                                .extension()
                                .map(|e| format!("*.{}", e.to_string_lossy()))
                                .unwrap_or_else(|| "*".into());
                            self.state.export_choice.ask(
                                &picker,
                                crate::app::dialog::Request::save(
                                    lang.t("Transcript exporteren", "Export the transcript"),
                                    &path,
                                    vec![crate::app::dialog::Filter::new(label, &[&ext])],
                                ),
                            );
                            self.state.export_format = Some(f);
                        }
                        None => actions.push(ReviewAction::Export(f)),
                    }
                    ui.close();
                }
            }
        });
        if let Some(f) = self.state.export_format {
            use crate::ui::files::Chosen;
            match self.state.export_choice.poll() {
                Some(Chosen::File(p)) => actions.push(ReviewAction::ExportTo(f, p)),
                // No dialog here: the usual place, named in the message.
                Some(Chosen::Unavailable(_)) => actions.push(ReviewAction::Export(f)),
                Some(Chosen::Cancelled) | None => {}
            }
            if self.state.export_choice.open() {
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            } else {
                self.state.export_format = None;
            }
        }
        if ui
            .add(
                egui::Button::new(RichText::new(lang.t("Rapport", "Report")).color(Color32::WHITE))
                    .fill(theme::ACCENT),
            )
            .on_hover_text(lang.t(
                "Schrijft het procesevaluatierapport (HTML) naar het pad hiernaast",
                "Writes the process-evaluation report (HTML) to the path beside it",
            ))
            .clicked()
        {
            actions.push(ReviewAction::WriteReport);
        }
        let before = self.state.pseudonymize;
        ui.checkbox(
            &mut self.state.pseudonymize,
            lang.t("pseudoniemen", "pseudonymise"),
        )
        .on_hover_text(lang.t(
            "Namen vervangen door rollen/letters in rapport en export",
            "Replace names by roles/letters in report and export",
        ));
        if before != self.state.pseudonymize {
            let old = store::default_report_path(&self.doc, before);
            if old == std::path::Path::new(self.state.report_path.trim()) {
                self.state.report_path =
                    store::default_report_path(&self.doc, self.state.pseudonymize)
                        .display()
                        .to_string();
            }
        }
        let label = ui.label(lang.t("naar", "to")).id;
        ui.add(egui::TextEdit::singleline(&mut self.state.report_path).desired_width(200.0))
            .labelled_by(label);
        self.report_place(ui, lang);
        if ui
            .add_enabled(
                !self.doc.edits.is_empty(),
                egui::Button::new(lang.t("Ongedaan maken", "Undo")),
            )
            .clicked()
        {
            actions.push(ReviewAction::Undo);
        }
        let named = self
            .doc
            .lanes
            .iter()
            .any(|n| !crate::groups::is_anonymous_label(n));
        let can_save = self.state.groups.is_some()
            && self.state.has_recording
            && named
            && self.state.voices.is_none();
        if ui
            .add_enabled(
                can_save,
                egui::Button::new(lang.t(
                    "Stemmen bewaren voor groep…",
                    "Save voices for group…",
                )),
            )
            .on_hover_text(lang.t(
                "Bewaar met toestemming een stemprofiel van de sprekers met een naam, zodat de groep een volgende keer meteen herkend wordt",
                "With consent, keep a voice profile of the named speakers, so the group is recognised at once next time",
            ))
            .on_disabled_hover_text(lang.t(
                "Kan alleen bij een sessie met opname en sprekers met een naam",
                "Only for a session with a recording and named speakers",
            ))
            .clicked()
        {
            actions.push(ReviewAction::SaveVoices);
        }
        if ui
            .button(lang.t("Voortgang", "Progress"))
            .on_hover_text(lang.t(
                "Bewaarde sessies naast elkaar (coaching over tijd)",
                "Saved sessions side by side (coaching over time)",
            ))
            .clicked()
        {
            actions.push(ReviewAction::Progress);
        }
    }

    fn timeline_panel(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        let lanes = self.doc.lanes.len().max(1) as f32;
        let height = MARKS_H + lanes * (LANE_H + LANE_GAP) + AXIS_H + 6.0;
        egui::Panel::top("review_timeline")
            .frame(
                egui::Frame::new()
                    .fill(theme::CARD)
                    .inner_margin(egui::Margin::symmetric(14, 8))
                    .stroke(Stroke::new(1.0, theme::LINE)),
            )
            .show(ui, |ui| {
                let width = ui.available_width();
                let (rect, resp) =
                    ui.allocate_exact_size(vec2(width, height), Sense::click_and_drag());
                let label = lang.t("Tijdlijn", "Timeline").to_string();
                resp.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, &label)
                });
                let scale = Scale::new(
                    self.doc.duration(),
                    rect.left() + NAME_W,
                    rect.width() - NAME_W,
                );
                self.draw_timeline(ui, rect, &scale, lang);
                if (resp.clicked() || resp.dragged())
                    && let Some(p) = resp.interact_pointer_pos()
                {
                    let flags: Vec<&Flag> = self.doc.analysis.flags.iter().collect();
                    let on_marks = p.y < rect.top() + MARKS_H + 2.0;
                    let t = match on_marks
                        .then(|| timeline::flag_near(&flags, &scale, p.x, 5.0))
                        .flatten()
                    {
                        Some(i) => flags[i].start,
                        None => scale.t_of(p.x),
                    };
                    if resp.clicked()
                        || (t - self.state.cursor).abs() > scale.seconds_per_px() * 4.0
                    {
                        actions.push(ReviewAction::Jump(t));
                    }
                }
                if let Some(p) = resp.hover_pos()
                    && p.x >= scale.left
                {
                    resp.on_hover_text(theme::clock(scale.t_of(p.x)));
                }
            });
    }

    fn draw_timeline(&mut self, ui: &Ui, rect: Rect, scale: &Scale, lang: UiLang) {
        let painter = ui.painter_at(rect);
        let lanes_top = rect.top() + MARKS_H;
        let lanes_bottom = lanes_top + self.doc.lanes.len() as f32 * (LANE_H + LANE_GAP);
        // Method steps, shaded alternately and numbered.
        for (k, (step, s, e)) in
            timeline::step_bands(&self.doc.transcript.steps, self.doc.duration())
                .into_iter()
                .enumerate()
        {
            let band = Rect::from_min_max(
                pos2(scale.x_of(s), lanes_top),
                pos2(scale.x_of(e), lanes_bottom),
            );
            let fill = if k % 2 == 0 {
                Color32::from_rgb(0xEF, 0xEC, 0xE4)
            } else {
                Color32::from_rgb(0xF7, 0xF5, 0xF0)
            };
            painter.rect_filled(band, 0, fill);
            painter.line_segment(
                [
                    pos2(band.left(), lanes_bottom),
                    pos2(band.left(), lanes_bottom + AXIS_H),
                ],
                Stroke::new(1.0, theme::LINE),
            );
            if band.width() > 28.0 {
                painter.text(
                    pos2(band.left() + 3.0, lanes_bottom + 23.0),
                    egui::Align2::LEFT_CENTER,
                    format!("{} {step}", lang.t("stap", "step")),
                    egui::FontId::proportional(10.5),
                    ACCENT_SOFT,
                );
            }
        }
        // Lanes: names and merged speech spans.
        let key = (self.doc.revision, scale.width as u32);
        if self
            .state
            .spans
            .as_ref()
            .is_none_or(|(r, w, _)| (*r, *w) != key)
        {
            let lanes = &self.doc.lanes;
            let spans = timeline::spans(
                &self.doc.analysis.utterances,
                |s| lanes.iter().position(|l| l == s),
                scale.seconds_per_px(),
            );
            self.state.spans = Some((key.0, key.1, spans));
        }
        for (i, name) in self.doc.lanes.iter().enumerate() {
            let y = lanes_top + i as f32 * (LANE_H + LANE_GAP);
            let c = theme::speaker_color(i);
            painter.text(
                pos2(rect.left(), y + LANE_H / 2.0),
                egui::Align2::LEFT_CENTER,
                short(name, 13),
                egui::FontId::proportional(12.0),
                c,
            );
            painter.line_segment(
                [
                    pos2(scale.left, y + LANE_H / 2.0),
                    pos2(scale.left + scale.width, y + LANE_H / 2.0),
                ],
                Stroke::new(1.0, theme::LINE),
            );
        }
        if let Some((_, _, spans)) = &self.state.spans {
            for s in spans {
                let y = lanes_top + s.lane as f32 * (LANE_H + LANE_GAP);
                let x0 = scale.x_of(s.start);
                let x1 = scale.x_of(s.end).max(x0 + 1.0);
                painter.rect_filled(
                    Rect::from_min_max(pos2(x0, y + 2.0), pos2(x1, y + LANE_H - 2.0)),
                    1,
                    theme::speaker_color(s.lane),
                );
            }
        }
        // Flag markers: filled when kept, hollow grey when marked wrong.
        for f in &self.doc.analysis.flags {
            let x = scale.x_of(f.start);
            let wrong = self.doc.verdict(f) == Some(false);
            let c = if wrong {
                theme::LINE
            } else {
                theme::flag_color(f.kind)
            };
            let top = rect.top() + 2.0;
            let tri = vec![
                pos2(x - 4.0, top),
                pos2(x + 4.0, top),
                pos2(x, top + MARKS_H - 4.0),
            ];
            painter.add(egui::Shape::convex_polygon(tri, c, Stroke::NONE));
        }
        // Selected line and playhead.
        if let Some(u) = self
            .state
            .selected
            .and_then(|i| self.doc.analysis.utterances.get(i))
        {
            let r = Rect::from_min_max(
                pos2(scale.x_of(u.start), lanes_top),
                pos2(
                    scale.x_of(u.end).max(scale.x_of(u.start) + 2.0),
                    lanes_bottom,
                ),
            );
            painter.rect_stroke(
                r,
                1,
                Stroke::new(1.0, theme::ACCENT),
                egui::StrokeKind::Outside,
            );
        }
        let x = scale.x_of(self.state.cursor);
        painter.line_segment(
            [pos2(x, rect.top()), pos2(x, lanes_bottom)],
            Stroke::new(1.5, theme::RED),
        );
        // Time axis.
        let step = timeline::tick_step(scale, 70.0);
        let mut t = 0.0;
        while t <= scale.duration {
            let x = scale.x_of(t);
            painter.line_segment(
                [pos2(x, lanes_bottom), pos2(x, lanes_bottom + 4.0)],
                Stroke::new(1.0, theme::MUTED),
            );
            painter.text(
                pos2(x + 2.0, lanes_bottom + 9.0),
                egui::Align2::LEFT_CENTER,
                theme::clock(t),
                egui::FontId::proportional(10.5),
                theme::MUTED,
            );
            t += step;
        }
    }

    fn side_panel(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        widgets::side_panel(
            ui,
            "review_side",
            "review_side_scroll",
            360.0,
            280.0..=520.0,
            |ui| {
                self.flags(ui, lang, actions);
                self.speakers(ui, lang, actions);
                self.room(ui, lang);
                if !self.doc.notes.is_empty() {
                    section(ui, lang.t("Notities observant", "Observer's notes"));
                    for n in &self.doc.notes {
                        ui.horizontal_wrapped(|ui| {
                            if ui
                                .link(RichText::new(theme::clock(n.t)).monospace())
                                .clicked()
                            {
                                actions.push(ReviewAction::Jump(n.t));
                            }
                            ui.label(RichText::new(&n.text).italics());
                        });
                    }
                }
            },
        );
    }

    /// The room check of the recording: what the microphone heard, and that recognition may
    /// have missed words and flags when the room was the problem.
    fn room(&mut self, ui: &mut Ui, lang: UiLang) {
        if let Some(rx) = &self.state.room_job {
            match rx.try_recv() {
                Ok(result) => {
                    self.doc.room = result.ok().and_then(|c| c.overall);
                    self.state.room_job = None;
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => self.state.room_job = None,
                Err(crossbeam_channel::TryRecvError::Empty) => {
                    ui.ctx().request_repaint_after(Duration::from_millis(200));
                }
            }
        }
        let Some(estimate) = &self.doc.room else {
            return;
        };
        section(ui, lang.t("Ruimte (opname)", "Room (recording)"));
        let problems = estimate.problems();
        crate::ui::room::room_check(ui, estimate, &problems, lang);
        if problems
            .iter()
            .any(|p| *p != crate::room::RoomProblem::NoSpeech)
        {
            ui.label(
                RichText::new(lang.t(
                    "In deze opname kan de spraakherkenning woorden, sprekers en signalen \
                     gemist hebben: controleer twijfelgevallen.",
                    "In this recording, speech recognition may have missed words, speakers \
                     and flags: check doubtful cases.",
                ))
                .small()
                .color(theme::MUTED),
            );
        }
    }

    fn speakers(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        section(ui, lang.t("Sprekers", "Speakers"));
        ui.label(
            RichText::new(lang.t(
                "Hernoem een spreker of voeg twee labels samen die dezelfde persoon zijn.",
                "Rename a speaker or merge two labels that are the same person.",
            ))
            .size(11.5)
            .color(theme::MUTED),
        );
        let lanes = self.doc.lanes.clone();
        for (i, name) in lanes.iter().enumerate() {
            let c = theme::speaker_color(i);
            let stats = self.doc.stats_of(name).cloned().unwrap_or_default();
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.label(RichText::new(name).strong().color(c));
                if let Some(r) = self.doc.role_of(name) {
                    ui.label(
                        RichText::new(theme::role_label(r, lang))
                            .size(11.5)
                            .color(theme::MUTED),
                    );
                }
                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                    ui.menu_button(
                        RichText::new(lang.t("samenvoegen", "merge")).size(12.0),
                        |ui| {
                            ui.label(
                                RichText::new(match lang {
                                    UiLang::Nl => format!("{name} is eigenlijk:"),
                                    UiLang::En => format!("{name} is actually:"),
                                })
                                .small()
                                .color(theme::MUTED),
                            );
                            for (j, other) in lanes.iter().enumerate() {
                                if other == name {
                                    continue;
                                }
                                let text = format!("= {other}");
                                if ui
                                    .button(RichText::new(text).color(theme::speaker_color(j)))
                                    .clicked()
                                {
                                    actions.push(ReviewAction::Edit(Edit::MergeSpeakers {
                                        from: name.clone(),
                                        into: other.clone(),
                                    }));
                                    ui.close();
                                }
                            }
                        },
                    )
                    .response
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::accesskit::Role::Button,
                            true,
                            format!("{} {name}", lang.t("Samenvoegen", "Merge")),
                        )
                    });
                    let rename = ui
                        .button(RichText::new(lang.t("hernoemen", "rename")).size(12.0))
                        .on_hover_text(lang.t("Andere naam geven", "Give another name"));
                    rename.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::accesskit::Role::Button,
                            true,
                            format!("{} {name}", lang.t("Hernoemen", "Rename")),
                        )
                    });
                    if rename.clicked() {
                        self.state.rename = Some((name.clone(), String::new()));
                        self.state.rename_focus = true;
                    }
                });
            });
            if let Some((from, draft)) = &mut self.state.rename
                && from == name
            {
                let mut done = false;
                let mut cancel = false;
                ui.horizontal(|ui| {
                    let label = ui
                        .label(RichText::new(lang.t("Nieuwe naam", "New name")).small())
                        .id;
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(draft)
                                .hint_text(name.as_str())
                                .desired_width(140.0),
                        )
                        .labelled_by(label);
                    if std::mem::take(&mut self.state.rename_focus) {
                        edit.request_focus();
                        edit.scroll_to_me(Some(Align::Center));
                    }
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.small_button(lang.t("Opslaan", "Save")).clicked() || enter {
                        done = true;
                    }
                    if ui.small_button(lang.t("Annuleren", "Cancel")).clicked() {
                        cancel = true;
                    }
                });
                if done {
                    match crate::review::edits::check_new_name(&lanes, from, draft) {
                        Ok(to) => {
                            actions.push(ReviewAction::Edit(Edit::RenameSpeaker {
                                from: from.clone(),
                                to,
                            }));
                            cancel = true;
                        }
                        Err(m) => self.state.message = Some((m, true)),
                    }
                }
                if cancel {
                    self.state.rename = None;
                }
            }
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!(
                        "{:.0}% · {} · {} {} · {} {}",
                        stats.share * 100.0,
                        theme::clock(stats.talk_seconds),
                        stats.questions,
                        lang.t("vragen", "questions"),
                        stats.why_questions,
                        lang.t("waarom", "why"),
                    ))
                    .size(12.0)
                    .color(theme::MUTED),
                );
            });
            bar(ui, stats.share as f32, c, 6.0);
        }
    }

    fn flags(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        section(ui, lang.t("Signalen", "Flags"));
        let counts = self.doc.flag_counts();
        if counts.is_empty() {
            ui.label(RichText::new(lang.t("Geen signalen.", "No flags.")).color(theme::MUTED));
        } else {
            ui.horizontal_wrapped(|ui| {
                for (k, n) in &counts {
                    theme::chip(
                        ui,
                        &format!("{} {n}", theme::flag_chip(*k, lang)),
                        theme::flag_color(*k),
                    );
                }
            });
        }
        let excluded = self.doc.excluded_flags();
        if excluded > 0 {
            ui.label(
                RichText::new(match lang {
                    UiLang::Nl => format!("{excluded} als onjuist gemarkeerd (niet meegeteld)"),
                    UiLang::En => format!("{excluded} marked wrong (not counted)"),
                })
                .size(12.0)
                .color(theme::MUTED),
            );
        }
        ui.add_space(4.0);
        let flags: Vec<Flag> = self.doc.analysis.flags.clone();
        let row_h = 24.0;
        egui::ScrollArea::vertical()
            .id_salt("review_flags")
            .max_height(240.0)
            .auto_shrink([false, true])
            .show_rows(ui, row_h, flags.len(), |ui, range| {
                for f in &flags[range] {
                    let verdict = self.doc.verdict(f);
                    ui.horizontal(|ui| {
                        ui.set_height(row_h - 4.0);
                        if ui
                            .link(RichText::new(theme::clock(f.start)).monospace().size(12.0))
                            .clicked()
                        {
                            actions.push(ReviewAction::Jump(f.start));
                        }
                        let (label, mut color) = theme::flag_chip_of(f, lang);
                        if verdict == Some(false) {
                            color = theme::MUTED;
                        }
                        theme::chip(ui, &label, color).on_hover_text(if f.uncertain {
                            format!("{}\n{}", f.message, theme::uncertain_note(lang))
                        } else {
                            f.message.clone()
                        });
                        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                            let when = theme::clock(f.start);
                            let kind = theme::flag_chip(f.kind, lang);
                            let wrong = ui
                                .add(
                                    egui::Button::new(
                                        RichText::new(lang.t("onjuist", "wrong"))
                                            .size(12.0)
                                            .color(theme::RED),
                                    )
                                    .selected(verdict == Some(false))
                                    .small(),
                                )
                                .on_hover_text(lang.t("Onjuist signaal", "Wrong flag"));
                            wrong.widget_info(|| {
                                egui::WidgetInfo::labeled(
                                    egui::accesskit::Role::Button,
                                    true,
                                    format!("{} {kind} {when}", lang.t("Onjuist", "Wrong")),
                                )
                            });
                            let right = ui
                                .add(
                                    egui::Button::new(
                                        RichText::new(lang.t("klopt", "right"))
                                            .size(12.0)
                                            .color(theme::OK),
                                    )
                                    .selected(verdict == Some(true))
                                    .small(),
                                )
                                .on_hover_text(lang.t("Terecht signaal", "Right flag"));
                            right.widget_info(|| {
                                egui::WidgetInfo::labeled(
                                    egui::accesskit::Role::Button,
                                    true,
                                    format!("{} {kind} {when}", lang.t("Terecht", "Right")),
                                )
                            });
                            let toggle = |want: bool| Edit::Verdict {
                                kind: f.kind,
                                start: f.start,
                                correct: (verdict != Some(want)).then_some(want),
                            };
                            if wrong.clicked() {
                                actions.push(ReviewAction::Edit(toggle(false)));
                            }
                            if right.clicked() {
                                actions.push(ReviewAction::Edit(toggle(true)));
                            }
                            let who = f.speaker.as_deref().or(f.target.as_deref()).unwrap_or("");
                            ui.add(
                                egui::Label::new(RichText::new(who).size(12.0).color(theme::MUTED))
                                    .truncate(),
                            );
                        });
                    });
                }
            });
    }

    fn transcript(&mut self, ui: &mut Ui, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        widgets::transcript_panel(ui, |ui| {
            let n = self.doc.analysis.utterances.len();
            if n == 0 {
                ui.label(
                    RichText::new(lang.t(
                        "Deze sessie heeft geen uitspraken.",
                        "This session has no utterances.",
                    ))
                    .color(theme::MUTED),
                );
                return;
            }
            self.state.rows.fit(n, ESTIMATE);
            let mut area = egui::ScrollArea::vertical()
                .id_salt("review_transcript")
                .auto_shrink([false, false]);
            if let Some(i) = self.state.scroll_to.take() {
                let top = self.state.rows.top_of(i);
                area = area.vertical_scroll_offset((top - 60.0).max(0.0));
            }
            // Taken out while rows are drawn: drawing a row borrows the whole screen.
            let mut rows = std::mem::take(&mut self.state.rows);
            area.show_viewport(ui, |ui, viewport| {
                rows.show(ui, viewport, ESTIMATE, "review_row", |ui, i| {
                    self.row(ui, i, lang, actions)
                });
            });
            self.state.rows = rows;
        });
    }

    fn row(&mut self, ui: &mut Ui, index: usize, lang: UiLang, actions: &mut Vec<ReviewAction>) {
        let Some(u) = self.doc.analysis.utterances.get(index).cloned() else {
            return;
        };
        let lane = self.doc.lane_of(&u.speaker).unwrap_or(self.doc.lanes.len());
        let color = theme::speaker_color(lane);
        let selected = self.state.selected == Some(index);
        let top = ui.cursor().min;
        let fill = if selected {
            Color32::from_rgb(0xE4, 0xEB, 0xEE)
        } else {
            Color32::TRANSPARENT
        };
        egui::Frame::new()
            .fill(fill)
            .corner_radius(4)
            .inner_margin(egui::Margin::symmetric(0, 2))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_top(|ui| {
                    ui.add_space(8.0);
                    let time = theme::clock(u.start);
                    let t = ui
                        .add_sized(
                            [TIME_W, 20.0],
                            egui::Button::new(
                                RichText::new(&time)
                                    .monospace()
                                    .size(12.5)
                                    .color(theme::MUTED),
                            )
                            .frame(false),
                        )
                        .on_hover_text(lang.t("Hier beluisteren", "Listen from here"));
                    if t.clicked() {
                        actions.push(ReviewAction::SelectLine(index));
                    }
                    ui.allocate_ui_with_layout(
                        vec2(SPEAKER_W, 20.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.set_width(SPEAKER_W);
                            ui.menu_button(RichText::new(&u.speaker).strong().color(color), |ui| {
                                ui.label(
                                    RichText::new(lang.t("Wie sprak hier?", "Who spoke here?"))
                                        .small()
                                        .color(theme::MUTED),
                                );
                                for (j, name) in self.doc.lanes.iter().enumerate() {
                                    if *name == u.speaker {
                                        continue;
                                    }
                                    let text = match self.doc.role_of(name) {
                                        Some(r) => {
                                            format!("{name} ({})", theme::role_label(r, lang))
                                        }
                                        None => name.clone(),
                                    };
                                    if ui
                                        .button(RichText::new(text).color(theme::speaker_color(j)))
                                        .clicked()
                                    {
                                        actions.push(ReviewAction::Edit(Edit::SetSpeaker {
                                            index,
                                            speaker: name.clone(),
                                        }));
                                        ui.close();
                                    }
                                }
                            });
                        },
                    );
                    let text_w = (ui.available_width() - 70.0).max(120.0);
                    ui.allocate_ui_with_layout(
                        vec2(text_w, 20.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.set_width(text_w);
                            ui.add_space(3.0);
                            self.line_text(
                                ui,
                                index,
                                (&u.text, u.heard_uncertainly()),
                                lang,
                                actions,
                            );
                            self.chips(ui, index, &u, lang);
                        },
                    );
                    if self.state.text_edit.is_none()
                        && ui
                            .small_button(lang.t("wijzig", "edit"))
                            .on_hover_text(lang.t("Tekst verbeteren", "Fix the text"))
                            .clicked()
                    {
                        self.state.text_edit = Some((index, u.text.clone()));
                    }
                });
            });
        let bottom = ui.min_rect().bottom();
        let stripe = Rect::from_min_max(pos2(top.x, top.y + 2.0), pos2(top.x + 3.0, bottom));
        ui.painter().rect_filled(stripe, 1, color);
    }

    fn line_text(
        &mut self,
        ui: &mut Ui,
        index: usize,
        (text, uncertain): (&str, Option<f32>),
        lang: UiLang,
        actions: &mut Vec<ReviewAction>,
    ) {
        let Some((i, draft)) = &mut self.state.text_edit else {
            crate::ui::widgets::line_text(ui, text, uncertain, lang);
            return;
        };
        if *i != index {
            crate::ui::widgets::line_text(ui, text, uncertain, lang);
            return;
        }
        let label = ui
            .label(
                RichText::new(lang.t("Tekst", "Text"))
                    .small()
                    .color(theme::MUTED),
            )
            .id;
        ui.add(
            egui::TextEdit::multiline(draft)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label);
        let mut close = false;
        ui.horizontal(|ui| {
            if ui.small_button(lang.t("Opslaan", "Save")).clicked() {
                if draft.trim() != text.trim() {
                    actions.push(ReviewAction::Edit(Edit::EditText {
                        index,
                        text: draft.trim().to_string(),
                    }));
                }
                close = true;
            }
            if ui.small_button(lang.t("Annuleren", "Cancel")).clicked() {
                close = true;
            }
        });
        if close {
            self.state.text_edit = None;
        }
    }

    fn chips(
        &self,
        ui: &mut Ui,
        index: usize,
        u: &crate::analysis::AnalyzedUtterance,
        lang: UiLang,
    ) {
        let flags: Vec<&Flag> = self
            .doc
            .analysis
            .flags
            .iter()
            .filter(|f| f.utterances.contains(&index))
            .collect();
        let tag = match u.question {
            QuestionType::Open => Some(lang.t("open vraag", "open question")),
            QuestionType::Closed => Some(lang.t("gesloten vraag", "closed question")),
            QuestionType::None => None,
        };
        if flags.is_empty() && tag.is_none() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 5.0;
            let mut seen = Vec::new();
            for f in flags {
                if seen.contains(&f.kind) {
                    continue;
                }
                seen.push(f.kind);
                let wrong = self.doc.verdict(f) == Some(false);
                let (label, mut color) = theme::flag_chip_of(f, lang);
                if wrong {
                    color = theme::MUTED;
                }
                theme::chip(ui, &label, color).on_hover_ui(|ui| {
                    ui.label(&f.message);
                    if f.uncertain {
                        ui.label(
                            RichText::new(theme::uncertain_note(lang))
                                .small()
                                .color(theme::MUTED),
                        );
                    }
                    if wrong {
                        ui.label(
                            RichText::new(lang.t("als onjuist gemarkeerd", "marked wrong"))
                                .small()
                                .color(theme::MUTED),
                        );
                    }
                });
            }
            if let Some(tag) = tag {
                ui.label(RichText::new(tag).size(12.0).color(theme::MUTED));
            }
        });
    }

    fn progress_window(&mut self, ui: &mut Ui, lang: UiLang) {
        let mut open = true;
        egui::Window::new(lang.t("Voortgang over sessies", "Progress over sessions"))
            .open(&mut open)
            .default_width(720.0)
            .collapsible(false)
            .show(ui.ctx(), |ui| {
                let Some(view) = &mut self.state.progress else {
                    return;
                };
                view.poll();
                let p = match view {
                    ProgressView::Busy(_) => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(lang.t(
                                "Bezig met sessies lezen en analyseren…",
                                "Reading and analysing sessions…",
                            ));
                        });
                        ui.ctx().request_repaint_after(Duration::from_millis(50));
                        return;
                    }
                    ProgressView::Failed(e) => {
                        ui.label(RichText::new(e.as_str()).color(theme::RED));
                        return;
                    }
                    ProgressView::Ready(p) => p,
                };
                if p.rows.is_empty() {
                    ui.label(lang.t(
                        "Nog geen bewaarde sessies gevonden.",
                        "No saved sessions found yet.",
                    ));
                }
                egui::Grid::new("progress_grid")
                    .striped(true)
                    .num_columns(7)
                    .show(ui, |ui| {
                        for h in [
                            lang.t("sessie", "session"),
                            lang.t("datum", "date"),
                            lang.t("duur", "duration"),
                            lang.t("waarom", "why"),
                            lang.t("advies", "advice"),
                            lang.t("open vragen", "open questions"),
                            lang.t("facilitator", "facilitator"),
                        ] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for r in &p.rows {
                            ui.label(short(&r.label, 28));
                            ui.label(
                                r.date_unix
                                    .map(|d| crate::report::fmt_date(d, lang))
                                    .unwrap_or_else(|| "-".into()),
                            );
                            ui.label(theme::clock(r.duration_seconds));
                            ui.label(r.why_questions.to_string());
                            ui.label(r.advice.to_string());
                            ui.label(r.open_ratio.map_or("-".into(), crate::report::pct));
                            ui.label(r.facilitator_share.map_or("-".into(), crate::report::pct));
                            ui.end_row();
                        }
                    });
                for m in &p.problems {
                    ui.label(RichText::new(m).small().color(theme::RED));
                }
                if let Some(w) = &p.written {
                    ui.label(
                        RichText::new(format!(
                            "{} {}",
                            lang.t("Met grafieken geschreven naar", "Written with charts to"),
                            w.display()
                        ))
                        .small()
                        .color(theme::MUTED),
                    );
                }
            });
        if !open {
            self.state.progress = None;
        }
    }
}
