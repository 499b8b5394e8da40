//! The board side of the protocol, sans-IO: bytes in, bytes out. The
//! simulated board (`evm-sim serve`) is this plus a driver that pumps a
//! pseudo-terminal, a serial port or a TCP socket.

use super::frame::{encode_frame, Feed, FrameAccumulator, FrameError, PROTOCOL_VERSION};
use super::message::{
    capability, BoardEvent, InputOutcome, NackReason, Reply, Request, StateReport, SERIAL_NUMBER_BYTES,
};
use crate::defects::Defects;
use crate::detachable_memory::MemoryBackend;
use crate::prelude::*;
use crate::profile::MachineProfile;
use crate::time::Timestamp;
use crate::unit::{ControlUnit, Event};

/// Requests remembered for exactly-once execution: a retransmission of any
/// of the last this-many requests is answered from memory, not executed.
pub const DEDUPLICATION_WINDOW: usize = 64;

#[derive(Clone, Debug)]
struct Remembered {
    request_id: u16,
    /// CRC of the request frame: a reused id with other content is a new request.
    request_crc: u32,
    reply: Vec<u8>,
    /// A `RESULT_REPLY` (a readout given), which a board short of RAM may
    /// forget (docs/PROTOCOL.md section 1): the only long reply, and once
    /// given it stays the same until a `Clear`, which needs the unit on
    /// and the result shown.
    is_result: bool,
}

/// A simulated board: a control unit behind the protocol.
///
/// # Call contract
///
/// Feed every byte received with [`receive`](Board::receive)`(now, bytes,
/// out)`; send what it appends to `out`, in order. `now` is the board's own
/// clock (docs/PROTOCOL.md 3.2: the real-time clock, milliseconds since
/// 1970-01-01 00:00 local time); the board never lets it go back, not even
/// behind the poll times its memory holds. In test mode the host's clock in
/// each `INPUT` is used instead. A request retransmitted with the same id
/// and bytes is answered again from memory and never executed twice.
/// Nothing here panics on any input.
pub struct Board {
    unit: ControlUnit,
    /// Where the unit's memory is made durable before each reply (the
    /// sealed image of `evm-sim serve --memory FILE`); `None` keeps it in
    /// the unit's counters only.
    memory: Option<Box<dyn MemoryBackend + Send>>,
    /// The memory failed: the unit stopped as after a power cut.
    stopped: bool,
    serial_number: [u8; SERIAL_NUMBER_BYTES],
    test_mode: bool,
    /// The latest time of the board's own clock seen or retained: the clock
    /// never goes back.
    clock_floor: Timestamp,
    /// Added to the driver's clock once it was found behind the floor (a
    /// host clock set back, a restart under a smaller UTC offset), so that
    /// the board's clock goes on at the real pace from the floor instead of
    /// standing still there (a clock that stands still would hold the
    /// vote-rate window shut).
    clock_offset_milliseconds: u64,
    accumulator: FrameAccumulator,
    remembered: Vec<Remembered>,
    next_slot: usize,
    /// At most this many bytes of `READ_RESULT` replies are kept in the
    /// window (`None`: no limit); the oldest are forgotten first.
    result_reply_budget: Option<usize>,
    /// Protocol errors seen: corrupt, overfull, malformed frames.
    pub protocol_errors: u64,
}

impl Board {
    /// A board carrying a unit of `profile` with `defects`; `test_mode` lets
    /// the host start machines and drive the clock.
    pub fn new(profile: MachineProfile, defects: Defects, serial_number: &str, test_mode: bool) -> Board {
        let mut serial = [b' '; SERIAL_NUMBER_BYTES];
        for (slot, byte) in serial.iter_mut().zip(serial_number.bytes().filter(u8::is_ascii)) {
            *slot = byte;
        }
        Board {
            unit: ControlUnit::with_defects(profile, defects),
            memory: None,
            stopped: false,
            serial_number: serial,
            test_mode,
            clock_floor: Timestamp::ZERO,
            clock_offset_milliseconds: 0,
            accumulator: FrameAccumulator::new(),
            remembered: Vec::with_capacity(DEDUPLICATION_WINDOW),
            next_slot: 0,
            result_reply_budget: None,
            protocol_errors: 0,
        }
    }

    pub fn unit(&self) -> &ControlUnit {
        &self.unit
    }

