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

/// The folder of the running executable.
pub fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok()?.parent().map(Into::into)
}
