//! A message (or a signature) as QR codes: one code, or an endless animated stream of
//! fountain-coded parts. The code is drawn in explicit true black and white (never palette
//! entries, which themes remap; `NO_COLOR` does not blank it), with a quiet zone of 4 modules
//! where that fits (2 otherwise), at the largest version that fits the window, and planned
//! again when the window is resized. Each next frame is encoded off the UI thread while the
//! current one shows.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};
use ratatui::Frame;

use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::messages::AnyMessage;
use crate::transport::qr::{self, Modules, MAX_VERSION, QUIET};
use crate::transport::ur::{Payload as UrPayload, UrParts};
use crate::tui::effects::{Effect, JobResult, Work};
use crate::tui::keymap::{self, char, hidden, key, Binding, Help};
use crate::tui::QR_PANEL;

const DARK: Color = Color::Rgb(0, 0, 0);
const LIGHT: Color = Color::Rgb(255, 255, 255);

/// The largest version, and the quiet zone, whose half-block drawing fits `cols` x `rows`
/// cells: a quiet zone of 4 modules if any version fits with it, else 2.
pub fn fit(cols: u16, rows: u16) -> Option<(u8, usize)> {
    [4, 2].into_iter().find_map(|quiet| {
        (1..=MAX_VERSION).rev().find_map(|v| {
            let side = 17 + 4 * usize::from(v) + 2 * quiet;
            (side <= usize::from(cols) && side.div_ceil(2) <= usize::from(rows))
                .then_some((v, quiet))
        })
    })
}

/// What the codes carry.
#[derive(Clone)]
enum Payload {
    /// A message, as a UR of its kind.
    Message(UrPayload),
    /// A round's messages, as one bundle.
    Bundle(Vec<UrPayload>),
    /// Plain text (a signature), as one code.
    Text(String),
}

/// The codes, drawn: each cell two module rows, both colours set.
pub struct QrWidget<'a> {
    pub modules: &'a Modules,
    /// Extra light modules around the code's own quiet zone.
    pub extra: usize,
}

