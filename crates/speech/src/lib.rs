//! The speech layer: from 16 kHz mono audio to who said what. [`asr`] turns speech into timed,
//! scored words (the `Transcriber` seam, whisper-rs, decoding guards and filters); [`speakers`]
//! tells the voices apart (GE2E voice encoder, clustering, enrollment, online attribution).

pub mod asr;
pub mod speakers;
