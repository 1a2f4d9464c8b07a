//! The start screen: set up a new session (group, participants and roles, method, language,
//! model, input device with a level meter, consent) or open a recording, transcript or saved
//! session. The group section is [`crate::ui::groups::GroupPanel`].

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError};
use egui::{Align, Color32, Layout, RichText, Ui};

use crate::analysis::{Lang, LangHint};
use crate::app::core::MethodInfo;
use crate::i18n::UiLang;
use crate::pipeline::LiveConfig;
use crate::transcript::{Participant, Role};
use crate::ui::devices::DeviceProbe;
use crate::ui::groups::{GroupEvent, GroupPanel, GroupVault};
use crate::ui::theme;
use crate::ui::widgets::short;

/// What is known about the chosen speech model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// Its first check is still running.
    Checking,
    /// It looks usable.
    Usable,
    /// Why it cannot be used (one line).
    Problem(String),
}

/// The check of one model path on a background thread ([`crate::app::core::model_problem`]),
/// with the last answer for that path.
struct ModelCheck {
    path: String,
    /// When the running (or last) check started.
    at: std::time::Instant,
    known: ModelState,
    job: Option<Receiver<Result<Option<String>, String>>>,
}

impl ModelCheck {
    /// Starts checking `path` (nothing known yet).
    fn start(path: String) -> ModelCheck {
        let p = path.clone();
        let job = crate::app::core::in_background("observant-model-check", move || {
            Ok(crate::app::core::model_problem(&p))
        });
        ModelCheck {
            path,
            at: std::time::Instant::now(),
            known: ModelState::Checking,
            job: Some(job),
        }
    }

    /// Takes the check's answer when it arrived.
    fn poll(&mut self) {
        let Some(rx) = &self.job else {
            return;
        };
        let answer = match rx.try_recv() {
            Ok(Ok(None)) => ModelState::Usable,
            Ok(Ok(Some(problem))) | Ok(Err(problem)) => ModelState::Problem(problem),
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => ModelState::Problem("afgebroken / stopped".into()),
        };
        self.known = answer;
        self.job = None;
    }
}

/// One participant row of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRow {
    pub name: String,
    pub role: Role,
}

/// The start screen's form state.
pub struct StartForm {
    pub participants: Vec<ParticipantRow>,
    /// Method id; empty = free form.
    pub method: String,
    /// The spoken language: fixed, or detected.
    pub lang: LangHint,
    /// How many voices the conversation has (`None`: found automatically); live it caps the
    /// voices the attribution opens, for a recording it fixes their number.
    pub speakers: Option<usize>,
    pub model_path: String,
    pub device: Option<String>,
    pub consent: bool,
    pub open_path: String,
    pub devices: DeviceProbe,
    /// Message about the last open attempt (e.g. file not found).
    pub open_message: Option<String>,
    /// The speech model's last check (run in the background).
    model_check: Option<ModelCheck>,
    /// Saved sessions to reopen for review, newest first.
    pub saved: Vec<crate::review::store::SavedSession>,
    /// Encrypt the new session with a passphrase (on by default).
    pub encrypt: bool,
    /// The new session's passphrase, typed twice (wiped when the session starts).
    pub passphrase: String,
    pub passphrase_again: String,
    /// An encrypted session waiting for its passphrase, what was typed, and a message.
    pub unlock: Option<(PathBuf, String, Option<String>)>,
    /// A saved session the user asked to forget (waiting for confirmation).
    pub forget: Option<PathBuf>,
    /// The group the session is for (fills the participants, names known voices).
    pub groups: GroupPanel,
    /// The speech models to choose from (bundled and the user's model folder).
    pub models: crate::ui::models::ModelShelf,
    /// Open and save dialogs (the app sets the one from its options).
    pub picker: crate::app::dialog::FilePicker,
    open_choice: crate::ui::files::FileChoice,
}

/// Why the new session's passphrase cannot be used yet (Dutch, English), `None`: it can.
pub fn passphrase_problem(
    encrypt: bool,
    pass: &str,
    again: &str,
) -> Option<(&'static str, &'static str)> {
    if !encrypt {
        None
    } else if pass.is_empty() {
        Some((
            "Kies een wachtwoord voor de sessie.",
            "Choose a passphrase for the session.",
        ))
    } else if pass != again {
        Some((
            "De twee wachtwoorden verschillen.",
            "The two passphrases differ.",
        ))
    } else {
        None
    }
}

