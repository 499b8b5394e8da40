//! The simulated unit against the reference model, on random input sequences
//! (proptest-state-machine). After every step: the unit accepts exactly what
//! the reference accepts; votes ≤ enables; no vote without an enable; the sum
//! of candidate counts equals the total; no candidate count is observable
//! while sealed or before `Close`; nothing is recorded after `Close`.

use evm_conformance::reference::{Expected, ReferenceUnit};
use evm_sim::unit::{ButtonAddress, ControlUnit, Input, ResultSeal};
use evm_sim::{MachineProfile, Timestamp};
use proptest::prelude::*;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

/// A machine with a small capacity and the rate limit on, so that both bounds
/// are reached by short sequences.
fn profile() -> MachineProfile {
    MachineProfile { vote_capacity: 12, ..MachineProfile::m2() }
}

#[derive(Clone, Debug)]
struct Step {
    after_milliseconds: u64,
    input: Input,
}

#[derive(Clone, Debug)]
struct State {
    reference: ReferenceUnit,
    now: Timestamp,
    prelude: Vec<Input>,
    last: Expected,
}

fn prelude(candidates: u16, balloting_units: u8) -> Vec<Input> {
    let mut inputs: Vec<Input> =
        (1..=balloting_units).map(|position| Input::AttachBallotingUnit { position }).collect();
    inputs.extend([
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates },
        Input::SealCandidateSetSection,
    ]);
    inputs
}

fn address() -> impl Strategy<Value = ButtonAddress> {
    (prop_oneof![4 => 1..=2u8, 1 => 0..=5u8], prop_oneof![4 => 1..=8u8, 1 => 0..=17u8])
        .prop_map(|(balloting_unit, button)| ButtonAddress { balloting_unit, button })
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        80 => Just(Input::Ballot),
        96 => address().prop_map(|address| Input::PressButton { address }),
        8 => (address(), address()).prop_map(|(first, second)| Input::PressTwoButtons { first, second }),
        16 => Just(Input::Total),
        16 => Just(Input::Close),
        16 => Just(Input::Result),
        16 => Just(Input::Clear),
        8 => Just(Input::FixResultSeal),
        8 => Just(Input::BreakResultSeal),
        8 => (0..=5u8).prop_map(|position| Input::AttachBallotingUnit { position }),
        8 => (0..=5u8).prop_map(|position| Input::DetachBallotingUnit { position }),
        8 => Just(Input::PowerOff),
        16 => proptest::option::of(address()).prop_map(|held_button| Input::PowerOn { held_button }),
        8 => (0..=100u8).prop_map(|percent| Input::BatteryLevel { percent }),
        8 => (0..=40u16).prop_map(|candidates| Input::CandSet { candidates }),
        8 => Just(Input::SealCandidateSetSection),
        1 => Just(Input::OpenCase),
        2 => Just(Input::FirstLevelCheck),
    ]
}

struct ReferenceMachine;

impl ReferenceStateMachine for ReferenceMachine {
    type State = State;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<State> {
        prop_oneof![
            Just(Vec::new()),
            (1..=14u16).prop_map(|candidates| prelude(candidates, 1)),
            (15..=30u16).prop_map(|candidates| prelude(candidates, 2)),
        ]
        .prop_map(|prelude| {
            let mut reference = ReferenceUnit::new(profile());
            for input in &prelude {
                reference.step(Timestamp::ZERO, *input);
            }
            State { reference, now: Timestamp::ZERO, prelude, last: Expected::default() }
        })
        .boxed()
    }

    fn transitions(_: &State) -> BoxedStrategy<Step> {
        (prop_oneof![3 => 0..2_000u64, 1 => 10_000..70_000u64], input())
            .prop_map(|(after_milliseconds, input)| Step { after_milliseconds, input })
            .boxed()
    }

    fn apply(mut state: State, step: &Step) -> State {
        state.now = state.now.plus_milliseconds(step.after_milliseconds);
        state.last = state.reference.step(state.now, step.input);
        state
    }
}

struct Audited {
    unit: ControlUnit,
    enables: u64,
    votes: u64,
}

struct UnitUnderTest;

impl StateMachineTest for UnitUnderTest {
    type SystemUnderTest = Audited;
    type Reference = ReferenceMachine;

    fn init_test(state: &State) -> Audited {
        let mut unit = ControlUnit::new(profile());
        for input in &state.prelude {
            assert!(unit.step(Timestamp::ZERO, *input).is_accepted(), "prelude {input:?}");
        }
        Audited { unit, enables: 0, votes: 0 }
    }

    fn apply(mut audited: Audited, state: &State, step: Step) -> Audited {
        let closed_before = audited.unit.is_closed();
        let enabled_before = audited.unit.ballot_enabled();
        let reaction = audited.unit.step(state.now, step.input);
        assert_eq!(reaction.is_accepted(), state.last.accepted, "{:?}: unit {:?}", step.input, reaction.refusal);
        assert_eq!(reaction.votes_recorded(), state.last.votes_recorded, "{:?}", step.input);
        if step.input == Input::Ballot && reaction.is_accepted() {
            audited.enables += 1;
        }
        audited.votes += u64::from(reaction.votes_recorded());
        assert!(audited.votes <= audited.enables, "more votes than Ballot enables");
        if reaction.votes_recorded() > 0 {
            assert!(enabled_before, "a vote without an enable");
            assert!(!closed_before, "a vote after Close");
        }
        audited
    }

    fn check_invariants(audited: &Audited, state: &State) {
        let unit = &audited.unit;
        let reference = &state.reference;
        assert_eq!(unit.total(), reference.total(), "total");
        assert_eq!(unit.counts_sum(), u64::from(unit.total()), "sum of candidate counts = total");
        assert_eq!(unit.ballot_enabled(), reference.ballot_enabled(), "ballot enabled");
        assert_eq!(unit.is_closed(), reference.is_closed(), "closed");
        assert_eq!(unit.is_powered(), reference.is_powered(), "powered");
        assert_eq!(unit.candidates(), reference.candidates(), "candidates");
        match unit.result_readout() {
            Ok(readout) => {
                assert!(reference.result_readable(), "result readable when the reference says it is not");
                assert!(unit.is_closed(), "candidate counts observable before Close");
                assert_ne!(unit.result_seal(), ResultSeal::Intact, "candidate counts observable while sealed");
                assert_eq!(readout.counts, reference.counts(), "candidate counts");
            }
            Err(_) => assert!(!reference.result_readable(), "result not readable when the reference says it is"),
        }
        let lamps = unit.lamps();
        assert_eq!(lamps.busy, unit.is_powered() && reference.ballot_enabled(), "Busy lamp");
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]
    #[test]
    fn the_unit_behaves_as_the_reference(sequential 1..120 => UnitUnderTest);
}
