//! The polling station around the machine: the papers and the process of
//! rules 39C–39W, as a pure state machine.
//!
//! The station keeps the electoral roll part, the register of voters
//! (Form 16A), the tendered votes (Form 16B), the challenged votes (Form 14),
//! the companions (Form 15), the paper-seal and tendered-paper accounts and the
//! machines used; from them and the totals the machines showed it prepares
//! Form 16C Part I (39R). It **never owns a machine**: what the machine did
//! comes in as [`StationAction`]s carrying the fact (`vote_recorded`, the
//! `total_shown` at opening and close), so the same station drives the
//! in-process model or a real board. [`PollDay`] owns a station and the
//! [`ControlUnit`](crate::unit::ControlUnit)s it uses and drives both together.
//!
//! Counting (61G–61N) is in [`counting`].

mod accounts;
mod action;
mod close;
pub mod counting;
mod machine;
mod papers;
mod poll_day;
mod refusal;
pub mod road;
mod supplies;
mod table;

pub use crate::forms::header::{DepositOutcome, Election, ElectorNumber, PollKind, StationIdentity};
pub use action::{CompanionRefusal, InkCheckFailure, StationAction, TenderedBallotPaperRefusal};
pub use papers::{
    ElectorStatus, EntryProgress, Irregularity, OfficerRefusal, OfficerRefusalKind, Poll, StationFinding,
};
pub use poll_day::{PollDay, PollDayError, PollDayStep, StationTraceLine, MAX_MACHINES_PER_POLL_DAY};
pub use refusal::StationRefusal;
pub use road::{MachineSetUp, MOCK_POLL_SPACING_MILLISECONDS};

use crate::forms::{
    ChallengeEntry, ChallengeOrder, CompanionEntry, Form14, Form15, Form16A, Form16B, Form16CPartOne, ItemSixTally,
    MachineTotal, PaperSealAccount, RegisterOfVotersEntry, Remark, SerialRange, TenderedBallotPaperAccount,
    TenderedVoteEntry,
};
use crate::profile::MAX_VOTE_CAPACITY;
use crate::rule::Property;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The most electors a polling station may be assigned (the Commission's
/// norm is 1,500; the bound is generous).
pub const MAX_ELECTORS_PER_STATION: u32 = 10_000;
/// The most machines one poll at a station may use (replacements after
/// failures and adjourned polls included).
pub const MAX_MACHINES_PER_POLL: usize = 8;
/// The most polls one station may hold: the original and fresh polls.
pub const MAX_POLLS_PER_STATION: usize = 4;
/// The most adjournments of one poll (39V).
pub const MAX_ADJOURNMENTS: u8 = 3;
/// The most tendered ballot papers a station may receive.
pub const MAX_TENDERED_BALLOT_PAPERS: u32 = 1_000;
/// The most paper seals a station may be supplied with for one poll.
pub const MAX_PAPER_SEALS_PER_POLL: u32 = 100;
/// The most characters of a name (a challenger, a companion, a control unit's
/// identification number, a station's or municipality's name).
pub const MAX_NAME_CHARS: usize = 120;
/// The most irregularities kept per poll; further ones are only counted.
pub const MAX_IRREGULARITIES_PER_POLL: usize = 10_000;
/// The most entries of the presiding officer into the compartment recorded (39P).
pub const MAX_COMPARTMENT_ENTRIES: usize = 10_000;
/// The deposit a polling agent makes for each challenge, in rupees (39I(1)).
pub const CHALLENGE_DEPOSIT_RUPEES: u32 = 2;

/// Where the station's current poll stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationPhase {
    /// Before the poll (or before the adjourned poll, or before resuming on a
    /// replacement machine): machine, mock poll, seals, demonstration.
    Preparation,
    /// The poll is open (39H–39P), before or after the close of poll hour.
    Open,
    /// Closed after the hour (39S).
    Closed,
    /// Closed because of booth capturing (39W).
    BoothCaptured,
    /// Adjourned (39V(1)); the adjourned poll needs a new machine.
    Adjourned,
    /// The machine in use failed; a replacement set is needed.
    MachineFailed,
    /// Declared void; a fresh poll replaced it (s.62, s.63).
    Voided,
}

