//! Observant: an on-device observer for intervisie sessions.
//!
//! Pipeline: `audio` (decode/capture, VAD) -> `asr` (whisper) -> `speakers` (attribution)
//! -> `analysis` (pure core) -> `session` (store) -> `report` / `ui`. `cli` wires the
//! headless commands; `pipeline` joins the live stages with bounded channels.

pub mod analysis;
pub mod asr;
pub mod audio;
pub mod cli;
pub mod gemm;
pub mod groups;
pub mod i18n;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod session;
pub mod settings;
pub mod speakers;
pub mod transcript;
pub mod ui;

/// Directory holding the bundled assets and models: next to the executable's project
/// root at build time. Overridable with `OBSERVANT_HOME`.
pub fn data_dir() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_HOME") {
        return p.into();
    }
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the bundled default Whisper model.
pub fn default_model_path() -> std::path::PathBuf {
    data_dir().join("models").join("ggml-base-q8_0.bin")
}
