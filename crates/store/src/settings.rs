//! The user's settings file: `$XDG_CONFIG_HOME/observant/settings.toml` (default
//! `~/.config/observant/settings.toml`; `$OBSERVANT_SETTINGS` names another file). A missing
//! file means the defaults; an unknown key or a bad value is a clear one-line error.
//!
//! ```toml
//! [audio]
//! # "keep" (default), "delete_after_transcription" or "keep_days"
//! retention = "keep_days"
//! keep_days = 30          # only with retention = "keep_days"
//!
//! [analysis]
//! # thresholds and extra cue words for the GUI and the CLI without --config
//! config = "/path/to/observant.toml"
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::session::retention::AudioRetention;

/// The settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// What happens to recorded audio once its transcript is complete.
    pub audio_retention: AudioRetention,
    /// The analysis configuration file (thresholds, cue words) used when no `--config`
    /// names one; see [`crate::setup`].
    pub analysis_config: Option<PathBuf>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    audio: AudioSection,
    #[serde(default, skip_serializing_if = "AnalysisSection::is_empty")]
    analysis: AnalysisSection,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<PathBuf>,
}

impl AnalysisSection {
    fn is_empty(&self) -> bool {
        self.config.is_none()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AudioSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keep_days: Option<u32>,
}

/// Where the settings file is.
pub fn settings_path() -> PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_SETTINGS") {
        return p.into();
    }
    let base = match std::env::var("XDG_CONFIG_HOME") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(&std::env::var("HOME").unwrap_or_else(|_| ".".into())).join(".config"),
    };
    base.join("observant").join("settings.toml")
}

impl Settings {
    /// Parses the file's text.
    pub fn parse(text: &str) -> Result<Settings> {
        let f: File = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "instellingen ongeldig / settings invalid: {}",
                e.message().replace('\n', " ")
            )
        })?;
        let a = f.audio;
        let audio_retention = match (a.retention.as_deref(), a.keep_days) {
            (None | Some("keep"), None) => AudioRetention::Keep,
            (Some("delete_after_transcription"), None) => AudioRetention::DeleteAfterTranscription,
            (Some("keep_days") | None, Some(d)) => AudioRetention::KeepDays(d),
            (Some("keep_days"), None) => bail!(
                "instellingen: retention = \"keep_days\" vraagt keep_days = N / settings: retention = \"keep_days\" needs keep_days = N"
            ),
            (Some(r @ ("keep" | "delete_after_transcription")), Some(_)) => bail!(
                "instellingen: keep_days past niet bij retention = \"{r}\" / settings: keep_days does not go with retention = \"{r}\""
            ),
            (Some(other), _) => bail!(
                "instellingen: onbekende retention \"{other}\" (keep, delete_after_transcription, keep_days) / settings: unknown retention \"{other}\""
            ),
        };
        Ok(Settings {
            audio_retention,
            analysis_config: f.analysis.config,
        })
    }

    /// The file's text for these settings.
    pub fn to_toml(&self) -> String {
        let audio = match self.audio_retention {
            AudioRetention::Keep => AudioSection {
                retention: Some("keep".into()),
                keep_days: None,
            },
            AudioRetention::DeleteAfterTranscription => AudioSection {
                retention: Some("delete_after_transcription".into()),
                keep_days: None,
            },
            AudioRetention::KeepDays(d) => AudioSection {
                retention: Some("keep_days".into()),
                keep_days: Some(d),
            },
        };
        let analysis = AnalysisSection {
            config: self.analysis_config.clone(),
        };
        toml::to_string(&File { audio, analysis }).unwrap_or_default()
    }

    /// Reads `path`; a missing file gives the defaults.
    pub fn load_from(path: &Path) -> Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::parse(&text).with_context(|| path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "kan instellingen niet lezen / cannot read settings: {}",
                    path.display()
                )
            }),
        }
    }

    /// Reads the user's settings file ([`settings_path`]).
    pub fn load() -> Result<Settings> {
        Settings::load_from(&settings_path())
    }

    /// Writes the settings to `path` (private, atomic; the folder is made when missing).
    pub fn save_to(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            crate::session::create_private_dir(dir)?;
        }
        crate::session::write_atomic(path, self.to_toml().as_bytes())
    }
}

/// Applies the user's audio retention over the default sessions root (at app or `listen`
/// start). Returns what was done.
pub fn apply_retention_at_start() -> Result<crate::session::retention::RetentionReport> {
    let s = Settings::load()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    crate::session::retention::apply(
        &crate::session::default_sessions_root(),
        s.audio_retention,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_parses_and_round_trips() {
        for (text, want) in [
            ("", AudioRetention::Keep),
            ("[audio]\nretention = \"keep\"\n", AudioRetention::Keep),
            (
                "[audio]\nretention = \"delete_after_transcription\"\n",
                AudioRetention::DeleteAfterTranscription,
            ),
            (
                "[audio]\nretention = \"keep_days\"\nkeep_days = 30\n",
                AudioRetention::KeepDays(30),
            ),
            ("[audio]\nkeep_days = 7\n", AudioRetention::KeepDays(7)),
        ] {
            let s = Settings::parse(text).unwrap();
            assert_eq!(s.audio_retention, want, "{text}");
            assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_clear_errors() {
        for (text, needle) in [
            ("[audio]\nretension = \"keep\"\n", "unknown field"),
            ("[video]\n", "unknown field"),
            ("[audio]\nretention = \"forever\"\n", "unknown retention"),
            ("[audio]\nretention = \"keep_days\"\n", "needs keep_days"),
            (
                "[audio]\nretention = \"keep\"\nkeep_days = 3\n",
                "does not go with",
            ),
            ("[audio]\nkeep_days = -1\n", "settings invalid"),
        ] {
            let e = Settings::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn missing_file_is_the_default_and_saving_is_private() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("observant").join("settings.toml");
        assert_eq!(Settings::load_from(&p).unwrap(), Settings::default());
        let s = Settings {
            audio_retention: AudioRetention::KeepDays(14),
            analysis_config: Some("observant.toml".into()),
        };
        s.save_to(&p).unwrap();
        assert_eq!(Settings::load_from(&p).unwrap(), s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
