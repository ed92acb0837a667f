//! Cryptography: hoarfrost's decaf377 suite on frost-core 3 beside Penumbra's decaf377-frost
//! 2.1.1 (frost-core 0.7), the same work in the same run, so their ratio can be read off.
//! Run: cargo bench --bench crypto

use std::collections::{BTreeMap, HashMap};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use decaf377_frost as penumbra;
use frost_core::keys::dkg as frost_dkg;
use hoarfrost::suite::{Decaf377Rdsa, Identifier};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

type C = Decaf377Rdsa;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn threshold(n: u16) -> u16 {
    2 * n / 3 + 1
}

/// A whole FROST DKG among n participants with hoarfrost's suite.
fn dkg_hoarfrost(n: u16) {
    let t = threshold(n);
    let mut r = rng();
    let ids: Vec<Identifier> = (1..=n).map(|i| Identifier::try_from(i).unwrap()).collect();
    let (secrets, packages): (Vec<_>, Vec<_>) = ids
        .iter()
        .map(|id| frost_dkg::part1::<C, _>(*id, n, t, &mut r).unwrap())
        .unzip();
    let mut round2_secrets = Vec::new();
    let mut round2_out: Vec<BTreeMap<Identifier, _>> = Vec::new();
    let mut received1 = Vec::new();
    for (i, secret) in secrets.into_iter().enumerate() {
        let others: BTreeMap<_, _> = ids
            .iter()
            .zip(&packages)
            .filter(|(id, _)| **id != ids[i])
            .map(|(id, p)| (*id, p.clone()))
            .collect();
        let (s2, out) = frost_dkg::part2(secret, &others).unwrap();
        round2_secrets.push(s2);
        round2_out.push(out);
        received1.push(others);
    }
    for (i, s2) in round2_secrets.iter().enumerate() {
        let mine: BTreeMap<_, _> = (0..ids.len())
            .filter(|j| *j != i)
            .map(|j| (ids[j], round2_out[j][&ids[i]].clone()))
            .collect();
        frost_dkg::part3(s2, &received1[i], &mine).unwrap();
    }
}

/// The same DKG with Penumbra's decaf377-frost.
fn dkg_penumbra(n: u16) {
    let t = threshold(n);
    let mut r = rng();
    let ids: Vec<penumbra::Identifier> = (1..=n)
        .map(|i| penumbra::Identifier::try_from(i).unwrap())
        .collect();
    let (secrets, packages): (Vec<_>, Vec<_>) = ids
        .iter()
        .map(|id| penumbra::keys::dkg::part1(*id, n, t, &mut r).unwrap())
        .unzip();
    let mut round2_secrets = Vec::new();
    let mut round2_out: Vec<HashMap<penumbra::Identifier, _>> = Vec::new();
    let mut received1 = Vec::new();
    for (i, secret) in secrets.into_iter().enumerate() {
        let others: HashMap<_, _> = ids
            .iter()
            .zip(&packages)
            .filter(|(id, _)| **id != ids[i])
            .map(|(id, p)| (*id, p.clone()))
            .collect();
        let (s2, out) = penumbra::keys::dkg::part2(secret, &others).unwrap();
        round2_secrets.push(s2);
        round2_out.push(out);
        received1.push(others);
    }
    for (i, s2) in round2_secrets.iter().enumerate() {
        let mine: HashMap<_, _> = (0..ids.len())
            .filter(|j| *j != i)
            .map(|j| (ids[j], round2_out[j][&ids[i]].clone()))
            .collect();
        penumbra::keys::dkg::part3(s2, &received1[i], &mine).unwrap();
    }
}

