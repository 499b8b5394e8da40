//! The trace parser: JSON Lines in, typed lines or a located error out.

use super::fields::{
    balloting_unit_position, error, kind_of, object, serde_error, TraceError, MAX_TRACE_LINES, OTHER_EVENTS,
    UNIT_EVENTS,
};
use super::header::parse_header;
use super::station_lines::{check_counting_event, check_counts, station_event, COUNTING_EVENTS};
use super::{button_of_entry, CountingEvent, Expectation, Header, MachineChange, Trace, TraceEvent, TraceLine};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{StationAction, Timestamp};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// Reads and parses a trace file.
pub fn parse_trace_file(path: &Path) -> Result<Trace, TraceError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| error(path, 0, None, format!("cannot read: {source}")))?;
    parse_trace(path, &text)
}

/// Parses the text of a trace; `path` is used in messages only.
pub fn parse_trace(path: &Path, text: &str) -> Result<Trace, TraceError> {
    let mut numbered =
        text.lines().enumerate().map(|(index, line)| (index + 1, line)).filter(|(_, line)| !line.trim().is_empty());
    let (header_line, header_text) =
        numbered.next().ok_or_else(|| error(path, 1, None, "empty trace: expected a header line"))?;
    let header = parse_header(path, header_line, header_text)?;
    let mut lines = Vec::new();
    let mut previous = Timestamp::ZERO;
    // Control units installed so far: counting names one of them.
    let mut installed: Vec<String> = Vec::new();
    for (line, text) in numbered {
        if lines.len() >= MAX_TRACE_LINES {
            return Err(error(path, line, None, format!("more than {MAX_TRACE_LINES} event lines")));
        }
        let parsed = parse_event_line(path, line, text, &header)?;
        match &parsed.event {
            TraceEvent::Station { action: StationAction::MachineInstalled { control_unit }, .. } => {
                installed.push(control_unit.clone());
            }
            TraceEvent::Counting(event) => {
                if let Some(control_unit) =
                    event.control_unit().filter(|unit| !installed.iter().any(|seen| seen == unit))
                {
                    return Err(error(
                        path,
                        line,
                        Some("control_unit"),
                        format!(
                            "control unit {control_unit:?} was never at this station: no earlier machine_installed names it (installed: {installed:?})"
                        ),
                    ));
                }
            }
            _ => {}
        }
        if parsed.at < previous {
            return Err(error(
                path,
                line,
                Some("at"),
                format!(
                    "time goes backwards: {} after {} on an earlier line",
                    super::format_time(parsed.at),
                    super::format_time(previous)
                ),
            ));
        }
        previous = parsed.at;
        lines.push(parsed);
    }
    Ok(Trace { path: path.to_owned(), header, lines })
}

/// Unit-level event lines, as written in traces.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
enum RawUnitEvent {
    CandSet {
        candidates: u16,
    },
    SealCandidateSetSection,
    Ballot,
    Total,
    Close,
    Result,
    Clear,
    FixResultSeal,
    BreakResultSeal,
    AttachBallotingUnit {
        position: u8,
    },
    DetachBallotingUnit {
        position: u8,
    },
    Press {
        #[serde(default)]
        candidate: Option<u16>,
        #[serde(default)]
        balloting_unit: Option<u8>,
        #[serde(default)]
        button: Option<u8>,
        /// The power is cut after the press and before its beep.
        #[serde(default)]
        cut_before_beep: bool,
    },
    PressTwo {
        candidates: [u16; 2],
        /// The balloting unit registered only this one of the two (its
        /// hardware resolves two buttons to one): sent as a press of it.
        #[serde(default)]
        registered: Option<u16>,
    },
    PowerOff,
    PowerOn {
        #[serde(default)]
        held_candidate: Option<u16>,
    },
    BatteryLevel {
        percent: u8,
    },
    OpenCase,
    FirstLevelCheck,
    // Fault names, as a fault injector or a recorder writes them.
    PowerCut,
    PowerRestored,
    CablePulled {
        position: u8,
    },
    CableRestored {
        position: u8,
    },
    BatteryLow {
        percent: u8,
    },
}

