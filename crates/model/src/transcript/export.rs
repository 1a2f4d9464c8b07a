//! Transcript export: WebVTT (with `<v Name>` voice tags, so video-call tools and our own
//! parser read the speakers back), SRT ("Name: text"), plain text and contract JSON.

use std::fmt::Write as _;

use super::Transcript;

/// Formats seconds as `HH:MM:SS.mmm` (VTT) or `HH:MM:SS,mmm` (SRT).
fn timestamp(secs: f64, sep: char) -> String {
    let ms_total = (secs.max(0.0) * 1000.0).round() as u64;
    let (h, rem) = (ms_total / 3_600_000, ms_total % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    let (s, ms) = (rem / 1000, rem % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

/// `mm:ss` (or `h:mm:ss` past an hour) for humans: the one formatter in [`crate::time`].
pub use crate::time::clock_padded as clock;

/// Cue text may not hold a blank line or "-->"; keep it on one line.
fn cue_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("-->", "->")
}

/// WebVTT with voice tags.
pub fn to_vtt(t: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, u) in t.utterances.iter().enumerate() {
        let name = u.speaker.replace(['<', '>'], "");
        let _ = write!(
            out,
            "{}\n{} --> {}\n<v {}>{}\n\n",
            i + 1,
            timestamp(u.start, '.'),
            timestamp(u.end, '.'),
            name,
            cue_text(&u.text).replace('<', "&lt;")
        );
    }
    out
}

/// SRT with "Name: " prefixes.
pub fn to_srt(t: &Transcript) -> String {
    let mut out = String::new();
    for (i, u) in t.utterances.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n{} --> {}\n{}: {}\n\n",
            i + 1,
            timestamp(u.start, ','),
            timestamp(u.end, ','),
            u.speaker,
            cue_text(&u.text)
        );
    }
    out
}

/// Plain text: `[mm:ss] Name: text` per line.
pub fn to_text(t: &Transcript) -> String {
    let mut out = String::new();
    for u in &t.utterances {
        let _ = writeln!(
            out,
            "[{}] {}: {}",
            clock(u.start),
            u.speaker,
            cue_text(&u.text)
        );
    }
    out
}

/// Contract JSON (pretty).
pub fn to_json(t: &Transcript) -> String {
    serde_json::to_string_pretty(t).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Utterance;

    fn sample() -> Transcript {
        Transcript {
            utterances: vec![
                Utterance {
                    start: 1.5,
                    end: 3.25,
                    speaker: "Anna".into(),
                    text: "Welkom allemaal.".into(),
                    confidence: None,
                    uncertain_words: Vec::new(),
                    speech: None,
                },
                Utterance {
                    start: 3661.0,
                    end: 3662.5,
                    speaker: "S2".into(),
                    text: "Wat gebeurde er\nprecies --> daarna?".into(),
                    confidence: Some(0.8),
                    uncertain_words: Vec::new(),
                    speech: None,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn vtt_has_voice_tags_and_exact_times() {
        let v = to_vtt(&sample());
        assert!(
            v.starts_with("WEBVTT\n\n1\n00:00:01.500 --> 00:00:03.250\n<v Anna>Welkom allemaal.\n")
        );
        assert!(
            v.contains("01:01:01.000 --> 01:01:02.500\n<v S2>Wat gebeurde er precies -> daarna?")
        );
    }

    #[test]
    fn srt_uses_commas_and_name_prefix() {
        let s = to_srt(&sample());
        assert!(s.contains("00:00:01,500 --> 00:00:03,250\nAnna: Welkom allemaal."));
    }

    #[test]
    fn clock_formats() {
        assert_eq!(clock(75.4), "01:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
