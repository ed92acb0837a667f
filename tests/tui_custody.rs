//! Refresh and repair in the TUI, driven through `update` as people would: the forms (the key's
//! members marked by fingerprint), pastes in any order, the review before anything is sent, the
//! share replaced through the store's one function for it (sealed again under the passphrase
//! typed in the form), the lost laptop replaced from the guide; and every new screen at 80x24
//! and 160x48.

mod common;

use common::tui::*;
use common::*;
use crossterm::event::KeyCode;
use hoarfrost::keyfile::{self, KeyMaterial};
use hoarfrost::keys::KeyShare;
use hoarfrost::session::{Outcome, Stage};
use hoarfrost::spec::{KeyChoice, Spec};
use hoarfrost::tui::screens::ceremony::Ceremony;
use hoarfrost::tui::screens::form::{FieldId, Form};
use hoarfrost::tui::screens::Screen;
use hoarfrost::tui::Start;

/// A TUI whose store holds `share` as "identity", sealed under [`PASSPHRASE`].
fn member(share: &KeyShare, seed: u8) -> Tui {
    Tui::with_keys([seed; 32], &[("identity", sealed(share))])
}

/// Opens the refresh form from the home screen and types the passphrase.
fn refresh_form(t: &mut Tui) {
    t.type_text("r");
    assert_eq!(t.form().focused(), FieldId::Passphrase, "{}", t.screen());
    t.type_text(PASSPHRASE);
}

/// Starts a refresh, marking the members at `remove` (fingerprints) in the form.
fn start_refresh(t: &mut Tui, remove: &[String]) {
    refresh_form(t);
    t.press(KeyCode::Tab);
    t.press(KeyCode::Left);
    assert!(t.form().values.starts);
    t.press(KeyCode::Tab);
    assert_eq!(t.form().focused(), FieldId::Members);
    mark(t, remove);
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{}", t.screen());
}

/// Marks members in the Members field, moving the cursor with → as a person would.
fn mark(t: &mut Tui, fingerprints: &[String]) {
    let roster = t.form().roster(&t.app.ctx).expect("the members are listed");
    for fp in fingerprints {
        let at = roster.members.iter().position(|m| m == fp).unwrap();
        for _ in 0..roster.members.len() {
            if t.form().member_at() == at {
                break;
            }
            t.press(KeyCode::Right);
        }
        t.type_text(" ");
    }
}

fn join_refresh(t: &mut Tui) {
    refresh_form(t);
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{}", t.screen());
}

fn stage(t: &Tui) -> &Stage {
    &t.ceremony().view().stage
}

/// The key a TUI's store holds as `name` now, opened with `passphrase`.
fn stored_share(t: &Tui, name: &str, passphrase: &str) -> KeyShare {
    let key = t.store().load(name).unwrap();
    assert!(key.material.is_sealed(), "the share stays sealed");
    key.material
        .unlock(Some(passphrase.as_bytes()))
        .unwrap()
        .unwrap()
}

/// Carries every message each TUI produces to every other, approving reviews, until nothing
/// moves; every paste must be taken without an error.
fn relay(tuis: &mut [&mut Tui]) {
    relay_checking(tuis, true)
}

/// [`relay`], checking (`clean`) that nothing went wrong on any screen.
fn relay_checking(tuis: &mut [&mut Tui], clean: bool) {
    let mut delivered = vec![0; tuis.len()];
    loop {
        let mut moved = false;
        for i in 0..tuis.len() {
            if matches!(stage(tuis[i]), Stage::Review) {
                tuis[i].type_text("a");
                moved = true;
            }
            let sent: Vec<String> = tuis[i]
                .ceremony()
                .view()
                .sent
                .iter()
                .map(|o| o.json.clone())
                .collect();
            for json in &sent[delivered[i]..] {
                for (j, other) in tuis.iter_mut().enumerate() {
                    if j != i && other.ceremony().ceremony_under_way() {
                        other.paste(json);
                        let log = other.ceremony().log().entries();
                        assert!(!clean || log.iter().all(|e| e.ok), "{log:?}");
                    }
                }
                moved = true;
            }
            delivered[i] = sent.len();
        }
        if !moved {
            return;
        }
    }
}

