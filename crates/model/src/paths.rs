//! Where the bundled files are: the models and assets shipped with Observant, found the same
//! way by a developer build, the Debian package and the Windows zip.

use std::path::PathBuf;

/// Directory holding the bundled assets and models, the first of: `OBSERVANT_HOME`;
/// `<exe>/../share/observant` (installed: `/usr/bin` -> `/usr/share/observant`); the
/// executable's own folder when it holds `models/` (the Windows zip); the project root at
/// build time (development).
pub fn data_dir() -> PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_HOME") {
        return p.into();
    }
    if let Some(bin) = exe_dir() {
        if let Some(share) = bin.parent().map(|p| p.join("share").join("observant"))
            && share.is_dir()
        {
            return share;
        }
        if bin.join("models").is_dir() {
            return bin;
        }
    }
    // This crate is `crates/model` of the project root.
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).unwrap_or(here).to_path_buf()
}

/// Path of the bundled default Whisper model.
pub fn default_model_path() -> PathBuf {
    data_dir().join("models").join("ggml-base-q8_0.bin")
}

/// The user's own Observant folder (sessions, groups, models): `$XDG_DATA_HOME/observant`,
/// else `~/.local/share/observant`; on Windows `%APPDATA%\\observant`, on macOS
/// `~/Library/Application Support/observant`.
pub fn user_data_dir() -> PathBuf {
    let home = || PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| ".".into()));
    if cfg!(windows)
        && let Some(p) = std::env::var_os("APPDATA")
    {
        return PathBuf::from(p).join("observant");
    }
    if cfg!(target_os = "macos") {
        return home()
            .join("Library")
            .join("Application Support")
            .join("observant");
    }
    match std::env::var_os("XDG_DATA_HOME") {
        Some(p) if !p.is_empty() => PathBuf::from(p).join("observant"),
        _ => home().join(".local").join("share").join("observant"),
    }
}

/// The user's model folder, where "Model toevoegen" copies models to: `$OBSERVANT_MODELS`,
/// else `models` in [`user_data_dir`].
pub fn user_models_dir() -> PathBuf {
    match std::env::var_os("OBSERVANT_MODELS") {
        Some(p) if !p.is_empty() => p.into(),
        _ => user_data_dir().join("models"),
    }
}

/// The short speech clip a model's speed is measured on (`assets/speed/nl-clip.wav`).
pub fn speed_clip_path() -> PathBuf {
    data_dir().join("assets").join("speed").join("nl-clip.wav")
}

/// The folder of the running executable.
pub fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok()?.parent().map(Into::into)
}
