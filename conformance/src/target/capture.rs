//! Captures of the wire: every frame in both directions with its time, as a
//! pcap file (link type DLT_USER0 = 147) that Wireshark opens. Each packet
//! is one pseudo-header byte (0 host to board, 1 board to host) followed by
//! the frame's wire bytes (stuffed, with the delimiter). docs/PROTOCOL.md
//! section 7 describes it; [`read_capture`] reads one back into frames and
//! [`capture_to_trace`] turns its host requests into a trace.

use evm_sim::protocol::board::DEDUPLICATION_WINDOW;
use std::io::Write;
use std::time::Duration;

/// pcap's link type for private use: DLT_USER0.
pub const LINK_TYPE_USER0: u32 = 147;
/// The largest packet recorded.
pub const SNAPSHOT_LENGTH: u32 = 65_535;

/// Where a captured frame went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    HostToBoard,
    BoardToHost,
}

pub struct CaptureWriter {
    file: std::io::BufWriter<std::fs::File>,
}

impl CaptureWriter {
    pub fn create(path: &std::path::Path) -> std::io::Result<CaptureWriter> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        file.write_all(&0xA1B2_C3D4u32.to_le_bytes())?;
        file.write_all(&2u16.to_le_bytes())?;
        file.write_all(&4u16.to_le_bytes())?;
        file.write_all(&0i32.to_le_bytes())?;
        file.write_all(&0u32.to_le_bytes())?;
        file.write_all(&SNAPSHOT_LENGTH.to_le_bytes())?;
        file.write_all(&LINK_TYPE_USER0.to_le_bytes())?;
        file.flush()?;
        Ok(CaptureWriter { file })
    }

    /// Records one frame; a failed write is dropped (a capture never stops a run).
    pub fn record(&mut self, at: Duration, direction: Direction, wire: &[u8]) {
        let length = (wire.len() + 1).min(SNAPSHOT_LENGTH as usize) as u32;
        let mut record = Vec::with_capacity(16 + length as usize);
        record.extend_from_slice(&(at.as_secs() as u32).to_le_bytes());
        record.extend_from_slice(&at.subsec_micros().to_le_bytes());
        record.extend_from_slice(&length.to_le_bytes());
        record.extend_from_slice(&length.to_le_bytes());
        record.push(match direction {
            Direction::HostToBoard => 0,
            Direction::BoardToHost => 1,
        });
        record.extend_from_slice(&wire[..length as usize - 1]);
        let _ = self.file.write_all(&record);
        let _ = self.file.flush();
    }
}

/// One captured frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    pub at: Duration,
    pub direction: Direction,
    pub wire: Vec<u8>,
}

/// Why a capture cannot be read, or turned into a trace: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("not a little-endian pcap file")]
    NotPcap,
    #[error("link type {found}, expected {LINK_TYPE_USER0}")]
    LinkType { found: u32 },
    #[error("truncated record header at byte {offset}")]
    TruncatedHeader { offset: usize },
    #[error("truncated record at byte {offset}")]
    TruncatedRecord { offset: usize },
    #[error("empty record at byte {offset}")]
    EmptyRecord { offset: usize },
    #[error("direction byte {found} at byte {offset}")]
    Direction { found: u8, offset: usize },
    #[error("captured frame {index} is not a frame")]
    NotAFrame { index: usize },
    #[error("captured frame {index}: time {at} is beyond the trace format's 48 hours")]
    BeyondTheTraceFormat { index: usize, at: evm_sim::Timestamp },
    #[error(
        "captured frame {index} starts another machine: a trace is one machine's session; capture one trace at a time"
    )]
    SecondMachine { index: usize },
    #[error("{}: the trace format cannot state it: {message}", index.map_or_else(|| "the capture".to_owned(), |index| format!("captured frame {index}")))]
    NotATraceLine { index: Option<usize>, message: String },
    #[error("{0}")]
    Profile(String),
}