/// What the user asked for on the start screen.
#[derive(Debug, Clone, PartialEq)]
pub enum StartAction {
    None,
    Start(StartRequest),
    Open(PathBuf),
    Demo,
}

/// A new live session as set up on the form.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    pub participants: Vec<Participant>,
    pub method: Option<String>,
    /// The spoken language: fixed, or detected.
    pub lang: LangHint,
    pub model: Option<PathBuf>,
    pub device: Option<String>,
    /// Encrypt the session with this passphrase (`None`: plain).
    pub passphrase: Option<crate::session::Secret>,
    /// At most this many voices (`None`: found automatically).
    pub speakers: Option<usize>,
    /// The group the session is for.
    pub group: Option<String>,
    /// The group's known voices (members with a profile among the participants).
    pub voices: Vec<crate::speakers::enroll::Enrollment>,
}

impl StartRequest {
    /// The pipeline configuration for this request.
    pub fn live_config(&self) -> LiveConfig {
        let mut config = LiveConfig {
            participants: self.participants.clone(),
            method: self.method.clone(),
            lang: self.lang,
            model: self.model.clone(),
            device: self.device.clone(),
            save_dir: None,
            threads: None,
            passphrase: self.passphrase.clone(),
            ..LiveConfig::default()
        };
        config.group = self.group.clone();
        config.voices = self.voices.clone();
        config.max_speakers = self.speakers;
        config.known_speakers = self.speakers;
        config
    }
}

impl StartForm {
    /// An empty form with three rows (facilitator, inbrenger, deelnemer) and the bundled model;
    /// groups from `groups` (locked until the passphrase is typed).
    pub fn new(devices: DeviceProbe, groups: GroupVault) -> StartForm {
        StartForm {
            participants: vec![
                ParticipantRow {
                    name: String::new(),
                    role: Role::Facilitator,
                },
                ParticipantRow {
                    name: String::new(),
                    role: Role::Inbrenger,
                },
                ParticipantRow {
                    name: String::new(),
                    role: Role::Deelnemer,
                },
            ],
            method: String::new(),
            lang: LangHint::Fixed(Lang::Nl),
            speakers: None,
            model_path: crate::default_model_path().display().to_string(),
            device: None,
            consent: false,
            open_path: String::new(),
            devices,
            open_message: None,
            model_check: None,
            models: crate::ui::models::ModelShelf::new(observant_model::paths::user_models_dir()),
            picker: crate::app::dialog::native(),
            open_choice: Default::default(),
            saved: Vec::new(),
            encrypt: true,
            passphrase: String::new(),
            passphrase_again: String::new(),
            unlock: None,
            forget: None,
            groups: GroupPanel::new(groups),
        }
    }

    /// What is known about the chosen speech model. Checked in the background when the
    /// path changes and every two seconds (the file may appear or disappear); while a new
    /// path is being checked it is [`ModelState::Checking`].
    pub fn model_state(&mut self, ctx: &egui::Context) -> ModelState {
        let path = self.model_path.trim().to_string();
        let check = match &mut self.model_check {
            Some(c) if c.path == path => c,
            _ => self.model_check.insert(ModelCheck::start(path)),
        };
        check.poll();
        if check.job.is_none() && check.at.elapsed() >= std::time::Duration::from_secs(2) {
            let known = std::mem::replace(&mut check.known, ModelState::Checking);
            *check = ModelCheck {
                known,
                ..ModelCheck::start(check.path.clone())
            };
        }
        if check.job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
        check.known.clone()
    }

    /// Whether the chosen speech model has not been checked yet (its first check runs).
    pub fn model_checking(&self) -> bool {
        self.model_check
            .as_ref()
            .is_none_or(|c| c.path != self.model_path.trim() || c.known == ModelState::Checking)
    }

