//! Rendering: a pure function of the model. Colours only support what symbols and text already
//! say (NO_COLOR removes them), so nothing depends on colour alone.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Ceremony, Focus, Screen, ACTIONS, MIN_HEIGHT, MIN_WIDTH};
use super::form::{FieldKind, Form};
use super::keymap;
use crate::session::{Mark, Outcome, Stage};

struct Palette {
    no_color: bool,
}

impl Palette {
    fn fg(&self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }
    fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn dim(&self) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(Color::DarkGray)
        }
    }
    fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let palette = Palette {
        no_color: app.no_color,
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let title = match &app.screen {
        Screen::Home => "Home".to_string(),
        Screen::Form(f) => f.kind.title().to_string(),
        Screen::Ceremony(c) => c.view.title.clone(),
        Screen::Notice { title, .. } => title.clone(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Hoarfrost ", palette.selected()),
            Span::raw(" "),
            Span::styled(title, palette.accent()),
        ])),
        header,
    );
    match &app.screen {
        Screen::Home => home(frame, body, app, &palette),
        Screen::Form(form) => form_screen(frame, body, form, &palette),
        Screen::Ceremony(c) if c.qr.is_some() => {
            // The code takes the whole height: a larger version fits.
            let [code_area, _] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(0)]).areas(area);
            qr_screen(frame, code_area, c, &palette);
            return;
        }
        Screen::Ceremony(c) => ceremony(frame, body, c, app.tick, &palette),
        Screen::Notice { lines, .. } => {
            let text: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered()),
                body,
            );
        }
    }
    help_bar(frame, footer, app, &palette);
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::raw("Terminal too small"),
        Line::raw(format!(
            "Hoarfrost needs {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.",
            area.width, area.height
        )),
        Line::raw("Enlarge the window, or press Ctrl-C to quit."),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn help_bar(frame: &mut Frame, area: Rect, app: &App, palette: &Palette) {
    let mut spans = Vec::new();
    if let Some(status) = &app.status {
        spans.push(Span::styled(format!(" {status} "), palette.bad()));
        spans.push(Span::raw(" "));
    }
    for (key, help) in keymap::help(app.context()) {
        spans.push(Span::styled(format!(" {key} "), palette.selected()));
        spans.push(Span::raw(format!("{help} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(keep).collect::<String>())
    }
}

fn home(frame: &mut Frame, area: Rect, app: &App, palette: &Palette) {
    let [menu, keys] = Layout::vertical([
        Constraint::Length(ACTIONS.len() as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    let items: Vec<Line> = ACTIONS
        .iter()
        .enumerate()
        .map(|(i, (hotkey, label, _))| {
            let marker = if i == app.selected { "\u{25b6} " } else { "  " };
            let line = Line::from(vec![
                Span::raw(marker),
                Span::styled(format!("[{hotkey}]"), palette.accent()),
                Span::raw(format!(" {label}")),
            ]);
            if i == app.selected {
                line.style(palette.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(items).block(Block::bordered().title(" Actions ")),
        menu,
    );
    let mut lines = Vec::new();
    if app.keys.is_empty() && app.broken_keys.is_empty() {
        lines.push(Line::raw(
            "No keys yet. Start a key generation [g] with the other participants, or deal keys [d].",
        ));
    } else {
        // name 14, t-of-n 7, share 9, fingerprint 25, spaces and borders: the rest is the key.
        let id_width = usize::from(keys.width).saturating_sub(63).max(12);
        lines.push(Line::styled(
            format!(
                "{:<14} {:<7} {:<9} {:<25} identity key",
                "name", "t-of-n", "share", "fingerprint"
            ),
            palette.dim(),
        ));
        for (name, key) in &app.keys {
            let group = key.material.group();
            lines.push(Line::raw(format!(
                "{:<14} {:<7} {:<9} {:<25} {}",
                short(name, 14),
                format!("{}-of-{}", group.threshold(), group.participant_count()),
                key.material.participant_label(),
                key.transcript_fingerprint.as_deref().unwrap_or("(dealt)"),
                short(&group.identity_key().to_string(), id_width)
            )));
        }
        for (name, error) in &app.broken_keys {
            lines.push(Line::styled(
                format!("\u{2717} {name}: {error}"),
                palette.bad(),
            ));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" Keys in {} ", app.home))),
        keys,
    );
}

fn form_screen(frame: &mut Frame, area: Rect, form: &Form, palette: &Palette) {
    let mut lines = vec![Line::raw("")];
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let value = match &field.kind {
            FieldKind::Choice(options) if options.is_empty() => "(no keys)".to_string(),
            FieldKind::Choice(_) => format!("\u{25c0} {} \u{25b6}", field.value),
            FieldKind::Secret => {
                let dots = "\u{2022}".repeat(field.value.chars().count());
                if focused {
                    format!("{dots}\u{2588}")
                } else {
                    dots
                }
            }
            _ if focused => format!("{}\u{2588}", field.value),
            _ => field.value.clone(),
        };
        let marker = if focused { "\u{25b6} " } else { "  " };
        let value_style = if focused {
            palette.selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{:<16}", field.label), palette.accent()),
            Span::styled(value, value_style),
            Span::styled(format!("   {}", field.hint), palette.dim()),
        ]));
        lines.push(Line::raw(""));
    }
    if form.busy {
        lines.push(Line::styled(
            "\u{2026} working (a passphrase's key derivation takes a few seconds)",
            palette.accent(),
        ));
    }
    if let Some(error) = &form.error {
        lines.push(Line::styled(format!("\u{2717} {error}"), palette.bad()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} ", form.kind.title()))),
        area,
    );
}

/// Hard-wraps text at exactly `width` characters, so a terminal selection of the lines joins
/// back into the original (the paste reader drops the line breaks inside JSON strings).
pub fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

fn mark(m: Mark, palette: &Palette) -> Span<'static> {
    match m {
        Mark::You => Span::styled("\u{25c6} ", palette.accent()),
        Mark::Answered => Span::styled("\u{2713} ", palette.good()),
        Mark::Waiting => Span::styled("\u{00b7} ", palette.dim()),
    }
}

fn ceremony(frame: &mut Frame, area: Rect, c: &Ceremony, tick: u64, palette: &Palette) {
    let view = &c.view;
    let collecting = matches!(view.stage, Stage::Collecting | Stage::ReadyToFinish);
    let [stepper, main, input, log] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(if collecting { 3 } else { 0 }),
        Constraint::Length(if area.height >= 40 { 10 } else { 5 }),
    ])
    .areas(area);

    // Where the ceremony stands, and who has answered.
    let spinner = ["|", "/", "-", "\\"][(tick % 4) as usize];
    let state = match &view.stage {
        Stage::Done(_) => "done".to_string(),
        Stage::Declined => "declined".to_string(),
        Stage::Failed(_) => "failed".to_string(),
        _ if c.working() => format!("{spinner} working..."),
        _ => view.progress.clone(),
    };
    let mut who = vec![Span::raw(" ")];
    for (fp, m) in &view.participants {
        who.push(mark(*m, palette));
        who.push(Span::raw(format!("{fp}  ")));
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(
                    format!(" Round {} of {} ", view.round, view.rounds),
                    palette.selected(),
                ),
                Span::raw(format!(" \u{2014} {state}")),
            ]),
            Line::from(who),
        ]),
        stepper,
    );

    match &view.stage {
        Stage::Review => review(frame, main, c, palette),
        Stage::Done(outcome) => result(frame, main, c, outcome, palette),
        Stage::Declined => frame.render_widget(
            Paragraph::new("You declined. Nothing was signed. Press Enter to go home.")
                .block(Block::bordered().title(" Declined ")),
            main,
        ),
        Stage::Failed(e) => frame.render_widget(
            Paragraph::new(vec![Line::styled(format!("\u{2717} {e}"), palette.bad())])
                .wrap(Wrap { trim: false })
                .block(Block::bordered().title(" The ceremony failed ")),
            main,
        ),
        _ => outgoing(frame, main, c, palette),
    }

    // The paste area.
    let focused = c.focus == Focus::Input && matches!(view.stage, Stage::Collecting);
    let shown = c.input.replace('\n', " \u{21b5} ");
    let tail: String = {
        let width = usize::from(input.width.saturating_sub(6));
        let chars: Vec<char> = shown.chars().collect();
        chars[chars.len().saturating_sub(width)..].iter().collect()
    };
    let cursor = if focused { "\u{2588}" } else { "" };
    let input_title = if focused {
        " \u{25b6} Paste messages here (any number, any order) "
    } else {
        " Paste messages here (Tab to type) "
    };
    frame.render_widget(
        Paragraph::new(Line::raw(format!("> {tail}{cursor}"))).block(
            Block::bordered()
                .title(input_title)
                .border_style(if focused {
                    palette.accent()
                } else {
                    Style::default()
                }),
        ),
        input,
    );

    // What became of each message, newest last.
    let height = usize::from(log.height.saturating_sub(2));
    let mut lines: Vec<Line> = c
        .feedback
        .iter()
        .rev()
        .take(height)
        .rev()
        .map(|f| {
            if f.ok {
                Line::from(vec![
                    Span::styled("\u{2713} ", palette.good()),
                    Span::raw(f.text.clone()),
                ])
            } else {
                Line::from(vec![
                    Span::styled("\u{2717} ", palette.bad()),
                    Span::raw(f.text.clone()),
                ])
            }
        })
        .collect();
    if let Some(notice) = &c.notice {
        if lines.len() == height && !lines.is_empty() {
            lines.remove(0);
        }
        lines.push(Line::styled(format!("\u{2022} {notice}"), palette.accent()));
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Log ")),
        log,
    );
}

