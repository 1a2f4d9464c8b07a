//! The start screen: set up a new session (participants and roles, method, language, model,
//! input device with a level meter, consent) or open a recording, transcript or saved session.

use std::path::PathBuf;

use egui::{Align, Color32, Layout, RichText, Ui};

use crate::analysis::{Lang, LangHint};
use crate::i18n::UiLang;
use crate::pipeline::LiveConfig;
use crate::transcript::{Participant, Role};
use crate::ui::core::MethodInfo;
use crate::ui::devices::DeviceProbe;
use crate::ui::theme;

/// Spoken-language choice on the start screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangChoice {
    Nl,
    En,
    Auto,
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
    pub lang: LangChoice,
    pub model_path: String,
    pub device: Option<String>,
    pub consent: bool,
    pub open_path: String,
    pub devices: DeviceProbe,
    /// Message about the last open attempt (e.g. file not found).
    pub open_message: Option<String>,
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
    pub lang: LangChoice,
    pub model: Option<PathBuf>,
    pub device: Option<String>,
}

impl StartRequest {
    /// The pipeline configuration for this request.
    pub fn live_config(&self) -> LiveConfig {
        LiveConfig {
            participants: self.participants.clone(),
            method: self.method.clone(),
            lang: match self.lang {
                LangChoice::Nl => LangHint::Fixed(Lang::Nl),
                LangChoice::En => LangHint::Fixed(Lang::En),
                LangChoice::Auto => LangHint::Auto,
            },
            model: self.model.clone(),
            device: self.device.clone(),
            save_dir: None,
            threads: None,
        }
    }
}

impl StartForm {
    /// An empty form with three rows (facilitator, inbrenger, deelnemer) and the bundled model.
    pub fn new(devices: DeviceProbe) -> StartForm {
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
            lang: LangChoice::Nl,
            model_path: crate::default_model_path().display().to_string(),
            device: None,
            consent: false,
            open_path: String::new(),
            devices,
            open_message: None,
        }
    }

    fn request(&self) -> StartRequest {
        let default_model = crate::default_model_path();
        let model = PathBuf::from(self.model_path.trim());
        StartRequest {
            participants: self
                .participants
                .iter()
                .filter(|p| !p.name.trim().is_empty())
                .map(|p| Participant {
                    name: p.name.trim().to_string(),
                    role: p.role,
                })
                .collect(),
            method: (!self.method.is_empty()).then(|| self.method.clone()),
            lang: self.lang,
            model: (model != default_model && !self.model_path.trim().is_empty()).then_some(model),
            device: self.device.clone(),
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
            ui.label(RichText::new(lang.t("Deelnemers", "Participants")).strong());
            let mut remove = None;
            egui::Grid::new("participants")
                .num_columns(3)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    for (i, p) in self.participants.iter_mut().enumerate() {
                        let name_label = format!("{} {}", lang.t("Naam", "Name"), i + 1);
                        ui.add_sized(
                            [200.0, 26.0],
                            egui::TextEdit::singleline(&mut p.name)
                                .hint_text(lang.t("Naam", "Name")),
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
                    let lang_label = |c: LangChoice| match c {
                        LangChoice::Nl => "Nederlands",
                        LangChoice::En => "English",
                        LangChoice::Auto => lang.t("Automatisch", "Automatic"),
                    };
                    egui::ComboBox::from_id_salt("spoken")
                        .selected_text(lang_label(self.lang))
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            for c in [LangChoice::Nl, LangChoice::En, LangChoice::Auto] {
                                ui.selectable_value(&mut self.lang, c, lang_label(c));
                            }
                        })
                        .response
                        .labelled_by(spoken_label);
                    ui.end_row();

                    let model_label = ui.label(lang.t("Spraakmodel", "Speech model")).id;
                    ui.vertical(|ui| {
                        ui.add(
                            egui::TextEdit::singleline(&mut self.model_path).desired_width(320.0),
                        )
                        .labelled_by(model_label)
                        .on_hover_text(
                            lang.t("Pad naar het spraakmodel", "Path to the speech model"),
                        );
                        let path = PathBuf::from(self.model_path.trim());
                        let bundled = path == crate::default_model_path();
                        let file = path
                            .file_name()
                            .map(|f| f.to_string_lossy().to_string())
                            .unwrap_or_default();
                        let (text, color) = match (path.is_file(), bundled) {
                            (true, true) => (
                                format!(
                                    "{} {file}",
                                    lang.t("Meegeleverd model:", "Bundled model:")
                                ),
                                theme::MUTED,
                            ),
                            (true, false) => (
                                format!("{} {file}", lang.t("Eigen model:", "Own model:")),
                                theme::MUTED,
                            ),
                            (false, _) => (
                                lang.t(
                                    "Model niet gevonden op dit pad",
                                    "Model not found at this path",
                                )
                                .to_string(),
                                theme::RED,
                            ),
                        };
                        ui.label(RichText::new(text).small().color(color));
                    });
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
            ui.horizontal(|ui| {
                let start = ui.add_enabled(
                    self.consent,
                    egui::Button::new(
                        RichText::new(lang.t("Start sessie", "Start session")).color(
                            if self.consent {
                                Color32::WHITE
                            } else {
                                theme::MUTED
                            },
                        ),
                    )
                    .fill(if self.consent {
                        theme::ACCENT
                    } else {
                        theme::LINE
                    })
                    .min_size(egui::vec2(150.0, 34.0)),
                );
                if start.clicked() {
                    self.devices.close_meter();
                    action = StartAction::Start(self.request());
                }
                if !self.consent {
                    ui.label(
                        RichText::new(lang.t(
                            "Vink eerst de toestemming aan.",
                            "Tick the consent box first.",
                        ))
                        .small()
                        .color(theme::MUTED),
                    );
                }
            });
        });
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
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }

    fn open_section(&mut self, ui: &mut Ui, lang: UiLang) -> StartAction {
        let mut action = StartAction::None;
        card(ui, |ui| {
            ui.heading(lang.t("Openen", "Open"));
            ui.add_space(6.0);
            ui.label(
                RichText::new(lang.t(
                    "Een opname, een transcript (JSON, VTT, SRT) of een bewaarde sessie, om terug te kijken.",
                    "A recording, a transcript (JSON, VTT, SRT) or a saved session, to review.",
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
                            .desired_width(300.0),
                    )
                    .labelled_by(label);
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button(lang.t("Openen", "Open")).clicked() || enter)
                    && !self.open_path.trim().is_empty()
                {
                    action = StartAction::Open(PathBuf::from(self.open_path.trim()));
                }
            });
            if let Some(m) = &self.open_message {
                ui.label(RichText::new(m).color(theme::RED));
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

/// Shortens long device names for the combo.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
