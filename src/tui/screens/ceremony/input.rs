//! The one-line input a ceremony opens with `i` (or by itself when a passphrase is needed):
//! a message or a picture's path to type, a passphrase (never shown), a name to store a new
//! key under.

use std::path::PathBuf;

use zeroize::Zeroizing;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A message, UR parts, or the path of a picture of QR codes.
    Message,
    /// The passphrase of the key the request needs.
    Passphrase { key: String },
    /// Another name for a new key whose name turned out to be taken.
    StoreAs,
}

pub struct Input {
    pub purpose: Purpose,
    text: Zeroizing<String>,
}

impl Input {
    pub fn new(purpose: Purpose) -> Self {
        Self {
            purpose,
            text: Zeroizing::new(String::new()),
        }
    }

    pub fn push(&mut self, c: char) {
        self.text.push(c);
    }

    pub fn paste(&mut self, text: &str) {
        // A passphrase or a name is one line; a message keeps its line breaks.
        let one_line = !matches!(self.purpose, Purpose::Message);
        self.text.extend(
            text.chars()
                .filter(|c| !(one_line && c.is_control()) && *c != '\r'),
        );
    }

    pub fn erase(&mut self) {
        self.text.pop();
    }

    pub fn clear(&mut self) {
        zeroize::Zeroize::zeroize(&mut *self.text);
    }

    pub fn into_text(self) -> Zeroizing<String> {
        self.text
    }

    /// The prompt and what is shown of the text (a passphrase as dots).
    pub fn shown(&self) -> (String, String) {
        match &self.purpose {
            Purpose::Message => (
                "Type or paste a message, or a picture's path: ".into(),
                self.text.replace('\n', " \u{21b5} "),
            ),
            Purpose::Passphrase { key } => (
                format!("Passphrase of key {key}: "),
                "\u{2022}".repeat(self.text.chars().count()),
            ),
            Purpose::StoreAs => ("Store the new key as: ".into(), self.text.to_string()),
        }
    }
}

/// The path of a picture (PNG or JPEG) to read QR codes from, if the text is one.
pub fn image_path(text: &str) -> Option<PathBuf> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let picture = [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e));
    (picture && !t.contains('{') && !t.contains('\n') && !lower.starts_with("ur:"))
        .then(|| PathBuf::from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_told_from_messages() {
        assert_eq!(image_path(" shot.PNG "), Some(PathBuf::from("shot.PNG")));
        assert_eq!(
            image_path("/media/usb/frame 1.jpeg"),
            Some("/media/usb/frame 1.jpeg".into())
        );
        assert_eq!(image_path("{\"a\":\"x.png\"}"), None);
        assert_eq!(image_path("UR:PCLI-F1/ABC.PNG"), None);
        assert_eq!(image_path("hello"), None);
    }

    #[test]
    fn a_passphrase_is_never_shown() {
        let mut input = Input::new(Purpose::Passphrase { key: "k".into() });
        input.paste("correct horse\n");
        let (_, shown) = input.shown();
        assert!(!shown.contains("horse"));
        assert_eq!(shown.chars().count(), 13);
        assert_eq!(input.into_text().as_str(), "correct horse");
    }
}
