//! One key map per context: it both dispatches keys and writes the help bar, so they never
//! drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Home,
    Form,
    /// A ceremony waiting for pasted messages, typing into the input area.
    Input,
    /// A ceremony, with the outgoing message focused.
    Message,
    Review,
    Result,
    Notice,
    /// A message shown as (animated) QR codes.
    Qr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Up,
    Down,
    Select,
    Hotkey(char),
    Back,
    NextField,
    PreviousField,
    ChoiceLeft,
    ChoiceRight,
    Submit,
    ClearInput,
    SwitchFocus,
    Copy,
    Save,
    Approve,
    Decline,
    ShowQr,
    ShowBundle,
    Faster,
    Slower,
    Pause,
    Step,
}

pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    /// The key as the help bar shows it; empty for bindings the help bar leaves out.
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
}

const fn key(code: KeyCode, label: &'static str, help: &'static str, action: Action) -> Binding {
    Binding {
        code,
        modifiers: KeyModifiers::NONE,
        label,
        help,
        action,
    }
}

const fn ctrl(c: char, label: &'static str, help: &'static str, action: Action) -> Binding {
    Binding {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        label,
        help,
        action,
    }
}

/// The bindings of a context, in help-bar order.
pub fn bindings(context: Context) -> Vec<Binding> {
    use Action as A;
    use KeyCode as K;
    let mut list = match context {
        Context::Home => vec![
            key(K::Up, "\u{2191}\u{2193}", "move", A::Up),
            key(K::Down, "", "", A::Down),
            key(K::Char('k'), "", "", A::Up),
            key(K::Char('j'), "", "", A::Down),
            key(K::Enter, "Enter", "choose", A::Select),
            key(K::Char('g'), "", "", A::Hotkey('g')),
            key(K::Char('d'), "", "", A::Hotkey('d')),
            key(K::Char('f'), "", "", A::Hotkey('f')),
            key(K::Char('v'), "", "", A::Hotkey('v')),
            key(K::Char('o'), "", "", A::Hotkey('o')),
            key(K::Char('t'), "", "", A::Hotkey('t')),
            key(K::Char('c'), "", "", A::Hotkey('c')),
            key(K::Char('q'), "q", "quit", A::Quit),
        ],
        Context::Form => vec![
            key(K::Tab, "Tab", "next field", A::NextField),
            key(K::Down, "", "", A::NextField),
            key(K::BackTab, "", "", A::PreviousField),
            key(K::Up, "", "", A::PreviousField),
            key(K::Left, "\u{2190}\u{2192}", "choose", A::ChoiceLeft),
            key(K::Right, "", "", A::ChoiceRight),
            key(K::Enter, "Enter", "start", A::Submit),
            key(K::Esc, "Esc", "back", A::Back),
        ],
        Context::Input => vec![
            key(K::Enter, "Enter", "submit", A::Submit),
            ctrl('u', "Ctrl-U", "clear", A::ClearInput),
            key(K::Tab, "Tab", "message", A::SwitchFocus),
            key(K::Esc, "Esc", "leave", A::Back),
        ],
        Context::Message => vec![
            key(K::Char('q'), "q", "QR", A::ShowQr),
            key(K::Char('b'), "b", "bundle", A::ShowBundle),
            key(K::Char('c'), "c", "copy", A::Copy),
            key(K::Char('s'), "s", "save", A::Save),
            key(K::Up, "\u{2191}\u{2193}", "scroll", A::Up),
            key(K::Down, "", "", A::Down),
            key(K::Tab, "Tab", "paste", A::SwitchFocus),
            key(K::Esc, "Esc", "leave", A::Back),
        ],
        Context::Review => vec![
            key(K::Char('a'), "a", "approve and sign", A::Approve),
            key(K::Char('y'), "", "", A::Approve),
            key(K::Char('d'), "d", "decline", A::Decline),
            key(K::Char('n'), "", "", A::Decline),
            key(K::Up, "\u{2191}\u{2193}", "scroll", A::Up),
            key(K::Down, "", "", A::Down),
            key(K::Esc, "", "", A::Decline),
        ],
        Context::Result => vec![
            key(K::Char('q'), "q", "QR", A::ShowQr),
            key(K::Char('c'), "c", "copy", A::Copy),
            key(K::Char('s'), "s", "save to file", A::Save),
            key(K::Up, "\u{2191}\u{2193}", "scroll", A::Up),
            key(K::Down, "", "", A::Down),
            key(K::Enter, "Enter", "home", A::Back),
            key(K::Esc, "", "", A::Back),
        ],
        Context::Notice => vec![
            key(K::Enter, "Enter", "home", A::Back),
            key(K::Esc, "", "", A::Back),
        ],
        Context::Qr => vec![
            key(K::Char('t'), "t", "text", A::ShowQr),
            key(K::Char('q'), "", "", A::ShowQr),
            key(K::Esc, "", "", A::ShowQr),
            key(K::Char(' '), "Space", "pause", A::Pause),
            key(K::Char('n'), "n", "step", A::Step),
            key(K::Char('+'), "+", "faster", A::Faster),
            key(K::Char('='), "", "", A::Faster),
            key(K::Char('-'), "-", "slower", A::Slower),
        ],
    };
    list.push(ctrl('c', "Ctrl-C", "quit", Action::Quit));
    list
}

/// The action a key press means in `context`, if any.
pub fn action(context: Context, event: &KeyEvent) -> Option<Action> {
    let modifiers = event.modifiers - KeyModifiers::SHIFT;
    bindings(context)
        .into_iter()
        .find(|b| {
            b.code == event.code
                && (b.modifiers == modifiers
                    || (event.code == KeyCode::BackTab && b.code == KeyCode::BackTab))
        })
        .map(|b| b.action)
}

/// The help bar of a context: only the labelled bindings.
pub fn help(context: Context) -> Vec<(&'static str, &'static str)> {
    bindings(context)
        .into_iter()
        .filter(|b| !b.label.is_empty())
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_only_dispatched_keys() {
        for context in [
            Context::Home,
            Context::Form,
            Context::Input,
            Context::Message,
            Context::Review,
            Context::Result,
            Context::Notice,
            Context::Qr,
        ] {
            for b in bindings(context)
                .into_iter()
                .filter(|b| !b.label.is_empty())
            {
                let event = KeyEvent::new(b.code, b.modifiers);
                assert_eq!(
                    action(context, &event),
                    Some(b.action),
                    "{context:?} {}",
                    b.label
                );
            }
        }
    }
}