impl Widget for QrWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let side = self.modules.side + 2 * self.extra;
        let dark = |x: usize, y: usize| {
            x >= self.extra
                && y >= self.extra
                && self.modules.is_dark(x - self.extra, y - self.extra)
        };
        let (left, top) = (
            area.x + (area.width.saturating_sub(side as u16)) / 2,
            area.y + (area.height.saturating_sub(side.div_ceil(2) as u16)) / 2,
        );
        for row in 0..side.div_ceil(2) {
            for x in 0..side {
                let (cx, cy) = (left + x as u16, top + row as u16);
                if cx >= area.right() || cy >= area.bottom() {
                    continue;
                }
                let color = |d| if d { DARK } else { LIGHT };
                buf[(cx, cy)]
                    .set_symbol("\u{2580}")
                    .set_fg(color(dark(x, 2 * row)))
                    .set_bg(color(2 * row + 1 < side && dark(x, 2 * row + 1)));
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Back,
    Pause,
    Step,
    Faster,
    Slower,
}

pub struct QrScreen {
    id: ScreenId,
    label: String,
    payload: Payload,
    parts: Option<UrParts>,
    /// The planned version and quiet zone; None when no code fits the window.
    plan: Option<(u8, usize)>,
    /// What fitted the window when the codes were planned.
    fitted: Option<(u8, usize)>,
    index: usize,
    current: Option<Result<Modules, String>>,
    next: Option<(usize, Result<Modules, String>)>,
    /// Bumped on every plan, so frames of an older plan are dropped.
    generation: u64,
    /// Frames per second: 1, 2, 4 or 8.
    pub fps: u8,
    pub paused: bool,
}

impl QrScreen {
    /// Shows an item: a message as its UR parts, anything else as one text code.
    pub fn open(ctx: &mut Ctx, label: &str, message: Option<AnyMessage>, text: &str) -> Reply {
        let payload = match message {
            Some(m) => Payload::Message(m.to_payload()),
            None => Payload::Text(text.to_string()),
        };
        Self::show(ctx, label.to_string(), payload)
    }

    /// A round's messages as one bundle, so the others scan one stream.
    pub fn bundle(ctx: &mut Ctx, messages: &[AnyMessage]) -> Reply {
        let payload = Payload::Bundle(messages.iter().map(AnyMessage::to_payload).collect());
        Self::show(
            ctx,
            format!("bundle of {} messages", messages.len()),
            payload,
        )
    }

    fn show(ctx: &mut Ctx, label: String, payload: Payload) -> Reply {
        let mut screen = Self {
            id: ctx.new_id(),
            label,
            payload,
            parts: None,
            plan: None,
            fitted: None,
            index: 0,
            current: None,
            next: None,
            generation: 0,
            fps: 4,
            paused: false,
        };
        let effects = screen.replan(ctx);
        Reply {
            effects,
            nav: Nav::Push(Box::new(screen)),
        }
    }

    pub fn total(&self) -> usize {
        self.parts.as_ref().map_or(1, UrParts::fragment_count)
    }

    pub fn version(&self) -> Option<u8> {
        self.plan.map(|(v, _)| v)
    }

    pub fn quiet(&self) -> usize {
        self.plan.map_or(QUIET, |(_, q)| q)
    }

    /// The frame shown now, once encoded.
    pub fn modules(&self) -> Option<&Modules> {
        self.current.as_ref().and_then(|m| m.as_ref().ok())
    }

    /// Plans the codes for the window's size: the parts and the version.
    fn replan(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let plan = fit(ctx.width.saturating_sub(QR_PANEL), ctx.height);
        self.fitted = plan;
        self.generation += 1;
        self.index = 0;
        self.current = None;
        self.next = None;
        self.parts = None;
        let Some((max, quiet)) = plan else {
            self.plan = None;
            return vec![];
        };
        let planned = match &self.payload {
            Payload::Message(p) => qr::plan_payload(&p.bytes, &p.ur_type, max),
            Payload::Bundle(payloads) => qr::plan_bundle(payloads, max),
            // A signature or key is its own text, in one code of the largest version.
            Payload::Text(_) => {
                self.plan = Some((max, quiet));
                return self.request(0);
            }
        };
        match planned {
            Ok((version, parts)) => {
                self.plan = Some((version.min(max), quiet));
                self.parts = Some(parts);
                self.request(0)
            }
            Err(e) => {
                self.plan = Some((max, quiet));
                self.current = Some(Err(e));
                vec![]
            }
        }
    }

    /// Asks for frame `index` to be encoded off the UI thread.
    fn request(&mut self, index: usize) -> Vec<Effect> {
        let Some((version, _)) = self.plan else {
            return vec![];
        };
        let text = match (&mut self.parts, &self.payload) {
            (Some(parts), _) => parts.part(index).to_string(),
            (None, Payload::Text(text)) => text.clone(),
            (None, _) => return vec![],
        };
        vec![Effect::work(
            self.id,
            Work::QrFrame {
                generation: self.generation,
                index,
                text,
                version,
            },
        )]
    }

    /// Shows the next frame if it is ready, and asks for the one after it.
    fn advance(&mut self) -> Vec<Effect> {
        if self.total() < 2 {
            return vec![];
        }
        match self.next.take() {
            Some((index, modules)) if index == self.index + 1 => {
                self.index = index;
                self.current = Some(modules);
                self.request(index + 1)
            }
            other => {
                self.next = other;
                vec![]
            }
        }
    }

    fn bindings() -> Vec<Binding<Action>> {
        vec![
            char('t', "t", "text", Action::Back),
            hidden(KeyCode::Char('q'), Action::Back),
            hidden(KeyCode::Esc, Action::Back),
            key(KeyCode::Char(' '), "Space", "pause", Action::Pause),
            char('n', "n", "step", Action::Step),
            char('+', "+", "faster", Action::Faster),
            hidden(KeyCode::Char('='), Action::Faster),
            char('-', "-", "slower", Action::Slower),
        ]
    }

    fn panel(&self, ctx: &Ctx) -> Vec<Line<'static>> {
        let palette = ctx.palette;
        let mut lines = vec![
            Line::styled(format!(" {}", self.label), palette.accent()),
            Line::raw(""),
        ];
        let total = self.total();
        if total > 1 {
            lines.push(Line::raw(format!(
                " part {} of {total}",
                self.index % total + 1
            )));
            if self.index >= total {
                lines.push(Line::raw(format!(" (fountain part {})", self.index + 1)));
            }
            lines.push(Line::raw(format!(
                " {} frames/s{}",
                self.fps,
                if self.paused { ", paused" } else { "" }
            )));
        } else {
            lines.push(Line::raw(" one code"));
        }
        match (&self.plan, self.modules()) {
            (Some(_), Some(m)) => {
                let version = (m.side - 2 * QUIET - 17) / 4;
                lines.push(Line::raw(format!(" version {version}, ECC M")));
                lines.push(Line::raw(format!(" quiet zone {} modules", self.quiet())));
            }
            (Some(_), None) => lines.push(Line::raw(" encoding...")),
            (None, _) => {}
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw(" Scan it on the other machine;"));
        lines.push(Line::raw(" missed frames cost little."));
        lines.push(Line::raw(""));
        for (key, help) in keymap::help(&Self::bindings()) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {key} "), palette.key()),
                Span::raw(format!(" {help}")),
            ]));
        }
        lines.push(Line::from(vec![
            Span::styled(" Ctrl-C ", palette.key()),
            Span::raw(" quit"),
        ]));
        lines
    }
}

