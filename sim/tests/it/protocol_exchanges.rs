//! Golden exchanges (docs/protocol-exchanges.txt): what a board answers,
//! byte for byte, to the requests docs/PROTOCOL.md's edge cases are about —
//! request id 0, over-long and out-of-range payloads, kinds a host may not
//! send, other versions, the order in which checks win, retransmissions,
//! events before the next reply. Each exchange starts on a fresh board; the
//! file is rendered from the steps below and compared byte for byte
//! (`UPDATE_VECTORS=1` rewrites it: review the diff), and the assertions
//! below hold the rules the document states, whatever the file says.

use evm_sim::protocol::board::{request_frame, Board};
use evm_sim::protocol::cobs;
use evm_sim::protocol::frame::{crc32, Feed, FrameAccumulator, MAX_PAYLOAD_BYTES};
use evm_sim::protocol::message::{kind, BoardEvent, NackReason, Reply, Request};
use evm_sim::{ButtonAddress, Defects, Input, MachineProfile, Refusal, Timestamp};
use std::fmt::Write;
use std::path::PathBuf;

/// Which board an exchange runs on.
#[derive(Clone, Copy)]
enum Mode {
    /// `evm-sim serve --test-mode`: host's clock, `TEST_START_MACHINE`.
    Test,
    /// `evm-sim serve` without test mode: a field board.
    Field,
}

struct Exchange {
    name: &'static str,
    mode: Mode,
    /// Each step: what it is, and the bytes the host sends.
    steps: Vec<(&'static str, Vec<u8>)>,
}

/// A frame of any version, kind and payload: stuffed, CRC'd, delimited.
fn raw_frame(version: u8, kind: u8, request_id: u16, payload: &[u8]) -> Vec<u8> {
    raw_frame_declaring(version, kind, request_id, payload.len() as u16, payload)
}

/// A frame whose length field says `declared`, whatever the payload holds.
fn raw_frame_declaring(version: u8, kind: u8, request_id: u16, declared: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![version, kind];
    frame.extend_from_slice(&request_id.to_le_bytes());
    frame.extend_from_slice(&declared.to_le_bytes());
    frame.extend_from_slice(payload);
    let crc = crc32(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    let mut wire = Vec::new();
    cobs::encode(&frame, &mut wire);
    wire.push(0);
    wire
}

const AT: Timestamp = Timestamp::from_clock(7, 0, 0);

fn input(request_id: u16, input: Input) -> Vec<u8> {
    request_frame(request_id, &Request::Input { at: AT, input })
}

/// An `INPUT` payload with raw input bytes after `at_ms`.
fn raw_input(request_id: u16, bytes: &[u8]) -> Vec<u8> {
    let mut payload = AT.milliseconds().to_le_bytes().to_vec();
    payload.extend_from_slice(bytes);
    raw_frame(1, kind::INPUT, request_id, &payload)
}

fn press(request_id: u16, button: u8) -> Vec<u8> {
    input(request_id, Input::PressButton { address: ButtonAddress { balloting_unit: 1, button } })
}

/// A unit with one balloting unit, switched on, 3 candidates set and sealed
/// (request ids 1 to 4).
fn ready_unit() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("attach balloting unit 1", input(1, Input::AttachBallotingUnit { position: 1 })),
        ("power on", input(2, Input::PowerOn { held_button: None })),
        ("Cand Set 3", input(3, Input::CandSet { candidates: 3 })),
        ("seal the candidate set section", input(4, Input::SealCandidateSetSection)),
    ]
}

