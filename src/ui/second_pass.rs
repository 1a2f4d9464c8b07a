//! The second pass in the review window: a bar under the toolbar that offers it for a live
//! session's recording, shows its progress (and lets it be stopped) while it runs in the
//! background, and afterwards says what changed, with a way to run it again for a number of
//! voices the user sets (when the estimate merged two people or split one). The work is
//! `crate::app::core`'s `second_pass_with_progress`; the result goes to
//! `ReviewDoc::apply_second_pass`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;
use egui::{RichText, Ui};

use super::review::ReviewScreen;
use super::theme;
use crate::i18n::UiLang;
use crate::pipeline::offline::ProgressCounter;
use crate::pipeline::second_pass::SecondPass;

/// A second pass running in the background.
pub struct PassJob {
    rx: Receiver<Result<SecondPass, String>>,
    progress: Arc<ProgressCounter>,
}

impl ReviewScreen {
    /// Starts the second pass over the session's recording (nothing when it is not possible
    /// or already running). The model: the one set in the review's state, else the one the
    /// session was recorded with when it is still there, else the bundled one.
    pub fn start_second_pass(&mut self) {
        if self.doc.second_pass_possible() {
            self.run_second_pass(None);
        }
    }

    /// Runs the second pass again with `voices` voices (nothing when no pass has run, or
    /// one is running). The pass compares with the live lines and takes live's names, as
    /// the first did.
    pub fn second_pass_again(&mut self, voices: usize) {
        if self.doc.second_pass_again_possible() && voices >= 1 {
            self.run_second_pass(Some(voices));
        }
    }

    fn run_second_pass(&mut self, voices: Option<usize>) {
        if self.state.pass_job.is_some() {
            return;
        }
        let live = match self.doc.live_transcript() {
            Ok(t) => t,
            Err(e) => {
                self.state.pass_error = Some(format!("{e:#}"));
                return;
            }
        };
        let Some(session) = self.doc.session.clone() else {
            return;
        };
        let model = self
            .state
            .model
            .clone()
            .or_else(|| session.meta.model.as_ref().map(PathBuf::from))
            .filter(|p| p.is_file())
            .unwrap_or_else(crate::default_model_path);
        let progress = Arc::new(ProgressCounter::default());
        // A group's session: the group's voices name the voices they match (when the
        // groups are unlocked in this window).
        let group = session
            .meta
            .group
            .clone()
            .zip(self.state.groups.clone().filter(|v| v.is_unlocked()))
            .map(|(name, vault)| -> crate::app::core::GroupVoices {
                Box::new(move || Ok((name.clone(), vault.voices_of(&name)?)))
            });
        let rx = crate::app::core::second_pass_with_progress(
            session,
            live,
            model,
            Some(progress.clone()),
            group,
            voices,
        );
        self.state.pass_error = None;
        self.state.pass_job = Some(PassJob { rx, progress });
    }

    /// Is a second pass running?
    pub fn second_pass_running(&self) -> bool {
        self.state.pass_job.is_some()
    }