impl Screen for QrScreen {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        self.label.clone()
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&Self::bindings())
    }

    fn key(&mut self, event: KeyEvent, _ctx: &mut Ctx) -> Reply {
        match keymap::dispatch(&Self::bindings(), &event) {
            Some(Action::Back) => return Reply::nav(Nav::Pop),
            Some(Action::Pause) => self.paused = !self.paused,
            Some(Action::Step) => {
                self.paused = true;
                return Reply::effects(self.advance());
            }
            Some(Action::Faster) => self.fps = (self.fps * 2).min(8),
            Some(Action::Slower) => self.fps = (self.fps / 2).max(1),
            None => {}
        }
        Reply::none()
    }

    fn tick(&mut self, ctx: &mut Ctx) -> Reply {
        // Ticks come 8 times a second; at f frames a second the code moves every 8/f ticks.
        if !self.paused && ctx.tick.is_multiple_of(u64::from(8 / self.fps.max(1))) {
            return Reply::effects(self.advance());
        }
        Reply::none()
    }

    fn resized(&mut self, ctx: &mut Ctx) -> Reply {
        if fit(ctx.width.saturating_sub(QR_PANEL), ctx.height) == self.fitted {
            return Reply::none();
        }
        Reply::effects(self.replan(ctx))
    }

    fn job(&mut self, result: JobResult, _ctx: &mut Ctx) -> Reply {
        if let JobResult::QrFrame {
            generation,
            index,
            modules,
        } = result
        {
            if generation != self.generation {
                return Reply::none();
            }
            if self.current.is_none() && index == self.index {
                self.current = Some(modules);
                if self.total() > 1 {
                    return Reply::effects(self.request(index + 1));
                }
            } else {
                self.next = Some((index, modules));
            }
        }
        Reply::none()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        frame.render_widget(Clear, area);
        let [code, panel] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(QR_PANEL)]).areas(area);
        match (&self.plan, &self.current) {
            (None, _) => frame.render_widget(
                Paragraph::new("The window is too small for a QR code: enlarge it.")
                    .wrap(Wrap { trim: true }),
                code,
            ),
            (Some((_, quiet)), Some(Ok(m))) => {
                let extra = quiet.saturating_sub(QUIET);
                let side = m.side + 2 * extra;
                if side > usize::from(code.width) || side.div_ceil(2) > usize::from(code.height) {
                    frame.render_widget(
                        Paragraph::new("This code is too large for the window: enlarge it.")
                            .wrap(Wrap { trim: true }),
                        code,
                    );
                } else {
                    frame.render_widget(QrWidget { modules: m, extra }, code);
                }
            }
            (Some(_), Some(Err(e))) => frame.render_widget(
                Paragraph::new(format!("This cannot be shown as a code: {e}"))
                    .wrap(Wrap { trim: true }),
                code,
            ),
            (Some(_), None) => {}
        }
        frame.render_widget(Paragraph::new(self.panel(ctx)), panel);
    }

    fn full_screen(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quiet_zone_is_4_where_it_fits() {
        // 80x24 leaves 48x24 cells for the code: version 5 with a quiet zone of 4.
        assert_eq!(fit(80 - QR_PANEL, 24), Some((5, 4)));
        assert_eq!(fit(200 - QR_PANEL, 60), Some((12, 4)));
        // Too narrow for version 1 with 4 modules around it, not with 2.
        assert_eq!(fit(25, 13), Some((1, 2)));
        assert_eq!(fit(10, 10), None);
    }
}
