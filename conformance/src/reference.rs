//! The reference model: a deliberately simple, independent re-statement of
//! what a conforming unit does, written from DOMAIN.md and the rules rather
//! than from `evm_sim::unit`. The replay engine compares every target with it;
//! the differential tests and fuzzers compare the simulated unit with it.
//!
//! It is simple on purpose: plain `Vec`s and sets, no bit tricks, no bounds
//! other than the profile's. It says *whether* an input is accepted and what
//! a person could then observe; it does not say which refusal a unit gives
//! when several apply.

use evm_sim::profile::BUTTONS_PER_BALLOTING_UNIT;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{MachineProfile, RateRule, Timestamp};
use std::collections::{BTreeSet, VecDeque};

/// What the reference expects of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub accepted: bool,
    pub votes_recorded: u32,
    /// Whether a pending enable was cancelled by this input.
    pub enable_cancelled: bool,
    /// Two buttons pressed at once on an enabled ballot: the ballot entries
    /// (0-based). No vote (the enable stays) is what this model does; one
    /// vote for either entry is lawful too ([`ReferenceUnit::adopt_one_of_two`]).
    /// Two votes never are.
    pub one_of_two: Option<(usize, usize)>,
    /// `Ballot` refused only by the vote-rate limit, as the profile announces it.
    pub rate_limited: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seal {
    NotFixed,
    Intact,
    Broken,
}

/// The reference unit.
#[derive(Clone, Debug)]
pub struct ReferenceUnit {
    profile: MachineProfile,
    powered: bool,
    fail_safe: bool,
    battery_percent: u8,
    candidates: u16,
    candidate_set_sealed: bool,
    attached: BTreeSet<u8>,
    seal: Seal,
    enabled: bool,
    closed: bool,
    result_shown: bool,
    /// One counter per ballot entry (candidates, then NOTA).
    counts: Vec<u32>,
    /// Votes a machine recorded for one of two buttons pressed at once,
    /// without saying which: each is one vote for one of the two entries.
    votes_for_one_of_two: Vec<(usize, usize)>,
    /// Times of recent votes, for the rate limit.
    recent_votes: VecDeque<Timestamp>,
}

impl ReferenceUnit {
    pub fn new(profile: MachineProfile) -> Self {
        ReferenceUnit {
            profile,
            powered: false,
            fail_safe: false,
            battery_percent: 100,
            candidates: 0,
            candidate_set_sealed: false,
            attached: BTreeSet::new(),
            seal: Seal::NotFixed,
            enabled: false,
            closed: false,
            result_shown: false,
            counts: Vec::new(),
            votes_for_one_of_two: Vec::new(),
            recent_votes: VecDeque::new(),
        }
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().sum::<u32>() + self.votes_for_one_of_two.len() as u32
    }

    /// The counts known entry by entry (votes for one of two buttons
    /// pressed at once are not in them: see [`counts_possible`](Self::counts_possible)).
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// Whether a readout's `counts` can be this unit's: the known counts
    /// plus each vote for one of two buttons given to one of its two entries.
    pub fn counts_possible(&self, counts: &[u32]) -> bool {
        if counts.len() != self.counts.len() {
            return false;
        }
        let mut extra = Vec::with_capacity(counts.len());
        for (&read, &known) in counts.iter().zip(&self.counts) {
            let Some(more) = read.checked_sub(known) else { return false };
            extra.push(more);
        }
        if extra.iter().map(|&more| u64::from(more)).sum::<u64>() != self.votes_for_one_of_two.len() as u64 {
            return false;
        }
        one_of_two_assignment_exists(&self.votes_for_one_of_two, &extra)
    }

    /// The machine recorded one vote for two buttons pressed at once
    /// (lawful, [`Expected::one_of_two`]): the enable is used, the vote is
    /// one of the two entries.
    pub fn adopt_one_of_two(&mut self, now: Timestamp, entries: (usize, usize)) {
        self.votes_for_one_of_two.push(entries);
        self.enabled = false;
        self.push_recent_vote(now);
    }

    fn push_recent_vote(&mut self, now: Timestamp) {
        self.recent_votes.push_back(now);
        if self.recent_votes.len() > 64 {
            self.recent_votes.pop_front();
        }
    }

