//! A member's engine in the ceremonies in which every participant sends a round-1 and a round-2
//! message to all the others and hears all of theirs: a refresh ([`crate::refresh::Refresh`])
//! and, from a helper's side, a repair ([`crate::repair::RepairHelper`]). [`Member`] holds what
//! they share (where the member stands, the order of the steps, the checks of sender, session and
//! transcript); a [`Rounds`] supplies what each ceremony computes and checks of its own.

use rand_core::CryptoRngCore;

use super::{check_invitation, not_for_this_participant};
use super::{out_of_order, transcript, Body, Ceremony, Circle, GroupRef, Inbox, Signed};
use crate::keys::KeyShare;
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;

/// A signed message that travels among all others as an [`AnyMessage`] of its own kind.
pub trait Wire: Sized + Into<AnyMessage> + TryFrom<AnyMessage, Error = AnyMessage> {}

impl<M: Into<AnyMessage> + TryFrom<AnyMessage, Error = AnyMessage>> Wire for M {}

/// What one ceremony a [`Member`] takes part in computes and checks of its own.
pub trait Rounds: Sized {
    /// What the members agree on before anything is computed.
    type Session: Clone + PartialEq;
    /// The body of a member's round-1 message (it carries the session).
    type Round1: Body + PartialEq;
    /// The body of a member's round-2 message (it carries round 1's transcript).
    type Round2: Body + PartialEq;
    /// What this member keeps from its round-1 message until it makes its round-2 message.
    type Kept1;
    /// What this member keeps from its round-2 message on.
    type Kept2;
    /// What checking another member's round-2 message gives: the secret it sent this member.
    type Checked;

    /// The personalization of round 1's transcript digest.
    const ROUND1_TRANSCRIPT: &'static [u8; 16];
    /// A round-2 message whose transcript is not this member's, in words.
    const OTHER_ROUND1: &'static str;
    /// What this engine takes, in words, for a message of another kind.
    const EXPECTED: &'static str;

    /// The session a round-1 message describes.
    fn session(round1: &Self::Round1) -> &Self::Session;
    /// The key, as it was when the session began, that a session is about.
    fn key(session: &Self::Session) -> &GroupRef;
    /// The transcript of round 1 that a round-2 message carries.
    fn transcript(round2: &Self::Round2) -> &[u8; 32];

    /// Checks `session` against `share` and makes this member's round-1 message (see
    /// [`Member::open`]).
    fn begin(
        share: KeyShare,
        session: Self::Session,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Member<Self>, Signed<Self::Round1>), Refusal>;

    /// Why `participant`'s round-1 message describes a session other than this member's, of
    /// the same id: it told different members different things, unless this ceremony can say
    /// more.
    fn other_session(member: &Member<Self>, round1: &Self::Round1, participant: &str) -> Refusal;

    /// Checks the rest of what `participant`'s round-1 message says, its sender and session
    /// already checked: by default nothing.
    fn check_round1(
        _member: &Member<Self>,
        _round1: &Self::Round1,
        _participant: &str,
    ) -> Result<(), Refusal> {
        Ok(())
    }

    /// This member's round-2 body, once round 1 (`round1`, with its digest `transcript`) is
    /// complete, and what this member keeps from then on.
    fn round2(
        member: &Member<Self>,
        kept: &Self::Kept1,
        round1: &Inbox<Self::Round1>,
        transcript: [u8; 32],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self::Round2, Self::Kept2), Refusal>;

    /// Checks another member's round-2 message, its sender, session and transcript already
    /// checked (`round1` is what this member heard in round 1). Returns what it sent this member.
    fn check_round2(
        member: &Member<Self>,
        round1: &Inbox<Self::Round1>,
        msg: &Signed<Self::Round2>,
    ) -> Result<Self::Checked, Refusal>;

