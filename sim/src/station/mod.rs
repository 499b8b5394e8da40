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

mod action;
pub mod counting;
mod election;
mod poll_day;
mod refusal;

pub use action::{
    CompanionRefusal, DepositOutcome, ElectorNumber, InkCheckFailure, StationAction, TenderedBallotPaperRefusal,
};
pub use election::Election;
pub use poll_day::{PollDay, PollDayError, PollDayStep, StationTraceLine, MOCK_POLL_SPACING_MILLISECONDS};
pub use refusal::StationRefusal;

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

/// Who and where: the header of every form of the station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationIdentity {
    /// Which election the station serves; the forms' headings say it.
    #[serde(default, skip_serializing_if = "Election::is_municipal_ward")]
    pub election: Election,
    /// For a municipal ward: the municipality.
    pub municipality: String,
    /// For a municipal ward: the ward's number.
    pub ward: u16,
    /// The polling station's serial number (in the ward, or in the file it
    /// came from): unique among the stations counted together.
    pub number: u16,
    /// The station's number as published, when it is not just `number`
    /// (an auxiliary station "2A", "12-B"); the forms print it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub part_number: String,
    pub name: String,
    /// The date of poll as printed on the forms (e.g. "15-03-2026").
    pub date_of_poll: String,
}

impl StationIdentity {
    /// The station's number as the forms print it: the published part
    /// number, else the serial number.
    pub fn station_label(&self) -> String {
        if self.part_number.is_empty() {
            self.number.to_string()
        } else {
            self.part_number.clone()
        }
    }
}

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

/// An officer's slip or a machine's fact that the papers show; kept in the
/// order it happened. Form 16C does not print these: some of them (a stale
/// enable used by the next elector) leave item 6 tallying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "irregularity", rename_all = "snake_case")]
pub enum Irregularity {
    /// 39E(2): the demonstration did not show zero.
    ZeroNotShown { at: Timestamp, control_unit: String, total_shown: u32 },
    /// *(practice)* A mock poll was not followed by `Close`, `Result`, `Clear`.
    MockPollNotCleared { at: Timestamp, control_unit: String, votes: u32 },
    /// 39N / 39L(6): the elector left after `Ballot` and the enable was not
    /// cancelled: the next press on the balloting unit records a vote.
    EnableLeftPending { at: Timestamp, elector: ElectorNumber, remark: Remark },
    /// `Ballot` pressed for an elector while an uncancelled enable was still
    /// pending: the machine refuses the press and the elector votes on the
    /// stale enable. Item 6 tallies; only this record shows it.
    BallotPressedOnPendingEnable { at: Timestamp, elector: ElectorNumber },
    /// The machine recorded a vote while no elector had been permitted one.
    /// `stale_enable` when an uncancelled enable explains it;
    /// `tendered_elector` when the person in the compartment held a tendered
    /// ballot paper.
    VoteWithoutPermission {
        at: Timestamp,
        control_unit: String,
        stale_enable: bool,
        tendered_elector: Option<ElectorNumber>,
    },
    /// The machine recorded a vote while the poll was not open on it.
    VoteOutsidePoll { at: Timestamp, control_unit: String, phase: StationPhase },
    /// The machine was closed while an elector had been permitted a vote and
    /// had not recorded it: that enable yields no vote (39W, 39S).
    PendingEnableAtClose { at: Timestamp, elector: ElectorNumber, cause: MachineCloseCause },
    /// The poll closed (39S, 39W, 39V) while the elector stood entered in
    /// Form 16A with neither a vote nor a remark: item 2 counts an elector
    /// that items 3, 4 and 5 do not.
    EnteredWithoutVote { at: Timestamp, elector: ElectorNumber },
    /// The total shown at close differs from the total at opening plus the
    /// votes the machine reported.
    TotalDiffersFromVotesReported { at: Timestamp, control_unit: String, total_shown: u32, expected: u64 },
    /// 39Q(1): an elector who was not present at the hour fixed was admitted
    /// after it. What happened next (the entry, the vote) is recorded as it
    /// happened, so the account still adds up.
    AdmittedAfterHour { at: Timestamp, elector: ElectorNumber },
    /// 39V(2): an elector who voted before the adjournment voted again at
    /// the adjourned poll (identifying or entering the elector is not this;
    /// only the vote is).
    VotedAgainAfterAdjournment { at: Timestamp, elector: ElectorNumber },
    /// An enable an officer left pending (39N, 39L(6)) was cancelled by the
    /// machine (switched off and on, a unit detached) before anyone voted on
    /// it: lawful in the end, and item 6 tallies.
    LeftEnableCancelled { at: Timestamp, elector: ElectorNumber },
}

impl Irregularity {
    /// The property of DOMAIN.md section 3 this irregularity shows broken, if
    /// it shows one (some are only procedural slips).
    pub fn property(&self) -> Option<Property> {
        match self {
            Irregularity::ZeroNotShown { .. } => Some(Property::Zero),
            Irregularity::VoteWithoutPermission { tendered_elector: Some(_), .. } => Some(Property::Tendered),
            Irregularity::VoteWithoutPermission { .. } => Some(Property::OneVote),
            Irregularity::VoteOutsidePoll { phase: StationPhase::BoothCaptured, .. } => Some(Property::BoothCapture),
            Irregularity::VoteOutsidePoll { .. } => Some(Property::Close),
            Irregularity::VotedAgainAfterAdjournment { .. } => Some(Property::Adjourn),
            Irregularity::MockPollNotCleared { .. }
            | Irregularity::EnableLeftPending { .. }
            | Irregularity::BallotPressedOnPendingEnable { .. }
            | Irregularity::PendingEnableAtClose { .. }
            | Irregularity::EnteredWithoutVote { .. }
            | Irregularity::TotalDiffersFromVotesReported { .. }
            | Irregularity::LeftEnableCancelled { .. }
            | Irregularity::AdmittedAfterHour { .. } => None,
        }
    }
}

/// An officer's refusal the papers record (39M, 39O).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRefusal {
    pub at: Timestamp,
    pub elector: ElectorNumber,
    pub kind: OfficerRefusalKind,
}

