//! A page of text to read (what dealing wrote, say) and leave.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::tui::keymap::{self, hidden, key, Binding, Help};
use crate::tui::theme::word_wrap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Home,
}

pub struct Notice {
    id: ScreenId,
    title: &'static str,
    lines: Vec<String>,
    ok: bool,
}

impl Notice {
    pub fn new(id: ScreenId, title: &'static str, lines: Vec<String>, ok: bool) -> Self {
        Self {
            id,
            title,
            lines,
            ok,
        }
    }

    fn bindings() -> Vec<Binding<Action>> {
        vec![
            key(KeyCode::Enter, "Enter", "home", Action::Home),
            hidden(KeyCode::Esc, Action::Home),
        ]
    }
}

impl Screen for Notice {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        String::from(self.title)
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&Self::bindings())
    }

    fn key(&mut self, event: KeyEvent, _ctx: &mut Ctx) -> Reply {
        match keymap::dispatch(&Self::bindings(), &event) {
            Some(Action::Home) => Reply::nav(Nav::Home),
            None => Reply::none(),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let width = usize::from(area.width.saturating_sub(2));
        let style = if self.ok {
            ratatui::style::Style::default()
        } else {
            ctx.palette.bad()
        };
        let lines: Vec<Line> = self
            .lines
            .iter()
            .flat_map(|l| word_wrap(l, width))
            .map(|l| Line::styled(l, style))
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(format!(" {} ", self.title))),
            area,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
