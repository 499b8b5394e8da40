//! The replay's [`StationPort`]: the road of `evm_sim::station::road`
//! drives the target and the reference model together through it (each
//! press judged in [`Replay::unit_input`]), and the papers of every station
//! the machine serves.

use super::*;
use evm_sim::station::road::MachinePort;

/// One trace line's port onto the replay.
pub(super) struct Judged<'replay, 'target, 'trace> {
    replay: &'replay mut Replay<'target>,
    header: &'trace Header,
    line: &'trace TraceLine,
    /// The total the line says the machine showed, if it says one:
    /// compared with what the machine showed (39R).
    written_total: Option<u32>,
}

impl<'replay, 'target, 'trace> Judged<'replay, 'target, 'trace> {
    pub(super) fn new(
        replay: &'replay mut Replay<'target>,
        header: &'trace Header,
        line: &'trace TraceLine,
        written_total: Option<u32>,
    ) -> Self {
        Judged { replay, header, line, written_total }
    }
}

impl MachinePort for Judged<'_, '_, '_> {
    type Error = TargetError;

    #[inline]
    fn press(&mut self, now: Timestamp, input: Input) -> Result<Pressed, TargetError> {
        self.replay.unit_input(self.line, now, input)
    }

    fn is_powered(&self) -> bool {
        self.replay.reference.is_powered()
    }

    fn attached_positions(&self) -> Vec<u8> {
        self.replay.reference.attached_positions()
    }

    fn total(&self) -> u32 {
        self.replay.last_observation.map(|observation| observation.total).unwrap_or(0)
    }
}

impl StationPort for Judged<'_, '_, '_> {
    /// The papers never stop the replay: what they refuse is a finding.
    #[inline]
    fn record(&mut self, now: Timestamp, action: &StationAction) -> Result<(), TargetError> {
        let replay = &mut *self.replay;
        match action {
            StationAction::VoteRecorded {} => {
                // A unit-only trace keeps no papers.
                if !replay.stations.is_empty() {
                    replay.station_fact(self.line, now, StationAction::VoteRecorded {});
                }
                return Ok(());
            }
            StationAction::EnableCancelled {} => {
                if !replay.stations.is_empty() {
                    replay.station_fact(self.line, now, StationAction::EnableCancelled {});
                }
                return Ok(());
            }
            StationAction::PollOpened { total_shown } => {
                replay.written_total(self.line, self.written_total, *total_shown)
            }
            StationAction::PollClosed { total_shown }
            | StationAction::BoothCaptured { total_shown }
            | StationAction::PollAdjourned { total_shown }
            | StationAction::MachineFailed { total_shown } => {
                replay.written_total(self.line, self.written_total, *total_shown);
                if matches!(action, StationAction::MachineFailed { .. }) {
                    replay.machine.total_at_close = Some(*total_shown);
                }
                replay.account_line = self.line.line;
                replay.note_account_line(self.line.line);
            }
            _ => {}
        }
        replay.apply_to_station(self.header, self.line, action);
        Ok(())
    }

    /// The target reports a total in every reply: never missing.
    fn no_total_shown(&mut self, _input: Input, _pressed: Pressed) -> Result<u32, TargetError> {
        Ok(self.total())
    }
}
