//! The ceremony screen's keys: one list per stage, which both dispatches and writes the help
//! bar.

use crossterm::event::KeyCode;

use super::{review, Action, Ceremony};
use crate::session::Stage;
use crate::tui::keymap::{char, ctrl, hidden, key, Binding};
use crate::tui::screens::result::Storing;

impl Ceremony {
    pub(super) fn bindings(&self) -> Vec<Binding<Action>> {
        if self.input.is_some() {
            return vec![
                key(KeyCode::Enter, "Enter", "submit", Action::Submit),
                hidden(KeyCode::Backspace, Action::Erase),
                ctrl('u', "Ctrl-U", "clear", Action::Clear),
                key(KeyCode::Esc, "Esc", "close", Action::Close),
            ];
        }
        let mut list = Vec::new();
        match self.view.stage {
            Stage::Confirm { .. } if !self.ended => {
                list.push(char('y', "y", "confirm", Action::Confirm));
                list.push(char('n', "n", "stop", Action::Stop));
            }
            Stage::Review if !self.ended => {
                list.extend(review::bindings(Action::Review));
                list.push(key(KeyCode::Up, "\u{2191}\u{2193}", "scroll", Action::Up));
            }
            _ => {}
        }
        let count = self.items().len();
        if count > 0 {
            list.push(char('c', "c", "copy", Action::Copy));
            list.push(char('s', "s", "save", Action::Save));
            list.push(char('q', "q", "QR", Action::Qr));
        }
        if count > 1 {
            list.push(key(
                KeyCode::Left,
                "\u{2190}\u{2192}",
                "msg",
                Action::Previous,
            ));
            list.push(hidden(KeyCode::Right, Action::Next));
        }
        if self.view.relay.len() > 1 {
            list.push(char('b', "b", "bundle", Action::Bundle));
        }
        let typing = match (&self.view.stage, &self.storing) {
            (_, Storing::Failed(_)) => Some("store as"),
            (Stage::Passphrase { .. }, _) if !self.ended => Some("passphrase"),
            _ if !self.ended => Some("type"),
            _ => None,
        };
        if let Some(label) = typing {
            list.push(char('i', "i", label, Action::Type));
        }
        if !self.ended {
            // The confirmation's help bar is full at 80 columns: there `v` works unlisted.
            list.push(match self.view.stage {
                Stage::Confirm { .. } => hidden(KeyCode::Char('v'), Action::Scan),
                _ => char('v', "v", "scan", Action::Scan),
            });
        }
        list.extend([
            hidden(KeyCode::Up, Action::Up),
            hidden(KeyCode::Down, Action::Down),
            hidden(KeyCode::PageUp, Action::LogBack),
            hidden(KeyCode::PageDown, Action::LogForward),
            key(KeyCode::Esc, "Esc", "leave", Action::Leave),
        ]);
        list
    }
}
