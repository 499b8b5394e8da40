//! Messages: the typed layer, parsed from a checked frame's kind and payload
//! ("parse, don't validate"). Byte tables in docs/PROTOCOL.md section 3.

use crate::defects::Defects;
use crate::display::DisplayText;
use crate::prelude::*;
use crate::profile::{MachineProfile, MAX_BALLOT_BUTTONS};
use crate::rule::Refusal;
use crate::time::Timestamp;
use crate::unit::{Input, Lamps, ResultSeal};

mod fields;
mod refusal_code;
use fields::{
    encode_display, encode_input, encode_lamps, encode_profile, parse_display, parse_input, parse_lamps, parse_profile,
    Reader,
};
use refusal_code::{encode_refusal, parse_refusal};

/// Message kinds, host to board.
pub mod kind {
    pub const HELLO: u8 = 0x01;
    pub const INPUT: u8 = 0x02;
    pub const READ_STATE: u8 = 0x03;
    pub const READ_RESULT: u8 = 0x04;
    pub const TEST_START_MACHINE: u8 = 0x10;
    /// Board to host.
    pub const HELLO_REPLY: u8 = 0x81;
    pub const INPUT_REPLY: u8 = 0x82;
    pub const STATE_REPLY: u8 = 0x83;
    pub const RESULT_REPLY: u8 = 0x84;
    pub const OK: u8 = 0x90;
    pub const EVENT: u8 = 0xE0;
    pub const NACK: u8 = 0xFF;
}

/// Length of the unit serial number in the hello reply, ASCII, space-padded.
pub const SERIAL_NUMBER_BYTES: usize = 16;

/// Capabilities a board announces in its hello reply (docs/PROTOCOL.md 3.1).
pub mod capability {
    /// Test mode: accepts `TEST_START_MACHINE` and takes its clock from each
    /// `INPUT`'s `at_ms`.
    pub const TEST_MODE: u8 = 0b0000_0001;
    /// Seeded defects switchable per trace: `TEST_START_MACHINE` may carry
    /// non-zero `defects` (simulated boards only; never without bit 0). A
    /// board started with defects but no test mode carries them without
    /// announcing this bit: it cannot switch them.
    pub const SEEDED_DEFECTS: u8 = 0b0000_0010;
    /// Every bit this version defines; the others are zero.
    pub const ALL: u8 = TEST_MODE | SEEDED_DEFECTS;
}

/// A host's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Hello { highest_version: u8 },
    Input { at: Timestamp, input: Input },
    ReadState,
    ReadResult,
    TestStartMachine { profile: MachineProfile, defects: Defects },
}

/// Why a request was not carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NackReason {
    #[error("the payload is malformed for its kind")]
    Malformed,
    #[error("unknown message kind")]
    UnknownKind,
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    #[error("not in test mode")]
    NotInTestMode,
    #[error("the result is not readable: {0}")]
    ResultRefused(Refusal),
    #[error("no machine started")]
    NoMachine,
    #[error("a corrupt frame was received")]
    CorruptFrame,
    #[error("the unit's memory could not be made durable; the unit stopped")]
    MemoryFault,
    #[error("unknown reason code {0}")]
    Unknown(u8),
}

/// A board's reply or event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Hello {
        version: u8,
        profile: MachineProfile,
        capabilities: u8,
        serial_number: [u8; SERIAL_NUMBER_BYTES],
    },
    Input(InputOutcome),
    State(StateReport),
    Result {
        total: u32,
        counts: Vec<u32>,
    },
    Ok,
    /// Unsolicited: request id 0.
    Event(BoardEvent),
    Nack(NackReason),
}

/// What one input did, as seen from outside: the whole observation in one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputOutcome {
    pub refusal: Option<Refusal>,
    pub votes_recorded: u8,
    pub candidate_disclosed: bool,
    pub lamps: Lamps,
    pub total: u32,
    pub display: DisplayText,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateReport {
    pub lamps: Lamps,
    pub powered: bool,
    pub closed: bool,
    pub ballot_enabled: bool,
    pub fail_safe: bool,
    pub result_seal: ResultSeal,
    /// The memory does not add up: the memory-fault state (flag bit 6).
    pub memory_inconsistent: bool,
    pub candidates: u16,
    pub total: u32,
    pub display: DisplayText,
}

/// Unsolicited events. A vote recorded never names its candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardEvent {
    VoteRecorded,
    LongBeep,
    DisplayChanged,
    Refused(Refusal),
    Unknown(u8),
}

/// Why a payload is not a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("unknown message kind 0x{0:02x}")]
    UnknownKind(u8),
    #[error("payload of kind 0x{kind:02x}: {what}")]
    Malformed { kind: u8, what: &'static str },
}

