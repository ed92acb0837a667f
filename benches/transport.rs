//! Transport: for every message kind of a 2-of-3 and a 5-of-7 ceremony, its size as pcli JSON,
//! as proto and as UR text; then, for a 2-of-3 ceremony (signing over tests/data/plan.json, and
//! a DKG, with a relay's bundle of round 1) at 80x24 and 120x40, the QR frames each message
//! takes and the time to carry it at 4 frames a second with 0%, 20% and 40% of frames lost,
//! measured by running the collector on seeded random loss, and the fountain overhead (parts
//! received / fragment count) at 20% loss. Then the time to encode a message into QR frames,
//! to decode its parts and to refuse a hostile part.
//! Run: cargo bench --bench transport

use criterion::{criterion_group, criterion_main, Criterion};
use hoarfrost::dkg::Dkg;
use hoarfrost::keys::deal;
use hoarfrost::messages::AnyMessage;
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{modules, plan_bundle, plan_payload, version_for};
use hoarfrost::transport::ur::{Received, UrParts};
use hoarfrost::transport::ur_collector;
use hoarfrost::tui::QR_PANEL;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::{ChaCha20Rng, ChaCha8Rng};

/// Every message kind of a t-of-n ceremony: a transaction signing (the largest request) and a
/// DKG, whose round-1 messages come last.
fn messages(t: u16, n: u16) -> (Vec<AnyMessage>, Vec<AnyMessage>) {
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
    let kinds = vec![
        AnyMessage::CoordinatorRound1(round1),
        AnyMessage::FollowerRound1(f1.unwrap()),
        AnyMessage::CoordinatorRound2(c2),
        AnyMessage::FollowerRound2(f2),
        AnyMessage::DkgRound1(dkgs[0].1.clone()),
        AnyMessage::DkgRound2(d2),
    ];
    let round1 = dkgs
        .into_iter()
        .map(|(_, m)| AnyMessage::DkgRound1(m))
        .collect();
    (kinds, round1)
}

/// The largest QR version beside the side panel of a `cols` x `rows` terminal.
fn version(cols: u16, rows: u16) -> u8 {
    version_for(cols - QR_PANEL, rows).unwrap()
}

fn plan_of(m: &AnyMessage, max: u8) -> (u8, UrParts) {
    let payload = m.to_payload();
    plan_payload(&payload.bytes, &payload.ur_type, max).unwrap()
}

/// Frames shown until the message completes, and parts received, when each frame is lost with
/// probability `loss` (frames are shown from the first, in order).
fn trial(frames: &[String], loss: f64, rng: &mut ChaCha8Rng) -> (usize, usize) {
    let mut collector = ur_collector();
    let mut received = 0;
    for (shown, frame) in frames.iter().cycle().enumerate() {
        if (rng.next_u32() as f64) < loss * 4_294_967_296.0 {
            continue;
        }
        received += 1;
        if let Received::Complete(_) = collector.receive(frame).unwrap() {
            return (shown + 1, received);
        }
    }
    unreachable!("an endless stream")
}

const TRIALS: u64 = 2000;
const FPS: f64 = 4.0;

/// Mean frames shown and mean parts received / fragment count, over seeded trials.
fn simulate(parts: &mut UrParts, loss: f64) -> (f64, f64) {
    let n = parts.fragment_count();
    // A single code is shown until it is read; a stream never repeats a part.
    let frames: Vec<String> = (0..if n == 1 { 1 } else { 20 * n + 40 })
        .map(|i| parts.part(i).to_string())
        .collect();
    let (mut shown, mut received) = (0, 0);
    for seed in 0..TRIALS {
        let (s, r) = trial(&frames, loss, &mut ChaCha8Rng::seed_from_u64(seed));
        shown += s;
        received += r;
    }
    let trials = TRIALS as f64;
    (shown as f64 / trials, received as f64 / trials / n as f64)
}

