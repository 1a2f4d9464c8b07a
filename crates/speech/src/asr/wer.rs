//! Word error rate, for evaluating transcription against reference transcripts: words are
//! lowercased, punctuation is dropped and digits/diacritics are kept; the distance is the
//! word-level Levenshtein distance divided by the number of reference words.

/// Normalised words of a text.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
                .trim_matches('\'')
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance between two word sequences.
pub fn edit_distance(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    let mut cur = vec![0; hypothesis.len() + 1];
    for (i, r) in reference.iter().enumerate() {
        cur[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let sub = prev[j] + usize::from(r != h);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[hypothesis.len()]
}

/// (errors, reference words) for a pair of texts.
pub fn wer_counts(reference: &str, hypothesis: &str) -> (usize, usize) {
    let r = words(reference);
    let h = words(hypothesis);
    (edit_distance(&r, &h), r.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wer_ignores_case_and_punctuation() {
        assert_eq!(
            wer_counts("Waar zie je die wieg?", "waar zie je die wieg"),
            (0, 5)
        );
        assert_eq!(wer_counts("Hoezo?", "Maar zo."), (2, 1));
        assert_eq!(wer_counts("a b c d", "a x c"), (2, 4));
    }
}