impl Request {
    /// The kind and payload of this request.
    // Longer than 70 lines on purpose: the encoder's dispatcher: one arm a message kind, mirroring
    // `parse`.
    pub fn encode(&self) -> (u8, Vec<u8>) {
        let mut payload = Vec::new();
        let kind = match self {
            Request::Hello { highest_version } => {
                payload.push(*highest_version);
                kind::HELLO
            }
            Request::Input { at, input } => {
                payload.extend_from_slice(&at.milliseconds().to_le_bytes());
                encode_input(input, &mut payload);
                kind::INPUT
            }
            Request::ReadState => kind::READ_STATE,
            Request::ReadResult => kind::READ_RESULT,
            Request::TestStartMachine { profile, defects } => {
                encode_profile(profile, &mut payload);
                payload.extend_from_slice(&defects.bits().to_le_bytes());
                kind::TEST_START_MACHINE
            }
        };
        (kind, payload)
    }

    // Longer than 70 lines on purpose: the parser's dispatcher: one arm a message kind
    // (docs/PROTOCOL.md section 3).
    pub fn parse(kind_byte: u8, payload: &[u8]) -> Result<Request, MessageError> {
        let mut reader = Reader { bytes: payload, kind: kind_byte };
        let request = match kind_byte {
            kind::HELLO => Request::Hello { highest_version: reader.u8()? },
            kind::INPUT => {
                Request::Input { at: Timestamp::from_milliseconds(reader.u64()?), input: parse_input(&mut reader)? }
            }
            kind::READ_STATE => Request::ReadState,
            kind::READ_RESULT => Request::ReadResult,
            kind::TEST_START_MACHINE => {
                let profile = parse_profile(&mut reader)?;
                let defects = Defects::from_bits(reader.u32()?).ok_or(reader.malformed("unknown defect bits"))?;
                Request::TestStartMachine { profile, defects }
            }
            other => return Err(MessageError::UnknownKind(other)),
        };
        reader.end()?;
        Ok(request)
    }
}

impl Reply {
    /// The reply in words, for a message a person reads (never `Debug`).
    pub fn describe(&self) -> String {
        match self {
            Reply::Hello { version, profile, .. } => {
                format!("HELLO_REPLY (protocol version {version}, {})", profile.describe())
            }
            Reply::Input(outcome) => match outcome.refusal {
                Some(refusal) => format!("INPUT_REPLY refusing it: {refusal}"),
                None => "INPUT_REPLY".to_owned(),
            },
            Reply::State(_) => "STATE_REPLY".to_owned(),
            Reply::Result { total, counts } => format!("RESULT_REPLY (total {total}, {} counts)", counts.len()),
            Reply::Ok => "OK".to_owned(),
            Reply::Event(_) => "an unsolicited EVENT".to_owned(),
            Reply::Nack(reason) => format!("NACK: {reason}"),
        }
    }
}

impl Reply {
    // Longer than 70 lines on purpose: the encoder's dispatcher: one arm a message kind, mirroring `parse`.
    pub fn encode(&self) -> (u8, Vec<u8>) {
        let mut payload = Vec::new();
        let kind = match self {
            Reply::Hello { version, profile, capabilities, serial_number } => {
                payload.push(*version);
                encode_profile(profile, &mut payload);
                payload.push(*capabilities);
                payload.extend_from_slice(serial_number);
                kind::HELLO_REPLY
            }
            Reply::Input(outcome) => {
                encode_refusal(outcome.refusal, &mut payload);
                payload.push(outcome.votes_recorded);
                payload.push(u8::from(outcome.candidate_disclosed));
                payload.push(encode_lamps(outcome.lamps));
                payload.extend_from_slice(&outcome.total.to_le_bytes());
                encode_display(&outcome.display, &mut payload);
                kind::INPUT_REPLY
            }
            Reply::State(state) => {
                payload.push(encode_lamps(state.lamps));
                let seal = match state.result_seal {
                    ResultSeal::NotFixed => 0,
                    ResultSeal::Intact => 1,
                    ResultSeal::Broken => 2,
                };
                payload.push(
                    u8::from(state.powered)
                        | u8::from(state.closed) << 1
                        | u8::from(state.ballot_enabled) << 2
                        | u8::from(state.fail_safe) << 3
                        | seal << 4
                        | u8::from(state.memory_inconsistent) << 6,
                );
                payload.extend_from_slice(&state.candidates.to_le_bytes());
                payload.extend_from_slice(&state.total.to_le_bytes());
                encode_display(&state.display, &mut payload);
                kind::STATE_REPLY
            }
            Reply::Result { total, counts } => {
                // One allocation for up to 1,542 bytes, not eight doublings.
                payload.reserve(6 + 4 * counts.len());
                payload.extend_from_slice(&total.to_le_bytes());
                payload.extend_from_slice(&(counts.len() as u16).to_le_bytes());
                for count in counts {
                    payload.extend_from_slice(&count.to_le_bytes());
                }
                kind::RESULT_REPLY
            }
            Reply::Ok => kind::OK,
            Reply::Event(event) => {
                match event {
                    BoardEvent::VoteRecorded => payload.push(1),
                    BoardEvent::LongBeep => payload.push(2),
                    BoardEvent::DisplayChanged => payload.push(3),
                    BoardEvent::Refused(refusal) => {
                        payload.push(4);
                        encode_refusal(Some(*refusal), &mut payload);
                    }
                    BoardEvent::Unknown(code) => payload.push(*code),
                }
                kind::EVENT
            }
            Reply::Nack(reason) => {
                match reason {
                    NackReason::Malformed => payload.push(1),
                    NackReason::UnknownKind => payload.push(2),
                    NackReason::UnsupportedVersion => payload.push(3),
                    NackReason::NotInTestMode => payload.push(4),
                    NackReason::ResultRefused(refusal) => {
                        payload.push(5);
                        encode_refusal(Some(*refusal), &mut payload);
                    }
                    NackReason::NoMachine => payload.push(6),
                    NackReason::CorruptFrame => payload.push(7),
                    NackReason::MemoryFault => payload.push(8),
                    NackReason::Unknown(code) => payload.push(*code),
                }
                kind::NACK
            }
        };
        (kind, payload)
    }

