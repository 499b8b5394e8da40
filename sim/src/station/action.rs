//! What happens at a polling station: the officers' and electors' actions and
//! the facts the voting machine reports, as one serde-tagged enum that a
//! poll-day trace line embeds directly.

use crate::forms::header::{DepositOutcome, ElectorNumber};
use serde::{Deserialize, Serialize};

/// One thing that happens at the polling station, in the rules' words.
///
/// Serialised with the tag `event` in snake case, so that a poll-day trace
/// line reads `{"at": "07:00:13", "event": "elector_identified", "elector": 17}`
/// (the `at` belongs to the trace line, not to the action).
///
/// Three kinds of action are mixed here on purpose, because a trace mixes them:
/// - the officers' and electors' actions (`elector_identified`,
///   `entered_in_register`, `ballot_pressed`, `decided_not_to_vote`, …);
/// - the facts the machine in use reports (`vote_recorded`, and the
///   `total_shown` of `poll_opened`, `poll_closed`, `booth_captured`,
///   `poll_adjourned`, `machine_failed`): the station never owns the machine,
///   so these come from whoever drives it (the conformance replay engine, or
///   [`PollDay`](super::PollDay));
/// - the supplies (paper seals, tendered ballot papers, machines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum StationAction {
    /// A voting machine (control unit and balloting units) is provided and set
    /// up at the station (39C(3)): the first one, a replacement after a
    /// failure, the new machine of an adjourned poll (39V(3)) or of a fresh
    /// poll. `control_unit` is its identification number (Form 16C header).
    MachineInstalled { control_unit: String },
    /// *(practice)* A mock poll of `votes` votes was held on the machine just
    /// installed; `cleared` says whether `Close`, `Result`, `Clear` followed.
    MockPollHeld { votes: u32, cleared: bool },
    /// Paper seals with serial numbers `first_serial` to `last_serial`
    /// supplied to the presiding officer (39E(4A); Form 16C item 9).
    PaperSealsSupplied { first_serial: u32, last_serial: u32 },
    /// The signed paper seal `serial` is fixed on the control unit (39E(3)–(4)).
    PaperSealFixed { serial: u32 },
    /// The paper seal `serial` was damaged (Form 16C item 9.5).
    PaperSealDamaged { serial: u32 },
    /// Tendered ballot papers `first_serial` to `last_serial` received for use
    /// (Form 16C item 8(a)).
    TenderedBallotPapersReceived { first_serial: u32, last_serial: u32 },
    /// 39E(2) and 39F: immediately before the poll the presiding officer
    /// demonstrates that no vote is recorded; `total_shown` is what `Total`
    /// showed. Opens the poll (or the adjourned poll, or resumes the poll on a
    /// replacement machine).
    PollOpened { total_shown: u32 },
    /// 39D, 39Q(1): the elector is present at the station (in the queue).
    /// Optional before `elector_identified`, which also counts as arrival, but
    /// the only way to be "present" before the close of poll hour without
    /// being identified yet.
    ElectorArrived { elector: ElectorNumber },
    /// 39H(2): the elector's particulars are checked against the roll and
    /// called out.
    ElectorIdentified { elector: ElectorNumber },
    /// 39I(1)–(2): a polling agent deposits the fee and challenges the identity
    /// of the person claiming to be `elector`; entered in Form 14.
    IdentityChallenged { elector: ElectorNumber, challenger: String },
    /// 39I(4)–(5): the summary inquiry's outcome. `established` debars the
    /// person from voting; the deposit is returned or forfeited.
    ChallengeDecided { elector: ElectorNumber, established: bool, deposit: DepositOutcome },
    /// 39J(1): the left forefinger is inspected and marked with indelible ink.
    InkMarked { elector: ElectorNumber },
    /// 39J(2): the elector is not allowed to vote. This happens before the
    /// Form 16A entry, so it appears in no item of Form 16C (item 4 counts only
    /// rule 39L).
    InkCheckFailed { elector: ElectorNumber, reason: InkCheckFailure },
    /// 39K(a)–(c): the elector's roll number is entered in the register of
    /// voters (Form 16A), the elector signs (or puts a thumb impression), and
    /// the roll is marked.
    EnteredInRegister {
        elector: ElectorNumber,
        #[serde(default)]
        thumb_impression: bool,
    },
    /// 39M: the presiding officer permits a companion to record the vote of a
    /// blind or infirm elector (Form 15). A person may be the companion of one
    /// elector only at a station on a day.
    CompanionPermitted { elector: ElectorNumber, companion: String },
    /// 39M(1): the presiding officer refuses a companion, for `reason`. The
    /// elector may still vote alone; recorded in the papers, no item of Form 16C.
    CompanionRefused { elector: ElectorNumber, reason: CompanionRefusal },
    /// 39L(2): the officer in charge of the control unit presses `Ballot` for
    /// this elector. The station records that it permitted one vote; whether
    /// the machine enabled is the machine's business.
    BallotPressed { elector: ElectorNumber },
    /// The machine in use reported a vote recorded (the beep). Carries nothing:
    /// the station never learns a candidate (39L(1)). A struct variant with
    /// no fields, so that a line naming a candidate is refused as malformed.
    VoteRecorded {},
    /// The machine in use cancelled a pending `Ballot` enable without a vote
    /// (a power cut, a balloting unit detached, a dead battery, the case
    /// opened). A fact, like `vote_recorded`: the harness reports it, a trace
    /// never writes it. The elector in the compartment may be given `Ballot`
    /// again; an enable an officer forgot (39N, 39L) is gone.
    EnableCancelled {},
    /// 39N: after signing Form 16A the elector decides not to vote; remark in
    /// Form 16A; Form 16C item 3. `cancelled_enable` says whether the officer
    /// cancelled a pending `Ballot` enable without a vote (practice: switching
    /// the unit off and on). A trace may forget it: the model lets it.
    DecidedNotToVote {
        elector: ElectorNumber,
        #[serde(default)]
        cancelled_enable: bool,
    },
    /// 39L(6)–(7): the elector refused to observe the voting procedure and is
    /// not allowed to vote; remark in Form 16A; Form 16C item 4.
    /// `cancelled_enable` as for `decided_not_to_vote`.
    NotAllowedToVote {
        elector: ElectorNumber,
        #[serde(default)]
        cancelled_enable: bool,
    },
    /// 39O: a person claiming to be `elector`, for whom someone has already
    /// voted, receives tendered ballot paper `ballot_paper` instead of the
    /// balloting unit; entered in Form 16B; Form 16C items 7 and 8. Never
    /// touches the machine.
    TenderedBallotPaperIssued {
        elector: ElectorNumber,
        ballot_paper: u32,
        #[serde(default)]
        thumb_impression: bool,
    },
    /// 39O(1)–(2): the presiding officer refuses a tendered ballot paper to a
    /// person claiming to be `elector`, for `reason`; recorded in the papers,
    /// no item of Form 16C.
    TenderedBallotPaperRefused { elector: ElectorNumber, reason: TenderedBallotPaperRefusal },
    /// 39P: the presiding officer enters the voting compartment.
    PresidingOfficerEnteredCompartment {
        #[serde(default)]
        polling_agents_accompanied: bool,
    },
    /// 39Q(1): the hour fixed for the close of poll. No elector is admitted
    /// after it; the electors present may still vote.
    CloseOfPollHour {},
    /// 39S(1)–(2): the control unit is closed (`Close`), the balloting unit is
    /// detached, both are sealed. `total_shown` is the total the machine showed
    /// at `Close` (Form 16C item 5).
    PollClosed { total_shown: u32 },
    /// 39W: booth capturing; the control unit is closed at once and the
    /// balloting unit detached. `total_shown` as for `poll_closed`.
    BoothCaptured { total_shown: u32 },
    /// 39V(1), s.61(1): the poll is adjourned and closed as if at the fixed
    /// hour. `total_shown` as for `poll_closed`.
    PollAdjourned { total_shown: u32 },
    /// *(practice)* The machine in use failed during the poll; `total_shown`
    /// is the total it had recorded (read before replacement, or at counting).
    /// The whole set is replaced; both control units are counted.
    MachineFailed { total_shown: u32 },
    /// s.62(1)(aa), s.63(2)(a): the Commission declares the poll void and
    /// orders a fresh poll; every elector votes afresh on a new machine and
    /// the voided machines are not counted.
    FreshPollOrdered {},
}