impl std::fmt::Display for StationPhase {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            StationPhase::Preparation => "in preparation",
            StationPhase::Open => "open",
            StationPhase::Closed => "closed",
            StationPhase::BoothCaptured => "closed for booth capturing",
            StationPhase::Adjourned => "adjourned",
            StationPhase::MachineFailed => "waiting for a replacement machine",
            StationPhase::Voided => "void",
        })
    }
}

/// Why a machine stopped recording votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineCloseCause {
    /// 39S: closed after the poll.
    PollClosed,
    /// 39W: closed for booth capturing.
    BoothCaptured,
    /// 39V(1): the poll was adjourned.
    Adjourned,
    /// *(practice)* failed during the poll and replaced.
    Failed,
}

/// Why a machine was provided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachinePurpose {
    /// The machine of the poll (39C(3)).
    Poll,
    /// The set that replaces a failed one *(practice)*.
    Replacement,
    /// The new machine of an adjourned poll (39V(3)).
    AdjournedPoll,
}

/// One machine used (or installed) for a poll, and what it showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineRecord {
    pub control_unit: String,
    pub purpose: MachinePurpose,
    /// The session of the poll it served (0, then +1 at each adjourned poll).
    pub session: u8,
    pub mock_poll_votes: u32,
    pub mock_poll_cleared: bool,
    pub paper_seal: Option<u32>,
    /// `Total` at the 39E(2) demonstration; `None` while not opened.
    pub total_at_opening: Option<u32>,
    /// The total shown when it was closed; `None` while in use.
    pub total_at_close: Option<u32>,
    pub close_cause: Option<MachineCloseCause>,
    /// `vote_recorded` facts while the poll was open on it.
    pub votes_reported: u32,
    /// `vote_recorded` facts outside the poll (before opening, after closing).
    pub votes_reported_outside_poll: u32,
}

impl MachineRecord {
    /// Opened for the poll (after the demonstration); a machine installed but
    /// never opened recorded nothing of the poll and is not counted.
    pub fn used(&self) -> bool {
        self.total_at_opening.is_some()
    }
}

/// What an accepted action added to the papers' record of irregularities.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    pub irregularities: Vec<Irregularity>,
}

/// A polling station: its roll part, its papers and its poll, without the
/// machine.
///
/// # Call contract
///
/// - Build it with [`PollingStation::new`]`(identity, electors_assigned)`
///   (item 1 of Form 16C; at most [`MAX_ELECTORS_PER_STATION`]).
/// - Feed every action, in the order it happened, with
///   [`apply`](PollingStation::apply)`(now, &action)`. `now` comes from the
///   caller; the station never reads a clock and never touches a file. Facts
///   about the machine (`vote_recorded`, `total_shown`) come in as actions
///   from whoever drives the machine.
/// - A forbidden action returns a [`StationRefusal`] naming the rule and
///   changes nothing. No input panics.
/// - An accepted action may record [`Irregularity`]s (an officer's slip, a
///   machine fact that the papers do not explain); they are returned and kept.
/// - Read the papers: [`form_16a`](PollingStation::form_16a),
///   [`form_16b`](PollingStation::form_16b), [`form_14`](PollingStation::form_14),
///   [`form_15`](PollingStation::form_15), and, once no machine of the poll is
///   still open, [`form_16c_part_one`](PollingStation::form_16c_part_one).
///   [`findings`](PollingStation::findings) lists the station-level properties
///   found broken.
///
/// A fresh poll keeps the voided polls ([`polls`](PollingStation::polls));
/// the forms are those of the current poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PollingStation {
    identity: StationIdentity,
    electors_assigned: u32,
    polls: Vec<Poll>,
}

