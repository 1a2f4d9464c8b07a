//! The model picker of the start screen: the speech models to choose from (the bundled one
//! and those in the user's model folder, see [`crate::asr::models`]) with what each is and its
//! speed on this machine, a measurement on request, and "Model toevoegen…" (a path typed, or
//! a `.bin` dropped on the window). Listing, adding and measuring run in the background; this
//! file only draws their state and starts them.

use crossbeam_channel::{Receiver, TryRecvError};
use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

use crate::app::core::in_background;
use crate::asr::models::{self, Listed, ModelInfo, Speed, SpeedCache};
use crate::i18n::UiLang;
use crate::ui::theme;

type Job<T> = Option<Receiver<Result<T, String>>>;

/// The model picker's state.
pub struct ModelShelf {
    /// The user's model folder.
    pub dir: PathBuf,
    listed: Vec<Listed>,
    speeds: SpeedCache,
    threads: usize,
    listing: Job<(Vec<Listed>, SpeedCache)>,
    adding: Job<ModelInfo>,
    measuring: Option<(PathBuf, Receiver<Result<Speed, String>>)>,
    /// The typed path of "Model toevoegen…" (the fallback for dropping a file).
    pub add_path: String,
    pub show_add: bool,
    /// The open dialog of "Model toevoegen…".
    choice: crate::ui::files::FileChoice,
    /// The last add or measurement: text, and whether it is a problem.
    pub message: Option<(String, bool)>,
}

impl ModelShelf {
    /// The shelf over `dir` (the user's model folder); lists it in the background.
    pub fn new(dir: PathBuf) -> ModelShelf {
        let mut s = ModelShelf {
            dir,
            listed: Vec::new(),
            speeds: SpeedCache::default(),
            threads: crate::asr::whisper::default_threads(),
            listing: None,
            adding: None,
            measuring: None,
            add_path: String::new(),
            show_add: false,
            choice: Default::default(),
            message: None,
        };
        s.refresh();
        s
    }

    /// Lists the models again (in the background).
    pub fn refresh(&mut self) {
        let dir = self.dir.clone();
        self.listing = Some(in_background("observant-models", move || {
            Ok((
                models::list(&crate::default_model_path(), &dir),
                SpeedCache::load(&dir),
            ))
        }));
    }

    /// Checks `path` and copies it into the model folder (in the background); when it is
    /// usable it becomes the chosen model.
    pub fn add(&mut self, path: PathBuf) {
        let dir = self.dir.clone();
        self.message = None;
        self.adding = Some(in_background("observant-model-add", move || {
            models::add(&path, &dir)
        }));
    }

    /// Whether a listing, an addition or a measurement is still running.
    pub fn busy(&self) -> bool {
        self.listing.is_some() || self.adding.is_some() || self.measuring.is_some()
    }

    /// The models listed (after the first listing arrived).
    pub fn listed(&self) -> &[Listed] {
        &self.listed
    }

