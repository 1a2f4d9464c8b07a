//! Audio in: decoding files (WAV via hound, compressed formats via symphonia), resampling to
//! 16 kHz mono, the `AudioSource` seam (file, device, test signal) and voice activity detection.
//!
//! Everything downstream works on 16 kHz mono `f32` with exact `u64` sample positions:
//! * [`decode`]: [`AudioFile`] streams any recording as 16 kHz mono chunks; [`load_16k_mono`]
//!   for short files;
//! * [`resample`]: [`StreamResampler`] (rubato), [`ChannelKeeper`] (each channel of an array at 16 kHz) and downmixing;
//! * [`beam`]: [`Beamformer`](beam::Beamformer), several microphones to one channel;
//! * [`dereverb`]: [`Dereverb`](dereverb::Dereverb), multi-channel WPE before the beamformer
//!   (files);
//! * [`source`]: the [`AudioSource`] trait with [`FileSource`] and [`TestSignal`];
//! * [`capture`]: cpal capture, [`Capture`] / [`DeviceSource`], device list, level meter;
//! * [`vad`], [`silero`]: the [`Vad`] trait, Silero VAD v6 in pure Rust, [`EnergyVad`];
//! * [`room`]: [`RoomMeter`], the room check (speech level, noise floor, clarity);
//! * [`reverb`]: simulated room responses and fast convolution (voice prints heard in a room);
//! * [`segment`]: the push-based [`Segmenter`] producing [`SpeechSegment`]s.

pub mod beam;
pub mod capture;
pub mod decode;
pub mod dereverb;
pub mod gemm;
pub mod online_wpe;
pub mod playback;
pub mod resample;
pub mod reverb;
pub mod room;
pub mod segment;
pub mod silero;
pub mod source;
pub mod vad;
pub mod vad_track;

pub use capture::{
    Capture, CaptureError, CaptureEvent, CaptureInfo, CaptureOptions, CaptureStats, DeviceSource,
    InputDevice, Level, LevelMeter, list_input_devices,
};
pub use decode::{AudioFile, AudioInfo, UnusableAudio, load_16k_mono};
pub use resample::{ChannelKeeper, StreamResampler, TARGET_RATE};
pub use room::RoomMeter;
pub use segment::{Segmenter, SegmenterConfig, Segments, SpeechSegment};
pub use silero::SileroVad;
pub use source::{AudioSource, FileSource, SignalPart, SourceRead, TestSignal};
pub use vad::{EnergyVad, EnergyVadConfig, FRAME, ScriptedVad, Vad, VadKind, default_vad};
