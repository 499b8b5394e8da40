//! The forms of the rules as serde types (JSON), each rendered as text laid
//! out like the printed form ([`text`]) and as Markdown for reports
//! ([`markdown`]).
//!
//! - Form 14 (challenged votes), Form 15 (blind and infirm voters), Form 16A
//!   (register of voters), Form 16B (tendered votes): kept by the station.
//! - Form 16C: Part I (account of votes recorded, 39R) prepared by the station,
//!   Part II (result of counting, 61H) completed at counting.
//! - Form 23 (final result sheet, 61J) and Form 24 (return of election, 61L):
//!   from [`counting`](crate::station::counting).

mod election;
pub mod header;
pub mod markdown;
pub mod text;

pub use header::{DepositOutcome, Election, ElectorNumber, PollKind, StationIdentity};
use serde::{Deserialize, Serialize};

/// Serial numbers `first` to `last`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialRange {
    pub first: u32,
    pub last: u32,
}

impl SerialRange {
    /// How many serial numbers; 0 for a reversed range.
    pub fn len(&self) -> u64 {
        if self.last < self.first {
            0
        } else {
            u64::from(self.last - self.first) + 1
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, serial: u32) -> bool {
        self.first <= serial && serial <= self.last
    }

    /// Whether the two ranges share a serial number.
    pub fn overlaps(&self, other: SerialRange) -> bool {
        !self.is_empty() && !other.is_empty() && self.first <= other.last && other.first <= self.last
    }
}

/// A remark against a Form 16A entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remark {
    /// 39N: the elector decided not to record a vote (Form 16C item 3).
    DecidedNotToVote,
    /// 39L(7): voting procedure violated; not allowed to vote (item 4).
    VotingProcedureViolated,
}

impl Remark {
    pub const fn rule(self) -> &'static str {
        match self {
            Remark::DecidedNotToVote => "39N",
            Remark::VotingProcedureViolated => "39L(6)-(7)",
        }
    }

    /// The remark as written in Form 16A.
    pub const fn text(self) -> &'static str {
        match self {
            Remark::DecidedNotToVote => "Decided not to vote (39N)",
            Remark::VotingProcedureViolated => "Voting procedure violated (39L)",
        }
    }
}

/// One line of Form 16A.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterOfVotersEntry {
    pub serial: u32,
    /// Serial number of the elector in the electoral roll.
    pub elector: ElectorNumber,
    /// Signed with a thumb impression rather than a signature.
    pub thumb_impression: bool,
    pub remark: Option<Remark>,
    /// The session of the poll the entry was made in: 0, then +1 at each
    /// adjourned poll (39V).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session: u8,
}

fn is_zero(value: &u8) -> bool {
    *value == 0
}

/// One line of Form 16B.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenderedVoteEntry {
    pub serial: u32,
    pub elector: ElectorNumber,
    /// Serial number in Form 16A of the person who already voted as this elector.
    pub register_serial_of_person_who_voted: u32,
    pub ballot_paper: u32,
    pub thumb_impression: bool,
}

/// The presiding officer's order on a challenge (39I(4)–(5)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeOrder {
    pub established: bool,
    pub deposit: DepositOutcome,
}

/// One line of Form 14.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeEntry {
    pub serial: u32,
    pub elector: ElectorNumber,
    pub challenger: String,
    pub deposit_rupees: u32,
    /// `None` while the inquiry is pending.
    pub order: Option<ChallengeOrder>,
}

/// One line of Form 15.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanionEntry {
    pub elector: ElectorNumber,
    pub companion: String,
}

/// Form 14: list of challenged votes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form14 {
    pub identity: StationIdentity,
    pub entries: Vec<ChallengeEntry>,
}

/// Form 15: list of illiterate, blind and infirm voters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form15 {
    pub identity: StationIdentity,
    pub entries: Vec<CompanionEntry>,
}

/// Form 16A: register of voters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form16A {
    pub identity: StationIdentity,
    pub entries: Vec<RegisterOfVotersEntry>,
}

/// Form 16B: list of tendered votes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form16B {
    pub identity: StationIdentity,
    pub entries: Vec<TenderedVoteEntry>,
}

/// One control unit's share of Form 16C item 5: the total it showed when closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineTotal {
    pub control_unit: String,
    pub votes_recorded: u32,
}

