//! Captures of the wire: every frame in both directions with its time, as a
//! pcap file (link type DLT_USER0 = 147) that Wireshark opens. Each packet
//! is one pseudo-header byte (0 host to board, 1 board to host) followed by
//! the frame's wire bytes (stuffed, with the delimiter). docs/PROTOCOL.md
//! section 6 describes it; `read_capture` turns one back into a trace.

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

/// Reads a capture written by [`CaptureWriter`]; any malformed byte is an
/// error naming its offset.
pub fn read_capture(bytes: &[u8]) -> Result<Vec<CapturedFrame>, String> {
    if bytes.len() < 24 || bytes[..4] != 0xA1B2_C3D4u32.to_le_bytes() {
        return Err("not a little-endian pcap file".into());
    }
    let link_type = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if link_type != LINK_TYPE_USER0 {
        return Err(format!("link type {link_type}, expected {LINK_TYPE_USER0}"));
    }
    let mut frames = Vec::new();
    let mut offset = 24;
    while offset < bytes.len() {
        let header = bytes.get(offset..offset + 16).ok_or(format!("truncated record header at byte {offset}"))?;
        let word =
            |index: usize| u32::from_le_bytes([header[index], header[index + 1], header[index + 2], header[index + 3]]);
        let (seconds, micros, length) = (word(0), word(4), word(8) as usize);
        let body = bytes.get(offset + 16..offset + 16 + length).ok_or(format!("truncated record at byte {offset}"))?;
        let (&direction, wire) = body.split_first().ok_or(format!("empty record at byte {offset}"))?;
        let direction = match direction {
            0 => Direction::HostToBoard,
            1 => Direction::BoardToHost,
            other => return Err(format!("direction byte {other} at byte {}", offset + 16)),
        };
        frames.push(CapturedFrame {
            at: Duration::new(u64::from(seconds), micros * 1000),
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
pub fn capture_to_trace(frames: &[CapturedFrame], profile: &str, candidates: u16) -> Result<String, String> {
    use crate::trace::{Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
    use evm_sim::protocol::frame::{Feed, FrameAccumulator};
    use evm_sim::protocol::message::Request;
    let name: evm_sim::ProfileName = profile.parse()?;
    let mut machine = evm_sim::MachineProfile::named(name);
    let mut candidates_set: Option<u16> = None;
    let mut lines = Vec::new();
    let mut previous = evm_sim::Timestamp::ZERO;
    for (index, frame) in frames.iter().enumerate().filter(|(_, frame)| frame.direction == Direction::HostToBoard) {
        let mut accumulator = FrameAccumulator::new();
        let Feed::Frame { frame: parsed, .. } = accumulator.feed(&frame.wire) else {
            return Err(format!("captured frame {index} is not a frame"));
        };
        let (at, input) = match Request::parse(parsed.kind(), parsed.payload()) {
            Ok(Request::Input { at, input }) => (at, input),
            // The machine the session started: its profile is the trace's.
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
            return Err(format!("captured frame {index}: time {at} is beyond the trace format's 48 hours"));
        }
        lines.push(TraceLine { line: lines.len() + 2, at, event: TraceEvent::Unit(input) });
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
    Ok(crate::trace::write_trace(&trace))
}
