//! The properties a conforming unit must never break, and the typed reasons
//! for which a unit refuses a press. Each names the rule it protects.

use crate::prelude::*;
use serde::{Deserialize, Serialize};

/// A property of `shared/DOMAIN.md` section 3. The serialised form is the id
/// used in traces, verdicts and reports (`"ONE-VOTE"`, `"ITEM-6"`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Property {
    #[serde(rename = "CANDSET")]
    CandidateSet,
    #[serde(rename = "ZERO")]
    Zero,
    #[serde(rename = "ONE-VOTE")]
    OneVote,
    #[serde(rename = "SEALED-RESULT")]
    SealedResult,
    #[serde(rename = "TOTAL-ONLY")]
    TotalOnly,
    #[serde(rename = "CLOSE")]
    Close,
    #[serde(rename = "BOOTH-CAPTURE")]
    BoothCapture,
    #[serde(rename = "TENDERED")]
    Tendered,
    #[serde(rename = "ITEM-6")]
    Item6,
    #[serde(rename = "PART-II")]
    PartII,
    #[serde(rename = "RETAIN")]
    Retain,
    #[serde(rename = "ADJOURN")]
    Adjourn,
    #[serde(rename = "SECRECY")]
    Secrecy,
}

impl Property {
    pub const ALL: [Property; 13] = [
        Property::CandidateSet,
        Property::Zero,
        Property::OneVote,
        Property::SealedResult,
        Property::TotalOnly,
        Property::Close,
        Property::BoothCapture,
        Property::Tendered,
        Property::Item6,
        Property::PartII,
        Property::Retain,
        Property::Adjourn,
        Property::Secrecy,
    ];

    /// The id of DOMAIN.md section 3.
    pub const fn id(self) -> &'static str {
        match self {
            Property::CandidateSet => "CANDSET",
            Property::Zero => "ZERO",
            Property::OneVote => "ONE-VOTE",
            Property::SealedResult => "SEALED-RESULT",
            Property::TotalOnly => "TOTAL-ONLY",
            Property::Close => "CLOSE",
            Property::BoothCapture => "BOOTH-CAPTURE",
            Property::Tendered => "TENDERED",
            Property::Item6 => "ITEM-6",
            Property::PartII => "PART-II",
            Property::Retain => "RETAIN",
            Property::Adjourn => "ADJOURN",
            Property::Secrecy => "SECRECY",
        }
    }

    /// The rule (or practice) the property comes from.
    pub const fn rule(self) -> &'static str {
        match self {
            Property::CandidateSet => "39B(4)(b)",
            Property::Zero => "39E(2)",
            Property::OneVote => "39L(2)",
            Property::SealedResult => "39E(5), 61H",
            Property::TotalOnly => "practice",
            Property::Close => "39S",
            Property::BoothCapture => "39W",
            Property::Tendered => "39O",
            Property::Item6 => "Form 16C item 6",
            Property::PartII => "61H, Form 16C Part II",
            Property::Retain => "61N",
            Property::Adjourn => "39V(2)",
            Property::Secrecy => "39L(1), RPA s.128",
        }
    }

    /// What must hold, in one sentence.
    pub const fn statement(self) -> &'static str {
        match self {
            Property::CandidateSet => "the candidate count fits the attached balloting units and is fixed once the candidate set section is sealed",
            Property::Zero => "the total is 0 when the poll starts",
            Property::OneVote => "at most one vote per Ballot enable, and no vote without one",
            Property::SealedResult => "no candidate-wise count is observable while the result seal is intact or before Close",
            Property::TotalOnly => "Total shows the total, never a candidate breakdown",
            Property::Close => "after Close no vote is recorded; after detach no balloting-unit input counts",
            Property::BoothCapture => "Close and detach work at any moment, and a pending enable yields no vote",
            Property::Tendered => "tendered votes never change the machine's counts; Form 16B entries equal item 7",
            Property::Item6 => "item 5 equals item 2 - item 3 - item 4, else the discrepancy is reported with its size",
            Property::PartII => "the sum of candidate counts equals the total shown and item 5",
            Property::Retain => "recorded votes survive power loss, balloting-unit removal and reading the result",
            Property::Adjourn => "an elector who voted before an adjournment cannot vote after it",
            Property::Secrecy => "nothing the unit stores or sends links a vote to an elector or reveals the order of votes",
        }
    }
}

