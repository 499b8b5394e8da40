//! Captures of the wire: every frame in both directions with its time, as a
//! pcap file (link type DLT_USER0 = 147) that Wireshark opens. Each packet
//! is one pseudo-header byte (0 host to board, 1 board to host) followed by
//! the frame's wire bytes (stuffed, with the delimiter). docs/PROTOCOL.md
//! section 6 describes it; `read_capture` turns one back into a trace.

use crate::wire::Direction;
use std::io::Write;
use std::time::Duration;

/// pcap's link type for private use: DLT_USER0.
pub const LINK_TYPE_USER0: u32 = 147;
/// The largest packet recorded.
pub const SNAPSHOT_LENGTH: u32 = 65_535;

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

/// The ballot entry of a button address (1-based), as traces number them.
fn entry_of(address: evm_sim::ButtonAddress) -> u32 {
    u32::from(address.balloting_unit.saturating_sub(1)) * 16 + u32::from(address.button)
}

/// Turns the host's `INPUT` requests of a capture into a trace (JSON Lines,
/// docs/TRACE_FORMAT.md) for a machine of `profile` with `candidates`
/// candidates, so that a session recorded against a board can be replayed
/// against any target. Frames that are not `INPUT` requests are skipped.
pub fn capture_to_trace(frames: &[CapturedFrame], profile: &str, candidates: u16) -> Result<String, String> {
    use evm_sim::protocol::frame::{Feed, FrameAccumulator};
    use evm_sim::protocol::message::Request;
    use evm_sim::Input;
    use serde_json::json;
    let names: Vec<String> = (1..=candidates).map(|number| format!("Candidate {number}")).collect();
    let header = json!({
        "trace": crate::trace::TRACE_FORMAT_NAME, "version": crate::trace::TRACE_FORMAT_VERSION, "profile": profile,
        "polling_station": {"number": 0}, "candidates": names, "electors_assigned": 0,
        "provenance": {"source": "evm-conformance capture", "description": "host requests of a captured session"}
    });
    let mut text = header.to_string() + "\n";
    let mut previous = 0u64;
    for (index, frame) in frames.iter().enumerate().filter(|(_, frame)| frame.direction == Direction::HostToBoard) {
        let mut accumulator = FrameAccumulator::new();
        let Feed::Frame { frame: parsed, .. } = accumulator.feed(&frame.wire) else {
            return Err(format!("captured frame {index} is not a frame"));
        };
        let Ok(Request::Input { at, input }) = Request::parse(parsed.kind(), parsed.payload()) else { continue };
        let milliseconds = at.milliseconds().max(previous);
        previous = milliseconds;
        if milliseconds >= 48 * 3_600_000 {
            return Err(format!("captured frame {index}: time {at} is beyond the trace format's 48 hours"));
        }
        let clock = format!(
            "{:02}:{:02}:{:02}.{:03}",
            milliseconds / 3_600_000,
            milliseconds / 60_000 % 60,
            milliseconds / 1000 % 60,
            milliseconds % 1000
        );
        let event = match input {
            Input::CandSet { candidates } => json!({"event": "cand_set", "candidates": candidates}),
            Input::SealCandidateSetSection => json!({"event": "seal_candidate_set_section"}),
            Input::Ballot => json!({"event": "ballot"}),
            Input::Total => json!({"event": "total"}),
            Input::Close => json!({"event": "close"}),
            Input::Result => json!({"event": "result"}),
            Input::Clear => json!({"event": "clear"}),
            Input::FixResultSeal => json!({"event": "fix_result_seal"}),
            Input::BreakResultSeal => json!({"event": "break_result_seal"}),
            Input::AttachBallotingUnit { position } => json!({"event": "attach_balloting_unit", "position": position}),
            Input::DetachBallotingUnit { position } => json!({"event": "detach_balloting_unit", "position": position}),
            Input::PressButton { address } => {
                json!({"event": "press", "balloting_unit": address.balloting_unit, "button": address.button})
            }
            Input::PressTwoButtons { first, second } => {
                json!({"event": "press_two", "candidates": [entry_of(first), entry_of(second)]})
            }
            Input::PowerOff => json!({"event": "power_off"}),
            Input::PowerOn { held_button: None } => json!({"event": "power_on"}),
            Input::PowerOn { held_button: Some(address) } => {
                json!({"event": "power_on", "held_candidate": entry_of(address)})
            }
            Input::BatteryLevel { percent } => json!({"event": "battery_level", "percent": percent}),
            Input::OpenCase => json!({"event": "open_case"}),
        };
        let mut line = json!({"at": clock});
        if let (Some(line), Some(event)) = (line.as_object_mut(), event.as_object()) {
            line.extend(event.clone());
        }
        text.push_str(&line.to_string());
        text.push('\n');
    }
    Ok(text)
}
