//! One core under both front ends: the same scripted ceremony of each kind (a key generation,
//! a definition, a vote, a transaction), driven through the line-mode driver and through the
//! TUI's update loop with the same seeds, produces the same messages and the same refusals.

mod common;

use common::tui::*;
use common::*;
use crossterm::event::KeyCode;
use hoarfrost::cli::ceremonies::{prepare_coordinator, prepare_follower};
use hoarfrost::cli::driver::{drive, Answers, LineOutput};
use hoarfrost::cli::lines::Input;
use hoarfrost::keyfile::StoredKey;
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::{Codec, CoordinatorRound1, CoordinatorRound2};
use hoarfrost::session::{Outcome, Session};
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::spec::{KeyChoice, RequestSpec};
use hoarfrost::store::Store;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const APP_SEED: [u8; 32] = [42; 32];

/// The randomness the TUI gives its first ceremony (see `App::new`).
fn first_ceremony_rng() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    ChaCha20Rng::from_seed(APP_SEED).fill_bytes(&mut seed);
    ChaCha20Rng::from_seed(seed)
}

/// One thing a person does in the script.
#[derive(Clone)]
enum Act {
    /// Pastes text (line mode: one line).
    Paste(String),
    /// Says yes: confirms the fingerprint or approves the review.
    Yes,
}

/// What a front end produced: every message sent, every refusal.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    sent: Vec<String>,
    refused: Vec<String>,
}

#[derive(Default)]
struct Recorder {
    emitted: Vec<String>,
    refused: Vec<String>,
}

impl LineOutput for Recorder {
    fn emit(&mut self, line: &str) -> anyhow::Result<()> {
        self.emitted.push(line.to_string());
        Ok(())
    }
    fn say(&mut self, text: &str) {
        if let Some(e) = text.strip_prefix("error: ") {
            self.refused
                .push(e.trim_end_matches(" (the ceremony goes on)").to_string());
        }
    }
}

fn line_mode(session: &mut Session, script: &[Act]) -> (Record, Outcome) {
    let text: String = script
        .iter()
        .map(|a| match a {
            Act::Paste(t) => format!("{t}\n"),
            Act::Yes => "yes\n".into(),
        })
        .collect();
    let mut input = Input::new(text.as_bytes());
    let mut out = Recorder::default();
    let mut ask = |_: &str| -> anyhow::Result<(zeroize::Zeroizing<String>, bool)> {
        Ok((zeroize::Zeroizing::new(PASSPHRASE.to_string()), false))
    };
    let mut answers = Answers {
        yes: false,
        passphrase: &mut ask,
    };
    let outcome = drive(session, &mut input, &mut out, &mut answers).unwrap();
    (
        Record {
            sent: out.emitted,
            refused: out.refused,
        },
        outcome,
    )
}

/// Runs the script in a TUI whose ceremony has started; `yes` is the key that says yes.
fn in_tui(t: &mut Tui, script: &[Act], yes: char) -> Record {
    for act in script {
        match act {
            Act::Paste(text) => t.paste(text),
            Act::Yes => t.type_text(&yes.to_string()),
        }
    }
    record(t)
}

/// What the TUI's ceremony sent and refused.
fn record(t: &Tui) -> Record {
    let c = t.ceremony();
    Record {
        sent: c.view().sent.iter().map(|o| o.json.clone()).collect(),
        refused: c
            .log()
            .entries()
            .iter()
            .filter(|e| !e.ok)
            .map(|e| e.text.clone())
            .collect(),
    }
}

fn json_of(s: &Session) -> String {
    s.view().outgoing().unwrap().json.clone()
}

