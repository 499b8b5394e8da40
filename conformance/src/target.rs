//! Targets: what a trace is replayed against. The in-process simulated unit
//! is the first; serial boards speak the protocol of docs/PROTOCOL.md.

use evm_sim::display::DisplayText;
use evm_sim::unit::{Event, Input, Lamps};
use evm_sim::{ControlUnit, Defects, MachineProfile, Refusal, Timestamp};

/// What a person (or a harness on the wire) can observe after one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    pub refusal: Option<Refusal>,
    pub votes_recorded: u32,
    /// The unit disclosed a vote's candidate outside the compartment.
    pub candidate_disclosed: bool,
    pub display: DisplayText,
    pub lamps: Lamps,
    /// What `Total` would show now.
    pub total: u32,
}

/// The candidate-wise result after `Result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readout {
    pub total: u32,
    pub counts: Vec<u32>,
}

/// A target that failed to answer (link down, garbage, wrong version).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("target {target}: {message}")]
pub struct TargetError {
    pub target: String,
    pub message: String,
}

/// A voting machine the harness can drive.
///
/// Call contract: `start_machine` before the first `step` of a trace and at
/// each machine change; then `step` for each unit input; `result_readout`
/// after a `Result` the target accepted.
pub trait Target {
    /// A short name for reports ("sim", "serial:/dev/pts/3@115200").
    fn name(&self) -> String;
    /// Whether the target can be switched to carry seeded defects.
    fn can_carry_defects(&self) -> bool;
    /// Takes a new, switched-off machine into use (no unit attached).
    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError>;
    fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError>;
    /// The result, if `Result` has been accepted and the unit shows it.
    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError>;
    /// The profile the target announced of itself (a board's `HELLO_REPLY`),
    /// if it announces one. A trace that does not set the rate limit is
    /// replayed and judged with the rate rule announced here.
    fn announced_profile(&self) -> Option<MachineProfile> {
        None
    }
    /// Injects faults on the link (frames dropped, corrupted) from `seed`;
    /// `false` for a target without a link (in process).
    fn inject_link_faults(&mut self, _rates: evm_sim::protocol::faults::FaultRates, _seed: u64) -> bool {
        false
    }
    /// Requests resent so far (after a timeout or a corrupt frame).
    fn retransmissions(&self) -> u64 {
        0
    }
    /// A new trace begins: machines of earlier traces are gone.
    fn start_trace(&mut self) {}
    /// Takes back into use the machine started `index`-th (0-based) since
    /// the trace began, as the counting table takes up a control unit that
    /// left use earlier (a failed set, the machine of the poll before an
    /// adjournment). `Ok(false)`: the target keeps one machine only (a board
    /// is one control unit), so such a trace is not applicable to it.
    fn resume_machine(&mut self, _index: usize) -> Result<bool, TargetError> {
        Ok(false)
    }
    /// Noise on the link; a no-op for targets without one.
    fn link_noise(&mut self, _bytes: u32, _seed: u64) -> Result<(), TargetError> {
        Ok(())
    }

    /// Records every frame of the wire to `path` (pcap, docs/PROTOCOL.md
    /// section 7); an error for targets without a wire.
    fn capture_to(&mut self, path: &std::path::Path) -> Result<(), TargetError> {
        Err(TargetError {
            target: self.name(),
            message: format!("no wire to capture to {}: only serial, tcp and sim-pty targets have one", path.display()),
        })
    }
}

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

impl SimTarget {
    pub fn new() -> Self {
        SimTarget::default()
    }

    fn unit(&mut self) -> Result<&mut ControlUnit, TargetError> {
        self.units
            .get_mut(self.current)
            .ok_or_else(|| TargetError { target: "sim".into(), message: "no machine started".into() })
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
            _ => Err(TargetError { target: "sim".into(), message: format!("no machine {index} was started") }),
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
            display: unit.display().text(),
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
