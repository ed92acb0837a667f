//! The scan view, opened with `v` on a ceremony screen: which camera (a list to choose from;
//! infrared ones are marked and never chosen by themselves), a live grey preview in half
//! blocks, how far the message being read has come ("DKGRound1: 7 of 13 parts"), and the
//! refusals in one line. A complete message goes to the ceremony exactly as a paste would.
//!
//! Listing and opening cameras run as work off the UI thread (both may block: a permission
//! prompt, a device that takes its time); the scanner decodes on its own threads and this
//! screen only drains its events on each tick, so keys never wait for the camera.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::Frame;

use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::excerpt::bounded;
use crate::transport::scan::{
    as_paste, candidates, CameraInfo, Collected, GrayFrame, MessageCollector, ScanError, ScanEvent,
    ScanStats, Scanner,
};
use crate::tui::effects::{Effect, JobResult, Work};
use crate::tui::keymap::{self, char, hidden, key, Binding, Help};

/// Columns the side panel keeps, with its margin (the preview gets the rest, at most a 4:3
/// picture).
const PANEL: u16 = 38;

/// Shades for a preview without colours (`NO_COLOR`), darkest first.
const SHADES: [&str; 5] = [" ", "\u{2591}", "\u{2592}", "\u{2593}", "\u{2588}"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Back,
    Previous,
    Next,
    /// A camera by its place in the list (0-based).
    Choose(usize),
}

/// The cameras, as far as they are known.
enum Listing {
    Asking,
    Found(Vec<CameraInfo>),
    /// None found, or listing failed: the one line to show.
    Failed(String),
}

pub struct ScanScreen {
    id: ScreenId,
    /// The ceremony the message is for (its title).
    into: String,
    listing: Listing,
    chosen: usize,
    scanner: Option<Box<Scanner>>,
    /// Bumped on each camera opened, so a slow opening of a camera no longer chosen is dropped.
    generation: u64,
    opening: bool,
    /// What is scanning ("camera 2 ... (640x480 YUYV at 30 frames/s)").
    source: Option<String>,
    preview: Option<GrayFrame>,
    collector: MessageCollector,
    /// "DKGRound1: 7 of 13 parts".
    progress: Option<String>,
    stats: ScanStats,
    refusals: usize,
    last_refusal: Option<String>,
    /// A camera that failed, or a scan that ended: the one line to show.
    problem: Option<String>,
}

impl ScanScreen {
    /// Opens the view over the ceremony titled `into`, and asks for the list of cameras.
    pub fn open(ctx: &mut Ctx, into: &str) -> Reply {
        let screen = Self {
            id: ctx.new_id(),
            into: into.to_string(),
            listing: Listing::Asking,
            chosen: 0,
            scanner: None,
            generation: 0,
            opening: false,
            source: None,
            preview: None,
            collector: MessageCollector::default(),
            progress: None,
            stats: ScanStats::default(),
            refusals: 0,
            last_refusal: None,
            problem: None,
        };
        let list = Effect::work(screen.id, Work::ListCameras(ctx.cameras.clone()));
        Reply::push(screen).with(list)
    }

    fn cameras(&self) -> &[CameraInfo] {
        match &self.listing {
            Listing::Found(cameras) => cameras,
            _ => &[],
        }
    }

    /// The camera chosen, once listed.
    pub fn camera(&self) -> Option<&CameraInfo> {
        self.cameras().get(self.chosen)
    }

