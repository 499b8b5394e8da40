//! Why the station refuses an action. A refused action changes nothing.

use super::StationPhase;
use crate::forms::header::ElectorNumber;
use crate::rule::Property;
use serde::{Deserialize, Serialize};

/// An action the rules forbid at this point of the poll, or one that does not
/// fit the station's papers. Each names the rule it protects
/// ([`rule`](StationRefusal::rule)); a refused action changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum StationRefusal {
    #[error("{electors_assigned} electors assigned: at most {maximum} per polling station")]
    TooManyElectors { electors_assigned: u32, maximum: u32 },
    #[error("{what} has {length} characters: at most {maximum}")]
    NameTooLong { what: String, length: usize, maximum: usize },
    #[error(
        "elector {elector} is not in the part of the roll assigned to this station (1 to {electors_assigned}) (39H(2))"
    )]
    ElectorNotOnRoll { elector: ElectorNumber, electors_assigned: u32 },
    #[error("{action} is not possible while the station is {phase} ({rule})")]
    NotInThisPhase { action: String, phase: StationPhase, rule: String },
    #[error("no voting machine is installed for this part of the poll (39C(3))")]
    NoMachineInstalled,
    #[error("a machine is already installed and not yet opened (39C(3))")]
    MachineAlreadyInstalled,
    #[error("{maximum} machines already used in this poll: no more")]
    TooManyMachines { maximum: usize },
    #[error("{maximum} polls already held at this station: no more fresh polls")]
    TooManyPolls { maximum: usize },
    #[error("{maximum} adjournments already: no more")]
    TooManyAdjournments { maximum: u8 },
    #[error("a mock poll of {votes} votes exceeds any machine's capacity of {maximum}")]
    MockPollTooLarge { votes: u32, maximum: u32 },
    #[error("elector {elector} is already present")]
    AlreadyPresent { elector: ElectorNumber },
    #[error("elector {elector} has not been identified (39H)")]
    NotIdentified { elector: ElectorNumber },
    #[error("elector {elector} is already identified (39H)")]
    AlreadyIdentified { elector: ElectorNumber },
    #[error("the identity of the person claiming to be elector {elector} is under challenge (39I(3))")]
    ChallengePending { elector: ElectorNumber },
    #[error("no challenge to decide for elector {elector} (39I)")]
    NoChallengePending { elector: ElectorNumber },
    #[error("the challenge against the person claiming to be elector {elector} was established: debarred (39I(4))")]
    Debarred { elector: ElectorNumber },
    #[error("elector {elector} has not had the left forefinger inspected and marked (39J(1))")]
    NotInkMarked { elector: ElectorNumber },
    #[error("elector {elector} failed the ink check and is not allowed to vote (39J(2))")]
    FailedInkCheck { elector: ElectorNumber },
    #[error(
        "elector {elector} is already entered in the register of voters at serial {register_serial}: a second entry is not allowed; a person claiming to be this elector may only tender a vote (39K, 39O)"
    )]
    EntryAlreadyUsed { elector: ElectorNumber, register_serial: u32 },
    #[error("elector {elector} is not entered in the register of voters (Form 16A) (39K)")]
    NotEnteredInRegister { elector: ElectorNumber },
    #[error("elector {elector} has already voted")]
    AlreadyVoted { elector: ElectorNumber },
    #[error("elector {elector} already has a remark in Form 16A and is not voting (39N, 39L(7))")]
    AlreadyRemarked { elector: ElectorNumber },
    #[error("Ballot was already pressed for elector {elector} (39L(2))")]
    BallotAlreadyPressed { elector: ElectorNumber },
    #[error("elector {inside} is in the voting compartment: no other elector may enter it (39L(5))")]
    CompartmentOccupied { inside: ElectorNumber },
    #[error("no Ballot enable is pending for elector {elector}: nothing to cancel")]
    NoPendingEnable { elector: ElectorNumber },
    #[error("{companion} has already acted as the companion of elector {elector} today (39M(1))")]
    CompanionAlreadyActed { companion: String, elector: ElectorNumber },
    #[error("elector {elector} already has a companion (39M)")]
    CompanionAlreadyPermitted { elector: ElectorNumber },
    #[error("nobody has voted as elector {elector} yet: a tendered ballot paper is only for a person claiming to be an elector whose entry is used (39O(1))")]
    EntryNotUsed { elector: ElectorNumber },
    #[error("no tendered ballot papers received (Form 16C item 8(a))")]
    TenderedBallotPapersNotReceived,
    #[error("tendered ballot papers already received")]
    TenderedBallotPapersAlreadyReceived,
    #[error("tendered ballot paper {ballot_paper} is not among those received (Form 16C item 8)")]
    TenderedBallotPaperNotReceived { ballot_paper: u32 },
    #[error("tendered ballot paper {ballot_paper} was already issued (Form 16C item 8(b))")]
    TenderedBallotPaperAlreadyIssued { ballot_paper: u32 },
    #[error("serial range {first_serial} to {last_serial} is empty or holds more than {maximum}")]
    SerialRangeInvalid { first_serial: u32, last_serial: u32, maximum: u32 },
    #[error("no paper seals supplied (39E(4A))")]
    PaperSealsNotSupplied,
    #[error(
        "paper seals already supplied for this session (39E(4A)); fresh ones come with an adjourned poll (39V(3))"
    )]
    PaperSealsAlreadySupplied,
    #[error("paper seal {serial} was already supplied (39E(4A))")]
    PaperSealSuppliedTwice { serial: u32 },
    #[error("paper seal {serial} is not among those supplied (39E(4A))")]
    PaperSealNotSupplied { serial: u32 },
    #[error("paper seal {serial} was already used or damaged (39E(4A))")]
    PaperSealAlreadyAccounted { serial: u32 },
}

