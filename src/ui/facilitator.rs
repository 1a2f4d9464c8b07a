//! The facilitator view: deliberately quiet. One large, calm cue at a time (the most recent
//! relevant flag, fading after some seconds), the method's current step with its elapsed
//! time against the budget, and a button to move to the next step.

use egui::{Align, Color32, Layout, RichText, Ui};

use crate::app::core::MethodInfo;
use crate::i18n::UiLang;
use crate::ui::model::SessionModel;
use crate::ui::theme;

/// Seconds a cue stays fully visible.
pub const CUE_HOLD: f64 = 8.0;
/// Seconds it then takes to fade out.
pub const CUE_FADE: f64 = 2.0;

/// Opacity of a cue shown at `shown_at`, at UI time `now` (1 = fully visible, 0 = gone).
pub fn cue_opacity(shown_at: f64, now: f64) -> f32 {
    let age = now - shown_at;
    if age <= CUE_HOLD {
        1.0
    } else {
        (1.0 - (age - CUE_HOLD) / CUE_FADE).clamp(0.0, 1.0) as f32
    }
}

/// Budget state of a step, for the progress colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Within,
    Over,
    WellOver,
}

/// Where `elapsed` stands against a step budget of `min..max` seconds.
pub fn budget_state(elapsed: f64, max: f64) -> Budget {
    if max <= 0.0 || elapsed <= max {
        Budget::Within
    } else if elapsed <= max * 1.25 {
        Budget::Over
    } else {
        Budget::WellOver
    }
}

/// Draws the facilitator view; returns true when "next step" was clicked.
pub fn show(
    ui: &mut Ui,
    model: &SessionModel,
    method: Option<&MethodInfo>,
    lang: UiLang,
    live: bool,
    ui_time: f64,
) -> bool {
    let mut advance = false;
    egui::CentralPanel::default()
        .frame(egui::Frame::new().fill(theme::BG).inner_margin(24))
        .show(ui, |ui| {
            let h = ui.available_height();
            ui.with_layout(Layout::top_down(Align::Center), |ui| {
                ui.add_space((h * 0.12).min(80.0));
                cue(ui, model, lang, ui_time);
                ui.add_space((h * 0.10).min(70.0));
                advance = step(ui, model, method, lang, live);
            });
        });
    advance
}

