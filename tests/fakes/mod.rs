//! A fake Whisper for tests that run the real VAD and voice encoder: it "hears" one word per
//! 0.4 s stretch of the clip that is not silent, all in one segment (like Whisper on a window
//! with several turns). Words are named by their position in the clip (`w0`, `w1`, ...).

use observant::asr::{AsrSegment, Transcriber, Word};

pub struct WordPerStretch;

impl Transcriber for WordPerStretch {
    fn transcribe(&mut self, pcm: &[f32]) -> anyhow::Result<Vec<AsrSegment>> {
        const STEP: usize = 6400;
        let mut words = Vec::new();
        for (i, chunk) in pcm.chunks(STEP).enumerate() {
            let energy = chunk.iter().map(|v| v * v).sum::<f32>() / chunk.len() as f32;
            if energy > 1e-5 {
                let start = (i * STEP) as f64 / 16000.0;
                words.push(Word {
                    start,
                    end: start + chunk.len() as f64 / 16000.0,
                    text: format!("w{i}"),
                    probability: 0.9,
                });
            }
        }
        Ok(vec![AsrSegment {
            start: 0.0,
            end: pcm.len() as f64 / 16000.0,
            text: words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            confidence: 0.9,
            no_speech_probability: 0.01,
            words,
        }])
    }
    fn describe(&self) -> String {
        "word-per-stretch fake".into()
    }
    fn language(&self) -> Option<String> {
        Some("nl".into())
    }
}
