//! The vote memory: one counter per ballot button and the total. It stores
//! no order, no time and no elector: only counts (SECRECY, 39L(1)).

use crate::profile::MAX_BALLOT_BUTTONS;

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

impl std::fmt::Debug for VoteMemory {
    // Deliberately prints no candidate-wise figure: debug output is an
    // interface too (39E(5)).
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