pub(crate) fn check_name(what: &str, name: &str) -> Result<(), StationRefusal> {
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(StationRefusal::NameTooLong { what: what.to_owned(), length, maximum: MAX_NAME_CHARS });
    }
    Ok(())
}

fn check_range(first_serial: u32, last_serial: u32, maximum: u32) -> Result<SerialRange, StationRefusal> {
    let range = SerialRange { first: first_serial, last: last_serial };
    if first_serial > last_serial || range.len() > u64::from(maximum) {
        return Err(StationRefusal::SerialRangeInvalid { first_serial, last_serial, maximum });
    }
    Ok(range)
}

/// Companions are compared by name, ignoring case and surrounding blanks.
fn same_person(first: &str, second: &str) -> bool {
    first.trim().to_lowercase() == second.trim().to_lowercase()
}

impl PollingStation {
    /// A station in preparation with `electors_assigned` electors on its roll
    /// part, numbered 1 to `electors_assigned`.
    pub fn new(identity: StationIdentity, electors_assigned: u32) -> Result<PollingStation, StationRefusal> {
        if electors_assigned > MAX_ELECTORS_PER_STATION {
            return Err(StationRefusal::TooManyElectors { electors_assigned, maximum: MAX_ELECTORS_PER_STATION });
        }
        check_name("the municipality", &identity.municipality)?;
        check_name("the polling station's name", &identity.name)?;
        check_name("the polling station's part number", &identity.part_number)?;
        for name in identity.election.names() {
            check_name("the constituency", name)?;
        }
        check_name("the date of poll", &identity.date_of_poll)?;
        Ok(PollingStation {
            identity,
            electors_assigned,
            polls: vec![Poll::new(PollKind::Original, electors_assigned)],
        })
    }

    pub fn identity(&self) -> &StationIdentity {
        &self.identity
    }

    /// Form 16C item 1.
    pub fn electors_assigned(&self) -> u32 {
        self.electors_assigned
    }

    /// Every poll held, the voided ones first; the last is the current one.
    pub fn polls(&self) -> &[Poll] {
        &self.polls
    }

    pub fn current_poll(&self) -> &Poll {
        // `polls` is never empty: `new` pushes one and nothing removes any.
        let last = self.polls.len() - 1;
        &self.polls[last]
    }

    fn poll_mut(&mut self) -> &mut Poll {
        let last = self.polls.len() - 1;
        &mut self.polls[last]
    }

    pub fn phase(&self) -> StationPhase {
        self.current_poll().phase
    }

    /// Where `elector` stands in the current poll; `None` if not on the roll part.
    pub fn elector_status(&self, elector: ElectorNumber) -> Option<ElectorStatus> {
        self.current_poll().elector(elector).ok().map(|record| record.status)
    }

    /// The elector whose `Ballot` is pending (in the compartment), if any.
    pub fn ballot_pending_for(&self) -> Option<ElectorNumber> {
        self.current_poll().compartment
    }

    /// An enable was left uncancelled (39N/39L slip) and no vote has used it yet.
    pub fn stale_enable_pending(&self) -> bool {
        self.current_poll().stale_enable
    }

    /// The irregularities of the current poll, in order.
    pub fn irregularities(&self) -> &[Irregularity] {
        &self.current_poll().irregularities
    }

    /// Applies one action at `now`. See the type's call contract.
    pub fn apply(&mut self, now: Timestamp, action: &StationAction) -> Result<Accepted, StationRefusal> {
        let mut accepted = Accepted::default();
        self.apply_noting(now, action, &mut accepted)?;
        Ok(accepted)
    }

