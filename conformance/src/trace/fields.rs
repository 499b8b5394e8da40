//! What every part of the trace parser shares: the bounds, the located
//! error ([`TraceError`]) and its helpers, the JSON object of a line, the
//! names of the machine's event lines, and the checked field readers.

use evm_sim::profile::MAX_BALLOTING_UNITS;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Longest line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most lines in one trace (a 1,500-elector day with every station event is
/// well under 100,000).
pub const MAX_TRACE_LINES: usize = 2_000_000;
/// The longest published part number a header may give ("12-B", "2A").
pub const MAX_PART_NUMBER_CHARS: usize = 16;
/// Most candidates a header may list: every button of the largest
/// machine (M3: 24 units × 16 buttons; 384 leaves no button for NOTA).
pub const MAX_CANDIDATES: usize = evm_sim::profile::MAX_BALLOT_BUTTONS;
/// Most electors assigned to one polling station: the station model's
/// bound, so that every header the parser takes the papers can hold.
pub const MAX_ELECTORS_ASSIGNED: u32 = evm_sim::station::MAX_ELECTORS_PER_STATION;

/// A trace that cannot be read: where and why, as `FILE:LINE:COLUMN:
/// field `F`: message` (the column where the JSON reader stopped, when it
/// did; `FILE: message` for the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{message}", place(path, *line, *column), field.as_ref().map(|field| format!("field `{field}`: ")).unwrap_or_default())]
pub struct TraceError {
    pub path: PathBuf,
    /// 1-based line number; 0 for the file as a whole.
    pub line: usize,
    /// 1-based column in the line, where a JSON error was found.
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

/// `FILE`, `FILE:LINE` or `FILE:LINE:COLUMN`.
fn place(path: &Path, line: usize, column: Option<usize>) -> String {
    match (line, column) {
        (0, _) => path.display().to_string(),
        (line, None) => format!("{}:{line}", path.display()),
        (line, Some(column)) => format!("{}:{line}:{column}", path.display()),
    }
}

pub(super) fn error(path: &Path, line: usize, field: Option<&str>, message: impl Into<String>) -> TraceError {
    TraceError { path: path.to_owned(), line, column: None, field: field.map(str::to_owned), message: message.into() }
}

/// The line and column a JSON error gives (1-based), when it gives them.
pub(crate) fn json_position(source: &serde_json::Error) -> Option<(usize, usize)> {
    (source.line() > 0).then(|| (source.line(), source.column()))
}

/// A serde message names the field between backticks ("missing field `at`").
pub(super) fn serde_error(path: &Path, line: usize, fallback_field: &str, source: serde_json::Error) -> TraceError {
    let message = source.to_string();
    let field = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field.to_owned())
        .unwrap_or_else(|| fallback_field.to_owned());
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let column = json_position(&source).map(|(_, column)| column);
    TraceError { path: path.to_owned(), line, column, field: Some(field), message }
}

pub(super) fn object(path: &Path, line: usize, text: &str) -> Result<Map<String, Value>, TraceError> {
    if text.len() > MAX_LINE_BYTES {
        return Err(error(path, line, None, format!("line longer than {MAX_LINE_BYTES} bytes")));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(error(path, line, None, format!("expected a JSON object, found {}", kind_of(&other)))),
        Err(source) => Err(TraceError {
            column: json_position(&source).map(|(_, column)| column),
            ..error(
                path,
                line,
                None,
                format!("not JSON: {}", source.to_string().split(" at line ").next().unwrap_or("")),
            )
        }),
    }
}

pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) const UNIT_EVENTS: &[&str] = &[
    "cand_set",
    "seal_candidate_set_section",
    "ballot",
    "total",
    "close",
    "result",
    "clear",
    "fix_result_seal",
    "break_result_seal",
    "attach_balloting_unit",
    "detach_balloting_unit",
    "press",
    "press_two",
    "power_off",
    "power_on",
    "battery_level",
    "open_case",
    "first_level_check",
    "power_cut",
    "power_restored",
    "cable_pulled",
    "cable_restored",
    "battery_low",
];

pub(super) const OTHER_EVENTS: &[&str] = &["expect", "expect_result", "new_machine", "link_noise"];

/// A balloting-unit position (its slide switch): 1 to 24 on any machine,
/// as on the wire (docs/PROTOCOL.md 3.2). A position the trace's profile
/// does not have is the unit's to refuse; 0 or past 24 is no position.
pub(super) fn balloting_unit_position(path: &Path, line: usize, field: &str, position: u8) -> Result<u8, TraceError> {
    if position == 0 || position > MAX_BALLOTING_UNITS {
        return Err(error(
            path,
            line,
            Some(field),
            format!("expected a balloting unit position 1 to {}, found {position}", MAX_BALLOTING_UNITS),
        ));
    }
    Ok(position)
}

/// A name the forms print: at most [`evm_sim::station::MAX_NAME_CHARS`]
/// characters, no control characters; empty only where `may_be_empty`.
pub(super) fn check_text(
    path: &Path,
    line: usize,
    field: &str,
    what: &str,
    text: &str,
    may_be_empty: bool,
) -> Result<(), TraceError> {
    let length = text.chars().count();
    let maximum = evm_sim::station::MAX_NAME_CHARS;
    if length > maximum || (length == 0 && !may_be_empty) || text.chars().any(char::is_control) {
        return Err(error(
            path,
            line,
            Some(field),
            format!("{what} is 1 to {maximum} printable characters, found {length} characters: {text:?}"),
        ));
    }
    Ok(())
}
