//! Supplies and seals (39C, 39E): the paper seals supplied for a poll
//! (each session its own), fixed over the result section, damaged; the
//! tendered ballot papers received.

use super::*;

impl PollingStation {
    /// 39E: paper seals supplied for the poll, once a session; no serial twice.
    pub(super) fn paper_seals_supplied(&mut self, first_serial: u32, last_serial: u32) -> Result<(), StationRefusal> {
        let range = check_range(first_serial, last_serial, MAX_PAPER_SEALS_PER_POLL)?;
        let poll = self.poll_mut();
        let session = poll.session;
        if poll.paper_seals.iter().any(|(supplied_in, _)| *supplied_in == session) {
            return Err(StationRefusal::PaperSealsAlreadySupplied);
        }
        if let Some((_, earlier)) = poll.paper_seals.iter().find(|(_, earlier)| earlier.overlaps(range)) {
            return Err(StationRefusal::PaperSealSuppliedTwice { serial: range.first.max(earlier.first) });
        }
        poll.paper_seals.push((session, range));
        Ok(())
    }

    /// 39E(3)–(5): a supplied seal fixed over the result section, while preparing.
    pub(super) fn paper_seal_fixed(&mut self, action: &StationAction, serial: u32) -> Result<(), StationRefusal> {
        // 39E(3)–(5): fixed over the result section before the poll,
        // after the mock poll; not in any other phase.
        self.require_phase(action, &[StationPhase::Preparation], "39E(3)")?;
        self.check_paper_seal(serial)?;
        let poll = self.poll_mut();
        poll.paper_seals_used.push(serial);
        if let Some(machine) = poll.machines.iter_mut().rev().find(|machine| machine.paper_seal.is_none()) {
            machine.paper_seal = Some(serial);
        }
        Ok(())
    }

    /// 39E: a supplied seal spoilt (counted in item 9).
    pub(super) fn paper_seal_damaged(&mut self, serial: u32) -> Result<(), StationRefusal> {
        self.check_paper_seal(serial)?;
        self.poll_mut().paper_seals_damaged.push(serial);
        Ok(())
    }

    /// 39O: the tendered ballot papers received for the poll, once.
    pub(super) fn tendered_ballot_papers_received(
        &mut self,
        first_serial: u32,
        last_serial: u32,
    ) -> Result<(), StationRefusal> {
        let range = check_range(first_serial, last_serial, MAX_TENDERED_BALLOT_PAPERS)?;
        let poll = self.poll_mut();
        if poll.tendered_ballot_papers.is_some() {
            return Err(StationRefusal::TenderedBallotPapersAlreadyReceived);
        }
        poll.tendered_ballot_papers = Some(range);
        Ok(())
    }
}
