//! Poll plans for the memory tests: a unit commissioned on a simulated
//! storage, driven through the setup and a list of votes.
#![allow(dead_code)]

use evm_sim::detachable_memory::{
    Commissioning, LifeCycleRecord, MemoryImage, RetainingUnit, SealedImage, SerialNumber, SimulatedStorage, UnitKey,
};
use evm_sim::unit::{ButtonAddress, Input, Reaction};
use evm_sim::{ControlUnit, Defects, MachineProfile, Timestamp};

pub type SealedUnit = RetainingUnit<SealedImage<SimulatedStorage>>;

/// Seconds between two inputs of a plan: slower than the rate limit.
pub const SECONDS_PER_INPUT: u64 = 13;
/// When the first input of a plan is fed.
pub const POLL_DAY_START: Timestamp = Timestamp::from_clock(6, 0, 0);

pub fn commissioning(serial_number: u64, key_byte: u8) -> Commissioning {
    Commissioning {
        serial_number: SerialNumber(serial_number),
        key: UnitKey::from_bytes([key_byte; 32]),
        profile: MachineProfile::m2(),
    }
}

pub fn button(number: u16) -> Input {
    Input::PressButton { address: ButtonAddress::of_ballot_entry(number).expect("ballot entry") }
}

/// The inputs that take a unit from commissioning to the first elector:
/// balloting units attached, switched on, `candidates` set and sealed, a
/// mock poll of one vote per button, `Close`, `Result`, `Clear`, the paper
/// seal fixed.
pub fn setup(candidates: u16) -> Vec<Input> {
    let profile = MachineProfile::m2();
    let mut inputs: Vec<Input> =
        (1..=profile.balloting_units_for(candidates)).map(|position| Input::AttachBallotingUnit { position }).collect();
    inputs.push(Input::PowerOn { held_button: None });
    inputs.push(Input::CandSet { candidates });
    inputs.push(Input::SealCandidateSetSection);
    for number in 1..=profile.ballot_buttons_for(candidates) {
        inputs.extend([Input::Ballot, button(number)]);
    }
    inputs.extend([Input::Close, Input::Result, Input::Clear, Input::FixResultSeal]);
    inputs
}

/// A clock that moves [`SECONDS_PER_INPUT`] per input.
pub struct Clock {
    now: Timestamp,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { now: POLL_DAY_START }
    }
}

impl Clock {
    pub fn tick(&mut self) -> Timestamp {
        self.now = self.now.plus_milliseconds(SECONDS_PER_INPUT * 1000);
        self.now
    }
}

/// A unit commissioned on an empty simulated storage.
pub fn commissioned(commissioning: &Commissioning) -> SealedUnit {
    RetainingUnit::commission(SimulatedStorage::new(), commissioning.clone(), Defects::NONE).expect("powered storage")
}

/// Feeds `inputs` and asserts none was refused.
pub fn feed(unit: &mut SealedUnit, clock: &mut Clock, inputs: &[Input]) {
    for &input in inputs {
        let reaction = unit.step(clock.tick(), input).expect("the simulated storage has power");
        assert_eq!(reaction.refusal, None, "{input:?}");
    }
}

/// When [`image_after_votes`] closes the poll, whatever the votes.
pub const CLOSE_OF_POLL: Timestamp = Timestamp::from_clock(23, 0, 0);

/// The durable image after `setup(candidates)`, `Ballot` and a press for
/// each of `votes`, then `Close` at [`CLOSE_OF_POLL`], on one unit.
pub fn image_after_votes(commissioning: &Commissioning, candidates: u16, votes: &[u16]) -> MemoryImage {
    let mut unit = commissioned(commissioning);
    let mut clock = Clock::default();
    feed(&mut unit, &mut clock, &setup(candidates));
    for &vote in votes {
        feed(&mut unit, &mut clock, &[Input::Ballot, button(vote)]);
    }
    assert!(clock.tick() < CLOSE_OF_POLL, "too many votes for one day");
    let reaction = unit.step(CLOSE_OF_POLL, Input::Close).expect("the simulated storage has power");
    assert_eq!(reaction.refusal, None);
    unit.backend().image().clone()
}

/// A plain unit (no storage) that also keeps the life-cycle record, for
/// long plans: its image is computed once, at the end.
pub struct PlainUnit {
    pub unit: ControlUnit,
    pub life_cycle: LifeCycleRecord,
}

impl PlainUnit {
    pub fn new() -> Self {
        PlainUnit { unit: ControlUnit::new(MachineProfile::m2()), life_cycle: LifeCycleRecord::default() }
    }

    pub fn step(&mut self, now: Timestamp, input: Input) -> Reaction {
        let reaction = self.unit.step(now, input);
        self.life_cycle.observe(&reaction);
        reaction
    }

    pub fn accept(&mut self, now: Timestamp, input: Input) {
        let reaction = self.step(now, input);
        assert_eq!(reaction.refusal, None, "{input:?} at {now}");
    }

    pub fn image(&self, commissioning: &Commissioning) -> MemoryImage {
        MemoryImage::of_unit(commissioning, &self.unit, self.life_cycle)
    }
}

impl Default for PlainUnit {
    fn default() -> Self {
        Self::new()
    }
}

/// A unit with one balloting unit attached, switched on, 3 candidates set
/// and the candidate set section sealed.
pub const SWITCHED_ON_WITH_THREE_CANDIDATES: [Input; 4] = [
    Input::AttachBallotingUnit { position: 1 },
    Input::PowerOn { held_button: None },
    Input::CandSet { candidates: 3 },
    Input::SealCandidateSetSection,
];

/// Sends `request` to `board` in process, as a host on the wire would;
/// returns its reply, if one came, and whether anything else that came back
/// was not a well-formed frame.
pub fn exchange(
    board: &mut evm_sim::protocol::board::Board,
    host: &mut evm_sim::protocol::host::HostSession,
    request: &evm_sim::protocol::message::Request,
) -> (Option<evm_sim::protocol::message::Reply>, bool) {
    use evm_sim::protocol::host::Received;
    let (id, wire) = host.request(request);
    let mut out = Vec::new();
    board.receive(Timestamp::ZERO, &wire, &mut out);
    let mut received = Vec::new();
    host.receive(&out, &mut received);
    let garbled = received.iter().any(|item| matches!(item, Received::ProtocolError(_)));
    let reply = received.into_iter().find_map(|item| match item {
        Received::Reply { request_id, reply } if request_id == id => Some(reply),
        _ => None,
    });
    (reply, garbled)
}
