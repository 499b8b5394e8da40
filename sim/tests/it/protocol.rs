//! The serial protocol: golden vectors (docs/protocol-vectors.txt) checked in
//! both directions, exactly-once presses through a faulty link, and garbage
//! that never crashes the board nor changes its state.

use evm_sim::protocol::board::{reply_frame, request_frame, Board};
use evm_sim::protocol::faults::{FaultInjector, FaultRates};
use evm_sim::protocol::host::{HostSession, Received};
use evm_sim::protocol::message::{BoardEvent, InputOutcome, NackReason, Reply, Request, StateReport};
use evm_sim::unit::{ButtonAddress, Input, Lamps, ResultSeal};
use evm_sim::{Defect, Defects, DisplayText, MachineProfile, Refusal, Timestamp};
use std::fmt::Write;
use std::path::PathBuf;

enum Message {
    Request(Request),
    Reply(Reply),
}

/// The vectors: every message kind, every input code, the refusals with
/// arguments, and the replies a board sends.
// Longer than 70 lines on purpose: a table: one golden vector of docs/protocol-vectors.txt a line.
fn vectors() -> Vec<(&'static str, u16, Message)> {
    let at = Timestamp::from_clock(7, 0, 13);
    let address = ButtonAddress { balloting_unit: 1, button: 3 };
    let mut vectors = vec![
        ("hello", 1, Message::Request(Request::Hello { highest_version: 1 })),
        (
            "hello reply: M2, test mode and seeded defects, serial EVM-SIM-0001",
            1,
            Message::Reply(Reply::Hello {
                version: 1,
                profile: MachineProfile::m2(),
                capabilities: 3,
                serial_number: *b"EVM-SIM-0001    ",
            }),
        ),
        (
            "start a test machine: M3, rate limit off, defect vote_after_close",
            2,
            Message::Request(Request::TestStartMachine {
                profile: MachineProfile { rate_limit_votes_per_minute: None, ..MachineProfile::m3() },
                defects: [Defect::VoteAfterClose].into_iter().collect(),
            }),
        ),
        ("ok", 2, Message::Reply(Reply::Ok)),
    ];
    let inputs = [
        Input::CandSet { candidates: 5 },
        Input::SealCandidateSetSection,
        Input::Ballot,
        Input::Total,
        Input::Close,
        Input::Result,
        Input::Clear,
        Input::FixResultSeal,
        Input::BreakResultSeal,
        Input::AttachBallotingUnit { position: 1 },
        Input::DetachBallotingUnit { position: 2 },
        Input::PressButton { address },
        Input::PressTwoButtons { first: address, second: ButtonAddress { balloting_unit: 2, button: 16 } },
        Input::PowerOff,
        Input::PowerOn { held_button: None },
        Input::PowerOn { held_button: Some(address) },
        Input::BatteryLevel { percent: 8 },
        Input::OpenCase,
        Input::FirstLevelCheck,
    ];
    for (index, input) in inputs.into_iter().enumerate() {
        vectors.push(("input at 07:00:13", 3 + index as u16, Message::Request(Request::Input { at, input })));
    }
    vectors.extend([
        (
            "input reply: vote recorded, lamps on, total 17, display EVM IS READY",
            14,
            Message::Reply(Reply::Input(InputOutcome {
                refusal: None,
                votes_recorded: 1,
                candidate_disclosed: false,
                lamps: Lamps { on: true, busy: false, ready: false },
                total: 17,
                display: DisplayText::from_text("EVM IS READY"),
            })),
        ),
        (
            "input reply: refused, masked button 7 of unit 1, ballot still enabled",
            15,
            Message::Reply(Reply::Input(InputOutcome {
                refusal: Some(Refusal::MaskedButton { position: 1, button: 7 }),
                votes_recorded: 0,
                candidate_disclosed: false,
                lamps: Lamps { on: true, busy: true, ready: true },
                total: 17,
                display: DisplayText::from_text("BUSY"),
            })),
        ),
        (
            "input reply: refused, memory full at 2000",
            16,
            Message::Reply(Reply::Input(InputOutcome {
                refusal: Some(Refusal::MemoryFull { capacity: 2000 }),
                votes_recorded: 0,
                candidate_disclosed: false,
                lamps: Lamps { on: true, busy: false, ready: false },
                total: 2000,
                display: DisplayText::from_text("MEMORY FULL"),
            })),
        ),
        ("read state", 30, Message::Request(Request::ReadState)),
        (
            "state: on, closed, seal broken, 5 candidates, total 17",
            30,
            Message::Reply(Reply::State(StateReport {
                lamps: Lamps { on: true, busy: false, ready: false },
                powered: true,
                closed: true,
                ballot_enabled: false,
                fail_safe: false,
                result_seal: ResultSeal::Broken,
                memory_inconsistent: false,
                candidates: 5,
                total: 17,
                display: DisplayText::from_text("RESULT TOTAL 0017"),
            })),
        ),
        ("read result", 31, Message::Request(Request::ReadResult)),
        (
            "result: 5 candidates and NOTA",
            31,
            Message::Reply(Reply::Result { total: 17, counts: vec![6, 0, 4, 3, 2, 2] }),
        ),
        (
            "result refused: seal intact",
            32,
            Message::Reply(Reply::Nack(NackReason::ResultRefused(Refusal::ResultSealIntact))),
        ),
        ("nack: corrupt frame received (unsolicited)", 0, Message::Reply(Reply::Nack(NackReason::CorruptFrame))),
        ("nack: unknown kind", 33, Message::Reply(Reply::Nack(NackReason::UnknownKind))),
        ("nack: not in test mode", 34, Message::Reply(Reply::Nack(NackReason::NotInTestMode))),
        ("nack: malformed", 35, Message::Reply(Reply::Nack(NackReason::Malformed))),
        ("nack: unsupported version", 36, Message::Reply(Reply::Nack(NackReason::UnsupportedVersion))),
        ("nack: no machine (reserved: evm-sim never sends it)", 37, Message::Reply(Reply::Nack(NackReason::NoMachine))),
        ("nack: memory fault", 38, Message::Reply(Reply::Nack(NackReason::MemoryFault))),
        (
            "result refused: switched off",
            39,
            Message::Reply(Reply::Nack(NackReason::ResultRefused(Refusal::PoweredOff))),
        ),
        (
            "hello reply: M3, no test mode (a field board), serial VENDOR-CU-77",
            40,
            Message::Reply(Reply::Hello {
                version: 1,
                profile: MachineProfile::m3(),
                capabilities: 0,
                serial_number: *b"VENDOR-CU-77    ",
            }),
        ),
        (
            "hello reply: M2 whose rate rule is a minimum interval (profile byte 6 = 0x85: bit 7 and 5 votes a minute)",
            42,
            Message::Reply(Reply::Hello {
                version: 1,
                profile: MachineProfile { rate_rule: evm_sim::RateRule::MinimumInterval, ..MachineProfile::m2() },
                capabilities: 0,
                serial_number: *b"VENDOR-CU-78    ",
            }),
        ),
        (
            "state: on, memory inconsistent (MEMORY ERROR), 3 candidates, total 2",
            41,
            Message::Reply(Reply::State(StateReport {
                lamps: Lamps { on: true, busy: false, ready: false },
                powered: true,
                closed: false,
                ballot_enabled: false,
                fail_safe: false,
                result_seal: ResultSeal::Intact,
                memory_inconsistent: true,
                candidates: 3,
                total: 2,
                display: DisplayText::from_text("MEMORY ERROR COUNTS_DIFFER_FROM_TOTAL"),
            })),
        ),
        ("event: vote recorded (never the candidate)", 0, Message::Reply(Reply::Event(BoardEvent::VoteRecorded))),
        ("event: long beep", 0, Message::Reply(Reply::Event(BoardEvent::LongBeep))),
        ("event: refused, closed", 0, Message::Reply(Reply::Event(BoardEvent::Refused(Refusal::Closed)))),
        ("event: display changed", 0, Message::Reply(Reply::Event(BoardEvent::DisplayChanged))),
    ]);
    // Every refusal code of section 3.9, in an INPUT_REPLY, with example arguments.
    for (index, refusal) in every_refusal().into_iter().enumerate() {
        vectors.push((
            refusal.code(),
            100 + index as u16,
            Message::Reply(Reply::Input(InputOutcome {
                refusal: Some(refusal),
                votes_recorded: 0,
                candidate_disclosed: false,
                lamps: Lamps { on: true, busy: false, ready: false },
                total: 0,
                display: DisplayText::from_text("INVALID"),
            })),
        ));
    }
    vectors
}