fn sizes() {
    println!();
    println!("| ceremony | message | JSON bytes | proto bytes | UR chars | QR frames 80x24 | QR frames 120x40 |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (t, n) in [(2u16, 3u16), (5, 7)] {
        for m in messages(t, n).0 {
            let (v80, mut p80) = plan_of(&m, version(80, 24));
            let (v120, p120) = plan_of(&m, version(120, 40));
            let ur: usize = (0..p80.fragment_count()).map(|i| p80.part(i).len()).sum();
            println!(
                "| {t}-of-{n} | {} | {} | {} | {ur} | {} (v{v80}) | {} (v{v120}) |",
                m.kind(),
                m.to_json().len(),
                m.to_bytes().len(),
                p80.fragment_count(),
                p120.fragment_count(),
            );
        }
    }
    println!();
}

fn transfer_times() {
    let (kinds, round1) = messages(2, 3);
    println!("| message | terminal | frames | 0% lost | 20% lost | 40% lost | overhead at 20% |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut overheads = Vec::new();
    for (cols, rows) in [(80u16, 24u16), (120, 40)] {
        let max = version(cols, rows);
        let bundle: Vec<_> = round1.iter().map(AnyMessage::to_payload).collect();
        let mut plans: Vec<(String, UrParts)> = kinds
            .iter()
            .map(|m| (m.kind().to_string(), plan_of(m, max).1))
            .collect();
        plans.push((
            "bundle of 3 DKGRound1".into(),
            plan_bundle(&bundle, max).unwrap().1,
        ));
        for (name, mut parts) in plans {
            let n = parts.fragment_count();
            let times: Vec<String> = [0.0, 0.2, 0.4]
                .iter()
                .map(|loss| format!("{:.1} s", simulate(&mut parts, *loss).0 / FPS))
                .collect();
            let overhead = simulate(&mut parts, 0.2).1;
            if n > 1 {
                overheads.push(overhead);
            }
            println!(
                "| {name} | {cols}x{rows} (v{max}) | {n} | {} | {:.3} |",
                times.join(" | "),
                overhead
            );
        }
    }
    println!();
    println!(
        "Mean fountain overhead at 20% loss over the multi-part rows: {:.3} ({TRIALS} trials each)",
        overheads.iter().sum::<f64>() / overheads.len() as f64
    );
    println!();
}

fn transport(c: &mut Criterion) {
    sizes();
    transfer_times();
    let m = messages(2, 3).0.remove(0);
    c.bench_function("encode_coordinator_round1_to_qr_frames_80x24", |b| {
        b.iter(|| {
            let (version, mut parts) = plan_of(&m, version(80, 24));
            for i in 0..parts.fragment_count() {
                modules(parts.part(i), version).unwrap();
            }
        })
    });
    let (_, mut parts) = plan_of(&m, version(80, 24));
    let n = parts.fragment_count();
    // Every other frame lost: the collector rebuilds the message from fragments and mixes.
    let frames: Vec<String> = (0..4 * n)
        .filter(|i| i % 2 == 0)
        .map(|i| parts.part(i).to_string())
        .collect();
    c.bench_function(
        "collect_coordinator_round1_80x24_half_the_frames_lost",
        |b| {
            b.iter(|| {
                let mut collector = ur_collector();
                frames
                    .iter()
                    .find(|f| matches!(collector.receive(f), Ok(Received::Complete(_))))
                    .expect("completes");
            })
        },
    );
    let attack: serde_json::Value =
        serde_json::from_str(include_str!("../tests/data/ur/vectors.json")).unwrap();
    let attack = attack["hostile"]["parts"][0]["part"].as_str().unwrap();
    c.bench_function("refuse_a_part_claiming_4294967294_parts", |b| {
        b.iter(|| ur_collector().receive(attack).unwrap_err())
    });
}

criterion_group!(benches, transport);
criterion_main!(benches);
