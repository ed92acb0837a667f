//! Key management: the keys in the store, renamed or deleted on purpose. Deleting a key that
//! holds a share asks for its name to be typed; nothing is ever deleted silently.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::menu::{highlight, marker};
use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::tui::effects::{Effect, JobResult, Work};
use crate::tui::keymap::{self, char, hidden, key, Binding, Help};
use crate::tui::theme::word_wrap;

fn short(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep {
        text.to_string()
    } else {
        format!(
            "{}..",
            text.chars()
                .take(keep.saturating_sub(2))
                .collect::<String>()
        )
    }
}

/// The store's keys as table rows `width` columns wide, the `selected` one marked.
pub fn key_rows(ctx: &Ctx, width: usize, selected: Option<usize>) -> Vec<Line<'static>> {
    let palette = ctx.palette;
    let mut lines = Vec::new();
    if ctx.keys.is_empty() && ctx.broken.is_empty() {
        return lines;
    }
    // marker 2, name 14, t-of-n 7, share 9, fingerprint 25, spaces: the rest is the key.
    let id_width = width.saturating_sub(61).max(12);
    lines.push(Line::styled(
        format!(
            "  {:<14} {:<7} {:<9} {:<25} identity key",
            "name", "t-of-n", "share", "fingerprint"
        ),
        palette.dim(),
    ));
    for (i, (name, key)) in ctx.keys.iter().enumerate() {
        let group = key.material.group();
        let marked = selected == Some(i);
        let marker = marker(marked);
        let line = Line::raw(format!(
            "{marker}{:<14} {:<7} {:<9} {:<25} {}",
            short(name, 14),
            format!("{}-of-{}", group.threshold(), group.participant_count()),
            key.material.participant_label(),
            key.transcript_fingerprint.as_deref().unwrap_or("(dealt)"),
            short(&group.identity_key().to_string(), id_width)
        ));
        lines.push(highlight(line, marked, &palette));
    }
    for (j, (name, error)) in ctx.broken.iter().enumerate() {
        let marker = marker(selected == Some(ctx.keys.len() + j));
        lines.push(Line::styled(
            short(&format!("{marker}\u{2717} {name}: {error}"), width),
            palette.bad(),
        ));
    }
    lines
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Mode {
    Browse,
    Rename {
        from: String,
        to: String,
    },
    /// Deleting a key with a share: its name must be typed.
    DeleteTyped {
        name: String,
        typed: String,
    },
    /// Deleting public key data or an unreadable file: y or n.
    DeleteConfirm {
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Up,
    Down,
    Rename,
    Delete,
    Export,
    Back,
    Submit,
    Cancel,
    Erase,
    Yes,
}

pub struct KeysScreen {
    id: ScreenId,
    selected: usize,
    mode: Mode,
    busy: bool,
    note: Option<(bool, String)>,
}

impl KeysScreen {
    pub fn new(id: ScreenId) -> Self {
        Self {
            id,
            selected: 0,
            mode: Mode::Browse,
            busy: false,
            note: None,
        }
    }

    fn bindings(&self, ctx: &Ctx) -> Vec<Binding<Action>> {
        match self.mode {
            Mode::Browse if Self::count(ctx) == 0 => {
                vec![key(KeyCode::Esc, "Esc", "back", Action::Back)]
            }
            Mode::Browse => vec![
                key(KeyCode::Up, "\u{2191}\u{2193}", "move", Action::Up),
                hidden(KeyCode::Down, Action::Down),
                char('r', "r", "rename", Action::Rename),
                char('x', "x", "delete", Action::Delete),
                hidden(KeyCode::Delete, Action::Delete),
                char('e', "e", "export group", Action::Export),
                key(KeyCode::Esc, "Esc", "back", Action::Back),
            ],
            Mode::Rename { .. } | Mode::DeleteTyped { .. } => vec![
                key(KeyCode::Enter, "Enter", "confirm", Action::Submit),
                hidden(KeyCode::Backspace, Action::Erase),
                key(KeyCode::Esc, "Esc", "cancel", Action::Cancel),
            ],
            Mode::DeleteConfirm { .. } => vec![
                char('y', "y", "delete", Action::Yes),
                char('n', "n", "keep", Action::Cancel),
                hidden(KeyCode::Esc, Action::Cancel),
            ],
        }
    }

    fn count(ctx: &Ctx) -> usize {
        ctx.keys.len() + ctx.broken.len()
    }

    /// The selected key's name, and whether it holds a share (readable or not).
    fn chosen(&self, ctx: &Ctx) -> Option<(String, bool)> {
        match ctx.keys.get(self.selected) {
            Some((name, key)) => Some((name.clone(), key.material.has_share())),
            None => ctx
                .broken
                .get(self.selected - ctx.keys.len())
                .map(|(n, _)| (n.clone(), false)),
        }
    }

    fn act(&mut self, action: Action, ctx: &mut Ctx) -> Reply {
        let store = ctx.store.clone();
        match (action, &mut self.mode) {
            (Action::Up, _) => self.selected = self.selected.saturating_sub(1),
            (Action::Down, _) => {
                self.selected = (self.selected + 1).min(Self::count(ctx).saturating_sub(1))
            }
            (Action::Back, _) => return Reply::nav(Nav::Pop),
            (Action::Rename, _) => {
                if let Some((from, _)) = self.chosen(ctx) {
                    self.mode = Mode::Rename {
                        from,
                        to: String::new(),
                    };
                }
            }
            (Action::Delete, _) => {
                self.mode = match self.chosen(ctx) {
                    Some((name, true)) => Mode::DeleteTyped {
                        name,
                        typed: String::new(),
                    },
                    Some((name, false)) => Mode::DeleteConfirm { name },
                    None => Mode::Browse,
                };
            }
            (Action::Export, _) => {
                if let Some((name, _)) = ctx.keys.get(self.selected) {
                    let work = Work::ExportGroup {
                        store: store.clone(),
                        out: ctx.save_dir.join(format!("group-{name}.toml")),
                        name: name.clone(),
                    };
                    return self.start(work);
                }
            }
            (Action::Cancel, _) => self.mode = Mode::Browse,
            (Action::Erase, Mode::Rename { to: text, .. })
            | (Action::Erase, Mode::DeleteTyped { typed: text, .. }) => {
                text.pop();
            }
            (Action::Submit, Mode::Rename { from, to }) => {
                let work = Work::RenameKey {
                    store: store.clone(),
                    from: from.clone(),
                    to: to.trim().to_string(),
                };
                return self.start(work);
            }
            (Action::Submit, Mode::DeleteTyped { name, typed }) => {
                if typed.trim() != name {
                    self.note = Some((
                        false,
                        format!("not deleted: the name typed was not {name:?}"),
                    ));
                    self.mode = Mode::Browse;
                    return Reply::none();
                }
                let work = Work::DeleteKey {
                    store: store.clone(),
                    name: name.clone(),
                };
                return self.start(work);
            }
            (Action::Yes, Mode::DeleteConfirm { name }) => {
                let work = Work::DeleteKey {
                    store: store.clone(),
                    name: name.clone(),
                };
                return self.start(work);
            }
            _ => {}
        }
        Reply::none()
    }

    fn start(&mut self, work: Work) -> Reply {
        self.busy = true;
        self.mode = Mode::Browse;
        Reply::effect(Effect::work(self.id, work))
    }
}

impl Screen for KeysScreen {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        "Keys".into()
    }

    fn help(&self, ctx: &Ctx) -> Vec<Help> {
        keymap::help(&self.bindings(ctx))
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        if self.busy {
            return Reply::none();
        }
        if let Some(action) = keymap::dispatch(&self.bindings(ctx), &event) {
            return self.act(action, ctx);
        }
        if let (Some(c), Mode::Rename { to: text, .. } | Mode::DeleteTyped { typed: text, .. }) =
            (keymap::typed(&event), &mut self.mode)
        {
            text.push(c);
        }
        Reply::none()
    }

    fn paste(&mut self, text: String, _ctx: &mut Ctx) -> Reply {
        if let Mode::Rename { to: field, .. } | Mode::DeleteTyped { typed: field, .. } =
            &mut self.mode
        {
            field.extend(text.chars().filter(|c| !c.is_control()));
        }
        Reply::none()
    }

    fn job(&mut self, result: JobResult, ctx: &mut Ctx) -> Reply {
        if let JobResult::KeysChanged(result) = result {
            self.busy = false;
            let log = match &result {
                Ok(done) => Effect::Log(done.clone()),
                Err(e) => Effect::Log(format!("keys: {e}")),
            };
            self.note = Some(match result {
                Ok(done) => (true, done),
                Err(e) => (false, e),
            });
            self.selected = self.selected.min(Self::count(ctx).saturating_sub(1));
            return Reply::effects(vec![Effect::LoadKeys, log]);
        }
        Reply::none()
    }

    fn revealed(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::effect(Effect::LoadKeys)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let palette = ctx.palette;
        let width = usize::from(area.width.saturating_sub(2));
        let mut lines = key_rows(ctx, width, Some(self.selected));
        if lines.is_empty() {
            lines.push(Line::raw("No keys in this store."));
        }
        lines.push(Line::raw(""));
        if let Some((_, key)) = ctx.keys.get(self.selected) {
            let group = key.material.group();
            for text in [
                format!("identity key:   {}", group.identity_key()),
                format!("governance key: {}", group.governance_key()),
            ] {
                lines.extend(word_wrap(&text, width).into_iter().map(Line::raw));
            }
        }
        lines.push(Line::raw(""));
        let prompt = match &self.mode {
            Mode::Browse => None,
            Mode::Rename { from, to } => Some(format!("New name for {from:?}: {to}\u{2588}")),
            Mode::DeleteTyped { name, typed } => {
                let warning = ctx
                    .key(name)
                    .map(|k| crate::cli::keys::delete_warning(name, k))
                    .unwrap_or_default();
                Some(format!(
                    "This deletes {warning}. Type its name to delete it: {typed}\u{2588}"
                ))
            }
            Mode::DeleteConfirm { name } => Some(format!(
                "Delete {}? y deletes it, n keeps it.",
                ctx.key(name)
                    .map(|k| crate::cli::keys::delete_warning(name, k))
                    .unwrap_or_else(|| format!("the unreadable key file {name:?}"))
            )),
        };
        if let Some(prompt) = prompt {
            lines.extend(
                word_wrap(&prompt, width)
                    .into_iter()
                    .map(|l| Line::styled(l, palette.accent())),
            );
        }
        if self.busy {
            lines.push(Line::styled("\u{2026} working", palette.accent()));
        }
        if let Some((ok, note)) = &self.note {
            let (mark, style) = if *ok {
                ("\u{2713}", palette.good())
            } else {
                ("\u{2717}", palette.bad())
            };
            lines.extend(
                word_wrap(&format!("{mark} {note}"), width)
                    .into_iter()
                    .map(|l| Line::styled(l, style)),
            );
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(format!(" Keys in {} ", ctx.store_label()))),
            area,
        );
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
