//! The home screen: the actions (defined once, for the menu and its hotkeys) and the keys in
//! the store.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::form::{Form, FormKind};
use super::keys::{key_rows, KeysScreen};
use super::menu::{Choice, Leave, Menu, MenuPage, MenuScreen};
use super::replace::ReplaceScreen;
use super::{Ctx, Reply};
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

/// The home screen's menu page.
pub struct Home;

pub type HomeScreen = MenuScreen<Home>;

impl MenuPage for Home {
    type Choice = HomeAction;
    const TITLE: &'static str = "Home";
    const CHOICES: &'static [Choice<HomeAction>] = &ACTIONS;
    const LEAVE: Leave = Leave::Quit;

    fn open(action: HomeAction, ctx: &mut Ctx) -> Reply {
        ctx.status = None;
        match action {
            HomeAction::Open(kind) => Reply::push(Form::new(kind, ctx)),
            HomeAction::Keys => Reply::push(KeysScreen::new(ctx.new_id())),
            HomeAction::Replace => Reply::push(ReplaceScreen::new(ctx.new_id())),
        }
    }

    fn draw(menu: &Menu<HomeAction>, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let palette = ctx.palette;
        let [actions, keys] = Layout::vertical([
            Constraint::Length(ACTIONS.len() as u16 + 2),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(menu.lines(&palette)).block(Block::bordered().title(" Actions ")),
            actions,
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
}
