//! What a person can copy, save or show as QR codes on a ceremony screen: every message this
//! participant produced (they stay until the ceremony is over for everyone) and, at the end,
//! the result in pcli's forms.

use crate::messages::{AnyMessage, MessageKind};
use crate::session::{Mark, Outcome, SessionView, Stage};

/// How an item's text is laid out so that a selection of its lines pastes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A JSON message: cut where the intake joins it back (see `theme::json_wrap`).
    Json,
    /// Cut at the full width: one word (a signature, a key).
    Hard,
    /// A shell command: broken lines end with a backslash.
    Shell,
}

#[derive(Clone, Debug)]
pub struct Item {
    /// What the panel's rule says.
    pub title: String,
    /// The file name's kind part, and what notices call it.
    pub what: String,
    pub text: String,
    pub layout: Layout,
    /// A message, shown as its UR parts in QR codes; None for plain text.
    pub message: Option<AnyMessage>,
    /// Produced again later (a stale reply replaced): this one must not be sent.
    pub replaced: bool,
}

/// Every item of the view, oldest first; the result's items come last.
pub fn items(view: &SessionView) -> Vec<Item> {
    let mut items: Vec<Item> = view
        .sent
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let kind = o.kind();
            let replaced = view.sent[i + 1..].iter().any(|later| later.kind() == kind);
            let earlier = view.sent[..i].iter().filter(|e| e.kind() == kind).count();
            let title = if replaced {
                format!("{kind} (replaced by a newer one: do not send this)")
            } else if earlier > 0 {
                format!("NEW {kind}: it replaces the earlier one")
            } else {
                // What is in brackets is for line mode: the rule must stay one line.
                let to = o.to.split(" (").next().unwrap_or(o.to);
                format!("Send this {kind} to {to}")
            };
            let what = match earlier {
                0 => kind.name().to_ascii_lowercase(),
                n => format!("{}-{}", kind.name().to_ascii_lowercase(), n + 1),
            };
            Item {
                title,
                what,
                text: o.json.clone(),
                layout: Layout::Json,
                message: Some(o.message.clone()),
                replaced,
            }
        })
        .collect();
    let plain = |title: &str, what: &str, text: String, layout| Item {
        title: title.into(),
        what: what.into(),
        text,
        layout,
        message: None,
        replaced: false,
    };
    if let Stage::Done(outcome) = &view.stage {
        match outcome {
            Outcome::Signed { text, command, .. } => {
                match command {
                    Some(_) => items.push(plain(
                        "The signature",
                        "signature",
                        text.clone(),
                        Layout::Hard,
                    )),
                    None => items.push(plain(
                        "The AuthorizationData for pcli",
                        "authorization",
                        text.clone(),
                        Layout::Json,
                    )),
                }
                if let Some(command) = command {
                    items.push(plain(
                        "The pcli command",
                        "command",
                        command.clone(),
                        Layout::Shell,
                    ));
                }
            }
            Outcome::Generated { output, .. } => items.push(plain(
                "The new key's identity key",
                "identity-key",
                output.share.group().identity_key().to_string(),
                Layout::Hard,
            )),
            Outcome::Refreshed { share, .. }
            | Outcome::Helped { share, .. }
            | Outcome::Enrolled { share, .. } => items.push(plain(
                "The key's identity key (unchanged)",
                "identity-key",
                share.group().identity_key().to_string(),
                Layout::Hard,
            )),
            Outcome::Checked { .. } | Outcome::FollowerDone => {}
        }
    }
    items
}

/// The item to show when the view changes: the newest message, or at the end the result a
/// person needs most (the pcli command, the authorization) — except a key generation, a
/// refresh or a repair helper, whose last message the others may still need.
pub fn default_item(view: &SessionView, items: &[Item]) -> usize {
    let last = items.len().saturating_sub(1);
    match &view.stage {
        Stage::Done(
            Outcome::Generated { .. } | Outcome::Refreshed { .. } | Outcome::Helped { .. },
        ) => view.sent.len().saturating_sub(1),
        _ => last,
    }
}

/// This participant's fingerprint, if it holds a share.
pub fn own_fingerprint(view: &SessionView) -> Option<&str> {
    view.participants
        .iter()
        .find(|(_, m)| *m == Mark::You)
        .map(|(fp, _)| fp.as_str())
}

/// Where `s` saves an item: named by its kind, the ceremony and this participant, so
/// yesterday's file is not taken for today's and participants sharing a folder (or a USB
/// stick) do not overwrite each other.
pub fn file_name(view: &SessionView, item: &Item) -> String {
    let mut name = format!("hoarfrost-{}", item.what);
    if !view.ceremony_id.is_empty() {
        name.push('-');
        name.push_str(&view.ceremony_id);
    }
    if let Some(me) = own_fingerprint(view).filter(|me| **me != view.ceremony_id) {
        name.push('-');
        name.push_str(me);
    }
    name.push_str(".txt");
    name
}

/// Whether the item is one of this ceremony's kinds that others still wait for.
pub fn others_need(view: &SessionView, item: &Item) -> bool {
    let last_sent = view.sent.last().map(|o| o.kind());
    let ended = matches!(view.stage, Stage::Done(_));
    ended
        && item.message.as_ref().map(AnyMessage::kind) == last_sent
        && !item.replaced
        && matches!(
            last_sent,
            Some(
                MessageKind::DkgRound2
                    | MessageKind::FollowerRound2
                    | MessageKind::RefreshRound2
                    | MessageKind::RepairRound2
                    | MessageKind::RepairRound3
            )
        )
}