    /// Replaces the unit (a restart from retained memory, for instance).
    pub fn replace_unit(&mut self, unit: ControlUnit) {
        self.unit = unit;
    }

    /// Keeps the unit's memory in `memory`: every input's effect is made
    /// durable before its reply is built, so the reply (the beep) confirms a
    /// vote that survives a power cut. `unit` is the unit the memory was
    /// opened with. Such a board has no test mode: it keeps one unit and its
    /// own clock, which starts no earlier than the poll times in memory.
    pub fn with_memory(mut self, unit: ControlUnit, memory: Box<dyn MemoryBackend + Send>) -> Board {
        self.clock_floor = unit.poll_start().max(unit.poll_end()).unwrap_or(Timestamp::ZERO);
        self.unit = unit;
        self.memory = Some(memory);
        self.test_mode = false;
        self
    }

    /// Keeps at most `bytes` of `READ_RESULT` replies in the de-duplication
    /// window, forgetting the oldest first (docs/PROTOCOL.md section 1: a
    /// board short of RAM may; a forgotten `READ_RESULT` resent is executed
    /// again, which changes nothing). Every other reply keeps its slot. A
    /// full window of M3 results is 64 × 1.6 KB: more than a small
    /// microcontroller's RAM (the reference firmware keeps 8 KiB).
    pub fn with_result_reply_budget(mut self, bytes: usize) -> Board {
        self.result_reply_budget = Some(bytes);
        self
    }

    /// A board whose memory could not be opened at start (an image that
    /// fails its integrity check, 61G(4), or a fault that reset the board):
    /// it answers the handshake and state reads and refuses every input with
    /// `MEMORY_FAULT`, as after a failed write; the memory is left as it is,
    /// as evidence. No test mode.
    pub fn with_memory_fault(mut self) -> Board {
        self.stopped = true;
        self.test_mode = false;
        self
    }

    /// The capabilities this board announces in `HELLO_REPLY`: what it does,
    /// no more (docs/PROTOCOL.md 3.1).
    pub fn capabilities(&self) -> u8 {
        if self.test_mode {
            capability::TEST_MODE | capability::SEEDED_DEFECTS
        } else {
            0
        }
    }

    /// The board's own clock at the driver's `now`: never behind a time it
    /// has seen or retained, and moving on at the driver's pace.
    fn own_clock(&mut self, now: Timestamp) -> Timestamp {
        let mut adjusted = now.plus_milliseconds(self.clock_offset_milliseconds);
        if adjusted < self.clock_floor {
            self.clock_offset_milliseconds += self.clock_floor.milliseconds_since(adjusted);
            adjusted = self.clock_floor;
        }
        self.clock_floor = adjusted;
        adjusted
    }

    /// Whether a memory fault stopped the unit.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Feeds received bytes; appends the wire bytes to send to `out`.
    pub fn receive(&mut self, now: Timestamp, mut bytes: &[u8], out: &mut Vec<u8>) {
        loop {
            let (request, rest) = match self.accumulator.feed(bytes) {
                Feed::NeedMore => return,
                // The key is the frame's CRC field. (The CRC-32 of a whole
                // frame, CRC included, is the same constant for every good
                // frame: keying on it matched requests by id alone, which a
                // reader of docs/PROTOCOL.md caught.)
                Feed::Frame { frame, rest } => {
                    (Ok((frame.kind(), frame.request_id(), frame.payload().to_vec(), frame.crc())), rest)
                }
                Feed::Corrupt { error, rest } => (Err(error), rest),
                Feed::Overfull { rest } => (Err(FrameError::TooShort(0)), rest),
            };
            bytes = rest;
            match request {
                Ok((kind, request_id, payload, request_crc)) => {
                    self.request(now, kind, request_id, &payload, request_crc, out)
                }
                Err(FrameError::Version { request_id, .. }) => {
                    // Answered with the frame's own request id, as a HELLO
                    // with too high a lowest version is.
                    self.protocol_errors += 1;
                    out.extend(reply_frame(request_id, &Reply::Nack(NackReason::UnsupportedVersion)));
                }
                Err(_) => {
                    self.protocol_errors += 1;
                    out.extend(reply_frame(0, &Reply::Nack(NackReason::CorruptFrame)));
                }
            }
        }
    }