/// One of each refusal, in code order (1 to 30), with example arguments.
fn every_refusal() -> Vec<Refusal> {
    vec![
        Refusal::PoweredOff,
        Refusal::FailSafe,
        Refusal::CandidateSetSealed,
        Refusal::TooManyCandidates { candidates: 70, maximum: 63 },
        Refusal::NoCandidates,
        Refusal::CandidatesExceedAttachedUnits { candidates: 20, needed: 2 },
        Refusal::CandidatesNotSet,
        Refusal::CandidateSetNotSealed,
        Refusal::BallotingUnitSetMismatch,
        Refusal::PositionTaken { position: 2 },
        Refusal::PositionOutOfRange { position: 5 },
        Refusal::BallotingUnitNotAttached { position: 1 },
        Refusal::BallotAlreadyEnabled,
        Refusal::BallotNotEnabled,
        Refusal::MaskedButton { position: 1, button: 7 },
        Refusal::TwoButtonsAtOnce,
        Refusal::ButtonHeldAtPowerOn,
        Refusal::Closed,
        Refusal::AlreadyClosed,
        Refusal::ResultSealIntact,
        Refusal::ResultBeforeClose,
        Refusal::ClearBeforeResult,
        Refusal::SealAlreadyFixed,
        Refusal::NoIntactSeal,
        Refusal::MemoryFull { capacity: 70_000 },
        Refusal::RateLimited { votes_per_minute: 5 },
        Refusal::BatteryExhausted,
        Refusal::AlreadyOn,
        Refusal::VotesInMemory,
        Refusal::MemoryInconsistent,
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect::<Vec<_>>().join(" ")
}

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol-vectors.txt")
}