/// Form 16C item 6: whether item 5 tallies with item 2 − item 3 − item 4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tally", rename_all = "snake_case")]
pub enum ItemSixTally {
    #[default]
    Tallies,
    /// `difference` = item 5 − (item 2 − item 3 − item 4): positive when the
    /// machine holds more votes than the register explains.
    Discrepancy { item_5: u64, item_two_minus_three_minus_four: i64, difference: i64 },
}

impl ItemSixTally {
    pub fn compare(item_5: u64, item_two: u64, item_three: u64, item_four: u64) -> ItemSixTally {
        let expected = item_two as i64 - item_three as i64 - item_four as i64;
        let difference = item_5 as i64 - expected;
        if difference == 0 {
            ItemSixTally::Tallies
        } else {
            ItemSixTally::Discrepancy { item_5, item_two_minus_three_minus_four: expected, difference }
        }
    }

    /// The signed size of the discrepancy, 0 when it tallies.
    pub fn difference(&self) -> i64 {
        match self {
            ItemSixTally::Tallies => 0,
            ItemSixTally::Discrepancy { difference, .. } => *difference,
        }
    }
}

impl std::fmt::Display for ItemSixTally {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemSixTally::Tallies => formatter.write_str("Tallies"),
            ItemSixTally::Discrepancy { difference, .. } if *difference > 0 => {
                write!(formatter, "Discrepancy: item 5 exceeds (2 - 3 - 4) by {difference}")
            }
            ItemSixTally::Discrepancy { difference, .. } => {
                write!(formatter, "Discrepancy: item 5 falls short of (2 - 3 - 4) by {}", difference.unsigned_abs())
            }
        }
    }
}

/// Form 16C item 8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderedBallotPaperAccount {
    /// (a) received for use.
    pub received: Option<SerialRange>,
    /// (b) issued to electors, in serial order.
    pub issued: Vec<u32>,
    /// (c) not used and returned.
    pub not_used_and_returned: u64,
}

impl TenderedBallotPaperAccount {
    /// The serial numbers of (c), in order.
    pub fn not_used(&self) -> Vec<u32> {
        self.received
            .map(|range| {
                (range.first..=range.last).filter(|serial| self.issued.binary_search(serial).is_err()).collect()
            })
            .unwrap_or_default()
    }
}

/// Form 16C item 9, the account of paper seals (39E(4A)). A damaged seal is
/// counted as used (it cannot be returned unused) and listed in item 9.5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperSealAccount {
    /// 9.1 serial numbers supplied: one range per supply (an adjourned
    /// poll may bring fresh seals, 39V(3)).
    pub supplied: Vec<SerialRange>,
    /// 9.2
    pub total_supplied: u64,
    /// 9.3 used, damaged ones included.
    pub used: u64,
    /// 9.4 = 9.2 − 9.3.
    pub unused_returned: u64,
    /// 9.5
    pub damaged: Vec<u32>,
}

/// Form 16C Part I: account of votes recorded (39R), for one poll at one
/// station; item 5 sums every control unit used in the poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form16CPartOne {
    pub identity: StationIdentity,
    pub poll: PollKind,
    /// The account of one session of the poll (39V(1): the poll adjourned is
    /// accounted as if closed at the hour; the adjourned poll on its own),
    /// or `None` for the whole poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u8>,
    /// Adjourned polls included in this account (39V).
    pub adjourned_polls: u8,
    /// Each control unit used, with the total it showed when closed.
    pub machines: Vec<MachineTotal>,
    /// Item 1.
    pub electors_assigned: u32,
    /// Item 2.
    pub voters_in_register: u32,
    /// Item 3.
    pub voters_deciding_not_to_vote: u32,
    /// Item 4.
    pub voters_not_allowed_to_vote: u32,
    /// Item 5: the total of votes recorded as per the voting machines (the
    /// totals the control units showed at the close). One name and one type
    /// (u64) end to end: the account of votes and every report carry it as
    /// `item_5`.
    pub item_5: u64,
    /// Item 6.
    pub item_six: ItemSixTally,
    /// Item 7.
    pub voters_issued_tendered_ballot_papers: u32,
    /// Item 8.
    pub tendered_ballot_papers: TenderedBallotPaperAccount,
    /// Item 9.
    pub paper_seals: PaperSealAccount,
}

/// One candidate's line of Form 16C Part II (or NOTA, the last line where the
/// machine has it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateVotes {
    pub serial: u16,
    pub name: String,
    pub votes: u64,
}