    fn request(
        &mut self,
        now: Timestamp,
        kind: u8,
        request_id: u16,
        payload: &[u8],
        request_crc: u32,
        out: &mut Vec<u8>,
    ) {
        if request_id == 0 {
            // Id 0 is the board's own: such a request is not executed, takes
            // no de-duplication slot, and is answered malformed with id 0.
            self.protocol_errors += 1;
            out.extend(reply_frame(0, &Reply::Nack(NackReason::Malformed)));
            return;
        }
        if kind == super::message::kind::HELLO {
            // A connection begins: its requests are numbered from 1 again and
            // must not be taken for resends of an earlier connection's (the
            // same bytes under the same id would be answered from memory,
            // unexecuted). So `HELLO` is never answered from memory, and
            // empties the window (a stop-and-wait host has nothing in flight
            // before it: a resend of an earlier request precedes it on the line).
            self.remembered.clear();
            self.next_slot = 0;
        }
        if let Some(remembered) = self
            .remembered
            .iter()
            .find(|entry| entry.request_id == request_id && entry.request_crc == request_crc && !entry.reply.is_empty())
        {
            out.extend_from_slice(&remembered.reply);
            return;
        }
        let (reply, events) = match Request::parse(kind, payload) {
            Ok(request) => self.execute(now, request),
            Err(super::message::MessageError::UnknownKind(_)) => (Reply::Nack(NackReason::UnknownKind), Vec::new()),
            Err(_) => {
                self.protocol_errors += 1;
                (Reply::Nack(NackReason::Malformed), Vec::new())
            }
        };
        let wire = reply_frame(request_id, &reply);
        out.extend_from_slice(&wire);
        for event in events {
            out.extend(reply_frame(0, &Reply::Event(event)));
        }
        // A result, not a refusal to give one: only a readout may be read again unchanged.
        let is_result = matches!(reply, Reply::Result { .. });
        let remembered = Remembered { request_id, request_crc, reply: wire, is_result };
        if self.remembered.len() < DEDUPLICATION_WINDOW {
            self.remembered.push(remembered);
        } else {
            self.remembered[self.next_slot] = remembered;
        }
        self.next_slot = (self.next_slot + 1) % DEDUPLICATION_WINDOW;
        self.forget_results_over_budget();
    }

    /// Forgets the oldest `READ_RESULT` replies until those kept fit the
    /// budget (a forgotten slot keeps its place, empty: never matched).
    fn forget_results_over_budget(&mut self) {
        let Some(budget) = self.result_reply_budget else { return };
        let mut kept: usize =
            self.remembered.iter().filter(|entry| entry.is_result).map(|entry| entry.reply.len()).sum();
        let slots = self.remembered.len();
        // The oldest slot is the next to be reused (or the first, before the window fills).
        let oldest = if slots < DEDUPLICATION_WINDOW { 0 } else { self.next_slot };
        // The newest (the last offset) is never forgotten: its resend is the likely one.
        for offset in 0..slots.saturating_sub(1) {
            if kept <= budget {
                break;
            }
            let entry = &mut self.remembered[(oldest + offset) % slots];
            if entry.is_result && !entry.reply.is_empty() {
                kept -= entry.reply.len();
                entry.reply = Vec::new();
            }
        }
    }

