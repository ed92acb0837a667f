//! Every journal rule, and the interchange import with conflicts.

use super::interchange::{export, import, Interchange};
use super::*;
use crate::definition::vote_body;
use crate::keys::{deal, KeyShare};
use penumbra_sdk_governance::Vote;
use rand_core::OsRng;

fn group() -> GroupKey {
    deal(&mut OsRng, 2, 3).unwrap().remove(0).group().clone()
}

fn definition(group: &GroupKey, seq: u32, name: &str) -> Request {
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

/// A request and the bytes it signs.
type Request = (SigningRequest, Vec<u8>);

fn vote(group: &GroupKey, proposal: u64, v: Vote) -> Request {
    let request = SigningRequest::ValidatorVote(vote_body(group, None, proposal, v, "").unwrap());
    let bytes = request.signed_bytes(group.fvk()).unwrap();
    (request, bytes)
}

/// A journal of `group`'s key that signed definition #3 (named `name`) and then `choice` on
/// proposal #9 at the times `at`, with its watermark at `watermark`; and those two requests
/// with their signed bytes.
fn signed_3_and_9(
    group: &GroupKey,
    name: &str,
    choice: Vote,
    at: [&str; 2],
    watermark: u32,
) -> (Journal, Request, Request) {
    let mut journal = Journal::new(group);
    let (d, db) = definition(group, 3, name);
    journal.record(&d, &db, at[0]);
    let (v, vb) = vote(group, 9, choice);
    journal.record(&v, &vb, at[1]);
    journal.set_watermark(watermark);
    (journal, (d, db), (v, vb))
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

fn share() -> KeyShare {
    deal(&mut OsRng, 2, 3).unwrap().remove(0)
}

fn open_in(
    folder: &std::path::Path,
    share: &KeyShare,
    origin: &Origin,
) -> anyhow::Result<JournalGuard> {
    JournalGuard::open_in(folder, ShareId::of_share(share), share.group(), origin)
}

#[test]
fn guard_locks_and_persists_before_returning() {
    let dir = tempfile::tempdir().unwrap();
    let share = share();
    let g = share.group().clone();
    let mut guard = open_in(dir.path(), &share, &Origin::Elsewhere).unwrap();
    let path = guard.path().to_path_buf();
    // A second process (here: a second open) cannot sign with the share meanwhile; the refusal
    // names the lock.
    let e = open_in(dir.path(), &share, &Origin::Elsewhere)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("in use by another hoarfrost process") && e.contains(".lock"),
        "{e}"
    );
    let (d1, b1) = definition(&g, 1, "one");
    guard.record(&d1, &b1).unwrap();
    let on_disk: Journal = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(on_disk.definitions.len(), 1);
    assert_eq!(
        on_disk.participant,
        Some(hex::encode(share.verification_key().as_bytes()))
    );
    // A refused record changes nothing, on disk or in memory.
    let (other1, ob1) = definition(&g, 1, "other");
    assert!(guard.record(&other1, &ob1).is_err());
    drop(guard);
    let reopened = open_in(dir.path(), &share, &Origin::Elsewhere).unwrap();
    assert_eq!(reopened.journal().definitions.len(), 1);
    drop(reopened);
    // A journal of another key in the share's place is refused, not used.
    let stranger = Journal::new(&group());
    std::fs::write(&path, serde_json::to_string(&stranger).unwrap()).unwrap();
    let e = open_in(dir.path(), &share, &Origin::Elsewhere)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("belongs to key"), "{e}");
}

#[test]
fn one_journal_per_share_whatever_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let routes = [
        Origin::Stored {
            home: dir.path().join("home"),
            name: "identity".into(),
        },
        Origin::File(dir.path().join("participant-1.toml")),
        Origin::Elsewhere,
    ];
    let folder = dir.path().join("state/journal");
    let paths: Vec<_> = routes
        .iter()
        .map(|o| {
            open_in(&folder, &shares[0], o)
                .unwrap()
                .path()
                .to_path_buf()
        })
        .collect();
    assert!(paths.iter().all(|p| p == &paths[0]));
    // Another participant of the same key, and the same participant's key in another group,
    // have journals of their own.
    let other = open_in(&folder, &shares[1], &routes[0]).unwrap();
    assert_ne!(other.path(), paths[0]);
    // The sealed share names the same journal, without its passphrase.
    let sealed = crate::keyfile::KeyMaterial::Share(shares[0].clone())
        .seal(
            b"pw",
            crate::sealed::KdfParams::with_memory_mib(64).unwrap(),
            &mut OsRng,
        )
        .unwrap();
    assert_eq!(
        ShareId::of_material(&sealed),
        Some(ShareId::of_share(&shares[0]))
    );
    assert_eq!(
        ShareId::of_material(&crate::keyfile::KeyMaterial::Public(
            shares[0].group().clone()
        )),
        None
    );
}

