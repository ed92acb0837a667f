//! The review of a follower's request: the request in words, every field, with explicit
//! approve and decline. Its scroll stops at the end of the text.

use crossterm::event::KeyCode;
use ratatui::text::Line;

use crate::session::Question;
use crate::tui::keymap::{char, hidden, key, Binding};
use crate::tui::theme::{choices, indented_wrap, word_wrap, Palette};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewAction {
    Approve,
    Decline,
}

/// The review's own keys (the ceremony screen adds the keys every ceremony screen has).
pub fn bindings<A: Clone>(wrap: impl Fn(ReviewAction) -> A) -> Vec<Binding<A>> {
    vec![
        char('a', "a", "approve", wrap(ReviewAction::Approve)),
        hidden(KeyCode::Char('y'), wrap(ReviewAction::Approve)),
        char('d', "d", "decline", wrap(ReviewAction::Decline)),
        key(KeyCode::Char('n'), "", "", wrap(ReviewAction::Decline)),
    ]
}

/// The review as lines `width` columns wide: what `question` asks about, every line, and the
/// answers.
pub fn lines(
    review: &[String],
    question: &Question,
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let heading = if *question == Question::SIGN {
        "You are asked to sign the following. Read every field.".to_string()
    } else {
        format!("{}. Read every line. {}", question.heading, question.ask)
    };
    let answers = [("a", question.approve), ("d", question.decline)];
    let mut lines: Vec<Line> = word_wrap(&heading, width)
        .into_iter()
        .map(|l| Line::styled(l, palette.accent()))
        .collect();
    for text in review {
        lines.extend(indented_wrap(text, width).into_iter().map(Line::raw));
    }
    lines.push(Line::raw(""));
    lines.push(choices(palette, &answers));
    lines
}