fn render() -> String {
    let mut text = String::from(
        "# Golden vectors of the EVM serial protocol, version 1 (docs/PROTOCOL.md).\n\
         # Each vector: a name, the direction, the request id, the decoded meaning\n\
         # (as this implementation prints it), the unstuffed frame, and the wire\n\
         # bytes (COBS-stuffed frame followed by the 0x00 delimiter), all in hex.\n\
         # Checked in both directions by sim/tests/it/protocol.rs; UPDATE_VECTORS=1\n\
         # rewrites this file (review the diff: a change here breaks every board).\n",
    );
    for (name, request_id, message) in vectors() {
        let (direction, meaning, wire) = match &message {
            Message::Request(request) => ("host -> board", format!("{request:?}"), request_frame(request_id, request)),
            Message::Reply(reply) => ("board -> host", format!("{reply:?}"), reply_frame(request_id, reply)),
        };
        let mut frame = Vec::new();
        evm_sim::protocol::cobs::decode(&wire[..wire.len() - 1], &mut frame).unwrap();
        let _ = write!(
            text,
            "\nname: {name}\ndirection: {direction}\nrequest_id: {request_id}\nmeaning: {meaning}\nframe: {}\nwire: {}\n",
            hex(&frame),
            hex(&wire)
        );
    }
    text
}

