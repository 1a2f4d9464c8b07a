//! The observer view: the live transcript (speaker colours, flag chips, one-click speaker
//! re-assignment, the observer's own notes) beside talk time, question mix, longest
//! monologue and who has been silent. The transcript is virtualised: only the rows in view
//! are laid out, with measured row heights cached, so thousands of lines stay smooth.

use std::collections::HashMap;

use egui::{Align, Color32, Layout, Rect, RichText, Sense, Ui, pos2, vec2};

use crate::analysis::QuestionType;
use crate::i18n::UiLang;
use crate::transcript::Role;
use crate::ui::model::{Row, SessionModel};
use crate::ui::theme;
use crate::ui::widgets::{self, bar, section};

/// What the observer asked for in this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ObserverAction {
    Reassign {
        index: usize,
        speaker: String,
    },
    /// Name a voice on the spot: every line of `from` (a guest `S2`) becomes `to`.
    Rename {
        from: String,
        to: String,
    },
    Enroll(String),
    Note {
        t: f64,
        text: String,
    },
}

/// The observer view's own state: the row-height cache, the note draft, pending re-assignments.
#[derive(Default)]
pub struct ObserverState {
    rows: widgets::RowHeights,
    pub note_draft: String,
    /// Session time when the observer started the current note (hotkey or first keystroke).
    pub note_started: Option<f64>,
    pub focus_note: bool,
    /// Re-assignments sent and not yet confirmed by the pipeline: index -> new speaker.
    pub pending: HashMap<usize, String>,
    /// Whom the next utterances are enrolled as (after "Stel je voor").
    pub enrolling: Option<String>,
    /// The name being typed for a guest voice (the speaker menu's "Naam geven").
    pub name_draft: String,
}

/// Estimated height of a row before it has been laid out.
const ESTIMATE: f32 = 44.0;
/// Width of the time and speaker columns.
const TIME_W: f32 = 52.0;
const SPEAKER_W: f32 = 118.0;

impl ObserverState {
    /// Drops pending re-assignments the pipeline has confirmed.
    pub fn settle(&mut self, model: &SessionModel) {
        self.pending
            .retain(|i, s| model.utterance(*i).is_none_or(|u| &u.speaker != s));
    }

