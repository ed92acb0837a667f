//! A follower session: the request arrives, the key it needs is found (and opened, if it is
//! encrypted, with the passphrase asked right then), the journal is consulted, the person
//! reviews and approves or declines, and the share leaves only after the journal recorded it.

use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use super::view::{ceremony_id, signing_marks};
use super::{journal_notes, Feedback, GuardOpener, Outcome, Outgoing};
use super::{SessionView, SignGuard, Stage};
use crate::keyfile::StoredKey;
use crate::keys::KeyShare;
use crate::messages::{AnyMessage, CoordinatorRound1, CoordinatorRound2, MessageKind};
use crate::refusal::Refusal;
use crate::review::describe;
use crate::signing::Follower;
use crate::store::choose;

pub(super) struct FollowerSession {
    opener: GuardOpener,
    guard: Option<Box<dyn SignGuard>>,
    keys: Vec<(String, StoredKey)>,
    store: String,
    chosen: Option<(String, KeyShare)>,
    /// The request waiting for its key's passphrase.
    waiting: Option<(String, StoredKey, CoordinatorRound1)>,
    passphrase: Option<Zeroizing<String>>,
    follower: Option<Follower>,
    /// Who the coordinator chose to sign, once its round-2 package arrived.
    signers: Vec<String>,
    pub(super) sent: Vec<Outgoing>,
    /// The request in words, made once it arrives (describing a plan takes milliseconds).
    review: Vec<String>,
    pub(super) stage: Stage,
}

impl FollowerSession {
    pub(super) fn new(
        keys: Vec<(String, StoredKey)>,
        chosen: Option<(String, KeyShare)>,
        store: &str,
        opener: GuardOpener,
    ) -> Self {
        Self {
            opener,
            guard: None,
            keys,
            store: store.to_string(),
            chosen,
            waiting: None,
            passphrase: None,
            follower: None,
            signers: vec![],
            sent: vec![],
            review: vec![],
            stage: Stage::Collecting,
        }
    }

    pub(super) fn take(&mut self, message: AnyMessage) -> Result<Vec<Feedback>, Refusal> {
        let kind = message.kind();
        match message {
            AnyMessage::CoordinatorRound1(round1)
                if self.follower.is_none() && self.waiting.is_none() =>
            {
                self.receive_request(round1)
            }
            AnyMessage::CoordinatorRound2(round2)
                if self.follower.is_some() && matches!(self.stage, Stage::Collecting) =>
            {
                self.sign(round2)
            }
            AnyMessage::CoordinatorRound2(_) => Err(Refusal::OutOfOrder {
                kind,
                now: match self.stage {
                    Stage::Review => "approve the request first",
                    Stage::Done(_) => "this participant has already signed",
                    _ => "paste the coordinator's first message (CoordinatorRound1) first",
                },
            }),
            AnyMessage::CoordinatorRound1(_) => Err(Refusal::OutOfOrder {
                kind,
                now: "this ceremony's request was already received",
            }),
            other => Err(Refusal::Unexpected {
                got: other.kind(),
                expected: "a coordinator's message",
            }),
        }
    }

    /// Signs the coordinator's package; the journal records before the share leaves.
    fn sign(&mut self, round2: CoordinatorRound2) -> Result<Vec<Feedback>, Refusal> {
        let f = self.follower.as_mut().expect("checked by the caller");
        let signers: Vec<String> = round2
            .packages
            .first()
            .into_iter()
            .flat_map(|package| package.keys())
            .filter_map(|id| f.share().group().participant_by_id(id))
            .map(|p| p.fingerprint())
            .collect();
        let reply = f.sign(round2)?;
        let guard = self
            .guard
            .as_mut()
            .ok_or_else(|| Refusal::JournalFailed("no journal is open for this key".into()))?;
        if let Err(e) = guard.record(f.request(), f.signed_bytes()) {
            self.stage = Stage::Failed(format!("{e}; the share was not sent"));
            return Err(e);
        }
        self.signers = signers;
        self.sent.push(Outgoing::new(reply, "the coordinator"));
        self.stage = Stage::Done(Outcome::FollowerDone);
        // This participant's part is over: the key's lock is released.
        self.guard = None;
        Ok(vec![Feedback::ok(
            "signed: send the FollowerRound2 message to the coordinator",
        )])
    }

    /// The request arrived: find its key, then open it or ask for its passphrase.
    fn receive_request(&mut self, round1: CoordinatorRound1) -> Result<Vec<Feedback>, Refusal> {
        if let Some((label, share)) = self.chosen.clone() {
            return self.start(label, share, round1);
        }
        let (label, key) = choose(&self.keys, &round1.request, true, &self.store)
            .map_err(|e| Refusal::WrongKey(e.to_string()))?;
        let (label, key) = (label.to_string(), key.clone());
        match key.material.share() {
            Some(share) => {
                let share = share.clone();
                self.start(label, share, round1)
            }
            None => {
                let note = format!(
                    "the request needs key {label}, which is encrypted: enter its passphrase"
                );
                self.stage = Stage::Passphrase { key: label.clone() };
                self.waiting = Some((label, key, round1));
                Ok(vec![Feedback::ok(note)])
            }
        }
    }