    /// [`apply`](Self::apply), the irregularities the action adds pushed
    /// onto `accepted` (a caller's, kept from one action to the next: the
    /// hot path of a replay builds no `Accepted` per action).
    pub fn apply_noting(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        match action {
            StationAction::MachineInstalled { control_unit } => self.machine_installed(control_unit)?,
            StationAction::MockPollHeld { votes, cleared } => self.mock_poll_held(now, *votes, *cleared, accepted)?,
            StationAction::PaperSealsSupplied { first_serial, last_serial } => {
                self.paper_seals_supplied(*first_serial, *last_serial)?
            }
            StationAction::PaperSealFixed { serial } => self.paper_seal_fixed(action, *serial)?,
            StationAction::PaperSealDamaged { serial } => self.paper_seal_damaged(*serial)?,
            StationAction::TenderedBallotPapersReceived { first_serial, last_serial } => {
                self.tendered_ballot_papers_received(*first_serial, *last_serial)?
            }
            StationAction::PollOpened { total_shown } => self.poll_opened(now, *total_shown, accepted)?,
            StationAction::ElectorArrived { elector } => self.elector_arrived(now, action, *elector, accepted)?,
            StationAction::ElectorIdentified { elector } => self.elector_identified(now, action, *elector, accepted)?,
            StationAction::IdentityChallenged { elector, challenger } => {
                self.identity_challenged(action, *elector, challenger)?
            }
            StationAction::ChallengeDecided { elector, established, deposit } => {
                self.challenge_decided(action, *elector, *established, *deposit)?
            }
            StationAction::InkMarked { elector } => self.ink_marked(action, *elector)?,
            StationAction::InkCheckFailed { elector, reason } => self.ink_check_failed(action, *elector, *reason)?,
            StationAction::EnteredInRegister { elector, thumb_impression } => {
                self.entered_in_register(action, *elector, *thumb_impression)?
            }
            StationAction::CompanionPermitted { elector, companion } => {
                self.companion_permitted(action, *elector, companion)?
            }
            StationAction::CompanionRefused { elector, reason } => {
                self.companion_refused(now, action, *elector, *reason)?
            }
            StationAction::TenderedBallotPaperRefused { elector, reason } => {
                self.tendered_ballot_paper_refused(now, action, *elector, *reason)?
            }
            StationAction::BallotPressed { elector } => self.ballot_pressed(now, *elector, accepted)?,
            StationAction::VoteRecorded {} => self.vote_recorded(now, accepted),
            StationAction::EnableCancelled {} => self.enable_cancelled(now, accepted),
            StationAction::DecidedNotToVote { elector, cancelled_enable } => {
                self.remark(now, action, *elector, Remark::DecidedNotToVote, *cancelled_enable, accepted)?
            }
            StationAction::NotAllowedToVote { elector, cancelled_enable } => {
                self.remark(now, action, *elector, Remark::VotingProcedureViolated, *cancelled_enable, accepted)?
            }
            StationAction::TenderedBallotPaperIssued { elector, ballot_paper, thumb_impression } => {
                self.tendered_ballot_paper_issued(action, *elector, *ballot_paper, *thumb_impression)?
            }
            StationAction::PresidingOfficerEnteredCompartment { polling_agents_accompanied } => {
                self.presiding_officer_entered_compartment(now, action, *polling_agents_accompanied)?
            }
            StationAction::CloseOfPollHour {} => self.close_of_poll_hour(action)?,
            StationAction::PollClosed { total_shown } => self.poll_closed(now, action, *total_shown, accepted)?,
            StationAction::BoothCaptured { total_shown } => self.booth_captured(now, action, *total_shown, accepted)?,
            StationAction::PollAdjourned { total_shown } => self.poll_adjourned(now, action, *total_shown, accepted)?,
            StationAction::MachineFailed { total_shown } => self.machine_failed(now, action, *total_shown, accepted)?,
            StationAction::FreshPollOrdered {} => self.fresh_poll_ordered(action)?,
        }
        Ok(())
    }

    fn phase_refusal(&self, action: &StationAction, rule: &str) -> StationRefusal {
        StationRefusal::NotInThisPhase { action: action.name().to_owned(), phase: self.phase(), rule: rule.to_owned() }
    }

    fn require_phase(&self, action: &StationAction, phases: &[StationPhase], rule: &str) -> Result<(), StationRefusal> {
        if phases.contains(&self.phase()) {
            Ok(())
        } else {
            Err(self.phase_refusal(action, rule))
        }
    }
}
