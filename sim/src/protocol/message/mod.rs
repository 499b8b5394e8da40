//! Messages: the typed layer, parsed from a checked frame's kind and payload
//! ("parse, don't validate"). Byte tables in docs/PROTOCOL.md section 3.

use crate::defects::Defects;
use crate::display::DisplayText;
use crate::profile::{
    MachineProfile, ProfileName, BUTTONS_PER_BALLOTING_UNIT, MAX_BALLOTING_UNITS, MAX_BALLOT_BUTTONS,
};
use crate::rule::Refusal;
use crate::time::Timestamp;
use crate::unit::{ButtonAddress, Input, Lamps, ResultSeal};

mod refusal_code;
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

/// A cursor over a payload: every read checks the length first.
struct Reader<'bytes> {
    bytes: &'bytes [u8],
    kind: u8,
}

impl<'bytes> Reader<'bytes> {
    fn take(&mut self, count: usize) -> Result<&'bytes [u8], MessageError> {
        if self.bytes.len() < count {
            return Err(MessageError::Malformed { kind: self.kind, what: "too short" });
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, MessageError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, MessageError> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }
    fn u32(&mut self) -> Result<u32, MessageError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
    fn u64(&mut self) -> Result<u64, MessageError> {
        let bytes = self.take(8)?;
        let mut array = [0; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }
    fn end(&self) -> Result<(), MessageError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(MessageError::Malformed { kind: self.kind, what: "trailing bytes" })
        }
    }
    fn malformed(&self, what: &'static str) -> MessageError {
        MessageError::Malformed { kind: self.kind, what }
    }
}

// ------------------------------------------------------------------ inputs --

/// Input codes (docs/PROTOCOL.md section 3.2).
mod input_code {
    pub const CAND_SET: u8 = 0x01;
    pub const SEAL_CANDIDATE_SET_SECTION: u8 = 0x02;
    pub const BALLOT: u8 = 0x03;
    pub const TOTAL: u8 = 0x04;
    pub const CLOSE: u8 = 0x05;
    pub const RESULT: u8 = 0x06;
    pub const CLEAR: u8 = 0x07;
    pub const FIX_RESULT_SEAL: u8 = 0x08;
    pub const BREAK_RESULT_SEAL: u8 = 0x09;
    pub const ATTACH_BALLOTING_UNIT: u8 = 0x0A;
    pub const DETACH_BALLOTING_UNIT: u8 = 0x0B;
    pub const PRESS_BUTTON: u8 = 0x0C;
    pub const PRESS_TWO_BUTTONS: u8 = 0x0D;
    pub const POWER_OFF: u8 = 0x0E;
    pub const POWER_ON: u8 = 0x0F;
    pub const BATTERY_LEVEL: u8 = 0x10;
    pub const OPEN_CASE: u8 = 0x11;
}

fn encode_input(input: &Input, out: &mut Vec<u8>) {
    use input_code::*;
    match *input {
        Input::CandSet { candidates } => {
            out.push(CAND_SET);
            out.extend_from_slice(&candidates.to_le_bytes());
        }
        Input::SealCandidateSetSection => out.push(SEAL_CANDIDATE_SET_SECTION),
        Input::Ballot => out.push(BALLOT),
        Input::Total => out.push(TOTAL),
        Input::Close => out.push(CLOSE),
        Input::Result => out.push(RESULT),
        Input::Clear => out.push(CLEAR),
        Input::FixResultSeal => out.push(FIX_RESULT_SEAL),
        Input::BreakResultSeal => out.push(BREAK_RESULT_SEAL),
        Input::AttachBallotingUnit { position } => out.extend_from_slice(&[ATTACH_BALLOTING_UNIT, position]),
        Input::DetachBallotingUnit { position } => out.extend_from_slice(&[DETACH_BALLOTING_UNIT, position]),
        Input::PressButton { address } => {
            out.extend_from_slice(&[PRESS_BUTTON, address.balloting_unit, address.button])
        }
        Input::PressTwoButtons { first, second } => out.extend_from_slice(&[
            PRESS_TWO_BUTTONS,
            first.balloting_unit,
            first.button,
            second.balloting_unit,
            second.button,
        ]),
        Input::PowerOff => out.push(POWER_OFF),
        Input::PowerOn { held_button: None } => out.extend_from_slice(&[POWER_ON, 0, 0, 0]),
        Input::PowerOn { held_button: Some(address) } => {
            out.extend_from_slice(&[POWER_ON, 1, address.balloting_unit, address.button])
        }
        Input::BatteryLevel { percent } => out.extend_from_slice(&[BATTERY_LEVEL, percent]),
        Input::OpenCase => out.push(OPEN_CASE),
    }
}

