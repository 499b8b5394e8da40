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
pub mod counting;
mod machine;
mod papers;
mod poll_day;
mod refusal;
pub mod road;
mod table;

pub use crate::forms::header::{DepositOutcome, Election, ElectorNumber, PollKind, StationIdentity};
pub use action::{CompanionRefusal, InkCheckFailure, StationAction, TenderedBallotPaperRefusal};
pub use papers::{
    ElectorStatus, EntryProgress, Irregularity, OfficerRefusal, OfficerRefusalKind, Poll, StationFinding,
};
pub use poll_day::{PollDay, PollDayError, PollDayStep, StationTraceLine};
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
}
