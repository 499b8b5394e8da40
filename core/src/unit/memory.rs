//! The vote memory: one counter per ballot button and the total. It stores
//! no order, no time and no elector: only counts (SECRECY, 39L(1)).

use super::vocabulary::ResultSeal;
use crate::profile::{MachineProfile, MAX_BALLOT_BUTTONS};
use crate::time::Timestamp;

/// Per-button counters and the total, fixed-size: recording a vote allocates
/// nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct VoteMemory {
    counts: [u32; MAX_BALLOT_BUTTONS],
    total: u32,
}

impl Default for VoteMemory {
    fn default() -> Self {
        VoteMemory { counts: [0; MAX_BALLOT_BUTTONS], total: 0 }
    }
}

impl core::fmt::Debug for VoteMemory {
    // Deliberately prints no candidate-wise figure: debug output is an
    // interface too (39E(5)).
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.debug_struct("VoteMemory").field("total", &self.total).finish_non_exhaustive()
    }
}

impl VoteMemory {
    /// Adds one vote for ballot button `index` (0-based). `counted_in_total`
    /// is false only for the seeded defect that loses votes from the total.
    pub(crate) fn record(&mut self, index: usize, counted_in_total: bool) {
        self.counts[index] += 1;
        if counted_in_total {
            self.total += 1;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.counts = [0; MAX_BALLOT_BUTTONS];
        self.total = 0;
    }

    /// Sets a count directly; used only by seeded defects and restores.
    pub(crate) fn set(&mut self, index: usize, count: u32, total: u32) {
        self.counts[index] = count;
        self.total = total;
    }

    /// Counters and total as read back from a memory image. `counts` longer
    /// than [`MAX_BALLOT_BUTTONS`] is cut at the bound (the image decoder
    /// never passes more).
    pub(crate) fn from_counts(counts: &[u32], total: u32) -> VoteMemory {
        let mut memory = VoteMemory { total, ..VoteMemory::default() };
        for (slot, &count) in memory.counts.iter_mut().zip(counts) {
            *slot = count;
        }
        memory
    }

    pub(crate) fn total(&self) -> u32 {
        self.total
    }

    pub(crate) fn counts(&self, ballot_buttons: usize) -> &[u32] {
        &self.counts[..ballot_buttons.min(MAX_BALLOT_BUTTONS)]
    }

    /// The sum of every counter, for the invariant "sum of candidate counts =
    /// total" (PART-II). Reveals nothing candidate-wise.
    pub(crate) fn counts_sum(&self) -> u64 {
        self.counts.iter().map(|&count| u64::from(count)).sum()
    }
}

/// What a control unit keeps through a power cut, a battery change and the
/// removal of its balloting units (RETAIN, 61N): the candidate set and its
/// seal, the paper seal, the poll's life-cycle (start and end times, closed,
/// result shown, fail-safe) and the vote memory.
///
/// It holds **no order, no per-vote time and no elector** (SECRECY, 39L(1)):
/// the only thing a vote changes is one counter and the total. What a unit
/// holds only while powered — a pending `Ballot` enable, the vote-rate window
/// (the times of the last votes), the display, the attached balloting units —
/// is not part of it, so a restart from it cancels a pending enable.
///
/// # Call contract
///
/// - Obtain it from a running unit with
///   [`ControlUnit::retained_state`](super::ControlUnit::retained_state), or
///   from an authenticated memory image (`crate::detachable_memory`); there is
///   no other constructor, so counts cannot be made up from outside.
/// - Give it back with
///   [`ControlUnit::restart_from`](super::ControlUnit::restart_from) (a unit
///   after a restart) or
///   [`ControlUnit::load_retained_state`](super::ControlUnit::load_retained_state).
/// - Candidate-wise counts are not readable here: `Debug` and the accessors
///   show the total only; the counts come out through `Result` (39E(5)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainedState {
    pub(crate) candidates: u16,
    pub(crate) candidate_set_sealed: bool,
    pub(crate) result_seal: ResultSeal,
    pub(crate) closed: bool,
    pub(crate) result_shown: bool,
    pub(crate) fail_safe: bool,
    pub(crate) poll_start: Option<Timestamp>,
    pub(crate) poll_end: Option<Timestamp>,
    pub(crate) memory: VoteMemory,
}

impl RetainedState {
    /// Contesting candidates set with `Cand Set`, 0 while not set.
    pub fn candidates(&self) -> u16 {
        self.candidates
    }

    pub fn candidate_set_sealed(&self) -> bool {
        self.candidate_set_sealed
    }