impl StationRefusal {
    /// The rule (or practice) the refusal protects.
    pub fn rule(&self) -> &str {
        match self {
            StationRefusal::TooManyElectors { .. }
            | StationRefusal::NameTooLong { .. }
            | StationRefusal::TooManyMachines { .. }
            | StationRefusal::TooManyPolls { .. }
            | StationRefusal::TooManyAdjournments { .. }
            | StationRefusal::MockPollTooLarge { .. }
            | StationRefusal::AlreadyPresent { .. } => "bound",
            StationRefusal::AlreadyIdentified { .. } => "39H(2)",
            StationRefusal::ElectorNotOnRoll { .. } | StationRefusal::NotIdentified { .. } => "39H(2)",
            StationRefusal::NotInThisPhase { rule, .. } => rule,
            StationRefusal::NoMachineInstalled | StationRefusal::MachineAlreadyInstalled => "39C(3)",
            StationRefusal::ChallengePending { .. } => "39I(3)",
            StationRefusal::NoChallengePending { .. } => "39I",
            StationRefusal::Debarred { .. } => "39I(4)",
            StationRefusal::NotInkMarked { .. } => "39J(1)",
            StationRefusal::FailedInkCheck { .. } => "39J(2)",
            StationRefusal::EntryAlreadyUsed { .. } => "39K, 39O",
            StationRefusal::NotEnteredInRegister { .. } => "39K",
            StationRefusal::AlreadyVoted { .. } | StationRefusal::BallotAlreadyPressed { .. } => "39L(2)",
            StationRefusal::AlreadyRemarked { .. } => "39N, 39L(7)",
            StationRefusal::CompartmentOccupied { .. } => "39L(5)",
            StationRefusal::NoPendingEnable { .. } => "39N, 39L(6)",
            StationRefusal::CompanionAlreadyActed { .. } | StationRefusal::CompanionAlreadyPermitted { .. } => "39M(1)",
            StationRefusal::EntryNotUsed { .. } => "39O(1)",
            StationRefusal::TenderedBallotPapersNotReceived
            | StationRefusal::TenderedBallotPapersAlreadyReceived
            | StationRefusal::TenderedBallotPaperNotReceived { .. }
            | StationRefusal::TenderedBallotPaperAlreadyIssued { .. } => "39O, Form 16C item 8",
            StationRefusal::SerialRangeInvalid { .. } => "bound",
            StationRefusal::PaperSealsNotSupplied
            | StationRefusal::PaperSealsAlreadySupplied
            | StationRefusal::PaperSealSuppliedTwice { .. }
            | StationRefusal::PaperSealNotSupplied { .. }
            | StationRefusal::PaperSealAlreadyAccounted { .. } => "39E(4A)",
        }
    }

    /// The property of DOMAIN.md section 3 the refusal protects, if one.
    pub fn property(&self) -> Option<Property> {
        match self {
            StationRefusal::EntryAlreadyUsed { .. } | StationRefusal::EntryNotUsed { .. } => Some(Property::Tendered),
            StationRefusal::AlreadyVoted { .. } | StationRefusal::BallotAlreadyPressed { .. } => {
                Some(Property::OneVote)
            }
            _ => None,
        }
    }
}
