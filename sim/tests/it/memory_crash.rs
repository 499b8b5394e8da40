//! Crash safety (RETAIN): a power cut at every write point of a whole poll
//! day, then a restart from the storage, leaves exactly the votes whose beep
//! was given — none lost, none doubled — and no pending enable.
//!
//! The day is run once; before each input the machine (unit, backend and
//! simulated disk) is forked, and for every storage operation that input
//! performs, a fork is run with the power cut just before that operation,
//! for both fates of unflushed writes (lost, kept). Same code path as a real
//! crash, linear cost.

use crate::memory_poll::*;
use evm_sim::detachable_memory::{MemoryFault, RetainingUnit, StorageFault, UnsyncedWrites};
use evm_sim::unit::{Event, Input, RetainedState};
use evm_sim::{Commissioning, Defects, Refusal, Timestamp};

const ELECTORS: usize = 1_500;
const CANDIDATES: u16 = 15;
/// Operations of one crash-safe replace: write, flush, rename, flush the directory.
const OPERATIONS_PER_WRITE: u64 = 4;
/// The rename is the third operation: cut before it, the old image stays.
const RENAME_OPERATION: u64 = 2;

/// A poll day: setup, 1,500 electors (one in 25 decides not to vote after
/// `Ballot`, and the enable is cancelled by switching the unit off and on,
/// 39N), `Total` now and then, `Close`.
fn poll_day() -> Vec<Input> {
    let mut inputs = setup(CANDIDATES);
    let mut seed: u64 = 0x05ee_d0f7_1500;
    for elector in 0..ELECTORS {
        // splitmix64: one seed drives the day.
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = (seed ^ (seed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let vote = (mixed ^ (mixed >> 31)) % u64::from(CANDIDATES + 1) + 1;
        if elector % 25 == 24 {
            inputs.extend([Input::Ballot, Input::PowerOff, Input::PowerOn { held_button: None }]);
        } else {
            inputs.extend([Input::Ballot, button(vote as u16)]);
        }
        if elector % 100 == 99 {
            inputs.push(Input::Total);
        }
    }
    inputs.push(Input::Close);
    inputs
}

/// The unit restarted from `storage` after the cut: what it retained, and a
/// check that no enable survived.
fn restart(storage: evm_sim::detachable_memory::SimulatedStorage, commissioning: &Commissioning) -> RetainedState {
    let mut unit = RetainingUnit::open(storage, commissioning.clone(), Defects::NONE)
        .unwrap_or_else(|fault| panic!("restart after a power cut: {fault}"));
    assert!(!unit.unit().ballot_enabled(), "a pending enable survived the power cut");
    let retained = unit.unit().retained_state();
    let now = Timestamp::from_clock(23, 59, 0);
    let reaction = unit.step(now, Input::AttachBallotingUnit { position: 1 }).expect("power");
    assert_eq!(reaction.refusal, None);
    unit.step(now, Input::PowerOn { held_button: None }).expect("power");
    assert!(!unit.unit().lamps().busy && !unit.unit().lamps().ready);
    let press = unit.step(now, button(1)).expect("power");
    assert!(
        matches!(press.refusal, Some(Refusal::BallotNotEnabled | Refusal::Closed)),
        "a press after the restart was {:?}",
        press.refusal
    );
    retained
}

#[test]
// Longer than 70 lines on purpose: the crash-point loop and its checks belong together: a cut at
// each write point, then every beeped vote and no other.
fn a_power_cut_at_every_write_point_of_a_poll_day_keeps_exactly_the_beeped_votes() {
    let commissioning = commissioning(1_500, 0x7e);
    let mut machine = commissioned(&commissioning);
    let mut clock = Clock::default();
    // What the beeps said, per ballot entry; independent of the unit.
    let mut beeped = vec![0u32; usize::from(CANDIDATES) + 2];
    let mut crash_points = 0u64;
    let mut restarts = 0u64;
    let mut in_flight_votes_kept = 0u64;
    for input in poll_day() {
        let now = clock.tick();
        let before = machine.clone();
        let retained_before = machine.unit().retained_state();
        let operations_before = machine.backend().storage().operations();
        let reaction = machine.step(now, input).expect("the simulated storage has power");
        assert_eq!(reaction.refusal, None, "{input:?}");
        let retained_after = machine.unit().retained_state();
        let operations = machine.backend().storage().operations() - operations_before;
        assert!(operations == 0 || operations == OPERATIONS_PER_WRITE, "{operations} operations for {input:?}");
        assert_eq!(operations == 0, retained_before == retained_after, "a write iff the retained state changed");

        for operation in 0..operations {
            for fate in [UnsyncedWrites::Lost, UnsyncedWrites::Kept] {
                crash_points += 1;
                let mut crashed = before.clone();
                crashed.backend_mut().storage_mut().cut_power_before_operation(operations_before + operation);
                match crashed.step(now, input) {
                    Err(MemoryFault::Storage(StorageFault::PowerCut { .. })) => {}
                    other => panic!("expected a power cut, got {:?}", other.map(|reaction| reaction.events)),
                }
                assert!(matches!(crashed.step(now, Input::Total), Err(MemoryFault::Stopped)));
                let disk = crashed.backend().storage().after_power_cut(fate);
                let restarted = restart(disk, &commissioning);
                restarts += 1;
                // No beep was given for this input: the memory is as before
                // it, unless the rename reached the disk unflushed (the one
                // vote in flight at the cut, whose beep never sounded).
                let renamed = fate == UnsyncedWrites::Kept && operation > RENAME_OPERATION;
                if renamed {
                    assert_eq!(restarted, retained_after, "cut before operation {operation} of {input:?}");
                    in_flight_votes_kept += u64::from(reaction.votes_recorded());
                } else {
                    assert_eq!(restarted, retained_before, "cut before operation {operation} of {input:?} ({fate:?})");
                }
            }
        }

        if reaction.events.contains(Event::LongBeep) {
            let Input::PressButton { address } = input else { panic!("a beep for {input:?}") };
            beeped[address.ballot_index().expect("a ballot button")] += reaction.votes_recorded();
        }
        if reaction.events.contains(Event::Cleared) {
            beeped.iter_mut().for_each(|count| *count = 0);
        }
        // A cut between two inputs, nothing in flight: every beeped vote is there.
        let restarted = restart(machine.backend().storage().after_power_cut(UnsyncedWrites::Lost), &commissioning);
        restarts += 1;
        assert_eq!(restarted, retained_after, "cut after {input:?}");
        assert_eq!(restarted.total(), beeped.iter().sum::<u32>(), "votes lost or doubled after {input:?}");
    }

    // The counts read at counting are the beeps, candidate by candidate.
    let mut clock = Clock::default();
    feed(&mut machine, &mut clock, &[Input::BreakResultSeal, Input::Result]);
    let readout = machine.unit().result_readout().expect("after Result");
    assert_eq!(readout.counts, &beeped[..readout.counts.len()]);
    assert_eq!(readout.total as usize, ELECTORS - ELECTORS / 25);
    // 1,440 votes and the setup's writes, four operations each, two fates.
    assert!(crash_points > 11_500, "{crash_points} crash points");
    assert!(in_flight_votes_kept > 1_400);
    eprintln!("{crash_points} crash points, {restarts} restarts, {in_flight_votes_kept} in-flight votes kept");
}

/// The memory shared between a board (which owns its backend) and the test
/// (which cuts the power and reads the disk after).
#[derive(Clone)]
struct SharedStorage(std::sync::Arc<std::sync::Mutex<evm_sim::detachable_memory::SimulatedStorage>>);

impl evm_sim::detachable_memory::Storage for SharedStorage {
    fn read_committed(&mut self) -> Result<Option<Vec<u8>>, evm_sim::detachable_memory::StorageFault> {
        self.0.lock().unwrap().read_committed()
    }
    fn write_pending(&mut self, image: &[u8]) -> Result<(), evm_sim::detachable_memory::StorageFault> {
        self.0.lock().unwrap().write_pending(image)
    }
    fn sync_pending(&mut self) -> Result<(), evm_sim::detachable_memory::StorageFault> {
        self.0.lock().unwrap().sync_pending()
    }
    fn commit_pending(&mut self) -> Result<(), evm_sim::detachable_memory::StorageFault> {
        self.0.lock().unwrap().commit_pending()
    }
    fn sync_commit(&mut self) -> Result<(), evm_sim::detachable_memory::StorageFault> {
        self.0.lock().unwrap().sync_commit()
    }
}

/// docs/PROTOCOL.md `memory_fault`: a write that fails after its image was
/// renamed into place (the directory flush fails) is NACKed, the unit shows
/// only what was durable before, and a restart finds the vote or not as the
/// disk kept the rename — never twice, never a vote nobody pressed.
#[test]
fn a_memory_fault_after_the_rename_is_the_one_window_and_a_restart_shows_it() {
    use evm_sim::detachable_memory::{SealedImage, SimulatedStorage, UnsyncedWrites};
    use evm_sim::protocol::board::Board;
    use evm_sim::protocol::host::HostSession;
    use evm_sim::protocol::message::{NackReason, Reply, Request};
    let commissioning = commissioning(91, 0x91);
    let shared = SharedStorage(std::sync::Arc::new(std::sync::Mutex::new(SimulatedStorage::new())));
    let (memory, unit) = SealedImage::commission(shared.clone(), commissioning.clone(), Defects::NONE).unwrap();
    let mut board = Board::new(evm_sim::MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", false)
        .with_memory(unit, Box::new(memory));
    let mut host = HostSession::new();
    let mut call = |board: &mut Board, request: Request| exchange(board, &mut host, &request).0.expect("a reply");
    let press = Input::PressButton { address: evm_sim::ButtonAddress { balloting_unit: 1, button: 1 } };
    for input in SWITCHED_ON_WITH_THREE_CANDIDATES.into_iter().chain([Input::Ballot, press, Input::Ballot]) {
        assert!(matches!(call(&mut board, Request::Input { at: Timestamp::ZERO, input }), Reply::Input(_)));
    }
    // The next write's fourth operation, the directory flush, fails.
    {
        let mut storage = shared.0.lock().unwrap();
        let next = storage.operations();
        storage.cut_power_before_operation(next + 3);
    }
    assert_eq!(
        call(&mut board, Request::Input { at: Timestamp::ZERO, input: press }),
        Reply::Nack(NackReason::MemoryFault)
    );
    let Reply::State(state) = call(&mut board, Request::ReadState) else { panic!("no state") };
    assert_eq!((state.powered, state.total), (false, 1), "only what was durable before the failed press");
    for (fate, total) in [(UnsyncedWrites::Lost, 1), (UnsyncedWrites::Kept, 2)] {
        let disk = shared.0.lock().unwrap().after_power_cut(fate);
        let restarted = RetainingUnit::open(disk, commissioning.clone(), Defects::NONE).expect("genuine");
        assert_eq!(restarted.unit().total(), total, "{fate:?}: the vote in flight, kept only with its rename");
    }
}
