//! The Members field of a refresh or repair form: the chosen key's members by fingerprint, each
//! marked or not (Space; `←` `→` move), this participant shown as "you". A stored key's members
//! are known at once; a key file's are read off the UI thread when the focus leaves its path.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::fields::{KeyPick, Values};
use crate::keyfile::StoredKey;
use crate::keys::participant_fingerprint;
use crate::tui::screens::Ctx;
use crate::tui::theme::Palette;

/// A key's members: every fingerprint, and this participant's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    pub members: Vec<String>,
    pub you: Option<String>,
}

impl Roster {
    pub fn of(key: &StoredKey) -> Self {
        Self {
            members: key
                .material
                .group()
                .participants()
                .map(|p| p.fingerprint())
                .collect(),
            you: key
                .material
                .participant()
                .map(|vk| participant_fingerprint(&vk)),
        }
    }
}

/// A key file's members as read (or why they could not be), by its path.
pub type FileRoster = (String, Result<Roster, String>);

/// Whether a participant id given for a member (8 hex digits, or more) names the member with
/// fingerprint `fp`.
pub fn names(id: &str, fp: &str) -> bool {
    let id = id.trim().to_ascii_lowercase();
    !id.is_empty() && (fp.starts_with(&id) || id.starts_with(fp))
}

/// The members of the key the form has chosen, or why they are not listed.
pub fn roster(values: &Values, ctx: &Ctx, file: Option<&FileRoster>) -> Result<Roster, String> {
    match values.pick() {
        KeyPick::Name(name) => ctx
            .key(&name)
            .map(Roster::of)
            .ok_or_else(|| format!("no key named {name:?}")),
        KeyPick::Auto => match ctx.keys.as_slice() {
            [(_, only)] => Ok(Roster::of(only)),
            [] => Err("no keys in the store".into()),
            _ => Err("choose a key first".into()),
        },
        KeyPick::File => {
            let path = values.text(super::FieldId::KeyFile).trim().to_string();
            match file {
                _ if path.is_empty() => Err("type the key file's path first".into()),
                Some((read, roster)) if *read == path => roster.clone(),
                _ => Err("reading the key file...".into()),
            }
        }
    }
}

/// Marks or unmarks the member with fingerprint `fp`.
pub fn toggle(values: &mut Values, fp: &str) {
    if values.members.iter().any(|id| names(id, fp)) {
        values.members.retain(|id| !names(id, fp));
    } else {
        values.members.push(fp.to_string());
    }
}

/// What is wrong with the marked members: an id that names no member, or this participant
/// itself (`own` says why that cannot be).
pub fn problems(values: &Values, roster: &Roster, own: &str) -> Vec<String> {
    let mut out = Vec::new();
    for id in &values.members {
        if !roster.members.iter().any(|fp| names(id, fp)) {
            out.push(format!(
                "no member of this key has participant id {id} (members: {})",
                roster.members.join(" ")
            ));
        }
    }
    if let Some(you) = &roster.you {
        if values.members.iter().any(|id| names(id, you)) {
            out.push(format!("{you} is you: {own}"));
        }
    }
    out
}

/// The field's lines: one member a line, the one under the cursor highlighted while focused.
/// `head` is the label part of the first line; the others are indented to match.
pub fn lines(
    values: &Values,
    roster: &Result<Roster, String>,
    cursor: Option<usize>,
    head: Vec<Span<'static>>,
    hint: &str,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let indent = " ".repeat(18);
    let members = match roster {
        Ok(r) => r,
        Err(why) => {
            let mut first = head;
            first.push(Span::styled(format!("({why})"), palette.dim()));
            return vec![Line::from(first)];
        }
    };
    let mut out = Vec::new();
    for (i, fp) in members.members.iter().enumerate() {
        let marked = values.members.iter().any(|id| names(id, fp));
        let you = if members.you.as_deref() == Some(fp) {
            " (you)"
        } else {
            ""
        };
        let text = format!(
            "{}[{}] {fp}{you}",
            if cursor == Some(i) { "\u{203a} " } else { "  " },
            if marked { "\u{2717}" } else { " " }
        );
        let style = if cursor == Some(i) {
            palette.key()
        } else if marked {
            palette.bad()
        } else {
            Style::default()
        };
        let mut spans = if i == 0 {
            head.clone()
        } else {
            vec![Span::raw(indent.clone())]
        };
        let width = text.chars().count();
        spans.push(Span::styled(text, style));
        if i == 0 {
            spans.push(Span::raw(" ".repeat(22usize.saturating_sub(width))));
            spans.push(Span::styled(format!(" {hint}"), palette.dim()));
        }
        out.push(Line::from(spans));
    }
    // Ids given on the command line that name no member stay visible, so they can be unmarked.
    for id in values
        .members
        .iter()
        .filter(|id| !members.members.iter().any(|fp| names(id, fp)))
    {
        out.push(Line::styled(
            format!("{indent}  [\u{2717}] {id} (no such member)"),
            palette.bad(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_members_by_prefix_either_way() {
        assert!(names("1c7f687e", "1c7f687e"));
        assert!(names(" 1C7F ", "1c7f687e"));
        assert!(names("1c7f687e0011", "1c7f687e"));
        assert!(!names("", "1c7f687e"));
        assert!(!names("1c7f687f", "1c7f687e"));
    }

    #[test]
    fn toggling_marks_and_unmarks_whatever_id_named_the_member() {
        let mut values = Values::default();
        values.members = vec!["1C7F687E00".into()];
        toggle(&mut values, "1c7f687e");
        assert!(values.members.is_empty());
        toggle(&mut values, "1c7f687e");
        assert_eq!(values.members, ["1c7f687e"]);
        let roster = Roster {
            members: vec!["1c7f687e".into(), "9cd00548".into()],
            you: Some("1c7f687e".into()),
        };
        let problems = problems(&values, &roster, "another member starts it");
        assert_eq!(problems, ["1c7f687e is you: another member starts it"]);
        values.members = vec!["00000000".into()];
        assert!(super::problems(&values, &roster, "")[0].contains("no member"));
    }
}
