//! Keeps one Whisper decoding bounded: a budget of tokens per second of audio and an early
//! stop for repetition loops, decided token by token while the decoder runs (the logits
//! filter of `whisper.rs` asks [`decide`] before every token and forces the answer).
//!
//! On reverberant or noisy audio Whisper can run away: one phrase over and over ("1, 2, 1,
//! 2, ..."), until the decoder's own limit of 224 tokens. The loop filter
//! (`filter.rs`) removes the repeated text afterwards, but the time is already spent: on a
//! 2.3-s room clip 2.1 s of decoding with one thread, which is what a live line then waits.
//! Stopping the decoding where the loop is certain, or where the text is longer than speech
//! can be, keeps the cost of a clip proportional to its length (issue 13, "decoding that
//! stays bounded on bad audio"). The stop closes the current segment at the end of the
//! audio (a timestamp token), so whisper.cpp keeps what was decoded and ends the clip.

/// Tokens a decoding may always use, whatever the clip's length (timestamps included).
pub const BASE_TOKENS: f64 = 24.0;
/// Tokens per second of audio on top of [`BASE_TOKENS`]. Fast Dutch speech is about 4 words
/// (6-8 tokens) a second plus two timestamp tokens per sentence; the budget is twice that.
pub const TOKENS_PER_SECOND: f64 = 16.0;
/// A unit of text tokens repeated this often in a row is a loop... People do repeat
/// themselves: a held-out game dialogue has "Kijk... nu net!" four times in a row, which a
/// stop after four copies cut (its window, decoded again segment by segment, came out worse).
/// A runaway loop goes on for dozens of copies, so six leaves room for speech.
pub const LOOP_REPEATS: usize = 6;
/// ... when the repeats hold at least this many tokens ("nee, nee, nee, nee, nee, nee" is
/// speech).
pub const LOOP_MIN_TOKENS: usize = 24;
/// Longest unit (tokens) a loop is looked for in: a spoken sentence.
pub const LOOP_MAX_UNIT: usize = 24;

/// The token budget of a clip of `seconds` of audio.
pub fn max_tokens(seconds: f64) -> usize {
    (BASE_TOKENS + TOKENS_PER_SECOND * seconds.max(0.0)).ceil() as usize
}

/// Why a decoding was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// More tokens than [`max_tokens`] allows.
    Budget,
    /// The same text repeated [`LOOP_REPEATS`] times in a row.
    Loop,
}

/// Decides, before the next token, whether to stop. `ids` are the tokens decoded so far in
/// this pass (text and timestamps), `timestamp_begin` the first timestamp token id.
pub fn decide(ids: &[i32], timestamp_begin: i32, budget: usize) -> Option<Reason> {
    let n = ids.len();
    if n == 0 {
        return None;
    }
    let is_ts = |t: i32| t >= timestamp_begin;
    // Right after a pair of timestamps (a segment closed and the next one opened) only text
    // or the end may follow, and whisper.cpp would take the end as "go on from here"; wait
    // one token, then close that segment at the end of the audio.
    if is_ts(ids[n - 1]) && (n == 1 || is_ts(ids[n - 2])) {
        return None;
    }
    if n >= budget {
        return Some(Reason::Budget);
    }
    let text: Vec<i32> = ids.iter().copied().filter(|&t| !is_ts(t)).collect();
    looping_tail(&text).then_some(Reason::Loop)
}

/// Whether `text` ends with one unit of 1..=[`LOOP_MAX_UNIT`] tokens repeated at least
/// [`LOOP_REPEATS`] times in a row, the repeats holding at least [`LOOP_MIN_TOKENS`].
pub fn looping_tail(text: &[i32]) -> bool {
    let n = text.len();
    for unit in 1..=LOOP_MAX_UNIT {
        let repeats = LOOP_REPEATS.max(LOOP_MIN_TOKENS.div_ceil(unit));
        if unit * repeats > n {
            break;
        }
        let tail = &text[n - unit * repeats..];
        let first = &tail[..unit];
        if tail.chunks(unit).all(|c| c == first) {
            return true;
        }
    }
    false
}

/// The timestamp token at the end of a clip of `seconds` (Whisper's timestamps count 20 ms
/// steps from `timestamp_begin`, at most 30 s).
pub fn end_timestamp(timestamp_begin: i32, seconds: f64) -> i32 {
    timestamp_begin + ((seconds / 0.02).ceil() as i32).clamp(1, 1500)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEG: i32 = 50_364;

    #[test]
    fn a_sentence_said_again_and_again_is_a_loop_and_normal_speech_is_not() {
        let sentence = [10, 11, 12, 13, 14];
        let mut ids = vec![BEG];
        let mut stopped_at = None;
        for k in 0..10 {
            for &t in &sentence {
                ids.push(t);
                if stopped_at.is_none() && decide(&ids, BEG, 1000).is_some() {
                    stopped_at = Some(k);
                }
            }
        }
        // Stopped in the sixth copy, not before: speech repeats a phrase four times at most.
        assert_eq!(stopped_at, Some(5));
        let speech: Vec<i32> = (0..200).map(|i| 100 + (i * 7919) % 613).collect();
        assert!(!looping_tail(&speech));
        // "nee, nee, nee, nee": a word said again and again is speech, not a loop.
        assert!(!looping_tail(&[5, 9, 1, 9, 1, 9, 1, 9, 1, 9, 1, 9, 1]));
        assert!(looping_tail(&[9; 24]));
        assert!(!looping_tail(&[9; 23]));
    }

    #[test]
    fn a_loop_across_segments_is_seen_through_the_timestamps() {
        let mut ids = vec![];
        for k in 0..8 {
            ids.extend([BEG + 10 * k, 20, 21, 22, BEG + 10 * k + 9]);
        }
        ids.push(BEG + 90);
        ids.push(20);
        assert_eq!(decide(&ids, BEG, 1000), Some(Reason::Loop));
    }

    #[test]
    fn the_budget_grows_with_the_audio_and_never_stops_after_a_timestamp_pair() {
        assert!(max_tokens(30.0) > 224, "a full window is never cut");
        assert!(max_tokens(2.0) < 60);
        let ids: Vec<i32> = (0..60).map(|i| 100 + i).collect();
        assert_eq!(decide(&ids, BEG, 60), Some(Reason::Budget));
        assert_eq!(decide(&ids, BEG, 61), None);
        let mut paired = ids.clone();
        paired.extend([BEG + 100, BEG + 100]);
        assert_eq!(decide(&paired, BEG, 10), None);
        paired.push(7);
        assert_eq!(decide(&paired, BEG, 10), Some(Reason::Budget));
    }

    #[test]
    fn the_end_timestamp_is_the_end_of_the_clip() {
        assert_eq!(end_timestamp(BEG, 2.3), BEG + 115);
        assert_eq!(end_timestamp(BEG, 45.0), BEG + 1500);
    }
}
