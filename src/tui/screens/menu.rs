//! A menu of choices, each with a hotkey, one of them marked: ↑↓ move the mark round the list
//! (from the last back to the first), Enter takes the marked choice, and a hotkey takes its own
//! choice and marks it, so that the mark is there again on coming back. The home screen and
//! the replace guide are such menus.

use crossterm::event::KeyCode;
use ratatui::text::{Line, Span};

use crate::tui::keymap::{hidden, key, Binding};
use crate::tui::theme::Palette;

/// One choice: its hotkey, its label and what it does.
pub type Choice<T> = (char, &'static str, T);

/// The keys a menu handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuKey<T> {
    Up,
    Down,
    /// Enter: the marked choice.
    Choose,
    /// A choice's hotkey.
    Hotkey(T),
}

pub struct Menu<T: 'static> {
    choices: &'static [Choice<T>],
    marked: usize,
}

impl<T: Copy + PartialEq> Menu<T> {
    /// The first choice marked.
    pub fn new(choices: &'static [Choice<T>]) -> Self {
        Self { choices, marked: 0 }
    }

    /// The menu's bindings, at the head of a screen's list: `as_action` makes a menu key one
    /// of the screen's actions.
    pub fn bindings<A>(choices: &[Choice<T>], as_action: fn(MenuKey<T>) -> A) -> Vec<Binding<A>> {
        let mut list = vec![
            key(
                KeyCode::Up,
                "\u{2191}\u{2193}",
                "move",
                as_action(MenuKey::Up),
            ),
            hidden(KeyCode::Down, as_action(MenuKey::Down)),
            key(
                KeyCode::Enter,
                "Enter",
                "choose",
                as_action(MenuKey::Choose),
            ),
        ];
        list.extend(
            choices.iter().map(|&(c, _, choice)| {
                hidden(KeyCode::Char(c), as_action(MenuKey::Hotkey(choice)))
            }),
        );
        list
    }

    /// Moves the mark, or says which choice the key takes (and marks it).
    pub fn key(&mut self, key: MenuKey<T>) -> Option<T> {
        let count = self.choices.len();
        match key {
            MenuKey::Up => self.marked = (self.marked + count - 1) % count,
            MenuKey::Down => self.marked = (self.marked + 1) % count,
            MenuKey::Choose => return Some(self.choices[self.marked].2),
            MenuKey::Hotkey(choice) => {
                self.marked = self.choices.iter().position(|c| c.2 == choice).unwrap_or(0);
                return Some(choice);
            }
        }
        None
    }

    /// Choice `i` as a line, `indent` columns in: its mark, hotkey and label.
    pub fn line(&self, i: usize, indent: &str, palette: &Palette) -> Line<'static> {
        let (hotkey, label, _) = self.choices[i];
        let marked = i == self.marked;
        let line = Line::from(vec![
            Span::raw(format!("{indent}{}", marker(marked))),
            Span::styled(format!("[{hotkey}]"), palette.accent()),
            Span::raw(format!(" {label}")),
        ]);
        highlight(line, marked, palette)
    }

    /// Every choice, one a line.
    pub fn lines(&self, palette: &Palette) -> Vec<Line<'static>> {
        (0..self.choices.len())
            .map(|i| self.line(i, "", palette))
            .collect()
    }
}

/// What stands before a row of a list: an arrow where the row is marked, else as many blanks.
pub fn marker(marked: bool) -> &'static str {
    if marked {
        "\u{25b6} "
    } else {
        "  "
    }
}

/// The row, in the key style where it is marked.
pub fn highlight(line: Line<'static>, marked: bool, palette: &Palette) -> Line<'static> {
    if marked {
        line.style(palette.key())
    } else {
        line
    }
}