#[test]
fn a_key_generation_is_the_same_in_both_front_ends() {
    // The participant's own round 1, as both front ends will make it.
    let probe = Session::dkg(2, 3, "identity", &mut first_ceremony_rng()).unwrap();
    let mine1 = json_of(&probe);
    let mut r = rng(50);
    let mut peers: Vec<Session> = (0..2)
        .map(|i| Session::dkg(2, 3, &format!("p{i}"), &mut r).unwrap())
        .collect();
    let theirs1: Vec<String> = peers.iter().map(json_of).collect();
    for (i, p) in peers.iter_mut().enumerate() {
        p.paste(&format!("{mine1}\n{}", theirs1[1 - i]));
        p.confirm();
    }
    let theirs2: Vec<String> = peers.iter().map(json_of).collect();
    let foreign = vote_round1(&dealt(2, 3, 51), 1).to_json();
    let script = [
        Act::Paste("hello there".into()),
        Act::Paste(theirs1[0].clone()),
        Act::Paste(foreign),
        Act::Paste(theirs2[0].clone()),
        Act::Paste(theirs1[1].clone()),
        Act::Yes,
        Act::Paste(theirs2[1].clone()),
    ];
    let mut session = Session::dkg(2, 3, "identity", &mut first_ceremony_rng()).unwrap();
    let (line, outcome) = line_mode(&mut session, &script);
    let mut t = Tui::new(APP_SEED);
    t.type_text("g");
    t.press(KeyCode::Up);
    t.press(KeyCode::Left); // Encrypt: no
    t.press(KeyCode::Enter);
    let tui = in_tui(&mut t, &script, 'y');
    assert_eq!(line.sent.len(), 2);
    assert_eq!(line.refused.len(), 2, "{:?}", line.refused);
    assert_eq!(tui, line);
    let Outcome::Generated { output, .. } = outcome else {
        panic!("no key")
    };
    let stored = t.store().load("identity").unwrap();
    assert!(stored.material.group() == output.share.group());
}

/// A key generation's first message: a message of the wrong kind for a signing ceremony.
fn dkg_round1_json() -> String {
    json_of(&Session::dkg(2, 3, "x", &mut rng(70)).unwrap())
}

/// A store in a temporary folder holding `key` as `name`.
fn store_with(name: &str, key: &StoredKey) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    // Journals in the test's own state folder: never the user's, never another test's.
    let store = Store::open(Some(dir.path()))
        .unwrap()
        .with_state(dir.path().join("state"));
    store.save(name, key).unwrap();
    (dir, store)
}

fn no_unlock(_: &str, key: &StoredKey) -> anyhow::Result<Option<KeyShare>> {
    Ok(key.material.share().cloned())
}

/// A coordinator's session as line mode and the TUI prepare it, with the first ceremony's
/// randomness.
fn coordinator(store: &Store, choice: &KeyChoice, request: &RequestSpec) -> Session {
    let mut rng = first_ceremony_rng();
    prepare_coordinator(store, choice, None, request, &mut no_unlock, &mut rng)
        .unwrap()
        .session
}

/// A coordinator's ceremony of `request` in both front ends: the same replies from a
/// follower holding share 1, with a refusal or two on the way.
fn coordinate_in_both(
    shares: &[KeyShare],
    request: RequestSpec,
    form_key: char,
    fill: impl Fn(&mut Tui),
) {
    let key = stored(&shares[0], None);
    let choice = KeyChoice::Auto;
    let prepare = |store: &Store| coordinator(store, &choice, &request);
    // A probe run makes the messages the follower answers.
    let (_d, probe_store) = store_with("identity", &key);
    let mut probe = prepare(&probe_store);
    let round1 = CoordinatorRound1::from_json(&json_of(&probe)).unwrap();
    let mut follower = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let reply1 = follower.approve(&mut rng(60)).unwrap().to_json();
    probe.paste(&reply1);
    let round2 = CoordinatorRound2::from_json(&json_of(&probe)).unwrap();
    let reply2 = follower.sign(round2).unwrap().to_json();
    let script = [
        Act::Paste("not a message".into()),
        Act::Paste(round1.to_json()),
        Act::Paste(reply1.clone()),
        Act::Paste(reply1),
        Act::Paste(reply2),
    ];
    let (_d2, store) = store_with("identity", &key);
    let (line, outcome) = line_mode(&mut prepare(&store), &script);
    let mut t = Tui::with_keys(APP_SEED, &[("identity", key.clone())]);
    t.type_text(&form_key.to_string());
    fill(&mut t);
    t.press(KeyCode::Enter);
    let tui = in_tui(&mut t, &script, 'a');
    assert_eq!(line.sent.len(), 2);
    assert!(!line.refused.is_empty());
    assert_eq!(tui, line);
    let Outcome::Signed { text, .. } = outcome else {
        panic!("not signed")
    };
    let hoarfrost::session::Stage::Done(Outcome::Signed { text: tui_text, .. }) =
        &t.ceremony().view().stage
    else {
        panic!("the TUI did not sign")
    };
    assert_eq!(*tui_text, text);
}

