//! Every screen of the TUI at 80x24 and 160x48 (ratatui's TestBackend, insta snapshots),
//! reached through the update loop as a person would reach it.

mod common;

use common::tui::*;
use common::*;
use crossterm::event::KeyCode;
use hoarfrost::messages::{Codec, CoordinatorRound1};
use hoarfrost::session::Session;
use hoarfrost::tui::app::Msg;

fn home_with_keys() -> Tui {
    let governance = dealt(2, 3, 11);
    let identity = dealt(2, 3, 12);
    let t = Tui::with_keys(
        [1; 32],
        &[
            (
                "governance",
                stored(&governance[0], Some("QT97-2Z0T-H1ZD-33QN-XPPV")),
            ),
            ("identity", sealed(&identity[1])),
        ],
    );
    std::fs::write(t.home().join("keys/broken.toml"), "not a key").unwrap();
    let mut t = t;
    t.send_effects(vec![hoarfrost::tui::app::Effect::LoadKeys]);
    t
}

#[test]
fn home_and_keys() {
    let mut t = Tui::new([1; 32]);
    snap!("home_empty", t);
    let mut t = home_with_keys();
    snap!("home_keys", t);
    t.type_text("k");
    snap!("keys", t);
    t.type_text("r");
    t.type_text("gov");
    snap!("keys_rename", t);
    t.press(KeyCode::Esc);
    t.type_text("x");
    snap!("keys_delete", t);
}

#[test]
fn forms() {
    for (key, name) in [
        ("g", "form_dkg"),
        ("d", "form_deal"),
        ("f", "form_follow"),
        ("v", "form_definition"),
        ("o", "form_vote"),
        ("t", "form_transaction"),
        ("c", "form_check"),
    ] {
        let mut t = home_with_keys();
        t.type_text(key);
        snap!(name, t);
    }
    // Every error at once, beside its field.
    let mut t = Tui::new([2; 32]);
    t.type_text("g");
    t.type_text("one");
    t.press(KeyCode::Tab);
    t.type_text("two");
    t.press(KeyCode::Up);
    t.press(KeyCode::Up);
    t.press(KeyCode::Up);
    t.ctrl('u');
    t.type_text("my key");
    t.press(KeyCode::Enter);
    snap!("form_dkg_errors", t);
    // Following with an empty store is refused at the form.
    let mut t = Tui::new([2; 32]);
    t.type_text("f");
    t.press(KeyCode::Enter);
    snap!("form_follow_refused", t);
    // A key file chosen.
    let mut t = home_with_keys();
    t.type_text("o");
    t.press(KeyCode::Up);
    t.press(KeyCode::Left);
    t.press(KeyCode::Left);
    t.press(KeyCode::Tab);
    t.type_text("keys/participant-1.toml");
    snap!("form_vote_key_file", t);
}

fn json(s: &Session) -> String {
    s.view().outgoing().unwrap().json.clone()
}

#[test]
fn key_generation() {
    let (mut t, mut peers) = dkg(3);
    snap!("dkg_round1", t);
    let mine1 = t.outgoing();
    let theirs1: Vec<String> = peers.iter().map(json).collect();
    t.paste(&format!("{}\nnot a message", theirs1[0]));
    snap!("dkg_round1_feedback", t);
    t.paste(&theirs1[1]);
    snap!("dkg_confirm", t);
    t.type_text("y");
    snap!("dkg_round2", t);
    for (i, p) in peers.iter_mut().enumerate() {
        p.paste(&format!("{mine1}\n{}", theirs1[1 - i]));
        p.confirm();
    }
    let theirs2: Vec<String> = peers.iter().map(json).collect();
    t.paste(&theirs2.join("\n"));
    snap!("dkg_done", t);
    // The others still need this participant's DKGRound2: at 80x24 the screen shows all of
    // it, so a selection of those lines pastes back as the message.
    let screen = t.render(80, 24);
    let selected: String = screen
        .lines()
        .skip_while(|l| !l.contains("Your DKGRound2"))
        .skip(1)
        .map(|l| l.trim_matches('"'))
        .take_while(|l| !l.starts_with(" Log"))
        .map(str::trim_end)
        .collect();
    assert_eq!(
        hoarfrost::messages::AnyMessage::from_json(&selected)
            .unwrap()
            .to_json(),
        t.outgoing(),
        "{screen}"
    );
    t.type_text("q");
    snap!("dkg_done_qr", t);
}

