//! Every type that holds a secret wipes it when dropped, checked at compile time: a type listed
//! here that stops implementing `ZeroizeOnDrop` fails the build of the tests. (The signing
//! engines' private phases are checked by the `ZeroizeOnDrop` derive of their holders.)
//!
//! The foreign types, as their sources (frost-core 3, ed25519-consensus 2.1, decaf377-ka 2.1)
//! show them:
//! - wipe themselves (derive `ZeroizeOnDrop`): frost's `SigningNonces`, `KeyPackage`,
//!   `SecretShare`, and the DKG's `round1::SecretPackage`, `round2::SecretPackage` and
//!   `round2::Package`;
//! - only implement `Zeroize`, so their holders wipe them: frost's `SigningShare` (a `Copy`
//!   type, wiped by `KeyShare` and by the DKG's phase), ed25519-consensus's `SigningKey` (wiped
//!   by `KeyShare` and `Dkg`) and decaf377-ka's `Secret` (wiped by `Dkg`).
//!
//! Text that holds a share (key files, pcli configs, passphrases, decrypted DKG packages) lives
//! in `Zeroizing` buffers. What the TOML parser copies internally while reading is beyond reach.

use frost_core::keys::dkg::{round1, round2};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::dkg::{Dkg, Phase};
use crate::keys::KeyShare;
use crate::signing::{Coordinator, Follower};
use crate::suite::{Decaf377Rdsa, KeyPackage, SigningNonces, SigningShare};

fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}

fn assert_zeroize<T: Zeroize>() {}

#[test]
fn every_holder_of_a_secret_wipes_it_when_dropped() {
    // Ours.
    assert_zeroize_on_drop::<KeyShare>();
    assert_zeroize_on_drop::<Dkg>();
    assert_zeroize_on_drop::<Phase>();
    assert_zeroize_on_drop::<Follower>();
    assert_zeroize_on_drop::<Coordinator>();
    assert_zeroize_on_drop::<Zeroizing<String>>();
    assert_zeroize_on_drop::<Zeroizing<Vec<u8>>>();
    // Foreign types that wipe themselves.
    assert_zeroize_on_drop::<SigningNonces>();
    assert_zeroize_on_drop::<Option<Vec<SigningNonces>>>();
    assert_zeroize_on_drop::<KeyPackage>();
    assert_zeroize_on_drop::<frost_core::keys::SecretShare<Decaf377Rdsa>>();
    assert_zeroize_on_drop::<round1::SecretPackage<Decaf377Rdsa>>();
    assert_zeroize_on_drop::<round2::SecretPackage<Decaf377Rdsa>>();
    assert_zeroize_on_drop::<round2::Package<Decaf377Rdsa>>();
    // Foreign types that do not, and are wiped by their holders above.
    assert_zeroize::<SigningShare>();
    assert_zeroize::<ed25519_consensus::SigningKey>();
    assert_zeroize::<decaf377_ka::Secret>();
}