    /// What [`Ceremony::next`] does once round 2 is under way.
    fn after_round2(
        member: &mut Member<Self>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Option<AnyMessage>, Refusal>;

    /// This member's new share, once round 2 is complete.
    fn new_share(
        member: &Member<Self>,
        kept: &Self::Kept2,
        round1: &Inbox<Self::Round1>,
        round2: &Inbox<Self::Round2, Self::Checked>,
    ) -> Result<KeyShare, Refusal>;
}

/// Where a member stands.
// One engine per ceremony: boxing the larger phase would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Phase<R: Rounds> {
    Round1 {
        kept: R::Kept1,
        received: Inbox<R::Round1>,
    },
    Round2 {
        kept: R::Kept2,
        round1: Inbox<R::Round1>,
        transcript: [u8; 32],
        own_round2: Signed<R::Round2>,
        received: Inbox<R::Round2, R::Checked>,
    },
    Done(Box<KeyShare>),
}

/// One member in a ceremony of `R`.
pub struct Member<R: Rounds> {
    pub(crate) share: KeyShare,
    pub(crate) session: R::Session,
    pub(crate) circle: Circle,
    pub(crate) decryption_key: decaf377_ka::Secret,
    pub(crate) own_round1: Signed<R::Round1>,
    pub(crate) phase: Phase<R>,
}