fn outgoing(frame: &mut Frame, area: Rect, c: &Ceremony, palette: &Palette) {
    let Some(out) = &c.view.outgoing else {
        let mut lines = vec![Line::raw(
            "Paste the coordinator's first message (CoordinatorRound1) below.",
        )];
        lines.push(Line::raw(
            "The request will be shown in words before anything is signed.",
        ));
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Waiting for the coordinator ")),
            area,
        );
        return;
    };
    let focused = c.focus == Focus::Message;
    let mut extra: Vec<Line> = c
        .view
        .review
        .iter()
        .filter(|l| l.starts_with("Round 1 fingerprint") || l.starts_with("Read it aloud"))
        .map(|l| Line::styled(l.clone(), palette.accent()))
        .collect();
    let width = usize::from(area.width);
    let wrapped = hard_wrap(&out.json, width);
    let body_height = usize::from(area.height.saturating_sub(2)).saturating_sub(extra.len());
    let max_scroll = wrapped.len().saturating_sub(body_height);
    let scroll = usize::from(c.scroll).min(max_scroll);
    let mut lines: Vec<Line> = wrapped
        .iter()
        .skip(scroll)
        .take(body_height)
        .map(|l| Line::raw(l.clone()))
        .collect();
    lines.append(&mut extra);
    let more = if wrapped.len() > body_height {
        format!(
            " lines {}-{} of {} ",
            scroll + 1,
            (scroll + body_height).min(wrapped.len()),
            wrapped.len()
        )
    } else {
        String::new()
    };
    let title = format!(
        " {}Send this {} to {} \u{2014} c copy, s save ",
        if focused { "\u{25b6} " } else { "" },
        out.kind.name(),
        out.to
    );
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::TOP | Borders::BOTTOM)
                .title(title)
                .title_bottom(more)
                .border_style(if focused {
                    palette.accent()
                } else {
                    Style::default()
                }),
        ),
        area,
    );
}