/// Reads a capture written by [`CaptureWriter`]; any malformed byte is an
/// error naming its offset.
pub fn read_capture(bytes: &[u8]) -> Result<Vec<CapturedFrame>, CaptureError> {
    if bytes.len() < 24 || bytes[..4] != 0xA1B2_C3D4u32.to_le_bytes() {
        return Err(CaptureError::NotPcap);
    }
    let link_type = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if link_type != LINK_TYPE_USER0 {
        return Err(CaptureError::LinkType { found: link_type });
    }
    let mut frames = Vec::new();
    let mut offset = 24;
    while offset < bytes.len() {
        let header = bytes.get(offset..offset + 16).ok_or(CaptureError::TruncatedHeader { offset })?;
        let word =
            |index: usize| u32::from_le_bytes([header[index], header[index + 1], header[index + 2], header[index + 3]]);
        let (seconds, micros, length) = (word(0), word(4), word(8) as usize);
        let body = bytes.get(offset + 16..offset + 16 + length).ok_or(CaptureError::TruncatedRecord { offset })?;
        let (&direction, wire) = body.split_first().ok_or(CaptureError::EmptyRecord { offset })?;
        let direction = match direction {
            0 => Direction::HostToBoard,
            1 => Direction::BoardToHost,
            found => return Err(CaptureError::Direction { found, offset: offset + 16 }),
        };
        frames.push(CapturedFrame {
            // Microseconds past a second (a malformed record) carry over, never overflow.
            at: Duration::from_secs(u64::from(seconds)) + Duration::from_micros(u64::from(micros)),
            direction,
            wire: wire.to_vec(),
        });
        offset += 16 + length;
    }
    Ok(frames)
}