#[test]
fn a_refresh_started_and_joined_in_any_order_replaces_every_share() {
    let old = dealt(2, 3, 300);
    let mut tuis: Vec<Tui> = old.iter().zip(30..).map(|(s, i)| member(s, i)).collect();
    start_refresh(&mut tuis[0], &[]);
    let invitation = tuis[0].outgoing();
    for t in &mut tuis[1..] {
        join_refresh(t);
        assert!(t.ceremony().view().sent.is_empty());
    }
    // Member 1 joins from the starter's message, after reviewing it.
    tuis[1].paste(&invitation);
    assert!(matches!(stage(&tuis[1]), Stage::Review));
    let screen = tuis[1].screen();
    assert!(
        screen.contains("You are asked to take part in a refresh"),
        "{screen}"
    );
    assert!(
        tuis[1].ceremony().view().sent.is_empty(),
        "nothing before approval"
    );
    tuis[1].type_text("a");
    let r1 = tuis[1].outgoing();
    // Member 2 joins from member 1's message (any round-1 message invites), and gets member
    // 1's round 2 before its own round 1 is complete: kept.
    tuis[2].paste(&r1);
    tuis[2].type_text("a");
    let r2 = tuis[2].outgoing();
    tuis[1].paste(&r2);
    let early = tuis[1].outgoing();
    tuis[2].paste(&early);
    assert!(
        tuis[2]
            .log()
            .iter()
            .any(|l| l.contains("kept the RefreshRound2")),
        "{:?}",
        tuis[2].log()
    );
    tuis[2].paste(&invitation);
    // The starter gets round 1 at once, its own message and a repeat among it.
    tuis[0].paste(&format!("{r1}\n{r2}\n{invitation}\n{r1}"));
    relay(&mut tuis.iter_mut().collect::<Vec<_>>());
    let mut new = Vec::new();
    for t in &tuis {
        let Stage::Done(Outcome::Refreshed { removed, .. }) = stage(t) else {
            panic!("{}", t.screen())
        };
        assert!(removed.is_empty());
        let screen = t.screen();
        assert!(screen.contains("The threshold stays 2"), "{screen}");
        assert!(screen.contains("the old share is destroyed"), "{screen}");
        assert!(
            screen.contains("Delete every other copy of the old share"),
            "{screen}"
        );
        // The key file holds the new share, sealed under the same passphrase; nothing of the
        // old one is left beside it.
        let share = stored_share(t, "identity", PASSPHRASE);
        assert_eq!(share.group().generation().number, 1);
        let files: Vec<_> = std::fs::read_dir(t.home().join("keys"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, ["identity.toml"]);
        new.push(share);
    }
    assert!(new.iter().all(|s| s.group() == new[0].group()));
    assert_eq!(new[0].group().fvk(), old[0].group().fvk());
    // The new shares sign under the original key; an old one no longer combines with them.
    let request = definition_request(&new[0], 1);
    verify(
        &ceremony(&[new[2].clone(), new[0].clone()], 2, request.clone(), 301),
        &request,
        &old[0],
    );
    assert!(new[1].signing_share() != old[1].signing_share());
}

#[test]
fn a_refresh_removes_the_member_marked_and_that_member_cannot_join() {
    let old = dealt(2, 3, 310);
    let mut tuis: Vec<Tui> = old.iter().zip(40..).map(|(s, i)| member(s, i)).collect();
    let removed = old[2].fingerprint();
    start_refresh(&mut tuis[0], std::slice::from_ref(&removed));
    assert!(tuis[0].screen().contains(&format!("\u{2717} {removed}")));
    let invitation = tuis[0].outgoing();
    for t in &mut tuis[1..] {
        join_refresh(t);
        t.paste(&invitation);
    }
    assert!(
        tuis[2].log().iter().any(|l| l.contains("would be removed")),
        "{:?}",
        tuis[2].log()
    );
    assert!(matches!(stage(&tuis[2]), Stage::Collecting));
    let (left, _) = tuis.split_at_mut(2);
    relay(&mut left.iter_mut().collect::<Vec<_>>());
    for t in &tuis[..2] {
        let share = stored_share(t, "identity", PASSPHRASE);
        assert_eq!(share.group().participant_count(), 2);
        assert!(share
            .group()
            .participant(&old[2].verification_key())
            .is_none());
        assert!(t.screen().contains(&format!("Removed: {removed}")));
    }
    // The removed member's key is as it was.
    assert_eq!(
        stored_share(&tuis[2], "identity", PASSPHRASE).signing_share(),
        old[2].signing_share()
    );
}

#[test]
fn a_member_who_declines_sends_nothing_and_keeps_its_key() {
    let old = dealt(2, 3, 320);
    let mut starter = member(&old[0], 50);
    let mut t = member(&old[1], 51);
    start_refresh(&mut starter, &[]);
    join_refresh(&mut t);
    t.paste(&starter.outgoing());
    t.type_text("d");
    assert!(matches!(stage(&t), Stage::Declined));
    assert!(t.ceremony().view().sent.is_empty());
    assert!(t.screen().contains("nothing was sent"), "{}", t.screen());
    assert_eq!(
        stored_share(&t, "identity", PASSPHRASE).signing_share(),
        old[1].signing_share()
    );
}

#[test]
fn the_refresh_form_refuses_what_line_mode_refuses() {
    let old = dealt(2, 3, 330);
    // Yourself: another member must start a refresh that removes you.
    let mut t = member(&old[0], 60);
    start_refresh_refused(&mut t, &[old[0].fingerprint()]);
    t.form_error(FieldId::Members, "is you").unwrap();
    // Two of three: fewer than the threshold would stay; refused when it starts, at the field.
    let mut t = member(&old[0], 61);
    start_refresh_refused(&mut t, &[old[1].fingerprint(), old[2].fingerprint()]);
    t.form_error(FieldId::Members, "keeps the threshold 2")
        .unwrap();
    // A wrong passphrase is named at its field, and what was typed stays.
    let mut t = member(&old[0], 62);
    t.type_text("r");
    t.type_text("wrong");
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Form>());
    t.form_error(FieldId::Passphrase, "wrong passphrase")
        .unwrap();
    // Public key data only: only a member takes part.
    let public = hoarfrost::keyfile::StoredKey {
        name: None,
        material: KeyMaterial::Public(old[0].group().clone()),
        transcript_fingerprint: None,
    };
    let mut t = Tui::with_keys([63; 32], &[("group", public)]);
    t.type_text("r");
    t.press(KeyCode::Enter);
    let shown = t.screen();
    assert!(shown.contains("holds no share"), "{shown}");
}

