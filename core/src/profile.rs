//! Machine profiles: the capacities that differ between machine generations.

use crate::prelude::*;
use serde::{Deserialize, Serialize};

/// Candidate buttons on one balloting unit (practice: 16 on every model).
pub const BUTTONS_PER_BALLOTING_UNIT: u16 = 16;
/// The most balloting units any profile may chain (M3: 24).
pub const MAX_BALLOTING_UNITS: u8 = 24;
/// The most ballot buttons any profile may use: 24 × 16 = 384.
pub const MAX_BALLOT_BUTTONS: usize = MAX_BALLOTING_UNITS as usize * BUTTONS_PER_BALLOTING_UNIT as usize;
/// The most votes per minute a rate limit may be set to (bounds its window).
pub const MAX_RATE_LIMIT_VOTES_PER_MINUTE: u8 = 16;
/// The most votes any profile may hold (older machines: 3,840).
pub const MAX_VOTE_CAPACITY: u32 = 3_840;
// Every button's number and every count fit the types that carry them on
// the wire (u16 candidates) and in the totals shown (u32).
const _: () = assert!(MAX_BALLOT_BUTTONS <= u16::MAX as usize);
const _: () = assert!(MAX_BALLOTING_UNITS as u16 * BUTTONS_PER_BALLOTING_UNIT == MAX_BALLOT_BUTTONS as u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProfileName {
    /// Post-2006 machines: up to 4 balloting units (64 buttons).
    M2,
    /// Post-2013 machines: up to 24 balloting units (384 buttons).
    M3,
}

impl core::str::FromStr for ProfileName {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "M2" => Ok(ProfileName::M2),
            "M3" => Ok(ProfileName::M3),
            other => Err(format!("unknown machine profile {other:?}: expected \"M2\" or \"M3\"")),
        }
    }
}

/// The shape of the vote-rate limit (practice: a booth-capture safeguard).
/// A board announces it with its profile (docs/PROTOCOL.md 3.5) and is
/// judged by the rule it announces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateRule {
    /// At most N votes in any 60,000 ms: `Ballot` is refused while the last
    /// N recorded votes all fall less than 60,000 ms before it.
    #[default]
    SlidingWindow,
    /// At least ceil(60,000 / N) ms between one recorded vote and the next
    /// `Ballot` (so never more than N votes in any 60,000 ms either).
    MinimumInterval,
}

impl core::fmt::Display for ProfileName {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(match self {
            ProfileName::M2 => "M2",
            ProfileName::M3 => "M3",
        })
    }
}

impl RateRule {
    /// The rule in words.
    pub fn describe(&self) -> &'static str {
        match self {
            RateRule::SlidingWindow => "sliding 60-second window",
            RateRule::MinimumInterval => "a minimum interval between votes",
        }
    }

    /// The least milliseconds between one vote and the next `Ballot` under
    /// [`RateRule::MinimumInterval`] at `votes_per_minute` (at least 1).
    pub const fn minimum_interval_milliseconds(votes_per_minute: u8) -> u64 {
        let votes = if votes_per_minute == 0 { 1 } else { votes_per_minute as u64 };
        60_000_u64.div_ceil(votes)
    }
}

/// What a machine generation can hold and how fast it may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineProfile {
    pub name: ProfileName,
    /// How many balloting units the control unit accepts.
    pub balloting_units_max: u8,
    /// How many votes the memory holds; when full, no more votes.
    pub vote_capacity: u32,
    /// At most this many votes in any 60 seconds (a booth-capture safeguard);
    /// `None` switches the limit off.
    pub rate_limit_votes_per_minute: Option<u8>,
    /// How the rate limit counts (ignored when there is none).
    #[serde(default)]
    pub rate_rule: RateRule,
    /// Whether the button after the last candidate is "None of the Above".
    pub none_of_the_above: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("balloting_units_max must be 1 to {MAX_BALLOTING_UNITS}, not {0}")]
    BallotingUnits(u8),
    #[error("vote_capacity must be 1 to {MAX_VOTE_CAPACITY}, not {0}")]
    VoteCapacity(u32),
    #[error("rate_limit_votes_per_minute must be 1 to {MAX_RATE_LIMIT_VOTES_PER_MINUTE}, not {0}")]
    RateLimit(u8),
}

impl MachineProfile {
    pub const fn m2() -> Self {
        MachineProfile {
            name: ProfileName::M2,
            balloting_units_max: 4,
            vote_capacity: 2_000,
            rate_limit_votes_per_minute: Some(5),
            rate_rule: RateRule::SlidingWindow,
            none_of_the_above: true,
        }
    }

    pub const fn m3() -> Self {
        MachineProfile {
            name: ProfileName::M3,
            balloting_units_max: 24,
            vote_capacity: 2_000,
            rate_limit_votes_per_minute: Some(5),
            rate_rule: RateRule::SlidingWindow,
            none_of_the_above: true,
        }
    }