/// Turns the host's `INPUT` requests of a capture into a trace (JSON Lines,
/// docs/TRACE_FORMAT.md), so that a session recorded against a board can be
/// replayed against any target. The machine is the one the capture's
/// `TEST_START_MACHINE` started (else `profile`); the candidates as many as
/// its first `Cand Set` keyed (else `candidates`). Other frames are skipped.
///
/// A resend (the same bytes as one of the last
/// [`DEDUPLICATION_WINDOW`] requests) is the same press, executed once by
/// the board: it becomes no second line. A capture in which a second
/// `TEST_START_MACHINE` follows inputs is refused: it holds more than one
/// machine's session.
pub fn capture_to_trace(frames: &[CapturedFrame], profile: &str, candidates: u16) -> Result<String, CaptureError> {
    use crate::trace::{Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
    use evm_sim::protocol::frame::{Feed, FrameAccumulator};
    use evm_sim::protocol::message::Request;
    let name: evm_sim::ProfileName = profile.parse().map_err(CaptureError::Profile)?;
    let mut machine = evm_sim::MachineProfile::named(name);
    let mut candidates_set: Option<u16> = None;
    let mut lines = Vec::new();
    let mut previous = evm_sim::Timestamp::ZERO;
    // The host's last requests as sent: a resend repeats one byte for byte,
    // and the board executed it once (its de-duplication window).
    let mut recent: std::collections::VecDeque<&[u8]> = std::collections::VecDeque::new();
    // The captured frame each trace line comes from.
    let mut frame_of_line = Vec::new();
    for (index, frame) in frames.iter().enumerate().filter(|(_, frame)| frame.direction == Direction::HostToBoard) {
        if recent.contains(&frame.wire.as_slice()) {
            continue;
        }
        if recent.len() == DEDUPLICATION_WINDOW {
            recent.pop_front();
        }
        recent.push_back(&frame.wire);
        let mut accumulator = FrameAccumulator::new();
        let Feed::Frame { frame: parsed, .. } = accumulator.feed(&frame.wire) else {
            return Err(CaptureError::NotAFrame { index });
        };
        let (at, input) = match Request::parse(parsed.kind(), parsed.payload()) {
            Ok(Request::Input { at, input }) => (at, input),
            // The machine the session started: its profile is the trace's.
            Ok(Request::TestStartMachine { .. }) if !lines.is_empty() => {
                return Err(CaptureError::SecondMachine { index });
            }
            Ok(Request::TestStartMachine { profile, .. }) => {
                machine = profile;
                continue;
            }
            _ => continue,
        };
        if let evm_sim::Input::CandSet { candidates } = input {
            candidates_set.get_or_insert(candidates);
        }
        // Traces never go back in time; a board's clock may have.
        let at = at.max(previous);
        previous = at;
        if at.milliseconds() >= 48 * 3_600_000 {
            return Err(CaptureError::BeyondTheTraceFormat { index, at });
        }
        lines.push(TraceLine { line: lines.len() + 2, at, event: TraceEvent::Unit(input) });
        frame_of_line.push(index);
    }
    let trace = Trace {
        path: "capture.jsonl".into(),
        header: Header {
            profile: machine,
            rate_limit_given: true,
            common_machine_stations: Vec::new(),
            election: evm_sim::Election::MunicipalWard,
            polling_station: PollingStationLabel { number: 0, name: String::new(), part_number: String::new() },
            ward: None,
            municipality: String::new(),
            date_of_poll: String::new(),
            candidates: (1..=candidates_set
                .filter(|&count| count > 0 && count <= machine.candidates_max())
                .unwrap_or(candidates))
                .map(|number| format!("Candidate {number}"))
                .collect(),
            electors_assigned: 0,
            defects: evm_sim::Defects::NONE,
            provenance: Provenance {
                source: "evm-conformance capture".into(),
                seed: None,
                description: "host requests of a captured session".into(),
            },
        },
        lines,
    };
    let text = crate::trace::write_trace(&trace);
    // A request the wire carries but the trace format cannot state (two
    // buttons at once, one of them no ballot entry…) is refused here, at its
    // frame, rather than written into a trace the parser would refuse.
    if let Err(error) = crate::trace::parse_trace(std::path::Path::new("capture.jsonl"), &text) {
        let index = error.line.checked_sub(2).and_then(|line| frame_of_line.get(line).copied());
        return Err(CaptureError::NotATraceLine { index, message: error.message });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pcap header and one record with `micros` and the given body.
    fn capture_with(micros: u32, body: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        bytes.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(&SNAPSHOT_LENGTH.to_le_bytes());
        bytes.extend_from_slice(&LINK_TYPE_USER0.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&micros.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn microseconds_past_a_second_carry_over_and_never_panic() {
        let frames = read_capture(&capture_with(u32::MAX, &[0, 0x11, 0])).expect("readable");
        assert_eq!(frames[0].at, Duration::from_secs(1) + Duration::from_micros(u64::from(u32::MAX)));
    }

    #[test]
    fn a_resend_is_one_press_and_a_second_machine_is_refused() {
        use evm_sim::protocol::board::request_frame;
        use evm_sim::protocol::message::Request;
        let host = |wire: Vec<u8>| CapturedFrame { at: Duration::ZERO, direction: Direction::HostToBoard, wire };
        let start = request_frame(
            1,
            &Request::TestStartMachine { profile: evm_sim::MachineProfile::m2(), defects: evm_sim::Defects::NONE },
        );
        let power_on = request_frame(
            2,
            &Request::Input { at: evm_sim::Timestamp::ZERO, input: evm_sim::Input::PowerOn { held_button: None } },
        );
        let total = request_frame(3, &Request::Input { at: evm_sim::Timestamp::ZERO, input: evm_sim::Input::Total });
        let frames = [host(start.clone()), host(power_on.clone()), host(power_on.clone()), host(total.clone())];
        let trace = capture_to_trace(&frames, "M2", 5).expect("one machine");
        assert_eq!(trace.matches("\"event\":\"power_on\"").count(), 1, "{trace}");
        assert_eq!(trace.matches("\"event\":\"total\"").count(), 1, "{trace}");
        let restart = request_frame(
            4,
            &Request::TestStartMachine { profile: evm_sim::MachineProfile::m2(), defects: evm_sim::Defects::NONE },
        );
        let two = [host(start), host(power_on), host(restart), host(total)];
        assert_eq!(capture_to_trace(&two, "M2", 5), Err(CaptureError::SecondMachine { index: 2 }));
    }

    #[test]
    fn a_request_the_trace_format_cannot_state_is_refused_at_its_frame() {
        use evm_sim::protocol::board::request_frame;
        use evm_sim::protocol::message::Request;
        use evm_sim::ButtonAddress;
        let host = |wire: Vec<u8>| CapturedFrame { at: Duration::ZERO, direction: Direction::HostToBoard, wire };
        let input =
            |id: u16, input: evm_sim::Input| request_frame(id, &Request::Input { at: evm_sim::Timestamp::ZERO, input });
        let masked = ButtonAddress { balloting_unit: 2, button: 16 };
        let first = ButtonAddress { balloting_unit: 1, button: 1 };
        let frames = [
            host(input(1, evm_sim::Input::CandSet { candidates: 5 })),
            host(input(2, evm_sim::Input::PressTwoButtons { first, second: masked })),
        ];
        match capture_to_trace(&frames, "M2", 5) {
            Err(CaptureError::NotATraceLine { index: Some(1), .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_malformed_record_is_located() {
        assert_eq!(read_capture(&capture_with(0, &[])), Err(CaptureError::EmptyRecord { offset: 24 }));
        assert_eq!(read_capture(&capture_with(0, &[7, 1])), Err(CaptureError::Direction { found: 7, offset: 40 }));
        let mut truncated = capture_with(0, &[0, 1, 2]);
        truncated.pop();
        assert_eq!(read_capture(&truncated), Err(CaptureError::TruncatedRecord { offset: 24 }));
        assert_eq!(read_capture(b"not a capture"), Err(CaptureError::NotPcap));
    }
}
