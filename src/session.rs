//! Ceremony sessions: one engine plus what a front end shows of it (where the ceremony stands,
//! who has answered, the message to send, the review) and pasted text in, feedback out.
//!
//! Sessions know nothing of terminals; the TUI drives them. Pasted text may hold several
//! messages in any order: a message for a later round is kept until that round comes, and a
//! refused message is reported and changes nothing.

use rand_core::CryptoRngCore;

use crate::check::is_check;
use crate::dkg::{Dkg, DkgOutput, DkgRound1, DkgRound2};
use crate::keyfile::StoredKey;
use crate::keys::KeyShare;
use crate::messages::{
    recognise, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2, MessageKind,
};
use crate::output::signing_outcome;
use crate::paste::{split, Piece};
use crate::request::SigningRequest;
use crate::review::describe;
use crate::signing::{Coordinator, Follower, SigningResult};
use crate::store::matches_request;
use crate::transport::ur::{Received, UrCollector};

/// What became of one pasted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub ok: bool,
    pub text: String,
}

impl Feedback {
    fn ok(text: impl Into<String>) -> Self {
        Self {
            ok: true,
            text: text.into(),
        }
    }
    fn err(text: impl Into<String>) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }
}

/// The message this participant must send now, and to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub kind: MessageKind,
    pub json: String,
    pub to: &'static str,
}

/// A participant's mark in the stepper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    You,
    Answered,
    Waiting,
}

/// How a ceremony ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A signature or authorization to hand to pcli: `text` is exactly what pcli takes.
    Signed {
        headline: String,
        text: String,
        instructions: Vec<String>,
    },
    /// A key check passed.
    Checked { signers: usize },
    /// This follower's part is done.
    FollowerDone,
    /// A key generation finished: the share to store under `name`.
    Generated {
        name: String,
        output: Box<DkgOutput>,
    },
}

/// Where a session stands, for the front end.
#[derive(Clone, Debug)]
pub enum Stage {
    /// Waiting for pasted messages.
    Collecting,
    /// A follower's request awaits approval.
    Review,
    /// Everything is in: `finish` must run (it may be slow, so front ends run it off the UI).
    ReadyToFinish,
    Done(Outcome),
    Declined,
    Failed(String),
}

/// Everything a front end displays, copied out so it can be shown while the session computes.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub title: String,
    pub round: u8,
    pub rounds: u8,
    pub progress: String,
    pub participants: Vec<(String, Mark)>,
    pub outgoing: Option<Outgoing>,
    pub review: Vec<String>,
    pub stage: Stage,
    /// The messages of the current round this participant holds (its own and those accepted),
    /// for relaying as one bundle.
    pub relay: Vec<String>,
}

/// One ceremony: its engine and the UR parts collected so far.
pub struct Session {
    role: Role,
    ur: UrCollector,
}

// One session lives per ceremony screen: boxing variants would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Role {
    Dkg(DkgSession),
    Coordinator(CoordinatorSession),
    Follower(FollowerSession),
}

impl From<Role> for Session {
    fn from(role: Role) -> Self {
        Self {
            role,
            ur: UrCollector::default(),
        }
    }
}

pub struct DkgSession {
    dkg: Dkg,
    name: String,
    outgoing: Outgoing,
    early: Vec<String>,
    /// Every round message this participant holds: its own and those accepted.
    held: Vec<String>,
    stage: Stage,
}

/// Checks and records what a participant signs: the journal. Injected, so sessions do no I/O
/// of their own and tests can keep the journal in memory.
pub trait SignGuard: Send {
    fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<(), String>;
    /// Must be durable when it returns Ok: a share may leave right after.
    fn record(&mut self, request: &SigningRequest, bytes: &[u8]) -> Result<(), String>;
}

