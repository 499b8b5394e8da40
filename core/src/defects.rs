//! Seeded defects: "faulty firmware" switches that make the simulated unit
//! break one property each, so that the conformance harness can be proven to
//! catch every property broken. A conforming unit carries none.

use crate::prelude::*;
use crate::rule::Property;
use serde::{Deserialize, Serialize};

/// One seeded defect. The serialised name is the one traces use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Defect {
    /// Two buttons pressed at once record two votes.
    DoubleVoteOnTwoButtons,
    /// A balloting-unit press records a vote with no ballot enabled.
    VoteWithoutBallot,
    /// The enable is not consumed by a vote: the next press records again.
    BallotStaysEnabled,
    /// `Result` works while the paper seal is intact.
    ResultWhileSealed,
    /// `Result` works before `Close`.
    ResultBeforeClose,
    /// `Total` shows the count of every candidate beside the total.
    TotalShowsBreakdown,
    /// Votes are still recorded after `Close`.
    VoteAfterClose,
    /// `Close` leaves a pending enable alive (booth capture mid-ballot).
    CloseKeepsBallotEnabled,
    /// A pending enable survives a power cycle or a balloting-unit detach.
    EnableSurvivesPowerCycle,
    /// A power cut erases the recorded votes.
    PowerLossErasesVotes,
    /// Reading the result erases the recorded votes.
    ResultErasesVotes,
    /// `Clear` leaves one vote for the first candidate: the poll starts at 1.
    ClearLeavesVote,
    /// `Cand Set` still works after the section is sealed.
    CandidateSetChangesAfterSeal,
    /// Votes for the last ballot button are not added to the total.
    TotalMissesLastButton,
    /// The vote-recorded event names the candidate voted for.
    EventNamesCandidate,
    /// Now and then a vote is beeped but not kept: the 41st vote of every
    /// poll (the volume test's faulty board).
    DropsVoteNowAndThen,
}

/// The vote [`Defect::DropsVoteNowAndThen`] drops: the unit's total before it.
pub const DROPPED_VOTE_AFTER: u32 = 40;

impl Defect {
    pub const ALL: [Defect; 16] = [
        Defect::DoubleVoteOnTwoButtons,
        Defect::VoteWithoutBallot,
        Defect::BallotStaysEnabled,
        Defect::ResultWhileSealed,
        Defect::ResultBeforeClose,
        Defect::TotalShowsBreakdown,
        Defect::VoteAfterClose,
        Defect::CloseKeepsBallotEnabled,
        Defect::EnableSurvivesPowerCycle,
        Defect::PowerLossErasesVotes,
        Defect::ResultErasesVotes,
        Defect::ClearLeavesVote,
        Defect::CandidateSetChangesAfterSeal,
        Defect::TotalMissesLastButton,
        Defect::EventNamesCandidate,
        Defect::DropsVoteNowAndThen,
    ];

    /// The property the defect breaks.
    pub const fn breaks(self) -> Property {
        match self {
            Defect::DoubleVoteOnTwoButtons
            | Defect::VoteWithoutBallot
            | Defect::BallotStaysEnabled
            | Defect::EnableSurvivesPowerCycle => Property::OneVote,
            Defect::ResultWhileSealed | Defect::ResultBeforeClose => Property::SealedResult,
            Defect::TotalShowsBreakdown => Property::TotalOnly,
            Defect::VoteAfterClose => Property::Close,
            Defect::CloseKeepsBallotEnabled => Property::BoothCapture,
            Defect::PowerLossErasesVotes | Defect::ResultErasesVotes => Property::Retain,
            Defect::ClearLeavesVote => Property::Zero,
            Defect::CandidateSetChangesAfterSeal => Property::CandidateSet,
            Defect::TotalMissesLastButton | Defect::DropsVoteNowAndThen => Property::PartII,
            Defect::EventNamesCandidate => Property::Secrecy,
        }
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// Its bit in `TEST_START_MACHINE`'s `defects` word (docs/PROTOCOL.md 3.5).
    pub const fn bit_index(self) -> u32 {
        self as u32
    }

    /// The name traces, flags and the protocol document use.
    pub const fn name(self) -> &'static str {
        match self {
            Defect::DoubleVoteOnTwoButtons => "double_vote_on_two_buttons",
            Defect::VoteWithoutBallot => "vote_without_ballot",
            Defect::BallotStaysEnabled => "ballot_stays_enabled",
            Defect::ResultWhileSealed => "result_while_sealed",
            Defect::ResultBeforeClose => "result_before_close",
            Defect::TotalShowsBreakdown => "total_shows_breakdown",
            Defect::VoteAfterClose => "vote_after_close",
            Defect::CloseKeepsBallotEnabled => "close_keeps_ballot_enabled",
            Defect::EnableSurvivesPowerCycle => "enable_survives_power_cycle",
            Defect::PowerLossErasesVotes => "power_loss_erases_votes",
            Defect::ResultErasesVotes => "result_erases_votes",
            Defect::ClearLeavesVote => "clear_leaves_vote",
            Defect::CandidateSetChangesAfterSeal => "candidate_set_changes_after_seal",
            Defect::TotalMissesLastButton => "total_misses_last_button",
            Defect::EventNamesCandidate => "event_names_candidate",
            Defect::DropsVoteNowAndThen => "drops_vote_now_and_then",
        }
    }

