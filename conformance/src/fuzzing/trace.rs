//! Arbitrary text into the trace parser, and what it accepts back through
//! the writer.

use crate::trace::{parse_trace, write_trace, Header, Trace};
use std::path::Path;

/// The parts of a header that a trace means (everything).
fn header_meaning(header: &Header) -> String {
    format!("{header:?}")
}

/// The timed events of a trace, without their line numbers.
fn events(trace: &Trace) -> Vec<(u64, String)> {
    trace.lines.iter().map(|line| (line.at.milliseconds(), format!("{:?}", line.event))).collect()
}

/// Target `trace_parser`: the bytes as text (invalid UTF-8 replaced). The
/// parser returns a located error or a trace, never panics; a trace written
/// back parses to an equivalent trace, and writing that again gives the
/// same text.
pub fn trace_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz.jsonl");
    let trace = match parse_trace(path, &text) {
        Ok(trace) => trace,
        Err(error) => {
            assert!(
                error.line <= text.lines().count().max(1),
                "error at line {} of {}",
                error.line,
                text.lines().count()
            );
            let _ = error.to_string();
            return;
        }
    };
    let written = write_trace(&trace);
    let again = match parse_trace(path, &written) {
        Ok(again) => again,
        Err(error) => panic!("a written trace does not parse: {error}\n{written}"),
    };
    assert_eq!(header_meaning(&again.header), header_meaning(&trace.header), "the header changed:\n{written}");
    assert_eq!(events(&again), events(&trace), "the events changed:\n{written}");
    assert_eq!(write_trace(&again), written, "writing is not a fixpoint");
}
