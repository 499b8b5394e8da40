//! The simulated unit, in process: evm-sim's unit model itself,
//! stepped directly. Keeps every machine started for a trace, so that the
//! counting can take an earlier one up again.

use super::{FailureCause, Observation, Readout, Target, TargetError};
use evm_sim::unit::{Event, Input};
use evm_sim::{ControlUnit, Defects, MachineProfile, Timestamp};

/// The simulated unit, in process. Keeps every machine started for the
/// trace, so that the counting can take an earlier one up again.
#[derive(Default)]
pub struct SimTarget {
    /// The last [`MAX_MACHINES_KEPT`] machines started in the trace; the
    /// first of them was started `evicted`-th.
    units: std::collections::VecDeque<ControlUnit>,
    evicted: usize,
    current: usize,
}

/// The most machines of one trace the in-process target keeps for the
/// counting to take up again (a poll uses at most 8 a poll, 4 polls).
pub const MAX_MACHINES_KEPT: usize = 64;
// Every machine a poll day may set up stays for its counting.
const _: () = assert!(MAX_MACHINES_KEPT >= evm_sim::station::MAX_MACHINES_PER_POLL_DAY);

impl SimTarget {
    pub fn new() -> Self {
        SimTarget::default()
    }

    fn unit(&mut self) -> Result<&mut ControlUnit, TargetError> {
        self.units
            .get_mut(self.current)
            .ok_or_else(|| TargetError::new("sim", FailureCause::Harness, "no machine started"))
    }
}

impl Target for SimTarget {
    fn name(&self) -> String {
        "sim".to_owned()
    }

    fn can_carry_defects(&self) -> bool {
        true
    }

    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
        if self.units.len() >= MAX_MACHINES_KEPT {
            self.units.pop_front();
            self.evicted += 1;
        }
        self.units.push_back(ControlUnit::with_defects(profile, defects));
        self.current = self.units.len() - 1;
        Ok(())
    }

    fn start_trace(&mut self) {
        self.units.clear();
        self.evicted = 0;
        self.current = 0;
    }

    fn resume_machine(&mut self, index: usize) -> Result<bool, TargetError> {
        match index.checked_sub(self.evicted) {
            Some(kept) if kept < self.units.len() => {
                self.current = kept;
                Ok(true)
            }
            // Evicted: more machines than are kept came after it.
            Some(_) | None if index < self.evicted => Ok(false),
            _ => Err(TargetError::new("sim", FailureCause::Harness, format!("no machine {index} was started"))),
        }
    }

    fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError> {
        let unit = self.unit()?;
        let reaction = unit.step(now, input);
        let candidate_disclosed = reaction.events.iter().any(|event| matches!(event, Event::CandidateDisclosed { .. }));
        Ok(Observation {
            refusal: reaction.refusal,
            votes_recorded: reaction.votes_recorded(),
            candidate_disclosed,
            display: super::ObservedDisplay::Model(unit.display()),
            lamps: unit.lamps(),
            total: unit.total(),
        })
    }

    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
        Ok(self
            .unit()?
            .result_readout()
            .ok()
            .map(|readout| Readout { total: readout.total, counts: readout.counts.to_vec() }))
    }
}