impl core::fmt::Display for Property {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(self.id())
    }
}

impl core::str::FromStr for Property {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Property::ALL
            .into_iter()
            .find(|property| property.id() == text)
            .ok_or_else(|| format!("unknown property {text:?}"))
    }
}

/// Why a unit refused an input. A refused input changes nothing in the unit
/// but the display. Each reason names the rule (or practice) it protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    #[error("the unit is switched off")]
    PoweredOff,
    #[error("the unit is in fail-safe mode after its case was opened; only the factory can clear it")]
    FailSafe,
    #[error("the candidate set section is sealed: the number of candidates cannot change (39B(4)(b))")]
    CandidateSetSealed,
    #[error("{candidates} candidates do not fit this machine: at most {maximum} (39B(2))")]
    TooManyCandidates { candidates: u16, maximum: u16 },
    #[error("the number of candidates must be at least 1")]
    NoCandidates,
    #[error("{candidates} candidates need {needed} balloting unit(s) attached at positions 1 to {needed} (39B(4)(b))")]
    CandidatesExceedAttachedUnits { candidates: u16, needed: u8 },
    #[error("the number of candidates has not been set (39B(4)(b))")]
    CandidatesNotSet,
    /// Retired (wire code 8): no conforming unit gives it; the seal over the
    /// candidate set section is paper the machine cannot see. Decoded so that
    /// a board that still gives it is reported refusing a lawful `Ballot`.
    #[error("the candidate set section is not sealed yet (a refusal no conforming unit gives)")]
    CandidateSetNotSealed,
    #[error("the balloting units attached do not match the candidate set: INCORRECT NUMBER OF BU")]
    BallotingUnitSetMismatch,
    #[error("a balloting unit is already attached at position {position}: LINK ERROR")]
    PositionTaken { position: u8 },
    #[error("balloting unit position {position} is not 1 to the profile's maximum")]
    PositionOutOfRange { position: u8 },
    #[error("no balloting unit is attached at position {position}: BU NOT FOUND")]
    BallotingUnitNotAttached { position: u8 },
    #[error("a ballot is already enabled: one vote per Ballot (39L(2))")]
    BallotAlreadyEnabled,
    #[error("no ballot is enabled: a balloting-unit press records nothing (39L(2))")]
    BallotNotEnabled,
    #[error("button {button} of balloting unit {position} is masked (not a contesting candidate)")]
    MaskedButton { position: u8, button: u8 },
    #[error("two buttons pressed at once: no vote is recorded, the ballot stays enabled")]
    TwoButtonsAtOnce,
    #[error("a button was held down at power-on: it is ignored until released")]
    ButtonHeldAtPowerOn,
    #[error("the control unit is closed: no vote can be recorded (39S)")]
    Closed,
    #[error("the control unit is already closed")]
    AlreadyClosed,
    #[error(
        "the result section is sealed: Result and Clear cannot be pressed without breaking the paper seal (39E(5))"
    )]
    ResultSealIntact,
    #[error("Result before Close: INVALID (61H)")]
    ResultBeforeClose,
    #[error("Clear before Result: the memory keeps the result until it has been read (61N)")]
    ClearBeforeResult,
    #[error("a paper seal is already fixed over the result section")]
    SealAlreadyFixed,
    #[error("no intact paper seal to break")]
    NoIntactSeal,
    #[error("the vote memory is full ({capacity} votes)")]
    MemoryFull { capacity: u32 },
    #[error("at most {votes_per_minute} votes a minute: wait before the next Ballot")]
    RateLimited { votes_per_minute: u8 },
    #[error("the battery is exhausted")]
    BatteryExhausted,
    #[error("the unit is already switched on")]
    AlreadyOn,
    #[error("votes are in memory: Close, Result and Clear before changing the candidate set")]
    VotesInMemory,
    #[error("the vote memory does not add up (MEMORY ERROR): no vote is recorded and nothing is erased; it is kept for counting (61H)")]
    MemoryInconsistent,
}