#[test]
fn old_journals_are_taken_over_once_keeping_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let share = share();
    let g = share.group().clone();
    let folder = dir.path().join("state/journal");
    let key_file = dir.path().join("participant-1.toml");
    let origin = Origin::File(key_file.clone());
    // The new journal signed one #5; the old one, beside the key file, another #5 and a vote.
    let (new5, nb5) = definition(&g, 5, "new");
    open_in(&folder, &share, &Origin::Elsewhere)
        .unwrap()
        .record(&new5, &nb5)
        .unwrap();
    let mut old = Journal::new(&g);
    let (old5, ob5) = definition(&g, 5, "old");
    old.record(&old5, &ob5, "2026-01-02T03:04:05Z");
    let (yes, by) = vote(&g, 3, Vote::Yes);
    old.record(&yes, &by, "2026-01-02T03:04:06Z");
    let old_path = origin.old_journal().unwrap();
    assert_eq!(old_path, dir.path().join("participant-1.toml.journal.json"));
    std::fs::write(&old_path, serde_json::to_string(&old).unwrap()).unwrap();

    let guard = open_in(&folder, &share, &origin).unwrap();
    let notes = guard.notes().join("\n");
    assert!(
        notes.contains("took the journal") && notes.contains("conflict: definition #5"),
        "{notes}"
    );
    // Both #5 refuse now, and the vote stands.
    assert!(guard.check(&new5, &nb5).is_err());
    assert!(guard.check(&old5, &ob5).is_err());
    assert_eq!(guard.check(&yes, &by), Ok(Verdict::Repeat));
    assert!(!old_path.exists());
    assert!(location::migrated_name(&old_path).exists());
    drop(guard);
    // Not merged twice.
    let again = open_in(&folder, &share, &origin).unwrap();
    assert!(again.notes().is_empty());
    assert_eq!(again.journal().definitions.len(), 2);
    drop(again);

    // An old journal of another key under the same name is not this share's: left alone.
    let stranger = Journal::new(&group());
    std::fs::write(&old_path, serde_json::to_string(&stranger).unwrap()).unwrap();
    let guard = open_in(&folder, &share, &origin).unwrap();
    assert!(guard.notes().is_empty());
    assert!(old_path.exists());
    drop(guard);
    // An unreadable old journal refuses: what it held cannot be known.
    std::fs::write(&old_path, "{ not json").unwrap();
    let e = open_in(&folder, &share, &origin).err().unwrap().to_string();
    assert!(e.contains("unreadable"), "{e}");
    // So does one that lacks a list: it is not read as "nothing signed".
    let mut no_votes = serde_json::to_value(&old).unwrap();
    no_votes.as_object_mut().unwrap().remove("votes");
    std::fs::write(&old_path, no_votes.to_string()).unwrap();
    let e = format!("{:#}", open_in(&folder, &share, &origin).err().unwrap());
    assert!(e.contains("unreadable") && e.contains("votes"), "{e}");
}

#[test]
fn interchange_round_trips_and_imports_foreign_conflicts() {
    let g = group();
    let (ours, (d3, b3), (yes, by)) = signed_3_and_9(
        &g,
        "three",
        Vote::Yes,
        ["2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"],
        2,
    );
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
    let (foreign, (other3, ob3), (no, bn)) = signed_3_and_9(
        &g,
        "foreign",
        Vote::No,
        ["2026-11-19T00:00:00Z", "2026-11-19T01:00:00Z"],
        20,
    );
    let (merged, conflicts) = import(&ours, &export(&foreign)).unwrap();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    // Neither #3 nor another vote on #9 can be signed now; the watermark rose.
    assert!(merged.check(&d3, &b3).is_err());
    assert!(merged.check(&other3, &ob3).is_err());
    assert!(merged.check(&no, &bn).is_err());
    assert!(
        merged.check(&yes, &by).is_err(),
        "a conflict refuses the identical vote too"
    );
    assert_eq!(merged.definition_watermark, Some(20));

    // Files for other keys, other versions or with bad numbers are refused.
    assert!(import(&Journal::new(&group()), &export(&ours)).is_err());
    let mut bad = export(&ours);
    bad.data[0].signed_definitions[0].sequence_number = "three".into();
    assert!(import(&ours, &bad).unwrap_err().contains("not a number"));
    bad.metadata.interchange_format_version = "9".into();
    assert!(import(&ours, &bad).is_err());
}