fn review(frame: &mut Frame, area: Rect, c: &Ceremony, palette: &Palette) {
    let mut lines: Vec<Line> = vec![Line::styled(
        "You are asked to sign the following. Read every field.",
        palette.accent(),
    )];
    lines.extend(c.view.review.iter().map(|l| Line::raw(l.clone())));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" a ", palette.selected()),
        Span::raw(" approve and sign     "),
        Span::styled(" d ", palette.selected()),
        Span::raw(" decline: nothing is signed"),
    ]));
    let more = scroll_hint(&lines, area, c.scroll);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((c.scroll, 0))
            .block(
                Block::bordered()
                    .title(" Review the request ")
                    .title_bottom(more),
            ),
        area,
    );
}

/// A hint when wrapped `lines` do not fit in the bordered `area` below `scroll`.
fn scroll_hint(lines: &[Line], area: Rect, scroll: u16) -> String {
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let total: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let visible = usize::from(area.height.saturating_sub(2));
    if total > visible + usize::from(scroll) {
        " \u{2193} more below ".to_string()
    } else {
        String::new()
    }
}

fn result(frame: &mut Frame, area: Rect, c: &Ceremony, outcome: &Outcome, palette: &Palette) {
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let title = match outcome {
        Outcome::Signed {
            headline,
            text,
            instructions,
        } => {
            lines.push(Line::styled(format!("\u{2713} {headline}"), palette.good()));
            lines.push(Line::raw(""));
            lines.extend(hard_wrap(text, width).into_iter().map(Line::raw));
            lines.push(Line::raw(""));
            lines.extend(instructions.iter().map(|l| Line::raw(l.clone())));
            " Signed: c copies the signature, s saves it "
        }
        Outcome::Checked { signers } => {
            lines.push(Line::styled(
                format!("\u{2713} Key check passed: {signers} participants signed and the signature verifies."),
                palette.good(),
            ));
            lines.push(Line::raw("The key works."));
            " Key check "
        }
        Outcome::FollowerDone => {
            lines.push(Line::styled(
                "\u{2713} Signed. Send this last message to the coordinator:",
                palette.good(),
            ));
            if let Some(out) = &c.view.outgoing {
                lines.extend(hard_wrap(&out.json, width).into_iter().map(Line::raw));
            }
            " Done: c copies the message, s saves it "
        }
        Outcome::Generated { name, output } => {
            let group = output.share.group();
            lines.push(Line::styled(
                format!(
                    "\u{2713} Key generation finished: a {}-of-{} key named \"{name}\".",
                    group.threshold(),
                    group.participant_count()
                ),
                palette.good(),
            ));
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!("Fingerprint:      {}", output.transcript_fingerprint),
                palette.accent(),
            ));
            lines.push(Line::raw(format!(
                "Identity key:     {}",
                group.identity_key()
            )));
            lines.push(Line::raw(format!(
                "Governance key:   {}",
                group.governance_key()
            )));
            lines.push(Line::raw(format!(
                "This participant: {}",
                output.share.fingerprint()
            )));
            lines.push(Line::raw(""));
            lines.push(Line::raw(
                "Compare the fingerprint and identity key with every participant, then check the key [c on the home screen].",
            ));
            if let Some(n) = &c.notice {
                lines.push(Line::raw(n.clone()));
            }
            " Key generated "
        }
    };
    let more = scroll_hint(&lines, area, c.scroll);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((c.scroll, 0))
            .block(Block::bordered().title(title).title_bottom(more)),
        area,
    );
}