impl Refusal {
    /// The rule or practice the refusal protects.
    pub const fn rule(self) -> &'static str {
        match self {
            Refusal::CandidateSetSealed
            | Refusal::CandidatesExceedAttachedUnits { .. }
            | Refusal::CandidatesNotSet
            | Refusal::CandidateSetNotSealed
            | Refusal::NoCandidates => "39B(4)(b)",
            Refusal::TooManyCandidates { .. } => "39B(2)",
            Refusal::BallotAlreadyEnabled | Refusal::BallotNotEnabled | Refusal::TwoButtonsAtOnce => "39L(2)",
            Refusal::Closed | Refusal::AlreadyClosed => "39S",
            Refusal::ResultSealIntact | Refusal::SealAlreadyFixed | Refusal::NoIntactSeal => "39E(5)",
            Refusal::ResultBeforeClose | Refusal::MemoryInconsistent => "61H",
            Refusal::ClearBeforeResult => "61N",
            Refusal::BallotingUnitNotAttached { .. } => "39S",
            Refusal::PoweredOff
            | Refusal::FailSafe
            | Refusal::BallotingUnitSetMismatch
            | Refusal::PositionTaken { .. }
            | Refusal::PositionOutOfRange { .. }
            | Refusal::MaskedButton { .. }
            | Refusal::ButtonHeldAtPowerOn
            | Refusal::MemoryFull { .. }
            | Refusal::RateLimited { .. }
            | Refusal::BatteryExhausted
            | Refusal::AlreadyOn
            | Refusal::VotesInMemory => "practice",
        }
    }

    /// The short name used on the wire and in traces (`"result_seal_intact"`).
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::PoweredOff => "powered_off",
            Refusal::FailSafe => "fail_safe",
            Refusal::CandidateSetSealed => "candidate_set_sealed",
            Refusal::TooManyCandidates { .. } => "too_many_candidates",
            Refusal::NoCandidates => "no_candidates",
            Refusal::CandidatesExceedAttachedUnits { .. } => "candidates_exceed_attached_units",
            Refusal::CandidatesNotSet => "candidates_not_set",
            Refusal::CandidateSetNotSealed => "candidate_set_not_sealed",
            Refusal::BallotingUnitSetMismatch => "balloting_unit_set_mismatch",
            Refusal::PositionTaken { .. } => "position_taken",
            Refusal::PositionOutOfRange { .. } => "position_out_of_range",
            Refusal::BallotingUnitNotAttached { .. } => "balloting_unit_not_attached",
            Refusal::BallotAlreadyEnabled => "ballot_already_enabled",
            Refusal::BallotNotEnabled => "ballot_not_enabled",
            Refusal::MaskedButton { .. } => "masked_button",
            Refusal::TwoButtonsAtOnce => "two_buttons_at_once",
            Refusal::ButtonHeldAtPowerOn => "button_held_at_power_on",
            Refusal::Closed => "closed",
            Refusal::AlreadyClosed => "already_closed",
            Refusal::ResultSealIntact => "result_seal_intact",
            Refusal::ResultBeforeClose => "result_before_close",
            Refusal::ClearBeforeResult => "clear_before_result",
            Refusal::SealAlreadyFixed => "seal_already_fixed",
            Refusal::NoIntactSeal => "no_intact_seal",
            Refusal::MemoryFull { .. } => "memory_full",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::BatteryExhausted => "battery_exhausted",
            Refusal::AlreadyOn => "already_on",
            Refusal::VotesInMemory => "votes_in_memory",
            Refusal::MemoryInconsistent => "memory_inconsistent",
        }
    }
}
