//! Transport: for every message kind of a 2-of-3 and a 5-of-7 ceremony, its size as pcli JSON,
//! as proto and as UR text, and how many QR frames it takes at 80x24 and 120x40 (printed as
//! a table), and the time to encode a message into QR frames.
//! Run: cargo bench --bench transport

use criterion::{criterion_group, criterion_main, Criterion};
use hoarfrost::dkg::Dkg;
use hoarfrost::keys::deal;
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{modules, plan_payload, version_for};

use hoarfrost::messages::AnyMessage;
use hoarfrost::tui::QR_PANEL;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Every message kind of a t-of-n ceremony: a transaction signing (the largest request) and a
/// DKG.
fn messages(t: u16, n: u16) -> Vec<AnyMessage> {
    let mut r = ChaCha20Rng::seed_from_u64(u64::from(n));
    let shares = deal(&mut r, t, n).unwrap();
    let plan = serde_json::from_str(include_str!("../tests/data/plan.json")).unwrap();
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        SigningRequest::Transaction(plan),
        None,
    )
    .unwrap();
    let mut followers: Vec<Follower> = shares[1..usize::from(t)]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    let mut f1 = None;
    for f in &mut followers {
        let reply = f.approve(&mut r).unwrap();
        c.accept_round1(reply.clone()).unwrap();
        f1.get_or_insert(reply);
    }
    let c2 = c.start_round2(&mut r).unwrap();
    let f2 = followers[0].sign(c2.clone()).unwrap();
    let mut dkgs: Vec<(Dkg, hoarfrost::dkg::DkgRound1)> =
        (0..n).map(|_| Dkg::new(t, n, &mut r).unwrap()).collect();
    let others: Vec<_> = dkgs[1..].iter().map(|(_, m)| m.clone()).collect();
    for m in others {
        dkgs[0].0.accept_round1(m).unwrap();
    }
    let d2 = dkgs[0].0.start_round2(&mut r).unwrap();
    vec![
        AnyMessage::CoordinatorRound1(round1),
        AnyMessage::FollowerRound1(f1.unwrap()),
        AnyMessage::CoordinatorRound2(c2),
        AnyMessage::FollowerRound2(f2),
        AnyMessage::DkgRound1(dkgs[0].1.clone()),
        AnyMessage::DkgRound2(d2),
    ]
}

fn frames_at(m: &AnyMessage, cols: u16, rows: u16) -> (u8, usize, usize) {
    let max = version_for(cols - QR_PANEL, rows).unwrap();
    let (version, mut parts) = plan_payload(&m.to_bytes(), m.kind().ur_type(), max);
    let n = parts.fragment_count();
    let ur_len: usize = (0..n).map(|i| parts.part(i).len()).sum();
    (version, n, ur_len)
}

fn report() {
    println!();
    println!("| ceremony | message | JSON bytes | proto bytes | UR chars | QR frames 80x24 (version) | QR frames 120x40 (version) |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (t, n) in [(2u16, 3u16), (5, 7)] {
        for m in messages(t, n) {
            let (v80, f80, ur) = frames_at(&m, 80, 24);
            let (v120, f120, _) = frames_at(&m, 120, 40);
            println!(
                "| {t}-of-{n} | {} | {} | {} | {} | {f80} (v{v80}) | {f120} (v{v120}) |",
                m.kind(),
                m.to_json().len(),
                m.to_bytes().len(),
                ur
            );
        }
    }
    println!();
}

fn encode(c: &mut Criterion) {
    report();
    let m = messages(2, 3).remove(0);
    c.bench_function("encode_coordinator_round1_to_qr_frames_80x24", |b| {
        b.iter(|| {
            let max = version_for(80 - QR_PANEL, 24).unwrap();
            let (version, mut parts) = plan_payload(&m.to_bytes(), m.kind().ur_type(), max);
            for i in 0..parts.fragment_count() {
                modules(parts.part(i), version).unwrap();
            }
        })
    });
}

criterion_group!(benches, encode);
criterion_main!(benches);
