//! The review of a follower's request: the request in words, every field, with explicit
//! approve and decline. Its scroll stops at the end of the text.

use crossterm::event::KeyCode;
use ratatui::text::Line;

use crate::tui::keymap::{char, hidden, key, Binding};
use crate::tui::theme::{choices, indented_wrap, Palette};

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

/// The review as lines `width` columns wide.
pub fn lines(review: &[String], width: usize, palette: &Palette) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        "You are asked to sign the following. Read every field.",
        palette.accent(),
    )];
    for text in review {
        lines.extend(indented_wrap(text, width).into_iter().map(Line::raw));
    }
    lines.push(Line::raw(""));
    lines.push(choices(
        palette,
        &[
            ("a", "approve and sign"),
            ("d", "decline: nothing is signed"),
        ],
    ));
    lines
}
