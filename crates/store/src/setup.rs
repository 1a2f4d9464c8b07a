//! The one setup path: turns a configuration file (named by an option, else by the settings'
//! `[analysis] config`) into the [`AnalysisSetup`] that `analyze`, `listen`, `report`,
//! `progress`, review and the live GUI all analyse with. This module reads the files; the
//! analysis layer parses their text.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use observant_analysis::classify::Classifier;
use observant_analysis::lang::LangData;
use observant_analysis::setup::AnalysisSetup;
use observant_model::i18n::UiLang;

use crate::settings::Settings;

/// The setup for `config_file` (`None`: the defaults), flag messages in `ui`.
///
/// Thresholds and `[lang.nl]`/`[lang.en]` cue words come from the file itself; a
/// `language.cues_file` (relative to the file's folder) adds its cue words.
pub fn resolve(config_file: Option<&Path>, ui: UiLang) -> Result<AnalysisSetup> {
    let Some(path) = config_file else {
        return Ok(AnalysisSetup::builtin(ui));
    };
    let text = read_config_text(path)?;
    let mut config = observant_analysis::config::Config::from_toml_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if let Some(p) = &config.language.cues_file
        && p.is_relative()
        && let Some(dir) = path.parent()
    {
        config.language.cues_file = Some(dir.join(p));
    }
    let mut extra = Vec::new();
    if config.lang.is_some() {
        extra.extend(
            observant_analysis::lang::parse_extra(&text)
                .with_context(|| format!("{}", path.display()))?,
        );
    }
    if let Some(cues) = &config.language.cues_file {
        let cue_text = read_cue_text(cues)?;
        extra.extend(
            observant_analysis::lang::parse_extra(&cue_text)
                .with_context(|| format!("{}", cues.display()))?,
        );
    }
    config.ui = ui;
    AnalysisSetup::new(config, extra).with_context(|| format!("{}", path.display()))
}

/// The configuration file that applies: the option's, else the one the settings name.
pub fn config_file(option: Option<&Path>, settings: &Settings) -> Option<PathBuf> {
    option
        .map(Path::to_path_buf)
        .or_else(|| settings.analysis_config.clone())
}

/// The setup for the option's file, else the settings' file, else the defaults.
pub fn resolve_with_settings(
    option: Option<&Path>,
    settings: &Settings,
    ui: UiLang,
) -> Result<AnalysisSetup> {
    resolve(config_file(option, settings).as_deref(), ui)
}

/// Reads extra language data from a trainer's file: either a language file
/// (`lang = "nl"` plus `[words]`/`[patterns]`) or a configuration file holding
/// `[lang.nl]`/`[lang.en]` (or `[nl]`/`[en]`) tables and/or `[language] cues_file`
/// (relative to the file's folder). A configuration file without any of these yields none.
pub fn extra_lang_file(path: &Path) -> Result<Vec<LangData>> {
    let text = read_cue_text(path)?;
    let mut out = observant_analysis::lang::parse_extra(&text)
        .with_context(|| format!("{}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).unwrap_or_default();
    if let Some(cues) = table
        .get("language")
        .and_then(|l| l.get("cues_file"))
        .and_then(|v| v.as_str())
    {
        let cue_path = match path.parent() {
            Some(dir) if Path::new(cues).is_relative() => dir.join(cues),
            _ => Path::new(cues).to_path_buf(),
        };
        let cue_text = read_cue_text(&cue_path)?;
        out.extend(
            observant_analysis::lang::parse_extra(&cue_text)
                .with_context(|| format!("{}", cue_path.display()))?,
        );
    }
    Ok(out)
}

/// The built-in classifier extended with a trainer's file (see [`extra_lang_file`]).
pub fn classifier_with_file(path: &Path) -> Result<Classifier> {
    Classifier::with_extra(extra_lang_file(path)?).with_context(|| format!("{}", path.display()))
}

fn read_config_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: kan configuratie niet lezen / cannot read configuration: {e}",
            path.display()
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        anyhow::anyhow!(
            "{}: geen geldige UTF-8 op byte {at} / not valid UTF-8 at byte {at}",
            path.display()
        )
    })
}

fn read_cue_text(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not valid UTF-8 (byte {})",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_can_point_to_a_cue_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("words.toml"),
            "lang = \"en\"\n[patterns]\nadvice = [\"go for it\"]\n",
        )
        .unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(
            &cfg,
            "[language]\ncues_file = \"words.toml\"\n[lang.nl.patterns]\nadvice = [\"doe het\"]\n",
        )
        .unwrap();
        let extra = extra_lang_file(&cfg).unwrap();
        assert_eq!(extra.len(), 2);
        std::fs::write(&cfg, "[language]\ncues_file = \"missing.toml\"\n").unwrap();
        assert!(extra_lang_file(&cfg).is_err());
    }

    #[test]
    fn reads_thresholds_inline_cues_and_cue_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("words.toml"),
            "lang = \"nl\"\n[patterns]\nadvice = [\"streep eronder\"]\n",
        )
        .expect("write");
        let cfg = dir.path().join("cfg.toml");
        std::fs::write(
            &cfg,
            "[rapid_fire]\nmin_questions = 2\n\n[language]\ncues_file = \"words.toml\"\n",
        )
        .expect("write");
        let s = resolve(Some(&cfg), UiLang::En).expect("setup");
        assert_eq!(s.config.rapid_fire.min_questions, 2);
        assert_eq!(s.config.ui, UiLang::En);
        let c = s
            .classifier
            .classify("Een streep eronder.", Default::default());
        let plain = AnalysisSetup::default()
            .classifier
            .classify("Een streep eronder.", Default::default());
        assert_ne!(format!("{c:?}"), format!("{plain:?}"));
    }

    #[test]
    fn settings_name_the_file_unless_an_option_does() {
        let s = Settings {
            analysis_config: Some("a.toml".into()),
            ..Settings::default()
        };
        assert_eq!(config_file(None, &s), Some(PathBuf::from("a.toml")));
        assert_eq!(
            config_file(Some(Path::new("b.toml")), &s),
            Some(PathBuf::from("b.toml"))
        );
        assert!(resolve(Some(Path::new("/nonexistent/x.toml")), UiLang::Nl).is_err());
    }
}