impl SignGuard for crate::journal::JournalGuard {
    fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<(), String> {
        crate::journal::JournalGuard::check(self, request, bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn record(&mut self, request: &SigningRequest, bytes: &[u8]) -> Result<(), String> {
        crate::journal::JournalGuard::record(self, request, bytes).map_err(|e| format!("{e:#}"))
    }
}

/// Opens the guard of a key, by the key's name and group (locking the key while it lives).
pub type GuardOpener = std::sync::Arc<
    dyn Fn(&str, &crate::keys::GroupKey) -> Result<Box<dyn SignGuard>, String> + Send + Sync,
>;

pub struct CoordinatorSession {
    coordinator: Coordinator,
    guard: Option<Box<dyn SignGuard>>,
    label: String,
    target: usize,
    outgoing: Outgoing,
    definition_file: Option<String>,
    stage: Stage,
}

pub struct FollowerSession {
    opener: GuardOpener,
    guard: Option<Box<dyn SignGuard>>,
    keys: Vec<(String, StoredKey)>,
    chosen: Option<(String, KeyShare)>,
    follower: Option<Follower>,
    outgoing: Option<Outgoing>,
    stage: Stage,
}

impl Session {
    /// Starts a key generation.
    pub fn dkg(
        threshold: u16,
        participants: u16,
        name: &str,
        rng: &mut impl CryptoRngCore,
    ) -> anyhow::Result<Self> {
        let (dkg, round1) = Dkg::new(threshold, participants, rng)?;
        Ok(Session::from(Role::Dkg(DkgSession {
            outgoing: Outgoing {
                kind: MessageKind::DkgRound1,
                json: round1.to_json(),
                to: "all other participants",
            },
            dkg,
            name: name.to_string(),
            early: vec![],
            held: vec![round1.to_json()],
            stage: Stage::Collecting,
        })))
    }

    /// Starts a signing ceremony as coordinator, waiting for `signers` signers (at least t).
    pub fn coordinate(
        label: &str,
        key: &StoredKey,
        request: SigningRequest,
        signers: Option<usize>,
        definition_file: Option<String>,
        opener: &GuardOpener,
        rng: &mut impl CryptoRngCore,
    ) -> anyhow::Result<Self> {
        let group = key.material.group().clone();
        let target = check_coordination(label, &group, &request, signers)?;
        // With a share of its own the coordinator signs too: its journal is consulted now.
        let guard = match key.material.share() {
            Some(_) => Some(opener(label, &group).map_err(|e| anyhow::anyhow!(e))?),
            None => None,
        };
        let (coordinator, round1) =
            Coordinator::new(group, key.material.share().cloned(), request, rng)?;
        if let Some(g) = &guard {
            g.check(coordinator.request(), coordinator.signed_bytes())
                .map_err(|e| anyhow::anyhow!(e))?;
        }
        let stage = match coordinator.result() {
            Some(_) => Stage::ReadyToFinish,
            None => Stage::Collecting,
        };
        Ok(Session::from(Role::Coordinator(CoordinatorSession {
            outgoing: Outgoing {
                kind: MessageKind::CoordinatorRound1,
                json: round1.to_json(),
                to: "the other signers",
            },
            coordinator,
            guard,
            label: label.to_string(),
            target,
            definition_file,
            stage,
        })))
    }

    /// Starts following: with a chosen key, or picking among `keys` when the request arrives.
    pub fn follow(
        keys: Vec<(String, StoredKey)>,
        chosen: Option<(String, KeyShare)>,
        opener: GuardOpener,
    ) -> Self {
        Session::from(Role::Follower(FollowerSession {
            opener,
            guard: None,
            keys,
            chosen,
            follower: None,
            outgoing: None,
            stage: Stage::Collecting,
        }))
    }

    pub fn stage(&self) -> &Stage {
        match &self.role {
            Role::Dkg(s) => &s.stage,
            Role::Coordinator(s) => &s.stage,
            Role::Follower(s) => &s.stage,
        }
    }

    /// Feeds pasted text: pcli JSON messages and UR parts (from QR codes), mixed, in any order.
    /// Every message is checked and, if acceptable, applied.
    pub fn paste(&mut self, text: &str, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut feedback = Vec::new();
        let mut json = String::new();
        for line in text.lines() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if !parts.is_empty() && parts.iter().all(|p| UrCollector::is_part(p)) {
                for part in parts {
                    feedback.extend(self.receive_ur(part, rng));
                }
            } else {
                json.push_str(line);
                json.push('\n');
            }
        }
        for piece in split(&json) {
            match piece {
                Piece::Garbage(g) => {
                    feedback.push(Feedback::err(crate::excerpt::not_a_message(&g)))
                }
                Piece::Message(m) => feedback.extend(self.accept(&m, rng)),
            }
        }
        feedback
    }

    fn receive_ur(&mut self, part: &str, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        match self.ur.receive(part) {
            Err(e) => vec![Feedback::err(e)],
            Ok(Received::Duplicate) => vec![Feedback::ok("a QR part already received: ignored")],
            Ok(Received::Progress { have, total }) => {
                vec![Feedback::ok(format!("{have} of {total} parts"))]
            }
            Ok(Received::Complete(messages)) => {
                // A relay's bundle carries everyone's messages, this participant's own and
                // ones it already has among them: those are skipped, the rest checked as if
                // they had come alone.
                let known = if messages.len() > 1 {
                    self.view().relay
                } else {
                    vec![]
                };
                messages
                    .iter()
                    .map(|m| m.to_json())
                    .flat_map(|json| {
                        if known.contains(&json) {
                            vec![Feedback::ok(
                                "skipped a message already held (from the bundle)",
                            )]
                        } else {
                            self.accept(&json, rng)
                        }
                    })
                    .collect()
            }
        }
    }

    /// (have, total) UR parts of a message being collected.
    pub fn ur_progress(&self) -> Option<(usize, usize)> {
        self.ur.progress()
    }

    fn accept(&mut self, message: &str, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        if !matches!(self.stage(), Stage::Collecting) {
            return vec![Feedback::err("no more messages are expected now")];
        }
        match &mut self.role {
            Role::Dkg(s) => s.accept(message, rng),
            Role::Coordinator(s) => s.accept(message),
            Role::Follower(s) => s.accept(message, rng),
        }
    }

    /// The follower's answer to the review.
    pub fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        match &mut self.role {
            Role::Follower(s) => s.approve(rng),
            _ => vec![],
        }
    }