fn dkg(c: &mut Criterion) {
    let mut group = c.benchmark_group("dkg_whole_ceremony");
    group.sample_size(10);
    for n in [3u16, 5, 10, 20, 50] {
        group.bench_with_input(BenchmarkId::new("hoarfrost", n), &n, |b, n| {
            b.iter(|| dkg_hoarfrost(*n))
        });
        // decaf377-frost needs about 90 s for one 50-party ceremony on the reference machine:
        // ten samples would take a quarter of an hour, so that point is timed once below.
        if n < 50 {
            group.bench_with_input(BenchmarkId::new("decaf377-frost", n), &n, |b, n| {
                b.iter(|| dkg_penumbra(*n))
            });
        }
    }
    group.finish();
    let start = std::time::Instant::now();
    dkg_penumbra(50);
    println!(
        "dkg_whole_ceremony/decaf377-frost/50: one run, {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn dealt(
    t: u16,
    n: u16,
) -> (
    BTreeMap<Identifier, frost_core::keys::KeyPackage<C>>,
    frost_core::keys::PublicKeyPackage<C>,
) {
    let (shares, public) = frost_core::keys::generate_with_dealer::<C, _>(
        n,
        t,
        frost_core::keys::IdentifierList::Default,
        &mut rng(),
    )
    .unwrap();
    let packages = shares
        .into_iter()
        .map(|(id, s)| (id, frost_core::keys::KeyPackage::try_from(s).unwrap()))
        .collect();
    (packages, public)
}

fn dealt_penumbra(
    t: u16,
    n: u16,
) -> (
    Vec<penumbra::keys::KeyPackage>,
    penumbra::keys::PublicKeyPackage,
) {
    let (shares, public) =
        penumbra::keys::generate_with_dealer(n, t, penumbra::keys::IdentifierList::Default, rng())
            .unwrap();
    let packages = shares
        .into_values()
        .map(|s| penumbra::keys::KeyPackage::try_from(s).unwrap())
        .collect();
    (packages, public)
}

const MESSAGE: &[u8] = &[42u8; 64];

fn follower(c: &mut Criterion) {
    let mut group = c.benchmark_group("follower");
    let (ours, _) = dealt(2, 3);
    let (theirs, _) = dealt_penumbra(2, 3);
    let (id, kp) = ours.iter().next().unwrap();
    group.bench_function("round1_commit/hoarfrost", |b| {
        b.iter(|| frost_core::round1::commit(kp.signing_share(), &mut rng()))
    });
    group.bench_function("round1_commit/decaf377-frost", |b| {
        b.iter(|| penumbra::round1::commit(theirs[0].secret_share(), &mut rng()))
    });
    // Round 2: one share, with the commitments of two signers.
    let mut r = rng();
    let signers: Vec<_> = ours.iter().take(2).collect();
    let committed: Vec<_> = signers
        .iter()
        .map(|(_, kp)| frost_core::round1::commit(kp.signing_share(), &mut r))
        .collect();
    let commitments: BTreeMap<_, _> = signers
        .iter()
        .zip(&committed)
        .map(|((id, _), (_, c))| (**id, *c))
        .collect();
    let package = frost_core::SigningPackage::new(commitments, MESSAGE);
    group.bench_function("round2_sign/hoarfrost", |b| {
        b.iter(|| frost_core::round2::sign(&package, &committed[0].0, signers[0].1).unwrap())
    });
    let _ = id;
    let their_committed: Vec<_> = theirs
        .iter()
        .take(2)
        .map(|kp| penumbra::round1::commit(kp.secret_share(), &mut r))
        .collect();
    let their_commitments: BTreeMap<_, _> = theirs
        .iter()
        .take(2)
        .zip(&their_committed)
        .map(|(kp, (_, c))| (*kp.identifier(), c.clone()))
        .collect();
    let their_package = penumbra::SigningPackage::new(their_commitments, MESSAGE);
    group.bench_function("round2_sign/decaf377-frost", |b| {
        b.iter(|| {
            penumbra::round2::sign(&their_package, &their_committed[0].0, &theirs[0]).unwrap()
        })
    });
    group.finish();
}

fn aggregation(c: &mut Criterion) {
    let mut group = c.benchmark_group("aggregate_with_verification");
    group.sample_size(20);
    for t in [2u16, 5, 10, 20, 50] {
        let mut r = rng();
        let (ours, public) = dealt(t, t);
        let committed: BTreeMap<_, _> = ours
            .iter()
            .map(|(id, kp)| (*id, frost_core::round1::commit(kp.signing_share(), &mut r)))
            .collect();
        let package = frost_core::SigningPackage::new(
            committed.iter().map(|(id, (_, c))| (*id, *c)).collect(),
            MESSAGE,
        );
        let shares: BTreeMap<_, _> = ours
            .iter()
            .map(|(id, kp)| {
                (
                    *id,
                    frost_core::round2::sign(&package, &committed[id].0, kp).unwrap(),
                )
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("hoarfrost", t), &t, |b, _| {
            b.iter(|| {
                frost_core::aggregate_custom(
                    &package,
                    &shares,
                    &public,
                    frost_core::CheaterDetection::AllCheaters,
                )
                .unwrap()
            })
        });
        let (theirs, their_public) = dealt_penumbra(t, t);
        let their_committed: Vec<_> = theirs
            .iter()
            .map(|kp| penumbra::round1::commit(kp.secret_share(), &mut r))
            .collect();
        let their_package = penumbra::SigningPackage::new(
            theirs
                .iter()
                .zip(&their_committed)
                .map(|(kp, (_, c))| (*kp.identifier(), c.clone()))
                .collect(),
            MESSAGE,
        );
        let their_shares: HashMap<_, _> = theirs
            .iter()
            .zip(&their_committed)
            .map(|(kp, (n, _))| {
                (
                    *kp.identifier(),
                    penumbra::round2::sign(&their_package, n, kp).unwrap(),
                )
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("decaf377-frost", t), &t, |b, _| {
            b.iter(|| penumbra::aggregate(&their_package, &their_shares, &their_public).unwrap())
        });
    }
    group.finish();
}

/// A follower's round-2 work for a transaction with k spends: k randomized shares.
fn transaction(c: &mut Criterion) {
    let mut group = c.benchmark_group("transaction_follower_round2");
    for k in [1usize, 4, 16] {
        let (ours, _) = dealt(2, 3);
        let signers: Vec<_> = ours.iter().take(2).collect();
        let mut r = rng();
        let randomizers: Vec<decaf377::Fr> = (0..k).map(|_| decaf377::Fr::rand(&mut r)).collect();
        let rounds: Vec<_> = (0..k)
            .map(|_| {
                let committed: Vec<_> = signers
                    .iter()
                    .map(|(_, kp)| frost_core::round1::commit(kp.signing_share(), &mut r))
                    .collect();
                let package = frost_core::SigningPackage::new(
                    signers
                        .iter()
                        .zip(&committed)
                        .map(|((id, _), (_, c))| (**id, *c))
                        .collect(),
                    MESSAGE,
                );
                (committed[0].0.clone(), package)
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("hoarfrost", k), &k, |b, _| {
            b.iter(|| {
                for ((nonces, package), alpha) in rounds.iter().zip(&randomizers) {
                    #[allow(deprecated)]
                    frost_rerandomized::sign(
                        package,
                        nonces,
                        signers[0].1,
                        frost_rerandomized::Randomizer::from_scalar(*alpha),
                    )
                    .unwrap();
                }
            })
        });
        let (theirs, _) = dealt_penumbra(2, 3);
        let their_rounds: Vec<_> = (0..k)
            .map(|_| {
                let committed: Vec<_> = theirs
                    .iter()
                    .take(2)
                    .map(|kp| penumbra::round1::commit(kp.secret_share(), &mut r))
                    .collect();
                let package = penumbra::SigningPackage::new(
                    theirs
                        .iter()
                        .take(2)
                        .zip(&committed)
                        .map(|(kp, (_, c))| (*kp.identifier(), c.clone()))
                        .collect(),
                    MESSAGE,
                );
                (committed[0].0.clone(), package)
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("decaf377-frost", k), &k, |b, _| {
            b.iter(|| {
                for ((nonces, package), alpha) in their_rounds.iter().zip(&randomizers) {
                    penumbra::round2::sign_randomized(package, nonces, &theirs[0], *alpha).unwrap();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, dkg, follower, aggregation, transaction);
criterion_main!(benches);
