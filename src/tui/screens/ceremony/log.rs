//! The ceremony's log: every line kept, wrapped to the width, scrolled with PgUp/PgDn, and
//! repeats folded (a line said again counts up; QR progress replaces itself).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::theme::{rule, word_wrap, Palette};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub ok: bool,
    pub text: String,
    /// How many times in a row it was said.
    pub count: usize,
}

impl Entry {
    pub fn shown(&self) -> String {
        match self.count {
            1 => self.text.clone(),
            n => format!("{} ({n} times)", self.text),
        }
    }
}

#[derive(Default)]
pub struct Log {
    entries: Vec<Entry>,
    /// Wrapped lines scrolled back from the newest.
    back: usize,
}

/// "7 of 13 parts": QR progress, which replaces the line before it of the same kind.
fn is_progress(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    matches!(words.as_slice(), [a, "of", b, "parts"]
        if a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit()))
}

impl Log {
    pub fn push(&mut self, ok: bool, text: impl Into<String>) {
        let text = text.into();
        if let Some(last) = self.entries.last_mut() {
            if last.ok == ok && last.text == text {
                last.count += 1;
                return;
            }
            if is_progress(&last.text) && is_progress(&text) {
                last.text = text;
                return;
            }
        }
        self.entries.push(Entry { ok, text, count: 1 });
        // New lines bring the view back to the newest.
        self.back = 0;
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every line as drawn at `width` columns, oldest first.
    fn wrapped(&self, width: usize, palette: &Palette) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for e in &self.entries {
            let (mark, style) = if e.ok {
                ("\u{2713} ", palette.good())
            } else {
                ("\u{2717} ", palette.bad())
            };
            for (i, l) in word_wrap(&e.shown(), width.saturating_sub(2))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { mark } else { "  " };
                lines.push(Line::from(vec![Span::styled(lead, style), Span::raw(l)]));
            }
        }
        lines
    }

    /// Scrolls by `lines` (positive: back in time), within what there is at `width`.
    pub fn scroll(&mut self, lines: isize, width: usize, height: usize) {
        let total = self.wrapped(width, &Palette { no_color: true }).len();
        let most = total.saturating_sub(height);
        self.back = (self.back as isize + lines).clamp(0, most as isize) as usize;
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, palette: &Palette) {
        let width = usize::from(area.width);
        let height = usize::from(area.height.saturating_sub(1));
        let lines = self.wrapped(width, palette);
        let end = lines.len().saturating_sub(self.back.min(lines.len()));
        let start = end.saturating_sub(height);
        let title = if lines.len() > height {
            format!(
                " Log, lines {}-{} of {} (PgUp/PgDn) ",
                start + 1,
                end,
                lines.len()
            )
        } else {
            " Log ".to_string()
        };
        let mut shown = vec![rule(
            vec![Span::styled(title, palette.dim())],
            area.width,
            palette,
        )];
        shown.extend(lines[start..end].iter().cloned());
        frame.render_widget(Paragraph::new(shown), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_fold_and_progress_replaces_itself() {
        let mut log = Log::default();
        log.push(true, "a QR part already received");
        log.push(true, "a QR part already received");
        log.push(true, "a QR part already received");
        log.push(true, "3 of 13 parts");
        log.push(true, "4 of 13 parts");
        log.push(false, "not a ceremony message");
        let shown: Vec<String> = log.entries().iter().map(Entry::shown).collect();
        assert_eq!(
            shown,
            [
                "a QR part already received (3 times)",
                "4 of 13 parts",
                "not a ceremony message"
            ]
        );
        assert!(!is_progress("accepted DKGRound1 from 12345678"));
    }

    #[test]
    fn every_line_is_kept_and_scrolling_stops_at_both_ends() {
        let mut log = Log::default();
        for i in 0..30 {
            log.push(true, format!("line {i}"));
        }
        assert_eq!(log.entries().len(), 30);
        log.scroll(100, 80, 4);
        assert_eq!(log.back, 26);
        log.scroll(-100, 80, 4);
        assert_eq!(log.back, 0);
    }
}
