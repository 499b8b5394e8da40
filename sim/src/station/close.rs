//! The close (39Q–39W): the hour fixed for the close, the poll closed
//! after it, closed on booth capturing, adjourned, the machine that
//! failed, and the fresh poll ordered (s.62, s.63).

use super::*;

impl PollingStation {
    /// 39Q: the hour fixed for the close is reached (once a poll).
    pub(super) fn close_of_poll_hour(&mut self, action: &StationAction) -> Result<(), StationRefusal> {
        self.require_phase(
            action,
            &[StationPhase::Preparation, StationPhase::Open, StationPhase::MachineFailed],
            "39Q",
        )?;
        if self.current_poll().hour_reached {
            return Err(self.phase_refusal(action, "39Q"));
        }
        self.poll_mut().hour_reached = true;
        Ok(())
    }

    /// The machine's record closed with the total it showed, and the poll
    /// with it, in `phase`.
    fn end_poll(
        &mut self,
        now: Timestamp,
        total_shown: u32,
        cause: MachineCloseCause,
        phase: StationPhase,
        accepted: &mut Accepted,
    ) {
        self.close_machine(now, total_shown, cause, accepted);
        self.poll_mut().phase = phase;
    }

    /// 39S: the poll closed after the hour; the machine's total recorded.
    pub(super) fn poll_closed(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        total_shown: u32,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39S")?;
        if !self.current_poll().hour_reached {
            return Err(self.phase_refusal(action, "39Q(1): the poll closes at the hour fixed"));
        }
        self.end_poll(now, total_shown, MachineCloseCause::PollClosed, StationPhase::Closed, accepted);
        Ok(())
    }

    /// 39W: the poll closed on booth capturing; the machine's total recorded.
    pub(super) fn booth_captured(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        total_shown: u32,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39W")?;
        self.end_poll(now, total_shown, MachineCloseCause::BoothCaptured, StationPhase::BoothCaptured, accepted);
        Ok(())
    }

    /// 39V(1): the poll adjourned; the machine's total recorded for the session.
    pub(super) fn poll_adjourned(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        total_shown: u32,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39V(1)")?;
        if self.current_poll().session >= MAX_ADJOURNMENTS {
            return Err(StationRefusal::TooManyAdjournments { maximum: MAX_ADJOURNMENTS });
        }
        self.end_poll(now, total_shown, MachineCloseCause::Adjourned, StationPhase::Adjourned, accepted);
        Ok(())
    }

    /// *(practice)* The set in use failed: its total recorded; the elector in
    /// the compartment is given `Ballot` again on the replacement.
    pub(super) fn machine_failed(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        total_shown: u32,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
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
        self.end_poll(now, total_shown, MachineCloseCause::Failed, StationPhase::MachineFailed, accepted);
        Ok(())
    }

    /// s.62, s.63(2)(a): the poll declared void and a fresh poll ordered.
    pub(super) fn fresh_poll_ordered(&mut self, action: &StationAction) -> Result<(), StationRefusal> {
        self.require_phase(
            action,
            &[StationPhase::Closed, StationPhase::BoothCaptured, StationPhase::Adjourned, StationPhase::MachineFailed],
            "s.62, s.63(2)(a)",
        )?;
        if self.polls.len() >= MAX_POLLS_PER_STATION {
            return Err(StationRefusal::TooManyPolls { maximum: MAX_POLLS_PER_STATION });
        }
        self.poll_mut().phase = StationPhase::Voided;
        let ordinal = self.polls.len() as u8;
        self.polls.push(Poll::new(PollKind::Fresh { ordinal }, self.electors_assigned));
        Ok(())
    }
}
