//! The seed inputs of each target, built from the repository's own test
//! material: the protocol's golden vectors (docs/protocol-vectors.txt), the
//! trace corpus (traces/) and genuine memory images. `cargo fuzz cmin`
//! minimises them (with what the campaigns found) into `fuzz/corpus/`.

use super::memory::fuzz_commissioning;
use super::unit::WIRE_STEP;
use super::{SplitMix64, Target};
use crate::trace::{parse_trace, TraceEvent};
use evm_sim::detachable_memory::{LifeCycleRecord, MemoryImage};
use evm_sim::protocol::message::Request;
use evm_sim::unit::{ButtonAddress, ControlUnit, Input};
use evm_sim::{ProfileName, Timestamp};
use std::path::Path;

/// The frames of docs/protocol-vectors.txt: (direction is host → board,
/// unstuffed frame, wire bytes).
fn protocol_vectors(repository: &Path) -> Vec<(bool, Vec<u8>, Vec<u8>)> {
    let text = std::fs::read_to_string(repository.join("docs/protocol-vectors.txt")).unwrap_or_default();
    let hex = |line: &str| -> Vec<u8> {
        line.split_whitespace().filter_map(|pair| u8::from_str_radix(pair, 16).ok()).collect()
    };
    let mut vectors = Vec::new();
    let (mut to_board, mut frame) = (false, Vec::new());
    for line in text.lines() {
        if let Some(direction) = line.strip_prefix("direction: ") {
            to_board = direction.starts_with("host");
        } else if let Some(bytes) = line.strip_prefix("frame: ") {
            frame = hex(bytes);
        } else if let Some(bytes) = line.strip_prefix("wire: ") {
            vectors.push((to_board, std::mem::take(&mut frame), hex(bytes)));
        }
    }
    vectors
}

fn trace_files(repository: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![repository.join("traces")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "jsonl") {
                let name = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
                files.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

/// A trace's machine inputs as a model target's input: profile byte, no
/// prelude, then one wire-encoded step per unit event.
fn model_input_of_trace(text: &str) -> Option<Vec<u8>> {
    let trace = parse_trace(Path::new("seed.jsonl"), text).ok()?;
    let profile = &trace.header.profile;
    let mut profile_byte = u8::from(profile.name == ProfileName::M3);
    profile_byte |= if profile.rate_limit_votes_per_minute.is_none() { 1 << 3 } else { 0 };
    profile_byte |= if profile.none_of_the_above { 0 } else { 0x20 };
    let mut bytes = vec![profile_byte, 0];
    let mut previous = trace.lines.first().map_or(Timestamp::ZERO, |line| line.at);
    for line in &trace.lines {
        if let TraceEvent::Unit(input) = line.event {
            let after = Timestamp::from_milliseconds(line.at.milliseconds_since(previous));
            previous = line.at;
            let (_, payload) = Request::Input { at: after, input }.encode();
            bytes.push(WIRE_STEP);
            bytes.push(payload.len() as u8);
            bytes.extend_from_slice(&payload);
        }
    }
    Some(bytes)
}

/// Genuine images of a unit through a poll: commissioned, mid-poll, closed,
/// result read.
fn genuine_images(m3: bool) -> Vec<Vec<u8>> {
    let commissioning = fuzz_commissioning(m3);
    let mut unit = ControlUnit::new(commissioning.profile);
    let mut life_cycle = LifeCycleRecord::default();
    let mut images = vec![MemoryImage::of_unit(&commissioning, &unit, life_cycle).as_bytes().to_vec()];
    let mut now = Timestamp::from_clock(7, 0, 0);
    let mut inputs = vec![
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 5 },
        Input::SealCandidateSetSection,
        Input::FixResultSeal,
    ];
    for button in [1, 3, 3, 6] {
        inputs.extend([Input::Ballot, Input::PressButton { address: ButtonAddress { balloting_unit: 1, button } }]);
    }
    inputs.extend([Input::Ballot, Input::Close, Input::BreakResultSeal, Input::Result]);
    for (index, input) in inputs.into_iter().enumerate() {
        now = now.plus_milliseconds(20_000);
        let reaction = unit.step(now, input);
        life_cycle.observe(&reaction);
        if index % 4 == 3 || input == Input::Result {
            images.push(MemoryImage::of_unit(&commissioning, &unit, life_cycle).as_bytes().to_vec());
        }
    }
    images
}

/// A pcap capture (docs/PROTOCOL.md section 7) of `records`: (host to
/// board, wire bytes), a millisecond apart.
fn pcap(records: &[(bool, &[u8])]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    bytes.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(&crate::target::capture::SNAPSHOT_LENGTH.to_le_bytes());
    bytes.extend_from_slice(&crate::target::capture::LINK_TYPE_USER0.to_le_bytes());
    for (index, (to_board, wire)) in records.iter().enumerate() {
        let length = wire.len() as u32 + 1;
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&(index as u32 * 1_000).to_le_bytes());
        bytes.extend_from_slice(&length.to_le_bytes());
        bytes.extend_from_slice(&length.to_le_bytes());
        bytes.push(if *to_board { 0 } else { 1 });
        bytes.extend_from_slice(wire);
    }
    bytes
}

