//! Ceremony sessions: one engine plus everything a front end shows of it (where the ceremony
//! stands, who has answered, every message produced, the review) and input in, feedback out.
//!
//! The rules of a ceremony live here once, for the TUI and line mode alike: input is decoded at
//! the edge ([`crate::intake`]) and each piece gets one outcome; a message for a later round is
//! kept until that round comes; a byte-identical copy of a message already held is skipped; the
//! journal is consulted before review and written before a share leaves; a key generation
//! sends its round 2 only after the person confirmed the round-1 fingerprint; a refresh or
//! repair that another participant starts is reviewed before anything is sent, and what a
//! shared relay carries for others is passed over quietly. Sessions own their randomness
//! (seeded by the caller) and do no I/O of their own except through the injected journal guard.
//!
//! The roles: [`Session::dkg`], [`Session::coordinate`], [`Session::follow`];
//! [`Session::refresh_start`] and [`Session::refresh_join`] (a member in a refresh),
//! [`Session::repair_start`] and [`Session::repair_join`] (a helper in a repair),
//! [`Session::newcomer`] (the newcomer of a repair).

mod admit;
mod coordinator;
mod dkg;
mod exchange;
mod follower;
mod helper;
mod joined;
mod newcomer;
mod refresh;
mod view;

use ed25519_consensus::VerificationKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::dkg::DkgOutput;
use crate::intake::{Intake, Piece};
use crate::journal::Verdict;
use crate::keyfile::StoredKey;
use crate::keys::{GroupKey, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::request::SigningRequest;

use self::coordinator::CoordinatorSession;
use self::dkg::DkgSession;
use self::follower::FollowerSession;
use self::joined::Participant;
pub use self::view::{Mark, Question, SessionView};

/// One line of feedback on what became of some input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub ok: bool,
    pub text: String,
}

impl Feedback {
    pub fn ok(text: impl Into<String>) -> Self {
        Self {
            ok: true,
            text: text.into(),
        }
    }
    pub fn err(text: impl Into<String>) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }
}

impl From<Refusal> for Feedback {
    fn from(r: Refusal) -> Self {
        Feedback::err(r.to_string())
    }
}

/// What became of one piece of input: `taken` is false when nothing of it was used, so a front
/// end can keep the text (nothing a person typed or pasted is lost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PieceOutcome {
    pub text: String,
    pub taken: bool,
    pub feedback: Vec<Feedback>,
}

/// A message this participant produced, and to whom it goes.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub message: AnyMessage,
    /// pcli's JSON of `message`, what people copy.
    pub json: String,
    pub to: &'static str,
    /// Its proto bytes, encoded once: copies are recognised by them.
    bytes: Vec<u8>,
}

impl Outgoing {
    fn new(message: impl Into<AnyMessage>, to: &'static str) -> Self {
        let message = message.into();
        Self {
            json: message.to_json(),
            bytes: message.to_bytes(),
            message,
            to,
        }
    }

    /// Whether `bytes` are this message's proto bytes.
    fn is(&self, bytes: &[u8]) -> bool {
        self.bytes == bytes
    }

    pub fn kind(&self) -> MessageKind {
        self.message.kind()
    }
}

/// How a ceremony ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A signature or authorization to hand to pcli: `text` is exactly what pcli takes, and
    /// `command` the pcli command that uses it (one line), when there is one.
    Signed {
        headline: String,
        text: String,
        instructions: Vec<String>,
        command: Option<String>,
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
    /// A refresh finished: `share` (the next generation of the same key and participant)
    /// replaces the share of key `key`, whose old share must then be destroyed (see
    /// [`crate::store::replace_share`]); `removed` are the members left out.
    Refreshed {
        key: String,
        share: Box<KeyShare>,
        removed: Vec<String>,
    },
    /// A repair this member helped finished: `share` (the same share, under the group that now
    /// includes `newcomer`) replaces the share of key `key`.
    Helped {
        key: String,
        share: Box<KeyShare>,
        newcomer: String,
    },
    /// A newcomer's repair finished: its new share, to store as `name` (a new key, with a new
    /// signing journal).
    Enrolled { name: String, share: Box<KeyShare> },
}

