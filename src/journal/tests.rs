//! Every journal rule, and the interchange import with conflicts.

use super::interchange::{export, import};
use super::*;
use crate::definition::vote_body;
use crate::keys::deal;
use penumbra_sdk_governance::Vote;
use rand_core::OsRng;

fn group() -> GroupKey {
    deal(&mut OsRng, 2, 3).unwrap().remove(0).group().clone()
}

fn definition(group: &GroupKey, seq: u32, name: &str) -> (SigningRequest, Vec<u8>) {
    let template = crate::definition::definition_template(&mut OsRng, group, None).unwrap();
    let text = template
        .replace("sequence_number = 0", &format!("sequence_number = {seq}"))
        .replace("name = \"\"", &format!("name = {name:?}"));
    let request = SigningRequest::ValidatorDefinition(
        crate::definition::parse_definition_toml(&text).unwrap(),
    );
    let bytes = request.signed_bytes(group.fvk()).unwrap();
    (request, bytes)
}

fn vote(group: &GroupKey, proposal: u64, v: Vote) -> (SigningRequest, Vec<u8>) {
    let request = SigningRequest::ValidatorVote(vote_body(group, None, proposal, v, "").unwrap());
    let bytes = request.signed_bytes(group.fvk()).unwrap();
    (request, bytes)
}

#[test]
fn definitions_only_go_up_and_repeats_are_harmless() {
    let g = group();
    let mut j = Journal::new(&g);
    let (d5, b5) = definition(&g, 5, "five");
    assert_eq!(j.check(&d5, &b5), Ok(Verdict::New));
    j.record(&d5, &b5, "2026-11-21T05:00:00Z");
    // The same bytes again: a harmless repeat.
    assert_eq!(j.check(&d5, &b5), Ok(Verdict::Repeat));
    // Different contents at the same number: refused, saying what and when.
    let (other5, ob5) = definition(&g, 5, "other");
    let e = j.check(&other5, &ob5).unwrap_err().to_string();
    assert!(
        e.contains("different validator definition #5") && e.contains("2026-11-21T05:00:00Z"),
        "{e}"
    );
    // Lower numbers: refused.
    let (d4, b4) = definition(&g, 4, "four");
    let e = j.check(&d4, &b4).unwrap_err().to_string();
    assert!(
        e.contains("#5 was signed") && e.contains("#4 is not higher"),
        "{e}"
    );
    // Higher: fine; then the repeat of #5 is still harmless.
    let (d6, b6) = definition(&g, 6, "six");
    assert_eq!(j.check(&d6, &b6), Ok(Verdict::New));
    j.record(&d6, &b6, "2026-11-21T06:00:00Z");
    assert_eq!(j.check(&d5, &b5), Ok(Verdict::Repeat));
}

#[test]
fn the_watermark_refuses_old_numbers() {
    let g = group();
    let mut j = Journal::new(&g);
    j.set_watermark(10);
    j.set_watermark(3); // never lowers
    assert_eq!(j.definition_watermark, Some(10));
    let (d10, b10) = definition(&g, 10, "ten");
    assert!(j
        .check(&d10, &b10)
        .unwrap_err()
        .to_string()
        .contains("low watermark #10"));
    let (d11, b11) = definition(&g, 11, "eleven");
    assert_eq!(j.check(&d11, &b11), Ok(Verdict::New));
}

#[test]
fn one_vote_per_proposal() {
    let g = group();
    let mut j = Journal::new(&g);
    let (yes, by) = vote(&g, 7, Vote::Yes);
    j.record(&yes, &by, "2026-11-21T07:00:00Z");
    assert_eq!(j.check(&yes, &by), Ok(Verdict::Repeat));
    let (no, bn) = vote(&g, 7, Vote::No);
    let e = j.check(&no, &bn).unwrap_err().to_string();
    assert!(
        e.contains("vote yes on proposal #7 was signed at 2026-11-21T07:00:00Z"),
        "{e}"
    );
    let (other, bo) = vote(&g, 8, Vote::No);
    assert_eq!(j.check(&other, &bo), Ok(Verdict::New));
}

#[test]
fn guard_locks_and_persists_before_returning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal/identity.json");
    let g = group();
    let mut guard = JournalGuard::open(&path, &g).unwrap();
    // A second process (here: a second open) cannot sign with the key meanwhile.
    let e = JournalGuard::open(&path, &g).err().unwrap().to_string();
    assert!(e.contains("in use by another hoarfrost process"), "{e}");
    let (d1, b1) = definition(&g, 1, "one");
    guard.record(&d1, &b1).unwrap();
    let on_disk: Journal = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(on_disk.definitions.len(), 1);
    // A refused record changes nothing, on disk or in memory.
    let (other1, ob1) = definition(&g, 1, "other");
    assert!(guard.record(&other1, &ob1).is_err());
    drop(guard);
    let reopened = JournalGuard::open(&path, &g).unwrap();
    assert_eq!(reopened.journal().definitions.len(), 1);
    // Another key's journal is refused.
    drop(reopened);
    let e = JournalGuard::open(&path, &group())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("belongs to key"), "{e}");
}

#[test]
fn interchange_round_trips_and_imports_foreign_conflicts() {
    let g = group();
    let mut ours = Journal::new(&g);
    let (d3, b3) = definition(&g, 3, "three");
    ours.record(&d3, &b3, "2026-11-20T10:00:00Z");
    let (yes, by) = vote(&g, 9, Vote::Yes);
    ours.record(&yes, &by, "2026-11-20T11:00:00Z");
    ours.set_watermark(2);
    let file = export(&ours);
    let json = serde_json::to_string(&file).unwrap();
    assert!(
        json.contains("\"sequence_number\":\"3\""),
        "integers travel as strings: {json}"
    );
    let (back, conflicts) =
        import(&Journal::new(&g), &serde_json::from_str(&json).unwrap()).unwrap();
    assert!(conflicts.is_empty());
    assert_eq!(back.definitions, ours.definitions);
    assert_eq!(back.votes, ours.votes);
    assert_eq!(back.definition_watermark, Some(2));

    // A foreign machine signed a different #3 and a different vote on #9.
    let mut foreign = Journal::new(&g);
    let (other3, ob3) = definition(&g, 3, "foreign");
    foreign.record(&other3, &ob3, "2026-11-19T00:00:00Z");
    let (no, bn) = vote(&g, 9, Vote::No);
    foreign.record(&no, &bn, "2026-11-19T01:00:00Z");
    foreign.set_watermark(20);
    let (merged, conflicts) = import(&ours, &export(&foreign)).unwrap();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    // Neither #3 nor another vote on #9 can be signed now; the watermark rose.
    assert!(merged.check(&d3, &b3).is_err());
    assert!(merged.check(&other3, &ob3).is_err());
    assert!(merged.check(&no, &bn).is_err());
    assert_eq!(merged.definition_watermark, Some(20));

    // Files for other keys, other versions or with bad numbers are refused.
    assert!(import(&Journal::new(&group()), &export(&ours)).is_err());
    let mut bad = export(&ours);
    bad.data[0].signed_definitions[0].sequence_number = "three".into();
    assert!(import(&ours, &bad).unwrap_err().contains("not a number"));
    bad.metadata.interchange_format_version = "9".into();
    assert!(import(&ours, &bad).is_err());
}