    pub fn decline(&mut self) {
        if let Role::Follower(s) = &mut self.role {
            if let Some(f) = &mut s.follower {
                f.decline();
            }
            s.stage = Stage::Declined;
        }
    }

    /// Runs the last, possibly slow step: the DKG's final computation or the aggregation.
    pub fn finish(&mut self) {
        match &mut self.role {
            Role::Dkg(s) => {
                s.stage = match s.dkg.finish() {
                    Ok(output) => Stage::Done(Outcome::Generated {
                        name: s.name.clone(),
                        output: Box::new(output),
                    }),
                    Err(e) => Stage::Failed(e.to_string()),
                }
            }
            Role::Coordinator(s) => {
                s.stage = match s.coordinator.aggregate() {
                    Ok(result) => Stage::Done(coordinator_outcome(s, &result)),
                    Err(e) => Stage::Failed(e.to_string()),
                }
            }
            Role::Follower(_) => {}
        }
    }

    pub fn view(&self) -> SessionView {
        match &self.role {
            Role::Dkg(s) => s.view(),
            Role::Coordinator(s) => s.view(),
            Role::Follower(s) => s.view(),
        }
    }
}

/// Checks a coordinator's key against its request (a definition must be signed by its own
/// identity key) and returns how many signers to wait for: `signers`, or the threshold.
pub fn check_coordination(
    label: &str,
    group: &crate::keys::GroupKey,
    request: &SigningRequest,
    signers: Option<usize>,
) -> anyhow::Result<usize> {
    if let SigningRequest::ValidatorDefinition(v) = request {
        anyhow::ensure!(
            v.identity_key == group.identity_key(),
            "the definition's identity_key is {}, but key {label} is {}: sign it with the validator's identity key",
            v.identity_key,
            group.identity_key()
        );
    }
    let threshold = usize::from(group.threshold());
    let target = signers.unwrap_or(threshold);
    anyhow::ensure!(
        (threshold..=group.participant_count()).contains(&target),
        "signers must be between the threshold {threshold} and the number of participants {}",
        group.participant_count()
    );
    Ok(target)
}