#[test]
fn the_golden_vectors_hold_in_both_directions() {
    let rendered = render();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(vectors_path(), &rendered).unwrap();
    }
    let file = std::fs::read_to_string(vectors_path()).expect("docs/protocol-vectors.txt");
    // Encoding: the messages built here give exactly the file's bytes.
    assert_eq!(file, rendered, "encoding differs from docs/protocol-vectors.txt");
    // Decoding: every wire line of the file decodes to its meaning line.
    let mut meaning = String::new();
    let mut direction = String::new();
    let mut checked = 0;
    for line in file.lines() {
        if let Some(value) = line.strip_prefix("direction: ") {
            direction = value.to_owned();
        } else if let Some(value) = line.strip_prefix("meaning: ") {
            meaning = value.to_owned();
        } else if let Some(value) = line.strip_prefix("wire: ") {
            let bytes: Vec<u8> = value.split(' ').map(|pair| u8::from_str_radix(pair, 16).unwrap()).collect();
            let mut accumulator = evm_sim::protocol::frame::FrameAccumulator::new();
            let evm_sim::protocol::frame::Feed::Frame { frame, rest } = accumulator.feed(&bytes) else {
                panic!("{value} is not one frame")
            };
            assert!(rest.is_empty());
            let decoded = if direction == "host -> board" {
                format!("{:?}", Request::parse(frame.kind(), frame.payload()).unwrap())
            } else {
                format!("{:?}", Reply::parse(frame.kind(), frame.payload()).unwrap())
            };
            assert_eq!(decoded, meaning);
            checked += 1;
        }
    }
    assert_eq!(checked, vectors().len());
}

/// Host and board through two faulty directions; the host resends the same
/// bytes until the reply with its request id arrives.
struct FaultyBench {
    host: HostSession,
    board: Board,
    to_board: FaultInjector,
    to_host: FaultInjector,
    now: Timestamp,
    retransmissions: u64,
}

const MAX_ATTEMPTS: usize = 200;

impl FaultyBench {
    fn call(&mut self, request: &Request) -> Reply {
        let (request_id, wire) = self.host.request(request);
        for _ in 0..MAX_ATTEMPTS {
            let mut sent = Vec::new();
            self.to_board.pass(&wire, &mut sent);
            self.to_board.flush(&mut sent);
            let mut answer = Vec::new();
            self.board.receive(self.now, &sent, &mut answer);
            let mut delivered = Vec::new();
            self.to_host.pass(&answer, &mut delivered);
            self.to_host.flush(&mut delivered);
            let mut received = Vec::new();
            self.host.receive(&delivered, &mut received);
            for item in received {
                if let Received::Reply { request_id: id, reply } = item {
                    if id == request_id {
                        return reply;
                    }
                }
            }
            // Timeout: resend the same bytes.
            self.retransmissions += 1;
        }
        panic!("no reply to request {request_id} after {MAX_ATTEMPTS} attempts");
    }

    fn input(&mut self, input: Input) -> InputOutcome {
        self.now = self.now.plus_milliseconds(1);
        match self.call(&Request::Input { at: self.now, input }) {
            Reply::Input(outcome) => outcome,
            other => panic!("{input:?}: {other:?}"),
        }
    }
}