    pub fn progress(&self) -> Option<&str> {
        self.progress.as_deref()
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Stops the scan under way (without waiting: the next opening waits for it) and opens the
    /// chosen camera.
    fn start(&mut self, ctx: &mut Ctx) -> Reply {
        let Some(camera) = self.camera().cloned() else {
            return Reply::none();
        };
        ctx.camera = Some(camera.index.clone());
        self.generation += 1;
        self.opening = true;
        self.source = None;
        self.preview = None;
        self.problem = None;
        self.stats = ScanStats::default();
        let (cols, rows) = preview_cells(ctx.width, ctx.height.saturating_sub(2));
        Reply::effect(Effect::work(
            self.id,
            Work::Scan {
                cameras: ctx.cameras.clone(),
                camera: Box::new(camera),
                previous: self.scanner.take(),
                preview: (usize::from(cols), 2 * usize::from(rows)),
                generation: self.generation,
            },
        ))
    }

    /// The camera to start with: the one chosen last time if listed, else the first that is
    /// not infrared.
    fn first_choice(cameras: &[CameraInfo], remembered: Option<&str>) -> usize {
        let wanted = remembered
            .and_then(|index| cameras.iter().position(|c| c.index == index))
            .or_else(|| {
                let first = *candidates(cameras, None).ok()?.first()?;
                cameras.iter().position(|c| c == first)
            });
        wanted.unwrap_or(0)
    }

    /// Takes the scanner's events; the texts of complete messages, if any.
    fn drain(&mut self) -> Vec<String> {
        let Some(scanner) = &self.scanner else {
            return vec![];
        };
        let mut events = Vec::new();
        while let Some(event) = scanner.try_recv() {
            events.push(event);
        }
        self.stats = scanner.stats();
        let mut complete = Vec::new();
        for event in events {
            match event {
                ScanEvent::Preview(frame) => self.preview = Some(frame),
                ScanEvent::Decoded(text) => {
                    for collected in self.collector.feed(&text) {
                        match collected {
                            Collected::Progress { .. } => self.progress = collected.report(true),
                            Collected::Complete { messages, .. } => {
                                complete.push(as_paste(&messages))
                            }
                            Collected::Refused(why) => {
                                self.refusals += 1;
                                self.last_refusal = Some(why);
                            }
                        }
                    }
                }
                ScanEvent::Progress(stats) => self.stats = stats,
                ScanEvent::Error { message, fatal } if fatal => self.problem = Some(message),
                ScanEvent::Error { message, .. } => {
                    self.refusals += 1;
                    self.last_refusal = Some(message);
                }
                ScanEvent::Finished => {
                    self.scanner = None;
                    self.problem.get_or_insert_with(|| {
                        "the camera sent no more frames: choose a camera to scan again".into()
                    });
                }
            }
        }
        complete
    }

    fn bindings(&self) -> Vec<Binding<Action>> {
        let mut list = vec![key(KeyCode::Esc, "Esc", "back", Action::Back)];
        let count = self.cameras().len();
        if count > 1 {
            list.push(key(
                KeyCode::Up,
                "\u{2191}\u{2193}",
                "camera",
                Action::Previous,
            ));
            list.push(hidden(KeyCode::Down, Action::Next));
            list.push(hidden(KeyCode::Left, Action::Previous));
            list.push(hidden(KeyCode::Right, Action::Next));
        }
        if count > 0 {
            list.push(char('1', "1-9", "choose", Action::Choose(0)));
            for (i, c) in ('2'..='9').enumerate().take(count.saturating_sub(1)) {
                list.push(hidden(KeyCode::Char(c), Action::Choose(i + 1)));
            }
        }
        list
    }

    fn panel(&self, ctx: &Ctx, width: usize) -> Vec<Line<'static>> {
        let palette = ctx.palette;
        let mut lines = vec![Line::styled("Cameras", palette.accent())];
        match &self.listing {
            Listing::Asking => lines.push(Line::raw("looking for cameras...")),
            Listing::Failed(why) => lines.push(Line::styled(why.clone(), palette.bad())),
            Listing::Found(cameras) => {
                for (i, camera) in cameras.iter().enumerate() {
                    let mark = if i == self.chosen { "\u{25b6}" } else { " " };
                    let infrared = if camera.looks_infrared() {
                        " (infrared)"
                    } else {
                        ""
                    };
                    let text = format!("{mark} {} {}{infrared}", i + 1, camera.name);
                    let style = if i == self.chosen {
                        palette.key()
                    } else {
                        Default::default()
                    };
                    lines.push(Line::styled(text, style));
                }
            }
        }
        lines.push(Line::raw(""));
        if self.opening {
            lines.push(Line::raw("opening the camera..."));
        } else if let Some(source) = &self.source {
            lines.push(Line::styled(bounded(source, width), palette.dim()));
        }
        if let Some(problem) = &self.problem {
            lines.push(Line::styled(problem.clone(), palette.bad()));
        }
        if matches!(self.listing, Listing::Found(_)) {
            let progress = self.progress.as_deref().unwrap_or("no part read yet");
            lines.push(Line::styled(progress.to_string(), palette.good()));
            lines.push(Line::raw(format!(
                "{} frames read, {} codes",
                self.stats.frames, self.stats.texts
            )));
        }
        if let Some(why) = &self.last_refusal {
            let line = format!("refused {}: {why}", self.refusals);
            // One line: the latest refusal is enough to act on.
            let line = bounded(&line, width.saturating_sub(2));
            lines.push(Line::styled(line, palette.bad()));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw(
            "Hold the code steady, filling a third of the picture or more.",
        ));
        lines.push(Line::styled(
            "A complete message goes to the ceremony as if pasted.",
            palette.dim(),
        ));
        lines
    }
}

/// The preview's cells in a body of `width` x `height`: the width left beside the panel, at
/// most a 4:3 picture (two pixels a row).
fn preview_cells(width: u16, height: u16) -> (u16, u16) {
    let cols = width.saturating_sub(PANEL).min(height * 8 / 3);
    (cols, (cols * 3 / 8).min(height))
}

/// A grey frame in half blocks: each cell two pixels, the upper in the foreground colour, the
/// lower in the background; without colours, one shade character a cell.
struct Preview<'a> {
    frame: &'a GrayFrame,
    colour: bool,
}

