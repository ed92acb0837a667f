//! How a ceremony ended, above the item it offers: the signature and the pcli command, the new
//! key (and where it was stored), a follower's last message, or why it stopped. The last
//! message stays offered: the others may still need it.

use ratatui::text::Line;

use crate::session::{Outcome, Question, SessionView, Stage};
use ratatui::style::Style;

use crate::tui::theme::{word_wrap, Palette};

/// Where the new key of a finished key generation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storing {
    NotYet,
    Busy,
    Stored(String),
    /// A member's share replaced, or a newcomer's stored: what that did, in words.
    Done(Vec<String>),
    Failed(String),
}

/// The lines above the offered item, `width` columns wide.
/// `left_out` are the members a repair this participant started went without.
pub fn lines(
    view: &SessionView,
    storing: &Storing,
    left_out: &[String],
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let mut out: Vec<(String, Style)> = Vec::new();
    let plain = Style::default();
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
            out.extend(stored(storing, "", "storing the key", palette));
        }
        Stage::Done(outcome) => {
            if let Some(NewShare { done, doing, next }) = new_share(outcome, left_out) {
                out.extend(stored(storing, &done, doing, palette));
                out.push((next, plain));
            }
        }
        Stage::Declined if view.question == Question::SIGN => out.push((
            "You declined: nothing was signed. Esc twice goes back.".into(),
            palette.bad(),
        )),
        Stage::Declined => out.push((
            "You declined: nothing was sent, and the key stays as it is. Esc twice goes back."
                .into(),
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

/// A ceremony that gave this member a new share of a key that was there before: what the
/// ceremony did, what storing the share does meanwhile, and what comes next.
struct NewShare {
    done: String,
    doing: &'static str,
    next: String,
}

/// What a refresh, a repair this member helped with, or a newcomer's enrolment did; `None`
/// for the outcomes that leave no such share.
fn new_share(outcome: &Outcome, left_out: &[String]) -> Option<NewShare> {
    match outcome {
        Outcome::Refreshed { key, .. } => Some(NewShare {
            done: format!("The refresh of key {key} is over here: this member holds a new share of the same key."),
            doing: "replacing the old share",
            next: "Prove the new shares with a key check: c on the home screen for one member, f for the others.".into(),
        }),
        Outcome::Helped { newcomer, .. } => {
            let lost = match left_out {
                [] => "the lost member".to_string(),
                ids => ids.join(" "),
            };
            Some(NewShare {
                done: format!("This helper's part is done: newcomer {newcomer} gets its share from the helpers' messages."),
                doing: "replacing the share (its group now includes the newcomer)",
                next: format!("Next: refresh without {lost}, so that its share stops working: r on the home screen; one member starts and marks {lost} to remove, the others (the newcomer too) join."),
            })
        }
        Outcome::Enrolled { name, .. } => Some(NewShare {
            done: format!("You hold a share of the key now, as key \"{name}\"."),
            doing: "storing the key",
            next: "Next: the members refresh without the lost member, you included: r on the home screen, join, and paste the RefreshRound1 of the member who starts.".into(),
        }),
        Outcome::Signed { .. }
        | Outcome::Checked { .. }
        | Outcome::FollowerDone
        | Outcome::Generated { .. } => None,
    }
}

/// How the ceremony ended (`done`, said until storing says more) and where storing the new
/// share stands: under way (`doing`), what it did (its first line is the headline), or why it
/// failed.
fn stored(storing: &Storing, done: &str, doing: &str, palette: &Palette) -> Vec<(String, Style)> {
    let headline = (!done.is_empty()).then(|| (format!("\u{2713} {done}"), palette.good()));
    let mut out: Vec<(String, Style)> = match storing {
        Storing::Done(_) => vec![],
        _ => headline.into_iter().collect(),
    };
    match storing {
        Storing::NotYet | Storing::Busy => out.push((
            format!("\u{2026} {doing} (sealing it takes a few seconds)"),
            palette.accent(),
        )),
        Storing::Stored(path) => out.push((format!("\u{2713} stored in {path}"), palette.good())),
        Storing::Done(lines) => {
            for (i, line) in lines.iter().enumerate() {
                out.push(match i {
                    0 => (format!("\u{2713} {line}"), palette.good()),
                    _ => (line.clone(), Style::default()),
                });
            }
        }
        Storing::Failed(e) => out.push((
            format!("\u{2717} NOT stored: {e}. Press i to store it under another name."),
            palette.bad(),
        )),
    }
    out
}
