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
use evm_sim::{MachineProfile, Timestamp};
use std::collections::{BTreeSet, VecDeque};

/// What the reference expects of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub accepted: bool,
    pub votes_recorded: u32,
    /// Whether a pending enable was cancelled by this input.
    pub enable_cancelled: bool,
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
            recent_votes: VecDeque::new(),
        }
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }

    pub fn counts(&self) -> &[u32] {
        &self.counts
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
                let ok = self.candidates > 0
                    && self.candidate_set_sealed
                    && !self.closed
                    && !self.enabled
                    && self.exactly_units_for(self.candidates)
                    && self.total() < self.profile.vote_capacity
                    && self.rate_allows(now);
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
                        self.recent_votes.push_back(now);
                        if self.recent_votes.len() > 64 {
                            self.recent_votes.pop_front();
                        }
                        expected.votes_recorded = 1;
                        true
                    }
                    _ => false,
                }
            }
            // Two buttons at once never record a vote.
            Input::PressTwoButtons { .. } => false,
        };
        expected.accepted = accepted;
        expected
    }
}
