//! Hostile input. Real messages of every kind (pcli's, and hoarfrost's refresh and repair
//! messages in their JSON envelope), made by the engines, are mutated field by field
//! (missing, truncated, oversized, non-canonical scalars, the field moduli, identity points,
//! huge repeated counts, control characters...) and fed to every decoder, as JSON and as proto
//! bytes; the binary in line mode is fed a bad message, binary garbage and a 50 MB line. Nothing
//! may panic, hang or end a ceremony, and every refusal is one short line naming the field.

mod common;

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::process::*;
use common::*;
use decaf377::{Fq, Fr};
use hoarfrost::dkg::{Dkg, DkgRound1, DkgRound2};
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::{
    AnyMessage, Codec, CoordinatorRound1, CoordinatorRound2, DecodeError, FollowerRound1,
    FollowerRound2, MessageKind,
};
use hoarfrost::refresh::{RefreshRound1, RefreshRound2};
use hoarfrost::repair::{RepairRequest, RepairRound1, RepairRound2, RepairRound3};
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower};
use penumbra_sdk_proto::custody::threshold::v1 as pb;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Valid messages of every kind, made by the engines for one dealt key.
struct Samples {
    shares: Vec<KeyShare>,
    messages: Vec<(MessageKind, &'static str, Value)>,
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let shares = dealt(2, 3, 5);
        let mut r = rng(6);
        let plan = every_action_plan(shares[0].group().fvk(), 7);
        let coordinate = |request| {
            Coordinator::new(
                shares[0].group().clone(),
                Some(shares[0].clone()),
                request,
                None,
            )
            .unwrap()
        };
        let (mut coordinator, plan_round1) = coordinate(SigningRequest::Transaction(plan));
        let (_, definition_round1) = coordinate(definition_request(&shares[0], 2));
        let (_, vote_round1) = coordinate(vote_request(&shares[0], 3));
        let mut follower = Follower::new(shares[1].clone(), plan_round1.clone()).unwrap();
        let reply1 = follower.approve(&mut r).unwrap();
        coordinator.accept_round1(reply1.clone()).unwrap();
        let round2 = coordinator.start_round2(&mut r).unwrap();
        let reply2 = follower.sign(round2.clone()).unwrap();
        let (mut dkg, dkg1) = Dkg::new(2, 3, &mut r).unwrap();
        for _ in 0..2 {
            let (_, other) = Dkg::new(2, 3, &mut r).unwrap();
            dkg.accept_round1(other).unwrap();
        }
        let dkg2 = dkg.start_round2(&mut r).unwrap();
        let value = |json: String| serde_json::from_str::<Value>(&json).unwrap();
        let messages = vec![
            (
                MessageKind::CoordinatorRound1,
                "plan",
                value(plan_round1.to_json()),
            ),
            (
                MessageKind::CoordinatorRound1,
                "definition",
                value(definition_round1.to_json()),
            ),
            (
                MessageKind::CoordinatorRound1,
                "vote",
                value(vote_round1.to_json()),
            ),
            (MessageKind::FollowerRound1, "", value(reply1.to_json())),
            (MessageKind::CoordinatorRound2, "", value(round2.to_json())),
            (MessageKind::FollowerRound2, "", value(reply2.to_json())),
            (MessageKind::DkgRound1, "", value(dkg1.to_json())),
            (MessageKind::DkgRound2, "", value(dkg2.to_json())),
        ];
        let mut messages = messages;
        messages.extend(
            custody_samples(8)
                .into_iter()
                .map(|m| (m.kind(), "", value(m.to_json()))),
        );
        Samples { shares, messages }
    })
}

/// The decaf377 group order r (Fr's modulus) and Fq's modulus q, little-endian: the smallest
/// non-canonical encodings.
fn modulus_of(minus_one: [u8; 32]) -> Vec<u8> {
    let mut bytes = minus_one;
    for b in bytes.iter_mut() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
    bytes.to_vec()
}

fn fr_modulus() -> Vec<u8> {
    modulus_of((Fr::from(0u64) - Fr::from(1u64)).to_bytes())
}

fn fq_modulus() -> Vec<u8> {
    modulus_of((Fq::from(0u64) - Fq::from(1u64)).to_bytes())
}

