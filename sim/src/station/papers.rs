//! The papers of a poll and the elector look-ups: where each elector
//! stands (39H–39N), the irregularities the papers record, and the
//! officers' refusals. The rules that change them are in `supplies.rs`
//! (seals and tendered papers), `machine.rs` (the machine's set-up,
//! opening and close), `table.rs` (the elector at the table), `close.rs`
//! (the close, the failed set, the fresh poll), through the dispatcher in
//! `mod.rs`.

use super::*;

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
pub(super) struct ElectorRecord {
    pub(super) status: ElectorStatus,
    /// Present at the station (arrived or identified) in this session (39Q).
    pub(super) present: bool,
    pub(super) has_companion: bool,
    /// 39O(1): a person claiming to be this elector, after someone voted as
    /// the elector, was identified (for a tendered ballot paper).
    pub(super) claimant_identified: bool,
    /// 39V(2): voted before an adjournment; a vote at the adjourned poll is
    /// a second vote.
    pub(super) voted_before_adjournment: bool,
}

/// One poll at the station: the original or a fresh poll, with its adjourned
/// sessions. Holds every paper of that poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Poll {
    pub(super) kind: PollKind,
    pub(super) phase: StationPhase,
    pub(super) hour_reached: bool,
    /// 0, then +1 at each adjourned poll.
    pub(super) session: u8,
    pub(super) electors: Vec<ElectorRecord>,
    pub(super) register: Vec<RegisterOfVotersEntry>,
    pub(super) tendered_votes: Vec<TenderedVoteEntry>,
    pub(super) challenges: Vec<ChallengeEntry>,
    pub(super) companions: Vec<(u8, CompanionEntry)>,
    pub(super) ink_check_failures: Vec<(ElectorNumber, InkCheckFailure)>,
    pub(super) machines: Vec<MachineRecord>,
    pub(super) tendered_ballot_papers: Option<SerialRange>,
    pub(super) tendered_ballot_papers_issued: Vec<u32>,
    /// Paper seals supplied, with the session they came with (a fresh
    /// supply may come with an adjourned poll, 39V(3)).
    pub(super) paper_seals: Vec<(u8, SerialRange)>,
    pub(super) paper_seals_used: Vec<u32>,
    pub(super) paper_seals_damaged: Vec<u32>,
    /// The elector whose `Ballot` is pending (in the compartment).
    pub(super) compartment: Option<ElectorNumber>,
    /// An uncancelled enable is pending on the machine (39N/39L slip).
    pub(super) stale_enable: bool,
    /// The elector who left that enable pending.
    pub(super) stale_enable_left_by: Option<ElectorNumber>,
    /// Officers' refusals of a companion (39M) or a tendered ballot paper (39O).
    pub(super) officer_refusals: Vec<OfficerRefusal>,
    /// The person who last received a tendered ballot paper, until the next
    /// `Ballot` or vote.
    pub(super) tendered_in_compartment: Option<ElectorNumber>,
    pub(super) presiding_officer_entries: Vec<(Timestamp, bool)>,
    pub(super) irregularities: Vec<Irregularity>,
    pub(super) irregularities_not_kept: u32,
    #[serde(skip)]
    pub(super) unreachable_record: ElectorRecord,
}

impl Poll {
    pub(super) fn new(kind: PollKind, electors_assigned: u32) -> Poll {
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

    pub(super) fn record(&mut self, irregularity: Irregularity, accepted: &mut Accepted) {
        accepted.irregularities.push(irregularity.clone());
        if self.irregularities.len() < MAX_IRREGULARITIES_PER_POLL {
            self.irregularities.push(irregularity);
        } else {
            self.irregularities_not_kept = self.irregularities_not_kept.saturating_add(1);
        }
    }

    pub(super) fn elector(&self, elector: ElectorNumber) -> Result<ElectorRecord, StationRefusal> {
        elector
            .checked_sub(1)
            .and_then(|index| self.electors.get(index as usize))
            .copied()
            .ok_or(StationRefusal::ElectorNotOnRoll { elector, electors_assigned: self.electors.len() as u32 })
    }

    /// A throwaway record for an elector off the roll part: callers check
    /// the number with `elector()` first, so it is never reached.
    pub(super) fn elector_mut(&mut self, elector: ElectorNumber) -> &mut ElectorRecord {
        let index = (elector as usize).wrapping_sub(1);
        debug_assert!(index < self.electors.len(), "elector checked before");
        if index < self.electors.len() {
            &mut self.electors[index]
        } else {
            self.unreachable_record = ElectorRecord::default();
            &mut self.unreachable_record
        }
    }

    pub(super) fn current_machine(&self) -> Option<&MachineRecord> {
        self.machines.last()
    }

    pub(super) fn current_machine_mut(&mut self) -> Option<&mut MachineRecord> {
        self.machines.last_mut()
    }

    pub(super) fn current_control_unit(&self) -> String {
        self.current_machine().map(|machine| machine.control_unit.clone()).unwrap_or_default()
    }

    /// The refusal for an elector whose status is not the one an action needs.
    pub(super) fn status_refusal(&self, elector: ElectorNumber, record: ElectorRecord) -> StationRefusal {
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

    /// `elector`'s record when its status is one `allowed` accepts, else the
    /// refusal that says where the elector stands.
    pub(super) fn elector_where(
        &self,
        elector: ElectorNumber,
        allowed: impl Fn(ElectorStatus) -> bool,
    ) -> Result<ElectorRecord, StationRefusal> {
        let record = self.elector(elector)?;
        if allowed(record.status) {
            Ok(record)
        } else {
            Err(self.status_refusal(elector, record))
        }
    }

    /// The entry of `elector` in this session, if the elector has one there.
    pub(super) fn entry_in_session(&self, elector: ElectorNumber) -> Result<(u32, EntryProgress), StationRefusal> {
        let record = self.elector(elector)?;
        match record.status {
            ElectorStatus::Entered { register_serial, session, progress } if session == self.session => {
                Ok((register_serial, progress))
            }
            _ => Err(self.status_refusal(elector, record)),
        }
    }
}