    pub fn result_seal(&self) -> ResultSeal {
        self.result_seal
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// `Result` was pressed (after `Close`, with no intact seal) and no seal
    /// was fixed since.
    pub fn result_shown(&self) -> bool {
        self.result_shown
    }

    pub fn is_fail_safe(&self) -> bool {
        self.fail_safe
    }

    pub fn poll_start(&self) -> Option<Timestamp> {
        self.poll_start
    }

    pub fn poll_end(&self) -> Option<Timestamp> {
        self.poll_end
    }

    /// The total of votes recorded, as `Total` shows it.
    pub fn total(&self) -> u32 {
        self.memory.total
    }
}

impl RetainedState {
    /// Why this state cannot be the record of a conforming unit, if it
    /// cannot: the first failing check of docs/MEMORY_FORMAT.md, "A genuine
    /// image that does not add up", in that order. A conforming unit never
    /// writes such a state; a faulty one can, and its authenticated image
    /// then records it faithfully. A unit restarted from it goes into the
    /// memory-fault state ([`ControlUnit::memory_inconsistency`](super::ControlUnit::memory_inconsistency)).
    pub fn inconsistency(&self, profile: &MachineProfile) -> Option<MemoryInconsistency> {
        let total = self.memory.total;
        let counts_sum = self.memory.counts_sum();
        let holds_votes = total != 0 || counts_sum != 0;
        if self.candidates == 0 && holds_votes {
            return Some(MemoryInconsistency::VotesWithoutCandidates { total });
        }
        let ballot_buttons = usize::from(profile.ballot_buttons_for(self.candidates)).min(MAX_BALLOT_BUTTONS);
        if let Some(index) = self.memory.counts[ballot_buttons..].iter().position(|&count| count != 0) {
            // Counters past the ballot buttons in use belong to masked buttons.
            let button = (ballot_buttons + index + 1) as u16;
            return Some(MemoryInconsistency::VoteOnMaskedButton { button });
        }
        if counts_sum != u64::from(total) {
            return Some(MemoryInconsistency::CountsDifferFromTotal { counts_sum, total });
        }
        if self.closed != self.poll_end.is_some() {
            return Some(MemoryInconsistency::CloseWithoutPollEnd);
        }
        if self.result_shown && !self.closed {
            return Some(MemoryInconsistency::ResultShownWhileOpen);
        }
        if self.result_shown && self.result_seal == ResultSeal::Intact {
            return Some(MemoryInconsistency::ResultShownUnderIntactSeal);
        }
        if self.candidate_set_sealed && self.candidates == 0 {
            return Some(MemoryInconsistency::SealedWithoutCandidates);
        }
        None
    }
}

/// Why a retained state (a genuine memory image, authenticated by the
/// unit's own key) cannot be the record of a conforming unit. Each has a
/// stable code (docs/MEMORY_FORMAT.md, docs/PROTOCOL.md): the display of a
/// unit in this state reads `MEMORY ERROR ` followed by the code in
/// capitals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MemoryInconsistency {
    /// Votes (a total or a counter) while no candidate set was set.
    #[error("votes in memory ({total} in the total) but no candidate set (39B(4)(b))")]
    VotesWithoutCandidates { total: u32 },
    /// A vote counted on a button past the candidates (and NOTA): a masked
    /// button cannot be operated. `button` is the 1-based ballot position.
    #[error("a vote counted on masked ballot button {button}")]
    VoteOnMaskedButton { button: u16 },
    /// The candidates' counters do not add up to the total (PART-II).
    #[error("the candidates' counters sum to {counts_sum} but the total is {total} (PART-II, 61H)")]
    CountsDifferFromTotal { counts_sum: u64, total: u32 },
    /// `closed` without a poll end time, or a poll end time while open:
    /// `Close` sets both and `Clear` clears both.
    #[error("the closed flag and the poll end time disagree")]
    CloseWithoutPollEnd,
    /// The result was shown while the unit was not closed (61H).
    #[error("the result is marked shown but the unit is not closed (61H)")]
    ResultShownWhileOpen,
    /// The result is marked shown under an intact paper seal: fixing a seal
    /// closes the result section over it (39E(5)).
    #[error("the result is marked shown under an intact paper seal (39E(5))")]
    ResultShownUnderIntactSeal,
    /// The candidate set section is sealed over no candidate set (39B(4)(b)).
    #[error("the candidate set section is sealed but no candidate set was set (39B(4)(b))")]
    SealedWithoutCandidates,
}

impl MemoryInconsistency {
    /// The stable code (docs/MEMORY_FORMAT.md).
    pub const fn code(self) -> &'static str {
        match self {
            MemoryInconsistency::VotesWithoutCandidates { .. } => "votes_without_candidates",
            MemoryInconsistency::VoteOnMaskedButton { .. } => "vote_on_masked_button",
            MemoryInconsistency::CountsDifferFromTotal { .. } => "counts_differ_from_total",
            MemoryInconsistency::CloseWithoutPollEnd => "close_without_poll_end",
            MemoryInconsistency::ResultShownWhileOpen => "result_shown_while_open",
            MemoryInconsistency::ResultShownUnderIntactSeal => "result_shown_under_intact_seal",
            MemoryInconsistency::SealedWithoutCandidates => "sealed_without_candidates",
        }
    }

    /// Every kind, in the order the checks run (one example value each).
    pub const ALL: [MemoryInconsistency; 7] = [
        MemoryInconsistency::VotesWithoutCandidates { total: 0 },
        MemoryInconsistency::VoteOnMaskedButton { button: 0 },
        MemoryInconsistency::CountsDifferFromTotal { counts_sum: 0, total: 0 },
        MemoryInconsistency::CloseWithoutPollEnd,
        MemoryInconsistency::ResultShownWhileOpen,
        MemoryInconsistency::ResultShownUnderIntactSeal,
        MemoryInconsistency::SealedWithoutCandidates,
    ];
}