impl StationAction {
    /// The action's trace name (the `event` tag).
    pub const fn name(&self) -> &'static str {
        match self {
            StationAction::MachineInstalled { .. } => "machine_installed",
            StationAction::MockPollHeld { .. } => "mock_poll_held",
            StationAction::PaperSealsSupplied { .. } => "paper_seals_supplied",
            StationAction::PaperSealFixed { .. } => "paper_seal_fixed",
            StationAction::PaperSealDamaged { .. } => "paper_seal_damaged",
            StationAction::TenderedBallotPapersReceived { .. } => "tendered_ballot_papers_received",
            StationAction::PollOpened { .. } => "poll_opened",
            StationAction::ElectorArrived { .. } => "elector_arrived",
            StationAction::ElectorIdentified { .. } => "elector_identified",
            StationAction::IdentityChallenged { .. } => "identity_challenged",
            StationAction::ChallengeDecided { .. } => "challenge_decided",
            StationAction::InkMarked { .. } => "ink_marked",
            StationAction::InkCheckFailed { .. } => "ink_check_failed",
            StationAction::EnteredInRegister { .. } => "entered_in_register",
            StationAction::CompanionPermitted { .. } => "companion_permitted",
            StationAction::CompanionRefused { .. } => "companion_refused",
            StationAction::BallotPressed { .. } => "ballot_pressed",
            StationAction::VoteRecorded {} => "vote_recorded",
            StationAction::EnableCancelled {} => "enable_cancelled",
            StationAction::DecidedNotToVote { .. } => "decided_not_to_vote",
            StationAction::NotAllowedToVote { .. } => "not_allowed_to_vote",
            StationAction::TenderedBallotPaperIssued { .. } => "tendered_ballot_paper_issued",
            StationAction::TenderedBallotPaperRefused { .. } => "tendered_ballot_paper_refused",
            StationAction::PresidingOfficerEnteredCompartment { .. } => "presiding_officer_entered_compartment",
            StationAction::CloseOfPollHour {} => "close_of_poll_hour",
            StationAction::PollClosed { .. } => "poll_closed",
            StationAction::BoothCaptured { .. } => "booth_captured",
            StationAction::PollAdjourned { .. } => "poll_adjourned",
            StationAction::MachineFailed { .. } => "machine_failed",
            StationAction::FreshPollOrdered {} => "fresh_poll_ordered",
        }
    }
}