fn wrong_kind(got: MessageKind, expected: &str) -> Feedback {
    Feedback::err(format!(
        "this is {got} ({}); expected {expected}",
        got.description()
    ))
}

impl DkgSession {
    fn accept(&mut self, text: &str, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let kind = match recognise(text) {
            Ok((kind, _)) => kind,
            Err(e) => return vec![Feedback::err(e.to_string())],
        };
        match (kind, self.dkg.round()) {
            (MessageKind::DkgRound1, 1) => {
                let result = DkgRound1::from_json(text)
                    .map_err(|e| e.to_string())
                    .and_then(|m| self.dkg.accept_round1(m).map_err(|e| e.to_string()));
                match result {
                    Ok(who) => {
                        self.held.push(text.to_string());
                        let mut out = vec![Feedback::ok(format!("accepted DKGRound1 from {who}"))];
                        if self.dkg.progress().0 == self.dkg.progress().1 {
                            out.extend(self.start_round2(rng));
                        }
                        out
                    }
                    Err(e) => vec![Feedback::err(e)],
                }
            }
            (MessageKind::DkgRound2, 1) => {
                self.early.push(text.to_string());
                vec![Feedback::ok(
                    "kept a DKGRound2 message for round 2 (round 1 is not complete yet)",
                )]
            }
            (MessageKind::DkgRound2, 2) => {
                let result = DkgRound2::from_json(text)
                    .map_err(|e| e.to_string())
                    .and_then(|m| self.dkg.accept_round2(m, rng).map_err(|e| e.to_string()));
                match result {
                    Ok(who) => {
                        self.held.push(text.to_string());
                        if self.dkg.progress().0 == self.dkg.progress().1 {
                            self.stage = Stage::ReadyToFinish;
                        }
                        vec![Feedback::ok(format!("accepted DKGRound2 from {who}"))]
                    }
                    Err(e) => vec![Feedback::err(e)],
                }
            }
            (MessageKind::DkgRound1, _) => vec![Feedback::err(
                "DKGRound1 is not expected now: round 1 is over",
            )],
            (other, _) => vec![wrong_kind(other, "DKGRound1 or DKGRound2")],
        }
    }

    fn start_round2(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        match self.dkg.start_round2(rng) {
            Ok(round2) => {
                self.held.push(round2.to_json());
                self.outgoing = Outgoing {
                    kind: MessageKind::DkgRound2,
                    json: round2.to_json(),
                    to: "all other participants",
                };
                let mut out = vec![Feedback::ok(format!(
                    "round 1 complete: compare the fingerprint {} with everyone",
                    self.dkg.transcript_fingerprint().unwrap_or_default()
                ))];
                for early in std::mem::take(&mut self.early) {
                    out.extend(self.accept(&early, rng));
                }
                out
            }
            Err(e) => vec![Feedback::err(e.to_string())],
        }
    }