    fn request(&self) -> StartRequest {
        let default_model = crate::default_model_path();
        let model = PathBuf::from(self.model_path.trim());
        let participants: Vec<Participant> = self
            .participants
            .iter()
            .filter(|p| !p.name.trim().is_empty())
            .map(|p| Participant {
                name: p.name.trim().to_string(),
                role: p.role,
            })
            .collect();
        let group = self.groups.chosen_group();
        StartRequest {
            group: group.map(|g| g.name.clone()),
            voices: group
                .map(|g| crate::ui::groups::voices_for(g, &participants))
                .unwrap_or_default(),
            participants,
            method: (!self.method.is_empty()).then(|| self.method.clone()),
            lang: self.lang,
            speakers: self.speakers,
            model: (model != default_model && !self.model_path.trim().is_empty()).then_some(model),
            device: self.device.clone(),
            passphrase: if self.encrypt {
                crate::session::Secret::new(self.passphrase.clone()).ok()
            } else {
                None
            },
        }
    }

    /// Draws the form; returns what the user asked for.
    pub fn show(&mut self, ui: &mut Ui, lang: UiLang, methods: &[MethodInfo]) -> StartAction {
        self.devices.poll();
        if self.device.is_none()
            && let Some(list) = &self.devices.result
        {
            self.device = list
                .default
                .clone()
                .or_else(|| list.devices.first().map(|d| d.id.clone()));
        }
        let mut action = StartAction::None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.add_space(12.0);
                let wide = ui.available_width() > 900.0;
                if wide {
                    ui.columns(2, |cols| {
                        cols[0].set_max_width(560.0);
                        action = self.new_session(&mut cols[0], lang, methods);
                        let a = self.open_section(&mut cols[1], lang);
                        if a != StartAction::None {
                            action = a;
                        }
                    });
                } else {
                    action = self.new_session(ui, lang, methods);
                    ui.add_space(16.0);
                    let a = self.open_section(ui, lang);
                    if a != StartAction::None {
                        action = a;
                    }
                }
            });
        action
    }

    fn new_session(&mut self, ui: &mut Ui, lang: UiLang, methods: &[MethodInfo]) -> StartAction {
        let mut action = StartAction::None;
        card(ui, |ui| {
            ui.heading(lang.t("Nieuwe sessie", "New session"));
            ui.add_space(8.0);
            self.group_section(ui, lang);
            self.participant_rows(ui, lang);
            ui.add_space(10.0);
            egui::Grid::new("settings")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    let method_label = ui.label(lang.t("Werkvorm", "Method")).id;
                    let current = methods
                        .iter()
                        .find(|m| m.id == self.method)
                        .map(|m| m.name.clone())
                        .unwrap_or_else(|| lang.t("Vrij", "Free form").to_string());
                    egui::ComboBox::from_id_salt("method")
                        .selected_text(current)
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(
                                &mut self.method,
                                String::new(),
                                lang.t("Vrij", "Free form"),
                            );
                            for m in methods
                                .iter()
                                .filter(|m| !m.id.is_empty() && m.id != "vrij")
                            {
                                ui.selectable_value(&mut self.method, m.id.clone(), &m.name);
                            }
                        })
                        .response
                        .labelled_by(method_label);
                    ui.end_row();

                    let spoken_label = ui.label(lang.t("Gesproken taal", "Spoken language")).id;
                    let lang_label = |c: LangHint| match c {
                        LangHint::Fixed(Lang::Nl) => "Nederlands",
                        LangHint::Fixed(Lang::En) => "English",
                        LangHint::Auto => lang.t("Automatisch", "Automatic"),
                    };
                    ui.horizontal(|ui| {
                        egui::ComboBox::from_id_salt("spoken")
                            .selected_text(lang_label(self.lang))
                            .width(150.0)
                            .show_ui(ui, |ui| {
                                for c in [
                                    LangHint::Fixed(Lang::Nl),
                                    LangHint::Fixed(Lang::En),
                                    LangHint::Auto,
                                ] {
                                    ui.selectable_value(&mut self.lang, c, lang_label(c));
                                }
                            })
                            .response
                            .labelled_by(spoken_label);
                        let voices_label = ui.label(lang.t("Stemmen", "Voices")).id;
                        speakers_choice(ui, "voices", &mut self.speakers, lang, 110.0)
                            .labelled_by(voices_label);
                    });
                    ui.end_row();

                    let model_label = ui.label(lang.t("Spraakmodel", "Speech model")).id;
                    ui.vertical(|ui| self.model_row(ui, lang, model_label));
                    ui.end_row();

                    ui.label(lang.t("Microfoon", "Microphone"));
                    ui.vertical(|ui| self.device_row(ui, lang));
                    ui.end_row();
                });
            ui.add_space(12.0);
            ui.checkbox(
                &mut self.consent,
                lang.t(
                    "Iedereen die aanwezig is, stemt ermee in dat dit gesprek op dit apparaat wordt getranscribeerd",
                    "Everyone present agrees that this conversation is transcribed on this device",
                ),
            );
            ui.label(
                RichText::new(lang.t(
                    "Geluid en tekst blijven op dit apparaat.",
                    "Audio and text stay on this device.",
                ))
                .small()
                .color(theme::MUTED),
            );
            ui.add_space(8.0);
            self.passphrase_rows(ui, lang);
            ui.add_space(8.0);
            let model = self.model_state(ui.ctx());
            let pass_problem =
                passphrase_problem(self.encrypt, &self.passphrase, &self.passphrase_again);
            let ready = self.consent && model == ModelState::Usable && pass_problem.is_none();
            ui.horizontal(|ui| {
                let start =
                    ui.add_enabled(
                        ready,
                        egui::Button::new(
                            RichText::new(lang.t("Start sessie", "Start session"))
                                .color(if ready { Color32::WHITE } else { theme::MUTED }),
                        )
                        .fill(if ready { theme::ACCENT } else { theme::LINE })
                        .min_size(egui::vec2(150.0, 34.0)),
                    );
                if start.clicked() {
                    self.devices.close_meter();
                    action = StartAction::Start(self.request());
                    use zeroize::Zeroize;
                    self.passphrase.zeroize();
                    self.passphrase_again.zeroize();
                    self.groups.forget_typed();
                }
                if model == ModelState::Checking {
                    ui.spinner();
                    ui.label(
                        RichText::new(lang.t(
                            "Spraakmodel wordt gecontroleerd…",
                            "Checking the speech model…",
                        ))
                        .small()
                        .color(theme::MUTED),
                    );
                } else if matches!(model, ModelState::Problem(_)) {
                    ui.label(
                        RichText::new(lang.t(
                            "Kies eerst een bruikbaar spraakmodel.",
                            "Choose a usable speech model first.",
                        ))
                        .small()
                        .color(theme::RED),
                    );
                } else if !self.consent {
                    ui.label(
                        RichText::new(lang.t(
                            "Vink eerst de toestemming aan.",
                            "Tick the consent box first.",
                        ))
                        .small()
                        .color(theme::MUTED),
                    );
                } else if let Some((nl, en)) = pass_problem {
                    ui.label(RichText::new(lang.t(nl, en)).small().color(theme::MUTED));
                }
            });
        });
        action
    }

    /// The participant rows (name, role, remove) and "+ Deelnemer toevoegen".
    fn participant_rows(&mut self, ui: &mut Ui, lang: UiLang) {
        let mut remove = None;
        egui::Grid::new("participants")
            .num_columns(3)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                for (i, p) in self.participants.iter_mut().enumerate() {
                    let name_label = format!("{} {}", lang.t("Naam", "Name"), i + 1);
                    ui.add_sized(
                        [200.0, 26.0],
                        egui::TextEdit::singleline(&mut p.name).hint_text(lang.t("Naam", "Name")),
                    )
                    .accessible_name(name_label);
                    egui::ComboBox::from_id_salt(("role", i))
                        .selected_text(theme::role_label(p.role, lang))
                        .width(130.0)
                        .show_ui(ui, |ui| {
                            for r in theme::ROLES {
                                ui.selectable_value(&mut p.role, r, theme::role_label(r, lang));
                            }
                        })
                        .response
                        .accessible_name(format!("{} {}", lang.t("Rol", "Role"), i + 1));
                    if ui
                        .small_button("×")
                        .on_hover_text(lang.t("Verwijder deelnemer", "Remove participant"))
                        .clicked()
                    {
                        remove = Some(i);
                    }
                    ui.end_row();
                }
            });
        if let Some(i) = remove {
            self.participants.remove(i);
        }
        if ui
            .button(lang.t("+ Deelnemer toevoegen", "+ Add participant"))
            .clicked()
        {
            self.participants.push(ParticipantRow {
                name: String::new(),
                role: Role::Deelnemer,
            });
        }
    }

    /// The model picker with what the chosen model is (bundled, own, or why it cannot be
    /// used).
    fn model_row(&mut self, ui: &mut Ui, lang: UiLang, model_label: egui::Id) {
        self.models
            .show(ui, lang, model_label, &mut self.model_path, &self.picker);
        let path = PathBuf::from(self.model_path.trim());
        let bundled = path == crate::default_model_path();
        let (text, color) = match (self.model_state(ui.ctx()), bundled) {
            (ModelState::Checking, _) => (
                lang.t("Bezig met controleren…", "Checking…").to_string(),
                theme::MUTED,
            ),
            (ModelState::Usable, true) => (
                lang.t("Meegeleverd model.", "Bundled model.").to_string(),
                theme::MUTED,
            ),
            (ModelState::Usable, false) => (
                lang.t("Eigen model.", "Own model.").to_string(),
                theme::MUTED,
            ),
            (ModelState::Problem(problem), _) => (
                format!(
                    "{} {}",
                    lang.t(
                        "Dit spraakmodel is niet bruikbaar:",
                        "This speech model cannot be used:",
                    ),
                    problem
                ),
                theme::RED,
            ),
        };
        ui.horizontal_wrapped(|ui| {
            ui.set_max_width(380.0);
            ui.label(RichText::new(text).small().color(color));
            if color != theme::RED {
                self.models.speed(ui, lang, &path);
            }
        });
    }

    /// "Participants" with the group choice beside it (and its details below); choosing a
    /// group fills the participant rows with its members.
    fn group_section(&mut self, ui: &mut Ui, lang: UiLang) {
        let event = ui
            .horizontal_wrapped(|ui| {
                ui.label(RichText::new(lang.t("Deelnemers", "Participants")).strong());
                ui.add_space(24.0);
                self.groups.row(
                    ui,
                    lang,
                    &self.passphrase,
                    &self.passphrase_again,
                    self.encrypt,
                )
            })
            .inner;
        self.groups.details(
            ui,
            lang,
            &self.passphrase,
            &self.passphrase_again,
            self.encrypt,
        );
        if let Some(GroupEvent::Chosen(g)) = event
            && !g.members.is_empty()
        {
            let current: Vec<Participant> = self
                .participants
                .iter()
                .map(|p| Participant::new(p.name.clone(), p.role))
                .collect();
            self.participants = crate::ui::groups::rows_for(&g, &current)
                .into_iter()
                .map(|p| ParticipantRow {
                    name: p.name,
                    role: p.role,
                })
                .collect();
        }
    }

    /// "Encrypt with a passphrase" and the passphrase, twice.
    fn passphrase_rows(&mut self, ui: &mut Ui, lang: UiLang) {
        ui.checkbox(
            &mut self.encrypt,
            lang.t(
                "Versleutel de opname en het transcript met een wachtwoord",
                "Encrypt the recording and transcript with a passphrase",
            ),
        );
        if !self.encrypt {
            ui.label(
                RichText::new(lang.t(
                    "Zonder wachtwoord kan iedereen met toegang tot dit apparaat de sessie lezen.",
                    "Without a passphrase anyone with access to this device can read the session.",
                ))
                .small()
                .color(theme::MUTED),
            );
            return;
        }
        egui::Grid::new("passphrase")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                let l = ui.label(lang.t("Wachtwoord", "Passphrase")).id;
                ui.add(
                    egui::TextEdit::singleline(&mut self.passphrase)
                        .password(true)
                        .desired_width(240.0),
                )
                .labelled_by(l);
                ui.end_row();
                let l = ui.label(lang.t("Nog een keer", "Once more")).id;
                ui.add(
                    egui::TextEdit::singleline(&mut self.passphrase_again)
                        .password(true)
                        .desired_width(240.0),
                )
                .labelled_by(l);
                ui.end_row();
            });
        ui.label(
            RichText::new(lang.t(
                "Zonder dit wachtwoord is de sessie niet meer te openen; het wordt nergens bewaard.",
                "Without this passphrase the session cannot be opened again; it is stored nowhere.",
            ))
            .small()
            .color(theme::MUTED),
        );
    }

    /// The passphrase prompt of an encrypted session being opened, and the confirmation of
    /// forgetting a session. Returns `Open` once the session is unlocked.
    fn unlock_and_forget(&mut self, ui: &mut Ui, lang: UiLang) -> StartAction {
        let mut action = StartAction::None;
        if let Some((dir, pass, message)) = &mut self.unlock {
            ui.add_space(8.0);
            ui.label(
                RichText::new(lang.t(
                    "Deze sessie is versleuteld. Geef het wachtwoord:",
                    "This session is encrypted. Enter its passphrase:",
                ))
                .strong(),
            );
            let mut close = false;
            ui.horizontal(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(pass)
                        .password(true)
                        .desired_width(220.0),
                );
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button(lang.t("Openen", "Open")).clicked() || enter) && !pass.is_empty() {
                    let result = crate::session::Secret::new(pass.clone())
                        .and_then(|secret| crate::session::Session::unlock(dir, &secret));
                    use zeroize::Zeroize;
                    pass.zeroize();
                    match result {
                        Ok(()) => {
                            action = StartAction::Open(dir.clone());
                            close = true;
                        }
                        Err(e) => *message = Some(unlock_message(&e, lang)),
                    }
                }
                if ui.button(lang.t("Annuleren", "Cancel")).clicked() {
                    close = true;
                }
            });
            if let Some(m) = message {
                ui.label(RichText::new(m.as_str()).color(theme::MUTED));
            }
            if close {
                self.unlock = None;
            }
        }
        if let Some(dir) = self.forget.clone() {
            ui.add_space(8.0);
            ui.label(
                RichText::new(lang.t(
                    "Deze sessie vergeten? Alle bestanden (opname, transcript, notities) worden definitief verwijderd.",
                    "Forget this session? All its files (recording, transcript, notes) are deleted for good.",
                ))
                .strong(),
            );
            ui.label(
                RichText::new(dir.display().to_string())
                    .small()
                    .color(theme::MUTED),
            );
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new(lang.t("Ja, vergeten", "Yes, forget")).color(theme::RED))
                    .clicked()
                {
                    match crate::session::retention::forget(&dir) {
                        Ok(()) => {
                            self.saved.retain(|s| s.dir != dir);
                            self.open_message = None;
                        }
                        Err(e) => self.open_message = Some(crate::error::one_line(&e)),
                    }
                    self.forget = None;
                }
                if ui.button(lang.t("Annuleren", "Cancel")).clicked() {
                    self.forget = None;
                }
            });
        }
        action
    }

    fn device_row(&mut self, ui: &mut Ui, lang: UiLang) {
        if self.devices.probing() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(
                    RichText::new(lang.t("Microfoons zoeken…", "Looking for microphones…"))
                        .color(theme::MUTED),
                );
            });
            return;
        }
        let list = self.devices.result.clone().unwrap_or_default();
        if list.devices.is_empty() {
            ui.label(
                RichText::new(lang.t("Geen microfoon gevonden", "No microphone found"))
                    .color(theme::TEXT),
            );
            ui.label(
                RichText::new(lang.t(
                    "Sluit een microfoon aan, of open rechts een opname.",
                    "Connect a microphone, or open a recording on the right.",
                ))
                .small()
                .color(theme::MUTED),
            );
            return;
        }
        let selected = self.device.clone().unwrap_or_default();
        let shown = list.name_of(&selected).unwrap_or(&selected).to_string();
        egui::ComboBox::from_id_salt("device")
            .selected_text(short(&shown, 40))
            .width(320.0)
            .show_ui(ui, |ui| {
                for d in &list.devices {
                    ui.selectable_value(&mut self.device, Some(d.id.clone()), short(&d.name, 60));
                }
            })
            .response
            .accessible_name(lang.t("Microfoon", "Microphone"));
        let level = self.devices.level(&selected);
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(240.0, 8.0), egui::Sense::hover());
            level_bar(ui, rect, level.unwrap_or(0.0));
            let text = if level.is_some() {
                lang.t("niveau", "level")
            } else {
                lang.t("geen signaal", "no signal")
            };
            ui.label(RichText::new(text).small().color(theme::MUTED));
        });
        match self.devices.room() {
            Some(estimate) => {
                let problems = estimate.problems();
                crate::ui::room::room_check_compact(ui, &estimate, &problems, lang);
            }
            None => {
                ui.label(
                    RichText::new(lang.t(
                        "Ruimtecheck: laat een paar mensen praten zoals in de sessie; na enkele \
                         seconden volgt een advies.",
                        "Room check: let a few people talk as they will in the session; advice \
                         follows after a few seconds.",
                    ))
                    .small()
                    .color(theme::MUTED),
                );
            }
        }
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }

    /// The file chosen in the open dialog, if it just came back: a session's `session.json`
    /// opens its session folder; no dialog on this desktop is said beside the typed path.
    fn chosen_to_open(&mut self, ui: &Ui) -> Option<PathBuf> {
        use crate::ui::files::Chosen;
        if self.open_choice.open() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        match self.open_choice.poll()? {
            Chosen::File(p) => {
                self.open_message = None;
                let dir = p.parent().filter(|d| {
                    p.file_name().is_some_and(|n| n == "session.json")
                        && crate::session::Session::is_session_dir(d)
                });
                Some(dir.map_or(p.clone(), std::path::Path::to_path_buf))
            }
            Chosen::Unavailable(e) => {
                self.open_message = Some(e);
                None
            }
            Chosen::Cancelled => None,
        }
    }

    fn open_section(&mut self, ui: &mut Ui, lang: UiLang) -> StartAction {
        let mut action = StartAction::None;
        card(ui, |ui| {
            ui.heading(lang.t("Openen", "Open"));
            ui.add_space(6.0);
            ui.label(
                RichText::new(lang.t(
                    "Een opname, een transcript (JSON, VTT, SRT) of een bewaarde sessie, om terug te kijken: sleep het op dit venster, of geef het pad.",
                    "A recording, a transcript (JSON, VTT, SRT) or a saved session, to review: drop it on this window, or give its path.",
                ))
                .color(theme::MUTED),
            );
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let label = ui.label(lang.t("Bestand", "File")).id;
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.open_path)
                            .hint_text("/pad/naar/sessie.json")
                            // Room for the two buttons beside it in a narrow window.
                            .desired_width((ui.available_width() - 170.0).clamp(120.0, 300.0)),
                    )
                    .labelled_by(label);
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button(lang.t("Openen", "Open")).clicked() || enter)
                    && !self.open_path.trim().is_empty()
                {
                    action = StartAction::Open(PathBuf::from(self.open_path.trim()));
                }
                if ui
                    .add_enabled(
                        !self.open_choice.open(),
                        egui::Button::new(lang.t("Kiezen…", "Browse…")),
                    )
                    .clicked()
                {
                    self.open_choice.ask(
                        &self.picker,
                        crate::app::dialog::Request::open(
                            lang.t("Openen om terug te kijken", "Open to review"),
                            crate::app::dialog::review_filters(lang),
                        ),
                    );
                }
            });
            ui.horizontal(|ui| {
                let label = ui
                    .label(lang.t("Stemmen in een opname", "Voices in a recording"))
                    .id;
                speakers_choice(ui, "open_voices", &mut self.speakers, lang, 110.0)
                    .labelled_by(label);
            });
            if let Some(p) = self.chosen_to_open(ui) {
                action = StartAction::Open(p);
            }
            if let Some(m) = &self.open_message {
                ui.label(RichText::new(m).color(theme::RED));
            }
            let mut forget = None;
            if !self.saved.is_empty() {
                ui.add_space(10.0);
                ui.label(RichText::new(lang.t("Bewaarde sessies", "Saved sessions")).strong());
                egui::ScrollArea::vertical()
                    .id_salt("saved_sessions")
                    .max_height(220.0)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        for s in &self.saved {
                            ui.horizontal(|ui| {
                                let when = s
                                    .created_unix
                                    .map(|d| crate::report::fmt_date(d, lang))
                                    .unwrap_or_default();
                                if ui
                                    .button(lang.t("Terugkijken", "Review"))
                                    .on_hover_text(s.dir.display().to_string())
                                    .clicked()
                                {
                                    action = StartAction::Open(s.dir.clone());
                                }
                                ui.label(RichText::new(&s.title).color(theme::TEXT));
                                ui.label(RichText::new(when).small().color(theme::MUTED));
                                if ui
                                    .small_button(lang.t("Vergeten…", "Forget…"))
                                    .on_hover_text(lang.t(
                                        "Verwijder alle bestanden van deze sessie",
                                        "Delete all files of this session",
                                    ))
                                    .clicked()
                                {
                                    forget = Some(s.dir.clone());
                                }
                            });
                        }
                    });
            }
            if let Some(dir) = forget {
                self.forget = Some(dir);
                self.unlock = None;
            }
            // An encrypted session asks for its passphrase before it opens.
            if let StartAction::Open(p) = &action
                && crate::session::Session::is_encrypted_dir(p)
                && !crate::session::Session::is_unlocked(p)
            {
                self.unlock = Some((p.clone(), String::new(), None));
                self.forget = None;
                action = StartAction::None;
            }
            let unlocked = self.unlock_and_forget(ui, lang);
            if unlocked != StartAction::None {
                action = unlocked;
            }
            ui.add_space(14.0);
            ui.separator();
            ui.add_space(6.0);
            ui.label(RichText::new(lang.t("Eerst rondkijken?", "First look around?")).strong());
            ui.label(
                RichText::new(lang.t(
                    "De demo speelt een voorbeeldsessie versneld af, zodat je ziet wat Observant signaleert.",
                    "The demo replays an example session, sped up, so you see what Observant flags.",
                ))
                .color(theme::MUTED),
            );
            if ui
                .button(lang.t("Demo bekijken", "Watch the demo"))
                .clicked()
            {
                action = StartAction::Demo;
            }
        });
        action
    }
}

