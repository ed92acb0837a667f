//! Hoarfrost: FROST threshold ceremonies over decaf377 for Penumbra.
//!
//! The library holds all logic; the `hoarfrost` binary is a thin front end over it.
//!
//! A 2-of-3 validator vote, start to finish, with the engine alone (no I/O): the coordinator
//! and one follower exchange the four pcli messages, and the result is the signature in the
//! form `pcli validator vote cast --signature` takes.
//!
//! ```
//! use hoarfrost::definition::vote_body;
//! use hoarfrost::keys::deal;
//! use hoarfrost::request::SigningRequest;
//! use hoarfrost::signing::{Coordinator, Follower, SigningResult};
//!
//! let mut rng = rand_core::OsRng;
//! let shares = deal(&mut rng, 2, 3).unwrap();
//! let body = vote_body(shares[0].group(), None, 7, "yes".parse().unwrap(), "").unwrap();
//! let request = SigningRequest::ValidatorVote(body);
//! let (mut coordinator, round1) =
//!     Coordinator::new(shares[0].group().clone(), Some(shares[0].clone()), request, None).unwrap();
//! let mut follower = Follower::new(shares[1].clone(), round1).unwrap();
//! coordinator.accept_round1(follower.approve(&mut rng).unwrap()).unwrap();
//! let round2 = coordinator.start_round2(&mut rng).unwrap();
//! coordinator.accept_round2(follower.sign(round2).unwrap()).unwrap();
//! let SigningResult::ValidatorVote(signature) = coordinator.aggregate().unwrap() else {
//!     unreachable!("a vote request ends in a vote signature")
//! };
//! assert_eq!(hoarfrost::output::pcli_signature(&signature).len(), 88);
//! ```

pub mod check;
pub mod cli;
pub mod contain;
pub mod custody;
pub mod definition;
pub mod dkg;
pub mod excerpt;
pub mod fsutil;
pub mod intake;
pub mod journal;
pub mod keyfile;
pub mod keys;
pub mod messages;
pub mod output;
pub mod paste;
pub mod refresh;
pub mod refusal;
pub mod repair;
pub mod request;
pub mod review;
pub mod sealed;
pub mod session;
pub mod signing;
pub mod spec;
pub mod split;
pub mod store;
pub mod suite;
pub mod transport;
pub mod tui;
pub mod validate;

#[cfg(test)]
mod zeroize_checks;