    /// Takes in a finished second pass.
    fn poll_second_pass(&mut self) {
        let Some(job) = &self.state.pass_job else {
            return;
        };
        match job.rx.try_recv() {
            Ok(Ok(pass)) => {
                self.state.pass_job = None;
                self.doc.apply_second_pass(pass);
                self.state.selected = (!self.doc.analysis.utterances.is_empty()).then_some(0);
            }
            Ok(Err(e)) => {
                self.state.pass_job = None;
                self.state.pass_error = Some(e);
            }
            Err(crossbeam_channel::TryRecvError::Empty) => {}
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.state.pass_job = None;
            }
        }
    }

    /// The bar under the toolbar: the offer, the progress or the note.
    pub(crate) fn second_pass_bar(&mut self, ui: &mut Ui, lang: UiLang) {
        self.poll_second_pass();
        let possible = self.doc.second_pass_possible();
        if self.state.pass_job.is_none()
            && self.doc.pass.is_none()
            && self.state.pass_error.is_none()
            && !possible
        {
            return;
        }
        egui::Panel::top("review_second_pass")
            .frame(
                egui::Frame::new()
                    .fill(theme::NOTICE_BG)
                    .inner_margin(egui::Margin::symmetric(14, 6)),
            )
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| self.second_pass_line(ui, lang, possible));
            });
    }

    fn second_pass_line(&mut self, ui: &mut Ui, lang: UiLang, possible: bool) {
        if let Some(job) = &self.state.pass_job {
            ui.spinner();
            let done = job
                .progress
                .fraction()
                .map(|f| format!(" {:.0} %", f * 100.0))
                .unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "{}{done}",
                    lang.t(
                        "Tweede ronde: de hele opname wordt opnieuw uitgeschreven, met de \
                         sprekers over het geheel…",
                        "Second pass: the whole recording is transcribed again, with the \
                         speakers over the whole…"
                    )
                ))
                .color(theme::TEXT),
            );
            if ui.small_button(lang.t("Stoppen", "Stop")).clicked() {
                job.progress.cancel();
            }
            ui.ctx().request_repaint_after(Duration::from_millis(200));
            return;
        }
        let failed = self.state.pass_error.as_ref().map(|e| {
            RichText::new(format!(
                "{} {e}",
                lang.t("Tweede ronde niet gelukt:", "Second pass failed:")
            ))
            .color(theme::RED)
        });
        if let Some(note) = &self.doc.pass {
            // A pass run again that failed leaves the earlier one in place, and says so.
            ui.label(RichText::new(note.describe(lang)).color(theme::TEXT));
            if let Some(failed) = failed {
                ui.label(failed);
            }
            if self.doc.second_pass_again_possible() {
                self.voices_again(ui, lang);
            }
            return;
        }
        if let Some(failed) = failed {
            ui.label(failed);
        } else {
            ui.label(
                RichText::new(lang.t(
                    "Dit is het live-transcript. Een tweede ronde schrijft de hele opname \
                     opnieuw uit: nauwkeuriger, en de sprekers over het geheel.",
                    "This is the live transcript. A second pass transcribes the whole \
                     recording again: more accurate, with the speakers over the whole.",
                ))
                .color(theme::TEXT),
            );
        }
        if possible
            && ui
                .button(lang.t("Tweede ronde starten", "Start second pass"))
                .clicked()
        {
            self.start_second_pass();
        }
    }

    /// "Klopt het aantal stemmen niet? [-] N [+] [Opnieuw met N stemmen]": the estimate can
    /// merge two people whose voices the room makes alike, or split one; the user who was
    /// there knows how many spoke.
    fn voices_again(&mut self, ui: &mut Ui, lang: UiLang) {
        if self.state.pass_voices == 0 {
            self.state.pass_voices = self.doc.analysis.speakers.len().max(1);
        }
        let n = self.state.pass_voices;
        ui.separator();
        ui.label(
            RichText::new(lang.t("Klopt het aantal stemmen niet?", "Wrong number of voices?"))
                .color(theme::TEXT),
        );
        if ui
            .add_enabled(n > 1, egui::Button::new("−").small())
            .on_hover_text(lang.t("Eén stem minder", "One voice fewer"))
            .clicked()
        {
            self.state.pass_voices = n - 1;
        }
        ui.label(RichText::new(n.to_string()).strong().color(theme::TEXT));
        if ui
            .add_enabled(n < MAX_VOICES, egui::Button::new("+").small())
            .on_hover_text(lang.t("Eén stem meer", "One voice more"))
            .clicked()
        {
            self.state.pass_voices = n + 1;
        }
        let n = self.state.pass_voices;
        let again = format!(
            "{} {n} {}",
            lang.t("Opnieuw met", "Again with"),
            crate::review::second_pass::voices_word(n, lang)
        );
        if ui.button(again).clicked() {
            self.second_pass_again(n);
        }
    }
}

/// The most voices the bar offers (an intervisie group is 4-8 people, with guests).
const MAX_VOICES: usize = 12;
