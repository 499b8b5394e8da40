//! A genuine image that does not add up (docs/MEMORY_FORMAT.md, "A genuine
//! image that does not add up"): a faulty unit's image passes every 61G
//! check, and a unit restarted from it is in the memory-fault state.

use crate::memory_poll::*;
use evm_sim::detachable_memory::{RetainingUnit, SimulatedStorage, HEADER_BYTES, MAC_BYTES};
use evm_sim::unit::Input;
use evm_sim::{Defects, MachineProfile, Refusal, Timestamp};
use proptest::prelude::*;

// ------------------------------------ a genuine image that does not add up --

/// The image as a faulty unit holding `commissioning`'s key writes it:
/// `edit` changes the bytes and the tag is computed again, so the image
/// passes every 61G check and records the fault faithfully.
fn genuine_after(commissioning: &evm_sim::Commissioning, bytes: &[u8], edit: impl FnOnce(&mut [u8])) -> Vec<u8> {
    use hmac::Mac;
    let mut bytes = bytes.to_vec();
    let sealed = bytes.len() - MAC_BYTES;
    edit(&mut bytes[..sealed]);
    // The commissioning fixture's key is 32 copies of its key byte.
    let key = [0x77u8; 32];
    assert_eq!(commissioning.serial_number.0, 77, "the fixture below is commissioning(77, 0x77)");
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(&bytes[..sealed]);
    bytes[sealed..].copy_from_slice(&mac.finalize().into_bytes());
    bytes
}