    /// Draws the whole observer view into `ui`.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        model: &SessionModel,
        lang: UiLang,
        live: bool,
    ) -> Vec<ObserverAction> {
        let mut actions = Vec::new();
        widgets::side_panel(
            ui,
            "observer_side",
            "side_scroll",
            330.0,
            260.0..=480.0,
            |ui| side_panel(ui, model, lang, live, self, &mut actions),
        );
        if live {
            egui::Panel::bottom("note_bar")
                .frame(
                    egui::Frame::new()
                        .fill(theme::CARD)
                        .inner_margin(egui::Margin::symmetric(12, 8)),
                )
                .show(ui, |ui| self.note_bar(ui, model, lang, &mut actions));
        }
        widgets::transcript_panel(ui, |ui| {
            self.transcript(ui, model, lang, live, &mut actions)
        });
        actions
    }

    fn note_bar(
        &mut self,
        ui: &mut Ui,
        model: &SessionModel,
        lang: UiLang,
        actions: &mut Vec<ObserverAction>,
    ) {
        ui.horizontal(|ui| {
            let label = ui
                .label(RichText::new(lang.t("Notitie", "Note")).strong())
                .id;
            if let Some(t) = self.note_started {
                ui.label(RichText::new(theme::clock(t)).monospace().color(theme::MUTED));
            }
            let width = (ui.available_width() - 120.0).max(120.0);
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.note_draft)
                        .hint_text(lang.t(
                            "Druk op N voor een notitie met tijdstempel (wat de app niet ziet: houding, blikken, sfeer)",
                            "Press N for a timestamped note (what the app cannot see: posture, looks, mood)",
                        ))
                        .desired_width(width),
                )
                .labelled_by(label);
            if self.focus_note {
                edit.request_focus();
                self.focus_note = false;
            }
            if edit.changed() && self.note_started.is_none() && !self.note_draft.is_empty() {
                self.note_started = Some(model.now);
            }
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let add = ui.button(lang.t("Toevoegen", "Add")).clicked();
            if (enter || add) && !self.note_draft.trim().is_empty() {
                actions.push(ObserverAction::Note {
                    t: self.note_started.unwrap_or(model.now),
                    text: self.note_draft.trim().to_string(),
                });
                self.note_draft.clear();
                self.note_started = None;
            }
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                self.note_draft.clear();
                self.note_started = None;
            }
        });
    }

    fn transcript(
        &mut self,
        ui: &mut Ui,
        model: &SessionModel,
        lang: UiLang,
        live: bool,
        actions: &mut Vec<ObserverAction>,
    ) {
        if model.rows.is_empty() {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.label(
                    RichText::new(lang.t(
                        "Het transcript verschijnt hier zodra er gesproken wordt.",
                        "The transcript appears here as soon as someone speaks.",
                    ))
                    .color(theme::MUTED),
                );
            });
            return;
        }
        self.rows.fit(model.rows.len(), ESTIMATE);
        // Taken out while rows are drawn: drawing a row borrows the whole view.
        let mut rows = std::mem::take(&mut self.rows);
        egui::ScrollArea::vertical()
            .id_salt("transcript_scroll")
            .auto_shrink([false, false])
            .stick_to_bottom(live)
            .show_viewport(ui, |ui, viewport| {
                rows.show(ui, viewport, ESTIMATE, "row", |ui, i| {
                    self.row(ui, model, model.rows[i], lang, actions)
                });
            });
        self.rows = rows;
    }

    fn row(
        &mut self,
        ui: &mut Ui,
        model: &SessionModel,
        row: Row,
        lang: UiLang,
        actions: &mut Vec<ObserverAction>,
    ) {
        match row {
            Row::Note(n) => {
                let Some(note) = model.notes.get(n) else {
                    return;
                };
                egui::Frame::new()
                    .fill(Color32::from_rgb(0xF3, 0xEE, 0xDC))
                    .corner_radius(6)
                    .inner_margin(egui::Margin::symmetric(8, 4))
                    .show(ui, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(
                                RichText::new(theme::clock(note.t))
                                    .monospace()
                                    .size(12.5)
                                    .color(theme::MUTED),
                            );
                            ui.label(
                                RichText::new(lang.t("Notitie observant:", "Observer's note:"))
                                    .strong()
                                    .color(Color32::from_rgb(0x7B, 0x6A, 0x3A)),
                            );
                            ui.label(RichText::new(&note.text).italics());
                        });
                    });
            }
            Row::Utterance(index) => {
                let Some(u) = model.utterance(index) else {
                    return;
                };
                let color = theme::speaker_color(model.speaker_index(&u.speaker));
                let top = ui.cursor().min;
                ui.horizontal_top(|ui| {
                    ui.add_space(8.0);
                    // A fixed-width time column, painted, so long times never shift the row.
                    let (time_rect, time_resp) =
                        ui.allocate_exact_size(vec2(TIME_W, 20.0), Sense::hover());
                    let time = theme::clock(u.start);
                    ui.painter().text(
                        time_rect.left_top() + vec2(0.0, 4.0),
                        egui::Align2::LEFT_TOP,
                        &time,
                        egui::FontId::monospace(12.5),
                        theme::MUTED,
                    );
                    time_resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, &time)
                    });
                    ui.allocate_ui_with_layout(
                        vec2(SPEAKER_W, 20.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.set_width(SPEAKER_W);
                            let line = Line {
                                index,
                                speaker: &u.speaker,
                                color,
                            };
                            self.speaker_button(ui, model, line, lang, actions);
                        },
                    );
                    let text_w = ui.available_width().max(120.0);
                    ui.allocate_ui_with_layout(
                        vec2(text_w, 20.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.add_space(3.0);
                            crate::ui::widgets::line_text(ui, &u.text, u.heard_uncertainly(), lang);
                            let kinds = model.flags_by_utterance.get(&index);
                            let closed_flagged = kinds.is_some_and(|k| {
                                k.contains(&crate::analysis::FlagKind::ClosedQuestion)
                            });
                            let tag = match u.question {
                                QuestionType::Open => Some(lang.t("open vraag", "open question")),
                                QuestionType::Closed if !closed_flagged => {
                                    Some(lang.t("gesloten vraag", "closed question"))
                                }
                                QuestionType::Closed | QuestionType::None => None,
                            };
                            if kinds.is_some_and(|k| !k.is_empty()) || tag.is_some() {
                                ui.horizontal_wrapped(|ui| {
                                    ui.spacing_mut().item_spacing.x = 5.0;
                                    for k in kinds.into_iter().flatten() {
                                        let flag = model.flags.iter().find(|f| {
                                            f.kind == *k && f.utterances.contains(&index)
                                        });
                                        let (label, color) = match flag {
                                            Some(f) => theme::flag_chip_of(f, lang),
                                            None => (
                                                theme::flag_chip(*k, lang).to_string(),
                                                theme::flag_color(*k),
                                            ),
                                        };
                                        let chip = theme::chip(ui, &label, color);
                                        if let Some(f) = flag {
                                            chip.on_hover_ui(|ui| {
                                                ui.label(&f.message);
                                                if !f.evidence.is_empty() {
                                                    ui.label(
                                                        RichText::new(&f.evidence)
                                                            .small()
                                                            .color(theme::MUTED),
                                                    );
                                                }
                                                if f.uncertain {
                                                    ui.label(
                                                        RichText::new(theme::uncertain_note(lang))
                                                            .small()
                                                            .color(theme::MUTED),
                                                    );
                                                }
                                            });
                                        }
                                    }
                                    if let Some(tag) = tag {
                                        ui.label(RichText::new(tag).size(12.0).color(theme::MUTED));
                                    }
                                });
                            }
                        },
                    );
                });
                let bottom = ui.min_rect().bottom();
                let stripe =
                    Rect::from_min_max(pos2(top.x, top.y + 2.0), pos2(top.x + 3.0, bottom));
                ui.painter().rect_filled(stripe, 1, color);
            }
        }
    }

    fn speaker_button(
        &mut self,
        ui: &mut Ui,
        model: &SessionModel,
        line: Line<'_>,
        lang: UiLang,
        actions: &mut Vec<ObserverAction>,
    ) {
        let Line {
            index,
            speaker,
            color,
        } = line;
        let pending = self.pending.get(&index).cloned();
        let shown = RichText::new(speaker).strong().color(color);
        let resp = ui
            .menu_button(shown, |ui| {
                ui.label(
                    RichText::new(lang.t("Wie sprak hier?", "Who spoke here?"))
                        .small()
                        .color(theme::MUTED),
                );
                if crate::groups::is_anonymous_label(speaker) {
                    self.name_field(ui, speaker, lang, actions);
                    ui.separator();
                }
                for name in model.speaker_choices() {
                    if name == speaker {
                        continue;
                    }
                    let c = theme::speaker_color(model.speaker_index(&name));
                    let text = match model.role_of(&name) {
                        Some(r) => format!("{name} ({})", theme::role_label(r, lang)),
                        None => name.clone(),
                    };
                    if ui.button(RichText::new(text).color(c)).clicked() {
                        self.pending.insert(index, name.clone());
                        actions.push(ObserverAction::Reassign {
                            index,
                            speaker: name,
                        });
                        ui.close();
                    }
                }
            })
            .response;
        resp.on_hover_text(lang.t(
            "Klik om deze regel aan iemand anders toe te wijzen",
            "Click to assign this line to someone else",
        ));
        if let Some(p) = pending
            && p != speaker
        {
            ui.label(
                RichText::new(format!("{} {p}…", lang.t("wordt", "becomes")))
                    .small()
                    .color(theme::MUTED),
            );
        }
    }
}

