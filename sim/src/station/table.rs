//! The elector at the table: `Ballot` for the elector (39L(2)), the vote
//! the machine records, an enable the machine cancels, the officers'
//! refusals (39M, 39O) and the remarks of 39N and 39L(6)–(7).

use super::*;

impl PollingStation {
    pub(super) fn ballot_pressed(
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
    pub(super) fn vote_recorded(&mut self, now: Timestamp, accepted: &mut Accepted) {
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
    pub(super) fn enable_cancelled(&mut self, now: Timestamp, accepted: &mut Accepted) {
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
    pub(super) fn officer_refused(&mut self, now: Timestamp, kind: OfficerRefusalKind, elector: ElectorNumber) {
        let poll = self.poll_mut();
        if poll.officer_refusals.len() < MAX_IRREGULARITIES_PER_POLL {
            poll.officer_refusals.push(OfficerRefusal { at: now, elector, kind });
        }
    }
    pub(super) fn remark(
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
}
