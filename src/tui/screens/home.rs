//! The home screen: the actions (defined once, for the menu and its hotkeys) and the keys in
//! the store.

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::form::{Form, FormKind};
use super::keys::{key_rows, KeysScreen};
use super::menu::{Choice, Menu, MenuKey};
use super::replace::ReplaceScreen;
use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::tui::effects::Effect;
use crate::tui::keymap::{self, Binding, Help};
use crate::tui::theme::word_wrap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HomeAction {
    Open(FormKind),
    Keys,
    /// The guide to replacing a member.
    Replace,
}

/// The actions, in menu order.
#[rustfmt::skip] // one action a line, as the menu shows them
pub const ACTIONS: [Choice<HomeAction>; 10] = [
    ('g', "Start or join a key generation (DKG)", HomeAction::Open(FormKind::Dkg)),
    ('d', "Deal keys with a trusted dealer", HomeAction::Open(FormKind::Deal)),
    ('f', "Follow a signing ceremony", HomeAction::Open(FormKind::Follow)),
    ('v', "Coordinate a validator definition", HomeAction::Open(FormKind::Definition)),
    ('o', "Coordinate a validator vote", HomeAction::Open(FormKind::Vote)),
    ('t', "Coordinate a transaction", HomeAction::Open(FormKind::Transaction)),
    ('c', "Check a key (everyone signs a harmless test)", HomeAction::Open(FormKind::Check)),
    ('r', "Refresh a key's shares (remove members)", HomeAction::Open(FormKind::Refresh)),
    ('m', "Replace a member (a lost laptop)", HomeAction::Replace),
    ('k', "Manage keys: rename, delete, export", HomeAction::Keys),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Menu(MenuKey<HomeAction>),
    Quit,
}

pub struct HomeScreen {
    id: ScreenId,
    menu: Menu<HomeAction>,
}

impl HomeScreen {
    pub fn new(id: ScreenId) -> Self {
        Self {
            id,
            menu: Menu::new(&ACTIONS),
        }
    }

    fn bindings() -> Vec<Binding<Action>> {
        let mut list = Menu::bindings(&ACTIONS, Action::Menu);
        list.push(keymap::char('q', "q", "quit", Action::Quit));
        list
    }

    fn run(&mut self, action: HomeAction, ctx: &mut Ctx) -> Reply {
        ctx.status = None;
        match action {
            HomeAction::Open(kind) => Reply::push(Form::new(kind, ctx)),
            HomeAction::Keys => Reply::push(KeysScreen::new(ctx.new_id())),
            HomeAction::Replace => Reply::push(ReplaceScreen::new(ctx.new_id())),
        }
    }
}

impl Screen for HomeScreen {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        "Home".into()
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&Self::bindings())
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        match keymap::dispatch(&Self::bindings(), &event) {
            Some(Action::Menu(key)) => match self.menu.key(key) {
                Some(action) => self.run(action, ctx),
                None => Reply::none(),
            },
            Some(Action::Quit) => Reply::nav(Nav::Quit),
            None => Reply::none(),
        }
    }

    fn revealed(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::effect(Effect::LoadKeys)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let palette = ctx.palette;
        let [menu, keys] = Layout::vertical([
            Constraint::Length(ACTIONS.len() as u16 + 2),
            Constraint::Min(0),
        ])
        .areas(area);
        let items = self.menu.lines(&palette);
        frame.render_widget(
            Paragraph::new(items).block(Block::bordered().title(" Actions ")),
            menu,
        );
        let inner = usize::from(keys.width.saturating_sub(2));
        let mut lines = key_rows(ctx, inner, None);
        let hint = match &ctx.status {
            Some(status) => status.clone(),
            None if ctx.keys.is_empty() && ctx.broken.is_empty() => {
                "No keys yet. Start a key generation [g] with the other participants, or deal keys [d].".into()
            }
            None => "Follow [f] when a coordinator sends a request; [k] renames or deletes keys."
                .into(),
        };
        lines.push(Line::raw(""));
        lines.extend(
            word_wrap(&hint, inner)
                .into_iter()
                .map(|l| Line::styled(l, palette.accent())),
        );
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(format!(" Keys in {} ", ctx.store_label()))),
            keys,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
