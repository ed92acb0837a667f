//! A menu of choices, each with a hotkey, one of them marked: ↑↓ move the mark round the list
//! (from the last back to the first), Enter takes the marked choice, and a hotkey takes its own
//! choice and marks it, so that the mark is there again on coming back. The home screen and
//! the replace guide are such menus: one [`MenuScreen`] each, with a [`MenuPage`] that says
//! what the choices open and draws the menu among its own text.

use std::marker::PhantomData;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::tui::effects::Effect;
use crate::tui::keymap::{self, char, hidden, key, Binding, Help};
use crate::tui::theme::Palette;

/// One choice: its hotkey, its label and what it does.
pub type Choice<T> = (char, &'static str, T);

/// The keys a menu handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MenuKey<T> {
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
    fn new(choices: &'static [Choice<T>]) -> Self {
        Self { choices, marked: 0 }
    }

    /// Moves the mark, or says which choice the key takes (and marks it).
    fn key(&mut self, key: MenuKey<T>) -> Option<T> {
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

/// How a menu screen is left (Ctrl-C aside).
pub enum Leave {
    /// `q` quits the program: the home screen.
    Quit,
    /// Esc goes back to the screen below.
    Back,
}

impl Leave {
    fn binding<A>(&self, action: A) -> Binding<A> {
        match self {
            Leave::Quit => char('q', "q", "quit", action),
            Leave::Back => key(KeyCode::Esc, "Esc", "back", action),
        }
    }

    fn nav(&self) -> Nav {
        match self {
            Leave::Quit => Nav::Quit,
            Leave::Back => Nav::Pop,
        }
    }
}

/// What makes a menu screen one menu and not another.
pub trait MenuPage: 'static {
    type Choice: Copy + PartialEq + 'static;
    /// The title bar's text.
    const TITLE: &'static str;
    /// The choices, in the order the menu shows them.
    const CHOICES: &'static [Choice<Self::Choice>];
    /// Esc goes back, as on every screen above another; the home screen, at the bottom of
    /// them all, quits with q instead.
    const LEAVE: Leave = Leave::Back;
    /// Opens what `choice` stands for.
    fn open(choice: Self::Choice, ctx: &mut Ctx) -> Reply;
    /// Draws the page, the menu's lines among it.
    fn draw(menu: &Menu<Self::Choice>, frame: &mut Frame, area: Rect, ctx: &Ctx);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MenuAction<T> {
    Menu(MenuKey<T>),
    Leave,
}

/// A screen that is a menu, as its page `P` says.
pub struct MenuScreen<P: MenuPage> {
    id: ScreenId,
    menu: Menu<P::Choice>,
    page: PhantomData<P>,
}

impl<P: MenuPage> MenuScreen<P> {
    pub fn new(id: ScreenId) -> Self {
        Self {
            id,
            menu: Menu::new(P::CHOICES),
            page: PhantomData,
        }
    }

    /// The menu's keys, then the one that leaves.
    fn bindings() -> Vec<Binding<MenuAction<P::Choice>>> {
        let menu = MenuAction::Menu;
        let mut list = vec![
            key(KeyCode::Up, "\u{2191}\u{2193}", "move", menu(MenuKey::Up)),
            hidden(KeyCode::Down, menu(MenuKey::Down)),
            key(KeyCode::Enter, "Enter", "choose", menu(MenuKey::Choose)),
        ];
        list.extend(P::CHOICES.iter().map(|&(hotkey, _, choice)| {
            hidden(KeyCode::Char(hotkey), menu(MenuKey::Hotkey(choice)))
        }));
        list.push(P::LEAVE.binding(MenuAction::Leave));
        list
    }
}

impl<P: MenuPage> Screen for MenuScreen<P> {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        P::TITLE.into()
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&Self::bindings())
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        match keymap::dispatch(&Self::bindings(), &event) {
            Some(MenuAction::Menu(key)) => match self.menu.key(key) {
                Some(choice) => P::open(choice, ctx),
                None => Reply::none(),
            },
            Some(MenuAction::Leave) => Reply::nav(P::LEAVE.nav()),
            None => Reply::none(),
        }
    }

    /// What was opened from the menu may have changed the store's keys (a ceremony stored
    /// one, keys were renamed), which the menus show or open forms on.
    fn revealed(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::effect(Effect::LoadKeys)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        P::draw(&self.menu, frame, area, ctx);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    const CHOICES: [Choice<u8>; 3] = [('a', "one", 1), ('b', "two", 2), ('c', "three", 3)];

    #[test]
    fn the_mark_wraps_round_and_a_hotkey_moves_it() {
        let mut menu = Menu::new(&CHOICES);
        assert_eq!(menu.key(MenuKey::Up), None);
        assert_eq!(
            menu.key(MenuKey::Choose),
            Some(3),
            "up from the first is the last"
        );
        assert_eq!(menu.key(MenuKey::Down), None);
        assert_eq!(
            menu.key(MenuKey::Choose),
            Some(1),
            "down from the last is the first"
        );
        assert_eq!(menu.key(MenuKey::Hotkey(2)), Some(2));
        assert_eq!(
            menu.key(MenuKey::Choose),
            Some(2),
            "the hotkey marked its choice"
        );
    }
}