/// Where a session stands, for the front end.
#[derive(Clone, Debug)]
pub enum Stage {
    /// Waiting for messages.
    Collecting,
    /// A key generation's round 1 is complete: the person must confirm that everyone sees
    /// this fingerprint before this participant's round 2 goes out.
    Confirm {
        fingerprint: String,
    },
    /// A follower's request, or a refresh or repair another participant started, awaits
    /// approval ([`SessionView::question`] says what is asked).
    Review,
    /// The key the request needs is encrypted: its passphrase is needed.
    Passphrase {
        key: String,
    },
    /// A slow step must run ([`Session::compute`]): front ends run it off the UI thread.
    Compute,
    Done(Outcome),
    Declined,
    Failed(String),
}

/// Checks and records what a participant signs: the journal. Injected, so tests can keep the
/// journal in memory.
pub trait SignGuard: Send {
    fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<Verdict, Refusal>;
    /// Must be durable when it returns Ok: a share may leave right after.
    fn record(&mut self, request: &SigningRequest, bytes: &[u8]) -> Result<(), Refusal>;
    /// What opening the journal did besides reading it (an old journal taken over).
    fn notes(&self) -> Vec<String> {
        vec![]
    }
}

impl SignGuard for crate::journal::JournalGuard {
    fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<Verdict, Refusal> {
        crate::journal::JournalGuard::check(self, request, bytes)
    }
    fn record(&mut self, request: &SigningRequest, bytes: &[u8]) -> Result<(), Refusal> {
        crate::journal::JournalGuard::record(self, request, bytes)
            .map_err(|e| Refusal::JournalFailed(format!("{e:#}")))
    }
    fn notes(&self) -> Vec<String> {
        crate::journal::JournalGuard::notes(self).to_vec()
    }
}

/// Opens the guard of a share (locking it while the guard lives); the label names the key.
pub type GuardOpener =
    std::sync::Arc<dyn Fn(&str, &KeyShare) -> Result<Box<dyn SignGuard>, Refusal> + Send + Sync>;

/// What opening the journal and its verdict tell the person.
fn journal_notes(guard: &dyn SignGuard, verdict: Verdict) -> Vec<Feedback> {
    let mut notes: Vec<Feedback> = guard
        .notes()
        .into_iter()
        .map(|n| Feedback::ok(format!("journal: {n}")))
        .collect();
    if verdict == Verdict::Repeat {
        notes.push(Feedback::ok(
            "the journal shows this exact request was signed before: signing it again is harmless",
        ));
    }
    notes
}

/// One ceremony: its role's engine, the input edge, the session's own randomness, and the
/// proto bytes of every message taken (so a byte-identical copy is skipped, not refused).
pub struct Session {
    role: Role,
    intake: Intake,
    rng: ChaCha20Rng,
    /// The proto bytes of every message the role took, encoded once (encoding is not free: a
    /// large key generation's paste would otherwise encode every held message per piece).
    taken: std::collections::HashSet<Vec<u8>>,
}

/// What a coordinator starts with: its key (a share, or public key data only) and what it
/// asks to sign, from `signers` signers (default: the threshold).
pub struct Coordination<'a> {
    pub label: &'a str,
    pub key: &'a StoredKey,
    pub request: SigningRequest,
    pub signers: Option<usize>,
    /// The definition file's name, for pcli's upload command in the result.
    pub definition_file: Option<String>,
}

// One session lives per ceremony: boxing variants would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Role {
    Dkg(DkgSession),
    Coordinator(CoordinatorSession),
    Follower(FollowerSession),
    /// A refresh member, a repair helper or a repair's newcomer.
    Custody(Box<dyn Participant>),
}

fn seeded(rng: &mut impl CryptoRngCore) -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    ChaCha20Rng::from_seed(seed)
}

impl Session {
    fn with(role: Role, rng: ChaCha20Rng) -> Self {
        Self {
            role,
            intake: Intake::default(),
            rng,
            taken: Default::default(),
        }
    }

    /// Starts a t-of-n key generation whose share will be stored as `name`.
    pub fn dkg(
        threshold: u16,
        participants: u16,
        name: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let mut rng = seeded(rng);
        let role = DkgSession::new(threshold, participants, name, &mut rng)?;
        Ok(Self::with(Role::Dkg(role), rng))
    }

    /// Starts a signing ceremony as coordinator.
    pub fn coordinate(
        coordination: Coordination,
        opener: &GuardOpener,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, Vec<Feedback>), Refusal> {
        let (role, feedback) = CoordinatorSession::new(coordination, opener)?;
        Ok((Self::with(Role::Coordinator(role), seeded(rng)), feedback))
    }