fn cue(ui: &mut Ui, model: &SessionModel, lang: UiLang, ui_time: f64) {
    let width = ui.available_width().min(820.0);
    let visible = model
        .cue
        .as_ref()
        .map(|c| (c, cue_opacity(c.shown_at, ui_time)))
        .filter(|(_, o)| *o > 0.0);
    let (text, color, opacity) = match visible {
        Some((c, o)) => (
            theme::cue_text(&c.flag, lang),
            // A cue on uncertain recognition is shown muted: a hint, not a verdict.
            if c.flag.uncertain {
                theme::MUTED
            } else {
                theme::flag_color(c.flag.kind)
            },
            o,
        ),
        None => (String::new(), theme::MUTED, 0.0),
    };
    if let Some((c, _)) = visible {
        // Keep repainting while the cue is up so it fades on time.
        let left = CUE_HOLD + CUE_FADE - (ui_time - c.shown_at);
        if left > 0.0 {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
    let fill = theme::tint(color).gamma_multiply(opacity);
    egui::Frame::new()
        .fill(fill)
        .corner_radius(18)
        .inner_margin(egui::Margin::symmetric(32, 12))
        .show(ui, |ui| {
            let size = egui::vec2(width - 64.0, 150.0);
            ui.allocate_ui_with_layout(
                size,
                Layout::centered_and_justified(egui::Direction::TopDown),
                |ui| {
                    if opacity > 0.0 {
                        ui.label(
                            RichText::new(&text)
                                .size(42.0)
                                .color(color.gamma_multiply(opacity)),
                        );
                    } else {
                        ui.label(
                            RichText::new(lang.t("Geen signaal", "No cue"))
                                .size(18.0)
                                .color(theme::MUTED.gamma_multiply(0.7)),
                        );
                    }
                },
            );
        });
}

fn step(
    ui: &mut Ui,
    model: &SessionModel,
    method: Option<&MethodInfo>,
    lang: UiLang,
    live: bool,
) -> bool {
    let mut advance = false;
    let Some(m) = method.filter(|m| !m.steps.is_empty()) else {
        ui.label(
            RichText::new(lang.t("Vrije vorm", "Free form"))
                .size(20.0)
                .color(theme::MUTED),
        );
        ui.add_space(6.0);
        ui.label(
            RichText::new(format!(
                "{} {}",
                lang.t("Sessieduur", "Session time"),
                theme::clock(model.now)
            ))
            .size(26.0)
            .color(theme::TEXT),
        );
        return false;
    };
    let n = m.steps.len() as u32;
    let current = model.step.clamp(1, n);
    let s = &m.steps[(current - 1) as usize];
    let elapsed = (model.now - model.step_started).max(0.0);
    ui.label(RichText::new(&m.name).size(15.0).color(theme::MUTED));
    ui.add_space(2.0);
    ui.label(
        RichText::new(match lang {
            UiLang::Nl => format!("Stap {current} van {n}"),
            UiLang::En => format!("Step {current} of {n}"),
        })
        .size(16.0)
        .color(theme::MUTED),
    );
    ui.label(RichText::new(&s.name).size(30.0).color(theme::TEXT));
    ui.add_space(10.0);
    let state = budget_state(elapsed, s.budget_max);
    let color = match state {
        Budget::Within => theme::OK,
        Budget::Over => theme::AMBER,
        Budget::WellOver => theme::RED,
    };
    let budget = budget_text(s.budget_min, s.budget_max);
    let mut job = egui::text::LayoutJob::default();
    job.append(
        &theme::clock(elapsed),
        0.0,
        egui::TextFormat::simple(egui::FontId::proportional(30.0), color),
    );
    if !budget.is_empty() {
        job.append(
            &format!("/ {budget}"),
            8.0,
            egui::TextFormat::simple(egui::FontId::proportional(18.0), theme::MUTED),
        );
    }
    ui.label(job);
    ui.add_space(6.0);
    let frac = if s.budget_max > 0.0 {
        (elapsed / s.budget_max) as f32
    } else {
        0.0
    };
    ui.add(
        egui::ProgressBar::new(frac.min(1.0))
            .desired_width(420.0)
            .desired_height(12.0)
            .fill(color)
            .corner_radius(6),
    );
    if state != Budget::Within {
        ui.label(
            RichText::new(lang.t("Over de tijd van deze stap", "Over this step's time"))
                .size(14.0)
                .color(color),
        );
    }
    ui.add_space(18.0);
    if live {
        let last = current >= n;
        let label = if last {
            lang.t("Laatste stap", "Last step")
        } else {
            lang.t("Volgende stap", "Next step")
        };
        let button = egui::Button::new(RichText::new(label).size(18.0).color(if last {
            theme::MUTED
        } else {
            Color32::WHITE
        }))
        .fill(if last { theme::LINE } else { theme::ACCENT })
        .min_size(egui::vec2(220.0, 44.0))
        .corner_radius(8);
        if ui.add_enabled(!last, button).clicked() {
            advance = true;
        }
        if let Some(next) = m.steps.get(current as usize) {
            ui.label(
                RichText::new(format!("{} {}", lang.t("Daarna:", "Then:"), next.name))
                    .size(14.0)
                    .color(theme::MUTED),
            );
        }
    }
    advance
}

/// "10–15 min", "5 min" or "" for a budget in seconds.
pub fn budget_text(min: f64, max: f64) -> String {
    let (a, b) = ((min / 60.0).round() as u64, (max / 60.0).round() as u64);
    match (a, b) {
        (_, 0) => String::new(),
        (a, b) if a == b || a == 0 => format!("{b} min"),
        (a, b) => format!("{a}–{b} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_fades_after_hold() {
        assert_eq!(cue_opacity(0.0, 5.0), 1.0);
        assert!((cue_opacity(0.0, 9.0) - 0.5).abs() < 1e-6);
        assert_eq!(cue_opacity(0.0, 20.0), 0.0);
    }

    #[test]
    fn budget_colours() {
        assert_eq!(budget_state(500.0, 600.0), Budget::Within);
        assert_eq!(budget_state(700.0, 600.0), Budget::Over);
        assert_eq!(budget_state(900.0, 600.0), Budget::WellOver);
        assert_eq!(budget_text(600.0, 900.0), "10–15 min");
        assert_eq!(budget_text(300.0, 300.0), "5 min");
    }
}