// Longer than 70 lines on purpose: a table: one exchange of docs/protocol-exchanges.txt a line.
fn exchanges() -> Vec<Exchange> {
    let hello = request_frame(1, &Request::Hello { highest_version: 1 });
    let mut overfull = vec![0x33; 3_000];
    overfull.push(0);
    let mut retransmission = ready_unit();
    retransmission.extend([
        ("Ballot", input(5, Input::Ballot)),
        ("press button 2", press(6, 2)),
        ("the same bytes again (the reply was lost): answered from memory, no second vote, no events", press(6, 2)),
        ("READ_STATE: total 1", request_frame(7, &Request::ReadState)),
    ]);
    let mut reused_id = ready_unit();
    reused_id.extend([
        ("Ballot (id 5)", input(5, Input::Ballot)),
        ("id 5 again with other bytes (Total): a new request, executed", input(5, Input::Total)),
    ]);
    let mut clear_order = ready_unit();
    clear_order.extend([
        ("fix the paper seal", input(5, Input::FixResultSeal)),
        ("Close", input(6, Input::Close)),
        (
            "Clear: the seal is intact and Result was not pressed; the seal wins (result_seal_intact)",
            input(7, Input::Clear),
        ),
        ("break the seal", input(8, Input::BreakResultSeal)),
        ("Clear: now clear_before_result", input(9, Input::Clear)),
    ]);
    let mut events = ready_unit();
    events.extend([
        ("Ballot", input(5, Input::Ballot)),
        (
            "press and READ_STATE in one burst: the press's reply, its events, then the state's reply",
            [press(6, 1), request_frame(7, &Request::ReadState)].concat(),
        ),
    ]);
    let mut off_result = ready_unit();
    off_result.extend([
        ("Close", input(5, Input::Close)),
        ("Result", input(6, Input::Result)),
        ("READ_RESULT while on: the counts", request_frame(7, &Request::ReadResult)),
        ("power off", input(8, Input::PowerOff)),
        ("READ_RESULT while off: refused, powered_off", request_frame(9, &Request::ReadResult)),
    ]);
    let faulty = Defects::from_bits(1 << 12).expect("bit 12: candidate_set_changes_after_seal");
    let mut votes_in_memory = vec![(
        "TEST_START_MACHINE: M2 with defect bit 12 (candidate_set_changes_after_seal)",
        request_frame(10, &Request::TestStartMachine { profile: MachineProfile::m2(), defects: faulty }),
    )];
    votes_in_memory.extend(ready_unit());
    votes_in_memory.extend([
        ("Ballot", input(5, Input::Ballot)),
        ("press button 1", press(6, 1)),
        (
            "Cand Set 4 after the seal: this unit's defect lets it past the seal; the vote in memory stops it",
            input(7, Input::CandSet { candidates: 4 }),
        ),
    ]);
    vec![
        Exchange { name: "hello", mode: Mode::Test, steps: vec![("HELLO, highest version 1", hello.clone())] },
        Exchange {
            name: "hello to a field board: capabilities 0",
            mode: Mode::Field,
            steps: vec![("HELLO, highest version 1", hello)],
        },
        Exchange {
            name: "request id 0 is the board's own: not executed, NACK malformed with id 0",
            mode: Mode::Test,
            steps: vec![
                ("power on with request id 0", input(0, Input::PowerOn { held_button: None })),
                ("READ_STATE: still off", request_frame(1, &Request::ReadState)),
            ],
        },
        Exchange {
            name:
                "a well-formed frame whose payload is longer than its kind's layout is malformed, answered with its id",
            mode: Mode::Test,
            steps: vec![
                ("READ_STATE with a 1-byte payload", raw_frame(1, kind::READ_STATE, 9, &[0])),
                (
                    "INPUT (Total) with 2,000 more bytes, within the 2,048-byte frame bound",
                    raw_input(10, &[[0x04].as_slice(), &[0x55; 2_000]].concat()),
                ),
            ],
        },
        Exchange {
            name: "more than 2,067 bytes before a delimiter: one NACK corrupt_frame (id 0), at the delimiter",
            mode: Mode::Test,
            steps: vec![
                ("3,000 bytes of 0x33 and a 0x00", overfull),
                ("HELLO: the line is in step again", request_frame(2, &Request::Hello { highest_version: 1 })),
            ],
        },
        Exchange {
            name: "a length field past 2,048 is a corrupt frame",
            mode: Mode::Test,
            steps: vec![
                (
                    "a READ_STATE header declaring 2,049 payload bytes, with them",
                    raw_frame(1, kind::READ_STATE, 3, &[0x11; MAX_PAYLOAD_BYTES + 1]),
                ),
                (
                    "a READ_STATE header declaring 2,049 payload bytes, with none",
                    raw_frame_declaring(1, kind::READ_STATE, 4, MAX_PAYLOAD_BYTES as u16 + 1, &[]),
                ),
                (
                    "2,049 payload bytes of zeros (they stuff into fewer than 2,067 bytes), declared",
                    raw_frame(1, kind::READ_STATE, 5, &[0; MAX_PAYLOAD_BYTES + 1]),
                ),
            ],
        },
        Exchange {
            name: "two delimiters in a row (an empty block): nothing",
            mode: Mode::Test,
            steps: vec![("0x00 0x00", vec![0, 0])],
        },
        Exchange {
            name: "a board-to-host kind or an unknown kind sent by a host: NACK unknown_kind with its id",
            mode: Mode::Test,
            steps: vec![
                ("HELLO_REPLY (0x81) from the host", raw_frame(1, kind::HELLO_REPLY, 4, &[])),
                ("kind 0x20", raw_frame(1, 0x20, 5, &[])),
            ],
        },
        Exchange {
            name: "another protocol version: NACK unsupported_version with the frame's id",
            mode: Mode::Test,
            steps: vec![
                ("a version-2 frame (good CRC), id 6", raw_frame(2, kind::READ_STATE, 6, &[])),
                ("HELLO with highest version 0, id 7", request_frame(7, &Request::Hello { highest_version: 0 })),
            ],
        },
        Exchange {
            name: "TEST_START_MACHINE on a field board: malformed is checked first, then not_in_test_mode",
            mode: Mode::Field,
            steps: vec![
                (
                    "TEST_START_MACHINE with unknown defect bit 31",
                    raw_frame(1, kind::TEST_START_MACHINE, 1, &{
                        let (_, mut payload) =
                            Request::TestStartMachine { profile: MachineProfile::m2(), defects: Defects::NONE }
                                .encode();
                        let length = payload.len();
                        payload[length - 1] = 0x80;
                        payload
                    }),
                ),
                (
                    "a well-formed TEST_START_MACHINE",
                    request_frame(
                        2,
                        &Request::TestStartMachine { profile: MachineProfile::m2(), defects: Defects::NONE },
                    ),
                ),
            ],
        },
        Exchange {
            name: "arguments of the right size but outside the document's ranges are malformed",
            mode: Mode::Test,
            steps: vec![
                ("press balloting unit 1 button 0", raw_input(1, &[0x0C, 1, 0])),
                ("press balloting unit 1 button 17", raw_input(2, &[0x0C, 1, 17])),
                ("press balloting unit 25 button 1", raw_input(3, &[0x0C, 25, 1])),
                ("attach balloting unit at position 0", raw_input(4, &[0x0A, 0])),
                ("battery level 101 %", raw_input(5, &[0x10, 101])),
                ("power on, held flag 0 but a button given", raw_input(6, &[0x0F, 0, 1, 3])),
                ("attach at position 5 (in range, past the M2's 4): the unit refuses it", raw_input(7, &[0x0A, 5])),
            ],
        },
        Exchange {
            name: "a retransmission is answered from memory and executed once",
            mode: Mode::Test,
            steps: retransmission,
        },
        Exchange { name: "a reused request id with other bytes is a new request", mode: Mode::Test, steps: reused_id },
        Exchange { name: "which refusal wins: Clear with the seal intact", mode: Mode::Test, steps: clear_order },
        Exchange {
            name: "an input's events come after its reply and before the next reply",
            mode: Mode::Test,
            steps: events,
        },
        Exchange { name: "the result needs a powered unit", mode: Mode::Test, steps: off_result },
        Exchange {
            name: "votes_in_memory is reached only by a unit whose Cand Set ignores the seal",
            mode: Mode::Test,
            steps: votes_in_memory,
        },
    ]
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(nothing)".to_owned();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(" ")
}