/// The transcript line whose speaker button is drawn: its index, speaker and colour.
struct Line<'a> {
    index: usize,
    speaker: &'a str,
    color: Color32,
}

impl ObserverState {
    /// "Wie is S2?": a name for every line of a guest voice, and for what it says next.
    fn name_field(
        &mut self,
        ui: &mut Ui,
        speaker: &str,
        lang: UiLang,
        actions: &mut Vec<ObserverAction>,
    ) {
        ui.label(
            RichText::new(format!("{} {speaker}?", lang.t("Wie is", "Who is")))
                .small()
                .color(theme::MUTED),
        );
        let mut go = false;
        ui.horizontal(|ui| {
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.name_draft)
                    .desired_width(110.0)
                    .hint_text(lang.t("naam", "name")),
            );
            go = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let name = self.name_draft.trim().to_string();
            let ok = !name.is_empty() && name != speaker;
            if ui
                .add_enabled(ok, egui::Button::new(lang.t("Naam geven", "Name")))
                .on_hover_text(lang.t(
                    "Alle regels van deze stem, en wat ze nog zegt, krijgen deze naam",
                    "Every line of this voice, and what it says next, gets this name",
                ))
                .clicked()
            {
                go = true;
            }
            go &= ok;
        });
        if go {
            actions.push(ObserverAction::Rename {
                from: speaker.to_string(),
                to: self.name_draft.trim().to_string(),
            });
            self.name_draft.clear();
            ui.close();
        }
    }
}

