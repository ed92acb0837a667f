//! Replacing a member (a lost laptop, someone who leaves): one guide through the three steps,
//! offering each role. The newcomer asks for a share with the key's public group description;
//! at least t members help (no helper learns the share); then the members, the newcomer among
//! them, refresh without the lost member so that its share stops working.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::form::{Form, FormKind};
use super::menu::{Choice, Menu, MenuPage, MenuScreen};
use super::{Ctx, Reply};
use crate::tui::theme::word_wrap;

/// The roles, in the order of the steps: what the person is, and the form it opens.
#[rustfmt::skip] // one role a line, as the guide shows them
pub const ROLES: [Choice<FormKind>; 4] = [
    ('n', "I am the newcomer: I have the key's group description file", FormKind::Newcomer),
    ('h', "I help: start from the newcomer's request, or join a helper's", FormKind::Help),
    ('a', "I did not help: admit the newcomer from the repair's messages", FormKind::Admit),
    ('r', "Afterwards, everyone: refresh without the lost member", FormKind::Refresh),
];

/// The replace guide's menu page.
pub struct Replace;

pub type ReplaceScreen = MenuScreen<Replace>;

/// The steps, in words (the roles are listed under the steps they take part in).
const STEPS: [&str; 3] = [
    "1. A member writes the key's public group description for the newcomer: e on the keys screen (k on the home screen) writes group-NAME.toml, as `hoarfrost keys export-group` does. It holds no share.",
    "2. The newcomer makes a request with a new participant key; at least t members help it get a share of the key, and no helper learns it. Each helper first compares the newcomer's fingerprint with the newcomer itself. Afterwards the helpers' keys include the newcomer; a member who did not help admits it from the repair's messages.",
    "3. The members, the newcomer among them, refresh without the lost member: its share stops working, and the key is t-of-n again with the same identity key.",
];

impl MenuPage for Replace {
    type Choice = FormKind;
    const TITLE: &'static str = "Replace a member";
    const CHOICES: &'static [Choice<FormKind>] = &ROLES;

    fn open(kind: FormKind, ctx: &mut Ctx) -> Reply {
        Reply::push(Form::new(kind, ctx))
    }

    fn draw(menu: &Menu<FormKind>, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let palette = ctx.palette;
        let width = usize::from(area.width.saturating_sub(2));
        let mut lines: Vec<Line> = word_wrap(
            "A lost laptop, or a member who leaves, is replaced in three steps; nobody ever holds the whole key.",
            width,
        )
        .into_iter()
        .map(|l| Line::styled(l, palette.dim()))
        .collect();
        // The roles stand under their steps, indented as the steps' text is.
        let role = |i: usize| menu.line(i, "   ", &palette);
        for (step, text) in STEPS.iter().enumerate() {
            lines.push(Line::raw(""));
            lines.extend(
                word_wrap(text, width.saturating_sub(3))
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| Line::raw(if i == 0 { l } else { format!("   {l}") })),
            );
            match step {
                1 => lines.extend([role(0), role(1), role(2)]),
                2 => lines.push(role(3)),
                _ => {}
            }
        }
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Replace a member ")),
            area,
        );
    }
}