    // Longer than 70 lines on purpose: the board's dispatcher: one arm a request kind
    // (docs/PROTOCOL.md section 3).
    fn execute(&mut self, now: Timestamp, request: Request) -> (Reply, Vec<BoardEvent>) {
        match request {
            Request::Hello { highest_version } => {
                if highest_version < PROTOCOL_VERSION {
                    return (Reply::Nack(NackReason::UnsupportedVersion), Vec::new());
                }
                (
                    Reply::Hello {
                        version: PROTOCOL_VERSION,
                        profile: *self.unit.profile(),
                        capabilities: self.capabilities(),
                        serial_number: self.serial_number,
                    },
                    Vec::new(),
                )
            }
            Request::Input { at, input } => {
                if self.stopped {
                    return (Reply::Nack(NackReason::MemoryFault), Vec::new());
                }
                let now = if self.test_mode { at } else { self.own_clock(now) };
                let display_before = self.unit.display();
                // What is durable before this input: all that may stay if
                // the memory cannot take the input's effect.
                let durable = self.memory.is_some().then(|| self.unit.retained_state());
                let reaction = self.unit.step(now, input);
                if let (Some(memory), Some(durable)) = (self.memory.as_mut(), durable) {
                    if memory.retain(&self.unit, &reaction).is_err() {
                        // Not durable: no beep. The unit stops as after a
                        // power cut, with nothing counted that was not
                        // made durable.
                        self.unit.stop_after_memory_fault(&durable);
                        self.stopped = true;
                        return (Reply::Nack(NackReason::MemoryFault), Vec::new());
                    }
                }
                let mut events = Vec::new();
                let mut candidate_disclosed = false;
                for event in reaction.events.iter() {
                    match event {
                        Event::VoteRecorded => events.push(BoardEvent::VoteRecorded),
                        Event::LongBeep => events.push(BoardEvent::LongBeep),
                        Event::CandidateDisclosed { .. } => candidate_disclosed = true,
                        _ => {}
                    }
                }
                if let Some(refusal) = reaction.refusal {
                    events.push(BoardEvent::Refused(refusal));
                }
                if self.unit.display() != display_before {
                    events.push(BoardEvent::DisplayChanged);
                }
                let outcome = InputOutcome {
                    refusal: reaction.refusal,
                    votes_recorded: reaction.votes_recorded().min(u32::from(u8::MAX)) as u8,
                    candidate_disclosed,
                    lamps: self.unit.lamps(),
                    total: self.unit.total(),
                    display: self.unit.display().text(),
                };
                (Reply::Input(outcome), events)
            }
            Request::ReadState => (
                Reply::State(StateReport {
                    lamps: self.unit.lamps(),
                    powered: self.unit.is_powered(),
                    closed: self.unit.is_closed(),
                    ballot_enabled: self.unit.ballot_enabled(),
                    fail_safe: self.unit.is_fail_safe(),
                    result_seal: self.unit.result_seal(),
                    memory_inconsistent: self.unit.memory_inconsistency().is_some(),
                    candidates: self.unit.candidates(),
                    total: self.unit.total(),
                    display: self.unit.display().text(),
                }),
                Vec::new(),
            ),
            // SEALED-RESULT over the wire: the readout is the unit's, refused
            // exactly when the unit refuses it (switched off, fail-safe,
            // before `Result`).
            Request::ReadResult => match self.unit.result_readout() {
                Ok(readout) => (Reply::Result { total: readout.total, counts: readout.counts.to_vec() }, Vec::new()),
                Err(refusal) => (Reply::Nack(NackReason::ResultRefused(refusal)), Vec::new()),
            },
            Request::TestStartMachine { profile, defects } => {
                if !self.test_mode {
                    // Includes a board that keeps its memory in a file: it never swaps its unit.
                    return (Reply::Nack(NackReason::NotInTestMode), Vec::new());
                }
                self.unit = ControlUnit::with_defects(profile, defects);
                self.remembered.clear();
                self.next_slot = 0;
                (Reply::Ok, Vec::new())
            }
        }
    }
}

/// The wire bytes of a reply.
pub fn reply_frame(request_id: u16, reply: &Reply) -> Vec<u8> {
    let (kind, payload) = reply.encode();
    encode_frame(kind, request_id, &payload)
}

