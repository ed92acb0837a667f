//! Key files: round trips, refusals by field, generations, pcli configs.

use super::*;
use crate::keys::deal;
use rand_core::OsRng;

fn stored(material: KeyMaterial) -> StoredKey {
    StoredKey {
        name: Some("identity".into()),
        material,
        transcript_fingerprint: None,
    }
}

#[test]
fn share_round_trips() {
    let share = deal(&mut OsRng, 2, 3).unwrap().remove(1);
    let text = encode(&stored(KeyMaterial::Share(share.clone())));
    let back = decode(&text).unwrap();
    let back = back.material.share().unwrap();
    assert_eq!(back.group(), share.group());
    assert_eq!(back.signing_share(), share.signing_share());
    assert_eq!(
        back.signing_key().as_bytes(),
        share.signing_key().as_bytes()
    );
}

#[test]
fn public_round_trips_without_secrets() {
    let share = deal(&mut OsRng, 2, 3).unwrap().remove(0);
    let text = encode(&stored(KeyMaterial::Public(share.group().clone())));
    assert!(!text.contains("spend_key_share") && !text.contains("signing_key"));
    let back = decode(&text).unwrap();
    assert!(back.material.share().is_none());
    assert_eq!(back.material.group(), share.group());
}

#[test]
fn refusals_name_the_problem() {
    let share = deal(&mut OsRng, 2, 3).unwrap().remove(0);
    let text = encode(&stored(KeyMaterial::Share(share))).to_string();
    let newer = text.replace("version = 3", "version = 9");
    assert!(matches!(decode(&newer), Err(KeyFileError::Version(9))));
    let other = text.replace("hoarfrost-key", "something-else");
    assert!(matches!(decode(&other), Err(KeyFileError::Format(_))));
    assert!(matches!(decode("not toml ["), Err(KeyFileError::Toml(_))));
    let no_key: String = text
        .lines()
        .filter(|l| !l.starts_with("signing_key"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(decode(&no_key)
        .unwrap_err()
        .to_string()
        .contains("signing_key"));
}

#[test]
fn sealed_round_trips_and_needs_the_passphrase() {
    let share = deal(&mut OsRng, 2, 3).unwrap().remove(1);
    let params = KdfParams::with_memory_mib(64).unwrap();
    let material = KeyMaterial::Share(share.clone())
        .seal(b"hunter2", params, &mut OsRng)
        .unwrap();
    let text = encode(&stored(material));
    assert!(!text.contains(&hex::encode_upper(share.signing_share().serialize())));
    assert!(!text.contains("spend_key_share"));
    let back = decode(&text).unwrap();
    assert!(back.material.is_sealed() && back.material.share().is_none());
    assert_eq!(
        back.material.participant_fingerprint(),
        Some(share.fingerprint())
    );
    assert_eq!(
        back.material.unlock(Some(b"nope")).err(),
        Some(SealError::WrongPassphrase)
    );
    let open = back.material.unlock(Some(b"hunter2")).unwrap().unwrap();
    assert_eq!(open.signing_share(), share.signing_share());
    // A version 1 file (plain share) still reads.
    let v1 = encode(&stored(KeyMaterial::Share(share))).replace("version = 3", "version = 1");
    assert!(decode(&v1).unwrap().material.share().is_some());
}

/// A share of generation 2: two refreshes of a dealt key, at the given dates.
fn refreshed_twice() -> KeyShare {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let group = shares[0].group();
    let same = group.verifying_shares();
    // The verifying shares stay as they are here: only the record is under test.
    let once = group.refreshed(same.clone(), 1_700_000_000).unwrap();
    let twice = once.refreshed(same, 1_800_000_000).unwrap();
    shares[0].with_group(twice).unwrap()
}

#[test]
fn generations_round_trip_and_old_files_are_generation_0() {
    let share = refreshed_twice();
    for material in [
        KeyMaterial::Share(share.clone()),
        KeyMaterial::Public(share.group().clone()),
    ] {
        let text = encode(&stored(material));
        assert!(text.contains("generation = 2"), "{}", *text);
        assert!(
            text.contains("refreshed = \"2027-01-15T08:00:00Z\""),
            "{}",
            *text
        );
        assert!(text.contains("[[retired]]"), "{}", *text);
        let back = decode(&text).unwrap();
        assert_eq!(back.material.group(), share.group());
        assert_eq!(back.material.group().generation().retired.len(), 2);
    }
    let fresh = deal(&mut OsRng, 2, 3).unwrap().remove(0);
    let v2 = encode(&stored(KeyMaterial::Share(fresh)))
        .replace("version = 3", "version = 2")
        .replace("generation = 0\n", "");
    assert!(!v2.contains("generation"));
    let back = decode(&v2).unwrap();
    assert_eq!(back.material.group().generation(), &Generation::default());
}

#[test]
fn incoherent_generations_are_refused_by_field() {
    let share = refreshed_twice();
    let text = encode(&stored(KeyMaterial::Share(share))).to_string();
    let undated = text
        .lines()
        .filter(|l| !l.starts_with("refreshed"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = decode(&undated).unwrap_err().to_string();
    assert!(e.contains("generation 2 lacks its refresh date"), "{e}");
    let bad_date = text.replace("refreshed = \"2027", "refreshed = \"20x7");
    let e = decode(&bad_date).unwrap_err().to_string();
    assert!(e.contains("refreshed"), "{e}");
    // A retired generation whose shares belong to another key.
    let other = deal(&mut OsRng, 2, 3).unwrap().remove(0);
    let foreign = other.group().participants().next().unwrap();
    let foreign_share = hex::encode_upper(foreign.verifying_share.serialize().unwrap());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .rposition(|l| l.contains(" = \"") && l.len() > 100)
        .unwrap();
    let (name, _) = lines[at].split_once(" = ").unwrap();
    lines[at] = format!("{name} = \"{foreign_share}\"");
    let e = decode(&lines.join("\n")).unwrap_err().to_string();
    assert!(e.contains("retired generation 1"), "{e}");
}

#[test]
fn pcli_config_round_trips() {
    let share = deal(&mut OsRng, 2, 3).unwrap().remove(2);
    for section in [PcliSection::Custody, PcliSection::GovernanceCustody] {
        let text = export_pcli(&share, "https://example.com/", section).unwrap();
        let back = import_pcli(&text, section).unwrap();
        assert_eq!(back.group(), share.group());
        assert_eq!(back.signing_share(), share.signing_share());
    }
}