#[test]
fn a_dkg_whose_name_was_taken_meanwhile_offers_another() {
    let (mut t, mut peers) = dkg(4);
    let mine1 = t.outgoing();
    let theirs1: Vec<String> = peers.iter().map(json).collect();
    t.paste(&theirs1.join("\n"));
    t.type_text("y");
    for (i, p) in peers.iter_mut().enumerate() {
        p.paste(&format!("{mine1}\n{}", theirs1[1 - i]));
        p.confirm();
    }
    // Another process took the name while the ceremony ran.
    let other = dealt(2, 3, 4);
    t.store()
        .save("identity", &stored(&other[0], None))
        .unwrap();
    t.paste(&peers.iter().map(json).collect::<Vec<_>>().join("\n"));
    snap!("dkg_not_stored", t);
    t.type_text("i");
    t.type_text("identity-2");
    t.press(KeyCode::Enter);
    assert_eq!(t.store().names().unwrap(), ["identity", "identity-2"]);
}

#[test]
fn coordinator_and_follower() {
    let shares = dealt(2, 3, 21);
    let mut c = Tui::with_keys([5; 32], &[("identity", stored(&shares[0], None))]);
    let template =
        hoarfrost::definition::definition_template(&mut rng(99), shares[0].group(), None)
            .unwrap()
            .replace("name = \"\"", "name = \"Hoarfrost Validator\"")
            .replace("website = \"\"", "website = \"https://example.com\"");
    let file = c.out().join("validator.toml");
    std::fs::write(&file, template).unwrap();
    c.type_text("v");
    c.press(KeyCode::Tab);
    c.ctrl('u');
    c.type_text(&file.display().to_string());
    c.press(KeyCode::Enter);
    snap!("coordinator_round1", c);

    let mut f = Tui::with_keys([6; 32], &[("identity", sealed(&shares[1]))]);
    f.type_text("f");
    f.press(KeyCode::Enter);
    snap!("follower_waiting", f);
    f.paste(&c.outgoing());
    snap!("follower_passphrase", f);
    f.type_text(PASSPHRASE);
    f.press(KeyCode::Enter);
    snap!("follower_review", f);
    f.type_text("a");
    snap!("follower_committed", f);

    // A stale reply first, then the real one.
    let stale = stale_reply(&shares);
    c.paste(&stale);
    snap!("coordinator_round2", c);
    c.paste(&f.outgoing());
    snap!("coordinator_replaced", c);
    f.paste(&c.outgoing());
    snap!("follower_done", f);
    c.paste(&f.outgoing());
    snap!("coordinator_done", c);
    c.press(KeyCode::Left);
    snap!("coordinator_done_signature", c);
}

#[test]
fn a_declined_request() {
    let shares = dealt(2, 3, 22);
    let round1 = vote_round1(&shares, 5);
    let mut f = Tui::with_keys([7; 32], &[("identity", stored(&shares[1], None))]);
    f.type_text("f");
    f.press(KeyCode::Enter);
    f.paste(&CoordinatorRound1::to_json(&round1));
    f.type_text("d");
    snap!("follower_declined", f);
}

#[test]
fn qr_screen_notice_and_too_small() {
    let (mut t, _) = dkg(8);
    t.type_text("q");
    snap!("qr_dkground1", t);
    let mut t = Tui::new([9; 32]);
    t.type_text("d");
    // From the passphrase: Encrypt no, then the folder.
    t.press(KeyCode::Up);
    t.press(KeyCode::Left);
    t.press(KeyCode::Up);
    t.ctrl('u');
    let folder = t.out().join("dealt").display().to_string();
    t.type_text(&folder);
    t.press(KeyCode::Enter);
    snap!("notice_dealt", t);
    t.send(Msg::Resize(60, 20));
    insta::assert_snapshot!("too_small_60x20", t.screen());
}
