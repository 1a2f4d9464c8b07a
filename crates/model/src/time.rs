//! Time as people read it: positions in a session as a clock (`3:05`, `1:02:03`).

/// `m:ss` (or `h:mm:ss` past an hour), rounded to the second; negative times show as `0:00`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