/// A file written by hand or by another tool: upper-case `0x` roots, no times, no vote; every
/// entry's fields stand side by side, as in EIP-3076.
#[test]
fn interchange_reads_a_file_written_elsewhere() {
    let g = group();
    let ours = Journal::new(&g);
    let root = format!("0x{}", "AB".repeat(32));
    let json = serde_json::json!({
        "metadata": {"interchange_format_version": "hoarfrost-1", "chain": "penumbra"},
        "data": [{
            "key": ours.key,
            "signed_definitions": [{"sequence_number": " 7 ", "signing_root": root}],
            "signed_votes": [{"proposal": "9", "signing_root": root}],
        }]
    });
    let file = serde_json::from_value(json.clone()).unwrap();
    let (merged, conflicts) = import(&ours, &file).unwrap();
    assert!(conflicts.is_empty());
    let imported = "an unknown time (imported)";
    assert_eq!(
        merged.definitions,
        vec![SignedDefinition {
            sequence_number: 7,
            digest: "ab".repeat(32),
            signed_at: imported.into(),
        }]
    );
    assert_eq!(merged.votes[0].proposal, 9);
    assert_eq!(merged.votes[0].vote, "unknown");
    assert_eq!(merged.votes[0].digest, "ab".repeat(32));

    // Exported again, an entry's fields stand flat beside its number.
    let written = serde_json::to_value(export(&merged)).unwrap();
    let entry = &written["data"][0]["signed_votes"][0];
    assert_eq!(entry["signing_root"], "ab".repeat(32));
    assert_eq!(entry["signed_at"], imported);
    assert_eq!(entry["vote"], "unknown");

    let mut no_votes = json.clone();
    no_votes["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("signed_votes");
    let e = serde_json::from_value::<Interchange>(no_votes).unwrap_err();
    assert!(
        e.to_string().contains("missing field `signed_votes`"),
        "{e}"
    );

    let mut short = json;
    short["data"][0]["signed_votes"][0]["signing_root"] = "0xabcd".into();
    let e = import(&ours, &serde_json::from_value(short).unwrap()).unwrap_err();
    assert_eq!(e, "signed vote: signing_root must be 32 bytes of hex");
}

mod merging {
    use super::*;
    use proptest::prelude::*;

    /// A small universe of requests for one key: definitions #1..#4 in two versions each, and
    /// a yes and a no vote on proposals 1..3.
    type Universe = (GroupKey, Vec<(SigningRequest, Vec<u8>)>);

    fn universe() -> &'static Universe {
        static UNIVERSE: std::sync::OnceLock<Universe> = std::sync::OnceLock::new();
        UNIVERSE.get_or_init(|| {
            let g = group();
            let mut all = vec![];
            for seq in 1..=4 {
                all.push(definition(&g, seq, "a"));
                all.push(definition(&g, seq, "b"));
            }
            for proposal in 1..=3 {
                all.push(vote(&g, proposal, Vote::Yes));
                all.push(vote(&g, proposal, Vote::No));
            }
            (g, all)
        })
    }

    /// A journal that signed the chosen requests, in order, as far as its rules allowed.
    fn signed(picks: &[usize], watermark: Option<u32>) -> Journal {
        let (g, all) = universe();
        let mut j = Journal::new(g);
        if let Some(w) = watermark {
            j.set_watermark(w);
        }
        for &i in picks {
            let (request, bytes) = &all[i % all.len()];
            if j.check(request, bytes).is_ok() {
                j.record(request, bytes, "2026-11-21T00:00:00Z");
            }
        }
        j
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

        /// Whatever either journal refuses, the merged journal never takes for new (it may
        /// take a byte-identical repeat of what one of them signed, which is harmless); and
        /// merging again changes nothing (a journal taken over twice is harmless).
        #[test]
        fn merging_never_loses_a_refusal(
            a in prop::collection::vec(0usize..14, 0..8),
            b in prop::collection::vec(0usize..14, 0..8),
            wa in prop::option::of(0u32..5),
            wb in prop::option::of(0u32..5),
        ) {
            let (ja, jb) = (signed(&a, wa), signed(&b, wb));
            let (merged, _) = ja.merge(&jb, "the other journal");
            for (request, bytes) in &universe().1 {
                if ja.check(request, bytes).is_err() || jb.check(request, bytes).is_err() {
                    prop_assert_ne!(merged.check(request, bytes), Ok(Verdict::New));
                }
            }
            let (again, conflicts) = merged.merge(&jb, "the other journal");
            prop_assert_eq!(&again, &merged);
            prop_assert!(conflicts.is_empty());
            let (back, _) = merged.merge(&ja, "the first journal");
            prop_assert_eq!(&back, &merged);
        }
    }
}
