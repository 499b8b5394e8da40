//! The machine at the station: set up, mock poll, paper seal and the
//! demonstration of zero (39C, 39E), and its close (39S, 39V, 39W, a failure).

use super::*;

impl PollingStation {
    pub(super) fn machine_installed(&mut self, control_unit: &str) -> Result<(), StationRefusal> {
        check_name("the control unit's identification number", control_unit)?;
        let poll = self.current_poll();
        let purpose = match poll.phase {
            StationPhase::Preparation if poll.machines.iter().any(|machine| !machine.used()) => {
                return Err(StationRefusal::MachineAlreadyInstalled)
            }
            StationPhase::Preparation => MachinePurpose::Poll,
            StationPhase::MachineFailed => MachinePurpose::Replacement,
            StationPhase::Adjourned => MachinePurpose::AdjournedPoll,
            _ => {
                return Err(self.phase_refusal(
                    &StationAction::MachineInstalled { control_unit: control_unit.to_owned() },
                    "39C(3), 39V(3)",
                ))
            }
        };
        if poll.machines.len() >= MAX_MACHINES_PER_POLL {
            return Err(StationRefusal::TooManyMachines { maximum: MAX_MACHINES_PER_POLL });
        }
        let poll = self.poll_mut();
        if purpose == MachinePurpose::AdjournedPoll {
            // 39V(2)–(4): a new day with the marked roll. Who was present, a
            // companion's day and the hour start anew; electors identified but
            // not entered were never marked and come afresh.
            poll.session += 1;
            poll.hour_reached = false;
            //
            // 39V(2) bars only those who **voted**: everybody comes afresh to
            // the adjourned poll (identified, inked, entered in the register
            // again); an elector who voted before and votes again is caught
            // at that vote (`VotedAgainAfterAdjournment`). Electors entered
            // with a remark, or whose enable the close took, may vote.
            for record in &mut poll.electors {
                record.present = false;
                record.claimant_identified = false;
                if let ElectorStatus::Entered { progress: EntryProgress::Voted, .. } = record.status {
                    record.voted_before_adjournment = true;
                }
                record.status = ElectorStatus::NotSeen;
            }
        }
        let session = poll.session;
        poll.machines.push(MachineRecord {
            session,
            control_unit: control_unit.to_owned(),
            purpose,
            mock_poll_votes: 0,
            mock_poll_cleared: true,
            paper_seal: None,
            total_at_opening: None,
            total_at_close: None,
            close_cause: None,
            votes_reported: 0,
            votes_reported_outside_poll: 0,
        });
        poll.phase = StationPhase::Preparation;
        Ok(())
    }
    pub(super) fn mock_poll_held(
        &mut self,
        now: Timestamp,
        votes: u32,
        cleared: bool,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        let action = StationAction::MockPollHeld { votes, cleared };
        self.require_phase(&action, &[StationPhase::Preparation], "39E(2)")?;
        if votes > MAX_VOTE_CAPACITY {
            return Err(StationRefusal::MockPollTooLarge { votes, maximum: MAX_VOTE_CAPACITY });
        }
        let poll = self.poll_mut();
        let Some(machine) = poll.current_machine_mut().filter(|machine| !machine.used()) else {
            return Err(StationRefusal::NoMachineInstalled);
        };
        machine.mock_poll_votes = machine.mock_poll_votes.saturating_add(votes);
        machine.mock_poll_cleared = cleared;
        let control_unit = machine.control_unit.clone();
        if !cleared && votes > 0 {
            poll.record(Irregularity::MockPollNotCleared { at: now, control_unit, votes }, accepted);
        }
        Ok(())
    }
    pub(super) fn check_paper_seal(&self, serial: u32) -> Result<(), StationRefusal> {
        let poll = self.current_poll();
        if poll.paper_seals.is_empty() {
            return Err(StationRefusal::PaperSealsNotSupplied);
        }
        if !poll.paper_seals.iter().any(|(_, supplied)| supplied.contains(serial)) {
            return Err(StationRefusal::PaperSealNotSupplied { serial });
        }
        if poll.paper_seals_used.contains(&serial) || poll.paper_seals_damaged.contains(&serial) {
            return Err(StationRefusal::PaperSealAlreadyAccounted { serial });
        }
        Ok(())
    }
    pub(super) fn poll_opened(
        &mut self,
        now: Timestamp,
        total_shown: u32,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(&StationAction::PollOpened { total_shown }, &[StationPhase::Preparation], "39E(2)")?;
        let poll = self.poll_mut();
        let Some(machine) = poll.current_machine_mut().filter(|machine| !machine.used()) else {
            return Err(StationRefusal::NoMachineInstalled);
        };
        machine.total_at_opening = Some(total_shown);
        let control_unit = machine.control_unit.clone();
        poll.phase = StationPhase::Open;
        if total_shown != 0 {
            poll.record(Irregularity::ZeroNotShown { at: now, control_unit, total_shown }, accepted);
        }
        Ok(())
    }
    /// Closes the machine in use with the total it showed (the caller checked
    /// the phase).
    pub(super) fn close_machine(
        &mut self,
        now: Timestamp,
        total_shown: u32,
        cause: MachineCloseCause,
        accepted: &mut Accepted,
    ) {
        let poll = self.poll_mut();
        // `Close` (and a failed set) takes any pending enable with it.
        poll.stale_enable = false;
        poll.tendered_in_compartment = None;
        if let Some(elector) = poll.compartment.take() {
            if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
                *progress = EntryProgress::EnableLostAtClose;
            }
            poll.record(Irregularity::PendingEnableAtClose { at: now, elector, cause }, accepted);
        }
        if cause != MachineCloseCause::Failed {
            let session = poll.session;
            let waiting: Vec<ElectorNumber> = (1..)
                .zip(&poll.electors)
                .filter(|(_, record)| {
                    matches!(
                        record.status,
                        ElectorStatus::Entered { session: entered, progress: EntryProgress::AwaitingBallot, .. }
                            if entered == session
                    )
                })
                .map(|(elector, _)| elector)
                .collect();
            for elector in waiting {
                poll.record(Irregularity::EnteredWithoutVote { at: now, elector }, accepted);
            }
        }
        let Some(machine) = poll.current_machine_mut() else {
            return;
        };
        machine.total_at_close = Some(total_shown);
        machine.close_cause = Some(cause);
        let expected = u64::from(machine.total_at_opening.unwrap_or(0)) + u64::from(machine.votes_reported);
        let control_unit = machine.control_unit.clone();
        if u64::from(total_shown) != expected {
            poll.record(
                Irregularity::TotalDiffersFromVotesReported { at: now, control_unit, total_shown, expected },
                accepted,
            );
        }
    }
}