/// The capture a host would have written replaying the machine events of a
/// trace on a test-mode board: `TEST_START_MACHINE`, then one `INPUT` each.
fn capture_of_trace(text: &str) -> Option<Vec<u8>> {
    use evm_sim::protocol::board::request_frame;
    let trace = parse_trace(Path::new("seed.jsonl"), text).ok()?;
    let start = Request::TestStartMachine { profile: trace.header.profile, defects: trace.header.defects };
    let mut frames = vec![request_frame(1, &start)];
    for line in &trace.lines {
        if let TraceEvent::Unit(input) = line.event {
            let id = frames.len() as u16 + 1;
            frames.push(request_frame(id, &Request::Input { at: line.at, input }));
        }
    }
    (frames.len() > 1).then(|| pcap(&frames.iter().map(|wire| (true, wire.as_slice())).collect::<Vec<_>>()))
}

/// Every seed of every target, named.
pub fn seed_inputs(repository: &Path) -> Vec<(Target, String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let vectors = protocol_vectors(repository);
    let mut session = Vec::new();
    for (index, (to_board, frame, wire)) in vectors.iter().enumerate() {
        let mut input = wire.clone();
        input.push(index as u8);
        seeds.push((Target::FrameDecoder, format!("vector-{index:02}"), input));
        if frame.len() >= 10 {
            let mut message = vec![frame[1]];
            message.extend_from_slice(&frame[6..frame.len() - 4]);
            seeds.push((Target::MessageParser, format!("vector-{index:02}"), message));
        }
        if *to_board {
            session.extend_from_slice(wire);
        }
    }
    let mut noisy = vec![0x17, 0x99, 0x00, 0x00];
    noisy.extend_from_slice(&session);
    noisy.push(6);
    seeds.push((Target::FrameDecoder, "session-noisy".to_owned(), noisy));
    for mode in [1u8, 0, 1 | 4 | 8] {
        let mut input = vec![mode];
        input.extend_from_slice(&session);
        seeds.push((Target::BoardBytes, format!("session-mode-{mode}"), input));
    }
    let mut random = SplitMix64::new(0x5EED);
    for index in 0..8 {
        let mut input = vec![3 | (index << 2)];
        input.extend(random.bytes(64 + 64 * usize::from(index)));
        seeds.push((Target::BoardBytes, format!("requests-{index}"), input));
    }
    let records: Vec<(bool, &[u8])> = vectors.iter().map(|(to_board, _, wire)| (*to_board, wire.as_slice())).collect();
    seeds.push((Target::CaptureReader, "vectors".to_owned(), pcap(&records)));
    for (name, text) in trace_files(repository) {
        if let Some(capture) = capture_of_trace(&text) {
            seeds.push((Target::CaptureReader, name.clone(), capture));
        }
        if let Some(model) = model_input_of_trace(&text) {
            seeds.push((Target::UnitModel, name.clone(), model.clone()));
            seeds.push((Target::Differential, name.clone(), model));
        }
        seeds.push((Target::TraceParser, name, text.into_bytes()));
    }
    for index in 0..12u8 {
        let mut input = vec![index % 4, 1 + index];
        input.extend(random.bytes(128 + 96 * usize::from(index)));
        seeds.push((Target::UnitModel, format!("random-{index:02}"), input.clone()));
        seeds.push((Target::Differential, format!("random-{index:02}"), input));
        let mut station = vec![index];
        station.extend(random.bytes(256 + 128 * usize::from(index)));
        seeds.push((Target::StationModel, format!("random-{index:02}"), station));
    }
    for m3 in [false, true] {
        for (index, image) in genuine_images(m3).into_iter().enumerate() {
            for mode in [0u8, 1] {
                let mut input = vec![mode | u8::from(m3) << 1];
                input.extend_from_slice(&image);
                let profile = if m3 { "m3" } else { "m2" };
                seeds.push((Target::MemoryImageLoader, format!("{profile}-image-{index}-mode-{mode}"), input));
            }
        }
    }
    seeds
}
