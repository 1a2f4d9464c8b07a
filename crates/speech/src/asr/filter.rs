//! Filters for Whisper's known failure modes: text invented on silence or noise (subtitle
//! credits such as "Ondertiteld door de Amara.org gemeenschap"), repetition loops, and
//! segments Whisper itself thinks hold no speech.

use super::AsrSegment;

/// Phrases Whisper is known to invent on silence (lowercase, compared after normalisation).
/// Matched as whole-segment content or as a segment consisting mostly of the phrase.
const HALLUCINATIONS: &[&str] = &[
    "ondertiteld door de amara.org gemeenschap",
    "ondertiteling door de amara.org gemeenschap",
    "ondertiteld door",
    "ondertiteling door",
    "amara.org",
    "tv gelderland",
    "bedankt voor het kijken",
    "bedankt voor het luisteren",
    "dank u voor het kijken",
    "dank je voor het kijken",
    "abonneer je op het kanaal",
    "vergeet niet te abonneren",
    "thanks for watching",
    "thank you for watching",
    "thanks for listening",
    "please subscribe",
    "subtitles by the amara.org community",
    "subtitled by",
    "www.mooji.org",
    "untertitel der amara.org-community",
    "sous-titrage st' 501",
];

/// Decides which recognised segments are kept.
#[derive(Debug, Clone)]
pub struct HallucinationFilter {
    /// Drop a segment when Whisper's no-speech probability exceeds this and confidence is low.
    pub max_no_speech: f32,
    /// Minimum mean token probability for a segment with high no-speech probability.
    pub min_confidence: f32,
}

impl Default for HallucinationFilter {
    fn default() -> Self {
        HallucinationFilter {
            max_no_speech: 0.6,
            min_confidence: 0.45,
        }
    }
}

fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '.' || c == '\'' {
            for l in c.to_lowercase() {
                out.push(l);
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end_matches([' ', '.']).trim().to_string()
}

/// True when the text is one of the known phantom phrases (or only that).
pub fn is_known_hallucination(text: &str) -> bool {
    let n = normalise(text);
    if n.is_empty() {
        return true;
    }
    HALLUCINATIONS.iter().any(|h| {
        n == *h || (n.contains(h) && h.len() * 10 >= n.len() * 6) || n.contains("amara.org")
    })
}

/// Longest repeated phrase (words) a loop is looked for in: a whole spoken sentence.
const MAX_LOOP_WORDS: usize = 12;

/// Which of `words` to keep when a word n-gram (1..=12 words) repeated more than
/// `max_repeats` times in a row is kept once (a repetition loop).
fn kept_after_loops(words: &[&str], max_repeats: usize) -> Vec<usize> {
    let mut keep: Vec<usize> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let mut skipped = false;
        for n in 1..=MAX_LOOP_WORDS {
            if i + n * (max_repeats + 1) > words.len() {
                break;
            }
            let gram = &words[i..i + n];
            let mut reps = 1;
            while i + (reps + 1) * n <= words.len()
                && words[i + reps * n..i + (reps + 1) * n]
                    .iter()
                    .zip(gram)
                    .all(|(a, b)| same_word(a, b))
            {
                reps += 1;
            }
            if reps > max_repeats {
                keep.extend(i..i + n);
                i += reps * n;
                skipped = true;
                break;
            }
        }
        if !skipped {
            keep.push(i);
            i += 1;
        }
    }
    keep
}

