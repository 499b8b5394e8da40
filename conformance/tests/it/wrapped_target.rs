//! The simulated unit behind a wrapper that rewrites what it shows or
//! does: a board that behaves in one way the unit does not, lawful or not.

use evm_conformance::target::{Observation, Readout, SimTarget, Target, TargetError};
use evm_sim::unit::Input;
use evm_sim::{Defects, MachineProfile, Timestamp};

/// A target wrapping the simulated unit, rewriting what it shows or does.
pub struct Wrapped<F: FnMut(&mut SimTarget, Timestamp, Input) -> Result<Observation, TargetError>> {
    pub inner: SimTarget,
    pub step: F,
    pub announced: Option<MachineProfile>,
    /// The profile the inner unit is really started with (None: the one asked for).
    pub actual: Option<MachineProfile>,
}

impl<F: FnMut(&mut SimTarget, Timestamp, Input) -> Result<Observation, TargetError>> Target for Wrapped<F> {
    fn name(&self) -> String {
        "wrapped sim".into()
    }
    fn can_carry_defects(&self) -> bool {
        true
    }
    fn announced_profile(&self) -> Option<MachineProfile> {
        self.announced
    }
    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
        self.inner.start_machine(self.actual.unwrap_or(profile), defects)
    }
    fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError> {
        (self.step)(&mut self.inner, now, input)
    }
    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
        self.inner.result_readout()
    }
}

/// The unit, each input stepped through `step`.
pub fn wrapped(
    step: impl FnMut(&mut SimTarget, Timestamp, Input) -> Result<Observation, TargetError>,
) -> Wrapped<impl FnMut(&mut SimTarget, Timestamp, Input) -> Result<Observation, TargetError>> {
    Wrapped { inner: SimTarget::new(), step, announced: None, actual: None }
}