/// What was refused, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refused", content = "reason", rename_all = "snake_case")]
pub enum OfficerRefusalKind {
    Companion(CompanionRefusal),
    TenderedBallotPaper(TenderedBallotPaperRefusal),
}

/// A station-level property found broken, with what showed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationFinding {
    pub property: Property,
    pub detail: String,
}

/// Where one elector of the roll part stands in the current poll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ElectorStatus {
    #[default]
    NotSeen,
    Identified,
    /// Under a 39I challenge.
    Challenged,
    /// 39I(4): the challenge was established.
    Debarred,
    InkMarked,
    /// 39J(2): not allowed to vote (not in Form 16A).
    FailedInkCheck,
    /// Entered in Form 16A at `register_serial`, during session `session`
    /// (0 before any adjournment, 1 for the first adjourned poll, …).
    Entered {
        register_serial: u32,
        session: u8,
        progress: EntryProgress,
    },
}

/// What became of a Form 16A entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryProgress {
    AwaitingBallot,
    /// `Ballot` pressed; the elector is in the compartment.
    BallotPressed,
    Voted,
    /// 39N remark.
    DecidedNotToVote,
    /// 39L(7) remark.
    NotAllowedToVote,
    /// The machine was closed (39S, 39W, 39V) with this elector's enable pending.
    EnableLostAtClose,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ElectorRecord {
    status: ElectorStatus,
    /// Present at the station (arrived or identified) in this session (39Q).
    present: bool,
    has_companion: bool,
    /// 39O(1): a person claiming to be this elector, after someone voted as
    /// the elector, was identified (for a tendered ballot paper).
    claimant_identified: bool,
    /// 39V(2): voted before an adjournment; a vote at the adjourned poll is
    /// a second vote.
    voted_before_adjournment: bool,
}

/// Whether a poll is the original one or a fresh poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PollKind {
    Original,
    /// The `ordinal`-th fresh poll (s.62, s.63(2)(a)).
    Fresh {
        ordinal: u8,
    },
}

/// One poll at the station: the original or a fresh poll, with its adjourned
/// sessions. Holds every paper of that poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Poll {
    kind: PollKind,
    phase: StationPhase,
    hour_reached: bool,
    /// 0, then +1 at each adjourned poll.
    session: u8,
    electors: Vec<ElectorRecord>,
    register: Vec<RegisterOfVotersEntry>,
    tendered_votes: Vec<TenderedVoteEntry>,
    challenges: Vec<ChallengeEntry>,
    companions: Vec<(u8, CompanionEntry)>,
    ink_check_failures: Vec<(ElectorNumber, InkCheckFailure)>,
    machines: Vec<MachineRecord>,
    tendered_ballot_papers: Option<SerialRange>,
    tendered_ballot_papers_issued: Vec<u32>,
    /// Paper seals supplied, with the session they came with (a fresh
    /// supply may come with an adjourned poll, 39V(3)).
    paper_seals: Vec<(u8, SerialRange)>,
    paper_seals_used: Vec<u32>,
    paper_seals_damaged: Vec<u32>,
    /// The elector whose `Ballot` is pending (in the compartment).
    compartment: Option<ElectorNumber>,
    /// An uncancelled enable is pending on the machine (39N/39L slip).
    stale_enable: bool,
    /// The elector who left that enable pending.
    stale_enable_left_by: Option<ElectorNumber>,
    /// Officers' refusals of a companion (39M) or a tendered ballot paper (39O).
    officer_refusals: Vec<OfficerRefusal>,
    /// The person who last received a tendered ballot paper, until the next
    /// `Ballot` or vote.
    tendered_in_compartment: Option<ElectorNumber>,
    presiding_officer_entries: Vec<(Timestamp, bool)>,
    irregularities: Vec<Irregularity>,
    irregularities_not_kept: u32,
    #[serde(skip)]
    unreachable_record: ElectorRecord,
}

impl Poll {
    fn new(kind: PollKind, electors_assigned: u32) -> Poll {
        Poll {
            kind,
            phase: StationPhase::Preparation,
            hour_reached: false,
            session: 0,
            electors: vec![ElectorRecord::default(); electors_assigned as usize],
            register: Vec::new(),
            tendered_votes: Vec::new(),
            challenges: Vec::new(),
            companions: Vec::new(),
            ink_check_failures: Vec::new(),
            machines: Vec::new(),
            tendered_ballot_papers: None,
            tendered_ballot_papers_issued: Vec::new(),
            paper_seals: Vec::new(),
            paper_seals_used: Vec::new(),
            paper_seals_damaged: Vec::new(),
            compartment: None,
            stale_enable: false,
            stale_enable_left_by: None,
            officer_refusals: Vec::new(),
            tendered_in_compartment: None,
            presiding_officer_entries: Vec::new(),
            irregularities: Vec::new(),
            irregularities_not_kept: 0,
            unreachable_record: ElectorRecord::default(),
        }
    }

    pub fn kind(&self) -> PollKind {
        self.kind
    }

    pub fn phase(&self) -> StationPhase {
        self.phase
    }

    /// The close of poll hour has passed (39Q).
    pub fn hour_reached(&self) -> bool {
        self.hour_reached
    }

    /// Adjourned polls held so far (0 before any adjournment).
    pub fn session(&self) -> u8 {
        self.session
    }

    pub fn machines(&self) -> &[MachineRecord] {
        &self.machines
    }

    pub fn register_of_voters(&self) -> &[RegisterOfVotersEntry] {
        &self.register
    }

    pub fn tendered_votes(&self) -> &[TenderedVoteEntry] {
        &self.tendered_votes
    }

    pub fn challenges(&self) -> &[ChallengeEntry] {
        &self.challenges
    }

    pub fn irregularities(&self) -> &[Irregularity] {
        &self.irregularities
    }

    /// 39J(2) failures: not in Form 16A, hence in no item of Form 16C.
    pub fn ink_check_failures(&self) -> &[(ElectorNumber, InkCheckFailure)] {
        &self.ink_check_failures
    }

