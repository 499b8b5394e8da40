//! Fuzz target `capture_reader`: a pcap capture of the wire (`run
//! --capture`) read back into frames, and its host requests turned into a
//! trace.

use crate::target::capture::{capture_to_trace, read_capture};
use crate::trace::parse_trace;
use std::path::Path;

/// A capture is read into frames, or refused with where and why, never a
/// panic; the trace made from its frames, when one is made, parses: the
/// harness reads what it writes.
pub fn capture_reader(data: &[u8]) {
    let Ok(frames) = read_capture(data) else { return };
    let Ok(text) = capture_to_trace(&frames, "M2", 5) else { return };
    if let Err(error) = parse_trace(Path::new("capture.jsonl"), &text) {
        panic!("capture_to_trace wrote a trace the parser refuses: {error}\n{text}");
    }
}