    pub fn ballot_enabled(&self) -> bool {
        self.enabled
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn is_powered(&self) -> bool {
        self.powered
    }

    pub fn seal_intact(&self) -> bool {
        self.seal == Seal::Intact
    }

    pub fn candidate_set_sealed(&self) -> bool {
        self.candidate_set_sealed
    }

    /// Positions with a balloting unit attached, in order.
    pub fn attached_positions(&self) -> Vec<u8> {
        self.attached.iter().copied().collect()
    }

    pub fn candidates(&self) -> u16 {
        self.candidates
    }

    /// Whether the candidate-wise result may be observed now: while the
    /// unit shows it (powered, not fail-safe, after `Result`).
    pub fn result_readable(&self) -> bool {
        self.powered && !self.fail_safe && self.result_shown
    }

    fn entries(&self) -> usize {
        if self.candidates == 0 {
            0
        } else {
            usize::from(self.candidates) + usize::from(self.profile.none_of_the_above)
        }
    }

    fn units_needed(&self, candidates: u16) -> u8 {
        let entries = usize::from(candidates) + usize::from(self.profile.none_of_the_above);
        entries.div_ceil(usize::from(BUTTONS_PER_BALLOTING_UNIT)) as u8
    }

    fn has_units_for(&self, candidates: u16) -> bool {
        (1..=self.units_needed(candidates)).all(|position| self.attached.contains(&position))
    }

    fn exactly_units_for(&self, candidates: u16) -> bool {
        self.has_units_for(candidates) && self.attached.len() == usize::from(self.units_needed(candidates))
    }

    fn entry_of(&self, address: ButtonAddress) -> Option<usize> {
        if address.button == 0 || u16::from(address.button) > BUTTONS_PER_BALLOTING_UNIT || address.balloting_unit == 0
        {
            return None;
        }
        let entry = (usize::from(address.balloting_unit) - 1) * usize::from(BUTTONS_PER_BALLOTING_UNIT)
            + usize::from(address.button)
            - 1;
        (entry < self.entries()).then_some(entry)
    }

    fn rate_allows(&mut self, now: Timestamp) -> bool {
        let Some(limit) = self.profile.rate_limit_votes_per_minute else { return true };
        if self.profile.rate_rule == RateRule::MinimumInterval {
            // One vote per 60,000 / N ms, rounded up: only the last vote counts.
            let interval = 60_000u64.div_ceil(u64::from(limit.max(1)));
            return self.recent_votes.back().is_none_or(|last| now.milliseconds_since(*last) >= interval);
        }
        // Votes a minute old or older no longer count: drop them from the front.
        while self.recent_votes.front().is_some_and(|time| now.milliseconds_since(*time) >= 60_000) {
            self.recent_votes.pop_front();
        }
        let in_last_minute = self.recent_votes.iter().filter(|time| now.milliseconds_since(**time) < 60_000).count();
        in_last_minute < usize::from(limit)
    }

    fn cancel(&mut self, expected: &mut Expected) {
        if self.enabled {
            self.enabled = false;
            expected.enable_cancelled = true;
        }
    }

    /// Applies `input` at `now` and says what a conforming unit does.
    // Longer than 70 lines on purpose: the reference model's dispatcher: one arm an input, each the
    // rule as DOMAIN.md states it, so the whole statement reads in one place.
    pub fn step(&mut self, now: Timestamp, input: Input) -> Expected {
        let mut expected = Expected::default();
        let accepted = match input {
            Input::FixResultSeal => {
                let ok = self.seal != Seal::Intact;
                if ok {
                    self.seal = Seal::Intact;
                    self.result_shown = false;
                }
                ok
            }
            Input::BreakResultSeal => {
                let ok = self.seal == Seal::Intact;
                if ok {
                    self.seal = Seal::Broken;
                }
                ok
            }
            Input::AttachBallotingUnit { position } => {
                let ok =
                    (1..=self.profile.balloting_units_max).contains(&position) && !self.attached.contains(&position);
                if ok {
                    self.attached.insert(position);
                }
                ok
            }
            Input::DetachBallotingUnit { position } => {
                let ok = self.attached.contains(&position);
                if ok {
                    self.cancel(&mut expected);
                    self.attached.remove(&position);
                }
                ok
            }
            Input::PowerOn { .. } => {
                let ok = !self.powered && self.battery_percent > 0;
                self.powered |= ok;
                ok
            }
            Input::PowerOff => {
                let ok = self.powered;
                if ok {
                    self.cancel(&mut expected);
                    self.powered = false;
                }
                ok
            }
            Input::BatteryLevel { percent } => {
                self.battery_percent = percent.min(100);
                if self.battery_percent == 0 && self.powered {
                    self.cancel(&mut expected);
                    self.powered = false;
                }
                true
            }
            Input::OpenCase => {
                self.cancel(&mut expected);
                self.fail_safe = true;
                true
            }
            _ if !self.powered || self.fail_safe => false,
            Input::CandSet { candidates } => {
                let ok = !self.candidate_set_sealed
                    && candidates >= 1
                    && candidates <= self.profile.candidates_max()
                    && self.has_units_for(candidates)
                    && !self.enabled
                    && self.total() == 0;
                if ok {
                    self.candidates = candidates;
                    self.counts = vec![0; self.entries()];
                }
                ok
            }
            Input::SealCandidateSetSection => {
                let ok = self.candidates > 0 && !self.candidate_set_sealed;
                self.candidate_set_sealed |= ok;
                ok
            }
            Input::Ballot => {
                // The candidate set section's seal is paper: not the machine's
                // to see, so `Ballot` does not need it.
                let otherwise_ok = self.candidates > 0
                    && !self.closed
                    && !self.enabled
                    && self.exactly_units_for(self.candidates)
                    && self.total() < self.profile.vote_capacity;
                let ok = otherwise_ok && self.rate_allows(now);
                expected.rate_limited = otherwise_ok && !ok;
                self.enabled |= ok;
                ok
            }
            Input::Total => true,
            Input::Close => {
                let ok = self.candidates > 0 && !self.closed;
                if ok {
                    self.cancel(&mut expected);
                    self.closed = true;
                }
                ok
            }
            Input::Result => {
                let ok = self.closed && self.seal != Seal::Intact;
                self.result_shown |= ok;
                ok
            }
            Input::Clear => {
                let ok = self.seal != Seal::Intact && self.result_shown;
                if ok {
                    self.counts.iter_mut().for_each(|count| *count = 0);
                    self.votes_for_one_of_two.clear();
                    self.closed = false;
                    self.result_shown = false;
                    self.recent_votes.clear();
                }
                ok
            }
            // It erases nothing: only a machine that holds no vote, its
            // result section open, is readied for another election.
            Input::FirstLevelCheck => {
                let ok = self.seal != Seal::Intact && !self.enabled && self.total() == 0;
                if ok {
                    self.candidates = 0;
                    self.candidate_set_sealed = false;
                    self.counts.clear();
                    self.seal = Seal::NotFixed;
                    self.closed = false;
                    self.result_shown = false;
                    self.recent_votes.clear();
                }
                ok
            }
            Input::PressButton { address } => {
                let ok = self.attached.contains(&address.balloting_unit) && !self.closed && self.enabled;
                match self.entry_of(address) {
                    Some(entry) if ok => {
                        self.counts[entry] += 1;
                        self.enabled = false;
                        self.push_recent_vote(now);
                        expected.votes_recorded = 1;
                        true
                    }
                    _ => false,
                }
            }
            // Two buttons at once: this model records no vote and keeps the
            // enable; a machine that records one vote for one of the two is
            // lawful too (the replay adopts it). Never two.
            Input::PressTwoButtons { first, second } => {
                let usable = |address: ButtonAddress| self.attached.contains(&address.balloting_unit);
                if self.enabled && !self.closed && usable(first) && usable(second) {
                    if let (Some(first), Some(second)) = (self.entry_of(first), self.entry_of(second)) {
                        expected.one_of_two = Some((first, second));
                    }
                }
                false
            }
        };
        expected.accepted = accepted;
        expected
    }
}

/// Whether each vote for one of two entries can be given to one of them so
/// that entry `e` receives exactly `extra[e]` of them (a bipartite matching
/// of votes to the entries' extra slots, by augmenting paths).
fn one_of_two_assignment_exists(votes: &[(usize, usize)], extra: &[u32]) -> bool {
    let mut remaining: Vec<u32> = extra.to_vec();
    // holders[e]: the votes given to entry e so far.
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); extra.len()];
    for vote in 0..votes.len() {
        let mut visited = vec![false; extra.len()];
        if !place(vote, votes, &mut remaining, &mut holders, &mut visited) {
            return false;
        }
    }
    remaining.iter().all(|&left| left == 0)
}