#[test]
fn a_hundred_thousand_presses_through_a_faulty_link_lose_and_double_nothing() {
    let seed = std::env::var("FAULT_SEED").ok().and_then(|seed| seed.parse().ok()).unwrap_or(0x5EED_0001);
    println!("fault injection seed {seed} (FAULT_SEED={seed} replays it)");
    let rates = FaultRates { drop_per_million: 10_000, corrupt_per_million: 10_000, ..FaultRates::default() };
    let profile = MachineProfile { vote_capacity: 3_840, rate_limit_votes_per_minute: None, ..MachineProfile::m2() };
    let mut bench = FaultyBench {
        host: HostSession::new(),
        board: Board::new(profile, Defects::NONE, "EVM-SIM-FAULTS", true),
        to_board: FaultInjector::new(rates, seed),
        to_host: FaultInjector::new(rates, seed.rotate_left(17) ^ 0xA5A5),
        now: Timestamp::from_clock(7, 0, 0),
        retransmissions: 0,
    };
    for input in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 5 },
        Input::SealCandidateSetSection,
    ] {
        assert_eq!(bench.input(input).refusal, None, "seed {seed}: {input:?}");
    }
    let votes_per_cycle = 1_000u32;
    let mut presses = 0u64;
    for cycle in 0..50u32 {
        let mut intended = vec![0u32; 6];
        for vote in 0..votes_per_cycle {
            let entry = ((vote * 7 + cycle) % 6) as u16 + 1;
            let ballot = bench.input(Input::Ballot);
            assert_eq!(
                ballot.refusal, None,
                "seed {seed}: cycle {cycle} vote {vote}: Ballot refused: a retransmission executed twice?"
            );
            let press = bench.input(Input::PressButton { address: ButtonAddress::of_ballot_entry(entry).unwrap() });
            assert_eq!((press.refusal, press.votes_recorded), (None, 1), "seed {seed}: cycle {cycle} vote {vote}");
            intended[usize::from(entry - 1)] += 1;
            presses += 2;
        }
        bench.input(Input::Close);
        bench.input(Input::Result);
        let Reply::Result { total, counts } = bench.call(&Request::ReadResult) else {
            panic!("seed {seed}: no result")
        };
        assert_eq!((total, &counts), (votes_per_cycle, &intended), "seed {seed}: cycle {cycle}");
        bench.input(Input::Clear);
    }
    assert!(presses >= 100_000);
    let faults = (bench.to_board.counts, bench.to_host.counts);
    println!("{presses} presses, {} retransmissions, faults {faults:?}", bench.retransmissions);
    assert!(bench.retransmissions > 1_000, "the link must actually have been faulty");
    assert!(bench.board.protocol_errors > 1_000);
}

#[test]
fn garbage_never_crashes_the_board_nor_changes_its_state() {
    let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0002", true);
    let mut random = evm_sim::protocol::faults::SplitMix64::new(42);
    let mut out = Vec::new();
    for round in 0..2_000 {
        let length = (random.next_u64() % 300) as usize;
        let garbage: Vec<u8> = (0..length).map(|_| random.next_u64() as u8).collect();
        board.receive(Timestamp::ZERO, &garbage, &mut out);
        assert!(!board.unit().is_powered() && board.unit().total() == 0, "round {round} changed the unit");
    }
    // Oversized, wrong CRC, wrong version: each answered with a NACK, no state change.
    let mut host = HostSession::new();
    let (_, mut wire) =
        host.request(&Request::Input { at: Timestamp::ZERO, input: Input::PowerOn { held_button: None } });
    let crc_byte = wire.len() - 2;
    wire[crc_byte] ^= 0x40;
    out.clear();
    board.receive(Timestamp::ZERO, &wire, &mut out);
    let mut received = Vec::new();
    host.receive(&out, &mut received);
    assert_eq!(received, vec![Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::CorruptFrame) }]);
    assert!(!board.unit().is_powered());
    let mut wrong_version = vec![2u8, 0x02, 1, 0, 0, 0];
    let crc = evm_sim::protocol::frame::crc32(&wrong_version);
    wrong_version.extend_from_slice(&crc.to_le_bytes());
    let mut stuffed = Vec::new();
    evm_sim::protocol::cobs::encode(&wrong_version, &mut stuffed);
    stuffed.push(0);
    out.clear();
    board.receive(Timestamp::ZERO, &stuffed, &mut out);
    received.clear();
    host.receive(&out, &mut received);
    // Answered with the frame's own request id (1), as docs/PROTOCOL.md 2.3 says.
    assert_eq!(received, vec![Received::Reply { request_id: 1, reply: Reply::Nack(NackReason::UnsupportedVersion) }]);
    // One overfull block, one NACK, sent at the block's delimiter.
    out.clear();
    board.receive(Timestamp::ZERO, &vec![0x33; 10_000], &mut out);
    assert!(out.is_empty(), "an overfull block is answered at its delimiter");
    board.receive(Timestamp::ZERO, &[0], &mut out);
    received.clear();
    host.receive(&out, &mut received);
    assert_eq!(received, vec![Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::CorruptFrame) }]);
    assert!(!board.unit().is_powered());
    // A million delimiters in a row (empty blocks) are skipped without a word.
    out.clear();
    board.receive(Timestamp::ZERO, &vec![0; 1_000_000], &mut out);
    assert!(out.is_empty());
}

