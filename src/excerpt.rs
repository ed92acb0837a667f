//! Error text that is safe to show: one line, short, without terminal control characters, and
//! quoting little of what was pasted.
//!
//! Errors from parsers and Penumbra's conversions sometimes quote the offending input whole (a
//! 50 MB string field comes back inside "invalid type: string ..."), and pasted text can hold
//! escape sequences that would repaint a terminal. Every refusal goes through [`bounded`].
//! (Text that has no message structure at all is never quoted: see [`crate::intake`].)

/// The most characters of one quoted piece of input an error shows.
pub const QUOTE_CHARS: usize = 40;

/// The most characters of an error's explanation.
pub const PROBLEM_CHARS: usize = 240;

/// Characters that reorder or hide text on a terminal without being control characters.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` as one line of at most about `max_chars` characters: control and invisible
/// characters become spaces, runs of spaces collapse, each double-quoted piece keeps at most
/// [`QUOTE_CHARS`] characters, and a cut is marked with `…`.
pub fn bounded(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut in_quote = false;
    let mut escaped = false;
    let mut quoted = 0usize;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_control() || invisible(c) {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
                quoted = 0;
            }
            if in_quote {
                quoted += 1;
                if quoted > QUOTE_CHARS {
                    if quoted == QUOTE_CHARS + 1 {
                        out.push('…');
                        count += 1;
                    }
                    continue;
                }
            }
        } else if c == '"' {
            in_quote = true;
        }
        if count == max_chars {
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_plain_text_is_kept_whole() {
        assert_eq!(
            bounded("expected 32 bytes, got 31", 100),
            "expected 32 bytes, got 31"
        );
    }

    #[test]
    fn a_long_quoted_input_keeps_only_its_start() {
        let problem = format!(
            "invalid type: string \"{}\", expected a struct",
            "A".repeat(50_000)
        );
        let shown = bounded(&problem, PROBLEM_CHARS);
        assert_eq!(
            shown,
            format!(
                "invalid type: string \"{}…\", expected a struct",
                "A".repeat(QUOTE_CHARS)
            )
        );
    }

    #[test]
    fn escaped_quotes_do_not_end_a_quote() {
        let problem = format!("bad \"{}\\\"{}\" end", "a".repeat(10), "b".repeat(100));
        let shown = bounded(&problem, PROBLEM_CHARS);
        assert!(shown.ends_with("…\" end"), "{shown}");
        assert!(!shown.contains(&"b".repeat(QUOTE_CHARS)), "{shown}");
    }

    #[test]
    fn control_characters_and_line_breaks_never_reach_the_terminal() {
        let shown = bounded("a\x1b[2J\nb\r\tc\u{202E}d\u{7f}", 100);
        assert_eq!(shown, "a [2J b c d");
    }

    #[test]
    fn the_whole_text_is_capped() {
        let shown = bounded(&"word ".repeat(1000), 50);
        assert_eq!(shown.chars().count(), 51);
        assert!(shown.ends_with('…'));
    }
}