    fn view(&self) -> SessionView {
        let (have, need) = self.dkg.progress();
        let round = self.dkg.round().min(2);
        let heard = self.dkg.heard_from();
        let mut participants = vec![(self.dkg.fingerprint(), Mark::You)];
        let known = self.dkg.others_known();
        if known.is_empty() {
            // Round 1: the others are known only once they have sent their message.
            participants.extend(heard.into_iter().map(|p| (p, Mark::Answered)));
            participants.extend((have..need).map(|_| ("?".repeat(8), Mark::Waiting)));
        } else {
            let done = !matches!(self.stage, Stage::Collecting);
            participants.extend(known.into_iter().map(|p| {
                let mark = if done || heard.contains(&p) {
                    Mark::Answered
                } else {
                    Mark::Waiting
                };
                (p, mark)
            }));
        }
        let mut review = vec![];
        if let Some(fp) = self.dkg.transcript_fingerprint() {
            review.push(format!("Round 1 fingerprint: {fp}"));
            review.push("Read it aloud: every participant must see the same code.".into());
        }
        SessionView {
            title: format!(
                "Key generation {}-of-{} \u{2022} key \"{}\" \u{2022} you are {}",
                self.dkg.threshold(),
                self.dkg.participants(),
                self.name,
                self.dkg.fingerprint()
            ),
            round,
            rounds: 2,
            progress: match self.stage {
                Stage::Collecting => format!("{have} of {need} messages received"),
                _ => "all messages received".into(),
            },
            participants,
            outgoing: Some(self.outgoing.clone()),
            review,
            stage: self.stage.clone(),
            relay: self.held.clone(),
        }
    }
}

impl CoordinatorSession {
    fn accept(&mut self, text: &str) -> Vec<Feedback> {
        let kind = match recognise(text) {
            Ok((kind, _)) => kind,
            Err(e) => return vec![Feedback::err(e.to_string())],
        };
        let in_round1 = self.outgoing.kind == MessageKind::CoordinatorRound1;
        let result = match (kind, in_round1) {
            (MessageKind::FollowerRound1, true) => FollowerRound1::from_json(text)
                .map_err(|e| e.to_string())
                .and_then(|m| self.coordinator.accept_round1(m).map_err(|e| e.to_string())),
            (MessageKind::FollowerRound2, false) => FollowerRound2::from_json(text)
                .map_err(|e| e.to_string())
                .and_then(|m| self.coordinator.accept_round2(m).map_err(|e| e.to_string())),
            (MessageKind::FollowerRound1, false) => {
                Err("FollowerRound1 is not expected now: round 1 is closed".into())
            }
            (MessageKind::FollowerRound2, true) => {
                Err("FollowerRound2 is not expected yet: round 1 is still open".into())
            }
            (other, _) => {
                return vec![wrong_kind(
                    other,
                    "a signer's FollowerRound1 or FollowerRound2",
                )]
            }
        };
        match result {
            Ok(who) => {
                let mut out = vec![Feedback::ok(format!("accepted {kind} from {who}"))];
                if in_round1 && self.coordinator.commitments_progress().0 >= self.target {
                    // This participant's share is computed next: the journal records first.
                    if let Some(g) = &mut self.guard {
                        let (request, bytes) =
                            (self.coordinator.request(), self.coordinator.signed_bytes());
                        if let Err(e) = g.record(request, bytes) {
                            self.stage = Stage::Failed(e.clone());
                            out.push(Feedback::err(e));
                            return out;
                        }
                    }
                    match self.coordinator.start_round2() {
                        Ok(round2) => {
                            self.outgoing = Outgoing {
                                kind: MessageKind::CoordinatorRound2,
                                json: round2.to_json(),
                                to: "the same signers",
                            };
                            out.push(Feedback::ok("round 1 complete: send the round-2 message"));
                        }
                        Err(e) => out.push(Feedback::err(e.to_string())),
                    }
                }
                if self.coordinator.ready_to_aggregate() {
                    self.stage = Stage::ReadyToFinish;
                }
                out
            }
            Err(e) => vec![Feedback::err(e)],
        }
    }

