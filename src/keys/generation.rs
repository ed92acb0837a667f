//! Generations of a key: a refresh gives every member a new share of the same key, so a share
//! from before a refresh no longer combines with the new ones. A group description records
//! which generation it is, when the refresh that made it happened, and the verifying shares of
//! earlier generations, so a stale share can be named as such instead of merely "invalid".

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use crate::suite::VerifyingShare;

/// A generation that a refresh replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetiredGeneration {
    pub number: u32,
    /// When the refresh that replaced it happened (unix seconds).
    pub retired_at: u64,
    /// Its members' verifying shares, by ed25519 verification key bytes.
    pub verifying_shares: BTreeMap<[u8; 32], VerifyingShare>,
}

/// Which refresh of a key a group description belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generation {
    /// 0 for a fresh key; each refresh adds one.
    pub number: u32,
    /// When the refresh that made this generation happened (unix seconds); None for generation 0.
    pub refreshed: Option<u64>,
    /// Earlier generations, oldest first.
    pub retired: Vec<RetiredGeneration>,
}

impl Generation {
    /// Checks the record is coherent: a refresh date exactly when the number is above 0, and
    /// earlier generations in increasing order, below this one, retired no later than it began.
    pub(crate) fn check(&self) -> Result<(), String> {
        match (self.number, self.refreshed) {
            (0, Some(_)) => return Err("generation 0 has no refresh date".into()),
            (n, None) if n > 0 => return Err(format!("generation {n} lacks its refresh date")),
            _ => {}
        }
        let mut previous: Option<&RetiredGeneration> = None;
        for retired in &self.retired {
            if retired.number >= self.number || previous.is_some_and(|p| p.number >= retired.number)
            {
                return Err(format!(
                    "retired generation {} is out of order (this is generation {})",
                    retired.number, self.number
                ));
            }
            if previous.is_some_and(|p| p.retired_at > retired.retired_at)
                || self.refreshed.is_some_and(|r| retired.retired_at > r)
            {
                return Err(format!(
                    "retired generation {} ended after a later refresh",
                    retired.number
                ));
            }
            previous = Some(retired);
        }
        Ok(())
    }

    /// The record after one more refresh at `date`, retiring `current` (the verifying shares
    /// of this generation).
    pub(crate) fn next(
        &self,
        current: BTreeMap<[u8; 32], VerifyingShare>,
        date: u64,
    ) -> Result<Self, String> {
        let number = self
            .number
            .checked_add(1)
            .ok_or("the key has been refreshed too many times")?;
        if self.refreshed.is_some_and(|r| date < r) {
            return Err(format!(
                "the refresh is dated {}, before the previous one ({})",
                format_date(date),
                format_date(self.refreshed.unwrap_or_default())
            ));
        }
        let mut retired = self.retired.clone();
        retired.push(RetiredGeneration {
            number: self.number,
            retired_at: date,
            verifying_shares: current,
        });
        Ok(Self {
            number,
            refreshed: Some(date),
            retired,
        })
    }

    /// The date of the refresh that ended generation `number`, if this record knows it.
    pub fn retired_at(&self, number: u32) -> Option<u64> {
        self.retired
            .iter()
            .find(|r| r.number == number)
            .map(|r| r.retired_at)
    }
}

/// A date as people read it in messages and key files: RFC 3339, UTC, to the second.
pub fn format_date(unix_seconds: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix_seconds)).to_string()
}

/// Reads a date written by [`format_date`].
pub fn parse_date(text: &str) -> Result<u64, String> {
    let time = humantime::parse_rfc3339(text.trim()).map_err(|e| e.to_string())?;
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| "before 1970".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(0), "1970-01-01T00:00:00Z");
        let t = 1_777_000_000;
        assert_eq!(parse_date(&format_date(t)), Ok(t));
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn incoherent_records_are_refused() {
        let fresh = Generation::default();
        assert_eq!(fresh.check(), Ok(()));
        let one = fresh.next(BTreeMap::new(), 100).unwrap();
        assert_eq!(one.number, 1);
        assert_eq!(one.retired_at(0), Some(100));
        assert_eq!(one.check(), Ok(()));
        assert!(one.next(BTreeMap::new(), 99).is_err());
        let mut undated = one.clone();
        undated.refreshed = None;
        assert!(undated.check().is_err());
        let mut disordered = one.next(BTreeMap::new(), 200).unwrap();
        disordered.retired.swap(0, 1);
        assert!(disordered.check().is_err());
        let mut future = one.clone();
        future.retired[0].retired_at = 101;
        assert!(future.check().is_err());
        let dated_zero = Generation {
            refreshed: Some(5),
            ..Generation::default()
        };
        assert!(dated_zero.check().is_err());
    }
}