fn start_refresh_refused(t: &mut Tui, remove: &[String]) {
    refresh_form(t);
    t.press(KeyCode::Tab);
    t.press(KeyCode::Left);
    t.press(KeyCode::Tab);
    mark(t, remove);
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Form>(), "{}", t.screen());
}

#[test]
fn a_key_file_and_members_from_the_command_line_fill_the_form() {
    let old = dealt(2, 3, 340);
    let mut t = Tui::new([70; 32]);
    let file = t.out().join("participant-1.toml");
    hoarfrost::store::write_key_file(&file, &sealed(&old[0])).unwrap();
    t.app.open(&Start {
        spec: Spec::Refresh {
            key: KeyChoice::File(file.clone()),
            start: false,
            remove: vec![old[2].fingerprint()],
            group: None,
        },
        encrypt: true,
    });
    t.send_effects(vec![]);
    let form = t.form();
    assert!(form.values.starts, "a member to remove starts the refresh");
    assert_eq!(form.focused(), FieldId::Passphrase);
    // The key file's members are read off the UI thread once the focus has left its path.
    t.type_text(PASSPHRASE);
    t.press(KeyCode::Tab);
    let roster = t.form().roster(&t.app.ctx).expect("read");
    assert_eq!(roster.members.len(), 3);
    assert_eq!(roster.you, Some(old[0].fingerprint()));
    assert!(t
        .screen()
        .contains(&format!("[\u{2717}] {}", old[2].fingerprint())));
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{}", t.screen());
    // An id that names no member is shown, and refused at the field.
    let mut t = member(&old[0], 71);
    t.app.open(&Start {
        spec: Spec::Refresh {
            key: KeyChoice::Name("identity".into()),
            start: true,
            remove: vec!["00000000".into()],
            group: None,
        },
        encrypt: true,
    });
    t.type_text(PASSPHRASE);
    assert!(t.screen().contains("00000000 (no such member)"));
    t.press(KeyCode::Enter);
    assert!(t
        .form()
        .errors()
        .iter()
        .any(|(f, e)| *f == FieldId::Members && e.contains("no member of this key")));
}

