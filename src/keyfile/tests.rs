//! Key files and pcli configs: round trips and refusals.

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
    let newer = text.replace("version = 2", "version = 9");
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
    let v1 = encode(&stored(KeyMaterial::Share(share))).replace("version = 2", "version = 1");
    assert!(decode(&v1).unwrap().material.share().is_some());
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
