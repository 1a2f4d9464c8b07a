//! The data model every layer of Observant shares, with no behaviour beyond parsing and
//! formatting: transcripts (participants, roles, timed utterances, step marks) and their file
//! formats, the methods (werkvormen) with their steps and times, the spoken language, the
//! user-interface language, the room check's figures and advice, the one-line error policy, time formatting, small text helpers
//! and where the bundled files are. Nothing here knows about audio, analysis or the UI.

pub mod error;
pub mod i18n;
pub mod lang;
pub mod methods;
pub mod paths;
pub mod room;
pub mod text;
pub mod time;
pub mod transcript;

pub use paths::{data_dir, default_model_path};
