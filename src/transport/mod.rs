//! Carrying messages across an airgap: any message in its compact proto form, as Uniform
//! Resources (BCR-2020-005) in QR codes, animated with fountain codes when one code is not
//! enough. `ur` and `qr` move typed bytes and know nothing of FROST; the two functions here
//! connect them to the ceremony messages.

pub mod qr;
pub mod ur;

use self::ur::{Payload, UrCollector};
use crate::messages::{AnyMessage, MessageKind};

/// A collector of UR parts that takes ceremony messages, alone or in bundles. Payloads it
/// completes decode with `AnyMessage::from_ur`.
pub fn ur_collector() -> UrCollector {
    UrCollector::new(MessageKind::ALL.iter().map(|k| k.ur_type()))
}

impl AnyMessage {
    /// The message as a typed payload for a UR: its kind's UR type and its proto bytes.
    pub fn to_payload(&self) -> Payload {
        Payload::new(self.kind().ur_type(), &self.to_bytes())
    }
}
