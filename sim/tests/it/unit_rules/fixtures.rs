//! Fixtures per state and small helpers, shared by the unit's rule tests.
#![allow(dead_code)]

use evm_sim::detachable_memory::{
    persist, Commissioning, LifeCycleRecord, MemoryImage, SerialNumber, SimulatedStorage, Storage, UnitKey,
};
use evm_sim::unit::{ButtonAddress, ControlUnit, Input, Reaction};
use evm_sim::{Defect, Defects, MachineProfile, Refusal, Timestamp};

// Where the fixtures' unit keeps its memory: the module that includes
// these fixtures says which with `const MEMORY_IN_SEALED_IMAGE: bool`
// (`unit_rules/mod.rs`). `false`: the unit's own counters, nothing written
// anywhere. `true`: after every input what the unit retains is sealed into a
// memory image, stored, read back, inspected and loaded into the unit,
// which goes on from the memory read back.

/// The commissioning of the fixtures' unit under the sealed-image backend.
pub fn test_commissioning(profile: MachineProfile) -> Commissioning {
    Commissioning { serial_number: SerialNumber(61), key: UnitKey::from_bytes([0x4e; 32]), profile }
}

/// Candidates on the fixtures' ballot (plus NOTA: 6 buttons on one unit).
pub const CANDIDATES: u16 = 5;

/// A clock that moves 13 seconds per press: slow enough for the rate limit.
pub struct Clock(pub u64);

impl Clock {
    pub fn tick(&mut self) -> Timestamp {
        self.0 += 13_000;
        Timestamp::from_milliseconds(self.0)
    }
}

/// A unit and the clock that drives it.
pub struct Bench {
    pub unit: ControlUnit,
    pub clock: Clock,
}

impl Bench {
    pub fn press(&mut self, input: Input) -> Reaction {
        let now = self.clock.tick();
        let reaction = self.unit.step(now, input);
        if super::MEMORY_IN_SEALED_IMAGE {
            self.round_trip_through_the_image();
        }
        reaction
    }

    /// The unit's memory goes through a sealed image and comes back.
    fn round_trip_through_the_image(&mut self) {
        let commissioning = test_commissioning(*self.unit.profile());
        let image = MemoryImage::of_unit(&commissioning, &self.unit, LifeCycleRecord::default());
        let mut storage = SimulatedStorage::new();
        persist(&mut storage, image.as_bytes()).expect("the simulated storage has power");
        let bytes = storage.read_committed().expect("readable").expect("committed");
        let contents = MemoryImage::open(&commissioning, &bytes).expect("the unit reads back its own image");
        self.unit.load_retained_state(&contents.retained);
    }

    /// Presses and asserts the unit accepted the input.
    pub fn accept(&mut self, input: Input) -> Reaction {
        let reaction = self.press(input);
        assert_eq!(reaction.refusal, None, "{input:?} was refused");
        reaction
    }

    /// Presses and asserts the unit refused the input for `refusal`.
    pub fn refuse(&mut self, input: Input, refusal: Refusal) {
        let reaction = self.press(input);
        assert_eq!(reaction.refusal, Some(refusal), "{input:?}");
    }

    /// `Ballot` then the candidate's button. Asserts nothing, so that probes
    /// can drive defective units.
    pub fn vote(&mut self, candidate: u16) -> Reaction {
        self.press(Input::Ballot);
        self.press(candidate_button(candidate))
    }

    /// Close, break the seal if fixed, Result, and read every count.
    pub fn count(&mut self) -> Vec<u32> {
        if !self.unit.is_closed() {
            self.accept(Input::Close);
        }
        if self.unit.result_seal() == evm_sim::unit::ResultSeal::Intact {
            self.accept(Input::BreakResultSeal);
        }
        self.accept(Input::Result);
        self.unit.result_readout().expect("result after Result").counts.to_vec()
    }
}

pub fn candidate_button(candidate: u16) -> Input {
    Input::PressButton { address: ButtonAddress::of_ballot_entry(candidate).expect("candidate number") }
}

pub fn defects(defect: Option<Defect>) -> Defects {
    defect.into_iter().collect()
}

/// Switched on, one balloting unit at position 1, nothing set.
pub fn unit_fresh_with(defects: Defects) -> Bench {
    let mut bench =
        Bench { unit: ControlUnit::with_defects(MachineProfile::m2(), defects), clock: Clock(8 * 3_600_000) };
    bench.accept(Input::AttachBallotingUnit { position: 1 });
    bench.accept(Input::PowerOn { held_button: None });
    bench
}

pub fn unit_fresh() -> Bench {
    unit_fresh_with(Defects::NONE)
}

/// Candidates set and sealed, mock poll held and cleared, paper seal fixed:
/// ready for the first elector.
pub fn unit_ready_with(defects: Defects) -> Bench {
    let mut bench = unit_fresh_with(defects);
    bench.accept(Input::CandSet { candidates: CANDIDATES });
    bench.accept(Input::SealCandidateSetSection);
    for candidate in 1..=CANDIDATES + 1 {
        bench.vote(candidate);
    }
    bench.accept(Input::Close);
    bench.accept(Input::Result);
    bench.accept(Input::Clear);
    bench.accept(Input::FixResultSeal);
    bench
}

pub fn unit_ready() -> Bench {
    unit_ready_with(Defects::NONE)
}

pub fn unit_ballot_enabled_with(defects: Defects) -> Bench {
    let mut bench = unit_ready_with(defects);
    bench.accept(Input::Ballot);
    bench
}

pub fn unit_ballot_enabled() -> Bench {
    unit_ballot_enabled_with(Defects::NONE)
}

/// Three votes (candidates 1, 2, 2) then `Close`, seal still intact.
pub fn unit_closed_with(defects: Defects) -> Bench {
    let mut bench = unit_ready_with(defects);
    for candidate in [1, 2, 2] {
        bench.vote(candidate);
    }
    bench.accept(Input::Close);
    bench
}

pub fn unit_closed() -> Bench {
    unit_closed_with(Defects::NONE)
}
