//! What each input does to the unit: `Cand Set`, the seals, `Ballot`,
//! `Total`, `Close`, `Result`, `Clear`, the cables, the power, the case and
//! the balloting unit's presses. `mod.rs` dispatches (`react`) and checks
//! what holds for every input first.

use super::*;

impl ControlUnit {
    pub(super) fn cand_set(&mut self, candidates: u16) -> Reaction {
        if self.candidate_set_sealed && !self.defects.contains(Defect::CandidateSetChangesAfterSeal) {
            return Reaction::refused(Refusal::CandidateSetSealed);
        }
        if candidates == 0 {
            return Reaction::refused(Refusal::NoCandidates);
        }
        let maximum = self.profile.candidates_max();
        if candidates > maximum {
            return Reaction::refused(Refusal::TooManyCandidates { candidates, maximum });
        }
        let required = self.required_positions(candidates);
        if self.attached_positions & required != required {
            let needed = self.profile.balloting_units_for(candidates);
            return Reaction::refused(Refusal::CandidatesExceedAttachedUnits { candidates, needed });
        }
        if self.ballot_enabled {
            return Reaction::refused(Refusal::BallotAlreadyEnabled);
        }
        if self.memory.total() != 0 {
            return Reaction::refused(Refusal::VotesInMemory);
        }
        self.candidates = candidates;
        self.display = Display::Candidates { candidates };
        let mut events = Events::default();
        events.push(Event::CandidatesSet { candidates });
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn seal_candidate_set_section(&mut self) -> Reaction {
        if self.candidates == 0 {
            return Reaction::refused(Refusal::CandidatesNotSet);
        }
        if self.candidate_set_sealed {
            return Reaction::refused(Refusal::CandidateSetSealed);
        }
        self.candidate_set_sealed = true;
        let mut events = Events::default();
        events.push(Event::CandidateSetSectionSealed);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn ballot(&mut self, now: Timestamp) -> Reaction {
        if self.candidates == 0 {
            return Reaction::refused(Refusal::CandidatesNotSet);
        }
        // The candidate set section's seal is paper over the `Cand Set`
        // button: the machine cannot see it, and `Ballot` does not need it.
        if self.closed {
            return Reaction::refused(Refusal::Closed);
        }
        if self.ballot_enabled {
            return Reaction::refused(Refusal::BallotAlreadyEnabled);
        }
        let required = self.required_positions(self.candidates);
        if self.attached_positions & required != required {
            let missing = (!self.attached_positions & required).trailing_zeros() + 1;
            return Reaction::refused(Refusal::BallotingUnitNotAttached { position: missing as u8 });
        }
        if self.attached_positions != required {
            return Reaction::refused(Refusal::BallotingUnitSetMismatch);
        }
        if self.memory.total() >= self.profile.vote_capacity {
            return Reaction::refused(Refusal::MemoryFull { capacity: self.profile.vote_capacity });
        }
        if let Some(votes_per_minute) = self.profile.rate_limit_votes_per_minute {
            if !self.rate_window.allows(now, votes_per_minute, self.profile.rate_rule) {
                return Reaction::refused(Refusal::RateLimited { votes_per_minute });
            }
        }
        self.ballot_enabled = true;
        self.poll_start.get_or_insert(now);
        self.display = Display::Busy;
        let mut reaction = Reaction::default();
        reaction.events.push(Event::BallotEnabled);
        reaction
    }

    pub(super) fn show_total(&mut self) -> Reaction {
        let total = self.memory.total();
        self.display = if self.defects.contains(Defect::TotalShowsBreakdown) {
            Display::TotalWithBreakdown {
                total,
                first_candidate_votes: self.memory.counts(1).first().copied().unwrap_or(0),
            }
        } else {
            Display::Total { total }
        };
        let mut events = Events::default();
        events.push(Event::TotalShown { total });
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    /// `Close` works in every powered state once candidates are set: rule 39W
    /// demands it at any moment, a pending enable included.
    pub(super) fn close(&mut self, now: Timestamp) -> Reaction {
        if self.candidates == 0 {
            return Reaction::refused(Refusal::CandidatesNotSet);
        }
        if self.closed {
            return Reaction::refused(Refusal::AlreadyClosed);
        }
        let mut events = Events::default();
        self.cancel_enable(CancelCause::Close, &mut events);
        self.closed = true;
        self.poll_end = Some(now);
        let total = self.memory.total();
        self.display = Display::Closed { poll_start: self.poll_start, poll_end: now, total };
        events.push(Event::Closed { total });
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn result(&mut self) -> Reaction {
        if !self.closed && !self.defects.contains(Defect::ResultBeforeClose) {
            return Reaction::refused(Refusal::ResultBeforeClose);
        }
        if self.result_seal == ResultSeal::Intact && !self.defects.contains(Defect::ResultWhileSealed) {
            return Reaction::refused(Refusal::ResultSealIntact);
        }
        let total = self.memory.total();
        self.result_shown = true;
        self.display = Display::Result { total };
        let mut events = Events::default();
        events.push(Event::ResultShown { total });
        if self.defects.contains(Defect::ResultErasesVotes) {
            self.memory.clear();
        }
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    /// `Clear` sits behind the paper seal with `Result`, and erases only a
    /// result that has been read.
    pub(super) fn clear(&mut self) -> Reaction {
        if self.result_seal == ResultSeal::Intact {
            return Reaction::refused(Refusal::ResultSealIntact);
        }
        if !self.result_shown {
            return Reaction::refused(Refusal::ClearBeforeResult);
        }
        self.memory.clear();
        if self.defects.contains(Defect::ClearLeavesVote) {
            self.memory.set(0, 1, 1);
        }
        self.reopen_for_a_poll()
    }

    /// After `Clear` or the first-level check: open for a poll, no poll
    /// times, an empty vote-rate window, `CLEARED TOTAL 0000` shown.
    fn reopen_for_a_poll(&mut self) -> Reaction {
        self.closed = false;
        self.result_shown = false;
        self.poll_start = None;
        self.poll_end = None;
        self.rate_window.reset();
        self.display = Display::Cleared;
        let mut events = Events::default();
        events.push(Event::Cleared);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    /// The first-level check readies a machine that holds no vote for
    /// another election: it erases nothing, so a machine still holding
    /// votes (its result unread, or read and not cleared) refuses it, and
    /// so does one whose result section is sealed.
    pub(super) fn first_level_check(&mut self) -> Reaction {
        if self.result_seal == ResultSeal::Intact {
            return Reaction::refused(Refusal::ResultSealIntact);
        }
        if self.ballot_enabled {
            return Reaction::refused(Refusal::BallotAlreadyEnabled);
        }
        if self.memory.total() != 0 {
            return Reaction::refused(Refusal::VotesInMemory);
        }
        self.candidates = 0;
        self.candidate_set_sealed = false;
        self.result_seal = ResultSeal::NotFixed;
        self.reopen_for_a_poll()
    }

    pub(super) fn fix_result_seal(&mut self) -> Reaction {
        if self.result_seal == ResultSeal::Intact {
            return Reaction::refused(Refusal::SealAlreadyFixed);
        }
        self.result_seal = ResultSeal::Intact;
        // The inner door closes over a result on display: it must be read
        // again with `Result` after the seal is broken (39E(5)).
        self.result_shown = false;
        let mut events = Events::default();
        events.push(Event::ResultSealFixed);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn break_result_seal(&mut self) -> Reaction {
        if self.result_seal != ResultSeal::Intact {
            return Reaction::refused(Refusal::NoIntactSeal);
        }
        self.result_seal = ResultSeal::Broken;
        let mut events = Events::default();
        events.push(Event::ResultSealBroken);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn attach(&mut self, position: u8) -> Reaction {
        let bit = match self.position_bit(position) {
            Ok(bit) => bit,
            Err(refusal) => return Reaction::refused(refusal),
        };
        if self.attached_positions & bit != 0 {
            return Reaction::refused(Refusal::PositionTaken { position });
        }
        self.attached_positions |= bit;
        let mut events = Events::default();
        events.push(Event::BallotingUnitAttached { position });
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn detach(&mut self, position: u8) -> Reaction {
        let bit = match self.position_bit(position) {
            Ok(bit) => bit,
            Err(refusal) => return Reaction::refused(refusal),
        };
        if self.attached_positions & bit == 0 {
            return Reaction::refused(Refusal::BallotingUnitNotAttached { position });
        }
        let mut events = Events::default();
        self.cancel_enable(CancelCause::Detach, &mut events);
        self.attached_positions &= !bit;
        events.push(Event::BallotingUnitDetached { position });
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn power_on(&mut self, held_button: Option<ButtonAddress>) -> Reaction {
        if self.powered {
            return Reaction::refused(Refusal::AlreadyOn);
        }
        if self.battery_percent == 0 {
            return Reaction::refused(Refusal::BatteryExhausted);
        }
        self.powered = true;
        self.display = if self.fail_safe { Display::FailSafe } else { self.idle_display() };
        let mut events = Events::default();
        events.push(Event::PoweredOn);
        if held_button.is_some() {
            // The held button is read as stuck and ignored: it records nothing.
            events.push(Event::HeldButtonIgnored);
        }
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn power_off(&mut self) -> Reaction {
        if !self.powered {
            return Reaction::refused(Refusal::PoweredOff);
        }
        let mut events = Events::default();
        self.cancel_enable(CancelCause::PowerOff, &mut events);
        self.powered = false;
        self.display = Display::Off;
        if self.defects.contains(Defect::PowerLossErasesVotes) {
            self.memory.clear();
        }
        events.push(Event::PoweredOff);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn battery_level(&mut self, percent: u8) -> Reaction {
        self.battery_percent = percent.min(100);
        if self.battery_percent == 0 && self.powered {
            return self.power_off();
        }
        if self.powered && self.battery_percent <= LOW_BATTERY_PERCENT && self.display == Display::Ready {
            self.display = Display::ChangeBattery;
        }
        Reaction::default()
    }

    pub(super) fn open_case(&mut self) -> Reaction {
        let mut events = Events::default();
        self.cancel_enable(CancelCause::CaseOpened, &mut events);
        self.fail_safe = true;
        if self.powered {
            self.display = Display::FailSafe;
        }
        events.push(Event::CaseOpened);
        Reaction { refusal: None, events, votes_recorded: 0 }
    }

    pub(super) fn press(&mut self, now: Timestamp, first: ButtonAddress, second: Option<ButtonAddress>) -> Reaction {
        for address in core::iter::once(first).chain(second) {
            let attached =
                self.position_bit(address.balloting_unit).is_ok_and(|bit| self.attached_positions & bit != 0);
            if !attached {
                return Reaction::refused(Refusal::BallotingUnitNotAttached { position: address.balloting_unit });
            }
        }
        if self.closed {
            let allowed = self.defects.contains(Defect::VoteAfterClose)
                || (self.ballot_enabled && self.defects.contains(Defect::CloseKeepsBallotEnabled));
            if !allowed {
                return Reaction::refused(Refusal::Closed);
            }
        } else if !self.ballot_enabled && !self.defects.contains(Defect::VoteWithoutBallot) {
            return Reaction::refused(Refusal::BallotNotEnabled);
        }
        let ballot_buttons = usize::from(self.ballot_buttons());
        let mut indices = [0usize; 2];
        for (slot, address) in indices.iter_mut().zip(core::iter::once(first).chain(second)) {
            match address.ballot_index() {
                Some(index) if index < ballot_buttons => *slot = index,
                _ => {
                    return Reaction::refused(Refusal::MaskedButton {
                        position: address.balloting_unit,
                        button: address.button,
                    })
                }
            }
        }
        let votes = match second {
            None => 1,
            Some(_) if self.defects.contains(Defect::DoubleVoteOnTwoButtons) => 2,
            Some(_) => return Reaction::refused(Refusal::TwoButtonsAtOnce),
        };
        if self.memory.total() + votes > self.profile.vote_capacity {
            return Reaction::refused(Refusal::MemoryFull { capacity: self.profile.vote_capacity });
        }
        // Built in place (not from a local `Events` copied at the end): the
        // copy of freshly written bytes stalled store forwarding on this hot path.
        let mut reaction = Reaction { votes_recorded: votes, ..Reaction::default() };
        for (&index, address) in indices[..votes as usize].iter().zip([first, second.unwrap_or(first)]) {
            self.record_vote(now, index);
            reaction.events.push(Event::VoteRecorded);
            if self.defects.contains(Defect::EventNamesCandidate) {
                reaction.events.push(Event::CandidateDisclosed { address });
            }
        }
        if !self.defects.contains(Defect::BallotStaysEnabled) {
            self.ballot_enabled = false;
        }
        self.display = self.idle_display();
        reaction.events.push(Event::LongBeep);
        reaction
    }

    pub(super) fn record_vote(&mut self, now: Timestamp, index: usize) {
        let last_button = usize::from(self.ballot_buttons()).saturating_sub(1);
        let counted_in_total = !(index == last_button && self.defects.contains(Defect::TotalMissesLastButton));
        let dropped = self.defects.contains(Defect::DropsVoteNowAndThen)
            && self.memory.total() == crate::defects::DROPPED_VOTE_AFTER;
        if !dropped {
            self.memory.record(index, counted_in_total);
        }
        self.rate_window.record(now);
        // First path of the PART-II invariant (the second is `result_readout`).
        debug_assert!(
            !self.defects.is_empty() || self.memory.counts_sum() == u64::from(self.memory.total()),
            "sum of candidate counts differs from the total"
        );
    }
}
