//! What every screen draws with: the palette (colour only repeats what symbols say, and
//! `NO_COLOR` removes it), the title and help bars, and line wrapping that people can copy
//! back whole.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::Help;
use super::{MIN_HEIGHT, MIN_WIDTH};

/// Styles, with or without colour.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub no_color: bool,
}

impl Palette {
    fn fg(&self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// A key in the help bar, the selected row, the title tag.
    pub fn key(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}

/// The title bar: the program and where the person is.
pub fn title_bar(frame: &mut Frame, area: Rect, title: &str, palette: &Palette) {
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Hoarfrost ", palette.key()),
            Span::raw(" "),
            Span::styled(title.to_string(), palette.accent()),
        ])),
        area,
    );
}

/// The help bar: the keys that work here, from the screen's own binding list.
pub fn help_bar(frame: &mut Frame, area: Rect, entries: &[Help], palette: &Palette) {
    let mut spans = Vec::new();
    for (key, help) in entries {
        spans.push(Span::styled(format!(" {key} "), palette.key()));
        spans.push(Span::raw(format!(" {help} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// How many columns a help bar takes.
pub fn help_width(entries: &[Help]) -> usize {
    entries
        .iter()
        .map(|(k, h)| k.chars().count() + h.chars().count() + 4)
        .sum()
}

/// Shown instead of any screen while the terminal is smaller than the TUI lays out for; keys
/// are ignored meanwhile (Ctrl-C still quits).
pub fn too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::raw("Terminal too small"),
        Line::raw(format!(
            "Hoarfrost needs {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.",
            area.width, area.height
        )),
        Line::raw("Enlarge the window (keys wait until then), or press Ctrl-C to quit."),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A line offering keys and what each does: ` y  send   n  stop`.
pub fn choices(palette: &Palette, choices: &[(&'static str, &'static str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (key, what) in choices {
        spans.push(Span::styled(format!(" {key} "), palette.key()));
        spans.push(Span::raw(format!(" {what}    ")));
    }
    Line::from(spans)
}

/// A horizontal rule with a title, across the full width and without side borders.
pub fn rule(title: Vec<Span<'static>>, width: u16, palette: &Palette) -> Line<'static> {
    let used: usize = title.iter().map(|s| s.width()).sum();
    let mut spans = title;
    spans.push(Span::styled(
        "\u{2500}".repeat(usize::from(width).saturating_sub(used)),
        palette.dim(),
    ));
    Line::from(spans)
}

/// Cuts text at exactly `width` characters a line, so that a terminal selection of the lines
/// is the text with line breaks added (the intake drops them inside JSON).
pub fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// Cuts a JSON message into lines of at most `width` characters that a terminal selection
/// gives back as the same message: a break never falls inside a number or a literal (it would
/// split the token) nor beside a space inside a string (terminals drop trailing spaces, and
/// the intake drops the indentation after a break inside a string). Elsewhere lines are cut
/// at the full width. (A string made only of single characters between spaces, a line long,
/// would leave no such place; messages hold none.)
pub fn json_wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    // Whether each character is inside a string (the quotes themselves are not).
    let mut inside = vec![false; chars.len()];
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in chars.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    continue;
                }
                _ => {}
            }
            inside[i] = true;
        } else if *c == '"' {
            in_string = true;
        }
    }
    let bare = |i: usize| {
        !inside[i] && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '+' | '-' | '.'))
    };
    let space = |i: usize| chars[i] == ' ';
    // A break between characters p - 1 and p.
    let breakable = |p: usize| !(space(p - 1) || space(p) || bare(p - 1) && bare(p));
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let end = (start + 1..=start + width)
            .rev()
            .find(|p| breakable(*p))
            .unwrap_or(start + width);
        lines.push(chars[start..end].iter().collect());
        start = end;
    }
    lines.push(chars[start..].iter().collect());
    lines
}