fn place(
    vote: usize,
    votes: &[(usize, usize)],
    remaining: &mut [u32],
    holders: &mut [Vec<usize>],
    visited: &mut [bool],
) -> bool {
    let (first, second) = votes[vote];
    for entry in [first, second] {
        if entry >= remaining.len() || visited[entry] {
            continue;
        }
        visited[entry] = true;
        if remaining[entry] > 0 {
            remaining[entry] -= 1;
            holders[entry].push(vote);
            return true;
        }
        // Entry full: move one of its votes to that vote's other entry.
        for slot in 0..holders[entry].len() {
            let moved = holders[entry][slot];
            if place(moved, votes, remaining, holders, visited) {
                holders[entry][slot] = vote;
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::one_of_two_assignment_exists;

    #[test]
    fn votes_for_one_of_two_are_assigned_when_they_can_be() {
        assert!(one_of_two_assignment_exists(&[], &[0, 0]));
        assert!(one_of_two_assignment_exists(&[(0, 1)], &[1, 0]));
        assert!(one_of_two_assignment_exists(&[(0, 1)], &[0, 1]));
        assert!(!one_of_two_assignment_exists(&[(0, 1)], &[0, 0]));
        assert!(!one_of_two_assignment_exists(&[(0, 1)], &[0, 0, 1]), "a vote for neither entry");
        // Two votes on (0,1) and one on (1,2): 0 gets two needs both (0,1) votes.
        assert!(one_of_two_assignment_exists(&[(0, 1), (0, 1), (1, 2)], &[2, 0, 1]));
        assert!(!one_of_two_assignment_exists(&[(0, 1), (0, 1), (1, 2)], &[0, 0, 3]));
        // Needs a move along an augmenting path: (1,2) first takes 1, then
        // (0,1) must push it to 2.
        assert!(one_of_two_assignment_exists(&[(1, 2), (0, 1)], &[0, 1, 1]));
        assert!(one_of_two_assignment_exists(&[(1, 2), (1, 0)], &[0, 1, 1]));
    }
}