#[test]
fn a_share_that_cannot_replace_its_key_is_stored_under_another_name() {
    let old = dealt(2, 3, 350);
    let mut tuis: Vec<Tui> = old.iter().zip(80..).map(|(s, i)| member(s, i)).collect();
    start_refresh(&mut tuis[0], &[]);
    for t in &mut tuis[1..] {
        join_refresh(t);
    }
    // Another process replaced member 1's key meanwhile.
    let other = dealt(2, 3, 351);
    let path = tuis[1].store().path_of("identity").unwrap();
    std::fs::remove_file(&path).unwrap();
    tuis[1]
        .store()
        .save("identity", &sealed(&other[1]))
        .unwrap();
    relay_checking(&mut tuis.iter_mut().collect::<Vec<_>>(), false);
    let screen = tuis[1].screen();
    assert!(screen.contains("NOT stored"), "{screen}");
    assert!(
        tuis[1]
            .log()
            .iter()
            .any(|l| l.contains("changed since the ceremony started")),
        "{:?}",
        tuis[1].log()
    );
    tuis[1].type_text("i");
    tuis[1].type_text("identity-new");
    tuis[1].press(KeyCode::Enter);
    let kept = stored_share(&tuis[1], "identity-new", PASSPHRASE);
    assert_eq!(kept.group().generation().number, 1);
    assert_eq!(kept.verification_key(), old[1].verification_key());
}