#[test]
fn a_definition_is_the_same_in_both_front_ends() {
    let shares = dealt(2, 3, 61);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("validator.toml");
    let template =
        hoarfrost::definition::definition_template(&mut rng(99), shares[0].group(), None)
            .unwrap()
            .replace("name = \"\"", "name = \"Both Fronts\"");
    std::fs::write(&file, template).unwrap();
    let path = file.display().to_string();
    coordinate_in_both(&shares, RequestSpec::Definition { file }, 'v', |t| {
        t.press(KeyCode::Tab);
        t.ctrl('u');
        t.type_text(&path);
    });
}

#[test]
fn a_transaction_is_the_same_in_both_front_ends() {
    let shares = dealt(2, 3, 62);
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan.json");
    let path = plan.display().to_string();
    // The plan spends notes of another key: the key is named.
    let request = RequestSpec::Transaction { plan };
    let key = stored(&shares[0], None);
    let choice = KeyChoice::Name("identity".into());
    let (_d, probe_store) = store_with("identity", &key);
    let prepare = |store: &Store| coordinator(store, &choice, &request);
    let mut probe = prepare(&probe_store);
    let round1 = CoordinatorRound1::from_json(&json_of(&probe)).unwrap();
    let mut follower = Follower::new(shares[1].clone(), round1).unwrap();
    let reply1 = follower.approve(&mut rng(63)).unwrap().to_json();
    probe.paste(&reply1);
    let reply2 = follower
        .sign(CoordinatorRound2::from_json(&json_of(&probe)).unwrap())
        .unwrap()
        .to_json();
    let script = [
        Act::Paste(reply2.clone()),
        Act::Paste(reply1),
        Act::Paste(dkg_round1_json()),
        Act::Paste(reply2),
    ];
    let (_d2, store) = store_with("identity", &key);
    let (line, _) = line_mode(&mut prepare(&store), &script);
    let mut t = Tui::with_keys(APP_SEED, &[("identity", key)]);
    t.type_text("t");
    t.press(KeyCode::Up);
    t.press(KeyCode::Right); // the key named "identity"
    t.press(KeyCode::Tab);
    t.press(KeyCode::Tab);
    t.ctrl('u');
    t.type_text(&path);
    t.press(KeyCode::Enter);
    let tui = in_tui(&mut t, &script, 'a');
    assert_eq!(line.refused.len(), 2, "{:?}", line.refused);
    assert_eq!(tui, line);
}

#[test]
fn a_vote_followed_is_the_same_in_both_front_ends() {
    let shares = dealt(2, 3, 64);
    let key = sealed(&shares[1]);
    let round1 = vote_round1(&shares, 9);
    let prepare = |store: &Store| {
        prepare_follower(
            store,
            &KeyChoice::Auto,
            &mut no_unlock,
            &mut first_ceremony_rng(),
        )
        .unwrap()
        .session
    };
    // The probe follower's reply, for the coordinator's round 2.
    let (_d, probe_store) = store_with("governance", &key);
    let mut probe = prepare(&probe_store);
    probe.paste(&round1.to_json());
    probe.provide_passphrase(zeroize::Zeroizing::new(PASSPHRASE.into()));
    probe.compute();
    probe.approve();
    let reply1 = hoarfrost::messages::FollowerRound1::from_json(&json_of(&probe)).unwrap();
    let mut coordinator = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        round1.request.clone(),
        None,
    )
    .unwrap()
    .0;
    coordinator.accept_round1(reply1).unwrap();
    let round2 = coordinator.start_round2(&mut rng(66)).unwrap().to_json();
    let script = [
        Act::Paste(round2.clone()),
        Act::Paste(round1.to_json()),
        Act::Yes,
        Act::Paste(round1.to_json()),
        Act::Paste(round2),
    ];
    let (_d2, store) = store_with("governance", &key);
    let (line, _) = line_mode(&mut prepare(&store), &script);
    let mut t = Tui::with_keys(APP_SEED, &[("governance", key)]);
    t.type_text("f");
    t.press(KeyCode::Enter);
    for act in &script {
        match act {
            Act::Paste(text) => t.paste(text),
            Act::Yes => {
                // The TUI asks for the passphrase where line mode's closure answered it.
                t.type_text(PASSPHRASE);
                t.press(KeyCode::Enter);
                t.type_text("a");
            }
        }
    }
    let tui = record(&t);
    assert_eq!(line.sent.len(), 2);
    assert_eq!(tui, line);
}