/// Wraps a shell command to `width` columns with a backslash at the end of every broken line,
/// so a selection of the lines pasted into a shell is the same command (the shell drops each
/// backslash-newline, inside a word too). Breaks after a space where one is near.
pub fn shell_wrap(command: &str, width: usize) -> Vec<String> {
    let width = width.max(3);
    let chars: Vec<char> = command.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        // A broken line holds at most width - 1 characters, then the backslash.
        let room = width - 1;
        let mut end = start + room;
        if let Some(space) = (start + room / 2 + 1..=end)
            .rev()
            .find(|i| chars[*i - 1] == ' ')
        {
            end = space;
        }
        // An odd run of backslashes before the break would escape the added one.
        let run = chars[start..end]
            .iter()
            .rev()
            .take_while(|c| **c == '\\')
            .count();
        if run % 2 == 1 && end - 1 > start {
            end -= 1;
        }
        let mut line: String = chars[start..end].iter().collect();
        line.push('\\');
        lines.push(line);
        start = end;
    }
    lines.push(chars[start..].iter().collect());
    lines
}

/// Wraps prose at spaces to `width` columns; a word longer than a line is cut.
pub fn word_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        } else if len > 0 {
            line.push(' ');
        }
        while word.len() > width {
            let rest = word.split_off(width - line.chars().count().min(width - 1));
            line.extend(word);
            lines.push(std::mem::take(&mut line));
            word = rest;
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

/// Wraps a line of prose that may be indented: every wrapped line keeps the indentation,
/// and continuation lines are indented two columns more.
pub fn indented_wrap(text: &str, width: usize) -> Vec<String> {
    let indent = text.len() - text.trim_start().len();
    word_wrap(text.trim_start(), width.saturating_sub(indent + 2))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 { indent } else { indent + 2 };
            format!("{:lead$}{l}", "")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a shell makes of the lines: each backslash-newline removed.
    fn shell_join(lines: &[String]) -> String {
        lines.join("\n").replace("\\\n", "")
    }

    #[test]
    fn a_long_command_wraps_with_continuations_within_the_width() {
        let command = format!(
            "pcli validator vote cast yes --on 42 --reason \"ship it\" --signature {}",
            "A".repeat(88)
        );
        let lines = shell_wrap(&command, 80);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:?}");
        assert_eq!(shell_join(&lines), command);
        assert_eq!(shell_wrap("short", 80), vec!["short".to_string()]);
    }

    proptest! {
        #[test]
        fn shell_wrap_pastes_back(command in "[a-z \\\\\"=-]{0,300}", width in 4usize..120) {
            let lines = shell_wrap(&command, width);
            prop_assert!(lines.iter().all(|l| l.chars().count() <= width), "{:?}", lines);
            prop_assert_eq!(shell_join(&lines), command);
        }

        #[test]
        fn json_wrap_pastes_back_through_a_terminal_selection(
            // Words of two letters at least: a string of single letters between spaces has
            // no place to break (see json_wrap), and messages never hold one a line long.
            words in proptest::collection::vec("[a-z]{2,12}", 1..12),
            numbers in proptest::collection::vec(0u64..1_000_000, 1..6),
            flag in any::<bool>(),
            width in 8usize..90,
        ) {
            let value = serde_json::json!({
                "name": words.join(" "),
                "spaced": format!("  {}  ", words.join("   ")),
                "numbers": numbers,
                "nested": {"enabled": flag, "rateBps": numbers[0], "quote": "a \\\" b"},
            });
            let text = value.to_string();
            let lines = json_wrap(&text, width);
            prop_assert!(lines.iter().all(|l| l.chars().count() <= width));
            // A terminal selection: trailing spaces dropped, lines joined by line breaks.
            let selected: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
            let pieces = crate::paste::split(&selected.join("\n"));
            let [crate::paste::Piece::Message(back)] = pieces.as_slice() else {
                return Err(TestCaseError::fail(format!("{pieces:?}")));
            };
            let back: serde_json::Value = serde_json::from_str(back).unwrap();
            prop_assert_eq!(back, value);
        }

        #[test]
        fn hard_wrap_pastes_back(text in "\\PC{0,400}", width in 1usize..200) {
            let lines = hard_wrap(&text, width);
            prop_assert!(lines.iter().all(|l| l.chars().count() <= width));
            prop_assert_eq!(lines.concat(), text);
        }

        #[test]
        fn word_wrap_keeps_every_word(text in "[a-z ]{0,300}", width in 1usize..100) {
            let lines = word_wrap(&text, width);
            prop_assert!(lines.iter().all(|l| l.chars().count() <= width), "{:?}", lines);
            let words: Vec<&str> = text.split_whitespace().collect();
            let joined = lines.join(" ");
            let back: Vec<&str> = joined.split_whitespace().collect();
            if words.iter().all(|w| w.len() <= width) {
                prop_assert_eq!(back, words);
            }
        }
    }
}