/// Whether Part II tallies: the sum of the candidates' counts, the total the
/// control unit showed with `Result`, and its share of Part I item 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tally", rename_all = "snake_case")]
pub enum PartTwoTally {
    Tallies,
    Discrepancy { sum_of_counts: u64, total_shown: u32, item_5_share: u64 },
}

impl PartTwoTally {
    pub fn compare(sum_of_counts: u64, total_shown: u32, item_5_share: u64) -> PartTwoTally {
        if sum_of_counts == u64::from(total_shown) && u64::from(total_shown) == item_5_share {
            PartTwoTally::Tallies
        } else {
            PartTwoTally::Discrepancy { sum_of_counts, total_shown, item_5_share }
        }
    }
}

impl std::fmt::Display for PartTwoTally {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartTwoTally::Tallies => formatter.write_str("Tallies with item 5 of Part I"),
            PartTwoTally::Discrepancy { sum_of_counts, total_shown, item_5_share } => {
                write!(formatter, "Discrepancy: candidates' votes add up to {sum_of_counts}, the control unit shows a total of {total_shown}, item 5 of Part I shows {item_5_share}")?;
                let difference = i128::from(*sum_of_counts) - i128::from(*item_5_share);
                if difference > 0 {
                    write!(formatter, " (Part II exceeds item 5 by {difference})")
                } else if difference < 0 {
                    write!(formatter, " (Part II falls short of item 5 by {})", difference.unsigned_abs())
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Form 16C Part II: the result of counting of one control unit (61H).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form16CPartTwo {
    pub control_unit: String,
    pub candidates: Vec<CandidateVotes>,
    /// Sum of the candidates' lines ("Total :").
    pub sum_of_counts: u64,
    /// The total the control unit showed with `Result`.
    pub total_shown: u32,
    /// This control unit's share of Part I item 5 (the total it showed at
    /// the close).
    pub item_5_share: u64,
    pub tally: PartTwoTally,
}

/// A control unit that was not counted (61G(4)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineNotCounted {
    pub control_unit: String,
    pub reason: String,
}

/// Form 16C, both parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form16C {
    pub part_one: Form16CPartOne,
    pub part_two: Vec<Form16CPartTwo>,
    pub not_counted: Vec<MachineNotCounted>,
}

/// One polling station's column of Form 23.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form23Station {
    pub number: u16,
    /// Valid votes per candidate line; `None` when the station's machines were
    /// not counted (tampered: re-poll, 61G(4)).
    pub valid_votes: Option<Vec<u64>>,
}

/// The votes of persons on election duty (61F, Form 22).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionDutyVotes {
    pub valid_votes: Vec<u64>,
    pub rejected: u64,
}

/// Form 23: final result sheet of a ward (61J).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form23 {
    pub municipality: String,
    pub ward: u16,
    pub date_of_poll: String,
    /// Candidate lines in ballot order (NOTA last where used).
    pub candidates: Vec<String>,
    pub stations: Vec<Form23Station>,
    pub election_duty: ElectionDutyVotes,
    /// Per candidate line: all stations counted plus election duty.
    pub totals: Vec<u64>,
    /// Valid votes: for the contesting candidates only. NOTA post-dates the
    /// form and is never a vote for a candidate (docs/RULES.md).
    pub total_valid: u64,
    /// Votes for "None of the Above", on their own line, when the machines have it.
    #[serde(default)]
    pub none_of_the_above: Option<u64>,
    pub total_rejected: u64,
    /// Valid, NOTA and rejected: every vote polled.
    pub grand_total: u64,
}

/// 61K(2): the lot drawn between tied candidates, recorded so that it can be
/// drawn again from the same seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub seed: u64,
    /// The tied candidates, in ballot order.
    pub tied: Vec<String>,
    /// The first output of splitmix64 from `seed`; `draw % tied.len()` picks.
    pub draw: u64,
    pub drawn: String,
}

/// 61K: the declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub elected: String,
    pub votes: u64,
    pub lot: Option<Lot>,
}

/// Form 24: return of election (61L).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form24 {
    pub municipality: String,
    pub ward: u16,
    pub date_of_poll: String,
    /// Candidates (not NOTA) with their votes, in ballot order.
    pub candidates: Vec<CandidateVotes>,
    /// Votes for "None of the Above", when the machines have it.
    pub none_of_the_above: Option<u64>,
    pub total_valid: u64,
    pub total_invalid: u64,
    pub total_tendered: u64,
    pub declaration: Declaration,
}
