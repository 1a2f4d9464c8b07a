//! Speaker attribution on the device: the GE2E voice encoder (ported from Resemblyzer),
//! clustering of speech windows into speakers, and enrollment by name.

pub mod assign;
pub mod cell;
pub mod change;
pub mod cluster;
pub mod diarize;
pub mod encoder;
pub mod enroll;
pub mod eval;
pub mod mel;
pub mod online;

pub use change::{ChangeConfig, Piece, split_segment};
pub use cluster::{ClusterConfig, Clustering, Item, cluster, speaker_label};
pub use diarize::{
    Diarization, DiarizeConfig, Segment, SegmentPrints, Turn, diarize, diarize_prints,
};
pub use encoder::{EMBEDDING_DIM, Embedding, VoiceEncoder, WindowEmbedding, utterance_embedding};
pub use enroll::{Enrollment, parse_enroll_arg, speaker_names};
pub use online::{Attribution, OnlineConfig, OnlineSpeakers};