    /// The officers' refusals of a companion (39M) or a tendered ballot
    /// paper (39O), in order.
    pub fn officer_refusals(&self) -> &[OfficerRefusal] {
        &self.officer_refusals
    }

    /// Entries of the presiding officer into the compartment (39P), with
    /// whether polling agents accompanied.
    pub fn presiding_officer_entries(&self) -> &[(Timestamp, bool)] {
        &self.presiding_officer_entries
    }

    fn record(&mut self, irregularity: Irregularity, accepted: &mut Accepted) {
        accepted.irregularities.push(irregularity.clone());
        if self.irregularities.len() < MAX_IRREGULARITIES_PER_POLL {
            self.irregularities.push(irregularity);
        } else {
            self.irregularities_not_kept = self.irregularities_not_kept.saturating_add(1);
        }
    }

    fn elector(&self, elector: ElectorNumber) -> Result<ElectorRecord, StationRefusal> {
        elector
            .checked_sub(1)
            .and_then(|index| self.electors.get(index as usize))
            .copied()
            .ok_or(StationRefusal::ElectorNotOnRoll { elector, electors_assigned: self.electors.len() as u32 })
    }

    /// A throwaway record for an elector off the roll part: callers check
    /// the number with `elector()` first, so it is never reached.
    fn elector_mut(&mut self, elector: ElectorNumber) -> &mut ElectorRecord {
        let index = (elector as usize).wrapping_sub(1);
        debug_assert!(index < self.electors.len(), "elector checked before");
        if index < self.electors.len() {
            &mut self.electors[index]
        } else {
            self.unreachable_record = ElectorRecord::default();
            &mut self.unreachable_record
        }
    }

    fn current_machine(&self) -> Option<&MachineRecord> {
        self.machines.last()
    }

    fn current_machine_mut(&mut self) -> Option<&mut MachineRecord> {
        self.machines.last_mut()
    }

    fn current_control_unit(&self) -> String {
        self.current_machine().map(|machine| machine.control_unit.clone()).unwrap_or_default()
    }

    /// The refusal for an elector whose status is not the one an action needs.
    fn status_refusal(&self, elector: ElectorNumber, record: ElectorRecord) -> StationRefusal {
        match record.status {
            ElectorStatus::NotSeen => StationRefusal::NotIdentified { elector },
            ElectorStatus::Identified => StationRefusal::NotInkMarked { elector },
            ElectorStatus::Challenged => StationRefusal::ChallengePending { elector },
            ElectorStatus::Debarred => StationRefusal::Debarred { elector },
            ElectorStatus::InkMarked => StationRefusal::NotEnteredInRegister { elector },
            ElectorStatus::FailedInkCheck => StationRefusal::FailedInkCheck { elector },
            ElectorStatus::Entered { register_serial, progress, .. } => match progress {
                EntryProgress::Voted => StationRefusal::AlreadyVoted { elector },
                EntryProgress::BallotPressed => StationRefusal::BallotAlreadyPressed { elector },
                EntryProgress::DecidedNotToVote | EntryProgress::NotAllowedToVote => {
                    StationRefusal::AlreadyRemarked { elector }
                }
                EntryProgress::AwaitingBallot | EntryProgress::EnableLostAtClose => {
                    StationRefusal::EntryAlreadyUsed { elector, register_serial }
                }
            },
        }
    }