#[test]
fn a_lost_laptop_is_replaced_from_the_guide_and_then_removed() {
    let old = dealt(2, 3, 360);
    let lost = old[2].fingerprint();
    let (mut alice, mut bob) = (member(&old[0], 90), member(&old[1], 91));
    let mut dave = Tui::new([92; 32]);
    // Alice writes the group description from the keys screen.
    alice.type_text("k");
    alice.type_text("e");
    let group = alice.out().join("group-identity.toml");
    let public = keyfile::decode(&std::fs::read_to_string(&group).unwrap()).unwrap();
    assert!(!public.material.has_share());
    alice.press(KeyCode::Esc);
    // Dave, the newcomer, from the guide.
    dave.type_text("m");
    dave.type_text("n");
    assert_eq!(dave.form().focused(), FieldId::Passphrase);
    dave.type_text("dave's pass");
    dave.press(KeyCode::Tab);
    dave.type_text("dave's pass");
    for _ in 0..4 {
        dave.press(KeyCode::Up);
    }
    assert_eq!(dave.form().focused(), FieldId::GroupFile);
    dave.ctrl('u');
    dave.type_text(&group.display().to_string());
    dave.press(KeyCode::Enter);
    // The form proposes the description the keys screen exported, once it is in the folder.
    let mut erin = Tui::new([93; 32]);
    std::fs::create_dir_all(erin.out()).unwrap();
    std::fs::copy(&group, erin.out().join("group-identity.toml")).unwrap();
    erin.type_text("m");
    erin.type_text("n");
    assert!(
        erin.screen().contains("group-identity.toml"),
        "{}",
        erin.screen()
    );
    assert!(dave.top_is::<Ceremony>(), "{}", dave.screen());
    let request = dave.outgoing();
    let dave_fp = dave.ceremony().view().participants[0].0.clone();
    assert!(dave.screen().contains(&dave_fp));
    // Alice starts the repair without Carol; Bob joins from Alice's round 1.
    alice.type_text("m");
    alice.type_text("h");
    alice.type_text(PASSPHRASE);
    alice.press(KeyCode::Tab);
    alice.press(KeyCode::Left);
    alice.press(KeyCode::Tab);
    mark(&mut alice, std::slice::from_ref(&lost));
    alice.press(KeyCode::Enter);
    alice.paste(&request);
    assert!(matches!(stage(&alice), Stage::Review));
    let review = alice.ceremony().view().review.join("\n");
    assert!(review.contains(&format!("Newcomer:      participant {dave_fp}")));
    assert!(review.contains(&format!("Not helping:   {lost}")));
    alice.type_text("a");
    bob.type_text("m");
    bob.type_text("h");
    bob.type_text(PASSPHRASE);
    bob.press(KeyCode::Enter);
    relay(&mut [&mut alice, &mut bob, &mut dave]);
    let enrolled = stored_share(&dave, "identity", "dave's pass");
    assert_eq!(enrolled.group().participant_count(), 4);
    for t in [&alice, &bob] {
        assert!(matches!(stage(t), Stage::Done(Outcome::Helped { .. })));
        assert_eq!(
            stored_share(t, "identity", PASSPHRASE).group(),
            enrolled.group()
        );
    }
    assert!(alice.screen().contains(&format!("refresh without {lost}")));
    // The three refresh without Carol, the newcomer among them.
    for t in [&mut alice, &mut bob, &mut dave] {
        t.press(KeyCode::Esc);
        t.press(KeyCode::Esc);
    }
    start_refresh(&mut alice, std::slice::from_ref(&lost));
    join_refresh(&mut bob);
    dave.type_text("r");
    dave.type_text("dave's pass");
    dave.press(KeyCode::Enter);
    relay(&mut [&mut alice, &mut bob, &mut dave]);
    let new: Vec<KeyShare> = [
        (&alice, PASSPHRASE),
        (&bob, PASSPHRASE),
        (&dave, "dave's pass"),
    ]
    .iter()
    .map(|(t, p)| stored_share(t, "identity", p))
    .collect();
    assert_eq!(new[2].group().participant_count(), 3);
    assert!(new[2]
        .group()
        .participant(&old[2].verification_key())
        .is_none());
    let request = vote_request(&new[2], 4);
    verify(
        &ceremony(&[new[2].clone(), new[1].clone()], 2, request.clone(), 361),
        &request,
        &old[0],
    );
}

#[test]
fn screens() {
    let old = dealt(2, 3, 370);
    let mut t = member(&old[0], 100);
    t.type_text("m");
    snap!("replace_guide", t);
    t.type_text("h");
    snap!("form_help", t);
    t.press(KeyCode::Esc);
    t.type_text("n");
    snap!("form_newcomer", t);
    t.press(KeyCode::Esc);
    t.press(KeyCode::Esc);
    refresh_form(&mut t);
    t.press(KeyCode::Tab);
    t.press(KeyCode::Left);
    t.press(KeyCode::Tab);
    mark(&mut t, &[old[2].fingerprint()]);
    snap!("form_refresh", t);
    t.press(KeyCode::Enter);
    snap!("refresh_started", t);
    let mut joiner = member(&old[1], 101);
    join_refresh(&mut joiner);
    snap!("refresh_joining", joiner);
    joiner.paste(&t.outgoing());
    snap!("refresh_review", joiner);
    joiner.type_text("a");
    relay(&mut [&mut t, &mut joiner]);
    snap!("refresh_done", t);
}

