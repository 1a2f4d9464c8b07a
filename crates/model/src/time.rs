//! Time as people read it, the one place every layer formats seconds for humans. Three
//! formats, each pinned by tests and used in its own place:
//! - [`clock`]: `m:ss` (or `h:mm:ss`), the app's positions in a session (`3:05`);
//! - [`clock_padded`]: `mm:ss` (or `h:mm:ss`), reports, transcripts and the command line
//!   (`03:05`), `--:--` for a time that is not a number;
//! - [`duration`]: a length of time, `0.4 s`, `15 s`, `3:36 min`.

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

/// Session clock with two-digit minutes: `mm:ss`, or `h:mm:ss` from one hour; `--:--` for a
/// time that is not finite, `00:00` for a negative one.
pub fn clock_padded(secs: f64) -> String {
    let mut o = String::with_capacity(8);
    push_clock_padded(&mut o, secs);
    o
}

/// [`clock_padded`] appended to `o`, digit by digit: reports write thousands of these.
pub fn push_clock_padded(o: &mut String, secs: f64) {
    if !secs.is_finite() {
        o.push_str("--:--");
        return;
    }
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        push_digits(o, h);
        o.push(':');
    }
    push_two(o, m);
    o.push(':');
    push_two(o, s);
}

/// The decimal digits of `n`.
fn push_digits(o: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        o.push(char::from(d));
    }
}

/// Two digits of `n` (< 100).
fn push_two(o: &mut String, n: u64) {
    o.push(char::from(b'0' + (n / 10 % 10) as u8));
    o.push(char::from(b'0' + (n % 10) as u8));
}

/// A duration: `0.4 s`, `15 s`, `3:36 min`; `-` for one that is not finite.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    let secs = secs.max(0.0);
    if secs < 9.95 {
        format!("{secs:.1} s")
    } else if secs < 59.5 {
        format!("{secs:.0} s")
    } else {
        let total = secs.round() as u64;
        format!("{}:{:02} min", total / 60, total % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats() {
        assert_eq!(clock(75.4), "1:15");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock_padded(0.0), "00:00");
        assert_eq!(clock_padded(75.4), "01:15");
        assert_eq!(clock_padded(3725.0), "1:02:05");
        assert_eq!(clock_padded(f64::NAN), "--:--");
        assert_eq!(clock_padded(-3.0), "00:00");
        assert_eq!(clock_padded(36_000.0), "10:00:00");
        assert_eq!(clock_padded(360_059.6), "100:01:00");
        let mut o = String::from("at ");
        push_clock_padded(&mut o, 3599.5);
        assert_eq!(o, "at 1:00:00");
        assert_eq!(duration(0.42), "0.4 s");
        assert_eq!(duration(15.2), "15 s");
        assert_eq!(duration(216.0), "3:36 min");
    }
}
