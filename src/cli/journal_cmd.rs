//! Journal commands: show, export, import, and the low watermark.

use std::path::Path;

use anyhow::Context;

use super::ceremonies::{origin, say_notes};
use super::keys::resolve;
use crate::fsutil::{write_atomic, Overwrite};
use crate::journal::interchange::{export, import, Interchange};
use crate::journal::{self, JournalGuard};
use crate::spec::KeyChoice;
use crate::store::Store;

/// The journal of the share a command names, by any route; no passphrase is needed.
fn open(store: &Store, choice: &KeyChoice) -> anyhow::Result<(String, JournalGuard)> {
    let (label, key) = resolve(store, choice)?;
    let guard = journal::open_for_key(
        &store.journal_folder(),
        &origin(store, choice, &label),
        &label,
        &key,
    )?;
    say_notes(guard.notes());
    Ok((label, guard))
}

pub fn show(store: &Store, args: &KeyChoice) -> anyhow::Result<()> {
    let (label, guard) = open(store, args)?;
    let j = guard.journal();
    println!("journal of key {label} ({})", j.key);
    println!("file: {}", guard.path().display());
    match j.definition_watermark {
        Some(w) => println!("low watermark: definitions up to #{w} are refused"),
        None => println!("low watermark: none"),
    }
    list("validator definitions signed", &j.definitions, |d| {
        format!(
            "#{:<6} {}  {}",
            d.sequence_number,
            d.signed_at,
            &d.digest[..16]
        )
    });
    list("validator votes signed", &j.votes, |v| {
        format!(
            "proposal #{:<6} {:<8} {}  {}",
            v.proposal,
            v.vote,
            v.signed_at,
            &v.digest[..16]
        )
    });
    Ok(())
}

/// One kind of journal entry: `heading` with how many there are, then a line each.
fn list<E>(heading: &str, entries: &[E], line: impl Fn(&E) -> String) {
    println!("{heading}: {}", entries.len());
    for entry in entries {
        println!("  {}", line(entry));
    }
}

pub fn export_to(store: &Store, args: &KeyChoice, out: &Path) -> anyhow::Result<()> {
    let (_, guard) = open(store, args)?;
    let text = serde_json::to_string_pretty(&export(guard.journal()))?;
    write_atomic(out, text.as_bytes(), Overwrite::Never)
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

pub fn import_from(store: &Store, args: &KeyChoice, file: &Path) -> anyhow::Result<()> {
    let (label, mut guard) = open(store, args)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let interchange: Interchange = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a journal interchange file: {e}", file.display()))?;
    let (merged, conflicts) = import(guard.journal(), &interchange)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    guard.replace(merged)?;
    eprintln!(
        "imported {} into the journal of key {label}",
        file.display()
    );
    for c in &conflicts {
        eprintln!("  conflict: {c}");
    }
    Ok(())
}

pub fn watermark(store: &Store, args: &KeyChoice, definition: u32) -> anyhow::Result<()> {
    let (label, mut guard) = open(store, args)?;
    let mut j = guard.journal().clone();
    j.set_watermark(definition);
    let now = j.definition_watermark;
    guard.replace(j)?;
    eprintln!(
        "key {label}: definitions up to #{} are now refused",
        now.unwrap_or(definition)
    );
    Ok(())
}