impl Widget for Preview<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (fw, fh) = (self.frame.width, self.frame.height);
        let (aw, ah) = (usize::from(area.width), 2 * usize::from(area.height));
        if fw == 0 || fh == 0 || aw == 0 || ah == 0 {
            return;
        }
        // The frame scaled to fit, its shape kept.
        let (dw, dh) = if fw * ah <= fh * aw {
            ((fw * ah / fh).max(1), ah)
        } else {
            (aw, (fh * aw / fw).max(1))
        };
        let left = area.x + ((aw - dw) / 2) as u16;
        let top = area.y + ((ah - dh) / 4) as u16;
        let pixel = |x: usize, y: usize| self.frame.pixel(x * fw / dw, y.min(dh - 1) * fh / dh);
        for row in 0..dh.div_ceil(2) {
            for x in 0..dw {
                let (upper, lower) = (pixel(x, 2 * row), pixel(x, 2 * row + 1));
                let cell = &mut buf[(left + x as u16, top + row as u16)];
                if self.colour {
                    let grey = |v: u8| Color::Rgb(v, v, v);
                    cell.set_symbol("\u{2580}")
                        .set_fg(grey(upper))
                        .set_bg(grey(lower));
                } else {
                    let mean = (usize::from(upper) + usize::from(lower)) / 2;
                    cell.set_symbol(SHADES[mean * SHADES.len() / 256]);
                }
            }
        }
    }
}

impl Screen for ScanScreen {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        format!("Scan a message: {}", self.into)
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&self.bindings())
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        let count = self.cameras().len();
        // Leaving drops the scanner: its threads stop and release the camera by themselves.
        let chosen = match keymap::dispatch(&self.bindings(), &event) {
            Some(Action::Back) => return Reply::nav(Nav::Pop),
            Some(Action::Previous) => (self.chosen + count - 1) % count,
            Some(Action::Next) => (self.chosen + 1) % count,
            Some(Action::Choose(i)) if i < count => i,
            _ => return Reply::none(),
        };
        self.chosen = chosen;
        self.start(ctx)
    }

    /// Each complete message goes to the ceremony, and the view closes: the person sees there
    /// what became of it (taken, held for later, refused) and what to do next (a review, a
    /// fingerprint), and the camera is let go; `v` again scans the next one.
    fn tick(&mut self, _ctx: &mut Ctx) -> Reply {
        let complete = self.drain();
        if complete.is_empty() {
            return Reply::none();
        }
        Reply::nav(Nav::PopAndPaste(complete.join("\n")))
    }

    fn job(&mut self, result: JobResult, ctx: &mut Ctx) -> Reply {
        match result {
            JobResult::Cameras(Ok(cameras)) if cameras.is_empty() => {
                self.listing = Listing::Failed(ScanError::NoCamera.to_string());
            }
            JobResult::Cameras(Ok(cameras)) => {
                self.chosen = Self::first_choice(&cameras, ctx.camera.as_deref());
                self.listing = Listing::Found(cameras);
                return self.start(ctx);
            }
            JobResult::Cameras(Err(why)) => self.listing = Listing::Failed(why),
            JobResult::Scanning {
                generation,
                scanner,
            } if generation == self.generation => {
                self.opening = false;
                match scanner {
                    Ok(scanner) => {
                        self.source = Some(scanner.description().to_string());
                        self.scanner = Some(scanner);
                    }
                    Err(why) => self.problem = Some(why),
                }
            }
            _ => {}
        }
        Reply::none()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let (cols, rows) = preview_cells(area.width, area.height);
        let [picture, _, panel] = Layout::horizontal([
            Constraint::Length(cols),
            Constraint::Length(2),
            Constraint::Min(0),
        ])
        .areas(area);
        let picture = Rect {
            height: rows,
            ..picture
        };
        match &self.preview {
            Some(preview) => frame.render_widget(
                Preview {
                    frame: preview,
                    colour: !ctx.palette.no_color,
                },
                picture,
            ),
            None if self.opening || self.scanner.is_some() => frame.render_widget(
                Paragraph::new(Line::styled(" no picture yet", ctx.palette.dim())),
                picture,
            ),
            None => {}
        }
        let lines = self.panel(ctx, usize::from(panel.width));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), panel);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_4_to_3_beside_the_panel() {
        // 80x24 leaves a body of 80x22: 42 columns, 15 rows (42x30 pixels).
        assert_eq!(preview_cells(80, 22), (42, 15));
        assert_eq!(preview_cells(160, 46), (122, 45));
        assert_eq!(preview_cells(30, 10), (0, 0));
    }

    #[test]
    fn odd_frames_draw_without_panicking() {
        for (w, h) in [(1, 1), (1, 500), (500, 1), (640, 480)] {
            let frame = GrayFrame::new(w, h, vec![128; w * h]).unwrap();
            for colour in [true, false] {
                let area = Rect::new(0, 0, 42, 15);
                let mut buf = Buffer::empty(area);
                Preview {
                    frame: &frame,
                    colour,
                }
                .render(area, &mut buf);
            }
        }
    }
}