/// One step of a path into a JSON value.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Every node below the root, by path.
fn all_paths(value: &Value) -> Vec<Vec<Seg>> {
    fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(Seg::Key(k.clone()));
                    out.push(path.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    out.push(path.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn node_mut<'a>(value: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(value, |v, seg| match seg {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

/// Replaces the node at `path` (None removes it).
fn apply(value: &mut Value, path: &[Seg], replacement: Option<Value>) {
    let (last, parent) = path.split_last().expect("not the root");
    let parent = node_mut(value, parent);
    match (last, replacement) {
        (Seg::Key(k), None) => {
            parent.as_object_mut().unwrap().remove(k);
        }
        (Seg::Index(i), None) => {
            parent.as_array_mut().unwrap().remove(*i);
        }
        (Seg::Key(k), Some(v)) => parent[k.as_str()] = v,
        (Seg::Index(i), Some(v)) => parent[*i] = v,
    }
}

fn b64(bytes: &[u8]) -> Option<Value> {
    Some(Value::String(STANDARD.encode(bytes)))
}

/// The hostile replacements for a node, by name. pcli's JSON writes bytes as base64, 64-bit
/// numbers as decimal strings, and enums as names.
fn replacements(node: &Value) -> Vec<(&'static str, Option<Value>)> {
    let mut out = vec![("missing", None)];
    match node {
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            out.extend([
                ("max u64", Some(json!("18446744073709551615"))),
                ("zero", Some(json!("0"))),
            ]);
        }
        Value::String(s) => match STANDARD.decode(s) {
            Ok(bytes) if !bytes.is_empty() => {
                let mut longer = bytes.clone();
                longer.push(0);
                out.extend([
                    ("empty bytes", b64(&[])),
                    ("truncated", b64(&bytes[..bytes.len() - 1])),
                    ("one byte more", b64(&longer)),
                    ("all 0xFF", b64(&[0xFF; 32])),
                    ("the group order r", b64(&fr_modulus())),
                    ("the field modulus q", b64(&fq_modulus())),
                    ("zero (the identity point)", b64(&[0; 32])),
                    ("oversized", b64(&[0x5A; 100_000])),
                ]);
            }
            _ => out.extend([
                ("control characters", Some(json!("\u{1b}[2J\u{7}\r\n"))),
                ("long text", Some(Value::String("x".repeat(100_000)))),
                ("empty text", Some(json!(""))),
            ]),
        },
        Value::Number(_) => out.extend([
            ("zero", Some(json!(0))),
            ("u32 max", Some(json!(u32::MAX))),
            ("negative", Some(json!(-1))),
        ]),
        Value::Bool(b) => out.push(("flipped", Some(json!(!b)))),
        Value::Array(items) => {
            let mut doubled = items.clone();
            doubled.extend(items.iter().cloned());
            out.extend([
                ("empty list", Some(json!([]))),
                ("every item twice", Some(Value::Array(doubled))),
            ]);
            if let Some(first) = items.first() {
                out.push((
                    "a huge count",
                    Some(Value::Array(vec![first.clone(); 1000])),
                ));
            }
        }
        Value::Object(_) => out.push(("empty object", Some(json!({})))),
        Value::Null => {}
    }
    out
}

fn decode_typed(kind: MessageKind, text: &str) -> Result<AnyMessage, DecodeError> {
    Ok(match kind {
        MessageKind::CoordinatorRound1 => {
            AnyMessage::CoordinatorRound1(CoordinatorRound1::from_json(text)?)
        }
        MessageKind::FollowerRound1 => AnyMessage::FollowerRound1(FollowerRound1::from_json(text)?),
        MessageKind::CoordinatorRound2 => {
            AnyMessage::CoordinatorRound2(CoordinatorRound2::from_json(text)?)
        }
        MessageKind::FollowerRound2 => AnyMessage::FollowerRound2(FollowerRound2::from_json(text)?),
        MessageKind::DkgRound1 => AnyMessage::DkgRound1(DkgRound1::from_json(text)?),
        MessageKind::DkgRound2 => AnyMessage::DkgRound2(DkgRound2::from_json(text)?),
        MessageKind::RefreshRound1 => AnyMessage::RefreshRound1(RefreshRound1::from_json(text)?),
        MessageKind::RefreshRound2 => AnyMessage::RefreshRound2(RefreshRound2::from_json(text)?),
        MessageKind::RepairRequest => AnyMessage::RepairRequest(RepairRequest::from_json(text)?),
        MessageKind::RepairRound1 => AnyMessage::RepairRound1(RepairRound1::from_json(text)?),
        MessageKind::RepairRound2 => AnyMessage::RepairRound2(RepairRound2::from_json(text)?),
        MessageKind::RepairRound3 => AnyMessage::RepairRound3(RepairRound3::from_json(text)?),
    })
}

/// The proto bytes of JSON that pbjson accepts as the proto of `kind` (inside its envelope,
/// for a kind that has one).
fn proto_bytes(kind: MessageKind, value: &Value) -> Option<Vec<u8>> {
    fn encode<P: prost::Message + serde::de::DeserializeOwned>(v: &Value) -> Option<Vec<u8>> {
        serde_json::from_value::<P>(v.clone())
            .ok()
            .map(|p| p.encode_to_vec())
    }
    use hoarfrost::custody::proto as custody;
    let content = kind.envelope().map(|field| value.get(field));
    if let Some(content) = content {
        let content = content?;
        return match kind {
            MessageKind::RefreshRound1 => encode::<custody::RefreshRound1>(content),
            MessageKind::RefreshRound2 => encode::<custody::RefreshRound2>(content),
            MessageKind::RepairRequest => encode::<custody::RepairRequest>(content),
            MessageKind::RepairRound1 => encode::<custody::RepairRound1>(content),
            MessageKind::RepairRound2 => encode::<custody::RepairRound2>(content),
            _ => encode::<custody::RepairRound3>(content),
        };
    }
    match kind {
        MessageKind::CoordinatorRound1 => encode::<pb::CoordinatorRound1>(value),
        MessageKind::FollowerRound1 => encode::<pb::FollowerRound1>(value),
        MessageKind::CoordinatorRound2 => encode::<pb::CoordinatorRound2>(value),
        MessageKind::FollowerRound2 => encode::<pb::FollowerRound2>(value),
        MessageKind::DkgRound1 => encode::<pb::DkgRound1>(value),
        MessageKind::DkgRound2 => encode::<pb::DkgRound2>(value),
        _ => None,
    }
}

/// A mutated path as the decoders name fields: inside the envelope, for a kind that has one.
fn field_path(kind: MessageKind, path: &[Seg]) -> String {
    let inside = usize::from(kind.envelope().is_some()).min(path.len());
    path_text(&path[inside..])
}

/// Whether one field path lies inside the other (or they are equal).
fn related(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner == outer
            || inner.starts_with(&format!("{outer}."))
            || inner.starts_with(&format!("{outer}["))
    };
    // `request` is the oneof that holds a CoordinatorRound1's plan, definition or vote.
    let request = |x: &str| {
        ["plan", "validatorDefinition", "validatorVote"]
            .iter()
            .any(|top| inside(top, x))
    };
    inside(a, b) || inside(b, a) || (a == "request" && request(b))
}

/// `a.b[3].c` as `a.b[].c`.
fn without_indices(path: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => {
                in_index = false;
                out.push_str("[]");
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// A refusal: one short line; never a contained panic (that would mean a check is missing); a
/// field refusal names the mutated field, a field inside it, or one that holds it (any field
/// when `mutated` is empty: damage to the bytes, where no field is known).
fn check_refusal(e: &DecodeError, mutated: &str, case: &str) {
    let text = e.to_string();
    assert!(
        !text.contains(['\n', '\r', '\u{1b}']) && text.chars().count() <= 600,
        "{case}: not one short line: {text}"
    );
    match e {
        DecodeError::Panicked { .. } => {
            panic!("{case}: a dependency panicked, a check is missing: {text}")
        }
        DecodeError::Field { field, .. } => assert!(
            mutated.is_empty() || field == "JSON" || field == "proto" || related(field, mutated),
            "{case}: the refusal names {field}, not {mutated}: {text}"
        ),
        _ => {}
    }
}

/// Feeds mutated JSON to every decoder; an accepted signing request goes on to a follower and
/// its review, where Penumbra computes the effect hash.
fn check_everywhere(kind: MessageKind, mutated: &Value, path: &str, case: &str) {
    let text = serde_json::to_string(mutated).unwrap();
    let typed = decode_typed(kind, &text);
    let any = AnyMessage::from_json(&text);
    for result in [&typed, &any] {
        if let Err(e) = result {
            check_refusal(e, path, case);
        }
    }
    assert_eq!(typed.is_ok(), any.is_ok(), "{case}: the decoders disagree");
    if let Some(bytes) = proto_bytes(kind, mutated) {
        let from_bytes = AnyMessage::from_bytes(kind, &bytes);
        if let Err(e) = &from_bytes {
            check_refusal(e, path, case);
        }
        // JSON carries no type tag: a mutation can make it unrecognisable, where the proto
        // bytes, whose kind travels beside them, still decode.
        let unrecognised = matches!(
            typed,
            Err(DecodeError::UnknownKind | DecodeError::WrongKind { .. })
        );
        assert!(
            unrecognised || from_bytes.is_ok() == typed.is_ok(),
            "{case}: JSON and proto bytes disagree: {:?} / {:?}",
            typed.as_ref().err(),
            from_bytes.as_ref().err()
        );
    }
    for other in MessageKind::ALL.iter().copied().filter(|k| *k != kind) {
        if let Err(e) = decode_typed(other, &text) {
            let said = e.to_string();
            assert!(
                !said.contains('\n') && said.chars().count() <= 600,
                "{case}: {said}"
            );
        }
    }
    if let Ok(AnyMessage::CoordinatorRound1(round1)) = typed {
        follow_through(round1, case);
    }
}

fn follow_through(round1: CoordinatorRound1, case: &str) {
    let share = &samples().shares[1];
    let _ = hoarfrost::review::describe(&round1.request, share.group().fvk());
    match Follower::new(share.clone(), round1) {
        Ok(f) => {
            let _ = f.signed_bytes();
        }
        Err(e) => assert!(
            !e.to_string().contains("panicked"),
            "{case}: a dependency panicked after decoding: {e}"
        ),
    }
}

/// Every field of one sample, every replacement.
fn sweep(which: usize) {
    let (kind, what, sample) = &samples().messages[which];
    let paths = all_paths(sample);
    let mut cases = 0;
    for path in &paths {
        let node = node_mut(&mut sample.clone(), path).clone();
        for (name, replacement) in replacements(&node) {
            let mut mutated = sample.clone();
            apply(&mut mutated, path, replacement);
            let at = field_path(*kind, path);
            check_everywhere(*kind, &mutated, &at, &format!("{kind} {what} {at}: {name}"));
            cases += 1;
        }
    }
    assert!(cases > paths.len(), "{kind} {what}: {cases} cases");
}

#[test]
fn every_field_of_a_plan_request_mutated() {
    sweep(0);
}

#[test]
fn every_field_of_a_definition_request_mutated() {
    sweep(1);
}

#[test]
fn every_field_of_a_vote_request_mutated() {
    sweep(2);
}

#[test]
fn every_field_of_the_other_messages_mutated() {
    for which in 3..samples().messages.len() {
        sweep(which);
    }
}

/// Proto bytes cut at every length: the decoder refuses each in one line or accepts a prefix
/// that is itself a valid message, and never panics.
#[test]
fn proto_bytes_truncated_everywhere() {
    for (kind, what, sample) in &samples().messages {
        let bytes = proto_bytes(*kind, sample).unwrap();
        assert!(AnyMessage::from_bytes(*kind, &bytes).is_ok());
        for cut in 0..bytes.len() {
            if let Err(e) = AnyMessage::from_bytes(*kind, &bytes[..cut]) {
                check_refusal(&e, "", &format!("{kind} {what} cut at {cut}"));
            }
        }
    }
}

/// Cases per property: 64 by default; PROPTEST_CASES for a longer run.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    /// Several mutations at once, anywhere, with random bytes where bytes go.
    #[test]
    fn random_mutations_anywhere(
        which in 0..samples().messages.len(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..4),
        noise in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        let (kind, what, sample) = &samples().messages[which];
        let mut mutated = sample.clone();
        let mut touched = Vec::new();
        for (at, how) in picks {
            let paths = all_paths(&mutated);
            if paths.is_empty() {
                break;
            }
            let path = at.get(&paths).clone();
            let node = node_mut(&mut mutated, &path).clone();
            let mut options = replacements(&node);
            if matches!(node, Value::String(_)) {
                options.push(("random bytes", b64(&noise)));
            }
            let (_, replacement) = how.get(&options).clone();
            apply(&mut mutated, &path, replacement);
            touched.push(field_path(*kind, &path));
        }
        // With several mutations the refusal may name any of them, and a removed list item
        // shifts the indices of the ones after it: compare without indices.
        let text = serde_json::to_string(&mutated).unwrap();
        let case = format!("{kind} {what} {touched:?}");
        for result in [decode_typed(*kind, &text), AnyMessage::from_json(&text)] {
            match result {
                Err(DecodeError::Field { field, .. })
                    if !(field == "JSON"
                        || touched.iter().any(|t| t.is_empty() || related(&without_indices(&field), &without_indices(t)))) =>
                {
                    prop_assert!(false, "{case}: the refusal names {field}");
                }
                Err(e) => check_refusal(&e, "", &case),
                Ok(AnyMessage::CoordinatorRound1(round1)) => follow_through(round1, &case),
                Ok(_) => {}
            }
        }
    }

    /// Proto bytes with random bytes overwritten, inserted or cut.
    #[test]
    fn random_proto_bytes_damage(
        which in 0..samples().messages.len(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        noise in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let (kind, what, sample) = &samples().messages[which];
        let mut bytes = proto_bytes(*kind, sample).unwrap();
        let start = at.index(bytes.len());
        let end = (start + cut).min(bytes.len());
        bytes.splice(start..end, noise);
        let case = format!("{kind} {what} bytes {start}..{end}");
        match AnyMessage::from_bytes(*kind, &bytes) {
            Err(e) => check_refusal(&e, "", &case),
            Ok(AnyMessage::CoordinatorRound1(round1)) => follow_through(round1, &case),
            Ok(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The panics found in Penumbra's conversions and effect hashes, one test each: the refusal
// names the field, and where it matters Penumbra alone is shown to panic on the same input.

use penumbra_sdk_proto::core::asset::v1 as asset_pb;
use penumbra_sdk_proto::core::transaction::v1 as tx_pb;
use penumbra_sdk_proto::core::transaction::v1::action_plan::Action;
use penumbra_sdk_transaction::TransactionPlan;

fn round1_json(plan: tx_pb::TransactionPlan) -> String {
    serde_json::to_string(&pb::CoordinatorRound1 {
        request: Some(pb::coordinator_round1::Request::Plan(plan)),
    })
    .unwrap()
}

/// The every-action plan with its first action that `edit` accepts changed: that action's
/// index and the plan.
fn plan_with(mut edit: impl FnMut(&mut Action) -> bool) -> (usize, tx_pb::TransactionPlan) {
    let mut plan: tx_pb::TransactionPlan =
        every_action_plan(samples().shares[0].group().fvk(), 7).into();
    let index = plan
        .actions
        .iter_mut()
        .position(|a| edit(a.action.as_mut().unwrap()))
        .expect("the plan has such an action");
    (index, plan)
}

fn amount(v: u128) -> Option<penumbra_sdk_proto::core::num::v1::Amount> {
    Some(penumbra_sdk_num::Amount::from(v).into())
}

fn value(v: u128, asset_id: penumbra_sdk_asset::asset::Id) -> Option<asset_pb::Value> {
    Some(
        penumbra_sdk_asset::Value {
            amount: v.into(),
            asset_id,
        }
        .into(),
    )
}

/// The refusal of a plan request, the same from JSON and from proto bytes.
fn refusal_of(plan: tx_pb::TransactionPlan) -> String {
    let json = round1_json(plan);
    let from_json = CoordinatorRound1::from_json(&json).unwrap_err();
    let bytes = proto_bytes(
        MessageKind::CoordinatorRound1,
        &serde_json::from_str(&json).unwrap(),
    )
    .unwrap();
    let from_bytes = AnyMessage::from_bytes(MessageKind::CoordinatorRound1, &bytes).unwrap_err();
    assert_eq!(from_json, from_bytes);
    assert!(
        !matches!(from_json, DecodeError::Panicked { .. }),
        "{from_json}"
    );
    from_json.to_string()
}

/// Penumbra's own conversion and effect hash, without the checks: they panic (or accept what
/// they must not).
fn penumbra_alone_panics(plan: tx_pb::TransactionPlan) -> bool {
    let fvk = samples().shares[0].group().fvk().clone();
    std::panic::catch_unwind(move || {
        let plan = TransactionPlan::try_from(plan).map_err(|e| e.to_string())?;
        plan.effect_hash(&fvk).map_err(|e| e.to_string())
    })
    .is_err()
}

/// The scalar or base field element fields of a plan's actions, by JSON name.
fn scalar_field<'a>(a: &'a mut Action, action: &str, field: &str) -> Option<&'a mut Vec<u8>> {
    Some(match (a, action, field) {
        (Action::Spend(p), "spend", "randomizer") => &mut p.randomizer,
        (Action::Spend(p), "spend", "valueBlinding") => &mut p.value_blinding,
        (Action::Spend(p), "spend", "proofBlindingS") => &mut p.proof_blinding_s,
        (Action::Output(p), "output", "valueBlinding") => &mut p.value_blinding,
        (Action::Output(p), "output", "proofBlindingR") => &mut p.proof_blinding_r,
        (Action::Swap(p), "swap", "feeBlinding") => &mut p.fee_blinding,
        (Action::Swap(p), "swap", "proofBlindingS") => &mut p.proof_blinding_s,
        (Action::SwapClaim(p), "swapClaim", "proofBlindingR") => &mut p.proof_blinding_r,
        (Action::DelegatorVote(p), "delegatorVote", "randomizer") => &mut p.randomizer,
        (Action::DelegatorVote(p), "delegatorVote", "proofBlindingS") => &mut p.proof_blinding_s,
        (Action::UndelegateClaim(p), "undelegateClaim", "proofBlindingR") => {
            &mut p.proof_blinding_r
        }
        (
            Action::ActionLiquidityTournamentVote(p),
            "actionLiquidityTournamentVote",
            "randomizer",
        ) => &mut p.randomizer,
        _ => return None,
    })
}

#[test]
fn non_canonical_scalars_in_any_plan_are_refused_by_path() {
    let cases = [
        ("spend", "randomizer"),
        ("spend", "valueBlinding"),
        ("spend", "proofBlindingS"),
        ("output", "valueBlinding"),
        ("output", "proofBlindingR"),
        ("swap", "feeBlinding"),
        ("swap", "proofBlindingS"),
        ("swapClaim", "proofBlindingR"),
        ("delegatorVote", "randomizer"),
        ("delegatorVote", "proofBlindingS"),
        ("undelegateClaim", "proofBlindingR"),
        ("actionLiquidityTournamentVote", "randomizer"),
    ];
    for (action, field) in cases {
        let scalar = !field.starts_with("proofBlinding");
        for bad in [vec![0xFF; 32], fr_modulus(), fq_modulus()] {
            if !scalar && bad == fr_modulus() {
                continue; // below q: a canonical base field element
            }
            let (i, plan) = plan_with(|a| {
                scalar_field(a, action, field)
                    .map(|f| *f = bad.clone())
                    .is_some()
            });
            let said = refusal_of(plan.clone());
            let problem = if scalar {
                "not a canonical scalar"
            } else {
                "not a canonical field element"
            };
            let expected =
                format!("CoordinatorRound1: plan.actions[{i}].{action}.{field}: {problem}");
            assert!(said.starts_with(&expected), "{said}");
            // The liquidity tournament vote's own conversion already refuses (without a path).
            if action != "actionLiquidityTournamentVote" {
                assert!(penumbra_alone_panics(plan), "{action}.{field}");
            }
        }
    }
}

#[test]
fn an_output_to_an_address_that_no_key_has_is_refused() {
    // A transmission key that is a canonical field element but no curve point: Penumbra takes
    // the address, then panics when it encrypts the output's note to it (the effect hash).
    let not_a_point = (1u64..)
        .map(|s| Fq::from(s).to_bytes())
        .find(|b| decaf377::Encoding(*b).vartime_decompress().is_err())
        .unwrap();
    let text = penumbra_sdk_proto::serializers::bech32str::encode(
        &not_a_point,
        "tpenumbra",
        penumbra_sdk_proto::serializers::bech32str::Bech32,
    );
    let address: penumbra_sdk_keys::Address = text.parse().unwrap();
    let (i, plan) = plan_with(|a| match a {
        Action::Output(p) => {
            p.dest_address = Some(address.clone().into());
            true
        }
        _ => false,
    });
    let said = refusal_of(plan.clone());
    assert_eq!(
        said,
        format!(
            "CoordinatorRound1: plan.actions[{i}].output.destAddress: its transmission key is \
             not a valid decaf377 element: no key has this address"
        )
    );
    assert!(penumbra_alone_panics(plan));
}

#[test]
fn a_penalty_that_keeps_more_than_the_stake_is_refused() {
    let (i, plan) = plan_with(|a| match a {
        Action::UndelegateClaim(p) => {
            p.penalty = Some(penumbra_sdk_proto::core::component::stake::v1::Penalty {
                inner: vec![0xFF; 32],
            });
            p.unbonding_amount = amount(u128::MAX);
            true
        }
        _ => false,
    });
    let said = refusal_of(plan.clone());
    assert_eq!(
        said,
        format!("CoordinatorRound1: plan.actions[{i}].undelegateClaim.penalty: keeps more than 100% of the stake")
    );
    assert!(penumbra_alone_panics(plan));
}

#[test]
fn reserves_that_add_up_past_u128_are_refused() {
    let staking = *penumbra_sdk_asset::STAKING_TOKEN_ASSET_ID;
    let (i, plan) = plan_with(|a| match a {
        Action::PositionWithdraw(p) => {
            p.rewards = vec![value(u128::MAX, staking).unwrap()];
            true
        }
        _ => false,
    });
    let said = refusal_of(plan.clone());
    assert!(
        said.starts_with(&format!(
            "CoordinatorRound1: plan.actions[{i}].positionWithdraw: the amounts of asset"
        )),
        "{said}"
    );
    assert!(said.ends_with("add up to more than 2^128 - 1"), "{said}");
    assert!(penumbra_alone_panics(plan));

    let (i, plan) = plan_with(|a| match a {
        Action::ActionDutchAuctionWithdraw(p) => {
            p.reserves_input = value(u128::MAX, staking);
            p.reserves_output = value(1, staking);
            true
        }
        _ => false,
    });
    let said = refusal_of(plan.clone());
    assert!(
        said.starts_with(&format!(
            "CoordinatorRound1: plan.actions[{i}].actionDutchAuctionWithdraw: the amounts"
        )),
        "{said}"
    );
    assert!(penumbra_alone_panics(plan));
}

/// A community pool spend proposal carries the plan the pool would sign, as proto bytes that the
/// review decodes to show it: a bad scalar inside is refused at decoding, by its path.
#[test]
fn a_bad_scalar_in_a_proposal_s_nested_plan_is_refused_by_path() {
    use penumbra_sdk_proto::Message as _;
    let outer: tx_pb::TransactionPlan =
        every_action_plan(samples().shares[0].group().fvk(), 7).into();
    let mut spend = outer
        .actions
        .iter()
        .find(|a| matches!(a.action, Some(Action::Spend(_))))
        .unwrap()
        .clone();
    if let Some(Action::Spend(p)) = &mut spend.action {
        p.randomizer = vec![0xFF; 32];
    }
    let nested = tx_pb::TransactionPlan {
        actions: vec![spend],
        transaction_parameters: outer.transaction_parameters.clone(),
        ..Default::default()
    }
    .encode_to_vec();
    let alone = std::panic::catch_unwind(|| {
        <TransactionPlan as penumbra_sdk_proto::DomainType>::decode(nested.as_slice()).is_ok()
    });
    assert!(
        alone.is_err(),
        "Penumbra alone panics decoding the nested plan"
    );
    let (i, plan) = plan_with(|a| match a {
        Action::ProposalSubmit(p) => {
            let payload = p.proposal.as_mut().unwrap().payload.as_mut().unwrap();
            let penumbra_sdk_proto::core::component::governance::v1::proposal::Payload::CommunityPoolSpend(spend) = payload else {
                return false;
            };
            spend.transaction_plan.as_mut().unwrap().value = nested.clone().into();
            true
        }
        _ => false,
    });
    assert_eq!(
        refusal_of(plan),
        format!(
            "CoordinatorRound1: plan.actions[{i}].proposalSubmit.proposal.communityPoolSpend.\
             transactionPlan.value.actions[0].spend.randomizer: not a canonical scalar (its value \
             is not below the decaf377 group order)"
        )
    );
}

#[test]
fn ibc_relay_actions_are_refused_by_name() {
    let (i, plan) = plan_with(|a| {
        *a = Action::IbcRelayAction(
            serde_json::from_value(json!({"rawAction": {
                "typeUrl": "/ibc.core.client.v1.MsgCreateClient",
                "value": STANDARD.encode([0xFF; 8]),
            }}))
            .unwrap(),
        );
        true
    });
    assert_eq!(
        refusal_of(plan),
        format!("CoordinatorRound1: plan.actions[{i}].ibcRelayAction: IBC relay messages cannot be reviewed here; relay them with another key")
    );
}

#[test]
fn a_non_canonical_asset_id_is_refused_by_path() {
    let (i, plan) = plan_with(|a| match a {
        Action::Output(p) => {
            p.value.as_mut().unwrap().asset_id = Some(asset_pb::AssetId {
                inner: fq_modulus(),
                ..Default::default()
            });
            true
        }
        _ => false,
    });
    assert!(refusal_of(plan).starts_with(&format!(
        "CoordinatorRound1: plan.actions[{i}].output.value.assetId.inner: not a canonical field element"
    )));
}

/// Funding streams whose rates add up past 65535 bps: Penumbra sums them as u16, which panics
/// in a debug build and wraps (to an acceptable total) in a release build.
fn seven_full_streams(template: &str) -> String {
    let stream = "\n[[funding_stream]]\nrecipient = \"CommunityPool\"\nrate_bps = 10000\n";
    let start = template.find("[[funding_stream]]").unwrap();
    format!("{}{}", &template[..start], stream.repeat(7))
}

#[test]
fn funding_streams_over_100_percent_are_refused_before_penumbra_adds_them() {
    let share = &samples().shares[0];
    let SigningRequest::ValidatorDefinition(validator) = definition_request(share, 5) else {
        unreachable!()
    };
    let mut proto = penumbra_sdk_proto::core::component::stake::v1::Validator::from(validator);
    let stream = proto.funding_streams[1].clone();
    proto.funding_streams = vec![stream; 7];
    for s in &mut proto.funding_streams {
        if let Some(penumbra_sdk_proto::core::component::stake::v1::funding_stream::Recipient::ToCommunityPool(c)) = &mut s.recipient {
            c.rate_bps = 10_000;
        }
    }
    let json = serde_json::to_string(&pb::CoordinatorRound1 {
        request: Some(pb::coordinator_round1::Request::ValidatorDefinition(
            proto.clone(),
        )),
    })
    .unwrap();
    assert_eq!(
        CoordinatorRound1::from_json(&json).unwrap_err().to_string(),
        "CoordinatorRound1: validatorDefinition.fundingStreams: the rates add up to 70000 bps, more than 100% (10000 bps)"
    );
    let alone = std::panic::catch_unwind(|| {
        penumbra_sdk_stake::validator::Validator::try_from(proto).is_ok()
    });
    assert!(
        !matches!(alone, Ok(false)),
        "Penumbra alone panics or accepts it"
    );

    let template =
        hoarfrost::definition::definition_template(&mut rng(8), share.group(), None).unwrap();
    let toml = seven_full_streams(&template);
    let e = hoarfrost::definition::parse_definition_toml(&toml).unwrap_err();
    assert!(e.to_string().contains("70000 bps"), "{e}");
}

/// Found by the property tests (PROPTEST_CASES=10000): tendermint reads a definition's consensus
/// key with subtle-encoding, whose base64 decoder panics (an integer underflow) on a value that
/// has `=` where a character should be.
#[test]
fn a_definition_whose_consensus_key_is_broken_base64_is_refused() {
    let template =
        hoarfrost::definition::definition_template(&mut rng(9), samples().shares[0].group(), None)
            .unwrap();
    let start = template.find("value = \"").unwrap() + "value = \"".len();
    let end = start + template[start..].find('"').unwrap();
    for broken in ["=", "AAAA=", "A", "", "AAAAAAAA", "not base64!"] {
        let toml = format!("{}{broken}{}", &template[..start], &template[end..]);
        let e = hoarfrost::definition::parse_definition_toml(&toml).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("validator definition TOML: consensus_key.value: "),
            "{broken:?}: {e}"
        );
    }
    let alone = std::panic::catch_unwind(|| {
        let toml = format!("{}={}", &template[..start], &template[end..]);
        toml::from_str::<penumbra_sdk_stake::validator::ValidatorToml>(&toml).is_ok()
    });
    assert!(alone.is_err(), "tendermint's reader alone panics");
}

#[test]
fn a_plan_file_with_a_bad_scalar_is_refused_by_path() {
    let (i, plan) = plan_with(|a| {
        scalar_field(a, "spend", "randomizer")
            .map(|f| *f = vec![0xFF; 32])
            .is_some()
    });
    let e =
        hoarfrost::validate::plan_from_json(&serde_json::to_string(&plan).unwrap()).unwrap_err();
    assert_eq!(e.field, format!("plan.actions[{i}].spend.randomizer"));
    let huge = format!("{{\"actions\": \"{}\"}}", "A".repeat(1 << 20));
    let e = hoarfrost::validate::plan_from_json(&huge).unwrap_err();
    assert!(
        e.to_string().chars().count() < 600,
        "{}",
        e.to_string().len()
    );
}

// ---------------------------------------------------------------------------------------------
// The binary in line mode: a follower (and a coordinator) fed a bad message, bytes that are
// not UTF-8 and a 50 MB line keep going, and the ceremony completes.

#[test]
fn line_mode_survives_bad_messages_binary_garbage_and_a_50_mb_line() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let plan = plan_file(dir, |fvk| every_action_plan(fvk, 11));
    let mut coordinator = Process::start(&[
        "coordinate",
        "tx",
        "--key",
        &key(dir, 1),
        "--plan",
        &plan,
        "--no-tui",
    ]);
    let round1 = coordinator.recv();
    let mut bad: Value = serde_json::from_str(&round1).unwrap();
    bad["plan"]["actions"][0]["spend"]["randomizer"] = b64(&[0xFF; 32]).unwrap();

    let mut follower = Process::start(&["follow", "--key", &key(dir, 2), "--no-tui", "--yes"]);
    follower.send(&bad.to_string());
    follower.send_bytes(b"\xff\xfe\x00binary\x1b[2J garbage\n");
    let mut huge = vec![b'A'; 50 << 20];
    huge.push(b'\n');
    follower.send_bytes(&huge);
    follower.send("correct horse battery staple");
    follower.send(&round1);
    let reply1 = follower.recv();

    coordinator.send_bytes(b"\x80\x81\n");
    coordinator.send_bytes(&huge[..(5 << 20)]);
    coordinator.send_bytes(b"\n");
    coordinator.send(&reply1);
    let round2 = coordinator.recv();
    follower.send(&round2);
    coordinator.send(&follower.recv());
    let result = coordinator.recv();
    let coordinator_err = coordinator.finish();
    let follower_err = follower.finish();

    let auth: penumbra_sdk_proto::core::transaction::v1::AuthorizationData =
        serde_json::from_str(&result).unwrap();
    let spends = bad["plan"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("spend").is_some())
        .count();
    assert_eq!(auth.spend_auths.len(), spends);
    for stderr in [&follower_err, &coordinator_err] {
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains('\u{1b}'), "no escape sequence is echoed");
        for line in stderr.lines() {
            assert!(
                line.chars().count() < 600,
                "a long line: {}...",
                &line[..200]
            );
        }
        assert!(stderr.contains("the line is not UTF-8 text"), "{stderr}");
        assert!(stderr.contains("the line is longer than 4 MiB"), "{stderr}");
    }
    assert!(
        follower_err.contains(
            "error: CoordinatorRound1: plan.actions[0].spend.randomizer: not a canonical scalar"
        ),
        "{follower_err}"
    );
    assert!(
        !follower_err.contains("horse"),
        "a passphrase pasted by mistake is never echoed"
    );
}
