//! The live pipeline: capture -> VAD/segmenter -> transcriber -> speaker attribution ->
//! analysis -> session store, each stage on its own thread joined by bounded channels that
//! report queue length and lag. [`events`] is what the pipeline tells its consumers (GUI,
//! `observant listen`); [`Command`] is what they tell it. [`offline`] transcribes recordings,
//! [`recover`] finishes a cut-off session and [`second_pass`] redoes a live session offline.

pub mod attribution;
pub mod events;
pub mod keeper;
pub mod live;
pub mod offline;
pub mod options;
pub mod publish;
pub mod recover;
pub mod scripted;
pub mod second_pass;

pub use events::*;
pub use options::{SessionOptions, SpeechOptions};