    /// The entry of `elector` in this session, if the elector has one there.
    fn entry_in_session(&self, elector: ElectorNumber) -> Result<(u32, EntryProgress), StationRefusal> {
        let record = self.elector(elector)?;
        match record.status {
            ElectorStatus::Entered { register_serial, session, progress } if session == self.session => {
                Ok((register_serial, progress))
            }
            _ => Err(self.status_refusal(elector, record)),
        }
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
        match action {
            StationAction::MachineInstalled { control_unit } => self.machine_installed(control_unit)?,
            StationAction::MockPollHeld { votes, cleared } => {
                self.mock_poll_held(now, *votes, *cleared, &mut accepted)?
            }
            StationAction::PaperSealsSupplied { first_serial, last_serial } => {
                let range = check_range(*first_serial, *last_serial, MAX_PAPER_SEALS_PER_POLL)?;
                let poll = self.poll_mut();
                let session = poll.session;
                if poll.paper_seals.iter().any(|(supplied_in, _)| *supplied_in == session) {
                    return Err(StationRefusal::PaperSealsAlreadySupplied);
                }
                if let Some((_, earlier)) = poll.paper_seals.iter().find(|(_, earlier)| earlier.overlaps(range)) {
                    return Err(StationRefusal::PaperSealSuppliedTwice { serial: range.first.max(earlier.first) });
                }
                poll.paper_seals.push((session, range));
            }
            StationAction::PaperSealFixed { serial } => {
                // 39E(3)–(5): fixed over the result section before the poll,
                // after the mock poll; not in any other phase.
                self.require_phase(action, &[StationPhase::Preparation], "39E(3)")?;
                self.check_paper_seal(*serial)?;
                let poll = self.poll_mut();
                poll.paper_seals_used.push(*serial);
                if let Some(machine) = poll.machines.iter_mut().rev().find(|machine| machine.paper_seal.is_none()) {
                    machine.paper_seal = Some(*serial);
                }
            }
            StationAction::PaperSealDamaged { serial } => {
                self.check_paper_seal(*serial)?;
                self.poll_mut().paper_seals_damaged.push(*serial);
            }
            StationAction::TenderedBallotPapersReceived { first_serial, last_serial } => {
                let range = check_range(*first_serial, *last_serial, MAX_TENDERED_BALLOT_PAPERS)?;
                let poll = self.poll_mut();
                if poll.tendered_ballot_papers.is_some() {
                    return Err(StationRefusal::TenderedBallotPapersAlreadyReceived);
                }
                poll.tendered_ballot_papers = Some(range);
            }
            StationAction::PollOpened { total_shown } => self.poll_opened(now, *total_shown, &mut accepted)?,
            StationAction::ElectorArrived { elector } => {
                self.require_phase(action, &[StationPhase::Preparation, StationPhase::Open], "39D")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                if record.present {
                    return Err(StationRefusal::AlreadyPresent { elector: *elector });
                }
                let after_hour = poll.hour_reached;
                let poll = self.poll_mut();
                poll.elector_mut(*elector).present = true;
                if after_hour {
                    poll.record(Irregularity::AdmittedAfterHour { at: now, elector: *elector }, &mut accepted);
                }
            }
            StationAction::ElectorIdentified { elector } => {
                self.require_phase(action, &[StationPhase::Open], "39H")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                let claimant = match record.status {
                    ElectorStatus::NotSeen => false,
                    ElectorStatus::Identified | ElectorStatus::InkMarked => {
                        return Err(StationRefusal::AlreadyIdentified { elector: *elector })
                    }
                    // 39O(1): someone has already voted (or stands entered)
                    // as this elector; the person now claiming to be the
                    // elector is identified for a tendered ballot paper.
                    ElectorStatus::Entered { .. } if !record.claimant_identified => true,
                    ElectorStatus::Entered { .. } => {
                        return Err(StationRefusal::AlreadyIdentified { elector: *elector })
                    }
                    _ => return Err(poll.status_refusal(*elector, record)),
                };
                let after_hour = poll.hour_reached && !record.present;
                let poll = self.poll_mut();
                if after_hour {
                    poll.record(Irregularity::AdmittedAfterHour { at: now, elector: *elector }, &mut accepted);
                }
                let record = poll.elector_mut(*elector);
                record.present = true;
                if claimant {
                    record.claimant_identified = true;
                } else {
                    record.status = ElectorStatus::Identified;
                }
            }
            StationAction::IdentityChallenged { elector, challenger } => {
                self.require_phase(action, &[StationPhase::Open], "39I")?;
                check_name("the challenger's name", challenger)?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                // 39I(1): a deposit "for each such challenge": an elector
                // may be challenged again after an inquiry, and any number
                // of electors in a day.
                if record.status != ElectorStatus::Identified {
                    return Err(poll.status_refusal(*elector, record));
                }
                let poll = self.poll_mut();
                let serial = poll.challenges.len() as u32 + 1;
                poll.challenges.push(ChallengeEntry {
                    serial,
                    elector: *elector,
                    challenger: challenger.clone(),
                    deposit_rupees: CHALLENGE_DEPOSIT_RUPEES,
                    order: None,
                });
                poll.elector_mut(*elector).status = ElectorStatus::Challenged;
            }
            StationAction::ChallengeDecided { elector, established, deposit } => {
                self.require_phase(action, &[StationPhase::Open], "39I")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                let pending =
                    poll.challenges.iter().rposition(|entry| entry.elector == *elector && entry.order.is_none());
                let (ElectorStatus::Challenged, Some(index)) = (record.status, pending) else {
                    return Err(StationRefusal::NoChallengePending { elector: *elector });
                };
                let poll = self.poll_mut();
                poll.challenges[index].order = Some(ChallengeOrder { established: *established, deposit: *deposit });
                poll.elector_mut(*elector).status =
                    if *established { ElectorStatus::Debarred } else { ElectorStatus::Identified };
            }
            StationAction::InkMarked { elector } => {
                self.require_phase(action, &[StationPhase::Open], "39J")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                if record.status != ElectorStatus::Identified {
                    return Err(poll.status_refusal(*elector, record));
                }
                self.poll_mut().elector_mut(*elector).status = ElectorStatus::InkMarked;
            }
            StationAction::InkCheckFailed { elector, reason } => {
                self.require_phase(action, &[StationPhase::Open], "39J")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                if !matches!(record.status, ElectorStatus::Identified | ElectorStatus::InkMarked) {
                    return Err(poll.status_refusal(*elector, record));
                }
                let poll = self.poll_mut();
                poll.ink_check_failures.push((*elector, *reason));
                poll.elector_mut(*elector).status = ElectorStatus::FailedInkCheck;
            }
            StationAction::EnteredInRegister { elector, thumb_impression } => {
                self.require_phase(action, &[StationPhase::Open], "39K")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                if record.status != ElectorStatus::InkMarked {
                    return Err(poll.status_refusal(*elector, record));
                }
                let poll = self.poll_mut();
                let register_serial = poll.register.len() as u32 + 1;
                let session = poll.session;
                poll.register.push(RegisterOfVotersEntry {
                    session,
                    serial: register_serial,
                    elector: *elector,
                    thumb_impression: *thumb_impression,
                    remark: None,
                });
                let session = poll.session;
                poll.elector_mut(*elector).status =
                    ElectorStatus::Entered { register_serial, session, progress: EntryProgress::AwaitingBallot };
            }
            StationAction::CompanionPermitted { elector, companion } => {
                self.require_phase(action, &[StationPhase::Open], "39M")?;
                check_name("the companion's name", companion)?;
                let poll = self.current_poll();
                let (_, progress) = poll.entry_in_session(*elector)?;
                if !matches!(progress, EntryProgress::AwaitingBallot | EntryProgress::BallotPressed) {
                    return Err(poll.status_refusal(*elector, poll.elector(*elector)?));
                }
                if poll.elector(*elector)?.has_companion {
                    return Err(StationRefusal::CompanionAlreadyPermitted { elector: *elector });
                }
                if let Some((_, earlier)) = poll
                    .companions
                    .iter()
                    .find(|(session, entry)| *session == poll.session && same_person(&entry.companion, companion))
                {
                    return Err(StationRefusal::CompanionAlreadyActed {
                        companion: companion.clone(),
                        elector: earlier.elector,
                    });
                }
                let poll = self.poll_mut();
                let session = poll.session;
                poll.companions.push((session, CompanionEntry { elector: *elector, companion: companion.clone() }));
                poll.elector_mut(*elector).has_companion = true;
            }
            StationAction::CompanionRefused { elector, reason } => {
                self.require_phase(action, &[StationPhase::Open], "39M")?;
                self.current_poll().elector(*elector)?;
                self.officer_refused(now, OfficerRefusalKind::Companion(*reason), *elector);
            }
            StationAction::TenderedBallotPaperRefused { elector, reason } => {
                self.require_phase(action, &[StationPhase::Open], "39O")?;
                self.current_poll().elector(*elector)?;
                self.officer_refused(now, OfficerRefusalKind::TenderedBallotPaper(*reason), *elector);
                let record = self.poll_mut().elector_mut(*elector);
                record.claimant_identified = false;
                if record.voted_before_adjournment && !matches!(record.status, ElectorStatus::Entered { .. }) {
                    record.status = ElectorStatus::NotSeen;
                }
            }
            StationAction::BallotPressed { elector } => self.ballot_pressed(now, *elector, &mut accepted)?,
            StationAction::VoteRecorded {} => self.vote_recorded(now, &mut accepted),
            StationAction::EnableCancelled {} => self.enable_cancelled(now, &mut accepted),
            StationAction::DecidedNotToVote { elector, cancelled_enable } => {
                self.remark(now, action, *elector, Remark::DecidedNotToVote, *cancelled_enable, &mut accepted)?
            }
            StationAction::NotAllowedToVote { elector, cancelled_enable } => {
                self.remark(now, action, *elector, Remark::VotingProcedureViolated, *cancelled_enable, &mut accepted)?
            }
            StationAction::TenderedBallotPaperIssued { elector, ballot_paper, thumb_impression } => {
                self.require_phase(action, &[StationPhase::Open], "39O")?;
                let poll = self.current_poll();
                let record = poll.elector(*elector)?;
                // Someone has voted as this elector: at this session (an
                // entry), or before an adjournment (the marked roll, 39V(2)).
                let earlier_entry =
                    || poll.register.iter().rev().find(|entry| entry.elector == *elector).map(|entry| entry.serial);
                let register_serial = match record.status {
                    ElectorStatus::Entered { register_serial, .. } => register_serial,
                    _ if record.voted_before_adjournment => {
                        earlier_entry().ok_or(StationRefusal::EntryNotUsed { elector: *elector })?
                    }
                    _ => return Err(StationRefusal::EntryNotUsed { elector: *elector }),
                };
                let Some(papers) = poll.tendered_ballot_papers else {
                    return Err(StationRefusal::TenderedBallotPapersNotReceived);
                };
                if !papers.contains(*ballot_paper) {
                    return Err(StationRefusal::TenderedBallotPaperNotReceived { ballot_paper: *ballot_paper });
                }
                if poll.tendered_ballot_papers_issued.contains(ballot_paper) {
                    return Err(StationRefusal::TenderedBallotPaperAlreadyIssued { ballot_paper: *ballot_paper });
                }
                let poll = self.poll_mut();
                let serial = poll.tendered_votes.len() as u32 + 1;
                poll.tendered_votes.push(TenderedVoteEntry {
                    serial,
                    elector: *elector,
                    register_serial_of_person_who_voted: register_serial,
                    ballot_paper: *ballot_paper,
                    thumb_impression: *thumb_impression,
                });
                poll.tendered_ballot_papers_issued.push(*ballot_paper);
                poll.tendered_in_compartment = Some(*elector);
                let record = poll.elector_mut(*elector);
                record.claimant_identified = false;
                // A claimant for an elector who voted before an adjournment
                // leaves with the paper: the next one is identified afresh.
                if !matches!(record.status, ElectorStatus::Entered { .. }) {
                    record.status = ElectorStatus::NotSeen;
                }
            }
            StationAction::PresidingOfficerEnteredCompartment { polling_agents_accompanied } => {
                self.require_phase(action, &[StationPhase::Open], "39P")?;
                let poll = self.poll_mut();
                if poll.presiding_officer_entries.len() < MAX_COMPARTMENT_ENTRIES {
                    poll.presiding_officer_entries.push((now, *polling_agents_accompanied));
                }
            }
            StationAction::CloseOfPollHour {} => {
                self.require_phase(
                    action,
                    &[StationPhase::Preparation, StationPhase::Open, StationPhase::MachineFailed],
                    "39Q",
                )?;
                if self.current_poll().hour_reached {
                    return Err(self.phase_refusal(action, "39Q"));
                }
                self.poll_mut().hour_reached = true;
            }
            StationAction::PollClosed { total_shown } => {
                self.require_phase(action, &[StationPhase::Open], "39S")?;
                if !self.current_poll().hour_reached {
                    return Err(self.phase_refusal(action, "39Q(1): the poll closes at the hour fixed"));
                }
                self.close_machine(now, *total_shown, MachineCloseCause::PollClosed, &mut accepted);
                self.poll_mut().phase = StationPhase::Closed;
            }
            StationAction::BoothCaptured { total_shown } => {
                self.require_phase(action, &[StationPhase::Open], "39W")?;
                self.close_machine(now, *total_shown, MachineCloseCause::BoothCaptured, &mut accepted);
                self.poll_mut().phase = StationPhase::BoothCaptured;
            }
            StationAction::PollAdjourned { total_shown } => {
                self.require_phase(action, &[StationPhase::Open], "39V(1)")?;
                if self.current_poll().session >= MAX_ADJOURNMENTS {
                    return Err(StationRefusal::TooManyAdjournments { maximum: MAX_ADJOURNMENTS });
                }
                self.close_machine(now, *total_shown, MachineCloseCause::Adjourned, &mut accepted);
                self.poll_mut().phase = StationPhase::Adjourned;
            }
            StationAction::MachineFailed { total_shown } => {
                self.require_phase(action, &[StationPhase::Open], "practice")?;
                let poll = self.current_poll();
                if poll.machines.len() >= MAX_MACHINES_PER_POLL {
                    return Err(StationRefusal::TooManyMachines { maximum: MAX_MACHINES_PER_POLL });
                }
                // The elector in the compartment lost the enable with the failed
                // set: the officer presses `Ballot` again on the new one.
                if let Some(elector) = poll.compartment {
                    let poll = self.poll_mut();
                    if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
                        *progress = EntryProgress::AwaitingBallot;
                    }
                    poll.compartment = None;
                }
                self.close_machine(now, *total_shown, MachineCloseCause::Failed, &mut accepted);
                self.poll_mut().phase = StationPhase::MachineFailed;
            }
            StationAction::FreshPollOrdered {} => {
                self.require_phase(
                    action,
                    &[
                        StationPhase::Closed,
                        StationPhase::BoothCaptured,
                        StationPhase::Adjourned,
                        StationPhase::MachineFailed,
                    ],
                    "s.62, s.63(2)(a)",
                )?;
                if self.polls.len() >= MAX_POLLS_PER_STATION {
                    return Err(StationRefusal::TooManyPolls { maximum: MAX_POLLS_PER_STATION });
                }
                self.poll_mut().phase = StationPhase::Voided;
                let ordinal = self.polls.len() as u8;
                self.polls.push(Poll::new(PollKind::Fresh { ordinal }, self.electors_assigned));
            }
        }
        Ok(accepted)
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