#[test]
fn the_result_is_refused_over_the_wire_while_sealed() {
    let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0003", true);
    let mut host = HostSession::new();
    let mut call = |request: Request| {
        let (id, wire) = host.request(&request);
        let mut out = Vec::new();
        board.receive(Timestamp::ZERO, &wire, &mut out);
        let mut received = Vec::new();
        host.receive(&out, &mut received);
        received.into_iter().find_map(|item| match item {
            Received::Reply { request_id, reply } if request_id == id => Some(reply),
            _ => None,
        })
    };
    for input in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 2 },
        Input::SealCandidateSetSection,
        Input::FixResultSeal,
        Input::Ballot,
        Input::PressButton { address: ButtonAddress { balloting_unit: 1, button: 1 } },
        Input::Close,
        Input::Result,
    ] {
        call(Request::Input { at: Timestamp::ZERO, input });
    }
    assert_eq!(call(Request::ReadResult), Some(Reply::Nack(NackReason::ResultRefused(Refusal::ResultSealIntact))));
}

#[test]
fn a_resent_request_is_answered_from_memory_but_a_new_request_with_a_reused_id_is_executed() {
    let profile = MachineProfile { rate_limit_votes_per_minute: None, ..MachineProfile::m2() };
    let mut board = Board::new(profile, Defects::NONE, "EVM-SIM-0004", true);
    let mut exchange = |wire: &[u8]| {
        let mut out = Vec::new();
        board.receive(Timestamp::ZERO, wire, &mut out);
        out
    };
    for (id, input) in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 3 },
        Input::SealCandidateSetSection,
        Input::Ballot,
    ]
    .into_iter()
    .enumerate()
    {
        exchange(&request_frame(id as u16 + 1, &Request::Input { at: Timestamp::ZERO, input }));
    }
    let press = request_frame(
        100,
        &Request::Input {
            at: Timestamp::ZERO,
            input: Input::PressButton { address: ButtonAddress { balloting_unit: 1, button: 1 } },
        },
    );
    let first = exchange(&press);
    let again = exchange(&press);
    assert!(again.starts_with(&reply_frame(
        100,
        &Reply::Input(InputOutcome {
            refusal: None,
            votes_recorded: 1,
            candidate_disclosed: false,
            lamps: Lamps { on: true, busy: false, ready: false },
            total: 1,
            display: DisplayText::from_text("EVM IS READY"),
        })
    )));
    assert!(first.starts_with(&again), "the resend gets the same reply");
    // Same id, other bytes: a new request, executed (here: Ballot, accepted).
    let reused =
        exchange(&request_frame(100, &Request::Input { at: Timestamp::from_milliseconds(1), input: Input::Ballot }));
    let mut host = HostSession::new();
    let mut received = Vec::new();
    host.receive(&reused, &mut received);
    let Some(Received::Reply { reply: Reply::Input(outcome), .. }) = received.first() else { panic!("{received:?}") };
    assert_eq!((outcome.refusal, outcome.lamps.busy), (None, true), "the new request with a reused id must run");
}

/// Profile byte 6: bits 0-4 the votes a minute, bit 7 the minimum-interval
/// rule; bits 5-6 set, or the rule bit with no limit, are malformed.
#[test]
fn the_rate_byte_of_a_profile_carries_the_rule_and_nothing_else() {
    let hello = Reply::Hello {
        version: 1,
        profile: MachineProfile { rate_rule: evm_sim::RateRule::MinimumInterval, ..MachineProfile::m2() },
        capabilities: 0,
        serial_number: *b"VENDOR-CU-78    ",
    };
    let (kind, payload) = hello.encode();
    // version, then the profile: name, units, capacity (4), rate.
    const RATE: usize = 1 + 6;
    assert_eq!(payload[RATE], 0x85);
    assert_eq!(Reply::parse(kind, &payload).expect("decodes"), hello);
    for bad in [0x25, 0x45, 0x80] {
        let mut bytes = payload.clone();
        bytes[RATE] = bad;
        assert!(Reply::parse(kind, &bytes).is_err(), "rate byte {bad:#04x} decoded");
    }
}
