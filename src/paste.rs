//! Splitting pasted text into messages: one paste may hold several messages, in any order,
//! separated by any whitespace, with stray text around them.

/// A piece of pasted text: a complete JSON object, or something that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Message(String),
    Garbage(String),
}

/// Follows JSON structure character by character: object depth and strings (whose braces do
/// not count).
#[derive(Default)]
struct Scanner {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// What a character did to the structure.
#[derive(PartialEq, Eq)]
enum Step {
    /// A top-level object opened.
    Open,
    /// A top-level object closed.
    Close,
    Other,
}

impl Scanner {
    fn step(&mut self, c: char) -> Step {
        if self.in_string {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, '\\') => self.escaped = true,
                (false, '"') => self.in_string = false,
                _ => {}
            }
            return Step::Other;
        }
        match c {
            '{' => {
                self.depth += 1;
                if self.depth == 1 {
                    return Step::Open;
                }
            }
            '}' if self.depth > 0 => {
                self.depth -= 1;
                if self.depth == 0 {
                    return Step::Close;
                }
            }
            '"' if self.depth > 0 => self.in_string = true,
            _ => {}
        }
        Step::Other
    }
}

/// Normalises line endings and splits text into top-level JSON objects and the text between
/// them. Braces inside JSON strings are respected, so a message's content never splits it.
/// Line breaks inside JSON strings (which JSON forbids) are dropped: they come from copying a
/// message that the terminal showed wrapped over several lines.
pub fn split(text: &str) -> Vec<Piece> {
    let text = unwrap_strings(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let mut pieces = Vec::new();
    let mut scanner = Scanner::default();
    let (mut start, mut garbage_start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match scanner.step(c) {
            Step::Open => {
                push_garbage(&mut pieces, &text[garbage_start..i]);
                start = i;
            }
            Step::Close => {
                pieces.push(Piece::Message(text[start..=i].to_string()));
                garbage_start = i + 1;
            }
            Step::Other => {}
        }
    }
    if scanner.depth > 0 {
        // An unfinished object: keep all of it, as garbage, so nothing is lost.
        push_garbage(&mut pieces, &text[start..]);
    } else {
        push_garbage(&mut pieces, &text[garbage_start..]);
    }
    pieces
}

/// Whether `text` ends inside a JSON object that was opened and not yet closed.
pub fn is_open(text: &str) -> bool {
    let mut scanner = Scanner::default();
    text.chars().for_each(|c| {
        scanner.step(c);
    });
    scanner.depth > 0
}

/// Removes line breaks (and the indentation after them) that fall inside JSON strings.
fn unwrap_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut scanner = Scanner::default();
    let mut skipping = false;
    for c in text.chars() {
        if scanner.in_string && c == '\n' {
            skipping = true;
            continue;
        }
        if skipping && c == ' ' {
            continue;
        }
        skipping = false;
        scanner.step(c);
        out.push(c);
    }
    out
}

fn push_garbage(pieces: &mut Vec<Piece>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        pieces.push(Piece::Garbage(text.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_messages_with_whitespace_and_noise() {
        let pieces = split("  {\"a\":1}\r\n\n{\"b\":\"}{\\\"\"} junk {\"c\":{\"d\":2}}\n");
        assert_eq!(
            pieces,
            vec![
                Piece::Message("{\"a\":1}".into()),
                Piece::Message("{\"b\":\"}{\\\"\"}".into()),
                Piece::Garbage("junk".into()),
                Piece::Message("{\"c\":{\"d\":2}}".into()),
            ]
        );
    }

    #[test]
    fn wrapped_lines_join_back() {
        let pieces = split("{\"pk\":{\"inner\":\"AAAA\nBBBB\"}}");
        assert_eq!(
            pieces,
            vec![Piece::Message("{\"pk\":{\"inner\":\"AAAABBBB\"}}".into())]
        );
    }

    #[test]
    fn truncated_message_is_kept() {
        assert_eq!(
            split("{\"a\":1}{\"b\":"),
            vec![
                Piece::Message("{\"a\":1}".into()),
                Piece::Garbage("{\"b\":".into())
            ]
        );
        assert!(split(" \n ").is_empty());
    }
}