/// The calm message for a failed unlock.
pub fn unlock_message(e: &anyhow::Error, lang: UiLang) -> String {
    if crate::session::crypt::is_wrong_passphrase(e) {
        lang.t(
            "Dat wachtwoord past niet bij deze sessie. Probeer het nog eens.",
            "That passphrase does not match this session. Please try again.",
        )
        .to_string()
    } else {
        crate::error::one_line(e)
    }
}

/// A soft card around a section.
pub fn card<R>(ui: &mut Ui, add: impl FnOnce(&mut Ui) -> R) -> R {
    egui::Frame::new()
        .fill(theme::CARD)
        .stroke(egui::Stroke::new(1.0, theme::LINE))
        .corner_radius(8)
        .inner_margin(16)
        .show(ui, |ui| {
            ui.with_layout(Layout::top_down(Align::Min), add).inner
        })
        .inner
}

/// How many voices: automatic, or 2 to 10 (a group of 4-8 plus room to spare).
pub fn speakers_choice(
    ui: &mut Ui,
    id: &str,
    speakers: &mut Option<usize>,
    lang: UiLang,
    width: f32,
) -> egui::Response {
    let auto = lang.t("Automatisch", "Automatic");
    let shown = |n: Option<usize>| n.map_or(auto.to_string(), |n| n.to_string());
    egui::ComboBox::from_id_salt(id)
        .selected_text(shown(*speakers))
        .width(width)
        .show_ui(ui, |ui| {
            ui.selectable_value(speakers, None, auto);
            for n in 2..=10 {
                ui.selectable_value(speakers, Some(n), n.to_string());
            }
        })
        .response
        .on_hover_text(lang.t(
            "Hoeveel verschillende stemmen het gesprek heeft. Live opent de sprekerherkenning er \
             nooit meer, en zodra elke stem genoeg gesproken heeft houdt ze er zoveel uit \
             elkaar; bij een opname worden het er precies zoveel. Automatisch: geschat.",
            "How many different voices the conversation has. Live, speaker attribution never \
             opens more, and once every voice has spoken enough it keeps that many apart; for \
             a recording it finds exactly that many. Automatic: estimated.",
        ))
}

/// A horizontal level bar (0..1 RMS, shown on a rough dB scale).
pub fn level_bar(ui: &Ui, rect: egui::Rect, rms: f32) {
    let db = 20.0 * rms.max(1e-5).log10();
    let frac = ((db + 60.0) / 60.0).clamp(0.0, 1.0);
    ui.painter().rect_filled(rect, 3, theme::LINE);
    let mut fill = rect;
    fill.set_width(rect.width() * frac);
    let color = if frac > 0.9 { theme::AMBER } else { theme::OK };
    ui.painter().rect_filled(fill, 3, color);
}