/// Every frame in `wire`, decoded: (request id, reply).
fn frames(wire: &[u8]) -> Vec<(u16, Reply)> {
    let mut accumulator = FrameAccumulator::new();
    let mut bytes = wire;
    let mut frames = Vec::new();
    loop {
        match accumulator.feed(bytes) {
            Feed::NeedMore => return frames,
            Feed::Frame { frame, rest } => {
                frames.push((frame.request_id(), Reply::parse(frame.kind(), frame.payload()).expect("a reply")));
                bytes = rest;
            }
            Feed::Corrupt { .. } | Feed::Overfull { .. } => panic!("the board sent a bad frame"),
        }
    }
}

/// A reply in words, for the file's `answer` lines.
fn describe(request_id: u16, reply: &Reply) -> String {
    let what = match reply {
        Reply::Hello { capabilities, .. } => format!("HELLO_REPLY capabilities {capabilities}"),
        Reply::Input(outcome) => match outcome.refusal {
            Some(refusal) => format!("INPUT_REPLY refused {} \"{}\"", refusal.code(), outcome.display),
            None => format!(
                "INPUT_REPLY accepted, {} vote(s), total {} \"{}\"",
                outcome.votes_recorded, outcome.total, outcome.display
            ),
        },
        Reply::State(state) => format!("STATE_REPLY powered {}, total {}", state.powered, state.total),
        Reply::Result { total, counts } => format!("RESULT_REPLY total {total}, {} entries", counts.len()),
        Reply::Ok => "OK".to_owned(),
        Reply::Event(BoardEvent::VoteRecorded) => "EVENT vote_recorded".to_owned(),
        Reply::Event(BoardEvent::LongBeep) => "EVENT long_beep".to_owned(),
        Reply::Event(BoardEvent::DisplayChanged) => "EVENT display_changed".to_owned(),
        Reply::Event(BoardEvent::Refused(refusal)) => format!("EVENT refused {}", refusal.code()),
        Reply::Event(BoardEvent::Unknown(code)) => format!("EVENT unknown code {code}"),
        Reply::Nack(NackReason::ResultRefused(refusal)) => format!("NACK result_refused {}", refusal.code()),
        Reply::Nack(reason) => format!("NACK {}", nack_name(*reason)),
    };
    format!("id {request_id}: {what}")
}