    /// Takes finished jobs' answers; returns a model that was just added (to choose it).
    fn poll(&mut self, lang: UiLang) -> Option<PathBuf> {
        if let Some(Ok((listed, speeds))) = take(&mut self.listing) {
            self.listed = listed;
            self.speeds = speeds;
        }
        let mut added = None;
        match take(&mut self.adding) {
            Some(Ok(m)) => {
                self.message = Some((
                    format!("{} {}", lang.t("Toegevoegd:", "Added:"), m.name),
                    false,
                ));
                added = Some(m.path);
                self.add_path.clear();
                self.show_add = false;
                self.refresh();
            }
            Some(Err(e)) => {
                self.message = Some((
                    format!("{} {e}", lang.t("Niet toegevoegd:", "Not added:")),
                    true,
                ));
            }
            None => {}
        }
        if let Some((_, rx)) = &self.measuring {
            let answer = match rx.try_recv() {
                Ok(a) => Some(a),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Err("afgebroken / stopped".into())),
            };
            if let Some(a) = answer {
                self.measuring = None;
                match a {
                    Ok(_) => self.refresh(),
                    Err(e) => self.message = Some((e, true)),
                }
            }
        }
        added
    }

    fn usable(&self, path: &Path) -> Option<&ModelInfo> {
        self.listed.iter().find_map(|l| match l {
            Listed::Usable(m) if m.path == path => Some(m),
            _ => None,
        })
    }

    /// Draws the picker for the chosen model path `chosen` (changed when the user picks or
    /// adds one).
    pub fn show(
        &mut self,
        ui: &mut Ui,
        lang: UiLang,
        label: egui::Id,
        chosen: &mut String,
        picker: &crate::app::dialog::FilePicker,
    ) {
        use crate::ui::files::Chosen;
        match self.choice.poll() {
            Some(Chosen::File(p)) => self.add(p),
            // No dialog here: the typed path is the way in.
            Some(Chosen::Unavailable(_)) => self.show_add = true,
            Some(Chosen::Cancelled) | None => {}
        }
        if let Some(p) = self.poll(lang) {
            *chosen = p.display().to_string();
        }
        if self.busy() || self.choice.open() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        let path = PathBuf::from(chosen.trim());
        let shown = self.usable(&path).map_or_else(
            || {
                path.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            |m| format!("{} ({})", m.name, m.size),
        );
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("model_picker")
                .selected_text(shown)
                .width(220.0)
                .show_ui(ui, |ui| self.entries(ui, lang, chosen))
                .response
                .labelled_by(label);
            if ui
                .add_enabled(
                    !self.choice.open(),
                    egui::Button::new(lang.t("Model toevoegen…", "Add model…")).small(),
                )
                .clicked()
            {
                self.choice.ask(
                    picker,
                    crate::app::dialog::Request::open(
                        lang.t("Spraakmodel toevoegen", "Add a speech model"),
                        crate::app::dialog::model_filters(lang),
                    ),
                );
            }
        });
        if self.show_add {
            self.add_row(ui, lang);
        }
        if let Some((text, problem)) = &self.message {
            let color = if *problem { theme::RED } else { theme::MUTED };
            ui.add(egui::Label::new(RichText::new(text).small().color(color)).wrap());
        }
    }

    fn entries(&self, ui: &mut Ui, lang: UiLang, chosen: &mut String) {
        if self.listed.is_empty() {
            ui.label(lang.t("Modellen zoeken…", "Looking for models…"));
        }
        for l in &self.listed {
            match l {
                Listed::Usable(m) => {
                    let mut text = format!("{}: {}", m.name, m.describe(lang));
                    if m.bundled {
                        text.push_str(lang.t(", meegeleverd", ", bundled"));
                    }
                    if let Some(s) = self.speeds.get(m, self.threads) {
                        text.push_str(&format!(", {}", s.words(lang)));
                    }
                    let selected = Path::new(chosen.trim()) == m.path;
                    if ui.selectable_label(selected, text).clicked() {
                        *chosen = m.path.display().to_string();
                    }
                }
                Listed::Broken { path, reason } => {
                    ui.add_enabled(
                        false,
                        egui::Button::selectable(
                            false,
                            format!("{} {}", lang.t("Niet bruikbaar:", "Unusable:"), reason),
                        ),
                    )
                    .on_disabled_hover_text(path.display().to_string());
                }
            }
        }
        ui.separator();
        ui.label(
            RichText::new(format!(
                "{} {}",
                lang.t("Modelmap:", "Model folder:"),
                self.dir.display()
            ))
            .small()
            .color(theme::MUTED),
        );
    }

    /// The chosen model's speed on this machine, or a button that measures it (drawn in the
    /// caller's row).
    pub fn speed(&mut self, ui: &mut Ui, lang: UiLang, chosen: &Path) {
        let Some(m) = self.usable(chosen).cloned() else {
            return;
        };
        let m = &m;
        let muted = |t: String| RichText::new(t).small().color(theme::MUTED);
        match self.speeds.get(m, self.threads) {
            Some(s) => {
                ui.label(muted(format!(
                    "{} {}",
                    lang.t("Snelheid hier:", "Speed here:"),
                    s.words(lang)
                )));
            }
            None if self.measuring.is_some() => {
                ui.spinner();
                ui.label(muted(
                    lang.t("Snelheid meten…", "Measuring the speed…").into(),
                ));
            }
            // One small button on the status line (it must not push the form down).
            None => {
                if ui
                    .small_button(lang.t("Snelheid meten", "Measure speed"))
                    .on_hover_text(lang.t(
                        "Transcribeert 5 s spraak met dit model en onthoudt hoe snel dat hier gaat",
                        "Transcribes 5 s of speech with this model and keeps how fast that is here",
                    ))
                    .clicked()
                {
                    let path = m.path.clone();
                    let (m, threads, dir) = (m.clone(), self.threads, self.dir.clone());
                    let rx = in_background("observant-model-speed", move || {
                        models::measure_and_keep(&m, threads, &dir)
                    });
                    self.measuring = Some((path, rx));
                }
            }
        }
    }

    fn add_row(&mut self, ui: &mut Ui, lang: UiLang) {
        ui.label(
            RichText::new(lang.t(
                "Sleep een Whisper-modelbestand (ggml-….bin) op dit venster, of geef het pad:",
                "Drop a Whisper model file (ggml-….bin) on this window, or give its path:",
            ))
            .small()
            .color(theme::MUTED),
        );
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("Modelbestand", "Model file")).id;
            ui.add(
                egui::TextEdit::singleline(&mut self.add_path)
                    .hint_text("ggml-small.bin")
                    .desired_width(240.0),
            )
            .labelled_by(label);
            let ready = !self.add_path.trim().is_empty() && self.adding.is_none();
            if ui
                .add_enabled(ready, egui::Button::new(lang.t("Toevoegen", "Add")))
                .clicked()
            {
                self.add(PathBuf::from(self.add_path.trim()));
            }
            if self.adding.is_some() {
                ui.spinner();
            }
        });
    }
}

/// A finished job's answer (the job is then gone); `None` while it runs or when there is none.
fn take<T>(job: &mut Job<T>) -> Option<Result<T, String>> {
    let rx = job.as_ref()?;
    let answer = match rx.try_recv() {
        Ok(a) => a,
        Err(TryRecvError::Empty) => return None,
        Err(TryRecvError::Disconnected) => Err("afgebroken / stopped".to_string()),
    };
    *job = None;
    Some(answer)
}
