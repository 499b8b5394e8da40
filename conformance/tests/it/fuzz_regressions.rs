//! Every finding of the fuzzers (docs/FUZZING.md), as the smallest input
//! that showed it, checked through the target's body and, where it helps,
//! stated directly. Each input is also kept in `fuzz/corpus/<target>/`.

use evm_conformance::fuzzing::message_parser;
use evm_sim::protocol::message::{kind, MessageError, Reply, Request};

fn hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("ASCII"), 16).expect("hex"))
        .collect()
}

fn malformed<T: std::fmt::Debug>(parsed: Result<T, MessageError>) -> bool {
    matches!(parsed, Err(MessageError::Malformed { .. }))
}

/// message_parser, finding 1: an `EVENT refused closed` with a non-zero
/// argument was accepted and re-encoded with zeros: two encodings, one
/// meaning. Refusal arguments marked "—" in PROTOCOL.md 3.9 must be zero.
#[test]
fn a_refusal_with_an_argument_it_does_not_use_is_malformed() {
    let input = hex("e0041200020000");
    message_parser(&input);
    assert!(malformed(Reply::parse(input[0], &input[1..])));
    // The same refusal with its arguments zero is accepted and round-trips.
    let canonical = hex("041200000000");
    assert!(Reply::parse(kind::EVENT, &canonical).is_ok());
    message_parser(&[&[kind::EVENT][..], &canonical].concat());
}

/// message_parser, finding 2: lamp bits 3–7 and state flag bits 6–7 were
/// ignored, so a reply with them set was accepted and re-encoded without.
/// (Bit 6 now means "memory inconsistent"; bit 7 still has no meaning.)
#[test]
fn lamp_and_flag_bits_without_a_meaning_are_malformed() {
    // INPUT_REPLY: accepted, 0 votes, not disclosed, lamps 0x09, total 0, "".
    let input_reply =
        hex("0000000000" /* refusal */).into_iter().chain([0, 0, 0x09, 0, 0, 0, 0, 0]).collect::<Vec<_>>();
    assert!(malformed(Reply::parse(kind::INPUT_REPLY, &input_reply)));
    message_parser(&[&[kind::INPUT_REPLY][..], &input_reply].concat());
    // STATE_REPLY: lamps 0, flags 0x81 (powered + bit 7), 0 candidates, total 0, "".
    let state_reply = [0u8, 0x81, 0, 0, 0, 0, 0, 0, 0];
    assert!(malformed(Reply::parse(kind::STATE_REPLY, &state_reply)));
    message_parser(&[&[kind::STATE_REPLY][..], &state_reply[..]].concat());
    // Flags 0x41 (powered + memory inconsistent) is a state, and round-trips.
    let inconsistent = [0u8, 0x41, 0, 0, 0, 0, 0, 0, 0];
    assert!(Reply::parse(kind::STATE_REPLY, &inconsistent).is_ok());
    message_parser(&[&[kind::STATE_REPLY][..], &inconsistent[..]].concat());
}

/// message_parser, finding 3: `power on` with `held` = 0 ignored the button
/// bytes, which PROTOCOL.md 3.2 says are zeros.
#[test]
fn power_on_without_a_held_button_carries_zeros() {
    let mut payload = 25_213_000u64.to_le_bytes().to_vec();
    payload.extend([0x0F, 0, 1, 3]);
    assert!(malformed(Request::parse(kind::INPUT, &payload)));
    message_parser(&[&[kind::INPUT][..], &payload].concat());
    payload.truncate(payload.len() - 2);
    payload.extend([0, 0]);
    assert!(Request::parse(kind::INPUT, &payload).is_ok());
}

/// board_bytes, a finding of the oracle's: a `READ_RESULT` answered while
/// the result was readable, then `Fix result seal` in the same chunk, looked
/// like a result leaving a sealed unit. The target now hands the board one
/// request at a time (any chunking inside a frame), so the state it checks
/// is the state after that request.
#[test]
fn a_result_read_before_the_seal_is_fixed_in_the_same_chunk_is_no_disclosure() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/board_bytes/regress-result-read-then-sealed-in-one-chunk");
    evm_conformance::fuzzing::board_bytes(&std::fs::read(path).expect("the kept input"));
}

/// memory_image_loader, finding left open by design (docs/FUZZING.md): an
/// image with a right tag whose counters do not add up to its total loads
/// (docs/MEMORY_FORMAT.md: it faithfully records a unit that broke PART-II);
/// the harness sees the break, and the target keeps a conforming unit
/// restarted from it away from the PART-II assertions.
#[test]
fn an_authentic_image_that_breaks_part_two_loads_and_shows_the_break() {
    use evm_conformance::fuzzing::{fuzz_commissioning, memory_image_loader};
    use evm_sim::detachable_memory::{LifeCycleRecord, MemoryImage, HEADER_BYTES};
    use evm_sim::unit::{ButtonAddress, ControlUnit, Input};
    use evm_sim::{Defects, Timestamp};
    let commissioning = fuzz_commissioning(false);
    let mut unit = ControlUnit::new(commissioning.profile);
    let mut now = Timestamp::from_clock(7, 0, 0);
    for input in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 3 },
        Input::SealCandidateSetSection,
        Input::Ballot,
        Input::PressButton { address: ButtonAddress { balloting_unit: 1, button: 2 } },
    ] {
        now = now.plus_milliseconds(20_000);
        assert!(unit.step(now, input).is_accepted());
    }
    let mut bytes = MemoryImage::of_unit(&commissioning, &unit, LifeCycleRecord::default()).as_bytes().to_vec();
    bytes[HEADER_BYTES] = 7; // button 1 now says 7 votes; the total says 1.
    let input: Vec<u8> = [&[1u8][..], &bytes].concat(); // mode 1: re-tagged as the unit would
    memory_image_loader(&input);
    // Re-tag as the target does and load it directly: the break is visible.
    let mut retagged = input[1..].to_vec();
    let sealed = retagged.len() - 32;
    {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&[0x5A; 32]).unwrap();
        mac.update(&retagged[..sealed]);
        retagged[sealed..].copy_from_slice(&mac.finalize().into_bytes());
    }
    let contents = MemoryImage::open(&commissioning, &retagged).expect("a right tag loads");
    let restarted = ControlUnit::restart_from(commissioning.profile, Defects::NONE, &contents.retained);
    assert_eq!((restarted.counts_sum(), restarted.total()), (8, 1));
    assert_eq!(
        restarted.memory_inconsistency().map(|fault| fault.code()),
        Some("counts_differ_from_total"),
        "a unit restarted from a memory that breaks PART-II is in the memory-fault state"
    );
}
