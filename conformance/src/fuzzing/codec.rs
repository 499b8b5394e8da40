//! Bytes into the wire decoders: the frame accumulator, the typed messages
//! and the board behind them.

use super::chunks;
use super::unit::arbitrary_input;
use arbitrary::Unstructured;
use evm_sim::protocol::board::{request_frame, Board};
use evm_sim::protocol::cobs;
use evm_sim::protocol::frame::{encode_frame, Feed, Frame, FrameAccumulator, MAX_PAYLOAD_BYTES, MAX_STUFFED_BYTES};
use evm_sim::protocol::message::{kind, Reply, Request};
use evm_sim::unit::{ControlUnit, RetainedState};
use evm_sim::{Defects, Display, Lamps, MachineProfile, Timestamp};

/// Feeds `input` to `accumulator` until it needs more, collecting the
/// unstuffed bytes of every frame it accepts. Checks that every answer
/// consumed input (no endless loop) and that nothing is held beyond the bound.
fn drain(accumulator: &mut FrameAccumulator, mut input: &[u8], frames: &mut Vec<Vec<u8>>) {
    loop {
        let rest = match accumulator.feed(input) {
            Feed::NeedMore => break,
            Feed::Frame { frame, rest } => {
                check_frame_round_trip(frame);
                frames.push(frame.as_bytes().to_vec());
                rest
            }
            Feed::Corrupt { rest, .. } | Feed::Overfull { rest } => rest,
        };
        assert!(rest.len() < input.len(), "the accumulator answered without consuming input");
        input = rest;
    }
    assert!(accumulator.pending() <= MAX_STUFFED_BYTES, "accumulator holds {} bytes", accumulator.pending());
}

/// decode ∘ encode = identity on an accepted frame: re-encoding its kind, id
/// and payload gives wire bytes that decode to the same frame, alone.
fn check_frame_round_trip(frame: Frame<'_>) {
    assert!(frame.payload().len() <= MAX_PAYLOAD_BYTES);
    let wire = encode_frame(frame.kind(), frame.request_id(), frame.payload());
    let mut fresh = FrameAccumulator::new();
    match fresh.feed(&wire) {
        Feed::Frame { frame: again, rest } => {
            assert_eq!(again.as_bytes(), frame.as_bytes(), "a re-encoded frame decodes differently");
            assert!(rest.is_empty(), "a re-encoded frame leaves {} bytes", rest.len());
        }
        other => panic!("a re-encoded frame is not accepted: {other:?}"),
    }
}

/// The frames a plain reading of docs/PROTOCOL.md section 2.3 finds in a
/// whole stream: split at every 0x00; skip empty and overlong blocks; keep
/// the blocks that un-stuff and check. The last piece has no delimiter yet.
fn frames_by_the_document(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut blocks: Vec<&[u8]> = stream.split(|&byte| byte == 0).collect();
    blocks.pop();
    let mut frames = Vec::new();
    for block in blocks {
        if block.is_empty() || block.len() > MAX_STUFFED_BYTES {
            continue;
        }
        let mut unstuffed = Vec::new();
        if cobs::decode(block, &mut unstuffed).is_ok() && Frame::parse(&unstuffed).is_ok() {
            frames.push(unstuffed);
        }
    }
    frames
}

/// Target `frame_decoder`: the stream is all bytes but the last, which
/// chooses the chunking. Never panics; every accepted frame round-trips; the
/// frames do not depend on the chunking and are those the document's
/// reading gives.
pub fn frame_decoder(data: &[u8]) {
    let Some((&seed, stream)) = data.split_last() else { return };
    let mut accumulator = FrameAccumulator::new();
    let mut frames = Vec::new();
    for piece in chunks(stream, seed) {
        drain(&mut accumulator, piece, &mut frames);
    }
    assert_eq!(frames, frames_by_the_document(stream), "chunking {seed} changes the frames");
}

/// Target `message_parser`: the first byte is the kind, the rest the payload.
/// Request and reply parsers never panic; an accepted message re-encodes to
/// exactly the bytes it was parsed from (one meaning, one encoding).
pub fn message_parser(data: &[u8]) {
    let Some((&kind_byte, payload)) = data.split_first() else { return };
    if let Ok(request) = Request::parse(kind_byte, payload) {
        assert_eq!(request.encode(), (kind_byte, payload.to_vec()), "{request:?} re-encodes differently");
    }
    if let Ok(reply) = Reply::parse(kind_byte, payload) {
        assert_eq!(reply.encode(), (kind_byte, payload.to_vec()), "{reply:?} re-encodes differently");
    }
}

/// Everything a person or the wire could observe of the unit, and what it
/// retains.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    retained: RetainedState,
    lamps: Lamps,
    display: Display,
    powered: bool,
    ballot_enabled: bool,
    attached_positions: Vec<u8>,
    profile: MachineProfile,
    defects: Defects,
}

fn observe(unit: &ControlUnit) -> Observed {
    Observed {
        retained: unit.retained_state(),
        lamps: unit.lamps(),
        display: unit.display(),
        powered: unit.is_powered(),
        ballot_enabled: unit.ballot_enabled(),
        attached_positions: unit.attached_positions(),
        profile: *unit.profile(),
        defects: unit.defects(),
    }
}

