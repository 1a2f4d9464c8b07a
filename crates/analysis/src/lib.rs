//! The pure analysis core: classifies utterances (question type, why, advice, categories) and
//! finds the pitfalls of an intervisie session in a transcript. Deterministic functions over
//! utterances and timings: no I/O, no clocks. GUI, CLI, live pipeline and benches reuse it.

pub mod classify;
pub mod config;
pub mod incremental;
pub mod lang;
pub mod session;
pub mod setup;
pub mod survival;
#[doc(hidden)]
pub mod synthetic;
pub mod types;

pub use observant_model::methods;
pub use types::*;
