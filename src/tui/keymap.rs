//! Key bindings: every screen lists its bindings once, and that one list both dispatches key
//! presses and writes the help bar, so the two never drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key and what it does on a screen. A binding with an empty label works but is left out
/// of the help bar (a second key for the same action, such as `k` beside `↑`).
#[derive(Clone, Debug)]
pub struct Binding<A> {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    /// The key as the help bar shows it.
    pub label: &'static str,
    pub help: &'static str,
    pub action: A,
}

/// A key without modifiers.
pub fn key<A>(code: KeyCode, label: &'static str, help: &'static str, action: A) -> Binding<A> {
    Binding {
        code,
        modifiers: KeyModifiers::NONE,
        label,
        help,
        action,
    }
}

/// A character key.
pub fn char<A>(c: char, label: &'static str, help: &'static str, action: A) -> Binding<A> {
    key(KeyCode::Char(c), label, help, action)
}

/// A key that works but is not listed in the help bar.
pub fn hidden<A>(code: KeyCode, action: A) -> Binding<A> {
    key(code, "", "", action)
}

/// Control plus a character.
pub fn ctrl<A>(c: char, label: &'static str, help: &'static str, action: A) -> Binding<A> {
    Binding {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        label,
        help,
        action,
    }
}

/// The action `event` means among `bindings`. Shift is ignored (terminals report `+` and `?`
/// with it, `BackTab` sometimes with it).
pub fn dispatch<A: Clone>(bindings: &[Binding<A>], event: &KeyEvent) -> Option<A> {
    let modifiers = event.modifiers - KeyModifiers::SHIFT;
    bindings
        .iter()
        .find(|b| b.code == event.code && b.modifiers == modifiers)
        .map(|b| b.action.clone())
}

/// A help-bar entry: the key as shown and what it does.
pub type Help = (&'static str, &'static str);

/// The help bar's entries: the labelled bindings, in order.
pub fn help<A>(bindings: &[Binding<A>]) -> Vec<Help> {
    bindings
        .iter()
        .filter(|b| !b.label.is_empty())
        .map(|b| (b.label, b.help))
        .collect()
}

/// Whether a key press is plain typing (a character without Control or Alt).
pub fn typed(event: &KeyEvent) -> Option<char> {
    match event.code {
        KeyCode::Char(c)
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Ctrl-C, which quits from every screen.
pub fn is_interrupt(event: &KeyEvent) -> bool {
    event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_dispatches_its_own_action() {
        let list = vec![
            char('a', "a", "approve", 1),
            hidden(KeyCode::Char('y'), 1),
            key(KeyCode::Esc, "Esc", "back", 2),
            ctrl('u', "Ctrl-U", "clear", 3),
        ];
        for b in &list {
            let event = KeyEvent::new(b.code, b.modifiers);
            assert_eq!(dispatch(&list, &event), Some(b.action));
        }
        assert_eq!(help(&list).len(), 3);
        assert_eq!(
            dispatch(
                &list,
                &KeyEvent::new(KeyCode::Char('u'), KeyModifiers::NONE)
            ),
            None,
            "u without Control is not Ctrl-U"
        );
        assert_eq!(
            dispatch(
                &list,
                &KeyEvent::new(KeyCode::Char('a'), KeyModifiers::SHIFT)
            ),
            Some(1)
        );
    }
}
