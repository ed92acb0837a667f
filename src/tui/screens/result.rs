//! How a ceremony ended, above the item it offers: the signature and the pcli command, the new
//! key (and where it was stored), a follower's last message, or why it stopped. The last
//! message stays offered: the others may still need it.

use ratatui::text::Line;

use crate::session::{Outcome, SessionView, Stage};
use crate::tui::theme::{word_wrap, Palette};

/// Where the new key of a finished key generation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storing {
    NotYet,
    Busy,
    Stored(String),
    Failed(String),
}

/// The lines above the offered item, `width` columns wide.
pub fn lines(
    view: &SessionView,
    storing: &Storing,
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let mut out: Vec<(String, ratatui::style::Style)> = Vec::new();
    let plain = ratatui::style::Style::default();
    match &view.stage {
        Stage::Done(Outcome::Signed {
            headline,
            instructions,
            ..
        }) => {
            out.push((format!("\u{2713} {headline}"), palette.good()));
            out.extend(instructions.iter().map(|l| (l.clone(), plain)));
        }
        Stage::Done(Outcome::Checked { signers }) => {
            out.push((
                format!(
                    "\u{2713} Key check passed: {signers} participants signed and the signature verifies. The key works."
                ),
                palette.good(),
            ));
        }
        Stage::Done(Outcome::FollowerDone) => out.push((
            "\u{2713} Signed. Send your last message to the coordinator: it still needs it.".into(),
            palette.good(),
        )),
        Stage::Done(Outcome::Generated { name, output }) => {
            let group = output.share.group();
            out.push((
                format!(
                    "\u{2713} Key generation finished: a {}-of-{} key named \"{name}\".",
                    group.threshold(),
                    group.participant_count()
                ),
                palette.good(),
            ));
            out.push((
                format!("Fingerprint:  {}", output.transcript_fingerprint),
                palette.accent(),
            ));
            out.push((format!("Identity key: {}", group.identity_key()), plain));
            out.push((
                "Compare both with every participant; then check the key (c on the home screen)."
                    .into(),
                plain,
            ));
            out.push(match storing {
                Storing::NotYet | Storing::Busy => (
                    "\u{2026} storing the key (sealing it takes a few seconds)".into(),
                    palette.accent(),
                ),
                Storing::Stored(path) => (format!("\u{2713} stored in {path}"), palette.good()),
                Storing::Failed(e) => (
                    format!("\u{2717} NOT stored: {e}. Press i to store it under another name."),
                    palette.bad(),
                ),
            });
        }
        Stage::Declined => out.push((
            "You declined: nothing was signed. Esc twice goes back.".into(),
            palette.bad(),
        )),
        Stage::Failed(e) => {
            out.push((format!("\u{2717} The ceremony stopped: {e}"), palette.bad()))
        }
        _ => {}
    }
    out.into_iter()
        .flat_map(|(text, style)| {
            word_wrap(&text, width)
                .into_iter()
                .map(move |l| Line::styled(l, style))
        })
        .collect()
}
