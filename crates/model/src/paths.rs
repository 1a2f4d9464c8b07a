//! Where the bundled files are: the models and assets shipped with Observant.

use std::path::PathBuf;

/// Directory holding the bundled assets and models: the project root at build time.
/// Overridable with `OBSERVANT_HOME`.
pub fn data_dir() -> PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_HOME") {
        return p.into();
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Path of the bundled default Whisper model.
pub fn default_model_path() -> PathBuf {
    data_dir().join("models").join("ggml-base-q8_0.bin")
}