/// The fields each kind of event line may carry besides `at`, `event` and `note`.
fn allowed_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "cand_set" => &["candidates"],
        "attach_balloting_unit" | "detach_balloting_unit" | "cable_pulled" | "cable_restored" => &["position"],
        "press" => &["candidate", "balloting_unit", "button", "cut_before_beep"],
        "press_two" => &["candidates", "registered"],
        "power_on" => &["held_candidate"],
        "battery_level" | "battery_low" => &["percent"],
        "expect" => &["display", "total", "on", "busy", "ready", "refused", "accepted", "votes_recorded"],
        "expect_result" => &["counts", "total"],
        "new_machine" => &["reason"],
        "link_noise" => &["bytes", "seed"],
        _ => &[],
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectResult {
    counts: Vec<u32>,
    total: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNewMachine {
    reason: MachineChange,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinkNoise {
    bytes: u32,
    #[serde(default)]
    seed: u64,
}

/// Parses a time of day "HH:MM:SS" or "HH:MM:SS.mmm" (hours up to 47, for
/// polls that run past midnight).
pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    let (clock, milliseconds) = match text.split_once('.') {
        Some((clock, fraction)) if fraction.len() == 3 && fraction.bytes().all(|byte| byte.is_ascii_digit()) => {
            (clock, fraction.parse::<u64>().ok()?)
        }
        Some(_) => return None,
        None => (text, 0),
    };
    let mut parts = clock.split(':');
    let mut field = |maximum: u64| -> Option<u64> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        part.parse::<u64>().ok().filter(|value| *value <= maximum)
    };
    let (hours, minutes, seconds) = (field(47)?, field(59)?, field(59)?);
    if parts.next().is_some() {
        return None;
    }
    Some(Timestamp::from_clock(hours, minutes, seconds).plus_milliseconds(milliseconds))
}

// Longer than 70 lines on purpose: one check a field rule of docs/TRACE_FORMAT.md section 3, each
// with its located error.
fn parse_event_line(path: &Path, line: usize, text: &str, header: &Header) -> Result<TraceLine, TraceError> {
    let mut map = object(path, line, text)?;
    let at = match map.remove("at") {
        Some(Value::String(at)) => parse_time(&at).ok_or_else(|| {
            error(path, line, Some("at"), format!("expected a time \"HH:MM:SS\" or \"HH:MM:SS.mmm\", found {at:?}"))
        })?,
        Some(other) => {
            return Err(error(path, line, Some("at"), format!("expected a time string, found {}", kind_of(&other))))
        }
        None => return Err(error(path, line, Some("at"), "missing: every event line has its time")),
    };
    match map.remove("note") {
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(error(path, line, Some("note"), format!("expected a string, found {}", kind_of(&other))))
        }
    }
    let kind = match map.get("event") {
        Some(Value::String(kind)) => kind.clone(),
        Some(other) => {
            return Err(error(path, line, Some("event"), format!("expected a string, found {}", kind_of(other))))
        }
        None => return Err(error(path, line, Some("event"), "missing: every event line names its event")),
    };
    // serde ignores extra fields of unit variants in an internally tagged
    // enum, so every machine line's fields are checked against its kind here
    // (station actions are all struct variants: serde checks those).
    let machine_line = UNIT_EVENTS.contains(&kind.as_str()) || OTHER_EVENTS.contains(&kind.as_str());
    let allowed = allowed_fields(&kind);
    if let Some(unknown) =
        map.keys().find(|field| machine_line && field.as_str() != "event" && !allowed.contains(&field.as_str()))
    {
        let expected = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        return Err(error(
            path,
            line,
            Some(unknown),
            format!("unknown field for event {kind:?}; its fields: {expected}"),
        ));
    }
    let event = if UNIT_EVENTS.contains(&kind.as_str()) {
        let raw: RawUnitEvent =
            serde_json::from_value(Value::Object(map)).map_err(|source| serde_error(path, line, "event", source))?;
        let cut_before_beep = matches!(raw, RawUnitEvent::Press { cut_before_beep: true, .. });
        let input = unit_input(path, line, raw, header)?;
        if cut_before_beep {
            TraceEvent::PressCutBeforeBeep(input)
        } else {
            TraceEvent::Unit(input)
        }
    } else if OTHER_EVENTS.contains(&kind.as_str()) {
        map.remove("event");
        let value = Value::Object(map);
        match kind.as_str() {
            "expect" => TraceEvent::Expect(
                serde_json::from_value::<Expectation>(value)
                    .map_err(|source| serde_error(path, line, "expect", source))?,
            ),
            "expect_result" => {
                let raw: RawExpectResult =
                    serde_json::from_value(value).map_err(|source| serde_error(path, line, "expect_result", source))?;
                check_counts(path, line, &raw.counts, header)?;
                TraceEvent::ExpectResult { counts: raw.counts, total: raw.total }
            }
            "new_machine" => {
                let raw: RawNewMachine =
                    serde_json::from_value(value).map_err(|source| serde_error(path, line, "reason", source))?;
                TraceEvent::NewMachine { reason: raw.reason }
            }
            _ => {
                let raw: RawLinkNoise =
                    serde_json::from_value(value).map_err(|source| serde_error(path, line, "link_noise", source))?;
                TraceEvent::LinkNoise { bytes: raw.bytes, seed: raw.seed }
            }
        }
    } else if COUNTING_EVENTS.contains(&kind.as_str()) {
        // Name the field of a figure that is not one (serde would name the event).
        for field in ["paper_seal", "round", "table", "item_2", "item_3", "item_4", "item_5", "total"] {
            if let Some(value) =
                map.get(field).filter(|value| value.as_u64().and_then(|n| u32::try_from(n).ok()).is_none())
            {
                return Err(error(
                    path,
                    line,
                    Some(field),
                    format!("expected a whole number 0 to 4294967295, found {value}"),
                ));
            }
        }
        let counting: CountingEvent =
            serde_json::from_value(Value::Object(map)).map_err(|source| serde_error(path, line, &kind, source))?;
        check_counting_event(path, line, &counting, header)?;
        TraceEvent::Counting(Box::new(counting))
    } else {
        station_event(path, line, &kind, map, header)?
    };
    Ok(TraceLine { line, at, event })
}

