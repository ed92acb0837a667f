//! Drawing a ceremony: the stepper, the main panel (the stage's question or result above the
//! chosen item, drawn without side borders so a selection pastes back), the log and the input.

use ratatui::layout::{Constraint, Layout as Split, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::items::{others_need, Item, Layout};
use super::{Ceremony, Role};
use crate::session::{Mark, Stage};
use crate::tui::screens::{result, review, Ctx};
use crate::tui::theme::{
    choices, hard_wrap, indented_wrap, json_wrap, rule, shell_wrap, word_wrap, Palette,
};

/// The body's area for a terminal of the context's size (between title and help bars).
fn body(ctx: &Ctx) -> Rect {
    Rect::new(0, 1, ctx.width, ctx.height.saturating_sub(2))
}

impl Ceremony {
    /// [stepper, main panel, notice, log, input], and the main panel's lines (computed once:
    /// the layout depends on them). The log gives up lines (down to its title and newest line)
    /// while the message to copy would not show whole otherwise: a screen selection must find
    /// all of it.
    fn layout(&self, area: Rect, palette: &Palette) -> ([Rect; 5], Vec<Line<'static>>) {
        let full_log: u16 = if area.height >= 40 { 11 } else { 5 };
        let fixed = 2 + u16::from(self.notice.is_some()) + u16::from(self.input.is_some());
        let main = area.height.saturating_sub(fixed + full_log);
        let (lines, item_end) = self.main_lines_to_item(usize::from(area.width), palette);
        let wanted = u16::try_from(item_end).unwrap_or(u16::MAX);
        let log = full_log - wanted.saturating_sub(main).min(full_log - 2);
        let areas = Split::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(u16::from(self.notice.is_some())),
            Constraint::Length(log),
            Constraint::Length(u16::from(self.input.is_some())),
        ])
        .areas(area);
        (areas, lines)
    }

    /// (width, height) of the log's lines at the context's size.
    pub(super) fn log_size(&self, ctx: &Ctx) -> (usize, usize) {
        let log = self.layout(body(ctx), &ctx.palette).0[3];
        (
            usize::from(log.width),
            usize::from(log.height.saturating_sub(1)),
        )
    }

    pub(super) fn max_scroll(&self, ctx: &Ctx) -> usize {
        let ([_, main, ..], lines) = self.layout(body(ctx), &ctx.palette);
        lines.len().saturating_sub(usize::from(main.height))
    }

    /// The main panel's lines, and how many of them reach the end of the chosen item (the
    /// message to copy; 0 when none is shown).
    fn main_lines_to_item(&self, width: usize, palette: &Palette) -> (Vec<Line<'static>>, usize) {
        let view = &self.view;
        if matches!(view.stage, Stage::Review) && !self.ended {
            return (
                review::lines(&view.review, &view.question, width, palette),
                0,
            );
        }
        let mut lines = match &view.stage {
            Stage::Confirm { fingerprint } if !self.ended => confirm(fingerprint, width, palette),
            Stage::Passphrase { key } if !self.ended => prose(
                &format!(
                    "The request needs key {key}, which is encrypted: type its passphrase in the input below (Enter opens the key; a wrong one asks again)."
                ),
                width,
                palette.accent(),
            ),
            Stage::Done(_) | Stage::Declined | Stage::Failed(_) => {
                result::lines(view, &self.storing, &self.setup.left_out, width, palette)
            }
            _ => waiting_for(self, width, palette),
        };
        let items = self.items();
        if let Some(item) = items.get(self.chosen) {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.extend(item_lines(
                self,
                item,
                self.chosen,
                items.len(),
                width,
                palette,
            ));
        }
        let item_end = if items.get(self.chosen).is_some() {
            lines.len()
        } else {
            0
        };
        // What is signed stays in view; what a refresh or repair was about, until it is over.
        let about = match self.setup.role {
            Role::Coordinator => Some("What is signed:"),
            Role::Refresh if !self.ended => Some("The refresh:"),
            Role::Helper if !self.ended => Some("The repair:"),
            _ => None,
        };
        if let Some(about) = about.filter(|_| !view.review.is_empty()) {
            lines.push(Line::raw(""));
            lines.push(Line::styled(about, palette.dim()));
            for text in &view.review {
                lines.extend(indented_wrap(text, width).into_iter().map(Line::raw));
            }
        }
        (lines, item_end)
    }
}

/// What the person is waiting for, in words.
fn waiting_for(c: &Ceremony, width: usize, palette: &Palette) -> Vec<Line<'static>> {
    let joined = !c.view.sent.is_empty();
    let text = match c.setup.role {
        Role::Dkg => "Paste the others' messages here whenever they come, in any order; send yours whenever you can.",
        Role::Coordinator => "Paste the signers' replies here whenever they come, in any order.",
        Role::Follower if !joined => "Paste the coordinator's request (CoordinatorRound1) here. It is shown in words before anything is signed.",
        Role::Follower => "Paste the coordinator's round-2 message (CoordinatorRound2) here when it comes.",
        Role::Refresh if !joined => "Paste the RefreshRound1 of the member who started the refresh (or of any member who joined). What it asks is shown before anything is sent.",
        Role::Helper if !joined && c.setup.starts => "Paste the newcomer's request (RepairRequest). Its fingerprint is shown before anything is sent: compare it with the newcomer.",
        Role::Helper if !joined => "Paste the RepairRound1 of the helper who started the repair. What it asks is shown before anything is sent.",
        Role::Admit => "Paste the repair's messages here, in any order (the whole relay will do): the helpers' RepairRound1 and RepairRound3 name the newcomer, whose fingerprint you confirm before your key changes.",
        Role::Refresh | Role::Helper => "Send your message to every other participant (one relay may carry it to all); paste theirs here whenever they come, in any order.",
        Role::Newcomer => {
            let mut lines = prose(
                "Your participant fingerprint: tell it to the helpers by phone or in person; each compares it before helping.",
                width,
                palette.dim(),
            );
            let me = super::items::own_fingerprint(&c.view).unwrap_or_default();
            lines.push(Line::styled(format!("    {me}"), palette.key()));
            lines.extend(prose(
                "Send your request to the helpers; paste their messages here whenever they come, in any order.",
                width,
                palette.dim(),
            ));
            return lines;
        }
    };
    prose(text, width, palette.dim())
}