/// A request built from the fuzzer's bytes: well-formed, with a good CRC, so
/// that the board's deep states are reached; or raw noise; or a resend.
fn board_stream(unstructured: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let mut stream = Vec::new();
    let mut sent: Vec<Vec<u8>> = Vec::new();
    let mut at = Timestamp::from_clock(7, 0, 0);
    for _ in 0..super::MAX_STEPS {
        if unstructured.is_empty() {
            break;
        }
        let request_id: u16 = unstructured.int_in_range(0..=7)?;
        let request = match unstructured.int_in_range(0..=15u8)? {
            0 => {
                // Noise on the line.
                let length = unstructured.int_in_range(0..=40)?;
                stream.extend_from_slice(unstructured.bytes(length)?);
                continue;
            }
            1 => {
                // A resend of an earlier request (the board answers from memory).
                if let Some(frame) = sent.last() {
                    stream.extend_from_slice(frame);
                }
                continue;
            }
            2 => Request::Hello { highest_version: unstructured.int_in_range(0..=2)? },
            3 => Request::ReadState,
            4 | 5 => Request::ReadResult,
            6 => Request::TestStartMachine {
                profile: MachineProfile {
                    vote_capacity: unstructured.int_in_range(1..=20)?,
                    ..if unstructured.arbitrary()? { MachineProfile::m3() } else { MachineProfile::m2() }
                },
                defects: Defects::from_bits(unstructured.arbitrary::<u32>()? & 0x7FFF).unwrap_or(Defects::NONE),
            },
            _ => {
                at = at.plus_milliseconds(unstructured.int_in_range(0..=30_000)?);
                Request::Input { at, input: arbitrary_input(unstructured)? }
            }
        };
        let frame = request_frame(request_id, &request);
        stream.extend_from_slice(&frame);
        sent.push(frame);
    }
    Ok(stream)
}

/// The bytes a `board_bytes` input puts on the line: its first byte's bit 1
/// chooses raw bytes (clear) or a built stream of requests, noise and
/// resends (set); the rest is the raw bytes or what builds the stream.
/// `evm-conformance hostile-bytes` sends these to a real board.
pub fn board_bytes_stream(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else { return Vec::new() };
    if mode & 2 == 0 {
        rest.to_vec()
    } else {
        board_stream(&mut Unstructured::new(rest)).unwrap_or_default()
    }
}

/// Target `board_bytes`: the first byte chooses test mode and the chunking;
/// the rest builds a stream of requests, noise and resends. The board never
/// panics; every byte it sends is a well-formed reply frame; the unit
/// changes only when an `INPUT` or `TEST_START_MACHINE` request completes;
/// no candidate-wise result leaves a conforming unit unless it would give
/// the readout (or it repeats, from the de-duplication window, a reply sent
/// when it would).
pub fn board_bytes(data: &[u8]) {
    let Some(&mode) = data.first() else { return };
    let test_mode = mode & 1 == 1;
    let stream = board_bytes_stream(data);
    let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "FUZZ-BOARD", test_mode);
    let mut shadow = FrameAccumulator::new();
    let mut now = Timestamp::from_clock(7, 0, 0);
    let mut results_sent: Vec<Vec<u8>> = Vec::new();
    // A piece never holds more than one delimiter, so that the board's state
    // after each piece is the state after at most one request.
    let pieces = chunks(&stream, mode >> 2).into_iter().flat_map(|chunk| chunk.split_inclusive(|&byte| byte == 0));
    for piece in pieces {
        now = now.plus_milliseconds(250);
        let mut completed = Vec::new();
        drain(&mut shadow, piece, &mut completed);
        let may_change = completed.iter().filter_map(|bytes| Frame::parse(bytes).ok()).any(|frame| {
            matches!(
                Request::parse(frame.kind(), frame.payload()),
                Ok(Request::Input { .. } | Request::TestStartMachine { .. })
            )
        });
        let before = observe(board.unit());
        let mut out = Vec::new();
        board.receive(now, piece, &mut out);
        if !may_change {
            assert_eq!(observe(board.unit()), before, "the unit changed without an INPUT request");
        }
        let mut replies = Vec::new();
        let mut reader = FrameAccumulator::new();
        drain(&mut reader, &out, &mut replies);
        assert_eq!(reader.pending(), 0, "the board sent a partial frame");
        let delimiters = out.iter().filter(|&&byte| byte == 0).count();
        assert_eq!(replies.len(), delimiters, "the board sent a corrupt or empty frame");
        for bytes in &replies {
            let frame = Frame::parse(bytes).expect("checked by the accumulator");
            let reply = Reply::parse(frame.kind(), frame.payload());
            assert!(reply.is_ok(), "the board sent a malformed reply: {reply:?} in {bytes:02x?}");
            if frame.kind() == kind::RESULT_REPLY && board.unit().defects().is_empty() {
                // A request id reused within the window (hosts must not,
                // PROTOCOL.md section 1) is answered from memory: the same
                // bytes again, which disclose nothing new.
                if board.unit().result_readout().is_ok() {
                    results_sent.push(bytes.clone());
                } else {
                    assert!(
                        results_sent.contains(bytes),
                        "a result left the board while the unit refuses the readout (SEALED-RESULT)"
                    );
                }
            }
        }
    }
}