fn entry_button(
    path: &Path,
    line: usize,
    field: &str,
    entry: u16,
    header: &Header,
) -> Result<ButtonAddress, TraceError> {
    let entries = header.ballot_entries();
    if entry == 0 || entry > entries {
        return Err(error(
            path,
            line,
            Some(field),
            format!(
                "expected a ballot entry 1 to {entries} (candidates 1 to {}{}), found {entry}; press a masked button with \"balloting_unit\" and \"button\"",
                header.candidate_count(),
                if header.profile.none_of_the_above { format!(", NOTA {entries}") } else { String::new() }
            ),
        ));
    }
    button_of_entry(entry).ok_or_else(|| error(path, line, Some(field), "ballot entry out of range"))
}

// Longer than 70 lines on purpose: one arm a machine event line (docs/TRACE_FORMAT.md section 3.1).
fn unit_input(path: &Path, line: usize, raw: RawUnitEvent, header: &Header) -> Result<Input, TraceError> {
    Ok(match raw {
        RawUnitEvent::CandSet { candidates } => Input::CandSet { candidates },
        RawUnitEvent::SealCandidateSetSection => Input::SealCandidateSetSection,
        RawUnitEvent::Ballot => Input::Ballot,
        RawUnitEvent::Total => Input::Total,
        RawUnitEvent::Close => Input::Close,
        RawUnitEvent::Result => Input::Result,
        RawUnitEvent::Clear => Input::Clear,
        RawUnitEvent::FixResultSeal => Input::FixResultSeal,
        RawUnitEvent::BreakResultSeal => Input::BreakResultSeal,
        RawUnitEvent::AttachBallotingUnit { position } | RawUnitEvent::CableRestored { position } => {
            Input::AttachBallotingUnit { position: balloting_unit_position(path, line, "position", position)? }
        }
        RawUnitEvent::DetachBallotingUnit { position } | RawUnitEvent::CablePulled { position } => {
            Input::DetachBallotingUnit { position: balloting_unit_position(path, line, "position", position)? }
        }
        RawUnitEvent::Press { candidate: Some(entry), balloting_unit: None, button: None, .. } => {
            Input::PressButton { address: entry_button(path, line, "candidate", entry, header)? }
        }
        RawUnitEvent::Press { candidate: None, balloting_unit: Some(balloting_unit), button: Some(button), .. } => {
            let balloting_unit = balloting_unit_position(path, line, "balloting_unit", balloting_unit)?;
            if button == 0 || u16::from(button) > evm_sim::profile::BUTTONS_PER_BALLOTING_UNIT {
                return Err(error(
                    path,
                    line,
                    Some("button"),
                    format!("expected a button 1 to {}, found {button}", evm_sim::profile::BUTTONS_PER_BALLOTING_UNIT),
                ));
            }
            Input::PressButton { address: ButtonAddress { balloting_unit, button } }
        }
        RawUnitEvent::Press { .. } => {
            return Err(error(
                path,
                line,
                Some("candidate"),
                "give either \"candidate\" or both \"balloting_unit\" and \"button\"",
            ))
        }
        RawUnitEvent::PressTwo { candidates: [first, second], registered: None } => Input::PressTwoButtons {
            first: entry_button(path, line, "candidates", first, header)?,
            second: entry_button(path, line, "candidates", second, header)?,
        },
        RawUnitEvent::PressTwo { candidates: [first, second], registered: Some(registered) } => {
            entry_button(path, line, "candidates", first, header)?;
            entry_button(path, line, "candidates", second, header)?;
            if registered != first && registered != second {
                return Err(error(
                    path,
                    line,
                    Some("registered"),
                    format!("expected one of the two entries pressed ({first} or {second}), found {registered}"),
                ));
            }
            Input::PressButton { address: entry_button(path, line, "registered", registered, header)? }
        }
        RawUnitEvent::PowerOff | RawUnitEvent::PowerCut => Input::PowerOff,
        RawUnitEvent::PowerOn { held_candidate } => Input::PowerOn {
            held_button: match held_candidate {
                Some(entry) => Some(entry_button(path, line, "held_candidate", entry, header)?),
                None => None,
            },
        },
        RawUnitEvent::PowerRestored => Input::PowerOn { held_button: None },
        RawUnitEvent::BatteryLevel { percent } | RawUnitEvent::BatteryLow { percent } => {
            if percent > 100 {
                return Err(error(path, line, Some("percent"), format!("expected 0 to 100, found {percent}")));
            }
            Input::BatteryLevel { percent }
        }
        RawUnitEvent::OpenCase => Input::OpenCase,
        RawUnitEvent::FirstLevelCheck => Input::FirstLevelCheck,
    })
}