fn nack_name(reason: NackReason) -> &'static str {
    match reason {
        NackReason::Malformed => "malformed",
        NackReason::UnknownKind => "unknown_kind",
        NackReason::UnsupportedVersion => "unsupported_version",
        NackReason::NotInTestMode => "not_in_test_mode",
        NackReason::ResultRefused(_) => "result_refused",
        NackReason::NoMachine => "no_machine",
        NackReason::CorruptFrame => "corrupt_frame",
        NackReason::MemoryFault => "memory_fault",
        NackReason::Unknown(_) => "unknown",
    }
}

fn fresh_board(mode: Mode) -> Board {
    Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", matches!(mode, Mode::Test))
}

/// Runs every exchange: per exchange, per step, the board's bytes.
fn run() -> Vec<Vec<Vec<u8>>> {
    exchanges()
        .iter()
        .map(|exchange| {
            let mut board = fresh_board(exchange.mode);
            exchange
                .steps
                .iter()
                .map(|(_, host)| {
                    let mut out = Vec::new();
                    board.receive(Timestamp::ZERO, host, &mut out);
                    out
                })
                .collect()
        })
        .collect()
}

fn render() -> String {
    let mut text = String::from(
        "# Golden exchanges of the EVM serial protocol, version 1 (docs/PROTOCOL.md).\n\
         # Each exchange starts on a fresh simulated board (`mode: test`: evm-sim serve\n\
         # --test-mode; `mode: field`: without it; M2, serial EVM-SIM-0001). Each step:\n\
         # what the host does, the bytes it sends (`host`), the bytes the board\n\
         # answers (`board`, all frames of the answer in order) and the answer in\n\
         # words. Checked by sim/tests/it/protocol_exchanges.rs; UPDATE_VECTORS=1\n\
         # rewrites this file (review the diff).\n",
    );
    for (exchange, answers) in exchanges().iter().zip(run()) {
        let mode = match exchange.mode {
            Mode::Test => "test",
            Mode::Field => "field",
        };
        let _ = write!(text, "\n== {}\nmode: {mode}\n", exchange.name);
        for ((what, host), answer) in exchange.steps.iter().zip(answers) {
            let words: Vec<String> = frames(&answer).iter().map(|(id, reply)| describe(*id, reply)).collect();
            let words = if words.is_empty() { "nothing".to_owned() } else { words.join("; ") };
            let _ = write!(text, "step: {what}\nhost: {}\nboard: {}\nanswer: {words}\n", hex(host), hex(&answer));
        }
    }
    text
}

fn exchanges_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol-exchanges.txt")
}

#[test]
fn the_golden_exchanges_hold() {
    let rendered = render();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(exchanges_path(), &rendered).unwrap();
    }
    let file = std::fs::read_to_string(exchanges_path()).expect("docs/protocol-exchanges.txt");
    assert_eq!(file, rendered, "the board's answers differ from docs/protocol-exchanges.txt");
}