/// The wire bytes of a request.
pub fn request_frame(request_id: u16, request: &Request) -> Vec<u8> {
    let (kind, payload) = request.encode();
    encode_frame(kind, request_id, &payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A board short of RAM forgets old `READ_RESULT` replies first and
    /// never more than its budget of them; an `INPUT` resent from anywhere
    /// in the window is still answered from memory, not executed again.
    #[test]
    fn a_result_reply_budget_forgets_old_results_and_keeps_every_input() {
        use crate::protocol::message::Request;
        use crate::unit::Input;
        let mut board = Board::new(MachineProfile::m3(), Defects::NONE, "EVM-FW", true).with_result_reply_budget(2_000);
        let mut id = 1u16;
        let send = |board: &mut Board, request: &Request, id: u16| {
            let mut out = Vec::new();
            board.receive(Timestamp::from_clock(7, 0, 0), &request_frame(id, request), &mut out);
            out
        };
        let m3 = MachineProfile::m3();
        send(&mut board, &Request::TestStartMachine { profile: m3, defects: Defects::NONE }, id);
        let at = Timestamp::from_clock(7, 0, 0);
        let mut inputs: Vec<Input> = (1..=24).map(|position| Input::AttachBallotingUnit { position }).collect();
        inputs.push(Input::PowerOn { held_button: None });
        inputs.extend([Input::CandSet { candidates: 300 }, Input::SealCandidateSetSection, Input::Close]);
        inputs.push(Input::Result);
        let mut first_input = None;
        for input in inputs {
            id += 1;
            let reply = send(&mut board, &Request::Input { at, input }, id);
            first_input.get_or_insert((id, input, reply));
        }
        let mut first_result = None;
        for _ in 0..10 {
            id += 1;
            let reply = send(&mut board, &Request::ReadResult, id);
            assert!(reply.len() > 1_200, "{} bytes: a result of 300 candidates", reply.len());
            first_result.get_or_insert((id, reply));
            let kept: usize =
                board.remembered.iter().filter(|entry| entry.is_result).map(|entry| entry.reply.len()).sum();
            assert!(kept <= 2_000, "{kept} bytes of results kept");
        }
        // The newest result is remembered: a resend is answered from memory.
        let newest = board.remembered.iter().rev().find(|entry| entry.is_result).unwrap().reply.clone();
        assert!(!newest.is_empty());
        // The oldest result was forgotten: its resend is executed again,
        // which gives the same bytes (a read).
        let (old_id, old_reply) = first_result.unwrap();
        assert!(board.remembered.iter().any(|entry| entry.request_id == old_id && entry.reply.is_empty()));
        assert_eq!(send(&mut board, &Request::ReadResult, old_id), old_reply);
        // The first INPUT, from early in the window, is still answered from memory.
        let (input_id, input, input_reply) = first_input.unwrap();
        let total_before = board.unit().total();
        assert_eq!(send(&mut board, &Request::Input { at, input }, input_id), input_reply);
        assert_eq!(board.unit().total(), total_before);
    }

    /// A second connection numbers its requests from 1 again. Its
    /// `TEST_START_MACHINE` carries the same bytes under the same id as the
    /// first connection's: it must start a new machine, not be answered
    /// from memory (a used machine judged as new: a wrong verdict). The
    /// connection's `HELLO` empties the window.
    #[test]
    fn a_new_connection_is_never_answered_from_the_last_one_s_window() {
        use crate::protocol::message::Request;
        use crate::unit::Input;
        let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", true);
        let at = Timestamp::from_clock(7, 0, 0);
        let attach = Request::Input { at, input: Input::AttachBallotingUnit { position: 1 } };
        let start = Request::TestStartMachine { profile: MachineProfile::m2(), defects: Defects::NONE };
        let connection = |board: &mut Board| -> Vec<u8> {
            let mut out = Vec::new();
            for (id, request) in [(1, Request::Hello { highest_version: 1 }), (2, start.clone()), (3, attach.clone())] {
                out.clear();
                board.receive(at, &request_frame(id, &request), &mut out);
            }
            out
        };
        let first = connection(&mut board);
        // The first connection goes on to attach a second unit.
        let mut out = Vec::new();
        let second_unit = Request::Input { at, input: Input::AttachBallotingUnit { position: 2 } };
        board.receive(at, &request_frame(4, &second_unit), &mut out);
        assert_eq!(board.unit().attached_positions(), [1, 2]);
        let second = connection(&mut board);
        assert_eq!(second, first, "the same answers");
        assert_eq!(board.unit().attached_positions(), [1], "a new machine, one unit attached");
        // Within a connection a resend is answered from memory.
        out.clear();
        board.receive(at, &request_frame(3, &attach), &mut out);
        assert_eq!(out, first, "a resend within a connection is still answered from memory");
    }

    #[test]
    fn the_own_clock_never_goes_back_and_never_stands_still() {
        let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", false);
        board.clock_floor = Timestamp::from_clock(10, 0, 0);
        // The driver's clock is an hour behind what the memory holds.
        assert_eq!(board.own_clock(Timestamp::from_clock(9, 0, 0)), Timestamp::from_clock(10, 0, 0));
        assert_eq!(board.own_clock(Timestamp::from_clock(9, 0, 30)), Timestamp::from_clock(10, 0, 30), "it moves on");
        // The driver's clock steps back again: still forward.
        assert_eq!(board.own_clock(Timestamp::from_clock(8, 0, 0)), Timestamp::from_clock(10, 0, 30));
        assert_eq!(board.own_clock(Timestamp::from_clock(8, 0, 1)), Timestamp::from_clock(10, 0, 31));
    }
}
