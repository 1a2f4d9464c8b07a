//! Small text helpers shared by every layer that writes words for people.

/// The text with its first letter in upper case ("waarom-vraag 3" becomes "Waarom-vraag 3").
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_letter_only() {
        assert_eq!(super::capitalise("één twee"), "Één twee");
        assert_eq!(super::capitalise(""), "");
    }
}
