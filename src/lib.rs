//! Hoarfrost: FROST threshold ceremonies over decaf377 for Penumbra.
//!
//! The library holds all logic; the `hoarfrost` binary is a thin front end over it.

pub mod check;
pub mod cli;
pub mod definition;
pub mod dkg;
pub mod fsutil;
pub mod journal;
pub mod keyfile;
pub mod keys;
pub mod messages;
pub mod output;
pub mod paste;
pub mod request;
pub mod review;
pub mod sealed;
pub mod session;
pub mod signing;
pub mod store;
pub mod suite;
pub mod transport;
pub mod tui;