    fn machine_installed(&mut self, control_unit: &str) -> Result<(), StationRefusal> {
        check_name("the control unit's identification number", control_unit)?;
        let poll = self.current_poll();
        let purpose = match poll.phase {
            StationPhase::Preparation if poll.machines.iter().any(|machine| !machine.used()) => {
                return Err(StationRefusal::MachineAlreadyInstalled)
            }
            StationPhase::Preparation => MachinePurpose::Poll,
            StationPhase::MachineFailed => MachinePurpose::Replacement,
            StationPhase::Adjourned => MachinePurpose::AdjournedPoll,
            _ => {
                return Err(self.phase_refusal(
                    &StationAction::MachineInstalled { control_unit: control_unit.to_owned() },
                    "39C(3), 39V(3)",
                ))
            }
        };
        if poll.machines.len() >= MAX_MACHINES_PER_POLL {
            return Err(StationRefusal::TooManyMachines { maximum: MAX_MACHINES_PER_POLL });
        }
        let poll = self.poll_mut();
        if purpose == MachinePurpose::AdjournedPoll {
            // 39V(2)–(4): a new day with the marked roll. Who was present, a
            // companion's day and the hour start anew; electors identified but
            // not entered were never marked and come afresh.
            poll.session += 1;
            poll.hour_reached = false;
            //
            // 39V(2) bars only those who **voted**: everybody comes afresh to
            // the adjourned poll (identified, inked, entered in the register
            // again); an elector who voted before and votes again is caught
            // at that vote (`VotedAgainAfterAdjournment`). Electors entered
            // with a remark, or whose enable the close took, may vote.
            for record in &mut poll.electors {
                record.present = false;
                record.claimant_identified = false;
                if let ElectorStatus::Entered { progress: EntryProgress::Voted, .. } = record.status {
                    record.voted_before_adjournment = true;
                }
                record.status = ElectorStatus::NotSeen;
            }
        }
        let session = poll.session;
        poll.machines.push(MachineRecord {
            session,
            control_unit: control_unit.to_owned(),
            purpose,
            mock_poll_votes: 0,
            mock_poll_cleared: true,
            paper_seal: None,
            total_at_opening: None,
            total_at_close: None,
            close_cause: None,
            votes_reported: 0,
            votes_reported_outside_poll: 0,
        });
        poll.phase = StationPhase::Preparation;
        Ok(())
    }

