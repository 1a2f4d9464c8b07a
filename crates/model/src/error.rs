//! The error policy shared by every layer: an error chain becomes one human-readable line
//! (the command line prints it after `observant: `, the GUI shows it in a status line).

/// Joins an error chain into a single line, dropping parts an outer message already repeats.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut s = String::new();
    for (i, c) in e.chain().enumerate() {
        let part = c.to_string();
        if i > 0 {
            if s.contains(&part) {
                continue;
            }
            s.push_str(": ");
        }
        s.push_str(&part);
    }
    s.replace('\n', " ")
}

/// Any message on one line: every run of white space (line breaks included) becomes one
/// space. For errors that are not an `anyhow` chain (device and library errors).
pub fn one_line_text(s: impl std::fmt::Display) -> String {
    s.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_is_one_line_without_repeats() {
        let e = anyhow::anyhow!("disk full\nretry later").context("cannot save");
        assert_eq!(one_line(&e), "cannot save: disk full retry later");
        let e = anyhow::anyhow!("bad header").context("audio.wav: bad header");
        assert_eq!(one_line(&e), "audio.wav: bad header");
    }
}