    /// What the faulty unit does, in one sentence.
    pub const fn description(self) -> &'static str {
        match self {
            Defect::DoubleVoteOnTwoButtons => "two buttons pressed at once record two votes",
            Defect::VoteWithoutBallot => "a balloting-unit press records a vote with no ballot enabled",
            Defect::BallotStaysEnabled => "the enable is not consumed by a vote: the next press records again",
            Defect::ResultWhileSealed => "Result works while the paper seal is intact",
            Defect::ResultBeforeClose => "Result works before Close",
            Defect::TotalShowsBreakdown => "Total shows a candidate's count beside the total",
            Defect::VoteAfterClose => "votes are still recorded after Close",
            Defect::CloseKeepsBallotEnabled => "Close leaves a pending enable alive",
            Defect::EnableSurvivesPowerCycle => "a pending enable survives a power cycle or a balloting-unit detach",
            Defect::PowerLossErasesVotes => "a power cut erases the recorded votes",
            Defect::ResultErasesVotes => "reading the result erases the recorded votes",
            Defect::ClearLeavesVote => "Clear leaves one vote for the first candidate",
            Defect::CandidateSetChangesAfterSeal => "Cand Set still works after the section is sealed",
            Defect::TotalMissesLastButton => "votes for the last ballot button are not added to the total",
            Defect::EventNamesCandidate => "the vote-recorded event names the candidate voted for",
            Defect::DropsVoteNowAndThen => "now and then a vote is beeped but not kept (the 41st of every poll)",
        }
    }
}

impl core::str::FromStr for Defect {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Defect::ALL.into_iter().find(|defect| defect.name() == text).ok_or_else(|| {
            format!(
                "unknown defect {text:?}: expected one of {}",
                Defect::ALL.iter().map(|defect| defect.name()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// A set of seeded defects, a bit per [`Defect`]. Empty for a conforming unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Defects {
    bits: u32,
}

impl Defects {
    pub const NONE: Defects = Defects { bits: 0 };

    pub fn contains(self, defect: Defect) -> bool {
        self.bits & defect.bit() != 0
    }

    pub fn insert(&mut self, defect: Defect) {
        self.bits |= defect.bit();
    }

    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Defect> {
        Defect::ALL.into_iter().filter(move |defect| self.contains(*defect))
    }

    /// The raw bits, as sent in the protocol's test-mode message.
    pub const fn bits(self) -> u32 {
        self.bits
    }

    /// Defects from raw bits; unknown bits are an error.
    pub fn from_bits(bits: u32) -> Option<Defects> {
        let known = Defect::ALL.iter().fold(0, |all, defect| all | defect.bit());
        (bits & !known == 0).then_some(Defects { bits })
    }
}

impl FromIterator<Defect> for Defects {
    fn from_iter<I: IntoIterator<Item = Defect>>(iterator: I) -> Self {
        let mut defects = Defects::NONE;
        for defect in iterator {
            defects.insert(defect);
        }
        defects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialised_names_and_parse_back() {
        for defect in Defect::ALL {
            assert_eq!(serde_json::to_value(defect).unwrap(), serde_json::Value::String(defect.name().to_owned()));
            assert_eq!(defect.name().parse::<Defect>(), Ok(defect));
        }
    }
}
