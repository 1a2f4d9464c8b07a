//! Speaker attribution on the device: the GE2E voice encoder (ported from Resemblyzer),
//! clustering of speech windows into speakers, and enrollment by name.

pub mod encoder;
pub mod gemm;
pub mod mel;

pub use encoder::{EMBEDDING_DIM, Embedding, VoiceEncoder, WindowEmbedding};