fn prose(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    word_wrap(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// A key generation's round-1 fingerprint, large and clear, and the question.
fn confirm(fingerprint: &str, width: usize, palette: &Palette) -> Vec<Line<'static>> {
    let spaced: String = fingerprint
        .chars()
        .map(|c| {
            if c == '-' {
                "   ".to_string()
            } else {
                format!("{c} ")
            }
        })
        .collect::<String>();
    let band = format!("   {}   ", spaced.trim_end());
    let pad = width.saturating_sub(band.chars().count()) / 2;
    let mut lines = prose(
        "Round 1 is complete. Read this code aloud: every participant must see the same code.",
        width,
        palette.accent(),
    );
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(pad)),
        Span::styled(band, palette.key()),
    ]));
    lines.push(Line::raw(""));
    lines.push(choices(
        palette,
        &[
            ("y", "everyone sees it: send my round 2"),
            ("n", "it differs: stop"),
        ],
    ));
    lines
}

/// The chosen item under a rule that says what it is, its text cut to the full width.
fn item_lines(
    c: &Ceremony,
    item: &Item,
    at: usize,
    count: usize,
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let mut title = Vec::new();
    if count > 1 {
        title.push(Span::styled(
            format!("\u{25c0} {}/{count} \u{25b6} ", at + 1),
            palette.key(),
        ));
    }
    match (&item.message, others_need(&c.view, item)) {
        (Some(message), true) => title.push(Span::styled(
            format!(
                " Your {}: {} may still need it ",
                message.kind(),
                who_needs(message.kind())
            ),
            palette.bad(),
        )),
        _ => title.push(Span::styled(format!(" {} ", item.title), palette.accent())),
    }
    let mut lines = vec![rule(title, width as u16, palette)];
    let text = match item.layout {
        Layout::Json => json_wrap(&item.text, width),
        Layout::Hard => hard_wrap(&item.text, width),
        Layout::Shell => shell_wrap(&item.text, width),
    };
    let style = if item.replaced {
        palette.dim()
    } else {
        Style::default()
    };
    lines.extend(text.into_iter().map(|l| Line::styled(l, style)));
    lines
}

/// Who waits for a participant's last message.
fn who_needs(kind: crate::messages::MessageKind) -> &'static str {
    match kind {
        crate::messages::MessageKind::FollowerRound2 => "the coordinator",
        crate::messages::MessageKind::RepairRound3 => "the newcomer",
        _ => "the others",
    }
}

fn mark(m: Mark, palette: &Palette) -> Span<'static> {
    match m {
        Mark::You => Span::styled("\u{25c6} ", palette.accent()),
        Mark::Answered => Span::styled("\u{2713} ", palette.good()),
        Mark::Waiting => Span::styled("\u{00b7} ", palette.dim()),
        Mark::Removed => Span::styled("\u{2717} ", palette.bad()),
    }
}

pub fn draw(c: &Ceremony, frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let palette = ctx.palette;
    let view = &c.view;
    let ([stepper, main, notice, log, input], lines) = c.layout(area, &palette);

    let spinner = ["|", "/", "-", "\\"][(ctx.tick % 4) as usize];
    let state = match &view.stage {
        Stage::Done(_) => "done".to_string(),
        Stage::Declined => "declined".to_string(),
        Stage::Failed(_) => "failed".to_string(),
        _ if c.busy => format!("{spinner} working..."),
        _ => view.progress.clone(),
    };
    let mut who = vec![Span::raw(" ")];
    for (fp, m) in &view.participants {
        who.push(mark(*m, &palette));
        who.push(Span::raw(format!("{fp}  ")));
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(
                    format!(" Round {} of {} ", view.round, view.rounds),
                    palette.key(),
                ),
                Span::raw(format!(" \u{2014} {state}")),
            ]),
            Line::from(who),
        ]),
        stepper,
    );

    let height = usize::from(main.height);
    let scroll = c.scroll.min(lines.len().saturating_sub(height));
    let mut shown: Vec<Line> = lines.iter().skip(scroll).take(height).cloned().collect();
    if lines.len() > scroll + height {
        // The last line says there is more, rather than hiding it silently.
        if let Some(last) = shown.last_mut() {
            *last = Line::styled(
                format!(
                    "\u{2193} {} more lines (\u{2193} scrolls)",
                    lines.len() - scroll - height + 1
                ),
                palette.dim(),
            );
        }
    }
    frame.render_widget(Paragraph::new(shown), main);

    if let Some(note) = &c.notice {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("\u{2022} {note}"), palette.accent())),
            notice,
        );
    }

    c.log.draw(frame, log, &palette);

    if let Some(i) = &c.input {
        let (prompt, text) = i.shown();
        let room = usize::from(input.width).saturating_sub(prompt.chars().count() + 1);
        let chars: Vec<char> = text.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(room)..].iter().collect();
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(prompt, palette.accent()),
                Span::raw(tail),
                Span::raw("\u{2588}"),
            ])),
            input,
        );
    }
}