    /// Starts following: with a chosen key, or with the key among `keys` that the request
    /// needs (`store` names where they are kept, for messages).
    pub fn follow(
        keys: Vec<(String, StoredKey)>,
        chosen: Option<(String, KeyShare)>,
        store: &str,
        opener: GuardOpener,
        rng: &mut impl CryptoRngCore,
    ) -> Self {
        let role = FollowerSession::new(keys, chosen, store, opener);
        Self::with(Role::Follower(role), seeded(rng))
    }

    /// Starts a refresh of `share`'s key (stored as `label`) as the member who chooses who
    /// stays: every member but `remove`. `now` (unix seconds) is the refresh's date. The
    /// threshold stays: frost-core refuses to lower it.
    pub fn refresh_start(
        label: &str,
        share: KeyShare,
        remove: &[VerificationKey],
        now: u64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let mut rng = seeded(rng);
        let role = refresh::start(label, share, remove, now, &mut rng)?;
        Ok(Self::with(Role::Custody(role), rng))
    }

    /// Joins a refresh of `share`'s key from the first round-1 message another member sends,
    /// once the person approved it ([`Stage::Review`]).
    pub fn refresh_join(label: &str, share: KeyShare, rng: &mut impl CryptoRngCore) -> Self {
        Self::with(Role::Custody(refresh::join(label, share)), seeded(rng))
    }

    /// Starts a repair of `share`'s key as the helper who takes the newcomer's request, with
    /// every member but `without` (the lost member, and anyone who cannot take part) helping.
    pub fn repair_start(
        label: &str,
        share: KeyShare,
        without: &[VerificationKey],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let role = helper::start(label, share, without)?;
        Ok(Self::with(Role::Custody(role), seeded(rng)))
    }

    /// Helps in a repair of `share`'s key, joining from another helper's round-1 message once
    /// the person approved it ([`Stage::Review`]).
    pub fn repair_join(label: &str, share: KeyShare, rng: &mut impl CryptoRngCore) -> Self {
        Self::with(Role::Custody(helper::join(label, share)), seeded(rng))
    }

    /// A member of `share`'s key who did not help in a repair: it takes the helpers' messages
    /// and, once the person confirmed the newcomer, ends with its share under the group that
    /// includes the newcomer ([`Outcome::Helped`]).
    pub fn repair_admit(label: &str, share: KeyShare, rng: &mut impl CryptoRngCore) -> Self {
        Self::with(Role::Custody(admit::start(label, share)), seeded(rng))
    }

    /// The newcomer of a repair of the key `group` describes (its public description), with a
    /// new participant key; its share will be stored as `name`.
    pub fn newcomer(
        name: &str,
        group: GroupKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let mut rng = seeded(rng);
        let role = newcomer::start(name, group, &mut rng)?;
        Ok(Self::with(Role::Custody(role), rng))
    }

    pub fn stage(&self) -> &Stage {
        match &self.role {
            Role::Dkg(s) => &s.stage,
            Role::Coordinator(s) => &s.stage,
            Role::Follower(s) => &s.stage,
            Role::Custody(s) => s.stage(),
        }
    }

    /// Takes a paste: any number of messages and QR parts, in any order.
    pub fn paste(&mut self, text: &str) -> Vec<PieceOutcome> {
        let pieces = self.intake.paste(text);
        self.take_pieces(pieces)
    }

    /// Takes one line of line mode (a message wrapped over lines is joined first).
    pub fn line(&mut self, line: &str) -> Vec<PieceOutcome> {
        let pieces = self.intake.line(line);
        self.take_pieces(pieces)
    }

    /// The end of line-mode input.
    pub fn end_of_input(&mut self) -> Vec<PieceOutcome> {
        let pieces = self.intake.end();
        self.take_pieces(pieces)
    }

    /// (have, total) QR parts of a message being collected.
    pub fn ur_progress(&self) -> Option<(usize, usize)> {
        self.intake.ur_progress()
    }