/// The people to list: participants (not the observer), then other speakers seen.
fn people(model: &SessionModel) -> Vec<String> {
    model
        .speaker_order
        .iter()
        .filter(|n| model.role_of(n) != Some(Role::Observant) && model.is_present(n))
        .cloned()
        .collect()
}

fn side_panel(
    ui: &mut Ui,
    model: &SessionModel,
    lang: UiLang,
    live: bool,
    state: &mut ObserverState,
    actions: &mut Vec<ObserverAction>,
) {
    let names = people(model);
    talk_time(ui, model, &names, lang);
    questions(ui, model, &names, lang);
    section(ui, lang.t("Langste monoloog", "Longest monologue"));
    let longest = model
        .session_stats
        .iter()
        .filter(|s| s.longest_monologue_seconds > 0.0)
        .max_by(|a, b| {
            a.longest_monologue_seconds
                .total_cmp(&b.longest_monologue_seconds)
        });
    match longest {
        Some(s) => {
            ui.horizontal(|ui| {
                let c = theme::speaker_color(model.speaker_index(&s.name));
                ui.label(RichText::new(&s.name).color(c).strong());
                ui.label(theme::clock(s.longest_monologue_seconds));
                if model.role_of(&s.name) == Some(Role::Inbrenger) {
                    ui.label(
                        RichText::new(lang.t("(inbrenger)", "(presenter)"))
                            .size(12.0)
                            .color(theme::MUTED),
                    );
                }
            });
        }
        None => {
            ui.label(RichText::new("—").color(theme::MUTED));
        }
    }

    section(ui, lang.t("Stilte", "Silence"));
    silence(ui, model, &names, lang);

    if live {
        introductions(ui, model, lang, state, actions);
    }

    section(ui, lang.t("Signalen", "Flags"));
    flag_counts(ui, model, lang);

    if let Some((estimate, problems)) = &model.room {
        section(ui, lang.t("Ruimte", "Room"));
        crate::ui::room::room_check(ui, estimate, problems, lang);
    }
}

/// Talk time per person: the whole session and the last five minutes.
fn talk_time(ui: &mut Ui, model: &SessionModel, names: &[String], lang: UiLang) {
    section(ui, lang.t("Spreektijd", "Talk time"));
    ui.label(
        RichText::new(lang.t(
            "dikke balk: hele sessie · dunne balk: laatste 5 minuten",
            "thick bar: whole session · thin bar: last 5 minutes",
        ))
        .size(11.5)
        .color(theme::MUTED),
    );
    ui.add_space(4.0);
    if names.is_empty() {
        ui.label(RichText::new("—").color(theme::MUTED));
    }
    for name in names {
        let c = theme::speaker_color(model.speaker_index(name));
        let s = model.stats_of(&model.session_stats, name);
        let r = model.stats_of(&model.recent_stats, name);
        let share = s.map_or(0.0, |s| s.share);
        ui.horizontal(|ui| {
            ui.label(RichText::new(name).color(c).strong());
            if let Some(role) = model.role_of(name) {
                ui.label(
                    RichText::new(theme::role_label(role, lang))
                        .size(11.5)
                        .color(theme::MUTED),
                );
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let secs = s.map_or(0.0, |s| s.talk_seconds);
                ui.label(
                    RichText::new(format!("{:.0}% · {}", share * 100.0, theme::clock(secs)))
                        .size(12.5)
                        .color(theme::MUTED),
                );
            });
        });
        bar(ui, share as f32, c, 9.0);
        bar(
            ui,
            r.map_or(0.0, |r| r.share) as f32,
            c.gamma_multiply(0.5),
            4.0,
        );
        ui.add_space(3.0);
    }
}