    pub const fn named(name: ProfileName) -> Self {
        match name {
            ProfileName::M2 => Self::m2(),
            ProfileName::M3 => Self::m3(),
        }
    }

    /// Ballot buttons the attached units can carry at most.
    pub const fn ballot_buttons_max(&self) -> u16 {
        self.balloting_units_max as u16 * BUTTONS_PER_BALLOTING_UNIT
    }

    /// Contesting candidates the profile can take (NOTA takes one button).
    pub const fn candidates_max(&self) -> u16 {
        self.ballot_buttons_max() - self.none_of_the_above as u16
    }

    /// Ballot buttons in use for `candidates` contesting candidates.
    pub const fn ballot_buttons_for(&self, candidates: u16) -> u16 {
        candidates + self.none_of_the_above as u16
    }

    /// Balloting units needed for `candidates` contesting candidates.
    pub const fn balloting_units_for(&self, candidates: u16) -> u8 {
        self.ballot_buttons_for(candidates).div_ceil(BUTTONS_PER_BALLOTING_UNIT) as u8
    }

    pub fn validate(&self) -> Result<(), ProfileError> {
        if self.balloting_units_max == 0 || self.balloting_units_max > MAX_BALLOTING_UNITS {
            return Err(ProfileError::BallotingUnits(self.balloting_units_max));
        }
        if self.vote_capacity == 0 || self.vote_capacity > MAX_VOTE_CAPACITY {
            return Err(ProfileError::VoteCapacity(self.vote_capacity));
        }
        if let Some(limit) = self.rate_limit_votes_per_minute {
            if limit == 0 || limit > MAX_RATE_LIMIT_VOTES_PER_MINUTE {
                return Err(ProfileError::RateLimit(limit));
            }
        }
        Ok(())
    }
}

impl MachineProfile {
    /// The profile in words: "M2: 4 balloting units (64 buttons), 2,000
    /// votes, at most 5 votes a minute (sliding window), NOTA".
    pub fn describe(&self) -> String {
        let units = self.balloting_units_max;
        let buttons = u16::from(units) * BUTTONS_PER_BALLOTING_UNIT;
        let rate = match self.rate_limit_votes_per_minute {
            None => "no vote-rate limit".to_owned(),
            Some(votes) => format!("at most {votes} votes a minute ({})", self.rate_rule.describe()),
        };
        let nota = if self.none_of_the_above { "NOTA" } else { "no NOTA" };
        format!(
            "{}: {units} balloting units ({buttons} buttons), {} votes, {rate}, {nota}",
            self.name, self.vote_capacity
        )
    }

    /// What `self` has that `other` has not, in words, or `None` when they
    /// are the same machine.
    pub fn difference(&self, other: &MachineProfile) -> Option<String> {
        if self.name != other.name || self.balloting_units_max != other.balloting_units_max {
            return Some(format!(
                "an {} machine ({} balloting units), not an {} ({})",
                self.name, self.balloting_units_max, other.name, other.balloting_units_max
            ));
        }
        if self.vote_capacity != other.vote_capacity {
            return Some(format!("room for {} votes, not {}", self.vote_capacity, other.vote_capacity));
        }
        if self.rate_limit_votes_per_minute != other.rate_limit_votes_per_minute
            || (self.rate_limit_votes_per_minute.is_some() && self.rate_rule != other.rate_rule)
        {
            let rate = |profile: &MachineProfile| match profile.rate_limit_votes_per_minute {
                None => "no vote-rate limit".to_owned(),
                Some(votes) => format!("at most {votes} votes a minute ({})", profile.rate_rule.describe()),
            };
            return Some(format!("{}, not {}", rate(self), rate(other)));
        }
        if self.none_of_the_above != other.none_of_the_above {
            let nota =
                |profile: &MachineProfile| if profile.none_of_the_above { "a NOTA button" } else { "no NOTA button" };
            return Some(format!("{}, not {}", nota(self), nota(other)));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_names_the_first_field_in_words() {
        let (m2, m3) = (MachineProfile::m2(), MachineProfile::m3());
        assert_eq!(m2.difference(&m2), None);
        assert_eq!(m3.difference(&m2).as_deref(), Some("an M3 machine (24 balloting units), not an M2 (4)"));
        let slower = MachineProfile { rate_limit_votes_per_minute: Some(4), ..m2 };
        let difference = slower.difference(&m2).expect("differs");
        assert!(difference.starts_with("at most 4 votes a minute"), "{difference}");
        let without = MachineProfile { none_of_the_above: false, ..m2 };
        assert_eq!(without.difference(&m2).as_deref(), Some("no NOTA button, not a NOTA button"));
        assert!(!m2.describe().contains('{'), "{}", m2.describe());
    }
}