    /// Opens the follower engine and the journal, then shows the request for review.
    fn start(
        &mut self,
        label: String,
        share: KeyShare,
        round1: CoordinatorRound1,
    ) -> Result<Vec<Feedback>, Refusal> {
        let follower = Follower::new(share.clone(), round1)?;
        // The engine refused what cannot be reviewed, so this describes.
        let review = describe(follower.request(), share.group().fvk())
            .map_err(|e| Refusal::BadRequest(e.to_string()))?;
        // The journal (and the key's lock) before anything is reviewed.
        let guard = (self.opener)(&label, &share)?;
        let verdict = match guard.check(follower.request(), follower.signed_bytes()) {
            Ok(v) => v,
            Err(refusal) => {
                self.stage = Stage::Failed(refusal.to_string());
                return Err(refusal);
            }
        };
        let mut out = vec![Feedback::ok(format!(
            "request received: review it, then approve or decline (key {label})"
        ))];
        out.extend(journal_notes(guard.as_ref(), verdict));
        self.guard = Some(guard);
        self.review = review;
        self.follower = Some(follower);
        self.chosen = Some((label, share));
        self.stage = Stage::Review;
        Ok(out)
    }

    pub(super) fn provide_passphrase(&mut self, passphrase: Zeroizing<String>) {
        if matches!(self.stage, Stage::Passphrase { .. }) {
            self.passphrase = Some(passphrase);
            self.stage = Stage::Compute;
        }
    }

    /// Opens the encrypted key the request needs (Argon2id: slow).
    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        let (Stage::Compute, Some(passphrase)) = (&self.stage, self.passphrase.take()) else {
            return vec![];
        };
        let Some((label, key, round1)) = self.waiting.take() else {
            return vec![];
        };
        match key.material.unlock(Some(passphrase.as_bytes())) {
            Ok(Some(share)) => self
                .start(label, share, round1)
                .unwrap_or_else(|e| vec![e.into()]),
            Ok(None) => {
                self.stage = Stage::Failed(format!("key {label} holds no share"));
                vec![]
            }
            Err(e) => {
                let feedback = Feedback::err(format!("key {label}: {e}"));
                self.stage = Stage::Passphrase { key: label.clone() };
                self.waiting = Some((label, key, round1));
                vec![feedback]
            }
        }
    }

    pub(super) fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let (Stage::Review, Some(f)) = (&self.stage, &mut self.follower) else {
            return vec![];
        };
        match f.approve(rng) {
            Ok(reply) => {
                self.sent.push(Outgoing::new(reply, "the coordinator"));
                self.stage = Stage::Collecting;
                vec![Feedback::ok(
                    "approved: send FollowerRound1 to the coordinator",
                )]
            }
            Err(e) => vec![e.into()],
        }
    }

    pub(super) fn decline(&mut self) {
        if let Some(f) = &mut self.follower {
            f.decline();
        }
        self.guard = None;
        self.stage = Stage::Declined;
    }

    pub(super) fn view(&self) -> SessionView {
        let last = self.sent.last().map(Outgoing::kind);
        let (round, progress) = match (&self.stage, last) {
            (Stage::Passphrase { key }, _) => (1, format!("enter the passphrase of key {key}")),
            (Stage::Compute, _) => (1, "opening the key".to_string()),
            (_, None) if self.follower.is_none() => {
                (1, "waiting for the coordinator's request".to_string())
            }
            (_, None) => (1, "review the request".to_string()),
            (_, Some(MessageKind::FollowerRound1)) => (
                2,
                "waiting for the coordinator's round-2 message".to_string(),
            ),
            _ => (2, "done: send your last message".to_string()),
        };
        let participants = self
            .chosen
            .as_ref()
            .map(|(_, share)| {
                signing_marks(
                    share.group(),
                    |p| p.vk == share.verification_key(),
                    &self.signers,
                )
            })
            .unwrap_or_default();
        SessionView::signing(
            match &self.chosen {
                Some((label, share)) => format!(
                    "Following with key {label} \u{2022} you are {}",
                    share.fingerprint()
                ),
                None => "Following a signing ceremony".into(),
            },
            (round, progress),
            participants,
            &self.sent,
            &self.review,
            &self.stage,
            self.follower
                .as_ref()
                .map(|f| ceremony_id(f.signed_bytes()))
                .unwrap_or_default(),
        )
    }
}