/// The rules of docs/PROTOCOL.md the exchanges show, held whatever the file says.
#[test]
fn the_exchanges_follow_the_document() {
    let answers = run();
    let by_name = |name: &str| -> Vec<Vec<(u16, Reply)>> {
        let index = exchanges().iter().position(|exchange| exchange.name.starts_with(name)).expect(name);
        answers[index].iter().map(|wire| frames(wire)).collect()
    };
    let nack = |id: u16, reason: NackReason| vec![(id, Reply::Nack(reason))];
    // Request id 0: not executed.
    let zero = by_name("request id 0");
    assert_eq!(zero[0], nack(0, NackReason::Malformed));
    assert!(matches!(&zero[1][..], [(1, Reply::State(state))] if !state.powered));
    // Over-long payloads: malformed, with their ids.
    let long = by_name("a well-formed frame");
    assert_eq!((&long[0], &long[1]), (&nack(9, NackReason::Malformed), &nack(10, NackReason::Malformed)));
    // Overfull: exactly one NACK.
    let overfull = by_name("more than 2,067");
    assert_eq!(overfull[0], nack(0, NackReason::CorruptFrame));
    assert!(matches!(&overfull[1][..], [(2, Reply::Hello { .. })]));
    let length = by_name("a length field");
    for answer in &length {
        assert_eq!(answer, &nack(0, NackReason::CorruptFrame));
    }
    assert!(by_name("two delimiters")[0].is_empty());
    let kinds = by_name("a board-to-host kind");
    assert_eq!((&kinds[0], &kinds[1]), (&nack(4, NackReason::UnknownKind), &nack(5, NackReason::UnknownKind)));
    let versions = by_name("another protocol version");
    assert_eq!(
        (&versions[0], &versions[1]),
        (&nack(6, NackReason::UnsupportedVersion), &nack(7, NackReason::UnsupportedVersion))
    );
    let field = by_name("TEST_START_MACHINE on a field board");
    assert_eq!((&field[0], &field[1]), (&nack(1, NackReason::Malformed), &nack(2, NackReason::NotInTestMode)));
    let ranges = by_name("arguments of the right size");
    for (id, answer) in ranges[..6].iter().enumerate() {
        assert_eq!(answer, &nack(id as u16 + 1, NackReason::Malformed));
    }
    assert!(matches!(&ranges[6][..], [(7, Reply::Input(outcome)), ..]
        if outcome.refusal == Some(Refusal::PositionOutOfRange { position: 5 })));
    // Exactly once: the resent press is the same bytes, with no events after it.
    let resent =
        &answers[exchanges().iter().position(|exchange| exchange.name.starts_with("a retransmission")).unwrap()];
    let first_reply = frames(&resent[5]).into_iter().next().unwrap();
    assert_eq!(frames(&resent[6]), vec![first_reply], "a retransmission was executed again");
    assert!(matches!(&frames(&resent[7])[..], [(7, Reply::State(state))] if state.total == 1));
    let reused = by_name("a reused request id");
    assert!(matches!(&reused[5][..], [(5, Reply::Input(outcome)), ..] if outcome.display.as_str() == "TOTAL 0000"));
    let clear = by_name("which refusal wins");
    let refusal = |answer: &[(u16, Reply)]| match answer.first() {
        Some((_, Reply::Input(outcome))) => outcome.refusal,
        other => panic!("{other:?}"),
    };
    assert_eq!(refusal(&clear[6]), Some(Refusal::ResultSealIntact));
    assert_eq!(refusal(&clear[8]), Some(Refusal::ClearBeforeResult));
    // Events: after their reply, before the next reply.
    let burst = &by_name("an input's events")[5];
    assert!(matches!(burst.first(), Some((6, Reply::Input(_)))));
    assert!(matches!(burst.last(), Some((7, Reply::State(_)))));
    assert!(burst[1..burst.len() - 1].iter().all(|(id, reply)| *id == 0 && matches!(reply, Reply::Event(_))));
    assert!(burst.len() >= 4, "the vote's events: {burst:?}");
    let off = by_name("the result needs a powered unit");
    assert!(matches!(&off[6][..], [(7, Reply::Result { .. })]));
    assert_eq!(off[8], vec![(9, Reply::Nack(NackReason::ResultRefused(Refusal::PoweredOff)))]);
    assert_eq!(refusal(&by_name("votes_in_memory")[7]), Some(Refusal::VotesInMemory));
}
