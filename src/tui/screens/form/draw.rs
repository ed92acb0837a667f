//! Drawing a form: what happens next, each visible field (the focused one marked) with its hint
//! and its errors beside it, then what is under way, an error of no single field, or a note.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::fields::{FieldId, FieldKind, FormKind, KeyPick, VOTES};
use super::{members, Form};
use crate::tui::screens::menu::marker;
use crate::tui::screens::Ctx;
use crate::tui::theme::word_wrap;

impl Form {
    fn value_text(&self, id: FieldId, ctx: &Ctx) -> String {
        match id {
            FieldId::Key => match self.values.pick() {
                KeyPick::Auto => "automatic".into(),
                KeyPick::Name(n) => {
                    let sealed = ctx.key(&n).is_some_and(|k| k.material.is_sealed());
                    format!("{n}{}", if sealed { " (encrypted)" } else { "" })
                }
                KeyPick::File => "a key file".into(),
            },
            FieldId::Vote => VOTES[self.values.vote % VOTES.len()].into(),
            FieldId::Encrypt => if self.values.encrypt { "yes" } else { "no" }.into(),
            FieldId::Starts => match (self.values.starts, self.kind) {
                (true, _) => "I start it",
                (false, FormKind::Refresh) => "I join",
                (false, _) => "I join a helper",
            }
            .into(),
            id if id.kind() == FieldKind::Secret => {
                "\u{2022}".repeat(self.values.text(id).chars().count())
            }
            id => self.values.text(id).to_string(),
        }
    }

    /// What a field's value means (whether this member starts or joins says what comes next).
    fn hint(&self, id: FieldId) -> &'static str {
        match (id, self.values.starts, self.kind) {
            (FieldId::Starts, true, FormKind::Refresh) => "you mark whom to remove",
            (FieldId::Starts, true, _) => "you take the newcomer's request",
            (FieldId::Starts, false, FormKind::Refresh) => "paste the starter's RefreshRound1",
            (FieldId::Starts, false, _) => "paste the starter's RepairRound1",
            // The automatic choice's hint says what it would pick; a chosen key needs none.
            (FieldId::Key, _, _) if self.values.pick() != KeyPick::Auto => "",
            _ => id.hint(self.kind),
        }
    }

    /// A field's lines: its label, value and hint, then its errors.
    fn field_lines(&self, id: FieldId, width: usize, ctx: &Ctx) -> Vec<Line<'static>> {
        let palette = ctx.palette;
        let is_focused = id == self.focused();
        let head = vec![
            Span::raw(marker(is_focused)),
            Span::styled(format!("{:<16}", id.label_in(self.kind)), palette.accent()),
        ];
        let mut lines = if id.kind() == FieldKind::Members {
            let roster = self.roster(ctx);
            let cursor = is_focused.then(|| {
                let count = roster.as_ref().map_or(1, |r| r.members.len().max(1));
                self.member_at.min(count - 1)
            });
            members::lines(
                &self.values,
                &roster,
                cursor,
                head,
                id.hint(self.kind),
                &palette,
            )
        } else {
            let mut value = self.value_text(id, ctx);
            if id.kind() == FieldKind::Choice {
                value = format!("\u{25c0} {value} \u{25b6}");
            } else if is_focused {
                value.push('\u{2588}');
            }
            let value_style = if is_focused {
                palette.key()
            } else {
                Style::default()
            };
            let mut spans = head;
            spans.push(Span::styled(value.clone(), value_style));
            // A value longer than its column leaves no room for the hint beside it.
            if value.chars().count() <= 22 {
                spans.extend([
                    Span::raw(" ".repeat(22 - value.chars().count())),
                    Span::styled(format!(" {}", self.hint(id)), palette.dim()),
                ]);
            }
            vec![Line::from(spans)]
        };
        for (_, error) in self.errors.iter().filter(|(f, _)| *f == id) {
            for l in word_wrap(&format!("\u{2717} {error}"), width.saturating_sub(18)) {
                lines.push(Line::styled(format!("{:18}{l}", ""), palette.bad()));
            }
        }
        lines
    }
}

pub fn draw(form: &Form, frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let palette = ctx.palette;
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = word_wrap(form.kind.about(), width)
        .into_iter()
        .map(|l| Line::styled(l, palette.dim()))
        .collect();
    lines.push(Line::raw(""));
    for id in form.visible() {
        lines.extend(form.field_lines(id, width, ctx));
    }
    lines.push(Line::raw(""));
    if let Some(busy) = form.busy {
        lines.push(Line::styled(format!("\u{2026} {busy}"), palette.accent()));
    }
    for (text, style) in [
        (
            form.error.as_ref().map(|e| format!("\u{2717} {e}")),
            palette.bad(),
        ),
        (
            form.note.as_ref().map(|n| format!("\u{2713} {n}")),
            palette.good(),
        ),
    ] {
        if let Some(text) = text {
            lines.extend(
                word_wrap(&text, width)
                    .into_iter()
                    .map(|l| Line::styled(l, style)),
            );
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" {} ", form.kind.title()))),
        area,
    );
}