    fn mock_poll_held(
        &mut self,
        now: Timestamp,
        votes: u32,
        cleared: bool,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        let action = StationAction::MockPollHeld { votes, cleared };
        self.require_phase(&action, &[StationPhase::Preparation], "39E(2)")?;
        if votes > MAX_VOTE_CAPACITY {
            return Err(StationRefusal::MockPollTooLarge { votes, maximum: MAX_VOTE_CAPACITY });
        }
        let poll = self.poll_mut();
        let Some(machine) = poll.current_machine_mut().filter(|machine| !machine.used()) else {
            return Err(StationRefusal::NoMachineInstalled);
        };
        machine.mock_poll_votes = machine.mock_poll_votes.saturating_add(votes);
        machine.mock_poll_cleared = cleared;
        let control_unit = machine.control_unit.clone();
        if !cleared && votes > 0 {
            poll.record(Irregularity::MockPollNotCleared { at: now, control_unit, votes }, accepted);
        }
        Ok(())
    }

    fn check_paper_seal(&self, serial: u32) -> Result<(), StationRefusal> {
        let poll = self.current_poll();
        if poll.paper_seals.is_empty() {
            return Err(StationRefusal::PaperSealsNotSupplied);
        }
        if !poll.paper_seals.iter().any(|(_, supplied)| supplied.contains(serial)) {
            return Err(StationRefusal::PaperSealNotSupplied { serial });
        }
        if poll.paper_seals_used.contains(&serial) || poll.paper_seals_damaged.contains(&serial) {
            return Err(StationRefusal::PaperSealAlreadyAccounted { serial });
        }
        Ok(())
    }

    fn poll_opened(&mut self, now: Timestamp, total_shown: u32, accepted: &mut Accepted) -> Result<(), StationRefusal> {
        self.require_phase(&StationAction::PollOpened { total_shown }, &[StationPhase::Preparation], "39E(2)")?;
        let poll = self.poll_mut();
        let Some(machine) = poll.current_machine_mut().filter(|machine| !machine.used()) else {
            return Err(StationRefusal::NoMachineInstalled);
        };
        machine.total_at_opening = Some(total_shown);
        let control_unit = machine.control_unit.clone();
        poll.phase = StationPhase::Open;
        if total_shown != 0 {
            poll.record(Irregularity::ZeroNotShown { at: now, control_unit, total_shown }, accepted);
        }
        Ok(())
    }