fn parse_input(reader: &mut Reader<'_>) -> Result<Input, MessageError> {
    use input_code::*;
    // Arguments outside the ranges this document gives (section 3.2) are
    // malformed, like any other meaningless byte: a balloting unit or a
    // position is 1 to 24, a button 1 to 16, a battery 0 to 100 %. Inside
    // those ranges the unit decides (a position past the profile's units, a
    // masked button).
    let position = |reader: &mut Reader<'_>| -> Result<u8, MessageError> {
        let position = reader.u8()?;
        if position == 0 || position > MAX_BALLOTING_UNITS {
            return Err(reader.malformed("balloting unit position is not 1 to 24"));
        }
        Ok(position)
    };
    let address = |reader: &mut Reader<'_>| -> Result<ButtonAddress, MessageError> {
        let balloting_unit = position(reader)?;
        let button = reader.u8()?;
        if button == 0 || u16::from(button) > BUTTONS_PER_BALLOTING_UNIT {
            return Err(reader.malformed("button is not 1 to 16"));
        }
        Ok(ButtonAddress { balloting_unit, button })
    };
    Ok(match reader.u8()? {
        CAND_SET => Input::CandSet { candidates: reader.u16()? },
        SEAL_CANDIDATE_SET_SECTION => Input::SealCandidateSetSection,
        BALLOT => Input::Ballot,
        TOTAL => Input::Total,
        CLOSE => Input::Close,
        RESULT => Input::Result,
        CLEAR => Input::Clear,
        FIX_RESULT_SEAL => Input::FixResultSeal,
        BREAK_RESULT_SEAL => Input::BreakResultSeal,
        ATTACH_BALLOTING_UNIT => Input::AttachBallotingUnit { position: position(reader)? },
        DETACH_BALLOTING_UNIT => Input::DetachBallotingUnit { position: position(reader)? },
        PRESS_BUTTON => Input::PressButton { address: address(reader)? },
        PRESS_TWO_BUTTONS => Input::PressTwoButtons { first: address(reader)?, second: address(reader)? },
        POWER_OFF => Input::PowerOff,
        POWER_ON => match reader.u8()? {
            0 => {
                if reader.u16()? != 0 {
                    return Err(reader.malformed("power_on without a held button carries a button"));
                }
                Input::PowerOn { held_button: None }
            }
            1 => Input::PowerOn { held_button: Some(address(reader)?) },
            _ => return Err(reader.malformed("power_on held flag is not 0 or 1")),
        },
        BATTERY_LEVEL => match reader.u8()? {
            percent @ 0..=100 => Input::BatteryLevel { percent },
            _ => return Err(reader.malformed("battery level is not 0 to 100")),
        },
        OPEN_CASE => Input::OpenCase,
        _ => return Err(reader.malformed("unknown input code")),
    })
}

// ------------------------------------------------------------ small parts --

fn encode_lamps(lamps: Lamps) -> u8 {
    u8::from(lamps.on) | u8::from(lamps.busy) << 1 | u8::from(lamps.ready) << 2
}

fn parse_lamps(reader: &Reader<'_>, bits: u8) -> Result<Lamps, MessageError> {
    if bits & !0b111 != 0 {
        return Err(reader.malformed("lamp bits 3 to 7 are not zero"));
    }
    Ok(Lamps { on: bits & 1 != 0, busy: bits & 2 != 0, ready: bits & 4 != 0 })
}

fn encode_display(display: &DisplayText, out: &mut Vec<u8>) {
    let text = display.as_str().as_bytes();
    out.push(text.len() as u8);
    out.extend_from_slice(text);
}

fn parse_display(reader: &mut Reader<'_>) -> Result<DisplayText, MessageError> {
    let length = usize::from(reader.u8()?);
    let bytes = reader.take(length)?;
    let text = std::str::from_utf8(bytes).map_err(|_| reader.malformed("display text is not ASCII"))?;
    if !text.is_ascii() || length > crate::display::DISPLAY_TEXT_CAPACITY {
        return Err(reader.malformed("display text is not ASCII or too long"));
    }
    Ok(DisplayText::from_text(text))
}

fn encode_profile(profile: &MachineProfile, out: &mut Vec<u8>) {
    out.push(match profile.name {
        ProfileName::M2 => 2,
        ProfileName::M3 => 3,
    });
    out.push(profile.balloting_units_max);
    out.extend_from_slice(&profile.vote_capacity.to_le_bytes());
    // Bits 0-4: N votes a minute (0: no limit); bit 7: the minimum-interval
    // rule (clear: the sliding window); bits 5-6 zero.
    let rule_bit = match profile.rate_rule {
        crate::profile::RateRule::SlidingWindow => 0,
        crate::profile::RateRule::MinimumInterval => 0x80,
    };
    out.push(profile.rate_limit_votes_per_minute.unwrap_or(0) | rule_bit);
    out.push(u8::from(profile.none_of_the_above));
}

fn parse_profile(reader: &mut Reader<'_>) -> Result<MachineProfile, MessageError> {
    let name = match reader.u8()? {
        2 => ProfileName::M2,
        3 => ProfileName::M3,
        _ => return Err(reader.malformed("profile name is not 2 (M2) or 3 (M3)")),
    };
    let balloting_units_max = reader.u8()?;
    let vote_capacity = reader.u32()?;
    let rate = reader.u8()?;
    if rate & 0x60 != 0 {
        return Err(reader.malformed("rate byte bits 5-6 are not zero"));
    }
    let rate_limit_votes_per_minute = Some(rate & 0x1F).filter(|limit| *limit != 0);
    let rate_rule = if rate & 0x80 == 0 {
        crate::profile::RateRule::SlidingWindow
    } else if rate_limit_votes_per_minute.is_some() {
        crate::profile::RateRule::MinimumInterval
    } else {
        return Err(reader.malformed("the minimum-interval rate rule with no limit"));
    };
    let profile = MachineProfile {
        name,
        balloting_units_max,
        vote_capacity,
        rate_limit_votes_per_minute,
        rate_rule,
        none_of_the_above: match reader.u8()? {
            0 => false,
            1 => true,
            _ => return Err(reader.malformed("none_of_the_above is not 0 or 1")),
        },
    };
    profile.validate().map_err(|_| reader.malformed("profile out of bounds"))?;
    Ok(profile)
}

// ---------------------------------------------------------------- messages --

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