#[test]
fn repair_screens() {
    let old = dealt(2, 3, 380);
    let (mut alice, mut bob) = (member(&old[0], 110), member(&old[1], 111));
    let mut dave = Tui::new([112; 32]);
    alice.type_text("k");
    alice.type_text("e");
    snap!("keys_exported", alice);
    alice.press(KeyCode::Esc);
    let group = alice.out().join("group-identity.toml");
    dave.app.open(&Start {
        spec: Spec::Newcomer {
            group,
            name: "identity".into(),
        },
        encrypt: false,
    });
    dave.press(KeyCode::Enter);
    snap!("newcomer_waiting", dave);
    alice.type_text("m");
    alice.type_text("h");
    alice.type_text(PASSPHRASE);
    alice.press(KeyCode::Tab);
    alice.press(KeyCode::Left);
    alice.press(KeyCode::Tab);
    mark(&mut alice, &[old[2].fingerprint()]);
    alice.press(KeyCode::Enter);
    alice.paste(&dave.outgoing());
    snap!("helper_review", alice);
    alice.type_text("a");
    bob.type_text("m");
    bob.type_text("h");
    bob.type_text(PASSPHRASE);
    bob.press(KeyCode::Enter);
    relay(&mut [&mut alice, &mut bob, &mut dave]);
    snap!("helper_done", alice);
    snap!("newcomer_done", dave);
}

/// A 2-of-4 key: Alice and Bob help Dave in, leaving out the lost member and Carol, who is
/// away. Back, Carol admits Dave from the guide with the repair's messages pasted at once in
/// reverse order; her key then includes him, with her share unchanged.
#[test]
fn a_member_away_admits_the_newcomer_from_the_guide() {
    let old = dealt(2, 4, 370);
    let (lost, away) = (old[3].fingerprint(), old[2].fingerprint());
    let (mut alice, mut bob) = (member(&old[0], 94), member(&old[1], 95));
    let mut carol = member(&old[2], 96);
    let mut dave = Tui::new([97; 32]);
    alice.type_text("k");
    alice.type_text("e");
    alice.press(KeyCode::Esc);
    let group = alice.out().join("group-identity.toml");
    dave.type_text("m");
    dave.type_text("n");
    dave.type_text("dave's pass");
    dave.press(KeyCode::Tab);
    dave.type_text("dave's pass");
    for _ in 0..4 {
        dave.press(KeyCode::Up);
    }
    dave.ctrl('u');
    dave.type_text(&group.display().to_string());
    dave.press(KeyCode::Enter);
    let request = dave.outgoing();
    let dave_fp = dave.ceremony().view().participants[0].0.clone();
    alice.type_text("m");
    alice.type_text("h");
    alice.type_text(PASSPHRASE);
    alice.press(KeyCode::Tab);
    alice.press(KeyCode::Left);
    alice.press(KeyCode::Tab);
    mark(&mut alice, &[lost, away]);
    alice.press(KeyCode::Enter);
    alice.paste(&request);
    bob.type_text("m");
    bob.type_text("h");
    bob.type_text(PASSPHRASE);
    bob.press(KeyCode::Enter);
    relay(&mut [&mut alice, &mut bob, &mut dave]);
    let enrolled = stored_share(&dave, "identity", "dave's pass");
    // Everything the relay carried, newest first.
    let mut lines = vec![request];
    for t in [&alice, &bob] {
        lines.extend(t.ceremony().view().sent.iter().map(|o| o.json.clone()));
    }
    lines.reverse();
    carol.type_text("m");
    carol.type_text("a");
    assert_eq!(
        carol.form().focused(),
        FieldId::Passphrase,
        "{}",
        carol.screen()
    );
    carol.type_text(PASSPHRASE);
    carol.press(KeyCode::Enter);
    assert!(carol.top_is::<Ceremony>(), "{}", carol.screen());
    carol.paste(&lines.join("\n"));
    assert!(matches!(stage(&carol), Stage::Review), "{}", carol.screen());
    let review = carol.ceremony().view().review.join("\n");
    assert!(
        review.contains(&format!("Newcomer: participant {dave_fp}")),
        "{review}"
    );
    snap!("admit_review", carol);
    carol.type_text("a");
    assert!(matches!(stage(&carol), Stage::Done(Outcome::Helped { .. })));
    let after = stored_share(&carol, "identity", PASSPHRASE);
    assert_eq!(after.group(), enrolled.group());
    assert_eq!(after.signing_share(), old[2].signing_share());
    assert!(
        carol.screen().contains("the same share"),
        "{}",
        carol.screen()
    );
}
