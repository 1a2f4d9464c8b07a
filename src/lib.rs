//! Observant: an on-device observer for intervisie sessions. This package is the top layer:
//! the desktop app ([`ui`]), what it runs in the background and the review service ([`app`]),
//! and the command line ([`cli`]). Everything below lives in the layer crates under `crates/`
//! (model < analysis < audio < speech < store < pipeline < report), re-exported here under
//! their module names so that tests, benches and examples reach every layer through
//! `observant::...`.
//!
//! Pipeline: `audio` (decode/capture, VAD) -> `asr` (whisper) -> `speakers` (attribution)
//! -> `analysis` (pure core) -> `session` (store) -> `report` / `ui`. `cli` wires the
//! headless commands; `pipeline` joins the live stages with bounded channels.

pub mod app;
pub mod cli;
pub mod ui;

pub use app::review;
pub use observant_analysis as analysis;
pub use observant_audio as audio;
pub use observant_audio::gemm;
pub use observant_model::{
    data_dir, default_model_path, error, i18n, lang, room, time, transcript,
};
pub use observant_pipeline as pipeline;
pub use observant_report as report;
pub use observant_speech::{asr, speakers};
pub use observant_store::{groups, session, settings, setup};