    fn ballot_pressed(
        &mut self,
        now: Timestamp,
        elector: ElectorNumber,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(&StationAction::BallotPressed { elector }, &[StationPhase::Open], "39L(2)")?;
        let poll = self.current_poll();
        let (_, progress) = poll.entry_in_session(elector)?;
        if progress != EntryProgress::AwaitingBallot {
            return Err(poll.status_refusal(elector, poll.elector(elector)?));
        }
        if let Some(inside) = poll.compartment {
            return Err(StationRefusal::CompartmentOccupied { inside });
        }
        let poll = self.poll_mut();
        if poll.stale_enable {
            poll.record(Irregularity::BallotPressedOnPendingEnable { at: now, elector }, accepted);
        }
        if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
            *progress = EntryProgress::BallotPressed;
        }
        poll.compartment = Some(elector);
        poll.tendered_in_compartment = None;
        Ok(())
    }

    /// A fact: always accepted; what the papers make of it is recorded.
    fn vote_recorded(&mut self, now: Timestamp, accepted: &mut Accepted) {
        let poll = self.poll_mut();
        let phase = poll.phase;
        let control_unit = poll.current_control_unit();
        if phase != StationPhase::Open {
            if let Some(machine) = poll.current_machine_mut() {
                machine.votes_reported_outside_poll = machine.votes_reported_outside_poll.saturating_add(1);
            }
            poll.record(Irregularity::VoteOutsidePoll { at: now, control_unit, phase }, accepted);
            return;
        }
        if let Some(machine) = poll.current_machine_mut() {
            machine.votes_reported = machine.votes_reported.saturating_add(1);
        }
        // The machine holds at most one enable: any vote uses it up.
        let stale_enable = std::mem::take(&mut poll.stale_enable);
        poll.stale_enable_left_by = None;
        match poll.compartment.take() {
            Some(elector) => {
                let record = poll.elector_mut(elector);
                let voted_before_adjournment = record.voted_before_adjournment;
                if let ElectorStatus::Entered { progress, .. } = &mut record.status {
                    *progress = EntryProgress::Voted;
                }
                if voted_before_adjournment {
                    poll.record(Irregularity::VotedAgainAfterAdjournment { at: now, elector }, accepted);
                }
            }
            None => {
                let tendered_elector = poll.tendered_in_compartment.take();
                poll.record(
                    Irregularity::VoteWithoutPermission { at: now, control_unit, stale_enable, tendered_elector },
                    accepted,
                );
            }
        }
    }

    /// A fact: the machine cancelled its pending enable without a vote.
    /// The elector in the compartment may be given `Ballot` again; an enable
    /// an officer left pending is gone, lawfully in the end.
    fn enable_cancelled(&mut self, now: Timestamp, accepted: &mut Accepted) {
        let poll = self.poll_mut();
        if let Some(elector) = poll.compartment.take() {
            if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
                *progress = EntryProgress::AwaitingBallot;
            }
        }
        if std::mem::take(&mut poll.stale_enable) {
            if let Some(elector) = poll.stale_enable_left_by.take() {
                poll.record(Irregularity::LeftEnableCancelled { at: now, elector }, accepted);
            }
        }
    }

    fn officer_refused(&mut self, now: Timestamp, kind: OfficerRefusalKind, elector: ElectorNumber) {
        let poll = self.poll_mut();
        if poll.officer_refusals.len() < MAX_IRREGULARITIES_PER_POLL {
            poll.officer_refusals.push(OfficerRefusal { at: now, elector, kind });
        }
    }

    fn remark(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        remark: Remark,
        cancelled_enable: bool,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], remark.rule())?;
        let poll = self.current_poll();
        let (register_serial, progress) = poll.entry_in_session(elector)?;
        if !matches!(progress, EntryProgress::AwaitingBallot | EntryProgress::BallotPressed) {
            return Err(poll.status_refusal(elector, poll.elector(elector)?));
        }
        let enable_pending = progress == EntryProgress::BallotPressed;
        if cancelled_enable && !enable_pending {
            return Err(StationRefusal::NoPendingEnable { elector });
        }
        let poll = self.poll_mut();
        if let Some(entry) = poll.register.get_mut((register_serial as usize).saturating_sub(1)) {
            entry.remark = Some(remark);
        }
        if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
            *progress = match remark {
                Remark::DecidedNotToVote => EntryProgress::DecidedNotToVote,
                Remark::VotingProcedureViolated => EntryProgress::NotAllowedToVote,
            };
        }
        if enable_pending {
            poll.compartment = None;
            if !cancelled_enable {
                poll.stale_enable = true;
                poll.stale_enable_left_by = Some(elector);
                poll.record(Irregularity::EnableLeftPending { at: now, elector, remark }, accepted);
            }
        }
        Ok(())
    }

    /// Closes the machine in use with the total it showed (the caller checked
    /// the phase).
    fn close_machine(&mut self, now: Timestamp, total_shown: u32, cause: MachineCloseCause, accepted: &mut Accepted) {
        let poll = self.poll_mut();
        // `Close` (and a failed set) takes any pending enable with it.
        poll.stale_enable = false;
        poll.tendered_in_compartment = None;
        if let Some(elector) = poll.compartment.take() {
            if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
                *progress = EntryProgress::EnableLostAtClose;
            }
            poll.record(Irregularity::PendingEnableAtClose { at: now, elector, cause }, accepted);
        }
        if cause != MachineCloseCause::Failed {
            let session = poll.session;
            let waiting: Vec<ElectorNumber> = (1..)
                .zip(&poll.electors)
                .filter(|(_, record)| {
                    matches!(
                        record.status,
                        ElectorStatus::Entered { session: entered, progress: EntryProgress::AwaitingBallot, .. }
                            if entered == session
                    )
                })
                .map(|(elector, _)| elector)
                .collect();
            for elector in waiting {
                poll.record(Irregularity::EnteredWithoutVote { at: now, elector }, accepted);
            }
        }
        let Some(machine) = poll.current_machine_mut() else {
            return;
        };
        machine.total_at_close = Some(total_shown);
        machine.close_cause = Some(cause);
        let expected = u64::from(machine.total_at_opening.unwrap_or(0)) + u64::from(machine.votes_reported);
        let control_unit = machine.control_unit.clone();
        if u64::from(total_shown) != expected {
            poll.record(
                Irregularity::TotalDiffersFromVotesReported { at: now, control_unit, total_shown, expected },
                accepted,
            );
        }
    }

    /// Form 16A, the register of voters of the current poll.
    pub fn form_16a(&self) -> Form16A {
        Form16A { identity: self.identity.clone(), entries: self.current_poll().register.clone() }
    }

    /// Form 16B, the list of tendered votes of the current poll.
    pub fn form_16b(&self) -> Form16B {
        Form16B { identity: self.identity.clone(), entries: self.current_poll().tendered_votes.clone() }
    }

    /// Form 14, the list of challenged votes of the current poll.
    pub fn form_14(&self) -> Form14 {
        Form14 { identity: self.identity.clone(), entries: self.current_poll().challenges.clone() }
    }

    /// Form 15, the list of blind and infirm voters of the current poll.
    pub fn form_15(&self) -> Form15 {
        Form15 {
            identity: self.identity.clone(),
            entries: self.current_poll().companions.iter().map(|(_, entry)| entry.clone()).collect(),
        }
    }

    /// Form 16C Part I of the current poll (39R).
    pub fn form_16c_part_one(&self) -> Result<Form16CPartOne, StationRefusal> {
        self.form_16c_part_one_of(self.polls.len() - 1)
    }

    /// Form 16C Part I of poll `index` (0 is the original poll; see
    /// [`polls`](PollingStation::polls)). Refused while a machine of that poll
    /// is open: item 5 is what the machines showed when closed.
    pub fn form_16c_part_one_of(&self, index: usize) -> Result<Form16CPartOne, StationRefusal> {
        self.part_one(index, None)
    }

    /// Form 16C Part I of one session of poll `index` (39V(1): the poll up
    /// to the adjournment is accounted as if closed at the hour, each
    /// adjourned poll on its own, so an error in one is never cancelled by
    /// another). Items 2 to 6 are the session's; items 7 to 9 the poll's.
    pub fn form_16c_part_one_of_session(&self, index: usize, session: u8) -> Result<Form16CPartOne, StationRefusal> {
        self.part_one(index, Some(session))
    }

    fn part_one(&self, index: usize, session: Option<u8>) -> Result<Form16CPartOne, StationRefusal> {
        let Some(poll) = self.polls.get(index) else {
            return Err(StationRefusal::NotInThisPhase {
                action: "form_16c".to_owned(),
                phase: self.phase(),
                rule: "39R".to_owned(),
            });
        };
        let in_session = |of: u8| session.is_none_or(|session| session == of);
        let mut machines = Vec::new();
        for machine in poll.machines.iter().filter(|machine| machine.used() && in_session(machine.session)) {
            let Some(votes_recorded) = machine.total_at_close else {
                return Err(StationRefusal::NotInThisPhase {
                    action: "form_16c".to_owned(),
                    phase: poll.phase,
                    rule: "39R(1): the account is prepared at the close of the poll".to_owned(),
                });
            };
            machines.push(MachineTotal { control_unit: machine.control_unit.clone(), votes_recorded });
        }
        let register: Vec<&RegisterOfVotersEntry> =
            poll.register.iter().filter(|entry| in_session(entry.session)).collect();
        let count = |remark: Remark| register.iter().filter(|entry| entry.remark == Some(remark)).count() as u32;
        let voters_in_register = register.len() as u32;
        let voters_deciding_not_to_vote = count(Remark::DecidedNotToVote);
        let voters_not_allowed_to_vote = count(Remark::VotingProcedureViolated);
        let total_votes_recorded = machines.iter().map(|machine| u64::from(machine.votes_recorded)).sum::<u64>();
        let item_six = ItemSixTally::compare(
            total_votes_recorded,
            u64::from(voters_in_register),
            u64::from(voters_deciding_not_to_vote),
            u64::from(voters_not_allowed_to_vote),
        );
        let mut issued = poll.tendered_ballot_papers_issued.clone();
        issued.sort_unstable();
        let tendered_ballot_papers = TenderedBallotPaperAccount {
            received: poll.tendered_ballot_papers,
            not_used_and_returned: poll
                .tendered_ballot_papers
                .map_or(0, |range| range.len().saturating_sub(issued.len() as u64)),
            issued,
        };
        let mut used = poll.paper_seals_used.clone();
        used.sort_unstable();
        let mut damaged = poll.paper_seals_damaged.clone();
        damaged.sort_unstable();
        let supplied: Vec<SerialRange> = poll.paper_seals.iter().map(|(_, range)| *range).collect();
        let total_supplied = supplied.iter().map(|range| range.len()).sum::<u64>();
        let consumed = (used.len() + damaged.len()) as u64;
        let paper_seals = PaperSealAccount {
            supplied,
            total_supplied,
            used: consumed,
            unused_returned: total_supplied.saturating_sub(consumed),
            damaged,
        };
        Ok(Form16CPartOne {
            identity: self.identity.clone(),
            poll: poll.kind,
            session,
            adjourned_polls: poll.session,
            machines,
            electors_assigned: self.electors_assigned,
            voters_in_register,
            voters_deciding_not_to_vote,
            voters_not_allowed_to_vote,
            total_votes_recorded,
            item_six,
            voters_issued_tendered_ballot_papers: poll.tendered_votes.len() as u32,
            tendered_ballot_papers,
            paper_seals,
        })
    }

    /// The station-level properties found broken in the current poll: the
    /// irregularities that show one, then ITEM-6 when Form 16C Part I can be
    /// prepared and does not tally.
    pub fn findings(&self) -> Vec<StationFinding> {
        let mut findings: Vec<StationFinding> = self
            .irregularities()
            .iter()
            .filter_map(|irregularity| {
                irregularity.property().map(|property| StationFinding {
                    property,
                    detail: serde_json::to_string(irregularity).unwrap_or_default(),
                })
            })
            .collect();
        if let Ok(part_one) = self.form_16c_part_one() {
            if let ItemSixTally::Discrepancy { .. } = part_one.item_six {
                findings.push(StationFinding { property: Property::Item6, detail: part_one.item_six.to_string() });
            }
        }
        findings
    }
}