/// Words equal but for case and trailing punctuation ("plaat." and "plaat").
fn same_word(a: &str, b: &str) -> bool {
    let t = |w: &str| {
        w.trim_end_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    t(a) == t(b)
}

/// Cuts repetition loops: a word n-gram (1..=12 words) repeated more than `max_repeats`
/// times in a row is kept once. Returns the cleaned text.
pub fn collapse_repetitions(text: &str, max_repeats: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    kept_after_loops(&words, max_repeats)
        .into_iter()
        .map(|i| words[i])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same loop cut from a segment's timed words, so that words and text agree.
fn collapse_word_repetitions(words: Vec<super::Word>, max_repeats: usize) -> Vec<super::Word> {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let keep = kept_after_loops(&texts, max_repeats);
    if keep.len() == words.len() {
        return words;
    }
    let mut words: Vec<Option<super::Word>> = words.into_iter().map(Some).collect();
    keep.into_iter().filter_map(|i| words[i].take()).collect()
}

impl HallucinationFilter {
    /// Applies all filters; returns the segments worth keeping, with loops collapsed.
    pub fn apply(&self, segments: Vec<AsrSegment>) -> Vec<AsrSegment> {
        // A loop also runs over segments: the same sentence as a segment of its own, again and
        // again ("Ik had niet echt een heel goed plaat." x 12 on reverberant audio).
        let mut last: Option<String> = None;
        let mut run = 0usize;
        segments
            .into_iter()
            .filter_map(|mut s| {
                s.text = collapse_repetitions(s.text.trim(), 2);
                s.words = collapse_word_repetitions(std::mem::take(&mut s.words), 2);
                if s.text.is_empty() || is_known_hallucination(&s.text) {
                    return None;
                }
                let key = normalise(&s.text);
                if last.as_deref() == Some(key.as_str()) {
                    run += 1;
                } else {
                    run = 1;
                    last = Some(key);
                }
                if run > 2 {
                    return None;
                }
                if s.no_speech_probability > self.max_no_speech
                    && s.confidence < self.min_confidence
                {
                    return None;
                }
                // Only punctuation / music symbols.
                if !s.text.chars().any(|c| c.is_alphanumeric()) {
                    return None;
                }
                Some(s)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, nsp: f32, conf: f32) -> AsrSegment {
        AsrSegment {
            start: 0.0,
            end: 1.0,
            text: text.into(),
            confidence: conf,
            no_speech_probability: nsp,
            words: vec![],
        }
    }

    #[test]
    fn drops_amara_credits_and_keeps_real_speech() {
        let f = HallucinationFilter::default();
        let out = f.apply(vec![
            seg(" Ondertiteld door de Amara.org gemeenschap", 0.1, 0.9),
            seg("Wat gebeurde er toen precies?", 0.1, 0.8),
            seg("♪ ♪", 0.1, 0.9),
            seg("Bedankt voor het kijken!", 0.2, 0.9),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "Wat gebeurde er toen precies?");
    }

    #[test]
    fn a_sentence_that_mentions_thanks_is_kept() {
        assert!(!is_known_hallucination(
            "bedankt voor het kijken naar mijn casus, ik wil nog iets vertellen over de vader"
        ));
    }

    #[test]
    fn a_sentence_looping_over_segments_and_inside_one_is_kept_twice_at_most() {
        let sentence = "Ik had niet echt een heel goed plaat.";
        let segs: Vec<AsrSegment> = (0..6).map(|_| seg(sentence, 0.1, 0.8)).collect();
        let out = HallucinationFilter::default().apply(segs);
        assert_eq!(out.len(), 2);
        let long = [sentence; 5].join(" ");
        assert_eq!(collapse_repetitions(&long, 2), sentence);
        // The words go with the text.
        let mut s = seg(&long, 0.1, 0.8);
        s.words = long
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| super::super::Word {
                start: i as f64 * 0.2,
                end: i as f64 * 0.2 + 0.2,
                text: w.into(),
                probability: 0.9,
            })
            .collect();
        let out = HallucinationFilter::default().apply(vec![s]);
        assert_eq!(out[0].words.len(), 8);
        // A sentence said twice is speech, not a loop.
        let twice = HallucinationFilter::default()
            .apply(vec![seg("Nee.", 0.1, 0.8), seg("Nee.", 0.1, 0.8)]);
        assert_eq!(twice.len(), 2);
    }

    #[test]
    fn repetition_loop_is_collapsed() {
        let t =
            "ik weet het niet ik weet het niet ik weet het niet ik weet het niet ik weet het niet";
        assert_eq!(collapse_repetitions(t, 2), "ik weet het niet");
        assert_eq!(collapse_repetitions("ja ja", 2), "ja ja");
        assert_eq!(collapse_repetitions("nee nee nee nee nee nee", 2), "nee");
    }

    #[test]
    fn low_confidence_no_speech_is_dropped() {
        let f = HallucinationFilter::default();
        assert!(f.apply(vec![seg("Ja.", 0.9, 0.2)]).is_empty());
        assert_eq!(f.apply(vec![seg("Ja.", 0.9, 0.9)]).len(), 1);
    }
}