impl<R: Rounds> Member<R>
where
    Signed<R::Round1>: Wire,
    Signed<R::Round2>: Wire,
{
    /// A member about to hear round 1, with its round-1 message: `round1` of the session and
    /// the fresh encryption key that others encrypt what they send it in round 2 to, signed.
    pub(crate) fn open(
        share: KeyShare,
        session: R::Session,
        circle: Circle,
        kept: R::Kept1,
        round1: impl FnOnce(&R::Session, decaf377_ka::Public) -> R::Round1,
        rng: &mut impl CryptoRngCore,
    ) -> (Self, Signed<R::Round1>) {
        let decryption_key = decaf377_ka::Secret::new(rng);
        let own_round1 = Signed::sign(
            share.signing_key(),
            round1(&session, decryption_key.public()),
        );
        let member = Self {
            share,
            session,
            circle,
            decryption_key,
            own_round1: own_round1.clone(),
            phase: Phase::Round1 {
                kept,
                received: Inbox::default(),
            },
        };
        (member, own_round1)
    }

    /// Joins the session that `invitation` (another member's round-1 message, normally the one
    /// who started it) describes, after a person has reviewed it. Returns this member's round-1
    /// message; the invitation is already accepted.
    pub fn join(
        share: KeyShare,
        invitation: Signed<R::Round1>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, Signed<R::Round1>), Refusal> {
        let session = R::session(&invitation.body).clone();
        check_invitation(share.group(), &invitation, R::key(&session))?;
        let (mut member, round1) = R::begin(share, session, rng)?;
        member.accept_round1(invitation)?;
        Ok((member, round1))
    }

    pub fn session(&self) -> &R::Session {
        &self.session
    }

    pub fn fingerprint(&self) -> String {
        self.share.fingerprint()
    }

    /// Accepts another member's round-1 message. Returns the sender's fingerprint.
    pub fn accept_round1(&mut self, msg: Signed<R::Round1>) -> Result<String, Refusal> {
        let Phase::Round1 { received, .. } = &self.phase else {
            return Err(out_of_order(R::Round1::KIND, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        if R::session(&msg.body) != &self.session {
            return Err(R::other_session(self, &msg.body, &participant));
        }
        R::check_round1(self, &msg.body, &participant)?;
        if let Phase::Round1 { received, .. } = &mut self.phase {
            received.insert(msg, ());
        }
        Ok(participant)
    }

    /// Closes round 1 once every other member is heard from and returns this member's round-2
    /// message.
    pub fn start_round2(
        &mut self,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Signed<R::Round2>, Refusal> {
        let Phase::Round1 { kept, received } = &self.phase else {
            return Err(out_of_order(R::Round2::KIND, self.round(), 2));
        };
        if received.len() < self.circle.others() {
            return Err(self.incomplete(R::Round1::KIND));
        }
        let transcript = transcript(
            R::ROUND1_TRANSCRIPT,
            &self.circle.session(),
            received.messages().chain([&self.own_round1]),
        );
        let (body, kept) = R::round2(self, kept, received, transcript, rng)?;
        let own_round2 = Signed::sign(self.share.signing_key(), body);
        let Phase::Round1 { received, .. } = std::mem::replace(
            &mut self.phase,
            Phase::Round2 {
                kept,
                round1: Inbox::default(),
                transcript,
                own_round2: own_round2.clone(),
                received: Inbox::default(),
            },
        ) else {
            unreachable!("checked above")
        };
        if let Phase::Round2 { round1, .. } = &mut self.phase {
            *round1 = received;
        }
        Ok(own_round2)
    }

    /// Accepts another member's round-2 message: it saw the same round 1 as this member, and
    /// what it sent this member checks out. Returns the sender's fingerprint.
    pub fn accept_round2(&mut self, msg: Signed<R::Round2>) -> Result<String, Refusal> {
        let Phase::Round2 {
            round1,
            transcript,
            received,
            ..
        } = &self.phase
        else {
            return Err(out_of_order(R::Round2::KIND, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        if R::transcript(&msg.body) != transcript {
            return Err(Refusal::invalid(
                R::Round2::KIND,
                &participant,
                R::OTHER_ROUND1,
            ));
        }
        let checked = R::check_round2(self, round1, &msg)?;
        if let Phase::Round2 { received, .. } = &mut self.phase {
            received.insert(msg, checked);
        }
        Ok(participant)
    }

    /// This member's new share, once every other member's round-2 message is in.
    pub fn finish(&mut self) -> Result<KeyShare, Refusal> {
        let share = match &self.phase {
            Phase::Done(share) => return Ok(share.as_ref().clone()),
            Phase::Round1 { .. } => return Err(self.incomplete(R::Round1::KIND)),
            Phase::Round2 { received, .. } if received.len() < self.circle.others() => {
                return Err(self.incomplete(R::Round2::KIND))
            }
            Phase::Round2 {
                kept,
                round1,
                received,
                ..
            } => R::new_share(self, kept, round1, received)?,
        };
        self.phase = Phase::Done(Box::new(share.clone()));
        Ok(share)
    }
}

impl<R: Rounds> Ceremony for Member<R>
where
    Signed<R::Round1>: Wire,
    Signed<R::Round2>: Wire,
{
    const ROUND_MESSAGES: &'static [MessageKind] = &[R::Round1::KIND, R::Round2::KIND];

    /// Accepts the ceremony's round-1 and round-2 messages; any other is not for this member
    /// (skippable when it is another participant's, see [`Refusal::skippable`]).
    fn accept(&mut self, msg: AnyMessage) -> Result<String, Refusal> {
        let msg = match Signed::<R::Round1>::try_from(msg) {
            Ok(round1) => return self.accept_round1(round1),
            Err(other) => other,
        };
        match Signed::<R::Round2>::try_from(msg) {
            Ok(round2) => self.accept_round2(round2),
            Err(other) => Err(not_for_this_participant(other, R::EXPECTED)),
        }
    }

    /// 1 or 2 while the rounds run, 3 once this member's part is done.
    fn round(&self) -> u8 {
        match self.phase {
            Phase::Round1 { .. } => 1,
            Phase::Round2 { .. } => 2,
            Phase::Done(_) => 3,
        }
    }

    /// Round 2 once round 1 is complete; then whatever the ceremony does next
    /// ([`Rounds::after_round2`]).
    fn next(&mut self, rng: &mut impl CryptoRngCore) -> Result<Option<AnyMessage>, Refusal> {
        match self.phase {
            Phase::Round1 { .. } => self.start_round2(rng).map(|m| Some(m.into())),
            Phase::Round2 { .. } => R::after_round2(self, rng),
            Phase::Done(_) => Ok(None),
        }
    }

    fn circle(&self) -> Option<&Circle> {
        Some(&self.circle)
    }

    fn heard(&self) -> Option<Vec<&[u8; 32]>> {
        match &self.phase {
            Phase::Round1 { received, .. } => Some(received.senders()),
            Phase::Round2 { received, .. } => Some(received.senders()),
            Phase::Done(_) => None,
        }
    }
}
