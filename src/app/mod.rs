//! What the app does besides drawing: the door from the views into the layers below
//! ([`core`]: loading, analysing, background jobs for transcription and recovery) and the
//! review service ([`review`]: corrections over a saved session, recording or transcript).

pub mod core;
pub mod dialog;
pub mod review;
