//! Small drawing helpers shared by the views (start, observer, review, the app's top bar):
//! section titles, thin bars, shortened names, the framed panels and the row-height cache
//! that lets long transcripts lay out only the rows in view.

use egui::{Align, Color32, Layout, Rect, RichText, Sense, Ui, UiBuilder, pos2, vec2};

use super::theme;

/// A section title with a little space above.
pub fn section(ui: &mut Ui, title: &str) {
    ui.add_space(10.0);
    ui.label(RichText::new(title).strong().size(14.0).color(theme::TEXT));
    ui.add_space(2.0);
}

/// A thin horizontal bar showing `frac` (0..1) of the available width.
pub fn bar(ui: &mut Ui, frac: f32, color: Color32, height: f32) {
    let w = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(vec2(w, height), Sense::hover());
    ui.painter()
        .rect_filled(rect, 2, Color32::from_rgb(0xEA, 0xE6, 0xDF));
    let mut f = rect;
    f.set_width(w * frac.clamp(0.0, 1.0));
    ui.painter().rect_filled(f, 2, color);
}

/// The text of a transcript line; a line heard uncertainly (`uncertain`: the recogniser's
/// confidence) is muted and italic, with a note on hover; a line without text (a turn heard
/// as speech in which no word was recognised) shows as "(onverstaanbaar)".
pub fn line_text(ui: &mut Ui, text: &str, uncertain: Option<f32>, lang: crate::i18n::UiLang) {
    if text.trim().is_empty() {
        // A turn heard as speech in which the recogniser found no word.
        ui.add(
            egui::Label::new(
                RichText::new(lang.t("(onverstaanbaar)", "(unintelligible)"))
                    .italics()
                    .color(theme::MUTED),
            )
            .wrap(),
        )
        .on_hover_text(lang.t(
            "Spraak gehoord, maar geen woord herkend (ver weg, een andere taal, door elkaar): telt mee als spreektijd",
            "Speech heard but no word recognised (far away, another language, overlapping): counts as talk time",
        ));
        return;
    }
    match uncertain {
        None => {
            ui.add(egui::Label::new(RichText::new(text).color(theme::TEXT)).wrap());
        }
        Some(c) => {
            ui.add(egui::Label::new(RichText::new(text).italics().color(theme::MUTED)).wrap())
                .on_hover_text(format!(
                    "{} ({:.0} %)",
                    lang.t(
                        "Onzeker verstaan: controleer deze regel in de review",
                        "Heard uncertainly: check this line in the review"
                    ),
                    c * 100.0
                ));
        }
    }
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A resizable card-coloured panel on the right (`id`), its contents in a vertical scroll
/// area (`scroll_id`).
pub fn side_panel(
    ui: &mut Ui,
    id: &'static str,
    scroll_id: &str,
    default_size: f32,
    size_range: std::ops::RangeInclusive<f32>,
    add_contents: impl FnOnce(&mut Ui),
) {
    egui::Panel::right(id)
        .resizable(true)
        .default_size(default_size)
        .size_range(size_range)
        .frame(
            egui::Frame::new()
                .fill(theme::CARD)
                .inner_margin(egui::Margin::symmetric(14, 10)),
        )
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt(scroll_id)
                .auto_shrink([false, false])
                .show(ui, add_contents);
        });
}

/// Measured heights of the rows of a long list, so that only the rows in view are laid out.
#[derive(Default)]
pub struct RowHeights {
    heights: Vec<f32>,
    width: f32,
}

impl RowHeights {
    /// Keeps a height for each of `n` rows, new rows at `estimate`.
    pub fn fit(&mut self, n: usize, estimate: f32) {
        self.heights.resize(n, estimate);
    }

    /// The top of row `i` (the sum of the heights above it).
    pub fn top_of(&self, i: usize) -> f32 {
        self.heights[..i.min(self.heights.len())].iter().sum()
    }

    /// Draws the rows that lie in `viewport` (inside a scroll area's `show_viewport`), each
    /// with `draw(ui, index)`: rows drawn are measured, the others keep their estimate;
    /// when the width changed by more than half a pixel every height is reset to
    /// `estimate` first.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        viewport: Rect,
        estimate: f32,
        id: &'static str,
        mut draw: impl FnMut(&mut Ui, usize),
    ) {
        let heights = &mut self.heights;
        let w = ui.available_width();
        if (w - self.width).abs() > 0.5 {
            // Rows in view are re-measured below; the rest fall back to estimates.
            self.width = w;
            heights.iter_mut().for_each(|h| *h = estimate);
        }
        let mut tops = Vec::with_capacity(heights.len() + 1);
        let mut y = 0.0f32;
        for h in heights.iter() {
            tops.push(y);
            y += h;
        }
        ui.set_height(y);
        let first = tops
            .partition_point(|&t| t <= viewport.min.y)
            .saturating_sub(1);
        let origin = ui.max_rect().min;
        let mut changed = false;
        for (i, &top) in tops.iter().enumerate().skip(first) {
            if top > viewport.max.y {
                break;
            }
            let rect = Rect::from_min_size(pos2(origin.x, origin.y + top), vec2(w, 4000.0));
            let mut child = ui.new_child(
                UiBuilder::new()
                    .max_rect(rect)
                    .layout(Layout::top_down(Align::Min))
                    .id_salt((id, i)),
            );
            draw(&mut child, i);
            let h = child.min_rect().height() + 8.0;
            if (h - heights[i]).abs() > 0.5 {
                heights[i] = h;
                changed = true;
            }
        }
        if changed {
            ui.ctx().request_repaint();
        }
    }
}

/// The central panel holding a transcript: the background colour, a little more margin on
/// the left.
pub fn transcript_panel(ui: &mut Ui, add_contents: impl FnOnce(&mut Ui)) {
    egui::CentralPanel::default()
        .frame(
            egui::Frame::new()
                .fill(theme::BG)
                .inner_margin(egui::Margin {
                    left: 12,
                    right: 6,
                    top: 6,
                    bottom: 6,
                }),
        )
        .show(ui, add_contents);
}

/// The app's top bar: a card-coloured strip with the name "Observant", then `add_contents`
/// on the same row.
pub fn top_bar(ui: &mut Ui, add_contents: impl FnOnce(&mut Ui)) {
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
                add_contents(ui);
            });
        });
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn short_keeps_short_names_and_cuts_long_ones_with_an_ellipsis() {
        assert_eq!(short("Anna", 5), "Anna");
        assert_eq!(short("Alexandra", 5), "Alex…");
        assert_eq!(short("Ébène", 5), "Ébène");
    }
}