/// The question mix (open, closed, why) of everyone who asked one.
fn questions(ui: &mut Ui, model: &SessionModel, names: &[String], lang: UiLang) {
    section(ui, lang.t("Vragen", "Questions"));
    let askers: Vec<&String> = names
        .iter()
        .filter(|n| {
            model
                .stats_of(&model.session_stats, n)
                .is_some_and(|s| s.questions > 0)
        })
        .collect();
    if askers.is_empty() {
        ui.label(
            RichText::new(lang.t("Nog geen vragen.", "No questions yet.")).color(theme::MUTED),
        );
    } else {
        egui::Grid::new("question_mix")
            .num_columns(4)
            .spacing([10.0, 3.0])
            .show(ui, |ui| {
                ui.label("");
                for h in [
                    lang.t("open", "open"),
                    lang.t("gesloten", "closed"),
                    lang.t("waarom", "why"),
                ] {
                    ui.label(RichText::new(h).size(12.0).color(theme::MUTED));
                }
                ui.end_row();
                for name in askers {
                    let Some(s) = model.stats_of(&model.session_stats, name) else {
                        continue;
                    };
                    let c = theme::speaker_color(model.speaker_index(name));
                    ui.label(RichText::new(name).color(c));
                    ui.label(s.open_questions.to_string());
                    ui.label(s.closed_questions.to_string());
                    let why = RichText::new(s.why_questions.to_string());
                    ui.label(if s.why_questions > 0 {
                        why.color(theme::flag_color(crate::analysis::FlagKind::WhyQuestion))
                    } else {
                        why
                    });
                    ui.end_row();
                }
            });
    }
}

/// The round of introductions: a name's button teaches the next utterances that voice.
fn introductions(
    ui: &mut Ui,
    model: &SessionModel,
    lang: UiLang,
    state: &mut ObserverState,
    actions: &mut Vec<ObserverAction>,
) {
    section(ui, lang.t("Voorstelronde", "Round of introductions"));
    ui.label(
        RichText::new(lang.t(
            "Klik op een naam en laat die persoon zich kort voorstellen: zo leert Observant de stem.",
            "Click a name and let that person briefly introduce themselves: Observant learns the voice.",
        ))
        .size(12.0)
        .color(theme::MUTED),
    );
    ui.horizontal_wrapped(|ui| {
        for p in &model.participants {
            let active = state.enrolling.as_deref() == Some(p.name.as_str());
            let text = format!("{} {}", lang.t("Stel je voor:", "Introduce:"), p.name);
            if ui
                .add(egui::Button::new(RichText::new(text).size(13.0)).selected(active))
                .clicked()
            {
                state.enrolling = Some(p.name.clone());
                actions.push(ObserverAction::Enroll(p.name.clone()));
            }
        }
    });
    if let Some(n) = &state.enrolling {
        ui.label(
            RichText::new(match lang {
                UiLang::Nl => format!("De volgende uitspraken leren de stem van {n}."),
                UiLang::En => format!("The next utterances teach {n}'s voice."),
            })
            .size(12.0)
            .color(theme::ACCENT),
        );
    }
}

fn silence(ui: &mut Ui, model: &SessionModel, names: &[String], lang: UiLang) {
    let mut quiet: Vec<(&String, f64)> = names
        .iter()
        .filter(|n| model.role_of(n) != Some(Role::Observant))
        .map(|n| (n, model.silent_for(n)))
        .filter(|(_, s)| *s >= 120.0)
        .collect();
    quiet.sort_by(|a, b| b.1.total_cmp(&a.1));
    if quiet.is_empty() {
        ui.label(
            RichText::new(lang.t(
                "Iedereen heeft de laatste twee minuten gesproken.",
                "Everyone spoke in the last two minutes.",
            ))
            .size(12.5)
            .color(theme::MUTED),
        );
        return;
    }
    for (name, secs) in quiet {
        let flagged = model.flags.iter().any(|f| {
            f.kind == crate::analysis::FlagKind::SilentParticipant
                && f.speaker.as_deref() == Some(name.as_str())
        });
        let minutes = (secs / 60.0).floor() as u64;
        let text = match lang {
            UiLang::Nl => format!("{minutes} min stil"),
            UiLang::En => format!("silent for {minutes} min"),
        };
        ui.horizontal(|ui| {
            let c = theme::speaker_color(model.speaker_index(name));
            ui.label(RichText::new(name).color(c));
            ui.label(RichText::new(text).color(if flagged || secs >= 600.0 {
                theme::AMBER
            } else {
                theme::MUTED
            }));
        });
    }
}

fn flag_counts(ui: &mut Ui, model: &SessionModel, lang: UiLang) {
    let mut counts: Vec<(crate::analysis::FlagKind, usize)> = Vec::new();
    for f in &model.flags {
        match counts.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.kind, 1)),
        }
    }
    counts.sort();
    if counts.is_empty() {
        ui.label(RichText::new(lang.t("Nog geen signalen.", "No flags yet.")).color(theme::MUTED));
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for (k, n) in counts {
            theme::chip(
                ui,
                &format!("{} {n}", theme::flag_chip(k, lang)),
                theme::flag_color(k),
            );
        }
    });
}