    // Longer than 70 lines on purpose: the parser's dispatcher: one arm a message kind (docs/PROTOCOL.md section 3).
    pub fn parse(kind_byte: u8, payload: &[u8]) -> Result<Reply, MessageError> {
        let mut reader = Reader { bytes: payload, kind: kind_byte };
        let reply = match kind_byte {
            kind::HELLO_REPLY => {
                let version = reader.u8()?;
                let profile = parse_profile(&mut reader)?;
                let capabilities = reader.u8()?;
                if capabilities & !capability::ALL != 0 {
                    return Err(reader.malformed("capability bits 2 to 7 are not zero"));
                }
                let mut serial_number = [0; SERIAL_NUMBER_BYTES];
                serial_number.copy_from_slice(reader.take(SERIAL_NUMBER_BYTES)?);
                Reply::Hello { version, profile, capabilities, serial_number }
            }
            kind::INPUT_REPLY => {
                let refusal = parse_refusal(&mut reader)?;
                let votes_recorded = reader.u8()?;
                let candidate_disclosed = match reader.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(reader.malformed("candidate_disclosed is not 0 or 1")),
                };
                let lamps = {
                    let bits = reader.u8()?;
                    parse_lamps(&reader, bits)?
                };
                let total = reader.u32()?;
                let display = parse_display(&mut reader)?;
                Reply::Input(InputOutcome { refusal, votes_recorded, candidate_disclosed, lamps, total, display })
            }
            kind::STATE_REPLY => {
                let lamps = {
                    let bits = reader.u8()?;
                    parse_lamps(&reader, bits)?
                };
                let flags = reader.u8()?;
                if flags & 0b1000_0000 != 0 {
                    return Err(reader.malformed("state flag bit 7 is not zero"));
                }
                let result_seal = match (flags >> 4) & 0b11 {
                    0 => ResultSeal::NotFixed,
                    1 => ResultSeal::Intact,
                    2 => ResultSeal::Broken,
                    _ => return Err(reader.malformed("seal state is not 0, 1 or 2")),
                };
                let candidates = reader.u16()?;
                let total = reader.u32()?;
                let display = parse_display(&mut reader)?;
                Reply::State(StateReport {
                    lamps,
                    powered: flags & 1 != 0,
                    closed: flags & 2 != 0,
                    ballot_enabled: flags & 4 != 0,
                    fail_safe: flags & 8 != 0,
                    result_seal,
                    memory_inconsistent: flags & 0b0100_0000 != 0,
                    candidates,
                    total,
                    display,
                })
            }
            kind::RESULT_REPLY => {
                let total = reader.u32()?;
                let entries = usize::from(reader.u16()?);
                if entries > MAX_BALLOT_BUTTONS {
                    return Err(reader.malformed("more counts than ballot buttons"));
                }
                let mut counts = Vec::with_capacity(entries);
                for _ in 0..entries {
                    counts.push(reader.u32()?);
                }
                Reply::Result { total, counts }
            }
            kind::OK => Reply::Ok,
            kind::EVENT => Reply::Event(match reader.u8()? {
                1 => BoardEvent::VoteRecorded,
                2 => BoardEvent::LongBeep,
                3 => BoardEvent::DisplayChanged,
                4 => BoardEvent::Refused(
                    parse_refusal(&mut reader)?.ok_or(reader.malformed("refused event without a refusal"))?,
                ),
                code => BoardEvent::Unknown(code),
            }),
            kind::NACK => Reply::Nack(match reader.u8()? {
                1 => NackReason::Malformed,
                2 => NackReason::UnknownKind,
                3 => NackReason::UnsupportedVersion,
                4 => NackReason::NotInTestMode,
                5 => NackReason::ResultRefused(
                    parse_refusal(&mut reader)?.ok_or(reader.malformed("result refused without a refusal"))?,
                ),
                6 => NackReason::NoMachine,
                7 => NackReason::CorruptFrame,
                8 => NackReason::MemoryFault,
                code => NackReason::Unknown(code),
            }),
            other => return Err(MessageError::UnknownKind(other)),
        };
        reader.end()?;
        Ok(reply)
    }
}