    fn take_pieces(&mut self, pieces: Vec<Piece>) -> Vec<PieceOutcome> {
        pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Refused { text, reason } => PieceOutcome {
                    text,
                    taken: false,
                    feedback: vec![Feedback::err(reason)],
                },
                Piece::Part { text, note } => PieceOutcome {
                    text,
                    taken: true,
                    feedback: vec![Feedback::ok(note)],
                },
                Piece::Messages {
                    text,
                    messages,
                    bundle,
                } => {
                    let mut feedback = Vec::new();
                    let mut taken = false;
                    for message in messages {
                        let (ok, more) = self.take_one(message, bundle);
                        taken |= ok;
                        feedback.extend(more);
                    }
                    PieceOutcome {
                        text,
                        taken,
                        feedback,
                    }
                }
            })
            .collect()
    }

    /// Takes one decoded message (from a camera, say) as if it had been pasted.
    pub fn take(&mut self, message: AnyMessage) -> Vec<Feedback> {
        self.take_one(message, false).1
    }

    /// Whether the message was used (or already held), and the feedback.
    fn take_one(&mut self, message: AnyMessage, bundle: bool) -> (bool, Vec<Feedback>) {
        let bytes = message.to_bytes();
        let produced = self.produced(&bytes);
        if produced && !bundle {
            // The commonest wrong paste: the message this participant just copied out.
            return (
                true,
                vec![Feedback::ok(format!(
                    "skipped your own {}: send it to the others and paste their replies here",
                    message.kind()
                ))],
            );
        }
        if produced || self.taken.contains(&bytes) {
            let what = if bundle { " (from the bundle)" } else { "" };
            return (
                true,
                vec![Feedback::ok(format!(
                    "skipped a {} already held{what}",
                    message.kind()
                ))],
            );
        }
        let result = match &mut self.role {
            Role::Dkg(s) => s.take(message),
            Role::Coordinator(s) => s.take(message, &mut self.rng),
            Role::Follower(s) => s.take(message),
            Role::Custody(s) => s.take(message, &mut self.rng),
        };
        match result {
            Ok(feedback) => {
                // Every message a role takes, it keeps (accepted, or held for later).
                self.taken.insert(bytes);
                (true, feedback)
            }
            Err(refusal) => (false, vec![refusal.into()]),
        }
    }

    /// Whether this participant produced a message with these proto bytes.
    fn produced(&self, bytes: &[u8]) -> bool {
        let sent: &[Outgoing] = match &self.role {
            Role::Dkg(s) => s.sent(),
            Role::Coordinator(s) => &s.sent,
            Role::Follower(s) => &s.sent,
            Role::Custody(s) => s.sent(),
        };
        sent.iter().any(|o| o.is(bytes))
    }

    /// The person confirmed that everyone sees the same round-1 fingerprint.
    pub fn confirm(&mut self) -> Vec<Feedback> {
        match &mut self.role {
            Role::Dkg(s) => s.confirm(&mut self.rng),
            _ => vec![],
        }
    }

    /// The answer to the review ([`Stage::Review`]): a follower signs, a refresh member or a
    /// repair helper takes part.
    pub fn approve(&mut self) -> Vec<Feedback> {
        match &mut self.role {
            Role::Follower(s) => s.approve(&mut self.rng),
            Role::Custody(s) => s.approve(&mut self.rng),
            _ => vec![],
        }
    }

    /// The person declines the review (or abandons a key generation's fingerprint): nothing is
    /// signed or sent.
    pub fn decline(&mut self) {
        match &mut self.role {
            Role::Follower(s) => s.decline(),
            Role::Dkg(s) => s.abandon(),
            Role::Custody(s) => s.decline(),
            Role::Coordinator(_) => {}
        }
    }

    /// The passphrase of the key asked for in [`Stage::Passphrase`]; opening it is slow, so
    /// it happens in [`Session::compute`].
    pub fn provide_passphrase(&mut self, passphrase: Zeroizing<String>) {
        if let Role::Follower(s) = &mut self.role {
            s.provide_passphrase(passphrase);
        }
    }

    /// Runs the slow step [`Stage::Compute`] asks for: a key generation's, a refresh's or a
    /// repair's last computation, the aggregation, or opening an encrypted key.
    pub fn compute(&mut self) -> Vec<Feedback> {
        match &mut self.role {
            Role::Dkg(s) => s.compute(),
            Role::Coordinator(s) => s.compute(),
            Role::Follower(s) => s.compute(),
            Role::Custody(s) => s.compute(),
        }
    }

    pub fn view(&self) -> SessionView {
        match &self.role {
            Role::Dkg(s) => s.view(),
            Role::Coordinator(s) => s.view(),
            Role::Follower(s) => s.view(),
            Role::Custody(s) => s.view(),
        }
    }
}