/// Each way a genuine image can fail to add up (docs/MEMORY_FORMAT.md, in
/// the order the checks run): the unit restarted from it is in the
/// memory-fault state with that code, records no vote, erases nothing, and
/// still reads its result out; the genuine image of a conforming unit beside
/// them restarts with no fault.
#[test]
// Longer than 70 lines on purpose: a table of the consistency checks, each a crafted image beside
// its exact readout.
fn a_genuine_image_that_does_not_add_up_restarts_a_unit_in_the_memory_fault_state() {
    use evm_sim::unit::MemoryInconsistency;
    let commissioning = commissioning(77, 0x77);
    // 3 candidates and NOTA (buttons 1 to 4), votes 1, 2, 2; closed, seal intact.
    let genuine = image_after_votes(&commissioning, 3, &[1, 2, 2]).as_bytes().to_vec();
    const FLAGS: usize = 23;
    let counter = |button: usize| HEADER_BYTES + 4 * (button - 1);
    let set_u32 =
        |bytes: &mut [u8], offset: usize, value: u32| bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    let cases: Vec<(Vec<u8>, Option<MemoryInconsistency>)> = vec![
        (genuine.clone(), None),
        (
            genuine_after(&commissioning, &genuine, |bytes| bytes[28..30].copy_from_slice(&0u16.to_le_bytes())),
            Some(MemoryInconsistency::VotesWithoutCandidates { total: 3 }),
        ),
        // Votes with the candidate set section never sealed: lawful, the
        // machine cannot see paper and `Ballot` does not need the seal.
        (genuine_after(&commissioning, &genuine, |bytes| bytes[FLAGS] &= !0b0000_0001), None),
        (
            genuine_after(&commissioning, &genuine, |bytes| {
                set_u32(bytes, counter(5), 1);
                set_u32(bytes, 52, 4);
            }),
            Some(MemoryInconsistency::VoteOnMaskedButton { button: 5 }),
        ),
        (
            genuine_after(&commissioning, &genuine, |bytes| set_u32(bytes, counter(1), 2)),
            Some(MemoryInconsistency::CountsDifferFromTotal { counts_sum: 4, total: 3 }),
        ),
        (
            // Closed, but no poll end time (its flag and its field cleared).
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[FLAGS] &= !0b0010_0000;
                bytes[40..48].fill(0);
            }),
            Some(MemoryInconsistency::CloseWithoutPollEnd),
        ),
        (
            // Open (no Close, no poll end) with the result marked shown.
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[FLAGS] = (bytes[FLAGS] & !0b0010_0010) | 0b0000_0100;
                bytes[40..48].fill(0);
            }),
            Some(MemoryInconsistency::ResultShownWhileOpen),
        ),
        (
            // Closed, the seal intact, and the result marked shown under it.
            genuine_after(&commissioning, &genuine, |bytes| bytes[FLAGS] |= 0b0000_0100),
            Some(MemoryInconsistency::ResultShownUnderIntactSeal),
        ),
        (
            // No vote, no candidate set, and the section sealed over nothing.
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[28..30].fill(0);
                bytes[52..56].fill(0);
                bytes[HEADER_BYTES..].fill(0);
            }),
            Some(MemoryInconsistency::SealedWithoutCandidates),
        ),
    ];
    assert_eq!(cases.len(), MemoryInconsistency::ALL.len() + 2, "a case for every kind and the two lawful ones");
    // What counting reads out of each, in the order of the cases: the
    // counters of the ballot buttons in use (none without candidates; a
    // masked button's vote only in the total) and the total as stored.
    let readouts: [(Vec<u32>, u32); 9] = [
        (vec![1, 2, 0, 0], 3),
        (vec![], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 4),
        (vec![2, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![], 0),
    ];
    for ((bytes, expected), (counts, readout_total)) in cases.into_iter().zip(readouts) {
        let mut unit =
            RetainingUnit::open(SimulatedStorage::with_committed(&bytes), commissioning.clone(), Defects::NONE)
                .unwrap_or_else(|fault| panic!("a genuine image is not tampered: {fault}"));
        assert_eq!(unit.unit().memory_inconsistency(), expected);
        let mut clock = Clock::default();
        feed(
            &mut unit,
            &mut clock,
            &[Input::AttachBallotingUnit { position: 1 }, Input::PowerOn { held_button: None }],
        );
        let Some(inconsistency) = expected else {
            assert_eq!(unit.unit().display().text().as_str(), "EVM IS READY");
            continue;
        };
        let shown = format!("MEMORY ERROR {}", inconsistency.code().to_uppercase());
        assert_eq!(unit.unit().display().text().as_str(), shown);
        let total = unit.unit().total();
        for input in
            [Input::Ballot, button(1), Input::Clear, Input::CandSet { candidates: 2 }, Input::SealCandidateSetSection]
        {
            let reaction = unit.step(clock.tick(), input).expect("power");
            assert_eq!(reaction.refusal, Some(Refusal::MemoryInconsistent), "{input:?} in {}", inconsistency.code());
        }
        assert_eq!(unit.unit().total(), total, "the memory changed in the fault state");
        // Counting still reads it, without a panic and with the counters as stored.
        let was_closed = unit.unit().is_closed();
        let close = unit.step(clock.tick(), Input::Close).expect("power").refusal;
        let expected_close = if unit.unit().candidates() == 0 {
            Some(Refusal::CandidatesNotSet)
        } else {
            was_closed.then_some(Refusal::AlreadyClosed)
        };
        assert_eq!(close, expected_close, "Close in {}", inconsistency.code());
        for input in [Input::BreakResultSeal, Input::Result] {
            let refusal = unit.step(clock.tick(), input).expect("power").refusal;
            assert_eq!(refusal, None, "{input:?} in {}", inconsistency.code());
        }
        let readout = unit.unit().result_readout().expect("the result after Close and Result");
        assert_eq!((readout.counts.to_vec(), readout.total), (counts, readout_total), "{}", inconsistency.code());
        assert_eq!(readout.total, total);
        assert_eq!(unit.unit().display().text().as_str(), shown, "the fault stays on the display");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// "No input from the image file makes evm-sim stop answering": any
    /// genuine image (any flags, seal, candidates, times, total and
    /// counters, tagged with the unit's key) opens as a unit or as tampered,
    /// never a panic, and a board on it answers every request of a poll day
    /// and of counting with a well-formed reply.
    #[test]
    fn a_board_on_any_genuine_image_answers_every_request(
        flags in any::<u8>(),
        seal in 0u8..3,
        candidates in 0u16..70,
        total in 0u32..2_001,
        counters in prop::collection::vec(0u32..5, 64),
        start in any::<u16>(),
    ) {
        use evm_sim::protocol::board::Board;
        use evm_sim::protocol::host::HostSession;
        use evm_sim::protocol::message::Request;
        use evm_sim::detachable_memory::SealedImage;
        let commissioning = commissioning(77, 0x77);
        let genuine = image_after_votes(&commissioning, 3, &[1]).as_bytes().to_vec();
        let bytes = genuine_after(&commissioning, &genuine, |bytes| {
            bytes[23] = flags;
            bytes[30] = seal;
            bytes[28..30].copy_from_slice(&candidates.to_le_bytes());
            bytes[52..56].copy_from_slice(&total.to_le_bytes());
            // Times agree with their flags, or the image is refused as written by no unit.
            let start_time = if flags & 0b1_0000 != 0 { u64::from(start) } else { 0 };
            bytes[32..40].copy_from_slice(&start_time.to_le_bytes());
            let end_time = if flags & 0b10_0000 != 0 { u64::from(start) + 1 } else { 0 };
            bytes[40..48].copy_from_slice(&end_time.to_le_bytes());
            for (slot, count) in bytes[HEADER_BYTES..].chunks_exact_mut(4).zip(&counters) {
                slot.copy_from_slice(&count.to_le_bytes());
            }
        });
        let Ok((memory, unit)) = SealedImage::open(SimulatedStorage::with_committed(&bytes), commissioning.clone(), Defects::NONE) else {
            return Ok(());
        };
        let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", false).with_memory(unit, Box::new(memory));
        let mut host = HostSession::new();
        let press = Input::PressButton { address: evm_sim::ButtonAddress { balloting_unit: 1, button: 1 } };
        let mut requests = vec![Request::Hello { highest_version: 1 }, Request::ReadState, Request::ReadResult];
        let poll_and_count = [Input::Ballot, press, Input::Total, Input::Close, Input::BreakResultSeal, Input::Result, Input::Clear];
        for input in SWITCHED_ON_WITH_THREE_CANDIDATES.into_iter().chain(poll_and_count) {
            requests.push(Request::Input { at: Timestamp::ZERO, input });
            requests.push(Request::ReadResult);
        }
        requests.push(Request::ReadState);
        for request in requests {
            let (reply, garbled) = exchange(&mut board, &mut host, &request);
            prop_assert!(reply.is_some(), "no reply to {:?}", request);
            prop_assert!(!garbled);
        }
    }
}