/// 39J(2): why an elector is not allowed to vote at the ink check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InkCheckFailure {
    /// Refuses to let the finger be inspected or marked (39J(2)(a)).
    RefusedInspection,
    /// Already has an indelible ink mark (39J(2)(a)).
    AlreadyMarked,
    /// Does an act with a view to removing the mark (39J(2)(a)).
    RemovingMark,
    /// Fails or refuses to produce the identity card (39J(2)(b), 39H(3)).
    NoIdentityCard,
}

/// 39M(1): why the presiding officer refuses a companion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanionRefusal {
    /// Not satisfied that blindness or infirmity keeps the elector from
    /// recording the vote without help.
    NotSatisfiedOfInfirmity,
    /// The companion is under eighteen years of age.
    CompanionUnderEighteen,
    /// The companion has already acted for another elector today, here or at
    /// another polling station (both provisos).
    CompanionAlreadyActed,
    /// The companion will not make the declaration of secrecy (second proviso).
    DeclarationRefused,
}

/// 39O(1)–(2): why the presiding officer refuses a tendered ballot paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderedBallotPaperRefusal {
    /// The person did not answer the questions on identity satisfactorily (39O(1)).
    IdentityNotEstablished,
    /// The person would not write the name against the entry in Form 16B (39O(2)).
    #[serde(rename = "refused_to_sign_form_16b")]
    RefusedToSignForm16B,
    /// No tendered ballot paper is left to issue.
    NoTenderedBallotPaperLeft,
}