    fn view(&self) -> SessionView {
        let group = self.coordinator.group();
        let in_round1 = self.outgoing.kind == MessageKind::CoordinatorRound1;
        let heard = self.coordinator.heard_from();
        let own = self.coordinator.own_fingerprint();
        let participants = group
            .participants()
            .map(|p| {
                let fp = p.fingerprint();
                let mark = if Some(&fp) == own.as_ref() {
                    Mark::You
                } else if heard.contains(&fp) {
                    Mark::Answered
                } else {
                    Mark::Waiting
                };
                (fp, mark)
            })
            .collect();
        let (have, need) = if in_round1 {
            (self.coordinator.commitments_progress().0, self.target)
        } else {
            self.coordinator.shares_progress()
        };
        let own_count = usize::from(self.coordinator.has_own_share());
        SessionView {
            title: format!(
                "Coordinating a {} with key {} ({}-of-{})",
                if is_check(self.coordinator.request()) {
                    "key check".to_string()
                } else {
                    self.coordinator.request().kind().to_string()
                },
                self.label,
                group.threshold(),
                group.participant_count()
            ),
            round: if in_round1 { 1 } else { 2 },
            rounds: 2,
            progress: format!(
                "{} of {} replies received",
                have.saturating_sub(own_count),
                need.saturating_sub(own_count)
            ),
            participants,
            outgoing: Some(self.outgoing.clone()),
            review: describe(self.coordinator.request(), group.fvk()),
            stage: self.stage.clone(),
            relay: vec![],
        }
    }
}

fn coordinator_outcome(s: &CoordinatorSession, result: &SigningResult) -> Outcome {
    let request = s.coordinator.request();
    if is_check(request) {
        return Outcome::Checked {
            signers: s.coordinator.shares_progress().1,
        };
    }
    let (headline, text, instructions) =
        signing_outcome(result, request, s.definition_file.as_deref());
    Outcome::Signed {
        headline,
        text,
        instructions,
    }
}

impl FollowerSession {
    fn accept(&mut self, text: &str, _rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let kind = match recognise(text) {
            Ok((kind, _)) => kind,
            Err(e) => return vec![Feedback::err(e.to_string())],
        };
        match (kind, &mut self.follower) {
            (MessageKind::CoordinatorRound1, None) => {
                let round1 = match CoordinatorRound1::from_json(text) {
                    Ok(m) => m,
                    Err(e) => return vec![Feedback::err(e.to_string())],
                };
                let (label, share) = match &self.chosen {
                    Some(c) => c.clone(),
                    None => match pick(&self.keys, &round1.request) {
                        Ok(c) => c,
                        Err(e) => return vec![Feedback::err(e)],
                    },
                };
                match Follower::new(share.clone(), round1) {
                    Ok(f) => {
                        // The journal (and the key's lock) before anything is reviewed.
                        let guard = match (self.opener)(&label, share.group()) {
                            Ok(g) => g,
                            Err(e) => return vec![Feedback::err(e)],
                        };
                        if let Err(refusal) = guard.check(f.request(), f.signed_bytes()) {
                            self.stage = Stage::Failed(refusal.clone());
                            return vec![Feedback::err(refusal)];
                        }
                        self.guard = Some(guard);
                        self.follower = Some(f);
                        self.chosen = Some((label.clone(), share));
                        self.stage = Stage::Review;
                        vec![Feedback::ok(format!(
                            "request received: review it, then approve or decline (key {label})"
                        ))]
                    }
                    Err(e) => vec![Feedback::err(e.to_string())],
                }
            }
            (MessageKind::CoordinatorRound2, Some(f)) => {
                let (request, bytes) = (f.request().clone(), f.signed_bytes().to_vec());
                let guard = &mut self.guard;
                let result = CoordinatorRound2::from_json(text)
                    .map_err(|e| e.to_string())
                    .and_then(|m| f.sign(m).map_err(|e| e.to_string()))
                    .and_then(|reply| {
                        // Durable before the share leaves.
                        match guard {
                            Some(g) => g
                                .record(&request, &bytes)
                                .map(|()| reply)
                                .map_err(|e| format!("{e}; the share was not sent")),
                            None => Err("no journal is open for this key".into()),
                        }
                    });
                match result {
                    Ok(reply) => {
                        self.outgoing = Some(Outgoing {
                            kind: MessageKind::FollowerRound2,
                            json: reply.to_json(),
                            to: "the coordinator",
                        });
                        self.stage = Stage::Done(Outcome::FollowerDone);
                        vec![Feedback::ok("signed: send the FollowerRound2 message to the coordinator")]
                    }
                    Err(e) => vec![Feedback::err(e)],
                }
            }
            (MessageKind::CoordinatorRound2, None) => vec![Feedback::err(
                "CoordinatorRound2 is not expected yet: paste the coordinator's first message (CoordinatorRound1)",
            )],
            (MessageKind::CoordinatorRound1, Some(_)) => vec![Feedback::err(
                "CoordinatorRound1 is not expected now: this ceremony's request was already received",
            )],
            (other, _) => vec![wrong_kind(other, "a coordinator's message")],
        }
    }

    fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let (Stage::Review, Some(f)) = (&self.stage, &mut self.follower) else {
            return vec![];
        };
        match f.approve(rng) {
            Ok(reply) => {
                self.outgoing = Some(Outgoing {
                    kind: MessageKind::FollowerRound1,
                    json: reply.to_json(),
                    to: "the coordinator",
                });
                self.stage = Stage::Collecting;
                vec![Feedback::ok(
                    "approved: send FollowerRound1 to the coordinator",
                )]
            }
            Err(e) => vec![Feedback::err(e.to_string())],
        }
    }

    fn view(&self) -> SessionView {
        let (round, progress) = match (&self.follower, &self.outgoing) {
            (None, _) => (1, "waiting for the coordinator's request".to_string()),
            (Some(_), None) => (1, "review the request".to_string()),
            (Some(_), Some(o)) if o.kind == MessageKind::FollowerRound1 => (
                2,
                "waiting for the coordinator's round-2 message".to_string(),
            ),
            _ => (2, "done: send your last message".to_string()),
        };
        let participants = self
            .chosen
            .as_ref()
            .map(|(_, share)| {
                share
                    .group()
                    .participants()
                    .map(|p| {
                        let mark = if p.vk == share.verification_key() {
                            Mark::You
                        } else {
                            Mark::Waiting
                        };
                        (p.fingerprint(), mark)
                    })
                    .collect()
            })
            .unwrap_or_default();
        SessionView {
            title: match &self.chosen {
                Some((label, share)) => format!(
                    "Following with key {label} \u{2022} you are {}",
                    share.fingerprint()
                ),
                None => "Following a signing ceremony".into(),
            },
            round,
            rounds: 2,
            progress,
            participants,
            outgoing: self.outgoing.clone(),
            review: match (&self.follower, &self.chosen) {
                (Some(f), Some((_, share))) => describe(f.request(), share.group().fvk()),
                _ => vec![],
            },
            stage: self.stage.clone(),
            relay: vec![],
        }
    }
}

/// The stored share a request needs (see `Store::find_for`).
fn pick(
    keys: &[(String, StoredKey)],
    request: &SigningRequest,
) -> Result<(String, KeyShare), String> {
    let matches: Vec<(String, KeyShare)> = keys
        .iter()
        .filter_map(|(name, k)| {
            let share = k.material.share()?;
            matches_request(share.group(), request).then(|| (name.clone(), share.clone()))
        })
        .collect();
    let locked: Vec<&str> = keys
        .iter()
        .filter(|(_, k)| k.material.is_sealed() && matches_request(k.material.group(), request))
        .map(|(n, _)| n.as_str())
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one match")),
        0 if !locked.is_empty() => Err(format!(
            "key {} can sign this {} but is still encrypted (no passphrase, or another one): follow again choosing that key and its passphrase",
            locked.join(", "),
            request.kind()
        )),
        0 => Err(format!(
            "no stored key can sign this {}: nothing was signed",
            request.kind()
        )),
        _ => Err(format!(
            "several stored keys could sign this {}: choose one",
            request.kind()
        )),
    }
}