/// Draws QR modules with half blocks: each cell shows two module rows, with both colours set
/// explicitly (dark on light), whatever the terminal's theme.
pub struct QrWidget<'a>(pub &'a crate::transport::qr::Modules);

impl ratatui::widgets::Widget for QrWidget<'_> {
    fn render(self, area: Rect, buf: &mut ratatui::buffer::Buffer) {
        let m = self.0;
        for row in 0..m.side.div_ceil(2) {
            for x in 0..m.side {
                let (cx, cy) = (area.x + x as u16, area.y + row as u16);
                if cx >= area.right() || cy >= area.bottom() {
                    continue;
                }
                let color = |dark| if dark { Color::Black } else { Color::White };
                buf[(cx, cy)]
                    .set_symbol("\u{2580}")
                    .set_fg(color(m.is_dark(x, 2 * row)))
                    .set_bg(color(m.is_dark(x, 2 * row + 1)));
            }
        }
    }
}

fn qr_screen(frame: &mut Frame, area: Rect, c: &Ceremony, palette: &Palette) {
    let Some(qr) = &c.qr else { return };
    frame.render_widget(Clear, area);
    let [code_area, panel] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(super::app::QR_PANEL)])
            .areas(area);
    match qr.modules() {
        Ok(m) => frame.render_widget(QrWidget(m), code_area),
        Err(e) => frame.render_widget(Paragraph::new(e.to_string()), code_area),
    }
    let total = qr.total();
    let mut lines = vec![
        Line::styled(format!(" {}", qr.label), palette.accent()),
        Line::raw(""),
    ];
    if total > 1 {
        let shown = qr.index % total + 1;
        lines.push(Line::raw(format!(" part {shown} of {total}")));
        if qr.index >= total {
            lines.push(Line::raw(format!(" (fountain part {})", qr.index + 1)));
        }
        lines.push(Line::raw(format!(
            " {} frames/s{}",
            qr.fps,
            if qr.paused { ", paused" } else { "" }
        )));
    } else {
        lines.push(Line::raw(" one code"));
    }
    lines.push(Line::raw(format!(" version {}, ECC M", qr.version)));
    lines.push(Line::raw(""));
    lines.push(Line::raw(" Scan it on the other machine;"));
    lines.push(Line::raw(" missed frames cost little."));
    lines.push(Line::raw(""));
    for (key, help) in keymap::help(keymap::Context::Qr) {
        lines.push(Line::from(vec![
            Span::styled(format!(" {key} "), palette.selected()),
            Span::raw(format!(" {help}")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), panel);
}
